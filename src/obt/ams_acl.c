/* What a device answers, for the AMS: the GET /oic/sec/acl2 answer (hostile: bounded, never
 * cut), rt / if selectors resolved against GET /oic/res, and the plan that trims anon-clear and
 * auth-crypt ACEs of their SVR entries before RFNOP (OBT 5.2; digest §7.4). Pure. */
#include <string.h>

#include <ocf/ocf_obt_ams.h>

#include "rep/links.h"
#include "rep/rep.h"

/* 64 ACEs of 16 resources with a few properties each fit; the limits refuse more. */
#define ACL_NODES 2048u
#define RES_NODES 1024u
#define RES_LINKS 64u

static ocf_err text_into(const ocf_rep_node *n, char *out, size_t cap) {
  ocf_err err = ocf_rep_get_text_cstr(n, out, cap);
  return err == OCF_ERR_NOT_FOUND ? OCF_ERR_MALFORMED : err;
}

static ocf_err parse_subject(const ocf_rep_node *s, ocf_obt_ace *a) {
  if (!s || s->type != OCF_REP_MAP) return s ? OCF_ERR_TYPE : OCF_ERR_MALFORMED;
  const ocf_rep_node *uuid = ocf_rep_map_value(s, "uuid"), *role = ocf_rep_map_value(s, "role"),
                     *ct = ocf_rep_map_value(s, "conntype");
  if ((uuid != NULL) + (role != NULL) + (ct != NULL) != 1) return OCF_ERR_MALFORMED; /* exactly one form */
  if (uuid) {
    a->subject = OCF_OBT_SUBJECT_UUID;
    ocf_err err = ocf_rep_get_uuid(uuid, &a->uuid); /* one trailing NUL accepted: pitfall 2 */
    return err == OCF_ERR_TYPE ? OCF_ERR_TYPE : err ? OCF_ERR_MALFORMED : OCF_OK;
  }
  if (role) {
    a->subject = OCF_OBT_SUBJECT_ROLE;
    ocf_err err = text_into(role, a->role, sizeof a->role);
    const ocf_rep_node *auth = ocf_rep_map_value(s, "authority");
    if (!err && auth) err = text_into(auth, a->authority, sizeof a->authority);
    return err;
  }
  char c[16];
  ocf_err err = text_into(ct, c, sizeof c);
  if (err) return err == OCF_ERR_TOO_LARGE ? OCF_ERR_MALFORMED : err;
  if (strcmp(c, "anon-clear") == 0)
    a->subject = OCF_OBT_SUBJECT_ANON_CLEAR;
  else if (strcmp(c, "auth-crypt") == 0)
    a->subject = OCF_OBT_SUBJECT_AUTH_CRYPT;
  else
    return OCF_ERR_MALFORMED;
  return OCF_OK;
}

static ocf_err parse_resources(const ocf_rep_node *v, ocf_obt_ace *a) {
  if (!v) return OCF_ERR_MALFORMED;
  if (v->type != OCF_REP_ARRAY) return OCF_ERR_TYPE;
  if (v->count > OCF_OBT_AMS_MAX_RES) return OCF_ERR_TOO_LARGE;
  for (const ocf_rep_node *r = ocf_rep_first(v); r; r = ocf_rep_next(r)) {
    if (r->type != OCF_REP_MAP) return OCF_ERR_TYPE;
    ocf_obt_ace_res *out = &a->res[a->n_res];
    const ocf_rep_node *href = ocf_rep_map_value(r, "href"), *wc = ocf_rep_map_value(r, "wc");
    if ((href != NULL) == (wc != NULL)) return OCF_ERR_MALFORMED; /* SEC:acl2: one of them */
    out->kind = href ? OCF_OBT_RES_HREF : OCF_OBT_RES_WC;
    ocf_err err = text_into(href ? href : wc, out->text, sizeof out->text);
    if (err) return err;
    if (wc && (strlen(out->text) != 1 || !strchr("*+-", out->text[0]))) return OCF_ERR_MALFORMED;
    a->n_res++;
  }
  return OCF_OK;
}

static ocf_err parse_validity(const ocf_rep_node *v, ocf_obt_ace *a) {
  if (!v) return OCF_OK;
  if (v->type != OCF_REP_ARRAY) return OCF_ERR_TYPE;
  if (v->count > OCF_OBT_AMS_MAX_VALIDITY) return OCF_ERR_TOO_LARGE;
  for (const ocf_rep_node *p = ocf_rep_first(v); p; p = ocf_rep_next(p)) {
    ocf_err err =
        text_into(ocf_rep_map_value(p, "period"), a->validity[a->n_validity], OCF_OBT_AMS_PERIOD_MAX + 1);
    if (err) return err;
    a->n_validity++;
  }
  return OCF_OK;
}

