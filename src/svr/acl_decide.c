/* The access decision (digest 3.3, 3.4, 7.2, 1.7): see acl_decide.h for the rules in order. */
#include "svr/acl_decide.h"

#include <string.h>

static const char *const RULE_NAMES[OCF_ACL_RULE_COUNT] = {
    [OCF_ACL_RULE_MCAST_DOXM_ANSWER] = "mcast-doxm-answer",
    [OCF_ACL_RULE_MCAST_DOXM_SILENT] = "mcast-doxm-silent",
    [OCF_ACL_RULE_RESET] = "reset",
    [OCF_ACL_RULE_RFOTM_CLEAR_WITH_DOC] = "rfotm-clear-with-doc",
    [OCF_ACL_RULE_NCR_NOT_RFNOP] = "ncr-not-rfnop",
    [OCF_ACL_RULE_NCR_CLEAR] = "ncr-clear",
    [OCF_ACL_RULE_DOC_DCR] = "doc-dcr",
    [OCF_ACL_RULE_RFOTM_DISCOVERY] = "rfotm-discovery",
    [OCF_ACL_RULE_RFOTM_DOXM] = "rfotm-doxm",
    [OCF_ACL_RULE_RFOTM_PSTAT_GET] = "rfotm-pstat-get",
    [OCF_ACL_RULE_RFOTM_OTHER] = "rfotm-other",
    [OCF_ACL_RULE_SVR_CLEAR] = "svr-clear",
    [OCF_ACL_RULE_RESOURCE_OWNER] = "resource-owner",
    [OCF_ACL_RULE_ROLES_RESOURCE] = "roles-resource",
    [OCF_ACL_RULE_OWNER_ROLE] = "owner-role",
    [OCF_ACL_RULE_ACE] = "ace",
    [OCF_ACL_RULE_NO_PERMISSION] = "no-permission",
};

const char *ocf_acl_rule_name(ocf_acl_rule rule) {
  return (unsigned)rule < OCF_ACL_RULE_COUNT ? RULE_NAMES[rule] : "?";
}

uint8_t ocf_acl_method_bits(ocf_method method) {
  switch (method) { /* digest 2.4; IoTivity-Lite eval_access */
  case OCF_METHOD_GET: return OCF_PERM_RETRIEVE | OCF_PERM_NOTIFY;
  case OCF_METHOD_POST:
  case OCF_METHOD_PUT: return OCF_PERM_CREATE | OCF_PERM_UPDATE;
  case OCF_METHOD_DELETE: return OCF_PERM_DELETE;
  }
  return 0;
}

static ocf_acl_decision decided(ocf_acl_outcome outcome, ocf_acl_rule rule) {
  ocf_acl_decision d = {outcome, rule, 0, 0};
  return d;
}

static bool href_is(const ocf_acl_query *q, const char *href) {
  return q->href && strcmp(q->href, href) == 0;
}

static bool secured(const ocf_acl_query *q) { return q->conntype == OCF_CONN_AUTH_CRYPT; }

/* An authenticated identity: only PSK and certificate sessions name the peer (digest 3.4). */
static bool peer_known(const ocf_acl_query *q) {
  return secured(q) && q->has_peer_uuid && (q->auth == OCF_ACL_AUTH_PSK || q->auth == OCF_ACL_AUTH_CERT);
}

static bool owned_state(uint8_t dos) {
  return dos == OCF_DOS_RFPRO || dos == OCF_DOS_RFNOP || dos == OCF_DOS_SRESET;
}

/* Rule 7 (digest 2.0): the resource owner of doxm, pstat, cred and acl2. */
static bool is_resource_owner(const ocf_acl_query *q) {
  const ocf_uuid *owner = href_is(q, "/oic/sec/doxm")    ? &q->rowner_doxm
                          : href_is(q, "/oic/sec/pstat") ? &q->rowner_pstat
                          : href_is(q, "/oic/sec/cred")  ? &q->rowner_cred
                          : href_is(q, "/oic/sec/acl2")  ? &q->rowner_acl2
                                                         : NULL;
  return owner && !ocf_uuid_is_nil(owner) && ocf_uuid_equal(owner, &q->peer_uuid);
}

