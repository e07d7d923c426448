/* Unit tests of src/dtls sessions with PSK suites over the simulated network: handshake, data,
 * close_notify, wrong keys, HelloVerifyRequest cookies (RFC 6347 4.2.1), retransmission on the
 * fake clock (RFC 6347 4.2.4), caps under a handshake flood, idle expiry, hostile datagrams and
 * allocation failures. Certificate suites are in test_dtls_cert.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <mbedtls/aes.h>

#include "dtls/hello.h"
#include "dtls_fixture.h"

/* --- wire helpers --------------------------------------------------------------------------- */

typedef struct wire_rec {
  ocf_time_ms at;
  int src;
  size_t len;
  uint8_t data[1500];
} wire_rec;

typedef struct wire_log {
  wire_rec r[128];
  size_t n;
} wire_log;

static void tap_cb(void *user, const ocf_sim_datagram *d) {
  wire_log *log = user;
  if (log->n >= 128 || d->len > sizeof log->r[0].data) return;
  wire_rec *r = &log->r[log->n++];
  r->at = d->sent_at;
  r->src = d->src_node;
  r->len = d->len;
  memcpy(r->data, d->data, d->len);
}

#define CT_HANDSHAKE 22
#define CT_APPLICATION 23
#define CT_ALERT 21
#define HS_HELLO_VERIFY 3
#define HS_SERVER_HELLO 2

static bool is_handshake(const wire_rec *r, uint8_t hs_type) {
  return r->len > 25 && r->data[0] == CT_HANDSHAKE && r->data[3] == 0 && r->data[4] == 0 &&
         r->data[13] == hs_type;
}

/* A ClientHello as mbedTLS accepts it for ECDHE-PSK: suite 0xC037, null compression, groups
 * {secp256r1}, point formats {uncompressed}. */
static size_t craft_client_hello(uint8_t *out, const uint8_t *cookie, size_t cookie_len, uint16_t msg_seq,
                                 uint8_t record_seq, uint8_t random_seed) {
  static const uint8_t tail[] = {0x00, 0x02, 0xC0, 0x37,                         /* cipher_suites */
                                 0x01, 0x00,                                     /* compression */
                                 0x00, 0x0e,                                     /* extensions */
                                 0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17, /* supported_groups */
                                 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00};            /* ec_point_formats */
  uint8_t body[300];
  size_t n = 0;
  body[n++] = 0xFE;
  body[n++] = 0xFD;
  for (int i = 0; i < 32; i++) body[n++] = (uint8_t)(random_seed + i);
  body[n++] = 0; /* session_id */
  body[n++] = (uint8_t)cookie_len;
  if (cookie_len) memcpy(body + n, cookie, cookie_len);
  n += cookie_len;
  memcpy(body + n, tail, sizeof tail);
  n += sizeof tail;
  size_t rec_len = 12 + n;
  uint8_t hdr[25] = {CT_HANDSHAKE,
                     0xFE,
                     0xFD,
                     0,
                     0,
                     0,
                     0,
                     0,
                     0,
                     0,
                     record_seq,
                     (uint8_t)(rec_len >> 8),
                     (uint8_t)rec_len,
                     1,
                     0,
                     (uint8_t)(n >> 8),
                     (uint8_t)n,
                     (uint8_t)(msg_seq >> 8),
                     (uint8_t)msg_seq,
                     0,
                     0,
                     0,
                     0,
                     (uint8_t)(n >> 8),
                     (uint8_t)n};
  memcpy(out, hdr, sizeof hdr);
  memcpy(out + sizeof hdr, body, n);
  return sizeof hdr + n;
}

/* Sends a ClientHello without cookie from peer and returns the cookie of the answer. */
static void get_cookie(ocf_dtls_ctx *d, const ocf_endpoint *peer, ocf_time_ms now, uint8_t cookie[32]) {
  uint8_t ch[400], out[1500];
  size_t n = craft_client_hello(ch, NULL, 0, 0, 0, 1);
  assert_int_equal(ocf_dtls_handle_datagram(d, peer, ch, n, now), OCF_OK);
  ocf_endpoint to;
  size_t len = ocf_dtls_next_datagram(d, &to, out, sizeof out);
  assert_int_equal(len, OCF_DTLS_HVR_LEN);
  assert_true(ocf_endpoint_equal(&to, peer));
  assert_int_equal(out[13], HS_HELLO_VERIFY);
  assert_int_equal(out[OCF_DTLS_HVR_LEN - 33], 32);
  memcpy(cookie, out + OCF_DTLS_HVR_LEN - 32, 32);
}

static size_t drain(ocf_dtls_ctx *d) {
  uint8_t buf[1500];
  ocf_endpoint to;
  size_t n = 0;
  while (ocf_dtls_next_datagram(d, &to, buf, sizeof buf)) n++;
  return n;
}

/* --- handshake and data --------------------------------------------------------------------- */

