/* obt group create|list|rekey|delete: Simple Secure Multicast groups (S003 6.4, credtypes
 * 128/256) on owned devices (<ocf/ocf_obt_oscore.h>, ADR 0022). */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include <stdlib.h>
#include <string.h>

#include "oscore_cli.h"

static const char group_usage[] =
    "usage: obt group create NAME --client DEV[,DEV...] --server DEV[,DEV...] [--desc TEXT] [--id-len N]\n"
    "       obt group list [--json]\n"
    "       obt group rekey NAME [--client DEV[,DEV...] --server DEV[,DEV...]] [--desc TEXT] [--id-len N]\n"
    "       obt group delete NAME\n"
    "\n"
    "Simple Secure Multicast groups (S003 6.4). create draws a group subjectuuid and a 256-bit\n"
    "Master Secret, gives each client a sender id (first byte 0x02, distinct from every OSCORE id\n"
    "on the members and in the domain's groups; the first client's id is the group's idGroup) and\n"
    "writes an SSM client context (credtype 128: senderid, desc) to each client and one SSM server\n"
    "context (credtype 256: recipientid, desc) per client to each server; clients need credtype\n"
    "128 in doxm.sct, servers 256. When a device fails, the others' new contexts are removed.\n"
    "rekey writes a new secret and new ids to every member, then removes the old contexts (a\n"
    "failed rekey leaves the old ones working); with --client and --server the group gets those\n"
    "members instead, and the devices that leave lose its contexts. delete removes the group's contexts from "
    "every\n"
    "member and, when all succeeded, the group. list shows the groups the domain store knows\n"
    "(those obt apply made are marked: a later obt apply may rekey or delete them). A create cut\n"
    "short (a crash, kill -9) leaves the group listed as interrupted: delete it, then create it\n"
    "again.\n"
    "A member in RFNOP is moved to RFPRO for the change and back.\n"
    "NAME: 1 to 32 printable characters. obt provisions the contexts only: it does not protect\n"
    "messages with OSCORE.\n"
    "\n"
    "options:\n"
    "      --client LIST     create, rekey: the clients (uuids, comma-separated; at most 8)\n"
    "      --server LIST     create, rekey: the servers (uuids, comma-separated)\n"
    "      --desc TEXT       create, rekey: the description (default empty / kept, at most 64 bytes)\n"
    "      --id-len N        create, rekey: bytes of each id, 2..7 (default 7)\n"
    "  -w, --window MS, -t, --timeout S, -i, --interface IF, -4, -6, -s, --store PATH,\n"
    "  -k, --key-file PATH, --passphrase-env VAR, -v    as for obt pair\n"
    "      --json            one JSON object per device (list: per group) on stdout\n"
    "  -h, --help            this text\n"
    "\n"
    "exit status: 0 done, 1 a device refused or cannot hold the context, 2 usage, 3 system error,\n"
    "4 a device did not answer\n";

/* --- obt group -------------------------------------------------------------------------------- */

/* Comma-separated uuids into r (client flag), each once across both lists. */
static int add_members(osc_run *r, const char *list, bool client) {
  const char *p = list;
  while (p && *p) {
    const char *end = strchr(p, ',');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    ocf_uuid u;
    if (ocf_uuid_parse(p, len, &u) != OCF_OK) {
      fprintf(stderr, "obt %s: '%.*s' is not a device uuid\n", r->cmd, (int)len, p);
      return OBT_EXIT_USAGE;
    }
    for (size_t k = 0; k < r->n; k++)
      if (ocf_uuid_equal(&r->u[k], &u)) {
        fprintf(stderr, "obt %s: %.*s is named twice (a device is a client or a server of a group)\n", r->cmd,
                (int)len, p);
        return OBT_EXIT_USAGE;
      }
    if (r->n == OCF_OBT_GROUP_MEMBERS_MAX) {
      fprintf(stderr, "obt %s: at most %d members\n", r->cmd, OCF_OBT_GROUP_MEMBERS_MAX);
      return OBT_EXIT_USAGE;
    }
    r->client[r->n] = client;
    r->u[r->n++] = u;
    p = end ? end + 1 : NULL;
  }
  return -1;
}

