/* The policy file of obt apply and the difference with one device's ACL (<ocf/ocf_obt_policy.h>,
 * ADR 0023). Pure: text in, structs out; the device's state comes in parsed. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <ocf/ocf_obt_policy.h>

#define WORDS_MAX 24

typedef struct parser {
  ocf_obt_policy *out;
  ocf_obt_policy_error *err;
  ocf_obt_policy_resolve resolve;
  void *user;
  unsigned line;
  size_t n_words;
  char *words[WORDS_MAX];
  char buf[OCF_OBT_POLICY_LINE_MAX + 1];
} parser;

__attribute__((format(printf, 3, 4))) static ocf_err fail(parser *p, ocf_err e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  p->err->line = p->line;
  (void)vsnprintf(p->err->msg, sizeof p->err->msg, fmt, ap);
  va_end(ap);
  return e;
}

/* Splits p->buf into words: blanks separate, "..." keeps blanks, # starts a comment. */
static ocf_err split(parser *p) {
  p->n_words = 0;
  char *s = p->buf;
  for (;;) {
    while (*s == ' ' || *s == '\t' || *s == '\r') s++;
    if (*s == '\0' || *s == '#') return OCF_OK;
    if (p->n_words == WORDS_MAX) return fail(p, OCF_ERR_TOO_LARGE, "more than 24 words on one line");
    bool quoted = *s == '"';
    if (quoted) s++;
    p->words[p->n_words++] = s;
    for (; *s && (quoted ? *s != '"' : (*s != ' ' && *s != '\t' && *s != '\r' && *s != '#')); s++)
      if (!quoted && s[0] == '=' && s[1] == '"') { /* KEY="a b": the quotes go, the blanks stay */
        memmove(s + 1, s + 2, strlen(s + 2) + 1);
        quoted = true;
      }
    if (quoted && *s != '"') return fail(p, OCF_ERR_INVALID_ARG, "a quote is not closed");
    if (*s == '#') {
      *s = '\0';
      return OCF_OK;
    }
    if (*s) *s++ = '\0';
  }
}

static const ocf_obt_policy_alias *alias_of(const ocf_obt_policy *pol, const char *name) {
  for (size_t i = 0; i < pol->n_aliases; i++)
    if (strcmp(pol->aliases[i].name, name) == 0) return &pol->aliases[i];
  return NULL;
}

/* A device named by alias, uuid, or its name in the store. */
static ocf_err device_ref(parser *p, const char *word, ocf_uuid *out) {
  const ocf_obt_policy_alias *a = alias_of(p->out, word);
  if (a) {
    *out = a->uuid;
    return OCF_OK;
  }
  if (ocf_uuid_parse(word, strlen(word), out) == OCF_OK) return OCF_OK;
  const char *why = NULL;
  ocf_err e = p->resolve ? p->resolve(p->user, word, out, &why) : OCF_ERR_NOT_FOUND;
  if (e == OCF_OK) return OCF_OK;
  if (why) return fail(p, OCF_ERR_INVALID_ARG, "%s", why);
  return fail(p, OCF_ERR_INVALID_ARG, "'%s' is no alias, uuid or device name the store knows", word);
}

static ocf_err parse_alias(parser *p) {
  if (p->n_words != 3) return fail(p, OCF_ERR_INVALID_ARG, "device ALIAS DEVICE: two words after 'device'");
  const char *name = p->words[1];
  size_t len = strlen(name);
  ocf_uuid u;
  if (len == 0 || len > OCF_OBT_POLICY_NAME_MAX ||
      strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != len ||
      ocf_uuid_parse(name, len, &u) == OCF_OK)
    return fail(p, OCF_ERR_INVALID_ARG, "alias '%s': 1-63 of A-Z a-z 0-9 . _ -, not a uuid", name);
  if (alias_of(p->out, name)) return fail(p, OCF_ERR_INVALID_ARG, "alias '%s' is defined twice", name);
  if (p->out->n_aliases == OCF_OBT_POLICY_ALIASES_MAX)
    return fail(p, OCF_ERR_TOO_LARGE, "more than 128 aliases");
  ocf_err e = device_ref(p, p->words[2], &u);
  if (e) return e;
  ocf_obt_policy_alias *a = &p->out->aliases[p->out->n_aliases++];
  memcpy(a->name, name, len + 1);
  a->uuid = u;
  a->line = p->line;
  return OCF_OK;
}

