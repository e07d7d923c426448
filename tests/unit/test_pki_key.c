/* pki/key.h: the device's side of certificates (digest §2.3, §2.7, §6.2; ADR 0020): the CSR it
 * writes for its key pair parses and verifies with the CA's CSR checks, certificate lists in PEM
 * or DER become DER certificates (hostile input refused), and a certificate's key and CN uuid. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "pki/ca.h"
#include "pki/key.h"
#include "sim/sim.h"

#define T_2025 1735689600LL
#define T_2030 1893456000LL

static const ocf_uuid dev_uuid = {
    {0x4e, 0x2e, 0x33, 0x0a, 0x2f, 0x22, 0x48, 0xca, 0x94, 0xb9, 0xc9, 0x84, 0xbc, 0x68, 0xfe, 0xc5}};

static ocf_err seeded_random(void *ctx, uint8_t *out, size_t len) {
  uint64_t *s = ctx;
  for (size_t i = 0; i < len; i += 8) {
    uint64_t r = ocf_sim_rand64(s);
    memcpy(out + i, &r, len - i < 8 ? len - i : 8);
  }
  return OCF_OK;
}

typedef struct fx {
  uint64_t seed;
  ocf_pki_rng rng;
  ocf_pki_ca ca;
  uint8_t key[OCF_PKI_KEY_MAX], pub[OCF_PKI_PUBKEY_MAX];
  size_t key_len, pub_len;
} fx;

static int setup(void **state) {
  fx *f = test_calloc(1, sizeof *f);
  f->seed = 7;
  f->rng = (ocf_pki_rng){seeded_random, &f->seed};
  assert_int_equal(ocf_pki_ca_create("key test CA", T_2025 - 86400, T_2030, &f->rng, &f->ca), OCF_OK);
  assert_int_equal(ocf_pki_keypair_generate(&f->rng, f->key, sizeof f->key, &f->key_len, f->pub,
                                            sizeof f->pub, &f->pub_len),
                   OCF_OK);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  test_free(*state);
  return 0;
}

static void test_csr_round_trips_through_the_ca_checks(void **state) {
  fx *f = *state;
  uint8_t der[OCF_PKI_CSR_MAX], pub[OCF_PKI_PUBKEY_MAX];
  size_t len = 0, pub_len = 0;
  assert_int_equal(ocf_pki_csr_write(f->key, f->key_len, &dev_uuid, &f->rng, der, sizeof der, &len), OCF_OK);
  ocf_pki_csr csr;
  assert_int_equal(ocf_pki_csr_parse(der, len, &csr), OCF_OK);
  assert_true(csr.has_uuid);
  assert_memory_equal(csr.uuid.b, dev_uuid.b, 16);
  assert_int_equal(ocf_pki_key_public(f->key, f->key_len, &f->rng, pub, sizeof pub, &pub_len), OCF_OK);
  assert_int_equal(pub_len, f->pub_len);
  assert_memory_equal(pub, f->pub, pub_len);
  assert_int_equal(csr.pubkey_len, pub_len);
  assert_memory_equal(csr.pubkey, pub, pub_len);
  /* PEM too, and a flipped signature octet no longer verifies. */
  char pem[OCF_PKI_CSR_MAX];
  size_t pem_len = 0;
  assert_int_equal(ocf_pki_pem_write("CERTIFICATE REQUEST", der, len, pem, sizeof pem, &pem_len), OCF_OK);
  assert_int_equal(ocf_pki_csr_parse((const uint8_t *)pem, pem_len, &csr), OCF_OK);
  der[len - 3] ^= 1;
  assert_int_not_equal(ocf_pki_csr_parse(der, len, &csr), OCF_OK);
  /* Not a key; no room. */
  assert_int_equal(ocf_pki_csr_write(f->pub, f->pub_len, &dev_uuid, &f->rng, der, sizeof der, &len),
                   OCF_ERR_MALFORMED);
  assert_int_equal(ocf_pki_csr_write(f->key, f->key_len, &dev_uuid, &f->rng, der, 40, &len),
                   OCF_ERR_NO_SPACE);
}

