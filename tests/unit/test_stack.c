/* Unit tests of src/stack: CoAP over DTLS between two stacks on the simulated network (PSK,
 * Just Works and certificate sessions), block-wise bodies through records, plain and secure
 * side by side, requests to peers without a session, session ends that end requests, hostile
 * input on the secure path, record sizes at the MTU for every OCF suite, and configuration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "dtls_certs.h"
#include "msg_fixture.h"
#include "stack/stack.h"

#define ST_START 1000000u
#define ST_MAX_EVENTS 8

static const uint8_t identity16[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                       0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01};
static const uint8_t key16[16] = {'0', '1', '2', '3', '4', '5', '6', '7',
                                  '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

typedef struct st_event {
  ocf_dtls_event_type type;
  ocf_err err;
  ocf_dtls_close_reason reason;
  ocf_dtls_session_info info;
  size_t pending_requests; /* msg's open requests when the event arrived */
} st_event;

typedef struct st_node {
  ocf_sim_platform sp;
  ocf_stack *stack;
  int node;
  ocf_endpoint ep;  /* plain */
  ocf_endpoint sep; /* the same address, OCF_EP_SECURE */
  st_event ev[ST_MAX_EVENTS];
  size_t n_ev;
  /* Server: the profile accept hands out; psk_lookup knows one identity. */
  ocf_dtls_profile profile;
  uint8_t identity[OCF_DTLS_IDENTITY_MAX];
  size_t identity_len;
  uint8_t psk[OCF_DTLS_PSK_MAX];
  size_t psk_len;
  /* Request handler: msg_fixture's script, plus what the stack says about the sender. */
  handler_script hs;
  bool had_info;
  ocf_dtls_session_info info;
  bool close_in_handler;
  ocf_err close_result;
} st_node;

typedef struct st_world {
  ocf_sim_net *net;
  st_node server, client;
} st_world;

static ocf_endpoint ep6(uint8_t last, uint16_t port, uint8_t flags) {
  ocf_endpoint ep = fx_ep6(last, port);
  ep.flags = flags;
  return ep;
}

/* --- callbacks ------------------------------------------------------------------------------ */

static void on_session(void *user, ocf_stack *stack, const ocf_dtls_event *ev) {
  st_node *n = user;
  assert_ptr_equal(stack, n->stack);
  assert_true(n->n_ev < ST_MAX_EVENTS);
  st_event *e = &n->ev[n->n_ev++];
  e->type = ev->type;
  e->err = ev->err;
  e->reason = ev->reason;
  e->info = *ev->info;
  e->pending_requests = ocf_msg_pending_requests(ocf_stack_msg(stack));
  assert_true(ev->info->peer.flags & OCF_EP_SECURE);
  const ocf_dtls_session_info *now = ocf_stack_session_info(stack, &ev->info->peer);
  if (ev->type == OCF_DTLS_EV_ESTABLISHED)
    assert_ptr_equal(now, ev->info);
  else
    assert_null(now);
}

static ocf_err on_accept(void *user, const ocf_endpoint *peer, ocf_dtls_profile *profile) {
  const st_node *n = user;
  (void)peer;
  *profile = n->profile;
  return OCF_OK;
}

static ocf_err on_psk_lookup(void *user, const ocf_endpoint *peer, const uint8_t *identity,
                             size_t identity_len, uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  const st_node *n = user;
  (void)peer;
  if (identity_len != n->identity_len || memcmp(identity, n->identity, identity_len))
    return OCF_ERR_NOT_FOUND;
  memcpy(key, n->psk, n->psk_len);
  *key_len = n->psk_len;
  return OCF_OK;
}

static void on_request(void *user, ocf_msg *m, const ocf_msg_incoming *in) {
  st_node *n = user;
  const ocf_dtls_session_info *info = ocf_stack_session_info(n->stack, in->peer);
  n->had_info = info != NULL;
  if (info) n->info = *info;
  if (n->close_in_handler) n->close_result = ocf_stack_close(n->stack, in->peer, in->now);
  handler_cb(&n->hs, m, in);
}

/* --- world ---------------------------------------------------------------------------------- */

static ocf_stack_config role_config(bool server, bool client) {
  ocf_stack_config c;
  ocf_stack_config_default(&c);
  c.dtls.server = server;
  c.dtls.client = client;
  return c;
}

static void node_init(st_world *w, st_node *n, uint64_t seed, const ocf_stack_config *cfg, uint8_t last,
                      uint16_t port) {
  memset(n, 0, sizeof *n);
  ocf_sim_platform_init(&n->sp, seed);
  n->sp.quiet = true;
  n->ep = ep6(last, port, 0);
  n->sep = ep6(last, port, OCF_EP_SECURE);
  ocf_stack_callbacks cbs = {
      .user = n, .on_session = on_session, .accept = on_accept, .psk_lookup = on_psk_lookup};
  assert_int_equal(ocf_stack_create(&n->sp.pf, cfg, &cbs, &n->stack), OCF_OK);
  ocf_msg_set_request_handler(ocf_stack_msg(n->stack), on_request, n);
  n->node = ocf_sim_add_node(w->net, ocf_stack_engine(n->stack));
  assert_true(n->node >= 0);
  ocf_sim_node_add_addr(w->net, n->node, &n->ep);
}

