/* Messaging context: configuration, outbox, duplicate detection, timers, and the dispatch of a
 * received datagram to the client or server half (RFC 7252 4, 5.3, 8). */
#include <string.h>

#include "base/log.h"
#include "msg/msg_internal.h"

void ocf_msg_config_default(ocf_msg_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->ack_timeout_ms = 2000;          /* RFC 7252 4.8 */
  cfg->ack_random_factor_milli = 1500; /* RFC 7252 4.8 */
  cfg->max_retransmit = 4;             /* RFC 7252 4.8 */
  cfg->nstart = 1;                     /* RFC 7252 4.8 */
  cfg->max_latency_ms = 100000;        /* RFC 7252 4.8.2 */
  cfg->multicast_window_ms = 5000;
  cfg->multicast_leisure_ms = 2000; /* digest §1.7: IoTivity-Lite answers within 0-2000 ms */
  cfg->block_szx = 6;               /* digest §1.2: 1024-byte blocks over UDP */
  cfg->max_body = 64 * 1024;
  cfg->max_exchanges = 32;
  cfg->max_pending = 32;
  cfg->max_dedup = 256;
  cfg->max_block_states = 8;
  cfg->max_outbox = 64;
}

/* RFC 7252 4.8.2: ACK_TIMEOUT * (2^n - 1) * ACK_RANDOM_FACTOR. */
static uint64_t transmit_span(const ocf_msg_config *c, unsigned n) {
  return (uint64_t)c->ack_timeout_ms * ((1u << n) - 1u) * c->ack_random_factor_milli / 1000u;
}

ocf_time_ms msg_exchange_lifetime(const ocf_msg *m) {
  if (m->cfg.exchange_lifetime_ms) return m->cfg.exchange_lifetime_ms;
  /* RFC 7252 4.8.2: MAX_TRANSMIT_SPAN + 2 * MAX_LATENCY + PROCESSING_DELAY (= ACK_TIMEOUT). */
  return transmit_span(&m->cfg, m->cfg.max_retransmit) + 2ull * m->cfg.max_latency_ms + m->cfg.ack_timeout_ms;
}

ocf_time_ms msg_response_timeout(const ocf_msg *m) {
  if (m->cfg.response_timeout_ms) return m->cfg.response_timeout_ms;
  return transmit_span(&m->cfg, m->cfg.max_retransmit + 1u); /* MAX_TRANSMIT_WAIT */
}

static bool config_valid(const ocf_msg_config *c) {
  return c->block_szx <= 6 && c->ack_random_factor_milli >= 1000 && c->ack_timeout_ms > 0 &&
         c->max_retransmit <= 8 && c->nstart > 0 && c->max_body > 0 && c->max_exchanges > 0 &&
         c->max_pending > 0 && c->max_dedup > 0 && c->max_block_states > 0 && c->max_outbox > 0 &&
         c->max_exchanges <= 65535 && c->max_pending <= 65535 && c->max_dedup <= 65535 &&
         c->max_block_states <= 1024 && c->ack_timeout_ms <= 600000;
}

void *msg_alloc(ocf_msg *m, size_t n) { return m->pf.alloc(m->pf.ctx, n); }

void msg_free(ocf_msg *m, void *p) {
  if (p) m->pf.free(m->pf.ctx, p);
}

static void *alloc_zeroed(ocf_msg *m, size_t n) {
  void *p = msg_alloc(m, n);
  if (p) memset(p, 0, n);
  return p;
}

ocf_err ocf_msg_create(const ocf_platform *pf, const ocf_msg_config *cfg, ocf_msg **out) {
  if (!pf || !out || !pf->alloc || !pf->free || !pf->random) return OCF_ERR_INVALID_ARG;
  ocf_msg_config c;
  if (cfg)
    c = *cfg;
  else
    ocf_msg_config_default(&c);
  if (!config_valid(&c)) return OCF_ERR_INVALID_ARG;
  uint8_t seed[2];
  ocf_err err = pf->random(pf->ctx, seed, sizeof seed);
  if (err) return err;
  ocf_msg *m = pf->alloc(pf->ctx, sizeof *m);
  if (!m) return OCF_ERR_NO_MEMORY;
  memset(m, 0, sizeof *m);
  m->pf = *pf;
  m->cfg = c;
  m->next_mid = (uint16_t)((seed[0] << 8) | seed[1]); /* RFC 7252 4.4: start at a random id */
  m->next_id = 1;
  m->cx = alloc_zeroed(m, c.max_exchanges * sizeof *m->cx);
  m->sx = alloc_zeroed(m, c.max_pending * sizeof *m->sx);
  m->blk = alloc_zeroed(m, c.max_block_states * sizeof *m->blk);
  m->dedup = alloc_zeroed(m, c.max_dedup * sizeof *m->dedup);
  if (!m->cx || !m->sx || !m->blk || !m->dedup) {
    ocf_msg_destroy(m);
    return OCF_ERR_NO_MEMORY;
  }
  *out = m;
  return OCF_OK;
}

