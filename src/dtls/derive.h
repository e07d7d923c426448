/* OCF key derivations (digest §4.3, §4.5): the TLS 1.2 PRF, the DTLS key_block, the Owner
 * Credential (OwnerPSK) derived from an onboarding session, and the Random PIN PSK (PPSK).
 * Pure functions over the caller's bytes; HMAC-SHA256 and PBKDF2 come from src/dtls/mbedtls. */
#ifndef OCF_DTLS_DERIVE_H
#define OCF_DTLS_DERIVE_H

#include <ocf/ocf_types.h>

#include "base/oxm.h"

#define OCF_MASTER_SECRET_LEN 48
#define OCF_TLS_RANDOM_LEN 32
#define OCF_KEY_BLOCK_MAX 96
#define OCF_OWNER_PSK_LEN 16
#define OCF_PIN_PSK_LEN 16
#define OCF_PIN_PBKDF2_ITERATIONS 1000 /* digest §4.3 */

/* The URN naming the OTM, used as the OwnerPSK label: "oic.sec.doxm.jw", "oic.sec.doxm.rdp",
 * "oic.sec.doxm.mfgcert"; NULL for another value. */
const char *ocf_oxm_urn(ocf_oxm oxm);

/* The key_block length of a cipher suite (digest §4.5: 2 x (MAC key + enc key + fixed IV)):
 * 96 for 0xFF00, 0xC037, 0xC023; 40 for 0xC0AC/0xC0AE; 72 for 0xC0AD/0xC0AF; 0 otherwise. */
size_t ocf_key_block_len(uint16_t suite);

/* RFC 5246 5: PRF = P_SHA256(secret, label || seed) truncated to out_len.
 * OCF_ERR_INVALID_ARG (NULL with a non-zero length), OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err ocf_tls12_prf_sha256(const uint8_t *secret, size_t secret_len, const char *label,
                                           const uint8_t *seed, size_t seed_len, uint8_t *out,
                                           size_t out_len);

/* RFC 5246 6.3: key_block = PRF(master, "key expansion", server_random || client_random), of the
 * suite's length (written to *len). OCF_ERR_UNSUPPORTED for a suite with no known length. */
OCF_NODISCARD ocf_err ocf_derive_key_block(const uint8_t master[OCF_MASTER_SECRET_LEN],
                                           const uint8_t client_random[OCF_TLS_RANDOM_LEN],
                                           const uint8_t server_random[OCF_TLS_RANDOM_LEN], uint16_t suite,
                                           uint8_t out[OCF_KEY_BLOCK_MAX], size_t *len);

/* Digest §4.5: OwnerPSK = PRF(key_block, OTM URN, OBT uuid || device uuid)[0..16), with the
 * device uuid it has when the Owner Credential is posted (after the DOTS changed it).
 * OCF_ERR_INVALID_ARG for an unknown oxm or an empty key_block. */
OCF_NODISCARD ocf_err ocf_derive_owner_psk(const uint8_t *key_block, size_t key_block_len, ocf_oxm oxm,
                                           const ocf_uuid *obt_uuid, const ocf_uuid *device_uuid,
                                           uint8_t out[OCF_OWNER_PSK_LEN]);

/* Digest §4.3: PPSK = PBKDF2-HMAC-SHA256(PIN, salt = the device's current uuid (16 raw bytes),
 * 1000 iterations, 16 bytes). OCF_ERR_INVALID_ARG for an empty PIN. */
OCF_NODISCARD ocf_err ocf_derive_pin_psk(const char *pin, size_t pin_len, const ocf_uuid *device_uuid,
                                         uint8_t out[OCF_PIN_PSK_LEN]);

#endif
