/* libFuzzer target: the DOTS engine (src/obt/onboard.c, onboard_steps.c) against a device whose
 * every answer the input chooses: the device's code and payload, silence, or an honest answer,
 * step by step through the whole onboarding (OBT 5.3.1 steps 1-12, digest §5.2), before the
 * DOC and inside it (a real Just Works or Random PIN DTLS session on the simulated network: the
 * handshake costs a few ms of P-256 per run, which keeps tens of runs per second, so there is
 * no seam around it), and the rollback's reset included.
 *
 * Invariants checked after every run (abort() otherwise):
 *   - the onboarding ends (ALL_DONE) within the fake-time limit, with one final event per job;
 *   - a failure names a step of the table, and carries advice;
 *   - the domain store never holds a device as owned without its owner PSK, nor an owner PSK
 *     of a device that is not owned, unless the engine said "uncertain" and left it onboarding
 *     (ADR 0016); an OWNED event is an owned record;
 *   - nothing leaks (the sim platforms' counters; ASan for the rest).
 *
 * Input: byte 0 chooses the run: bit 0 the OTM (0 Just Works, 1 Random PIN), bit 1 the device
 * refuses the handshake, bit 2 the tool is given a wrong PIN, bit 3 no PIN at all, bit 4 the
 * device's Random PIN hint names another uuid, bit 5 two devices at once (the second claimed by
 * the same policy), bit 6 one handshake at a time, bit 7 one job at a time. Then one record per
 * request a device receives, in the order they arrive (the reset of a rollback is one of them);
 * when the input ends, answers are honest:
 *   [op] op & 3: 0 honest (the doxm model answers; other POSTs 2.04)   1 silence
 *                2 [code][len][len bytes]: that code and payload (op bit 2: with the OCF CBOR
 *                  content format)                                        3 [len][len bytes]:
 *                  the honest code with these bytes as payload
 * The domain store is SQLite in a file (the engine writes through it), in a private directory
 * under $TMPDIR or /dev/shm, recreated with replace for every run so runs do not see each other.
 * Seeds: tests/fuzz/corpus/fuzz_obt_onboard. */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ocf/ocf_obt_onboard.h>
#include <ocf/ocf_posix.h>

#include "dtls/derive.h"
#include "dtls/profile.h"
#include "sim/sim.h"
#include "stack/stack.h"
#include "svr/doxm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define START 1000000u
#define PIN "40913572"

typedef struct input {
  const uint8_t *p;
  size_t n;
} input;

static bool take(input *in, uint8_t *b) {
  if (!in->n) return false;
  *b = *in->p++;
  in->n--;
  return true;
}

static const uint8_t *take_bytes(input *in, size_t *len) {
  if (*len > in->n) *len = in->n;
  const uint8_t *p = in->p;
  in->p += *len;
  in->n -= *len;
  return p;
}

typedef struct fdev {
  ocf_sim_platform sp;
  ocf_stack *stack;
  ocf_endpoint ep;
  ocf_svr_doxm doxm;
  uint8_t config;
  uint8_t hint[33];
  input *in;
  size_t requests;
} fdev;

#define MAX_DEVS 2

/* How a job ended (its final event). */
typedef struct job_end {
  int finals;
  ocf_obt_onboard_event_type type;
  ocf_uuid uuid;
  bool uncertain;
} job_end;

typedef struct run_state {
  ocf_sim_platform sp;
  ocf_obt *obt;
  fdev dev[MAX_DEVS];
  size_t n_dev;
  uint8_t config;
  ocf_obt_store *store;
  bool all_done;
  job_end end[MAX_DEVS];
  ocf_obt_wall_ms wall;
} run_state;

static ocf_endpoint ep6(uint8_t last, uint16_t port, uint8_t flags) {
  ocf_endpoint ep = {.family = OCF_IPV6, .port = port, .flags = flags};
  ep.addr[0] = 0x20;
  ep.addr[1] = 0x01;
  ep.addr[15] = last;
  return ep;
}

/* --- the device ------------------------------------------------------------------------------ */

static void respond(ocf_msg *m, const ocf_msg_incoming *in, uint8_t code, const uint8_t *body, size_t len,
                    bool cbor) {
  ocf_coap_msg rsp;
  ocf_coap_init(&rsp, OCF_COAP_ACK, code, 0);
  if (cbor && ocf_coap_add_uint_option(&rsp, OCF_COAP_OPT_CONTENT_FORMAT, OCF_COAP_CF_VND_OCF_CBOR) != OCF_OK)
    abort();
  rsp.payload = body;
  rsp.payload_len = len;
  if (ocf_msg_respond(m, in->handle, &rsp, in->now) != OCF_OK)
    ocf_msg_drop(m, in->handle); /* a code msg refuses */
}

