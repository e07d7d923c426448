/* obt pair, obt unpair, obt creds: pairwise symmetric keys between two owned devices (digest
 * §6.6, <ocf/ocf_obt_cms.h>), or between a device and an external client (--client: one side
 * only, the key shown once), and a device's /oic/sec/cred entries (never private data). */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ocf/ocf_obt_cms.h>

#include "prov_cli.h"

#define PAIR_USAGE_BODY                                                                                      \
  "\n"                                                                                                       \
  "pair gives two owned devices a shared symmetric key (a credtype 1 credential on each, whose\n"            \
  "subject is the other device), so they can open a DTLS PSK session to each other (the client's\n"          \
  "PSK identity is its uuid). Both devices must list credtype 1 in doxm.sct, else nothing is\n"              \
  "written. The key is 16 fresh random bytes, sent to each device over its owner session and\n"              \
  "never stored by obt; an older key between the two is replaced. When one device fails, the\n"              \
  "other's new credential is removed again. The domain store records the pairing (devices,\n"                \
  "credids, time) and the audit log what happened.\n"                                                        \
  "Access still needs ACEs on each device naming the other as subject.\n"                                    \
  "\n"                                                                                                       \
  "With --client, CLIENT is a DTLS client outside the domain (an app, libcoap's coap-client):\n"             \
  "any uuid you pick for it that is not a device of the domain. Only DEV gets a key, whose\n"                \
  "subject is CLIENT, so CLIENT opens a PSK session to DEV with the 16 bytes of its uuid as\n"               \
  "PSK identity and the key (TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256). obt keeps no copy: the\n"               \
  "key is shown once (--show-key is required) and pairing again replaces it.\n"                              \
  "\n"                                                                                                       \
  "unpair removes the credentials each device holds for the other (or DEV's for CLIENT), and\n"              \
  "the store's record. DEV_A, DEV_B and DEV are uuids of owned devices (obt devices).\n"                     \
  "\n"                                                                                                       \
  "options:\n"                                                                                               \
  "      --client CLIENT   pair or unpair DEV with this external client's uuid\n"                            \
  "      --show-key        (pair) print the key in hex as the last line on stdout: refused when\n"           \
  "                        stdout is a terminal, written to the audit log; between two devices\n"            \
  "                        for end-to-end tests only, with --client the one chance to get the key\n"         \
  "  -w, --window MS       how long to look for the devices by multicast (default 3000; the\n"               \
  "                        address the store saw last is used for a device that did not answer)\n"           \
  "  -t, --timeout S       seconds each handshake and request may take (default 30)\n"                       \
  "  -i, --interface IF    send and listen on this interface (repeatable)\n"                                 \
  "  -4, --ipv4-only / -6, --ipv6-only\n"                                                                    \
  "  -s, --store PATH      the domain store (default $XDG_DATA_HOME/obt/domain.db)\n"                        \
  "  -k, --key-file PATH   the domain key file (default: the one the domain was created with)\n"             \
  "      --passphrase-env VAR  the domain passphrase is in environment variable VAR\n"                       \
  "      --json            one JSON object per line and device on stdout, then a \"done\" object\n"          \
  "  -v, --verbose         log more on stderr\n"                                                             \
  "  -h, --help            this text\n"                                                                      \
  "\n"                                                                                                       \
  "exit status: 0 done, 1 a device refused or cannot hold the key (each failure says what to do),\n"         \
  "2 usage, 3 system error, 4 a device did not answer\n"

static const char pair_usage[] = "usage: obt pair DEV_A DEV_B [options]\n"
                                 "       obt pair DEV --client CLIENT --show-key [options] > FILE\n"
                                 "       obt unpair DEV_A DEV_B [options]\n"
                                 "       obt unpair DEV --client CLIENT [options]\n" PAIR_USAGE_BODY;
static const char unpair_usage[] =
    "usage: obt unpair DEV_A DEV_B [options]\n"
    "       obt unpair DEV --client CLIENT [options]\n"
    "       obt pair DEV_A DEV_B [options]\n"
    "       obt pair DEV --client CLIENT --show-key [options] > FILE\n" PAIR_USAGE_BODY;

