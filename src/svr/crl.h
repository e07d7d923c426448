/* /oic/sec/crl, rt oic.r.crl: the certificate revocation list a CMS provisions (digest 2.9, 6.7;
 * SEC:crl). Neither reference implementation has it, so beyond the schema everything is our
 * choice (UNCONFIRMED, digest 11.11): writable where credentials are (RFOTM, RFPRO, SRESET);
 * any subset of crlid / thisupdate / crldata in a POST; crldata must be base64 (RFC 4648 4). */
#ifndef OCF_SVR_CRL_H
#define OCF_SVR_CRL_H

#include "svr/svr.h"

typedef struct ocf_svr_crl {
  int64_t crlid;
  char thisupdate[OCF_SVR_CRL_TIME_MAX + 1]; /* UTC time text as sent */
  char crldata[OCF_SVR_CRL_DATA_MAX + 1];    /* base64 of the DER CRL; "" = none */
} ocf_svr_crl;

enum {
  OCF_SVR_CRL_CHG_CRLID = 1u << 0,
  OCF_SVR_CRL_CHG_THISUPDATE = 1u << 1,
  OCF_SVR_CRL_CHG_CRLDATA = 1u << 2,
};

void ocf_svr_crl_clear(ocf_svr_crl *m);

OCF_NODISCARD ocf_err ocf_svr_crl_decode_update(const ocf_svr_crl *cur, const ocf_rep_node *payload,
                                                const ocf_svr_ctx *ctx, ocf_svr_crl *out, ocf_svr_report *r);

/* crlid, thisupdate, crldata: all three, as SEC:crl requires in a GET */
void ocf_svr_crl_encode(const ocf_svr_crl *m, unsigned flags, ocf_rep_enc *e);

#endif
