/* CoAP messaging (RFC 7252 section 4, 5.3, 8; RFC 7959 block-wise), sans-I/O.
 *
 * One ocf_msg context is one CoAP endpoint: it plays client (requests it sends) and server
 * (requests it receives) at once. It assigns message ids and tokens, retransmits CON messages,
 * matches responses, detects duplicates, collects multicast responses, and hides block-wise
 * transfers: callers see whole request and response bodies.
 *
 * It never touches a socket or a clock. The host drives it (the posix loop, a device or OBT
 * engine, or tests/sim):
 *   - every received datagram      -> ocf_msg_handle_datagram(from, bytes, now)
 *   - after every call into it     -> drain ocf_msg_next_datagram() until it returns 0
 *   - when ocf_msg_next_timeout()  is reached -> ocf_msg_on_timeout(now)
 * `now` must never go backwards (a smaller value is treated as the largest seen so far).
 *
 * Callbacks (response events, request handler) run inside handle_datagram, on_timeout, cancel
 * or request. From a callback one may call ocf_msg_request, ocf_msg_cancel, ocf_msg_respond and
 * ocf_msg_drop, but never handle_datagram, on_timeout or destroy.
 *
 * Memory: everything comes from the platform allocator and is bounded by the caps in
 * ocf_msg_config. A failed allocation never corrupts state: the operation reports
 * OCF_ERR_NO_MEMORY (API call), answers 5.00/5.03 (incoming request) or fails the exchange
 * (FAILED event). */
#ifndef OCF_MSG_H
#define OCF_MSG_H

#include <ocf/ocf_endpoint.h>
#include <ocf/ocf_engine.h>
#include <ocf/ocf_platform.h>

#include "coap/coap.h"

/* No datagram this layer produces is longer (RFC 7252 4.6: a 1024-byte block plus options). */
#define OCF_MSG_DATAGRAM_MAX 1280
/* A multicast request may go to this many groups at once (same mid and token, pitfall 37). */
#define OCF_MSG_MAX_GROUPS 4
#define OCF_MSG_NO_TIMEOUT OCF_TIME_NEVER

typedef struct ocf_msg ocf_msg;

typedef struct ocf_msg_config {
  /* RFC 7252 4.8 transmission parameters. */
  uint32_t ack_timeout_ms;          /* ACK_TIMEOUT, default 2000 */
  uint32_t ack_random_factor_milli; /* ACK_RANDOM_FACTOR x 1000, default 1500; >= 1000 */
  uint8_t max_retransmit;           /* MAX_RETRANSMIT, default 4; <= 8 */
  uint8_t nstart;                   /* NSTART: outstanding CON/NON requests per peer, default 1 */
  uint32_t max_latency_ms;          /* MAX_LATENCY, default 100000 (RFC 7252 4.8.2) */
  /* Derived when 0 (RFC 7252 4.8.2): EXCHANGE_LIFETIME = MAX_TRANSMIT_SPAN + 2 * MAX_LATENCY +
   * PROCESSING_DELAY; the dedup cache and block-wise state live this long. */
  uint32_t exchange_lifetime_ms;
  /* Client: how long to wait for a separate response after an empty ACK, and for the response
   * to a unicast NON request. 0 = MAX_TRANSMIT_WAIT (93 s with the defaults). */
  uint32_t response_timeout_ms;
  /* Client: how long a multicast request collects responses (default 5000; per request
   * overridable). */
  uint32_t multicast_window_ms;
  /* Server: a response to a multicast request is sent after a random delay in
   * [0, multicast_leisure_ms] (RFC 7252 8.2 leisure; IoTivity-Lite uses 0..2000). Default 2000. */
  uint32_t multicast_leisure_ms;
  uint8_t block_szx;       /* preferred block size 16 << szx, 0..6; default 6 (1024) */
  size_t max_body;         /* cap on a reassembled body, either direction; default 64 KiB */
  size_t max_exchanges;    /* concurrent client requests; default 32 */
  size_t max_pending;      /* server requests awaiting a response or an ACK; default 32 */
  size_t max_dedup;        /* remembered (peer, message id) pairs; default 256 */
  size_t max_block_states; /* server Block1 reassemblies + Block2 bodies kept; default 8 */
  size_t max_outbox;       /* datagrams queued for the host; default 64 */
} ocf_msg_config;

/* Fills *cfg with the defaults above. */
void ocf_msg_config_default(ocf_msg_config *cfg);

/* Creates a context. `pf` is copied (its ctx must outlive the context); `cfg` NULL = defaults.
 * Zero fields of a given cfg are NOT replaced by defaults except the derived ones
 * (exchange_lifetime_ms, response_timeout_ms): start from ocf_msg_config_default.
 * OCF_ERR_INVALID_ARG (NULL pf/out, missing alloc/free/random, block_szx > 6,
 * ack_random_factor_milli < 1000, max_retransmit > 8, a zero cap, nstart 0);
 * OCF_ERR_NO_MEMORY; or the error of pf->random (the first message id is random). */
