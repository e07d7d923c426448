#include "dtls_certs.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>
#include <stdint.h>

#include "sim/sim.h"

static int seeded_random(void *p, unsigned char *out, size_t len) {
  uint64_t *state = p;
  for (size_t i = 0; i < len; i += 8) {
    uint64_t r = ocf_sim_rand64(state);
    size_t n = len - i < 8 ? len - i : 8;
    memcpy(out + i, &r, n);
  }
  return 0;
}

/* mbedTLS's DER writers fill the end of the buffer; move the result to the front. */
static size_t to_front(uint8_t *buf, size_t cap, int written) {
  assert_true(written > 0 && (size_t)written <= cap);
  memmove(buf, buf + cap - (size_t)written, (size_t)written);
  return (size_t)written;
}

static void make_key_on(mbedtls_pk_context *pk, uint64_t *rng, mbedtls_ecp_group_id grp) {
  mbedtls_pk_init(pk);
  assert_int_equal(mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
  assert_int_equal(mbedtls_ecp_gen_key(grp, mbedtls_pk_ec(*pk), seeded_random, rng), 0);
}

static void make_key(mbedtls_pk_context *pk, uint64_t *rng) {
  make_key_on(pk, rng, MBEDTLS_ECP_DP_SECP256R1);
}

static void load_key(mbedtls_pk_context *pk, const test_cred *c, uint64_t *rng) {
  mbedtls_pk_init(pk);
  assert_int_equal(mbedtls_pk_parse_key(pk, c->key, c->key_len, NULL, 0, seeded_random, rng), 0);
}

static void add_eku(mbedtls_x509write_cert *crt, unsigned eku) {
  static const struct {
    unsigned bit;
    const char *oid;
    size_t len;
  } oids[] = {
      {TEST_EKU_SERVER, MBEDTLS_OID_SERVER_AUTH, sizeof MBEDTLS_OID_SERVER_AUTH - 1},
      {TEST_EKU_CLIENT, MBEDTLS_OID_CLIENT_AUTH, sizeof MBEDTLS_OID_CLIENT_AUTH - 1},
      {TEST_EKU_OCF_IDENTITY, "\x2B\x06\x01\x04\x01\x82\xDE\x7C\x01\x06", 10},
      {TEST_EKU_OCF_ROLE, "\x2B\x06\x01\x04\x01\x82\xDE\x7C\x01\x07", 10},
      {TEST_EKU_ANY, MBEDTLS_OID_ANY_EXTENDED_KEY_USAGE, sizeof MBEDTLS_OID_ANY_EXTENDED_KEY_USAGE - 1},
  };
  mbedtls_asn1_sequence seq[5], *head = NULL;
  size_t n = 0;
  memset(seq, 0, sizeof seq);
  for (size_t i = 0; i < 5; i++) {
    if (!(eku & oids[i].bit)) continue;
    seq[n].buf.tag = MBEDTLS_ASN1_OID;
    seq[n].buf.p = (unsigned char *)(uintptr_t)oids[i].oid;
    seq[n].buf.len = oids[i].len;
    if (n)
      seq[n - 1].next = &seq[n];
    else
      head = &seq[n];
    n++;
  }
  if (head) assert_int_equal(mbedtls_x509write_crt_set_ext_key_usage(crt, head), 0);
}

static void write_cert(test_cred *out, mbedtls_pk_context *subject_key, mbedtls_pk_context *issuer_key,
                       const char *issuer, const test_cert_opts *o, uint64_t *rng) {
  mbedtls_x509write_cert crt;
  mbedtls_x509write_crt_init(&crt);
  uint8_t serial[8];
  seeded_random(rng, serial, sizeof serial);
  serial[0] &= 0x7f; /* positive */
  mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
  mbedtls_x509write_crt_set_md_alg(&crt, o->md ? (mbedtls_md_type_t)o->md : MBEDTLS_MD_SHA256);
  mbedtls_x509write_crt_set_subject_key(&crt, subject_key);
  mbedtls_x509write_crt_set_issuer_key(&crt, issuer_key);
  assert_int_equal(mbedtls_x509write_crt_set_subject_name(&crt, out->subject), 0);
  assert_int_equal(mbedtls_x509write_crt_set_issuer_name(&crt, issuer), 0);
  assert_int_equal(mbedtls_x509write_crt_set_serial_raw(&crt, serial, sizeof serial), 0);
  assert_int_equal(mbedtls_x509write_crt_set_validity(&crt, o->not_before ? o->not_before : "20200101000000",
                                                      o->not_after ? o->not_after : "20491231235959"),
                   0);
  assert_int_equal(
      mbedtls_x509write_crt_set_basic_constraints(&crt, o->is_ca, o->is_ca ? o->max_pathlen : -1), 0);
  unsigned int usage = o->key_usage ? o->key_usage
                       : o->is_ca   ? MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN
                                    : MBEDTLS_X509_KU_DIGITAL_SIGNATURE | MBEDTLS_X509_KU_KEY_AGREEMENT;
  assert_int_equal(mbedtls_x509write_crt_set_key_usage(&crt, usage), 0);
  add_eku(&crt, o->eku);
  int n = mbedtls_x509write_crt_der(&crt, out->cert, sizeof out->cert, seeded_random, rng);
  out->cert_len = to_front(out->cert, sizeof out->cert, n);
  mbedtls_x509write_crt_free(&crt);
}

static void store_key(test_cred *out, mbedtls_pk_context *pk) {
  int n = mbedtls_pk_write_key_der(pk, out->key, sizeof out->key);
  out->key_len = to_front(out->key, sizeof out->key, n);
}

void test_make_ca(test_cred *ca, const char *cn, uint64_t seed) {
  uint64_t rng = seed ? seed : 1;
  memset(ca, 0, sizeof *ca);
  snprintf(ca->subject, sizeof ca->subject, "CN=%s", cn);
  mbedtls_pk_context key;
  make_key(&key, &rng);
  test_cert_opts o = {.is_ca = true, .max_pathlen = 1};
  write_cert(ca, &key, &key, ca->subject, &o, &rng);
  store_key(ca, &key);
  mbedtls_pk_free(&key);
}

void test_make_leaf(test_cred *leaf, const test_cred *ca, const char *cn, uint64_t seed) {
  uint64_t rng = seed ? seed : 1;
  memset(leaf, 0, sizeof *leaf);
  snprintf(leaf->subject, sizeof leaf->subject, "CN=%s", cn);
  mbedtls_pk_context key, ca_key;
  make_key(&key, &rng);
  load_key(&ca_key, ca, &rng);
  test_cert_opts o = {.is_ca = false};
  write_cert(leaf, &key, &ca_key, ca->subject, &o, &rng);
  store_key(leaf, &key);
  mbedtls_pk_free(&key);
  mbedtls_pk_free(&ca_key);
}

void test_make_cert(test_cred *out, const test_cred *issuer, const char *cn, const test_cert_opts *o,
                    uint64_t seed) {
  uint64_t rng = seed ? seed : 1;
  memset(out, 0, sizeof *out);
  snprintf(out->subject, sizeof out->subject, "CN=%s", cn);
  mbedtls_pk_context key, issuer_key;
  make_key_on(&key, &rng, o->p384 ? MBEDTLS_ECP_DP_SECP384R1 : MBEDTLS_ECP_DP_SECP256R1);
  if (issuer) load_key(&issuer_key, issuer, &rng);
  write_cert(out, &key, issuer ? &issuer_key : &key, issuer ? issuer->subject : out->subject, o, &rng);
  store_key(out, &key);
  mbedtls_pk_free(&key);
  if (issuer) mbedtls_pk_free(&issuer_key);
}

ocf_bytes test_cert_bytes(const test_cred *c) { return (ocf_bytes){c->cert, c->cert_len}; }
ocf_bytes test_key_bytes(const test_cred *c) { return (ocf_bytes){c->key, c->key_len}; }
