/* obt ca: the domain's certificate authority (ADR 0017; OBT 5.4, 6.1): create a P-256 root,
 * import a company sub-CA, show the CA certificate. The private key is sealed in the domain
 * store under the domain key and never printed or written elsewhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_obt_ca.h>

#include "cli.h"

static const char ca_usage[] =
    "usage: obt ca init [--cn NAME] [--days N] [--force] [options]\n"
    "       obt ca import --cert FILE --key FILE [--force] [options]\n"
    "       obt ca show [--json] [--pem] [options]\n"
    "\n"
    "The security domain's certificate authority, which signs the devices' identity and role\n"
    "certificates and the CRLs. init creates a self-signed P-256 root; import takes an existing\n"
    "CA's certificate and private key (PEM or DER; P-256, ecdsa-with-SHA256, cA with keyCertSign\n"
    "and cRLSign) so a company CA can sit above the domain: certificates after the first in the\n"
    "--cert file are its chain up to the company root (each must have signed the one before, the\n"
    "last be self-signed), sent to devices after their certificate; show prints the CA's\n"
    "subject, issuer, serial, validity and SHA-256 fingerprint (no key needed). The private key\n"
    "is kept sealed in the domain store under the domain key.\n"
    "\n"
    "options:\n"
    "      --cn NAME      init: the CA's common name (default \"obt CA <domain name>\")\n"
    "      --days N       init: validity in days from now (default 3650)\n"
    "      --cert FILE    import: the CA certificate\n"
    "      --key FILE     import: its private key (unencrypted PEM or DER)\n"
    "      --force        init/import: replace the domain's CA (certificates it issued stay\n"
    "                     valid until the devices are given the new trust anchor)\n"
    "      --json         show: one JSON object on stdout\n"
    "      --pem          show: the certificate as PEM on stdout\n"
    "  -s, --store PATH   the domain store (default $XDG_DATA_HOME/obt/domain.db, or\n"
    "                     ~/.local/share/obt/domain.db)\n"
    "  -k, --key-file PATH  the domain key file (default: the one recorded by obt init)\n"
    "      --passphrase-env VAR  the domain passphrase from environment variable VAR (default:\n"
    "                     asked on the terminal)\n"
    "  -h, --help         this text\n"
    "\n"
    "exit status: 0 done, 1 refused (a CA exists, not a usable CA, key does not match, wrong\n"
    "domain key, no CA yet), 2 usage, 3 system error (files)\n";

typedef struct ca_opts {
  const char *action, *store, *cn, *cert, *key, *key_file, *pass_env;
  long days;
  bool force, json, pem;
} ca_opts;

static bool opt_is(const char *a, const char *s, const char *l) {
  return (s && strcmp(a, s) == 0) || strcmp(a, l) == 0;
}

/* Options that take a value: the field it goes to, or NULL. */
static const char **value_opt(ca_opts *o, const char *a) {
  if (opt_is(a, "-s", "--store")) return &o->store;
  if (opt_is(a, NULL, "--cn")) return &o->cn;
  if (opt_is(a, NULL, "--cert")) return &o->cert;
  if (opt_is(a, NULL, "--key")) return &o->key;
  if (opt_is(a, "-k", "--key-file")) return &o->key_file;
  if (opt_is(a, NULL, "--passphrase-env")) return &o->pass_env;
  return NULL;
}

