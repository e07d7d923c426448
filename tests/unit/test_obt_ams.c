/* The AMS pieces (src/obt/ams*.c, <ocf/ocf_obt_ams.h>): the command line's ACE spec, the acl2
 * POST payload (checked against our device's acl2 model), the parser of GET acl2 answers with
 * hostile input, rt / if selectors, the RFNOP plan (OBT 5.2), the legacy rule (OBT Table 2), and
 * the step functions driven against a scripted device built on the src/svr models. */
#include <ocf/ocf_obt_ams.h>

#include "svr/acl2.h"
#include "svr/dos.h"
#include "svr_test_util.h"

#define DEV_A "11111111-2222-3333-4444-555555555555"
#define TOOL "aaaaaaaa-2222-3333-4444-555555555555"

static ocf_obt_ace *new_ace(void) { return TEST_NEW(ocf_obt_ace); }

/* Appends text to buf[0..cap) (fails the test when it does not fit). */
static void append(char *buf, size_t cap, const char *text) {
  size_t at = strlen(buf), n = strlen(text);
  assert_true(at + n < cap);
  memcpy(buf + at, text, n + 1);
}

/* --- the command line's spec ------------------------------------------------------------------ */

static void test_subject_forms(void **state) {
  (void)state;
  ocf_obt_ace *a = new_ace();
  const char *why = NULL;
  assert_int_equal(ocf_obt_ace_parse_subject("uuid:" DEV_A, a, &why), OCF_OK);
  assert_int_equal(a->subject, OCF_OBT_SUBJECT_UUID);
  ocf_uuid u = uuid_of(DEV_A);
  assert_true(ocf_uuid_equal(&a->uuid, &u));
  assert_int_equal(ocf_obt_ace_parse_subject("role:admin@acme", a, &why), OCF_OK);
  assert_int_equal(a->subject, OCF_OBT_SUBJECT_ROLE);
  assert_string_equal(a->role, "admin");
  assert_string_equal(a->authority, "acme");
  assert_int_equal(ocf_obt_ace_parse_subject("role:oic.role.owner", a, &why), OCF_OK);
  assert_string_equal(a->authority, "");
  assert_int_equal(ocf_obt_ace_parse_subject("conntype:anon-clear", a, &why), OCF_OK);
  assert_int_equal(a->subject, OCF_OBT_SUBJECT_ANON_CLEAR);
  assert_int_equal(ocf_obt_ace_parse_subject("auth-crypt", a, &why), OCF_OK);
  assert_int_equal(a->subject, OCF_OBT_SUBJECT_AUTH_CRYPT);
  test_free(a);
}

static void test_subject_rejects(void **state) {
  (void)state;
  ocf_obt_ace *a = new_ace();
  const char *why = NULL;
  static const char *const BAD[] = {"",        "uuid:",    "uuid:1234",     "role:", "role:@x",
                                    "role:a@", "role:a b", "conntype:auth", "anon",  ("UUID:" DEV_A)};
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
    why = NULL;
    assert_int_equal(ocf_obt_ace_parse_subject(BAD[i], a, &why), OCF_ERR_INVALID_ARG);
    assert_non_null(why);
  }
  char longrole[100] = "role:";
  memset(longrole + 5, 'r', 80);
  longrole[85] = '\0';
  assert_int_equal(ocf_obt_ace_parse_subject(longrole, a, &why), OCF_ERR_TOO_LARGE);
  assert_int_equal(ocf_obt_ace_parse_subject(NULL, a, &why), OCF_ERR_INVALID_ARG);
  test_free(a);
}

