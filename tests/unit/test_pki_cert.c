/* pki/cert.h: the OCF certificate profile (digest §4.4, §6.1) on chains made by the test with
 * mbedTLS's writer, each check shown to fail on its own, with the caller's UTC time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/x509.h>

#include "dtls_certs.h"
#include "pki/cert.h"

#define NOW_2025 1735689600 /* 2025-01-01T00:00:00Z */
#define LEAF_CN "uuid:4e2e330a-2f22-48ca-54b9-c984bc68fec5"

static const test_cert_opts ca_opts = {.is_ca = true, .max_pathlen = -1};
static const test_cert_opts leaf_opts = {.eku = TEST_EKU_OCF_LEAF};

typedef struct pki {
  test_cred root, other_root, inter, leaf;
} pki;

/* root -> intermediate -> leaf, and an unrelated root. */
static void make_pki(pki *p, const test_cert_opts *leaf) {
  test_make_cert(&p->root, NULL, "Mfg Root", &ca_opts, 11);
  test_make_cert(&p->other_root, NULL, "Other Root", &ca_opts, 12);
  test_cert_opts io = ca_opts;
  io.max_pathlen = 0;
  test_make_cert(&p->inter, &p->root, "Mfg Intermediate", &io, 13);
  test_make_cert(&p->leaf, &p->inter, LEAF_CN, leaf ? leaf : &leaf_opts, 14);
}

static ocf_err check(const test_cred *leaf, const test_cred *inter, const test_cred *anchor,
                     ocf_cert_kind kind, int64_t now, ocf_cert_report *rep) {
  ocf_bytes chain[2] = {test_cert_bytes(leaf), inter ? test_cert_bytes(inter) : (ocf_bytes){0}};
  ocf_bytes anchors[1] = {test_cert_bytes(anchor)};
  return ocf_cert_check_chain(chain, inter ? 2 : 1, anchors, 1, kind, now, rep);
}

static void test_a_good_three_level_chain_passes_and_names_the_leaf_uuid(void **state) {
  (void)state;
  pki p;
  make_pki(&p, NULL);
  ocf_cert_report rep;
  assert_int_equal(check(&p.leaf, &p.inter, &p.root, OCF_CERT_KIND_MFG, NOW_2025, &rep), OCF_OK);
  assert_int_equal(rep.failures, 0);
  assert_int_equal(rep.depth, SIZE_MAX);
  assert_true(rep.has_uuid);
  assert_int_equal(rep.uuid.b[0], 0x4e);
  assert_int_equal(check(&p.leaf, &p.inter, &p.root, OCF_CERT_KIND_IDENTITY, NOW_2025, NULL), OCF_OK);
  assert_string_equal(ocf_cert_failure_str(0), "ok");
}

static void expect_failure(ocf_err err, const ocf_cert_report *rep, uint32_t bit, size_t depth) {
  assert_int_equal(err, OCF_ERR_DENIED);
  assert_true(rep->failures & bit);
  assert_int_equal(rep->depth, depth);
}

static void test_an_untrusted_chain_fails(void **state) {
  (void)state;
  pki p;
  make_pki(&p, NULL);
  ocf_cert_report rep;
  expect_failure(check(&p.leaf, &p.inter, &p.other_root, OCF_CERT_KIND_MFG, NOW_2025, &rep), &rep,
                 OCF_CERT_F_UNTRUSTED, 1);
  assert_string_equal(ocf_cert_failure_str(rep.failures), "untrusted chain");
  /* Without the intermediate, the leaf leads nowhere. */
  expect_failure(check(&p.leaf, NULL, &p.root, OCF_CERT_KIND_MFG, NOW_2025, &rep), &rep, OCF_CERT_F_UNTRUSTED,
                 0);
  /* An intermediate of another root, presented with a valid-looking leaf it signed. */
  test_cred bad_inter, bad_leaf;
  test_cert_opts io = ca_opts;
  io.max_pathlen = 0;
  test_make_cert(&bad_inter, &p.other_root, "Mfg Intermediate", &io, 21);
  test_make_cert(&bad_leaf, &bad_inter, LEAF_CN, &leaf_opts, 22);
  expect_failure(check(&bad_leaf, &bad_inter, &p.root, OCF_CERT_KIND_MFG, NOW_2025, &rep), &rep,
                 OCF_CERT_F_UNTRUSTED, 1);
}

