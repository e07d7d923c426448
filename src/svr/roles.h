/* /oic/sec/roles, rt oic.r.roles: role certificates a peer asserts (digest 2.8; SEC:roles).
 *
 * One model per (D)TLS session: the roles vanish with it and a GET shows only the requester's
 * (IoTivity-Lite). Entries are cred-shaped (ocf_svr_cred_entry_decode). POST rules:
 *  - each entry must be a role certificate: credtype 8, credusage oic.sec.cred.rolecert, with
 *    publicdata (RANGE / MISSING otherwise); subjectuuid may be absent (IoTivity-Lite clients
 *    omit it: digest 6.2), the device sets it to the peer's uuid;
 *  - a supplied credid is ignored and a fresh one drawn; an entry whose certificate is already
 *    asserted is not added again (2.04 either way).
 * Checking the certificate (its key equals the session's, its CN uuid the peer's, a parsable
 * role) is the device's with src/pki: this model does not parse X.509. */
#ifndef OCF_SVR_ROLES_H
#define OCF_SVR_ROLES_H

#include "svr/cred.h"

typedef struct ocf_svr_roles {
  uint32_t n;
  ocf_svr_cred_entry e[OCF_SVR_MAX_ROLES];
} ocf_svr_roles;

enum { OCF_SVR_ROLES_CHG_ROLES = 1u << 0 };

void ocf_svr_roles_clear(ocf_svr_roles *m);

OCF_NODISCARD ocf_err ocf_svr_roles_decode_update(const ocf_svr_roles *cur, const ocf_rep_node *payload,
                                                  const ocf_svr_ctx *ctx, ocf_svr_roles *out,
                                                  ocf_svr_report *r);

void ocf_svr_roles_encode(const ocf_svr_roles *m, unsigned flags, ocf_rep_enc *e);

/* DELETE /oic/sec/roles?credid=N (OCF_ERR_NOT_FOUND when unknown) or without a query. */
OCF_NODISCARD ocf_err ocf_svr_roles_delete_id(ocf_svr_roles *m, uint32_t credid, ocf_svr_report *r);
void ocf_svr_roles_delete_all(ocf_svr_roles *m);

#endif
