/* pki/ca.h: the OBT's CA (digest §4.4, §6.1, §6.2, §6.7; ADR 0017) with a seeded generator.
 * Root creation, sub-CA import, CSR checks, identity and role certificates checked with
 * pki/cert.h and mbedTLS, CRLs parsed back and applied by mbedTLS's verification, and the same
 * objects read by the openssl command when it is installed (skipped otherwise). */
#define _DEFAULT_SOURCE /* mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "dtls_certs.h"
#include "pki/ca.h"
#include "pki/cert.h"
#include "sim/sim.h"

#define T_2020 1577836800LL /* 2020-01-01T00:00:00Z */
#define T_2025 1735689600LL /* 2025-01-01T00:00:00Z */
#define T_2030 1893456000LL /* 2030-01-01T00:00:00Z */
#define T_2049 2524607999LL /* 2049-12-31T23:59:59Z */
#define T_2060 2840140800LL /* 2060-01-01T00:00:00Z */

static const ocf_uuid dev_uuid = {
    {0x4e, 0x2e, 0x33, 0x0a, 0x2f, 0x22, 0x48, 0xca, 0x94, 0xb9, 0xc9, 0x84, 0xbc, 0x68, 0xfe, 0xc5}};

/* ---- a seeded generator that can be told to fail ---- */

typedef struct seeded {
  uint64_t state;
  bool fail;
} seeded;

static ocf_err seeded_random(void *ctx, uint8_t *out, size_t len) {
  seeded *s = ctx;
  if (s->fail) return OCF_ERR_IO;
  for (size_t i = 0; i < len; i += 8) {
    uint64_t r = ocf_sim_rand64(&s->state);
    size_t n = len - i < 8 ? len - i : 8;
    memcpy(out + i, &r, n);
  }
  return OCF_OK;
}

static int mbed_random(void *ctx, unsigned char *out, size_t len) {
  return seeded_random(ctx, out, len) == OCF_OK ? 0 : -1;
}

typedef struct fx {
  seeded s;
  ocf_pki_rng rng;
  ocf_pki_ca ca;
} fx;

static int setup(void **state) {
  fx *f = calloc(1, sizeof *f);
  f->s.state = 42;
  f->rng = (ocf_pki_rng){seeded_random, &f->s};
  assert_int_equal(ocf_pki_ca_create("obt test CA", T_2020, T_2049, &f->rng, &f->ca), OCF_OK);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fx *f = *state;
  ocf_pki_ca_wipe(&f->ca);
  free(f);
  return 0;
}

static ocf_err check(const uint8_t *leaf, size_t leaf_len, const uint8_t *anchor, size_t anchor_len,
                     ocf_cert_kind kind, int64_t now, ocf_cert_report *rep) {
  ocf_bytes chain[1] = {{leaf, leaf_len}}, anchors[1] = {{anchor, anchor_len}};
  return ocf_cert_check_chain(chain, 1, anchors, 1, kind, now, rep);
}

/* A certificate for dev_uuid with the key pair in *pub, by f->ca. */
static void issue(fx *f, const uint8_t *pub, size_t pub_len, const ocf_pki_role *roles, size_t n_roles,
                  uint8_t *cert, size_t *len, uint8_t *serial, size_t *serial_len) {
  ocf_pki_leaf l = {.uuid = dev_uuid,
                    .pubkey = pub,
                    .pubkey_len = pub_len,
                    .not_before = T_2025 - 86400,
                    .not_after = T_2030,
                    .roles = roles,
                    .n_roles = n_roles};
  assert_int_equal(ocf_pki_issue(&f->ca, &l, &f->rng, cert, OCF_PKI_CERT_MAX, len, serial, serial_len),
                   OCF_OK);
}

static void fresh_leaf(fx *f, uint8_t *cert, size_t *len, uint8_t *serial, size_t *serial_len) {
  uint8_t key[OCF_PKI_KEY_MAX], pub[OCF_PKI_PUBKEY_MAX];
  size_t key_len, pub_len;
  assert_int_equal(ocf_pki_keypair_generate(&f->rng, key, sizeof key, &key_len, pub, sizeof pub, &pub_len),
                   OCF_OK);
  issue(f, pub, pub_len, NULL, 0, cert, len, serial, serial_len);
}

/* ---- root ---- */

