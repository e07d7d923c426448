/* ocf-device's option values (args.h). */
#include "args.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* "jw,rdp,mfgcert" -> OTM numbers, each at most once. */
bool app_parse_otms(const char *list, uint32_t otms[OCF_DEVICE_MAX_OTMS], size_t *n_otms) {
  static const struct {
    const char *name;
    uint32_t otm;
  } k_otms[] = {{"jw", OCF_DEVICE_OTM_JUST_WORKS},
                {"rdp", OCF_DEVICE_OTM_RANDOM_PIN},
                {"mfgcert", OCF_DEVICE_OTM_MFG_CERT}};
  *n_otms = 0;
  const char *p = list;
  while (*p) {
    size_t len = strcspn(p, ",");
    bool found = false;
    for (size_t i = 0; i < sizeof k_otms / sizeof k_otms[0]; i++) {
      if (strlen(k_otms[i].name) != len || strncmp(p, k_otms[i].name, len) != 0) continue;
      for (size_t j = 0; j < *n_otms; j++)
        if (otms[j] == k_otms[i].otm) return false;
      otms[(*n_otms)++] = k_otms[i].otm;
      found = true;
    }
    if (!found) return false;
    p += len;
    if (*p == ',' && *++p == '\0') return false;
  }
  return *n_otms > 0;
}

bool app_parse_sct(const char *s, uint32_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || !end || *end || end == s || v > 511 || s[0] == '-') return false;
  *out = (uint32_t)v;
  return true;
}

bool app_parse_count(const char *s, size_t max, size_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || !end || *end || end == s || v < 1 || v > max || s[0] == '-') return false;
  *out = v;
  return true;
}

bool app_parse_level(const char *s, ocf_log_level *out) {
  static const char *const names[] = {"error", "warn", "info", "debug"};
  for (int i = 0; i < 4; i++) {
    if (strcmp(s, names[i]) == 0) {
      *out = (ocf_log_level)i;
      return true;
    }
  }
  return false;
}
