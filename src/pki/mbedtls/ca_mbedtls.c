/* The OBT's CA over mbedTLS's X.509 writer and parsers (pki/ca.h; digest §4.4, §6.1, §6.2;
 * ADR 0017). Every object mbedTLS allocates is freed before returning; keys leave only as DER
 * in the caller's buffers, and every stack copy of key material is wiped. */
#include <mbedtls/base64.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/platform.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include <stdio.h>
#include <string.h>

#include "pki/crypto.h"
#include "pki/mbedtls/pki_internal.h"

/* Digest §6.1: the OCF EKU OIDs 1.3.6.1.4.1.44924.1.6 (identity) and .1.7 (role), DER content. */
static const char oid_ocf_identity[] = "\x2B\x06\x01\x04\x01\x82\xDE\x7C\x01\x06";
static const char oid_ocf_role[] = "\x2B\x06\x01\x04\x01\x82\xDE\x7C\x01\x07";

/* The X.509 Time range we write: 1950-01-01T00:00:00Z .. 9999-12-31T23:59:59Z. */
#define TIME_MIN (-631152000LL)
#define TIME_MAX 253402300799LL

int pki_rng(void *p_rng, unsigned char *out, size_t len) {
  pki_rng_ctx *r = p_rng;
  ocf_err e = r->rng->random(r->rng->ctx, out, len);
  if (e == OCF_OK) return 0;
  r->err = e;
  return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
}

ocf_err pki_map(int rc) {
  if (rc == 0) return OCF_OK;
  if (rc == MBEDTLS_ERR_X509_ALLOC_FAILED || rc == MBEDTLS_ERR_PK_ALLOC_FAILED ||
      rc == MBEDTLS_ERR_ASN1_ALLOC_FAILED || rc == MBEDTLS_ERR_ECP_ALLOC_FAILED ||
      rc == MBEDTLS_ERR_MPI_ALLOC_FAILED)
    return OCF_ERR_NO_MEMORY;
  if (rc == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL || rc == MBEDTLS_ERR_X509_BUFFER_TOO_SMALL ||
      rc == MBEDTLS_ERR_PK_BUFFER_TOO_SMALL || rc == MBEDTLS_ERR_PEM_BAD_INPUT_DATA ||
      rc == MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL)
    return OCF_ERR_NO_SPACE;
  return OCF_ERR_CRYPTO;
}

ocf_err pki_map_rng(int rc, const pki_rng_ctx *r) {
  if (rc && r->err != OCF_OK) return r->err;
  return pki_map(rc);
}

/* ---- time ---- */

/* Civil date of days since 1970-01-01 (H. Hinnant's civil_from_days). */
static void civil_from_days(int64_t z, int *y, int *m, int *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool pki_time_split(int64_t t, pki_tm *out) {
  if (t < TIME_MIN || t > TIME_MAX) return false;
  int64_t days = t / 86400, secs = t % 86400;
  if (secs < 0) {
    secs += 86400;
    days--;
  }
  civil_from_days(days, &out->year, &out->mon, &out->day);
  out->hour = (int)(secs / 3600);
  out->min = (int)(secs / 60 % 60);
  out->sec = (int)(secs % 60);
  return true;
}

int64_t pki_time_join(const mbedtls_x509_time *t) {
  return days_from_civil(t->year, t->mon, t->day) * 86400 + (int64_t)t->hour * 3600 + (int64_t)t->min * 60 +
         t->sec;
}

/* "YYYYMMDDhhmmss", what mbedtls_x509write_crt_set_validity takes. */
static bool validity_text(int64_t t, char out[16]) {
  pki_tm tm;
  if (!pki_time_split(t, &tm)) return false;
  snprintf(out, 16, "%04d%02d%02d%02d%02d%02d", tm.year, tm.mon, tm.day, tm.hour, tm.min, tm.sec);
  return true;
}

/* ---- small helpers ---- */

ocf_err pki_serial(const ocf_pki_rng *rng, uint8_t out[OCF_PKI_SERIAL_MAX]) {
  ocf_err err = rng->random(rng->ctx, out, OCF_PKI_SERIAL_MAX);
  if (err != OCF_OK) return err;
  out[0] &= 0x7F; /* positive (RFC 5280 4.1.2.2) without a sign octet: 20 octets in all */
  if (!out[0]) out[0] = 1;
  return OCF_OK;
}

void pki_to_front(uint8_t *buf, size_t cap, size_t written) { memmove(buf, buf + cap - written, written); }

static bool rng_ok(const ocf_pki_rng *rng) { return rng && rng->random; }

/* UTF-8 text without control characters, 1..max bytes. */
static bool text_ok(const char *s, size_t max) {
  if (!s) return false;
  size_t n = 0;
  while (n <= max && s[n]) n++;
  if (n == 0 || n > max) return false;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7F) return false;
  return true;
}

