/* Unit tests of src/svr doxm (digest 2.1, 1.7, pitfalls 2, 8, 16, 18, 21). */
#include "svr_test_util.h"

#include "svr/doxm.h"

#define DEV "ce3eefde-b8e3-4c08-5674-c3702eb35028"
#define OBT "aabbccdd-0000-1111-2222-333344445555"
#define NIL "00000000-0000-0000-0000-000000000000"

static ocf_svr_doxm fresh(void) {
  static const uint32_t oxms[] = {OCF_OXM_JUST_WORKS, OCF_OXM_MFG_CERT};
  ocf_svr_doxm m;
  ocf_uuid di = uuid_of(DEV);
  assert_int_equal(ocf_svr_doxm_init(&m, oxms, 2, 9, &di), OCF_OK);
  return m;
}

#define EXPECT(m, diag, ctx, kind, where)                                                                    \
  EXPECT_UPDATE(ocf_svr_doxm_decode_update, ocf_svr_doxm, m, diag, ctx, kind, where)
#define APPLY(m, diag, ctx, r) APPLY_UPDATE(ocf_svr_doxm_decode_update, ocf_svr_doxm, m, diag, ctx, r)

static void test_doxm_init_is_unowned_with_oxmsel_self(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh();
  assert_int_equal(m.oxmsel, OCF_OXM_SELF); /* pitfall 18 */
  assert_false(m.owned);
  assert_true(ocf_uuid_is_nil(&m.devowneruuid));
  assert_true(ocf_uuid_is_nil(&m.rowneruuid));
  ocf_uuid di = uuid_of(DEV);
  uint32_t many[OCF_SVR_MAX_OXMS + 1] = {0};
  assert_int_equal(ocf_svr_doxm_init(&m, many, OCF_SVR_MAX_OXMS + 1, 9, &di), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_svr_doxm_init(&m, many, 1, 512, &di), OCF_ERR_INVALID_ARG);
}

/* digest 2.1: "Example GET on a fresh IL Device" */
static void test_doxm_encode_has_every_required_property(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh();
  uint8_t buf[512];
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, sizeof buf);
  ocf_svr_doxm_encode(&m, 0, &e);
  size_t len;
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
  test_tree *got = TEST_NEW(test_tree), *want = TEST_NEW(test_tree);
  const ocf_rep_node *want_root = diag_tree(want, "{'oxms': [0, 2], 'oxmsel': 4, 'sct': 9, 'owned': false,"
                                                  "'deviceuuid': '" DEV "', 'devowneruuid': '" NIL "',"
                                                  "'rowneruuid': '" NIL "'}");
  assert_true(ocf_rep_equal(bytes_tree(got, buf, len), want_root));
  ocf_rep_enc_init(&e, buf, sizeof buf);
  ocf_svr_doxm_encode(&m, OCF_SVR_ENC_BASELINE, &e);
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
  const ocf_rep_node *base = bytes_tree(got, buf, len);
  ocf_rep_str rt;
  assert_int_equal(ocf_rep_get_text(ocf_rep_first(ocf_rep_map_value(base, "rt")), &rt), OCF_OK);
  assert_true(ocf_rep_str_eq(rt, "oic.r.doxm"));
  assert_int_equal(ocf_rep_count(ocf_rep_map_value(base, "if")), 2);
  test_free(got);
  test_free(want);
}

/* digest 5.2 step 2 / pitfall 8: oxmsel over plain coap:// in RFOTM */
static void test_doxm_oxmsel_written_outside_the_doc_in_rfotm(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh();
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, false, &seed);
  ocf_svr_report r;
  APPLY(&m, "{'oxmsel': 0}", &ctx, &r);
  assert_int_equal(m.oxmsel, 0);
  assert_int_equal(r.changed, OCF_SVR_DOXM_CHG_OXMSEL);
  assert_int_equal(ocf_svr_report_status(&r), OCF_STATUS_CHANGED);
}

