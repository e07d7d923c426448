/* The AMS step functions (ocf_obt_ams_step) driven against a scripted device that answers with
 * our device's own SVR models (src/svr acl2 and the onboarding state table), and against
 * hostile answers: every job ends in DONE or FAIL with a stage, never loops, never reads past
 * what the device sent. */
#include <ocf/ocf_obt_ams.h>

#include "svr/acl2.h"
#include "svr/dos.h"
#include "svr_test_util.h"

#define DEV_A "11111111-2222-3333-4444-555555555555"
#define TOOL "aaaaaaaa-2222-3333-4444-555555555555"
#define MAX_STEPS 64

typedef struct fake_dev {
  ocf_svr_acl2 acl;
  uint8_t dos;
  const char *icv; /* NULL: GET /oic/d is refused 4.01 */
  const char *res; /* GET /oic/res answer (diag), NULL: 4.04 */
  uint64_t seed;
  uint8_t out[8192];
  size_t out_len;
  char log[MAX_STEPS][OCF_OBT_PROV_HREF_MAX + 8]; /* "POST /oic/sec/acl2" ... */
  size_t n;
  /* hostility: answer request number `bad_at` (1-based) with this code and payload instead */
  size_t bad_at;
  uint16_t bad_code;
  const uint8_t *bad_payload;
  size_t bad_len;
  bool no_validity; /* like IoTivity-Lite: 4.00 to an acl2 POST whose ACE has "validity" */
} fake_dev;

static ocf_obt_prov_response answer(fake_dev *d, uint16_t code, size_t len) {
  ocf_obt_prov_response r = {code, len ? d->out : NULL, len};
  return r;
}

static ocf_obt_prov_response encode_acl(fake_dev *d) {
  ocf_rep_enc e;
  size_t len = 0;
  ocf_rep_enc_init(&e, d->out, sizeof d->out);
  ocf_svr_acl2_encode(&d->acl, 0, &e);
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
  return answer(d, 205, len);
}

static bool has_text(const uint8_t *b, size_t len, const char *text) {
  size_t n = strlen(text);
  for (size_t i = 0; i + n <= len; i++)
    if (memcmp(b + i, text, n) == 0) return true;
  return false;
}

static ocf_obt_prov_response serve_acl(fake_dev *d, const ocf_obt_prov_request *req) {
  ocf_svr_ctx ctx = client_ctx(d->dos, false, &d->seed);
  ocf_svr_report r;
  if (req->method == 1) return encode_acl(d);
  if (req->method == 4) {
    const char *q = strchr(req->href, '?');
    ocf_err err = q ? ocf_svr_acl2_delete_id(&d->acl, (uint32_t)strtoul(q + 7, NULL, 10), &ctx, &r)
                    : ocf_svr_acl2_delete_all(&d->acl, &ctx, &r);
    return answer(d, err == OCF_OK ? 202 : err == OCF_ERR_NOT_FOUND ? 404 : 403, 0);
  }
  if (d->no_validity && has_text(req->body, req->len, "validity")) return answer(d, 400, 0);
  test_tree *t = TEST_NEW(test_tree);
  ocf_svr_acl2 *out = TEST_NEW(ocf_svr_acl2);
  ocf_err err = ocf_svr_acl2_decode_update(&d->acl, bytes_tree(t, req->body, req->len), &ctx, out, &r);
  if (err == OCF_OK) memcpy(&d->acl, out, sizeof *out);
  test_free(out);
  test_free(t);
  return answer(d, err == OCF_OK ? 204 : 400, 0);
}

