/* The OBT's certificate authority (CMS, OBT 5.4, 6.1; digest §4.4, §6.1, §6.2, §6.7; ADR 0017):
 * a P-256 root or an imported sub-CA, PKCS#10 CSR checks, identity and role certificates, key
 * pairs for devices without /oic/sec/csr, and X.509 v2 CRLs. Implementation:
 * src/pki/mbedtls/ca_mbedtls.c and crl_mbedtls.c (target ocf_pki_ca).
 *
 * Pure computation over the caller's bytes: time is the caller's UTC time in seconds since
 * 1970-01-01T00:00:00Z, randomness comes from the caller's generator (serials, keys, signature
 * blinding), nothing is written anywhere. Private keys are DER (SEC1 ECPrivateKey) in the
 * caller's buffers: the caller seals them (e.g. ocf_obt_store_secret_put) and wipes them with
 * ocf_crypto_wipe / ocf_pki_ca_wipe. Every certificate this module writes passes
 * ocf_cert_check_chain (pki/cert.h) against its CA. */
#ifndef OCF_PKI_CA_H
#define OCF_PKI_CA_H

#include <ocf/ocf_types.h>

#define OCF_PKI_KEY_MAX 160       /* DER SEC1 P-256 private key (121 bytes as we write it) */
#define OCF_PKI_PUBKEY_MAX 96     /* DER SubjectPublicKeyInfo of a P-256 key (91 bytes) */
#define OCF_PKI_CERT_MAX 2048     /* DER certificate we write or import */
#define OCF_PKI_SERIAL_MAX 20     /* RFC 5280 4.1.2.2: at most 20 octets */
#define OCF_PKI_CSR_MAX 3072      /* digest §2.7: csr is at most 3072 characters */
#define OCF_PKI_CN_MAX 64         /* RFC 5280 ub-common-name */
#define OCF_PKI_NAME_TEXT_MAX 255 /* a distinguished name as text, "CN=...,O=..." */
#define OCF_PKI_ROLES_MAX 8       /* roles in one role certificate */
#define OCF_PKI_ROLE_MAX 64       /* bytes of a role or authority name (ub-common-name) */

/* The caller's cryptographically strong generator; the signature of ocf_platform.random, so a
 * host passes {pf->random, pf->ctx}. */
typedef struct ocf_pki_rng {
  ocf_err (*random)(void *ctx, uint8_t *out, size_t len);
  void *ctx;
} ocf_pki_rng;

/* A CA: its certificate and private key. The key is secret. */
typedef struct ocf_pki_ca {
  uint8_t cert[OCF_PKI_CERT_MAX]; /* DER */
  size_t cert_len;
  uint8_t key[OCF_PKI_KEY_MAX]; /* DER SEC1 ECPrivateKey */
  size_t key_len;
} ocf_pki_ca;

/* Zeroes the CA (key included). NULL is fine. */
void ocf_pki_ca_wipe(ocf_pki_ca *ca);

/* Creates a self-signed root (digest §6.1, as IL's OBT does): fresh P-256 key, X.509 v3,
 * ecdsa-with-SHA256, subject and issuer CN=cn (1..OCF_PKI_CN_MAX bytes, no control
 * characters), a positive 20-byte serial from rng, basicConstraints cA true without pathLen,
 * keyUsage keyCertSign + cRLSign + digitalSignature, subject and authority key identifiers,
 * valid from not_before to not_after (UTC seconds, 1950..9999, not_before < not_after).
 * OCF_ERR_INVALID_ARG, the errors of rng, OCF_ERR_CRYPTO (the backend failed). On failure *out
 * is wiped. */
OCF_NODISCARD ocf_err ocf_pki_ca_create(const char *cn, int64_t not_before, int64_t not_after,
                                        const ocf_pki_rng *rng, ocf_pki_ca *out);

/* Imports an external CA's certificate and private key (DER or PEM each; PEM may be
 * NUL-terminated or not), so a company CA can sit above ours: the certificate must be X.509
 * v3, signed with ecdsa-with-SHA256, with a P-256 key, basicConstraints cA true and keyUsage
 * keyCertSign + cRLSign (we sign certificates and CRLs with it), valid at utc_now; the key
 * must be the certificate's. Both are re-encoded as DER into *out (a PEM file's other
 * certificates are ignored: the chain above the CA is the caller's). OCF_ERR_MALFORMED (does
 * not parse), OCF_ERR_UNSUPPORTED (not P-256 / ECDSA-SHA256), OCF_ERR_DENIED (not a CA, lacks
 * keyCertSign or cRLSign, not valid at utc_now), OCF_ERR_CRYPTO (the key is not the
 * certificate's), OCF_ERR_TOO_LARGE, OCF_ERR_INVALID_ARG. On failure *out is wiped. */
