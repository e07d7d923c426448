/* ACEs for the AMS (OBT 5.5; digest §7): the command line's spec, checks, the acl2 POST payload,
 * one-line descriptions, the common shapes, the legacy owner-role rule of OBT Table 2. Pure. */
#include <stdio.h>
#include <string.h>

#include <ocf/ocf_obt_ams.h>

#include "rep/rep.h"
#include "svr/svr_util.h"

#define COUNT(a) (sizeof a / sizeof a[0])

/* digest §7.3: every SVR by href (wildcards never cover SVRs, digest §7.2) */
static const char *const SVRS[] = {"/oic/sec/doxm", "/oic/sec/pstat", "/oic/sec/cred", "/oic/sec/acl2",
                                   "/oic/sec/sp",   "/oic/sec/sdi",   "/oic/sec/csr",  "/oic/sec/roles",
                                   "/oic/sec/ael",  "/oic/sec/crl"};

static ocf_err bad(const char **why, const char *text, ocf_err err) {
  if (why) *why = text;
  return err;
}

static bool copy_bounded(char *out, size_t cap, const char *in, size_t len) {
  if (len + 1 > cap) return false;
  memcpy(out, in, len);
  out[len] = '\0';
  return true;
}

static size_t bounded_len(const char *s, size_t max) {
  size_t n = 0;
  while (n <= max && s[n]) n++;
  return n;
}

static bool printable(const char *s, size_t len) {
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] == 0x7f) return false;
  return true;
}

/* --- subject ----------------------------------------------------------------------------------- */

static ocf_err parse_role(const char *text, ocf_obt_ace *ace, const char **why) {
  const char *at = strchr(text, '@');
  size_t role_len = at ? (size_t)(at - text) : strlen(text);
  if (role_len == 0 || !printable(text, role_len))
    return bad(why, "role: an empty or unprintable id", OCF_ERR_INVALID_ARG);
  if (!copy_bounded(ace->role, sizeof ace->role, text, role_len))
    return bad(why, "role: id too long", OCF_ERR_TOO_LARGE);
  ace->authority[0] = '\0';
  if (at) {
    size_t alen = strlen(at + 1);
    if (alen == 0 || !printable(at + 1, alen))
      return bad(why, "role: empty authority after @", OCF_ERR_INVALID_ARG);
    if (!copy_bounded(ace->authority, sizeof ace->authority, at + 1, alen))
      return bad(why, "role: authority too long", OCF_ERR_TOO_LARGE);
  }
  ace->subject = OCF_OBT_SUBJECT_ROLE;
  return OCF_OK;
}

ocf_err ocf_obt_ace_parse_subject(const char *text, ocf_obt_ace *ace, const char **why) {
  if (!text || !ace) return bad(why, "no subject", OCF_ERR_INVALID_ARG);
  if (strncmp(text, "uuid:", 5) == 0) {
    if (ocf_uuid_parse(text + 5, strlen(text + 5), &ace->uuid) != OCF_OK)
      return bad(why, "uuid: not 8-4-4-4-12 hex", OCF_ERR_INVALID_ARG);
    ace->subject = OCF_OBT_SUBJECT_UUID;
    return OCF_OK;
  }
  if (strncmp(text, "role:", 5) == 0) return parse_role(text + 5, ace, why);
  const char *ct = strncmp(text, "conntype:", 9) == 0 ? text + 9 : text;
  if (strcmp(ct, "anon-clear") == 0) {
    ace->subject = OCF_OBT_SUBJECT_ANON_CLEAR;
    return OCF_OK;
  }
  if (strcmp(ct, "auth-crypt") == 0) {
    ace->subject = OCF_OBT_SUBJECT_AUTH_CRYPT;
    return OCF_OK;
  }
  return bad(why, "subject: uuid:<uuid>, role:<id>[@<authority>] or conntype:anon-clear|auth-crypt",
             OCF_ERR_INVALID_ARG);
}

/* --- resources --------------------------------------------------------------------------------- */

