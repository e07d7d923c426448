/* obt trust: the domain's manufacturer trust anchors (the OBT's oic.sec.cred.mfgtrustca set,
 * digest §4.4, S003 §7.4; ADR 0016): the CA certificates a device's manufacturer chain must lead
 * to for the Manufacturer Certificate OTM. Certificates only (no keys): kept in the domain store
 * in clear, so no domain key is needed. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_obt_trust.h>

#include "cli.h"

static const char trust_usage[] =
    "usage: obt trust add --mfg FILE... [options]\n"
    "       obt trust list [--json] [options]\n"
    "       obt trust remove FINGERPRINT [options]\n"
    "\n"
    "The domain's manufacturer trust anchors: the CA certificates that a device's manufacturer\n"
    "certificate chain must lead to for the Manufacturer Certificate OTM (mfgcert). obt onboard\n"
    "uses mfgcert only when the domain holds at least one.\n"
    "add takes PEM (every CERTIFICATE block) or DER files; each certificate must be a CA with an\n"
    "EC P-256 key, signed with ecdsa-with-SHA256 and valid now; if one is not, nothing is added.\n"
    "list shows each anchor's subject, validity and SHA-256 fingerprint; remove takes that\n"
    "fingerprint (hex, colons optional; a unique prefix of 8 or more digits will do).\n"
    "\n"
    "options:\n"
    "      --mfg          add: the certificates are manufacturer CAs (mfgtrustca)\n"
    "      --json         list: one JSON array on stdout\n"
    "  -s, --store PATH   the domain store (default $XDG_DATA_HOME/obt/domain.db, or\n"
    "                     ~/.local/share/obt/domain.db)\n"
    "  -h, --help         this text\n"
    "\n"
    "exit status: 0 done, 1 refused (not a usable CA certificate, full, no such anchor, no\n"
    "domain), 2 usage, 3 system error (files)\n";

typedef struct trust_opts {
  const char *action, *store;
  const char *args[16];
  int n_args;
  bool mfg, json;
} trust_opts;

/* -1 to go on, else an exit code. */
static int parse_trust_args(int argc, char **argv, trust_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(trust_usage, stdout);
      return OBT_EXIT_OK;
    } else if ((!strcmp(a, "-s") || !strcmp(a, "--store")) && i + 1 < argc) {
      o->store = argv[++i];
    } else if (!strcmp(a, "--mfg")) {
      o->mfg = true;
    } else if (!strcmp(a, "--json")) {
      o->json = true;
    } else if (a[0] != '-' && !o->action) {
      o->action = a;
    } else if (a[0] != '-' && o->n_args < (int)(sizeof o->args / sizeof o->args[0])) {
      o->args[o->n_args++] = a;
    } else {
      fprintf(stderr, "obt trust: unknown or incomplete option '%s' (see obt trust --help)\n", a);
      return OBT_EXIT_USAGE;
    }
  }
  if (!o->action || (strcmp(o->action, "add") && strcmp(o->action, "list") && strcmp(o->action, "remove"))) {
    fprintf(stderr, "obt trust: say add, list or remove (see obt trust --help)\n");
    return OBT_EXIT_USAGE;
  }
  bool add = !strcmp(o->action, "add"), remove = !strcmp(o->action, "remove");
  if (add && (!o->mfg || o->n_args == 0)) {
    fprintf(stderr, "obt trust add: --mfg and at least one certificate file are required\n");
    return OBT_EXIT_USAGE;
  }
  if ((remove && o->n_args != 1) || (!add && !remove && o->n_args)) {
    fprintf(stderr, "obt trust %s: %s\n", o->action,
            remove ? "one FINGERPRINT is required" : "takes no argument");
    return OBT_EXIT_USAGE;
  }
  return -1;
}

static void hex(FILE *out, const uint8_t *p, size_t n, const char *sep) {
  for (size_t i = 0; i < n; i++) fprintf(out, "%s%02X", i ? sep : "", p[i]);
}

static void print_anchor(const ocf_obt_trust_info *a, bool json, bool first) {
  char from[32], to[32];
  obt_format_wall((ocf_obt_wall_ms)a->not_before * 1000, from);
  obt_format_wall((ocf_obt_wall_ms)a->not_after * 1000, to);
  if (json) {
    printf("%s\n  {\"kind\": \"mfg\", \"subject\": ", first ? "" : ",");
    obt_json_string(stdout, a->subject);
    printf(", \"issuer\": ");
    obt_json_string(stdout, a->issuer);
    printf(", \"not_before\": \"%s\", \"not_after\": \"%s\", \"root\": %s, \"sha256\": \"", from, to,
           a->self_signed ? "true" : "false");
    hex(stdout, a->sha256, sizeof a->sha256, "");
    printf("\"}");
    return;
  }
  printf("mfg  %s%s\n     valid %s .. %s\n     SHA-256 ", a->subject,
         a->self_signed ? " (root)" : " (intermediate)", from, to);
  hex(stdout, a->sha256, sizeof a->sha256, ":");
  printf("\n");
}