static void test_psk_handshake_carries_data_both_ways_then_close_notify(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 1, NULL, NULL);
  w.server.echo = true;
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_int_equal(ocf_dtls_stats_get(w.client.d)->handshakes, 1);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 10000));
  const dx_event *se = dx_find(&w.server, OCF_DTLS_EV_ESTABLISHED),
                 *ce = dx_find(&w.client, OCF_DTLS_EV_ESTABLISHED);
  assert_int_equal(se->info.suite, 0xC037);
  assert_int_equal(ce->info.suite, 0xC037);
  assert_true(se->info.is_server);
  assert_false(ce->info.is_server);
  assert_int_equal(se->info.auth, OCF_DTLS_AUTH_PSK);
  assert_int_equal(ce->info.auth, OCF_DTLS_AUTH_PSK);
  /* Digest §4.1: a 16-byte identity is the peer's uuid. */
  assert_int_equal(se->info.peer_id_len, 16);
  assert_memory_equal(se->info.peer_id, dx_identity, 16);
  assert_true(se->info.has_peer_uuid);
  assert_memory_equal(se->info.peer_uuid.b, dx_identity, 16);
  assert_true(ocf_endpoint_equal(&se->info.peer, &w.client.ep));
  assert_int_equal(w.server.psk_lookups, 1);
  assert_int_equal(w.server.reenter_result, OCF_ERR_STATE); /* no re-entry from inside the library */

  const uint8_t msg[] = "GET /oic/res over coaps, 32 byte";
  assert_int_equal(ocf_dtls_send(w.client.d, &w.server.ep, msg, sizeof msg, ocf_sim_now(w.net)), OCF_OK);
  ocf_sim_flush(w.net);
  ocf_sim_run_for(w.net, 100);
  assert_int_equal(w.server.n_rx, 1);
  assert_int_equal(w.server.rx_len[0], sizeof msg);
  assert_memory_equal(w.server.rx[0], msg, sizeof msg);
  assert_true(w.server.rx_info.established);
  assert_int_equal(w.client.n_rx, 1);
  assert_int_equal(w.client.rx_len[0], sizeof msg + 3);
  assert_memory_equal(w.client.rx[0], "re:", 3);

  assert_int_equal(ocf_dtls_close(w.client.d, &w.server.ep, ocf_sim_now(w.net)), OCF_OK);
  ocf_sim_flush(w.net);
  assert_int_equal(dx_count(&w.client, OCF_DTLS_EV_CLOSED), 1);
  assert_int_equal(w.client.ev[w.client.n_ev - 1].reason, OCF_DTLS_CLOSE_LOCAL);
  ocf_sim_run_for(w.net, 100);
  assert_int_equal(dx_count(&w.server, OCF_DTLS_EV_CLOSED), 1);
  assert_int_equal(w.server.ev[w.server.n_ev - 1].reason, OCF_DTLS_CLOSE_PEER);
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->sessions, 0);
  assert_int_equal(ocf_dtls_stats_get(w.client.d)->sessions, 0);
  assert_int_equal(ocf_dtls_close(w.client.d, &w.server.ep, ocf_sim_now(w.net)), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_dtls_next_timeout(w.server.d), OCF_TIME_NEVER);
  dx_free(&w);
}

static void test_key_block_is_equal_on_both_sides_and_keys_the_wire(void **state) {
  (void)state;
  dx_world w;
  wire_log log = {0};
  dx_init(&w, 2, NULL, NULL);
  ocf_sim_set_tap(w.net, tap_cb, &log);
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 10000));
  const dx_event *se = dx_find(&w.server, OCF_DTLS_EV_ESTABLISHED),
                 *ce = dx_find(&w.client, OCF_DTLS_EV_ESTABLISHED);
  assert_int_equal(se->key_block_err, OCF_OK);
  assert_int_equal(ce->key_block_err, OCF_OK);
  assert_int_equal(se->key_block_len, 96); /* digest §4.5 for 0xC037 */
  assert_int_equal(ce->key_block_len, 96);
  assert_memory_equal(se->key_block, ce->key_block, 96);
  assert_memory_equal(se->master, ce->master, OCF_MASTER_SECRET_LEN);
  uint8_t kb[OCF_KEY_BLOCK_MAX];
  size_t kb_len = 0;
  assert_int_equal(
      ocf_derive_key_block(ce->master, ce->client_random, ce->server_random, 0xC037, kb, &kb_len), OCF_OK);
  assert_int_equal(kb_len, 96);
  assert_memory_equal(kb, ce->key_block, 96);

  /* The key_block is the one on the wire: RFC 5246 6.3 puts the client write key after both
   * 32-byte MAC keys; the first CBC block of the client's record decrypts to our plaintext. */
  const uint8_t msg[] = "0123456789abcdef-and-some-more";
  assert_int_equal(ocf_dtls_send(w.client.d, &w.server.ep, msg, sizeof msg, ocf_sim_now(w.net)), OCF_OK);
  ocf_sim_flush(w.net);
  const wire_rec *rec = NULL;
  for (size_t i = 0; i < log.n; i++)
    if (log.r[i].src == w.client.node && log.r[i].data[0] == CT_APPLICATION) rec = &log.r[i];
  assert_non_null(rec);
  assert_true(rec->len >= 13 + 16 + 16);
  mbedtls_aes_context aes;
  mbedtls_aes_init(&aes);
  assert_int_equal(mbedtls_aes_setkey_dec(&aes, ce->key_block + 64, 128), 0);
  uint8_t iv[16], plain[16];
  memcpy(iv, rec->data + 13, 16);
  assert_int_equal(mbedtls_aes_crypt_cbc(&aes, MBEDTLS_AES_DECRYPT, 16, iv, rec->data + 29, plain), 0);
  mbedtls_aes_free(&aes);
  assert_memory_equal(plain, msg, 16);
  dx_free(&w);
}

static void test_wrong_psk_fails_on_both_sides_and_frees_the_sessions(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 3, NULL, NULL);
  const uint8_t wrong[16] = "0123456789abcdeX";
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, wrong, sizeof wrong);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_settled, &w, 10000));
  assert_int_equal(dx_count(&w.server, OCF_DTLS_EV_ESTABLISHED), 0);
  assert_int_equal(dx_count(&w.client, OCF_DTLS_EV_ESTABLISHED), 0);
  /* The server finds the client's Finished undecryptable (bad_record_mac alert); the client
   * receives that fatal alert. */
  const dx_event *sf = dx_find(&w.server, OCF_DTLS_EV_FAILED), *cf = dx_find(&w.client, OCF_DTLS_EV_FAILED);
  assert_int_equal(sf->err, OCF_ERR_CRYPTO);
  assert_int_equal(cf->err, OCF_ERR_RESET);
  assert_false(sf->info.has_peer_uuid);
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->sessions, 0);
  assert_int_equal(ocf_dtls_stats_get(w.client.d)->sessions, 0);
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->failed, 1);
  assert_int_equal(ocf_dtls_next_timeout(w.server.d), OCF_TIME_NEVER);
  assert_int_equal(ocf_dtls_next_timeout(w.client.d), OCF_TIME_NEVER);
  dx_free(&w);
}

static void test_unknown_psk_identity_is_denied(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 4, NULL, NULL);
  ocf_dtls_profile p = dx_psk_profile((const uint8_t *)"oic.sec.doxm.rdp", 16, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_settled, &w, 10000));
  assert_int_equal(dx_find(&w.server, OCF_DTLS_EV_FAILED)->err, OCF_ERR_DENIED);
  assert_int_equal(dx_find(&w.client, OCF_DTLS_EV_FAILED)->err, OCF_ERR_RESET);
  assert_int_equal(w.server.psk_lookups, 1);
  dx_free(&w);
}