static bool same_pair(const ocf_obt_policy_pair *pr, const ocf_uuid *a, const ocf_uuid *b) {
  return (ocf_uuid_equal(&pr->a, a) && ocf_uuid_equal(&pr->b, b)) ||
         (ocf_uuid_equal(&pr->a, b) && ocf_uuid_equal(&pr->b, a));
}

static ocf_err parse_pair(parser *p) {
  if (p->n_words != 3) return fail(p, OCF_ERR_INVALID_ARG, "pair DEVICE DEVICE: two devices");
  ocf_obt_policy_pair pr = {.line = p->line};
  ocf_err e = device_ref(p, p->words[1], &pr.a);
  if (!e) e = device_ref(p, p->words[2], &pr.b);
  if (e) return e;
  if (ocf_uuid_equal(&pr.a, &pr.b))
    return fail(p, OCF_ERR_INVALID_ARG, "a device cannot be paired with itself");
  for (size_t i = 0; i < p->out->n_pairs; i++)
    if (same_pair(&p->out->pairs[i], &pr.a, &pr.b)) {
      return fail(p, OCF_ERR_INVALID_ARG, "the same pair as line %u", p->out->pairs[i].line);
    }
  if (p->out->n_pairs == OCF_OBT_POLICY_PAIRS_MAX) return fail(p, OCF_ERR_TOO_LARGE, "more than 64 pairs");
  p->out->pairs[p->out->n_pairs++] = pr;
  return OCF_OK;
}

/* validity=P words from index `from`. */
static ocf_err parse_validities(parser *p, size_t from, ocf_obt_ace *ace) {
  for (size_t i = from; i < p->n_words; i++) {
    const char *why = "validity=PERIOD expected";
    if (strncmp(p->words[i], "validity=", 9) != 0 || ocf_obt_ace_parse_validity(p->words[i] + 9, ace, &why))
      return fail(p, OCF_ERR_INVALID_ARG, "%s", why);
  }
  return OCF_OK;
}

/* The subject of an ace line: as obt acl add takes it, and uuid:ALIAS or uuid:NAME too. */
static ocf_err parse_subject(parser *p, const char *text, ocf_obt_ace *ace) {
  const char *why = NULL;
  if (ocf_obt_ace_parse_subject(text, ace, &why) == OCF_OK) return OCF_OK;
  if (strncmp(text, "uuid:", 5) == 0 && device_ref(p, text + 5, &ace->uuid) == OCF_OK) {
    ace->subject = OCF_OBT_SUBJECT_UUID;
    return OCF_OK;
  }
  return fail(p, OCF_ERR_INVALID_ARG, "%s", why);
}

static ocf_err parse_ace_words(parser *p, ocf_obt_ace *ace) {
  for (size_t i = 2; i < p->n_words; i++) {
    char *w = p->words[i], *eq = strchr(w, '=');
    const char *why = NULL;
    ocf_err e = OCF_OK;
    if (!eq)
      return fail(p, OCF_ERR_INVALID_ARG, "'%s': KEY=VALUE expected (subject, res, perm, validity)", w);
    *eq = '\0';
    if (strcmp(w, "subject") == 0)
      e = parse_subject(p, eq + 1, ace);
    else if (strcmp(w, "res") == 0)
      e = ocf_obt_ace_parse_resources(eq + 1, ace, &why);
    else if (strcmp(w, "perm") == 0)
      e = ocf_obt_ace_parse_perm(eq + 1, &ace->permission, &why);
    else if (strcmp(w, "validity") == 0)
      e = ocf_obt_ace_parse_validity(eq + 1, ace, &why);
    else
      return fail(p, OCF_ERR_INVALID_ARG, "unknown key '%s' (subject, res, perm, validity)", w);
    if (e && why) return fail(p, e, "%s", why);
    if (e) return e;
  }
  return OCF_OK;
}