static void test_resources(void **state) {
  (void)state;
  ocf_obt_ace *a = new_ace();
  const char *why = NULL;
  assert_int_equal(ocf_obt_ace_parse_resources(
                       "href:/a/light,/switch,*,wc:+,-,rt:oic.r.switch.binary,if:oic.if.a", a, &why),
                   OCF_OK);
  assert_int_equal(a->n_res, 7);
  assert_int_equal(a->res[0].kind, OCF_OBT_RES_HREF);
  assert_string_equal(a->res[0].text, "/a/light");
  assert_string_equal(a->res[1].text, "/switch");
  assert_int_equal(a->res[2].kind, OCF_OBT_RES_WC);
  assert_string_equal(a->res[3].text, "+");
  assert_string_equal(a->res[4].text, "-");
  assert_int_equal(a->res[5].kind, OCF_OBT_RES_RT);
  assert_int_equal(a->res[6].kind, OCF_OBT_RES_IF);
  assert_int_equal(ocf_obt_ace_parse_resources("/switch", a, &why), OCF_OK); /* repeated: nothing added */
  assert_int_equal(a->n_res, 7);
  static const char *const BAD[] = {"", "light", "href:light", "wc:x", "wc:**", ",/a", "/a,", "rt:", "/a b"};
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
    ocf_obt_ace *b = new_ace();
    assert_int_equal(ocf_obt_ace_parse_resources(BAD[i], b, &why), OCF_ERR_INVALID_ARG);
    test_free(b);
  }
  ocf_obt_ace *c = new_ace();
  char many[400] = "";
  for (int i = 0; i < 17; i++) {
    char one[16];
    (void)snprintf(one, sizeof one, "%s/r%d", i ? "," : "", i);
    append(many, sizeof many, one);
  }
  assert_int_equal(ocf_obt_ace_parse_resources(many, c, &why), OCF_ERR_TOO_LARGE);
  char longhref[200] = "/";
  memset(longhref + 1, 'h', 150);
  longhref[151] = '\0';
  assert_int_equal(ocf_obt_ace_parse_resources(longhref, c, &why), OCF_ERR_TOO_LARGE);
  test_free(c);
  test_free(a);
}

static void test_perm(void **state) {
  (void)state;
  uint8_t p = 0;
  const char *why;
  assert_int_equal(ocf_obt_ace_parse_perm("RU", &p, &why), OCF_OK);
  assert_int_equal(p, 6);
  assert_int_equal(ocf_obt_ace_parse_perm("crudn", &p, &why), OCF_OK);
  assert_int_equal(p, 31);
  assert_int_equal(ocf_obt_ace_parse_perm("-RU--", &p, &why), OCF_OK);
  assert_int_equal(p, 6);
  assert_int_equal(ocf_obt_ace_parse_perm("N", &p, &why), OCF_OK);
  assert_int_equal(p, 16);
  static const char *const BAD[] = {"", "RR", "X", "R-U--", "-----", "RU-", "6", "R U"};
  for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
    p = 99;
    assert_int_equal(ocf_obt_ace_parse_perm(BAD[i], &p, &why), OCF_ERR_INVALID_ARG);
    assert_int_equal(p, 99);
  }
  char t[6];
  ocf_obt_perm_text(6, t);
  assert_string_equal(t, "-RU--");
  ocf_obt_perm_text(31, t);
  assert_string_equal(t, "CRUDN");
}

static void test_validity(void **state) {
  (void)state;
  ocf_obt_ace *a = new_ace();
  const char *why;
  assert_int_equal(ocf_obt_ace_parse_validity("20260101T000000Z/20270101T000000Z", a, &why), OCF_OK);
  assert_int_equal(ocf_obt_ace_parse_validity("20260101T000000Z/P30D", a, &why), OCF_OK);
  assert_int_equal(a->n_validity, 2);
  assert_int_equal(ocf_obt_ace_parse_validity("20260101T000000/P30D", a, &why),
                   OCF_ERR_INVALID_ARG); /* floating */
  assert_int_equal(ocf_obt_ace_parse_validity("20270101T000000Z/20260101T000000Z", a, &why),
                   OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_ace_parse_validity("tomorrow", a, &why), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_ace_parse_validity("20260101T000000Z/P1D", a, &why), OCF_OK);
  assert_int_equal(ocf_obt_ace_parse_validity("20260101T000000Z/P2D", a, &why), OCF_OK);
  assert_int_equal(ocf_obt_ace_parse_validity("20260101T000000Z/P3D", a, &why), OCF_ERR_TOO_LARGE);
  test_free(a);
}

