/* Onboarding over a lossy network (issue 7 item 4), in simulation: one OBT engine claims 20 real
 * ocf_device instances (src/device: DTLS glue, OTMs, PIN, sealed in-memory stores) on the
 * in-memory network of tests/sim, whose datagrams are dropped, duplicated and reordered by a
 * seeded generator, in both directions. Loss levels 0%, 10% and 30%, several seeds each.
 *
 * Only correctness is asserted, never time: every job ends with one final event; a device the
 * tool calls owned is in RFPRO, owned by the tool, under the uuid the tool recorded, with the
 * owner PSK the store holds; a device whose job failed is not owned in the store and, once its
 * abandoned onboarding connection has idled out (digest 3.6), is back in RFOTM without an owner
 * credential of ours — or, when the tool could not tell whether the device committed the owner
 * credential (ADR 0016's "uncertain" failure), the store kept that credential. A second
 * onboarding without loss then claims every device the first left in RFOTM. With the retries of
 * obt onboard (ocf_obt_config.step_retries: requests, the owner credential, and handshakes from
 * oxmsel, src/obt/onboard_retry.c) the 10% and 30% rows must claim every device in the lossy run.
 *
 * The figures (success rate, simulated time per device, requests and datagrams) are printed;
 * docs/HARDENING.md ("Lossy networks") quotes them. */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ocf/ocf_device.h>
#include <ocf/ocf_obt_onboard.h>
#include <ocf/ocf_posix.h>

#include "device/sec.h"
#include "device/sec_dtls.h"
#include "sim/sim.h"
#include "stack/stack.h"
#include "store/memory/memory.h"

#define N_DEV 20
#define N_RDP 3 /* the last N_RDP devices offer Random PIN only; the others Just Works */
#define N_SEEDS 3
#define T_START 1000000u
/* The device's inactivity timeout for an abandoned onboarding connection (digest 3.6): the
 * default, 10 minutes, as ocf-device runs. Simulated time is free. */
#define IDLE_MS 600000u

typedef struct lossy lossy;

typedef struct rdev {
  ocf_sim_platform sp;
  ocf_mem_medium *medium;
  ocf_store *store;
  ocf_device *dev;
  int node;
  char pin[33]; /* the PIN it showed last (digest 4.3: a new one per oxmsel) */
} rdev;

typedef struct outcome {
  ocf_obt_onboard_event_type type; /* OWNED or FAILED; 0 none yet */
  ocf_uuid uuid;
  bool uncertain;
  char step[32];
  char diagnostic[OCF_OBT_DIAG_MAX + 1];
  ocf_err err;
  ocf_time_ms first_step, end;
  uint32_t requests;
} outcome;

struct lossy {
  ocf_sim_net *net;
  ocf_sim_platform sp;
  ocf_obt *obt;
  char root[64], db[96];
  ocf_obt_store *store;
  ocf_obt_domain domain;
  rdev dev[N_DEV];
  ocf_obt_onboard_device targets[N_DEV];
  size_t target_dev[N_DEV]; /* the device of each job */
  size_t n_targets;
  outcome out[N_DEV];
  bool all_done;
  int obt_node;
  /* A blackout: every datagram from the tool to device blackout_dev (its job has the same index)
   * is lost for blackout_ms once that job's step blackout_step begins; with blackout_doc, every
   * datagram from the device to the tool instead, while the device holds an onboarding
   * connection (test_a_retried_step_survives_a_blackout, test_a_retried_handshake_...). */
  const char *blackout_step;
  size_t blackout_dev;
  bool blackout_doc;
  ocf_time_ms blackout_from, blackout_ms;
  unsigned pins_asked[N_DEV];
  /* The device of job close_job closes its onboarding connection when the job's step close_step
   * begins (test_a_lost_onboarding_connection_starts_over). */
  const char *close_step;
  size_t close_job;
  bool close_due;
};

