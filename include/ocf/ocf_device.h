/* An OCF Device (server), sans-I/O: a resource table and request dispatch over one CoAP
 * endpoint. It serves the core resources /oic/res, /oic/d and /oic/p (digest 1.4, 1.5) and the
 * application resources registered with ocf_device_add_resource; later the Security Virtual
 * Resources and access control.
 *
 * The device is an engine (<ocf/ocf_engine.h>): the host feeds it datagrams and the time and
 * sends what it queues (the posix loop, an application's own loop, or an in-memory network in
 * tests). It never touches a socket or a clock and keeps no global state: one process may host
 * many devices.
 *
 * Requests reach a handler only after the checks every resource shares: version and
 * Content-Format options (4.15), Accept (4.06), the resource (4.04), the method (4.05), the
 * interface (4.03; digest 1.6), the access decision, and the decoding of the body (4.00). A
 * handler therefore sees a well-formed request for a method it implements; it validates the
 * body completely before changing any state, so a refused request changes nothing. Error
 * answers to multicast requests are never sent (digest pitfall 29).
 *
 * Handlers run inside the engine's handle_datagram and must not call back into the engine. */
#ifndef OCF_DEVICE_H
#define OCF_DEVICE_H

#include "ocf_endpoint.h"
#include "ocf_engine.h"
#include "ocf_platform.h"
#include "ocf_rep.h"
#include "ocf_store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ocf_device ocf_device;

#define OCF_DEVICE_MAX_TYPES 8      /* rt values of one resource (with oic.wk.d on /oic/d) */
#define OCF_DEVICE_MAX_INTERFACES 8 /* if values of one resource */
#define OCF_DEVICE_MAX_ENDPOINTS 16 /* endpoints advertised in eps */
#define OCF_DEVICE_STR_MAX 64       /* n, icv, mnmn, rt and if values (CORE maxLength 64) */
#define OCF_DEVICE_DMV_MAX 256      /* dmv (CORE oic.wk.d maxLength 256) */
#define OCF_DEVICE_HREF_MAX 128     /* href of a resource, "/..." */

#define OCF_DEVICE_DEFAULT_ICV "ocf.2.5.0"
#define OCF_DEVICE_DEFAULT_DMV "ocf.res.1.3.0,ocf.sh.1.3.0"

/* --- creation ----------------------------------------------------------------------------- */

/* Owner Transfer Methods a device may offer in doxm oxms (SEC:doxm; digest 2.1). */
#define OCF_DEVICE_OTM_JUST_WORKS 0u /* oic.sec.doxm.jw */
#define OCF_DEVICE_OTM_RANDOM_PIN 1u /* oic.sec.doxm.rdp */
#define OCF_DEVICE_OTM_MFG_CERT 2u   /* oic.sec.doxm.mfgcert */
#define OCF_DEVICE_MAX_OTMS 8

/* Device Onboarding States (SEC:pstat dos.s; digest 3.1). */
typedef enum ocf_device_state {
  OCF_DEVICE_RESET = 0,
  OCF_DEVICE_RFOTM = 1,
  OCF_DEVICE_RFPRO = 2,
  OCF_DEVICE_RFNOP = 3,
  OCF_DEVICE_SRESET = 4,
} ocf_device_state;

/* What the device tells its application (ocf_device_config.on_event). */
typedef enum ocf_device_event_type {
  /* A client selected an OTM (doxm oxmsel written). With OCF_DEVICE_OTM_RANDOM_PIN the device
   * generated a NEW PIN (digest 2.1, 4.3), in `pin`: show it to the user now. */
  OCF_DEVICE_EV_OTM_SELECTED = 1,
  OCF_DEVICE_EV_STATE_CHANGED, /* dos.s changed (state: the new one) */
  OCF_DEVICE_EV_DI_CHANGED,    /* doxm deviceuuid, hence /oic/d di, changed (digest 1.5) */
} ocf_device_event_type;

typedef struct ocf_device_event {
  ocf_device_event_type type;
  uint32_t otm;           /* OTM_SELECTED: the selected OTM */
  ocf_device_state state; /* STATE_CHANGED: the new state */
  /* OTM_SELECTED with Random PIN: the PIN to display (NUL-terminated decimal digits, valid
   * during the call only; a secret: never log it), and pin_wait_ms > 0 when wrong PINs made the
   * device refuse PIN handshakes for that long (digest 4.3). NULL for other OTMs, and when no
   * PIN could be generated (PIN handshakes are then refused). */
  const char *pin;
  ocf_time_ms pin_wait_ms;
} ocf_device_event;

struct ocf_otm_registry; /* the OTM layer's registry (src/otm/otm.h), for vendor OTMs */

