/* Server half: incoming requests, the handler and its responses (piggybacked, NON, or CON
 * separate; RFC 7252 5.2), multicast leisure and error suppression (RFC 7252 8.2, digest §1.7),
 * Block1 reassembly and Block2 serving (RFC 7959 2.4, 2.5). */
#include <string.h>

#include "base/log.h"
#include "msg/msg_internal.h"

#define MULTICAST(ep) (((ep)->flags & OCF_EP_MULTICAST) != 0)
#define PROXYING_NOT_SUPPORTED OCF_COAP_CODE(5, 5)

/* Where and how a response to one request goes. */
typedef struct reply_ctx {
  const ocf_endpoint *peer; /* flags as received */
  uint8_t req_type;
  uint16_t req_mid;
  const uint8_t *token;
  uint8_t token_len;
  bool piggyback; /* a CON request not yet acknowledged: the response rides in the ACK */
} reply_ctx;

static void reply_header(ocf_msg *m, const reply_ctx *rc, uint8_t *type, uint16_t *mid) {
  if (rc->piggyback) {
    *type = OCF_COAP_ACK; /* RFC 7252 5.2.1 */
    *mid = rc->req_mid;
  } else {
    *type = rc->req_type == OCF_COAP_CON ? OCF_COAP_CON : OCF_COAP_NON; /* RFC 7252 5.2.2, 5.2.3 */
    *mid = msg_new_mid(m);
  }
}

/* Sends a built response. A CON separate response is retransmitted through x. */
static ocf_err send_reply(ocf_msg *m, const reply_ctx *rc, uint8_t type, uint16_t mid, const uint8_t *d,
                          size_t len, msg_xmit *x, ocf_time_ms now) {
  if (type == OCF_COAP_CON) return msg_xmit_start(m, x, rc->peer, mid, d, len, now);
  ocf_time_ms due = 0;
  /* RFC 7252 8.2: answer a multicast request at a random point of the leisure period. */
  if (MULTICAST(rc->peer)) due = now + msg_random_upto(m, m->cfg.multicast_leisure_ms);
  msg_enqueue(m, rc->peer, d, len, due);
  if (type == OCF_COAP_ACK) msg_dedup_set_reply(m, rc->peer, mid, d, len);
  return OCF_OK;
}

/* Answers a request at once, without the handler (errors, 2.31 Continue). */
static void reply_direct(ocf_msg *m, const reply_ctx *rc, uint8_t code, const msg_extra *ex, size_t n,
                         ocf_time_ms now) {
  /* RFC 7252 8.2, digest pitfall 29: no error answers to multicast requests. */
  if (MULTICAST(rc->peer) && OCF_COAP_CODE_CLASS(code) >= 4) return;
  uint8_t type;
  uint16_t mid;
  reply_header(m, rc, &type, &mid);
  ocf_coap_msg r;
  ocf_coap_init(&r, (ocf_coap_type)type, code, mid);
  uint8_t buf[OCF_MSG_DATAGRAM_MAX];
  size_t len;
  if (msg_build_from(&r, type, mid, rc->token, rc->token_len, ex, n, NULL, 0, buf, sizeof buf, &len) ==
      OCF_OK)
    (void)send_reply(m, rc, type, mid, buf, len, NULL, now);
}

static void reply_code(ocf_msg *m, const reply_ctx *rc, uint8_t code, ocf_time_ms now) {
  reply_direct(m, rc, code, NULL, 0, now);
}

static void reply_too_large(ocf_msg *m, const reply_ctx *rc, ocf_time_ms now) {
  /* RFC 7959 2.9.3: Size1 tells the largest body we accept. */
  msg_extra ex = {OCF_COAP_OPT_SIZE1,
                  (uint32_t)(m->cfg.max_body > UINT32_MAX ? UINT32_MAX : m->cfg.max_body)};
  reply_direct(m, rc, OCF_COAP_REQUEST_ENTITY_TOO_LARGE, &ex, 1, now);
}

/* --- block-wise state ----------------------------------------------------------------------- */

static void blk_clear(ocf_msg *m, msg_blk *b) {
  msg_free(m, b->key);
  msg_free(m, b->tmpl);
  msg_free(m, b->body);
  memset(b, 0, sizeof *b);
}

