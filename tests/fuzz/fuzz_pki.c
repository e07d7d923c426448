/* libFuzzer target: every src/pki entry point that takes a peer's (or a file's) bytes, checked
 * against a fixed CA (fuzz_pki_setup.h):
 *   mode 0  ocf_pki_csr_parse (digest §2.7, §6.2): DER or PEM CSRs, self-signature verified. A
 *           CSR it accepts must be certifiable: we issue an identity certificate for its key
 *           and that certificate must pass ocf_cert_check_chain against the CA, naming the uuid.
 *   mode 1  ocf_cert_check_chain (digest §4.4, §6.1): the input as a presented chain, leaf first
 *           (up to 5 certificates, one more than OCF_CERT_CHAIN_MAX), vs the CA as the anchor;
 *           OCF_OK must come with no failure bit, OCF_ERR_DENIED with at least one.
 *   mode 2  ocf_pki_cert_info_get (what `obt ca show` prints).
 *   mode 3  ocf_pki_ca_import (a company CA's certificate and key, from files).
 *   mode 4  ocf_pki_certs_der (key.h): cred publicdata a device takes (PEM or DER lists); every
 *           certificate it returns must lie inside the caller's buffer and parse on its own.
 *   mode 5  ocf_pki_crl_check (key.h): the input as the CRL of /oic/sec/crl against a leaf the
 *           CA issued; only the documented results.
 * Input: [mode][...]; mode 1: [kind][len_hi][len_lo][DER]...; mode 3: [len_hi][len_lo][cert][key].
 * Seeds: tests/fuzz/corpus/fuzz_pki, written by gen_fuzz_pki_seeds from the same CA. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_pki_setup.h"
#include "pki/key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const ocf_uuid k_uuid = {
    {0x4e, 0x2e, 0x33, 0x0a, 0x2f, 0x22, 0x48, 0xca, 0x94, 0xb9, 0xc9, 0x84, 0xbc, 0x68, 0xfe, 0xc5}};

static const ocf_pki_ca *the_ca(void) {
  static ocf_pki_ca ca; /* made once per process: a P-256 key generation per run would dominate */
  static bool made;
  if (!made) {
    if (fz_pki_ca(&ca) != OCF_OK) abort();
    made = true;
  }
  return &ca;
}

static bool terminated(const char *s, size_t cap) { return memchr(s, '\0', cap) != NULL; }

static void fuzz_csr(const uint8_t *p, size_t n) {
  ocf_pki_csr csr;
  ocf_err err = ocf_pki_csr_parse(p, n, &csr);
  if (err) return;
  if (!terminated(csr.subject, sizeof csr.subject) || !csr.pubkey_len || csr.pubkey_len > sizeof csr.pubkey)
    abort();
  const ocf_pki_ca *ca = the_ca();
  uint64_t state = 2;
  ocf_pki_rng rng = {fz_pki_random, &state};
  ocf_pki_leaf leaf = {.uuid = k_uuid,
                       .pubkey = csr.pubkey,
                       .pubkey_len = csr.pubkey_len,
                       .not_before = FZ_PKI_T_2020,
                       .not_after = FZ_PKI_T_2049};
  uint8_t cert[OCF_PKI_CERT_MAX];
  size_t len = 0;
  if (ocf_pki_issue(ca, &leaf, &rng, cert, sizeof cert, &len, NULL, NULL) != OCF_OK) abort();
  ocf_bytes chain = {cert, len}, anchor = {ca->cert, ca->cert_len};
  ocf_cert_report rep;
  if (ocf_cert_check_chain(&chain, 1, &anchor, 1, OCF_CERT_KIND_IDENTITY, FZ_PKI_T_2025, &rep) != OCF_OK ||
      rep.failures || !rep.has_uuid || memcmp(rep.uuid.b, k_uuid.b, 16) != 0)
    abort();
}

static void fuzz_chain(const uint8_t *p, size_t n) {
  if (!n) return;
  ocf_cert_kind kind = (ocf_cert_kind)(p[0] % 3 + 1);
  p++, n--;
  ocf_bytes chain[OCF_CERT_CHAIN_MAX + 1];
  size_t k = 0;
  while (n >= 2 && k < OCF_CERT_CHAIN_MAX + 1) {
    size_t len = (size_t)p[0] << 8 | p[1];
    p += 2, n -= 2;
    if (len > n) len = n;
    chain[k++] = (ocf_bytes){p, len};
    p += len, n -= len;
  }
  if (!k) return;
  const ocf_pki_ca *ca = the_ca();
  ocf_bytes anchor = {ca->cert, ca->cert_len};
  ocf_cert_report rep;
  ocf_err err = ocf_cert_check_chain(chain, k, &anchor, 1, kind, FZ_PKI_T_2025, &rep);
  if (err == OCF_OK && rep.failures) abort();
  if (err == OCF_ERR_DENIED && !rep.failures) abort();
  if (err != OCF_OK && err != OCF_ERR_DENIED && err != OCF_ERR_NO_MEMORY) abort();
  if (!ocf_cert_failure_str(rep.failures)) abort();
}

