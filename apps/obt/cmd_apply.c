/* obt apply FILE: a declarative policy (issue 6 item 10, ADR 0023). Reads the file, reads each
 * device's acl2 and cred over the owner session, shows what differs, and applies it: pairwise
 * keys with ocf_obt_pair (no half pairing), then one edit job per device that rolls its own
 * writes back when one fails (<ocf/ocf_obt_policy.h>). The store records what the policy wrote,
 * so a later run removes only that. */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_obt_policy.h>

#include "apply_pending.h"
#include "oscore_cli.h"

static const char apply_usage[] =
    "usage: obt apply FILE [--dry-run] [options]\n"
    "\n"
    "Makes the owned devices hold what FILE states: pairwise keys between devices, OSCORE SSM\n"
    "groups and ACEs. Reads each device's /oic/sec/acl2 and /oic/sec/cred over its owner session,\n"
    "prints what differs and, once approved (--yes for scripts), applies it: pairs first, then\n"
    "groups (each on all its members or none: the new contexts are removed again when a member\n"
    "fails), then each device's ACE changes as one transaction (when a write fails, that device's\n"
    "earlier writes are undone and the failure reported). A device in RFNOP is moved to RFPRO for\n"
    "the writes and back. Only ACEs, pairs and groups an earlier obt apply created are ever\n"
    "removed or rekeyed; the store records them (groups made with obt group create are left\n"
    "alone). Running it again with the same file changes nothing.\n"
    "\n"
    "FILE, one statement a line ('#' starts a comment; \"...\" quotes a word with blanks):\n"
    "  device ALIAS DEVICE                      ALIAS names DEVICE in later lines\n"
    "  pair DEVICE DEVICE                       a pairwise key between the two\n"
    "  allow CLIENT DEVICE HREF PERM [validity=P]...  DEVICE lets device CLIENT use HREF\n"
    "  ace DEVICE subject=S res=LIST perm=PERM [validity=P]...  any ACE (as obt acl add)\n"
    "  group NAME client=DEVICE,... server=DEVICE,... [desc=TEXT]   an SSM group (obt group)\n"
    "DEVICE: a uuid, an alias, or the device's name (obt devices). PERM: letters of CRUDN.\n"
    "\n"
    "options:\n"
    "  -n, --dry-run         show what would change, change nothing\n"
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
    "exit status: 0 applied (or nothing to change), 1 the file is wrong or a device refused\n"
    "(its changes undone), 2 usage, 3 system error, 4 a device did not answer\n";

#define DEVS_MAX 256

/* One group the run changes: the policy's group (NULL for a delete) and the store's record. */
typedef struct group_change {
  ocf_obt_group_action action;
  const ocf_obt_policy_group *want;
  const ocf_obt_group_record *have;
} group_change;

typedef struct apply {
  obt_lc_opts o;
  const char *file;
  bool dry_run;
  ocf_obt_store *s;
  ocf_obt_policy *pol;
  ocf_uuid devs[DEVS_MAX]; /* every device involved */
  size_t n_devs;
  ocf_obt_ams_job *reads;      /* [n_devs] acl2 */
  ocf_obt_creds_read *creds;   /* [n_devs] cred */
  ocf_obt_edit_job *edits;     /* [n_devs] */
  ocf_obt_applied_record *rec; /* the store's records */
  size_t n_rec, cap_rec;
  ocf_obt_policy_pair to_pair[OCF_OBT_POLICY_PAIRS_MAX];
  size_t n_to_pair;
  ocf_obt_policy_pair to_unpair[OCF_OBT_POLICY_PAIRS_MAX];
  size_t n_to_unpair;
  ocf_obt_group_record *sgroups; /* the store's groups */
  size_t n_sgroups, cap_sgroups;
  group_change *gch; /* [OCF_OBT_POLICY_GROUPS_MAX + n_sgroups] */
  size_t n_gch;
  size_t n_changes;
} apply;

/* --- the file ----------------------------------------------------------------------------------- */

typedef struct name_hit {
  const char *name;
  size_t n;
  ocf_uuid uuid;
} name_hit;

static bool match_name(void *user, const ocf_obt_device_record *d) {
  name_hit *h = user;
  if (d->state == OCF_OBT_DEVICE_OWNED && strcmp(d->name, h->name) == 0) {
    h->n++;
    h->uuid = d->uuid;
  }
  return true;
}

static ocf_err resolve_name(void *user, const char *name, ocf_uuid *out, const char **why) {
  name_hit h = {.name = name};
  if (ocf_obt_store_device_list(user, match_name, &h) != OCF_OK || h.n == 0) return OCF_ERR_NOT_FOUND;
  if (h.n > 1) {
    *why = "several owned devices have that name: use its uuid or a device line";
    return OCF_ERR_INVALID_ARG;
  }
  *out = h.uuid;
  return OCF_OK;
}