OCF_NODISCARD ocf_err ocf_pki_ca_import(const uint8_t *cert, size_t cert_len, const uint8_t *key,
                                        size_t key_len, int64_t utc_now, const ocf_pki_rng *rng,
                                        ocf_pki_ca *out);

#define OCF_PKI_CHAIN_MAX 4 /* certificates above an imported CA, up to the root */

/* The chain above an imported CA (ADR 0017; digest §6.1: "else signed by its upper CA"), all
 * DER: upper[0] must be a CA (basicConstraints cA) whose key signed ca and whose subject is ca's
 * issuer, upper[1] the same for upper[0], ..., and the last one self-signed (the root).
 * Validity dates are not checked (the caller's clock). OCF_ERR_MALFORMED (one does not parse),
 * OCF_ERR_DENIED (a link does not hold, or the last is not self-signed), OCF_ERR_INVALID_ARG
 * (more than OCF_PKI_CHAIN_MAX). n == 0 is fine (a root, or a CA without its chain). */
OCF_NODISCARD ocf_err ocf_pki_ca_chain_check(const uint8_t *ca, size_t ca_len, const ocf_bytes *upper,
                                             size_t n);

/* What `obt ca show` prints about a certificate. */
typedef struct ocf_pki_cert_info {
  char subject[OCF_PKI_NAME_TEXT_MAX + 1]; /* "CN=..." as mbedTLS prints it */
  char issuer[OCF_PKI_NAME_TEXT_MAX + 1];
  uint8_t serial[OCF_PKI_SERIAL_MAX + 1]; /* INTEGER content octets (a leading 0 kept) */
  size_t serial_len;
  int64_t not_before, not_after; /* UTC seconds */
  uint8_t sha256[32];            /* fingerprint: SHA-256 of the DER */
  bool is_ca;
  bool self_signed; /* issuer equals subject and the signature verifies with its own key */
} ocf_pki_cert_info;

/* OCF_ERR_MALFORMED (not one DER certificate), OCF_ERR_INVALID_ARG. */
OCF_NODISCARD ocf_err ocf_pki_cert_info_get(const uint8_t *der, size_t len, ocf_pki_cert_info *out);

/* ---- keys and CSRs ---- */

/* A fresh P-256 key pair for a device that has no /oic/sec/csr (OBT 6.1, digest §6.2 item 2):
 * the private key as DER SEC1 (secret) and the public key as DER SubjectPublicKeyInfo.
 * OCF_ERR_NO_SPACE, OCF_ERR_INVALID_ARG, the errors of rng, OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err ocf_pki_keypair_generate(const ocf_pki_rng *rng, uint8_t *key, size_t key_cap,
                                               size_t *key_len, uint8_t *pub, size_t pub_cap,
                                               size_t *pub_len);

/* A checked PKCS#10 request (digest §2.7, §6.2 item 1). */
typedef struct ocf_pki_csr {
  char subject[OCF_PKI_NAME_TEXT_MAX + 1];
  bool has_uuid; /* the subject CN is "uuid:<uuid>"; uuid is then that uuid */
  ocf_uuid uuid;
  uint8_t pubkey[OCF_PKI_PUBKEY_MAX]; /* DER SubjectPublicKeyInfo */
  size_t pubkey_len;
} ocf_pki_csr;

/* Parses a CSR, DER or PEM ("-----BEGIN CERTIFICATE REQUEST-----", with or without a final
 * NUL), at most OCF_PKI_CSR_MAX bytes, and verifies its self-signature. The key must be EC on
 * P-256 and the signature ecdsa-with-SHA256 (digest §4.4). The subject is only reported: the
 * issuer names the device by the uuid it knows, and should tell the user when has_uuid is
 * false or uuid differs. OCF_ERR_TOO_LARGE, OCF_ERR_MALFORMED (not a CSR), OCF_ERR_UNSUPPORTED
 * (another key type, curve or signature algorithm), OCF_ERR_CRYPTO (the signature does not
 * verify), OCF_ERR_INVALID_ARG. */
OCF_NODISCARD ocf_err ocf_pki_csr_parse(const uint8_t *csr, size_t len, ocf_pki_csr *out);

