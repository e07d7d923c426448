/* Unit tests of src/dtls sessions with ECDHE-ECDSA suites (digest §4.4, §8.2): certificates made
 * in the test by a throwaway CA, CN uuid extraction, untrusted and refused chains, the key_block
 * checked against a record on the wire. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <mbedtls/ccm.h>

#include "dtls_certs.h"
#include "dtls_fixture.h"

#define SERVER_UUID "12345678-1234-1234-1234-123456789abc"
#define CLIENT_UUID "87654321-4321-4321-4321-cba987654321"

typedef struct pki {
  test_cred ca, other_ca, server, client, plain_cn;
} pki;

static pki g; /* made once for the whole file (key generation is the slow part) */

static int make_pki(void **state) {
  (void)state;
  test_make_ca(&g.ca, "Test Root CA", 101);
  test_make_ca(&g.other_ca, "Other CA", 102);
  test_make_leaf(&g.server, &g.ca, "uuid:" SERVER_UUID, 103);
  test_make_leaf(&g.client, &g.ca, "uuid:" CLIENT_UUID, 104);
  test_make_leaf(&g.plain_cn, &g.ca, "device-1", 105);
  return 0;
}

typedef struct creds {
  ocf_bytes chain[1];
  ocf_bytes anchors[1];
} creds;

/* A manufacturer-certificate profile (digest §4.1) presenting `own`, trusting `anchor`. */
static ocf_dtls_profile cert_profile(creds *c, const test_cred *own, const test_cred *anchor,
                                     ocf_dtls_verify v) {
  ocf_dtls_profile p;
  assert_int_equal(ocf_dtls_profile_otm(&p, OCF_OXM_MFG_CERT), OCF_OK);
  if (own) {
    c->chain[0] = test_cert_bytes(own);
    p.chain = c->chain;
    p.n_chain = 1;
    p.private_key = test_key_bytes(own);
  }
  if (anchor) {
    c->anchors[0] = test_cert_bytes(anchor);
    p.trust_anchors = c->anchors;
    p.n_trust_anchors = 1;
  }
  p.verify = v;
  return p;
}

static ocf_uuid uuid_of(const char *text) {
  ocf_uuid u;
  assert_int_equal(ocf_uuid_parse(text, strlen(text), &u), OCF_OK);
  return u;
}

typedef struct wire_log {
  uint8_t rec[1500];
  size_t len;
  int src;
} wire_log;

static void keep_app_record(void *user, const ocf_sim_datagram *d) {
  wire_log *log = user;
  if (d->src_node == log->src && d->len <= sizeof log->rec && d->data[0] == 23 && !log->len) {
    memcpy(log->rec, d->data, d->len);
    log->len = d->len;
  }
}

static void test_ecdsa_mutual_handshake_reports_the_cn_uuids(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 1, NULL, NULL);
  creds sc, cc;
  w.server.profile = cert_profile(&sc, &g.server, &g.ca, OCF_DTLS_VERIFY_REQUIRED);
  ocf_dtls_profile p = cert_profile(&cc, &g.client, &g.ca, OCF_DTLS_VERIFY_REQUIRED);
  wire_log log = {.src = w.client.node};
  ocf_sim_set_tap(w.net, keep_app_record, &log);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 10000));
  const dx_event *se = dx_find(&w.server, OCF_DTLS_EV_ESTABLISHED),
                 *ce = dx_find(&w.client, OCF_DTLS_EV_ESTABLISHED);
  assert_int_equal(se->info.suite, 0xC0AE); /* first of the list: CCM_8 */
  assert_int_equal(se->info.auth, OCF_DTLS_AUTH_CERT);
  assert_int_equal(ce->info.auth, OCF_DTLS_AUTH_CERT);
  ocf_uuid su = uuid_of(SERVER_UUID), cu = uuid_of(CLIENT_UUID);
  assert_true(se->info.has_peer_uuid);
  assert_true(ocf_uuid_equal(&se->info.peer_uuid, &cu));
  assert_true(ce->info.has_peer_uuid);
  assert_true(ocf_uuid_equal(&ce->info.peer_uuid, &su));
  assert_int_equal(ce->info.peer_id_len, 41);
  assert_memory_equal(ce->info.peer_id, "uuid:" SERVER_UUID, 41);
  /* The verify hook saw each leaf with its uuid. */
  assert_int_equal(w.client.verify_calls, 1);
  assert_true(w.client.verify_had_uuid);
  assert_true(ocf_uuid_equal(&w.client.verify_uuid, &su));
  assert_int_equal(w.server.verify_calls, 1);
  assert_true(ocf_uuid_equal(&w.server.verify_uuid, &cu));

  /* Digest §4.5: 40 bytes for the 128-bit CCM suites, equal on both sides. */
  assert_int_equal(se->key_block_len, 40);
  assert_memory_equal(se->key_block, ce->key_block, 40);
  /* ... and the one on the wire: client_write_key = kb[0..16), client_write_IV = kb[32..36);
   * nonce = IV || explicit nonce, AAD = epoch/seq || type || version || length (RFC 6347 4.1.2.1,
   * RFC 6655 3), 8-byte tag. */
  const uint8_t msg[] = "POST /oic/sec/cred";
  assert_int_equal(ocf_dtls_send(w.client.d, &w.server.ep, msg, sizeof msg, ocf_sim_now(w.net)), OCF_OK);
  ocf_sim_flush(w.net);
  assert_int_equal(log.len, 13 + 8 + sizeof msg + 8);
  uint8_t nonce[12], aad[13], plain[sizeof msg];
  memcpy(nonce, ce->key_block + 32, 4);
  memcpy(nonce + 4, log.rec + 13, 8);
  memcpy(aad, log.rec + 3, 8);
  memcpy(aad + 8, log.rec, 3);
  aad[11] = 0;
  aad[12] = (uint8_t)sizeof msg;
  mbedtls_ccm_context ccm;
  mbedtls_ccm_init(&ccm);
  assert_int_equal(mbedtls_ccm_setkey(&ccm, MBEDTLS_CIPHER_ID_AES, ce->key_block, 128), 0);
  assert_int_equal(mbedtls_ccm_auth_decrypt(&ccm, sizeof msg, nonce, sizeof nonce, aad, sizeof aad,
                                            log.rec + 21, plain, log.rec + 21 + sizeof msg, 8),
                   0);
  mbedtls_ccm_free(&ccm);
  assert_memory_equal(plain, msg, sizeof msg);
  dx_free(&w);
}