/* Server [2001:db8::10]:5684 (server role, PSK profile {0xC037}, knows key16 for identity16) and
 * client [2001:db8::1]:40001 (client role); cfgs NULL = those roles with defaults. */
static void st_init(st_world *w, uint64_t seed, const ocf_stack_config *scfg, const ocf_stack_config *ccfg) {
  memset(w, 0, sizeof *w);
  w->net = ocf_sim_net_new(seed, ST_START);
  assert_non_null(w->net);
  ocf_stack_config s = role_config(true, false), c = role_config(false, true);
  node_init(w, &w->server, seed * 3 + 1, scfg ? scfg : &s, 0x10, 5684);
  node_init(w, &w->client, seed * 7 + 2, ccfg ? ccfg : &c, 0x01, 40001);
  st_node *sv = &w->server;
  assert_int_equal(ocf_dtls_profile_otm(&sv->profile, OCF_OXM_RANDOM_PIN), OCF_OK);
  memcpy(sv->identity, identity16, sizeof identity16);
  sv->identity_len = sizeof identity16;
  memcpy(sv->psk, key16, sizeof key16);
  sv->psk_len = sizeof key16;
}

static void st_free(st_world *w) {
  ocf_stack_destroy(w->server.stack);
  ocf_stack_destroy(w->client.stack);
  assert_int_equal(w->server.sp.live, 0);
  assert_int_equal(w->client.sp.live, 0);
  free(w->server.hs.last_body);
  free(w->client.hs.last_body);
  ocf_sim_net_free(w->net);
}

static size_t count(const st_node *n, ocf_dtls_event_type type) {
  size_t c = 0;
  for (size_t i = 0; i < n->n_ev; i++) c += n->ev[i].type == type;
  return c;
}

static const st_event *find(const st_node *n, ocf_dtls_event_type type) {
  for (size_t i = 0; i < n->n_ev; i++)
    if (n->ev[i].type == type) return &n->ev[i];
  return NULL;
}

static bool both_established(void *user) {
  st_world *w = user;
  return count(&w->server, OCF_DTLS_EV_ESTABLISHED) && count(&w->client, OCF_DTLS_EV_ESTABLISHED);
}

static bool both_settled(void *user) {
  st_world *w = user;
  const st_node *ns[2] = {&w->server, &w->client};
  for (int i = 0; i < 2; i++)
    if (!count(ns[i], OCF_DTLS_EV_ESTABLISHED) && !count(ns[i], OCF_DTLS_EV_FAILED)) return false;
  return true;
}

static ocf_dtls_profile psk_profile(const uint8_t *key) {
  ocf_dtls_profile p;
  assert_int_equal(ocf_dtls_profile_otm(&p, OCF_OXM_RANDOM_PIN), OCF_OK);
  p.psk_identity = (ocf_bytes){identity16, sizeof identity16};
  p.psk = (ocf_bytes){key, 16};
  return p;
}

static void connect_and_establish(st_world *w, const ocf_dtls_profile *p) {
  assert_int_equal(ocf_stack_connect(w->client.stack, &w->server.ep, p, ocf_sim_now(w->net)), OCF_OK);
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, both_established, w, 20000));
}

/* Sends a request from the client stack through ocf_stack_request. */
static ocf_err request(st_world *w, recorder *rec, const ocf_endpoint *to, uint8_t code, const uint8_t *body,
                       size_t len) {
  ocf_coap_msg req;
  uint8_t scratch[64];
  ocf_coap_init(&req, OCF_COAP_CON, code, 0);
  assert_int_equal(ocf_coap_set_uri_path_query(&req, "/oic/sec/cred", scratch, sizeof scratch), OCF_OK);
  req.payload = len ? body : NULL;
  req.payload_len = len;
  rec->net = w->net;
  ocf_msg_request_params p = {.to = to, .n_to = 1, .cb = recorder_cb, .user = rec};
  ocf_err err = ocf_stack_request(w->client.stack, &p, &req, ocf_sim_now(w->net), NULL);
  ocf_sim_flush(w->net);
  return err;
}

static bool rec_final(void *user) { return ((recorder *)user)->final_seen; }

/* --- wire ----------------------------------------------------------------------------------- */

#define CT_CHANGE_CIPHER_SPEC 20
#define CT_APPLICATION 23

typedef struct wire {
  size_t secure, plain; /* datagrams by the flag of their destination */
  size_t not_dtls;      /* secure datagrams whose first byte is no DTLS content type */
  size_t max_record;    /* longest secure datagram */
  int app_src;          /* keep the first application record sent by this node */
  uint8_t app[1500];
  size_t app_len;
} wire;

