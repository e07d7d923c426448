/* Unit tests of src/svr pstat (digest 2.2, 3.2, pitfall 19). */
#include "svr_test_util.h"

#include "svr/pstat.h"

#define OBT "aabbccdd-0000-1111-2222-333344445555"

#define EXPECT(m, diag, ctx, kind, where)                                                                    \
  EXPECT_UPDATE(ocf_svr_pstat_decode_update, ocf_svr_pstat, m, diag, ctx, kind, where)
#define APPLY(m, diag, ctx, r) APPLY_UPDATE(ocf_svr_pstat_decode_update, ocf_svr_pstat, m, diag, ctx, r)

static ocf_svr_pstat in_state(uint8_t s) {
  ocf_svr_pstat m;
  ocf_svr_pstat_init(&m);
  ocf_svr_pstat_enter(&m, s);
  return m;
}

/* digest 2.2 "Values IL holds in each state" */
static void test_pstat_enter_sets_the_modes_of_each_state(void **state) {
  (void)state;
  static const struct {
    uint8_t s;
    uint32_t cm, tm;
    bool isop, p;
  } ROWS[] = {
      {OCF_DOS_RESET, 1, 2, false, true},   {OCF_DOS_RFOTM, 2, 0, false, false},
      {OCF_DOS_RFPRO, 0, 0, false, false},  {OCF_DOS_RFNOP, 0, 0, true, false},
      {OCF_DOS_SRESET, 1, 0, false, false},
  };
  for (size_t i = 0; i < sizeof ROWS / sizeof ROWS[0]; i++) {
    ocf_svr_pstat m = in_state(ROWS[i].s);
    assert_int_equal(m.dos_s, ROWS[i].s);
    assert_int_equal(m.cm, ROWS[i].cm);
    assert_int_equal(m.tm, ROWS[i].tm);
    assert_int_equal(m.isop, ROWS[i].isop);
    assert_int_equal(m.dos_p, ROWS[i].p);
  }
  ocf_svr_pstat m;
  ocf_svr_pstat_init(&m);
  assert_int_equal(m.om, 3); /* pitfall 19: om 3 with sm 4 */
  assert_int_equal(m.sm, 4);
  ocf_svr_pstat before = m;
  ocf_svr_pstat_enter(&m, 5);
  assert_memory_equal(&m, &before, sizeof m);
}

static void test_pstat_dos_request_is_checked_and_left_pending(void **state) {
  (void)state;
  ocf_svr_pstat m = in_state(OCF_DOS_RFOTM);
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, true, &seed);
  ocf_svr_report r;
  APPLY(&m, "{'dos': {'s': 2}}", &ctx, &r);
  assert_true(r.dos_requested);
  assert_int_equal(r.dos_target, OCF_DOS_RFPRO);
  assert_int_equal(r.changed, OCF_SVR_PSTAT_CHG_DOS);
  assert_int_equal(m.dos_s, OCF_DOS_RFPRO);
  assert_true(m.dos_p);
  assert_int_equal(m.cm, 2); /* the modes change only when the device enters the state */
  /* while pending, another request is refused */
  EXPECT(&m, "{'dos': {'s': 3}}", &ctx, OCF_SVR_E_STATE, "dos.s");
}

static void test_pstat_disallowed_transitions_are_refused(void **state) {
  (void)state;
  uint64_t seed = 1;
  static const struct {
    uint8_t from, to;
  } BAD[] = {{OCF_DOS_RFOTM, OCF_DOS_RFNOP},  {OCF_DOS_RFOTM, OCF_DOS_SRESET},
             {OCF_DOS_RFPRO, OCF_DOS_RFOTM},  {OCF_DOS_RFNOP, OCF_DOS_RFOTM},
             {OCF_DOS_SRESET, OCF_DOS_RFNOP}, {OCF_DOS_SRESET, OCF_DOS_RFOTM}};
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
    ocf_svr_pstat m = in_state(BAD[i].from);
    ocf_svr_ctx ctx = client_ctx(BAD[i].from, false, &seed);
    char payload[64];
    snprintf(payload, sizeof payload, "{'dos': {'s': %u}}", BAD[i].to);
    EXPECT(&m, payload, &ctx, OCF_SVR_E_TRANSITION, "dos.s");
  }
}

static void test_pstat_dos_p_and_bad_dos_shapes_are_refused(void **state) {
  (void)state;
  ocf_svr_pstat m = in_state(OCF_DOS_RFNOP);
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFNOP, false, &seed);
  EXPECT(&m, "{'dos': {'s': 2, 'p': false}}", &ctx, OCF_SVR_E_READ_ONLY, "dos.p"); /* pitfall 19 */
  EXPECT(&m, "{'dos': {'p': false}}", &ctx, OCF_SVR_E_READ_ONLY, "dos.p");
  EXPECT(&m, "{'dos': {}}", &ctx, OCF_SVR_E_MISSING, "dos.s");
  EXPECT(&m, "{'dos': {'s': 2, 'q': 1}}", &ctx, OCF_SVR_E_UNKNOWN_PROPERTY, "dos.q");
  EXPECT(&m, "{'dos': {'s': 5}}", &ctx, OCF_SVR_E_RANGE, "dos.s");
  EXPECT(&m, "{'dos': {'s': -1}}", &ctx, OCF_SVR_E_RANGE, "dos.s");
  EXPECT(&m, "{'dos': 2}", &ctx, OCF_SVR_E_TYPE, "dos");
  EXPECT(&m, "{'dos': {'s': '2'}}", &ctx, OCF_SVR_E_TYPE, "dos.s");
}

