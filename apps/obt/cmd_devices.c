/* obt devices: the devices the domain store knows (no key needed: nothing secret is shown). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char devices_usage[] =
    "usage: obt devices [options]\n"
    "\n"
    "Lists the devices of the domain store: uuid (the one the domain gave it), name, type, state\n"
    "(discovered, onboarding, owned, failed), when it was last seen and where.\n"
    "A device left \"onboarding\" was interrupted (a crash, or a device lost half way): obt show UUID\n"
    "tells where, obt recover resolves it.\n"
    "\n"
    "options:\n"
    "  -s, --store PATH   the domain store (default $XDG_DATA_HOME/obt/domain.db)\n"
    "      --json         one JSON array on stdout (stable field names, for scripts)\n"
    "  -h, --help         this text\n"
    "\n"
    "exit status: 0 listed (even when empty), 1 no domain or the store is in use or damaged,\n"
    "2 usage, 3 system error\n";

typedef struct list_run {
  bool json;
  size_t n, interrupted;
} list_run;

static bool print_device(void *user, const ocf_obt_device_record *d) {
  list_run *r = user;
  char uuid[OCF_UUID_STR_LEN], orig[OCF_UUID_STR_LEN], seen[32];
  ocf_uuid_format(&d->uuid, uuid);
  ocf_uuid_format(&d->original_uuid, orig);
  obt_format_wall(d->last_seen, seen);
  if (r->json) {
    printf("%s\n  {\"uuid\": \"%s\", \"original_uuid\": \"%s\", \"name\": ", r->n ? "," : "", uuid, orig);
    obt_json_string(stdout, d->name);
    printf(", \"type\": ");
    obt_json_string(stdout, d->type);
    printf(", \"state\": \"%s\", \"interrupted\": %s, \"last_seen\": \"%s\", \"endpoints\": ",
           ocf_obt_device_state_name(d->state), d->state == OCF_OBT_DEVICE_ONBOARDING ? "true" : "false",
           seen);
    obt_json_string(stdout, d->endpoints);
    printf("}");
  } else {
    if (r->n == 0)
      printf("%-36s  %-20s  %-16s  %-10s  %s\n", "DEVICE UUID", "NAME", "TYPE", "STATE", "LAST SEEN");
    printf("%-36s  %-20s  %-16s  %-10s  %s\n", uuid, d->name, d->type, ocf_obt_device_state_name(d->state),
           seen);
  }
  r->n++;
  r->interrupted += d->state == OCF_OBT_DEVICE_ONBOARDING;
  return true;
}

int obt_cmd_devices(int argc, char **argv) {
  const char *store = NULL;
  list_run r = {0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(devices_usage, stdout);
      return OBT_EXIT_OK;
    } else if (strcmp(a, "--json") == 0) {
      r.json = true;
    } else if ((strcmp(a, "-s") == 0 || strcmp(a, "--store") == 0) && i + 1 < argc) {
      store = argv[++i];
    } else {
      fprintf(stderr, "obt devices: unknown or incomplete option '%s' (see obt devices --help)\n", a);
      return OBT_EXIT_USAGE;
    }
  }
  char path[4096];
  if (!store) {
    if (obt_store_default_path(path, sizeof path) != 0) return OBT_EXIT_USAGE;
    store = path;
  }
  ocf_obt_store *s = NULL;
  int rc = obt_store_open_cli("devices", store, false, NULL, NULL, &s, NULL);
  if (rc >= 0) return rc;
  if (r.json) printf("[");
  ocf_err err = ocf_obt_store_device_list(s, print_device, &r);
  ocf_obt_store_close(s);
  if (err) {
    obt_store_report("devices", store, err);
    return obt_store_exit_code(err);
  }
  if (r.json)
    printf("%s]\n", r.n ? "\n" : "");
  else if (r.n == 0)
    printf("The domain store knows no device yet (obt onboard).\n");
  /* The store is locked while an onboarding runs, so an "onboarding" record seen here is one
   * that was interrupted (ADR 0015). */
  if (!r.json && r.interrupted)
    printf("%zu interrupted onboarding%s: see obt show UUID, resolve with obt recover.\n", r.interrupted,
           r.interrupted == 1 ? "" : "s");
  return OBT_EXIT_OK;
}
