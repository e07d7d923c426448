/* obt state: move owned devices between the onboarding states the owner may ask for (digest §3.2;
 * S003 Table 1): RFNOP (normal operation, after the precheck of OBT 5.2), RFPRO (to change
 * credentials or ACEs), SRESET (corrections keeping ownership). RESET is obt reset. */
#include <stdlib.h>
#include <string.h>

#include "ams_cli.h"

static const char state_usage[] =
    "usage: obt state DEVICE... rfnop|rfpro|sreset [options]\n"
    "\n"
    "Moves owned devices to another onboarding state over the owner session (POST /oic/sec/pstat\n"
    "{dos:{s}}), then reads the state back:\n"
    "  rfnop    normal operation. First (OBT 5.2) every SVR entry (/oic/sec/...) is removed from\n"
    "           the ACEs whose subject is conntype anon-clear or auth-crypt: an ACE left with\n"
    "           nothing else is deleted, one with other resources is replaced without them.\n"
    "           What will be removed is shown and asked for (--yes for scripts); if the ACL\n"
    "           changes before the removal, nothing is done. A device whose /oic/d icv is\n"
    "           2.4.0 or earlier also gets an oic.role.owner ACE with -RU-- on every SVR\n"
    "           (OBT 5.5 Table 2) when it can be read.\n"
    "  rfpro    provisioning: credentials and ACEs can be changed (from RFNOP or SRESET)\n"
    "  sreset   soft reset: corrections keeping ownership; back with rfpro (the device refuses\n"
    "           SRESET -> RFNOP)\n"
    "\n"
    "options:\n"
    "  -y, --yes             do not ask for confirmation (scripts)\n"
    "  -w, --window MS       how long to look for the devices by multicast (default 3000; the\n"
    "                        address the store saw last is used for a device that did not answer)\n"
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
    "exit status: 0 every device is in the state, 1 a device refused or is unknown to the store\n"
    "(each failure says what to do) or nothing was approved, 2 usage, 3 system error, 4 a device\n"
    "did not answer\n";

/* -1 to go on, or the exit code. */
static int parse_state_args(int argc, char **argv, obt_lc_opts *o, uint8_t *state) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(state_usage, stdout);
      return OBT_EXIT_OK;
    }
    uint8_t s = obt_ams_state_of(a);
    if (s) {
      if (*state) {
        fprintf(stderr, "obt state: one state, please (see obt state --help)\n");
        return OBT_EXIT_USAGE;
      }
      *state = s;
      continue;
    }
    int handled = obt_lc_opt_parse(o, "state", argc, argv, &i);
    if (handled < 0) return OBT_EXIT_USAGE;
    if (!handled) {
      fprintf(stderr, "obt state: unknown option '%s' (see obt state --help)\n", a);
      return OBT_EXIT_USAGE;
    }
  }
  if (o->n_uuids == 0 || !*state) {
    fprintf(stderr,
            "obt state: name the devices (their uuids, see obt devices) and rfnop, rfpro or sreset\n");
    return OBT_EXIT_USAGE;
  }
  return -1;
}

int obt_cmd_state(int argc, char **argv) {
  obt_lc_opts o = {0};
  obt_net_opts_init(&o.net);
  o.uuids = calloc((size_t)argc, sizeof *o.uuids);
  ocf_uuid *uuids = calloc((size_t)argc, sizeof *uuids);
  uint8_t state = 0;
  int rc = o.uuids && uuids ? parse_state_args(argc, argv, &o, &state) : OBT_EXIT_SYSTEM;
  size_t n = rc < 0 ? obt_lc_uuids(&o, uuids) : 0;
  ocf_obt_store *s = NULL;
  if (rc < 0) rc = obt_lc_open_store("state", &o, true, &s);
  if (rc < 0) rc = obt_ams_cli_state("state", &o, s, uuids, n, state, false, NULL, NULL);
  ocf_obt_store_close(s);
  free(o.uuids);
  free(uuids);
  return rc < 0 ? OBT_EXIT_OK : rc;
}