static int read_policy(apply *a) {
  FILE *f = fopen(a->file, "r");
  if (!f) {
    perror(a->file);
    return OBT_EXIT_USAGE;
  }
  char *text = malloc(OCF_OBT_POLICY_BYTES_MAX + 1);
  size_t len = text ? fread(text, 1, OCF_OBT_POLICY_BYTES_MAX + 1, f) : 0;
  bool bad = ferror(f) != 0;
  fclose(f);
  if (!text || bad) {
    free(text);
    fprintf(stderr, "obt apply: cannot read %s\n", a->file);
    return OBT_EXIT_SYSTEM;
  }
  ocf_obt_policy_error e;
  ocf_err err = ocf_obt_policy_parse(text, len, resolve_name, a->s, a->pol, &e);
  free(text);
  if (err) {
    fprintf(stderr, "%s:%u: %s\n", a->file, e.line, e.msg);
    return OBT_EXIT_FAILED;
  }
  return -1;
}

/* --- the devices and what they hold ------------------------------------------------------------- */

static size_t dev_index(const apply *a, const ocf_uuid *u) {
  for (size_t i = 0; i < a->n_devs; i++)
    if (ocf_uuid_equal(&a->devs[i], u)) return i;
  return a->n_devs;
}

static bool add_dev(apply *a, const ocf_uuid *u) {
  if (dev_index(a, u) < a->n_devs) return true;
  if (a->n_devs == DEVS_MAX) return false;
  a->devs[a->n_devs++] = *u;
  return true;
}

static bool collect_rec(void *user, const ocf_obt_applied_record *r) {
  apply *a = user;
  if (a->n_rec == a->cap_rec) {
    size_t cap = a->cap_rec ? a->cap_rec * 2 : 16;
    ocf_obt_applied_record *n = realloc(a->rec, cap * sizeof *n);
    if (!n) return false;
    a->rec = n;
    a->cap_rec = cap;
  }
  a->rec[a->n_rec++] = *r;
  return true;
}

static bool collect_group(void *user, const ocf_obt_group_record *g) {
  apply *a = user;
  if (a->n_sgroups == a->cap_sgroups) {
    size_t cap = a->cap_sgroups ? a->cap_sgroups * 2 : 8;
    ocf_obt_group_record *n = realloc(a->sgroups, cap * sizeof *n);
    if (!n) return false;
    a->sgroups = n;
    a->cap_sgroups = cap;
  }
  a->sgroups[a->n_sgroups++] = *g;
  return true;
}

static const ocf_obt_group_record *stored_group(const apply *a, const char *name) {
  for (size_t i = 0; i < a->n_sgroups; i++)
    if (strcmp(a->sgroups[i].name, name) == 0) return &a->sgroups[i];
  return NULL;
}

/* The devices of the policy and of earlier applies that the store still knows. */
static int involved(apply *a) {
  if (ocf_obt_store_applied_list(a->s, NULL, collect_rec, a) != OCF_OK ||
      ocf_obt_store_group_list(a->s, collect_group, a) != OCF_OK)
    return OBT_EXIT_SYSTEM;
  bool ok = true;
  for (size_t i = 0; i < a->pol->n_groups; i++)
    for (size_t k = 0; k < a->pol->groups[i].n_members; k++)
      ok = ok && add_dev(a, &a->pol->groups[i].members[k]);
  for (size_t i = 0; i < a->n_sgroups; i++) { /* the policy's groups: their members may be dropped */
    ocf_obt_device_record d;
    for (size_t k = 0; a->sgroups[i].by_apply && k < a->sgroups[i].n_members; k++)
      if (ocf_obt_store_device_get(a->s, &a->sgroups[i].members[k].uuid, &d) == OCF_OK)
        ok = ok && add_dev(a, &a->sgroups[i].members[k].uuid);
  }
  for (size_t i = 0; i < a->pol->n_aces; i++) ok = ok && add_dev(a, &a->pol->aces[i].device);
  for (size_t i = 0; i < a->pol->n_pairs; i++)
    ok = ok && add_dev(a, &a->pol->pairs[i].a) && add_dev(a, &a->pol->pairs[i].b);
  for (size_t i = 0; i < a->n_rec; i++) {
    ocf_obt_device_record d;
    const ocf_uuid *u[2] = {&a->rec[i].device, &a->rec[i].peer};
    for (size_t k = 0; k < (a->rec[i].kind == OCF_OBT_APPLIED_PAIR ? 2u : 1u); k++)
      if (ocf_obt_store_device_get(a->s, u[k], &d) == OCF_OK) ok = ok && add_dev(a, u[k]);
  }
  if (!ok) {
    fprintf(stderr, "obt apply: more than %d devices\n", DEVS_MAX);
    return OBT_EXIT_FAILED;
  }
  return -1;
}

static void result_line(const apply *a, const char *what, const ocf_uuid *dev, const ocf_uuid *peer,
                        const char *detail, const ocf_obt_prov_failure *f, const char *undo);

