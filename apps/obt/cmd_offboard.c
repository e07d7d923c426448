/* obt offboard: a device leaves the domain (issue 6 item 5). Every other owned device loses what
 * names it (ACEs with subject uuid:DEV, credentials whose subject is DEV: <ocf/ocf_obt_policy.h>'s
 * purge job), then the device is reset and forgotten as obt reset does. A peer that does not
 * answer keeps its pairing record, so running the command again (also once the device itself
 * is forgotten) finishes the job (ADR 0023). */
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_obt_policy.h>

#include "prov_cli.h"

static const char offboard_usage[] =
    "usage: obt offboard DEVICE... [options]\n"
    "\n"
    "Takes owned devices out of the security domain for good: first every other owned device\n"
    "loses what names a leaving device (its ACEs whose subject is the device's uuid, and the\n"
    "credentials whose subject it is: pairwise keys, OSCORE contexts), over their owner\n"
    "sessions; a device in RFNOP is moved to RFPRO for the change and back. Then each leaving\n"
    "device is reset to its factory state (RFOTM) and forgotten, as obt reset does. The plan\n"
    "is shown first and approved (--yes for scripts).\n"
    "A peer that does not answer is reported and keeps its pairing record: run the command\n"
    "again (also after the device itself was forgotten) to finish. DEVICE is a uuid (obt devices).\n"
    "\n"
    "options:\n"
    "  -y, --yes             do not ask for confirmation (scripts)\n"
    "  -w, --window MS       how long to look for the devices by multicast (default 3000)\n"
    "  -t, --timeout S       seconds each handshake and request may take (default 30)\n"
    "  -i, --interface IF    send and listen on this interface (repeatable)\n"
    "  -4, --ipv4-only / -6, --ipv6-only\n"
    "  -s, --store PATH      the domain store (default $XDG_DATA_HOME/obt/domain.db)\n"
    "  -k, --key-file PATH   the domain key file (default: the one the domain was created with)\n"
    "      --passphrase-env VAR  the domain passphrase is in environment variable VAR\n"
    "      --json            one JSON object per line and device on stdout\n"
    "  -v, --verbose         log more on stderr\n"
    "  -h, --help            this text\n"
    "\n"
    "exit status: 0 done, 1 a device refused, 2 usage, 3 system error, 4 a device did not answer\n";

typedef struct offboard {
  obt_lc_opts o;
  ocf_obt_store *s;
  ocf_uuid *leaving;
  size_t n_leaving;
  ocf_uuid *peers; /* owned devices that stay */
  size_t n_peers;
  bool *known; /* leaving[i] is in the store */
} offboard;

static bool is_leaving(const offboard *ob, const ocf_uuid *u) {
  for (size_t i = 0; i < ob->n_leaving; i++)
    if (ocf_uuid_equal(&ob->leaving[i], u)) return true;
  return false;
}

static bool collect_peer(void *user, const ocf_obt_device_record *d) {
  offboard *ob = user;
  if (d->state == OCF_OBT_DEVICE_OWNED && !is_leaving(ob, &d->uuid)) ob->peers[ob->n_peers++] = d->uuid;
  return true;
}

static bool print_pairing(void *user, const ocf_obt_pairing_record *r) {
  char u[OCF_UUID_STR_LEN];
  ocf_uuid_format(&r->b, u);
  if (r->credid_b)
    printf("    pairwise key with %s (its credid %u)\n", u, (unsigned)r->credid_b);
  else /* credid 0: an external client (obt pair --client), which obt cannot reach */
    printf("    key for the external client %s (held by this device only)\n", u);
  (void)user;
  return true;
}

/* A group the device is a member of: its context goes with the reset, but the others keep the
 * group's secret, which the device knew (ADR 0022: a rekey takes a member out). */
typedef struct group_note {
  const ocf_uuid *dev;
  FILE *out;
} group_note;