static ocf_obt_prov_response serve_pstat(fake_dev *d, const ocf_obt_prov_request *req) {
  if (req->method == 1) {
    size_t len = 0;
    char text[64];
    (void)snprintf(text, sizeof text, "{'dos': {'s': %u, 'p': false}, 'isop': %s}", d->dos,
                   d->dos == OCF_DOS_RFNOP ? "true" : "false");
    len = diag_cbor(text, d->out, sizeof d->out);
    return answer(d, 205, len);
  }
  test_tree *t = TEST_NEW(test_tree);
  uint8_t s = 99;
  assert_int_equal(
      ocf_rep_get_uint8(ocf_rep_map_value(ocf_rep_map_value(bytes_tree(t, req->body, req->len), "dos"), "s"),
                        &s),
      OCF_OK);
  test_free(t);
  if (!ocf_dos_transition_allowed(d->dos, s, OCF_DOS_BY_CLIENT)) return answer(d, 400, 0);
  d->dos = s;
  return answer(d, 204, 0);
}

static ocf_obt_prov_response serve(fake_dev *d, const ocf_obt_prov_request *req) {
  static const char *const M[] = {"?", "GET", "POST", "PUT", "DELETE"};
  assert_true(d->n < MAX_STEPS);
  (void)snprintf(d->log[d->n++], sizeof d->log[0], "%s %s", M[req->method <= 4 ? req->method : 0], req->href);
  assert_true(req->method == 2 ? req->len > 0 && req->body : req->len == 0);
  if (d->bad_at == d->n) {
    ocf_obt_prov_response r = {d->bad_code, d->bad_payload, d->bad_len};
    return r;
  }
  if (strncmp(req->href, "/oic/sec/acl2", 13) == 0) return serve_acl(d, req);
  if (strcmp(req->href, "/oic/sec/pstat") == 0) return serve_pstat(d, req);
  if (strcmp(req->href, "/oic/d") == 0) {
    if (!d->icv) return answer(d, 401, 0);
    char text[96];
    (void)snprintf(text, sizeof text, "{'n': 'lamp', 'di': '" DEV_A "', 'icv': '%s'}", d->icv);
    return answer(d, 205, diag_cbor(text, d->out, sizeof d->out));
  }
  if (strcmp(req->href, "/oic/res") == 0 && d->res)
    return answer(d, 205, diag_cbor(d->res, d->out, sizeof d->out));
  return answer(d, 404, 0);
}

static ocf_obt_prov_next drive(fake_dev *d, ocf_obt_ams_job *j, ocf_obt_prov_failure *f) {
  ocf_obt_prov_request req;
  ocf_obt_prov_response rsp;
  const ocf_obt_prov_response *last = NULL;
  for (int i = 0; i < MAX_STEPS; i++) {
    ocf_obt_prov_next next = ocf_obt_ams_step(j, last, &req, f);
    if (next != OCF_OBT_PROV_SEND) {
      if (next == OCF_OBT_PROV_FAIL) assert_non_null(f->stage);
      return next;
    }
    rsp = serve(d, &req);
    last = &rsp;
  }
  fail_msg("the job did not end");
  return OCF_OBT_PROV_FAIL;
}

static fake_dev *new_dev(uint8_t dos, const char *acl_diag) {
  fake_dev *d = TEST_NEW(fake_dev);
  d->dos = dos;
  d->seed = 42;
  d->icv = "ocf.2.5.0";
  if (acl_diag) {
    test_tree *t = TEST_NEW(test_tree);
    ocf_svr_acl2 *empty = TEST_NEW(ocf_svr_acl2);
    ocf_svr_ctx ctx = store_ctx();
    ocf_svr_report r;
    assert_int_equal(ocf_svr_acl2_decode_update(empty, diag_tree(t, acl_diag), &ctx, &d->acl, &r), OCF_OK);
    test_free(empty);
    test_free(t);
  }
  return d;
}

static void expect_log(const fake_dev *d, const char *const *want, size_t n) {
  for (size_t i = 0; i < d->n; i++) print_message("  %zu %s\n", i, d->log[i]);
  assert_int_equal(d->n, n);
  for (size_t i = 0; i < n; i++) assert_string_equal(d->log[i], want[i]);
}

