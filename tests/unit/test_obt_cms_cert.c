/* The CMS certificate and CRL jobs (<ocf/ocf_obt_cms_cert.h>, src/obt/cms_cert.c, ADR 0020) driven
 * with scripted device answers: the order of requests of digest §6.2/§6.3/§6.7, what they carry,
 * and hostile answers (a CSR with a bad signature, the CN of another uuid, an oversized CSR,
 * sct without certificates, codes the step does not expect, payloads that do not decode). Also
 * the store's records, revocation, CRL numbers and the tool's own certificate. */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_obt_cms_cert.h>
#include <ocf/ocf_posix.h>

#include "dtls_certs.h"
#include "pki/ca.h"
#include "pki/key.h"
#include "rep/rep.h"
#include "sim/sim.h"
#include "svr_test_util.h"

#define NOW 1748736000 /* 2025-06-01T00:00:00Z */
#define DEV "4e2e330a-2f22-48ca-94b9-c984bc68fec5"
#define OTHER "11111111-2222-4333-8444-555555555555"

typedef struct fx {
  ocf_sim_platform sp;
  ocf_obt_store *s;
  ocf_uuid tool;
  ocf_pki_rng rng;
  uint8_t key[OCF_PKI_KEY_MAX];
  size_t key_len;
  char dir[32];
  uint8_t ans[8192];
  size_t ans_len;
  ocf_obt_prov_request req;
  ocf_obt_prov_failure fail;
} fx;

static int setup(void **state) {
  fx *f = test_calloc(1, sizeof *f);
  ocf_sim_platform_init(&f->sp, 11);
  f->sp.quiet = true;
  snprintf(f->dir, sizeof f->dir, "/tmp/ocf-cms-XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  char db[64];
  snprintf(db, sizeof db, "%s/domain.db", f->dir);
  assert_int_equal(ocf_posix_private_file_prepare(db, true, &f->sp.pf, NULL), OCF_OK);
  static const uint8_t key[OCF_OBT_DOMAIN_KEY_LEN] = {9};
  ocf_obt_store_key k = {.kind = OCF_OBT_KEY_FILE, .secret = key, .len = sizeof key};
  ocf_obt_domain d = {.priv = false};
  snprintf(d.name, sizeof d.name, "Lab");
  snprintf(d.otm_policy, sizeof d.otm_policy, "jw");
  assert_int_equal(ocf_obt_store_create(db, &d, &k, false, 1, &f->sp.pf, &f->s), OCF_OK);
  assert_int_equal(ocf_obt_store_domain_get(f->s, &d), OCF_OK);
  f->tool = d.tool_uuid;
  assert_int_equal(ocf_obt_ca_create(f->s, "Lab CA", NOW - 86400, NOW + 86400 * 3650, false), OCF_OK);
  f->rng = (ocf_pki_rng){f->sp.pf.random, f->sp.pf.ctx};
  uint8_t pub[OCF_PKI_PUBKEY_MAX];
  size_t pub_len = 0;
  assert_int_equal(
      ocf_pki_keypair_generate(&f->rng, f->key, sizeof f->key, &f->key_len, pub, sizeof pub, &pub_len),
      OCF_OK);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx *f = *state;
  ocf_obt_store_close(f->s);
  char cmd[80];
  snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
  assert_int_equal(system(cmd), 0);
  test_free(f);
  return 0;
}

/* --- scripted answers ------------------------------------------------------------------------ */

static ocf_obt_prov_next answer(fx *f, ocf_obt_cms_job *j, uint16_t code, const char *diag) {
  f->ans_len = diag ? diag_cbor(diag, f->ans, sizeof f->ans) : 0;
  ocf_obt_prov_response r = {code, diag ? f->ans : NULL, f->ans_len};
  return ocf_obt_cms_step(j, &r, &f->req, &f->fail);
}

static ocf_obt_prov_next answer_raw(fx *f, ocf_obt_cms_job *j, uint16_t code, const uint8_t *p, size_t len) {
  ocf_obt_prov_response r = {code, p, len};
  return ocf_obt_cms_step(j, &r, &f->req, &f->fail);
}

static void expect_req(fx *f, uint8_t method, const char *href) {
  assert_int_equal(f->req.method, method);
  assert_string_equal(f->req.href, href);
}

/* {"csr": text, "encoding": pem} */
static size_t csr_answer(fx *f, const char *uuid, bool break_sig, size_t pad, uint8_t *out, size_t cap) {
  uint8_t der[OCF_PKI_CSR_MAX];
  size_t len = 0;
  ocf_uuid u = uuid_of(uuid);
  assert_int_equal(ocf_pki_csr_write(f->key, f->key_len, &u, &f->rng, der, sizeof der, &len), OCF_OK);
  if (break_sig) der[len - 2] ^= 0x01;
  static char pem[8192];
  size_t pem_len = 0;
  assert_int_equal(ocf_pki_pem_write("CERTIFICATE REQUEST", der, len, pem, sizeof pem, &pem_len), OCF_OK);
  for (size_t i = 0; i < pad; i++) pem[pem_len++] = '\n';
  pem[pem_len] = 0;
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, out, cap);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_text(&e, "csr", pem);
  ocf_rep_enc_kv_text(&e, "encoding", "oic.sec.encoding.pem");
  ocf_rep_enc_map_close(&e);
  size_t n = 0;
  assert_int_equal(ocf_rep_enc_finish(&e, &n), OCF_OK);
  return n;
}

static ocf_obt_cms_job *cert_job(fx *f, const ocf_obt_cert_role *roles, size_t n_roles) {
  ocf_obt_cms_cert_params p = {
      .store = f->s, .uuid = uuid_of(DEV), .utc_now = NOW, .days = 30, .roles = roles, .n_roles = n_roles};
  ocf_obt_cms_job *j = NULL;
  assert_int_equal(ocf_obt_cms_cert_job_new(&f->sp.pf, &p, &j), OCF_OK);
  return j;
}

