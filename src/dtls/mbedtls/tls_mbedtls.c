/* The DTLS session backend over mbedTLS 3.6 (the only file of src/dtls with <mbedtls/ssl.h>).
 *
 * Per session: its own mbedtls_ssl_config (suites, PSK and certificates differ per session and
 * per peer) and mbedtls_ssl_context. The BIO reads only the datagram being fed and writes into
 * the context's outbox; the retransmission timer reads the context's `now`; randomness comes
 * from ocf_platform.random (no DRBG, no global state); the master secret and randoms are
 * captured by the key-export callback (digest §4.6).
 *
 * Hooks for our mbedTLS patch (deps/patches/mbedtls, probed in cmake/Deps.cmake): with
 * OCF_MBEDTLS_HAS_PSK_HINT a server sends the profile's psk_hint in ServerKeyExchange and a
 * client's PSK callback receives the server's hint (digest §4.1, pitfall 9); suite 0xFF00 needs
 * nothing here: ocf_dtls_suite_available() asks mbedTLS whether it knows the suite. */
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/pk.h>
#include <mbedtls/oid.h>

#include <string.h>

#include "dtls/crypto.h"
#include "dtls/dtls_internal.h"
#include "dtls/profile.h"

struct ocf_dtls_tls {
  mbedtls_ssl_config conf;
  mbedtls_ssl_context ssl;
  mbedtls_x509_crt chain; /* own chain */
  mbedtls_pk_context key; /* own private key */
  mbedtls_x509_crt trust; /* trust anchors */
  int suites[OCF_DTLS_MAX_SUITES + 1];
  ocf_dtls_verify verify;
  bool key_from_hint;   /* client: the PSK was chosen for the server's hint */
  uint32_t chain_flags; /* verification flags of the peer chain's higher certificates */
};

/* Digest §4.1: P-256 is OCF's curve; IoTivity-Lite also keeps P-384. */
static const uint16_t ocf_groups[] = {MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
                                      MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1, MBEDTLS_SSL_IANA_TLS_GROUP_NONE};

/* --- library callbacks: randomness, BIO, timer, cookies, keys ------------------------------- */