#define TRIM_ACL                                                                                             \
  "{'rowneruuid': '" TOOL "', 'aclist2': ["                                                                  \
  "{'aceid': 5, 'subject': {'conntype': 'anon-clear'}, 'resources': [{'href': '/switch'}, {'href': "         \
  "'/oic/sec/cred'}], 'permission': 2},"                                                                     \
  "{'aceid': 6, 'subject': {'conntype': 'auth-crypt'}, 'resources': [{'href': '/oic/sec/roles'}], "          \
  "'permission': 6},"                                                                                        \
  "{'aceid': 7, 'subject': {'uuid': '" DEV_A                                                                 \
  "'}, 'resources': [{'href': '/oic/sec/sp'}], 'permission': 6}]}"

/* --- ADD, LIST, REMOVE ------------------------------------------------------------------------- */

static void test_add_reads_aceid_back(void **state) {
  (void)state;
  fake_dev *d = new_dev(OCF_DOS_RFPRO, TRIM_ACL);
  ocf_obt_ams_job *j = TEST_NEW(ocf_obt_ams_job);
  ocf_obt_ace a[2];
  ocf_uuid dev = uuid_of(DEV_A);
  ocf_obt_ace_allow_device(&a[0], &dev, "/switch", 6);
  ocf_obt_ace_allow_device(&a[1], &dev, "/oic/sec/sp", 6); /* already held as ACE 7 */
  assert_int_equal(ocf_obt_ams_job_add(j, a, 2), OCF_OK);
  ocf_obt_prov_failure f;
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_DONE);
  static const char *const WANT[] = {"GET /oic/sec/acl2", "POST /oic/sec/acl2", "POST /oic/sec/acl2",
                                     "GET /oic/sec/acl2"};
  expect_log(d, WANT, 4);
  assert_int_equal(d->acl.n, 4);
  assert_int_equal(j->added[0], d->acl.ace[3].aceid);
  assert_false(j->added_existed[0]);
  assert_int_equal(j->added[1], 7);
  assert_true(j->added_existed[1]);
  assert_int_equal(j->acl.n, 4);
  test_free(j);
  test_free(d);
}

static void test_replace(void **state) {
  (void)state;
  fake_dev *d = new_dev(OCF_DOS_RFPRO, TRIM_ACL);
  ocf_obt_ams_job *j = TEST_NEW(ocf_obt_ams_job);
  ocf_obt_ace a;
  ocf_obt_ace_auth_wildcard(&a, 2);
  a.aceid = 6; /* ACE 6 becomes auth-crypt R on "*" */
  assert_int_equal(ocf_obt_ams_job_add(j, &a, 1), OCF_OK);
  ocf_obt_prov_failure f;
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_DONE);
  assert_int_equal(d->acl.n, 3);
  assert_int_equal(d->acl.ace[1].aceid, 6);
  assert_int_equal(d->acl.ace[1].resources[0].wc, OCF_ACE_WC_ALL);
  assert_int_equal(d->acl.ace[1].permission, 2);
  assert_int_equal(j->added[0], 6);
  a.aceid = 99; /* unknown: nothing is written */
  assert_int_equal(ocf_obt_ams_job_add(j, &a, 1), OCF_OK);
  d->n = 0;
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_FAIL);
  assert_string_equal(f.stage, "replace ACE");
  assert_int_equal(f.err, OCF_ERR_NOT_FOUND);
  assert_int_equal(d->n, 1);
  assert_int_equal(d->acl.n, 3);
  test_free(j);
  test_free(d);
}

