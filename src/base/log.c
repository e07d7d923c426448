#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>

void ocf_log(const ocf_platform *pf, ocf_log_level level, const char *module, const char *fmt, ...) {
  if (!pf || !pf->log || level > pf->log_level) return;
  char line[OCF_LOG_LINE_MAX];
  va_list ap;
  va_start(ap, fmt);
  (void)vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  pf->log(pf->ctx, level, module, line);
}