static ocf_err parse_ace(const ocf_rep_node *n, ocf_obt_ace *a) {
  if (n->type != OCF_REP_MAP) return OCF_ERR_TYPE;
  int64_t id, perm;
  ocf_err err = ocf_rep_get_int_in(ocf_rep_map_value(n, "aceid"), 1, 0x7fffffff, &id);
  if (err) return err == OCF_ERR_TYPE ? err : OCF_ERR_MALFORMED; /* required in GET (SEC:acl2) */
  a->aceid = (uint32_t)id;
  err = ocf_rep_get_int_in(ocf_rep_map_value(n, "permission"), 0, 31, &perm);
  if (err) return err == OCF_ERR_TYPE ? err : OCF_ERR_MALFORMED;
  a->permission = (uint8_t)perm;
  if (!err) err = parse_subject(ocf_rep_map_value(n, "subject"), a);
  if (!err) err = parse_resources(ocf_rep_map_value(n, "resources"), a);
  if (!err) err = parse_validity(ocf_rep_map_value(n, "validity"), a);
  const ocf_rep_node *tag = ocf_rep_map_value(n, "tag");
  if (!err && tag) err = text_into(tag, a->tag, sizeof a->tag);
  return err;
}

ocf_err ocf_obt_acl_parse(const uint8_t *cbor, size_t len, ocf_obt_acl *out) {
  if (!out) return OCF_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  if (!cbor || len == 0) return OCF_ERR_MALFORMED;
  ocf_rep_limits lim = ocf_rep_default_limits();
  lim.max_nodes = ACL_NODES;
  lim.max_string = 512;          /* the longest string we keep is an href of 128 */
  ocf_rep_node nodes[ACL_NODES]; /* bounded scratch on the stack: no allocator in a pure parser */
  const ocf_rep_node *root = NULL;
  ocf_err err = ocf_rep_decode(cbor, len, &lim, nodes, ACL_NODES, &root);
  if (err == OCF_ERR_TRUNCATED || err == OCF_ERR_UNSUPPORTED) err = OCF_ERR_MALFORMED;
  if (err) return err;
  if (root->type != OCF_REP_MAP) return OCF_ERR_TYPE;
  const ocf_rep_node *owner = ocf_rep_map_value(root, "rowneruuid");
  if (owner && ocf_rep_get_uuid(owner, &out->rowneruuid) != OCF_OK) return OCF_ERR_MALFORMED;
  const ocf_rep_node *list = ocf_rep_map_value(root, "aclist2");
  if (!list) return OCF_ERR_MALFORMED;           /* required (SEC:acl2) */
  if (list->type == OCF_REP_NULL) return OCF_OK; /* plgd's empty list: pitfall 20 */
  if (list->type != OCF_REP_ARRAY) return OCF_ERR_TYPE;
  if (list->count > OCF_OBT_AMS_MAX_ACES) return OCF_ERR_TOO_LARGE;
  for (const ocf_rep_node *n = ocf_rep_first(list); n; n = ocf_rep_next(n)) {
    err = parse_ace(n, &out->ace[out->n]);
    if (err) {
      memset(out, 0, sizeof *out);
      return err;
    }
    out->n++;
  }
  return OCF_OK;
}

/* --- rt / if selectors ---------------------------------------------------------------------- */

static bool link_has(const ocf_link *l, uint8_t kind, const char *text) {
  return kind == OCF_OBT_RES_RT ? ocf_rep_str_list_contains(l->rt, l->n_rt, text)
                                : ocf_rep_str_list_contains(l->ifs, l->n_if, text);
}

static bool has_href(const ocf_obt_ace *a, const char *href, size_t len) {
  for (size_t i = 0; i < a->n_res; i++)
    if (a->res[i].kind == OCF_OBT_RES_HREF && strlen(a->res[i].text) == len &&
        memcmp(a->res[i].text, href, len) == 0)
      return true;
  return false;
}