/* "CN=" and cn with RFC 4514 specials escaped, for mbedtls_x509_string_to_names. */
static void cn_name(const char *cn, char out[3 + 2 * OCF_PKI_CN_MAX + 1]) {
  size_t o = 0;
  memcpy(out, "CN=", 3);
  o = 3;
  for (const char *c = cn; *c; c++) {
    if (strchr(" ,=+<>#;\"\\", *c)) out[o++] = '\\';
    out[o++] = *c;
  }
  out[o] = 0;
}

static bool is_p256(const mbedtls_pk_context *pk) {
  return mbedtls_pk_can_do(pk, MBEDTLS_PK_ECKEY) &&
         mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(*pk)) == MBEDTLS_ECP_DP_SECP256R1;
}

static ocf_err gen_key(mbedtls_pk_context *pk, pki_rng_ctx *r) {
  int rc = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
  if (!rc) rc = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk), pki_rng, r);
  return pki_map_rng(rc, r);
}

/* DER private key of pk into out[0..cap), at the front. */
static ocf_err write_key(mbedtls_pk_context *pk, uint8_t *out, size_t cap, size_t *len) {
  int n = mbedtls_pk_write_key_der(pk, out, cap);
  if (n < 0) return pki_map(n);
  pki_to_front(out, cap, (size_t)n);
  *len = (size_t)n;
  return OCF_OK;
}

static ocf_err write_pub(mbedtls_pk_context *pk, uint8_t *out, size_t cap, size_t *len) {
  int n = mbedtls_pk_write_pubkey_der(pk, out, cap);
  if (n < 0) return pki_map(n);
  pki_to_front(out, cap, (size_t)n);
  *len = (size_t)n;
  return OCF_OK;
}

ocf_err pki_ca_load(const ocf_pki_ca *ca, const ocf_pki_rng *rng, mbedtls_x509_crt *crt,
                    mbedtls_pk_context *key) {
  mbedtls_x509_crt_init(crt);
  mbedtls_pk_init(key);
  pki_rng_ctx r = {rng, OCF_OK};
  int rc = mbedtls_x509_crt_parse_der(crt, ca->cert, ca->cert_len);
  if (!rc) rc = mbedtls_pk_parse_key(key, ca->key, ca->key_len, NULL, 0, pki_rng, &r);
  if (!rc) return OCF_OK;
  mbedtls_x509_crt_free(crt);
  mbedtls_pk_free(key);
  return rc == MBEDTLS_ERR_X509_ALLOC_FAILED || rc == MBEDTLS_ERR_PK_ALLOC_FAILED ? OCF_ERR_NO_MEMORY
                                                                                  : OCF_ERR_MALFORMED;
}

void ocf_pki_ca_wipe(ocf_pki_ca *ca) {
  if (ca) ocf_crypto_wipe(ca, sizeof *ca);
}

/* ---- the root ---- */

static ocf_err write_crt(mbedtls_x509write_cert *w, pki_rng_ctx *r, uint8_t *out, size_t cap, size_t *len) {
  int n = mbedtls_x509write_crt_der(w, out, cap, pki_rng, r);
  if (n < 0) return pki_map_rng(n, r);
  pki_to_front(out, cap, (size_t)n);
  *len = (size_t)n;
  return OCF_OK;
}

