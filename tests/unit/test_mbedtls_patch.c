/* Tests of our mbedTLS patch (deps/patches/mbedtls/, docs/decisions/0009-mbedtls-patch.md) with
 * in-memory DTLS 1.2 handshakes between an mbedTLS client and server (tests/unit/mbedtls_pair.c):
 * the OCF Just Works suite 0xFF00, the PSK identity hint, and that the signed suites still check
 * the ServerKeyExchange signature (digest pitfall 34) and the hostname rule of 3.6.3+ (pitfall 33). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls_pair.h"

#define SUITE_ANON MBEDTLS_TLS_ECDH_ANON_WITH_AES_128_CBC_SHA256
#define SUITE_PSK MBEDTLS_TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256
#define SUITE_ECDSA MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8

enum {
  ALERT_HANDSHAKE_FAILURE = 40, /* RFC 5246 7.2.2 */
  ALERT_ILLEGAL_PARAMETER = 47,
  ALERT_DECRYPT_ERROR = 51,
  EXT_EXTENDED_MASTER_SECRET = 23, /* RFC 7627 5.1 */
  NAMED_CURVE = 3,                 /* RFC 4492 5.4 ECCurveType */
  SECP256R1 = 23,
  P256_POINT = 65,
  ECDH_PARAMS = 4 + P256_POINT, /* curve type, named curve, point length, point */
};

static const int anon_only[] = {SUITE_ANON, 0};
static const int psk_only[] = {SUITE_PSK, 0};
static const int ecdsa_only[] = {SUITE_ECDSA, 0};

/* OCF Random PIN (OCF Security 7.3.5; digest 4.1): the client's identity is the 16 ASCII bytes of
 * the OTM, the server's hint is "oic.sec.doxm.rdp:" + the 16 raw bytes of its Device uuid. */
static const uint8_t rdp_identity[16] = "oic.sec.doxm.rdp";
static const uint8_t rdp_prefix[17] = "oic.sec.doxm.rdp:";
static const uint8_t device_uuid[16] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef,
                                        0x81, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
static const uint8_t device_key[16] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                       0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
static const uint8_t wrong_key[16] = {0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22,
                                      0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22, 0x22};

typedef struct {
  pair *p;
  mbedtls_x509_crt crt;
  mbedtls_pk_context key;
  uint8_t server_hint[sizeof rdp_prefix + sizeof device_uuid];
  /* what the client's hint callback saw and does */
  int hint_calls;
  uint8_t hint[64];
  size_t hint_len;
  const uint8_t *key_for_device; /* the key it picks for device_uuid */
  int tamper_calls;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (f == NULL || (f->p = pair_new()) == NULL) {
    free(f);
    return -1;
  }
  mbedtls_x509_crt_init(&f->crt);
  mbedtls_pk_init(&f->key);
  memcpy(f->server_hint, rdp_prefix, sizeof rdp_prefix);
  memcpy(f->server_hint + sizeof rdp_prefix, device_uuid, sizeof device_uuid);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  pair_free(f->p);
  mbedtls_x509_crt_free(&f->crt);
  mbedtls_pk_free(&f->key);
  free(f);
  return 0;
}

static int suite_listed(const int *list, int id) {
  for (; *list != 0; list++)
    if (*list == id) return 1;
  return 0;
}

/* --- 0xFF00, OCF Just Works ----------------------------------------------------------------- */

static void test_anon_suite_is_defined_but_not_in_the_default_list(void **state) {
  (void)state;
  assert_int_equal(SUITE_ANON, 0xFF00);
  assert_string_equal(mbedtls_ssl_get_ciphersuite_name(SUITE_ANON), "TLS-ECDH-ANON-WITH-AES-128-CBC-SHA256");
  assert_false(suite_listed(mbedtls_ssl_list_ciphersuites(), SUITE_ANON));
}

