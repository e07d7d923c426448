/* The domain's certificate authority, kept in the domain store (docs/decisions/0017-obt-ca.md;
 * OBT 5.4, 6.1; digest §6.1): a self-signed P-256 root made here, or an external sub-CA's
 * certificate and key imported so a company CA can sit above the domain. The certificate is
 * kept in clear (readable without the domain key); the private key is sealed like every secret
 * (ocf_obt_store_domain_secret_put) and is never returned by this API. Times are UTC seconds
 * since 1970-01-01T00:00:00Z from the caller. Implementation: src/store/sqlite/ca.c over
 * src/pki (ca.h). */
#ifndef OCF_OBT_CA_H
#define OCF_OBT_CA_H

#include "ocf_obt_store.h"
#include "ocf_types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OCF_OBT_CA_CN_MAX 64
#define OCF_OBT_CA_NAME_TEXT_MAX 255
#define OCF_OBT_CA_CERT_MAX 2048

/* What `obt ca show` prints. */
typedef struct ocf_obt_ca_info {
  char subject[OCF_OBT_CA_NAME_TEXT_MAX + 1]; /* "CN=..." */
  char issuer[OCF_OBT_CA_NAME_TEXT_MAX + 1];
  uint8_t serial[21]; /* INTEGER content octets */
  size_t serial_len;
  int64_t not_before, not_after;
  uint8_t sha256[32]; /* fingerprint of the DER certificate */
  bool self_signed;   /* a root made by `obt ca init`; false for an imported sub-CA */
} ocf_obt_ca_info;

/* Creates a root CA with subject CN=cn valid from not_before to not_after and stores it. The
 * store must be unlocked. OCF_ERR_STATE (locked, or the domain already has a CA and replace is
 * false), OCF_ERR_INVALID_ARG (cn, times), OCF_ERR_CRYPTO, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ca_create(ocf_obt_store *s, const char *cn, int64_t not_before,
                                                int64_t not_after, bool replace);

/* Imports a CA certificate and its private key (DER or PEM each): X.509 v3, P-256,
 * ecdsa-with-SHA256, cA true, keyCertSign + cRLSign, valid at utc_now, and the key must be the
 * certificate's. The certificates after the first in cert (PEM) are its chain up to the root
 * (ocf_obt_ca_chain): each must be a CA that signed the one before and the last self-signed,
 * else OCF_ERR_DENIED. OCF_ERR_STATE (as above), OCF_ERR_MALFORMED (does not parse),
 * OCF_ERR_UNSUPPORTED (another key type or signature), OCF_ERR_DENIED (not a usable CA, or not
 * valid now), OCF_ERR_CRYPTO (the key is not the certificate's), OCF_ERR_TOO_LARGE, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ca_import(ocf_obt_store *s, const uint8_t *cert, size_t cert_len,
                                                const uint8_t *key, size_t key_len, int64_t utc_now,
                                                bool replace);

/* The certificates above an imported sub-CA up to the company root, DER back to back (*len 0:
 * none, the CA is a root or came without its chain). They are the certificates after the first
 * in obt ca import's --cert input, checked there link by link (each a CA that signed the one
 * below, the last self-signed); no unlock needed. OCF_ERR_NO_SPACE, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ca_chain(ocf_obt_store *s, uint8_t *buf, size_t cap, size_t *len);

/* The CA certificate (DER), no unlock needed. OCF_ERR_NOT_FOUND (no CA yet), OCF_ERR_NO_SPACE,
 * OCF_ERR_MALFORMED, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ca_cert(ocf_obt_store *s, uint8_t *buf, size_t cap, size_t *len);

/* The CA certificate's fields. OCF_ERR_NOT_FOUND, OCF_ERR_MALFORMED, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ca_info_get(ocf_obt_store *s, ocf_obt_ca_info *out);

/* The CA certificate as PEM text ("-----BEGIN CERTIFICATE-----"), NUL-terminated.
 * OCF_ERR_NOT_FOUND, OCF_ERR_NO_SPACE, OCF_ERR_MALFORMED, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ca_cert_pem(ocf_obt_store *s, char *buf, size_t cap, size_t *len);

/* The CA certificate then the chain above it (ocf_obt_ca_chain), PEM, NUL-terminated: what a
 * client needs to verify the chains devices present. Errors as ocf_obt_ca_cert_pem. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ca_chain_pem(ocf_obt_store *s, char *buf, size_t cap, size_t *len);

/* ---- certificates the CA issued, revocation, CRLs (ADR 0020; OBT 6.1; digest §6.2, §6.7) ---- */