static void tap(void *user, const ocf_sim_datagram *d) {
  wire *t = user;
  if (!(d->to.flags & OCF_EP_SECURE)) {
    t->plain++;
    return;
  }
  t->secure++;
  if (d->len < 13 || d->data[0] < CT_CHANGE_CIPHER_SPEC || d->data[0] > CT_APPLICATION || d->data[1] != 0xFE)
    t->not_dtls++;
  if (d->len > t->max_record) t->max_record = d->len;
  if (d->src_node == t->app_src && d->data[0] == CT_APPLICATION && !t->app_len && d->len <= sizeof t->app) {
    memcpy(t->app, d->data, d->len);
    t->app_len = d->len;
  }
}

/* --- sessions and requests ------------------------------------------------------------------ */

static void test_psk_session_carries_a_get_and_the_handler_sees_the_peer_identity(void **state) {
  (void)state;
  st_world w;
  st_init(&w, 1, NULL, NULL);
  wire t = {.app_src = -1};
  ocf_sim_set_tap(w.net, tap, &t);
  ocf_dtls_profile p = psk_profile(key16);
  connect_and_establish(&w, &p);
  assert_int_equal(find(&w.client, OCF_DTLS_EV_ESTABLISHED)->info.suite, 0xC037);

  static const uint8_t body[] = {0xbf, 0x61, 'x', 0x01, 0xff};
  w.server.hs.body = body;
  w.server.hs.body_len = sizeof body;
  recorder rec = {0};
  assert_int_equal(request(&w, &rec, &w.server.sep, OCF_COAP_GET, NULL, 0), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, rec_final, &rec, 10000));
  assert_int_equal(rec.n, 1);
  assert_int_equal(rec.ev[0].type, OCF_MSG_EV_RESPONSE);
  assert_int_equal(rec.ev[0].code, OCF_COAP_CONTENT);
  assert_int_equal(rec.ev[0].len, sizeof body);
  assert_memory_equal(rec.ev[0].body, body, sizeof body);
  assert_true(rec.ev[0].peer.flags & OCF_EP_SECURE);

  /* The handler saw a secure peer and its session: digest §4.1, a 16-byte identity is the
   * client's device uuid. */
  assert_int_equal(w.server.hs.calls, 1);
  assert_true(w.server.hs.last_peer.flags & OCF_EP_SECURE);
  assert_true(ocf_endpoint_equal(&w.server.hs.last_peer, &w.client.ep));
  assert_true(w.server.had_info);
  assert_int_equal(w.server.info.auth, OCF_DTLS_AUTH_PSK);
  assert_int_equal(w.server.info.peer_id_len, 16);
  assert_memory_equal(w.server.info.peer_id, identity16, 16);
  assert_true(w.server.info.has_peer_uuid);
  assert_memory_equal(w.server.info.peer_uuid.b, identity16, 16);

  /* Nothing but DTLS records on the wire, nothing plain. */
  assert_int_equal(t.plain, 0);
  assert_int_equal(t.not_dtls, 0);
  const ocf_stack_stats *ss = ocf_stack_stats_get(w.server.stack), *cs = ocf_stack_stats_get(w.client.stack);
  assert_int_equal(ss->rx_secure, 1);
  assert_int_equal(ss->tx_secure, 1); /* the piggybacked response */
  assert_int_equal(cs->tx_secure, 1);
  assert_int_equal(cs->rx_secure, 1);
  assert_int_equal(ss->rx_plain + ss->tx_plain + cs->rx_plain + cs->tx_plain, 0);
  assert_int_equal(ss->tx_no_session + cs->tx_no_session + ss->tx_failed + cs->tx_failed, 0);
  recorder_clear(&rec);
  st_free(&w);
}

static void test_blockwise_post_and_get_of_4k_bodies_cross_dtls(void **state) {
  (void)state;
  st_world w;
  st_init(&w, 2, NULL, NULL);
  wire t = {.app_src = -1};
  ocf_sim_set_tap(w.net, tap, &t);
  ocf_dtls_profile p = psk_profile(key16);
  connect_and_establish(&w, &p);

  uint8_t *up = fx_pattern(4096, 5), *down = fx_pattern(4096, 77);
  w.server.hs.code = OCF_COAP_CHANGED;
  recorder rec = {0};
  assert_int_equal(request(&w, &rec, &w.server.sep, OCF_COAP_POST, up, 4096), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, rec_final, &rec, 60000));
  assert_int_equal(rec.ev[0].type, OCF_MSG_EV_RESPONSE);
  assert_int_equal(rec.ev[0].code, OCF_COAP_CHANGED);
  assert_int_equal(w.server.hs.calls, 1);
  assert_int_equal(w.server.hs.last_body_len, 4096);
  assert_memory_equal(w.server.hs.last_body, up, 4096);
  assert_true(w.server.had_info); /* the reassembled request is still the session's */
  size_t up_records = ocf_stack_stats_get(w.client.stack)->tx_secure;
  assert_int_equal(up_records, 4); /* four 1024-byte Block1 messages */

  recorder_clear(&rec);
  w.server.hs.code = OCF_COAP_CONTENT;
  w.server.hs.body = down;
  w.server.hs.body_len = 4096;
  assert_int_equal(request(&w, &rec, &w.server.sep, OCF_COAP_GET, NULL, 0), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, rec_final, &rec, 60000));
  assert_int_equal(rec.ev[0].type, OCF_MSG_EV_RESPONSE);
  assert_int_equal(rec.ev[0].len, 4096);
  assert_memory_equal(rec.ev[0].body, down, 4096);
  assert_int_equal(ocf_stack_stats_get(w.client.stack)->tx_secure - up_records, 4); /* Block2 0..3 */
  assert_int_equal(t.plain, 0);
  assert_int_equal(t.not_dtls, 0);
  assert_true(t.max_record <= 1400);
  free(up);
  free(down);
  recorder_clear(&rec);
  st_free(&w);
}