void ocf_msg_destroy(ocf_msg *m) {
  if (!m) return;
  if (m->cx) msg_client_free_all(m);
  if (m->sx) msg_server_free_all(m);
  if (m->blk) {
    for (size_t i = 0; i < m->cfg.max_block_states; i++) {
      msg_free(m, m->blk[i].key);
      msg_free(m, m->blk[i].tmpl);
      msg_free(m, m->blk[i].body);
    }
  }
  if (m->dedup)
    for (size_t i = 0; i < m->cfg.max_dedup; i++) msg_free(m, m->dedup[i].reply);
  while (m->out_head) {
    msg_out *o = m->out_head;
    m->out_head = o->next;
    msg_free(m, o);
  }
  msg_free(m, m->cx);
  msg_free(m, m->sx);
  msg_free(m, m->blk);
  msg_free(m, m->dedup);
  m->pf.free(m->pf.ctx, m);
}

uint32_t msg_new_id(ocf_msg *m) {
  uint32_t id = m->next_id++;
  if (m->next_id == 0) m->next_id = 1;
  return id;
}

uint16_t msg_new_mid(ocf_msg *m) { return m->next_mid++; }

bool msg_same_peer(const ocf_endpoint *a, const ocf_endpoint *b) {
  return ocf_endpoint_equal(a, b) && ((a->flags ^ b->flags) & OCF_EP_SECURE) == 0;
}

/* --- outbox --------------------------------------------------------------------------------- */

void msg_enqueue(ocf_msg *m, const ocf_endpoint *to, const uint8_t *data, size_t len, ocf_time_ms due) {
  if (m->out_count >= m->cfg.max_outbox) {
    ocf_log(&m->pf, OCF_LOG_WARN, MSG_LOG, "outbox full, datagram dropped");
    return;
  }
  msg_out *o = msg_alloc(m, sizeof *o + len);
  if (!o) {
    ocf_log(&m->pf, OCF_LOG_WARN, MSG_LOG, "no memory, datagram dropped");
    return;
  }
  o->next = NULL;
  o->to = *to;
  o->to.flags &= (uint8_t)~OCF_EP_MULTICAST; /* the flag describes received datagrams only */
  o->due = due;
  o->len = len;
  memcpy(o->data, data, len);
  if (m->out_tail)
    m->out_tail->next = o;
  else
    m->out_head = o;
  m->out_tail = o;
  m->out_count++;
}

size_t ocf_msg_next_datagram(ocf_msg *m, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  if (!m || !to || !buf) return 0;
  msg_out *prev = NULL, *o = m->out_head;
  while (o) {
    if (o->due > m->now) {
      prev = o;
      o = o->next;
      continue;
    }
    msg_out *next = o->next;
    if (prev)
      prev->next = next;
    else
      m->out_head = next;
    if (m->out_tail == o) m->out_tail = prev;
    m->out_count--;
    size_t len = o->len;
    if (len <= cap) {
      *to = o->to;
      memcpy(buf, o->data, len);
      msg_free(m, o);
      return len;
    }
    ocf_log(&m->pf, OCF_LOG_WARN, MSG_LOG, "datagram of %zu bytes exceeds the %zu-byte buffer", len, cap);
    msg_free(m, o);
    o = next;
  }
  return 0;
}

void msg_send_empty(ocf_msg *m, const ocf_endpoint *to, ocf_coap_type type, uint16_t mid) {
  /* RFC 7252 3: an Empty message is just the 4-byte header. */
  uint8_t d[4] = {(uint8_t)((OCF_COAP_VERSION << 6) | ((unsigned)type << 4)), OCF_COAP_EMPTY,
                  (uint8_t)(mid >> 8), (uint8_t)mid};
  msg_enqueue(m, to, d, sizeof d, 0);
  msg_dedup_set_reply(m, to, mid, d, sizeof d);
}

/* --- duplicate detection (RFC 7252 4.5) ---------------------------------------------------- */

