/* The device object: configuration, identity, advertised endpoints, the resource table and the
 * engine the host drives. Request handling is in dispatch.c, the core resources in core_res.c. */
#include <string.h>

#include "base/log.h"
#include "base/uuid.h"
#include "device/device.h"
#include "device/sec.h"
#include "device/sec_dtls.h"

#define LOG_MODULE "device"

void ocf_device_config_init(ocf_device_config *cfg) {
  if (!cfg) return;
  memset(cfg, 0, sizeof *cfg);
  cfg->name = "OCF Device";
  cfg->icv = OCF_DEVICE_DEFAULT_ICV;
  cfg->dmv = OCF_DEVICE_DEFAULT_DMV;
  cfg->mnmn = "obt";
  cfg->max_resources = 32;
  cfg->max_response_body = 16384;
  cfg->max_request_nodes = 512;
  cfg->otms[0] = OCF_DEVICE_OTM_JUST_WORKS;
  cfg->n_otms = 1;
  cfg->sct = 1; /* credtype 1: pair-wise PSK, what every OTM provisions (digest 2.1) */
  cfg->dtls = true;
}

/* Length of s, reading at most max + 1 bytes (strnlen is POSIX, not C17). */
static size_t bounded_len(const char *s, size_t max) {
  size_t len = 0;
  while (len <= max && s[len]) len++;
  return len;
}

/* Copies a NUL-terminated string of 1..max bytes into out[max + 1]. */
static bool copy_str(char *out, const char *s, size_t max) {
  if (!s) return false;
  size_t len = bounded_len(s, max);
  if (len == 0 || len > max) return false;
  memcpy(out, s, len);
  out[len] = '\0';
  return true;
}

static bool config_valid(const ocf_device_config *cfg) {
  if (cfg->n_device_types > OCF_DEVICE_MAX_TYPES - 1 || cfg->max_resources == 0 ||
      cfg->max_response_body == 0 || cfg->max_request_nodes == 0)
    return false;
  /* caps that keep the preallocated buffers sane */
  if (cfg->max_resources > 1024 || cfg->max_response_body > (1u << 20) || cfg->max_request_nodes > 65536)
    return false;
  if (cfg->n_otms == 0 || cfg->n_otms > OCF_DEVICE_MAX_OTMS || cfg->sct > 511) return false;
  if (cfg->session_idle_ms > 86400000u) return false;
  for (size_t i = 0; i < cfg->n_otms; i++) {
    for (size_t j = 0; j < i; j++)
      if (cfg->otms[j] == cfg->otms[i]) return false;
  }
  return device_dtls_config_valid(cfg); /* every OTM registered, mfg credentials, PIN length */
}

static ocf_err take_identity(ocf_device *d, const ocf_device_config *cfg) {
  ocf_err err = OCF_OK;
  if (cfg->has_di)
    d->di = cfg->di;
  else
    err = ocf_uuid_generate(&d->pf, &d->di);
  if (err == OCF_OK && cfg->has_piid)
    d->piid = cfg->piid;
  else if (err == OCF_OK)
    err = ocf_uuid_generate(&d->pf, &d->piid);
  if (err == OCF_OK && cfg->has_pi)
    d->pi = cfg->pi;
  else if (err == OCF_OK)
    err = ocf_uuid_generate(&d->pf, &d->pi);
  ocf_uuid_format(&d->di, d->di_str);
  return err;
}

static ocf_err take_strings(ocf_device *d, const ocf_device_config *cfg) {
  if (!copy_str(d->name, cfg->name, OCF_DEVICE_STR_MAX) || !copy_str(d->icv, cfg->icv, OCF_DEVICE_STR_MAX) ||
      !copy_str(d->dmv, cfg->dmv, OCF_DEVICE_DMV_MAX) || !copy_str(d->mnmn, cfg->mnmn, OCF_DEVICE_STR_MAX))
    return OCF_ERR_INVALID_ARG;
  return OCF_OK;
}