static void run_anon_handshake(fixture *f) {
  pair_set_suites(&f->p->client, anon_only);
  pair_set_suites(&f->p->server, anon_only);
  assert_int_equal(pair_start(f->p), 0);
  assert_int_equal(pair_handshake(f->p), 0);
}

static void test_anon_handshake_with_cookie_agrees_on_master_secret(void **state) {
  fixture *f = *state;
  run_anon_handshake(f);
  pair *p = f->p;
  assert_int_equal(p->hello_verify_requests, 1);
  assert_non_null(pair_find(&p->s2c, HS_HELLO_VERIFY_REQUEST));
  assert_int_equal(mbedtls_ssl_get_ciphersuite_id_from_ssl(&p->client.ssl), SUITE_ANON);
  assert_int_equal(mbedtls_ssl_get_ciphersuite_id_from_ssl(&p->server.ssl), SUITE_ANON);
  /* OCF derives the owner credential from these (digest 4.5), so both sides must export them. */
  assert_true(p->client.exported && p->server.exported);
  assert_memory_equal(p->client.master, p->server.master, sizeof p->client.master);
  assert_memory_equal(p->client.client_random, p->server.client_random, 32);
  assert_memory_equal(p->client.server_random, p->server.server_random, 32);
  assert_int_equal(p->client.prf, MBEDTLS_SSL_TLS_PRF_SHA256);
  assert_int_equal(pair_echo(p, "GET /oic/sec/doxm"), 0);
}

/* Whether the ServerHello carries the extended_master_secret extension (RFC 5246 7.4.1.3). */
static int server_hello_has_ems(const pair_hs_msg *hello) {
  size_t off = 2 + 32;         /* server_version, random */
  off += 1 + hello->body[off]; /* session_id */
  off += 2 + 1;                /* cipher_suite, compression_method */
  if (off + 2 > hello->len) return 0;
  size_t end = off + 2 + ((size_t)hello->body[off] << 8 | hello->body[off + 1]);
  for (off += 2; off + 4 <= end && end <= hello->len;) {
    size_t type = (size_t)hello->body[off] << 8 | hello->body[off + 1];
    size_t len = (size_t)hello->body[off + 2] << 8 | hello->body[off + 3];
    if (type == EXT_EXTENDED_MASTER_SECRET && len == 0) return 1;
    off += 4 + len;
  }
  return 0;
}

static void test_anon_server_sends_unsigned_ecdh_params_and_no_certificate(void **state) {
  fixture *f = *state;
  run_anon_handshake(f);
  const pair_link *s2c = &f->p->s2c, *c2s = &f->p->c2s;
  const pair_hs_msg *hello = pair_find(s2c, HS_SERVER_HELLO);
  assert_non_null(hello);
  assert_true(server_hello_has_ems(hello));
  assert_null(pair_find(s2c, HS_CERTIFICATE));
  assert_null(pair_find(s2c, HS_CERTIFICATE_REQUEST));
  assert_null(pair_find(c2s, HS_CERTIFICATE));
  /* RFC 4492 5.4: ServerKeyExchange = ServerECDHParams only, no signature after the point. */
  const pair_hs_msg *ske = pair_find(s2c, HS_SERVER_KEY_EXCHANGE);
  assert_non_null(ske);
  assert_int_equal(ske->len, ECDH_PARAMS);
  assert_int_equal(ske->body[0], NAMED_CURVE);
  assert_int_equal(ske->body[1] << 8 | ske->body[2], SECP256R1);
  assert_int_equal(ske->body[3], P256_POINT);
  assert_int_equal(ske->body[4], 0x04); /* uncompressed point */
  /* RFC 4492 5.7: ClientKeyExchange = the client's ephemeral point. */
  const pair_hs_msg *cke = pair_find(c2s, HS_CLIENT_KEY_EXCHANGE);
  assert_non_null(cke);
  assert_int_equal(cke->len, 1 + P256_POINT);
  assert_int_equal(cke->body[0], P256_POINT);
}

