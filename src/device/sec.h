/* The device's security: the Security Virtual Resources it serves, its onboarding state, the
 * DTLS sessions it knows (the Device Onboarding Connection among them), access control and
 * persistence (docs/decisions/0012-device-security.md).
 *
 * The models live in src/svr (pure); this module owns their instances and every change to
 * them. A change is never made in place: the whole state is copied into `next`, the change is
 * applied there, the changed blobs are saved (before the answer: digest 2.0 "validate, then
 * apply"), and only then do `cur` and `next` swap. A refused request, a failed save or a failed
 * entry check therefore leaves `cur` untouched, byte for byte.
 *
 * Files: sec.c (state, commit, sessions, identity: the seam the DTLS glue calls), sec_acl.c
 * (the access query of dispatch), sec_dos.c (onboarding transitions and entry actions),
 * sec_store.c (persistence), sec_doxm.c (/oic/sec/doxm and its multicast rules), sec_res.c
 * (the other SVRs). */
#ifndef OCF_DEVICE_SEC_H
#define OCF_DEVICE_SEC_H

#include "device/device.h"
#include "dtls/session.h"
#include "pki/ca.h"
#include "pki/cert.h"
#include "svr/acl2.h"
#include "svr/acl_decide.h"
#include "svr/ael.h"
#include "svr/cred.h"
#include "svr/crl.h"
#include "svr/csr.h"
#include "svr/dos.h"
#include "svr/doxm.h"
#include "svr/pstat.h"
#include "svr/roles.h"
#include "svr/sdi.h"
#include "svr/sp.h"

#define DEVICE_SEC_MAX_SESSIONS 8 /* DTLS sessions whose identity the device tracks */

/* Everything that persists: the SVRs and the stable identifiers of /oic/d and /oic/p. */
typedef struct sec_models {
  ocf_svr_doxm doxm;
  ocf_svr_pstat pstat;
  ocf_svr_cred cred;
  ocf_svr_acl2 acl2;
  ocf_svr_sp sp;
  ocf_svr_sdi sdi;
  ocf_svr_csr csr;
  ocf_svr_crl crl;
  ocf_svr_ael ael;
  ocf_uuid piid, pi;
  uint16_t devkey_len; /* the device's P-256 key pair (DER SEC1, secret); 0 = none (sec_cert.c) */
  uint8_t devkey[OCF_PKI_KEY_MAX];
} sec_models;

/* Which blobs a change wrote (one bit per stored blob). */
enum sec_blob {
  SEC_BLOB_DOXM = 1u << 0,
  SEC_BLOB_PSTAT = 1u << 1,
  SEC_BLOB_CRED = 1u << 2,
  SEC_BLOB_ACL2 = 1u << 3,
  SEC_BLOB_SP = 1u << 4,
  SEC_BLOB_SDI = 1u << 5,
  SEC_BLOB_CRL = 1u << 6,
  SEC_BLOB_AEL = 1u << 7,
  SEC_BLOB_IDENT = 1u << 8,
  SEC_BLOB_KEY = 1u << 9, /* optional at load: stores older than the key pair lack it */
  SEC_BLOB_ALL = (1u << 10) - 1,
};
#define SEC_N_BLOBS 10
#define OCF_SEC_CHAIN_MAX 4 /* certificates of the device's own chain (leaf + CAs) */

/* A peer as access control sees it: how it authenticated and who it is. */
typedef struct sec_peer {
  ocf_endpoint ep;
  ocf_acl_auth auth;
  bool has_uuid;
  ocf_uuid uuid;
  /* a certificate session's peer key (DER SPKI): role certificates must be for it (digest 2.8) */
  uint8_t key[OCF_DTLS_PEER_KEY_MAX];
  size_t key_len;
} sec_peer;

/* One DTLS session the device was told about. */
typedef struct sec_session {
  bool used;
  bool is_doc;  /* established while in RFOTM: the Device Onboarding Connection (digest 3.6) */
  bool closing; /* closed by the device's own entry action: its end resets nothing */
  sec_peer peer;
  ocf_svr_roles *roles;  /* asserted role certificates (allocated on the first POST) */
  ocf_time_ms last_used; /* established, or the latest request over it */
} sec_session;

typedef struct device_sec {
  sec_models *cur, *next;
  sec_session sessions[DEVICE_SEC_MAX_SESSIONS];
  bool close_pending; /* CLOSE_SESSIONS ran: close them once the answer is out */
  bool fx_close;      /* the change in next asks to close every session (applied on commit) */
  ocf_store *store;
  uint8_t *store_buf; /* one encoding per blob, side by side, for save_many */
  size_t store_cap;
  uint32_t otms[OCF_DEVICE_MAX_OTMS];
  size_t n_otms;
  uint32_t sct;
  bool no_csr; /* ocf_device_config.no_csr: /oic/sec/csr absent, keys come with certificates */
  void (*on_event)(void *user, ocf_device *d, const ocf_device_event *ev);
  void *event_user;
  int64_t (*utc_now)(void *user); /* ocf_device_config.utc_now, called with event_user; or NULL */
  bool secure_bypass;             /* device_set_secure_bypass: tests and fuzzing only */
  struct device_dtls *dtls;       /* the DTLS glue's state (sec_dtls.h) */
} device_sec;

