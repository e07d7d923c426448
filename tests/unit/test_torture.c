/* Allocation-failure torture (issue 7 item 2, docs/HARDENING.md "Allocation-failure torture").
 *
 * Whole simulation scenarios are run again and again, failing the Nth allocation of one
 * platform (the tool's: the ocf_obt engine and its domain store; or the device's: a real
 * ocf_device of src/device with its sealed store), for every N from 1 to the number of
 * allocations the clean run makes (counted first). For every N:
 *   - no crash (ASan/UBSan in the dev preset), and no leak: every platform's live allocations
 *     are back to zero once everything is destroyed;
 *   - a clean error: the API call returned an error, or the job ended with a failure that names
 *     its step and an error or a response code; or the run succeeded anyway (the allocation
 *     was optional). No hang: the run must end within bounded simulated time;
 *   - consistent state: a device the store calls owned has its owner credential in the store
 *     and is owned (RFPRO) itself; a device whose doxm says owned is either back in RFOTM (its
 *     onboarding connection ended) or the store holds its owner credential;
 *   - a second clean run afterwards still onboards the device (unless it is already owned and
 *     recorded so).
 * Scenarios: 1. Just Works onboarding of one real device by ocf_obt_onboard; 2. a device
 * restart from its store (ocf_device_create loading an owned device's SVRs); 3. provisioning:
 * an "acl add" (the AMS step function of <ocf/ocf_obt_ams.h> run by ocf_obt_prov_run over the
 * owner session) against the owned device, which must stay owned on both sides and hold the
 * new ACE once or not at all; 4. a pairwise key (ocf_obt_pair, <ocf/ocf_obt_cms.h>) between two
 * owned devices (the first device's platform is the one failed on the device side): no half
 * pairing (both hold the entry and the store records it, or neither holds one unless the failure
 * reports one `left`).
 * Not covered: mbedTLS's and SQLite's own allocations (they go to libc, not to the platform).
 * Figures (allocations per scenario, N tried, outcomes) are printed; TORTURE_STEP=k runs every
 * kth N only (quick local runs; CI runs every N). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_device.h>
#include <ocf/ocf_obt_ams.h>
#include <ocf/ocf_obt_cms.h>
#include <ocf/ocf_obt_prov.h>

#include "device/device.h"
#include "device/sec.h"
#include "obt_world.h"
#include "store/memory/memory.h"

#define SIM_LIMIT_MS 600000u /* a run that has not ended by then hangs */
#define IDLE_MS 5000u        /* the device's session idle timeout: an abandoned DOC ends */
/* After a run: idle sessions and half-done handshakes (the tool went silent mid-handshake when
 * every allocation from N on fails) end within this. */
#define SETTLE_MS 120000u

/* TORTURE_AFTER=1: every allocation from the Nth on fails (not only the Nth). */
static bool from_n_on(void) { return getenv("TORTURE_AFTER") != NULL; }

/* --- the real device ------------------------------------------------------------------------ */

typedef struct real_dev {
  ocf_sim_platform sp;
  ocf_mem_medium *medium;
  ocf_store *store;
  ocf_device *dev;
  int node;
  size_t idx; /* its target in the world */
  world *w;
} real_dev;

static ocf_err real_dev_create(real_dev *r) {
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
  cfg.otms[0] = OCF_DEVICE_OTM_JUST_WORKS;
  cfg.n_otms = 1;
  cfg.store = r->store;
  cfg.session_idle_ms = IDLE_MS;
  return ocf_device_create(&r->sp.pf, &cfg, &r->dev);
}

static void real_dev_attach(real_dev *r) {
  world *w = r->w;
  uint8_t last = (uint8_t)(0x30 + r->idx);
  ocf_endpoint ep = ep6(last, 5683, 0);
  r->node = ocf_sim_add_node(w->net, ocf_device_engine(r->dev));
  assert_true(r->node >= 0);
  ocf_sim_node_add_addr(w->net, r->node, &ep);
  ocf_obt_onboard_device *t = &w->targets[r->idx];
  memset(t, 0, sizeof *t);
  ocf_device_get_di(r->dev, &t->uuid);
  t->coap = ep;
  t->coaps = ep6(last, 5683, OCF_EP_SECURE);
  snprintf(t->name, sizeof t->name, "real lamp %zu", r->idx);
  snprintf(t->type, sizeof t->type, "oic.d.light");
  w->n_dev = r->idx + 1; /* w->dev[i] stay unused (no stack): world_free skips them */
}