static void test_plain_and_secure_requests_run_side_by_side(void **state) {
  (void)state;
  st_world w;
  st_init(&w, 3, NULL, NULL);
  ocf_dtls_profile p = psk_profile(key16);
  connect_and_establish(&w, &p);
  static const uint8_t body[] = {0xa0};
  w.server.hs.body = body;
  w.server.hs.body_len = sizeof body;
  recorder plain = {0}, secure = {0};
  assert_int_equal(request(&w, &plain, &w.server.ep, OCF_COAP_GET, NULL, 0), OCF_OK);
  assert_int_equal(request(&w, &secure, &w.server.sep, OCF_COAP_GET, NULL, 0), OCF_OK);
  /* The plain request is handled first: no session identity for it, although a session with the
   * same address and port exists. */
  assert_true(ocf_sim_step(w.net));
  assert_int_equal(w.server.hs.calls, 1);
  assert_false(w.server.hs.last_peer.flags & OCF_EP_SECURE);
  assert_false(w.server.had_info);
  assert_null(ocf_stack_session_info(w.server.stack, &w.client.ep));
  assert_non_null(ocf_stack_session_info(w.server.stack, &w.client.sep));
  assert_true(ocf_sim_run_until(w.net, rec_final, &plain, 10000));
  assert_true(ocf_sim_run_until(w.net, rec_final, &secure, 10000));
  assert_int_equal(w.server.hs.calls, 2);
  assert_true(w.server.hs.last_peer.flags & OCF_EP_SECURE);
  assert_true(w.server.had_info);
  assert_int_equal(plain.ev[0].type, OCF_MSG_EV_RESPONSE);
  assert_false(plain.ev[0].peer.flags & OCF_EP_SECURE);
  assert_int_equal(secure.ev[0].type, OCF_MSG_EV_RESPONSE);
  assert_true(secure.ev[0].peer.flags & OCF_EP_SECURE);
  const ocf_stack_stats *ss = ocf_stack_stats_get(w.server.stack);
  assert_int_equal(ss->rx_plain, 1);
  assert_int_equal(ss->tx_plain, 1);
  assert_int_equal(ss->rx_secure, 1);
  assert_int_equal(ss->tx_secure, 1);
  recorder_clear(&plain);
  recorder_clear(&secure);
  st_free(&w);
}

static void test_request_to_a_secure_peer_without_session_fails_or_is_counted(void **state) {
  (void)state;
  st_world w;
  st_init(&w, 4, NULL, NULL);
  wire t = {.app_src = -1};
  ocf_sim_set_tap(w.net, tap, &t);
  recorder rec = {0};
  /* Through the stack: refused at once. */
  assert_int_equal(request(&w, &rec, &w.server.sep, OCF_COAP_GET, NULL, 0), OCF_ERR_NOT_FOUND);
  ocf_endpoint group = fx_group6();
  group.flags = OCF_EP_SECURE;
  assert_int_equal(request(&w, &rec, &group, OCF_COAP_GET, NULL, 0), OCF_ERR_INVALID_ARG);
  ocf_dtls_profile p = psk_profile(key16);
  assert_int_equal(ocf_stack_connect(w.client.stack, &w.server.ep, &p, ocf_sim_now(w.net)), OCF_OK);
  assert_int_equal(request(&w, &rec, &w.server.sep, OCF_COAP_GET, NULL, 0), OCF_ERR_STATE); /* handshaking */
  assert_int_equal(ocf_stack_close(w.client.stack, &w.server.ep, ocf_sim_now(w.net)), OCF_OK);
  assert_int_equal(rec.n, 0);
  ocf_sim_run_for(w.net, 1000); /* the abandoned ClientHello and its HelloVerifyRequest */

  /* Straight on msg: every transmission is dropped and counted, then msg gives up. */
  size_t secure_before = t.secure;
  ocf_coap_msg req;
  ocf_coap_init(&req, OCF_COAP_CON, OCF_COAP_GET, 0);
  rec.net = w.net;
  ocf_msg_request_params mp = {.to = &w.server.sep, .n_to = 1, .cb = recorder_cb, .user = &rec};
  assert_int_equal(ocf_msg_request(ocf_stack_msg(w.client.stack), &mp, &req, ocf_sim_now(w.net), NULL),
                   OCF_OK);
  ocf_sim_flush(w.net);
  assert_true(ocf_sim_run_until(w.net, rec_final, &rec, 300000));
  assert_int_equal(rec.ev[0].type, OCF_MSG_EV_TIMEOUT);
  assert_int_equal(ocf_stack_stats_get(w.client.stack)->tx_no_session, 5); /* 1 + MAX_RETRANSMIT */
  assert_int_equal(t.secure, secure_before);
  assert_int_equal(t.plain, 0);
  assert_int_equal(w.server.hs.calls, 0);
  recorder_clear(&rec);
  st_free(&w);
}

