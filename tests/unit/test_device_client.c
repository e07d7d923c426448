/* The device as a client of another device (ocf_device_client_request, src/device/client.c) on
 * the simulated network: device A is a real ocf_device, onboarded with Just Works by a test OBT
 * over the DOC (digest §5.2) and given a pair-wise key; device B is a bare DTLS server on an
 * ocf_stack that checks what A offers (digest 4.1, 8.2: suite 0xC037, PSK identity = A's uuid,
 * the pair-wise key) and answers /switch. Covered: the refusals before anything is sent (not
 * onboarded, no key for the peer, bad arguments, busy), the request and its decoded answer, the
 * session reused by a second request, a key B does not share (no session), and a peer whose
 * session ends before it answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <ocf/ocf_device.h>

#include "coap/coap.h"
#include "otm/otm.h"
#include "rep/rep.h"
#include "sim/sim.h"
#include "stack/stack.h"
#include "store/memory/memory.h"
#include "svr_test_util.h"

#define START 1000000u
#define OBT_UUID "ce3eefde-b8e3-4c08-5674-c3702eb35028"
#define A_UUID "867b77b4-bfb5-453e-5b74-74aa0f4341bf"
#define B_UUID "5b0b5f1e-1c55-4d2b-8a3e-0b1f2c3d4e5f"
#define PAIR_KEY "h'00112233445566778899aabbccddeeff'"

static const uint8_t k_pair_key[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                       0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

/* --- the test OBT (a DTLS client on an ocf_stack) -------------------------------------------- */

typedef struct obt {
  ocf_sim_platform sp;
  ocf_stack *stack;
  int node;
  ocf_otm_session os;
  bool established, failed, done;
  uint8_t key_block[OCF_KEY_BLOCK_MAX];
  size_t key_block_len;
  uint8_t code;
} obt;

/* --- device B: a DTLS server that knows A's pair-wise key ------------------------------------ */

typedef struct peer_b {
  ocf_sim_platform sp;
  ocf_stack *stack;
  int node;
  ocf_endpoint ep;
  uint8_t key[16];
  uint8_t hint[16];
  size_t sessions, requests;
  bool identity_ok;
  char last_uri[64];
  uint8_t last_method;
  size_t last_body_len;
  bool silent; /* close the session instead of answering */
} peer_b;

typedef struct world {
  ocf_sim_net *net;
  ocf_sim_platform dpf;
  ocf_mem_medium *medium;
  ocf_store *store;
  ocf_device *dev;
  int dnode;
  ocf_endpoint dep, dsep;
  obt o;
  peer_b b;
  /* the last client result */
  bool got;
  ocf_device_client_result res;
  bool has_value, value;
  size_t results;
} world;

static ocf_endpoint ep6(uint8_t last, uint16_t port, uint8_t flags) {
  ocf_endpoint ep = {.family = OCF_IPV6, .port = port, .flags = flags};
  ep.addr[0] = 0xfd;
  ep.addr[15] = last;
  return ep;
}

static void obt_on_session(void *user, ocf_stack *stack, const ocf_dtls_event *ev) {
  obt *o = user;
  (void)stack;
  if (ev->type == OCF_DTLS_EV_ESTABLISHED) {
    o->established = true;
    assert_int_equal(ocf_dtls_session_key_block(ev->session, o->key_block, &o->key_block_len), OCF_OK);
  } else if (ev->type == OCF_DTLS_EV_FAILED) {
    o->failed = true;
  }
}

static void obt_on_response(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  obt *o = user;
  (void)m;
  if (ev->type == OCF_MSG_EV_RESPONSE) o->code = ev->response->code;
  if (ev->final) o->done = true;
}

static bool obt_done(void *user) { return ((obt *)user)->done; }
static bool obt_settled(void *user) { return ((obt *)user)->established || ((obt *)user)->failed; }

