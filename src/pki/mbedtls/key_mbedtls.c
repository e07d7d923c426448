/* The device's key pair, its CSR, and certificate lists as DER (pki/key.h; digest §2.3, §2.7,
 * §6.2) over mbedTLS. Every object mbedTLS allocates is freed before returning. */
#include <mbedtls/asn1.h>
#include <mbedtls/md.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/oid.h>
#include <mbedtls/platform.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include <string.h>

#include "pki/crypto.h"
#include "pki/key.h"
#include "pki/mbedtls/pki_internal.h"

static bool is_p256(const mbedtls_pk_context *pk) {
  return mbedtls_pk_can_do(pk, MBEDTLS_PK_ECKEY) &&
         mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(*pk)) == MBEDTLS_ECP_DP_SECP256R1;
}

static ocf_err write_pub(mbedtls_pk_context *pk, uint8_t *out, size_t cap, size_t *len) {
  int n = mbedtls_pk_write_pubkey_der(pk, out, cap);
  if (n < 0) return pki_map(n);
  pki_to_front(out, cap, (size_t)n);
  *len = (size_t)n;
  return OCF_OK;
}

static ocf_err load_key(const uint8_t *key, size_t key_len, const ocf_pki_rng *rng, mbedtls_pk_context *pk) {
  pki_rng_ctx r = {rng, OCF_OK};
  mbedtls_pk_init(pk);
  int rc = mbedtls_pk_parse_key(pk, key, key_len, NULL, 0, pki_rng, &r);
  if (rc) return rc == MBEDTLS_ERR_PK_ALLOC_FAILED ? OCF_ERR_NO_MEMORY : OCF_ERR_MALFORMED;
  return is_p256(pk) ? OCF_OK : OCF_ERR_UNSUPPORTED;
}

ocf_err ocf_pki_key_public(const uint8_t *key, size_t key_len, const ocf_pki_rng *rng, uint8_t *pub,
                           size_t cap, size_t *pub_len) {
  if (!key || !key_len || !rng || !rng->random || !pub || !pub_len) return OCF_ERR_INVALID_ARG;
  mbedtls_pk_context pk;
  ocf_err err = load_key(key, key_len, rng, &pk);
  if (err == OCF_OK) err = write_pub(&pk, pub, cap, pub_len);
  mbedtls_pk_free(&pk);
  return err;
}

ocf_err ocf_pki_csr_write(const uint8_t *key, size_t key_len, const ocf_uuid *uuid, const ocf_pki_rng *rng,
                          uint8_t *out, size_t cap, size_t *len) {
  if (!key || !key_len || !uuid || !rng || !rng->random || !out || !len) return OCF_ERR_INVALID_ARG;
  mbedtls_pk_context pk;
  ocf_err err = load_key(key, key_len, rng, &pk);
  if (err == OCF_OK) {
    /* Digest §2.7: subject CN=uuid:<deviceuuid>; the uuid text has no character that needs
     * escaping in mbedTLS's name syntax. */
    char subject[8 + OCF_UUID_STR_LEN] = "CN=uuid:";
    ocf_uuid_format(uuid, subject + 8);
    mbedtls_x509write_csr w;
    mbedtls_x509write_csr_init(&w);
    mbedtls_x509write_csr_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_csr_set_key(&w, &pk);
    pki_rng_ctx r = {rng, OCF_OK};
    int rc = mbedtls_x509write_csr_set_subject_name(&w, subject);
    int n = rc ? rc : mbedtls_x509write_csr_der(&w, out, cap, pki_rng, &r);
    if (n < 0) {
      err = pki_map_rng(n, &r);
    } else {
      pki_to_front(out, cap, (size_t)n);
      *len = (size_t)n;
    }
    mbedtls_x509write_csr_free(&w);
  }
  mbedtls_pk_free(&pk);
  return err;
}

static bool has_pem(const uint8_t *p, size_t len) {
  static const char begin[] = "-----BEGIN ";
  for (size_t i = 0; i + sizeof begin - 1 <= len; i++)
    if (!memcmp(p + i, begin, sizeof begin - 1)) return true;
  return false;
}

/* A private key PEM or DER (pki/key.h): mbedTLS parses PEM only with its final NUL counted, so
 * PEM is copied with one into tmp (wiped by the caller). */
