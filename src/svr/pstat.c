/* /oic/sec/pstat: model, update rules, representation (digest 2.2, 3.2). */
#include "svr/pstat.h"

#include <string.h>

#include "svr/dos.h"
#include "svr/svr_util.h"

#define MODE_MAX 511u /* cm/tm bits up to OCF_PSTAT_DPM_NSA (pitfall 19) */

void ocf_svr_pstat_init(ocf_svr_pstat *m) {
  memset(m, 0, sizeof *m);
  ocf_svr_pstat_enter(m, OCF_DOS_RESET);
  ocf_svr_pstat_enter(m, OCF_DOS_RFOTM);
}

void ocf_svr_pstat_enter(ocf_svr_pstat *m, uint8_t state) {
  /* digest 2.2 "Values IoTivity-Lite holds in each state" */
  static const struct {
    uint8_t cm, tm;
    bool isop;
  } MODES[OCF_DOS_COUNT] = {
      [OCF_DOS_RESET] = {OCF_PSTAT_DPM_RESET, OCF_PSTAT_DPM_TAKE, false},
      [OCF_DOS_RFOTM] = {OCF_PSTAT_DPM_TAKE, 0, false},
      [OCF_DOS_RFPRO] = {0, 0, false},
      [OCF_DOS_RFNOP] = {0, 0, true},
      [OCF_DOS_SRESET] = {OCF_PSTAT_DPM_RESET, 0, false},
  };
  if (state >= OCF_DOS_COUNT) return;
  m->dos_s = state;
  m->dos_p = state == OCF_DOS_RESET; /* RESET is transient: it ends in RFOTM (3.5 step 4) */
  m->cm = MODES[state].cm;
  m->tm = MODES[state].tm;
  m->isop = MODES[state].isop;
  if (state == OCF_DOS_RESET) { /* digest 3.5 step 1 */
    m->om = OCF_PSTAT_OM_MULTI | OCF_PSTAT_OM_SINGLE;
    m->sm = OCF_PSTAT_OM_CLIENT;
    memset(&m->rowneruuid, 0, sizeof m->rowneruuid);
  }
}

/* --- setters --------------------------------------------------------------------------------- */

static bool set_dos_s(ocf_svr_pstat *m, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  uint64_t s;
  if (!svr_get_uint(v, OCF_DOS_SRESET, &s, r)) return false;
  if (ctx->source == OCF_SVR_FROM_STORE) {
    m->dos_s = (uint8_t)s;
    return true;
  }
  if (m->dos_p) return svr_fail(r, OCF_SVR_E_STATE, "s", "a state transition is pending");
  if (!ocf_dos_transition_allowed(m->dos_s, (uint8_t)s, OCF_DOS_BY_CLIENT))
    return svr_fail(r, OCF_SVR_E_TRANSITION, "s", "this state change is not allowed");
  m->dos_s = (uint8_t)s;
  m->dos_p = true;
  r->dos_requested = true;
  r->dos_target = (uint8_t)s;
  return true;
}

static bool in_dos(ocf_svr_report *r) { return svr_report_nest(r, "dos", SIZE_MAX); }

/* dos = {"s": uint 0..4 (required), "p": bool (read-only)} */
static bool set_dos(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  ocf_svr_pstat *m = model;
  if (!svr_need_map(v, r)) return false;
  const ocf_rep_node *s = NULL, *p = NULL;
  for (const ocf_rep_node *i = ocf_rep_first(v); i; i = ocf_rep_next(i)) {
    if (svr_key_is(i, "s")) {
      s = i;
    } else if (svr_key_is(i, "p")) {
      p = i;
    } else {
      (void)svr_fail_key(r, OCF_SVR_E_UNKNOWN_PROPERTY, i->key, "not a property of dos");
      return in_dos(r);
    }
  }
  if (p && ctx->source == OCF_SVR_FROM_CLIENT) { /* pitfall 19: dos.p in a POST -> 4.00 */
    (void)svr_fail(r, OCF_SVR_E_READ_ONLY, "p", "read-only property");
    return in_dos(r);
  }
  if (!s) {
    (void)svr_fail(r, OCF_SVR_E_MISSING, "s", "required");
    return in_dos(r);
  }
  if (!set_dos_s(m, s, ctx, r)) return in_dos(r);
  if (p && !svr_get_bool(p, &m->dos_p, r)) return in_dos(r);
  return true;
}

