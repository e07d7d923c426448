/* Shared by obt reset, obt recover and obt show (lifecycle_cli.h). */
#define _POSIX_C_SOURCE 200809L /* fileno, strtok_r */
#include "lifecycle_cli.h"

#include <ocf/ocf_obt_onboard.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void obt_colour_init(obt_colour *c, FILE *f) {
  const char *no = getenv("NO_COLOR"), *term = getenv("TERM");
  bool on = isatty(fileno(f)) && !(no && no[0]) && !(term && strcmp(term, "dumb") == 0);
  c->ok = on ? "\033[32m" : "";
  c->bad = on ? "\033[1;31m" : "";
  c->warn = on ? "\033[33m" : "";
  c->bold = on ? "\033[1m" : "";
  c->off = on ? "\033[0m" : "";
}

static int parse_u32(const char *s, unsigned long lo, unsigned long hi, uint32_t *out) {
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  if (end == s || *end || v < lo || v > hi) return -1;
  *out = (uint32_t)v;
  return 0;
}

int obt_lc_opt_parse(obt_lc_opts *o, const char *cmd, int argc, char **argv, int *i) {
  int handled = obt_net_opts_parse(&o->net, argc, argv, i);
  if (handled) return handled;
  const char *a = argv[*i], *v = *i + 1 < argc ? argv[*i + 1] : NULL;
  if (strcmp(a, "-y") == 0 || strcmp(a, "--yes") == 0) {
    o->yes = true;
    return 1;
  }
  if (strcmp(a, "--json") == 0) {
    o->json = true;
    return 1;
  }
  if (a[0] != '-') {
    ocf_uuid u;
    if (ocf_uuid_parse(a, strlen(a), &u) != OCF_OK) {
      fprintf(stderr, "obt %s: '%s' is not a device uuid\n", cmd, a);
      return -1;
    }
    o->uuids[o->n_uuids++] = argv[*i];
    return 1;
  }
  const char **text = strcmp(a, "-s") == 0 || strcmp(a, "--store") == 0      ? &o->store
                      : strcmp(a, "-k") == 0 || strcmp(a, "--key-file") == 0 ? &o->key_file
                      : strcmp(a, "--passphrase-env") == 0                   ? &o->pass_env
                                                                             : NULL;
  bool window = strcmp(a, "-w") == 0 || strcmp(a, "--window") == 0;
  bool timeout = strcmp(a, "-t") == 0 || strcmp(a, "--timeout") == 0;
  if (!text && !window && !timeout) return 0;
  if (!v || (window && parse_u32(v, 1, 600000, &o->window)) ||
      (timeout && parse_u32(v, 1, 3600, &o->timeout_s))) {
    fprintf(stderr, "obt %s: %s needs a valid value (see obt %s --help)\n", cmd, a, cmd);
    return -1;
  }
  if (text) *text = v;
  ++*i;
  return 1;
}

size_t obt_lc_uuids(const obt_lc_opts *o, ocf_uuid *out) {
  size_t n = 0;
  for (size_t i = 0; i < o->n_uuids; i++) {
    ocf_uuid u;
    if (ocf_uuid_parse(o->uuids[i], strlen(o->uuids[i]), &u) != OCF_OK) continue;
    bool dup = false;
    for (size_t k = 0; k < n; k++) dup = dup || ocf_uuid_equal(&out[k], &u);
    if (!dup) out[n++] = u;
  }
  return n;
}

int obt_lc_open_store(const char *cmd, obt_lc_opts *o, bool unlock, ocf_obt_store **s) {
  return obt_store_open_cli(cmd, o->store, unlock, o->key_file, o->pass_env, s, NULL);
}

int obt_lc_confirm(const char *cmd, const obt_lc_opts *o, const char *prompt) {
  if (o->yes) return -1;
  if (!isatty(STDIN_FILENO)) {
    fprintf(stderr, "obt %s: no terminal to ask for approval on: give --yes\n", cmd);
    return OBT_EXIT_USAGE;
  }
  FILE *out = o->json ? stderr : stdout;
  fprintf(out, "%s [y/N] ", prompt);
  fflush(out);
  char line[16];
  if (!fgets(line, sizeof line, stdin) || (line[0] != 'y' && line[0] != 'Y')) {
    fprintf(stderr, "obt %s: nothing done\n", cmd);
    return OBT_EXIT_FAILED;
  }
  return -1;
}

/* --- finding the devices -------------------------------------------------------------------- */