static uint8_t obt_req(world *w, bool secure, uint8_t code, const char *uri, const char *diag) {
  uint8_t scratch[256], body[512];
  ocf_coap_msg m;
  ocf_coap_init(&m, OCF_COAP_CON, code, 0);
  assert_int_equal(ocf_coap_set_uri_path_query(&m, uri, scratch, sizeof scratch), OCF_OK);
  if (diag) {
    m.payload_len = diag_cbor(diag, body, sizeof body);
    m.payload = body;
    assert_int_equal(ocf_coap_add_uint_option(&m, OCF_COAP_OPT_CONTENT_FORMAT, OCF_COAP_CF_VND_OCF_CBOR),
                     OCF_OK);
  }
  ocf_msg_request_params p = {
      .to = secure ? &w->dsep : &w->dep, .n_to = 1, .cb = obt_on_response, .user = &w->o};
  w->o.done = false;
  w->o.code = 0;
  assert_int_equal(ocf_stack_request(w->o.stack, &p, &m, ocf_sim_now(w->net), NULL), OCF_OK);
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, obt_done, &w->o, 300000));
  return w->o.code;
}

static void changed(world *w, const char *uri, const char *diag) {
  assert_int_equal(obt_req(w, true, OCF_COAP_POST, uri, diag), OCF_COAP_CHANGED);
}

/* Digest §5.2: Just Works over the DOC, then RFPRO, as test_device_dtls.c does it. */
static void onboard(world *w) {
  assert_int_equal(obt_req(w, false, OCF_COAP_POST, "/oic/sec/doxm", "{'oxmsel': 0}"), OCF_COAP_CHANGED);
  ocf_otm_registry reg;
  ocf_otm_registry_init(&reg);
  ocf_otm_params p = {.device_uuid = uuid_of(A_UUID)};
  assert_int_equal(ocf_otm_session_init(&w->o.os, ocf_otm_registry_find(&reg, OCF_OXM_JUST_WORKS), false, &p),
                   OCF_OK);
  assert_int_equal(ocf_stack_connect(w->o.stack, &w->dsep, &w->o.os.profile, ocf_sim_now(w->net)), OCF_OK);
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, obt_settled, &w->o, 200000));
  assert_true(w->o.established);
  changed(w, "/oic/sec/pstat", "{'om': 4}");
  changed(w, "/oic/sec/doxm", "{'devowneruuid': '" OBT_UUID "'}");
  changed(w, "/oic/sec/doxm", "{'deviceuuid': '" A_UUID "'}");
  changed(w, "/oic/sec/doxm", "{'rowneruuid': '" OBT_UUID "'}");
  changed(w, "/oic/sec/acl2", "{'rowneruuid': '" OBT_UUID "'}");
  changed(w, "/oic/sec/pstat", "{'rowneruuid': '" OBT_UUID "'}");
  changed(w, "/oic/sec/cred",
          "{'creds': [{'credtype': 1, 'subjectuuid': '" OBT_UUID
          "', 'privatedata': {'encoding': 'oic.sec.encoding.raw', 'data': h''}}], 'rowneruuid': '" OBT_UUID
          "'}");
  changed(w, "/oic/sec/doxm", "{'owned': true}");
  changed(w, "/oic/sec/pstat", "{'dos': {'s': 2}}");
  assert_int_equal(ocf_device_get_state(w->dev), OCF_DEVICE_RFPRO);
}

/* Digest 6.6: the CMS's pair-wise key for B, over the DOC (still open). */
static void give_pair_key(world *w) {
  changed(w, "/oic/sec/cred",
          "{'creds': [{'credtype': 1, 'subjectuuid': '" B_UUID
          "', 'privatedata': {'encoding': 'oic.sec.encoding.raw', 'data': " PAIR_KEY "}}]}");
}

/* --- device B's callbacks --------------------------------------------------------------------- */

static ocf_err b_accept(void *user, const ocf_endpoint *peer, ocf_dtls_profile *p) {
  peer_b *b = user;
  (void)peer;
  ocf_dtls_profile_owned(p);
  p->suites[0] = OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256;
  p->n_suites = 1;
  p->psk_hint = (ocf_bytes){b->hint, sizeof b->hint}; /* digest 4.1: its own uuid */
  return OCF_OK;
}

/* Digest 4.1, 8.2: the identity is A's uuid as 16 raw bytes. */
static ocf_err b_psk_lookup(void *user, const ocf_endpoint *peer, const uint8_t *identity,
                            size_t identity_len, uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  peer_b *b = user;
  (void)peer;
  ocf_uuid a = uuid_of(A_UUID);
  b->identity_ok = identity_len == 16 && memcmp(identity, a.b, 16) == 0;
  if (!b->identity_ok) return OCF_ERR_NOT_FOUND;
  memcpy(key, b->key, 16);
  *key_len = 16;
  return OCF_OK;
}