static int append_fake_signature(uint8_t *d, size_t *len, size_t cap, void *arg) {
  fixture *f = arg;
  size_t off, body;
  if (pair_locate(d, *len, HS_SERVER_KEY_EXCHANGE, &off, &body) != 0) return 0;
  f->tamper_calls++;
  if (pair_resize(d, len, cap, HS_SERVER_KEY_EXCHANGE, body + 4) != 0) return -1;
  memcpy(d + off + body, "\x04\x03\x00\x00", 4); /* ecdsa_secp256r1_sha256, empty signature */
  return 0;
}

static void test_anon_client_rejects_bytes_after_server_ecdh_params(void **state) {
  fixture *f = *state;
  f->p->s2c.tamper = append_fake_signature;
  f->p->s2c.tamper_arg = f;
  pair_set_suites(&f->p->client, anon_only);
  pair_set_suites(&f->p->server, anon_only);
  assert_int_equal(pair_start(f->p), 0);
  assert_int_not_equal(pair_handshake(f->p), 0);
  assert_int_equal(f->tamper_calls, 1);
  assert_int_equal(f->p->client.rc, MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER);
  assert_int_equal(f->p->c2s.last_alert, ALERT_ILLEGAL_PARAMETER);
  assert_null(pair_find(&f->p->c2s, HS_CLIENT_KEY_EXCHANGE));
}