static ocf_err add_res(ocf_obt_ace *ace, uint8_t kind, const char *text, size_t len, const char **why) {
  if (len == 0 || !printable(text, len))
    return bad(why, "resource: empty or unprintable", OCF_ERR_INVALID_ARG);
  if (kind == OCF_OBT_RES_HREF && text[0] != '/')
    return bad(why, "href: an absolute path (/...) is needed (digest 7.2)", OCF_ERR_INVALID_ARG);
  if (kind == OCF_OBT_RES_WC && (len != 1 || !strchr("*+-", text[0])))
    return bad(why, "wildcard: one of * + -", OCF_ERR_INVALID_ARG);
  for (size_t i = 0; i < ace->n_res; i++) /* a repeated entry adds nothing */
    if (ace->res[i].kind == kind && strlen(ace->res[i].text) == len &&
        memcmp(ace->res[i].text, text, len) == 0)
      return OCF_OK;
  if (ace->n_res >= OCF_OBT_AMS_MAX_RES) return bad(why, "too many resources for one ACE", OCF_ERR_TOO_LARGE);
  ocf_obt_ace_res *r = &ace->res[ace->n_res];
  if (!copy_bounded(r->text, sizeof r->text, text, len))
    return bad(why, "resource: too long", OCF_ERR_TOO_LARGE);
  r->kind = kind;
  ace->n_res++;
  return OCF_OK;
}

static ocf_err parse_one_res(ocf_obt_ace *ace, const char *s, size_t len, const char **why) {
  static const struct {
    const char *prefix;
    uint8_t kind;
  } FORMS[] = {
      {"href:", OCF_OBT_RES_HREF}, {"wc:", OCF_OBT_RES_WC}, {"rt:", OCF_OBT_RES_RT}, {"if:", OCF_OBT_RES_IF}};
  for (size_t f = 0; f < COUNT(FORMS); f++) {
    size_t pl = strlen(FORMS[f].prefix);
    if (len >= pl && memcmp(s, FORMS[f].prefix, pl) == 0)
      return add_res(ace, FORMS[f].kind, s + pl, len - pl, why);
  }
  if (len == 1 && strchr("*+-", s[0])) return add_res(ace, OCF_OBT_RES_WC, s, 1, why);
  if (len > 0 && s[0] == '/') return add_res(ace, OCF_OBT_RES_HREF, s, len, why);
  return bad(why, "resource: href:/path, /path, * + -, rt:<type> or if:<interface>", OCF_ERR_INVALID_ARG);
}

ocf_err ocf_obt_ace_parse_resources(const char *text, ocf_obt_ace *ace, const char **why) {
  if (!text || !ace) return bad(why, "no resources", OCF_ERR_INVALID_ARG);
  const char *s = text;
  for (;;) {
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    ocf_err err = parse_one_res(ace, s, len, why);
    if (err) return err;
    if (!comma) return OCF_OK;
    s = comma + 1;
  }
}

/* --- permission, validity ---------------------------------------------------------------------- */

static const char PERM_LETTERS[] = "CRUDN"; /* bit i = 1 << i (SEC:acl2) */

ocf_err ocf_obt_ace_parse_perm(const char *text, uint8_t *perm, const char **why) {
  if (!text || !perm) return bad(why, "no permission", OCF_ERR_INVALID_ARG);
  size_t len = strlen(text);
  uint8_t p = 0;
  bool positional = len == 5 && strchr(text, '-');
  for (size_t i = 0; i < len; i++) {
    char c = text[i] >= 'a' && text[i] <= 'z' ? (char)(text[i] - 'a' + 'A') : text[i];
    if (positional) { /* "-RU--": position i is letter i or '-' */
      if (c == '-') continue;
      if (c != PERM_LETTERS[i])
        return bad(why, "permission: positional form is CRUDN with - for absent", OCF_ERR_INVALID_ARG);
    }
    const char *at = c ? strchr(PERM_LETTERS, c) : NULL;
    if (!at) return bad(why, "permission: letters of CRUDN", OCF_ERR_INVALID_ARG);
    uint8_t bit = (uint8_t)(1u << (at - PERM_LETTERS));
    if (p & bit) return bad(why, "permission: a letter given twice", OCF_ERR_INVALID_ARG);
    p |= bit;
  }
  if (p == 0) return bad(why, "permission: at least one of CRUDN", OCF_ERR_INVALID_ARG);
  *perm = p;
  return OCF_OK;
}

