/* The device's side of certificates (digest §2.3, §2.7, §6.2): its P-256 key pair (made with
 * ocf_pki_keypair_generate, pki/ca.h), the PKCS#10 request /oic/sec/csr answers, the public key
 * of a certificate (an identity certificate is accepted only for the device's own key), and
 * certificate lists given as PEM or DER turned into DER certificates for the DTLS layer.
 * Implementation: src/pki/mbedtls/key_mbedtls.c (target ocf_pki_ca). Pure computation over the
 * caller's bytes, randomness from the caller's generator. */
#ifndef OCF_PKI_KEY_H
#define OCF_PKI_KEY_H

#include "pki/ca.h"

/* The public key (DER SubjectPublicKeyInfo) of a DER SEC1 private key. OCF_ERR_MALFORMED
 * (not a key), OCF_ERR_NO_SPACE, OCF_ERR_INVALID_ARG. */
OCF_NODISCARD ocf_err ocf_pki_key_public(const uint8_t *key, size_t key_len, const ocf_pki_rng *rng,
                                         uint8_t *pub, size_t cap, size_t *pub_len);

#define OCF_PKI_KEY_TEXT_MAX 1024 /* a private key as PEM or DER (cred privatedata holds 1024) */

/* A P-256 private key given as PEM ("EC PRIVATE KEY" or "PRIVATE KEY", NUL-terminated or not) or
 * DER (SEC1 or PKCS#8), at most OCF_PKI_KEY_TEXT_MAX bytes, as DER SEC1 into out (secret: the
 * caller wipes it; wiped here on failure). OCF_ERR_TOO_LARGE, OCF_ERR_MALFORMED (not a key),
 * OCF_ERR_UNSUPPORTED (not P-256), OCF_ERR_NO_SPACE, OCF_ERR_INVALID_ARG. */
OCF_NODISCARD ocf_err ocf_pki_key_der(const uint8_t *key, size_t len, const ocf_pki_rng *rng, uint8_t *out,
                                      size_t cap, size_t *out_len);

/* Whether key (PEM or DER as for ocf_pki_key_der) is the private key of pub (DER
 * SubjectPublicKeyInfo, P-256): the public point is recomputed from the private scalar. OCF_OK;
 * OCF_ERR_CRYPTO (another key); OCF_ERR_MALFORMED (either does not parse); OCF_ERR_UNSUPPORTED
 * (not P-256); OCF_ERR_TOO_LARGE; OCF_ERR_INVALID_ARG. Used by the device for a certificate
 * POSTed with its private key (digest §2.3, §6.2 item 2). */
OCF_NODISCARD ocf_err ocf_pki_key_matches(const uint8_t *key, size_t len, const uint8_t *pub, size_t pub_len,
                                          const ocf_pki_rng *rng);

/* A PKCS#10 request (digest §2.7; RFC 2986) for the key: subject CN=uuid:<uuid>, no attributes,
 * signed ecdsa-with-SHA256, as DER into out. The key must be EC P-256.
 * OCF_ERR_MALFORMED (the key does not parse), OCF_ERR_UNSUPPORTED (not P-256), OCF_ERR_NO_SPACE,
 * OCF_ERR_INVALID_ARG, the errors of rng, OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err ocf_pki_csr_write(const uint8_t *key, size_t key_len, const ocf_uuid *uuid,
                                        const ocf_pki_rng *rng, uint8_t *out, size_t cap, size_t *len);

/* Certificates in `in` (PEM with one or more CERTIFICATE blocks, NUL-terminated or not, or one
 * or more concatenated DER certificates) as DER, in their order: certs[i] points into buf.
 * At most max certificates; more is OCF_ERR_TOO_LARGE. OCF_ERR_MALFORMED (nothing or something
 * that is not a certificate), OCF_ERR_NO_SPACE (buf too small), OCF_ERR_INVALID_ARG. */
OCF_NODISCARD ocf_err ocf_pki_certs_der(const uint8_t *in, size_t len, uint8_t *buf, size_t cap,
                                        ocf_bytes *certs, size_t max, size_t *n);

/* The public key (DER SubjectPublicKeyInfo) and the CN uuid of a DER certificate (has_uuid
 * false when the CN is not "uuid:<uuid>"). OCF_ERR_MALFORMED, OCF_ERR_NO_SPACE,
 * OCF_ERR_INVALID_ARG. */
OCF_NODISCARD ocf_err ocf_pki_cert_subject(const uint8_t *der, size_t len, uint8_t *pub, size_t cap,
                                           size_t *pub_len, bool *has_uuid, ocf_uuid *uuid);

/* The first role a DER role certificate names (digest §6.1: a subjectAltName directoryName with
 * CN=<role> and optionally OU=<authority>; without OU the authority is the issuer's CN), as
 * NUL-terminated text. OCF_ERR_MALFORMED (does not parse), OCF_ERR_NOT_FOUND (no role),
 * OCF_ERR_TOO_LARGE (role or authority longer than cap - 1, or not printable),
 * OCF_ERR_INVALID_ARG. */
OCF_NODISCARD ocf_err ocf_pki_cert_role(const uint8_t *der, size_t len, char *role, size_t role_cap,
                                        char *authority, size_t authority_cap);

/* Whether the DER certificate cert is revoked by the DER CRL crl (digest §6.7; RFC 5280 6.3):
 * the CRL counts only when its issuer is cert's issuer and its signature verifies with the key
 * of one of anchors (DER) with that subject; the cert's serial is then looked up. OCF_OK: not
 * revoked, or the CRL does not speak for cert's issuer (*applies false); OCF_ERR_DENIED:
 * revoked; OCF_ERR_MALFORMED (crl or cert does not parse); OCF_ERR_CRYPTO (the CRL claims cert's
 * issuer but no anchor's key verifies it: the caller should not trust it);
 * OCF_ERR_INVALID_ARG. applies may be NULL. */
OCF_NODISCARD ocf_err ocf_pki_crl_check(const uint8_t *crl, size_t crl_len, const ocf_bytes *anchors,
                                        size_t n_anchors, const uint8_t *cert, size_t cert_len,
                                        bool *applies);

#endif