/* An ocf-device (Just Works) with a sealed store on a memory medium, target idx of the world. */
static void real_dev_start_at(real_dev *r, world *w, size_t idx) {
  memset(r, 0, sizeof *r);
  r->w = w;
  r->idx = idx;
  ocf_sim_platform_init(&r->sp, 99 + idx);
  r->sp.quiet = true;
  assert_int_equal(ocf_mem_medium_new(&r->sp.pf, 32, 128u << 10, &r->medium), OCF_OK);
  ocf_store_config sc;
  ocf_store_config_init(&sc);
  sc.max_record = 128u << 10;
  sc.has_key = true;
  memset(sc.key, 0x5a, sizeof sc.key);
  ocf_store_medium port = ocf_mem_medium_port(r->medium);
  assert_int_equal(ocf_store_open(&port, &sc, &r->sp.pf, &r->store), OCF_OK);
  assert_int_equal(real_dev_create(r), OCF_OK);
  real_dev_attach(r);
}

static void real_dev_start(real_dev *r, world *w) { real_dev_start_at(r, w, 0); }

static void real_dev_stop(real_dev *r) {
  ocf_sim_node_remove(r->w->net, r->node);
  ocf_device_destroy(r->dev);
  ocf_store_close(r->store);
  ocf_mem_medium_free(r->medium);
  assert_int_equal(r->sp.live, 0);
}

static bool dev_owned(const real_dev *r) { return r->dev->sec->cur->doxm.owned; }

/* --- figures -------------------------------------------------------------------------------- */

typedef struct figures {
  const char *scenario, *side;
  size_t allocs; /* allocation attempts of the clean run on that side */
  size_t tried, step;
  size_t succeeded;   /* the run succeeded anyway */
  size_t failed;      /* failed cleanly (API error or a job failure with a reason) */
  size_t not_reached; /* the Nth allocation never came (the run took another path) */
  size_t rerun_owned; /* failures after which a second clean run succeeded */
  size_t uncertain;   /* failures ADR 0016 calls uncertain (credential kept, device owned) */
} figures;

static void print_figures(const figures *f) {
  printf("torture: %-10s %-6s allocations %4zu, N tried %4zu (every %zu%s), succeeded anyway %4zu, failed "
         "cleanly %4zu (uncertain %zu), not reached %3zu, second clean run ok %4zu\n",
         f->scenario, f->side, f->allocs, f->tried, f->step, from_n_on() ? ", from N on" : "", f->succeeded,
         f->failed, f->uncertain, f->not_reached, f->rerun_owned);
  fflush(stdout);
}

static size_t step_from_env(void) {
  const char *s = getenv("TORTURE_STEP");
  long v = s ? strtol(s, NULL, 10) : 1;
  return v > 0 ? (size_t)v : 1;
}

/* --- scenario 1: onboarding ----------------------------------------------------------------- */

enum side { SIDE_NONE, SIDE_TOOL, SIDE_DEVICE };

typedef struct onboard_result {
  size_t tool_attempts, dev_attempts; /* during the armed run */
  size_t tool_live, dev_live;         /* live allocations once it ended (idle sessions closed) */
  bool api_error, owned, failed, fired;
  bool uncertain; /* the device committed, its answer was lost: the store kept the credential */
} onboard_result;

/* Starts an onboarding of target 0; the outcome is in w->out[0] (or the API error). */
static ocf_err start(world *w) {
  memset(w->out, 0, sizeof w->out);
  w->all_done = false;
  ocf_obt_onboard_params p = {.store = w->store,
                              .devices = w->targets,
                              .n_devices = w->n_dev,
                              .wall_now = wall_now,
                              .on_event = on_event,
                              .user = w};
  ocf_err err = ocf_obt_onboard(w->obt, &p, ocf_sim_now(w->net));
  if (!err) {
    ocf_sim_flush(w->net);
    if (!ocf_sim_run_until(w->net, done, w, SIM_LIMIT_MS)) fail_msg("the onboarding did not end (hang)");
  }
  assert_false(ocf_obt_onboarding(w->obt));
  return err;
}