/* --- the payload, against our device's acl2 model ------------------------------------------- */

static ocf_svr_acl2 *device_accepts(const uint8_t *cbor, size_t len, uint8_t dos) {
  test_tree *t = TEST_NEW(test_tree);
  ocf_svr_acl2 *cur = TEST_NEW(ocf_svr_acl2), *out = TEST_NEW(ocf_svr_acl2);
  uint64_t seed = 7;
  ocf_svr_ctx ctx = client_ctx(dos, false, &seed);
  ocf_svr_report r;
  ocf_err err = ocf_svr_acl2_decode_update(cur, bytes_tree(t, cbor, len), &ctx, out, &r);
  if (err) print_message("%s: %s\n", r.where, r.why);
  assert_int_equal(err, OCF_OK);
  test_free(t);
  test_free(cur);
  return out;
}

static void test_encode_post_accepted_by_device(void **state) {
  (void)state;
  ocf_obt_ace *a = new_ace();
  const char *why;
  assert_int_equal(ocf_obt_ace_parse_subject("role:admin@acme", a, &why), OCF_OK);
  assert_int_equal(ocf_obt_ace_parse_resources("/switch,*", a, &why), OCF_OK);
  assert_int_equal(ocf_obt_ace_parse_perm("RUN", &a->permission, &why), OCF_OK);
  assert_int_equal(ocf_obt_ace_parse_validity("20260101T000000Z/P30D", a, &why), OCF_OK);
  uint8_t buf[1024];
  size_t len;
  assert_int_equal(ocf_obt_acl_encode_post(a, 1, buf, sizeof buf, &len), OCF_OK);
  ocf_svr_acl2 *m = device_accepts(buf, len, OCF_DOS_RFPRO);
  assert_int_equal(m->n, 1);
  assert_int_equal(m->ace[0].subject_kind, OCF_ACE_SUBJECT_ROLE);
  assert_string_equal(m->ace[0].role, "admin");
  assert_string_equal(m->ace[0].authority, "acme");
  assert_int_equal(m->ace[0].n_resources, 2);
  assert_string_equal(m->ace[0].resources[0].href, "/switch");
  assert_int_equal(m->ace[0].resources[1].wc, OCF_ACE_WC_ALL);
  assert_int_equal(m->ace[0].permission, 2 | 4 | 16);
  assert_int_equal(m->ace[0].n_validity, 1);
  test_free(m);
  /* the shapes of digest 7.1 */
  ocf_obt_ace shapes[3];
  ocf_uuid dev = uuid_of(DEV_A);
  ocf_obt_ace_allow_device(&shapes[0], &dev, "/a/light", OCF_OBT_PERM_R | OCF_OBT_PERM_U);
  ocf_obt_ace_role_wildcard(&shapes[1], "oic.role.viewer", NULL, OCF_OBT_PERM_R);
  ocf_obt_ace_auth_wildcard(&shapes[2], 6);
  assert_int_equal(ocf_obt_acl_encode_post(shapes, 3, buf, sizeof buf, &len), OCF_OK);
  m = device_accepts(buf, len, OCF_DOS_RFPRO);
  assert_int_equal(m->n, 3);
  assert_true(ocf_uuid_equal(&m->ace[0].uuid, &dev));
  assert_int_equal(m->ace[1].resources[0].wc, OCF_ACE_WC_ALL);
  assert_int_equal(m->ace[2].subject_kind, OCF_ACE_SUBJECT_CONNTYPE);
  assert_int_equal(m->ace[2].conntype, OCF_CONN_AUTH_CRYPT);
  test_free(m);
  /* a selector must be resolved first; an incomplete ACE is refused */
  assert_int_equal(ocf_obt_ace_parse_resources("rt:oic.r.switch.binary", a, &why), OCF_OK);
  assert_int_equal(ocf_obt_acl_encode_post(a, 1, buf, sizeof buf, &len), OCF_ERR_STATE);
  ocf_obt_ace *empty = new_ace();
  assert_int_equal(ocf_obt_acl_encode_post(empty, 1, buf, sizeof buf, &len), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_acl_encode_post(&shapes[0], 1, buf, 8, &len), OCF_ERR_NO_SPACE);
  test_free(empty);
  test_free(a);
}