static msg_blk *blk_find(ocf_msg *m, bool upload, const ocf_endpoint *peer, const uint8_t *key,
                         size_t key_len) {
  for (size_t i = 0; i < m->cfg.max_block_states; i++) {
    msg_blk *b = &m->blk[i];
    if (b->used && b->upload == upload && b->key_len == key_len && memcmp(b->key, key, key_len) == 0 &&
        msg_same_peer(&b->peer, peer))
      return b;
  }
  return NULL;
}

/* A free slot, or the one closest to expiry emptied (memory stays bounded). */
static msg_blk *blk_take(ocf_msg *m) {
  msg_blk *victim = &m->blk[0];
  for (size_t i = 0; i < m->cfg.max_block_states; i++) {
    if (!m->blk[i].used) return &m->blk[i];
    if (m->blk[i].expires < victim->expires) victim = &m->blk[i];
  }
  ocf_log(&m->pf, OCF_LOG_INFO, MSG_LOG, "block-wise state evicted");
  blk_clear(m, victim);
  return victim;
}

/* Makes a new entry owning a copy of key. */
static msg_blk *blk_new(ocf_msg *m, bool upload, const ocf_endpoint *peer, const uint8_t *key,
                        size_t key_len) {
  uint8_t *k = msg_alloc(m, key_len);
  if (!k) return NULL;
  memcpy(k, key, key_len);
  msg_blk *b = blk_take(m);
  b->used = true;
  b->upload = upload;
  b->peer = *peer;
  b->key = k;
  b->key_len = key_len;
  b->expires = m->now + msg_exchange_lifetime(m);
  return b;
}

static ocf_err blk_append(ocf_msg *m, msg_blk *b, const uint8_t *data, size_t len) {
  if (len > m->cfg.max_body - b->len) return OCF_ERR_TOO_LARGE;
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 2048;
    while (cap < b->len + len) cap *= 2;
    if (cap > m->cfg.max_body) cap = m->cfg.max_body;
    uint8_t *p = msg_alloc(m, cap);
    if (!p) return OCF_ERR_NO_MEMORY;
    if (b->len) memcpy(p, b->body, b->len);
    msg_free(m, b->body);
    b->body = p;
    b->cap = cap;
  }
  if (len) memcpy(b->body + b->len, data, len);
  b->len += len;
  return OCF_OK;
}

/* --- Block1 reassembly (RFC 7959 2.5) ------------------------------------------------------- */

typedef struct body_view {
  const uint8_t *ptr;
  size_t len;
  uint8_t *owned; /* a reassembled body, freed after the handler */
} body_view;

static void reply_continue(ocf_msg *m, const reply_ctx *rc, uint32_t num, uint8_t szx, ocf_time_ms now) {
  /* RFC 7959 2.5: acknowledge the block; our SZX tells the size we want from now on. */
  uint8_t ours = szx < m->cfg.block_szx ? szx : m->cfg.block_szx;
  ocf_coap_block ack = {.num = num, .more = true, .szx = ours};
  msg_extra ex = {OCF_COAP_OPT_BLOCK1, ocf_coap_block_encode(&ack)};
  reply_direct(m, rc, OCF_COAP_CONTINUE, &ex, 1, now);
}

/* A block after the first: must continue exactly where the body stands. */
static bool block1_next(ocf_msg *m, const reply_ctx *rc, const ocf_coap_msg *msg, const ocf_coap_block *b,
                        msg_blk *st, body_view *body, ocf_time_ms now) {
  size_t bs = OCF_COAP_BLOCK_SIZE(b->szx);
  if (!st || (uint64_t)b->num * bs != st->len) {
    reply_code(m, rc, OCF_COAP_REQUEST_ENTITY_INCOMPLETE, now); /* RFC 7959 2.9.2 */
    return false;
  }
  if (b->more && msg->payload_len != bs) {
    reply_code(m, rc, OCF_COAP_BAD_REQUEST, now); /* RFC 7959 2.2: only the last block is short */
    return false;
  }
  ocf_err err = blk_append(m, st, msg->payload, msg->payload_len);
  if (err) {
    blk_clear(m, st);
    if (err == OCF_ERR_TOO_LARGE)
      reply_too_large(m, rc, now);
    else
      reply_code(m, rc, OCF_COAP_INTERNAL_SERVER_ERROR, now);
    return false;
  }
  st->expires = m->now + msg_exchange_lifetime(m);
  if (b->more) {
    reply_continue(m, rc, b->num, b->szx, now);
    return false;
  }
  body->ptr = body->owned = st->body; /* complete: the handler gets it, we free it after */
  body->len = st->len;
  st->body = NULL;
  blk_clear(m, st);
  return true;
}