static bool set_mode(uint32_t *field, const ocf_rep_node *v, uint64_t min, uint64_t max, ocf_svr_report *r) {
  uint64_t x;
  if (!svr_get_uint(v, max, &x, r)) return false;
  if (x < min) return svr_fail_key(r, OCF_SVR_E_RANGE, v->key, "value out of range");
  *field = (uint32_t)x;
  return true;
}

static bool set_tm(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return set_mode(&((ocf_svr_pstat *)model)->tm, v, 0, MODE_MAX, r);
}

static bool set_cm(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return set_mode(&((ocf_svr_pstat *)model)->cm, v, 0, MODE_MAX, r);
}

/* SEC:pstat om 1..7; no subset-of-sm check (IoTivity-Lite holds om 3 with sm 4: pitfall 19) */
static bool set_om(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return set_mode(&((ocf_svr_pstat *)model)->om, v, 1, 7, r);
}

static bool set_sm(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return set_mode(&((ocf_svr_pstat *)model)->sm, v, 1, 7, r);
}

static bool set_isop(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_bool(v, &((ocf_svr_pstat *)model)->isop, r);
}

static bool set_rowneruuid(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_uuid(v, &((ocf_svr_pstat *)model)->rowneruuid, r);
}

static const svr_prop PSTAT_PROPS[] = {
    {"dos", {SVR_ST_ALL, SVR_CH_ANY}, OCF_SVR_PSTAT_CHG_DOS, set_dos},
    {"tm", {SVR_ST_ALL, SVR_CH_ANY}, OCF_SVR_PSTAT_CHG_TM, set_tm},
    {"om", {SVR_ST_ALL, SVR_CH_ANY}, OCF_SVR_PSTAT_CHG_OM, set_om},
    {"rowneruuid",
     {SVR_ST(OCF_DOS_RESET) | SVR_ST(OCF_DOS_RFOTM) | SVR_ST(OCF_DOS_SRESET), SVR_CH_ANY},
     OCF_SVR_PSTAT_CHG_ROWNERUUID,
     set_rowneruuid},
    {"isop", {0, SVR_CH_ANY}, OCF_SVR_PSTAT_CHG_ISOP, set_isop},
    {"cm", {0, SVR_CH_ANY}, OCF_SVR_PSTAT_CHG_CM, set_cm},
    {"sm", {0, SVR_CH_ANY}, OCF_SVR_PSTAT_CHG_SM, set_sm},
};

ocf_err ocf_svr_pstat_decode_update(const ocf_svr_pstat *cur, const ocf_rep_node *payload,
                                    const ocf_svr_ctx *ctx, ocf_svr_pstat *out, ocf_svr_report *r) {
  svr_report_init(r);
  if (!cur || !ctx || !out || cur == out) return OCF_ERR_INVALID_ARG;
  memcpy(out, cur, sizeof *out);
  if (!svr_apply_props(PSTAT_PROPS, sizeof PSTAT_PROPS / sizeof PSTAT_PROPS[0], out, payload, ctx, r))
    return svr_report_err(r);
  return OCF_OK;
}

void ocf_svr_pstat_encode(const ocf_svr_pstat *m, unsigned flags, ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  svr_enc_baseline(e, flags, "oic.r.pstat");
  ocf_rep_enc_kv_map_open(e, "dos");
  ocf_rep_enc_kv_int(e, "s", m->dos_s);
  ocf_rep_enc_kv_bool(e, "p", m->dos_p);
  ocf_rep_enc_map_close(e);
  ocf_rep_enc_kv_bool(e, "isop", m->isop);
  ocf_rep_enc_kv_int(e, "cm", m->cm);
  ocf_rep_enc_kv_int(e, "tm", m->tm);
  ocf_rep_enc_kv_int(e, "om", m->om);
  ocf_rep_enc_kv_int(e, "sm", m->sm);
  ocf_rep_enc_kv_uuid(e, "rowneruuid", &m->rowneruuid);
  ocf_rep_enc_map_close(e);
}
