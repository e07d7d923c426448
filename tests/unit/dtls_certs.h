/* Test certificates made on the fly with mbedTLS's X.509 writer (tests may include mbedTLS;
 * the library may not, outside src/dtls/mbedtls and src/pki/mbedtls). P-256 keys from a seeded
 * generator, so every run makes the same certificates. */
#ifndef OCF_TEST_DTLS_CERTS_H
#define OCF_TEST_DTLS_CERTS_H

#include <ocf/ocf_types.h>

typedef struct test_cred {
  uint8_t cert[1024]; /* DER */
  size_t cert_len;
  uint8_t key[256]; /* DER (SEC1 EC private key) */
  size_t key_len;
  char subject[96]; /* "CN=..." */
} test_cred;

/* A self-signed CA (cA true, keyCertSign + cRLSign) with subject CN cn. */
void test_make_ca(test_cred *ca, const char *cn, uint64_t seed);
/* An end-entity certificate (digitalSignature + keyAgreement, digest §4.4) for subject CN cn,
 * signed by ca. */
void test_make_leaf(test_cred *leaf, const test_cred *ca, const char *cn, uint64_t seed);

ocf_bytes test_cert_bytes(const test_cred *c);
ocf_bytes test_key_bytes(const test_cred *c);

#endif
