/* Shared state of the messaging layer; only the files of src/msg include it.
 *
 * msg.c        context, outbox, dedup cache, timers, dispatch of received datagrams
 * msg_wire.c   building datagrams from templates, CON (re)transmission, randomness
 * msg_client.c requests: sending, matching, Block1 upload, Block2 download, multicast
 * msg_server.c incoming requests: handler, responses, Block1 reassembly, Block2 serving */
#ifndef OCF_MSG_INTERNAL_H
#define OCF_MSG_INTERNAL_H

#include "msg/msg.h"

#define MSG_LOG "msg"

/* A CON message being transmitted with exponential back-off (RFC 7252 4.2). */
typedef struct msg_xmit {
  uint8_t *bytes; /* serialized message, owned */
  size_t len;
  ocf_endpoint to;
  uint16_t mid;
  uint8_t retransmits;  /* sent so far, beyond the first transmission */
  uint32_t interval_ms; /* current timeout */
  ocf_time_ms deadline; /* next retransmission, or give-up after the last one */
} msg_xmit;

typedef enum cx_state {
  CX_WAITING = 0,   /* NSTART reached for this peer: not sent yet */
  CX_CON_SENT,      /* CON in flight, awaiting ACK or response */
  CX_WAIT_RESPONSE, /* empty ACK seen, or NON sent: awaiting the response until deadline */
  CX_MULTICAST,     /* collecting responses until the window ends */
  CX_WINDOW_CLOSED, /* multicast window over, block transfers of responders still running */
} cx_state;

/* A client exchange: one request and its whole (block-wise) conversation. */
typedef struct msg_cx {
  uint32_t id;
  cx_state state;
  ocf_msg_response_cb cb;
  void *user;
  ocf_endpoint to[OCF_MSG_MAX_GROUPS];
  uint8_t n_to;
  bool multicast;
  bool non;
  uint8_t token[OCF_COAP_MAX_TOKEN];
  uint8_t token_len;
  uint16_t mid;         /* of the request now in flight */
  uint32_t window_ms;   /* multicast collection window */
  ocf_time_ms deadline; /* CX_WAIT_RESPONSE / CX_MULTICAST */
  msg_xmit x;           /* CX_CON_SENT */
  uint8_t *tmpl;        /* request code + options, no payload, no block options (msg_wire.c) */
  size_t tmpl_len;
  /* Block1 upload: body[0..body_len), current block at body_off with size 16 << up_szx. */
  uint8_t *body;
  size_t body_len;
  size_t body_off;
  uint8_t up_szx;
  bool uploading; /* the request in flight carries Block1 */
  /* Block2 download. */
  uint8_t *rsp;
  size_t rsp_len, rsp_cap;
  uint8_t down_szx; /* SZX asked for in the next Block2 request */
  bool downloading; /* the request in flight carries Block2 num > 0 */
  uint8_t etag[8];
  uint8_t etag_len; /* 0: no ETag seen; 0xff: first block had none */
  /* Multicast: a responder whose answer needs Block2 follow-ups gets a unicast child. */
  struct msg_cx *parent;
  uint16_t n_children;
  bool in_callback;
  bool cancelled;
} msg_cx;

typedef enum sx_state {
  SX_PENDING = 0, /* handler has not answered yet */
  SX_SEPARATE,    /* CON separate response in flight */
} sx_state;

/* A received request awaiting its answer, or its CON separate response in flight. */
typedef struct msg_sx {
  uint32_t handle;
  sx_state state;
  ocf_endpoint peer; /* as received, flags included */
  uint8_t req_type;  /* CON or NON */
  uint16_t req_mid;
  uint8_t token[OCF_COAP_MAX_TOKEN];
  uint8_t token_len;
  bool acked;   /* an empty ACK went out */
  uint8_t *key; /* request template: identifies a block-wise transfer with the peer */
  size_t key_len;
  bool has_block1; /* final Block1 to echo in the response (RFC 7959 2.3) */
  ocf_coap_block block1;
  bool has_block2; /* the request asked for a Block2 num/SZX */
  ocf_coap_block block2;
  ocf_time_ms expires;
  msg_xmit x; /* SX_SEPARATE */
} msg_sx;