/* What an honest device in RFOTM answers (its doxm kept by the SVR model, so the read-back is
 * consistent); body holds a GET's representation. */
static uint8_t honest(fdev *d, const ocf_msg_incoming *in, uint8_t *body, size_t cap, size_t *len) {
  char path[64];
  *len = 0;
  if (ocf_coap_get_path(in->request, path, sizeof path) != OCF_OK) return OCF_COAP_BAD_REQUEST;
  bool is_doxm = strcmp(path, "/oic/sec/doxm") == 0;
  if (in->request->code == OCF_COAP_GET) {
    if (!is_doxm) return OCF_COAP_NOT_FOUND;
    ocf_rep_enc e;
    ocf_rep_enc_init(&e, body, cap);
    ocf_svr_doxm_encode(&d->doxm, 0, &e);
    return ocf_rep_enc_finish(&e, len) == OCF_OK ? OCF_COAP_CONTENT : OCF_COAP_INTERNAL_SERVER_ERROR;
  }
  if (!is_doxm) return OCF_COAP_CHANGED;
  ocf_rep_node nodes[64];
  const ocf_rep_node *root = NULL;
  if (ocf_rep_decode(in->request->payload, in->request->payload_len, NULL, nodes, 64, &root) != OCF_OK)
    return OCF_COAP_BAD_REQUEST;
  ocf_svr_ctx ctx = {.dos = OCF_DOS_RFOTM, .over_doc = (in->peer->flags & OCF_EP_SECURE) != 0};
  ocf_svr_doxm x;
  ocf_svr_report r;
  if (ocf_svr_doxm_decode_update(&d->doxm, root, &ctx, &x, &r) != OCF_OK) return OCF_COAP_BAD_REQUEST;
  d->doxm = x;
  return OCF_COAP_CHANGED;
}

static void on_dev_request(void *user, ocf_msg *m, const ocf_msg_incoming *in) {
  fdev *d = user;
  d->requests++;
  uint8_t op = 0, code = 0, n = 0, body[512];
  (void)take(d->in, &op);
  size_t len = 0;
  switch (op & 3) {
  case 1: ocf_msg_drop(m, in->handle); return;
  case 2: {
    (void)take(d->in, &code);
    (void)take(d->in, &n);
    len = n;
    const uint8_t *p = take_bytes(d->in, &len);
    respond(m, in, code, p, len, op & 4);
    return;
  }
  case 3: {
    (void)take(d->in, &n);
    len = n;
    const uint8_t *p = take_bytes(d->in, &len);
    size_t ignored;
    code = honest(d, in, body, sizeof body, &ignored);
    respond(m, in, code, p, len, true);
    return;
  }
  default: code = honest(d, in, body, sizeof body, &len); respond(m, in, code, body, len, len > 0);
  }
}

static ocf_err on_dev_accept(void *user, const ocf_endpoint *peer, ocf_dtls_profile *profile) {
  fdev *d = user;
  (void)peer;
  if ((d->config & 2) || d->doxm.oxmsel == OCF_OXM_SELF) return OCF_ERR_DENIED;
  ocf_err err = ocf_dtls_profile_otm(profile, (ocf_oxm)d->doxm.oxmsel);
  if (!err && d->doxm.oxmsel == OCF_OXM_RANDOM_PIN) {
    memcpy(d->hint, "oic.sec.doxm.rdp:", 17);
    memcpy(d->hint + 17, d->doxm.deviceuuid.b, 16);
    if (d->config & 16) d->hint[17] ^= 0xff;
    profile->psk_hint = (ocf_bytes){d->hint, sizeof d->hint};
  }
  return err;
}

static ocf_err on_dev_psk(void *user, const ocf_endpoint *peer, const uint8_t *id, size_t id_len,
                          uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  fdev *d = user;
  (void)peer;
  if (d->doxm.oxmsel != OCF_OXM_RANDOM_PIN || id_len != 16 || memcmp(id, "oic.sec.doxm.rdp", 16))
    return OCF_ERR_NOT_FOUND;
  *key_len = OCF_PIN_PSK_LEN;
  return ocf_derive_pin_psk(PIN, strlen(PIN), &d->doxm.deviceuuid, key);
}

/* --- the tool -------------------------------------------------------------------------------- */

static ocf_obt_wall_ms wall_now(void *user) { return ((run_state *)user)->wall += 1000; }

static bool is_step_name(const char *s) {
  static const char *const names[] = {"get-doxm",         "oxmsel",          "handshake",  "om",
                                      "doxm-uuids",       "devowneruuid",    "deviceuuid", "owner-credential",
                                      "doxm-owner",       "acl2-rowneruuid", "sdi",        "rfpro",
                                      "pstat-rowneruuid", "rfpro-dos",       "close"};
  for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++)
    if (strcmp(s, names[i]) == 0) return true;
  return false;
}