static void root_fields(void **state) {
  fx *f = *state;
  ocf_pki_cert_info info;
  assert_int_equal(ocf_pki_cert_info_get(f->ca.cert, f->ca.cert_len, &info), OCF_OK);
  assert_string_equal(info.subject, "CN=obt test CA");
  assert_string_equal(info.issuer, "CN=obt test CA");
  assert_int_equal(info.serial_len, 20);
  assert_true(info.serial[0] != 0 && !(info.serial[0] & 0x80)); /* positive, minimal */
  assert_int_equal(info.not_before, T_2020);
  assert_int_equal(info.not_after, T_2049);
  assert_true(info.is_ca);
  assert_true(info.self_signed);

  mbedtls_x509_crt c;
  mbedtls_x509_crt_init(&c);
  assert_int_equal(mbedtls_x509_crt_parse_der(&c, f->ca.cert, f->ca.cert_len), 0);
  assert_int_equal(c.version, 3);
  assert_int_equal(c.MBEDTLS_PRIVATE(sig_md), MBEDTLS_MD_SHA256);
  assert_int_equal(c.MBEDTLS_PRIVATE(sig_pk), MBEDTLS_PK_ECDSA);
  assert_int_equal(mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(c.pk)), MBEDTLS_ECP_DP_SECP256R1);
  assert_true(c.MBEDTLS_PRIVATE(ca_istrue));
  assert_int_equal(c.MBEDTLS_PRIVATE(max_pathlen), 0); /* no pathLen */
  assert_int_equal(c.MBEDTLS_PRIVATE(key_usage), MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN |
                                                     MBEDTLS_X509_KU_DIGITAL_SIGNATURE);
  assert_true(c.subject_key_id.len > 0);
  /* The key we hold is the certificate's. */
  mbedtls_pk_context k;
  mbedtls_pk_init(&k);
  assert_int_equal(mbedtls_pk_parse_key(&k, f->ca.key, f->ca.key_len, NULL, 0, mbed_random, &f->s), 0);
  assert_int_equal(mbedtls_pk_check_pair(&c.pk, &k, mbed_random, &f->s), 0);
  mbedtls_pk_free(&k);
  mbedtls_x509_crt_free(&c);

  /* The root as its own chain meets the profile's CA rules (cRLSign included, as the mfg
   * check asks): verified as anchor above an issued leaf. */
  uint8_t leaf[OCF_PKI_CERT_MAX];
  size_t leaf_len;
  fresh_leaf(f, leaf, &leaf_len, NULL, NULL);
  ocf_cert_report rep;
  assert_int_equal(check(leaf, leaf_len, f->ca.cert, f->ca.cert_len, OCF_CERT_KIND_MFG, T_2025, &rep),
                   OCF_OK);
}

static void root_deterministic_and_args(void **state) {
  (void)state;
  seeded s1 = {7, false}, s2 = {7, false};
  ocf_pki_rng r1 = {seeded_random, &s1}, r2 = {seeded_random, &s2};
  ocf_pki_ca *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
  assert_int_equal(ocf_pki_ca_create("CA", T_2020, T_2060, &r1, a), OCF_OK);
  assert_int_equal(ocf_pki_ca_create("CA", T_2020, T_2060, &r2, b), OCF_OK);
  assert_memory_equal(a, b, sizeof *a);
  ocf_pki_cert_info info;
  assert_int_equal(ocf_pki_cert_info_get(a->cert, a->cert_len, &info), OCF_OK);
  assert_int_equal(info.not_after, T_2060); /* GeneralizedTime after 2049 */

  /* A CN with RFC 4514 specials is kept literally. */
  assert_int_equal(ocf_pki_ca_create("Acme, Inc. #1 = \"x\"", T_2020, T_2030, &r1, a), OCF_OK);
  assert_int_equal(ocf_pki_cert_info_get(a->cert, a->cert_len, &info), OCF_OK);
  assert_non_null(strstr(info.subject, "Acme"));

  char long_cn[OCF_PKI_CN_MAX + 2];
  memset(long_cn, 'a', sizeof long_cn - 1);
  long_cn[sizeof long_cn - 1] = 0;
  assert_int_equal(ocf_pki_ca_create(long_cn, T_2020, T_2030, &r1, a), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_pki_ca_create("", T_2020, T_2030, &r1, a), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_pki_ca_create("a\nb", T_2020, T_2030, &r1, a), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_pki_ca_create("CA", T_2030, T_2020, &r1, a), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_pki_ca_create("CA", T_2020, 253402300800LL, &r1, a), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_pki_ca_create("CA", T_2020, T_2030, NULL, a), OCF_ERR_INVALID_ARG);
  s1.fail = true; /* the generator's error comes back, nothing is left behind */
  assert_int_equal(ocf_pki_ca_create("CA", T_2020, T_2030, &r1, a), OCF_ERR_IO);
  assert_int_equal(a->key_len, 0);
  free(a);
  free(b);
}

/* ---- import ---- */