/* Up to GET csr: doxm (sct 9), pstat in `dos`, acl2 without the tool's ACE. */
static void to_csr(fx *f, ocf_obt_cms_job *j, int dos) {
  assert_int_equal(ocf_obt_cms_step(j, NULL, &f->req, &f->fail), OCF_OBT_PROV_SEND);
  expect_req(f, 1, "/oic/sec/doxm");
  assert_int_equal(answer(f, j, 205, "{'sct': 9, 'deviceuuid': '" DEV "', 'owned': true}"),
                   OCF_OBT_PROV_SEND);
  expect_req(f, 1, "/oic/sec/pstat");
  char pstat[64];
  snprintf(pstat, sizeof pstat, "{'dos': {'s': %d, 'p': false}}", dos);
  assert_int_equal(answer(f, j, 205, pstat), OCF_OBT_PROV_SEND);
  if (dos == 3) {
    expect_req(f, 2, "/oic/sec/pstat");
    assert_int_equal(answer(f, j, 204, NULL), OCF_OBT_PROV_SEND);
  }
  expect_req(f, 1, "/oic/sec/acl2");
  assert_int_equal(answer(f, j, 205, "{'aclist2': [], 'rowneruuid': '" DEV "'}"), OCF_OBT_PROV_SEND);
  expect_req(f, 2, "/oic/sec/acl2");
  test_tree *t = TEST_NEW(test_tree);
  const ocf_rep_node *ace =
      ocf_rep_first(ocf_rep_map_value(bytes_tree(t, f->req.body, f->req.len), "aclist2"));
  ocf_uuid u;
  assert_int_equal(ocf_rep_get_uuid(ocf_rep_map_value(ocf_rep_map_value(ace, "subject"), "uuid"), &u),
                   OCF_OK);
  assert_true(ocf_uuid_equal(&u, &f->tool));
  test_free(t);
  assert_int_equal(answer(f, j, 204, NULL), OCF_OBT_PROV_SEND);
  expect_req(f, 1, "/oic/sec/csr");
}

static bool count_cert(void *user, const ocf_obt_cert_record *r) {
  (void)r;
  (*(size_t *)user)++;
  return true;
}

static size_t n_certs(fx *f) {
  size_t n = 0;
  assert_int_equal(ocf_obt_cert_list(f->s, NULL, count_cert, &n), OCF_OK);
  return n;
}

/* --- tests ----------------------------------------------------------------------------------- */

static void test_identity_certificate_job_in_order(void **state) {
  fx *f = *state;
  ocf_obt_cms_job *j = cert_job(f, NULL, 0);
  to_csr(f, j, 3); /* RFNOP: to RFPRO and back */
  uint8_t csr[4096];
  size_t len = csr_answer(f, DEV, false, 0, csr, sizeof csr);
  assert_int_equal(answer_raw(f, j, 205, csr, len), OCF_OBT_PROV_SEND);
  assert_non_null(ocf_obt_cms_job_issued(j));
  assert_int_equal(n_certs(f), 1);
  expect_req(f, 1, "/oic/sec/cred");
  /* The device holds an old identity certificate (credid 7) and no trust anchor. */
  assert_int_equal(answer(f, j, 205,
                          "{'creds': [{'credid': 7, 'credtype': 8, 'subjectuuid': '" DEV
                          "', 'credusage': 'oic.sec.cred.cert', 'publicdata': {'data': 'x', 'encoding': "
                          "'oic.sec.encoding.pem'}}], 'rowneruuid': '" DEV "'}"),
                   OCF_OBT_PROV_SEND);
  expect_req(f, 2, "/oic/sec/cred"); /* the new one first: the device never lacks one */
  /* trust anchor "*" + the chain, PEM (digest §6.2, §6.3) */
  test_tree *t = TEST_NEW(test_tree);
  const ocf_rep_node *creds = ocf_rep_map_value(bytes_tree(t, f->req.body, f->req.len), "creds");
  assert_int_equal(ocf_rep_count(creds), 2);
  char usage[32], subject[40], pem[4096];
  const ocf_rep_node *c0 = ocf_rep_first(creds), *c1 = ocf_rep_next(c0);
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_map_value(c0, "credusage"), usage, sizeof usage), OCF_OK);
  assert_string_equal(usage, "oic.sec.cred.trustca");
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_map_value(c0, "subjectuuid"), subject, sizeof subject),
                   OCF_OK);
  assert_string_equal(subject, "*");
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_map_value(c1, "credusage"), usage, sizeof usage), OCF_OK);
  assert_string_equal(usage, "oic.sec.cred.cert");
  assert_int_equal(
      ocf_rep_get_text_cstr(ocf_rep_map_value(ocf_rep_map_value(c1, "publicdata"), "data"), pem, sizeof pem),
      OCF_OK);
  uint8_t buf[4096];
  ocf_bytes certs[4];
  size_t n = 0;
  assert_int_equal(ocf_pki_certs_der((const uint8_t *)pem, strlen(pem), buf, sizeof buf, certs, 4, &n),
                   OCF_OK);
  assert_int_equal(n, 2); /* leaf, then the CA */
  bool has_uuid = false;
  ocf_uuid u;
  uint8_t pub[OCF_PKI_PUBKEY_MAX];
  size_t pub_len = 0;
  assert_int_equal(ocf_pki_cert_subject(certs[0].ptr, certs[0].len, pub, sizeof pub, &pub_len, &has_uuid, &u),
                   OCF_OK);
  assert_true(has_uuid);
  ocf_uuid dev = uuid_of(DEV);
  assert_true(ocf_uuid_equal(&u, &dev));
  test_free(t);
  assert_int_equal(answer(f, j, 204, NULL), OCF_OBT_PROV_SEND);
  expect_req(f, 4, "/oic/sec/cred?credid=7"); /* then the old one goes */
  assert_int_equal(answer(f, j, 202, NULL), OCF_OBT_PROV_SEND);
  expect_req(f, 2, "/oic/sec/pstat"); /* back to RFNOP */
  assert_int_equal(answer(f, j, 204, NULL), OCF_OBT_PROV_DONE);
  ocf_obt_cms_job_free(j);
}

static void test_sct_without_certificates_fails_telling_why(void **state) {
  fx *f = *state;
  ocf_obt_cms_job *j = cert_job(f, NULL, 0);
  assert_int_equal(ocf_obt_cms_step(j, NULL, &f->req, &f->fail), OCF_OBT_PROV_SEND);
  assert_int_equal(answer(f, j, 205, "{'sct': 1, 'deviceuuid': '" DEV "'}"), OCF_OBT_PROV_FAIL);
  assert_int_equal(f->fail.err, OCF_ERR_UNSUPPORTED);
  assert_non_null(strstr(f->fail.diagnostic, "sct"));
  assert_non_null(f->fail.advice);
  ocf_obt_cms_job_free(j);
}

static void hostile_csr(fx *f, const char *uuid, bool break_sig, size_t pad, ocf_err want) {
  ocf_obt_cms_job *j = cert_job(f, NULL, 0);
  to_csr(f, j, 2);
  static uint8_t csr[8192];
  size_t len = csr_answer(f, uuid, break_sig, pad, csr, sizeof csr);
  assert_int_equal(answer_raw(f, j, 205, csr, len), OCF_OBT_PROV_FAIL);
  assert_int_equal(f->fail.err, want);
  assert_string_equal(f->fail.stage, "read csr");
  assert_null(ocf_obt_cms_job_issued(j));
  ocf_obt_cms_job_free(j);
}

