/* The hash primitives src/dtls needs, implemented over mbedTLS in src/dtls/mbedtls/ (the only
 * place in this layer that includes it). */
#ifndef OCF_DTLS_CRYPTO_H
#define OCF_DTLS_CRYPTO_H

#include <ocf/ocf_types.h>

#define OCF_SHA256_LEN 32

/* HMAC-SHA256 over the concatenation of up to three parts (NULL parts with length 0 skipped).
 * OCF_ERR_CRYPTO when the library fails. */
OCF_NODISCARD ocf_err ocf_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *a, size_t a_len,
                                      const uint8_t *b, size_t b_len, const uint8_t *c, size_t c_len,
                                      uint8_t out[OCF_SHA256_LEN]);

/* RFC 8018 5.2 PBKDF2 with HMAC-SHA256. */
OCF_NODISCARD ocf_err ocf_pbkdf2_sha256(const uint8_t *password, size_t password_len, const uint8_t *salt,
                                        size_t salt_len, uint32_t iterations, uint8_t *out, size_t out_len);

/* Overwrites len bytes in a way the compiler may not drop (for secrets on the stack). */
void ocf_secure_zero(void *p, size_t len);

#endif