/* Handles the Block1 option of a request. True when the body is complete (in *body) and the
 * handler should run; false when the request was answered here. */
static bool block1_step(ocf_msg *m, const reply_ctx *rc, const ocf_coap_msg *msg, const ocf_coap_block *b,
                        const uint8_t *key, size_t key_len, body_view *body, ocf_time_ms now) {
  msg_blk *st = blk_find(m, true, rc->peer, key, key_len);
  if (b->num != 0) return block1_next(m, rc, msg, b, st, body, now);
  if (st) blk_clear(m, st); /* block 0 restarts the transfer */
  if (!b->more) {
    body->ptr = msg->payload;
    body->len = msg->payload_len;
    return true;
  }
  uint32_t size1 = 0;
  if (msg->payload_len != OCF_COAP_BLOCK_SIZE(b->szx)) {
    reply_code(m, rc, OCF_COAP_BAD_REQUEST, now);
  } else if ((ocf_coap_get_uint_option(msg, OCF_COAP_OPT_SIZE1, &size1) == OCF_OK &&
              size1 > m->cfg.max_body) ||
             msg->payload_len > m->cfg.max_body) {
    reply_too_large(m, rc, now); /* RFC 7959 4: refuse early what will not fit */
  } else if (!(st = blk_new(m, true, rc->peer, key, key_len)) ||
             blk_append(m, st, msg->payload, msg->payload_len) != OCF_OK) {
    if (st) blk_clear(m, st);
    reply_code(m, rc, OCF_COAP_INTERNAL_SERVER_ERROR, now);
  } else {
    reply_continue(m, rc, 0, b->szx, now);
  }
  return false;
}

/* --- Block2 serving (RFC 7959 2.4) ---------------------------------------------------------- */

/* An ETag from the content, so a body regenerated for a later block carries the same one. */
static void content_etag(uint8_t code, const uint8_t *body, size_t len, uint8_t out[8]) {
  uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */
  h = (h ^ code) * 0x100000001b3ull;
  for (size_t i = 0; i < len; i++) h = (h ^ body[i]) * 0x100000001b3ull;
  for (int i = 0; i < 8; i++) out[i] = (uint8_t)(h >> (56 - 8 * i));
}

/* Builds block `num` (in blocks of 16 << szx) of a kept body. OCF_ERR_RANGE past the end. */
static ocf_err build_block(const msg_blk *b, uint8_t type, uint16_t mid, const reply_ctx *rc, uint32_t num,
                           uint8_t szx, const msg_extra *block1, uint8_t *out, size_t *len) {
  size_t bs = OCF_COAP_BLOCK_SIZE(szx), off = (size_t)num * bs;
  if (off >= b->len && !(num == 0 && b->len == 0)) return OCF_ERR_RANGE;
  size_t plen = b->len - off < bs ? b->len - off : bs;
  ocf_coap_block blk = {.num = num, .more = off + plen < b->len, .szx = szx};
  msg_extra ex[3];
  size_t n = 0;
  ex[n++] = (msg_extra){OCF_COAP_OPT_BLOCK2, ocf_coap_block_encode(&blk)};
  if (num == 0) ex[n++] = (msg_extra){OCF_COAP_OPT_SIZE2, (uint32_t)b->len}; /* RFC 7959 4 */
  if (block1) ex[n++] = *block1;
  return msg_build(b->tmpl, b->tmpl_len, type, mid, rc->token, rc->token_len, ex, n, b->body + off, plen, out,
                   OCF_MSG_DATAGRAM_MAX, len);
}

/* The block asked for, recomputed for our SZX: offsets stay, numbers scale (RFC 7959 2.4). */
static void block2_want(const ocf_msg *m, bool has, const ocf_coap_block *req, uint32_t *num, uint8_t *szx) {
  *szx = m->cfg.block_szx;
  *num = 0;
  if (!has) return;
  if (req->szx < *szx) *szx = req->szx;
  *num = (uint32_t)(((uint64_t)req->num * OCF_COAP_BLOCK_SIZE(req->szx)) / OCF_COAP_BLOCK_SIZE(*szx));
}

