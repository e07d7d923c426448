/* obt cert issue / renew / self and obt crl push (ADR 0020): the CMS jobs of <ocf/ocf_obt_cms_cert.h>
 * run over the owner sessions by the provisioning engine (prov_cli.h), and the tool's own
 * certificate written to files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_obt_cms_cert.h>
#include <ocf/ocf_obt_maintain.h>
#include <ocf/ocf_posix.h>

#include "cert_cli.h"
#include "prov_cli.h"

/* --- self ------------------------------------------------------------------------------------- */

static int write_file(const char *dir, const char *name, const char *text, bool secret) {
  char path[4096];
  if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) return OBT_EXIT_USAGE;
  if (secret) {
    /* 0600 from the start, never a symlink or a shared file (ocf_posix_private_file_prepare). */
    ocf_err err = ocf_posix_private_file_prepare(path, true, NULL, NULL);
    if (err != OCF_OK) {
      fprintf(stderr, "obt cert self: %s: %s\n", path,
              err == OCF_ERR_DENIED ? "refused: a symbolic link, not yours, or not mode 0600"
                                    : ocf_strerror(err));
      return err == OCF_ERR_DENIED ? OBT_EXIT_FAILED : OBT_EXIT_SYSTEM;
    }
  }
  FILE *f = fopen(path, "w");
  if (!f || fputs(text, f) < 0 || fflush(f) != 0) {
    perror(path);
    if (f) fclose(f);
    return OBT_EXIT_SYSTEM;
  }
  return fclose(f) == 0 ? OBT_EXIT_OK : OBT_EXIT_SYSTEM;
}

#define CA_FILE_MAX (3 * OCF_OBT_CERT_PEM_MAX) /* our CA and an imported sub-CA's chain */

typedef struct self_files {
  char cert[OCF_OBT_CERT_PEM_MAX], key[OCF_OBT_CERT_PEM_MAX], ca[CA_FILE_MAX];
} self_files;

static int self_write(ocf_obt_store *s, const obt_cert_opts *o, self_files *f) {
  char *cert = f->cert, *key = f->key, *ca = f->ca;
  ocf_obt_cert_record rec;
  int64_t now = obt_wall_ms() / 1000;
  size_t ca_len = 0;
  /* ca.crt: our CA, then an imported sub-CA's chain up to the root (the device sends it). */
  ocf_err err = ocf_obt_ca_chain_pem(s, ca, CA_FILE_MAX, &ca_len);
  if (err == OCF_OK) err = ocf_obt_ca_issue_self(s, now, o->days, cert, key, &rec);
  if (err != OCF_OK) {
    fprintf(stderr, "obt cert self: %s\n",
            err == OCF_ERR_NOT_FOUND ? "the domain has no CA yet (obt ca init)" : ocf_strerror(err));
    return err == OCF_ERR_IO ? OBT_EXIT_SYSTEM : OBT_EXIT_FAILED;
  }
  int rc = write_file(o->out, "tool.key", key, true);
  if (rc == OBT_EXIT_OK) rc = write_file(o->out, "tool.crt", cert, false);
  if (rc == OBT_EXIT_OK) rc = write_file(o->out, "ca.crt", ca, false);
  if (rc != OBT_EXIT_OK) return rc;
  if (ocf_obt_store_audit_append(s, obt_wall_ms(), "obt", "cert self", "tool certificate") != OCF_OK)
    fprintf(stderr, "obt cert self: the audit log could not be written\n");
  char uuid[OCF_UUID_STR_LEN];
  ocf_uuid_format(&rec.uuid, uuid);
  printf("tool certificate for uuid:%s, serial ", uuid);
  obt_hex(stdout, rec.serial, rec.serial_len);
  printf(", in %s (tool.crt, tool.key, ca.crt)\n", o->out);
  return OBT_EXIT_OK;
}

int obt_cert_self(ocf_obt_store *s, const obt_cert_opts *o) {
  self_files *f = calloc(1, sizeof *f);
  if (!f) return OBT_EXIT_SYSTEM;
  int rc = self_write(s, o, f);
  memset(f, 0, sizeof *f); /* the key */
  free(f);
  return rc;
}

/* --- issue --csr: a client outside the domain ----------------------------------------------- */

#define CSR_FILE_MAX 8192 /* a PEM CSR is about 600 bytes; SEC:csr allows 3072 */