/* The store's invariant and the device's, after whatever happened. */
static void assert_consistent(world *w, real_dev *r, const char *what, size_t nth) {
  ocf_uuid di;
  ocf_device_get_di(r->dev, &di);
  uint8_t psk[64];
  size_t len = 0;
  const ocf_uuid *uuids[2] = {&w->targets[0].uuid, &w->out[0].uuid};
  for (size_t k = 0; k < 2; k++) {
    ocf_obt_device_record rec;
    if (ocf_obt_store_device_get(w->store, uuids[k], &rec) != OCF_OK || rec.state != OCF_OBT_DEVICE_OWNED)
      continue;
    if (ocf_obt_store_secret_get(w->store, uuids[k], "owner-psk", psk, sizeof psk, &len) != OCF_OK)
      fail_msg("%s N=%zu: the store calls the device owned without its owner credential", what, nth);
    if (!dev_owned(r) || ocf_device_get_state(r->dev) == OCF_DEVICE_RFOTM)
      fail_msg("%s N=%zu: the store calls the device owned, the device is not", what, nth);
  }
  if (dev_owned(r) && ocf_device_get_state(r->dev) != OCF_DEVICE_RFOTM &&
      ocf_obt_store_secret_get(w->store, &di, "owner-psk", psk, sizeof psk, &len) != OCF_OK)
    fail_msg("%s N=%zu: the device is owned (state %d), the store lacks its owner credential", what, nth,
             (int)ocf_device_get_state(r->dev));
}

/* One onboarding with the nth allocation of side failing (0: a clean run). No failed run may hold
 * more allocations once it has ended than the clean run (a block lost on an error path but still
 * listed somewhere, freed only at destroy). */
static onboard_result onboard_once(enum side side, size_t nth, const onboard_result *clean,
                                   bool *rerun_owned) {
  world *w = calloc(1, sizeof *w);
  assert_non_null(w);
  world_init(w, 7, 4, 2, "jw");
  real_dev r;
  real_dev_start(&r, w);
  onboard_result res = {0};
  size_t t0 = w->sp.attempts, d0 = r.sp.attempts;
  ocf_sim_platform *sp = side == SIDE_TOOL ? &w->sp : side == SIDE_DEVICE ? &r.sp : NULL;
  if (sp && nth) ocf_sim_fail_alloc(sp, nth, from_n_on());
  ocf_err err = start(w);
  /* An onboarding connection the tool left behind ends on the device's idle timeout. */
  ocf_sim_run_for(w->net, SETTLE_MS);
  res.tool_attempts = w->sp.attempts - t0;
  res.dev_attempts = r.sp.attempts - d0;
  res.tool_live = w->sp.live;
  res.dev_live = r.sp.live;
  if (getenv("TORTURE_VERBOSE"))
    printf("N=%zu tool live %zu dev live %zu out %d step %s\n", nth, res.tool_live, res.dev_live,
           (int)w->out[0].type, w->out[0].step);
  if (clean && (res.tool_live > clean->tool_live || res.dev_live > clean->dev_live))
    fail_msg("N=%zu: more allocations live once the run ended (tool %zu, device %zu) than after the clean "
             "run (%zu, %zu)",
             nth, res.tool_live, res.dev_live, clean->tool_live, clean->dev_live);
  if (sp) {
    res.fired = sp->failures > 0;
    ocf_sim_fail_alloc(sp, 0, false);
  }
  const outcome *o = &w->out[0];
  if (err) {
    res.api_error = true;
    assert_int_not_equal(o->type, OCF_OBT_EV_OWNED);
  } else if (o->type == OCF_OBT_EV_OWNED) {
    res.owned = true;
    assert_int_equal(ocf_device_get_state(r.dev), OCF_DEVICE_RFPRO);
  } else {
    assert_int_equal(o->type, OCF_OBT_EV_FAILED);
    res.failed = true;
    if (!o->step[0] || (o->err == OCF_OK && o->code == 0))
      fail_msg("N=%zu: a failure without a reason (step '%s', err %d, code %u)", nth, o->step, (int)o->err,
               o->code);
  }
  assert_consistent(w, &r, side == SIDE_TOOL ? "tool" : "device", nth);
  /* A second clean run onboards the device (it is back in RFOTM unless it is owned). */
  *rerun_owned = false;
  if (!res.owned && ocf_device_get_state(r.dev) != OCF_DEVICE_RFOTM) {
    /* ADR 0016's uncertain case (only when every later allocation fails too: the device took
     * the last step but could not answer, nor take the rollback's reset): the job says so and
     * the store keeps the owner credential with the device "onboarding", for a later reset. */
    ocf_obt_device_record rec;
    if (!w->out[0].uncertain || ocf_obt_store_device_get(w->store, &w->out[0].uuid, &rec) != OCF_OK ||
        rec.state != OCF_OBT_DEVICE_ONBOARDING)
      fail_msg("N=%zu: failed, but the device is left in state %d", nth, (int)ocf_device_get_state(r.dev));
    res.uncertain = true;
  } else if (!res.owned) {
    ocf_device_get_di(r.dev, &w->targets[0].uuid);
    assert_int_equal(start(w), OCF_OK);
    if (w->out[0].type != OCF_OBT_EV_OWNED)
      fail_msg("N=%zu: the second clean run failed at %s: %s", nth, w->out[0].step, w->out[0].diagnostic);
    assert_consistent(w, &r, "second run", nth);
    *rerun_owned = true;
  }
  real_dev_stop(&r);
  world_free(w); /* asserts the tool's live allocations are back to 0 */
  free(w);
  return res;
}