OCF_NODISCARD ocf_err ocf_msg_create(const ocf_platform *pf, const ocf_msg_config *cfg, ocf_msg **out);
/* Frees everything; pending requests are dropped without callbacks. NULL is fine. */
void ocf_msg_destroy(ocf_msg *m);

/* --- engine -------------------------------------------------------------------------------- */

/* Processes one received datagram. from->flags: OCF_EP_MULTICAST when it was sent to a group,
 * OCF_EP_SECURE when it came through DTLS. Returns OCF_OK when it was taken (including
 * duplicates and messages that are correctly ignored), or the parse error of a datagram that
 * was rejected (it has then been answered with RST if it was a unicast CON, RFC 7252 4.2). */
ocf_err ocf_msg_handle_datagram(ocf_msg *m, const ocf_endpoint *from, const uint8_t *data, size_t len,
                                ocf_time_ms now);

/* Takes the next datagram due for sending: copies it into buf, sets *to, returns its length;
 * to->flags never carries OCF_EP_MULTICAST: answers to group requests go out from the unicast
 * socket (digest pitfall 38), and OCF_EP_SECURE says the datagram belongs to the DTLS session;
 * 0 when nothing is due. A datagram longer than cap is discarded (cap >= OCF_MSG_DATAGRAM_MAX
 * never loses one). Datagrams delayed on purpose (multicast leisure) become due once a call
 * with a late enough `now` (on_timeout) has been made. */
size_t ocf_msg_next_datagram(ocf_msg *m, ocf_endpoint *to, uint8_t *buf, size_t cap);

/* The earliest time ocf_msg_on_timeout wants to be called; OCF_MSG_NO_TIMEOUT if none. */
ocf_time_ms ocf_msg_next_timeout(const ocf_msg *m);

/* Runs everything due at `now`: retransmissions, give-ups (TIMEOUT events), multicast
 * windows (DONE events), delayed responses, expiry of caches. Harmless when nothing is due. */
void ocf_msg_on_timeout(ocf_msg *m, ocf_time_ms now);

/* The four calls above as an engine (<ocf/ocf_engine.h>), for the posix loop or tests/sim. */
ocf_engine ocf_msg_engine(ocf_msg *m);

/* Forgets one peer (address, port, interface and OCF_EP_SECURE, as matching does): its unicast
 * client requests end at once with a FAILED event carrying `err` (their callbacks run inside
 * this call), its received requests are released (a later ocf_msg_respond or ocf_msg_drop on
 * their handles finds nothing), and its block-wise state, remembered message ids and queued
 * datagrams are dropped. For the layer below, when a peer's DTLS session ends: RFC 7252 9.1
 * binds an exchange to one security association, and nothing kept for one session (a Block2
 * body or a deduplicated reply made for that peer's identity) may answer the next session from
 * the same address. Multicast requests are not touched. Allowed wherever ocf_msg_cancel is.
 * Returns the number of client requests ended. */
size_t ocf_msg_forget_peer(ocf_msg *m, const ocf_endpoint *peer, ocf_err err);

/* --- client -------------------------------------------------------------------------------- */

typedef enum ocf_msg_event_type {
  /* A response. Unicast: the final event. Multicast: one per response (final = false). */
  OCF_MSG_EV_RESPONSE = 1,
  OCF_MSG_EV_TIMEOUT, /* no answer: MAX_RETRANSMIT exhausted, or no (separate/NON) response */
  OCF_MSG_EV_RESET,   /* the peer answered RST (RFC 7252 4.2) */
  OCF_MSG_EV_FAILED,  /* local or protocol failure, see err */
  OCF_MSG_EV_DONE,    /* multicast: the window is over (always the final event of a multicast) */
} ocf_msg_event_type;

typedef struct ocf_msg_event {
  ocf_msg_event_type type;
  bool final;          /* the request is over; its id is no longer valid */
  uint32_t request_id; /* as returned by ocf_msg_request */
  /* OCF_OK for RESPONSE and DONE; OCF_ERR_TIMEOUT; OCF_ERR_RESET; for FAILED:
   * OCF_ERR_NO_MEMORY, OCF_ERR_TOO_LARGE (body over max_body), OCF_ERR_MALFORMED (block-wise
   * violation by the peer), OCF_ERR_STATE (the representation changed between blocks: ETag),
   * OCF_ERR_UNSUPPORTED (unknown critical option in the response, RFC 7252 5.4.1). */
  ocf_err err;
  /* RESPONSE/FAILED on a multicast: the responder (its unicast address, pitfall 38);
   * otherwise the destination. Valid during the callback only. */
  const ocf_endpoint *peer;
  /* RESPONSE only: code and options of the (last block of the) response; payload and
   * payload_len are the whole reassembled body; Block1/Block2/Size2 are removed. Valid during
   * the callback only. */
  const ocf_coap_msg *response;
} ocf_msg_event;

typedef void (*ocf_msg_response_cb)(void *user, ocf_msg *m, const ocf_msg_event *ev);