static ocf_err add_ace(parser *p, const ocf_uuid *dev, const ocf_obt_ace *ace) {
  const char *why = NULL;
  if (ocf_obt_ace_check(ace, &why) != OCF_OK) return fail(p, OCF_ERR_INVALID_ARG, "incomplete ACE: %s", why);
  for (size_t i = 0; i < ace->n_res; i++)
    if (ace->res[i].kind == OCF_OBT_RES_RT || ace->res[i].kind == OCF_OBT_RES_IF)
      return fail(p, OCF_ERR_INVALID_ARG, "'%s': a policy names resources by href or wildcard",
                  ace->res[i].text);
  for (size_t i = 0; i < p->out->n_aces; i++)
    if (ocf_uuid_equal(&p->out->aces[i].device, dev) && ocf_obt_ace_same(&p->out->aces[i].ace, ace)) {
      return fail(p, OCF_ERR_INVALID_ARG, "the same ACE as line %u", p->out->aces[i].line);
    }
  if (p->out->n_aces == OCF_OBT_POLICY_ACES_MAX) return fail(p, OCF_ERR_TOO_LARGE, "more than 128 ACEs");
  ocf_obt_policy_ace *a = &p->out->aces[p->out->n_aces++];
  a->device = *dev;
  a->ace = *ace;
  a->line = p->line;
  return OCF_OK;
}

static ocf_err parse_allow(parser *p) {
  if (p->n_words < 5) return fail(p, OCF_ERR_INVALID_ARG, "allow CLIENT DEVICE HREF PERM [validity=P]...");
  ocf_uuid client, dev;
  ocf_obt_ace ace;
  uint8_t perm = 0;
  const char *why = NULL, *href = p->words[3];
  ocf_err e = device_ref(p, p->words[1], &client);
  if (!e) e = device_ref(p, p->words[2], &dev);
  if (e) return e;
  if (href[0] != '/' || strlen(href) > OCF_OBT_AMS_HREF_MAX)
    return fail(p, OCF_ERR_INVALID_ARG, "'%s': HREF is an absolute path of at most 128 bytes", href);
  if (ocf_obt_ace_parse_perm(p->words[4], &perm, &why)) return fail(p, OCF_ERR_INVALID_ARG, "%s", why);
  ocf_obt_ace_allow_device(&ace, &client, href, perm);
  e = parse_validities(p, 5, &ace);
  return e ? e : add_ace(p, &dev, &ace);
}

static ocf_err parse_ace(parser *p) {
  if (p->n_words < 4) return fail(p, OCF_ERR_INVALID_ARG, "ace DEVICE subject=S res=LIST perm=PERM ...");
  ocf_uuid dev;
  ocf_obt_ace ace;
  memset(&ace, 0, sizeof ace);
  ocf_err e = device_ref(p, p->words[1], &dev);
  if (!e) e = parse_ace_words(p, &ace);
  return e ? e : add_ace(p, &dev, &ace);
}

/* --- groups --------------------------------------------------------------------------------- */

/* DEV,DEV,... into g as clients or servers: each device once in the group. */
static ocf_err group_members(parser *p, ocf_obt_policy_group *g, char *list, bool client) {
  if (!*list) return fail(p, OCF_ERR_INVALID_ARG, "%s= names no device", client ? "client" : "server");
  for (char *w = list; w;) {
    char *comma = strchr(w, ',');
    if (comma) *comma = '\0';
    if (!*w) return fail(p, OCF_ERR_INVALID_ARG, "an empty device name in %s=", client ? "client" : "server");
    ocf_uuid u;
    ocf_err e = device_ref(p, w, &u);
    if (e) return e;
    for (size_t i = 0; i < g->n_members; i++)
      if (ocf_uuid_equal(&g->members[i], &u))
        return fail(p, OCF_ERR_INVALID_ARG, "'%s' is twice in the group (a device is a client or a server)",
                    w);
    if (g->n_members == OCF_OBT_GROUP_MEMBERS_MAX)
      return fail(p, OCF_ERR_TOO_LARGE, "more than %d members in a group", OCF_OBT_GROUP_MEMBERS_MAX);
    g->client[g->n_members] = client;
    g->members[g->n_members++] = u;
    w = comma ? comma + 1 : NULL;
  }
  return OCF_OK;
}

