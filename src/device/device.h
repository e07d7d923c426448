/* Internals of the device layer: the resource table, the interface table and the request view
 * shared by dispatch.c (checks and the response), core_res.c (/oic/res, /oic/d, /oic/p) and,
 * later, the Security Virtual Resources. */
#ifndef OCF_DEVICE_DEVICE_H
#define OCF_DEVICE_DEVICE_H

#include <ocf/ocf_device.h>

#include "coap/coap.h"
#include "msg/msg.h"
#include "rep/rep.h"

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

#define DEVICE_CORE_RESOURCES 3 /* /oic/res /oic/p /oic/d; SVRs will add theirs */
#define DEVICE_RES_OIC_D 2      /* table index of /oic/d (core_res.c registers in this order) */

typedef struct device_resource {
  char href[OCF_DEVICE_HREF_MAX];
  char types[OCF_DEVICE_MAX_TYPES][OCF_DEVICE_STR_MAX + 1];
  size_t n_types;
  uint8_t ifaces[OCF_DEVICE_MAX_INTERFACES]; /* device_iface; [0] is the default */
  size_t n_ifaces;
  char name[OCF_DEVICE_STR_MAX + 1]; /* "" = none */
  unsigned flags;                    /* ocf_resource_flags */
  ocf_handler get, post, del;
  void *user;
} device_resource;

struct ocf_device {
  ocf_platform pf;
  ocf_msg *msg;
  char name[OCF_DEVICE_STR_MAX + 1];
  char icv[OCF_DEVICE_STR_MAX + 1];
  char dmv[OCF_DEVICE_DMV_MAX + 1];
  char mnmn[OCF_DEVICE_STR_MAX + 1];
  ocf_uuid di, piid, pi;
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
const device_resource *device_find(const ocf_device *d, const char *href);

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
};

/* The msg layer's request callback: every check, the handler, the response (dispatch.c). */
void device_on_request(void *user, ocf_msg *m, const ocf_msg_incoming *in);

/* Whether an advertised endpoint belongs in a reply to a request from peer: same IP family and
 * interface (0 on either side matches any), as IoTivity-Lite filters eps. */
bool device_ep_matches_peer(const ocf_endpoint *ep, const ocf_endpoint *peer);

#endif
