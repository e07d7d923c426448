/* Owner sessions, reset, forget and recovery of interrupted onboardings (src/obt/owner.c,
 * src/obt/lifecycle.c, <ocf/ocf_obt_lifecycle.h>) against the scripted devices of obt_world.c:
 * an owned device is reset over the owner session and forgotten, and can be onboarded again; a
 * device that refuses, cannot be reached or lacks a credential leaves the store unchanged; and
 * the engine killed at every step of an onboarding, then recovery, leaves every device either
 * owned and recorded with its credential or back in RFOTM and forgotten (issue 5 item 5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_obt_lifecycle.h>

#include "dtls/session.h"
#include "obt_world.h"
#include "svr/dos.h"

static const uint32_t k_jw_rdp[] = {0, 1};

typedef struct lc_run {
  ocf_obt_lc_result res[MAX_DEVS];
  size_t n_results, n_ok, n_failed;
  bool done;
} lc_run;

static void on_lc_result(void *user, const ocf_obt_lc_result *r) {
  lc_run *l = user;
  assert_true(r->job < MAX_DEVS);
  assert_int_equal(l->res[r->job].outcome, 0); /* one result per job */
  l->res[r->job] = *r;
  l->n_results++;
}

static void on_lc_done(void *user, size_t ok, size_t failed) {
  lc_run *l = user;
  l->done = true;
  l->n_ok = ok;
  l->n_failed = failed;
}

static bool lc_over(void *user) { return ((lc_run *)user)->done; }

typedef struct lc_ctx {
  world *w;
  lc_run run;
} lc_ctx;

static void lc_result_cb(void *user, const ocf_obt_lc_result *r) { on_lc_result(&((lc_ctx *)user)->run, r); }
static void lc_done_cb(void *user, size_t ok, size_t failed) {
  on_lc_done(&((lc_ctx *)user)->run, ok, failed);
}
static ocf_obt_wall_ms lc_wall_cb(void *user) { return wall_now(((lc_ctx *)user)->w); }

/* Runs one action on device i under the uuid the store holds for it. */
static ocf_obt_lc_result lc_one(world *w, ocf_obt_lc_action action, size_t i, const ocf_uuid *uuid) {
  lc_ctx c = {.w = w};
  ocf_obt_lc_device dev = {.uuid = *uuid, .coaps = w->targets[i].coaps, .coap = w->dev[i].ep};
  ocf_obt_lc_params p = {.store = w->store,
                         .action = action,
                         .devices = &dev,
                         .n_devices = 1,
                         .wall_now = lc_wall_cb,
                         .on_result = lc_result_cb,
                         .on_done = lc_done_cb,
                         .user = &c};
  assert_int_equal(ocf_obt_lifecycle(w->obt, &p, ocf_sim_now(w->net)), OCF_OK);
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, lc_over, &c.run, 600000));
  assert_false(ocf_obt_lifecycle_running(w->obt));
  assert_int_equal(c.run.n_results, 1);
  assert_int_equal(c.run.n_ok + c.run.n_failed, 1);
  return c.run.res[0];
}

static bool has_psk(world *w, const ocf_uuid *u) {
  uint8_t psk[64];
  size_t len;
  return ocf_obt_store_secret_get(w->store, u, "owner-psk", psk, sizeof psk, &len) == OCF_OK;
}

static void onboard_again(world *w) {
  memset(w->out, 0, sizeof w->out);
  w->all_done = false;
  for (size_t i = 0; i < w->n_dev; i++) w->targets[i].uuid = w->dev[i].doxm.deviceuuid;
  run(w);
}

typedef struct audit_seen {
  char last_action[32];
  char last_detail[256];
  size_t n;
} audit_seen;

static bool each_audit(void *user, const ocf_obt_audit_record *a) {
  audit_seen *s = user;
  snprintf(s->last_action, sizeof s->last_action, "%s", a->action);
  snprintf(s->last_detail, sizeof s->last_detail, "%s", a->detail);
  s->n++;
  return true;
}

static world *owned_world(uint64_t seed) {
  world *w = calloc(1, sizeof *w);
  world_init(w, seed, 4, 2, "jw");
  add_device(w, k_jw_rdp, 2, NULL);
  run(w);
  assert_owned(w, 0);
  return w;
}

