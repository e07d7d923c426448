/* What obt reset, obt recover and obt show share: their options, colour on terminals, finding
 * the devices on the network, and running a lifecycle action (<ocf/ocf_obt_lifecycle.h>). */
#ifndef OBT_LIFECYCLE_CLI_H
#define OBT_LIFECYCLE_CLI_H

#include <ocf/ocf_obt_lifecycle.h>

#include "cli.h"

/* ANSI colours for one stream: set only when it is a terminal, NO_COLOR is unset or empty
 * (no-color.org) and TERM is not "dumb"; otherwise every field is "". */
typedef struct obt_colour {
  const char *ok, *bad, *warn, *bold, *off;
} obt_colour;
void obt_colour_init(obt_colour *c, FILE *f);

typedef struct obt_lc_opts {
  obt_net_opts net;
  const char *store, *key_file, *pass_env;
  bool yes, json, forget_only;
  uint32_t window, timeout_s;
  char **uuids; /* argv's uuids */
  size_t n_uuids;
} obt_lc_opts;

/* Handles the options the lifecycle commands share at argv[*i] (network options, -s, -k,
 * --passphrase-env, -y, --json, -w, -t, and a uuid operand). 1 handled, 0 not one of them,
 * -1 usage error (printed). */
int obt_lc_opt_parse(obt_lc_opts *o, const char *cmd, int argc, char **argv, int *i);

/* The uuid operands of o parsed into out[] (room for o->n_uuids), each once, in order; ones that
 * do not parse are skipped (obt_lc_opt_parse has checked them). Returns how many. */
size_t obt_lc_uuids(const obt_lc_opts *o, ocf_uuid *out);

/* Opens the store (--store or the default path), and unlocks it when unlock is set. Returns
 * -1 to go on, or an exit code (printed why). */
int obt_lc_open_store(const char *cmd, obt_lc_opts *o, bool unlock, ocf_obt_store **s);

/* Asks "prompt [y/N]" unless --yes; -1 to go on, or an exit code. */
int obt_lc_confirm(const char *cmd, const obt_lc_opts *o, const char *prompt);

/* Runs action on the devices (uuids as the store knows them): finds them on the network first
 * when the action talks to devices (multicast discovery by uuid; else the endpoints the store
 * saw last), prints one line (or JSON object) per device and returns the exit code:
 * 0 all done, 1 one failed, 3 system error, 4 every failure was a device not answering. */
int obt_lc_run(const char *cmd, obt_lc_opts *o, ocf_obt_store *s, ocf_obt_lc_action action,
               const ocf_uuid *uuids, size_t n, bool network);

#endif