/* ---- issuing ---- */

/* A role of a role certificate (digest §6.1): subjectAltName directoryName CN=role and, when
 * authority is not NULL, OU=authority. Both 1..OCF_PKI_ROLE_MAX bytes of UTF-8 without control
 * characters. */
typedef struct ocf_pki_role {
  const char *role;
  const char *authority; /* NULL: none (a relying party then takes the issuer's CN) */
} ocf_pki_role;

typedef struct ocf_pki_leaf {
  ocf_uuid uuid;         /* the device's deviceuuid, as the OBT knows it: CN "uuid:<uuid>" */
  const uint8_t *pubkey; /* DER SubjectPublicKeyInfo, P-256 (ocf_pki_csr.pubkey) */
  size_t pubkey_len;
  int64_t not_before, not_after; /* UTC seconds; not_after is cut to the CA's notAfter */
  const ocf_pki_role *roles;     /* n_roles == 0: an identity certificate */
  size_t n_roles;                /* 1..OCF_PKI_ROLES_MAX: a role certificate */
} ocf_pki_leaf;

/* Issues an end-entity certificate signed by ca (digest §4.4, §6.1): X.509 v3,
 * ecdsa-with-SHA256, issuer = the CA's subject, subject CN=uuid:<uuid>, a positive 20-byte
 * serial from rng, basicConstraints cA false, keyUsage digitalSignature + keyAgreement,
 * extendedKeyUsage serverAuth + clientAuth + the OCF identity OID 1.3.6.1.4.1.44924.1.6 (an
 * identity certificate) or the OCF role OID 1.3.6.1.4.1.44924.1.7 with one subjectAltName
 * directoryName per role (a role certificate), authority and subject key identifiers. The
 * certificate's serial is returned in serial[0..*serial_len) (INTEGER content, for revocation;
 * serial may be NULL). OCF_ERR_INVALID_ARG (bad arguments, validity empty after cutting),
 * OCF_ERR_UNSUPPORTED (pubkey not P-256), OCF_ERR_MALFORMED (pubkey or CA does not parse),
 * OCF_ERR_NO_SPACE, the errors of rng, OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err ocf_pki_issue(const ocf_pki_ca *ca, const ocf_pki_leaf *leaf, const ocf_pki_rng *rng,
                                    uint8_t *cert, size_t cap, size_t *cert_len,
                                    uint8_t serial[OCF_PKI_SERIAL_MAX + 1], size_t *serial_len);

/* ---- CRLs (digest §2.9, §6.7; RFC 5280 5) ---- */

typedef struct ocf_pki_revoked {
  const uint8_t *serial; /* INTEGER content octets, as ocf_pki_issue or cert_info return them */
  size_t serial_len;     /* 1..OCF_PKI_SERIAL_MAX + 1 */
  int64_t when;          /* revocationDate, UTC seconds */
} ocf_pki_revoked;

typedef struct ocf_pki_crl_params {
  uint64_t number;     /* cRLNumber, increasing with every CRL the CA issues */
  int64_t this_update; /* UTC seconds */
  int64_t next_update; /* > this_update */
  const ocf_pki_revoked *revoked;
  size_t n_revoked;
} ocf_pki_crl_params;

/* Writes a DER X.509 v2 CRL signed by ca with ecdsa-with-SHA256: issuer = the CA's subject,
 * thisUpdate, nextUpdate, the revoked serials with their dates, and the cRLNumber and
 * authorityKeyIdentifier extensions (RFC 5280 5.2.1, 5.2.3). OCF_ERR_INVALID_ARG,
 * OCF_ERR_NO_SPACE, OCF_ERR_MALFORMED (the CA does not parse), the errors of rng,
 * OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err ocf_pki_crl_write(const ocf_pki_ca *ca, const ocf_pki_crl_params *p,
                                        const ocf_pki_rng *rng, uint8_t *out, size_t cap, size_t *len);

/* ---- PEM ---- */

/* der as PEM text with "-----BEGIN <label>-----" (label "CERTIFICATE", "X509 CRL",
 * "CERTIFICATE REQUEST"), NUL-terminated; *len excludes the NUL. OCF_ERR_NO_SPACE,
 * OCF_ERR_INVALID_ARG. */
OCF_NODISCARD ocf_err ocf_pki_pem_write(const char *label, const uint8_t *der, size_t der_len, char *out,
                                        size_t cap, size_t *len);

#endif
