#include "base/uuid.h"

#include <string.h>

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

OCF_API ocf_err ocf_uuid_parse(const char *text, size_t len, ocf_uuid *out) {
  if (!text || !out) return OCF_ERR_INVALID_ARG;
  if (len == 37 && text[36] == '\0') len = 36;
  if (len != 36) return OCF_ERR_MALFORMED;
  ocf_uuid u;
  size_t nibble = 0;
  for (size_t i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return OCF_ERR_MALFORMED;
      continue;
    }
    int v = hex_value(text[i]);
    if (v < 0) return OCF_ERR_MALFORMED;
    if (nibble % 2 == 0)
      u.b[nibble / 2] = (uint8_t)(v << 4);
    else
      u.b[nibble / 2] |= (uint8_t)v;
    nibble++;
  }
  *out = u;
  return OCF_OK;
}

OCF_API void ocf_uuid_format(const ocf_uuid *u, char out[OCF_UUID_STR_LEN]) {
  static const char digits[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
    out[o++] = digits[u->b[i] >> 4];
    out[o++] = digits[u->b[i] & 0x0f];
  }
  out[o] = '\0';
}

OCF_API bool ocf_uuid_is_nil(const ocf_uuid *u) {
  static const ocf_uuid nil;
  return memcmp(u->b, nil.b, sizeof nil.b) == 0;
}

OCF_API bool ocf_uuid_equal(const ocf_uuid *a, const ocf_uuid *b) {
  return memcmp(a->b, b->b, sizeof a->b) == 0;
}

ocf_err ocf_uuid_generate(const ocf_platform *pf, ocf_uuid *out) {
  if (!pf || !pf->random || !out) return OCF_ERR_INVALID_ARG;
  ocf_err err = pf->random(pf->ctx, out->b, sizeof out->b);
  if (err) return err;
  out->b[6] = (uint8_t)((out->b[6] & 0x0f) | 0x40); /* RFC 4122 4.4: version 4 */
  out->b[8] = (uint8_t)((out->b[8] & 0x3f) | 0x80); /* RFC 4122 4.1.1: variant 10 */
  return OCF_OK;
}
