/* obt init: create the security domain this tool manages, and its store. */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char init_usage[] =
    "usage: obt init [options]\n"
    "\n"
    "Creates the security domain: the tool's own OCF device id, a random security domain uuid,\n"
    "its name and priv flag (written to every onboarded device's /oic/sec/sdi), and the OTM\n"
    "policy; kept in the domain store, an SQLite file (mode 0600, directory 0700). Secrets in\n"
    "it (owner credentials) are encrypted with a domain key from a key file (the default) or\n"
    "a passphrase.\n"
    "\n"
    "options:\n"
    "  -s, --store PATH        the domain store (default $XDG_DATA_HOME/obt/domain.db, or\n"
    "                          ~/.local/share/obt/domain.db)\n"
    "  -n, --name NAME         the domain's name, 1 to 64 bytes (default: asked on a terminal,\n"
    "                          else \"" OBT_DEVICE_NAME "\", the tool's own device name)\n"
    "      --priv              set sdi priv: devices keep the domain out of /oic/res\n"
    "      --otm-policy LIST   the ownership transfer methods allowed, in order of preference,\n"
    "                          from jw, rdp, mfgcert (default " OCF_OBT_OTM_POLICY_DEFAULT
    "; e.g. rdp,mfgcert\n"
    "                          forbids Just Works)\n"
    "  -k, --key-file PATH     the domain key file, 32 random bytes, mode 0600; created when\n"
    "                          missing, reused when present (default: the store's path with\n"
    "                          .key for .db; keeping it elsewhere keeps it out of the store's\n"
    "                          backups)\n"
    "      --passphrase        derive the domain key from a passphrase asked on the terminal\n"
    "      --passphrase-env VAR  ... from the passphrase in environment variable VAR\n"
    "      --uuid UUID         the tool's own device id (default: random from the DRBG; for\n"
    "                          tests and interop with clients that take the PSK identity as text)\n"
    "      --force             replace an existing domain (its devices, steps, log and\n"
    "                          credentials are deleted)\n"
    "  -h, --help              this text\n"
    "\n"
    "exit status: 0 created, 1 a domain exists (without --force) or creating it failed,\n"
    "2 usage, 3 system error (files)\n";

typedef struct init_opts {
  const char *store, *name, *policy, *key_file, *pass_env, *uuid;
  bool priv, ask_pass, force;
  char store_buf[4096], key_buf[4096], name_buf[OCF_OBT_DOMAIN_NAME_MAX + 2];
} init_opts;

/* The option's value, or NULL after printing a usage error. */
static const char *value(int argc, char **argv, int *i) {
  if (*i + 1 >= argc) {
    fprintf(stderr, "obt init: %s needs a value (see obt init --help)\n", argv[*i]);
    return NULL;
  }
  return argv[++*i];
}

static bool opt_is(const char *a, const char *s, const char *l) {
  return (s && strcmp(a, s) == 0) || strcmp(a, l) == 0;
}

/* Returns -1 to go on, or the exit code to stop with. */
static int parse_init_args(int argc, char **argv, init_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char **slot = NULL;
    if (opt_is(a, "-h", "--help")) {
      fputs(init_usage, stdout);
      return OBT_EXIT_OK;
    } else if (opt_is(a, NULL, "--priv")) {
      o->priv = true;
    } else if (opt_is(a, NULL, "--force")) {
      o->force = true;
    } else if (opt_is(a, NULL, "--passphrase")) {
      o->ask_pass = true;
    } else if (opt_is(a, "-s", "--store")) {
      slot = &o->store;
    } else if (opt_is(a, "-n", "--name")) {
      slot = &o->name;
    } else if (opt_is(a, NULL, "--otm-policy")) {
      slot = &o->policy;
    } else if (opt_is(a, NULL, "--uuid")) {
      slot = &o->uuid;
    } else if (opt_is(a, "-k", "--key-file")) {
      slot = &o->key_file;
    } else if (opt_is(a, NULL, "--passphrase-env")) {
      slot = &o->pass_env;
    } else {
      fprintf(stderr, "obt init: unknown option '%s' (see obt init --help)\n", a);
      return OBT_EXIT_USAGE;
    }
    if (slot && !(*slot = value(argc, argv, &i))) return OBT_EXIT_USAGE;
  }
  if ((o->key_file != NULL) + (o->pass_env != NULL) + o->ask_pass > 1) {
    fprintf(stderr, "obt init: choose one of --key-file, --passphrase, --passphrase-env\n");
    return OBT_EXIT_USAGE;
  }
  if (!o->policy) o->policy = OCF_OBT_OTM_POLICY_DEFAULT;
  if (!ocf_obt_otm_policy_valid(o->policy)) {
    fprintf(stderr, "obt init: --otm-policy: '%s' is not a list of distinct OTMs from jw, rdp, mfgcert\n",
            o->policy);
    return OBT_EXIT_USAGE;
  }
  return -1;
}

