/* Entry points that move datagrams and time through the DTLS context: the stateless
 * HelloVerifyRequest front (RFC 6347 4.2.1), routing to sessions, connect, send, close, timers,
 * and the engine adapter. */
#include <string.h>

#include "dtls/dtls_internal.h"

/* --- inbound -------------------------------------------------------------------------------- */

static void feed(ocf_dtls_session *s, const uint8_t *data, size_t len) {
  s->in = data;
  s->in_len = len;
  /* When the retransmission timer expired before this datagram, the library first resends its
   * flight and returns without reading: drive again while the datagram is still unread. */
  for (int i = 0; i < 3 && s->in && s->state != SESSION_DEAD; i++) ocf_dtls_tls_drive(s);
  s->in = NULL;
}

/* RFC 6347 4.2.1: answer a ClientHello without a valid cookie and keep nothing. */
static ocf_err hello_verify(ocf_dtls_ctx *d, const ocf_endpoint *from, const ocf_dtls_client_hello *ch,
                            const uint8_t client_id[OCF_DTLS_CLIENT_ID_LEN]) {
  uint8_t cookie[OCF_DTLS_COOKIE_LEN], hvr[OCF_DTLS_HVR_LEN];
  ocf_err err = ocf_dtls_cookie_make(d->cookie_secret, d->now, client_id, OCF_DTLS_CLIENT_ID_LEN, cookie);
  if (err) return err;
  size_t n = ocf_dtls_build_hello_verify(ch, cookie, hvr);
  if (!n || !ocf_dtls_outbox_push_to(d, from, hvr, n)) return OCF_ERR_BUSY;
  d->stats.hello_verify_sent++;
  return OCF_OK;
}

/* Age from which a server handshake counts as abandoned: 4 first retransmission timeouts. */
static bool handshake_stale(const ocf_dtls_ctx *d, const ocf_dtls_session *s) {
  return d->now - s->started >= (ocf_time_ms)d->cfg.hs_timeout_min_ms * 4u;
}

/* With every handshake slot taken, a newcomer that proved it is reachable (a valid cookie) takes
 * the slot of the oldest server handshake running for 4 first retransmission timeouts or more:
 * clients that crashed or vanished mid-handshake (a tool killed and restarted, on a new port)
 * would otherwise hold the slots until handshake_limit_ms and lock everyone out. A live client
 * evicted this way retransmits and gets in once a slot frees. */
static void evict_stale_handshake(ocf_dtls_ctx *d) {
  if (d->stats.handshakes < d->cfg.max_handshakes || d->stats.sessions >= d->cfg.max_sessions) return;
  ocf_dtls_session *oldest = NULL;
  for (ocf_dtls_session *s = d->sessions; s; s = s->next)
    if (s->state == SESSION_HANDSHAKE && s->info.is_server && handshake_stale(d, s) &&
        (!oldest || s->started < oldest->started))
      oldest = s;
  if (!oldest) return;
  d->stats.handshakes_evicted++;
  ocf_dtls__failed(oldest, OCF_ERR_TIMEOUT);
}

/* Whether from's address may start one more server handshake (max_handshakes_per_source): a
 * host answers cookies from as many ports as it likes, so it gets a share of the slots, never
 * all of them. At its share, its own oldest stale handshake (running for 4 first retransmission
 * timeouts or more, as in evict_stale_handshake) makes room: a tool killed mid-handshake and
 * started again, from the same host on new ports, must not wait for handshake_limit_ms. */
static bool source_allows(ocf_dtls_ctx *d, const ocf_endpoint *from) {
  if (!d->cfg.max_handshakes_per_source) return true;
  size_t n = 0;
  ocf_dtls_session *oldest = NULL;
  for (ocf_dtls_session *s = d->sessions; s; s = s->next) {
    if (s->state != SESSION_HANDSHAKE || !s->info.is_server || s->info.peer.family != from->family ||
        memcmp(s->info.peer.addr, from->addr, from->family == OCF_IPV4 ? 4 : sizeof from->addr) != 0)
      continue;
    n++;
    if (handshake_stale(d, s) && (!oldest || s->started < oldest->started)) oldest = s;
  }
  if (n < d->cfg.max_handshakes_per_source) return true;
  if (!oldest) return false;
  d->stats.handshakes_evicted++;
  ocf_dtls__failed(oldest, OCF_ERR_TIMEOUT);
  return true;
}

