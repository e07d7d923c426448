/* The chain of provisioning runs obt oscore and obt group share (oscore_cli.h, ADR 0022). */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include "oscore_cli.h"

#include <stdlib.h>
#include <string.h>

/* --- the command line ------------------------------------------------------------------------- */

/* -1 to go on, or the exit code. Operands that are not uuids are taken as NAME (group). */
int osc_parse_args(const char *cmd, const char *usage, bool want_name, int argc, char **argv, osc_args *a) {
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
      fputs(usage, stdout);
      return OBT_EXIT_OK;
    }
    const char **text = strcmp(s, "--client") == 0   ? &a->clients
                        : strcmp(s, "--server") == 0 ? &a->servers
                        : strcmp(s, "--desc") == 0   ? &a->desc
                                                     : NULL;
    if (text || strcmp(s, "--id-len") == 0) {
      if (!v) {
        fprintf(stderr, "obt %s: %s needs a value\n", cmd, s);
        return OBT_EXIT_USAGE;
      }
      if (text) {
        *text = v;
      } else {
        char *end = NULL;
        unsigned long n = strtoul(v, &end, 10);
        if (!*v || *end || n < OCF_OBT_OSCORE_ID_MIN || n > OCF_OBT_OSCORE_ID_MAX) {
          fprintf(stderr, "obt %s: --id-len must be 2 to 7\n", cmd);
          return OBT_EXIT_USAGE;
        }
        a->id_len = (unsigned)n;
      }
      i++;
      continue;
    }
    if (want_name && s[0] != '-' && !a->name) {
      ocf_uuid u;
      if (ocf_uuid_parse(s, strlen(s), &u) != OCF_OK) {
        a->name = s;
        continue;
      }
    }
    int handled = obt_lc_opt_parse(&a->o, cmd, argc, argv, &i);
    if (handled < 0) return OBT_EXIT_USAGE;
    if (!handled || strcmp(s, "-y") == 0 || strcmp(s, "--yes") == 0) {
      fprintf(stderr, "obt %s: unknown option '%s' (see --help)\n", cmd, s);
      return OBT_EXIT_USAGE;
    }
  }
  return -1;
}

/* --- runs ------------------------------------------------------------------------------------- */

/* One run over the jobs selected (sel NULL: all); results land in r->res. Returns the exit code
 * of obt_prov_cli_run (system errors printed). */
int osc_run_jobs(osc_run *r, const char *what, const bool *sel) {
  obt_prov_cli_job pj[OCF_OBT_GROUP_MEMBERS_MAX];
  size_t map[OCF_OBT_GROUP_MEMBERS_MAX], n = 0;
  for (size_t i = 0; i < r->n; i++) {
    if (sel && !sel[i]) continue;
    pj[n] = (obt_prov_cli_job){.uuid = r->u[i], .step = ocf_obt_oscore_step, .user = &r->jobs[i]};
    if (r->jobs[i].phase != OCF_OBT_OSCORE_CHECK) { /* a device in RFNOP refuses cred writes */
      ocf_obt_rfpro_init(&r->wraps[i], ocf_obt_oscore_step, &r->jobs[i]);
      pj[n].step = ocf_obt_rfpro_step;
      pj[n].user = &r->wraps[i];
    }
    map[n++] = i;
  }
  if (!n) return OBT_EXIT_OK;
  obt_prov_cli_result res[OCF_OBT_GROUP_MEMBERS_MAX];
  memset(res, 0, sizeof res);
  obt_prov_cli_run_params p = {.what = what, .jobs = pj, .n_jobs = n, .results = res, .print = false};
  int rc = obt_prov_cli_run(r->c, &p);
  for (size_t k = 0; k < n; k++) r->res[map[k]] = res[k];
  return rc;
}