static void test_accept_refusal_drops_the_hello_and_the_client_times_out(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 5, NULL, NULL);
  w.server.accept_err = OCF_ERR_DENIED;
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  ocf_sim_run_for(w.net, 70000);
  assert_int_equal(w.server.n_ev, 0);
  assert_true(w.server.accepts >= 2); /* every retransmitted hello was asked about */
  assert_int_equal(dx_find(&w.client, OCF_DTLS_EV_FAILED)->err, OCF_ERR_TIMEOUT);
  dx_free(&w);
}

/* --- HelloVerifyRequest --------------------------------------------------------------------- */

static void test_first_client_hello_gets_a_stateless_hello_verify_request(void **state) {
  (void)state;
  dx_world w;
  wire_log log = {0};
  dx_init(&w, 6, NULL, NULL);
  ocf_sim_set_tap(w.net, tap_cb, &log);
  size_t live_before = w.server.sp.live;
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  while (ocf_dtls_stats_get(w.server.d)->hello_verify_sent == 0) assert_true(ocf_sim_step(w.net));
  /* Nothing was kept for the client: no session, no allocation left. */
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->sessions, 0);
  assert_int_equal(w.server.sp.live, live_before);
  assert_int_equal(w.server.accepts, 0);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 10000));
  /* On the wire: ClientHello without cookie, HelloVerifyRequest, ClientHello with its cookie. */
  assert_true(log.n >= 4);
  ocf_dtls_client_hello ch1, ch2;
  assert_int_equal(log.r[0].src, w.client.node);
  assert_int_equal(ocf_dtls_parse_client_hello(log.r[0].data, log.r[0].len, &ch1), OCF_OK);
  assert_int_equal(ch1.cookie_len, 0);
  assert_int_equal(log.r[1].src, w.server.node);
  assert_true(is_handshake(&log.r[1], HS_HELLO_VERIFY));
  assert_memory_equal(log.r[1].data + 5, ch1.record_seq, 6); /* RFC 6347 4.2.1 */
  assert_int_equal(ocf_dtls_parse_client_hello(log.r[2].data, log.r[2].len, &ch2), OCF_OK);
  assert_int_equal(ch2.cookie_len, OCF_DTLS_COOKIE_LEN);
  assert_memory_equal(ch2.cookie, log.r[1].data + log.r[1].len - 32, 32);
  assert_true(is_handshake(&log.r[3], HS_SERVER_HELLO));
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->hello_verify_sent, 1);
  dx_free(&w);
}

static void test_cookie_is_bound_to_address_and_time(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 7, NULL, NULL);
  ocf_dtls_ctx *d = w.server.d;
  ocf_time_ms now = DX_START;
  ocf_endpoint a = dx_ep(0x21, 1000), b = dx_ep(0x22, 1000);
  uint8_t cookie[32], ch[400], forged[32];
  get_cookie(d, &a, now, cookie);
  /* Another address with a's cookie, and a forged cookie: answered with a new request. */
  size_t n = craft_client_hello(ch, cookie, 32, 1, 1, 1);
  assert_int_equal(ocf_dtls_handle_datagram(d, &b, ch, n, now), OCF_OK);
  assert_int_equal(drain(d), 1);
  memcpy(forged, cookie, 32);
  forged[31] ^= 1;
  n = craft_client_hello(ch, forged, 32, 1, 1, 1);
  assert_int_equal(ocf_dtls_handle_datagram(d, &a, ch, n, now), OCF_OK);
  assert_int_equal(drain(d), 1);
  assert_int_equal(ocf_dtls_stats_get(d)->hello_verify_sent, 3);
  assert_int_equal(ocf_dtls_stats_get(d)->sessions, 0);
  /* Expired (default lifetime 60 s): a new request too. */
  n = craft_client_hello(ch, cookie, 32, 1, 1, 1);
  assert_int_equal(ocf_dtls_handle_datagram(d, &a, ch, n, now + 62000), OCF_OK);
  assert_int_equal(drain(d), 1);
  assert_int_equal(ocf_dtls_stats_get(d)->sessions, 0);
  /* A fresh cookie opens a session, answered with the ServerHello flight. */
  get_cookie(d, &a, now + 62000, cookie);
  n = craft_client_hello(ch, cookie, 32, 1, 1, 1);
  assert_int_equal(ocf_dtls_handle_datagram(d, &a, ch, n, now + 62000), OCF_OK);
  assert_int_equal(ocf_dtls_stats_get(d)->sessions, 1);
  assert_int_equal(ocf_dtls_stats_get(d)->handshakes, 1);
  assert_true(drain(d) >= 1);
  assert_int_equal(w.server.accepts, 1);
  dx_free(&w);
}

static void test_cookie_check_rejects_tampering_and_future_stamps(void **state) {
  (void)state;
  uint8_t secret[32] = {1, 2, 3}, cid[OCF_DTLS_CLIENT_ID_LEN], cookie[32];
  ocf_endpoint ep = dx_ep(1, 2);
  ocf_dtls_client_id(&ep, cid);
  assert_int_equal(ocf_dtls_cookie_make(secret, 500000, cid, sizeof cid, cookie), OCF_OK);
  assert_true(ocf_dtls_cookie_valid(secret, 500000, 60000, cid, sizeof cid, cookie, 32));
  assert_true(ocf_dtls_cookie_valid(secret, 560000, 60000, cid, sizeof cid, cookie, 32));
  assert_false(ocf_dtls_cookie_valid(secret, 561000, 60000, cid, sizeof cid, cookie, 32));
  assert_false(ocf_dtls_cookie_valid(secret, 499000, 60000, cid, sizeof cid, cookie, 32)); /* future */
  assert_false(ocf_dtls_cookie_valid(secret, 500000, 60000, cid, sizeof cid, cookie, 31));
  assert_false(ocf_dtls_cookie_valid(secret, 500000, 60000, cid, sizeof cid, NULL, 0));
  secret[0] ^= 1;
  assert_false(ocf_dtls_cookie_valid(secret, 500000, 60000, cid, sizeof cid, cookie, 32));
}

