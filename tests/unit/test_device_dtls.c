/* The device's DTLS glue (src/device/sec_dtls.c, ADR 0018) against a real DTLS client: an OBT
 * made of an ocf_stack whose sessions use the OTM client profiles of src/otm, on the simulated
 * network. It onboards the device in the order of digest §5.2 (oxmsel in the clear, the DOC,
 * om, devowneruuid, deviceuuid, rowneruuids, the Owner Credential with an empty key, owned,
 * RFPRO) for Just Works, Random PIN (the PIN from the OTM_SELECTED event) and the manufacturer
 * certificate; both sides must hold the same OwnerPSK, and a new PSK session with the OBT uuid
 * and that key must reach /oic/sec/pstat while a wrong key fails. Then the rules of digest §3.6:
 * one onboarding connection at a time, a wrong PIN and the persisted limiter (fake clock,
 * restart, RESET), a DOC dropped mid-onboarding, a suite mismatch. Certificates (ADR 0020): the
 * device's key pair and CSR, an identity certificate accepted only for its own key, and ECDSA
 * sessions with it against cred's trust anchors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "device/sec.h"
#include "device/sec_dtls.h"
#include "dtls_certs.h"
#include "otm/otm.h"
#include "otm/pin.h"
#include "pki/ca.h"
#include "sim/sim.h"
#include "stack/stack.h"
#include "store/memory/memory.h"
#include "svr_test_util.h"

#define START 1000000u
#define NOW_2025 1735689600 /* 2025-01-01T00:00:00Z */
#define OBT_UUID "ce3eefde-b8e3-4c08-5674-c3702eb35028"
#define NEW_DI "867b77b4-bfb5-453e-5b74-74aa0f4341bf"

/* --- an OBT on an ocf_stack ------------------------------------------------------------------ */

typedef struct obt {
  ocf_sim_platform sp;
  ocf_stack *stack;
  int node;
  ocf_endpoint ep;
  ocf_otm_session os;
  bool established, failed, closed;
  bool cert_client; /* verify_cert: a certificate session (the DTLS layer checked the chain) */
  bool peer_has_uuid;
  ocf_uuid peer_uuid;
  ocf_err err;
  uint8_t key_block[OCF_KEY_BLOCK_MAX];
  size_t key_block_len;
  /* the last response */
  bool done;
  uint8_t code;
  uint8_t body[8192]; /* GET /oic/sec/cred with a chain and an anchor */
  size_t len;
} obt;

typedef struct world {
  ocf_sim_net *net;
  ocf_sim_platform dpf;
  ocf_mem_medium *medium;
  ocf_store *store;
  ocf_device *dev;
  int dnode;
  ocf_endpoint dep, dsep; /* the device, plain and secure */
  obt o, o2;
  char pin[40];
  size_t n_pins;
  uint32_t session_idle_ms; /* the device's config; 0 = default */
} world;

static bool g_no_csr; /* the next device_start: ocf_device_config.no_csr */

static void on_session(void *user, ocf_stack *stack, const ocf_dtls_event *ev) {
  obt *o = user;
  (void)stack;
  if (ev->type == OCF_DTLS_EV_ESTABLISHED) {
    o->established = true;
    assert_int_equal(ocf_dtls_session_key_block(ev->session, o->key_block, &o->key_block_len), OCF_OK);
  } else if (ev->type == OCF_DTLS_EV_FAILED) {
    o->failed = true;
    o->err = ev->err;
  } else {
    o->closed = true;
  }
}

static ocf_err on_psk_for_hint(void *user, const ocf_endpoint *peer, const uint8_t *hint, size_t hint_len,
                               uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  obt *o = user;
  (void)peer;
  if (!o->os.otm) return OCF_ERR_NOT_FOUND; /* an owner session: the profile's key */
  return ocf_otm_session_psk_for_hint(&o->os, hint, hint_len, key, key_len);
}

static ocf_err on_verify(void *user, const ocf_endpoint *peer, const ocf_bytes *chain, size_t n_chain,
                         const ocf_uuid *uuid) {
  obt *o = user;
  (void)peer;
  if (o->cert_client) {
    o->peer_has_uuid = uuid != NULL;
    if (uuid) o->peer_uuid = *uuid;
    return OCF_OK;
  }
  return ocf_otm_session_verify_cert(&o->os, chain, n_chain, uuid);
}

static ocf_endpoint ep6(uint8_t last, uint16_t port, uint8_t flags) {
  ocf_endpoint ep = {.family = OCF_IPV6, .port = port, .flags = flags};
  ep.addr[0] = 0xfd;
  ep.addr[15] = last;
  return ep;
}

static void obt_init(world *w, obt *o, uint8_t last, uint64_t seed) {
  memset(o, 0, sizeof *o);
  ocf_sim_platform_init(&o->sp, seed);
  o->sp.quiet = true;
  ocf_stack_config c;
  ocf_stack_config_default(&c);
  c.dtls.client = true;
  ocf_stack_callbacks cbs = {
      .user = o, .on_session = on_session, .psk_for_hint = on_psk_for_hint, .verify_cert = on_verify};
  assert_int_equal(ocf_stack_create(&o->sp.pf, &c, &cbs, &o->stack), OCF_OK);
  o->node = ocf_sim_add_node(w->net, ocf_stack_engine(o->stack));
  o->ep = ep6(last, 40001, 0);
  ocf_sim_node_add_addr(w->net, o->node, &o->ep);
}

static void obt_free(world *w, obt *o) {
  ocf_sim_node_remove(w->net, o->node);
  ocf_stack_destroy(o->stack);
  ocf_otm_session_clear(&o->os);
  assert_int_equal(o->sp.live, 0);
}

/* --- the device ------------------------------------------------------------------------------ */

static void on_device_event(void *user, ocf_device *d, const ocf_device_event *ev) {
  world *w = user;
  (void)d;
  if (ev->type != OCF_DEVICE_EV_OTM_SELECTED || !ev->pin) return;
  size_t len = strlen(ev->pin);
  assert_true(len < sizeof w->pin);
  memcpy(w->pin, ev->pin, len + 1);
  w->n_pins++;
}

typedef struct mfg {
  test_cred root, inter, leaf;
  ocf_bytes chain[2], anchors[1];
} mfg;

static mfg g_mfg; /* made once: key generation is slow */

static int make_certs(void **state) {
  (void)state;
  test_cert_opts ca = {.is_ca = true, .max_pathlen = -1};
  test_make_cert(&g_mfg.root, NULL, "Acme Mfg Root", &ca, 31);
  ca.max_pathlen = 0;
  test_make_cert(&g_mfg.inter, &g_mfg.root, "Acme Mfg Intermediate", &ca, 33);
  test_cert_opts lo = {.eku = TEST_EKU_OCF_LEAF};
  test_make_cert(&g_mfg.leaf, &g_mfg.inter, "uuid:4e2e330a-2f22-48ca-54b9-c984bc68fec5", &lo, 34);
  g_mfg.chain[0] = test_cert_bytes(&g_mfg.leaf);
  g_mfg.chain[1] = test_cert_bytes(&g_mfg.inter);
  g_mfg.anchors[0] = test_cert_bytes(&g_mfg.root);
  return 0;
}

static void device_start(world *w) {
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
  cfg.otms[0] = OCF_DEVICE_OTM_JUST_WORKS;
  cfg.otms[1] = OCF_DEVICE_OTM_RANDOM_PIN;
  cfg.otms[2] = OCF_DEVICE_OTM_MFG_CERT;
  cfg.n_otms = 3;
  cfg.on_event = on_device_event;
  cfg.event_user = w;
  cfg.mfg_chain = g_mfg.chain;
  cfg.n_mfg_chain = 2;
  cfg.mfg_key = test_key_bytes(&g_mfg.leaf);
  cfg.session_idle_ms = w->session_idle_ms;
  cfg.no_csr = g_no_csr;
  ocf_store_config sc;
  ocf_store_config_init(&sc);
  sc.max_record = 512 * 1024;
  sc.has_key = true;
  memset(sc.key, 0x5a, sizeof sc.key);
  ocf_store_medium port = ocf_mem_medium_port(w->medium);
  assert_int_equal(ocf_store_open(&port, &sc, &w->dpf.pf, &w->store), OCF_OK);
  cfg.store = w->store;
  assert_int_equal(ocf_device_create(&w->dpf.pf, &cfg, &w->dev), OCF_OK);
  w->dnode = ocf_sim_add_node(w->net, ocf_device_engine(w->dev));
  ocf_sim_node_add_addr(w->net, w->dnode, &w->dep);
}

static void device_stop(world *w) {
  ocf_sim_node_remove(w->net, w->dnode);
  ocf_device_destroy(w->dev);
  ocf_store_close(w->store);
  w->dev = NULL;
}

static void world_init(world *w, uint64_t seed) {
  memset(w, 0, sizeof *w);
  w->net = ocf_sim_net_new(seed, START);
  ocf_sim_platform_init(&w->dpf, seed * 5 + 3);
  w->dpf.quiet = true;
  assert_int_equal(ocf_mem_medium_new(&w->dpf.pf, 32, 512 * 1024, &w->medium), OCF_OK);
  w->dep = ep6(1, 5683, 0);
  w->dsep = ep6(1, 5683, OCF_EP_SECURE);
  device_start(w);
  obt_init(w, &w->o, 2, seed * 7 + 1);
  obt_init(w, &w->o2, 3, seed * 11 + 2);
}

static void world_free(world *w) {
  obt_free(w, &w->o);
  obt_free(w, &w->o2);
  device_stop(w);
  ocf_mem_medium_free(w->medium);
  assert_int_equal(w->dpf.live, 0);
  ocf_sim_net_free(w->net);
}

static const sec_models *models(const world *w) { return w->dev->sec->cur; }

/* --- requests -------------------------------------------------------------------------------- */

static void on_response(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  obt *o = user;
  (void)m;
  if (ev->type == OCF_MSG_EV_RESPONSE) {
    o->code = ev->response->code;
    o->len = ev->response->payload_len < sizeof o->body ? ev->response->payload_len : 0;
    if (o->len) memcpy(o->body, ev->response->payload, o->len);
  }
  if (ev->final) o->done = true;
}

static bool request_done(void *user) { return ((obt *)user)->done; }

/* Sends code uri (with a CBOR body written in diagnostic notation, or none) over the session
 * (secure) or in the clear; returns the response code, 0 when none came. */
