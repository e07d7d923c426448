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
  bool cert_checked; /* the verify_cert hook ran (the TLS library accepted the chain's path) */
} obt_otm_session;

/* Whether this build runs the OTM as a client: Just Works needs the patched TLS library's
 * anonymous suite, mfgcert the ECDHE_ECDSA CCM suites (and, at run time, manufacturer trust
 * anchors in the domain: the engine's choice checks that). */
bool obt_otm_client_supported(ocf_oxm oxm);
/* Whether the OTM needs a PIN from the user before its session (Random PIN). */
bool obt_otm_client_needs_pin(ocf_oxm oxm);

/* What one OTM session needs beyond the device's uuid. */
typedef struct obt_otm_client_args {
  const char *pin; /* Random PIN: what the user typed (not kept); NULL for other OTMs */
  size_t pin_len;
  /* mfgcert: the domain's mfgtrustca anchors (DER; referenced: they must outlive the
   * handshake) and the caller's UTC time (seconds) the device's chain is checked at. */
  const ocf_bytes *anchors;
  size_t n_anchors;
  int64_t utc_now;
} obt_otm_client_args;

/* Prepares *s for an onboarding session with the device whose current uuid is device
 * (ocf_otm_session_init, client side): the OTM's suites (digest §4.1); for Random PIN the
 * identity "oic.sec.doxm.rdp" and PPSK = PBKDF2-HMAC-SHA256(pin, device uuid, 1000, 16)
 * (digest §4.3); for mfgcert the anchors, with verification required (digest §4.4).
 * OCF_ERR_UNSUPPORTED (not supported), OCF_ERR_INVALID_ARG (PIN missing or too long, mfgcert
 * without anchors or with more than OCF_OTM_ANCHORS_MAX), OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err obt_otm_client_prepare(obt_otm_session *s, ocf_oxm oxm, const ocf_uuid *device,
                                             const obt_otm_client_args *a);

/* The profile to connect with (valid while s does not move). */
const ocf_dtls_profile *obt_otm_client_profile(const obt_otm_session *s);

/* The key for the identity hint the device sent (digest §4.1, S003 §7.3): Random PIN accepts
 * "oic.sec.doxm.rdp:" + the 16 uuid bytes, or the 16 uuid bytes alone (older devices), naming
 * the device of the session; another device's hint is OCF_ERR_DENIED (the handshake fails).
 * OCF_ERR_NOT_FOUND for an OTM without hints (the profile's key stays). */
OCF_NODISCARD ocf_err obt_otm_client_psk_for_hint(obt_otm_session *s, const uint8_t *hint, size_t len,
                                                  uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len);

/* The dtls verify_cert hook of the session (certificate OTMs): the chain already verified up to
 * an anchor by the TLS library; here the OCF profile and validity at args.utc_now
 * (ocf_cert_check_chain, digest §4.4). OCF_OK or OCF_ERR_DENIED (obt_otm_client_cert_problem
 * says why). */
OCF_NODISCARD ocf_err obt_otm_client_verify_cert(obt_otm_session *s, const ocf_bytes *chain, size_t n_chain,
                                                 const ocf_uuid *uuid);

/* After a failed certificate-OTM handshake: one sentence on the device's certificate chain into
 * out[0..cap) — the profile check that failed, or (no check ran: the TLS library refused the
 * chain) that it does not lead to a trust anchor of the domain. */
void obt_otm_client_cert_problem(const obt_otm_session *s, char *out, size_t cap);

/* After a certificate-OTM handshake: whether the leaf CN named a uuid, and which. */
bool obt_otm_client_cert_uuid(const obt_otm_session *s, ocf_uuid *out);

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
