/* Unit tests of the file medium and key file (src/platform/posix/store_file.c) on a temporary
 * directory: modes 0700/0600, atomic replace, leftover temporary files, damaged files kept and
 * reported, symlinks and foreign or shared directories refused, the lock, the key file. */
#define _GNU_SOURCE /* nftw flags */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ocf/ocf_posix.h>

typedef struct fixture {
  ocf_platform pf;
  char root[64];      /* the temporary directory */
  char dir[128];      /* root/store: the store directory */
  char key_path[128]; /* root/storage.key */
  ocf_store_config cfg;
  ocf_store *s;
} fixture;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void path_in(const fixture *f, const char *name, char *out, size_t cap) {
  int n = snprintf(out, cap, "%s/%s", f->dir, name);
  assert_true(n > 0 && (size_t)n < cap);
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  ocf_posix_platform_init(&f->pf, OCF_LOG_ERROR, false);
  f->pf.log = NULL; /* the refusals below are expected */
  memcpy(f->root, "/tmp/ocf-store-XXXXXX", sizeof "/tmp/ocf-store-XXXXXX");
  if (!mkdtemp(f->root)) return -1;
  snprintf(f->dir, sizeof f->dir, "%s/store", f->root);
  snprintf(f->key_path, sizeof f->key_path, "%s/storage.key", f->root);
  ocf_store_config_init(&f->cfg);
  f->cfg.has_key = true;
  if (ocf_posix_store_key_load(f->key_path, true, &f->pf, f->cfg.key) != OCF_OK) return -1;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  ocf_store_close(f->s);
  nftw(f->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(f);
  return 0;
}

static void open_store(fixture *f) {
  assert_int_equal(ocf_posix_file_store_open(f->dir, &f->cfg, &f->pf, &f->s), OCF_OK);
}

static void close_store(fixture *f) {
  ocf_store_close(f->s);
  f->s = NULL;
}

static mode_t mode_of(const char *path) {
  struct stat st;
  assert_int_equal(lstat(path, &st), 0);
  return st.st_mode & 07777;
}

static void write_raw(const char *path, const void *data, size_t len, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, data, len), (ssize_t)len);
  assert_int_equal(fchmod(fd, mode), 0);
  close(fd);
}

static size_t read_raw(const char *path, uint8_t *buf, size_t cap) {
  int fd = open(path, O_RDONLY);
  assert_true(fd >= 0);
  ssize_t n = read(fd, buf, cap);
  close(fd);
  assert_true(n >= 0);
  return (size_t)n;
}

static void save_str(ocf_store *s, const char *name, const char *text) {
  assert_int_equal(ocf_store_save(s, name, (const uint8_t *)text, strlen(text)), OCF_OK);
}

static void assert_blob(ocf_store *s, const char *name, const char *text) {
  uint8_t buf[256];
  size_t len = 0;
  assert_int_equal(ocf_store_load(s, name, buf, sizeof buf, &len), OCF_OK);
  assert_int_equal(len, strlen(text));
  assert_memory_equal(buf, text, len);
}

static ocf_err load_err(ocf_store *s, const char *name) {
  uint8_t buf[256];
  size_t len = 0;
  return ocf_store_load(s, name, buf, sizeof buf, &len);
}

/* --- layout and permissions ------------------------------------------------------------------- */

static void test_directory_is_0700_and_files_0600(void **state) {
  fixture *f = *state;
  mode_t old = umask(0); /* the store must not depend on the host's umask */
  open_store(f);
  save_str(f->s, "doxm", "owned=false");
  umask(old);
  char path[256];
  path_in(f, "doxm", path, sizeof path);
  assert_int_equal(mode_of(f->dir), 0700);
  assert_int_equal(mode_of(path), 0600);
  assert_int_equal(mode_of(f->key_path), 0600);
}

static void test_replace_is_atomic_and_leaves_no_temporary_file(void **state) {
  fixture *f = *state;
  open_store(f);
  save_str(f->s, "pstat", "dos=1");
  save_str(f->s, "pstat", "dos=3");
  assert_blob(f->s, "pstat", "dos=3");
  char tmp[256];
  path_in(f, "pstat.tmp", tmp, sizeof tmp);
  assert_int_equal(access(tmp, F_OK), -1);
  close_store(f);
  open_store(f);
  assert_blob(f->s, "pstat", "dos=3");
  uint64_t gen = 0;
  assert_int_equal(ocf_store_generation(f->s, "pstat", &gen), OCF_OK);
  assert_int_equal(gen, 2);
}

static void test_leftover_temporary_files_are_ignored_and_removed(void **state) {
  fixture *f = *state;
  open_store(f);
  save_str(f->s, "doxm", "committed");
  close_store(f);
  char tmp[256], other[256];
  path_in(f, "doxm.tmp", tmp, sizeof tmp);
  path_in(f, "_journal.tmp", other, sizeof other);
  write_raw(tmp, "half a rec", 10, 0600);
  write_raw(other, "junk", 4, 0600);
  open_store(f);
  assert_int_equal(access(tmp, F_OK), -1);
  assert_int_equal(access(other, F_OK), -1);
  assert_blob(f->s, "doxm", "committed");
}