/* The name and desc rules of obt group create (cmd_group.c). */
static bool group_name_ok(const char *s) {
  size_t n = strlen(s);
  if (n < 1 || n > OCF_OBT_GROUP_NAME_MAX) return false;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e) return false;
  return true;
}

static bool group_desc_ok(const char *s) {
  if (strlen(s) > OCF_OBT_GROUP_DESC_MAX) return false;
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return false;
  return true;
}

static ocf_err parse_group(parser *p) {
  if (p->n_words < 4)
    return fail(p, OCF_ERR_INVALID_ARG, "group NAME client=DEV,... server=DEV,... [desc=TEXT]");
  ocf_obt_policy_group g;
  memset(&g, 0, sizeof g);
  g.line = p->line;
  const char *name = p->words[1];
  if (!group_name_ok(name) || strchr(name, '='))
    return fail(p, OCF_ERR_INVALID_ARG, "group name '%s': 1 to 32 printable characters, no blank or '='",
                name);
  memcpy(g.name, name, strlen(name) + 1);
  bool seen_client = false, seen_server = false, seen_desc = false;
  for (size_t i = 2; i < p->n_words; i++) {
    char *w = p->words[i], *eq = strchr(w, '=');
    if (!eq) return fail(p, OCF_ERR_INVALID_ARG, "'%s': KEY=VALUE expected (client, server, desc)", w);
    *eq = '\0';
    bool *seen = strcmp(w, "client") == 0   ? &seen_client
                 : strcmp(w, "server") == 0 ? &seen_server
                 : strcmp(w, "desc") == 0   ? &seen_desc
                                            : NULL;
    if (!seen) return fail(p, OCF_ERR_INVALID_ARG, "unknown key '%s' (client, server, desc)", w);
    if (*seen) return fail(p, OCF_ERR_INVALID_ARG, "%s= is given twice", w);
    *seen = true;
    ocf_err e = OCF_OK;
    if (seen == &seen_desc) {
      if (!group_desc_ok(eq + 1))
        return fail(p, OCF_ERR_INVALID_ARG, "desc: at most %d bytes, no control characters",
                    OCF_OBT_GROUP_DESC_MAX);
      memcpy(g.desc, eq + 1, strlen(eq + 1) + 1);
    } else {
      e = group_members(p, &g, eq + 1, seen == &seen_client);
    }
    if (e) return e;
  }
  size_t n_clients = 0;
  for (size_t i = 0; i < g.n_members; i++) n_clients += g.client[i];
  if (!seen_client || !seen_server || n_clients == 0 || n_clients == g.n_members)
    return fail(p, OCF_ERR_INVALID_ARG, "a group needs client= and server= (one device at least each)");
  if (n_clients > OCF_OBT_OSCORE_CTX_MAX)
    return fail(p, OCF_ERR_TOO_LARGE, "more than %d clients in a group", OCF_OBT_OSCORE_CTX_MAX);
  for (size_t i = 0; i < p->out->n_groups; i++)
    if (strcmp(p->out->groups[i].name, g.name) == 0)
      return fail(p, OCF_ERR_INVALID_ARG, "group '%s' is stated on line %u already", g.name,
                  p->out->groups[i].line);
  if (p->out->n_groups == OCF_OBT_POLICY_GROUPS_MAX)
    return fail(p, OCF_ERR_TOO_LARGE, "more than %d groups", OCF_OBT_POLICY_GROUPS_MAX);
  p->out->groups[p->out->n_groups++] = g;
  return OCF_OK;
}

static ocf_err parse_line(parser *p) {
  ocf_err e = split(p);
  if (e || p->n_words == 0) return e;
  const char *kw = p->words[0];
  if (strcmp(kw, "device") == 0) return parse_alias(p);
  if (strcmp(kw, "pair") == 0) return parse_pair(p);
  if (strcmp(kw, "allow") == 0) return parse_allow(p);
  if (strcmp(kw, "ace") == 0) return parse_ace(p);
  if (strcmp(kw, "group") == 0) return parse_group(p);
  return fail(p, OCF_ERR_INVALID_ARG, "'%s': a line starts with device, pair, allow, ace or group", kw);
}

