/* /oic/sec/sdi, rt oic.r.sdi: security domain information (digest 2.6; SEC:sdi).
 *
 * uuid is writable in RFOTM only; name and priv in RFOTM, RFPRO and SRESET. A payload with
 * none of the three is refused (4.00, IoTivity-Lite); any subset is fine otherwise (pitfall 27:
 * the schema's update body requires name and priv, IoTivity-Lite does not). */
#ifndef OCF_SVR_SDI_H
#define OCF_SVR_SDI_H

#include "svr/svr.h"

typedef struct ocf_svr_sdi {
  ocf_uuid uuid;                       /* the security domain; nil = none */
  char name[OCF_SVR_SDI_NAME_MAX + 1]; /* human-readable domain name */
  bool priv;                           /* false: /oic/res baseline shows sduuid and sdname */
} ocf_svr_sdi;

enum {
  OCF_SVR_SDI_CHG_UUID = 1u << 0,
  OCF_SVR_SDI_CHG_NAME = 1u << 1,
  OCF_SVR_SDI_CHG_PRIV = 1u << 2,
};

/* No domain: uuid nil, name "", priv false (also RESET: digest 3.5 step 3). */
void ocf_svr_sdi_init(ocf_svr_sdi *m);

OCF_NODISCARD ocf_err ocf_svr_sdi_decode_update(const ocf_svr_sdi *cur, const ocf_rep_node *payload,
                                                const ocf_svr_ctx *ctx, ocf_svr_sdi *out, ocf_svr_report *r);

void ocf_svr_sdi_encode(const ocf_svr_sdi *m, unsigned flags, ocf_rep_enc *e);

#endif