static uint8_t req_raw(world *w, obt *o, bool secure, uint8_t code, const char *uri, const uint8_t *body,
                       size_t len) {
  uint8_t scratch[256];
  ocf_coap_msg m;
  ocf_coap_init(&m, OCF_COAP_CON, code, 0);
  assert_int_equal(ocf_coap_set_uri_path_query(&m, uri, scratch, sizeof scratch), OCF_OK);
  if (body) {
    m.payload_len = len;
    m.payload = body;
    assert_int_equal(ocf_coap_add_uint_option(&m, OCF_COAP_OPT_CONTENT_FORMAT, OCF_COAP_CF_VND_OCF_CBOR),
                     OCF_OK);
  }
  ocf_msg_request_params p = {.to = secure ? &w->dsep : &w->dep, .n_to = 1, .cb = on_response, .user = o};
  o->done = false;
  o->code = 0;
  assert_int_equal(ocf_stack_request(o->stack, &p, &m, ocf_sim_now(w->net), NULL), OCF_OK);
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, request_done, o, 300000));
  return o->code;
}

static uint8_t req(world *w, obt *o, bool secure, uint8_t code, const char *uri, const char *diag) {
  uint8_t body[1024];
  size_t len = diag ? diag_cbor(diag, body, sizeof body) : 0;
  return req_raw(w, o, secure, code, uri, diag ? body : NULL, len);
}

static void changed(world *w, const char *uri, const char *diag) {
  uint8_t c = req(w, &w->o, true, OCF_COAP_POST, uri, diag);
  if (c != OCF_COAP_CHANGED) fprintf(stderr, "POST %s %s: %x\n", uri, diag, c);
  assert_int_equal(c, OCF_COAP_CHANGED);
}

static bool settled(void *user) {
  const obt *o = user;
  return o->established || o->failed;
}

static void connect(world *w, obt *o, const ocf_dtls_profile *p) {
  o->established = o->failed = o->closed = false;
  assert_int_equal(ocf_stack_connect(o->stack, &w->dsep, p, ocf_sim_now(w->net)), OCF_OK);
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, settled, o, 200000));
}

/* POST oxmsel in the clear, then the OTM handshake with the OBT's parameters. */
static void start_otm(world *w, obt *o, uint32_t oxm, const char *pin) {
  char body[32];
  snprintf(body, sizeof body, "{'oxmsel': %u}", oxm);
  assert_int_equal(req(w, o, false, OCF_COAP_POST, "/oic/sec/doxm", body), OCF_COAP_CHANGED);
  ocf_otm_registry reg;
  ocf_otm_registry_init(&reg);
  ocf_otm_params p = {.device_uuid = models(w)->doxm.deviceuuid,
                      .pin = pin ? pin : w->pin,
                      .pin_len = strlen(pin ? pin : w->pin),
                      .trust_anchors = g_mfg.anchors,
                      .n_trust_anchors = 1,
                      .utc_now = NOW_2025};
  ocf_otm_session_clear(&o->os);
  assert_int_equal(ocf_otm_session_init(&o->os, ocf_otm_registry_find(&reg, oxm), false, &p), OCF_OK);
  connect(w, o, &o->os.profile);
}

static ocf_dtls_profile owner_profile(const uint8_t *key) {
  static const ocf_uuid k_obt = {
      {0xce, 0x3e, 0xef, 0xde, 0xb8, 0xe3, 0x4c, 0x08, 0x56, 0x74, 0xc3, 0x70, 0x2e, 0xb3, 0x50, 0x28}};
  ocf_dtls_profile p;
  memset(&p, 0, sizeof p);
  p.suites[0] = OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256;
  p.n_suites = 1;
  p.psk_identity = (ocf_bytes){k_obt.b, 16}; /* digest 8.1: the OBT uuid, 16 raw bytes */
  p.psk = (ocf_bytes){key, 16};
  return p;
}

/* Digest §5.2 steps 3-12 over the DOC; returns the OwnerPSK the OBT computed. */
static void take_ownership(world *w, uint8_t owner_psk[16]) {
  changed(w, "/oic/sec/pstat", "{'om': 4}");
  changed(w, "/oic/sec/doxm", "{'devowneruuid': '" OBT_UUID "'}");
  changed(w, "/oic/sec/doxm", "{'deviceuuid': '" NEW_DI "'}");
  changed(w, "/oic/sec/doxm", "{'rowneruuid': '" OBT_UUID "'}");
  changed(w, "/oic/sec/acl2", "{'rowneruuid': '" OBT_UUID "'}");
  changed(w, "/oic/sec/pstat", "{'rowneruuid': '" OBT_UUID "'}");
  ocf_uuid obt_uuid = uuid_of(OBT_UUID), di = uuid_of(NEW_DI);
  assert_int_equal(
      ocf_otm_owner_psk(w->o.os.otm, w->o.key_block, w->o.key_block_len, &obt_uuid, &di, owner_psk), OCF_OK);
  changed(w, "/oic/sec/cred",
          "{'creds': [{'credtype': 1, 'subjectuuid': '" OBT_UUID
          "', 'privatedata': {'encoding': 'oic.sec.encoding.raw', 'data': h''}}], 'rowneruuid': '" OBT_UUID
          "'}");
  changed(w, "/oic/sec/doxm", "{'owned': true}");
  changed(w, "/oic/sec/pstat", "{'dos': {'s': 2}}");
  assert_int_equal(ocf_device_get_state(w->dev), OCF_DEVICE_RFPRO);
  /* The device derived the same key for the owner (digest 4.5). */
  const ocf_svr_cred_entry *e = ocf_svr_cred_find_psk(&models(w)->cred, &obt_uuid);
  assert_non_null(e);
  assert_int_equal(e->private_len, 16);
  assert_memory_equal(e->private_data, owner_psk, 16);
}

static void onboard_and_reconnect(uint64_t seed, uint32_t oxm, uint16_t suite) {
  world w;
  world_init(&w, seed);
  start_otm(&w, &w.o, oxm, NULL);
  assert_true(w.o.established);
  assert_int_equal(ocf_stack_session_info(w.o.stack, &w.dsep)->suite, suite);
  uint8_t psk[16];
  take_ownership(&w, psk);
  /* The DOC ends; leaving RFOTM, that resets nothing (digest 3.6). */
  assert_int_equal(ocf_stack_close(w.o.stack, &w.dsep, ocf_sim_now(w.net)), OCF_OK);
  ocf_sim_run_for(w.net, 100);
  assert_int_equal(ocf_device_get_state(w.dev), OCF_DEVICE_RFPRO);
  /* Digest 8.1: the owner's PSK session, identity = OBT uuid. */
  ocf_otm_session_clear(&w.o.os);
  ocf_dtls_profile p = owner_profile(psk);
  connect(&w, &w.o, &p);
  assert_true(w.o.established);
  assert_int_equal(req(&w, &w.o, true, OCF_COAP_GET, "/oic/sec/pstat", NULL), OCF_COAP_CONTENT);
  /* A wrong key fails the handshake; the device goes on serving. */
  uint8_t wrong[16];
  memcpy(wrong, psk, 16);
  wrong[0] ^= 1;
  p = owner_profile(wrong);
  connect(&w, &w.o2, &p);
  assert_true(w.o2.failed);
  assert_int_equal(req(&w, &w.o, true, OCF_COAP_GET, "/oic/sec/pstat", NULL), OCF_COAP_CONTENT);
  assert_int_equal(ocf_device_get_state(w.dev), OCF_DEVICE_RFPRO);
  world_free(&w);
}

/* --- tests ----------------------------------------------------------------------------------- */

static void test_just_works_onboarding(void **state) {
  (void)state;
  onboard_and_reconnect(1, OCF_OXM_JUST_WORKS, OCF_DTLS_ECDH_ANON_AES_128_CBC_SHA256);
}

static void test_random_pin_onboarding(void **state) {
  (void)state;
  onboard_and_reconnect(2, OCF_OXM_RANDOM_PIN, OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256);
}

static void test_mfg_cert_onboarding(void **state) {
  (void)state;
  onboard_and_reconnect(3, OCF_OXM_MFG_CERT, OCF_DTLS_ECDHE_ECDSA_AES_128_CCM_8);
}

static void test_pin_is_new_on_every_oxmsel(void **state) {
  (void)state;
  world w;
  world_init(&w, 4);
  assert_int_equal(req(&w, &w.o, false, OCF_COAP_POST, "/oic/sec/doxm", "{'oxmsel': 1}"), OCF_COAP_CHANGED);
  char first[40];
  memcpy(first, w.pin, sizeof first);
  assert_int_equal(strlen(first), 8); /* digest 4.3: 8 digits by default */
  assert_int_equal(req(&w, &w.o, false, OCF_COAP_POST, "/oic/sec/doxm", "{'oxmsel': 1}"), OCF_COAP_CHANGED);
  assert_int_equal(w.n_pins, 2);
  assert_string_not_equal(first, w.pin);
  world_free(&w);
}

/* One onboarding connection at a time (digest 3.6): a second client is refused both while the
 * first handshake runs and while the DOC is open; the device does not reset for it. */
static void test_second_onboarding_handshake_is_refused(void **state) {
  (void)state;
  world w;
  world_init(&w, 5);
  assert_int_equal(req(&w, &w.o, false, OCF_COAP_POST, "/oic/sec/doxm", "{'oxmsel': 0}"), OCF_COAP_CHANGED);
  ocf_dtls_profile p;
  assert_int_equal(ocf_dtls_profile_otm(&p, OCF_OXM_JUST_WORKS), OCF_OK);
  ocf_time_ms now = ocf_sim_now(w.net);
  assert_int_equal(ocf_stack_connect(w.o.stack, &w.dsep, &p, now), OCF_OK);
  ocf_sim_flush(w.net);
  ocf_sim_run_for(w.net, 3); /* the first ClientHello with its cookie is in */
  assert_int_equal(ocf_stack_connect(w.o2.stack, &w.dsep, &p, ocf_sim_now(w.net)), OCF_OK);
  ocf_sim_flush(w.net);
  assert_true(ocf_sim_run_until(w.net, settled, &w.o2, 200000));
  assert_true(w.o.established);
  assert_true(w.o2.failed);
  assert_int_equal(w.o2.err, OCF_ERR_TIMEOUT);
  assert_true(device_sec_doc_open(w.dev));
  assert_int_equal(ocf_device_get_state(w.dev), OCF_DEVICE_RFOTM);
  assert_int_equal(models(&w)->doxm.oxmsel, OCF_OXM_JUST_WORKS); /* no reset happened */
  world_free(&w);
}