/* --- reset ---------------------------------------------------------------------------------- */

/* Digest §9: RESET over the owner session; the device goes back to RFOTM with a new uuid and
 * the store forgets it (record, steps, owner credential), with an audit entry. */
static void test_reset_resets_an_owned_device_and_forgets_it(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = owned_world(200);
  ocf_uuid u = w->out[0].uuid;
  ocf_obt_lc_result r = lc_one(w, OCF_OBT_LC_RESET, 0, &u);
  assert_int_equal(r.outcome, OCF_OBT_LC_WAS_RESET);
  assert_true(ocf_uuid_equal(&r.uuid, &u));
  tdev *d = &w->dev[0];
  assert_int_equal(d->owner_sessions, 1);
  assert_true(d->reset_requested);
  assert_int_equal(d->pstat.dos_s, OCF_DOS_RFOTM);
  assert_false(d->doxm.owned);
  assert_false(ocf_uuid_equal(&d->doxm.deviceuuid, &u));
  ocf_obt_device_record rec;
  assert_int_equal(ocf_obt_store_device_get(w->store, &u, &rec), OCF_ERR_NOT_FOUND);
  assert_false(has_psk(w, &u));
  audit_seen a = {0};
  assert_int_equal(ocf_obt_store_audit_list(w->store, each_audit, &a), OCF_OK);
  assert_string_equal(a.last_action, "reset");
  assert_non_null(strstr(a.last_detail, "reset and forgotten"));
  world_free(w);
  free(w);
}

/* Digest §9: a device that was reset is onboarded again like a new one. */
static void test_a_reset_device_can_be_onboarded_again(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = owned_world(201);
  ocf_uuid first = w->out[0].uuid;
  assert_int_equal(lc_one(w, OCF_OBT_LC_RESET, 0, &first).outcome, OCF_OBT_LC_WAS_RESET);
  onboard_again(w);
  assert_owned(w, 0);
  assert_false(ocf_uuid_equal(&w->out[0].uuid, &first));
  world_free(w);
  free(w);
}

/* A device that does not answer: the store keeps it owned with its credential. */
static void test_an_unreachable_device_is_not_forgotten(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = owned_world(202);
  ocf_uuid u = w->out[0].uuid;
  ocf_sim_node_remove(w->net, w->dev[0].node);
  ocf_obt_lc_result r = lc_one(w, OCF_OBT_LC_RESET, 0, &u);
  assert_int_equal(r.outcome, OCF_OBT_LC_FAILED);
  assert_string_equal(r.stage, "owner session");
  assert_int_equal(r.err, OCF_ERR_TIMEOUT);
  assert_non_null(strstr(r.advice, "--forget-only"));
  ocf_obt_device_record rec;
  assert_int_equal(ocf_obt_store_device_get(w->store, &u, &rec), OCF_OK);
  assert_int_equal(rec.state, OCF_OBT_DEVICE_OWNED);
  assert_true(has_psk(w, &u));
  world_free(w);
  free(w);
}

/* The device answers the reset with an error: nothing is forgotten, its answer is reported. */
static void test_a_refused_reset_changes_nothing(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = owned_world(203);
  ocf_uuid u = w->out[0].uuid;
  w->dev[0].reset_code = OCF_COAP_CODE(4, 3);
  ocf_obt_lc_result r = lc_one(w, OCF_OBT_LC_RESET, 0, &u);
  assert_int_equal(r.outcome, OCF_OBT_LC_FAILED);
  assert_string_equal(r.stage, "reset");
  assert_int_equal(r.code, 403);
  assert_string_equal(r.diagnostic, "reset refused by the test");
  assert_int_equal(w->dev[0].pstat.dos_s, OCF_DOS_RFPRO);
  assert_true(has_psk(w, &u));
  world_free(w);
  free(w);
}

