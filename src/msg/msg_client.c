/* Client half: requests, response matching (RFC 7252 5.3.2), retransmission give-up, separate
 * responses (RFC 7252 5.2.2), multicast collection (RFC 7252 8.2), Block1 upload and Block2
 * download (RFC 7959 2.4, 2.5). */
#include <string.h>

#include "base/log.h"
#include "msg/msg_internal.h"

/* --- table ---------------------------------------------------------------------------------- */

static msg_cx **free_slot(ocf_msg *m) {
  for (size_t i = 0; i < m->cfg.max_exchanges; i++)
    if (!m->cx[i]) return &m->cx[i];
  return NULL;
}

static void unlink_cx(ocf_msg *m, const msg_cx *cx) {
  for (size_t i = 0; i < m->cfg.max_exchanges; i++)
    if (m->cx[i] == cx) m->cx[i] = NULL;
}

static void free_cx(ocf_msg *m, msg_cx *cx) {
  msg_xmit_stop(m, &cx->x);
  msg_free(m, cx->tmpl);
  msg_free(m, cx->body);
  msg_free(m, cx->rsp);
  msg_free(m, cx);
}

/* Unlinks and frees a root and its children. */
static void destroy_tree(ocf_msg *m, msg_cx *root) {
  for (size_t i = 0; i < m->cfg.max_exchanges; i++) {
    msg_cx *c = m->cx[i];
    if (c && c->parent == root) {
      m->cx[i] = NULL;
      free_cx(m, c);
    }
  }
  unlink_cx(m, root);
  free_cx(m, root);
}

void msg_client_free_all(ocf_msg *m) {
  for (size_t i = 0; i < m->cfg.max_exchanges; i++) {
    if (m->cx[i]) free_cx(m, m->cx[i]);
    m->cx[i] = NULL;
  }
}

size_t ocf_msg_pending_requests(const ocf_msg *m) {
  size_t n = 0;
  for (size_t i = 0; m && i < m->cfg.max_exchanges; i++)
    if (m->cx[i] && !m->cx[i]->parent) n++;
  return n;
}

/* --- events --------------------------------------------------------------------------------- */

/* Calls root's callback with a non-final event. False when the callback cancelled the request:
 * root and its children are then freed. */
static bool emit(ocf_msg *m, msg_cx *root, ocf_msg_event *ev) {
  ev->final = false;
  ev->request_id = root->id;
  root->in_callback = true;
  root->cb(root->user, m, ev);
  root->in_callback = false;
  if (!root->cancelled) return true;
  destroy_tree(m, root);
  return false;
}

static void end_cx(ocf_msg *m, msg_cx *cx, ocf_msg_event *ev);

/* A multicast root whose window is over ends once its block-wise children are done. */
static void maybe_done(ocf_msg *m, msg_cx *root) {
  if (root->state != CX_WINDOW_CLOSED || root->n_children) return;
  ocf_msg_event ev = {.type = OCF_MSG_EV_DONE, .err = OCF_OK, .peer = &root->to[0]};
  end_cx(m, root, &ev);
}

/* Ends an exchange: a root gets its final event; a multicast child reports to its root. */
static void end_cx(ocf_msg *m, msg_cx *cx, ocf_msg_event *ev) {
  msg_cx *parent = cx->parent;
  unlink_cx(m, cx);
  if (!parent) {
    ev->final = true;
    ev->request_id = cx->id;
    cx->cb(cx->user, m, ev); /* unlinked: cancelling from here finds nothing */
    free_cx(m, cx);
    return;
  }
  parent->n_children--;
  bool alive = emit(m, parent, ev);
  free_cx(m, cx);
  if (alive) maybe_done(m, parent);
}

static void fail_cx(ocf_msg *m, msg_cx *cx, const ocf_endpoint *peer, ocf_msg_event_type type, ocf_err err) {
  ocf_msg_event ev = {.type = type, .err = err, .peer = peer ? peer : &cx->to[0]};
  end_cx(m, cx, &ev);
}

