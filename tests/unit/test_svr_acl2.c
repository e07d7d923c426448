/* Unit tests of src/svr acl2 (digest 2.4, 7.1, 7.2, pitfalls 2, 12, 13, 20). */
#include "svr_test_util.h"

#include <stdio.h>

#include "svr/acl2.h"

#define OBT "aabbccdd-0000-1111-2222-333344445555"
#define PEER "11111111-2222-3333-4444-555555555555"

#define EXPECT(m, diag, ctx, kind, where)                                                                    \
  EXPECT_UPDATE(ocf_svr_acl2_decode_update, ocf_svr_acl2, m, diag, ctx, kind, where)
#define APPLY(m, diag, ctx, r) APPLY_UPDATE(ocf_svr_acl2_decode_update, ocf_svr_acl2, m, diag, ctx, r)

static int setup(void **state) {
  *state = TEST_NEW(ocf_svr_acl2);
  return 0;
}

static int teardown(void **state) {
  test_free(*state);
  return 0;
}

/* digest 5.2 step 14: IoTivity-Lite's AMS, three ACEs, the uuid with a trailing NUL (pitfall 2) */
static void test_acl2_il_ams_aces_are_added_with_fresh_ids(void **state) {
  ocf_svr_acl2 *m = *state;
  uint64_t seed = 3;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, true, &seed);
  ocf_svr_report r;
  APPLY(m,
        "{_ 'aclist2': [_ {_ 'subject': {_ 'uuid': '" OBT
        "\\0'}, 'resources': [_ {_ 'href': '/oic/sec/sp'}], "
        "'permission': 14}, {_ 'subject': {_ 'uuid': '" OBT
        "\\0'}, 'resources': [_ {_ 'href': '/oic/sec/csr'}], "
        "'permission': 2}, {_ 'subject': {_ 'conntype': 'anon-clear'}, 'resources': [_ {_ 'href': '/oic/d'}, "
        "{_ 'href': '/oic/p'}, {_ 'href': '/oic/res'}, {_ 'href': '/oic/sec/sdi'}], 'permission': 2}]}",
        &ctx, &r);
  assert_int_equal(r.changed, OCF_SVR_ACL2_CHG_ACLIST);
  assert_int_equal(m->n, 3);
  ocf_uuid obt = uuid_of(OBT);
  assert_int_equal(m->ace[0].subject_kind, OCF_ACE_SUBJECT_UUID);
  assert_true(ocf_uuid_equal(&m->ace[0].uuid, &obt));
  assert_int_equal(m->ace[0].permission, 14);
  assert_int_equal(m->ace[2].subject_kind, OCF_ACE_SUBJECT_CONNTYPE);
  assert_int_equal(m->ace[2].conntype, OCF_CONN_ANON_CLEAR);
  assert_int_equal(m->ace[2].n_resources, 4);
  assert_string_equal(m->ace[2].resources[3].href, "/oic/sec/sdi");
  for (int i = 0; i < 3; i++) {
    assert_true(m->ace[i].aceid >= 1 && m->ace[i].aceid <= 0x7fffffffu);
    for (int j = 0; j < i; j++) assert_int_not_equal(m->ace[i].aceid, m->ace[j].aceid);
  }
  EXPECT_STORE_ROUND_TRIP(ocf_svr_acl2_encode, ocf_svr_acl2_decode_update, ocf_svr_acl2, m);
}