/* -1 to go on, else an exit code. */
static int parse_ca_args(int argc, char **argv, ca_opts *o) {
  o->days = 3650;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char **v = value_opt(o, a);
    if (opt_is(a, "-h", "--help")) {
      fputs(ca_usage, stdout);
      return OBT_EXIT_OK;
    } else if (v && i + 1 < argc) {
      *v = argv[++i];
    } else if (opt_is(a, NULL, "--days") && i + 1 < argc) {
      char *end = NULL;
      o->days = strtol(argv[++i], &end, 10);
      if (!end || *end || o->days < 1 || o->days > 36500) {
        fprintf(stderr, "obt ca: --days takes 1..36500\n");
        return OBT_EXIT_USAGE;
      }
    } else if (opt_is(a, NULL, "--force")) {
      o->force = true;
    } else if (opt_is(a, NULL, "--json")) {
      o->json = true;
    } else if (opt_is(a, NULL, "--pem")) {
      o->pem = true;
    } else if (!o->action && a[0] != '-') {
      o->action = a;
    } else {
      fprintf(stderr, "obt ca: unknown or incomplete option '%s' (see obt ca --help)\n", a);
      return OBT_EXIT_USAGE;
    }
  }
  if (!o->action || (strcmp(o->action, "init") && strcmp(o->action, "import") && strcmp(o->action, "show"))) {
    fprintf(stderr, "obt ca: say init, import or show (see obt ca --help)\n");
    return OBT_EXIT_USAGE;
  }
  if (!strcmp(o->action, "import") && (!o->cert || !o->key)) {
    fprintf(stderr, "obt ca import: --cert FILE and --key FILE are required\n");
    return OBT_EXIT_USAGE;
  }
  return -1;
}

/* Reads a whole small file (certificate or key) into buf. -1 on failure (printed). */
static long read_small(const char *path, uint8_t *buf, size_t cap) {
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    perror(path);
    return -1;
  }
  size_t n = fread(buf, 1, cap, fp);
  bool too_big = n == cap;
  fclose(fp);
  if (too_big || n == 0) {
    fprintf(stderr, "obt ca import: %s: %s\n", path, n ? "too large" : "empty");
    return -1;
  }
  return (long)n;
}

static void hex(FILE *out, const uint8_t *p, size_t n, const char *sep) {
  for (size_t i = 0; i < n; i++) fprintf(out, "%s%02X", i ? sep : "", p[i]);
}

static void print_time(int64_t t, char out[32]) { obt_format_wall((ocf_obt_wall_ms)t * 1000, out); }

static void print_info(const ocf_obt_ca_info *ci, bool json) {
  char from[32], to[32];
  print_time(ci->not_before, from);
  print_time(ci->not_after, to);
  if (json) {
    printf("{\"subject\": ");
    obt_json_string(stdout, ci->subject);
    printf(", \"issuer\": ");
    obt_json_string(stdout, ci->issuer);
    printf(", \"serial\": \"");
    hex(stdout, ci->serial, ci->serial_len, "");
    printf("\", \"not_before\": \"%s\", \"not_after\": \"%s\", \"sha256\": \"", from, to);
    hex(stdout, ci->sha256, sizeof ci->sha256, "");
    printf("\", \"root\": %s}\n", ci->self_signed ? "true" : "false");
    return;
  }
  printf("Domain CA%s\n  subject      %s\n  issuer       %s\n  serial       ",
         ci->self_signed ? " (self-signed root)" : " (sub-CA)", ci->subject, ci->issuer);
  hex(stdout, ci->serial, ci->serial_len, ":");
  printf("\n  valid from   %s\n  valid until  %s\n  SHA-256      ", from, to);
  hex(stdout, ci->sha256, sizeof ci->sha256, ":");
  printf("\n");
}

static int show(ocf_obt_store *s, const ca_opts *o) {
  ocf_obt_ca_info ci;
  ocf_err err = ocf_obt_ca_info_get(s, &ci);
  char pem[4096];
  size_t len = 0;
  if (err == OCF_OK && o->pem) err = ocf_obt_ca_cert_pem(s, pem, sizeof pem, &len);
  if (err == OCF_ERR_NOT_FOUND) {
    fprintf(stderr, "obt ca show: the domain has no CA yet (obt ca init or obt ca import)\n");
    return OBT_EXIT_FAILED;
  }
  if (err != OCF_OK) {
    obt_store_report("ca show", o->store, err);
    return obt_store_exit_code(err);
  }
  if (o->pem)
    fputs(pem, stdout);
  else
    print_info(&ci, o->json);
  return OBT_EXIT_OK;
}