void ocf_obt_perm_text(uint8_t perm, char out[6]) {
  for (int i = 0; i < 5; i++) out[i] = (perm >> i) & 1 ? PERM_LETTERS[i] : '-';
  out[5] = '\0';
}

ocf_err ocf_obt_ace_parse_validity(const char *text, ocf_obt_ace *ace, const char **why) {
  if (!text || !ace) return bad(why, "no validity", OCF_ERR_INVALID_ARG);
  size_t len = strlen(text);
  int64_t start, end;
  if (len > OCF_OBT_AMS_PERIOD_MAX || !svr_period_parse(text, len, &start, &end))
    return bad(why, "validity: YYYYMMDDTHHMMSSZ/YYYYMMDDTHHMMSSZ or YYYYMMDDTHHMMSSZ/P<duration> (UTC)",
               OCF_ERR_INVALID_ARG);
  if (ace->n_validity >= OCF_OBT_AMS_MAX_VALIDITY)
    return bad(why, "too many validity periods", OCF_ERR_TOO_LARGE);
  memcpy(ace->validity[ace->n_validity++], text, len + 1);
  return OCF_OK;
}

ocf_err ocf_obt_ace_check(const ocf_obt_ace *ace, const char **why) {
  if (!ace) return bad(why, "no ACE", OCF_ERR_INVALID_ARG);
  if (ace->subject < OCF_OBT_SUBJECT_UUID || ace->subject > OCF_OBT_SUBJECT_AUTH_CRYPT)
    return bad(why, "the ACE has no subject", OCF_ERR_INVALID_ARG);
  if (ace->subject == OCF_OBT_SUBJECT_ROLE && ace->role[0] == '\0')
    return bad(why, "empty role", OCF_ERR_INVALID_ARG);
  if (ace->n_res == 0 || ace->n_res > OCF_OBT_AMS_MAX_RES)
    return bad(why, "the ACE names no resource", OCF_ERR_INVALID_ARG);
  for (size_t i = 0; i < ace->n_res; i++)
    if (ace->res[i].kind == OCF_OBT_RES_HREF && ace->res[i].text[0] != '/')
      return bad(why, "href: an absolute path (/...) is needed (digest 7.2)", OCF_ERR_INVALID_ARG);
  if (ace->permission == 0 || ace->permission > 31)
    return bad(why, "the ACE grants nothing", OCF_ERR_INVALID_ARG);
  if (ace->n_validity > OCF_OBT_AMS_MAX_VALIDITY)
    return bad(why, "too many validity periods", OCF_ERR_INVALID_ARG);
  return OCF_OK;
}

/* --- the POST payload (digest §7.1) --------------------------------------------------------- */

static void enc_subject(ocf_rep_enc *e, const ocf_obt_ace *a) {
  ocf_rep_enc_kv_map_open(e, "subject");
  switch (a->subject) {
  case OCF_OBT_SUBJECT_UUID: ocf_rep_enc_kv_uuid(e, "uuid", &a->uuid); break;
  case OCF_OBT_SUBJECT_ROLE:
    ocf_rep_enc_kv_text(e, "role", a->role);
    if (a->authority[0]) ocf_rep_enc_kv_text(e, "authority", a->authority); /* omitted when empty: 7.1 */
    break;
  case OCF_OBT_SUBJECT_ANON_CLEAR: ocf_rep_enc_kv_text(e, "conntype", "anon-clear"); break;
  default: ocf_rep_enc_kv_text(e, "conntype", "auth-crypt"); break;
  }
  ocf_rep_enc_map_close(e);
}