/* --- GET acl2 answers ------------------------------------------------------------------------- */

static ocf_err parse_diag(const char *text, ocf_obt_acl *out) {
  uint8_t buf[16384];
  size_t len = diag_cbor(text, buf, sizeof buf);
  return ocf_obt_acl_parse(buf, len, out);
}

static void test_parse_answer(void **state) {
  (void)state;
  ocf_obt_acl *acl = TEST_NEW(ocf_obt_acl);
  assert_int_equal(
      parse_diag("{_ 'rt': ['oic.r.acl2'], 'rowneruuid': '" TOOL "', 'aclist2': [_ "
                 "{'aceid': 3, 'subject': {'uuid': '" DEV_A "\\0'}, 'resources': [{'href': '/switch', "
                 "'if': ['*']}], 'permission': 6, 'tag': 'x', 'future': 1},"
                 "{'aceid': 9, 'subject': {'role': 'r', 'authority': 'a'}, 'resources': [{'wc': '*'}],"
                 " 'permission': 2, 'validity': [{'period': '20260101T000000Z/P1D', 'recurrence': []}]},"
                 "{'aceid': 2147483647, 'subject': {'conntype': 'anon-clear'}, 'resources': [], "
                 "'permission': 0}]}",
                 acl),
      OCF_OK);
  assert_int_equal(acl->n, 3);
  assert_int_equal(acl->ace[0].aceid, 3);
  assert_string_equal(acl->ace[0].tag, "x");
  assert_int_equal(acl->ace[1].subject, OCF_OBT_SUBJECT_ROLE);
  assert_string_equal(acl->ace[1].validity[0], "20260101T000000Z/P1D");
  assert_int_equal(acl->ace[2].subject, OCF_OBT_SUBJECT_ANON_CLEAR);
  char line[256];
  ocf_obt_ace_describe(&acl->ace[0], line, sizeof line);
  assert_string_equal(line, "3 subject uuid:" DEV_A " resources /switch perm -RU--");
  ocf_obt_ace_subject_text(&acl->ace[1], line, sizeof line);
  assert_string_equal(line, "role:r@a");
  assert_int_equal(ocf_obt_ace_subject_text(&acl->ace[2], line, 8), strlen("conntype:anon-clear"));
  assert_string_equal(line, "conntyp"); /* truncated, terminated */
  assert_int_equal(parse_diag("{'aclist2': null, 'rowneruuid': '" TOOL "'}", acl), OCF_OK); /* plgd */
  assert_int_equal(acl->n, 0);
  test_free(acl);
}

