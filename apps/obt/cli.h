/* Shared pieces of the obt subcommands: exit codes, output helpers, the network host. */
#ifndef OBT_CLI_H
#define OBT_CLI_H

#include <ocf/ocf_obt.h>
#include <ocf/ocf_obt_store.h>
#include <ocf/ocf_posix.h>
#include <stdio.h>

/* Exit codes (documented in obt --help and docs/man/obt.1). */
enum obt_exit {
  OBT_EXIT_OK = 0,
  OBT_EXIT_FAILED = 1,  /* the operation ran and failed (a device refused, bad answer) */
  OBT_EXIT_USAGE = 2,   /* bad command line */
  OBT_EXIT_SYSTEM = 3,  /* sockets, memory, files */
  OBT_EXIT_TIMEOUT = 4, /* a device did not answer */
};

typedef struct obt_cmd {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv);
} obt_cmd;

int obt_cmd_discover(int argc, char **argv);
int obt_cmd_init(int argc, char **argv);
int obt_cmd_domain(int argc, char **argv);
int obt_cmd_onboard(int argc, char **argv);
int obt_cmd_devices(int argc, char **argv);
int obt_cmd_ca(int argc, char **argv);
int obt_cmd_show(int argc, char **argv);
int obt_cmd_reset(int argc, char **argv);
int obt_cmd_recover(int argc, char **argv);
int obt_cmd_trust(int argc, char **argv);
int obt_cmd_pair(int argc, char **argv);
int obt_cmd_unpair(int argc, char **argv);
int obt_cmd_creds(int argc, char **argv);
int obt_cmd_oscore(int argc, char **argv);
int obt_cmd_group(int argc, char **argv);
int obt_cmd_acl(int argc, char **argv);
int obt_cmd_state(int argc, char **argv);
int obt_cmd_cert(int argc, char **argv);
int obt_cmd_crl(int argc, char **argv);
int obt_cmd_apply(int argc, char **argv);
int obt_cmd_offboard(int argc, char **argv);
int obt_cmd_maintain(int argc, char **argv);

/* The n of the tool's own /oic/d (digest 5.5), and the default name of a new domain. */
#define OBT_DEVICE_NAME "obt"

/* Network options shared by subcommands that talk to devices. */
typedef struct obt_net_opts {
  bool ipv4, ipv6;
  ocf_posix_net_config net;
  ocf_log_level log_level;
  bool secure;                   /* also open coaps sockets (onboarding) */
  const ocf_obt_config *obt_cfg; /* NULL: the engine's defaults */
} obt_net_opts;

void obt_net_opts_init(obt_net_opts *o);
/* Handles --interface IF, -4/--ipv4-only, -6/--ipv6-only, -v/--verbose at argv[*i] (consuming
 * a value when it takes one). Returns 1 when handled, 0 when not one of these, -1 on error
 * (message printed). */
int obt_net_opts_parse(obt_net_opts *o, int argc, char **argv, int *i);

/* The tool engine on a posix net and loop. */
typedef struct obt_host {
  ocf_platform pf;
  ocf_posix_net *net;
  ocf_posix_loop *loop;
  ocf_obt *obt;
} obt_host;

/* Opens sockets and the engine. Returns an exit code (prints why on failure). */
int obt_host_open(obt_host *h, const obt_net_opts *o);
void obt_host_close(obt_host *h);

/* ---- the domain store (store_cli.c) ---- */

/* The wall clock, milliseconds since the Unix epoch (the store's timestamps). */
ocf_obt_wall_ms obt_wall_ms(void);
/* t as "2025-11-24T16:00:00Z" (UTC). */
void obt_format_wall(ocf_obt_wall_ms t, char out[32]);
/* src into dst[cap], cut to cap - 1 bytes and NUL-terminated (cap > 0). */
void obt_copy_text(char *dst, size_t cap, const char *src);
/* $XDG_DATA_HOME/obt/domain.db, else $HOME/.local/share/obt/domain.db. 0, or -1 (printed why). */
int obt_store_default_path(char *out, size_t cap);
/* ocf_posix_private_file_prepare (no create) + ocf_obt_store_open. */
ocf_err obt_store_open_existing(const char *path, const ocf_platform *pf, ocf_obt_store **out);
/* Prints "obt CMD: PATH: why" for a store error, and the exit code for it. */
void obt_store_report(const char *cmd, const char *path, ocf_err err);
int obt_store_exit_code(ocf_err err);
/* Reads a passphrase from /dev/tty without echo (twice with confirm) into buf. Returns an exit
 * code (OBT_EXIT_OK when read; a message is printed otherwise; buf is wiped then). */
int obt_read_passphrase(const char *prompt, bool confirm, char *buf, size_t cap);

/* Unlocks the store for its secrets: with the key file key_file (NULL: the one the domain was
 * created with), or the passphrase in environment variable pass_env, or one asked on the
 * terminal. Returns an exit code (prints why on failure). */
int obt_store_unlock_cli(const char *cmd, ocf_obt_store *s, const char *key_file, const char *pass_env);

/* What every command that uses the domain store starts with: opens the store at path (NULL:
 * the default path), reads its domain into *d (may be NULL; an empty file is no domain) and,
 * when unlock is set, unlocks its secrets (obt_store_unlock_cli). Returns -1 to go on with *s
 * open (the caller closes it), or an exit code with *s NULL (printed why). */
int obt_store_open_cli(const char *cmd, const char *path, bool unlock, const char *key_file,
                       const char *pass_env, ocf_obt_store **s, ocf_obt_domain *d);

/* Writes s as a JSON string literal (quotes and escapes included). */
void obt_json_string(FILE *out, const char *s);

#endif
