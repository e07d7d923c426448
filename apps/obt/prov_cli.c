/* Shared by the provisioning commands (prov_cli.h). */
#define _POSIX_C_SOURCE 200809L /* strtok_r */
#include "prov_cli.h"

#include <ocf/ocf_obt_onboard.h>

#include <stdlib.h>
#include <string.h>

struct obt_prov_cli {
  const char *cmd;
  obt_lc_opts *o;
  ocf_obt_store *store;
  obt_colour col;
  ocf_obt_config cfg;
  obt_host host;
  size_t n;
  ocf_uuid *uuids;
  ocf_obt_device_record *recs;
  ocf_endpoint *coaps;
  bool disc_done;
  /* the run going on */
  const obt_prov_cli_run_params *run;
  bool done;
  size_t n_ok, n_failed, n_timeouts;
  char actor[OCF_OBT_AUDIT_WORD_MAX + 1];
};

/* --- finding the devices -------------------------------------------------------------------- */

static void on_found(void *user, const ocf_obt_device_info *info) {
  obt_prov_cli *c = user;
  for (size_t i = 0; i < c->n; i++) {
    ocf_obt_onboard_device d;
    if (ocf_uuid_equal(&info->di, &c->uuids[i]) && ocf_obt_onboard_device_from(info, &d) == OCF_OK &&
        (d.coaps.flags & OCF_EP_SECURE) && d.coaps.port)
      c->coaps[i] = d.coaps;
  }
}

static void on_disc_done(void *user, ocf_err err, size_t n) {
  (void)err;
  (void)n;
  ((obt_prov_cli *)user)->disc_done = true;
}

static bool disc_over(void *user) { return ((obt_prov_cli *)user)->disc_done; }

/* The coaps endpoint the store saw last: the fallback for a device that did not answer. */
static void stored_coaps(const ocf_obt_device_record *rec, ocf_endpoint *out) {
  char buf[OCF_OBT_ENDPOINTS_MAX + 1];
  snprintf(buf, sizeof buf, "%s", rec->endpoints);
  for (char *save = NULL, *tok = strtok_r(buf, " ", &save); tok && out->port == 0;
       tok = strtok_r(NULL, " ", &save)) {
    ocf_endpoint ep;
    if (ocf_endpoint_parse(tok, &ep) == OCF_OK && !ocf_endpoint_is_multicast(&ep) &&
        (ep.flags & OCF_EP_SECURE))
      *out = ep;
  }
}

static int locate(obt_prov_cli *c) {
  ocf_endpoint groups[4];
  size_t n = ocf_obt_discovery_groups(0, c->o->net.ipv6, c->o->net.ipv4, groups);
  ocf_obt_discover_params p = {.targets = groups,
                               .n_targets = n,
                               .window_ms = c->o->window ? c->o->window : 3000,
                               .on_device = on_found,
                               .on_done = on_disc_done,
                               .user = c};
  ocf_err err = ocf_obt_discover(c->host.obt, &p, ocf_posix_now());
  if (!err) err = ocf_posix_loop_run(c->host.loop, OCF_TIME_NEVER, disc_over, c);
  if (err) {
    fprintf(stderr, "obt %s: discovery failed: %s\n", c->cmd, ocf_strerror(err));
    return OBT_EXIT_SYSTEM;
  }
  for (size_t i = 0; i < c->n; i++)
    if (c->coaps[i].port == 0) stored_coaps(&c->recs[i], &c->coaps[i]);
  return -1;
}

void obt_prov_cli_close(obt_prov_cli *c) {
  if (!c) return;
  obt_host_close(&c->host);
  free(c->uuids);
  free(c->recs);
  free(c->coaps);
  free(c);
}

