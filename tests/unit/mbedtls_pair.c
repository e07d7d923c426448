/* In-memory DTLS 1.2 pair over the mbedTLS we build (see mbedtls_pair.h). */
#include "mbedtls_pair.h"

#include <stdlib.h>
#include <string.h>

#include <mbedtls/sha256.h>
#include <mbedtls/x509_crt.h>

enum {
  RECORD_HEADER = 13, /* type, version, epoch, sequence number, length (RFC 6347 4.1) */
  HS_HEADER = 12,     /* type, length, message_seq, fragment offset and length (RFC 6347 4.2.2) */
  CONTENT_ALERT = 21, /* RFC 5246 6.2.1 */
  CONTENT_HANDSHAKE = 22,
  COOKIE_LEN = 32, /* as IoTivity-Lite's (digest pitfall 35) */
  MAX_ROUNDS = 64,
};

static const unsigned char client_transport_id[] = "client 1";

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be24(const uint8_t *p) { return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]; }
static void put_be16(uint8_t *p, size_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static void put_be24(uint8_t *p, size_t v) {
  p[0] = (uint8_t)(v >> 16);
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)v;
}

/* Entropy for CTR_DRBG: a constant per generator, so every run draws the same bytes. */
static int constant_entropy(void *ctx, unsigned char *out, size_t len) {
  memset(out, *(const unsigned char *)ctx, len);
  return 0;
}

static int seed(mbedtls_ctr_drbg_context *drbg, const char *name) {
  static const unsigned char filler = 0x5a;
  mbedtls_ctr_drbg_init(drbg);
  return mbedtls_ctr_drbg_seed(drbg, constant_entropy, (void *)(uintptr_t)&filler,
                               (const unsigned char *)name, strlen(name));
}

/* The timer never expires (the fake clock stands still), so nothing is retransmitted; it only
 * tells mbedTLS whether it is running (-1 when cancelled), as mbedtls_ssl_get_timer_t asks. */
static void timer_set(void *ctx, uint32_t int_ms, uint32_t fin_ms) {
  (void)int_ms;
  ((pair_peer *)ctx)->timer_running = fin_ms != 0;
}
static int timer_get(void *ctx) { return ((pair_peer *)ctx)->timer_running ? 0 : -1; }

/* HelloVerifyRequest cookie without a clock: SHA-256 of a fixed secret and the transport id. */
static void cookie_of(const unsigned char *id, size_t id_len, unsigned char out[COOKIE_LEN]) {
  static const unsigned char secret[] = "pair cookie secret";
  mbedtls_sha256_context sha;
  mbedtls_sha256_init(&sha);
  (void)mbedtls_sha256_starts(&sha, 0);
  (void)mbedtls_sha256_update(&sha, secret, sizeof secret);
  (void)mbedtls_sha256_update(&sha, id, id_len);
  (void)mbedtls_sha256_finish(&sha, out);
  mbedtls_sha256_free(&sha);
}

static int cookie_write(void *ctx, unsigned char **p, unsigned char *end, const unsigned char *id,
                        size_t id_len) {
  (void)ctx;
  if (end - *p < COOKIE_LEN) return MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL;
  cookie_of(id, id_len, *p);
  *p += COOKIE_LEN;
  return 0;
}

static int cookie_check(void *ctx, const unsigned char *cookie, size_t cookie_len, const unsigned char *id,
                        size_t id_len) {
  (void)ctx;
  unsigned char want[COOKIE_LEN];
  cookie_of(id, id_len, want);
  return cookie_len == COOKIE_LEN && memcmp(cookie, want, COOKIE_LEN) == 0 ? 0 : -1;
}

static void export_keys(void *ctx, mbedtls_ssl_key_export_type type, const unsigned char *secret,
                        size_t secret_len, const unsigned char client_random[32],
                        const unsigned char server_random[32], mbedtls_tls_prf_types prf) {
  pair_peer *peer = ctx;
  if (type != MBEDTLS_SSL_KEY_EXPORT_TLS12_MASTER_SECRET || secret_len != sizeof peer->master) return;
  memcpy(peer->master, secret, secret_len);
  memcpy(peer->client_random, client_random, 32);
  memcpy(peer->server_random, server_random, 32);
  peer->prf = prf;
  peer->exported = 1;
}

