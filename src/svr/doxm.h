/* /oic/sec/doxm, rt oic.r.doxm: ownership (digest 2.1; SEC:doxm).
 *
 * Who may write what (digest 2.1, 5.4, pitfalls 8 and 16):
 *   oxmsel                                      RFOTM, only OUTSIDE the DOC; must be in oxms
 *   owned, deviceuuid, devowneruuid, rowneruuid RFOTM, only OVER the DOC
 *   oxms, sct, rt, if, n, id                    never (4.00)
 * S003 Table 1 lists doxm as writable in SRESET too, but IoTivity-Lite still demands the DOC
 * there, so it is not writable in SRESET; we do the same. */
#ifndef OCF_SVR_DOXM_H
#define OCF_SVR_DOXM_H

#include "base/oxm.h"
#include "svr/svr.h"

struct ocf_svr_doxm {
  uint32_t oxms[OCF_SVR_MAX_OXMS]; /* supported OTMs (the device's own list) */
  uint32_t n_oxms;
  uint32_t oxmsel; /* selected OTM */
  uint32_t sct;    /* supported credential types, credtype bits (0..511) */
  bool owned;
  ocf_uuid deviceuuid;   /* equals /oic/d di (digest 1.5) */
  ocf_uuid devowneruuid; /* the owning DOTS */
  ocf_uuid rowneruuid;   /* resource owner of doxm */
};

/* report.changed bits */
enum {
  OCF_SVR_DOXM_CHG_OXMSEL = 1u << 0, /* a write of 1 is when a device shows a new PIN (2.1) */
  OCF_SVR_DOXM_CHG_OWNED = 1u << 1,
  OCF_SVR_DOXM_CHG_DEVICEUUID = 1u << 2, /* the device must update /oic/d di */
  OCF_SVR_DOXM_CHG_DEVOWNERUUID = 1u << 3,
  OCF_SVR_DOXM_CHG_ROWNERUUID = 1u << 4,
  OCF_SVR_DOXM_CHG_OXMS = 1u << 5, /* store only */
  OCF_SVR_DOXM_CHG_SCT = 1u << 6,  /* store only */
};

/* A fresh, unowned doxm as after RESET (digest 3.5 step 2): oxmsel = OCF_OXM_SELF, owned false,
 * devowneruuid and rowneruuid nil. OCF_ERR_INVALID_ARG when n_oxms > OCF_SVR_MAX_OXMS or
 * sct > 511. */
OCF_NODISCARD ocf_err ocf_svr_doxm_init(ocf_svr_doxm *m, const uint32_t *oxms, size_t n_oxms, uint32_t sct,
                                        const ocf_uuid *deviceuuid);
/* RESET (digest 3.5 step 2): the values of init with a new temporary deviceuuid; oxms and sct
 * are the device's and stay. */
void ocf_svr_doxm_reset(ocf_svr_doxm *m, const ocf_uuid *new_deviceuuid);

/* POST /oic/sec/doxm (see the top of this file and svr.h). Beyond the access rules: oxmsel
 * must be one of oxms (RANGE), deviceuuid must not be nil (RANGE). */
OCF_NODISCARD ocf_err ocf_svr_doxm_decode_update(const ocf_svr_doxm *cur, const ocf_rep_node *payload,
                                                 const ocf_svr_ctx *ctx, ocf_svr_doxm *out,
                                                 ocf_svr_report *r);

/* GET representation (all of SEC:doxm's required properties). */
void ocf_svr_doxm_encode(const ocf_svr_doxm *m, unsigned flags, ocf_rep_enc *e);

/* The "owned" query of a doxm GET (S001 7.3.1; digest 1.6, 1.7, pitfall 21): value compared
 * ignoring case. *matches tells whether the device's owned flag equals it. OCF_ERR_RANGE when
 * the value is neither true nor false (a unicast request answers 4.00, a multicast one
 * nothing). */
OCF_NODISCARD ocf_err ocf_svr_doxm_owned_query(const ocf_svr_doxm *m, const char *value, size_t len,
                                               bool *matches);

#endif