/* The device does not hold our key (reset by hand, say): the handshake fails, the store stays. */
static void test_a_device_refusing_the_owner_session_is_not_forgotten(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = owned_world(204);
  ocf_uuid u = w->out[0].uuid;
  for (uint32_t k = 0; k < w->dev[0].cred.n; k++) w->dev[0].cred.e[k].private_data[0] ^= 0x55;
  ocf_obt_lc_result r = lc_one(w, OCF_OBT_LC_RESET, 0, &u);
  assert_int_equal(r.outcome, OCF_OBT_LC_FAILED);
  assert_string_equal(r.stage, "owner session");
  assert_int_equal(w->dev[0].owner_sessions, 0);
  assert_int_equal(w->dev[0].pstat.dos_s, OCF_DOS_RFPRO);
  assert_true(has_psk(w, &u));
  world_free(w);
  free(w);
}

/* FORGET drops the device without a datagram; RESET of a device without a credential (a failed
 * onboarding), or of an unknown uuid, changes nothing. */
static void test_forget_and_the_states_reset_refuses(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = calloc(1, sizeof *w);
  world_init(w, 205, 4, 2, "jw");
  add_device(w, k_jw_rdp, 2, NULL);
  w->dev[0].fail_at = 2; /* om: over the DOC, before the owner credential */
  w->dev[0].fail_code = OCF_COAP_CODE(4, 3);
  run(w);
  ocf_uuid u = w->out[0].uuid;
  ocf_obt_lc_result r = lc_one(w, OCF_OBT_LC_RESET, 0, &u);
  assert_int_equal(r.outcome, OCF_OBT_LC_FAILED);
  assert_int_equal(r.err, OCF_ERR_STATE);
  ocf_uuid other = u;
  other.b[0] ^= 1;
  r = lc_one(w, OCF_OBT_LC_RESET, 0, &other);
  assert_int_equal(r.err, OCF_ERR_NOT_FOUND);
  r = lc_one(w, OCF_OBT_LC_RECOVER, 0, &u);
  assert_int_equal(r.err, OCF_ERR_STATE); /* failed, not interrupted */
  const ocf_sim_stats *st = ocf_sim_stats_get(w->net);
  size_t sent = st->delivered;
  r = lc_one(w, OCF_OBT_LC_FORGET, 0, &u);
  assert_int_equal(r.outcome, OCF_OBT_LC_FORGOTTEN);
  assert_int_equal(ocf_sim_stats_get(w->net)->delivered, sent);
  ocf_obt_device_record rec;
  assert_int_equal(ocf_obt_store_device_get(w->store, &u, &rec), OCF_ERR_NOT_FOUND);
  world_free(w);
  free(w);
}

static void test_lifecycle_argument_checks(void **state) {
  (void)state;
  world *w = calloc(1, sizeof *w);
  world_init(w, 206, 4, 2, "jw");
  lc_ctx c = {.w = w};
  ocf_obt_lc_device devs[2] = {{.uuid = {{1}}}, {.uuid = {{1}}}};
  ocf_obt_lc_params p = {.store = w->store,
                         .action = OCF_OBT_LC_FORGET,
                         .devices = devs,
                         .n_devices = 2,
                         .wall_now = lc_wall_cb,
                         .on_result = lc_result_cb,
                         .on_done = lc_done_cb,
                         .user = &c};
  assert_int_equal(ocf_obt_lifecycle(w->obt, &p, 0), OCF_ERR_INVALID_ARG); /* the same uuid twice */
  p.n_devices = 1;
  p.action = 0;
  assert_int_equal(ocf_obt_lifecycle(w->obt, &p, 0), OCF_ERR_INVALID_ARG);
  p.action = OCF_OBT_LC_RESET;
  p.on_done = NULL;
  assert_int_equal(ocf_obt_lifecycle(w->obt, &p, 0), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_lifecycle(NULL, &p, 0), OCF_ERR_INVALID_ARG);
  ocf_obt_recovery plan;
  assert_int_equal(ocf_obt_recovery_plan(w->store, &devs[0].uuid, &plan), OCF_ERR_NOT_FOUND);
  world_free(w);
  free(w);
}

/* Digest §4.1: an owned device hints its own uuid; a hint naming another device (another one
 * answering at that address) fails the owner session, and nothing is forgotten. */
