/* Unit tests of src/msg: CON/NON/ACK/RST messaging, retransmission, duplicates, separate
 * responses, multicast collection, cancellation, NSTART (RFC 7252 4, 5, 8). Block-wise transfers,
 * caps, faults and allocation failures are in test_msg_block.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "msg_fixture.h"

/* --- a tap that remembers what went over the simulated wire --------------------------------- */

typedef struct wire_rec {
  ocf_time_ms at;
  int src, dst;
  uint8_t type, code;
  uint16_t mid;
  uint8_t token[8], token_len;
  size_t len;
} wire_rec;

typedef struct wire_log {
  wire_rec r[256];
  size_t n;
} wire_log;

static void tap_cb(void *user, const ocf_sim_datagram *d) {
  wire_log *log = user;
  ocf_coap_msg m;
  if (log->n >= 256 || ocf_coap_parse(d->data, d->len, &m) != OCF_OK) return;
  wire_rec *r = &log->r[log->n++];
  r->at = d->sent_at;
  r->src = d->src_node;
  r->dst = d->dst_node;
  r->type = m.type;
  r->code = m.code;
  r->mid = m.mid;
  r->token_len = m.token_len;
  memcpy(r->token, m.token, m.token_len);
  r->len = d->len;
}

static size_t count_from(const wire_log *log, int src) {
  size_t n = 0;
  for (size_t i = 0; i < log->n; i++) n += log->r[i].src == src;
  return n;
}

static ocf_coap_msg response(uint8_t code, const char *body) {
  ocf_coap_msg r;
  ocf_coap_init(&r, OCF_COAP_ACK, code, 0);
  r.payload = (const uint8_t *)body;
  r.payload_len = body ? strlen(body) : 0;
  return r;
}

/* --- direct-context helpers ----------------------------------------------------------------- */

static ocf_err direct_get(direct *d, const ocf_endpoint *to, size_t n_to, ocf_time_ms now, uint32_t *id) {
  ocf_coap_msg req;
  uint8_t scratch[64];
  ocf_coap_init(&req, OCF_COAP_CON, OCF_COAP_GET, 0);
  assert_int_equal(ocf_coap_set_uri_path_query(&req, "/oic/res", scratch, sizeof scratch), OCF_OK);
  ocf_msg_request_params p = {.to = to, .n_to = n_to, .cb = recorder_cb, .user = &d->rec};
  return ocf_msg_request(d->m, &p, &req, now, id);
}

/* --- tests ---------------------------------------------------------------------------------- */

static void test_get_answered_with_piggybacked_response(void **state) {
  (void)state;
  world w;
  wire_log log = {0};
  fx_world_init(&w, 1, NULL, NULL, 1);
  ocf_sim_set_tap(w.net, tap_cb, &log);
  w.hs[0].body = (const uint8_t *)"hello";
  w.hs[0].body_len = 5;
  uint32_t id = 0;
  assert_int_equal(fx_request(&w, NULL, 0, OCF_COAP_GET, "/oic/d", NULL, 0, &id), OCF_OK);
  assert_int_not_equal(id, 0);
  assert_true(ocf_sim_run_until(w.net, fx_final_seen, &w, 10000));
  assert_int_equal(w.rec.n, 1);
  assert_int_equal(w.rec.ev[0].type, OCF_MSG_EV_RESPONSE);
  assert_true(w.rec.ev[0].final);
  assert_int_equal(w.rec.ev[0].code, OCF_COAP_CONTENT);
  assert_int_equal(w.rec.ev[0].len, 5);
  assert_memory_equal(w.rec.ev[0].body, "hello", 5);
  assert_int_equal(w.hs[0].calls, 1);
  assert_int_equal(w.hs[0].last_method, OCF_COAP_GET);
  /* Exactly a CON request and its ACK carrying the response: same mid and token. */
  assert_int_equal(log.n, 2);
  assert_int_equal(log.r[0].type, OCF_COAP_CON);
  assert_int_equal(log.r[1].type, OCF_COAP_ACK);
  assert_int_equal(log.r[1].code, OCF_COAP_CONTENT);
  assert_int_equal(log.r[0].mid, log.r[1].mid);
  assert_int_equal(log.r[0].token_len, 8);
  assert_memory_equal(log.r[0].token, log.r[1].token, 8);
  assert_int_equal(ocf_msg_next_timeout(w.client), OCF_MSG_NO_TIMEOUT);
  assert_int_equal(ocf_msg_next_timeout(w.server[0]), OCF_MSG_NO_TIMEOUT);
  assert_int_equal(ocf_msg_pending_requests(w.client), 0);
  fx_world_free(&w);
}

/* Runs one CON to nowhere and returns the gaps between its transmissions. */
static void retransmission_schedule(uint64_t seed, ocf_time_ms gaps[5]) {
  direct d;
  direct_init(&d, NULL, seed);
  ocf_endpoint to = fx_server_ep(0);
  ocf_time_ms now = FX_START;
  assert_int_equal(direct_get(&d, &to, 1, now, NULL), OCF_OK);
  uint8_t first[OCF_MSG_DATAGRAM_MAX], buf[OCF_MSG_DATAGRAM_MAX];
  ocf_endpoint dst;
  size_t first_len = ocf_msg_next_datagram(d.m, &dst, first, sizeof first);
  assert_true(first_len > 0);
  assert_true(ocf_endpoint_equal(&dst, &to));
  ocf_time_ms last = now;
  for (int i = 0; i < 4; i++) {
    now = ocf_msg_next_timeout(d.m);
    ocf_msg_on_timeout(d.m, now);
    size_t len = ocf_msg_next_datagram(d.m, &dst, buf, sizeof buf);
    assert_int_equal(len, first_len); /* RFC 7252 4.2: the same message again */
    assert_memory_equal(buf, first, len);
    assert_int_equal(d.rec.n, 0);
    gaps[i] = now - last;
    last = now;
  }
  now = ocf_msg_next_timeout(d.m);
  ocf_msg_on_timeout(d.m, now);
  assert_int_equal(ocf_msg_next_datagram(d.m, &dst, buf, sizeof buf), 0);
  gaps[4] = now - last;
  assert_int_equal(d.rec.n, 1);
  assert_int_equal(d.rec.ev[0].type, OCF_MSG_EV_TIMEOUT);
  assert_int_equal(d.rec.ev[0].err, OCF_ERR_TIMEOUT);
  assert_true(d.rec.ev[0].final);
  assert_int_equal(ocf_msg_next_timeout(d.m), OCF_MSG_NO_TIMEOUT);
  direct_free(&d);
}