static void wrong_pin_round(world *w) {
  ocf_uuid before = models(w)->doxm.deviceuuid;
  start_otm(w, &w->o, OCF_OXM_RANDOM_PIN, "00000000"); /* the device shows a random one */
  assert_true(w->o.failed);
  ocf_sim_run_for(w->net, 100);
  /* Digest 3.6: a failed PIN handshake resets the device: new uuid, no OTM selected. */
  assert_int_equal(ocf_device_get_state(w->dev), OCF_DEVICE_RFOTM);
  assert_false(ocf_uuid_equal(&before, &models(w)->doxm.deviceuuid));
  assert_int_equal(models(w)->doxm.oxmsel, OCF_OXM_SELF);
}

static void test_wrong_pins_engage_the_limiter_across_restart_and_reset(void **state) {
  (void)state;
  world w;
  world_init(&w, 6);
  uint32_t failures;
  ocf_time_ms wait;
  for (int i = 0; i < OCF_OTM_PIN_FREE_FAILURES + 1; i++) wrong_pin_round(&w);
  device_dtls_pin_limiter(w.dev, &failures, &wait);
  assert_int_equal(failures, OCF_OTM_PIN_FREE_FAILURES + 1);
  assert_true(wait > 0 && wait <= 2000);
  /* A restart keeps the count and restarts the wait; so does a RESET. */
  device_stop(&w);
  device_start(&w);
  assert_int_equal(ocf_device_factory_reset(w.dev, ocf_sim_now(w.net)), OCF_OK);
  device_dtls_pin_limiter(w.dev, &failures, &wait);
  assert_int_equal(failures, OCF_OTM_PIN_FREE_FAILURES + 1);
  assert_int_equal(wait, 2000);
  /* The right PIN now: the device refuses the handshake until the wait is over. */
  ocf_time_ms t0 = ocf_sim_now(w.net);
  start_otm(&w, &w.o, OCF_OXM_RANDOM_PIN, NULL);
  assert_true(w.o.established);
  assert_true(ocf_sim_now(w.net) - t0 >= 2000);
  uint8_t psk[16];
  take_ownership(&w, psk);
  device_dtls_pin_limiter(w.dev, &failures, &wait); /* onboarded: forgiven */
  assert_int_equal(failures, 0);
  world_free(&w);
}

/* Digest 3.6: the DOC dropped mid-onboarding returns the device to a clean RFOTM. */
static void test_dropped_doc_resets_to_a_clean_rfotm(void **state) {
  (void)state;
  world w;
  world_init(&w, 7);
  start_otm(&w, &w.o, OCF_OXM_JUST_WORKS, NULL);
  assert_true(w.o.established);
  changed(&w, "/oic/sec/pstat", "{'om': 4}");
  changed(&w, "/oic/sec/doxm", "{'devowneruuid': '" OBT_UUID "'}");
  changed(&w, "/oic/sec/doxm", "{'deviceuuid': '" NEW_DI "'}");
  assert_int_equal(ocf_stack_close(w.o.stack, &w.dsep, ocf_sim_now(w.net)), OCF_OK);
  ocf_sim_run_for(&*w.net, 100);
  const ocf_svr_doxm *x = &models(&w)->doxm;
  ocf_uuid nd = uuid_of(NEW_DI);
  assert_int_equal(ocf_device_get_state(w.dev), OCF_DEVICE_RFOTM);
  assert_false(ocf_uuid_equal(&x->deviceuuid, &nd));
  assert_true(ocf_uuid_is_nil(&x->devowneruuid));
  assert_false(x->owned);
  assert_int_equal(x->oxmsel, OCF_OXM_SELF);
  assert_false(device_sec_doc_open(w.dev));
  /* and it can be onboarded again */
  start_otm(&w, &w.o, OCF_OXM_JUST_WORKS, NULL);
  assert_true(w.o.established);
  world_free(&w);
}

/* session_idle_ms: an onboarding tool that vanished (kill -9) without close_notify leaves the
 * DOC open until the idle timeout; then the device is back in a clean RFOTM (digest 3.6). */
static void test_idle_doc_closes_after_session_idle(void **state) {
  (void)state;
  world w;
  world_init(&w, 8);
  device_stop(&w);
  w.session_idle_ms = 3000;
  device_start(&w);
  start_otm(&w, &w.o, OCF_OXM_JUST_WORKS, NULL);
  assert_true(w.o.established);
  changed(&w, "/oic/sec/pstat", "{'om': 4}");
  changed(&w, "/oic/sec/doxm", "{'devowneruuid': '" OBT_UUID "'}");
  ocf_sim_run_for(&*w.net, 2000); /* the tool is silent, not yet idle long enough */
  assert_true(device_sec_doc_open(w.dev));
  ocf_sim_run_for(&*w.net, 1500);
  assert_false(device_sec_doc_open(w.dev));
  assert_int_equal(ocf_device_get_state(w.dev), OCF_DEVICE_RFOTM);
  assert_true(ocf_uuid_is_nil(&models(&w)->doxm.devowneruuid));
  assert_false(models(&w)->doxm.owned);
  world_free(&w);
}

/* A client offering another OTM's suites fails cleanly on both sides; the device resets. */
static void test_suite_mismatch_fails_cleanly(void **state) {
  (void)state;
  world w;
  world_init(&w, 8);
  assert_int_equal(req(&w, &w.o, false, OCF_COAP_POST, "/oic/sec/doxm", "{'oxmsel': 0}"), OCF_COAP_CHANGED);
  ocf_dtls_profile p = owner_profile((const uint8_t *)"0123456789abcdef");
  connect(&w, &w.o, &p);
  assert_true(w.o.failed);
  ocf_sim_run_for(w.net, 100);
  assert_int_equal(ocf_dtls_stats_get(ocf_stack_dtls(w.dev->stack))->sessions, 0);
  assert_int_equal(models(&w)->doxm.oxmsel, OCF_OXM_SELF);
  /* An owner-style PSK session before any OTM is refused too (RFOTM). */
  connect(&w, &w.o, &p);
  assert_true(w.o.failed);
  world_free(&w);
}

/* An Owner Credential with an empty key is refused when it cannot be derived: in the clear, or
 * with a subject that is not the owner. */
static void test_keyless_psk_refused_off_the_doc(void **state) {
  (void)state;
  world w;
  world_init(&w, 9);
  start_otm(&w, &w.o, OCF_OXM_JUST_WORKS, NULL);
  changed(&w, "/oic/sec/doxm", "{'devowneruuid': '" OBT_UUID "'}");
  assert_int_equal(req(&w, &w.o, true, OCF_COAP_POST, "/oic/sec/cred",
                       "{'creds': [{'credtype': 1, 'subjectuuid': '" NEW_DI
                       "', 'privatedata': {'encoding': 'oic.sec.encoding.raw', 'data': h''}}]}"),
                   OCF_COAP_BAD_REQUEST);
  assert_int_equal(models(&w)->cred.n, 0);
  world_free(&w);
}

/* The DOTS resends the Owner Credential's POST as a new request when its answer was lost
 * (ocf_obt_config.step_retries): the same entry again is a no-op (digest 2.3), answered 2.04,
 * with one credential for the owner and the same key; onboarding then completes. */
static void test_repeated_owner_credential_is_a_no_op(void **state) {
  (void)state;
  world w;
  world_init(&w, 10);
  start_otm(&w, &w.o, OCF_OXM_JUST_WORKS, NULL);
  assert_true(w.o.established);
  changed(&w, "/oic/sec/pstat", "{'om': 4}");
  changed(&w, "/oic/sec/doxm", "{'devowneruuid': '" OBT_UUID "'}");
  changed(&w, "/oic/sec/doxm", "{'deviceuuid': '" NEW_DI "'}");
  static const char cred[] = "{'creds': [{'credtype': 1, 'subjectuuid': '" OBT_UUID
                             "', 'privatedata': {'encoding': 'oic.sec.encoding.raw', 'data': h''}}], "
                             "'rowneruuid': '" OBT_UUID "'}";
  changed(&w, "/oic/sec/cred", cred);
  assert_int_equal(models(&w)->cred.n, 1);
  ocf_svr_cred_entry first = models(&w)->cred.e[0];
  changed(&w, "/oic/sec/cred", cred);
  changed(&w, "/oic/sec/cred", cred);
  assert_int_equal(models(&w)->cred.n, 1);
  assert_int_equal(models(&w)->cred.e[0].credid, first.credid);
  assert_true(ocf_svr_cred_entry_same(&models(&w)->cred.e[0], &first));
  ocf_uuid obt_uuid = uuid_of(OBT_UUID), di = uuid_of(NEW_DI);
  uint8_t psk[16];
  assert_int_equal(ocf_otm_owner_psk(w.o.os.otm, w.o.key_block, w.o.key_block_len, &obt_uuid, &di, psk),
                   OCF_OK);
  assert_memory_equal(first.private_data, psk, 16);
  /* A keyless PSK for the owner next to a keyed one for another subject: only the repeat goes. */
  changed(
      &w, "/oic/sec/cred",
      "{'creds': [{'credtype': 1, 'subjectuuid': '" NEW_DI
      "', 'privatedata': {'encoding': 'oic.sec.encoding.raw', 'data': h'00112233445566778899aabbccddeeff'}}, "
      "{'credtype': 1, 'subjectuuid': '" OBT_UUID
      "', 'privatedata': {'encoding': 'oic.sec.encoding.raw', 'data': h''}}]}");
  assert_int_equal(models(&w)->cred.n, 2);
  changed(&w, "/oic/sec/doxm", "{'rowneruuid': '" OBT_UUID "'}");
  changed(&w, "/oic/sec/acl2", "{'rowneruuid': '" OBT_UUID "'}");
  changed(&w, "/oic/sec/pstat", "{'rowneruuid': '" OBT_UUID "'}");
  changed(&w, "/oic/sec/doxm", "{'owned': true}");
  changed(&w, "/oic/sec/pstat", "{'dos': {'s': 2}}");
  assert_int_equal(ocf_device_get_state(w.dev), OCF_DEVICE_RFPRO);
  world_free(&w);
}

/* Sessions a crashed tool left behind must not lock the owner out until they idle out: with the
 * device's session table full, a new session takes the place of the one idle the longest. */
