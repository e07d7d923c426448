/* The stateless front of a DTLS server (RFC 6347 4.2.1): recognising a ClientHello before any
 * session exists, stateless cookies bound to the client's address and a time stamp, and the
 * HelloVerifyRequest that carries them. Pure functions over the caller's bytes. */
#ifndef OCF_DTLS_HELLO_H
#define OCF_DTLS_HELLO_H

#include <ocf/ocf_endpoint.h>
#include <ocf/ocf_platform.h>

#define OCF_DTLS_RECORD_HEADER_LEN 13    /* RFC 6347 4.1 */
#define OCF_DTLS_HANDSHAKE_HEADER_LEN 12 /* RFC 6347 4.2.2 */
#define OCF_DTLS_COOKIE_LEN 32           /* 4-byte time stamp + 28 bytes of HMAC-SHA256 */
#define OCF_DTLS_COOKIE_SECRET_LEN 32
#define OCF_DTLS_CLIENT_ID_LEN 23 /* family, port, address, interface */
#define OCF_DTLS_HVR_LEN                                                                                     \
  (OCF_DTLS_RECORD_HEADER_LEN + OCF_DTLS_HANDSHAKE_HEADER_LEN + 3 + OCF_DTLS_COOKIE_LEN)

/* What the stateless front needs from the first record of a datagram. */
typedef struct ocf_dtls_client_hello {
  uint8_t record_seq[6]; /* echoed in the HelloVerifyRequest (RFC 6347 4.2.1) */
  const uint8_t *random; /* 32 bytes, into the caller's datagram */
  const uint8_t *cookie; /* into the caller's datagram; NULL when empty */
  size_t cookie_len;
} ocf_dtls_client_hello;

/* Parses the first record of a datagram as an epoch-0 handshake record holding a whole
 * (unfragmented) ClientHello up to its cookie, offering DTLS 1.2. OCF_ERR_TRUNCATED,
 * OCF_ERR_MALFORMED (another record or message type, a nonzero epoch, a fragment, lengths that
 * disagree), OCF_ERR_UNSUPPORTED (client_version older than DTLS 1.2). */
OCF_NODISCARD ocf_err ocf_dtls_parse_client_hello(const uint8_t *data, size_t len,
                                                  ocf_dtls_client_hello *out);

/* The bytes a cookie is bound to: the client's transport address (RFC 6347 4.2.1). */
void ocf_dtls_client_id(const ocf_endpoint *ep, uint8_t out[OCF_DTLS_CLIENT_ID_LEN]);

/* cookie = seconds(now) (4 bytes, big endian) || HMAC-SHA256(secret, those 4 bytes || client id)
 * truncated to 28 bytes. OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err ocf_dtls_cookie_make(const uint8_t secret[OCF_DTLS_COOKIE_SECRET_LEN], ocf_time_ms now,
                                           const uint8_t *client_id, size_t client_id_len,
                                           uint8_t out[OCF_DTLS_COOKIE_LEN]);
/* True when cookie is one ocf_dtls_cookie_make issued for client_id at most lifetime_ms ago
 * (rounded to whole seconds) and not in the future. Compares in constant time. */
bool ocf_dtls_cookie_valid(const uint8_t secret[OCF_DTLS_COOKIE_SECRET_LEN], ocf_time_ms now,
                           uint32_t lifetime_ms, const uint8_t *client_id, size_t client_id_len,
                           const uint8_t *cookie, size_t cookie_len);

/* The time stamp (seconds of `now`) of a cookie of OCF_DTLS_COOKIE_LEN bytes. */
uint32_t ocf_dtls_cookie_seconds(const uint8_t cookie[OCF_DTLS_COOKIE_LEN]);

/* Writes the HelloVerifyRequest answering ch (record sequence echoed, message_seq 0, version
 * DTLS 1.2 as mbedTLS sends it) into out; returns OCF_DTLS_HVR_LEN. */
size_t ocf_dtls_build_hello_verify(const ocf_dtls_client_hello *ch, const uint8_t cookie[OCF_DTLS_COOKIE_LEN],
                                   uint8_t out[OCF_DTLS_HVR_LEN]);

#endif
