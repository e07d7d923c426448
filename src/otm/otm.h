/* Ownership transfer methods (OTMs), the layer the device and the onboarding tool share
 * (digest §4.2-§4.5, ADR 0014). An OTM is a descriptor (ocf_otm): its doxm oxm number, its URN
 * (the OwnerPSK label), how it fills the DTLS profile of each side, and the optional credential
 * hooks the DTLS session asks while the handshake runs. A registry (ocf_otm_registry, caller
 * owned, fixed size, no globals) holds the three built-ins and any vendor OTM.
 *
 * Use, on either side:
 *   1. ocf_otm_registry_init(&reg) (the built-ins), ocf_otm_registry_add() for vendor OTMs;
 *   2. otm = ocf_otm_registry_find(&reg, oxmsel);
 *   3. ocf_otm_session_init(&os, otm, is_server, &params): derives what the session needs
 *      (the Random PIN key, the hint) and fills os.profile;
 *   4. OBT: ocf_dtls_connect(d, peer, &os.profile, now); device: from the dtls accept callback
 *      `*profile = os.profile`;
 *   5. forward the dtls callbacks psk_lookup / psk_for_hint / verify_cert of that session to
 *      ocf_otm_session_psk_lookup / _psk_for_hint / _verify_cert;
 *   6. once ESTABLISHED, ocf_otm_owner_psk_from_session() (OBT: before posting the Owner
 *      Credential; device: when the credential arrives, after ocf_otm_owner_cred_rule()).
 *
 * Everything here is pure computation over the caller's memory: no allocation, no clock (the
 * certificate checks take the caller's UTC time), no global state. Secrets in an
 * ocf_otm_session are wiped by ocf_otm_session_clear(). */
#ifndef OCF_OTM_H
#define OCF_OTM_H

#include <ocf/ocf_types.h>

#include "base/oxm.h"
#include "dtls/session.h"

/* --- constants of the Random PIN OTM (digest §4.1, §4.3) ------------------------------------- */

/* psk_identity the OBT sends during the PIN OTM: 16 ASCII bytes, no NUL. */
#define OCF_OTM_RDP_IDENTITY "oic.sec.doxm.rdp"
#define OCF_OTM_RDP_IDENTITY_LEN 16
/* The device's hint: "oic.sec.doxm.rdp:" (17 bytes) + its 16 raw uuid bytes = 33 bytes. */
#define OCF_OTM_RDP_HINT_PREFIX "oic.sec.doxm.rdp:"
#define OCF_OTM_RDP_HINT_PREFIX_LEN 17
#define OCF_OTM_RDP_HINT_LEN (OCF_OTM_RDP_HINT_PREFIX_LEN + 16)

#define OCF_OTM_URN_MAX 63     /* bytes of an OTM URN (the OwnerPSK label) */
#define OCF_OTM_REGISTRY_MAX 8 /* OTMs one registry holds: 3 built-ins + 5 vendor ones */
#define OCF_OTM_PIN_MAX 32     /* bytes of a PIN (pin.h generates 4..32 digits) */
#define OCF_OTM_CHAIN_MAX 4    /* certificates of an own or peer chain (= OCF_DTLS_CHAIN_MAX) */
#define OCF_OTM_ANCHORS_MAX 8  /* mfgtrustca anchors one session checks against */

typedef struct ocf_otm ocf_otm;
typedef struct ocf_otm_session ocf_otm_session;

/* --- what the owner knows about one onboarding ---------------------------------------------- */

/* Referenced, not copied, by ocf_otm_session_init: everything pointed to must stay valid
 * while the session's handshake runs (verify_cert reads trust_anchors). */
