/* The provisioning engine (src/obt/prov.c, <ocf/ocf_obt_prov.h>) against the scripted devices of
 * obt_world.c, onboarded first: step functions driven over owner sessions, failures reported with
 * stage and advice, devices the store does not call owned left alone, request and handshake
 * timeouts, the job and handshake caps, the audit log, and runs chained from on_done. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_obt_prov.h>

#include "obt_world.h"
#include "rep/rep.h"

static const uint32_t k_jw[] = {0};

typedef struct prov_ctx {
  world *w;
  ocf_obt_prov_result res[MAX_DEVS];
  ocf_obt_prov_failure fail[MAX_DEVS];
  size_t n_results, n_ok, n_failed;
  bool done;
  /* run again from on_done (a chained run) */
  ocf_obt_prov_params *again;
  ocf_err again_err;
} prov_ctx;

static void on_result(void *user, const ocf_obt_prov_result *r) {
  prov_ctx *c = user;
  assert_true(r->job < MAX_DEVS);
  c->res[r->job] = *r;
  if (r->failure) {
    assert_false(r->ok);
    c->fail[r->job] = *r->failure;
  } else {
    assert_true(r->ok);
  }
  c->n_results++;
}

static void on_done(void *user, size_t ok, size_t failed) {
  prov_ctx *c = user;
  assert_false(ocf_obt_prov_running(c->w->obt)); /* over before on_done: it may start the next */
  if (c->again) {
    ocf_obt_prov_params *p = c->again;
    c->again = NULL;
    c->again_err = ocf_obt_prov_run(c->w->obt, p, ocf_sim_now(c->w->net));
    return;
  }
  c->done = true;
  c->n_ok = ok;
  c->n_failed = failed;
}

static bool over(void *user) { return ((prov_ctx *)user)->done; }

static ocf_obt_wall_ms wall_cb(void *user) { return wall_now(((prov_ctx *)user)->w); }

static ocf_obt_prov_params params(prov_ctx *c, const ocf_obt_prov_job *jobs, size_t n) {
  return (ocf_obt_prov_params){.store = c->w->store,
                               .jobs = jobs,
                               .n_jobs = n,
                               .what = "test",
                               .wall_now = wall_cb,
                               .on_result = on_result,
                               .on_done = on_done,
                               .user = c};
}

static void run_prov(prov_ctx *c, const ocf_obt_prov_job *jobs, size_t n) {
  ocf_obt_prov_params p = params(c, jobs, n);
  assert_int_equal(ocf_obt_prov_run(c->w->obt, &p, ocf_sim_now(c->w->net)), OCF_OK);
  ocf_sim_flush(c->w->net);
  assert_true(ocf_sim_run_until(c->w->net, over, c, 600000));
  assert_false(ocf_obt_prov_running(c->w->obt));
  assert_int_equal(c->n_results, n);
  assert_int_equal(c->n_ok + c->n_failed, n);
}

static world *owned_world(uint64_t seed, size_t n, size_t max_jobs, size_t max_handshakes) {
  world *w = calloc(1, sizeof *w);
  world_init(w, seed, max_jobs, max_handshakes, "jw");
  for (size_t i = 0; i < n; i++) add_device(w, k_jw, 1, NULL);
  run(w);
  for (size_t i = 0; i < n; i++) assert_owned(w, i);
  return w;
}

static ocf_obt_prov_job job_for(world *w, size_t i, ocf_obt_prov_step step, void *user) {
  return (ocf_obt_prov_job){.uuid = w->out[i].uuid, .coaps = w->targets[i].coaps, .step = step, .user = user};
}

static void free_world(world *w) {
  world_free(w);
  free(w);
}

/* --- step functions ------------------------------------------------------------------------- */

typedef struct doxm_check {
  int calls;
  bool saw_owned;
  uint16_t code;
  /* concurrency across jobs (shared) */
  size_t *active, *max_active;
} doxm_check;