static void test_a_full_session_table_gives_way_to_a_new_session(void **state) {
  (void)state;
  world w;
  world_init(&w, 71);
  start_otm(&w, &w.o, OCF_OXM_JUST_WORKS, NULL);
  uint8_t psk[16];
  take_ownership(&w, psk);
  assert_int_equal(ocf_stack_close(w.o.stack, &w.dsep, ocf_sim_now(w.net)), OCF_OK);
  ocf_sim_run_for(w.net, 100);
  ocf_dtls_profile p = owner_profile(psk);
  enum { N = DEVICE_SEC_MAX_SESSIONS + 1 };
  static obt extra[N];
  for (size_t i = 0; i < N; i++) {
    obt_init(&w, &extra[i], (uint8_t)(10 + i), 900 + i);
    connect(&w, &extra[i], &p);
    assert_true(extra[i].established);
    assert_int_equal(req(&w, &extra[i], true, OCF_COAP_GET, "/oic/sec/doxm", NULL), OCF_COAP_CONTENT);
    ocf_sim_run_for(w.net, 1000);
  }
  /* The first used its session the longest ago: it was closed for the ninth. */
  assert_true(extra[0].closed);
  for (size_t i = 1; i < N; i++) assert_false(extra[i].closed);
  assert_int_equal(req(&w, &extra[N - 1], true, OCF_COAP_GET, "/oic/sec/pstat", NULL), OCF_COAP_CONTENT);
  for (size_t i = 0; i < N; i++) obt_free(&w, &extra[i]);
  world_free(&w);
}

/* --- certificates (ADR 0020) ----------------------------------------------------------------- */

/* Just Works onboarding, then the owner's PSK session on w->o. */
static void owned_world(world *w, uint64_t seed) {
  world_init(w, seed);
  start_otm(w, &w->o, OCF_OXM_JUST_WORKS, NULL);
  uint8_t psk[16];
  take_ownership(w, psk);
  assert_int_equal(ocf_stack_close(w->o.stack, &w->dsep, ocf_sim_now(w->net)), OCF_OK);
  ocf_sim_run_for(w->net, 100);
  ocf_otm_session_clear(&w->o.os);
  ocf_dtls_profile p = owner_profile(psk);
  connect(w, &w->o, &p);
  assert_true(w->o.established);
}

/* GET /oic/sec/csr over the owner session, parsed and checked. Digest 7.5: the owner reads csr
 * through an ACE (its rowneruuid rights cover doxm, pstat, cred and acl2 only). */
static void get_csr(world *w, ocf_pki_csr *csr) {
  assert_int_equal(req(w, &w->o, true, OCF_COAP_GET, "/oic/sec/csr", NULL), OCF_COAP_UNAUTHORIZED);
  changed(w, "/oic/sec/acl2",
          "{'aclist2': [{'subject': {'uuid': '" OBT_UUID "'}, 'resources': [{'href': '/oic/sec/csr'}, "
          "{'href': '/oic/sec/crl'}], 'permission': 6}]}");
  assert_int_equal(req(w, &w->o, true, OCF_COAP_GET, "/oic/sec/csr", NULL), OCF_COAP_CONTENT);
  test_tree *t = TEST_NEW(test_tree);
  const ocf_rep_node *root = bytes_tree(t, w->o.body, w->o.len);
  ocf_bytes pem;
  char enc[32];
  assert_int_equal(ocf_rep_get_text_or_bytes(ocf_rep_map_value(root, "csr"), &pem, NULL), OCF_OK);
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_map_value(root, "encoding"), enc, sizeof enc), OCF_OK);
  assert_string_equal(enc, "oic.sec.encoding.pem");
  assert_int_equal(ocf_pki_csr_parse(pem.ptr, pem.len, csr), OCF_OK); /* signature verified */
  test_free(t);
}

/* {"creds": [{credtype 8, subjectuuid, credusage, publicdata PEM}]} */
static size_t cert_cred(const char *subject, const char *usage, const char *pem, uint8_t *out, size_t cap) {
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, out, cap);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_array_open(&e, "creds");
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_int(&e, "credtype", 8);
  ocf_rep_enc_kv_text(&e, "subjectuuid", subject);
  ocf_rep_enc_kv_text(&e, "credusage", usage);
  ocf_rep_enc_kv_map_open(&e, "publicdata");
  ocf_rep_enc_kv_text(&e, "data", pem);
  ocf_rep_enc_kv_text(&e, "encoding", "oic.sec.encoding.pem");
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_map_close(&e);
  size_t len = 0;
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
  return len;
}

/* A certificate for uuid and pubkey from ca, as PEM (and DER). */
static uint8_t g_serial[OCF_PKI_SERIAL_MAX + 1]; /* of the last issue_pem */
static size_t g_serial_len;

static void issue_pem(const ocf_pki_ca *ca, const ocf_pki_rng *rng, const char *uuid, const uint8_t *pub,
                      size_t pub_len, char *pem, size_t cap, uint8_t der[OCF_PKI_CERT_MAX], size_t *der_len) {
  ocf_pki_leaf leaf = {.uuid = uuid_of(uuid),
                       .pubkey = pub,
                       .pubkey_len = pub_len,
                       .not_before = NOW_2025 - 86400,
                       .not_after = NOW_2025 + 86400 * 365};
  assert_int_equal(ocf_pki_issue(ca, &leaf, rng, der, OCF_PKI_CERT_MAX, der_len, g_serial, &g_serial_len),
                   OCF_OK);
  size_t len = 0;
  assert_int_equal(ocf_pki_pem_write("CERTIFICATE", der, *der_len, pem, cap, &len), OCF_OK);
}

/* POST /oic/sec/cred: ca's certificate as a trust anchor for subject ("*" or a uuid), PEM
 * (digest 6.3); the device's answer code. */
static uint8_t post_anchor(world *w, const ocf_pki_ca *ca, const char *subject) {
  static char pem[4096];
  static uint8_t body[8192];
  size_t pem_len = 0;
  assert_int_equal(ocf_pki_pem_write("CERTIFICATE", ca->cert, ca->cert_len, pem, sizeof pem, &pem_len),
                   OCF_OK);
  size_t len = cert_cred(subject, "oic.sec.cred.trustca", pem, body, sizeof body);
  return req_raw(w, &w->o, true, OCF_COAP_POST, "/oic/sec/cred", body, len);
}

/* POST /oic/sec/cred: the device's identity certificate from ca for the key of its CSR, with
 * CN uuid:NEW_DI (digest 6.2); the device's answer code. */
static uint8_t post_identity(world *w, const ocf_pki_ca *ca, const ocf_pki_rng *rng, const ocf_pki_csr *csr) {
  static char pem[4096];
  static uint8_t body[8192], der[OCF_PKI_CERT_MAX];
  size_t der_len = 0;
  issue_pem(ca, rng, NEW_DI, csr->pubkey, csr->pubkey_len, pem, sizeof pem, der, &der_len);
  size_t len = cert_cred(NEW_DI, "oic.sec.cred.cert", pem, body, sizeof body);
  return req_raw(w, &w->o, true, OCF_COAP_POST, "/oic/sec/cred", body, len);
}

/* A client holding key/cert (DER) from a CA, trusting anchor. */
static ocf_dtls_profile cert_profile(const uint8_t *cert, size_t cert_len, const uint8_t *key, size_t key_len,
                                     const ocf_bytes *anchor, ocf_bytes *chain) {
  ocf_dtls_profile p;
  memset(&p, 0, sizeof p);
  p.suites[0] = OCF_DTLS_ECDHE_ECDSA_AES_128_CCM_8;
  p.n_suites = 1;
  chain[0] = (ocf_bytes){cert, cert_len};
  p.chain = chain;
  p.n_chain = 1;
  p.private_key = (ocf_bytes){key, key_len};
  p.trust_anchors = anchor;
  p.n_trust_anchors = 1;
  p.verify = OCF_DTLS_VERIFY_REQUIRED;
  return p;
}

/* POST /oic/sec/crl with a CRL of ca revoking serial (base64 DER, SEC:crl). */
static void revoke_on_device(world *w, const ocf_pki_ca *ca, const ocf_pki_rng *rng, const uint8_t *serial,
                             size_t serial_len) {
  ocf_pki_revoked r = {serial, serial_len, NOW_2025};
  ocf_pki_crl_params cp = {.number = 2,
                           .this_update = NOW_2025,
                           .next_update = NOW_2025 + 86400 * 90,
                           .revoked = &r,
                           .n_revoked = 1};
  uint8_t crl[1024];
  size_t crl_len = 0;
  assert_int_equal(ocf_pki_crl_write(ca, &cp, rng, crl, sizeof crl, &crl_len), OCF_OK);
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char b64[2048], body[2200];
  size_t o = 0;
  for (size_t i = 0; i < crl_len; i += 3) {
    uint32_t v = (uint32_t)crl[i] << 16 | (i + 1 < crl_len ? (uint32_t)crl[i + 1] << 8 : 0) |
                 (i + 2 < crl_len ? crl[i + 2] : 0);
    b64[o++] = a[v >> 18 & 63];
    b64[o++] = a[v >> 12 & 63];
    b64[o++] = i + 1 < crl_len ? a[v >> 6 & 63] : '=';
    b64[o++] = i + 2 < crl_len ? a[v & 63] : '=';
  }
  b64[o] = 0;
  snprintf(body, sizeof body, "{'crlid': 2, 'thisupdate': '2025-01-01T00:00:00Z', 'crldata': '%s'}", b64);
  changed(w, "/oic/sec/crl", body);
}

