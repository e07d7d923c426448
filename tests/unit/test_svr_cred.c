/* Unit tests of src/svr cred (digest 2.3, 4.5, 6.2-6.6, pitfalls 5, 10, 25, 31, 32). */
#include "svr_test_util.h"

#include <stdio.h>

#include "svr/cred.h"

#define OBT "aabbccdd-0000-1111-2222-333344445555"
#define DEV "ce3eefde-b8e3-4c08-5674-c3702eb35028"
#define PEER "11111111-2222-3333-4444-555555555555"

#define EXPECT(m, diag, ctx, kind, where)                                                                    \
  EXPECT_UPDATE(ocf_svr_cred_decode_update, ocf_svr_cred, m, diag, ctx, kind, where)
#define APPLY(m, diag, ctx, r) APPLY_UPDATE(ocf_svr_cred_decode_update, ocf_svr_cred, m, diag, ctx, r)

#define IL_OWNER_CRED                                                                                        \
  "{_ 'creds': [_ {_ 'credtype': 1, 'subjectuuid': '" OBT "', 'privatedata': {_ 'encoding': "                \
  "'oic.sec.encoding.raw', 'data': h''}}], 'rowneruuid': '" OBT "'}"

static int setup(void **state) {
  *state = TEST_NEW(ocf_svr_cred);
  return 0;
}

static int teardown(void **state) {
  test_free(*state);
  return 0;
}

/* digest 4.5 wire exchange / 5.2 step 9 */
static void test_cred_il_owner_credential_is_a_derivation_candidate(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, true, &seed);
  ocf_svr_report r;
  APPLY(m, IL_OWNER_CRED, &ctx, &r);
  assert_int_equal(r.changed, OCF_SVR_CRED_CHG_CREDS | OCF_SVR_CRED_CHG_ROWNERUUID);
  assert_int_equal(m->n, 1);
  assert_true(m->e[0].credid >= 1 && m->e[0].credid <= 0x7fffffffu);
  assert_int_equal(m->e[0].private_len, 0);
  ocf_uuid obt = uuid_of(OBT);
  assert_true(ocf_uuid_equal(&m->rowneruuid, &obt));
  assert_int_equal(ocf_svr_cred_find_owner_candidate(m, &m->rowneruuid), 0);
  assert_null(ocf_svr_cred_find_psk(m, &obt));
  uint8_t key[16] = {1, 2, 3};
  assert_int_equal(ocf_svr_cred_set_key(m, 0, key, 15), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_svr_cred_set_key(m, 0, key, 16), OCF_OK);
  assert_ptr_equal(ocf_svr_cred_find_psk(m, &obt), &m->e[0]);
  assert_int_equal(ocf_svr_cred_find_owner_candidate(m, &obt), -1);
  assert_true(ocf_svr_cred_has_subject(m, &obt));
}

/* digest 5.3 step 6, pitfall 5: plgd sends the key itself, as a text string */
static void test_cred_plgd_owner_credential_key_as_text_is_stored(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, true, &seed);
  ocf_svr_report r;
  APPLY(m,
        "{'creds': [{'credtype': 1, 'privatedata': {'data': '0123456789abcdef', 'encoding': "
        "'oic.sec.encoding.raw'}, 'subjectuuid': '" OBT "'}], 'rowneruuid': '" OBT "'}",
        &ctx, &r);
  assert_int_equal(m->e[0].private_len, 16);
  assert_memory_equal(m->e[0].private_data, "0123456789abcdef", 16);
  assert_int_equal(m->e[0].private_encoding, OCF_CRED_ENC_RAW);
  ocf_uuid obt = uuid_of(OBT);
  assert_int_equal(ocf_svr_cred_find_owner_candidate(m, &obt), -1);
}

/* pitfall 5: plgd's key is 16 random bytes in a text string, so usually not UTF-8; the device
 * must keep those bytes exactly, not refuse the request */
static void test_cred_plgd_owner_key_text_not_utf8_is_stored(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, true, &seed);
  ocf_svr_report r;
  APPLY(m,
        "{'creds': [{'credtype': 1, 'privatedata': {'data': "
        "'\\xff\\xfe\\xc0\\x80\\xed\\xa0\\x80\\x00abcdefgh', "
        "'encoding': 'oic.sec.encoding.raw'}, 'subjectuuid': '" OBT "'}], 'rowneruuid': '" OBT "'}",
        &ctx, &r);
  assert_int_equal(m->e[0].private_len, 16);
  assert_memory_equal(m->e[0].private_data,
                      "\xff\xfe\xc0\x80\xed\xa0\x80\x00"
                      "abcdefgh",
                      16);
}

