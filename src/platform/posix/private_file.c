/* A private file at a path (<ocf/ocf_posix.h> ocf_posix_private_file_prepare): the file the
 * OBT's domain store keeps in SQLite. SQLite opens the file by its path and would create a
 * missing one with its own default mode (0644 less the umask), so the host creates it first,
 * exactly 0600, and refuses one that others could read or swap: a symlink, a file of another
 * user, a file with group or other permission bits, a directory others may write (where they
 * could replace the file between this check and SQLite's open). SQLite gives its journal and
 * WAL files the mode of the database file, and those are checked too. */
#define _GNU_SOURCE /* O_DIRECTORY, O_NOFOLLOW */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ocf/ocf_posix.h>

#include "base/log.h"

#define LOG_MODULE "file"

/* The companions SQLite creates next to a database (its rollback journal, WAL and WAL index). */
static const char *const k_sidecars[] = {"-journal", "-wal", "-shm"};

static bool private_regular_file(const struct stat *st) {
  return S_ISREG(st->st_mode) && st->st_uid == geteuid() && (st->st_mode & 077) == 0;
}

/* Creates every missing directory of dir ("a/b/c": a, a/b, a/b/c), each 0700 (the XDG base
 * directory rule for directories a program creates). Existing ones are left as they are. */
static ocf_err make_dirs(const char *dir) {
  char p[PATH_MAX];
  size_t len = strlen(dir);
  if (len >= sizeof p) return OCF_ERR_INVALID_ARG;
  memcpy(p, dir, len + 1);
  for (size_t i = 1; i <= len; i++) {
    if (p[i] != '/' && p[i] != '\0') continue;
    char saved = p[i];
    p[i] = '\0';
    if (mkdir(p, 0700) != 0 && errno != EEXIST) return errno == ENOENT ? OCF_ERR_NOT_FOUND : OCF_ERR_IO;
    p[i] = saved;
  }
  return OCF_OK;
}

/* Opens the directory part of path (not through a symlink as its last component) and checks it:
 * ours, not writable by group or others. *base points at the file name inside path. */
static ocf_err open_checked_dir(const ocf_platform *pf, const char *path, bool create, int *dirfd,
                                const char **base) {
  const char *slash = strrchr(path, '/');
  char dir[PATH_MAX];
  if (!slash) {
    memcpy(dir, ".", 2);
  } else {
    size_t n = slash == path ? 1 : (size_t)(slash - path); /* "/x" lives in "/" */
    memcpy(dir, path, n);
    dir[n] = '\0';
  }
  *base = slash ? slash + 1 : path;
  if (!**base || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0) return OCF_ERR_INVALID_ARG;
  if (create) {
    ocf_err err = make_dirs(dir);
    if (err != OCF_OK) return err;
  }
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return OCF_ERR_NOT_FOUND;
    return (errno == ELOOP || errno == ENOTDIR) ? OCF_ERR_DENIED : OCF_ERR_IO;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    close(fd);
    return OCF_ERR_IO;
  }
  if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    ocf_log(pf, OCF_LOG_ERROR, LOG_MODULE, "%s refused: its directory is not ours or others may write it",
            path);
    close(fd);
    return OCF_ERR_DENIED;
  }
  *dirfd = fd;
  return OCF_OK;
}

/* Creates dirfd/base exclusively, exactly 0600 (the umask may not change it), durably. */
static ocf_err create_private(int dirfd, const char *base) {
  int fd = openat(dirfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return errno == EEXIST ? OCF_ERR_BUSY : OCF_ERR_IO;
  ocf_err err = (fchmod(fd, 0600) == 0 && fsync(fd) == 0) ? OCF_OK : OCF_ERR_IO;
  if (close(fd) != 0 && err == OCF_OK) err = OCF_ERR_IO;
  if (err == OCF_OK && fsync(dirfd) != 0) err = OCF_ERR_IO;
  if (err != OCF_OK) (void)unlinkat(dirfd, base, 0);
  return err;
}

/* The file itself: a private regular file of ours, or missing (created when asked). */
static ocf_err check_or_create(const ocf_platform *pf, const char *path, int dirfd, const char *base,
                               bool create, bool *created) {
  for (int attempt = 0; attempt < 2; attempt++) {
    /* O_NONBLOCK: a FIFO planted under the name must not block the open. */
    int fd = openat(dirfd, base, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
      struct stat st;
      ocf_err err = fstat(fd, &st) == 0 ? OCF_OK : OCF_ERR_IO;
      close(fd);
      if (err == OCF_OK && !private_regular_file(&st)) {
        ocf_log(pf, OCF_LOG_ERROR, LOG_MODULE, "%s refused: not a regular file of ours with mode 0600", path);
        err = OCF_ERR_DENIED;
      }
      return err;
    }
    if (errno == ELOOP) {
      ocf_log(pf, OCF_LOG_ERROR, LOG_MODULE, "%s refused: a symbolic link", path);
      return OCF_ERR_DENIED;
    }
    if (errno != ENOENT) return OCF_ERR_IO;
    if (!create) return OCF_ERR_NOT_FOUND;
    ocf_err err = create_private(dirfd, base);
    if (err == OCF_OK) *created = true;
    if (err != OCF_ERR_BUSY) return err;
    /* Someone created it between our open and our create: check theirs. */
  }
  return OCF_ERR_IO;
}

static ocf_err check_sidecars(const ocf_platform *pf, const char *path, int dirfd, const char *base) {
  for (size_t i = 0; i < sizeof k_sidecars / sizeof k_sidecars[0]; i++) {
    char name[NAME_MAX + 1];
    size_t blen = strlen(base), slen = strlen(k_sidecars[i]);
    if (blen + slen >= sizeof name) return OCF_ERR_INVALID_ARG;
    memcpy(name, base, blen);
    memcpy(name + blen, k_sidecars[i], slen + 1);
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;
      return OCF_ERR_IO;
    }
    if (!private_regular_file(&st)) {
      ocf_log(pf, OCF_LOG_ERROR, LOG_MODULE, "%s refused: %s is not a regular file of ours with mode 0600",
              path, name);
      return OCF_ERR_DENIED;
    }
  }
  return OCF_OK;
}

ocf_err ocf_posix_private_file_prepare(const char *path, bool create, const ocf_platform *pf, bool *created) {
  if (created) *created = false;
  if (!path || !path[0] || strlen(path) >= PATH_MAX - 16 || path[strlen(path) - 1] == '/')
    return OCF_ERR_INVALID_ARG;
  int dirfd = -1;
  const char *base = NULL;
  ocf_err err = open_checked_dir(pf, path, create, &dirfd, &base);
  if (err != OCF_OK) return err;
  bool made = false;
  err = check_or_create(pf, path, dirfd, base, create, &made);
  if (err == OCF_OK) err = check_sidecars(pf, path, dirfd, base);
  close(dirfd);
  if (err == OCF_OK && created) *created = made;
  return err;
}
