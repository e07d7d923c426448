/* Unit tests of the smaller SVR models: csr, roles, crl, ael (digest 2.7-2.10, 6.2, 6.7). */
#include "svr_test_util.h"

#include "svr/ael.h"
#include "svr/crl.h"
#include "svr/csr.h"
#include "svr/roles.h"

#define PEM "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n"
#define ROLE_CERT(role, pem)                                                                                 \
  "{'credtype': 8, 'roleid': {'role': '" role                                                                \
  "', 'authority': 'ca'}, 'credusage': 'oic.sec.cred.rolecert', "                                            \
  "'publicdata': {'data': '" pem "', 'encoding': 'oic.sec.encoding.pem'}}"

static void test_csr_is_read_only_and_holds_pem_or_der(void **state) {
  (void)state;
  ocf_svr_csr *m = TEST_NEW(ocf_svr_csr);
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  EXPECT_UPDATE(ocf_svr_csr_decode_update, ocf_svr_csr, m, "{'csr': 'x'}", &ctx, OCF_SVR_E_METHOD, "");
  assert_int_equal(ocf_svr_ekind_status(OCF_SVR_E_METHOD), OCF_STATUS_METHOD_NOT_ALLOWED);
  EXPECT_STORE_ROUND_TRIP(ocf_svr_csr_encode, ocf_svr_csr_decode_update, ocf_svr_csr, m); /* none yet */
  assert_int_equal(ocf_svr_csr_set(m, OCF_CRED_ENC_PEM, (const uint8_t *)PEM, strlen(PEM)), OCF_OK);
  EXPECT_STORE_ROUND_TRIP(ocf_svr_csr_encode, ocf_svr_csr_decode_update, ocf_svr_csr, m);
  static const uint8_t der[] = {0x30, 0x82, 0x01, 0x0a};
  assert_int_equal(ocf_svr_csr_set(m, OCF_CRED_ENC_DER, der, sizeof der), OCF_OK);
  EXPECT_STORE_ROUND_TRIP(ocf_svr_csr_encode, ocf_svr_csr_decode_update, ocf_svr_csr, m);
  assert_int_equal(ocf_svr_csr_set(m, OCF_CRED_ENC_RAW, der, sizeof der), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_svr_csr_set(m, OCF_CRED_ENC_PEM, der, OCF_SVR_CSR_MAX + 1), OCF_ERR_TOO_LARGE);
  ocf_svr_ctx store = store_ctx();
  EXPECT_UPDATE(ocf_svr_csr_decode_update, ocf_svr_csr, m,
                "{'csr': h'00', 'encoding': 'oic.sec.encoding.pem'}", &store, OCF_SVR_E_TYPE, "csr");
  test_free(m);
}

/* digest 6.2: what IoTivity-Lite clients POST after the handshake (no credid, no subject) */
static void test_roles_assertion_of_role_certificates(void **state) {
  (void)state;
  ocf_svr_roles *m = TEST_NEW(ocf_svr_roles);
  uint64_t seed = 9;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFNOP, false, &seed);
  ocf_svr_report r;
  APPLY_UPDATE(ocf_svr_roles_decode_update, ocf_svr_roles, m, "{'roles': [" ROLE_CERT("admin", "PEM1") "]}",
               &ctx, &r);
  assert_int_equal(m->n, 1);
  assert_string_equal(m->e[0].role, "admin");
  assert_int_not_equal(m->e[0].credid, 0);
  /* the same certificate again is not added; a supplied credid is ignored */
  APPLY_UPDATE(
      ocf_svr_roles_decode_update, ocf_svr_roles, m,
      "{'roles': [" ROLE_CERT("admin", "PEM1") ", {'credid': 5, 'credtype': 8, 'credusage': "
                                               "'oic.sec.cred.rolecert', 'publicdata': {'data': 'PEM2'}}]}",
      &ctx, &r);
  assert_int_equal(m->n, 2);
  assert_int_not_equal(m->e[1].credid, 5);
  EXPECT_STORE_ROUND_TRIP(ocf_svr_roles_encode, ocf_svr_roles_decode_update, ocf_svr_roles, m);
  EXPECT_UPDATE(ocf_svr_roles_decode_update, ocf_svr_roles, m, "{'roles': [{'credtype': 1}]}", &ctx,
                OCF_SVR_E_RANGE, "roles[0].credtype");
  EXPECT_UPDATE(ocf_svr_roles_decode_update, ocf_svr_roles, m,
                "{'roles': [{'credtype': 8, 'credusage': 'oic.sec.cred.cert'}]}", &ctx, OCF_SVR_E_RANGE,
                "roles[0].credusage");
  EXPECT_UPDATE(ocf_svr_roles_decode_update, ocf_svr_roles, m,
                "{'roles': [{'credtype': 8, 'credusage': 'oic.sec.cred.rolecert'}]}", &ctx, OCF_SVR_E_MISSING,
                "roles[0].publicdata");
  EXPECT_UPDATE(ocf_svr_roles_decode_update, ocf_svr_roles, m,
                "{'roles': [" ROLE_CERT("a", "3") ", " ROLE_CERT("b", "4") ", " ROLE_CERT("c", "5") "]}",
                &ctx, OCF_SVR_E_FULL, "roles[2]");
  EXPECT_UPDATE(ocf_svr_roles_decode_update, ocf_svr_roles, m, "{'roles': {}}", &ctx, OCF_SVR_E_TYPE,
                "roles");
  uint32_t first = m->e[0].credid, missing = 1;
  while (missing == first || missing == m->e[1].credid) missing++;
  assert_int_equal(ocf_svr_roles_delete_id(m, missing, &r), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_svr_roles_delete_id(m, first, &r), OCF_OK);
  assert_int_equal(m->n, 1);
  ocf_svr_roles_delete_all(m);
  assert_int_equal(m->n, 0);
  test_free(m);
}