static void test_untrusted_chain_fails_on_both_sides(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 2, NULL, NULL);
  creds sc, cc;
  w.server.profile = cert_profile(&sc, &g.server, &g.ca, OCF_DTLS_VERIFY_NONE);
  ocf_dtls_profile p = cert_profile(&cc, NULL, &g.other_ca, OCF_DTLS_VERIFY_REQUIRED);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_settled, &w, 10000));
  assert_int_equal(dx_find(&w.client, OCF_DTLS_EV_FAILED)->err, OCF_ERR_DENIED);
  assert_int_equal(dx_find(&w.server, OCF_DTLS_EV_FAILED)->err, OCF_ERR_RESET);
  assert_int_equal(w.client.verify_calls, 0); /* the hook only sees chains that verified */
  assert_false(dx_find(&w.client, OCF_DTLS_EV_FAILED)->info.has_peer_uuid);
  assert_int_equal(ocf_dtls_stats_get(w.server.d)->sessions, 0);
  dx_free(&w);
}

/* A leaf that verifies against the intermediate presented with it, where that intermediate comes
 * from an untrusted root: mbedTLS flags only the intermediate (depth 1), the leaf's own flags
 * stay clean. The hook must still not see the chain, and the handshake must fail. */
static void test_untrusted_intermediate_never_reaches_the_hook(void **state) {
  (void)state;
  test_cred inter, leaf;
  test_cert_opts io = {.is_ca = true, .max_pathlen = 0};
  test_make_cert(&inter, &g.other_ca, "Intermediate of Other CA", &io, 106);
  test_cert_opts lo = {.eku = TEST_EKU_OCF_LEAF};
  test_make_cert(&leaf, &inter, "uuid:" SERVER_UUID, &lo, 107);
  dx_world w;
  dx_init(&w, 9, NULL, NULL);
  creds sc, cc;
  w.server.profile = cert_profile(&sc, &leaf, &g.ca, OCF_DTLS_VERIFY_NONE);
  ocf_bytes chain[2] = {test_cert_bytes(&leaf), test_cert_bytes(&inter)};
  w.server.profile.chain = chain;
  w.server.profile.n_chain = 2;
  ocf_dtls_profile p = cert_profile(&cc, NULL, &g.ca, OCF_DTLS_VERIFY_REQUIRED);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_settled, &w, 10000));
  assert_int_equal(w.client.verify_calls, 0);
  assert_int_equal(dx_count(&w.client, OCF_DTLS_EV_ESTABLISHED), 0);
  assert_int_equal(dx_find(&w.client, OCF_DTLS_EV_FAILED)->err, OCF_ERR_DENIED);
  assert_int_equal(dx_count(&w.server, OCF_DTLS_EV_FAILED), 1);
  dx_free(&w);
}

static void test_verify_hook_can_refuse_a_trusted_chain(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 3, NULL, NULL);
  creds sc, cc;
  w.server.profile = cert_profile(&sc, &g.server, &g.ca, OCF_DTLS_VERIFY_NONE);
  w.client.verify_answer = OCF_ERR_DENIED; /* e.g. the OCF profile check or the validity period */
  ocf_dtls_profile p = cert_profile(&cc, NULL, &g.ca, OCF_DTLS_VERIFY_REQUIRED);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_settled, &w, 10000));
  assert_int_equal(w.client.verify_calls, 1);
  assert_int_equal(dx_find(&w.client, OCF_DTLS_EV_FAILED)->err, OCF_ERR_DENIED);
  assert_int_equal(dx_count(&w.server, OCF_DTLS_EV_FAILED), 1);
  dx_free(&w);
}

