/* obt acl: access management (AMS, OBT 5.5; digest §7) over the owner session: add, list and
 * remove ACEs in a device's /oic/sec/acl2, and the common shape "device A may use this resource
 * of device B" (allow). The jobs are <ocf/ocf_obt_ams.h>'s step functions. */
#include <stdlib.h>
#include <string.h>

#include "ams_cli.h"

static const char acl_usage[] =
    "usage: obt acl add DEVICE --subject SUBJECT --res RESOURCES --perm PERM [options]\n"
    "       obt acl list DEVICE... [--json] [options]\n"
    "       obt acl replace DEVICE ACEID --subject SUBJECT --res RESOURCES --perm PERM [options]\n"
    "       obt acl remove DEVICE ACEID [options]\n"
    "       obt acl allow CLIENT DEVICE HREF --perm PERM [options]\n"
    "\n"
    "Manages the Access Control Entries of owned devices (their /oic/sec/acl2), over the owner\n"
    "session. A device accepts ACL changes only in RFPRO or SRESET: use obt state DEVICE rfpro\n"
    "first for a device in RFNOP, and obt state DEVICE rfnop after.\n"
    "\n"
    "  add      adds one ACE and prints the aceid the device gave it (an ACE equal to one the\n"
    "           device holds adds nothing; its aceid is printed)\n"
    "  replace  writes the ACE with that aceid anew (refused when the device has none)\n"
    "  list     prints each device's ACEs (--json: one object per ACE and line)\n"
    "  remove   deletes the ACE with that aceid (DELETE /oic/sec/acl2?aceid=N)\n"
    "  allow    adds to DEVICE an ACE letting device CLIENT (its uuid) use HREF with PERM; CLIENT\n"
    "           may be a client outside the domain (obt pair --client, obt cert issue --csr)\n"
    "\n"
    "ACE options:\n"
    "      --subject S       uuid:<uuid> | role:<id>[@<authority>] | conntype:anon-clear |\n"
    "                        conntype:auth-crypt (anon-clear: any unauthenticated client)\n"
    "      --res LIST        comma-separated, repeatable: /path (or href:/path), the wildcards\n"
    "                        * (every non-configuration resource), + (discoverable ones),\n"
    "                        - (discoverable ones with a coap:// endpoint), rt:<type> or\n"
    "                        if:<interface> (resolved to hrefs from the device's /oic/res)\n"
    "      --perm PERM       letters of CRUDN (create, retrieve, update, delete, notify), e.g. RU,\n"
    "                        or the positional form -RU--\n"
    "      --validity P      an RFC 5545 UTC period: 20260101T000000Z/20270101T000000Z or\n"
    "                        20260101T000000Z/P30D (repeatable; IoTivity-Lite devices refuse it)\n"
    "\n"
    "options:\n"
    "  -w, --window MS       how long to look for the devices by multicast (default 3000; the\n"
    "                        address the store saw last is used for a device that did not answer)\n"
    "  -t, --timeout S       seconds the owner session and each request may take (default 30)\n"
    "  -i, --interface IF    send and listen on this interface (repeatable)\n"
    "  -4, --ipv4-only / -6, --ipv6-only\n"
    "  -s, --store PATH      the domain store (default $XDG_DATA_HOME/obt/domain.db)\n"
    "  -k, --key-file PATH   the domain key file (default: the one the domain was created with)\n"
    "      --passphrase-env VAR  the domain passphrase is in environment variable VAR\n"
    "      --json            one JSON object per line on stdout (stable field names)\n"
    "  -v, --verbose         log more on stderr\n"
    "  -h, --help            this text\n"
    "\n"
    "exit status: 0 done on every device, 1 a device refused (each failure says what to do) or\n"
    "the device is unknown to the store, 2 usage, 3 system error, 4 a device did not answer\n";

typedef struct acl_opts {
  obt_lc_opts lc;
  const char *verb;
  char **pos; /* operands after the verb */
  size_t n_pos;
  ocf_obt_ace ace;
  bool has_subject, has_perm;
} acl_opts;