/* "obt CA <domain name>", cut to the 64 bytes of a CN on a UTF-8 character boundary. */
static void default_cn(const ocf_obt_domain *d, char *cn, size_t cap) {
  snprintf(cn, cap, "obt CA %s", d->name);
  size_t n = strlen(cn);
  if (n <= OCF_OBT_CA_CN_MAX) return;
  n = OCF_OBT_CA_CN_MAX;
  while (n > 0 && ((unsigned char)cn[n] & 0xC0) == 0x80) n--;
  cn[n] = 0;
}

static int make(ocf_obt_store *s, const ca_opts *o) {
  int rc = obt_store_unlock_cli("ca", s, o->key_file, o->pass_env);
  if (rc != OBT_EXIT_OK) return rc;
  int64_t now = obt_wall_ms() / 1000;
  ocf_err err;
  if (!strcmp(o->action, "init")) {
    ocf_obt_domain d;
    char cn[OCF_OBT_DOMAIN_NAME_MAX + 16];
    err = ocf_obt_store_domain_get(s, &d);
    if (err == OCF_OK) default_cn(&d, cn, sizeof cn);
    /* Valid from an hour ago: a device whose clock runs a little behind still accepts it. */
    if (err == OCF_OK)
      err = ocf_obt_ca_create(s, o->cn ? o->cn : cn, now - 3600, now + (int64_t)o->days * 86400, o->force);
  } else {
    uint8_t cert[8193], key[8193]; /* the library takes up to 8192 bytes each */
    long cn = read_small(o->cert, cert, sizeof cert), kn = cn < 0 ? -1 : read_small(o->key, key, sizeof key);
    if (cn < 0 || kn < 0) return OBT_EXIT_SYSTEM;
    err = ocf_obt_ca_import(s, cert, (size_t)cn, key, (size_t)kn, now, o->force);
    memset(key, 0, sizeof key);
  }
  if (err == OCF_OK) err = ocf_obt_store_audit_append(s, now * 1000, "obt", "ca", o->action);
  if (err == OCF_OK) return show(s, o);
  const char *why = err == OCF_ERR_STATE         ? "the domain already has a CA (--force replaces it)"
                    : err == OCF_ERR_MALFORMED   ? "the certificate or key does not parse"
                    : err == OCF_ERR_UNSUPPORTED ? "not a P-256 key with ecdsa-with-SHA256"
                    : err == OCF_ERR_DENIED
                        ? "not a usable CA (cA, keyCertSign, cRLSign), not valid now, or a chain "
                          "that does not lead from it to a self-signed root"
                    : err == OCF_ERR_CRYPTO      ? "the key is not the certificate's"
                    : err == OCF_ERR_INVALID_ARG ? "invalid name or validity"
                                                 : ocf_strerror(err);
  fprintf(stderr, "obt ca %s: %s\n", o->action, why);
  return err == OCF_ERR_IO || err == OCF_ERR_NO_MEMORY ? OBT_EXIT_SYSTEM : OBT_EXIT_FAILED;
}

int obt_cmd_ca(int argc, char **argv) {
  ca_opts o;
  memset(&o, 0, sizeof o);
  int rc = parse_ca_args(argc, argv, &o);
  if (rc >= 0) return rc;
  char path[4096];
  if (!o.store) {
    if (obt_store_default_path(path, sizeof path) != 0) return OBT_EXIT_USAGE;
    o.store = path;
  }
  ocf_obt_store *s = NULL;
  rc = obt_store_open_cli("ca", o.store, false, NULL, NULL, &s, NULL);
  if (rc >= 0) return rc;
  rc = strcmp(o.action, "show") == 0 ? show(s, &o) : make(s, &o);
  ocf_obt_store_close(s);
  return rc;
}