static void test_validity_is_checked_against_the_callers_time(void **state) {
  (void)state;
  test_cert_opts lo = leaf_opts;
  lo.not_after = "20241231235959";
  pki p;
  make_pki(&p, &lo);
  ocf_cert_report rep;
  expect_failure(check(&p.leaf, &p.inter, &p.root, OCF_CERT_KIND_MFG, NOW_2025, &rep), &rep,
                 OCF_CERT_F_EXPIRED, 0);
  assert_string_equal(ocf_cert_failure_str(rep.failures), "expired");
  assert_int_equal(check(&p.leaf, &p.inter, &p.root, OCF_CERT_KIND_MFG, NOW_2025 - 1, &rep), OCF_OK);
  /* 2019-12-31T23:59:59Z: before every notBefore (2020-01-01). */
  expect_failure(check(&p.leaf, &p.inter, &p.root, OCF_CERT_KIND_MFG, 1577836799, &rep), &rep,
                 OCF_CERT_F_NOT_YET_VALID, 0);
  assert_int_equal(check(&p.leaf, &p.inter, &p.root, OCF_CERT_KIND_MFG, 1577836800, &rep), OCF_OK);
  /* An expired anchor fails too, at its depth (leaf 0, intermediate 1, root 2). */
  pki q;
  make_pki(&q, NULL);
  test_cert_opts ro = ca_opts;
  ro.not_after = "20241231235959";
  test_make_cert(&q.root, NULL, "Mfg Root", &ro, 11);
  test_cert_opts io = ca_opts;
  io.max_pathlen = 0;
  test_make_cert(&q.inter, &q.root, "Mfg Intermediate", &io, 13);
  test_make_cert(&q.leaf, &q.inter, LEAF_CN, &leaf_opts, 14);
  expect_failure(check(&q.leaf, &q.inter, &q.root, OCF_CERT_KIND_MFG, NOW_2025, &rep), &rep,
                 OCF_CERT_F_EXPIRED, 2);
}

static void leaf_fails_with(const test_cert_opts *lo, uint32_t bit) {
  pki p;
  make_pki(&p, lo);
  ocf_cert_report rep;
  expect_failure(check(&p.leaf, &p.inter, &p.root, OCF_CERT_KIND_MFG, NOW_2025, &rep), &rep, bit, 0);
}

static void test_leaf_eku_must_be_serverauth_clientauth_and_ocf_identity(void **state) {
  (void)state;
  test_cert_opts lo = leaf_opts;
  lo.eku = TEST_EKU_SERVER | TEST_EKU_CLIENT; /* no OCF identity */
  leaf_fails_with(&lo, OCF_CERT_F_EKU);
  lo.eku = 0; /* no extension at all */
  leaf_fails_with(&lo, OCF_CERT_F_EKU);
  lo.eku = TEST_EKU_OCF_LEAF | TEST_EKU_OCF_ROLE;
  leaf_fails_with(&lo, OCF_CERT_F_EKU);
  lo.eku = TEST_EKU_OCF_LEAF | TEST_EKU_ANY;
  leaf_fails_with(&lo, OCF_CERT_F_EKU);
  lo.eku = TEST_EKU_CLIENT | TEST_EKU_OCF_IDENTITY;
  leaf_fails_with(&lo, OCF_CERT_F_EKU);
}

static void test_leaf_key_usage_basic_constraints_key_and_signature(void **state) {
  (void)state;
  test_cert_opts lo = leaf_opts;
  lo.key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
  leaf_fails_with(&lo, OCF_CERT_F_KEY_USAGE);
  lo.key_usage =
      MBEDTLS_X509_KU_DIGITAL_SIGNATURE | MBEDTLS_X509_KU_KEY_AGREEMENT | MBEDTLS_X509_KU_KEY_ENCIPHERMENT;
  leaf_fails_with(&lo, OCF_CERT_F_KEY_USAGE);
  lo = leaf_opts;
  lo.is_ca = true; /* a CA certificate as leaf */
  lo.max_pathlen = -1;
  lo.key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE | MBEDTLS_X509_KU_KEY_AGREEMENT;
  leaf_fails_with(&lo, OCF_CERT_F_BASIC);
  lo = leaf_opts;
  lo.p384 = true;
  leaf_fails_with(&lo, OCF_CERT_F_KEY);
  /* A leaf signed with SHA-384 by the intermediate. */
  lo = leaf_opts;
  lo.md = MBEDTLS_MD_SHA384;
  leaf_fails_with(&lo, OCF_CERT_F_SIG_ALG);
}