static void test_con_retransmits_with_doubling_backoff_then_times_out(void **state) {
  (void)state;
  ocf_time_ms lo = UINT64_MAX, hi = 0;
  for (uint64_t seed = 1; seed <= 20; seed++) {
    ocf_time_ms g[5];
    retransmission_schedule(seed, g);
    /* RFC 7252 4.2: first timeout in [ACK_TIMEOUT, ACK_TIMEOUT * 1.5], then doubling; after
     * MAX_RETRANSMIT (4) retransmissions the last doubled timeout ends the exchange. */
    assert_in_range(g[0], 2000, 3000);
    for (int i = 1; i < 5; i++) assert_int_equal(g[i], g[i - 1] * 2);
    if (g[0] < lo) lo = g[0];
    if (g[0] > hi) hi = g[0];
  }
  assert_true(hi > lo); /* the initial timeout is randomised */
}

static void test_duplicate_con_answered_from_cache_without_rerunning_handler(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 3);
  d.hs.body = (const uint8_t *)"v1";
  d.hs.body_len = 2;
  ocf_endpoint from = fx_client_ep();
  uint8_t req[64], buf1[OCF_MSG_DATAGRAM_MAX], buf2[OCF_MSG_DATAGRAM_MAX];
  size_t len = fx_build(req, sizeof req, OCF_COAP_CON, OCF_COAP_POST, 0x1234, (const uint8_t *)"tk", 2, "/a",
                        (const uint8_t *)"x", 1);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, req, len, FX_START), OCF_OK);
  ocf_endpoint to;
  ocf_coap_msg a1, a2;
  assert_true(fx_pull(d.m, &to, buf1, &a1));
  assert_int_equal(a1.type, OCF_COAP_ACK);
  assert_int_equal(a1.mid, 0x1234);
  assert_int_equal(a1.code, OCF_COAP_CONTENT);
  d.hs.body = (const uint8_t *)"v2"; /* a re-run would answer differently */
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, req, len, FX_START + 3000), OCF_OK);
  assert_true(fx_pull(d.m, &to, buf2, &a2));
  assert_int_equal(d.hs.calls, 1);
  assert_int_equal(a2.payload_len, 2);
  assert_memory_equal(a2.payload, "v1", 2);
  assert_false(fx_pull(d.m, &to, buf2, &a2));
  /* After EXCHANGE_LIFETIME (247 s) the same id is a new request. */
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, req, len, FX_START + 248000), OCF_OK);
  assert_int_equal(d.hs.calls, 2);
  direct_free(&d);
}

static void test_duplicate_non_is_ignored_and_answered_with_non(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 4);
  ocf_endpoint from = fx_client_ep(), to;
  uint8_t req[64], buf[OCF_MSG_DATAGRAM_MAX];
  size_t len =
      fx_build(req, sizeof req, OCF_COAP_NON, OCF_COAP_GET, 0x2000, (const uint8_t *)"t", 1, "/a", NULL, 0);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, req, len, FX_START), OCF_OK);
  ocf_coap_msg r;
  assert_true(fx_pull(d.m, &to, buf, &r));
  assert_int_equal(r.type, OCF_COAP_NON); /* RFC 7252 5.2.3 */
  assert_int_equal(r.token_len, 1);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, req, len, FX_START + 10), OCF_OK);
  assert_false(fx_pull(d.m, &to, buf, &r));
  assert_int_equal(d.hs.calls, 1);
  direct_free(&d);
}

static void test_separate_response_after_empty_ack_is_acked_and_delivered(void **state) {
  (void)state;
  world w;
  wire_log log = {0};
  fx_world_init(&w, 1, NULL, NULL, 5);
  ocf_sim_set_tap(w.net, tap_cb, &log);
  w.hs[0].mode = HANDLER_DEFER;
  assert_int_equal(fx_request(&w, NULL, 0, OCF_COAP_GET, "/slow", NULL, 0, NULL), OCF_OK);
  ocf_sim_run_for(w.net, 10000); /* far past ACK_TIMEOUT: the empty ACK stopped retransmission */
  assert_int_equal(w.hs[0].calls, 1);
  assert_int_equal(w.rec.n, 0);
  assert_int_equal(log.n, 2);
  assert_int_equal(log.r[1].type, OCF_COAP_ACK);
  assert_int_equal(log.r[1].code, OCF_COAP_EMPTY);
  ocf_coap_msg rsp = response(OCF_COAP_CHANGED, "late");
  assert_int_equal(ocf_msg_respond(w.server[0], w.hs[0].last_handle, &rsp, ocf_sim_now(w.net)), OCF_OK);
  assert_int_equal(ocf_msg_respond(w.server[0], w.hs[0].last_handle, &rsp, ocf_sim_now(w.net)),
                   OCF_ERR_NOT_FOUND);
  assert_true(ocf_sim_run_until(w.net, fx_final_seen, &w, 10000));
  ocf_sim_run_for(w.net, 100);
  assert_int_equal(w.rec.n, 1);
  assert_int_equal(w.rec.ev[0].code, OCF_COAP_CHANGED);
  assert_memory_equal(w.rec.ev[0].body, "late", 4);
  assert_int_equal(log.n, 4);
  assert_int_equal(log.r[2].type, OCF_COAP_CON); /* RFC 7252 5.2.2 */
  assert_int_equal(log.r[3].type, OCF_COAP_ACK);
  assert_int_equal(log.r[3].mid, log.r[2].mid);
  assert_int_equal(ocf_msg_next_timeout(w.server[0]), OCF_MSG_NO_TIMEOUT);
  assert_int_equal(ocf_msg_next_timeout(w.client), OCF_MSG_NO_TIMEOUT);
  fx_world_free(&w);
}