/* --- lifetime (sec.c) ----------------------------------------------------------------------- */

/* Allocates the state, takes the config's security part, loads or creates the models
 * (sec_store.c), registers the SVRs (sec_res.c). */
OCF_NODISCARD ocf_err device_sec_create(ocf_device *d, const ocf_device_config *cfg);
void device_sec_destroy(ocf_device *d);

/* --- changes (sec.c) ------------------------------------------------------------------------ */

/* Copies cur into next and returns next, to be changed and then committed or dropped. */
sec_models *sec_begin(ocf_device *d);
/* Saves the blobs in mask from next, then makes next current; the events of what changed are
 * raised. On a save error nothing changes (cur stays) and the error is returned. */
OCF_NODISCARD ocf_err sec_commit(ocf_device *d, unsigned mask);
/* The update context of a request: current state, over the DOC or not, the platform's RNG. */
ocf_svr_ctx sec_ctx(const ocf_device *d, const ocf_request *req);
/* Raises an event to the application. */
void sec_event(ocf_device *d, const ocf_device_event *ev);

/* --- sessions and identity: the seam the DTLS glue calls (sec.c) --------------------------- */

/* The identity of a session the DTLS layer established. oxmsel tells what an unauthenticated
 * session means in RFOTM: Random PIN (the PSK came from the PIN) or anonymous (Just Works). */
void device_sec_peer_from_info(const ocf_dtls_session_info *info, uint32_t oxmsel, sec_peer *out);
/* A session reached ESTABLISHED: tracked, and in RFOTM with no DOC yet it becomes the DOC.
 * OCF_ERR_NO_SPACE when the table is full (the glue should then close the session). */
OCF_NODISCARD ocf_err device_sec_session_established(ocf_device *d, const sec_peer *peer, ocf_time_ms now);
/* A session ended (CLOSED or FAILED after ESTABLISHED). The DOC ending while the device is still
 * in RFOTM resets the device (digest 3.6), unless the device closed it itself. */
void device_sec_session_closed(ocf_device *d, const ocf_endpoint *ep, ocf_time_ms now);
/* A handshake failed while in RFOTM after an OTM was selected (e.g. a wrong PIN): IoTivity-Lite
 * resets the device (digest 3.6). The DTLS glue decides when this applies. */
void device_sec_otm_failed(ocf_device *d, ocf_time_ms now);
/* The identity behind a request's endpoint: plain -> auth NONE; secure -> the tracked session
 * (cross-checked with ocf_stack_session_info when the stack runs DTLS). False for a secure
 * endpoint with no known session (such a request is treated as unauthenticated). */
bool device_sec_identify(const ocf_device *d, const ocf_endpoint *ep, sec_peer *out);
/* A request came over the session with ep (secure): it was used at now. */
void device_sec_touch(ocf_device *d, const ocf_endpoint *ep, ocf_time_ms now);
/* When the table is full: the endpoint of the session idle the longest, never the DOC; false
 * when there is none. Its slot is given up for a new session (a tool that crashed leaves its
 * sessions behind until they idle out: they must not lock the owner out). */
bool device_sec_idlest_session(const ocf_device *d, ocf_endpoint *out);
bool device_sec_doc_open(const ocf_device *d);
bool device_sec_over_doc(const ocf_device *d, const ocf_endpoint *ep);
sec_session *device_sec_find_session(ocf_device *d, const ocf_endpoint *ep);
const sec_session *device_sec_session_of(const ocf_device *d, const ocf_endpoint *ep);
/* Closes the sessions the CLOSE_SESSIONS entry action marked (called once the answer is
 * queued: the engine's next_datagram). */
void device_sec_flush_closes(ocf_device *d, ocf_time_ms now);

/* Tests and fuzzing only (not exported from libocf): the host's link stands in for DTLS, so
 * datagrams flagged OCF_EP_SECURE go to msg directly and answers come out flagged; identities
 * come from device_sec_session_established alone. */
void device_set_secure_bypass(ocf_device *d, bool on);

/* --- access control (sec_acl.c) ------------------------------------------------------------- */

/* The decision for a request that passed the resource, method and interface checks. */
ocf_acl_decision device_sec_decide(const ocf_device *d, const ocf_request *req);

/* --- onboarding states (sec_dos.c) ---------------------------------------------------------- */

/* Applies a requested dos.s on next (pstat in next already holds the request): entry checks,
 * entry actions; *mask gets the blobs to save. OCF_ERR_STATE with r filled on a failed check. */
OCF_NODISCARD ocf_err sec_dos_enter(ocf_device *d, sec_models *next, uint8_t target, unsigned *mask,
                                    ocf_svr_report *r);
/* Manufacturer defaults into m (RESET entry actions then RFOTM), with a new deviceuuid. */
OCF_NODISCARD ocf_err sec_defaults(ocf_device *d, sec_models *m);

/* --- persistence (sec_store.c) -------------------------------------------------------------- */