typedef struct list_run {
  bool json;
  size_t n;
} list_run;

static bool list_one(void *user, const ocf_obt_trust_info *a) {
  list_run *r = user;
  print_anchor(a, r->json, r->n == 0);
  r->n++;
  return true;
}

static int list(ocf_obt_store *s, const trust_opts *o) {
  list_run r = {.json = o->json};
  if (o->json) printf("[");
  ocf_err err = ocf_obt_trust_list(s, list_one, &r);
  if (err) {
    obt_store_report("trust list", o->store, err);
    return obt_store_exit_code(err);
  }
  if (o->json)
    printf("%s]\n", r.n ? "\n" : "");
  else if (r.n == 0)
    printf("The domain holds no manufacturer trust anchor (obt trust add --mfg FILE).\n");
  return OBT_EXIT_OK;
}

/* Reads a certificate file whole. -1 on failure (printed). */
static long read_file(const char *path, uint8_t *buf, size_t cap) {
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    fprintf(stderr, "obt trust add: %s: cannot open it\n", path);
    return -1;
  }
  size_t n = fread(buf, 1, cap, fp);
  bool too_big = n == cap;
  fclose(fp);
  if (too_big || n == 0) {
    fprintf(stderr, "obt trust add: %s: %s\n", path, n ? "too large" : "empty");
    return -1;
  }
  return (long)n;
}

typedef struct cert_file {
  uint8_t data[OCF_OBT_TRUST_FILE_MAX + 1];
  uint8_t der[OCF_OBT_TRUST_FILE_MAX];
  ocf_bytes certs[OCF_OBT_TRUST_MAX];
  size_t n;
} cert_file;

/* Splits and checks one file: OBT_EXIT_OK when every certificate in it is a usable anchor. */
static int load_file(const char *path, int64_t now, cert_file *f) {
  long len = read_file(path, f->data, sizeof f->data);
  if (len < 0) return OBT_EXIT_SYSTEM;
  ocf_err err =
      ocf_obt_cert_split(f->data, (size_t)len, f->der, sizeof f->der, f->certs, OCF_OBT_TRUST_MAX, &f->n);
  if (err) {
    fprintf(stderr, "obt trust add: %s: %s\n", path,
            err == OCF_ERR_NO_SPACE ? "more certificates than the domain can hold (8)"
                                    : "not PEM CERTIFICATE blocks or DER certificates");
    return OBT_EXIT_FAILED;
  }
  for (size_t i = 0; i < f->n; i++) {
    ocf_obt_trust_info a;
    const char *why = "";
    err = ocf_obt_trust_check(f->certs[i].ptr, f->certs[i].len, now, &a, &why);
    if (err) {
      fprintf(stderr, "obt trust add: %s: certificate %zu%s%s: %s; nothing added\n", path, i + 1,
              a.subject[0] ? " " : "", a.subject, why);
      return OBT_EXIT_FAILED;
    }
  }
  return OBT_EXIT_OK;
}

/* Adds the checked certificates of f (inside the caller's transaction). */
static ocf_err add_file(ocf_obt_store *s, const cert_file *f, int64_t now, size_t *added) {
  for (size_t i = 0; i < f->n; i++) {
    ocf_obt_trust_info a;
    const char *why = "";
    ocf_err err = ocf_obt_trust_add(s, f->certs[i].ptr, f->certs[i].len, now, &a, &why);
    if (err == OCF_ERR_STATE) {
      printf("already trusted: %s\n", a.subject);
      continue;
    }
    if (err == OCF_ERR_NO_SPACE) fprintf(stderr, "obt trust add: the domain holds 8 anchors already\n");
    if (err) return err;
    char detail[96] = "add mfg ";
    for (size_t k = 0; k < 16; k++) snprintf(detail + 8 + 2 * k, 3, "%02x", a.sha256[k]);
    err = ocf_obt_store_audit_append(s, now * 1000, "obt", "trust", detail);
    if (err) return err;
    printf("added: ");
    print_anchor(&a, false, true);
    ++*added;
  }
  return OCF_OK;
}