static const char creds_usage[] =
    "usage: obt creds DEV... [options]\n"
    "\n"
    "Lists the credentials each owned device holds (its /oic/sec/cred, read over the owner\n"
    "session): credid, credential type, subject and usage, and for OSCORE contexts (credtype 64,\n"
    "128, 256) their sender and recipient ids and description. Never private data (devices do\n"
    "not show it). The owner credential (subject: this tool), pairwise keys for devices of the\n"
    "domain and keys for external clients (obt pair --client) are marked.\n"
    "\n"
    "options:\n"
    "  -w, --window MS, -t, --timeout S, -i, --interface IF, -4, -6, -s, --store PATH,\n"
    "  -k, --key-file PATH, --passphrase-env VAR, -v    as for obt pair\n"
    "      --json            one JSON object per device on stdout (stable field names)\n"
    "  -h, --help            this text\n"
    "\n"
    "exit status: 0 listed, 1 a device refused, 2 usage, 3 system error, 4 a device did not answer\n";

/* -1 to go on, or the exit code. */
static int parse_args(const char *cmd, const char *usage, int argc, char **argv, obt_lc_opts *o,
                      bool *show_key, const char **client) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(usage, stdout);
      return OBT_EXIT_OK;
    }
    if (show_key && strcmp(a, "--show-key") == 0) {
      *show_key = true;
      continue;
    }
    if (client && strcmp(a, "--client") == 0) {
      if (i + 1 == argc || *client) {
        fprintf(stderr, "obt %s: --client takes one uuid (see obt %s --help)\n", cmd, cmd);
        return OBT_EXIT_USAGE;
      }
      *client = argv[++i];
      continue;
    }
    int handled = obt_lc_opt_parse(o, cmd, argc, argv, &i);
    if (handled < 0) return OBT_EXIT_USAGE;
    if (!handled || strcmp(a, "-y") == 0 || strcmp(a, "--yes") == 0) {
      fprintf(stderr, "obt %s: unknown option '%s' (see obt %s --help)\n", cmd, a, cmd);
      return OBT_EXIT_USAGE;
    }
  }
  return -1;
}

/* The uuids named, parsed, without duplicates. */
static int parse_uuids(const char *cmd, const obt_lc_opts *o, ocf_uuid *out) {
  for (size_t i = 0; i < o->n_uuids; i++) {
    if (ocf_uuid_parse(o->uuids[i], strlen(o->uuids[i]), &out[i]) != OCF_OK) return OBT_EXIT_USAGE;
    for (size_t k = 0; k < i; k++)
      if (ocf_uuid_equal(&out[k], &out[i])) {
        fprintf(stderr, "obt %s: %s is named twice\n", cmd, o->uuids[i]);
        return OBT_EXIT_USAGE;
      }
  }
  return -1;
}

/* --- pair, unpair --------------------------------------------------------------------------- */

typedef struct pair_cli {
  bool done;
  ocf_obt_pair_result r;
} pair_cli;

static void on_pair_done(void *user, const ocf_obt_pair_result *r) {
  pair_cli *p = user;
  p->done = true;
  p->r = *r;
}

static bool pair_over(void *user) { return ((pair_cli *)user)->done; }

static ocf_obt_wall_ms wall_now(void *user) {
  (void)user;
  return obt_wall_ms();
}