typedef struct ocf_device_config {
  const char *name; /* /oic/d n; default "OCF Device" */
  /* Device types listed after oic.wk.d in /oic/d rt, e.g. "oic.d.light". */
  const char *device_types[OCF_DEVICE_MAX_TYPES - 1];
  size_t n_device_types;
  const char *icv;  /* /oic/d icv; default OCF_DEVICE_DEFAULT_ICV */
  const char *dmv;  /* /oic/d dmv; default OCF_DEVICE_DEFAULT_DMV */
  const char *mnmn; /* /oic/p mnmn (manufacturer name); default "obt" */
  /* Identifiers; each one not given (has_... false) is random at creation. di will become the
   * doxm deviceuuid (digest 1.5: /oic/d di equals doxm deviceuuid). */
  bool has_di, has_piid, has_pi;
  ocf_uuid di;              /* /oic/d di */
  ocf_uuid piid;            /* /oic/d piid (stable protocol-independent id) */
  ocf_uuid pi;              /* /oic/p pi */
  size_t max_resources;     /* application resources; default 32 */
  size_t max_response_body; /* largest representation a handler may build; default 16384 */
  size_t max_request_nodes; /* CBOR values in one request body; default 512 */
  /* Security (docs/decisions/0012-device-security.md). */
  uint32_t otms[OCF_DEVICE_MAX_OTMS]; /* doxm oxms; default {OCF_DEVICE_OTM_JUST_WORKS} */
  size_t n_otms;                      /* 1..OCF_DEVICE_MAX_OTMS */
  uint32_t sct;                       /* doxm sct, credtype bits 0..511; default 1 (PSK) */
  /* No /oic/sec/csr even when sct has credtype 8 (4.04, SEC:csr "unsupported"): the device never
   * makes a key pair of its own, and takes a certificate only with its private key in
   * privatedata (PEM, or DER as raw bytes), which must be the leaf's key (digest §6.2 item 2;
   * ADR 0020). Default false. */
  bool no_csr;
  /* Where the Security Virtual Resources and the device identity persist (<ocf/ocf_store.h>);
   * NULL keeps them in memory only (every start is a fresh, unowned device). The store must
   * outlive the device. At creation the device loads them: nothing stored yet gives the
   * manufacturer defaults (RFOTM, a new deviceuuid), which are saved at once; a blob that fails
   * its check, cannot be decoded, or a partial set makes ocf_device_create fail (the device
   * never starts in a state it cannot trust; ocf_device_wipe_store is the way out). Every
   * change a request makes is saved before the answer is sent; a change that cannot be saved
   * is not applied (5.00). */
  ocf_store *store;
  /* Told about onboarding events; may be NULL. Runs inside the engine's calls: it must not
   * call back into the device. */
  void (*on_event)(void *user, ocf_device *d, const ocf_device_event *ev);
  void *event_user;
  /* DTLS (docs/decisions/0018-device-dtls.md): the coaps server that runs the ownership
   * transfer methods in RFOTM and owner / pair-wise sessions afterwards. Default true; false
   * serves plain CoAP only (secure datagrams are dropped). */
  bool dtls;
  /* The OTMs the DTLS server can run, by oxm number; every entry of otms must be in it. NULL
   * (the default) = the built-ins (Just Works, Random PIN, manufacturer certificate). A device
   * maker adds a vendor OTM with ocf_otm_registry_add; the registry and its descriptors must
   * outlive the device. otm_vendor is handed to the OTM as its params.vendor. */
  const struct ocf_otm_registry *otm_registry;
  void *otm_vendor;
  /* Manufacturer certificate OTM: the device's chain (DER, leaf first, at most 4) and the
   * leaf's private key (DER, SEC1 or PKCS#8), copied at creation. Without them the mfgcert OTM
   * refuses its handshakes. */
  const ocf_bytes *mfg_chain;
  size_t n_mfg_chain;
  ocf_bytes mfg_key;
  size_t pin_len; /* Random PIN digits, 4..32; 0 = 8 (digest 4.3) */
  /* UTC seconds since 1970 for the validity of peer certificates in owned sessions and of ACE
   * validity periods, called with event_user; NULL = no wall clock: certificate validity periods
   * are not checked (the rest of the certificate profile still is) and ACEs that carry validity
   * periods never apply (they fail closed). */
  int64_t (*utc_now)(void *user);
  /* A DTLS session (the onboarding connection included) with no record from its peer for this
   * long is closed; 0 = 600000 (10 minutes). A dropped onboarding connection puts the device back
   * in RFOTM only when it is closed (digest 3.6): shorter values free a device whose onboarding
   * tool vanished sooner. At most 86400000. */
  uint32_t session_idle_ms;
} ocf_device_config;

