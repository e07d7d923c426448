/* CBOR builder with a sticky error. Heads are written in their shortest form (RFC 8949 4.2.1);
 * a definite-length container gets a one-byte placeholder head when opened and its real head
 * when closed, moving the contents up by the few bytes a larger count needs. */
#include "rep/rep.h"

#include <string.h>

#include "base/uuid.h"

enum { MAJOR_UINT = 0, MAJOR_NINT = 1, MAJOR_BYTES = 2, MAJOR_TEXT = 3, MAJOR_ARRAY = 4, MAJOR_MAP = 5 };

#define CBOR_FALSE 0xf4
#define CBOR_TRUE 0xf5
#define CBOR_NULL 0xf6
#define CBOR_DOUBLE 0xfb
#define CBOR_BREAK 0xff
#define CBOR_INDEFINITE 31

static void fail(ocf_rep_enc *e, ocf_err err) {
  if (e->err == OCF_OK) e->err = err;
}

void ocf_rep_enc_init(ocf_rep_enc *e, uint8_t *buf, size_t cap) {
  memset(e, 0, sizeof *e);
  e->buf = buf;
  e->cap = buf ? cap : 0;
}

void ocf_rep_enc_use_indefinite(ocf_rep_enc *e) {
  if (e->len || e->depth) fail(e, OCF_ERR_INVALID_ARG); /* one shape per payload */
  e->indefinite = true;
}

ocf_err ocf_rep_enc_finish(const ocf_rep_enc *e, size_t *len) {
  if (e->err) return e->err;
  if (e->depth || !e->root_done) return OCF_ERR_INVALID_ARG;
  *len = e->len;
  return OCF_OK;
}

static size_t head_size(uint64_t v) {
  if (v < 24) return 1;
  if (v <= UINT8_MAX) return 2;
  if (v <= UINT16_MAX) return 3;
  if (v <= UINT32_MAX) return 5;
  return 9;
}