/* The store path, the key file path (store.db -> store.key), and the name. */
static int resolve_paths_and_name(init_opts *o) {
  if (!o->store) {
    if (obt_store_default_path(o->store_buf, sizeof o->store_buf) != 0) return OBT_EXIT_USAGE;
    o->store = o->store_buf;
  }
  if (!o->key_file && !o->pass_env && !o->ask_pass) {
    size_t len = strlen(o->store);
    size_t stem = len > 3 && strcmp(o->store + len - 3, ".db") == 0 ? len - 3 : len;
    int n = snprintf(o->key_buf, sizeof o->key_buf, "%.*s.key", (int)stem, o->store);
    if (n < 0 || (size_t)n >= sizeof o->key_buf) return OBT_EXIT_USAGE;
    o->key_file = o->key_buf;
  }
  if (o->name) return -1;
  o->name = OBT_DEVICE_NAME;
  if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) return -1;
  fprintf(stderr, "Name of the security domain [%s]: ", OBT_DEVICE_NAME);
  if (!fgets(o->name_buf, sizeof o->name_buf, stdin)) return -1;
  o->name_buf[strcspn(o->name_buf, "\n")] = '\0';
  if (o->name_buf[0]) o->name = o->name_buf;
  return -1;
}

/* Refuses before any key file is made when a domain exists and --force is not given. */
static int check_existing(const init_opts *o, const ocf_platform *pf) {
  ocf_obt_store *s = NULL;
  ocf_err err = obt_store_open_existing(o->store, pf, &s);
  if (err != OCF_OK) {
    /* Even with --force: a file we cannot read as a domain store is the operator's to delete. */
    obt_store_report("init", o->store, err);
    return obt_store_exit_code(err);
  }
  ocf_obt_domain d;
  err = ocf_obt_store_domain_get(s, &d);
  ocf_obt_store_close(s);
  if (err != OCF_OK || o->force) return -1;
  char uuid[OCF_UUID_STR_LEN];
  ocf_uuid_format(&d.sdi_uuid, uuid);
  fprintf(stderr,
          "obt init: %s already holds the domain \"%s\" (%s); --force replaces it, deleting its "
          "devices and their credentials\n",
          o->store, d.name, uuid);
  return OBT_EXIT_FAILED;
}

typedef struct key_material {
  uint8_t file_key[OCF_OBT_DOMAIN_KEY_LEN];
  char pass[OCF_OBT_PASSPHRASE_MAX + 2];
  char key_path[PATH_MAX];
  ocf_obt_store_key key;
} key_material;

static int load_key(const init_opts *o, const ocf_platform *pf, key_material *k) {
  k->key.kind = OCF_OBT_KEY_PASSPHRASE;
  if (o->key_file) {
    ocf_err err = ocf_posix_store_key_load(o->key_file, true, pf, k->file_key);
    if (err != OCF_OK) {
      fprintf(stderr, "obt init: key file %s: %s\n", o->key_file,
              err == OCF_ERR_DENIED ? "refused: a symbolic link, not yours, or not mode 0600"
                                    : ocf_strerror(err));
      return err == OCF_ERR_DENIED || err == OCF_ERR_IO ? OBT_EXIT_SYSTEM : OBT_EXIT_FAILED;
    }
    /* The hint later runs read: an absolute path, so it holds from any working directory. */
    const char *hint = realpath(o->key_file, k->key_path) ? k->key_path : o->key_file;
    k->key = (ocf_obt_store_key){
        .kind = OCF_OBT_KEY_FILE, .secret = k->file_key, .len = sizeof k->file_key, .hint = hint};
    return -1;
  }
  if (o->pass_env) {
    const char *p = getenv(o->pass_env);
    size_t len = p ? strlen(p) : 0;
    if (len == 0 || len > OCF_OBT_PASSPHRASE_MAX) {
      fprintf(stderr, "obt init: %s holds no passphrase (or one over %d bytes)\n", o->pass_env,
              OCF_OBT_PASSPHRASE_MAX);
      return OBT_EXIT_USAGE;
    }
    memcpy(k->pass, p, len + 1);
  } else {
    int rc = obt_read_passphrase("Passphrase for the domain key: ", true, k->pass, sizeof k->pass);
    if (rc != OBT_EXIT_OK) return rc;
  }
  k->key.secret = (const uint8_t *)k->pass;
  k->key.len = strlen(k->pass);
  k->key.hint = "passphrase";
  return -1;
}