static msg_dedup *dedup_find(ocf_msg *m, const ocf_endpoint *peer, uint16_t mid) {
  for (size_t i = 0; i < m->cfg.max_dedup; i++) {
    msg_dedup *d = &m->dedup[i];
    if (d->used && d->mid == mid && msg_same_peer(&d->peer, peer)) return d;
  }
  return NULL;
}

static void dedup_clear(ocf_msg *m, msg_dedup *d) {
  msg_free(m, d->reply);
  memset(d, 0, sizeof *d);
}

void msg_dedup_add(ocf_msg *m, const ocf_endpoint *peer, uint16_t mid, bool con) {
  msg_dedup *slot = NULL;
  for (size_t i = 0; i < m->cfg.max_dedup && !slot; i++)
    if (!m->dedup[i].used) slot = &m->dedup[i];
  if (!slot) {
    /* Full: forget the entry closest to expiry. A very late duplicate of it would be
     * processed again; memory stays bounded. */
    slot = &m->dedup[0];
    for (size_t i = 1; i < m->cfg.max_dedup; i++)
      if (m->dedup[i].expires < slot->expires) slot = &m->dedup[i];
    dedup_clear(m, slot);
  }
  slot->used = true;
  slot->con = con;
  slot->peer = *peer;
  slot->mid = mid;
  /* RFC 7252 4.5: EXCHANGE_LIFETIME for CON; NON_LIFETIME is shorter, the longer bound is safe. */
  slot->expires = m->now + msg_exchange_lifetime(m);
}

void msg_dedup_set_reply(ocf_msg *m, const ocf_endpoint *peer, uint16_t mid, const uint8_t *data,
                         size_t len) {
  msg_dedup *d = dedup_find(m, peer, mid);
  if (!d || !d->con) return;
  uint8_t *copy = msg_alloc(m, len);
  if (!copy) return; /* a duplicate then gets no answer and the peer retransmits or gives up */
  memcpy(copy, data, len);
  msg_free(m, d->reply);
  d->reply = copy;
  d->reply_len = len;
}

/* True when the message was seen before (and the old answer has been sent again). */
static bool dedup_check(ocf_msg *m, const ocf_endpoint *from, const ocf_coap_msg *msg) {
  msg_dedup *d = dedup_find(m, from, msg->mid);
  if (!d) {
    msg_dedup_add(m, from, msg->mid, msg->type == OCF_COAP_CON);
    return false;
  }
  if (msg->type == OCF_COAP_CON && d->reply) msg_enqueue(m, from, d->reply, d->reply_len, 0);
  return true;
}

static void purge_expired(ocf_msg *m) {
  for (size_t i = 0; i < m->cfg.max_dedup; i++)
    if (m->dedup[i].used && m->dedup[i].expires <= m->now) dedup_clear(m, &m->dedup[i]);
  for (size_t i = 0; i < m->cfg.max_block_states; i++) {
    msg_blk *b = &m->blk[i];
    if (!b->used || b->expires > m->now) continue;
    msg_free(m, b->key);
    msg_free(m, b->tmpl);
    msg_free(m, b->body);
    memset(b, 0, sizeof *b);
  }
}

static void advance(ocf_msg *m, ocf_time_ms now) {
  if (now > m->now) m->now = now;
}

/* --- dispatch ------------------------------------------------------------------------------- */

static void on_con_or_non(ocf_msg *m, const ocf_endpoint *from, const ocf_coap_msg *msg, bool mcast) {
  bool con = msg->type == OCF_COAP_CON;
  if (msg->code == OCF_COAP_EMPTY) {
    /* RFC 7252 4.3: an empty CON ("ping") is answered with RST; an empty NON is malformed. */
    if (con && !mcast) msg_send_empty(m, from, OCF_COAP_RST, msg->mid);
    return;
  }
  if (mcast && (con || !ocf_coap_is_request(msg->code))) return; /* RFC 7252 8.1: only NON requests */
  if (dedup_check(m, from, msg)) return;
  if (ocf_coap_is_request(msg->code)) {
    msg_server_on_request(m, from, msg, m->now);
  } else if (msg_is_response_code(msg->code)) {
    /* RFC 7252 5.3.2: a CON response nobody asked for is rejected; a NON one ignored. */
    if (!msg_client_on_response(m, from, msg, m->now) && con) msg_send_empty(m, from, OCF_COAP_RST, msg->mid);
  } else if (con) {
    msg_send_empty(m, from, OCF_COAP_RST, msg->mid); /* reserved class 3: reject */
  }
}