static void torture_onboarding(enum side side) {
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  bool rerun;
  onboard_result clean = onboard_once(SIDE_NONE, 0, NULL, &rerun);
  assert_true(clean.owned);
  figures f = {.scenario = "onboard", .side = side == SIDE_TOOL ? "tool" : "device", .step = step_from_env()};
  f.allocs = side == SIDE_TOOL ? clean.tool_attempts : clean.dev_attempts;
  assert_true(f.allocs > 0);
  for (size_t n = 1; n <= f.allocs; n += f.step) {
    onboard_result res = onboard_once(side, n, &clean, &rerun);
    f.tried++;
    if (!res.fired) f.not_reached++;
    if (res.owned)
      f.succeeded++;
    else
      f.failed++;
    if (rerun) f.rerun_owned++;
    if (res.uncertain) f.uncertain++;
  }
  print_figures(&f);
}

static void test_onboarding_tool_allocations(void **state) {
  (void)state;
  torture_onboarding(SIDE_TOOL);
}

static void test_onboarding_device_allocations(void **state) {
  (void)state;
  torture_onboarding(SIDE_DEVICE);
}

/* --- scenario 3: provisioning (an ACL add) against an owned device --------------------------- */

typedef struct prov_state {
  bool done, ok;
  char stage[40];
  ocf_err err;
  uint16_t code;
  ocf_obt_wall_ms wall;
} prov_state;

static ocf_obt_wall_ms prov_wall(void *user) { return ((prov_state *)user)->wall += 1000; }

static void on_prov_result(void *user, const ocf_obt_prov_result *r) {
  prov_state *s = user;
  s->ok = r->ok;
  if (!r->ok) {
    snprintf(s->stage, sizeof s->stage, "%s", r->failure->stage ? r->failure->stage : "");
    s->err = r->failure->err;
    s->code = r->failure->code;
  }
}

static void on_prov_done(void *user, size_t n_ok, size_t n_failed) {
  prov_state *s = user;
  assert_int_equal(n_ok + n_failed, 1);
  s->done = true;
}

static bool prov_done(void *user) { return ((prov_state *)user)->done; }

