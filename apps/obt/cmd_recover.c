/* obt recover: resolve onboardings that were interrupted (a crash, kill -9, a device lost half
 * way), so that the store never holds a device as owned without its owner credential nor keeps a
 * credential for a device that no longer has it (<ocf/ocf_obt_lifecycle.h>, ADR 0016). */
#include <stdlib.h>
#include <string.h>

#include "lifecycle_cli.h"

static const char recover_usage[] =
    "usage: obt recover [UUID...] [options]\n"
    "\n"
    "Resolves interrupted onboardings: devices the store still holds as \"onboarding\" (obt devices\n"
    "lists them; without UUIDs, all of them). For each:\n"
    "  - no owner credential was stored yet: it never reached the device, which went back to its\n"
    "    factory state (RFOTM) when the onboarding session dropped; the record is dropped.\n"
    "  - the owner credential was stored (it may be on the device): the owner session is opened;\n"
    "    a device that finished its onboarding (in RFPRO, owned by this tool under the recorded\n"
    "    uuid: only the tool's last record was lost) is recorded as owned; any other is reset\n"
    "    (as obt reset), then the record and credential are dropped. If the\n"
    "    session does not come up, the device is asked over plain CoAP whether it is unowned\n"
    "    (then it reset itself and holds nothing of ours: dropped too). A device that cannot be\n"
    "    reached keeps its record and credential: run obt recover again once it is back, or\n"
    "    obt reset --forget-only UUID if it is gone for good.\n"
    "Afterwards, onboard the devices that were reset again (obt discover shows their new uuids).\n"
    "Interrupted onboardings are rolled back, never resumed (ADR 0016: the onboarding session\n"
    "cannot be resumed, and a device resets itself when it drops), except one the device had\n"
    "finished.\n"
    "\n"
    "options:\n"
    "  -n, --dry-run         only say what would be done\n"
    "  -y, --yes             do not ask for confirmation before resetting devices (scripts)\n"
    "  -w, --window MS       how long to look for the devices by multicast (default 3000)\n"
    "  -t, --timeout S       seconds the owner session and each request may take (default 30)\n"
    "  -i, --interface IF    send and listen on this interface (repeatable)\n"
    "  -4, --ipv4-only / -6, --ipv6-only\n"
    "  -s, --store PATH      the domain store (default $XDG_DATA_HOME/obt/domain.db)\n"
    "  -k, --key-file PATH   the domain key file (default: the one the domain was created with)\n"
    "      --passphrase-env VAR  the domain passphrase is in environment variable VAR\n"
    "      --json            one JSON object per line and device on stdout (stable field names)\n"
    "  -v, --verbose         log more on stderr\n"
    "  -h, --help            this text\n"
    "\n"
    "exit status: 0 every interrupted onboarding was resolved (or there was none), 1 a device\n"
    "refused or is not interrupted, 2 usage, 3 system error, 4 a device did not answer (it stays\n"
    "in the store)\n";

typedef struct pick {
  ocf_uuid *u;
  size_t n, cap;
} pick;

static bool pick_onboarding(void *user, const ocf_obt_device_record *d) {
  pick *p = user;
  if (d->state != OCF_OBT_DEVICE_ONBOARDING) return true;
  if (p->n == p->cap) {
    size_t cap = p->cap ? p->cap * 2 : 16;
    ocf_uuid *grown = realloc(p->u, cap * sizeof *grown);
    if (!grown) return false;
    p->u = grown;
    p->cap = cap;
  }
  p->u[p->n++] = d->uuid;
  return true;
}

/* Prints the plan; *network: some device needs the owner session. */
static int show_plan(const obt_lc_opts *o, ocf_obt_store *s, const pick *p, bool *network) {
  *network = false;
  FILE *out = o->json ? stderr : stdout;
  for (size_t i = 0; i < p->n; i++) {
    ocf_obt_recovery plan;
    ocf_obt_device_record r;
    char uuid[OCF_UUID_STR_LEN];
    ocf_uuid_format(&p->u[i], uuid);
    if (ocf_obt_recovery_plan(s, &p->u[i], &plan) != OCF_OK ||
        ocf_obt_store_device_get(s, &p->u[i], &r) != OCF_OK) {
      fprintf(stderr, "obt recover: the store knows no device %s\n", uuid);
      continue;
    }
    *network = *network || plan == OCF_OBT_RECOVERY_RESET;
    fprintf(out, "%s  %-20s  %s\n", uuid, r.name,
            plan == OCF_OBT_RECOVERY_RESET
                ? "owner credential stored: owned if the device finished, else reset and forgotten"
            : plan == OCF_OBT_RECOVERY_FORGET
                ? "no owner credential went out: forget it"
                : "not interrupted: nothing to do (obt reset for owned devices)");
  }
  return -1;
}

int obt_cmd_recover(int argc, char **argv) {
  obt_lc_opts o = {0};
  obt_net_opts_init(&o.net);
  bool dry = false;
  o.uuids = calloc((size_t)argc, sizeof *o.uuids);
  if (!o.uuids) return OBT_EXIT_SYSTEM;
  int rc = -1;
  for (int i = 1; rc < 0 && i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      fputs(recover_usage, stdout);
      rc = OBT_EXIT_OK;
    } else if (strcmp(argv[i], "-n") == 0 || strcmp(argv[i], "--dry-run") == 0) {
      dry = true;
    } else {
      int handled = obt_lc_opt_parse(&o, "recover", argc, argv, &i);
      if (handled == 0)
        fprintf(stderr, "obt recover: unknown option '%s' (see obt recover --help)\n", argv[i]);
      if (handled <= 0) rc = OBT_EXIT_USAGE;
    }
  }
  ocf_obt_store *s = NULL;
  pick p = {0};
  if (rc < 0) rc = obt_lc_open_store("recover", &o, false, &s);
  for (size_t i = 0; rc < 0 && i < o.n_uuids; i++) {
    ocf_uuid u;
    if (ocf_uuid_parse(o.uuids[i], strlen(o.uuids[i]), &u) != OCF_OK) continue;
    ocf_obt_device_record r = {.uuid = u, .state = OCF_OBT_DEVICE_ONBOARDING};
    bool dup = false;
    for (size_t k = 0; k < p.n; k++) dup = dup || ocf_uuid_equal(&p.u[k], &u);
    if (!dup && !pick_onboarding(&p, &r)) rc = OBT_EXIT_SYSTEM;
  }
  if (rc < 0 && o.n_uuids == 0 && ocf_obt_store_device_list(s, pick_onboarding, &p) != OCF_OK)
    rc = OBT_EXIT_FAILED;
  if (rc < 0 && p.n == 0) {
    printf("%s\n", o.json ? "{\"event\": \"done\", \"ok\": 0, \"failed\": 0}" : "No interrupted onboarding.");
    rc = OBT_EXIT_OK;
  }
  bool network = false;
  if (rc < 0) rc = show_plan(&o, s, &p, &network);
  if (rc < 0 && dry) rc = OBT_EXIT_OK;
  if (rc < 0 && network) {
    int u = obt_store_unlock_cli("recover", s, o.key_file, o.pass_env);
    if (u != OBT_EXIT_OK) rc = u;
  }
  if (rc < 0 && network)
    rc = obt_lc_confirm("recover", &o, "Reset the devices that may hold the owner credential?");
  if (rc < 0) rc = obt_lc_run("recover", &o, s, OCF_OBT_LC_RECOVER, p.u, p.n, network);
  ocf_obt_store_close(s);
  free(p.u);
  free(o.uuids);
  return rc;
}