static void test_add_resolves_rt_first(void **state) {
  (void)state;
  fake_dev *d = new_dev(OCF_DOS_RFPRO, NULL);
  d->res = "[{'href': '/switch', 'rt': ['oic.r.switch.binary'], 'if': ['oic.if.a']}]";
  ocf_obt_ams_job *j = TEST_NEW(ocf_obt_ams_job);
  ocf_obt_ace *a = TEST_NEW(ocf_obt_ace);
  const char *why;
  assert_int_equal(ocf_obt_ace_parse_subject("anon-clear", a, &why), OCF_OK);
  assert_int_equal(ocf_obt_ace_parse_resources("rt:oic.r.switch.binary", a, &why), OCF_OK);
  a->permission = 2;
  assert_int_equal(ocf_obt_ams_job_add(j, a, 1), OCF_OK);
  ocf_obt_prov_failure f;
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_DONE);
  assert_string_equal(d->log[0], "GET /oic/res");
  assert_int_equal(d->acl.n, 1);
  assert_string_equal(d->acl.ace[0].resources[0].href, "/switch");
  assert_int_equal(j->added[0], d->acl.ace[0].aceid);
  /* a selector that matches nothing fails before any write */
  fake_dev *d2 = new_dev(OCF_DOS_RFPRO, NULL);
  d2->res = "[{'href': '/temp', 'rt': ['oic.r.temperature']}]";
  assert_int_equal(ocf_obt_ams_job_add(j, a, 1), OCF_OK);
  assert_int_equal(drive(d2, j, &f), OCF_OBT_PROV_FAIL);
  assert_string_equal(f.stage, "resolve rt/if");
  assert_int_equal(f.err, OCF_ERR_NOT_FOUND);
  assert_int_equal(d2->n, 1);
  test_free(d2);
  test_free(a);
  test_free(j);
  test_free(d);
}

static void test_add_refused_in_rfnop(void **state) {
  (void)state;
  fake_dev *d = new_dev(OCF_DOS_RFNOP, NULL);
  ocf_obt_ams_job *j = TEST_NEW(ocf_obt_ams_job);
  ocf_obt_ace a;
  ocf_obt_ace_auth_wildcard(&a, 2);
  assert_int_equal(ocf_obt_ams_job_add(j, &a, 1), OCF_OK);
  ocf_obt_prov_failure f;
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_FAIL);
  assert_string_equal(f.stage, "post acl2");
  assert_int_equal(f.code, 400);
  assert_non_null(f.advice);
  test_free(j);
  test_free(d);
}

/* A device refusing ACE validity periods (IoTivity-Lite, docs/INTEROP.md) gets advice naming
 * --validity, not the device's state; without the period the same ACE is taken. */
static void test_add_validity_refused(void **state) {
  (void)state;
  fake_dev *d = new_dev(OCF_DOS_RFPRO, NULL);
  d->no_validity = true;
  ocf_obt_ams_job *j = TEST_NEW(ocf_obt_ams_job);
  ocf_obt_ace a;
  ocf_obt_ace_auth_wildcard(&a, 2);
  const char *why = NULL;
  assert_int_equal(ocf_obt_ace_parse_validity("20260101T000000Z/P30D", &a, &why), OCF_OK);
  assert_int_equal(ocf_obt_ams_job_add(j, &a, 1), OCF_OK);
  ocf_obt_prov_failure f;
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_FAIL);
  assert_string_equal(f.stage, "post acl2");
  assert_int_equal(f.code, 400);
  assert_non_null(f.advice);
  assert_non_null(strstr(f.advice, "--validity"));
  assert_int_equal(d->acl.n, 0); /* nothing written */
  a.n_validity = 0;
  ocf_obt_ams_job *j2 = TEST_NEW(ocf_obt_ams_job);
  assert_int_equal(ocf_obt_ams_job_add(j2, &a, 1), OCF_OK);
  assert_int_equal(drive(d, j2, &f), OCF_OBT_PROV_DONE);
  assert_int_equal(d->acl.n, 1);
  test_free(j2);
  test_free(j);
  test_free(d);
}

