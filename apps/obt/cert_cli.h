/* What obt cert and obt crl share (cmd_cert.c, cert_jobs.c): options, and the actions that run
 * CMS jobs over the owner sessions (<ocf/ocf_obt_cms.h>). */
#ifndef OBT_CERT_CLI_H
#define OBT_CERT_CLI_H

#include <ocf/ocf_obt_ca.h>

#include "lifecycle_cli.h"
#include "prov_cli.h"

typedef struct obt_cert_opts {
  obt_lc_opts lc; /* network, store, --yes, --json, uuids */
  const char *action, *out, *target, *csr;
  uint32_t days;
  ocf_obt_cert_role roles[OCF_OBT_CERT_ROLES_MAX];
  size_t n_roles;
  bool all;
  bool keep_old; /* renew: leave the replaced certificates unrevoked */
} obt_cert_opts;

/* Hex of p[0..n) (upper case, no separators). */
void obt_hex(FILE *out, const uint8_t *p, size_t n);

/* obt cert self: tool.crt, tool.key (0600), ca.crt into o->out. An exit code. */
int obt_cert_self(ocf_obt_store *s, const obt_cert_opts *o);
/* obt cert issue --csr FILE [--out FILE]: an identity certificate for a client outside the
 * domain (ocf_obt_cms_issue_csr). An exit code. */
int obt_cert_issue_csr(ocf_obt_store *s, const obt_cert_opts *o);
/* obt cert issue / renew: one certificate job per device. An exit code. */
int obt_cert_issue(ocf_obt_store *s, obt_cert_opts *o, bool renew);
/* obt crl push: one CRL job per device. An exit code. */
int obt_crl_push(ocf_obt_store *s, obt_cert_opts *o);

/* Over an open c (obt_prov_cli_open): one CRL job per device with crl[0..len) (signed by
 * ocf_obt_crl_issue, described by info), one printed line per device; what each device then
 * holds is recorded (ocf_obt_crl_held_put: the number, or no /oic/sec/crl). results: n, or NULL.
 * An exit code as obt_prov_cli_run's. */
int obt_crl_jobs_run(obt_prov_cli *c, ocf_obt_store *s, const uint8_t *crl, size_t len,
                     const ocf_obt_crl_info *info, const ocf_uuid *uuids, size_t n,
                     obt_prov_cli_result *results);
/* Over an open c: one identity certificate job per device (renewal: the new certificate replaces
 * the old on the device), valid days days from utc_now. An exit code as obt_prov_cli_run's. */
int obt_cert_jobs_run(obt_prov_cli *c, ocf_obt_store *s, int64_t utc_now, uint32_t days,
                      const ocf_uuid *uuids, size_t n, obt_prov_cli_result *results);

#endif
