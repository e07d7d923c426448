/* DTLS 1.2 sessions (RFC 6347), sans-I/O: datagrams in, records out through an outbox,
 * deadlines from the caller's `now`. One ocf_dtls_ctx per secure endpoint; it holds one session
 * per peer endpoint and plays server (sessions created by a ClientHello) and/or client
 * (ocf_dtls_connect).
 *
 * Driving it is the engine contract of <ocf/ocf_engine.h> (ocf_dtls_engine()):
 *   - every datagram received on the coaps socket -> ocf_dtls_handle_datagram(from, bytes, now)
 *   - after every call into it                    -> drain ocf_dtls_next_datagram()
 *   - when ocf_dtls_next_timeout() is reached       -> ocf_dtls_on_timeout(now)
 * `now` never goes backwards (a smaller value counts as the largest seen). The TLS library never
 * reads a clock: its retransmission timer reads the `now` of the current call.
 *
 * Server side: a ClientHello without a valid cookie is answered with a HelloVerifyRequest and
 * nothing is kept (RFC 6347 4.2.1); only a ClientHello carrying a valid cookie creates a session,
 * and only while the caps on sessions and concurrent handshakes allow (otherwise it is dropped
 * silently, so the client retransmits later). The accept callback chooses the session's profile.
 *
 * Everything a session learns or does is reported through callbacks: decrypted application data
 * (on_data, with the session's info) and events (ESTABLISHED; then exactly one final FAILED or
 * CLOSED per session). Callbacks run inside handle_datagram, on_timeout, connect, send and close;
 * from on_event and on_data one may call ocf_dtls_send, ocf_dtls_close, ocf_dtls_connect and the
 * getters, never handle_datagram, on_timeout or destroy. The credential callbacks (accept aside)
 * run inside the TLS library and may only use the getters: other calls return OCF_ERR_STATE.
 *
 * Memory: our own state (sessions, outbox, buffers) comes from the platform allocator, bounded by
 * the caps of ocf_dtls_config; mbedTLS allocates its per-session record buffers with its own
 * calloc (its global allocator hook is process-wide, so we leave it alone), bounded through the
 * number of sessions. Nothing is sized by the peer. Secrets are wiped when a session ends. */
#ifndef OCF_DTLS_SESSION_H
#define OCF_DTLS_SESSION_H

#include <ocf/ocf_endpoint.h>
#include <ocf/ocf_engine.h>
#include <ocf/ocf_platform.h>

#include "dtls/derive.h"

/* Cipher suites by their IANA number (digest §4.1). */
#define OCF_DTLS_ECDH_ANON_AES_128_CBC_SHA256 0xFF00u /* Just Works; needs our mbedTLS patch */
#define OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256 0xC037u /* Random PIN, owner and pairwise PSK */
#define OCF_DTLS_ECDHE_ECDSA_AES_128_CCM_8 0xC0AEu
#define OCF_DTLS_ECDHE_ECDSA_AES_128_CCM 0xC0ACu
#define OCF_DTLS_ECDHE_ECDSA_AES_256_CCM_8 0xC0AFu
#define OCF_DTLS_ECDHE_ECDSA_AES_256_CCM 0xC0ADu

#define OCF_DTLS_MAX_SUITES 8
#define OCF_DTLS_PSK_MAX 32       /* bytes of a pre-shared key (OCF uses 16) */
#define OCF_DTLS_IDENTITY_MAX 64  /* bytes of a PSK identity or hint we accept or send */
#define OCF_DTLS_PEER_KEY_MAX 128 /* DER SubjectPublicKeyInfo of a P-256 key: 91 bytes */
#define OCF_DTLS_CHAIN_MAX 4      /* certificates of a peer chain handed to verify_cert */

typedef struct ocf_dtls_ctx ocf_dtls_ctx;
typedef struct ocf_dtls_session ocf_dtls_session;

/* --- profiles: what one session offers ------------------------------------------------------ */