static ocf_err accept_session(ocf_dtls_ctx *d, const ocf_endpoint *from, const uint8_t *data, size_t len,
                              const ocf_dtls_client_hello *ch) {
  /* Checked before any other host's stale handshake is evicted: one host cannot push other
   * hosts out either. Dropped silently like the caps below. */
  if (!source_allows(d, from)) {
    d->stats.hello_dropped_source++;
    return OCF_ERR_BUSY;
  }
  evict_stale_handshake(d);
  /* Over the caps the ClientHello is dropped silently: the client retransmits it (RFC 6347
   * 4.2.4) and gets in once a slot is free. */
  if (!ocf_dtls_caps_allow(d)) {
    d->stats.hello_dropped_caps++;
    return OCF_ERR_BUSY;
  }
  ocf_dtls_profile p;
  memset(&p, 0, sizeof p);
  if (d->cbs.accept(d->cbs.user, from, &p) != OCF_OK) return OCF_ERR_DENIED;
  if (!ocf_dtls_caps_allow(d) || ocf_dtls_find_live(d, from)) { /* the callback started sessions */
    d->stats.hello_dropped_caps++;
    return OCF_ERR_BUSY;
  }
  ocf_dtls_session *s;
  ocf_err err = ocf_dtls_new_session(d, from, true, &p, &s);
  if (err) return err;
  memcpy(s->hello_random, ch->random, sizeof s->hello_random);
  feed(s, data, len);
  return OCF_OK;
}

/* Whether a ClientHello reaching an existing session may start a new association rather than
 * belong to the session's own handshake: always for an open session (hello_from decides), and
 * for a server handshake only with another random than the hello that opened it. */
static bool is_new_hello(const ocf_dtls_session *s, const ocf_dtls_client_hello *ch) {
  if (s->state == SESSION_OPEN) return true;
  return s->info.is_server && memcmp(ch->random, s->hello_random, OCF_TLS_RANDOM_LEN) != 0;
}

/* RFC 6347 4.2.8 asks for proof of reachability before an association is replaced. A copy of
 * the ClientHello that opened the session (same random), or one whose cookie was issued before
 * the session began, is a duplicate or a replay from the network, not a restarted client. */
static bool is_restart(const ocf_dtls_session *old, const ocf_dtls_client_hello *ch) {
  if (old->info.is_server && !memcmp(ch->random, old->hello_random, OCF_TLS_RANDOM_LEN)) return false;
  ocf_time_ms since = old->state == SESSION_OPEN ? old->established_at : old->started;
  return ocf_dtls_cookie_seconds(ch->cookie) >= (uint32_t)(since / 1000);
}

/* A ClientHello that may start a new session. `old` is a session with the same peer that the
 * hello replaces once it carries a valid cookie and is a genuine restart. */
static ocf_err hello_from(ocf_dtls_ctx *d, ocf_dtls_session *old, const ocf_endpoint *from,
                          const uint8_t *data, size_t len, const ocf_dtls_client_hello *ch) {
  uint8_t client_id[OCF_DTLS_CLIENT_ID_LEN];
  ocf_dtls_client_id(from, client_id);
  if (!ocf_dtls_cookie_valid(d->cookie_secret, d->now, d->cfg.cookie_lifetime_ms, client_id, sizeof client_id,
                             ch->cookie, ch->cookie_len))
    return hello_verify(d, from, ch, client_id);
  if (old) {
    if (!is_restart(old, ch)) return OCF_OK; /* a late copy: nothing to do */
    if (old->state == SESSION_OPEN && d->stats.handshakes >= d->cfg.max_handshakes) {
      d->stats.hello_dropped_caps++;
      return OCF_ERR_BUSY;
    }
    if (old->state == SESSION_OPEN)
      ocf_dtls__closed(old, OCF_DTLS_CLOSE_REPLACED, OCF_OK);
    else
      ocf_dtls__failed(old, OCF_ERR_RESET); /* the client started over */
  }
  return accept_session(d, from, data, len, ch);
}

