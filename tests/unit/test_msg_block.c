/* Unit tests of src/msg block-wise transfers (RFC 7959), caps on peer-sized data, hostile
 * block sequences, a lossy network, and allocation failure at every step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "msg_fixture.h"

typedef struct counts {
  size_t client_con, server_msgs;
} counts;

static void count_tap(void *user, const ocf_sim_datagram *d) {
  counts *c = user;
  ocf_coap_msg m;
  if (ocf_coap_parse(d->data, d->len, &m) != OCF_OK) return;
  if (d->src_node == 0 && m.type == OCF_COAP_CON) c->client_con++;
  if (d->src_node != 0) c->server_msgs++;
}

static ocf_msg_config cfg_with(uint8_t szx, size_t max_body) {
  ocf_msg_config c;
  ocf_msg_config_default(&c);
  c.block_szx = szx;
  c.max_body = max_body;
  return c;
}

/* Runs one request through a one-server world and returns it for inspection. */
static void run_exchange(world *w, uint8_t code, const uint8_t *body, size_t len) {
  assert_int_equal(fx_request(w, NULL, 0, code, "/oic/sec/cred", body, len, NULL), OCF_OK);
  assert_true(ocf_sim_run_until(w->net, fx_final_seen, w, 300000));
}

static void test_block2_10k_response_reassembled_byte_exact(void **state) {
  (void)state;
  world w;
  counts c = {0};
  fx_world_init(&w, 1, NULL, NULL, 21);
  ocf_sim_set_tap(w.net, count_tap, &c);
  uint8_t *big = fx_pattern(10240, 3);
  w.hs[0].body = big;
  w.hs[0].body_len = 10240;
  run_exchange(&w, OCF_COAP_GET, NULL, 0);
  assert_int_equal(w.rec.n, 1);
  assert_int_equal(w.rec.ev[0].type, OCF_MSG_EV_RESPONSE);
  assert_int_equal(w.rec.ev[0].code, OCF_COAP_CONTENT);
  assert_int_equal(w.rec.ev[0].len, 10240);
  assert_memory_equal(w.rec.ev[0].body, big, 10240);
  assert_int_equal(w.hs[0].calls, 1);
  assert_int_equal(c.client_con, 10); /* ten 1024-byte blocks */
  free(big);
  fx_world_free(&w);
}

static void test_block1_10k_request_reassembled_byte_exact(void **state) {
  (void)state;
  world w;
  counts c = {0};
  fx_world_init(&w, 1, NULL, NULL, 22);
  ocf_sim_set_tap(w.net, count_tap, &c);
  uint8_t *big = fx_pattern(10240 + 5, 9);
  w.hs[0].code = OCF_COAP_CHANGED;
  run_exchange(&w, OCF_COAP_POST, big, 10245);
  assert_int_equal(w.rec.ev[0].type, OCF_MSG_EV_RESPONSE);
  assert_int_equal(w.rec.ev[0].code, OCF_COAP_CHANGED);
  assert_int_equal(w.hs[0].calls, 1);
  assert_int_equal(w.hs[0].last_method, OCF_COAP_POST);
  assert_int_equal(w.hs[0].last_body_len, 10245);
  assert_memory_equal(w.hs[0].last_body, big, 10245);
  assert_int_equal(c.client_con, 11);
  free(big);
  fx_world_free(&w);
}

static void test_block1_upload_with_block2_answer_both_reassembled(void **state) {
  (void)state;
  world w;
  fx_world_init(&w, 1, NULL, NULL, 23);
  uint8_t *up = fx_pattern(4000, 1), *down = fx_pattern(5000, 2);
  w.hs[0].body = down;
  w.hs[0].body_len = 5000;
  run_exchange(&w, OCF_COAP_POST, up, 4000);
  assert_int_equal(w.rec.ev[0].len, 5000);
  assert_memory_equal(w.rec.ev[0].body, down, 5000);
  assert_memory_equal(w.hs[0].last_body, up, 4000);
  assert_int_equal(w.hs[0].calls, 1); /* follow-up Block2 POSTs are served from the kept body */
  free(up);
  free(down);
  fx_world_free(&w);
}