/* Reads every device's acl2 and cred; -1 to go on. */
static int read_devices(apply *a, obt_prov_cli *c) {
  obt_prov_cli_job *pj = calloc(a->n_devs * 2, sizeof *pj);
  obt_prov_cli_result *res = calloc(a->n_devs * 2, sizeof *res);
  int rc = pj && res ? -1 : OBT_EXIT_SYSTEM;
  for (size_t i = 0; rc < 0 && i < a->n_devs; i++) {
    ocf_obt_ams_job_list(&a->reads[i]);
    pj[i] = (obt_prov_cli_job){a->devs[i], ocf_obt_ams_step, &a->reads[i]};
    pj[a->n_devs + i] = (obt_prov_cli_job){a->devs[i], ocf_obt_creds_read_step, &a->creds[i]};
  }
  for (size_t half = 0; rc < 0 && half < 2; half++) {
    obt_prov_cli_run_params p = {.what = half ? "apply read cred" : "apply read acl2",
                                 .jobs = pj + half * a->n_devs,
                                 .n_jobs = a->n_devs,
                                 .results = res + half * a->n_devs,
                                 .print = false};
    int r = obt_prov_cli_run(c, &p);
    for (size_t i = 0; r != OBT_EXIT_SYSTEM && i < a->n_devs; i++)
      if (!res[half * a->n_devs + i].ok)
        result_line(a, half ? "read cred" : "read acl2", &a->devs[i], NULL, "",
                    &res[half * a->n_devs + i].failure, "");
    if (r != OBT_EXIT_OK) {
      fprintf(stderr, "obt apply: a device could not be read: nothing was changed\n");
      rc = r;
    }
  }
  free(pj);
  free(res);
  return rc;
}

/* --- the difference ------------------------------------------------------------------------------ */

static bool owned_aceid(const apply *a, const ocf_uuid *dev, uint32_t aceid) {
  for (size_t i = 0; i < a->n_rec; i++)
    if (a->rec[i].kind == OCF_OBT_APPLIED_ACE && a->rec[i].aceid == aceid &&
        ocf_uuid_equal(&a->rec[i].device, dev))
      return true;
  return false;
}

/* Notes the ACEs each device is to get before the edits go out (apply_pending.h). */
static int note_pending(apply *a) {
  for (size_t d = 0; d < a->n_devs; d++) {
    const ocf_obt_acl_diff *diff = &a->edits[d].diff;
    ocf_err err = diff->n_add ? obt_apply_pending_note(a->s, &a->devs[d], diff->add, diff->n_add) : OCF_OK;
    if (err) {
      fprintf(stderr, "obt apply: the domain store could not note the ACEs to add: %s\n", ocf_strerror(err));
      return OBT_EXIT_SYSTEM;
    }
  }
  return -1;
}

/* The ACEs a killed run added to device d before it could record them: each noted spec the device
 * holds under an aceid no record names becomes a record (in memory only for --dry-run). */
static int adopt_pending(apply *a, size_t d) {
  char(*specs)[OCF_OBT_APPLIED_SPEC_MAX + 1] = calloc(OCF_OBT_EDIT_MAX, sizeof *specs);
  size_t n = 0;
  ocf_err err = specs ? obt_apply_pending_read(a->s, &a->devs[d], specs, &n) : OCF_ERR_NO_MEMORY;
  ocf_obt_applied_record r = {.kind = OCF_OBT_APPLIED_ACE, .device = a->devs[d], .created = obt_wall_ms()};
  char spec[OCF_OBT_APPLIED_SPEC_MAX + 1];
  const ocf_obt_acl *have = &a->reads[d].acl;
  for (size_t i = 0; !err && i < n; i++)
    for (size_t k = 0; k < have->n; k++) {
      ocf_obt_ace_spec(&have->ace[k], spec);
      if (strcmp(spec, specs[i]) != 0 || owned_aceid(a, &a->devs[d], have->ace[k].aceid)) continue;
      r.aceid = have->ace[k].aceid;
      memcpy(r.spec, spec, sizeof r.spec);
      if (!collect_rec(a, &r)) err = OCF_ERR_NO_MEMORY;
      if (!err && !a->dry_run) err = ocf_obt_store_applied_put(a->s, &r);
      break;
    }
  if (!err && n && !a->dry_run) err = obt_apply_pending_drop(a->s, &a->devs[d]);
  free(specs);
  if (err) fprintf(stderr, "obt apply: the ACEs an interrupted run added: %s\n", ocf_strerror(err));
  return err == OCF_ERR_NO_MEMORY || err == OCF_ERR_IO ? OBT_EXIT_SYSTEM : err ? OBT_EXIT_FAILED : -1;
}

static int diff_device(apply *a, size_t d) {
  int pending_rc = adopt_pending(a, d);
  if (pending_rc >= 0) return pending_rc;
  ocf_obt_ace *want = calloc(OCF_OBT_POLICY_ACES_MAX, sizeof *want);
  ocf_obt_owned_ace *owned = calloc(a->n_rec + 1, sizeof *owned);
  ocf_obt_acl_diff *diff = calloc(1, sizeof *diff);
  int rc = want && owned && diff ? -1 : OBT_EXIT_SYSTEM;
  size_t n_want = 0, n_owned = 0;
  for (size_t i = 0; rc < 0 && i < a->pol->n_aces; i++)
    if (ocf_uuid_equal(&a->pol->aces[i].device, &a->devs[d])) want[n_want++] = a->pol->aces[i].ace;
  for (size_t i = 0; rc < 0 && i < a->n_rec; i++)
    if (a->rec[i].kind == OCF_OBT_APPLIED_ACE && ocf_uuid_equal(&a->rec[i].device, &a->devs[d])) {
      owned[n_owned].aceid = a->rec[i].aceid;
      memcpy(owned[n_owned++].spec, a->rec[i].spec, sizeof owned[0].spec);
    }
  ocf_err err =
      rc < 0 ? ocf_obt_acl_diff_compute(want, n_want, &a->reads[d].acl, owned, n_owned, diff) : OCF_OK;
  if (err) {
    fprintf(stderr, "obt apply: more than %d ACE changes for one device: split the change\n",
            OCF_OBT_EDIT_MAX);
    rc = OBT_EXIT_FAILED;
  }
  if (rc < 0 && ocf_obt_edit_job_apply(&a->edits[d], diff) != OCF_OK) rc = OBT_EXIT_SYSTEM;
  a->n_changes += rc < 0 ? diff->n_add + diff->n_remove : 0;
  free(want);
  free(owned);
  free(diff);
  return rc;
}