static void test_hostile_csrs_issue_nothing(void **state) {
  fx *f = *state;
  hostile_csr(f, DEV, true, 0, OCF_ERR_CRYPTO);        /* bad signature */
  hostile_csr(f, OTHER, false, 0, OCF_ERR_DENIED);     /* CN of another uuid */
  hostile_csr(f, DEV, false, 3000, OCF_ERR_TOO_LARGE); /* over SEC:csr's 3072 */
  assert_int_equal(n_certs(f), 0);
  /* 5.03 (not ready), a payload that is not CBOR (4.04, no csr: the tool makes the key pair,
   * test_device_without_csr_gets_a_key_pair_the_tool_forgets). */
  uint16_t codes[] = {503, 205};
  ocf_err want[] = {OCF_ERR_BUSY, OCF_ERR_MALFORMED};
  for (size_t i = 0; i < 2; i++) {
    ocf_obt_cms_job *j = cert_job(f, NULL, 0);
    to_csr(f, j, 2);
    static const uint8_t junk[] = {0xff, 0x00};
    assert_int_equal(answer_raw(f, j, codes[i], junk, sizeof junk), OCF_OBT_PROV_FAIL);
    assert_int_equal(f->fail.err, want[i]);
    ocf_obt_cms_job_free(j);
  }
  assert_int_equal(n_certs(f), 0);
}

static void test_wrong_codes_fail_the_job(void **state) {
  fx *f = *state;
  ocf_obt_cms_job *j = cert_job(f, NULL, 0);
  assert_int_equal(ocf_obt_cms_step(j, NULL, &f->req, &f->fail), OCF_OBT_PROV_SEND);
  assert_int_equal(answer(f, j, 401, NULL), OCF_OBT_PROV_FAIL);
  assert_int_equal(f->fail.err, OCF_ERR_DENIED);
  assert_int_equal(f->fail.code, 401);
  ocf_obt_cms_job_free(j);
  /* POST cred answered 4.00 with a diagnostic: the device's text is reported. */
  j = cert_job(f, NULL, 0);
  to_csr(f, j, 2);
  uint8_t csr[4096];
  size_t len = csr_answer(f, DEV, false, 0, csr, sizeof csr);
  assert_int_equal(answer_raw(f, j, 205, csr, len), OCF_OBT_PROV_SEND);
  assert_int_equal(answer(f, j, 205, "{'creds': [], 'rowneruuid': '" DEV "'}"), OCF_OBT_PROV_SEND);
  expect_req(f, 2, "/oic/sec/cred");
  static const char why[] = "creds: not for this key";
  assert_int_equal(answer_raw(f, j, 400, (const uint8_t *)why, sizeof why - 1), OCF_OBT_PROV_FAIL);
  assert_string_equal(f->fail.diagnostic, why);
  assert_string_equal(f->fail.stage, "post cred");
  /* A pstat that is not in an owned state; a doxm of another device. */
  ocf_obt_cms_job_free(j);
  j = cert_job(f, NULL, 0);
  assert_int_equal(ocf_obt_cms_step(j, NULL, &f->req, &f->fail), OCF_OBT_PROV_SEND);
  assert_int_equal(answer(f, j, 205, "{'sct': 9, 'deviceuuid': '" OTHER "'}"), OCF_OBT_PROV_FAIL);
  ocf_obt_cms_job_free(j);
  j = cert_job(f, NULL, 0);
  assert_int_equal(ocf_obt_cms_step(j, NULL, &f->req, &f->fail), OCF_OBT_PROV_SEND);
  assert_int_equal(answer(f, j, 205, "{'sct': 9, 'deviceuuid': '" DEV "'}"), OCF_OBT_PROV_SEND);
  assert_int_equal(answer(f, j, 205, "{'dos': {'s': 1}}"), OCF_OBT_PROV_FAIL);
  assert_int_equal(f->fail.err, OCF_ERR_STATE);
  ocf_obt_cms_job_free(j);
}

static void test_role_certificate_keeps_identity_and_existing_anchor(void **state) {
  fx *f = *state;
  ocf_obt_cert_role roles[] = {{"oic.role.light", "Lab"}};
  ocf_obt_cms_job *j = cert_job(f, roles, 1);
  to_csr(f, j, 2);
  uint8_t csr[4096];
  size_t len = csr_answer(f, DEV, false, 0, csr, sizeof csr);
  assert_int_equal(answer_raw(f, j, 205, csr, len), OCF_OBT_PROV_SEND);
  const ocf_obt_cert_record *rec = ocf_obt_cms_job_issued(j);
  assert_int_equal(rec->kind, OCF_OBT_CERT_ROLE);
  assert_string_equal(rec->roles, "oic.role.light@Lab");
  /* Our CA already there as trustca (DER, as IoTivity-Lite keeps it): only the role
   * certificate goes out. */
  uint8_t der[OCF_PKI_CERT_MAX];
  size_t der_len = 0;
  assert_int_equal(ocf_obt_ca_cert(f->s, der, sizeof der, &der_len), OCF_OK);
  uint8_t body[4096];
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, body, sizeof body);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_array_open(&e, "creds");
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_int(&e, "credid", 3);
  ocf_rep_enc_kv_text(&e, "credusage", "oic.sec.cred.trustca");
  ocf_rep_enc_kv_map_open(&e, "publicdata");
  ocf_rep_enc_key(&e, "data");
  ocf_rep_enc_bytes(&e, der, der_len);
  ocf_rep_enc_kv_text(&e, "encoding", "oic.sec.encoding.der");
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_map_close(&e);
  size_t blen = 0;
  assert_int_equal(ocf_rep_enc_finish(&e, &blen), OCF_OK);
  assert_int_equal(answer_raw(f, j, 205, body, blen), OCF_OBT_PROV_SEND);
  expect_req(f, 2, "/oic/sec/cred");
  test_tree *t = TEST_NEW(test_tree);
  const ocf_rep_node *creds = ocf_rep_map_value(bytes_tree(t, f->req.body, f->req.len), "creds");
  assert_int_equal(ocf_rep_count(creds), 1);
  char usage[32];
  assert_int_equal(
      ocf_rep_get_text_cstr(ocf_rep_map_value(ocf_rep_first(creds), "credusage"), usage, sizeof usage),
      OCF_OK);
  assert_string_equal(usage, "oic.sec.cred.rolecert");
  test_free(t);
  assert_int_equal(answer(f, j, 204, NULL), OCF_OBT_PROV_DONE);
  ocf_obt_cms_job_free(j);
}

static bool first_cert(void *user, const ocf_obt_cert_record *r) {
  *(ocf_obt_cert_record *)user = *r;
  return false;
}