static void test_cred_key_encodings_and_empty_forms(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  ocf_svr_report r;
  /* "" is empty like h'' (digest 1.3) */
  APPLY(m,
        "{'creds': [{'credtype': 1, 'subjectuuid': '" PEER "', 'privatedata': {'data': '', 'encoding': "
        "'oic.sec.encoding.raw'}}]}",
        &ctx, &r);
  assert_int_equal(m->e[0].private_len, 0);
  /* base64 is decoded and stored raw */
  APPLY(m,
        "{'creds': [{'credtype': 1, 'subjectuuid': '" DEV "', 'privatedata': {'data': "
        "'AAECAwQFBgcICQoLDA0ODw==', 'encoding': 'oic.sec.encoding.base64'}}]}",
        &ctx, &r);
  assert_int_equal(m->e[1].private_len, 16);
  assert_int_equal(m->e[1].private_encoding, OCF_CRED_ENC_RAW);
  assert_int_equal(m->e[1].private_data[15], 15);
  /* a 32-byte raw key as bytes */
  APPLY(m,
        "{'creds': [{'credtype': 1, 'subjectuuid': '" OBT "', 'privatedata': {'data': "
        "h'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'encoding': "
        "'oic.sec.encoding.raw'}}]}",
        &ctx, &r);
  assert_int_equal(m->e[2].private_len, 32);
}

static void test_cred_psk_lengths_other_than_16_or_32_are_refused(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  EXPECT(m,
         "{'creds': [{'credtype': 1, 'subjectuuid': '" PEER "', 'privatedata': {'data': h'0001', "
         "'encoding': 'oic.sec.encoding.raw'}}]}",
         &ctx, OCF_SVR_E_RANGE, "creds[0].privatedata.data");
  EXPECT(m,
         "{'creds': [{'credtype': 1, 'subjectuuid': '" PEER "', 'privatedata': {'data': 'AAEC', "
         "'encoding': 'oic.sec.encoding.base64'}}]}",
         &ctx, OCF_SVR_E_RANGE, "creds[0].privatedata.data");
  EXPECT(m,
         "{'creds': [{'credtype': 1, 'subjectuuid': '" PEER "', 'privatedata': {'data': 'not base64!', "
         "'encoding': 'oic.sec.encoding.base64'}}]}",
         &ctx, OCF_SVR_E_RANGE, "creds[0].privatedata.data");
}

static void test_cred_required_entry_properties(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  EXPECT(m, "{'creds': [{'subjectuuid': '" PEER "'}]}", &ctx, OCF_SVR_E_MISSING, "creds[0].credtype");
  EXPECT(m, "{'creds': [{'credtype': 1}]}", &ctx, OCF_SVR_E_MISSING, "creds[0].subjectuuid");
  EXPECT(m, "{'creds': [{'credtype': 1, 'subjectuuid': '" PEER "', 'privatedata': {'data': h''}}]}", &ctx,
         OCF_SVR_E_MISSING, "creds[0].privatedata.encoding");
  EXPECT(m, "{'creds': [{'credtype': 8, 'subjectuuid': '" PEER "', 'optionaldata': {'data': 'x'}}]}", &ctx,
         OCF_SVR_E_MISSING, "creds[0].optionaldata.revstat");
  EXPECT(m, "{'creds': [{'credtype': 1, 'subjectuuid': '" PEER "', 'roleid': {'authority': 'a'}}]}", &ctx,
         OCF_SVR_E_MISSING, "creds[0].roleid.role");
}