typedef struct lc_cli_run {
  const char *cmd;
  const obt_lc_opts *o;
  obt_colour col;
  ocf_obt_lc_device *devs;
  ocf_obt_device_record *recs;
  size_t n;
  bool disc_done, done;
  size_t n_ok, n_failed, n_timeouts;
} lc_cli_run;

static void on_found(void *user, const ocf_obt_device_info *info) {
  lc_cli_run *r = user;
  for (size_t i = 0; i < r->n; i++) {
    ocf_obt_onboard_device d;
    if (!ocf_uuid_equal(&info->di, &r->devs[i].uuid) || ocf_obt_onboard_device_from(info, &d) != OCF_OK)
      continue;
    r->devs[i].coaps = d.coaps;
    r->devs[i].coap = d.coap;
  }
}

static void on_disc_done(void *user, ocf_err err, size_t n) {
  (void)err;
  (void)n;
  ((lc_cli_run *)user)->disc_done = true;
}

static bool disc_over(void *user) { return ((lc_cli_run *)user)->disc_done; }

/* The endpoints the store saw last ("coap://... coaps://..."): the fallback for a device that
 * did not answer discovery under its uuid (one that reset itself has another). */
static void stored_endpoints(const ocf_obt_device_record *rec, ocf_obt_lc_device *d) {
  char buf[OCF_OBT_ENDPOINTS_MAX + 1];
  snprintf(buf, sizeof buf, "%s", rec->endpoints);
  for (char *save = NULL, *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    ocf_endpoint ep;
    if (ocf_endpoint_parse(tok, &ep) != OCF_OK || ocf_endpoint_is_multicast(&ep)) continue;
    if ((ep.flags & OCF_EP_SECURE) && d->coaps.port == 0) d->coaps = ep;
    if (!(ep.flags & OCF_EP_SECURE) && d->coap.port == 0) d->coap = ep;
  }
}

static int locate(lc_cli_run *r, obt_host *h) {
  ocf_endpoint groups[4];
  size_t n = ocf_obt_discovery_groups(0, r->o->net.ipv6, r->o->net.ipv4, groups);
  ocf_obt_discover_params p = {.targets = groups,
                               .n_targets = n,
                               .window_ms = r->o->window ? r->o->window : 3000,
                               .on_device = on_found,
                               .on_done = on_disc_done,
                               .user = r};
  ocf_err err = ocf_obt_discover(h->obt, &p, ocf_posix_now());
  if (!err) err = ocf_posix_loop_run(h->loop, OCF_TIME_NEVER, disc_over, r);
  if (err) {
    fprintf(stderr, "obt %s: discovery failed: %s\n", r->cmd, ocf_strerror(err));
    return OBT_EXIT_SYSTEM;
  }
  for (size_t i = 0; i < r->n; i++) stored_endpoints(&r->recs[i], &r->devs[i]);
  return -1;
}

/* --- results -------------------------------------------------------------------------------- */

static void print_result(lc_cli_run *r, const ocf_obt_lc_result *res) {
  const ocf_obt_device_record *rec = &r->recs[res->job];
  char uuid[OCF_UUID_STR_LEN];
  ocf_uuid_format(&res->uuid, uuid);
  static const char *const names[] = {"", "reset", "forgotten", "failed", "owned"};
  if (r->o->json) {
    printf("{\"event\": \"result\", \"uuid\": \"%s\", \"name\": ", uuid);
    obt_json_string(stdout, rec->name);
    printf(", \"outcome\": \"%s\"", names[res->outcome]);
    if (res->outcome == OCF_OBT_LC_FAILED) {
      printf(", \"stage\": \"%s\", \"code\": %u, \"error\": ", res->stage, (unsigned)res->code);
      obt_json_string(stdout, ocf_strerror(res->err));
      printf(", \"diagnostic\": ");
      obt_json_string(stdout, res->diagnostic);
      printf(", \"advice\": ");
      obt_json_string(stdout, res->advice ? res->advice : "");
    } else {
      printf(", \"reason\": ");
      obt_json_string(stdout, res->reason ? res->reason : "");
    }
    printf("}\n");
  } else if (res->outcome == OCF_OBT_LC_FAILED) {
    printf("%sFAILED%s     %s  %-20s  at %s", r->col.bad, r->col.off, uuid, rec->name, res->stage);
    if (res->code)
      printf(": the device answered %u.%02u \"%s\"", res->code / 100, res->code % 100, res->diagnostic);
    else
      printf(": %s (%s)", res->diagnostic, ocf_strerror(res->err));
    printf("%s%s\n", res->advice && res->advice[0] ? " -- " : "", res->advice ? res->advice : "");
  } else {
    printf("%s%-10s%s %s  %-20s  %s\n", r->col.ok, names[res->outcome], r->col.off, uuid, rec->name,
           res->reason ? res->reason : "");
  }
  fflush(stdout);
}

