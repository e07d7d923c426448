/* Writes fuzz_pki's seeds, made with our own code from the same deterministic CA the target
 * checks against (fuzz_pki_setup.h): CSRs (DER and PEM, written with mbedTLS from a key
 * ocf_pki_keypair_generate made), identity, role and manufacturer chains issued by
 * ocf_pki_issue (alone and with the CA certificate), certificates for ocf_pki_cert_info_get,
 * and the CA's own certificate and key for ocf_pki_ca_import.
 *
 * Usage: gen_fuzz_pki_seeds DIR  (e.g. build/fuzz/tests/fuzz/gen_fuzz_pki_seeds
 * tests/fuzz/corpus/fuzz_pki). Deterministic: the same files every time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_csr.h>

#include "fuzz_pki_setup.h"
#include "pki/crypto.h"

static const char *g_dir;

static void put(const char *name, uint8_t mode, const uint8_t *a, size_t a_len, const uint8_t *b,
                size_t b_len, int kind) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  FILE *f = fopen(path, "wb");
  if (!f) {
    perror(path);
    exit(1);
  }
  fputc(mode, f);
  if (kind >= 0) fputc(kind, f);
  if (mode == FZ_PKI_CHAIN || mode == FZ_PKI_IMPORT) {
    fputc((int)(a_len >> 8), f);
    fputc((int)(a_len & 0xff), f);
  }
  fwrite(a, 1, a_len, f);
  if (b && mode == FZ_PKI_CHAIN) {
    fputc((int)(b_len >> 8), f);
    fputc((int)(b_len & 0xff), f);
  }
  if (b) fwrite(b, 1, b_len, f);
  if (fclose(f)) exit(1);
}

static int mbed_random(void *ctx, unsigned char *out, size_t len) {
  return fz_pki_random(ctx, out, len) ? -1 : 0;
}

static void check(bool ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "gen_fuzz_pki_seeds: %s failed\n", what);
    exit(1);
  }
}

/* A CSR for key (DER SEC1) with subject CN=uuid:<k_uuid>, DER or PEM. */
static size_t make_csr(const uint8_t *key, size_t key_len, bool pem, uint8_t *out, size_t cap) {
  uint64_t state = 11;
  mbedtls_pk_context k;
  mbedtls_pk_init(&k);
  check(mbedtls_pk_parse_key(&k, key, key_len, NULL, 0, mbed_random, &state) == 0, "parse key");
  mbedtls_x509write_csr w;
  mbedtls_x509write_csr_init(&w);
  mbedtls_x509write_csr_set_key(&w, &k);
  mbedtls_x509write_csr_set_md_alg(&w, MBEDTLS_MD_SHA256);
  check(mbedtls_x509write_csr_set_subject_name(&w, "CN=uuid:4e2e330a-2f22-48ca-94b9-c984bc68fec5") == 0,
        "subject");
  size_t n;
  if (pem) {
    check(mbedtls_x509write_csr_pem(&w, out, cap, mbed_random, &state) == 0, "csr pem");
    n = strlen((char *)out);
  } else {
    int r = mbedtls_x509write_csr_der(&w, out, cap, mbed_random, &state);
    check(r > 0, "csr der");
    n = (size_t)r;
    memmove(out, out + cap - n, n);
  }
  mbedtls_x509write_csr_free(&w);
  mbedtls_pk_free(&k);
  return n;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: gen_fuzz_pki_seeds DIR\n");
    return 2;
  }
  g_dir = argv[1];
  ocf_pki_ca ca;
  check(fz_pki_ca(&ca) == OCF_OK, "CA");
  uint64_t state = 5;
  ocf_pki_rng rng = {fz_pki_random, &state};
  uint8_t key[OCF_PKI_KEY_MAX], pub[OCF_PKI_PUBKEY_MAX];
  size_t key_len, pub_len;
  check(ocf_pki_keypair_generate(&rng, key, sizeof key, &key_len, pub, sizeof pub, &pub_len) == OCF_OK,
        "keypair");

  static uint8_t csr[OCF_PKI_CSR_MAX + 1];
  size_t n = make_csr(key, key_len, false, csr, sizeof csr);
  put("csr-der", FZ_PKI_CSR, csr, n, NULL, 0, -1);
  n = make_csr(key, key_len, true, csr, sizeof csr);
  put("csr-pem", FZ_PKI_CSR, csr, n, NULL, 0, -1);

  const ocf_uuid uuid = {
      {0x4e, 0x2e, 0x33, 0x0a, 0x2f, 0x22, 0x48, 0xca, 0x94, 0xb9, 0xc9, 0x84, 0xbc, 0x68, 0xfe, 0xc5}};
  ocf_pki_leaf leaf = {.uuid = uuid,
                       .pubkey = pub,
                       .pubkey_len = pub_len,
                       .not_before = FZ_PKI_T_2020,
                       .not_after = FZ_PKI_T_2049};
  uint8_t id[OCF_PKI_CERT_MAX], role[OCF_PKI_CERT_MAX];
  size_t id_len, role_len;
  check(ocf_pki_issue(&ca, &leaf, &rng, id, sizeof id, &id_len, NULL, NULL) == OCF_OK, "identity");
  const ocf_pki_role roles[] = {{"admin", "Acme"}, {"viewer", NULL}};
  leaf.roles = roles;
  leaf.n_roles = 2;
  check(ocf_pki_issue(&ca, &leaf, &rng, role, sizeof role, &role_len, NULL, NULL) == OCF_OK, "role");

  /* mode 1: the kind byte is kind - 1 (0 mfg, 1 identity, 2 role) */
  put("chain-identity", FZ_PKI_CHAIN, id, id_len, NULL, 0, 1);
  put("chain-identity-with-ca", FZ_PKI_CHAIN, id, id_len, ca.cert, ca.cert_len, 1);
  put("chain-mfg", FZ_PKI_CHAIN, id, id_len, NULL, 0, 0);
  put("chain-role", FZ_PKI_CHAIN, role, role_len, NULL, 0, 2);
  put("chain-role-as-identity", FZ_PKI_CHAIN, role, role_len, NULL, 0, 1);
  put("info-ca", FZ_PKI_INFO, ca.cert, ca.cert_len, NULL, 0, -1);
  put("info-role", FZ_PKI_INFO, role, role_len, NULL, 0, -1);
  put("import-ca", FZ_PKI_IMPORT, ca.cert, ca.cert_len, ca.key, ca.key_len, -1);
  ocf_pki_ca_wipe(&ca);
  ocf_crypto_wipe(key, sizeof key);
  return 0;
}