/* --- rule 9: ACEs ---------------------------------------------------------------------------- */

static bool role_matches(const ocf_svr_ace *a, const ocf_acl_role *role) {
  if (!role->role || strcmp(role->role, a->role) != 0) return false;
  const char *authority = role->authority ? role->authority : "";
  return a->authority[0] == '\0' || strcmp(a->authority, authority) == 0;
}

static bool subject_matches(const ocf_svr_ace *a, const ocf_acl_query *q) {
  switch (a->subject_kind) {
  case OCF_ACE_SUBJECT_UUID: return peer_known(q) && ocf_uuid_equal(&a->uuid, &q->peer_uuid);
  case OCF_ACE_SUBJECT_ROLE:
    for (size_t i = 0; peer_known(q) && i < q->n_roles; i++)
      if (role_matches(a, &q->roles[i])) return true;
    return false;
  case OCF_ACE_SUBJECT_CONNTYPE: /* never for SVRs (digest 3.3, pitfall 15) */
    if (q->is_svr) return false;
    return a->conntype == OCF_CONN_ANON_CLEAR || (a->conntype == OCF_CONN_AUTH_CRYPT && secured(q));
  }
  return false;
}

static bool valid_now(const ocf_svr_ace *a, const ocf_acl_query *q) {
  if (a->n_validity == 0) return true;
  for (uint32_t i = 0; q->has_now && i < a->n_validity && i < OCF_SVR_MAX_VALIDITY; i++)
    if (q->now_utc >= a->validity[i].start && q->now_utc < a->validity[i].end) return true;
  return false; /* no clock, or outside every period: fail closed */
}

/* digest 7.2, pitfall 14: wildcards never match DCRs; "+" discoverable NCRs; "-" discoverable
 * NCRs that have an unsecured endpoint (the implementations' meaning, not the schema's). */
static bool resource_matches(const ocf_svr_ace_resource *res, const ocf_acl_query *q, bool dcr) {
  switch (res->wc) {
  case OCF_ACE_WC_NONE: return href_is(q, res->href);
  case OCF_ACE_WC_ALL: return !dcr;
  case OCF_ACE_WC_DISCOVERABLE: return !dcr && q->discoverable;
  case OCF_ACE_WC_UNSECURED: return !dcr && q->discoverable && q->has_unsecured_ep;
  }
  return false;
}

static bool ace_applies(const ocf_svr_ace *a, const ocf_acl_query *q, bool dcr) {
  if (!subject_matches(a, q) || !valid_now(a, q)) return false;
  for (uint32_t i = 0; i < a->n_resources && i < OCF_SVR_MAX_ACE_RESOURCES; i++)
    if (resource_matches(&a->resources[i], q, dcr)) return true;
  return false;
}

static ocf_acl_decision evaluate_aces(const ocf_acl_query *q, bool dcr) {
  for (size_t i = 0; peer_known(q) && i < q->n_roles; i++)
    if (q->roles[i].asserted && q->roles[i].role && strcmp(q->roles[i].role, "oic.role.owner") == 0)
      return decided(OCF_ACL_ALLOW, OCF_ACL_RULE_OWNER_ROLE);
  uint8_t need = ocf_acl_method_bits(q->method), perm = 0;
  uint32_t granted_by = 0;
  for (uint32_t i = 0; q->acl && i < q->acl->n && i < OCF_SVR_MAX_ACES; i++) {
    const ocf_svr_ace *a = &q->acl->ace[i];
    if (!ace_applies(a, q, dcr)) continue;
    perm |= a->permission;
    if (!granted_by && (a->permission & need)) granted_by = a->aceid;
  }
  ocf_acl_decision d = decided(perm & need ? OCF_ACL_ALLOW : OCF_ACL_DENY,
                               perm & need ? OCF_ACL_RULE_ACE : OCF_ACL_RULE_NO_PERMISSION);
  d.permission = perm;
  d.aceid = perm & need ? granted_by : 0;
  return d;
}

/* --- rules 0 to 8 ---------------------------------------------------------------------------- */

static bool is_discovery(const ocf_acl_query *q) {
  return href_is(q, "/oic/res") || href_is(q, "/oic/d") || href_is(q, "/oic/p");
}

