/* Hostile peers and device power cuts around onboarding (issue 7 items 3 and 5), in simulation:
 * real ocf_obt engines (with their SQLite domain stores) and a real ocf_device (src/device with
 * its sealed store on a memory medium) on the in-memory network of tests/sim, fake clock.
 *
 * 1. A second tool racing a claim: tool A onboards the device; the moment A begins each step of
 *    the DOTS table, tool B starts onboarding the same device (its OTM policy another method the
 *    device offers). Digest 3.6: one onboarding connection at a time. Exactly one tool owns the
 *    device afterwards, the device's owner and owner credential are that tool's, the other
 *    tool's store holds nothing owned nor any owner credential; once A's onboarding connection
 *    is up (B started at A's om or later), A is the one.
 * 2. A power cut of the device at every datagram it receives during an onboarding: the device
 *    is destroyed without a word to its store (ocf_device_destroy saves nothing) either before it
 *    handles the Nth datagram or right after (its answers never leave), its store is closed and
 *    opened again from the medium, and the device is created from it at the same address. The
 *    tool's job ends, `recover` resolves what the store left "onboarding", and then: the device
 *    is either owned by the tool in RFPRO with the owner credential the store holds, or back in
 *    RFOTM unowned with nothing of the tool's, and the store agrees (no owned record without
 *    its credential, ocf_obt_store_check ok); a device left in RFOTM is claimed by a second
 *    onboarding. The count of crash points is printed (docs/HARDENING.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_device.h>

#include "device/device.h"
#include "device/sec.h"
#include "obt_world.h"
#include "store/memory/memory.h"

#define IDLE_MS 5000u        /* the device's session idle timeout: an abandoned DOC ends */
#define SETTLE_MS 120000u    /* abandoned sessions and handshakes end within this */
#define LIMIT_MS 600000u     /* a run that has not ended by then hangs */
#define DEV_LAST 0x30        /* the device's address: ep6(DEV_LAST, 5683) */
#define PIN_WRONG "00000000" /* what tool B answers when asked for a PIN */

/* --- the real device, with power cuts ------------------------------------------------------- */

typedef struct rdev {
  ocf_sim_platform sp;
  ocf_mem_medium *medium;
  ocf_store *store;
  ocf_device *dev;
  int node;
  ocf_sim_net *net;
  uint32_t otms[2];
  size_t n_otms;
  /* Power cut (crash test): the device's engine as the network sees it counts the datagrams it
   * is handed; at the cut_at-th one it dies before (cut_after false) or right after handling
   * it: from then on it takes nothing, sends nothing and runs no timer until it is restarted. */
  size_t rx, cut_at;
  bool cut_after, dead, was_cut;
} rdev;

static void rdev_store_open(rdev *r) {
  ocf_store_config sc;
  ocf_store_config_init(&sc);
  sc.max_record = 128u << 10;
  sc.has_key = true;
  memset(sc.key, 0x5a, sizeof sc.key);
  ocf_store_medium port = ocf_mem_medium_port(r->medium);
  assert_int_equal(ocf_store_open(&port, &sc, &r->sp.pf, &r->store), OCF_OK);
}

static void eng_handle(void *ctx, const ocf_endpoint *from, const uint8_t *data, size_t len,
                       ocf_time_ms now) {
  rdev *r = ctx;
  if (r->dead) return;
  r->rx++;
  bool cut = r->cut_at && r->rx == r->cut_at;
  if (cut && !r->cut_after) {
    r->dead = true;
    return;
  }
  ocf_engine e = ocf_device_engine(r->dev);
  e.ops->handle_datagram(e.ctx, from, data, len, now);
  if (cut) r->dead = true;
}
static size_t eng_next(void *ctx, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  rdev *r = ctx;
  if (r->dead) return 0;
  ocf_engine e = ocf_device_engine(r->dev);
  return e.ops->next_datagram(e.ctx, to, buf, cap);
}
static ocf_time_ms eng_timeout(void *ctx) {
  rdev *r = ctx;
  if (r->dead) return OCF_TIME_NEVER;
  ocf_engine e = ocf_device_engine(r->dev);
  return e.ops->next_timeout(e.ctx);
}
static void eng_on_timeout(void *ctx, ocf_time_ms now) {
  rdev *r = ctx;
  if (r->dead) return;
  ocf_engine e = ocf_device_engine(r->dev);
  e.ops->on_timeout(e.ctx, now);
}
static const ocf_engine_ops k_rdev_ops = {eng_handle, eng_next, eng_timeout, eng_on_timeout};