/* Copy of msg without the block-wise options, carrying body as its payload. */
static void whole_response(const ocf_coap_msg *msg, const uint8_t *body, size_t len, ocf_coap_msg *out) {
  *out = *msg;
  ocf_coap_remove_option(out, OCF_COAP_OPT_BLOCK1);
  ocf_coap_remove_option(out, OCF_COAP_OPT_BLOCK2);
  ocf_coap_remove_option(out, OCF_COAP_OPT_SIZE2);
  out->payload = len ? body : NULL;
  out->payload_len = len;
}

static void deliver(ocf_msg *m, msg_cx *cx, const ocf_endpoint *from, const ocf_coap_msg *msg,
                    const uint8_t *body, size_t len) {
  if (len > m->cfg.max_body) {
    fail_cx(m, cx, from, OCF_MSG_EV_FAILED, OCF_ERR_TOO_LARGE);
    return;
  }
  ocf_coap_msg whole;
  whole_response(msg, body, len, &whole);
  ocf_msg_event ev = {.type = OCF_MSG_EV_RESPONSE, .err = OCF_OK, .peer = from, .response = &whole};
  end_cx(m, cx, &ev);
}

/* --- sending -------------------------------------------------------------------------------- */

static ocf_err random_token(ocf_msg *m, msg_cx *cx) {
  /* RFC 7252 5.3.1 / RFC 9175: unguessable tokens; 8 bytes, unique among our exchanges. */
  for (int attempt = 0; attempt < 4; attempt++) {
    ocf_err err = m->pf.random(m->pf.ctx, cx->token, sizeof cx->token);
    if (err) return err;
    cx->token_len = sizeof cx->token;
    bool clash = false;
    for (size_t i = 0; i < m->cfg.max_exchanges && !clash; i++) {
      const msg_cx *o = m->cx[i];
      clash =
          o && o != cx && o->token_len == cx->token_len && memcmp(o->token, cx->token, cx->token_len) == 0;
    }
    if (!clash) return OCF_OK;
  }
  return OCF_ERR_CRYPTO;
}

/* Options and payload of the request now due: a whole body, one Block1 block, or a Block2
 * follow-up. Returns the number of extra options. */
static size_t request_parts(const ocf_msg *m, const msg_cx *cx, msg_extra ex[3], const uint8_t **payload,
                            size_t *len) {
  size_t n = 0;
  bool last = true;
  *payload = NULL;
  *len = 0;
  if (cx->uploading) {
    size_t bs = OCF_COAP_BLOCK_SIZE(cx->up_szx), remain = cx->body_len - cx->body_off;
    last = remain <= bs;
    ocf_coap_block b = {.num = (uint32_t)(cx->body_off / bs), .more = !last, .szx = cx->up_szx};
    ex[n++] = (msg_extra){OCF_COAP_OPT_BLOCK1, ocf_coap_block_encode(&b)};
    if (cx->body_off == 0) ex[n++] = (msg_extra){OCF_COAP_OPT_SIZE1, (uint32_t)cx->body_len}; /* RFC 7959 4 */
    *payload = cx->body + cx->body_off;
    *len = last ? remain : bs;
  } else if (cx->downloading) {
    ocf_coap_block b = {.num = (uint32_t)(cx->rsp_len / OCF_COAP_BLOCK_SIZE(cx->down_szx)),
                        .szx = cx->down_szx};
    ex[n++] = (msg_extra){OCF_COAP_OPT_BLOCK2, ocf_coap_block_encode(&b)};
    return n;
  } else {
    *payload = cx->body;
    *len = cx->body_len;
  }
  if (last && m->cfg.block_szx < 6) {
    /* RFC 7959 2.4: ask for smaller response blocks up front. */
    ocf_coap_block b = {.num = 0, .szx = m->cfg.block_szx};
    ex[n++] = (msg_extra){OCF_COAP_OPT_BLOCK2, ocf_coap_block_encode(&b)};
  }
  return n;
}