static void test_cred_every_property_with_a_wrong_type_is_refused(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, true, &seed);
  static const char *const CASES[][2] = {
      {"{'creds': {}}", "creds"},
      {"{'rowneruuid': 1}", "rowneruuid"},
      {"{'creds': [1]}", "creds[0]"},
      {"{'creds': [{'credid': '1'}]}", "creds[0].credid"},
      {"{'creds': [{'credtype': '1'}]}", "creds[0].credtype"},
      {"{'creds': [{'subjectuuid': 5}]}", "creds[0].subjectuuid"},
      {"{'creds': [{'credusage': 1}]}", "creds[0].credusage"},
      {"{'creds': [{'publicdata': 'x'}]}", "creds[0].publicdata"},
      {"{'creds': [{'publicdata': {'data': 5}}]}", "creds[0].publicdata.data"},
      {"{'creds': [{'publicdata': {'data': h'00', 'encoding': 'oic.sec.encoding.pem'}}]}",
       "creds[0].publicdata.data"},
      {"{'creds': [{'publicdata': {'data': '\\xc3\\x28', 'encoding': 'oic.sec.encoding.pem'}}]}",
       "creds[0].publicdata.data"}, /* PEM text that is not UTF-8 */
      {"{'creds': [{'privatedata': []}]}", "creds[0].privatedata"},
      {"{'creds': [{'privatedata': {'handle': 'x', 'encoding': 'oic.sec.encoding.handle'}}]}",
       "creds[0].privatedata.handle"},
      {"{'creds': [{'privatedata': {'encoding': 3}}]}", "creds[0].privatedata.encoding"},
      {"{'creds': [{'optionaldata': {'revstat': 1}}]}", "creds[0].optionaldata.revstat"},
      {"{'creds': [{'period': 5}]}", "creds[0].period"},
      {"{'creds': [{'crms': 'oic.sec.crm.pro'}]}", "creds[0].crms"},
      {"{'creds': [{'crms': [1]}]}", "creds[0].crms[0]"},
      {"{'creds': [{'roleid': 'r'}]}", "creds[0].roleid"},
      {"{'creds': [{'roleid': {'role': 1}}]}", "creds[0].roleid.role"},
      {"{'creds': [{'oscore': 1}]}", "creds[0].oscore"},
      {"{'creds': [{'oscore': {'desc': 1}}]}", "creds[0].oscore.desc"},
      {"{'creds': [{'tag': 1}]}", "creds[0].tag"},
  };
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++)
    EXPECT(m, CASES[i][0], &ctx, OCF_SVR_E_TYPE, CASES[i][1]);
}

static void test_cred_out_of_range_values_are_refused(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  static const char *const CASES[][2] = {
      {"{'creds': [{'credtype': 3}]}", "creds[0].credtype"},
      {"{'creds': [{'credtype': 512}]}", "creds[0].credtype"},
      {"{'creds': [{'credid': 0}]}", "creds[0].credid"},
      {"{'creds': [{'credid': 2147483648}]}", "creds[0].credid"},
      {"{'creds': [{'subjectuuid': '**'}]}", "creds[0].subjectuuid"},
      {"{'creds': [{'credusage': 'oic.sec.cred.other'}]}", "creds[0].credusage"},
      {"{'creds': [{'privatedata': {'encoding': 'oic.sec.encoding.jwk'}}]}", "creds[0].privatedata.encoding"},
      {"{'creds': [{'publicdata': {'data': 'x', 'encoding': 'oic.sec.encoding.raw'}}]}",
       "creds[0].publicdata.encoding"},
      {"{'creds': [{'period': '20160101T180000/20170102T070000'}]}", "creds[0].period"},
      {"{'creds': [{'period': '20170101T180000Z/20160102T070000Z'}]}", "creds[0].period"},
      {"{'creds': [{'crms': ['oic.sec.crm.x']}]}", "creds[0].crms[0]"},
      {"{'creds': [{'oscore': {'senderid': '0102zz'}}]}", "creds[0].oscore.senderid"},
      {"{'creds': [{'oscore': {'recipientid': '01'}}]}", "creds[0].oscore.recipientid"},
  };
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++)
    EXPECT(m, CASES[i][0], &ctx, OCF_SVR_E_RANGE, CASES[i][1]);
  EXPECT(m, "{'creds': [{'oscore': {'ssn': 1}}]}", &ctx, OCF_SVR_E_READ_ONLY, "creds[0].oscore.ssn");
  EXPECT(m, "{'creds': [{'credtype': 1, 'subjectuuid': '" PEER "', 'x': 1}]}", &ctx,
         OCF_SVR_E_UNKNOWN_PROPERTY, "creds[0].x");
  EXPECT(m, "{'creds': [{'roleid': {'role': 'r', 'x': 1}}]}", &ctx, OCF_SVR_E_UNKNOWN_PROPERTY,
         "creds[0].roleid.x");
}

