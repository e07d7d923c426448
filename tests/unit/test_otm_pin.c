/* otm/pin.h: PIN generation from the injected generator (length, alphabet, no modulo bias) and
 * the wrong-PIN limiter with a fake clock (4 free failures, then 2 s doubling to 1 h; reset only
 * by success; persisted across restarts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "otm/pin.h"
#include "sim/sim.h"

/* A generator that replays a script of bytes, then fails or repeats its last byte. */
typedef struct script {
  const uint8_t *bytes;
  size_t n, pos;
  size_t calls;
  ocf_err fail;
} script;

static ocf_err scripted(void *ctx, uint8_t *out, size_t len) {
  script *s = ctx;
  s->calls++;
  if (s->fail) return s->fail;
  for (size_t i = 0; i < len; i++) out[i] = s->bytes[s->pos < s->n ? s->pos++ : s->n - 1];
  return OCF_OK;
}

static ocf_platform scripted_pf(script *s) {
  ocf_platform pf = {.ctx = s, .random = scripted};
  return pf;
}

static void test_pin_is_digits_of_the_asked_length(void **state) {
  (void)state;
  ocf_sim_platform sp;
  ocf_sim_platform_init(&sp, 7);
  char pin[OCF_OTM_PIN_MAX_LEN + 1];
  assert_int_equal(ocf_otm_pin_generate(&sp.pf, 0, pin, sizeof pin), OCF_OK);
  assert_int_equal(strlen(pin), OCF_OTM_PIN_DEFAULT_LEN);
  for (size_t len = OCF_OTM_PIN_MIN_LEN; len <= OCF_OTM_PIN_MAX_LEN; len++) {
    assert_int_equal(ocf_otm_pin_generate(&sp.pf, len, pin, sizeof pin), OCF_OK);
    assert_int_equal(strlen(pin), len);
    for (size_t i = 0; i < len; i++) assert_true(pin[i] >= '0' && pin[i] <= '9');
  }
  assert_int_equal(ocf_otm_pin_generate(&sp.pf, 3, pin, sizeof pin), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_otm_pin_generate(&sp.pf, 33, pin, 64), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_otm_pin_generate(&sp.pf, 8, pin, 8), OCF_ERR_NO_SPACE);
  assert_int_equal(ocf_otm_pin_generate(NULL, 8, pin, 9), OCF_ERR_INVALID_ARG);
  /* Two PINs in a row differ (a new PIN on every oxmsel = 1). */
  char a[9], b[9];
  assert_int_equal(ocf_otm_pin_generate(&sp.pf, 8, a, sizeof a), OCF_OK);
  assert_int_equal(ocf_otm_pin_generate(&sp.pf, 8, b, sizeof b), OCF_OK);
  assert_string_not_equal(a, b);
}

static void test_bytes_that_would_bias_the_digits_are_redrawn(void **state) {
  (void)state;
  /* 250..255 would make 0..5 more likely under "% 10": they must be skipped, not used. */
  static const uint8_t bytes[] = {255, 250, 9, 251, 19, 252, 253, 29, 254, 39, 0, 99, 249};
  script s = {bytes, sizeof bytes, 0, 0, OCF_OK};
  ocf_platform pf = scripted_pf(&s);
  char pin[9];
  assert_int_equal(ocf_otm_pin_generate(&pf, 4, pin, sizeof pin), OCF_OK);
  /* first round (4 bytes: 255 250 9 251) gives "9"; the next 3 (19 252 253) give "9"; the
   * next 2 (29 254) "9"; the last 1 (39) "9". */
  assert_string_equal(pin, "9999");
  assert_int_equal(s.calls, 4);
  /* Every digit equally likely over all 250 accepted byte values. */
  unsigned counts[10] = {0};
  for (unsigned v = 0; v < 256; v++) {
    uint8_t one[1] = {(uint8_t)v};
    uint8_t fill[2] = {(uint8_t)v, 0};
    script t = {v < 250 ? one : fill, v < 250 ? 1 : 2, 0, 0, OCF_OK};
    ocf_platform tp = scripted_pf(&t);
    char p4[5];
    assert_int_equal(ocf_otm_pin_generate(&tp, 4, p4, sizeof p4), OCF_OK);
    if (v < 250)
      counts[p4[0] - '0']++;
    else
      assert_string_equal(p4, "0000"); /* the rejected byte never shows up */
  }
  for (int d = 0; d < 10; d++) assert_int_equal(counts[d], 25);
}

static void test_a_broken_generator_fails_and_leaves_no_pin(void **state) {
  (void)state;
  static const uint8_t bad[] = {255};
  script s = {bad, 1, 0, 0, OCF_OK};
  ocf_platform pf = scripted_pf(&s);
  char pin[9] = "xxxxxxxx";
  assert_int_equal(ocf_otm_pin_generate(&pf, 8, pin, sizeof pin), OCF_ERR_CRYPTO);
  assert_int_equal(pin[0], 0);
  s.fail = OCF_ERR_IO;
  assert_int_equal(ocf_otm_pin_generate(&pf, 8, pin, sizeof pin), OCF_ERR_IO);
}