static void print_side(const obt_prov_cli *c, const obt_lc_opts *o, const obt_colour *col,
                       const ocf_obt_pair_result *r, size_t i) {
  const ocf_obt_pair_side *s = &r->side[i];
  const ocf_obt_device_record *rec = obt_prov_cli_record(c, &s->uuid);
  const char *name = rec ? rec->name : "";
  bool pair = r->action == OCF_OBT_PAIR;
  char uuid[OCF_UUID_STR_LEN], peer[OCF_UUID_STR_LEN];
  ocf_uuid_format(&s->uuid, uuid);
  ocf_uuid_format(&r->side[1 - i].uuid, peer);
  const ocf_obt_prov_failure *f = &s->failure;
  const char *what = r->client ? "client " : ""; /* the peer is an external client */
  if (o->json) {
    printf("{\"event\": \"result\", \"action\": \"%s\", \"uuid\": \"%s\", \"name\": ",
           pair ? "pair" : "unpair", uuid);
    obt_json_string(stdout, name);
    printf(
        ", \"peer\": \"%s\", \"peer_is_client\": %s, \"outcome\": \"%s\", \"credid\": %u, \"removed\": %u, "
        "\"undone\": %s, \"left\": %s, \"was_rfnop\": %s",
        peer, r->client ? "true" : "false", s->ok ? "ok" : "failed", (unsigned)s->credid,
        (unsigned)s->removed, s->undone ? "true" : "false", s->left ? "true" : "false",
        s->was_rfnop ? "true" : "false");
    if (!s->ok) {
      printf(", \"stage\": ");
      obt_json_string(stdout, f->stage ? f->stage : "");
      printf(", \"code\": %u, \"error\": ", (unsigned)f->code);
      obt_json_string(stdout, ocf_strerror(f->err));
      printf(", \"diagnostic\": ");
      obt_json_string(stdout, f->diagnostic);
      printf(", \"advice\": ");
      obt_json_string(stdout, f->advice ? f->advice : "");
    }
    printf("}\n");
    return;
  }
  if (s->ok) {
    if (pair)
      printf("%spaired%s    %s  %-20s  credid %u for %s%s%s\n", col->ok, col->off, uuid, name,
             (unsigned)s->credid, what, peer, s->was_rfnop ? " (RFPRO and back to RFNOP)" : "");
    else
      printf("%sunpaired%s  %s  %-20s  %u credential%s for %s%s removed%s\n", col->ok, col->off, uuid, name,
             (unsigned)s->removed, s->removed == 1 ? "" : "s", what, peer,
             s->was_rfnop ? " (RFPRO and back to RFNOP)" : "");
    return;
  }
  printf("%sFAILED%s    %s  %-20s  at %s", col->bad, col->off, uuid, name, f->stage ? f->stage : "?");
  if (f->code)
    printf(": the device answered %u.%02u%s%s%s", f->code / 100, f->code % 100, f->diagnostic[0] ? " \"" : "",
           f->diagnostic, f->diagnostic[0] ? "\"" : "");
  else
    printf(": %s (%s)", f->diagnostic, ocf_strerror(f->err));
  if (s->undone) printf("; its new credential was removed again");
  if (s->left) printf("; %sa credential for the peer may remain on it%s", col->warn, col->off);
  printf("%s%s\n", f->advice && f->advice[0] ? " -- " : "", f->advice ? f->advice : "");
}

/* Prints both sides, the key when asked (after its audit entry); returns the exit code. */
static int report_pair(const char *cmd, const obt_lc_opts *o, obt_prov_cli *c, ocf_obt_store *s,
                       const ocf_obt_pair_result *r, const uint8_t *key) {
  obt_colour col;
  obt_colour_init(&col, stdout);
  for (size_t i = 0; i < (r->client ? 1u : 2u); i++) print_side(c, o, &col, r, i); /* a client: no line */
  if (r->store_err)
    fprintf(stderr, "obt %s: the domain store could not record it: %s\n", cmd, ocf_strerror(r->store_err));
  bool timeouts = true;
  for (size_t i = 0; i < 2; i++)
    if (!r->side[i].ok && r->side[i].failure.err != OCF_ERR_TIMEOUT &&
        !(r->side[i].failure.stage && strcmp(r->side[i].failure.stage, "peer failed") == 0))
      timeouts = false;
  int rc = r->ok          ? OBT_EXIT_OK
           : r->store_err ? OBT_EXIT_SYSTEM
           : timeouts     ? OBT_EXIT_TIMEOUT
                          : OBT_EXIT_FAILED;
  if (o->json) printf("{\"event\": \"done\", \"ok\": %s}\n", r->ok ? "true" : "false");
  if (!r->ok || !key) return rc;
  /* The key leaves obt: say so in the audit log first (like obt show --owner-key). */
  char a[OCF_UUID_STR_LEN], b[OCF_UUID_STR_LEN], detail[2 * OCF_UUID_STR_LEN + 16];
  ocf_uuid_format(&r->side[0].uuid, a);
  ocf_uuid_format(&r->side[1].uuid, b);
  snprintf(detail, sizeof detail, "%s and %s%s", a, r->client ? "client " : "", b);
  if (ocf_obt_store_audit_append(s, obt_wall_ms(), obt_prov_cli_actor(c), "pair-key-revealed", detail)) {
    fprintf(stderr, "obt %s: the audit log could not be written: the key is not shown\n", cmd);
    return OBT_EXIT_SYSTEM;
  }
  for (size_t i = 0; i < OCF_OBT_PAIR_KEY_LEN; i++) printf("%02x", key[i]);
  printf("\n");
  return rc;
}

