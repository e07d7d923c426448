/* The client side of the ownership transfer methods, as the DOTS engine needs them: the one seam
 * between src/obt's step table and the OTMs (ADR 0016). Today it is built directly on
 * dtls/profile.h and dtls/derive.h for Just Works and Random PIN; when src/otm's registry
 * arrives, only this file pair changes.
 *
 * A session holds what one onboarding DTLS session needs: the profile to connect with and the
 * key material it points at (so the struct must not move while a connect uses it). */
#ifndef OCF_OBT_OTM_CLIENT_H
#define OCF_OBT_OTM_CLIENT_H

#include "base/oxm.h"
#include "dtls/derive.h"
#include "dtls/session.h"

#define OBT_OTM_PIN_MAX 32

typedef struct obt_otm_session {
  ocf_oxm oxm;
  ocf_uuid device; /* the device's uuid when the session opens (the PIN salt, the hint) */
  ocf_dtls_profile profile;
  uint8_t psk[OCF_PIN_PSK_LEN]; /* Random PIN: PBKDF2 of the PIN (digest §4.3) */
} obt_otm_session;

/* Whether this build runs the OTM as a client (Just Works needs the patched TLS library's
 * anonymous suite; mfgcert is not implemented here yet). */
bool obt_otm_client_supported(ocf_oxm oxm);
/* Whether the OTM needs a PIN from the user before its session (Random PIN). */
bool obt_otm_client_needs_pin(ocf_oxm oxm);

/* Prepares *s for an onboarding session with the device whose current uuid is device:
 * the OTM's suites (digest §4.1), and for Random PIN the identity "oic.sec.doxm.rdp" and
 * PPSK = PBKDF2-HMAC-SHA256(pin, device uuid, 1000, 16) (digest §4.3). pin may be NULL for OTMs
 * without one. OCF_ERR_UNSUPPORTED (OTM not supported), OCF_ERR_INVALID_ARG (PIN missing or
 * longer than OBT_OTM_PIN_MAX), OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err obt_otm_client_prepare(obt_otm_session *s, ocf_oxm oxm, const ocf_uuid *device,
                                             const char *pin, size_t pin_len);

/* The key for the identity hint the device sent (digest §4.1, S003 §7.3): Random PIN accepts
 * "oic.sec.doxm.rdp:" + the 16 uuid bytes, or the 16 uuid bytes alone (older devices), naming
 * the device of the session. OCF_ERR_NOT_FOUND for any other hint or OTM. */
OCF_NODISCARD ocf_err obt_otm_client_psk_for_hint(const obt_otm_session *s, const uint8_t *hint, size_t len,
                                                  uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len);

/* After the handshake: whether the peer is the device we meant. With a hint (patched TLS
 * library), Random PIN demands it names the device (above); an empty hint, or an OTM without
 * hints, passes. */
bool obt_otm_client_peer_ok(const obt_otm_session *s, const ocf_dtls_session_info *info);

/* The Owner Credential from the onboarding session's key_block (digest §4.5): label = the OTM's
 * URN, seed = the DOTS uuid || the device's uuid AFTER the DOTS changed it (step 9).
 * The errors of ocf_derive_owner_psk. */
OCF_NODISCARD ocf_err obt_otm_client_owner_psk(const obt_otm_session *s, const uint8_t *key_block,
                                               size_t key_block_len, const ocf_uuid *obt_uuid,
                                               const ocf_uuid *device_uuid, uint8_t out[OCF_OWNER_PSK_LEN]);

/* Wipes the key material. */
void obt_otm_client_wipe(obt_otm_session *s);

#endif