static void test_limiter_four_free_failures_then_doubling_to_an_hour(void **state) {
  (void)state;
  ocf_otm_pin_limiter l;
  ocf_otm_pin_limiter_init(&l);
  ocf_time_ms now = 5000;
  for (int i = 0; i < 4; i++) {
    assert_int_equal(ocf_otm_pin_limiter_wait(&l, now), 0);
    ocf_otm_pin_limiter_failure(&l, now);
  }
  assert_int_equal(ocf_otm_pin_limiter_wait(&l, now), 0); /* four wrong PINs cost nothing */
  ocf_otm_pin_limiter_failure(&l, now);                   /* the fifth: 2 s */
  assert_int_equal(ocf_otm_pin_limiter_wait(&l, now), 2000);
  assert_int_equal(ocf_otm_pin_limiter_wait(&l, now + 1999), 1);
  assert_int_equal(ocf_otm_pin_limiter_wait(&l, now + 2000), 0);
  now += 2000;
  ocf_otm_pin_limiter_failure(&l, now);
  assert_int_equal(ocf_otm_pin_limiter_wait(&l, now), 4000);
  now += 4000;
  ocf_otm_pin_limiter_failure(&l, now);
  assert_int_equal(ocf_otm_pin_limiter_wait(&l, now), 8000);
  for (int i = 0; i < 40; i++) {
    now += ocf_otm_pin_limiter_wait(&l, now);
    ocf_otm_pin_limiter_failure(&l, now);
  }
  assert_int_equal(ocf_otm_pin_limiter_wait(&l, now), 3600000); /* capped at 1 h */
  assert_int_equal(ocf_otm_pin_backoff_ms(4), 0);
  assert_int_equal(ocf_otm_pin_backoff_ms(5), 2000);
  assert_int_equal(ocf_otm_pin_backoff_ms(15), 2048000);
  assert_int_equal(ocf_otm_pin_backoff_ms(16), 3600000);
  assert_int_equal(ocf_otm_pin_backoff_ms(UINT32_MAX), 3600000);
  /* Only a successful onboarding forgives. */
  ocf_otm_pin_limiter_success(&l);
  assert_int_equal(ocf_otm_pin_limiter_wait(&l, now), 0);
  assert_int_equal(l.failures, 0);
}

static void test_limiter_survives_a_restart_and_a_restart_never_shortens_the_wait(void **state) {
  (void)state;
  ocf_otm_pin_limiter l;
  ocf_otm_pin_limiter_init(&l);
  for (int i = 0; i < 6; i++) ocf_otm_pin_limiter_failure(&l, 100000); /* wait 4 s */
  uint8_t blob[OCF_OTM_PIN_LIMITER_BYTES];
  ocf_otm_pin_limiter_save(&l, blob);
  /* After a restart the monotonic clock starts over; the full wait starts again from load. */
  ocf_otm_pin_limiter r;
  assert_int_equal(ocf_otm_pin_limiter_load(&r, blob, sizeof blob, 10), OCF_OK);
  assert_int_equal(r.failures, 6);
  assert_int_equal(ocf_otm_pin_limiter_wait(&r, 10), 4000);
  ocf_otm_pin_limiter_failure(&r, 4010);
  assert_int_equal(ocf_otm_pin_limiter_wait(&r, 4010), 8000);
  /* A fresh limiter saves to a count of 0 and loads without a wait. */
  ocf_otm_pin_limiter_init(&l);
  ocf_otm_pin_limiter_save(&l, blob);
  assert_int_equal(ocf_otm_pin_limiter_load(&r, blob, sizeof blob, 10), OCF_OK);
  assert_int_equal(ocf_otm_pin_limiter_wait(&r, 10), 0);
  /* Damaged bytes leave the limiter untouched. */
  ocf_otm_pin_limiter_failure(&r, 0);
  uint8_t bad[OCF_OTM_PIN_LIMITER_BYTES];
  memcpy(bad, blob, sizeof bad);
  bad[0] = 2;
  assert_int_equal(ocf_otm_pin_limiter_load(&r, bad, sizeof bad, 0), OCF_ERR_MALFORMED);
  memcpy(bad, blob, sizeof bad);
  bad[7] = 1;
  assert_int_equal(ocf_otm_pin_limiter_load(&r, bad, sizeof bad, 0), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_otm_pin_limiter_load(&r, blob, sizeof blob - 1, 0), OCF_ERR_MALFORMED);
  assert_int_equal(r.failures, 1);
  assert_int_equal(ocf_otm_pin_limiter_load(&r, NULL, 8, 0), OCF_ERR_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pin_is_digits_of_the_asked_length),
      cmocka_unit_test(test_bytes_that_would_bias_the_digits_are_redrawn),
      cmocka_unit_test(test_a_broken_generator_fails_and_leaves_no_pin),
      cmocka_unit_test(test_limiter_four_free_failures_then_doubling_to_an_hour),
      cmocka_unit_test(test_limiter_survives_a_restart_and_a_restart_never_shortens_the_wait),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