/* Version, digest, serial and validity, the same for every certificate we write. */
static ocf_err set_common(mbedtls_x509write_cert *w, const ocf_pki_rng *rng, int64_t nb, int64_t na,
                          uint8_t serial[OCF_PKI_SERIAL_MAX]) {
  char from[16], to[16];
  if (!validity_text(nb, from) || !validity_text(na, to)) return OCF_ERR_INVALID_ARG;
  mbedtls_x509write_crt_set_version(w, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(w, MBEDTLS_MD_SHA256);
  ocf_err err = pki_serial(rng, serial);
  if (err != OCF_OK) return err;
  int rc = mbedtls_x509write_crt_set_serial_raw(w, serial, OCF_PKI_SERIAL_MAX);
  if (!rc) rc = mbedtls_x509write_crt_set_validity(w, from, to);
  return pki_map(rc);
}

ocf_err ocf_pki_ca_create(const char *cn, int64_t not_before, int64_t not_after, const ocf_pki_rng *rng,
                          ocf_pki_ca *out) {
  if (!out) return OCF_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  if (!text_ok(cn, OCF_PKI_CN_MAX) || !rng_ok(rng) || not_before >= not_after || not_before < TIME_MIN ||
      not_after > TIME_MAX)
    return OCF_ERR_INVALID_ARG;
  pki_rng_ctx r = {rng, OCF_OK};
  mbedtls_pk_context pk;
  mbedtls_x509write_cert w;
  mbedtls_pk_init(&pk);
  mbedtls_x509write_crt_init(&w);
  char name[3 + 2 * OCF_PKI_CN_MAX + 1];
  cn_name(cn, name);
  uint8_t serial[OCF_PKI_SERIAL_MAX];
  ocf_err err = gen_key(&pk, &r);
  if (err == OCF_OK) err = set_common(&w, rng, not_before, not_after, serial);
  if (err == OCF_OK) {
    mbedtls_x509write_crt_set_subject_key(&w, &pk);
    mbedtls_x509write_crt_set_issuer_key(&w, &pk);
    /* Digest §6.1 (IL's root): cA true, keyCertSign + cRLSign + digitalSignature. No pathLen:
     * the CA may sign a sub-CA of its own later. */
    int rc = mbedtls_x509write_crt_set_subject_name(&w, name);
    if (!rc) rc = mbedtls_x509write_crt_set_issuer_name(&w, name);
    if (!rc) rc = mbedtls_x509write_crt_set_basic_constraints(&w, 1, -1);
    if (!rc)
      rc = mbedtls_x509write_crt_set_key_usage(&w, MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN |
                                                       MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
    if (!rc) rc = mbedtls_x509write_crt_set_subject_key_identifier(&w);
    if (!rc) rc = mbedtls_x509write_crt_set_authority_key_identifier(&w);
    err = pki_map(rc);
  }
  if (err == OCF_OK) err = write_crt(&w, &r, out->cert, sizeof out->cert, &out->cert_len);
  if (err == OCF_OK) err = write_key(&pk, out->key, sizeof out->key, &out->key_len);
  mbedtls_x509write_crt_free(&w);
  mbedtls_pk_free(&pk);
  if (err != OCF_OK) ocf_pki_ca_wipe(out);
  return err;
}

/* ---- import ---- */

/* mbedTLS parses PEM only from a NUL-terminated buffer: copy text input with a NUL. */
static bool looks_pem(const uint8_t *p, size_t len) {
  static const char begin[] = "-----BEGIN ";
  for (size_t i = 0; i + sizeof begin - 1 <= len; i++)
    if (!memcmp(p + i, begin, sizeof begin - 1)) return true;
  return false;
}

/* Input for mbedTLS's PEM-or-DER parsers: DER as is, PEM copied into tmp with a NUL. */
static bool as_parser_input(const uint8_t *in, size_t len, uint8_t *tmp, size_t cap, const uint8_t **p,
                            size_t *n) {
  if (!looks_pem(in, len)) {
    *p = in;
    *n = len;
    return true;
  }
  if (len > 0 && in[len - 1] == 0) len--;
  if (len + 1 > cap) return false;
  memcpy(tmp, in, len);
  tmp[len] = 0;
  *p = tmp;
  *n = len + 1;
  return true;
}

#define IMPORT_TEXT_MAX 8192 /* a PEM file with the CA and a few certificates above it */

ocf_err ocf_pki_ca_import(const uint8_t *cert, size_t cert_len, const uint8_t *key, size_t key_len,
                          int64_t utc_now, const ocf_pki_rng *rng, ocf_pki_ca *out) {
  if (!out) return OCF_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  if (!cert || !cert_len || !key || !key_len || !rng_ok(rng)) return OCF_ERR_INVALID_ARG;
  if (cert_len > IMPORT_TEXT_MAX || key_len > IMPORT_TEXT_MAX) return OCF_ERR_TOO_LARGE;
  static const size_t tmp_cap = IMPORT_TEXT_MAX + 1;
  uint8_t *tmp = NULL;
  uint8_t buf[IMPORT_TEXT_MAX + 1];
  pki_rng_ctx r = {rng, OCF_OK};
  mbedtls_x509_crt crt;
  mbedtls_pk_context pk;
  mbedtls_x509_crt_init(&crt);
  mbedtls_pk_init(&pk);
  const uint8_t *p;
  size_t n;
  ocf_err err = OCF_OK;
  tmp = buf;
  if (!as_parser_input(cert, cert_len, tmp, tmp_cap, &p, &n)) err = OCF_ERR_TOO_LARGE;
  if (err == OCF_OK && mbedtls_x509_crt_parse(&crt, p, n) != 0) err = OCF_ERR_MALFORMED;
  if (err == OCF_OK && !as_parser_input(key, key_len, tmp, tmp_cap, &p, &n)) err = OCF_ERR_TOO_LARGE;
  if (err == OCF_OK && mbedtls_pk_parse_key(&pk, p, n, NULL, 0, pki_rng, &r) != 0) err = OCF_ERR_MALFORMED;
  ocf_crypto_wipe(buf, sizeof buf); /* may hold the PEM private key */
  if (err == OCF_OK) {
    /* Digest §4.4 "All" and "Intermediate / root CA"; cRLSign because we sign CRLs (§6.7). */
    unsigned need = MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN;
    if (!is_p256(&crt.pk) || crt.MBEDTLS_PRIVATE(sig_md) != MBEDTLS_MD_SHA256 ||
        crt.MBEDTLS_PRIVATE(sig_pk) != MBEDTLS_PK_ECDSA || !is_p256(&pk))
      err = OCF_ERR_UNSUPPORTED;
    else if (crt.version != 3 || !crt.MBEDTLS_PRIVATE(ca_istrue) ||
             !mbedtls_x509_crt_has_ext_type(&crt, MBEDTLS_X509_EXT_KEY_USAGE) ||
             (crt.MBEDTLS_PRIVATE(key_usage) & need) != need || utc_now < pki_time_join(&crt.valid_from) ||
             utc_now > pki_time_join(&crt.valid_to))
      err = OCF_ERR_DENIED;
    else if (mbedtls_pk_check_pair(&crt.pk, &pk, pki_rng, &r) != 0)
      err = OCF_ERR_CRYPTO;
  }
  if (err == OCF_OK) {
    if (crt.raw.len > sizeof out->cert)
      err = OCF_ERR_TOO_LARGE;
    else {
      memcpy(out->cert, crt.raw.p, crt.raw.len);
      out->cert_len = crt.raw.len;
      err = write_key(&pk, out->key, sizeof out->key, &out->key_len);
    }
  }
  mbedtls_x509_crt_free(&crt);
  mbedtls_pk_free(&pk);
  if (err != OCF_OK) ocf_pki_ca_wipe(out);
  return err;
}

/* ---- info ---- */

static void dn_text(const mbedtls_x509_name *dn, char *out, size_t cap) {
  if (mbedtls_x509_dn_gets(out, cap, dn) < 0) snprintf(out, cap, "?");
}

ocf_err ocf_pki_cert_info_get(const uint8_t *der, size_t len, ocf_pki_cert_info *out) {
  if (!der || !len || !out) return OCF_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  ocf_err err = OCF_OK;
  int rc = mbedtls_x509_crt_parse_der(&crt, der, len);
  if (rc) err = rc == MBEDTLS_ERR_X509_ALLOC_FAILED ? OCF_ERR_NO_MEMORY : OCF_ERR_MALFORMED;
  if (err == OCF_OK && (crt.raw.len != len || crt.serial.len > sizeof out->serial)) err = OCF_ERR_MALFORMED;
  if (err == OCF_OK) {
    dn_text(&crt.subject, out->subject, sizeof out->subject);
    dn_text(&crt.issuer, out->issuer, sizeof out->issuer);
    memcpy(out->serial, crt.serial.p, crt.serial.len);
    out->serial_len = crt.serial.len;
    out->not_before = pki_time_join(&crt.valid_from);
    out->not_after = pki_time_join(&crt.valid_to);
    out->is_ca = crt.MBEDTLS_PRIVATE(ca_istrue) != 0;
    err = ocf_crypto_sha256(der, len, out->sha256);
  }
  if (err == OCF_OK && crt.issuer_raw.len == crt.subject_raw.len &&
      !memcmp(crt.issuer_raw.p, crt.subject_raw.p, crt.issuer_raw.len)) {
    uint8_t hash[32];
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(crt.MBEDTLS_PRIVATE(sig_md));
    out->self_signed =
        md && !mbedtls_md(md, crt.tbs.p, crt.tbs.len, hash) &&
        !mbedtls_pk_verify_ext(crt.MBEDTLS_PRIVATE(sig_pk), crt.MBEDTLS_PRIVATE(sig_opts), &crt.pk,
                               crt.MBEDTLS_PRIVATE(sig_md), hash, mbedtls_md_get_size(md),
                               crt.MBEDTLS_PRIVATE(sig).p, crt.MBEDTLS_PRIVATE(sig).len);
  }
  mbedtls_x509_crt_free(&crt);
  return err;
}

/* Whether parent's key signed child and parent's subject is child's issuer, byte for byte. */
static bool signed_by(const mbedtls_x509_crt *child, mbedtls_x509_crt *parent) {
  uint8_t hash[32];
  const mbedtls_md_info_t *md = mbedtls_md_info_from_type(child->MBEDTLS_PRIVATE(sig_md));
  return child->issuer_raw.len == parent->subject_raw.len &&
         !memcmp(child->issuer_raw.p, parent->subject_raw.p, parent->subject_raw.len) && md &&
         mbedtls_md_get_size(md) <= sizeof hash && !mbedtls_md(md, child->tbs.p, child->tbs.len, hash) &&
         !mbedtls_pk_verify_ext(child->MBEDTLS_PRIVATE(sig_pk), child->MBEDTLS_PRIVATE(sig_opts), &parent->pk,
                                child->MBEDTLS_PRIVATE(sig_md), hash, mbedtls_md_get_size(md),
                                child->MBEDTLS_PRIVATE(sig).p, child->MBEDTLS_PRIVATE(sig).len);
}

ocf_err ocf_pki_ca_chain_check(const uint8_t *ca, size_t ca_len, const ocf_bytes *upper, size_t n) {
  if (!ca || !ca_len || (n && !upper) || n > OCF_PKI_CHAIN_MAX) return OCF_ERR_INVALID_ARG;
  mbedtls_x509_crt crt[OCF_PKI_CHAIN_MAX + 1];
  ocf_err err = OCF_OK;
  for (size_t i = 0; i <= n; i++) mbedtls_x509_crt_init(&crt[i]);
  for (size_t i = 0; i <= n && err == OCF_OK; i++) {
    const uint8_t *p = i ? upper[i - 1].ptr : ca;
    size_t len = i ? upper[i - 1].len : ca_len;
    if (!p || mbedtls_x509_crt_parse_der(&crt[i], p, len) != 0 || crt[i].raw.len != len)
      err = OCF_ERR_MALFORMED;
  }
  /* Each certificate above the CA is a CA that signed the one below; the last is self-signed
   * (the company root). Validity is the caller's (no clock here, ADR 0009). */
  for (size_t i = 1; i <= n && err == OCF_OK; i++)
    if (!crt[i].MBEDTLS_PRIVATE(ca_istrue) || !signed_by(&crt[i - 1], &crt[i])) err = OCF_ERR_DENIED;
  if (err == OCF_OK && n && !signed_by(&crt[n], &crt[n])) err = OCF_ERR_DENIED;
  for (size_t i = 0; i <= n; i++) mbedtls_x509_crt_free(&crt[i]);
  return err;
}

/* ---- keys and CSRs ---- */

ocf_err ocf_pki_keypair_generate(const ocf_pki_rng *rng, uint8_t *key, size_t key_cap, size_t *key_len,
                                 uint8_t *pub, size_t pub_cap, size_t *pub_len) {
  if (!rng_ok(rng) || !key || !key_len || !pub || !pub_len) return OCF_ERR_INVALID_ARG;
  pki_rng_ctx r = {rng, OCF_OK};
  mbedtls_pk_context pk;
  mbedtls_pk_init(&pk);
  ocf_err err = gen_key(&pk, &r);
  if (err == OCF_OK) err = write_key(&pk, key, key_cap, key_len);
  if (err == OCF_OK) err = write_pub(&pk, pub, pub_cap, pub_len);
  mbedtls_pk_free(&pk);
  if (err != OCF_OK) {
    ocf_crypto_wipe(key, key_cap);
    *key_len = 0;
  }
  return err;
}

/* The uuid of a subject whose CN is "uuid:<uuid>" (digest §6.1). */
static bool subject_uuid(const mbedtls_x509_name *dn, ocf_uuid *out) {
  static const char cn_oid[] = MBEDTLS_OID_AT_CN;
  for (; dn; dn = dn->next) {
    if (dn->oid.len != sizeof cn_oid - 1 || memcmp(dn->oid.p, cn_oid, dn->oid.len)) continue;
    if (dn->val.len < 5 || memcmp(dn->val.p, "uuid:", 5)) return false;
    return ocf_uuid_parse((const char *)dn->val.p + 5, dn->val.len - 5, out) == OCF_OK;
  }
  return false;
}

ocf_err ocf_pki_csr_parse(const uint8_t *csr, size_t len, ocf_pki_csr *out) {
  if (!csr || !len || !out) return OCF_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  if (len > OCF_PKI_CSR_MAX) return OCF_ERR_TOO_LARGE;
  uint8_t tmp[OCF_PKI_CSR_MAX + 1];
  const uint8_t *p;
  size_t n;
  if (!as_parser_input(csr, len, tmp, sizeof tmp, &p, &n)) return OCF_ERR_TOO_LARGE;
  mbedtls_x509_csr req;
  mbedtls_x509_csr_init(&req);
  ocf_err err = OCF_OK;
  int rc = mbedtls_x509_csr_parse(&req, p, n);
  if (rc) err = rc == MBEDTLS_ERR_X509_ALLOC_FAILED ? OCF_ERR_NO_MEMORY : OCF_ERR_MALFORMED;
  /* Digest §4.4: EC P-256 keys and ecdsa-with-SHA256 only. */
  if (err == OCF_OK && (!is_p256(&req.pk) || req.MBEDTLS_PRIVATE(sig_md) != MBEDTLS_MD_SHA256 ||
                        req.MBEDTLS_PRIVATE(sig_pk) != MBEDTLS_PK_ECDSA))
    err = OCF_ERR_UNSUPPORTED;
  if (err == OCF_OK) {
    /* mbedTLS parses a CSR without checking its signature: proof of possession is ours. */
    uint8_t hash[32];
    rc = mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), req.cri.p, req.cri.len, hash);
    if (!rc)
      rc = mbedtls_pk_verify(&req.pk, MBEDTLS_MD_SHA256, hash, sizeof hash, req.MBEDTLS_PRIVATE(sig).p,
                             req.MBEDTLS_PRIVATE(sig).len);
    if (rc) err = OCF_ERR_CRYPTO;
  }
  if (err == OCF_OK) {
    dn_text(&req.subject, out->subject, sizeof out->subject);
    out->has_uuid = subject_uuid(&req.subject, &out->uuid);
    err = write_pub(&req.pk, out->pubkey, sizeof out->pubkey, &out->pubkey_len);
  }
  mbedtls_x509_csr_free(&req);
  if (err != OCF_OK) memset(out, 0, sizeof *out);
  return err;
}