/* Server-side block-wise state: a Block1 upload being reassembled or a Block2 body kept for
 * follow-up requests, keyed by peer + request template. */
typedef struct msg_blk {
  bool used;
  bool upload; /* true: Block1 reassembly; false: Block2 body */
  ocf_endpoint peer;
  uint8_t *key;
  size_t key_len;
  uint8_t *tmpl; /* Block2: response code + options (ETag included) */
  size_t tmpl_len;
  uint8_t *body;
  size_t len, cap;
  ocf_time_ms expires;
} msg_blk;

typedef struct msg_dedup {
  bool used;
  bool con;
  ocf_endpoint peer;
  uint16_t mid;
  ocf_time_ms expires;
  uint8_t *reply; /* what we answered a CON with (ACK/RST), resent on duplicates */
  size_t reply_len;
} msg_dedup;

typedef struct msg_out {
  struct msg_out *next;
  ocf_endpoint to;
  ocf_time_ms due;
  size_t len;
  uint8_t data[];
} msg_out;

struct ocf_msg {
  ocf_platform pf;
  ocf_msg_config cfg;
  ocf_time_ms now; /* the largest `now` seen */
  uint16_t next_mid;
  uint32_t next_id;
  ocf_msg_request_cb handler;
  void *handler_user;
  msg_cx **cx;      /* [cfg.max_exchanges] */
  msg_sx **sx;      /* [cfg.max_pending] */
  msg_blk *blk;     /* [cfg.max_block_states] */
  msg_dedup *dedup; /* [cfg.max_dedup] */
  msg_out *out_head, *out_tail;
  size_t out_count;
};

/* --- msg.c ---------------------------------------------------------------------------------- */
void *msg_alloc(ocf_msg *m, size_t n);
void msg_free(ocf_msg *m, void *p);
/* Copies a datagram into the outbox, due at `due` (0: at once). Dropped with a log line when the
 * outbox is full or memory is short: CON messages are retransmitted anyway. */
void msg_enqueue(ocf_msg *m, const ocf_endpoint *to, const uint8_t *data, size_t len, ocf_time_ms due);
/* Remembers (peer, mid) of a received CON/NON for EXCHANGE_LIFETIME. */
void msg_dedup_add(ocf_msg *m, const ocf_endpoint *peer, uint16_t mid, bool con);
/* Stores the answer to a remembered CON (copy), so a duplicate gets it again. */
void msg_dedup_set_reply(ocf_msg *m, const ocf_endpoint *peer, uint16_t mid, const uint8_t *data, size_t len);
/* Sends an empty ACK or RST for `mid` and stores it as the dedup reply. */
void msg_send_empty(ocf_msg *m, const ocf_endpoint *to, ocf_coap_type type, uint16_t mid);
uint32_t msg_new_id(ocf_msg *m);
uint16_t msg_new_mid(ocf_msg *m);
ocf_time_ms msg_exchange_lifetime(const ocf_msg *m);
ocf_time_ms msg_response_timeout(const ocf_msg *m);
/* Same address, port, interface and security (an unsecured datagram never matches a
 * secured exchange). */
bool msg_same_peer(const ocf_endpoint *a, const ocf_endpoint *b);

/* --- msg_wire.c ----------------------------------------------------------------------------- */
typedef struct msg_extra {
  uint16_t number;
  uint32_t value;
} msg_extra;

/* Serializes code + options of src without payload, message id, token and block-wise options
 * (Block1, Block2, Size1, Size2) into an allocated buffer. OCF_ERR_TOO_LARGE, OCF_ERR_NO_MEMORY. */
