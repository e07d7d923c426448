/* Unit tests of src/svr acl_decide: every cell of S003 Table 1 as digest 3.3 restates it, the
 * authorisation order of 3.4, wildcards (7.2, pitfall 14), role and conntype subjects,
 * validity, resource-owner rights (2.0) and multicast doxm silence (1.7). */
#include "svr_test_util.h"

#include "svr/acl_decide.h"
#include "svr/dos.h"

#define OBT "aabbccdd-0000-1111-2222-333344445555"      /* rowneruuid of doxm/pstat/cred/acl2 */
#define PEER "11111111-2222-3333-4444-555555555555"     /* ACEs 1, 2 */
#define PEER2 "22222222-2222-3333-4444-555555555555"    /* ACE 6 ("-") */
#define PEER3 "33333333-2222-3333-4444-555555555555"    /* ACE 7 (validity) */
#define STRANGER "44444444-2222-3333-4444-555555555555" /* no ACE of its own */

/* The policy every case runs against (aceids are given, so the cases can name them). */
static const char *const ACL =
    "{'rowneruuid': '" OBT "', 'aclist2': ["
    "{'aceid': 1, 'subject': {'uuid': '" PEER "'}, 'resources': [{'href': '/light'}], 'permission': 6},"
    "{'aceid': 2, 'subject': {'uuid': '" PEER "'}, 'resources': [{'href': '/oic/sec/sp'}], 'permission': 2},"
    "{'aceid': 3, 'subject': {'conntype': 'anon-clear'}, 'resources': [{'href': '/oic/res'}, {'href': "
    "'/oic/d'},"
    " {'href': '/oic/p'}, {'href': '/oic/sec/sdi'}], 'permission': 2},"
    "{'aceid': 4, 'subject': {'conntype': 'auth-crypt'}, 'resources': [{'wc': '+'}], 'permission': 2},"
    "{'aceid': 5, 'subject': {'role': 'admin', 'authority': 'ca'}, 'resources': [{'wc': '*'}], 'permission': "
    "13},"
    "{'aceid': 6, 'subject': {'uuid': '" PEER2 "'}, 'resources': [{'wc': '-'}], 'permission': 8},"
    "{'aceid': 7, 'subject': {'uuid': '" PEER3 "'}, 'resources': [{'href': '/light'}], 'permission': 4,"
    " 'validity': [{'period': '20160101T000000Z/20170101T000000Z'}]},"
    "{'aceid': 8, 'subject': {'role': 'viewer'}, 'resources': [{'wc': '*'}], 'permission': 2},"
    "{'aceid': 9, 'subject': {'conntype': 'anon-clear'}, 'resources': [{'href': '/switch'}, {'href': "
    "'/light'}],"
    " 'permission': 2}"
    "]}";

static ocf_svr_acl2 *acl;

static int setup(void **state) {
  (void)state;
  acl = TEST_NEW(ocf_svr_acl2);
  ocf_svr_acl2 *empty = TEST_NEW(ocf_svr_acl2);
  test_tree *t = TEST_NEW(test_tree);
  ocf_svr_ctx ctx = store_ctx();
  ocf_svr_report r;
  assert_int_equal(ocf_svr_acl2_decode_update(empty, diag_tree(t, ACL), &ctx, acl, &r), OCF_OK);
  test_free(t);
  test_free(empty);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  test_free(acl);
  return 0;
}

/* Who is asking. */
typedef enum who {
  CLEAR,         /* plain coap:// */
  DOC,           /* the DTLS session of the OTM (anonymous) */
  OBT_PSK,       /* the owner over its owner PSK */
  PEER_PSK,      /* PEER over a PSK session */
  PEER2_PSK,     /* PEER2 */
  PEER3_PSK,     /* PEER3 */
  STRANGER_PSK,  /* an authenticated device with no ACE of its own */
  ADMIN_CERT,    /* a certificate session asserting role admin / authority ca */
  OTHER_CA,      /* role admin from another authority */
  VIEWER_CERT,   /* role viewer, any authority */
  OWNER_CERT,    /* an asserted oic.role.owner */
  OWNER_PSKROLE, /* oic.role.owner only as a PSK credential's roleid */
  PIN_NOT_DOC,   /* a DTLS session without a peer uuid that is not the DOC */
} who;