/* digest 6.2, 6.3: identity certificate, trust anchor ("*" subject), role certificate */
static void test_cred_certificates_and_trust_anchors(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  ocf_svr_report r;
  APPLY(
      m,
      "{'creds': [{'credtype': 8, 'subjectuuid': '*', 'credusage': 'oic.sec.cred.trustca', 'publicdata': "
      "{'data': '-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n', 'encoding': "
      "'oic.sec.encoding.pem'}}, {'credtype': 8, 'subjectuuid': '" DEV "', 'credusage': 'oic.sec.cred.cert', "
      "'publicdata': {'data': h'3082010a', 'encoding': 'oic.sec.encoding.der'}, 'crms': ['oic.sec.crm.pk10', "
      "'oic.sec.crm.pro'], 'period': '20160101T180000Z/PT5H30M'}, {'credtype': 8, 'subjectuuid': '" DEV "',"
      "'credusage': 'oic.sec.cred.rolecert', 'roleid': {'role': 'admin', 'authority': 'ca'}, 'publicdata': "
      "{'data': 'PEM'}}]}",
      &ctx, &r);
  assert_int_equal(m->n, 3);
  assert_true(m->e[0].subject_any);
  assert_int_equal(m->e[0].credusage, OCF_CRED_USAGE_TRUSTCA);
  assert_int_equal(m->e[1].public_encoding, OCF_CRED_ENC_DER);
  assert_int_equal(m->e[1].crms, OCF_CRED_CRM_PK10 | OCF_CRED_CRM_PRO);
  assert_string_equal(m->e[2].role, "admin");
  assert_int_equal(m->e[2].public_encoding, OCF_CRED_ENC_PEM); /* inferred from text */
  ocf_uuid peer = uuid_of(PEER);
  assert_false(ocf_svr_cred_has_subject(m, &peer)); /* "*" is not an exact subject */
  EXPECT_STORE_ROUND_TRIP(ocf_svr_cred_encode, ocf_svr_cred_decode_update, ocf_svr_cred, m);
}

static void test_cred_post_replaces_by_credid_and_ignores_duplicates(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  ocf_svr_report r;
  const char *psk = "{'creds': [{'credtype': 1, 'subjectuuid': '" PEER "', 'privatedata': {'data': "
                    "h'00000000000000000000000000000001', 'encoding': 'oic.sec.encoding.raw'}}]}";
  APPLY(m, psk, &ctx, &r);
  APPLY(m, psk, &ctx, &r); /* identical: no-op (digest 2.3) */
  assert_int_equal(m->n, 1);
  uint32_t first = m->e[0].credid;
  /* pitfall 32: a second PSK for the subject is added; the first is the one used */
  APPLY(m,
        "{'creds': [{'credtype': 1, 'subjectuuid': '" PEER "', 'privatedata': {'data': "
        "h'00000000000000000000000000000002', 'encoding': 'oic.sec.encoding.raw'}}]}",
        &ctx, &r);
  assert_int_equal(m->n, 2);
  ocf_uuid peer = uuid_of(PEER);
  assert_int_equal(ocf_svr_cred_find_psk(m, &peer)->credid, first);
  /* replacement by credid */
  char payload[512];
  snprintf(payload, sizeof payload, "{'creds': [{'credid': %u, 'credtype': 1, 'subjectuuid': '" DEV "'}]}",
           first);
  APPLY(m, payload, &ctx, &r);
  assert_int_equal(m->n, 2);
  assert_int_equal(m->e[0].credid, first);
  assert_false(m->e[0].has_private);
  /* an unknown credid is kept */
  APPLY(m, "{'creds': [{'credid': 77, 'credtype': 0, 'subjectuuid': '" DEV "'}]}", &ctx, &r);
  assert_non_null(ocf_svr_cred_find_id(m, 77));
}

static void test_cred_caps_give_too_large_or_full(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  char *payload = test_malloc(8192);
  size_t n = (size_t)snprintf(payload, 8192, "{'creds': [");
  for (int i = 0; i <= OCF_SVR_MAX_CREDS; i++)
    n += (size_t)snprintf(payload + n, 8192 - n, "%s{'credid': %d, 'credtype': 0, 'subjectuuid': '*'}",
                          i ? "," : "", i + 1);
  snprintf(payload + n, 8192 - n, "]}");
  EXPECT(m, payload, &ctx, OCF_SVR_E_TOO_LARGE, "creds");
  for (int i = 0; i < OCF_SVR_MAX_CREDS; i++) {
    m->e[i].credid = (uint32_t)i + 1;
    m->e[i].subject_any = true;
  }
  m->n = OCF_SVR_MAX_CREDS;
  EXPECT(m, "{'creds': [{'credtype': 0, 'subjectuuid': '" PEER "'}]}", &ctx, OCF_SVR_E_FULL, "creds[0]");
  assert_int_equal(ocf_svr_ekind_status(OCF_SVR_E_FULL), OCF_STATUS_INTERNAL_SERVER_ERROR);
  /* a PEM longer than the schema's 3072 */
  n = (size_t)snprintf(payload, 8192,
                       "{'creds': [{'credtype': 8, 'subjectuuid': '*', 'publicdata': {'data': '");
  memset(payload + n, 'A', 3073);
  snprintf(payload + n + 3073, 8192 - n - 3073, "'}}]}");
  ocf_svr_cred_clear(m);
  EXPECT(m, payload, &ctx, OCF_SVR_E_TOO_LARGE, "creds[0].publicdata.data");
  assert_int_equal(ocf_svr_ekind_status(OCF_SVR_E_TOO_LARGE), OCF_STATUS_REQUEST_ENTITY_TOO_LARGE);
  test_free(payload);
}

