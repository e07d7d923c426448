/* /oic/sec/acl2: ACE decoding and checks, POST merging, DELETE (digest 2.4, 7.1, 7.2). */
#include "svr/acl2.h"

#include <stddef.h>
#include <string.h>

#include "svr/svr_util.h"

#define ACL_WRITABLE (SVR_ST(OCF_DOS_RFOTM) | SVR_ST(OCF_DOS_RFPRO) | SVR_ST(OCF_DOS_SRESET))
#define ROWNER_WRITABLE (SVR_ST(OCF_DOS_RFOTM) | SVR_ST(OCF_DOS_SRESET))
#define COUNT(a) (sizeof a / sizeof a[0])
#define ANY                                                                                                  \
  { SVR_ST_ALL, SVR_CH_ANY }

static const char *const WILDCARDS[] = {NULL, "*", "+", "-"};        /* ocf_ace_wildcard order */
static const char *const CONNTYPES[] = {"anon-clear", "auth-crypt"}; /* ocf_conntype order */

void ocf_svr_acl2_clear(ocf_svr_acl2 *m) { memset(m, 0, sizeof *m); }

/* --- subject: exactly one of {uuid}, {role, authority?}, {conntype} ----------------------------- */

typedef struct subject_dec {
  ocf_svr_ace *a;
  bool uuid, role, authority, conntype;
} subject_dec;

static bool set_s_uuid(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  ((subject_dec *)d)->uuid = true;
  return svr_get_uuid(v, &((subject_dec *)d)->a->uuid, r); /* trailing NUL tolerated: pitfall 2 */
}

static bool set_s_role(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  ((subject_dec *)d)->role = true;
  return svr_get_cstr(v, ((subject_dec *)d)->a->role, OCF_SVR_ROLE_MAX + 1, r);
}

static bool set_s_authority(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  ((subject_dec *)d)->authority = true;
  return svr_get_cstr(v, ((subject_dec *)d)->a->authority, OCF_SVR_AUTHORITY_MAX + 1, r);
}

static bool set_s_conntype(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  ((subject_dec *)d)->conntype = true;
  return svr_get_enum(v, CONNTYPES, COUNT(CONNTYPES), &((subject_dec *)d)->a->conntype, r);
}

static bool check_subject(const subject_dec *s, ocf_svr_ace *a, ocf_svr_report *r) {
  int forms = (int)s->uuid + (int)s->role + (int)s->conntype;
  if (forms == 0)
    return svr_fail(r, OCF_SVR_E_MISSING, s->authority ? "role" : NULL, "uuid, role or conntype required");
  if (forms > 1 || (s->authority && !s->role))
    return svr_fail(r, OCF_SVR_E_CONFLICT, NULL, "exactly one subject form (digest 2.4)");
  a->subject_kind = s->uuid   ? OCF_ACE_SUBJECT_UUID
                    : s->role ? OCF_ACE_SUBJECT_ROLE
                              : OCF_ACE_SUBJECT_CONNTYPE;
  return true;
}

/* --- resources --------------------------------------------------------------------------------- */

typedef struct res_dec {
  ocf_svr_ace_resource *res;
  bool href, wc;
} res_dec;

static bool set_r_href(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  res_dec *rd = d;
  rd->href = true;
  if (!svr_get_cstr(v, rd->res->href, sizeof rd->res->href, r)) return false;
  /* digest 7.2: an absolute path, compared exactly with the request's */
  return rd->res->href[0] == '/' || svr_fail(r, OCF_SVR_E_RANGE, "href", "not an absolute path");
}

static bool set_r_wc(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  ((res_dec *)d)->wc = true;
  return svr_get_enum(v, WILDCARDS, COUNT(WILDCARDS), &((res_dec *)d)->res->wc, r);
}

/* accepted and ignored (plgd sends "if":["*"]: digest 2.4), but it must be a list of text */
static bool set_r_if(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)d;
  (void)ctx;
  ocf_rep_str tmp[OCF_REP_MAX_TYPES];
  size_t n;
  ocf_err err = ocf_rep_get_str_array(v, tmp, OCF_REP_MAX_TYPES, &n);
  if (err == OCF_ERR_TOO_LARGE) return svr_fail(r, OCF_SVR_E_TOO_LARGE, "if", "more items than we accept");
  return err == OCF_OK || svr_fail(r, OCF_SVR_E_TYPE, "if", "not an array of text");
}