/* One loss level over every seed. */
typedef struct figures {
  unsigned loss, dup, reorder;
  uint32_t step_timeout_ms, step_retries;
  size_t devices, owned, failed, uncertain, second_owned;
  ocf_time_ms t[N_DEV * N_SEEDS]; /* per owned device: its first step to OWNED, simulated ms */
  size_t n_t;
  size_t requests, dgram_in, dgram_out, handshakes;
  size_t net_sent, net_dropped, net_dup, net_reordered;
  char fail_steps[256];
} figures;

static ocf_endpoint dev_ep(size_t i, uint8_t flags) {
  ocf_endpoint ep = {.family = OCF_IPV6, .port = 5683, .flags = flags};
  ep.addr[0] = 0x20;
  ep.addr[1] = 0x01;
  ep.addr[2] = 0x0d;
  ep.addr[3] = 0xb8;
  ep.addr[14] = 1;
  ep.addr[15] = (uint8_t)i;
  return ep;
}

static ocf_obt_wall_ms wall_now(void *user) {
  lossy *w = user;
  return (ocf_obt_wall_ms)ocf_sim_now(w->net);
}

/* --- the devices ------------------------------------------------------------------------------ */

/* Digest 4.3: a Random PIN device shows a new PIN when oxmsel selects it; the "user" reads it. */
static void on_device_event(void *user, ocf_device *d, const ocf_device_event *ev) {
  rdev *r = user;
  (void)d;
  if (ev->type != OCF_DEVICE_EV_OTM_SELECTED || !ev->pin) return;
  assert_true(strlen(ev->pin) < sizeof r->pin);
  snprintf(r->pin, sizeof r->pin, "%s", ev->pin);
}

static void dev_start(lossy *w, size_t i, uint64_t seed) {
  rdev *r = &w->dev[i];
  memset(r, 0, sizeof *r);
  ocf_sim_platform_init(&r->sp, seed * 1000 + i + 1);
  r->sp.quiet = true;
  assert_int_equal(ocf_mem_medium_new(&r->sp.pf, 32, 128u << 10, &r->medium), OCF_OK);
  ocf_store_config sc;
  ocf_store_config_init(&sc);
  sc.max_record = 128u << 10;
  sc.has_key = true;
  assert_int_equal(r->sp.pf.random(r->sp.pf.ctx, sc.key, sizeof sc.key), OCF_OK);
  ocf_store_medium port = ocf_mem_medium_port(r->medium);
  assert_int_equal(ocf_store_open(&port, &sc, &r->sp.pf, &r->store), OCF_OK);
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
  cfg.otms[0] = i >= N_DEV - N_RDP ? OCF_DEVICE_OTM_RANDOM_PIN : OCF_DEVICE_OTM_JUST_WORKS;
  cfg.n_otms = 1;
  cfg.on_event = on_device_event;
  cfg.event_user = r;
  cfg.store = r->store;
  cfg.session_idle_ms = IDLE_MS;
  assert_int_equal(ocf_device_create(&r->sp.pf, &cfg, &r->dev), OCF_OK);
  r->node = ocf_sim_add_node(w->net, ocf_device_engine(r->dev));
  assert_true(r->node >= 0);
  ocf_endpoint ep = dev_ep(i, 0);
  ocf_sim_node_add_addr(w->net, r->node, &ep);
}

static void dev_stop(rdev *r) {
  ocf_device_destroy(r->dev);
  ocf_store_close(r->store);
  ocf_mem_medium_free(r->medium);
  assert_int_equal(r->sp.live, 0);
}

static const sec_models *models(const rdev *r) { return r->dev->sec->cur; }

/* --- the tool --------------------------------------------------------------------------------- */

