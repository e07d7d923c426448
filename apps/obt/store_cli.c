/* What the subcommands that use the domain store share: where it lives (XDG), opening it with
 * the file checks, exit codes and messages for its errors, the wall clock, and reading a
 * passphrase without echo. */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

ocf_obt_wall_ms obt_wall_ms(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return 0;
  return (ocf_obt_wall_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void obt_copy_text(char *dst, size_t cap, const char *src) {
  size_t n = strnlen(src, cap - 1);
  memcpy(dst, src, n);
  dst[n] = '\0';
}

void obt_format_wall(ocf_obt_wall_ms t, char out[32]) {
  time_t secs = (time_t)(t / 1000);
  struct tm tm;
  if (!gmtime_r(&secs, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) memcpy(out, "?", 2);
}

/* XDG Base Directory: $XDG_DATA_HOME when set to an absolute path, else ~/.local/share. */
int obt_store_default_path(char *out, size_t cap) {
  const char *xdg = getenv("XDG_DATA_HOME");
  const char *home = getenv("HOME");
  int n;
  if (xdg && xdg[0] == '/')
    n = snprintf(out, cap, "%s/obt/domain.db", xdg);
  else if (home && home[0] == '/')
    n = snprintf(out, cap, "%s/.local/share/obt/domain.db", home);
  else {
    fprintf(stderr, "obt: neither XDG_DATA_HOME nor HOME is set: name the domain store with --store PATH\n");
    return -1;
  }
  if (n < 0 || (size_t)n >= cap) {
    fprintf(stderr, "obt: the default domain store path is too long: use --store PATH\n");
    return -1;
  }
  return 0;
}

int obt_store_exit_code(ocf_err err) {
  switch (err) {
  case OCF_OK: return OBT_EXIT_OK;
  case OCF_ERR_IO:
  case OCF_ERR_NO_MEMORY:
  case OCF_ERR_DENIED: return OBT_EXIT_SYSTEM;
  default: return OBT_EXIT_FAILED;
  }
}

void obt_store_report(const char *cmd, const char *path, ocf_err err) {
  const char *why;
  switch (err) {
  case OCF_ERR_NOT_FOUND: why = "no domain store there (create one with obt init)"; break;
  case OCF_ERR_DENIED:
    why = "refused: a symbolic link, not yours, readable by others (chmod 600), or in a directory "
          "others may write";
    break;
  case OCF_ERR_BUSY: why = "in use by another obt process"; break;
  case OCF_ERR_UNSUPPORTED: why = "written by a newer obt (its schema is newer than this one's)"; break;
  case OCF_ERR_MALFORMED: why = "not an obt domain store, or damaged"; break;
  case OCF_ERR_CRYPTO: why = "wrong passphrase or key file"; break;
  default: why = ocf_strerror(err); break;
  }
  fprintf(stderr, "obt %s: %s: %s\n", cmd, path, why);
}

ocf_err obt_store_open_existing(const char *path, const ocf_platform *pf, ocf_obt_store **out) {
  ocf_err err = ocf_posix_private_file_prepare(path, false, pf, NULL);
  if (err == OCF_OK) err = ocf_obt_store_open(path, pf, out);
  return err;
}

/* Reads one line from the terminal with echo off. Returns its length, or -1. */
static ssize_t read_tty_line(int fd, const char *prompt, char *buf, size_t cap) {
  struct termios old, quiet;
  if (tcgetattr(fd, &old) != 0) return -1;
  quiet = old;
  quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
  quiet.c_lflag |= ICANON;
  if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) return -1;
  ssize_t len = -1;
  if (write(fd, prompt, strlen(prompt)) >= 0) {
    size_t n = 0;
    char c;
    ssize_t r;
    while ((r = read(fd, &c, 1)) == 1 && c != '\n')
      if (n + 1 < cap) buf[n++] = c;
    buf[n] = '\0';
    len = (r < 0 || n + 1 >= cap) ? -1 : (ssize_t)n;
    (void)!write(fd, "\n", 1);
  }
  (void)tcsetattr(fd, TCSAFLUSH, &old);
  return len;
}

int obt_read_passphrase(const char *prompt, bool confirm, char *buf, size_t cap) {
  int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    fprintf(stderr, "obt: no terminal to ask for a passphrase on: use --passphrase-env VAR or a key file\n");
    return OBT_EXIT_USAGE;
  }
  int rc = OBT_EXIT_OK;
  ssize_t n = read_tty_line(fd, prompt, buf, cap);
  if (n <= 0) {
    fprintf(stderr, "obt: no passphrase read (empty, too long, or the terminal failed)\n");
    rc = OBT_EXIT_FAILED;
  } else if (confirm) {
    char again[OCF_OBT_PASSPHRASE_MAX + 2];
    ssize_t m = read_tty_line(fd, "Repeat the passphrase: ", again, sizeof again);
    if (m != n || memcmp(again, buf, (size_t)n) != 0) {
      fprintf(stderr, "obt: the passphrases differ\n");
      rc = OBT_EXIT_FAILED;
    }
    explicit_bzero(again, sizeof again);
  }
  close(fd);
  if (rc != OBT_EXIT_OK) explicit_bzero(buf, cap);
  return rc;
}

/* The key the domain was created with: its key file (the stored hint, or key_file), or a
 * passphrase from pass_env or the terminal (ADR 0015). */
int obt_store_unlock_cli(const char *cmd, ocf_obt_store *s, const char *key_file, const char *pass_env) {
  ocf_obt_key_kind kind;
  char hint[OCF_OBT_KEY_HINT_MAX + 1];
  ocf_err err = ocf_obt_store_key_info(s, &kind, hint, sizeof hint);
  if (err) {
    fprintf(stderr, "obt %s: the store's key information is unreadable: %s\n", cmd, ocf_strerror(err));
    return OBT_EXIT_FAILED;
  }
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_WARN, false);
  uint8_t file_key[OCF_OBT_DOMAIN_KEY_LEN];
  char pass[OCF_OBT_PASSPHRASE_MAX + 2];
  ocf_obt_store_key key = {.kind = kind};
  int rc = OBT_EXIT_OK;
  if (kind == OCF_OBT_KEY_FILE) {
    const char *path = key_file ? key_file : hint;
    err = ocf_posix_store_key_load(path, false, &pf, file_key);
    if (err) {
      fprintf(stderr, "obt %s: key file %s: %s\n", cmd, path, ocf_strerror(err));
      return OBT_EXIT_FAILED;
    }
    key.secret = file_key;
    key.len = sizeof file_key;
  } else {
    const char *env = pass_env ? getenv(pass_env) : NULL;
    if (pass_env && (!env || !*env || strlen(env) > OCF_OBT_PASSPHRASE_MAX)) {
      /* Asked for the environment: never fall back to a prompt a script cannot answer. */
      fprintf(stderr, "obt %s: %s holds no passphrase (unset, empty or too long)\n", cmd, pass_env);
      return OBT_EXIT_USAGE;
    }
    if (env)
      snprintf(pass, sizeof pass, "%s", env);
    else
      rc = obt_read_passphrase("Passphrase for the domain key: ", false, pass, sizeof pass);
    key.secret = (const uint8_t *)pass;
    key.len = strlen(pass);
  }
  if (rc == OBT_EXIT_OK && (err = ocf_obt_store_unlock(s, &key)) != OCF_OK) {
    fprintf(stderr, "obt %s: cannot unlock the domain's secrets: %s\n", cmd,
            err == OCF_ERR_CRYPTO ? "wrong passphrase or key file" : ocf_strerror(err));
    rc = OBT_EXIT_FAILED;
  }
  explicit_bzero(file_key, sizeof file_key);
  explicit_bzero(pass, sizeof pass);
  return rc;
}

int obt_store_open_cli(const char *cmd, const char *path, bool unlock, const char *key_file,
                       const char *pass_env, ocf_obt_store **s, ocf_obt_domain *d) {
  char def[4096];
  if (!path) {
    if (obt_store_default_path(def, sizeof def) != 0) return OBT_EXIT_USAGE;
    path = def;
  }
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_WARN, false);
  ocf_obt_domain domain;
  *s = NULL;
  ocf_err err = obt_store_open_existing(path, &pf, s);
  if (!err) err = ocf_obt_store_domain_get(*s, d ? d : &domain); /* an empty file is no domain */
  if (err) {
    ocf_obt_store_close(*s);
    *s = NULL;
    obt_store_report(cmd, path, err);
    return obt_store_exit_code(err);
  }
  int rc = unlock ? obt_store_unlock_cli(cmd, *s, key_file, pass_env) : OBT_EXIT_OK;
  if (rc == OBT_EXIT_OK) return -1;
  ocf_obt_store_close(*s);
  *s = NULL;
  return rc;
}
