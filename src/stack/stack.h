/* One CoAP endpoint over UDP and DTLS (coap:// and coaps://), sans-I/O: an ocf_msg context (the
 * CoAP endpoint) and, when DTLS roles are configured, an ocf_dtls context (its sessions), glued
 * into one ocf_engine (ADR 0013).
 *
 * Datagram flow (the engine of ocf_stack_engine):
 *   - in, plain (no OCF_EP_SECURE)  -> ocf_msg_handle_datagram
 *   - in, OCF_EP_SECURE             -> ocf_dtls_handle_datagram; each decrypted record of an
 *                                      established session -> ocf_msg_handle_datagram with the
 *                                      session's peer (flags OCF_EP_SECURE). Nothing else from
 *                                      the secure path ever reaches msg.
 *   - out: DTLS records queued first (handshake flights, alerts, encrypted records), then the
 *          next msg datagram: a plain one is handed out as is, a secure one is encrypted for
 *          the established session with its peer (ocf_dtls_send) and handed out as a record.
 *          A secure datagram for a peer without an established session is dropped and counted
 *          (stats.tx_no_session); requests sent through ocf_stack_request fail before that.
 *   - timeouts: the earlier deadline of both; on_timeout runs both.
 *
 * A session's state in msg is bound to the session (RFC 7252 9.1.1): when a session ends
 * (FAILED or CLOSED), the stack first makes msg forget that secure peer (ocf_msg_forget_peer:
 * its unicast requests end with a FAILED msg event, pending handles, block-wise bodies,
 * remembered message ids and queued datagrams go), then tells the owner.
 *
 * Callbacks: msg's (request handler, response callbacks; set on ocf_stack_msg) run inside
 * handle_datagram and on_timeout, and inside connect/close/request when those end a session;
 * the owner's session and credential callbacks run where src/dtls runs them. From any of them
 * one may call ocf_stack_request, ocf_stack_connect, ocf_stack_close, the getters and the msg
 * calls msg allows from its callbacks; never handle_datagram, on_timeout or destroy. The
 * credential callbacks run inside the TLS library and may only use the getters.
 *
 * Memory: platform allocator only; bounded by the caps of both configs. No global state. */
#ifndef OCF_STACK_H
#define OCF_STACK_H

#include <ocf/ocf_endpoint.h>
#include <ocf/ocf_engine.h>
#include <ocf/ocf_platform.h>

#include "dtls/session.h"
#include "msg/msg.h"

/* The largest expansion of a record over its plaintext among the OCF suites (digest §4.1):
 * 13-byte DTLS header + 16-byte explicit IV + 32-byte HMAC-SHA256 + up to 16 bytes of CBC padding
 * for 0xFF00 and 0xC037 (RFC 5246 6.2.3.2); the CCM suites add 13 + 8 + 8 or 16 (RFC 6655). */
#define OCF_STACK_RECORD_EXPANSION_MAX 77
/* The smallest dtls.mtu that carries every msg datagram in one record (1357 bytes). */
#define OCF_STACK_MTU_MIN (OCF_MSG_DATAGRAM_MAX + OCF_STACK_RECORD_EXPANSION_MAX)

typedef struct ocf_stack ocf_stack;

typedef struct ocf_stack_config {
  ocf_msg_config msg;
  /* dtls.server / dtls.client are the DTLS roles; with neither, no DTLS context is made and the
   * stack speaks plain CoAP only (secure datagrams are dropped). dtls.mtu must be at least
   * OCF_STACK_MTU_MIN and dtls.max_plaintext at least OCF_MSG_DATAGRAM_MAX, so that every CoAP
   * message fits one record both ways (block-wise keeps bodies in such messages). */
  ocf_dtls_config dtls;
} ocf_stack_config;

/* msg and dtls defaults (mtu 1400, max_plaintext 2048), with both DTLS roles off. */
void ocf_stack_config_default(ocf_stack_config *cfg);

/* What the owner decides and hears. The credential callbacks have src/dtls's meaning
 * (session.h); accept is required for the server role, the others may be NULL. */
typedef struct ocf_stack_callbacks {
  void *user;
  /* A session's ESTABLISHED, then its one final FAILED or CLOSED (ev as src/dtls reports it:
   * ev->session and ev->info are valid during the call, so an OTM can read the key block). By a
   * final event, msg has already forgotten the peer. May be NULL. */
  void (*on_session)(void *user, ocf_stack *stack, const ocf_dtls_event *ev);
  ocf_err (*accept)(void *user, const ocf_endpoint *peer, ocf_dtls_profile *profile);
  ocf_err (*psk_lookup)(void *user, const ocf_endpoint *peer, const uint8_t *identity, size_t identity_len,
                        uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len);
  ocf_err (*psk_for_hint)(void *user, const ocf_endpoint *peer, const uint8_t *hint, size_t hint_len,
                          uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len);
  ocf_err (*verify_cert)(void *user, const ocf_endpoint *peer, const ocf_bytes *chain, size_t n_chain,
                         const ocf_uuid *uuid);
} ocf_stack_callbacks;