static void test_block1_server_asking_smaller_szx_is_honoured(void **state) {
  (void)state;
  world w;
  counts c = {0};
  ocf_msg_config scfg = cfg_with(2, 64 * 1024); /* the server wants 64-byte blocks */
  fx_world_init(&w, 1, NULL, &scfg, 24);
  ocf_sim_set_tap(w.net, count_tap, &c);
  uint8_t *big = fx_pattern(10240, 4);
  run_exchange(&w, OCF_COAP_POST, big, 10240);
  assert_int_equal(w.rec.ev[0].type, OCF_MSG_EV_RESPONSE);
  assert_int_equal(w.rec.ev[0].code, OCF_COAP_CONTENT);
  assert_memory_equal(w.hs[0].last_body, big, 10240);
  /* RFC 7959 2.5: block 0 carries 1024 bytes, the rest goes in 64-byte blocks from offset 1024. */
  assert_int_equal(c.client_con, 1 + (10240 - 1024) / 64);
  free(big);
  fx_world_free(&w);
}

static void test_block2_client_asking_smaller_szx_gets_small_blocks(void **state) {
  (void)state;
  world w;
  counts c = {0};
  ocf_msg_config ccfg = cfg_with(4, 64 * 1024); /* 256-byte blocks */
  fx_world_init(&w, 1, &ccfg, NULL, 25);
  ocf_sim_set_tap(w.net, count_tap, &c);
  uint8_t *big = fx_pattern(10240, 5);
  w.hs[0].body = big;
  w.hs[0].body_len = 10240;
  run_exchange(&w, OCF_COAP_GET, NULL, 0);
  assert_memory_equal(w.rec.ev[0].body, big, 10240);
  assert_int_equal(c.client_con, 40);
  free(big);
  fx_world_free(&w);
}

static void test_request_body_over_client_cap_is_refused_locally(void **state) {
  (void)state;
  world w;
  ocf_msg_config ccfg = cfg_with(6, 4096);
  fx_world_init(&w, 1, &ccfg, NULL, 26);
  uint8_t *big = fx_pattern(5000, 0);
  assert_int_equal(fx_request(&w, NULL, 0, OCF_COAP_POST, "/x", big, 5000, NULL), OCF_ERR_TOO_LARGE);
  ocf_endpoint g = fx_group6();
  assert_int_equal(fx_request(&w, &g, 1, OCF_COAP_POST, "/x", big, 2000, NULL), OCF_ERR_TOO_LARGE);
  assert_int_equal(ocf_msg_pending_requests(w.client), 0);
  free(big);
  fx_world_free(&w);
}

static void test_block1_over_server_cap_refused_early_with_size1(void **state) {
  (void)state;
  world w;
  ocf_msg_config scfg = cfg_with(6, 4096);
  fx_world_init(&w, 1, NULL, &scfg, 27);
  uint8_t *big = fx_pattern(10240, 6);
  run_exchange(&w, OCF_COAP_POST, big, 10240);
  assert_int_equal(w.rec.ev[0].type, OCF_MSG_EV_RESPONSE);
  assert_int_equal(w.rec.ev[0].code, OCF_COAP_REQUEST_ENTITY_TOO_LARGE);
  assert_true(w.rec.ev[0].has_size1); /* RFC 7959 2.9.3 */
  assert_int_equal(w.rec.ev[0].size1, 4096);
  assert_int_equal(w.hs[0].calls, 0);
  free(big);
  fx_world_free(&w);
}

static void test_single_payload_over_server_cap_gets_4_13(void **state) {
  (void)state;
  world w;
  ocf_msg_config scfg = cfg_with(6, 100);
  fx_world_init(&w, 1, NULL, &scfg, 28);
  uint8_t *body = fx_pattern(500, 6);
  run_exchange(&w, OCF_COAP_POST, body, 500);
  assert_int_equal(w.rec.ev[0].code, OCF_COAP_REQUEST_ENTITY_TOO_LARGE);
  assert_int_equal(w.rec.ev[0].size1, 100);
  assert_int_equal(w.hs[0].calls, 0);
  free(body);
  fx_world_free(&w);
}

