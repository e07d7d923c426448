/* /oic/res links: encoding in the links-list and baseline forms, tolerant decoding. */
#include "rep/links.h"

#include <string.h>

#include "base/uuid.h"

#define ANCHOR_SCHEME "ocf://" /* digest §1.4: anchor = "ocf://" + device UUID */
#define ANCHOR_SCHEME_LEN (sizeof ANCHOR_SCHEME - 1)

static ocf_err optional(ocf_err err) { return err == OCF_ERR_NOT_FOUND ? OCF_OK : err; }

/* --- encoding ------------------------------------------------------------------------------ */

static void encode_anchor(ocf_rep_enc *e, const ocf_link *l) {
  if (l->has_di) {
    char text[ANCHOR_SCHEME_LEN + OCF_UUID_STR_LEN];
    memcpy(text, ANCHOR_SCHEME, ANCHOR_SCHEME_LEN);
    ocf_uuid_format(&l->di, text + ANCHOR_SCHEME_LEN);
    ocf_rep_enc_key(e, "anchor");
    ocf_rep_enc_text_n(e, text, ANCHOR_SCHEME_LEN + OCF_UUID_STR_LEN - 1);
  } else if (l->anchor.len) {
    ocf_rep_enc_kv_str(e, "anchor", l->anchor);
  }
}

static void encode_eps(ocf_rep_enc *e, const ocf_link *l) {
  ocf_rep_enc_kv_array_open(e, "eps");
  for (size_t i = 0; i < l->n_eps; i++) {
    ocf_rep_enc_map_open(e);
    ocf_rep_enc_kv_str(e, "ep", l->eps[i].ep);
    if (l->eps[i].pri) ocf_rep_enc_kv_int(e, "pri", l->eps[i].pri);
    ocf_rep_enc_map_close(e);
  }
  ocf_rep_enc_array_close(e);
}

void ocf_link_encode(ocf_rep_enc *e, const ocf_link *l) {
  if (!l || l->n_rt > OCF_REP_MAX_TYPES || l->n_if > OCF_REP_MAX_TYPES || l->n_eps > OCF_LINK_MAX_EPS) {
    if (!e->err) e->err = OCF_ERR_INVALID_ARG;
    return;
  }
  ocf_rep_enc_map_open(e);
  encode_anchor(e, l);
  ocf_rep_enc_kv_str(e, "href", l->href);
  ocf_rep_enc_kv_str_array(e, "rt", l->rt, l->n_rt);
  ocf_rep_enc_kv_str_array(e, "if", l->ifs, l->n_if);
  if (l->has_bm) {
    ocf_rep_enc_kv_map_open(e, "p");
    ocf_rep_enc_kv_int(e, "bm", l->bm);
    ocf_rep_enc_map_close(e);
  }
  if (l->n_eps) encode_eps(e, l);
  ocf_rep_enc_map_close(e);
}

void ocf_links_encode_ll(ocf_rep_enc *e, const ocf_link *links, size_t n) {
  ocf_rep_enc_array_open(e);
  for (size_t i = 0; i < n; i++) ocf_link_encode(e, &links[i]);
  ocf_rep_enc_array_close(e);
}

void ocf_links_encode_baseline(ocf_rep_enc *e, const ocf_link *links, size_t n, const ocf_res_info *info) {
  static const char *const default_rt[] = {"oic.wk.res"};
  static const char *const default_if[] = {"oic.if.ll", "oic.if.baseline"};
  ocf_res_info none;
  memset(&none, 0, sizeof none);
  if (!info) info = &none;
  ocf_rep_enc_array_open(e);
  ocf_rep_enc_map_open(e);
  ocf_rep_common c = info->common;
  if (!c.n_rt) ocf_rep_enc_kv_cstr_array(e, "rt", default_rt, 1);
  if (!c.n_if) ocf_rep_enc_kv_cstr_array(e, "if", default_if, 2);
  ocf_rep_enc_common(e, &c);
  ocf_rep_enc_key(e, "links");
  ocf_links_encode_ll(e, links, n);
  if (info->has_sduuid) ocf_rep_enc_kv_uuid(e, "sduuid", &info->sduuid);
  if (info->has_sdname) ocf_rep_enc_kv_str(e, "sdname", info->sdname);
  ocf_rep_enc_map_close(e);
  ocf_rep_enc_array_close(e);
}

