/* RFC 5545 periods in UTC, for cred.period and acl2 validity (SEC:cred, SEC:acl2). */
#include <string.h>

#include "svr/svr_util.h"

typedef struct cursor {
  const char *p;
  size_t left;
} cursor;

static bool take_digits(cursor *c, size_t n, uint32_t *out) {
  if (c->left < n) return false;
  uint32_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (c->p[i] < '0' || c->p[i] > '9') return false;
    v = v * 10 + (uint32_t)(c->p[i] - '0');
  }
  c->p += n;
  c->left -= n;
  *out = v;
  return true;
}

static bool take_char(cursor *c, char ch) {
  if (c->left == 0 || *c->p != ch) return false;
  c->p++;
  c->left--;
  return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (the usual era arithmetic). */
static int64_t days_from_civil(int64_t y, uint32_t m, uint32_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t mp = (int64_t)m + (m > 2 ? -3 : 9);
  int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static uint32_t days_in_month(uint32_t y, uint32_t m) {
  static const uint8_t DAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29u : DAYS[m - 1];
}

/* RFC 5545 3.3.5 DATE-TIME, form 2 (UTC): YYYYMMDD "T" HHMMSS "Z" */
static bool take_utc_datetime(cursor *c, int64_t *out) {
  uint32_t y, mo, d, h, mi, s;
  if (!take_digits(c, 4, &y) || !take_digits(c, 2, &mo) || !take_digits(c, 2, &d)) return false;
  if (!take_char(c, 'T') || !take_digits(c, 2, &h) || !take_digits(c, 2, &mi) || !take_digits(c, 2, &s))
    return false;
  if (!take_char(c, 'Z')) return false; /* floating or TZID-relative times: unknown offset */
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60) return false;
  *out = days_from_civil(y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 + (int64_t)s;
  return true;
}

/* One "<digits><unit>" of a duration; digits capped at 9 so the sum cannot overflow. */
static bool take_component(cursor *c, char unit, int64_t scale, int64_t *sum, bool *seen) {
  size_t n = 0;
  while (n < c->left && n < 10 && c->p[n] >= '0' && c->p[n] <= '9') n++;
  if (n == 0 || n > 9 || n >= c->left || c->p[n] != unit) return true; /* not this component */
  uint32_t v;
  if (!take_digits(c, n, &v) || !take_char(c, unit)) return false;
  *sum += (int64_t)v * scale;
  *seen = true;
  return true;
}

/* RFC 5545 3.3.6 DURATION (positive only: a period ends after its start) */
static bool take_duration(cursor *c, int64_t *out) {
  (void)take_char(c, '+');
  if (!take_char(c, 'P')) return false;
  int64_t sum = 0;
  bool seen = false;
  if (!take_component(c, 'W', 7 * 86400, &sum, &seen)) return false;
  if (!seen) {
    if (!take_component(c, 'D', 86400, &sum, &seen)) return false;
    if (take_char(c, 'T')) {
      bool time_seen = false;
      if (!take_component(c, 'H', 3600, &sum, &time_seen) || !take_component(c, 'M', 60, &sum, &time_seen) ||
          !take_component(c, 'S', 1, &sum, &time_seen) || !time_seen)
        return false;
      seen = true;
    }
  }
  *out = sum;
  return seen;
}

bool svr_period_parse(const char *text, size_t len, int64_t *start, int64_t *end) {
  cursor c = {text, len};
  int64_t s, e;
  if (!text || !take_utc_datetime(&c, &s) || !take_char(&c, '/')) return false;
  if (c.left > 0 && c.p[0] >= '0' && c.p[0] <= '9') {
    if (!take_utc_datetime(&c, &e)) return false;
  } else {
    int64_t d;
    if (!take_duration(&c, &d)) return false;
    e = s + d;
  }
  if (c.left != 0 || e <= s) return false;
  *start = s;
  *end = e;
  return true;
}
