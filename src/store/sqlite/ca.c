/* The domain's CA in the domain store (<ocf/ocf_obt_ca.h>, ADR 0017): the certificate as the
 * public value "ca-cert", the private key as the sealed secret "ca-key", and for an imported
 * sub-CA the certificates above it up to the root as "ca-chain" (DER back to back), written
 * together in one transaction so a crash never leaves a certificate without its key. The key is opened
 * only inside this file's callers in later work (issuing, CRLs) and wiped after use. */
#include <ocf/ocf_obt_ca.h>
#include <string.h>

#include "pki/ca.h"
#include "pki/crypto.h"
#include "pki/key.h"
#include "store/sqlite/obt_store.h"

static const char k_cert_name[] = "ca-cert";
static const char k_key_name[] = "ca-key";
static const char k_chain_name[] = "ca-chain";

static bool has_ca(ocf_obt_store *s) {
  size_t len = 0;
  return ocf_obt_store_domain_public_get(s, k_cert_name, NULL, 0, &len) == OCF_ERR_NO_SPACE;
}

/* Stores both halves in one transaction (inside the caller's, when there is one). */
static ocf_err save(ocf_obt_store *s, const ocf_pki_ca *ca, const uint8_t *chain, size_t chain_len,
                    bool replace) {
  if (!s->unlocked) return OCF_ERR_STATE;
  bool own = !s->in_txn;
  ocf_err err = own ? ocf_obt_store_begin(s) : OCF_OK;
  if (err != OCF_OK) return err;
  if (!replace && has_ca(s)) err = OCF_ERR_STATE;
  if (err == OCF_OK) err = ocf_obt_store_domain_secret_put(s, k_key_name, ca->key, ca->key_len);
  if (err == OCF_OK) err = ocf_obt_store_domain_public_put(s, k_cert_name, ca->cert, ca->cert_len);
  if (err == OCF_OK)
    err = chain_len ? ocf_obt_store_domain_public_put(s, k_chain_name, chain, chain_len)
                    : ocf_obt_store_domain_value_remove(s, k_chain_name);
  if (own) {
    if (err == OCF_OK)
      err = ocf_obt_store_commit(s);
    else
      ocf_obt_store_rollback(s);
  }
  return err;
}

static ocf_pki_rng store_rng(ocf_obt_store *s) { return (ocf_pki_rng){s->pf.random, s->pf.ctx}; }

ocf_err ocf_obt_ca_create(ocf_obt_store *s, const char *cn, int64_t not_before, int64_t not_after,
                          bool replace) {
  if (!s) return OCF_ERR_INVALID_ARG;
  if (!s->unlocked) return OCF_ERR_STATE;
  if (!replace && has_ca(s)) return OCF_ERR_STATE;
  ocf_pki_rng rng = store_rng(s);
  ocf_pki_ca ca;
  ocf_err err = ocf_pki_ca_create(cn, not_before, not_after, &rng, &ca);
  if (err == OCF_OK) err = save(s, &ca, NULL, 0, replace);
  ocf_pki_ca_wipe(&ca);
  return err;
}

#define CHAIN_TEXT_MAX 8192 /* ocf_pki_ca_import's input cap */

/* The certificates after the first in the import's certificate input (its chain up to the
 * root), checked link by link, as DER back to back in out (*len 0: none). */
static ocf_err upper_chain(ocf_obt_store *s, const ocf_pki_ca *ca, const uint8_t *cert, size_t cert_len,
                           uint8_t *out, size_t cap, size_t *len) {
  *len = 0;
  uint8_t *buf = s->pf.alloc(s->pf.ctx, CHAIN_TEXT_MAX);
  if (!buf) return OCF_ERR_NO_MEMORY;
  ocf_bytes certs[OCF_PKI_CHAIN_MAX + 1];
  size_t n = 0;
  ocf_err err = ocf_pki_certs_der(cert, cert_len, buf, CHAIN_TEXT_MAX, certs, OCF_PKI_CHAIN_MAX + 1, &n);
  if (err == OCF_OK &&
      (n == 0 || certs[0].len != ca->cert_len || memcmp(certs[0].ptr, ca->cert, ca->cert_len)))
    err = OCF_ERR_MALFORMED; /* the CA is the first certificate (ocf_pki_ca_import) */
  if (err == OCF_OK) err = ocf_pki_ca_chain_check(ca->cert, ca->cert_len, certs + 1, n - 1);
  for (size_t i = 1; err == OCF_OK && i < n; i++) {
    if (*len + certs[i].len > cap) {
      err = OCF_ERR_TOO_LARGE;
      break;
    }
    memcpy(out + *len, certs[i].ptr, certs[i].len);
    *len += certs[i].len;
  }
  s->pf.free(s->pf.ctx, buf);
  return err;
}