static void test_session_end_ends_open_requests_and_releases_the_handles(void **state) {
  (void)state;
  st_world w;
  st_init(&w, 5, NULL, NULL);
  ocf_dtls_profile p = psk_profile(key16);
  connect_and_establish(&w, &p);
  w.server.hs.mode = HANDLER_DEFER;
  recorder rec = {0};
  assert_int_equal(request(&w, &rec, &w.server.sep, OCF_COAP_GET, NULL, 0), OCF_OK);
  ocf_sim_run_for(w.net, 100);
  assert_int_equal(w.server.hs.calls, 1);
  uint32_t handle = w.server.hs.last_handle;
  assert_false(rec.final_seen); /* empty ACK only; the answer was deferred */

  /* The client closes: its request ends at once, before the owner hears CLOSED. */
  assert_int_equal(ocf_stack_close(w.client.stack, &w.server.ep, ocf_sim_now(w.net)), OCF_OK);
  assert_true(rec.final_seen);
  assert_int_equal(rec.ev[0].type, OCF_MSG_EV_FAILED);
  assert_int_equal(rec.ev[0].err, OCF_ERR_RESET);
  const st_event *closed = find(&w.client, OCF_DTLS_EV_CLOSED);
  assert_non_null(closed);
  assert_int_equal(closed->pending_requests, 0);
  ocf_sim_flush(w.net);
  ocf_sim_run_for(w.net, 100);
  assert_int_equal(find(&w.server, OCF_DTLS_EV_CLOSED)->reason, OCF_DTLS_CLOSE_PEER);
  /* The server forgot the pending request: the late answer has nowhere to go. */
  ocf_coap_msg rsp;
  ocf_coap_init(&rsp, OCF_COAP_ACK, OCF_COAP_CONTENT, 0);
  assert_int_equal(ocf_msg_respond(ocf_stack_msg(w.server.stack), handle, &rsp, ocf_sim_now(w.net)),
                   OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_stack_stats_get(w.server.stack)->sessions_forgotten, 1);
  assert_int_equal(ocf_stack_stats_get(w.client.stack)->sessions_forgotten, 1);
  assert_int_equal(ocf_stack_close(w.client.stack, &w.server.ep, ocf_sim_now(w.net)), OCF_ERR_NOT_FOUND);
  recorder_clear(&rec);
  st_free(&w);
}

static void test_server_closing_from_its_handler_fails_the_client_request(void **state) {
  (void)state;
  st_world w;
  st_init(&w, 6, NULL, NULL);
  ocf_dtls_profile p = psk_profile(key16);
  connect_and_establish(&w, &p);
  w.server.close_in_handler = true; /* like a device ending its DOC session */
  recorder rec = {0};
  assert_int_equal(request(&w, &rec, &w.server.sep, OCF_COAP_GET, NULL, 0), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, rec_final, &rec, 5000));
  assert_int_equal(w.server.close_result, OCF_OK);
  assert_int_equal(w.server.hs.respond_result, OCF_ERR_NOT_FOUND); /* released by the close */
  assert_int_equal(rec.ev[0].type, OCF_MSG_EV_FAILED);
  assert_int_equal(rec.ev[0].err, OCF_ERR_RESET);
  assert_int_equal(find(&w.client, OCF_DTLS_EV_CLOSED)->reason, OCF_DTLS_CLOSE_PEER);
  assert_int_equal(ocf_stack_stats_get(w.server.stack)->tx_secure, 0);
  recorder_clear(&rec);
  st_free(&w);
}

