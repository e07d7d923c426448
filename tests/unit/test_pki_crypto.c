/* Unit tests of src/pki/crypto.h: known-answer vectors for SHA-256 (FIPS 180-4), HMAC-SHA-256
 * (RFC 4231), PBKDF2-HMAC-SHA-256 (RFC 7914 11) and AES-128-GCM (the GCM specification's test
 * cases 2 and 4), in-place AEAD, and refusal of every altered input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "pki/crypto.h"

/* Parses lower-case hex into out; returns the byte count. */
static size_t unhex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = strlen(hex) / 2;
  assert_true(n <= cap);
  for (size_t i = 0; i < n; i++) {
    unsigned v = 0;
    for (int k = 0; k < 2; k++) {
      char c = hex[2 * i + (size_t)k];
      v = v << 4 | (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    out[i] = (uint8_t)v;
  }
  return n;
}

static void assert_hex(const uint8_t *got, size_t len, const char *hex) {
  uint8_t want[128];
  assert_int_equal(unhex(hex, want, sizeof want), len);
  assert_memory_equal(got, want, len);
}

static void test_sha256_matches_fips_180_vectors(void **state) {
  (void)state;
  uint8_t out[OCF_SHA256_LEN];
  assert_int_equal(ocf_crypto_sha256((const uint8_t *)"abc", 3, out), OCF_OK);
  assert_hex(out, sizeof out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert_int_equal(ocf_crypto_sha256(NULL, 0, out), OCF_OK);
  assert_hex(out, sizeof out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert_int_equal(ocf_crypto_sha256(NULL, 1, out), OCF_ERR_INVALID_ARG);
}

static void test_hmac_sha256_matches_rfc4231_case_2(void **state) {
  (void)state;
  const char *data = "what do ya want for nothing?";
  uint8_t out[OCF_SHA256_LEN];
  assert_int_equal(
      ocf_crypto_hmac_sha256((const uint8_t *)"Jefe", 4, (const uint8_t *)data, strlen(data), out), OCF_OK);
  assert_hex(out, sizeof out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/* RFC 7914 11: the PBKDF2-HMAC-SHA256 test vectors. */
static void test_pbkdf2_sha256_matches_rfc7914_vectors(void **state) {
  (void)state;
  uint8_t out[64];
  assert_int_equal(
      ocf_crypto_pbkdf2_sha256((const uint8_t *)"passwd", 6, (const uint8_t *)"salt", 4, 1, out, sizeof out),
      OCF_OK);
  assert_hex(out, sizeof out,
             "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
             "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
  assert_int_equal(ocf_crypto_pbkdf2_sha256((const uint8_t *)"Password", 8, (const uint8_t *)"NaCl", 4, 80000,
                                            out, sizeof out),
                   OCF_OK);
  assert_hex(out, sizeof out,
             "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
             "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d");
}

static void test_pbkdf2_sha256_rejects_bad_arguments(void **state) {
  (void)state;
  uint8_t out[32];
  const uint8_t *pw = (const uint8_t *)"pw";
  assert_int_equal(ocf_crypto_pbkdf2_sha256(pw, 2, pw, 2, 0, out, sizeof out), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_crypto_pbkdf2_sha256(pw, 2, pw, 2, 1, out, 0), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_crypto_pbkdf2_sha256(NULL, 2, pw, 2, 1, out, sizeof out), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_crypto_pbkdf2_sha256(pw, 2, NULL, 2, 1, out, sizeof out), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_crypto_pbkdf2_sha256(pw, 2, pw, 2, 1, NULL, sizeof out), OCF_ERR_INVALID_ARG);
}

static void test_aes128gcm_seals_in_place_as_gcm_test_case_2(void **state) {
  (void)state;
  uint8_t key[16] = {0}, nonce[12] = {0}, data[16] = {0}, tag[OCF_AEAD_TAG_LEN];
  ocf_aead_params p = {.alg = OCF_AEAD_AES_128_GCM, .key = key, .nonce = nonce};
  assert_int_equal(ocf_crypto_aead_seal(&p, data, sizeof data, tag), OCF_OK);
  assert_hex(data, sizeof data, "0388dace60b6a392f328c2b971b2fe78");
  assert_hex(tag, sizeof tag, "ab6e47d42cec13bdf53a67b21257bddf");
  assert_int_equal(ocf_crypto_aead_open(&p, data, sizeof data, tag), OCF_OK);
  const uint8_t zero[16] = {0};
  assert_memory_equal(data, zero, sizeof zero);
}

typedef struct gcm_case_4 {
  uint8_t key[16], nonce[12], aad[20], data[60], tag[16];
} gcm_case_4;

static void load_gcm_case_4(gcm_case_4 *c) {
  unhex("feffe9928665731c6d6a8f9467308308", c->key, sizeof c->key);
  unhex("cafebabefacedbaddecaf888", c->nonce, sizeof c->nonce);
  unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", c->aad, sizeof c->aad);
  unhex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16a"
        "edf5"
        "aa0de657ba637b39",
        c->data, sizeof c->data);
}

static void test_aes128gcm_with_aad_matches_gcm_test_case_4(void **state) {
  (void)state;
  gcm_case_4 c;
  load_gcm_case_4(&c);
  ocf_aead_params p = {
      .alg = OCF_AEAD_AES_128_GCM, .key = c.key, .nonce = c.nonce, .aad = c.aad, .aad_len = sizeof c.aad};
  assert_int_equal(ocf_crypto_aead_seal(&p, c.data, sizeof c.data, c.tag), OCF_OK);
  assert_hex(
      c.data, sizeof c.data,
      "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b"
      "396a0aac973d58e091");
  assert_hex(c.tag, sizeof c.tag, "5bc94fbc3221a5db94fae95ae7121a47");
  gcm_case_4 plain;
  load_gcm_case_4(&plain);
  assert_int_equal(ocf_crypto_aead_open(&p, c.data, sizeof c.data, c.tag), OCF_OK);
  assert_memory_equal(c.data, plain.data, sizeof c.data);
}

/* Every single-bit change of key, nonce, aad, ciphertext or tag fails, and leaves zeros. */
static void test_aead_open_refuses_any_flipped_bit_and_wipes(void **state) {
  (void)state;
  gcm_case_4 ref;
  load_gcm_case_4(&ref);
  ocf_aead_params p = {.alg = OCF_AEAD_AES_128_GCM,
                       .key = ref.key,
                       .nonce = ref.nonce,
                       .aad = ref.aad,
                       .aad_len = sizeof ref.aad};
  assert_int_equal(ocf_crypto_aead_seal(&p, ref.data, sizeof ref.data, ref.tag), OCF_OK);
  for (size_t bit = 0; bit < sizeof(gcm_case_4) * 8; bit++) {
    gcm_case_4 c = ref;
    ((uint8_t *)&c)[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    ocf_aead_params q = {
        .alg = OCF_AEAD_AES_128_GCM, .key = c.key, .nonce = c.nonce, .aad = c.aad, .aad_len = sizeof c.aad};
    assert_int_equal(ocf_crypto_aead_open(&q, c.data, sizeof c.data, c.tag), OCF_ERR_CRYPTO);
    const uint8_t zero[sizeof c.data] = {0};
    assert_memory_equal(c.data, zero, sizeof zero);
  }
}

static void test_aead_rejects_bad_arguments(void **state) {
  (void)state;
  uint8_t key[16] = {0}, nonce[12] = {0}, data[4] = {0}, tag[16];
  ocf_aead_params p = {.alg = (ocf_aead_alg)7, .key = key, .nonce = nonce};
  assert_int_equal(ocf_crypto_aead_seal(&p, data, sizeof data, tag), OCF_ERR_INVALID_ARG);
  p.alg = OCF_AEAD_AES_128_GCM;
  p.aad_len = 3; /* aad NULL */
  assert_int_equal(ocf_crypto_aead_seal(&p, data, sizeof data, tag), OCF_ERR_INVALID_ARG);
  p.aad_len = 0;
  p.key = NULL;
  assert_int_equal(ocf_crypto_aead_open(&p, data, sizeof data, tag), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_crypto_aead_seal(NULL, data, sizeof data, tag), OCF_ERR_INVALID_ARG);
}

static void test_equal_compares_every_byte(void **state) {
  (void)state;
  uint8_t a[32], b[32];
  for (size_t i = 0; i < sizeof a; i++) a[i] = b[i] = (uint8_t)i;
  assert_true(ocf_crypto_equal(a, b, sizeof a));
  for (size_t i = 0; i < sizeof a; i++) {
    b[i] ^= 0x80;
    assert_false(ocf_crypto_equal(a, b, sizeof a));
    b[i] ^= 0x80;
  }
  ocf_crypto_wipe(a, sizeof a);
  const uint8_t zero[32] = {0};
  assert_memory_equal(a, zero, sizeof zero);
  ocf_crypto_wipe(NULL, 5);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sha256_matches_fips_180_vectors),
      cmocka_unit_test(test_hmac_sha256_matches_rfc4231_case_2),
      cmocka_unit_test(test_pbkdf2_sha256_matches_rfc7914_vectors),
      cmocka_unit_test(test_pbkdf2_sha256_rejects_bad_arguments),
      cmocka_unit_test(test_aes128gcm_seals_in_place_as_gcm_test_case_2),
      cmocka_unit_test(test_aes128gcm_with_aad_matches_gcm_test_case_4),
      cmocka_unit_test(test_aead_open_refuses_any_flipped_bit_and_wipes),
      cmocka_unit_test(test_aead_rejects_bad_arguments),
      cmocka_unit_test(test_equal_compares_every_byte),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
