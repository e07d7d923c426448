/* CoAP message codec (RFC 7252), pure functions: no I/O, no allocation, no clock.
 *
 * A parsed message points into the datagram it came from (options and payload are slices of
 * it), so the datagram must outlive the message. A message being built points into caller
 * memory the same way, except uint options, whose value lives inside the option itself. */
#ifndef OCF_COAP_H
#define OCF_COAP_H

#include <ocf/ocf_types.h>

#define OCF_COAP_VERSION 1
#define OCF_COAP_MAX_TOKEN 8
#define OCF_COAP_MAX_OPTIONS 40 /* more options than this in one message -> OCF_ERR_TOO_LARGE */
#define OCF_COAP_DEFAULT_PORT 5683
#define OCF_COAPS_DEFAULT_PORT 5684

typedef enum ocf_coap_type {
  OCF_COAP_CON = 0,
  OCF_COAP_NON = 1,
  OCF_COAP_ACK = 2,
  OCF_COAP_RST = 3,
} ocf_coap_type;

#define OCF_COAP_CODE(cls, detail) ((uint8_t)(((cls) << 5) | (detail)))
#define OCF_COAP_CODE_CLASS(code) ((uint8_t)((code) >> 5))
#define OCF_COAP_CODE_DETAIL(code) ((uint8_t)((code)&0x1f))

enum ocf_coap_code {
  OCF_COAP_EMPTY = 0,
  OCF_COAP_GET = 1,
  OCF_COAP_POST = 2,
  OCF_COAP_PUT = 3,
  OCF_COAP_DELETE = 4,
  OCF_COAP_CREATED = OCF_COAP_CODE(2, 1),
  OCF_COAP_DELETED = OCF_COAP_CODE(2, 2),
  OCF_COAP_VALID = OCF_COAP_CODE(2, 3),
  OCF_COAP_CHANGED = OCF_COAP_CODE(2, 4),
  OCF_COAP_CONTENT = OCF_COAP_CODE(2, 5),
  OCF_COAP_CONTINUE = OCF_COAP_CODE(2, 31),
  OCF_COAP_BAD_REQUEST = OCF_COAP_CODE(4, 0),
  OCF_COAP_UNAUTHORIZED = OCF_COAP_CODE(4, 1),
  OCF_COAP_BAD_OPTION = OCF_COAP_CODE(4, 2),
  OCF_COAP_FORBIDDEN = OCF_COAP_CODE(4, 3),
  OCF_COAP_NOT_FOUND = OCF_COAP_CODE(4, 4),
  OCF_COAP_METHOD_NOT_ALLOWED = OCF_COAP_CODE(4, 5),
  OCF_COAP_NOT_ACCEPTABLE = OCF_COAP_CODE(4, 6),
  OCF_COAP_REQUEST_ENTITY_INCOMPLETE = OCF_COAP_CODE(4, 8),
  OCF_COAP_PRECONDITION_FAILED = OCF_COAP_CODE(4, 12),
  OCF_COAP_REQUEST_ENTITY_TOO_LARGE = OCF_COAP_CODE(4, 13),
  OCF_COAP_UNSUPPORTED_CONTENT_FORMAT = OCF_COAP_CODE(4, 15),
  OCF_COAP_INTERNAL_SERVER_ERROR = OCF_COAP_CODE(5, 0),
  OCF_COAP_NOT_IMPLEMENTED = OCF_COAP_CODE(5, 1),
  OCF_COAP_SERVICE_UNAVAILABLE = OCF_COAP_CODE(5, 3),
};

