/* Unit tests of src/svr sp and sdi (digest 2.5, 2.6, pitfall 27), and of what every SVR shares:
 * the error table, id queries, error paths. */
#include "svr_test_util.h"

#include "svr/sdi.h"
#include "svr/sp.h"

#define BASELINE "1.3.6.1.4.1.51414.0.0.1.0"
#define BLACK "1.3.6.1.4.1.51414.0.0.2.0"
#define BLUE "1.3.6.1.4.1.51414.0.0.3.0"
#define DOMAIN "12345678-1234-1234-1234-123456789abc"

#define EXPECT_SP(m, diag, ctx, kind, where)                                                                 \
  EXPECT_UPDATE(ocf_svr_sp_decode_update, ocf_svr_sp, m, diag, ctx, kind, where)
#define EXPECT_SDI(m, diag, ctx, kind, where)                                                                \
  EXPECT_UPDATE(ocf_svr_sdi_decode_update, ocf_svr_sdi, m, diag, ctx, kind, where)

static ocf_svr_sp default_sp(void) {
  ocf_svr_sp m;
  assert_int_equal(ocf_svr_sp_init(&m, 1u << OCF_SP_BASELINE | 1u << OCF_SP_BLACK, OCF_SP_BASELINE), OCF_OK);
  return m;
}

static void test_sp_init_checks_its_arguments(void **state) {
  (void)state;
  ocf_svr_sp m;
  assert_int_equal(ocf_svr_sp_init(&m, 1u << OCF_SP_BLACK, OCF_SP_BASELINE), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_svr_sp_init(&m, 0x10, 0), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_svr_sp_init(&m, 1, OCF_SP_COUNT), OCF_ERR_INVALID_ARG);
  assert_string_equal(ocf_sp_profile_oid(OCF_SP_PURPLE), "1.3.6.1.4.1.51414.0.0.4.0");
  assert_null(ocf_sp_profile_oid(OCF_SP_COUNT));
}

static void test_sp_current_profile_must_be_supported(void **state) {
  (void)state;
  ocf_svr_sp m = default_sp();
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  ocf_svr_report r;
  APPLY_UPDATE(ocf_svr_sp_decode_update, ocf_svr_sp, &m, "{'currentprofile': '" BLACK "'}", &ctx, &r);
  assert_int_equal(m.current, OCF_SP_BLACK);
  EXPECT_SP(&m, "{'currentprofile': '" BLUE "'}", &ctx, OCF_SVR_E_RANGE, "currentprofile");
  /* the check runs on the result of the whole payload */
  EXPECT_SP(&m, "{'supportedprofiles': ['" BASELINE "']}", &ctx, OCF_SVR_E_RANGE, "currentprofile");
  APPLY_UPDATE(ocf_svr_sp_decode_update, ocf_svr_sp, &m,
               "{'currentprofile': '" BLUE "', 'supportedprofiles': ['" BLUE "', '" BLUE "']}", &ctx, &r);
  assert_int_equal(m.supported, 1u << OCF_SP_BLUE);
  assert_int_equal(r.changed, OCF_SVR_SP_CHG_SUPPORTED | OCF_SVR_SP_CHG_CURRENT);
  EXPECT_STORE_ROUND_TRIP(ocf_svr_sp_encode, ocf_svr_sp_decode_update, ocf_svr_sp, &m);
}