/* --- hostile Block1 sequences against a server ------------------------------------------- */

/* Sends one CON request with a block option to the server and returns the answer's code and
 * (when present) its Block1/Size1. */
static uint8_t send_block(direct *d, uint8_t method, uint16_t opt, uint32_t num, bool more, uint8_t szx,
                          size_t payload_len, ocf_coap_block *echo, uint32_t *size1) {
  static const uint8_t junk[1024] = {1, 2, 3};
  ocf_coap_msg m;
  uint8_t scratch[32], dg[1400], buf[OCF_MSG_DATAGRAM_MAX];
  ocf_coap_init(&m, OCF_COAP_CON, method, d->mid++);
  assert_int_equal(ocf_coap_set_token(&m, (const uint8_t *)"tok", 3), OCF_OK);
  assert_int_equal(ocf_coap_set_uri_path_query(&m, "/oic/sec/csr", scratch, sizeof scratch), OCF_OK);
  ocf_coap_block b = {.num = num, .more = more, .szx = szx};
  assert_int_equal(ocf_coap_add_uint_option(&m, opt, ocf_coap_block_encode(&b)), OCF_OK);
  m.payload = payload_len ? junk : NULL;
  m.payload_len = payload_len;
  size_t len;
  assert_int_equal(ocf_coap_serialize(&m, dg, sizeof dg, &len), OCF_OK);
  ocf_endpoint from = fx_client_ep(), to;
  assert_int_equal(ocf_msg_handle_datagram(d->m, &from, dg, len, FX_START), OCF_OK);
  ocf_coap_msg r;
  assert_true(fx_pull(d->m, &to, buf, &r));
  assert_int_equal(r.mid, m.mid);
  if (echo) assert_int_equal(ocf_coap_get_block(&r, OCF_COAP_OPT_BLOCK1, echo), OCF_OK);
  if (size1) assert_int_equal(ocf_coap_get_uint_option(&r, OCF_COAP_OPT_SIZE1, size1), OCF_OK);
  return r.code;
}

static void test_block1_out_of_order_gets_4_08(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 30);
  /* RFC 7959 2.9.2: a block without its predecessors. */
  assert_int_equal(send_block(&d, OCF_COAP_POST, OCF_COAP_OPT_BLOCK1, 2, true, 6, 1024, NULL, NULL),
                   OCF_COAP_REQUEST_ENTITY_INCOMPLETE);
  ocf_coap_block echo;
  assert_int_equal(send_block(&d, OCF_COAP_POST, OCF_COAP_OPT_BLOCK1, 0, true, 6, 1024, &echo, NULL),
                   OCF_COAP_CONTINUE);
  assert_int_equal(echo.num, 0);
  assert_true(echo.more);
  assert_int_equal(send_block(&d, OCF_COAP_POST, OCF_COAP_OPT_BLOCK1, 2, false, 6, 10, NULL, NULL),
                   OCF_COAP_REQUEST_ENTITY_INCOMPLETE);
  assert_int_equal(send_block(&d, OCF_COAP_POST, OCF_COAP_OPT_BLOCK1, 1, false, 6, 10, &echo, NULL),
                   OCF_COAP_CONTENT);
  assert_int_equal(echo.num, 1); /* RFC 7959 2.3: the final response echoes the last block */
  assert_false(echo.more);
  assert_int_equal(d.hs.calls, 1);
  assert_int_equal(d.hs.last_body_len, 1034);
  direct_free(&d);
}

