/* CBOR -> ocf_rep_node tree, over tinycbor's streaming parser. Every cap is checked before
 * the bytes it guards are used; recursion depth is bounded by limits.max_depth. */
#include "rep/rep.h"

#include <cbor.h>
#include <string.h>

typedef struct decoder {
  ocf_rep_limits lim;
  ocf_rep_node *nodes;
  size_t n_nodes; /* min(array size, lim.max_nodes) */
  size_t used;
} decoder;

ocf_rep_limits ocf_rep_default_limits(void) {
  ocf_rep_limits l = {
      .max_depth = OCF_REP_DEFAULT_MAX_DEPTH,
      .max_string = OCF_REP_DEFAULT_MAX_STRING,
      .max_elements = OCF_REP_DEFAULT_MAX_ELEMENTS,
      .max_nodes = OCF_REP_DEFAULT_MAX_NODES,
  };
  return l;
}

static ocf_err from_cbor(CborError e) {
  switch (e) {
  case CborNoError: return OCF_OK;
  case CborErrorUnexpectedEOF:
  case CborErrorAdvancePastEOF: return OCF_ERR_TRUNCATED;
  case CborErrorDataTooLarge: return OCF_ERR_TOO_LARGE;
  default: return OCF_ERR_MALFORMED;
  }
}

static ocf_rep_node *new_node(decoder *d) {
  if (d->used >= d->n_nodes) return NULL;
  ocf_rep_node *n = &d->nodes[d->used++];
  memset(n, 0, sizeof *n);
  return n;
}

/* RFC 3629 4: shortest form only, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t len) {
  size_t i = 0;
  while (i < len) {
    uint8_t c = s[i];
    size_t extra;
    uint32_t cp, min;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xe0) == 0xc0) {
      extra = 1, cp = c & 0x1fu, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      extra = 2, cp = c & 0x0fu, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      extra = 3, cp = c & 0x07u, min = 0x10000;
    } else {
      return false;
    }
    if (extra > len - i - 1) return false;
    for (size_t k = 1; k <= extra; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

/* Reads a definite-length text or byte string at *it without copying and advances past it.
 * *utf8_ok tells whether a text string is valid UTF-8 (always true for bytes). */
static ocf_err read_string(const decoder *d, CborValue *it, ocf_bytes *out, bool *utf8_ok) {
  if (!cbor_value_is_length_known(it)) return OCF_ERR_UNSUPPORTED; /* chunked: see rep.h */
  size_t len;
  CborError ce = cbor_value_get_string_length(it, &len);
  if (ce) return from_cbor(ce);
  if (len > d->lim.max_string) return OCF_ERR_TOO_LARGE;
  bool text = cbor_value_is_text_string(it);
  CborValue next = *it;
  const uint8_t *ptr = NULL;
  const char *text_ptr = NULL;
  ce = cbor_value_begin_string_iteration(&next);
  if (!ce && text) {
    ce = cbor_value_get_text_string_chunk(&next, &text_ptr, &len, &next);
    ptr = (const uint8_t *)text_ptr;
  } else if (!ce) {
    ce = cbor_value_get_byte_string_chunk(&next, &ptr, &len, &next);
  }
  if (!ce) ce = cbor_value_finish_string_iteration(&next);
  if (ce) return from_cbor(ce);
  *utf8_ok = !text || utf8_valid(ptr, len);
  out->ptr = ptr;
  out->len = len;
  *it = next;
  return OCF_OK;
}

/* IEEE 754 binary16 -> binary64, exactly (RFC 8949 Appendix D), without libm. */
static double half_to_double(uint16_t h) {
  uint64_t sign = (uint64_t)(h >> 15) << 63;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint64_t mant = h & 0x3ffu;
  double v;
  if (exp == 0) {
    v = (double)mant / 16777216.0; /* subnormal: mant * 2^-24 */
    return sign ? -v : v;
  }
  uint64_t bits = sign | ((uint64_t)(exp == 31 ? 2047 : exp - 15 + 1023) << 52) | (mant << 42);
  memcpy(&v, &bits, sizeof v);
  return v;
}

static ocf_err read_scalar(CborValue *it, ocf_rep_node *out) {
  switch (cbor_value_get_type(it)) {
  case CborIntegerType:
    out->type = OCF_REP_INT;
    out->negative = cbor_value_is_negative_integer(it);
    (void)cbor_value_get_raw_integer(it, &out->u.magnitude);
    break;
  case CborBooleanType:
    out->type = OCF_REP_BOOL;
    (void)cbor_value_get_boolean(it, &out->u.boolean);
    break;
  case CborNullType: out->type = OCF_REP_NULL; break;
  case CborHalfFloatType: {
    uint16_t h;
    (void)cbor_value_get_half_float(it, &h);
    out->type = OCF_REP_DOUBLE;
    out->u.number = half_to_double(h);
    break;
  }
  case CborFloatType: {
    float f;
    (void)cbor_value_get_float(it, &f);
    out->type = OCF_REP_DOUBLE;
    out->u.number = (double)f;
    break;
  }
  case CborDoubleType:
    out->type = OCF_REP_DOUBLE;
    (void)cbor_value_get_double(it, &out->u.number);
    break;
  default: return OCF_ERR_UNSUPPORTED; /* tags, undefined, simple values */
  }
  return from_cbor(cbor_value_advance_fixed(it));
}