/* A follow-up Block2 request answered from a kept body. False when there is none. */
static bool serve_kept_block(ocf_msg *m, const reply_ctx *rc, const ocf_coap_block *req, const uint8_t *key,
                             size_t key_len, ocf_time_ms now) {
  msg_blk *b = blk_find(m, false, rc->peer, key, key_len);
  if (!b) return false;
  uint32_t num;
  uint8_t szx, type;
  uint16_t mid;
  block2_want(m, true, req, &num, &szx);
  reply_header(m, rc, &type, &mid);
  uint8_t buf[OCF_MSG_DATAGRAM_MAX];
  size_t len;
  ocf_err err = build_block(b, type, mid, rc, num, szx, NULL, buf, &len);
  if (err) {
    reply_code(m, rc, err == OCF_ERR_RANGE ? OCF_COAP_BAD_OPTION : OCF_COAP_INTERNAL_SERVER_ERROR, now);
    return true;
  }
  (void)send_reply(m, rc, type, mid, buf, len, NULL, now);
  if ((size_t)(num + 1) * OCF_COAP_BLOCK_SIZE(szx) >= b->len)
    blk_clear(m, b); /* last block served; a retransmitted request gets the dedup copy */
  else
    b->expires = m->now + msg_exchange_lifetime(m);
  return true;
}

/* --- server exchanges ----------------------------------------------------------------------- */

static msg_sx *sx_find(ocf_msg *m, uint32_t handle) {
  for (size_t i = 0; handle && i < m->cfg.max_pending; i++)
    if (m->sx[i] && m->sx[i]->handle == handle) return m->sx[i];
  return NULL;
}

static void sx_release(ocf_msg *m, msg_sx *sx) {
  for (size_t i = 0; i < m->cfg.max_pending; i++)
    if (m->sx[i] == sx) m->sx[i] = NULL;
  msg_xmit_stop(m, &sx->x);
  msg_free(m, sx->key);
  msg_free(m, sx);
}

void msg_server_free_all(ocf_msg *m) {
  for (size_t i = 0; i < m->cfg.max_pending; i++)
    if (m->sx[i]) sx_release(m, m->sx[i]);
}

void msg_server_forget_peer(ocf_msg *m, const ocf_endpoint *peer) {
  for (size_t i = 0; i < m->cfg.max_pending; i++)
    if (m->sx[i] && msg_same_peer(&m->sx[i]->peer, peer)) sx_release(m, m->sx[i]);
  for (size_t i = 0; i < m->cfg.max_block_states; i++)
    if (m->blk[i].used && msg_same_peer(&m->blk[i].peer, peer)) blk_clear(m, &m->blk[i]);
}

void ocf_msg_set_request_handler(ocf_msg *m, ocf_msg_request_cb cb, void *user) {
  if (!m) return;
  m->handler = cb;
  m->handler_user = user;
}

void ocf_msg_drop(ocf_msg *m, uint32_t handle) {
  msg_sx *sx = m ? sx_find(m, handle) : NULL;
  if (sx) sx_release(m, sx);
}

static reply_ctx sx_reply_ctx(const msg_sx *sx) {
  reply_ctx rc = {.peer = &sx->peer,
                  .req_type = sx->req_type,
                  .req_mid = sx->req_mid,
                  .token = sx->token,
                  .token_len = sx->token_len};
  rc.piggyback = sx->req_type == OCF_COAP_CON && !sx->acked;
  return rc;
}