static bool note_group(void *user, const ocf_obt_group_record *g) {
  group_note *n = user;
  for (size_t i = 0; i < g->n_members; i++)
    if (ocf_uuid_equal(&g->members[i].uuid, n->dev))
      fprintf(n->out, "    member of OSCORE group \"%s\": rekey it after (obt group rekey)\n", g->name);
  return true;
}

/* Prints what will happen; -1 to go on, or an exit code. */
static int show_plan(offboard *ob) {
  FILE *out = ob->o.json ? stderr : stdout;
  for (size_t i = 0; i < ob->n_leaving; i++) {
    char u[OCF_UUID_STR_LEN];
    ocf_uuid_format(&ob->leaving[i], u);
    ocf_obt_device_record rec;
    ob->known[i] = ocf_obt_store_device_get(ob->s, &ob->leaving[i], &rec) == OCF_OK;
    fprintf(out, "%s %s:\n", u, ob->known[i] ? rec.name : "(forgotten by the store: peers only)");
    if (!ob->o.json && ocf_obt_store_pairing_list(ob->s, &ob->leaving[i], print_pairing, NULL) != OCF_OK)
      return OBT_EXIT_SYSTEM;
    fprintf(out, "    remove the ACEs and credentials naming it from %zu other owned device%s\n", ob->n_peers,
            ob->n_peers == 1 ? "" : "s");
    if (ob->known[i]) fprintf(out, "    then reset it (RFOTM) and forget it\n");
    group_note gn = {&ob->leaving[i], out};
    if (ocf_obt_store_group_list(ob->s, note_group, &gn) != OCF_OK) return OBT_EXIT_SYSTEM;
  }
  return obt_lc_confirm("offboard", &ob->o, "Offboard these devices?");
}

typedef struct purge_run {
  ocf_obt_edit_job *jobs;
} purge_run;

static void describe_purge(void *user, size_t job, char *out, size_t cap) {
  const ocf_obt_edit_job *j = &((purge_run *)user)->jobs[job];
  snprintf(out, cap, "%zu ACE%s and %u credential%s naming it removed%s", j->n_removed,
           j->n_removed == 1 ? "" : "s", (unsigned)j->removed_creds, j->removed_creds == 1 ? "" : "s",
           j->was_rfnop ? " (RFNOP kept)" : "");
}

/* Purges one leaving device from every peer; forgets the records of the peers that did it.
 * Returns an exit code (0 all done). */
static int purge_peers(offboard *ob, obt_prov_cli *c, const ocf_uuid *leaving) {
  purge_run r = {calloc(ob->n_peers, sizeof *r.jobs)};
  obt_prov_cli_job *pj = calloc(ob->n_peers, sizeof *pj);
  obt_prov_cli_result *res = calloc(ob->n_peers, sizeof *res);
  int rc = r.jobs && pj && res ? OBT_EXIT_OK : OBT_EXIT_SYSTEM;
  for (size_t i = 0; rc == OBT_EXIT_OK && i < ob->n_peers; i++) {
    if (ocf_obt_edit_job_purge(&r.jobs[i], leaving) != OCF_OK) rc = OBT_EXIT_SYSTEM;
    pj[i] = (obt_prov_cli_job){ob->peers[i], ocf_obt_edit_step, &r.jobs[i]};
  }
  if (rc == OBT_EXIT_OK) {
    obt_prov_cli_run_params p = {.what = "offboard peer",
                                 .jobs = pj,
                                 .n_jobs = ob->n_peers,
                                 .results = res,
                                 .print = true,
                                 .describe = describe_purge,
                                 .user = &r};
    rc = obt_prov_cli_run(c, &p);
  }
  bool all = rc == OBT_EXIT_OK;
  for (size_t i = 0; rc != OBT_EXIT_SYSTEM && i < ob->n_peers; i++)
    if (res[i].ok && (ocf_obt_store_pairing_remove(ob->s, leaving, &ob->peers[i]) != OCF_OK ||
                      ocf_obt_store_oscore_pair_remove(ob->s, leaving, &ob->peers[i]) != OCF_OK))
      rc = OBT_EXIT_SYSTEM;
  if (all && ocf_obt_store_applied_forget(ob->s, leaving) != OCF_OK) rc = OBT_EXIT_SYSTEM;
  free(r.jobs);
  free(pj);
  free(res);
  return rc;
}