/* The file's bytes and a final NUL in buf (PEM or DER), or an exit code. */
static int read_csr(const char *path, uint8_t *buf, size_t cap, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return OBT_EXIT_FAILED;
  }
  size_t n = fread(buf, 1, cap - 1, f);
  bool more = !ferror(f) && fgetc(f) != EOF;
  bool bad = ferror(f) != 0;
  fclose(f);
  if (bad || more || !n) {
    fprintf(stderr, "obt cert issue: %s: %s\n", path,
            bad ? "cannot be read"
            : n ? "too long for a CSR"
                : "empty");
    return bad ? OBT_EXIT_SYSTEM : OBT_EXIT_FAILED;
  }
  buf[n] = 0;
  *len = n;
  return -1;
}

typedef struct csr_bufs {
  uint8_t csr[CSR_FILE_MAX];
  char pem[OCF_OBT_CERT_PEM_MAX];
} csr_bufs;

static int issue_csr(ocf_obt_store *s, const obt_cert_opts *o, uint8_t *csr, size_t cap, char *pem,
                     size_t pem_cap);

int obt_cert_issue_csr(ocf_obt_store *s, const obt_cert_opts *o) {
  csr_bufs *b = calloc(1, sizeof *b);
  if (!b) return OBT_EXIT_SYSTEM;
  int rc = issue_csr(s, o, b->csr, sizeof b->csr, b->pem, sizeof b->pem);
  free(b);
  return rc;
}

static int issue_csr(ocf_obt_store *s, const obt_cert_opts *o, uint8_t *csr, size_t cap, char *pem,
                     size_t pem_cap) {
  size_t len = 0;
  int rc = read_csr(o->csr, csr, cap, &len);
  if (rc >= 0) return rc;
  ocf_obt_cert_record rec;
  ocf_err err = ocf_obt_cms_issue_csr(s, csr, len, obt_wall_ms() / 1000, o->days, pem, pem_cap, &rec);
  if (err != OCF_OK) {
    const char *why = err == OCF_ERR_CRYPTO      ? "the CSR's signature does not verify: nothing issued"
                      : err == OCF_ERR_DENIED    ? "the CSR's subject must be CN=uuid:<the client's uuid>"
                      : err == OCF_ERR_STATE     ? "the CSR names the tool or a device of the domain: a "
                                                   "client needs a uuid of its own"
                      : err == OCF_ERR_NOT_FOUND ? "the domain has no CA yet (obt ca init)"
                      : err == OCF_ERR_MALFORMED || err == OCF_ERR_UNSUPPORTED || err == OCF_ERR_TOO_LARGE
                          ? "not a P-256 ECDSA-SHA256 PKCS#10 request (PEM or DER, at most 3072 bytes)"
                          : ocf_strerror(err);
    fprintf(stderr, "obt cert issue: %s: %s\n", o->csr, why);
    return err == OCF_ERR_IO ? OBT_EXIT_SYSTEM : OBT_EXIT_FAILED;
  }
  char uuid[OCF_UUID_STR_LEN],
      serial[2 * OCF_OBT_CERT_SERIAL_MAX + 1] = "", detail[OCF_UUID_STR_LEN + sizeof serial + 16];
  ocf_uuid_format(&rec.uuid, uuid);
  for (size_t i = 0; i < rec.serial_len; i++) snprintf(serial + 2 * i, 3, "%02X", rec.serial[i]);
  snprintf(detail, sizeof detail, "client %s, serial %s", uuid, serial);
  if (ocf_obt_store_audit_append(s, obt_wall_ms(), "obt", "cert issue", detail) != OCF_OK)
    fprintf(stderr, "obt cert issue: the audit log could not be written\n");
  if (!o->out) { /* the certificate on stdout, what was done on stderr */
    fputs(pem, stdout);
    fprintf(stderr, "identity certificate for client uuid:%s, serial %s\n", uuid, serial);
    return fflush(stdout) == 0 ? OBT_EXIT_OK : OBT_EXIT_SYSTEM;
  }
  FILE *f = fopen(o->out, "w");
  if (!f || fputs(pem, f) < 0 || fflush(f) != 0) {
    perror(o->out);
    if (f) fclose(f);
    return OBT_EXIT_SYSTEM;
  }
  if (fclose(f) != 0) return OBT_EXIT_SYSTEM;
  printf("identity certificate for client uuid:%s, serial %s, in %s\n", uuid, serial, o->out);
  return OBT_EXIT_OK;
}

/* --- jobs ------------------------------------------------------------------------------------- */

typedef struct job_set {
  ocf_obt_cms_job **jobs;
  size_t n;
} job_set;