static void test_parse_answer_hostile(void **state) {
  (void)state;
  ocf_obt_acl *acl = TEST_NEW(ocf_obt_acl);
  static const struct {
    const char *diag;
    ocf_err err;
  } CASES[] = {
      {"[]", OCF_ERR_TYPE},
      {"{'rowneruuid': '" TOOL "'}", OCF_ERR_MALFORMED},
      {"{'aclist2': {}}", OCF_ERR_TYPE},
      {"{'aclist2': [1]}", OCF_ERR_TYPE},
      {"{'aclist2': [{'subject': {'conntype': 'anon-clear'}, 'resources': [], 'permission': 2}]}",
       OCF_ERR_MALFORMED},
      {"{'aclist2': [{'aceid': 0, 'subject': {'conntype': 'anon-clear'}, 'resources': [], 'permission': 2}]}",
       OCF_ERR_MALFORMED},
      {"{'aclist2': [{'aceid': -1, 'subject': {'conntype': 'anon-clear'}, 'resources': [], 'permission': "
       "2}]}",
       OCF_ERR_MALFORMED},
      {"{'aclist2': [{'aceid': 1, 'subject': {'conntype': 'anon-clear'}, 'resources': [], 'permission': "
       "32}]}",
       OCF_ERR_MALFORMED},
      {"{'aclist2': [{'aceid': 1, 'subject': {'conntype': 'other'}, 'resources': [], 'permission': 2}]}",
       OCF_ERR_MALFORMED},
      {"{'aclist2': [{'aceid': 1, 'subject': {'uuid': '" DEV_A
       "', 'role': 'x'}, 'resources': [], 'permission': 2}]}",
       OCF_ERR_MALFORMED},
      {"{'aclist2': [{'aceid': 1, 'subject': {}, 'resources': [], 'permission': 2}]}", OCF_ERR_MALFORMED},
      {"{'aclist2': [{'aceid': 1, 'subject': {'uuid': 'nope'}, 'resources': [], 'permission': 2}]}",
       OCF_ERR_MALFORMED},
      {"{'aclist2': [{'aceid': 1, 'subject': {'uuid': 5}, 'resources': [], 'permission': 2}]}", OCF_ERR_TYPE},
      {"{'aclist2': [{'aceid': 1, 'subject': 'x', 'resources': [], 'permission': 2}]}", OCF_ERR_TYPE},
      {"{'aclist2': [{'aceid': 1, 'subject': {'conntype': 'anon-clear'}, 'permission': 2}]}",
       OCF_ERR_MALFORMED},
      {"{'aclist2': [{'aceid': 1, 'subject': {'conntype': 'anon-clear'}, 'resources': [{'href': '/a', 'wc': "
       "'*'}], "
       "'permission': 2}]}",
       OCF_ERR_MALFORMED},
      {"{'aclist2': [{'aceid': 1, 'subject': {'conntype': 'anon-clear'}, 'resources': [{'wc': '?'}], "
       "'permission': "
       "2}]}",
       OCF_ERR_MALFORMED},
      {"{'aclist2': [{'aceid': 1, 'subject': {'conntype': 'anon-clear'}, 'resources': [{'href': 7}], "
       "'permission': "
       "2}]}",
       OCF_ERR_TYPE},
      {"{'aclist2': [{'aceid': 1, 'subject': {'role': 'a\\0b'}, 'resources': [], 'permission': 2}]}",
       OCF_ERR_MALFORMED},
      {"{'aclist2': [{'aceid': 1, 'subject': {'conntype': 'anon-clear'}, 'resources': [], 'permission': 2, "
       "'validity': [{'recurrence': []}]}]}",
       OCF_ERR_MALFORMED},
  };
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    ocf_err err = parse_diag(CASES[i].diag, acl);
    if (err != CASES[i].err) print_message("case %zu: %s\n", i, CASES[i].diag);
    assert_int_equal(err, CASES[i].err);
    assert_int_equal(acl->n, 0); /* nothing half-parsed is left */
  }
  /* caps: 65 ACEs, 17 resources, a 200-byte href, a 1000-byte string, garbage, truncation */
  char *big = test_calloc(1, 65536);
  big[0] = '\0';
  append(big, 65536, "{'aclist2': [");
  for (int i = 1; i <= 65; i++) {
    char one[160];
    (void)snprintf(one, sizeof one,
                   "%s{'aceid': %d, 'subject': {'conntype': 'anon-clear'}, 'resources': [], "
                   "'permission': 2}",
                   i > 1 ? "," : "", i);
    append(big, 65536, one);
  }
  append(big, 65536, "]}");
  assert_int_equal(parse_diag(big, acl), OCF_ERR_TOO_LARGE);
  big[0] = '\0';
  append(big, 65536,
         "{'aclist2': [{'aceid': 1, 'subject': {'conntype': 'anon-clear'}, 'permission': 2, 'resources': [");
  for (int i = 0; i < 17; i++) append(big, 65536, i ? ", {'href': '/r'}" : "{'href': '/r'}");
  append(big, 65536, "]}]}");
  assert_int_equal(parse_diag(big, acl), OCF_ERR_TOO_LARGE);
  big[0] = '\0';
  append(big, 65536,
         "{'aclist2': [{'aceid': 1, 'subject': {'conntype': 'anon-clear'}, 'permission': 2, 'resources': "
         "[{'href': '/");
  size_t at = strlen(big);
  memset(big + at, 'h', 200);
  big[at + 200] = '\0';
  append(big, 65536, "'}]}]}");
  assert_int_equal(parse_diag(big, acl), OCF_ERR_TOO_LARGE);
  big[0] = '\0';
  append(big, 65536, "{'aclist2': [], 'junk': '");
  at = strlen(big);
  memset(big + at, 'j', 1000);
  big[at + 1000] = '\0';
  append(big, 65536, "'}");
  assert_int_equal(parse_diag(big, acl), OCF_ERR_TOO_LARGE);
  test_free(big);
  static const uint8_t GARBAGE[] = {0xff, 0x00, 0x13};
  assert_int_equal(ocf_obt_acl_parse(GARBAGE, sizeof GARBAGE, acl), OCF_ERR_MALFORMED);
  uint8_t buf[256];
  size_t len = diag_cbor("{'aclist2': [], 'rowneruuid': '" TOOL "'}", buf, sizeof buf);
  for (size_t cut = 0; cut < len; cut++) assert_int_not_equal(ocf_obt_acl_parse(buf, cut, acl), OCF_OK);
  assert_int_equal(ocf_obt_acl_parse(buf, len, acl), OCF_OK);
  assert_int_equal(ocf_obt_acl_parse(NULL, 0, acl), OCF_ERR_MALFORMED);
  test_free(acl);
}