static void b_on_session(void *user, ocf_stack *stack, const ocf_dtls_event *ev) {
  (void)stack;
  if (ev->type == OCF_DTLS_EV_ESTABLISHED) ((peer_b *)user)->sessions++;
}

static void b_on_request(void *user, ocf_msg *m, const ocf_msg_incoming *in) {
  peer_b *b = user;
  b->requests++;
  b->last_method = in->request->code;
  b->last_body_len = in->request->payload_len;
  size_t n = 0;
  for (size_t i = 0; i < in->request->n_options; i++) {
    const ocf_coap_option *o = &in->request->options[i];
    if (o->number != OCF_COAP_OPT_URI_PATH && o->number != OCF_COAP_OPT_URI_QUERY) continue;
    if (n + o->len + 2 >= sizeof b->last_uri) break;
    b->last_uri[n++] = o->number == OCF_COAP_OPT_URI_PATH ? '/' : '?';
    memcpy(b->last_uri + n, ocf_coap_option_value(o), o->len);
    n += o->len;
  }
  b->last_uri[n] = '\0';
  if (b->silent) {
    ocf_msg_drop(m, in->handle);
    (void)ocf_stack_close(b->stack, in->peer, in->now);
    return;
  }
  static const uint8_t k_on[] = {0xa1, 0x65, 'v', 'a', 'l', 'u', 'e', 0xf5}; /* {"value": true} */
  ocf_coap_msg rsp;
  ocf_coap_init(&rsp, OCF_COAP_ACK, OCF_COAP_CONTENT, 0);
  assert_int_equal(ocf_coap_add_uint_option(&rsp, OCF_COAP_OPT_CONTENT_FORMAT, OCF_COAP_CF_VND_OCF_CBOR),
                   OCF_OK);
  rsp.payload = k_on;
  rsp.payload_len = sizeof k_on;
  assert_int_equal(ocf_msg_respond(m, in->handle, &rsp, in->now), OCF_OK);
}

/* --- the world -------------------------------------------------------------------------------- */

static void world_init(world *w, uint64_t seed) {
  memset(w, 0, sizeof *w);
  w->net = ocf_sim_net_new(seed, START);
  ocf_sim_platform_init(&w->dpf, seed * 5 + 3);
  w->dpf.quiet = true;
  assert_int_equal(ocf_mem_medium_new(&w->dpf.pf, 32, 512 * 1024, &w->medium), OCF_OK);
  w->dep = ep6(1, 5683, 0);
  w->dsep = ep6(1, 5683, OCF_EP_SECURE); /* the simulation tells coaps by the flag */
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
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
  /* the test OBT */
  ocf_sim_platform_init(&w->o.sp, seed * 7 + 1);
  w->o.sp.quiet = true;
  ocf_stack_config c;
  ocf_stack_config_default(&c);
  c.dtls.client = true;
  ocf_stack_callbacks ocb = {.user = &w->o, .on_session = obt_on_session};
  assert_int_equal(ocf_stack_create(&w->o.sp.pf, &c, &ocb, &w->o.stack), OCF_OK);
  w->o.node = ocf_sim_add_node(w->net, ocf_stack_engine(w->o.stack));
  ocf_endpoint oep = ep6(2, 40001, 0);
  ocf_sim_node_add_addr(w->net, w->o.node, &oep);
  /* device B */
  peer_b *b = &w->b;
  ocf_sim_platform_init(&b->sp, seed * 11 + 2);
  b->sp.quiet = true;
  memcpy(b->key, k_pair_key, sizeof b->key);
  ocf_uuid bu = uuid_of(B_UUID);
  memcpy(b->hint, bu.b, sizeof b->hint);
  ocf_stack_config_default(&c);
  c.dtls.server = true;
  ocf_stack_callbacks bcb = {
      .user = b, .on_session = b_on_session, .accept = b_accept, .psk_lookup = b_psk_lookup};
  assert_int_equal(ocf_stack_create(&b->sp.pf, &c, &bcb, &b->stack), OCF_OK);
  ocf_msg_set_request_handler(ocf_stack_msg(b->stack), b_on_request, b);
  b->node = ocf_sim_add_node(w->net, ocf_stack_engine(b->stack));
  ocf_endpoint baddr = ep6(3, 5684, 0);
  ocf_sim_node_add_addr(w->net, b->node, &baddr);
  b->ep = ep6(3, 5684, OCF_EP_SECURE);
}

