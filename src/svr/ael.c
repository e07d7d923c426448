/* /oic/sec/ael: a bounded event log with writable filters (digest 2.10). */
#include "svr/ael.h"

#include <string.h>

#include "svr/svr_util.h"

void ocf_svr_ael_init(ocf_svr_ael *m) {
  memset(m, 0, sizeof *m);
  m->categoryfilter = 255;
  m->priorityfilter = 4;
}

bool ocf_svr_ael_add(ocf_svr_ael *m, uint8_t category, uint8_t priority, const char *aeid,
                     const char *timestamp, const char *message) {
  if (!m || !(category & m->categoryfilter) || priority > m->priorityfilter) return false;
  if (m->n == OCF_SVR_MAX_AEL_EVENTS) {
    memmove(&m->events[0], &m->events[1], (OCF_SVR_MAX_AEL_EVENTS - 1) * sizeof m->events[0]);
    m->n--;
  }
  ocf_svr_ael_event *ev = &m->events[m->n++];
  memset(ev, 0, sizeof *ev);
  ev->category = category;
  ev->priority = priority;
  svr_copy_cstr(ev->aeid, sizeof ev->aeid, aeid ? aeid : "");
  svr_copy_cstr(ev->timestamp, sizeof ev->timestamp, timestamp ? timestamp : "");
  svr_copy_cstr(ev->message, sizeof ev->message, message ? message : "");
  return true;
}

static bool set_categoryfilter(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx,
                               ocf_svr_report *r) {
  (void)ctx;
  uint64_t f;
  if (!svr_get_uint(v, 255, &f, r)) return false;
  ((ocf_svr_ael *)model)->categoryfilter = (uint8_t)f;
  return true;
}

static bool set_priorityfilter(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx,
                               ocf_svr_report *r) {
  (void)ctx;
  uint64_t f;
  if (!svr_get_uint(v, 4, &f, r)) return false;
  ((ocf_svr_ael *)model)->priorityfilter = (uint8_t)f;
  return true;
}

/* events, usedspace, maxspace, unit: read-only and not stored (the log is volatile) */
static bool ignore(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)model;
  (void)v;
  (void)ctx;
  (void)r;
  return true;
}

static const svr_prop AEL_PROPS[] = {
    {"categoryfilter", {SVR_ST_ALL, SVR_CH_ANY}, OCF_SVR_AEL_CHG_CATEGORYFILTER, set_categoryfilter},
    {"priorityfilter", {SVR_ST_ALL, SVR_CH_ANY}, OCF_SVR_AEL_CHG_PRIORITYFILTER, set_priorityfilter},
    {"events", {0, SVR_CH_ANY}, 0, ignore},
    {"usedspace", {0, SVR_CH_ANY}, 0, ignore},
    {"maxspace", {0, SVR_CH_ANY}, 0, ignore},
    {"unit", {0, SVR_CH_ANY}, 0, ignore},
};

ocf_err ocf_svr_ael_decode_update(const ocf_svr_ael *cur, const ocf_rep_node *payload, const ocf_svr_ctx *ctx,
                                  ocf_svr_ael *out, ocf_svr_report *r) {
  svr_report_init(r);
  if (!cur || !ctx || !out || cur == out) return OCF_ERR_INVALID_ARG;
  memcpy(out, cur, sizeof *out);
  if (!svr_apply_props(AEL_PROPS, sizeof AEL_PROPS / sizeof AEL_PROPS[0], out, payload, ctx, r))
    return svr_report_err(r);
  return OCF_OK;
}

static void enc_event(const ocf_svr_ael_event *ev, ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_text(e, "aeid", ev->aeid);
  ocf_rep_enc_kv_int(e, "category", ev->category);
  ocf_rep_enc_kv_int(e, "priority", ev->priority);
  ocf_rep_enc_kv_text(e, "timestamp", ev->timestamp);
  ocf_rep_enc_kv_text(e, "message", ev->message);
  ocf_rep_enc_kv_array_open(e, "auxiliaryinfo");
  for (uint8_t i = 0; i < ev->n_aux && i < OCF_SVR_AEL_AUX_MAX; i++) ocf_rep_enc_text(e, ev->aux[i]);
  ocf_rep_enc_array_close(e);
  ocf_rep_enc_map_close(e);
}

void ocf_svr_ael_encode(const ocf_svr_ael *m, unsigned flags, ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  svr_enc_baseline(e, flags, "oic.r.ael");
  if (!(flags & OCF_SVR_ENC_STORE)) {
    ocf_rep_enc_kv_array_open(e, "events");
    for (uint32_t i = 0; i < m->n && i < OCF_SVR_MAX_AEL_EVENTS; i++) enc_event(&m->events[i], e);
    ocf_rep_enc_array_close(e);
    ocf_rep_enc_kv_int(e, "usedspace", (int64_t)(m->n * sizeof m->events[0]));
    ocf_rep_enc_kv_int(e, "maxspace", (int64_t)sizeof m->events);
    ocf_rep_enc_kv_text(e, "unit", "Byte");
  }
  ocf_rep_enc_kv_int(e, "categoryfilter", m->categoryfilter);
  ocf_rep_enc_kv_int(e, "priorityfilter", m->priorityfilter);
  ocf_rep_enc_map_close(e);
}
