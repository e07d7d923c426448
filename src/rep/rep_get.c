/* Typed getters over a decoded tree. The tree is already checked, so these only report
 * absence (NULL node), wrong types and out-of-range numbers. */
#include "rep/rep.h"

#include <string.h>

#include "base/uuid.h"

const ocf_rep_node *ocf_rep_first(const ocf_rep_node *c) {
  return c && (c->type == OCF_REP_ARRAY || c->type == OCF_REP_MAP) ? c->u.first : NULL;
}

const ocf_rep_node *ocf_rep_next(const ocf_rep_node *item) { return item ? item->next : NULL; }

size_t ocf_rep_count(const ocf_rep_node *c) {
  return c && (c->type == OCF_REP_ARRAY || c->type == OCF_REP_MAP) ? c->count : 0;
}

bool ocf_rep_is_null(const ocf_rep_node *n) { return n && n->type == OCF_REP_NULL; }

const ocf_rep_node *ocf_rep_map_value_n(const ocf_rep_node *map, const char *key, size_t key_len) {
  if (!map || map->type != OCF_REP_MAP || (!key && key_len)) return NULL;
  for (const ocf_rep_node *n = map->u.first; n; n = n->next)
    if (n->key.len == key_len && (key_len == 0 || memcmp(n->key.ptr, key, key_len) == 0)) return n;
  return NULL;
}

const ocf_rep_node *ocf_rep_map_value(const ocf_rep_node *map, const char *key) {
  return key ? ocf_rep_map_value_n(map, key, strlen(key)) : NULL;
}

ocf_err ocf_rep_map_find(const ocf_rep_node *map, const char *key, const ocf_rep_node **out) {
  if (!key || !out) return OCF_ERR_INVALID_ARG;
  if (!map) return OCF_ERR_NOT_FOUND;
  if (map->type != OCF_REP_MAP) return OCF_ERR_TYPE;
  const ocf_rep_node *v = ocf_rep_map_value(map, key);
  if (!v) return OCF_ERR_NOT_FOUND;
  *out = v;
  return OCF_OK;
}

ocf_err ocf_rep_array_at(const ocf_rep_node *array, size_t index, const ocf_rep_node **out) {
  if (!array) return OCF_ERR_NOT_FOUND;
  if (array->type != OCF_REP_ARRAY) return OCF_ERR_TYPE;
  if (index >= array->count) return OCF_ERR_RANGE;
  const ocf_rep_node *n = array->u.first;
  while (index--) n = n->next;
  *out = n;
  return OCF_OK;
}

static ocf_err check_type(const ocf_rep_node *n, ocf_rep_type t) {
  if (!n) return OCF_ERR_NOT_FOUND;
  return n->type == t ? OCF_OK : OCF_ERR_TYPE;
}

ocf_err ocf_rep_get_map(const ocf_rep_node *n, const ocf_rep_node **out) {
  ocf_err err = check_type(n, OCF_REP_MAP);
  if (!err) *out = n;
  return err;
}

ocf_err ocf_rep_get_array(const ocf_rep_node *n, const ocf_rep_node **out) {
  ocf_err err = check_type(n, OCF_REP_ARRAY);
  if (!err) *out = n;
  return err;
}

ocf_err ocf_rep_get_int64(const ocf_rep_node *n, int64_t *out) {
  ocf_err err = check_type(n, OCF_REP_INT);
  if (err) return err;
  if (n->u.magnitude > (uint64_t)INT64_MAX) return OCF_ERR_RANGE; /* also -1 - 2^63 and below */
  *out = n->negative ? -1 - (int64_t)n->u.magnitude : (int64_t)n->u.magnitude;
  return OCF_OK;
}

ocf_err ocf_rep_get_uint64(const ocf_rep_node *n, uint64_t *out) {
  ocf_err err = check_type(n, OCF_REP_INT);
  if (err) return err;
  if (n->negative) return OCF_ERR_RANGE;
  *out = n->u.magnitude;
  return OCF_OK;
}