static void on_result(void *user, const ocf_obt_lc_result *res) {
  lc_cli_run *r = user;
  print_result(r, res);
  /* Exit 4: the device did not answer, or no address was known for it. */
  if (res->outcome == OCF_OBT_LC_FAILED &&
      (res->err == OCF_ERR_TIMEOUT ||
       (res->err == OCF_ERR_NOT_FOUND && strcmp(res->stage, "owner session") == 0)))
    r->n_timeouts++;
}

static void on_done(void *user, size_t ok, size_t failed) {
  lc_cli_run *r = user;
  r->done = true;
  r->n_ok = ok;
  r->n_failed = failed;
  if (r->o->json)
    printf("{\"event\": \"done\", \"ok\": %zu, \"failed\": %zu}\n", ok, failed);
  else if (r->n > 1)
    printf("%zu done, %zu failed.\n", ok, failed);
}

static bool lc_over(void *user) { return ((lc_cli_run *)user)->done; }

static ocf_obt_wall_ms wall_now(void *user) {
  (void)user;
  return obt_wall_ms();
}

static int run_engine(lc_cli_run *r, ocf_obt *obt, obt_host *h, ocf_obt_store *s, ocf_obt_lc_action action) {
  const char *user = getenv("USER");
  char actor[OCF_OBT_AUDIT_WORD_MAX + 1] = "obt";
  if (user && user[0] && strlen(user) <= OCF_OBT_AUDIT_WORD_MAX &&
      strspn(user, "abcdefghijklmnopqrstuvwxyz"
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789._-") == strlen(user))
    snprintf(actor, sizeof actor, "%s", user);
  ocf_obt_lc_params p = {.store = s,
                         .action = action,
                         .devices = r->devs,
                         .n_devices = r->n,
                         .actor = actor,
                         .wall_now = wall_now,
                         .on_result = on_result,
                         .on_done = on_done,
                         .user = r};
  ocf_err err = ocf_obt_lifecycle(obt, &p, ocf_posix_now());
  if (!err && !r->done && h) err = ocf_posix_loop_run(h->loop, OCF_TIME_NEVER, lc_over, r);
  if (!err && !r->done) err = OCF_ERR_STATE; /* without a network every job ends at once */
  if (err) {
    fprintf(stderr, "obt %s: %s\n", r->cmd, ocf_strerror(err));
    return OBT_EXIT_SYSTEM;
  }
  if (!r->n_failed) return OBT_EXIT_OK;
  return r->n_timeouts == r->n_failed ? OBT_EXIT_TIMEOUT : OBT_EXIT_FAILED;
}

int obt_lc_run(const char *cmd, obt_lc_opts *o, ocf_obt_store *s, ocf_obt_lc_action action,
               const ocf_uuid *uuids, size_t n, bool network) {
  lc_cli_run r = {.cmd = cmd, .o = o, .n = n};
  obt_colour_init(&r.col, stdout);
  r.devs = calloc(n ? n : 1, sizeof *r.devs);
  r.recs = calloc(n ? n : 1, sizeof *r.recs);
  int rc = r.devs && r.recs ? -1 : OBT_EXIT_SYSTEM;
  for (size_t i = 0; rc < 0 && i < n; i++) {
    r.devs[i].uuid = uuids[i];
    if (ocf_obt_store_device_get(s, &uuids[i], &r.recs[i]) != OCF_OK) r.recs[i].name[0] = '\0';
  }
  ocf_obt_config cfg;
  ocf_obt_config_init(&cfg);
  if (o->timeout_s) cfg.step_timeout_ms = o->timeout_s * 1000u;
  o->net.secure = true;
  o->net.obt_cfg = &cfg;
  obt_host host = {0};
  ocf_obt *obt = NULL;
  ocf_platform pf;
  ocf_posix_platform_init(&pf, o->net.log_level, false);
  if (rc < 0 && network) {
    rc = obt_host_open(&host, &o->net);
    if (rc == OBT_EXIT_OK) rc = locate(&r, &host);
    obt = host.obt;
  } else if (rc < 0 && ocf_obt_create(&pf, &cfg, &obt) != OCF_OK) {
    rc = OBT_EXIT_SYSTEM;
  }
  if (rc < 0) rc = run_engine(&r, obt, network ? &host : NULL, s, action);
  if (network)
    obt_host_close(&host);
  else
    ocf_obt_destroy(obt);
  free(r.devs);
  free(r.recs);
  return rc;
}