static int usage_error(const char *msg, const char *detail) {
  fprintf(stderr, "obt acl: %s%s%s (see obt acl --help)\n", msg, detail ? ": " : "", detail ? detail : "");
  return OBT_EXIT_USAGE;
}

/* --subject, --res, --perm, --validity: 1 handled, 0 not one of them, or -exit code. */
static int parse_ace_opt(acl_opts *o, const char *a, const char *v) {
  const char *why = "needs a value";
  ocf_err err = OCF_ERR_INVALID_ARG;
  if (strcmp(a, "--subject") == 0) {
    o->has_subject = true;
    if (v) err = ocf_obt_ace_parse_subject(v, &o->ace, &why);
  } else if (strcmp(a, "--res") == 0) {
    if (v) err = ocf_obt_ace_parse_resources(v, &o->ace, &why);
  } else if (strcmp(a, "--perm") == 0) {
    o->has_perm = true;
    if (v) err = ocf_obt_ace_parse_perm(v, &o->ace.permission, &why);
  } else if (strcmp(a, "--validity") == 0) {
    if (v) err = ocf_obt_ace_parse_validity(v, &o->ace, &why);
  } else {
    return 0;
  }
  if (err) return -usage_error(a, why);
  return 1;
}

/* -1 to go on, or the exit code. */
static int parse_acl_args(int argc, char **argv, acl_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(acl_usage, stdout);
      return OBT_EXIT_OK;
    }
    if (a[0] != '-' || a[1] == '\0') { /* the verb, then operands */
      if (!o->verb)
        o->verb = a;
      else
        o->pos[o->n_pos++] = argv[i];
      continue;
    }
    int h = parse_ace_opt(o, a, v);
    if (h < 0) return -h;
    if (h > 0) {
      i++;
      continue;
    }
    h = obt_lc_opt_parse(&o->lc, "acl", argc, argv, &i);
    if (h < 0) return OBT_EXIT_USAGE;
    if (!h) return usage_error("unknown option", a);
  }
  if (!o->verb) return usage_error("add, list, remove or allow?", NULL);
  return -1;
}

static int uuid_operand(const char *text, ocf_uuid *out) {
  if (ocf_uuid_parse(text, strlen(text), out) != OCF_OK) return usage_error("not a device uuid", text);
  return -1;
}

/* --- output ----------------------------------------------------------------------------------- */

static void json_ace(const ocf_uuid *dev, const ocf_obt_ace *a) {
  char u[OCF_UUID_STR_LEN], perm[6], subj[160];
  ocf_uuid_format(dev, u);
  ocf_obt_perm_text(a->permission, perm);
  printf("{\"device\":\"%s\",\"aceid\":%u,\"subject\":", u, (unsigned)a->aceid);
  ocf_obt_ace_subject_text(a, subj, sizeof subj);
  obt_json_string(stdout, subj);
  printf(",\"resources\":[");
  for (size_t i = 0; i < a->n_res; i++) {
    if (i) putchar(',');
    obt_json_string(stdout, a->res[i].text);
  }
  printf("],\"permission\":%u,\"perm\":\"%s\",\"validity\":[", a->permission, perm);
  for (size_t i = 0; i < a->n_validity; i++) {
    if (i) putchar(',');
    obt_json_string(stdout, a->validity[i]);
  }
  printf("]}\n");
}

static void print_acl(const acl_opts *o, const ocf_uuid *dev, const ocf_obt_acl *acl) {
  char u[OCF_UUID_STR_LEN], owner[OCF_UUID_STR_LEN], line[1024];
  ocf_uuid_format(dev, u);
  ocf_uuid_format(&acl->rowneruuid, owner);
  if (!o->lc.json) printf("%s: %zu ACE%s (rowneruuid %s)\n", u, acl->n, acl->n == 1 ? "" : "s", owner);
  for (size_t i = 0; i < acl->n; i++) {
    if (o->lc.json) {
      json_ace(dev, &acl->ace[i]);
      continue;
    }
    ocf_obt_ace_describe(&acl->ace[i], line, sizeof line);
    printf("  %s\n", line);
  }
}