static void world_free(world *w) {
  ocf_sim_node_remove(w->net, w->b.node);
  ocf_stack_destroy(w->b.stack);
  ocf_sim_node_remove(w->net, w->o.node);
  ocf_stack_destroy(w->o.stack);
  ocf_otm_session_clear(&w->o.os);
  ocf_sim_node_remove(w->net, w->dnode);
  ocf_device_destroy(w->dev);
  ocf_store_close(w->store);
  ocf_mem_medium_free(w->medium);
  assert_int_equal(w->dpf.live, 0);
  assert_int_equal(w->o.sp.live, 0);
  assert_int_equal(w->b.sp.live, 0);
  ocf_sim_net_free(w->net);
}

static void on_result(void *user, ocf_device *d, const ocf_device_client_result *r) {
  world *w = user;
  (void)d;
  w->got = true;
  w->results++;
  w->res = *r;
  w->has_value = ocf_rep_get_bool(ocf_rep_map_value(r->body, "value"), &w->value) == OCF_OK;
  w->res.payload = NULL; /* valid during the call only */
  w->res.body = NULL;
}

static bool got_result(void *user) { return ((world *)user)->got; }

static ocf_device_client_params get_switch(const world *w) {
  return (ocf_device_client_params){.to = w->b.ep,
                                    .peer = uuid_of(B_UUID),
                                    .cred = OCF_DEVICE_CLIENT_CRED_PSK,
                                    .method = OCF_METHOD_GET,
                                    .href = "/switch"};
}

/* Sends p and runs the network until the result; asserts that it was accepted. */
static void ask(world *w, const ocf_device_client_params *p) {
  w->got = false;
  assert_int_equal(ocf_device_client_request(w->dev, p, ocf_sim_now(w->net), on_result, w), OCF_OK);
  assert_false(w->got); /* never from inside the call */
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, got_result, w, 300000));
}

/* --- tests ------------------------------------------------------------------------------------ */

static void test_refusals_before_anything_is_sent(void **state) {
  (void)state;
  world w;
  world_init(&w, 3);
  ocf_device_client_params p = get_switch(&w);
  /* Unowned: no credentials of a domain yet. */
  assert_int_equal(ocf_device_client_request(w.dev, &p, ocf_sim_now(w.net), on_result, &w), OCF_ERR_STATE);
  onboard(&w);
  /* Owned, but no key for B (and no identity certificate). */
  assert_int_equal(ocf_device_client_request(w.dev, &p, ocf_sim_now(w.net), on_result, &w),
                   OCF_ERR_NOT_FOUND);
  p.cred = OCF_DEVICE_CLIENT_CRED_CERT;
  give_pair_key(&w);
  assert_int_equal(ocf_device_client_request(w.dev, &p, ocf_sim_now(w.net), on_result, &w),
                   OCF_ERR_NOT_FOUND);
  /* Bad arguments. */
  ocf_device_client_params bad = get_switch(&w);
  bad.to.flags = 0; /* not coaps */
  assert_int_equal(ocf_device_client_request(w.dev, &bad, 0, on_result, &w), OCF_ERR_INVALID_ARG);
  bad = get_switch(&w);
  bad.href = "switch";
  assert_int_equal(ocf_device_client_request(w.dev, &bad, 0, on_result, &w), OCF_ERR_INVALID_ARG);
  bad = get_switch(&w);
  bad.method = OCF_METHOD_PUT;
  assert_int_equal(ocf_device_client_request(w.dev, &bad, 0, on_result, &w), OCF_ERR_INVALID_ARG);
  bad = get_switch(&w);
  bad.body_len = OCF_DEVICE_CLIENT_BODY_MAX + 1;
  bad.body = (const uint8_t *)"x";
  assert_int_equal(ocf_device_client_request(w.dev, &bad, 0, on_result, &w), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_device_client_request(w.dev, &p, 0, NULL, &w), OCF_ERR_INVALID_ARG);
  ocf_sim_run_for(w.net, 1000);
  assert_int_equal(w.b.sessions, 0); /* nothing reached B */
  assert_int_equal(w.results, 0);
  world_free(&w);
}

