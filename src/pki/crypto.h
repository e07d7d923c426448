/* Cryptographic primitives for the layers that must not see mbedTLS (tools/lint: <mbedtls/...>
 * only in src/pki/mbedtls and src/dtls/mbedtls): hashing, HMAC and an AEAD, with plain byte
 * buffers and ocf_err. The implementation is src/pki/mbedtls/crypto_mbedtls.c (target
 * ocf_pki_crypto). Every function is pure computation: no allocation, no global state, safe
 * to call from any number of engines. */
#ifndef OCF_PKI_CRYPTO_H
#define OCF_PKI_CRYPTO_H

#include <ocf/ocf_types.h>

#define OCF_SHA256_LEN 32

/* out = SHA-256(data[0..len)) (FIPS 180-4). OCF_ERR_INVALID_ARG (NULL with len > 0),
 * OCF_ERR_CRYPTO (the backend failed). */
OCF_NODISCARD ocf_err ocf_crypto_sha256(const uint8_t *data, size_t len, uint8_t out[OCF_SHA256_LEN]);

/* out = HMAC-SHA-256(key, data) (RFC 2104). OCF_ERR_INVALID_ARG, OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err ocf_crypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data,
                                             size_t len, uint8_t out[OCF_SHA256_LEN]);

/* out = PBKDF2-HMAC-SHA-256(password, salt, iterations)[0..out_len) (RFC 8018 5.2), for keys
 * derived from a passphrase. OCF_ERR_INVALID_ARG (NULL with a non-zero length, iterations 0,
 * out_len 0 or above 2^32 - 1), OCF_ERR_CRYPTO. On failure out is zeroed. (src/dtls has its
 * own PBKDF2 for the Random PIN in dtls/crypto.h: dtls does not depend on pki.) */
OCF_NODISCARD ocf_err ocf_crypto_pbkdf2_sha256(const uint8_t *password, size_t password_len,
                                               const uint8_t *salt, size_t salt_len, uint32_t iterations,
                                               uint8_t *out, size_t out_len);

/* Authenticated encryption with associated data. */
typedef enum ocf_aead_alg {
  OCF_AEAD_AES_128_GCM = 1, /* NIST SP 800-38D: 16-byte key, 12-byte nonce, 16-byte tag */
} ocf_aead_alg;

#define OCF_AEAD_AES_128_GCM_KEY_LEN 16
#define OCF_AEAD_NONCE_LEN 12
#define OCF_AEAD_TAG_LEN 16

typedef struct ocf_aead_params {
  ocf_aead_alg alg;
  const uint8_t *key;   /* OCF_AEAD_AES_128_GCM_KEY_LEN bytes */
  const uint8_t *nonce; /* OCF_AEAD_NONCE_LEN bytes; never reuse one with the same key */
  const uint8_t *aad;   /* authenticated, not encrypted; may be NULL when aad_len is 0 */
  size_t aad_len;
} ocf_aead_params;

/* Encrypts data[0..len) in place and writes the tag. OCF_ERR_INVALID_ARG (NULL, unknown alg),
 * OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err ocf_crypto_aead_seal(const ocf_aead_params *p, uint8_t *data, size_t len,
                                           uint8_t tag[OCF_AEAD_TAG_LEN]);

/* Checks the tag and decrypts data[0..len) in place. On OCF_ERR_CRYPTO (wrong key, nonce, aad,
 * tag or data) data is zeroed: no unauthenticated plaintext is ever left behind.
 * OCF_ERR_INVALID_ARG. */
OCF_NODISCARD ocf_err ocf_crypto_aead_open(const ocf_aead_params *p, uint8_t *data, size_t len,
                                           const uint8_t tag[OCF_AEAD_TAG_LEN]);

/* Whether a[0..len) equals b[0..len), in time that depends on len only (tags, MACs). */
bool ocf_crypto_equal(const uint8_t *a, const uint8_t *b, size_t len);

/* Zeroes p[0..len) in a way the compiler may not remove (keys, plaintext). NULL is fine. */
void ocf_crypto_wipe(void *p, size_t len);

#endif
