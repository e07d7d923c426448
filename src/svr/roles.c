/* /oic/sec/roles: asserted role certificates of one session (digest 2.8). */
#include "svr/roles.h"

#include <string.h>

#include "svr/svr_util.h"

void ocf_svr_roles_clear(ocf_svr_roles *m) { memset(m, 0, sizeof *m); }

static int index_of(const ocf_svr_roles *m, uint32_t credid) {
  for (uint32_t i = 0; i < m->n && i < OCF_SVR_MAX_ROLES; i++)
    if (m->e[i].credid == credid) return (int)i;
  return -1;
}

static bool id_in_use(const void *model, uint32_t id) { return index_of(model, id) >= 0; }

static bool check_role_cert(const ocf_svr_cred_entry *e, ocf_svr_report *r) {
  if (e->credtype != OCF_CREDTYPE_CERT)
    return svr_fail(r, OCF_SVR_E_RANGE, "credtype", "a role certificate is 8");
  if (e->credusage != OCF_CRED_USAGE_ROLECERT)
    return svr_fail(r, OCF_SVR_E_RANGE, "credusage", "oic.sec.cred.rolecert expected");
  if (!e->has_public || e->public_len == 0)
    return svr_fail(r, OCF_SVR_E_MISSING, "publicdata", "the certificate");
  return true;
}

static bool already_asserted(const ocf_svr_roles *m, const ocf_svr_cred_entry *e) {
  for (uint32_t i = 0; i < m->n; i++)
    if (m->e[i].public_len == e->public_len &&
        memcmp(m->e[i].public_data, e->public_data, e->public_len) == 0)
      return true;
  return false;
}

static bool add_role(ocf_svr_roles *m, ocf_svr_cred_entry *e, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  if (ctx->source == OCF_SVR_FROM_CLIENT) {
    if (!check_role_cert(e, r)) return false;
    if (already_asserted(m, e)) return true;
    e->credid = 0; /* supplied credids are ignored (digest 2.8) */
  }
  int at = e->credid ? index_of(m, e->credid) : -1;
  if (at >= 0) {
    memcpy(&m->e[at], e, sizeof *e);
    return true;
  }
  if (m->n >= OCF_SVR_MAX_ROLES) return svr_fail(r, OCF_SVR_E_FULL, NULL, "no room for another role");
  if (!e->credid && !svr_draw_id(ctx, id_in_use, m, &e->credid, r)) return false;
  memcpy(&m->e[m->n++], e, sizeof *e);
  return true;
}

static bool set_roles(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  if (!svr_need_array(v, OCF_SVR_MAX_ROLES, r)) return false;
  ocf_svr_cred_entry e;
  size_t i = 0;
  for (const ocf_rep_node *item = ocf_rep_first(v); item; item = ocf_rep_next(item), i++)
    if (!ocf_svr_cred_entry_decode(item, ctx, false, &e, r) || !add_role(model, &e, ctx, r))
      return svr_report_nest(r, "roles", i);
  return true;
}

ocf_err ocf_svr_roles_decode_update(const ocf_svr_roles *cur, const ocf_rep_node *payload,
                                    const ocf_svr_ctx *ctx, ocf_svr_roles *out, ocf_svr_report *r) {
  /* who may assert is access control's (digest 3.4 rule 8), not a state rule */
  static const svr_prop PROPS[] = {{"roles", {SVR_ST_ALL, SVR_CH_ANY}, OCF_SVR_ROLES_CHG_ROLES, set_roles}};
  svr_report_init(r);
  if (!cur || !ctx || !out || cur == out) return OCF_ERR_INVALID_ARG;
  memcpy(out, cur, sizeof *out);
  if (!svr_apply_props(PROPS, 1, out, payload, ctx, r)) return svr_report_err(r);
  return OCF_OK;
}

void ocf_svr_roles_encode(const ocf_svr_roles *m, unsigned flags, ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  svr_enc_baseline(e, flags, "oic.r.roles");
  ocf_rep_enc_kv_array_open(e, "roles");
  for (uint32_t i = 0; i < m->n && i < OCF_SVR_MAX_ROLES; i++) ocf_svr_cred_entry_encode(&m->e[i], flags, e);
  ocf_rep_enc_array_close(e);
  ocf_rep_enc_map_close(e);
}

ocf_err ocf_svr_roles_delete_id(ocf_svr_roles *m, uint32_t credid, ocf_svr_report *r) {
  if (!m || !r) return OCF_ERR_INVALID_ARG;
  svr_report_init(r);
  int at = credid ? index_of(m, credid) : -1;
  if (at < 0) {
    (void)svr_fail(r, OCF_SVR_E_NOT_FOUND, "credid", "no role with this credid");
    return OCF_ERR_NOT_FOUND;
  }
  memmove(&m->e[at], &m->e[at + 1], (m->n - (uint32_t)at - 1) * sizeof m->e[0]);
  m->n--;
  memset(&m->e[m->n], 0, sizeof m->e[0]);
  r->changed = OCF_SVR_ROLES_CHG_ROLES;
  return OCF_OK;
}

void ocf_svr_roles_delete_all(ocf_svr_roles *m) { memset(m, 0, sizeof *m); }
