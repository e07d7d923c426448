/* What the CMS step functions (cms_pair.c, oscore.c) share: failures that carry the device's
 * answer, and the check of an owned device's doxm read over the owner session. */
#ifndef OCF_OBT_PROV_FAIL_H
#define OCF_OBT_PROV_FAIL_H

#include <ocf/ocf_obt_prov.h>

extern const char obt_advice_bad_device[];

/* Sets f (stage, err, no code, diag copied, advice) and returns OCF_OBT_PROV_FAIL. */
ocf_obt_prov_next obt_prov_fail_with(ocf_obt_prov_failure *f, const char *stage, ocf_err err,
                                     const char *diag, const char *advice);
/* A failure carrying the device's code and its diagnostic payload made printable (a 2.xx that
 * was not the one expected: "unexpected answer 2.xx", OCF_ERR_MALFORMED). */
ocf_obt_prov_next obt_prov_fail_answer(ocf_obt_prov_failure *f, const char *stage,
                                       const ocf_obt_prov_response *rsp, const char *advice);
/* Digest §3.3, §2.1: the doxm of an owned device, read over the owner session, must say owned
 * and name self; *sct gets its credential types (credtype bits). OCF_OBT_PROV_DONE when it does;
 * otherwise the failure (advice_refused when the device did not answer 2.05). */
ocf_obt_prov_next obt_prov_check_owned_doxm(const ocf_obt_prov_response *rsp, const ocf_uuid *self,
                                            const char *advice_refused, uint32_t *sct,
                                            ocf_obt_prov_failure *f);

#endif