typedef struct ocf_otm_params {
  /* The device's current doxm.deviceuuid: on the OBT the (temporary) uuid it discovered, on
   * the device its own. Random PIN: the PBKDF2 salt and the uuid in the hint (digest §4.3). */
  ocf_uuid device_uuid;
  /* Random PIN: the PIN as ASCII. Device: the one it generated and showed (pin.h); OBT: what
   * the user typed. 1..OCF_OTM_PIN_MAX bytes. */
  const char *pin;
  size_t pin_len;
  /* Manufacturer certificate, device side: its mfg chain (DER, leaf first, credusage
   * oic.sec.cred.mfgcert) and the leaf's private key (DER). */
  const ocf_bytes *chain;
  size_t n_chain;
  ocf_bytes private_key;
  /* Manufacturer certificate, OBT side: the anchors (DER) with credusage
   * oic.sec.cred.mfgtrustca, and the current UTC time (seconds since 1970-01-01T00:00:00Z)
   * the certificates' validity is checked against (the DTLS layer checks no time). */
  const ocf_bytes *trust_anchors;
  size_t n_trust_anchors;
  int64_t utc_now;
  /* Vendor OTMs: their own data, untouched by this layer. */
  void *vendor;
} ocf_otm_params;

/* --- the descriptor ------------------------------------------------------------------------- */

struct ocf_otm {
  /* The doxm oxms/oxmsel number: 0, 1, 2 for the built-ins. A vendor OTM uses a private number
   * (the vendor range is UNCONFIRMED, digest §2.1; 0xFF00 and up is customary) and never
   * 0..4 (OCF_OXM_JUST_WORKS..OCF_OXM_SELF). */
  uint32_t oxm;
  /* The URN, e.g. "oic.sec.doxm.jw": the label of the OwnerPSK derivation (digest §4.5).
   * 1..OCF_OTM_URN_MAX ASCII bytes. */
  const char *urn;
  /* Fill *p (zeroed by the caller) for the OBT's (client) or the device's (server) session.
   * Pointers put into *p must point into s or s->params (they are read by ocf_dtls_connect or
   * the accept callback only). An error makes ocf_otm_session_init fail. Required. */
  ocf_err (*client_profile)(ocf_otm_session *s, ocf_dtls_profile *p);
  ocf_err (*server_profile)(ocf_otm_session *s, ocf_dtls_profile *p);
  /* Optional: OBT, the key for the device's PSK hint; OCF_ERR_NOT_FOUND keeps the profile's
   * psk, another error fails the handshake. key has OCF_DTLS_PSK_MAX bytes. */
  ocf_err (*psk_for_hint)(ocf_otm_session *s, const uint8_t *hint, size_t hint_len, uint8_t *key,
                          size_t *key_len);
  /* Optional: device, the key for the OBT's psk_identity; an error fails the handshake. */
  ocf_err (*psk_lookup)(ocf_otm_session *s, const uint8_t *identity, size_t identity_len, uint8_t *key,
                        size_t *key_len);
  /* Optional: either side, the peer chain (DER, leaf first) after the DTLS layer verified it
   * against the profile's trust anchors; uuid is the leaf CN's "uuid:" value or NULL. An error
   * fails the handshake. Without it a verified chain is accepted as is. */
  ocf_err (*check_chain)(ocf_otm_session *s, const ocf_bytes *chain, size_t n_chain, const ocf_uuid *uuid);
  void *user; /* the vendor's descriptor data */
};

/* The built-in descriptors (static, immutable): Just Works, Random PIN, manufacturer
 * certificate. */
const ocf_otm *ocf_otm_just_works(void);
const ocf_otm *ocf_otm_random_pin(void);
const ocf_otm *ocf_otm_mfg_cert(void);

/* --- registry ------------------------------------------------------------------------------- */

typedef struct ocf_otm_registry {
  const ocf_otm *otms[OCF_OTM_REGISTRY_MAX]; /* registration order; pointers stay the caller's */
  size_t n;
} ocf_otm_registry;

/* Empties r and registers the three built-ins (jw, rdp, mfgcert, in that order). */
void ocf_otm_registry_init(ocf_otm_registry *r);
/* Empties r (for a registry without some built-in: add only what is wanted). */
void ocf_otm_registry_clear(ocf_otm_registry *r);
/* Registers otm (the pointer is kept: it must outlive r). OCF_ERR_INVALID_ARG (NULL, no urn,
 * a urn that is empty, too long or not printable ASCII, a missing profile function, a vendor
 * oxm in 0..4 that is not the built-in's own descriptor), OCF_ERR_STATE (oxm or urn already
 * registered), OCF_ERR_NO_SPACE (full). */