static void test_identity_certificate_from_csr_and_cert_sessions(void **state) {
  (void)state;
  world w;
  owned_world(&w, 61);
  ocf_pki_rng rng = {w.o.sp.pf.random, w.o.sp.pf.ctx};
  ocf_pki_ca *ca = TEST_NEW(ocf_pki_ca), *other = TEST_NEW(ocf_pki_ca);
  assert_int_equal(ocf_pki_ca_create("Domain CA", NOW_2025 - 86400, NOW_2025 + 86400 * 3650, &rng, ca),
                   OCF_OK);
  assert_int_equal(ocf_pki_ca_create("Other CA", NOW_2025 - 86400, NOW_2025 + 86400 * 3650, &rng, other),
                   OCF_OK);
  /* Digest 2.7: the CSR names the current deviceuuid and is signed with the device's key. */
  ocf_pki_csr csr;
  get_csr(&w, &csr);
  assert_true(csr.has_uuid);
  assert_true(ocf_uuid_equal(&csr.uuid, &models(&w)->doxm.deviceuuid));
  static char pem[4096];
  static uint8_t body[8192], der[OCF_PKI_CERT_MAX];
  size_t der_len = 0, len = 0;
  /* A certificate for another key: 4.00, cred unchanged (digest 2.3). */
  uint8_t k2[OCF_PKI_KEY_MAX], p2[OCF_PKI_PUBKEY_MAX];
  size_t k2_len = 0, p2_len = 0;
  assert_int_equal(ocf_pki_keypair_generate(&rng, k2, sizeof k2, &k2_len, p2, sizeof p2, &p2_len), OCF_OK);
  issue_pem(ca, &rng, NEW_DI, p2, p2_len, pem, sizeof pem, der, &der_len);
  uint32_t n_before = models(&w)->cred.n;
  len = cert_cred(NEW_DI, "oic.sec.cred.cert", pem, body, sizeof body);
  assert_int_equal(req_raw(&w, &w.o, true, OCF_COAP_POST, "/oic/sec/cred", body, len), OCF_COAP_BAD_REQUEST);
  /* Our key but the CN of another uuid: refused too. */
  issue_pem(ca, &rng, OBT_UUID, csr.pubkey, csr.pubkey_len, pem, sizeof pem, der, &der_len);
  len = cert_cred(NEW_DI, "oic.sec.cred.cert", pem, body, sizeof body);
  assert_int_equal(req_raw(&w, &w.o, true, OCF_COAP_POST, "/oic/sec/cred", body, len), OCF_COAP_BAD_REQUEST);
  assert_int_equal(models(&w)->cred.n, n_before);
  /* The trust anchor and the certificate from the CSR (digest 6.2, 6.3), PEM. */
  assert_int_equal(post_anchor(&w, ca, "*"), OCF_COAP_CHANGED);
  assert_int_equal(post_identity(&w, ca, &rng, &csr), OCF_COAP_CHANGED);
  assert_int_equal(models(&w)->cred.n, n_before + 2);
  /* A client with a certificate of the same CA: ECDHE-ECDSA, both sides verified. */
  issue_pem(ca, &rng, OBT_UUID, p2, p2_len, pem, sizeof pem, der, &der_len);
  ocf_bytes anchor = {ca->cert, ca->cert_len}, chain[1];
  ocf_dtls_profile p = cert_profile(der, der_len, k2, k2_len, &anchor, chain);
  w.o2.cert_client = true;
  connect(&w, &w.o2, &p);
  assert_true(w.o2.established);
  assert_int_equal(ocf_stack_session_info(w.o2.stack, &w.dsep)->suite, OCF_DTLS_ECDHE_ECDSA_AES_128_CCM_8);
  assert_true(w.o2.peer_has_uuid); /* the device presented the certificate we issued */
  assert_true(ocf_uuid_equal(&w.o2.peer_uuid, &models(&w)->doxm.deviceuuid));
  assert_int_equal(ocf_stack_close(w.o2.stack, &w.dsep, ocf_sim_now(w.net)), OCF_OK);
  ocf_sim_run_for(w.net, 100);
  /* Digest 6.7: once the CRL revoking the client's serial is in /oic/sec/crl, its handshake fails. */
  revoke_on_device(&w, ca, &rng, g_serial, g_serial_len);
  connect(&w, &w.o2, &p);
  assert_true(w.o2.failed);
  /* A client certificate from another CA is refused. */
  issue_pem(other, &rng, OBT_UUID, p2, p2_len, pem, sizeof pem, der, &der_len);
  p = cert_profile(der, der_len, k2, k2_len, &anchor, chain);
  connect(&w, &w.o2, &p);
  assert_true(w.o2.failed);
  /* Digest 6.3: that CA as an anchor scoped to another uuid still authenticates nobody else;
   * scoped to the client's uuid (as plgd installs its CA for the OBT), it does. */
  assert_int_equal(post_anchor(&w, other, "11111111-2222-4333-8444-555555555555"), OCF_COAP_CHANGED);
  connect(&w, &w.o2, &p);
  assert_true(w.o2.failed);
  assert_int_equal(post_anchor(&w, other, OBT_UUID), OCF_COAP_CHANGED);
  connect(&w, &w.o2, &p);
  assert_true(w.o2.established);
  ocf_pki_ca_wipe(ca);
  ocf_pki_ca_wipe(other);
  test_free(ca);
  test_free(other);
  world_free(&w);
}

/* {"roles": [{credtype 8, credusage rolecert, publicdata PEM}]}, as IL clients assert them
 * (digest 6.2: no credid, no subjectuuid). */
static size_t roles_body(const char *pem, uint8_t *out, size_t cap) {
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, out, cap);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_array_open(&e, "roles");
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_int(&e, "credtype", 8);
  ocf_rep_enc_kv_text(&e, "credusage", "oic.sec.cred.rolecert");
  ocf_rep_enc_kv_map_open(&e, "publicdata");
  ocf_rep_enc_kv_text(&e, "data", pem);
  ocf_rep_enc_kv_text(&e, "encoding", "oic.sec.encoding.pem");
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_map_close(&e);
  size_t len = 0;
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
  return len;
}

/* A role certificate (role, authority from the issuer's CN) for uuid and pubkey, as the body of
 * POST /oic/sec/roles; n_roles 0 makes an identity certificate instead. */
static size_t role_post(const ocf_pki_ca *ca, const ocf_pki_rng *rng, const char *uuid, const uint8_t *pub,
                        size_t pub_len, const char *role, uint8_t *body, size_t cap) {
  static char pem[4096];
  static uint8_t der[OCF_PKI_CERT_MAX];
  ocf_pki_role r = {role, NULL};
  ocf_pki_leaf leaf = {.uuid = uuid_of(uuid),
                       .pubkey = pub,
                       .pubkey_len = pub_len,
                       .not_before = NOW_2025 - 86400,
                       .not_after = NOW_2025 + 86400 * 365,
                       .roles = role ? &r : NULL,
                       .n_roles = role ? 1 : 0};
  size_t der_len = 0, pem_len = 0;
  assert_int_equal(ocf_pki_issue(ca, &leaf, rng, der, sizeof der, &der_len, NULL, NULL), OCF_OK);
  assert_int_equal(ocf_pki_pem_write("CERTIFICATE", der, der_len, pem, sizeof pem, &pem_len), OCF_OK);
  return roles_body(pem, body, cap);
}

#define CLIENT_UUID "5b0e6a2c-7d1f-4e3a-9c8b-2a1d0f9e8c7b"

/* Digest 2.8, 6.1: a client in a certificate session asserts a role certificate for its own key
 * and uuid from a trusted CA; the session then holds the role and ACEs naming it apply, until the
 * session ends. Every other certificate, and any assertion over a PSK session, is refused with
 * the session's roles unchanged. */
static void test_role_certificates_are_asserted_over_certificate_sessions(void **state) {
  (void)state;
  world w;
  owned_world(&w, 67);
  ocf_pki_rng rng = {w.o.sp.pf.random, w.o.sp.pf.ctx};
  ocf_pki_ca *ca = TEST_NEW(ocf_pki_ca), *other = TEST_NEW(ocf_pki_ca);
  assert_int_equal(ocf_pki_ca_create("Domain CA", NOW_2025 - 86400, NOW_2025 + 86400 * 3650, &rng, ca),
                   OCF_OK);
  assert_int_equal(ocf_pki_ca_create("Other CA", NOW_2025 - 86400, NOW_2025 + 86400 * 3650, &rng, other),
                   OCF_OK);
  ocf_pki_csr csr;
  get_csr(&w, &csr);
  static uint8_t body[8192], der[OCF_PKI_CERT_MAX];
  static char pem[4096];
  size_t der_len = 0, len = 0;
  assert_int_equal(post_anchor(&w, ca, "*"), OCF_COAP_CHANGED);
  assert_int_equal(post_identity(&w, ca, &rng, &csr), OCF_COAP_CHANGED);
  /* The role "lamp.admin" of the Domain CA may read /oic/sec/sp (SEC:acl2 role subject). */
  changed(&w, "/oic/sec/acl2",
          "{'aclist2': [{'subject': {'role': 'lamp.admin', 'authority': 'Domain CA'}, 'resources': [{'href': "
          "'/oic/sec/sp'}], 'permission': 2}]}");
  /* The client: its own key and an identity certificate for CLIENT_UUID. */
  uint8_t k2[OCF_PKI_KEY_MAX], p2[OCF_PKI_PUBKEY_MAX], k3[OCF_PKI_KEY_MAX], p3[OCF_PKI_PUBKEY_MAX];
  size_t k2_len = 0, p2_len = 0, k3_len = 0, p3_len = 0;
  assert_int_equal(ocf_pki_keypair_generate(&rng, k2, sizeof k2, &k2_len, p2, sizeof p2, &p2_len), OCF_OK);
  assert_int_equal(ocf_pki_keypair_generate(&rng, k3, sizeof k3, &k3_len, p3, sizeof p3, &p3_len), OCF_OK);
  issue_pem(ca, &rng, CLIENT_UUID, p2, p2_len, pem, sizeof pem, der, &der_len);
  ocf_bytes anchor = {ca->cert, ca->cert_len}, chain[1];
  ocf_dtls_profile p = cert_profile(der, der_len, k2, k2_len, &anchor, chain);
  w.o2.cert_client = true;
  connect(&w, &w.o2, &p);
  assert_true(w.o2.established);
  assert_int_equal(req(&w, &w.o2, true, OCF_COAP_GET, "/oic/sec/sp", NULL), OCF_COAP_UNAUTHORIZED);
  /* Refused, 4.00: another key, another uuid, another CA, an identity certificate, a reserved role. */
  static const struct {
    const char *uuid, *role;
    bool other_key, other_ca;
  } bad[] = {
      {CLIENT_UUID, "lamp.admin", true, false},      {OBT_UUID, "lamp.admin", false, false},
      {CLIENT_UUID, "lamp.admin", false, true},      {CLIENT_UUID, NULL, false, false},
      {CLIENT_UUID, "oic.role.admin", false, false},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    len = role_post(bad[i].other_ca ? other : ca, &rng, bad[i].uuid, bad[i].other_key ? p3 : p2,
                    bad[i].other_key ? p3_len : p2_len, bad[i].role, body, sizeof body);
    assert_int_equal(req_raw(&w, &w.o2, true, OCF_COAP_POST, "/oic/sec/roles", body, len),
                     OCF_COAP_BAD_REQUEST);
  }
  assert_int_equal(req(&w, &w.o2, true, OCF_COAP_GET, "/oic/sec/sp", NULL), OCF_COAP_UNAUTHORIZED);
  /* The right one: 2.04; twice is not two entries; the role now grants R on sp. */
  len = role_post(ca, &rng, CLIENT_UUID, p2, p2_len, "lamp.admin", body, sizeof body);
  assert_int_equal(req_raw(&w, &w.o2, true, OCF_COAP_POST, "/oic/sec/roles", body, len), OCF_COAP_CHANGED);
  assert_int_equal(req_raw(&w, &w.o2, true, OCF_COAP_POST, "/oic/sec/roles", body, len), OCF_COAP_CHANGED);
  assert_int_equal(req(&w, &w.o2, true, OCF_COAP_GET, "/oic/sec/sp", NULL), OCF_COAP_CONTENT);
  assert_int_equal(req(&w, &w.o2, true, OCF_COAP_GET, "/oic/sec/roles", NULL), OCF_COAP_CONTENT);
  test_tree *t = TEST_NEW(test_tree);
  const ocf_rep_node *roles = ocf_rep_map_value(bytes_tree(t, w.o2.body, w.o2.len), "roles");
  assert_int_equal(ocf_rep_count(roles), 1);
  const ocf_rep_node *roleid = ocf_rep_map_value(ocf_rep_first(roles), "roleid");
  char text[64];
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_map_value(roleid, "role"), text, sizeof text), OCF_OK);
  assert_string_equal(text, "lamp.admin");
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_map_value(roleid, "authority"), text, sizeof text), OCF_OK);
  assert_string_equal(text, "Domain CA");
  test_free(t);
  /* Over the owner's PSK session the same certificate is refused: no key binds it (4.03). */
  assert_int_equal(req_raw(&w, &w.o, true, OCF_COAP_POST, "/oic/sec/roles", body, len), OCF_COAP_FORBIDDEN);
  /* The roles vanish with the session (digest 2.8). */
  assert_int_equal(ocf_stack_close(w.o2.stack, &w.dsep, ocf_sim_now(w.net)), OCF_OK);
  ocf_sim_run_for(w.net, 100);
  connect(&w, &w.o2, &p);
  assert_true(w.o2.established);
  assert_int_equal(req(&w, &w.o2, true, OCF_COAP_GET, "/oic/sec/sp", NULL), OCF_COAP_UNAUTHORIZED);
  ocf_pki_ca_wipe(ca);
  ocf_pki_ca_wipe(other);
  test_free(ca);
  test_free(other);
  world_free(&w);
}