/* How a peer certificate is checked (ECDHE-ECDSA suites). REQUIRED is the zero value, so a
 * zero-initialised profile never skips verification by accident. A server with REQUIRED or
 * OPTIONAL asks the client for a certificate. */
typedef enum ocf_dtls_verify {
  OCF_DTLS_VERIFY_REQUIRED = 0, /* chain must verify against trust_anchors (and verify_cert) */
  OCF_DTLS_VERIFY_OPTIONAL = 1, /* checked; the session is unauthenticated if it fails */
  OCF_DTLS_VERIFY_NONE = 2,     /* not requested (server) / not checked (client) */
} ocf_dtls_verify;

/* Everything a session needs from its owner, copied when the session is set up (the pointers
 * need to stay valid only during ocf_dtls_connect or the accept callback). */
typedef struct ocf_dtls_profile {
  uint16_t suites[OCF_DTLS_MAX_SUITES]; /* in preference order; unavailable ones are skipped */
  size_t n_suites;
  /* PSK suites. Client: the identity it sends and the key. Server: keys come from the
   * psk_lookup callback; psk_hint is the identity hint it sends (digest §4.1: its 16-byte uuid,
   * or "oic.sec.doxm.rdp:" + uuid during the PIN OTM) when ocf_dtls_psk_hint_available(). */
  ocf_bytes psk_identity;
  ocf_bytes psk;
  ocf_bytes psk_hint;
  /* ECDHE-ECDSA suites: own chain (DER, leaf first), its private key (DER), and the trust
   * anchors (DER) peer chains must lead to. */
  const ocf_bytes *chain;
  size_t n_chain;
  ocf_bytes private_key;
  const ocf_bytes *trust_anchors;
  size_t n_trust_anchors;
  ocf_dtls_verify verify;
} ocf_dtls_profile;

/* Fills *p (all other fields cleared) with the suites of an onboarding session (digest §4.1):
 * Just Works {0xFF00}, Random PIN {0xC037}, manufacturer certificate {C0AE C0AC C0AF C0AD}.
 * OCF_ERR_INVALID_ARG for another oxm. */
OCF_NODISCARD ocf_err ocf_dtls_profile_otm(ocf_dtls_profile *p, ocf_oxm oxm);
/* Fills *p with the suites of an owned device (digest §4.1): {C037 C0AE C0AC C0AF C0AD}. */
void ocf_dtls_profile_owned(ocf_dtls_profile *p);

/* Whether this build's TLS library implements a suite (0xFF00 needs the patched mbedTLS). */
bool ocf_dtls_suite_available(uint16_t suite);
/* Whether a server can send a PSK identity hint and a client receives it (patched mbedTLS). */
bool ocf_dtls_psk_hint_available(void);

/* --- sessions as seen by callbacks ---------------------------------------------------------- */

typedef enum ocf_dtls_auth {
  OCF_DTLS_AUTH_NONE = 0, /* anonymous (0xFF00), unverified certificate, or not established */
  OCF_DTLS_AUTH_PSK = 1,  /* the peer knew the pre-shared key */
  OCF_DTLS_AUTH_CERT = 2, /* the peer's chain verified against our trust anchors */
} ocf_dtls_auth;

typedef struct ocf_dtls_session_info {
  ocf_endpoint peer; /* flags carry OCF_EP_SECURE */
  bool is_server;    /* we are the server of this session */
  bool established;
  uint16_t suite; /* negotiated suite, 0 before ESTABLISHED */
  ocf_dtls_auth auth;
  /* The peer's identity bytes: server side of a PSK session the client's psk_identity; client
   * side the server's hint (patched mbedTLS only); certificate sessions the leaf's subject CN. */
  uint8_t peer_id[OCF_DTLS_IDENTITY_MAX];
  size_t peer_id_len;
  /* The peer's device uuid when it authenticated with one: a 16-byte PSK identity (digest §4.1)
   * or a leaf CN "uuid:<uuid>" (digest §4.4). Never set for an unauthenticated peer. */
  bool has_peer_uuid;
  ocf_uuid peer_uuid;
  /* Certificate sessions (auth OCF_DTLS_AUTH_CERT): the public key of the peer's leaf, DER
   * SubjectPublicKeyInfo, so that what the peer asserts later (role certificates, digest 2.8) can
   * be bound to the key it proved it holds. 0 bytes otherwise. */
  uint8_t peer_key[OCF_DTLS_PEER_KEY_MAX];
  size_t peer_key_len;
} ocf_dtls_session_info;