/* Builds and sends the request now due for cx. */
static ocf_err send_cx(ocf_msg *m, msg_cx *cx, ocf_time_ms now) {
  msg_extra ex[3];
  const uint8_t *payload;
  size_t plen, len;
  size_t n = request_parts(m, cx, ex, &payload, &plen);
  uint8_t buf[OCF_MSG_DATAGRAM_MAX];
  uint16_t mid = msg_new_mid(m);
  bool con = !cx->multicast && !cx->non; /* RFC 7252 8.1: multicast requests are NON */
  ocf_err err = msg_build(cx->tmpl, cx->tmpl_len, con ? OCF_COAP_CON : OCF_COAP_NON, mid, cx->token,
                          cx->token_len, ex, n, payload, plen, buf, sizeof buf, &len);
  if (err) return err;
  cx->mid = mid;
  if (con) {
    err = msg_xmit_start(m, &cx->x, &cx->to[0], mid, buf, len, now);
    if (err) return err;
    cx->state = CX_CON_SENT;
    return OCF_OK;
  }
  for (size_t i = 0; i < cx->n_to; i++) msg_enqueue(m, &cx->to[i], buf, len, 0);
  cx->state = cx->multicast ? CX_MULTICAST : CX_WAIT_RESPONSE;
  cx->deadline = now + (cx->multicast ? cx->window_ms : msg_response_timeout(m));
  return OCF_OK;
}

/* RFC 7252 4.7: CONs awaiting their ACK and NONs awaiting their response count against NSTART. */
static size_t outstanding(const ocf_msg *m, const ocf_endpoint *peer) {
  size_t n = 0;
  for (size_t i = 0; i < m->cfg.max_exchanges; i++) {
    const msg_cx *c = m->cx[i];
    if (!c || c->multicast || !msg_same_peer(&c->to[0], peer)) continue;
    if (c->state == CX_CON_SENT || (c->state == CX_WAIT_RESPONSE && c->non)) n++;
  }
  return n;
}

void msg_client_pump(ocf_msg *m) {
  for (;;) {
    msg_cx *best = NULL;
    for (size_t i = 0; i < m->cfg.max_exchanges; i++) {
      msg_cx *c = m->cx[i];
      if (c && c->state == CX_WAITING && (!best || c->id < best->id) &&
          outstanding(m, &c->to[0]) < m->cfg.nstart)
        best = c;
    }
    if (!best) return;
    ocf_err err = send_cx(m, best, m->now);
    if (err) fail_cx(m, best, NULL, OCF_MSG_EV_FAILED, err);
  }
}

static ocf_err check_destinations(const ocf_msg_request_params *p, bool *multicast) {
  if (!p->to || p->n_to == 0 || p->n_to > OCF_MSG_MAX_GROUPS) return OCF_ERR_INVALID_ARG;
  *multicast = ocf_endpoint_is_multicast(&p->to[0]);
  for (size_t i = 1; i < p->n_to; i++)
    if (!*multicast || !ocf_endpoint_is_multicast(&p->to[i])) return OCF_ERR_INVALID_ARG;
  return OCF_OK;
}

static ocf_err setup_cx(ocf_msg *m, msg_cx *cx, const ocf_msg_request_params *p, const ocf_coap_msg *req,
                        bool multicast) {
  memcpy(cx->to, p->to, p->n_to * sizeof *p->to);
  for (size_t i = 0; i < p->n_to; i++) cx->to[i].flags &= (uint8_t)~OCF_EP_MULTICAST;
  cx->n_to = (uint8_t)p->n_to;
  cx->multicast = multicast;
  cx->non = p->non;
  cx->cb = p->cb;
  cx->user = p->user;
  cx->window_ms = p->window_ms ? p->window_ms : m->cfg.multicast_window_ms;
  cx->up_szx = cx->down_szx = m->cfg.block_szx;
  ocf_err err = random_token(m, cx);
  if (!err) err = msg_template_make(m, req, NULL, 0, &cx->tmpl, &cx->tmpl_len);
  if (err || req->payload_len == 0) return err;
  cx->body = msg_alloc(m, req->payload_len);
  if (!cx->body) return OCF_ERR_NO_MEMORY;
  memcpy(cx->body, req->payload, req->payload_len);
  cx->body_len = req->payload_len;
  cx->uploading = cx->body_len > OCF_COAP_BLOCK_SIZE(cx->up_szx); /* RFC 7959 2.5 */
  return OCF_OK;
}