/* Fills *cfg with the defaults above (no device types, random identifiers, Just Works, no
 * store). */
OCF_API void ocf_device_config_init(ocf_device_config *cfg);

/* Creates a device. pf (random, alloc, free; log optional) is copied, its ctx must outlive the
 * device; cfg NULL = defaults; strings are copied.
 * OCF_ERR_INVALID_ARG (NULL pf/out, missing platform function, a string empty or longer than
 * its cap, more device types than fit, a zero cap, no OTM or an unknown one, sct > 511);
 * OCF_ERR_NO_MEMORY; the error of pf->random (random identifiers); with a store:
 * OCF_ERR_MALFORMED (a stored SVR fails its check, does not decode, or the set is partial),
 * OCF_ERR_CRYPTO (sealed with another storage key), OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_device_create(const ocf_platform *pf, const ocf_device_config *cfg,
                                                ocf_device **out);
/* Frees the device; pending requests are dropped unanswered. NULL is fine. */
OCF_API void ocf_device_destroy(ocf_device *d);

/* The device as an engine, for the posix loop or any other driver. */
OCF_API ocf_engine ocf_device_engine(ocf_device *d);

/* The device id (/oic/d di, anchor "ocf://<di>" in /oic/res); ocf_uuid_format gives its text.
 * It is doxm deviceuuid (digest 1.5): it changes on RESET and when the DOTS writes it. */
OCF_API void ocf_device_get_di(const ocf_device *d, ocf_uuid *out);

/* The current Device Onboarding State (pstat dos.s). */
OCF_API ocf_device_state ocf_device_get_state(const ocf_device *d);

/* A local factory reset (digest 3.5, 9: the "button"): the RESET entry actions (manufacturer
 * defaults for every SVR, a new temporary deviceuuid, owner data wiped, sessions closed), then
 * RFOTM, saved to the store. OCF_ERR_IO and the store's errors when saving fails (the device
 * then keeps its old state). */
OCF_API OCF_NODISCARD ocf_err ocf_device_factory_reset(ocf_device *d, ocf_time_ms now);

/* Removes every blob the device keeps in store (its SVRs and identity), whatever their records
 * hold: the operator's way out of a damaged store before creating the device again. */
OCF_API OCF_NODISCARD ocf_err ocf_device_wipe_store(ocf_store *store);

/* Sets the endpoints advertised in the eps of /oic/res links (digest 1.4): the device's unicast
 * addresses with the ports it serves on, OCF_EP_SECURE for coaps. A discovery reply lists only
 * those of the request's IP family and arrival interface (ifindex; 0 on either side matches
 * any), as IoTivity-Lite does, and never writes an IPv6 zone id (digest pitfall 28). Replaces
 * the previous list. OCF_ERR_INVALID_ARG (n > OCF_DEVICE_MAX_ENDPOINTS, eps NULL with n > 0,
 * an unknown family, port 0, a multicast address). */
OCF_API OCF_NODISCARD ocf_err ocf_device_set_endpoints(ocf_device *d, const ocf_endpoint *eps, size_t n);

/* --- requests and handlers ---------------------------------------------------------------- */

typedef enum ocf_method {
  OCF_METHOD_GET = 1,
  OCF_METHOD_POST = 2,
  OCF_METHOD_PUT = 3,
  OCF_METHOD_DELETE = 4,
} ocf_method;

/* Response codes a handler returns: CoAP codes (RFC 7252 12.1.2), class << 5 | detail. */
typedef enum ocf_status {
  OCF_STATUS_IGNORE = 0, /* send no response at all (a multicast request that does not apply) */
  OCF_STATUS_CREATED = 0x41,
  OCF_STATUS_DELETED = 0x42,
  OCF_STATUS_VALID = 0x43,
  OCF_STATUS_CHANGED = 0x44,
  OCF_STATUS_CONTENT = 0x45,
  OCF_STATUS_BAD_REQUEST = 0x80,
  OCF_STATUS_UNAUTHORIZED = 0x81,
  OCF_STATUS_FORBIDDEN = 0x83,
  OCF_STATUS_NOT_FOUND = 0x84,
  OCF_STATUS_METHOD_NOT_ALLOWED = 0x85,
  OCF_STATUS_NOT_ACCEPTABLE = 0x86,
  OCF_STATUS_REQUEST_ENTITY_TOO_LARGE = 0x8d,
  OCF_STATUS_UNSUPPORTED_CONTENT_FORMAT = 0x8f,
  OCF_STATUS_INTERNAL_SERVER_ERROR = 0xa0,
  OCF_STATUS_SERVICE_UNAVAILABLE = 0xa3,
} ocf_status;