/* ---- issuing ---- */

static int set_eku(mbedtls_x509write_cert *w, bool role) {
  static const char server[] = MBEDTLS_OID_SERVER_AUTH, client[] = MBEDTLS_OID_CLIENT_AUTH;
  mbedtls_asn1_sequence seq[3];
  memset(seq, 0, sizeof seq);
  const char *oids[3] = {server, client, role ? oid_ocf_role : oid_ocf_identity};
  size_t lens[3] = {sizeof server - 1, sizeof client - 1, sizeof oid_ocf_identity - 1};
  for (size_t i = 0; i < 3; i++) {
    seq[i].buf.tag = MBEDTLS_ASN1_OID;
    seq[i].buf.p = (unsigned char *)(uintptr_t)oids[i];
    seq[i].buf.len = lens[i];
    seq[i].next = i + 1 < 3 ? &seq[i + 1] : NULL;
  }
  return mbedtls_x509write_crt_set_ext_key_usage(w, seq);
}

/* Digest §6.1 role certificate: one directoryName per role, CN=role [, OU=authority].
 * mbedTLS writes its lists last element first, both the GeneralNames and the attributes of a
 * name, so both are built reversed to keep the caller's role order and CN before OU (the
 * order IL's role parser reads). The head of each name is embedded in its list node. */