static void on_event(void *user, const ocf_obt_onboard_event *ev) {
  run_state *r = user;
  if (ev->type == OCF_OBT_EV_ALL_DONE) {
    if (r->all_done) abort();
    for (size_t i = 0; i < r->n_dev; i++)
      if (r->end[i].finals != 1) abort(); /* one final event per job */
    r->all_done = true;
    return;
  }
  if (ev->job >= r->n_dev) abort();
  if (ev->type == OCF_OBT_EV_PIN_NEEDED) {
    const char *pin = (r->config & 8) ? "" : (r->config & 4) ? "40913573" : PIN;
    if (ocf_obt_onboard_pin(r->obt, ev->job, pin, strlen(pin), ev->now) != OCF_OK) abort();
    return;
  }
  if (ev->type == OCF_OBT_EV_STEP) {
    if (!is_step_name(ev->step)) abort();
    return;
  }
  job_end *e = &r->end[ev->job];
  e->finals++;
  e->type = ev->type;
  e->uuid = ev->uuid;
  if (ev->type == OCF_OBT_EV_FAILED) {
    const ocf_obt_onboard_failure *f = ev->failure;
    if (!f || !is_step_name(f->step) || !f->advice) abort(); /* a failure names its step */
    e->uncertain = f->uncertain;
  }
}

/* --- the store (one per process, emptied for every run) ---------------------------------------- */

typedef struct store_place {
  char dir[128], db[160];
  bool ready;
} store_place;

static store_place g_place; /* the fuzzer's process-wide scratch directory */

static void cleanup_place(void) {
  if (!g_place.ready) return;
  char p[200];
  snprintf(p, sizeof p, "%s-journal", g_place.db);
  (void)unlink(p);
  (void)unlink(g_place.db);
  (void)rmdir(g_place.dir);
}

static void prepare_place(void) {
  if (g_place.ready) return;
  const char *base = getenv("TMPDIR");
  if (!base || !base[0]) base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  snprintf(g_place.dir, sizeof g_place.dir, "%s/fuzz-obt-onboard-XXXXXX", base);
  if (!mkdtemp(g_place.dir)) abort();
  snprintf(g_place.db, sizeof g_place.db, "%s/domain.db", g_place.dir);
  g_place.ready = true;
  atexit(cleanup_place);
}

static ocf_obt_store *open_store(const ocf_platform *pf) {
  prepare_place();
  (void)unlink(g_place.db);
  if (ocf_posix_private_file_prepare(g_place.db, true, pf, NULL) != OCF_OK) abort();
  static const uint8_t key[OCF_OBT_DOMAIN_KEY_LEN] = {7, 7, 7};
  ocf_obt_store_key k = {.kind = OCF_OBT_KEY_FILE, .secret = key, .len = sizeof key};
  ocf_obt_domain d = {.priv = false};
  snprintf(d.name, sizeof d.name, "Fuzz");
  snprintf(d.otm_policy, sizeof d.otm_policy, "jw,rdp");
  memset(d.tool_uuid.b, 0x11, 16);
  memset(d.sdi_uuid.b, 0x22, 16);
  ocf_obt_store *s = NULL;
  if (ocf_obt_store_create(g_place.db, &d, &k, true, 1, pf, &s) != OCF_OK) abort();
  return s;
}

typedef struct check_ctx {
  const run_state *r;
} check_ctx;

/* Owned <=> owner PSK, except a device left "onboarding" after an uncertain rollback. Every
 * record is one of our jobs', under the uuid its final event named. */
static bool check_device(void *user, const ocf_obt_device_record *d) {
  const check_ctx *c = user;
  const job_end *e = NULL;
  for (size_t i = 0; i < c->r->n_dev && !e; i++)
    if (memcmp(c->r->end[i].uuid.b, d->uuid.b, 16) == 0) e = &c->r->end[i];
  if (!e) abort();
  uint8_t psk[64];
  size_t len = 0;
  ocf_err err = ocf_obt_store_secret_get(c->r->store, &d->uuid, "owner-psk", psk, sizeof psk, &len);
  bool has_psk = err == OCF_OK;
  if (err != OCF_OK && err != OCF_ERR_NOT_FOUND) abort();
  if (d->state == OCF_OBT_DEVICE_OWNED && (!has_psk || len != OCF_OWNER_PSK_LEN)) abort();
  if (has_psk && d->state != OCF_OBT_DEVICE_OWNED && !(d->state == OCF_OBT_DEVICE_ONBOARDING && e->uncertain))
    abort();
  if ((d->state == OCF_OBT_DEVICE_OWNED) != (e->type == OCF_OBT_EV_OWNED)) abort();
  return true;
}