static void test_server_that_asks_no_client_certificate_sees_an_anonymous_client(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 4, NULL, NULL);
  creds sc, cc;
  /* Digest §4.4: IoTivity-Lite devices in RFOTM request no client certificate. */
  w.server.profile = cert_profile(&sc, &g.server, NULL, OCF_DTLS_VERIFY_NONE);
  ocf_dtls_profile p = cert_profile(&cc, NULL, &g.ca, OCF_DTLS_VERIFY_REQUIRED);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 10000));
  const dx_event *se = dx_find(&w.server, OCF_DTLS_EV_ESTABLISHED),
                 *ce = dx_find(&w.client, OCF_DTLS_EV_ESTABLISHED);
  assert_int_equal(se->info.auth, OCF_DTLS_AUTH_NONE);
  assert_false(se->info.has_peer_uuid);
  assert_int_equal(w.server.verify_calls, 0);
  assert_int_equal(ce->info.auth, OCF_DTLS_AUTH_CERT);
  assert_true(ce->info.has_peer_uuid);
  dx_free(&w);
}

static void test_cn_without_uuid_authenticates_without_a_uuid(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 5, NULL, NULL);
  creds sc, cc;
  w.server.profile = cert_profile(&sc, &g.plain_cn, NULL, OCF_DTLS_VERIFY_NONE);
  ocf_dtls_profile p = cert_profile(&cc, NULL, &g.ca, OCF_DTLS_VERIFY_REQUIRED);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 10000));
  const dx_event *ce = dx_find(&w.client, OCF_DTLS_EV_ESTABLISHED);
  assert_int_equal(ce->info.auth, OCF_DTLS_AUTH_CERT);
  assert_false(ce->info.has_peer_uuid);
  assert_int_equal(ce->info.peer_id_len, 8);
  assert_memory_equal(ce->info.peer_id, "device-1", 8);
  assert_false(w.client.verify_had_uuid);
  dx_free(&w);
}

static void test_no_common_suite_fails_the_handshake(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 6, NULL, NULL);
  creds sc;
  w.server.profile = cert_profile(&sc, &g.server, NULL, OCF_DTLS_VERIFY_NONE);
  ocf_dtls_profile p = dx_psk_profile(dx_identity, sizeof dx_identity, dx_key, sizeof dx_key);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_settled, &w, 10000));
  assert_int_equal(dx_find(&w.server, OCF_DTLS_EV_FAILED)->err, OCF_ERR_UNSUPPORTED);
  assert_int_equal(dx_find(&w.client, OCF_DTLS_EV_FAILED)->err, OCF_ERR_RESET);
  dx_free(&w);
}

static void test_bad_credentials_are_refused_before_any_datagram(void **state) {
  (void)state;
  dx_world w;
  dx_init(&w, 7, NULL, NULL);
  ocf_time_ms now = ocf_sim_now(w.net);
  creds c;
  uint8_t junk[64];
  memset(junk, 0x30, sizeof junk);
  /* A chain that is not DER. */
  ocf_dtls_profile p = cert_profile(&c, &g.client, &g.ca, OCF_DTLS_VERIFY_REQUIRED);
  c.chain[0] = (ocf_bytes){junk, sizeof junk};
  assert_int_equal(ocf_dtls_connect(w.client.d, &w.server.ep, &p, now), OCF_ERR_INVALID_ARG);
  /* A key that is not the certificate's. */
  p = cert_profile(&c, &g.client, &g.ca, OCF_DTLS_VERIFY_REQUIRED);
  p.private_key = test_key_bytes(&g.server);
  assert_int_equal(ocf_dtls_connect(w.client.d, &w.server.ep, &p, now), OCF_ERR_INVALID_ARG);
  /* A trust anchor that is not DER. */
  p = cert_profile(&c, NULL, &g.ca, OCF_DTLS_VERIFY_REQUIRED);
  c.anchors[0] = (ocf_bytes){junk, sizeof junk};
  assert_int_equal(ocf_dtls_connect(w.client.d, &w.server.ep, &p, now), OCF_ERR_INVALID_ARG);
  /* A chain without its key. */
  p = cert_profile(&c, &g.client, &g.ca, OCF_DTLS_VERIFY_REQUIRED);
  p.private_key = (ocf_bytes){NULL, 0};
  assert_int_equal(ocf_dtls_connect(w.client.d, &w.server.ep, &p, now), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_dtls_stats_get(w.client.d)->sessions, 0);
  assert_int_equal(w.client.sp.live, 3); /* the context, its outbox and receive buffer */
  dx_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ecdsa_mutual_handshake_reports_the_cn_uuids),
      cmocka_unit_test(test_untrusted_chain_fails_on_both_sides),
      cmocka_unit_test(test_untrusted_intermediate_never_reaches_the_hook),
      cmocka_unit_test(test_verify_hook_can_refuse_a_trusted_chain),
      cmocka_unit_test(test_server_that_asks_no_client_certificate_sees_an_anonymous_client),
      cmocka_unit_test(test_cn_without_uuid_authenticates_without_a_uuid),
      cmocka_unit_test(test_no_common_suite_fails_the_handshake),
      cmocka_unit_test(test_bad_credentials_are_refused_before_any_datagram),
  };
  return cmocka_run_group_tests(tests, make_pki, NULL);
}