static void describe_add(void *user, size_t job, char *out, size_t cap) {
  const ocf_obt_ams_job *j = &((const ocf_obt_ams_job *)user)[job];
  if (j->added[0])
    snprintf(out, cap, "aceid %u%s", (unsigned)j->added[0],
             j->added_existed[0] ? " (the device already held it)" : "");
  else
    snprintf(out, cap, "added; not found again in its ACL (the device may have merged it)");
}

static void describe_replace(void *user, size_t job, char *out, size_t cap) {
  snprintf(out, cap, "ACE %u replaced", (unsigned)((const ocf_obt_ams_job *)user)[job].add[0].aceid);
}

static void describe_remove(void *user, size_t job, char *out, size_t cap) {
  snprintf(out, cap, "ACE %u removed", (unsigned)((const ocf_obt_ams_job *)user)[job].aceid);
}

/* --- verbs ------------------------------------------------------------------------------------ */

static int run_one(acl_opts *o, ocf_obt_store *s, const char *what, ocf_obt_ams_job *job, const ocf_uuid *dev,
                   void (*describe)(void *, size_t, char *, size_t)) {
  obt_prov_cli_job pj = {*dev, ocf_obt_ams_step, job};
  return obt_prov_cli_run_once("acl", &o->lc, s, what, &pj, 1, describe, job);
}

static int run_list(acl_opts *o, ocf_obt_store *s, const ocf_uuid *devs, size_t n) {
  ocf_obt_ams_job *jobs = calloc(n, sizeof *jobs);
  obt_prov_cli_job *pj = calloc(n, sizeof *pj);
  obt_prov_cli_result *res = calloc(n, sizeof *res);
  obt_prov_cli *c = NULL;
  int rc = jobs && pj && res ? obt_prov_cli_open("acl", &o->lc, s, devs, n, &c) : OBT_EXIT_SYSTEM;
  for (size_t i = 0; rc < 0 && i < n; i++) {
    ocf_obt_ams_job_list(&jobs[i]);
    pj[i] = (obt_prov_cli_job){devs[i], ocf_obt_ams_step, &jobs[i]};
  }
  if (rc < 0) {
    /* failures print their line; the ACLs are printed here */
    obt_prov_cli_run_params p = {.what = "acl list", .jobs = pj, .n_jobs = n, .results = res, .print = false};
    rc = obt_prov_cli_run(c, &p);
    for (size_t i = 0; i < n; i++) {
      if (res[i].ok) {
        print_acl(o, &devs[i], &jobs[i].acl);
        continue;
      }
      char u[OCF_UUID_STR_LEN];
      ocf_uuid_format(&devs[i], u);
      fprintf(stderr, "obt acl: %s: %s failed: %s%s%s\n", u,
              res[i].failure.stage ? res[i].failure.stage : "?", ocf_strerror(res[i].failure.err),
              res[i].failure.advice ? "; " : "", res[i].failure.advice ? res[i].failure.advice : "");
    }
  }
  obt_prov_cli_close(c);
  free(jobs);
  free(pj);
  free(res);
  return rc < 0 ? OBT_EXIT_OK : rc;
}

