/* Failures and the owned-doxm check shared by the CMS step functions (prov_fail.h). */
#include "obt/prov_fail.h"

#include <stdio.h>

#include "rep/rep.h"

const char obt_advice_bad_device[] =
    "the device's answer does not follow SEC:cred/doxm: check its firmware, or report it with the log (-v)";

ocf_obt_prov_next obt_prov_fail_with(ocf_obt_prov_failure *f, const char *stage, ocf_err err,
                                     const char *diag, const char *advice) {
  f->stage = stage;
  f->err = err;
  f->code = 0;
  snprintf(f->diagnostic, sizeof f->diagnostic, "%s", diag);
  f->advice = advice;
  return OCF_OBT_PROV_FAIL;
}

ocf_obt_prov_next obt_prov_fail_answer(ocf_obt_prov_failure *f, const char *stage,
                                       const ocf_obt_prov_response *rsp, const char *advice) {
  f->stage = stage;
  f->code = rsp->code;
  f->err = rsp->code == 401 || rsp->code == 403 ? OCF_ERR_DENIED
           : rsp->code == 404                   ? OCF_ERR_NOT_FOUND
           : rsp->code / 100 == 2               ? OCF_ERR_MALFORMED
                                                : OCF_ERR_STATE;
  f->advice = advice;
  if (rsp->code / 100 == 2) {
    snprintf(f->diagnostic, sizeof f->diagnostic, "unexpected answer %u.%02u", rsp->code / 100u,
             rsp->code % 100u);
    return OCF_OBT_PROV_FAIL;
  }
  size_t n = 0; /* RFC 7252 5.5.2: a diagnostic payload is text; the device's is untrusted */
  for (; rsp->payload && n < rsp->len && n + 1 < sizeof f->diagnostic; n++)
    f->diagnostic[n] = (rsp->payload[n] < 0x20 || rsp->payload[n] >= 0x7f) ? '?' : (char)rsp->payload[n];
  f->diagnostic[n] = '\0';
  return OCF_OBT_PROV_FAIL;
}

ocf_obt_prov_next obt_prov_check_owned_doxm(const ocf_obt_prov_response *rsp, const ocf_uuid *self,
                                            const char *advice_refused, uint32_t *sct,
                                            ocf_obt_prov_failure *f) {
  if (rsp->code != 205) return obt_prov_fail_answer(f, "read doxm", rsp, advice_refused);
  ocf_rep_node nodes[64];
  const ocf_rep_node *root = NULL;
  bool owned = false;
  ocf_uuid uuid;
  *sct = 0;
  if (ocf_rep_decode(rsp->payload, rsp->len, NULL, nodes, 64, &root) != OCF_OK || root->type != OCF_REP_MAP ||
      ocf_rep_get_uint32(ocf_rep_map_value(root, "sct"), sct) != OCF_OK || *sct > 511 ||
      ocf_rep_get_bool(ocf_rep_map_value(root, "owned"), &owned) != OCF_OK ||
      ocf_rep_get_uuid(ocf_rep_map_value(root, "deviceuuid"), &uuid) != OCF_OK)
    return obt_prov_fail_with(f, "read doxm", OCF_ERR_MALFORMED,
                              "the device's /oic/sec/doxm answer is malformed", obt_advice_bad_device);
  if (!owned || !ocf_uuid_equal(&uuid, self))
    return obt_prov_fail_with(
        f, "read doxm", OCF_ERR_STATE,
        !owned ? "the device says it is not owned" : "the device reports another uuid",
        "check the device (obt discover); it may have been reset: obt reset --forget-only "
        "UUID");
  return OCF_OBT_PROV_DONE;
}
