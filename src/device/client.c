/* The device as a client of another device (ocf_device_client_request): the session a CMS
 * provisioned it for (digest 8.2: a pair-wise key, or identity certificates and a trust anchor)
 * opened with its own credentials, and one CoAP request over it. One request at a time: the
 * state is one small struct made on first use. */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/uuid.h"
#include "coap/coap.h"
#include "device/device.h"
#include "device/sec.h"
#include "device/sec_dtls.h"
#include "rep/rep.h"

#define LOG_MODULE "client"

struct device_client {
  bool busy;       /* a request is under way: cb is owed */
  bool connecting; /* waiting for our handshake with `to` */
  bool starting;   /* inside ocf_device_client_request: a failure there is its return value */
  ocf_err early_err;
  ocf_endpoint to;
  ocf_uuid peer;
  uint8_t method;
  char uri[OCF_DEVICE_HREF_MAX + 130]; /* href ? query */
  uint8_t body[OCF_DEVICE_CLIENT_BODY_MAX];
  size_t body_len;
  bool has_body;
  ocf_device_client_cb cb;
  void *user;
};

static void finish(ocf_device *d, ocf_err err, const ocf_coap_msg *rsp, ocf_peer_auth auth) {
  device_client *c = d->client;
  ocf_device_client_cb cb = c->cb;
  void *user = c->user;
  c->busy = c->connecting = false;
  c->cb = NULL;
  ocf_device_client_result r = {.err = err, .auth = auth};
  if (rsp) {
    r.code = (ocf_status)rsp->code;
    r.payload = rsp->payload;
    r.payload_len = rsp->payload_len;
    /* No request is being handled now (responses arrive outside the request handler), so the
     * device's decoder nodes are free. */
    ocf_rep_limits limits = ocf_rep_default_limits();
    if (limits.max_nodes > d->n_nodes) limits.max_nodes = (uint32_t)d->n_nodes;
    const ocf_rep_node *root = NULL;
    if (rsp->payload_len &&
        ocf_rep_decode(rsp->payload, rsp->payload_len, &limits, d->nodes, d->n_nodes, &root) == OCF_OK)
      r.body = root;
  }
  if (cb) cb(user, d, &r);
}

static ocf_peer_auth session_auth(const ocf_device *d, const ocf_endpoint *to) {
  const ocf_dtls_session_info *info = ocf_stack_session_info(d->stack, to);
  if (!info) return OCF_PEER_AUTH_NONE;
  return info->auth == OCF_DTLS_AUTH_CERT  ? OCF_PEER_AUTH_CERT
         : info->auth == OCF_DTLS_AUTH_PSK ? OCF_PEER_AUTH_PSK
                                           : OCF_PEER_AUTH_ANON_DTLS;
}

static void on_response(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  ocf_device *d = user;
  (void)m;
  if (!ev->final || !d->client || !d->client->busy) return;
  ocf_peer_auth auth = session_auth(d, &d->client->to);
  if (ev->type == OCF_MSG_EV_RESPONSE)
    finish(d, OCF_OK, ev->response, auth);
  else
    finish(d, ev->err ? ev->err : OCF_ERR_TIMEOUT, NULL, auth);
}

static ocf_err send_request(ocf_device *d, ocf_time_ms now) {
  device_client *c = d->client;
  uint8_t scratch[sizeof c->uri + 32];
  ocf_coap_msg req;
  ocf_coap_init(&req, OCF_COAP_CON, c->method, 0);
  ocf_err err = ocf_coap_set_uri_path_query(&req, c->uri, scratch, sizeof scratch);
  /* Digest §1.2: OCF content and accept versions with the vnd.ocf+cbor format. */
  if (!err && c->has_body)
    err = ocf_coap_add_uint_option(&req, OCF_COAP_OPT_CONTENT_FORMAT, OCF_COAP_CF_VND_OCF_CBOR);
  if (!err) err = ocf_coap_add_uint_option(&req, OCF_COAP_OPT_ACCEPT, OCF_COAP_CF_VND_OCF_CBOR);
  if (!err) err = ocf_coap_add_uint_option(&req, OCF_COAP_OPT_OCF_ACCEPT_VERSION, OCF_COAP_OCF_VERSION_1_0);
  if (!err && c->has_body)
    err = ocf_coap_add_uint_option(&req, OCF_COAP_OPT_OCF_CONTENT_VERSION, OCF_COAP_OCF_VERSION_1_0);
  req.payload = c->has_body ? c->body : NULL;
  req.payload_len = c->has_body ? c->body_len : 0;
  ocf_msg_request_params p = {.to = &c->to, .n_to = 1, .cb = on_response, .user = d};
  if (!err) err = ocf_stack_request(d->stack, &p, &req, now, NULL);
  return err;
}