enum ocf_coap_option_number {
  OCF_COAP_OPT_IF_MATCH = 1,
  OCF_COAP_OPT_URI_HOST = 3,
  OCF_COAP_OPT_ETAG = 4,
  OCF_COAP_OPT_IF_NONE_MATCH = 5,
  OCF_COAP_OPT_OBSERVE = 6,
  OCF_COAP_OPT_URI_PORT = 7,
  OCF_COAP_OPT_LOCATION_PATH = 8,
  OCF_COAP_OPT_OSCORE = 9,
  OCF_COAP_OPT_URI_PATH = 11,
  OCF_COAP_OPT_CONTENT_FORMAT = 12,
  OCF_COAP_OPT_MAX_AGE = 14,
  OCF_COAP_OPT_URI_QUERY = 15,
  OCF_COAP_OPT_ACCEPT = 17,
  OCF_COAP_OPT_LOCATION_QUERY = 20,
  OCF_COAP_OPT_BLOCK2 = 23,
  OCF_COAP_OPT_BLOCK1 = 27,
  OCF_COAP_OPT_SIZE2 = 28,
  OCF_COAP_OPT_PROXY_URI = 35,
  OCF_COAP_OPT_PROXY_SCHEME = 39,
  OCF_COAP_OPT_SIZE1 = 60,
  /* OCF version options, digest §1.2; both critical (odd). */
  OCF_COAP_OPT_OCF_ACCEPT_VERSION = 2049,
  OCF_COAP_OPT_OCF_CONTENT_VERSION = 2053,
};

#define OCF_COAP_CF_TEXT 0
#define OCF_COAP_CF_LINK_FORMAT 40
#define OCF_COAP_CF_CBOR 60
#define OCF_COAP_CF_VND_OCF_CBOR 10000 /* application/vnd.ocf+cbor */
#define OCF_COAP_OCF_VERSION_1_0 2048  /* value of options 2049/2053 for OCF 1.0 and later */
#define OCF_COAP_OIC_VERSION_1_1 2112

typedef struct ocf_coap_option {
  uint16_t number;
  uint16_t len;
  const uint8_t *value; /* NULL: the value is in ibuf (uint options added by the builder) */
  uint8_t ibuf[4];
} ocf_coap_option;

typedef struct ocf_coap_msg {
  uint8_t type; /* ocf_coap_type */
  uint8_t code;
  uint16_t mid;
  uint8_t token_len;
  uint8_t token[OCF_COAP_MAX_TOKEN];
  uint16_t n_options;
  ocf_coap_option options[OCF_COAP_MAX_OPTIONS]; /* ascending by number; repeats keep order */
  const uint8_t *payload;
  size_t payload_len;
} ocf_coap_msg;

/* --- parsing ------------------------------------------------------------------------------ */

/* Parses one UDP datagram.
 * OCF_OK; OCF_ERR_TRUNCATED (shorter than its header, token or an option announces);
 * OCF_ERR_UNSUPPORTED (version != 1: to be ignored silently, RFC 7252 3);
 * OCF_ERR_MALFORMED (token length 9-15, option delta/length nibble 15 outside
 * the payload marker, payload marker with no payload, empty message with token/options/payload,
 * code class 1, 6 or 7); OCF_ERR_TOO_LARGE (more than OCF_COAP_MAX_OPTIONS options).
 * Whenever len >= 4, out->type, out->code and out->mid are set even on error, so the messaging
 * layer can answer a malformed CON with RST (RFC 7252 4.2). */
OCF_NODISCARD ocf_err ocf_coap_parse(const uint8_t *dgram, size_t len, ocf_coap_msg *out);

/* True for codes 0.01-0.31 (requests), false for responses and empty messages. */
bool ocf_coap_is_request(uint8_t code);

/* The first option after `prev` (NULL: from the start) with this number, or NULL. */
const ocf_coap_option *ocf_coap_find_option(const ocf_coap_msg *m, uint16_t number,
                                            const ocf_coap_option *prev);
const uint8_t *ocf_coap_option_value(const ocf_coap_option *o);

/* Decodes a uint option (0-4 bytes, big endian). OCF_ERR_MALFORMED when longer than 4 bytes;
 * OCF_ERR_NOT_FOUND from the _get_ form when absent. */
OCF_NODISCARD ocf_err ocf_coap_option_uint(const ocf_coap_option *o, uint32_t *out);
OCF_NODISCARD ocf_err ocf_coap_get_uint_option(const ocf_coap_msg *m, uint16_t number, uint32_t *out);

/* True when the option number is critical (odd, RFC 7252 5.4.1). */
bool ocf_coap_option_is_critical(uint16_t number);

/* The first critical option whose number is not in known[0..n_known), or NULL. A server
 * answers a CON request carrying one with 4.02 (RFC 7252 5.4.1). */