static void *zalloc(const ocf_platform *pf, size_t size) {
  void *p = pf->alloc(pf->ctx, size);
  if (p) memset(p, 0, size);
  return p;
}

/* --- session events from the stack (DTLS), to the security seam and then the glue -------- */

static void on_session(void *user, ocf_stack *stack, const ocf_dtls_event *ev) {
  ocf_device *d = user;
  if (ev->type == OCF_DTLS_EV_ESTABLISHED) {
    sec_peer peer;
    device_sec_peer_from_info(ev->info, d->sec->cur->doxm.oxmsel, &peer);
    ocf_acl_auth otm_auth;
    if (device_dtls_otm_auth(d, &ev->info->peer, &otm_auth)) {
      /* The onboarding handshake authenticates no client identity: the Random PIN identity
       * "oic.sec.doxm.rdp" is 16 bytes long but names nobody (digest 4.3). */
      peer.auth = otm_auth;
      peer.has_uuid = false;
      memset(&peer.uuid, 0, sizeof peer.uuid);
      peer.key_len = 0; /* the mfgcert OTM's client key asserts nothing later */
    }
    ocf_err err = device_sec_session_established(d, &peer, d->now);
    ocf_endpoint idlest;
    if (err == OCF_ERR_NO_SPACE && device_sec_idlest_session(d, &idlest)) {
      /* Sessions a crashed or vanished client left behind would otherwise lock everyone out
       * until they idle out (session_idle_ms): the one idle the longest makes room. */
      ocf_log(&d->pf, OCF_LOG_INFO, LOG_MODULE, "session table full: closing the session idle the longest");
      device_sec_session_closed(d, &idlest, d->now);
      (void)ocf_stack_close(stack, &idlest, d->now);
      err = device_sec_session_established(d, &peer, d->now);
    }
    if (err != OCF_OK) {
      ocf_log(&d->pf, OCF_LOG_WARN, LOG_MODULE, "too many sessions: closing the new one");
      (void)ocf_stack_close(stack, &ev->info->peer, d->now);
    }
  } else {
    device_sec_session_closed(d, &ev->info->peer, d->now);
  }
  if (d->dtls_cbs.on_session) d->dtls_cbs.on_session(d, stack, ev);
  device_client_on_session(d, ev);
}

static ocf_err allocate(ocf_device *d, const ocf_device_config *cfg, const ocf_stack_config *stack_cfg,
                        const ocf_stack_callbacks *cbs) {
  d->cap_res = DEVICE_CORE_RESOURCES + DEVICE_SVR_RESOURCES + cfg->max_resources;
  d->res = zalloc(&d->pf, d->cap_res * sizeof *d->res);
  d->rsp_cap = cfg->max_response_body;
  d->rsp_buf = zalloc(&d->pf, d->rsp_cap);
  d->n_nodes = cfg->max_request_nodes;
  d->nodes = zalloc(&d->pf, d->n_nodes * sizeof *d->nodes);
  if (!d->res || !d->rsp_buf || !d->nodes) return OCF_ERR_NO_MEMORY;
  ocf_stack_callbacks own = {0};
  if (cbs) {
    d->dtls_cbs = *cbs;
    own = *cbs;
  }
  /* The stack hands one user to every callback: the device, which the glue's credential
   * callbacks therefore receive as their user (device_create_secure). */
  own.user = d;
  own.on_session = on_session;
  ocf_err err = ocf_stack_create(&d->pf, stack_cfg, &own, &d->stack);
  if (err == OCF_OK) d->msg = ocf_stack_msg(d->stack);
  return err;
}

