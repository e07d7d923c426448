/* obt maintain's decisions (<ocf/ocf_obt_maintain.h>, src/obt/maintain.c, ADR 0025): when the
 * CRL is signed again, which devices get it, which certificates are renewed, all at a time the
 * test chooses; the store's current CRL (ocf_obt_crl_issue: a greater cRLNumber every time,
 * RFC 5280 5.2.3) and what each device holds; the duration and RFC 3339 parsers. */
#define _XOPEN_SOURCE 700 /* mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_obt_maintain.h>
#include <ocf/ocf_posix.h>

#include "pki/ca.h"
#include "pki/key.h"
#include "sim/sim.h"
#include "svr_test_util.h"

#define NOW 1748736000 /* 2025-06-01T00:00:00Z */
#define DAY 86400
#define DEV_A "4e2e330a-2f22-48ca-94b9-c984bc68fec5"
#define DEV_B "11111111-2222-4333-8444-555555555555"
#define DEV_C "22222222-3333-4444-8555-666666666666"

/* --- pure decisions ------------------------------------------------------------------------- */

static void test_crl_need(void **state) {
  (void)state;
  ocf_obt_crl_info c = {.number = 4, .this_update = NOW, .next_update = NOW + 80 * DAY};
  assert_int_equal(ocf_obt_maint_crl_need(NULL, 1, NOW, 0), OCF_OBT_CRL_NONE);
  assert_int_equal(ocf_obt_maint_crl_need(&c, 5, NOW, 10 * DAY), OCF_OBT_CRL_FRESH);
  /* the window, inclusive at its start */
  assert_int_equal(ocf_obt_maint_crl_need(&c, 5, NOW + 70 * DAY - 1, 10 * DAY), OCF_OBT_CRL_FRESH);
  assert_int_equal(ocf_obt_maint_crl_need(&c, 5, NOW + 70 * DAY, 10 * DAY), OCF_OBT_CRL_DUE);
  /* default window: a quarter of the lifetime (20 days here) */
  assert_int_equal(ocf_obt_maint_crl_need(&c, 5, NOW + 60 * DAY - 1, -1), OCF_OBT_CRL_FRESH);
  assert_int_equal(ocf_obt_maint_crl_need(&c, 5, NOW + 60 * DAY, -1), OCF_OBT_CRL_DUE);
  /* no window: only once passed */
  assert_int_equal(ocf_obt_maint_crl_need(&c, 5, NOW + 80 * DAY - 1, 0), OCF_OBT_CRL_FRESH);
  assert_int_equal(ocf_obt_maint_crl_need(&c, 5, NOW + 80 * DAY, 0), OCF_OBT_CRL_EXPIRED);
  assert_int_equal(ocf_obt_maint_crl_need(&c, 5, NOW + 900 * DAY, 10 * DAY), OCF_OBT_CRL_EXPIRED);
  /* a revocation after signing wins over freshness */
  assert_int_equal(ocf_obt_maint_crl_need(&c, 6, NOW, 10 * DAY), OCF_OBT_CRL_REVOKED);
  assert_string_equal(ocf_obt_crl_need_name(OCF_OBT_CRL_DUE), "due");
  assert_string_equal(ocf_obt_crl_need_name((ocf_obt_crl_need)99), "?");
}

static void test_crl_push_needed(void **state) {
  (void)state;
  ocf_obt_crl_info c = {.number = 4, .this_update = NOW, .next_update = NOW + 90 * DAY};
  ocf_obt_crl_held same = {false, 4, NOW}, older = {false, 3, NOW}, none = {true, 0, NOW};
  assert_true(ocf_obt_maint_crl_push_needed(&c, false, NULL)); /* unknown */
  assert_false(ocf_obt_maint_crl_push_needed(&c, false, &same));
  assert_true(ocf_obt_maint_crl_push_needed(&c, false, &older));
  assert_true(ocf_obt_maint_crl_push_needed(&c, true, &same));  /* a new one is signed */
  assert_false(ocf_obt_maint_crl_push_needed(&c, true, &none)); /* 4.04: never */
  assert_false(ocf_obt_maint_crl_push_needed(&c, false, &none));
  assert_true(ocf_obt_maint_crl_push_needed(NULL, true, NULL));
}

