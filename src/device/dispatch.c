/* One request, from the msg layer to a handler and back: the checks every resource shares, in
 * this order, each answering with its own code before anything runs (validate before apply):
 *
 *   multicast di= filter     silent            IoTivity-Lite oc_ri_filter_request_by_device_id
 *   proxy / conditions       5.05 / 4.12       RFC 7252 5.7.2, 5.10.8
 *   version options          4.15              digest 1.2 (2049 / 2053 below 2048)
 *   Content-Format           4.15              digest 1.2 (a body must be 10000 or 60)
 *   Accept                   4.06              digest 1.2
 *   resource                 4.04 (4.00 bad path)
 *   method has a handler     4.05              digest 1.2 (PUT is never served)
 *   interface                4.00 / 4.03       digest 1.2, 1.6 (several if=; unknown or refusing)
 *   access decision          4.01 / silent     digest 3.3, 3.4, 1.7 (svr/acl_decide.h)
 *   body decodes             4.00 / 4.13
 *   handler                  its code
 *
 * Errors are never sent to a multicast request: msg suppresses them (digest pitfall 29). */
#include <string.h>

#include "base/log.h"
#include "base/uuid.h"
#include "device/device.h"
#include "device/sec.h"

#define LOG_MODULE "device"

#define DEV_PASS 0x00   /* the check passed (never a response code: 0.00 is the empty message) */
#define DEV_SILENT 0xff /* answer nothing (class 7 is reserved, never a response code) */
#define PROXYING_NOT_SUPPORTED OCF_COAP_CODE(5, 5)

/* --- the request view ------------------------------------------------------------------------ */

ocf_method ocf_request_method(const ocf_request *req) { return req ? req->method : (ocf_method)0; }
const char *ocf_request_href(const ocf_request *req) { return req ? req->res->href : NULL; }
const char *ocf_request_interface(const ocf_request *req) {
  return req ? device_iface_name(req->iface) : NULL;
}
bool ocf_request_is_baseline(const ocf_request *req) { return req && req->iface == IFACE_BASELINE; }
const ocf_rep_node *ocf_request_body(const ocf_request *req) { return req ? req->body : NULL; }
const ocf_peer *ocf_request_peer(const ocf_request *req) { return req ? &req->peer : NULL; }
ocf_time_ms ocf_request_now(const ocf_request *req) { return req ? req->now : 0; }

bool ocf_request_query(const ocf_request *req, const char *key, size_t nth, const char **value,
                       size_t *value_len) {
  if (!req || !key || !value || !value_len) return false;
  const ocf_coap_option *o = NULL;
  for (size_t i = 0;; i++) {
    const uint8_t *v = NULL;
    size_t len = 0;
    o = ocf_coap_find_query(req->msg, key, o, &v, &len);
    if (!o) return false;
    if (i == nth) {
      *value = (const char *)v;
      *value_len = len;
      return true;
    }
  }
}

void ocf_request_encode_baseline(const ocf_request *req, ocf_rep_enc *rsp) {
  if (!req || !rsp || req->iface != IFACE_BASELINE) return;
  const device_resource *r = req->res;
  const char *list[OCF_DEVICE_MAX_TYPES > OCF_DEVICE_MAX_INTERFACES ? OCF_DEVICE_MAX_TYPES
                                                                    : OCF_DEVICE_MAX_INTERFACES];
  for (size_t i = 0; i < r->n_types; i++) list[i] = r->types[i];
  ocf_rep_enc_kv_cstr_array(rsp, "rt", list, r->n_types);
  for (size_t i = 0; i < r->n_ifaces; i++) list[i] = device_iface_name(r->ifaces[i]);
  ocf_rep_enc_kv_cstr_array(rsp, "if", list, r->n_ifaces);
  if (r->name[0]) ocf_rep_enc_kv_text(rsp, "n", r->name);
}

/* --- checks ---------------------------------------------------------------------------------- */

/* A multicast request naming other devices with di= is not for us (IoTivity-Lite
 * oc_ri_filter_request_by_device_id; digest 1.4). A di= that is not a UUID matches nothing. */
static bool multicast_for_us(const ocf_device *d, const ocf_coap_msg *m) {
  const ocf_coap_option *o = NULL;
  bool any = false;
  const uint8_t *v;
  size_t len;
  while ((o = ocf_coap_find_query(m, "di", o, &v, &len)) != NULL) {
    any = true;
    ocf_uuid u;
    if (ocf_uuid_parse((const char *)v, len, &u) == OCF_OK && ocf_uuid_equal(&u, &d->di)) return true;
  }
  return !any;
}

