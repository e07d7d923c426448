/* What every SVR shares: the error table, the report, access rules, typed getters, ids,
 * baseline encoding, base64. */
#include <stdio.h>
#include <string.h>

#include "svr/svr_util.h"

/* --- the error table --------------------------------------------------------------------------
 * The single place that says which CoAP code answers which refusal (digest 1.2 response codes;
 * 2.4: DELETE in RFNOP is 4.03 while a POST there is 4.00). */

static const struct {
  ocf_err err;
  ocf_status status;
  const char *name;
} EKINDS[OCF_SVR_E_COUNT] = {
    [OCF_SVR_E_NONE] = {OCF_OK, OCF_STATUS_CHANGED, "ok"},
    [OCF_SVR_E_TYPE] = {OCF_ERR_TYPE, OCF_STATUS_BAD_REQUEST, "wrong type"},
    [OCF_SVR_E_UNKNOWN_PROPERTY] = {OCF_ERR_MALFORMED, OCF_STATUS_BAD_REQUEST, "unknown property"},
    [OCF_SVR_E_READ_ONLY] = {OCF_ERR_MALFORMED, OCF_STATUS_BAD_REQUEST, "read-only property"},
    [OCF_SVR_E_RANGE] = {OCF_ERR_RANGE, OCF_STATUS_BAD_REQUEST, "value out of range"},
    [OCF_SVR_E_MISSING] = {OCF_ERR_MALFORMED, OCF_STATUS_BAD_REQUEST, "required property missing"},
    [OCF_SVR_E_CONFLICT] = {OCF_ERR_MALFORMED, OCF_STATUS_BAD_REQUEST, "conflicting properties"},
    [OCF_SVR_E_UNSUPPORTED] = {OCF_ERR_UNSUPPORTED, OCF_STATUS_BAD_REQUEST, "unsupported value"},
    [OCF_SVR_E_STATE] = {OCF_ERR_STATE, OCF_STATUS_BAD_REQUEST, "not writable now"},
    [OCF_SVR_E_TRANSITION] = {OCF_ERR_STATE, OCF_STATUS_BAD_REQUEST, "state transition not allowed"},
    [OCF_SVR_E_ENTRY_CHECK] = {OCF_ERR_STATE, OCF_STATUS_BAD_REQUEST, "entry check failed"},
    [OCF_SVR_E_DELETE_STATE] = {OCF_ERR_STATE, OCF_STATUS_FORBIDDEN, "delete not allowed now"},
    [OCF_SVR_E_DENIED] = {OCF_ERR_DENIED, OCF_STATUS_UNAUTHORIZED, "access denied"},
    [OCF_SVR_E_NOT_FOUND] = {OCF_ERR_NOT_FOUND, OCF_STATUS_NOT_FOUND, "no such entry"},
    [OCF_SVR_E_METHOD] = {OCF_ERR_UNSUPPORTED, OCF_STATUS_METHOD_NOT_ALLOWED, "method not allowed"},
    [OCF_SVR_E_TOO_LARGE] = {OCF_ERR_TOO_LARGE, OCF_STATUS_REQUEST_ENTITY_TOO_LARGE, "too large"},
    [OCF_SVR_E_FULL] = {OCF_ERR_NO_MEMORY, OCF_STATUS_INTERNAL_SERVER_ERROR, "table full"},
    [OCF_SVR_E_INTERNAL] = {OCF_ERR_INVALID_ARG, OCF_STATUS_INTERNAL_SERVER_ERROR, "internal error"},
};

static size_t ekind_index(ocf_svr_ekind kind) {
  return (unsigned)kind < OCF_SVR_E_COUNT ? (size_t)kind : (size_t)OCF_SVR_E_INTERNAL;
}

ocf_err ocf_svr_ekind_err(ocf_svr_ekind kind) { return EKINDS[ekind_index(kind)].err; }
ocf_status ocf_svr_ekind_status(ocf_svr_ekind kind) { return EKINDS[ekind_index(kind)].status; }
const char *ocf_svr_ekind_name(ocf_svr_ekind kind) { return EKINDS[ekind_index(kind)].name; }