static void test_client_hello_parser_rejects_what_cannot_start_a_session(void **state) {
  (void)state;
  uint8_t ch[400], bad[400];
  ocf_dtls_client_hello out;
  size_t n = craft_client_hello(ch, NULL, 0, 0, 7, 1);
  assert_int_equal(ocf_dtls_parse_client_hello(ch, n, &out), OCF_OK);
  assert_int_equal(out.record_seq[5], 7);
  assert_null(out.cookie);
  for (size_t cut = 0; cut < 25 + 35; cut++)
    assert_int_not_equal(ocf_dtls_parse_client_hello(ch, cut, &out), OCF_OK);
  struct {
    size_t off;
    uint8_t val;
    ocf_err want;
  } cases[] = {
      {0, CT_APPLICATION, OCF_ERR_MALFORMED}, /* not a handshake record */
      {4, 1, OCF_ERR_MALFORMED},              /* epoch 1 */
      {1, 0x03, OCF_ERR_MALFORMED},           /* a TLS record version */
      {13, 2, OCF_ERR_MALFORMED},             /* a ServerHello */
      {21, 1, OCF_ERR_MALFORMED},             /* fragment_offset 1 */
      {24, 9, OCF_ERR_MALFORMED},             /* fragment_length != length */
      {26, 0xFF, OCF_ERR_UNSUPPORTED},        /* client_version DTLS 1.0 */
      {59, 33, OCF_ERR_MALFORMED},            /* session_id of 33 bytes */
      {12, 0xFF, OCF_ERR_TRUNCATED},          /* record longer than the datagram */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    memcpy(bad, ch, n);
    bad[cases[i].off] = cases[i].val;
    assert_int_equal(ocf_dtls_parse_client_hello(bad, n, &out), cases[i].want);
  }
}

static void test_hostile_datagrams_leave_the_server_unchanged(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 8, NULL, NULL);
  ocf_dtls_ctx *d = w.server.d;
  ocf_endpoint peer = dx_ep(0x30, 999);
  size_t live = w.server.sp.live;
  uint8_t garbage[64], ch[400];
  for (size_t i = 0; i < sizeof garbage; i++) garbage[i] = (uint8_t)(i * 37);
  assert_int_equal(ocf_dtls_handle_datagram(d, &peer, garbage, sizeof garbage, DX_START), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_dtls_handle_datagram(d, &peer, garbage, 5, DX_START), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_dtls_handle_datagram(d, &peer, garbage, 0, DX_START), OCF_ERR_MALFORMED);
  size_t n = craft_client_hello(ch, NULL, 0, 0, 0, 1);
  ch[26] = 0xFF; /* DTLS 1.0 only */
  assert_int_equal(ocf_dtls_handle_datagram(d, &peer, ch, n, DX_START), OCF_ERR_UNSUPPORTED);
  ocf_endpoint group = peer;
  group.flags = OCF_EP_MULTICAST;
  n = craft_client_hello(ch, NULL, 0, 0, 0, 1);
  assert_int_equal(ocf_dtls_handle_datagram(d, &group, ch, n, DX_START), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_dtls_handle_datagram(d, NULL, ch, n, DX_START), OCF_ERR_INVALID_ARG);
  assert_int_equal(drain(d), 0);
  assert_int_equal(w.server.sp.live, live);
  assert_int_equal(ocf_dtls_stats_get(d)->sessions, 0);
  assert_int_equal(ocf_dtls_stats_get(d)->dropped, 5);
  /* A client-only context has nothing to say to a stranger. */
  assert_int_equal(ocf_dtls_handle_datagram(w.client.d, &peer, ch, n, DX_START), OCF_ERR_NOT_FOUND);
  assert_int_equal(drain(w.client.d), 0);
  dx_free(&w);
}

/* --- time ----------------------------------------------------------------------------------- */

typedef struct drop_first {
  int src;
  size_t left;
} drop_first;

static bool drop_first_filter(void *user, const ocf_sim_datagram *d) {
  drop_first *f = user;
  if (d->src_node != f->src || !f->left) return true;
  f->left--;
  return false;
}

static void test_retransmission_follows_the_fake_clock(void **state) {
  (void)state;
  dx_world w;
  wire_log log = {0};
  dx_init(&w, 9, NULL, NULL);
  ocf_sim_set_tap(w.net, tap_cb, &log);
  drop_first f = {w.client.node, 3};
  ocf_sim_set_filter(w.net, drop_first_filter, &f);
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_int_equal(ocf_dtls_next_timeout(w.client.d), DX_START + 1000);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 30000));
  /* RFC 6347 4.2.4.1: 1 s, doubled each time (1, 2, 4): sends at +0, +1, +3, +7 s. */
  ocf_time_ms sent[4];
  size_t k = 0;
  for (size_t i = 0; i < log.n && k < 4; i++)
    if (log.r[i].src == w.client.node) sent[k++] = log.r[i].at;
  assert_int_equal(k, 4);
  assert_int_equal(sent[0], DX_START);
  assert_int_equal(sent[1], DX_START + 1000);
  assert_int_equal(sent[2], DX_START + 3000);
  assert_int_equal(sent[3], DX_START + 7000);
  dx_free(&w);
}

static bool drop_all(void *user, const ocf_sim_datagram *d) {
  (void)user;
  (void)d;
  return false;
}

static void test_handshake_gives_up_after_the_retransmission_schedule(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 10, NULL, NULL);
  ocf_sim_set_filter(w.net, drop_all, NULL);
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  ocf_sim_run_for(w.net, 120000);
  /* 1+2+4+8+16 s, then capped at 20 s, then the library gives up: 51 s. */
  const dx_event *f = dx_find(&w.client, OCF_DTLS_EV_FAILED);
  assert_non_null(f);
  assert_int_equal(f->err, OCF_ERR_TIMEOUT);
  assert_int_equal(f->at, DX_START + 51000);
  assert_int_equal(ocf_dtls_stats_get(w.client.d)->sessions, 0);
  dx_free(&w);
}

static void test_handshake_limit_ends_a_handshake_early(void **state) {
  (void)state;
  ocf_dtls_config c;
  ocf_dtls_config_default(&c);
  c.handshake_limit_ms = 5000;
  dx_world w;
  dx_init(&w, 11, NULL, &c);
  ocf_sim_set_filter(w.net, drop_all, NULL);
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  ocf_sim_run_for(w.net, 20000);
  const dx_event *f = dx_find(&w.client, OCF_DTLS_EV_FAILED);
  assert_non_null(f);
  assert_int_equal(f->err, OCF_ERR_TIMEOUT);
  assert_int_equal(f->at, DX_START + 5000);
  dx_free(&w);
}

