/* obt oscore pair|unpair: OSCORE pairwise contexts (S003 6.3, credtype 64) between two owned
 * devices (<ocf/ocf_obt_oscore.h>, ADR 0022): check both, draw ids and the Master Secret, write,
 * then undo a failed write or retire the contexts a successful one replaced; the store records
 * the outcome (never a secret). */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include <stdlib.h>
#include <string.h>

#include "oscore_cli.h"

static const char oscore_usage[] =
    "usage: obt oscore pair DEV_A DEV_B [--id-len N] [options]\n"
    "       obt oscore unpair DEV_A DEV_B [options]\n"
    "\n"
    "pair gives two owned devices an OSCORE pairwise security context (S003 6.3): a credtype 64\n"
    "credential on each, whose subject is the other device, with a fresh 256-bit Master Secret\n"
    "and two ids (first byte 0x01, N bytes, default 7; each distinct from every OSCORE id already\n"
    "on either device): A's senderid is B's recipientid and the reverse. Both devices must list\n"
    "credtype 64 in doxm.sct, else nothing is written. The secret goes to each device over its\n"
    "owner session and is never stored by obt. An older context between the two is replaced\n"
    "once both hold the new one; when one device fails, the other's new context is removed again.\n"
    "unpair removes every credtype 64 context each device holds for the other.\n"
    "obt provisions the contexts only: it does not protect messages with OSCORE.\n"
    "\n"
    "options:\n"
    "      --id-len N        bytes of each id, 2..7 (default 7: some devices take only 7)\n"
    "  -w, --window MS, -t, --timeout S, -i, --interface IF, -4, -6, -s, --store PATH,\n"
    "  -k, --key-file PATH, --passphrase-env VAR, -v    as for obt pair\n"
    "      --json            one JSON object per device on stdout, then a \"done\" object\n"
    "  -h, --help            this text\n"
    "\n"
    "exit status: 0 done, 1 a device refused or cannot hold the context, 2 usage, 3 system error,\n"
    "4 a device did not answer\n";

/* --- obt oscore pair / unpair ----------------------------------------------------------------- */

/* S003 6.3: idA, idB (first byte 0x01) distinct from the recipientids on the peer; we keep
 * them distinct from every id on both devices, and from each other (one Master Secret: equal
 * sender ids would mean equal nonces). Then the secret and each side's context. */
static int plan_pair(osc_run *r, ocf_obt_oscore_id id[2]) {
  taken_ids *t = calloc(1, sizeof *t);
  int rc = t ? osc_collect_taken(r, t, false) : OBT_EXIT_SYSTEM;
  for (size_t i = 0; rc < 0 && i < 2; i++) rc = osc_draw_id(r, t, OCF_OBT_OSCORE_PAIRWISE_PREFIX, id[i]);
  free(t);
  if (rc >= 0) return rc;
  if (ocf_obt_oscore_new_secret(obt_prov_cli_engine(r->c), r->secret) != OCF_OK) {
    fprintf(stderr, "obt %s: no random Master Secret\n", r->cmd);
    return OBT_EXIT_SYSTEM;
  }
  for (size_t i = 0; i < 2; i++) {
    ocf_obt_oscore_ctx *c = &r->jobs[i].ctx[0];
    memset(c, 0, sizeof *c);
    c->credtype = 64;
    c->subject = r->u[1 - i];
    obt_copy_text(c->senderid, sizeof c->senderid, id[i]);
    obt_copy_text(c->recipientid, sizeof c->recipientid, id[1 - i]);
    r->jobs[i].n_ctx = 1;
  }
  return -1;
}

static int do_oscore_pair(osc_run *r) {
  r->need[0] = r->need[1] = 64; /* OBT 5.4: credtype 64 in both devices' sct */
  int rc = osc_check_all(r, "oscore check");
  if (rc >= 0) return rc;
  ocf_obt_oscore_id id[2];
  if ((rc = plan_pair(r, id)) >= 0) return rc;
  if ((rc = osc_write_all(r, "oscore write", "oscore undo")) >= 0) return rc;
  /* Replace, not add: the older contexts between the two go now that both hold the new one. */
  ocf_obt_oscore_match m[2];
  for (size_t i = 0; i < 2; i++) {
    m[i] = (ocf_obt_oscore_match){
        .types = 64, .has_subject = true, .subject = r->u[1 - i], .n_ids = 2, .keep_ids = true};
    snprintf(m[i].ids[0], sizeof m[i].ids[0], "%s", id[0]);
    snprintf(m[i].ids[1], sizeof m[i].ids[1], "%s", id[1]);
  }
  osc_retire_all(r, "oscore retire", m);
  for (size_t i = 0; i < 2; i++) osc_print_ok(r, i, "paired");
  ocf_obt_oscore_pair_record rec = {.a = r->u[0],
                                    .b = r->u[1],
                                    .credid_a = r->jobs[0].ctx[0].credid,
                                    .credid_b = r->jobs[1].ctx[0].credid,
                                    .created = obt_wall_ms()};
  snprintf(rec.sender_a, sizeof rec.sender_a, "%s", id[0]);
  snprintf(rec.sender_b, sizeof rec.sender_b, "%s", id[1]);
  char a[OCF_UUID_STR_LEN], b[OCF_UUID_STR_LEN], detail[OCF_OBT_AUDIT_DETAIL_MAX + 1];
  ocf_uuid_format(&r->u[0], a);
  ocf_uuid_format(&r->u[1], b);
  snprintf(detail, sizeof detail, "%s and %s: OSCORE pairwise context (credtype 64), sender ids %s and %s", a,
           b, id[0], id[1]);
  ocf_err err = ocf_obt_store_begin(r->s);
  if (!err) err = ocf_obt_store_oscore_pair_put(r->s, &rec);
  if (!err && (rc = osc_audit(r, "oscore pair", detail)) >= 0) err = OCF_ERR_IO;
  if ((rc = osc_store_done(r, err)) >= 0) return rc;
  if (r->a->o.json) printf("{\"event\": \"done\", \"ok\": true}\n");
  return OBT_EXIT_OK;
}