static uint8_t check_conditions(const ocf_coap_msg *m) {
  /* RFC 7252 5.7.2: we are not a proxy. */
  if (ocf_coap_find_option(m, OCF_COAP_OPT_PROXY_URI, NULL) ||
      ocf_coap_find_option(m, OCF_COAP_OPT_PROXY_SCHEME, NULL))
    return PROXYING_NOT_SUPPORTED;
  /* RFC 7252 5.10.8.2: every resource we serve exists. */
  if (ocf_coap_find_option(m, OCF_COAP_OPT_IF_NONE_MATCH, NULL)) return OCF_COAP_PRECONDITION_FAILED;
  /* RFC 7252 5.10.8.1: we keep no entity tags, so only the empty value ("any") can match. */
  const ocf_coap_option *o = NULL;
  bool any_if_match = false;
  while ((o = ocf_coap_find_option(m, OCF_COAP_OPT_IF_MATCH, o)) != NULL) {
    if (o->len == 0) return DEV_PASS;
    any_if_match = true;
  }
  return any_if_match ? OCF_COAP_PRECONDITION_FAILED : DEV_PASS;
}

/* How to answer: the Content-Format, and whether to add OCF-Content-Format-Version. */
typedef struct rsp_format {
  uint16_t cf;
  bool version; /* the client sent an OCF version option, so it knows them */
} rsp_format;

/* Digest 1.2: a version option below 2048 (OCF 1.0) is refused; absent ones mean OCF 1.0. */
static bool versions_ok(const ocf_coap_msg *m, rsp_format *fmt) {
  static const uint16_t numbers[] = {OCF_COAP_OPT_OCF_ACCEPT_VERSION, OCF_COAP_OPT_OCF_CONTENT_VERSION};
  for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
    const ocf_coap_option *o = NULL;
    while ((o = ocf_coap_find_option(m, numbers[i], o)) != NULL) {
      uint32_t v;
      if (ocf_coap_option_uint(o, &v) != OCF_OK || v < OCF_COAP_OCF_VERSION_1_0) return false;
      fmt->version = true;
    }
  }
  return true;
}

static bool cbor_format(uint32_t cf) { return cf == OCF_COAP_CF_VND_OCF_CBOR || cf == OCF_COAP_CF_CBOR; }

/* Content-Format, Accept and the version options; *fmt = how to answer. */
static uint8_t check_formats(const ocf_coap_msg *m, rsp_format *fmt) {
  if (!versions_ok(m, fmt)) return OCF_COAP_UNSUPPORTED_CONTENT_FORMAT;
  const ocf_coap_option *cf = ocf_coap_find_option(m, OCF_COAP_OPT_CONTENT_FORMAT, NULL);
  const ocf_coap_option *accept = ocf_coap_find_option(m, OCF_COAP_OPT_ACCEPT, NULL);
  uint32_t v;
  if (m->payload_len > 0) {
    /* RFC 7252 5.4.5: the option is not repeatable; a second one makes the format unknown. */
    if (!cf || ocf_coap_find_option(m, OCF_COAP_OPT_CONTENT_FORMAT, cf) ||
        ocf_coap_option_uint(cf, &v) != OCF_OK || !cbor_format(v))
      return OCF_COAP_UNSUPPORTED_CONTENT_FORMAT;
    fmt->cf = (uint16_t)v; /* an OIC 1.1 client sending 60 gets 60 back */
  }
  if (accept) {
    if (ocf_coap_find_option(m, OCF_COAP_OPT_ACCEPT, accept) || ocf_coap_option_uint(accept, &v) != OCF_OK ||
        !cbor_format(v))
      return OCF_COAP_NOT_ACCEPTABLE;
    fmt->cf = (uint16_t)v;
  }
  return DEV_PASS;
}

static uint8_t find_resource(const ocf_device *d, ocf_request *req) {
  char path[OCF_DEVICE_HREF_MAX];
  ocf_err err = ocf_coap_get_path(req->msg, path, sizeof path);
  if (err == OCF_ERR_NO_SPACE) return OCF_COAP_NOT_FOUND; /* longer than any href we serve */
  if (err != OCF_OK) return OCF_COAP_BAD_REQUEST;
  req->res = device_find(d, path);
  return req->res ? DEV_PASS : OCF_COAP_NOT_FOUND;
}

static ocf_handler handler_for(const device_resource *r, ocf_method method) {
  switch (method) {
  case OCF_METHOD_GET: return r->get;
  case OCF_METHOD_POST: return r->post;
  case OCF_METHOD_DELETE: return r->del;
  default: return NULL; /* PUT (digest §0), FETCH, PATCH ... */
  }
}