static int set_roles(mbedtls_x509write_cert *w, const ocf_pki_role *roles, size_t n) {
  static const char cn_oid[] = MBEDTLS_OID_AT_CN, ou_oid[] = MBEDTLS_OID_AT_ORG_UNIT;
  mbedtls_x509_san_list san[OCF_PKI_ROLES_MAX];
  mbedtls_asn1_named_data cn_after_ou[OCF_PKI_ROLES_MAX];
  memset(san, 0, sizeof san);
  memset(cn_after_ou, 0, sizeof cn_after_ou);
  for (size_t i = 0; i < n; i++) {
    mbedtls_x509_san_list *node = &san[n - 1 - i];
    node->node.type = MBEDTLS_X509_SAN_DIRECTORY_NAME;
    node->next = i > 0 ? &san[n - i] : NULL;
    mbedtls_asn1_named_data *head = &node->node.san.directory_name, *cn = head;
    if (roles[i].authority) {
      head->oid.tag = MBEDTLS_ASN1_OID;
      head->oid.p = (unsigned char *)(uintptr_t)ou_oid;
      head->oid.len = sizeof ou_oid - 1;
      head->val.tag = MBEDTLS_ASN1_UTF8_STRING;
      head->val.p = (unsigned char *)(uintptr_t)roles[i].authority;
      head->val.len = strlen(roles[i].authority);
      cn = &cn_after_ou[i];
      head->next = cn;
    }
    cn->oid.tag = MBEDTLS_ASN1_OID;
    cn->oid.p = (unsigned char *)(uintptr_t)cn_oid;
    cn->oid.len = sizeof cn_oid - 1;
    cn->val.tag = MBEDTLS_ASN1_UTF8_STRING;
    cn->val.p = (unsigned char *)(uintptr_t)roles[i].role;
    cn->val.len = strlen(roles[i].role);
  }
  return mbedtls_x509write_crt_set_subject_alternative_name(w, &san[0]);
}