int obt_prov_cli_open(const char *cmd, obt_lc_opts *o, ocf_obt_store *s, const ocf_uuid *uuids, size_t n,
                      obt_prov_cli **out) {
  obt_prov_cli *c = calloc(1, sizeof *c);
  if (!c) return OBT_EXIT_SYSTEM;
  c->cmd = cmd;
  c->o = o;
  c->store = s;
  c->n = n;
  obt_colour_init(&c->col, stdout);
  c->uuids = calloc(n ? n : 1, sizeof *c->uuids);
  c->recs = calloc(n ? n : 1, sizeof *c->recs);
  c->coaps = calloc(n ? n : 1, sizeof *c->coaps);
  if (!c->uuids || !c->recs || !c->coaps) {
    obt_prov_cli_close(c);
    return OBT_EXIT_SYSTEM;
  }
  for (size_t i = 0; i < n; i++) {
    c->uuids[i] = uuids[i];
    ocf_err err = ocf_obt_store_device_get(s, &uuids[i], &c->recs[i]);
    if (err) {
      char u[OCF_UUID_STR_LEN];
      ocf_uuid_format(&uuids[i], u);
      fprintf(stderr, "obt %s: %s: %s\n", cmd, u,
              err == OCF_ERR_NOT_FOUND ? "the store knows no such device (see obt devices)"
                                       : ocf_strerror(err));
      obt_prov_cli_close(c);
      return err == OCF_ERR_NOT_FOUND ? OBT_EXIT_FAILED : OBT_EXIT_SYSTEM;
    }
  }
  /* The audit log's actor: the login name when it is a plain word. */
  const char *user = getenv("USER");
  snprintf(c->actor, sizeof c->actor, "obt");
  if (user && user[0] && strlen(user) <= OCF_OBT_AUDIT_WORD_MAX &&
      strspn(user, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == strlen(user))
    snprintf(c->actor, sizeof c->actor, "%s", user);
  ocf_obt_config_init(&c->cfg);
  if (o->timeout_s) c->cfg.step_timeout_ms = o->timeout_s * 1000u;
  o->net.secure = true;
  o->net.obt_cfg = &c->cfg;
  int rc = obt_host_open(&c->host, &o->net);
  if (rc == OBT_EXIT_OK) rc = locate(c);
  if (rc >= 0) {
    obt_prov_cli_close(c);
    return rc;
  }
  *out = c;
  return -1;
}

const ocf_obt_device_record *obt_prov_cli_record(const obt_prov_cli *c, const ocf_uuid *uuid) {
  for (size_t i = 0; c && i < c->n; i++)
    if (ocf_uuid_equal(&c->uuids[i], uuid)) return &c->recs[i];
  return NULL;
}

/* --- a run ---------------------------------------------------------------------------------- */

static void print_result(obt_prov_cli *c, const ocf_obt_prov_result *r) {
  const obt_prov_cli_run_params *p = c->run;
  const ocf_obt_device_record *rec = obt_prov_cli_record(c, &r->uuid);
  const char *name = rec ? rec->name : "";
  char uuid[OCF_UUID_STR_LEN], what[256] = "done";
  ocf_uuid_format(&r->uuid, uuid);
  if (r->ok && p->describe) p->describe(p->user, r->job, what, sizeof what);
  const ocf_obt_prov_failure *f = r->failure;
  if (c->o->json) {
    printf("{\"event\": \"result\", \"action\": ");
    obt_json_string(stdout, p->what);
    printf(", \"uuid\": \"%s\", \"name\": ", uuid);
    obt_json_string(stdout, name);
    printf(", \"outcome\": \"%s\", \"requests\": %u", r->ok ? "ok" : "failed", (unsigned)r->requests);
    if (r->ok) {
      printf(", \"detail\": ");
      obt_json_string(stdout, what);
    } else {
      printf(", \"stage\": ");
      obt_json_string(stdout, f->stage);
      printf(", \"code\": %u, \"error\": ", (unsigned)f->code);
      obt_json_string(stdout, ocf_strerror(f->err));
      printf(", \"diagnostic\": ");
      obt_json_string(stdout, f->diagnostic);
      printf(", \"advice\": ");
      obt_json_string(stdout, f->advice ? f->advice : "");
    }
    printf("}\n");
  } else if (!r->ok) {
    printf("%sFAILED%s  %s  %-20s  at %s", c->col.bad, c->col.off, uuid, name, f->stage);
    if (f->code)
      printf(": the device answered %u.%02u%s%s%s", f->code / 100, f->code % 100,
             f->diagnostic[0] ? " \"" : "", f->diagnostic, f->diagnostic[0] ? "\"" : "");
    else
      printf(": %s (%s)", f->diagnostic, ocf_strerror(f->err));
    printf("%s%s\n", f->advice && f->advice[0] ? " -- " : "", f->advice ? f->advice : "");
  } else {
    printf("%sok%s      %s  %-20s  %s\n", c->col.ok, c->col.off, uuid, name, what);
  }
  fflush(stdout);
}

static void on_result(void *user, const ocf_obt_prov_result *r) {
  obt_prov_cli *c = user;
  const obt_prov_cli_run_params *p = c->run;
  if (p->results && r->job < p->n_jobs) {
    obt_prov_cli_result *out = &p->results[r->job];
    memset(out, 0, sizeof *out);
    out->ok = r->ok;
    out->requests = r->requests;
    if (r->failure) out->failure = *r->failure;
  }
  if (p->print) print_result(c, r);
  /* Exit 4: the device did not answer, or no address was known for it. */
  if (!r->ok && (r->failure->err == OCF_ERR_TIMEOUT ||
                 (r->failure->err == OCF_ERR_NOT_FOUND && strcmp(r->failure->stage, "owner session") == 0)))
    c->n_timeouts++;
}

static void on_done(void *user, size_t ok, size_t failed) {
  obt_prov_cli *c = user;
  c->done = true;
  c->n_ok = ok;
  c->n_failed = failed;
}

static bool run_over(void *user) { return ((obt_prov_cli *)user)->done; }

static ocf_obt_wall_ms wall_now(void *user) {
  (void)user;
  return obt_wall_ms();
}

int obt_prov_cli_run(obt_prov_cli *c, const obt_prov_cli_run_params *p) {
  if (!c || !p || !p->n_jobs) return OBT_EXIT_SYSTEM;
  ocf_obt_prov_job *jobs = calloc(p->n_jobs, sizeof *jobs);
  if (!jobs) return OBT_EXIT_SYSTEM;
  for (size_t i = 0; i < p->n_jobs; i++) {
    jobs[i].uuid = p->jobs[i].uuid;
    jobs[i].step = p->jobs[i].step;
    jobs[i].user = p->jobs[i].user;
    for (size_t k = 0; k < c->n; k++)
      if (ocf_uuid_equal(&c->uuids[k], &jobs[i].uuid)) jobs[i].coaps = c->coaps[k];
  }
  c->run = p;
  c->done = false;
  c->n_ok = c->n_failed = c->n_timeouts = 0;
  ocf_obt_prov_params pp = {.store = c->store,
                            .jobs = jobs,
                            .n_jobs = p->n_jobs,
                            .what = p->what,
                            .actor = c->actor,
                            .wall_now = wall_now,
                            .on_result = on_result,
                            .on_done = on_done,
                            .user = c};
  ocf_err err = ocf_obt_prov_run(c->host.obt, &pp, ocf_posix_now());
  free(jobs);
  if (!err && !c->done) err = ocf_posix_loop_run(c->host.loop, OCF_TIME_NEVER, run_over, c);
  c->run = NULL;
  if (err) {
    fprintf(stderr, "obt %s: %s\n", c->cmd, ocf_strerror(err));
    return OBT_EXIT_SYSTEM;
  }
  if (!c->n_failed) return OBT_EXIT_OK;
  return c->n_timeouts == c->n_failed ? OBT_EXIT_TIMEOUT : OBT_EXIT_FAILED;
}

int obt_prov_cli_run_once(const char *cmd, obt_lc_opts *o, ocf_obt_store *s, const char *what,
                          const obt_prov_cli_job *jobs, size_t n,
                          void (*describe)(void *user, size_t job, char *out, size_t cap), void *user) {
  ocf_uuid *uuids = calloc(n ? n : 1, sizeof *uuids);
  if (!uuids) return OBT_EXIT_SYSTEM;
  for (size_t i = 0; i < n; i++) uuids[i] = jobs[i].uuid;
  obt_prov_cli *c = NULL;
  int rc = obt_prov_cli_open(cmd, o, s, uuids, n, &c);
  free(uuids);
  if (rc >= 0) return rc;
  obt_prov_cli_run_params p = {
      .what = what, .jobs = jobs, .n_jobs = n, .print = true, .describe = describe, .user = user};
  rc = obt_prov_cli_run(c, &p);
  if (rc != OBT_EXIT_SYSTEM) {
    if (o->json)
      printf("{\"event\": \"done\", \"ok\": %zu, \"failed\": %zu}\n", c->n_ok, c->n_failed);
    else if (n > 1)
      printf("%zu done, %zu failed.\n", c->n_ok, c->n_failed);
  }
  obt_prov_cli_close(c);
  return rc;
}

ocf_obt *obt_prov_cli_engine(obt_prov_cli *c) { return c->host.obt; }

ocf_endpoint obt_prov_cli_coaps(const obt_prov_cli *c, const ocf_uuid *uuid) {
  for (size_t i = 0; i < c->n; i++)
    if (ocf_uuid_equal(&c->uuids[i], uuid)) return c->coaps[i];
  return (ocf_endpoint){0};
}

const char *obt_prov_cli_actor(const obt_prov_cli *c) { return c->actor; }

int obt_prov_cli_wait(obt_prov_cli *c, bool (*done)(void *user), void *user) {
  if (done(user)) return -1;
  ocf_err err = ocf_posix_loop_run(c->host.loop, OCF_TIME_NEVER, done, user);
  if (err) {
    fprintf(stderr, "obt %s: %s\n", c->cmd, ocf_strerror(err));
    return OBT_EXIT_SYSTEM;
  }
  return -1;
}