/* Runs the pairing to its end; -1, or an exit code. */
static int start_pair(const char *cmd, obt_prov_cli *c, ocf_obt_store *s, ocf_obt_pair_action action,
                      const ocf_uuid *u, bool client, pair_cli *p, uint8_t *key) {
  ocf_obt_pair_params pp = {.store = s,
                            .action = action,
                            .client = client,
                            .actor = obt_prov_cli_actor(c),
                            .wall_now = wall_now,
                            .on_done = on_pair_done,
                            .user = p,
                            .key_out = key};
  pp.dev[0] = (ocf_obt_pair_device){u[0], obt_prov_cli_coaps(c, &u[0])};
  pp.dev[1] = (ocf_obt_pair_device){u[1], client ? (ocf_endpoint){0} : obt_prov_cli_coaps(c, &u[1])};
  ocf_err err = ocf_obt_pair(obt_prov_cli_engine(c), &pp, ocf_posix_now());
  if (err == OCF_ERR_STATE && client) {
    fprintf(stderr, "obt %s: the client is a device of the domain: obt %s DEV_A DEV_B instead\n", cmd, cmd);
    return OBT_EXIT_USAGE;
  }
  if (err) {
    fprintf(stderr, "obt %s: %s\n", cmd, ocf_strerror(err));
    return err == OCF_ERR_INVALID_ARG ? OBT_EXIT_USAGE : OBT_EXIT_SYSTEM;
  }
  return obt_prov_cli_wait(c, pair_over, p);
}

static int run_pair(const char *cmd, ocf_obt_pair_action action, int argc, char **argv) {
  obt_lc_opts o = {0};
  obt_net_opts_init(&o.net);
  o.uuids = calloc((size_t)argc, sizeof *o.uuids);
  if (!o.uuids) return OBT_EXIT_SYSTEM;
  bool show_key = false;
  const char *client = NULL;
  int rc = parse_args(cmd, action == OCF_OBT_PAIR ? pair_usage : unpair_usage, argc, argv, &o,
                      action == OCF_OBT_PAIR ? &show_key : NULL, &client);
  ocf_uuid u[2];
  size_t n_dev = client ? 1 : 2;
  if (rc < 0 && o.n_uuids != n_dev) {
    fprintf(stderr,
            client ? "obt %s: name one device with --client (its uuid, see obt devices)\n"
                   : "obt %s: name two devices (their uuids, see obt devices)\n",
            cmd);
    rc = OBT_EXIT_USAGE;
  }
  if (rc < 0) rc = parse_uuids(cmd, &o, u);
  if (rc < 0 && client && ocf_uuid_parse(client, strlen(client), &u[1]) != OCF_OK) {
    fprintf(stderr, "obt %s: --client takes a uuid, not '%s'\n", cmd, client);
    rc = OBT_EXIT_USAGE;
  }
  if (rc < 0 && client && ocf_uuid_equal(&u[0], &u[1])) {
    fprintf(stderr, "obt %s: the client cannot be the device itself\n", cmd);
    rc = OBT_EXIT_USAGE;
  }
  /* obt keeps no copy of the key (ADR 0019): a client key not shown now could never be used. */
  if (rc < 0 && client && action == OCF_OBT_PAIR && !show_key) {
    fprintf(stderr,
            "obt %s: with --client the key is shown once and never kept: add --show-key and "
            "redirect stdout to a file only the client's owner can read\n",
            cmd);
    rc = OBT_EXIT_USAGE;
  }
  if (rc < 0 && show_key && isatty(STDOUT_FILENO)) {
    fprintf(stderr, "obt %s: --show-key will not print a secret on a terminal: redirect stdout\n", cmd);
    rc = OBT_EXIT_USAGE;
  }
  ocf_obt_store *s = NULL;
  if (rc < 0) rc = obt_lc_open_store(cmd, &o, true, &s);
  obt_prov_cli *c = NULL;
  if (rc < 0) rc = obt_prov_cli_open(cmd, &o, s, u, n_dev, &c);
  pair_cli p = {0};
  uint8_t key[OCF_OBT_PAIR_KEY_LEN] = {0};
  if (rc < 0) rc = start_pair(cmd, c, s, action, u, client != NULL, &p, show_key ? key : NULL);
  if (rc < 0) rc = report_pair(cmd, &o, c, s, &p.r, show_key ? key : NULL);
  explicit_bzero(key, sizeof key);
  fflush(stdout);
  obt_prov_cli_close(c);
  if (s) ocf_obt_store_close(s);
  free(o.uuids);
  return rc;
}