static int worse(int a, int b) {
  return a == OBT_EXIT_SYSTEM || b == OBT_EXIT_SYSTEM ? OBT_EXIT_SYSTEM : a > b ? a : b;
}

static int run_offboard(offboard *ob) {
  int rc = OBT_EXIT_OK;
  if (ob->n_peers) {
    obt_prov_cli *c = NULL;
    int orc = obt_prov_cli_open("offboard", &ob->o, ob->s, ob->peers, ob->n_peers, &c);
    if (orc >= 0) return orc;
    for (size_t i = 0; i < ob->n_leaving && rc != OBT_EXIT_SYSTEM; i++)
      rc = worse(rc, purge_peers(ob, c, &ob->leaving[i]));
    obt_prov_cli_close(c);
  }
  ocf_uuid *reset = calloc(ob->n_leaving, sizeof *reset);
  size_t n = 0;
  for (size_t i = 0; reset && i < ob->n_leaving; i++)
    if (ob->known[i]) reset[n++] = ob->leaving[i];
  if (!reset) rc = OBT_EXIT_SYSTEM;
  if (n && rc != OBT_EXIT_SYSTEM)
    rc = worse(rc, obt_lc_run("offboard", &ob->o, ob->s, OCF_OBT_LC_RESET, reset, n, true));
  free(reset);
  return rc;
}

static int parse_offboard_args(int argc, char **argv, obt_lc_opts *o) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      fputs(offboard_usage, stdout);
      return OBT_EXIT_OK;
    }
    int handled = obt_lc_opt_parse(o, "offboard", argc, argv, &i);
    if (handled < 0) return OBT_EXIT_USAGE;
    if (!handled) {
      fprintf(stderr, "obt offboard: unknown option '%s' (see obt offboard --help)\n", argv[i]);
      return OBT_EXIT_USAGE;
    }
  }
  if (o->n_uuids == 0) {
    fprintf(stderr, "obt offboard: name the devices that leave (their uuids, see obt devices)\n");
    return OBT_EXIT_USAGE;
  }
  return -1;
}

int obt_cmd_offboard(int argc, char **argv) {
  offboard *ob = calloc(1, sizeof *ob);
  if (!ob) return OBT_EXIT_SYSTEM;
  obt_net_opts_init(&ob->o.net);
  ob->o.uuids = calloc((size_t)argc, sizeof *ob->o.uuids);
  ob->leaving = calloc((size_t)argc, sizeof *ob->leaving);
  ob->known = calloc((size_t)argc, sizeof *ob->known);
  size_t n_dev = 0;
  int rc =
      ob->o.uuids && ob->leaving && ob->known ? parse_offboard_args(argc, argv, &ob->o) : OBT_EXIT_SYSTEM;
  if (rc < 0) ob->n_leaving = obt_lc_uuids(&ob->o, ob->leaving);
  if (rc < 0) rc = obt_lc_open_store("offboard", &ob->o, true, &ob->s);
  if (rc < 0 && ocf_obt_store_device_count(ob->s, &n_dev) != OCF_OK) rc = OBT_EXIT_SYSTEM;
  if (rc < 0 && !(ob->peers = calloc(n_dev + 1, sizeof *ob->peers))) rc = OBT_EXIT_SYSTEM;
  if (rc < 0 && ocf_obt_store_device_list(ob->s, collect_peer, ob) != OCF_OK) rc = OBT_EXIT_SYSTEM;
  if (rc < 0) rc = show_plan(ob);
  if (rc < 0) rc = run_offboard(ob);
  ocf_obt_store_close(ob->s);
  free(ob->o.uuids);
  free(ob->leaving);
  free(ob->known);
  free(ob->peers);
  free(ob);
  return rc;
}