static void test_cred_a_bad_later_entry_leaves_everything_unchanged(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFOTM, true, &seed);
  EXPECT(m,
         "{'rowneruuid': '" OBT "', 'creds': [{'credtype': 1, 'subjectuuid': '" OBT "'}, {'credtype': 3, "
         "'subjectuuid': '" OBT "'}]}",
         &ctx, OCF_SVR_E_RANGE, "creds[1].credtype");
  assert_int_equal(m->n, 0);
  assert_true(ocf_uuid_is_nil(&m->rowneruuid));
}

static void test_cred_writes_follow_the_state(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  const char *creds = "{'creds': [{'credtype': 0, 'subjectuuid': '*'}]}";
  const char *owner = "{'rowneruuid': '" OBT "'}";
  for (uint8_t s = 0; s < OCF_DOS_COUNT; s++) {
    ocf_svr_ctx ctx = client_ctx(s, false, &seed);
    bool creds_ok = s == OCF_DOS_RFOTM || s == OCF_DOS_RFPRO || s == OCF_DOS_SRESET;
    bool owner_ok = s == OCF_DOS_RFOTM || s == OCF_DOS_SRESET;
    EXPECT(m, creds, &ctx, creds_ok ? OCF_SVR_E_NONE : OCF_SVR_E_STATE, creds_ok ? "" : "creds");
    EXPECT(m, owner, &ctx, owner_ok ? OCF_SVR_E_NONE : OCF_SVR_E_STATE, owner_ok ? "" : "rowneruuid");
  }
}

static void test_cred_random_ids_need_a_working_source(void **state) {
  ocf_svr_cred *m = *state;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, NULL);
  ctx.random = NULL;
  const char *p = "{'creds': [{'credtype': 0, 'subjectuuid': '*'}]}";
  EXPECT(m, p, &ctx, OCF_SVR_E_INTERNAL, "creds[0]");
  ctx.random = test_random_fails;
  EXPECT(m, p, &ctx, OCF_SVR_E_INTERNAL, "creds[0]");
  ctx.random = NULL; /* a given credid needs no randomness */
  ocf_svr_report r;
  APPLY(m, "{'creds': [{'credid': 5, 'credtype': 0, 'subjectuuid': '*'}]}", &ctx, &r);
}

static void test_cred_delete_by_id_subject_and_all(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  ocf_svr_report r;
  APPLY(m,
        "{'creds': [{'credid': 1, 'credtype': 0, 'subjectuuid': '" PEER "'}, {'credid': 2, 'credtype': 0, "
        "'subjectuuid': '" DEV "'}, {'credid': 3, 'credtype': 1, 'subjectuuid': '" PEER "'}]}",
        &ctx, &r);
  assert_int_equal(ocf_svr_cred_delete_id(m, 9, &ctx, &r), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_svr_report_status(&r), OCF_STATUS_NOT_FOUND);
  assert_int_equal(m->n, 3);
  assert_int_equal(ocf_svr_cred_delete_id(m, 2, &ctx, &r), OCF_OK);
  assert_int_equal(m->n, 2);
  assert_int_equal(m->e[1].credid, 3);
  assert_int_equal(m->e[2].credid, 0); /* the freed slot is zeroed */
  ocf_uuid peer = uuid_of(PEER), obt = uuid_of(OBT);
  assert_int_equal(ocf_svr_cred_delete_subject(m, &obt, &ctx, &r), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_svr_cred_delete_subject(m, &peer, &ctx, &r), OCF_OK);
  assert_int_equal(m->n, 0);
  ocf_svr_ctx nop = client_ctx(OCF_DOS_RFNOP, false, &seed);
  assert_int_equal(ocf_svr_cred_delete_all(m, &nop, &r), OCF_ERR_STATE);
  assert_int_equal(ocf_svr_report_status(&r), OCF_STATUS_FORBIDDEN); /* digest 2.3: 4.03 in RFNOP */
  assert_int_equal(ocf_svr_cred_delete_id(m, 1, &nop, &r), OCF_ERR_STATE);
  assert_int_equal(ocf_svr_cred_delete_all(m, &ctx, &r), OCF_OK);
}

