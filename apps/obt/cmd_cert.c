/* obt cert: certificates of the domain's CA (ADR 0020; OBT 6.1, 6.2; digest §6.2, §6.3, §6.7):
 * issue identity or role certificates to owned devices from their CSRs, list what was issued
 * with its expiry, renew, revoke, and the tool's own certificate for an external DTLS client.
 * obt crl push sends the CRL. The CA key stays sealed in the store (ocf_obt_ca_issue). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_obt_cms_cert.h>

#include "cert_cli.h"

static const char cert_usage[] =
    "usage: obt cert issue UUID... [--role ROLE[@AUTHORITY]]... [--days N] [options]\n"
    "       obt cert issue --csr FILE [--out FILE] [--days N] [options]\n"
    "       obt cert renew UUID... [--days N] [--keep-old] [options]\n"
    "       obt cert list [UUID] [--json] [options]\n"
    "       obt cert revoke SERIAL|UUID [--yes] [options]\n"
    "       obt cert self --out DIR [--days N] [options]\n"
    "\n"
    "Certificates signed by the domain's CA (obt ca). issue reads each owned device's CSR over\n"
    "its owner session, checks its signature and that it names the device, issues an identity\n"
    "certificate (or, with --role, a role certificate) and installs it with the domain CA as\n"
    "trust anchor; the device must list certificates in its doxm.sct. A device without\n"
    "/oic/sec/csr gets a P-256 key pair made by the tool, sent with the certificate as its\n"
    "privatedata over the owner session and never kept by the tool. renew issues a new identity\n"
    "certificate in place of the old one, deletes the old one from the device and revokes it\n"
    "(unless --keep-old; obt crl push then tells the devices). list shows every certificate\n"
    "issued, with its expiry.\n"
    "revoke marks a certificate (or every certificate of a device) revoked; obt crl push then\n"
    "tells the devices. self issues a certificate and key for the tool itself into DIR\n"
    "(tool.crt, tool.key mode 0600, ca.crt), so an external DTLS client can act as the tool.\n"
    "issue --csr gives a DTLS client outside the domain, which keeps its own key, an identity\n"
    "certificate from its PKCS#10 request: the signature must verify and the subject be\n"
    "CN=uuid:<a uuid of its own> (not the tool's nor a device's); written to --out or stdout,\n"
    "recorded like the devices' (list, revoke, obt crl push). Devices given a certificate by\n"
    "issue trust the domain CA (obt ca show --pem); access needs an ACE for that uuid (obt acl).\n"
    "\n"
    "options:\n"
    "      --role ROLE[@AUTHORITY]  issue: a role certificate with this role (repeatable)\n"
    "      --days N       validity in days (default 365; cut to the CA's)\n"
    "      --keep-old     renew: do not revoke the replaced certificates\n"
    "      --csr FILE     issue: a client's CSR (PEM or DER) instead of devices\n"
    "      --out DIR      self: where to write tool.crt, tool.key and ca.crt; issue --csr: the\n"
    "                     certificate's file (PEM; default stdout)\n"
    "      --json         list: one JSON array on stdout; issue/renew: one event per line\n"
    "  -y, --yes          revoke: do not ask\n"
    "  -w, --window MS    issue/renew: multicast discovery window (default 2000)\n"
    "  -t, --timeout S    issue/renew: give up after S seconds (default 60)\n"
    "  -i, --interface IF, -4, -6, -v   network options as for obt discover\n"
    "  -s, --store PATH   the domain store (default $XDG_DATA_HOME/obt/domain.db, or\n"
    "                     ~/.local/share/obt/domain.db)\n"
    "  -k, --key-file PATH  the domain key file (default: the one recorded by obt init)\n"
    "      --passphrase-env VAR  the domain passphrase from environment variable VAR\n"
    "  -h, --help         this text\n"
    "\n"
    "exit status: 0 done, 1 refused or a device failed (no CA, no such certificate, the device\n"
    "takes no certificates, a bad CSR or one naming the tool or a device), 2 usage, 3 system error, 4 a "
    "device did not answer\n";

static bool is(const char *a, const char *s, const char *l) { return (s && !strcmp(a, s)) || !strcmp(a, l); }

static int usage_error(const char *what) {
  fprintf(stderr, "obt cert: %s (see obt cert --help)\n", what);
  return OBT_EXIT_USAGE;
}

/* ROLE[@AUTHORITY] into the next role slot. */
static int add_role(obt_cert_opts *o, char *arg) {
  if (o->n_roles == OCF_OBT_CERT_ROLES_MAX) return usage_error("at most 8 --role");
  char *at = strchr(arg, '@');
  if (at) *at++ = 0;
  if (!*arg || strlen(arg) > OCF_OBT_CERT_ROLE_MAX || (at && (!*at || strlen(at) > OCF_OBT_CERT_ROLE_MAX)))
    return usage_error("--role takes ROLE[@AUTHORITY], each 1..64 bytes");
  o->roles[o->n_roles++] = (ocf_obt_cert_role){arg, at};
  return -1;
}