static bool name_ok(const char *s) {
  size_t n = s ? strlen(s) : 0;
  if (n < 1 || n > OCF_OBT_GROUP_NAME_MAX) return false;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e) return false;
  return true;
}

static bool desc_ok(const char *s) {
  if (strlen(s) > OCF_OBT_GROUP_DESC_MAX) return false;
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return false;
  return true;
}

/* One id per client (first byte 0x02), distinct from every id on the members and in the
 * domain's groups (S003 6.4). */
static int draw_group_ids(osc_run *r, taken_ids *t, ocf_obt_oscore_id *ids, size_t *n) {
  int rc = osc_collect_taken(r, t, true);
  for (size_t i = 0; rc < 0 && i < r->n; i++)
    if (r->client[i]) rc = osc_draw_id(r, t, OCF_OBT_OSCORE_GROUP_PREFIX, ids[(*n)++]);
  return rc;
}

/* The record of who holds what (credids once the devices gave them). */
static void fill_members(const osc_run *r, ocf_obt_group_record *g, const ocf_obt_oscore_id *ids) {
  g->n_members = r->n;
  for (size_t i = 0, ci = 0; i < r->n; i++) {
    ocf_obt_group_member *m = &g->members[i];
    memset(m, 0, sizeof *m);
    m->uuid = r->u[i];
    m->client = r->client[i];
    if (m->client) obt_copy_text(m->senderid, sizeof m->senderid, ids[ci++]);
    for (size_t k = 0; k < r->jobs[i].n_ctx; k++)
      if (r->jobs[i].ctx[k].credid) m->credids[m->n_credids++] = r->jobs[i].ctx[k].credid;
  }
}

/* Crash safety (docs/HARDENING.md): the group is recorded before any context goes out, with
 * created = 0 ("interrupted" until the write ends), so a kill at any point leaves a record naming
 * the members and ids of every context that may be on a device; obt group delete removes them
 * by those ids (S003 6.4: unique on each device). Without it a killed create left contexts no
 * record named. */
static int record_pending(osc_run *r, ocf_obt_group_record *g) {
  g->created = 0;
  char detail[OCF_OBT_AUDIT_DETAIL_MAX + 1];
  snprintf(detail, sizeof detail, "group %s: writing idGroup %s to %zu members", g->name, g->gid,
           g->n_members);
  ocf_err err = ocf_obt_store_begin(r->s);
  if (!err) err = ocf_obt_store_group_put(r->s, g);
  if (!err && osc_audit(r, "group create", detail) >= 0) err = OCF_ERR_IO;
  return osc_store_done(r, err);
}

/* A failed create: its new contexts were removed again (osc_write_all's undo), so the record
 * goes too, unless a device may still hold one (then obt group delete NAME). */
static void drop_pending(osc_run *r, const ocf_obt_group_record *g) {
  for (size_t i = 0; i < r->n; i++)
    if (r->left[i]) {
      fprintf(stderr, "obt %s: a member may still hold a context of %s: obt group delete %s removes it\n",
              r->cmd, g->name, g->name);
      return;
    }
  ocf_err err = ocf_obt_store_begin(r->s);
  if (!err) err = ocf_obt_store_group_remove(r->s, g->name);
  if (!err && osc_audit(r, "group create", "failed: nothing left on the members") >= 0) err = OCF_ERR_IO;
  (void)osc_store_done(r, err);
}