static void test_cred_get_never_reveals_secrets(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  ocf_svr_report r;
  APPLY(m,
        "{'creds': [{'credtype': 1, 'subjectuuid': '" PEER "', 'privatedata': {'data': "
        "h'0102030405060708090a0b0c0d0e0f10', 'encoding': 'oic.sec.encoding.raw'}}, {'credtype': 4, "
        "'subjectuuid': '" DEV
        "', 'privatedata': {'data': 'SECRET PEM', 'encoding': 'oic.sec.encoding.pem'}}]}",
        &ctx, &r);
  uint8_t buf[2048];
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, sizeof buf);
  ocf_svr_cred_encode(m, OCF_SVR_ENC_BASELINE, &e);
  size_t len;
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
  for (size_t i = 0; i + 6 <= len; i++) assert_memory_not_equal(buf + i, "SECRET", 6);
  test_tree *t = TEST_NEW(test_tree);
  const ocf_rep_node *root = bytes_tree(t, buf, len);
  const ocf_rep_node *c0 = ocf_rep_first(ocf_rep_map_value(root, "creds"));
  ocf_bytes data;
  assert_int_equal(ocf_rep_get_bytes(ocf_rep_map_value(ocf_rep_map_value(c0, "privatedata"), "data"), &data),
                   OCF_OK);
  assert_int_equal(data.len, 0);
  test_free(t);
  EXPECT_STORE_ROUND_TRIP(ocf_svr_cred_encode, ocf_svr_cred_decode_update, ocf_svr_cred, m);
}

static void test_cred_oscore_and_handle_entries_round_trip(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  ocf_svr_report r;
  APPLY(m,
        "{'creds': [{'credtype': 64, 'subjectuuid': '" PEER "', 'privatedata': {'data': "
        "h'000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f', 'encoding': "
        "'oic.sec.encoding.raw'}, 'oscore': {'senderid': '01a1b2c3d4e5f6', 'recipientid': '01f6e5d4c3b2a1'}},"
        "{'credtype': 4, 'subjectuuid': '" DEV "', 'privatedata': {'encoding': 'oic.sec.encoding.handle', "
        "'handle': 42}, 'tag': 'factory', 'optionaldata': {'revstat': false, 'data': 'crl', 'encoding': "
        "'oic.sec.encoding.pem'}}]}",
        &ctx, &r);
  assert_true(m->e[0].has_oscore);
  assert_int_equal(m->e[1].handle, 42);
  m->e[0].has_ssn = true; /* written by the device only */
  m->e[0].ssn = 1000;
  EXPECT_STORE_ROUND_TRIP(ocf_svr_cred_encode, ocf_svr_cred_decode_update, ocf_svr_cred, m);
}

#define SECRET32 "h'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'"
#define RAW(d) "'privatedata': {'data': " d ", 'encoding': 'oic.sec.encoding.raw'}"
#define OSC(type, osc)                                                                                       \
  "{'creds': [{'credtype': " type ", 'subjectuuid': '" PEER "', " RAW(SECRET32) ", 'oscore': " osc "}]}"

/* S003 6.3, 6.4 (digest 6.4, 6.5): the three OSCORE context shapes are taken, kept across the
 * store and shown in a GET without their Master Secret. */
