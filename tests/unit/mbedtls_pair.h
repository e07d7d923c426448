/* A DTLS 1.2 client and server of the mbedTLS we build, joined by two in-memory datagram queues:
 * deterministic (CTR_DRBG seeded with constants, a timer that never fires, cookies without a
 * clock), with every plaintext handshake message and alert on each link recorded for the tests
 * to inspect, and an optional hook that rewrites datagrams in flight. Used by the tests of our
 * mbedTLS patch (deps/patches/mbedtls/). */
#ifndef OBT_TESTS_MBEDTLS_PAIR_H
#define OBT_TESTS_MBEDTLS_PAIR_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

enum {
  PAIR_QUEUE_DEPTH = 16,
  PAIR_DGRAM_MAX = 4096,
  PAIR_MSG_LOG = 24,
  PAIR_MSG_BODY_MAX = 1024,
  PAIR_SUITES_MAX = 8,
};

/* DTLS handshake message types (RFC 6347 4.3.2, RFC 5246 7.4). */
enum {
  HS_CLIENT_HELLO = 1,
  HS_SERVER_HELLO = 2,
  HS_HELLO_VERIFY_REQUEST = 3,
  HS_CERTIFICATE = 11,
  HS_SERVER_KEY_EXCHANGE = 12,
  HS_CERTIFICATE_REQUEST = 13,
  HS_SERVER_HELLO_DONE = 14,
  HS_CLIENT_KEY_EXCHANGE = 16,
};

/* One plaintext (epoch 0) handshake message as it crossed a link. */
typedef struct {
  uint8_t type;
  size_t len;
  uint8_t body[PAIR_MSG_BODY_MAX];
} pair_hs_msg;

/* Rewrites one datagram in place (length *len, capacity cap); returns 0 or -1 to fail the send. */
typedef int pair_tamper_fn(uint8_t *dgram, size_t *len, size_t cap, void *arg);

typedef struct {
  uint8_t data[PAIR_QUEUE_DEPTH][PAIR_DGRAM_MAX];
  size_t len[PAIR_QUEUE_DEPTH];
  size_t head, count;
  pair_hs_msg msgs[PAIR_MSG_LOG];
  size_t n_msgs;
  int n_alerts;       /* plaintext alerts seen */
  uint8_t last_alert; /* AlertDescription of the last one */
  pair_tamper_fn *tamper;
  void *tamper_arg;
} pair_link;

typedef struct {
  mbedtls_ssl_context ssl;
  mbedtls_ssl_config conf;
  mbedtls_ctr_drbg_context drbg;
  pair_link *in, *out;
  int suites[PAIR_SUITES_MAX];
  int timer_running;
  int done, rc; /* rc: the handshake's final result once done */
  int exported; /* the TLS 1.2 master secret and randoms below were exported */
  uint8_t master[48], client_random[32], server_random[32];
  mbedtls_tls_prf_types prf;
} pair_peer;

typedef struct {
  pair_peer client, server;
  pair_link c2s, s2c;
  int hello_verify_requests; /* times the server asked for a cookie */
} pair;

/* Allocates a pair with default DTLS configurations: client authmode NONE, server with cookies,
 * both with the library's default suite list and secp256r1 as the only group. NULL when out of memory or
 * seeding failed. */
pair *pair_new(void);
void pair_free(pair *p);

/* Sets a peer's suite list (0-terminated, at most PAIR_SUITES_MAX - 1 entries). */
void pair_set_suites(pair_peer *peer, const int *suites);

/* Binds the configurations to the contexts: call after configuring, before pair_handshake. */
int pair_start(pair *p);

/* Runs both handshakes until each finished or failed, or nothing moves any more (a side still
 * waiting then ends with MBEDTLS_ERR_SSL_WANT_READ). Returns 0 when both succeeded. */
int pair_handshake(pair *p);

/* After a handshake: the client sends msg, the server reads it and sends it back, the client
 * reads the echo. Returns 0 when the echo matched. */
int pair_echo(pair *p, const char *msg);

/* The first recorded handshake message of that type on a link, or NULL. */
const pair_hs_msg *pair_find(const pair_link *link, uint8_t type);

/* Finds the plaintext handshake message of that type in a datagram: its body offset and length.
 * Returns 0, or -1 when absent. */
int pair_locate(const uint8_t *dgram, size_t len, uint8_t type, size_t *body_off, size_t *body_len);

/* Gives that handshake message a body of new_len bytes (cut at the end, or zero-filled), fixing the
 * handshake and record lengths and moving what follows. Returns 0, or -1 when absent or no room. */
int pair_resize(uint8_t *dgram, size_t *len, size_t cap, uint8_t type, size_t new_len);

/* A self-signed P-256 certificate and its key (CN=uuid:...), from a constant-seeded generator. */
int pair_make_self_signed(mbedtls_x509_crt *crt, mbedtls_pk_context *key);

#endif