/* Keeps a body for its follow-up block requests and builds the block asked for. */
static ocf_err respond_blockwise(ocf_msg *m, msg_sx *sx, const reply_ctx *rc, const ocf_coap_msg *rsp,
                                 uint8_t type, uint16_t mid, const msg_extra *block1, uint8_t *buf,
                                 size_t *len) {
  if (rsp->payload_len > m->cfg.max_body) return OCF_ERR_TOO_LARGE;
  uint8_t etag[8];
  content_etag(rsp->code, rsp->payload, rsp->payload_len, etag);
  bool own_etag = ocf_coap_find_option(rsp, OCF_COAP_OPT_ETAG, NULL) != NULL;
  uint8_t *tmpl;
  size_t tmpl_len;
  ocf_err err =
      msg_template_make(m, rsp, own_etag ? NULL : etag, own_etag ? 0 : sizeof etag, &tmpl, &tmpl_len);
  if (err) return err;
  msg_blk *old = blk_find(m, false, &sx->peer, sx->key, sx->key_len);
  if (old) blk_clear(m, old);
  msg_blk *b = blk_new(m, false, &sx->peer, sx->key, sx->key_len);
  if (!b || (err = blk_append(m, b, rsp->payload, rsp->payload_len)) != OCF_OK) {
    msg_free(m, tmpl);
    if (b) blk_clear(m, b);
    return err ? err : OCF_ERR_NO_MEMORY;
  }
  b->tmpl = tmpl;
  b->tmpl_len = tmpl_len;
  uint32_t num;
  uint8_t szx;
  block2_want(m, sx->has_block2, &sx->block2, &num, &szx);
  err = build_block(b, type, mid, rc, num, szx, block1, buf, len);
  if (err == OCF_ERR_RANGE) { /* asked for a block past the end */
    blk_clear(m, b);
    ocf_coap_msg bad;
    ocf_coap_init(&bad, (ocf_coap_type)type, OCF_COAP_BAD_OPTION, mid);
    err = msg_build_from(&bad, type, mid, rc->token, rc->token_len, NULL, 0, NULL, 0, buf,
                         OCF_MSG_DATAGRAM_MAX, len);
  }
  return err;
}

static ocf_err build_response(ocf_msg *m, msg_sx *sx, const reply_ctx *rc, const ocf_coap_msg *rsp,
                              uint8_t type, uint16_t mid, uint8_t *buf, size_t *len) {
  msg_extra b1 = {0, 0};
  if (sx->has_block1)
    b1 = (msg_extra){OCF_COAP_OPT_BLOCK1, ocf_coap_block_encode(&sx->block1)}; /* RFC 7959 2.3 */
  uint32_t num;
  uint8_t szx;
  block2_want(m, sx->has_block2, &sx->block2, &num, &szx);
  if (num == 0 && rsp->payload_len <= OCF_COAP_BLOCK_SIZE(szx))
    return msg_build_from(rsp, type, mid, sx->token, sx->token_len, &b1, sx->has_block1 ? 1 : 0, rsp->payload,
                          rsp->payload_len, buf, OCF_MSG_DATAGRAM_MAX, len);
  return respond_blockwise(m, sx, rc, rsp, type, mid, sx->has_block1 ? &b1 : NULL, buf, len);
}

ocf_err ocf_msg_respond(ocf_msg *m, uint32_t handle, const ocf_coap_msg *rsp, ocf_time_ms now) {
  if (!m || !rsp) return OCF_ERR_INVALID_ARG;
  msg_sx *sx = sx_find(m, handle);
  if (!sx || sx->state != SX_PENDING) return OCF_ERR_NOT_FOUND;
  if (!msg_is_response_code(rsp->code) || (rsp->payload_len && !rsp->payload)) return OCF_ERR_INVALID_ARG;
  if (now > m->now) m->now = now;
  if (MULTICAST(&sx->peer) && OCF_COAP_CODE_CLASS(rsp->code) >= 4) {
    sx_release(m, sx); /* RFC 7252 8.2, digest pitfall 29: stay silent */
    return OCF_OK;
  }
  reply_ctx rc = sx_reply_ctx(sx);
  uint8_t type;
  uint16_t mid;
  reply_header(m, &rc, &type, &mid);
  uint8_t buf[OCF_MSG_DATAGRAM_MAX];
  size_t len;
  ocf_err err = build_response(m, sx, &rc, rsp, type, mid, buf, &len);
  if (!err) err = send_reply(m, &rc, type, mid, buf, len, &sx->x, m->now);
  if (err) return err == OCF_ERR_NO_SPACE ? OCF_ERR_TOO_LARGE : err;
  if (type == OCF_COAP_CON)
    sx->state = SX_SEPARATE; /* until ACK, RST or give-up */
  else
    sx_release(m, sx);
  return OCF_OK;
}

/* --- incoming requests ---------------------------------------------------------------------- */

static msg_sx **sx_free_slot(ocf_msg *m) {
  for (size_t i = 0; i < m->cfg.max_pending; i++)
    if (!m->sx[i]) return &m->sx[i];
  return NULL;
}