static void test_handshake_completes_under_loss(void **state) {
  (void)state;
  size_t dropped = 0;
  for (uint64_t seed = 20; seed < 26; seed++) {
    dx_world w;
    dx_init(&w, seed, NULL, NULL);
    ocf_sim_set_faults(w.net, 25, 5, 5, 50);
    ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
    assert_int_equal(dx_connect(&w, &p), OCF_OK);
    assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 50000));
    const dx_event *se = dx_find(&w.server, OCF_DTLS_EV_ESTABLISHED),
                   *ce = dx_find(&w.client, OCF_DTLS_EV_ESTABLISHED);
    assert_memory_equal(se->key_block, ce->key_block, 96);
    dropped += ocf_sim_stats_get(w.net)->dropped;
    /* The server's last flight may be retransmitted once more; then everything is quiet. */
    ocf_sim_run_for(w.net, 60000);
    assert_int_equal(ocf_dtls_stats_get(w.server.d)->sessions, 1);
    assert_int_equal(ocf_dtls_stats_get(w.client.d)->sessions, 1);
    dx_free(&w);
  }
  assert_true(dropped >= 6); /* the runs did lose datagrams */
}

static void test_idle_session_is_closed_with_close_notify(void **state) {
  (void)state;
  ocf_dtls_config c;
  ocf_dtls_config_default(&c);
  c.idle_timeout_ms = 5000;
  dx_world w;
  dx_init(&w, 12, &c, NULL);
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 10000));
  ocf_time_ms est = dx_find(&w.server, OCF_DTLS_EV_ESTABLISHED)->at;
  ocf_sim_run_for(w.net, 7000);
  const dx_event *sc = dx_find(&w.server, OCF_DTLS_EV_CLOSED), *cc = dx_find(&w.client, OCF_DTLS_EV_CLOSED);
  assert_non_null(sc);
  assert_int_equal(sc->reason, OCF_DTLS_CLOSE_IDLE);
  assert_int_equal(sc->at, est + 5000);
  assert_non_null(cc);
  assert_int_equal(cc->reason, OCF_DTLS_CLOSE_PEER);
  dx_free(&w);
}

/* --- caps ----------------------------------------------------------------------------------- */

static void flood(dx_world *w, uint8_t first, uint8_t count, size_t *max_sessions, size_t *max_handshakes) {
  ocf_dtls_ctx *d = w->server.d;
  ocf_time_ms now = ocf_sim_now(w->net);
  for (unsigned i = 0; i < count; i++) {
    ocf_endpoint peer = dx_ep((uint8_t)(first + i), (uint16_t)(2000 + i));
    peer.addr[14] = 0x77; /* no simulated node owns these addresses */
    uint8_t cookie[32], ch[400];
    get_cookie(d, &peer, now, cookie);
    size_t n = craft_client_hello(ch, cookie, 32, 1, 1, (uint8_t)i);
    ocf_err err = ocf_dtls_handle_datagram(d, &peer, ch, n, now);
    assert_true(err == OCF_OK || err == OCF_ERR_BUSY);
    drain(d);
    const ocf_dtls_stats *st = ocf_dtls_stats_get(d);
    if (st->sessions > *max_sessions) *max_sessions = st->sessions;
    if (st->handshakes > *max_handshakes) *max_handshakes = st->handshakes;
  }
}

static void test_handshake_flood_stays_bounded_and_a_real_client_gets_in_afterwards(void **state) {
  (void)state;
  ocf_dtls_config c;
  ocf_dtls_config_default(&c);
  c.max_sessions = 8;
  c.max_handshakes = 4;
  c.handshake_limit_ms = 10000;
  dx_world w;
  dx_init(&w, 13, &c, NULL);
  size_t max_s = 0, max_h = 0;
  flood(&w, 1, 20, &max_s, &max_h);
  size_t peak = w.server.sp.peak_bytes;
  flood(&w, 21, 200, &max_s, &max_h);
  assert_int_equal(max_s, 4);
  assert_int_equal(max_h, 4);
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->hello_dropped_caps, 216);
  assert_int_equal(w.server.sp.peak_bytes, peak); /* ten times the flood, not a byte more */
  /* A real client started now retransmits (1, 3, 7 s); once the flood's handshakes are 4 first
   * retransmission timeouts old (4 s), its cookie-verified hello takes the oldest one's slot
   * instead of waiting for them to run out of time (10 s). */
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 30000));
  assert_int_equal(dx_count(&w.server, OCF_DTLS_EV_FAILED), 1);
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->handshakes_evicted, 1);
  ocf_time_ms at = dx_find(&w.client, OCF_DTLS_EV_ESTABLISHED)->at;
  assert_true(at >= DX_START + 4000 && at < DX_START + 10000);
  /* The other three run out of time at 10 s; the real session stays. */
  ocf_sim_run_for(w.net, 10000);
  assert_int_equal(dx_count(&w.server, OCF_DTLS_EV_FAILED), 4);
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->sessions, 1);
  dx_free(&w);
}

/* Ten cookie-verified ClientHellos from one address and ten ports (from base on); returns the
 * handshakes held. */
static size_t one_source_hellos(dx_world *w, uint16_t base) {
  ocf_dtls_ctx *d = w->server.d;
  ocf_time_ms now = ocf_sim_now(w->net);
  for (unsigned i = 0; i < 10; i++) {
    ocf_endpoint peer = dx_ep(0x50, (uint16_t)(base + i));
    peer.addr[14] = 0x77; /* no simulated node owns it */
    uint8_t cookie[32], ch[400];
    get_cookie(d, &peer, now, cookie);
    size_t n = craft_client_hello(ch, cookie, 32, 1, 1, (uint8_t)i);
    ocf_err err = ocf_dtls_handle_datagram(d, &peer, ch, n, now);
    assert_true(err == OCF_OK || err == OCF_ERR_BUSY);
    drain(d);
  }
  return ocf_dtls_stats_get(d)->handshakes;
}

/* Issue 7 item 3: one host answering cookies from many ports holds max_handshakes_per_source (2)
 * of the 4 handshake slots; a client from another address gets in at once, with no eviction.
 * Without the limit the same host takes all four. */