static void issue(fx *f, const ocf_uuid *uuid, uint8_t *cert, size_t *len) {
  ocf_pki_leaf l = {
      .uuid = *uuid, .pubkey = f->pub, .pubkey_len = f->pub_len, .not_before = T_2025, .not_after = T_2030};
  assert_int_equal(ocf_pki_issue(&f->ca, &l, &f->rng, cert, OCF_PKI_CERT_MAX, len, NULL, NULL), OCF_OK);
}

static void test_cert_lists_as_der_and_hostile_lists(void **state) {
  fx *f = *state;
  uint8_t leaf[OCF_PKI_CERT_MAX], both[2 * OCF_PKI_CERT_MAX], buf[4096];
  size_t leaf_len = 0, n = 0;
  issue(f, &dev_uuid, leaf, &leaf_len);
  /* PEM: leaf then CA, NUL-terminated or not. */
  char pem[8192];
  size_t a = 0, b = 0;
  assert_int_equal(ocf_pki_pem_write("CERTIFICATE", leaf, leaf_len, pem, sizeof pem, &a), OCF_OK);
  assert_int_equal(ocf_pki_pem_write("CERTIFICATE", f->ca.cert, f->ca.cert_len, pem + a, sizeof pem - a, &b),
                   OCF_OK);
  ocf_bytes certs[4];
  assert_int_equal(ocf_pki_certs_der((const uint8_t *)pem, a + b, buf, sizeof buf, certs, 4, &n), OCF_OK);
  assert_int_equal(n, 2);
  assert_int_equal(certs[0].len, leaf_len);
  assert_memory_equal(certs[0].ptr, leaf, leaf_len);
  assert_memory_equal(certs[1].ptr, f->ca.cert, f->ca.cert_len);
  assert_int_equal(ocf_pki_certs_der((const uint8_t *)pem, a + b + 1, buf, sizeof buf, certs, 4, &n), OCF_OK);
  /* Concatenated DER. */
  memcpy(both, leaf, leaf_len);
  memcpy(both + leaf_len, f->ca.cert, f->ca.cert_len);
  assert_int_equal(ocf_pki_certs_der(both, leaf_len + f->ca.cert_len, buf, sizeof buf, certs, 4, &n), OCF_OK);
  assert_int_equal(n, 2);
  /* Hostile: too many, too little room, trailing garbage, a truncated certificate, a broken
   * PEM block. */
  assert_int_equal(ocf_pki_certs_der(both, leaf_len + f->ca.cert_len, buf, sizeof buf, certs, 1, &n),
                   OCF_ERR_TOO_LARGE);
  assert_int_equal(ocf_pki_certs_der(both, leaf_len + f->ca.cert_len, buf, 100, certs, 4, &n),
                   OCF_ERR_NO_SPACE);
  both[leaf_len + f->ca.cert_len] = 0x30;
  assert_int_equal(ocf_pki_certs_der(both, leaf_len + f->ca.cert_len + 1, buf, sizeof buf, certs, 4, &n),
                   OCF_ERR_MALFORMED);
  assert_int_equal(ocf_pki_certs_der(both, leaf_len - 1, buf, sizeof buf, certs, 4, &n), OCF_ERR_MALFORMED);
  assert_int_equal(n, 0);
  pem[40] = '*';
  assert_int_equal(ocf_pki_certs_der((const uint8_t *)pem, a + b, buf, sizeof buf, certs, 4, &n),
                   OCF_ERR_MALFORMED);
  static const uint8_t junk[] = "hello";
  assert_int_equal(ocf_pki_certs_der(junk, sizeof junk, buf, sizeof buf, certs, 4, &n), OCF_ERR_MALFORMED);
}