/* What an ok job did: the certificate's serial and expiry, or that no CRL is there. */
static void describe(void *user, size_t i, char *out, size_t cap) {
  const job_set *js = user;
  const ocf_obt_cert_record *r = ocf_obt_cms_job_issued(js->jobs[i]);
  if (ocf_obt_cms_job_skipped(js->jobs[i])) {
    snprintf(out, cap, "skipped: no /oic/sec/crl");
    return;
  }
  if (!r) {
    snprintf(out, cap, "CRL installed");
    return;
  }
  char until[32];
  obt_format_wall((ocf_obt_wall_ms)r->not_after * 1000, until);
  size_t o = (size_t)snprintf(out, cap, "%s certificate serial ", ocf_obt_cert_kind_name(r->kind));
  for (size_t k = 0; k < r->serial_len && o + 3 < cap; k++)
    o += (size_t)snprintf(out + o, cap - o, "%02X", r->serial[k]);
  if (o < cap) o += (size_t)snprintf(out + o, cap - o, " until %s", until);
  /* Never the key: only that the tool made it (the device has no /oic/sec/csr). */
  if (o < cap && ocf_obt_cms_job_key_generated(js->jobs[i]))
    o += (size_t)snprintf(out + o, cap - o, ", key pair made by the tool");
  const uint8_t *serial = NULL;
  size_t len = 0, n = ocf_obt_cms_job_revoked(js->jobs[i], 0, NULL, NULL);
  for (size_t k = 0; k < n && o < cap; k++) {
    (void)ocf_obt_cms_job_revoked(js->jobs[i], k, &serial, &len);
    o += (size_t)snprintf(out + o, cap - o, ", old %s", "");
    for (size_t b = 0; b < len && o + 3 < cap; b++)
      o += (size_t)snprintf(out + o, cap - o, "%02X", serial[b]);
    if (o < cap) o += (size_t)snprintf(out + o, cap - o, " revoked");
  }
}

static void free_jobs(job_set *js) {
  for (size_t i = 0; i < js->n; i++) ocf_obt_cms_job_free(js->jobs[i]);
  free(js->jobs);
}

static int run_jobs(const char *cmd, const char *what, obt_cert_opts *o, ocf_obt_store *s,
                    const ocf_uuid *uuids, job_set *js) {
  obt_prov_cli_job *jobs = calloc(js->n ? js->n : 1, sizeof *jobs);
  if (!jobs) return OBT_EXIT_SYSTEM;
  for (size_t i = 0; i < js->n; i++) jobs[i] = (obt_prov_cli_job){uuids[i], ocf_obt_cms_step, js->jobs[i]};
  int rc = obt_prov_cli_run_once(cmd, &o->lc, s, what, jobs, js->n, describe, js);
  free(jobs);
  return rc;
}

int obt_cert_issue(ocf_obt_store *s, obt_cert_opts *o, bool renew) {
  ocf_uuid *uuids = calloc(o->lc.n_uuids, sizeof *uuids);
  job_set js = {calloc(o->lc.n_uuids, sizeof *js.jobs), 0};
  if (!uuids || !js.jobs) {
    free(uuids);
    free(js.jobs);
    return OBT_EXIT_SYSTEM;
  }
  size_t n = obt_lc_uuids(&o->lc, uuids);
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_WARN, false);
  int rc = -1;
  for (size_t i = 0; i < n && rc < 0; i++) {
    ocf_obt_cms_cert_params p = {.store = s,
                                 .uuid = uuids[i],
                                 .utc_now = obt_wall_ms() / 1000,
                                 .days = o->days,
                                 .roles = o->roles,
                                 .n_roles = o->n_roles,
                                 .revoke_replaced = renew && !o->keep_old};
    ocf_err err = ocf_obt_cms_cert_job_new(&pf, &p, &js.jobs[js.n]);
    if (err == OCF_OK) {
      js.n++;
    } else {
      fprintf(stderr, "obt cert: %s\n",
              err == OCF_ERR_NOT_FOUND ? "the domain has no CA yet (obt ca init)" : ocf_strerror(err));
      rc = err == OCF_ERR_NO_MEMORY || err == OCF_ERR_IO ? OBT_EXIT_SYSTEM : OBT_EXIT_FAILED;
    }
  }
  if (rc < 0)
    rc = run_jobs(renew ? "cert renew" : "cert issue", renew ? "cert renew" : "cert issue", o, s, uuids, &js);
  size_t n_revoked = 0;
  for (size_t i = 0; i < js.n; i++) n_revoked += ocf_obt_cms_job_revoked(js.jobs[i], 0, NULL, NULL);
  uint64_t number = 0;
  /* Digest §6.7: a revocation helps only once the devices hold the CRL that lists it. */
  if (n_revoked && !o->lc.json && ocf_obt_crl_number(s, &number) == OCF_OK)
    printf("%zu old certificate(s) revoked, CRL number now %llu: obt crl push --all tells the devices\n",
           n_revoked, (unsigned long long)number);
  free_jobs(&js);
  free(uuids);
  return rc;
}

