/* obt show: everything the domain store knows of one device (no key needed: secrets are never
 * shown, only whether the owner credential is stored), or, asked explicitly with --owner-key,
 * the owner credential itself, for an external DTLS client (unlocks the store; audited). */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include <string.h>
#include <unistd.h>

#include "lifecycle_cli.h"

static const char show_usage[] =
    "usage: obt show UUID [options]\n"
    "\n"
    "Shows what the domain store knows of one device: its uuid (the one the domain gave it) and\n"
    "the one it had before, name, type, state, whether its owner credential is stored (never its\n"
    "value), the OTM it was onboarded with, when it was first and last seen and where, every step\n"
    "of its last onboarding with times, request counts, the device's answers and diagnostics, and\n"
    "the audit log lines that name it. UUID may be either of its uuids.\n"
    "\n"
    "options:\n"
    "  -s, --store PATH   the domain store (default $XDG_DATA_HOME/obt/domain.db)\n"
    "      --json         one JSON object on stdout (stable field names, for scripts)\n"
    "      --owner-key    print only the device's owner credential (the PSK, in hex) on stdout,\n"
    "                     for an external DTLS client whose PSK identity is the tool's uuid (16\n"
    "                     raw bytes): unlocks the store, is written to the audit log, and is\n"
    "                     refused when stdout is a terminal (redirect it to a 0600 file)\n"
    "  -k, --key-file PATH, --passphrase-env VAR   the domain key, for --owner-key\n"
    "  -h, --help         this text\n"
    "\n"
    "exit status: 0 shown, 1 no such device (or no domain, the store in use or damaged, or no\n"
    "owner credential stored), 2 usage, 3 system error\n";

typedef struct by_original {
  ocf_uuid want;
  ocf_obt_device_record rec;
  bool found;
} by_original;

static bool match_original(void *user, const ocf_obt_device_record *d) {
  by_original *b = user;
  if (!ocf_uuid_equal(&d->original_uuid, &b->want)) return true;
  b->rec = *d;
  b->found = true;
  return false;
}

typedef struct show_run {
  bool json;
  size_t n;
  obt_colour c;
  char uuid[OCF_UUID_STR_LEN], orig[OCF_UUID_STR_LEN];
  char otm[16];
} show_run;

static const char *status_name(ocf_obt_step_status st) {
  return st == OCF_OBT_STEP_DONE ? "done" : st == OCF_OBT_STEP_FAILED ? "failed" : "started";
}

static bool find_otm(void *user, const ocf_obt_step_record *st) {
  show_run *r = user;
  if (strcmp(st->name, "oxmsel") == 0 && strncmp(st->diagnostic, "otm ", 4) == 0)
    snprintf(r->otm, sizeof r->otm, "%s", st->diagnostic + 4);
  return true;
}

static bool print_step(void *user, const ocf_obt_step_record *st) {
  show_run *r = user;
  char start[32], end[32] = "";
  obt_format_wall(st->started, start);
  if (st->ended) obt_format_wall(st->ended, end);
  if (r->json) {
    printf(
        "%s\n    {\"name\": \"%s\", \"status\": \"%s\", \"requests\": %u, \"response\": %u, \"diagnostic\": ",
        r->n ? "," : "", st->name, status_name(st->status), (unsigned)st->requests, (unsigned)st->response);
    obt_json_string(stdout, st->diagnostic);
    printf(", \"started\": \"%s\", \"ended\": \"%s\"}", start, end);
  } else {
    const char *col = st->status == OCF_OBT_STEP_DONE     ? r->c.ok
                      : st->status == OCF_OBT_STEP_FAILED ? r->c.bad
                                                          : r->c.warn;
    long long ms = st->ended ? (long long)(st->ended - st->started) : -1;
    printf("  %-18s %s%-8s%s %s  ", st->name, col, status_name(st->status), r->c.off, start);
    if (ms >= 0)
      printf("%6lld ms", ms);
    else
      printf("%9s", "-");
    printf("  %u req", (unsigned)st->requests);
    if (st->response) printf("  %u.%02u", st->response / 100, st->response % 100);
    if (st->diagnostic[0]) printf("  \"%s\"", st->diagnostic);
    printf("\n");
  }
  r->n++;
  return true;
}