static bool drop_first_client_ack(void *user, const ocf_sim_datagram *d) {
  int *dropped = user;
  ocf_coap_msg m;
  if (*dropped || d->src_node != 0 || ocf_coap_parse(d->data, d->len, &m) != OCF_OK) return true;
  if (m.type == OCF_COAP_ACK) {
    *dropped = 1;
    return false;
  }
  return true;
}

static void test_lost_ack_makes_server_retransmit_separate_response_delivered_once(void **state) {
  (void)state;
  world w;
  wire_log log = {0};
  int dropped = 0;
  fx_world_init(&w, 1, NULL, NULL, 6);
  ocf_sim_set_tap(w.net, tap_cb, &log);
  ocf_sim_set_filter(w.net, drop_first_client_ack, &dropped);
  w.hs[0].mode = HANDLER_DEFER;
  assert_int_equal(fx_request(&w, NULL, 0, OCF_COAP_GET, "/slow", NULL, 0, NULL), OCF_OK);
  ocf_sim_run_for(w.net, 100);
  ocf_coap_msg rsp = response(OCF_COAP_CONTENT, "once");
  assert_int_equal(ocf_msg_respond(w.server[0], w.hs[0].last_handle, &rsp, ocf_sim_now(w.net)), OCF_OK);
  ocf_sim_run_for(w.net, 60000);
  assert_int_equal(dropped, 1);
  assert_int_equal(w.rec.n, 1);
  size_t con_responses = 0, client_acks = 0;
  for (size_t i = 0; i < log.n; i++) {
    con_responses += log.r[i].src == w.snode[0] && log.r[i].type == OCF_COAP_CON;
    client_acks += log.r[i].src == w.cnode && log.r[i].type == OCF_COAP_ACK;
  }
  assert_int_equal(con_responses, 2);
  assert_int_equal(client_acks, 2); /* the duplicate is acknowledged again, not delivered again */
  assert_int_equal(ocf_msg_next_timeout(w.server[0]), OCF_MSG_NO_TIMEOUT);
  fx_world_free(&w);
}

static void test_rst_ends_request_with_reset_event_only_from_its_peer(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 7);
  ocf_endpoint srv = fx_server_ep(0), other = fx_server_ep(1), to;
  assert_int_equal(direct_get(&d, &srv, 1, FX_START, NULL), OCF_OK);
  uint8_t buf[OCF_MSG_DATAGRAM_MAX], rst[4];
  ocf_coap_msg req;
  assert_true(fx_pull(d.m, &to, buf, &req));
  size_t len = fx_build(rst, sizeof rst, OCF_COAP_RST, OCF_COAP_EMPTY, req.mid, NULL, 0, NULL, NULL, 0);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &other, rst, len, FX_START + 5), OCF_OK);
  assert_int_equal(d.rec.n, 0);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &srv, rst, len, FX_START + 6), OCF_OK);
  assert_int_equal(d.rec.n, 1);
  assert_int_equal(d.rec.ev[0].type, OCF_MSG_EV_RESET);
  assert_int_equal(d.rec.ev[0].err, OCF_ERR_RESET);
  assert_true(d.rec.ev[0].final);
  assert_int_equal(ocf_msg_next_timeout(d.m), OCF_MSG_NO_TIMEOUT);
  direct_free(&d);
}

static void test_ack_with_unknown_mid_or_wrong_token_is_ignored(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 8);
  ocf_endpoint srv = fx_server_ep(0), to;
  assert_int_equal(direct_get(&d, &srv, 1, FX_START, NULL), OCF_OK);
  uint8_t buf[OCF_MSG_DATAGRAM_MAX], ack[64];
  ocf_coap_msg req;
  assert_true(fx_pull(d.m, &to, buf, &req));
  size_t len = fx_build(ack, sizeof ack, OCF_COAP_ACK, OCF_COAP_CONTENT, (uint16_t)(req.mid + 1), req.token,
                        req.token_len, NULL, (const uint8_t *)"x", 1);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &srv, ack, len, FX_START + 1), OCF_OK);
  len = fx_build(ack, sizeof ack, OCF_COAP_ACK, OCF_COAP_CONTENT, req.mid, (const uint8_t *)"wrong!!!", 8,
                 NULL, (const uint8_t *)"x", 1);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &srv, ack, len, FX_START + 2), OCF_OK);
  assert_int_equal(d.rec.n, 0);
  assert_int_equal(ocf_msg_pending_requests(d.m), 1);
  assert_false(fx_pull(d.m, &to, buf, &req));                   /* nothing answered to them either */
  assert_true(ocf_msg_next_timeout(d.m) != OCF_MSG_NO_TIMEOUT); /* still retransmitting */
  len = fx_build(ack, sizeof ack, OCF_COAP_ACK, OCF_COAP_CONTENT, req.mid, req.token, req.token_len, NULL,
                 (const uint8_t *)"ok", 2);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &srv, ack, len, FX_START + 3), OCF_OK);
  assert_int_equal(d.rec.n, 1);
  assert_memory_equal(d.rec.ev[0].body, "ok", 2);
  /* The same ACK again (a duplicate) no longer matches anything. */
  assert_int_equal(ocf_msg_handle_datagram(d.m, &srv, ack, len, FX_START + 4), OCF_OK);
  assert_int_equal(d.rec.n, 1);
  direct_free(&d);
}

static void test_con_response_with_unknown_token_gets_rst_non_is_ignored(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 9);
  ocf_endpoint srv = fx_server_ep(0), to;
  uint8_t dg[64], buf[OCF_MSG_DATAGRAM_MAX];
  size_t len =
      fx_build(dg, sizeof dg, OCF_COAP_CON, OCF_COAP_CONTENT, 77, (const uint8_t *)"zz", 2, NULL, NULL, 0);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &srv, dg, len, FX_START), OCF_OK);
  ocf_coap_msg r;
  assert_true(fx_pull(d.m, &to, buf, &r));
  assert_int_equal(r.type, OCF_COAP_RST); /* RFC 7252 5.3.2 */
  assert_int_equal(r.mid, 77);
  len = fx_build(dg, sizeof dg, OCF_COAP_NON, OCF_COAP_CONTENT, 78, (const uint8_t *)"zz", 2, NULL, NULL, 0);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &srv, dg, len, FX_START), OCF_OK);
  assert_false(fx_pull(d.m, &to, buf, &r));
  direct_free(&d);
}