static void rdev_create(rdev *r) {
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
  memcpy(cfg.otms, r->otms, r->n_otms * sizeof r->otms[0]);
  cfg.n_otms = r->n_otms;
  cfg.store = r->store;
  cfg.session_idle_ms = IDLE_MS;
  assert_int_equal(ocf_device_create(&r->sp.pf, &cfg, &r->dev), OCF_OK);
  r->node = ocf_sim_add_node(r->net, (ocf_engine){&k_rdev_ops, r});
  assert_true(r->node >= 0);
  ocf_endpoint ep = ep6(DEV_LAST, 5683, 0);
  ocf_sim_node_add_addr(r->net, r->node, &ep);
}

static void rdev_start(rdev *r, ocf_sim_net *net, const uint32_t *otms, size_t n_otms, uint64_t seed) {
  memset(r, 0, sizeof *r);
  r->net = net;
  memcpy(r->otms, otms, n_otms * sizeof otms[0]);
  r->n_otms = n_otms;
  ocf_sim_platform_init(&r->sp, seed);
  r->sp.quiet = true;
  assert_int_equal(ocf_mem_medium_new(&r->sp.pf, 32, 128u << 10, &r->medium), OCF_OK);
  rdev_store_open(r);
  rdev_create(r);
}

/* The power comes back: the store is opened again from what the medium holds. */
static void rdev_restart(rdev *r) {
  ocf_sim_node_remove(r->net, r->node);
  ocf_device_destroy(r->dev);
  ocf_store_close(r->store);
  rdev_store_open(r);
  r->dead = false;
  r->cut_at = 0;
  r->was_cut = true;
  rdev_create(r);
}

static void rdev_stop(rdev *r) {
  ocf_sim_node_remove(r->net, r->node);
  ocf_device_destroy(r->dev);
  ocf_store_close(r->store);
  ocf_mem_medium_free(r->medium);
  assert_int_equal(r->sp.live, 0);
}

static const sec_models *models(const rdev *r) { return r->dev->sec->cur; }

/* The world's target 0 is the device as it is now. */
static void target(world *w, const rdev *r) {
  ocf_obt_onboard_device *t = &w->targets[0];
  memset(t, 0, sizeof *t);
  ocf_device_get_di(r->dev, &t->uuid);
  t->coap = ep6(DEV_LAST, 5683, 0);
  t->coaps = ep6(DEV_LAST, 5683, OCF_EP_SECURE);
  snprintf(t->name, sizeof t->name, "lamp");
  snprintf(t->type, sizeof t->type, "oic.d.light");
  w->n_dev = 1; /* w->dev[0] stays unused (no stack): world_free skips it */
}

/* --- driving --------------------------------------------------------------------------------- */

typedef struct race {
  world *a, *b;
  const char *at; /* B starts when A begins this step */
  bool go, b_started;
} race;

static void a_on_event(void *user, const ocf_obt_onboard_event *ev) {
  race *rc = user;
  on_event(rc->a, ev);
  if (ev->type == OCF_OBT_EV_STEP && rc->at && strcmp(ev->step, rc->at) == 0) rc->go = true;
}

static ocf_obt_wall_ms race_wall(void *user) { return wall_now(((race *)user)->a); }

/* Starts onboarding w's target 0: with the world's own callbacks, or (rc set) as tool A of rc. */
static ocf_err start_onboarding(world *w, race *rc, ocf_time_ms now) {
  memset(w->out, 0, sizeof w->out);
  w->all_done = false;
  ocf_obt_onboard_params p = {.store = w->store,
                              .devices = w->targets,
                              .n_devices = w->n_dev,
                              .wall_now = rc ? race_wall : wall_now,
                              .on_event = rc ? a_on_event : on_event,
                              .user = rc ? (void *)rc : (void *)w};
  return ocf_obt_onboard(w->obt, &p, now);
}

static bool race_done(void *user) {
  race *rc = user;
  return rc->a->all_done && (!rc->b_started || rc->b->all_done);
}

/* --- invariants ------------------------------------------------------------------------------ */

static bool owned_by(const rdev *r, const world *w) {
  const sec_models *m = models(r);
  return ocf_device_get_state(r->dev) == OCF_DEVICE_RFPRO && m->doxm.owned &&
         ocf_uuid_equal(&m->doxm.devowneruuid, &w->domain.tool_uuid);
}

typedef struct tally {
  size_t owned, onboarding, psk_missing;
  ocf_uuid owned_uuid;
  ocf_obt_store *store;
} tally;