ocf_err ocf_rep_get_int_in(const ocf_rep_node *n, int64_t min, int64_t max, int64_t *out) {
  int64_t v;
  ocf_err err = ocf_rep_get_int64(n, &v);
  if (err) return err;
  if (v < min || v > max) return OCF_ERR_RANGE;
  *out = v;
  return OCF_OK;
}

ocf_err ocf_rep_get_int32(const ocf_rep_node *n, int32_t *out) {
  int64_t v;
  ocf_err err = ocf_rep_get_int_in(n, INT32_MIN, INT32_MAX, &v);
  if (!err) *out = (int32_t)v;
  return err;
}

ocf_err ocf_rep_get_uint32(const ocf_rep_node *n, uint32_t *out) {
  int64_t v;
  ocf_err err = ocf_rep_get_int_in(n, 0, UINT32_MAX, &v);
  if (!err) *out = (uint32_t)v;
  return err;
}

ocf_err ocf_rep_get_uint16(const ocf_rep_node *n, uint16_t *out) {
  int64_t v;
  ocf_err err = ocf_rep_get_int_in(n, 0, UINT16_MAX, &v);
  if (!err) *out = (uint16_t)v;
  return err;
}

ocf_err ocf_rep_get_uint8(const ocf_rep_node *n, uint8_t *out) {
  int64_t v;
  ocf_err err = ocf_rep_get_int_in(n, 0, UINT8_MAX, &v);
  if (!err) *out = (uint8_t)v;
  return err;
}

ocf_err ocf_rep_get_double(const ocf_rep_node *n, double *out) {
  if (!n) return OCF_ERR_NOT_FOUND;
  if (n->type == OCF_REP_DOUBLE) {
    *out = n->u.number;
  } else if (n->type == OCF_REP_INT) {
    double m = (double)n->u.magnitude;
    *out = n->negative ? -1.0 - m : m;
  } else {
    return OCF_ERR_TYPE;
  }
  return OCF_OK;
}

ocf_err ocf_rep_get_bool(const ocf_rep_node *n, bool *out) {
  ocf_err err = check_type(n, OCF_REP_BOOL);
  if (!err) *out = n->u.boolean;
  return err;
}

ocf_err ocf_rep_get_text(const ocf_rep_node *n, ocf_rep_str *out) {
  ocf_err err = check_type(n, OCF_REP_TEXT);
  if (err) return err;
  if (n->not_utf8) return OCF_ERR_MALFORMED;
  out->ptr = (const char *)n->u.str.ptr;
  out->len = n->u.str.len;
  return OCF_OK;
}

ocf_err ocf_rep_get_text_cstr(const ocf_rep_node *n, char *out, size_t cap) {
  ocf_rep_str s;
  ocf_err err = ocf_rep_get_text(n, &s);
  if (err) return err;
  if (s.len >= cap) return OCF_ERR_TOO_LARGE;
  if (s.len && memchr(s.ptr, '\0', s.len)) return OCF_ERR_MALFORMED;
  if (s.len) memcpy(out, s.ptr, s.len);
  out[s.len] = '\0';
  return OCF_OK;
}

ocf_err ocf_rep_get_bytes(const ocf_rep_node *n, ocf_bytes *out) {
  ocf_err err = check_type(n, OCF_REP_BYTES);
  if (!err) *out = n->u.str;
  return err;
}

ocf_err ocf_rep_get_text_or_bytes(const ocf_rep_node *n, ocf_bytes *out, bool *was_text) {
  if (!n) return OCF_ERR_NOT_FOUND;
  if (n->type != OCF_REP_TEXT && n->type != OCF_REP_BYTES) return OCF_ERR_TYPE;
  *out = n->u.str;
  if (was_text) *was_text = n->type == OCF_REP_TEXT;
  return OCF_OK;
}

ocf_err ocf_rep_get_uuid(const ocf_rep_node *n, ocf_uuid *out) {
  ocf_rep_str s;
  ocf_err err = ocf_rep_get_text(n, &s);
  if (err) return err;
  return ocf_uuid_parse(s.ptr, s.len, out) ? OCF_ERR_MALFORMED : OCF_OK;
}