ocf_err ocf_msg_request(ocf_msg *m, const ocf_msg_request_params *p, const ocf_coap_msg *req, ocf_time_ms now,
                        uint32_t *out_id) {
  if (!m || !p || !req || !p->cb || !ocf_coap_is_request(req->code)) return OCF_ERR_INVALID_ARG;
  if (req->payload_len && !req->payload) return OCF_ERR_INVALID_ARG;
  bool multicast;
  ocf_err err = check_destinations(p, &multicast);
  if (err) return err;
  if (multicast && p->non) return OCF_ERR_INVALID_ARG;
  if (req->payload_len > m->cfg.max_body) return OCF_ERR_TOO_LARGE;
  if (multicast && req->payload_len > OCF_COAP_BLOCK_SIZE(m->cfg.block_szx)) return OCF_ERR_TOO_LARGE;
  msg_cx **slot = free_slot(m);
  if (!slot) return OCF_ERR_BUSY;
  if (now > m->now) m->now = now;
  msg_cx *cx = msg_alloc(m, sizeof *cx);
  if (!cx) return OCF_ERR_NO_MEMORY;
  memset(cx, 0, sizeof *cx);
  err = setup_cx(m, cx, p, req, multicast);
  if (err) {
    free_cx(m, cx);
    return err;
  }
  cx->id = msg_new_id(m);
  cx->state = CX_WAITING;
  *slot = cx;
  if (multicast || outstanding(m, &cx->to[0]) < m->cfg.nstart) {
    err = send_cx(m, cx, m->now);
    if (err) {
      *slot = NULL;
      free_cx(m, cx);
      return err;
    }
  }
  if (out_id) *out_id = cx->id;
  return OCF_OK;
}

ocf_err ocf_msg_cancel(ocf_msg *m, uint32_t request_id) {
  if (!m || request_id == 0) return OCF_ERR_NOT_FOUND;
  for (size_t i = 0; i < m->cfg.max_exchanges; i++) {
    msg_cx *c = m->cx[i];
    if (!c || c->parent || c->id != request_id) continue;
    if (c->in_callback) {
      c->cancelled = true; /* freed when its callback returns */
    } else {
      destroy_tree(m, c);
      msg_client_pump(m);
    }
    return OCF_OK;
  }
  return OCF_ERR_NOT_FOUND;
}

size_t msg_client_forget_peer(ocf_msg *m, const ocf_endpoint *peer, ocf_err err) {
  size_t ended = 0;
  for (size_t i = 0; i < m->cfg.max_exchanges; i++) {
    msg_cx *c = m->cx[i];
    /* Unicast roots only: they are never inside their callback while linked (end_cx unlinks
     * first), so ending them here is safe from any callback. */
    if (!c || c->parent || c->multicast || !msg_same_peer(&c->to[0], peer)) continue;
    fail_cx(m, c, NULL, OCF_MSG_EV_FAILED, err);
    ended++;
  }
  if (ended) msg_client_pump(m);
  return ended;
}

/* --- block-wise ----------------------------------------------------------------------------- */

static ocf_err reserve_rsp(ocf_msg *m, msg_cx *cx, size_t need, size_t hint) {
  if (need <= cx->rsp_cap) return OCF_OK;
  size_t cap = cx->rsp_cap ? cx->rsp_cap * 2 : (hint > need ? hint : 1024);
  while (cap < need) cap *= 2;
  if (cap > m->cfg.max_body) cap = m->cfg.max_body;
  uint8_t *p = msg_alloc(m, cap);
  if (!p) return OCF_ERR_NO_MEMORY;
  if (cx->rsp_len) memcpy(p, cx->rsp, cx->rsp_len);
  msg_free(m, cx->rsp);
  cx->rsp = p;
  cx->rsp_cap = cap;
  return OCF_OK;
}

/* RFC 7959 2.4: every block after the first carries the first block's ETag, if any. */
static ocf_err check_etag(msg_cx *cx, const ocf_coap_msg *msg) {
  const ocf_coap_option *e = ocf_coap_find_option(msg, OCF_COAP_OPT_ETAG, NULL);
  if (e && (e->len == 0 || e->len > sizeof cx->etag)) return OCF_ERR_MALFORMED; /* RFC 7252 5.10.6 */
  if (cx->etag_len == 0) {                                                      /* first block */
    cx->etag_len = e ? (uint8_t)e->len : 0xff;
    if (e) memcpy(cx->etag, ocf_coap_option_value(e), e->len);
    return OCF_OK;
  }
  if (cx->etag_len == 0xff) return e ? OCF_ERR_STATE : OCF_OK;
  if (!e || e->len != cx->etag_len || memcmp(ocf_coap_option_value(e), cx->etag, e->len) != 0)
    return OCF_ERR_STATE;
  return OCF_OK;
}

