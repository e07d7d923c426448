/* /oic/sec/sp: model, update rules, representation (digest 2.5). */
#include "svr/sp.h"

#include <string.h>

#include "svr/svr_util.h"

#define SP_WRITABLE (SVR_ST(OCF_DOS_RFOTM) | SVR_ST(OCF_DOS_RFPRO) | SVR_ST(OCF_DOS_SRESET))
#define ALL_PROFILES ((uint8_t)((1u << OCF_SP_COUNT) - 1))

static const char *const OIDS[OCF_SP_COUNT] = {"1.3.6.1.4.1.51414.0.0.1.0", "1.3.6.1.4.1.51414.0.0.2.0",
                                               "1.3.6.1.4.1.51414.0.0.3.0", "1.3.6.1.4.1.51414.0.0.4.0"};

const char *ocf_sp_profile_oid(uint8_t profile) { return profile < OCF_SP_COUNT ? OIDS[profile] : NULL; }

ocf_err ocf_svr_sp_init(ocf_svr_sp *m, uint8_t supported, uint8_t current) {
  if (!m || (supported & ~ALL_PROFILES) || current >= OCF_SP_COUNT || !(supported & (1u << current)))
    return OCF_ERR_INVALID_ARG;
  memset(m, 0, sizeof *m);
  m->supported = supported;
  m->current = current;
  return OCF_OK;
}

static bool set_supported(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  if (!svr_need_array(v, OCF_SVR_MAX_PROFILES_IN, r)) return false;
  uint8_t bits = 0;
  size_t i = 0;
  for (const ocf_rep_node *item = ocf_rep_first(v); item; item = ocf_rep_next(item), i++) {
    uint8_t p;
    if (!svr_get_enum(item, OIDS, OCF_SP_COUNT, &p, r)) return svr_report_nest(r, "supportedprofiles", i);
    bits |= (uint8_t)(1u << p);
  }
  ((ocf_svr_sp *)model)->supported = bits;
  return true;
}

static bool set_current(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_enum(v, OIDS, OCF_SP_COUNT, &((ocf_svr_sp *)model)->current, r);
}

static const svr_prop SP_PROPS[] = {
    {"supportedprofiles", {SP_WRITABLE, SVR_CH_ANY}, OCF_SVR_SP_CHG_SUPPORTED, set_supported},
    {"currentprofile", {SP_WRITABLE, SVR_CH_ANY}, OCF_SVR_SP_CHG_CURRENT, set_current},
};

ocf_err ocf_svr_sp_decode_update(const ocf_svr_sp *cur, const ocf_rep_node *payload, const ocf_svr_ctx *ctx,
                                 ocf_svr_sp *out, ocf_svr_report *r) {
  svr_report_init(r);
  if (!cur || !ctx || !out || cur == out) return OCF_ERR_INVALID_ARG;
  memcpy(out, cur, sizeof *out);
  if (!svr_apply_props(SP_PROPS, sizeof SP_PROPS / sizeof SP_PROPS[0], out, payload, ctx, r))
    return svr_report_err(r);
  if (!(out->supported & (1u << out->current))) { /* digest 2.5 */
    (void)svr_fail(r, OCF_SVR_E_RANGE, "currentprofile", "not one of supportedprofiles");
    return svr_report_err(r);
  }
  return OCF_OK;
}

void ocf_svr_sp_encode(const ocf_svr_sp *m, unsigned flags, ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  svr_enc_baseline(e, flags, "oic.r.sp");
  ocf_rep_enc_kv_array_open(e, "supportedprofiles");
  for (uint8_t p = 0; p < OCF_SP_COUNT; p++)
    if (m->supported & (1u << p)) ocf_rep_enc_text(e, OIDS[p]);
  ocf_rep_enc_array_close(e);
  ocf_rep_enc_kv_text(e, "currentprofile", OIDS[m->current < OCF_SP_COUNT ? m->current : 0]);
  ocf_rep_enc_map_close(e);
}