int obt_cmd_pair(int argc, char **argv) { return run_pair("pair", OCF_OBT_PAIR, argc, argv); }
int obt_cmd_unpair(int argc, char **argv) { return run_pair("unpair", OCF_OBT_UNPAIR, argc, argv); }

/* --- creds ---------------------------------------------------------------------------------- */

typedef struct creds_cli {
  ocf_obt_store *store;
  ocf_obt_domain domain;
} creds_cli;

/* What an entry is to us: the owner credential (digest §4.5: subject the tool), a pairwise key
 * for a device of the domain, or nothing known. */
static const char *note_for(const creds_cli *cc, const ocf_uuid *self, const ocf_obt_cred_info *e) {
  if (e->credtype != 1 || e->subject_any) return "";
  if (ocf_uuid_equal(&e->subject, &cc->domain.tool_uuid)) return "owner credential";
  ocf_obt_pairing_record p;
  if (ocf_obt_store_pairing_get(cc->store, self, &e->subject, &p) == OCF_OK && p.credid_a == e->credid)
    return p.credid_b ? "pairwise key" : "client key"; /* credid 0: an external client's side */
  return "";
}

static void print_creds(const creds_cli *cc, const obt_lc_opts *o, const obt_prov_cli *c, const ocf_uuid *u,
                        const ocf_obt_creds_read *r) {
  const ocf_obt_device_record *rec = obt_prov_cli_record(c, u);
  char uuid[OCF_UUID_STR_LEN], subject[OCF_UUID_STR_LEN];
  ocf_uuid_format(u, uuid);
  if (o->json) {
    printf("{\"uuid\": \"%s\", \"name\": ", uuid);
    obt_json_string(stdout, rec ? rec->name : "");
    printf(", \"truncated\": %s, \"creds\": [", r->truncated ? "true" : "false");
  } else {
    printf("%s  %s\n", uuid, rec ? rec->name : "");
    printf("  %-10s  %-14s  %-36s  %s\n", "credid", "credtype", "subject", "usage");
  }
  for (size_t i = 0; i < r->n; i++) {
    const ocf_obt_cred_info *e = &r->entries[i];
    if (e->subject_any)
      snprintf(subject, sizeof subject, "*");
    else
      ocf_uuid_format(&e->subject, subject);
    const char *note = note_for(cc, u, e);
    if (o->json) {
      printf("%s{\"credid\": %u, \"credtype\": %u, \"type\": \"%s\", \"subject\": \"%s\", \"usage\": \"%s\", "
             "\"note\": \"%s\"",
             i ? ", " : "", (unsigned)e->credid, (unsigned)e->credtype, ocf_obt_credtype_name(e->credtype),
             subject, e->usage, note);
      if (e->has_oscore) { /* digest §6.4, §6.5: the context's ids and description, never its secret */
        printf(", \"oscore\": {\"senderid\": \"%s\", \"recipientid\": \"%s\", \"desc\": ", e->senderid,
               e->recipientid);
        obt_json_string(stdout, e->desc);
        printf("}");
      }
      printf("}");
    } else {
      char type[24];
      snprintf(type, sizeof type, "%s (%u)", ocf_obt_credtype_name(e->credtype), (unsigned)e->credtype);
      printf("  %-10u  %-14s  %-36s  %s%s%s", (unsigned)e->credid, type, subject, e->usage,
             e->usage[0] && note[0] ? " " : "", note[0] ? note : "");
      if (e->senderid[0]) printf(" sender %s", e->senderid);
      if (e->recipientid[0]) printf(" recipient %s", e->recipientid);
      if (e->desc[0]) printf(" \"%s\"", e->desc);
      printf("\n");
    }
  }
  if (o->json)
    printf("]}\n");
  else if (r->truncated)
    printf("  (more entries than obt lists)\n");
}