static void test_block1_szx_change_mid_transfer_must_keep_offsets(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 31);
  ocf_coap_block echo;
  assert_int_equal(send_block(&d, OCF_COAP_POST, OCF_COAP_OPT_BLOCK1, 0, true, 6, 1024, &echo, NULL),
                   OCF_COAP_CONTINUE);
  /* 64-byte blocks from offset 1024 = block 16: consistent, accepted. */
  assert_int_equal(send_block(&d, OCF_COAP_POST, OCF_COAP_OPT_BLOCK1, 16, true, 2, 64, &echo, NULL),
                   OCF_COAP_CONTINUE);
  assert_int_equal(echo.szx, 2);
  /* Back to 1024-byte blocks: block 1 would start at 1024, but 1088 bytes are in. */
  assert_int_equal(send_block(&d, OCF_COAP_POST, OCF_COAP_OPT_BLOCK1, 1, true, 6, 1024, NULL, NULL),
                   OCF_COAP_REQUEST_ENTITY_INCOMPLETE);
  /* A short block that claims more follow. */
  assert_int_equal(send_block(&d, OCF_COAP_POST, OCF_COAP_OPT_BLOCK1, 17, true, 2, 10, NULL, NULL),
                   OCF_COAP_BAD_REQUEST);
  assert_int_equal(send_block(&d, OCF_COAP_POST, OCF_COAP_OPT_BLOCK1, 0, true, 6, 1000, NULL, NULL),
                   OCF_COAP_BAD_REQUEST);
  assert_int_equal(d.hs.calls, 0);
  direct_free(&d);
}

static void test_block1_growing_past_cap_without_size1_gets_4_13_and_state_is_freed(void **state) {
  (void)state;
  ocf_msg_config cfg = cfg_with(6, 2048);
  direct d;
  direct_init(&d, &cfg, 32);
  assert_int_equal(send_block(&d, OCF_COAP_PUT, OCF_COAP_OPT_BLOCK1, 0, true, 6, 1024, NULL, NULL),
                   OCF_COAP_CONTINUE);
  assert_int_equal(send_block(&d, OCF_COAP_PUT, OCF_COAP_OPT_BLOCK1, 1, true, 6, 1024, NULL, NULL),
                   OCF_COAP_CONTINUE);
  uint32_t size1 = 0;
  assert_int_equal(send_block(&d, OCF_COAP_PUT, OCF_COAP_OPT_BLOCK1, 2, true, 6, 1024, NULL, &size1),
                   OCF_COAP_REQUEST_ENTITY_TOO_LARGE);
  assert_int_equal(size1, 2048);
  assert_int_equal(send_block(&d, OCF_COAP_PUT, OCF_COAP_OPT_BLOCK1, 3, false, 6, 10, NULL, NULL),
                   OCF_COAP_REQUEST_ENTITY_INCOMPLETE);
  assert_int_equal(d.hs.calls, 0);
  assert_true(d.pf.peak_bytes < 64 * 1024); /* memory stayed bounded by the cap */
  direct_free(&d);
}

static void test_block2_followup_get_regenerates_unsafe_one_gets_4_08(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 33);
  uint8_t *big = fx_pattern(5000, 8);
  d.hs.body = big;
  d.hs.body_len = 5000;
  /* No kept body (e.g. the server restarted): a GET for block 2 regenerates it. */
  assert_int_equal(send_block(&d, OCF_COAP_GET, OCF_COAP_OPT_BLOCK2, 2, false, 6, 0, NULL, NULL),
                   OCF_COAP_CONTENT);
  assert_int_equal(d.hs.calls, 1);
  /* Block 3 comes from the body kept by that answer. */
  assert_int_equal(send_block(&d, OCF_COAP_GET, OCF_COAP_OPT_BLOCK2, 3, false, 6, 0, NULL, NULL),
                   OCF_COAP_CONTENT);
  assert_int_equal(d.hs.calls, 1);
  /* Past the end. */
  assert_int_equal(send_block(&d, OCF_COAP_GET, OCF_COAP_OPT_BLOCK2, 9, false, 6, 0, NULL, NULL),
                   OCF_COAP_BAD_OPTION);
  /* An unsafe method is never re-run to serve a later block. */
  assert_int_equal(send_block(&d, OCF_COAP_POST, OCF_COAP_OPT_BLOCK2, 1, false, 6, 0, NULL, NULL),
                   OCF_COAP_REQUEST_ENTITY_INCOMPLETE);
  assert_int_equal(d.hs.calls, 1);
  free(big);
  direct_free(&d);
}