typedef struct acl_case {
  int line;
  uint8_t dos;
  bool doc_open;
  bool multicast;
  who who;
  ocf_method method;
  const char *href;
  ocf_acl_outcome want;
  ocf_acl_rule rule;
  uint32_t aceid;
} acl_case;

#define G OCF_METHOD_GET
#define P OCF_METHOD_POST
#define U OCF_METHOD_PUT
#define D OCF_METHOD_DELETE
#define ALLOW OCF_ACL_ALLOW
#define DENY OCF_ACL_DENY
#define SILENT OCF_ACL_SILENT
#define R(x) OCF_ACL_RULE_##x
#define UNI false
#define MC true
#define C(dos, doc, mc, who, m, href, want, rule, aceid)                                                     \
  { __LINE__, OCF_DOS_##dos, doc, mc, who, m, href, want, R(rule), aceid }

static const acl_case CASES[] = {
    /* RESET: "none" (Table 1) */
    C(RESET, false, UNI, OBT_PSK, G, "/oic/sec/pstat", DENY, RESET, 0),
    C(RESET, false, UNI, CLEAR, G, "/oic/res", DENY, RESET, 0),
    C(RESET, false, MC, CLEAR, G, "/oic/res", SILENT, RESET, 0),
    /* RFOTM before the OTM: doxm R + W(oxmsel) for anyone, pstat R, discovery */
    C(RFOTM, false, UNI, CLEAR, G, "/oic/sec/doxm", ALLOW, RFOTM_DOXM, 0),
    C(RFOTM, false, UNI, CLEAR, P, "/oic/sec/doxm", ALLOW, RFOTM_DOXM, 0),
    C(RFOTM, false, UNI, CLEAR, D, "/oic/sec/doxm", DENY, RFOTM_OTHER, 0),
    C(RFOTM, false, UNI, CLEAR, G, "/oic/sec/pstat", ALLOW, RFOTM_PSTAT_GET, 0),
    C(RFOTM, false, UNI, CLEAR, P, "/oic/sec/pstat", DENY, RFOTM_OTHER, 0),
    C(RFOTM, false, UNI, CLEAR, G, "/oic/sec/cred", DENY, RFOTM_OTHER, 0),
    C(RFOTM, false, UNI, CLEAR, G, "/oic/sec/acl2", DENY, RFOTM_OTHER, 0),
    C(RFOTM, false, UNI, CLEAR, G, "/oic/sec/sp", DENY, RFOTM_OTHER, 0),
    C(RFOTM, false, UNI, CLEAR, G, "/oic/sec/sdi", DENY, RFOTM_OTHER, 0),
    C(RFOTM, false, UNI, CLEAR, G, "/oic/sec/csr", DENY, RFOTM_OTHER, 0),
    C(RFOTM, false, UNI, CLEAR, G, "/oic/sec/roles", DENY, RFOTM_OTHER, 0),
    C(RFOTM, false, UNI, CLEAR, G, "/oic/res", ALLOW, RFOTM_DISCOVERY, 0),
    C(RFOTM, false, UNI, CLEAR, G, "/oic/d", ALLOW, RFOTM_DISCOVERY, 0),
    C(RFOTM, false, UNI, CLEAR, G, "/oic/p", ALLOW, RFOTM_DISCOVERY, 0),
    C(RFOTM, false, UNI, CLEAR, P, "/oic/d", DENY, RFOTM_OTHER, 0),
    C(RFOTM, false, UNI, CLEAR, G, "/light", DENY, NCR_NOT_RFNOP, 0),
    C(RFOTM, false, MC, CLEAR, G, "/oic/sec/doxm", ALLOW, MCAST_DOXM_ANSWER, 0),
    C(RFOTM, false, MC, CLEAR, G, "/oic/res", ALLOW, RFOTM_DISCOVERY, 0),
    C(RFOTM, false, MC, CLEAR, G, "/light", SILENT, NCR_NOT_RFNOP, 0),
    /* RFOTM after the OTM: every DCR over the DOC, nothing unsecured, no NCR */
    C(RFOTM, true, UNI, DOC, G, "/oic/sec/doxm", ALLOW, DOC_DCR, 0),
    C(RFOTM, true, UNI, DOC, P, "/oic/sec/doxm", ALLOW, DOC_DCR, 0),
    C(RFOTM, true, UNI, DOC, P, "/oic/sec/pstat", ALLOW, DOC_DCR, 0),
    C(RFOTM, true, UNI, DOC, P, "/oic/sec/cred", ALLOW, DOC_DCR, 0),
    C(RFOTM, true, UNI, DOC, P, "/oic/sec/acl2", ALLOW, DOC_DCR, 0),
    C(RFOTM, true, UNI, DOC, D, "/oic/sec/acl2", ALLOW, DOC_DCR, 0),
    C(RFOTM, true, UNI, DOC, P, "/oic/sec/sp", ALLOW, DOC_DCR, 0),
    C(RFOTM, true, UNI, DOC, P, "/oic/sec/sdi", ALLOW, DOC_DCR, 0),
    C(RFOTM, true, UNI, DOC, G, "/oic/sec/csr", ALLOW, DOC_DCR, 0),
    C(RFOTM, true, UNI, DOC, G, "/oic/d", ALLOW, DOC_DCR, 0),
    C(RFOTM, true, UNI, DOC, G, "/light", DENY, NCR_NOT_RFNOP, 0),
    C(RFOTM, true, UNI, CLEAR, G, "/oic/sec/doxm", DENY, RFOTM_CLEAR_WITH_DOC, 0),
    C(RFOTM, true, UNI, CLEAR, P, "/oic/sec/doxm", DENY, RFOTM_CLEAR_WITH_DOC, 0),
    C(RFOTM, true, UNI, CLEAR, G, "/oic/res", DENY, RFOTM_CLEAR_WITH_DOC, 0),
    C(RFOTM, true, MC, CLEAR, G, "/oic/sec/doxm", SILENT, MCAST_DOXM_SILENT, 0),
    C(RFOTM, true, MC, CLEAR, G, "/oic/res", SILENT, RFOTM_CLEAR_WITH_DOC, 0),
    /* RFPRO: cred/acl2/pstat by their owner or an ACE; sp by ACE only; roles for the authenticated */
    C(RFPRO, false, UNI, OBT_PSK, P, "/oic/sec/cred", ALLOW, RESOURCE_OWNER, 0),
    C(RFPRO, false, UNI, OBT_PSK, D, "/oic/sec/acl2", ALLOW, RESOURCE_OWNER, 0),
    C(RFPRO, false, UNI, OBT_PSK, P, "/oic/sec/pstat", ALLOW, RESOURCE_OWNER, 0),
    C(RFPRO, false, UNI, OBT_PSK, G, "/oic/sec/doxm", ALLOW, RESOURCE_OWNER, 0),
    C(RFPRO, false, UNI, OBT_PSK, G, "/oic/sec/sp", DENY, NO_PERMISSION, 0),
    C(RFPRO, false, UNI, PEER_PSK, G, "/oic/sec/sp", ALLOW, ACE, 2),
    C(RFPRO, false, UNI, PEER_PSK, P, "/oic/sec/sp", DENY, NO_PERMISSION, 0),
    C(RFPRO, false, UNI, PEER_PSK, P, "/oic/sec/cred", DENY, NO_PERMISSION, 0),
    C(RFPRO, false, UNI, STRANGER_PSK, G, "/oic/sec/roles", ALLOW, ROLES_RESOURCE, 0),
    C(RFPRO, false, UNI, PIN_NOT_DOC, G, "/oic/sec/roles", DENY, NO_PERMISSION, 0),
    C(RFPRO, false, UNI, CLEAR, G, "/oic/sec/roles", DENY, SVR_CLEAR, 0),
    C(RFPRO, false, UNI, CLEAR, G, "/oic/sec/pstat", DENY, SVR_CLEAR, 0),
    C(RFPRO, false, UNI, CLEAR, G, "/oic/sec/sdi", DENY, SVR_CLEAR, 0),
    C(RFPRO, false, UNI, STRANGER_PSK, G, "/oic/sec/sdi", DENY, NO_PERMISSION, 0), /* pitfall 15 */
    C(RFPRO, false, UNI, PEER_PSK, G, "/light", DENY, NCR_NOT_RFNOP, 0),
    C(RFPRO, false, UNI, CLEAR, G, "/oic/res", ALLOW, ACE, 3),
    C(RFPRO, true, UNI, DOC, D, "/oic/sec/acl2", ALLOW, DOC_DCR, 0), /* the former DOC (3.6) */
    /* RFNOP: NCRs by ACE, pstat by its owner */
    C(RFNOP, false, UNI, OBT_PSK, P, "/oic/sec/pstat", ALLOW, RESOURCE_OWNER, 0),
    C(RFNOP, false, UNI, OBT_PSK, P, "/oic/sec/cred", ALLOW, RESOURCE_OWNER, 0), /* cred's own rules: 4.00 */
    C(RFNOP, false, UNI, PEER_PSK, G, "/light", ALLOW, ACE, 1),
    C(RFNOP, false, UNI, PEER_PSK, P, "/light", ALLOW, ACE, 1),
    C(RFNOP, false, UNI, PEER_PSK, U, "/light", ALLOW, ACE, 1),
    C(RFNOP, false, UNI, PEER_PSK, D, "/light", DENY, NO_PERMISSION, 0),
    C(RFNOP, false, UNI, STRANGER_PSK, G, "/light", ALLOW, ACE, 4),
    C(RFNOP, false, UNI, STRANGER_PSK, P, "/light", DENY, NO_PERMISSION, 0),
    C(RFNOP, false, UNI, STRANGER_PSK, G, "/hidden", DENY, NO_PERMISSION, 0),
    C(RFNOP, false, UNI, ADMIN_CERT, P, "/hidden", ALLOW, ACE, 5),
    C(RFNOP, false, UNI, ADMIN_CERT, D, "/switch", ALLOW, ACE, 5),
    C(RFNOP, false, UNI, ADMIN_CERT, P, "/oic/d", DENY, NO_PERMISSION, 0),        /* "*" never a DCR */
    C(RFNOP, false, UNI, ADMIN_CERT, D, "/oic/sec/cred", DENY, NO_PERMISSION, 0), /* nor an SVR */
    C(RFNOP, false, UNI, OTHER_CA, P, "/hidden", DENY, NO_PERMISSION, 0),
    C(RFNOP, false, UNI, VIEWER_CERT, G, "/hidden", ALLOW, ACE, 8),
    C(RFNOP, false, UNI, OWNER_CERT, D, "/hidden", ALLOW, OWNER_ROLE, 0),
    C(RFNOP, false, UNI, OWNER_CERT, D, "/oic/sec/cred", ALLOW, OWNER_ROLE, 0),
    C(RFNOP, false, UNI, OWNER_PSKROLE, D, "/hidden", DENY, NO_PERMISSION, 0),
    C(RFNOP, false, UNI, PEER2_PSK, D, "/switch", ALLOW, ACE, 6), /* "-": has a coap:// endpoint */
    C(RFNOP, false, UNI, PEER2_PSK, D, "/light", DENY, NO_PERMISSION, 0),
    C(RFNOP, false, UNI, PEER2_PSK, D, "/hidden", DENY, NO_PERMISSION, 0),
    /* an NCR with a coap:// endpoint: only anon-clear ACEs grant it unsecured (ADR 0021) */
    C(RFNOP, false, UNI, CLEAR, G, "/switch", ALLOW, ACE, 9),
    C(RFNOP, false, UNI, CLEAR, P, "/switch", DENY, NO_PERMISSION, 0),
    C(RFNOP, false, UNI, CLEAR, D, "/switch", DENY, NO_PERMISSION, 0), /* ACE 6's uuid needs a session */
    C(RFNOP, false, UNI, CLEAR, G, "/light", DENY, NCR_CLEAR, 0),      /* coaps only: ACE 9 cannot help */
    C(RFPRO, false, UNI, CLEAR, G, "/switch", DENY, NCR_NOT_RFNOP, 0),
    C(RFNOP, false, UNI, CLEAR, G, "/oic/d", ALLOW, ACE, 3),
    C(RFNOP, false, UNI, CLEAR, G, "/oic/sec/doxm", DENY, SVR_CLEAR, 0),
    C(RFNOP, false, MC, CLEAR, G, "/oic/sec/doxm", SILENT, MCAST_DOXM_SILENT, 0),
    C(RFNOP, false, MC, CLEAR, G, "/oic/res", ALLOW, ACE, 3),
    C(RFNOP, false, MC, CLEAR, G, "/switch", ALLOW, ACE, 9),
    C(RFNOP, false, MC, CLEAR, G, "/light", SILENT, NCR_CLEAR, 0),
    /* SRESET: corrections by the owners; no NCR */
    C(SRESET, false, UNI, OBT_PSK, P, "/oic/sec/cred", ALLOW, RESOURCE_OWNER, 0),
    C(SRESET, false, UNI, OBT_PSK, P, "/oic/sec/acl2", ALLOW, RESOURCE_OWNER, 0),
    C(SRESET, false, UNI, CLEAR, G, "/oic/sec/pstat", DENY, SVR_CLEAR, 0),
    C(SRESET, false, UNI, STRANGER_PSK, P, "/oic/sec/roles", ALLOW, ROLES_RESOURCE, 0),
    C(SRESET, false, UNI, PEER_PSK, G, "/light", DENY, NCR_NOT_RFNOP, 0),
};

static void fill_resource(ocf_acl_query *q, const char *href) {
  q->href = href;
  q->is_svr = strncmp(href, "/oic/sec/", 9) == 0;
  q->is_dcr = q->is_svr || strcmp(href, "/oic/res") == 0 || strcmp(href, "/oic/d") == 0 ||
              strcmp(href, "/oic/p") == 0;
  q->discoverable = strcmp(href, "/hidden") != 0;
  q->has_unsecured_ep = strcmp(href, "/switch") == 0 || strcmp(href, "/oic/res") == 0;
}

static void fill_peer(ocf_acl_query *q, who w) {
  static const ocf_acl_role ADMIN = {"admin", "ca", true}, OTHER = {"admin", "other", true},
                            VIEWER = {"viewer", "anyone", true}, OWNER = {"oic.role.owner", NULL, true},
                            OWNER_PSK = {"oic.role.owner", NULL, false};
  static const char *const UUIDS[] = {
      [OBT_PSK] = OBT,           [PEER_PSK] = PEER,         [PEER2_PSK] = PEER2,   [PEER3_PSK] = PEER3,
      [STRANGER_PSK] = STRANGER, [ADMIN_CERT] = STRANGER,   [OTHER_CA] = STRANGER, [VIEWER_CERT] = STRANGER,
      [OWNER_CERT] = STRANGER,   [OWNER_PSKROLE] = STRANGER};
  q->conntype = w == CLEAR ? OCF_CONN_ANON_CLEAR : OCF_CONN_AUTH_CRYPT;
  q->auth = w == CLEAR                           ? OCF_ACL_AUTH_NONE
            : w == DOC                           ? OCF_ACL_AUTH_ANON_DTLS
            : w == PIN_NOT_DOC                   ? OCF_ACL_AUTH_PIN
            : w >= ADMIN_CERT && w <= OWNER_CERT ? OCF_ACL_AUTH_CERT
                                                 : OCF_ACL_AUTH_PSK;
  q->over_doc = w == DOC;
  q->has_peer_uuid = w < (int)(sizeof UUIDS / sizeof UUIDS[0]) && UUIDS[w];
  if (q->has_peer_uuid) q->peer_uuid = uuid_of(UUIDS[w]);
  const ocf_acl_role *role = w == ADMIN_CERT      ? &ADMIN
                             : w == OTHER_CA      ? &OTHER
                             : w == VIEWER_CERT   ? &VIEWER
                             : w == OWNER_CERT    ? &OWNER
                             : w == OWNER_PSKROLE ? &OWNER_PSK
                                                  : NULL;
  q->roles = role;
  q->n_roles = role ? 1 : 0;
}

static ocf_acl_query query_of(const acl_case *c) {
  ocf_acl_query q;
  memset(&q, 0, sizeof q);
  fill_resource(&q, c->href);
  fill_peer(&q, c->who);
  q.method = c->method;
  q.multicast = c->multicast;
  q.dos = c->dos;
  q.doc_open = c->doc_open;
  q.acl = acl;
  q.rowner_doxm = q.rowner_pstat = q.rowner_cred = q.rowner_acl2 = uuid_of(OBT);
  return q;
}

static void test_acl_every_table_1_cell(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    const acl_case *c = &CASES[i];
    ocf_acl_query q = query_of(c);
    ocf_acl_decision d = ocf_acl_decide(&q);
    if (d.outcome != c->want || d.rule != c->rule || d.aceid != c->aceid)
      fail_msg("case at line %d (%s %s %s): got outcome %d rule %s ace %u, want %d %s %u", c->line,
               ocf_dos_state_name(c->dos), c->href, c->multicast ? "multicast" : "unicast", d.outcome,
               ocf_acl_rule_name(d.rule), d.aceid, c->want, ocf_acl_rule_name(c->rule), c->aceid);
  }
}