ocf_err ocf_rep_get_str_array(const ocf_rep_node *n, ocf_rep_str *out, size_t cap, size_t *n_out) {
  ocf_err err = check_type(n, OCF_REP_ARRAY);
  if (err) return err;
  if (n->count > cap) return OCF_ERR_TOO_LARGE;
  for (const ocf_rep_node *c = n->u.first; c; c = c->next)
    if (c->type != OCF_REP_TEXT) return OCF_ERR_TYPE;
  for (const ocf_rep_node *c = n->u.first; c; c = c->next)
    if (c->not_utf8) return OCF_ERR_MALFORMED;
  size_t i = 0;
  for (const ocf_rep_node *c = n->u.first; c; c = c->next, i++) {
    out[i].ptr = (const char *)c->u.str.ptr;
    out[i].len = c->u.str.len;
  }
  *n_out = i;
  return OCF_OK;
}

/* --- equality ---------------------------------------------------------------------------- */

static bool scalar_equal(const ocf_rep_node *a, const ocf_rep_node *b) {
  switch (a->type) {
  case OCF_REP_NULL: return true;
  case OCF_REP_BOOL: return a->u.boolean == b->u.boolean;
  case OCF_REP_INT: return a->negative == b->negative && a->u.magnitude == b->u.magnitude;
  case OCF_REP_DOUBLE: return memcmp(&a->u.number, &b->u.number, sizeof a->u.number) == 0;
  case OCF_REP_TEXT:
  case OCF_REP_BYTES:
    return a->u.str.len == b->u.str.len &&
           (!a->u.str.len || memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0);
  default: return false;
  }
}

bool ocf_rep_equal(const ocf_rep_node *a, const ocf_rep_node *b) {
  if (!a || !b) return a == b;
  if (a->type != b->type) return false;
  if (a->type == OCF_REP_ARRAY) {
    if (a->count != b->count) return false;
    for (const ocf_rep_node *x = a->u.first, *y = b->u.first; x && y; x = x->next, y = y->next)
      if (!ocf_rep_equal(x, y)) return false;
    return true;
  }
  if (a->type == OCF_REP_MAP) {
    if (a->count != b->count) return false;
    /* keys are unique in a decoded map, so equal counts + every a-entry found in b = same set */
    for (const ocf_rep_node *x = a->u.first; x; x = x->next)
      if (!ocf_rep_equal(x, ocf_rep_map_value_n(b, x->key.ptr, x->key.len))) return false;
    return true;
  }
  return scalar_equal(a, b);
}

/* --- text slices and common properties ---------------------------------------------------- */

ocf_rep_str ocf_rep_str_of(const char *cstr) {
  ocf_rep_str s = {cstr, cstr ? strlen(cstr) : 0};
  return s;
}

bool ocf_rep_str_eq(ocf_rep_str s, const char *cstr) {
  size_t n = cstr ? strlen(cstr) : 0;
  return s.len == n && (n == 0 || memcmp(s.ptr, cstr, n) == 0);
}

bool ocf_rep_str_list_contains(const ocf_rep_str *list, size_t n, const char *cstr) {
  for (size_t i = 0; i < n; i++)
    if (ocf_rep_str_eq(list[i], cstr)) return true;
  return false;
}

static ocf_err optional(ocf_err err) { return err == OCF_ERR_NOT_FOUND ? OCF_OK : err; }

ocf_err ocf_rep_common_decode(const ocf_rep_node *map, ocf_rep_common *out) {
  if (!map) return OCF_ERR_NOT_FOUND;
  if (map->type != OCF_REP_MAP) return OCF_ERR_TYPE;
  ocf_rep_common c;
  memset(&c, 0, sizeof c);
  ocf_err err =
      optional(ocf_rep_get_str_array(ocf_rep_map_value(map, "rt"), c.rt, OCF_REP_MAX_TYPES, &c.n_rt));
  if (!err)
    err = optional(ocf_rep_get_str_array(ocf_rep_map_value(map, "if"), c.ifs, OCF_REP_MAX_TYPES, &c.n_if));
  if (err) return err;
  err = ocf_rep_get_text(ocf_rep_map_value(map, "n"), &c.n);
  if (err && err != OCF_ERR_NOT_FOUND) return err;
  c.has_n = err == OCF_OK;
  *out = c;
  return OCF_OK;
}