static void import_ca(void **state) {
  fx *f = *state;
  ocf_pki_ca *ca = calloc(1, sizeof *ca);
  /* Our own root, DER. */
  assert_int_equal(
      ocf_pki_ca_import(f->ca.cert, f->ca.cert_len, f->ca.key, f->ca.key_len, T_2025, &f->rng, ca), OCF_OK);
  assert_memory_equal(ca->cert, f->ca.cert, f->ca.cert_len);
  /* PEM certificate (with and without the NUL). */
  char pem[4096];
  size_t pem_len;
  assert_int_equal(ocf_pki_pem_write("CERTIFICATE", f->ca.cert, f->ca.cert_len, pem, sizeof pem, &pem_len),
                   OCF_OK);
  assert_int_equal(
      ocf_pki_ca_import((const uint8_t *)pem, pem_len, f->ca.key, f->ca.key_len, T_2025, &f->rng, ca),
      OCF_OK);
  assert_int_equal(
      ocf_pki_ca_import((const uint8_t *)pem, pem_len + 1, f->ca.key, f->ca.key_len, T_2025, &f->rng, ca),
      OCF_OK);
  assert_int_equal(ca->cert_len, f->ca.cert_len);

  /* A company root above a sub-CA (pathLen 0) made elsewhere: import, issue, verify the chain. */
  test_cred company, sub, other;
  test_cert_opts co = {.is_ca = true, .max_pathlen = -1};
  test_make_cert(&company, NULL, "Company Root", &co, 101);
  test_cert_opts so = {.is_ca = true, .max_pathlen = 0};
  test_make_cert(&sub, &company, "Company OBT Sub-CA", &so, 102);
  test_make_cert(&other, NULL, "Other", &co, 103);
  assert_int_equal(ocf_pki_ca_import(sub.cert, sub.cert_len, sub.key, sub.key_len, T_2025, &f->rng, ca),
                   OCF_OK);
  uint8_t key[OCF_PKI_KEY_MAX], pub[OCF_PKI_PUBKEY_MAX], leaf[OCF_PKI_CERT_MAX];
  size_t key_len, pub_len, leaf_len;
  assert_int_equal(ocf_pki_keypair_generate(&f->rng, key, sizeof key, &key_len, pub, sizeof pub, &pub_len),
                   OCF_OK);
  ocf_pki_leaf l = {
      .uuid = dev_uuid, .pubkey = pub, .pubkey_len = pub_len, .not_before = T_2020, .not_after = T_2030};
  assert_int_equal(ocf_pki_issue(ca, &l, &f->rng, leaf, sizeof leaf, &leaf_len, NULL, NULL), OCF_OK);
  ocf_bytes chain[2] = {{leaf, leaf_len}, {sub.cert, sub.cert_len}},
            anchors[1] = {{company.cert, company.cert_len}};
  ocf_cert_report rep;
  assert_int_equal(ocf_cert_check_chain(chain, 2, anchors, 1, OCF_CERT_KIND_IDENTITY, T_2025, &rep), OCF_OK);
  assert_true(rep.has_uuid);
  assert_memory_equal(&rep.uuid, &dev_uuid, sizeof dev_uuid);

  /* Refusals. */
  assert_int_equal(ocf_pki_ca_import(sub.cert, sub.cert_len, other.key, other.key_len, T_2025, &f->rng, ca),
                   OCF_ERR_CRYPTO); /* the key is not the certificate's */
  assert_int_equal(ca->cert_len, 0);
  assert_int_equal(ocf_pki_ca_import(leaf, leaf_len, key, key_len, T_2025, &f->rng, ca), OCF_ERR_DENIED);
  assert_int_equal(ocf_pki_ca_import(sub.cert, sub.cert_len, sub.key, sub.key_len, T_2060, &f->rng, ca),
                   OCF_ERR_DENIED); /* expired */
  test_cred nocrl, p384;
  test_cert_opts no = co;
  no.key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN;
  test_make_cert(&nocrl, NULL, "No cRLSign", &no, 104);
  assert_int_equal(
      ocf_pki_ca_import(nocrl.cert, nocrl.cert_len, nocrl.key, nocrl.key_len, T_2025, &f->rng, ca),
      OCF_ERR_DENIED);
  test_cert_opts po = co;
  po.p384 = true;
  test_make_cert(&p384, NULL, "P-384", &po, 105);
  assert_int_equal(ocf_pki_ca_import(p384.cert, p384.cert_len, p384.key, p384.key_len, T_2025, &f->rng, ca),
                   OCF_ERR_UNSUPPORTED);
  static const uint8_t junk[] = "not a certificate";
  assert_int_equal(ocf_pki_ca_import(junk, sizeof junk, sub.key, sub.key_len, T_2025, &f->rng, ca),
                   OCF_ERR_MALFORMED);
  assert_int_equal(ocf_pki_ca_import(sub.cert, sub.cert_len, junk, sizeof junk, T_2025, &f->rng, ca),
                   OCF_ERR_MALFORMED);
  free(ca);
}

/* ---- CSRs ---- */