static void test_sp_refuses_unknown_oids_types_and_states(void **state) {
  (void)state;
  ocf_svr_sp m = default_sp();
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  EXPECT_SP(&m, "{'currentprofile': ' " BASELINE "'}", &ctx, OCF_SVR_E_RANGE,
            "currentprofile"); /* pitfall 26 */
  EXPECT_SP(&m, "{'supportedprofiles': ['1.2.3']}", &ctx, OCF_SVR_E_RANGE, "supportedprofiles[0]");
  EXPECT_SP(&m, "{'supportedprofiles': '" BASELINE "'}", &ctx, OCF_SVR_E_TYPE, "supportedprofiles");
  EXPECT_SP(&m, "{'supportedprofiles': [1]}", &ctx, OCF_SVR_E_TYPE, "supportedprofiles[0]");
  EXPECT_SP(&m, "{'currentprofile': 1}", &ctx, OCF_SVR_E_TYPE, "currentprofile");
  EXPECT_SP(&m, "{'currentprofile': '" BASELINE "', 'x': 1}", &ctx, OCF_SVR_E_UNKNOWN_PROPERTY, "x");
  EXPECT_SP(&m,
            "{'supportedprofiles': ['" BASELINE "','" BASELINE "','" BASELINE "','" BASELINE "','" BASELINE
            "','" BASELINE "','" BASELINE "','" BASELINE "','" BASELINE "']}",
            &ctx, OCF_SVR_E_TOO_LARGE, "supportedprofiles");
  for (uint8_t s = 0; s < OCF_DOS_COUNT; s++) {
    ocf_svr_ctx c = client_ctx(s, false, &seed);
    bool ok = s == OCF_DOS_RFOTM || s == OCF_DOS_RFPRO || s == OCF_DOS_SRESET;
    EXPECT_SP(&m, "{'currentprofile': '" BASELINE "'}", &c, ok ? OCF_SVR_E_NONE : OCF_SVR_E_STATE,
              ok ? "" : "currentprofile");
  }
}

/* digest 5.2 step 10 */
static void test_sdi_il_dots_write_and_state_rules(void **state) {
  (void)state;
  ocf_svr_sdi m;
  ocf_svr_sdi_init(&m);
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, true, &seed);
  ocf_svr_report r;
  APPLY_UPDATE(ocf_svr_sdi_decode_update, ocf_svr_sdi, &m,
               "{_ 'uuid': '" DOMAIN "', 'name': 'Home', 'priv': false}", &ctx, &r);
  assert_string_equal(m.name, "Home");
  assert_int_equal(r.changed, OCF_SVR_SDI_CHG_UUID | OCF_SVR_SDI_CHG_NAME | OCF_SVR_SDI_CHG_PRIV);
  EXPECT_STORE_ROUND_TRIP(ocf_svr_sdi_encode, ocf_svr_sdi_decode_update, ocf_svr_sdi, &m);
  ocf_svr_ctx pro = client_ctx(OCF_DOS_RFPRO, false, &seed);
  EXPECT_SDI(&m, "{'uuid': '" DOMAIN "'}", &pro, OCF_SVR_E_STATE, "uuid");
  APPLY_UPDATE(ocf_svr_sdi_decode_update, ocf_svr_sdi, &m, "{'priv': true}", &pro, &r); /* pitfall 27 */
  assert_true(m.priv);
  ocf_svr_ctx nop = client_ctx(OCF_DOS_RFNOP, false, &seed);
  EXPECT_SDI(&m, "{'name': 'x'}", &nop, OCF_SVR_E_STATE, "name");
  EXPECT_SDI(&m, "{}", &pro, OCF_SVR_E_MISSING, "");
  EXPECT_SDI(&m, "{'name': 1}", &pro, OCF_SVR_E_TYPE, "name");
  EXPECT_SDI(&m, "{'priv': 'no'}", &pro, OCF_SVR_E_TYPE, "priv");
  EXPECT_SDI(&m, "{'uuid': 1}", &ctx, OCF_SVR_E_TYPE, "uuid");
  EXPECT_SDI(&m, "{'name': 'a', 'sduuid': 1}", &pro, OCF_SVR_E_UNKNOWN_PROPERTY, "sduuid");
  EXPECT_SDI(&m, "{'name': 'a\\0b'}", &pro, OCF_SVR_E_RANGE, "name");
}