static void test_wrong_psk_is_reported_and_nothing_reaches_msg(void **state) {
  (void)state;
  st_world w;
  st_init(&w, 7, NULL, NULL);
  static const uint8_t wrong[16] = "0123456789abcdeX";
  ocf_dtls_profile p = psk_profile(wrong);
  assert_int_equal(ocf_stack_connect(w.client.stack, &w.server.ep, &p, ocf_sim_now(w.net)), OCF_OK);
  ocf_sim_flush(w.net);
  assert_true(ocf_sim_run_until(w.net, both_settled, &w, 20000));
  const st_event *sf = find(&w.server, OCF_DTLS_EV_FAILED), *cf = find(&w.client, OCF_DTLS_EV_FAILED);
  assert_non_null(sf);
  assert_non_null(cf);
  assert_int_equal(sf->err, OCF_ERR_CRYPTO);
  assert_int_equal(cf->err, OCF_ERR_RESET);
  assert_false(sf->info.has_peer_uuid);
  assert_int_equal(count(&w.server, OCF_DTLS_EV_ESTABLISHED), 0);
  recorder rec = {0};
  assert_int_equal(request(&w, &rec, &w.server.sep, OCF_COAP_GET, NULL, 0), OCF_ERR_NOT_FOUND);
  ocf_sim_run_for(w.net, 10000);
  assert_int_equal(w.server.hs.calls, 0);
  assert_int_equal(ocf_stack_stats_get(w.server.stack)->rx_secure, 0);
  assert_int_equal(ocf_stack_stats_get(w.client.stack)->rx_secure, 0);
  st_free(&w);
}

static void test_just_works_session_carries_a_get(void **state) {
  (void)state;
  if (!ocf_dtls_suite_available(OCF_DTLS_ECDH_ANON_AES_128_CBC_SHA256)) skip(); /* unpatched mbedTLS */
  st_world w;
  st_init(&w, 8, NULL, NULL);
  assert_int_equal(ocf_dtls_profile_otm(&w.server.profile, OCF_OXM_JUST_WORKS), OCF_OK);
  ocf_dtls_profile p;
  assert_int_equal(ocf_dtls_profile_otm(&p, OCF_OXM_JUST_WORKS), OCF_OK);
  connect_and_establish(&w, &p);
  assert_int_equal(find(&w.server, OCF_DTLS_EV_ESTABLISHED)->info.suite, 0xFF00);
  static const uint8_t body[] = {0xa1, 0x61, 's', 0x00};
  w.server.hs.body = body;
  w.server.hs.body_len = sizeof body;
  recorder rec = {0};
  assert_int_equal(request(&w, &rec, &w.server.sep, OCF_COAP_GET, NULL, 0), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, rec_final, &rec, 10000));
  assert_int_equal(rec.ev[0].type, OCF_MSG_EV_RESPONSE);
  assert_memory_equal(rec.ev[0].body, body, sizeof body);
  /* Anonymous: a secure session, but nobody authenticated. */
  assert_true(w.server.had_info);
  assert_int_equal(w.server.info.auth, OCF_DTLS_AUTH_NONE);
  assert_false(w.server.info.has_peer_uuid);
  recorder_clear(&rec);
  st_free(&w);
}

/* --- hostile input -------------------------------------------------------------------------- */

static void test_plaintext_on_the_secure_path_never_reaches_msg(void **state) {
  (void)state;
  st_world w;
  st_init(&w, 9, NULL, NULL);
  ocf_dtls_profile p = psk_profile(key16);
  connect_and_establish(&w, &p);
  uint8_t coap[64], noise[200];
  static const uint8_t token[2] = {1, 2};
  size_t n = fx_build(coap, sizeof coap, OCF_COAP_CON, OCF_COAP_GET, 7, token, 2, "/oic/sec/cred", NULL, 0);
  for (size_t i = 0; i < sizeof noise; i++) noise[i] = (uint8_t)(i * 37 + 11);
  noise[0] = CT_APPLICATION; /* looks like a record of the session's epoch */
  noise[1] = 0xFE;
  noise[2] = 0xFD;
  noise[3] = 0;
  noise[4] = 1;
  noise[11] = 0;
  noise[12] = (uint8_t)(sizeof noise - 13);
  ocf_endpoint stranger = ep6(0x66, 40002, OCF_EP_SECURE);
  /* A CoAP request sent to the secure endpoint, from a stranger and from the session's peer; a
   * forged record from the session's peer. */
  ocf_sim_inject(w.net, &stranger, &w.server.sep, coap, n);
  ocf_sim_inject(w.net, &w.client.sep, &w.server.sep, coap, n);
  ocf_sim_inject(w.net, &w.client.sep, &w.server.sep, noise, sizeof noise);
  ocf_sim_run_for(w.net, 1000);
  assert_int_equal(w.server.hs.calls, 0);
  assert_int_equal(ocf_stack_stats_get(w.server.stack)->rx_secure, 0);
  assert_int_equal(ocf_stack_stats_get(w.server.stack)->rx_plain, 0);
  assert_int_equal(ocf_stack_handle_datagram(w.server.stack, &stranger, coap, n, ocf_sim_now(w.net)),
                   OCF_ERR_MALFORMED);
  /* The session survived the forgery and still works. */
  recorder rec = {0};
  assert_int_equal(request(&w, &rec, &w.server.sep, OCF_COAP_GET, NULL, 0), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, rec_final, &rec, 10000));
  assert_int_equal(rec.ev[0].type, OCF_MSG_EV_RESPONSE);
  assert_int_equal(w.server.hs.calls, 1);
  recorder_clear(&rec);
  st_free(&w);
}