static void enc_ace(ocf_rep_enc *e, const ocf_obt_ace *a) {
  ocf_rep_enc_map_open(e);
  if (a->aceid) ocf_rep_enc_kv_int(e, "aceid", a->aceid); /* replaces that ACE (digest §7.1) */
  enc_subject(e, a);
  ocf_rep_enc_kv_array_open(e, "resources");
  for (size_t i = 0; i < a->n_res; i++) {
    ocf_rep_enc_map_open(e);
    ocf_rep_enc_kv_text(e, a->res[i].kind == OCF_OBT_RES_WC ? "wc" : "href", a->res[i].text);
    ocf_rep_enc_map_close(e);
  }
  ocf_rep_enc_array_close(e);
  ocf_rep_enc_kv_int(e, "permission", a->permission);
  if (a->n_validity) { /* IoTivity-Lite refuses validity (pitfall 12): only when asked for */
    ocf_rep_enc_kv_array_open(e, "validity");
    for (size_t i = 0; i < a->n_validity; i++) {
      ocf_rep_enc_map_open(e);
      ocf_rep_enc_kv_text(e, "period", a->validity[i]);
      ocf_rep_enc_map_close(e);
    }
    ocf_rep_enc_array_close(e);
  }
  if (a->tag[0]) ocf_rep_enc_kv_text(e, "tag", a->tag);
  ocf_rep_enc_map_close(e);
}

ocf_err ocf_obt_acl_encode_post(const ocf_obt_ace *aces, size_t n, uint8_t *buf, size_t cap, size_t *len) {
  if (!aces || n == 0 || !buf || !len) return OCF_ERR_INVALID_ARG;
  for (size_t i = 0; i < n; i++) {
    ocf_err err = ocf_obt_ace_check(&aces[i], NULL);
    if (err) return err;
    for (size_t k = 0; k < aces[i].n_res; k++)
      if (aces[i].res[k].kind == OCF_OBT_RES_RT || aces[i].res[k].kind == OCF_OBT_RES_IF)
        return OCF_ERR_STATE;
  }
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, cap);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_array_open(&e, "aclist2");
  for (size_t i = 0; i < n; i++) enc_ace(&e, &aces[i]);
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_map_close(&e);
  return ocf_rep_enc_finish(&e, len);
}

/* --- descriptions ---------------------------------------------------------------------------- */

typedef struct sbuf {
  char *p;
  size_t cap, len;
} sbuf;

static void put(sbuf *b, const char *s) {
  size_t n = strlen(s);
  for (size_t i = 0; i < n; i++, b->len++)
    if (b->len + 1 < b->cap) b->p[b->len] = s[i];
  if (b->cap) b->p[b->len < b->cap ? b->len : b->cap - 1] = '\0';
}

static void put_subject(sbuf *b, const ocf_obt_ace *a) {
  char u[OCF_UUID_STR_LEN];
  switch (a->subject) {
  case OCF_OBT_SUBJECT_UUID:
    ocf_uuid_format(&a->uuid, u);
    put(b, "uuid:");
    put(b, u);
    break;
  case OCF_OBT_SUBJECT_ROLE:
    put(b, "role:");
    put(b, a->role);
    if (a->authority[0]) put(b, "@");
    put(b, a->authority);
    break;
  case OCF_OBT_SUBJECT_ANON_CLEAR: put(b, "conntype:anon-clear"); break;
  case OCF_OBT_SUBJECT_AUTH_CRYPT: put(b, "conntype:auth-crypt"); break;
  default: put(b, "?"); break;
  }
}

size_t ocf_obt_ace_subject_text(const ocf_obt_ace *ace, char *out, size_t cap) {
  sbuf b = {out, out ? cap : 0, 0};
  if (b.cap) out[0] = '\0';
  if (ace) put_subject(&b, ace);
  return b.len;
}

static void put_res(sbuf *b, const ocf_obt_ace_res *r) {
  static const char *const PREFIX[] = {"", "", "rt:", "if:"};
  put(b, PREFIX[r->kind & 3]);
  put(b, r->text);
}