/* /oic/d rt: oic.wk.d, then the device types (digest 1.5). */
static ocf_err add_device_types(ocf_device *d, const ocf_device_config *cfg) {
  device_resource *oic_d = &d->res[DEVICE_RES_OIC_D];
  for (size_t i = 0; i < cfg->n_device_types; i++) {
    if (oic_d->n_types >= OCF_DEVICE_MAX_TYPES ||
        !copy_str(oic_d->types[oic_d->n_types], cfg->device_types[i], OCF_DEVICE_STR_MAX))
      return OCF_ERR_INVALID_ARG;
    oic_d->n_types++;
  }
  return OCF_OK;
}

ocf_err ocf_device_create(const ocf_platform *pf, const ocf_device_config *cfg, ocf_device **out) {
  ocf_device_config defaults;
  if (!cfg) {
    ocf_device_config_init(&defaults);
    cfg = &defaults;
  }
  if (!cfg->dtls) return device_create_secure(pf, cfg, NULL, NULL, out);
  ocf_stack_config sc;
  ocf_stack_callbacks cbs;
  device_dtls_stack_config(&sc, &cbs); /* the coaps server and its OTMs (sec_dtls.c) */
  if (cfg->session_idle_ms) sc.dtls.idle_timeout_ms = cfg->session_idle_ms;
  return device_create_secure(pf, cfg, &sc, &cbs, out);
}

ocf_err device_create_secure(const ocf_platform *pf, const ocf_device_config *cfg,
                             const ocf_stack_config *stack_cfg, const ocf_stack_callbacks *cbs,
                             ocf_device **out) {
  if (!out) return OCF_ERR_INVALID_ARG;
  *out = NULL;
  if (!pf || !pf->alloc || !pf->free || !pf->random) return OCF_ERR_INVALID_ARG;
  ocf_device_config defaults;
  if (!cfg) {
    ocf_device_config_init(&defaults);
    cfg = &defaults;
  }
  if (!config_valid(cfg)) return OCF_ERR_INVALID_ARG;
  ocf_device *d = zalloc(pf, sizeof *d);
  if (!d) return OCF_ERR_NO_MEMORY;
  d->pf = *pf;
  ocf_err err = take_strings(d, cfg);
  if (err == OCF_OK) err = take_identity(d, cfg);
  if (err == OCF_OK) err = allocate(d, cfg, stack_cfg, cbs);
  if (err == OCF_OK) err = device_add_core_resources(d);
  if (err == OCF_OK) err = add_device_types(d, cfg);
  if (err == OCF_OK) err = device_sec_create(d, cfg);
  if (err == OCF_OK) d->cap_res = d->n_res + cfg->max_resources; /* the application's share */
  if (err != OCF_OK) {
    ocf_device_destroy(d);
    return err;
  }
  ocf_msg_set_request_handler(d->msg, device_on_request, d);
  ocf_log(&d->pf, OCF_LOG_INFO, LOG_MODULE, "device %s (%s) created in %s", d->di_str, d->name,
          ocf_dos_state_name(d->sec->cur->pstat.dos_s));
  *out = d;
  return OCF_OK;
}

void ocf_device_destroy(ocf_device *d) {
  if (!d) return;
  device_client_destroy(d);
  device_sec_destroy(d);
  ocf_stack_destroy(d->stack);
  if (d->res) d->pf.free(d->pf.ctx, d->res);
  if (d->rsp_buf) d->pf.free(d->pf.ctx, d->rsp_buf);
  if (d->nodes) d->pf.free(d->pf.ctx, d->nodes);
  d->pf.free(d->pf.ctx, d);
}

void ocf_device_get_di(const ocf_device *d, ocf_uuid *out) {
  if (d && out) *out = d->di;
}

void device_sync_identity(ocf_device *d) {
  const sec_models *m = d->sec->cur;
  d->di = m->doxm.deviceuuid;
  d->piid = m->piid;
  d->pi = m->pi;
  ocf_uuid_format(&d->di, d->di_str);
}