/* Loads every blob into cur. OCF_ERR_NOT_FOUND when nothing is stored (fresh device); errors
 * as ocf_device_create otherwise. */
OCF_NODISCARD ocf_err sec_store_load(ocf_device *d);
/* Saves the blobs in mask from m in one atomic save_many. OCF_OK without a store. */
OCF_NODISCARD ocf_err sec_store_save(ocf_device *d, const sec_models *m, unsigned mask);

/* --- certificates (sec_cert.c) ------------------------------------------------------------- */

/* Whether the device supports certificates: sct has credtype 8 or the mfgcert OTM is offered. */
bool device_sec_supports_certs(const device_sec *s);
/* Drops m's key pair (RESET). */
void sec_key_clear(sec_models *m);
/* Makes the key pair when cur has none and saves it (blob devkey). OCF_ERR_STATE when the device
 * does not support certificates; the errors of the generator and the store. */
OCF_NODISCARD ocf_err sec_key_ensure(ocf_device *d);
/* The CSR of GET /oic/sec/csr (PEM, CN uuid:<current deviceuuid>, signed with the key pair, made
 * first when there is none). OCF_ERR_STATE when certificates are unsupported. */
OCF_NODISCARD ocf_err sec_csr_build(ocf_device *d, ocf_svr_csr *out);
/* POST /oic/sec/cred, after decoding into next: every new certificate entry (credtype 8, cert
 * or rolecert) must name the deviceuuid in its leaf's CN and be for the device's own key (no
 * privatedata) or for the key its privatedata holds (PEM, or DER as raw bytes; P-256);
 * OCF_ERR_RANGE with r filled otherwise (4.00, nothing changes). */
OCF_NODISCARD ocf_err sec_cert_check_creds(ocf_device *d, const sec_models *next, ocf_svr_report *r);
/* cred's trust anchors (trustca, PEM or DER) as DER certificates in buf: how many. With peer,
 * only the anchors whose subjectuuid is "*" or that uuid (digest 6.3: an anchor installed for
 * one uuid authenticates that peer only); NULL: every anchor (the handshake's candidate set,
 * narrowed once the peer's certificate names its uuid). */
size_t sec_cert_anchors(const sec_models *m, const ocf_uuid *peer, uint8_t *buf, size_t cap, ocf_bytes *out,
                        size_t max);
/* The identity certificate chain of cred (credusage cert; PEM or DER) as DER in buf, with its
 * key: the entry's privatedata (PEM or DER) as DER SEC1 in key_buf (secret), else the device's
 * key pair. False when there is none. */
bool sec_cert_identity(const ocf_device *d, const sec_models *m, uint8_t *buf, size_t cap, ocf_bytes *chain,
                       size_t max, size_t *n, uint8_t *key_buf, size_t key_cap, ocf_bytes *key);

/* A peer's chain against anchors with the profile of kind, at the device's wall clock: without
 * one (utc_now NULL) validity periods cannot be judged and only those failures are forgiven
 * (ADR 0018). The result of ocf_cert_check_chain; rep filled. */
OCF_NODISCARD ocf_err sec_cert_check_peer_chain(const ocf_device *d, const ocf_bytes *chain, size_t n_chain,
                                                const ocf_bytes *anchors, size_t n_anchors,
                                                ocf_cert_kind kind, ocf_cert_report *rep);

/* POST /oic/sec/roles, after decoding into next (cur: what the session asserted before): every
 * new role certificate must verify up to one of cred's trust anchors with the role profile
 * (digest §6.1; validity by utc_now when the device has a clock), not be revoked by the CRL, be
 * for the key the peer proved in its certificate session and name the peer's uuid (digest 2.8);
 * a role named oic.role.* other than oic.role.owner is refused (IL). The entry's subject and
 * roleid are set from the certificate. OCF_ERR_RANGE with r filled otherwise (4.00, nothing
 * changes); OCF_ERR_NO_MEMORY. */
OCF_NODISCARD ocf_err sec_cert_check_roles(ocf_device *d, const sec_peer *peer, const ocf_svr_roles *cur,
                                           ocf_svr_roles *next, ocf_svr_report *r);

/* OCF_ERR_DENIED when cred's CRL (crl.crldata) revokes leaf, a peer certificate that verified
 * against anchors; OCF_OK otherwise (no CRL, another issuer, or an unusable CRL, logged). */
OCF_NODISCARD ocf_err sec_cert_crl_check(const ocf_device *d, const ocf_bytes *anchors, size_t n,
                                         const ocf_bytes *leaf);

/* --- resources (sec_doxm.c, sec_res.c) ----------------------------------------------------- */

OCF_NODISCARD ocf_err device_sec_add_doxm(ocf_device *d);
OCF_NODISCARD ocf_err device_sec_add_resources(ocf_device *d);
/* Answers a refused update or model operation from its report (ocf_svr_report_status). */
ocf_status sec_refuse(const ocf_device *d, const ocf_request *req, const ocf_svr_report *r);
/* The svr encode flags of a GET: OCF_SVR_ENC_BASELINE for oic.if.baseline. */
unsigned sec_enc_flags(const ocf_request *req);

#endif