static void test_doxm_oxmsel_refused_over_the_doc(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh();
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, true, &seed);
  EXPECT(&m, "{'oxmsel': 0}", &ctx, OCF_SVR_E_STATE, "oxmsel");
}

static void test_doxm_oxmsel_not_offered_is_refused(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh();
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, false, &seed);
  EXPECT(&m, "{'oxmsel': 1}", &ctx, OCF_SVR_E_RANGE, "oxmsel");
  EXPECT(&m, "{'oxmsel': 4}", &ctx, OCF_SVR_E_RANGE, "oxmsel"); /* self is not in oxms */
  EXPECT(&m, "{'oxmsel': -1}", &ctx, OCF_SVR_E_RANGE, "oxmsel");
}

static void test_doxm_nothing_is_writable_outside_rfotm(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh();
  uint64_t seed = 1;
  static const uint8_t states[] = {OCF_DOS_RESET, OCF_DOS_RFPRO, OCF_DOS_RFNOP, OCF_DOS_SRESET};
  for (size_t i = 0; i < sizeof states; i++) {
    for (int doc = 0; doc < 2; doc++) { /* pitfall 16: not even SRESET over the DOC */
      ocf_svr_ctx ctx = client_ctx(states[i], doc, &seed);
      EXPECT(&m, "{'oxmsel': 0}", &ctx, OCF_SVR_E_STATE, "oxmsel");
      EXPECT(&m, "{'owned': true}", &ctx, OCF_SVR_E_STATE, "owned");
      EXPECT(&m, "{'deviceuuid': '" OBT "'}", &ctx, OCF_SVR_E_STATE, "deviceuuid");
      EXPECT(&m, "{'devowneruuid': '" OBT "'}", &ctx, OCF_SVR_E_STATE, "devowneruuid");
      EXPECT(&m, "{'rowneruuid': '" OBT "'}", &ctx, OCF_SVR_E_STATE, "rowneruuid");
    }
  }
}

static void test_doxm_owner_properties_need_the_doc(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh();
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, false, &seed);
  EXPECT(&m, "{'owned': true}", &ctx, OCF_SVR_E_STATE, "owned");
  EXPECT(&m, "{'deviceuuid': '" OBT "'}", &ctx, OCF_SVR_E_STATE, "deviceuuid");
  EXPECT(&m, "{'devowneruuid': '" OBT "'}", &ctx, OCF_SVR_E_STATE, "devowneruuid");
  EXPECT(&m, "{'rowneruuid': '" OBT "'}", &ctx, OCF_SVR_E_STATE, "rowneruuid");
}

/* digest 5.2 steps 4, 5, 6, 11 as IoTivity-Lite sends them, one POST each */
static void test_doxm_il_dots_steps_over_the_doc(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh();
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, true, &seed);
  ocf_svr_report r;
  APPLY(&m, "{_ 'devowneruuid': '" OBT "'}", &ctx, &r);
  assert_int_equal(r.changed, OCF_SVR_DOXM_CHG_DEVOWNERUUID);
  APPLY(&m, "{_ 'deviceuuid': '12345678-1234-1234-1234-123456789abc'}", &ctx, &r);
  assert_int_equal(r.changed, OCF_SVR_DOXM_CHG_DEVICEUUID);
  APPLY(&m, "{_ 'rowneruuid': '" OBT "'}", &ctx, &r);
  APPLY(&m, "{_ 'owned': true}", &ctx, &r);
  assert_true(m.owned);
  ocf_uuid obt = uuid_of(OBT), di = uuid_of("12345678-1234-1234-1234-123456789abc");
  assert_true(ocf_uuid_equal(&m.devowneruuid, &obt));
  assert_true(ocf_uuid_equal(&m.rowneruuid, &obt));
  assert_true(ocf_uuid_equal(&m.deviceuuid, &di));
}