static void test_one_source_gets_a_share_of_the_handshake_slots(void **state) {
  (void)state;
  ocf_dtls_config c;
  ocf_dtls_config_default(&c);
  c.max_sessions = 8;
  c.max_handshakes = 4;
  assert_int_equal(c.max_handshakes_per_source, 2);
  dx_world w;
  dx_init(&w, 15, &c, NULL);
  assert_int_equal(one_source_hellos(&w, 3000), 2);
  const ocf_dtls_stats *st = ocf_dtls_stats_get(w.server.d);
  assert_int_equal(st->hello_dropped_source, 8);
  assert_int_equal(st->hello_dropped_caps, 0);
  /* Once its handshakes are stale (4 first retransmission timeouts), the same host started again
   * on new ports replaces its own: a killed and restarted tool is not locked out. */
  ocf_sim_run_for(w.net, 4000);
  assert_int_equal(one_source_hellos(&w, 4000), 2);
  assert_int_equal(st->handshakes_evicted, 2);
  assert_int_equal(st->hello_dropped_source, 16);
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  ocf_time_ms t0 = ocf_sim_now(w.net);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 30000));
  assert_true(dx_find(&w.client, OCF_DTLS_EV_ESTABLISHED)->at < t0 + 1000); /* no retransmission */
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->handshakes_evicted, 2);  /* none for it */
  dx_free(&w);

  c.max_handshakes_per_source = 0;
  dx_init(&w, 15, &c, NULL);
  assert_int_equal(one_source_hellos(&w, 3000), 4);
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->hello_dropped_caps, 6);
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->hello_dropped_source, 0);
  dx_free(&w);
}

static void test_session_cap_refuses_connect_with_busy(void **state) {
  (void)state;
  ocf_dtls_config c;
  ocf_dtls_config_default(&c);
  c.max_sessions = 2;
  c.max_handshakes = 1;
  dx_world w;
  dx_init(&w, 14, NULL, &c);
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  ocf_endpoint other = dx_ep(0x40, 5684);
  ocf_time_ms now = ocf_sim_now(w.net);
  assert_int_equal(ocf_dtls_connect(w.client.d, &w.server.ep, &p, now), OCF_OK);
  assert_int_equal(ocf_dtls_connect(w.client.d, &w.server.ep, &p, now), OCF_ERR_STATE);
  assert_int_equal(ocf_dtls_connect(w.client.d, &other, &p, now), OCF_ERR_BUSY); /* one handshake */
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 10000));
  assert_int_equal(ocf_dtls_connect(w.client.d, &other, &p, ocf_sim_now(w.net)), OCF_OK);
  ocf_endpoint third = dx_ep(0x41, 5684);
  assert_int_equal(ocf_dtls_connect(w.client.d, &third, &p, ocf_sim_now(w.net)), OCF_ERR_BUSY);
  dx_free(&w);
}

/* --- API edges ------------------------------------------------------------------------------ */

static void test_send_reports_missing_unready_oversized_and_full(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 15, NULL, NULL);
  static uint8_t big[2000];
  ocf_time_ms now = ocf_sim_now(w.net);
  assert_int_equal(ocf_dtls_send(w.client.d, &w.server.ep, big, 10, now), OCF_ERR_NOT_FOUND);
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_int_equal(ocf_dtls_send(w.client.d, &w.server.ep, big, 10, now), OCF_ERR_STATE);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 10000));
  now = ocf_sim_now(w.net);
  assert_int_equal(ocf_dtls_send(w.client.d, &w.server.ep, big, sizeof big, now), OCF_ERR_TOO_LARGE);
  assert_int_equal(ocf_dtls_send(w.client.d, &w.server.ep, big, 0, now), OCF_ERR_INVALID_ARG);
  size_t sent = 0;
  ocf_err err;
  while ((err = ocf_dtls_send(w.client.d, &w.server.ep, big, 1200, now)) == OCF_OK) sent++;
  assert_int_equal(err, OCF_ERR_BUSY);
  assert_int_equal(sent, 64); /* the default outbox */
  ocf_sim_flush(w.net);
  ocf_sim_run_for(w.net, 100);
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->plaintext_dropped, 0);
  dx_free(&w);
}

static void test_oversized_record_is_dropped_not_split(void **state) {
  (void)state;
  ocf_dtls_config small;
  ocf_dtls_config_default(&small);
  small.max_plaintext = 100;
  dx_world w;
  dx_init(&w, 16, &small, NULL);
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 10000));
  static uint8_t msg[300];
  ocf_time_ms now = ocf_sim_now(w.net);
  assert_int_equal(ocf_dtls_send(w.client.d, &w.server.ep, msg, 101, now), OCF_OK);
  assert_int_equal(ocf_dtls_send(w.client.d, &w.server.ep, msg, 100, now), OCF_OK);
  ocf_sim_flush(w.net);
  ocf_sim_run_for(w.net, 100);
  assert_int_equal(w.server.n_rx, 1);
  assert_int_equal(w.server.rx_len[0], 100);
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->plaintext_dropped, 1);
  dx_free(&w);
}

static void test_close_from_inside_on_data_is_safe(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 17, NULL, NULL);
  w.server.close_on_data = true;
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 10000));
  assert_int_equal(ocf_dtls_send(w.client.d, &w.server.ep, (const uint8_t *)"bye", 3, ocf_sim_now(w.net)),
                   OCF_OK);
  assert_int_equal(ocf_dtls_send(w.client.d, &w.server.ep, (const uint8_t *)"late", 4, ocf_sim_now(w.net)),
                   OCF_OK);
  ocf_sim_flush(w.net);
  ocf_sim_run_for(w.net, 100);
  assert_int_equal(w.server.close_on_data_result, OCF_OK);
  assert_int_equal(w.server.n_rx, 1); /* nothing after the close */
  assert_int_equal(dx_find(&w.server, OCF_DTLS_EV_CLOSED)->reason, OCF_DTLS_CLOSE_LOCAL);
  assert_int_equal(dx_find(&w.client, OCF_DTLS_EV_CLOSED)->reason, OCF_DTLS_CLOSE_PEER);
  dx_free(&w);
}

static void restart_client(dx_world *w) {
  ocf_sim_node_remove(w->net, w->client.node);
  ocf_dtls_destroy(w->client.d);
  w->client.n_ev = 0;
  ocf_dtls_callbacks cbs = dx_callbacks(&w->client);
  assert_int_equal(ocf_dtls_create(&w->client.sp.pf, NULL, &cbs, &w->client.d), OCF_OK);
  w->client.node = ocf_sim_add_node(w->net, ocf_dtls_engine(w->client.d));
  ocf_sim_node_add_addr(w->net, w->client.node, &w->client.ep);
}