/* Plans and writes the group's contexts (create and rekey): new ids, secret; g gets the record. */
static int write_group(osc_run *r, ocf_obt_group_record *g, bool rekey) {
  int rc = osc_check_all(r, "group check");
  if (rc >= 0) return rc;
  ocf_obt_oscore_id ids[OCF_OBT_OSCORE_CTX_MAX];
  size_t n_clients = 0;
  taken_ids *t = calloc(1, sizeof *t);
  if (!t) return OBT_EXIT_SYSTEM;
  rc = draw_group_ids(r, t, ids, &n_clients);
  free(t);
  if (rc >= 0) return rc;
  /* S003 6.4: each client's id (first byte 0x02) distinct from every id in the domain; the
   * first client's is the group's idGroup. One id per client: clients share the Master Secret,
   * so equal sender ids would reuse nonces. */
  if (ocf_obt_oscore_new_secret(obt_prov_cli_engine(r->c), r->secret) != OCF_OK ||
      (!rekey && ocf_obt_oscore_new_uuid(obt_prov_cli_engine(r->c), &g->subject) != OCF_OK)) {
    fprintf(stderr, "obt %s: no random values\n", r->cmd);
    return OBT_EXIT_SYSTEM;
  }
  obt_copy_text(g->gid, sizeof g->gid, ids[0]);
  for (size_t i = 0, ci = 0; i < r->n; i++) {
    ocf_obt_oscore_job *j = &r->jobs[i];
    memset(j->ctx, 0, sizeof j->ctx);
    j->n_ctx = 0;
    for (size_t k = 0; k < n_clients; k++) {
      if (r->client[i] && k != ci) continue;
      ocf_obt_oscore_ctx *c = &j->ctx[j->n_ctx++];
      c->credtype = r->client[i] ? 128 : 256;
      c->subject = g->subject; /* S003 6.4: the group's subjectuuid (any valid value on a client) */
      obt_copy_text(r->client[i] ? c->senderid : c->recipientid, sizeof c->senderid, ids[k]);
      obt_copy_text(c->desc, sizeof c->desc, g->desc);
    }
    if (r->client[i]) ci++;
  }
  fill_members(r, g, ids);
  if (!rekey && (rc = record_pending(r, g)) >= 0) return rc;
  rc = osc_write_all(r, rekey ? "group rekey write" : "group write",
                     rekey ? "group rekey undo" : "group undo");
  if (rc >= 0) {
    if (!rekey && rc != OBT_EXIT_SYSTEM) drop_pending(r, g);
    return rc;
  }
  fill_members(r, g, ids); /* with the credids the devices gave */
  return -1;
}

/* Creates g (name, desc, by_apply set by the caller) on r's members and records it. -1 done, else
 * the exit code (failures printed, the written contexts undone). */
int osc_group_create(osc_run *r, ocf_obt_group_record *g) {
  int rc = write_group(r, g, false);
  if (rc >= 0) return rc;
  for (size_t i = 0; i < r->n; i++) osc_print_ok(r, i, r->client[i] ? "client" : "server");
  g->created = obt_wall_ms();
  char detail[OCF_OBT_AUDIT_DETAIL_MAX + 1];
  snprintf(detail, sizeof detail, "group %s created: idGroup %s, %zu members", g->name, g->gid, g->n_members);
  ocf_err err = ocf_obt_store_begin(r->s);
  if (!err) err = ocf_obt_store_group_put(r->s, g);
  if (!err && osc_audit(r, "group create", detail) >= 0) err = OCF_ERR_IO;
  return osc_store_done(r, err);
}

static int group_create(osc_run *r, osc_args *a) {
  ocf_obt_group_record *g = calloc(1, sizeof *g);
  if (!g) return OBT_EXIT_SYSTEM;
  snprintf(g->name, sizeof g->name, "%s", a->name);
  snprintf(g->desc, sizeof g->desc, "%s", a->desc ? a->desc : "");
  ocf_obt_group_record old;
  int rc = -1;
  if (ocf_obt_store_group_get(r->s, g->name, &old) == OCF_OK) {
    if (old.created == 0)
      fprintf(stderr,
              "obt %s: creating %s was interrupted; its contexts may be on some members: obt group delete %s "
              "removes them, then create it again\n",
              r->cmd, g->name, g->name);
    else
      fprintf(stderr, "obt %s: a group named %s exists (obt group rekey or delete)\n", r->cmd, g->name);
    rc = old.created == 0 ? OBT_EXIT_FAILED : OBT_EXIT_USAGE;
  }
  if (rc < 0) rc = osc_group_create(r, g);
  if (rc < 0 && a->o.json) printf("{\"event\": \"done\", \"ok\": true}\n");
  free(g);
  return rc < 0 ? OBT_EXIT_OK : rc;
}