static void test_cert_need_and_newer(void **state) {
  (void)state;
  ocf_obt_cert_record r = {.kind = OCF_OBT_CERT_IDENTITY, .issued = NOW, .not_after = NOW + 40 * DAY};
  assert_int_equal(ocf_obt_maint_cert_need(&r, NOW, 30 * DAY), OCF_OBT_CERT_OK);
  assert_int_equal(ocf_obt_maint_cert_need(&r, NOW + 10 * DAY - 1, 30 * DAY), OCF_OBT_CERT_OK);
  assert_int_equal(ocf_obt_maint_cert_need(&r, NOW + 10 * DAY, 30 * DAY), OCF_OBT_CERT_EXPIRING);
  assert_int_equal(ocf_obt_maint_cert_need(&r, NOW + 40 * DAY, 30 * DAY), OCF_OBT_CERT_EXPIRED);
  assert_int_equal(ocf_obt_maint_cert_need(&r, NOW + 39 * DAY, 0), OCF_OBT_CERT_OK);
  r.revoked = true;
  assert_int_equal(ocf_obt_maint_cert_need(&r, NOW + 40 * DAY, 30 * DAY), OCF_OBT_CERT_REVOKED_LAST);
  assert_string_equal(ocf_obt_cert_need_name(OCF_OBT_CERT_EXPIRING), "expiring");
  ocf_obt_cert_record later = {.kind = OCF_OBT_CERT_IDENTITY, .issued = NOW + 1, .not_after = NOW + DAY};
  ocf_obt_cert_record role = {.kind = OCF_OBT_CERT_ROLE, .issued = NOW + 9, .not_after = NOW + 99 * DAY};
  assert_true(ocf_obt_maint_cert_newer(&r, NULL));
  assert_true(ocf_obt_maint_cert_newer(&later, &r)); /* issued later, even expiring sooner */
  assert_false(ocf_obt_maint_cert_newer(&r, &later));
  assert_false(ocf_obt_maint_cert_newer(&role, &r));
  assert_false(ocf_obt_maint_cert_newer(&role, NULL));
}

