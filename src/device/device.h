/* Internals of the device layer: the resource table, the interface table and the request view
 * shared by dispatch.c (checks and the response), core_res.c (/oic/res, /oic/d, /oic/p) and,
 * later, the Security Virtual Resources. */
#ifndef OCF_DEVICE_DEVICE_H
#define OCF_DEVICE_DEVICE_H

#include <ocf/ocf_device.h>

#include "coap/coap.h"
#include "msg/msg.h"
#include "rep/rep.h"
#include "stack/stack.h"

/* --- interfaces (digest 1.6) --------------------------------------------------------------- */

typedef enum device_iface {
  IFACE_BASELINE = 0,
  IFACE_LL,
  IFACE_B,
  IFACE_R,
  IFACE_RW,
  IFACE_A,
  IFACE_S,
  IFACE_W,
  IFACE_CREATE,
  IFACE_STARTUP,
  IFACE_STARTUP_REVERT,
  IFACE_COUNT,
  IFACE_NONE = 0xff,
} device_iface;

/* "oic.if.baseline" ... ; NULL for an unknown index. */
const char *device_iface_name(uint8_t iface);
/* The index of an interface name (len bytes, not NUL-terminated), or IFACE_NONE. */
uint8_t device_iface_lookup(const char *name, size_t len);
/* Whether the interface admits the method (IoTivity-Lite oc_ri_interface_supports_method,
 * OCF Core 7.5.3 as digest 1.6 restates it). */
bool device_iface_allows(uint8_t iface, ocf_method method);

/* --- resources ------------------------------------------------------------------------------ */

#define DEVICE_CORE_RESOURCES 3 /* /oic/res /oic/p /oic/d */
#define DEVICE_SVR_RESOURCES 10 /* doxm pstat cred acl2 sp sdi csr crl roles ael (sec_res.c) */
#define DEVICE_RES_OIC_D 2      /* table index of /oic/d (core_res.c registers in this order) */

/* What a resource is, for access control (digest 2.0: DCRs are the core resources and the
 * SVRs; everything else is an NCR). */
typedef enum device_res_kind {
  DEVICE_RES_APP = 0, /* an application resource: NCR */
  DEVICE_RES_CORE,    /* /oic/res, /oic/d, /oic/p: DCR */
  DEVICE_RES_SVR,     /* a Security Virtual Resource: DCR */
} device_res_kind;

/* Internal flag beside ocf_resource_flags: doxm and pstat list coap:// eps too while the device
 * is in RFOTM with no DTLS peer, and coaps:// only otherwise (digest 1.4). */
#define DEVICE_RES_PLAIN_IN_RFOTM (1u << 8)

typedef struct device_resource {
  char href[OCF_DEVICE_HREF_MAX];
  char types[OCF_DEVICE_MAX_TYPES][OCF_DEVICE_STR_MAX + 1];
  size_t n_types;
  uint8_t ifaces[OCF_DEVICE_MAX_INTERFACES]; /* device_iface; [0] is the default */
  size_t n_ifaces;
  char name[OCF_DEVICE_STR_MAX + 1]; /* "" = none */
  unsigned flags;                    /* ocf_resource_flags, DEVICE_RES_PLAIN_IN_RFOTM */
  uint8_t kind;                      /* device_res_kind */
  ocf_handler get, post, del;
  void *user;
} device_resource;

typedef struct device_sec device_sec;
typedef struct device_client device_client;

struct ocf_device {
  ocf_platform pf;
  ocf_stack *stack;             /* the CoAP endpoint over UDP (and DTLS when configured: ADR 0013) */
  ocf_msg *msg;                 /* the stack's msg context */
  device_sec *sec;              /* SVRs, sessions, persistence (sec.h) */
  device_client *client;        /* requests to other devices (client.c); NULL until the first */
  ocf_stack_callbacks dtls_cbs; /* the DTLS glue's own callbacks (device_create_secure) */
  ocf_time_ms now;              /* the latest time the host passed in */
  char name[OCF_DEVICE_STR_MAX + 1];
  char icv[OCF_DEVICE_STR_MAX + 1];
  char dmv[OCF_DEVICE_DMV_MAX + 1];
  char mnmn[OCF_DEVICE_STR_MAX + 1];
  ocf_uuid di, piid, pi; /* di = doxm deviceuuid, kept in step by sec_commit (digest 1.5) */
  char di_str[OCF_UUID_STR_LEN];
  ocf_endpoint eps[OCF_DEVICE_MAX_ENDPOINTS];
  size_t n_eps;
  device_resource *res; /* core resources first, then the application's */
  size_t n_res, cap_res;
  /* One request is handled at a time (handlers run synchronously inside handle_datagram), so
   * the response buffer and the decoder's nodes are allocated once, at creation. */
  uint8_t *rsp_buf;
  size_t rsp_cap;
  ocf_rep_node *nodes;
  size_t n_nodes;
};

/* Checks def and appends it to the table (see ocf_device_add_resource for the errors). */
OCF_NODISCARD ocf_err device_add(ocf_device *d, const ocf_resource_def *def);
/* The same for the device's own resources: kind, and internal flags allowed. */
OCF_NODISCARD ocf_err device_add_kind(ocf_device *d, const ocf_resource_def *def, device_res_kind kind);

/* A device whose stack also runs DTLS (the DTLS glue's entry point): stack_cfg gives the DTLS
 * roles and sizes (NULL: plain only), cbs the credential callbacks and an on_session that runs
 * after the device's own session tracking (device_sec_session_established / _closed). Every
 * one of them receives the device as its user (cbs->user is ignored). */
OCF_NODISCARD ocf_err device_create_secure(const ocf_platform *pf, const ocf_device_config *cfg,
                                           const ocf_stack_config *stack_cfg, const ocf_stack_callbacks *cbs,
                                           ocf_device **out);
/* Copies doxm deviceuuid, piid and pi of the current models into the device (di_str too). */
void device_sync_identity(ocf_device *d);
const device_resource *device_find(const ocf_device *d, const char *href);

/* client.c: a session event for the request under way (after the device's own tracking), and
 * the teardown. */
void device_client_on_session(ocf_device *d, const ocf_dtls_event *ev);
void device_client_destroy(ocf_device *d);

/* Registers /oic/res, /oic/p and /oic/d (core_res.c). */
OCF_NODISCARD ocf_err device_add_core_resources(ocf_device *d);

/* --- requests ------------------------------------------------------------------------------- */

struct ocf_request {
  const ocf_device *dev;
  const device_resource *res;
  const ocf_coap_msg *msg;
  ocf_method method;
  uint8_t iface; /* device_iface that applies */
  const ocf_rep_node *body;
  ocf_peer peer;
  ocf_time_ms now;
  bool over_doc; /* the request came over the Device Onboarding Connection */
};

/* The msg layer's request callback: every check, the handler, the response (dispatch.c). */
void device_on_request(void *user, ocf_msg *m, const ocf_msg_incoming *in);

/* Whether an advertised endpoint belongs in a reply to a request from peer: same IP family and
 * interface (0 on either side matches any), as IoTivity-Lite filters eps. */
bool device_ep_matches_peer(const ocf_endpoint *ep, const ocf_endpoint *peer);

#endif