/* Creates the msg context and, when cfg->dtls has a role, the DTLS context. pf and cbs are
 * copied (pf->ctx and cbs->user must outlive the stack); cfg NULL = ocf_stack_config_default
 * (plain only); cbs may be NULL for a plain-only stack. OCF_ERR_INVALID_ARG (NULL pf/out, a
 * config msg or dtls refuses, dtls.mtu < OCF_STACK_MTU_MIN, dtls.max_plaintext <
 * OCF_MSG_DATAGRAM_MAX, a server role without accept); OCF_ERR_NO_MEMORY; the error of
 * pf->random. */
OCF_NODISCARD ocf_err ocf_stack_create(const ocf_platform *pf, const ocf_stack_config *cfg,
                                       const ocf_stack_callbacks *cbs, ocf_stack **out);
/* Frees both contexts without events (sessions end without close_notify). NULL is fine. */
void ocf_stack_destroy(ocf_stack *stack);

/* The CoAP endpoint: set the request handler on it, answer with ocf_msg_respond. Requests may
 * be sent on it directly too; ocf_stack_request adds the session check. */
ocf_msg *ocf_stack_msg(ocf_stack *stack);
/* The DTLS context (NULL without roles), for getters such as ocf_dtls_session_key_block and
 * ocf_dtls_stats_get. Drive it only through the stack. */
ocf_dtls_ctx *ocf_stack_dtls(ocf_stack *stack);
/* The engine the host drives (<ocf/ocf_engine.h>). Its next_datagram needs cap >= dtls.mtu to
 * never lose a record (OCF_MSG_DATAGRAM_MAX for a plain-only stack). */
ocf_engine ocf_stack_engine(ocf_stack *stack);

/* The engine's four calls, for hosts that drive the stack directly. handle_datagram returns
 * what the layer that took the datagram returned (ocf_msg_handle_datagram or
 * ocf_dtls_handle_datagram), OCF_ERR_UNSUPPORTED for a secure datagram without a DTLS context,
 * OCF_ERR_INVALID_ARG for NULL arguments. next_datagram: DTLS records first, then msg's
 * datagrams (secure ones go through their session); one longer than cap is lost. */
ocf_err ocf_stack_handle_datagram(ocf_stack *stack, const ocf_endpoint *from, const uint8_t *data, size_t len,
                                  ocf_time_ms now);
size_t ocf_stack_next_datagram(ocf_stack *stack, ocf_endpoint *to, uint8_t *buf, size_t cap);
ocf_time_ms ocf_stack_next_timeout(const ocf_stack *stack);
void ocf_stack_on_timeout(ocf_stack *stack, ocf_time_ms now);

/* --- sessions ------------------------------------------------------------------------------- */

/* Starts a DTLS handshake to peer as client (ocf_dtls_connect; the ESTABLISHED or FAILED event
 * follows through on_session). Send requests to the peer after ESTABLISHED. OCF_ERR_STATE also
 * when the stack has no client role; otherwise the errors of ocf_dtls_connect. */
OCF_NODISCARD ocf_err ocf_stack_connect(ocf_stack *stack, const ocf_endpoint *peer, const ocf_dtls_profile *p,
                                        ocf_time_ms now);
/* Ends the session with peer (close_notify when established); the CLOSED event follows at once.
 * OCF_ERR_NOT_FOUND when there is none (or no DTLS context). */
ocf_err ocf_stack_close(ocf_stack *stack, const ocf_endpoint *peer, ocf_time_ms now);

/* The established session behind a secure peer, for access control: peer identity, auth kind,
 * peer uuid. NULL when peer lacks OCF_EP_SECURE (a plain datagram never borrows a session's
 * identity, even from the same address and port), when there is no session, or while it is
 * still handshaking. Valid until the session's final event returns. */
const ocf_dtls_session_info *ocf_stack_session_info(const ocf_stack *stack, const ocf_endpoint *peer);

/* --- requests ------------------------------------------------------------------------------- */

/* ocf_msg_request that fails at once instead of timing out when a secure destination cannot be
 * reached: OCF_ERR_INVALID_ARG (a secure multicast destination: DTLS is unicast only),
 * OCF_ERR_NOT_FOUND (no session with the peer, or no DTLS context), OCF_ERR_STATE (its
 * handshake is not finished); otherwise what ocf_msg_request returns. If the session ends
 * while the request is open, the request ends with a FAILED event (err: OCF_ERR_RESET when the
 * session closed, the handshake's error when it failed). */
OCF_NODISCARD ocf_err ocf_stack_request(ocf_stack *stack, const ocf_msg_request_params *p,
                                        const ocf_coap_msg *req, ocf_time_ms now, uint32_t *out_id);

/* --- statistics ----------------------------------------------------------------------------- */

typedef struct ocf_stack_stats {
  size_t rx_plain;           /* plain datagrams handed to msg */
  size_t rx_secure;          /* decrypted records of established sessions handed to msg */
  size_t rx_no_dtls;         /* secure datagrams dropped: the stack has no DTLS context */
  size_t tx_plain;           /* plain datagrams handed out */
  size_t tx_secure;          /* msg datagrams encrypted into a session */
  size_t tx_no_session;      /* secure msg datagrams dropped: no established session with the peer */
  size_t tx_failed;          /* secure msg datagrams the session could not encrypt */
  size_t sessions_forgotten; /* final session events that made msg forget the peer */
} ocf_stack_stats;

const ocf_stack_stats *ocf_stack_stats_get(const ocf_stack *stack);

#endif