OCF_NODISCARD ocf_err ocf_otm_registry_add(ocf_otm_registry *r, const ocf_otm *otm);
/* The OTM registered under oxm, or NULL. */
const ocf_otm *ocf_otm_registry_find(const ocf_otm_registry *r, uint32_t oxm);
/* Writes the registered oxm numbers (registration order) for doxm.oxms; returns how many are
 * registered (at most cap are written). */
size_t ocf_otm_registry_oxms(const ocf_otm_registry *r, uint32_t *out, size_t cap);

/* --- one onboarding session ----------------------------------------------------------------- */

/* Caller-owned state of one OTM handshake. Do not move it between init and the end of the
 * handshake: profile points into it. */
struct ocf_otm_session {
  const ocf_otm *otm;
  bool is_server;
  ocf_otm_params params;
  ocf_dtls_profile profile; /* filled by init: hand it to ocf_dtls_connect / accept */
  /* Random PIN: the PIN-derived PSK (PPSK) and, on the device, the hint it sends. Vendor OTMs
   * may use these buffers for their own key and hint. */
  uint8_t psk[OCF_DTLS_PSK_MAX];
  size_t psk_len;
  uint8_t hint[OCF_DTLS_IDENTITY_MAX];
  size_t hint_len;
  /* Certificate OTMs: the chain/anchor arrays the profile points at. */
  ocf_bytes chain[OCF_OTM_CHAIN_MAX];
  ocf_bytes anchors[OCF_OTM_ANCHORS_MAX];
  /* What the hooks learned: the peer's uuid (OBT: from the PIN hint or the mfg leaf CN) and,
   * after a refused chain, the pki failure bits (pki/cert.h OCF_CERT_F_*) for diagnostics. */
  bool has_peer_uuid;
  ocf_uuid peer_uuid;
  uint32_t cert_failures;
};

/* Prepares s for one handshake of otm as server (device) or client (OBT) and fills s->profile.
 * OCF_ERR_INVALID_ARG (NULL, an OTM without the needed profile function, parameters the OTM
 * needs but lacks: no PIN, no mfg chain/key, no anchors, too many certificates),
 * OCF_ERR_UNSUPPORTED (no suite of the OTM in this build, e.g. 0xFF00 without our mbedTLS
 * patch), OCF_ERR_CRYPTO (deriving the PIN key failed); s is wiped on error. */
OCF_NODISCARD ocf_err ocf_otm_session_init(ocf_otm_session *s, const ocf_otm *otm, bool is_server,
                                           const ocf_otm_params *params);
/* Wipes s (keys included). NULL is fine. */
void ocf_otm_session_clear(ocf_otm_session *s);

/* Bodies for the dtls callbacks of this session's handshake (session.h), same contracts: */
/* psk_lookup (device). OCF_ERR_NOT_FOUND when the OTM has no PSK (the handshake fails). */
OCF_NODISCARD ocf_err ocf_otm_session_psk_lookup(ocf_otm_session *s, const uint8_t *identity,
                                                 size_t identity_len, uint8_t key[OCF_DTLS_PSK_MAX],
                                                 size_t *key_len);
/* psk_for_hint (OBT). OCF_ERR_NOT_FOUND keeps the profile's psk. */
OCF_NODISCARD ocf_err ocf_otm_session_psk_for_hint(ocf_otm_session *s, const uint8_t *hint, size_t hint_len,
                                                   uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len);
/* verify_cert (either side): OCF_OK or OCF_ERR_DENIED. */
OCF_NODISCARD ocf_err ocf_otm_session_verify_cert(ocf_otm_session *s, const ocf_bytes *chain, size_t n_chain,
                                                  const ocf_uuid *uuid);

/* --- the Owner Credential (digest §4.5) ----------------------------------------------------- */

#define OCF_OTM_OWNER_PSK_LEN 16