static void test_cert_subject_gives_key_and_uuid(void **state) {
  fx *f = *state;
  uint8_t leaf[OCF_PKI_CERT_MAX], pub[OCF_PKI_PUBKEY_MAX];
  size_t leaf_len = 0, pub_len = 0;
  issue(f, &dev_uuid, leaf, &leaf_len);
  bool has = false;
  ocf_uuid u;
  assert_int_equal(ocf_pki_cert_subject(leaf, leaf_len, pub, sizeof pub, &pub_len, &has, &u), OCF_OK);
  assert_true(has);
  assert_memory_equal(u.b, dev_uuid.b, 16);
  assert_int_equal(pub_len, f->pub_len);
  assert_memory_equal(pub, f->pub, pub_len);
  assert_int_equal(ocf_pki_cert_subject(f->ca.cert, f->ca.cert_len, pub, sizeof pub, &pub_len, &has, &u),
                   OCF_OK);
  assert_false(has); /* CN=key test CA */
  assert_int_equal(ocf_pki_cert_subject(leaf, leaf_len - 5, pub, sizeof pub, &pub_len, &has, &u),
                   OCF_ERR_MALFORMED);
}

static size_t crl_of(fx *f, const ocf_pki_ca *ca, const uint8_t *serial, size_t serial_len, uint8_t *out) {
  ocf_pki_revoked r = {serial, serial_len, T_2025};
  ocf_pki_crl_params p = {
      .number = 3, .this_update = T_2025, .next_update = T_2030, .revoked = &r, .n_revoked = 1};
  size_t len = 0;
  assert_int_equal(ocf_pki_crl_write(ca, &p, &f->rng, out, 1024, &len), OCF_OK);
  return len;
}

static void test_crl_check_applies_only_to_its_verified_issuer(void **state) {
  fx *f = *state;
  uint8_t a[OCF_PKI_CERT_MAX], b[OCF_PKI_CERT_MAX], crl[1024], sa[OCF_PKI_SERIAL_MAX + 1],
      sb[OCF_PKI_SERIAL_MAX + 1];
  size_t a_len = 0, b_len = 0, sa_len = 0, sb_len = 0;
  ocf_pki_leaf l = {.uuid = dev_uuid,
                    .pubkey = f->pub,
                    .pubkey_len = f->pub_len,
                    .not_before = T_2025,
                    .not_after = T_2030};
  assert_int_equal(ocf_pki_issue(&f->ca, &l, &f->rng, a, sizeof a, &a_len, sa, &sa_len), OCF_OK);
  assert_int_equal(ocf_pki_issue(&f->ca, &l, &f->rng, b, sizeof b, &b_len, sb, &sb_len), OCF_OK);
  ocf_bytes anchor = {f->ca.cert, f->ca.cert_len};
  size_t len = crl_of(f, &f->ca, sa, sa_len, crl);
  bool applies = false;
  assert_int_equal(ocf_pki_crl_check(crl, len, &anchor, 1, a, a_len, &applies), OCF_ERR_DENIED);
  assert_int_equal(ocf_pki_crl_check(crl, len, &anchor, 1, b, b_len, &applies), OCF_OK);
  assert_true(applies);
  /* A CRL with the same issuer name but another key: not trusted. */
  ocf_pki_ca *twin = test_calloc(1, sizeof *twin);
  assert_int_equal(ocf_pki_ca_create("key test CA", T_2025 - 86400, T_2030, &f->rng, twin), OCF_OK);
  len = crl_of(f, twin, sb, sb_len, crl);
  assert_int_equal(ocf_pki_crl_check(crl, len, &anchor, 1, b, b_len, &applies), OCF_ERR_CRYPTO);
  /* Another issuer's CRL says nothing about ours. */
  ocf_pki_ca *other = test_calloc(1, sizeof *other);
  assert_int_equal(ocf_pki_ca_create("Other CA", T_2025 - 86400, T_2030, &f->rng, other), OCF_OK);
  len = crl_of(f, other, sa, sa_len, crl);
  assert_int_equal(ocf_pki_crl_check(crl, len, &anchor, 1, a, a_len, &applies), OCF_OK);
  assert_false(applies);
  assert_int_equal(ocf_pki_crl_check(crl, len - 3, &anchor, 1, a, a_len, &applies), OCF_ERR_MALFORMED);
  ocf_pki_ca_wipe(twin);
  ocf_pki_ca_wipe(other);
  test_free(twin);
  test_free(other);
}