static bool done(void *user) { return ((run_state *)user)->all_done; }

/* Device i: its own stack, address and uuid; every device reads its answers from the same input,
 * in the order the requests reach them. */
static void add_device(run_state *r, size_t i, ocf_sim_net *net, input *in, ocf_obt_onboard_device *target) {
  fdev *d = &r->dev[i];
  ocf_sim_platform_init(&d->sp, 2 + i);
  d->sp.quiet = true;
  d->config = r->config;
  d->in = in;
  d->ep = ep6((uint8_t)(0x10 + i), 5684, 0);
  const uint32_t oxms[] = {(r->config & 1) ? 1u : 0u};
  ocf_uuid first;
  memset(first.b, (int)(0x33 + i), 16);
  if (ocf_svr_doxm_init(&d->doxm, oxms, 1, 9, &first) != OCF_OK) abort();
  ocf_stack_config sc;
  ocf_stack_config_default(&sc);
  sc.dtls.server = true;
  ocf_stack_callbacks cbs = {.user = d, .accept = on_dev_accept, .psk_lookup = on_dev_psk};
  if (ocf_stack_create(&d->sp.pf, &sc, &cbs, &d->stack) != OCF_OK) abort();
  ocf_msg_set_request_handler(ocf_stack_msg(d->stack), on_dev_request, d);
  ocf_sim_node_add_addr(net, ocf_sim_add_node(net, ocf_stack_engine(d->stack)), &d->ep);
  target->uuid = first;
  target->coap = d->ep;
  target->coaps = ep6((uint8_t)(0x10 + i), 5684, OCF_EP_SECURE);
  snprintf(target->name, sizeof target->name, "fuzzed %zu", i);
  snprintf(target->type, sizeof target->type, "oic.d.light");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  input in = {data, size};
  static run_state r; /* large; one run at a time */
  memset(&r, 0, sizeof r);
  uint8_t config = 0;
  (void)take(&in, &config);
  ocf_sim_net *net = ocf_sim_net_new(1, START);
  ocf_sim_platform_init(&r.sp, 1);
  r.sp.quiet = true;
  r.store = open_store(&r.sp.pf);
  ocf_obt_config cfg;
  ocf_obt_config_init(&cfg);
  cfg.step_timeout_ms = 10000;
  if (config & 64) cfg.max_handshakes = 1; /* the second job waits for the first's handshake */
  if (config & 128) cfg.max_jobs = 1;      /* ... or for its whole onboarding */
  if (ocf_obt_create(&r.sp.pf, &cfg, &r.obt) != OCF_OK) abort();
  ocf_endpoint obt_ep = ep6(1, 40001, 0);
  ocf_sim_node_add_addr(net, ocf_sim_add_node(net, ocf_obt_engine(r.obt)), &obt_ep);

  r.config = config;
  r.n_dev = (config & 32) ? 2 : 1;
  ocf_obt_onboard_device targets[MAX_DEVS];
  memset(targets, 0, sizeof targets);
  for (size_t i = 0; i < r.n_dev; i++) add_device(&r, i, net, &in, &targets[i]);
  ocf_obt_onboard_params p = {.store = r.store,
                              .devices = targets,
                              .n_devices = r.n_dev,
                              .wall_now = wall_now,
                              .on_event = on_event,
                              .user = &r};
  if (ocf_obt_onboard(r.obt, &p, ocf_sim_now(net)) != OCF_OK) abort();
  ocf_sim_flush(net);
  if (!ocf_sim_run_until(net, done, &r, 600000) || ocf_obt_onboarding(r.obt)) abort();

  for (size_t i = 0; i < r.n_dev; i++) {
    ocf_obt_device_record rec;
    if (r.end[i].type == OCF_OBT_EV_OWNED &&
        (ocf_obt_store_device_get(r.store, &r.end[i].uuid, &rec) != OCF_OK ||
         rec.state != OCF_OBT_DEVICE_OWNED))
      abort();
  }
  check_ctx c = {&r};
  if (ocf_obt_store_device_list(r.store, check_device, &c) != OCF_OK) abort();

  ocf_obt_destroy(r.obt);
  for (size_t i = 0; i < r.n_dev; i++) ocf_stack_destroy(r.dev[i].stack);
  ocf_obt_store_close(r.store);
  ocf_sim_net_free(net);
  if (r.sp.live != 0) abort();
  for (size_t i = 0; i < r.n_dev; i++)
    if (r.dev[i].sp.live != 0) abort();
  return 0;
}
