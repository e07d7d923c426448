#include "base/buf.h"

#include <string.h>

void ocf_reader_init(ocf_reader *r, const uint8_t *ptr, size_t len) {
  r->ptr = ptr;
  r->len = ptr ? len : 0;
  r->pos = 0;
  r->err = OCF_OK;
}

size_t ocf_reader_remaining(const ocf_reader *r) { return r->err ? 0 : r->len - r->pos; }

void ocf_reader_fail(ocf_reader *r, ocf_err err) {
  if (r->err == OCF_OK) r->err = err;
}

const uint8_t *ocf_reader_take(ocf_reader *r, size_t n) {
  if (r->err) return NULL;
  if (n > r->len - r->pos) {
    r->err = OCF_ERR_TRUNCATED;
    return NULL;
  }
  const uint8_t *p = r->ptr + r->pos;
  r->pos += n;
  return p;
}

uint8_t ocf_reader_u8(ocf_reader *r) {
  const uint8_t *p = ocf_reader_take(r, 1);
  return p ? p[0] : 0;
}

uint16_t ocf_reader_be16(ocf_reader *r) {
  const uint8_t *p = ocf_reader_take(r, 2);
  if (!p) return 0;
  return (uint16_t)((p[0] << 8) | p[1]);
}

uint32_t ocf_reader_be32(ocf_reader *r) {
  const uint8_t *p = ocf_reader_take(r, 4);
  if (!p) return 0;
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

void ocf_writer_init(ocf_writer *w, uint8_t *ptr, size_t cap) {
  w->ptr = ptr;
  w->cap = ptr ? cap : 0;
  w->len = 0;
  w->err = OCF_OK;
}

void ocf_writer_fail(ocf_writer *w, ocf_err err) {
  if (w->err == OCF_OK) w->err = err;
}

void ocf_writer_bytes(ocf_writer *w, const void *src, size_t n) {
  if (w->err) return;
  if (n > w->cap - w->len) {
    w->err = OCF_ERR_NO_SPACE;
    return;
  }
  if (n) memcpy(w->ptr + w->len, src, n);
  w->len += n;
}

void ocf_writer_u8(ocf_writer *w, uint8_t v) { ocf_writer_bytes(w, &v, 1); }

void ocf_writer_be16(ocf_writer *w, uint16_t v) {
  uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  ocf_writer_bytes(w, b, sizeof b);
}

void ocf_writer_be32(ocf_writer *w, uint32_t v) {
  uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  ocf_writer_bytes(w, b, sizeof b);
}

size_t ocf_uint_min_len(uint32_t v) {
  size_t n = 0;
  while (v) {
    n++;
    v >>= 8;
  }
  return n;
}

void ocf_writer_uint_min(ocf_writer *w, uint32_t v) {
  size_t n = ocf_uint_min_len(v);
  uint8_t b[4];
  for (size_t i = 0; i < n; i++) b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
  ocf_writer_bytes(w, b, n);
}