static void test_malformed_con_gets_rst_other_garbage_is_ignored(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 10);
  ocf_endpoint from = fx_client_ep(), to;
  uint8_t buf[OCF_MSG_DATAGRAM_MAX];
  ocf_coap_msg r;
  const uint8_t bad_con[] = {0x49, 0x01, 0x12, 0x34}; /* token length 9 */
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, bad_con, sizeof bad_con, FX_START), OCF_ERR_MALFORMED);
  assert_true(fx_pull(d.m, &to, buf, &r));
  assert_int_equal(r.type, OCF_COAP_RST); /* RFC 7252 4.2 */
  assert_int_equal(r.mid, 0x1234);
  const uint8_t bad_non[] = {0x59, 0x01, 0x12, 0x35};
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, bad_non, sizeof bad_non, FX_START), OCF_ERR_MALFORMED);
  const uint8_t v2[] = {0x80, 0x01, 0x00, 0x01}; /* version 2 */
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, v2, sizeof v2, FX_START), OCF_ERR_UNSUPPORTED);
  const uint8_t shortd[] = {0x40, 0x01};
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, shortd, sizeof shortd, FX_START), OCF_ERR_TRUNCATED);
  ocf_endpoint mfrom = from;
  mfrom.flags = OCF_EP_MULTICAST;
  assert_int_equal(ocf_msg_handle_datagram(d.m, &mfrom, bad_con, sizeof bad_con, FX_START),
                   OCF_ERR_MALFORMED);
  assert_false(fx_pull(d.m, &to, buf, &r));
  /* RFC 7252 4.3: an empty CON is a ping, answered with RST. */
  const uint8_t ping[] = {0x40, 0x00, 0x00, 0x09};
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, ping, sizeof ping, FX_START), OCF_OK);
  assert_true(fx_pull(d.m, &to, buf, &r));
  assert_int_equal(r.type, OCF_COAP_RST);
  assert_int_equal(r.mid, 9);
  assert_int_equal(d.hs.calls, 0);
  direct_free(&d);
}

static size_t request_with_option(uint8_t *buf, size_t cap, ocf_coap_type type, uint16_t mid, uint16_t opt,
                                  uint32_t value) {
  ocf_coap_msg m;
  uint8_t scratch[32];
  ocf_coap_init(&m, type, OCF_COAP_GET, mid);
  assert_int_equal(ocf_coap_set_token(&m, (const uint8_t *)"t", 1), OCF_OK);
  assert_int_equal(ocf_coap_set_uri_path_query(&m, "/oic/sec/doxm", scratch, sizeof scratch), OCF_OK);
  assert_int_equal(ocf_coap_add_uint_option(&m, opt, value), OCF_OK);
  size_t len;
  assert_int_equal(ocf_coap_serialize(&m, buf, cap, &len), OCF_OK);
  return len;
}

static void test_unknown_critical_option_gets_4_02_ocf_version_options_are_known(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 11);
  ocf_endpoint from = fx_client_ep(), to;
  uint8_t dg[128], buf[OCF_MSG_DATAGRAM_MAX];
  ocf_coap_msg r;
  size_t len = request_with_option(dg, sizeof dg, OCF_COAP_CON, 1, 2051, 1);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, dg, len, FX_START), OCF_OK);
  assert_true(fx_pull(d.m, &to, buf, &r));
  assert_int_equal(r.type, OCF_COAP_ACK);
  assert_int_equal(r.code, OCF_COAP_BAD_OPTION); /* RFC 7252 5.4.1 */
  assert_int_equal(d.hs.calls, 0);
  len = request_with_option(dg, sizeof dg, OCF_COAP_NON, 2, 2051, 1);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, dg, len, FX_START), OCF_OK);
  assert_false(fx_pull(d.m, &to, buf, &r));
  len = request_with_option(dg, sizeof dg, OCF_COAP_CON, 3, OCF_COAP_OPT_OCF_ACCEPT_VERSION, 2048);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, dg, len, FX_START), OCF_OK);
  len = request_with_option(dg, sizeof dg, OCF_COAP_CON, 4, OCF_COAP_OPT_OCF_CONTENT_VERSION, 2048);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, dg, len, FX_START), OCF_OK);
  assert_int_equal(d.hs.calls, 2);
  len = request_with_option(dg, sizeof dg, OCF_COAP_CON, 5, OCF_COAP_OPT_PROXY_SCHEME, 0);
  fx_drain(d.m);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, dg, len, FX_START), OCF_OK);
  assert_true(fx_pull(d.m, &to, buf, &r));
  assert_int_equal(r.code, OCF_COAP_CODE(5, 5)); /* RFC 7252 5.7.2 */
  direct_free(&d);
}

static void test_multicast_collects_three_responders_with_leisure_and_suppresses_errors(void **state) {
  (void)state;
  world w;
  wire_log log = {0};
  fx_world_init(&w, 4, NULL, NULL, 12);
  ocf_sim_set_tap(w.net, tap_cb, &log);
  const char *bodies[3] = {"dev0", "dev1", "dev2"};
  for (size_t i = 0; i < 3; i++) {
    w.hs[i].body = (const uint8_t *)bodies[i];
    w.hs[i].body_len = 4;
  }
  w.hs[3].code = OCF_COAP_NOT_FOUND; /* e.g. an owned device: must stay silent (pitfall 29) */
  ocf_endpoint g = fx_group6();
  ocf_time_ms start = ocf_sim_now(w.net);
  assert_int_equal(fx_request(&w, &g, 1, OCF_COAP_GET, "/oic/sec/doxm?owned=FALSE", NULL, 0, NULL), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, fx_final_seen, &w, 20000));
  assert_int_equal(w.rec.n, 4);
  bool seen[3] = {false, false, false};
  ocf_time_ms first = UINT64_MAX, last = 0;
  for (size_t i = 0; i < 3; i++) {
    const rec_event *e = &w.rec.ev[i];
    assert_int_equal(e->type, OCF_MSG_EV_RESPONSE);
    assert_false(e->final);
    size_t s = (size_t)(e->peer.addr[15] - 10);
    assert_true(s < 3);
    ocf_endpoint expect = fx_server_ep(s);
    assert_true(ocf_endpoint_equal(&e->peer, &expect)); /* the unicast address (pitfall 38) */
    assert_memory_equal(e->body, bodies[s], 4);
    seen[s] = true;
    assert_true(e->at <= start + 2000 + 2); /* within the leisure, plus two 1 ms hops */
    if (e->at < first) first = e->at;
    if (e->at > last) last = e->at;
  }
  assert_true(seen[0] && seen[1] && seen[2]);
  assert_true(last > first); /* RFC 7252 8.2: answers are spread, not simultaneous */
  assert_int_equal(w.rec.ev[3].type, OCF_MSG_EV_DONE);
  assert_true(w.rec.ev[3].final);
  assert_int_equal(w.rec.ev[3].at, start + 5000);
  assert_int_equal(w.hs[3].calls, 1);
  assert_int_equal(count_from(&log, w.snode[3]), 0);
  assert_int_equal(log.r[0].type, OCF_COAP_NON); /* RFC 7252 8.1 */
  fx_world_free(&w);
}

