/* The DTLS context: configuration, the session list, the outbox, events and deferred freeing.
 * The entry points that move datagrams and time are in session_io.c. */
#include <string.h>

#include "base/log.h"
#include "dtls/crypto.h"
#include "dtls/dtls_internal.h"

void ocf_dtls_config_default(ocf_dtls_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->server = true;
  cfg->client = true;
  cfg->max_sessions = 32;
  cfg->max_handshakes = 4;
  cfg->max_handshakes_per_source = 2;
  cfg->hs_timeout_min_ms = 1000; /* digest §4.1: IoTivity-Lite 1 s doubling to 20 s */
  cfg->hs_timeout_max_ms = 20000;
  cfg->handshake_limit_ms = 60000;
  cfg->idle_timeout_ms = 600000; /* digest §3.6: IoTivity-Lite's 600 s inactivity timeout */
  cfg->cookie_lifetime_ms = 60000;
  cfg->mtu = 1400;
  cfg->max_plaintext = 2048;
  cfg->max_outbox = 64;
}

static bool config_valid(const ocf_dtls_config *c, const ocf_dtls_callbacks *cbs) {
  if (!c->server && !c->client) return false;
  if (c->server && !cbs->accept) return false;
  if (!c->max_sessions || !c->max_handshakes || !c->max_plaintext || !c->max_outbox) return false;
  if (!c->hs_timeout_min_ms || c->hs_timeout_min_ms > c->hs_timeout_max_ms || !c->handshake_limit_ms)
    return false;
  if (!c->cookie_lifetime_ms || c->mtu < 256) return false;
  return c->max_plaintext <= 16384 && c->max_outbox <= 4096;
}

static void *alloc_zeroed(const ocf_platform *pf, size_t size) {
  void *p = pf->alloc(pf->ctx, size);
  if (p) memset(p, 0, size);
  return p;
}

ocf_err ocf_dtls_create(const ocf_platform *pf, const ocf_dtls_config *cfg, const ocf_dtls_callbacks *cbs,
                        ocf_dtls_ctx **out) {
  if (!pf || !cbs || !out || !pf->alloc || !pf->free || !pf->random) return OCF_ERR_INVALID_ARG;
  *out = NULL;
  ocf_dtls_config c;
  if (cfg)
    c = *cfg;
  else
    ocf_dtls_config_default(&c);
  if (!config_valid(&c, cbs)) return OCF_ERR_INVALID_ARG;
  ocf_dtls_ctx *d = alloc_zeroed(pf, sizeof *d);
  if (!d) return OCF_ERR_NO_MEMORY;
  d->pf = *pf;
  d->cfg = c;
  d->cbs = *cbs;
  d->outbox = alloc_zeroed(pf, c.max_outbox * sizeof *d->outbox);
  d->rx = pf->alloc(pf->ctx, c.max_plaintext + 1);
  if (!d->outbox || !d->rx) {
    ocf_dtls_destroy(d);
    return OCF_ERR_NO_MEMORY;
  }
  /* RFC 6347 4.2.1: the cookie secret; a fresh one per context (per process start). */
  ocf_err err = pf->random(pf->ctx, d->cookie_secret, sizeof d->cookie_secret);
  if (err) {
    ocf_dtls_destroy(d);
    return err;
  }
  *out = d;
  return OCF_OK;
}

static void free_session(ocf_dtls_ctx *d, ocf_dtls_session *s) {
  ocf_dtls_tls_free(s);
  ocf_secure_zero(s, sizeof *s);
  d->pf.free(d->pf.ctx, s);
}

void ocf_dtls_destroy(ocf_dtls_ctx *d) {
  if (!d) return;
  while (d->sessions) {
    ocf_dtls_session *s = d->sessions;
    d->sessions = s->next;
    free_session(d, s);
  }
  if (d->outbox) {
    for (size_t i = 0; i < d->ob_count; i++) {
      outbox_entry *e = &d->outbox[(d->ob_head + i) % d->cfg.max_outbox];
      d->pf.free(d->pf.ctx, e->data);
    }
    d->pf.free(d->pf.ctx, d->outbox);
  }
  if (d->rx) {
    ocf_secure_zero(d->rx, d->cfg.max_plaintext + 1);
    d->pf.free(d->pf.ctx, d->rx);
  }
  ocf_secure_zero(d->cookie_secret, sizeof d->cookie_secret);
  d->pf.free(d->pf.ctx, d);
}

/* --- calls on the stack and deferred freeing ------------------------------------------------ */

void ocf_dtls_enter(ocf_dtls_ctx *d, ocf_time_ms now) {
  if (now > d->now) d->now = now;
  d->depth++;
}