/* pitfall 2 and 3: a trailing NUL, upper case and IoTivity-Lite's variant bits are fine */
static void test_doxm_uuid_forms_of_real_peers_are_accepted(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh();
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, true, &seed);
  ocf_svr_report r;
  APPLY(&m, "{'devowneruuid': 'AABBCCDD-0000-1111-2222-333344445555\\0'}", &ctx, &r);
  ocf_uuid obt = uuid_of(OBT);
  assert_true(ocf_uuid_equal(&m.devowneruuid, &obt));
  EXPECT(&m, "{'devowneruuid': 'AABBCCDD-0000-1111-2222-333344445555\\0\\0'}", &ctx, OCF_SVR_E_RANGE,
         "devowneruuid");
  EXPECT(&m, "{'devowneruuid': 'aabbccdd00001111222233334444555566'}", &ctx, OCF_SVR_E_RANGE, "devowneruuid");
}

static void test_doxm_nil_deviceuuid_is_refused(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh();
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, true, &seed);
  EXPECT(&m, "{'deviceuuid': '" NIL "'}", &ctx, OCF_SVR_E_RANGE, "deviceuuid");
}

static void test_doxm_read_only_properties_are_refused(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh();
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, true, &seed);
  static const struct {
    const char *payload, *where;
  } CASES[] = {
      {"{'oxms': [0]}", "oxms"},
      {"{'sct': 9}", "sct"},
      {"{'rt': ['oic.r.doxm']}", "rt"},
      {"{'if': ['oic.if.rw']}", "if"},
      {"{'n': 'x'}", "n"},
      {"{'id': 'x'}", "id"},
      /* the first bad property decides, and nothing before it is kept */
      {"{'owned': true, 'sct': 1}", "sct"},
  };
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++)
    EXPECT(&m, CASES[i].payload, &ctx, OCF_SVR_E_READ_ONLY, CASES[i].where);
}

static void test_doxm_every_property_with_a_wrong_type_is_refused(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh();
  uint64_t seed = 1;
  static const struct {
    const char *payload, *where;
    bool doc;
  } CASES[] = {
      {"{'oxmsel': '0'}", "oxmsel", false},
      {"{'oxmsel': true}", "oxmsel", false},
      {"{'oxmsel': 1.0}", "oxmsel", false},
      {"{'oxmsel': null}", "oxmsel", false},
      {"{'owned': 1}", "owned", true},
      {"{'owned': 'true'}", "owned", true},
      {"{'deviceuuid': 5}", "deviceuuid", true},
      {"{'deviceuuid': h'00'}", "deviceuuid", true},
      {"{'devowneruuid': []}", "devowneruuid", true},
      {"{'rowneruuid': {}}", "rowneruuid", true},
  };
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, CASES[i].doc, &seed);
    EXPECT(&m, CASES[i].payload, &ctx, OCF_SVR_E_TYPE, CASES[i].where);
  }
}

static void test_doxm_unknown_property_and_bad_payloads_are_refused(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh();
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, false, &seed);
  EXPECT(&m, "{'oxmsel': 0, 'oxmsell': 0}", &ctx, OCF_SVR_E_UNKNOWN_PROPERTY, "oxmsell");
  EXPECT(&m, "[{'oxmsel': 0}]", &ctx, OCF_SVR_E_TYPE, "");
  EXPECT(&m, "'oxmsel'", &ctx, OCF_SVR_E_TYPE, "");
  ocf_svr_doxm out;
  ocf_svr_report r;
  assert_int_equal(ocf_svr_doxm_decode_update(&m, NULL, &ctx, &out, &r), OCF_ERR_MALFORMED);
  assert_int_equal(r.kind, OCF_SVR_E_MISSING);
  assert_int_equal(ocf_svr_doxm_decode_update(&m, NULL, &ctx, &m, &r), OCF_ERR_INVALID_ARG);
}

static void test_doxm_empty_map_changes_nothing(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh(), before = m;
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFNOP, false, &seed);
  ocf_svr_report r;
  APPLY(&m, "{}", &ctx, &r);
  assert_memory_equal(&m, &before, sizeof m);
  assert_int_equal(r.changed, 0);
}