#define OCF_OBT_CERT_SERIAL_MAX 21  /* INTEGER content octets */
#define OCF_OBT_CERT_ROLES_MAX 8    /* roles in one role certificate */
#define OCF_OBT_CERT_ROLE_MAX 64    /* bytes of a role or authority */
#define OCF_OBT_CERT_ROLES_TEXT 600 /* "role@authority,role" */
#define OCF_OBT_CERT_PEM_MAX 4096   /* one certificate or key as PEM */

typedef enum ocf_obt_cert_kind {
  OCF_OBT_CERT_IDENTITY = 1, /* a device's identity certificate (oic.sec.cred.cert) */
  OCF_OBT_CERT_ROLE = 2,     /* a device's role certificate (oic.sec.cred.rolecert) */
  OCF_OBT_CERT_TOOL = 3,     /* the tool's own identity certificate (obt cert self) */
} ocf_obt_cert_kind;

/* "identity", "role", "tool"; "?" otherwise. */
OCF_API const char *ocf_obt_cert_kind_name(ocf_obt_cert_kind kind);

typedef struct ocf_obt_cert_role {
  const char *role;      /* 1..OCF_OBT_CERT_ROLE_MAX bytes */
  const char *authority; /* NULL: none */
} ocf_obt_cert_role;

/* What to issue. */
typedef struct ocf_obt_cert_request {
  ocf_obt_cert_kind kind;
  ocf_uuid uuid;         /* CN uuid:<uuid> (the tool's uuid for OCF_OBT_CERT_TOOL) */
  const uint8_t *pubkey; /* DER SubjectPublicKeyInfo, P-256 (from a checked CSR) */
  size_t pubkey_len;
  int64_t not_before, not_after;  /* UTC seconds; not_after is cut to the CA's */
  const ocf_obt_cert_role *roles; /* OCF_OBT_CERT_ROLE: 1..OCF_OBT_CERT_ROLES_MAX */
  size_t n_roles;
} ocf_obt_cert_request;

/* One issued certificate as the store records it. */
typedef struct ocf_obt_cert_record {
  uint8_t serial[OCF_OBT_CERT_SERIAL_MAX];
  size_t serial_len;
  ocf_uuid uuid;
  ocf_obt_cert_kind kind;
  char roles[OCF_OBT_CERT_ROLES_TEXT + 1];
  int64_t issued, not_before, not_after; /* UTC seconds */
  bool revoked;
  int64_t revoked_at;
} ocf_obt_cert_record;

/* Issues a certificate with the domain's CA (the key is opened, used and wiped here) and records
 * it (rec may be NULL). The store must be unlocked. OCF_ERR_NOT_FOUND (no CA),
 * OCF_ERR_STATE (locked), OCF_ERR_INVALID_ARG, OCF_ERR_UNSUPPORTED (not P-256),
 * OCF_ERR_NO_SPACE, OCF_ERR_CRYPTO, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ca_issue(ocf_obt_store *s, const ocf_obt_cert_request *rq,
                                               int64_t utc_now, uint8_t *cert, size_t cap, size_t *cert_len,
                                               ocf_obt_cert_record *rec);

/* The tool's own identity certificate (obt cert self): a fresh P-256 key pair, a certificate
 * for CN uuid:<tool uuid> valid days days from utc_now, recorded as OCF_OBT_CERT_TOOL; both as
 * PEM ("CERTIFICATE", "EC PRIVATE KEY"), NUL-terminated. key_pem is secret. Errors as
 * ocf_obt_ca_issue. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ca_issue_self(ocf_obt_store *s, int64_t utc_now, uint32_t days,
                                                    char cert_pem[OCF_OBT_CERT_PEM_MAX],
                                                    char key_pem[OCF_OBT_CERT_PEM_MAX],
                                                    ocf_obt_cert_record *rec);

/* Calls each(user, rec) for every issued certificate, oldest first; stops when each returns
 * false. uuid NULL: all; else that device's. OCF_ERR_MALFORMED, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_cert_list(ocf_obt_store *s, const ocf_uuid *uuid,
                                                bool (*each)(void *user, const ocf_obt_cert_record *rec),
                                                void *user);

/* Marks the certificate with this serial revoked at `when` and raises the CRL number (the next
 * CRL lists it). OCF_ERR_NOT_FOUND (no such certificate), OCF_ERR_STATE (already revoked),
 * OCF_ERR_INVALID_ARG, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_cert_revoke(ocf_obt_store *s, const uint8_t *serial, size_t serial_len,
                                                  int64_t when);

/* The CRL number the next CRL carries (1 before any revocation). */
OCF_API OCF_NODISCARD ocf_err ocf_obt_crl_number(ocf_obt_store *s, uint64_t *number);