/* Removes the old contexts of the group after a rekey from the devices r->u[0..r->n): every
 * credtype 128/256 context under the group's subjectuuid (kept by a rekey) except the new ones
 * (ids: g's clients' new sender ids; S003 6.4 ids are unique on each device). By subject, not by
 * the old ids: a rekey killed after its writes (docs/HARDENING.md) left contexts with ids no record
 * names, and the next rekey removes them too. A device that fails keeps them, reported, not fatal. */
static void retire_old(osc_run *r, const ocf_obt_group_record *g) {
  ocf_obt_oscore_match *m = calloc(OCF_OBT_GROUP_MEMBERS_MAX, sizeof *m);
  if (!m) return;
  ocf_obt_oscore_match old = {
      .types = 128u | 256u, .has_subject = true, .subject = g->subject, .keep_ids = true};
  for (size_t i = 0; i < g->n_members; i++)
    if (g->members[i].client && old.n_ids < OCF_OBT_OSCORE_IDS_MAX)
      snprintf(old.ids[old.n_ids++], sizeof old.ids[0], "%s", g->members[i].senderid);
  for (size_t i = 0; i < r->n; i++) m[i] = old;
  osc_retire_all(r, "group retire", m);
  free(m);
}

/* Rekeys g (the store's record) onto r's members, which may differ from g's: new ids and secret
 * written to every member of r, then the old contexts removed from r's members and from the
 * devices that left (a failed rekey leaves the old contexts working). g gets the new record
 * (name, subject, created, by_apply kept; desc as the caller set it). -1 done, else the exit code.
 * r->jobs has room for OCF_OBT_GROUP_MEMBERS_MAX (osc_open_run). */
int osc_group_rekey(osc_run *r, ocf_obt_group_record *g) {
  ocf_obt_group_record *prev = malloc(sizeof *prev);
  if (!prev) return OBT_EXIT_SYSTEM;
  *prev = *g;
  int rc = write_group(r, g, true);
  if (rc < 0) {
    retire_old(r, g);
    /* the devices that left the group lose the old contexts too (skipped when unknown to the run) */
    ocf_uuid keep_u[OCF_OBT_GROUP_MEMBERS_MAX];
    bool keep_c[OCF_OBT_GROUP_MEMBERS_MAX];
    size_t keep_n = r->n, n_left = 0;
    memcpy(keep_u, r->u, sizeof keep_u);
    memcpy(keep_c, r->client, sizeof keep_c);
    ocf_uuid left[OCF_OBT_GROUP_MEMBERS_MAX];
    for (size_t i = 0; i < prev->n_members; i++) {
      bool stays = false;
      for (size_t k = 0; k < keep_n && !stays; k++)
        stays = ocf_uuid_equal(&keep_u[k], &prev->members[i].uuid);
      if (!stays && obt_prov_cli_record(r->c, &prev->members[i].uuid)) left[n_left++] = prev->members[i].uuid;
    }
    if (n_left) {
      ocf_obt_oscore_job *saved = malloc(keep_n * sizeof *saved);
      if (saved) {
        memcpy(saved, r->jobs, keep_n * sizeof *saved);
        memcpy(r->u, left, n_left * sizeof left[0]);
        r->n = n_left;
        for (size_t i = 0; i < n_left; i++)
          ocf_obt_oscore_job_init(&r->jobs[i], OCF_OBT_OSCORE_REMOVE, &r->u[i]);
        retire_old(r, g); /* they hold no new id: every context of the group goes */
        for (size_t i = 0; i < n_left; i++)
          if (r->res[i].ok) osc_print_ok(r, i, "left"); /* a failure was said by retire */
        memcpy(r->u, keep_u, sizeof keep_u);
        memcpy(r->client, keep_c, sizeof keep_c);
        r->n = keep_n;
        memcpy(r->jobs, saved, keep_n * sizeof *saved);
        free(saved);
      }
    }
    for (size_t i = 0; i < r->n; i++) osc_print_ok(r, i, "rekeyed");
    g->rekeyed = obt_wall_ms();
    /* a create cut short (record_pending) that obt apply finishes with a rekey: no longer
     * interrupted, every member holds the new contexts and the others are gone */
    if (!g->created) g->created = g->rekeyed;
    char detail[OCF_OBT_AUDIT_DETAIL_MAX + 1];
    snprintf(detail, sizeof detail, "group %s rekeyed: idGroup %s, %zu members (%zu left)", g->name, g->gid,
             g->n_members, n_left);
    ocf_err err = ocf_obt_store_begin(r->s);
    if (!err) err = ocf_obt_store_group_put(r->s, g);
    if (!err && osc_audit(r, "group rekey", detail) >= 0) err = OCF_ERR_IO;
    rc = osc_store_done(r, err);
  }
  free(prev);
  return rc;
}