static void test_an_owner_session_hint_naming_another_device_fails(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS) || !ocf_dtls_psk_hint_available()) skip();
  world *w = owned_world(208);
  ocf_uuid u = w->out[0].uuid;
  w->dev[0].foreign_hint = true;
  ocf_obt_lc_result r = lc_one(w, OCF_OBT_LC_RESET, 0, &u);
  assert_int_equal(r.outcome, OCF_OBT_LC_FAILED);
  assert_string_equal(r.stage, "owner session");
  assert_int_equal(r.err, OCF_ERR_DENIED);
  assert_false(w->dev[0].reset_requested);
  assert_int_equal(w->dev[0].pstat.dos_s, OCF_DOS_RFPRO);
  assert_true(has_psk(w, &u));
  world_free(w);
  free(w);
}

static bool each_step_diag(void *user, const ocf_obt_step_record *st) {
  if (strcmp(st->name, "oxmsel") == 0) memcpy(user, st->diagnostic, sizeof st->diagnostic);
  return true;
}

/* Three owned devices reset in one run, one handshake at a time; the store records the OTM of
 * each onboarding with its oxmsel step, and recovery's plan reads the store without its key. */
static void test_several_devices_reset_in_one_run(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = calloc(1, sizeof *w);
  world_init(w, 209, 2, 1, "jw");
  for (int i = 0; i < 3; i++) add_device(w, k_jw_rdp, 2, NULL);
  run(w);
  ocf_obt_lc_device devs[3];
  for (size_t i = 0; i < 3; i++) {
    assert_owned(w, i);
    char diag[OCF_OBT_DIAG_MAX + 1] = "";
    assert_int_equal(ocf_obt_store_step_list(w->store, &w->out[i].uuid, each_step_diag, diag), OCF_OK);
    assert_string_equal(diag, "otm jw");
    devs[i] = (ocf_obt_lc_device){.uuid = w->out[i].uuid, .coaps = w->targets[i].coaps, .coap = w->dev[i].ep};
  }
  lc_ctx c = {.w = w};
  ocf_obt_lc_params p = {.store = w->store,
                         .action = OCF_OBT_LC_RESET,
                         .devices = devs,
                         .n_devices = 3,
                         .wall_now = lc_wall_cb,
                         .on_result = lc_result_cb,
                         .on_done = lc_done_cb,
                         .user = &c};
  assert_int_equal(ocf_obt_lifecycle(w->obt, &p, ocf_sim_now(w->net)), OCF_OK);
  assert_int_equal(ocf_obt_lifecycle(w->obt, &p, ocf_sim_now(w->net)), OCF_ERR_BUSY);
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, lc_over, &c.run, 600000));
  assert_int_equal(c.run.n_ok, 3);
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(c.run.res[i].outcome, OCF_OBT_LC_WAS_RESET);
    assert_int_equal(w->dev[i].resets, 1);
    assert_false(has_psk(w, &devs[i].uuid));
  }
  /* A fresh process without the key: the plan of an unknown device, and FORGET, need none. */
  ocf_obt_store_close(w->store);
  assert_int_equal(ocf_obt_store_open(w->db, &w->sp.pf, &w->store), OCF_OK);
  ocf_obt_recovery plan;
  assert_int_equal(ocf_obt_recovery_plan(w->store, &devs[0].uuid, &plan), OCF_ERR_NOT_FOUND);
  world_free(w);
  free(w);
}

/* --- recovery ------------------------------------------------------------------------------- */

/* The owner credential went out and the device stopped answering (the engine kept the
 * credential, the device "onboarding"): recovery cannot reach it and keeps both; FORGET drops
 * both. */
static void test_recovery_keeps_an_unreachable_device_with_its_credential(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = calloc(1, sizeof *w);
  world_init(w, 207, 4, 2, "jw");
  add_device(w, k_jw_rdp, 2, NULL);
  w->dev[0].fail_at = 6; /* acl2-rowneruuid, after the owner credential */
  w->dev[0].fail_code = 0;
  w->dev[0].silent_reset = true;
  run(w);
  ocf_uuid u = w->out[0].uuid;
  assert_true(w->out[0].uncertain);
  ocf_obt_recovery plan;
  assert_int_equal(ocf_obt_recovery_plan(w->store, &u, &plan), OCF_OK);
  assert_int_equal(plan, OCF_OBT_RECOVERY_RESET);
  ocf_sim_node_remove(w->net, w->dev[0].node);
  ocf_obt_lc_result r = lc_one(w, OCF_OBT_LC_RECOVER, 0, &u);
  assert_int_equal(r.outcome, OCF_OBT_LC_FAILED);
  ocf_obt_device_record rec;
  assert_int_equal(ocf_obt_store_device_get(w->store, &u, &rec), OCF_OK);
  assert_int_equal(rec.state, OCF_OBT_DEVICE_ONBOARDING);
  assert_true(has_psk(w, &u));
  r = lc_one(w, OCF_OBT_LC_FORGET, 0, &u);
  assert_int_equal(r.outcome, OCF_OBT_LC_FORGOTTEN);
  assert_false(has_psk(w, &u));
  world_free(w);
  free(w);
}

