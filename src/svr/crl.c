/* /oic/sec/crl: model, update rules, representation (digest 2.9). */
#include "svr/crl.h"

#include <string.h>

#include "svr/svr_util.h"

#define CRL_WRITABLE (SVR_ST(OCF_DOS_RFOTM) | SVR_ST(OCF_DOS_RFPRO) | SVR_ST(OCF_DOS_SRESET))

void ocf_svr_crl_clear(ocf_svr_crl *m) { memset(m, 0, sizeof *m); }

static bool set_crlid(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  ocf_err err = ocf_rep_get_int64(v, &((ocf_svr_crl *)model)->crlid);
  if (err == OCF_ERR_TYPE) return svr_fail(r, OCF_SVR_E_TYPE, "crlid", "not an integer");
  return err == OCF_OK || svr_fail(r, OCF_SVR_E_RANGE, "crlid", "out of range");
}

static bool set_thisupdate(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_cstr(v, ((ocf_svr_crl *)model)->thisupdate, OCF_SVR_CRL_TIME_MAX + 1, r);
}

static bool set_crldata(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  char *data = ((ocf_svr_crl *)model)->crldata;
  if (!svr_get_cstr(v, data, OCF_SVR_CRL_DATA_MAX + 1, r)) return false;
  uint8_t der[OCF_SVR_CRL_DATA_MAX];
  size_t len = strlen(data);
  if (len && svr_base64_decode((const uint8_t *)data, len, der, sizeof der) < 0)
    return svr_fail(r, OCF_SVR_E_RANGE, "crldata", "not base64");
  return true;
}

static const svr_prop CRL_PROPS[] = {
    {"crlid", {CRL_WRITABLE, SVR_CH_ANY}, OCF_SVR_CRL_CHG_CRLID, set_crlid},
    {"thisupdate", {CRL_WRITABLE, SVR_CH_ANY}, OCF_SVR_CRL_CHG_THISUPDATE, set_thisupdate},
    {"crldata", {CRL_WRITABLE, SVR_CH_ANY}, OCF_SVR_CRL_CHG_CRLDATA, set_crldata},
};

ocf_err ocf_svr_crl_decode_update(const ocf_svr_crl *cur, const ocf_rep_node *payload, const ocf_svr_ctx *ctx,
                                  ocf_svr_crl *out, ocf_svr_report *r) {
  svr_report_init(r);
  if (!cur || !ctx || !out || cur == out) return OCF_ERR_INVALID_ARG;
  memcpy(out, cur, sizeof *out);
  if (!svr_apply_props(CRL_PROPS, 3, out, payload, ctx, r)) return svr_report_err(r);
  return OCF_OK;
}

void ocf_svr_crl_encode(const ocf_svr_crl *m, unsigned flags, ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  svr_enc_baseline(e, flags, "oic.r.crl");
  ocf_rep_enc_kv_int(e, "crlid", m->crlid);
  ocf_rep_enc_kv_text(e, "thisupdate", m->thisupdate);
  ocf_rep_enc_kv_text(e, "crldata", m->crldata);
  ocf_rep_enc_map_close(e);
}