static bool print_audit(void *user, const ocf_obt_audit_record *a) {
  show_run *r = user;
  if (!strstr(a->detail, r->uuid) && !strstr(a->detail, r->orig)) return true;
  char t[32];
  obt_format_wall(a->time, t);
  if (r->json) {
    printf("%s\n    {\"time\": \"%s\", \"actor\": ", r->n ? "," : "", t);
    obt_json_string(stdout, a->actor);
    printf(", \"action\": ");
    obt_json_string(stdout, a->action);
    printf(", \"detail\": ");
    obt_json_string(stdout, a->detail);
    printf("}");
  } else {
    printf("  %s  %-10s %-10s %s\n", t, a->actor, a->action, a->detail);
  }
  r->n++;
  return true;
}

static void print_head(show_run *r, const ocf_obt_device_record *d, bool cred) {
  char first[32], last[32];
  obt_format_wall(d->first_seen, first);
  obt_format_wall(d->last_seen, last);
  const char *state = ocf_obt_device_state_name(d->state);
  bool interrupted = d->state == OCF_OBT_DEVICE_ONBOARDING;
  if (r->json) {
    printf("{\"uuid\": \"%s\", \"original_uuid\": \"%s\", \"name\": ", r->uuid, r->orig);
    obt_json_string(stdout, d->name);
    printf(", \"type\": ");
    obt_json_string(stdout, d->type);
    printf(", \"state\": \"%s\", \"interrupted\": %s, \"owner_credential\": %s, \"otm\": \"%s\", "
           "\"first_seen\": \"%s\", \"last_seen\": \"%s\", \"endpoints\": ",
           state, interrupted ? "true" : "false", cred ? "true" : "false", r->otm, first, last);
    obt_json_string(stdout, d->endpoints);
    return;
  }
  const char *col = d->state == OCF_OBT_DEVICE_OWNED    ? r->c.ok
                    : d->state == OCF_OBT_DEVICE_FAILED ? r->c.bad
                                                        : r->c.warn;
  printf("%sDevice%s            %s\n", r->c.bold, r->c.off, r->uuid);
  printf("was               %s\n", r->orig);
  printf("name              %s\n", d->name);
  printf("type              %s\n", d->type);
  printf("state             %s%s%s%s\n", col, state, r->c.off,
         interrupted ? " (interrupted: resolve with obt recover)" : "");
  printf("owner credential  %s\n", cred ? "stored (encrypted)" : "none");
  printf("OTM               %s\n", r->otm[0] ? r->otm : "-");
  printf("first seen        %s\n", first);
  printf("last seen         %s\n", last);
  printf("endpoints         %s\n", d->endpoints[0] ? d->endpoints : "-");
}

static int show(ocf_obt_store *s, const ocf_obt_device_record *d, bool json) {
  show_run r = {.json = json};
  obt_colour_init(&r.c, stdout);
  ocf_uuid_format(&d->uuid, r.uuid);
  ocf_uuid_format(&d->original_uuid, r.orig);
  bool cred = false;
  ocf_err err = ocf_obt_store_secret_exists(s, &d->uuid, "owner-psk", &cred);
  if (!err) err = ocf_obt_store_step_list(s, &d->uuid, find_otm, &r);
  if (err) return err;
  print_head(&r, d, cred);
  printf(json ? ", \"steps\": [" : "\n%sSteps%s\n", r.c.bold, r.c.off);
  err = ocf_obt_store_step_list(s, &d->uuid, print_step, &r);
  if (!json && r.n == 0) printf("  (none)\n");
  if (json) printf("%s], \"audit\": [", r.n ? "\n  " : "");
  if (!json) printf("\n%sAudit%s\n", r.c.bold, r.c.off);
  r.n = 0;
  if (!err) err = ocf_obt_store_audit_list(s, print_audit, &r);
  if (json) printf("%s]}\n", r.n ? "\n  " : "");
  return err;
}