/* GET /oic/sec/doxm, then DONE when it says owned (SEC:doxm "owned"). */
static ocf_obt_prov_next step_doxm(void *user, const ocf_obt_prov_response *rsp, ocf_obt_prov_request *req,
                                   ocf_obt_prov_failure *fail) {
  doxm_check *d = user;
  d->calls++;
  if (!rsp) {
    if (d->active && ++*d->active > *d->max_active) *d->max_active = *d->active;
    req->method = OCF_COAP_GET;
    snprintf(req->href, sizeof req->href, "/oic/sec/doxm");
    return OCF_OBT_PROV_SEND;
  }
  if (d->active) --*d->active;
  d->code = rsp->code;
  ocf_rep_node nodes[64];
  const ocf_rep_node *root = NULL;
  bool owned = false;
  if (rsp->code != 205 || ocf_rep_decode(rsp->payload, rsp->len, NULL, nodes, 64, &root) != OCF_OK ||
      ocf_rep_get_bool(ocf_rep_map_value(root, "owned"), &owned) != OCF_OK) {
    fail->stage = "read doxm";
    fail->code = rsp->code;
    fail->err = OCF_ERR_MALFORMED;
    snprintf(fail->diagnostic, sizeof fail->diagnostic, "no doxm in the answer");
    fail->advice = "check the device";
    return OCF_OBT_PROV_FAIL;
  }
  d->saw_owned = owned;
  return owned ? OCF_OBT_PROV_DONE : OCF_OBT_PROV_FAIL;
}

static ocf_obt_prov_next step_fail(void *user, const ocf_obt_prov_response *rsp, ocf_obt_prov_request *req,
                                   ocf_obt_prov_failure *fail) {
  (void)req;
  int *calls = user;
  ++*calls;
  assert_null(rsp);
  fail->stage = "check";
  fail->code = 0;
  fail->err = OCF_ERR_UNSUPPORTED;
  snprintf(fail->diagnostic, sizeof fail->diagnostic, "the device cannot\x01 do it");
  fail->advice = "give up";
  return OCF_OBT_PROV_FAIL;
}

static ocf_obt_prov_next step_bad_href(void *user, const ocf_obt_prov_response *rsp,
                                       ocf_obt_prov_request *req, ocf_obt_prov_failure *fail) {
  (void)user;
  (void)rsp;
  (void)fail;
  req->method = OCF_COAP_GET;
  snprintf(req->href, sizeof req->href, "oic/sec/doxm"); /* no leading '/' */
  return OCF_OBT_PROV_SEND;
}

/* GETs for ever: the engine's request budget ends it. */
static ocf_obt_prov_next step_endless(void *user, const ocf_obt_prov_response *rsp, ocf_obt_prov_request *req,
                                      ocf_obt_prov_failure *fail) {
  (void)user;
  (void)rsp;
  (void)fail;
  req->method = OCF_COAP_GET;
  snprintf(req->href, sizeof req->href, "/oic/sec/doxm?x=%s", "1");
  return OCF_OBT_PROV_SEND;
}

typedef struct audit_seen {
  char action[32], detail[256], actor[32];
  size_t n;
} audit_seen;

static bool each_audit(void *user, const ocf_obt_audit_record *a) {
  audit_seen *s = user;
  snprintf(s->action, sizeof s->action, "%s", a->action);
  snprintf(s->actor, sizeof s->actor, "%s", a->actor);
  snprintf(s->detail, sizeof s->detail, "%s", a->detail);
  s->n++;
  return true;
}

/* --- tests ---------------------------------------------------------------------------------- */

/* Digest §8.1: the step's GET goes over the owner session; the answer reaches the step; one
 * audit entry per job with the run's action. */