static void print_creds_failure(const obt_lc_opts *o, const ocf_uuid *u, const ocf_obt_prov_failure *f) {
  char uuid[OCF_UUID_STR_LEN];
  ocf_uuid_format(u, uuid);
  if (o->json) {
    printf("{\"uuid\": \"%s\", \"outcome\": \"failed\", \"stage\": ", uuid);
    obt_json_string(stdout, f->stage ? f->stage : "");
    printf(", \"code\": %u, \"error\": ", (unsigned)f->code);
    obt_json_string(stdout, ocf_strerror(f->err));
    printf(", \"diagnostic\": ");
    obt_json_string(stdout, f->diagnostic);
    printf(", \"advice\": ");
    obt_json_string(stdout, f->advice ? f->advice : "");
    printf("}\n");
    return;
  }
  obt_colour col;
  obt_colour_init(&col, stdout);
  printf("%sFAILED%s  %s  at %s", col.bad, col.off, uuid, f->stage ? f->stage : "?");
  if (f->code)
    printf(": the device answered %u.%02u \"%s\"", f->code / 100, f->code % 100, f->diagnostic);
  else
    printf(": %s (%s)", f->diagnostic, ocf_strerror(f->err));
  printf("%s%s\n", f->advice && f->advice[0] ? " -- " : "", f->advice ? f->advice : "");
}

int obt_cmd_creds(int argc, char **argv) {
  obt_lc_opts o = {0};
  obt_net_opts_init(&o.net);
  o.uuids = calloc((size_t)argc, sizeof *o.uuids);
  ocf_uuid *u = calloc((size_t)argc, sizeof *u);
  ocf_obt_creds_read *reads = calloc((size_t)argc, sizeof *reads);
  obt_prov_cli_job *jobs = calloc((size_t)argc, sizeof *jobs);
  obt_prov_cli_result *results = calloc((size_t)argc, sizeof *results);
  int rc = o.uuids && u && reads && jobs && results ? -1 : OBT_EXIT_SYSTEM;
  if (rc < 0) rc = parse_args("creds", creds_usage, argc, argv, &o, NULL, NULL);
  if (rc < 0 && !o.n_uuids) {
    fprintf(stderr, "obt creds: name the devices (their uuids, see obt devices)\n");
    rc = OBT_EXIT_USAGE;
  }
  if (rc < 0) rc = parse_uuids("creds", &o, u);
  creds_cli cc = {0};
  if (rc < 0) rc = obt_lc_open_store("creds", &o, true, &cc.store);
  if (rc < 0 && ocf_obt_store_domain_get(cc.store, &cc.domain) != OCF_OK) rc = OBT_EXIT_SYSTEM;
  obt_prov_cli *c = NULL;
  if (rc < 0) rc = obt_prov_cli_open("creds", &o, cc.store, u, o.n_uuids, &c);
  if (rc < 0) {
    for (size_t i = 0; i < o.n_uuids; i++)
      jobs[i] = (obt_prov_cli_job){.uuid = u[i], .step = ocf_obt_creds_read_step, .user = &reads[i]};
    obt_prov_cli_run_params p = {
        .what = "creds", .jobs = jobs, .n_jobs = o.n_uuids, .results = results, .print = false};
    rc = obt_prov_cli_run(c, &p);
    for (size_t i = 0; rc != OBT_EXIT_SYSTEM && i < o.n_uuids; i++) {
      if (results[i].ok)
        print_creds(&cc, &o, c, &u[i], &reads[i]);
      else
        print_creds_failure(&o, &u[i], &results[i].failure);
    }
  }
  fflush(stdout);
  obt_prov_cli_close(c);
  if (cc.store) ocf_obt_store_close(cc.store);
  free(o.uuids);
  free(u);
  free(reads);
  free(jobs);
  free(results);
  return rc;
}