/* an ACE with validity applies only inside its period, and never without a clock */
static void test_acl_validity_periods_bound_an_ace(void **state) {
  (void)state;
  acl_case c = C(RFNOP, false, UNI, PEER3_PSK, P, "/light", ALLOW, ACE, 7);
  ocf_acl_query q = query_of(&c);
  static const struct {
    bool has_now;
    int64_t now;
    ocf_acl_outcome want;
  } TIMES[] = {
      {true, 1451606400, ALLOW}, /* 2016-01-01T00:00:00Z: the first second */
      {true, 1467331200, ALLOW}, /* mid 2016 */
      {true, 1483228799, ALLOW}, /* the last second */
      {true, 1483228800, DENY},  /* 2017-01-01: the end is exclusive */
      {true, 1451606399, DENY},  /* before */
      {false, 1467331200, DENY}, /* no clock: fail closed */
  };
  for (size_t i = 0; i < sizeof TIMES / sizeof TIMES[0]; i++) {
    q.has_now = TIMES[i].has_now;
    q.now_utc = TIMES[i].now;
    assert_int_equal(ocf_acl_decide(&q).outcome, TIMES[i].want);
  }
}

static void test_acl_permissions_of_matching_aces_are_ored(void **state) {
  (void)state;
  /* PEER gets R|U from ACE 1 and R from the auth-crypt "+" ACE 4 */
  acl_case c = C(RFNOP, false, UNI, PEER_PSK, G, "/light", ALLOW, ACE, 1);
  ocf_acl_query q = query_of(&c);
  ocf_acl_decision d = ocf_acl_decide(&q);
  assert_int_equal(d.permission, OCF_PERM_RETRIEVE | OCF_PERM_UPDATE);
  assert_int_equal(d.aceid, 1);
  q.acl = NULL; /* no ACL at all */
  d = ocf_acl_decide(&q);
  assert_int_equal(d.outcome, DENY);
  assert_int_equal(d.permission, 0);
}

