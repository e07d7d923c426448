/* What an onboarding job starts from (<ocf/ocf_obt_onboard.h>): a device to claim, made from a
 * discovery result (the OTM names and the policy's choice: otm_policy.c). */
#include <string.h>

#include "obt/onboard_internal.h"

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