/* The CA's subject as the issuer, attribute by attribute with the CA's own string types, so
 * the issuer is the CA's subject byte for byte (RFC 5280 4.1.2.4; a text round trip would lose
 * the types). mbedTLS writes its list last element first, so the list is built reversed. */
static int set_issuer(mbedtls_x509write_cert *w, const mbedtls_x509_name *dn) {
  mbedtls_asn1_named_data *head = NULL;
  for (; dn; dn = dn->next) {
    mbedtls_asn1_named_data *c = mbedtls_calloc(1, sizeof *c);
    if (c) {
      c->next = head;
      head = c;
      c->oid.p = mbedtls_calloc(1, dn->oid.len ? dn->oid.len : 1);
      c->val.p = mbedtls_calloc(1, dn->val.len ? dn->val.len : 1);
    }
    if (!c || !c->oid.p || !c->val.p) {
      mbedtls_asn1_free_named_data_list(&head);
      return MBEDTLS_ERR_X509_ALLOC_FAILED;
    }
    c->oid.tag = dn->oid.tag;
    c->oid.len = dn->oid.len;
    memcpy(c->oid.p, dn->oid.p, dn->oid.len);
    c->val.tag = dn->val.tag;
    c->val.len = dn->val.len;
    memcpy(c->val.p, dn->val.p, dn->val.len);
  }
  mbedtls_asn1_free_named_data_list(&w->MBEDTLS_PRIVATE(issuer));
  w->MBEDTLS_PRIVATE(issuer) = head;
  return 0;
}