/* --- hostile Block2 answers to a client ------------------------------------------------- */

typedef struct blk_answer {
  uint32_t num;
  bool more;
  uint8_t szx;
  size_t len;
  const char *etag;
  bool with_size2;
  uint32_t size2;
} blk_answer;

/* Client side: sends a GET, then answers each request with the scripted blocks. Returns the
 * number of answers consumed before the exchange ended. */
static size_t script_client(direct *d, const ocf_msg_config *cfg, const blk_answer *a, size_t n) {
  (void)cfg;
  static const uint8_t data[1024] = {7};
  ocf_endpoint srv = fx_server_ep(0), to;
  ocf_coap_msg req;
  uint8_t scratch[32], buf[OCF_MSG_DATAGRAM_MAX], dg[1400];
  ocf_coap_init(&req, OCF_COAP_CON, OCF_COAP_GET, 0);
  assert_int_equal(ocf_coap_set_uri_path_query(&req, "/big", scratch, sizeof scratch), OCF_OK);
  ocf_msg_request_params p = {.to = &srv, .n_to = 1, .cb = recorder_cb, .user = &d->rec};
  assert_int_equal(ocf_msg_request(d->m, &p, &req, FX_START, NULL), OCF_OK);
  for (size_t i = 0; i < n; i++) {
    ocf_coap_msg r, out;
    if (!fx_pull(d->m, &to, buf, &r)) return i;
    ocf_coap_init(&out, OCF_COAP_ACK, OCF_COAP_CONTENT, r.mid);
    assert_int_equal(ocf_coap_set_token(&out, r.token, r.token_len), OCF_OK);
    ocf_coap_block b = {.num = a[i].num, .more = a[i].more, .szx = a[i].szx};
    assert_int_equal(ocf_coap_add_uint_option(&out, OCF_COAP_OPT_BLOCK2, ocf_coap_block_encode(&b)), OCF_OK);
    if (a[i].etag)
      assert_int_equal(ocf_coap_add_option(&out, OCF_COAP_OPT_ETAG, a[i].etag, strlen(a[i].etag)), OCF_OK);
    if (a[i].with_size2)
      assert_int_equal(ocf_coap_add_uint_option(&out, OCF_COAP_OPT_SIZE2, a[i].size2), OCF_OK);
    out.payload = data;
    out.payload_len = a[i].len;
    size_t len;
    assert_int_equal(ocf_coap_serialize(&out, dg, sizeof dg, &len), OCF_OK);
    assert_int_equal(ocf_msg_handle_datagram(d->m, &srv, dg, len, FX_START + i + 1), OCF_OK);
    if (d->rec.final_seen) return i + 1;
  }
  return n;
}

static void expect_client_failure(const blk_answer *a, size_t n, size_t max_body, ocf_err err) {
  ocf_msg_config cfg = cfg_with(6, max_body);
  direct d;
  direct_init(&d, &cfg, 34);
  assert_int_equal(script_client(&d, &cfg, a, n), n);
  assert_int_equal(d.rec.n, 1);
  assert_int_equal(d.rec.ev[0].type, OCF_MSG_EV_FAILED);
  assert_int_equal(d.rec.ev[0].err, err);
  assert_true(d.rec.ev[0].final);
  assert_int_equal(ocf_msg_next_timeout(d.m), OCF_MSG_NO_TIMEOUT);
  direct_free(&d);
}

static void test_block2_wrong_block_number_fails(void **state) {
  (void)state;
  const blk_answer a[] = {{0, true, 6, 1024, NULL, false, 0}, {2, true, 6, 1024, NULL, false, 0}};
  expect_client_failure(a, 2, 65536, OCF_ERR_MALFORMED);
}

static void test_block2_szx_growing_mid_transfer_fails(void **state) {
  (void)state;
  const blk_answer a[] = {{0, true, 4, 256, NULL, false, 0}, {1, true, 5, 512, NULL, false, 0}};
  expect_client_failure(a, 2, 65536, OCF_ERR_MALFORMED);
}