static int group_rekey(osc_run *r, osc_args *a, ocf_obt_group_record *g) {
  int rc = osc_group_rekey(r, g);
  if (rc < 0 && a->o.json) printf("{\"event\": \"done\", \"ok\": true}\n");
  return rc < 0 ? OBT_EXIT_OK : rc;
}

/* Removes g's contexts from r's members; the record goes when every one succeeded (else it is
 * kept: run it again). -1 all removed, else the exit code (failures printed). */
int osc_group_delete(osc_run *r, const ocf_obt_group_record *g) {
  /* Every context under the group's subjectuuid (S003 6.4; create draws it, rekey keeps it): also
   * those of a create or rekey killed before it recorded their ids (docs/HARDENING.md). */
  ocf_obt_oscore_match m = {.types = 128u | 256u, .has_subject = true, .subject = g->subject};
  for (size_t i = 0; i < r->n; i++) {
    ocf_obt_oscore_job_init(&r->jobs[i], OCF_OBT_OSCORE_REMOVE, &r->u[i]);
    r->jobs[i].match = m;
  }
  int rc = osc_run_jobs(r, "group delete", NULL);
  if (rc == OBT_EXIT_SYSTEM) return rc;
  bool all = true;
  for (size_t i = 0; i < r->n; i++) {
    r->ok[i] = r->res[i].ok;
    r->fail[i] = r->res[i].failure;
    all &= r->ok[i];
    if (r->ok[i])
      osc_print_ok(r, i, "removed");
    else
      osc_print_fail(r, i, &r->fail[i]);
  }
  char detail[OCF_OBT_AUDIT_DETAIL_MAX + 1];
  snprintf(detail, sizeof detail, "group %s %s", g->name,
           all ? "deleted" : "partly removed (kept in the store)");
  ocf_err err = ocf_obt_store_begin(r->s);
  if (!err && all) err = ocf_obt_store_group_remove(r->s, g->name);
  if (!err && osc_audit(r, "group delete", detail) >= 0) err = OCF_ERR_IO;
  if ((rc = osc_store_done(r, err)) >= 0) return rc;
  return all ? -1 : osc_exit_of(r);
}

static int group_delete(osc_run *r, osc_args *a, const ocf_obt_group_record *g) {
  int rc = osc_group_delete(r, g);
  if (rc == OBT_EXIT_SYSTEM) return rc;
  if (a->o.json) printf("{\"event\": \"done\", \"ok\": %s}\n", rc < 0 ? "true" : "false");
  return rc < 0 ? OBT_EXIT_OK : rc;
}