static bool dev_reached(void *user) {
  world *w = user;
  return w->dev[0].idx >= (size_t)w->pins_asked; /* pins_asked holds the kill point here */
}

/* kill -9: the engine is gone mid-job (no close_notify, no last store write), the store is
 * reopened by a new process, the device notices its onboarding session is gone (inactivity). */
static void kill_and_restart(world *w) {
  ocf_sim_node_remove(w->net, w->obt_node);
  ocf_obt_destroy(w->obt);
  ocf_obt_store_close(w->store);
  assert_int_equal(ocf_obt_store_open(w->db, &w->sp.pf, &w->store), OCF_OK);
  static const uint8_t key[OCF_OBT_DOMAIN_KEY_LEN] = WORLD_KEY;
  ocf_obt_store_key k = {.kind = OCF_OBT_KEY_FILE, .secret = key, .len = sizeof key};
  assert_int_equal(ocf_obt_store_unlock(w->store, &k), OCF_OK);
  dev_drop_session(w, 0);
  ocf_sim_run_for(w->net, 120000); /* a handshake left half-way times out on the device */
  ocf_obt_config cfg;
  ocf_obt_config_init(&cfg);
  cfg.max_jobs = w->max_jobs;
  cfg.max_handshakes = w->max_handshakes;
  cfg.step_timeout_ms = 10000;
  assert_int_equal(ocf_obt_create(&w->sp.pf, &cfg, &w->obt), OCF_OK);
  w->obt_ep = ep6(0x02, 40002, 0);
  w->obt_node = ocf_sim_add_node(w->net, ocf_obt_engine(w->obt));
  assert_true(w->obt_node >= 0);
  ocf_sim_node_add_addr(w->net, w->obt_node, &w->obt_ep);
}

static bool each_device(void *user, const ocf_obt_device_record *d);

/* Issue 5 item 5: after recovery, every device is owned and recorded with its credential, or
 * back in RFOTM without our credential and forgotten. */
static void assert_invariant(world *w) {
  ocf_err err = ocf_obt_store_device_list(w->store, each_device, w);
  assert_int_equal(err, OCF_OK);
  tdev *d = &w->dev[0];
  ocf_obt_device_record rec;
  if (ocf_obt_store_device_get(w->store, &d->doxm.deviceuuid, &rec) == OCF_OK &&
      rec.state == OCF_OBT_DEVICE_OWNED) {
    assert_true(d->doxm.owned);
    assert_true(has_psk(w, &d->doxm.deviceuuid));
  } else {
    assert_false(d->doxm.owned);
    assert_int_equal(d->pstat.dos_s, OCF_DOS_RFOTM);
    assert_false(d->has_owner_psk);
    assert_int_equal(d->cred.n, 0);
  }
}

static bool each_device(void *user, const ocf_obt_device_record *d) {
  world *w = user;
  bool psk = has_psk(w, &d->uuid);
  assert_int_not_equal(d->state, OCF_OBT_DEVICE_ONBOARDING); /* nothing left interrupted */
  assert_int_equal(d->state == OCF_OBT_DEVICE_OWNED, psk);
  return true;
}

typedef struct collect {
  ocf_uuid u[8];
  size_t n;
} collect;

static bool collect_onboarding(void *user, const ocf_obt_device_record *d) {
  collect *c = user;
  if (d->state == OCF_OBT_DEVICE_ONBOARDING && c->n < 8) c->u[c->n++] = d->uuid;
  return true;
}

