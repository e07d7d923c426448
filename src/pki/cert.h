/* OCF certificate profile checks for a peer chain (digest §4.4, §6.1) and its verification
 * against a set of trust anchors, with the caller's UTC time (devices keep no clock, and the
 * TLS library is built without one: MBEDTLS_HAVE_TIME_DATE is off). Implementation:
 * src/pki/mbedtls/cert_mbedtls.c (target ocf_pki_cert). Pure computation over the caller's
 * bytes; mbedTLS parses into its own heap objects that are freed before returning. */
#ifndef OCF_PKI_CERT_H
#define OCF_PKI_CERT_H

#include <ocf/ocf_types.h>

#define OCF_CERT_CHAIN_MAX 4 /* certificates of a presented chain we check */

/* Which end-entity profile the leaf must meet. */
typedef enum ocf_cert_kind {
  /* Manufacturer certificate (credusage oic.sec.cred.mfgcert, the mfg OTM): the end-entity
   * profile of digest §4.4; its CN may lack a uuid (IL then uses "*"). CAs must have cRLSign
   * ("required when validating during the OTM"). */
  OCF_CERT_KIND_MFG = 1,
  /* Identity certificate (oic.sec.cred.cert): the same, and the CN must be "uuid:<uuid>". */
  OCF_CERT_KIND_IDENTITY = 2,
  /* Role certificate (oic.sec.cred.rolecert, digest §6.1): as an identity certificate, except
   * that the EKU has the OCF role OID instead of the identity OID, and subjectAltName names
   * at least one role as a directoryName with a CN. */
  OCF_CERT_KIND_ROLE = 3,
} ocf_cert_kind;

/* What failed, as bits (more than one may be set). */
enum {
  OCF_CERT_F_PARSE = 1u << 0,         /* a certificate does not parse as X.509 DER */
  OCF_CERT_F_VERSION = 1u << 1,       /* not X.509 v3 */
  OCF_CERT_F_SIG_ALG = 1u << 2,       /* not signed with ecdsa-with-SHA256 */
  OCF_CERT_F_KEY = 1u << 3,           /* public key not EC on P-256 */
  OCF_CERT_F_NOT_YET_VALID = 1u << 4, /* notBefore is after the caller's time */
  OCF_CERT_F_EXPIRED = 1u << 5,       /* notAfter is before the caller's time */
  OCF_CERT_F_BASIC = 1u << 6,         /* basicConstraints: leaf cA or pathLen, CA without cA */
  OCF_CERT_F_KEY_USAGE = 1u << 7,     /* keyUsage missing or not the profile's bits */
  OCF_CERT_F_EKU = 1u << 8,           /* leaf EKU lacks serverAuth/clientAuth/OCF identity, or
                                         has the OCF role OID or anyExtendedKeyUsage (role
                                         certificates: the two OCF OIDs swapped) */
  OCF_CERT_F_CN = 1u << 9,            /* identity leaf CN is not "uuid:<uuid>" */
  OCF_CERT_F_UNTRUSTED = 1u << 10,    /* the chain does not verify up to one of the anchors
                                         (signature, issuer, path length or unknown root) */
  OCF_CERT_F_CHAIN_LEN = 1u << 11,    /* empty chain, or longer than OCF_CERT_CHAIN_MAX */
  OCF_CERT_F_ROLES = 1u << 12,        /* role leaf: no directoryName role in subjectAltName */
};

typedef struct ocf_cert_report {
  uint32_t failures; /* OCF_CERT_F_* of all certificates */
  /* The first failing certificate, counted in the verified path from the leaf (0) upwards;
   * the anchor that ends the path is included. SIZE_MAX when none or unknown. */
  size_t depth;
  bool has_uuid; /* the leaf CN is "uuid:<uuid>" */
  ocf_uuid uuid;
} ocf_cert_report;

/* Checks chain (DER, leaf first, as presented by the peer) against anchors (DER): it must
 * verify up to one anchor, and every certificate of the verified path (anchor included) must
 * meet the OCF profile of digest §4.4 for kind and be valid at utc_now (seconds since
 * 1970-01-01T00:00:00Z). OCF_OK; OCF_ERR_DENIED when a check failed (report says which);
 * OCF_ERR_INVALID_ARG (NULL, no anchors); OCF_ERR_NO_MEMORY. report may be NULL. */
OCF_NODISCARD ocf_err ocf_cert_check_chain(const ocf_bytes *chain, size_t n_chain, const ocf_bytes *anchors,
                                           size_t n_anchors, ocf_cert_kind kind, int64_t utc_now,
                                           ocf_cert_report *report);

/* One line naming the first failure bit set in failures ("expired", "untrusted", ...; "ok" for
 * 0), for logs and CLI messages. */
const char *ocf_cert_failure_str(uint32_t failures);

#endif