static void test_request_over_a_pairwise_session(void **state) {
  (void)state;
  world w;
  world_init(&w, 5);
  onboard(&w);
  give_pair_key(&w);
  ocf_device_client_params p = get_switch(&w);
  p.query = "if=oic.if.a";
  w.got = false;
  assert_int_equal(ocf_device_client_request(w.dev, &p, ocf_sim_now(w.net), on_result, &w), OCF_OK);
  /* One request at a time. */
  assert_int_equal(ocf_device_client_request(w.dev, &p, ocf_sim_now(w.net), on_result, &w), OCF_ERR_BUSY);
  ocf_sim_flush(w.net);
  assert_true(ocf_sim_run_until(w.net, got_result, &w, 300000));
  assert_int_equal(w.res.err, OCF_OK);
  assert_int_equal(w.res.code, OCF_STATUS_CONTENT);
  assert_int_equal(w.res.auth, OCF_PEER_AUTH_PSK);
  assert_true(w.has_value && w.value);
  assert_true(w.b.identity_ok); /* A's uuid as the PSK identity */
  assert_string_equal(w.b.last_uri, "/switch?if=oic.if.a");
  assert_int_equal(w.b.last_method, OCF_COAP_GET);
  /* A second request reuses the session: no new handshake. */
  static const uint8_t k_off[] = {0xa1, 0x65, 'v', 'a', 'l', 'u', 'e', 0xf4};
  p = get_switch(&w);
  p.method = OCF_METHOD_POST;
  p.body = k_off;
  p.body_len = sizeof k_off;
  ask(&w, &p);
  assert_int_equal(w.res.err, OCF_OK);
  assert_int_equal(w.b.sessions, 1);
  assert_int_equal(w.b.requests, 2);
  assert_int_equal(w.b.last_method, OCF_COAP_POST);
  assert_int_equal(w.b.last_body_len, sizeof k_off);
  assert_int_equal(w.results, 2);
  /* Closed by A: the next request opens a new session. */
  assert_int_equal(ocf_device_client_close(w.dev, &w.b.ep, ocf_sim_now(w.net)), OCF_OK);
  ocf_sim_run_for(w.net, 100);
  assert_int_equal(ocf_device_client_close(w.dev, &w.b.ep, ocf_sim_now(w.net)), OCF_ERR_NOT_FOUND);
  ask(&w, &p);
  assert_int_equal(w.res.err, OCF_OK);
  assert_int_equal(w.b.sessions, 2);
  world_free(&w);
}

static void test_a_key_the_peer_does_not_share_gets_no_session(void **state) {
  (void)state;
  world w;
  world_init(&w, 7);
  onboard(&w);
  give_pair_key(&w);
  w.b.key[0] ^= 1; /* B was re-keyed, or never paired with A */
  ocf_device_client_params p = get_switch(&w);
  ask(&w, &p);
  assert_int_equal(w.res.err, OCF_ERR_DENIED);
  assert_int_equal(w.res.auth, OCF_PEER_AUTH_NONE);
  assert_int_equal(w.b.sessions, 0);
  assert_int_equal(w.b.requests, 0);
  /* The device is free for the next request. */
  w.b.key[0] ^= 1;
  ask(&w, &p);
  assert_int_equal(w.res.err, OCF_OK);
  assert_int_equal(w.res.code, OCF_STATUS_CONTENT);
  world_free(&w);
}

static void test_a_session_ending_before_the_answer_ends_the_request(void **state) {
  (void)state;
  world w;
  world_init(&w, 9);
  onboard(&w);
  give_pair_key(&w);
  w.b.silent = true;
  ocf_device_client_params p = get_switch(&w);
  ask(&w, &p);
  assert_int_not_equal(w.res.err, OCF_OK);
  assert_int_equal(w.results, 1);
  assert_int_equal(w.b.requests, 1);
  world_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_refusals_before_anything_is_sent),
      cmocka_unit_test(test_request_over_a_pairwise_session),
      cmocka_unit_test(test_a_key_the_peer_does_not_share_gets_no_session),
      cmocka_unit_test(test_a_session_ending_before_the_answer_ends_the_request),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
