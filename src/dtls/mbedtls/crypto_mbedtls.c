/* src/dtls/crypto.h over mbedTLS 3.6. */
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>

#include "dtls/crypto.h"

ocf_err ocf_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *a, size_t a_len, const uint8_t *b,
                        size_t b_len, const uint8_t *c, size_t c_len, uint8_t out[OCF_SHA256_LEN]) {
  const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  if (!md) return OCF_ERR_CRYPTO;
  mbedtls_md_context_t ctx;
  mbedtls_md_init(&ctx);
  int rc = mbedtls_md_setup(&ctx, md, 1);
  if (!rc) rc = mbedtls_md_hmac_starts(&ctx, key, key_len);
  if (!rc && a_len) rc = mbedtls_md_hmac_update(&ctx, a, a_len);
  if (!rc && b_len) rc = mbedtls_md_hmac_update(&ctx, b, b_len);
  if (!rc && c_len) rc = mbedtls_md_hmac_update(&ctx, c, c_len);
  if (!rc) rc = mbedtls_md_hmac_finish(&ctx, out);
  mbedtls_md_free(&ctx);
  return rc ? OCF_ERR_CRYPTO : OCF_OK;
}

ocf_err ocf_pbkdf2_sha256(const uint8_t *password, size_t password_len, const uint8_t *salt, size_t salt_len,
                          uint32_t iterations, uint8_t *out, size_t out_len) {
  if (out_len > UINT32_MAX) return OCF_ERR_INVALID_ARG;
  int rc = mbedtls_pkcs5_pbkdf2_hmac_ext(MBEDTLS_MD_SHA256, password, password_len, salt, salt_len,
                                         iterations, (uint32_t)out_len, out);
  return rc ? OCF_ERR_CRYPTO : OCF_OK;
}

void ocf_secure_zero(void *p, size_t len) { mbedtls_platform_zeroize(p, len); }
