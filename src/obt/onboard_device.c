/* What an onboarding job starts from (<ocf/ocf_obt_onboard.h>): the OTM names, the choice of an
 * OTM under the domain's policy (OBT 5.3.3), and a device to claim made from a discovery result. */
#include <string.h>

#include "obt/onboard_internal.h"

/* --- OTM names and policy (OBT 5.3.3) ------------------------------------------------------- */

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

OCF_API ocf_err ocf_obt_onboard_device_from(const ocf_obt_device_info *info, ocf_obt_onboard_device *out) {
  if (!info || !out) return OCF_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  out->uuid = info->di;
  out->coap = info->from;
  out->coap.flags = 0;
  const ocf_endpoint *best = NULL;
  for (size_t i = 0; i < info->n_eps; i++) {
    const ocf_endpoint *ep = &info->eps[i];
    if (!(ep->flags & OCF_EP_SECURE) || ep->family != info->from.family) continue;
    bool same_addr = memcmp(ep->addr, info->from.addr, sizeof ep->addr) == 0;
    if (!best || same_addr) best = ep;
    if (same_addr) break;
  }
  if (!best) return OCF_ERR_NOT_FOUND;
  out->coaps = *best;
  memcpy(out->name, info->name, sizeof out->name);
  memcpy(out->type, info->device_type, sizeof out->type);
  out->name[sizeof out->name - 1] = out->type[sizeof out->type - 1] = '\0';
  /* S003 5.3.1 steps 1/3: the doxm?owned=FALSE answer is the doxm the unicast GET would read. */
  if (info->has_doxm && !info->owned && !info->conflict && ocf_uuid_is_nil(&info->devowneruuid) &&
      info->n_oxms <= OCF_OBT_MAX_OXMS) {
    out->has_doxm = true;
    memcpy(out->oxms, info->oxms, info->n_oxms * sizeof *info->oxms);
    out->n_oxms = info->n_oxms;
  }
  return OCF_OK;
}