typedef struct request_blocks {
  bool has_block1, has_block2;
  ocf_coap_block block1, block2;
} request_blocks;

/* Runs the handler. key ownership passes to the exchange. */
static void dispatch(ocf_msg *m, const reply_ctx *rc, const ocf_coap_msg *msg, const request_blocks *rb,
                     uint8_t *key, size_t key_len, const body_view *body, ocf_time_ms now) {
  msg_sx **slot = sx_free_slot(m);
  msg_sx *sx = slot ? msg_alloc(m, sizeof *sx) : NULL;
  if (!sx) {
    msg_free(m, key);
    reply_code(m, rc, OCF_COAP_SERVICE_UNAVAILABLE, now); /* RFC 7252 5.9.3.4 */
    return;
  }
  memset(sx, 0, sizeof *sx);
  sx->handle = msg_new_id(m);
  sx->peer = *rc->peer;
  sx->req_type = msg->type;
  sx->req_mid = msg->mid;
  memcpy(sx->token, msg->token, msg->token_len);
  sx->token_len = msg->token_len;
  sx->key = key;
  sx->key_len = key_len;
  sx->has_block1 = rb->has_block1;
  sx->block1 = rb->block1;
  sx->block1.more = false;
  sx->has_block2 = rb->has_block2;
  sx->block2 = rb->block2;
  sx->expires = now + msg_exchange_lifetime(m);
  *slot = sx;
  ocf_coap_msg req = *msg;
  ocf_coap_remove_option(&req, OCF_COAP_OPT_BLOCK1);
  ocf_coap_remove_option(&req, OCF_COAP_OPT_BLOCK2);
  ocf_coap_remove_option(&req, OCF_COAP_OPT_SIZE1);
  ocf_coap_remove_option(&req, OCF_COAP_OPT_SIZE2);
  req.payload = body->len ? body->ptr : NULL;
  req.payload_len = body->len;
  uint32_t handle = sx->handle;
  /* A copy: the handler may release sx (ocf_msg_drop, ocf_msg_forget_peer) and still read peer. */
  ocf_endpoint peer = sx->peer;
  ocf_msg_incoming in = {.handle = handle, .peer = &peer, .request = &req, .now = now};
  m->handler(m->handler_user, m, &in);
  sx = sx_find(m, handle);
  if (!sx) return;
  if (sx->state == SX_PENDING && sx->req_type == OCF_COAP_CON && !sx->acked) {
    msg_send_empty(m, &sx->peer, OCF_COAP_ACK, sx->req_mid); /* RFC 7252 5.2.2: answer comes later */
    sx->acked = true;
  }
}

/* Checks that reject a request before any block-wise or handler work. True when answered. */
static bool reject_early(ocf_msg *m, const reply_ctx *rc, const ocf_coap_msg *msg, ocf_time_ms now) {
  if (msg_unknown_critical(msg)) {
    /* RFC 7252 5.4.1: 4.02 for a CON; a NON is rejected by ignoring it. */
    if (msg->type == OCF_COAP_CON) reply_code(m, rc, OCF_COAP_BAD_OPTION, now);
    return true;
  }
  if (ocf_coap_find_option(msg, OCF_COAP_OPT_PROXY_URI, NULL) ||
      ocf_coap_find_option(msg, OCF_COAP_OPT_PROXY_SCHEME, NULL)) {
    reply_code(m, rc, PROXYING_NOT_SUPPORTED, now); /* RFC 7252 5.7.2: we are no proxy */
    return true;
  }
  if (!m->handler) {
    reply_code(m, rc, OCF_COAP_NOT_FOUND, now);
    return true;
  }
  return false;
}

/* Reads the block options. False (answered 4.02, RFC 7252 5.4.3) when one is malformed. */
static bool read_blocks(ocf_msg *m, const reply_ctx *rc, const ocf_coap_msg *msg, request_blocks *rb,
                        ocf_time_ms now) {
  ocf_err e1 = ocf_coap_get_block(msg, OCF_COAP_OPT_BLOCK1, &rb->block1);
  ocf_err e2 = ocf_coap_get_block(msg, OCF_COAP_OPT_BLOCK2, &rb->block2);
  rb->has_block1 = e1 == OCF_OK;
  rb->has_block2 = e2 == OCF_OK;
  if ((e1 && e1 != OCF_ERR_NOT_FOUND) || (e2 && e2 != OCF_ERR_NOT_FOUND)) {
    reply_code(m, rc, OCF_COAP_BAD_OPTION, now);
    return false;
  }
  return true;
}