static void test_multicast_to_two_groups_uses_same_mid_and_token(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 13);
  ocf_endpoint groups[2] = {fx_group6(), fx_group4()}, to1, to2;
  assert_int_equal(direct_get(&d, groups, 2, FX_START, NULL), OCF_OK);
  uint8_t b1[OCF_MSG_DATAGRAM_MAX], b2[OCF_MSG_DATAGRAM_MAX];
  size_t l1 = ocf_msg_next_datagram(d.m, &to1, b1, sizeof b1);
  size_t l2 = ocf_msg_next_datagram(d.m, &to2, b2, sizeof b2);
  assert_true(l1 > 0);
  assert_int_equal(l1, l2);
  assert_memory_equal(b1, b2, l1); /* digest pitfall 37 */
  assert_int_equal(to1.family, OCF_IPV6);
  assert_int_equal(to2.family, OCF_IPV4);
  /* Responses over either family are matched by token alone. */
  ocf_coap_msg req;
  assert_int_equal(ocf_coap_parse(b1, l1, &req), OCF_OK);
  uint8_t rsp[64];
  ocf_endpoint d4 = fx_ep4(20, 50000), d6 = fx_ep6(20, 50001);
  size_t len = fx_build(rsp, sizeof rsp, OCF_COAP_NON, OCF_COAP_CONTENT, 5, req.token, req.token_len, NULL,
                        (const uint8_t *)"a", 1);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &d4, rsp, len, FX_START + 10), OCF_OK);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &d6, rsp, len, FX_START + 11), OCF_OK);
  assert_int_equal(d.rec.n, 2);
  /* Invalid combinations. */
  ocf_endpoint mixed[2] = {fx_group6(), fx_server_ep(0)};
  assert_int_equal(direct_get(&d, mixed, 2, FX_START, NULL), OCF_ERR_INVALID_ARG);
  ocf_endpoint two[2] = {fx_server_ep(0), fx_server_ep(1)};
  assert_int_equal(direct_get(&d, two, 2, FX_START, NULL), OCF_ERR_INVALID_ARG);
  ocf_msg_on_timeout(d.m, FX_START + 5000);
  assert_int_equal(d.rec.n, 3);
  assert_int_equal(d.rec.ev[2].type, OCF_MSG_EV_DONE);
  direct_free(&d);
}

static void test_multicast_response_needing_blocks_is_fetched_by_unicast(void **state) {
  (void)state;
  world w;
  fx_world_init(&w, 2, NULL, NULL, 14);
  uint8_t *big = fx_pattern(3000, 1);
  for (size_t i = 0; i < 2; i++) {
    w.hs[i].body = big;
    w.hs[i].body_len = 3000;
  }
  ocf_endpoint g = fx_group6();
  assert_int_equal(fx_request(&w, &g, 1, OCF_COAP_GET, "/oic/res", NULL, 0, NULL), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, fx_final_seen, &w, 20000));
  assert_int_equal(w.rec.n, 3);
  for (size_t i = 0; i < 2; i++) {
    assert_int_equal(w.rec.ev[i].type, OCF_MSG_EV_RESPONSE);
    assert_int_equal(w.rec.ev[i].len, 3000);
    assert_memory_equal(w.rec.ev[i].body, big, 3000);
  }
  assert_int_equal(w.rec.ev[2].type, OCF_MSG_EV_DONE);
  assert_int_equal(w.hs[0].calls, 1); /* follow-up blocks come from the kept body */
  free(big);
  fx_world_free(&w);
}

static void test_cancel_stops_retransmission_and_callbacks(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 15);
  ocf_endpoint srv = fx_server_ep(0);
  uint32_t id;
  assert_int_equal(direct_get(&d, &srv, 1, FX_START, &id), OCF_OK);
  assert_int_equal(fx_drain(d.m), 1);
  assert_int_equal(ocf_msg_cancel(d.m, id), OCF_OK);
  assert_int_equal(ocf_msg_cancel(d.m, id), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_msg_next_timeout(d.m), OCF_MSG_NO_TIMEOUT);
  ocf_msg_on_timeout(d.m, FX_START + 100000);
  assert_int_equal(fx_drain(d.m), 0);
  assert_int_equal(d.rec.n, 0);
  direct_free(&d);
}

static void test_cancel_from_multicast_callback_ends_collection(void **state) {
  (void)state;
  world w;
  fx_world_init(&w, 3, NULL, NULL, 16);
  ocf_endpoint g = fx_group6();
  uint32_t id;
  assert_int_equal(fx_request(&w, &g, 1, OCF_COAP_GET, "/oic/res", NULL, 0, &id), OCF_OK);
  w.rec.cancel_on_first = id;
  ocf_sim_run_for(w.net, 20000);
  assert_int_equal(w.rec.n, 1);
  assert_int_equal(w.rec.cancel_result, OCF_OK);
  assert_int_equal(ocf_msg_pending_requests(w.client), 0);
  fx_world_free(&w);
}