static void test_a_step_reads_doxm_over_the_owner_session(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = owned_world(300, 1, 4, 2);
  audit_seen a0 = {0};
  assert_int_equal(ocf_obt_store_audit_list(w->store, each_audit, &a0), OCF_OK);
  prov_ctx c = {.w = w};
  doxm_check d = {0};
  ocf_obt_prov_job j = job_for(w, 0, step_doxm, &d);
  run_prov(&c, &j, 1);
  assert_int_equal(c.n_ok, 1);
  assert_true(c.res[0].ok);
  assert_true(ocf_uuid_equal(&c.res[0].uuid, &w->out[0].uuid));
  assert_int_equal(c.res[0].requests, 1);
  assert_int_equal(d.calls, 2);
  assert_int_equal(d.code, 205);
  assert_true(d.saw_owned);
  assert_int_equal(w->dev[0].owner_sessions, 1);
  assert_int_equal(w->dev[0].owned_requests, 1);
  assert_string_equal(w->dev[0].mismatch, "");
  audit_seen a = {0};
  assert_int_equal(ocf_obt_store_audit_list(w->store, each_audit, &a), OCF_OK);
  assert_int_equal(a.n, a0.n + 1);
  assert_string_equal(a.action, "test");
  assert_string_equal(a.actor, "obt");
  assert_non_null(strstr(a.detail, "done (1 requests)"));
  free_world(w);
}

/* A step that fails: its stage, error, advice come through; its diagnostic is made printable;
 * the failure is in the audit log. */
static void test_a_failing_step_is_reported(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = owned_world(301, 1, 4, 2);
  prov_ctx c = {.w = w};
  int calls = 0;
  ocf_obt_prov_job j = job_for(w, 0, step_fail, &calls);
  run_prov(&c, &j, 1);
  assert_int_equal(calls, 1);
  assert_int_equal(c.n_failed, 1);
  assert_false(c.res[0].ok);
  assert_int_equal(c.res[0].requests, 0);
  assert_string_equal(c.fail[0].stage, "check");
  assert_int_equal(c.fail[0].err, OCF_ERR_UNSUPPORTED);
  assert_string_equal(c.fail[0].diagnostic, "the device cannot? do it");
  assert_string_equal(c.fail[0].advice, "give up");
  audit_seen a = {0};
  assert_int_equal(ocf_obt_store_audit_list(w->store, each_audit, &a), OCF_OK);
  assert_non_null(strstr(a.detail, "failed at check: the device cannot? do it"));
  free_world(w);
}

/* A device answering an error: the step sees the code and decides. */
static bool hook_403(tdev *d, ocf_msg *m, const ocf_msg_incoming *in, const char *path) {
  (void)d;
  (void)path;
  static const char diag[] = "no\nway";
  world_respond(m, in, OCF_COAP_FORBIDDEN, (const uint8_t *)diag, sizeof diag - 1, false);
  return true;
}

static void test_an_error_answer_reaches_the_step(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = owned_world(302, 1, 4, 2);
  w->dev[0].owned_hook = hook_403;
  prov_ctx c = {.w = w};
  doxm_check d = {0};
  ocf_obt_prov_job j = job_for(w, 0, step_doxm, &d);
  run_prov(&c, &j, 1);
  assert_int_equal(c.n_failed, 1);
  assert_int_equal(d.code, 403);
  assert_string_equal(c.fail[0].stage, "read doxm");
  assert_int_equal(c.fail[0].code, 403);
  free_world(w);
}

/* The store does not call the device owned: it is not contacted (OCF_ERR_STATE); an unknown
 * uuid: OCF_ERR_NOT_FOUND; no owner credential: OCF_ERR_NOT_FOUND. */