typedef struct ocf_msg_request_params {
  /* One unicast endpoint, or 1..OCF_MSG_MAX_GROUPS multicast groups (sent with the same
   * message id and token, digest pitfall 37). */
  const ocf_endpoint *to;
  size_t n_to;
  bool non;           /* unicast only: send NON (no retransmission) instead of CON */
  uint32_t window_ms; /* multicast: collection window, 0 = config multicast_window_ms */
  ocf_msg_response_cb cb;
  void *user;
} ocf_msg_request_params;

/* Sends a request. `req` gives code (GET/POST/PUT/DELETE...), options and payload; its type,
 * mid and token are ignored (the layer assigns CON/NON per RFC 7252 8.1, a fresh message id and
 * a random 8-byte token), and any Block1/Block2/Size1/Size2 options are replaced. A payload
 * longer than one block goes out with Block1 (RFC 7959 2.5), honouring a smaller SZX the server
 * asks for; a Block2 response is fetched block by block and delivered whole. Everything needed
 * is copied: req and its buffers may be freed on return. With NSTART reached for this peer the
 * request waits its turn. Exactly one final event follows unless the request is cancelled.
 * *out_id (may be NULL) identifies it for ocf_msg_cancel.
 * OCF_ERR_INVALID_ARG (no cb, not a request code, n_to out of range, several destinations
 * that are not all multicast groups, `non` set for a multicast); OCF_ERR_TOO_LARGE (payload over max_body, a
 * multicast payload over one block, or options too long for one datagram); OCF_ERR_BUSY (max_exchanges in
 * use); OCF_ERR_NO_MEMORY; the error of pf->random. */
OCF_NODISCARD ocf_err ocf_msg_request(ocf_msg *m, const ocf_msg_request_params *p, const ocf_coap_msg *req,
                                      ocf_time_ms now, uint32_t *out_id);

/* Forgets a request: no further callback; late responses are answered as unknown (RST for a
 * CON response, RFC 7252 5.3.2). OCF_ERR_NOT_FOUND when the id is not pending (e.g. it is
 * already final). Allowed from that request's own callback. */
OCF_NODISCARD ocf_err ocf_msg_cancel(ocf_msg *m, uint32_t request_id);

/* Number of client requests pending (waiting, in flight, or collecting). */
size_t ocf_msg_pending_requests(const ocf_msg *m);

/* --- server -------------------------------------------------------------------------------- */

typedef struct ocf_msg_incoming {
  uint32_t handle; /* for ocf_msg_respond / ocf_msg_drop */
  /* The sender; flags carry OCF_EP_MULTICAST (it was sent to a group) and OCF_EP_SECURE. Like
   * request, valid for the whole callback, also after the handle was dropped or forgotten. */
  const ocf_endpoint *peer;
  /* The request: payload is the whole body (Block1 reassembled); Block1/Block2/Size1/Size2 are
   * removed, so a handler always produces the whole representation and the layer slices it
   * into blocks. Valid during the callback only. */
  const ocf_coap_msg *request;
  ocf_time_ms now;
} ocf_msg_incoming;

typedef void (*ocf_msg_request_cb)(void *user, ocf_msg *m, const ocf_msg_incoming *in);

/* Installs the request handler (NULL: every request is answered 4.04, silently for
 * multicast). The handler answers with ocf_msg_respond, now or later, or gives up with
 * ocf_msg_drop. When it returns without responding to a CON request, the layer sends an empty
 * ACK at once and the later response goes out as a CON separate response (RFC 7252 5.2.2).
 * A handle never answered is released after EXCHANGE_LIFETIME. */
void ocf_msg_set_request_handler(ocf_msg *m, ocf_msg_request_cb cb, void *user);

/* Answers a request. `rsp` gives code, options and body (payload); type, mid and token are
 * ignored. Piggybacked in the ACK when called from the handler of a CON request, NON for a NON
 * request, otherwise a CON separate response with retransmission. A body longer than the
 * block size (or than the client's Block2 SZX) is served with Block2: the layer keeps it, with
 * an ETag, for the follow-up block requests (RFC 7959 2.4). Responses to a multicast request go
 * out after a random leisure delay, and error responses (4.xx, 5.xx) to one are suppressed
 * (RFC 7252 8.2, digest §1.7, pitfall 29). The handle is consumed on OCF_OK.
 * OCF_ERR_NOT_FOUND (unknown or already used handle); OCF_ERR_INVALID_ARG (not a response
 * code); OCF_ERR_TOO_LARGE (body over max_body, options over one datagram); OCF_ERR_NO_MEMORY.
 * On error nothing was sent and the handle stays valid (answer again, e.g. with 5.00). */
OCF_NODISCARD ocf_err ocf_msg_respond(ocf_msg *m, uint32_t handle, const ocf_coap_msg *rsp, ocf_time_ms now);

/* Releases a handle without answering (e.g. a multicast request the device ignores). */
void ocf_msg_drop(ocf_msg *m, uint32_t handle);

#endif
