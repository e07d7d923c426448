/* The client side of the ownership transfer methods, as the DOTS engine needs them: the one seam
 * between src/obt's step table and the OTMs (ADR 0016), over src/otm's registry and sessions
 * (ADR 0014). The step table never sees an OTM's suites, keys or hints.
 *
 * A session holds what one onboarding DTLS session needs: the profile to connect with and the
 * key material it points at (so the struct must not move while a connect uses it). */
#ifndef OCF_OBT_OTM_CLIENT_H
#define OCF_OBT_OTM_CLIENT_H

#include "base/oxm.h"
#include "dtls/session.h"
#include "otm/otm.h"

#define OBT_OTM_PIN_MAX OCF_OTM_PIN_MAX

typedef struct obt_otm_session {
  ocf_otm_session os;
} obt_otm_session;

/* Whether this build runs the OTM as a client: Just Works needs the patched TLS library's
 * anonymous suite; mfgcert needs manufacturer trust anchors, which the domain does not hold
 * yet, so it is refused for now. */
bool obt_otm_client_supported(ocf_oxm oxm);
/* Whether the OTM needs a PIN from the user before its session (Random PIN). */
bool obt_otm_client_needs_pin(ocf_oxm oxm);

/* Prepares *s for an onboarding session with the device whose current uuid is device
 * (ocf_otm_session_init, client side): the OTM's suites (digest §4.1), and for Random PIN the
 * identity "oic.sec.doxm.rdp" and PPSK = PBKDF2-HMAC-SHA256(pin, device uuid, 1000, 16)
 * (digest §4.3). pin may be NULL for OTMs without one; it is not kept. OCF_ERR_UNSUPPORTED (not
 * supported), OCF_ERR_INVALID_ARG (PIN missing or too long), OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err obt_otm_client_prepare(obt_otm_session *s, ocf_oxm oxm, const ocf_uuid *device,
                                             const char *pin, size_t pin_len);

/* The profile to connect with (valid while s does not move). */
const ocf_dtls_profile *obt_otm_client_profile(const obt_otm_session *s);

/* The key for the identity hint the device sent (digest §4.1, S003 §7.3): Random PIN accepts
 * "oic.sec.doxm.rdp:" + the 16 uuid bytes, or the 16 uuid bytes alone (older devices), naming
 * the device of the session; another device's hint is OCF_ERR_DENIED (the handshake fails).
 * OCF_ERR_NOT_FOUND for an OTM without hints (the profile's key stays). */
OCF_NODISCARD ocf_err obt_otm_client_psk_for_hint(obt_otm_session *s, const uint8_t *hint, size_t len,
                                                  uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len);

/* After the handshake: whether the peer is the device we meant. With a hint (patched TLS
 * library), Random PIN demands it names the device (above); an empty hint, or an OTM without
 * hints, passes. */
bool obt_otm_client_peer_ok(const obt_otm_session *s, const ocf_dtls_session_info *info);

/* The Owner Credential from the onboarding session's key_block (digest §4.5): label = the OTM's
 * URN, seed = the DOTS uuid || the device's uuid AFTER the DOTS changed it (step 9).
 * The errors of ocf_otm_owner_psk. */
OCF_NODISCARD ocf_err obt_otm_client_owner_psk(const obt_otm_session *s, const uint8_t *key_block,
                                               size_t key_block_len, const ocf_uuid *obt_uuid,
                                               const ocf_uuid *device_uuid, uint8_t out[OCF_OWNER_PSK_LEN]);

/* Wipes the key material. */
void obt_otm_client_wipe(obt_otm_session *s);

#endif