static void test_error_table_maps_every_kind(void **state) {
  (void)state;
  static const struct {
    ocf_svr_ekind kind;
    ocf_status status;
  } ROWS[] = {
      {OCF_SVR_E_NONE, OCF_STATUS_CHANGED},
      {OCF_SVR_E_TYPE, OCF_STATUS_BAD_REQUEST},
      {OCF_SVR_E_UNKNOWN_PROPERTY, OCF_STATUS_BAD_REQUEST},
      {OCF_SVR_E_READ_ONLY, OCF_STATUS_BAD_REQUEST},
      {OCF_SVR_E_RANGE, OCF_STATUS_BAD_REQUEST},
      {OCF_SVR_E_MISSING, OCF_STATUS_BAD_REQUEST},
      {OCF_SVR_E_CONFLICT, OCF_STATUS_BAD_REQUEST},
      {OCF_SVR_E_UNSUPPORTED, OCF_STATUS_BAD_REQUEST},
      {OCF_SVR_E_STATE, OCF_STATUS_BAD_REQUEST},
      {OCF_SVR_E_TRANSITION, OCF_STATUS_BAD_REQUEST},
      {OCF_SVR_E_ENTRY_CHECK, OCF_STATUS_BAD_REQUEST},
      {OCF_SVR_E_DELETE_STATE, OCF_STATUS_FORBIDDEN},
      {OCF_SVR_E_DENIED, OCF_STATUS_UNAUTHORIZED},
      {OCF_SVR_E_NOT_FOUND, OCF_STATUS_NOT_FOUND},
      {OCF_SVR_E_METHOD, OCF_STATUS_METHOD_NOT_ALLOWED},
      {OCF_SVR_E_TOO_LARGE, OCF_STATUS_REQUEST_ENTITY_TOO_LARGE},
      {OCF_SVR_E_FULL, OCF_STATUS_INTERNAL_SERVER_ERROR},
      {OCF_SVR_E_INTERNAL, OCF_STATUS_INTERNAL_SERVER_ERROR},
  };
  assert_int_equal(sizeof ROWS / sizeof ROWS[0], OCF_SVR_E_COUNT);
  for (size_t i = 0; i < OCF_SVR_E_COUNT; i++) {
    assert_int_equal(ocf_svr_ekind_status(ROWS[i].kind), ROWS[i].status);
    assert_string_not_equal(ocf_svr_ekind_name(ROWS[i].kind), "");
    assert_int_equal(ocf_svr_err_status(ocf_svr_ekind_err(ROWS[i].kind)) >> 5, ROWS[i].status >> 5);
  }
  assert_int_equal(ocf_svr_ekind_status((ocf_svr_ekind)99), OCF_STATUS_INTERNAL_SERVER_ERROR);
  assert_int_equal(ocf_svr_err_status(OCF_ERR_DENIED), OCF_STATUS_UNAUTHORIZED);
  assert_int_equal(ocf_svr_err_status(OCF_ERR_TIMEOUT), OCF_STATUS_INTERNAL_SERVER_ERROR);
}

/* digest 2.3, 2.4: ?credid= / ?aceid= values */
static void test_parse_id_separates_bad_request_from_not_found(void **state) {
  (void)state;
  static const struct {
    const char *text;
    ocf_err err;
    uint32_t id;
  } CASES[] = {
      {"1", OCF_OK, 1},
      {"2147483647", OCF_OK, 2147483647u},
      {"007", OCF_OK, 7},
      {"0", OCF_ERR_NOT_FOUND, 0},
      {"2147483648", OCF_ERR_NOT_FOUND, 0},
      {"99999999999999999999999", OCF_ERR_NOT_FOUND, 0},
      {"", OCF_ERR_RANGE, 0},
      {"-1", OCF_ERR_RANGE, 0},
      {"1a", OCF_ERR_RANGE, 0},
      {" 1", OCF_ERR_RANGE, 0},
  };
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    uint32_t id = 0;
    ocf_svr_report r;
    assert_int_equal(ocf_svr_parse_id(CASES[i].text, strlen(CASES[i].text), &id, &r), CASES[i].err);
    if (CASES[i].err == OCF_OK) assert_int_equal(id, CASES[i].id);
    assert_int_equal(ocf_svr_report_status(&r), CASES[i].err == OCF_OK              ? OCF_STATUS_CHANGED
                                                : CASES[i].err == OCF_ERR_NOT_FOUND ? OCF_STATUS_NOT_FOUND
                                                                                    : OCF_STATUS_BAD_REQUEST);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sp_init_checks_its_arguments),
      cmocka_unit_test(test_sp_current_profile_must_be_supported),
      cmocka_unit_test(test_sp_refuses_unknown_oids_types_and_states),
      cmocka_unit_test(test_sdi_il_dots_write_and_state_rules),
      cmocka_unit_test(test_error_table_maps_every_kind),
      cmocka_unit_test(test_parse_id_separates_bad_request_from_not_found),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
