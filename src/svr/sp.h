/* /oic/sec/sp, rt oic.r.sp: security profiles (digest 2.5; SEC:sp).
 *
 * supportedprofiles and currentprofile are writable in RFOTM, RFPRO and SRESET (IoTivity-Lite
 * refuses a POST in RFNOP with 4.00). Every OID must be one of the four profiles below (RANGE
 * otherwise) and, after the whole payload is applied, currentprofile must be one of
 * supportedprofiles (RANGE). */
#ifndef OCF_SVR_SP_H
#define OCF_SVR_SP_H

#include "svr/svr.h"

typedef enum ocf_sp_profile {
  OCF_SP_BASELINE = 0, /* 1.3.6.1.4.1.51414.0.0.1.0 */
  OCF_SP_BLACK,        /* 1.3.6.1.4.1.51414.0.0.2.0 */
  OCF_SP_BLUE,         /* 1.3.6.1.4.1.51414.0.0.3.0 */
  OCF_SP_PURPLE,       /* 1.3.6.1.4.1.51414.0.0.4.0 */
  OCF_SP_COUNT,
} ocf_sp_profile;

typedef struct ocf_svr_sp {
  uint8_t supported; /* bit (1 << ocf_sp_profile) per supported profile */
  uint8_t current;   /* ocf_sp_profile */
} ocf_svr_sp;

enum {
  OCF_SVR_SP_CHG_SUPPORTED = 1u << 0,
  OCF_SVR_SP_CHG_CURRENT = 1u << 1,
};

/* The OID of a profile; NULL for anything else. */
const char *ocf_sp_profile_oid(uint8_t profile);

/* The manufacturer's default. OCF_ERR_INVALID_ARG when supported has bits beyond the four
 * profiles or does not contain current. */
OCF_NODISCARD ocf_err ocf_svr_sp_init(ocf_svr_sp *m, uint8_t supported, uint8_t current);

OCF_NODISCARD ocf_err ocf_svr_sp_decode_update(const ocf_svr_sp *cur, const ocf_rep_node *payload,
                                               const ocf_svr_ctx *ctx, ocf_svr_sp *out, ocf_svr_report *r);

/* supportedprofiles in the order of ocf_sp_profile, currentprofile. */
void ocf_svr_sp_encode(const ocf_svr_sp *m, unsigned flags, ocf_rep_enc *e);

#endif