static ocf_err decode_value(decoder *d, CborValue *it, ocf_rep_node *out, uint32_t depth);

static bool key_seen(const ocf_rep_node *first, ocf_bytes key) {
  for (const ocf_rep_node *n = first; n; n = n->next)
    if (n->key.len == key.len && memcmp(n->key.ptr, key.ptr, key.len) == 0) return true;
  return false;
}

/* One map key: a text string not seen before in this map. */
static ocf_err read_key(const decoder *d, CborValue *it, const ocf_rep_node *first, ocf_rep_str *out) {
  if (!cbor_value_is_text_string(it)) return OCF_ERR_MALFORMED; /* OCF keys are text */
  ocf_bytes key;
  bool utf8_ok = false;
  ocf_err err = read_string(d, it, &key, &utf8_ok);
  if (err) return err;
  if (!utf8_ok || key_seen(first, key)) return OCF_ERR_MALFORMED;
  out->ptr = (const char *)key.ptr;
  out->len = key.len;
  return OCF_OK;
}

static ocf_err decode_container(decoder *d, CborValue *it, ocf_rep_node *out, uint32_t depth) {
  bool is_map = cbor_value_is_map(it);
  if (depth > d->lim.max_depth) return OCF_ERR_TOO_LARGE;
  if (cbor_value_is_length_known(it)) {
    size_t declared;
    CborError ce =
        is_map ? cbor_value_get_map_length(it, &declared) : cbor_value_get_array_length(it, &declared);
    if (ce) return from_cbor(ce);
    if (declared > d->lim.max_elements) return OCF_ERR_TOO_LARGE;
  }
  out->type = is_map ? OCF_REP_MAP : OCF_REP_ARRAY;
  CborValue inner;
  CborError ce = cbor_value_enter_container(it, &inner);
  if (ce) return from_cbor(ce);
  ocf_rep_node *last = NULL;
  while (!cbor_value_at_end(&inner)) {
    if (out->count >= d->lim.max_elements) return OCF_ERR_TOO_LARGE;
    ocf_rep_str key = {NULL, 0};
    if (is_map) {
      ocf_err err = read_key(d, &inner, out->u.first, &key);
      if (err) return err;
      if (cbor_value_at_end(&inner)) return OCF_ERR_MALFORMED; /* cannot happen: tinycbor flags it */
    }
    ocf_rep_node *child = new_node(d);
    if (!child) return OCF_ERR_TOO_LARGE;
    ocf_err err = decode_value(d, &inner, child, depth);
    if (err) return err;
    child->key = key;
    if (last)
      last->next = child;
    else
      out->u.first = child;
    last = child;
    out->count++;
  }
  return from_cbor(cbor_value_leave_container(it, &inner));
}

/* Decodes the item at *it into *out and advances *it past it. depth = containers around it. */
static ocf_err decode_value(decoder *d, CborValue *it, ocf_rep_node *out, uint32_t depth) {
  switch (cbor_value_get_type(it)) {
  case CborArrayType:
  case CborMapType: return decode_container(d, it, out, depth + 1);
  case CborTextStringType:
  case CborByteStringType: {
    out->type = cbor_value_is_text_string(it) ? OCF_REP_TEXT : OCF_REP_BYTES;
    bool utf8_ok = false;
    ocf_err err = read_string(d, it, &out->u.str, &utf8_ok);
    out->not_utf8 = !utf8_ok; /* refused by every text getter; see rep.h */
    return err;
  }
  case CborInvalidType: return OCF_ERR_MALFORMED;
  default: return read_scalar(it, out);
  }
}

ocf_err ocf_rep_decode(const uint8_t *cbor, size_t len, const ocf_rep_limits *limits, ocf_rep_node *nodes,
                       size_t n_nodes, const ocf_rep_node **root) {
  if ((!cbor && len) || !nodes || !n_nodes || !root) return OCF_ERR_INVALID_ARG;
  decoder d = {.lim = limits ? *limits : ocf_rep_default_limits(), .nodes = nodes, .n_nodes = n_nodes};
  if (d.lim.max_depth > OCF_REP_MAX_DEPTH) return OCF_ERR_INVALID_ARG;
  if (d.n_nodes > d.lim.max_nodes) d.n_nodes = d.lim.max_nodes;
  static const uint8_t empty[1] = {0};
  CborParser parser;
  CborValue it;
  CborError ce = cbor_parser_init(cbor ? cbor : empty, len, 0, &parser, &it);
  if (ce) return from_cbor(ce);
  ocf_rep_node *top = new_node(&d);
  if (!top) return OCF_ERR_TOO_LARGE;
  ocf_err err = decode_value(&d, &it, top, 0);
  if (err) return err;
  /* RFC 8949 5.1: a payload is one data item; anything after it is not ours to ignore. */
  if (cbor_value_get_next_byte(&it) != (cbor ? cbor : empty) + len) return OCF_ERR_MALFORMED;
  *root = top;
  return OCF_OK;
}
