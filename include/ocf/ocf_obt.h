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

/* What discovery learnt of one device. */
typedef struct ocf_obt_device_info {
  ocf_uuid di;                       /* from the anchor "ocf://<di>" of its links (digest §1.4) */
  ocf_endpoint from;                 /* the unicast address and port it answered from */
  ocf_endpoint eps[OCF_OBT_MAX_EPS]; /* its advertised endpoints (coap and coaps), de-duplicated;
                                      * link-local ones get the arrival interface (pitfall 28) */
  size_t n_eps;
  bool has_details;                   /* /oic/d was read: the three fields below are set */
  char name[OCF_OBT_NAME_MAX];        /* /oic/d n */
  char device_type[OCF_OBT_TYPE_MAX]; /* the first /oic/d rt other than oic.wk.d */
  char icv[OCF_OBT_ICV_MAX];          /* /oic/d icv, e.g. "ocf.2.5.0" */
} ocf_obt_device_info;

typedef struct ocf_obt_discover_params {
  /* Up to 4 multicast groups (one request, the same message id and token: pitfall 37) or one
   * unicast address. ocf_obt_discovery_groups fills the usual groups. */
  const ocf_endpoint *targets;
  size_t n_targets;
  uint32_t window_ms; /* multicast: 0 = the configured discovery_window_ms */
  /* Called once per device when the listening window is over and its /oic/d was read (or could
   * not be), with the endpoints of all its answers merged. `dev` is valid during the call only. */
  void (*on_device)(void *user, const ocf_obt_device_info *dev);
  /* Called once at the end: OCF_OK, or why discovery failed (e.g. OCF_ERR_TIMEOUT for a
   * unicast target that never answered). n_devices = devices reported. */
  void (*on_done)(void *user, ocf_err err, size_t n_devices);
  void *user;
} ocf_obt_discover_params;

/* Starts discovery: GET /oic/res to the targets, then GET /oic/d of every device that answers
 * (devices answering on several families or interfaces are reported once, by di).
 * OCF_ERR_INVALID_ARG (no targets, no callbacks, more than 4 targets, mixed unicast and
 * multicast), OCF_ERR_BUSY (a discovery is already running), OCF_ERR_NO_MEMORY. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_discover(ocf_obt *obt, const ocf_obt_discover_params *p,
                                               ocf_time_ms now);

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
