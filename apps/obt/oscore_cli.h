/* What obt oscore and obt group share (cmd_oscore.c, cmd_group.c; ADR 0022): option parsing,
 * the chain of provisioning runs (check, write, undo, retire) over <ocf/ocf_obt_oscore.h> jobs,
 * printing, the store's transaction and audit entry. */
#ifndef OBT_OSCORE_CLI_H
#define OBT_OSCORE_CLI_H

#include <ocf/ocf_obt_oscore.h>

#include "prov_cli.h"

#define OSCORE_ALL_TYPES (64u | 128u | 256u)

typedef struct osc_args {
  obt_lc_opts o;
  const char *name;    /* group NAME */
  const char *clients; /* --client */
  const char *servers; /* --server */
  const char *desc;    /* --desc */
  unsigned id_len;
} osc_args;

typedef struct osc_run {
  const char *cmd;
  osc_args *a;
  bool inner; /* part of a larger command (obt apply): no "done" event of its own */
  ocf_obt_store *s;
  obt_prov_cli *c;
  ocf_uuid u[OCF_OBT_GROUP_MEMBERS_MAX];
  bool client[OCF_OBT_GROUP_MEMBERS_MAX];
  uint16_t need[OCF_OBT_GROUP_MEMBERS_MAX]; /* credtypes each device's sct must list; 0: by client */
  size_t n;
  ocf_obt_oscore_job *jobs;                       /* n */
  ocf_obt_rfpro wraps[OCF_OBT_GROUP_MEMBERS_MAX]; /* WRITE, REMOVE: the RFPRO bracket (digest §3.3) */
  obt_prov_cli_result res[OCF_OBT_GROUP_MEMBERS_MAX];
  bool ok[OCF_OBT_GROUP_MEMBERS_MAX];
  bool undone[OCF_OBT_GROUP_MEMBERS_MAX], left[OCF_OBT_GROUP_MEMBERS_MAX];
  ocf_obt_prov_failure fail[OCF_OBT_GROUP_MEMBERS_MAX];
  uint8_t secret[OCF_OBT_OSCORE_SECRET_LEN];
} osc_run;

/* Every OSCORE id on the checked devices, and (groups) those of the domain's groups. */
typedef struct taken_ids {
  ocf_obt_oscore_id ids[OCF_OBT_GROUP_MEMBERS_MAX * OCF_OBT_CREDS_MAX * 2 + 256];
  size_t n;
} taken_ids;

int osc_parse_args(const char *cmd, const char *usage, bool want_name, int argc, char **argv, osc_args *a);
int osc_run_jobs(osc_run *r, const char *what, const bool *sel);
void osc_print_fail(const osc_run *r, size_t i, const ocf_obt_prov_failure *f);
void osc_print_ok(const osc_run *r, size_t i, const char *verb);
int osc_exit_of(const osc_run *r);
void osc_fail_all(osc_run *r, const char *peer_note);
int osc_check_all(osc_run *r, const char *what);
int osc_write_all(osc_run *r, const char *what, const char *undo_what);
void osc_retire_all(osc_run *r, const char *what, const ocf_obt_oscore_match *per_device);
int osc_audit(osc_run *r, const char *action, const char *detail);
int osc_store_done(osc_run *r, ocf_err err);
int osc_collect_taken(osc_run *r, taken_ids *t, bool groups);
int osc_draw_id(osc_run *r, taken_ids *t, uint8_t prefix, ocf_obt_oscore_id out);
int osc_open_run(osc_run *r);
/* obt group's operations (cmd_group.c), also run by obt apply over its own store and network:
 * -1 done, else the exit code (failures printed). r->u / r->client: the members to hold the group. */
int osc_group_create(osc_run *r, ocf_obt_group_record *g);
int osc_group_rekey(osc_run *r, ocf_obt_group_record *g);
int osc_group_delete(osc_run *r, const ocf_obt_group_record *g);
void osc_close_run(osc_run *r);

#endif