void osc_print_fail(const osc_run *r, size_t i, const ocf_obt_prov_failure *f) {
  const ocf_obt_device_record *rec = obt_prov_cli_record(r->c, &r->u[i]);
  char uuid[OCF_UUID_STR_LEN];
  ocf_uuid_format(&r->u[i], uuid);
  if (r->a->o.json) {
    printf("{\"event\": \"result\", \"uuid\": \"%s\", \"outcome\": \"failed\", \"undone\": %s, \"left\": %s, "
           "\"stage\": ",
           uuid, r->undone[i] ? "true" : "false", r->left[i] ? "true" : "false");
    obt_json_string(stdout, f->stage ? f->stage : "");
    printf(", \"code\": %u, \"error\": ", (unsigned)f->code);
    obt_json_string(stdout, ocf_strerror(f->err));
    printf(", \"diagnostic\": ");
    obt_json_string(stdout, f->diagnostic);
    printf(", \"advice\": ");
    obt_json_string(stdout, f->advice ? f->advice : "");
    printf("}\n");
    return;
  }
  obt_colour col;
  obt_colour_init(&col, stdout);
  printf("%sFAILED%s  %s  %-20s  at %s", col.bad, col.off, uuid, rec ? rec->name : "",
         f->stage ? f->stage : "?");
  if (f->code)
    printf(": the device answered %u.%02u \"%s\"", f->code / 100, f->code % 100, f->diagnostic);
  else
    printf(": %s (%s)", f->diagnostic, ocf_strerror(f->err));
  if (r->undone[i]) printf("; its new context was removed again");
  if (r->left[i]) printf("; %sa new context may remain on it%s", col.warn, col.off);
  printf("%s%s\n", f->advice && f->advice[0] ? " -- " : "", f->advice ? f->advice : "");
}

void osc_print_ok(const osc_run *r, size_t i, const char *verb) {
  const ocf_obt_oscore_job *j = &r->jobs[i];
  const ocf_obt_device_record *rec = obt_prov_cli_record(r->c, &r->u[i]);
  char uuid[OCF_UUID_STR_LEN], subject[OCF_UUID_STR_LEN];
  ocf_uuid_format(&r->u[i], uuid);
  if (r->a->o.json) {
    printf("{\"event\": \"result\", \"uuid\": \"%s\", \"name\": ", uuid);
    obt_json_string(stdout, rec ? rec->name : "");
    printf(", \"outcome\": \"ok\", \"action\": \"%s\", \"removed\": %u, \"contexts\": [", verb,
           (unsigned)j->removed);
    for (size_t k = 0; j->phase == OCF_OBT_OSCORE_WRITE && k < j->n_ctx; k++) {
      ocf_uuid_format(&j->ctx[k].subject, subject);
      printf("%s{\"credid\": %u, \"credtype\": %u, \"subject\": \"%s\", \"senderid\": \"%s\", "
             "\"recipientid\": \"%s\"}",
             k ? ", " : "", (unsigned)j->ctx[k].credid, (unsigned)j->ctx[k].credtype, subject,
             j->ctx[k].senderid, j->ctx[k].recipientid);
    }
    printf("]}\n");
    return;
  }
  obt_colour col;
  obt_colour_init(&col, stdout);
  printf("%s%-8s%s  %s  %-20s", col.ok, verb, col.off, uuid, rec ? rec->name : "");
  if (j->phase != OCF_OBT_OSCORE_WRITE)
    printf("  %u context%s removed", (unsigned)j->removed, j->removed == 1 ? "" : "s");
  for (size_t k = 0; j->phase == OCF_OBT_OSCORE_WRITE && k < j->n_ctx; k++) {
    printf("%s credid %u (%s", k ? ";" : " ", (unsigned)j->ctx[k].credid,
           ocf_obt_credtype_name(j->ctx[k].credtype));
    if (j->ctx[k].senderid[0]) printf(" sender %s", j->ctx[k].senderid);
    if (j->ctx[k].recipientid[0]) printf(" recipient %s", j->ctx[k].recipientid);
    printf(")");
  }
  printf("\n");
}

int osc_exit_of(const osc_run *r) {
  bool all_ok = true, timeouts = true;
  for (size_t i = 0; i < r->n; i++) {
    all_ok &= r->ok[i];
    if (!r->ok[i] && r->fail[i].err != OCF_ERR_TIMEOUT &&
        !(r->fail[i].stage && strcmp(r->fail[i].stage, "peer failed") == 0))
      timeouts = false;
  }
  return all_ok ? OBT_EXIT_OK : timeouts ? OBT_EXIT_TIMEOUT : OBT_EXIT_FAILED;
}

/* Marks every device failed: its own failure, or "peer failed" (the others). */
void osc_fail_all(osc_run *r, const char *peer_note) {
  for (size_t i = 0; i < r->n; i++) {
    if (!r->res[i].ok) {
      r->ok[i] = false;
      r->fail[i] = r->res[i].failure;
    } else if (r->ok[i]) {
      r->ok[i] = false;
      r->fail[i] = (ocf_obt_prov_failure){
          .stage = "peer failed", .err = OCF_ERR_STATE, .advice = "see the other device's failure"};
      snprintf(r->fail[i].diagnostic, sizeof r->fail[i].diagnostic, "%s", peer_note);
    }
  }
}