/* How the peer of a secure request authenticated (digest 3.4, 4). */
typedef enum ocf_peer_auth {
  OCF_PEER_AUTH_NONE = 0,  /* plain coap:// */
  OCF_PEER_AUTH_ANON_DTLS, /* DTLS without peer authentication (Just Works) */
  OCF_PEER_AUTH_PSK,       /* DTLS PSK: uuid is the PSK identity */
  OCF_PEER_AUTH_CERT,      /* DTLS with a certificate: uuid from its CN uuid:... */
  OCF_PEER_AUTH_PIN,       /* DTLS Random PIN OTM (no peer uuid) */
} ocf_peer_auth;

/* How the request reached the device, for access control (digest 3.4; SEC acl2 conntype). */
typedef enum ocf_conntype {
  OCF_CONN_ANON_CLEAR = 0, /* plain coap:// */
  OCF_CONN_AUTH_CRYPT = 1, /* over a DTLS session */
} ocf_conntype;

/* Who sent a request. */
typedef struct ocf_peer {
  /* Address and port of the sender; ifindex = arrival interface; flags OCF_EP_SECURE (DTLS)
   * and OCF_EP_MULTICAST (sent to a group). */
  ocf_endpoint ep;
  ocf_conntype conntype;
  bool multicast;
  /* The authenticated identity of the DTLS session (PSK identity or certificate CN uuid:...);
   * has_uuid is false for plain requests and unauthenticated sessions. */
  ocf_peer_auth auth;
  bool has_uuid;
  ocf_uuid uuid;
} ocf_peer;

/* A request as a handler sees it; valid during the handler call only. */
typedef struct ocf_request ocf_request;

OCF_API ocf_method ocf_request_method(const ocf_request *req);
/* The resource's href, e.g. "/switch". */
OCF_API const char *ocf_request_href(const ocf_request *req);
/* The interface that applies: the if= query, or the resource's default (first) interface. */
OCF_API const char *ocf_request_interface(const ocf_request *req);
OCF_API bool ocf_request_is_baseline(const ocf_request *req);
/* The nth (0-based) value of query key (compared ignoring ASCII case, digest 1.6): *value
 * points at value_len bytes, not NUL-terminated (empty for a bare "key"). False when absent. */
OCF_API bool ocf_request_query(const ocf_request *req, const char *key, size_t nth, const char **value,
                               size_t *value_len);
/* The decoded body; NULL when the request had none. */
OCF_API const ocf_rep_node *ocf_request_body(const ocf_request *req);
OCF_API const ocf_peer *ocf_request_peer(const ocf_request *req);
OCF_API ocf_time_ms ocf_request_now(const ocf_request *req);
/* Writes the baseline properties of the target resource ("rt", "if", and "n" when it has a
 * name) as entries of the map being built, when the request selected oic.if.baseline; writes
 * nothing otherwise (digest 1.6). */
OCF_API void ocf_request_encode_baseline(const ocf_request *req, ocf_rep_enc *rsp);

/* Handles one request. rsp is positioned before the root of the response body: write one item
 * (usually a map) or nothing (no body). Return the response code. With a code of class 4 or 5
 * the body is discarded; with OCF_STATUS_IGNORE nothing is sent. If rsp ends in error (body
 * larger than max_response_body), the device answers 5.00 instead: so a handler that changes
 * state must keep its answer small. */
typedef ocf_status (*ocf_handler)(void *user, const ocf_request *req, ocf_rep_enc *rsp);

/* --- the device as a client of another device ---------------------------------------------- */

/* Device-to-device requests (digest 8.2, OBT spec 6.1-6.2): what a CMS provisions pair-wise
 * keys and identity certificates for. The device opens a DTLS session to the peer as client
 * with its OWN credentials from /oic/sec/cred, sends one request over it and reports the
 * answer; the session stays open for the next request (the peer's idle timeout, or
 * ocf_device_client_close, ends it). The peer judges the request by this device's uuid (its
 * ACEs, digest 7). */
typedef enum ocf_device_client_cred {
  OCF_DEVICE_CLIENT_CRED_ANY = 0, /* whatever cred holds: the pair-wise key for the peer and/or the
                                     identity certificate; the peer picks the suite */
  OCF_DEVICE_CLIENT_CRED_PSK,     /* the credtype-1 pair-wise key whose subjectuuid is the peer;
                                     PSK identity = this device's uuid (digest 4.1) */
  OCF_DEVICE_CLIENT_CRED_CERT,    /* the identity certificate (credusage cert) and the trust
                                     anchors; the peer's certificate must name the peer's uuid */
} ocf_device_client_cred;

