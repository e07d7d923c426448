/* obt crl push: a fresh CRL signed by the domain's CA to the owned devices that have
 * /oic/sec/crl (ADR 0020; digest §2.9, §6.7). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert_cli.h"

static const char crl_usage[] =
    "usage: obt crl push UUID...|--all [options]\n"
    "\n"
    "Signs a fresh CRL with the domain's CA (every certificate obt cert revoke marked, a CRL\n"
    "number above any before, next update in 90 days) and POSTs it to /oic/sec/crl of each\n"
    "device over its owner session, then reads it back. Devices without /oic/sec/crl are\n"
    "skipped. The store notes what each device holds (obt maintain).\n"
    "\n"
    "options:\n"
    "      --all          every owned device of the domain\n"
    "      --json         one JSON object per device\n"
    "  -w, --window MS    multicast discovery window (default 3000)\n"
    "  -t, --timeout S    give up after S seconds (default 60)\n"
    "  -i, --interface IF, -4, -6, -v   network options as for obt discover\n"
    "  -s, --store PATH   the domain store (default $XDG_DATA_HOME/obt/domain.db, or\n"
    "                     ~/.local/share/obt/domain.db)\n"
    "  -k, --key-file PATH  the domain key file (default: the one recorded by obt init)\n"
    "      --passphrase-env VAR  the domain passphrase from environment variable VAR\n"
    "  -h, --help         this text\n"
    "\n"
    "exit status: 0 done, 1 refused or a device failed (no CA, no owned device), 2 usage,\n"
    "3 system error, 4 a device did not answer\n";

static int parse_crl_args(int argc, char **argv, obt_cert_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int h;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(crl_usage, stdout);
      return OBT_EXIT_OK;
    } else if (!strcmp(a, "--all")) {
      o->all = true;
    } else if (!o->action && a[0] != '-') {
      o->action = a;
    } else if ((h = obt_lc_opt_parse(&o->lc, "crl", argc, argv, &i)) != 0) {
      if (h < 0) return OBT_EXIT_USAGE;
    } else {
      fprintf(stderr, "obt crl: unknown or incomplete option '%s' (see obt crl --help)\n", a);
      return OBT_EXIT_USAGE;
    }
  }
  if (!o->action || strcmp(o->action, "push")) {
    fprintf(stderr, "obt crl: say push (see obt crl --help)\n");
    return OBT_EXIT_USAGE;
  }
  if (o->all == (o->lc.n_uuids > 0)) {
    fprintf(stderr, "obt crl push: name the devices or say --all\n");
    return OBT_EXIT_USAGE;
  }
  return -1;
}

int obt_cmd_crl(int argc, char **argv) {
  obt_cert_opts o;
  memset(&o, 0, sizeof o);
  obt_net_opts_init(&o.lc.net);
  o.lc.uuids = calloc((size_t)argc, sizeof *o.lc.uuids);
  if (!o.lc.uuids) return OBT_EXIT_SYSTEM;
  int rc = parse_crl_args(argc, argv, &o);
  ocf_obt_store *s = NULL;
  if (rc < 0) rc = obt_lc_open_store("crl", &o.lc, true, &s);
  if (rc < 0) rc = obt_crl_push(s, &o);
  ocf_obt_store_close(s);
  free(o.lc.uuids);
  return rc;
}