static bool print_group(void *user, const ocf_obt_group_record *g) {
  const osc_args *a = user;
  char subject[OCF_UUID_STR_LEN], uuid[OCF_UUID_STR_LEN], when[32];
  ocf_uuid_format(&g->subject, subject);
  if (a->o.json) {
    printf("{\"name\": ");
    obt_json_string(stdout, g->name);
    printf(", \"subjectuuid\": \"%s\", \"idgroup\": \"%s\", \"desc\": ", subject, g->gid);
    obt_json_string(stdout, g->desc);
    printf(", \"created\": %lld, \"rekeyed\": %lld, \"interrupted\": %s, \"by_apply\": %s, \"members\": [",
           (long long)g->created, (long long)g->rekeyed, g->created == 0 ? "true" : "false",
           g->by_apply ? "true" : "false");
    for (size_t i = 0; i < g->n_members; i++) {
      ocf_uuid_format(&g->members[i].uuid, uuid);
      printf("%s{\"uuid\": \"%s\", \"role\": \"%s\", \"senderid\": \"%s\", \"credids\": [", i ? ", " : "",
             uuid, g->members[i].client ? "client" : "server", g->members[i].senderid);
      for (size_t k = 0; k < g->members[i].n_credids; k++)
        printf("%s%u", k ? ", " : "", (unsigned)g->members[i].credids[k]);
      printf("]}");
    }
    printf("]}\n");
    return true;
  }
  obt_format_wall(g->rekeyed ? g->rekeyed : g->created, when);
  if (g->created == 0) /* record_pending: a create that did not end */
    printf("%s  idGroup %s  subject %s  interrupted (obt group delete %s)", g->name, g->gid, subject,
           g->name);
  else
    printf("%s  idGroup %s  subject %s  %s %s", g->name, g->gid, subject, g->rekeyed ? "rekeyed" : "created",
           when);
  if (g->desc[0]) printf("  \"%s\"", g->desc);
  printf("%s\n", g->by_apply ? "  (obt apply)" : "");
  for (size_t i = 0; i < g->n_members; i++) {
    ocf_uuid_format(&g->members[i].uuid, uuid);
    printf("  %-6s  %s", g->members[i].client ? "client" : "server", uuid);
    if (g->members[i].client) printf("  sender %s", g->members[i].senderid);
    printf("  credid");
    for (size_t k = 0; k < g->members[i].n_credids; k++) printf(" %u", (unsigned)g->members[i].credids[k]);
    printf("\n");
  }
  return true;
}

/* The operands each subcommand takes (which: 0 create, 1 list, 2 rekey, 3 delete). */
static int check_operands(osc_run *r, const osc_args *a, size_t which) {
  const char *cmd = r->cmd;
  int rc = -1;
  if (rc < 0 && a->o.n_uuids) {
    fprintf(stderr, "obt %s: name devices with --client and --server\n", cmd);
    rc = OBT_EXIT_USAGE;
  }
  if (rc < 0 && which != 1 && !name_ok(a->name)) {
    fprintf(stderr, "obt %s: name the group (1 to 32 printable characters)\n", cmd);
    rc = OBT_EXIT_USAGE;
  }
  if (rc < 0 && (which == 1 || which == 3) && (a->clients || a->servers || a->desc)) {
    fprintf(stderr, "obt %s: --client, --server and --desc are for create and rekey\n", cmd);
    rc = OBT_EXIT_USAGE;
  }
  if (rc < 0 && a->desc && !desc_ok(a->desc)) {
    fprintf(stderr, "obt %s: --desc is at most %d bytes, without control characters\n", cmd,
            OCF_OBT_GROUP_DESC_MAX);
    rc = OBT_EXIT_USAGE;
  }
  /* rekey with --client and --server: the group's new members */
  if (rc < 0 && (which == 0 || (which == 2 && (a->clients || a->servers)))) {
    if (!a->clients || !a->servers) {
      fprintf(stderr, "obt %s: name the clients (--client) and the servers (--server)\n", cmd);
      rc = OBT_EXIT_USAGE;
    }
    if (rc < 0) rc = add_members(r, a->clients, true);
    size_t n_clients = r->n;
    if (rc < 0) rc = add_members(r, a->servers, false);
    if (rc < 0 && (n_clients > OCF_OBT_OSCORE_CTX_MAX || n_clients == r->n)) {
      fprintf(stderr, "obt %s: 1 to %d clients and at least one server\n", cmd, OCF_OBT_OSCORE_CTX_MAX);
      rc = OBT_EXIT_USAGE;
    }
  }
  return rc;
}

