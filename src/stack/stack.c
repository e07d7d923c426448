/* The CoAP endpoint over UDP and DTLS: one ocf_msg and one ocf_dtls_ctx behind one engine
 * (stack.h, ADR 0013). */
#include <string.h>

#include "base/log.h"
#include "stack/stack.h"

#define LOG_MODULE "stack"

struct ocf_stack {
  ocf_platform pf;
  ocf_stack_callbacks cbs;
  ocf_msg *msg;
  ocf_dtls_ctx *dtls; /* NULL without DTLS roles */
  ocf_time_ms now;    /* the largest `now` seen: ocf_dtls_send inside next_datagram needs one */
  ocf_stack_stats stats;
};

void ocf_stack_config_default(ocf_stack_config *cfg) {
  if (!cfg) return;
  memset(cfg, 0, sizeof *cfg);
  ocf_msg_config_default(&cfg->msg);
  ocf_dtls_config_default(&cfg->dtls);
  cfg->dtls.server = false;
  cfg->dtls.client = false;
}

static void advance(ocf_stack *stack, ocf_time_ms now) {
  if (now > stack->now) stack->now = now;
}

/* --- from the DTLS context ------------------------------------------------------------------ */

static void on_dtls_event(void *user, ocf_dtls_ctx *d, const ocf_dtls_event *ev) {
  ocf_stack *stack = user;
  (void)d;
  if (ev->type != OCF_DTLS_EV_ESTABLISHED) {
    /* RFC 7252 9.1.1: an exchange lives in one session. What msg keeps for this secure peer
     * (open requests, pending handles, block-wise bodies, dedup replies, queued datagrams)
     * belonged to the session that just ended and must not meet the next one. */
    ocf_err err = ev->type == OCF_DTLS_EV_FAILED && ev->err ? ev->err : OCF_ERR_RESET;
    stack->stats.sessions_forgotten++;
    (void)ocf_msg_forget_peer(stack->msg, &ev->info->peer, err);
  }
  if (stack->cbs.on_session) stack->cbs.on_session(stack->cbs.user, stack, ev);
}

/* One decrypted record of an established session: one CoAP message from its peer. */
static void on_dtls_data(void *user, ocf_dtls_ctx *d, const ocf_dtls_session_info *info, const uint8_t *data,
                         size_t len) {
  ocf_stack *stack = user;
  (void)d;
  if (!info->established) return; /* src/dtls delivers for open sessions only; stay defensive */
  stack->stats.rx_secure++;
  /* info->peer carries OCF_EP_SECURE: msg and its handler see where the message came from. */
  (void)ocf_msg_handle_datagram(stack->msg, &info->peer, data, len, stack->now);
}

static ocf_err on_accept(void *user, const ocf_endpoint *peer, ocf_dtls_profile *profile) {
  const ocf_stack *stack = user;
  return stack->cbs.accept(stack->cbs.user, peer, profile);
}

static ocf_err on_psk_lookup(void *user, const ocf_endpoint *peer, const uint8_t *identity,
                             size_t identity_len, uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  const ocf_stack *stack = user;
  return stack->cbs.psk_lookup(stack->cbs.user, peer, identity, identity_len, key, key_len);
}

static ocf_err on_psk_for_hint(void *user, const ocf_endpoint *peer, const uint8_t *hint, size_t hint_len,
                               uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  const ocf_stack *stack = user;
  return stack->cbs.psk_for_hint(stack->cbs.user, peer, hint, hint_len, key, key_len);
}

static ocf_err on_verify_cert(void *user, const ocf_endpoint *peer, const ocf_bytes *chain, size_t n_chain,
                              const ocf_uuid *uuid) {
  const ocf_stack *stack = user;
  return stack->cbs.verify_cert(stack->cbs.user, peer, chain, n_chain, uuid);
}

/* --- lifetime ------------------------------------------------------------------------------- */

static bool dtls_wanted(const ocf_stack_config *cfg) { return cfg->dtls.server || cfg->dtls.client; }

/* Every CoAP message msg makes must fit one record each way (stack.h, ADR 0013). */
static bool sizes_valid(const ocf_stack_config *cfg) {
  return cfg->dtls.mtu >= OCF_STACK_MTU_MIN && cfg->dtls.max_plaintext >= OCF_MSG_DATAGRAM_MAX;
}