static void test_block2_szx_shrinking_mid_transfer_is_followed(void **state) {
  (void)state;
  direct d;
  direct_init(&d, NULL, 35);
  /* 1024, then 256-byte blocks from offset 1024 (block 4), then the end. */
  const blk_answer a[] = {{0, true, 6, 1024, NULL, false, 0},
                          {4, true, 4, 256, NULL, false, 0},
                          {5, false, 4, 100, NULL, false, 0}};
  assert_int_equal(script_client(&d, NULL, a, 3), 3);
  assert_int_equal(d.rec.ev[0].type, OCF_MSG_EV_RESPONSE);
  assert_int_equal(d.rec.ev[0].len, 1024 + 256 + 100);
  direct_free(&d);
}

static void test_block2_etag_change_fails(void **state) {
  (void)state;
  const blk_answer a[] = {{0, true, 6, 1024, "a", false, 0}, {1, false, 6, 10, "b", false, 0}};
  expect_client_failure(a, 2, 65536, OCF_ERR_STATE);
}

static void test_block2_short_middle_block_fails(void **state) {
  (void)state;
  const blk_answer a[] = {{0, true, 6, 1000, NULL, false, 0}};
  expect_client_failure(a, 1, 65536, OCF_ERR_MALFORMED);
}

static void test_block2_total_over_client_cap_fails(void **state) {
  (void)state;
  const blk_answer grows[] = {{0, true, 6, 1024, NULL, false, 0},
                              {1, true, 6, 1024, NULL, false, 0},
                              {2, true, 6, 1024, NULL, false, 0}};
  expect_client_failure(grows, 3, 2048, OCF_ERR_TOO_LARGE);
  const blk_answer announced[] = {{0, true, 6, 1024, NULL, true, 1000000}};
  expect_client_failure(announced, 1, 65536, OCF_ERR_TOO_LARGE);
}

/* Client side of a Block1 upload of `len` bytes: the server answers each block per script
 * (code, whether to carry Block1, its number and M bit). */
typedef struct up_answer {
  uint8_t code;
  bool has_block1;
  uint32_t num;
  bool more;
} up_answer;

static void script_upload(direct *d, size_t body_len, const up_answer *a, size_t n) {
  uint8_t *body = fx_pattern(body_len, 1);
  ocf_endpoint srv = fx_server_ep(0), to;
  ocf_coap_msg req;
  uint8_t buf[OCF_MSG_DATAGRAM_MAX], dg[64];
  ocf_coap_init(&req, OCF_COAP_CON, OCF_COAP_POST, 0);
  req.payload = body;
  req.payload_len = body_len;
  ocf_msg_request_params p = {.to = &srv, .n_to = 1, .cb = recorder_cb, .user = &d->rec};
  assert_int_equal(ocf_msg_request(d->m, &p, &req, FX_START, NULL), OCF_OK);
  free(body);
  for (size_t i = 0; i < n && !d->rec.final_seen; i++) {
    ocf_coap_msg r, out;
    assert_true(fx_pull(d->m, &to, buf, &r));
    ocf_coap_init(&out, OCF_COAP_ACK, a[i].code, r.mid);
    assert_int_equal(ocf_coap_set_token(&out, r.token, r.token_len), OCF_OK);
    ocf_coap_block b = {.num = a[i].num, .more = a[i].more, .szx = 6};
    if (a[i].has_block1)
      assert_int_equal(ocf_coap_add_uint_option(&out, OCF_COAP_OPT_BLOCK1, ocf_coap_block_encode(&b)),
                       OCF_OK);
    size_t len;
    assert_int_equal(ocf_coap_serialize(&out, dg, sizeof dg, &len), OCF_OK);
    assert_int_equal(ocf_msg_handle_datagram(d->m, &srv, dg, len, FX_START + i + 1), OCF_OK);
  }
  assert_true(d->rec.final_seen);
}