static bool tally_each(void *user, const ocf_obt_device_record *d) {
  tally *t = user;
  uint8_t psk[64];
  size_t len;
  if (d->state == OCF_OBT_DEVICE_OWNED) {
    t->owned++;
    t->owned_uuid = d->uuid;
    if (ocf_obt_store_secret_get(t->store, &d->uuid, "owner-psk", psk, sizeof psk, &len) != OCF_OK)
      t->psk_missing++;
  }
  if (d->state == OCF_OBT_DEVICE_ONBOARDING) t->onboarding++;
  return true;
}

static tally store_tally(world *w) {
  tally t = {.store = w->store};
  assert_int_equal(ocf_obt_store_device_list(w->store, tally_each, &t), OCF_OK);
  assert_int_equal(ocf_obt_store_check(w->store), OCF_OK);
  return t;
}

/* The device and the store of w agree: owned by w on both sides with the same owner PSK, or not
 * owned by w on either (no credential of w's on the device when it is back in RFOTM). */
static bool assert_agree(world *w, const rdev *r, const char *what) {
  tally t = store_tally(w);
  if (t.psk_missing) fail_msg("%s: the store calls a device owned without its owner credential", what);
  if (owned_by(r, w)) {
    ocf_uuid di;
    ocf_device_get_di(r->dev, &di);
    if (t.owned != 1 || !ocf_uuid_equal(&t.owned_uuid, &di))
      fail_msg("%s: the device is owned by the tool, the store does not say so (%zu owned)", what, t.owned);
    const ocf_svr_cred_entry *c = ocf_svr_cred_find_psk(&models(r)->cred, &w->domain.tool_uuid);
    assert_non_null(c);
    uint8_t psk[64];
    size_t len = 0;
    assert_int_equal(ocf_obt_store_secret_get(w->store, &di, "owner-psk", psk, sizeof psk, &len), OCF_OK);
    if (len != c->private_len || memcmp(psk, c->private_data, len) != 0)
      fail_msg("%s: the store's owner PSK is not the device's", what);
    return true;
  }
  if (t.owned) fail_msg("%s: the store calls the device owned, the device is not", what);
  if (ocf_device_get_state(r->dev) == OCF_DEVICE_RFOTM &&
      ocf_svr_cred_has_subject(&models(r)->cred, &w->domain.tool_uuid))
    fail_msg("%s: the device is back in RFOTM but keeps a credential of the tool", what);
  return false;
}

/* --- 1. a second tool racing a claim ---------------------------------------------------------- */

typedef struct race_outcome {
  bool a_owns, b_owns;
  char a_step[32], b_step[32];
  char a_diag[OCF_OBT_DIAG_MAX + 1], b_diag[OCF_OBT_DIAG_MAX + 64];
} race_outcome;

static race_outcome race_at(const char *step, uint64_t seed) {
  world *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
  assert_non_null(a);
  assert_non_null(b);
  world_init(a, seed, 4, 2, "jw");
  world_init(b, seed + 1000, 4, 2, "rdp");
  b->pin_to_give = PIN_WRONG; /* B does not know the PIN: it only wants the device's attention */
  /* B lives on A's network, at its own address. */
  ocf_sim_node_remove(b->net, b->obt_node);
  b->obt_node = ocf_sim_add_node(a->net, ocf_obt_engine(b->obt));
  assert_true(b->obt_node >= 0);
  ocf_endpoint bep = ep6(0x02, 40002, 0);
  ocf_sim_node_add_addr(a->net, b->obt_node, &bep);
  static const uint32_t otms[] = {OCF_DEVICE_OTM_JUST_WORKS, OCF_DEVICE_OTM_RANDOM_PIN};
  rdev r;
  rdev_start(&r, a->net, otms, 2, seed);
  target(a, &r);
  target(b, &r);

  race rc = {.a = a, .b = b, .at = step};
  assert_int_equal(start_onboarding(a, &rc, ocf_sim_now(a->net)), OCF_OK);
  ocf_sim_flush(a->net);
  ocf_time_ms end = ocf_sim_now(a->net) + LIMIT_MS;
  while (!race_done(&rc) && ocf_sim_now(a->net) < end) {
    if (!ocf_sim_step(a->net)) break;
    if (rc.go && !rc.b_started) {
      rc.b_started = true;
      assert_int_equal(start_onboarding(b, NULL, ocf_sim_now(a->net)), OCF_OK);
      ocf_sim_flush(a->net);
    }
  }
  assert_true(rc.b_started);
  assert_true(race_done(&rc));
  ocf_sim_run_for(a->net, SETTLE_MS);

  race_outcome o = {0};
  o.a_owns = assert_agree(a, &r, "tool A");
  o.b_owns = assert_agree(b, &r, "tool B");
  /* Before A's onboarding connection is up, B may still win it, or spoil A's (its oxmsel comes
   * later: anyone may select the OTM in RFOTM, SECURITY.md); never may both own it. */
  if (o.a_owns && o.b_owns)
    fail_msg("B started at A's %s: both own the device (A %s at %s, B %s at %s)", step,
             a->out[0].type == OCF_OBT_EV_OWNED ? "owned" : "failed", a->out[0].step,
             b->out[0].type == OCF_OBT_EV_OWNED ? "owned" : "failed", b->out[0].step);
  const world *tools[2] = {a, b};
  for (size_t i = 0; i < 2; i++) {
    if (tools[i]->out[0].type == OCF_OBT_EV_OWNED) continue;
    assert_int_equal(tools[i]->out[0].type, OCF_OBT_EV_FAILED);
    assert_true(tools[i]->out[0].step[0] != '\0'); /* the failure names its step */
  }
  if (!o.a_owns && !o.b_owns && ocf_device_get_state(r.dev) != OCF_DEVICE_RFOTM)
    fail_msg("B started at A's %s: nobody owns the device and it is not back in RFOTM", step);
  snprintf(o.a_step, sizeof o.a_step, "%s", a->out[0].step);
  snprintf(o.b_step, sizeof o.b_step, "%s", b->out[0].step);
  snprintf(o.a_diag, sizeof o.a_diag, "%s", a->out[0].diagnostic);
  snprintf(o.b_diag, sizeof o.b_diag, "%u %s: %s", b->out[0].code, ocf_strerror(b->out[0].err),
           b->out[0].diagnostic);

  rdev_stop(&r);
  world_free(b);
  world_free(a);
  free(a);
  free(b);
  return o;
}