static void test_new_handshake_from_a_known_address_replaces_the_session(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 18, NULL, NULL);
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 10000));
  /* The client restarts: same address, no state (RFC 6347 4.2.8). */
  restart_client(&w);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 10000));
  assert_int_equal(w.server.n_ev, 3);
  assert_int_equal(w.server.ev[1].type, OCF_DTLS_EV_CLOSED);
  assert_int_equal(w.server.ev[1].reason, OCF_DTLS_CLOSE_REPLACED);
  assert_int_equal(w.server.ev[2].type, OCF_DTLS_EV_ESTABLISHED);
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->sessions, 1);
  dx_free(&w);
}

static bool only_hello_verify_from(void *user, const ocf_sim_datagram *d) {
  const int *node = user;
  return d->src_node != *node ||
         (d->len > 13 && d->data[0] == CT_HANDSHAKE && d->data[13] == HS_HELLO_VERIFY);
}

static void test_client_restarting_mid_handshake_gets_a_new_session_at_once(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 43, NULL, NULL);
  /* Only the HelloVerifyRequest reaches the client: the handshake stalls after it. */
  int server_node = w.server.node;
  ocf_sim_set_filter(w.net, only_hello_verify_from, &server_node);
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  ocf_sim_run_for(w.net, 2000);
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->handshakes, 1);
  ocf_sim_set_filter(w.net, NULL, NULL);
  restart_client(&w);
  ocf_time_ms restarted = ocf_sim_now(w.net);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 1000));
  assert_true(dx_find(&w.client, OCF_DTLS_EV_ESTABLISHED)->at < restarted + 100);
  assert_int_equal(w.server.ev[0].type, OCF_DTLS_EV_FAILED);
  assert_int_equal(w.server.ev[0].err, OCF_ERR_RESET);
  assert_int_equal(w.server.ev[1].type, OCF_DTLS_EV_ESTABLISHED);
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->sessions, 1);
  dx_free(&w);
}

static void test_late_copy_of_the_hello_does_not_replace_the_session(void **state) {
  (void)state;
  dx_world w;
  wire_log log = {0};
  dx_init(&w, 42, NULL, NULL);
  ocf_sim_set_tap(w.net, tap_cb, &log);
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 10000));
  /* The ClientHello with the cookie arrives again (a duplicate or a replay, within the cookie's
   * lifetime): the session stays, nothing is answered. */
  ocf_dtls_client_hello ch;
  assert_int_equal(ocf_dtls_parse_client_hello(log.r[2].data, log.r[2].len, &ch), OCF_OK);
  assert_int_equal(ch.cookie_len, 32);
  size_t sent = ocf_sim_stats_get(w.net)->sent;
  ocf_sim_inject(w.net, &w.client.ep, &w.server.ep, log.r[2].data, log.r[2].len);
  ocf_sim_run_for(w.net, 2000);
  assert_int_equal(w.server.n_ev, 1);
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->sessions, 1);
  assert_int_equal(ocf_sim_stats_get(w.net)->sent, sent + 1);
  assert_int_equal(ocf_dtls_send(w.client.d, &w.server.ep, (const uint8_t *)"ok", 2, ocf_sim_now(w.net)),
                   OCF_OK);
  ocf_sim_flush(w.net);
  ocf_sim_run_for(w.net, 100);
  assert_int_equal(w.server.n_rx, 1);
  dx_free(&w);
}

static void test_profiles_and_configs_are_checked(void **state) {
  (void)state;
  ocf_dtls_profile p;
  assert_int_equal(ocf_dtls_profile_otm(&p, OCF_OXM_MFG_CERT), OCF_OK);
  assert_int_equal(p.n_suites, 4);
  assert_int_equal(p.suites[0], 0xC0AE);
  assert_int_equal(ocf_dtls_profile_otm(&p, (ocf_oxm)7), OCF_ERR_INVALID_ARG);
  ocf_dtls_profile_owned(&p);
  assert_int_equal(p.n_suites, 5);
  assert_int_equal(p.suites[0], 0xC037);
  assert_true(ocf_dtls_suite_available(0xC037));
  assert_true(ocf_dtls_suite_available(0xC0AE));
  assert_false(ocf_dtls_suite_available(0x002F)); /* not an OCF suite */

  dx_world w;
  dx_init(&w, 19, NULL, NULL);
  ocf_time_ms now = ocf_sim_now(w.net);
  ocf_dtls_ctx *d = w.client.d;
  p = dx_psk_profile(dx_identity, sizeof dx_identity, NULL, 0);
  assert_int_equal(ocf_dtls_connect(d, &w.server.ep, &p, now), OCF_ERR_INVALID_ARG); /* no key */
  p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  p.n_suites = 0;
  assert_int_equal(ocf_dtls_connect(d, &w.server.ep, &p, now), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_dtls_profile_otm(&p, OCF_OXM_JUST_WORKS), OCF_OK);
  if (!ocf_dtls_suite_available(0xFF00))
    assert_int_equal(ocf_dtls_connect(d, &w.server.ep, &p, now), OCF_ERR_UNSUPPORTED);
  assert_int_equal(ocf_dtls_profile_otm(&p, OCF_OXM_MFG_CERT), OCF_OK);
  assert_int_equal(ocf_dtls_connect(d, &w.server.ep, &p, now), OCF_ERR_INVALID_ARG); /* no anchors */
  assert_int_equal(ocf_dtls_stats_get(d)->sessions, 0);

  ocf_dtls_config c;
  ocf_dtls_callbacks cbs = dx_callbacks(&w.client);
  ocf_dtls_ctx *bad = NULL;
  ocf_dtls_config_default(&c);
  c.server = c.client = false;
  assert_int_equal(ocf_dtls_create(&w.client.sp.pf, &c, &cbs, &bad), OCF_ERR_INVALID_ARG);
  ocf_dtls_config_default(&c);
  c.hs_timeout_min_ms = 30000;
  assert_int_equal(ocf_dtls_create(&w.client.sp.pf, &c, &cbs, &bad), OCF_ERR_INVALID_ARG);
  ocf_dtls_config_default(&c);
  c.max_handshakes = 0;
  assert_int_equal(ocf_dtls_create(&w.client.sp.pf, &c, &cbs, &bad), OCF_ERR_INVALID_ARG);
  ocf_dtls_config_default(&c);
  cbs.accept = NULL; /* a server must choose profiles */
  assert_int_equal(ocf_dtls_create(&w.client.sp.pf, &c, &cbs, &bad), OCF_ERR_INVALID_ARG);
  c.server = false;
  assert_int_equal(ocf_dtls_create(&w.client.sp.pf, &c, &cbs, &bad), OCF_OK);
  assert_int_equal(ocf_dtls_connect(bad, &w.server.ep, &p, now), OCF_ERR_INVALID_ARG);
  ocf_dtls_destroy(bad);
  dx_free(&w);
}