/* One "acl add" of an ACE for another device on /light; the outcome in *s (or the API error). */
static ocf_err acl_add(world *w, prov_state *s) {
  memset(s, 0, sizeof *s);
  s->wall = w->wall;
  ocf_obt_ams_job *job = calloc(1, sizeof *job);
  assert_non_null(job);
  ocf_obt_ace ace;
  const ocf_uuid client = {{0xc1, 0x1e, 0x47, 0x01, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1}};
  ocf_obt_ace_allow_device(&ace, &client, "/light", 6);
  assert_int_equal(ocf_obt_ams_job_add(job, &ace, 1), OCF_OK);
  ocf_obt_prov_job pj = {
      .uuid = w->out[0].uuid, .coaps = w->targets[0].coaps, .step = ocf_obt_ams_step, .user = job};
  ocf_obt_prov_params p = {.store = w->store,
                           .jobs = &pj,
                           .n_jobs = 1,
                           .what = "acl add",
                           .wall_now = prov_wall,
                           .on_result = on_prov_result,
                           .on_done = on_prov_done,
                           .user = s};
  ocf_err err = ocf_obt_prov_run(w->obt, &p, ocf_sim_now(w->net));
  if (!err) {
    ocf_sim_flush(w->net);
    if (!ocf_sim_run_until(w->net, prov_done, s, SIM_LIMIT_MS))
      fail_msg("the provisioning did not end (hang)");
  }
  assert_false(ocf_obt_prov_running(w->obt));
  free(job);
  return err;
}

/* The device's ACEs naming /light (0 or 1: the add is one POST). */
static size_t light_aces(const real_dev *r) {
  const ocf_svr_acl2 *a = &r->dev->sec->cur->acl2;
  size_t n = 0;
  for (size_t i = 0; i < a->n; i++)
    for (size_t k = 0; k < a->ace[i].n_resources; k++)
      if (strcmp(a->ace[i].resources[k].href, "/light") == 0) n++;
  return n;
}

typedef struct prov_result {
  size_t tool_attempts, dev_attempts, tool_live, dev_live;
  bool api_error, ok, fired;
} prov_result;

static prov_result acl_add_once(enum side side, size_t nth, const prov_result *clean) {
  world *w = calloc(1, sizeof *w);
  assert_non_null(w);
  world_init(w, 9, 4, 2, "jw");
  real_dev r;
  real_dev_start(&r, w);
  assert_int_equal(start(w), OCF_OK);
  assert_int_equal(w->out[0].type, OCF_OBT_EV_OWNED);
  ocf_sim_run_for(w->net, 3 * IDLE_MS); /* the onboarding's sessions end */
  prov_result res = {0};
  size_t t0 = w->sp.attempts, d0 = r.sp.attempts;
  ocf_sim_platform *sp = side == SIDE_TOOL ? &w->sp : side == SIDE_DEVICE ? &r.sp : NULL;
  if (sp && nth) ocf_sim_fail_alloc(sp, nth, from_n_on());
  prov_state s;
  ocf_err err = acl_add(w, &s);
  ocf_sim_run_for(w->net, SETTLE_MS);
  res.tool_attempts = w->sp.attempts - t0;
  res.dev_attempts = r.sp.attempts - d0;
  res.tool_live = w->sp.live;
  res.dev_live = r.sp.live;
  if (sp) {
    res.fired = sp->failures > 0;
    ocf_sim_fail_alloc(sp, 0, false);
  }
  if (clean && (res.tool_live > clean->tool_live || res.dev_live > clean->dev_live))
    fail_msg("acl add N=%zu: more allocations live once the run ended (tool %zu, device %zu) than after the "
             "clean run (%zu, %zu)",
             nth, res.tool_live, res.dev_live, clean->tool_live, clean->dev_live);
  if (err) {
    res.api_error = true;
  } else if (s.ok) {
    res.ok = true;
    assert_int_equal(light_aces(&r), 1);
  } else if (!s.stage[0] || (s.err == OCF_OK && s.code == 0)) {
    fail_msg("acl add N=%zu: a failure without a reason (stage '%s', err %d, code %u)", nth, s.stage,
             (int)s.err, s.code);
  }
  /* Still owned on both sides, with at most the one ACE. */
  assert_int_equal(ocf_device_get_state(r.dev), OCF_DEVICE_RFPRO);
  assert_true(light_aces(&r) <= 1);
  assert_consistent(w, &r, "acl add", nth);
  ocf_obt_device_record rec;
  assert_int_equal(ocf_obt_store_device_get(w->store, &w->out[0].uuid, &rec), OCF_OK);
  assert_int_equal(rec.state, OCF_OBT_DEVICE_OWNED);
  /* A second clean run adds it (or finds it there). */
  if (!res.ok) {
    assert_int_equal(acl_add(w, &s), OCF_OK);
    if (!s.ok) fail_msg("acl add N=%zu: the second clean run failed at %s", nth, s.stage);
    assert_int_equal(light_aces(&r), 1);
  }
  real_dev_stop(&r);
  world_free(w);
  free(w);
  return res;
}

