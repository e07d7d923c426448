/* What libocf asks of its host: time, randomness, memory and logging. One struct, passed to
 * every engine, so tests run deterministically with a fake clock and a seeded generator, and
 * one process may host many independent devices and tools. libocf keeps no global state. */
#ifndef OCF_PLATFORM_H
#define OCF_PLATFORM_H

#include "ocf_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Monotonic time in milliseconds; the origin is arbitrary. Engines never read a clock: the
 * caller passes `now` to every call. */
typedef uint64_t ocf_time_ms;

typedef enum ocf_log_level {
  OCF_LOG_ERROR = 0,
  OCF_LOG_WARN = 1,
  OCF_LOG_INFO = 2,
  OCF_LOG_DEBUG = 3,
} ocf_log_level;

typedef struct ocf_platform {
  void *ctx; /* handed back to every callback */
  /* Fills out[0..len) with cryptographically strong random bytes. */
  ocf_err (*random)(void *ctx, uint8_t *out, size_t len);
  /* malloc/free equivalents; may return NULL (tests fail the Nth allocation on purpose). */
  void *(*alloc)(void *ctx, size_t size);
  void (*free)(void *ctx, void *ptr);
  /* Receives one finished log line (no newline). May be NULL. Never receives secrets. */
  void (*log)(void *ctx, ocf_log_level level, const char *module, const char *line);
  ocf_log_level log_level; /* lines above this level are not formatted at all */
} ocf_platform;

#ifdef __cplusplus
}
#endif
#endif