static void test_damaged_file_is_malformed_and_kept(void **state) {
  fixture *f = *state;
  open_store(f);
  save_str(f->s, "cred", "psk");
  char path[256];
  path_in(f, "cred", path, sizeof path);
  uint8_t raw[512];
  size_t len = read_raw(path, raw, sizeof raw);
  raw[len / 2] ^= 0x04;
  write_raw(path, raw, len, 0600);
  assert_int_equal(load_err(f->s, "cred"), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_store_save(f->s, "cred", (const uint8_t *)"x", 1), OCF_ERR_MALFORMED);
  close_store(f);
  open_store(f);
  assert_int_equal(load_err(f->s, "cred"), OCF_ERR_MALFORMED);
  uint8_t again[512];
  assert_int_equal(read_raw(path, again, sizeof again), len);
  assert_memory_equal(again, raw, len); /* never silently replaced */
}

static void test_truncated_file_is_malformed(void **state) {
  fixture *f = *state;
  open_store(f);
  save_str(f->s, "acl2", "aces");
  char path[256];
  path_in(f, "acl2", path, sizeof path);
  assert_int_equal(truncate(path, 20), 0);
  assert_int_equal(load_err(f->s, "acl2"), OCF_ERR_MALFORMED);
  assert_int_equal(truncate(path, 0), 0);
  assert_int_equal(load_err(f->s, "acl2"), OCF_ERR_MALFORMED);
}

static void test_wrong_key_file_reports_crypto(void **state) {
  fixture *f = *state;
  open_store(f);
  save_str(f->s, "doxm", "owned=true");
  close_store(f);
  f->cfg.key[31] ^= 1;
  open_store(f);
  assert_int_equal(load_err(f->s, "doxm"), OCF_ERR_CRYPTO);
}

/* --- refusals --------------------------------------------------------------------------------- */

static void test_symlinked_directory_is_refused(void **state) {
  fixture *f = *state;
  char real[128];
  snprintf(real, sizeof real, "%s/real", f->root);
  assert_int_equal(mkdir(real, 0700), 0);
  assert_int_equal(symlink(real, f->dir), 0);
  assert_int_equal(ocf_posix_file_store_open(f->dir, &f->cfg, &f->pf, &f->s), OCF_ERR_DENIED);
  assert_null(f->s);
  char slashed[256];
  snprintf(slashed, sizeof slashed, "%s//", f->dir); /* a trailing slash would follow the link */
  assert_int_equal(ocf_posix_file_store_open(slashed, &f->cfg, &f->pf, &f->s), OCF_ERR_DENIED);
}

static void test_directory_writable_by_others_is_refused(void **state) {
  fixture *f = *state;
  assert_int_equal(mkdir(f->dir, 0700), 0);
  const mode_t bad[] = {0777, 0770, 0702, 0720};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(chmod(f->dir, bad[i]), 0);
    assert_int_equal(ocf_posix_file_store_open(f->dir, &f->cfg, &f->pf, &f->s), OCF_ERR_DENIED);
  }
  assert_int_equal(chmod(f->dir, 0755), 0); /* readable by others: tightened */
  open_store(f);
  assert_int_equal(mode_of(f->dir), 0700);
}

static void test_directory_of_another_user_is_refused(void **state) {
  fixture *f = *state;
  if (geteuid() != 0) skip(); /* needs chown */
  assert_int_equal(mkdir(f->dir, 0700), 0);
  assert_int_equal(chown(f->dir, 12345, 12345), 0);
  assert_int_equal(ocf_posix_file_store_open(f->dir, &f->cfg, &f->pf, &f->s), OCF_ERR_DENIED);
}

static void test_path_that_is_a_file_is_refused(void **state) {
  fixture *f = *state;
  write_raw(f->dir, "x", 1, 0600);
  assert_int_equal(ocf_posix_file_store_open(f->dir, &f->cfg, &f->pf, &f->s), OCF_ERR_DENIED);
}

static void test_symlink_and_fifo_blob_files_are_not_followed(void **state) {
  fixture *f = *state;
  open_store(f);
  char target[128], link_path[256], fifo[256];
  snprintf(target, sizeof target, "%s/outside", f->root);
  write_raw(target, "outside", 7, 0600);
  path_in(f, "doxm", link_path, sizeof link_path);
  assert_int_equal(symlink(target, link_path), 0);
  assert_int_equal(load_err(f->s, "doxm"), OCF_ERR_IO);
  path_in(f, "pstat", fifo, sizeof fifo);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  assert_int_equal(load_err(f->s, "pstat"), OCF_ERR_IO); /* and does not block */
  /* Something that is not our record is not overwritten either; a remove clears the link
   * itself, and the target stays untouched. */
  assert_int_equal(ocf_store_save(f->s, "doxm", (const uint8_t *)"x", 1), OCF_ERR_IO);
  assert_int_equal(ocf_store_remove(f->s, "doxm"), OCF_OK);
  save_str(f->s, "doxm", "mine");
  uint8_t buf[16];
  assert_int_equal(read_raw(target, buf, sizeof buf), 7);
  assert_memory_equal(buf, "outside", 7);
  assert_blob(f->s, "doxm", "mine");
}