/* Validates one Block2 block against what was asked for and appends it. */
static ocf_err accept_block(ocf_msg *m, msg_cx *cx, const ocf_coap_msg *msg, const ocf_coap_block *b) {
  size_t bs = OCF_COAP_BLOCK_SIZE(b->szx);
  if (b->szx > cx->down_szx) return OCF_ERR_MALFORMED; /* RFC 7959 2.4: the server may only shrink */
  if ((uint64_t)b->num * bs != cx->rsp_len) return OCF_ERR_MALFORMED; /* not the block asked for */
  if (b->more ? msg->payload_len != bs : msg->payload_len > bs) return OCF_ERR_MALFORMED; /* RFC 7959 2.2 */
  ocf_err err = check_etag(cx, msg);
  if (err) return err;
  uint32_t size2 = 0;
  if (ocf_coap_get_uint_option(msg, OCF_COAP_OPT_SIZE2, &size2) == OCF_OK && size2 > m->cfg.max_body)
    return OCF_ERR_TOO_LARGE;
  if (msg->payload_len > m->cfg.max_body - cx->rsp_len) return OCF_ERR_TOO_LARGE;
  err = reserve_rsp(m, cx, cx->rsp_len + msg->payload_len, size2);
  if (err) return err;
  if (msg->payload_len) memcpy(cx->rsp + cx->rsp_len, msg->payload, msg->payload_len);
  cx->rsp_len += msg->payload_len;
  cx->down_szx = b->szx;
  return OCF_OK;
}

/* The answer to a Block1 block. True when it is the final response (process it further). */
static bool upload_step(ocf_msg *m, msg_cx *cx, const ocf_endpoint *from, const ocf_coap_msg *msg,
                        ocf_time_ms now) {
  size_t bs = OCF_COAP_BLOCK_SIZE(cx->up_szx);
  bool more = cx->body_len - cx->body_off > bs;
  ocf_coap_block b;
  bool has = ocf_coap_get_block(msg, OCF_COAP_OPT_BLOCK1, &b) == OCF_OK;
  if (msg->code == OCF_COAP_CONTINUE) {
    if (!more || !has || b.num != cx->body_off / bs) {
      fail_cx(m, cx, from, OCF_MSG_EV_FAILED, OCF_ERR_MALFORMED);
      return false;
    }
    /* RFC 7959 2.5: the server may ask for smaller blocks; the next number follows from the
     * bytes already sent. A larger SZX is not the server's to choose: keep ours. */
    cx->body_off += bs;
    if (b.szx < cx->up_szx) cx->up_szx = b.szx;
    ocf_err err = send_cx(m, cx, now);
    if (err) fail_cx(m, cx, from, OCF_MSG_EV_FAILED, err);
    return false;
  }
  if (more && OCF_COAP_CODE_CLASS(msg->code) == 2) {
    /* Success before the server saw the whole body: it does not do Block1 properly. */
    fail_cx(m, cx, from, OCF_MSG_EV_FAILED, OCF_ERR_MALFORMED);
    return false;
  }
  cx->uploading = false;
  return true;
}

static void download_step(ocf_msg *m, msg_cx *cx, const ocf_endpoint *from, const ocf_coap_msg *msg,
                          ocf_time_ms now) {
  ocf_coap_block b;
  ocf_err err = ocf_coap_get_block(msg, OCF_COAP_OPT_BLOCK2, &b);
  if (err == OCF_ERR_NOT_FOUND) {
    if (cx->downloading && OCF_COAP_CODE_CLASS(msg->code) == 2)
      fail_cx(m, cx, from, OCF_MSG_EV_FAILED, OCF_ERR_MALFORMED);
    else
      deliver(m, cx, from, msg, msg->payload, msg->payload_len);
    return;
  }
  if (!err && !cx->downloading && !b.more && b.num == 0) {
    deliver(m, cx, from, msg, msg->payload, msg->payload_len); /* the whole body in one block */
    return;
  }
  if (!err) err = accept_block(m, cx, msg, &b);
  if (!err && !b.more) {
    deliver(m, cx, from, msg, cx->rsp, cx->rsp_len);
    return;
  }
  if (!err) {
    cx->downloading = true;
    err = send_cx(m, cx, now);
  }
  if (err) fail_cx(m, cx, from, OCF_MSG_EV_FAILED, err == OCF_ERR_NOT_FOUND ? OCF_ERR_MALFORMED : err);
}