static void diff_pairs(apply *a) {
  for (size_t i = 0; i < a->pol->n_pairs; i++) {
    const ocf_obt_policy_pair *p = &a->pol->pairs[i];
    ocf_obt_pairing_record rec;
    size_t ia = dev_index(a, &p->a), ib = dev_index(a, &p->b);
    if (ocf_obt_store_pairing_get(a->s, &p->a, &p->b, &rec) == OCF_OK &&
        ocf_obt_pair_held(&rec, &a->creds[ia], &a->creds[ib]))
      continue;
    a->to_pair[a->n_to_pair++] = *p;
  }
  for (size_t i = 0; i < a->n_rec; i++) {
    const ocf_obt_applied_record *r = &a->rec[i];
    if (r->kind != OCF_OBT_APPLIED_PAIR || ocf_obt_policy_has_pair(a->pol, &r->device, &r->peer)) continue;
    if (dev_index(a, &r->device) == a->n_devs || dev_index(a, &r->peer) == a->n_devs) continue;
    if (a->n_to_unpair < OCF_OBT_POLICY_PAIRS_MAX)
      a->to_unpair[a->n_to_unpair++] = (ocf_obt_policy_pair){r->device, r->peer, 0};
  }
  a->n_changes += a->n_to_pair + a->n_to_unpair;
}

/* Groups: by name, against the store's records and what the members hold (ADR 0023). -1 to go
 * on; a group of the policy's name made by hand with other members stops the run. */
static int diff_groups(apply *a) {
  a->gch = calloc(OCF_OBT_POLICY_GROUPS_MAX + a->n_sgroups, sizeof *a->gch);
  if (!a->gch) return OBT_EXIT_SYSTEM;
  for (size_t i = 0; i < a->pol->n_groups; i++) {
    const ocf_obt_policy_group *w = &a->pol->groups[i];
    const ocf_obt_group_record *h = stored_group(a, w->name);
    bool held = h != NULL;
    for (size_t m = 0; h && m < h->n_members; m++) {
      size_t d = dev_index(a, &h->members[m].uuid);
      held = held && d < a->n_devs && ocf_obt_group_member_held(h, m, &a->creds[d]);
    }
    ocf_obt_group_action act = ocf_obt_group_diff(w, h, held);
    if (act == OCF_OBT_GROUP_CONFLICT) {
      fprintf(stderr,
              "%s:%u: group %s was made with obt group create and has other members: the policy does not "
              "take it over (rename the policy's group, or obt group delete %s first); nothing was changed\n",
              a->file, w->line, w->name, w->name);
      return OBT_EXIT_FAILED;
    }
    if (act != OCF_OBT_GROUP_KEEP) a->gch[a->n_gch++] = (group_change){act, w, h};
  }
  for (size_t i = 0; i < a->n_sgroups; i++) {
    const ocf_obt_group_record *h = &a->sgroups[i];
    bool stated = false;
    for (size_t k = 0; k < a->pol->n_groups && !stated; k++)
      stated = strcmp(a->pol->groups[k].name, h->name) == 0;
    if (!stated && ocf_obt_group_diff(NULL, h, true) == OCF_OBT_GROUP_DELETE)
      a->gch[a->n_gch++] = (group_change){OCF_OBT_GROUP_DELETE, NULL, h};
  }
  a->n_changes += a->n_gch;
  return -1;
}

static const char *group_verb(ocf_obt_group_action act) {
  return act == OCF_OBT_GROUP_CREATE ? "create" : act == OCF_OBT_GROUP_REKEY ? "rekey" : "delete";
}

/* "+ group NAME client=U,... server=U,...", "~ group NAME rekey ...", "- group NAME", or JSON. */
static void plan_group(const apply *a, const group_change *gc) {
  char sign = gc->action == OCF_OBT_GROUP_CREATE ? '+' : gc->action == OCF_OBT_GROUP_REKEY ? '~' : '-';
  const char *name = gc->want ? gc->want->name : gc->have->name;
  size_t n = gc->want ? gc->want->n_members : gc->have->n_members;
  if (a->o.json) {
    printf("{\"event\": \"plan\", \"change\": \"%s\", \"what\": \"group\", \"name\": ",
           gc->action == OCF_OBT_GROUP_CREATE  ? "add"
           : gc->action == OCF_OBT_GROUP_REKEY ? "rekey"
                                               : "remove");
    obt_json_string(stdout, name);
  } else {
    printf("%c group %s%s", sign, name, gc->action == OCF_OBT_GROUP_REKEY ? " rekey" : "");
  }
  for (int client = 1; client >= 0; client--) {
    bool first = true;
    for (size_t i = 0; i < n; i++) {
      bool c = gc->want ? gc->want->client[i] : gc->have->members[i].client;
      if (c != (client == 1)) continue;
      char u[OCF_UUID_STR_LEN];
      ocf_uuid_format(gc->want ? &gc->want->members[i] : &gc->have->members[i].uuid, u);
      if (a->o.json)
        printf("%s\"%s\"", first ? (client ? ", \"clients\": [" : ", \"servers\": [") : ", ", u);
      else
        printf("%s%s", first ? (client ? " client=" : " server=") : ",", u);
      first = false;
    }
    if (a->o.json) printf("%s", first ? (client ? ", \"clients\": []" : ", \"servers\": []") : "]");
  }
  printf(a->o.json ? "}\n" : "\n");
}