/* Dead sessions are freed only when no call into the context is on the stack, so a callback
 * that closes a session never pulls it from under the code that called the callback. */
void ocf_dtls_leave(ocf_dtls_ctx *d) {
  if (--d->depth) return;
  ocf_dtls_session **link = &d->sessions;
  while (*link) {
    ocf_dtls_session *s = *link;
    if (s->state == SESSION_DEAD) {
      *link = s->next;
      free_session(d, s);
    } else {
      link = &s->next;
    }
  }
}

/* --- session list --------------------------------------------------------------------------- */

ocf_dtls_session *ocf_dtls_find_live(const ocf_dtls_ctx *d, const ocf_endpoint *peer) {
  for (ocf_dtls_session *s = d->sessions; s; s = s->next)
    if (s->state != SESSION_DEAD && ocf_endpoint_equal(&s->info.peer, peer)) return s;
  return NULL;
}

bool ocf_dtls_caps_allow(const ocf_dtls_ctx *d) {
  return d->stats.sessions < d->cfg.max_sessions && d->stats.handshakes < d->cfg.max_handshakes;
}

ocf_err ocf_dtls_new_session(ocf_dtls_ctx *d, const ocf_endpoint *peer, bool is_server,
                             const ocf_dtls_profile *p, ocf_dtls_session **out) {
  ocf_dtls_session *s = alloc_zeroed(&d->pf, sizeof *s);
  if (!s) return OCF_ERR_NO_MEMORY;
  s->ctx = d;
  s->info.peer = *peer;
  s->info.peer.flags = OCF_EP_SECURE;
  s->info.is_server = is_server;
  s->started = d->now;
  s->last_rx = d->now;
  ocf_err err = ocf_dtls_tls_start(s, p);
  if (err) {
    free_session(d, s);
    return err;
  }
  s->next = d->sessions;
  d->sessions = s;
  d->stats.sessions++;
  d->stats.handshakes++;
  *out = s;
  return OCF_OK;
}

static void wipe_secrets(ocf_dtls_session *s) {
  ocf_secure_zero(s->master, sizeof s->master);
  ocf_secure_zero(s->client_random, sizeof s->client_random);
  ocf_secure_zero(s->server_random, sizeof s->server_random);
  s->have_secrets = false;
}

static void mark_dead(ocf_dtls_session *s) {
  ocf_dtls_ctx *d = s->ctx;
  if (s->state == SESSION_HANDSHAKE) d->stats.handshakes--;
  d->stats.sessions--;
  s->state = SESSION_DEAD;
  s->timer_armed = false;
  s->in = NULL;
  wipe_secrets(s);
}

static void emit(ocf_dtls_session *s, ocf_dtls_event_type type, ocf_err err, ocf_dtls_close_reason reason) {
  ocf_dtls_ctx *d = s->ctx;
  if (!d->cbs.on_event) return;
  ocf_dtls_event ev = {.type = type, .session = s, .info = &s->info, .err = err, .reason = reason};
  d->cbs.on_event(d->cbs.user, d, &ev);
}

/* --- reports from the backend --------------------------------------------------------------- */

void ocf_dtls__established(ocf_dtls_session *s) {
  if (s->state != SESSION_HANDSHAKE) return;
  s->ctx->stats.handshakes--;
  s->ctx->stats.established++;
  s->state = SESSION_OPEN;
  s->info.established = true;
  s->last_rx = s->ctx->now;
  s->established_at = s->ctx->now;
  emit(s, OCF_DTLS_EV_ESTABLISHED, OCF_OK, OCF_DTLS_CLOSE_NONE);
}

void ocf_dtls__failed(ocf_dtls_session *s, ocf_err err) {
  if (s->state == SESSION_DEAD) return;
  if (s->state == SESSION_OPEN) {
    ocf_dtls__closed(s, OCF_DTLS_CLOSE_ERROR, err);
    return;
  }
  if (s->fail_err) err = s->fail_err;
  s->ctx->stats.failed++;
  mark_dead(s);
  char peer[OCF_ENDPOINT_STR_MAX];
  if (ocf_endpoint_format(&s->info.peer, peer, sizeof peer)) peer[0] = 0;
  ocf_log(&s->ctx->pf, OCF_LOG_INFO, "dtls", "handshake with %s failed: %s", peer, ocf_strerror(err));
  emit(s, OCF_DTLS_EV_FAILED, err, OCF_DTLS_CLOSE_NONE);
}