const ocf_coap_option *ocf_coap_first_unknown_critical(const ocf_coap_msg *m, const uint16_t *known,
                                                       size_t n_known);

/* Joins the Uri-Path options into "/seg/seg" (just "/" when there are none), NUL-terminated.
 * OCF_ERR_NO_SPACE if it does not fit; OCF_ERR_MALFORMED when a segment contains '/' or NUL,
 * or is "." or ".." (RFC 7252 6.5 step 8). */
OCF_NODISCARD ocf_err ocf_coap_get_path(const ocf_coap_msg *m, char *out, size_t cap);

/* Finds a Uri-Query option "key=value" (or bare "key") whose key equals `key` ignoring ASCII case
 * (OCF matches query keys case-insensitively, digest §1.6). Iterates like find_option via prev.
 * On success, *value and *value_len give the bytes after '=' (empty for a bare key). */
const ocf_coap_option *ocf_coap_find_query(const ocf_coap_msg *m, const char *key,
                                           const ocf_coap_option *prev, const uint8_t **value,
                                           size_t *value_len);

/* --- building ----------------------------------------------------------------------------- */

void ocf_coap_init(ocf_coap_msg *m, ocf_coap_type type, uint8_t code, uint16_t mid);
/* OCF_ERR_INVALID_ARG when len > 8. */
OCF_NODISCARD ocf_err ocf_coap_set_token(ocf_coap_msg *m, const uint8_t *token, size_t len);
/* Inserts after every option with a number <= `number` (so repeats keep their order). The value
 * is referenced, not copied. OCF_ERR_TOO_LARGE when the table is full, OCF_ERR_INVALID_ARG
 * when len > 65535 - 269. */
OCF_NODISCARD ocf_err ocf_coap_add_option(ocf_coap_msg *m, uint16_t number, const void *value, size_t len);
/* Adds a uint option in its shortest form; the value is stored inside the option. */
OCF_NODISCARD ocf_err ocf_coap_add_uint_option(ocf_coap_msg *m, uint16_t number, uint32_t value);
/* Removes every option with this number. */
void ocf_coap_remove_option(ocf_coap_msg *m, uint16_t number);

/* Splits "/a/b%20c?x=1&y=2" into Uri-Path and Uri-Query options, percent-decoding each
 * component (RFC 7252 6.4 steps 8-9). Decoded bytes go into scratch[0..scratch_cap), which must
 * outlive the message. OCF_ERR_MALFORMED on a bad %-escape; OCF_ERR_NO_SPACE when scratch is
 * too small; OCF_ERR_TOO_LARGE when the option table fills. */
OCF_NODISCARD ocf_err ocf_coap_set_uri_path_query(ocf_coap_msg *m, const char *path_query, uint8_t *scratch,
                                                  size_t scratch_cap);

/* Encodes m into buf. Options must be in ascending order (the builder keeps them so).
 * OCF_ERR_NO_SPACE when buf is too small; OCF_ERR_INVALID_ARG on a token longer than 8 or
 * options out of order. */
OCF_NODISCARD ocf_err ocf_coap_serialize(const ocf_coap_msg *m, uint8_t *buf, size_t cap, size_t *out_len);

/* --- block-wise (RFC 7959 2.2) ------------------------------------------------------------ */

typedef struct ocf_coap_block {
  uint32_t num; /* block number, < 2^20 */
  bool more;
  uint8_t szx; /* 0..6: block size = 16 << szx; 7 (BERT) is refused over UDP */
} ocf_coap_block;

#define OCF_COAP_BLOCK_SIZE(szx) ((size_t)16 << (szx))

/* OCF_ERR_MALFORMED when szx is 7 or the option is longer than 3 bytes. */
OCF_NODISCARD ocf_err ocf_coap_block_decode(uint32_t value, ocf_coap_block *out);
uint32_t ocf_coap_block_encode(const ocf_coap_block *b);
/* Reads a Block1/Block2 option; OCF_ERR_NOT_FOUND when absent. */
OCF_NODISCARD ocf_err ocf_coap_get_block(const ocf_coap_msg *m, uint16_t number, ocf_coap_block *out);

/* "2.05"-style text of a code, into out (at least 5 bytes). */
void ocf_coap_code_str(uint8_t code, char out[5]);

#endif