static int platform_random(void *p, unsigned char *out, size_t len) {
  const ocf_dtls_ctx *d = p;
  return d->pf.random(d->pf.ctx, out, len) == OCF_OK ? 0 : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

/* The read BIO: the datagram being fed, once; otherwise "nothing yet". A datagram larger than the
 * library's buffer is dropped like any datagram that cannot be a record. */
static int bio_recv(void *p, unsigned char *buf, size_t len) {
  ocf_dtls_session *s = p;
  if (!s->in) return MBEDTLS_ERR_SSL_WANT_READ;
  size_t n = s->in_len;
  const uint8_t *data = s->in;
  s->in = NULL;
  if (n > len || n > INT32_MAX) return MBEDTLS_ERR_SSL_WANT_READ;
  memcpy(buf, data, n);
  return (int)n;
}

/* The write BIO: one call is one datagram. A datagram the outbox cannot take is lost, as on the
 * network; the handshake retransmits, and ocf_dtls_send checks for room before writing. */
static int bio_send(void *p, const unsigned char *buf, size_t len) {
  if (len > INT32_MAX) return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
  (void)ocf_dtls__outbox_push(p, buf, len);
  return (int)len;
}

/* mbedtls_ssl_set_timer_t: deadlines relative to the `now` of the call being processed. */
static void timer_set(void *p, uint32_t int_ms, uint32_t fin_ms) {
  ocf_dtls_session *s = p;
  s->timer_armed = fin_ms != 0;
  s->timer_int_at = s->ctx->now + int_ms;
  s->timer_fin_at = s->ctx->now + fin_ms;
}

static int timer_get(void *p) {
  const ocf_dtls_session *s = p;
  if (!s->timer_armed) return -1;
  if (s->ctx->now >= s->timer_fin_at) return 2;
  return s->ctx->now >= s->timer_int_at ? 1 : 0;
}

/* RFC 6347 4.2.1 cookies, the same ones the stateless front issues (dtls/hello.c). */
static int cookie_write(void *p, unsigned char **out, unsigned char *end, const unsigned char *info,
                        size_t ilen) {
  const ocf_dtls_ctx *d = p;
  if (end - *out < OCF_DTLS_COOKIE_LEN) return MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL;
  if (ocf_dtls_cookie_make(d->cookie_secret, d->now, info, ilen, *out)) return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
  *out += OCF_DTLS_COOKIE_LEN;
  return 0;
}

static int cookie_check(void *p, const unsigned char *cookie, size_t clen, const unsigned char *info,
                        size_t ilen) {
  return ocf_dtls__cookie_valid(p, cookie, clen, info, ilen) ? 0 : -1;
}

static void export_keys(void *p, mbedtls_ssl_key_export_type type, const unsigned char *secret,
                        size_t secret_len, const unsigned char client_random[32],
                        const unsigned char server_random[32], mbedtls_tls_prf_types prf) {
  ocf_dtls_session *s = p;
  /* Digest §4.5: the 48-byte master secret really used (extended or not) and both randoms. */
  if (type != MBEDTLS_SSL_KEY_EXPORT_TLS12_MASTER_SECRET || secret_len != OCF_MASTER_SECRET_LEN ||
      prf != MBEDTLS_SSL_TLS_PRF_SHA256)
    return;
  memcpy(s->master, secret, OCF_MASTER_SECRET_LEN);
  memcpy(s->client_random, client_random, OCF_TLS_RANDOM_LEN);
  memcpy(s->server_random, server_random, OCF_TLS_RANDOM_LEN);
  s->have_secrets = true;
}

/* --- credentials ---------------------------------------------------------------------------- */

static void set_peer_id(ocf_dtls_session *s, const uint8_t *id, size_t len) {
  s->info.peer_id_len = len <= sizeof s->info.peer_id ? len : 0;
  memcpy(s->info.peer_id, id, s->info.peer_id_len);
}

/* Server: the key for the client's psk_identity (digest §4.1: 16 raw uuid bytes, or
 * "oic.sec.doxm.rdp" during the PIN OTM). */
static int server_psk(void *p, mbedtls_ssl_context *ssl, const unsigned char *id, size_t id_len) {
  ocf_dtls_session *s = p;
  const ocf_dtls_ctx *d = s->ctx;
  if (!d->cbs.psk_lookup || !id_len || id_len > OCF_DTLS_IDENTITY_MAX) return -1;
  set_peer_id(s, id, id_len);
  uint8_t key[OCF_DTLS_PSK_MAX];
  size_t key_len = 0;
  int rc = -1;
  if (d->cbs.psk_lookup(d->cbs.user, &s->info.peer, id, id_len, key, &key_len) == OCF_OK && key_len &&
      key_len <= sizeof key)
    rc = mbedtls_ssl_set_hs_psk(ssl, key, key_len);
  if (rc == MBEDTLS_ERR_SSL_ALLOC_FAILED) s->fail_err = OCF_ERR_NO_MEMORY;
  ocf_secure_zero(key, sizeof key);
  return rc ? -1 : 0;
}

#if defined(OCF_MBEDTLS_HAS_PSK_HINT)
/* Client with the patch: the server's hint arrives here; IoTivity-Lite devices send their uuid
 * and expect the client to pick the key for it (digest §4.1). */
static int client_psk(void *p, mbedtls_ssl_context *ssl, const unsigned char *hint, size_t hint_len) {
  ocf_dtls_session *s = p;
  const ocf_dtls_ctx *d = s->ctx;
  set_peer_id(s, hint, hint_len);
  if (!d->cbs.psk_for_hint || !hint_len) return 0; /* the profile's psk stays */
  uint8_t key[OCF_DTLS_PSK_MAX];
  size_t key_len = 0;
  int rc = 0;
  ocf_err err = d->cbs.psk_for_hint(d->cbs.user, &s->info.peer, hint, hint_len, key, &key_len);
  if (err == OCF_OK && key_len && key_len <= sizeof key) {
    rc = mbedtls_ssl_set_hs_psk(ssl, key, key_len);
    s->tls->key_from_hint = rc == 0;
  } else if (err != OCF_OK && err != OCF_ERR_NOT_FOUND) {
    /* The owner refuses this server (e.g. the PIN hint names another device, S003 §7.3). */
    s->fail_err = OCF_ERR_DENIED;
    rc = -1;
  }
  ocf_secure_zero(key, sizeof key);
  return rc ? -1 : 0;
}
#endif

/* Digest §4.4: the OCF identity is the subject CN "uuid:<36 chars>" of the leaf. */
static bool leaf_cn(const mbedtls_x509_crt *crt, const uint8_t **cn, size_t *len) {
  static const char cn_oid[] = MBEDTLS_OID_AT_CN;
  for (const mbedtls_x509_name *n = &crt->subject; n; n = n->next) {
    if (n->oid.len == sizeof cn_oid - 1 && !memcmp(n->oid.p, cn_oid, n->oid.len)) {
      *cn = n->val.p;
      *len = n->val.len;
      return true;
    }
  }
  return false;
}

static bool cn_uuid(const mbedtls_x509_crt *crt, ocf_uuid *out) {
  const uint8_t *cn;
  size_t len;
  if (!leaf_cn(crt, &cn, &len) || len < 5 || memcmp(cn, "uuid:", 5)) return false;
  return ocf_uuid_parse((const char *)cn + 5, len - 5, out) == OCF_OK;
}

/* Called per certificate of the peer's chain, root first; the leaf (depth 0) last. After the
 * library's own chain check passed, the owner's hook sees the chain and the CN uuid. The flags
 * of one call are only that certificate's: an untrusted or badly signed certificate higher up
 * leaves the leaf's flags clean, so they are accumulated over the whole walk and the hook is
 * not called (and the leaf is marked) when any of them is set. */
static int verify_hook(void *p, mbedtls_x509_crt *crt, int depth, uint32_t *flags) {
  ocf_dtls_session *s = p;
  const ocf_dtls_ctx *d = s->ctx;
  if (depth != 0) {
    s->tls->chain_flags |= *flags;
    return 0;
  }
  uint32_t higher = s->tls->chain_flags;
  s->tls->chain_flags = 0; /* a renegotiation-free session verifies once; keep it clean anyway */
  if (higher) *flags |= MBEDTLS_X509_BADCERT_NOT_TRUSTED;
  if (*flags || !d->cbs.verify_cert) return 0;
  ocf_bytes chain[OCF_DTLS_CHAIN_MAX];
  size_t n = 0;
  for (const mbedtls_x509_crt *c = crt; c && n < OCF_DTLS_CHAIN_MAX; c = c->next)
    chain[n++] = (ocf_bytes){c->raw.p, c->raw.len};
  ocf_uuid uuid;
  bool has_uuid = cn_uuid(crt, &uuid);
  if (d->cbs.verify_cert(d->cbs.user, &s->info.peer, chain, n, has_uuid ? &uuid : NULL) != OCF_OK)
    *flags |= MBEDTLS_X509_BADCERT_OTHER;
  return 0;
}

/* --- setup ---------------------------------------------------------------------------------- */

static ocf_err from_mbedtls_setup(int rc) {
  if (rc == MBEDTLS_ERR_SSL_ALLOC_FAILED || rc == MBEDTLS_ERR_X509_ALLOC_FAILED ||
      rc == MBEDTLS_ERR_PK_ALLOC_FAILED)
    return OCF_ERR_NO_MEMORY;
  return rc ? OCF_ERR_INVALID_ARG : OCF_OK;
}

static ocf_err configure_psk(ocf_dtls_session *s, ocf_dtls_tls *t, const ocf_dtls_profile *p) {
  if (s->info.is_server) {
    mbedtls_ssl_conf_psk_cb(&t->conf, server_psk, s);
#if defined(OCF_MBEDTLS_HAS_PSK_HINT)
    if (p->psk_hint.len) {
      int rc = mbedtls_ssl_conf_psk_identity_hint(&t->conf, p->psk_hint.ptr, p->psk_hint.len);
      if (rc) return from_mbedtls_setup(rc);
    }
#endif
    /* Without the patch the hint is not sent (upstream sends an empty one: pitfall 9). */
    return OCF_OK;
  }
#if defined(OCF_MBEDTLS_HAS_PSK_HINT)
  mbedtls_ssl_conf_psk_hint_cb(&t->conf, client_psk, s);
#endif
  return from_mbedtls_setup(
      mbedtls_ssl_conf_psk(&t->conf, p->psk.ptr, p->psk.len, p->psk_identity.ptr, p->psk_identity.len));
}

static ocf_err parse_certs(mbedtls_x509_crt *crt, const ocf_bytes *der, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!der[i].ptr || !der[i].len) return OCF_ERR_INVALID_ARG;
    ocf_err err = from_mbedtls_setup(mbedtls_x509_crt_parse_der(crt, der[i].ptr, der[i].len));
    if (err) return err;
  }
  return OCF_OK;
}