static int do_oscore_unpair(osc_run *r) {
  for (size_t i = 0; i < 2; i++) {
    ocf_obt_oscore_job_init(&r->jobs[i], OCF_OBT_OSCORE_REMOVE, &r->u[i]);
    r->jobs[i].match = (ocf_obt_oscore_match){.types = 64, .has_subject = true, .subject = r->u[1 - i]};
  }
  int rc = osc_run_jobs(r, "oscore unpair", NULL);
  if (rc == OBT_EXIT_SYSTEM) return rc;
  bool all = true;
  for (size_t i = 0; i < 2; i++) {
    r->ok[i] = r->res[i].ok;
    r->fail[i] = r->res[i].failure;
    all &= r->ok[i];
    if (r->ok[i])
      osc_print_ok(r, i, "unpaired");
    else
      osc_print_fail(r, i, &r->fail[i]);
  }
  char a[OCF_UUID_STR_LEN], b[OCF_UUID_STR_LEN], detail[OCF_OBT_AUDIT_DETAIL_MAX + 1];
  ocf_uuid_format(&r->u[0], a);
  ocf_uuid_format(&r->u[1], b);
  snprintf(detail, sizeof detail, "%s and %s: OSCORE pairwise contexts %s (%u and %u removed)", a, b,
           all ? "removed" : "partly removed", (unsigned)r->jobs[0].removed, (unsigned)r->jobs[1].removed);
  ocf_err err = ocf_obt_store_begin(r->s);
  if (!err && all) err = ocf_obt_store_oscore_pair_remove(r->s, &r->u[0], &r->u[1]);
  if (!err && (rc = osc_audit(r, "oscore unpair", detail)) >= 0) err = OCF_ERR_IO;
  if ((rc = osc_store_done(r, err)) >= 0) return rc;
  if (r->a->o.json) printf("{\"event\": \"done\", \"ok\": %s}\n", all ? "true" : "false");
  return osc_exit_of(r);
}

int obt_cmd_oscore(int argc, char **argv) {
  const char *sub = argc > 1 ? argv[1] : "";
  if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
    fputs(oscore_usage, stdout);
    return OBT_EXIT_OK;
  }
  bool pair = strcmp(sub, "pair") == 0;
  if (!pair && strcmp(sub, "unpair") != 0) {
    fprintf(stderr, "obt oscore: say pair or unpair (see obt oscore --help)\n");
    return OBT_EXIT_USAGE;
  }
  const char *cmd = pair ? "oscore pair" : "oscore unpair";
  osc_args a = {.id_len = OCF_OBT_OSCORE_ID_MAX};
  obt_net_opts_init(&a.o.net);
  a.o.uuids = calloc((size_t)argc, sizeof *a.o.uuids);
  if (!a.o.uuids) return OBT_EXIT_SYSTEM;
  osc_run r = {.cmd = cmd, .a = &a};
  int rc = osc_parse_args(cmd, oscore_usage, false, argc - 1, argv + 1, &a);
  if (rc < 0 && (a.o.n_uuids != 2 || obt_lc_uuids(&a.o, r.u) != 2)) {
    fprintf(stderr, "obt %s: name two different devices (their uuids, see obt devices)\n", cmd);
    rc = OBT_EXIT_USAGE;
  }
  r.n = 2;
  if (rc < 0) {
    ocf_obt_domain d;
    rc = osc_open_run(&r);
    if (rc < 0 && ocf_obt_store_domain_get(r.s, &d) == OCF_OK &&
        (ocf_uuid_equal(&r.u[0], &d.tool_uuid) || ocf_uuid_equal(&r.u[1], &d.tool_uuid))) {
      fprintf(stderr, "obt %s: that is this tool's uuid, not a device\n", cmd);
      rc = OBT_EXIT_USAGE;
    }
  }
  if (rc < 0) rc = pair ? do_oscore_pair(&r) : do_oscore_unpair(&r);
  osc_close_run(&r);
  free(a.o.uuids);
  return rc;
}