ocf_err ocf_obt_policy_parse(const char *text, size_t len, ocf_obt_policy_resolve resolve, void *user,
                             ocf_obt_policy *out, ocf_obt_policy_error *err) {
  if (!out || !err || (!text && len)) return OCF_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  memset(err, 0, sizeof *err);
  parser p = {.out = out, .err = err, .resolve = resolve, .user = user};
  if (len > OCF_OBT_POLICY_BYTES_MAX) return fail(&p, OCF_ERR_TOO_LARGE, "the file is larger than 256 KiB");
  if (len && memchr(text, '\0', len)) return fail(&p, OCF_ERR_INVALID_ARG, "the file holds a NUL byte");
  ocf_err e = OCF_OK;
  for (size_t at = 0; at < len && !e;) {
    const char *nl = memchr(text + at, '\n', len - at);
    size_t n = nl ? (size_t)(nl - (text + at)) : len - at;
    p.line++;
    if (n > OCF_OBT_POLICY_LINE_MAX) return fail(&p, OCF_ERR_TOO_LARGE, "a line is longer than 1024 bytes");
    memcpy(p.buf, text + at, n);
    p.buf[n] = '\0';
    e = parse_line(&p);
    at += n + 1;
  }
  if (e) {
    unsigned line = err->line;
    char msg[sizeof err->msg];
    memcpy(msg, err->msg, sizeof msg);
    memset(out, 0, sizeof *out);
    err->line = line;
    memcpy(err->msg, msg, sizeof msg);
  }
  return e;
}

bool ocf_obt_policy_has_pair(const ocf_obt_policy *p, const ocf_uuid *a, const ocf_uuid *b) {
  for (size_t i = 0; p && a && b && i < p->n_pairs; i++)
    if (same_pair(&p->pairs[i], a, b)) return true;
  return false;
}

/* ---- the difference --------------------------------------------------------------------------- */

bool ocf_obt_ace_same(const ocf_obt_ace *a, const ocf_obt_ace *b) {
  if (a->subject != b->subject || a->permission != b->permission || a->n_res != b->n_res ||
      a->n_validity != b->n_validity)
    return false;
  if (a->subject == OCF_OBT_SUBJECT_UUID && !ocf_uuid_equal(&a->uuid, &b->uuid)) return false;
  if (a->subject == OCF_OBT_SUBJECT_ROLE && (strcmp(a->role, b->role) || strcmp(a->authority, b->authority)))
    return false;
  for (size_t i = 0; i < a->n_res && i < OCF_OBT_AMS_MAX_RES; i++)
    if (a->res[i].kind != b->res[i].kind || strcmp(a->res[i].text, b->res[i].text)) return false;
  for (size_t i = 0; i < a->n_validity && i < OCF_OBT_AMS_MAX_VALIDITY; i++)
    if (strcmp(a->validity[i], b->validity[i])) return false;
  return true;
}

void ocf_obt_ace_spec(const ocf_obt_ace *ace, char out[OCF_OBT_APPLIED_SPEC_MAX + 1]) {
  ocf_obt_ace copy = *ace;
  copy.aceid = 0;
  (void)ocf_obt_ace_describe(&copy, out, OCF_OBT_APPLIED_SPEC_MAX + 1);
}

/* The device's ACE with that aceid, or NULL. */
static const ocf_obt_ace *find_aceid(const ocf_obt_acl *have, uint32_t aceid) {
  for (size_t i = 0; i < have->n; i++)
    if (have->ace[i].aceid == aceid) return &have->ace[i];
  return NULL;
}