static void test_anon_only_client_fails_against_server_without_anon(void **state) {
  fixture *f = *state;
  pair_set_suites(&f->p->client, anon_only); /* the server keeps the default list */
  assert_int_equal(pair_start(f->p), 0);
  assert_int_not_equal(pair_handshake(f->p), 0);
  assert_int_equal(f->p->server.rc, MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE);
  assert_int_equal(f->p->client.rc, MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
  assert_int_equal(f->p->s2c.last_alert, ALERT_HANDSHAKE_FAILURE);
  assert_null(pair_find(&f->p->s2c, HS_SERVER_HELLO));
}

static void test_anon_only_server_fails_against_client_with_default_list(void **state) {
  fixture *f = *state;
  pair_set_suites(&f->p->server, anon_only); /* the client keeps the default list */
  assert_int_equal(pair_start(f->p), 0);
  assert_int_not_equal(pair_handshake(f->p), 0);
  assert_int_equal(f->p->server.rc, MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE);
  assert_null(pair_find(&f->p->s2c, HS_SERVER_HELLO));
}

/* --- PSK identity hint (ECDHE-PSK 0xC037, OCF Random PIN) ------------------------------------- */

static int server_psk_cb(void *ctx, mbedtls_ssl_context *ssl, const unsigned char *id, size_t len) {
  (void)ctx;
  if (len != sizeof rdp_identity || memcmp(id, rdp_identity, len) != 0) return -1;
  return mbedtls_ssl_set_hs_psk(ssl, device_key, sizeof device_key);
}

/* The client's side of OCF's rule (digest 4.1): strip "oic.sec.doxm.rdp:", take the rest as the
 * Device uuid and use that Device's key; keep the configured key when the hint is empty. */
static int client_hint_cb(void *ctx, mbedtls_ssl_context *ssl, const unsigned char *hint, size_t len) {
  fixture *f = ctx;
  f->hint_calls++;
  f->hint_len = len <= sizeof f->hint ? len : 0;
  memcpy(f->hint, hint, f->hint_len);
  if (len == 0) return 0;
  if (len >= sizeof rdp_prefix && memcmp(hint, rdp_prefix, sizeof rdp_prefix) == 0) {
    hint += sizeof rdp_prefix;
    len -= sizeof rdp_prefix;
  }
  if (len != sizeof device_uuid || memcmp(hint, device_uuid, len) != 0 || f->key_for_device == NULL)
    return MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY;
  return mbedtls_ssl_set_hs_psk(ssl, f->key_for_device, 16);
}

/* ECDHE-PSK on both sides; the client's configured key is `conf_key`, its hint callback is set when
 * `with_cb`, and the server sends the Random PIN hint when `with_hint`. */
static void psk_setup(fixture *f, const uint8_t *conf_key, int with_cb, int with_hint) {
  pair *p = f->p;
  pair_set_suites(&p->client, psk_only);
  pair_set_suites(&p->server, psk_only);
  assert_int_equal(mbedtls_ssl_conf_psk(&p->client.conf, conf_key, 16, rdp_identity, sizeof rdp_identity), 0);
  if (with_cb) mbedtls_ssl_conf_psk_hint_cb(&p->client.conf, client_hint_cb, f);
  mbedtls_ssl_conf_psk_cb(&p->server.conf, server_psk_cb, NULL);
  if (with_hint)
    assert_int_equal(
        mbedtls_ssl_conf_psk_identity_hint(&p->server.conf, f->server_hint, sizeof f->server_hint), 0);
  /* A Finished under another key fails at once rather than being dropped (RFC 6347 4.1.2.7). */
  mbedtls_ssl_conf_dtls_badmac_limit(&p->server.conf, 1);
  assert_int_equal(pair_start(p), 0);
}

static void test_psk_client_callback_gets_rdp_hint_and_picks_the_key(void **state) {
  fixture *f = *state;
  f->key_for_device = device_key;
  psk_setup(f, wrong_key, 1, 1); /* succeeds only with the key the callback picked */
  assert_int_equal(pair_handshake(f->p), 0);
  assert_int_equal(f->hint_calls, 1);
  assert_int_equal(f->hint_len, 33);
  assert_memory_equal(f->hint, f->server_hint, 33);
  const pair_hs_msg *ske = pair_find(&f->p->s2c, HS_SERVER_KEY_EXCHANGE);
  assert_non_null(ske); /* RFC 4279 3: opaque psk_identity_hint<0..2^16-1> before the ECDH params */
  assert_int_equal(ske->len, 2 + 33 + ECDH_PARAMS);
  assert_int_equal(ske->body[0] << 8 | ske->body[1], 33);
  assert_memory_equal(ske->body + 2, f->server_hint, 33);
  assert_int_equal(pair_echo(f->p, "POST /oic/sec/doxm"), 0);
}

static void test_psk_wrong_key_from_hint_fails(void **state) {
  fixture *f = *state;
  f->key_for_device = wrong_key;
  psk_setup(f, device_key, 1, 1);
  assert_int_not_equal(pair_handshake(f->p), 0);
  assert_int_equal(f->hint_calls, 1);
  assert_int_equal(f->p->server.rc, MBEDTLS_ERR_SSL_INVALID_MAC);
  assert_int_not_equal(f->p->client.rc, 0);
}

static void test_psk_client_callback_can_refuse_the_hint(void **state) {
  fixture *f = *state;
  f->key_for_device = NULL; /* knows no Device */
  psk_setup(f, device_key, 1, 1);
  assert_int_not_equal(pair_handshake(f->p), 0);
  assert_int_equal(f->p->client.rc, MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY);
  assert_int_equal(f->p->c2s.last_alert, ALERT_HANDSHAKE_FAILURE);
  assert_null(pair_find(&f->p->c2s, HS_CLIENT_KEY_EXCHANGE));
}

static void test_psk_server_without_hint_still_sends_an_empty_one(void **state) {
  fixture *f = *state;
  psk_setup(f, device_key, 1, 0);
  assert_int_equal(pair_handshake(f->p), 0);
  assert_int_equal(f->hint_calls, 1);
  assert_int_equal(f->hint_len, 0);
  const pair_hs_msg *ske = pair_find(&f->p->s2c, HS_SERVER_KEY_EXCHANGE);
  assert_non_null(ske);
  assert_int_equal(ske->len, 2 + ECDH_PARAMS);
  assert_int_equal(ske->body[0] | ske->body[1], 0);
}

static void test_psk_client_without_callback_ignores_the_hint(void **state) {
  fixture *f = *state;
  psk_setup(f, device_key, 0, 1);
  assert_int_equal(pair_handshake(f->p), 0);
  assert_int_equal(f->hint_calls, 0);
}

static void test_psk_hint_setter_bounds_its_input(void **state) {
  fixture *f = *state;
  mbedtls_ssl_config *conf = &f->p->server.conf;
  assert_int_equal(mbedtls_ssl_conf_psk_identity_hint(conf, NULL, 1), MBEDTLS_ERR_SSL_BAD_INPUT_DATA);
  assert_int_equal(mbedtls_ssl_conf_psk_identity_hint(conf, f->server_hint, 65536),
                   MBEDTLS_ERR_SSL_BAD_INPUT_DATA);
  assert_int_equal(mbedtls_ssl_conf_psk_identity_hint(conf, NULL, 0), 0);
}

static void test_psk_server_fails_on_hint_larger_than_its_record(void **state) {
  fixture *f = *state;
  uint8_t *big = calloc(1, 65535);
  assert_non_null(big);
  psk_setup(f, device_key, 1, 0);
  assert_int_equal(mbedtls_ssl_conf_psk_identity_hint(&f->p->server.conf, big, 65535), 0);
  assert_int_not_equal(pair_handshake(f->p), 0);
  free(big);
  assert_int_equal(f->p->server.rc, MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL);
  assert_null(pair_find(&f->p->s2c, HS_SERVER_KEY_EXCHANGE));
}

/* --- ECDHE-ECDSA keeps its ServerKeyExchange signature; hostnames (pitfalls 33, 34) -------------- */

/* A server with a self-signed P-256 certificate and a client that trusts exactly it. */
static void cert_setup(fixture *f) {
  pair *p = f->p;
  assert_int_equal(pair_make_self_signed(&f->crt, &f->key), 0);
  assert_int_equal(mbedtls_ssl_conf_own_cert(&p->server.conf, &f->crt, &f->key), 0);
  mbedtls_ssl_conf_authmode(&p->client.conf, MBEDTLS_SSL_VERIFY_REQUIRED);
  mbedtls_ssl_conf_ca_chain(&p->client.conf, &f->crt, NULL);
  pair_set_suites(&p->client, ecdsa_only);
  pair_set_suites(&p->server, ecdsa_only);
  assert_int_equal(pair_start(p), 0);
}

static void test_ecdsa_handshake_with_intact_signature_succeeds(void **state) {
  fixture *f = *state;
  cert_setup(f);
  assert_int_equal(mbedtls_ssl_set_hostname(&f->p->client.ssl, NULL), 0);
  assert_int_equal(pair_handshake(f->p), 0);
  assert_non_null(pair_find(&f->p->s2c, HS_CERTIFICATE));
  const pair_hs_msg *ske = pair_find(&f->p->s2c, HS_SERVER_KEY_EXCHANGE);
  assert_non_null(ske);
  assert_true(ske->len > ECDH_PARAMS + 4); /* params, SignatureAndHashAlgorithm, signature */
  assert_int_equal(pair_echo(f->p, "GET /oic/d"), 0);
}

/* Flips one byte inside r of the DER ECDSA signature (SEQUENCE, INTEGER r, INTEGER s), so that it
 * stays well-formed and only its verification can fail. */
static int flip_signature_byte(uint8_t *d, size_t *len, size_t cap, void *arg) {
  (void)cap;
  fixture *f = arg;
  size_t off, body;
  if (pair_locate(d, *len, HS_SERVER_KEY_EXCHANGE, &off, &body) != 0) return 0;
  size_t sig = ECDH_PARAMS + 2 + 2; /* after the params, SignatureAndHashAlgorithm, length */
  if (body < sig + 12) return -1;
  f->tamper_calls++;
  d[off + sig + 10] ^= 0x01;
  return 0;
}

static void test_ecdsa_client_rejects_tampered_server_key_exchange_signature(void **state) {
  fixture *f = *state;
  f->p->s2c.tamper = flip_signature_byte;
  f->p->s2c.tamper_arg = f;
  cert_setup(f);
  assert_int_equal(mbedtls_ssl_set_hostname(&f->p->client.ssl, NULL), 0);
  assert_int_not_equal(pair_handshake(f->p), 0);
  assert_int_equal(f->tamper_calls, 1);
  /* The signature check itself failed, before the client sent anything of its key exchange;
   * a transcript mismatch would only show later, at Finished. */
  assert_int_equal(f->p->client.rc, MBEDTLS_ERR_ECP_VERIFY_FAILED);
  assert_int_equal(f->p->c2s.last_alert, ALERT_DECRYPT_ERROR);
  assert_null(pair_find(&f->p->c2s, HS_CLIENT_KEY_EXCHANGE));
}

static int strip_signature(uint8_t *d, size_t *len, size_t cap, void *arg) {
  fixture *f = arg;
  size_t off, body;
  if (pair_locate(d, *len, HS_SERVER_KEY_EXCHANGE, &off, &body) != 0) return 0;
  f->tamper_calls++;
  return pair_resize(d, len, cap, HS_SERVER_KEY_EXCHANGE, ECDH_PARAMS);
}

static void test_ecdsa_client_rejects_server_key_exchange_without_signature(void **state) {
  fixture *f = *state;
  f->p->s2c.tamper = strip_signature; /* what an anonymous server would send */
  f->p->s2c.tamper_arg = f;
  cert_setup(f);
  assert_int_equal(mbedtls_ssl_set_hostname(&f->p->client.ssl, NULL), 0);
  assert_int_not_equal(pair_handshake(f->p), 0);
  assert_int_equal(f->tamper_calls, 1);
  assert_int_equal(f->p->client.rc, MBEDTLS_ERR_SSL_DECODE_ERROR);
  assert_null(pair_find(&f->p->c2s, HS_CLIENT_KEY_EXCHANGE));
}

static void test_cert_client_without_set_hostname_fails(void **state) {
  fixture *f = *state;
  cert_setup(f);
  assert_int_not_equal(pair_handshake(f->p), 0);
  assert_int_equal(f->p->client.rc, MBEDTLS_ERR_SSL_CERTIFICATE_VERIFICATION_WITHOUT_HOSTNAME);
}

static void test_cert_client_with_null_hostname_succeeds(void **state) {
  fixture *f = *state;
  cert_setup(f);
  assert_int_equal(mbedtls_ssl_set_hostname(&f->p->client.ssl, NULL), 0);
  assert_int_equal(pair_handshake(f->p), 0);
  assert_int_equal(mbedtls_ssl_get_verify_result(&f->p->client.ssl), 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      T(test_anon_suite_is_defined_but_not_in_the_default_list),
      T(test_anon_handshake_with_cookie_agrees_on_master_secret),
      T(test_anon_server_sends_unsigned_ecdh_params_and_no_certificate),
      T(test_anon_client_rejects_bytes_after_server_ecdh_params),
      T(test_anon_only_client_fails_against_server_without_anon),
      T(test_anon_only_server_fails_against_client_with_default_list),
      T(test_psk_client_callback_gets_rdp_hint_and_picks_the_key),
      T(test_psk_wrong_key_from_hint_fails),
      T(test_psk_client_callback_can_refuse_the_hint),
      T(test_psk_server_without_hint_still_sends_an_empty_one),
      T(test_psk_client_without_callback_ignores_the_hint),
      T(test_psk_hint_setter_bounds_its_input),
      T(test_psk_server_fails_on_hint_larger_than_its_record),
      T(test_ecdsa_handshake_with_intact_signature_succeeds),
      T(test_ecdsa_client_rejects_tampered_server_key_exchange_signature),
      T(test_ecdsa_client_rejects_server_key_exchange_without_signature),
      T(test_cert_client_without_set_hostname_fails),
      T(test_cert_client_with_null_hostname_succeeds),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
