/* The domain's manufacturer trust anchors (<ocf/ocf_obt_trust.h>, src/obt/trust.c): certificate
 * files split (PEM with several blocks, DER back to back, garbage), the anchor checks (a CA, EC
 * P-256, ecdsa-with-SHA256, valid at the caller's time), and the anchors in a real domain store:
 * add, duplicate, full, list, count, remove, and that they survive closing the store. */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <ocf/ocf_obt_trust.h>
#include <ocf/ocf_posix.h>

#include "dtls_certs.h"
#include "pki/ca.h"
#include "sim/sim.h"

#define NOW_2025 1748736000 /* 2025-06-01T00:00:00Z */

typedef struct certs {
  test_cred roots[OCF_OBT_TRUST_MAX + 1], leaf, p384, sha1, expired, future;
  bool made;
} certs;

static certs g; /* made once: key generation is slow */

static const certs *get_certs(void) {
  if (g.made) return &g;
  test_cert_opts ca = {.is_ca = true, .max_pathlen = -1};
  for (size_t i = 0; i < OCF_OBT_TRUST_MAX + 1; i++) {
    char cn[32];
    snprintf(cn, sizeof cn, "Mfg Root %zu", i);
    test_make_cert(&g.roots[i], NULL, cn, &ca, 100 + i);
  }
  test_cert_opts lo = {.eku = TEST_EKU_OCF_LEAF};
  test_make_cert(&g.leaf, &g.roots[0], "Lamp", &lo, 120);
  test_cert_opts big = {.is_ca = true, .max_pathlen = -1, .p384 = true};
  test_make_cert(&g.p384, NULL, "P-384 Root", &big, 121);
  test_cert_opts sha1 = {.is_ca = true, .max_pathlen = -1, .md = MBEDTLS_MD_SHA1};
  test_make_cert(&g.sha1, NULL, "SHA-1 Root", &sha1, 122);
  test_cert_opts old = {.is_ca = true, .max_pathlen = -1, .not_after = "20240101000000"};
  test_make_cert(&g.expired, NULL, "Old Root", &old, 123);
  test_cert_opts soon = {.is_ca = true, .max_pathlen = -1, .not_before = "20300101000000"};
  test_make_cert(&g.future, NULL, "Future Root", &soon, 124);
  g.made = true;
  return &g;
}

static void check_refused(const test_cred *c, ocf_err want, const char *why_part) {
  ocf_obt_trust_info info;
  const char *why = NULL;
  ocf_bytes b = test_cert_bytes(c);
  assert_int_equal(ocf_obt_trust_check(b.ptr, b.len, NOW_2025, &info, &why), want);
  assert_non_null(why);
  assert_non_null(strstr(why, why_part));
}

static void test_anchor_checks(void **state) {
  (void)state;
  const certs *c = get_certs();
  ocf_obt_trust_info info;
  const char *why = NULL;
  ocf_bytes root = test_cert_bytes(&c->roots[0]);
  assert_int_equal(ocf_obt_trust_check(root.ptr, root.len, NOW_2025, &info, &why), OCF_OK);
  assert_string_equal(why, "");
  assert_string_equal(info.subject, "CN=Mfg Root 0");
  assert_true(info.self_signed);
  check_refused(&c->leaf, OCF_ERR_DENIED, "not a CA");
  check_refused(&c->p384, OCF_ERR_DENIED, "P-256");
  check_refused(&c->sha1, OCF_ERR_DENIED, "ecdsa-with-SHA256");
  check_refused(&c->expired, OCF_ERR_DENIED, "expired");
  check_refused(&c->future, OCF_ERR_DENIED, "not valid yet");
  static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
  assert_int_equal(ocf_obt_trust_check(junk, sizeof junk, NOW_2025, &info, &why), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_obt_trust_check(NULL, 0, NOW_2025, &info, &why), OCF_ERR_INVALID_ARG);
}

static void test_split_pem_and_der(void **state) {
  (void)state;
  const certs *c = get_certs();
  static char text[16384];
  size_t used = 0, len = 0;
  used += (size_t)snprintf(text, sizeof text, "subject=CN = Mfg Root 0\n");
  for (size_t i = 0; i < 2; i++) {
    ocf_bytes b = test_cert_bytes(&c->roots[i]);
    assert_int_equal(ocf_pki_pem_write("CERTIFICATE", b.ptr, b.len, text + used, sizeof text - used, &len),
                     OCF_OK);
    used += len;
    used += (size_t)snprintf(text + used, sizeof text - used,
                             "\n-----BEGIN EC PRIVATE KEY-----\nAAAA\n"
                             "-----END EC PRIVATE KEY-----\n");
  }
  static uint8_t buf[8192];
  ocf_bytes out[OCF_OBT_TRUST_MAX];
  size_t n = 0;
  assert_int_equal(ocf_obt_cert_split((const uint8_t *)text, used, buf, sizeof buf, out, 8, &n), OCF_OK);
  assert_int_equal(n, 2);
  for (size_t i = 0; i < 2; i++) {
    ocf_bytes b = test_cert_bytes(&c->roots[i]);
    assert_int_equal(out[i].len, b.len);
    assert_memory_equal(out[i].ptr, b.ptr, b.len);
  }
  assert_int_equal(ocf_obt_cert_split((const uint8_t *)text, used, buf, sizeof buf, out, 1, &n),
                   OCF_ERR_NO_SPACE);
  /* DER back to back. */
  static uint8_t der[4096];
  ocf_bytes a = test_cert_bytes(&c->roots[0]), b = test_cert_bytes(&c->roots[1]);
  memcpy(der, a.ptr, a.len);
  memcpy(der + a.len, b.ptr, b.len);
  assert_int_equal(ocf_obt_cert_split(der, a.len + b.len, buf, sizeof buf, out, 8, &n), OCF_OK);
  assert_int_equal(n, 2);
  assert_memory_equal(out[1].ptr, b.ptr, b.len);
  /* A truncated DER certificate, a damaged PEM block, text without any block. */
  assert_int_equal(ocf_obt_cert_split(der, a.len - 1, buf, sizeof buf, out, 8, &n), OCF_ERR_MALFORMED);
  static const char bad[] = "-----BEGIN CERTIFICATE-----\nMII*\n-----END CERTIFICATE-----\n";
  assert_int_equal(ocf_obt_cert_split((const uint8_t *)bad, sizeof bad - 1, buf, sizeof buf, out, 8, &n),
                   OCF_ERR_MALFORMED);
  static const char none[] = "hello\n";
  assert_int_equal(ocf_obt_cert_split((const uint8_t *)none, sizeof none - 1, buf, sizeof buf, out, 8, &n),
                   OCF_ERR_MALFORMED);
}