void ocf_dtls__closed(ocf_dtls_session *s, ocf_dtls_close_reason reason, ocf_err err) {
  if (s->state == SESSION_DEAD) return;
  mark_dead(s);
  emit(s, OCF_DTLS_EV_CLOSED, err, reason);
}

void ocf_dtls__deliver(ocf_dtls_session *s, const uint8_t *data, size_t len) {
  ocf_dtls_ctx *d = s->ctx;
  if (s->state != SESSION_OPEN) return;
  /* Only authenticated records count as activity: spoofed garbage cannot keep a session. */
  s->last_rx = d->now;
  if (!d->cbs.on_data) return;
  d->cbs.on_data(d->cbs.user, d, &s->info, data, len);
}

bool ocf_dtls__cookie_valid(const ocf_dtls_ctx *d, const uint8_t *cookie, size_t len,
                            const uint8_t *client_id, size_t client_id_len) {
  return ocf_dtls_cookie_valid(d->cookie_secret, d->now, d->cfg.cookie_lifetime_ms, client_id, client_id_len,
                               cookie, len);
}

/* --- outbox --------------------------------------------------------------------------------- */

bool ocf_dtls_outbox_push_to(ocf_dtls_ctx *d, const ocf_endpoint *to, const uint8_t *data, size_t len) {
  uint8_t *copy = d->ob_count < d->cfg.max_outbox && len ? d->pf.alloc(d->pf.ctx, len) : NULL;
  if (!copy) {
    d->stats.outbox_dropped++;
    return false;
  }
  memcpy(copy, data, len);
  outbox_entry *e = &d->outbox[(d->ob_head + d->ob_count) % d->cfg.max_outbox];
  e->to = *to;
  e->to.flags = OCF_EP_SECURE;
  e->data = copy;
  e->len = len;
  d->ob_count++;
  return true;
}

bool ocf_dtls__outbox_push(ocf_dtls_session *s, const uint8_t *data, size_t len) {
  return ocf_dtls_outbox_push_to(s->ctx, &s->info.peer, data, len);
}

size_t ocf_dtls_next_datagram(ocf_dtls_ctx *d, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  if (!d || !to || !buf) return 0;
  while (d->ob_count) {
    outbox_entry e = d->outbox[d->ob_head];
    d->ob_head = (d->ob_head + 1) % d->cfg.max_outbox;
    d->ob_count--;
    size_t n = e.len <= cap ? e.len : 0;
    if (n) {
      memcpy(buf, e.data, n);
      *to = e.to;
    }
    d->pf.free(d->pf.ctx, e.data);
    if (n) return n;
  }
  return 0;
}

bool ocf_dtls_outbox_full(const ocf_dtls_ctx *d) { return d->ob_count >= d->cfg.max_outbox; }

/* --- getters -------------------------------------------------------------------------------- */

const ocf_dtls_session *ocf_dtls_session_find(const ocf_dtls_ctx *d, const ocf_endpoint *peer) {
  return d && peer ? ocf_dtls_find_live(d, peer) : NULL;
}

const ocf_dtls_session_info *ocf_dtls_session_get_info(const ocf_dtls_session *s) {
  return s ? &s->info : NULL;
}

ocf_err ocf_dtls_session_secrets(const ocf_dtls_session *s, uint8_t master[OCF_MASTER_SECRET_LEN],
                                 uint8_t client_random[OCF_TLS_RANDOM_LEN],
                                 uint8_t server_random[OCF_TLS_RANDOM_LEN]) {
  if (!s || !master || !client_random || !server_random) return OCF_ERR_INVALID_ARG;
  if (s->state != SESSION_OPEN || !s->have_secrets) return OCF_ERR_STATE;
  memcpy(master, s->master, OCF_MASTER_SECRET_LEN);
  memcpy(client_random, s->client_random, OCF_TLS_RANDOM_LEN);
  memcpy(server_random, s->server_random, OCF_TLS_RANDOM_LEN);
  return OCF_OK;
}

ocf_err ocf_dtls_session_key_block(const ocf_dtls_session *s, uint8_t out[OCF_KEY_BLOCK_MAX], size_t *len) {
  if (!s || !out || !len) return OCF_ERR_INVALID_ARG;
  if (s->state != SESSION_OPEN || !s->have_secrets) return OCF_ERR_STATE;
  /* Digest §4.5: the key_block of the negotiated suite over the session's master secret. */
  return ocf_derive_key_block(s->master, s->client_random, s->server_random, s->info.suite, out, len);
}

const ocf_dtls_stats *ocf_dtls_stats_get(const ocf_dtls_ctx *d) { return d ? &d->stats : NULL; }