static void test_revocation_crl_and_crl_job(void **state) {
  fx *f = *state;
  char cert_pem[OCF_OBT_CERT_PEM_MAX], key_pem[OCF_OBT_CERT_PEM_MAX];
  ocf_obt_cert_record rec;
  assert_int_equal(ocf_obt_ca_issue_self(f->s, NOW, 30, cert_pem, key_pem, &rec), OCF_OK);
  assert_non_null(strstr(key_pem, "BEGIN EC PRIVATE KEY"));
  assert_int_equal(rec.kind, OCF_OBT_CERT_TOOL);
  assert_true(ocf_uuid_equal(&rec.uuid, &f->tool));
  uint64_t number = 0;
  assert_int_equal(ocf_obt_crl_number(f->s, &number), OCF_OK);
  assert_int_equal(number, 1);
  assert_int_equal(ocf_obt_cert_revoke(f->s, rec.serial, rec.serial_len, NOW + 5), OCF_OK);
  assert_int_equal(ocf_obt_cert_revoke(f->s, rec.serial, rec.serial_len, NOW + 6), OCF_ERR_STATE);
  static const uint8_t unknown[] = {0x42};
  assert_int_equal(ocf_obt_cert_revoke(f->s, unknown, 1, NOW), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_obt_crl_number(f->s, &number), OCF_OK);
  assert_int_equal(number, 2);
  ocf_obt_cert_record back;
  assert_int_equal(ocf_obt_cert_list(f->s, NULL, first_cert, &back), OCF_OK);
  assert_true(back.revoked);
  assert_int_equal(back.revoked_at, NOW + 5);
  uint8_t crl[2048];
  size_t crl_len = 0;
  assert_int_equal(ocf_obt_crl_build(f->s, NOW + 10, 90, crl, sizeof crl, &crl_len, &number), OCF_OK);
  assert_int_equal(number, 2);
  /* The CRL job: POST crl (crlid 2, base64 crldata), read back. */
  ocf_obt_cms_job *j = NULL;
  assert_int_equal(ocf_obt_cms_crl_job_new(&f->sp.pf, &f->tool, crl, crl_len, number, NOW + 10, &j), OCF_OK);
  assert_int_equal(ocf_obt_cms_step(j, NULL, &f->req, &f->fail), OCF_OBT_PROV_SEND);
  assert_int_equal(answer(f, j, 205, "{'sct': 1, 'deviceuuid': '" DEV "'}"), OCF_OBT_PROV_SEND);
  assert_int_equal(answer(f, j, 205, "{'dos': {'s': 2}}"), OCF_OBT_PROV_SEND);
  char acl[300];
  char tool[OCF_UUID_STR_LEN];
  ocf_uuid_format(&f->tool, tool);
  snprintf(acl, sizeof acl,
           "{'aclist2': [{'aceid': 1, 'subject': {'uuid': '%s'}, 'resources': [{'href': '/oic/sec/csr'}, "
           "{'href': '/oic/sec/crl'}], 'permission': 6}]}",
           tool);
  assert_int_equal(answer(f, j, 205, acl), OCF_OBT_PROV_SEND); /* the ACE is there: no POST */
  expect_req(f, 2, "/oic/sec/crl");
  test_tree *t = TEST_NEW(test_tree);
  const ocf_rep_node *root = bytes_tree(t, f->req.body, f->req.len);
  int64_t id = 0;
  char when[32], b64[2100];
  assert_int_equal(ocf_rep_get_int64(ocf_rep_map_value(root, "crlid"), &id), OCF_OK);
  assert_int_equal(id, 2);
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_map_value(root, "thisupdate"), when, sizeof when), OCF_OK);
  assert_string_equal(when, "2025-06-01T00:00:10Z");
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_map_value(root, "crldata"), b64, sizeof b64), OCF_OK);
  assert_int_equal(strlen(b64), (crl_len + 2) / 3 * 4);
  test_free(t);
  assert_int_equal(answer(f, j, 204, NULL), OCF_OBT_PROV_SEND);
  expect_req(f, 1, "/oic/sec/crl");
  assert_int_equal(answer(f, j, 205, "{'crlid': 1, 'thisupdate': '', 'crldata': ''}"), OCF_OBT_PROV_FAIL);
  ocf_obt_cms_job_free(j);
  /* A device without /oic/sec/crl is skipped. */
  assert_int_equal(ocf_obt_cms_crl_job_new(&f->sp.pf, &f->tool, crl, crl_len, number, NOW + 10, &j), OCF_OK);
  assert_int_equal(ocf_obt_cms_step(j, NULL, &f->req, &f->fail), OCF_OBT_PROV_SEND);
  assert_int_equal(answer(f, j, 205, "{'sct': 1, 'deviceuuid': '" DEV "'}"), OCF_OBT_PROV_SEND);
  assert_int_equal(answer(f, j, 205, "{'dos': {'s': 2}}"), OCF_OBT_PROV_SEND);
  assert_int_equal(answer(f, j, 205, acl), OCF_OBT_PROV_SEND);
  assert_int_equal(answer(f, j, 404, NULL), OCF_OBT_PROV_DONE);
  assert_true(ocf_obt_cms_job_skipped(j));
  ocf_obt_cms_job_free(j);
}

/* --- a client outside the domain: obt cert issue --csr ------------------------------------------ */

#define CLIENT "4f434665-7874-6572-6e61-6c436c6e7431"

/* A PEM CSR (NUL-terminated, len without it) for f->key naming uuid. */
static size_t client_csr(fx *f, const char *uuid, bool break_sig, char *pem, size_t cap) {
  uint8_t der[OCF_PKI_CSR_MAX];
  size_t len = 0, pem_len = 0;
  ocf_uuid u = uuid_of(uuid);
  assert_int_equal(ocf_pki_csr_write(f->key, f->key_len, &u, &f->rng, der, sizeof der, &len), OCF_OK);
  if (break_sig) der[len - 2] ^= 0x01;
  assert_int_equal(ocf_pki_pem_write("CERTIFICATE REQUEST", der, len, pem, cap, &pem_len), OCF_OK);
  return pem_len;
}