/* digest 5.3 step 9 and 12: plgd's null aclist2 (pitfall 20), "if" in resources, wildcards */
static void test_acl2_plgd_shapes_are_accepted(void **state) {
  ocf_svr_acl2 *m = *state;
  uint64_t seed = 3;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, true, &seed);
  ocf_svr_report r;
  APPLY(m, "{'aclist2': null, 'rowneruuid': '" OBT "'}", &ctx, &r);
  assert_int_equal(m->n, 0);
  assert_int_equal(r.changed, OCF_SVR_ACL2_CHG_ACLIST | OCF_SVR_ACL2_CHG_ROWNERUUID);
  APPLY(m,
        "{'aclist2': [{'permission': 31, 'resources': [{'if': ['*'], 'wc': '*'}, {'href': "
        "'/CoapCloudConfResURI', "
        "'if': ['*']}], 'subject': {'uuid': '" OBT
        "'}}, {'permission': 2, 'resources': [{'href': '/oic/d'}], "
        "'subject': {'conntype': 'anon-clear'}}, {'permission': 6, 'resources': [{'wc': '+'}, {'wc': '-'}], "
        "'subject': {'role': 'oic.role.owner'}}]}",
        &ctx, &r);
  assert_int_equal(m->n, 3);
  assert_int_equal(m->ace[0].resources[0].wc, OCF_ACE_WC_ALL);
  assert_int_equal(m->ace[2].resources[0].wc, OCF_ACE_WC_DISCOVERABLE);
  assert_int_equal(m->ace[2].resources[1].wc, OCF_ACE_WC_UNSECURED);
  assert_string_equal(m->ace[2].role, "oic.role.owner");
  assert_string_equal(m->ace[2].authority, "");
}

static void test_acl2_subject_must_have_exactly_one_form(void **state) {
  ocf_svr_acl2 *m = *state;
  uint64_t seed = 3;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
#define ACE(subject) "{'aclist2': [{'subject': " subject ", 'resources': [{'href': '/a'}], 'permission': 2}]}"
  EXPECT(m, ACE("{'uuid': '" OBT "', 'role': 'r'}"), &ctx, OCF_SVR_E_CONFLICT, "aclist2[0].subject");
  EXPECT(m, ACE("{'uuid': '" OBT "', 'conntype': 'anon-clear'}"), &ctx, OCF_SVR_E_CONFLICT,
         "aclist2[0].subject");
  EXPECT(m, ACE("{'conntype': 'auth-crypt', 'authority': 'a'}"), &ctx, OCF_SVR_E_CONFLICT,
         "aclist2[0].subject");
  EXPECT(m, ACE("{'authority': 'a'}"), &ctx, OCF_SVR_E_MISSING, "aclist2[0].subject.role");
  EXPECT(m, ACE("{}"), &ctx, OCF_SVR_E_MISSING, "aclist2[0].subject");
  EXPECT(m, ACE("{'uuid': '" OBT "', 'x': 1}"), &ctx, OCF_SVR_E_UNKNOWN_PROPERTY, "aclist2[0].subject.x");
  EXPECT(m, ACE("{'conntype': 'anon-crypt'}"), &ctx, OCF_SVR_E_RANGE, "aclist2[0].subject.conntype");
  EXPECT(m, ACE("{'uuid': 'not-a-uuid'}"), &ctx, OCF_SVR_E_RANGE, "aclist2[0].subject.uuid");
  ocf_svr_report r;
  APPLY(m, ACE("{'role': 'admin', 'authority': 'ca'}"), &ctx, &r);
  assert_string_equal(m->ace[0].authority, "ca");
#undef ACE
}