/* Records the plaintext handshake messages and alerts of one datagram. */
static void record_messages(pair_link *link, const uint8_t *d, size_t len) {
  for (size_t off = 0; off + RECORD_HEADER <= len;) {
    size_t rec_len = be16(d + off + 11);
    const uint8_t *frag = d + off + RECORD_HEADER;
    if (off + RECORD_HEADER + rec_len > len) return;
    int epoch0 = be16(d + off + 3) == 0;
    if (epoch0 && d[off] == CONTENT_ALERT && rec_len == 2) {
      link->n_alerts++;
      link->last_alert = frag[1];
    }
    if (epoch0 && d[off] == CONTENT_HANDSHAKE && rec_len >= HS_HEADER && link->n_msgs < PAIR_MSG_LOG) {
      size_t body = be24(frag + 9); /* fragment_length */
      pair_hs_msg *m = &link->msgs[link->n_msgs++];
      m->type = frag[0];
      m->len = body <= rec_len - HS_HEADER && body <= PAIR_MSG_BODY_MAX ? body : 0;
      memcpy(m->body, frag + HS_HEADER, m->len);
    }
    off += RECORD_HEADER + rec_len;
  }
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len) {
  pair_link *link = ((pair_peer *)ctx)->out;
  if (link->count == PAIR_QUEUE_DEPTH || len > PAIR_DGRAM_MAX) return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
  size_t slot = (link->head + link->count) % PAIR_QUEUE_DEPTH;
  size_t out_len = len;
  memcpy(link->data[slot], buf, len);
  if (link->tamper != NULL && link->tamper(link->data[slot], &out_len, PAIR_DGRAM_MAX, link->tamper_arg) != 0)
    return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
  record_messages(link, link->data[slot], out_len);
  link->len[slot] = out_len;
  link->count++;
  return (int)len;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len) {
  pair_link *link = ((pair_peer *)ctx)->in;
  if (link->count == 0) return MBEDTLS_ERR_SSL_WANT_READ;
  size_t n = link->len[link->head];
  if (n > len) return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
  memcpy(buf, link->data[link->head], n);
  link->head = (link->head + 1) % PAIR_QUEUE_DEPTH;
  link->count--;
  return (int)n;
}

static int peer_init(pair_peer *peer, int endpoint, const char *name) {
  mbedtls_ssl_init(&peer->ssl);
  mbedtls_ssl_config_init(&peer->conf);
  if (seed(&peer->drbg, name) != 0) return -1;
  if (mbedtls_ssl_config_defaults(&peer->conf, endpoint, MBEDTLS_SSL_TRANSPORT_DATAGRAM,
                                  MBEDTLS_SSL_PRESET_DEFAULT) != 0)
    return -1;
  mbedtls_ssl_conf_rng(&peer->conf, mbedtls_ctr_drbg_random, &peer->drbg);
  mbedtls_ssl_conf_authmode(&peer->conf, MBEDTLS_SSL_VERIFY_NONE);
  /* OCF's curve (digest 4.1); mbedTLS would otherwise prefer X25519. */
  static const uint16_t groups[] = {MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1, MBEDTLS_SSL_IANA_TLS_GROUP_NONE};
  mbedtls_ssl_conf_groups(&peer->conf, groups);
  return 0;
}

pair *pair_new(void) {
  pair *p = calloc(1, sizeof *p);
  if (p == NULL) return NULL;
  p->client.out = p->server.in = &p->c2s;
  p->server.out = p->client.in = &p->s2c;
  if (peer_init(&p->client, MBEDTLS_SSL_IS_CLIENT, "client") != 0 ||
      peer_init(&p->server, MBEDTLS_SSL_IS_SERVER, "server") != 0) {
    pair_free(p);
    return NULL;
  }
  mbedtls_ssl_conf_dtls_cookies(&p->server.conf, cookie_write, cookie_check, NULL);
  return p;
}

