/* What every provisioning command (obt pair, unpair, creds, cert ..., acl ...) shares: finding
 * owned devices on the network, running provisioning jobs on them (<ocf/ocf_obt_prov.h>) and
 * printing one line (or JSON object) per device.
 *
 * Usage: parse the options with obt_lc_opt_parse and open the store with obt_lc_open_store
 * (unlocked: the owner credentials are read), then either obt_prov_cli_run_once (one run), or
 * obt_prov_cli_open + obt_prov_cli_run (as many runs as the command needs, e.g. pairing's check,
 * write, undo) + obt_prov_cli_close. */
#ifndef OBT_PROV_CLI_H
#define OBT_PROV_CLI_H

#include <ocf/ocf_obt_prov.h>

#include "lifecycle_cli.h"

typedef struct obt_prov_cli obt_prov_cli;

/* One job: the device (a uuid given to obt_prov_cli_open) and its step function. */
typedef struct obt_prov_cli_job {
  ocf_uuid uuid;
  ocf_obt_prov_step step;
  void *user;
} obt_prov_cli_job;

/* A job's outcome, kept for the command to decide what comes next. */
typedef struct obt_prov_cli_result {
  bool ok;
  uint32_t requests;
  ocf_obt_prov_failure failure; /* !ok; stage and advice point to static text */
} obt_prov_cli_result;

typedef struct obt_prov_cli_run_params {
  const char *what; /* the audit log's action, e.g. "pair" */
  const obt_prov_cli_job *jobs;
  size_t n_jobs;
  obt_prov_cli_result *results; /* n_jobs, or NULL */
  /* Printing: when print is set, one line (JSON object with --json) per device as its job ends.
   * describe, when set, writes what an ok job did (e.g. "credid 7"); "done" otherwise. */
  bool print;
  void (*describe)(void *user, size_t job, char *out, size_t cap);
  void *user;
} obt_prov_cli_run_params;

/* Opens the engine on the network (o's options; o->timeout_s bounds each request) and finds the
 * devices: multicast discovery by uuid for o->window ms (3000 by default), else the coaps
 * address the store saw last. Every uuid must be in the store. Returns -1 to go on (*out set),
 * or an exit code (printed why). */
int obt_prov_cli_open(const char *cmd, obt_lc_opts *o, ocf_obt_store *s, const ocf_uuid *uuids, size_t n,
                      obt_prov_cli **out);

/* The store's record of a device given to obt_prov_cli_open (its name), or NULL. */
const ocf_obt_device_record *obt_prov_cli_record(const obt_prov_cli *c, const ocf_uuid *uuid);

/* One run; returns its exit code: 0 every job succeeded, 1 one failed, 4 every failure was a
 * device not answering (or without a known address), 3 system error (printed). */
int obt_prov_cli_run(obt_prov_cli *c, const obt_prov_cli_run_params *p);

void obt_prov_cli_close(obt_prov_cli *c);

/* For operations that chain runs inside the library (ocf_obt_pair): the engine, where a device
 * was found (port 0: nowhere), the audit actor, and the event loop until done(user). Returns an
 * exit code (OBT_EXIT_SYSTEM printed) or -1 when done. */
ocf_obt *obt_prov_cli_engine(obt_prov_cli *c);
ocf_endpoint obt_prov_cli_coaps(const obt_prov_cli *c, const ocf_uuid *uuid);
const char *obt_prov_cli_actor(const obt_prov_cli *c);
int obt_prov_cli_wait(obt_prov_cli *c, bool (*done)(void *user), void *user);

/* open + one printed run + close, with a "N done, M failed." (or JSON "done") line at the end
 * when there is more than one job (always with --json). */
int obt_prov_cli_run_once(const char *cmd, obt_lc_opts *o, ocf_obt_store *s, const char *what,
                          const obt_prov_cli_job *jobs, size_t n,
                          void (*describe)(void *user, size_t job, char *out, size_t cap), void *user);

#endif
