/* What obt cert and obt crl share (cmd_cert.c, cert_jobs.c): options, and the actions that run
 * CMS jobs over the owner sessions (<ocf/ocf_obt_cms.h>). */
#ifndef OBT_CERT_CLI_H
#define OBT_CERT_CLI_H

#include <ocf/ocf_obt_ca.h>

#include "lifecycle_cli.h"

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

#endif