ocf_err ocf_device_set_endpoints(ocf_device *d, const ocf_endpoint *eps, size_t n) {
  if (!d || (n > 0 && !eps) || n > OCF_DEVICE_MAX_ENDPOINTS) return OCF_ERR_INVALID_ARG;
  for (size_t i = 0; i < n; i++) {
    if ((eps[i].family != OCF_IPV6 && eps[i].family != OCF_IPV4) || eps[i].port == 0 ||
        ocf_endpoint_is_multicast(&eps[i]))
      return OCF_ERR_INVALID_ARG;
  }
  for (size_t i = 0; i < n; i++) {
    d->eps[i] = eps[i];
    d->eps[i].flags &= OCF_EP_SECURE; /* only the scheme is meaningful here */
  }
  d->n_eps = n;
  return OCF_OK;
}

bool device_ep_matches_peer(const ocf_endpoint *ep, const ocf_endpoint *peer) {
  if (ep->family != peer->family) return false;
  return ep->ifindex == 0 || peer->ifindex == 0 || ep->ifindex == peer->ifindex;
}

/* --- the resource table ---------------------------------------------------------------------- */

const device_resource *device_find(const ocf_device *d, const char *href) {
  for (size_t i = 0; i < d->n_res; i++)
    if (strcmp(d->res[i].href, href) == 0) return &d->res[i];
  return NULL;
}

/* "/" followed by printable ASCII without '?', '#' or "//"; the path ocf_coap_get_path builds. */
static bool href_valid(const char *href) {
  if (!href || href[0] != '/') return false;
  size_t len = bounded_len(href, OCF_DEVICE_HREF_MAX);
  if (len < 2 || len >= OCF_DEVICE_HREF_MAX || href[len - 1] == '/') return false;
  for (size_t i = 1; i < len; i++) {
    char c = href[i];
    if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#' || (c == '/' && href[i - 1] == '/')) return false;
  }
  return true;
}

static ocf_err fill_interfaces(device_resource *r, const ocf_resource_def *def) {
  if (def->n_interfaces == 0 || !def->interfaces) return OCF_ERR_INVALID_ARG;
  bool has_baseline = false;
  for (size_t i = 0; i < def->n_interfaces; i++) {
    const char *name = def->interfaces[i];
    size_t len = name ? bounded_len(name, OCF_DEVICE_STR_MAX) : 0;
    uint8_t iface = name ? device_iface_lookup(name, len) : IFACE_NONE;
    if (iface == IFACE_NONE || r->n_ifaces >= OCF_DEVICE_MAX_INTERFACES) return OCF_ERR_INVALID_ARG;
    for (size_t j = 0; j < r->n_ifaces; j++)
      if (r->ifaces[j] == iface) return OCF_ERR_INVALID_ARG; /* listed twice */
    r->ifaces[r->n_ifaces++] = iface;
    has_baseline = has_baseline || iface == IFACE_BASELINE;
  }
  /* Every resource offers oic.if.baseline (digest 1.6). */
  if (!has_baseline) {
    if (r->n_ifaces >= OCF_DEVICE_MAX_INTERFACES) return OCF_ERR_INVALID_ARG;
    r->ifaces[r->n_ifaces++] = IFACE_BASELINE;
  }
  return OCF_OK;
}

static ocf_err fill_resource(device_resource *r, const ocf_resource_def *def, unsigned allowed_flags) {
  if (!href_valid(def->href) || def->n_types == 0 || def->n_types > OCF_DEVICE_MAX_TYPES || !def->types ||
      (!def->get && !def->post && !def->del) || (def->flags & ~allowed_flags))
    return OCF_ERR_INVALID_ARG;
  memcpy(r->href, def->href, strlen(def->href) + 1);
  for (size_t i = 0; i < def->n_types; i++)
    if (!copy_str(r->types[i], def->types[i], OCF_DEVICE_STR_MAX)) return OCF_ERR_INVALID_ARG;
  r->n_types = def->n_types;
  if (def->name && !copy_str(r->name, def->name, OCF_DEVICE_STR_MAX)) return OCF_ERR_INVALID_ARG;
  ocf_err err = fill_interfaces(r, def);
  if (err != OCF_OK) return err;
  r->flags = def->flags;
  r->get = def->get;
  r->post = def->post;
  r->del = def->del;
  r->user = def->user;
  return OCF_OK;
}