/* The key pair is made on the first need, survives a restart and is dropped by RESET (Sec 8
 * entry actions): the next CSR has a new one. */
/* --- hostile peers on the DTLS path (issue 7 item 3) ------------------------------------------ */

/* Records from the OBT's node that carry application data (RFC 6347 4.1: content type 23). */
typedef struct wire {
  int node;
  bool hold; /* drop the next application record and keep it in held */
  ocf_sim_datagram last, held;
  bool has_held;
  size_t app_records;
} wire;

static bool app_filter(void *user, const ocf_sim_datagram *d) {
  wire *t = user;
  if (d->src_node != t->node || d->len < 13 || d->data[0] != 23) return true;
  t->app_records++;
  if (t->hold && !t->has_held) {
    t->held = *d;
    t->has_held = true;
    return false;
  }
  t->last = *d;
  return true;
}

static size_t aces_with_href(const world *w, const char *href) {
  size_t n = 0;
  const ocf_svr_acl2 *a = &models(w)->acl2;
  for (size_t i = 0; i < a->n; i++)
    for (size_t k = 0; k < a->ace[i].n_resources; k++) n += strcmp(a->ace[i].resources[k].href, href) == 0;
  return n;
}

#define ACE_BODY(href)                                                                                       \
  "{'aclist2': [{'subject': {'conntype': 'anon-clear'}, 'resources': [{'href': '" href                       \
  "'}], 'permission': 2}]}"

typedef struct answer {
  bool done;
  uint8_t code;
} answer;

static void on_answer(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  answer *a = user;
  (void)m;
  if (ev->type == OCF_MSG_EV_RESPONSE) a->code = ev->response->code;
  if (ev->final) a->done = true;
}

static bool request_done_answer(void *user) { return ((const answer *)user)->done; }

static void post_async(world *w, const char *diag, answer *a) {
  static uint8_t body[512]; /* msg keeps a pointer until the exchange ends */
  size_t len = diag_cbor(diag, body, sizeof body);
  uint8_t scratch[64];
  ocf_coap_msg m;
  ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_POST, 0);
  assert_int_equal(ocf_coap_set_uri_path_query(&m, "/oic/sec/acl2", scratch, sizeof scratch), OCF_OK);
  m.payload = body;
  m.payload_len = len;
  assert_int_equal(ocf_coap_add_uint_option(&m, OCF_COAP_OPT_CONTENT_FORMAT, OCF_COAP_CF_VND_OCF_CBOR),
                   OCF_OK);
  ocf_msg_request_params p = {.to = &w->dsep, .n_to = 1, .cb = on_answer, .user = a};
  assert_int_equal(ocf_stack_request(w->o.stack, &p, &m, ocf_sim_now(w->net), NULL), OCF_OK);
  ocf_sim_flush(w->net);
}

/* On an established owner session (RFC 6347 4.1.2.6): a POST's record replayed at once, and again
 * after CoAP's EXCHANGE_LIFETIME (247 s, RFC 7252 4.8.2: msg's duplicate detection has forgotten
 * the message id by then, so only the DTLS replay window stands between the copy and a second
 * ACE) never reaches the device's request path; two POSTs whose records arrive in the opposite
 * order are both applied, once each. */
static void test_owner_session_drops_replays_and_takes_reordered_records(void **state) {
  (void)state;
  world w;
  owned_world(&w, 31);
  wire t = {.node = w.o.node};
  ocf_sim_set_filter(w.net, app_filter, &t);
  const ocf_stack_stats *ds = ocf_stack_stats_get(w.dev->stack);
  changed(&w, "/oic/sec/acl2", ACE_BODY("/replayed"));
  assert_int_equal(aces_with_href(&w, "/replayed"), 1);
  ocf_sim_datagram post = t.last; /* the record that carried the POST */
  size_t rx = ds->rx_secure;
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 3; i++) ocf_sim_inject(w.net, &post.from, &post.to, post.data, post.len);
    ocf_sim_run_for(w.net, round == 0 ? 1000 : 300000); /* past EXCHANGE_LIFETIME, inside the idle time */
    assert_int_equal(ds->rx_secure, rx);
    assert_int_equal(aces_with_href(&w, "/replayed"), 1);
  }
  /* The session is still up: the replays did not end it. */
  assert_int_equal(req(&w, &w.o, true, OCF_COAP_GET, "/oic/sec/doxm", NULL), OCF_COAP_CONTENT);

  /* Reordered: CoAP sends one request at a time to a peer (RFC 7252 4.7, NSTART 1), so the
   * reordering a session sees is an older record arriving after a newer one: the POST's first
   * record is held back, its retransmission (a new record, a higher sequence number) is applied
   * and answered, then the held record arrives. The window takes it (not a replay: its number
   * was never seen), and msg's duplicate detection answers it without a second ACE. */
  t.hold = true;
  answer a = {0};
  post_async(&w, ACE_BODY("/reordered"), &a);
  assert_true(ocf_sim_run_until(w.net, request_done_answer, &a, 60000));
  assert_int_equal(a.code, OCF_COAP_CHANGED);
  assert_true(t.has_held);
  assert_int_equal(aces_with_href(&w, "/reordered"), 1);
  rx = ds->rx_secure;
  ocf_sim_inject(w.net, &t.held.from, &t.held.to, t.held.data, t.held.len);
  ocf_sim_run_for(w.net, 1000);
  assert_int_equal(ds->rx_secure, rx + 1); /* DTLS tolerated the late record */
  assert_int_equal(aces_with_href(&w, "/reordered"), 1);
  assert_int_equal(aces_with_href(&w, "/replayed"), 1);
  assert_int_equal(req(&w, &w.o, true, OCF_COAP_GET, "/oic/sec/doxm", NULL), OCF_COAP_CONTENT);
  ocf_sim_set_filter(w.net, NULL, NULL);
  world_free(&w);
}

/* --- handshake floods and half-open sessions ------------------------------------------------- */

#define N_SPOOFED 2000 /* ClientHellos from spoofed sources: never answer the cookie */
#define N_ATTACKERS 24 /* real clients: answer the cookie, then half abandon, half fail */

typedef struct flood {
  ocf_sim_platform sp;
  ocf_dtls_ctx *cli[N_ATTACKERS];
  int node[N_ATTACKERS];
  size_t sent[N_ATTACKERS];
  size_t max_sessions, max_handshakes, peak_bytes, base_bytes;
} flood;

/* Attackers with an odd index go silent once their ClientHello with the cookie is out. */
static bool abandon_filter(void *user, const ocf_sim_datagram *d) {
  flood *f = user;
  for (size_t i = 0; i < N_ATTACKERS; i++)
    if (d->src_node == f->node[i]) return ++f->sent[i] <= 2 || i % 2 == 0;
  return true;
}

static void sample(world *w, flood *f) {
  const ocf_dtls_stats *st = ocf_dtls_stats_get(ocf_stack_dtls(w->dev->stack));
  if (st->sessions > f->max_sessions) f->max_sessions = st->sessions;
  if (st->handshakes > f->max_handshakes) f->max_handshakes = st->handshakes;
  if (w->dpf.live_bytes > f->peak_bytes) f->peak_bytes = w->dpf.live_bytes;
}

static void run_sampling(world *w, flood *f, ocf_time_ms ms) {
  ocf_time_ms end = ocf_sim_now(w->net) + ms;
  while (ocf_sim_now(w->net) < end && ocf_sim_step(w->net)) sample(w, f);
  ocf_sim_run_for(w->net, end > ocf_sim_now(w->net) ? end - ocf_sim_now(w->net) : 0);
}

/* Issue 7 item 3b (RFC 6347 4.2.1, ADR 0011, digest 3.6): the device under a flood of
 * ClientHellos keeps its DTLS sessions, handshakes and memory bounded, and onboarding works
 * during and after it:
 *   1. N_SPOOFED ClientHellos from as many spoofed sources (never answering the cookie) queued
 *      with a real onboarding's: HelloVerifyRequests only, no state; the onboarding completes;
 *   2. owned: N_ATTACKERS real clients from their own addresses answer the cookie; half go
 *      silent mid-handshake (half-open), half finish with an unknown PSK identity; at most
 *      max_handshakes (4) at once, sessions within max_sessions; the owner gets in once the
 *      half-open handshakes time out (handshake_limit, 60 s);
 *   3. RFOTM again: a stranger selects the OTM and abandons its handshake: the one onboarding
 *      slot is held until the handshake limit, then the device resets and a legitimate
 *      onboarding completes. */