/* --- multicast ------------------------------------------------------------------------------ */

/* A responder whose answer continues in more blocks: fetch the rest by unicast (RFC 7959 2.8). */
static ocf_err spawn_child(ocf_msg *m, msg_cx *root, const ocf_endpoint *from, const ocf_coap_msg *msg,
                           const ocf_coap_block *b, ocf_time_ms now) {
  msg_cx **slot = free_slot(m);
  if (!slot) return OCF_ERR_BUSY;
  msg_cx *c = msg_alloc(m, sizeof *c);
  if (!c) return OCF_ERR_NO_MEMORY;
  memset(c, 0, sizeof *c);
  c->parent = root;
  c->to[0] = *from;
  c->to[0].flags &= (uint8_t)~OCF_EP_MULTICAST;
  c->n_to = 1;
  c->down_szx = m->cfg.block_szx;
  c->tmpl = msg_alloc(m, root->tmpl_len);
  ocf_err err = c->tmpl ? random_token(m, c) : OCF_ERR_NO_MEMORY;
  if (!err) {
    memcpy(c->tmpl, root->tmpl, root->tmpl_len);
    c->tmpl_len = root->tmpl_len;
    err = accept_block(m, c, msg, b);
  }
  if (!err) {
    c->downloading = true;
    *slot = c; /* before sending: the response may need to find it */
    err = send_cx(m, c, now);
    if (err) *slot = NULL;
  }
  if (err) {
    free_cx(m, c);
    return err;
  }
  root->n_children++;
  return OCF_OK;
}

static void multicast_response(ocf_msg *m, msg_cx *root, const ocf_endpoint *from, const ocf_coap_msg *msg,
                               ocf_time_ms now) {
  if (root->state != CX_MULTICAST) return; /* window over: late answers are not reported */
  ocf_coap_block b;
  ocf_err err = ocf_coap_get_block(msg, OCF_COAP_OPT_BLOCK2, &b);
  ocf_msg_event ev = {.type = OCF_MSG_EV_FAILED, .peer = from};
  if ((err == OCF_ERR_NOT_FOUND || (!err && !b.more && b.num == 0)) && msg->payload_len > m->cfg.max_body) {
    err = OCF_ERR_TOO_LARGE;
  } else if (err == OCF_ERR_NOT_FOUND || (!err && !b.more && b.num == 0)) {
    ocf_coap_msg whole;
    whole_response(msg, msg->payload, msg->payload_len, &whole);
    ev.type = OCF_MSG_EV_RESPONSE;
    ev.response = &whole;
    (void)emit(m, root, &ev);
    return;
  }
  if (!err && b.num != 0) err = OCF_ERR_MALFORMED;
  if (!err) err = spawn_child(m, root, from, msg, &b, now);
  if (!err) return;
  ev.err = err;
  (void)emit(m, root, &ev);
}

/* --- incoming ------------------------------------------------------------------------------- */

static bool token_matches(const msg_cx *cx, const ocf_coap_msg *msg) {
  return msg->token_len == cx->token_len && memcmp(msg->token, cx->token, cx->token_len) == 0;
}

/* The response to cx's request in flight. */
static void on_response(ocf_msg *m, msg_cx *cx, const ocf_endpoint *from, const ocf_coap_msg *msg,
                        ocf_time_ms now) {
  if (cx->multicast) {
    if (msg_unknown_critical(msg)) return; /* RFC 7252 5.4.1: rejected */
    multicast_response(m, cx, from, msg, now);
    return;
  }
  msg_xmit_stop(m, &cx->x);
  if (msg_unknown_critical(msg)) {
    fail_cx(m, cx, from, OCF_MSG_EV_FAILED, OCF_ERR_UNSUPPORTED); /* RFC 7252 5.4.1 */
    return;
  }
  if (cx->uploading && !upload_step(m, cx, from, msg, now)) return;
  download_step(m, cx, from, msg, now);
}