static void test_acl2_resources_are_href_or_wildcard(void **state) {
  ocf_svr_acl2 *m = *state;
  uint64_t seed = 3;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
#define RES(res)                                                                                             \
  "{'aclist2': [{'subject': {'conntype': 'auth-crypt'}, 'resources': [{'href': '/ok'}, " res                 \
  "], 'permission': 2}]}"
  EXPECT(m, RES("{'href': '/a', 'wc': '*'}"), &ctx, OCF_SVR_E_CONFLICT, "aclist2[0].resources[1]");
  EXPECT(m, RES("{}"), &ctx, OCF_SVR_E_MISSING, "aclist2[0].resources[1].href");
  EXPECT(m, RES("{'if': ['*']}"), &ctx, OCF_SVR_E_MISSING, "aclist2[0].resources[1].href");
  EXPECT(m, RES("{'href': 'a/b'}"), &ctx, OCF_SVR_E_RANGE, "aclist2[0].resources[1].href");
  EXPECT(m, RES("{'wc': '#'}"), &ctx, OCF_SVR_E_RANGE, "aclist2[0].resources[1].wc");
  EXPECT(m, RES("{'href': '/a', 'rt': ['x']}"), &ctx, OCF_SVR_E_UNKNOWN_PROPERTY,
         "aclist2[0].resources[1].rt");
  EXPECT(m, RES("{'href': '/a', 'if': 'x'}"), &ctx, OCF_SVR_E_TYPE, "aclist2[0].resources[1].if");
  EXPECT(m, RES("{'href': 5}"), &ctx, OCF_SVR_E_TYPE, "aclist2[0].resources[1].href");
  EXPECT(m, RES("'/a'"), &ctx, OCF_SVR_E_TYPE, "aclist2[0].resources[1]");
  char *payload = test_malloc(4096);
  char href[OCF_SVR_HREF_MAX + 2] = {'/'};
  memset(href + 1, 'a', OCF_SVR_HREF_MAX);
  snprintf(payload, 4096, RES("{'href': '%s'}"), href);
  EXPECT(m, payload, &ctx, OCF_SVR_E_TOO_LARGE, "aclist2[0].resources[1].href");
  size_t n =
      (size_t)snprintf(payload, 4096, "{'aclist2': [{'subject': {'conntype': 'auth-crypt'}, 'resources': [");
  for (int i = 0; i <= OCF_SVR_MAX_ACE_RESOURCES; i++)
    n += (size_t)snprintf(payload + n, 4096 - n, "%s{'href': '/r%d'}", i ? "," : "", i);
  snprintf(payload + n, 4096 - n, "], 'permission': 2}]}");
  EXPECT(m, payload, &ctx, OCF_SVR_E_TOO_LARGE, "aclist2[0].resources");
  test_free(payload);
#undef RES
}

static void test_acl2_required_properties_and_types(void **state) {
  ocf_svr_acl2 *m = *state;
  uint64_t seed = 3;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  EXPECT(m, "{'aclist2': [{'resources': [], 'permission': 2}]}", &ctx, OCF_SVR_E_MISSING,
         "aclist2[0].subject");
  EXPECT(m, "{'aclist2': [{'subject': {'conntype': 'auth-crypt'}, 'permission': 2}]}", &ctx,
         OCF_SVR_E_MISSING, "aclist2[0].resources");
  EXPECT(m, "{'aclist2': [{'subject': {'conntype': 'auth-crypt'}, 'resources': []}]}", &ctx,
         OCF_SVR_E_MISSING, "aclist2[0].permission");
  static const char *const TYPES[][2] = {
      {"{'aclist2': {}}", "aclist2"},
      {"{'aclist2': 'x'}", "aclist2"},
      {"{'aclist2': [[]]}", "aclist2[0]"},
      {"{'aclist2': [{'aceid': 'x'}]}", "aclist2[0].aceid"},
      {"{'aclist2': [{'subject': []}]}", "aclist2[0].subject"},
      {"{'aclist2': [{'resources': {}}]}", "aclist2[0].resources"},
      {"{'aclist2': [{'permission': '2'}]}", "aclist2[0].permission"},
      {"{'aclist2': [{'validity': {}}]}", "aclist2[0].validity"},
      {"{'aclist2': [{'validity': [{'period': 1}]}]}", "aclist2[0].validity[0].period"},
      {"{'aclist2': [{'validity': [{'period': '20160101T180000Z/PT1H', 'recurrence': 5}]}]}",
       "aclist2[0].validity[0].recurrence"},
      {"{'aclist2': [{'tag': 1}]}", "aclist2[0].tag"},
      {"{'aclist2': [{'subject': {'role': 1}}]}", "aclist2[0].subject.role"},
  };
  for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
    EXPECT(m, TYPES[i][0], &ctx, OCF_SVR_E_TYPE, TYPES[i][1]);
  ocf_svr_ctx otm = client_ctx(OCF_DOS_RFOTM, true, &seed);
  EXPECT(m, "{'rowneruuid': true}", &otm, OCF_SVR_E_TYPE, "rowneruuid");
  EXPECT(m, "{'aclist2': [{'permission': 32}]}", &ctx, OCF_SVR_E_RANGE, "aclist2[0].permission");
  EXPECT(m, "{'aclist2': [{'aceid': 0}]}", &ctx, OCF_SVR_E_RANGE, "aclist2[0].aceid");
  EXPECT(m, "{'aclist2': [{'x': 0}]}", &ctx, OCF_SVR_E_UNKNOWN_PROPERTY, "aclist2[0].x");
  EXPECT(m, "{'aclists': []}", &ctx, OCF_SVR_E_UNKNOWN_PROPERTY, "aclists");
}

