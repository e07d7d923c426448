/* Credential management with certificates (CMS, OBT 5.4, 6.1, 6.2; digest §6.2, §6.3, §6.7;
 * ADR 0020): jobs for the provisioning engine (<ocf/ocf_obt_prov.h>) as step functions.
 *
 * Certificate job (ocf_obt_cms_cert_job_new), one per device, over its owner session:
 *   GET doxm       sct must include credtype 8 (OBT 5.3.1 step 11, 5.4), else the job fails
 *                  telling the user the device does not take certificates;
 *   GET pstat      RFNOP is left for RFPRO (and entered again at the end): credentials are
 *                  written in RFPRO (digest §6);
 *   GET acl2       unless an ACE gives the tool R/U on /oic/sec/csr and /oic/sec/crl (digest
 *                  §7.5: rowneruuid covers doxm, pstat, cred and acl2 only), POST one;
 *   GET csr        the CSR's signature must verify and its CN name the device's uuid; the CA
 *                  issues the certificate (recorded in the store); a device answering 4.04 has
 *                  no /oic/sec/csr (digest §6.2 item 2): the job makes a P-256 key pair from the
 *                  platform's generator, the CA certifies it, and the key goes to the device as
 *                  PEM privatedata of the certificate entry (audit entry "cert key"; the key
 *                  itself is never stored or logged, and the job's copies are wiped: the DER once
 *                  the body is encoded, the body once the POST is answered, all at free);
 *   GET cred       is our CA already a trust anchor; which identity certificates to replace;
 *   POST cred      the trust anchor (subjectuuid "*", oic.sec.cred.trustca, our CA certificate in
 *                  publicdata, PEM) unless present, and the certificate (oic.sec.cred.cert or
 *                  .rolecert, publicdata = leaf then CA, PEM: digest §6.2 step 3);
 *   DELETE cred    then the replaced identity certificates (?credid=N); with revoke_replaced
 *                  (obt cert renew) each deleted certificate that the store recorded is marked
 *                  revoked there (the CRL number rises; audit entry "cert revoke").
 * CRL job (ocf_obt_cms_crl_job_new): doxm, pstat and the ACE as above, then POST /oic/sec/crl
 * (crlid, thisupdate, crldata = base64 of the DER CRL) and a GET that must show that crlid; a
 * device without /oic/sec/crl (4.04) is skipped, not failed.
 *
 * Every answer is checked: a code other than the expected one, a payload that does not decode,
 * or a CSR that is too long, badly signed, or names another uuid fails the job with the stage,
 * the code and what to do. The steps are pure over the answers; only the certificate job's
 * issuing touches the store. */
#ifndef OCF_OBT_CMS_CERT_H
#define OCF_OBT_CMS_CERT_H

#include "ocf_obt_ca.h"
#include "ocf_obt_prov.h"
#include "ocf_platform.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ocf_obt_cms_job ocf_obt_cms_job;

typedef struct ocf_obt_cms_cert_params {
  ocf_obt_store *store;           /* open and unlocked (the CA key); the domain's tool uuid is read */
  ocf_uuid uuid;                  /* the device */
  int64_t utc_now;                /* UTC seconds: notBefore (an hour earlier) and the record */
  uint32_t days;                  /* validity; 0 = 365 (cut to the CA's notAfter) */
  const ocf_obt_cert_role *roles; /* n_roles > 0: a role certificate with these roles */
  size_t n_roles;
  bool revoke_replaced; /* revoke the replaced identity certificates once deleted (renew) */
} ocf_obt_cms_cert_params;

/* OCF_ERR_INVALID_ARG, OCF_ERR_NOT_FOUND (no CA in the store), OCF_ERR_NO_MEMORY, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_cms_cert_job_new(const ocf_platform *pf,
                                                       const ocf_obt_cms_cert_params *p,
                                                       ocf_obt_cms_job **out);

/* crl: DER (at most 1536 bytes: /oic/sec/crl's crldata holds 2048 base64 characters), its
 * cRLNumber and thisUpdate (UTC seconds) as ocf_obt_crl_build made them. tool_uuid: the ACE's
 * subject. OCF_ERR_INVALID_ARG, OCF_ERR_TOO_LARGE, OCF_ERR_NO_MEMORY. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_cms_crl_job_new(const ocf_platform *pf, const ocf_uuid *tool_uuid,
                                                      const uint8_t *crl, size_t len, uint64_t number,
                                                      int64_t this_update, ocf_obt_cms_job **out);

/* An identity certificate for a DTLS client outside the domain, from its CSR (obt cert issue
 * --csr; ADR 0020 addendum): the client holds its own key, we never see it. The CSR (PEM or
 * DER, at most 3072 bytes) must verify with its own key (P-256, ecdsa-with-SHA256) and its CN be
 * uuid:<uuid> (digest §6.1: the peer uuid of a certificate session is the CN's); that uuid must
 * be neither the tool's (the client would act as the owner: obt cert self is for that) nor a
 * device's of the store (it would act as that device). The CA issues an identity certificate
 * for it valid from an hour before utc_now for days days (0 = 365, cut to the CA's), records it
 * (kind identity, so obt cert list/revoke and obt crl push cover it) and writes it as PEM,
 * NUL-terminated, into cert_pem (OCF_OBT_CERT_PEM_MAX is enough); rec may be NULL.
 * OCF_ERR_INVALID_ARG, OCF_ERR_NO_SPACE (cap below OCF_OBT_CERT_PEM_MAX), OCF_ERR_TOO_LARGE,
 * OCF_ERR_MALFORMED (not a CSR), OCF_ERR_UNSUPPORTED
 * (another key type, curve or signature), OCF_ERR_CRYPTO (the signature does not verify),
 * OCF_ERR_DENIED (the CN is not uuid:<uuid>, or the nil uuid), OCF_ERR_STATE (that uuid is the
 * tool's or a device's of the store), then the errors of ocf_obt_ca_issue (OCF_ERR_NOT_FOUND: no
 * CA). Nothing is issued or recorded on any error. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_cms_issue_csr(ocf_obt_store *s, const uint8_t *csr, size_t len,
                                                    int64_t utc_now, uint32_t days, char *cert_pem,
                                                    size_t cap, ocf_obt_cert_record *rec);

OCF_API void ocf_obt_cms_job_free(ocf_obt_cms_job *job);

/* The step function (ocf_obt_prov_step) of both kinds; job_user is the ocf_obt_cms_job. */
OCF_API ocf_obt_prov_next ocf_obt_cms_step(void *job_user, const ocf_obt_prov_response *rsp,
                                           ocf_obt_prov_request *req, ocf_obt_prov_failure *fail);

/* After the job: the certificate it issued (NULL when none was issued). */
OCF_API const ocf_obt_cert_record *ocf_obt_cms_job_issued(const ocf_obt_cms_job *job);
/* After a CRL job: the device has no /oic/sec/crl (it was left alone). */
OCF_API bool ocf_obt_cms_job_skipped(const ocf_obt_cms_job *job);
/* After a certificate job: the certificate was issued for a key pair the tool made (the device
 * has no /oic/sec/csr). */
OCF_API bool ocf_obt_cms_job_key_generated(const ocf_obt_cms_job *job);
/* After a certificate job with revoke_replaced: how many replaced certificates it revoked; with
 * i below that, *serial / *len are the i-th one's serial (INTEGER content octets). */
OCF_API size_t ocf_obt_cms_job_revoked(const ocf_obt_cms_job *job, size_t i, const uint8_t **serial,
                                       size_t *len);

#ifdef __cplusplus
}
#endif
#endif