/* OwnerPSK = PRF(key_block, otm->urn, obt_uuid || device_uuid)[0..16). device_uuid is the
 * device's uuid when the Owner Credential is posted (after the DOTS changed it). For the
 * built-ins this equals ocf_derive_owner_psk(). OCF_ERR_INVALID_ARG (NULL, empty key_block),
 * OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err ocf_otm_owner_psk(const ocf_otm *otm, const uint8_t *key_block, size_t key_block_len,
                                        const ocf_uuid *obt_uuid, const ocf_uuid *device_uuid,
                                        uint8_t out[OCF_OTM_OWNER_PSK_LEN]);
/* The same from an established DTLS session (its key_block). OCF_ERR_STATE before
 * ESTABLISHED, and the errors of ocf_dtls_session_key_block and ocf_otm_owner_psk. */
OCF_NODISCARD ocf_err ocf_otm_owner_psk_from_session(const ocf_otm *otm, const ocf_dtls_session *ds,
                                                     const ocf_uuid *obt_uuid, const ocf_uuid *device_uuid,
                                                     uint8_t out[OCF_OTM_OWNER_PSK_LEN]);

/* Device side: what to do with one /oic/sec/cred entry of a POST (digest §4.5). */
typedef struct ocf_otm_cred_facts {
  uint32_t credtype;        /* the entry's credtype (1 = symmetric pair-wise key) */
  size_t privatedata_len;   /* bytes of its privatedata.data (0 = empty or absent) */
  ocf_uuid subjectuuid;     /* the entry's subjectuuid */
  ocf_uuid cred_rowneruuid; /* /oic/sec/cred rowneruuid AFTER applying the whole payload */
  ocf_uuid devowneruuid;    /* /oic/sec/doxm devowneruuid */
  ocf_uuid doxm_rowneruuid; /* /oic/sec/doxm rowneruuid */
  bool in_rfotm;            /* pstat dos.s is RFOTM */
  bool over_doc;            /* the POST came over the Device Onboarding Connection */
} ocf_otm_cred_facts;

typedef enum ocf_otm_cred_action {
  OCF_OTM_CRED_ORDINARY = 0, /* not an Owner Credential candidate: the cred rules apply */
  OCF_OTM_CRED_DERIVE,       /* the Owner Credential: derive the OwnerPSK and store it as the
                                entry's privatedata (raw, 16 bytes) */
  OCF_OTM_CRED_REJECT,       /* a credtype-1 entry with no key that may not be derived: drop
                                the whole POST (4.00), no state change */
} ocf_otm_cred_action;

/* The device-side rule (digest §4.5, IL oc_sec_apply_cred plus S002 §3.1.20): a credtype-1
 * entry with empty privatedata is the Owner Credential when the device is in RFOTM, the POST
 * came over the DOC and its subjectuuid is the owner: devowneruuid, or cred or doxm
 * rowneruuid (all three name the DOTS when DOTS = CMS = AMS), never the nil uuid; the label
 * then comes from the device's current oxmsel. Any other keyless credtype-1 entry is REJECT.
 * An entry that carries its key (PL's DOTS sends a random 16-byte key) is ORDINARY: stored as
 * given. Pure function. */
ocf_otm_cred_action ocf_otm_owner_cred_rule(const ocf_otm_cred_facts *f);

/* --- Random PIN helpers (digest §4.1, §4.3) ------------------------------------------------- */

/* The device's hint "oic.sec.doxm.rdp:" + 16 raw uuid bytes into out[OCF_OTM_RDP_HINT_LEN]. */
void ocf_otm_rdp_hint(const ocf_uuid *device_uuid, uint8_t out[OCF_OTM_RDP_HINT_LEN]);
/* Parses a PIN-OTM hint as the OBT receives it: the 33-byte form, or (older devices, S003
 * §7.3) only the 16 raw uuid bytes. OCF_ERR_MALFORMED for anything else. */
OCF_NODISCARD ocf_err ocf_otm_rdp_hint_parse(const uint8_t *hint, size_t len, ocf_uuid *device_uuid);

#endif