static void test_a_second_tool_racing_a_claim_is_refused(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  size_t a_won = 0, b_won = 0;
  for (size_t k = 0; k < N_STORE_STEPS; k++) {
    race_outcome o = race_at(k_store_steps[k], 11 + k);
    /* Once A's onboarding connection is up, the device takes no other (digest 3.6). */
    bool doc_up = k >= 2; /* A's handshake was accepted before B's oxmsel could come */
    if (doc_up && !o.a_owns) fail_msg("B started at A's %s and took the device", k_store_steps[k]);
    if (o.b_owns) fail_msg("B (without the PIN) took the device at A's %s", k_store_steps[k]);
    a_won += o.a_owns;
    b_won += o.b_owns;
    printf("race: B (rdp, wrong PIN) started at A's %-16s -> %s; B failed at %s (%s)\n", k_store_steps[k],
           o.a_owns ? "A owns the device" : "nobody owns it (back in RFOTM)", o.b_step, o.b_diag);
    if (!o.a_owns) printf("      A failed at %s: %s\n", o.a_step, o.a_diag);
  }
  printf("race: %zu race points: the first tool kept the device in %zu, the second took it in %zu\n",
         (size_t)N_STORE_STEPS, a_won, b_won);
}

/* --- 2. power cuts of the device at every datagram of an onboarding --------------------------- */

typedef struct crash_figures {
  size_t points, owned, rolled_back, recovered, second_run;
} crash_figures;

typedef struct lc_state {
  world *w;
  bool done;
  size_t ok, failed;
} lc_state;

static void on_lc_result(void *user, const ocf_obt_lc_result *res) { (void)user, (void)res; }
static void on_lc_done(void *user, size_t n_ok, size_t n_failed) {
  lc_state *s = user;
  s->done = true;
  s->ok = n_ok;
  s->failed = n_failed;
}
static bool lc_done(void *user) { return ((lc_state *)user)->done; }
static ocf_obt_wall_ms lc_wall(void *user) { return wall_now(((lc_state *)user)->w); }

typedef struct onboarding_list {
  ocf_uuid uuids[4];
  size_t n;
} onboarding_list;

static bool each_onboarding(void *user, const ocf_obt_device_record *d) {
  onboarding_list *l = user;
  if (d->state == OCF_OBT_DEVICE_ONBOARDING && l->n < 4) l->uuids[l->n++] = d->uuid;
  return true;
}