static int run_verb(acl_opts *o, ocf_obt_store *s, ocf_obt_ams_job *job) {
  ocf_uuid dev, client;
  int rc = -1;
  if (strcmp(o->verb, "list") == 0) {
    ocf_uuid *devs = calloc(o->n_pos ? o->n_pos : 1, sizeof *devs);
    for (size_t i = 0; devs && rc < 0 && i < o->n_pos; i++) rc = uuid_operand(o->pos[i], &devs[i]);
    if (rc < 0) rc = devs ? run_list(o, s, devs, o->n_pos) : OBT_EXIT_SYSTEM;
    free(devs);
    return rc;
  }
  bool replace = strcmp(o->verb, "replace") == 0;
  if (strcmp(o->verb, "remove") == 0 || replace) {
    char *end;
    unsigned long id = strtoul(o->pos[1], &end, 10);
    if (*end || id == 0 || id > 0x7fffffffUL) return usage_error("not an aceid", o->pos[1]);
    if (uuid_operand(o->pos[0], &dev) >= 0) return OBT_EXIT_USAGE;
    if (!replace)
      return ocf_obt_ams_job_remove(job, (uint32_t)id) == OCF_OK
                 ? run_one(o, s, "acl remove", job, &dev, describe_remove)
                 : OBT_EXIT_USAGE;
    o->ace.aceid = (uint32_t)id;
  }
  size_t at = 0;
  if (strcmp(o->verb, "allow") == 0) { /* digest 7.1: device subject on one href */
    if (uuid_operand(o->pos[0], &client) >= 0) return OBT_EXIT_USAGE;
    if (strlen(o->pos[2]) > OCF_OBT_AMS_HREF_MAX) return usage_error("allow: HREF too long", o->pos[2]);
    ocf_obt_ace given = o->ace; /* --perm and --validity */
    ocf_obt_ace_allow_device(&o->ace, &client, o->pos[2], given.permission);
    o->ace.n_validity = given.n_validity;
    memcpy(o->ace.validity, given.validity, sizeof given.validity);
    at = 1;
  }
  const char *why = NULL;
  if (uuid_operand(o->pos[at], &dev) >= 0) return OBT_EXIT_USAGE;
  if (ocf_obt_ace_check(&o->ace, &why) != OCF_OK) return usage_error("incomplete ACE", why);
  if (ocf_obt_ams_job_add(job, &o->ace, 1) != OCF_OK) return OBT_EXIT_USAGE;
  return run_one(o, s, replace ? "acl replace" : "acl add", job, &dev,
                 replace ? describe_replace : describe_add);
}

static int check_operands(const acl_opts *o) {
  static const struct {
    const char *verb;
    size_t min, max;
    const char *need;
  } VERBS[] = {{"add", 1, 1, "one DEVICE"},
               {"list", 1, 1000, "the DEVICEs"},
               {"remove", 2, 2, "DEVICE ACEID"},
               {"replace", 2, 2, "DEVICE ACEID"},
               {"allow", 3, 3, "CLIENT DEVICE HREF"}};
  for (size_t i = 0; i < sizeof VERBS / sizeof VERBS[0]; i++) {
    if (strcmp(o->verb, VERBS[i].verb) != 0) continue;
    if (o->n_pos < VERBS[i].min || o->n_pos > VERBS[i].max) return usage_error(o->verb, VERBS[i].need);
    bool full = i == 0 || i == 3, allow = i == 4, ace = full || allow; /* add, replace; allow */
    if (ace && !o->has_perm) return usage_error(o->verb, "--perm is needed");
    if (full && (!o->has_subject || o->ace.n_res == 0))
      return usage_error(o->verb, "--subject and --res are needed");
    if (allow && (o->has_subject || o->ace.n_res)) return usage_error("allow", "takes no --subject or --res");
    if (allow && o->pos[2][0] != '/') return usage_error("allow: HREF is an absolute path", o->pos[2]);
    if (!ace && (o->has_perm || o->has_subject || o->ace.n_res || o->ace.n_validity))
      return usage_error(o->verb, "takes no ACE options");
    return -1;
  }
  return usage_error("unknown verb", o->verb);
}

int obt_cmd_acl(int argc, char **argv) {
  acl_opts *o = calloc(1, sizeof *o);
  ocf_obt_ams_job *job = calloc(1, sizeof *job);
  if (o) o->pos = calloc((size_t)argc, sizeof *o->pos);
  if (o) o->lc.uuids = calloc((size_t)argc, sizeof *o->lc.uuids);
  int rc = o && job && o->pos && o->lc.uuids ? -1 : OBT_EXIT_SYSTEM;
  if (rc < 0) {
    obt_net_opts_init(&o->lc.net);
    rc = parse_acl_args(argc, argv, o);
  }
  if (rc < 0) rc = check_operands(o);
  ocf_obt_store *s = NULL;
  if (rc < 0) rc = obt_lc_open_store("acl", &o->lc, true, &s);
  if (rc < 0) rc = run_verb(o, s, job);
  ocf_obt_store_close(s);
  if (o) {
    free(o->pos);
    free(o->lc.uuids);
  }
  free(o);
  free(job);
  return rc < 0 ? OBT_EXIT_OK : rc;
}