void pair_free(pair *p) {
  if (p == NULL) return;
  pair_peer *peers[] = {&p->client, &p->server};
  for (size_t i = 0; i < 2; i++) {
    mbedtls_ssl_free(&peers[i]->ssl);
    mbedtls_ssl_config_free(&peers[i]->conf);
    mbedtls_ctr_drbg_free(&peers[i]->drbg);
  }
  free(p);
}

void pair_set_suites(pair_peer *peer, const int *suites) {
  size_t n = 0;
  while (suites[n] != 0 && n + 1 < PAIR_SUITES_MAX) {
    peer->suites[n] = suites[n];
    n++;
  }
  peer->suites[n] = 0;
  mbedtls_ssl_conf_ciphersuites(&peer->conf, peer->suites);
}

static int peer_start(pair_peer *peer) {
  if (mbedtls_ssl_setup(&peer->ssl, &peer->conf) != 0) return -1;
  mbedtls_ssl_set_bio(&peer->ssl, peer, bio_send, bio_recv, NULL);
  mbedtls_ssl_set_timer_cb(&peer->ssl, peer, timer_set, timer_get);
  mbedtls_ssl_set_export_keys_cb(&peer->ssl, export_keys, peer);
  return 0;
}

int pair_start(pair *p) {
  if (peer_start(&p->client) != 0 || peer_start(&p->server) != 0) return -1;
  return mbedtls_ssl_set_client_transport_id(&p->server.ssl, client_transport_id, sizeof client_transport_id);
}

/* One handshake step of a peer; returns 1 when something changed (finished, failed, reset). */
static int step(pair *p, pair_peer *peer) {
  if (peer->done) return 0;
  int rc = mbedtls_ssl_handshake(&peer->ssl);
  if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return 0;
  if (rc == MBEDTLS_ERR_SSL_HELLO_VERIFY_REQUIRED && peer == &p->server) {
    /* RFC 6347 4.2.1: the server keeps no state until the client returns the cookie. */
    p->hello_verify_requests++;
    if (mbedtls_ssl_session_reset(&peer->ssl) != 0 ||
        mbedtls_ssl_set_client_transport_id(&peer->ssl, client_transport_id, sizeof client_transport_id) != 0)
      rc = MBEDTLS_ERR_SSL_INTERNAL_ERROR;
    else
      return 1;
  }
  peer->done = 1;
  peer->rc = rc;
  return 1;
}

int pair_handshake(pair *p) {
  for (int round = 0; round < MAX_ROUNDS && !(p->client.done && p->server.done); round++) {
    size_t queued = p->c2s.count + p->s2c.count;
    int changed = step(p, &p->client);
    changed |= step(p, &p->server);
    if (!changed && queued == 0 && p->c2s.count + p->s2c.count == 0) break; /* nothing moves */
  }
  pair_peer *peers[] = {&p->client, &p->server};
  for (size_t i = 0; i < 2; i++) {
    if (!peers[i]->done) {
      peers[i]->done = 1;
      peers[i]->rc = MBEDTLS_ERR_SSL_WANT_READ;
    }
  }
  return p->client.rc == 0 && p->server.rc == 0 ? 0 : -1;
}

static int read_exact(mbedtls_ssl_context *ssl, unsigned char *buf, size_t len) {
  int n = mbedtls_ssl_read(ssl, buf, len);
  return n >= 0 && (size_t)n == len ? 0 : -1;
}

int pair_echo(pair *p, const char *msg) {
  unsigned char buf[256];
  size_t len = strlen(msg);
  if (len > sizeof buf) return -1;
  if (mbedtls_ssl_write(&p->client.ssl, (const unsigned char *)msg, len) != (int)len) return -1;
  if (read_exact(&p->server.ssl, buf, len) != 0 || memcmp(buf, msg, len) != 0) return -1;
  if (mbedtls_ssl_write(&p->server.ssl, buf, len) != (int)len) return -1;
  memset(buf, 0, sizeof buf);
  if (read_exact(&p->client.ssl, buf, len) != 0) return -1;
  return memcmp(buf, msg, len) == 0 ? 0 : -1;
}

const pair_hs_msg *pair_find(const pair_link *link, uint8_t type) {
  for (size_t i = 0; i < link->n_msgs; i++)
    if (link->msgs[i].type == type) return &link->msgs[i];
  return NULL;
}