static void test_nstart_holds_second_request_until_first_is_answered(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 17);
  ocf_endpoint srv = fx_server_ep(0), to;
  assert_int_equal(direct_get(&d, &srv, 1, FX_START, NULL), OCF_OK);
  assert_int_equal(direct_get(&d, &srv, 1, FX_START, NULL), OCF_OK);
  uint8_t buf[OCF_MSG_DATAGRAM_MAX], ack[64];
  ocf_coap_msg r1, r2;
  assert_true(fx_pull(d.m, &to, buf, &r1));
  assert_false(fx_pull(d.m, &to, buf, &r2)); /* RFC 7252 4.7: NSTART = 1 */
  size_t len = fx_build(ack, sizeof ack, OCF_COAP_ACK, OCF_COAP_CONTENT, r1.mid, r1.token, r1.token_len, NULL,
                        NULL, 0);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &srv, ack, len, FX_START + 50), OCF_OK);
  assert_int_equal(d.rec.n, 1);
  assert_true(fx_pull(d.m, &to, buf, &r2));
  assert_int_equal(r2.type, OCF_COAP_CON);
  assert_int_not_equal(r2.mid, r1.mid);
  assert_int_equal(ocf_msg_pending_requests(d.m), 1);
  direct_free(&d);
}

static void test_full_pending_table_answers_5_03_and_unanswered_handle_expires(void **state) {
  (void)state;
  ocf_msg_config cfg;
  ocf_msg_config_default(&cfg);
  cfg.max_pending = 1;
  direct d;
  direct_init(&d, &cfg, 18);
  d.hs.mode = HANDLER_DEFER;
  ocf_endpoint from = fx_client_ep(), to;
  uint8_t dg[64], buf[OCF_MSG_DATAGRAM_MAX];
  ocf_coap_msg r;
  size_t len = fx_build(dg, sizeof dg, OCF_COAP_CON, OCF_COAP_GET, 1, (const uint8_t *)"a", 1, "/x", NULL, 0);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, dg, len, FX_START), OCF_OK);
  assert_true(fx_pull(d.m, &to, buf, &r));
  assert_int_equal(r.code, OCF_COAP_EMPTY);
  uint32_t h = d.hs.last_handle;
  len = fx_build(dg, sizeof dg, OCF_COAP_CON, OCF_COAP_GET, 2, (const uint8_t *)"b", 1, "/x", NULL, 0);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, dg, len, FX_START), OCF_OK);
  assert_true(fx_pull(d.m, &to, buf, &r));
  assert_int_equal(r.code, OCF_COAP_SERVICE_UNAVAILABLE);
  assert_int_equal(d.hs.calls, 1);
  ocf_time_ms t = ocf_msg_next_timeout(d.m);
  assert_int_equal(t, FX_START + 247000); /* EXCHANGE_LIFETIME with the default parameters */
  ocf_msg_on_timeout(d.m, t);
  ocf_coap_msg rsp = response(OCF_COAP_CONTENT, NULL);
  assert_int_equal(ocf_msg_respond(d.m, h, &rsp, t), OCF_ERR_NOT_FOUND);
  direct_free(&d);
}

static void test_respond_validates_code_and_drop_releases(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 19);
  d.hs.mode = HANDLER_DEFER;
  ocf_endpoint from = fx_client_ep(), to;
  uint8_t dg[64], buf[OCF_MSG_DATAGRAM_MAX];
  size_t len = fx_build(dg, sizeof dg, OCF_COAP_NON, OCF_COAP_GET, 1, (const uint8_t *)"a", 1, "/x", NULL, 0);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, dg, len, FX_START), OCF_OK);
  assert_int_equal(fx_drain(d.m), 0); /* NON: no empty ACK */
  ocf_coap_msg bad = response(OCF_COAP_GET, NULL);
  assert_int_equal(ocf_msg_respond(d.m, d.hs.last_handle, &bad, FX_START), OCF_ERR_INVALID_ARG);
  ocf_msg_drop(d.m, d.hs.last_handle);
  ocf_coap_msg ok = response(OCF_COAP_CONTENT, NULL);
  assert_int_equal(ocf_msg_respond(d.m, d.hs.last_handle, &ok, FX_START), OCF_ERR_NOT_FOUND);
  ocf_coap_msg r;
  assert_false(fx_pull(d.m, &to, buf, &r));
  direct_free(&d);
}

static void test_request_rejects_bad_arguments(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 20);
  ocf_endpoint srv = fx_server_ep(0);
  ocf_coap_msg req;
  ocf_coap_init(&req, OCF_COAP_CON, OCF_COAP_CONTENT, 0);
  ocf_msg_request_params p = {.to = &srv, .n_to = 1, .cb = recorder_cb, .user = &d.rec};
  assert_int_equal(ocf_msg_request(d.m, &p, &req, FX_START, NULL), OCF_ERR_INVALID_ARG);
  req.code = OCF_COAP_GET;
  p.cb = NULL;
  assert_int_equal(ocf_msg_request(d.m, &p, &req, FX_START, NULL), OCF_ERR_INVALID_ARG);
  p.cb = recorder_cb;
  p.n_to = 0;
  assert_int_equal(ocf_msg_request(d.m, &p, &req, FX_START, NULL), OCF_ERR_INVALID_ARG);
  d.pf.random_fails = true;
  p.n_to = 1;
  assert_int_equal(ocf_msg_request(d.m, &p, &req, FX_START, NULL), OCF_ERR_CRYPTO);
  assert_int_equal(ocf_msg_pending_requests(d.m), 0);
  ocf_msg *m2 = NULL;
  assert_int_equal(ocf_msg_create(&d.pf.pf, NULL, &m2), OCF_ERR_CRYPTO);
  d.pf.random_fails = false;
  ocf_msg_config cfg;
  ocf_msg_config_default(&cfg);
  cfg.block_szx = 7;
  assert_int_equal(ocf_msg_create(&d.pf.pf, &cfg, &m2), OCF_ERR_INVALID_ARG);
  direct_free(&d);
}

