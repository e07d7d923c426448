/* Deterministic platform for tests: seeded xorshift64*, counting allocator with failure
 * injection, log capture. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

/* Every block carries its size in front, so live_bytes can be tracked. */
typedef struct alloc_header {
  size_t size;
  size_t pad; /* keeps the payload 16-byte aligned */
} alloc_header;

uint64_t ocf_sim_rand64(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1Dull;
}

static ocf_err sim_random(void *ctx, uint8_t *out, size_t len) {
  ocf_sim_platform *sp = ctx;
  if (sp->random_fails) return OCF_ERR_CRYPTO;
  for (size_t i = 0; i < len; i += 8) {
    uint64_t r = ocf_sim_rand64(&sp->rng);
    size_t n = len - i < 8 ? len - i : 8;
    memcpy(out + i, &r, n);
  }
  return OCF_OK;
}

static void *sim_alloc(void *ctx, size_t size) {
  ocf_sim_platform *sp = ctx;
  sp->attempts++;
  if (sp->fail_at && (sp->attempts == sp->fail_at || (sp->fail_after && sp->attempts > sp->fail_at))) {
    sp->failures++;
    return NULL;
  }
  alloc_header *h = malloc(sizeof *h + (size ? size : 1));
  if (!h) return NULL;
  h->size = size;
  sp->allocs++;
  sp->live++;
  sp->live_bytes += size;
  if (sp->live_bytes > sp->peak_bytes) sp->peak_bytes = sp->live_bytes;
  return h + 1;
}

static void sim_free(void *ctx, void *ptr) {
  ocf_sim_platform *sp = ctx;
  if (!ptr) return;
  alloc_header *h = (alloc_header *)ptr - 1;
  sp->frees++;
  sp->live--;
  sp->live_bytes -= h->size;
  free(h);
}

/* The test's tap (ocf_sim_set_log_tap): process-wide state is fine in the test harness. */
static ocf_sim_log_tap g_log_tap;
static void *g_log_tap_user;

void ocf_sim_set_log_tap(ocf_sim_log_tap tap, void *user) {
  g_log_tap = tap;
  g_log_tap_user = user;
}

static void sim_log(void *ctx, ocf_log_level level, const char *module, const char *line) {
  ocf_sim_platform *sp = ctx;
  snprintf(sp->last_log, sizeof sp->last_log, "%s: %s", module, line);
  if (g_log_tap) g_log_tap(g_log_tap_user, level, module, line);
  if (!sp->quiet && level <= OCF_LOG_WARN) fprintf(stderr, "[%s] %s\n", module, line);
}

void ocf_sim_platform_init(ocf_sim_platform *sp, uint64_t seed) {
  memset(sp, 0, sizeof *sp);
  sp->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
  sp->pf.ctx = sp;
  sp->pf.random = sim_random;
  sp->pf.alloc = sim_alloc;
  sp->pf.free = sim_free;
  sp->pf.log = sim_log;
  sp->pf.log_level = OCF_LOG_DEBUG;
}

void ocf_sim_fail_alloc(ocf_sim_platform *sp, size_t nth, bool and_after) {
  sp->fail_at = nth ? sp->attempts + nth : 0;
  sp->fail_after = and_after;
}