/* --- failures of the platform --------------------------------------------------------------- */

static void test_create_survives_each_failed_allocation(void **state) {
  (void)state;
  for (size_t nth = 1; nth <= 3; nth++) {
    ocf_sim_platform sp;
    ocf_sim_platform_init(&sp, 1);
    dx_node n;
    memset(&n, 0, sizeof n);
    ocf_dtls_callbacks cbs = dx_callbacks(&n);
    ocf_dtls_ctx *d = NULL;
    ocf_sim_fail_alloc(&sp, nth, false);
    assert_int_equal(ocf_dtls_create(&sp.pf, NULL, &cbs, &d), OCF_ERR_NO_MEMORY);
    assert_null(d);
    assert_int_equal(sp.live, 0);
  }
  ocf_sim_platform sp;
  ocf_sim_platform_init(&sp, 1);
  sp.random_fails = true;
  dx_node n;
  memset(&n, 0, sizeof n);
  ocf_dtls_callbacks cbs = dx_callbacks(&n);
  ocf_dtls_ctx *d = NULL;
  assert_int_equal(ocf_dtls_create(&sp.pf, NULL, &cbs, &d), OCF_ERR_CRYPTO);
  assert_int_equal(sp.live, 0);
}

/* Fails one allocation of one side during a handshake; false when the handshake made fewer. */
static bool handshake_with_failed_allocation(int side, size_t nth) {
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  dx_world w;
  dx_init(&w, 30 + nth, NULL, NULL);
  dx_node *n = side ? &w.client : &w.server;
  ocf_sim_fail_alloc(&n->sp, nth, false);
  ocf_err err = dx_connect(&w, &p);
  if (side && nth <= 2) {
    assert_int_equal(err, OCF_ERR_NO_MEMORY); /* the session, then its TLS state */
    assert_int_equal(ocf_dtls_stats_get(w.client.d)->sessions, 0);
  } else {
    assert_int_equal(err, OCF_OK);
    /* A lost datagram or a dropped hello: retransmission recovers. */
    assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 60000));
  }
  bool hit = n->sp.failures == 1;
  dx_free(&w);
  return hit;
}

static void test_each_failed_allocation_during_a_handshake_is_survived(void **state) {
  (void)state;
  for (int side = 0; side < 2; side++) {
    size_t nth = 1;
    while (handshake_with_failed_allocation(side, nth)) nth++;
    /* Server: HelloVerifyRequest, session, TLS state, two flights; client: session, TLS state,
     * two ClientHellos, one flight. */
    assert_int_equal(nth, 6);
  }
}

static void test_persistent_allocation_failure_ends_in_a_timeout_without_leaks(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 40, NULL, NULL);
  ocf_sim_fail_alloc(&w.server.sp, 1, true);
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  ocf_sim_run_for(w.net, 70000);
  assert_int_equal(dx_find(&w.client, OCF_DTLS_EV_FAILED)->err, OCF_ERR_TIMEOUT);
  assert_true(w.server.sp.failures > 0);
  dx_free(&w);
}

static void test_random_failure_fails_the_handshake_at_once(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 41, NULL, NULL);
  w.client.sp.random_fails = true;
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  const dx_event *f = dx_find(&w.client, OCF_DTLS_EV_FAILED);
  assert_non_null(f);
  assert_int_equal(f->err, OCF_ERR_CRYPTO);
  assert_int_equal(ocf_dtls_stats_get(w.client.d)->sessions, 0);
  dx_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_psk_handshake_carries_data_both_ways_then_close_notify),
      cmocka_unit_test(test_key_block_is_equal_on_both_sides_and_keys_the_wire),
      cmocka_unit_test(test_wrong_psk_fails_on_both_sides_and_frees_the_sessions),
      cmocka_unit_test(test_unknown_psk_identity_is_denied),
      cmocka_unit_test(test_accept_refusal_drops_the_hello_and_the_client_times_out),
      cmocka_unit_test(test_first_client_hello_gets_a_stateless_hello_verify_request),
      cmocka_unit_test(test_cookie_is_bound_to_address_and_time),
      cmocka_unit_test(test_cookie_check_rejects_tampering_and_future_stamps),
      cmocka_unit_test(test_client_hello_parser_rejects_what_cannot_start_a_session),
      cmocka_unit_test(test_hostile_datagrams_leave_the_server_unchanged),
      cmocka_unit_test(test_retransmission_follows_the_fake_clock),
      cmocka_unit_test(test_handshake_gives_up_after_the_retransmission_schedule),
      cmocka_unit_test(test_handshake_limit_ends_a_handshake_early),
      cmocka_unit_test(test_handshake_completes_under_loss),
      cmocka_unit_test(test_idle_session_is_closed_with_close_notify),
      cmocka_unit_test(test_handshake_flood_stays_bounded_and_a_real_client_gets_in_afterwards),
      cmocka_unit_test(test_one_source_gets_a_share_of_the_handshake_slots),
      cmocka_unit_test(test_session_cap_refuses_connect_with_busy),
      cmocka_unit_test(test_send_reports_missing_unready_oversized_and_full),
      cmocka_unit_test(test_oversized_record_is_dropped_not_split),
      cmocka_unit_test(test_close_from_inside_on_data_is_safe),
      cmocka_unit_test(test_new_handshake_from_a_known_address_replaces_the_session),
      cmocka_unit_test(test_client_restarting_mid_handshake_gets_a_new_session_at_once),
      cmocka_unit_test(test_late_copy_of_the_hello_does_not_replace_the_session),
      cmocka_unit_test(test_profiles_and_configs_are_checked),
      cmocka_unit_test(test_create_survives_each_failed_allocation),
      cmocka_unit_test(test_each_failed_allocation_during_a_handshake_is_survived),
      cmocka_unit_test(test_persistent_allocation_failure_ends_in_a_timeout_without_leaks),
      cmocka_unit_test(test_random_failure_fails_the_handshake_at_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