/* One line of the plan: "+ pair A B", "- UUID ace ...", or its JSON object. */
static void plan_line(const apply *a, char sign, const char *what, const ocf_uuid *dev, const ocf_uuid *peer,
                      const ocf_obt_ace *ace) {
  char u[OCF_UUID_STR_LEN], v[OCF_UUID_STR_LEN] = "", line[1100] = "";
  ocf_uuid_format(dev, u);
  if (peer) ocf_uuid_format(peer, v);
  if (ace) ocf_obt_ace_describe(ace, line, sizeof line);
  if (!a->o.json) {
    if (peer)
      printf("%c %s %s %s\n", sign, what, u, v);
    else
      printf("%c %s %s %s\n", sign, u, what, line);
    return;
  }
  printf("{\"event\": \"plan\", \"change\": \"%s\", \"what\": \"%s\", \"device\": \"%s\"",
         sign == '+' ? "add" : "remove", what, u);
  if (peer) printf(", \"peer\": \"%s\"", v);
  if (ace) {
    printf(", \"aceid\": %u, \"ace\": ", (unsigned)ace->aceid);
    obt_json_string(stdout, line);
  }
  printf("}\n");
}

static void print_plan(const apply *a) {
  for (size_t i = 0; i < a->n_to_pair; i++)
    plan_line(a, '+', "pair", &a->to_pair[i].a, &a->to_pair[i].b, NULL);
  for (size_t i = 0; i < a->n_to_unpair; i++)
    plan_line(a, '-', "pair", &a->to_unpair[i].a, &a->to_unpair[i].b, NULL);
  for (size_t i = 0; i < a->n_gch; i++) plan_group(a, &a->gch[i]);
  for (size_t d = 0; d < a->n_devs; d++) {
    const ocf_obt_acl_diff *df = &a->edits[d].diff;
    for (size_t i = 0; i < df->n_remove; i++) plan_line(a, '-', "ace", &a->devs[d], NULL, &df->remove[i]);
    for (size_t i = 0; i < df->n_add; i++) plan_line(a, '+', "ace", &a->devs[d], NULL, &df->add[i]);
  }
  if (a->o.json)
    printf("{\"event\": \"plan\", \"changes\": %zu, \"dry_run\": %s}\n", a->n_changes,
           a->dry_run ? "true" : "false");
  else if (a->n_changes == 0)
    printf("no changes\n");
  fflush(stdout);
}

/* One result line: what was done to a device (or a pair), or where it failed and what was undone. */
static void result_line(const apply *a, const char *what, const ocf_uuid *dev, const ocf_uuid *peer,
                        const char *detail, const ocf_obt_prov_failure *f, const char *undo) {
  char u[OCF_UUID_STR_LEN], v[OCF_UUID_STR_LEN] = "";
  ocf_uuid_format(dev, u);
  if (peer) ocf_uuid_format(peer, v);
  if (!a->o.json) {
    if (!f)
      printf("ok      %s %s%s%s  %s\n", what, u, peer ? " " : "", v, detail);
    else
      printf("FAILED  %s %s%s%s  at %s: %s%s%s%s\n", what, u, peer ? " " : "", v, f->stage ? f->stage : "?",
             f->diagnostic[0] ? f->diagnostic : ocf_strerror(f->err), undo, f->advice ? " -- " : "",
             f->advice ? f->advice : "");
    return;
  }
  printf("{\"event\": \"result\", \"action\": \"%s\", \"uuid\": \"%s\"", what, u);
  if (peer) printf(", \"peer\": \"%s\"", v);
  printf(", \"outcome\": \"%s\", \"detail\": ", f ? "failed" : "ok");
  obt_json_string(stdout, f ? undo : detail);
  if (f) {
    printf(", \"stage\": ");
    obt_json_string(stdout, f->stage ? f->stage : "");
    printf(", \"code\": %u, \"error\": ", (unsigned)f->code);
    obt_json_string(stdout, ocf_strerror(f->err));
    printf(", \"diagnostic\": ");
    obt_json_string(stdout, f->diagnostic);
    printf(", \"advice\": ");
    obt_json_string(stdout, f->advice ? f->advice : "");
  }
  printf("}\n");
}

/* --- applying -------------------------------------------------------------------------------------- */

typedef struct pair_wait {
  bool done;
  ocf_obt_pair_result r;
} pair_wait;

static void on_pair_done(void *user, const ocf_obt_pair_result *r) {
  pair_wait *w = user;
  w->done = true;
  w->r = *r;
}

static bool pair_over(void *user) { return ((pair_wait *)user)->done; }

static ocf_obt_wall_ms wall_now(void *user) {
  (void)user;
  return obt_wall_ms();
}