static void test_replayed_record_is_delivered_once(void **state) {
  (void)state;
  st_world w;
  st_init(&w, 10, NULL, NULL);
  wire t = {.app_src = -1};
  ocf_sim_set_tap(w.net, tap, &t);
  ocf_dtls_profile p = psk_profile(key16);
  connect_and_establish(&w, &p);
  t.app_src = w.client.node;
  w.server.hs.code = OCF_COAP_CHANGED;
  recorder rec = {0};
  static const uint8_t body[] = {0xa0};
  assert_int_equal(request(&w, &rec, &w.server.sep, OCF_COAP_POST, body, sizeof body), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, rec_final, &rec, 10000));
  assert_int_equal(w.server.hs.calls, 1);
  assert_true(t.app_len > 13);
  /* RFC 6347 4.1.2.6: the replay window drops the copy before msg could see it. */
  for (int i = 0; i < 3; i++) ocf_sim_inject(w.net, &w.client.sep, &w.server.sep, t.app, t.app_len);
  ocf_sim_run_for(w.net, 1000);
  assert_int_equal(ocf_stack_stats_get(w.server.stack)->rx_secure, 1);
  assert_int_equal(w.server.hs.calls, 1);
  recorder_clear(&rec);
  st_free(&w);
}

/* --- sizes ---------------------------------------------------------------------------------- */

typedef struct pki {
  test_cred ca, server, client;
} pki;

static pki g; /* made once for the file: key generation is the slow part */

static int make_pki(void **state) {
  (void)state;
  test_make_ca(&g.ca, "Stack Test CA", 201);
  test_make_leaf(&g.server, &g.ca, "uuid:12345678-1234-1234-1234-123456789abc", 202);
  test_make_leaf(&g.client, &g.ca, "uuid:87654321-4321-4321-4321-cba987654321", 203);
  return 0;
}

typedef struct creds {
  ocf_bytes chain[1], anchors[1];
} creds;

/* A profile offering only `suite`, with credentials of the kind it needs. */
static ocf_dtls_profile one_suite(uint16_t suite, creds *c, const test_cred *own) {
  ocf_dtls_profile p;
  memset(&p, 0, sizeof p);
  p.suites[0] = suite;
  p.n_suites = 1;
  if (suite == OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256) {
    p.psk_identity = (ocf_bytes){identity16, sizeof identity16};
    p.psk = (ocf_bytes){key16, sizeof key16};
  } else if (suite != OCF_DTLS_ECDH_ANON_AES_128_CBC_SHA256) {
    c->chain[0] = test_cert_bytes(own);
    c->anchors[0] = test_cert_bytes(&g.ca);
    p.chain = c->chain;
    p.n_chain = 1;
    p.private_key = test_key_bytes(own);
    p.trust_anchors = c->anchors;
    p.n_trust_anchors = 1;
  }
  return p;
}

/* At the smallest MTU the stack allows, a full 1280-byte CoAP datagram still fits one record for
 * every OCF suite (the CBC suites are the worst case: 1280 + 32-byte MAC is block-aligned, so a
 * whole block of padding follows), and the default MTU of 1400 leaves room to spare. */
static void test_every_ocf_suite_carries_a_full_datagram_in_one_record(void **state) {
  (void)state;
  static const uint16_t suites[] = {0xC037, 0xFF00, 0xC0AE, 0xC0AC, 0xC0AF, 0xC0AD};
  static uint8_t full[OCF_MSG_DATAGRAM_MAX];
  for (size_t i = 0; i < sizeof suites / sizeof suites[0]; i++) {
    if (!ocf_dtls_suite_available(suites[i])) continue;
    for (int at_min = 0; at_min < 2; at_min++) {
      ocf_stack_config sc = role_config(true, false), cc = role_config(false, true);
      if (at_min) sc.dtls.mtu = cc.dtls.mtu = OCF_STACK_MTU_MIN;
      st_world w;
      st_init(&w, 40 + i, &sc, &cc);
      wire t = {.app_src = -1};
      ocf_sim_set_tap(w.net, tap, &t);
      creds s, c;
      w.server.profile = one_suite(suites[i], &s, &g.server);
      ocf_dtls_profile p = one_suite(suites[i], &c, &g.client);
      connect_and_establish(&w, &p);
      assert_int_equal(find(&w.client, OCF_DTLS_EV_ESTABLISHED)->info.suite, suites[i]);
      t.max_record = 0;
      t.app_src = w.client.node;
      assert_int_equal(
          ocf_dtls_send(ocf_stack_dtls(w.client.stack), &w.server.ep, full, sizeof full, ocf_sim_now(w.net)),
          OCF_OK);
      ocf_sim_flush(w.net);
      assert_true(t.app_len > sizeof full);
      assert_true(t.app_len - sizeof full <= OCF_STACK_RECORD_EXPANSION_MAX);
      assert_true(t.app_len <= (at_min ? OCF_STACK_MTU_MIN : 1400u));
      if (suites[i] == 0xC037 || suites[i] == 0xFF00) assert_int_equal(t.app_len, OCF_STACK_MTU_MIN);
      st_free(&w);
    }
  }
}