static void test_list_and_remove(void **state) {
  (void)state;
  fake_dev *d = new_dev(OCF_DOS_RFPRO, TRIM_ACL);
  ocf_obt_ams_job *j = TEST_NEW(ocf_obt_ams_job);
  ocf_obt_prov_failure f;
  ocf_obt_ams_job_list(j);
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_DONE);
  assert_int_equal(j->acl.n, 3);
  assert_int_equal(j->acl.ace[2].aceid, 7);
  assert_int_equal(ocf_obt_ams_job_remove(j, 6), OCF_OK);
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_DONE);
  assert_string_equal(d->log[1], "DELETE /oic/sec/acl2?aceid=6");
  assert_int_equal(d->acl.n, 2);
  assert_int_equal(ocf_obt_ams_job_remove(j, 6), OCF_OK); /* gone: 4.04 */
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(f.code, 404);
  assert_int_equal(f.err, OCF_ERR_NOT_FOUND);
  d->dos = OCF_DOS_RFNOP; /* 4.03 in RFNOP */
  assert_int_equal(ocf_obt_ams_job_remove(j, 5), OCF_OK);
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(f.code, 403);
  assert_int_equal(ocf_obt_ams_job_remove(j, 0), OCF_ERR_INVALID_ARG);
  test_free(j);
  test_free(d);
}

/* --- STATE ------------------------------------------------------------------------------------ */

static void test_rfnop_trims_then_moves(void **state) {
  (void)state;
  fake_dev *d = new_dev(OCF_DOS_RFPRO, TRIM_ACL);
  ocf_obt_ams_job *j = TEST_NEW(ocf_obt_ams_job);
  ocf_obt_prov_failure f;
  assert_int_equal(ocf_obt_ams_job_state(j, OCF_DOS_RFNOP), OCF_OK);
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_DONE);
  static const char *const WANT[] = {"GET /oic/d",          "GET /oic/sec/acl2",
                                     "POST /oic/sec/acl2",  "DELETE /oic/sec/acl2?aceid=6",
                                     "POST /oic/sec/pstat", "GET /oic/sec/pstat"};
  expect_log(d, WANT, 6);
  assert_int_equal(d->dos, OCF_DOS_RFNOP);
  assert_int_equal(j->state_after, OCF_DOS_RFNOP);
  assert_int_equal(d->acl.n, 2);
  assert_int_equal(d->acl.ace[0].aceid, 5); /* replaced in place: /switch only */
  assert_int_equal(d->acl.ace[0].n_resources, 1);
  assert_string_equal(d->acl.ace[0].resources[0].href, "/switch");
  assert_int_equal(d->acl.ace[1].aceid, 7); /* a uuid subject is not touched */
  assert_int_equal(j->plan.n, 2);
  assert_false(j->legacy_added);
  assert_false(j->icv_unknown);
  /* back to RFPRO, then SRESET, then RFPRO */
  static const uint8_t TO[] = {OCF_DOS_RFPRO, OCF_DOS_SRESET, OCF_DOS_RFPRO};
  for (size_t i = 0; i < sizeof TO; i++) {
    assert_int_equal(ocf_obt_ams_job_state(j, TO[i]), OCF_OK);
    assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_DONE);
    assert_int_equal(d->dos, TO[i]);
  }
  /* SRESET -> RFNOP is refused by the device's table: reported, not retried */
  d->dos = OCF_DOS_SRESET;
  assert_int_equal(ocf_obt_ams_job_state(j, OCF_DOS_RFNOP), OCF_OK);
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_FAIL);
  assert_string_equal(f.stage, "post pstat");
  assert_int_equal(f.err, OCF_ERR_STATE);
  assert_int_equal(ocf_obt_ams_job_state(j, OCF_DOS_RFOTM), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_ams_job_state(j, OCF_DOS_RESET), OCF_ERR_INVALID_ARG);
  test_free(j);
  test_free(d);
}