static void on_event(void *user, const ocf_obt_onboard_event *ev) {
  lossy *w = user;
  if (ev->type == OCF_OBT_EV_ALL_DONE) {
    w->all_done = true;
    return;
  }
  assert_true(ev->job < w->n_targets);
  outcome *o = &w->out[ev->job];
  if (ev->type == OCF_OBT_EV_STEP && !o->first_step) o->first_step = ev->now;
  if (ev->type == OCF_OBT_EV_STEP && ev->job == w->blackout_dev && w->blackout_step && !w->blackout_from &&
      strcmp(ev->step, w->blackout_step) == 0)
    w->blackout_from = ev->now;
  if (ev->type == OCF_OBT_EV_STEP && w->close_step && ev->job == w->close_job &&
      strcmp(ev->step, w->close_step) == 0)
    w->close_due = true;
  if (ev->type == OCF_OBT_EV_PIN_NEEDED) {
    w->pins_asked[ev->job]++;
    const char *pin = w->dev[w->target_dev[ev->job]].pin;
    assert_int_equal(ocf_obt_onboard_pin(w->obt, ev->job, pin, strlen(pin), ev->now), OCF_OK);
  }
  if (ev->type != OCF_OBT_EV_OWNED && ev->type != OCF_OBT_EV_FAILED) return;
  assert_int_equal(o->type, 0); /* one final event per job */
  o->type = ev->type;
  o->uuid = ev->uuid;
  o->end = ev->now;
  o->requests = ev->requests;
  if (ev->failure) {
    snprintf(o->step, sizeof o->step, "%s", ev->failure->step);
    o->uncertain = ev->failure->uncertain;
    o->err = ev->failure->err;
    snprintf(o->diagnostic, sizeof o->diagnostic, "%s", ev->failure->diagnostic);
    if (getenv("OBT_LOSSY_VERBOSE"))
      printf("      job %zu failed at %s after %llu ms (%s): %s\n", ev->job, o->step,
             (unsigned long long)(ev->now - o->first_step), ocf_strerror(o->err), o->diagnostic);
  }
}

