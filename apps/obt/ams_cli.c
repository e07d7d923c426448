/* State changes for obt state and obt onboard --to rfnop (ams_cli.h): the RFNOP precheck shown
 * and approved before anything is written (OBT 5.2: "show the user what was removed"). */
#include "ams_cli.h"

#include <stdlib.h>
#include <string.h>

uint8_t obt_ams_state_of(const char *word) {
  if (!word) return 0;
  if (strcmp(word, "rfpro") == 0 || strcmp(word, "RFPRO") == 0) return 2;
  if (strcmp(word, "rfnop") == 0 || strcmp(word, "RFNOP") == 0) return 3;
  if (strcmp(word, "sreset") == 0 || strcmp(word, "SRESET") == 0) return 4;
  return 0;
}

static const char *state_name(uint8_t s) {
  return s == 2 ? "RFPRO" : s == 3 ? "RFNOP" : s == 4 ? "SRESET" : "?";
}

typedef struct state_run {
  ocf_obt_ams_job *jobs;
  size_t n;
} state_run;

static void describe_state(void *user, size_t job, char *out, size_t cap) {
  const ocf_obt_ams_job *j = &((state_run *)user)->jobs[job];
  size_t removed = 0, deleted = 0;
  for (size_t i = 0; i < j->plan.n; i++) {
    removed += j->plan.op[i].n_dropped;
    deleted += j->plan.op[i].remove;
  }
  if (j->target != 3) {
    snprintf(out, cap, "now %s", state_name(j->state_after));
    return;
  }
  char legacy[96] = "", icv[64] = "";
  if (j->legacy_added) snprintf(legacy, sizeof legacy, "; legacy oic.role.owner ACE added (icv %s)", j->icv);
  if (j->icv_unknown) snprintf(icv, sizeof icv, "; icv unreadable: legacy rule not checked");
  snprintf(out, cap,
           "now RFNOP; %zu SVR entr%s removed from anon-clear/auth-crypt ACEs (%zu ACE%s deleted)%s%s",
           removed, removed == 1 ? "y" : "ies", deleted, deleted == 1 ? "" : "s", legacy, icv);
}

/* Reads the ACLs and shows the plans; -1 to go on (the plans approved), or an exit code. */
static int show_plans(const char *cmd, obt_lc_opts *o, obt_prov_cli *c, state_run *r, const ocf_uuid *uuids) {
  obt_prov_cli_job *pj = calloc(r->n, sizeof *pj);
  obt_prov_cli_result *res = calloc(r->n, sizeof *res);
  if (!pj || !res) {
    free(pj);
    free(res);
    return OBT_EXIT_SYSTEM;
  }
  for (size_t i = 0; i < r->n; i++) {
    ocf_obt_ams_job_list(&r->jobs[i]);
    pj[i] = (obt_prov_cli_job){uuids[i], ocf_obt_ams_step, &r->jobs[i]};
  }
  obt_prov_cli_run_params p = {
      .what = "acl list", .jobs = pj, .n_jobs = r->n, .results = res, .print = false};
  int rc = obt_prov_cli_run(c, &p);
  FILE *out = o->json ? stderr : stdout;
  size_t to_remove = 0;
  for (size_t i = 0; i < r->n; i++) {
    char u[OCF_UUID_STR_LEN], text[4096];
    ocf_uuid_format(&uuids[i], u);
    if (!res[i].ok) {
      fprintf(stderr, "obt %s: %s: cannot read its ACL (%s): %s\n", cmd, u,
              res[i].failure.stage ? res[i].failure.stage : "?", ocf_strerror(res[i].failure.err));
      continue;
    }
    ocf_obt_acl_plan *plan = malloc(sizeof *plan);
    if (!plan) {
      rc = OBT_EXIT_SYSTEM;
      break;
    }
    ocf_obt_acl_plan_rfnop(&r->jobs[i].acl, plan);
    ocf_obt_acl_plan_describe(plan, text, sizeof text);
    fprintf(out, "%s: before RFNOP (OBT 5.2):\n%s", u, text);
    to_remove += plan->n;
    r->jobs[i].approved = *plan; /* kept until the state job is set up */
    free(plan);
  }
  free(pj);
  free(res);
  if (rc) return rc;
  if (to_remove == 0) return -1;
  return obt_lc_confirm(cmd, o, "Remove these entries and move to RFNOP?");
}

int obt_ams_cli_state(const char *cmd, obt_lc_opts *o, ocf_obt_store *s, const ocf_uuid *uuids, size_t n,
                      uint8_t state, bool policy, const ocf_uuid *tool, const char (*icvs)[40]) {
  state_run r = {calloc(n, sizeof *r.jobs), n};
  obt_prov_cli_job *pj = calloc(n, sizeof *pj);
  obt_prov_cli *c = NULL;
  int rc = r.jobs && pj ? obt_prov_cli_open(cmd, o, s, uuids, n, &c) : OBT_EXIT_SYSTEM;
  /* The precheck is shown first unless the default policy comes with it (onboard --to rfnop:
   * the user approved the onboarding, and the device holds nothing but what we wrote). */
  if (rc < 0 && state == 3 && !policy) rc = show_plans(cmd, o, c, &r, uuids);
  for (size_t i = 0; rc < 0 && i < n; i++) {
    ocf_obt_acl_plan *approved = state == 3 && !policy ? malloc(sizeof *approved) : NULL;
    if (approved) *approved = r.jobs[i].approved;
    if (ocf_obt_ams_job_state(&r.jobs[i], state) != OCF_OK) rc = OBT_EXIT_USAGE;
    if (approved) {
      r.jobs[i].has_approved = true;
      r.jobs[i].approved = *approved;
      free(approved);
    }
    r.jobs[i].default_policy = policy;
    if (tool) r.jobs[i].tool = *tool;
    if (icvs) memcpy(r.jobs[i].icv, icvs[i], sizeof r.jobs[i].icv);
    r.jobs[i].icv[sizeof r.jobs[i].icv - 1] = '\0';
    pj[i] = (obt_prov_cli_job){uuids[i], ocf_obt_ams_step, &r.jobs[i]};
  }
  if (rc < 0) {
    obt_prov_cli_run_params p = {.what = state == 3   ? "state rfnop"
                                         : state == 2 ? "state rfpro"
                                                      : "state sreset",
                                 .jobs = pj,
                                 .n_jobs = n,
                                 .print = true,
                                 .describe = describe_state,
                                 .user = &r};
    rc = obt_prov_cli_run(c, &p);
  }
  obt_prov_cli_close(c);
  free(pj);
  free(r.jobs);
  return rc < 0 ? OBT_EXIT_OK : rc;
}