/* authorityKeyIdentifier = the CA's own subjectKeyIdentifier (RFC 5280 4.2.1.1): an imported
 * CA may have derived its key id another way than mbedTLS would, and verifiers such as
 * OpenSSL match the two. Without an SKI on the CA the extension is left out. */
static int set_aki(mbedtls_x509write_cert *w, const mbedtls_x509_crt *ca) {
  const mbedtls_x509_buf *ski = &ca->subject_key_id;
  if (!ski->p || !ski->len) return 0;
  if (ski->len > 64) return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
  uint8_t v[4 + 64];
  v[0] = MBEDTLS_ASN1_SEQUENCE | MBEDTLS_ASN1_CONSTRUCTED;
  v[1] = (uint8_t)(ski->len + 2);
  v[2] = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0; /* keyIdentifier [0] IMPLICIT KeyIdentifier */
  v[3] = (uint8_t)ski->len;
  memcpy(v + 4, ski->p, ski->len);
  static const char oid[] = MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER;
  return mbedtls_x509write_crt_set_extension(w, oid, sizeof oid - 1, 0, v, ski->len + 4);
}

/* The written certificate parses and names the CA as its issuer exactly (a CA subject with a
 * multi-valued RDN would not survive set_issuer: refused rather than issued wrong). */
static ocf_err check_issuer(const uint8_t *cert, size_t len, const mbedtls_x509_crt *ca) {
  mbedtls_x509_crt c;
  mbedtls_x509_crt_init(&c);
  int rc = mbedtls_x509_crt_parse_der(&c, cert, len);
  ocf_err err = OCF_OK;
  if (rc)
    err = rc == MBEDTLS_ERR_X509_ALLOC_FAILED ? OCF_ERR_NO_MEMORY : OCF_ERR_CRYPTO;
  else if (c.issuer_raw.len != ca->subject_raw.len ||
           memcmp(c.issuer_raw.p, ca->subject_raw.p, c.issuer_raw.len))
    err = OCF_ERR_UNSUPPORTED;
  mbedtls_x509_crt_free(&c);
  return err;
}

static bool leaf_args_ok(const ocf_pki_ca *ca, const ocf_pki_leaf *l, const ocf_pki_rng *rng, uint8_t *cert,
                         size_t *cert_len) {
  if (!ca || !l || !rng_ok(rng) || !cert || !cert_len || !l->pubkey || !l->pubkey_len) return false;
  if (ocf_uuid_is_nil(&l->uuid) || l->not_before >= l->not_after) return false;
  if (l->n_roles > OCF_PKI_ROLES_MAX || (l->n_roles && !l->roles)) return false;
  for (size_t i = 0; i < l->n_roles; i++)
    if (!text_ok(l->roles[i].role, OCF_PKI_ROLE_MAX) ||
        (l->roles[i].authority && !text_ok(l->roles[i].authority, OCF_PKI_ROLE_MAX)))
      return false;
  return true;
}