static void test_mfg_cas_need_crlsign_and_identity_leaves_need_a_uuid_cn(void **state) {
  (void)state;
  pki p;
  make_pki(&p, NULL);
  test_cert_opts io = ca_opts;
  io.max_pathlen = 0;
  io.key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN;
  test_make_cert(&p.inter, &p.root, "Mfg Intermediate", &io, 13);
  test_make_cert(&p.leaf, &p.inter, LEAF_CN, &leaf_opts, 14);
  ocf_cert_report rep;
  expect_failure(check(&p.leaf, &p.inter, &p.root, OCF_CERT_KIND_MFG, NOW_2025, &rep), &rep,
                 OCF_CERT_F_KEY_USAGE, 1);
  assert_int_equal(check(&p.leaf, &p.inter, &p.root, OCF_CERT_KIND_IDENTITY, NOW_2025, &rep), OCF_OK);
  /* A CA with a key usage beyond the profile's. */
  io.key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN | MBEDTLS_X509_KU_KEY_ENCIPHERMENT;
  test_make_cert(&p.inter, &p.root, "Mfg Intermediate", &io, 13);
  test_make_cert(&p.leaf, &p.inter, LEAF_CN, &leaf_opts, 14);
  expect_failure(check(&p.leaf, &p.inter, &p.root, OCF_CERT_KIND_IDENTITY, NOW_2025, &rep), &rep,
                 OCF_CERT_F_KEY_USAGE, 1);
  /* CN without a uuid: fine for a manufacturer certificate, not for an identity one. */
  make_pki(&p, NULL);
  test_make_cert(&p.leaf, &p.inter, "Acme Lamp 42", &leaf_opts, 14);
  assert_int_equal(check(&p.leaf, &p.inter, &p.root, OCF_CERT_KIND_MFG, NOW_2025, &rep), OCF_OK);
  assert_false(rep.has_uuid);
  expect_failure(check(&p.leaf, &p.inter, &p.root, OCF_CERT_KIND_IDENTITY, NOW_2025, &rep), &rep,
                 OCF_CERT_F_CN, 0);
}

static void test_bad_input(void **state) {
  (void)state;
  pki p;
  make_pki(&p, NULL);
  ocf_bytes anchors[1] = {test_cert_bytes(&p.root)};
  static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x00};
  ocf_bytes chain[5] = {{junk, sizeof junk}};
  ocf_cert_report rep;
  expect_failure(ocf_cert_check_chain(chain, 1, anchors, 1, OCF_CERT_KIND_MFG, NOW_2025, &rep), &rep,
                 OCF_CERT_F_PARSE, 0);
  expect_failure(ocf_cert_check_chain(chain, 0, anchors, 1, OCF_CERT_KIND_MFG, NOW_2025, &rep), &rep,
                 OCF_CERT_F_CHAIN_LEN, 0);
  for (size_t i = 0; i < 5; i++) chain[i] = test_cert_bytes(&p.leaf);
  expect_failure(ocf_cert_check_chain(chain, 5, anchors, 1, OCF_CERT_KIND_MFG, NOW_2025, &rep), &rep,
                 OCF_CERT_F_CHAIN_LEN, 0);
  assert_int_equal(ocf_cert_check_chain(chain, 1, NULL, 0, OCF_CERT_KIND_MFG, NOW_2025, &rep),
                   OCF_ERR_INVALID_ARG);
  ocf_bytes bad_anchor[1] = {{junk, sizeof junk}};
  assert_int_equal(ocf_cert_check_chain(chain, 1, bad_anchor, 1, OCF_CERT_KIND_MFG, NOW_2025, &rep),
                   OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_cert_check_chain(chain, 1, anchors, 1, (ocf_cert_kind)9, NOW_2025, &rep),
                   OCF_ERR_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_good_three_level_chain_passes_and_names_the_leaf_uuid),
      cmocka_unit_test(test_an_untrusted_chain_fails),
      cmocka_unit_test(test_validity_is_checked_against_the_callers_time),
      cmocka_unit_test(test_leaf_eku_must_be_serverauth_clientauth_and_ocf_identity),
      cmocka_unit_test(test_leaf_key_usage_basic_constraints_key_and_signature),
      cmocka_unit_test(test_mfg_cas_need_crlsign_and_identity_leaves_need_a_uuid_cn),
      cmocka_unit_test(test_bad_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
