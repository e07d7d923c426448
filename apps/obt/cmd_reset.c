/* obt reset: take devices out of the domain. Over the owner session, RESET (POST /oic/sec/pstat
 * {dos: {s: 0}}, digest §9), then the store forgets the device and its owner credential; or,
 * with --forget-only, just forget a device that is gone (<ocf/ocf_obt_lifecycle.h>). */
#include <stdlib.h>
#include <string.h>

#include "lifecycle_cli.h"

static const char reset_usage[] =
    "usage: obt reset UUID... [options]\n"
    "\n"
    "Resets owned devices to their factory state and removes them from the security domain:\n"
    "opens the owner session with each device (DTLS with the owner credential from the domain\n"
    "store), asks it for RESET (it goes back to RFOTM with a new uuid and no credentials, ready to\n"
    "be onboarded again), and once it acknowledged, forgets it: its record, its onboarding steps\n"
    "and its owner credential. The audit log keeps what happened. A device that refuses or does\n"
    "not answer stays in the store, unchanged. UUID is the device's uuid in the store (obt devices).\n"
    "\n"
    "options:\n"
    "      --forget-only     do not contact the devices: only forget them (a device that is gone\n"
    "                        or was reset by hand). A device that is still owned keeps our\n"
    "                        credential and cannot be managed any more: reset it by hand.\n"
    "  -y, --yes             do not ask for confirmation (scripts)\n"
    "  -w, --window MS       how long to look for the devices by multicast (default 3000; the\n"
    "                        address the store saw last is used for a device that did not answer)\n"
    "  -t, --timeout S       seconds the owner session and the reset may take (default 30)\n"
    "  -i, --interface IF    send and listen on this interface (repeatable)\n"
    "  -4, --ipv4-only / -6, --ipv6-only\n"
    "  -s, --store PATH      the domain store (default $XDG_DATA_HOME/obt/domain.db)\n"
    "  -k, --key-file PATH   the domain key file (default: the one the domain was created with)\n"
    "      --passphrase-env VAR  the domain passphrase is in environment variable VAR\n"
    "      --json            one JSON object per line and device on stdout (stable field names)\n"
    "  -v, --verbose         log more on stderr\n"
    "  -h, --help            this text\n"
    "\n"
    "exit status: 0 every device was reset (or forgotten), 1 a device refused or is unknown to the\n"
    "store (each failure says what to do), 2 usage, 3 system error, 4 a device did not answer\n";

/* -1 to go on, or the exit code. */
static int parse_reset_args(int argc, char **argv, obt_lc_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(reset_usage, stdout);
      return OBT_EXIT_OK;
    }
    if (strcmp(a, "--forget-only") == 0) {
      o->forget_only = true;
      continue;
    }
    int handled = obt_lc_opt_parse(o, "reset", argc, argv, &i);
    if (handled < 0) return OBT_EXIT_USAGE;
    if (!handled) {
      fprintf(stderr, "obt reset: unknown option '%s' (see obt reset --help)\n", a);
      return OBT_EXIT_USAGE;
    }
  }
  if (o->n_uuids == 0) {
    fprintf(stderr, "obt reset: name the devices to reset (their uuids, see obt devices)\n");
    return OBT_EXIT_USAGE;
  }
  return -1;
}

int obt_cmd_reset(int argc, char **argv) {
  obt_lc_opts o = {0};
  obt_net_opts_init(&o.net);
  o.uuids = calloc((size_t)argc, sizeof *o.uuids);
  ocf_uuid *uuids = calloc((size_t)argc, sizeof *uuids);
  if (!o.uuids || !uuids) {
    free(o.uuids);
    free(uuids);
    return OBT_EXIT_SYSTEM;
  }
  int rc = parse_reset_args(argc, argv, &o);
  size_t n = rc < 0 ? obt_lc_uuids(&o, uuids) : 0;
  ocf_obt_store *s = NULL;
  /* Forgetting reads no secret: it needs no key (a domain whose key file is lost can still
   * drop its devices). */
  if (rc < 0) rc = obt_lc_open_store("reset", &o, !o.forget_only, &s);
  if (rc < 0) {
    char prompt[160];
    snprintf(prompt, sizeof prompt,
             o.forget_only ? "Forget %zu device%s (their owner credentials are deleted)?"
                           : "Reset %zu device%s to their factory state and forget them?",
             n, n == 1 ? "" : "s");
    rc = obt_lc_confirm("reset", &o, prompt);
  }
  if (rc < 0)
    rc = obt_lc_run("reset", &o, s, o.forget_only ? OCF_OBT_LC_FORGET : OCF_OBT_LC_RESET, uuids, n,
                    !o.forget_only);
  ocf_obt_store_close(s);
  free(o.uuids);
  free(uuids);
  return rc;
}
