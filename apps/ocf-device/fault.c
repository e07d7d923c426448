/* Fault injection for the crash tests (fault.h). */
#include "fault.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fault_handle(void *ctx, const ocf_endpoint *from, const uint8_t *data, size_t len,
                         ocf_time_ms now) {
  app_fault_engine *fe = ctx;
  app_fault *f = fe->fault;
  bool kill = (from->flags & OCF_EP_SECURE) && ++f->seen == f->at;
  if (kill && !f->after) raise(SIGKILL);
  ocf_engine e = ocf_device_engine(fe->dev);
  e.ops->handle_datagram(e.ctx, from, data, len, now);
  if (kill) raise(SIGKILL);
}
static size_t fault_next(void *ctx, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  ocf_engine e = ocf_device_engine(((app_fault_engine *)ctx)->dev);
  return e.ops->next_datagram(e.ctx, to, buf, cap);
}
static ocf_time_ms fault_timeout(void *ctx) {
  ocf_engine e = ocf_device_engine(((app_fault_engine *)ctx)->dev);
  return e.ops->next_timeout(e.ctx);
}
static void fault_on_timeout(void *ctx, ocf_time_ms now) {
  ocf_engine e = ocf_device_engine(((app_fault_engine *)ctx)->dev);
  e.ops->on_timeout(e.ctx, now);
}
static const ocf_engine_ops k_fault_ops = {fault_handle, fault_next, fault_timeout, fault_on_timeout};

ocf_engine app_fault_engine_of(app_fault_engine *fe) { return (ocf_engine){&k_fault_ops, fe}; }

int app_fault_parse(app_fault *f) {
  const char *s = getenv("OCF_DEVICE_FAULT_KILL_AT");
  if (!s || !*s) return 0;
  char *end;
  errno = 0;
  unsigned long n = strtoul(s, &end, 10);
  bool after = strcmp(end, ":after") == 0;
  if (errno || n == 0 || end == s || (*end && !after)) {
    fprintf(stderr, "ocf-device: OCF_DEVICE_FAULT_KILL_AT: expected N or N:after, got '%s'\n", s);
    return 2;
  }
  *f = (app_fault){.at = n, .after = after};
  fprintf(stderr, "ocf-device: fault injection: SIGKILL at secure datagram %lu (%s handling it)\n", n,
          after ? "after" : "before");
  return 0;
}