ocf_status ocf_svr_err_status(ocf_err err) {
  for (size_t i = 0; i < OCF_SVR_E_COUNT; i++)
    if (EKINDS[i].err == err) return EKINDS[i].status;
  return OCF_STATUS_INTERNAL_SERVER_ERROR;
}

ocf_status ocf_svr_report_status(const ocf_svr_report *r) { return ocf_svr_ekind_status(r->kind); }

/* --- the report ------------------------------------------------------------------------------ */

void svr_report_init(ocf_svr_report *r) {
  memset(r, 0, sizeof *r);
  r->why = "";
}

static bool fail_n(ocf_svr_report *r, ocf_svr_ekind kind, const char *where, size_t len, const char *why) {
  if (r->kind != OCF_SVR_E_NONE) return false;
  r->kind = kind;
  r->why = why ? why : "";
  if (len >= sizeof r->where) len = sizeof r->where - 1;
  if (len) memcpy(r->where, where, len);
  r->where[len] = '\0';
  return false;
}

bool svr_fail(ocf_svr_report *r, ocf_svr_ekind kind, const char *where, const char *why) {
  return fail_n(r, kind, where ? where : "", where ? strlen(where) : 0, why);
}

bool svr_fail_key(ocf_svr_report *r, ocf_svr_ekind kind, ocf_rep_str key, const char *why) {
  return fail_n(r, kind, key.ptr ? key.ptr : "", key.ptr ? key.len : 0, why);
}

bool svr_report_nest(ocf_svr_report *r, const char *name, size_t index) {
  char joined[OCF_SVR_WHERE_MAX];
  int n = index == SIZE_MAX ? snprintf(joined, sizeof joined, "%s", name)
                            : snprintf(joined, sizeof joined, "%s[%zu]", name, index);
  size_t used = n < 0 ? 0 : (size_t)n < sizeof joined ? (size_t)n : sizeof joined - 1;
  size_t rest = strlen(r->where);
  if (rest && used + 1 < sizeof joined) joined[used++] = '.';
  if (rest > sizeof joined - 1 - used) rest = sizeof joined - 1 - used;
  memcpy(joined + used, r->where, rest);
  joined[used + rest] = '\0';
  memcpy(r->where, joined, sizeof joined);
  return false;
}

ocf_err svr_report_err(const ocf_svr_report *r) { return ocf_svr_ekind_err(r->kind); }

/* --- access ---------------------------------------------------------------------------------- */

bool svr_check_access(const svr_access *a, const char *key, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  if (ctx->source == OCF_SVR_FROM_STORE) return true;
  if (a->states == 0) return svr_fail(r, OCF_SVR_E_READ_ONLY, key, "read-only property");
  if (ctx->dos >= OCF_DOS_COUNT || (a->states & SVR_ST(ctx->dos)) == 0)
    return svr_fail(r, OCF_SVR_E_STATE, key, "not writable in the current onboarding state");
  if (a->channel == SVR_CH_DOC && !ctx->over_doc)
    return svr_fail(r, OCF_SVR_E_STATE, key, "writable only over the onboarding connection");
  if (a->channel == SVR_CH_NOT_DOC && ctx->over_doc)
    return svr_fail(r, OCF_SVR_E_STATE, key, "writable only outside the onboarding connection");
  if (a->channel == SVR_CH_NOT_DOC && ctx->otm_busy)
    return svr_fail(r, OCF_SVR_E_STATE, key, "not writable while an onboarding connection is open");
  return true;
}

bool svr_is_baseline_key(ocf_rep_str key) {
  return ocf_rep_str_eq(key, "rt") || ocf_rep_str_eq(key, "if") || ocf_rep_str_eq(key, "n") ||
         ocf_rep_str_eq(key, "id");
}

static const svr_prop *find_prop(const svr_prop *props, size_t n, ocf_rep_str key) {
  for (size_t i = 0; i < n; i++)
    if (ocf_rep_str_eq(key, props[i].key)) return &props[i];
  return NULL;
}

