/* PIN generation and the wrong-PIN limiter (pin.h; digest §4.3, ADR 0014). */
#include "otm/pin.h"

#include <string.h>

#include "dtls/crypto.h"

/* 250 = 25 x 10: bytes below it map onto the digits evenly; about 2.3 % are redrawn. */
#define PIN_BYTE_LIMIT 250u
#define PIN_MAX_ROUNDS 16 /* a working generator needs one or two rounds; 16 means it is broken */

ocf_err ocf_otm_pin_generate(const ocf_platform *pf, size_t len, char *out, size_t cap) {
  if (!pf || !pf->random || !out) return OCF_ERR_INVALID_ARG;
  if (!len) len = OCF_OTM_PIN_DEFAULT_LEN;
  if (len < OCF_OTM_PIN_MIN_LEN || len > OCF_OTM_PIN_MAX_LEN) return OCF_ERR_INVALID_ARG;
  if (cap < len + 1) return OCF_ERR_NO_SPACE;
  uint8_t buf[OCF_OTM_PIN_MAX_LEN];
  size_t have = 0;
  ocf_err err = OCF_ERR_CRYPTO;
  for (int round = 0; round < PIN_MAX_ROUNDS && have < len; round++) {
    size_t want = len - have;
    err = pf->random(pf->ctx, buf, want);
    if (err) break;
    for (size_t i = 0; i < want; i++)
      if (buf[i] < PIN_BYTE_LIMIT) out[have++] = (char)('0' + buf[i] % 10u);
    err = have == len ? OCF_OK : OCF_ERR_CRYPTO;
  }
  ocf_secure_zero(buf, sizeof buf);
  if (err) {
    ocf_secure_zero(out, cap);
    return err;
  }
  out[len] = '\0';
  return OCF_OK;
}

void ocf_otm_pin_limiter_init(ocf_otm_pin_limiter *l) {
  if (l) memset(l, 0, sizeof *l);
}

uint32_t ocf_otm_pin_backoff_ms(uint32_t failures) {
  if (failures <= OCF_OTM_PIN_FREE_FAILURES) return 0;
  uint32_t doublings = failures - OCF_OTM_PIN_FREE_FAILURES - 1;
  uint64_t ms = (uint64_t)OCF_OTM_PIN_BACKOFF_MIN_MS << (doublings > 11 ? 11 : doublings);
  return ms > OCF_OTM_PIN_BACKOFF_MAX_MS ? OCF_OTM_PIN_BACKOFF_MAX_MS : (uint32_t)ms;
}

ocf_time_ms ocf_otm_pin_limiter_wait(const ocf_otm_pin_limiter *l, ocf_time_ms now) {
  if (!l || now >= l->blocked_until) return 0;
  return l->blocked_until - now;
}

void ocf_otm_pin_limiter_failure(ocf_otm_pin_limiter *l, ocf_time_ms now) {
  if (!l) return;
  if (l->failures < UINT32_MAX) l->failures++;
  uint32_t wait = ocf_otm_pin_backoff_ms(l->failures);
  l->blocked_until = wait ? now + wait : 0;
}

void ocf_otm_pin_limiter_success(ocf_otm_pin_limiter *l) { ocf_otm_pin_limiter_init(l); }

void ocf_otm_pin_limiter_save(const ocf_otm_pin_limiter *l, uint8_t out[OCF_OTM_PIN_LIMITER_BYTES]) {
  memset(out, 0, OCF_OTM_PIN_LIMITER_BYTES);
  out[0] = 1; /* format version */
  uint32_t f = l ? l->failures : 0;
  out[1] = (uint8_t)(f >> 24);
  out[2] = (uint8_t)(f >> 16);
  out[3] = (uint8_t)(f >> 8);
  out[4] = (uint8_t)f;
}

ocf_err ocf_otm_pin_limiter_load(ocf_otm_pin_limiter *l, const uint8_t *in, size_t len, ocf_time_ms now) {
  if (!l || (!in && len)) return OCF_ERR_INVALID_ARG;
  if (len != OCF_OTM_PIN_LIMITER_BYTES || in[0] != 1 || in[5] || in[6] || in[7]) return OCF_ERR_MALFORMED;
  uint32_t f = (uint32_t)in[1] << 24 | (uint32_t)in[2] << 16 | (uint32_t)in[3] << 8 | in[4];
  l->failures = f;
  uint32_t wait = ocf_otm_pin_backoff_ms(f);
  l->blocked_until = wait ? now + wait : 0;
  return OCF_OK;
}
