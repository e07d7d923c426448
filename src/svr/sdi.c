/* /oic/sec/sdi: model, update rules, representation (digest 2.6). */
#include "svr/sdi.h"

#include <string.h>

#include "svr/svr_util.h"

#define NAME_WRITABLE (SVR_ST(OCF_DOS_RFOTM) | SVR_ST(OCF_DOS_RFPRO) | SVR_ST(OCF_DOS_SRESET))

void ocf_svr_sdi_init(ocf_svr_sdi *m) { memset(m, 0, sizeof *m); }

static bool set_uuid(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_uuid(v, &((ocf_svr_sdi *)model)->uuid, r);
}

static bool set_name(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_cstr(v, ((ocf_svr_sdi *)model)->name, OCF_SVR_SDI_NAME_MAX + 1, r);
}

static bool set_priv(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_bool(v, &((ocf_svr_sdi *)model)->priv, r);
}

static const svr_prop SDI_PROPS[] = {
    {"uuid", {SVR_ST(OCF_DOS_RFOTM), SVR_CH_ANY}, OCF_SVR_SDI_CHG_UUID, set_uuid},
    {"name", {NAME_WRITABLE, SVR_CH_ANY}, OCF_SVR_SDI_CHG_NAME, set_name},
    {"priv", {NAME_WRITABLE, SVR_CH_ANY}, OCF_SVR_SDI_CHG_PRIV, set_priv},
};

ocf_err ocf_svr_sdi_decode_update(const ocf_svr_sdi *cur, const ocf_rep_node *payload, const ocf_svr_ctx *ctx,
                                  ocf_svr_sdi *out, ocf_svr_report *r) {
  svr_report_init(r);
  if (!cur || !ctx || !out || cur == out) return OCF_ERR_INVALID_ARG;
  memcpy(out, cur, sizeof *out);
  if (!svr_apply_props(SDI_PROPS, sizeof SDI_PROPS / sizeof SDI_PROPS[0], out, payload, ctx, r))
    return svr_report_err(r);
  if (r->changed == 0 && ctx->source == OCF_SVR_FROM_CLIENT) { /* digest 2.6 */
    (void)svr_fail(r, OCF_SVR_E_MISSING, NULL, "uuid, name or priv required");
    return svr_report_err(r);
  }
  return OCF_OK;
}

void ocf_svr_sdi_encode(const ocf_svr_sdi *m, unsigned flags, ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  svr_enc_baseline(e, flags, "oic.r.sdi");
  ocf_rep_enc_kv_uuid(e, "uuid", &m->uuid);
  ocf_rep_enc_kv_text(e, "name", m->name);
  ocf_rep_enc_kv_bool(e, "priv", m->priv);
  ocf_rep_enc_map_close(e);
}