static ocf_err create_dtls(ocf_stack *stack, const ocf_dtls_config *cfg) {
  const ocf_stack_callbacks *o = &stack->cbs;
  ocf_dtls_callbacks cbs = {
      .user = stack,
      .on_event = on_dtls_event,
      .on_data = on_dtls_data,
      .accept = o->accept ? on_accept : NULL,
      .psk_lookup = o->psk_lookup ? on_psk_lookup : NULL,
      .psk_for_hint = o->psk_for_hint ? on_psk_for_hint : NULL,
      .verify_cert = o->verify_cert ? on_verify_cert : NULL,
  };
  return ocf_dtls_create(&stack->pf, cfg, &cbs, &stack->dtls);
}

ocf_err ocf_stack_create(const ocf_platform *pf, const ocf_stack_config *cfg, const ocf_stack_callbacks *cbs,
                         ocf_stack **out) {
  if (!out) return OCF_ERR_INVALID_ARG;
  *out = NULL;
  if (!pf || !pf->alloc || !pf->free || !pf->random) return OCF_ERR_INVALID_ARG;
  ocf_stack_config defaults;
  if (!cfg) {
    ocf_stack_config_default(&defaults);
    cfg = &defaults;
  }
  if (dtls_wanted(cfg) && !sizes_valid(cfg)) return OCF_ERR_INVALID_ARG;
  ocf_stack *stack = pf->alloc(pf->ctx, sizeof *stack);
  if (!stack) return OCF_ERR_NO_MEMORY;
  memset(stack, 0, sizeof *stack);
  stack->pf = *pf;
  if (cbs) stack->cbs = *cbs;
  ocf_err err = ocf_msg_create(pf, &cfg->msg, &stack->msg);
  if (!err && dtls_wanted(cfg)) err = create_dtls(stack, &cfg->dtls);
  if (err) {
    ocf_stack_destroy(stack);
    return err;
  }
  *out = stack;
  return OCF_OK;
}

void ocf_stack_destroy(ocf_stack *stack) {
  if (!stack) return;
  ocf_dtls_destroy(stack->dtls);
  ocf_msg_destroy(stack->msg);
  stack->pf.free(stack->pf.ctx, stack);
}

ocf_msg *ocf_stack_msg(ocf_stack *stack) { return stack ? stack->msg : NULL; }
ocf_dtls_ctx *ocf_stack_dtls(ocf_stack *stack) { return stack ? stack->dtls : NULL; }
const ocf_stack_stats *ocf_stack_stats_get(const ocf_stack *stack) { return stack ? &stack->stats : NULL; }

/* --- engine --------------------------------------------------------------------------------- */

ocf_err ocf_stack_handle_datagram(ocf_stack *stack, const ocf_endpoint *from, const uint8_t *data, size_t len,
                                  ocf_time_ms now) {
  if (!stack || !from || (!data && len)) return OCF_ERR_INVALID_ARG;
  advance(stack, now);
  if (from->flags & OCF_EP_SECURE) {
    if (!stack->dtls) {
      stack->stats.rx_no_dtls++;
      return OCF_ERR_UNSUPPORTED;
    }
    /* Only records of an established session come back out, through on_dtls_data. */
    return ocf_dtls_handle_datagram(stack->dtls, from, data, len, stack->now);
  }
  stack->stats.rx_plain++;
  return ocf_msg_handle_datagram(stack->msg, from, data, len, stack->now);
}

/* Encrypts one secure msg datagram into its peer's session; the record joins the DTLS outbox. */
static void send_secure(ocf_stack *stack, const ocf_endpoint *to, const uint8_t *data, size_t len) {
  const ocf_dtls_session_info *info = ocf_stack_session_info(stack, to);
  if (!info) {
    /* The session ended or never was: msg's retransmission gives up by itself, and a session's
     * final event has already ended the requests to it (ocf_msg_forget_peer). */
    stack->stats.tx_no_session++;
    ocf_log(&stack->pf, OCF_LOG_DEBUG, LOG_MODULE, "secure datagram without a session dropped");
    return;
  }
  /* Never OCF_ERR_BUSY: the DTLS outbox was emptied before this datagram was taken from msg. */
  ocf_err err = ocf_dtls_send(stack->dtls, to, data, len, stack->now);
  if (err) {
    stack->stats.tx_failed++;
    ocf_log(&stack->pf, OCF_LOG_WARN, LOG_MODULE, "secure datagram of %zu bytes not sent: %s", len,
            ocf_strerror(err));
    return;
  }
  stack->stats.tx_secure++;
}

