/* Formatting front end of the platform's log callback. Lines are bounded (longer ones are
 * cut); nothing is formatted when the level is filtered out. Never pass secrets. */
#ifndef OCF_BASE_LOG_H
#define OCF_BASE_LOG_H

#include <ocf/ocf_platform.h>

#define OCF_LOG_LINE_MAX 256

void ocf_log(const ocf_platform *pf, ocf_log_level level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
