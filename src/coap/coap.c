/* CoAP message codec, RFC 7252 section 3 (message format) and 5.4 (options). */
#include "coap/coap.h"

#include <string.h>

#include "base/buf.h"

#define PAYLOAD_MARKER 0xff
#define EXT8_BASE 13   /* RFC 7252 3.1: nibble 13 -> 8-bit extension, value + 13 */
#define EXT16_BASE 269 /* nibble 14 -> 16-bit extension, value + 269 */
#define MAX_OPTION_LEN (65535 - EXT16_BASE)

bool ocf_coap_is_request(uint8_t code) { return code >= 1 && code <= 31; }

bool ocf_coap_option_is_critical(uint16_t number) { return (number & 1u) != 0; }

/* Reads the extended delta or length that follows the option header byte (RFC 7252 3.1). */
static uint32_t read_option_nibble(ocf_reader *r, uint8_t nibble) {
  if (nibble < EXT8_BASE) return nibble;
  if (nibble == 13) return (uint32_t)ocf_reader_u8(r) + EXT8_BASE;
  if (nibble == 14) return (uint32_t)ocf_reader_be16(r) + EXT16_BASE;
  /* 15 is reserved outside the payload marker. */
  ocf_reader_fail(r, OCF_ERR_MALFORMED);
  return 0;
}

static ocf_err parse_options(ocf_reader *r, ocf_coap_msg *out) {
  uint32_t number = 0;
  while (ocf_reader_remaining(r) > 0) {
    uint8_t head = ocf_reader_u8(r);
    if (head == PAYLOAD_MARKER) {
      /* RFC 7252 3: a marker followed by a zero-length payload is a format error. */
      if (ocf_reader_remaining(r) == 0) return OCF_ERR_MALFORMED;
      out->payload_len = ocf_reader_remaining(r);
      out->payload = ocf_reader_take(r, out->payload_len);
      return OCF_OK;
    }
    uint32_t delta = read_option_nibble(r, (uint8_t)(head >> 4));
    uint32_t len = read_option_nibble(r, (uint8_t)(head & 0x0f));
    if (r->err) return r->err;
    number += delta;
    if (number > UINT16_MAX) return OCF_ERR_MALFORMED;
    const uint8_t *value = ocf_reader_take(r, len);
    if (!value) return r->err;
    if (out->n_options == OCF_COAP_MAX_OPTIONS) return OCF_ERR_TOO_LARGE;
    ocf_coap_option *o = &out->options[out->n_options++];
    o->number = (uint16_t)number;
    o->len = (uint16_t)len;
    o->value = value;
  }
  return OCF_OK;
}

ocf_err ocf_coap_parse(const uint8_t *dgram, size_t len, ocf_coap_msg *out) {
  if (!out || (!dgram && len)) return OCF_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  ocf_reader r;
  ocf_reader_init(&r, dgram, len);
  uint8_t first = ocf_reader_u8(&r);
  out->code = ocf_reader_u8(&r);
  out->mid = ocf_reader_be16(&r);
  if (r.err) return OCF_ERR_TRUNCATED;
  out->type = (uint8_t)((first >> 4) & 0x03);
  uint8_t token_len = first & 0x0f;
  if ((first >> 6) != OCF_COAP_VERSION) return OCF_ERR_UNSUPPORTED; /* RFC 7252 3: silently ignored */
  if (token_len > OCF_COAP_MAX_TOKEN) return OCF_ERR_MALFORMED;     /* RFC 7252 3: 9-15 reserved */
  uint8_t cls = OCF_COAP_CODE_CLASS(out->code);
  if (cls == 1 || cls >= 6) return OCF_ERR_MALFORMED; /* RFC 7252 12.1: reserved classes */
  const uint8_t *token = ocf_reader_take(&r, token_len);
  if (!token) return OCF_ERR_TRUNCATED;
  memcpy(out->token, token, token_len);
  out->token_len = token_len;
  if (out->code == OCF_COAP_EMPTY) {
    /* RFC 7252 4.1: an Empty message has nothing after the header. */
    return (token_len || ocf_reader_remaining(&r)) ? OCF_ERR_MALFORMED : OCF_OK;
  }
  return parse_options(&r, out);
}

