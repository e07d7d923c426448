/* Random PIN OTM, device side (digest §4.3): generating the PIN it shows, and limiting wrong-PIN
 * attempts. Pure: randomness comes from the caller's ocf_platform, time from the caller's `now`
 * (monotonic ms), state lives in caller-owned structs (ADR 0014). */
#ifndef OCF_OTM_PIN_H
#define OCF_OTM_PIN_H

#include <ocf/ocf_platform.h>
#include <ocf/ocf_types.h>

#define OCF_OTM_PIN_DEFAULT_LEN 8 /* IoTivity-Lite shows 8 digits (digest §4.3) */
#define OCF_OTM_PIN_MIN_LEN 4     /* spec length rules are UNCONFIRMED (digest §4.3); CI allowed */
#define OCF_OTM_PIN_MAX_LEN 32    /* configurable lengths, this is our range */

/* Writes len (OCF_OTM_PIN_MIN_LEN..OCF_OTM_PIN_MAX_LEN; 0 = the default 8) random decimal digits
 * and a NUL to out (cap >= len + 1). Each digit is uniform: random bytes >= 250 are rejected
 * rather than reduced modulo 10 (no modulo bias). A new PIN on every oxmsel = 1 write (digest
 * §4.3). OCF_ERR_INVALID_ARG (NULL, bad len), OCF_ERR_NO_SPACE (cap), the error of pf->random,
 * OCF_ERR_CRYPTO (a generator that keeps returning rejected bytes). out is wiped on error. */
OCF_NODISCARD ocf_err ocf_otm_pin_generate(const ocf_platform *pf, size_t len, char *out, size_t cap);

/* --- wrong-PIN limiter ---------------------------------------------------------------------- */

#define OCF_OTM_PIN_FREE_FAILURES 4         /* failures without any wait */
#define OCF_OTM_PIN_BACKOFF_MIN_MS 2000u    /* the wait after the 5th failure ... */
#define OCF_OTM_PIN_BACKOFF_MAX_MS 3600000u /* ... doubling with each further one, up to 1 h */
#define OCF_OTM_PIN_LIMITER_BYTES 8         /* ocf_otm_pin_limiter_save's output */

/* Failed PIN handshakes since the last successful onboarding. A new PIN (oxmsel = 1 again, or
 * the RESET IoTivity-Lite does after a failed handshake, digest §3.6) does NOT reset it: an
 * attacker could otherwise ask for a fresh PIN before each guess. Only
 * ocf_otm_pin_limiter_success() does. Persist it (save/load) with the device's state so a
 * restart does not reset it either. */
typedef struct ocf_otm_pin_limiter {
  uint32_t failures;
  ocf_time_ms blocked_until; /* no PIN handshake before this (0 = none) */
} ocf_otm_pin_limiter;

void ocf_otm_pin_limiter_init(ocf_otm_pin_limiter *l);
/* The wait (ms) the device imposes after `failures` failures: 0 for the first four, then 2 s,
 * 4 s, 8 s, ... up to 1 h. */
uint32_t ocf_otm_pin_backoff_ms(uint32_t failures);
/* ms until a PIN handshake may start; 0 when it may start now. While it is not 0, the device
 * refuses the DOC (its dtls accept callback returns an error); a refused attempt is not a
 * failure and does not extend the wait. */
ocf_time_ms ocf_otm_pin_limiter_wait(const ocf_otm_pin_limiter *l, ocf_time_ms now);
/* A PIN handshake failed at now (wrong PIN, or the peer gave up mid-handshake). */
void ocf_otm_pin_limiter_failure(ocf_otm_pin_limiter *l, ocf_time_ms now);
/* An onboarding completed (the device left RFOTM with an owner): everything is forgiven. */
void ocf_otm_pin_limiter_success(ocf_otm_pin_limiter *l);

/* The limiter as bytes for the device's store: version 1, then the failure count (big endian),
 * zero padding. Monotonic time means nothing after a restart, so the deadline is not stored:
 * load() restarts the full wait for the stored count from `now` (a restart never shortens it). */
void ocf_otm_pin_limiter_save(const ocf_otm_pin_limiter *l, uint8_t out[OCF_OTM_PIN_LIMITER_BYTES]);
/* OCF_ERR_MALFORMED (wrong length, version or padding: l untouched), OCF_ERR_INVALID_ARG. */
OCF_NODISCARD ocf_err ocf_otm_pin_limiter_load(ocf_otm_pin_limiter *l, const uint8_t *in, size_t len,
                                               ocf_time_ms now);

#endif
