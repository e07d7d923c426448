/* What ca_mbedtls.c and crl_mbedtls.c share: the caller's generator as mbedTLS wants it, UTC
 * time conversions, serials, and the CA's parsed certificate and key. Internal to src/pki. */
#ifndef OCF_PKI_MBEDTLS_INTERNAL_H
#define OCF_PKI_MBEDTLS_INTERNAL_H

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "pki/ca.h"

/* mbedTLS's f_rng over an ocf_pki_rng (p_rng is a pki_rng_ctx, which remembers the
 * generator's own error). */
typedef struct pki_rng_ctx {
  const ocf_pki_rng *rng;
  ocf_err err;
} pki_rng_ctx;
int pki_rng(void *p_rng, unsigned char *out, size_t len);

/* The civil UTC date and time of t, for years 1950..9999 (the X.509 Time range we write).
 * false when t is outside. */
typedef struct pki_tm {
  int year, mon, day, hour, min, sec;
} pki_tm;
bool pki_time_split(int64_t t, pki_tm *out);
/* Seconds since the epoch of an mbedTLS time. */
int64_t pki_time_join(const mbedtls_x509_time *t);

/* A positive serial of OCF_PKI_SERIAL_MAX bytes from rng: top bit clear (no sign octet needed)
 * and first octet non-zero (minimal DER, so the length is always 20). */
ocf_err pki_serial(const ocf_pki_rng *rng, uint8_t out[OCF_PKI_SERIAL_MAX]);

/* Parses the CA's certificate and private key (ocf_pki_ca holds DER). OCF_ERR_MALFORMED,
 * OCF_ERR_NO_MEMORY. On success the caller frees both. */
ocf_err pki_ca_load(const ocf_pki_ca *ca, const ocf_pki_rng *rng, mbedtls_x509_crt *crt,
                    mbedtls_pk_context *key);

/* mbedTLS writers fill the end of the buffer; move the result to the front. */
void pki_to_front(uint8_t *buf, size_t cap, size_t written);

/* An mbedTLS error as ocf_err: allocation, buffer size, else OCF_ERR_CRYPTO. */
ocf_err pki_map(int rc);
/* The same, except that the generator's own error (kept in r) wins over what mbedTLS made of
 * it. */
ocf_err pki_map_rng(int rc, const pki_rng_ctx *r);

#endif