/* Appends the hrefs of the links that match sel to out. */
static ocf_err expand(const ocf_obt_ace_res *sel, const ocf_link *links, size_t n, ocf_obt_ace *out,
                      const char **why) {
  bool any = false;
  for (size_t i = 0; i < n; i++) {
    if (!link_has(&links[i], sel->kind, sel->text)) continue;
    any = true;
    size_t len = links[i].href.len;
    if (len == 0 || len > OCF_OBT_AMS_HREF_MAX || links[i].href.ptr[0] != '/' ||
        memchr(links[i].href.ptr, 0, len))
      continue; /* not an href an ACE can name */
    if (has_href(out, links[i].href.ptr, len)) continue;
    if (out->n_res >= OCF_OBT_AMS_MAX_RES) {
      if (why) *why = "the selectors match more resources than one ACE holds";
      return OCF_ERR_TOO_LARGE;
    }
    memcpy(out->res[out->n_res].text, links[i].href.ptr, len);
    out->res[out->n_res].text[len] = '\0';
    out->res[out->n_res++].kind = OCF_OBT_RES_HREF;
  }
  if (!any && why)
    *why = sel->kind == OCF_OBT_RES_RT ? "no resource of the device has that rt"
                                       : "no resource of the device has that interface";
  return any ? OCF_OK : OCF_ERR_NOT_FOUND;
}

ocf_err ocf_obt_ace_resolve(ocf_obt_ace *ace, const uint8_t *res_cbor, size_t len, const char **why) {
  if (!ace || !res_cbor) return OCF_ERR_INVALID_ARG;
  ocf_rep_node nodes[RES_NODES];
  ocf_link links[RES_LINKS];
  ocf_res_info info;
  ocf_err err = ocf_links_parse(res_cbor, len, NULL, nodes, RES_NODES, links, RES_LINKS, &info);
  if (err) {
    if (why) *why = "the device's /oic/res answer does not parse";
    return err;
  }
  ocf_obt_ace out = *ace;
  out.n_res = 0;
  for (size_t i = 0; i < ace->n_res; i++) /* hrefs and wildcards first, as given */
    if (ace->res[i].kind == OCF_OBT_RES_HREF || ace->res[i].kind == OCF_OBT_RES_WC)
      out.res[out.n_res++] = ace->res[i];
  for (size_t i = 0; i < ace->n_res; i++)
    if (ace->res[i].kind == OCF_OBT_RES_RT || ace->res[i].kind == OCF_OBT_RES_IF) {
      err = expand(&ace->res[i], links, info.n_links, &out, why);
      if (err) return err;
    }
  *ace = out;
  return OCF_OK;
}

/* --- the RFNOP plan (OBT 5.2; digest §7.4) ------------------------------------------------- */

void ocf_obt_acl_plan_rfnop(const ocf_obt_acl *acl, ocf_obt_acl_plan *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  for (size_t i = 0; acl && i < acl->n && i < OCF_OBT_AMS_MAX_ACES; i++) {
    const ocf_obt_ace *a = &acl->ace[i];
    if (a->subject != OCF_OBT_SUBJECT_ANON_CLEAR && a->subject != OCF_OBT_SUBJECT_AUTH_CRYPT) continue;
    ocf_obt_acl_trim *t = &out->op[out->n];
    t->replacement = *a;
    t->replacement.n_res = 0;
    for (size_t k = 0; k < a->n_res && k < OCF_OBT_AMS_MAX_RES; k++) {
      if (a->res[k].kind == OCF_OBT_RES_HREF && ocf_obt_href_is_svr(a->res[k].text))
        memcpy(t->dropped[t->n_dropped++], a->res[k].text, sizeof a->res[k].text);
      else
        t->replacement.res[t->replacement.n_res++] = a->res[k];
    }
    if (t->n_dropped == 0) {
      memset(t, 0, sizeof *t);
      continue;
    }
    t->aceid = a->aceid;
    t->remove = t->replacement.n_res == 0;
    if (t->remove) memset(&t->replacement, 0, sizeof t->replacement);
    out->n++;
  }
}

bool ocf_obt_acl_plan_equal(const ocf_obt_acl_plan *a, const ocf_obt_acl_plan *b) {
  if (!a || !b || a->n != b->n) return false;
  for (size_t i = 0; i < a->n && i < OCF_OBT_AMS_MAX_ACES; i++) {
    const ocf_obt_acl_trim *x = &a->op[i], *y = &b->op[i];
    if (x->aceid != y->aceid || x->remove != y->remove || x->n_dropped != y->n_dropped) return false;
    for (size_t k = 0; k < x->n_dropped && k < OCF_OBT_AMS_MAX_RES; k++)
      if (strcmp(x->dropped[k], y->dropped[k]) != 0) return false;
    if (x->replacement.n_res != y->replacement.n_res) return false;
    for (size_t k = 0; k < x->replacement.n_res && k < OCF_OBT_AMS_MAX_RES; k++)
      if (x->replacement.res[k].kind != y->replacement.res[k].kind ||
          strcmp(x->replacement.res[k].text, y->replacement.res[k].text) != 0)
        return false;
  }
  return true;
}