size_t ocf_stack_next_datagram(ocf_stack *stack, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  if (!stack || !to || !buf) return 0;
  for (;;) {
    /* Records first: the handshake flights and the record of the datagram taken last time
     * round, so one msg datagram at a time is in the DTLS outbox and order is kept. */
    size_t n = stack->dtls ? ocf_dtls_next_datagram(stack->dtls, to, buf, cap) : 0;
    if (n) return n;
    n = ocf_msg_next_datagram(stack->msg, to, buf, cap);
    if (!n) return 0;
    if (!(to->flags & OCF_EP_SECURE)) {
      stack->stats.tx_plain++;
      return n;
    }
    send_secure(stack, to, buf, n); /* buf is free again once the record is queued */
  }
}

static ocf_time_ms earlier(ocf_time_ms a, ocf_time_ms b) { return a < b ? a : b; }

ocf_time_ms ocf_stack_next_timeout(const ocf_stack *stack) {
  if (!stack) return OCF_TIME_NEVER;
  ocf_time_ms t = ocf_msg_next_timeout(stack->msg);
  return stack->dtls ? earlier(t, ocf_dtls_next_timeout(stack->dtls)) : t;
}

void ocf_stack_on_timeout(ocf_stack *stack, ocf_time_ms now) {
  if (!stack) return;
  advance(stack, now);
  /* Sessions first: one that fails or idles out ends its msg exchanges before msg retransmits
   * into it. */
  if (stack->dtls) ocf_dtls_on_timeout(stack->dtls, stack->now);
  ocf_msg_on_timeout(stack->msg, stack->now);
}

static void eng_handle(void *ctx, const ocf_endpoint *from, const uint8_t *data, size_t len,
                       ocf_time_ms now) {
  (void)ocf_stack_handle_datagram(ctx, from, data, len, now);
}
static size_t eng_next(void *ctx, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  return ocf_stack_next_datagram(ctx, to, buf, cap);
}
static ocf_time_ms eng_timeout(void *ctx) { return ocf_stack_next_timeout(ctx); }
static void eng_on_timeout(void *ctx, ocf_time_ms now) { ocf_stack_on_timeout(ctx, now); }

static const ocf_engine_ops stack_engine_ops = {eng_handle, eng_next, eng_timeout, eng_on_timeout};

ocf_engine ocf_stack_engine(ocf_stack *stack) { return (ocf_engine){&stack_engine_ops, stack}; }

/* --- sessions ------------------------------------------------------------------------------- */

ocf_err ocf_stack_connect(ocf_stack *stack, const ocf_endpoint *peer, const ocf_dtls_profile *p,
                          ocf_time_ms now) {
  if (!stack || !peer || !p) return OCF_ERR_INVALID_ARG;
  if (!stack->dtls) return OCF_ERR_STATE;
  advance(stack, now);
  return ocf_dtls_connect(stack->dtls, peer, p, stack->now);
}

ocf_err ocf_stack_close(ocf_stack *stack, const ocf_endpoint *peer, ocf_time_ms now) {
  if (!stack || !peer) return OCF_ERR_INVALID_ARG;
  if (!stack->dtls) return OCF_ERR_NOT_FOUND;
  advance(stack, now);
  return ocf_dtls_close(stack->dtls, peer, stack->now);
}

const ocf_dtls_session_info *ocf_stack_session_info(const ocf_stack *stack, const ocf_endpoint *peer) {
  if (!stack || !peer || !stack->dtls || !(peer->flags & OCF_EP_SECURE)) return NULL;
  const ocf_dtls_session_info *info = ocf_dtls_session_get_info(ocf_dtls_session_find(stack->dtls, peer));
  return info && info->established ? info : NULL;
}

/* --- requests ------------------------------------------------------------------------------- */

static ocf_err check_secure_destination(const ocf_stack *stack, const ocf_endpoint *to) {
  if (!(to->flags & OCF_EP_SECURE)) return OCF_OK;
  if (ocf_endpoint_is_multicast(to)) return OCF_ERR_INVALID_ARG; /* DTLS is unicast only */
  if (!stack->dtls || !ocf_dtls_session_find(stack->dtls, to)) return OCF_ERR_NOT_FOUND;
  return ocf_stack_session_info(stack, to) ? OCF_OK : OCF_ERR_STATE;
}

ocf_err ocf_stack_request(ocf_stack *stack, const ocf_msg_request_params *p, const ocf_coap_msg *req,
                          ocf_time_ms now, uint32_t *out_id) {
  if (!stack || !p) return OCF_ERR_INVALID_ARG;
  for (size_t i = 0; p->to && i < p->n_to && i < OCF_MSG_MAX_GROUPS; i++) {
    ocf_err err = check_secure_destination(stack, &p->to[i]);
    if (err) return err;
  }
  advance(stack, now);
  return ocf_msg_request(stack->msg, p, req, stack->now, out_id);
}