/* A private key POSTed with its certificate (digest §6.2 item 2): PEM or DER, checked against the
 * certificate's public key by recomputing the point from the private scalar. */
static void test_private_key_as_der_and_matched_to_its_public_key(void **state) {
  fx *f = *state;
  char pem[512];
  size_t pem_len = 0, len = 0;
  uint8_t der[OCF_PKI_KEY_MAX];
  assert_int_equal(ocf_pki_pem_write("EC PRIVATE KEY", f->key, f->key_len, pem, sizeof pem, &pem_len),
                   OCF_OK);
  /* PEM with or without its NUL, and DER, all give the same DER back. */
  assert_int_equal(ocf_pki_key_der((const uint8_t *)pem, pem_len, &f->rng, der, sizeof der, &len), OCF_OK);
  assert_int_equal(len, f->key_len);
  assert_memory_equal(der, f->key, len);
  assert_int_equal(ocf_pki_key_der((const uint8_t *)pem, pem_len + 1, &f->rng, der, sizeof der, &len),
                   OCF_OK);
  assert_memory_equal(der, f->key, len);
  assert_int_equal(ocf_pki_key_der(f->key, f->key_len, &f->rng, der, sizeof der, &len), OCF_OK);
  assert_memory_equal(der, f->key, len);
  assert_int_equal(ocf_pki_key_matches((const uint8_t *)pem, pem_len, f->pub, f->pub_len, &f->rng), OCF_OK);
  assert_int_equal(ocf_pki_key_matches(f->key, f->key_len, f->pub, f->pub_len, &f->rng), OCF_OK);
  /* Another key pair's public key: no match. */
  uint8_t k2[OCF_PKI_KEY_MAX], p2[OCF_PKI_PUBKEY_MAX];
  size_t k2_len = 0, p2_len = 0;
  assert_int_equal(ocf_pki_keypair_generate(&f->rng, k2, sizeof k2, &k2_len, p2, sizeof p2, &p2_len), OCF_OK);
  assert_int_equal(ocf_pki_key_matches(f->key, f->key_len, p2, p2_len, &f->rng), OCF_ERR_CRYPTO);
  /* Our scalar with k2's public point spliced into the SEC1 key (its optional copy, the last 65
   * bytes): still not k2's key. */
  uint8_t spliced[OCF_PKI_KEY_MAX];
  memcpy(spliced, f->key, f->key_len);
  memcpy(spliced + f->key_len - 65, p2 + p2_len - 65, 65);
  assert_int_not_equal(ocf_pki_key_matches(spliced, f->key_len, p2, p2_len, &f->rng), OCF_OK);
  /* Garbage, a truncated key, PEM armour round nothing, too long. */
  static const char armour[] = "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n";
  assert_int_equal(
      ocf_pki_key_matches((const uint8_t *)armour, sizeof armour - 1, f->pub, f->pub_len, &f->rng),
      OCF_ERR_MALFORMED);
  assert_int_equal(ocf_pki_key_matches(f->key, f->key_len - 3, f->pub, f->pub_len, &f->rng),
                   OCF_ERR_MALFORMED);
  assert_int_equal(ocf_pki_key_der(f->key, f->key_len - 3, &f->rng, der, sizeof der, &len),
                   OCF_ERR_MALFORMED);
  static uint8_t big[OCF_PKI_KEY_TEXT_MAX + 1];
  assert_int_equal(ocf_pki_key_der(big, sizeof big, &f->rng, der, sizeof der, &len), OCF_ERR_TOO_LARGE);
  assert_int_equal(ocf_pki_key_matches(f->key, f->key_len, f->key, f->key_len, &f->rng), OCF_ERR_MALFORMED);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_csr_round_trips_through_the_ca_checks, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cert_lists_as_der_and_hostile_lists, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cert_subject_gives_key_and_uuid, setup, teardown),
      cmocka_unit_test_setup_teardown(test_crl_check_applies_only_to_its_verified_issuer, setup, teardown),
      cmocka_unit_test_setup_teardown(test_private_key_as_der_and_matched_to_its_public_key, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