/* validity is accepted with UTC periods; recurrence rules are refused (pitfalls 12, 13) */
static void test_acl2_validity_periods(void **state) {
  ocf_svr_acl2 *m = *state;
  uint64_t seed = 3;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  ocf_svr_report r;
  APPLY(
      m,
      "{'aclist2': [{'subject': {'conntype': 'auth-crypt'}, 'resources': [{'href': '/a'}], 'permission': 2,"
      "'validity': [{'period': '20160101T180000Z/20170102T070000Z'}, {'period': '20160101T180000Z/PT5H30M', "
      "'recurrence': []}, {'period': '20240229T000000Z/P1W', 'recurrence': ''}]}]}",
      &ctx, &r);
  const ocf_svr_ace *a = &m->ace[0];
  assert_int_equal(a->n_validity, 3);
  assert_int_equal(a->validity[0].start, 1451671200); /* 2016-01-01T18:00:00Z */
  assert_int_equal(a->validity[0].end, 1483340400);   /* 2017-01-02T07:00:00Z */
  assert_int_equal(a->validity[1].end - a->validity[1].start, 5 * 3600 + 30 * 60);
  assert_int_equal(a->validity[2].start, 1709164800); /* a leap day */
  assert_int_equal(a->validity[2].end - a->validity[2].start, 7 * 86400);
  EXPECT_STORE_ROUND_TRIP(ocf_svr_acl2_encode, ocf_svr_acl2_decode_update, ocf_svr_acl2, m);
#define VAL(v)                                                                                               \
  "{'aclist2': [{'subject': {'conntype': 'auth-crypt'}, 'resources': [], 'permission': 2, 'validity': [" v   \
  "]}]}"
  EXPECT(m, VAL("{'period': '20160101T180000Z/PT1H', 'recurrence': ['RRULE:FREQ=DAILY']}"), &ctx,
         OCF_SVR_E_UNSUPPORTED, "aclist2[0].validity[0].recurrence");
  EXPECT(m, VAL("{'period': '20160101T180000Z/PT1H', 'recurrence': 'RRULE:FREQ=DAILY'}"), &ctx,
         OCF_SVR_E_UNSUPPORTED, "aclist2[0].validity[0].recurrence");
  EXPECT(m, VAL("{'recurrence': []}"), &ctx, OCF_SVR_E_MISSING, "aclist2[0].validity[0].period");
  static const char *const BAD[] = {
      "20160101T180000/PT1H",      "20160230T000000Z/PT1H",  "20160101T240000Z/PT1H",
      "20160101T180000Z/P",        "20160101T180000Z/PT",    "20160101T180000Z/P1W2D",
      "20160101T180000Z/-PT1H",    "20160101T180000Z",       "20160101T180000Z/20160101T180000Z",
      "2016-01-01T18:00:00Z/PT1H", "20160101T180000Z/PT1H ", "20160101T180000Z/P9999999999D",
  };
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
    char payload[256];
    snprintf(payload, sizeof payload, VAL("{'period': '%s'}"), BAD[i]);
    EXPECT(m, payload, &ctx, OCF_SVR_E_RANGE, "aclist2[0].validity[0].period");
  }
#undef VAL
}