static void test_cred_oscore_pairwise_and_ssm_contexts(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  ocf_svr_report r;
  APPLY(m, OSC("64", "{'senderid': '01aabb', 'recipientid': '01ccddeeff0011'}"), &ctx, &r);
  APPLY(m, OSC("128", "{'senderid': '020102', 'desc': 'lights'}"), &ctx, &r);
  APPLY(m, OSC("256", "{'recipientid': '020304', 'desc': ''}"), &ctx, &r);
  APPLY(m,
        "{'creds': [{'credtype': 256, 'subjectuuid': '" PEER "', 'privatedata': {'data': "
        "'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=', 'encoding': 'oic.sec.encoding.base64'}, "
        "'oscore': {'recipientid': '020305'}}]}",
        &ctx, &r); /* base64 is stored decoded */
  assert_int_equal(m->n, 4);
  assert_string_equal(m->e[0].senderid, "01aabb");
  assert_string_equal(m->e[0].recipientid, "01ccddeeff0011");
  assert_string_equal(m->e[1].desc, "lights");
  assert_string_equal(m->e[2].recipientid, "020304");
  for (int i = 0; i < 4; i++) {
    assert_int_equal(m->e[i].private_len, 32);
    assert_int_equal(m->e[i].private_encoding, OCF_CRED_ENC_RAW);
    assert_memory_equal(m->e[i].private_data, m->e[0].private_data, 32);
  }
  EXPECT_STORE_ROUND_TRIP(ocf_svr_cred_encode, ocf_svr_cred_decode_update, ocf_svr_cred, m);
  /* GET: the oscore map as given, privatedata h'' */
  uint8_t buf[2048];
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, sizeof buf);
  ocf_svr_cred_encode(m, 0, &e);
  size_t len;
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
  for (size_t i = 0; i + 8 <= len; i++) assert_memory_not_equal(buf + i, m->e[0].private_data + 8, 8);
  test_tree *t = TEST_NEW(test_tree);
  const ocf_rep_node *root = bytes_tree(t, buf, len);
  size_t i = 0;
  for (const ocf_rep_node *c = ocf_rep_first(ocf_rep_map_value(root, "creds")); c; c = ocf_rep_next(c), i++) {
    ocf_bytes data;
    assert_int_equal(ocf_rep_get_bytes(ocf_rep_map_value(ocf_rep_map_value(c, "privatedata"), "data"), &data),
                     OCF_OK);
    assert_int_equal(data.len, 0);
    const ocf_rep_node *osc = ocf_rep_map_value(c, "oscore");
    assert_non_null(osc);
    assert_true((ocf_rep_map_value(osc, "senderid") != NULL) == (i < 2));
    assert_true((ocf_rep_map_value(osc, "recipientid") != NULL) == (i != 1));
  }
  assert_int_equal(i, 4);
  test_free(t);
}