typedef enum ocf_dtls_event_type {
  OCF_DTLS_EV_ESTABLISHED = 1, /* handshake done; data may flow */
  OCF_DTLS_EV_FAILED,          /* final: the handshake did not complete */
  OCF_DTLS_EV_CLOSED,          /* final: an established session ended, or ocf_dtls_close */
} ocf_dtls_event_type;

typedef enum ocf_dtls_close_reason {
  OCF_DTLS_CLOSE_NONE = 0,
  OCF_DTLS_CLOSE_LOCAL,    /* ocf_dtls_close */
  OCF_DTLS_CLOSE_PEER,     /* the peer sent close_notify (answered with ours) */
  OCF_DTLS_CLOSE_IDLE,     /* idle_timeout_ms without a record from the peer */
  OCF_DTLS_CLOSE_REPLACED, /* a new handshake from the same address (RFC 6347 4.2.8) */
  OCF_DTLS_CLOSE_ERROR,    /* a fatal alert or error after the handshake */
} ocf_dtls_close_reason;

typedef struct ocf_dtls_event {
  ocf_dtls_event_type type;
  const ocf_dtls_session *session; /* valid during the callback */
  const ocf_dtls_session_info *info;
  /* FAILED: OCF_ERR_TIMEOUT (no answer within the retransmission schedule or handshake_limit),
   * OCF_ERR_DENIED (unknown PSK identity, untrusted or refused certificate), OCF_ERR_CRYPTO
   * (wrong key: bad Finished MAC; other handshake failures), OCF_ERR_RESET (the peer sent a
   * fatal alert), OCF_ERR_UNSUPPORTED (no common suite), OCF_ERR_MALFORMED, OCF_ERR_NO_MEMORY.
   * CLOSED: OCF_OK, or the error for OCF_DTLS_CLOSE_ERROR. */
  ocf_err err;
  ocf_dtls_close_reason reason; /* CLOSED only */
} ocf_dtls_event;

/* Credentials and decisions, asked for while a handshake runs. */
typedef struct ocf_dtls_callbacks {
  void *user;
  void (*on_event)(void *user, ocf_dtls_ctx *d, const ocf_dtls_event *ev);
  /* One decrypted application record (one CoAP message). data is valid during the call. */
  void (*on_data)(void *user, ocf_dtls_ctx *d, const ocf_dtls_session_info *info, const uint8_t *data,
                  size_t len);
  /* Server: a ClientHello with a valid cookie arrived from peer; fill *profile (zeroed) for its
   * session, or return an error to drop it. Required for the server role. */
  ocf_err (*accept)(void *user, const ocf_endpoint *peer, ocf_dtls_profile *profile);
  /* Server, PSK suites: the key for a client's identity (at most OCF_DTLS_IDENTITY_MAX bytes) in
   * key[0..*key_len), *key_len <= OCF_DTLS_PSK_MAX; an error fails the handshake (DENIED). */
  ocf_err (*psk_lookup)(void *user, const ocf_endpoint *peer, const uint8_t *identity, size_t identity_len,
                        uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len);
  /* Client with the patched mbedTLS: the key for the server's hint (digest §4.1: IL devices send
   * their uuid); OCF_ERR_NOT_FOUND keeps the profile's psk, another error fails the handshake
   * (DENIED). May be NULL. */
  ocf_err (*psk_for_hint)(void *user, const ocf_endpoint *peer, const uint8_t *hint, size_t hint_len,
                          uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len);
  /* After the whole chain verified against the trust anchors (never when any certificate of it
   * failed, the leaf or one above it) (no validity-period check: devices keep
   * no clock, so the hook checks time with its own source, and the OCF profile): chain[0] is the
   * leaf (DER); *uuid is set when its CN is "uuid:<uuid>". An error fails the handshake
   * (DENIED). May be NULL. */
  ocf_err (*verify_cert)(void *user, const ocf_endpoint *peer, const ocf_bytes *chain, size_t n_chain,
                         const ocf_uuid *uuid);
} ocf_dtls_callbacks;