static msg_cx *find_by_mid(ocf_msg *m, const ocf_endpoint *from, uint16_t mid, bool non_too) {
  for (size_t i = 0; i < m->cfg.max_exchanges; i++) {
    msg_cx *c = m->cx[i];
    if (!c || c->multicast || c->mid != mid || !msg_same_peer(&c->to[0], from)) continue;
    if (c->state == CX_CON_SENT || (non_too && c->state == CX_WAIT_RESPONSE && c->non)) return c;
  }
  return NULL;
}

void msg_client_on_ack(ocf_msg *m, const ocf_endpoint *from, const ocf_coap_msg *msg, ocf_time_ms now) {
  msg_cx *cx = find_by_mid(m, from, msg->mid, false);
  if (!cx) return; /* RFC 7252 4.2: an ACK for no CON of ours is ignored */
  if (msg->code == OCF_COAP_EMPTY) {
    /* RFC 7252 5.2.2: the response follows separately. */
    msg_xmit_stop(m, &cx->x);
    cx->state = CX_WAIT_RESPONSE;
    cx->deadline = now + msg_response_timeout(m);
  } else if (token_matches(cx, msg)) {
    on_response(m, cx, from, msg, now); /* RFC 7252 5.2.1 piggybacked */
  }
  msg_client_pump(m);
}

void msg_client_on_rst(ocf_msg *m, const ocf_endpoint *from, uint16_t mid) {
  msg_cx *cx = find_by_mid(m, from, mid, true);
  if (cx) fail_cx(m, cx, from, OCF_MSG_EV_RESET, OCF_ERR_RESET);
  msg_client_pump(m);
}

bool msg_client_on_response(ocf_msg *m, const ocf_endpoint *from, const ocf_coap_msg *msg, ocf_time_ms now) {
  msg_cx *cx = NULL;
  for (size_t i = 0; i < m->cfg.max_exchanges && !cx; i++) {
    msg_cx *c = m->cx[i];
    /* RFC 7252 5.3.2 / 8.2: unicast responses come from the request's destination; multicast
     * ones from any responder's unicast address (digest pitfall 38): token only. */
    if (c && token_matches(c, msg) && (c->multicast || msg_same_peer(&c->to[0], from))) cx = c;
  }
  if (!cx) return false;
  if (msg->type == OCF_COAP_CON) msg_send_empty(m, from, OCF_COAP_ACK, msg->mid); /* RFC 7252 5.2.2 */
  if (cx->state != CX_WAITING) on_response(m, cx, from, msg, now);
  msg_client_pump(m);
  return true;
}

/* --- timers --------------------------------------------------------------------------------- */

void msg_client_on_timeout(ocf_msg *m, ocf_time_ms now) {
  for (size_t i = 0; i < m->cfg.max_exchanges; i++) {
    msg_cx *c = m->cx[i];
    if (!c) continue;
    if (c->state == CX_CON_SENT && c->x.deadline <= now) {
      if (!msg_xmit_fire(m, &c->x))
        fail_cx(m, c, NULL, OCF_MSG_EV_TIMEOUT, OCF_ERR_TIMEOUT); /* RFC 7252 4.2 */
    } else if (c->state == CX_WAIT_RESPONSE && c->deadline <= now) {
      fail_cx(m, c, NULL, OCF_MSG_EV_TIMEOUT, OCF_ERR_TIMEOUT);
    } else if (c->state == CX_MULTICAST && c->deadline <= now) {
      c->state = CX_WINDOW_CLOSED;
      maybe_done(m, c);
    }
  }
  msg_client_pump(m);
}

ocf_time_ms msg_client_next_timeout(const ocf_msg *m) {
  ocf_time_ms t = OCF_MSG_NO_TIMEOUT;
  for (size_t i = 0; i < m->cfg.max_exchanges; i++) {
    const msg_cx *c = m->cx[i];
    if (!c) continue;
    if (c->state == CX_CON_SENT && c->x.deadline < t) t = c->x.deadline;
    if ((c->state == CX_WAIT_RESPONSE || c->state == CX_MULTICAST) && c->deadline < t) t = c->deadline;
  }
  return t;
}