const ocf_coap_option *ocf_coap_find_option(const ocf_coap_msg *m, uint16_t number,
                                            const ocf_coap_option *prev) {
  size_t start = prev ? (size_t)(prev - m->options) + 1 : 0;
  for (size_t i = start; i < m->n_options; i++)
    if (m->options[i].number == number) return &m->options[i];
  return NULL;
}

const uint8_t *ocf_coap_option_value(const ocf_coap_option *o) { return o->value ? o->value : o->ibuf; }

ocf_err ocf_coap_option_uint(const ocf_coap_option *o, uint32_t *out) {
  if (o->len > 4) return OCF_ERR_MALFORMED;
  const uint8_t *v = ocf_coap_option_value(o);
  uint32_t x = 0;
  for (size_t i = 0; i < o->len; i++) x = (x << 8) | v[i];
  *out = x;
  return OCF_OK;
}

ocf_err ocf_coap_get_uint_option(const ocf_coap_msg *m, uint16_t number, uint32_t *out) {
  const ocf_coap_option *o = ocf_coap_find_option(m, number, NULL);
  if (!o) return OCF_ERR_NOT_FOUND;
  return ocf_coap_option_uint(o, out);
}

const ocf_coap_option *ocf_coap_first_unknown_critical(const ocf_coap_msg *m, const uint16_t *known,
                                                       size_t n_known) {
  for (size_t i = 0; i < m->n_options; i++) {
    const ocf_coap_option *o = &m->options[i];
    if (!ocf_coap_option_is_critical(o->number)) continue;
    bool found = false;
    for (size_t k = 0; k < n_known && !found; k++) found = known[k] == o->number;
    if (!found) return o;
  }
  return NULL;
}

ocf_err ocf_coap_get_path(const ocf_coap_msg *m, char *out, size_t cap) {
  ocf_writer w;
  ocf_writer_init(&w, (uint8_t *)out, cap);
  bool any = false;
  for (const ocf_coap_option *o = ocf_coap_find_option(m, OCF_COAP_OPT_URI_PATH, NULL); o;
       o = ocf_coap_find_option(m, OCF_COAP_OPT_URI_PATH, o)) {
    const uint8_t *v = ocf_coap_option_value(o);
    if (memchr(v, '/', o->len) || memchr(v, '\0', o->len)) return OCF_ERR_MALFORMED;
    if ((o->len == 1 && v[0] == '.') || (o->len == 2 && v[0] == '.' && v[1] == '.')) return OCF_ERR_MALFORMED;
    ocf_writer_u8(&w, '/');
    ocf_writer_bytes(&w, v, o->len);
    any = true;
  }
  if (!any) ocf_writer_u8(&w, '/');
  ocf_writer_u8(&w, '\0');
  return w.err;
}

static bool ascii_case_equal(const uint8_t *a, const char *b, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint8_t x = a[i], y = (uint8_t)b[i];
    if (x >= 'A' && x <= 'Z') x = (uint8_t)(x + 32);
    if (y >= 'A' && y <= 'Z') y = (uint8_t)(y + 32);
    if (x != y) return false;
  }
  return true;
}

const ocf_coap_option *ocf_coap_find_query(const ocf_coap_msg *m, const char *key,
                                           const ocf_coap_option *prev, const uint8_t **value,
                                           size_t *value_len) {
  size_t key_len = strlen(key);
  for (const ocf_coap_option *o = ocf_coap_find_option(m, OCF_COAP_OPT_URI_QUERY, prev); o;
       o = ocf_coap_find_option(m, OCF_COAP_OPT_URI_QUERY, o)) {
    const uint8_t *v = ocf_coap_option_value(o);
    const uint8_t *eq = memchr(v, '=', o->len);
    size_t klen = eq ? (size_t)(eq - v) : o->len;
    if (klen != key_len || !ascii_case_equal(v, key, klen)) continue;
    if (value) *value = eq ? eq + 1 : v + o->len;
    if (value_len) *value_len = eq ? o->len - klen - 1 : 0;
    return o;
  }
  return NULL;
}

void ocf_coap_init(ocf_coap_msg *m, ocf_coap_type type, uint8_t code, uint16_t mid) {
  memset(m, 0, sizeof *m);
  m->type = (uint8_t)type;
  m->code = code;
  m->mid = mid;
}