/* CHECK on every device: -1 to go on (every device passed), or the exit code (printed). */
int osc_check_all(osc_run *r, const char *what) {
  for (size_t i = 0; i < r->n; i++) {
    ocf_obt_oscore_job_init(&r->jobs[i], OCF_OBT_OSCORE_CHECK, &r->u[i]);
    r->jobs[i].need_sct = r->need[i] ? r->need[i] : (uint16_t)(r->client[i] ? 128u : 256u);
    r->ok[i] = true;
  }
  int rc = osc_run_jobs(r, what, NULL);
  if (rc == OBT_EXIT_SYSTEM) return rc;
  bool all = true;
  for (size_t i = 0; i < r->n; i++) all &= r->res[i].ok;
  if (all) return -1;
  osc_fail_all(r, "another device failed its check: nothing was written");
  for (size_t i = 0; i < r->n; i++) osc_print_fail(r, i, &r->fail[i]);
  if (r->a->o.json && !r->inner) printf("{\"event\": \"done\", \"ok\": false}\n");
  return osc_exit_of(r);
}

/* WRITE (jobs' ctx filled by the caller), then UNDO on failure. -1: all written; else the exit
 * code, failures printed. */
int osc_write_all(osc_run *r, const char *what, const char *undo_what) {
  for (size_t i = 0; i < r->n; i++) {
    ocf_obt_oscore_job *j = &r->jobs[i];
    ocf_obt_oscore_ctx keep[OCF_OBT_OSCORE_CTX_MAX];
    size_t n_ctx = j->n_ctx;
    memcpy(keep, j->ctx, sizeof keep);
    ocf_obt_oscore_job_init(j, OCF_OBT_OSCORE_WRITE, &r->u[i]);
    memcpy(j->ctx, keep, sizeof keep);
    j->n_ctx = n_ctx;
    j->secret = r->secret;
  }
  int rc = osc_run_jobs(r, what, NULL);
  for (size_t i = 0; i < r->n; i++) ocf_obt_oscore_job_wipe(&r->jobs[i]);
  explicit_bzero(r->secret, sizeof r->secret); /* on the devices now, or nowhere */
  if (rc == OBT_EXIT_SYSTEM) return rc;
  bool all = true;
  for (size_t i = 0; i < r->n; i++) all &= r->res[i].ok;
  if (all) return -1;
  /* Undo: every device that holds (or may hold: its POST went out) a new context. The new ids
   * are in use nowhere else on these devices (they were drawn distinct), so they select exactly
   * the new entries. */
  osc_fail_all(r, "another device failed: this device's new context was removed again");
  bool sel[OCF_OBT_GROUP_MEMBERS_MAX] = {false};
  ocf_obt_oscore_match m = {.types = OSCORE_ALL_TYPES};
  for (size_t i = 0; i < r->n; i++)
    for (size_t k = 0; k < r->jobs[i].n_ctx && m.n_ids + 2 <= OCF_OBT_OSCORE_IDS_MAX; k++) {
      if (r->jobs[i].ctx[k].senderid[0])
        snprintf(m.ids[m.n_ids++], sizeof m.ids[0], "%s", r->jobs[i].ctx[k].senderid);
      if (r->jobs[i].ctx[k].recipientid[0])
        snprintf(m.ids[m.n_ids++], sizeof m.ids[0], "%s", r->jobs[i].ctx[k].recipientid);
    }
  for (size_t i = 0; i < r->n; i++) {
    sel[i] = r->res[i].ok || r->jobs[i].post_sent;
    if (!sel[i]) continue;
    ocf_obt_oscore_job_init(&r->jobs[i], OCF_OBT_OSCORE_REMOVE, &r->u[i]);
    r->jobs[i].match = m;
  }
  rc = osc_run_jobs(r, undo_what, sel);
  for (size_t i = 0; i < r->n; i++) {
    if (!sel[i]) continue;
    if (rc != OBT_EXIT_SYSTEM && r->res[i].ok) {
      r->undone[i] = true;
    } else {
      r->left[i] = true;
      r->fail[i].advice = "a new context may remain on this device: check with obt creds UUID";
    }
  }
  for (size_t i = 0; i < r->n; i++) osc_print_fail(r, i, &r->fail[i]);
  if (r->a->o.json && !r->inner) printf("{\"event\": \"done\", \"ok\": false}\n");
  return osc_exit_of(r);
}

/* After a successful write: remove what it replaced (match per device, set by the caller).
 * A failure here leaves an old context behind, reported but not fatal. */