static void torture_acl_add(enum side side) {
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  prov_result clean = acl_add_once(SIDE_NONE, 0, NULL);
  assert_true(clean.ok);
  figures f = {.scenario = "acl add", .side = side == SIDE_TOOL ? "tool" : "device", .step = step_from_env()};
  f.allocs = side == SIDE_TOOL ? clean.tool_attempts : clean.dev_attempts;
  assert_true(f.allocs > 0);
  for (size_t n = 1; n <= f.allocs; n += f.step) {
    prov_result res = acl_add_once(side, n, &clean);
    f.tried++;
    if (!res.fired) f.not_reached++;
    if (res.ok) {
      f.succeeded++;
    } else {
      f.failed++;
      f.rerun_owned++;
    }
  }
  print_figures(&f);
}

static void test_acl_add_tool_allocations(void **state) {
  (void)state;
  torture_acl_add(SIDE_TOOL);
}

static void test_acl_add_device_allocations(void **state) {
  (void)state;
  torture_acl_add(SIDE_DEVICE);
}

/* --- scenario 2: a device restart from its store --------------------------------------------- */

/* An owned device is destroyed and created again from its store with the nth allocation
 * failing: ocf_device_create fails cleanly (nothing leaks, the store is untouched: a clean
 * restart afterwards is the owned device again) or succeeds. */
static void test_restart_device_allocations(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = calloc(1, sizeof *w);
  assert_non_null(w);
  world_init(w, 8, 4, 2, "jw");
  real_dev r;
  real_dev_start(&r, w);
  assert_int_equal(start(w), OCF_OK);
  assert_int_equal(w->out[0].type, OCF_OBT_EV_OWNED);
  ocf_uuid di;
  ocf_device_get_di(r.dev, &di);
  ocf_sim_node_remove(w->net, r.node);
  ocf_device_destroy(r.dev);
  r.dev = NULL;
  size_t base = r.sp.live; /* the store's and the medium's */
  size_t a0 = r.sp.attempts;
  assert_int_equal(real_dev_create(&r), OCF_OK);
  figures f = {.scenario = "restart", .side = "device", .step = 1, .allocs = r.sp.attempts - a0};
  assert_int_equal(ocf_device_get_state(r.dev), OCF_DEVICE_RFPRO);
  ocf_device_destroy(r.dev);
  assert_int_equal(r.sp.live, base);
  for (size_t n = 1; n <= f.allocs; n++) {
    ocf_sim_fail_alloc(&r.sp, n, false);
    r.dev = NULL;
    ocf_err err = real_dev_create(&r);
    f.tried++;
    if (r.sp.failures == 0) f.not_reached++;
    ocf_sim_fail_alloc(&r.sp, 0, false);
    r.sp.failures = 0;
    if (err) {
      f.failed++;
      assert_int_equal(r.sp.live, base); /* nothing of the failed creation is left */
    } else {
      f.succeeded++;
      ocf_device_destroy(r.dev);
    }
    /* The store still holds the owned device. */
    assert_int_equal(real_dev_create(&r), OCF_OK);
    assert_int_equal(ocf_device_get_state(r.dev), OCF_DEVICE_RFPRO);
    assert_true(dev_owned(&r));
    ocf_uuid now;
    ocf_device_get_di(r.dev, &now);
    assert_true(ocf_uuid_equal(&now, &di));
    ocf_device_destroy(r.dev);
    assert_int_equal(r.sp.live, base);
    f.rerun_owned++;
  }
  print_figures(&f);
  assert_int_equal(real_dev_create(&r), OCF_OK);
  real_dev_attach(&r);
  real_dev_stop(&r);
  world_free(w);
  free(w);
}