static void fuzz_info(const uint8_t *p, size_t n) {
  ocf_pki_cert_info info;
  if (ocf_pki_cert_info_get(p, n, &info) != OCF_OK) return;
  if (!terminated(info.subject, sizeof info.subject) || !terminated(info.issuer, sizeof info.issuer) ||
      info.serial_len > sizeof info.serial)
    abort();
}

static void fuzz_import(const uint8_t *p, size_t n) {
  if (n < 2) return;
  size_t len = (size_t)p[0] << 8 | p[1];
  p += 2, n -= 2;
  if (len > n) len = n;
  uint64_t state = 3;
  ocf_pki_rng rng = {fz_pki_random, &state};
  ocf_pki_ca ca;
  if (ocf_pki_ca_import(p, len, p + len, n - len, FZ_PKI_T_2025, &rng, &ca) == OCF_OK &&
      (!ca.cert_len || ca.cert_len > sizeof ca.cert || !ca.key_len || ca.key_len > sizeof ca.key))
    abort();
  ocf_pki_ca_wipe(&ca);
}

static void fuzz_certs_der(const uint8_t *p, size_t n) {
  uint8_t buf[4096];
  ocf_bytes certs[4];
  size_t k = 99;
  ocf_err err = ocf_pki_certs_der(p, n, buf, sizeof buf, certs, 4, &k);
  if (err != OCF_OK) {
    if (k != 0) abort();
    return;
  }
  if (k == 0 || k > 4) abort();
  for (size_t i = 0; i < k; i++) {
    ocf_pki_cert_info info;
    if (certs[i].ptr < buf || certs[i].ptr + certs[i].len > buf + sizeof buf ||
        ocf_pki_cert_info_get(certs[i].ptr, certs[i].len, &info) != OCF_OK)
      abort();
  }
}

static void fuzz_crl(const uint8_t *p, size_t n) {
  static uint8_t leaf[OCF_PKI_CERT_MAX]; /* made once per process, like the CA */
  static size_t leaf_len;
  const ocf_pki_ca *ca = the_ca();
  if (!leaf_len) {
    uint64_t state = 4;
    ocf_pki_rng rng = {fz_pki_random, &state};
    uint8_t key[OCF_PKI_KEY_MAX], pub[OCF_PKI_PUBKEY_MAX];
    size_t key_len = 0, pub_len = 0;
    if (ocf_pki_keypair_generate(&rng, key, sizeof key, &key_len, pub, sizeof pub, &pub_len) != OCF_OK)
      abort();
    ocf_pki_leaf l = {.uuid = k_uuid,
                      .pubkey = pub,
                      .pubkey_len = pub_len,
                      .not_before = FZ_PKI_T_2020,
                      .not_after = FZ_PKI_T_2049};
    if (ocf_pki_issue(ca, &l, &rng, leaf, sizeof leaf, &leaf_len, NULL, NULL) != OCF_OK) abort();
  }
  ocf_bytes anchor = {ca->cert, ca->cert_len};
  bool applies = true;
  ocf_err err = ocf_pki_crl_check(p, n, &anchor, 1, leaf, leaf_len, &applies);
  if (err != OCF_OK && err != OCF_ERR_DENIED && err != OCF_ERR_MALFORMED && err != OCF_ERR_CRYPTO &&
      err != OCF_ERR_INVALID_ARG)
    abort();
  if (err == OCF_ERR_DENIED && !applies) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!size || size > 8192) return 0;
  switch (data[0] % 6) {
  case FZ_PKI_CSR: fuzz_csr(data + 1, size - 1); break;
  case FZ_PKI_CHAIN: fuzz_chain(data + 1, size - 1); break;
  case FZ_PKI_INFO: fuzz_info(data + 1, size - 1); break;
  case FZ_PKI_IMPORT: fuzz_import(data + 1, size - 1); break;
  case FZ_PKI_CERTS: fuzz_certs_der(data + 1, size - 1); break;
  default: fuzz_crl(data + 1, size - 1); break;
  }
  return 0;
}