static void test_acl2_post_replaces_by_aceid_and_ignores_duplicates(void **state) {
  ocf_svr_acl2 *m = *state;
  uint64_t seed = 3;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  ocf_svr_report r;
  const char *ace =
      "{'aclist2': [{'subject': {'uuid': '" PEER "'}, 'resources': [{'href': '/a'}], 'permission': 6}]}";
  APPLY(m, ace, &ctx, &r);
  APPLY(m, ace, &ctx, &r);
  assert_int_equal(m->n, 1);
  char payload[256];
  snprintf(payload, sizeof payload,
           "{'aclist2': [{'aceid': %u, 'subject': {'uuid': '" PEER "'}, 'resources': [{'href': '/b'}], "
           "'permission': 2}]}",
           m->ace[0].aceid);
  APPLY(m, payload, &ctx, &r);
  assert_int_equal(m->n, 1);
  assert_string_equal(m->ace[0].resources[0].href, "/b");
  APPLY(m, "{'aclist2': [{'aceid': 9, 'subject': {'uuid': '" PEER "'}, 'resources': [], 'permission': 0}]}",
        &ctx, &r);
  assert_non_null(ocf_svr_acl2_find_id(m, 9));
  assert_null(ocf_svr_acl2_find_id(m, 10));
}

static void test_acl2_caps_writes_and_deletes_follow_the_state(void **state) {
  ocf_svr_acl2 *m = *state;
  uint64_t seed = 3;
  for (uint8_t s = 0; s < OCF_DOS_COUNT; s++) {
    ocf_svr_ctx ctx = client_ctx(s, false, &seed);
    bool list_ok = s == OCF_DOS_RFOTM || s == OCF_DOS_RFPRO || s == OCF_DOS_SRESET;
    bool owner_ok = s == OCF_DOS_RFOTM || s == OCF_DOS_SRESET;
    EXPECT(m, "{'aclist2': []}", &ctx, list_ok ? OCF_SVR_E_NONE : OCF_SVR_E_STATE, list_ok ? "" : "aclist2");
    EXPECT(m, "{'rowneruuid': '" OBT "'}", &ctx, owner_ok ? OCF_SVR_E_NONE : OCF_SVR_E_STATE,
           owner_ok ? "" : "rowneruuid");
    ocf_svr_report r;
    assert_int_equal(ocf_svr_acl2_delete_all(m, &ctx, &r), list_ok ? OCF_OK : OCF_ERR_STATE);
    if (!list_ok) assert_int_equal(ocf_svr_report_status(&r), OCF_STATUS_FORBIDDEN);
  }
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  for (uint32_t i = 0; i < OCF_SVR_MAX_ACES; i++) m->ace[i].aceid = i + 1;
  m->n = OCF_SVR_MAX_ACES;
  EXPECT(m, "{'aclist2': [{'subject': {'uuid': '" PEER "'}, 'resources': [], 'permission': 1}]}", &ctx,
         OCF_SVR_E_FULL, "aclist2[0]");
  ocf_svr_report r;
  assert_int_equal(ocf_svr_acl2_delete_id(m, 100, &ctx, &r), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_svr_acl2_delete_id(m, 1, &ctx, &r), OCF_OK);
  assert_int_equal(m->n, OCF_SVR_MAX_ACES - 1);
  assert_int_equal(m->ace[0].aceid, 2);
  assert_null(ocf_svr_acl2_find_id(m, 1));
  assert_int_equal(ocf_svr_acl2_delete_all(m, &ctx, &r), OCF_OK);
  assert_int_equal(m->n, 0);
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_acl2_il_ams_aces_are_added_with_fresh_ids),
      T(test_acl2_plgd_shapes_are_accepted),
      T(test_acl2_subject_must_have_exactly_one_form),
      T(test_acl2_resources_are_href_or_wildcard),
      T(test_acl2_required_properties_and_types),
      T(test_acl2_validity_periods),
      T(test_acl2_post_replaces_by_aceid_and_ignores_duplicates),
      T(test_acl2_caps_writes_and_deletes_follow_the_state),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