size_t ocf_obt_ace_describe(const ocf_obt_ace *ace, char *out, size_t cap) {
  sbuf b = {out, out ? cap : 0, 0};
  if (b.cap) out[0] = '\0';
  if (!ace) return 0;
  char num[16], perm[6];
  if (ace->aceid) {
    (void)snprintf(num, sizeof num, "%u ", (unsigned)ace->aceid);
    put(&b, num);
  }
  put(&b, "subject ");
  put_subject(&b, ace);
  put(&b, " resources ");
  for (size_t i = 0; i < ace->n_res && i < OCF_OBT_AMS_MAX_RES; i++) {
    if (i) put(&b, ",");
    put_res(&b, &ace->res[i]);
  }
  ocf_obt_perm_text(ace->permission, perm);
  put(&b, " perm ");
  put(&b, perm);
  for (size_t i = 0; i < ace->n_validity && i < OCF_OBT_AMS_MAX_VALIDITY; i++) {
    put(&b, " valid ");
    put(&b, ace->validity[i]);
  }
  return b.len;
}

size_t ocf_obt_acl_plan_describe(const ocf_obt_acl_plan *plan, char *out, size_t cap) {
  sbuf b = {out, out ? cap : 0, 0};
  if (b.cap) out[0] = '\0';
  if (!plan || plan->n == 0) {
    put(&b, "nothing to remove (no anon-clear or auth-crypt ACE names an SVR)\n");
    return b.len;
  }
  for (size_t i = 0; i < plan->n && i < OCF_OBT_AMS_MAX_ACES; i++) {
    const ocf_obt_acl_trim *t = &plan->op[i];
    char line[48];
    (void)snprintf(line, sizeof line, "ACE %u: remove ", (unsigned)t->aceid);
    put(&b, line);
    for (size_t k = 0; k < t->n_dropped && k < OCF_OBT_AMS_MAX_RES; k++) {
      if (k) put(&b, ", ");
      put(&b, t->dropped[k]);
    }
    put(&b,
        t->remove ? "; the ACE is deleted (nothing else left)\n" : "; the ACE keeps its other resources\n");
  }
  return b.len;
}

/* --- the legacy rule (OBT 5.5 Table 2; digest §7.3) ----------------------------------------- */

static bool take_num(const char **s, unsigned *out) {
  unsigned v = 0;
  size_t n = 0;
  while (**s >= '0' && **s <= '9' && n < 5) v = v * 10 + (unsigned)(*(*s)++ - '0'), n++;
  *out = v;
  return n > 0 && !(**s >= '0' && **s <= '9');
}

bool ocf_obt_icv_is_legacy(const char *icv) {
  if (!icv) return false;
  const char *s = strncmp(icv, "ocf.", 4) == 0 ? icv + 4 : icv;
  unsigned v[3];
  for (int i = 0; i < 3; i++) {
    if (!take_num(&s, &v[i])) return false;
    if (i < 2 && *s++ != '.') return false;
  }
  if (*s != '\0') return false;
  unsigned long key = (unsigned long)v[0] * 1000000ul + v[1] * 1000ul + v[2];
  return key <= 2004000ul; /* 2.4.0 or earlier */
}

void ocf_obt_ace_legacy_owner(ocf_obt_ace *out) {
  memset(out, 0, sizeof *out);
  out->subject = OCF_OBT_SUBJECT_ROLE;
  memcpy(out->role, "oic.role.owner", sizeof "oic.role.owner");
  for (size_t i = 0; i < COUNT(SVRS); i++) {
    out->res[i].kind = OCF_OBT_RES_HREF;
    (void)copy_bounded(out->res[i].text, sizeof out->res[i].text, SVRS[i], strlen(SVRS[i]));
  }
  out->n_res = COUNT(SVRS);
  out->permission = OCF_OBT_PERM_R | OCF_OBT_PERM_U; /* "-RU--" */
}

static bool names_href(const ocf_obt_ace *a, const char *href) {
  for (size_t i = 0; i < a->n_res && i < OCF_OBT_AMS_MAX_RES; i++)
    if (a->res[i].kind == OCF_OBT_RES_HREF && strcmp(a->res[i].text, href) == 0) return true;
  return false;
}