static bool resource_has_iface(const device_resource *r, uint8_t iface) {
  for (size_t i = 0; i < r->n_ifaces; i++)
    if (r->ifaces[i] == iface) return true;
  return false;
}

/* Digest 1.2 table (IoTivity-Lite): an interface the resource lacks, or one that does not admit
 * the method, is 4.03; two if= queries are ambiguous, 4.00. */
static uint8_t select_interface(ocf_request *req) {
  const uint8_t *v = NULL, *v2 = NULL;
  size_t len = 0, len2 = 0;
  const ocf_coap_option *o = ocf_coap_find_query(req->msg, "if", NULL, &v, &len);
  req->iface = req->res->ifaces[0]; /* the default interface */
  if (o) {
    if (ocf_coap_find_query(req->msg, "if", o, &v2, &len2)) return OCF_COAP_BAD_REQUEST;
    uint8_t iface = device_iface_lookup((const char *)v, len);
    if (iface == IFACE_NONE || !resource_has_iface(req->res, iface)) return OCF_COAP_FORBIDDEN;
    req->iface = iface;
  }
  return device_iface_allows(req->iface, req->method) ? DEV_PASS : OCF_COAP_FORBIDDEN;
}

/* The access decision (digest 3.4): a pure function of the resource, the method, the
 * onboarding state and the peer (sec_acl.c gathers the query). A denial is 4.01 (svr table,
 * OCF_SVR_E_DENIED); silence (the multicast doxm rule, digest 1.7) sends nothing, and so does a
 * denied multicast request (pitfall 29). */
static uint8_t authorize(ocf_device *d, const ocf_request *req) {
  ocf_acl_decision dec = device_sec_decide(d, req);
  if (dec.outcome == OCF_ACL_ALLOW) return DEV_PASS;
  ocf_log(&d->pf, OCF_LOG_DEBUG, LOG_MODULE, "%s %s: %s (%s)", req->peer.multicast ? "multicast" : "unicast",
          req->res->href, dec.outcome == OCF_ACL_SILENT ? "silent" : "denied", ocf_acl_rule_name(dec.rule));
  if (dec.outcome == OCF_ACL_SILENT || req->peer.multicast) return DEV_SILENT;
  return (uint8_t)ocf_svr_ekind_status(OCF_SVR_E_DENIED);
}

static uint8_t decode_body(const ocf_device *d, ocf_request *req) {
  if (req->msg->payload_len == 0) return DEV_PASS;
  ocf_rep_limits limits = ocf_rep_default_limits();
  if (limits.max_nodes > d->n_nodes) limits.max_nodes = (uint32_t)d->n_nodes;
  const ocf_rep_node *root = NULL;
  ocf_err err =
      ocf_rep_decode(req->msg->payload, req->msg->payload_len, &limits, d->nodes, d->n_nodes, &root);
  if (err == OCF_ERR_TOO_LARGE) return OCF_COAP_REQUEST_ENTITY_TOO_LARGE;
  if (err != OCF_OK) return OCF_COAP_BAD_REQUEST;
  req->body = root;
  return DEV_PASS;
}

/* Who sent the request: the endpoint, and for a secure one the identity of its DTLS session
 * (device_sec_identify). */
static void fill_peer(const ocf_device *d, ocf_request *req, const ocf_endpoint *ep) {
  ocf_peer *p = &req->peer;
  memset(p, 0, sizeof *p);
  p->ep = *ep;
  p->multicast = (ep->flags & OCF_EP_MULTICAST) != 0;
  p->conntype = (ep->flags & OCF_EP_SECURE) ? OCF_CONN_AUTH_CRYPT : OCF_CONN_ANON_CLEAR;
  sec_peer sp;
  if (device_sec_identify(d, ep, &sp)) {
    p->auth = (ocf_peer_auth)sp.auth;
    p->has_uuid = sp.has_uuid;
    p->uuid = sp.uuid;
  } else {
    p->auth = OCF_PEER_AUTH_ANON_DTLS; /* a secure endpoint without a known session: nobody */
  }
  req->over_doc = device_sec_over_doc(d, ep);
}