/* What our device encodes parses back to the same ACEs. */
static void test_parse_device_encoding(void **state) {
  (void)state;
  ocf_obt_ace a[3];
  ocf_uuid dev = uuid_of(DEV_A);
  ocf_obt_ace_allow_device(&a[0], &dev, "/a/light", 6);
  ocf_obt_ace_role_wildcard(&a[1], "admin", "acme", 2);
  ocf_obt_ace_legacy_owner(&a[2]);
  uint8_t buf[2048];
  size_t len;
  assert_int_equal(ocf_obt_acl_encode_post(a, 3, buf, sizeof buf, &len), OCF_OK);
  ocf_svr_acl2 *m = device_accepts(buf, len, OCF_DOS_RFPRO);
  ocf_rep_enc e;
  uint8_t *out = test_malloc(8192);
  ocf_rep_enc_init(&e, out, 8192);
  ocf_svr_acl2_encode(m, 0, &e);
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
  ocf_obt_acl *acl = TEST_NEW(ocf_obt_acl);
  assert_int_equal(ocf_obt_acl_parse(out, len, acl), OCF_OK);
  assert_int_equal(acl->n, 3);
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(acl->ace[i].aceid, m->ace[i].aceid);
    assert_int_equal(acl->ace[i].n_res, a[i].n_res);
    assert_int_equal(acl->ace[i].permission, a[i].permission);
  }
  assert_true(ocf_obt_acl_has_legacy_owner(acl));
  acl->ace[2].permission = 2; /* R only: not enough */
  assert_false(ocf_obt_acl_has_legacy_owner(acl));
  test_free(acl);
  test_free(out);
  test_free(m);
}

/* --- rt / if selectors ------------------------------------------------------------------------ */

#define LINKS                                                                                                \
  "[{'href': '/oic/res', 'rt': ['oic.wk.res'], 'if': ['oic.if.ll', 'oic.if.baseline']},"                     \
  " {'href': '/switch', 'rt': ['oic.r.switch.binary'], 'if': ['oic.if.a', 'oic.if.baseline']},"              \
  " {'href': '/switch2', 'rt': ['oic.r.switch.binary'], 'if': ['oic.if.a']},"                                \
  " {'href': '/temp', 'rt': ['oic.r.temperature'], 'if': ['oic.if.s']}]"