static void test_devices_not_owned_are_not_contacted(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = owned_world(303, 3, 4, 2);
  ocf_obt_device_record r;
  assert_int_equal(ocf_obt_store_device_get(w->store, &w->out[0].uuid, &r), OCF_OK);
  r.state = OCF_OBT_DEVICE_FAILED;
  assert_int_equal(ocf_obt_store_device_put(w->store, &r, wall_now(w)), OCF_OK);
  assert_int_equal(ocf_obt_store_secret_remove(w->store, &w->out[2].uuid, "owner-psk"), OCF_OK);
  size_t established[3];
  for (size_t i = 0; i < 3; i++) established[i] = w->dev[i].established;
  prov_ctx c = {.w = w};
  doxm_check d[3] = {0};
  ocf_obt_prov_job j[3] = {job_for(w, 0, step_doxm, &d[0]), job_for(w, 1, step_doxm, &d[1]),
                           job_for(w, 2, step_doxm, &d[2])};
  j[1].uuid.b[0] ^= 0x55; /* a uuid the store does not know */
  run_prov(&c, j, 3);
  assert_int_equal(c.n_failed, 3);
  assert_int_equal(c.fail[0].err, OCF_ERR_STATE);
  assert_string_equal(c.fail[0].stage, "store");
  assert_int_equal(c.fail[1].err, OCF_ERR_NOT_FOUND);
  assert_int_equal(c.fail[2].err, OCF_ERR_NOT_FOUND);
  assert_string_equal(c.fail[2].stage, "store");
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(d[i].calls, 0);
    assert_int_equal(w->dev[i].established, established[i]);
    assert_int_equal(w->dev[i].owned_requests, 0);
    assert_non_null(c.fail[i].advice);
    assert_true(c.fail[i].advice[0]);
  }
  free_world(w);
}

/* A device that takes the request and never answers: the job fails after step_timeout_ms
 * (10 s in the world) with OCF_ERR_TIMEOUT at "request". */
static bool hook_drop(tdev *d, ocf_msg *m, const ocf_msg_incoming *in, const char *path) {
  (void)d;
  (void)path;
  ocf_msg_drop(m, in->handle);
  return true;
}

static void test_a_request_without_answer_times_out(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = owned_world(304, 1, 4, 2);
  w->dev[0].owned_hook = hook_drop;
  prov_ctx c = {.w = w};
  doxm_check d = {0};
  ocf_obt_prov_job j = job_for(w, 0, step_doxm, &d);
  ocf_time_ms t0 = ocf_sim_now(w->net);
  run_prov(&c, &j, 1);
  assert_int_equal(c.n_failed, 1);
  assert_string_equal(c.fail[0].stage, "request");
  assert_int_equal(c.fail[0].err, OCF_ERR_TIMEOUT);
  assert_string_equal(c.fail[0].diagnostic, "no answer to GET /oic/sec/doxm");
  assert_int_equal(c.res[0].requests, 1);
  assert_int_equal(d.calls, 1);
  ocf_time_ms took = ocf_sim_now(w->net) - t0;
  assert_true(took >= 10000 && took < 20000);
  free_world(w);
}

/* An unreachable device: the handshake times out ("owner session", OCF_ERR_TIMEOUT). */
static void test_an_unreachable_device_fails_at_the_owner_session(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = owned_world(305, 1, 4, 2);
  ocf_sim_node_remove(w->net, w->dev[0].node);
  prov_ctx c = {.w = w};
  doxm_check d = {0};
  ocf_obt_prov_job j = job_for(w, 0, step_doxm, &d);
  run_prov(&c, &j, 1);
  assert_int_equal(c.n_failed, 1);
  assert_string_equal(c.fail[0].stage, "owner session");
  assert_int_equal(c.fail[0].err, OCF_ERR_TIMEOUT);
  assert_int_equal(d.calls, 0);
  free_world(w);
}

/* A device that no longer holds our owner credential (store's copy altered): the handshake
 * fails; the step is never called. */
