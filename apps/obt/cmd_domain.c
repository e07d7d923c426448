/* obt domain: show the security domain in the store (no key needed: nothing secret is shown). */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char domain_usage[] =
    "usage: obt domain [options]\n"
    "\n"
    "Shows the security domain of the domain store: its uuid, name and priv flag, the tool's own\n"
    "device id, the OTM policy, where the domain key comes from, and how many devices it knows.\n"
    "\n"
    "options:\n"
    "  -s, --store PATH   the domain store (default $XDG_DATA_HOME/obt/domain.db, or\n"
    "                     ~/.local/share/obt/domain.db)\n"
    "      --json         one JSON object on stdout (stable field names, for scripts)\n"
    "  -h, --help         this text\n"
    "\n"
    "exit status: 0 shown, 1 no domain (run obt init), the store is in use or damaged,\n"
    "2 usage, 3 system error (files)\n";

typedef struct domain_view {
  ocf_obt_domain d;
  ocf_obt_key_kind kind;
  char hint[OCF_OBT_KEY_HINT_MAX + 1];
  size_t devices;
} domain_view;

static void print_json(const char *path, const domain_view *v) {
  char sdi[OCF_UUID_STR_LEN], tool[OCF_UUID_STR_LEN], created[32];
  ocf_uuid_format(&v->d.sdi_uuid, sdi);
  ocf_uuid_format(&v->d.tool_uuid, tool);
  obt_format_wall(v->d.created, created);
  printf("{\"name\": ");
  obt_json_string(stdout, v->d.name);
  printf(", \"sdi_uuid\": \"%s\", \"tool_uuid\": \"%s\", \"priv\": %s, \"otm_policy\": \"%s\",\n", sdi, tool,
         v->d.priv ? "true" : "false", v->d.otm_policy);
  printf(" \"created\": \"%s\", \"key\": {\"kind\": \"%s\", \"hint\": ", created,
         v->kind == OCF_OBT_KEY_FILE ? "file" : "passphrase");
  obt_json_string(stdout, v->hint);
  printf("}, \"devices\": %zu, \"store\": ", v->devices);
  obt_json_string(stdout, path);
  printf("}\n");
}

static void print_text(const char *path, const domain_view *v) {
  char sdi[OCF_UUID_STR_LEN], tool[OCF_UUID_STR_LEN], created[32];
  ocf_uuid_format(&v->d.sdi_uuid, sdi);
  ocf_uuid_format(&v->d.tool_uuid, tool);
  obt_format_wall(v->d.created, created);
  printf("Security domain \"%s\"\n", v->d.name);
  printf("  domain uuid  %s\n  tool uuid    %s\n  private      %s\n  OTM policy   %s\n", sdi, tool,
         v->d.priv ? "yes" : "no", v->d.otm_policy);
  printf("  created      %s\n", created);
  if (v->kind == OCF_OBT_KEY_FILE)
    printf("  domain key   key file %s\n", v->hint);
  else
    printf("  domain key   passphrase\n");
  printf("  devices      %zu\n  store        %s\n", v->devices, path);
}

static ocf_err load_view(ocf_obt_store *s, domain_view *v) {
  ocf_err err = ocf_obt_store_domain_get(s, &v->d);
  if (err == OCF_OK) err = ocf_obt_store_key_info(s, &v->kind, v->hint, sizeof v->hint);
  if (err == OCF_OK) err = ocf_obt_store_device_count(s, &v->devices);
  return err;
}

int obt_cmd_domain(int argc, char **argv) {
  const char *store = NULL;
  bool json = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(domain_usage, stdout);
      return OBT_EXIT_OK;
    } else if (strcmp(a, "--json") == 0) {
      json = true;
    } else if ((strcmp(a, "-s") == 0 || strcmp(a, "--store") == 0) && i + 1 < argc) {
      store = argv[++i];
    } else {
      fprintf(stderr, "obt domain: unknown or incomplete option '%s' (see obt domain --help)\n", a);
      return OBT_EXIT_USAGE;
    }
  }
  char path[4096];
  if (!store) {
    if (obt_store_default_path(path, sizeof path) != 0) return OBT_EXIT_USAGE;
    store = path;
  }
  ocf_obt_store *s = NULL;
  int rc = obt_store_open_cli("domain", store, false, NULL, NULL, &s, NULL);
  if (rc >= 0) return rc;
  domain_view v;
  memset(&v, 0, sizeof v);
  ocf_err err = load_view(s, &v);
  ocf_obt_store_close(s);
  if (err != OCF_OK) {
    obt_store_report("domain", store, err);
    return obt_store_exit_code(err);
  }
  if (json)
    print_json(store, &v);
  else
    print_text(store, &v);
  return OBT_EXIT_OK;
}