/* rekey, delete: the members from the store. */
static int from_store(osc_run *r, osc_args *a, size_t which, ocf_obt_group_record *g) {
  const char *cmd = r->cmd;
  int rc = obt_lc_open_store(cmd, &a->o, true, &r->s);
  ocf_err err = rc < 0 ? ocf_obt_store_group_get(r->s, a->name, g) : OCF_OK;
  if (rc < 0 && err) {
    fprintf(stderr, "obt %s: %s\n", cmd,
            err == OCF_ERR_NOT_FOUND ? "no group of that name (obt group list)" : ocf_strerror(err));
    rc = err == OCF_ERR_NOT_FOUND ? OBT_EXIT_USAGE : OBT_EXIT_SYSTEM;
  }
  size_t n_new = r->n; /* rekey --client/--server: the new members, from check_operands */
  if (!a->clients) {
    for (size_t i = 0; rc < 0 && i < g->n_members; i++) {
      r->u[i] = g->members[i].uuid;
      r->client[i] = g->members[i].client;
    }
    r->n = n_new = g->n_members;
  }
  /* the members that leave are reached too (their old contexts go): open the run for them */
  for (size_t i = 0; rc < 0 && i < g->n_members; i++) {
    bool known = false;
    for (size_t k = 0; k < r->n && !known; k++) known = ocf_uuid_equal(&r->u[k], &g->members[i].uuid);
    if (known) continue;
    if (r->n == OCF_OBT_GROUP_MEMBERS_MAX) {
      fprintf(stderr, "obt %s: at most %d devices across the old and new members\n", cmd,
              OCF_OBT_GROUP_MEMBERS_MAX);
      rc = OBT_EXIT_USAGE;
      break;
    }
    r->client[r->n] = false;
    r->u[r->n++] = g->members[i].uuid;
  }
  if (rc < 0 && a->desc) snprintf(g->desc, sizeof g->desc, "%s", a->desc);
  if (rc < 0) {
    ocf_obt_store_close(r->s); /* open_run opens it again */
    r->s = NULL;
    rc = osc_open_run(r);
  }
  r->n = n_new;
  if (rc < 0) rc = which == 2 ? group_rekey(r, a, g) : group_delete(r, a, g);
  return rc;
}

int obt_cmd_group(int argc, char **argv) {
  const char *sub = argc > 1 ? argv[1] : "";
  if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
    fputs(group_usage, stdout);
    return OBT_EXIT_OK;
  }
  static const char *const subs[] = {"create", "list", "rekey", "delete"};
  size_t which = 4;
  for (size_t i = 0; i < 4; i++)
    if (strcmp(sub, subs[i]) == 0) which = i;
  if (which == 4) {
    fprintf(stderr, "obt group: say create, list, rekey or delete (see obt group --help)\n");
    return OBT_EXIT_USAGE;
  }
  char cmd[16];
  snprintf(cmd, sizeof cmd, "group %s", sub);
  osc_args a = {.id_len = OCF_OBT_OSCORE_ID_MAX};
  obt_net_opts_init(&a.o.net);
  a.o.uuids = calloc((size_t)argc, sizeof *a.o.uuids);
  if (!a.o.uuids) return OBT_EXIT_SYSTEM;
  osc_run r = {.cmd = cmd, .a = &a};
  int rc = osc_parse_args(cmd, group_usage, which != 1, argc - 1, argv + 1, &a);
  if (rc < 0) rc = check_operands(&r, &a, which);
  ocf_obt_group_record *g = calloc(1, sizeof *g);
  if (rc < 0 && !g) rc = OBT_EXIT_SYSTEM;
  if (rc < 0 && which == 1) {
    rc = obt_lc_open_store(cmd, &a.o, false, &r.s);
    if (rc < 0 && ocf_obt_store_group_list(r.s, print_group, &a) != OCF_OK) {
      fprintf(stderr, "obt %s: the domain store could not list the groups\n", cmd);
      rc = OBT_EXIT_SYSTEM;
    }
    if (rc < 0) rc = OBT_EXIT_OK;
  } else if (rc < 0 && which != 0) {
    rc = from_store(&r, &a, which, g);
  } else if (rc < 0) {
    rc = osc_open_run(&r);
    if (rc < 0) rc = group_create(&r, &a);
  }
  free(g);
  osc_close_run(&r);
  free(a.o.uuids);
  return rc;
}