static ocf_err route(ocf_dtls_ctx *d, const ocf_endpoint *from, const uint8_t *data, size_t len) {
  ocf_dtls_session *s = ocf_dtls_find_live(d, from);
  ocf_dtls_client_hello ch;
  ocf_err parsed = d->cfg.server ? ocf_dtls_parse_client_hello(data, len, &ch) : OCF_ERR_NOT_FOUND;
  if (s && (parsed != OCF_OK || !is_new_hello(s, &ch))) {
    feed(s, data, len);
    return OCF_OK;
  }
  if (!s && parsed == OCF_ERR_NOT_FOUND) return OCF_ERR_NOT_FOUND;
  if (parsed) return parsed == OCF_ERR_TRUNCATED ? OCF_ERR_MALFORMED : parsed;
  return hello_from(d, s, from, data, len, &ch);
}

ocf_err ocf_dtls_handle_datagram(ocf_dtls_ctx *d, const ocf_endpoint *from, const uint8_t *data, size_t len,
                                 ocf_time_ms now) {
  if (!d || !from || (!data && len)) return OCF_ERR_INVALID_ARG;
  if (d->in_library) return OCF_ERR_STATE;
  /* DTLS is unicast only: a datagram sent to a group cannot belong to a session. */
  if (from->flags & OCF_EP_MULTICAST || !len) {
    d->stats.dropped++;
    return OCF_ERR_MALFORMED;
  }
  ocf_dtls_enter(d, now);
  ocf_err err = route(d, from, data, len);
  if (err) d->stats.dropped++;
  ocf_dtls_leave(d);
  return err;
}

/* --- outbound ------------------------------------------------------------------------------- */

static ocf_err connect_entered(ocf_dtls_ctx *d, const ocf_endpoint *peer, const ocf_dtls_profile *p) {
  if (ocf_dtls_find_live(d, peer)) return OCF_ERR_STATE;
  if (!ocf_dtls_caps_allow(d)) return OCF_ERR_BUSY;
  ocf_dtls_session *s;
  ocf_err err = ocf_dtls_new_session(d, peer, false, p, &s);
  if (err) return err;
  ocf_dtls_tls_drive(s); /* queues the ClientHello; a failure from here on is a FAILED event */
  return OCF_OK;
}

ocf_err ocf_dtls_connect(ocf_dtls_ctx *d, const ocf_endpoint *peer, const ocf_dtls_profile *p,
                         ocf_time_ms now) {
  if (!d || !peer || !p || ocf_endpoint_is_multicast(peer)) return OCF_ERR_INVALID_ARG;
  if (!d->cfg.client || d->in_library) return OCF_ERR_STATE;
  ocf_dtls_enter(d, now);
  ocf_err err = connect_entered(d, peer, p);
  ocf_dtls_leave(d);
  return err;
}

ocf_err ocf_dtls_send(ocf_dtls_ctx *d, const ocf_endpoint *peer, const uint8_t *data, size_t len,
                      ocf_time_ms now) {
  if (!d || !peer || !data || !len) return OCF_ERR_INVALID_ARG;
  if (d->in_library) return OCF_ERR_STATE;
  ocf_dtls_enter(d, now);
  ocf_dtls_session *s = ocf_dtls_find_live(d, peer);
  ocf_err err;
  if (!s)
    err = OCF_ERR_NOT_FOUND;
  else if (s->state != SESSION_OPEN)
    err = OCF_ERR_STATE;
  else if (ocf_dtls_outbox_full(d))
    err = OCF_ERR_BUSY;
  else
    err = ocf_dtls_tls_write(s, data, len);
  ocf_dtls_leave(d);
  return err;
}

