/* A store medium over one directory (<ocf/ocf_posix.h>): one file per object, replaced by
 * writing name.tmp, fsync, rename over name, fsync of the directory, so a crash leaves the old
 * file or the new one (POSIX rename(2) is atomic for the name; the fsyncs make both the data
 * and the new name durable before the write is reported done). Also the storage key file.
 *
 * Files are created 0600 with O_NOFOLLOW | O_CLOEXEC, the directory 0700; a directory that is
 * a symlink, not ours, or writable by group or others is refused, and one readable by them is
 * tightened to 0700. An flock on the directory keeps a second process out. */
#define _GNU_SOURCE /* flock, O_DIRECTORY, O_NOFOLLOW */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ocf/ocf_posix.h>

#include "base/log.h"

#define LOG_MODULE "store"

#define TMP_SUFFIX ".tmp"
#define FILE_NAME_MAX 32 /* the store's object names: OCF_STORE_NAME_MAX */

typedef struct file_medium {
  ocf_platform pf;
  int dirfd;
} file_medium;

/* Object names as the store uses them ([a-z0-9_-], 1..32 bytes): never '/', never '.', so they
 * cannot leave the directory and never collide with a .tmp file. */
static bool file_name_ok(const char *name) {
  if (!name) return false;
  size_t len = 0;
  for (; len <= FILE_NAME_MAX && name[len]; len++) {
    char c = name[len];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return len >= 1 && len <= FILE_NAME_MAX;
}

static void tmp_name(const char *name, char out[FILE_NAME_MAX + sizeof TMP_SUFFIX]) {
  size_t len = strlen(name);
  memcpy(out, name, len);
  memcpy(out + len, TMP_SUFFIX, sizeof TMP_SUFFIX);
}

/* A file we may trust to be ours: regular, owned by us, not writable by group or others. */
static bool owned_private_file(const struct stat *st) {
  return S_ISREG(st->st_mode) && st->st_uid == geteuid() && (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

static ocf_err read_all(int fd, uint8_t *buf, size_t cap, size_t *len) {
  size_t done = 0;
  for (;;) {
    uint8_t extra;
    uint8_t *dst = done < cap ? buf + done : &extra;
    size_t want = done < cap ? cap - done : 1;
    ssize_t n = read(fd, dst, want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return OCF_ERR_IO;
    if (n == 0) break;
    if (done >= cap) return OCF_ERR_TOO_LARGE; /* the file grew past cap while we read */
    done += (size_t)n;
  }
  *len = done;
  return OCF_OK;
}

static ocf_err file_read(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len) {
  file_medium *m = ctx;
  if (!file_name_ok(name) || !len || (!buf && cap > 0)) return OCF_ERR_INVALID_ARG;
  /* O_NONBLOCK: a FIFO planted under the name must not block the open. */
  int fd = openat(m->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return errno == ENOENT ? OCF_ERR_NOT_FOUND : OCF_ERR_IO;
  struct stat st;
  ocf_err err = OCF_OK;
  if (fstat(fd, &st) != 0 || !owned_private_file(&st)) {
    ocf_log(&m->pf, OCF_LOG_ERROR, LOG_MODULE, "%s is not a private regular file of ours", name);
    err = OCF_ERR_IO;
  } else if ((uint64_t)st.st_size > cap) {
    err = OCF_ERR_TOO_LARGE;
  } else {
    err = read_all(fd, buf, cap, len);
  }
  close(fd);
  return err;
}

static ocf_err write_all(int fd, const uint8_t *data, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = write(fd, data + done, len - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return OCF_ERR_IO;
    done += (size_t)n;
  }
  return OCF_OK;
}

/* Creates dirfd/name exclusively (0600, never through a symlink) with data, durably. */
static ocf_err create_file(int dirfd, const char *name, const uint8_t *data, size_t len) {
  int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return OCF_ERR_IO;
  /* The umask may have cleared bits of 0600; the mode is ours to set exactly. */
  ocf_err err = fchmod(fd, 0600) == 0 ? OCF_OK : OCF_ERR_IO;
  if (err == OCF_OK) err = write_all(fd, data, len);
  if (err == OCF_OK && fsync(fd) != 0) err = OCF_ERR_IO;
  if (close(fd) != 0 && err == OCF_OK) err = OCF_ERR_IO;
  return err;
}

static ocf_err file_write(void *ctx, const char *name, const uint8_t *data, size_t len) {
  file_medium *m = ctx;
  if (!file_name_ok(name) || (!data && len > 0)) return OCF_ERR_INVALID_ARG;
  char tmp[FILE_NAME_MAX + sizeof TMP_SUFFIX];
  tmp_name(name, tmp);
  /* A leftover from a crash (or anything planted there) goes first: O_EXCL then guarantees the
   * file we fill is the one we created. */
  if (unlinkat(m->dirfd, tmp, 0) != 0 && errno != ENOENT) return OCF_ERR_IO;
  ocf_err err = create_file(m->dirfd, tmp, data, len);
  if (err == OCF_OK && renameat(m->dirfd, tmp, m->dirfd, name) != 0) err = OCF_ERR_IO;
  if (err != OCF_OK) {
    (void)unlinkat(m->dirfd, tmp, 0);
    return err;
  }
  /* The rename is durable only once the directory is. */
  return fsync(m->dirfd) == 0 ? OCF_OK : OCF_ERR_IO;
}

static ocf_err file_remove(void *ctx, const char *name) {
  file_medium *m = ctx;
  if (!file_name_ok(name)) return OCF_ERR_INVALID_ARG;
  if (unlinkat(m->dirfd, name, 0) != 0) return errno == ENOENT ? OCF_OK : OCF_ERR_IO;
  return fsync(m->dirfd) == 0 ? OCF_OK : OCF_ERR_IO;
}

static void file_close(void *ctx) {
  file_medium *m = ctx;
  if (!m) return;
  close(m->dirfd); /* also releases the flock */
  m->pf.free(m->pf.ctx, m);
}

static const ocf_store_medium_ops k_file_ops = {file_read, file_write, file_remove, file_close};

/* --- opening the directory ------------------------------------------------------------------- */

/* Opens the directory containing path (its last component's parent) for fsync. */
static int open_parent(const char *path) {
  char parent[PATH_MAX];
  size_t len = strlen(path);
  while (len > 1 && path[len - 1] == '/') len--; /* "a/b/" names b */
  size_t cut = len;
  while (cut > 0 && path[cut - 1] != '/') cut--;
  if (cut == 0) return open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  while (cut > 1 && path[cut - 1] == '/') cut--; /* "a//b": parent "a"; "/b": parent "/" */
  if (cut >= sizeof parent) return -1;
  memcpy(parent, path, cut);
  parent[cut] = '\0';
  return open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static ocf_err fsync_parent(const char *path) {
  int fd = open_parent(path);
  if (fd < 0) return OCF_ERR_IO;
  ocf_err err = fsync(fd) == 0 ? OCF_OK : OCF_ERR_IO;
  close(fd);
  return err;
}

/* Opens dir (creating it 0700 when missing), never through a symlink. */
static ocf_err open_dir(const char *dir, int *out) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) {
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) return OCF_ERR_IO;
    if (fsync_parent(dir) != OCF_OK) return OCF_ERR_IO;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  }
  if (fd < 0) return (errno == ELOOP || errno == ENOTDIR) ? OCF_ERR_DENIED : OCF_ERR_IO;
  *out = fd;
  return OCF_OK;
}

/* Ours, not writable by anyone else; readable by others only until we tighten it. */
static ocf_err check_dir(const ocf_platform *pf, int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return OCF_ERR_IO;
  if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    ocf_log(pf, OCF_LOG_ERROR, LOG_MODULE, "store directory refused: not ours or writable by others");
    return OCF_ERR_DENIED;
  }
  if ((st.st_mode & 0777) != 0700 && fchmod(fd, 0700) != 0) return OCF_ERR_IO;
  return OCF_OK;
}

static bool is_tmp_name(const char *name) {
  size_t len = strlen(name), suffix = sizeof TMP_SUFFIX - 1;
  return len > suffix && memcmp(name + len - suffix, TMP_SUFFIX, suffix) == 0;
}

/* Removes the temporary files a crash left behind (never read: their rename did not happen). */
static ocf_err clean_tmp_files(const ocf_platform *pf, int dirfd) {
  int fd = dup(dirfd); /* closedir closes it; fdopendir takes ownership */
  if (fd < 0) return OCF_ERR_IO;
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return OCF_ERR_IO;
  }
  size_t removed = 0;
  ocf_err err = OCF_OK;
  for (struct dirent *e = readdir(d); e; e = readdir(d)) {
    if (!is_tmp_name(e->d_name)) continue;
    if (unlinkat(dirfd, e->d_name, 0) != 0 && errno != ENOENT) err = OCF_ERR_IO;
    removed++;
  }
  closedir(d);
  if (removed > 0) {
    ocf_log(pf, OCF_LOG_INFO, LOG_MODULE, "removed %zu leftover temporary files", removed);
    if (err == OCF_OK && fsync(dirfd) != 0) err = OCF_ERR_IO;
  }
  return err;
}

ocf_err ocf_posix_file_medium_open(const char *dir, const ocf_platform *pf, ocf_store_medium *out) {
  if (!dir || !dir[0] || !pf || !pf->alloc || !pf->free || !out || strlen(dir) >= PATH_MAX)
    return OCF_ERR_INVALID_ARG;
  /* "store/" would resolve a symlink named store despite O_NOFOLLOW: drop trailing slashes. */
  char path[PATH_MAX];
  size_t len = strlen(dir);
  while (len > 1 && dir[len - 1] == '/') len--;
  memcpy(path, dir, len);
  path[len] = '\0';
  int fd = -1;
  ocf_err err = open_dir(path, &fd);
  if (err != OCF_OK) return err;
  err = check_dir(pf, fd);
  if (err == OCF_OK && flock(fd, LOCK_EX | LOCK_NB) != 0)
    err = errno == EWOULDBLOCK ? OCF_ERR_BUSY : OCF_ERR_IO;
  if (err == OCF_OK) err = clean_tmp_files(pf, fd);
  file_medium *m = err == OCF_OK ? pf->alloc(pf->ctx, sizeof *m) : NULL;
  if (err == OCF_OK && !m) err = OCF_ERR_NO_MEMORY;
  if (err != OCF_OK) {
    close(fd);
    return err;
  }
  m->pf = *pf;
  m->dirfd = fd;
  out->ops = &k_file_ops;
  out->ctx = m;
  return OCF_OK;
}

ocf_err ocf_posix_file_store_open(const char *dir, const ocf_store_config *cfg, const ocf_platform *pf,
                                  ocf_store **out) {
  if (!out) return OCF_ERR_INVALID_ARG;
  *out = NULL;
  ocf_store_medium medium;
  ocf_err err = ocf_posix_file_medium_open(dir, pf, &medium);
  if (err != OCF_OK) return err;
  err = ocf_store_open(&medium, cfg, pf, out);
  if (err != OCF_OK) file_close(medium.ctx);
  return err;
}

/* --- the storage key file ------------------------------------------------------------------- */

static ocf_err read_key(int fd, const char *path, const ocf_platform *pf, uint8_t key[OCF_STORE_KEY_LEN]) {
  struct stat st;
  if (fstat(fd, &st) != 0) return OCF_ERR_IO;
  if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
    ocf_log(pf, OCF_LOG_ERROR, LOG_MODULE, "key file %s refused: must be a regular file of ours, mode 0600",
            path);
    return OCF_ERR_DENIED;
  }
  size_t len = 0;
  ocf_err err = read_all(fd, key, OCF_STORE_KEY_LEN, &len);
  if (err == OCF_ERR_TOO_LARGE || (err == OCF_OK && len != OCF_STORE_KEY_LEN)) err = OCF_ERR_MALFORMED;
  return err;
}

