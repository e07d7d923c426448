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

/* Extended key usages test_make_cert can put in (0: no EKU extension). */
enum {
  TEST_EKU_SERVER = 1,
  TEST_EKU_CLIENT = 2,
  TEST_EKU_OCF_IDENTITY = 4, /* 1.3.6.1.4.1.44924.1.6 */
  TEST_EKU_OCF_ROLE = 8,     /* 1.3.6.1.4.1.44924.1.7 */
  TEST_EKU_ANY = 16,
  TEST_EKU_OCF_LEAF = TEST_EKU_SERVER | TEST_EKU_CLIENT | TEST_EKU_OCF_IDENTITY,
};

typedef struct test_cert_opts {
  bool is_ca;
  int max_pathlen;        /* CA only; -1 = no pathLen */
  unsigned key_usage;     /* 0 = the profile's (CA: keyCertSign + cRLSign; leaf: DS + KA) */
  unsigned eku;           /* TEST_EKU_* bits */
  const char *not_before; /* "YYYYMMDDhhmmss"; NULL = 20200101000000 */
  const char *not_after;  /* NULL = 20491231235959 */
  int md;                 /* mbedtls_md_type_t; 0 = SHA-256 */
  bool p384;              /* key on P-384 instead of P-256 */
} test_cert_opts;

/* A certificate for CN cn with the given options, signed by issuer (NULL: self-signed). */
void test_make_cert(test_cred *out, const test_cred *issuer, const char *cn, const test_cert_opts *o,
                    uint64_t seed);

ocf_bytes test_cert_bytes(const test_cred *c);
ocf_bytes test_key_bytes(const test_cred *c);

#endif