static bool decode_resource(const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_ace_resource *res,
                            ocf_svr_report *r) {
  static const svr_prop FIELDS[] = {
      {"href", ANY, 0, set_r_href}, {"wc", ANY, 0, set_r_wc}, {"if", ANY, 0, set_r_if}};
  res_dec rd = {.res = res};
  if (!svr_apply_fields(FIELDS, COUNT(FIELDS), &rd, v, ctx, r)) return false;
  if (rd.href && rd.wc) return svr_fail(r, OCF_SVR_E_CONFLICT, NULL, "href and wc exclude each other");
  if (!rd.href && !rd.wc) return svr_fail(r, OCF_SVR_E_MISSING, "href", "href or wc required");
  return true;
}

/* --- validity [{period (required), recurrence}] ----------------------------------------------- */

static bool set_v_period(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  ocf_svr_ace_validity *val = d;
  if (!svr_get_cstr(v, val->period, sizeof val->period, r)) return false;
  if (!svr_period_parse(val->period, strlen(val->period), &val->start, &val->end))
    return svr_fail(r, OCF_SVR_E_RANGE, "period", "not an RFC 5545 UTC period");
  return true;
}

static bool set_v_recurrence(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)d;
  (void)ctx;
  /* SEC:acl2 says an array of text, plgd sends one text (pitfall 13); empty means none */
  if (v->type == OCF_REP_TEXT && v->u.str.len == 0) return true;
  if (v->type == OCF_REP_ARRAY && v->count == 0) return true;
  if (v->type != OCF_REP_TEXT && v->type != OCF_REP_ARRAY)
    return svr_fail(r, OCF_SVR_E_TYPE, "recurrence", "not text or an array of text");
  return svr_fail(r, OCF_SVR_E_UNSUPPORTED, "recurrence", "recurrence rules are not supported");
}

static bool decode_validity(const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_ace_validity *val,
                            ocf_svr_report *r) {
  static const svr_prop FIELDS[] = {{"period", ANY, 0, set_v_period},
                                    {"recurrence", ANY, 0, set_v_recurrence}};
  if (!svr_apply_fields(FIELDS, COUNT(FIELDS), val, v, ctx, r)) return false;
  return val->period[0] != '\0' || svr_fail(r, OCF_SVR_E_MISSING, "period", "required");
}

/* --- the ACE ----------------------------------------------------------------------------------- */

typedef struct ace_dec {
  ocf_svr_ace *a;
  bool subject, resources, permission;
} ace_dec;

static bool set_aceid(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  uint64_t id;
  if (!svr_get_uint(v, 0x7fffffffu, &id, r)) return false;
  if (id == 0) return svr_fail(r, OCF_SVR_E_RANGE, "aceid", "SEC:acl2 aceid minimum is 1");
  ((ace_dec *)d)->a->aceid = (uint32_t)id;
  return true;
}

static bool set_subject(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  static const svr_prop FIELDS[] = {{"uuid", ANY, 0, set_s_uuid},
                                    {"role", ANY, 0, set_s_role},
                                    {"authority", ANY, 0, set_s_authority},
                                    {"conntype", ANY, 0, set_s_conntype}};
  subject_dec s = {.a = ((ace_dec *)d)->a};
  ((ace_dec *)d)->subject = true;
  if (!svr_apply_fields(FIELDS, COUNT(FIELDS), &s, v, ctx, r) || !check_subject(&s, s.a, r))
    return svr_report_nest(r, "subject", SIZE_MAX);
  return true;
}

static bool set_resources(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  ocf_svr_ace *a = ((ace_dec *)d)->a;
  ((ace_dec *)d)->resources = true;
  if (!svr_need_array(v, OCF_SVR_MAX_ACE_RESOURCES, r)) return false;
  uint32_t i = 0;
  for (const ocf_rep_node *item = ocf_rep_first(v); item; item = ocf_rep_next(item), i++)
    if (!decode_resource(item, ctx, &a->resources[i], r)) return svr_report_nest(r, "resources", i);
  a->n_resources = i;
  return true;
}

static bool set_permission(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  uint64_t p;
  ((ace_dec *)d)->permission = true;
  if (!svr_get_uint(v, OCF_PERM_ALL, &p, r)) return false;
  ((ace_dec *)d)->a->permission = (uint8_t)p;
  return true;
}

static bool set_validity(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  ocf_svr_ace *a = ((ace_dec *)d)->a;
  if (!svr_need_array(v, OCF_SVR_MAX_VALIDITY, r)) return false;
  uint32_t i = 0;
  for (const ocf_rep_node *item = ocf_rep_first(v); item; item = ocf_rep_next(item), i++)
    if (!decode_validity(item, ctx, &a->validity[i], r)) return svr_report_nest(r, "validity", i);
  a->n_validity = i;
  return true;
}

static bool set_tag(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_cstr(v, ((ace_dec *)d)->a->tag, OCF_SVR_TAG_MAX + 1, r);
}