ocf_err ocf_obt_ca_import(ocf_obt_store *s, const uint8_t *cert, size_t cert_len, const uint8_t *key,
                          size_t key_len, int64_t utc_now, bool replace) {
  if (!s) return OCF_ERR_INVALID_ARG;
  if (!s->unlocked) return OCF_ERR_STATE;
  if (!replace && has_ca(s)) return OCF_ERR_STATE;
  ocf_pki_rng rng = store_rng(s);
  ocf_pki_ca ca;
  ocf_err err = ocf_pki_ca_import(cert, cert_len, key, key_len, utc_now, &rng, &ca);
  uint8_t chain[OCF_OBT_PUBLIC_MAX];
  size_t chain_len = 0;
  if (err == OCF_OK) err = upper_chain(s, &ca, cert, cert_len, chain, sizeof chain, &chain_len);
  if (err == OCF_OK) err = save(s, &ca, chain, chain_len, replace);
  ocf_pki_ca_wipe(&ca);
  return err;
}

ocf_err ocf_obt_ca_cert(ocf_obt_store *s, uint8_t *buf, size_t cap, size_t *len) {
  if (!s) return OCF_ERR_INVALID_ARG;
  return ocf_obt_store_domain_public_get(s, k_cert_name, buf, cap, len);
}

ocf_err ocf_obt_ca_chain(ocf_obt_store *s, uint8_t *buf, size_t cap, size_t *len) {
  if (!s || !len) return OCF_ERR_INVALID_ARG;
  ocf_err err = ocf_obt_store_domain_public_get(s, k_chain_name, buf, cap, len);
  if (err == OCF_ERR_NOT_FOUND) {
    *len = 0;
    return OCF_OK;
  }
  return err;
}

ocf_err ocf_obt_ca_info_get(ocf_obt_store *s, ocf_obt_ca_info *out) {
  if (!s || !out) return OCF_ERR_INVALID_ARG;
  uint8_t der[OCF_PKI_CERT_MAX];
  size_t len = 0;
  ocf_err err = ocf_obt_ca_cert(s, der, sizeof der, &len);
  if (err == OCF_ERR_NO_SPACE) err = OCF_ERR_MALFORMED;
  ocf_pki_cert_info info;
  if (err == OCF_OK) err = ocf_pki_cert_info_get(der, len, &info);
  if (err != OCF_OK) return err;
  _Static_assert(sizeof out->subject == sizeof info.subject, "same name size");
  _Static_assert(sizeof out->serial == sizeof info.serial, "same serial size");
  memset(out, 0, sizeof *out);
  memcpy(out->subject, info.subject, sizeof out->subject);
  memcpy(out->issuer, info.issuer, sizeof out->issuer);
  memcpy(out->serial, info.serial, sizeof out->serial);
  out->serial_len = info.serial_len;
  out->not_before = info.not_before;
  out->not_after = info.not_after;
  memcpy(out->sha256, info.sha256, sizeof out->sha256);
  out->self_signed = info.self_signed;
  return OCF_OK;
}

ocf_err ocf_obt_ca_cert_pem(ocf_obt_store *s, char *buf, size_t cap, size_t *len) {
  if (!s || !buf || !len) return OCF_ERR_INVALID_ARG;
  uint8_t der[OCF_PKI_CERT_MAX];
  size_t der_len = 0;
  ocf_err err = ocf_obt_ca_cert(s, der, sizeof der, &der_len);
  if (err == OCF_ERR_NO_SPACE) err = OCF_ERR_MALFORMED;
  if (err == OCF_OK) err = ocf_pki_pem_write("CERTIFICATE", der, der_len, buf, cap, len);
  return err;
}

ocf_err ocf_obt_ca_chain_pem(ocf_obt_store *s, char *buf, size_t cap, size_t *len) {
  if (!s || !buf || !len) return OCF_ERR_INVALID_ARG;
  ocf_err err = ocf_obt_ca_cert_pem(s, buf, cap, len);
  uint8_t raw[OCF_OBT_PUBLIC_MAX], der[OCF_OBT_PUBLIC_MAX];
  size_t raw_len = 0, n = 0;
  ocf_bytes certs[OCF_PKI_CHAIN_MAX];
  if (err == OCF_OK) err = ocf_obt_ca_chain(s, raw, sizeof raw, &raw_len);
  if (err == OCF_OK && raw_len)
    err = ocf_pki_certs_der(raw, raw_len, der, sizeof der, certs, OCF_PKI_CHAIN_MAX, &n);
  for (size_t i = 0; err == OCF_OK && i < n; i++) {
    size_t k = 0;
    err = ocf_pki_pem_write("CERTIFICATE", certs[i].ptr, certs[i].len, buf + *len, cap - *len, &k);
    *len += k;
  }
  return err;
}

ocf_err obt_ca_open(ocf_obt_store *s, ocf_pki_ca *out) {
  memset(out, 0, sizeof *out);
  if (!s->unlocked) return OCF_ERR_STATE;
  ocf_err err = ocf_obt_ca_cert(s, out->cert, sizeof out->cert, &out->cert_len);
  if (err == OCF_ERR_NO_SPACE) err = OCF_ERR_MALFORMED;
  if (err == OCF_OK)
    err = ocf_obt_store_domain_secret_get(s, k_key_name, out->key, sizeof out->key, &out->key_len);
  if (err == OCF_ERR_NO_SPACE) err = OCF_ERR_MALFORMED;
  if (err != OCF_OK) ocf_pki_ca_wipe(out);
  return err;
}