static ocf_err load_any_key(const uint8_t *key, size_t len, const ocf_pki_rng *rng,
                            uint8_t tmp[OCF_PKI_KEY_TEXT_MAX + 1], mbedtls_pk_context *pk) {
  mbedtls_pk_init(pk);
  if (len > OCF_PKI_KEY_TEXT_MAX) return OCF_ERR_TOO_LARGE;
  if (!has_pem(key, len)) return load_key(key, len, rng, pk);
  if (key[len - 1] == 0) len--;
  memcpy(tmp, key, len);
  tmp[len] = 0;
  return load_key(tmp, len + 1, rng, pk);
}

ocf_err ocf_pki_key_der(const uint8_t *key, size_t len, const ocf_pki_rng *rng, uint8_t *out, size_t cap,
                        size_t *out_len) {
  if (!key || !len || !rng || !rng->random || !out || !out_len) return OCF_ERR_INVALID_ARG;
  uint8_t tmp[OCF_PKI_KEY_TEXT_MAX + 1];
  mbedtls_pk_context pk;
  ocf_err err = load_any_key(key, len, rng, tmp, &pk);
  ocf_crypto_wipe(tmp, sizeof tmp);
  if (err == OCF_OK) {
    int n = mbedtls_pk_write_key_der(&pk, out, cap);
    if (n < 0) {
      err = pki_map(n);
    } else {
      pki_to_front(out, cap, (size_t)n);
      *out_len = (size_t)n;
    }
  }
  mbedtls_pk_free(&pk);
  if (err != OCF_OK) ocf_crypto_wipe(out, cap);
  return err;
}

ocf_err ocf_pki_key_matches(const uint8_t *key, size_t len, const uint8_t *pub, size_t pub_len,
                            const ocf_pki_rng *rng) {
  if (!key || !len || !pub || !pub_len || !rng || !rng->random) return OCF_ERR_INVALID_ARG;
  uint8_t tmp[OCF_PKI_KEY_TEXT_MAX + 1];
  mbedtls_pk_context pk, pubk;
  mbedtls_pk_init(&pubk);
  ocf_err err = load_any_key(key, len, rng, tmp, &pk);
  ocf_crypto_wipe(tmp, sizeof tmp);
  if (err == OCF_OK && mbedtls_pk_parse_public_key(&pubk, pub, pub_len) != 0) err = OCF_ERR_MALFORMED;
  if (err == OCF_OK && !is_p256(&pubk)) err = OCF_ERR_UNSUPPORTED;
  /* The public point is recomputed from the private scalar (mbedtls_ecp_check_pub_priv), not
   * taken from the copy a SEC1 key may carry: a key whose two halves disagree is not a match. */
  pki_rng_ctx r = {rng, OCF_OK};
  if (err == OCF_OK && mbedtls_pk_check_pair(&pubk, &pk, pki_rng, &r) != 0) err = OCF_ERR_CRYPTO;
  mbedtls_pk_free(&pubk);
  mbedtls_pk_free(&pk);
  return err;
}

/* The chain mbedTLS parsed into buf/certs. */
static ocf_err copy_chain(const mbedtls_x509_crt *c, uint8_t *buf, size_t cap, ocf_bytes *certs, size_t max,
                          size_t *n) {
  size_t used = 0;
  *n = 0;
  for (; c && c->raw.len; c = c->next) {
    if (*n == max) return OCF_ERR_TOO_LARGE;
    if (c->raw.len > cap - used) return OCF_ERR_NO_SPACE;
    memcpy(buf + used, c->raw.p, c->raw.len);
    certs[(*n)++] = (ocf_bytes){buf + used, c->raw.len};
    used += c->raw.len;
  }
  return *n ? OCF_OK : OCF_ERR_MALFORMED;
}

/* mbedTLS parses PEM only from a NUL-terminated buffer. */
static int parse_pem(mbedtls_x509_crt *chain, const uint8_t *in, size_t len) {
  if (len > 0 && in[len - 1] == 0) len--;
  uint8_t *tmp = mbedtls_calloc(1, len + 1);
  if (!tmp) return MBEDTLS_ERR_X509_ALLOC_FAILED;
  memcpy(tmp, in, len);
  int rc = mbedtls_x509_crt_parse(chain, tmp, len + 1);
  mbedtls_free(tmp);
  return rc;
}

/* The length of the DER SEQUENCE at p (header included), or 0 when it is not one or runs past
 * end (a certificate's length fits in three octets). */