static void test_issue_csr_gives_a_client_an_identity_certificate(void **state) {
  fx *f = *state;
  static char csr[4096], pem[OCF_OBT_CERT_PEM_MAX];
  size_t len = client_csr(f, CLIENT, false, csr, sizeof csr);
  ocf_obt_cert_record rec;
  assert_int_equal(ocf_obt_cms_issue_csr(f->s, (const uint8_t *)csr, len, NOW, 30, pem, sizeof pem, &rec),
                   OCF_OK);
  assert_non_null(strstr(pem, "-----BEGIN CERTIFICATE-----"));
  /* The certificate names the client and holds the CSR's key. */
  uint8_t buf[4096], pub[OCF_PKI_PUBKEY_MAX], want[OCF_PKI_PUBKEY_MAX];
  ocf_bytes certs[2];
  size_t n = 0, pub_len = 0, want_len = 0;
  assert_int_equal(ocf_pki_certs_der((const uint8_t *)pem, strlen(pem), buf, sizeof buf, certs, 2, &n),
                   OCF_OK);
  assert_int_equal(n, 1);
  bool has_uuid = false;
  ocf_uuid u;
  assert_int_equal(ocf_pki_cert_subject(certs[0].ptr, certs[0].len, pub, sizeof pub, &pub_len, &has_uuid, &u),
                   OCF_OK);
  assert_true(has_uuid);
  ocf_uuid client = uuid_of(CLIENT);
  assert_true(ocf_uuid_equal(&u, &client));
  assert_int_equal(ocf_pki_key_public(f->key, f->key_len, &f->rng, want, sizeof want, &want_len), OCF_OK);
  assert_int_equal(pub_len, want_len);
  assert_memory_equal(pub, want, pub_len);
  /* Recorded as an identity certificate of that uuid, valid 30 days from an hour before now:
   * obt cert list and revoke see it. */
  assert_int_equal(n_certs(f), 1);
  assert_true(ocf_uuid_equal(&rec.uuid, &client));
  assert_int_equal(rec.kind, OCF_OBT_CERT_IDENTITY);
  assert_int_equal(rec.not_before, NOW - 3600);
  assert_int_equal(rec.not_after, NOW + 30 * 86400);
  assert_int_equal(ocf_obt_cert_revoke(f->s, rec.serial, rec.serial_len, NOW + 10), OCF_OK);
  /* DER works too; days 0 is a year. */
  uint8_t der[OCF_PKI_CSR_MAX];
  size_t der_len = 0;
  assert_int_equal(ocf_pki_csr_write(f->key, f->key_len, &client, &f->rng, der, sizeof der, &der_len),
                   OCF_OK);
  assert_int_equal(ocf_obt_cms_issue_csr(f->s, der, der_len, NOW, 0, pem, sizeof pem, &rec), OCF_OK);
  assert_int_equal(rec.not_after, NOW + 365 * 86400);
  assert_int_equal(n_certs(f), 2);
}

static void test_issue_csr_refuses_bad_csrs_and_taken_identities(void **state) {
  fx *f = *state;
  static char csr[4096], pem[OCF_OBT_CERT_PEM_MAX];
  size_t len = client_csr(f, CLIENT, true, csr, sizeof csr);
  assert_int_equal(ocf_obt_cms_issue_csr(f->s, (const uint8_t *)csr, len, NOW, 30, pem, sizeof pem, NULL),
                   OCF_ERR_CRYPTO); /* the signature */
  /* The tool's uuid (the client would be the owner) and a device's (it would be that device). */
  char tool[OCF_UUID_STR_LEN];
  ocf_uuid_format(&f->tool, tool);
  len = client_csr(f, tool, false, csr, sizeof csr);
  assert_int_equal(ocf_obt_cms_issue_csr(f->s, (const uint8_t *)csr, len, NOW, 30, pem, sizeof pem, NULL),
                   OCF_ERR_STATE);
  ocf_obt_device_record d = {.uuid = uuid_of(DEV), .state = OCF_OBT_DEVICE_OWNED};
  snprintf(d.name, sizeof d.name, "lamp");
  assert_int_equal(ocf_obt_store_device_put(f->s, &d, 1000), OCF_OK);
  len = client_csr(f, DEV, false, csr, sizeof csr);
  assert_int_equal(ocf_obt_cms_issue_csr(f->s, (const uint8_t *)csr, len, NOW, 30, pem, sizeof pem, NULL),
                   OCF_ERR_STATE);
  /* The nil uuid names nobody; something that is not a CSR. (A CN without "uuid:" is DENIED the
   * same way: ocf_pki_csr_parse reports has_uuid false, checked by test_pki_ca.) */
  len = client_csr(f, "00000000-0000-0000-0000-000000000000", false, csr, sizeof csr);
  assert_int_equal(ocf_obt_cms_issue_csr(f->s, (const uint8_t *)csr, len, NOW, 30, pem, sizeof pem, NULL),
                   OCF_ERR_DENIED);
  static const char junk[] = "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
  assert_int_equal(
      ocf_obt_cms_issue_csr(f->s, (const uint8_t *)junk, sizeof junk - 1, NOW, 30, pem, sizeof pem, NULL),
      OCF_ERR_MALFORMED);
  assert_int_equal(ocf_obt_cms_issue_csr(f->s, (const uint8_t *)csr, len, NOW, 30, pem, 100, NULL),
                   OCF_ERR_NO_SPACE);
  assert_int_equal(ocf_obt_cms_issue_csr(NULL, (const uint8_t *)csr, len, NOW, 30, pem, sizeof pem, NULL),
                   OCF_ERR_INVALID_ARG);
  assert_int_equal(n_certs(f), 0); /* nothing issued */
}

/* --- a device without /oic/sec/csr (digest §6.2 item 2) and renewal (digest §6.7) ------------- */

/* The job's memory, to look for the key in it: an allocator that remembers the largest block. */
static ocf_platform g_real;
static void *g_job_mem;
static size_t g_job_size;

static void *spy_alloc(void *ctx, size_t size) {
  void *p = g_real.alloc(ctx, size);
  if (p && size > g_job_size) {
    g_job_mem = p;
    g_job_size = size;
  }
  return p;
}

static bool mem_has(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m) {
  for (size_t i = 0; i + m <= n; i++)
    if (!memcmp(hay + i, needle, m)) return true;
  return false;
}

/* Whether a file holds needle (the store and its journals: the tool never keeps the key). */
static bool file_has(const char *path, const uint8_t *needle, size_t m) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return false;
  static uint8_t buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf, fp);
  fclose(fp);
  return mem_has(buf, n, needle, m);
}

static bool audit_has(void *user, const ocf_obt_audit_record *a) {
  const char **want = user;
  if (!strcmp(a->action, want[0]) && strstr(a->detail, want[1])) want[2] = "found";
  return true;
}

