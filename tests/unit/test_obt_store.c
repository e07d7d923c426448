/* Unit tests of the OBT's domain store (src/store/sqlite, <ocf/ocf_obt_store.h>) and of the
 * private file it lives in (ocf_posix_private_file_prepare), on a temporary directory: create and
 * reopen, refusal to overwrite, migration from schema 1, refusal of a newer schema or a foreign
 * file, wrong passphrase and wrong key file told apart from damage, tampered and swapped secret
 * ciphertexts detected, nothing secret in clear in the file, modes 0600/0700, symlinks refused,
 * the exclusive lock, integrity check, transactions, steps and audit log. The file is altered
 * behind the store's back with SQLite directly. Seeded RNG (tests/sim), fixed timestamps. */
#define _GNU_SOURCE /* nftw flags */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ocf/ocf_obt_store.h>
#include <ocf/ocf_posix.h>

#include "sim/sim.h"
#include "store/sqlite/obt_store.h"

#define T0 1764000000000 /* 2025-11-24T16:00:00Z */
#define FAST_ITERATIONS OCF_OBT_PBKDF2_MIN_ITERATIONS

typedef struct fixture {
  ocf_sim_platform sp;
  char root[64];
  char db[128];
  uint8_t file_key[OCF_OBT_DOMAIN_KEY_LEN];
  ocf_obt_store *s;
} fixture;

static const char k_pass[] = "correct horse battery staple";
static const ocf_uuid k_dev_a = {{0xa0, 1, 2, 3, 4, 5, 0x46, 7, 0x88, 9, 10, 11, 12, 13, 14, 15}};
static const ocf_uuid k_dev_b = {{0xb0, 1, 2, 3, 4, 5, 0x46, 7, 0x88, 9, 10, 11, 12, 13, 14, 15}};
static const ocf_uuid k_dev_c = {{0xc0, 1, 2, 3, 4, 5, 0x46, 7, 0x88, 9, 10, 11, 12, 13, 14, 15}};
static const uint8_t k_psk_a[16] = "owner-psk-of-A!";
static const uint8_t k_psk_b[16] = "owner-psk-of-B!";

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  ocf_sim_platform_init(&f->sp, 7);
  f->sp.quiet = true; /* the refusals below are expected */
  memcpy(f->root, "/tmp/ocf-obtstore-XXXXXX", sizeof "/tmp/ocf-obtstore-XXXXXX");
  if (!mkdtemp(f->root)) return -1;
  snprintf(f->db, sizeof f->db, "%s/obt/domain.db", f->root);
  for (size_t i = 0; i < sizeof f->file_key; i++) f->file_key[i] = (uint8_t)(0x30 + i);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  ocf_obt_store_close(f->s);
  nftw(f->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(f);
  return 0;
}

static ocf_obt_store_key pass_key(const char *pass) {
  return (ocf_obt_store_key){.kind = OCF_OBT_KEY_PASSPHRASE,
                             .secret = (const uint8_t *)pass,
                             .len = strlen(pass),
                             .iterations = FAST_ITERATIONS};
}

static ocf_obt_store_key file_key(const uint8_t *k) {
  return (ocf_obt_store_key){.kind = OCF_OBT_KEY_FILE, .secret = k, .len = OCF_OBT_DOMAIN_KEY_LEN};
}

static ocf_obt_domain sample_domain(void) {
  ocf_obt_domain d = {.priv = true};
  memcpy(d.name, "lab", 4);
  memcpy(d.otm_policy, "rdp,mfgcert", sizeof "rdp,mfgcert");
  return d;
}

static void prepare(fixture *f) {
  assert_int_equal(ocf_posix_private_file_prepare(f->db, true, &f->sp.pf, NULL), OCF_OK);
}

static void create_with(fixture *f, const ocf_obt_store_key *key) {
  prepare(f);
  ocf_obt_domain d = sample_domain();
  assert_int_equal(ocf_obt_store_create(f->db, &d, key, false, T0, &f->sp.pf, &f->s), OCF_OK);
}

static void reopen(fixture *f) {
  ocf_obt_store_close(f->s);
  f->s = NULL;
  assert_int_equal(ocf_obt_store_open(f->db, &f->sp.pf, &f->s), OCF_OK);
}

static void close_store(fixture *f) {
  ocf_obt_store_close(f->s);
  f->s = NULL;
}

static void put_device(fixture *f, const ocf_uuid *u, const char *name, ocf_obt_wall_ms now) {
  ocf_obt_device_record d = {.uuid = *u, .state = OCF_OBT_DEVICE_DISCOVERED};
  snprintf(d.name, sizeof d.name, "%s", name);
  memcpy(d.type, "oic.d.light", sizeof "oic.d.light");
  memcpy(d.endpoints, "coap://[fe80::1%2]:5683", sizeof "coap://[fe80::1%2]:5683");
  assert_int_equal(ocf_obt_store_device_put(f->s, &d, now), OCF_OK);
}

static ocf_err get_secret(fixture *f, const ocf_uuid *dev, const char *name, uint8_t out[64], size_t *len) {
  return ocf_obt_store_secret_get(f->s, dev, name, out, 64, len);
}

/* Runs sql on the file directly (the store must be closed: it holds an exclusive lock). */
static void raw_exec(const fixture *f, const char *sql) {
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  char *msg = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK) fprintf(stderr, "raw_exec: %s\n", msg ? msg : "?");
  sqlite3_free(msg);
  assert_int_equal(rc, SQLITE_OK);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* Flips the low bit of byte `at` of the (only) sealed secret, through SQLite directly. */