void msg_server_on_request(ocf_msg *m, const ocf_endpoint *from, const ocf_coap_msg *msg, ocf_time_ms now) {
  reply_ctx rc = {.peer = from,
                  .req_type = msg->type,
                  .req_mid = msg->mid,
                  .token = msg->token,
                  .token_len = msg->token_len,
                  .piggyback = msg->type == OCF_COAP_CON};
  request_blocks rb;
  if (reject_early(m, &rc, msg, now) || !read_blocks(m, &rc, msg, &rb, now)) return;
  /* Block-wise continuation makes no sense on a group request: ignore it. */
  if (MULTICAST(from) && (rb.has_block1 || (rb.has_block2 && rb.block2.num > 0))) return;
  body_view body = {.ptr = msg->payload, .len = msg->payload_len};
  if (!rb.has_block1 && msg->payload_len > m->cfg.max_body) {
    reply_too_large(m, &rc, now);
    return;
  }
  uint8_t *key;
  size_t key_len;
  ocf_err err = msg_template_make(m, msg, NULL, 0, &key, &key_len);
  if (err) {
    /* Options that do not fit one of our datagrams are the peer's fault; memory is ours. */
    reply_code(m, &rc, err == OCF_ERR_TOO_LARGE ? OCF_COAP_BAD_REQUEST : OCF_COAP_INTERNAL_SERVER_ERROR, now);
    return;
  }
  bool run = true;
  if (rb.has_block1)
    run = block1_step(m, &rc, msg, &rb.block1, key, key_len, &body, now);
  else if (rb.has_block2 && rb.block2.num > 0 && serve_kept_block(m, &rc, &rb.block2, key, key_len, now))
    run = false;
  else if (rb.has_block2 && rb.block2.num > 0 && msg->code != OCF_COAP_GET) {
    /* The kept body of an unsafe request is gone; running it again could repeat its effect. */
    reply_code(m, &rc, OCF_COAP_REQUEST_ENTITY_INCOMPLETE, now);
    run = false;
  }
  if (run)
    dispatch(m, &rc, msg, &rb, key, key_len, &body, now);
  else
    msg_free(m, key);
  msg_free(m, body.owned);
}

/* --- acknowledgements and timers ------------------------------------------------------------ */

bool msg_server_on_ack_or_rst(ocf_msg *m, const ocf_endpoint *from, uint16_t mid) {
  for (size_t i = 0; i < m->cfg.max_pending; i++) {
    msg_sx *sx = m->sx[i];
    if (sx && sx->state == SX_SEPARATE && sx->x.mid == mid && msg_same_peer(&sx->x.to, from)) {
      sx_release(m, sx); /* RFC 7252 5.2.2: the separate response is delivered (or refused) */
      return true;
    }
  }
  return false;
}

void msg_server_on_timeout(ocf_msg *m, ocf_time_ms now) {
  for (size_t i = 0; i < m->cfg.max_pending; i++) {
    msg_sx *sx = m->sx[i];
    if (!sx) continue;
    if (sx->state == SX_PENDING && sx->expires <= now) {
      ocf_log(&m->pf, OCF_LOG_WARN, MSG_LOG, "request %u never answered, released", (unsigned)sx->handle);
      sx_release(m, sx);
    } else if (sx->state == SX_SEPARATE && sx->x.deadline <= now && !msg_xmit_fire(m, &sx->x)) {
      ocf_log(&m->pf, OCF_LOG_INFO, MSG_LOG, "separate response not acknowledged, given up");
      sx_release(m, sx);
    }
  }
}

ocf_time_ms msg_server_next_timeout(const ocf_msg *m) {
  ocf_time_ms t = OCF_MSG_NO_TIMEOUT;
  for (size_t i = 0; i < m->cfg.max_pending; i++) {
    const msg_sx *sx = m->sx[i];
    if (!sx) continue;
    ocf_time_ms d = sx->state == SX_PENDING ? sx->expires : sx->x.deadline;
    if (d < t) t = d;
  }
  return t;
}
