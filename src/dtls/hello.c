/* Stateless ClientHello handling of a DTLS server (RFC 6347 4.2.1). */
#include "dtls/hello.h"

#include <string.h>

#include "base/buf.h"
#include "dtls/crypto.h"

#define CONTENT_HANDSHAKE 22      /* RFC 5246 6.2.1 */
#define HS_CLIENT_HELLO 1         /* RFC 5246 7.4 */
#define HS_HELLO_VERIFY_REQUEST 3 /* RFC 6347 4.3.2 */
#define DTLS_1_2 0xFEFDu          /* RFC 6347 4.1: 1's complement of {1, 2} */
#define DTLS_1_0 0xFEFFu
#define COOKIE_MAC_LEN (OCF_DTLS_COOKIE_LEN - 4)

static uint32_t be24(ocf_reader *r) {
  uint32_t hi = ocf_reader_u8(r);
  return hi << 16 | ocf_reader_be16(r);
}

/* RFC 6347 4.1 record header; the record must be an epoch-0 handshake record. */
static ocf_err parse_record_header(ocf_reader *r, ocf_dtls_client_hello *out, size_t *record_len) {
  uint8_t type = ocf_reader_u8(r);
  uint16_t version = ocf_reader_be16(r);
  uint16_t epoch = ocf_reader_be16(r);
  const uint8_t *seq = ocf_reader_take(r, sizeof out->record_seq);
  *record_len = ocf_reader_be16(r);
  if (r->err) return r->err;
  /* RFC 6347 4.2.1: a ClientHello may carry DTLS 1.0 in the record header. */
  if (type != CONTENT_HANDSHAKE || epoch != 0 || (version != DTLS_1_2 && version != DTLS_1_0))
    return OCF_ERR_MALFORMED;
  if (*record_len > ocf_reader_remaining(r)) return OCF_ERR_TRUNCATED;
  memcpy(out->record_seq, seq, sizeof out->record_seq);
  return OCF_OK;
}

ocf_err ocf_dtls_parse_client_hello(const uint8_t *data, size_t len, ocf_dtls_client_hello *out) {
  if (!data || !out) return OCF_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  ocf_reader r;
  ocf_reader_init(&r, data, len);
  size_t record_len;
  ocf_err err = parse_record_header(&r, out, &record_len);
  if (err) return err;
  ocf_reader_init(&r, data + OCF_DTLS_RECORD_HEADER_LEN, record_len);
  /* RFC 6347 4.2.2 handshake header: only a whole ClientHello in one fragment. */
  uint8_t msg_type = ocf_reader_u8(&r);
  uint32_t msg_len = be24(&r);
  (void)ocf_reader_be16(&r); /* message_seq: 0 first, 1 after a HelloVerifyRequest */
  uint32_t frag_off = be24(&r);
  uint32_t frag_len = be24(&r);
  if (r.err) return r.err;
  if (msg_type != HS_CLIENT_HELLO || frag_off != 0 || frag_len != msg_len) return OCF_ERR_MALFORMED;
  if (msg_len > ocf_reader_remaining(&r)) return OCF_ERR_TRUNCATED;
  ocf_reader_init(&r, data + OCF_DTLS_RECORD_HEADER_LEN + OCF_DTLS_HANDSHAKE_HEADER_LEN, msg_len);
  /* RFC 6347 4.2.1 ClientHello: client_version, random, session_id, cookie, ... */
  uint16_t client_version = ocf_reader_be16(&r);
  const uint8_t *random = ocf_reader_take(&r, 32);
  uint8_t session_id_len = ocf_reader_u8(&r);
  if (session_id_len > 32) return OCF_ERR_MALFORMED; /* RFC 5246 7.4.1.2 */
  (void)ocf_reader_take(&r, session_id_len);
  uint8_t cookie_len = ocf_reader_u8(&r);
  const uint8_t *cookie = ocf_reader_take(&r, cookie_len);
  if (r.err) return r.err;
  /* Versions count down: 0xFEFD (1.2) < 0xFEFF (1.0). */
  if (client_version > DTLS_1_2) return OCF_ERR_UNSUPPORTED;
  out->random = random;
  out->cookie = cookie_len ? cookie : NULL;
  out->cookie_len = cookie_len;
  return OCF_OK;
}

void ocf_dtls_client_id(const ocf_endpoint *ep, uint8_t out[OCF_DTLS_CLIENT_ID_LEN]) {
  out[0] = ep->family;
  out[1] = (uint8_t)(ep->port >> 8);
  out[2] = (uint8_t)ep->port;
  memcpy(out + 3, ep->addr, sizeof ep->addr);
  for (int i = 0; i < 4; i++) out[19 + i] = (uint8_t)(ep->ifindex >> (24 - 8 * i));
}