static int parse_days(obt_cert_opts *o, const char *v) {
  char *end = NULL;
  long d = strtol(v, &end, 10);
  if (!end || *end || d < 1 || d > 36500) return usage_error("--days takes 1..36500");
  o->days = (uint32_t)d;
  return -1;
}

/* -1 to go on, else an exit code. */
static int parse_cert_args(int argc, char **argv, obt_cert_opts *o) {
  o->days = 365;
  for (int i = 1; i < argc; i++) {
    char *a = argv[i];
    int h, rc = -1;
    if (is(a, "-h", "--help")) {
      fputs(cert_usage, stdout);
      return OBT_EXIT_OK;
    } else if (is(a, NULL, "--role") && i + 1 < argc) {
      rc = add_role(o, argv[++i]);
    } else if (is(a, NULL, "--days") && i + 1 < argc) {
      rc = parse_days(o, argv[++i]);
    } else if (is(a, NULL, "--out") && i + 1 < argc) {
      o->out = argv[++i];
    } else if (is(a, NULL, "--keep-old")) {
      o->keep_old = true;
    } else if (is(a, NULL, "--csr") && i + 1 < argc) {
      o->csr = argv[++i];
    } else if (!o->action && a[0] != '-') {
      o->action = a;
    } else if (o->action && !strcmp(o->action, "revoke") && a[0] != '-' && !o->target) {
      o->target = a;
    } else if ((h = obt_lc_opt_parse(&o->lc, "cert", argc, argv, &i)) != 0) {
      rc = h < 0 ? OBT_EXIT_USAGE : -1;
    } else {
      fprintf(stderr, "obt cert: unknown or incomplete option '%s' (see obt cert --help)\n", a);
      return OBT_EXIT_USAGE;
    }
    if (rc >= 0) return rc;
  }
  static const char *const actions[] = {"issue", "renew", "list", "revoke", "self"};
  bool known = false;
  for (size_t k = 0; o->action && k < sizeof actions / sizeof actions[0]; k++)
    known = known || !strcmp(o->action, actions[k]);
  if (!known) return usage_error("say issue, renew, list, revoke or self");
  if (o->n_roles && strcmp(o->action, "issue")) return usage_error("--role is for issue");
  if (o->keep_old && strcmp(o->action, "renew")) return usage_error("--keep-old is for renew");
  if (!strcmp(o->action, "self") && !o->out) return usage_error("self needs --out DIR");
  if (o->csr && (strcmp(o->action, "issue") || o->lc.n_uuids || o->n_roles))
    return usage_error("--csr is for issue, without devices or --role");
  if (o->out && strcmp(o->action, "self") && !o->csr) return usage_error("--out is for self and issue --csr");
  bool needs_devices = (!strcmp(o->action, "issue") && !o->csr) || !strcmp(o->action, "renew");
  if (needs_devices && o->lc.n_uuids == 0) return usage_error("name the device(s)");
  if (!strcmp(o->action, "revoke") && !o->target) return usage_error("revoke takes SERIAL or UUID");
  return -1;
}