static void test_handshake_flood_and_half_open_sessions_stay_bounded(void **state) {
  (void)state;
  world w;
  world_init(&w, 41);
  flood *f = calloc(1, sizeof *f);
  assert_non_null(f);
  ocf_sim_platform_init(&f->sp, 99);
  f->sp.quiet = true;
  f->base_bytes = f->peak_bytes = w.dpf.live_bytes;
  const ocf_dtls_stats *st = ocf_dtls_stats_get(ocf_stack_dtls(w.dev->stack));

  /* 1. A real ClientHello (no cookie), sent from N_SPOOFED sources at once. */
  ocf_dtls_config dc;
  ocf_dtls_config_default(&dc);
  dc.server = false;
  ocf_dtls_callbacks cbs = {0};
  ocf_dtls_ctx *gen;
  assert_int_equal(ocf_dtls_create(&f->sp.pf, &dc, &cbs, &gen), OCF_OK);
  ocf_dtls_profile jw;
  assert_int_equal(ocf_dtls_profile_otm(&jw, OCF_OXM_JUST_WORKS), OCF_OK);
  assert_int_equal(ocf_dtls_connect(gen, &w.dsep, &jw, ocf_sim_now(w.net)), OCF_OK);
  uint8_t hello[1500];
  ocf_endpoint to;
  size_t hello_len = ocf_dtls_next_datagram(gen, &to, hello, sizeof hello);
  assert_true(hello_len > 0);
  ocf_dtls_destroy(gen);
  size_t hvr0 = st->hello_verify_sent;
  for (size_t i = 0; i < N_SPOOFED; i++) {
    ocf_endpoint from = ep6((uint8_t)(0x80 + i % 100), (uint16_t)(10000 + i), OCF_EP_SECURE);
    from.addr[14] = (uint8_t)(i / 100);
    ocf_sim_inject(w.net, &from, &w.dsep, hello, hello_len);
  }
  sample(&w, f);
  start_otm(&w, &w.o, OCF_OXM_JUST_WORKS, NULL); /* queued behind the flood */
  assert_true(w.o.established);
  uint8_t psk[16];
  take_ownership(&w, psk);
  sample(&w, f);
  assert_int_equal(ocf_device_get_state(w.dev), OCF_DEVICE_RFPRO);
  size_t hvr = st->hello_verify_sent - hvr0;
  assert_true(hvr >= N_SPOOFED); /* each answered statelessly */
  assert_true(f->max_sessions <= 1 && f->max_handshakes <= 1);
  size_t p1_peak = f->peak_bytes;
  assert_int_equal(ocf_stack_close(w.o.stack, &w.dsep, ocf_sim_now(w.net)), OCF_OK);
  ocf_otm_session_clear(&w.o.os);
  ocf_sim_run_for(w.net, 100);

  /* 2. Real clients with an unknown PSK identity, each from its own address. */
  ocf_sim_set_filter(w.net, abandon_filter, f);
  uint8_t bogus_id[16], bogus_key[16];
  memset(bogus_id, 0xee, sizeof bogus_id);
  memset(bogus_key, 0x11, sizeof bogus_key);
  ocf_dtls_profile ap;
  memset(&ap, 0, sizeof ap);
  ap.suites[0] = OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256;
  ap.n_suites = 1;
  ap.psk_identity = (ocf_bytes){bogus_id, sizeof bogus_id};
  ap.psk = (ocf_bytes){bogus_key, sizeof bogus_key};
  dc.handshake_limit_ms = 30000; /* the attackers give up on their own, too */
  size_t dropped0 = st->hello_dropped_caps, failed0 = st->failed;
  for (size_t i = 0; i < N_ATTACKERS; i++) {
    assert_int_equal(ocf_dtls_create(&f->sp.pf, &dc, &cbs, &f->cli[i]), OCF_OK);
    f->node[i] = ocf_sim_add_node(w.net, ocf_dtls_engine(f->cli[i]));
    assert_true(f->node[i] >= 0);
    ocf_endpoint a = ep6((uint8_t)(0x40 + i), (uint16_t)(20000 + i), 0);
    ocf_sim_node_add_addr(w.net, f->node[i], &a);
    assert_int_equal(ocf_dtls_connect(f->cli[i], &w.dsep, &ap, ocf_sim_now(w.net)), OCF_OK);
  }
  ocf_sim_flush(w.net);
  run_sampling(&w, f, 5000);
  size_t held = st->handshakes; /* half-open ones the device still waits for */
  assert_true(held > 0);
  run_sampling(&w, f, 61000); /* past handshake_limit */
  assert_int_equal(st->handshakes, 0);
  assert_int_equal(st->sessions, 0);
  assert_true(f->max_handshakes <= 4);
  assert_true(f->max_sessions <= 32);
  ocf_dtls_profile op = owner_profile(psk);
  connect(&w, &w.o, &op);
  assert_true(w.o.established); /* the owner gets in once the half-open handshakes are gone */
  assert_int_equal(req(&w, &w.o, true, OCF_COAP_GET, "/oic/sec/doxm", NULL), OCF_COAP_CONTENT);
  ocf_sim_set_filter(w.net, NULL, NULL);
  for (size_t i = 0; i < N_ATTACKERS; i++) {
    ocf_sim_node_remove(w.net, f->node[i]);
    ocf_dtls_destroy(f->cli[i]);
  }

  /* 3. RFOTM: a stranger selects Just Works and abandons its handshake. */
  assert_int_equal(ocf_device_factory_reset(w.dev, ocf_sim_now(w.net)), OCF_OK);
  ocf_sim_run_for(w.net, 1000);
  assert_int_equal(ocf_device_get_state(w.dev), OCF_DEVICE_RFOTM);
  assert_int_equal(req(&w, &w.o2, false, OCF_COAP_POST, "/oic/sec/doxm", "{'oxmsel': 0}"), OCF_COAP_CHANGED);
  ocf_dtls_ctx *stranger;
  assert_int_equal(ocf_dtls_create(&f->sp.pf, &dc, &cbs, &stranger), OCF_OK);
  int sn = ocf_sim_add_node(w.net, ocf_dtls_engine(stranger));
  ocf_endpoint sa = ep6(0x77, 20077, 0);
  ocf_sim_node_add_addr(w.net, sn, &sa);
  f->node[1] = sn; /* an odd index: silent after its ClientHello with the cookie */
  f->sent[1] = 0;
  for (size_t i = 0; i < N_ATTACKERS; i++)
    if (i != 1) f->node[i] = -1;
  ocf_sim_set_filter(w.net, abandon_filter, f);
  assert_int_equal(ocf_dtls_connect(stranger, &w.dsep, &jw, ocf_sim_now(w.net)), OCF_OK);
  ocf_sim_flush(w.net);
  run_sampling(&w, f, 3000);
  assert_int_equal(st->handshakes, 1);
  /* Meanwhile the OTM cannot be changed under it (digest 3.6): 4.00. */
  assert_int_equal(req(&w, &w.o, false, OCF_COAP_POST, "/oic/sec/doxm", "{'oxmsel': 1}"),
                   OCF_COAP_BAD_REQUEST);
  run_sampling(&w, f, 61000);
  assert_int_equal(st->handshakes, 0);
  assert_int_equal(ocf_device_get_state(w.dev), OCF_DEVICE_RFOTM);
  ocf_sim_set_filter(w.net, NULL, NULL);
  ocf_sim_node_remove(w.net, sn);
  ocf_dtls_destroy(stranger);
  start_otm(&w, &w.o, OCF_OXM_JUST_WORKS, NULL);
  assert_true(w.o.established);
  take_ownership(&w, psk);
  assert_int_equal(ocf_device_get_state(w.dev), OCF_DEVICE_RFPRO);

  printf(
      "flood: %d spoofed ClientHellos -> %zu HelloVerifyRequests, peak 1 session during the onboarding "
      "queued with them; %d real clients (half half-open) -> peak %zu handshakes, %zu sessions, %zu hellos "
      "dropped at the caps, %zu handshakes failed; device platform memory %zu bytes before, peak %zu (%zu in "
      "phase 1); onboarding completed during the spoofed flood and after the half-open one\n",
      N_SPOOFED, hvr, N_ATTACKERS, f->max_handshakes, f->max_sessions, st->hello_dropped_caps - dropped0,
      st->failed - failed0, f->base_bytes, f->peak_bytes, p1_peak);
  assert_int_equal(f->sp.live, 0);
  free(f);
  world_free(&w);
}

static void test_key_pair_survives_restart_and_is_replaced_on_reset(void **state) {
  (void)state;
  world w;
  world_init(&w, 67);
  uint8_t key[OCF_PKI_KEY_MAX];
  assert_int_equal(models(&w)->devkey_len, 0); /* creating a device makes no key */
  assert_int_equal(sec_key_ensure(w.dev), OCF_OK);
  size_t key_len = models(&w)->devkey_len;
  assert_true(key_len > 0);
  memcpy(key, models(&w)->devkey, key_len);
  device_stop(&w);
  device_start(&w);
  assert_int_equal(models(&w)->devkey_len, key_len);
  assert_memory_equal(models(&w)->devkey, key, key_len);
  assert_int_equal(ocf_device_factory_reset(w.dev, ocf_sim_now(w.net)), OCF_OK);
  assert_int_equal(models(&w)->devkey_len, 0);
  device_stop(&w);
  device_start(&w); /* the reset was saved: no key comes back */
  assert_int_equal(models(&w)->devkey_len, 0);
  assert_int_equal(sec_key_ensure(w.dev), OCF_OK);
  assert_true(memcmp(models(&w)->devkey, key, key_len) != 0);
  memcpy(key, models(&w)->devkey, models(&w)->devkey_len);
  device_stop(&w);
  device_start(&w);
  assert_memory_equal(models(&w)->devkey, key, key_len);
  world_free(&w);
}

/* --- a device without /oic/sec/csr: the key comes with the certificate (digest §6.2 item 2) --- */

/* {"creds": [{credtype 8, subjectuuid NEW_DI, usage, publicdata PEM, privatedata {key, enc}}]};
 * key_len 0 leaves privatedata out. */