#define APP_FLAGS ((unsigned)(OCF_RES_DISCOVERABLE | OCF_RES_OBSERVABLE | OCF_RES_SECURE))

static ocf_err add_resource(ocf_device *d, const ocf_resource_def *def, device_res_kind kind) {
  if (!d || !def) return OCF_ERR_INVALID_ARG;
  if (d->n_res >= d->cap_res) return OCF_ERR_NO_SPACE;
  /* Built in the free slot, which becomes visible only by the count: a refusal changes nothing. */
  device_resource *r = &d->res[d->n_res];
  memset(r, 0, sizeof *r);
  ocf_err err =
      fill_resource(r, def, kind == DEVICE_RES_APP ? APP_FLAGS : APP_FLAGS | DEVICE_RES_PLAIN_IN_RFOTM);
  r->kind = (uint8_t)kind;
  if (err == OCF_OK && device_find(d, r->href)) err = OCF_ERR_STATE;
  if (err != OCF_OK) {
    memset(r, 0, sizeof *r);
    return err;
  }
  d->n_res++;
  return OCF_OK;
}

ocf_err device_add(ocf_device *d, const ocf_resource_def *def) {
  return add_resource(d, def, DEVICE_RES_APP);
}
ocf_err device_add_kind(ocf_device *d, const ocf_resource_def *def, device_res_kind kind) {
  return add_resource(d, def, kind);
}

ocf_err ocf_device_add_resource(ocf_device *d, const ocf_resource_def *def) {
  return add_resource(d, def, DEVICE_RES_APP);
}

/* --- engine: the stack's (ADR 0013), with the sessions the device closes itself ------------- */

static void engine_handle(void *ctx, const ocf_endpoint *from, const uint8_t *data, size_t len,
                          ocf_time_ms now) {
  ocf_device *d = ctx;
  d->now = now;
  if (d->sec->secure_bypass) {
    (void)ocf_msg_handle_datagram(d->msg, from, data, len, now); /* tests: the link is secure */
    return;
  }
  (void)ocf_stack_handle_datagram(d->stack, from, data, len, now); /* rejects are answered by msg */
}

static size_t engine_next(void *ctx, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  ocf_device *d = ctx;
  size_t n = d->sec->secure_bypass ? ocf_msg_next_datagram(d->msg, to, buf, cap)
                                   : ocf_stack_next_datagram(d->stack, to, buf, cap);
  if (n || !d->sec->close_pending) return n;
  /* The answer that asked for the reset is out: now the sessions may end (digest 3.5). */
  device_sec_flush_closes(d, d->now);
  return d->sec->secure_bypass ? ocf_msg_next_datagram(d->msg, to, buf, cap)
                               : ocf_stack_next_datagram(d->stack, to, buf, cap);
}

static ocf_time_ms engine_next_timeout(void *ctx) {
  const ocf_device *d = ctx;
  return d->sec->secure_bypass ? ocf_msg_next_timeout(d->msg) : ocf_stack_next_timeout(d->stack);
}

static void engine_on_timeout(void *ctx, ocf_time_ms now) {
  ocf_device *d = ctx;
  d->now = now;
  if (d->sec->secure_bypass)
    ocf_msg_on_timeout(d->msg, now);
  else
    ocf_stack_on_timeout(d->stack, now);
}

static const ocf_engine_ops k_device_engine_ops = {
    .handle_datagram = engine_handle,
    .next_datagram = engine_next,
    .next_timeout = engine_next_timeout,
    .on_timeout = engine_on_timeout,
};

ocf_engine ocf_device_engine(ocf_device *d) {
  ocf_engine e = {.ops = &k_device_engine_ops, .ctx = d};
  return e;
}
