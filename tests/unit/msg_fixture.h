/* Shared fixture of the messaging tests: one client and up to four servers on the simulated
 * network, an event recorder, a scriptable request handler, and wire helpers for tests that
 * talk to a context directly. */
#ifndef OCF_TEST_MSG_FIXTURE_H
#define OCF_TEST_MSG_FIXTURE_H

#include "msg/msg.h"
#include "sim/sim.h"

#define FX_MAX_SERVERS 4
#define FX_MAX_EVENTS 64
#define FX_START 1000000u

typedef struct rec_event {
  ocf_msg_event_type type;
  bool final;
  ocf_err err;
  uint8_t code;
  ocf_endpoint peer;
  ocf_time_ms at;
  uint8_t *body; /* malloc'd copy */
  size_t len;
  bool has_size1;
  uint32_t size1;
} rec_event;

typedef struct recorder {
  rec_event ev[FX_MAX_EVENTS];
  size_t n;
  bool final_seen;
  const ocf_sim_net *net;
  uint32_t cancel_on_first; /* cancel this id from the first callback */
  ocf_err cancel_result;
} recorder;

typedef enum handler_mode {
  HANDLER_RESPOND = 0, /* respond from the handler */
  HANDLER_DEFER,       /* return without responding; the test responds later */
  HANDLER_DROP,        /* ocf_msg_drop */
} handler_mode;

typedef struct handler_script {
  handler_mode mode;
  uint8_t code;
  const uint8_t *body;
  size_t body_len;
  size_t calls;
  uint32_t last_handle;
  uint8_t last_method;
  ocf_endpoint last_peer;
  uint8_t *last_body; /* malloc'd copy of the last request body */
  size_t last_body_len;
  ocf_err respond_result;
} handler_script;

typedef struct world {
  ocf_sim_platform cpf;
  ocf_sim_platform spf[FX_MAX_SERVERS];
  ocf_sim_net *net;
  ocf_msg *client;
  ocf_msg *server[FX_MAX_SERVERS];
  int cnode;
  int snode[FX_MAX_SERVERS];
  handler_script hs[FX_MAX_SERVERS];
  recorder rec;
  size_t n_servers;
} world;

ocf_endpoint fx_ep6(uint8_t last, uint16_t port);
ocf_endpoint fx_ep4(uint8_t last, uint16_t port);
ocf_endpoint fx_group6(void); /* [ff02::158]:5683 */
ocf_endpoint fx_group4(void); /* 224.0.1.187:5683 */
ocf_endpoint fx_client_ep(void);
ocf_endpoint fx_server_ep(size_t i);

/* A pattern body: byte i = (i * 7 + seed) mod 251. */
uint8_t *fx_pattern(size_t len, uint8_t seed);

/* Client and n servers (all joined to both groups); cfgs may be NULL (defaults). */
void fx_world_init(world *w, size_t n_servers, const ocf_msg_config *ccfg, const ocf_msg_config *scfg,
                   uint64_t seed);
/* Frees everything and asserts that no allocation leaked. */
void fx_world_free(world *w);

/* Sends a request from the client (to server i, or to `to` when given). */
ocf_err fx_request(world *w, const ocf_endpoint *to, size_t n_to, uint8_t code, const char *uri,
                   const uint8_t *payload, size_t len, uint32_t *id);
bool fx_final_seen(void *w); /* for ocf_sim_run_until */

void recorder_cb(void *user, ocf_msg *m, const ocf_msg_event *ev);
void recorder_clear(recorder *r);
void handler_cb(void *user, ocf_msg *m, const ocf_msg_incoming *in);

/* One context driven by hand (no network): its platform, request handler script and event
 * recorder; mid is the next message id a test puts on the datagrams it builds (starts at 100). */
typedef struct direct {
  ocf_sim_platform pf;
  ocf_msg *m;
  handler_script hs;
  recorder rec;
  uint16_t mid;
} direct;

void direct_init(direct *d, const ocf_msg_config *cfg, uint64_t seed);
/* Destroys the context and asserts that no allocation leaked. */
void direct_free(direct *d);

/* Direct wire helpers. */
size_t fx_build(uint8_t *buf, size_t cap, ocf_coap_type type, uint8_t code, uint16_t mid,
                const uint8_t *token, size_t token_len, const char *uri, const uint8_t *payload,
                size_t payload_len);
/* Takes the next datagram of m and parses it into *out (pointing into buf). False if none. */
bool fx_pull(ocf_msg *m, ocf_endpoint *to, uint8_t *buf, ocf_coap_msg *out);
size_t fx_drain(ocf_msg *m);

#endif