static bool apply(const svr_prop *props, size_t n_props, void *model, const ocf_rep_node *map,
                  const ocf_svr_ctx *ctx, ocf_svr_report *r, bool top) {
  for (const ocf_rep_node *v = ocf_rep_first(map); v; v = ocf_rep_next(v)) {
    const svr_prop *p = find_prop(props, n_props, v->key);
    if (!p && top && svr_is_baseline_key(v->key)) {
      if (ctx->source == OCF_SVR_FROM_STORE) continue;
      return svr_fail_key(r, OCF_SVR_E_READ_ONLY, v->key, "baseline properties are read-only");
    }
    if (!p) return svr_fail_key(r, OCF_SVR_E_UNKNOWN_PROPERTY, v->key, "not a defined property");
    if (!svr_check_access(&p->access, p->key, ctx, r)) return false;
    if (!p->set(model, v, ctx, r)) return false;
    r->changed |= p->changed;
  }
  return true;
}

bool svr_apply_props(const svr_prop *props, size_t n_props, void *model, const ocf_rep_node *payload,
                     const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  if (!payload) return svr_fail(r, OCF_SVR_E_MISSING, NULL, "no payload");
  if (payload->type != OCF_REP_MAP) return svr_fail(r, OCF_SVR_E_TYPE, NULL, "payload is not a map");
  return apply(props, n_props, model, payload, ctx, r, true);
}

bool svr_apply_fields(const svr_prop *props, size_t n_props, void *model, const ocf_rep_node *map,
                      const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  /* where stays "": the caller names the map when it nests the error */
  if (map->type != OCF_REP_MAP) return svr_fail(r, OCF_SVR_E_TYPE, NULL, "not a map");
  return apply(props, n_props, model, map, ctx, r, false);
}

/* --- getters --------------------------------------------------------------------------------- */

bool svr_key_is(const ocf_rep_node *n, const char *key) { return ocf_rep_str_eq(n->key, key); }

/* A rep getter's error as a report kind. */
static bool fail_rep(ocf_svr_report *r, ocf_err err, const ocf_rep_node *n) {
  switch (err) {
  case OCF_ERR_TYPE: return svr_fail_key(r, OCF_SVR_E_TYPE, n->key, "wrong type");
  case OCF_ERR_TOO_LARGE: return svr_fail_key(r, OCF_SVR_E_TOO_LARGE, n->key, "longer than we keep");
  case OCF_ERR_NOT_FOUND: return svr_fail_key(r, OCF_SVR_E_MISSING, n->key, "absent");
  default: return svr_fail_key(r, OCF_SVR_E_RANGE, n->key, "invalid value");
  }
}

bool svr_need_map(const ocf_rep_node *n, ocf_svr_report *r) {
  return n->type == OCF_REP_MAP || svr_fail_key(r, OCF_SVR_E_TYPE, n->key, "not a map");
}

bool svr_need_array(const ocf_rep_node *n, size_t max_items, ocf_svr_report *r) {
  if (n->type != OCF_REP_ARRAY) return svr_fail_key(r, OCF_SVR_E_TYPE, n->key, "not an array");
  if (n->count > max_items) return svr_fail_key(r, OCF_SVR_E_TOO_LARGE, n->key, "more items than we keep");
  return true;
}

bool svr_get_bool(const ocf_rep_node *n, bool *out, ocf_svr_report *r) {
  ocf_err err = ocf_rep_get_bool(n, out);
  return err == OCF_OK || fail_rep(r, err, n);
}

bool svr_get_uint(const ocf_rep_node *n, uint64_t max, uint64_t *out, ocf_svr_report *r) {
  uint64_t v;
  ocf_err err = ocf_rep_get_uint64(n, &v);
  if (err != OCF_OK) return fail_rep(r, err, n);
  if (v > max) return svr_fail_key(r, OCF_SVR_E_RANGE, n->key, "value out of range");
  *out = v;
  return true;
}

bool svr_get_uuid(const ocf_rep_node *n, ocf_uuid *out, ocf_svr_report *r) {
  ocf_err err = ocf_rep_get_uuid(n, out);
  return err == OCF_OK || fail_rep(r, err, n);
}

bool svr_get_cstr(const ocf_rep_node *n, char *out, size_t cap, ocf_svr_report *r) {
  char tmp[OCF_SVR_CRED_PUBLIC_MAX + 1];
  if (cap > sizeof tmp) return svr_fail_key(r, OCF_SVR_E_INTERNAL, n->key, "string cap too large");
  ocf_err err = ocf_rep_get_text_cstr(n, tmp, cap);
  if (err != OCF_OK) return fail_rep(r, err, n);
  svr_copy_cstr(out, cap, tmp);
  return true;
}

