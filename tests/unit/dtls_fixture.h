/* Shared fixture of the DTLS tests: a server and a client ocf_dtls context on the simulated
 * network (tests/sim), each with an event and data recorder and scriptable credentials. */
#ifndef OCF_TEST_DTLS_FIXTURE_H
#define OCF_TEST_DTLS_FIXTURE_H

#include "dtls/session.h"
#include "sim/sim.h"

#define DX_START 1000000u
#define DX_MAX_EVENTS 16
#define DX_MAX_RX 8

typedef struct dx_event {
  ocf_dtls_event_type type;
  ocf_err err;
  ocf_dtls_close_reason reason;
  ocf_dtls_session_info info;
  ocf_time_ms at;
  /* ESTABLISHED: what the session exported, read from inside the callback. */
  ocf_err key_block_err;
  uint8_t key_block[OCF_KEY_BLOCK_MAX];
  size_t key_block_len;
  uint8_t master[OCF_MASTER_SECRET_LEN], client_random[OCF_TLS_RANDOM_LEN], server_random[OCF_TLS_RANDOM_LEN];
} dx_event;

typedef struct dx_node {
  ocf_sim_platform sp;
  ocf_dtls_ctx *d;
  int node;
  ocf_endpoint ep;
  ocf_sim_net *net;
  dx_event ev[DX_MAX_EVENTS];
  size_t n_ev;
  uint8_t rx[DX_MAX_RX][512];
  size_t rx_len[DX_MAX_RX];
  size_t n_rx;
  ocf_dtls_session_info rx_info; /* of the last record */
  bool echo;                     /* send every record back, prefixed with "re:" */
  bool close_on_data;            /* ocf_dtls_close from inside on_data */
  ocf_err close_on_data_result;
  /* Server side: the profile accept hands out, or accept_err. */
  ocf_dtls_profile profile;
  ocf_err accept_err;
  size_t accepts;
  /* Server side: psk_lookup answers key for identity, anything else NOT_FOUND. */
  uint8_t identity[OCF_DTLS_IDENTITY_MAX];
  size_t identity_len;
  uint8_t psk[OCF_DTLS_PSK_MAX];
  size_t psk_len;
  size_t psk_lookups;
  ocf_err reenter_result; /* what ocf_dtls_send returned from inside psk_lookup */
  /* Client side: psk_for_hint records the server's hint and answers hint_psk (when set). */
  uint8_t hint_seen[OCF_DTLS_IDENTITY_MAX];
  size_t hint_seen_len;
  uint8_t hint_psk[OCF_DTLS_PSK_MAX];
  size_t hint_psk_len;
  /* verify_cert: the answer, and what it saw. */
  ocf_err verify_answer;
  size_t verify_calls;
  size_t verify_chain_len;
  bool verify_had_uuid;
  ocf_uuid verify_uuid;
} dx_node;

typedef struct dx_world {
  ocf_sim_net *net;
  dx_node server, client;
} dx_world;

ocf_endpoint dx_ep(uint8_t last, uint16_t port);
ocf_dtls_callbacks dx_callbacks(dx_node *n);

/* Server at [2001:db8::10]:5684 and client at [2001:db8::1]:40001 with the given configs (NULL
 * = defaults, the client's without the server role); the server hands out a PSK profile {0xC037} and knows
 * key "0123456789abcdef" for identity 16 bytes 0x11. */
void dx_init(dx_world *w, uint64_t seed, const ocf_dtls_config *scfg, const ocf_dtls_config *ccfg);
/* Destroys both contexts and checks that nothing of ours leaked. */
void dx_free(dx_world *w);

/* A client PSK profile {0xC037} with the given identity and key. */
ocf_dtls_profile dx_psk_profile(const uint8_t *identity, size_t identity_len, const uint8_t *key,
                                size_t key_len);
extern const uint8_t dx_identity[16];
extern const uint8_t dx_key[16];

ocf_err dx_connect(dx_world *w, const ocf_dtls_profile *p);
/* Both sides have a final event or are established. */
bool dx_settled(void *w);
bool dx_both_established(void *w);
size_t dx_count(const dx_node *n, ocf_dtls_event_type type);
const dx_event *dx_find(const dx_node *n, ocf_dtls_event_type type);

#endif