static void test_rfnop_policy_and_legacy(void **state) {
  (void)state;
  fake_dev *d = new_dev(OCF_DOS_RFPRO, NULL);
  d->icv = "ocf.2.4.0";
  ocf_obt_ams_job *j = TEST_NEW(ocf_obt_ams_job);
  ocf_obt_prov_failure f;
  assert_int_equal(ocf_obt_ams_job_state(j, OCF_DOS_RFNOP), OCF_OK);
  j->default_policy = true;
  j->tool = uuid_of(TOOL);
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_DONE);
  assert_true(j->legacy_added);
  assert_int_equal(d->acl.n, 4); /* 3 default ACEs + the Table 2 owner-role ACE */
  assert_string_equal(d->acl.ace[3].role, "oic.role.owner");
  assert_int_equal(d->dos, OCF_DOS_RFNOP);
  /* again (from RFPRO): nothing new, no second legacy ACE */
  d->dos = OCF_DOS_RFPRO;
  d->n = 0;
  assert_int_equal(ocf_obt_ams_job_state(j, OCF_DOS_RFNOP), OCF_OK);
  j->default_policy = true;
  j->tool = uuid_of(TOOL);
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_DONE);
  assert_false(j->legacy_added);
  assert_int_equal(d->acl.n, 4);
  /* /oic/d refused: no legacy check, said */
  fake_dev *d2 = new_dev(OCF_DOS_RFPRO, NULL);
  d2->icv = NULL;
  assert_int_equal(ocf_obt_ams_job_state(j, OCF_DOS_RFNOP), OCF_OK);
  assert_int_equal(drive(d2, j, &f), OCF_OBT_PROV_DONE);
  assert_true(j->icv_unknown);
  assert_int_equal(d2->dos, OCF_DOS_RFNOP);
  test_free(d2);
  test_free(j);
  test_free(d);
}

static void test_rfnop_approved_plan_must_match(void **state) {
  (void)state;
  fake_dev *d = new_dev(OCF_DOS_RFPRO, TRIM_ACL);
  ocf_obt_ams_job *j = TEST_NEW(ocf_obt_ams_job);
  ocf_obt_prov_failure f;
  ocf_obt_ams_job_list(j); /* what the user is shown */
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_DONE);
  ocf_obt_acl_plan *shown = TEST_NEW(ocf_obt_acl_plan);
  ocf_obt_acl_plan_rfnop(&j->acl, shown);
  /* meanwhile someone adds an anon-clear ACE naming doxm */
  test_tree *t = TEST_NEW(test_tree);
  ocf_svr_ctx ctx = client_ctx(OCF_DOS_RFPRO, false, &d->seed);
  ocf_svr_report r;
  ocf_svr_acl2 *out = TEST_NEW(ocf_svr_acl2);
  assert_int_equal(
      ocf_svr_acl2_decode_update(&d->acl,
                                 diag_tree(t, "{'aclist2': [{'subject': {'conntype': 'anon-clear'}, "
                                              "'resources': [{'href': '/oic/sec/doxm'}], 'permission': 2}]}"),
                                 &ctx, out, &r),
      OCF_OK);
  memcpy(&d->acl, out, sizeof *out);
  assert_int_equal(ocf_obt_ams_job_state(j, OCF_DOS_RFNOP), OCF_OK);
  j->has_approved = true;
  j->approved = *shown;
  d->n = 0;
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_FAIL);
  assert_string_equal(f.stage, "rfnop precheck");
  assert_int_equal(d->dos, OCF_DOS_RFPRO); /* nothing was written */
  assert_int_equal(d->n, 2);               /* GET /oic/d, GET acl2 */
  test_free(out);
  test_free(t);
  test_free(shown);
  test_free(j);
  test_free(d);
}

/* --- hostile answers ---------------------------------------------------------------------------- */