/* One pair or unpair to its end; records it as the policy's. Returns an exit code. */
static int run_pair(apply *a, obt_prov_cli *c, const ocf_obt_policy_pair *p, ocf_obt_pair_action action) {
  pair_wait w = {0};
  ocf_obt_pair_params pp = {.store = a->s,
                            .action = action,
                            .actor = obt_prov_cli_actor(c),
                            .wall_now = wall_now,
                            .on_done = on_pair_done,
                            .user = &w};
  ocf_obt_applied_record r = {
      .kind = OCF_OBT_APPLIED_PAIR, .device = p->a, .peer = p->b, .created = obt_wall_ms()};
  /* Crash safety (docs/HARDENING.md): the pair is the policy's before its keys go out, as a group
   * is recorded before its contexts; a run killed after the pairing but before this record left a
   * pair the next run took for one made by hand (held, never unpaired). A pairing that fails keeps
   * the record: the next apply pairs again, or unpairs what may be left. */
  if (action == OCF_OBT_PAIR && ocf_obt_store_applied_put(a->s, &r) != OCF_OK) return OBT_EXIT_SYSTEM;
  pp.dev[0] = (ocf_obt_pair_device){p->a, obt_prov_cli_coaps(c, &p->a)};
  pp.dev[1] = (ocf_obt_pair_device){p->b, obt_prov_cli_coaps(c, &p->b)};
  if (ocf_obt_pair(obt_prov_cli_engine(c), &pp, ocf_posix_now()) != OCF_OK) return OBT_EXIT_SYSTEM;
  int rc = obt_prov_cli_wait(c, pair_over, &w);
  if (rc >= 0) return rc;
  const char *verb = action == OCF_OBT_PAIR ? "pair" : "unpair";
  if (!w.r.ok) {
    size_t i = w.r.side[0].ok ? 1 : 0;
    const ocf_obt_prov_failure *f = &w.r.side[i].failure;
    result_line(a, verb, &p->a, &p->b, "", f,
                w.r.side[i].left ? "; a credential may remain: run obt apply again" : "");
    return f->err == OCF_ERR_TIMEOUT ? OBT_EXIT_TIMEOUT : OBT_EXIT_FAILED;
  }
  result_line(a, verb, &p->a, &p->b, "done", NULL, "");
  r.created = obt_wall_ms();
  ocf_err err =
      action == OCF_OBT_PAIR ? ocf_obt_store_applied_put(a->s, &r) : ocf_obt_store_applied_remove(a->s, &r);
  return err ? OBT_EXIT_SYSTEM : OBT_EXIT_OK;
}

/* The result line of one group change (the members' own lines came before it). */
static void group_result(const apply *a, const group_change *gc, int rc) {
  const char *name = gc->want ? gc->want->name : gc->have->name;
  if (a->o.json) {
    printf("{\"event\": \"result\", \"action\": \"group\", \"change\": \"%s\", \"name\": ",
           group_verb(gc->action));
    obt_json_string(stdout, name);
    printf(", \"outcome\": \"%s\"}\n", rc < 0 || rc == OBT_EXIT_OK ? "ok" : "failed");
  } else if (rc < 0 || rc == OBT_EXIT_OK) {
    printf("ok      group %s  %s\n", name,
           gc->action == OCF_OBT_GROUP_CREATE  ? "created"
           : gc->action == OCF_OBT_GROUP_REKEY ? "rekeyed"
                                               : "deleted");
  } else {
    printf("FAILED  group %s  %s: %s\n", name, group_verb(gc->action),
           gc->action == OCF_OBT_GROUP_DELETE ? "kept in the store, run obt apply again"
                                              : "no member holds the new contexts (the old ones stay)");
  }
}

/* One group change through obt group's runs (oscore_cli.h) over this run's store and sessions.
 * Per group, all or nothing: a create or rekey whose write fails on one member removes the new
 * contexts from the others (a failed rekey leaves the old key working); a delete that fails on a
 * member keeps the store's record, so the next apply tries again. */
