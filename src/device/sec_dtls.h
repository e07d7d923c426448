/* The device's DTLS glue (docs/decisions/0018-device-dtls.md): the stack's server callbacks
 * that run the ownership transfer methods (src/otm) in RFOTM and owner / pair-wise sessions
 * afterwards, the Random PIN and its wrong-PIN limiter, and the Owner Credential the device
 * derives from the DOC's key_block (digest 3.6, 4, 8).
 *
 *   accept      RFOTM: oxmsel names a registered OTM, no session open and no other onboarding
 *               handshake running (one DOC at a time, digest 3.6), for Random PIN a PIN was
 *               shown and the limiter allows -> that OTM's server profile; otherwise refused.
 *               RFPRO/RFNOP/SRESET: the owned profile (digest 4.1: PSK with hint = own uuid;
 *               ECDSA with the identity certificate and trust anchors of cred when present).
 *   psk_lookup  the OTM session's (PIN PSK) during the onboarding handshake; owned: the
 *               credtype-1 cred whose subjectuuid is the 16-byte identity (digest 4.1, 8).
 *   verify_cert the OTM session's; owned: the OCF identity profile against cred's trust anchors.
 *   on_session  ESTABLISHED of the onboarding handshake: the DOC's key_block is kept (wiped when
 *               the DOC ends or the device leaves RFOTM). FAILED: a Random PIN failure counts in
 *               the limiter (persisted), and the device resets to a clean RFOTM (digest 3.6). */
#ifndef OCF_DEVICE_SEC_DTLS_H
#define OCF_DEVICE_SEC_DTLS_H

#include "device/sec.h"
#include "stack/stack.h"

typedef struct device_dtls device_dtls;

/* Whether cfg's OTM part is usable: every otms entry registered (built-ins when
 * cfg->otm_registry is NULL), mfg chain size, pin_len. */
bool device_dtls_config_valid(const ocf_device_config *cfg);
/* The stack config and callbacks of a device with the DTLS server on (ocf_device_create). */
void device_dtls_stack_config(ocf_stack_config *sc, ocf_stack_callbacks *cbs);

/* Allocates the glue state (always, DTLS on or not): registry, mfg credentials (copied), the
 * wrong-PIN limiter from the store. Called by device_sec_create once the models are loaded. */
OCF_NODISCARD ocf_err device_dtls_create(ocf_device *d, const ocf_device_config *cfg);
void device_dtls_destroy(ocf_device *d);

/* The onboarding handshake's peer: *auth is how access control sees it (Random PIN: PIN, the
 * other OTMs authenticate no client: anonymous). False for any other peer. */
/* Whether an onboarding handshake is running (accepted, not yet established or failed). */
bool device_dtls_otm_busy(const ocf_device *d);
bool device_dtls_otm_auth(const ocf_device *d, const ocf_endpoint *peer, ocf_acl_auth *auth);

/* oxmsel was written: with Random PIN a new PIN is generated and put in ev (digest 4.3). */
void device_dtls_otm_selected(ocf_device *d, ocf_device_event *ev);

/* POST /oic/sec/cred, after the payload decoded into next: every credtype-1 entry without a
 * key goes through ocf_otm_owner_cred_rule (digest 4.5); the Owner Credential gets the OwnerPSK
 * derived from the DOC's key_block, anything else keyless refuses the POST (OCF_ERR_RANGE with
 * r filled: 4.00, nothing changes). */
OCF_NODISCARD ocf_err device_dtls_owner_creds(ocf_device *d, const ocf_request *req, sec_models *next,
                                              ocf_svr_report *r);

/* The state changed from `from` to the current one (sec_commit): leaving RFOTM for RFPRO is a
 * successful onboarding (the limiter forgives); leaving RFOTM wipes the DOC's key_block. */
void device_dtls_state_changed(ocf_device *d, uint8_t from);

/* The profile of a client session to the device peer (client.c): its pair-wise key (kind ANY or
 * PSK; copied into key, identity = our uuid) and/or our identity certificate and trust anchors
 * (ANY or CERT). OCF_ERR_NOT_FOUND when cred holds neither. p points into key, identity and
 * the glue's buffers until the next profile is built: hand it to ocf_stack_connect at once. */
OCF_NODISCARD ocf_err device_dtls_client_profile(ocf_device *d, const ocf_uuid *peer,
                                                 ocf_device_client_cred kind, ocf_dtls_profile *p,
                                                 uint8_t key[OCF_DTLS_PSK_MAX], ocf_uuid *identity);
/* Tests: failures counted by the wrong-PIN limiter and ms until a PIN handshake may start. */
void device_dtls_pin_limiter(ocf_device *d, uint32_t *failures, ocf_time_ms *wait_ms);

#endif