static void test_duration_parse(void **state) {
  (void)state;
  int64_t s = -1;
  assert_int_equal(ocf_obt_duration_parse("90d", &s), OCF_OK);
  assert_int_equal(s, 90 * DAY);
  assert_int_equal(ocf_obt_duration_parse("3600", &s), OCF_OK);
  assert_int_equal(s, 3600);
  assert_int_equal(ocf_obt_duration_parse("0", &s), OCF_OK);
  assert_int_equal(s, 0);
  assert_int_equal(ocf_obt_duration_parse("2w", &s), OCF_OK);
  assert_int_equal(s, 14 * DAY);
  assert_int_equal(ocf_obt_duration_parse("12h", &s), OCF_OK);
  assert_int_equal(s, 12 * 3600);
  assert_int_equal(ocf_obt_duration_parse("5m", &s), OCF_OK);
  assert_int_equal(s, 300);
  assert_int_equal(ocf_obt_duration_parse("45s", &s), OCF_OK);
  assert_int_equal(s, 45);
  static const char *const bad[] = {"",      "d", "-1", "1.5d", "10x", "1dd", " 1", "99999999999999999999",
                                    "40000d"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(ocf_obt_duration_parse(bad[i], &s), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_duration_parse(NULL, &s), OCF_ERR_INVALID_ARG);
}

static void test_rfc3339_parse(void **state) {
  (void)state;
  int64_t t = 0;
  assert_int_equal(ocf_obt_rfc3339_parse("2025-06-01T00:00:00Z", &t), OCF_OK);
  assert_int_equal(t, NOW);
  assert_int_equal(ocf_obt_rfc3339_parse("1970-01-01T00:00:00Z", &t), OCF_OK);
  assert_int_equal(t, 0);
  assert_int_equal(ocf_obt_rfc3339_parse("2025-06-01T02:00:00.250+02:00", &t), OCF_OK);
  assert_int_equal(t, NOW);
  assert_int_equal(ocf_obt_rfc3339_parse("2025-05-31t23:30:00-00:30", &t), OCF_OK);
  assert_int_equal(t, NOW);
  assert_int_equal(ocf_obt_rfc3339_parse("2024-02-29T12:00:00Z", &t), OCF_OK);
  assert_int_equal(t, 1709208000);
  assert_int_equal(ocf_obt_rfc3339_parse("2100-03-01T00:00:00Z", &t), OCF_OK);
  assert_int_equal(t, 4107542400);
  static const char *const bad[] = {"2025-06-01",
                                    "2025-06-01T00:00:00",
                                    "2025-06-01 00:00:00Z",
                                    "2025-13-01T00:00:00Z",
                                    "2023-02-29T00:00:00Z",
                                    "2025-06-01T24:00:00Z",
                                    "1969-12-31T23:59:59Z",
                                    "2025-06-01T00:00:00+0100",
                                    "2025-06-01T00:00:00+01:00x",
                                    "2025-06-01T00:00:00Zjunk",
                                    "2025-06-01T00:00:00.Z",
                                    "2025-06-01T00:00:00+01"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(ocf_obt_rfc3339_parse(bad[i], &t), OCF_ERR_INVALID_ARG);
}

/* --- the store ---------------------------------------------------------------------------------- */

typedef struct fx {
  ocf_sim_platform sp;
  ocf_obt_store *s;
  ocf_pki_rng rng;
  char dir[32];
} fx;

static int setup(void **state) {
  fx *f = test_calloc(1, sizeof *f);
  ocf_sim_platform_init(&f->sp, 12);
  f->sp.quiet = true;
  snprintf(f->dir, sizeof f->dir, "/tmp/ocf-maint-XXXXXX");
  assert_non_null(mkdtemp(f->dir));
  char db[64];
  snprintf(db, sizeof db, "%s/domain.db", f->dir);
  assert_int_equal(ocf_posix_private_file_prepare(db, true, &f->sp.pf, NULL), OCF_OK);
  static const uint8_t key[OCF_OBT_DOMAIN_KEY_LEN] = {7};
  ocf_obt_store_key k = {.kind = OCF_OBT_KEY_FILE, .secret = key, .len = sizeof key};
  ocf_obt_domain d = {.priv = false};
  snprintf(d.name, sizeof d.name, "Lab");
  snprintf(d.otm_policy, sizeof d.otm_policy, "jw");
  assert_int_equal(ocf_obt_store_create(db, &d, &k, false, 1, &f->sp.pf, &f->s), OCF_OK);
  f->rng = (ocf_pki_rng){f->sp.pf.random, f->sp.pf.ctx};
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

static void add_device(fx *f, const char *uuid, ocf_obt_device_state state) {
  ocf_obt_device_record d = {.uuid = uuid_of(uuid), .state = state};
  snprintf(d.name, sizeof d.name, "dev");
  assert_int_equal(ocf_obt_store_device_put(f->s, &d, 1000), OCF_OK);
}

/* An identity certificate for uuid issued at `issued`, valid `days` days. */
static ocf_obt_cert_record issue(fx *f, const char *uuid, int64_t issued, int days) {
  uint8_t key[OCF_PKI_KEY_MAX], pub[OCF_PKI_PUBKEY_MAX], cert[OCF_PKI_CERT_MAX];
  size_t key_len = 0, pub_len = 0, cert_len = 0;
  assert_int_equal(ocf_pki_keypair_generate(&f->rng, key, sizeof key, &key_len, pub, sizeof pub, &pub_len),
                   OCF_OK);
  ocf_obt_cert_request rq = {.kind = OCF_OBT_CERT_IDENTITY,
                             .uuid = uuid_of(uuid),
                             .pubkey = pub,
                             .pubkey_len = pub_len,
                             .not_before = issued - 3600,
                             .not_after = issued + (int64_t)days * DAY};
  ocf_obt_cert_record rec;
  assert_int_equal(ocf_obt_ca_issue(f->s, &rq, issued, cert, sizeof cert, &cert_len, &rec), OCF_OK);
  return rec;
}

static void test_crl_issue_and_held(void **state) {
  fx *f = *state;
  uint8_t der[2048];
  size_t len = 0;
  ocf_obt_crl_info info, cur;
  /* no CA: nothing to sign */
  assert_int_equal(ocf_obt_crl_issue(f->s, NOW, 90, der, sizeof der, &len, &info), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_obt_crl_current(f->s, NULL, 0, NULL, &cur), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_obt_ca_create(f->s, "Lab CA", NOW - DAY, NOW + 3650 * DAY, false), OCF_OK);
  assert_int_equal(ocf_obt_crl_issue(f->s, NOW, 90, der, sizeof der, &len, &info), OCF_OK);
  assert_int_equal(info.number, 1);
  assert_int_equal(info.this_update, NOW);
  assert_int_equal(info.next_update, NOW + 90 * DAY);
  uint8_t back[2048];
  size_t back_len = 0;
  assert_int_equal(ocf_obt_crl_current(f->s, back, sizeof back, &back_len, &cur), OCF_OK);
  assert_int_equal(back_len, len);
  assert_memory_equal(back, der, len);
  assert_int_equal(cur.number, 1);
  assert_int_equal(cur.next_update, NOW + 90 * DAY);
  assert_int_equal(ocf_obt_crl_current(f->s, back, 10, &back_len, &cur), OCF_ERR_NO_SPACE);
  uint64_t next = 0;
  assert_int_equal(ocf_obt_crl_number(f->s, &next), OCF_OK);
  assert_int_equal(next, 2);
  assert_int_equal(ocf_obt_maint_crl_need(&cur, next, NOW, 0), OCF_OBT_CRL_FRESH);
  /* signed again with the same revocations: a greater number (RFC 5280 5.2.3) */
  assert_int_equal(ocf_obt_crl_issue(f->s, NOW + DAY, 90, der, sizeof der, &len, &info), OCF_OK);
  assert_int_equal(info.number, 2);
  /* a revocation makes the current CRL stale, and the next one greater still */
  add_device(f, DEV_A, OCF_OBT_DEVICE_OWNED);
  ocf_obt_cert_record r = issue(f, DEV_A, NOW, 365);
  assert_int_equal(ocf_obt_cert_revoke(f->s, r.serial, r.serial_len, NOW + 2 * DAY), OCF_OK);
  assert_int_equal(ocf_obt_crl_current(f->s, NULL, 0, NULL, &cur), OCF_OK);
  assert_int_equal(ocf_obt_crl_number(f->s, &next), OCF_OK);
  assert_int_equal(ocf_obt_maint_crl_need(&cur, next, NOW + 2 * DAY, 0), OCF_OBT_CRL_REVOKED);
  assert_int_equal(ocf_obt_crl_issue(f->s, NOW + 2 * DAY, 90, der, sizeof der, &len, &info), OCF_OK);
  assert_true(info.number > 2);
  /* what a device holds */
  ocf_obt_crl_held h;
  assert_int_equal(ocf_obt_crl_held_get(f->s, &r.uuid, &h), OCF_ERR_NOT_FOUND);
  ocf_obt_crl_held put = {false, info.number, NOW};
  assert_int_equal(ocf_obt_crl_held_put(f->s, &r.uuid, &put), OCF_OK);
  assert_int_equal(ocf_obt_crl_held_get(f->s, &r.uuid, &h), OCF_OK);
  assert_false(h.no_resource);
  assert_int_equal(h.number, info.number);
  assert_int_equal(h.when, NOW);
  ocf_uuid unknown = uuid_of(DEV_B);
  assert_int_equal(ocf_obt_crl_held_put(f->s, &unknown, &put), OCF_ERR_NOT_FOUND);
  /* forgetting the device forgets what it held */
  assert_int_equal(ocf_obt_store_device_remove(f->s, &r.uuid), OCF_OK);
  add_device(f, DEV_A, OCF_OBT_DEVICE_OWNED);
  assert_int_equal(ocf_obt_crl_held_get(f->s, &r.uuid, &h), OCF_ERR_NOT_FOUND);
}

static ocf_obt_maint_device *find(ocf_obt_maint_device *d, size_t n, const char *uuid) {
  ocf_uuid u = uuid_of(uuid);
  for (size_t i = 0; i < n; i++)
    if (ocf_uuid_equal(&d[i].uuid, &u)) return &d[i];
  fail_msg("no %s in the plan", uuid);
  return NULL;
}

static void test_plan(void **state) {
  fx *f = *state;
  ocf_obt_maint_device devs[4];
  ocf_obt_maint_plan plan;
  ocf_obt_maint_params p = {.now = NOW, .crl_before = -1, .renew_before = 30 * DAY};
  add_device(f, DEV_A, OCF_OBT_DEVICE_OWNED);
  add_device(f, DEV_B, OCF_OBT_DEVICE_OWNED);
  add_device(f, DEV_C, OCF_OBT_DEVICE_DISCOVERED); /* not owned: left alone */
  /* no CA: nothing to do */
  assert_int_equal(ocf_obt_maint_plan_make(f->s, &p, devs, 4, &plan), OCF_OK);
  assert_false(plan.have_ca);
  assert_int_equal(plan.n_devices, 2);
  assert_false(devs[0].crl_push || devs[1].crl_push);
  assert_int_equal(ocf_obt_maint_plan_make(f->s, &p, devs, 1, &plan), OCF_ERR_NO_SPACE);
  assert_int_equal(plan.n_devices, 2);

  assert_int_equal(ocf_obt_ca_create(f->s, "Lab CA", NOW - DAY, NOW + 3650 * DAY, false), OCF_OK);
  issue(f, DEV_A, NOW - 400 * DAY, 420);                         /* superseded by the next one */
  ocf_obt_cert_record a = issue(f, DEV_A, NOW - 340 * DAY, 360); /* 20 days left */
  ocf_obt_cert_record b = issue(f, DEV_B, NOW, 365);
  assert_int_equal(ocf_obt_maint_plan_make(f->s, &p, devs, 4, &plan), OCF_OK);
  assert_true(plan.have_ca);
  assert_false(plan.have_crl);
  assert_int_equal(plan.crl_need, OCF_OBT_CRL_NONE);
  ocf_obt_maint_device *da = find(devs, 2, DEV_A), *db = find(devs, 2, DEV_B);
  assert_true(da->crl_push && db->crl_push);
  assert_true(da->has_cert);
  assert_memory_equal(da->cert.serial, a.serial, a.serial_len);
  assert_int_equal(da->cert_need, OCF_OBT_CERT_EXPIRING);
  assert_int_equal(db->cert_need, OCF_OBT_CERT_OK);

  /* A CRL signed and held by A; B answered 4.04 once: nothing to push. */
  uint8_t der[2048];
  size_t len = 0;
  ocf_obt_crl_info info;
  assert_int_equal(ocf_obt_crl_issue(f->s, NOW, 90, der, sizeof der, &len, &info), OCF_OK);
  ocf_obt_crl_held ha = {false, info.number, NOW}, hb = {true, 0, NOW};
  assert_int_equal(ocf_obt_crl_held_put(f->s, &a.uuid, &ha), OCF_OK);
  assert_int_equal(ocf_obt_crl_held_put(f->s, &b.uuid, &hb), OCF_OK);
  assert_int_equal(ocf_obt_maint_plan_make(f->s, &p, devs, 4, &plan), OCF_OK);
  assert_int_equal(plan.crl_need, OCF_OBT_CRL_FRESH);
  da = find(devs, 2, DEV_A);
  db = find(devs, 2, DEV_B);
  assert_false(da->crl_push || db->crl_push);
  assert_true(da->held_known && db->held.no_resource);

  /* 70 days on (a quarter of 90 days before nextUpdate): due; A needs the new one, B never. */
  p.now = NOW + 70 * DAY;
  assert_int_equal(ocf_obt_maint_plan_make(f->s, &p, devs, 4, &plan), OCF_OK);
  assert_int_equal(plan.crl_need, OCF_OBT_CRL_DUE);
  assert_true(find(devs, 2, DEV_A)->crl_push);
  assert_false(find(devs, 2, DEV_B)->crl_push);
  assert_int_equal(find(devs, 2, DEV_A)->cert_need, OCF_OBT_CERT_EXPIRED);
  p.now = NOW + 91 * DAY;
  assert_int_equal(ocf_obt_maint_plan_make(f->s, &p, devs, 4, &plan), OCF_OK);
  assert_int_equal(plan.crl_need, OCF_OBT_CRL_EXPIRED);

  /* B's certificate revoked: the CRL is stale at once, and B's certificate is not renewed. */
  p.now = NOW + DAY;
  assert_int_equal(ocf_obt_cert_revoke(f->s, b.serial, b.serial_len, NOW + DAY), OCF_OK);
  assert_int_equal(ocf_obt_maint_plan_make(f->s, &p, devs, 4, &plan), OCF_OK);
  assert_int_equal(plan.crl_need, OCF_OBT_CRL_REVOKED);
  assert_true(find(devs, 2, DEV_A)->crl_push);
  assert_int_equal(find(devs, 2, DEV_B)->cert_need, OCF_OBT_CERT_REVOKED_LAST);
  /* A renewed: its newest certificate is fine again */
  ocf_obt_cert_record a2 = issue(f, DEV_A, NOW + DAY, 365);
  assert_int_equal(ocf_obt_maint_plan_make(f->s, &p, devs, 4, &plan), OCF_OK);
  assert_int_equal(find(devs, 2, DEV_A)->cert_need, OCF_OBT_CERT_OK);

  /* A renewal cut short (obt killed between the new certificate and the old one's delete): the
   * mark makes the next pass renew although the newest certificate is valid; cleared, fine again.
   * e2e_crash_maintain: without it the device kept both certificates. */
  assert_int_equal(ocf_obt_maint_renewing(f->s, &a2.uuid, true), OCF_OK);
  assert_int_equal(ocf_obt_maint_plan_make(f->s, &p, devs, 4, &plan), OCF_OK);
  assert_int_equal(find(devs, 2, DEV_A)->cert_need, OCF_OBT_CERT_UNFINISHED);
  assert_string_equal(ocf_obt_cert_need_name(OCF_OBT_CERT_UNFINISHED), "unfinished");
  /* an owner's revocation still wins: the revoked newest certificate is never renewed */
  assert_int_equal(ocf_obt_maint_renewing(f->s, &b.uuid, true), OCF_OK);
  assert_int_equal(ocf_obt_maint_plan_make(f->s, &p, devs, 4, &plan), OCF_OK);
  assert_int_equal(find(devs, 2, DEV_B)->cert_need, OCF_OBT_CERT_REVOKED_LAST);
  assert_int_equal(ocf_obt_maint_renewing(f->s, &a2.uuid, false), OCF_OK);
  assert_int_equal(ocf_obt_maint_renewing(f->s, &a2.uuid, false), OCF_OK); /* absent: fine */
  assert_int_equal(ocf_obt_maint_plan_make(f->s, &p, devs, 4, &plan), OCF_OK);
  assert_int_equal(find(devs, 2, DEV_A)->cert_need, OCF_OBT_CERT_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_crl_need),
      cmocka_unit_test(test_crl_push_needed),
      cmocka_unit_test(test_cert_need_and_newer),
      cmocka_unit_test(test_duration_parse),
      cmocka_unit_test(test_rfc3339_parse),
      cmocka_unit_test_setup_teardown(test_crl_issue_and_held, setup, teardown),
      cmocka_unit_test_setup_teardown(test_plan, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