OCF_NODISCARD ocf_err msg_template_make(ocf_msg *m, const ocf_coap_msg *src, const uint8_t *etag,
                                        size_t etag_len, uint8_t **out, size_t *out_len);
/* Builds a datagram: template + type/mid/token + extra uint options + payload.
 * OCF_ERR_TOO_LARGE when it exceeds cap. */
OCF_NODISCARD ocf_err msg_build(const uint8_t *tmpl, size_t tmpl_len, uint8_t type, uint16_t mid,
                                const uint8_t *token, size_t token_len, const msg_extra *extra,
                                size_t n_extra, const uint8_t *payload, size_t payload_len, uint8_t *out,
                                size_t cap, size_t *out_len);
/* Same from a message (copied; its block-wise options are dropped). */
OCF_NODISCARD ocf_err msg_build_from(const ocf_coap_msg *base, uint8_t type, uint16_t mid,
                                     const uint8_t *token, size_t token_len, const msg_extra *extra,
                                     size_t n_extra, const uint8_t *payload, size_t payload_len, uint8_t *out,
                                     size_t cap, size_t *out_len);
/* Starts transmitting a CON: keeps a copy, queues the first transmission, arms the timer with a
 * random initial timeout in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR] (RFC 7252 4.2). */
OCF_NODISCARD ocf_err msg_xmit_start(ocf_msg *m, msg_xmit *x, const ocf_endpoint *to, uint16_t mid,
                                     const uint8_t *data, size_t len, ocf_time_ms now);
/* On its deadline: retransmits and doubles the timeout, or returns false when MAX_RETRANSMIT
 * transmissions are exhausted (the caller gives up). */
bool msg_xmit_fire(ocf_msg *m, msg_xmit *x);
void msg_xmit_stop(ocf_msg *m, msg_xmit *x);
/* Uniform-ish random value in [0, bound] (bound small); 0 when the generator fails. */
uint32_t msg_random_upto(ocf_msg *m, uint32_t bound);
/* The options a request or response may carry that we understand (RFC 7252 5.4.1). */
const ocf_coap_option *msg_unknown_critical(const ocf_coap_msg *msg);
bool msg_is_response_code(uint8_t code);

/* --- msg_client.c --------------------------------------------------------------------------- */
void msg_client_on_ack(ocf_msg *m, const ocf_endpoint *from, const ocf_coap_msg *msg, ocf_time_ms now);
void msg_client_on_rst(ocf_msg *m, const ocf_endpoint *from, uint16_t mid);
/* A CON/NON response; returns false when no exchange wants it. */
bool msg_client_on_response(ocf_msg *m, const ocf_endpoint *from, const ocf_coap_msg *msg, ocf_time_ms now);
void msg_client_on_timeout(ocf_msg *m, ocf_time_ms now);
ocf_time_ms msg_client_next_timeout(const ocf_msg *m);
void msg_client_free_all(ocf_msg *m);
/* Sends requests that were waiting for NSTART (RFC 7252 4.7) when their peer has room. */
void msg_client_pump(ocf_msg *m);
/* Ends the unicast requests to peer with FAILED err; returns how many. */
size_t msg_client_forget_peer(ocf_msg *m, const ocf_endpoint *peer, ocf_err err);

/* --- msg_server.c --------------------------------------------------------------------------- */
void msg_server_on_request(ocf_msg *m, const ocf_endpoint *from, const ocf_coap_msg *msg, ocf_time_ms now);
/* ACK or RST for a separate response we sent; returns true when one matched. */
bool msg_server_on_ack_or_rst(ocf_msg *m, const ocf_endpoint *from, uint16_t mid);
void msg_server_on_timeout(ocf_msg *m, ocf_time_ms now);
ocf_time_ms msg_server_next_timeout(const ocf_msg *m);
void msg_server_free_all(ocf_msg *m);
/* Releases the received requests and block-wise state of peer. */
void msg_server_forget_peer(ocf_msg *m, const ocf_endpoint *peer);

#endif