/* Runs the checks in the order of the table at the top; DEV_PASS when the handler may run. */
static uint8_t prepare(ocf_device *d, const ocf_msg_incoming *in, ocf_request *req, rsp_format *fmt) {
  memset(req, 0, sizeof *req);
  req->dev = d;
  req->msg = in->request;
  req->now = in->now;
  req->method = (ocf_method)in->request->code;
  fill_peer(d, req, in->peer);
  device_sec_touch(d, in->peer, req->now);
  if (req->peer.multicast && !multicast_for_us(d, req->msg)) return DEV_SILENT;
  uint8_t code = check_conditions(req->msg);
  if (code == DEV_PASS) code = check_formats(req->msg, fmt);
  if (code == DEV_PASS) code = find_resource(d, req);
  if (code == DEV_PASS && !handler_for(req->res, req->method)) code = OCF_COAP_METHOD_NOT_ALLOWED;
  if (code == DEV_PASS) code = select_interface(req);
  if (code == DEV_PASS) code = authorize(d, req);
  if (code == DEV_PASS) code = decode_body(d, req);
  return code;
}

/* --- handler and response -------------------------------------------------------------------- */

static uint8_t run_handler(ocf_device *d, const ocf_request *req, size_t *body_len) {
  ocf_rep_enc enc;
  ocf_rep_enc_init(&enc, d->rsp_buf, d->rsp_cap);
  ocf_status status = handler_for(req->res, req->method)(req->res->user, req, &enc);
  *body_len = 0;
  if (status == OCF_STATUS_IGNORE) return DEV_SILENT;
  uint8_t code = (uint8_t)status, cls = OCF_COAP_CODE_CLASS(code);
  if ((unsigned)status > 0xff || (cls != 2 && cls != 4 && cls != 5)) {
    ocf_log(&d->pf, OCF_LOG_ERROR, LOG_MODULE, "%s: handler returned %d, not a response code", req->res->href,
            (int)status);
    return OCF_COAP_INTERNAL_SERVER_ERROR;
  }
  if (cls != 2 || (enc.len == 0 && enc.err == OCF_OK && enc.depth == 0)) return code; /* no body */
  ocf_err err = ocf_rep_enc_finish(&enc, body_len);
  if (err != OCF_OK) {
    ocf_log(&d->pf, OCF_LOG_ERROR, LOG_MODULE, "%s: building the response failed: %s", req->res->href,
            ocf_strerror(err));
    *body_len = 0;
    return OCF_COAP_INTERNAL_SERVER_ERROR;
  }
  return code;
}

/* Digest 1.2: OCF-Content-Format-Version 2048 goes with Content-Format 10000 -- to clients that
 * sent a version option themselves. The option is critical (odd), so a generic CoAP client
 * (libcoap, RFC 7252 5.4.1) must reject a response carrying it; plgd sends no version options
 * and needs none (docs/decisions/0007-device-layer.md). */
static ocf_err respond(ocf_device *d, const ocf_msg_incoming *in, uint8_t code, size_t body_len,
                       const rsp_format *fmt) {
  ocf_coap_msg rsp;
  ocf_coap_init(&rsp, OCF_COAP_ACK, code, 0);
  if (body_len > 0) {
    ocf_err err = ocf_coap_add_uint_option(&rsp, OCF_COAP_OPT_CONTENT_FORMAT, fmt->cf);
    if (err == OCF_OK && fmt->cf == OCF_COAP_CF_VND_OCF_CBOR && fmt->version)
      err = ocf_coap_add_uint_option(&rsp, OCF_COAP_OPT_OCF_CONTENT_VERSION, OCF_COAP_OCF_VERSION_1_0);
    if (err != OCF_OK) return err;
    rsp.payload = d->rsp_buf;
    rsp.payload_len = body_len;
  }
  return ocf_msg_respond(d->msg, in->handle, &rsp, in->now);
}

void device_on_request(void *user, ocf_msg *m, const ocf_msg_incoming *in) {
  ocf_device *d = user;
  ocf_request req;
  rsp_format fmt = {.cf = OCF_COAP_CF_VND_OCF_CBOR, .version = false};
  size_t body_len = 0;
  uint8_t code = prepare(d, in, &req, &fmt);
  if (code == DEV_PASS) code = run_handler(d, &req, &body_len);
  if (code == DEV_SILENT) {
    ocf_msg_drop(m, in->handle);
    return;
  }
  ocf_err err = respond(d, in, code, body_len, &fmt);
  if (err != OCF_OK) {
    ocf_log(&d->pf, OCF_LOG_WARN, LOG_MODULE, "answering %s failed: %s", req.res ? req.res->href : "?",
            ocf_strerror(err));
    if (respond(d, in, OCF_COAP_INTERNAL_SERVER_ERROR, 0, &fmt) != OCF_OK) ocf_msg_drop(m, in->handle);
  }
}