/* A CSR made with mbedTLS's writer: subject, curve and digest chosen by the test. */
static size_t make_csr(uint8_t *out, size_t cap, const char *subject, mbedtls_ecp_group_id grp,
                       mbedtls_md_type_t md, uint64_t seed, bool pem) {
  seeded s = {seed, false};
  mbedtls_pk_context k;
  mbedtls_pk_init(&k);
  assert_int_equal(mbedtls_pk_setup(&k, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
  assert_int_equal(mbedtls_ecp_gen_key(grp, mbedtls_pk_ec(k), mbed_random, &s), 0);
  mbedtls_x509write_csr w;
  mbedtls_x509write_csr_init(&w);
  mbedtls_x509write_csr_set_key(&w, &k);
  mbedtls_x509write_csr_set_md_alg(&w, md);
  assert_int_equal(mbedtls_x509write_csr_set_subject_name(&w, subject), 0);
  size_t n;
  if (pem) {
    assert_int_equal(mbedtls_x509write_csr_pem(&w, out, cap, mbed_random, &s), 0);
    n = strlen((char *)out);
  } else {
    int r = mbedtls_x509write_csr_der(&w, out, cap, mbed_random, &s);
    assert_true(r > 0);
    n = (size_t)r;
    memmove(out, out + cap - n, n);
  }
  mbedtls_x509write_csr_free(&w);
  mbedtls_pk_free(&k);
  return n;
}

#define CSR_SUBJECT "CN=uuid:4e2e330a-2f22-48ca-94b9-c984bc68fec5"

static void csr_parse(void **state) {
  (void)state;
  uint8_t der[1024], pem[2048];
  size_t der_len =
      make_csr(der, sizeof der, CSR_SUBJECT, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_MD_SHA256, 5, false);
  size_t pem_len =
      make_csr(pem, sizeof pem, CSR_SUBJECT, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_MD_SHA256, 5, true);
  ocf_pki_csr a, b;
  assert_int_equal(ocf_pki_csr_parse(der, der_len, &a), OCF_OK);
  assert_string_equal(a.subject, CSR_SUBJECT);
  assert_true(a.has_uuid);
  assert_memory_equal(&a.uuid, &dev_uuid, sizeof dev_uuid);
  assert_int_equal(a.pubkey_len, 91);
  assert_int_equal(ocf_pki_csr_parse(pem, pem_len, &b), OCF_OK); /* PEM without the NUL */
  assert_int_equal(ocf_pki_csr_parse(pem, pem_len + 1, &b), OCF_OK);
  assert_memory_equal(a.pubkey, b.pubkey, a.pubkey_len); /* same seed, same key */

  /* A CN that is not uuid:<uuid> is reported, not refused. */
  size_t n =
      make_csr(der, sizeof der, "CN=my light,O=Acme", MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_MD_SHA256, 6, false);
  assert_int_equal(ocf_pki_csr_parse(der, n, &a), OCF_OK);
  assert_false(a.has_uuid);

  /* Tampered: the signature, then the subject (signed content). */
  n = make_csr(der, sizeof der, CSR_SUBJECT, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_MD_SHA256, 5, false);
  der[n - 3] ^= 0x01;
  assert_int_equal(ocf_pki_csr_parse(der, n, &a), OCF_ERR_CRYPTO);
  der[n - 3] ^= 0x01;
  uint8_t *cn = NULL;
  for (size_t i = 0; i + 5 <= n && !cn; i++)
    if (!memcmp(der + i, "uuid:", 5)) cn = der + i;
  assert_non_null(cn);
  cn[6] ^= 0x01;
  assert_int_equal(ocf_pki_csr_parse(der, n, &a), OCF_ERR_CRYPTO);
  assert_false(a.has_uuid); /* nothing reported from a refused CSR */

  /* Wrong curve, wrong digest. */
  n = make_csr(der, sizeof der, CSR_SUBJECT, MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_MD_SHA256, 7, false);
  assert_int_equal(ocf_pki_csr_parse(der, n, &a), OCF_ERR_UNSUPPORTED);
  n = make_csr(der, sizeof der, CSR_SUBJECT, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_MD_SHA384, 7, false);
  assert_int_equal(ocf_pki_csr_parse(der, n, &a), OCF_ERR_UNSUPPORTED);

  /* Oversized, garbage, truncated, empty. */
  static uint8_t big[OCF_PKI_CSR_MAX + 1];
  memset(big, 'A', sizeof big);
  assert_int_equal(ocf_pki_csr_parse(big, sizeof big, &a), OCF_ERR_TOO_LARGE);
  assert_int_equal(ocf_pki_csr_parse(big, 100, &a), OCF_ERR_MALFORMED);
  static const char bad_pem[] =
      "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n";
  assert_int_equal(ocf_pki_csr_parse((const uint8_t *)bad_pem, sizeof bad_pem - 1, &a), OCF_ERR_MALFORMED);
  n = make_csr(der, sizeof der, CSR_SUBJECT, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_MD_SHA256, 5, false);
  assert_int_equal(ocf_pki_csr_parse(der, n - 10, &a), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_pki_csr_parse(der, 0, &a), OCF_ERR_INVALID_ARG);
}

/* ---- issuing ---- */

static void issue_identity_from_csr(void **state) {
  fx *f = *state;
  uint8_t der[1024], cert[OCF_PKI_CERT_MAX], serial[OCF_PKI_SERIAL_MAX + 1];
  /* The CSR names another device: the certificate names the one the OBT knows. */
  size_t n = make_csr(der, sizeof der, "CN=uuid:00000000-1111-2222-3333-444444444444",
                      MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_MD_SHA256, 8, false);
  ocf_pki_csr csr;
  assert_int_equal(ocf_pki_csr_parse(der, n, &csr), OCF_OK);
  assert_true(csr.has_uuid);
  assert_memory_not_equal(&csr.uuid, &dev_uuid, sizeof dev_uuid);
  size_t len, serial_len;
  issue(f, csr.pubkey, csr.pubkey_len, NULL, 0, cert, &len, serial, &serial_len);
  assert_int_equal(serial_len, 20);

  ocf_cert_report rep;
  assert_int_equal(check(cert, len, f->ca.cert, f->ca.cert_len, OCF_CERT_KIND_IDENTITY, T_2025, &rep),
                   OCF_OK);
  assert_true(rep.has_uuid);
  assert_memory_equal(&rep.uuid, &dev_uuid, sizeof dev_uuid);
  /* Its validity is the caller's; outside it the profile check fails. */
  assert_int_equal(check(cert, len, f->ca.cert, f->ca.cert_len, OCF_CERT_KIND_IDENTITY, T_2030 + 1, &rep),
                   OCF_ERR_DENIED);
  assert_true(rep.failures & OCF_CERT_F_EXPIRED);
  /* Not a role certificate. */
  assert_int_equal(check(cert, len, f->ca.cert, f->ca.cert_len, OCF_CERT_KIND_ROLE, T_2025, &rep),
                   OCF_ERR_DENIED);
  assert_true(rep.failures & OCF_CERT_F_EKU);
  assert_true(rep.failures & OCF_CERT_F_ROLES);

  mbedtls_x509_crt c;
  mbedtls_x509_crt_init(&c);
  assert_int_equal(mbedtls_x509_crt_parse_der(&c, cert, len), 0);
  assert_int_equal(c.serial.len, serial_len);
  assert_memory_equal(c.serial.p, serial, serial_len);
  assert_true(c.authority_key_id.keyIdentifier.len > 0);
  /* The certified key is the CSR's. */
  uint8_t pub[160]; /* room for the P-384 key below */
  int pn = mbedtls_pk_write_pubkey_der(&c.pk, pub, sizeof pub);
  assert_int_equal(pn, (int)csr.pubkey_len);
  assert_memory_equal(pub + sizeof pub - (size_t)pn, csr.pubkey, csr.pubkey_len);
  mbedtls_x509_crt_free(&c);

  /* notAfter is cut to the CA's; a period entirely after the CA is refused. */
  ocf_pki_leaf l = {.uuid = dev_uuid,
                    .pubkey = csr.pubkey,
                    .pubkey_len = csr.pubkey_len,
                    .not_before = T_2025,
                    .not_after = T_2060};
  assert_int_equal(ocf_pki_issue(&f->ca, &l, &f->rng, cert, sizeof cert, &len, NULL, NULL), OCF_OK);
  ocf_pki_cert_info info;
  assert_int_equal(ocf_pki_cert_info_get(cert, len, &info), OCF_OK);
  assert_int_equal(info.not_after, T_2049);
  assert_false(info.is_ca);
  l.not_before = T_2049 + 1;
  assert_int_equal(ocf_pki_issue(&f->ca, &l, &f->rng, cert, sizeof cert, &len, NULL, NULL),
                   OCF_ERR_INVALID_ARG);
  /* A nil uuid, a P-384 key, a short buffer. */
  l.not_before = T_2025;
  l.uuid = (ocf_uuid){{0}};
  assert_int_equal(ocf_pki_issue(&f->ca, &l, &f->rng, cert, sizeof cert, &len, NULL, NULL),
                   OCF_ERR_INVALID_ARG);
  l.uuid = dev_uuid;
  assert_int_equal(ocf_pki_issue(&f->ca, &l, &f->rng, cert, 100, &len, NULL, NULL), OCF_ERR_NO_SPACE);
  n = make_csr(der, sizeof der, CSR_SUBJECT, MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_MD_SHA256, 9, false);
  mbedtls_x509_csr req;
  mbedtls_x509_csr_init(&req);
  assert_int_equal(mbedtls_x509_csr_parse_der(&req, der, n), 0);
  int kn = mbedtls_pk_write_pubkey_der(&req.pk, pub, sizeof pub);
  assert_true(kn > 0);
  l.pubkey = pub + sizeof pub - (size_t)kn;
  l.pubkey_len = (size_t)kn;
  assert_int_equal(ocf_pki_issue(&f->ca, &l, &f->rng, cert, sizeof cert, &len, NULL, NULL),
                   OCF_ERR_UNSUPPORTED);
  mbedtls_x509_csr_free(&req);
}

static void issue_role(void **state) {
  fx *f = *state;
  uint8_t der[1024], cert[OCF_PKI_CERT_MAX];
  size_t n = make_csr(der, sizeof der, CSR_SUBJECT, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_MD_SHA256, 10, false);
  ocf_pki_csr csr;
  assert_int_equal(ocf_pki_csr_parse(der, n, &csr), OCF_OK);
  const ocf_pki_role roles[2] = {{"oic.role.owner", NULL}, {"admin", "Acme, Inc."}};
  size_t len;
  issue(f, csr.pubkey, csr.pubkey_len, roles, 2, cert, &len, NULL, NULL);
  ocf_cert_report rep;
  assert_int_equal(check(cert, len, f->ca.cert, f->ca.cert_len, OCF_CERT_KIND_ROLE, T_2025, &rep), OCF_OK);
  assert_memory_equal(&rep.uuid, &dev_uuid, sizeof dev_uuid);
  /* The identity profile refuses it: the role OID is in the EKU. */
  assert_int_equal(check(cert, len, f->ca.cert, f->ca.cert_len, OCF_CERT_KIND_IDENTITY, T_2025, &rep),
                   OCF_ERR_DENIED);
  assert_int_equal(rep.failures, OCF_CERT_F_EKU);

  /* The roles, as a relying party reads them: one directoryName each, CN then OU. */
  mbedtls_x509_crt c;
  mbedtls_x509_crt_init(&c);
  assert_int_equal(mbedtls_x509_crt_parse_der(&c, cert, len), 0);
  char seen[2][128];
  size_t k = 0;
  for (const mbedtls_x509_sequence *s = &c.subject_alt_names; s && s->buf.p; s = s->next) {
    mbedtls_x509_subject_alternative_name san;
    assert_int_equal(mbedtls_x509_parse_subject_alt_name(&s->buf, &san), 0);
    assert_int_equal(san.type, MBEDTLS_X509_SAN_DIRECTORY_NAME);
    assert_true(k < 2);
    assert_true(mbedtls_x509_dn_gets(seen[k++], sizeof seen[0], &san.san.directory_name) > 0);
    mbedtls_x509_free_subject_alt_name(&san);
  }
  assert_int_equal(k, 2);
  assert_string_equal(seen[0], "CN=oic.role.owner");
  assert_string_equal(seen[1], "CN=admin, OU=Acme\\, Inc.");
  mbedtls_x509_crt_free(&c);

  /* Bad roles. */
  const ocf_pki_role empty[1] = {{"", NULL}};
  ocf_pki_leaf l = {.uuid = dev_uuid,
                    .pubkey = csr.pubkey,
                    .pubkey_len = csr.pubkey_len,
                    .not_before = T_2025,
                    .not_after = T_2030,
                    .roles = empty,
                    .n_roles = 1};
  assert_int_equal(ocf_pki_issue(&f->ca, &l, &f->rng, cert, sizeof cert, &len, NULL, NULL),
                   OCF_ERR_INVALID_ARG);
  l.roles = roles;
  l.n_roles = OCF_PKI_ROLES_MAX + 1;
  assert_int_equal(ocf_pki_issue(&f->ca, &l, &f->rng, cert, sizeof cert, &len, NULL, NULL),
                   OCF_ERR_INVALID_ARG);
}

static void keypair_for_device_without_csr(void **state) {
  fx *f = *state;
  uint8_t key[OCF_PKI_KEY_MAX], pub[OCF_PKI_PUBKEY_MAX], cert[OCF_PKI_CERT_MAX];
  size_t key_len, pub_len, len;
  assert_int_equal(ocf_pki_keypair_generate(&f->rng, key, sizeof key, &key_len, pub, sizeof pub, &pub_len),
                   OCF_OK);
  issue(f, pub, pub_len, NULL, 0, cert, &len, NULL, NULL);
  assert_int_equal(check(cert, len, f->ca.cert, f->ca.cert_len, OCF_CERT_KIND_IDENTITY, T_2025, NULL),
                   OCF_OK);
  mbedtls_x509_crt c;
  mbedtls_pk_context k;
  mbedtls_x509_crt_init(&c);
  mbedtls_pk_init(&k);
  assert_int_equal(mbedtls_x509_crt_parse_der(&c, cert, len), 0);
  assert_int_equal(mbedtls_pk_parse_key(&k, key, key_len, NULL, 0, mbed_random, &f->s), 0);
  assert_int_equal(mbedtls_pk_check_pair(&c.pk, &k, mbed_random, &f->s), 0);
  mbedtls_pk_free(&k);
  mbedtls_x509_crt_free(&c);
  assert_int_equal(ocf_pki_keypair_generate(&f->rng, key, 10, &key_len, pub, sizeof pub, &pub_len),
                   OCF_ERR_NO_SPACE);
}

/* ---- CRLs ---- */

static void crl_round_trip_and_revocation(void **state) {
  fx *f = *state;
  uint8_t bad[OCF_PKI_CERT_MAX], good[OCF_PKI_CERT_MAX], bad_serial[OCF_PKI_SERIAL_MAX + 1];
  size_t bad_len, good_len, bad_serial_len;
  fresh_leaf(f, bad, &bad_len, bad_serial, &bad_serial_len);
  fresh_leaf(f, good, &good_len, NULL, NULL);
  static const uint8_t old_serial[] = {0x80, 0x01}; /* needs a sign octet */
  ocf_pki_revoked rev[2] = {{bad_serial, bad_serial_len, T_2025}, {old_serial, sizeof old_serial, T_2020}};
  ocf_pki_crl_params p = {
      .number = 7, .this_update = T_2025, .next_update = T_2025 + 90 * 86400, .revoked = rev, .n_revoked = 2};
  uint8_t crl[2048];
  size_t crl_len;
  assert_int_equal(ocf_pki_crl_write(&f->ca, &p, &f->rng, crl, sizeof crl, &crl_len), OCF_OK);

  mbedtls_x509_crl parsed;
  mbedtls_x509_crl_init(&parsed);
  assert_int_equal(mbedtls_x509_crl_parse_der(&parsed, crl, crl_len), 0);
  assert_int_equal(parsed.version, 2);
  assert_int_equal(parsed.MBEDTLS_PRIVATE(sig_md), MBEDTLS_MD_SHA256);
  assert_int_equal(parsed.this_update.year, 2025);
  assert_int_equal(parsed.next_update.mon, 4);
  assert_int_equal(parsed.entry.serial.len, bad_serial_len);
  assert_memory_equal(parsed.entry.serial.p, bad_serial, bad_serial_len);
  assert_int_equal(parsed.entry.revocation_date.year, 2025);
  assert_non_null(parsed.entry.next);
  assert_int_equal(parsed.entry.next->serial.len, 3);
  assert_int_equal(parsed.entry.next->revocation_date.year, 2020);
  /* mbedTLS's own verification applies it: the revoked certificate fails, the other passes. */
  mbedtls_x509_crt ca, leaf;
  mbedtls_x509_crt_init(&ca);
  mbedtls_x509_crt_init(&leaf);
  assert_int_equal(mbedtls_x509_crt_parse_der(&ca, f->ca.cert, f->ca.cert_len), 0);
  assert_int_equal(mbedtls_x509_crt_parse_der(&leaf, bad, bad_len), 0);
  uint32_t flags = 0;
  assert_int_not_equal(mbedtls_x509_crt_verify(&leaf, &ca, &parsed, NULL, &flags, NULL, NULL), 0);
  assert_true(flags & MBEDTLS_X509_BADCERT_REVOKED);
  assert_false(flags & MBEDTLS_X509_BADCRL_NOT_TRUSTED);
  mbedtls_x509_crt_free(&leaf);
  mbedtls_x509_crt_init(&leaf);
  assert_int_equal(mbedtls_x509_crt_parse_der(&leaf, good, good_len), 0);
  flags = 0;
  assert_int_equal(mbedtls_x509_crt_verify(&leaf, &ca, &parsed, NULL, &flags, NULL, NULL), 0);
  mbedtls_x509_crl_free(&parsed);

  /* A CRL whose signature was altered is not trusted by mbedTLS. */
  crl[crl_len - 2] ^= 0x01;
  mbedtls_x509_crl_init(&parsed);
  assert_int_equal(mbedtls_x509_crl_parse_der(&parsed, crl, crl_len), 0);
  flags = 0;
  assert_int_not_equal(mbedtls_x509_crt_verify(&leaf, &ca, &parsed, NULL, &flags, NULL, NULL), 0);
  assert_true(flags & MBEDTLS_X509_BADCRL_NOT_TRUSTED);
  mbedtls_x509_crl_free(&parsed);
  mbedtls_x509_crt_free(&leaf);
  mbedtls_x509_crt_free(&ca);

  /* An empty CRL has no revokedCertificates; PEM output; argument checks. */
  p.n_revoked = 0;
  assert_int_equal(ocf_pki_crl_write(&f->ca, &p, &f->rng, crl, sizeof crl, &crl_len), OCF_OK);
  mbedtls_x509_crl_init(&parsed);
  assert_int_equal(mbedtls_x509_crl_parse_der(&parsed, crl, crl_len), 0);
  assert_int_equal(parsed.entry.serial.len, 0);
  mbedtls_x509_crl_free(&parsed);
  char pem[4096];
  size_t pem_len;
  assert_int_equal(ocf_pki_pem_write("X509 CRL", crl, crl_len, pem, sizeof pem, &pem_len), OCF_OK);
  assert_int_equal(strlen(pem), pem_len);
  assert_non_null(strstr(pem, "-----BEGIN X509 CRL-----\n"));
  mbedtls_x509_crl_init(&parsed);
  assert_int_equal(mbedtls_x509_crl_parse(&parsed, (const uint8_t *)pem, pem_len + 1), 0);
  mbedtls_x509_crl_free(&parsed);
  assert_int_equal(ocf_pki_pem_write("X509 CRL", crl, crl_len, pem, 20, &pem_len), OCF_ERR_NO_SPACE);
  assert_int_equal(ocf_pki_crl_write(&f->ca, &p, &f->rng, crl, 50, &crl_len), OCF_ERR_NO_SPACE);
  p.next_update = p.this_update;
  assert_int_equal(ocf_pki_crl_write(&f->ca, &p, &f->rng, crl, sizeof crl, &crl_len), OCF_ERR_INVALID_ARG);
}

/* ---- the openssl command as an independent reader ---- */

static bool write_file(const char *dir, const char *name, const void *data, size_t len) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *fp = fopen(path, "wb");
  if (!fp) return false;
  bool ok = fwrite(data, 1, len, fp) == len;
  return fclose(fp) == 0 && ok;
}

static void write_pem(const char *dir, const char *name, const char *label, const uint8_t *der, size_t len) {
  char pem[4096];
  size_t n;
  assert_int_equal(ocf_pki_pem_write(label, der, len, pem, sizeof pem, &n), OCF_OK);
  assert_true(write_file(dir, name, pem, n));
}

static int sh(const char *dir, const char *cmd) {
  char line[1024];
  snprintf(line, sizeof line, "cd '%s' && %s >>openssl.log 2>&1", dir, cmd);
  return system(line);
}

static void openssl_reads_them(void **state) {
  fx *f = *state;
  if (system("openssl version >/dev/null 2>&1") != 0) {
    skip(); /* not installed: the mbedTLS checks above stand alone */
  }
  char dir[] = "/tmp/test_pki_ca.XXXXXX";
  assert_non_null(mkdtemp(dir));
  uint8_t bad[OCF_PKI_CERT_MAX], good[OCF_PKI_CERT_MAX], role[OCF_PKI_CERT_MAX],
      serial[OCF_PKI_SERIAL_MAX + 1];
  size_t bad_len, good_len, role_len, serial_len;
  fresh_leaf(f, bad, &bad_len, serial, &serial_len);
  fresh_leaf(f, good, &good_len, NULL, NULL);
  uint8_t key[OCF_PKI_KEY_MAX], pub[OCF_PKI_PUBKEY_MAX];
  size_t key_len, pub_len;
  assert_int_equal(ocf_pki_keypair_generate(&f->rng, key, sizeof key, &key_len, pub, sizeof pub, &pub_len),
                   OCF_OK);
  const ocf_pki_role roles[1] = {{"oic.role.light", "Acme"}};
  issue(f, pub, pub_len, roles, 1, role, &role_len, NULL, NULL);
  ocf_pki_revoked rev[1] = {{serial, serial_len, T_2025}};
  ocf_pki_crl_params p = {
      .number = 1, .this_update = T_2025 - 3600, .next_update = T_2049, .revoked = rev, .n_revoked = 1};
  uint8_t crl[2048];
  size_t crl_len;
  assert_int_equal(ocf_pki_crl_write(&f->ca, &p, &f->rng, crl, sizeof crl, &crl_len), OCF_OK);
  write_pem(dir, "root.pem", "CERTIFICATE", f->ca.cert, f->ca.cert_len);
  write_pem(dir, "bad.pem", "CERTIFICATE", bad, bad_len);
  write_pem(dir, "good.pem", "CERTIFICATE", good, good_len);
  write_pem(dir, "role.pem", "CERTIFICATE", role, role_len);
  write_pem(dir, "crl.pem", "X509 CRL", crl, crl_len);
  assert_true(write_file(dir, "crl.der", crl, crl_len));

  assert_int_equal(sh(dir, "openssl x509 -in root.pem -noout -text"), 0);
  assert_int_equal(
      sh(dir, "openssl x509 -in role.pem -noout -text | grep -q 'DirName:/CN=oic.role.light/OU=Acme'"), 0);
  assert_int_equal(sh(dir, "openssl x509 -in good.pem -noout -text | grep -q '1.3.6.1.4.1.44924.1.6'"), 0);
  assert_int_equal(sh(dir, "openssl crl -inform DER -in crl.der -noout -text | grep -q 'X509v3 CRL Number'"),
                   0);
  assert_int_equal(sh(dir, "openssl crl -in crl.pem -noout -CAfile root.pem"), 0); /* signature */
  const char *verify = "openssl verify -x509_strict -attime 1735689600 -CAfile root.pem";
  char cmd[512];
  snprintf(cmd, sizeof cmd, "%s good.pem bad.pem role.pem", verify);
  assert_int_equal(sh(dir, cmd), 0);
  snprintf(cmd, sizeof cmd, "%s -crl_check -CRLfile crl.pem good.pem", verify);
  assert_int_equal(sh(dir, cmd), 0);
  snprintf(cmd, sizeof cmd, "%s -crl_check -CRLfile crl.pem bad.pem", verify);
  assert_int_not_equal(sh(dir, cmd), 0);
  snprintf(cmd, sizeof cmd, "%s -crl_check -CRLfile crl.pem bad.pem 2>&1 | grep -q 'certificate revoked'",
           verify);
  assert_int_equal(sh(dir, cmd), 0);
  char rm[256];
  snprintf(rm, sizeof rm, "rm -rf '%s'", dir);
  assert_int_equal(system(rm), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(root_fields, setup, teardown),
      cmocka_unit_test(root_deterministic_and_args),
      cmocka_unit_test_setup_teardown(import_ca, setup, teardown),
      cmocka_unit_test(csr_parse),
      cmocka_unit_test_setup_teardown(issue_identity_from_csr, setup, teardown),
      cmocka_unit_test_setup_teardown(issue_role, setup, teardown),
      cmocka_unit_test_setup_teardown(keypair_for_device_without_csr, setup, teardown),
      cmocka_unit_test_setup_teardown(crl_round_trip_and_revocation, setup, teardown),
      cmocka_unit_test_setup_teardown(openssl_reads_them, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