/* --- context -------------------------------------------------------------------------------- */

typedef struct ocf_dtls_config {
  bool server;           /* accept handshakes */
  bool client;           /* allow ocf_dtls_connect */
  size_t max_sessions;   /* sessions at once, handshaking ones included; default 32 */
  size_t max_handshakes; /* handshakes at once; default 4 */
  /* Server handshakes at once from one source address (any port; default 2; 0 = no limit): one
   * host opening handshakes from many ports cannot take every slot of max_handshakes. */
  size_t max_handshakes_per_source;
  /* RFC 6347 4.2.4 retransmission: first timeout, doubled up to the maximum, then the handshake
   * fails. Defaults 1000 and 20000 as IoTivity-Lite (digest §4.1). */
  uint32_t hs_timeout_min_ms;
  uint32_t hs_timeout_max_ms;
  uint32_t handshake_limit_ms; /* a handshake older than this fails; default 60000 */
  uint32_t idle_timeout_ms;    /* close after this long without an authenticated record from the
                                  peer; 0 never; default 600000 */
  uint32_t cookie_lifetime_ms; /* HelloVerifyRequest cookie validity; default 60000 */
  uint16_t mtu;                /* largest datagram we send; default 1400 (a 1280-byte CoAP message) */
  size_t max_plaintext;        /* larger application records are dropped; default 2048 */
  size_t max_outbox;           /* datagrams queued for the host; default 64 */
} ocf_dtls_config;

void ocf_dtls_config_default(ocf_dtls_config *cfg);

/* Creates a context. pf and cbs are copied; the cookie secret comes from pf->random. cfg NULL =
 * defaults (server and client). OCF_ERR_INVALID_ARG (NULL pf/cbs/out, missing alloc/free/random,
 * neither role, server without accept, a zero cap, min > max timeout, mtu < 256); NO_MEMORY; or
 * the error of pf->random. */
OCF_NODISCARD ocf_err ocf_dtls_create(const ocf_platform *pf, const ocf_dtls_config *cfg,
                                      const ocf_dtls_callbacks *cbs, ocf_dtls_ctx **out);
/* Frees every session without events or close_notify, wiping secrets. NULL is fine. */
void ocf_dtls_destroy(ocf_dtls_ctx *d);

/* --- engine --------------------------------------------------------------------------------- */

/* One received datagram. OCF_OK when a session took it or it was answered with a
 * HelloVerifyRequest; otherwise why it was dropped without any state change: OCF_ERR_MALFORMED
 * (not a record a new session could start with), OCF_ERR_BUSY (caps), OCF_ERR_DENIED (accept
 * refused), OCF_ERR_NOT_FOUND (no session and not a ClientHello), OCF_ERR_UNSUPPORTED (a
 * ClientHello older than DTLS 1.2), OCF_ERR_NO_MEMORY. */
ocf_err ocf_dtls_handle_datagram(ocf_dtls_ctx *d, const ocf_endpoint *from, const uint8_t *data, size_t len,
                                 ocf_time_ms now);
/* Copies the next queued datagram into buf, sets *to (flags OCF_EP_SECURE), returns its length;
 * 0 when none. One longer than cap is discarded (cap >= mtu never loses one). */