/* --- decoding ------------------------------------------------------------------------------ */

static ocf_err decode_anchor(const ocf_rep_node *map, ocf_link *l) {
  ocf_err err = optional(ocf_rep_get_text(ocf_rep_map_value(map, "anchor"), &l->anchor));
  if (err) return err;
  if (l->anchor.len >= ANCHOR_SCHEME_LEN && memcmp(l->anchor.ptr, ANCHOR_SCHEME, ANCHOR_SCHEME_LEN) == 0) {
    if (ocf_uuid_parse(l->anchor.ptr + ANCHOR_SCHEME_LEN, l->anchor.len - ANCHOR_SCHEME_LEN, &l->di))
      return OCF_ERR_MALFORMED;
    l->has_di = true;
  }
  /* CORE links: "di" may accompany or replace the anchor; the anchor wins when both exist. */
  const ocf_rep_node *di = ocf_rep_map_value(map, "di");
  ocf_uuid u;
  if (di && (err = ocf_rep_get_uuid(di, &u))) return err;
  if (di && !l->has_di) {
    l->di = u;
    l->has_di = true;
  }
  return OCF_OK;
}

static ocf_err decode_policy(const ocf_rep_node *map, ocf_link *l) {
  const ocf_rep_node *p = ocf_rep_map_value(map, "p");
  if (!p) return OCF_OK;
  if (p->type != OCF_REP_MAP) return OCF_ERR_TYPE;
  ocf_err err = ocf_rep_get_uint8(ocf_rep_map_value(p, "bm"), &l->bm);
  l->has_bm = err == OCF_OK;
  return optional(err);
}

static ocf_err decode_eps(const ocf_rep_node *map, ocf_link *l) {
  const ocf_rep_node *eps = ocf_rep_map_value(map, "eps");
  if (!eps) return OCF_OK;
  if (eps->type != OCF_REP_ARRAY) return OCF_ERR_TYPE;
  if (eps->count > OCF_LINK_MAX_EPS) return OCF_ERR_TOO_LARGE;
  size_t i = 0;
  for (const ocf_rep_node *item = ocf_rep_first(eps); item; item = item->next, i++) {
    if (item->type != OCF_REP_MAP) return OCF_ERR_TYPE;
    ocf_err err = ocf_rep_get_text(ocf_rep_map_value(item, "ep"), &l->eps[i].ep);
    if (err) return err;
    int64_t pri = 0;
    const ocf_rep_node *pri_node = ocf_rep_map_value(item, "pri");
    if (pri_node && (err = ocf_rep_get_int_in(pri_node, 1, UINT32_MAX, &pri))) return err;
    l->eps[i].pri = (uint32_t)pri;
  }
  l->n_eps = i;
  return OCF_OK;
}

ocf_err ocf_link_decode(const ocf_rep_node *map, ocf_link *out) {
  if (!map) return OCF_ERR_NOT_FOUND;
  if (map->type != OCF_REP_MAP) return OCF_ERR_TYPE;
  ocf_link l;
  memset(&l, 0, sizeof l);
  ocf_err err = ocf_rep_get_text(ocf_rep_map_value(map, "href"), &l.href);
  if (!err)
    err = optional(ocf_rep_get_str_array(ocf_rep_map_value(map, "rt"), l.rt, OCF_REP_MAX_TYPES, &l.n_rt));
  if (!err)
    err = optional(ocf_rep_get_str_array(ocf_rep_map_value(map, "if"), l.ifs, OCF_REP_MAX_TYPES, &l.n_if));
  if (!err) err = decode_anchor(map, &l);
  if (!err) err = decode_policy(map, &l);
  if (!err) err = decode_eps(map, &l);
  if (err) return err;
  *out = l;
  return OCF_OK;
}