/* Writes a fresh key to a temporary file of a random name next to path and links it to path,
 * so path appears complete or not at all, and an existing key is never replaced (link fails
 * with EEXIST). The random name keeps two processes creating the key at once apart. */
static ocf_err create_key(const char *path, const ocf_platform *pf, uint8_t key[OCF_STORE_KEY_LEN]) {
  uint8_t r[8];
  ocf_err err = pf->random(pf->ctx, r, sizeof r);
  if (err == OCF_OK) err = pf->random(pf->ctx, key, OCF_STORE_KEY_LEN);
  if (err != OCF_OK) return err;
  char tmp[PATH_MAX];
  int n = snprintf(tmp, sizeof tmp, "%s.%02x%02x%02x%02x%02x%02x%02x%02x%s", path, r[0], r[1], r[2], r[3],
                   r[4], r[5], r[6], r[7], TMP_SUFFIX);
  if (n < 0 || (size_t)n >= sizeof tmp) return OCF_ERR_INVALID_ARG;
  err = create_file(AT_FDCWD, tmp, key, OCF_STORE_KEY_LEN);
  if (err == OCF_OK && link(tmp, path) != 0) err = errno == EEXIST ? OCF_ERR_BUSY : OCF_ERR_IO;
  (void)unlink(tmp);
  if (err == OCF_OK) err = fsync_parent(path);
  return err;
}

static ocf_err load_or_create_key(const char *path, bool create, const ocf_platform *pf,
                                  uint8_t key[OCF_STORE_KEY_LEN]) {
  for (int attempt = 0; attempt < 2; attempt++) {
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
      ocf_err err = read_key(fd, path, pf, key);
      close(fd);
      return err;
    }
    if (errno == ELOOP) return OCF_ERR_DENIED;
    if (errno != ENOENT) return OCF_ERR_IO;
    if (!create) return OCF_ERR_NOT_FOUND;
    ocf_err err = create_key(path, pf, key);
    if (err != OCF_ERR_BUSY) return err;
    /* Another process created it first: read theirs. */
  }
  return OCF_ERR_IO;
}

ocf_err ocf_posix_store_key_load(const char *path, bool create, const ocf_platform *pf,
                                 uint8_t key[OCF_STORE_KEY_LEN]) {
  if (!key) return OCF_ERR_INVALID_ARG;
  ocf_err err = OCF_ERR_INVALID_ARG;
  if (path && path[0] && pf && strlen(path) < PATH_MAX - 32 && (!create || pf->random))
    err = load_or_create_key(path, create, pf, key);
  if (err != OCF_OK) memset(key, 0, OCF_STORE_KEY_LEN);
  return err;
}