/* --- scenario 4: pairwise keys between two owned devices (CMS) -------------------------------- */

typedef struct pair_state {
  bool done;
  ocf_obt_pair_result r;
  ocf_obt_wall_ms wall;
} pair_state;

static void on_pair_done(void *user, const ocf_obt_pair_result *r) {
  pair_state *s = user;
  s->r = *r;
  s->done = true;
}

static ocf_obt_wall_ms pair_wall(void *user) { return ((pair_state *)user)->wall += 1000; }
static bool pair_done(void *user) { return ((pair_state *)user)->done; }

static ocf_err pair(world *w, pair_state *s) {
  memset(s, 0, sizeof *s);
  s->wall = w->wall;
  ocf_obt_pair_params p = {
      .store = w->store, .action = OCF_OBT_PAIR, .wall_now = pair_wall, .on_done = on_pair_done, .user = s};
  for (size_t i = 0; i < 2; i++) p.dev[i] = (ocf_obt_pair_device){w->out[i].uuid, w->targets[i].coaps};
  ocf_err err = ocf_obt_pair(w->obt, &p, ocf_sim_now(w->net));
  if (!err) {
    ocf_sim_flush(w->net);
    if (!ocf_sim_run_until(w->net, pair_done, s, SIM_LIMIT_MS)) fail_msg("the pairing did not end (hang)");
  }
  assert_false(ocf_obt_pair_running(w->obt));
  return err;
}

/* Pairwise (credtype 1) entries on r naming peer. */
static size_t pair_entries(const real_dev *r, const ocf_uuid *peer) {
  const ocf_svr_cred *c = &r->dev->sec->cur->cred;
  size_t n = 0;
  for (size_t i = 0; i < c->n; i++)
    if (c->e[i].credtype == 1 && !c->e[i].subject_any && ocf_uuid_equal(&c->e[i].subject, peer)) n++;
  return n;
}

/* No half pairing: both devices hold one entry for the other and the store records the pairing,
 * or (unless the undo failed too: `left`) neither holds one and the store records nothing. */
static void assert_pairing_consistent(world *w, real_dev r[2], const pair_state *s, size_t nth) {
  ocf_obt_pairing_record rec;
  bool recorded = ocf_obt_store_pairing_get(w->store, &w->out[0].uuid, &w->out[1].uuid, &rec) == OCF_OK;
  size_t a = pair_entries(&r[0], &w->out[1].uuid), b = pair_entries(&r[1], &w->out[0].uuid);
  if (s->r.ok) {
    if (!recorded || a != 1 || b != 1)
      fail_msg("pair N=%zu: ok, but recorded %d, entries %zu and %zu", nth, recorded, a, b);
    return;
  }
  bool left = s->r.side[0].left || s->r.side[1].left;
  if (recorded || (!left && (a || b)))
    fail_msg("pair N=%zu: failed (left %d), but recorded %d, entries %zu and %zu", nth, left, recorded, a, b);
}

typedef struct pair_once_result {
  size_t tool_attempts, dev_attempts, tool_live, dev_live;
  bool api_error, ok, fired;
} pair_once_result;

