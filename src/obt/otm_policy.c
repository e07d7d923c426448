/* OTM names and the domain's OTM policy (OBT 5.3.3): which OTM the DOTS engine runs with a device
 * (<ocf/ocf_obt_onboard.h>; moved out of onboard.c, which holds the jobs). */
#include <string.h>

#include "obt/onboard_internal.h"

OCF_API const char *ocf_obt_otm_name(ocf_obt_otm otm) {
  switch (otm) {
  case OCF_OBT_OTM_JUST_WORKS: return "jw";
  case OCF_OBT_OTM_RANDOM_PIN: return "rdp";
  case OCF_OBT_OTM_MFG_CERT: return "mfgcert";
  default: return "?";
  }
}

OCF_API bool ocf_obt_otm_available(ocf_obt_otm otm) {
  return otm >= OCF_OBT_OTM_JUST_WORKS && otm <= OCF_OBT_OTM_MFG_CERT &&
         obt_otm_client_supported((ocf_oxm)otm);
}

static ocf_obt_otm otm_by_name(const char *s, size_t len) {
  for (int otm = OCF_OBT_OTM_JUST_WORKS; otm <= OCF_OBT_OTM_MFG_CERT; otm++) {
    const char *name = ocf_obt_otm_name((ocf_obt_otm)otm);
    if (strlen(name) == len && memcmp(name, s, len) == 0) return (ocf_obt_otm)otm;
  }
  return OCF_OBT_OTM_NONE;
}

ocf_obt_otm obt_otm_choose(const char *policy, const uint32_t *oxms, size_t n_oxms, bool mfg_ok) {
  if (!policy || !ocf_obt_otm_policy_valid(policy) || (!oxms && n_oxms)) return OCF_OBT_OTM_NONE;
  for (const char *p = policy; *p;) {
    size_t len = strcspn(p, ",");
    ocf_obt_otm otm = otm_by_name(p, len);
    if (otm == OCF_OBT_OTM_MFG_CERT && !mfg_ok) otm = OCF_OBT_OTM_NONE;
    for (size_t i = 0; i < n_oxms && otm != OCF_OBT_OTM_NONE; i++)
      if (oxms[i] == (uint32_t)otm && ocf_obt_otm_available(otm)) return otm;
    p += len + (p[len] == ',');
  }
  return OCF_OBT_OTM_NONE;
}

OCF_API ocf_obt_otm ocf_obt_otm_choose(const char *policy, const uint32_t *oxms, size_t n_oxms) {
  return obt_otm_choose(policy, oxms, n_oxms, true);
}