static void test_block1_answers_that_break_the_upload_fail_it(void **state) {
  (void)state;
  const up_answer early_success[] = {{OCF_COAP_CHANGED, false, 0, false}};
  const up_answer wrong_num[] = {{OCF_COAP_CONTINUE, true, 5, true}};
  const up_answer no_block1[] = {{OCF_COAP_CONTINUE, false, 0, false}};
  const up_answer continue_last[] = {{OCF_COAP_CONTINUE, true, 0, true}, {OCF_COAP_CONTINUE, true, 1, true}};
  const struct {
    const up_answer *a;
    size_t n;
  } cases[] = {{early_success, 1}, {wrong_num, 1}, {no_block1, 1}, {continue_last, 2}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    direct d;
    direct_init(&d, NULL, 50 + i);
    script_upload(&d, 1500, cases[i].a, cases[i].n);
    assert_int_equal(d.rec.ev[0].type, OCF_MSG_EV_FAILED);
    assert_int_equal(d.rec.ev[0].err, OCF_ERR_MALFORMED);
    direct_free(&d);
  }
  /* An error answer mid-upload is the server's verdict: delivered as the response. */
  const up_answer refused[] = {{OCF_COAP_REQUEST_ENTITY_TOO_LARGE, false, 0, false}};
  direct d;
  direct_init(&d, NULL, 60);
  script_upload(&d, 1500, refused, 1);
  assert_int_equal(d.rec.ev[0].type, OCF_MSG_EV_RESPONSE);
  assert_int_equal(d.rec.ev[0].code, OCF_COAP_REQUEST_ENTITY_TOO_LARGE);
  direct_free(&d);
}

/* --- faults ------------------------------------------------------------------------------- */

static void test_lossy_network_still_completes_blockwise_transfers(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 6; seed++) {
    world w;
    fx_world_init(&w, 1, NULL, NULL, 100 + seed);
    ocf_sim_set_latency(w.net, 1, 20);
    ocf_sim_set_faults(w.net, 10, 10, 20, 300);
    uint8_t *up = fx_pattern(10240, (uint8_t)seed), *down = fx_pattern(10240, (uint8_t)(seed + 50));
    w.hs[0].body = down;
    w.hs[0].body_len = 10240;
    run_exchange(&w, OCF_COAP_POST, up, 10240);
    assert_int_equal(w.rec.n, 1);
    assert_int_equal(w.rec.ev[0].type, OCF_MSG_EV_RESPONSE);
    assert_int_equal(w.rec.ev[0].len, 10240);
    assert_memory_equal(w.rec.ev[0].body, down, 10240);
    assert_int_equal(w.hs[0].calls, 1); /* duplicates never re-run the handler */
    assert_memory_equal(w.hs[0].last_body, up, 10240);
    const ocf_sim_stats *st = ocf_sim_stats_get(w.net);
    assert_true(st->dropped > 0 && st->duplicated > 0 && st->reordered > 0);
    free(up);
    free(down);
    fx_world_free(&w);
  }
}

/* One POST with Block1 and Block2 while `side` (0 client, 1 server) fails its nth allocation
 * (and every later one with and_after). Returns true when an allocation was actually refused. */