ocf_err ocf_pki_issue(const ocf_pki_ca *ca, const ocf_pki_leaf *l, const ocf_pki_rng *rng, uint8_t *cert,
                      size_t cap, size_t *cert_len, uint8_t serial[OCF_PKI_SERIAL_MAX + 1],
                      size_t *serial_len) {
  if (!leaf_args_ok(ca, l, rng, cert, cert_len)) return OCF_ERR_INVALID_ARG;
  *cert_len = 0;
  if (serial_len) *serial_len = 0;
  mbedtls_x509_crt ca_crt;
  mbedtls_pk_context ca_key, sub;
  mbedtls_x509write_cert w;
  mbedtls_pk_init(&sub);
  mbedtls_x509write_crt_init(&w);
  pki_rng_ctx r = {rng, OCF_OK};
  ocf_err err = pki_ca_load(ca, rng, &ca_crt, &ca_key);
  if (err != OCF_OK) {
    mbedtls_x509write_crt_free(&w);
    return err;
  }
  if (mbedtls_pk_parse_public_key(&sub, l->pubkey, l->pubkey_len) != 0)
    err = OCF_ERR_MALFORMED;
  else if (!is_p256(&sub))
    err = OCF_ERR_UNSUPPORTED;
  /* Never beyond the CA (a relying party would reject the rest of the period anyway). */
  int64_t na = l->not_after, ca_end = pki_time_join(&ca_crt.valid_to);
  if (na > ca_end) na = ca_end;
  if (err == OCF_OK && l->not_before >= na) err = OCF_ERR_INVALID_ARG;
  uint8_t ser[OCF_PKI_SERIAL_MAX];
  if (err == OCF_OK) err = set_common(&w, rng, l->not_before, na, ser);
  if (err == OCF_OK) {
    char subject[64];
    memcpy(subject, "CN=uuid:", 8);
    ocf_uuid_format(&l->uuid, subject + 8);
    mbedtls_x509write_crt_set_subject_key(&w, &sub);
    mbedtls_x509write_crt_set_issuer_key(&w, &ca_key);
    int rc = mbedtls_x509write_crt_set_subject_name(&w, subject);
    if (!rc) rc = set_issuer(&w, &ca_crt.subject);
    if (!rc) rc = mbedtls_x509write_crt_set_basic_constraints(&w, 0, -1);
    if (!rc)
      rc = mbedtls_x509write_crt_set_key_usage(&w, MBEDTLS_X509_KU_DIGITAL_SIGNATURE |
                                                       MBEDTLS_X509_KU_KEY_AGREEMENT);
    if (!rc) rc = set_eku(&w, l->n_roles > 0);
    if (!rc && l->n_roles) rc = set_roles(&w, l->roles, l->n_roles);
    if (!rc) rc = mbedtls_x509write_crt_set_subject_key_identifier(&w);
    if (!rc) rc = set_aki(&w, &ca_crt);
    err = pki_map(rc);
  }
  if (err == OCF_OK) err = write_crt(&w, &r, cert, cap, cert_len);
  if (err == OCF_OK) err = check_issuer(cert, *cert_len, &ca_crt);
  if (err == OCF_OK && serial && serial_len) {
    memcpy(serial, ser, sizeof ser);
    *serial_len = sizeof ser;
  }
  mbedtls_x509write_crt_free(&w);
  mbedtls_pk_free(&sub);
  mbedtls_pk_free(&ca_key);
  mbedtls_x509_crt_free(&ca_crt);
  return err;
}

/* ---- PEM ---- */

ocf_err ocf_pki_pem_write(const char *label, const uint8_t *der, size_t der_len, char *out, size_t cap,
                          size_t *len) {
  if (!label || !der || !der_len || !out || !len || strlen(label) > 32) return OCF_ERR_INVALID_ARG;
  char header[64], footer[64];
  snprintf(header, sizeof header, "-----BEGIN %s-----\n", label);
  snprintf(footer, sizeof footer, "-----END %s-----\n", label);
  size_t olen = 0;
  int rc = mbedtls_pem_write_buffer(header, footer, der, der_len, (unsigned char *)out, cap, &olen);
  if (rc) return rc == MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL ? OCF_ERR_NO_SPACE : pki_map(rc);
  *len = olen - 1; /* olen counts the NUL */
  return OCF_OK;
}