static void test_device_without_csr_gets_a_key_pair_the_tool_forgets(void **state) {
  fx *f = *state;
  g_real = f->sp.pf;
  ocf_platform spy = f->sp.pf;
  spy.alloc = spy_alloc;
  g_job_mem = NULL;
  g_job_size = 0;
  ocf_obt_cms_cert_params p = {.store = f->s, .uuid = uuid_of(DEV), .utc_now = NOW, .days = 30};
  ocf_obt_cms_job *j = NULL;
  assert_int_equal(ocf_obt_cms_cert_job_new(&spy, &p, &j), OCF_OK);
  assert_ptr_equal(g_job_mem, j);
  to_csr(f, j, 2);
  /* 4.04: no /oic/sec/csr. The tool makes the key pair and the CA certifies it. */
  assert_int_equal(answer(f, j, 404, NULL), OCF_OBT_PROV_SEND);
  assert_non_null(ocf_obt_cms_job_issued(j));
  assert_true(ocf_obt_cms_job_key_generated(j));
  assert_int_equal(n_certs(f), 1);
  expect_req(f, 1, "/oic/sec/cred");
  assert_int_equal(answer(f, j, 205, "{'creds': [], 'rowneruuid': '" DEV "'}"), OCF_OBT_PROV_SEND);
  expect_req(f, 2, "/oic/sec/cred");
  /* trust anchor, then the chain with the key as PEM privatedata */
  test_tree *t = TEST_NEW(test_tree);
  const ocf_rep_node *creds = ocf_rep_map_value(bytes_tree(t, f->req.body, f->req.len), "creds");
  assert_int_equal(ocf_rep_count(creds), 2);
  const ocf_rep_node *c1 = ocf_rep_next(ocf_rep_first(creds));
  assert_null(ocf_rep_map_value(ocf_rep_first(creds), "privatedata"));
  static char pem[4096], key_pem[1024], enc[32];
  assert_int_equal(
      ocf_rep_get_text_cstr(ocf_rep_map_value(ocf_rep_map_value(c1, "publicdata"), "data"), pem, sizeof pem),
      OCF_OK);
  const ocf_rep_node *priv = ocf_rep_map_value(c1, "privatedata");
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_map_value(priv, "data"), key_pem, sizeof key_pem), OCF_OK);
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_map_value(priv, "encoding"), enc, sizeof enc), OCF_OK);
  assert_string_equal(enc, "oic.sec.encoding.pem");
  assert_non_null(strstr(key_pem, "-----BEGIN EC PRIVATE KEY-----"));
  test_free(t);
  /* The key is the leaf's, and the leaf names the device. */
  uint8_t buf[4096], pub[OCF_PKI_PUBKEY_MAX], key[OCF_PKI_KEY_MAX];
  ocf_bytes certs[4];
  size_t n = 0, pub_len = 0, key_len = 0;
  assert_int_equal(ocf_pki_certs_der((const uint8_t *)pem, strlen(pem), buf, sizeof buf, certs, 4, &n),
                   OCF_OK);
  assert_int_equal(n, 2);
  bool has_uuid = false;
  ocf_uuid u, dev = uuid_of(DEV);
  assert_int_equal(ocf_pki_cert_subject(certs[0].ptr, certs[0].len, pub, sizeof pub, &pub_len, &has_uuid, &u),
                   OCF_OK);
  assert_true(has_uuid && ocf_uuid_equal(&u, &dev));
  assert_int_equal(ocf_pki_key_matches((const uint8_t *)key_pem, strlen(key_pem), pub, pub_len, &f->rng),
                   OCF_OK);
  assert_int_equal(
      ocf_pki_key_der((const uint8_t *)key_pem, strlen(key_pem), &f->rng, key, sizeof key, &key_len), OCF_OK);
  const uint8_t *scalar = key + 7; /* SEC1: 30 77 02 01 01 04 20 <d> */
  const uint8_t *b64 = (const uint8_t *)key_pem + 31 + 8;
  /* The body is still needed (retransmissions) until the device answers: then it is wiped, and
   * the job's DER copy went when the body was encoded. */
  assert_true(mem_has(g_job_mem, g_job_size, b64, 24));
  assert_false(mem_has(g_job_mem, g_job_size, scalar, 32));
  assert_int_equal(answer(f, j, 204, NULL), OCF_OBT_PROV_DONE);
  assert_false(mem_has(g_job_mem, g_job_size, b64, 24));
  assert_false(mem_has(g_job_mem, g_job_size, scalar, 32));
  /* Neither the store nor its journal ever held it; the audit log says the tool made a key. */
  char path[96];
  static const char *const files[] = {"domain.db", "domain.db-wal", "domain.db-journal"};
  for (size_t i = 0; i < 3; i++) {
    snprintf(path, sizeof path, "%s/%s", f->dir, files[i]);
    assert_false(file_has(path, scalar, 32));
    assert_false(file_has(path, b64, 24));
  }
  const char *want[3] = {"cert key", "key pair made by the tool", NULL};
  assert_int_equal(ocf_obt_store_audit_list(f->s, audit_has, want), OCF_OK);
  assert_non_null(want[2]);
  ocf_obt_cms_job_free(j);
  /* A role certificate works the same way. */
  ocf_obt_cert_role roles[] = {{"oic.role.light", NULL}};
  j = cert_job(f, roles, 1);
  to_csr(f, j, 2);
  assert_int_equal(answer(f, j, 404, NULL), OCF_OBT_PROV_SEND);
  assert_true(ocf_obt_cms_job_key_generated(j));
  assert_int_equal(ocf_obt_cms_job_issued(j)->kind, OCF_OBT_CERT_ROLE);
  assert_int_equal(answer(f, j, 205, "{'creds': [], 'rowneruuid': '" DEV "'}"), OCF_OBT_PROV_SEND);
  t = TEST_NEW(test_tree);
  creds = ocf_rep_map_value(bytes_tree(t, f->req.body, f->req.len), "creds");
  c1 = ocf_rep_next(ocf_rep_first(creds));
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_map_value(c1, "credusage"), enc, sizeof enc), OCF_OK);
  assert_string_equal(enc, "oic.sec.cred.rolecert");
  assert_non_null(ocf_rep_map_value(c1, "privatedata"));
  test_free(t);
  /* The device refuses it: the job fails at the POST and the body is wiped all the same. */
  assert_int_equal(answer(f, j, 400, NULL), OCF_OBT_PROV_FAIL);
  assert_string_equal(f->fail.stage, "post cred");
  ocf_obt_cms_job_free(j);
}

/* {"creds": [{credid, credtype 8, credusage cert, publicdata PEM}]} */
static size_t cred_with_cert(uint32_t credid, const char *pem, uint8_t *out, size_t cap) {
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, out, cap);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_array_open(&e, "creds");
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_int(&e, "credid", credid);
  ocf_rep_enc_kv_int(&e, "credtype", 8);
  ocf_rep_enc_kv_text(&e, "subjectuuid", DEV);
  ocf_rep_enc_kv_text(&e, "credusage", "oic.sec.cred.cert");
  ocf_rep_enc_kv_map_open(&e, "publicdata");
  ocf_rep_enc_kv_text(&e, "data", pem);
  ocf_rep_enc_kv_text(&e, "encoding", "oic.sec.encoding.pem");
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_map_close(&e);
  size_t n = 0;
  assert_int_equal(ocf_rep_enc_finish(&e, &n), OCF_OK);
  return n;
}

typedef struct serial_status {
  const uint8_t *serial;
  size_t len;
  bool found, revoked;
} serial_status;