static size_t keyed_cred(const char *usage, const char *pem, const uint8_t *key, size_t key_len,
                         bool key_text, const char *enc, uint8_t *out, size_t cap) {
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, out, cap);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_array_open(&e, "creds");
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_int(&e, "credtype", 8);
  ocf_rep_enc_kv_text(&e, "subjectuuid", NEW_DI);
  ocf_rep_enc_kv_text(&e, "credusage", usage);
  ocf_rep_enc_kv_map_open(&e, "publicdata");
  ocf_rep_enc_kv_text(&e, "data", pem);
  ocf_rep_enc_kv_text(&e, "encoding", "oic.sec.encoding.pem");
  ocf_rep_enc_map_close(&e);
  if (key_len) {
    ocf_rep_enc_kv_map_open(&e, "privatedata");
    if (key_text)
      ocf_rep_enc_kv_text(&e, "data", (const char *)key);
    else
      ocf_rep_enc_kv_bytes(&e, "data", key, key_len);
    ocf_rep_enc_kv_text(&e, "encoding", enc);
    ocf_rep_enc_map_close(&e);
  }
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_map_close(&e);
  size_t len = 0;
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
  return len;
}

static bool has_bytes(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m) {
  for (size_t i = 0; i + m <= n; i++)
    if (!memcmp(hay + i, needle, m)) return true;
  return false;
}

/* POST body to cred: the code; a refusal must leave cred as it was (credids and count). */
static uint8_t post_cred_checked(world *w, const uint8_t *body, size_t len) {
  uint32_t n = models(w)->cred.n, ids[OCF_SVR_MAX_CREDS];
  for (uint32_t i = 0; i < n; i++) ids[i] = models(w)->cred.e[i].credid;
  uint8_t c = req_raw(w, &w->o, true, OCF_COAP_POST, "/oic/sec/cred", body, len);
  if (c != OCF_COAP_CHANGED) {
    assert_int_equal(models(w)->cred.n, n);
    for (uint32_t i = 0; i < n; i++) assert_int_equal(models(w)->cred.e[i].credid, ids[i]);
  }
  return c;
}

static void test_no_csr_device_takes_a_certificate_with_its_key(void **state) {
  (void)state;
  world w;
  g_no_csr = true;
  owned_world(&w, 71);
  g_no_csr = false;
  ocf_pki_rng rng = {w.o.sp.pf.random, w.o.sp.pf.ctx};
  ocf_pki_ca *ca = TEST_NEW(ocf_pki_ca);
  assert_int_equal(ocf_pki_ca_create("Domain CA", NOW_2025 - 86400, NOW_2025 + 86400 * 3650, &rng, ca),
                   OCF_OK);
  /* No /oic/sec/csr (SEC:csr: 4.04 "unsupported"), even with the tool's ACE for it. */
  changed(&w, "/oic/sec/acl2",
          "{'aclist2': [{'subject': {'uuid': '" OBT_UUID "'}, 'resources': [{'href': '/oic/sec/csr'}, "
          "{'href': '/oic/sec/crl'}], 'permission': 6}]}");
  assert_int_equal(req(&w, &w.o, true, OCF_COAP_GET, "/oic/sec/csr", NULL), OCF_COAP_NOT_FOUND);
  assert_int_equal(models(&w)->devkey_len, 0);
  assert_int_equal(post_anchor(&w, ca, "*"), OCF_COAP_CHANGED);
  /* The tool's key pair for the device, and a second one. */
  uint8_t k[OCF_PKI_KEY_MAX], p[OCF_PKI_PUBKEY_MAX], k2[OCF_PKI_KEY_MAX], p2[OCF_PKI_PUBKEY_MAX];
  size_t k_len = 0, p_len = 0, k2_len = 0, p2_len = 0;
  assert_int_equal(ocf_pki_keypair_generate(&rng, k, sizeof k, &k_len, p, sizeof p, &p_len), OCF_OK);
  assert_int_equal(ocf_pki_keypair_generate(&rng, k2, sizeof k2, &k2_len, p2, sizeof p2, &p2_len), OCF_OK);
  static char pem[4096], key_pem[1024], bad_pem[1024];
  static uint8_t body[8192], der[OCF_PKI_CERT_MAX];
  size_t der_len = 0, key_pem_len = 0, len = 0;
  assert_int_equal(ocf_pki_pem_write("EC PRIVATE KEY", k, k_len, key_pem, sizeof key_pem, &key_pem_len),
                   OCF_OK);
  const char *cert = "oic.sec.cred.cert", *penc = "oic.sec.encoding.pem";
  /* A certificate for k2's key with k as privatedata: not the certificate's key. */
  issue_pem(ca, &rng, NEW_DI, p2, p2_len, pem, sizeof pem, der, &der_len);
  len = keyed_cred(cert, pem, (const uint8_t *)key_pem, key_pem_len, true, penc, body, sizeof body);
  assert_int_equal(post_cred_checked(&w, body, len), OCF_COAP_BAD_REQUEST);
  /* k's certificate naming another uuid. */
  issue_pem(ca, &rng, OBT_UUID, p, p_len, pem, sizeof pem, der, &der_len);
  len = keyed_cred(cert, pem, (const uint8_t *)key_pem, key_pem_len, true, penc, body, sizeof body);
  assert_int_equal(post_cred_checked(&w, body, len), OCF_COAP_BAD_REQUEST);
  /* The right certificate with garbage as its key: PEM armour round nothing, and bytes. */
  issue_pem(ca, &rng, NEW_DI, p, p_len, pem, sizeof pem, der, &der_len);
  snprintf(bad_pem, sizeof bad_pem,
           "-----BEGIN EC PRIVATE KEY-----\nAAAAgarbage==\n-----END EC PRIVATE KEY-----\n");
  len = keyed_cred(cert, pem, (const uint8_t *)bad_pem, strlen(bad_pem), true, penc, body, sizeof body);
  assert_int_equal(post_cred_checked(&w, body, len), OCF_COAP_BAD_REQUEST);
  len = keyed_cred(cert, pem, k, k_len - 3, false, "oic.sec.encoding.raw", body, sizeof body);
  assert_int_equal(post_cred_checked(&w, body, len), OCF_COAP_BAD_REQUEST);
  /* Without any key: the device has none of its own. */
  len = keyed_cred(cert, pem, NULL, 0, false, NULL, body, sizeof body);
  assert_int_equal(post_cred_checked(&w, body, len), OCF_COAP_BAD_REQUEST);
  /* The certificate with its key, PEM: taken. */
  uint32_t n_before = models(&w)->cred.n;
  len = keyed_cred(cert, pem, (const uint8_t *)key_pem, key_pem_len, true, penc, body, sizeof body);
  assert_int_equal(post_cred_checked(&w, body, len), OCF_COAP_CHANGED);
  assert_int_equal(models(&w)->cred.n, n_before + 1);
  assert_int_equal(models(&w)->devkey_len, 0); /* still no key of its own */
  /* A role certificate with its key as DER ("der", kept as raw bytes). */
  ocf_pki_role role = {"oic.role.lamp", NULL};
  ocf_pki_leaf leaf = {.uuid = uuid_of(NEW_DI),
                       .pubkey = p,
                       .pubkey_len = p_len,
                       .not_before = NOW_2025 - 86400,
                       .not_after = NOW_2025 + 86400 * 365,
                       .roles = &role,
                       .n_roles = 1};
  static char role_pem[4096];
  size_t role_len = 0;
  assert_int_equal(ocf_pki_issue(ca, &leaf, &rng, der, sizeof der, &der_len, NULL, NULL), OCF_OK);
  assert_int_equal(ocf_pki_pem_write("CERTIFICATE", der, der_len, role_pem, sizeof role_pem, &role_len),
                   OCF_OK);
  len = keyed_cred("oic.sec.cred.rolecert", role_pem, k, k_len, false, "oic.sec.encoding.der", body,
                   sizeof body);
  assert_int_equal(post_cred_checked(&w, body, len), OCF_COAP_CHANGED);
  assert_int_equal(models(&w)->cred.n, n_before + 2);
  assert_int_equal(models(&w)->cred.e[n_before + 1].private_encoding, OCF_CRED_ENC_RAW);
  /* GET never shows a private key (digest §2.3): neither the PEM text nor the DER bytes. */
  assert_int_equal(req(&w, &w.o, true, OCF_COAP_GET, "/oic/sec/cred", NULL), OCF_COAP_CONTENT);
  assert_true(w.o.len > 0);
  assert_false(has_bytes(w.o.body, w.o.len, (const uint8_t *)key_pem + 31, 32));
  assert_false(has_bytes(w.o.body, w.o.len, k + 7, 32)); /* the private scalar */
  assert_true(has_bytes(w.o.body, w.o.len, (const uint8_t *)"privatedata", 11));
  /* The device's certificate sessions use that key: a client of the same CA connects and sees
   * the device's uuid in the certificate it presents. */
  issue_pem(ca, &rng, OBT_UUID, p2, p2_len, pem, sizeof pem, der, &der_len);
  ocf_bytes anchor = {ca->cert, ca->cert_len}, chain[1];
  ocf_dtls_profile prof = cert_profile(der, der_len, k2, k2_len, &anchor, chain);
  w.o2.cert_client = true;
  connect(&w, &w.o2, &prof);
  assert_true(w.o2.established);
  assert_true(w.o2.peer_has_uuid);
  assert_true(ocf_uuid_equal(&w.o2.peer_uuid, &models(&w)->doxm.deviceuuid));
  ocf_pki_ca_wipe(ca);
  test_free(ca);
  world_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_just_works_onboarding),
      cmocka_unit_test(test_random_pin_onboarding),
      cmocka_unit_test(test_mfg_cert_onboarding),
      cmocka_unit_test(test_pin_is_new_on_every_oxmsel),
      cmocka_unit_test(test_second_onboarding_handshake_is_refused),
      cmocka_unit_test(test_wrong_pins_engage_the_limiter_across_restart_and_reset),
      cmocka_unit_test(test_dropped_doc_resets_to_a_clean_rfotm),
      cmocka_unit_test(test_idle_doc_closes_after_session_idle),
      cmocka_unit_test(test_suite_mismatch_fails_cleanly),
      cmocka_unit_test(test_keyless_psk_refused_off_the_doc),
      cmocka_unit_test(test_repeated_owner_credential_is_a_no_op),
      cmocka_unit_test(test_a_full_session_table_gives_way_to_a_new_session),
      cmocka_unit_test(test_identity_certificate_from_csr_and_cert_sessions),
      cmocka_unit_test(test_role_certificates_are_asserted_over_certificate_sessions),
      cmocka_unit_test(test_key_pair_survives_restart_and_is_replaced_on_reset),
      cmocka_unit_test(test_no_csr_device_takes_a_certificate_with_its_key),
      cmocka_unit_test(test_owner_session_drops_replays_and_takes_reordered_records),
      cmocka_unit_test(test_handshake_flood_and_half_open_sessions_stay_bounded),
  };
  return cmocka_run_group_tests(tests, make_certs, NULL);
}
