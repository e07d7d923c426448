/* Unit tests of src/store/record.c and journal.c: round trips in the three protection modes,
 * every single-bit flip and every truncation of a record refused, wrong keys, swapped names,
 * downgrades, generations, and the journal codec's refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "store/journal.h"
#include "store/record.h"

#define REC_CAP 1024

static const uint8_t k_storage_key[OCF_STORE_KEY_LEN] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20};
static const uint8_t k_other_key[OCF_STORE_KEY_LEN] = {0xee};
static const uint8_t k_nonce[OCF_AEAD_NONCE_LEN] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
                                                    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab};
static const ocf_store_protection k_modes[] = {OCF_STORE_DIGEST, OCF_STORE_MAC, OCF_STORE_ENCRYPT};

static ocf_record_keys keys_for(ocf_store_protection mode, const uint8_t *storage_key) {
  ocf_record_keys k;
  assert_int_equal(ocf_record_keys_derive(mode, storage_key, &k), OCF_OK);
  return k;
}

/* Seals payload as the record of name into rec; returns its length. */
static size_t seal(const ocf_record_keys *k, const char *name, uint64_t gen, const void *payload, size_t len,
                   uint8_t rec[REC_CAP]) {
  memcpy(rec + ocf_record_payload_offset(strlen(name)), payload, len);
  size_t rec_len = 0;
  assert_int_equal(ocf_record_seal(k, name, gen, k_nonce, rec, REC_CAP, len, &rec_len), OCF_OK);
  assert_int_equal(rec_len, ocf_record_size(k->protection, strlen(name), len));
  return rec_len;
}

static const char k_payload[] = "{\"owned\":true,\"devowneruuid\":\"secret-owner\"}";

static void test_round_trip_in_every_mode(void **state) {
  (void)state;
  for (size_t m = 0; m < 3; m++) {
    ocf_record_keys k = keys_for(k_modes[m], k_storage_key);
    uint8_t rec[REC_CAP];
    size_t len = seal(&k, "doxm", 7, k_payload, sizeof k_payload, rec);
    ocf_record_view v;
    assert_int_equal(ocf_record_open(&k, "doxm", rec, len, &v), OCF_OK);
    assert_int_equal(v.gen, 7);
    assert_int_equal(v.len, sizeof k_payload);
    assert_memory_equal(v.payload, k_payload, sizeof k_payload);
  }
}

static void test_empty_payload_round_trips(void **state) {
  (void)state;
  for (size_t m = 0; m < 3; m++) {
    ocf_record_keys k = keys_for(k_modes[m], k_storage_key);
    uint8_t rec[REC_CAP];
    size_t len = seal(&k, "sp", 1, "", 0, rec);
    ocf_record_view v;
    assert_int_equal(ocf_record_open(&k, "sp", rec, len, &v), OCF_OK);
    assert_int_equal(v.len, 0);
  }
}

static bool contains(const uint8_t *hay, size_t len, const void *needle, size_t n) {
  for (size_t i = 0; i + n <= len; i++)
    if (memcmp(hay + i, needle, n) == 0) return true;
  return false;
}

static void test_encrypted_record_hides_the_payload(void **state) {
  (void)state;
  ocf_record_keys k = keys_for(OCF_STORE_ENCRYPT, k_storage_key);
  uint8_t rec[REC_CAP];
  size_t len = seal(&k, "cred", 1, k_payload, sizeof k_payload, rec);
  assert_false(contains(rec, len, "secret", 6));
  assert_false(contains(rec, len, "owned", 5));
  ocf_record_keys mac = keys_for(OCF_STORE_MAC, k_storage_key);
  len = seal(&mac, "cred", 1, k_payload, sizeof k_payload, rec);
  assert_true(contains(rec, len, "secret", 6)); /* MAC mode: readable, only authenticated */
}