static void test_separate_response_released_on_rst_or_after_max_retransmit(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 21);
  d.hs.mode = HANDLER_DEFER;
  ocf_endpoint from = fx_client_ep(), to;
  uint8_t dg[64], buf[OCF_MSG_DATAGRAM_MAX];
  ocf_coap_msg r;
  ocf_coap_msg rsp = response(OCF_COAP_CONTENT, "x");
  size_t len = fx_build(dg, sizeof dg, OCF_COAP_CON, OCF_COAP_GET, 1, (const uint8_t *)"a", 1, "/x", NULL, 0);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, dg, len, FX_START), OCF_OK);
  assert_int_equal(fx_drain(d.m), 1); /* the empty ACK */
  assert_int_equal(ocf_msg_respond(d.m, d.hs.last_handle, &rsp, FX_START + 10), OCF_OK);
  assert_true(fx_pull(d.m, &to, buf, &r));
  assert_int_equal(r.type, OCF_COAP_CON);
  len = fx_build(dg, sizeof dg, OCF_COAP_RST, OCF_COAP_EMPTY, r.mid, NULL, 0, NULL, NULL, 0);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, dg, len, FX_START + 20), OCF_OK);
  assert_int_equal(ocf_msg_next_timeout(d.m), OCF_MSG_NO_TIMEOUT);
  /* A client that vanished: four retransmissions, then the server lets go. */
  len = fx_build(dg, sizeof dg, OCF_COAP_CON, OCF_COAP_GET, 2, (const uint8_t *)"b", 1, "/x", NULL, 0);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, dg, len, FX_START + 30), OCF_OK);
  assert_int_equal(ocf_msg_respond(d.m, d.hs.last_handle, &rsp, FX_START + 40), OCF_OK);
  assert_int_equal(fx_drain(d.m), 2);
  size_t resent = 0;
  for (ocf_time_ms t; (t = ocf_msg_next_timeout(d.m)) != OCF_MSG_NO_TIMEOUT;) {
    ocf_msg_on_timeout(d.m, t);
    resent += fx_drain(d.m);
    assert_true(resent <= 4);
  }
  assert_int_equal(resent, 4);
  direct_free(&d);
}

static void test_response_with_unknown_critical_option_fails_request(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 22);
  ocf_endpoint srv = fx_server_ep(0), to;
  assert_int_equal(direct_get(&d, &srv, 1, FX_START, NULL), OCF_OK);
  uint8_t buf[OCF_MSG_DATAGRAM_MAX], dg[64];
  ocf_coap_msg req, ack;
  assert_true(fx_pull(d.m, &to, buf, &req));
  ocf_coap_init(&ack, OCF_COAP_ACK, OCF_COAP_CONTENT, req.mid);
  assert_int_equal(ocf_coap_set_token(&ack, req.token, req.token_len), OCF_OK);
  assert_int_equal(ocf_coap_add_uint_option(&ack, 2051, 1), OCF_OK);
  size_t len;
  assert_int_equal(ocf_coap_serialize(&ack, dg, sizeof dg, &len), OCF_OK);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &srv, dg, len, FX_START + 1), OCF_OK);
  assert_int_equal(d.rec.n, 1);
  assert_int_equal(d.rec.ev[0].type, OCF_MSG_EV_FAILED);
  assert_int_equal(d.rec.ev[0].err, OCF_ERR_UNSUPPORTED); /* RFC 7252 5.4.1 */
  direct_free(&d);
}

static void test_dedup_cache_stays_bounded_under_a_flood_of_ids(void **state) {
  (void)state;
  ocf_msg_config cfg;
  ocf_msg_config_default(&cfg);
  cfg.max_dedup = 16;
  direct d;
  direct_init(&d, &cfg, 23);
  d.hs.body = (const uint8_t *)"r";
  d.hs.body_len = 1;
  ocf_endpoint from = fx_client_ep();
  uint8_t dg[64];
  for (uint16_t mid = 0; mid < 1000; mid++) {
    size_t len =
        fx_build(dg, sizeof dg, OCF_COAP_CON, OCF_COAP_GET, mid, (const uint8_t *)"a", 1, "/x", NULL, 0);
    assert_int_equal(ocf_msg_handle_datagram(d.m, &from, dg, len, FX_START + mid), OCF_OK);
    assert_int_equal(fx_drain(d.m), 1);
  }
  assert_int_equal(d.hs.calls, 1000);
  assert_true(d.pf.live <= 5 + 16); /* the context's tables plus one reply per cache entry */
  direct_free(&d);
}

static void test_request_with_options_larger_than_a_datagram_gets_4_00(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 24);
  static const uint8_t query[1300] = {'a'};
  ocf_coap_msg m, r;
  ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_GET, 42);
  assert_int_equal(ocf_coap_add_option(&m, OCF_COAP_OPT_URI_QUERY, query, sizeof query), OCF_OK);
  uint8_t dg[1400], buf[OCF_MSG_DATAGRAM_MAX];
  size_t len;
  assert_int_equal(ocf_coap_serialize(&m, dg, sizeof dg, &len), OCF_OK);
  ocf_endpoint from = fx_client_ep(), to;
  assert_int_equal(ocf_msg_handle_datagram(d.m, &from, dg, len, FX_START), OCF_OK);
  assert_true(fx_pull(d.m, &to, buf, &r));
  assert_int_equal(r.code, OCF_COAP_BAD_REQUEST);
  assert_int_equal(d.hs.calls, 0);
  direct_free(&d);
}

/* A CON GET for /big (token "tk") with message id mid, asking for Block2 num when num > 0. */
static size_t big_get(uint8_t *buf, size_t cap, uint16_t mid, uint32_t num) {
  ocf_coap_msg m;
  uint8_t scratch[64];
  ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_GET, mid);
  assert_int_equal(ocf_coap_set_token(&m, (const uint8_t *)"tk", 2), OCF_OK);
  assert_int_equal(ocf_coap_set_uri_path_query(&m, "/big", scratch, sizeof scratch), OCF_OK);
  ocf_coap_block b = {.num = num, .more = false, .szx = 6};
  if (num)
    assert_int_equal(ocf_coap_add_uint_option(&m, OCF_COAP_OPT_BLOCK2, ocf_coap_block_encode(&b)), OCF_OK);
  size_t len = 0;
  assert_int_equal(ocf_coap_serialize(&m, buf, cap, &len), OCF_OK);
  return len;
}

/* RFC 7252 9.1.1: what msg keeps for a secure peer belongs to its DTLS session; once forgotten,
 * nothing of it answers that peer again, and the same address without OCF_EP_SECURE keeps its
 * own state. */
