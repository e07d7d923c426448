/* ocf_platform for POSIX hosts: getrandom(), malloc/free, a stderr logger, CLOCK_MONOTONIC. */
#define _GNU_SOURCE /* getrandom() in <sys/random.h> */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include <ocf/ocf_posix.h>

/* Timestamp + level + module + a base/log.h line (256) fits. */
#define OCF_POSIX_LOG_LINE_MAX 384

typedef struct log_style {
  bool timestamps;
} log_style;

/* Read-only: pf->ctx points at one of these, so the platform needs no storage of its own. */
static const log_style k_plain = {false};
static const log_style k_stamped = {true};

static ocf_err posix_random(void *ctx, uint8_t *out, size_t len) {
  (void)ctx;
  size_t done = 0;
  while (done < len) {
    /* Blocks only until the kernel pool is initialised once after boot; never fails short
     * for <= 256 bytes, but larger requests may return partially. */
    ssize_t n = getrandom(out + done, len - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return OCF_ERR_IO;
    }
    done += (size_t)n;
  }
  return OCF_OK;
}

static void *posix_alloc(void *ctx, size_t size) {
  (void)ctx;
  return malloc(size);
}

static void posix_free(void *ctx, void *ptr) {
  (void)ctx;
  free(ptr);
}

static char level_letter(ocf_log_level level) {
  switch (level) {
  case OCF_LOG_ERROR: return 'E';
  case OCF_LOG_WARN: return 'W';
  case OCF_LOG_INFO: return 'I';
  case OCF_LOG_DEBUG: return 'D';
  }
  return '?';
}

/* "2024-05-01T12:00:00.123Z " (UTC wall clock: log lines are read next to other logs). */
static size_t format_timestamp(char *out, size_t cap) {
  struct timespec ts;
  struct tm tm;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0 || !gmtime_r(&ts.tv_sec, &tm)) return 0;
  size_t n = strftime(out, cap, "%Y-%m-%dT%H:%M:%S", &tm);
  if (n == 0) return 0;
  int m = snprintf(out + n, cap - n, ".%03ldZ ", ts.tv_nsec / 1000000L);
  return (m > 0 && (size_t)m < cap - n) ? n + (size_t)m : 0;
}

static void posix_log(void *ctx, ocf_log_level level, const char *module, const char *line) {
  const log_style *style = ctx;
  char text[OCF_POSIX_LOG_LINE_MAX];
  size_t n = 0;
  if (style && style->timestamps) n = format_timestamp(text, sizeof text);
  int m = snprintf(text + n, sizeof text - n, "%c %s: %s\n", level_letter(level), module ? module : "-",
                   line ? line : "");
  if (m < 0) return;
  size_t total = n + (size_t)m;
  if (total >= sizeof text) { /* cut, but keep the line ending */
    total = sizeof text - 1;
    text[total - 1] = '\n';
  }
  /* One write per line, so lines of processes sharing stderr do not interleave mid-line. */
  (void)fwrite(text, 1, total, stderr);
}

void ocf_posix_platform_init(ocf_platform *pf, ocf_log_level level, bool timestamps) {
  if (!pf) return;
  *pf = (ocf_platform){
      .ctx = (void *)(uintptr_t)(timestamps ? &k_stamped : &k_plain), /* never written through */
      .random = posix_random,
      .alloc = posix_alloc,
      .free = posix_free,
      .log = posix_log,
      .log_level = level,
  };
}

ocf_time_ms ocf_posix_now(void) {
  struct timespec ts;
  /* CLOCK_MONOTONIC cannot fail with a valid pointer on Linux. */
  (void)clock_gettime(CLOCK_MONOTONIC, &ts);
  return (ocf_time_ms)ts.tv_sec * 1000u + (ocf_time_ms)ts.tv_nsec / 1000000u;
}