static void test_a_wrong_owner_credential_fails_the_session(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = owned_world(306, 1, 4, 2);
  uint8_t psk[16] = {9};
  assert_int_equal(ocf_obt_store_secret_put(w->store, &w->out[0].uuid, "owner-psk", psk, sizeof psk), OCF_OK);
  prov_ctx c = {.w = w};
  doxm_check d = {0};
  ocf_obt_prov_job j = job_for(w, 0, step_doxm, &d);
  run_prov(&c, &j, 1);
  assert_int_equal(c.n_failed, 1);
  assert_string_equal(c.fail[0].stage, "owner session");
  assert_int_equal(d.calls, 0);
  assert_int_equal(w->dev[0].owned_requests, 0);
  free_world(w);
}

/* A step asking for nonsense, or for requests without end, fails its job (not the engine). */
static void test_bad_steps_fail_their_job(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = owned_world(307, 2, 4, 2);
  prov_ctx c = {.w = w};
  ocf_obt_prov_job j[2] = {job_for(w, 0, step_bad_href, NULL), job_for(w, 1, step_endless, NULL)};
  run_prov(&c, j, 2);
  assert_int_equal(c.n_failed, 2);
  assert_string_equal(c.fail[0].stage, "step");
  assert_int_equal(c.fail[0].err, OCF_ERR_INVALID_ARG);
  assert_int_equal(c.res[0].requests, 0);
  assert_string_equal(c.fail[1].stage, "step");
  assert_int_equal(c.fail[1].err, OCF_ERR_TOO_LARGE);
  assert_int_equal(c.res[1].requests, 256);
  assert_int_equal(w->dev[1].owned_requests, 256);
  free_world(w);
}

/* cfg.max_jobs = 2 (two handshakes at a time): never more than two jobs between their first step
 * and their last; all four devices are provisioned. */
static void test_the_job_cap_holds(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = owned_world(308, 4, 2, 2);
  prov_ctx c = {.w = w};
  size_t active = 0, max_active = 0;
  doxm_check d[4];
  ocf_obt_prov_job j[4];
  for (size_t i = 0; i < 4; i++) {
    d[i] = (doxm_check){.active = &active, .max_active = &max_active};
    j[i] = job_for(w, i, step_doxm, &d[i]);
  }
  run_prov(&c, j, 4);
  assert_int_equal(c.n_ok, 4);
  assert_int_equal(max_active, 2);
  assert_int_equal(active, 0);
  for (size_t i = 0; i < 4; i++) assert_int_equal(w->dev[i].owned_requests, 1);
  free_world(w);
}

/* cfg.max_handshakes = 1 with four jobs allowed: the devices never see two owner handshakes at
 * once; with 2, they see two. */
static void test_the_handshake_cap_holds(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  for (size_t cap = 1; cap <= 2; cap++) {
    world *w = owned_world(311 + cap, 4, 4, cap);
    size_t handshaking = 0, max_handshaking = 0;
    prov_ctx c = {.w = w};
    doxm_check d[4] = {0};
    ocf_obt_prov_job j[4];
    for (size_t i = 0; i < 4; i++) {
      w->dev[i].handshaking = &handshaking;
      w->dev[i].max_handshaking = &max_handshaking;
      j[i] = job_for(w, i, step_doxm, &d[i]);
    }
    run_prov(&c, j, 4);
    assert_int_equal(c.n_ok, 4);
    assert_int_equal(max_handshaking, cap);
    assert_int_equal(handshaking, 0);
    free_world(w);
  }
}