/* The baseline map's own properties; *list = its "links" array. */
static ocf_err decode_baseline(const ocf_rep_node *map, ocf_res_info *r, const ocf_rep_node **list,
                               bool *has_di, ocf_uuid *di) {
  ocf_err err = ocf_rep_common_decode(map, &r->common);
  if (!err) err = ocf_rep_get_array(ocf_rep_map_value(map, "links"), list);
  if (err) return err;
  err = ocf_rep_get_uuid(ocf_rep_map_value(map, "sduuid"), &r->sduuid);
  r->has_sduuid = err == OCF_OK;
  if ((err = optional(err))) return err;
  err = ocf_rep_get_text(ocf_rep_map_value(map, "sdname"), &r->sdname);
  r->has_sdname = err == OCF_OK;
  if ((err = optional(err))) return err;
  err = ocf_rep_get_uuid(ocf_rep_map_value(map, "di"), di); /* OIC 1.1 put di here */
  *has_di = err == OCF_OK;
  return optional(err);
}

ocf_err ocf_links_decode(const ocf_rep_node *root, ocf_link *links, size_t cap, ocf_res_info *info) {
  if (!info || (!links && cap)) return OCF_ERR_INVALID_ARG;
  if (!root) return OCF_ERR_NOT_FOUND;
  if (root->type != OCF_REP_ARRAY) return OCF_ERR_TYPE;
  ocf_res_info r;
  memset(&r, 0, sizeof r);
  const ocf_rep_node *list = root, *first = ocf_rep_first(root);
  bool has_di = false;
  ocf_uuid di = {{0}};
  if (first && first->type == OCF_REP_MAP && ocf_rep_map_value(first, "links")) {
    if (root->count != 1) return OCF_ERR_MALFORMED; /* CORE res sbaseline: exactly one item */
    r.baseline = true;
    ocf_err err = decode_baseline(first, &r, &list, &has_di, &di);
    if (err) return err;
  }
  if (list->count > cap) return OCF_ERR_TOO_LARGE;
  size_t i = 0;
  for (const ocf_rep_node *item = ocf_rep_first(list); item; item = item->next, i++) {
    ocf_err err = ocf_link_decode(item, &links[i]);
    if (err) return err;
    if (!links[i].has_di && has_di) {
      links[i].has_di = true;
      links[i].di = di;
    }
  }
  r.n_links = i;
  *info = r;
  return OCF_OK;
}

ocf_err ocf_links_parse(const uint8_t *cbor, size_t len, const ocf_rep_limits *limits, ocf_rep_node *nodes,
                        size_t n_nodes, ocf_link *links, size_t cap, ocf_res_info *info) {
  const ocf_rep_node *root;
  ocf_err err = ocf_rep_decode(cbor, len, limits, nodes, n_nodes, &root);
  return err ? err : ocf_links_decode(root, links, cap, info);
}

/* --- equality ------------------------------------------------------------------------------ */

static bool str_equal(ocf_rep_str a, ocf_rep_str b) {
  return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static bool str_lists_equal(const ocf_rep_str *a, size_t na, const ocf_rep_str *b, size_t nb) {
  if (na != nb) return false;
  for (size_t i = 0; i < na; i++)
    if (!str_equal(a[i], b[i])) return false;
  return true;
}

bool ocf_link_equal(const ocf_link *a, const ocf_link *b) {
  if (a->has_di != b->has_di || (a->has_di && !ocf_uuid_equal(&a->di, &b->di))) return false;
  if (!a->has_di && !str_equal(a->anchor, b->anchor)) return false;
  if (!str_equal(a->href, b->href) || !str_lists_equal(a->rt, a->n_rt, b->rt, b->n_rt) ||
      !str_lists_equal(a->ifs, a->n_if, b->ifs, b->n_if))
    return false;
  if (a->has_bm != b->has_bm || (a->has_bm && a->bm != b->bm) || a->n_eps != b->n_eps) return false;
  for (size_t i = 0; i < a->n_eps; i++)
    if (!str_equal(a->eps[i].ep, b->eps[i].ep) || a->eps[i].pri != b->eps[i].pri) return false;
  return true;
}