static void world_init(lossy *w, uint64_t seed, uint32_t step_timeout_ms, uint32_t step_retries) {
  memset(w, 0, sizeof *w);
  w->net = ocf_sim_net_new(seed, T_START);
  ocf_sim_set_latency(w->net, 1, 5);
  ocf_sim_platform_init(&w->sp, seed);
  w->sp.quiet = !getenv("OBT_LOSSY_LOG");
  /* tmpfs when there is one: the store commits every step, and the figures are not about fsync */
  struct stat st;
  const char *tmpl = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm/ocf-lossy-XXXXXX"
                                                                       : "/tmp/ocf-lossy-XXXXXX";
  snprintf(w->root, sizeof w->root, "%s", tmpl);
  assert_non_null(mkdtemp(w->root));
  snprintf(w->db, sizeof w->db, "%s/domain.db", w->root);
  assert_int_equal(ocf_posix_private_file_prepare(w->db, true, &w->sp.pf, NULL), OCF_OK);
  static const uint8_t key[OCF_OBT_DOMAIN_KEY_LEN] = {7, 7, 7};
  ocf_obt_store_key k = {.kind = OCF_OBT_KEY_FILE, .secret = key, .len = sizeof key};
  ocf_obt_domain d = {.priv = false};
  snprintf(d.name, sizeof d.name, "Lab");
  snprintf(d.otm_policy, sizeof d.otm_policy, "jw,rdp");
  assert_int_equal(ocf_obt_store_create(w->db, &d, &k, false, 1, &w->sp.pf, &w->store), OCF_OK);
  assert_int_equal(ocf_obt_store_domain_get(w->store, &w->domain), OCF_OK);
  /* The engine as `obt onboard` runs it (16 jobs, 4 handshakes, 30 s per step, 2 retries), or
   * with another step deadline (`--timeout`) or no retries (the library's default). */
  ocf_obt_config cfg;
  ocf_obt_config_init(&cfg);
  cfg.step_timeout_ms = step_timeout_ms;
  cfg.step_retries = step_retries;
  assert_int_equal(ocf_obt_create(&w->sp.pf, &cfg, &w->obt), OCF_OK);
  int node = ocf_sim_add_node(w->net, ocf_obt_engine(w->obt));
  assert_true(node >= 0);
  w->obt_node = node;
  ocf_endpoint ep = dev_ep(0xf0, 0);
  ep.port = 40001;
  ocf_sim_node_add_addr(w->net, node, &ep);
  for (size_t i = 0; i < N_DEV; i++) dev_start(w, i, seed);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void world_free(lossy *w) {
  ocf_obt_destroy(w->obt);
  for (size_t i = 0; i < N_DEV; i++) dev_stop(&w->dev[i]);
  ocf_obt_store_close(w->store);
  assert_int_equal(w->sp.live, 0);
  nftw(w->root, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
  ocf_sim_net_free(w->net);
}

static bool done(void *user) {
  const lossy *w = user;
  return w->all_done || w->close_due;
}

/* The device of close_job ends its onboarding connection with the tool (as its idle timeout
 * would): in RFOTM it resets itself (digest 3.6). */
static void close_device_doc(lossy *w) {
  w->close_due = false;
  w->close_step = NULL;
  ocf_endpoint tool = dev_ep(0xf0, OCF_EP_SECURE);
  tool.port = 40001;
  assert_int_equal(
      ocf_stack_close(w->dev[w->target_dev[w->close_job]].dev->stack, &tool, ocf_sim_now(w->net)), OCF_OK);
  ocf_sim_flush(w->net);
}

/* Onboards every device still in RFOTM, as discovery would have found it (its current uuid). */
static size_t onboard_unowned(lossy *w) {
  w->n_targets = 0;
  w->all_done = false;
  memset(w->out, 0, sizeof w->out);
  for (size_t i = 0; i < N_DEV; i++) {
    if (ocf_device_get_state(w->dev[i].dev) != OCF_DEVICE_RFOTM) continue;
    ocf_obt_onboard_device *t = &w->targets[w->n_targets];
    memset(t, 0, sizeof *t);
    ocf_device_get_di(w->dev[i].dev, &t->uuid);
    t->coap = dev_ep(i, 0);
    t->coaps = dev_ep(i, OCF_EP_SECURE);
    snprintf(t->name, sizeof t->name, "lamp %zu", i);
    snprintf(t->type, sizeof t->type, "oic.d.light");
    w->target_dev[w->n_targets++] = i;
  }
  if (!w->n_targets) return 0;
  ocf_obt_onboard_params p = {.store = w->store,
                              .devices = w->targets,
                              .n_devices = w->n_targets,
                              .wall_now = wall_now,
                              .on_event = on_event,
                              .user = w};
  assert_int_equal(ocf_obt_onboard(w->obt, &p, ocf_sim_now(w->net)), OCF_OK);
  ocf_sim_flush(w->net);
  /* Bounded: every step has a deadline (30 s) and a job has 13 steps and a rollback. */
  ocf_time_ms limit = ocf_sim_now(w->net) + 3600000;
  while (!w->all_done) {
    assert_true(ocf_sim_run_until(w->net, done, w, limit - ocf_sim_now(w->net)));
    if (w->close_due) close_device_doc(w);
  }
  assert_false(ocf_obt_onboarding(w->obt));
  for (size_t j = 0; j < w->n_targets; j++) assert_int_not_equal(w->out[j].type, 0);
  return w->n_targets;
}

/* --- the invariants --------------------------------------------------------------------------- */

static bool device_holds_our_credential(const lossy *w, const rdev *r) {
  return ocf_svr_cred_has_subject(&models(r)->cred, &w->domain.tool_uuid);
}

/* The owner PSK the device holds for the tool equals the one the store holds for uuid. */
static void assert_same_owner_psk(lossy *w, const rdev *r, const ocf_uuid *uuid) {
  const ocf_svr_cred_entry *c = ocf_svr_cred_find_psk(&models(r)->cred, &w->domain.tool_uuid);
  assert_non_null(c);
  uint8_t psk[64];
  size_t len = 0;
  assert_int_equal(ocf_obt_store_secret_get(w->store, uuid, "owner-psk", psk, sizeof psk, &len), OCF_OK);
  assert_int_equal(len, c->private_len);
  assert_memory_equal(psk, c->private_data, len);
}

/* Checks the outcome of job j against the device and the store (after the settling time). */
static void check_job(lossy *w, size_t j, figures *f) {
  const outcome *o = &w->out[j];
  rdev *r = &w->dev[w->target_dev[j]];
  const sec_models *m = models(r);
  ocf_obt_device_record rec;
  assert_int_equal(ocf_obt_store_device_get(w->store, &o->uuid, &rec), OCF_OK);
  if (o->type == OCF_OBT_EV_OWNED) {
    ocf_uuid di;
    ocf_device_get_di(r->dev, &di);
    assert_int_equal(ocf_device_get_state(r->dev), OCF_DEVICE_RFPRO);
    assert_true(m->doxm.owned);
    assert_true(ocf_uuid_equal(&m->doxm.devowneruuid, &w->domain.tool_uuid));
    assert_true(ocf_uuid_equal(&di, &o->uuid));
    assert_int_equal(rec.state, OCF_OBT_DEVICE_OWNED);
    assert_same_owner_psk(w, r, &o->uuid);
    return;
  }
  size_t n = strlen(f->fail_steps);
  if (n + 40 < sizeof f->fail_steps)
    snprintf(f->fail_steps + n, sizeof f->fail_steps - n, "%s%s%s", n ? " " : "", o->step,
             o->uncertain ? "(uncertain)" : "");
  if (o->uncertain) {
    /* ADR 0016: the store keeps the credential and the device "onboarding", for obt recover. */
    f->uncertain++;
    assert_int_equal(rec.state, OCF_OBT_DEVICE_ONBOARDING);
    if (device_holds_our_credential(w, r)) assert_same_owner_psk(w, r, &o->uuid);
    return;
  }
  /* Failed and rolled back: not owned in the store, no owner PSK there; the device back in
   * RFOTM, unowned, without a credential naming the tool. */
  assert_int_equal(rec.state, OCF_OBT_DEVICE_FAILED);
  uint8_t psk[64];
  size_t len;
  assert_int_equal(ocf_obt_store_secret_get(w->store, &o->uuid, "owner-psk", psk, sizeof psk, &len),
                   OCF_ERR_NOT_FOUND);
  if (ocf_device_get_state(r->dev) != OCF_DEVICE_RFOTM || m->doxm.owned || device_holds_our_credential(w, r))
    fail_msg("device %zu failed at %s but is in state %d, owned %d, with our credential %d", w->target_dev[j],
             o->step, (int)ocf_device_get_state(r->dev), m->doxm.owned, device_holds_our_credential(w, r));
}

typedef struct count_owned {
  size_t owned;
} count_owned;

static bool each_device(void *user, const ocf_obt_device_record *d) {
  count_owned *c = user;
  if (d->state == OCF_OBT_DEVICE_OWNED) c->owned++;
  return true;
}

/* Devices owned by the tool on their side = devices the store calls owned. */
static size_t assert_store_matches_devices(lossy *w) {
  size_t on_devices = 0;
  for (size_t i = 0; i < N_DEV; i++) {
    const rdev *r = &w->dev[i];
    if (ocf_device_get_state(r->dev) == OCF_DEVICE_RFPRO && models(r)->doxm.owned &&
        ocf_uuid_equal(&models(r)->doxm.devowneruuid, &w->domain.tool_uuid))
      on_devices++;
  }
  count_owned c = {0};
  assert_int_equal(ocf_obt_store_device_list(w->store, each_device, &c), OCF_OK);
  assert_int_equal(c.owned, on_devices);
  assert_int_equal(ocf_obt_store_check(w->store), OCF_OK);
  return on_devices;
}

/* --- one run ---------------------------------------------------------------------------------- */

static void run_one(figures *f, uint64_t seed) {
  lossy *w = calloc(1, sizeof *w);
  assert_non_null(w);
  world_init(w, seed, f->step_timeout_ms, f->step_retries);
  ocf_sim_set_faults(w->net, f->loss, f->dup, f->reorder, 50);
  assert_int_equal(onboard_unowned(w), N_DEV);
  ocf_obt_onboard_stats st;
  ocf_sim_run_for(w->net, 1000); /* the final close_notify records go out */
  ocf_obt_onboard_stats_get(w->obt, &st);
  const ocf_sim_stats *ns = ocf_sim_stats_get(w->net);
  f->requests += st.requests;
  f->handshakes += st.handshakes;
  f->dgram_in += st.datagrams_in;
  f->dgram_out += st.datagrams_out;
  f->net_sent += ns->sent;
  f->net_dropped += ns->dropped;
  f->net_dup += ns->duplicated;
  f->net_reordered += ns->reordered;
  /* Abandoned onboarding connections idle out on the devices (digest 3.6), still under loss. */
  ocf_sim_run_for(w->net, IDLE_MS + 60000);
  size_t run_owned = 0;
  for (size_t j = 0; j < w->n_targets; j++) {
    f->devices++;
    if (w->out[j].type == OCF_OBT_EV_OWNED) {
      f->owned++;
      run_owned++;
      f->t[f->n_t++] = w->out[j].end - w->out[j].first_step;
    } else {
      f->failed++;
    }
    check_job(w, j, f);
  }
  assert_int_equal(assert_store_matches_devices(w), run_owned);
  /* The rest, without loss: every device left in RFOTM is claimed (the uncertain ones that did
   * commit need obt recover first, which test_obt_lifecycle covers). */
  ocf_sim_set_faults(w->net, 0, 0, 0, 0);
  size_t again = onboard_unowned(w);
  for (size_t j = 0; j < again; j++) {
    assert_int_equal(w->out[j].type, OCF_OBT_EV_OWNED);
    figures scratch = {0};
    check_job(w, j, &scratch);
    f->second_owned++;
  }
  assert_store_matches_devices(w);
  world_free(w);
  free(w);
}

static int cmp_time(const void *a, const void *b) {
  ocf_time_ms x = *(const ocf_time_ms *)a, y = *(const ocf_time_ms *)b;
  return x < y ? -1 : x > y;
}

static ocf_time_ms pct(const figures *f, unsigned p) {
  if (!f->n_t) return 0;
  size_t i = (f->n_t * p + 99) / 100; /* nearest rank */
  return f->t[i ? i - 1 : 0];
}

static void print_header(void) {
  printf("lossy onboarding (simulation): %d real devices (%d jw, %d rdp), one tool (16 jobs, 4 handshakes), "
         "%d seeds per row; one-way latency 1-5 ms, reordering delays up to 50 ms; step: the tool's step "
         "deadline (s), rtr: its retries\n",
         N_DEV, N_DEV - N_RDP, N_RDP, N_SEEDS);
  printf("%5s %4s %5s %4s %3s | %7s %6s %5s %9s | %7s %7s %7s %7s | %7s %7s %9s | %s\n", "loss%", "dup%",
         "reor%", "step", "rtr", "owned", "rate%", "uncrt", "2nd pass", "min ms", "p50 ms", "p90 ms",
         "max ms", "req/dev", "hs/dev", "dgram/dev", "failed at");
}

static void print_row(figures *f) {
  qsort(f->t, f->n_t, sizeof f->t[0], cmp_time);
  double n = (double)f->devices;
  printf(
      "%5u %4u %5u %4u %3u | %3zu/%-3zu %6.1f %5zu %9zu | %7llu %7llu %7llu %7llu | %7.1f %7.2f %9.1f | %s\n",
      f->loss, f->dup, f->reorder, (unsigned)(f->step_timeout_ms / 1000), (unsigned)f->step_retries, f->owned,
      f->devices, 100.0 * (double)f->owned / n, f->uncertain, f->second_owned, (unsigned long long)pct(f, 0),
      (unsigned long long)pct(f, 50), (unsigned long long)pct(f, 90), (unsigned long long)pct(f, 100),
      (double)f->requests / n, (double)f->handshakes / n, (double)(f->dgram_in + f->dgram_out) / n,
      f->fail_steps[0] ? f->fail_steps : "-");
  printf("      network: %zu datagram copies, %zu dropped, %zu duplicated, %zu reordered\n", f->net_sent,
         f->net_dropped, f->net_dup, f->net_reordered);
  fflush(stdout);
}

static const figures *run_level(unsigned loss, unsigned dup, unsigned reorder, uint32_t step_timeout_ms,
                                uint32_t step_retries) {
  static figures f;
  memset(&f, 0, sizeof f);
  f.step_timeout_ms = step_timeout_ms;
  f.step_retries = step_retries;
  f.loss = loss;
  f.dup = dup;
  f.reorder = reorder;
  for (uint64_t seed = 1; seed <= N_SEEDS; seed++) run_one(&f, seed * 7919 + loss);
  print_row(&f);
  return &f;
}

static void test_no_loss(void **state) {
  (void)state;
  print_header();
  run_level(0, 0, 0, 30000, 2);
}

static void test_duplication_and_reordering(void **state) {
  (void)state;
  run_level(0, 5, 10, 30000, 2);
}

/* With obt onboard's retries every device of these seeds is claimed in the lossy run itself (the
 * simulation is deterministic: a regression shows here, not as a flaky figure). */
static void test_10_percent_loss(void **state) {
  (void)state;
  const figures *f = run_level(10, 5, 10, 30000, 2);
  assert_int_equal(f->owned, f->devices);
}

/* Also at 30%. A resent combined "rfpro" update ({rowneruuid, dos 2}) whose first copy took (its
 * answer lost) is refused by the device, now in RFPRO; the engine reads pstat back
 * ("rfpro-check") instead of sending the parts, which the device would refuse too (these seeds
 * failed 5 of 60 jobs that way before the read-back). */
static void test_30_percent_loss(void **state) {
  (void)state;
  const figures *f = run_level(30, 5, 10, 30000, 2);
  assert_int_equal(f->owned, f->devices);
}

static bool blackout(void *user, const ocf_sim_datagram *d) {
  const lossy *w = user;
  const rdev *r = &w->dev[w->blackout_dev];
  bool window =
      w->blackout_from && d->sent_at >= w->blackout_from && d->sent_at < w->blackout_from + w->blackout_ms;
  if (w->blackout_doc)
    return !(window && d->src_node == r->node && d->dst_node == w->obt_node && device_sec_doc_open(r->dev));
  return !(window && d->src_node == w->obt_node && d->dst_node == r->node);
}

/* Every transmission of a step's request that CoAP makes inside the 30 s deadline is lost
 * (2 + 4 + 8 + 16 s of backoff: the 5th would leave after the deadline); the engine's retry
 * gets through (ocf_obt_config.step_retries), and without retries the job fails there, rolled
 * back. Both for a plain step (oxmsel) and one over the DOC (acl2-rowneruuid, after the owner
 * credential). */
static lossy *blackout_run(const char *step, uint32_t retries, bool owned, size_t dev, bool doc) {
  lossy *w = calloc(1, sizeof *w);
  assert_non_null(w);
  world_init(w, 77, 30000, retries);
  w->blackout_step = step;
  w->blackout_dev = dev;
  w->blackout_doc = doc;
  w->blackout_ms = 31000;
  ocf_sim_set_filter(w->net, blackout, w);
  assert_int_equal(onboard_unowned(w), N_DEV);
  ocf_sim_run_for(w->net, IDLE_MS + 60000);
  assert_true(w->blackout_from > 0);
  figures f = {0};
  for (size_t j = 0; j < N_DEV; j++) {
    check_job(w, j, &f);
    if (j != dev) assert_int_equal(w->out[j].type, OCF_OBT_EV_OWNED);
  }
  assert_int_equal(w->out[dev].type, owned ? OCF_OBT_EV_OWNED : OCF_OBT_EV_FAILED);
  if (!owned) assert_string_equal(w->out[dev].step, step);
  if (owned) assert_true(w->out[dev].requests > w->out[dev ? 0 : 1].requests); /* the resent one counts */
  assert_store_matches_devices(w);
  return w;
}

static void blackout_end(lossy *w) {
  world_free(w);
  free(w);
}

static void test_a_retried_step_survives_a_blackout(void **state) {
  (void)state;
  blackout_end(blackout_run("oxmsel", 2, true, 0, false));
  blackout_end(blackout_run("oxmsel", 0, false, 0, false));
  blackout_end(blackout_run("acl2-rowneruuid", 1, true, 0, false));
  blackout_end(blackout_run("acl2-rowneruuid", 0, false, 0, false));
  /* The owner credential's POST too: a second one is a no-op on the device (digest 2.3). */
  lossy *w = blackout_run("owner-credential", 1, true, 0, false);
  assert_int_equal(models(&w->dev[0])->cred.n, 1);
  blackout_end(w);
}

/* A handshake that cannot finish in its 30 s is tried again from oxmsel (onboard_retry.c):
 * - the device never hears it (the tool's datagrams are lost): it is asked for its doxm, the
 *   oxmsel goes again, the handshake succeeds;
 * - the device completed it but its answers are lost (its onboarding connection stays open, for
 *   the 10 minutes of its idle timeout): it refuses the plain GET doxm, a "kick" hello makes it drop
 *   the connection and reset itself with a new uuid (digest 3.6), which the tool follows;
 * - the same for a Random PIN device: its PIN is asked for again (the new one it shows).
 * Without retries the job fails at the handshake. */
static void test_a_retried_handshake_survives_a_blackout(void **state) {
  (void)state;
  blackout_end(blackout_run("handshake", 1, true, 0, false));
  blackout_end(blackout_run("handshake", 0, false, 0, false));
  lossy *w = blackout_run("handshake", 1, true, 0, true);
  assert_false(ocf_uuid_equal(&w->out[0].uuid, &w->targets[0].uuid));
  blackout_end(w);
  blackout_end(blackout_run("handshake", 0, false, 0, true));
  w = blackout_run("handshake", 2, true, N_DEV - 1, true);
  assert_int_equal(w->pins_asked[N_DEV - 1], 2);
  blackout_end(w);
}

/* The onboarding connection ends under a job (the device idled it out, or closed it) before the
 * rfpro step: the device resets (digest 3.6), and with retries the job starts over from oxmsel
 * once its doxm proves the reset, dropping the owner credential it had stored (the device's went
 * with the reset); the device is owned with the new one. Without retries the job fails there. */
static void test_a_lost_onboarding_connection_starts_over(void **state) {
  (void)state;
  for (uint32_t retries = 0; retries <= 1; retries++) {
    lossy *w = calloc(1, sizeof *w);
    assert_non_null(w);
    world_init(w, 78, 30000, retries);
    w->close_step = "acl2-rowneruuid"; /* after the owner credential */
    w->close_job = 3;
    assert_int_equal(onboard_unowned(w), N_DEV);
    ocf_sim_run_for(w->net, IDLE_MS + 60000);
    figures f = {0};
    for (size_t j = 0; j < N_DEV; j++) check_job(w, j, &f);
    assert_int_equal(w->out[3].type, retries ? OCF_OBT_EV_OWNED : OCF_OBT_EV_FAILED);
    if (retries) assert_int_equal(models(&w->dev[3])->cred.n, 1);
    assert_store_matches_devices(w);
    world_free(w);
    free(w);
  }
}

/* Without step retries (the library's default): the engine gives up after CoAP's 4th
 * transmission of a request, the figures before the retries came. */
static void test_10_percent_loss_no_retries(void **state) {
  (void)state;
  run_level(10, 5, 10, 30000, 0);
}

static void test_30_percent_loss_no_retries(void **state) {
  (void)state;
  run_level(30, 5, 10, 30000, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_retried_step_survives_a_blackout),
      cmocka_unit_test(test_a_retried_handshake_survives_a_blackout),
      cmocka_unit_test(test_a_lost_onboarding_connection_starts_over),
      cmocka_unit_test(test_no_loss),
      cmocka_unit_test(test_duplication_and_reordering),
      cmocka_unit_test(test_10_percent_loss),
      cmocka_unit_test(test_30_percent_loss),
      cmocka_unit_test(test_10_percent_loss_no_retries),
      cmocka_unit_test(test_30_percent_loss_no_retries),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
