/* Lint sample: a well-formed public header. */
#ifndef OCF_GOOD_H
#define OCF_GOOD_H

#include "ocf_types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OCF_GOOD_MAX(a, b) ((a) > (b) ? (a) : (b))

typedef struct ocf_good {
  int a;
  void (*cb)(void *ctx);
} ocf_good;

enum ocf_good_flags { OCF_GOOD_A = 1, OCF_GOOD_B = 2 };

OCF_API OCF_NODISCARD ocf_err ocf_good_run(ocf_good *g, void (*done)(void *ctx, int status));
int ocf_good_sum(int a, int b) __attribute__((const));

static inline int ocf_good_twice(int v) {
  static const int factor = 2;
  return v * factor;
}

#ifdef __cplusplus
}
#endif
#endif