/* The engine killed once the device has applied request k (its answer still on the way), for
 * every k: recovery resolves the interrupted onboarding (forget when no credential went out;
 * a device that reset itself answers unowned; one that applied every request is recorded as
 * owned over the owner session), the invariant holds, and the device can be onboarded again. */
static void test_recovery_after_a_kill_at_each_step(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  for (size_t k = 0; k <= N_EXPECTED; k++) {
    world *w = calloc(1, sizeof *w);
    world_init(w, 300 + k, 4, 2, "jw");
    add_device(w, k_jw_rdp, 2, NULL);
    ocf_obt_onboard_params p = {.store = w->store,
                                .devices = w->targets,
                                .n_devices = 1,
                                .wall_now = wall_now,
                                .on_event = on_event,
                                .user = w};
    assert_int_equal(ocf_obt_onboard(w->obt, &p, ocf_sim_now(w->net)), OCF_OK);
    w->pins_asked = k; /* the kill point, read by dev_reached */
    if (k > 0) assert_true(ocf_sim_run_until(w->net, dev_reached, w, 600000));
    assert_int_equal(w->out[0].type, 0); /* the job had not ended */
    w->pins_asked = 0;
    kill_and_restart(w);
    collect c = {0};
    assert_int_equal(ocf_obt_store_device_list(w->store, collect_onboarding, &c), OCF_OK);
    assert_int_equal(c.n, 1);
    ocf_obt_recovery plan;
    assert_int_equal(ocf_obt_recovery_plan(w->store, &c.u[0], &plan), OCF_OK);
    /* The credential is stored before its request (step 10), which is request 5. */
    assert_string_equal(k_seq[4].step, "owner-credential");
    assert_int_equal(plan, k >= 5 ? OCF_OBT_RECOVERY_RESET : OCF_OBT_RECOVERY_FORGET);
    ocf_obt_lc_result r = lc_one(w, OCF_OBT_LC_RECOVER, 0, &c.u[0]);
    if (r.outcome == OCF_OBT_LC_FAILED) print_message("k=%zu: %s: %s\n", k, r.stage, r.diagnostic);
    assert_int_not_equal(r.outcome, OCF_OBT_LC_FAILED);
    /* Killed after the device applied the last request (rfpro): it finished, so recovery
     * records it as owned over the owner session instead of resetting it. */
    assert_int_equal(r.outcome, k == N_EXPECTED ? OCF_OBT_LC_COMPLETED : OCF_OBT_LC_FORGOTTEN);
    assert_invariant(w);
    if (w->dev[0].pstat.dos_s == OCF_DOS_RFOTM) w->dev[0].fresh = true; /* its sequence begins again */
    if (k == N_EXPECTED) {
      ocf_obt_device_record rec;
      assert_int_equal(ocf_obt_store_device_get(w->store, &c.u[0], &rec), OCF_OK);
      assert_int_equal(rec.state, OCF_OBT_DEVICE_OWNED);
      assert_true(has_psk(w, &c.u[0]));
      assert_int_equal(w->dev[0].pstat.dos_s, OCF_DOS_RFPRO);
      assert_true(w->dev[0].doxm.owned);
      assert_true(ocf_uuid_equal(&w->dev[0].doxm.deviceuuid, &c.u[0]));
    } else {
      onboard_again(w);
      assert_owned(w, 0);
    }
    assert_invariant(w);
    world_free(w);
    free(w);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reset_resets_an_owned_device_and_forgets_it),
      cmocka_unit_test(test_a_reset_device_can_be_onboarded_again),
      cmocka_unit_test(test_an_unreachable_device_is_not_forgotten),
      cmocka_unit_test(test_a_refused_reset_changes_nothing),
      cmocka_unit_test(test_a_device_refusing_the_owner_session_is_not_forgotten),
      cmocka_unit_test(test_forget_and_the_states_reset_refuses),
      cmocka_unit_test(test_lifecycle_argument_checks),
      cmocka_unit_test(test_an_owner_session_hint_naming_another_device_fails),
      cmocka_unit_test(test_several_devices_reset_in_one_run),
      cmocka_unit_test(test_recovery_keeps_an_unreachable_device_with_its_credential),
      cmocka_unit_test(test_recovery_after_a_kill_at_each_step),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