/* Malformed OSCORE contexts: 4.00 and nothing changes (EXPECT checks the model is untouched). */
static void test_cred_oscore_malformed_contexts_are_refused(void **state) {
  ocf_svr_cred *m = *state;
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &seed);
  ocf_svr_report r;
  APPLY(m, OSC("64", "{'senderid': '01aabb', 'recipientid': '01ccdd'}"), &ctx, &r);
  static const struct {
    const char *diag;
    ocf_svr_ekind kind;
    const char *where;
  } CASES[] = {
      {OSC("64", "{'senderid': '01AABB', 'recipientid': '01ccde'}"), OCF_SVR_E_RANGE,
       "creds[0].oscore.senderid"},
      {OSC("64", "{'senderid': '01aabb', 'recipientid': '01aabbccddeeff00'}"), OCF_SVR_E_TOO_LARGE,
       "creds[0].oscore.recipientid"},
      {OSC("64", "{'senderid': '01a', 'recipientid': '01ccde'}"), OCF_SVR_E_RANGE,
       "creds[0].oscore.senderid"},
      {OSC("64", "{'senderid': '0x01aa', 'recipientid': '01ccde'}"), OCF_SVR_E_RANGE,
       "creds[0].oscore.senderid"},
      {OSC("64", "{'senderid': '02aabb', 'recipientid': '01ccde'}"), OCF_SVR_E_RANGE,
       "creds[0].oscore.senderid"},
      {OSC("64", "{'senderid': '01aabb', 'recipientid': '02ccde'}"), OCF_SVR_E_RANGE,
       "creds[0].oscore.recipientid"},
      {OSC("64", "{'senderid': '01aabb'}"), OCF_SVR_E_MISSING, "creds[0].oscore.recipientid"},
      {OSC("64", "{'recipientid': '01ccde'}"), OCF_SVR_E_MISSING, "creds[0].oscore.senderid"},
      {OSC("64", "{'senderid': '01aabc', 'recipientid': '01ccdd'}"), OCF_SVR_E_CONFLICT,
       "creds[0].oscore.recipientid"}, /* the recipientid of the entry already held */
      {OSC("128", "{'senderid': '01aabb'}"), OCF_SVR_E_RANGE, "creds[0].oscore.senderid"},
      {OSC("128", "{'senderid': '02aabb', 'recipientid': '02ccde'}"), OCF_SVR_E_CONFLICT,
       "creds[0].oscore.recipientid"},
      {OSC("256", "{'recipientid': '01aabb'}"), OCF_SVR_E_RANGE, "creds[0].oscore.recipientid"},
      {OSC("256", "{'senderid': '02aabb', 'recipientid': '02ccde'}"), OCF_SVR_E_CONFLICT,
       "creds[0].oscore.senderid"},
      {OSC("256", "{'desc': 'x'}"), OCF_SVR_E_MISSING, "creds[0].oscore.recipientid"},
      {"{'creds': [{'credtype': 64, 'subjectuuid': '" PEER "', " RAW(SECRET32) "}]}", OCF_SVR_E_MISSING,
       "creds[0].oscore"},
      {"{'creds': [{'credtype': 1, 'subjectuuid': '" PEER
       "', " RAW("h'000102030405060708090a0b0c0d0e0f'") ", 'oscore': {'senderid': '01aabb'}}]}",
       OCF_SVR_E_CONFLICT, "creds[0].oscore"},
      {"{'creds': [{'credtype': 128, 'subjectuuid': '" PEER "', 'oscore': {'senderid': '02aabb'}}]}",
       OCF_SVR_E_MISSING, "creds[0].privatedata"},
      {"{'creds': [{'credtype': 128, 'subjectuuid': '" PEER
       "', " RAW("h'0001020304050607080910111213141516'") ", 'oscore': {'senderid': '02aabb'}}]}",
       OCF_SVR_E_RANGE, "creds[0].privatedata.data"},
      {"{'creds': [{'credtype': 128, 'subjectuuid': '" PEER "', 'privatedata': {'data': 'x', 'encoding': "
       "'oic.sec.encoding.pem'}, 'oscore': {'senderid': '02aabb'}}]}",
       OCF_SVR_E_RANGE, "creds[0].privatedata.data"},
      /* a good entry then a bad one: neither is taken (digest 2.0) */
      {"{'creds': ["
       "{'credtype': 128, 'subjectuuid': '" PEER
       "', " RAW(SECRET32) ", 'oscore': {'senderid': "
                           "'02aabb'}}, {'credtype': 256, 'subjectuuid': '" PEER
                           "', " RAW(SECRET32) ", 'oscore': {'recipientid': "
                                               "'02AA'}}]}",
       OCF_SVR_E_RANGE, "creds[1].oscore.recipientid"},
  };
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++)
    EXPECT(m, CASES[i].diag, &ctx, CASES[i].kind, CASES[i].where);
  /* replacing the held entry by its credid may keep its recipientid */
  char diag[512];
  snprintf(diag, sizeof diag,
           "{'creds': [{'credid': %u, 'credtype': 64, 'subjectuuid': '" PEER
           "', " RAW(SECRET32) ", 'oscore': {'senderid': '01eeff', 'recipientid': '01ccdd'}}]}",
           (unsigned)m->e[0].credid);
  APPLY(m, diag, &ctx, &r);
  assert_int_equal(m->n, 1);
  assert_string_equal(m->e[0].senderid, "01eeff");
  /* a store written before these rules (upper case, oscore on a PSK, a shared recipientid)
   * still loads: the rules are for clients */
  ocf_svr_cred *old = TEST_NEW(ocf_svr_cred);
  ocf_svr_ctx sctx = store_ctx();
  APPLY(old,
        "{'creds': [{'credid': 3, 'credtype': 1, 'subjectuuid': '" PEER
        "', " RAW("h'000102030405060708090a0b0c0d0e0f'") ", 'oscore': {'senderid': '01AABB', 'recipientid': "
                                                         "'01ccdd'}}, {'credid': 4, 'credtype': 64, "
                                                         "'subjectuuid': '" PEER
                                                         "', 'oscore': {'recipientid': '01ccdd'}}]}",
        &sctx, &r);
  assert_int_equal(old->n, 2);
  assert_string_equal(old->e[0].senderid, "01AABB");
  test_free(old);
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_cred_il_owner_credential_is_a_derivation_candidate),
      T(test_cred_plgd_owner_credential_key_as_text_is_stored),
      T(test_cred_plgd_owner_key_text_not_utf8_is_stored),
      T(test_cred_key_encodings_and_empty_forms),
      T(test_cred_psk_lengths_other_than_16_or_32_are_refused),
      T(test_cred_required_entry_properties),
      T(test_cred_every_property_with_a_wrong_type_is_refused),
      T(test_cred_out_of_range_values_are_refused),
      T(test_cred_certificates_and_trust_anchors),
      T(test_cred_post_replaces_by_credid_and_ignores_duplicates),
      T(test_cred_caps_give_too_large_or_full),
      T(test_cred_a_bad_later_entry_leaves_everything_unchanged),
      T(test_cred_writes_follow_the_state),
      T(test_cred_random_ids_need_a_working_source),
      T(test_cred_delete_by_id_subject_and_all),
      T(test_cred_get_never_reveals_secrets),
      T(test_cred_oscore_and_handle_entries_round_trip),
      T(test_cred_oscore_pairwise_and_ssm_contexts),
      T(test_cred_oscore_malformed_contexts_are_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