static void test_blob_file_writable_by_others_is_refused(void **state) {
  fixture *f = *state;
  open_store(f);
  save_str(f->s, "sdi", "x");
  char path[256];
  path_in(f, "sdi", path, sizeof path);
  assert_int_equal(chmod(path, 0666), 0);
  assert_int_equal(load_err(f->s, "sdi"), OCF_ERR_IO);
}

static void test_second_open_of_the_same_directory_is_busy(void **state) {
  fixture *f = *state;
  open_store(f);
  ocf_store *second = NULL;
  assert_int_equal(ocf_posix_file_store_open(f->dir, &f->cfg, &f->pf, &second), OCF_ERR_BUSY);
  assert_null(second);
  close_store(f);
  open_store(f); /* the lock went with the first store */
}

static void test_missing_parent_is_an_io_error(void **state) {
  fixture *f = *state;
  char deep[256];
  snprintf(deep, sizeof deep, "%s/no/such", f->root);
  assert_int_equal(ocf_posix_file_store_open(deep, &f->cfg, &f->pf, &f->s), OCF_ERR_IO);
}

/* --- key file --------------------------------------------------------------------------------- */

static void test_key_file_is_created_once_and_read_back(void **state) {
  fixture *f = *state;
  uint8_t key[OCF_STORE_KEY_LEN], raw[64];
  assert_int_equal(ocf_posix_store_key_load(f->key_path, true, &f->pf, key), OCF_OK);
  assert_memory_equal(key, f->cfg.key, sizeof key); /* not replaced */
  assert_int_equal(read_raw(f->key_path, raw, sizeof raw), OCF_STORE_KEY_LEN);
  assert_memory_equal(raw, key, sizeof key);
  assert_int_equal(mode_of(f->key_path), 0600);
  char missing[128];
  snprintf(missing, sizeof missing, "%s/absent.key", f->root);
  assert_int_equal(ocf_posix_store_key_load(missing, false, &f->pf, key), OCF_ERR_NOT_FOUND);
  const uint8_t zero[OCF_STORE_KEY_LEN] = {0};
  assert_memory_equal(key, zero, sizeof zero);
}

static void test_key_file_refusals(void **state) {
  fixture *f = *state;
  uint8_t key[OCF_STORE_KEY_LEN];
  assert_int_equal(chmod(f->key_path, 0640), 0);
  assert_int_equal(ocf_posix_store_key_load(f->key_path, true, &f->pf, key), OCF_ERR_DENIED);
  assert_int_equal(chmod(f->key_path, 0600), 0);
  char link_path[128], short_key[128];
  snprintf(link_path, sizeof link_path, "%s/link.key", f->root);
  assert_int_equal(symlink(f->key_path, link_path), 0);
  assert_int_equal(ocf_posix_store_key_load(link_path, true, &f->pf, key), OCF_ERR_DENIED);
  snprintf(short_key, sizeof short_key, "%s/short.key", f->root);
  write_raw(short_key, "0123456789", 10, 0600);
  assert_int_equal(ocf_posix_store_key_load(short_key, true, &f->pf, key), OCF_ERR_MALFORMED);
  uint8_t longer[OCF_STORE_KEY_LEN + 1] = {0};
  write_raw(short_key, longer, sizeof longer, 0600);
  assert_int_equal(ocf_posix_store_key_load(short_key, true, &f->pf, key), OCF_ERR_MALFORMED);
}

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_directory_is_0700_and_files_0600),
      T(test_replace_is_atomic_and_leaves_no_temporary_file),
      T(test_leftover_temporary_files_are_ignored_and_removed),
      T(test_damaged_file_is_malformed_and_kept),
      T(test_truncated_file_is_malformed),
      T(test_wrong_key_file_reports_crypto),
      T(test_symlinked_directory_is_refused),
      T(test_directory_writable_by_others_is_refused),
      T(test_directory_of_another_user_is_refused),
      T(test_path_that_is_a_file_is_refused),
      T(test_symlink_and_fifo_blob_files_are_not_followed),
      T(test_blob_file_writable_by_others_is_refused),
      T(test_second_open_of_the_same_directory_is_busy),
      T(test_missing_parent_is_an_io_error),
      T(test_key_file_is_created_once_and_read_back),
      T(test_key_file_refusals),
  };
#undef T
  return cmocka_run_group_tests(tests, NULL, NULL);
}