static void test_header_layout_is_as_documented(void **state) {
  (void)state;
  ocf_record_keys k = keys_for(OCF_STORE_ENCRYPT, k_storage_key);
  uint8_t rec[REC_CAP];
  size_t len = seal(&k, "pstat", 0x0102030405060708ull, "abc", 3, rec);
  assert_int_equal(len, 36 + 5 + 3 + 16);
  assert_memory_equal(rec, "OCFR\x01\x03\x05\x00", 8);
  assert_memory_equal(rec + 8, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
  assert_memory_equal(rec + 16, "\x00\x00\x00\x03", 4);
  assert_int_equal((uint32_t)rec[20] << 24 | (uint32_t)rec[21] << 16 | (uint32_t)rec[22] << 8 | rec[23],
                   k.key_id);
  assert_memory_equal(rec + 24, k_nonce, sizeof k_nonce);
  assert_memory_equal(rec + 36, "pstat", 5);
}

static bool in_key_id(size_t byte) { return byte >= 20 && byte < 24; }

/* Flips every bit of a record, one at a time: each one is refused, as MALFORMED except in the
 * key id (CRYPTO: "another key"), and no flip is ever accepted. */
static void test_every_single_bit_flip_is_refused(void **state) {
  (void)state;
  for (size_t m = 0; m < 3; m++) {
    ocf_record_keys k = keys_for(k_modes[m], k_storage_key);
    uint8_t ref[REC_CAP];
    size_t len = seal(&k, "acl2", 3, k_payload, sizeof k_payload, ref);
    for (size_t bit = 0; bit < len * 8; bit++) {
      uint8_t rec[REC_CAP];
      memcpy(rec, ref, len);
      rec[bit / 8] ^= (uint8_t)(1u << (bit % 8));
      ocf_record_view v;
      ocf_err err = ocf_record_open(&k, "acl2", rec, len, &v);
      bool key_id_bit = in_key_id(bit / 8) && k_modes[m] != OCF_STORE_DIGEST;
      assert_int_equal(err, key_id_bit ? OCF_ERR_CRYPTO : OCF_ERR_MALFORMED);
      if (k_modes[m] == OCF_STORE_ENCRYPT) assert_false(contains(rec, len, "secret", 6));
    }
  }
}

static void test_every_truncation_and_extension_is_refused(void **state) {
  (void)state;
  for (size_t m = 0; m < 3; m++) {
    ocf_record_keys k = keys_for(k_modes[m], k_storage_key);
    uint8_t ref[REC_CAP];
    size_t len = seal(&k, "cred", 9, k_payload, sizeof k_payload, ref);
    for (size_t cut = 0; cut < len; cut++) {
      uint8_t rec[REC_CAP];
      memcpy(rec, ref, len);
      ocf_record_view v;
      assert_int_equal(ocf_record_open(&k, "cred", rec, cut, &v), OCF_ERR_MALFORMED);
    }
    uint8_t rec[REC_CAP];
    memcpy(rec, ref, len);
    rec[len] = 0;
    ocf_record_view v;
    assert_int_equal(ocf_record_open(&k, "cred", rec, len + 1, &v), OCF_ERR_MALFORMED);
  }
}

static void test_wrong_key_is_reported_as_crypto(void **state) {
  (void)state;
  for (size_t m = 1; m < 3; m++) {
    ocf_record_keys k = keys_for(k_modes[m], k_storage_key);
    ocf_record_keys other = keys_for(k_modes[m], k_other_key);
    assert_int_not_equal(k.key_id, other.key_id);
    uint8_t rec[REC_CAP];
    size_t len = seal(&k, "doxm", 1, k_payload, sizeof k_payload, rec);
    ocf_record_view v;
    assert_int_equal(ocf_record_open(&other, "doxm", rec, len, &v), OCF_ERR_CRYPTO);
  }
}

/* A forger who copies the right key id into a record sealed under another key still fails the
 * tag (the key id is a diagnosis, not the check). */
static void test_wrong_key_with_forged_key_id_fails_the_tag(void **state) {
  (void)state;
  for (size_t m = 1; m < 3; m++) {
    ocf_record_keys k = keys_for(k_modes[m], k_storage_key);
    ocf_record_keys other = keys_for(k_modes[m], k_other_key);
    uint8_t rec[REC_CAP];
    size_t len = seal(&other, "doxm", 1, k_payload, sizeof k_payload, rec);
    rec[20] = (uint8_t)(k.key_id >> 24);
    rec[21] = (uint8_t)(k.key_id >> 16);
    rec[22] = (uint8_t)(k.key_id >> 8);
    rec[23] = (uint8_t)k.key_id;
    ocf_record_view v;
    assert_int_equal(ocf_record_open(&k, "doxm", rec, len, &v), OCF_ERR_MALFORMED);
  }
}

static void test_record_of_another_blob_is_refused(void **state) {
  (void)state;
  for (size_t m = 0; m < 3; m++) {
    ocf_record_keys k = keys_for(k_modes[m], k_storage_key);
    uint8_t rec[REC_CAP];
    size_t len = seal(&k, "pstat", 1, k_payload, sizeof k_payload, rec);
    ocf_record_view v;
    assert_int_equal(ocf_record_open(&k, "doxm", rec, len, &v), OCF_ERR_MALFORMED);
    assert_int_equal(ocf_record_open(&k, "pstat2", rec, len, &v), OCF_ERR_MALFORMED);
  }
}

/* A digest-only record (anyone can compute it) is refused where a MAC or AEAD is expected, and
 * every other pairing of modes is refused too. */
static void test_other_protection_mode_is_refused(void **state) {
  (void)state;
  for (size_t a = 0; a < 3; a++)
    for (size_t b = 0; b < 3; b++) {
      if (a == b) continue;
      ocf_record_keys ka = keys_for(k_modes[a], k_storage_key), kb = keys_for(k_modes[b], k_storage_key);
      uint8_t rec[REC_CAP];
      size_t len = seal(&ka, "doxm", 1, k_payload, sizeof k_payload, rec);
      ocf_record_view v;
      assert_int_equal(ocf_record_open(&kb, "doxm", rec, len, &v), OCF_ERR_MALFORMED);
    }
}

static void test_generations_round_trip_in_order(void **state) {
  (void)state;
  ocf_record_keys k = keys_for(OCF_STORE_MAC, k_storage_key);
  const uint64_t gens[] = {1, 2, 3, 255, 256, 0xffffffffull, 0x100000000ull, UINT64_MAX};
  uint64_t prev = 0;
  for (size_t i = 0; i < sizeof gens / sizeof gens[0]; i++) {
    uint8_t rec[REC_CAP];
    size_t len = seal(&k, "sdi", gens[i], "x", 1, rec);
    ocf_record_view v;
    assert_int_equal(ocf_record_open(&k, "sdi", rec, len, &v), OCF_OK);
    assert_int_equal(v.gen, gens[i]);
    assert_true(v.gen > prev);
    prev = v.gen;
  }
}

static void test_seal_refuses_bad_input(void **state) {
  (void)state;
  ocf_record_keys k = keys_for(OCF_STORE_ENCRYPT, k_storage_key);
  uint8_t rec[REC_CAP];
  size_t len = 0;
  assert_int_equal(ocf_record_seal(&k, "doxm", 0, k_nonce, rec, REC_CAP, 1, &len), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_record_seal(&k, "doxm", 1, NULL, rec, REC_CAP, 1, &len), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_record_seal(&k, "Doxm", 1, k_nonce, rec, REC_CAP, 1, &len), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_record_seal(&k, "", 1, k_nonce, rec, REC_CAP, 1, &len), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_record_seal(&k, "a.tmp", 1, k_nonce, rec, REC_CAP, 1, &len), OCF_ERR_INVALID_ARG);
  assert_int_equal(
      ocf_record_seal(&k, "abcdefghijklmnopqrstuvwxyz0123456", 1, k_nonce, rec, REC_CAP, 1, &len),
      OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_record_seal(&k, "doxm", 1, k_nonce, rec, 36 + 4 + 10 + 15, 10, &len),
                   OCF_ERR_NO_SPACE);
  assert_int_equal(ocf_record_seal(&k, "doxm", 1, k_nonce, rec, REC_CAP, OCF_RECORD_PAYLOAD_MAX + 1, &len),
                   OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_record_keys_derive(OCF_STORE_MAC, NULL, &k), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_record_keys_derive((ocf_store_protection)9, k_storage_key, &k), OCF_ERR_INVALID_ARG);
}

static void test_name_rules(void **state) {
  (void)state;
  assert_true(ocf_store_name_valid("doxm"));
  assert_true(ocf_store_name_valid("acl2"));
  assert_true(ocf_store_name_valid("device-identity_2"));
  assert_true(ocf_store_name_valid("abcdefghijklmnopqrstuvwxyz012345")); /* 32 */
  assert_false(ocf_store_name_valid("abcdefghijklmnopqrstuvwxyz0123456"));
  assert_false(ocf_store_name_valid(""));
  assert_false(ocf_store_name_valid(NULL));
  assert_false(ocf_store_name_valid("_journal")); /* the store's own */
  assert_false(ocf_store_name_valid("-x"));
  assert_false(ocf_store_name_valid("Doxm"));
  assert_false(ocf_store_name_valid("a/b"));
  assert_false(ocf_store_name_valid(".."));
  assert_false(ocf_store_name_valid("doxm.tmp"));
  assert_true(ocf_record_name_valid("_journal", 8));
}

/* --- journal -------------------------------------------------------------------------------- */

static const ocf_store_change k_batch[] = {
    {.name = "pstat", .data = (const uint8_t *)"P2", .len = 2},
    {.name = "doxm", .data = (const uint8_t *)"D2xx", .len = 4},
    {.name = "acl2", .remove = true},
    {.name = "sp", .data = NULL, .len = 0},
};
static const uint64_t k_gens[] = {5, 9, 0, 1};

static size_t encode_batch(uint8_t *out, size_t cap) {
  size_t len = 0;
  assert_int_equal(ocf_journal_encode(k_batch, k_gens, 4, out, cap, &len), OCF_OK);
  assert_int_equal(len, ocf_journal_size(k_batch, 4));
  return len;
}

static void test_journal_round_trip(void **state) {
  (void)state;
  uint8_t buf[256];
  size_t len = encode_batch(buf, sizeof buf);
  ocf_journal_entry e[OCF_STORE_BATCH_MAX];
  size_t n = 0;
  assert_int_equal(ocf_journal_decode(buf, len, e, &n), OCF_OK);
  assert_int_equal(n, 4);
  assert_string_equal(e[0].name, "pstat");
  assert_int_equal(e[0].gen, 5);
  assert_int_equal(e[0].len, 2);
  assert_memory_equal(e[0].data, "P2", 2);
  assert_string_equal(e[1].name, "doxm");
  assert_int_equal(e[1].gen, 9);
  assert_true(e[2].remove);
  assert_string_equal(e[2].name, "acl2");
  assert_false(e[3].remove);
  assert_int_equal(e[3].len, 0);
}

static void test_journal_decode_refuses_every_truncation_and_trailing_bytes(void **state) {
  (void)state;
  uint8_t buf[256];
  size_t len = encode_batch(buf, sizeof buf);
  ocf_journal_entry e[OCF_STORE_BATCH_MAX];
  size_t n = 0;
  for (size_t cut = 0; cut < len; cut++)
    assert_int_equal(ocf_journal_decode(buf, cut, e, &n), OCF_ERR_MALFORMED);
  buf[len] = 0;
  assert_int_equal(ocf_journal_decode(buf, len + 1, e, &n), OCF_ERR_MALFORMED);
}

static void test_journal_decode_refuses_bad_fields(void **state) {
  (void)state;
  ocf_journal_entry e[OCF_STORE_BATCH_MAX];
  size_t n = 0;
  /* version, count 0, count 17, kind 3, empty name, '_' name, name too long, gen 0, duplicate */
  const struct {
    const char *bytes;
    size_t len;
  } bad[] = {
      {"\x02\x01\x02\x01x", 5},
      {"\x01\x00", 2},
      {"\x01\x11", 2},
      {"\x01\x01\x03\x01x", 5},
      {"\x01\x01\x02\x00", 4},
      {"\x01\x01\x02\x02_j", 6},
      {"\x01\x01\x02\x21xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 37},
      {"\x01\x01\x01\x01x\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 17},
      {"\x01\x02\x02\x01x\x02\x01x", 8},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(ocf_journal_decode((const uint8_t *)bad[i].bytes, bad[i].len, e, &n), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_journal_decode((const uint8_t *)"\x01\x01\x02\x01x", 5, e, &n), OCF_OK);
}

static void test_journal_batch_rules(void **state) {
  (void)state;
  const ocf_store_change dup[] = {{.name = "doxm", .remove = true}, {.name = "doxm", .remove = true}};
  assert_false(ocf_journal_batch_valid(dup, 2));
  const ocf_store_change bad_name[] = {{.name = "_journal", .remove = true}};
  assert_false(ocf_journal_batch_valid(bad_name, 1));
  const ocf_store_change no_data[] = {{.name = "doxm", .data = NULL, .len = 3}};
  assert_false(ocf_journal_batch_valid(no_data, 1));
  assert_false(ocf_journal_batch_valid(k_batch, 0));
  ocf_store_change many[OCF_STORE_BATCH_MAX + 1];
  const char *names[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q"};
  for (size_t i = 0; i < OCF_STORE_BATCH_MAX + 1; i++)
    many[i] = (ocf_store_change){.name = names[i], .remove = true};
  assert_true(ocf_journal_batch_valid(many, OCF_STORE_BATCH_MAX));
  assert_false(ocf_journal_batch_valid(many, OCF_STORE_BATCH_MAX + 1));
  uint8_t buf[8];
  size_t len = 0;
  assert_int_equal(ocf_journal_encode(k_batch, k_gens, 4, buf, sizeof buf, &len), OCF_ERR_NO_SPACE);
  const uint64_t zero_gen[] = {0};
  assert_int_equal(ocf_journal_encode(k_batch, zero_gen, 1, buf, sizeof buf, &len), OCF_ERR_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_in_every_mode),
      cmocka_unit_test(test_empty_payload_round_trips),
      cmocka_unit_test(test_encrypted_record_hides_the_payload),
      cmocka_unit_test(test_header_layout_is_as_documented),
      cmocka_unit_test(test_every_single_bit_flip_is_refused),
      cmocka_unit_test(test_every_truncation_and_extension_is_refused),
      cmocka_unit_test(test_wrong_key_is_reported_as_crypto),
      cmocka_unit_test(test_wrong_key_with_forged_key_id_fails_the_tag),
      cmocka_unit_test(test_record_of_another_blob_is_refused),
      cmocka_unit_test(test_other_protection_mode_is_refused),
      cmocka_unit_test(test_generations_round_trip_in_order),
      cmocka_unit_test(test_seal_refuses_bad_input),
      cmocka_unit_test(test_name_rules),
      cmocka_unit_test(test_journal_round_trip),
      cmocka_unit_test(test_journal_decode_refuses_every_truncation_and_trailing_bytes),
      cmocka_unit_test(test_journal_decode_refuses_bad_fields),
      cmocka_unit_test(test_journal_batch_rules),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