static int add(ocf_obt_store *s, const trust_opts *o) {
  int64_t now = obt_wall_ms() / 1000;
  cert_file *f = malloc(sizeof *f);
  if (!f) return OBT_EXIT_SYSTEM;
  int rc = OBT_EXIT_OK;
  for (int i = 0; i < o->n_args && rc == OBT_EXIT_OK; i++) rc = load_file(o->args[i], now, f);
  ocf_err err = rc == OBT_EXIT_OK ? ocf_obt_store_begin(s) : OCF_OK;
  size_t added = 0;
  for (int i = 0; i < o->n_args && rc == OBT_EXIT_OK && !err; i++) {
    rc = load_file(o->args[i], now, f);
    if (rc == OBT_EXIT_OK) err = add_file(s, f, now, &added);
  }
  free(f);
  if (rc != OBT_EXIT_OK || err) {
    ocf_obt_store_rollback(s);
    if (err && err != OCF_ERR_NO_SPACE) obt_store_report("trust add", o->store, err);
    return rc != OBT_EXIT_OK ? rc : err == OCF_ERR_NO_SPACE ? OBT_EXIT_FAILED : obt_store_exit_code(err);
  }
  err = ocf_obt_store_commit(s);
  if (err) {
    obt_store_report("trust add", o->store, err);
    return obt_store_exit_code(err);
  }
  return OBT_EXIT_OK;
}

/* A fingerprint or prefix as hex digits (colons and spaces dropped) into out; its length. */
static size_t fingerprint_digits(const char *in, char *out, size_t cap) {
  size_t n = 0;
  for (; *in; in++) {
    if (*in == ':' || *in == ' ') continue;
    if (!isxdigit((unsigned char)*in) || n + 1 >= cap) return 0;
    out[n++] = (char)tolower((unsigned char)*in);
  }
  out[n] = 0;
  return n;
}

typedef struct match_run {
  const char *digits;
  size_t n_digits, matches;
  uint8_t sha256[32];
} match_run;

static bool match_one(void *user, const ocf_obt_trust_info *a) {
  match_run *m = user;
  char h[65];
  for (size_t k = 0; k < 32; k++) snprintf(h + 2 * k, 3, "%02x", a->sha256[k]);
  if (strncmp(h, m->digits, m->n_digits) == 0) {
    m->matches++;
    memcpy(m->sha256, a->sha256, 32);
  }
  return true;
}

static int remove_anchor(ocf_obt_store *s, const trust_opts *o) {
  char digits[65];
  match_run m = {.digits = digits, .n_digits = fingerprint_digits(o->args[0], digits, sizeof digits)};
  if (m.n_digits < 8) {
    fprintf(stderr, "obt trust remove: '%s' is not a SHA-256 fingerprint (8 to 64 hex digits)\n", o->args[0]);
    return OBT_EXIT_USAGE;
  }
  ocf_err err = ocf_obt_trust_list(s, match_one, &m);
  if (!err && m.matches != 1) {
    fprintf(stderr, "obt trust remove: %s\n",
            m.matches ? "that prefix names several anchors: give more digits"
                      : "no anchor has that fingerprint");
    return OBT_EXIT_FAILED;
  }
  if (!err) err = ocf_obt_trust_remove(s, m.sha256);
  char detail[96] = "remove mfg ";
  for (size_t k = 0; k < 16; k++) snprintf(detail + 11 + 2 * k, 3, "%02x", m.sha256[k]);
  if (!err) err = ocf_obt_store_audit_append(s, obt_wall_ms(), "obt", "trust", detail);
  if (err) {
    obt_store_report("trust remove", o->store, err);
    return obt_store_exit_code(err);
  }
  printf("removed: ");
  hex(stdout, m.sha256, sizeof m.sha256, ":");
  printf("\n");
  return OBT_EXIT_OK;
}

int obt_cmd_trust(int argc, char **argv) {
  trust_opts o;
  memset(&o, 0, sizeof o);
  int rc = parse_trust_args(argc, argv, &o);
  if (rc >= 0) return rc;
  char path[4096];
  if (!o.store) {
    if (obt_store_default_path(path, sizeof path) != 0) return OBT_EXIT_USAGE;
    o.store = path;
  }
  ocf_obt_store *s = NULL;
  rc = obt_store_open_cli("trust", o.store, false, NULL, NULL, &s, NULL);
  if (rc >= 0) return rc;
  rc = !strcmp(o.action, "add") ? add(s, &o) : !strcmp(o.action, "list") ? list(s, &o) : remove_anchor(s, &o);
  ocf_obt_store_close(s);
  return rc;
}