/* --- list -------------------------------------------------------------------------------------- */

void obt_hex(FILE *out, const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) fprintf(out, "%02X", p[i]);
}

typedef struct list_ctx {
  bool json, first;
  int64_t now;
  size_t n;
} list_ctx;

static const char *status_of(const ocf_obt_cert_record *r, int64_t now) {
  return r->revoked            ? "revoked"
         : r->not_after < now  ? "expired"
         : r->not_before > now ? "not yet valid"
                               : "valid";
}

static bool print_cert(void *user, const ocf_obt_cert_record *r) {
  list_ctx *l = user;
  char uuid[OCF_UUID_STR_LEN], until[32];
  ocf_uuid_format(&r->uuid, uuid);
  obt_format_wall((ocf_obt_wall_ms)r->not_after * 1000, until);
  int64_t days = (r->not_after - l->now) / 86400;
  if (l->json) {
    printf("%s{\"serial\": \"", l->first ? "" : ",\n ");
    obt_hex(stdout, r->serial, r->serial_len);
    printf("\", \"uuid\": \"%s\", \"kind\": \"%s\", \"roles\": ", uuid, ocf_obt_cert_kind_name(r->kind));
    obt_json_string(stdout, r->roles);
    printf(", \"not_after\": \"%s\", \"days_left\": %lld, \"status\": \"%s\"}", until, (long long)days,
           status_of(r, l->now));
  } else {
    if (l->first)
      printf("%-40s  %-36s  %-8s  %-20s  %s\n", "SERIAL", "DEVICE", "KIND", "NOT AFTER", "STATUS");
    obt_hex(stdout, r->serial, r->serial_len);
    printf("%*s  %-36s  %-8s  %-20s  %s", (int)(40 - 2 * r->serial_len), "", uuid,
           ocf_obt_cert_kind_name(r->kind), until, status_of(r, l->now));
    if (!r->revoked && r->not_after >= l->now) printf(" (%lld days left)", (long long)days);
    if (r->roles[0]) printf(" roles %s", r->roles);
    printf("\n");
  }
  l->first = false;
  l->n++;
  return true;
}

static int list(ocf_obt_store *s, const obt_cert_opts *o) {
  list_ctx l = {.json = o->lc.json, .first = true, .now = obt_wall_ms() / 1000};
  ocf_uuid u;
  bool one = o->lc.n_uuids > 0;
  if (one && ocf_uuid_parse(o->lc.uuids[0], strlen(o->lc.uuids[0]), &u) != OCF_OK)
    return usage_error("list takes one device uuid");
  if (l.json) printf("[");
  ocf_err err = ocf_obt_cert_list(s, one ? &u : NULL, print_cert, &l);
  if (l.json) printf("]\n");
  if (err != OCF_OK) {
    obt_store_report("cert list", o->lc.store, err);
    return obt_store_exit_code(err);
  }
  if (!l.json && l.n == 0) printf("no certificates issued yet\n");
  return OBT_EXIT_OK;
}

/* --- revoke ------------------------------------------------------------------------------------- */

static bool parse_serial(const char *t, uint8_t *out, size_t *len) {
  size_t n = 0;
  for (size_t i = 0; t[i];) {
    if (t[i] == ':') {
      i++;
      continue;
    }
    unsigned v = 0;
    if (n == OCF_OBT_CERT_SERIAL_MAX || sscanf(t + i, "%2x", &v) != 1 || !t[i + 1] || t[i + 1] == ':')
      return false;
    out[n++] = (uint8_t)v;
    i += 2;
  }
  *len = n;
  return n > 0;
}