/* A fresh CRL (DER) signed by the CA: the current CRL number, thisUpdate utc_now, nextUpdate
 * utc_now + days (digest §6.7: refresh e.g. every 3 months), every revoked serial. The store must
 * be unlocked. OCF_ERR_NOT_FOUND (no CA), OCF_ERR_STATE, OCF_ERR_NO_SPACE, OCF_ERR_CRYPTO,
 * OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_crl_build(ocf_obt_store *s, int64_t utc_now, uint32_t days,
                                                uint8_t *der, size_t cap, size_t *len, uint64_t *number);

/* ---- the current CRL and what each device holds (obt crl push, obt maintain; ADR 0025) ---- */

/* The CRL the domain last signed with ocf_obt_crl_issue. */
typedef struct ocf_obt_crl_info {
  uint64_t number;                  /* its cRLNumber (= the crlid pushed to devices) */
  int64_t this_update, next_update; /* UTC seconds */
} ocf_obt_crl_info;

/* Signs a new CRL as ocf_obt_crl_build does (thisUpdate utc_now, nextUpdate utc_now + days),
 * records it as the domain's current CRL (domain value "crl-current": its number, dates and
 * DER) and raises the CRL number past it, all in one transaction: every CRL signed this way
 * carries a greater cRLNumber than the one before (RFC 5280 5.2.3; a revocation raises it too,
 * so numbers may skip). The store must be unlocked. info may be NULL. Errors as
 * ocf_obt_crl_build. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_crl_issue(ocf_obt_store *s, int64_t utc_now, uint32_t days,
                                                uint8_t *der, size_t cap, size_t *len,
                                                ocf_obt_crl_info *info);

/* The current CRL (the last ocf_obt_crl_issue): its fields, and its DER into der[0..cap) when der
 * is not NULL (len may then not be NULL). No unlock needed. OCF_ERR_NOT_FOUND (none signed yet),
 * OCF_ERR_NO_SPACE, OCF_ERR_MALFORMED, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_crl_current(ocf_obt_store *s, uint8_t *der, size_t cap, size_t *len,
                                                  ocf_obt_crl_info *info);

/* What the store knows of a device's /oic/sec/crl: the crlid it was last seen to hold (a CRL job
 * read it back), or that it has no /oic/sec/crl (it answered 4.04). Kept with the device's row
 * (a device secret "crl-held"), so it goes when the device is forgotten (reset, offboard) and a
 * device onboarded again starts unknown. */
typedef struct ocf_obt_crl_held {
  bool no_resource; /* the device has no /oic/sec/crl */
  uint64_t number;  /* !no_resource: the crlid it holds */
  int64_t when;     /* UTC seconds of the push */
} ocf_obt_crl_held;

/* The store must be unlocked. OCF_ERR_NOT_FOUND (no such device), OCF_ERR_STATE, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_crl_held_put(ocf_obt_store *s, const ocf_uuid *device,
                                                   const ocf_obt_crl_held *held);
/* OCF_ERR_NOT_FOUND (nothing known), OCF_ERR_STATE (locked), OCF_ERR_MALFORMED, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_crl_held_get(ocf_obt_store *s, const ocf_uuid *device,
                                                   ocf_obt_crl_held *out);

#ifdef __cplusplus
}
#endif
#endif