#define OCF_DEVICE_CLIENT_BODY_MAX 1024 /* request body this API copies */

typedef struct ocf_device_client_params {
  ocf_endpoint to;             /* the peer's coaps endpoint (OCF_EP_SECURE, unicast) */
  ocf_uuid peer;               /* the peer's deviceuuid: picks the key, checked against its certificate */
  ocf_device_client_cred cred; /* which credentials to offer */
  ocf_method method;           /* GET, POST or DELETE */
  const char *href;            /* "/switch" */
  const char *query;           /* "if=oic.if.baseline" or NULL */
  const uint8_t *body;         /* CBOR (Content-Format 10000) or NULL */
  size_t body_len;             /* <= OCF_DEVICE_CLIENT_BODY_MAX */
} ocf_device_client_params;

typedef struct ocf_device_client_result {
  /* OCF_OK: an answer came (code). OCF_ERR_DENIED: the session was refused or failed its checks
   * (wrong key, certificate refused, the peer's certificate names another uuid);
   * OCF_ERR_TIMEOUT: no answer; OCF_ERR_RESET: the session ended before the answer; others from
   * the CoAP layer. */
  ocf_err err;
  ocf_status code;
  ocf_peer_auth auth;     /* how the session authenticated: PSK or CERT */
  const uint8_t *payload; /* the answer's body (CBOR), valid during the callback */
  size_t payload_len;
  const ocf_rep_node *body; /* payload decoded; NULL when empty or not a representation */
} ocf_device_client_result;

typedef void (*ocf_device_client_cb)(void *user, ocf_device *d, const ocf_device_client_result *r);

/* Sends one request to another device; cb runs exactly once, from a later engine call (never
 * from this one). One request at a time per device. OCF_ERR_INVALID_ARG (NULL, not a secure
 * unicast endpoint, no href, a method other than GET/POST/DELETE, body too long, no cb);
 * OCF_ERR_STATE (the device has no DTLS, or is not in RFPRO or RFNOP: an unowned device has no
 * credentials of a domain); OCF_ERR_BUSY (a request is under way); OCF_ERR_NOT_FOUND (cred holds
 * nothing of the kind asked for the peer); the errors of the DTLS and CoAP layers. */
OCF_API OCF_NODISCARD ocf_err ocf_device_client_request(ocf_device *d, const ocf_device_client_params *r,
                                                        ocf_time_ms now, ocf_device_client_cb cb, void *user);
/* Ends the established session with `to` (close_notify). OCF_ERR_NOT_FOUND when none. */
OCF_API ocf_err ocf_device_client_close(ocf_device *d, const ocf_endpoint *to, ocf_time_ms now);

/* --- application resources ---------------------------------------------------------------- */

enum ocf_resource_flags {
  OCF_RES_DISCOVERABLE = 1u << 0, /* listed in /oic/res (p.bm bit 1) */
  OCF_RES_OBSERVABLE = 1u << 1,   /* p.bm bit 2 (observe itself is not served yet) */
  OCF_RES_SECURE = 1u << 2,       /* only coaps eps are advertised (digest 1.4) */
};

typedef struct ocf_resource_def {
  const char *href;              /* "/switch": '/', then printable ASCII, no "?" or "#" */
  const char *const *types;      /* rt, at least one */
  size_t n_types;                /* <= OCF_DEVICE_MAX_TYPES */
  const char *const *interfaces; /* if, default first; oic.if.baseline is added when missing */
  size_t n_interfaces;           /* 1..OCF_DEVICE_MAX_INTERFACES (with baseline) */
  const char *name;              /* optional "n" of the baseline representation */
  unsigned flags;                /* ocf_resource_flags */
  /* Per-method handlers; NULL = 4.05. PUT is never served (OCF uses POST; digest §0). */
  ocf_handler get, post, del;
  void *user; /* handed to the handlers; must outlive the device */
} ocf_resource_def;

/* Registers an application resource (the strings are copied).
 * OCF_ERR_INVALID_ARG (bad href, no type, a string empty or over OCF_DEVICE_STR_MAX, an
 * interface name OCF does not define, too many types or interfaces, no handler at all);
 * OCF_ERR_STATE (the href is taken); OCF_ERR_NO_SPACE (max_resources reached);
 * OCF_ERR_NO_MEMORY. */
OCF_API OCF_NODISCARD ocf_err ocf_device_add_resource(ocf_device *d, const ocf_resource_def *def);

#ifdef __cplusplus
}
#endif
#endif