static void test_hostile_answers(void **state) {
  (void)state;
  static const uint8_t GARBAGE[] = {0xbf, 0x61, 0x61};
  static const uint8_t DIAG[] = "bad\x01payload";
  static const struct {
    size_t at;
    uint16_t code;
    const uint8_t *payload;
    size_t len;
    const char *stage;
  } CASES[] = {
      {2, 205, GARBAGE, sizeof GARBAGE, "read acl2"}, /* acl2 answer truncated */
      {2, 205, NULL, 0, "read acl2"},                 /* empty 2.05 */
      {2, 401, DIAG, sizeof DIAG - 1, "read acl2"},   /* denied */
      {2, 204, NULL, 0, "read acl2"},                 /* a GET answered like a POST */
      {3, 205, NULL, 0, "replace ACE"},               /* a POST answered like a GET */
      {4, 500, NULL, 0, "delete ACE"},
      {5, 404, NULL, 0, "post pstat"},
      {6, 205, GARBAGE, sizeof GARBAGE, "read pstat"},
      {6, 401, NULL, 0, "read pstat"},
  };
  for (size_t i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    fake_dev *d = new_dev(OCF_DOS_RFPRO, TRIM_ACL);
    d->bad_at = CASES[i].at;
    d->bad_code = CASES[i].code;
    d->bad_payload = CASES[i].payload;
    d->bad_len = CASES[i].len;
    ocf_obt_ams_job *j = TEST_NEW(ocf_obt_ams_job);
    ocf_obt_prov_failure f;
    assert_int_equal(ocf_obt_ams_job_state(j, OCF_DOS_RFNOP), OCF_OK);
    assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_FAIL);
    assert_string_equal(f.stage, CASES[i].stage);
    assert_int_equal(d->n, CASES[i].at); /* nothing after the bad answer */
    for (const char *c = f.diagnostic; *c; c++) assert_true(*c >= 0x20 && *c < 0x7f);
    if (CASES[i].code == 401 && CASES[i].len) assert_string_equal(f.diagnostic, "bad?payload");
    test_free(j);
    test_free(d);
  }
  /* a device that claims a state it was not asked for */
  fake_dev *d = new_dev(OCF_DOS_RFPRO, NULL);
  static const uint8_t OTHER_STATE[] = {0xa1, 0x63, 'd', 'o', 's', 0xa1, 0x61, 's', 0x04}; /* {dos:{s:4}} */
  d->bad_code = 205;
  d->bad_payload = OTHER_STATE;
  d->bad_len = sizeof OTHER_STATE;
  ocf_obt_ams_job *j = TEST_NEW(ocf_obt_ams_job);
  ocf_obt_prov_failure f;
  assert_int_equal(ocf_obt_ams_job_state(j, OCF_DOS_RFPRO), OCF_OK);
  d->bad_at = 2;
  assert_int_equal(drive(d, j, &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(f.err, OCF_ERR_STATE);
  assert_int_equal(j->state_after, 4);
  /* misuse: an answer before any request, no answer mid-job, an unknown job */
  ocf_obt_prov_request req;
  ocf_obt_prov_response rsp = {205, NULL, 0};
  ocf_obt_ams_job_list(j);
  assert_int_equal(ocf_obt_ams_step(j, &rsp, &req, &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(ocf_obt_ams_step(j, NULL, &req, &f), OCF_OBT_PROV_SEND);
  assert_int_equal(ocf_obt_ams_step(j, NULL, &req, &f), OCF_OBT_PROV_FAIL);
  memset(j, 0, sizeof *j);
  assert_int_equal(ocf_obt_ams_step(j, NULL, &req, &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(ocf_obt_ams_step(NULL, NULL, &req, &f), OCF_OBT_PROV_FAIL);
  test_free(j);
  test_free(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_add_reads_aceid_back),           cmocka_unit_test(test_replace),
      cmocka_unit_test(test_add_resolves_rt_first),          cmocka_unit_test(test_add_refused_in_rfnop),
      cmocka_unit_test(test_add_validity_refused),           cmocka_unit_test(test_list_and_remove),
      cmocka_unit_test(test_rfnop_trims_then_moves),         cmocka_unit_test(test_rfnop_policy_and_legacy),
      cmocka_unit_test(test_rfnop_approved_plan_must_match), cmocka_unit_test(test_hostile_answers),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