static ocf_err configure_certs(ocf_dtls_session *s, ocf_dtls_tls *t, const ocf_dtls_profile *p) {
  ocf_dtls_ctx *d = s->ctx;
  ocf_err err = parse_certs(&t->chain, p->chain, p->n_chain);
  if (!err && p->n_chain) {
    err = from_mbedtls_setup(
        mbedtls_pk_parse_key(&t->key, p->private_key.ptr, p->private_key.len, NULL, 0, platform_random, d));
    if (!err) err = from_mbedtls_setup(mbedtls_pk_check_pair(&t->chain.pk, &t->key, platform_random, d));
    if (!err) err = from_mbedtls_setup(mbedtls_ssl_conf_own_cert(&t->conf, &t->chain, &t->key));
  }
  if (!err) err = parse_certs(&t->trust, p->trust_anchors, p->n_trust_anchors);
  if (err) return err;
  if (p->n_trust_anchors) mbedtls_ssl_conf_ca_chain(&t->conf, &t->trust, NULL);
  t->verify = p->verify;
  int mode = p->verify == OCF_DTLS_VERIFY_REQUIRED   ? MBEDTLS_SSL_VERIFY_REQUIRED
             : p->verify == OCF_DTLS_VERIFY_OPTIONAL ? MBEDTLS_SSL_VERIFY_OPTIONAL
                                                     : MBEDTLS_SSL_VERIFY_NONE;
  mbedtls_ssl_conf_authmode(&t->conf, mode);
  mbedtls_ssl_conf_verify(&t->conf, verify_hook, s);
  return OCF_OK;
}