size_t ocf_dtls_next_datagram(ocf_dtls_ctx *d, ocf_endpoint *to, uint8_t *buf, size_t cap);
ocf_time_ms ocf_dtls_next_timeout(const ocf_dtls_ctx *d);
/* Retransmits handshake flights, fails handshakes out of time, closes idle sessions. */
void ocf_dtls_on_timeout(ocf_dtls_ctx *d, ocf_time_ms now);
ocf_engine ocf_dtls_engine(ocf_dtls_ctx *d);

/* --- sessions ------------------------------------------------------------------------------- */

/* Starts a handshake to peer as client (the ClientHello is queued). OCF_ERR_INVALID_ARG (bad
 * profile: no suite, a PSK suite without psk, certificates that do not parse, verification
 * without trust anchors), OCF_ERR_UNSUPPORTED (no suite of the profile is available),
 * OCF_ERR_STATE (not a client, or a session with peer exists), OCF_ERR_BUSY (caps),
 * OCF_ERR_NO_MEMORY, OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err ocf_dtls_connect(ocf_dtls_ctx *d, const ocf_endpoint *peer, const ocf_dtls_profile *p,
                                       ocf_time_ms now);
/* Encrypts one application record to peer into the outbox. OCF_ERR_NOT_FOUND (no session),
 * OCF_ERR_STATE (handshake not finished), OCF_ERR_TOO_LARGE (over the record payload the MTU
 * allows), OCF_ERR_BUSY (outbox full), OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err ocf_dtls_send(ocf_dtls_ctx *d, const ocf_endpoint *peer, const uint8_t *data,
                                    size_t len, ocf_time_ms now);
/* Ends the session with peer: close_notify if established, then a CLOSED (LOCAL) event.
 * OCF_ERR_NOT_FOUND when there is none. */
ocf_err ocf_dtls_close(ocf_dtls_ctx *d, const ocf_endpoint *peer, ocf_time_ms now);

/* The live session with peer, or NULL. The pointer is valid until its final event returns. */
const ocf_dtls_session *ocf_dtls_session_find(const ocf_dtls_ctx *d, const ocf_endpoint *peer);
const ocf_dtls_session_info *ocf_dtls_session_get_info(const ocf_dtls_session *s);
/* RFC 5246 6.3 key_block of an established session (digest §4.5; the OTMs derive the OwnerPSK
 * from it). OCF_ERR_STATE before ESTABLISHED, OCF_ERR_UNSUPPORTED for a suite without a known
 * key_block length, OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err ocf_dtls_session_key_block(const ocf_dtls_session *s, uint8_t out[OCF_KEY_BLOCK_MAX],
                                                 size_t *len);
/* The exported master secret and hello randoms (tests, diagnostics; never log them).
 * OCF_ERR_STATE before ESTABLISHED. */
OCF_NODISCARD ocf_err ocf_dtls_session_secrets(const ocf_dtls_session *s,
                                               uint8_t master[OCF_MASTER_SECRET_LEN],
                                               uint8_t client_random[OCF_TLS_RANDOM_LEN],
                                               uint8_t server_random[OCF_TLS_RANDOM_LEN]);

typedef struct ocf_dtls_stats {
  size_t sessions;             /* live now */
  size_t handshakes;           /* live handshakes now */
  size_t hello_verify_sent;    /* HelloVerifyRequests (stateless) */
  size_t hello_dropped_caps;   /* ClientHellos with a valid cookie dropped by the caps */
  size_t hello_dropped_source; /* ... dropped by max_handshakes_per_source */
  size_t handshakes_evicted;   /* stale server handshakes failed to make room (session_io.c) */
  size_t dropped;              /* datagrams dropped before reaching a session */
  size_t outbox_dropped;       /* datagrams lost because the outbox was full or memory short */
  size_t plaintext_dropped;    /* application records over max_plaintext */
  size_t established;          /* sessions that completed a handshake, ever */
  size_t failed;               /* handshakes that failed, ever */
} ocf_dtls_stats;

const ocf_dtls_stats *ocf_dtls_stats_get(const ocf_dtls_ctx *d);

#endif