/* the peer uuid counts only when a PSK or a certificate proved it (digest 3.4) */
static void test_acl_unauthenticated_uuid_is_ignored(void **state) {
  (void)state;
  acl_case c = C(RFPRO, false, UNI, OBT_PSK, P, "/oic/sec/cred", ALLOW, RESOURCE_OWNER, 0);
  ocf_acl_query q = query_of(&c);
  q.auth = OCF_ACL_AUTH_ANON_DTLS;
  assert_int_equal(ocf_acl_decide(&q).outcome, DENY);
  q.auth = OCF_ACL_AUTH_PSK;
  q.has_peer_uuid = false;
  assert_int_equal(ocf_acl_decide(&q).outcome, DENY);
  /* a nil rowneruuid never matches */
  q.has_peer_uuid = true;
  memset(&q.peer_uuid, 0, sizeof q.peer_uuid);
  memset(&q.rowner_cred, 0, sizeof q.rowner_cred);
  assert_int_equal(ocf_acl_decide(&q).rule, OCF_ACL_RULE_NO_PERMISSION);
}

static void test_acl_names_and_method_bits(void **state) {
  (void)state;
  for (int r = 0; r < OCF_ACL_RULE_COUNT; r++)
    assert_string_not_equal(ocf_acl_rule_name((ocf_acl_rule)r), "?");
  assert_string_equal(ocf_acl_rule_name(OCF_ACL_RULE_COUNT), "?");
  assert_int_equal(ocf_acl_method_bits(OCF_METHOD_GET), OCF_PERM_RETRIEVE | OCF_PERM_NOTIFY);
  assert_int_equal(ocf_acl_method_bits(OCF_METHOD_POST), OCF_PERM_CREATE | OCF_PERM_UPDATE);
  assert_int_equal(ocf_acl_method_bits(OCF_METHOD_DELETE), OCF_PERM_DELETE);
  assert_int_equal(ocf_acl_method_bits((ocf_method)0), 0);
  assert_int_equal(ocf_acl_decide(NULL).outcome, DENY);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_acl_every_table_1_cell),
      cmocka_unit_test(test_acl_validity_periods_bound_an_ace),
      cmocka_unit_test(test_acl_permissions_of_matching_aces_are_ored),
      cmocka_unit_test(test_acl_unauthenticated_uuid_is_ignored),
      cmocka_unit_test(test_acl_names_and_method_bits),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