void osc_retire_all(osc_run *r, const char *what, const ocf_obt_oscore_match *per_device) {
  ocf_obt_oscore_job *saved = calloc(r->n, sizeof *saved);
  if (!saved) return;
  memcpy(saved, r->jobs, r->n * sizeof *saved);
  for (size_t i = 0; i < r->n; i++) {
    ocf_obt_oscore_job_init(&r->jobs[i], OCF_OBT_OSCORE_REMOVE, &r->u[i]);
    r->jobs[i].match = per_device[i];
  }
  int rc = osc_run_jobs(r, what, NULL);
  for (size_t i = 0; i < r->n; i++) {
    uint32_t removed = r->jobs[i].removed;
    if (rc == OBT_EXIT_SYSTEM || !r->res[i].ok)
      fprintf(stderr, "obt %s: an old context may remain on %s (%s): remove it with obt creds and a retry\n",
              r->cmd, obt_prov_cli_record(r->c, &r->u[i]) ? obt_prov_cli_record(r->c, &r->u[i])->name : "?",
              r->res[i].failure.diagnostic);
    r->jobs[i] = saved[i];
    r->jobs[i].removed = removed;
  }
  free(saved);
}

int osc_audit(osc_run *r, const char *action, const char *detail) {
  ocf_err err = ocf_obt_store_audit_append(r->s, obt_wall_ms(), obt_prov_cli_actor(r->c), action, detail);
  if (err) fprintf(stderr, "obt %s: the audit log could not be written: %s\n", r->cmd, ocf_strerror(err));
  return err ? OBT_EXIT_SYSTEM : -1;
}

int osc_store_done(osc_run *r, ocf_err err) {
  if (!err) err = ocf_obt_store_commit(r->s);
  if (err) {
    ocf_obt_store_rollback(r->s);
    fprintf(stderr, "obt %s: the domain store could not record it: %s\n", r->cmd, ocf_strerror(err));
    return OBT_EXIT_SYSTEM;
  }
  return -1;
}

/* Every OSCORE id on the checked devices, and (taken_groups) those of the domain's groups. */

static bool add_group_ids(void *user, const ocf_obt_group_record *g) {
  taken_ids *t = user;
  size_t cap = sizeof t->ids / sizeof t->ids[0];
  if (t->n < cap) snprintf(t->ids[t->n++], sizeof t->ids[0], "%s", g->gid);
  for (size_t i = 0; i < g->n_members && t->n < cap; i++)
    if (g->members[i].senderid[0]) snprintf(t->ids[t->n++], sizeof t->ids[0], "%s", g->members[i].senderid);
  return true;
}

int osc_collect_taken(osc_run *r, taken_ids *t, bool groups) {
  t->n = 0;
  for (size_t i = 0; i < r->n; i++)
    t->n = ocf_obt_oscore_ids_in_use(&r->jobs[i].creds, t->ids, t->n, sizeof t->ids / sizeof t->ids[0]);
  if (groups && ocf_obt_store_group_list(r->s, add_group_ids, t) != OCF_OK) {
    fprintf(stderr, "obt %s: the domain store could not list the groups\n", r->cmd);
    return OBT_EXIT_SYSTEM;
  }
  return -1;
}

/* A fresh id, added to taken. */
int osc_draw_id(osc_run *r, taken_ids *t, uint8_t prefix, ocf_obt_oscore_id out) {
  ocf_err err = ocf_obt_oscore_new_id(obt_prov_cli_engine(r->c), prefix, r->a->id_len, t->ids, t->n, out);
  if (err) {
    fprintf(stderr, "obt %s: no fresh id: %s\n", r->cmd, ocf_strerror(err));
    return OBT_EXIT_SYSTEM;
  }
  if (t->n < sizeof t->ids / sizeof t->ids[0]) snprintf(t->ids[t->n++], sizeof t->ids[0], "%s", out);
  return -1;
}

/* Opens the store and the network for r->u[0..n). */
int osc_open_run(osc_run *r) {
  int rc = obt_lc_open_store(r->cmd, &r->a->o, true, &r->s);
  if (rc < 0) rc = obt_prov_cli_open(r->cmd, &r->a->o, r->s, r->u, r->n, &r->c);
  if (rc < 0) {
    r->jobs = calloc(OCF_OBT_GROUP_MEMBERS_MAX, sizeof *r->jobs); /* a rekey may visit members that left */
    if (!r->jobs) rc = OBT_EXIT_SYSTEM;
  }
  return rc;
}

void osc_close_run(osc_run *r) {
  explicit_bzero(r->secret, sizeof r->secret);
  if (r->jobs)
    for (size_t i = 0; i < r->n; i++) ocf_obt_oscore_job_wipe(&r->jobs[i]);
  free(r->jobs);
  fflush(stdout);
  obt_prov_cli_close(r->c);
  if (r->s) ocf_obt_store_close(r->s);
}
