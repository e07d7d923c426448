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
 * certificate's. OCF_ERR_STATE (as above), OCF_ERR_MALFORMED (does not parse),
 * OCF_ERR_UNSUPPORTED (another key type or signature), OCF_ERR_DENIED (not a usable CA, or not
 * valid now), OCF_ERR_CRYPTO (the key is not the certificate's), OCF_ERR_TOO_LARGE, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ca_import(ocf_obt_store *s, const uint8_t *cert, size_t cert_len,
                                                const uint8_t *key, size_t key_len, int64_t utc_now,
                                                bool replace);

/* The CA certificate (DER), no unlock needed. OCF_ERR_NOT_FOUND (no CA yet), OCF_ERR_NO_SPACE,
 * OCF_ERR_MALFORMED, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ca_cert(ocf_obt_store *s, uint8_t *buf, size_t cap, size_t *len);

/* The CA certificate's fields. OCF_ERR_NOT_FOUND, OCF_ERR_MALFORMED, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ca_info_get(ocf_obt_store *s, ocf_obt_ca_info *out);

/* The CA certificate as PEM text ("-----BEGIN CERTIFICATE-----"), NUL-terminated.
 * OCF_ERR_NOT_FOUND, OCF_ERR_NO_SPACE, OCF_ERR_MALFORMED, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ca_cert_pem(ocf_obt_store *s, char *buf, size_t cap, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