/* --- crl push ----------------------------------------------------------------------------------- */

typedef struct owned_list {
  ocf_uuid *u;
  size_t n, cap;
} owned_list;

static bool add_owned(void *user, const ocf_obt_device_record *d) {
  owned_list *l = user;
  if (d->state != OCF_OBT_DEVICE_OWNED) return true;
  if (l->n == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 16;
    ocf_uuid *u = realloc(l->u, cap * sizeof *u);
    if (!u) return false;
    l->u = u;
    l->cap = cap;
  }
  l->u[l->n++] = d->uuid;
  return true;
}

static void record_held(ocf_obt_store *s, const job_set *js, const ocf_uuid *uuids,
                        const obt_prov_cli_result *res, uint64_t number, int64_t when) {
  for (size_t i = 0; i < js->n; i++) {
    if (!res[i].ok) continue; /* unknown: the next push tries again */
    ocf_obt_crl_held h = {ocf_obt_cms_job_skipped(js->jobs[i]), number, when};
    if (ocf_obt_crl_held_put(s, &uuids[i], &h) != OCF_OK)
      fprintf(stderr, "obt: the store could not record the CRL a device holds\n");
  }
}

int obt_crl_jobs_run(obt_prov_cli *c, ocf_obt_store *s, const uint8_t *crl, size_t len,
                     const ocf_obt_crl_info *info, const ocf_uuid *uuids, size_t n,
                     obt_prov_cli_result *results) {
  ocf_obt_domain dom;
  if (ocf_obt_store_domain_get(s, &dom) != OCF_OK) return OBT_EXIT_SYSTEM;
  job_set js = {calloc(n ? n : 1, sizeof *js.jobs), 0};
  obt_prov_cli_job *jobs = calloc(n ? n : 1, sizeof *jobs);
  obt_prov_cli_result *res = results ? results : calloc(n ? n : 1, sizeof *res);
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_WARN, false);
  ocf_err err = js.jobs && jobs && res ? OCF_OK : OCF_ERR_NO_MEMORY;
  for (size_t i = 0; err == OCF_OK && i < n; i++) {
    err =
        ocf_obt_cms_crl_job_new(&pf, &dom.tool_uuid, crl, len, info->number, info->this_update, &js.jobs[i]);
    if (err == OCF_OK) jobs[js.n++] = (obt_prov_cli_job){uuids[i], ocf_obt_cms_step, js.jobs[i]};
  }
  int rc = err == OCF_ERR_NO_MEMORY ? OBT_EXIT_SYSTEM : OBT_EXIT_FAILED;
  if (err == OCF_OK) {
    obt_prov_cli_run_params p = {.what = "crl push",
                                 .jobs = jobs,
                                 .n_jobs = n,
                                 .results = res,
                                 .print = true,
                                 .describe = describe,
                                 .user = &js};
    rc = obt_prov_cli_run(c, &p);
    if (rc != OBT_EXIT_SYSTEM) record_held(s, &js, uuids, res, info->number, info->this_update);
  } else {
    fprintf(stderr, "obt: the CRL job: %s\n",
            err == OCF_ERR_TOO_LARGE ? "the CRL is too large for /oic/sec/crl" : ocf_strerror(err));
  }
  free_jobs(&js);
  free(jobs);
  if (res != results) free(res);
  return rc;
}