ocf_err ocf_dtls_close(ocf_dtls_ctx *d, const ocf_endpoint *peer, ocf_time_ms now) {
  if (!d || !peer) return OCF_ERR_INVALID_ARG;
  if (d->in_library) return OCF_ERR_STATE;
  ocf_dtls_enter(d, now);
  ocf_dtls_session *s = ocf_dtls_find_live(d, peer);
  if (s) {
    ocf_dtls_tls_close_notify(s); /* RFC 5246 7.2.1 */
    ocf_dtls__closed(s, OCF_DTLS_CLOSE_LOCAL, OCF_OK);
  }
  ocf_dtls_leave(d);
  return s ? OCF_OK : OCF_ERR_NOT_FOUND;
}

/* --- time ----------------------------------------------------------------------------------- */

static void session_timeout(ocf_dtls_session *s) {
  const ocf_dtls_config *c = &s->ctx->cfg;
  ocf_time_ms now = s->ctx->now;
  if (s->state == SESSION_HANDSHAKE && now - s->started >= c->handshake_limit_ms) {
    ocf_dtls__failed(s, OCF_ERR_TIMEOUT);
    return;
  }
  /* The library retransmits its flight, or gives up, when it finds its timer expired. */
  if (s->state != SESSION_DEAD && s->timer_armed && now >= s->timer_fin_at) ocf_dtls_tls_drive(s);
  if (s->state == SESSION_OPEN && c->idle_timeout_ms && now - s->last_rx >= c->idle_timeout_ms) {
    ocf_dtls_tls_close_notify(s);
    ocf_dtls__closed(s, OCF_DTLS_CLOSE_IDLE, OCF_OK);
  }
}

void ocf_dtls_on_timeout(ocf_dtls_ctx *d, ocf_time_ms now) {
  if (!d) return;
  ocf_dtls_enter(d, now);
  /* Sessions a callback creates meanwhile are linked at the head, before s: not visited. */
  for (ocf_dtls_session *s = d->sessions; s; s = s->next)
    if (s->state != SESSION_DEAD) session_timeout(s);
  ocf_dtls_leave(d);
}

static ocf_time_ms earlier(ocf_time_ms a, ocf_time_ms b) { return a < b ? a : b; }

ocf_time_ms ocf_dtls_next_timeout(const ocf_dtls_ctx *d) {
  ocf_time_ms t = OCF_TIME_NEVER;
  if (!d) return t;
  for (const ocf_dtls_session *s = d->sessions; s; s = s->next) {
    if (s->state == SESSION_DEAD) continue;
    if (s->state == SESSION_HANDSHAKE) t = earlier(t, s->started + d->cfg.handshake_limit_ms);
    if (s->timer_armed) t = earlier(t, s->timer_fin_at);
    if (s->state == SESSION_OPEN && d->cfg.idle_timeout_ms)
      t = earlier(t, s->last_rx + d->cfg.idle_timeout_ms);
  }
  return t;
}

/* --- engine --------------------------------------------------------------------------------- */

static void eng_handle(void *ctx, const ocf_endpoint *from, const uint8_t *data, size_t len,
                       ocf_time_ms now) {
  (void)ocf_dtls_handle_datagram(ctx, from, data, len, now);
}
static size_t eng_next(void *ctx, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  return ocf_dtls_next_datagram(ctx, to, buf, cap);
}
static ocf_time_ms eng_timeout(void *ctx) { return ocf_dtls_next_timeout(ctx); }
static void eng_on_timeout(void *ctx, ocf_time_ms now) { ocf_dtls_on_timeout(ctx, now); }

static const ocf_engine_ops dtls_engine_ops = {eng_handle, eng_next, eng_timeout, eng_on_timeout};

ocf_engine ocf_dtls_engine(ocf_dtls_ctx *d) { return (ocf_engine){&dtls_engine_ops, d}; }