static bool run_with_alloc_failure(size_t nth, int side, bool and_after) {
  world w;
  fx_world_init(&w, 1, NULL, NULL, 40);
  uint8_t *up = fx_pattern(3000, 1), *down = fx_pattern(3000, 2);
  w.hs[0].body = down;
  w.hs[0].body_len = 3000;
  ocf_sim_platform *pf = side == 0 ? &w.cpf : &w.spf[0];
  ocf_sim_fail_alloc(pf, nth, and_after);
  ocf_err err = fx_request(&w, NULL, 0, OCF_COAP_POST, "/oic/sec/cred", up, 3000, NULL);
  if (err == OCF_OK) {
    ocf_sim_run_for(w.net, 300000);
    /* The request ends, one way or another, with exactly one final event. */
    assert_int_equal(w.rec.n, 1);
    assert_true(w.rec.final_seen);
    const rec_event *e = &w.rec.ev[0];
    if (e->type == OCF_MSG_EV_RESPONSE && e->code == OCF_COAP_CONTENT) {
      assert_int_equal(e->len, 3000);
      assert_memory_equal(e->body, down, 3000);
    } else if (e->type == OCF_MSG_EV_FAILED) {
      assert_int_equal(e->err, OCF_ERR_NO_MEMORY);
    } else if (e->type == OCF_MSG_EV_RESPONSE) {
      assert_true(OCF_COAP_CODE_CLASS(e->code) == 5); /* the server ran out and said so */
    } else {
      assert_int_equal(e->type, OCF_MSG_EV_TIMEOUT);
    }
  } else {
    assert_int_equal(err, OCF_ERR_NO_MEMORY);
  }
  bool refused = pf->failures > 0;
  free(up);
  free(down);
  fx_world_free(&w); /* asserts nothing leaked */
  return refused;
}

static void test_allocation_failure_at_every_step_is_clean_and_leak_free(void **state) {
  (void)state;
  for (int side = 0; side < 2; side++) {
    size_t nth = 1;
    while (run_with_alloc_failure(nth, side, false)) {
      nth++;
      assert_true(nth < 1000);
    }
    assert_true(nth > 5); /* the exchange does allocate, so failures were exercised */
    for (size_t from = 1; from < nth; from += 3) (void)run_with_alloc_failure(from, side, true);
  }
}

static void test_create_fails_cleanly_without_memory(void **state) {
  (void)state;
  ocf_sim_platform sp;
  ocf_sim_platform_init(&sp, 1);
  sp.quiet = true;
  ocf_msg *m = NULL;
  for (size_t nth = 1; nth <= 5; nth++) {
    ocf_sim_fail_alloc(&sp, nth, false);
    assert_int_equal(ocf_msg_create(&sp.pf, NULL, &m), OCF_ERR_NO_MEMORY);
    assert_int_equal(sp.live, 0);
  }
  ocf_sim_fail_alloc(&sp, 0, false);
  assert_int_equal(ocf_msg_create(&sp.pf, NULL, &m), OCF_OK);
  ocf_msg_destroy(m);
  assert_int_equal(sp.live, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_block2_10k_response_reassembled_byte_exact),
      cmocka_unit_test(test_block1_10k_request_reassembled_byte_exact),
      cmocka_unit_test(test_block1_upload_with_block2_answer_both_reassembled),
      cmocka_unit_test(test_block1_server_asking_smaller_szx_is_honoured),
      cmocka_unit_test(test_block2_client_asking_smaller_szx_gets_small_blocks),
      cmocka_unit_test(test_request_body_over_client_cap_is_refused_locally),
      cmocka_unit_test(test_block1_over_server_cap_refused_early_with_size1),
      cmocka_unit_test(test_single_payload_over_server_cap_gets_4_13),
      cmocka_unit_test(test_block1_out_of_order_gets_4_08),
      cmocka_unit_test(test_block1_szx_change_mid_transfer_must_keep_offsets),
      cmocka_unit_test(test_block1_growing_past_cap_without_size1_gets_4_13_and_state_is_freed),
      cmocka_unit_test(test_block2_followup_get_regenerates_unsafe_one_gets_4_08),
      cmocka_unit_test(test_block2_wrong_block_number_fails),
      cmocka_unit_test(test_block2_szx_growing_mid_transfer_fails),
      cmocka_unit_test(test_block2_szx_shrinking_mid_transfer_is_followed),
      cmocka_unit_test(test_block2_etag_change_fails),
      cmocka_unit_test(test_block2_short_middle_block_fails),
      cmocka_unit_test(test_block2_total_over_client_cap_fails),
      cmocka_unit_test(test_block1_answers_that_break_the_upload_fail_it),
      cmocka_unit_test(test_lossy_network_still_completes_blockwise_transfers),
      cmocka_unit_test(test_allocation_failure_at_every_step_is_clean_and_leak_free),
      cmocka_unit_test(test_create_fails_cleanly_without_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