bool svr_get_enum(const ocf_rep_node *n, const char *const *names, size_t count, uint8_t *out,
                  ocf_svr_report *r) {
  ocf_rep_str s;
  ocf_err err = ocf_rep_get_text(n, &s);
  if (err != OCF_OK) return fail_rep(r, err, n);
  for (size_t i = 0; i < count; i++) {
    if (names[i] && ocf_rep_str_eq(s, names[i])) {
      *out = (uint8_t)i;
      return true;
    }
  }
  return svr_fail_key(r, OCF_SVR_E_RANGE, n->key, "not one of the defined values");
}

void svr_copy_cstr(char *dst, size_t cap, const char *src) {
  size_t len = 0;
  while (len + 1 < cap && src[len]) len++;
  memcpy(dst, src, len);
  memset(dst + len, 0, cap - len);
}

/* --- ids ------------------------------------------------------------------------------------- */

bool svr_draw_id(const ocf_svr_ctx *ctx, bool (*in_use)(const void *model, uint32_t id), const void *model,
                 uint32_t *out, ocf_svr_report *r) {
  if (!ctx->random) return svr_fail(r, OCF_SVR_E_INTERNAL, NULL, "no random source for a fresh id");
  for (int i = 0; i < OCF_SVR_ID_TRIES; i++) {
    uint8_t b[4];
    if (ctx->random(ctx->random_ctx, b, sizeof b) != OCF_OK)
      return svr_fail(r, OCF_SVR_E_INTERNAL, NULL, "random source failed");
    uint32_t id = ((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]) & 0x7fffffffu;
    if (id != 0 && !in_use(model, id)) {
      *out = id;
      return true;
    }
  }
  return svr_fail(r, OCF_SVR_E_INTERNAL, NULL, "no unused id found");
}

ocf_err ocf_svr_parse_id(const char *text, size_t len, uint32_t *id, ocf_svr_report *r) {
  svr_report_init(r);
  if (!text || len == 0) {
    (void)svr_fail(r, OCF_SVR_E_RANGE, "id", "empty id");
    return OCF_ERR_RANGE;
  }
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (text[i] < '0' || text[i] > '9') {
      (void)svr_fail(r, OCF_SVR_E_RANGE, "id", "not a decimal number");
      return OCF_ERR_RANGE;
    }
    if (v <= 0x7fffffffu) v = v * 10 + (uint64_t)(text[i] - '0');
  }
  if (v == 0 || v > 0x7fffffffu) {
    (void)svr_fail(r, OCF_SVR_E_NOT_FOUND, "id", "no entry can have this id");
    return OCF_ERR_NOT_FOUND;
  }
  *id = (uint32_t)v;
  return OCF_OK;
}

/* --- encoding -------------------------------------------------------------------------------- */

void svr_enc_baseline(ocf_rep_enc *e, unsigned flags, const char *rt) {
  if (!(flags & OCF_SVR_ENC_BASELINE)) return;
  static const char *const ifs[] = {"oic.if.rw", "oic.if.baseline"};
  ocf_rep_enc_kv_cstr_array(e, "rt", &rt, 1);
  ocf_rep_enc_kv_cstr_array(e, "if", ifs, 2);
}

/* --- base64 ---------------------------------------------------------------------------------- */

static int b64_value(uint8_t c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

long svr_base64_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap) {
  if (len % 4 != 0) return -1;
  size_t n = 0;
  for (size_t i = 0; i < len; i += 4) {
    bool last = i + 4 == len;
    int v[4];
    size_t pad = 0;
    for (size_t j = 0; j < 4; j++) {
      v[j] = b64_value(in[i + j]);
      if (v[j] < 0 && last && in[i + j] == '=' && j >= 2 && (j == 3 || in[i + 3] == '=')) {
        v[j] = 0;
        pad++;
      } else if (v[j] < 0) {
        return -1;
      }
    }
    uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    size_t bytes = 3 - pad;
    if (n + bytes > cap) return -1;
    for (size_t j = 0; j < bytes; j++) out[n++] = (uint8_t)(w >> (16 - 8 * j));
  }
  return (long)n;
}