static void print_summary(const init_opts *o, const ocf_obt_domain *d, const ocf_obt_store_key *key) {
  char sdi[OCF_UUID_STR_LEN], tool[OCF_UUID_STR_LEN];
  ocf_uuid_format(&d->sdi_uuid, sdi);
  ocf_uuid_format(&d->tool_uuid, tool);
  printf("Created the security domain \"%s\" in %s\n", d->name, o->store);
  printf("  domain uuid  %s\n  tool uuid    %s\n  private      %s\n  OTM policy   %s\n", sdi, tool,
         d->priv ? "yes" : "no", d->otm_policy);
  if (key->kind == OCF_OBT_KEY_FILE)
    printf("  domain key   key file %s\n", key->hint);
  else
    printf("  domain key   passphrase (PBKDF2-HMAC-SHA-256, %u iterations)\n",
           OCF_OBT_PBKDF2_DEFAULT_ITERATIONS);
}

static int create(const init_opts *o, const ocf_platform *pf, const ocf_obt_store_key *key) {
  ocf_obt_domain d = {.priv = o->priv};
  if (o->uuid && ocf_uuid_parse(o->uuid, strlen(o->uuid), &d.tool_uuid) != OCF_OK) return OBT_EXIT_USAGE;
  snprintf(d.name, sizeof d.name, "%s", o->name);
  snprintf(d.otm_policy, sizeof d.otm_policy, "%s", o->policy);
  ocf_obt_wall_ms now = obt_wall_ms();
  ocf_obt_store *s = NULL;
  ocf_err err = ocf_obt_store_create(o->store, &d, key, o->force, now, pf, &s);
  if (err == OCF_ERR_INVALID_ARG) {
    fprintf(stderr, "obt init: the name must be 1 to %d bytes of UTF-8 without control characters\n",
            OCF_OBT_DOMAIN_NAME_MAX);
    return OBT_EXIT_USAGE;
  }
  if (err != OCF_OK) {
    obt_store_report("init", o->store, err);
    return obt_store_exit_code(err);
  }
  const char *user = getenv("USER");
  char detail[OCF_OBT_AUDIT_DETAIL_MAX + 1];
  snprintf(detail, sizeof detail, "%s domain", o->force ? "replaced the" : "created the");
  if (!user || ocf_obt_store_audit_append(s, now, user, "init", detail) != OCF_OK)
    err = ocf_obt_store_audit_append(s, now, "obt", "init", detail);
  if (err == OCF_OK) err = ocf_obt_store_domain_get(s, &d);
  ocf_obt_store_close(s);
  if (err != OCF_OK) {
    obt_store_report("init", o->store, err);
    return obt_store_exit_code(err);
  }
  print_summary(o, &d, key);
  return OBT_EXIT_OK;
}

int obt_cmd_init(int argc, char **argv) {
  init_opts o = {0};
  int rc = parse_init_args(argc, argv, &o);
  ocf_uuid chosen;
  if (rc < 0 && o.uuid &&
      (ocf_uuid_parse(o.uuid, strlen(o.uuid), &chosen) != OCF_OK || ocf_uuid_is_nil(&chosen))) {
    fprintf(stderr, "obt init: --uuid takes a uuid other than the nil one\n");
    rc = OBT_EXIT_USAGE;
  }
  if (rc < 0) rc = resolve_paths_and_name(&o);
  if (rc >= 0) return rc;
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_WARN, false);
  bool created = false;
  ocf_err err = ocf_posix_private_file_prepare(o.store, true, &pf, &created);
  if (err != OCF_OK) {
    obt_store_report("init", o.store, err);
    return obt_store_exit_code(err);
  }
  rc = created ? -1 : check_existing(&o, &pf);
  if (rc >= 0) return rc;
  key_material k;
  memset(&k, 0, sizeof k);
  rc = load_key(&o, &pf, &k);
  if (rc < 0) rc = create(&o, &pf, &k.key);
  explicit_bzero(&k, sizeof k);
  return rc;
}
