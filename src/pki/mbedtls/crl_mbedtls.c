/* X.509 v2 CRLs signed by our CA (pki/ca.h; digest §2.9, §6.7; RFC 5280 5.1). mbedTLS parses
 * CRLs but has no writer, so the DER is built here with its ASN.1 writer, which writes
 * backwards from the end of a buffer:
 *
 *   CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
 *   TBSCertList ::= SEQUENCE {
 *     version INTEGER 1 (v2), signature AlgorithmIdentifier, issuer Name,
 *     thisUpdate Time, nextUpdate Time,
 *     revokedCertificates SEQUENCE OF SEQUENCE { userCertificate INTEGER, revocationDate Time }
 *                         (absent when empty, RFC 5280 5.1.2.6),
 *     crlExtensions [0] EXPLICIT Extensions }   -- authorityKeyIdentifier, cRLNumber (5.2) */
#include <mbedtls/asn1write.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include <stdio.h>
#include <string.h>

#include "pki/crypto.h"
#include "pki/mbedtls/pki_internal.h"

#define CHK(f)                                                                                               \
  do {                                                                                                       \
    int r_ = (f);                                                                                            \
    if (r_ < 0) return r_;                                                                                   \
    len += (size_t)r_;                                                                                       \
  } while (0)

/* Time: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 5.1.2.4). */
static int write_time(unsigned char **p, unsigned char *start, int64_t t) {
  pki_tm tm;
  if (!pki_time_split(t, &tm)) return MBEDTLS_ERR_ASN1_INVALID_DATA;
  /* Sized for any int fields (the fortified snprintf check sees int ranges, not the split's). */
  char text[72];
  if (tm.year < 2050) {
    snprintf(text, sizeof text, "%02d%02d%02d%02d%02d%02dZ", tm.year % 100, tm.mon, tm.day, tm.hour, tm.min,
             tm.sec);
    return mbedtls_asn1_write_tagged_string(p, start, MBEDTLS_ASN1_UTC_TIME, text, 13);
  }
  snprintf(text, sizeof text, "%04d%02d%02d%02d%02d%02dZ", tm.year, tm.mon, tm.day, tm.hour, tm.min, tm.sec);
  return mbedtls_asn1_write_tagged_string(p, start, MBEDTLS_ASN1_GENERALIZED_TIME, text, 15);
}

/* A positive INTEGER from big-endian content octets (a sign octet added when needed). */
static int write_uint(unsigned char **p, unsigned char *start, const uint8_t *v, size_t n) {
  size_t len = 0;
  while (n > 1 && v[0] == 0 && !(v[1] & 0x80)) { /* minimal encoding */
    v++;
    n--;
  }
  CHK(mbedtls_asn1_write_raw_buffer(p, start, v, n));
  if (v[0] & 0x80) {
    if (*p - start < 1) return MBEDTLS_ERR_ASN1_BUF_TOO_SMALL;
    *--(*p) = 0;
    len++;
  }
  CHK(mbedtls_asn1_write_len(p, start, len));
  CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_INTEGER));
  return (int)len;
}

/* AlgorithmIdentifier ecdsa-with-SHA256, parameters absent (RFC 5758 3.2). */
static int write_sig_alg(unsigned char **p, unsigned char *start) {
  static const char oid[] = MBEDTLS_OID_ECDSA_SHA256;
  size_t len = 0;
  CHK(mbedtls_asn1_write_oid(p, start, oid, sizeof oid - 1));
  CHK(mbedtls_asn1_write_len(p, start, len));
  CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
  return (int)len;
}

/* Extension ::= SEQUENCE { extnID, extnValue OCTET STRING } (not critical: critical absent),
 * around the value_len bytes already written in front of *p. Returns the bytes it added. */
static int write_ext(unsigned char **p, unsigned char *start, const char *oid, size_t oid_len,
                     size_t value_len) {
  size_t len = 0;
  CHK(mbedtls_asn1_write_len(p, start, value_len));
  CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_OCTET_STRING));
  CHK(mbedtls_asn1_write_oid(p, start, oid, oid_len));
  CHK(mbedtls_asn1_write_len(p, start, len + value_len));
  CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
  return (int)len;
}

static int write_extensions(unsigned char **p, unsigned char *start, const mbedtls_x509_crt *ca,
                            uint64_t number) {
  size_t len = 0, v;
  /* cRLNumber ::= INTEGER (0..MAX) (5.2.3). */
  uint8_t num[8];
  for (int i = 0; i < 8; i++) num[i] = (uint8_t)(number >> (56 - 8 * i));
  {
    size_t before = len;
    CHK(write_uint(p, start, num, sizeof num));
    v = len - before;
    static const char oid[] = MBEDTLS_OID_CRL_NUMBER;
    CHK(write_ext(p, start, oid, sizeof oid - 1, v));
  }
  /* authorityKeyIdentifier keyIdentifier = the CA's subjectKeyIdentifier (5.2.1). */
  const mbedtls_x509_buf *ski = &ca->subject_key_id;
  if (ski->p && ski->len) {
    size_t before = len;
    CHK(mbedtls_asn1_write_raw_buffer(p, start, ski->p, ski->len));
    CHK(mbedtls_asn1_write_len(p, start, ski->len));
    CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0));
    CHK(mbedtls_asn1_write_len(p, start, len - before));
    CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
    v = len - before;
    static const char oid[] = MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER;
    CHK(write_ext(p, start, oid, sizeof oid - 1, v));
  }
  CHK(mbedtls_asn1_write_len(p, start, len));
  CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
  CHK(mbedtls_asn1_write_len(p, start, len));
  CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0));
  return (int)len;
}