static void test_doxm_store_round_trip_is_byte_exact(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh();
  m.owned = true;
  m.oxmsel = 2;
  m.devowneruuid = uuid_of(OBT);
  m.rowneruuid = uuid_of(OBT);
  EXPECT_STORE_ROUND_TRIP(ocf_svr_doxm_encode, ocf_svr_doxm_decode_update, ocf_svr_doxm, &m);
  ocf_svr_doxm empty;
  ocf_uuid di = uuid_of(DEV);
  assert_int_equal(ocf_svr_doxm_init(&empty, NULL, 0, 0, &di), OCF_OK);
  EXPECT_STORE_ROUND_TRIP(ocf_svr_doxm_encode, ocf_svr_doxm_decode_update, ocf_svr_doxm, &empty);
}

static void test_doxm_reset_gives_a_new_uuid_and_drops_the_owner(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh();
  m.owned = true;
  m.oxmsel = 0;
  m.devowneruuid = m.rowneruuid = uuid_of(OBT);
  ocf_uuid fresh_id = uuid_of("99999999-8888-7777-6666-555555555555");
  ocf_svr_doxm_reset(&m, &fresh_id);
  ocf_svr_doxm want = fresh();
  want.deviceuuid = fresh_id;
  assert_memory_equal(&m, &want, sizeof m);
}

/* digest 1.6, 1.7, pitfall 21 */
static void test_doxm_owned_query_ignores_case(void **state) {
  (void)state;
  ocf_svr_doxm m = fresh();
  bool match;
  static const struct {
    const char *v;
    ocf_err err;
    bool match;
  } CASES[] = {{"false", OCF_OK, true},     {"FALSE", OCF_OK, true},         {"False", OCF_OK, true},
               {"true", OCF_OK, false},     {"TRUE", OCF_OK, false},         {"", OCF_ERR_RANGE, false},
               {"0", OCF_ERR_RANGE, false}, {"falsey", OCF_ERR_RANGE, false}};
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    match = !CASES[i].match;
    assert_int_equal(ocf_svr_doxm_owned_query(&m, CASES[i].v, strlen(CASES[i].v), &match), CASES[i].err);
    if (CASES[i].err == OCF_OK) assert_int_equal(match, CASES[i].match);
  }
  m.owned = true;
  assert_int_equal(ocf_svr_doxm_owned_query(&m, "True", 4, &match), OCF_OK);
  assert_true(match);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_doxm_init_is_unowned_with_oxmsel_self),
      cmocka_unit_test(test_doxm_encode_has_every_required_property),
      cmocka_unit_test(test_doxm_oxmsel_written_outside_the_doc_in_rfotm),
      cmocka_unit_test(test_doxm_oxmsel_refused_over_the_doc),
      cmocka_unit_test(test_doxm_oxmsel_not_offered_is_refused),
      cmocka_unit_test(test_doxm_nothing_is_writable_outside_rfotm),
      cmocka_unit_test(test_doxm_owner_properties_need_the_doc),
      cmocka_unit_test(test_doxm_il_dots_steps_over_the_doc),
      cmocka_unit_test(test_doxm_uuid_forms_of_real_peers_are_accepted),
      cmocka_unit_test(test_doxm_nil_deviceuuid_is_refused),
      cmocka_unit_test(test_doxm_read_only_properties_are_refused),
      cmocka_unit_test(test_doxm_every_property_with_a_wrong_type_is_refused),
      cmocka_unit_test(test_doxm_unknown_property_and_bad_payloads_are_refused),
      cmocka_unit_test(test_doxm_empty_map_changes_nothing),
      cmocka_unit_test(test_doxm_store_round_trip_is_byte_exact),
      cmocka_unit_test(test_doxm_reset_gives_a_new_uuid_and_drops_the_owner),
      cmocka_unit_test(test_doxm_owned_query_ignores_case),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
