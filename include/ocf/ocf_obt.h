/* The onboarding tool engine (sans-I/O): discovery of OCF devices, and ownership transfer
 * (<ocf/ocf_obt_onboard.h>).
 *
 * An ocf_obt is one CoAP endpoint over UDP and DTLS (coap:// and coaps://, as a DTLS client)
 * driven through <ocf/ocf_engine.h> (ocf_obt_engine): the host feeds it datagrams and time and
 * sends what it queues (the posix loop does this for the obt program, with coaps sockets open;
 * tests use an in-memory network). Credential and access management arrive in later slices. */
#ifndef OCF_OBT_H
#define OCF_OBT_H

#include "ocf_endpoint.h"
#include "ocf_engine.h"
#include "ocf_platform.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ocf_obt ocf_obt;

typedef struct ocf_obt_config {
  uint32_t discovery_window_ms; /* how long a multicast discovery listens; default 5000 */
  size_t max_devices;           /* devices one discovery keeps; default 4096 */
  /* Onboarding (<ocf/ocf_obt_onboard.h>): jobs running at once (default 16), DTLS handshakes
   * at once (default 4), and how long one step (a request, a handshake) may take before its
   * job fails (default 30000 ms; CoAP retransmission gives up later on its own). */
  size_t max_jobs;
  size_t max_handshakes;
  uint32_t step_timeout_ms;
  /* A step's request that got no answer within step_timeout_ms (or whose CoAP retransmissions
   * ran out) is sent again, as a new request with a fresh backoff, up to this many times before
   * the job fails; the rollback's reset likewise. On a lossy link CoAP's own schedule leaves
   * only four transmissions inside a 30 s deadline (docs/HARDENING.md, "Lossy networks"). The
   * owner credential's POST too (our devices take the same one again as a no-op, digest 2.3; an
   * IoTivity-Lite device keeps a second, identical entry). A DTLS handshake that did not finish
   * is tried again as often, from the oxmsel step once the device answers GET /oic/sec/doxm
   * again (a device resets itself with a new uuid after an abandoned one, digest 3.6: the job
   * and the store follow it; a Random PIN device shows a new PIN: OCF_OBT_EV_PIN_NEEDED comes
   * again). Default 0; obt onboard uses 2. */
  uint32_t step_retries;
  /* How many times discovery sends its first request to multicast groups (default 3), spaced
   * over the window's first part (each copy is still heard for 2 s); and how many times a
   * device's own discovery requests (/oic/res, /oic/d, doxm) are asked when CoAP's
   * retransmissions got no answer. A unicast first request (one address) is sent once: it is
   * CON, retransmitted by CoAP (RFC 7252 4.2). A multicast request is NON (never retransmitted, RFC
   * 7252 8.1): one copy lost on a lossy link, or its answer, and the device is missed (docs/HARDENING.md,
   * "Lossy networks"). Answers are merged by uuid, so repeats only cost datagrams. 0 counts as 1. */
  uint32_t discovery_repeats;
  /* Server multicast replies arrive up to 2 s late (digest §1.7): with a window shorter than
   * that, slow devices are missed. */
} ocf_obt_config;

OCF_API void ocf_obt_config_init(ocf_obt_config *cfg);

/* pf must outlive the tool; cfg NULL = defaults.
 * OCF_ERR_INVALID_ARG, OCF_ERR_NO_MEMORY, or the error of pf->random. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_create(const ocf_platform *pf, const ocf_obt_config *cfg,
                                             ocf_obt **out);
/* Frees the tool; a discovery in progress ends without callbacks. NULL is fine. */
OCF_API void ocf_obt_destroy(ocf_obt *obt);
/* The engine the host drives; valid as long as obt. */
OCF_API ocf_engine ocf_obt_engine(ocf_obt *obt);

/* --- discovery ------------------------------------------------------------------------------- */

#define OCF_OBT_NAME_MAX 64
#define OCF_OBT_TYPE_MAX 64
#define OCF_OBT_ICV_MAX 32
#define OCF_OBT_MAX_EPS 8
#define OCF_OBT_MAX_OXMS 8 /* OTMs kept from one doxm answer (SEC:doxm lists 0..4 and vendor ones) */