static pair_once_result pair_once(enum side side, size_t nth, const pair_once_result *clean) {
  world *w = calloc(1, sizeof *w);
  assert_non_null(w);
  world_init(w, 10, 4, 2, "jw");
  real_dev r[2];
  real_dev_start_at(&r[0], w, 0);
  real_dev_start_at(&r[1], w, 1);
  assert_int_equal(start(w), OCF_OK);
  assert_int_equal(w->out[0].type, OCF_OBT_EV_OWNED);
  assert_int_equal(w->out[1].type, OCF_OBT_EV_OWNED);
  ocf_sim_run_for(w->net, SETTLE_MS);
  pair_once_result res = {0};
  size_t t0 = w->sp.attempts, d0 = r[0].sp.attempts;
  ocf_sim_platform *sp = side == SIDE_TOOL ? &w->sp : side == SIDE_DEVICE ? &r[0].sp : NULL;
  if (sp && nth) ocf_sim_fail_alloc(sp, nth, from_n_on());
  pair_state s;
  ocf_err err = pair(w, &s);
  ocf_sim_run_for(w->net, SETTLE_MS);
  res.tool_attempts = w->sp.attempts - t0;
  res.dev_attempts = r[0].sp.attempts - d0;
  res.tool_live = w->sp.live;
  res.dev_live = r[0].sp.live;
  if (sp) {
    res.fired = sp->failures > 0;
    ocf_sim_fail_alloc(sp, 0, false);
  }
  if (clean && (res.tool_live > clean->tool_live || res.dev_live > clean->dev_live))
    fail_msg(
        "pair N=%zu: more allocations live once the run ended (tool %zu, device %zu) than after the clean "
        "run (%zu, %zu)",
        nth, res.tool_live, res.dev_live, clean->tool_live, clean->dev_live);
  if (err) {
    res.api_error = true;
  } else {
    res.ok = s.r.ok;
    for (size_t i = 0; i < 2 && !s.r.ok; i++) {
      const ocf_obt_pair_side *sd = &s.r.side[i];
      if (!sd->ok && (!sd->failure.stage || !sd->failure.stage[0] ||
                      (sd->failure.err == OCF_OK && sd->failure.code == 0)))
        fail_msg("pair N=%zu: side %zu failed without a reason", nth, i);
    }
    if (!s.r.ok && s.r.side[0].ok && s.r.side[1].ok && s.r.store_err == OCF_OK)
      fail_msg("pair N=%zu: failed without a failing side", nth);
    assert_pairing_consistent(w, r, &s, nth);
  }
  for (size_t i = 0; i < 2; i++) { /* both stay owned, on the device and in the store */
    assert_int_equal(ocf_device_get_state(r[i].dev), OCF_DEVICE_RFPRO);
    ocf_obt_device_record rec;
    assert_int_equal(ocf_obt_store_device_get(w->store, &w->out[i].uuid, &rec), OCF_OK);
    assert_int_equal(rec.state, OCF_OBT_DEVICE_OWNED);
    uint8_t psk[64];
    size_t len = 0;
    assert_int_equal(ocf_obt_store_secret_get(w->store, &w->out[i].uuid, "owner-psk", psk, sizeof psk, &len),
                     OCF_OK);
  }
  if (!res.ok) { /* a second clean run pairs them */
    assert_int_equal(pair(w, &s), OCF_OK);
    if (!s.r.ok) fail_msg("pair N=%zu: the second clean run failed", nth);
    assert_pairing_consistent(w, r, &s, nth);
  }
  real_dev_stop(&r[1]);
  real_dev_stop(&r[0]);
  world_free(w);
  free(w);
  return res;
}

static void torture_pair(enum side side) {
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  pair_once_result clean = pair_once(SIDE_NONE, 0, NULL);
  assert_true(clean.ok);
  figures f = {.scenario = "pair", .side = side == SIDE_TOOL ? "tool" : "device", .step = step_from_env()};
  f.allocs = side == SIDE_TOOL ? clean.tool_attempts : clean.dev_attempts;
  assert_true(f.allocs > 0);
  for (size_t n = 1; n <= f.allocs; n += f.step) {
    pair_once_result res = pair_once(side, n, &clean);
    f.tried++;
    if (!res.fired) f.not_reached++;
    if (res.ok) {
      f.succeeded++;
    } else {
      f.failed++;
      f.rerun_owned++;
    }
  }
  print_figures(&f);
}

static void test_pair_tool_allocations(void **state) {
  (void)state;
  torture_pair(SIDE_TOOL);
}

static void test_pair_device_allocations(void **state) {
  (void)state;
  torture_pair(SIDE_DEVICE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_onboarding_device_allocations),
      cmocka_unit_test(test_onboarding_tool_allocations),
      cmocka_unit_test(test_restart_device_allocations),
      cmocka_unit_test(test_acl_add_device_allocations),
      cmocka_unit_test(test_acl_add_tool_allocations),
      cmocka_unit_test(test_pair_device_allocations),
      cmocka_unit_test(test_pair_tool_allocations),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  /* A bug (crash, leak, unclean error, inconsistent state) fails the test that met it. */
  printf("torture: bugs found: %d%s\n", failed, failed ? " (the failed tests above)" : "");
  return failed;
}