ocf_err ocf_obt_acl_diff_compute(const ocf_obt_ace *want, size_t n_want, const ocf_obt_acl *have,
                                 const ocf_obt_owned_ace *owned, size_t n_owned, ocf_obt_acl_diff *out) {
  if (!out || !have || (n_want && !want) || (n_owned && !owned) || have->n > OCF_OBT_AMS_MAX_ACES)
    return OCF_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < n_want; i++) {
    bool held = false;
    for (size_t k = 0; k < have->n && !held; k++) held = ocf_obt_ace_same(&want[i], &have->ace[k]);
    if (held) continue;
    if (out->n_add == OCF_OBT_EDIT_MAX) return OCF_ERR_TOO_LARGE;
    out->add[out->n_add] = want[i];
    out->add[out->n_add++].aceid = 0;
  }
  char spec[OCF_OBT_APPLIED_SPEC_MAX + 1];
  for (size_t i = 0; i < n_owned; i++) {
    const ocf_obt_ace *a = find_aceid(have, owned[i].aceid);
    if (a) ocf_obt_ace_spec(a, spec);
    if (!a || strcmp(spec, owned[i].spec) != 0) { /* gone, or rewritten by someone else: not ours now */
      if (out->n_forget < OCF_OBT_AMS_MAX_ACES) out->forget[out->n_forget++] = owned[i].aceid;
      continue;
    }
    bool wanted = false;
    for (size_t k = 0; k < n_want && !wanted; k++) wanted = ocf_obt_ace_same(&want[k], a);
    if (wanted) continue;
    if (out->n_remove == OCF_OBT_EDIT_MAX) return OCF_ERR_TOO_LARGE;
    out->remove[out->n_remove++] = *a;
  }
  return OCF_OK;
}

static bool holds(const ocf_obt_creds_read *c, uint32_t credid, const ocf_uuid *subject) {
  for (size_t i = 0; c && i < c->n; i++)
    if (c->entries[i].credid == credid && c->entries[i].credtype == 1 && !c->entries[i].subject_any &&
        ocf_uuid_equal(&c->entries[i].subject, subject))
      return true;
  return false;
}

bool ocf_obt_pair_held(const ocf_obt_pairing_record *rec, const ocf_obt_creds_read *cred_a,
                       const ocf_obt_creds_read *cred_b) {
  return rec && holds(cred_a, rec->credid_a, &rec->b) && holds(cred_b, rec->credid_b, &rec->a);
}

/* ---- groups ------------------------------------------------------------------------------------ */

bool ocf_obt_group_same(const ocf_obt_policy_group *want, const ocf_obt_group_record *have) {
  if (!want || !have || want->n_members != have->n_members || strcmp(want->desc, have->desc) != 0)
    return false;
  for (size_t i = 0; i < want->n_members; i++) {
    bool found = false;
    for (size_t k = 0; k < have->n_members && !found; k++)
      found = ocf_uuid_equal(&want->members[i], &have->members[k].uuid) &&
              want->client[i] == have->members[k].client;
    if (!found) return false; /* each once on both sides (parser, store): equal counts make it a bijection */
  }
  return true;
}

bool ocf_obt_group_member_held(const ocf_obt_group_record *g, size_t m, const ocf_obt_creds_read *cred) {
  if (!g || !cred || m >= g->n_members || g->members[m].n_credids == 0) return false;
  const ocf_obt_group_member *mb = &g->members[m];
  uint16_t type = mb->client ? 128 : 256; /* S003 6.4: SSM client / server context */
  for (size_t k = 0; k < mb->n_credids && k < OCF_OBT_GROUP_CREDIDS_MAX; k++) {
    bool found = false;
    for (size_t i = 0; i < cred->n && !found; i++) {
      const ocf_obt_cred_info *c = &cred->entries[i];
      found = c->credid == mb->credids[k] && c->credtype == type && !c->subject_any &&
              ocf_uuid_equal(&c->subject, &g->subject);
    }
    if (!found) return false;
  }
  return true;
}

ocf_obt_group_action ocf_obt_group_diff(const ocf_obt_policy_group *want, const ocf_obt_group_record *have,
                                        bool held) {
  if (!have) return want ? OCF_OBT_GROUP_CREATE : OCF_OBT_GROUP_KEEP;
  if (!have->by_apply) /* made by hand: never the policy's (like an ACE it did not write) */
    return !want || ocf_obt_group_same(want, have) ? OCF_OBT_GROUP_KEEP : OCF_OBT_GROUP_CONFLICT;
  if (!want) return OCF_OBT_GROUP_DELETE;
  return ocf_obt_group_same(want, have) && held ? OCF_OBT_GROUP_KEEP : OCF_OBT_GROUP_REKEY;
}