static bool decode_ace(const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_ace *a, ocf_svr_report *r) {
  static const svr_prop FIELDS[] = {
      {"aceid", ANY, 0, set_aceid},         {"subject", ANY, 0, set_subject},
      {"resources", ANY, 0, set_resources}, {"permission", ANY, 0, set_permission},
      {"validity", ANY, 0, set_validity},   {"tag", ANY, 0, set_tag},
  };
  memset(a, 0, sizeof *a);
  ace_dec dec = {.a = a};
  if (!svr_apply_fields(FIELDS, COUNT(FIELDS), &dec, v, ctx, r)) return false;
  if (!dec.subject) return svr_fail(r, OCF_SVR_E_MISSING, "subject", "required");
  if (!dec.resources) return svr_fail(r, OCF_SVR_E_MISSING, "resources", "required");
  if (!dec.permission) return svr_fail(r, OCF_SVR_E_MISSING, "permission", "required");
  return true;
}

/* --- the list ---------------------------------------------------------------------------------- */

static int index_of(const ocf_svr_acl2 *m, uint32_t aceid) {
  for (uint32_t i = 0; i < m->n && i < OCF_SVR_MAX_ACES; i++)
    if (m->ace[i].aceid == aceid) return (int)i;
  return -1;
}

static bool id_in_use(const void *model, uint32_t id) { return index_of(model, id) >= 0; }

static bool same_ace(const ocf_svr_ace *a, const ocf_svr_ace *b) {
  size_t from = offsetof(ocf_svr_ace, subject_kind); /* everything but aceid; zeroed padding */
  return memcmp((const uint8_t *)a + from, (const uint8_t *)b + from, sizeof *a - from) == 0;
}

static bool merge_ace(ocf_svr_acl2 *m, ocf_svr_ace *a, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  int at = a->aceid ? index_of(m, a->aceid) : -1;
  if (at >= 0) { /* SEC:acl2 / digest 2.4: an existing aceid is replaced */
    memcpy(&m->ace[at], a, sizeof *a);
    return true;
  }
  if (ctx->source == OCF_SVR_FROM_CLIENT && !a->aceid)
    for (uint32_t i = 0; i < m->n; i++)
      if (same_ace(&m->ace[i], a)) return true;
  if (m->n >= OCF_SVR_MAX_ACES) return svr_fail(r, OCF_SVR_E_FULL, NULL, "no room for another ACE");
  if (!a->aceid && !svr_draw_id(ctx, id_in_use, m, &a->aceid, r)) return false;
  memcpy(&m->ace[m->n++], a, sizeof *a);
  return true;
}

static bool set_aclist2(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  ocf_svr_acl2 *m = model;
  if (v->type == OCF_REP_NULL) return true; /* plgd's empty list (pitfall 20) */
  if (!svr_need_array(v, OCF_SVR_MAX_ACES, r)) return false;
  ocf_svr_ace a;
  size_t i = 0;
  for (const ocf_rep_node *item = ocf_rep_first(v); item; item = ocf_rep_next(item), i++)
    if (!decode_ace(item, ctx, &a, r) || !merge_ace(m, &a, ctx, r)) return svr_report_nest(r, "aclist2", i);
  return true;
}

static bool set_rowneruuid(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_uuid(v, &((ocf_svr_acl2 *)model)->rowneruuid, r);
}

static const svr_prop ACL2_PROPS[] = {
    {"aclist2", {ACL_WRITABLE, SVR_CH_ANY}, OCF_SVR_ACL2_CHG_ACLIST, set_aclist2},
    {"rowneruuid", {ROWNER_WRITABLE, SVR_CH_ANY}, OCF_SVR_ACL2_CHG_ROWNERUUID, set_rowneruuid},
};

ocf_err ocf_svr_acl2_decode_update(const ocf_svr_acl2 *cur, const ocf_rep_node *payload,
                                   const ocf_svr_ctx *ctx, ocf_svr_acl2 *out, ocf_svr_report *r) {
  svr_report_init(r);
  if (!cur || !ctx || !out || cur == out) return OCF_ERR_INVALID_ARG;
  memcpy(out, cur, sizeof *out);
  if (!svr_apply_props(ACL2_PROPS, COUNT(ACL2_PROPS), out, payload, ctx, r)) return svr_report_err(r);
  return OCF_OK;
}

/* --- encoding ---------------------------------------------------------------------------------- */