static void test_crl_update_rules(void **state) {
  (void)state;
  ocf_svr_crl *m = TEST_NEW(ocf_svr_crl);
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  ocf_svr_report r;
  /* digest 6.7 */
  APPLY_UPDATE(ocf_svr_crl_decode_update, ocf_svr_crl, m,
               "{'crlid': 1, 'thisupdate': '2024-01-01T00:00:00Z', 'crldata': 'MIIBAQ=='}", &ctx, &r);
  assert_int_equal(m->crlid, 1);
  assert_int_equal(r.changed, OCF_SVR_CRL_CHG_CRLID | OCF_SVR_CRL_CHG_THISUPDATE | OCF_SVR_CRL_CHG_CRLDATA);
  EXPECT_STORE_ROUND_TRIP(ocf_svr_crl_encode, ocf_svr_crl_decode_update, ocf_svr_crl, m);
  EXPECT_UPDATE(ocf_svr_crl_decode_update, ocf_svr_crl, m, "{'crldata': 'not base64'}", &ctx, OCF_SVR_E_RANGE,
                "crldata");
  EXPECT_UPDATE(ocf_svr_crl_decode_update, ocf_svr_crl, m, "{'crlid': '1'}", &ctx, OCF_SVR_E_TYPE, "crlid");
  EXPECT_UPDATE(ocf_svr_crl_decode_update, ocf_svr_crl, m, "{'thisupdate': 1}", &ctx, OCF_SVR_E_TYPE,
                "thisupdate");
  EXPECT_UPDATE(ocf_svr_crl_decode_update, ocf_svr_crl, m, "{'crl': 1}", &ctx, OCF_SVR_E_UNKNOWN_PROPERTY,
                "crl");
  ocf_svr_ctx nop = client_ctx(OCF_DOS_RFNOP, false, &seed);
  EXPECT_UPDATE(ocf_svr_crl_decode_update, ocf_svr_crl, m, "{'crlid': 2}", &nop, OCF_SVR_E_STATE, "crlid");
  test_free(m);
}

static void test_ael_filters_and_bounded_log(void **state) {
  (void)state;
  ocf_svr_ael *m = TEST_NEW(ocf_svr_ael);
  ocf_svr_ael_init(m);
  assert_int_equal(m->categoryfilter, 255);
  assert_int_equal(m->priorityfilter, 4);
  for (int i = 0; i < OCF_SVR_MAX_AEL_EVENTS + 2; i++) {
    char id[8];
    snprintf(id, sizeof id, "e%d", i);
    assert_true(ocf_svr_ael_add(m, OCF_AEL_ONBOARDING, 3, id, "2024-01-01T00:00:00Z", "owned"));
  }
  assert_int_equal(m->n, OCF_SVR_MAX_AEL_EVENTS);
  assert_string_equal(m->events[0].aeid, "e2"); /* the two oldest made room */
  uint64_t seed = 1;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFNOP, false, &seed);
  ocf_svr_report r;
  APPLY_UPDATE(ocf_svr_ael_decode_update, ocf_svr_ael, m, "{'categoryfilter': 1, 'priorityfilter': 1}", &ctx,
               &r);
  assert_false(ocf_svr_ael_add(m, OCF_AEL_ONBOARDING, 0, "x", "", "filtered by category"));
  assert_false(ocf_svr_ael_add(m, OCF_AEL_ACCESS_CONTROL, 2, "x", "", "filtered by priority"));
  assert_true(ocf_svr_ael_add(m, OCF_AEL_ACCESS_CONTROL, 1, "x", "", "kept"));
  EXPECT_UPDATE(ocf_svr_ael_decode_update, ocf_svr_ael, m, "{'priorityfilter': 5}", &ctx, OCF_SVR_E_RANGE,
                "priorityfilter");
  EXPECT_UPDATE(ocf_svr_ael_decode_update, ocf_svr_ael, m, "{'categoryfilter': 256}", &ctx, OCF_SVR_E_RANGE,
                "categoryfilter");
  EXPECT_UPDATE(ocf_svr_ael_decode_update, ocf_svr_ael, m, "{'events': []}", &ctx, OCF_SVR_E_READ_ONLY,
                "events");
  EXPECT_UPDATE(ocf_svr_ael_decode_update, ocf_svr_ael, m, "{'unit': 'Byte'}", &ctx, OCF_SVR_E_READ_ONLY,
                "unit");
  ocf_svr_ael_init(m); /* the store keeps the filters only: the log is volatile */
  m->categoryfilter = 7;
  EXPECT_STORE_ROUND_TRIP(ocf_svr_ael_encode, ocf_svr_ael_decode_update, ocf_svr_ael, m);
  test_free(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_csr_is_read_only_and_holds_pem_or_der),
      cmocka_unit_test(test_roles_assertion_of_role_certificates),
      cmocka_unit_test(test_crl_update_rules),
      cmocka_unit_test(test_ael_filters_and_bounded_log),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