static size_t der_seq_len(const uint8_t *p, const uint8_t *end) {
  size_t avail = (size_t)(end - p);
  if (avail < 2 || p[0] != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) return 0;
  size_t hdr = 2, body = p[1];
  if (p[1] & 0x80) {
    size_t k = p[1] & 0x7f;
    if (k == 0 || k > 3 || avail < 2 + k) return 0;
    body = 0;
    for (size_t i = 0; i < k; i++) body = body << 8 | p[2 + i];
    hdr += k;
  }
  return body <= avail - hdr ? hdr + body : 0;
}

/* Concatenated DER certificates, each taken at its outer SEQUENCE's length. */
static int parse_ders(mbedtls_x509_crt *chain, const uint8_t *in, size_t len) {
  const uint8_t *p = in, *end = in + len;
  while (p < end) {
    size_t one = der_seq_len(p, end);
    if (!one) return MBEDTLS_ERR_X509_INVALID_FORMAT;
    int rc = mbedtls_x509_crt_parse_der(chain, p, one);
    if (rc) return rc;
    p += one;
  }
  return 0;
}

ocf_err ocf_pki_certs_der(const uint8_t *in, size_t len, uint8_t *buf, size_t cap, ocf_bytes *certs,
                          size_t max, size_t *n) {
  if (n) *n = 0; /* on every failure, the invalid arguments too */
  if (!in || !len || !buf || !certs || !max || !n) return OCF_ERR_INVALID_ARG;
  mbedtls_x509_crt chain;
  mbedtls_x509_crt_init(&chain);
  int rc = has_pem(in, len) ? parse_pem(&chain, in, len) : parse_ders(&chain, in, len);
  ocf_err err = OCF_OK;
  if (rc == MBEDTLS_ERR_X509_ALLOC_FAILED)
    err = OCF_ERR_NO_MEMORY;
  else if (rc != 0) /* > 0: some PEM blocks did not parse */
    err = OCF_ERR_MALFORMED;
  if (err == OCF_OK) err = copy_chain(&chain, buf, cap, certs, max, n);
  mbedtls_x509_crt_free(&chain);
  if (err != OCF_OK) *n = 0;
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

ocf_err ocf_pki_cert_subject(const uint8_t *der, size_t len, uint8_t *pub, size_t cap, size_t *pub_len,
                             bool *has_uuid, ocf_uuid *uuid) {
  if (!der || !len || !pub || !pub_len || !has_uuid || !uuid) return OCF_ERR_INVALID_ARG;
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  int rc = mbedtls_x509_crt_parse_der(&crt, der, len);
  ocf_err err = rc == 0                               ? OCF_OK
                : rc == MBEDTLS_ERR_X509_ALLOC_FAILED ? OCF_ERR_NO_MEMORY
                                                      : OCF_ERR_MALFORMED;
  if (err == OCF_OK) {
    memset(uuid, 0, sizeof *uuid);
    *has_uuid = subject_uuid(&crt.subject, uuid);
    err = write_pub(&crt.pk, pub, cap, pub_len);
  }
  mbedtls_x509_crt_free(&crt);
  return err;
}

/* An attribute of a name as text: printable ASCII only, shorter than cap. */
static ocf_err name_text(const mbedtls_x509_buf *v, char *out, size_t cap) {
  if (v->len == 0 || v->len >= cap) return OCF_ERR_TOO_LARGE;
  for (size_t i = 0; i < v->len; i++)
    if (v->p[i] < 0x20 || v->p[i] > 0x7E) return OCF_ERR_TOO_LARGE;
  memcpy(out, v->p, v->len);
  out[v->len] = '\0';
  return OCF_OK;
}

/* The value of attribute oid in name, or NULL. */
static const mbedtls_x509_buf *name_attr(const mbedtls_x509_name *n, const char *oid, size_t oid_len) {
  for (; n; n = n->next)
    if (n->oid.len == oid_len && !memcmp(n->oid.p, oid, oid_len)) return &n->val;
  return NULL;
}

ocf_err ocf_pki_cert_role(const uint8_t *der, size_t len, char *role, size_t role_cap, char *authority,
                          size_t authority_cap) {
  static const char cn_oid[] = MBEDTLS_OID_AT_CN, ou_oid[] = MBEDTLS_OID_AT_ORG_UNIT;
  if (!der || !len || !role || !role_cap || !authority || !authority_cap) return OCF_ERR_INVALID_ARG;
  mbedtls_x509_crt crt;
  mbedtls_x509_crt_init(&crt);
  int rc = mbedtls_x509_crt_parse_der(&crt, der, len);
  ocf_err err = rc == 0                               ? OCF_ERR_NOT_FOUND
                : rc == MBEDTLS_ERR_X509_ALLOC_FAILED ? OCF_ERR_NO_MEMORY
                                                      : OCF_ERR_MALFORMED;
  for (const mbedtls_x509_sequence *s = &crt.subject_alt_names; rc == 0 && err == OCF_ERR_NOT_FOUND && s;
       s = s->next) {
    mbedtls_x509_subject_alternative_name san;
    if (!s->buf.p || mbedtls_x509_parse_subject_alt_name(&s->buf, &san) != 0) continue;
    if (san.type == MBEDTLS_X509_SAN_DIRECTORY_NAME) {
      const mbedtls_x509_buf *cn = name_attr(&san.san.directory_name, cn_oid, sizeof cn_oid - 1);
      const mbedtls_x509_buf *ou = name_attr(&san.san.directory_name, ou_oid, sizeof ou_oid - 1);
      if (!ou) ou = name_attr(&crt.issuer, cn_oid, sizeof cn_oid - 1); /* digest §6.1 */
      if (cn) {
        err = name_text(cn, role, role_cap);
        if (err == OCF_OK) err = ou ? name_text(ou, authority, authority_cap) : OCF_ERR_MALFORMED;
      }
    }
    mbedtls_x509_free_subject_alt_name(&san);
  }
  mbedtls_x509_crt_free(&crt);
  return err;
}

/* The CRL's signature with the key of the anchor whose subject is its issuer. */
static bool crl_signed_by_anchor(const mbedtls_x509_crl *crl, const ocf_bytes *anchors, size_t n) {
  const mbedtls_md_info_t *md = mbedtls_md_info_from_type(crl->MBEDTLS_PRIVATE(sig_md));
  uint8_t hash[MBEDTLS_MD_MAX_SIZE];
  if (!md || mbedtls_md(md, crl->tbs.p, crl->tbs.len, hash)) return false;
  bool ok = false;
  for (size_t i = 0; i < n && !ok; i++) {
    mbedtls_x509_crt a;
    mbedtls_x509_crt_init(&a);
    if (!mbedtls_x509_crt_parse_der(&a, anchors[i].ptr, anchors[i].len) &&
        a.subject_raw.len == crl->issuer_raw.len &&
        !memcmp(a.subject_raw.p, crl->issuer_raw.p, a.subject_raw.len))
      ok = !mbedtls_pk_verify_ext(crl->MBEDTLS_PRIVATE(sig_pk), crl->MBEDTLS_PRIVATE(sig_opts), &a.pk,
                                  crl->MBEDTLS_PRIVATE(sig_md), hash, mbedtls_md_get_size(md),
                                  crl->MBEDTLS_PRIVATE(sig).p, crl->MBEDTLS_PRIVATE(sig).len);
    mbedtls_x509_crt_free(&a);
  }
  return ok;
}

ocf_err ocf_pki_crl_check(const uint8_t *crl, size_t crl_len, const ocf_bytes *anchors, size_t n_anchors,
                          const uint8_t *cert, size_t cert_len, bool *applies) {
  if (!crl || !crl_len || (!anchors && n_anchors) || !cert || !cert_len) return OCF_ERR_INVALID_ARG;
  if (applies) *applies = false;
  mbedtls_x509_crl c;
  mbedtls_x509_crt leaf;
  mbedtls_x509_crl_init(&c);
  mbedtls_x509_crt_init(&leaf);
  ocf_err err = OCF_OK;
  if (mbedtls_x509_crl_parse_der(&c, crl, crl_len) || mbedtls_x509_crt_parse_der(&leaf, cert, cert_len))
    err = OCF_ERR_MALFORMED;
  bool same_issuer = err == OCF_OK && c.issuer_raw.len == leaf.issuer_raw.len &&
                     !memcmp(c.issuer_raw.p, leaf.issuer_raw.p, c.issuer_raw.len);
  if (same_issuer && !crl_signed_by_anchor(&c, anchors, n_anchors)) err = OCF_ERR_CRYPTO;
  if (same_issuer && err == OCF_OK) {
    if (applies) *applies = true;
    for (const mbedtls_x509_crl_entry *e = &c.entry; e && e->serial.len; e = e->next)
      if (e->serial.len == leaf.serial.len && !memcmp(e->serial.p, leaf.serial.p, e->serial.len))
        err = OCF_ERR_DENIED;
  }
  mbedtls_x509_crt_free(&leaf);
  mbedtls_x509_crl_free(&c);
  return err;
}