ocf_err ocf_coap_set_token(ocf_coap_msg *m, const uint8_t *token, size_t len) {
  if (len > OCF_COAP_MAX_TOKEN || (len && !token)) return OCF_ERR_INVALID_ARG;
  if (len) memcpy(m->token, token, len);
  m->token_len = (uint8_t)len;
  return OCF_OK;
}

static ocf_coap_option *insert_slot(ocf_coap_msg *m, uint16_t number) {
  if (m->n_options == OCF_COAP_MAX_OPTIONS) return NULL;
  size_t at = m->n_options;
  while (at > 0 && m->options[at - 1].number > number) at--;
  memmove(&m->options[at + 1], &m->options[at], (m->n_options - at) * sizeof m->options[0]);
  m->n_options++;
  ocf_coap_option *o = &m->options[at];
  memset(o, 0, sizeof *o);
  o->number = number;
  return o;
}

ocf_err ocf_coap_add_option(ocf_coap_msg *m, uint16_t number, const void *value, size_t len) {
  if (len > MAX_OPTION_LEN || (len && !value)) return OCF_ERR_INVALID_ARG;
  ocf_coap_option *o = insert_slot(m, number);
  if (!o) return OCF_ERR_TOO_LARGE;
  o->len = (uint16_t)len;
  /* A zero-length value must not fall back to ibuf in ocf_coap_option_value: any non-NULL
   * pointer will do, nothing is read from it. */
  o->value = len ? value : o->ibuf + sizeof o->ibuf;
  return OCF_OK;
}

ocf_err ocf_coap_add_uint_option(ocf_coap_msg *m, uint16_t number, uint32_t value) {
  ocf_coap_option *o = insert_slot(m, number);
  if (!o) return OCF_ERR_TOO_LARGE;
  ocf_writer w;
  ocf_writer_init(&w, o->ibuf, sizeof o->ibuf);
  ocf_writer_uint_min(&w, value);
  o->len = (uint16_t)w.len;
  o->value = NULL;
  return OCF_OK;
}

void ocf_coap_remove_option(ocf_coap_msg *m, uint16_t number) {
  size_t kept = 0;
  for (size_t i = 0; i < m->n_options; i++)
    if (m->options[i].number != number) m->options[kept++] = m->options[i];
  m->n_options = (uint16_t)kept;
}