ocf_err ocf_msg_handle_datagram(ocf_msg *m, const ocf_endpoint *from, const uint8_t *data, size_t len,
                                ocf_time_ms now) {
  if (!m || !from || (!data && len)) return OCF_ERR_INVALID_ARG;
  advance(m, now);
  purge_expired(m);
  ocf_coap_msg msg;
  bool mcast = (from->flags & OCF_EP_MULTICAST) != 0;
  ocf_err err = ocf_coap_parse(data, len, &msg);
  if (err) {
    /* RFC 7252 4.2: a malformed CON is rejected with RST; other types and unknown versions are
     * silently ignored, and nothing is ever sent back to a multicast datagram (RFC 7252 8.1). */
    if (err != OCF_ERR_UNSUPPORTED && len >= 4 && msg.type == OCF_COAP_CON && !mcast)
      msg_send_empty(m, from, OCF_COAP_RST, msg.mid);
    return err;
  }
  switch ((ocf_coap_type)msg.type) {
  case OCF_COAP_ACK:
    if (mcast || ocf_coap_is_request(msg.code)) break;
    if (msg.code == OCF_COAP_EMPTY && msg_server_on_ack_or_rst(m, from, msg.mid)) break;
    msg_client_on_ack(m, from, &msg, m->now);
    break;
  case OCF_COAP_RST:
    if (mcast || msg.code != OCF_COAP_EMPTY) break; /* RFC 7252 4.2: RST is always Empty */
    if (!msg_server_on_ack_or_rst(m, from, msg.mid)) msg_client_on_rst(m, from, msg.mid);
    break;
  case OCF_COAP_CON:
  case OCF_COAP_NON: on_con_or_non(m, from, &msg, mcast); break;
  }
  return OCF_OK;
}

ocf_time_ms ocf_msg_next_timeout(const ocf_msg *m) {
  if (!m) return OCF_MSG_NO_TIMEOUT;
  ocf_time_ms t = msg_client_next_timeout(m);
  ocf_time_ms s = msg_server_next_timeout(m);
  if (s < t) t = s;
  for (const msg_out *o = m->out_head; o; o = o->next)
    if (o->due > m->now && o->due < t) t = o->due;
  return t;
}

void ocf_msg_on_timeout(ocf_msg *m, ocf_time_ms now) {
  if (!m) return;
  advance(m, now);
  purge_expired(m);
  msg_server_on_timeout(m, m->now);
  msg_client_on_timeout(m, m->now);
}

static void forget_queued(ocf_msg *m, const ocf_endpoint *peer) {
  msg_out **link = &m->out_head;
  m->out_tail = NULL;
  while (*link) {
    msg_out *o = *link;
    if (msg_same_peer(&o->to, peer)) {
      *link = o->next;
      m->out_count--;
      msg_free(m, o);
    } else {
      m->out_tail = o;
      link = &o->next;
    }
  }
}

size_t ocf_msg_forget_peer(ocf_msg *m, const ocf_endpoint *peer, ocf_err err) {
  if (!m || !peer) return 0;
  msg_server_forget_peer(m, peer);
  for (size_t i = 0; i < m->cfg.max_dedup; i++)
    if (m->dedup[i].used && msg_same_peer(&m->dedup[i].peer, peer)) dedup_clear(m, &m->dedup[i]);
  forget_queued(m, peer);
  /* Last: the FAILED callbacks may send new requests (to other peers) or forget more. */
  return msg_client_forget_peer(m, peer, err);
}

/* --- engine view (<ocf/ocf_engine.h>) ------------------------------------------------------ */

static void engine_handle(void *ctx, const ocf_endpoint *from, const uint8_t *data, size_t len,
                          ocf_time_ms now) {
  (void)ocf_msg_handle_datagram(ctx, from, data, len, now);
}

static size_t engine_next(void *ctx, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  return ocf_msg_next_datagram(ctx, to, buf, cap);
}

static ocf_time_ms engine_timeout(void *ctx) { return ocf_msg_next_timeout(ctx); }

static void engine_on_timeout(void *ctx, ocf_time_ms now) { ocf_msg_on_timeout(ctx, now); }

static const ocf_engine_ops msg_engine_ops = {engine_handle, engine_next, engine_timeout, engine_on_timeout};

ocf_engine ocf_msg_engine(ocf_msg *m) {
  ocf_engine e = {&msg_engine_ops, m};
  return e;
}