/* Our handshake with the peer ended (device.c's on_session, after the device's own tracking). */
void device_client_on_session(ocf_device *d, const ocf_dtls_event *ev) {
  device_client *c = d->client;
  if (!c || !c->connecting || !ocf_endpoint_equal(&ev->info->peer, &c->to) || ev->info->is_server) return;
  if (ev->type != OCF_DTLS_EV_ESTABLISHED) {
    ocf_log(&d->pf, OCF_LOG_INFO, LOG_MODULE, "session to the peer failed: %s", ocf_strerror(ev->err));
    if (c->starting) {
      c->early_err = OCF_ERR_DENIED;
      c->busy = c->connecting = false;
      return;
    }
    finish(d, OCF_ERR_DENIED, NULL, OCF_PEER_AUTH_NONE);
    return;
  }
  c->connecting = false;
  /* Digest 6.1: a certificate session's peer is the uuid of its certificate's CN; it must be the
   * device we meant (a PSK session is bound to the peer by its pair-wise key already). */
  if (ev->info->auth == OCF_DTLS_AUTH_CERT &&
      (!ev->info->has_peer_uuid || !ocf_uuid_equal(&ev->info->peer_uuid, &c->peer))) {
    ocf_log(&d->pf, OCF_LOG_WARN, LOG_MODULE, "the peer's certificate names another device: closing");
    (void)ocf_stack_close(d->stack, &c->to, d->now);
    if (c->busy) finish(d, OCF_ERR_DENIED, NULL, OCF_PEER_AUTH_CERT);
    return;
  }
  ocf_err err = send_request(d, d->now);
  if (err != OCF_OK) finish(d, err, NULL, session_auth(d, &c->to));
}

static bool valid(const ocf_device_client_params *r) {
  if (!r || !r->href || r->href[0] != '/' || !(r->to.flags & OCF_EP_SECURE) ||
      (r->to.flags & OCF_EP_MULTICAST))
    return false;
  if (r->method != OCF_METHOD_GET && r->method != OCF_METHOD_POST && r->method != OCF_METHOD_DELETE)
    return false;
  if (r->body_len > OCF_DEVICE_CLIENT_BODY_MAX || (r->body_len && !r->body)) return false;
  size_t len = strlen(r->href) + (r->query ? strlen(r->query) + 1 : 0);
  return len < sizeof(((device_client *)0)->uri);
}

static uint8_t coap_method(ocf_method m) {
  return m == OCF_METHOD_POST ? OCF_COAP_POST : m == OCF_METHOD_DELETE ? OCF_COAP_DELETE : OCF_COAP_GET;
}

ocf_err ocf_device_client_request(ocf_device *d, const ocf_device_client_params *r, ocf_time_ms now,
                                  ocf_device_client_cb cb, void *user) {
  if (!d || !cb || !valid(r)) return OCF_ERR_INVALID_ARG;
  if (!d->sec || !d->sec->dtls || !ocf_stack_dtls(d->stack)) return OCF_ERR_STATE;
  uint8_t s = d->sec->cur->pstat.dos_s;
  if (s != OCF_DOS_RFPRO && s != OCF_DOS_RFNOP) return OCF_ERR_STATE;
  if (!d->client) {
    d->client = d->pf.alloc(d->pf.ctx, sizeof *d->client);
    if (!d->client) return OCF_ERR_NO_MEMORY;
    memset(d->client, 0, sizeof *d->client);
  }
  device_client *c = d->client;
  if (c->busy) return OCF_ERR_BUSY;
  if (now > d->now) d->now = now;
  c->to = r->to;
  c->peer = r->peer;
  c->method = coap_method(r->method);
  /* valid() checked that href ? query fits */
  snprintf(c->uri, sizeof c->uri, "%s%s%s", r->href, r->query ? "?" : "", r->query ? r->query : "");
  c->has_body = r->body != NULL;
  c->body_len = r->body_len;
  if (r->body_len) memcpy(c->body, r->body, r->body_len);
  c->cb = cb;
  c->user = user;
  c->busy = true;
  /* A session with the peer is up (ours, or one the peer opened from that endpoint): DTLS
   * sessions carry requests both ways. A certificate session must still be with the peer. */
  const ocf_dtls_session_info *info = ocf_stack_session_info(d->stack, &c->to);
  if (info && info->auth == OCF_DTLS_AUTH_CERT &&
      (!info->has_peer_uuid || !ocf_uuid_equal(&info->peer_uuid, &c->peer))) {
    c->busy = false;
    return OCF_ERR_DENIED;
  }
  if (info) {
    ocf_err err = send_request(d, d->now);
    if (err != OCF_OK) c->busy = false;
    return err;
  }
  ocf_dtls_profile p;
  uint8_t key[OCF_DTLS_PSK_MAX];
  ocf_uuid identity;
  ocf_err err = device_dtls_client_profile(d, &c->peer, r->cred, &p, key, &identity);
  if (err == OCF_OK) {
    c->connecting = c->starting = true;
    c->early_err = OCF_OK;
    err = ocf_stack_connect(d->stack, &c->to, &p, d->now); /* the TLS library copies the key */
    c->starting = false;
    if (err == OCF_OK) err = c->early_err;
  }
  memset(key, 0, sizeof key);
  if (err != OCF_OK) c->busy = c->connecting = false;
  return err;
}

ocf_err ocf_device_client_close(ocf_device *d, const ocf_endpoint *to, ocf_time_ms now) {
  if (!d || !to) return OCF_ERR_INVALID_ARG;
  if (!ocf_stack_session_info(d->stack, to)) return OCF_ERR_NOT_FOUND;
  if (now > d->now) d->now = now;
  return ocf_stack_close(d->stack, to, d->now);
}

void device_client_destroy(ocf_device *d) {
  if (!d->client) return;
  memset(d->client, 0, sizeof *d->client); /* the request body may be a secret of the application */
  d->pf.free(d->pf.ctx, d->client);
  d->client = NULL;
}
