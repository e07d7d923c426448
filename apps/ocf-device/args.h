/* ocf-device's option values: each parser takes the text of one option and says whether it is
 * valid; main.c prints the usage error. */
#ifndef OCF_DEVICE_APP_ARGS_H
#define OCF_DEVICE_APP_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include <ocf/ocf_device.h>

/* "jw,rdp,mfgcert" -> OTM numbers (OCF_DEVICE_OTM_*), each at most once, at least one. */
bool app_parse_otms(const char *list, uint32_t otms[OCF_DEVICE_MAX_OTMS], size_t *n_otms);
/* doxm sct: a decimal number 0..511. */
bool app_parse_sct(const char *s, uint32_t *out);
/* A decimal count 1..max. */
bool app_parse_count(const char *s, size_t max, size_t *out);
/* error, warn, info, debug. */
bool app_parse_level(const char *s, ocf_log_level *out);

#endif