/* Offset of the record that carries an unfragmented plaintext handshake message of that type. */
static int find_record(const uint8_t *d, size_t len, uint8_t type, size_t *rec_off) {
  for (size_t off = 0; off + RECORD_HEADER <= len;) {
    size_t rec_len = be16(d + off + 11);
    const uint8_t *frag = d + off + RECORD_HEADER;
    if (off + RECORD_HEADER + rec_len > len) return -1;
    if (d[off] == CONTENT_HANDSHAKE && be16(d + off + 3) == 0 && rec_len >= HS_HEADER && frag[0] == type &&
        be24(frag + 6) == 0 && be24(frag + 1) == be24(frag + 9) && be24(frag + 9) == rec_len - HS_HEADER) {
      *rec_off = off;
      return 0;
    }
    off += RECORD_HEADER + rec_len;
  }
  return -1;
}

int pair_locate(const uint8_t *dgram, size_t len, uint8_t type, size_t *body_off, size_t *body_len) {
  size_t rec;
  if (find_record(dgram, len, type, &rec) != 0) return -1;
  *body_off = rec + RECORD_HEADER + HS_HEADER;
  *body_len = be16(dgram + rec + 11) - HS_HEADER;
  return 0;
}

int pair_resize(uint8_t *dgram, size_t *len, size_t cap, uint8_t type, size_t new_len) {
  size_t rec;
  if (find_record(dgram, *len, type, &rec) != 0) return -1;
  size_t body_off = rec + RECORD_HEADER + HS_HEADER;
  size_t old_len = be16(dgram + rec + 11) - HS_HEADER;
  size_t tail = *len - (body_off + old_len);
  if (new_len > 0xFFFF - HS_HEADER || body_off + new_len + tail > cap) return -1;
  memmove(dgram + body_off + new_len, dgram + body_off + old_len, tail);
  if (new_len > old_len) memset(dgram + body_off + old_len, 0, new_len - old_len);
  put_be16(dgram + rec + 11, new_len + HS_HEADER);
  put_be24(dgram + rec + RECORD_HEADER + 1, new_len);
  put_be24(dgram + rec + RECORD_HEADER + 9, new_len);
  *len = body_off + new_len + tail;
  return 0;
}

int pair_make_self_signed(mbedtls_x509_crt *crt, mbedtls_pk_context *key) {
  unsigned char serial[] = {
      0x01}; /* not const: mbedtls_x509write_crt_set_serial_raw takes a mutable pointer */
  static const char name[] = "CN=uuid:12345678-9abc-4def-8123-456789abcdef";
  unsigned char der[1024];
  mbedtls_ctr_drbg_context drbg;
  mbedtls_x509write_cert w;
  mbedtls_x509write_crt_init(&w);
  int rc = seed(&drbg, "certificate");
  if (rc == 0) rc = mbedtls_pk_setup(key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (rc == 0)
    rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*key), mbedtls_ctr_drbg_random, &drbg);
  mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&w, key);
  mbedtls_x509write_crt_set_issuer_key(&w, key);
  if (rc == 0) rc = mbedtls_x509write_crt_set_serial_raw(&w, serial, sizeof serial);
  if (rc == 0) rc = mbedtls_x509write_crt_set_subject_name(&w, name);
  if (rc == 0) rc = mbedtls_x509write_crt_set_issuer_name(&w, name);
  if (rc == 0) rc = mbedtls_x509write_crt_set_validity(&w, "20240101000000", "20440101000000");
  if (rc == 0) rc = mbedtls_x509write_crt_set_basic_constraints(&w, 1, -1);
  int n = rc == 0 ? mbedtls_x509write_crt_der(&w, der, sizeof der, mbedtls_ctr_drbg_random, &drbg) : rc;
  /* mbedtls_x509write_crt_der writes at the end of the buffer */
  rc = n > 0 ? mbedtls_x509_crt_parse_der(crt, der + sizeof der - (size_t)n, (size_t)n) : -1;
  mbedtls_x509write_crt_free(&w);
  mbedtls_ctr_drbg_free(&drbg);
  return rc;
}