typedef struct listed {
  char subjects[OCF_OBT_TRUST_MAX][OCF_OBT_TRUST_TEXT_MAX + 1];
  size_t n;
} listed;

static bool each(void *user, const ocf_obt_trust_info *a) {
  listed *l = user;
  snprintf(l->subjects[l->n++], sizeof l->subjects[0], "%s", a->subject);
  return true;
}

static void test_anchors_in_the_store(void **state) {
  (void)state;
  const certs *c = get_certs();
  ocf_sim_platform sp;
  ocf_sim_platform_init(&sp, 7);
  sp.quiet = true;
  char root[] = "/tmp/ocf-trust-XXXXXX", db[64];
  assert_non_null(mkdtemp(root));
  snprintf(db, sizeof db, "%s/domain.db", root);
  assert_int_equal(ocf_posix_private_file_prepare(db, true, &sp.pf, NULL), OCF_OK);
  static const uint8_t key[OCF_OBT_DOMAIN_KEY_LEN] = {9};
  ocf_obt_store_key k = {.kind = OCF_OBT_KEY_FILE, .secret = key, .len = sizeof key};
  ocf_obt_domain d = {.priv = false};
  snprintf(d.name, sizeof d.name, "Lab");
  snprintf(d.otm_policy, sizeof d.otm_policy, "mfgcert");
  ocf_obt_store *s = NULL;
  assert_int_equal(ocf_obt_store_create(db, &d, &k, false, 1, &sp.pf, &s), OCF_OK);
  size_t n = 99;
  assert_int_equal(ocf_obt_trust_count(s, &n), OCF_OK);
  assert_int_equal(n, 0);
  ocf_obt_trust_info info, first;
  for (size_t i = 0; i < OCF_OBT_TRUST_MAX; i++) {
    ocf_bytes b = test_cert_bytes(&c->roots[i]);
    assert_int_equal(ocf_obt_trust_add(s, b.ptr, b.len, NOW_2025, &info, NULL), OCF_OK);
    if (i == 0) first = info;
  }
  ocf_bytes b0 = test_cert_bytes(&c->roots[0]), b8 = test_cert_bytes(&c->roots[OCF_OBT_TRUST_MAX]);
  assert_int_equal(ocf_obt_trust_add(s, b0.ptr, b0.len, NOW_2025, &info, NULL), OCF_ERR_STATE);
  assert_int_equal(ocf_obt_trust_add(s, b8.ptr, b8.len, NOW_2025, &info, NULL), OCF_ERR_NO_SPACE);
  ocf_bytes leaf = test_cert_bytes(&c->leaf);
  assert_int_equal(ocf_obt_trust_add(s, leaf.ptr, leaf.len, NOW_2025, &info, NULL), OCF_ERR_DENIED);
  /* Remove the first: its slot takes the next one; order is slot order. */
  assert_int_equal(ocf_obt_trust_remove(s, first.sha256), OCF_OK);
  assert_int_equal(ocf_obt_trust_remove(s, first.sha256), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_obt_trust_add(s, b8.ptr, b8.len, NOW_2025, &info, NULL), OCF_OK);
  ocf_obt_store_close(s);
  /* Reopened without unlocking: public values. */
  assert_int_equal(ocf_obt_store_open(db, &sp.pf, &s), OCF_OK);
  listed l = {0};
  assert_int_equal(ocf_obt_trust_list(s, each, &l), OCF_OK);
  assert_int_equal(l.n, OCF_OBT_TRUST_MAX);
  assert_string_equal(l.subjects[0], "CN=Mfg Root 8");
  assert_string_equal(l.subjects[1], "CN=Mfg Root 1");
  assert_int_equal(ocf_obt_trust_count(s, &n), OCF_OK);
  assert_int_equal(n, OCF_OBT_TRUST_MAX);
  ocf_obt_store_close(s);
  assert_int_equal(sp.live, 0);
  char wal[96];
  snprintf(wal, sizeof wal, "%s-wal", db);
  remove(wal);
  snprintf(wal, sizeof wal, "%s-shm", db);
  remove(wal);
  assert_int_equal(remove(db), 0);
  assert_int_equal(rmdir(root), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_anchor_checks),
      cmocka_unit_test(test_split_pem_and_der),
      cmocka_unit_test(test_anchors_in_the_store),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