/* The owner PSK in hex on stdout, and an audit line saying it left the store. */
static ocf_err reveal_owner_key(ocf_obt_store *s, const ocf_obt_device_record *d) {
  uint8_t key[64];
  size_t len = 0;
  ocf_err err = ocf_obt_store_secret_get(s, &d->uuid, "owner-psk", key, sizeof key, &len);
  if (err) return err;
  char uuid[OCF_UUID_STR_LEN];
  ocf_uuid_format(&d->uuid, uuid);
  err = ocf_obt_store_audit_append(s, obt_wall_ms(), "obt show", "owner-key-revealed", uuid);
  if (!err) {
    for (size_t i = 0; i < len; i++) printf("%02x", key[i]);
    printf("\n");
  }
  explicit_bzero(key, sizeof key);
  return err;
}

int obt_cmd_show(int argc, char **argv) {
  const char *store = NULL, *which = NULL, *key_file = NULL, *pass_env = NULL;
  bool json = false, owner_key = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(show_usage, stdout);
      return OBT_EXIT_OK;
    } else if (strcmp(a, "--json") == 0) {
      json = true;
    } else if (strcmp(a, "--owner-key") == 0) {
      owner_key = true;
    } else if ((strcmp(a, "-k") == 0 || strcmp(a, "--key-file") == 0) && i + 1 < argc) {
      key_file = argv[++i];
    } else if (strcmp(a, "--passphrase-env") == 0 && i + 1 < argc) {
      pass_env = argv[++i];
    } else if ((strcmp(a, "-s") == 0 || strcmp(a, "--store") == 0) && i + 1 < argc) {
      store = argv[++i];
    } else if (a[0] != '-' && !which) {
      which = a;
    } else {
      fprintf(stderr, "obt show: unknown or extra argument '%s' (see obt show --help)\n", a);
      return OBT_EXIT_USAGE;
    }
  }
  ocf_uuid u;
  if (!which || ocf_uuid_parse(which, strlen(which), &u) != OCF_OK) {
    fprintf(stderr, "obt show: name one device by its uuid (see obt devices)\n");
    return OBT_EXIT_USAGE;
  }
  if (owner_key && isatty(STDOUT_FILENO)) {
    fprintf(stderr, "obt show: --owner-key will not print a secret on a terminal: redirect stdout\n");
    return OBT_EXIT_USAGE;
  }
  obt_lc_opts o = {.store = store, .key_file = key_file, .pass_env = pass_env};
  ocf_obt_store *s = NULL;
  int rc = obt_lc_open_store("show", &o, owner_key, &s);
  if (rc >= 0) return rc;
  by_original b = {.want = u};
  ocf_err err = ocf_obt_store_device_get(s, &u, &b.rec);
  if (err == OCF_ERR_NOT_FOUND) {
    err = ocf_obt_store_device_list(s, match_original, &b);
    if (!err && !b.found) err = OCF_ERR_NOT_FOUND;
  }
  if (!err) err = owner_key ? reveal_owner_key(s, &b.rec) : show(s, &b.rec, json);
  ocf_obt_store_close(s);
  if (err == OCF_ERR_NOT_FOUND) {
    fprintf(stderr, "obt show: the domain store knows no device %s (see obt devices)\n", which);
    return OBT_EXIT_FAILED;
  }
  if (err) {
    fprintf(stderr, "obt show: %s\n", ocf_strerror(err));
    return obt_store_exit_code(err);
  }
  return OBT_EXIT_OK;
}
