/* src/pki/crypto.h over mbedTLS 3.6's legacy (non-PSA) APIs: no psa_crypto_init(), no global
 * state, contexts live on the stack and are freed (wiped) before returning. */
#include <mbedtls/constant_time.h>
#include <mbedtls/gcm.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/sha256.h>

#include "pki/crypto.h"

ocf_err ocf_crypto_sha256(const uint8_t *data, size_t len, uint8_t out[OCF_SHA256_LEN]) {
  if ((!data && len > 0) || !out) return OCF_ERR_INVALID_ARG;
  return mbedtls_sha256(data, len, out, 0) == 0 ? OCF_OK : OCF_ERR_CRYPTO;
}

ocf_err ocf_crypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
                               uint8_t out[OCF_SHA256_LEN]) {
  if ((!key && key_len > 0) || (!data && len > 0) || !out) return OCF_ERR_INVALID_ARG;
  const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
  if (!md) return OCF_ERR_CRYPTO;
  return mbedtls_md_hmac(md, key, key_len, data, len, out) == 0 ? OCF_OK : OCF_ERR_CRYPTO;
}

ocf_err ocf_crypto_pbkdf2_sha256(const uint8_t *password, size_t password_len, const uint8_t *salt,
                                 size_t salt_len, uint32_t iterations, uint8_t *out, size_t out_len) {
  if ((!password && password_len > 0) || (!salt && salt_len > 0) || !out || out_len == 0 ||
      out_len > UINT32_MAX || iterations == 0)
    return OCF_ERR_INVALID_ARG;
  int rc = mbedtls_pkcs5_pbkdf2_hmac_ext(MBEDTLS_MD_SHA256, password, password_len, salt, salt_len,
                                         iterations, (uint32_t)out_len, out);
  if (rc != 0) {
    ocf_crypto_wipe(out, out_len);
    return OCF_ERR_CRYPTO;
  }
  return OCF_OK;
}

static bool aead_params_valid(const ocf_aead_params *p, const uint8_t *data, size_t len, const uint8_t *tag) {
  if (!p || !p->key || !p->nonce || (!p->aad && p->aad_len > 0) || (!data && len > 0) || !tag) return false;
  return p->alg == OCF_AEAD_AES_128_GCM;
}

static ocf_err gcm_start(mbedtls_gcm_context *gcm, const ocf_aead_params *p) {
  mbedtls_gcm_init(gcm);
  if (mbedtls_gcm_setkey(gcm, MBEDTLS_CIPHER_ID_AES, p->key, OCF_AEAD_AES_128_GCM_KEY_LEN * 8) != 0) {
    mbedtls_gcm_free(gcm);
    return OCF_ERR_CRYPTO;
  }
  return OCF_OK;
}

ocf_err ocf_crypto_aead_seal(const ocf_aead_params *p, uint8_t *data, size_t len,
                             uint8_t tag[OCF_AEAD_TAG_LEN]) {
  if (!aead_params_valid(p, data, len, tag)) return OCF_ERR_INVALID_ARG;
  mbedtls_gcm_context gcm;
  ocf_err err = gcm_start(&gcm, p);
  if (err != OCF_OK) return err;
  /* In place is allowed: mbedtls/gcm.h, "output can be the same as the input buffer". */
  int rc = mbedtls_gcm_crypt_and_tag(&gcm, MBEDTLS_GCM_ENCRYPT, len, p->nonce, OCF_AEAD_NONCE_LEN, p->aad,
                                     p->aad_len, data, data, OCF_AEAD_TAG_LEN, tag);
  mbedtls_gcm_free(&gcm);
  return rc == 0 ? OCF_OK : OCF_ERR_CRYPTO;
}

ocf_err ocf_crypto_aead_open(const ocf_aead_params *p, uint8_t *data, size_t len,
                             const uint8_t tag[OCF_AEAD_TAG_LEN]) {
  if (!aead_params_valid(p, data, len, tag)) return OCF_ERR_INVALID_ARG;
  mbedtls_gcm_context gcm;
  ocf_err err = gcm_start(&gcm, p);
  if (err != OCF_OK) return err;
  int rc = mbedtls_gcm_auth_decrypt(&gcm, len, p->nonce, OCF_AEAD_NONCE_LEN, p->aad, p->aad_len, tag,
                                    OCF_AEAD_TAG_LEN, data, data);
  mbedtls_gcm_free(&gcm);
  if (rc != 0) {
    /* mbedTLS zeroes the output on a tag mismatch; other failures may leave partial output. */
    ocf_crypto_wipe(data, len);
    return OCF_ERR_CRYPTO;
  }
  return OCF_OK;
}

bool ocf_crypto_equal(const uint8_t *a, const uint8_t *b, size_t len) {
  return mbedtls_ct_memcmp(a, b, len) == 0;
}

void ocf_crypto_wipe(void *p, size_t len) {
  if (p) mbedtls_platform_zeroize(p, len);
}