static bool find_serial(void *user, const ocf_obt_cert_record *r) {
  serial_status *s = user;
  if (r->serial_len == s->len && !memcmp(r->serial, s->serial, s->len)) {
    s->found = true;
    s->revoked = r->revoked;
  }
  return true;
}

/* One identity job through a CSR against a device holding `held` (PEM, credid 7, or none):
 * the PEM chain it installed into out. */
static ocf_obt_cms_job *identity_job(fx *f, bool revoke, const char *held, char *out, size_t cap) {
  ocf_obt_cms_cert_params p = {
      .store = f->s, .uuid = uuid_of(DEV), .utc_now = NOW, .days = 30, .revoke_replaced = revoke};
  ocf_obt_cms_job *j = NULL;
  assert_int_equal(ocf_obt_cms_cert_job_new(&f->sp.pf, &p, &j), OCF_OK);
  to_csr(f, j, 2);
  static uint8_t msg[8192];
  size_t len = csr_answer(f, DEV, false, 0, msg, sizeof msg);
  assert_int_equal(answer_raw(f, j, 205, msg, len), OCF_OBT_PROV_SEND);
  if (held) {
    len = cred_with_cert(7, held, msg, sizeof msg);
    assert_int_equal(answer_raw(f, j, 205, msg, len), OCF_OBT_PROV_SEND);
  } else {
    assert_int_equal(answer(f, j, 205, "{'creds': [], 'rowneruuid': '" DEV "'}"), OCF_OBT_PROV_SEND);
  }
  test_tree *t = TEST_NEW(test_tree);
  const ocf_rep_node *creds = ocf_rep_map_value(bytes_tree(t, f->req.body, f->req.len), "creds");
  const ocf_rep_node *last = ocf_rep_first(creds);
  while (ocf_rep_next(last)) last = ocf_rep_next(last);
  assert_int_equal(
      ocf_rep_get_text_cstr(ocf_rep_map_value(ocf_rep_map_value(last, "publicdata"), "data"), out, cap),
      OCF_OK);
  test_free(t);
  ocf_obt_prov_next want = held ? OCF_OBT_PROV_SEND : OCF_OBT_PROV_DONE;
  assert_int_equal(answer(f, j, 204, NULL), want);
  if (held) {
    expect_req(f, 4, "/oic/sec/cred?credid=7");
    assert_int_equal(answer(f, j, 202, NULL), OCF_OBT_PROV_DONE);
  }
  return j;
}

static void test_renew_revokes_the_replaced_certificate_unless_kept(void **state) {
  fx *f = *state;
  static char first[4096], second[4096], third[4096];
  ocf_obt_cms_job *j = identity_job(f, false, NULL, first, sizeof first);
  ocf_obt_cert_record old = *ocf_obt_cms_job_issued(j);
  ocf_obt_cms_job_free(j);
  uint64_t number = 0;
  assert_int_equal(ocf_obt_crl_number(f->s, &number), OCF_OK);
  assert_int_equal(number, 1);
  /* renew --keep-old: the old certificate is deleted from the device but stays valid. */
  j = identity_job(f, false, first, second, sizeof second);
  assert_int_equal(ocf_obt_cms_job_revoked(j, 0, NULL, NULL), 0);
  ocf_obt_cert_record mid = *ocf_obt_cms_job_issued(j);
  ocf_obt_cms_job_free(j);
  serial_status st = {old.serial, old.serial_len, false, false};
  assert_int_equal(ocf_obt_cert_list(f->s, NULL, find_serial, &st), OCF_OK);
  assert_true(st.found);
  assert_false(st.revoked);
  /* renew: the replaced one (second's) is revoked once the device dropped it; the CRL number
   * rises and the next CRL revokes it. */
  j = identity_job(f, true, second, third, sizeof third);
  const uint8_t *serial = NULL;
  size_t len = 0;
  assert_int_equal(ocf_obt_cms_job_revoked(j, 0, &serial, &len), 1);
  assert_int_equal(len, mid.serial_len);
  assert_memory_equal(serial, mid.serial, len);
  ocf_obt_cms_job_free(j);
  st = (serial_status){mid.serial, mid.serial_len, false, false};
  assert_int_equal(ocf_obt_cert_list(f->s, NULL, find_serial, &st), OCF_OK);
  assert_true(st.revoked);
  assert_int_equal(ocf_obt_crl_number(f->s, &number), OCF_OK);
  assert_int_equal(number, 2);
  uint8_t crl[2048], ca[OCF_PKI_CERT_MAX], buf[4096];
  size_t crl_len = 0, ca_len = 0, n = 0;
  uint64_t crl_no = 0;
  assert_int_equal(ocf_obt_crl_build(f->s, NOW, 90, crl, sizeof crl, &crl_len, &crl_no), OCF_OK);
  assert_int_equal(crl_no, 2);
  assert_int_equal(ocf_obt_ca_cert(f->s, ca, sizeof ca, &ca_len), OCF_OK);
  ocf_bytes anchor = {ca, ca_len}, certs[4];
  assert_int_equal(ocf_pki_certs_der((const uint8_t *)second, strlen(second), buf, sizeof buf, certs, 4, &n),
                   OCF_OK);
  assert_int_equal(ocf_pki_crl_check(crl, crl_len, &anchor, 1, certs[0].ptr, certs[0].len, NULL),
                   OCF_ERR_DENIED);
  assert_int_equal(ocf_pki_certs_der((const uint8_t *)third, strlen(third), buf, sizeof buf, certs, 4, &n),
                   OCF_OK);
  assert_int_equal(ocf_pki_crl_check(crl, crl_len, &anchor, 1, certs[0].ptr, certs[0].len, NULL), OCF_OK);
  /* A replaced certificate the store never recorded (another CA's) is deleted, not revoked, and
   * the job still succeeds. */
  ocf_pki_ca *other = TEST_NEW(ocf_pki_ca);
  assert_int_equal(ocf_pki_ca_create("Other", NOW - 86400, NOW + 86400 * 365, &f->rng, other), OCF_OK);
  static char foreign[2048];
  size_t foreign_len = 0;
  assert_int_equal(
      ocf_pki_pem_write("CERTIFICATE", other->cert, other->cert_len, foreign, sizeof foreign, &foreign_len),
      OCF_OK);
  ocf_pki_ca_wipe(other);
  test_free(other);
  j = identity_job(f, true, foreign, first, sizeof first);
  assert_int_equal(ocf_obt_cms_job_revoked(j, 0, NULL, NULL), 0);
  ocf_obt_cms_job_free(j);
  /* Nor is one of ours issued to someone else: a device showing another's certificate in its
   * cred must not get it revoked. */
  uint8_t csr[OCF_PKI_CSR_MAX];
  size_t csr_len = 0;
  ocf_uuid other_uuid = uuid_of(OTHER);
  assert_int_equal(ocf_pki_csr_write(f->key, f->key_len, &other_uuid, &f->rng, csr, sizeof csr, &csr_len),
                   OCF_OK);
  static char others[OCF_OBT_CERT_PEM_MAX];
  ocf_obt_cert_record orec;
  assert_int_equal(ocf_obt_cms_issue_csr(f->s, csr, csr_len, NOW, 30, others, sizeof others, &orec), OCF_OK);
  j = identity_job(f, true, others, first, sizeof first);
  assert_int_equal(ocf_obt_cms_job_revoked(j, 0, NULL, NULL), 0);
  ocf_obt_cms_job_free(j);
  st = (serial_status){orec.serial, orec.serial_len, false, false};
  assert_int_equal(ocf_obt_cert_list(f->s, NULL, find_serial, &st), OCF_OK);
  assert_true(st.found);
  assert_false(st.revoked);
  assert_int_equal(ocf_obt_crl_number(f->s, &number), OCF_OK);
  assert_int_equal(number, 2);
}

