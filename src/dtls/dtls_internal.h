/* Internals shared by the session table (session.c, session_io.c) and the TLS backend
 * (mbedtls/tls_mbedtls.c). The backend sees sessions through these structs and reports back
 * through the ocf_dtls__ functions; session.c never sees a TLS library type. */
#ifndef OCF_DTLS_INTERNAL_H
#define OCF_DTLS_INTERNAL_H

#include "dtls/hello.h"
#include "dtls/session.h"

typedef enum session_state {
  SESSION_HANDSHAKE = 0,
  SESSION_OPEN,
  SESSION_DEAD, /* final event delivered; freed once no call is on the stack */
} session_state;

typedef struct ocf_dtls_tls ocf_dtls_tls; /* the backend's per-session state */

struct ocf_dtls_session {
  ocf_dtls_session *next; /* the context's list, newest first */
  ocf_dtls_ctx *ctx;
  ocf_dtls_session_info info;
  session_state state;
  ocf_time_ms started;
  ocf_time_ms established_at;
  uint8_t hello_random[OCF_TLS_RANDOM_LEN]; /* server: of the ClientHello that opened it */
  ocf_time_ms last_rx;                      /* last datagram from the peer (idle expiry) */
  /* The retransmission timer the TLS library arms (mbedtls_ssl_set_timer_cb contract). */
  bool timer_armed;
  ocf_time_ms timer_int_at, timer_fin_at;
  /* The datagram being fed to the library; the read BIO takes it once. */
  const uint8_t *in;
  size_t in_len;
  /* Exported at the end of the handshake (digest §4.6); wiped when the session ends. */
  bool have_secrets;
  uint8_t master[OCF_MASTER_SECRET_LEN];
  uint8_t client_random[OCF_TLS_RANDOM_LEN];
  uint8_t server_random[OCF_TLS_RANDOM_LEN];
  ocf_err fail_err; /* a reason found in a callback (psk_lookup, verify_cert), reported on failure */
  ocf_dtls_tls *tls;
};

typedef struct outbox_entry {
  ocf_endpoint to;
  uint8_t *data;
  size_t len;
} outbox_entry;

struct ocf_dtls_ctx {
  ocf_platform pf;
  ocf_dtls_config cfg;
  ocf_dtls_callbacks cbs;
  ocf_time_ms now;
  ocf_dtls_session *sessions; /* live and dead ones; stats.sessions counts the live */
  outbox_entry *outbox;       /* ring of cfg.max_outbox */
  size_t ob_head, ob_count;
  uint8_t cookie_secret[OCF_DTLS_COOKIE_SECRET_LEN];
  uint8_t *rx;         /* cfg.max_plaintext + 1: decrypted records */
  unsigned depth;      /* API calls on the stack; dead sessions are freed at depth 0 */
  unsigned in_library; /* inside a TLS library call: credential callbacks may not re-enter */
  ocf_dtls_stats stats;
};

/* --- shared by session.c and session_io.c -------------------------------------------------- */

/* Every entry point brackets its work with these: enter advances d->now; the outermost leave
 * frees the sessions that died meanwhile. */
void ocf_dtls_enter(ocf_dtls_ctx *d, ocf_time_ms now);
void ocf_dtls_leave(ocf_dtls_ctx *d);
ocf_dtls_session *ocf_dtls_find_live(const ocf_dtls_ctx *d, const ocf_endpoint *peer);
/* Whether one more handshake fits the caps on sessions and concurrent handshakes. */
bool ocf_dtls_caps_allow(const ocf_dtls_ctx *d);
/* Allocates a session, sets up its TLS state for p and links it (state HANDSHAKE). */
OCF_NODISCARD ocf_err ocf_dtls_new_session(ocf_dtls_ctx *d, const ocf_endpoint *peer, bool is_server,
                                           const ocf_dtls_profile *p, ocf_dtls_session **out);
bool ocf_dtls_outbox_push_to(ocf_dtls_ctx *d, const ocf_endpoint *to, const uint8_t *data, size_t len);
bool ocf_dtls_outbox_full(const ocf_dtls_ctx *d);

/* --- session table -> backend (mbedtls/tls_mbedtls.c) --------------------------------------- */

/* Sets up the library state of s for profile p (s->info.is_server tells the role). Does not
 * send anything yet. Errors as ocf_dtls_connect documents. */
OCF_NODISCARD ocf_err ocf_dtls_tls_start(ocf_dtls_session *s, const ocf_dtls_profile *p);
/* Runs the handshake or reads records with s->in (may be NULL: a timer fired), reporting
 * through the ocf_dtls__ functions below. */
void ocf_dtls_tls_drive(ocf_dtls_session *s);
/* Encrypts one record. Errors as ocf_dtls_send documents (TOO_LARGE, CRYPTO). */
OCF_NODISCARD ocf_err ocf_dtls_tls_write(ocf_dtls_session *s, const uint8_t *data, size_t len);
/* Queues close_notify if the handshake is over. */
void ocf_dtls_tls_close_notify(ocf_dtls_session *s);
void ocf_dtls_tls_free(ocf_dtls_session *s);
bool ocf_dtls_tls_suite_available(uint16_t suite);
bool ocf_dtls_tls_psk_hint_available(void);

/* --- backend -> session table (session.c) --------------------------------------------------- */

/* Appends a copy of one datagram for s's peer; false when it was lost (outbox full, no memory):
 * DTLS recovers handshake loss by retransmission, like any loss on the network. */
bool ocf_dtls__outbox_push(ocf_dtls_session *s, const uint8_t *data, size_t len);
void ocf_dtls__established(ocf_dtls_session *s);
void ocf_dtls__deliver(ocf_dtls_session *s, const uint8_t *data, size_t len);
/* The handshake failed (err) or an open session ended (reason, err). The session becomes dead. */
void ocf_dtls__failed(ocf_dtls_session *s, ocf_err err);
void ocf_dtls__closed(ocf_dtls_session *s, ocf_dtls_close_reason reason, ocf_err err);
/* Cookie checks for the library's own ClientHello processing (same rule as the front). */
bool ocf_dtls__cookie_valid(const ocf_dtls_ctx *d, const uint8_t *cookie, size_t len,
                            const uint8_t *client_id, size_t client_id_len);

#endif