bool ocf_obt_acl_has_legacy_owner(const ocf_obt_acl *acl) {
  if (!acl) return false;
  for (size_t i = 0; i < COUNT(SVRS); i++) { /* each SVR covered by some owner-role ACE with R|U */
    bool covered = false;
    for (size_t k = 0; k < acl->n && k < OCF_OBT_AMS_MAX_ACES && !covered; k++) {
      const ocf_obt_ace *a = &acl->ace[k];
      covered = a->subject == OCF_OBT_SUBJECT_ROLE && strcmp(a->role, "oic.role.owner") == 0 &&
                a->n_validity == 0 && (a->permission & 6) == 6 && names_href(a, SVRS[i]);
    }
    if (!covered) return false;
  }
  return true;
}

bool ocf_obt_href_is_svr(const char *href) { return href && strncmp(href, "/oic/sec/", 9) == 0; }

/* --- common shapes (digest §7.1) ------------------------------------------------------------ */

static void one_res(ocf_obt_ace *out, uint8_t kind, const char *text) {
  out->res[0].kind = kind;
  (void)copy_bounded(out->res[0].text, sizeof out->res[0].text, text,
                     bounded_len(text, OCF_OBT_AMS_HREF_MAX));
  out->n_res = 1;
}

void ocf_obt_ace_allow_device(ocf_obt_ace *out, const ocf_uuid *client, const char *href, uint8_t perm) {
  memset(out, 0, sizeof *out);
  out->subject = OCF_OBT_SUBJECT_UUID;
  out->uuid = *client;
  one_res(out, OCF_OBT_RES_HREF, href);
  out->permission = perm;
}

void ocf_obt_ace_role_wildcard(ocf_obt_ace *out, const char *role, const char *authority, uint8_t perm) {
  memset(out, 0, sizeof *out);
  out->subject = OCF_OBT_SUBJECT_ROLE;
  (void)copy_bounded(out->role, sizeof out->role, role, bounded_len(role, OCF_OBT_AMS_ROLE_MAX));
  if (authority)
    (void)copy_bounded(out->authority, sizeof out->authority, authority,
                       bounded_len(authority, OCF_OBT_AMS_ROLE_MAX));
  one_res(out, OCF_OBT_RES_WC, "*");
  out->permission = perm;
}

void ocf_obt_ace_auth_wildcard(ocf_obt_ace *out, uint8_t perm) {
  memset(out, 0, sizeof *out);
  out->subject = OCF_OBT_SUBJECT_AUTH_CRYPT;
  one_res(out, OCF_OBT_RES_WC, "*");
  out->permission = perm;
}

size_t ocf_obt_ams_default_policy(const ocf_uuid *tool, ocf_obt_ace out[3]) {
  static const char *const TOOL_RU[] = {"/oic/sec/sp", "/oic/sec/sdi", "/oic/sec/roles"};
  static const char *const TOOL_R[] = {"/oic/sec/csr", "/oic/sec/ael", "/oic/res", "/oic/d", "/oic/p"};
  ocf_obt_ace_allow_device(&out[0], tool, TOOL_RU[0], OCF_OBT_PERM_R | OCF_OBT_PERM_U);
  for (size_t i = 1; i < COUNT(TOOL_RU); i++)
    (void)add_res(&out[0], OCF_OBT_RES_HREF, TOOL_RU[i], strlen(TOOL_RU[i]), NULL);
  ocf_obt_ace_allow_device(&out[1], tool, TOOL_R[0], OCF_OBT_PERM_R);
  for (size_t i = 1; i < COUNT(TOOL_R); i++)
    (void)add_res(&out[1], OCF_OBT_RES_HREF, TOOL_R[i], strlen(TOOL_R[i]), NULL);
  /* anyone may still discover the device (digest §7.5; DCRs, not SVRs: OBT 5.2 keeps them) */
  memset(&out[2], 0, sizeof out[2]);
  out[2].subject = OCF_OBT_SUBJECT_ANON_CLEAR;
  out[2].permission = OCF_OBT_PERM_R;
  for (size_t i = 2; i < COUNT(TOOL_R); i++)
    (void)add_res(&out[2], OCF_OBT_RES_HREF, TOOL_R[i], strlen(TOOL_R[i]), NULL);
  return 3;
}