static void enc_subject(const ocf_svr_ace *a, ocf_rep_enc *e) {
  ocf_rep_enc_kv_map_open(e, "subject");
  if (a->subject_kind == OCF_ACE_SUBJECT_UUID) {
    ocf_rep_enc_kv_uuid(e, "uuid", &a->uuid);
  } else if (a->subject_kind == OCF_ACE_SUBJECT_ROLE) {
    ocf_rep_enc_kv_text(e, "role", a->role);
    if (a->authority[0]) ocf_rep_enc_kv_text(e, "authority", a->authority); /* omitted when empty: 7.1 */
  } else {
    ocf_rep_enc_kv_text(e, "conntype", CONNTYPES[a->conntype & 1]);
  }
  ocf_rep_enc_map_close(e);
}

static void enc_ace(const ocf_svr_ace *a, ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_int(e, "aceid", a->aceid);
  enc_subject(a, e);
  ocf_rep_enc_kv_array_open(e, "resources");
  for (uint32_t i = 0; i < a->n_resources && i < OCF_SVR_MAX_ACE_RESOURCES; i++) {
    const ocf_svr_ace_resource *res = &a->resources[i];
    ocf_rep_enc_map_open(e);
    if (res->wc != OCF_ACE_WC_NONE && res->wc < COUNT(WILDCARDS))
      ocf_rep_enc_kv_text(e, "wc", WILDCARDS[res->wc]);
    else
      ocf_rep_enc_kv_text(e, "href", res->href);
    ocf_rep_enc_map_close(e);
  }
  ocf_rep_enc_array_close(e);
  ocf_rep_enc_kv_int(e, "permission", a->permission);
  if (a->n_validity) {
    ocf_rep_enc_kv_array_open(e, "validity");
    for (uint32_t i = 0; i < a->n_validity && i < OCF_SVR_MAX_VALIDITY; i++) {
      ocf_rep_enc_map_open(e);
      ocf_rep_enc_kv_text(e, "period", a->validity[i].period);
      ocf_rep_enc_map_close(e);
    }
    ocf_rep_enc_array_close(e);
  }
  if (a->tag[0]) ocf_rep_enc_kv_text(e, "tag", a->tag);
  ocf_rep_enc_map_close(e);
}

void ocf_svr_acl2_encode(const ocf_svr_acl2 *m, unsigned flags, ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  svr_enc_baseline(e, flags, "oic.r.acl2");
  ocf_rep_enc_kv_array_open(e, "aclist2");
  for (uint32_t i = 0; i < m->n && i < OCF_SVR_MAX_ACES; i++) enc_ace(&m->ace[i], e);
  ocf_rep_enc_array_close(e);
  ocf_rep_enc_kv_uuid(e, "rowneruuid", &m->rowneruuid);
  ocf_rep_enc_map_close(e);
}

/* --- DELETE ------------------------------------------------------------------------------------ */

static ocf_err check_delete_state(const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  svr_report_init(r);
  if (ctx->source == OCF_SVR_FROM_STORE || (ctx->dos < OCF_DOS_COUNT && (ACL_WRITABLE & SVR_ST(ctx->dos))))
    return OCF_OK;
  (void)svr_fail(r, OCF_SVR_E_DELETE_STATE, "aclist2", "ACEs cannot be deleted in this state");
  return OCF_ERR_STATE;
}

ocf_err ocf_svr_acl2_delete_id(ocf_svr_acl2 *m, uint32_t aceid, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  if (!m || !ctx || !r) return OCF_ERR_INVALID_ARG;
  ocf_err err = check_delete_state(ctx, r);
  if (err) return err;
  int at = aceid ? index_of(m, aceid) : -1;
  if (at < 0) {
    (void)svr_fail(r, OCF_SVR_E_NOT_FOUND, "aceid", "no ACE with this aceid");
    return OCF_ERR_NOT_FOUND;
  }
  memmove(&m->ace[at], &m->ace[at + 1], (m->n - (uint32_t)at - 1) * sizeof m->ace[0]);
  m->n--;
  memset(&m->ace[m->n], 0, sizeof m->ace[0]);
  r->changed = OCF_SVR_ACL2_CHG_ACLIST;
  return OCF_OK;
}

ocf_err ocf_svr_acl2_delete_all(ocf_svr_acl2 *m, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  if (!m || !ctx || !r) return OCF_ERR_INVALID_ARG;
  ocf_err err = check_delete_state(ctx, r);
  if (err) return err;
  memset(m->ace, 0, sizeof m->ace);
  m->n = 0;
  r->changed = OCF_SVR_ACL2_CHG_ACLIST;
  return OCF_OK;
}

const ocf_svr_ace *ocf_svr_acl2_find_id(const ocf_svr_acl2 *m, uint32_t aceid) {
  int at = m && aceid ? index_of(m, aceid) : -1;
  return at >= 0 ? &m->ace[at] : NULL;
}
