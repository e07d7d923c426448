/* The domain's manufacturer trust anchors (the OBT's oic.sec.cred.mfgtrustca set, digest §4.4,
 * S003 §7.4): the CA certificates a device's manufacturer chain must lead to for the
 * Manufacturer Certificate OTM. They are public (certificates, no keys), kept in the domain
 * store as public domain values, one per slot, so listing and using them needs no domain key
 * (docs/decisions/0016-dots-engine.md, "Manufacturer certificate"). Times are UTC seconds since
 * 1970-01-01T00:00:00Z from the caller. Implementation: src/obt/trust.c over src/pki. */
#ifndef OCF_OBT_TRUST_H
#define OCF_OBT_TRUST_H

#include "ocf_obt_store.h"
#include "ocf_types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OCF_OBT_TRUST_MAX 8          /* anchors a domain holds (= what one mfgcert handshake checks) */
#define OCF_OBT_TRUST_CERT_MAX 2048  /* bytes of one DER certificate */
#define OCF_OBT_TRUST_TEXT_MAX 255   /* a distinguished name as text */
#define OCF_OBT_TRUST_FILE_MAX 65536 /* bytes of a PEM or DER file ocf_obt_cert_split takes */

/* What `obt trust list` shows of one anchor. */
typedef struct ocf_obt_trust_info {
  char subject[OCF_OBT_TRUST_TEXT_MAX + 1]; /* "CN=...,O=..." */
  char issuer[OCF_OBT_TRUST_TEXT_MAX + 1];
  int64_t not_before, not_after;
  uint8_t sha256[32]; /* fingerprint of the DER certificate: the anchor's name for remove */
  bool self_signed;   /* a root; false for an intermediate CA used as anchor */
} ocf_obt_trust_info;

/* Splits a certificate file into DER certificates: PEM (every "CERTIFICATE" block in order,
 * other blocks ignored) or DER (one or more certificates back to back). The DER bytes go to
 * buf[0..cap) and certs[0..*n) point into buf. OCF_ERR_MALFORMED (neither, a bad block),
 * OCF_ERR_NO_SPACE (more than max certificates, or buf too small), OCF_ERR_TOO_LARGE (len
 * over OCF_OBT_TRUST_FILE_MAX), OCF_ERR_INVALID_ARG. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_cert_split(const uint8_t *data, size_t len, uint8_t *buf, size_t cap,
                                                 ocf_bytes *certs, size_t max, size_t *n);

/* Whether der can be a manufacturer trust anchor at utc_now: one X.509 v3 certificate, a CA
 * (basicConstraints cA true), an EC P-256 key, signed with ecdsa-with-SHA256 (digest §4.4
 * "All"), inside its validity. *info is filled whenever it parses; *why (may be NULL) gets a
 * sentence naming the first problem, "" when none. OCF_OK, OCF_ERR_DENIED (a check failed),
 * OCF_ERR_MALFORMED (not one DER certificate), OCF_ERR_INVALID_ARG. The CA keyUsage rule
 * (keyCertSign + cRLSign for mfg chains) is checked by the chain check of each onboarding,
 * which names "keyUsage" then. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_trust_check(const uint8_t *der, size_t len, int64_t utc_now,
                                                  ocf_obt_trust_info *info, const char **why);

/* Checks der (as ocf_obt_trust_check) and adds it to the domain's manufacturer anchors.
 * OCF_ERR_STATE (the same certificate is held already; *info is filled), OCF_ERR_NO_SPACE
 * (OCF_OBT_TRUST_MAX held), the errors of ocf_obt_trust_check, OCF_ERR_IO. No unlock needed. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_trust_add(ocf_obt_store *s, const uint8_t *der, size_t len,
                                                int64_t utc_now, ocf_obt_trust_info *info, const char **why);

/* Calls each for every anchor in slot order; stops early when each returns false. An anchor that
 * no longer parses is skipped. OCF_ERR_IO, OCF_ERR_MALFORMED. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_trust_list(ocf_obt_store *s,
                                                 bool (*each)(void *user, const ocf_obt_trust_info *a),
                                                 void *user);

/* How many anchors the domain holds. OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_trust_count(ocf_obt_store *s, size_t *n);

/* Removes the anchor with this SHA-256 fingerprint. OCF_ERR_NOT_FOUND, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_trust_remove(ocf_obt_store *s, const uint8_t sha256[32]);

#ifdef __cplusplus
}
#endif
#endif