static void test_resolve(void **state) {
  (void)state;
  uint8_t buf[1024];
  size_t len = diag_cbor(LINKS, buf, sizeof buf);
  ocf_obt_ace *a = new_ace();
  const char *why = NULL;
  assert_int_equal(ocf_obt_ace_parse_resources("/temp,rt:oic.r.switch.binary,if:oic.if.a", a, &why), OCF_OK);
  assert_int_equal(ocf_obt_ace_resolve(a, buf, len, &why), OCF_OK);
  assert_int_equal(a->n_res, 3); /* /temp, /switch, /switch2 once each */
  assert_string_equal(a->res[0].text, "/temp");
  assert_string_equal(a->res[1].text, "/switch");
  assert_string_equal(a->res[2].text, "/switch2");
  for (size_t i = 0; i < a->n_res; i++) assert_int_equal(a->res[i].kind, OCF_OBT_RES_HREF);
  ocf_obt_ace *b = new_ace();
  assert_int_equal(ocf_obt_ace_parse_resources("rt:oic.r.light", b, &why), OCF_OK);
  ocf_obt_ace copy = *b;
  assert_int_equal(ocf_obt_ace_resolve(b, buf, len, &why), OCF_ERR_NOT_FOUND);
  assert_memory_equal(b, &copy, sizeof copy); /* unchanged on error */
  assert_int_not_equal(ocf_obt_ace_resolve(b, (const uint8_t *)"\xa0", 1, &why), OCF_OK);
  test_free(b);
  test_free(a);
}

/* --- the RFNOP plan (OBT 5.2) ------------------------------------------------------------------ */

#define MIXED_ACL                                                                                            \
  "{'rowneruuid': '" TOOL "', 'aclist2': ["                                                                  \
  "{'aceid': 1, 'subject': {'conntype': 'anon-clear'}, 'resources': [{'href': '/oic/sec/doxm'}, {'href': "   \
  "'/switch'}, {'href': '/oic/sec/cred'}], 'permission': 2},"                                                \
  "{'aceid': 2, 'subject': {'conntype': 'auth-crypt'}, 'resources': [{'href': '/oic/sec/roles'}], "          \
  "'permission': 6},"                                                                                        \
  "{'aceid': 3, 'subject': {'uuid': '" DEV_A "'}, 'resources': [{'href': '/oic/sec/sp'}], 'permission': 6}," \
  "{'aceid': 4, 'subject': {'conntype': 'anon-clear'}, 'resources': [{'wc': '*'}, {'href': '/oic/res'}], "   \
  "'permission': 2},"                                                                                        \
  "{'aceid': 5, 'subject': {'role': 'x'}, 'resources': [{'href': '/oic/sec/cred'}], 'permission': 2}]}"

static void test_plan_rfnop(void **state) {
  (void)state;
  ocf_obt_acl *acl = TEST_NEW(ocf_obt_acl);
  ocf_obt_acl_plan *plan = TEST_NEW(ocf_obt_acl_plan), *again = TEST_NEW(ocf_obt_acl_plan);
  assert_int_equal(parse_diag(MIXED_ACL, acl), OCF_OK);
  ocf_obt_acl_plan_rfnop(acl, plan);
  assert_int_equal(plan->n, 2);
  assert_int_equal(plan->op[0].aceid, 1);
  assert_false(plan->op[0].remove);
  assert_int_equal(plan->op[0].n_dropped, 2);
  assert_string_equal(plan->op[0].dropped[0], "/oic/sec/doxm");
  assert_string_equal(plan->op[0].dropped[1], "/oic/sec/cred");
  assert_int_equal(plan->op[0].replacement.aceid, 1);
  assert_int_equal(plan->op[0].replacement.n_res, 1);
  assert_string_equal(plan->op[0].replacement.res[0].text, "/switch");
  assert_int_equal(plan->op[1].aceid, 2);
  assert_true(plan->op[1].remove);
  char text[512];
  ocf_obt_acl_plan_describe(plan, text, sizeof text);
  assert_string_equal(text, "ACE 1: remove /oic/sec/doxm, /oic/sec/cred; the ACE keeps its other resources\n"
                            "ACE 2: remove /oic/sec/roles; the ACE is deleted (nothing else left)\n");
  /* the replacement is what the device accepts, keeping the aceid */
  uint8_t buf[1024];
  size_t len;
  assert_int_equal(ocf_obt_acl_encode_post(&plan->op[0].replacement, 1, buf, sizeof buf, &len), OCF_OK);
  ocf_svr_acl2 *m = device_accepts(buf, len, OCF_DOS_RFPRO);
  assert_int_equal(m->ace[0].aceid, 1);
  test_free(m);
  ocf_obt_acl_plan_rfnop(acl, again);
  assert_true(ocf_obt_acl_plan_equal(plan, again));
  again->op[0].replacement.res[0].text[1] = 'X';
  assert_false(ocf_obt_acl_plan_equal(plan, again));
  /* after the plan: nothing left to do */
  acl->ace[0] = plan->op[0].replacement;
  acl->ace[1] = acl->ace[4];
  acl->n = 4;
  ocf_obt_acl_plan_rfnop(acl, plan);
  assert_int_equal(plan->n, 0);
  ocf_obt_acl_plan_describe(plan, text, sizeof text);
  assert_string_equal(text, "nothing to remove (no anon-clear or auth-crypt ACE names an SVR)\n");
  assert_true(ocf_obt_href_is_svr("/oic/sec/ael"));
  assert_false(ocf_obt_href_is_svr("/oic/res"));
  assert_false(ocf_obt_href_is_svr("/oic/secx"));
  test_free(again);
  test_free(plan);
  test_free(acl);
}