static int run_group(apply *a, obt_prov_cli *c, const group_change *gc) {
  osc_args oa = {.o = a->o, .id_len = OCF_OBT_OSCORE_ID_MAX};
  osc_run *r = calloc(1, sizeof *r);
  ocf_obt_group_record *g = calloc(1, sizeof *g);
  int rc = r && g ? -1 : OBT_EXIT_SYSTEM;
  if (rc < 0) {
    *r = (osc_run){.cmd = "apply", .a = &oa, .inner = true, .s = a->s, .c = c};
    r->jobs = calloc(OCF_OBT_GROUP_MEMBERS_MAX, sizeof *r->jobs);
    if (!r->jobs) rc = OBT_EXIT_SYSTEM;
  }
  if (rc < 0 && gc->action == OCF_OBT_GROUP_DELETE) {
    *g = *gc->have;
    for (size_t i = 0; i < g->n_members; i++) /* a member the store forgot cannot be reached */
      if (dev_index(a, &g->members[i].uuid) < a->n_devs) {
        r->u[r->n] = g->members[i].uuid;
        r->client[r->n++] = g->members[i].client;
      }
    rc = r->n ? osc_group_delete(r, g) : OBT_EXIT_OK;
    char detail[OCF_OBT_AUDIT_DETAIL_MAX + 1];
    snprintf(detail, sizeof detail, "group %s deleted: no member is known to the store any more", g->name);
    if (!r->n && (ocf_obt_store_group_remove(a->s, g->name) != OCF_OK ||
                  ocf_obt_store_audit_append(a->s, obt_wall_ms(), c ? obt_prov_cli_actor(c) : "obt",
                                             "group delete", detail) != OCF_OK))
      rc = OBT_EXIT_SYSTEM;
  } else if (rc < 0) {
    const ocf_obt_policy_group *w = gc->want;
    for (size_t i = 0; i < w->n_members; i++) {
      r->u[i] = w->members[i];
      r->client[i] = w->client[i];
    }
    r->n = w->n_members;
    if (gc->have) *g = *gc->have;
    snprintf(g->name, sizeof g->name, "%s", w->name);
    snprintf(g->desc, sizeof g->desc, "%s", w->desc);
    g->by_apply = true;
    rc = gc->action == OCF_OBT_GROUP_CREATE ? osc_group_create(r, g) : osc_group_rekey(r, g);
  }
  if (rc != OBT_EXIT_SYSTEM) group_result(a, gc, rc);
  if (r) {
    explicit_bzero(r->secret, sizeof r->secret);
    for (size_t i = 0; r->jobs && i < OCF_OBT_GROUP_MEMBERS_MAX; i++) ocf_obt_oscore_job_wipe(&r->jobs[i]);
    free(r->jobs);
  }
  free(r);
  free(g);
  return rc < 0 ? OBT_EXIT_OK : rc;
}

static void describe_edit(void *user, size_t job, char *out, size_t cap) {
  const ocf_obt_edit_job *j = &((const apply *)user)->edits[job];
  snprintf(out, cap, "%zu ACE%s added, %zu removed%s", j->diff.n_add, j->diff.n_add == 1 ? "" : "s",
           j->diff.n_remove, j->was_rfnop ? " (RFPRO and back to RFNOP)" : "");
}

/* The store after one device's edit: its additions are ours, its removals and stale records
 * gone, in one transaction. */
static ocf_err record_edit(apply *a, size_t d) {
  const ocf_obt_edit_job *j = &a->edits[d];
  ocf_err err = ocf_obt_store_begin(a->s);
  for (size_t i = 0; !err && i < j->diff.n_add; i++) {
    if (!j->added[i]) continue; /* not found again: not recorded, so never removed by us */
    ocf_obt_applied_record r = {
        .kind = OCF_OBT_APPLIED_ACE, .device = a->devs[d], .aceid = j->added[i], .created = obt_wall_ms()};
    ocf_obt_ace_spec(&j->diff.add[i], r.spec);
    err = ocf_obt_store_applied_put(a->s, &r);
  }
  for (size_t i = 0; !err && i < j->diff.n_remove + j->diff.n_forget; i++) {
    ocf_obt_applied_record r = {.kind = OCF_OBT_APPLIED_ACE, .device = a->devs[d]};
    r.aceid = i < j->diff.n_remove ? j->diff.remove[i].aceid : j->diff.forget[i - j->diff.n_remove];
    err = ocf_obt_store_applied_remove(a->s, &r);
  }
  if (!err) err = obt_apply_pending_drop(a->s, &a->devs[d]);
  if (err) {
    ocf_obt_store_rollback(a->s);
    return err;
  }
  return ocf_obt_store_commit(a->s);
}

static int run_edits(apply *a, obt_prov_cli *c) {
  obt_prov_cli_job *pj = calloc(a->n_devs, sizeof *pj);
  obt_prov_cli_result *res = calloc(a->n_devs, sizeof *res);
  size_t *idx = calloc(a->n_devs, sizeof *idx), n = 0;
  int rc = pj && res && idx ? OBT_EXIT_OK : OBT_EXIT_SYSTEM;
  for (size_t d = 0; rc == OBT_EXIT_OK && d < a->n_devs; d++)
    if (a->edits[d].diff.n_add || a->edits[d].diff.n_remove) {
      idx[n] = d;
      pj[n++] = (obt_prov_cli_job){a->devs[d], ocf_obt_edit_step, &a->edits[d]};
    } else if (a->edits[d].diff.n_forget && record_edit(a, d) != OCF_OK) {
      rc = OBT_EXIT_SYSTEM;
    }
  if (rc == OBT_EXIT_OK && n) {
    /* describe reads edits[job]: the jobs are given in device order, so map through idx */
    obt_prov_cli_run_params p = {.what = "apply", .jobs = pj, .n_jobs = n, .results = res, .print = false};
    rc = obt_prov_cli_run(c, &p);
    for (size_t k = 0; rc != OBT_EXIT_SYSTEM && k < n; k++) {
      size_t d = idx[k];
      char what[160];
      if (res[k].ok) {
        describe_edit(a, d, what, sizeof what);
        result_line(a, "ace", &a->devs[d], NULL, what, NULL, "");
        if (record_edit(a, d) != OCF_OK) rc = OBT_EXIT_SYSTEM;
        continue;
      }
      result_line(a, "ace", &a->devs[d], NULL, "", &res[k].failure,
                  a->edits[d].left     ? "; UNDO FAILED: its ACL is half changed, run obt apply again"
                  : a->edits[d].undone ? "; its earlier changes were undone"
                                       : "");
    }
  }
  free(pj);
  free(res);
  free(idx);
  return rc;
}