/* Rule 5: RFOTM before any DTLS session (S003 Table 1 "RFOTM, before the OTM"). */
static ocf_acl_decision rfotm_before_doc(const ocf_acl_query *q) {
  if (href_is(q, "/oic/sec/doxm") && (q->method == OCF_METHOD_GET || q->method == OCF_METHOD_POST))
    return decided(OCF_ACL_ALLOW, OCF_ACL_RULE_RFOTM_DOXM);
  if (href_is(q, "/oic/sec/pstat") && q->method == OCF_METHOD_GET)
    return decided(OCF_ACL_ALLOW, OCF_ACL_RULE_RFOTM_PSTAT_GET);
  return decided(OCF_ACL_DENY, OCF_ACL_RULE_RFOTM_OTHER);
}

static ocf_acl_decision evaluate(const ocf_acl_query *q) {
  bool dcr = q->is_dcr || q->is_svr;
  if (q->multicast && q->method == OCF_METHOD_GET && href_is(q, "/oic/sec/doxm")) /* 0: S001 7.3.1 */
    return q->dos == OCF_DOS_RFOTM && !q->doc_open ? decided(OCF_ACL_ALLOW, OCF_ACL_RULE_MCAST_DOXM_ANSWER)
                                                   : decided(OCF_ACL_SILENT, OCF_ACL_RULE_MCAST_DOXM_SILENT);
  if (q->dos == OCF_DOS_RESET || q->dos >= OCF_DOS_COUNT) return decided(OCF_ACL_DENY, OCF_ACL_RULE_RESET);
  if (q->dos == OCF_DOS_RFOTM && !secured(q) && q->doc_open) /* 1 */
    return decided(OCF_ACL_DENY, OCF_ACL_RULE_RFOTM_CLEAR_WITH_DOC);
  if (!dcr && q->dos != OCF_DOS_RFNOP) return decided(OCF_ACL_DENY, OCF_ACL_RULE_NCR_NOT_RFNOP); /* 2 */
  /* An NCR the device serves on coap:// may be reached unsecured, but only an anon-clear ACE can
   * then grant it (rule 9: no peer identity, not auth-crypt). SEC:acl2 defines anon-clear for
   * exactly this; IoTivity-Lite never serves an NCR unsecured (digest 3.4 step 2, ADR 0021). */
  if (!dcr && !secured(q) && !q->has_unsecured_ep) return decided(OCF_ACL_DENY, OCF_ACL_RULE_NCR_CLEAR);
  if (dcr && q->over_doc && secured(q)) return decided(OCF_ACL_ALLOW, OCF_ACL_RULE_DOC_DCR); /* 3 */
  if (q->method == OCF_METHOD_GET && q->dos == OCF_DOS_RFOTM && is_discovery(q))             /* 4 */
    return decided(OCF_ACL_ALLOW, OCF_ACL_RULE_RFOTM_DISCOVERY);
  if (q->dos == OCF_DOS_RFOTM && !q->doc_open) return rfotm_before_doc(q); /* 5 */
  if (q->is_svr && !secured(q) && owned_state(q->dos)) return decided(OCF_ACL_DENY, OCF_ACL_RULE_SVR_CLEAR);
  if (peer_known(q) && is_resource_owner(q))
    return decided(OCF_ACL_ALLOW, OCF_ACL_RULE_RESOURCE_OWNER);             /* 7 */
  if (peer_known(q) && owned_state(q->dos) && href_is(q, "/oic/sec/roles")) /* 8 */
    return decided(OCF_ACL_ALLOW, OCF_ACL_RULE_ROLES_RESOURCE);
  return evaluate_aces(q, dcr); /* 9 */
}

ocf_acl_decision ocf_acl_decide(const ocf_acl_query *q) {
  if (!q) return decided(OCF_ACL_DENY, OCF_ACL_RULE_NO_PERMISSION);
  ocf_acl_decision d = evaluate(q);
  if (q->multicast && d.outcome == OCF_ACL_DENY) d.outcome = OCF_ACL_SILENT; /* pitfall 29 */
  return d;
}