/* --- the legacy rule (OBT Table 2) ------------------------------------------------------------- */

static void test_legacy_icv(void **state) {
  (void)state;
  static const char *const LEGACY[] = {"ocf.2.4.0", "ocf.2.0.5",  "ocf.1.3.1",
                                       "2.4.0",     "ocf.2.3.99", "ocf.0.0.0"};
  static const char *const MODERN[] = {"ocf.2.4.1",     "ocf.2.5.0", "ocf.3.0.0", "ocf.10.0.0", "ocf.2.4",
                                       "ocf.2.4.0.1",   "",          "ocf.",      "ocf.a.b.c",  "ocf.2.4.0x",
                                       "ocf.999999.0.0"};
  for (size_t i = 0; i < sizeof LEGACY / sizeof LEGACY[0]; i++) assert_true(ocf_obt_icv_is_legacy(LEGACY[i]));
  for (size_t i = 0; i < sizeof MODERN / sizeof MODERN[0]; i++)
    assert_false(ocf_obt_icv_is_legacy(MODERN[i]));
  assert_false(ocf_obt_icv_is_legacy(NULL));
  ocf_obt_ace a;
  ocf_obt_ace_legacy_owner(&a);
  assert_int_equal(a.subject, OCF_OBT_SUBJECT_ROLE);
  assert_string_equal(a.role, "oic.role.owner");
  assert_string_equal(a.authority, "");
  assert_int_equal(a.permission, 6);
  assert_int_equal(a.n_res, 10);
  for (size_t i = 0; i < a.n_res; i++) assert_true(ocf_obt_href_is_svr(a.res[i].text));
  ocf_uuid tool = uuid_of(TOOL);
  ocf_obt_ace pol[3];
  assert_int_equal(ocf_obt_ams_default_policy(&tool, pol), 3);
  uint8_t buf[2048];
  size_t len;
  assert_int_equal(ocf_obt_acl_encode_post(pol, 3, buf, sizeof buf, &len), OCF_OK);
  test_free(device_accepts(buf, len, OCF_DOS_RFPRO));
  assert_int_equal(pol[2].subject, OCF_OBT_SUBJECT_ANON_CLEAR);
  for (size_t i = 0; i < pol[2].n_res; i++) assert_false(ocf_obt_href_is_svr(pol[2].res[i].text));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_subject_forms),
      cmocka_unit_test(test_subject_rejects),
      cmocka_unit_test(test_resources),
      cmocka_unit_test(test_perm),
      cmocka_unit_test(test_validity),
      cmocka_unit_test(test_encode_post_accepted_by_device),
      cmocka_unit_test(test_parse_answer),
      cmocka_unit_test(test_parse_answer_hostile),
      cmocka_unit_test(test_parse_device_encoding),
      cmocka_unit_test(test_resolve),
      cmocka_unit_test(test_plan_rfnop),
      cmocka_unit_test(test_legacy_icv),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