typedef struct revoke_ctx {
  uint8_t serial[32][OCF_OBT_CERT_SERIAL_MAX];
  size_t len[32], n;
} revoke_ctx;

static bool collect_live(void *user, const ocf_obt_cert_record *r) {
  revoke_ctx *c = user;
  if (r->revoked || c->n == 32) return true;
  memcpy(c->serial[c->n], r->serial, r->serial_len);
  c->len[c->n++] = r->serial_len;
  return true;
}

static int revoke(ocf_obt_store *s, obt_cert_opts *o) {
  const char *arg = o->target;
  revoke_ctx c = {0};
  ocf_uuid u;
  ocf_err err = OCF_OK;
  if (ocf_uuid_parse(arg, strlen(arg), &u) == OCF_OK) {
    err = ocf_obt_cert_list(s, &u, collect_live, &c);
  } else if (parse_serial(arg, c.serial[0], &c.len[0])) {
    c.n = 1;
  } else {
    return usage_error("revoke takes a serial (hex) or a device uuid");
  }
  if (err == OCF_OK && c.n == 0) err = OCF_ERR_NOT_FOUND;
  char prompt[160];
  snprintf(prompt, sizeof prompt, "Revoke %zu certificate(s) of %s?", c.n, arg);
  int rc = err == OCF_OK ? obt_lc_confirm("cert revoke", &o->lc, prompt) : -1;
  if (rc >= 0) return rc;
  int64_t now = obt_wall_ms() / 1000;
  for (size_t i = 0; i < c.n && err == OCF_OK; i++) {
    err = ocf_obt_cert_revoke(s, c.serial[i], c.len[i], now);
    if (err == OCF_OK) {
      printf("revoked ");
      obt_hex(stdout, c.serial[i], c.len[i]);
      printf("\n");
    }
  }
  uint64_t number = 0;
  if (err == OCF_OK) err = ocf_obt_crl_number(s, &number);
  if (err == OCF_OK) err = ocf_obt_store_audit_append(s, obt_wall_ms(), "obt", "cert revoke", arg);
  if (err == OCF_OK) {
    printf("CRL number now %llu: obt crl push --all tells the devices\n", (unsigned long long)number);
    return OBT_EXIT_OK;
  }
  fprintf(stderr, "obt cert revoke: %s: %s\n", arg,
          err == OCF_ERR_NOT_FOUND ? "no such certificate (obt cert list)"
          : err == OCF_ERR_STATE   ? "already revoked"
                                   : ocf_strerror(err));
  return err == OCF_ERR_IO ? OBT_EXIT_SYSTEM : OBT_EXIT_FAILED;
}

/* --- the command -------------------------------------------------------------------------------- */

int obt_cmd_cert(int argc, char **argv) {
  obt_cert_opts o;
  memset(&o, 0, sizeof o);
  obt_net_opts_init(&o.lc.net);
  o.lc.uuids = calloc((size_t)argc, sizeof *o.lc.uuids);
  if (!o.lc.uuids) return OBT_EXIT_SYSTEM;
  int rc = parse_cert_args(argc, argv, &o);
  if (rc >= 0) {
    free(o.lc.uuids);
    return rc;
  }
  bool unlock = strcmp(o.action, "list") != 0;
  ocf_obt_store *s = NULL;
  rc = obt_lc_open_store("cert", &o.lc, unlock, &s);
  if (rc >= 0) {
    free(o.lc.uuids);
    return rc;
  }
  if (!strcmp(o.action, "list"))
    rc = list(s, &o);
  else if (!strcmp(o.action, "revoke"))
    rc = revoke(s, &o);
  else if (!strcmp(o.action, "self"))
    rc = obt_cert_self(s, &o);
  else if (o.csr)
    rc = obt_cert_issue_csr(s, &o);
  else
    rc = obt_cert_issue(s, &o, !strcmp(o.action, "renew"));
  ocf_obt_store_close(s);
  free(o.lc.uuids);
  return rc;
}