static void raw_flip_sealed_bit(const fixture *f, size_t at) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  uint8_t sealed[128];
  assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "SELECT sealed FROM secrets", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int n = sqlite3_column_bytes(st, 0);
  assert_true(n > 0 && (size_t)n <= sizeof sealed && at < (size_t)n);
  memcpy(sealed, sqlite3_column_blob(st, 0), (size_t)n);
  sqlite3_finalize(st);
  sealed[at] ^= 1;
  assert_int_equal(sqlite3_prepare_v2(db, "UPDATE secrets SET sealed = ?", -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_bind_blob(st, 1, sealed, n, SQLITE_TRANSIENT), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static int64_t raw_int(const fixture *f, const char *sql) {
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_step(st), SQLITE_ROW);
  int64_t v = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

static mode_t mode_of(const char *path) {
  struct stat st;
  assert_int_equal(lstat(path, &st), 0);
  return st.st_mode & 07777;
}

/* --- create, open, domain ------------------------------------------------------------------- */

static void test_create_then_reopen_reads_the_domain_back(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = pass_key(k_pass);
  key.hint = "prompt";
  create_with(f, &key);
  ocf_obt_domain d;
  assert_int_equal(ocf_obt_store_domain_get(f->s, &d), OCF_OK);
  reopen(f);
  ocf_obt_domain again;
  assert_int_equal(ocf_obt_store_domain_get(f->s, &again), OCF_OK);
  assert_memory_equal(&d, &again, sizeof d);
  assert_string_equal(d.name, "lab");
  assert_string_equal(d.otm_policy, "rdp,mfgcert");
  assert_true(d.priv);
  assert_int_equal(d.created, T0);
  /* Nil uuids became random version 4 uuids, distinct from each other. */
  assert_false(ocf_uuid_is_nil(&d.tool_uuid));
  assert_false(ocf_uuid_equal(&d.tool_uuid, &d.sdi_uuid));
  assert_int_equal(d.tool_uuid.b[6] >> 4, 4);
  assert_int_equal(d.sdi_uuid.b[8] & 0xc0, 0x80);
  ocf_obt_key_kind kind = 0;
  char hint[32];
  assert_int_equal(ocf_obt_store_key_info(f->s, &kind, hint, sizeof hint), OCF_OK);
  assert_int_equal(kind, OCF_OBT_KEY_PASSPHRASE);
  assert_string_equal(hint, "prompt");
  assert_int_equal(ocf_obt_store_key_info(f->s, &kind, hint, 3), OCF_ERR_NO_SPACE);
}

static void test_create_keeps_given_uuids_and_domain_set_changes_only_name_priv_policy(void **state) {
  fixture *f = *state;
  prepare(f);
  ocf_obt_domain d = sample_domain();
  d.tool_uuid = k_dev_a;
  d.sdi_uuid = k_dev_b;
  ocf_obt_store_key key = file_key(f->file_key);
  assert_int_equal(ocf_obt_store_create(f->db, &d, &key, false, T0, &f->sp.pf, &f->s), OCF_OK);
  ocf_obt_domain got;
  assert_int_equal(ocf_obt_store_domain_get(f->s, &got), OCF_OK);
  assert_memory_equal(&got.tool_uuid, &k_dev_a, sizeof k_dev_a);
  assert_memory_equal(&got.sdi_uuid, &k_dev_b, sizeof k_dev_b);
  got.priv = false;
  memcpy(got.name, "home", 5);
  memcpy(got.otm_policy, "mfgcert", 8);
  assert_int_equal(ocf_obt_store_domain_set(f->s, &got), OCF_OK);
  ocf_obt_domain changed = got;
  changed.sdi_uuid = k_dev_c; /* every device holds the domain uuid: it never changes */
  assert_int_equal(ocf_obt_store_domain_set(f->s, &changed), OCF_ERR_INVALID_ARG);
  reopen(f);
  assert_int_equal(ocf_obt_store_domain_get(f->s, &changed), OCF_OK);
  assert_string_equal(changed.name, "home");
  assert_string_equal(changed.otm_policy, "mfgcert");
  assert_false(changed.priv);
  assert_memory_equal(&changed.sdi_uuid, &k_dev_b, sizeof k_dev_b);
}

static void test_create_refuses_an_existing_domain_unless_replace(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = pass_key(k_pass);
  create_with(f, &key);
  put_device(f, &k_dev_a, "lamp", T0);
  assert_int_equal(ocf_obt_store_secret_put(f->s, &k_dev_a, "owner-psk", k_psk_a, sizeof k_psk_a), OCF_OK);
  ocf_obt_domain old;
  assert_int_equal(ocf_obt_store_domain_get(f->s, &old), OCF_OK);
  close_store(f);
  ocf_obt_domain d = sample_domain();
  assert_int_equal(ocf_obt_store_create(f->db, &d, &key, false, T0 + 1, &f->sp.pf, &f->s), OCF_ERR_STATE);
  assert_null(f->s);
  reopen(f); /* still the old domain, whole */
  ocf_obt_domain same;
  assert_int_equal(ocf_obt_store_domain_get(f->s, &same), OCF_OK);
  assert_memory_equal(&same, &old, sizeof old);
  close_store(f);
  ocf_obt_store_key other = pass_key("another passphrase");
  assert_int_equal(ocf_obt_store_create(f->db, &d, &other, true, T0 + 1, &f->sp.pf, &f->s), OCF_OK);
  ocf_obt_domain fresh;
  assert_int_equal(ocf_obt_store_domain_get(f->s, &fresh), OCF_OK);
  assert_false(ocf_uuid_equal(&fresh.sdi_uuid, &old.sdi_uuid));
  size_t n = 9;
  assert_int_equal(ocf_obt_store_device_count(f->s, &n), OCF_OK);
  assert_int_equal(n, 0);
  close_store(f);
  assert_int_equal(raw_int(f, "SELECT count(*) FROM secrets"), 0);
}

static void test_create_rejects_bad_domain_and_key_arguments(void **state) {
  fixture *f = *state;
  prepare(f);
  ocf_obt_store_key key = pass_key(k_pass);
  ocf_obt_domain d = sample_domain();
  d.name[0] = '\0';
  assert_int_equal(ocf_obt_store_create(f->db, &d, &key, false, T0, &f->sp.pf, &f->s), OCF_ERR_INVALID_ARG);
  d = sample_domain();
  memcpy(d.name, "bad\x1b[31m", 9); /* a terminal escape: never stored, later printed */
  assert_int_equal(ocf_obt_store_create(f->db, &d, &key, false, T0, &f->sp.pf, &f->s), OCF_ERR_INVALID_ARG);
  d = sample_domain();
  memcpy(d.name, "\xc0\xaf", 3); /* overlong UTF-8 */
  assert_int_equal(ocf_obt_store_create(f->db, &d, &key, false, T0, &f->sp.pf, &f->s), OCF_ERR_INVALID_ARG);
  d = sample_domain();
  memcpy(d.otm_policy, "jw,pin", 7);
  assert_int_equal(ocf_obt_store_create(f->db, &d, &key, false, T0, &f->sp.pf, &f->s), OCF_ERR_INVALID_ARG);
  d = sample_domain();
  key.iterations = FAST_ITERATIONS - 1;
  assert_int_equal(ocf_obt_store_create(f->db, &d, &key, false, T0, &f->sp.pf, &f->s), OCF_ERR_INVALID_ARG);
  ocf_obt_store_key short_file = file_key(f->file_key);
  short_file.len = 16;
  assert_int_equal(ocf_obt_store_create(f->db, &d, &short_file, false, T0, &f->sp.pf, &f->s),
                   OCF_ERR_INVALID_ARG);
  assert_null(f->s);
  /* A valid domain still works on the same (empty) file. */
  key = pass_key(k_pass);
  assert_int_equal(ocf_obt_store_create(f->db, &d, &key, false, T0, &f->sp.pf, &f->s), OCF_OK);
}

static void test_otm_policy_accepts_distinct_known_names_only(void **state) {
  (void)state;
  assert_true(ocf_obt_otm_policy_valid(OCF_OBT_OTM_POLICY_DEFAULT));
  assert_true(ocf_obt_otm_policy_valid("rdp,mfgcert"));
  assert_true(ocf_obt_otm_policy_valid("mfgcert"));
  const char *bad[] = {
      "", ",", "jw,", ",jw", "jw,jw", "JW", "jw, rdp", "rdp,mfgcert,jw,rdp", "oic.sec.doxm.jw"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_false(ocf_obt_otm_policy_valid(bad[i]));
  assert_false(ocf_obt_otm_policy_valid(NULL));
}

static void test_default_iterations_are_stored_with_the_salt(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = pass_key(k_pass);
  key.iterations = 0;
  create_with(f, &key);
  close_store(f);
  assert_int_equal(raw_int(f, "SELECT iterations FROM key_params"), OCF_OBT_PBKDF2_DEFAULT_ITERATIONS);
  assert_int_equal(raw_int(f, "SELECT length(salt) FROM key_params"), 16);
}

/* --- keys and secrets ----------------------------------------------------------------------- */

static void test_wrong_passphrase_is_crypto_and_right_one_unlocks(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = pass_key(k_pass);
  create_with(f, &key);
  put_device(f, &k_dev_a, "lamp", T0);
  assert_int_equal(ocf_obt_store_secret_put(f->s, &k_dev_a, "owner-psk", k_psk_a, sizeof k_psk_a), OCF_OK);
  reopen(f);
  uint8_t out[64];
  size_t len = 0;
  assert_int_equal(get_secret(f, &k_dev_a, "owner-psk", out, &len), OCF_ERR_STATE); /* locked */
  ocf_obt_store_key wrong = pass_key("correct horse battery stapler");
  assert_int_equal(ocf_obt_store_unlock(f->s, &wrong), OCF_ERR_CRYPTO);
  assert_int_equal(get_secret(f, &k_dev_a, "owner-psk", out, &len), OCF_ERR_STATE);
  ocf_obt_store_key other_kind = file_key(f->file_key);
  assert_int_equal(ocf_obt_store_unlock(f->s, &other_kind), OCF_ERR_INVALID_ARG);
  key.iterations = 0; /* unlock uses the stored count */
  assert_int_equal(ocf_obt_store_unlock(f->s, &key), OCF_OK);
  assert_int_equal(get_secret(f, &k_dev_a, "owner-psk", out, &len), OCF_OK);
  assert_int_equal(len, sizeof k_psk_a);
  assert_memory_equal(out, k_psk_a, len);
}

static void test_wrong_key_file_is_crypto(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = file_key(f->file_key);
  create_with(f, &key);
  reopen(f);
  uint8_t other[OCF_OBT_DOMAIN_KEY_LEN];
  memcpy(other, f->file_key, sizeof other);
  other[31] ^= 1;
  ocf_obt_store_key wrong = file_key(other);
  assert_int_equal(ocf_obt_store_unlock(f->s, &wrong), OCF_ERR_CRYPTO);
  assert_int_equal(ocf_obt_store_unlock(f->s, &key), OCF_OK);
}

static void test_tampered_secret_ciphertext_is_malformed(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = file_key(f->file_key);
  create_with(f, &key);
  put_device(f, &k_dev_a, "lamp", T0);
  assert_int_equal(ocf_obt_store_secret_put(f->s, &k_dev_a, "owner-psk", k_psk_a, sizeof k_psk_a), OCF_OK);
  close_store(f);
  assert_int_equal(raw_int(f, "SELECT length(sealed) FROM secrets"), 1 + 12 + 16 + 16);
  raw_flip_sealed_bit(f, 1 + 12 + 3); /* a ciphertext byte, after the version and the nonce */
  reopen(f);
  assert_int_equal(ocf_obt_store_unlock(f->s, &key), OCF_OK); /* the key is right: this is damage */
  uint8_t out[64];
  memset(out, 0xee, sizeof out);
  size_t len = 0;
  assert_int_equal(get_secret(f, &k_dev_a, "owner-psk", out, &len), OCF_ERR_MALFORMED);
  uint8_t zero[16] = {0};
  assert_memory_equal(out, zero, sizeof zero); /* no unauthenticated plaintext left */
  close_store(f);
  raw_exec(f, "UPDATE secrets SET sealed = substr(sealed, 1, 20)"); /* truncated */
  reopen(f);
  assert_int_equal(ocf_obt_store_unlock(f->s, &key), OCF_OK);
  assert_int_equal(get_secret(f, &k_dev_a, "owner-psk", out, &len), OCF_ERR_MALFORMED);
}

static void test_secret_swapped_between_rows_or_names_is_malformed(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = file_key(f->file_key);
  create_with(f, &key);
  put_device(f, &k_dev_a, "lamp", T0);
  put_device(f, &k_dev_b, "plug", T0);
  assert_int_equal(ocf_obt_store_secret_put(f->s, &k_dev_a, "owner-psk", k_psk_a, sizeof k_psk_a), OCF_OK);
  assert_int_equal(ocf_obt_store_secret_put(f->s, &k_dev_b, "owner-psk", k_psk_b, sizeof k_psk_b), OCF_OK);
  assert_int_equal(ocf_obt_store_secret_put(f->s, &k_dev_b, "spare", k_psk_b, sizeof k_psk_b), OCF_OK);
  close_store(f);
  /* B's owner PSK copied over A's row, and B's "spare" renamed over its own name. */
  raw_exec(
      f, "UPDATE secrets SET sealed = (SELECT sealed FROM secrets WHERE device_id = 2 AND name = 'owner-psk')"
         " WHERE device_id = 1;"
         "DELETE FROM secrets WHERE device_id = 2 AND name = 'owner-psk';"
         "UPDATE secrets SET name = 'owner-psk' WHERE device_id = 2 AND name = 'spare'");
  reopen(f);
  assert_int_equal(ocf_obt_store_unlock(f->s, &key), OCF_OK);
  uint8_t out[64];
  size_t len = 0;
  assert_int_equal(get_secret(f, &k_dev_a, "owner-psk", out, &len), OCF_ERR_MALFORMED);
  assert_int_equal(get_secret(f, &k_dev_b, "owner-psk", out, &len), OCF_ERR_MALFORMED);
}

static void test_secret_follows_a_uuid_change_and_reports_its_size(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = file_key(f->file_key);
  create_with(f, &key);
  put_device(f, &k_dev_a, "lamp", T0);
  put_device(f, &k_dev_b, "plug", T0);
  assert_int_equal(ocf_obt_store_secret_put(f->s, &k_dev_a, "owner-psk", k_psk_a, sizeof k_psk_a), OCF_OK);
  assert_int_equal(ocf_obt_store_device_change_uuid(f->s, &k_dev_a, &k_dev_b), OCF_ERR_STATE); /* taken */
  assert_int_equal(ocf_obt_store_device_change_uuid(f->s, &k_dev_a, &k_dev_c), OCF_OK);
  uint8_t out[64];
  size_t len = 0;
  assert_int_equal(get_secret(f, &k_dev_a, "owner-psk", out, &len), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_obt_store_secret_get(f->s, &k_dev_c, "owner-psk", out, 4, &len), OCF_ERR_NO_SPACE);
  assert_int_equal(len, sizeof k_psk_a);
  assert_int_equal(get_secret(f, &k_dev_c, "owner-psk", out, &len), OCF_OK);
  assert_memory_equal(out, k_psk_a, sizeof k_psk_a);
  ocf_obt_device_record d;
  assert_int_equal(ocf_obt_store_device_get(f->s, &k_dev_c, &d), OCF_OK);
  assert_memory_equal(&d.original_uuid, &k_dev_a, sizeof k_dev_a);
  assert_int_equal(ocf_obt_store_secret_put(f->s, &k_dev_a, "owner-psk", k_psk_a, 16), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_obt_store_secret_put(f->s, &k_dev_c, "Owner", k_psk_a, 16), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_store_secret_remove(f->s, &k_dev_c, "owner-psk"), OCF_OK);
  assert_int_equal(get_secret(f, &k_dev_c, "owner-psk", out, &len), OCF_ERR_NOT_FOUND);
}

/* The file holds neither the passphrase, nor the key file's bytes, nor a secret in clear. */
static bool file_contains(const char *path, const uint8_t *needle, size_t n) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return false;
  static uint8_t buf[1 << 20];
  size_t len = fread(buf, 1, sizeof buf, fp);
  fclose(fp);
  for (size_t i = 0; i + n <= len; i++)
    if (memcmp(buf + i, needle, n) == 0) return true;
  return false;
}

static void test_file_holds_no_secret_in_clear(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = pass_key(k_pass);
  create_with(f, &key);
  put_device(f, &k_dev_a, "lamp", T0);
  assert_int_equal(ocf_obt_store_secret_put(f->s, &k_dev_a, "owner-psk", k_psk_a, sizeof k_psk_a), OCF_OK);
  close_store(f);                                                /* checkpoints the WAL into the file */
  assert_true(file_contains(f->db, (const uint8_t *)"lamp", 4)); /* the search works */
  assert_false(file_contains(f->db, k_psk_a, sizeof k_psk_a));
  assert_false(file_contains(f->db, (const uint8_t *)k_pass, strlen(k_pass)));
}

/* --- domain-wide values (ADR 0017) ---------------------------------------------------------- */

static void test_domain_values_secret_sealed_public_clear(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = pass_key(k_pass);
  create_with(f, &key);
  static const uint8_t ca_key[] = "ca-private-key-bytes";
  static const uint8_t ca_cert[] = "ca-certificate-bytes";
  assert_int_equal(ocf_obt_store_domain_secret_put(f->s, "ca-key", ca_key, sizeof ca_key), OCF_OK);
  assert_int_equal(ocf_obt_store_domain_public_put(f->s, "ca-cert", ca_cert, sizeof ca_cert), OCF_OK);
  close_store(f);
  assert_false(file_contains(f->db, ca_key, sizeof ca_key - 1));  /* sealed */
  assert_true(file_contains(f->db, ca_cert, sizeof ca_cert - 1)); /* in clear */
  reopen(f);
  uint8_t out[64];
  size_t len = 0;
  /* The certificate reads without the key, the secret only after unlock. */
  assert_int_equal(ocf_obt_store_domain_public_get(f->s, "ca-cert", out, sizeof out, &len), OCF_OK);
  assert_int_equal(len, sizeof ca_cert);
  assert_memory_equal(out, ca_cert, len);
  assert_int_equal(ocf_obt_store_domain_secret_get(f->s, "ca-key", out, sizeof out, &len), OCF_ERR_STATE);
  assert_int_equal(ocf_obt_store_unlock(f->s, &key), OCF_OK);
  assert_int_equal(ocf_obt_store_domain_secret_get(f->s, "ca-key", out, sizeof out, &len), OCF_OK);
  assert_memory_equal(out, ca_key, sizeof ca_key);
  assert_int_equal(ocf_obt_store_domain_secret_get(f->s, "ca-key", out, 4, &len), OCF_ERR_NO_SPACE);
  assert_int_equal(ocf_obt_store_domain_public_get(f->s, "ca-cert", out, 4, &len), OCF_ERR_NO_SPACE);
  /* One name, one kind. */
  assert_int_equal(ocf_obt_store_domain_secret_get(f->s, "ca-cert", out, sizeof out, &len),
                   OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_obt_store_domain_public_get(f->s, "ca-key", out, sizeof out, &len), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_obt_store_domain_public_get(f->s, "none", out, sizeof out, &len), OCF_ERR_NOT_FOUND);
  /* A device secret moved into the domain's values fails its tag (row 0 in the AAD). */
  put_device(f, &k_dev_a, "lamp", T0);
  assert_int_equal(ocf_obt_store_secret_put(f->s, &k_dev_a, "ca-key", k_psk_a, sizeof k_psk_a), OCF_OK);
  close_store(f);
  raw_exec(f, "UPDATE domain_values SET data = (SELECT sealed FROM secrets) WHERE name = 'ca-key'");
  reopen(f);
  assert_int_equal(ocf_obt_store_unlock(f->s, &key), OCF_OK);
  assert_int_equal(ocf_obt_store_domain_secret_get(f->s, "ca-key", out, sizeof out, &len), OCF_ERR_MALFORMED);
  /* Arguments, removal, and replace wipes them with the domain. */
  assert_int_equal(ocf_obt_store_domain_public_put(f->s, "CA", ca_cert, 4), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_store_domain_public_put(f->s, "ca-cert", ca_cert, 0), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_store_domain_value_remove(f->s, "ca-key"), OCF_OK);
  assert_int_equal(ocf_obt_store_domain_secret_get(f->s, "ca-key", out, sizeof out, &len), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_obt_store_domain_public_get(f->s, "ca-cert", out, sizeof out, &len), OCF_OK);
  close_store(f);
  ocf_obt_domain d = sample_domain();
  assert_int_equal(ocf_obt_store_create(f->db, &d, &key, true, T0 + 1, &f->sp.pf, &f->s), OCF_OK);
  close_store(f);
  assert_int_equal(raw_int(f, "SELECT count(*) FROM domain_values"), 0);
}

/* --- schema versions ------------------------------------------------------------------------ */

static void test_open_migrates_a_version_1_database_keeping_its_rows(void **state) {
  fixture *f = *state;
  prepare(f);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  assert_int_equal(obt_schema_migrate(db, 0, 1), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(db,
                   "INSERT INTO domain VALUES (1, zeroblob(16), randomblob(16), 'old', 0, 'jw', 5);"
                   "INSERT INTO devices (uuid, original_uuid, name, type, state, endpoints, first_seen,"
                   " last_seen) VALUES (randomblob(16), randomblob(16), 'x', 't', 'owned', '', 1, 2);",
                   NULL, NULL, NULL),
      SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(raw_int(f, "PRAGMA user_version"), 1);
  assert_int_equal(ocf_obt_store_open(f->db, &f->sp.pf, &f->s), OCF_OK);
  ocf_obt_domain d;
  assert_int_equal(ocf_obt_store_domain_get(f->s, &d), OCF_OK);
  assert_string_equal(d.name, "old");
  size_t n = 0;
  assert_int_equal(ocf_obt_store_device_count(f->s, &n), OCF_OK);
  assert_int_equal(n, 1);
  close_store(f);
  assert_int_equal(raw_int(f, "PRAGMA user_version"), OBT_STORE_SCHEMA_VERSION);
  assert_int_equal(raw_int(f, "SELECT count(*) FROM sqlite_schema WHERE name = 'steps_by_device'"), 1);
}

static void test_open_refuses_a_newer_schema(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = file_key(f->file_key);
  create_with(f, &key);
  close_store(f);
  raw_exec(f, "PRAGMA user_version = 99");
  assert_int_equal(ocf_obt_store_open(f->db, &f->sp.pf, &f->s), OCF_ERR_UNSUPPORTED);
  assert_null(f->s);
  assert_int_equal(raw_int(f, "PRAGMA user_version"), 99); /* untouched */
}

static void test_open_refuses_foreign_files(void **state) {
  fixture *f = *state;
  prepare(f);
  raw_exec(f, "CREATE TABLE notes (x)"); /* someone else's SQLite database */
  assert_int_equal(ocf_obt_store_open(f->db, &f->sp.pf, &f->s), OCF_ERR_MALFORMED);
  FILE *fp = fopen(f->db, "wb");
  assert_non_null(fp);
  for (int i = 0; i < 64; i++) fputs("not a database, ", fp);
  fclose(fp);
  assert_int_equal(ocf_obt_store_open(f->db, &f->sp.pf, &f->s), OCF_ERR_MALFORMED);
  assert_null(f->s);
}

static void test_open_of_empty_file_has_no_domain(void **state) {
  fixture *f = *state;
  prepare(f);
  assert_int_equal(ocf_obt_store_open(f->db, &f->sp.pf, &f->s), OCF_OK);
  ocf_obt_domain d;
  assert_int_equal(ocf_obt_store_domain_get(f->s, &d), OCF_ERR_NOT_FOUND);
  ocf_obt_key_kind kind;
  assert_int_equal(ocf_obt_store_key_info(f->s, &kind, NULL, 0), OCF_ERR_NOT_FOUND);
}

/* --- the file ------------------------------------------------------------------------------- */

static void test_prepare_makes_0700_directories_and_a_0600_file(void **state) {
  fixture *f = *state;
  snprintf(f->db, sizeof f->db, "%s/a/b/domain.db", f->root);
  mode_t old = umask(0); /* the modes must not depend on the umask */
  bool created = false;
  ocf_err err = ocf_posix_private_file_prepare(f->db, true, &f->sp.pf, &created);
  umask(old);
  assert_int_equal(err, OCF_OK);
  assert_true(created);
  char dir[128];
  snprintf(dir, sizeof dir, "%s/a", f->root);
  assert_int_equal(mode_of(dir), 0700);
  snprintf(dir, sizeof dir, "%s/a/b", f->root);
  assert_int_equal(mode_of(dir), 0700);
  assert_int_equal(mode_of(f->db), 0600);
  assert_int_equal(ocf_posix_private_file_prepare(f->db, true, &f->sp.pf, &created), OCF_OK);
  assert_false(created);
  /* SQLite's WAL file takes the database's mode. */
  ocf_obt_store_key key = file_key(f->file_key);
  ocf_obt_domain d = sample_domain();
  assert_int_equal(ocf_obt_store_create(f->db, &d, &key, false, T0, &f->sp.pf, &f->s), OCF_OK);
  char wal[160];
  snprintf(wal, sizeof wal, "%s-wal", f->db);
  assert_int_equal(mode_of(wal), 0600);
}

static void test_missing_file_is_not_found_and_never_created_by_open(void **state) {
  fixture *f = *state;
  assert_int_equal(ocf_posix_private_file_prepare(f->db, false, &f->sp.pf, NULL), OCF_ERR_NOT_FOUND);
  snprintf(f->db, sizeof f->db, "%s/domain.db", f->root);
  assert_int_equal(ocf_posix_private_file_prepare(f->db, false, &f->sp.pf, NULL), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_obt_store_open(f->db, &f->sp.pf, &f->s), OCF_ERR_NOT_FOUND);
  assert_int_equal(access(f->db, F_OK), -1);
}

static void test_symlinks_are_refused(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = file_key(f->file_key);
  create_with(f, &key);
  close_store(f);
  char link_path[160];
  snprintf(link_path, sizeof link_path, "%s/link.db", f->root);
  assert_int_equal(symlink(f->db, link_path), 0);
  assert_int_equal(ocf_posix_private_file_prepare(link_path, true, &f->sp.pf, NULL), OCF_ERR_DENIED);
  assert_int_equal(ocf_obt_store_open(link_path, &f->sp.pf, &f->s), OCF_ERR_DENIED);
  /* A symlinked directory as the last component. */
  char dir_link[160], via[192];
  snprintf(dir_link, sizeof dir_link, "%s/dirlink", f->root);
  snprintf(via, sizeof via, "%s/domain.db", dir_link);
  char real_dir[160];
  snprintf(real_dir, sizeof real_dir, "%s/obt", f->root);
  assert_int_equal(symlink(real_dir, dir_link), 0);
  assert_int_equal(ocf_posix_private_file_prepare(via, false, &f->sp.pf, NULL), OCF_ERR_DENIED);
  /* A symlink planted as the WAL file. */
  char wal[160];
  snprintf(wal, sizeof wal, "%s-wal", f->db);
  assert_int_equal(symlink("/tmp/elsewhere", wal), 0);
  assert_int_equal(ocf_posix_private_file_prepare(f->db, false, &f->sp.pf, NULL), OCF_ERR_DENIED);
}

static void test_shared_modes_are_refused(void **state) {
  fixture *f = *state;
  prepare(f);
  assert_int_equal(chmod(f->db, 0640), 0);
  assert_int_equal(ocf_posix_private_file_prepare(f->db, true, &f->sp.pf, NULL), OCF_ERR_DENIED);
  assert_int_equal(chmod(f->db, 0604), 0);
  assert_int_equal(ocf_posix_private_file_prepare(f->db, false, &f->sp.pf, NULL), OCF_ERR_DENIED);
  assert_int_equal(mode_of(f->db), 0604); /* refused, not changed */
  assert_int_equal(chmod(f->db, 0600), 0);
  char dir[128];
  snprintf(dir, sizeof dir, "%s/obt", f->root);
  assert_int_equal(chmod(dir, 0770), 0); /* others could swap the file under SQLite */
  assert_int_equal(ocf_posix_private_file_prepare(f->db, false, &f->sp.pf, NULL), OCF_ERR_DENIED);
  assert_int_equal(chmod(dir, 0755), 0); /* readable is fine: the file itself is 0600 */
  assert_int_equal(ocf_posix_private_file_prepare(f->db, false, &f->sp.pf, NULL), OCF_OK);
  assert_int_equal(ocf_posix_private_file_prepare("", true, &f->sp.pf, NULL), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_posix_private_file_prepare("/tmp/x/", true, &f->sp.pf, NULL), OCF_ERR_INVALID_ARG);
}

static void test_second_open_is_busy_until_the_first_closes(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = file_key(f->file_key);
  create_with(f, &key);
  ocf_obt_store *second = NULL;
  assert_int_equal(ocf_obt_store_open(f->db, &f->sp.pf, &second), OCF_ERR_BUSY);
  assert_null(second);
  ocf_obt_domain d = sample_domain();
  assert_int_equal(ocf_obt_store_create(f->db, &d, &key, true, T0, &f->sp.pf, &second), OCF_ERR_BUSY);
  close_store(f);
  assert_int_equal(ocf_obt_store_open(f->db, &f->sp.pf, &second), OCF_OK);
  ocf_obt_store_close(second);
}

static void test_integrity_check_finds_an_inconsistent_index(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = file_key(f->file_key);
  create_with(f, &key);
  put_device(f, &k_dev_a, "lamp", T0);
  int64_t id = 0;
  assert_int_equal(ocf_obt_store_step_begin(f->s, &k_dev_a, "oxmsel", T0, &id), OCF_OK);
  assert_int_equal(ocf_obt_store_check(f->s), OCF_OK);
  close_store(f);
  /* Make the index's definition disagree with its entries (ids, not started times). */
  raw_exec(f, "PRAGMA writable_schema = ON;"
              "UPDATE sqlite_schema SET sql = 'CREATE INDEX steps_by_device ON steps(started, id)'"
              " WHERE name = 'steps_by_device';"
              "PRAGMA writable_schema = OFF");
  reopen(f);
  assert_int_equal(ocf_obt_store_check(f->s), OCF_ERR_MALFORMED);
}

/* --- devices, steps, audit, transactions ---------------------------------------------------- */

static bool count_device(void *user, const ocf_obt_device_record *d) {
  (void)d;
  ++*(size_t *)user;
  return true;
}

static void test_device_put_updates_in_place_and_validates_text(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = file_key(f->file_key);
  create_with(f, &key);
  put_device(f, &k_dev_a, "lamp", T0);
  ocf_obt_device_record d;
  assert_int_equal(ocf_obt_store_device_get(f->s, &k_dev_a, &d), OCF_OK);
  d.state = OCF_OBT_DEVICE_OWNED;
  memcpy(d.name, "kitchen lamp", 13);
  d.first_seen = 1; /* ignored */
  assert_int_equal(ocf_obt_store_device_put(f->s, &d, T0 + 50), OCF_OK);
  ocf_obt_device_record got;
  assert_int_equal(ocf_obt_store_device_get(f->s, &k_dev_a, &got), OCF_OK);
  assert_string_equal(got.name, "kitchen lamp");
  assert_int_equal(got.state, OCF_OBT_DEVICE_OWNED);
  assert_int_equal(got.first_seen, T0);
  assert_int_equal(got.last_seen, T0 + 50);
  assert_string_equal(got.endpoints, "coap://[fe80::1%2]:5683");
  assert_string_equal(ocf_obt_device_state_name(got.state), "owned");
  d.name[0] = '\n';
  assert_int_equal(ocf_obt_store_device_put(f->s, &d, T0), OCF_ERR_INVALID_ARG);
  d.name[0] = 'x';
  d.state = 9;
  assert_int_equal(ocf_obt_store_device_put(f->s, &d, T0), OCF_ERR_INVALID_ARG);
  d.state = OCF_OBT_DEVICE_FAILED;
  memset(&d.uuid, 0, sizeof d.uuid);
  assert_int_equal(ocf_obt_store_device_put(f->s, &d, T0), OCF_ERR_INVALID_ARG);
  put_device(f, &k_dev_b, "plug", T0);
  size_t n = 0;
  assert_int_equal(ocf_obt_store_device_list(f->s, count_device, &n), OCF_OK);
  assert_int_equal(n, 2);
  assert_int_equal(ocf_obt_store_device_remove(f->s, &k_dev_a), OCF_OK);
  assert_int_equal(ocf_obt_store_device_get(f->s, &k_dev_a, &got), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_obt_store_device_remove(f->s, &k_dev_a), OCF_OK);
}

typedef struct step_log {
  ocf_obt_step_record r[4];
  size_t n;
} step_log;

static bool keep_step(void *user, const ocf_obt_step_record *st) {
  step_log *l = user;
  if (l->n < 4) l->r[l->n++] = *st;
  return true;
}

static void test_steps_record_begin_and_end_and_survive_reopen(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = file_key(f->file_key);
  create_with(f, &key);
  put_device(f, &k_dev_a, "lamp", T0);
  int64_t s1 = 0, s2 = 0, none = 0;
  assert_int_equal(ocf_obt_store_step_begin(f->s, &k_dev_b, "oxmsel", T0, &none), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_obt_store_step_begin(f->s, &k_dev_a, "Bad Name", T0, &none), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_store_step_begin(f->s, &k_dev_a, "oxmsel", T0 + 1, &s1), OCF_OK);
  assert_int_equal(ocf_obt_store_step_end(f->s, s1, OCF_OBT_STEP_DONE, 1, 204, NULL, T0 + 2), OCF_OK);
  assert_int_equal(ocf_obt_store_step_end(f->s, s1, OCF_OBT_STEP_FAILED, 1, 204, NULL, T0 + 3),
                   OCF_ERR_STATE);
  assert_int_equal(ocf_obt_store_step_end(f->s, s1 + 100, OCF_OBT_STEP_DONE, 1, 204, NULL, T0),
                   OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_obt_store_step_begin(f->s, &k_dev_a, "pstat-om", T0 + 4, &s2), OCF_OK);
  reopen(f); /* as after a crash: the second step is still "started" */
  step_log l = {0};
  assert_int_equal(ocf_obt_store_step_list(f->s, &k_dev_a, keep_step, &l), OCF_OK);
  assert_int_equal(l.n, 2);
  assert_string_equal(l.r[0].name, "oxmsel");
  assert_int_equal(l.r[0].status, OCF_OBT_STEP_DONE);
  assert_int_equal(l.r[0].response, 204);
  assert_int_equal(l.r[0].ended, T0 + 2);
  assert_int_equal(l.r[1].status, OCF_OBT_STEP_STARTED);
  assert_int_equal(l.r[1].ended, 0);
  assert_int_equal(ocf_obt_store_step_end(f->s, s2, OCF_OBT_STEP_FAILED, 3, 403, "not in RFOTM", T0 + 9),
                   OCF_OK);
  l.n = 0;
  assert_int_equal(ocf_obt_store_step_list(f->s, &k_dev_a, keep_step, &l), OCF_OK);
  assert_int_equal(l.r[1].requests, 3);
  assert_string_equal(l.r[1].diagnostic, "not in RFOTM");
}

static bool keep_audit(void *user, const ocf_obt_audit_record *a) {
  ocf_obt_audit_record *out = user;
  *out = *a;
  return false; /* the first one only */
}

static void test_audit_appends_in_order(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = file_key(f->file_key);
  create_with(f, &key);
  assert_int_equal(ocf_obt_store_audit_append(f->s, T0, "alice", "init", "domain lab"), OCF_OK);
  assert_int_equal(ocf_obt_store_audit_append(f->s, T0 + 1, "alice", "onboard", NULL), OCF_OK);
  assert_int_equal(ocf_obt_store_audit_append(f->s, T0, "", "init", NULL), OCF_ERR_INVALID_ARG);
  ocf_obt_audit_record a = {0};
  assert_int_equal(ocf_obt_store_audit_list(f->s, keep_audit, &a), OCF_OK);
  assert_int_equal(a.time, T0);
  assert_string_equal(a.actor, "alice");
  assert_string_equal(a.action, "init");
  assert_string_equal(a.detail, "domain lab");
}

static void test_rollback_discards_and_commit_keeps_a_group(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = file_key(f->file_key);
  create_with(f, &key);
  assert_int_equal(ocf_obt_store_commit(f->s), OCF_ERR_STATE);
  assert_int_equal(ocf_obt_store_begin(f->s), OCF_OK);
  assert_int_equal(ocf_obt_store_begin(f->s), OCF_ERR_STATE);
  put_device(f, &k_dev_a, "lamp", T0);
  assert_int_equal(ocf_obt_store_secret_put(f->s, &k_dev_a, "owner-psk", k_psk_a, 16), OCF_OK);
  ocf_obt_store_rollback(f->s);
  ocf_obt_device_record d;
  assert_int_equal(ocf_obt_store_device_get(f->s, &k_dev_a, &d), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_obt_store_begin(f->s), OCF_OK);
  put_device(f, &k_dev_a, "lamp", T0);
  assert_int_equal(ocf_obt_store_secret_put(f->s, &k_dev_a, "owner-psk", k_psk_a, 16), OCF_OK);
  assert_int_equal(ocf_obt_store_commit(f->s), OCF_OK);
  /* An open group is rolled back by close. */
  assert_int_equal(ocf_obt_store_begin(f->s), OCF_OK);
  put_device(f, &k_dev_b, "plug", T0);
  reopen(f);
  assert_int_equal(ocf_obt_store_device_get(f->s, &k_dev_a, &d), OCF_OK);
  assert_int_equal(ocf_obt_store_device_get(f->s, &k_dev_b, &d), OCF_ERR_NOT_FOUND);
}

/* --- pairings (ADR 0019) ------------------------------------------------------------------- */

typedef struct pairings_seen {
  ocf_obt_pairing_record r[4];
  size_t n;
} pairings_seen;

static bool keep_pairing(void *user, const ocf_obt_pairing_record *r) {
  pairings_seen *p = user;
  if (p->n < 4) p->r[p->n++] = *r;
  return true;
}

static void test_pairings_are_kept_by_uuid_in_either_order(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = file_key(f->file_key);
  create_with(f, &key);
  /* Given b first: stored in uuid order with the credids swapped along. */
  ocf_obt_pairing_record p = {.a = k_dev_b, .b = k_dev_a, .credid_a = 7, .credid_b = 9, .created = T0};
  assert_int_equal(ocf_obt_store_pairing_put(f->s, &p), OCF_OK);
  ocf_obt_pairing_record q = {.a = k_dev_c, .b = k_dev_a, .credid_a = 1, .credid_b = 2, .created = T0 + 1};
  assert_int_equal(ocf_obt_store_pairing_put(f->s, &q), OCF_OK);
  ocf_obt_pairing_record r;
  assert_int_equal(ocf_obt_store_pairing_get(f->s, &k_dev_a, &k_dev_b, &r), OCF_OK);
  assert_true(ocf_uuid_equal(&r.a, &k_dev_a));
  assert_int_equal(r.credid_a, 9);
  assert_int_equal(r.credid_b, 7);
  assert_int_equal(r.created, T0);
  assert_int_equal(ocf_obt_store_pairing_get(f->s, &k_dev_b, &k_dev_a, &r), OCF_OK);
  assert_int_equal(r.credid_a, 7);
  assert_int_equal(ocf_obt_store_pairing_get(f->s, &k_dev_b, &k_dev_c, &r), OCF_ERR_NOT_FOUND);
  /* Replace keeps one row. */
  p.credid_a = 70;
  assert_int_equal(ocf_obt_store_pairing_put(f->s, &p), OCF_OK);
  /* One device's pairings name it first; all of them in order. */
  pairings_seen seen = {0};
  assert_int_equal(ocf_obt_store_pairing_list(f->s, &k_dev_a, keep_pairing, &seen), OCF_OK);
  assert_int_equal(seen.n, 2);
  assert_true(ocf_uuid_equal(&seen.r[0].a, &k_dev_a));
  assert_true(ocf_uuid_equal(&seen.r[0].b, &k_dev_b));
  assert_int_equal(seen.r[0].credid_b, 70);
  assert_true(ocf_uuid_equal(&seen.r[1].b, &k_dev_c));
  memset(&seen, 0, sizeof seen);
  assert_int_equal(ocf_obt_store_pairing_list(f->s, &k_dev_c, keep_pairing, &seen), OCF_OK);
  assert_int_equal(seen.n, 1);
  assert_true(ocf_uuid_equal(&seen.r[0].a, &k_dev_c));
  assert_int_equal(seen.r[0].credid_a, 1);
  memset(&seen, 0, sizeof seen);
  assert_int_equal(ocf_obt_store_pairing_list(f->s, NULL, keep_pairing, &seen), OCF_OK);
  assert_int_equal(seen.n, 2);
  /* Arguments; remove (absent is fine); nothing of a key in the table's columns. */
  ocf_obt_pairing_record bad = {.a = k_dev_a, .b = k_dev_a};
  assert_int_equal(ocf_obt_store_pairing_put(f->s, &bad), OCF_ERR_INVALID_ARG);
  bad.b = (ocf_uuid){{0}};
  assert_int_equal(ocf_obt_store_pairing_put(f->s, &bad), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_store_pairing_remove(f->s, &k_dev_b, &k_dev_a), OCF_OK);
  assert_int_equal(ocf_obt_store_pairing_remove(f->s, &k_dev_b, &k_dev_a), OCF_OK);
  assert_int_equal(ocf_obt_store_pairing_get(f->s, &k_dev_a, &k_dev_b, &r), OCF_ERR_NOT_FOUND);
  close_store(f);
  assert_int_equal(raw_int(f, "SELECT count(*) FROM pragma_table_info('pairings')"), 5);
  /* Replacing the domain drops them. */
  ocf_obt_domain d = sample_domain();
  assert_int_equal(ocf_obt_store_create(f->db, &d, &key, true, T0 + 1, &f->sp.pf, &f->s), OCF_OK);
  close_store(f);
  assert_int_equal(raw_int(f, "SELECT count(*) FROM pairings"), 0);
}

/* A version 3 database (before pairings) opens, gains the table, keeps its rows. */
static void test_open_migrates_a_version_3_database(void **state) {
  fixture *f = *state;
  prepare(f);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  assert_int_equal(obt_schema_migrate(db, 0, 3), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(db, "INSERT INTO domain VALUES (1, zeroblob(16), randomblob(16), 'v3', 0, 'jw', 5);", NULL,
                   NULL, NULL),
      SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(raw_int(f, "PRAGMA user_version"), 3);
  assert_int_equal(ocf_obt_store_open(f->db, &f->sp.pf, &f->s), OCF_OK);
  ocf_obt_domain d;
  assert_int_equal(ocf_obt_store_domain_get(f->s, &d), OCF_OK);
  assert_string_equal(d.name, "v3");
  ocf_obt_pairing_record p = {.a = k_dev_a, .b = k_dev_b, .credid_a = 1, .credid_b = 2, .created = T0};
  assert_int_equal(ocf_obt_store_pairing_put(f->s, &p), OCF_OK);
  close_store(f);
  assert_int_equal(raw_int(f, "PRAGMA user_version"), OBT_STORE_SCHEMA_VERSION);
  assert_int_equal(raw_int(f, "SELECT count(*) FROM pairings"), 1);
}

/* A version 4 database (before the certificate records, ADR 0020) opens and gains them. */
static void test_open_migrates_a_version_4_database(void **state) {
  fixture *f = *state;
  prepare(f);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  assert_int_equal(obt_schema_migrate(db, 0, 4), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(db, "INSERT INTO domain VALUES (1, zeroblob(16), randomblob(16), 'v4', 0, 'jw', 5);", NULL,
                   NULL, NULL),
      SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(ocf_obt_store_open(f->db, &f->sp.pf, &f->s), OCF_OK);
  ocf_obt_domain d;
  assert_int_equal(ocf_obt_store_domain_get(f->s, &d), OCF_OK);
  assert_string_equal(d.name, "v4");
  close_store(f);
  assert_int_equal(raw_int(f, "PRAGMA user_version"), OBT_STORE_SCHEMA_VERSION);
  assert_int_equal(raw_int(f, "SELECT count(*) FROM pragma_table_info('certs')"), 10);
}

/* --- OSCORE contexts and SSM groups (ADR 0022) --------------------------------------------- */

static bool keep_group(void *user, const ocf_obt_group_record *g) {
  ocf_obt_group_record *seen = user;
  seen[seen[0].n_members == 0 ? 0 : 1] = *g;
  return true;
}

static void test_oscore_pairs_and_groups_round_trip(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = file_key(f->file_key);
  create_with(f, &key);
  /* pairwise: either order, the per-device fields swapped along */
  ocf_obt_oscore_pair_record p = {.a = k_dev_b,
                                  .b = k_dev_a,
                                  .sender_a = "01aabb",
                                  .sender_b = "01ccdd",
                                  .credid_a = 7,
                                  .credid_b = 9,
                                  .created = T0};
  assert_int_equal(ocf_obt_store_oscore_pair_put(f->s, &p), OCF_OK);
  ocf_obt_oscore_pair_record r;
  assert_int_equal(ocf_obt_store_oscore_pair_get(f->s, &k_dev_a, &k_dev_b, &r), OCF_OK);
  assert_true(ocf_uuid_equal(&r.a, &k_dev_a));
  assert_string_equal(r.sender_a, "01ccdd");
  assert_string_equal(r.sender_b, "01aabb");
  assert_int_equal(r.credid_a, 9);
  assert_int_equal(ocf_obt_store_oscore_pair_get(f->s, &k_dev_b, &k_dev_a, &r), OCF_OK);
  assert_string_equal(r.sender_a, "01aabb");
  assert_int_equal(r.credid_b, 9);
  ocf_obt_oscore_pair_record bad = p;
  snprintf(bad.sender_a, sizeof bad.sender_a, "0");
  assert_int_equal(ocf_obt_store_oscore_pair_put(f->s, &bad), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_store_oscore_pair_remove(f->s, &k_dev_a, &k_dev_b), OCF_OK);
  assert_int_equal(ocf_obt_store_oscore_pair_get(f->s, &k_dev_a, &k_dev_b, &r), OCF_ERR_NOT_FOUND);
  /* groups: members in order, credids, replace, list, remove */
  static ocf_obt_group_record g, back, seen[2];
  memset(&g, 0, sizeof g);
  snprintf(g.name, sizeof g.name, "lights");
  g.subject = k_dev_c;
  snprintf(g.gid, sizeof g.gid, "02a1a2a3a4a5a6");
  snprintf(g.desc, sizeof g.desc, "hall");
  g.created = T0;
  g.n_members = 2;
  g.members[0] = (ocf_obt_group_member){
      .uuid = k_dev_a, .client = true, .senderid = "02a1a2a3a4a5a6", .credids = {5}, .n_credids = 1};
  g.members[1] = (ocf_obt_group_member){.uuid = k_dev_b, .credids = {6, 2147483647}, .n_credids = 2};
  assert_int_equal(ocf_obt_store_group_put(f->s, &g), OCF_OK);
  assert_int_equal(ocf_obt_store_group_get(f->s, "lights", &back), OCF_OK);
  assert_memory_equal(&back, &g, sizeof g);
  g.rekeyed = T0 + 5;
  memset(g.gid, 0, sizeof g.gid); /* the record compares byte for byte */
  memset(g.members[0].senderid, 0, sizeof g.members[0].senderid);
  snprintf(g.gid, sizeof g.gid, "02b1");
  snprintf(g.members[0].senderid, sizeof g.members[0].senderid, "02b1");
  g.members[1].n_credids = 1;
  g.members[1].credids[1] = 0;
  assert_int_equal(ocf_obt_store_group_put(f->s, &g), OCF_OK);
  assert_int_equal(ocf_obt_store_group_get(f->s, "lights", &back), OCF_OK);
  assert_memory_equal(&back, &g, sizeof g);
  static ocf_obt_group_record h;
  h = g;
  snprintf(h.name, sizeof h.name, "fans");
  h.by_apply = true; /* made by obt apply (migration 7 -> 8) */
  assert_int_equal(ocf_obt_store_group_put(f->s, &h), OCF_OK);
  memset(seen, 0, sizeof seen);
  assert_int_equal(ocf_obt_store_group_list(f->s, keep_group, seen), OCF_OK);
  assert_string_equal(seen[0].name, "fans");
  assert_true(seen[0].by_apply);
  assert_string_equal(seen[1].name, "lights");
  assert_false(seen[1].by_apply);
  /* refused: no members, a server with a senderid, a non-hex-sized id, an empty name */
  h.n_members = 0;
  assert_int_equal(ocf_obt_store_group_put(f->s, &h), OCF_ERR_INVALID_ARG);
  h = g;
  snprintf(h.members[1].senderid, sizeof h.members[1].senderid, "02aa");
  assert_int_equal(ocf_obt_store_group_put(f->s, &h), OCF_ERR_INVALID_ARG);
  h = g;
  h.name[0] = '\0';
  assert_int_equal(ocf_obt_store_group_put(f->s, &h), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_store_group_remove(f->s, "fans"), OCF_OK);
  assert_int_equal(ocf_obt_store_group_get(f->s, "fans", &back), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_obt_store_group_remove(f->s, "fans"), OCF_OK);
  close_store(f);
  assert_int_equal(raw_int(f, "SELECT count(*) FROM oscore_group_members"), 2);
  /* no column could hold a secret: the tables' columns are the record's */
  assert_int_equal(raw_int(f, "SELECT count(*) FROM pragma_table_info('oscore_pairs')"), 7);
  assert_int_equal(raw_int(f, "SELECT count(*) FROM pragma_table_info('oscore_groups')"), 7); /* + by_apply */
}

typedef struct applied_seen {
  size_t n;
  ocf_obt_applied_record r[8];
} applied_seen;

static bool collect_applied(void *user, const ocf_obt_applied_record *r) {
  applied_seen *a = user;
  if (a->n < 8) a->r[a->n++] = *r;
  return true;
}

/* ADR 0023: what obt apply wrote, by uuid; pairs in either order; forget drops a device's. */
static void test_applied_records_ace_and_pair_and_forget(void **state) {
  fixture *f = *state;
  ocf_obt_store_key key = file_key(f->file_key);
  create_with(f, &key);
  ocf_obt_applied_record ace = {.kind = OCF_OBT_APPLIED_ACE, .device = k_dev_a, .aceid = 7, .created = T0};
  snprintf(ace.spec, sizeof ace.spec, "subject conntype:anon-clear resources /switch perm -R---");
  ocf_obt_applied_record pair = {
      .kind = OCF_OBT_APPLIED_PAIR, .device = k_dev_b, .peer = k_dev_a, .created = T0 + 1};
  ocf_obt_applied_record other = {
      .kind = OCF_OBT_APPLIED_ACE, .device = k_dev_c, .aceid = 3, .created = T0 + 2};
  assert_int_equal(ocf_obt_store_applied_put(f->s, &ace), OCF_OK);
  assert_int_equal(ocf_obt_store_applied_put(f->s, &ace), OCF_OK); /* replaces */
  assert_int_equal(ocf_obt_store_applied_put(f->s, &pair), OCF_OK);
  assert_int_equal(ocf_obt_store_applied_put(f->s, &other), OCF_OK);
  ocf_obt_applied_record bad = ace;
  bad.aceid = 0;
  assert_int_equal(ocf_obt_store_applied_put(f->s, &bad), OCF_ERR_INVALID_ARG);
  bad = pair;
  bad.peer = k_dev_b;
  assert_int_equal(ocf_obt_store_applied_put(f->s, &bad), OCF_ERR_INVALID_ARG);
  applied_seen seen = {0};
  assert_int_equal(ocf_obt_store_applied_list(f->s, &k_dev_a, collect_applied, &seen), OCF_OK);
  assert_int_equal(seen.n, 2);
  assert_int_equal(seen.r[0].aceid, 7);
  assert_string_equal(seen.r[0].spec, ace.spec);
  assert_int_equal(seen.r[1].kind, OCF_OBT_APPLIED_PAIR);
  /* The pair removed given in the other order. */
  ocf_obt_applied_record swapped = {.kind = OCF_OBT_APPLIED_PAIR, .device = k_dev_a, .peer = k_dev_b};
  assert_int_equal(ocf_obt_store_applied_remove(f->s, &swapped), OCF_OK);
  memset(&seen, 0, sizeof seen);
  assert_int_equal(ocf_obt_store_applied_list(f->s, NULL, collect_applied, &seen), OCF_OK);
  assert_int_equal(seen.n, 2);
  assert_int_equal(ocf_obt_store_applied_forget(f->s, &k_dev_a), OCF_OK);
  memset(&seen, 0, sizeof seen);
  assert_int_equal(ocf_obt_store_applied_list(f->s, NULL, collect_applied, &seen), OCF_OK);
  assert_int_equal(seen.n, 1);
  assert_true(ocf_uuid_equal(&seen.r[0].device, &k_dev_c));
  close_store(f);
}

/* A version 5 database (before the applied records, ADR 0023) opens and gains them. */
static void test_open_migrates_a_version_5_database(void **state) {
  fixture *f = *state;
  prepare(f);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  assert_int_equal(obt_schema_migrate(db, 0, 5), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(db, "INSERT INTO domain VALUES (1, zeroblob(16), randomblob(16), 'v5', 0, 'jw', 5);", NULL,
                   NULL, NULL),
      SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(ocf_obt_store_open(f->db, &f->sp.pf, &f->s), OCF_OK);
  ocf_obt_domain d;
  assert_int_equal(ocf_obt_store_domain_get(f->s, &d), OCF_OK);
  assert_string_equal(d.name, "v5");
  close_store(f);
  assert_int_equal(raw_int(f, "PRAGMA user_version"), OBT_STORE_SCHEMA_VERSION);
  assert_int_equal(raw_int(f, "SELECT count(*) FROM pragma_table_info('applied')"), 6);
}

/* A version 6 database (before the OSCORE tables, ADR 0022) opens and gains them. */
static void test_open_migrates_a_version_6_database(void **state) {
  fixture *f = *state;
  prepare(f);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  assert_int_equal(obt_schema_migrate(db, 0, 6), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(db, "INSERT INTO domain VALUES (1, zeroblob(16), randomblob(16), 'v6', 0, 'jw', 5);", NULL,
                   NULL, NULL),
      SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(ocf_obt_store_open(f->db, &f->sp.pf, &f->s), OCF_OK);
  ocf_obt_domain d;
  assert_int_equal(ocf_obt_store_domain_get(f->s, &d), OCF_OK);
  assert_string_equal(d.name, "v6");
  close_store(f);
  assert_int_equal(raw_int(f, "PRAGMA user_version"), OBT_STORE_SCHEMA_VERSION);
  assert_int_equal(raw_int(f, "SELECT count(*) FROM pragma_table_info('oscore_group_members')"), 6);
}

/* A version 7 database (before by_apply) opens; its groups count as made by hand. */
static void test_open_migrates_a_version_7_database(void **state) {
  fixture *f = *state;
  prepare(f);
  sqlite3 *db = NULL;
  assert_int_equal(sqlite3_open_v2(f->db, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  assert_int_equal(obt_schema_migrate(db, 0, 7), SQLITE_OK);
  assert_int_equal(
      sqlite3_exec(db,
                   "INSERT INTO domain VALUES (1, zeroblob(16), randomblob(16), 'v7', 0, 'jw', 5);"
                   "INSERT INTO oscore_groups VALUES ('hand', randomblob(16), '02aabb', '', 1, 0);"
                   "INSERT INTO oscore_group_members VALUES ('hand', 0, randomblob(16), 1, '02aabb', '4');",
                   NULL, NULL, NULL),
      SQLITE_OK);
  sqlite3_close(db);
  assert_int_equal(ocf_obt_store_open(f->db, &f->sp.pf, &f->s), OCF_OK);
  static ocf_obt_group_record g;
  assert_int_equal(ocf_obt_store_group_get(f->s, "hand", &g), OCF_OK);
  assert_false(g.by_apply);
  assert_int_equal(g.n_members, 1);
  close_store(f);
  assert_int_equal(raw_int(f, "PRAGMA user_version"), OBT_STORE_SCHEMA_VERSION);
  assert_int_equal(raw_int(f, "SELECT count(*) FROM pragma_table_info('oscore_groups')"), 7);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_open_migrates_a_version_7_database, setup, teardown),
      cmocka_unit_test_setup_teardown(test_oscore_pairs_and_groups_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_open_migrates_a_version_6_database, setup, teardown),
      cmocka_unit_test_setup_teardown(test_create_then_reopen_reads_the_domain_back, setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_create_keeps_given_uuids_and_domain_set_changes_only_name_priv_policy, setup, teardown),
      cmocka_unit_test_setup_teardown(test_create_refuses_an_existing_domain_unless_replace, setup, teardown),
      cmocka_unit_test_setup_teardown(test_create_rejects_bad_domain_and_key_arguments, setup, teardown),
      cmocka_unit_test(test_otm_policy_accepts_distinct_known_names_only),
      cmocka_unit_test_setup_teardown(test_default_iterations_are_stored_with_the_salt, setup, teardown),
      cmocka_unit_test_setup_teardown(test_wrong_passphrase_is_crypto_and_right_one_unlocks, setup, teardown),
      cmocka_unit_test_setup_teardown(test_wrong_key_file_is_crypto, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tampered_secret_ciphertext_is_malformed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_secret_swapped_between_rows_or_names_is_malformed, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_secret_follows_a_uuid_change_and_reports_its_size, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_file_holds_no_secret_in_clear, setup, teardown),
      cmocka_unit_test_setup_teardown(test_domain_values_secret_sealed_public_clear, setup, teardown),
      cmocka_unit_test_setup_teardown(test_open_migrates_a_version_1_database_keeping_its_rows, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_open_refuses_a_newer_schema, setup, teardown),
      cmocka_unit_test_setup_teardown(test_open_migrates_a_version_4_database, setup, teardown),
      cmocka_unit_test_setup_teardown(test_open_refuses_foreign_files, setup, teardown),
      cmocka_unit_test_setup_teardown(test_open_of_empty_file_has_no_domain, setup, teardown),
      cmocka_unit_test_setup_teardown(test_prepare_makes_0700_directories_and_a_0600_file, setup, teardown),
      cmocka_unit_test_setup_teardown(test_missing_file_is_not_found_and_never_created_by_open, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_symlinks_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_shared_modes_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_second_open_is_busy_until_the_first_closes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_integrity_check_finds_an_inconsistent_index, setup, teardown),
      cmocka_unit_test_setup_teardown(test_device_put_updates_in_place_and_validates_text, setup, teardown),
      cmocka_unit_test_setup_teardown(test_steps_record_begin_and_end_and_survive_reopen, setup, teardown),
      cmocka_unit_test_setup_teardown(test_audit_appends_in_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rollback_discards_and_commit_keeps_a_group, setup, teardown),
      cmocka_unit_test_setup_teardown(test_pairings_are_kept_by_uuid_in_either_order, setup, teardown),
      cmocka_unit_test_setup_teardown(test_open_migrates_a_version_3_database, setup, teardown),
      cmocka_unit_test_setup_teardown(test_applied_records_ace_and_pair_and_forget, setup, teardown),
      cmocka_unit_test_setup_teardown(test_open_migrates_a_version_5_database, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
