/* /oic/sec/csr: holding and encoding the device's CSR (digest 2.7). */
#include "svr/csr.h"

#include <string.h>

#include "svr/svr_util.h"

static const char *const ENCODINGS[] = {
    [OCF_CRED_ENC_PEM] = "oic.sec.encoding.pem", [OCF_CRED_ENC_DER] = "oic.sec.encoding.der"};

ocf_err ocf_svr_csr_set(ocf_svr_csr *m, uint8_t encoding, const uint8_t *data, size_t len) {
  if (!m || (encoding != OCF_CRED_ENC_PEM && encoding != OCF_CRED_ENC_DER) || (!data && len))
    return OCF_ERR_INVALID_ARG;
  if (len > OCF_SVR_CSR_MAX) return OCF_ERR_TOO_LARGE;
  memset(m, 0, sizeof *m);
  if (len) memcpy(m->data, data, len);
  m->len = (uint16_t)len;
  m->encoding = encoding;
  return OCF_OK;
}

typedef struct csr_dec {
  ocf_svr_csr *m;
  const ocf_rep_node *data;
} csr_dec;

static bool set_csr(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  ocf_bytes b;
  if (ocf_rep_get_text_or_bytes(v, &b, NULL) != OCF_OK)
    return svr_fail(r, OCF_SVR_E_TYPE, "csr", "not text or bytes");
  if (b.len > OCF_SVR_CSR_MAX) return svr_fail(r, OCF_SVR_E_TOO_LARGE, "csr", "longer than we keep");
  ((csr_dec *)d)->data = v;
  return true;
}

static bool set_encoding(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_enum(v, ENCODINGS, sizeof ENCODINGS / sizeof ENCODINGS[0], &((csr_dec *)d)->m->encoding, r);
}

ocf_err ocf_svr_csr_decode_update(const ocf_svr_csr *cur, const ocf_rep_node *payload, const ocf_svr_ctx *ctx,
                                  ocf_svr_csr *out, ocf_svr_report *r) {
  static const svr_prop PROPS[] = {{"csr", {0, SVR_CH_ANY}, 0, set_csr},
                                   {"encoding", {0, SVR_CH_ANY}, 0, set_encoding}};
  svr_report_init(r);
  if (!cur || !ctx || !out || cur == out) return OCF_ERR_INVALID_ARG;
  if (ctx->source == OCF_SVR_FROM_CLIENT) { /* SEC:csr has no POST */
    (void)svr_fail(r, OCF_SVR_E_METHOD, NULL, "the CSR is read-only");
    return svr_report_err(r);
  }
  memcpy(out, cur, sizeof *out);
  csr_dec d = {out, NULL};
  if (!svr_apply_props(PROPS, 2, &d, payload, ctx, r)) return svr_report_err(r);
  if (d.data) {
    bool text = d.data->type == OCF_REP_TEXT;
    if (text != (out->encoding == OCF_CRED_ENC_PEM)) {
      (void)svr_fail(r, OCF_SVR_E_TYPE, "csr", "PEM is text, DER bytes");
      return svr_report_err(r);
    }
    memset(out->data, 0, sizeof out->data);
    memcpy(out->data, d.data->u.str.ptr, d.data->u.str.len);
    out->len = (uint16_t)d.data->u.str.len;
  }
  return OCF_OK;
}

void ocf_svr_csr_encode(const ocf_svr_csr *m, unsigned flags, ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  svr_enc_baseline(e, flags, "oic.r.csr");
  if (m->encoding == OCF_CRED_ENC_PEM || m->encoding == OCF_CRED_ENC_DER) {
    ocf_rep_enc_key(e, "csr");
    if (m->encoding == OCF_CRED_ENC_PEM)
      ocf_rep_enc_text_n(e, (const char *)m->data, m->len);
    else
      ocf_rep_enc_bytes(e, m->data, m->len);
    ocf_rep_enc_kv_text(e, "encoding", ENCODINGS[m->encoding]);
  }
  ocf_rep_enc_map_close(e);
}