static int worse(int a, int b) {
  return a == OBT_EXIT_SYSTEM || b == OBT_EXIT_SYSTEM ? OBT_EXIT_SYSTEM : a > b ? a : b;
}

static int run_apply(apply *a) {
  obt_prov_cli *c = NULL;
  int rc = obt_prov_cli_open("apply", &a->o, a->s, a->devs, a->n_devs, &c);
  if (rc >= 0) return rc;
  rc = read_devices(a, c);
  for (size_t d = 0; rc < 0 && d < a->n_devs; d++) rc = diff_device(a, d);
  if (rc < 0) rc = diff_groups(a);
  if (rc < 0) {
    diff_pairs(a);
    print_plan(a);
    if (a->dry_run || a->n_changes == 0) rc = OBT_EXIT_OK;
  }
  if (rc < 0) rc = obt_lc_confirm("apply", &a->o, "Apply these changes?");
  if (rc < 0) {
    rc = OBT_EXIT_OK;
    for (size_t i = 0; i < a->n_to_pair && rc != OBT_EXIT_SYSTEM; i++)
      rc = worse(rc, run_pair(a, c, &a->to_pair[i], OCF_OBT_PAIR));
    for (size_t i = 0; i < a->n_to_unpair && rc != OBT_EXIT_SYSTEM; i++)
      rc = worse(rc, run_pair(a, c, &a->to_unpair[i], OCF_OBT_UNPAIR));
    for (size_t i = 0; i < a->n_gch && rc != OBT_EXIT_SYSTEM; i++)
      rc = worse(rc, run_group(a, c, &a->gch[i]));
    if (rc != OBT_EXIT_SYSTEM) rc = note_pending(a) >= 0 ? OBT_EXIT_SYSTEM : worse(rc, run_edits(a, c));
    char detail[96];
    snprintf(detail, sizeof detail, "%zu change%s, exit %d", a->n_changes, a->n_changes == 1 ? "" : "s", rc);
    if (a->o.json) printf("{\"event\": \"done\", \"changes\": %zu, \"exit\": %d}\n", a->n_changes, rc);
    if (ocf_obt_store_audit_append(a->s, obt_wall_ms(), obt_prov_cli_actor(c), "apply", detail) != OCF_OK)
      rc = OBT_EXIT_SYSTEM;
  }
  obt_prov_cli_close(c);
  return rc;
}

static int parse_apply_args(int argc, char **argv, apply *a) {
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
      fputs(apply_usage, stdout);
      return OBT_EXIT_OK;
    }
    if (strcmp(arg, "-n") == 0 || strcmp(arg, "--dry-run") == 0) {
      a->dry_run = true;
      continue;
    }
    if (arg[0] != '-' && !a->file) {
      a->file = arg;
      continue;
    }
    int handled = obt_lc_opt_parse(&a->o, "apply", argc, argv, &i);
    if (handled < 0) return OBT_EXIT_USAGE;
    if (!handled || a->o.n_uuids) {
      fprintf(stderr, "obt apply: unexpected '%s' (see obt apply --help)\n", arg);
      return OBT_EXIT_USAGE;
    }
  }
  if (!a->file) {
    fprintf(stderr, "obt apply: name the policy FILE (see obt apply --help)\n");
    return OBT_EXIT_USAGE;
  }
  return -1;
}

int obt_cmd_apply(int argc, char **argv) {
  apply *a = calloc(1, sizeof *a);
  if (!a) return OBT_EXIT_SYSTEM;
  obt_net_opts_init(&a->o.net);
  a->o.uuids = calloc((size_t)argc, sizeof *a->o.uuids);
  a->pol = malloc(sizeof *a->pol);
  int rc = a->o.uuids && a->pol ? parse_apply_args(argc, argv, a) : OBT_EXIT_SYSTEM;
  if (rc < 0) rc = obt_lc_open_store("apply", &a->o, true, &a->s);
  if (rc < 0) rc = read_policy(a);
  if (rc < 0) rc = involved(a);
  if (rc < 0 && a->n_devs == 0) {
    /* No device to reach. Only groups the policy made whose members the store all forgot can be
     * left to do: their records go (nothing to remove from any device). */
    rc = diff_groups(a);
    if (rc < 0) print_plan(a);
    if (rc < 0 && !a->dry_run && a->n_changes) rc = obt_lc_confirm("apply", &a->o, "Apply these changes?");
    if (rc < 0 && !a->dry_run)
      for (size_t i = 0; i < a->n_gch && rc < 0; i++)
        if (run_group(a, NULL, &a->gch[i]) != OBT_EXIT_OK) rc = OBT_EXIT_SYSTEM;
    if (rc < 0) rc = OBT_EXIT_OK;
  }
  if (rc < 0) {
    a->reads = calloc(a->n_devs, sizeof *a->reads);
    a->creds = calloc(a->n_devs, sizeof *a->creds);
    a->edits = calloc(a->n_devs, sizeof *a->edits);
    rc = a->reads && a->creds && a->edits ? run_apply(a) : OBT_EXIT_SYSTEM;
  }
  ocf_obt_store_close(a->s);
  free(a->o.uuids);
  free(a->pol);
  free(a->reads);
  free(a->creds);
  free(a->edits);
  free(a->rec);
  free(a->sgroups);
  free(a->gch);
  free(a);
  return rc;
}