static int hex_digit(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decodes text[0..len) into the writer (RFC 3986 2.1). */
static ocf_err percent_decode(const char *text, size_t len, ocf_writer *w) {
  for (size_t i = 0; i < len; i++) {
    uint8_t c = (uint8_t)text[i];
    if (c == '%') {
      if (len - i < 3) return OCF_ERR_MALFORMED;
      int hi = hex_digit((uint8_t)text[i + 1]), lo = hex_digit((uint8_t)text[i + 2]);
      if (hi < 0 || lo < 0) return OCF_ERR_MALFORMED;
      c = (uint8_t)(hi * 16 + lo);
      i += 2;
    }
    ocf_writer_u8(w, c);
  }
  return w->err;
}

/* Adds one percent-decoded component as an option whose value lives in the writer's buffer. */
static ocf_err add_decoded(ocf_coap_msg *m, uint16_t number, const char *text, size_t len, ocf_writer *w) {
  size_t start = w->len;
  ocf_err err = percent_decode(text, len, w);
  if (err) return err;
  return ocf_coap_add_option(m, number, w->ptr + start, w->len - start);
}

ocf_err ocf_coap_set_uri_path_query(ocf_coap_msg *m, const char *path_query, uint8_t *scratch,
                                    size_t scratch_cap) {
  ocf_writer w;
  ocf_writer_init(&w, scratch, scratch_cap);
  size_t path_len = strcspn(path_query, "?");
  const char *p = path_query, *end = path_query + path_len;
  if (p < end && *p == '/') p++; /* RFC 7252 6.4 step 8: a lone "/" yields no Uri-Path */
  while (p < end) {
    const char *slash = memchr(p, '/', (size_t)(end - p));
    const char *seg_end = slash ? slash : end;
    ocf_err err = add_decoded(m, OCF_COAP_OPT_URI_PATH, p, (size_t)(seg_end - p), &w);
    if (err) return err;
    p = slash ? slash + 1 : end;
  }
  if (path_query[path_len] != '?') return OCF_OK;
  const char *q = path_query + path_len + 1;
  while (*q) {
    size_t n = strcspn(q, "&");
    ocf_err err = add_decoded(m, OCF_COAP_OPT_URI_QUERY, q, n, &w);
    if (err) return err;
    q += n;
    if (*q == '&') q++;
  }
  return OCF_OK;
}

static void write_nibble_ext(ocf_writer *w, uint32_t v) {
  if (v >= EXT16_BASE)
    ocf_writer_be16(w, (uint16_t)(v - EXT16_BASE));
  else if (v >= EXT8_BASE)
    ocf_writer_u8(w, (uint8_t)(v - EXT8_BASE));
}

static uint8_t nibble_for(uint32_t v) { return v >= EXT16_BASE ? 14 : v >= EXT8_BASE ? 13 : (uint8_t)v; }

ocf_err ocf_coap_serialize(const ocf_coap_msg *m, uint8_t *buf, size_t cap, size_t *out_len) {
  if (!m || !out_len || m->token_len > OCF_COAP_MAX_TOKEN || m->type > OCF_COAP_RST)
    return OCF_ERR_INVALID_ARG;
  ocf_writer w;
  ocf_writer_init(&w, buf, cap);
  ocf_writer_u8(&w, (uint8_t)((OCF_COAP_VERSION << 6) | (m->type << 4) | m->token_len));
  ocf_writer_u8(&w, m->code);
  ocf_writer_be16(&w, m->mid);
  ocf_writer_bytes(&w, m->token, m->token_len);
  uint32_t prev = 0;
  for (size_t i = 0; i < m->n_options; i++) {
    const ocf_coap_option *o = &m->options[i];
    if (o->number < prev || o->len > MAX_OPTION_LEN) return OCF_ERR_INVALID_ARG;
    uint32_t delta = o->number - prev;
    ocf_writer_u8(&w, (uint8_t)((nibble_for(delta) << 4) | nibble_for(o->len)));
    write_nibble_ext(&w, delta);
    write_nibble_ext(&w, o->len);
    ocf_writer_bytes(&w, ocf_coap_option_value(o), o->len);
    prev = o->number;
  }
  if (m->payload_len) {
    ocf_writer_u8(&w, PAYLOAD_MARKER);
    ocf_writer_bytes(&w, m->payload, m->payload_len);
  }
  if (w.err) return w.err;
  *out_len = w.len;
  return OCF_OK;
}

ocf_err ocf_coap_block_decode(uint32_t value, ocf_coap_block *out) {
  if (value > 0xffffff) return OCF_ERR_MALFORMED; /* RFC 7959 2.2: at most 3 bytes */
  uint8_t szx = value & 0x07;
  if (szx == 7) return OCF_ERR_MALFORMED; /* RFC 7959 2.2: reserved (BERT is TCP only) */
  out->szx = szx;
  out->more = (value & 0x08) != 0;
  out->num = value >> 4;
  return OCF_OK;
}

uint32_t ocf_coap_block_encode(const ocf_coap_block *b) {
  return ((b->num & 0xfffff) << 4) | (b->more ? 0x08u : 0u) | (b->szx & 0x07u);
}

ocf_err ocf_coap_get_block(const ocf_coap_msg *m, uint16_t number, ocf_coap_block *out) {
  const ocf_coap_option *o = ocf_coap_find_option(m, number, NULL);
  if (!o) return OCF_ERR_NOT_FOUND;
  if (o->len > 3) return OCF_ERR_MALFORMED;
  uint32_t v;
  ocf_err err = ocf_coap_option_uint(o, &v);
  return err ? err : ocf_coap_block_decode(v, out);
}

void ocf_coap_code_str(uint8_t code, char out[5]) {
  uint8_t cls = OCF_COAP_CODE_CLASS(code), detail = OCF_COAP_CODE_DETAIL(code);
  out[0] = (char)('0' + cls);
  out[1] = '.';
  out[2] = (char)('0' + detail / 10);
  out[3] = (char)('0' + detail % 10);
  out[4] = '\0';
}