static ocf_err configure(ocf_dtls_session *s, ocf_dtls_tls *t, const ocf_dtls_profile *p,
                         const ocf_dtls_profile_needs *needs) {
  ocf_dtls_ctx *d = s->ctx;
  int endpoint = s->info.is_server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT;
  if (mbedtls_ssl_config_defaults(&t->conf, endpoint, MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                  MBEDTLS_SSL_PRESET_DEFAULT))
    return OCF_ERR_CRYPTO;
  mbedtls_ssl_conf_rng(&t->conf, platform_random, d);
  /* Digest §4.1: DTLS 1.2 only. */
  mbedtls_ssl_conf_min_tls_version(&t->conf, MBEDTLS_SSL_VERSION_TLS1_2);
  mbedtls_ssl_conf_max_tls_version(&t->conf, MBEDTLS_SSL_VERSION_TLS1_2);
  size_t n = 0;
  for (size_t i = 0; i < p->n_suites; i++)
    if (ocf_dtls_suite_available(p->suites[i])) t->suites[n++] = p->suites[i];
  t->suites[n] = 0;
  mbedtls_ssl_conf_ciphersuites(&t->conf, t->suites);
  mbedtls_ssl_conf_groups(&t->conf, ocf_groups);
  /* RFC 6347 4.2.4.1 timer values. */
  mbedtls_ssl_conf_handshake_timeout(&t->conf, d->cfg.hs_timeout_min_ms, d->cfg.hs_timeout_max_ms);
  if (s->info.is_server)
    mbedtls_ssl_conf_dtls_cookies(&t->conf, cookie_write, cookie_check, d);
  else
    mbedtls_ssl_conf_session_tickets(&t->conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
  ocf_err err = needs->psk ? configure_psk(s, t, p) : OCF_OK;
  if (!err && needs->ecdsa) err = configure_certs(s, t, p);
  return err;
}

static ocf_err setup_context(ocf_dtls_session *s, ocf_dtls_tls *t) {
  ocf_err err = from_mbedtls_setup(mbedtls_ssl_setup(&t->ssl, &t->conf));
  if (err) return err == OCF_ERR_NO_MEMORY ? err : OCF_ERR_CRYPTO;
  mbedtls_ssl_set_bio(&t->ssl, s, bio_send, bio_recv, NULL);
  mbedtls_ssl_set_timer_cb(&t->ssl, s, timer_set, timer_get);
  mbedtls_ssl_set_mtu(&t->ssl, s->ctx->cfg.mtu);
  mbedtls_ssl_set_export_keys_cb(&t->ssl, export_keys, s);
  if (s->info.is_server) {
    /* RFC 6347 4.2.1: the library checks cookies against the client's address too. */
    uint8_t client_id[OCF_DTLS_CLIENT_ID_LEN];
    ocf_dtls_client_id(&s->info.peer, client_id);
    return from_mbedtls_setup(mbedtls_ssl_set_client_transport_id(&t->ssl, client_id, sizeof client_id));
  }
  /* Digest pitfall 33: mbedTLS >= 3.6.3 refuses to verify a certificate without a hostname
   * decision; OCF names peers by the CN uuid, never by host name. */
  return from_mbedtls_setup(mbedtls_ssl_set_hostname(&t->ssl, NULL));
}

ocf_err ocf_dtls_tls_start(ocf_dtls_session *s, const ocf_dtls_profile *p) {
  ocf_dtls_profile_needs needs;
  ocf_err err = ocf_dtls_profile_check(p, s->info.is_server, &needs);
  if (err) return err;
  const ocf_platform *pf = &s->ctx->pf;
  ocf_dtls_tls *t = pf->alloc(pf->ctx, sizeof *t);
  if (!t) return OCF_ERR_NO_MEMORY;
  memset(t, 0, sizeof *t);
  mbedtls_ssl_config_init(&t->conf);
  mbedtls_ssl_init(&t->ssl);
  mbedtls_x509_crt_init(&t->chain);
  mbedtls_pk_init(&t->key);
  mbedtls_x509_crt_init(&t->trust);
  s->tls = t; /* freed with the session on any error below */
  err = configure(s, t, p, &needs);
  return err ? err : setup_context(s, t);
}

void ocf_dtls_tls_free(ocf_dtls_session *s) {
  ocf_dtls_tls *t = s->tls;
  if (!t) return;
  mbedtls_ssl_free(&t->ssl);
  mbedtls_ssl_config_free(&t->conf);
  mbedtls_x509_crt_free(&t->chain);
  mbedtls_pk_free(&t->key);
  mbedtls_x509_crt_free(&t->trust);
  ocf_secure_zero(t, sizeof *t);
  s->ctx->pf.free(s->ctx->pf.ctx, t);
  s->tls = NULL;
}

bool ocf_dtls_tls_suite_available(uint16_t suite) { return mbedtls_ssl_ciphersuite_from_id(suite) != NULL; }

bool ocf_dtls_tls_psk_hint_available(void) {
#if defined(OCF_MBEDTLS_HAS_PSK_HINT)
  return true;
#else
  return false;
#endif
}

/* --- running -------------------------------------------------------------------------------- */

static ocf_err from_mbedtls(int rc) {
  switch (rc) {
  case MBEDTLS_ERR_SSL_TIMEOUT: return OCF_ERR_TIMEOUT;
  case MBEDTLS_ERR_SSL_UNKNOWN_IDENTITY:
  case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
  case MBEDTLS_ERR_SSL_BAD_CERTIFICATE:
  case MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE: return OCF_ERR_DENIED;
  case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE: return OCF_ERR_RESET;
  case MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE: return OCF_ERR_UNSUPPORTED; /* e.g. no common suite */
  case MBEDTLS_ERR_SSL_ALLOC_FAILED: return OCF_ERR_NO_MEMORY;
  case MBEDTLS_ERR_SSL_DECODE_ERROR:
  case MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER:
  case MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE:
  case MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION:
  case MBEDTLS_ERR_SSL_INVALID_RECORD: return OCF_ERR_MALFORMED;
  default: return OCF_ERR_CRYPTO; /* MBEDTLS_ERR_SSL_INVALID_MAC: a wrong key */
  }
}

static void record_peer(ocf_dtls_session *s, ocf_dtls_tls *t) {
  ocf_dtls_session_info *info = &s->info;
  info->suite = (uint16_t)mbedtls_ssl_get_ciphersuite_id_from_ssl(&t->ssl);
  switch (ocf_dtls_suite_kind_of(info->suite)) {
  case OCF_DTLS_KIND_PSK:
    info->auth = OCF_DTLS_AUTH_PSK;
    /* Digest §4.1: the 16-byte identity (server) or hint (client) is the peer's device uuid. */
    if (info->peer_id_len == sizeof info->peer_uuid.b && (info->is_server || t->key_from_hint)) {
      memcpy(info->peer_uuid.b, info->peer_id, sizeof info->peer_uuid.b);
      info->has_peer_uuid = true;
    }
    break;
  case OCF_DTLS_KIND_ECDSA: {
    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&t->ssl);
    const uint8_t *cn;
    size_t cn_len;
    if (peer && leaf_cn(peer, &cn, &cn_len)) set_peer_id(s, cn, cn_len);
    if (peer && t->verify != OCF_DTLS_VERIFY_NONE && mbedtls_ssl_get_verify_result(&t->ssl) == 0) {
      info->auth = OCF_DTLS_AUTH_CERT;
      info->has_peer_uuid = cn_uuid(peer, &info->peer_uuid);
      /* the key as DER SPKI, written at the end of the buffer by mbedTLS */
      int n = mbedtls_pk_write_pubkey_der(&peer->pk, info->peer_key, sizeof info->peer_key);
      if (n > 0) memmove(info->peer_key, info->peer_key + sizeof info->peer_key - (size_t)n, (size_t)n);
      info->peer_key_len = n > 0 ? (size_t)n : 0;
    }
    break;
  }
  default: info->auth = OCF_DTLS_AUTH_NONE; break;
  }
}