int obt_cert_jobs_run(obt_prov_cli *c, ocf_obt_store *s, int64_t utc_now, uint32_t days,
                      const ocf_uuid *uuids, size_t n, obt_prov_cli_result *results) {
  job_set js = {calloc(n ? n : 1, sizeof *js.jobs), 0};
  obt_prov_cli_job *jobs = calloc(n ? n : 1, sizeof *jobs);
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_WARN, false);
  ocf_err err = js.jobs && jobs ? OCF_OK : OCF_ERR_NO_MEMORY;
  for (size_t i = 0; err == OCF_OK && i < n; i++) {
    /* A renewal: the replaced certificate is revoked, as obt cert renew does by default. */
    ocf_obt_cms_cert_params p = {
        .store = s, .uuid = uuids[i], .utc_now = utc_now, .days = days, .revoke_replaced = true};
    err = ocf_obt_cms_cert_job_new(&pf, &p, &js.jobs[i]);
    if (err == OCF_OK) jobs[js.n++] = (obt_prov_cli_job){uuids[i], ocf_obt_cms_step, js.jobs[i]};
  }
  int rc = OBT_EXIT_SYSTEM;
  /* marked before the new certificates go out, cleared where the job ended (ocf_obt_maint_renewing) */
  for (size_t i = 0; err == OCF_OK && i < n; i++) err = ocf_obt_maint_renewing(s, &uuids[i], true);
  if (err == OCF_OK) {
    obt_prov_cli_run_params p = {.what = "cert renew",
                                 .jobs = jobs,
                                 .n_jobs = n,
                                 .results = results,
                                 .print = true,
                                 .describe = describe,
                                 .user = &js};
    rc = obt_prov_cli_run(c, &p);
    for (size_t i = 0; rc != OBT_EXIT_SYSTEM && i < n; i++)
      if (results[i].ok && ocf_obt_maint_renewing(s, &uuids[i], false) != OCF_OK) rc = OBT_EXIT_SYSTEM;
  } else {
    fprintf(stderr, "obt: %s\n",
            err == OCF_ERR_NOT_FOUND ? "the domain has no CA yet (obt ca init)" : ocf_strerror(err));
    rc = err == OCF_ERR_NO_MEMORY || err == OCF_ERR_IO ? OBT_EXIT_SYSTEM : OBT_EXIT_FAILED;
  }
  free_jobs(&js);
  free(jobs);
  return rc;
}

static int crl_push_open(ocf_obt_store *s, obt_cert_opts *o, const owned_list *l, const uint8_t *crl,
                         size_t len, const ocf_obt_crl_info *info) {
  obt_prov_cli *c = NULL;
  int rc = obt_prov_cli_open("crl", &o->lc, s, l->u, l->n, &c);
  if (rc >= 0) return rc;
  obt_prov_cli_result *res = calloc(l->n, sizeof *res);
  rc = res ? obt_crl_jobs_run(c, s, crl, len, info, l->u, l->n, res) : OBT_EXIT_SYSTEM;
  if (rc != OBT_EXIT_SYSTEM) {
    size_t ok = 0;
    for (size_t i = 0; i < l->n; i++) ok += res[i].ok;
    if (o->lc.json)
      printf("{\"event\": \"done\", \"ok\": %zu, \"failed\": %zu}\n", ok, l->n - ok);
    else if (l->n > 1)
      printf("%zu done, %zu failed.\n", ok, l->n - ok);
  }
  free(res);
  obt_prov_cli_close(c);
  return rc;
}

int obt_crl_push(ocf_obt_store *s, obt_cert_opts *o) {
  owned_list l = {0};
  if (o->all) {
    if (ocf_obt_store_device_list(s, add_owned, &l) != OCF_OK) {
      free(l.u);
      return OBT_EXIT_SYSTEM;
    }
  } else {
    l.u = calloc(o->lc.n_uuids ? o->lc.n_uuids : 1, sizeof *l.u);
    if (!l.u) return OBT_EXIT_SYSTEM;
    l.n = obt_lc_uuids(&o->lc, l.u);
  }
  if (l.n == 0) {
    fprintf(stderr, "obt crl push: no owned devices%s\n", o->all ? " in the domain" : "");
    free(l.u);
    return OBT_EXIT_FAILED;
  }
  uint8_t crl[2048];
  size_t len = 0;
  ocf_obt_crl_info info;
  /* Digest §6.7: refresh every 3 months; the CRL says when the next one is due. A new number
   * every time (RFC 5280 5.2.3), and the store keeps it as the current CRL (obt maintain). */
  ocf_err err = ocf_obt_crl_issue(s, obt_wall_ms() / 1000, 90, crl, sizeof crl, &len, &info);
  int rc;
  if (err != OCF_OK) {
    fprintf(stderr, "obt crl push: %s\n",
            err == OCF_ERR_NOT_FOUND ? "the domain has no CA yet (obt ca init)"
            : err == OCF_ERR_NO_SPACE || err == OCF_ERR_TOO_LARGE
                ? "too many revoked certificates for one CRL"
                : ocf_strerror(err));
    rc = err == OCF_ERR_IO ? OBT_EXIT_SYSTEM : OBT_EXIT_FAILED;
  } else {
    printf("CRL number %llu, %zu bytes\n", (unsigned long long)info.number, len);
    rc = crl_push_open(s, o, &l, crl, len, &info);
  }
  free(l.u);
  return rc;
}