/* What discovery learnt of one device. */
typedef struct ocf_obt_device_info {
  ocf_uuid di; /* the anchor "ocf://<di>" of its links (digest §1.4); unowned mode: its doxm deviceuuid */
  ocf_endpoint from;                 /* the unicast address and port it answered from */
  ocf_endpoint eps[OCF_OBT_MAX_EPS]; /* its advertised endpoints (coap and coaps), de-duplicated;
                                      * link-local ones get the arrival interface (pitfall 28) */
  size_t n_eps;
  bool has_details;                   /* /oic/d was read: the three fields below are set */
  char name[OCF_OBT_NAME_MAX];        /* /oic/d n */
  char device_type[OCF_OBT_TYPE_MAX]; /* the first /oic/d rt other than oic.wk.d */
  char icv[OCF_OBT_ICV_MAX];          /* /oic/d icv, e.g. "ocf.2.5.0" */
  /* Its /oic/sec/doxm (SEC:doxm; digest 2.1), when has_doxm: read by OCF_OBT_DISCOVER_UNOWNED,
   * or by OCF_OBT_DISCOVER_ALL with read_doxm. Devices answer it over plain CoAP only while in
   * RFOTM (digest 3.3, 1.7): an owned one refuses (doxm_code 401), so "owned" is mostly known
   * from the refusal, and devowneruuid only from devices that answer anyway. */
  bool has_doxm;
  uint16_t doxm_code; /* !has_doxm: the CoAP code it answered doxm with (class * 100 + detail), 0 none */
  uint32_t oxms[OCF_OBT_MAX_OXMS]; /* supported OTMs (ocf_obt_otm numbers, vendor ones too) */
  size_t n_oxms;
  uint32_t sct; /* supported credential types (credtype bits) */
  bool owned;
  ocf_uuid devowneruuid;
  /* Its answers disagree on who it is: a doxm deviceuuid that is not the di of its /oic/res
   * links, or two different doxm answers for one uuid (a clone or a liar). Its doxm fields are
   * then the first answer's; obt onboard leaves such a device alone. */
  bool conflict;
} ocf_obt_device_info;

typedef enum ocf_obt_discover_mode {
  /* GET /oic/res to the targets (every device answers, owned or not), then GET /oic/d of each
   * (and GET /oic/sec/doxm with read_doxm). */
  OCF_OBT_DISCOVER_ALL = 0,
  /* GET /oic/sec/doxm?owned=FALSE to the targets: only unowned devices in RFOTM answer (S001
   * 7.3.1, S003 5.3.1 step 1; digest 1.7). Then GET /oic/res?rt=oic.r.doxm of each (its
   * endpoints, coaps among them, and the di that must equal the doxm deviceuuid) and /oic/d. */
  OCF_OBT_DISCOVER_UNOWNED,
} ocf_obt_discover_mode;

typedef struct ocf_obt_discover_params {
  /* Up to 4 multicast groups (one request, the same message id and token: pitfall 37) or one
   * unicast address. ocf_obt_discovery_groups fills the usual groups. */
  const ocf_endpoint *targets;
  size_t n_targets;
  uint32_t window_ms; /* multicast: 0 = the configured discovery_window_ms */
  ocf_obt_discover_mode mode;
  bool read_doxm;   /* OCF_OBT_DISCOVER_ALL: also GET /oic/sec/doxm of each device (one request more) */
  uint32_t repeats; /* 0 = the configured discovery_repeats */
  /* Called once per device when the listening window is over and its /oic/d was read (or could
   * not be), with the endpoints of all its answers merged. `dev` is valid during the call only. */
  void (*on_device)(void *user, const ocf_obt_device_info *dev);
  /* Called once at the end: OCF_OK, or why discovery failed (e.g. OCF_ERR_TIMEOUT for a
   * unicast target that never answered). n_devices = devices reported. */
  void (*on_done)(void *user, ocf_err err, size_t n_devices);
  void *user;
} ocf_obt_discover_params;

/* Starts discovery as p->mode says (devices answering on several families or interfaces, or
 * twice, are reported once, by uuid, with their endpoints merged).
 * OCF_ERR_INVALID_ARG (no targets, no callbacks, more than 4 targets, mixed unicast and
 * multicast), OCF_ERR_BUSY (a discovery is already running), OCF_ERR_NO_MEMORY. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_discover(ocf_obt *obt, const ocf_obt_discover_params *p,
                                               ocf_time_ms now);

/* A /oic/sec/doxm representation (SEC:doxm; digest 2.1), the properties the tool reads. */
typedef struct ocf_obt_doxm {
  uint32_t oxms[OCF_OBT_MAX_OXMS]; /* the first OCF_OBT_MAX_OXMS listed */
  size_t n_oxms;
  uint32_t sct;
  bool owned;
  ocf_uuid deviceuuid, devowneruuid;
} ocf_obt_doxm;

/* Reads a doxm answer as discovery does, boundedly (a few dozen CBOR nodes): a map with
 * deviceuuid (not nil), devowneruuid, owned, sct (0..511) and oxms (at most 32 unsigned
 * numbers). OCF_ERR_MALFORMED otherwise; OCF_ERR_INVALID_ARG for NULL. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_doxm_parse(const uint8_t *payload, size_t len, ocf_obt_doxm *out);

/* Whether a discovery is running. */
OCF_API bool ocf_obt_discovering(const ocf_obt *obt);

/* Fills out[] with the OCF "All Nodes" groups on port 5683 (digest §1.1): ff02::158 (link,
 * with ifindex), ff03::158 (realm) and ff05::158 (site) when ipv6, then 224.0.1.187 when ipv4 —
 * at most 4. Returns how many. */
OCF_API size_t ocf_obt_discovery_groups(uint32_t ifindex, bool ipv6, bool ipv4, ocf_endpoint out[4]);

#ifdef __cplusplus
}
#endif
#endif