/* Discards the rest of a record longer than the receive buffer: a record is one message. */
static void discard_record(ocf_dtls_ctx *d, ocf_dtls_tls *t) {
  while (mbedtls_ssl_get_bytes_avail(&t->ssl) > 0)
    if (mbedtls_ssl_read(&t->ssl, d->rx, d->cfg.max_plaintext + 1) <= 0) break;
  d->stats.plaintext_dropped++;
}

static void read_records(ocf_dtls_session *s, ocf_dtls_tls *t) {
  ocf_dtls_ctx *d = s->ctx;
  while (s->state == SESSION_OPEN) {
    d->in_library++;
    int n = mbedtls_ssl_read(&t->ssl, d->rx, d->cfg.max_plaintext + 1);
    if (n > 0 && ((size_t)n > d->cfg.max_plaintext || mbedtls_ssl_get_bytes_avail(&t->ssl) > 0)) {
      discard_record(d, t);
      n = MBEDTLS_ERR_SSL_CONTINUE_PROCESSING;
    }
    d->in_library--;
    if (n > 0) {
      ocf_dtls__deliver(s, d->rx, (size_t)n);
    } else if (n == MBEDTLS_ERR_SSL_CONTINUE_PROCESSING) {
      continue;
    } else if (n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
      (void)mbedtls_ssl_close_notify(&t->ssl); /* RFC 5246 7.2.1: answer with ours */
      ocf_dtls__closed(s, OCF_DTLS_CLOSE_PEER, OCF_OK);
    } else if (n == 0 || n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE ||
               n == MBEDTLS_ERR_SSL_TIMEOUT) {
      return;
    } else {
      ocf_dtls__closed(s, OCF_DTLS_CLOSE_ERROR, from_mbedtls(n));
    }
  }
}