static void test_pstat_om_and_tm_are_writable_in_every_state(void **state) {
  (void)state;
  uint64_t seed = 1;
  for (uint8_t s = 0; s < OCF_DOS_COUNT; s++) {
    ocf_svr_pstat m = in_state(s);
    m.dos_p = false;
    ocf_svr_ctx ctx = client_ctx(s, false, &seed);
    ocf_svr_report r;
    APPLY(&m, "{'om': 4, 'tm': 256}", &ctx, &r); /* 256: IoTivity-Lite's extension */
    assert_int_equal(m.om, 4);
    assert_int_equal(m.tm, 256);
    assert_int_equal(r.changed, OCF_SVR_PSTAT_CHG_OM | OCF_SVR_PSTAT_CHG_TM);
    EXPECT(&m, "{'om': 0}", &ctx, OCF_SVR_E_RANGE, "om");
    EXPECT(&m, "{'om': 8}", &ctx, OCF_SVR_E_RANGE, "om");
    EXPECT(&m, "{'tm': 512}", &ctx, OCF_SVR_E_RANGE, "tm");
  }
}

static void test_pstat_rowneruuid_only_in_reset_rfotm_sreset(void **state) {
  (void)state;
  uint64_t seed = 1;
  for (uint8_t s = 0; s < OCF_DOS_COUNT; s++) {
    ocf_svr_pstat m = in_state(s);
    ocf_svr_ctx ctx = client_ctx(s, s == OCF_DOS_RFOTM, &seed);
    if (s == OCF_DOS_RFPRO || s == OCF_DOS_RFNOP) {
      EXPECT(&m, "{'rowneruuid': '" OBT "'}", &ctx, OCF_SVR_E_STATE, "rowneruuid");
    } else {
      ocf_svr_report r;
      APPLY(&m, "{'rowneruuid': '" OBT "'}", &ctx, &r);
      ocf_uuid obt = uuid_of(OBT);
      assert_true(ocf_uuid_equal(&m.rowneruuid, &obt));
    }
  }
}

static void test_pstat_read_only_and_wrong_types_are_refused(void **state) {
  (void)state;
  ocf_svr_pstat m = in_state(OCF_DOS_RFOTM);
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, true, &seed);
  EXPECT(&m, "{'isop': true}", &ctx, OCF_SVR_E_READ_ONLY, "isop");
  EXPECT(&m, "{'cm': 0}", &ctx, OCF_SVR_E_READ_ONLY, "cm");
  EXPECT(&m, "{'sm': 4}", &ctx, OCF_SVR_E_READ_ONLY, "sm");
  EXPECT(&m, "{'rt': ['oic.r.pstat']}", &ctx, OCF_SVR_E_READ_ONLY, "rt");
  EXPECT(&m, "{'om': '4'}", &ctx, OCF_SVR_E_TYPE, "om");
  EXPECT(&m, "{'tm': false}", &ctx, OCF_SVR_E_TYPE, "tm");
  EXPECT(&m, "{'rowneruuid': 1}", &ctx, OCF_SVR_E_TYPE, "rowneruuid");
  EXPECT(&m, "{'om': 4, 'x': 1}", &ctx, OCF_SVR_E_UNKNOWN_PROPERTY, "x");
  /* an entry check cannot be half-applied: om stays 3 when dos fails */
  EXPECT(&m, "{'om': 4, 'dos': {'s': 3}}", &ctx, OCF_SVR_E_TRANSITION, "dos.s");
}

static void test_pstat_store_round_trip_is_byte_exact(void **state) {
  (void)state;
  for (uint8_t s = 0; s < OCF_DOS_COUNT; s++) {
    ocf_svr_pstat m = in_state(s);
    m.om = 4;
    m.rowneruuid = uuid_of(OBT);
    EXPECT_STORE_ROUND_TRIP(ocf_svr_pstat_encode, ocf_svr_pstat_decode_update, ocf_svr_pstat, &m);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pstat_enter_sets_the_modes_of_each_state),
      cmocka_unit_test(test_pstat_dos_request_is_checked_and_left_pending),
      cmocka_unit_test(test_pstat_disallowed_transitions_are_refused),
      cmocka_unit_test(test_pstat_dos_p_and_bad_dos_shapes_are_refused),
      cmocka_unit_test(test_pstat_om_and_tm_are_writable_in_every_state),
      cmocka_unit_test(test_pstat_rowneruuid_only_in_reset_rfotm_sreset),
      cmocka_unit_test(test_pstat_read_only_and_wrong_types_are_refused),
      cmocka_unit_test(test_pstat_store_round_trip_is_byte_exact),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
