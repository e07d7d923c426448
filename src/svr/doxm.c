/* /oic/sec/doxm: model, update rules, representation (digest 2.1). */
#include "svr/doxm.h"

#include <string.h>

#include "svr/svr_util.h"

#define SCT_MAX 511u /* SEC:doxm sct maximum */

ocf_err ocf_svr_doxm_init(ocf_svr_doxm *m, const uint32_t *oxms, size_t n_oxms, uint32_t sct,
                          const ocf_uuid *deviceuuid) {
  if (!m || !deviceuuid || n_oxms > OCF_SVR_MAX_OXMS || (n_oxms && !oxms) || sct > SCT_MAX)
    return OCF_ERR_INVALID_ARG;
  memset(m, 0, sizeof *m);
  if (n_oxms) memcpy(m->oxms, oxms, n_oxms * sizeof *oxms);
  m->n_oxms = (uint32_t)n_oxms;
  m->sct = sct;
  ocf_svr_doxm_reset(m, deviceuuid);
  return OCF_OK;
}

void ocf_svr_doxm_reset(ocf_svr_doxm *m, const ocf_uuid *new_deviceuuid) {
  m->oxmsel = OCF_OXM_SELF; /* Sec 3.5 step 2 as IoTivity-Lite does it (pitfall 18) */
  m->owned = false;
  m->deviceuuid = *new_deviceuuid;
  memset(&m->devowneruuid, 0, sizeof m->devowneruuid);
  memset(&m->rowneruuid, 0, sizeof m->rowneruuid);
}

/* --- setters --------------------------------------------------------------------------------- */

static bool set_oxms(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  ocf_svr_doxm *m = model;
  if (!svr_need_array(v, OCF_SVR_MAX_OXMS, r)) return false;
  uint32_t n = 0;
  for (const ocf_rep_node *i = ocf_rep_first(v); i; i = ocf_rep_next(i)) {
    uint64_t id;
    if (!svr_get_uint(i, UINT32_MAX, &id, r)) return svr_report_nest(r, "oxms", n);
    m->oxms[n++] = (uint32_t)id;
  }
  memset(m->oxms + n, 0, (OCF_SVR_MAX_OXMS - n) * sizeof m->oxms[0]);
  m->n_oxms = n;
  return true;
}

static bool set_oxmsel(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  ocf_svr_doxm *m = model;
  uint64_t sel;
  if (!svr_get_uint(v, UINT32_MAX, &sel, r)) return false;
  if (ctx->source == OCF_SVR_FROM_CLIENT) {
    bool offered = false;
    for (uint32_t i = 0; i < m->n_oxms; i++) offered |= m->oxms[i] == sel;
    /* digest 5.4: "value in oxms" */
    if (!offered) return svr_fail(r, OCF_SVR_E_RANGE, "oxmsel", "not one of the offered OTMs (oxms)");
  }
  m->oxmsel = (uint32_t)sel;
  return true;
}

static bool set_sct(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  uint64_t sct;
  if (!svr_get_uint(v, SCT_MAX, &sct, r)) return false;
  ((ocf_svr_doxm *)model)->sct = (uint32_t)sct;
  return true;
}

static bool set_owned(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_bool(v, &((ocf_svr_doxm *)model)->owned, r);
}

static bool set_deviceuuid(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  ocf_uuid u;
  if (!svr_get_uuid(v, &u, r)) return false;
  if (ctx->source == OCF_SVR_FROM_CLIENT && ocf_uuid_is_nil(&u))
    return svr_fail(r, OCF_SVR_E_RANGE, "deviceuuid", "the nil uuid cannot name a device");
  ((ocf_svr_doxm *)model)->deviceuuid = u;
  return true;
}

static bool set_devowneruuid(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_uuid(v, &((ocf_svr_doxm *)model)->devowneruuid, r);
}

static bool set_rowneruuid(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_uuid(v, &((ocf_svr_doxm *)model)->rowneruuid, r);
}

#define RFOTM_DOC                                                                                            \
  { SVR_ST(OCF_DOS_RFOTM), SVR_CH_DOC }
static const svr_prop DOXM_PROPS[] = {
    {"oxms", {0, SVR_CH_ANY}, OCF_SVR_DOXM_CHG_OXMS, set_oxms},
    {"sct", {0, SVR_CH_ANY}, OCF_SVR_DOXM_CHG_SCT, set_sct},
    /* digest 2.1 and pitfall 8: oxmsel is chosen over plain coap:// before the DTLS session */
    {"oxmsel", {SVR_ST(OCF_DOS_RFOTM), SVR_CH_NOT_DOC}, OCF_SVR_DOXM_CHG_OXMSEL, set_oxmsel},
    {"owned", RFOTM_DOC, OCF_SVR_DOXM_CHG_OWNED, set_owned},
    {"deviceuuid", RFOTM_DOC, OCF_SVR_DOXM_CHG_DEVICEUUID, set_deviceuuid},
    {"devowneruuid", RFOTM_DOC, OCF_SVR_DOXM_CHG_DEVOWNERUUID, set_devowneruuid},
    {"rowneruuid", RFOTM_DOC, OCF_SVR_DOXM_CHG_ROWNERUUID, set_rowneruuid},
};

ocf_err ocf_svr_doxm_decode_update(const ocf_svr_doxm *cur, const ocf_rep_node *payload,
                                   const ocf_svr_ctx *ctx, ocf_svr_doxm *out, ocf_svr_report *r) {
  svr_report_init(r);
  if (!cur || !ctx || !out || cur == out) return OCF_ERR_INVALID_ARG;
  memcpy(out, cur, sizeof *out);
  /* store order is not guaranteed: oxms may come after oxmsel, so oxmsel is checked by the
   * setter against the device's list only for clients */
  if (!svr_apply_props(DOXM_PROPS, sizeof DOXM_PROPS / sizeof DOXM_PROPS[0], out, payload, ctx, r))
    return svr_report_err(r);
  return OCF_OK;
}

void ocf_svr_doxm_encode(const ocf_svr_doxm *m, unsigned flags, ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  svr_enc_baseline(e, flags, "oic.r.doxm");
  ocf_rep_enc_kv_array_open(e, "oxms");
  for (uint32_t i = 0; i < m->n_oxms && i < OCF_SVR_MAX_OXMS; i++) ocf_rep_enc_uint(e, m->oxms[i]);
  ocf_rep_enc_array_close(e);
  ocf_rep_enc_kv_int(e, "oxmsel", m->oxmsel);
  ocf_rep_enc_kv_int(e, "sct", m->sct);
  ocf_rep_enc_kv_bool(e, "owned", m->owned);
  ocf_rep_enc_kv_uuid(e, "deviceuuid", &m->deviceuuid);
  ocf_rep_enc_kv_uuid(e, "devowneruuid", &m->devowneruuid);
  ocf_rep_enc_kv_uuid(e, "rowneruuid", &m->rowneruuid);
  ocf_rep_enc_map_close(e);
}

static bool equal_nocase(const char *a, size_t len, const char *lower) {
  if (strlen(lower) != len) return false;
  for (size_t i = 0; i < len; i++) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

ocf_err ocf_svr_doxm_owned_query(const ocf_svr_doxm *m, const char *value, size_t len, bool *matches) {
  if (!m || !matches || (!value && len)) return OCF_ERR_INVALID_ARG;
  bool want;
  if (equal_nocase(value, len, "true"))
    want = true;
  else if (equal_nocase(value, len, "false"))
    want = false;
  else
    return OCF_ERR_RANGE;
  *matches = want == m->owned;
  return OCF_OK;
}