static ocf_err cookie_mac(const uint8_t secret[OCF_DTLS_COOKIE_SECRET_LEN], const uint8_t stamp[4],
                          const uint8_t *client_id, size_t client_id_len, uint8_t mac[OCF_SHA256_LEN]) {
  return ocf_hmac_sha256(secret, OCF_DTLS_COOKIE_SECRET_LEN, stamp, 4, client_id, client_id_len, NULL, 0,
                         mac);
}

ocf_err ocf_dtls_cookie_make(const uint8_t secret[OCF_DTLS_COOKIE_SECRET_LEN], ocf_time_ms now,
                             const uint8_t *client_id, size_t client_id_len,
                             uint8_t out[OCF_DTLS_COOKIE_LEN]) {
  uint32_t secs = (uint32_t)(now / 1000);
  uint8_t mac[OCF_SHA256_LEN];
  for (int i = 0; i < 4; i++) out[i] = (uint8_t)(secs >> (24 - 8 * i));
  ocf_err err = cookie_mac(secret, out, client_id, client_id_len, mac);
  if (!err) memcpy(out + 4, mac, COOKIE_MAC_LEN);
  ocf_secure_zero(mac, sizeof mac);
  return err;
}

uint32_t ocf_dtls_cookie_seconds(const uint8_t cookie[OCF_DTLS_COOKIE_LEN]) {
  return (uint32_t)cookie[0] << 24 | (uint32_t)cookie[1] << 16 | (uint32_t)cookie[2] << 8 | cookie[3];
}

bool ocf_dtls_cookie_valid(const uint8_t secret[OCF_DTLS_COOKIE_SECRET_LEN], ocf_time_ms now,
                           uint32_t lifetime_ms, const uint8_t *client_id, size_t client_id_len,
                           const uint8_t *cookie, size_t cookie_len) {
  if (!cookie || cookie_len != OCF_DTLS_COOKIE_LEN) return false;
  uint32_t stamp = ocf_dtls_cookie_seconds(cookie);
  uint32_t secs = (uint32_t)(now / 1000);
  /* Unsigned difference: a stamp from the future wraps to a huge age and is refused. */
  if ((uint32_t)(secs - stamp) > (lifetime_ms + 999) / 1000) return false;
  uint8_t mac[OCF_SHA256_LEN];
  if (cookie_mac(secret, cookie, client_id, client_id_len, mac)) return false;
  uint8_t diff = 0;
  for (size_t i = 0; i < COOKIE_MAC_LEN; i++) diff |= (uint8_t)(mac[i] ^ cookie[4 + i]);
  ocf_secure_zero(mac, sizeof mac);
  return diff == 0;
}

size_t ocf_dtls_build_hello_verify(const ocf_dtls_client_hello *ch, const uint8_t cookie[OCF_DTLS_COOKIE_LEN],
                                   uint8_t out[OCF_DTLS_HVR_LEN]) {
  const uint16_t body_len = 3 + OCF_DTLS_COOKIE_LEN;
  ocf_writer w;
  ocf_writer_init(&w, out, OCF_DTLS_HVR_LEN);
  ocf_writer_u8(&w, CONTENT_HANDSHAKE);
  ocf_writer_be16(&w, DTLS_1_2);
  ocf_writer_be16(&w, 0); /* epoch */
  ocf_writer_bytes(&w, ch->record_seq, sizeof ch->record_seq);
  ocf_writer_be16(&w, (uint16_t)(OCF_DTLS_HANDSHAKE_HEADER_LEN + body_len));
  ocf_writer_u8(&w, HS_HELLO_VERIFY_REQUEST);
  ocf_writer_u8(&w, 0);
  ocf_writer_be16(&w, body_len); /* length (24 bits) */
  ocf_writer_be16(&w, 0);        /* message_seq */
  ocf_writer_u8(&w, 0);
  ocf_writer_be16(&w, 0); /* fragment_offset */
  ocf_writer_u8(&w, 0);
  ocf_writer_be16(&w, body_len); /* fragment_length */
  ocf_writer_be16(&w, DTLS_1_2); /* server_version: mbedTLS sends 1.2 and accepts 1.0 or 1.2 */
  ocf_writer_u8(&w, OCF_DTLS_COOKIE_LEN);
  ocf_writer_bytes(&w, cookie, OCF_DTLS_COOKIE_LEN);
  return w.err ? 0 : w.len;
}
