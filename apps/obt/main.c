/* obt — the OCF onboarding tool. One subcommand per file (cmd_*.c); this file dispatches. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef OBT_VERSION
#define OBT_VERSION "unknown"
#endif

static const obt_cmd commands[] = {
    {"init", "create the security domain and its store", obt_cmd_init},
    {"domain", "show the security domain", obt_cmd_domain},
    {"discover", "find OCF devices on the network (multicast) or at one address", obt_cmd_discover},
    {"onboard", "claim devices into the domain (ownership transfer to RFPRO)", obt_cmd_onboard},
    {"devices", "list the devices the domain store knows", obt_cmd_devices},
    {"ca", "the domain's certificate authority: init, import, show", obt_cmd_ca},
    {"show", "everything the domain store knows of one device", obt_cmd_show},
    {"reset", "reset owned devices to their factory state and forget them", obt_cmd_reset},
    {"recover", "resolve interrupted onboardings (after a crash or kill)", obt_cmd_recover},
    {"trust", "the domain's manufacturer trust anchors (mfgcert): add, list, remove", obt_cmd_trust},
    {"pair", "give two owned devices a shared symmetric key (pairwise credential)", obt_cmd_pair},
    {"unpair", "remove the pairwise credentials two devices hold for each other", obt_cmd_unpair},
    {"creds", "list the credentials owned devices hold (never private data)", obt_cmd_creds},
    {"oscore", "OSCORE pairwise contexts between two owned devices: pair, unpair", obt_cmd_oscore},
    {"group", "Simple Secure Multicast groups: create, list, rekey, delete", obt_cmd_group},
    {"acl", "access control entries of owned devices: add, list, remove, allow", obt_cmd_acl},
    {"state", "move owned devices to RFNOP (normal operation), RFPRO or SRESET", obt_cmd_state},
    {"cert", "certificates of the domain's CA: issue, renew, list, revoke, self", obt_cmd_cert},
    {"crl", "push a fresh CRL to the devices: push", obt_cmd_crl},
    {"maintain", "keep the CRL fresh on the devices and renew expiring certificates (--every)",
     obt_cmd_maintain},
    {"apply", "make devices hold what a policy file states (pairs, groups, ACEs); --dry-run shows the diff",
     obt_cmd_apply},
    {"offboard", "take devices out of the domain: remove their keys and ACEs from peers, reset",
     obt_cmd_offboard},
};

static void usage(FILE *out) {
  fprintf(out, "usage: obt COMMAND [options]    (obt COMMAND --help for its options)\n\ncommands:\n");
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    fprintf(out, "  %-10s  %s\n", commands[i].name, commands[i].summary);
  fprintf(out, "\nexit status: 0 success, 1 the operation failed, 2 usage error, 3 system error,\n"
               "4 a device did not answer in time\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return OBT_EXIT_USAGE;
  }
  if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
    usage(stdout);
    return OBT_EXIT_OK;
  }
  if (strcmp(argv[1], "--version") == 0) {
    printf("obt %s\n", OBT_VERSION);
    return OBT_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
    if (strcmp(argv[1], commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "obt: unknown command '%s'\n\n", argv[1]);
  usage(stderr);
  return OBT_EXIT_USAGE;
}