/* What `obt recover` does: every record left "onboarding" is resolved. */
static size_t recover(world *w) {
  onboarding_list l = {0};
  assert_int_equal(ocf_obt_store_device_list(w->store, each_onboarding, &l), OCF_OK);
  if (!l.n) return 0;
  ocf_obt_lc_device devs[4];
  for (size_t i = 0; i < l.n; i++)
    devs[i] = (ocf_obt_lc_device){
        .uuid = l.uuids[i], .coaps = ep6(DEV_LAST, 5683, OCF_EP_SECURE), .coap = ep6(DEV_LAST, 5683, 0)};
  lc_state s = {.w = w};
  ocf_obt_lc_params p = {.store = w->store,
                         .action = OCF_OBT_LC_RECOVER,
                         .devices = devs,
                         .n_devices = l.n,
                         .wall_now = lc_wall,
                         .on_result = on_lc_result,
                         .on_done = on_lc_done,
                         .user = &s};
  assert_int_equal(ocf_obt_lifecycle(w->obt, &p, ocf_sim_now(w->net)), OCF_OK);
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, lc_done, &s, LIMIT_MS));
  if (s.failed) fail_msg("recover failed for %zu record(s)", s.failed);
  return l.n;
}

/* One onboarding with a power cut at the cut_at-th datagram the device receives (0: none).
 * Returns the number of datagrams the device received (the clean run's crash-point count). */
static size_t crash_once(size_t cut_at, bool after, crash_figures *f) {
  world *w = calloc(1, sizeof *w);
  assert_non_null(w);
  world_init(w, 21, 4, 2, "jw");
  static const uint32_t otms[] = {OCF_DEVICE_OTM_JUST_WORKS};
  rdev r;
  rdev_start(&r, w->net, otms, 1, 5);
  target(w, &r);
  r.cut_at = cut_at;
  r.cut_after = after;
  assert_int_equal(start_onboarding(w, NULL, ocf_sim_now(w->net)), OCF_OK);
  ocf_sim_flush(w->net);
  ocf_time_ms end = ocf_sim_now(w->net) + LIMIT_MS;
  while (!w->all_done && ocf_sim_now(w->net) < end) {
    if (!ocf_sim_step(w->net)) break;
    if (r.dead) rdev_restart(&r); /* the power comes back at once: the harshest timing */
  }
  if (!w->all_done)
    fail_msg("cut at %zu (%s): the onboarding did not end", cut_at, after ? "after" : "before");
  size_t received = r.rx;
  if (cut_at && !r.was_cut) fail_msg("cut at %zu: the device never received that many datagrams", cut_at);
  ocf_sim_run_for(w->net, SETTLE_MS);
  char what[64];
  snprintf(what, sizeof what, "cut %s datagram %zu", after ? "after" : "before", cut_at);
  size_t recovered = recover(w);
  ocf_sim_run_for(w->net, SETTLE_MS);
  if (store_tally(w).onboarding) fail_msg("%s: a record is still 'onboarding' after recover", what);
  bool owned = assert_agree(w, &r, what);
  if (f) {
    f->points++;
    f->recovered += recovered;
    if (owned)
      f->owned++;
    else
      f->rolled_back++;
  }
  if (!owned) {
    /* Nothing lost: the device is unowned and claimable again. */
    if (ocf_device_get_state(r.dev) != OCF_DEVICE_RFOTM || models(&r)->doxm.owned)
      fail_msg("%s: neither owned by the tool nor back in RFOTM (state %d)", what,
               (int)ocf_device_get_state(r.dev));
    target(w, &r);
    assert_int_equal(start_onboarding(w, NULL, ocf_sim_now(w->net)), OCF_OK);
    ocf_sim_flush(w->net);
    assert_true(ocf_sim_run_until(w->net, done, w, LIMIT_MS));
    if (w->out[0].type != OCF_OBT_EV_OWNED)
      fail_msg("%s: the second onboarding failed at %s: %s", what, w->out[0].step, w->out[0].diagnostic);
    assert_true(assert_agree(w, &r, what));
    if (f) f->second_run++;
  }
  rdev_stop(&r);
  world_free(w);
  free(w);
  return received;
}

static void test_device_power_cut_at_every_datagram_of_an_onboarding(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  size_t n = crash_once(0, false, NULL);
  assert_true(n > N_EXPECTED); /* the handshake's flights and the requests */
  crash_figures f = {0};
  for (size_t k = 1; k <= n; k++) {
    crash_once(k, false, &f);
    crash_once(k, true, &f);
  }
  printf(
      "device power cuts: %zu crash points (before and after each of the %zu datagrams the device receives "
      "in an onboarding); afterwards owned and recorded %zu, back in RFOTM %zu (all claimed by a second "
      "onboarding: %zu), records resolved by recover %zu\n",
      f.points, n, f.owned, f.rolled_back, f.second_run, f.recovered);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_second_tool_racing_a_claim_is_refused),
      cmocka_unit_test(test_device_power_cut_at_every_datagram_of_an_onboarding),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