static void test_forget_peer_ends_its_requests_handles_block_bodies_and_dedup(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 40);
  ocf_endpoint sec = fx_client_ep(), plain = fx_client_ep(), to;
  sec.flags = OCF_EP_SECURE;
  uint8_t *big = fx_pattern(3000, 1);
  d.hs.body = big;
  d.hs.body_len = 3000;
  uint8_t req[128], buf[OCF_MSG_DATAGRAM_MAX];
  ocf_coap_msg r;
  ocf_time_ms now = FX_START;
  /* Block 0 of /big to both peers: each gets a kept body. */
  size_t len = big_get(req, sizeof req, 0x100, 0);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &sec, req, len, now), OCF_OK);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &plain, req, len, now), OCF_OK);
  assert_int_equal(d.hs.calls, 2);
  assert_int_equal(fx_drain(d.m), 2);
  /* A deferred request from the secure peer, and a request of ours to each peer. */
  d.hs.mode = HANDLER_DEFER;
  len = big_get(req, sizeof req, 0x101, 0);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &sec, req, len, now), OCF_OK);
  uint32_t handle = d.hs.last_handle;
  assert_int_equal(direct_get(&d, &sec, 1, now, NULL), OCF_OK);
  assert_int_equal(direct_get(&d, &plain, 1, now, NULL), OCF_OK);
  assert_int_equal(ocf_msg_pending_requests(d.m), 2);
  assert_int_equal(ocf_msg_forget_peer(d.m, &sec, OCF_ERR_RESET), 1);
  assert_int_equal(d.rec.n, 1);
  assert_int_equal(d.rec.ev[0].type, OCF_MSG_EV_FAILED);
  assert_int_equal(d.rec.ev[0].err, OCF_ERR_RESET);
  assert_true(d.rec.ev[0].final);
  assert_true(d.rec.ev[0].peer.flags & OCF_EP_SECURE);
  assert_int_equal(ocf_msg_pending_requests(d.m), 1);
  /* Queued datagrams to the secure peer are gone (empty ACK, our request); the plain one stays. */
  assert_true(fx_pull(d.m, &to, buf, &r));
  assert_false(to.flags & OCF_EP_SECURE);
  assert_false(fx_pull(d.m, &to, buf, &r));
  ocf_coap_msg rsp;
  ocf_coap_init(&rsp, OCF_COAP_ACK, OCF_COAP_CONTENT, 0);
  assert_int_equal(ocf_msg_respond(d.m, handle, &rsp, now), OCF_ERR_NOT_FOUND);
  d.hs.mode = HANDLER_RESPOND;
  /* Dedup: message 0x100 is new from the secure peer, a duplicate from the plain one. */
  size_t calls = d.hs.calls;
  len = big_get(req, sizeof req, 0x100, 0);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &plain, req, len, now + 10), OCF_OK);
  assert_int_equal(d.hs.calls, calls);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &sec, req, len, now + 10), OCF_OK);
  assert_int_equal(d.hs.calls, calls + 1);
  fx_drain(d.m);
  /* Block 1: served from the plain peer's kept body; the secure peer's is gone, so the
   * handler runs again (RFC 7959 stateless GET) for the secure peer only. */
  len = big_get(req, sizeof req, 0x102, 1);
  assert_int_equal(ocf_msg_handle_datagram(d.m, &plain, req, len, now + 20), OCF_OK);
  assert_int_equal(d.hs.calls, calls + 1);
  ocf_msg_forget_peer(d.m, &sec, OCF_ERR_RESET); /* the kept body of the new block 0 */
  assert_int_equal(ocf_msg_handle_datagram(d.m, &sec, req, len, now + 20), OCF_OK);
  assert_int_equal(d.hs.calls, calls + 2);
  assert_int_equal(ocf_msg_forget_peer(d.m, &sec, OCF_ERR_RESET), 0);
  assert_int_equal(ocf_msg_forget_peer(NULL, &sec, OCF_ERR_RESET), 0);
  free(big);
  direct_free(&d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_get_answered_with_piggybacked_response),
      cmocka_unit_test(test_con_retransmits_with_doubling_backoff_then_times_out),
      cmocka_unit_test(test_duplicate_con_answered_from_cache_without_rerunning_handler),
      cmocka_unit_test(test_duplicate_non_is_ignored_and_answered_with_non),
      cmocka_unit_test(test_separate_response_after_empty_ack_is_acked_and_delivered),
      cmocka_unit_test(test_lost_ack_makes_server_retransmit_separate_response_delivered_once),
      cmocka_unit_test(test_rst_ends_request_with_reset_event_only_from_its_peer),
      cmocka_unit_test(test_ack_with_unknown_mid_or_wrong_token_is_ignored),
      cmocka_unit_test(test_con_response_with_unknown_token_gets_rst_non_is_ignored),
      cmocka_unit_test(test_malformed_con_gets_rst_other_garbage_is_ignored),
      cmocka_unit_test(test_unknown_critical_option_gets_4_02_ocf_version_options_are_known),
      cmocka_unit_test(test_multicast_collects_three_responders_with_leisure_and_suppresses_errors),
      cmocka_unit_test(test_multicast_to_two_groups_uses_same_mid_and_token),
      cmocka_unit_test(test_multicast_response_needing_blocks_is_fetched_by_unicast),
      cmocka_unit_test(test_cancel_stops_retransmission_and_callbacks),
      cmocka_unit_test(test_cancel_from_multicast_callback_ends_collection),
      cmocka_unit_test(test_nstart_holds_second_request_until_first_is_answered),
      cmocka_unit_test(test_full_pending_table_answers_5_03_and_unanswered_handle_expires),
      cmocka_unit_test(test_respond_validates_code_and_drop_releases),
      cmocka_unit_test(test_request_rejects_bad_arguments),
      cmocka_unit_test(test_separate_response_released_on_rst_or_after_max_retransmit),
      cmocka_unit_test(test_response_with_unknown_critical_option_fails_request),
      cmocka_unit_test(test_dedup_cache_stays_bounded_under_a_flood_of_ids),
      cmocka_unit_test(test_request_with_options_larger_than_a_datagram_gets_4_00),
      cmocka_unit_test(test_forget_peer_ends_its_requests_handles_block_bodies_and_dedup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