/* RFC 8949 3: major type in the top 3 bits, then the argument in 0, 1, 2, 4 or 8 bytes. */
static size_t put_head(uint8_t *out, uint8_t major, uint64_t v) {
  size_t n = head_size(v);
  static const uint8_t info[10] = {0, 0, 24, 25, 0, 26, 0, 0, 0, 27};
  uint8_t low = n == 1 ? (uint8_t)v : info[n];
  out[0] = (uint8_t)((unsigned)major << 5 | low);
  for (size_t i = 1; i < n; i++) out[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
  return n;
}

static void append(ocf_rep_enc *e, const void *p, size_t n) {
  if (e->err) return;
  if (n > e->cap - e->len) {
    fail(e, OCF_ERR_NO_SPACE);
    return;
  }
  if (n) memcpy(e->buf + e->len, p, n);
  e->len += n;
}

static void write_head(ocf_rep_enc *e, uint8_t major, uint64_t v) {
  uint8_t h[9];
  append(e, h, put_head(h, major, v));
}

/* Accounts for one value about to be written where the builder stands; false on misuse. */
static bool begin_value(ocf_rep_enc *e) {
  if (e->err) return false;
  if (e->depth == 0) {
    if (e->root_done) fail(e, OCF_ERR_INVALID_ARG);
    e->root_done = true;
    return e->err == OCF_OK;
  }
  ocf_rep_enc_frame *f = &e->frames[e->depth - 1];
  if (f->major == MAJOR_MAP) {
    if (!f->key_pending) fail(e, OCF_ERR_INVALID_ARG);
    f->key_pending = false;
  } else {
    f->count++;
  }
  return e->err == OCF_OK;
}

void ocf_rep_enc_key_n(ocf_rep_enc *e, const char *key, size_t len) {
  if (e->err) return;
  ocf_rep_enc_frame *f = e->depth ? &e->frames[e->depth - 1] : NULL;
  if (!f || f->major != MAJOR_MAP || f->key_pending || (!key && len)) {
    fail(e, OCF_ERR_INVALID_ARG);
    return;
  }
  write_head(e, MAJOR_TEXT, len);
  append(e, key, len);
  f->key_pending = true;
  f->count++;
}

void ocf_rep_enc_key(ocf_rep_enc *e, const char *key) {
  if (!key) fail(e, OCF_ERR_INVALID_ARG);
  ocf_rep_enc_key_n(e, key, key ? strlen(key) : 0);
}

static void open_container(ocf_rep_enc *e, uint8_t major) {
  if (!begin_value(e)) return;
  if (e->depth >= OCF_REP_MAX_DEPTH) {
    fail(e, OCF_ERR_TOO_LARGE);
    return;
  }
  ocf_rep_enc_frame *f = &e->frames[e->depth];
  f->head = e->len;
  f->count = 0;
  f->major = major;
  f->key_pending = false;
  uint8_t h = (uint8_t)((unsigned)major << 5 | (e->indefinite ? CBOR_INDEFINITE : 0u));
  append(e, &h, 1);
  if (!e->err) e->depth++;
}

static void close_container(ocf_rep_enc *e, uint8_t major) {
  if (e->err) return;
  ocf_rep_enc_frame *f = e->depth ? &e->frames[e->depth - 1] : NULL;
  if (!f || f->major != major || f->key_pending) {
    fail(e, OCF_ERR_INVALID_ARG);
    return;
  }
  if (e->indefinite) {
    uint8_t brk = CBOR_BREAK;
    append(e, &brk, 1);
  } else {
    size_t grow = head_size(f->count) - 1;
    if (grow > e->cap - e->len) {
      fail(e, OCF_ERR_NO_SPACE);
      return;
    }
    uint8_t *body = e->buf + f->head + 1;
    memmove(body + grow, body, e->len - f->head - 1);
    e->len += grow;
    (void)put_head(e->buf + f->head, major, f->count);
  }
  if (!e->err) e->depth--;
}

void ocf_rep_enc_map_open(ocf_rep_enc *e) { open_container(e, MAJOR_MAP); }
void ocf_rep_enc_map_close(ocf_rep_enc *e) { close_container(e, MAJOR_MAP); }
void ocf_rep_enc_array_open(ocf_rep_enc *e) { open_container(e, MAJOR_ARRAY); }
void ocf_rep_enc_array_close(ocf_rep_enc *e) { close_container(e, MAJOR_ARRAY); }

static void simple(ocf_rep_enc *e, uint8_t byte) {
  if (begin_value(e)) append(e, &byte, 1);
}

void ocf_rep_enc_null(ocf_rep_enc *e) { simple(e, CBOR_NULL); }
void ocf_rep_enc_bool(ocf_rep_enc *e, bool v) { simple(e, v ? CBOR_TRUE : CBOR_FALSE); }

void ocf_rep_enc_uint(ocf_rep_enc *e, uint64_t v) {
  if (begin_value(e)) write_head(e, MAJOR_UINT, v);
}

void ocf_rep_enc_int(ocf_rep_enc *e, int64_t v) {
  if (!begin_value(e)) return;
  if (v >= 0)
    write_head(e, MAJOR_UINT, (uint64_t)v);
  else
    write_head(e, MAJOR_NINT, (uint64_t)(-1 - v)); /* RFC 8949 3.1: major 1 carries -1 - n */
}

void ocf_rep_enc_double(ocf_rep_enc *e, double v) {
  if (!begin_value(e)) return;
  uint64_t bits;
  memcpy(&bits, &v, sizeof bits);
  uint8_t out[9] = {CBOR_DOUBLE};
  for (size_t i = 0; i < 8; i++) out[1 + i] = (uint8_t)(bits >> (56 - 8 * i));
  append(e, out, sizeof out);
}

static void put_string(ocf_rep_enc *e, uint8_t major, const void *p, size_t len) {
  if (!p && len) fail(e, OCF_ERR_INVALID_ARG);
  if (!begin_value(e)) return;
  write_head(e, major, len);
  append(e, p, len);
}

void ocf_rep_enc_text_n(ocf_rep_enc *e, const char *s, size_t len) { put_string(e, MAJOR_TEXT, s, len); }
void ocf_rep_enc_str(ocf_rep_enc *e, ocf_rep_str s) { put_string(e, MAJOR_TEXT, s.ptr, s.len); }
void ocf_rep_enc_bytes(ocf_rep_enc *e, const void *p, size_t len) { put_string(e, MAJOR_BYTES, p, len); }

void ocf_rep_enc_text(ocf_rep_enc *e, const char *s) {
  if (!s) fail(e, OCF_ERR_INVALID_ARG);
  put_string(e, MAJOR_TEXT, s, s ? strlen(s) : 0);
}

void ocf_rep_enc_uuid(ocf_rep_enc *e, const ocf_uuid *u) {
  if (!u) {
    fail(e, OCF_ERR_INVALID_ARG);
    return;
  }
  char text[OCF_UUID_STR_LEN];
  ocf_uuid_format(u, text);
  put_string(e, MAJOR_TEXT, text, OCF_UUID_STR_LEN - 1);
}

void ocf_rep_enc_str_array(ocf_rep_enc *e, const ocf_rep_str *v, size_t n) {
  ocf_rep_enc_array_open(e);
  for (size_t i = 0; i < n; i++) ocf_rep_enc_str(e, v[i]);
  ocf_rep_enc_array_close(e);
}

void ocf_rep_enc_cstr_array(ocf_rep_enc *e, const char *const *v, size_t n) {
  ocf_rep_enc_array_open(e);
  for (size_t i = 0; i < n; i++) ocf_rep_enc_text(e, v[i]);
  ocf_rep_enc_array_close(e);
}

void ocf_rep_enc_node(ocf_rep_enc *e, const ocf_rep_node *n) {
  if (e->err) return;
  if (!n) {
    fail(e, OCF_ERR_INVALID_ARG);
    return;
  }
  switch (n->type) {
  case OCF_REP_NULL: ocf_rep_enc_null(e); break;
  case OCF_REP_BOOL: ocf_rep_enc_bool(e, n->u.boolean); break;
  case OCF_REP_INT:
    if (begin_value(e)) write_head(e, n->negative ? MAJOR_NINT : MAJOR_UINT, n->u.magnitude);
    break;
  case OCF_REP_DOUBLE: ocf_rep_enc_double(e, n->u.number); break;
  case OCF_REP_TEXT: put_string(e, MAJOR_TEXT, n->u.str.ptr, n->u.str.len); break;
  case OCF_REP_BYTES: put_string(e, MAJOR_BYTES, n->u.str.ptr, n->u.str.len); break;
  case OCF_REP_ARRAY:
  case OCF_REP_MAP: {
    bool map = n->type == OCF_REP_MAP;
    open_container(e, map ? MAJOR_MAP : MAJOR_ARRAY);
    for (const ocf_rep_node *c = n->u.first; c && !e->err; c = c->next) {
      if (map) ocf_rep_enc_key_n(e, c->key.ptr, c->key.len);
      ocf_rep_enc_node(e, c);
    }
    close_container(e, map ? MAJOR_MAP : MAJOR_ARRAY);
    break;
  }
  default: fail(e, OCF_ERR_INVALID_ARG); break;
  }
}

/* --- key + value shorthands ---------------------------------------------------------------- */

void ocf_rep_enc_kv_text(ocf_rep_enc *e, const char *key, const char *v) {
  ocf_rep_enc_key(e, key);
  ocf_rep_enc_text(e, v);
}

void ocf_rep_enc_kv_str(ocf_rep_enc *e, const char *key, ocf_rep_str v) {
  ocf_rep_enc_key(e, key);
  ocf_rep_enc_str(e, v);
}

void ocf_rep_enc_kv_int(ocf_rep_enc *e, const char *key, int64_t v) {
  ocf_rep_enc_key(e, key);
  ocf_rep_enc_int(e, v);
}

void ocf_rep_enc_kv_bool(ocf_rep_enc *e, const char *key, bool v) {
  ocf_rep_enc_key(e, key);
  ocf_rep_enc_bool(e, v);
}

void ocf_rep_enc_kv_bytes(ocf_rep_enc *e, const char *key, const void *p, size_t len) {
  ocf_rep_enc_key(e, key);
  ocf_rep_enc_bytes(e, p, len);
}

void ocf_rep_enc_kv_uuid(ocf_rep_enc *e, const char *key, const ocf_uuid *u) {
  ocf_rep_enc_key(e, key);
  ocf_rep_enc_uuid(e, u);
}

void ocf_rep_enc_kv_str_array(ocf_rep_enc *e, const char *key, const ocf_rep_str *v, size_t n) {
  ocf_rep_enc_key(e, key);
  ocf_rep_enc_str_array(e, v, n);
}

void ocf_rep_enc_kv_cstr_array(ocf_rep_enc *e, const char *key, const char *const *v, size_t n) {
  ocf_rep_enc_key(e, key);
  ocf_rep_enc_cstr_array(e, v, n);
}

void ocf_rep_enc_kv_map_open(ocf_rep_enc *e, const char *key) {
  ocf_rep_enc_key(e, key);
  ocf_rep_enc_map_open(e);
}

void ocf_rep_enc_kv_array_open(ocf_rep_enc *e, const char *key) {
  ocf_rep_enc_key(e, key);
  ocf_rep_enc_array_open(e);
}

void ocf_rep_enc_common(ocf_rep_enc *e, const ocf_rep_common *c) {
  if (!c) {
    fail(e, OCF_ERR_INVALID_ARG);
    return;
  }
  if (c->n_rt > OCF_REP_MAX_TYPES || c->n_if > OCF_REP_MAX_TYPES) fail(e, OCF_ERR_INVALID_ARG);
  if (c->n_rt) ocf_rep_enc_kv_str_array(e, "rt", c->rt, c->n_rt);
  if (c->n_if) ocf_rep_enc_kv_str_array(e, "if", c->ifs, c->n_if);
  if (c->has_n) ocf_rep_enc_kv_str(e, "n", c->n);
}