/* An imported sub-CA with its company root (ADR 0017): the chain is kept, checked link by link,
 * sent after the leaf and the CA; the anchor stays the sub-CA. */
static void test_sub_ca_chain_goes_with_the_certificate(void **state) {
  fx *f = *state;
  test_cred company, sub, other;
  test_cert_opts co = {.is_ca = true, .max_pathlen = -1};
  test_make_cert(&company, NULL, "Company Root", &co, 101);
  test_cert_opts so = {.is_ca = true, .max_pathlen = 0};
  test_make_cert(&sub, &company, "Company OBT Sub-CA", &so, 102);
  test_make_cert(&other, NULL, "Other", &co, 103);
  static char pem[8192];
  size_t a = 0, b = 0;
  assert_int_equal(ocf_pki_pem_write("CERTIFICATE", sub.cert, sub.cert_len, pem, sizeof pem, &a), OCF_OK);
  /* not the sub-CA's issuer: refused, nothing changes */
  assert_int_equal(ocf_pki_pem_write("CERTIFICATE", other.cert, other.cert_len, pem + a, sizeof pem - a, &b),
                   OCF_OK);
  uint8_t der[4096];
  size_t len = 0;
  assert_int_equal(ocf_obt_ca_import(f->s, (const uint8_t *)pem, a + b, sub.key, sub.key_len, NOW, true),
                   OCF_ERR_DENIED);
  ocf_obt_ca_info info;
  assert_int_equal(ocf_obt_ca_info_get(f->s, &info), OCF_OK);
  assert_string_equal(info.subject, "CN=Lab CA");
  assert_int_equal(
      ocf_pki_pem_write("CERTIFICATE", company.cert, company.cert_len, pem + a, sizeof pem - a, &b), OCF_OK);
  assert_int_equal(ocf_obt_ca_import(f->s, (const uint8_t *)pem, a + b, sub.key, sub.key_len, NOW, true),
                   OCF_OK);
  assert_int_equal(ocf_obt_ca_chain(f->s, der, sizeof der, &len), OCF_OK);
  assert_int_equal(len, company.cert_len);
  assert_memory_equal(der, company.cert, len);
  static char chain_pem[12288];
  assert_int_equal(ocf_obt_ca_chain_pem(f->s, chain_pem, sizeof chain_pem, &len), OCF_OK);
  assert_string_equal(chain_pem, pem); /* CA then root, as imported */
  /* The job: trust anchor = the sub-CA; chain = leaf, sub-CA, root. */
  ocf_obt_cms_job *j = cert_job(f, NULL, 0);
  to_csr(f, j, 2);
  static uint8_t msg[8192];
  len = csr_answer(f, DEV, false, 0, msg, sizeof msg);
  assert_int_equal(answer_raw(f, j, 205, msg, len), OCF_OBT_PROV_SEND);
  assert_int_equal(answer(f, j, 205, "{'creds': [], 'rowneruuid': '" DEV "'}"), OCF_OBT_PROV_SEND);
  test_tree *t = TEST_NEW(test_tree);
  const ocf_rep_node *creds = ocf_rep_map_value(bytes_tree(t, f->req.body, f->req.len), "creds");
  static char text[8192];
  uint8_t buf[8192];
  ocf_bytes certs[6];
  size_t n = 0;
  const ocf_rep_node *c0 = ocf_rep_first(creds), *c1 = ocf_rep_next(c0);
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_map_value(ocf_rep_map_value(c0, "publicdata"), "data"), text,
                                         sizeof text),
                   OCF_OK);
  assert_int_equal(ocf_pki_certs_der((const uint8_t *)text, strlen(text), buf, sizeof buf, certs, 6, &n),
                   OCF_OK);
  assert_int_equal(n, 1);
  assert_memory_equal(certs[0].ptr, sub.cert, sub.cert_len);
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_map_value(ocf_rep_map_value(c1, "publicdata"), "data"), text,
                                         sizeof text),
                   OCF_OK);
  assert_int_equal(ocf_pki_certs_der((const uint8_t *)text, strlen(text), buf, sizeof buf, certs, 6, &n),
                   OCF_OK);
  assert_int_equal(n, 3);
  assert_int_equal(certs[1].len, sub.cert_len);
  assert_memory_equal(certs[1].ptr, sub.cert, sub.cert_len);
  assert_int_equal(certs[2].len, company.cert_len);
  assert_memory_equal(certs[2].ptr, company.cert, company.cert_len);
  test_free(t);
  assert_int_equal(answer(f, j, 204, NULL), OCF_OBT_PROV_DONE);
  ocf_obt_cms_job_free(j);
  /* A new root of our own: no chain any more. */
  assert_int_equal(ocf_obt_ca_create(f->s, "Lab CA 2", NOW - 86400, NOW + 86400 * 365, true), OCF_OK);
  assert_int_equal(ocf_obt_ca_chain(f->s, der, sizeof der, &len), OCF_OK);
  assert_int_equal(len, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_identity_certificate_job_in_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_sct_without_certificates_fails_telling_why, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hostile_csrs_issue_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_wrong_codes_fail_the_job, setup, teardown),
      cmocka_unit_test_setup_teardown(test_role_certificate_keeps_identity_and_existing_anchor, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_revocation_crl_and_crl_job, setup, teardown),
      cmocka_unit_test_setup_teardown(test_issue_csr_gives_a_client_an_identity_certificate, setup, teardown),
      cmocka_unit_test_setup_teardown(test_issue_csr_refuses_bad_csrs_and_taken_identities, setup, teardown),
      cmocka_unit_test_setup_teardown(test_device_without_csr_gets_a_key_pair_the_tool_forgets, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_renew_revokes_the_replaced_certificate_unless_kept, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_sub_ca_chain_goes_with_the_certificate, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