void ocf_dtls_tls_drive(ocf_dtls_session *s) {
  ocf_dtls_tls *t = s->tls;
  if (s->state == SESSION_HANDSHAKE) {
    s->ctx->in_library++;
    int rc = mbedtls_ssl_handshake(&t->ssl);
    s->ctx->in_library--;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return;
    if (rc) {
      ocf_dtls__failed(s, from_mbedtls(rc));
      return;
    }
    record_peer(s, t);
    ocf_dtls__established(s);
  }
  /* Records after the Finished may share its datagram; later datagrams come here directly. */
  read_records(s, t);
}

ocf_err ocf_dtls_tls_write(ocf_dtls_session *s, const uint8_t *data, size_t len) {
  ocf_dtls_tls *t = s->tls;
  int max = mbedtls_ssl_get_max_out_record_payload(&t->ssl);
  if (max < 0) return OCF_ERR_CRYPTO;
  if (len > (size_t)max) return OCF_ERR_TOO_LARGE;
  s->ctx->in_library++;
  int rc = mbedtls_ssl_write(&t->ssl, data, len);
  s->ctx->in_library--;
  if (rc < 0) return from_mbedtls(rc);
  return (size_t)rc == len ? OCF_OK : OCF_ERR_CRYPTO;
}

void ocf_dtls_tls_close_notify(ocf_dtls_session *s) {
  ocf_dtls_tls *t = s->tls;
  if (!t || !mbedtls_ssl_is_handshake_over(&t->ssl)) return;
  s->ctx->in_library++;
  (void)mbedtls_ssl_close_notify(&t->ssl);
  s->ctx->in_library--;
}