static int write_tbs(unsigned char **p, unsigned char *start, const mbedtls_x509_crt *ca,
                     const ocf_pki_crl_params *prm) {
  size_t len = 0;
  CHK(write_extensions(p, start, ca, prm->number));
  if (prm->n_revoked) {
    size_t list = len;
    for (size_t i = prm->n_revoked; i-- > 0;) { /* backwards, so the DER keeps the caller's order */
      size_t entry = len;
      CHK(write_time(p, start, prm->revoked[i].when));
      CHK(write_uint(p, start, prm->revoked[i].serial, prm->revoked[i].serial_len));
      CHK(mbedtls_asn1_write_len(p, start, len - entry));
      CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
    }
    CHK(mbedtls_asn1_write_len(p, start, len - list));
    CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
  }
  CHK(write_time(p, start, prm->next_update));
  CHK(write_time(p, start, prm->this_update));
  /* The issuer is the CA's subject byte for byte (5.1.2.3). */
  CHK(mbedtls_asn1_write_raw_buffer(p, start, ca->subject_raw.p, ca->subject_raw.len));
  CHK(write_sig_alg(p, start));
  CHK(mbedtls_asn1_write_int(p, start, 1)); /* v2 */
  CHK(mbedtls_asn1_write_len(p, start, len));
  CHK(mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
  return (int)len;
}

/* signatureAlgorithm and signatureValue over tbs, into tail (backwards from its end). */
static int write_tail(unsigned char **p, unsigned char *start, const uint8_t *sig, size_t sig_len) {
  size_t len = 0;
  CHK(mbedtls_asn1_write_bitstring(p, start, sig, sig_len * 8));
  CHK(write_sig_alg(p, start));
  return (int)len;
}

static bool params_ok(const ocf_pki_crl_params *p) {
  if (p->this_update >= p->next_update || (p->n_revoked && !p->revoked)) return false;
  for (size_t i = 0; i < p->n_revoked; i++) {
    const ocf_pki_revoked *r = &p->revoked[i];
    if (!r->serial || !r->serial_len || r->serial_len > OCF_PKI_SERIAL_MAX + 1) return false;
  }
  return true;
}

ocf_err ocf_pki_crl_write(const ocf_pki_ca *ca, const ocf_pki_crl_params *prm, const ocf_pki_rng *rng,
                          uint8_t *out, size_t cap, size_t *out_len) {
  if (!ca || !prm || !rng || !rng->random || !out || !out_len || !params_ok(prm)) return OCF_ERR_INVALID_ARG;
  *out_len = 0;
  mbedtls_x509_crt crt;
  mbedtls_pk_context key;
  ocf_err err = pki_ca_load(ca, rng, &crt, &key);
  if (err != OCF_OK) return err;
  unsigned char *p = out + cap;
  int tbs = write_tbs(&p, out, &crt, prm);
  if (tbs == MBEDTLS_ERR_ASN1_INVALID_DATA)
    err = OCF_ERR_INVALID_ARG; /* a time out of range */
  else if (tbs < 0)
    err = pki_map(tbs);
  uint8_t hash[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
  size_t sig_len = 0;
  pki_rng_ctx r = {rng, OCF_OK};
  if (err == OCF_OK) {
    int rc = mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), p, (size_t)tbs, hash);
    if (!rc)
      rc =
          mbedtls_pk_sign(&key, MBEDTLS_MD_SHA256, hash, sizeof hash, sig, sizeof sig, &sig_len, pki_rng, &r);
    err = pki_map_rng(rc, &r);
  }
  uint8_t tail[MBEDTLS_PK_SIGNATURE_MAX_SIZE + 32];
  unsigned char *tp = tail + sizeof tail;
  int tail_len = 0;
  if (err == OCF_OK) {
    tail_len = write_tail(&tp, tail, sig, sig_len);
    if (tail_len < 0) err = pki_map(tail_len);
  }
  if (err == OCF_OK) {
    /* Make room for the tail after tbs, then the outer SEQUENCE header in front. */
    size_t body = (size_t)tbs + (size_t)tail_len;
    if (body + 6 > cap) {
      err = OCF_ERR_NO_SPACE;
    } else {
      memmove(out + cap - body, p, (size_t)tbs);
      memcpy(out + cap - (size_t)tail_len, tp, (size_t)tail_len);
      p = out + cap - body;
      size_t len = body;
      int rc = mbedtls_asn1_write_len(&p, out, body);
      if (rc >= 0) {
        len += (size_t)rc;
        rc = mbedtls_asn1_write_tag(&p, out, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
      }
      if (rc < 0) {
        err = pki_map(rc);
      } else {
        len += (size_t)rc;
        pki_to_front(out, cap, len);
        *out_len = len;
      }
    }
  }
  mbedtls_pk_free(&key);
  mbedtls_x509_crt_free(&crt);
  return err;
}