/* Argument checks, BUSY while a run goes on, and a run started from on_done. */
static void test_arguments_busy_and_chained_runs(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = owned_world(309, 2, 4, 2);
  prov_ctx c = {.w = w};
  doxm_check d[2] = {0};
  ocf_obt_prov_job j[2] = {job_for(w, 0, step_doxm, &d[0]), job_for(w, 1, step_doxm, &d[1])};
  ocf_time_ms now = ocf_sim_now(w->net);
  ocf_obt_prov_params p = params(&c, j, 2);
  assert_int_equal(ocf_obt_prov_run(NULL, &p, now), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_prov_run(w->obt, NULL, now), OCF_ERR_INVALID_ARG);
  ocf_obt_prov_params q = p;
  q.n_jobs = 0;
  assert_int_equal(ocf_obt_prov_run(w->obt, &q, now), OCF_ERR_INVALID_ARG);
  q = p;
  q.on_done = NULL;
  assert_int_equal(ocf_obt_prov_run(w->obt, &q, now), OCF_ERR_INVALID_ARG);
  q = p;
  q.what = "a-very-long-action-name-longer-than-31";
  assert_int_equal(ocf_obt_prov_run(w->obt, &q, now), OCF_ERR_INVALID_ARG);
  q = p;
  q.what = NULL;
  assert_int_equal(ocf_obt_prov_run(w->obt, &q, now), OCF_ERR_INVALID_ARG);
  ocf_obt_prov_job dup[2] = {j[0], j[0]};
  q = p;
  q.jobs = dup;
  assert_int_equal(ocf_obt_prov_run(w->obt, &q, now), OCF_ERR_INVALID_ARG);
  ocf_obt_prov_job nostep[1] = {j[0]};
  nostep[0].step = NULL;
  q = p;
  q.jobs = nostep;
  q.n_jobs = 1;
  assert_int_equal(ocf_obt_prov_run(w->obt, &q, now), OCF_ERR_INVALID_ARG);
  assert_false(ocf_obt_prov_running(w->obt));

  /* The first run's on_done starts the second (job 1 only). */
  ocf_obt_prov_params second = params(&c, &j[1], 1);
  c.again = &second;
  q = params(&c, &j[0], 1);
  assert_int_equal(ocf_obt_prov_run(w->obt, &q, now), OCF_OK);
  assert_true(ocf_obt_prov_running(w->obt));
  assert_int_equal(ocf_obt_prov_run(w->obt, &p, now), OCF_ERR_BUSY);
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, over, &c, 600000));
  assert_int_equal(c.again_err, OCF_OK);
  assert_int_equal(c.n_results, 2);
  assert_int_equal(c.n_ok, 1); /* of the second run */
  assert_true(d[0].saw_owned);
  assert_true(d[1].saw_owned);
  assert_int_equal(w->dev[0].owner_sessions, 1);
  assert_int_equal(w->dev[1].owner_sessions, 1);
  free_world(w);
}

/* The engine destroyed in the middle of a run: nothing leaks (world_free checks). */
static void test_destroy_during_a_run(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = owned_world(310, 2, 4, 2);
  prov_ctx c = {.w = w};
  doxm_check d[2] = {0};
  ocf_obt_prov_job j[2] = {job_for(w, 0, step_doxm, &d[0]), job_for(w, 1, step_doxm, &d[1])};
  ocf_obt_prov_params p = params(&c, j, 2);
  assert_int_equal(ocf_obt_prov_run(w->obt, &p, ocf_sim_now(w->net)), OCF_OK);
  ocf_sim_flush(w->net);
  assert_true(ocf_obt_prov_running(w->obt));
  free_world(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_step_reads_doxm_over_the_owner_session),
      cmocka_unit_test(test_a_failing_step_is_reported),
      cmocka_unit_test(test_an_error_answer_reaches_the_step),
      cmocka_unit_test(test_devices_not_owned_are_not_contacted),
      cmocka_unit_test(test_a_request_without_answer_times_out),
      cmocka_unit_test(test_an_unreachable_device_fails_at_the_owner_session),
      cmocka_unit_test(test_a_wrong_owner_credential_fails_the_session),
      cmocka_unit_test(test_bad_steps_fail_their_job),
      cmocka_unit_test(test_the_job_cap_holds),
      cmocka_unit_test(test_the_handshake_cap_holds),
      cmocka_unit_test(test_arguments_busy_and_chained_runs),
      cmocka_unit_test(test_destroy_during_a_run),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
