/* OCF key derivations, digest §4.3 and §4.5 (checked there against captured IoTivity-Lite
 * onboardings; tests/unit/test_derive.c replays those captures). */
#include "dtls/derive.h"

#include <string.h>

#include "dtls/crypto.h"

const char *ocf_oxm_urn(ocf_oxm oxm) {
  switch (oxm) {
  case OCF_OXM_JUST_WORKS: return "oic.sec.doxm.jw";
  case OCF_OXM_RANDOM_PIN: return "oic.sec.doxm.rdp";
  case OCF_OXM_MFG_CERT: return "oic.sec.doxm.mfgcert";
  case OCF_OXM_DCAP:
  case OCF_OXM_SELF: break; /* no OwnerPSK label: not an OTM this stack runs */
  }
  return NULL;
}

size_t ocf_key_block_len(uint16_t suite) {
  switch (suite) {
  case 0xFF00: /* TLS_ECDH_ANON_WITH_AES_128_CBC_SHA256: 2 x (32 MAC + 16 key + 0 IV) */
  case 0xC037: /* TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256 */
  case 0xC023: /* TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 */ return 96;
  case 0xC0AC: /* TLS_ECDHE_ECDSA_WITH_AES_128_CCM: 2 x (16 key + 4 IV) */
  case 0xC0AE: /* ... _CCM_8 */ return 40;
  case 0xC0AD: /* TLS_ECDHE_ECDSA_WITH_AES_256_CCM: 2 x (32 key + 4 IV) */
  case 0xC0AF: /* ... _CCM_8 */ return 72;
  default: return 0;
  }
}

ocf_err ocf_tls12_prf_sha256(const uint8_t *secret, size_t secret_len, const char *label, const uint8_t *seed,
                             size_t seed_len, uint8_t *out, size_t out_len) {
  if ((!secret && secret_len) || !label || (!seed && seed_len) || (!out && out_len))
    return OCF_ERR_INVALID_ARG;
  const uint8_t *lab = (const uint8_t *)label;
  size_t lab_len = strlen(label);
  uint8_t a[OCF_SHA256_LEN], block[OCF_SHA256_LEN];
  /* RFC 5246 5: A(1) = HMAC(secret, label || seed); A(i) = HMAC(secret, A(i-1)). */
  ocf_err err = ocf_hmac_sha256(secret, secret_len, lab, lab_len, seed, seed_len, NULL, 0, a);
  for (size_t done = 0; !err && done < out_len; done += sizeof block) {
    err = ocf_hmac_sha256(secret, secret_len, a, sizeof a, lab, lab_len, seed, seed_len, block);
    if (err) break;
    size_t n = out_len - done < sizeof block ? out_len - done : sizeof block;
    memcpy(out + done, block, n);
    err = ocf_hmac_sha256(secret, secret_len, a, sizeof a, NULL, 0, NULL, 0, a);
  }
  ocf_secure_zero(a, sizeof a);
  ocf_secure_zero(block, sizeof block);
  return err;
}

ocf_err ocf_derive_key_block(const uint8_t master[OCF_MASTER_SECRET_LEN],
                             const uint8_t client_random[OCF_TLS_RANDOM_LEN],
                             const uint8_t server_random[OCF_TLS_RANDOM_LEN], uint16_t suite,
                             uint8_t out[OCF_KEY_BLOCK_MAX], size_t *len) {
  size_t kbl = ocf_key_block_len(suite);
  if (!kbl) return OCF_ERR_UNSUPPORTED;
  uint8_t seed[2 * OCF_TLS_RANDOM_LEN]; /* RFC 5246 6.3: server_random first */
  memcpy(seed, server_random, OCF_TLS_RANDOM_LEN);
  memcpy(seed + OCF_TLS_RANDOM_LEN, client_random, OCF_TLS_RANDOM_LEN);
  ocf_err err =
      ocf_tls12_prf_sha256(master, OCF_MASTER_SECRET_LEN, "key expansion", seed, sizeof seed, out, kbl);
  if (!err) *len = kbl;
  return err;
}

ocf_err ocf_derive_owner_psk(const uint8_t *key_block, size_t key_block_len, ocf_oxm oxm,
                             const ocf_uuid *obt_uuid, const ocf_uuid *device_uuid,
                             uint8_t out[OCF_OWNER_PSK_LEN]) {
  const char *urn = ocf_oxm_urn(oxm);
  if (!urn || !key_block || !key_block_len || !obt_uuid || !device_uuid) return OCF_ERR_INVALID_ARG;
  uint8_t seed[32]; /* OBT uuid, then device uuid: digest §4.5 */
  memcpy(seed, obt_uuid->b, 16);
  memcpy(seed + 16, device_uuid->b, 16);
  return ocf_tls12_prf_sha256(key_block, key_block_len, urn, seed, sizeof seed, out, OCF_OWNER_PSK_LEN);
}

ocf_err ocf_derive_pin_psk(const char *pin, size_t pin_len, const ocf_uuid *device_uuid,
                           uint8_t out[OCF_PIN_PSK_LEN]) {
  if (!pin || !pin_len || !device_uuid) return OCF_ERR_INVALID_ARG;
  return ocf_pbkdf2_sha256((const uint8_t *)pin, pin_len, device_uuid->b, sizeof device_uuid->b,
                           OCF_PIN_PBKDF2_ITERATIONS, out, OCF_PIN_PSK_LEN);
}