/* --- configuration and memory --------------------------------------------------------------- */

static void test_create_checks_roles_and_sizes(void **state) {
  (void)state;
  ocf_sim_platform sp;
  ocf_sim_platform_init(&sp, 60);
  sp.quiet = true;
  ocf_stack *s = NULL;
  ocf_stack_callbacks cbs = {.accept = on_accept};
  ocf_stack_config c = role_config(true, true);
  assert_int_equal(ocf_stack_create(NULL, &c, &cbs, &s), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_stack_create(&sp.pf, &c, &cbs, NULL), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_stack_create(&sp.pf, &c, NULL, &s), OCF_ERR_INVALID_ARG); /* server needs accept */
  c.dtls.mtu = OCF_STACK_MTU_MIN - 1;
  assert_int_equal(ocf_stack_create(&sp.pf, &c, &cbs, &s), OCF_ERR_INVALID_ARG);
  c = role_config(false, true);
  c.dtls.max_plaintext = OCF_MSG_DATAGRAM_MAX - 1;
  assert_int_equal(ocf_stack_create(&sp.pf, &c, &cbs, &s), OCF_ERR_INVALID_ARG);
  c = role_config(true, false);
  c.msg.max_outbox = 0;
  assert_int_equal(ocf_stack_create(&sp.pf, &c, &cbs, &s), OCF_ERR_INVALID_ARG);
  assert_null(s);
  assert_int_equal(sp.live, 0);

  /* Plain only (the default): no sessions, secure datagrams refused and counted. */
  assert_int_equal(ocf_stack_create(&sp.pf, NULL, NULL, &s), OCF_OK);
  assert_null(ocf_stack_dtls(s));
  ocf_endpoint peer = ep6(2, 5684, OCF_EP_SECURE);
  ocf_dtls_profile p = psk_profile(key16);
  assert_int_equal(ocf_stack_connect(s, &peer, &p, ST_START), OCF_ERR_STATE);
  assert_int_equal(ocf_stack_close(s, &peer, ST_START), OCF_ERR_NOT_FOUND);
  assert_null(ocf_stack_session_info(s, &peer));
  static const uint8_t junk[20] = {23, 0xFE, 0xFD};
  assert_int_equal(ocf_stack_handle_datagram(s, &peer, junk, sizeof junk, ST_START), OCF_ERR_UNSUPPORTED);
  assert_int_equal(ocf_stack_stats_get(s)->rx_no_dtls, 1);
  assert_int_equal(ocf_stack_handle_datagram(s, NULL, junk, sizeof junk, ST_START), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_stack_next_timeout(s), OCF_TIME_NEVER);
  uint8_t buf[64];
  ocf_endpoint to;
  assert_int_equal(ocf_stack_next_datagram(s, &to, buf, sizeof buf), 0);
  ocf_stack_destroy(s);
  ocf_stack_destroy(NULL);
  assert_int_equal(sp.live, 0);
}

static void test_create_survives_each_failed_allocation(void **state) {
  (void)state;
  ocf_stack_callbacks cbs = {.accept = on_accept};
  ocf_stack_config c = role_config(true, true);
  bool made = false;
  for (size_t nth = 1; nth < 200 && !made; nth++) {
    ocf_sim_platform sp;
    ocf_sim_platform_init(&sp, 61);
    sp.quiet = true;
    ocf_sim_fail_alloc(&sp, nth, false);
    ocf_stack *s = NULL;
    ocf_err err = ocf_stack_create(&sp.pf, &c, &cbs, &s);
    if (err == OCF_OK) {
      made = sp.failures == 0;
      ocf_stack_destroy(s);
    } else {
      assert_int_equal(err, OCF_ERR_NO_MEMORY);
      assert_null(s);
    }
    assert_int_equal(sp.live, 0);
  }
  assert_true(made);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_psk_session_carries_a_get_and_the_handler_sees_the_peer_identity),
      cmocka_unit_test(test_blockwise_post_and_get_of_4k_bodies_cross_dtls),
      cmocka_unit_test(test_plain_and_secure_requests_run_side_by_side),
      cmocka_unit_test(test_request_to_a_secure_peer_without_session_fails_or_is_counted),
      cmocka_unit_test(test_session_end_ends_open_requests_and_releases_the_handles),
      cmocka_unit_test(test_server_closing_from_its_handler_fails_the_client_request),
      cmocka_unit_test(test_wrong_psk_is_reported_and_nothing_reaches_msg),
      cmocka_unit_test(test_just_works_session_carries_a_get),
      cmocka_unit_test(test_plaintext_on_the_secure_path_never_reaches_msg),
      cmocka_unit_test(test_replayed_record_is_delivered_once),
      cmocka_unit_test(test_every_ocf_suite_carries_a_full_datagram_in_one_record),
      cmocka_unit_test(test_create_checks_roles_and_sizes),
      cmocka_unit_test(test_create_survives_each_failed_allocation),
  };
  return cmocka_run_group_tests(tests, make_pki, NULL);
}
