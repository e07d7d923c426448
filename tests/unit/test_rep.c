/* Unit tests of src/rep decoding, getters and builders: both container shapes, every cap,
 * truncation at every offset, hostile and malformed input, exact encoder output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "rep_test_util.h"

/* {"i":1,"n":-2,"b":true,"t":"ab","y":h'0102',"z":null,"d":1.5 (half),"a":[1,2]} definite */
#define ALL_TYPES_DEFINITE                                                                                   \
  "a8 6169 01 616e 21 6162 f5 6174 626162 6179 420102 617a f6 6164 f93e00 6161 820102"
/* the same entries, other order, indefinite map and array */
#define ALL_TYPES_INDEFINITE                                                                                 \
  "bf 6161 9f0102ff 6164 f93e00 617a f6 6179 420102 6174 626162 6162 f5 616e 21 6169 01 ff"

static void test_decode_reads_every_type_of_a_definite_map(void **state) {
  (void)state;
  DECODE_OK(ALL_TYPES_DEFINITE);
  assert_int_equal(root->type, OCF_REP_MAP);
  assert_int_equal(ocf_rep_count(root), 8);
  int64_t i;
  assert_int_equal(ocf_rep_get_int64(ocf_rep_map_value(root, "i"), &i), OCF_OK);
  assert_int_equal(i, 1);
  assert_int_equal(ocf_rep_get_int64(ocf_rep_map_value(root, "n"), &i), OCF_OK);
  assert_int_equal(i, -2);
  bool b = false;
  assert_int_equal(ocf_rep_get_bool(ocf_rep_map_value(root, "b"), &b), OCF_OK);
  assert_true(b);
  ocf_rep_str t;
  assert_int_equal(ocf_rep_get_text(ocf_rep_map_value(root, "t"), &t), OCF_OK);
  assert_true(ocf_rep_str_eq(t, "ab"));
  ocf_bytes y;
  assert_int_equal(ocf_rep_get_bytes(ocf_rep_map_value(root, "y"), &y), OCF_OK);
  assert_int_equal(y.len, 2);
  assert_memory_equal(y.ptr, "\x01\x02", 2);
  assert_true(ocf_rep_is_null(ocf_rep_map_value(root, "z")));
  double d;
  assert_int_equal(ocf_rep_get_double(ocf_rep_map_value(root, "d"), &d), OCF_OK);
  assert_true(d == 1.5);
  const ocf_rep_node *a = ocf_rep_map_value(root, "a");
  assert_int_equal(ocf_rep_count(a), 2);
  const ocf_rep_node *second;
  assert_int_equal(ocf_rep_array_at(a, 1, &second), OCF_OK);
  assert_int_equal(ocf_rep_get_int64(second, &i), OCF_OK);
  assert_int_equal(i, 2);
}

static void test_decode_indefinite_and_any_key_order_equal_definite(void **state) {
  (void)state;
  ocf_rep_node n1[32], n2[32];
  uint8_t b1[128], b2[128];
  size_t l1 = unhex(ALL_TYPES_DEFINITE, b1, sizeof b1), l2 = unhex(ALL_TYPES_INDEFINITE, b2, sizeof b2);
  const ocf_rep_node *r1, *r2;
  assert_int_equal(ocf_rep_decode(b1, l1, NULL, n1, 32, &r1), OCF_OK);
  assert_int_equal(ocf_rep_decode(b2, l2, NULL, n2, 32, &r2), OCF_OK);
  assert_true(ocf_rep_equal(r1, r2));
  assert_true(ocf_rep_str_eq(ocf_rep_first(r2)->key, "a")); /* items keep input order */
  assert_true(ocf_rep_str_eq(ocf_rep_first(r1)->key, "i"));
}

static void test_decode_accepts_empty_containers_in_both_shapes(void **state) {
  (void)state;
  const char *cases[] = {"a0", "80", "bfff", "9fff", "a1 6161 80", "bf 6161 9fff ff"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    DECODE_OK(cases[i]);
    assert_true(root->type == OCF_REP_MAP || root->type == OCF_REP_ARRAY);
  }
}

static void test_decode_rejects_duplicate_keys_in_either_shape(void **state) {
  (void)state;
  assert_int_equal(decode_hex("a2 6161 01 6161 02", NULL), OCF_ERR_MALFORMED);
  assert_int_equal(decode_hex("bf 6162 01 6161 01 6162 02 ff", NULL), OCF_ERR_MALFORMED);
  assert_int_equal(decode_hex("a1 6161 a2 6178 01 6178 02", NULL), OCF_ERR_MALFORMED); /* nested map */
  assert_int_equal(decode_hex("a2 6161 a1 6178 01 6162 a1 6178 01", NULL), OCF_OK); /* same key, other maps */
}

static void test_decode_rejects_trailing_bytes(void **state) {
  (void)state;
  assert_int_equal(decode_hex("a0 00", NULL), OCF_ERR_MALFORMED);
  assert_int_equal(decode_hex("01 01", NULL), OCF_ERR_MALFORMED);
  assert_int_equal(decode_hex("9fff ff", NULL), OCF_ERR_MALFORMED);
  assert_int_equal(decode_hex("6161 a0", NULL), OCF_ERR_MALFORMED);
}

static void test_decode_truncated_at_every_offset_fails_truncated(void **state) {
  (void)state;
  const char *payloads[] = {ALL_TYPES_DEFINITE, ALL_TYPES_INDEFINITE, DOXM_IL_HEX};
  for (size_t p = 0; p < sizeof payloads / sizeof payloads[0]; p++) {
    uint8_t buf[512];
    size_t len = unhex(payloads[p], buf, sizeof buf);
    ocf_rep_node nodes[64];
    const ocf_rep_node *root = NULL;
    assert_int_equal(ocf_rep_decode(buf, len, NULL, nodes, 64, &root), OCF_OK);
    for (size_t cut = 0; cut < len; cut++) {
      const ocf_rep_node *r = NULL;
      /* a heap copy of exactly `cut` bytes so ASan sees any read past the end */
      uint8_t *copy = test_malloc(cut ? cut : 1);
      memcpy(copy, buf, cut);
      assert_int_equal(ocf_rep_decode(copy, cut, NULL, nodes, 64, &r), OCF_ERR_TRUNCATED);
      assert_null(r);
      test_free(copy);
    }
  }
}

static void test_decode_depth_cap(void **state) {
  (void)state;
  ocf_rep_limits lim = ocf_rep_default_limits();
  lim.max_depth = 3;
  assert_int_equal(decode_hex("81 81 81 01", &lim), OCF_OK);
  assert_int_equal(decode_hex("81 81 81 81 01", &lim), OCF_ERR_TOO_LARGE);
  assert_int_equal(decode_hex("9f 9f 9f 9f ff ff ff ff", &lim), OCF_ERR_TOO_LARGE);
  assert_int_equal(decode_hex("a1 6161 a1 6161 a1 6161 a0", &lim), OCF_ERR_TOO_LARGE);
  lim.max_depth = OCF_REP_MAX_DEPTH + 1;
  assert_int_equal(decode_hex("01", &lim), OCF_ERR_INVALID_ARG);
  /* default depth: 12 nested arrays pass, 13 do not */
  assert_int_equal(decode_hex("818181818181818181818181 00", NULL), OCF_OK);
  assert_int_equal(decode_hex("81818181818181818181818181 00", NULL), OCF_ERR_TOO_LARGE);
}

static void test_decode_string_cap_applies_to_values_and_keys(void **state) {
  (void)state;
  ocf_rep_limits lim = ocf_rep_default_limits();
  lim.max_string = 4;
  assert_int_equal(decode_hex("6461626364", &lim), OCF_OK);
  assert_int_equal(decode_hex("656162636465", &lim), OCF_ERR_TOO_LARGE);
  assert_int_equal(decode_hex("450102030405", &lim), OCF_ERR_TOO_LARGE);
  assert_int_equal(decode_hex("a1 656162636465 01", &lim), OCF_ERR_TOO_LARGE);
  /* a declared length far beyond the input is refused by the cap before any read */
  assert_int_equal(decode_hex("7b 00000001 00000000", NULL), OCF_ERR_TOO_LARGE);
  assert_int_equal(decode_hex("5a ffffffff", NULL), OCF_ERR_TOO_LARGE);
}

static void test_decode_element_cap_in_both_shapes(void **state) {
  (void)state;
  ocf_rep_limits lim = ocf_rep_default_limits();
  lim.max_elements = 3;
  assert_int_equal(decode_hex("83 010203", &lim), OCF_OK);
  assert_int_equal(decode_hex("84 01020304", &lim), OCF_ERR_TOO_LARGE);
  assert_int_equal(decode_hex("9f 01020304 ff", &lim), OCF_ERR_TOO_LARGE);
  assert_int_equal(decode_hex("bf 6161 01 6162 01 6163 01 6164 01 ff", &lim), OCF_ERR_TOO_LARGE);
  assert_int_equal(decode_hex("a4 6161 01 6162 01 6163 01 6164 01", &lim), OCF_ERR_TOO_LARGE);
  /* a huge declared count fails on the cap, not after walking off the end */
  assert_int_equal(decode_hex("9b ffffffffffffffff", NULL), OCF_ERR_TOO_LARGE);
  assert_int_equal(decode_hex("ba 7fffffff", NULL), OCF_ERR_TOO_LARGE);
}

static void test_decode_node_cap_from_limits_and_from_array_size(void **state) {
  (void)state;
  ocf_rep_limits lim = ocf_rep_default_limits();
  lim.max_nodes = 4;
  assert_int_equal(decode_hex("83 010203", &lim), OCF_OK); /* 4 nodes */
  assert_int_equal(decode_hex("84 01020304", &lim), OCF_ERR_TOO_LARGE);
  uint8_t buf[8];
  size_t len = unhex("83 010203", buf, sizeof buf);
  ocf_rep_node nodes[3];
  const ocf_rep_node *root;
  assert_int_equal(ocf_rep_decode(buf, len, NULL, nodes, 3, &root), OCF_ERR_TOO_LARGE);
  assert_int_equal(ocf_rep_decode(buf, len, NULL, nodes, 0, &root), OCF_ERR_INVALID_ARG);
}

static void test_decode_refuses_tags_undefined_simple_and_chunked_strings(void **state) {
  (void)state;
  assert_int_equal(decode_hex("c1 00", NULL), OCF_ERR_UNSUPPORTED);
  assert_int_equal(decode_hex("81 d820 6161", NULL), OCF_ERR_UNSUPPORTED);
  assert_int_equal(decode_hex("f7", NULL), OCF_ERR_UNSUPPORTED);
  assert_int_equal(decode_hex("f0", NULL), OCF_ERR_UNSUPPORTED);
  assert_int_equal(decode_hex("f8 20", NULL), OCF_ERR_UNSUPPORTED);
  assert_int_equal(decode_hex("7f 6161 ff", NULL), OCF_ERR_UNSUPPORTED);
  assert_int_equal(decode_hex("5f 4101 ff", NULL), OCF_ERR_UNSUPPORTED);
  assert_int_equal(decode_hex("a1 7f6161ff 01", NULL), OCF_ERR_UNSUPPORTED);
}

static void test_decode_rejects_malformed_cbor(void **state) {
  (void)state;
  const char *bad[] = {
      "ff",           /* break outside a container */
      "81 ff",        /* break in a definite array */
      "bf 6161 ff",   /* break after a key */
      "1c",           /* reserved additional information */
      "f8 10",        /* simple value < 32 in two bytes */
      "a1 01 02",     /* integer key */
      "a1 4161 02",   /* byte-string key */
      "a1 62c328 01", /* invalid UTF-8 key */
      "a1 62c080 01", /* overlong UTF-8 key */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(decode_hex(bad[i], NULL), OCF_ERR_MALFORMED);
  assert_int_equal(decode_hex("", NULL), OCF_ERR_TRUNCATED);
  assert_int_equal(decode_hex("64 f09f9880", NULL), OCF_OK); /* U+1F600 is fine */
  assert_int_equal(decode_hex("62 c3a9", NULL), OCF_OK);
}

/* pitfall 5: a text VALUE that is not UTF-8 decodes (plgd's raw keys), but only
 * ocf_rep_get_text_or_bytes hands it out; every text getter refuses it. */
static void test_decode_keeps_non_utf8_text_for_text_or_bytes_only(void **state) {
  (void)state;
  const char *bad[] = {
      "62 c328",     /* invalid continuation */
      "62 c080",     /* overlong */
      "63 eda080",   /* UTF-16 surrogate */
      "64 f4908080", /* above U+10FFFF */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint8_t cbor[16];
    size_t len = unhex(bad[i], cbor, sizeof cbor);
    ocf_rep_node nodes[4];
    const ocf_rep_node *root = NULL;
    assert_int_equal(ocf_rep_decode(cbor, len, NULL, nodes, 4, &root), OCF_OK);
    assert_true(root->not_utf8);
    ocf_rep_str s;
    assert_int_equal(ocf_rep_get_text(root, &s), OCF_ERR_MALFORMED);
    char c[8];
    assert_int_equal(ocf_rep_get_text_cstr(root, c, sizeof c), OCF_ERR_MALFORMED);
    ocf_bytes b;
    bool was_text = false;
    assert_int_equal(ocf_rep_get_text_or_bytes(root, &b, &was_text), OCF_OK);
    assert_true(was_text);
    assert_int_equal(b.len, len - 1);
    assert_memory_equal(b.ptr, cbor + 1, b.len);
  }
  /* the same inside an array of text */
  uint8_t cbor[16];
  size_t len = unhex("82 6161 62c328", cbor, sizeof cbor);
  ocf_rep_node nodes[4];
  const ocf_rep_node *root = NULL;
  assert_int_equal(ocf_rep_decode(cbor, len, NULL, nodes, 4, &root), OCF_OK);
  ocf_rep_str out[2];
  size_t n = 0;
  assert_int_equal(ocf_rep_get_str_array(root, out, 2, &n), OCF_ERR_MALFORMED);
  /* valid text is not flagged */
  len = unhex("62 c3a9", cbor, sizeof cbor);
  assert_int_equal(ocf_rep_decode(cbor, len, NULL, nodes, 4, &root), OCF_OK);
  assert_false(root->not_utf8);
}

static void test_decode_leaves_root_unchanged_on_error(void **state) {
  (void)state;
  uint8_t buf[8];
  size_t len = unhex("a2 6161 01 6161", buf, sizeof buf);
  ocf_rep_node nodes[8];
  const ocf_rep_node *sentinel = (const ocf_rep_node *)&nodes[7], *root = sentinel;
  assert_int_not_equal(ocf_rep_decode(buf, len, NULL, nodes, 8, &root), OCF_OK);
  assert_ptr_equal(root, sentinel);
}

static void test_strings_and_keys_point_into_the_input(void **state) {
  (void)state;
  uint8_t buf[64];
  size_t len = unhex("a1 6474657874 43010203", buf, sizeof buf);
  ocf_rep_node nodes[4];
  const ocf_rep_node *root;
  assert_int_equal(ocf_rep_decode(buf, len, NULL, nodes, 4, &root), OCF_OK);
  const ocf_rep_node *v = ocf_rep_first(root);
  assert_ptr_equal(v->key.ptr, (const char *)buf + 2);
  assert_ptr_equal(v->u.str.ptr, buf + 7);
}

static void test_integer_getters_check_type_and_range(void **state) {
  (void)state;
  /* [2^63, -2^63, -2^63-1, 256, -1, 2^32, "x", 2^64-1] */
  DECODE_OK("88 1b8000000000000000 3b7fffffffffffffff 3b8000000000000000 190100 20 1b0000000100000000 6178 "
            "1bffffffffffffffff");
  const ocf_rep_node *v[8];
  for (size_t i = 0; i < 8; i++) assert_int_equal(ocf_rep_array_at(root, i, &v[i]), OCF_OK);
  int64_t i64;
  uint64_t u64;
  assert_int_equal(ocf_rep_get_int64(v[0], &i64), OCF_ERR_RANGE);
  assert_int_equal(ocf_rep_get_uint64(v[0], &u64), OCF_OK);
  assert_true(u64 == 0x8000000000000000u);
  assert_int_equal(ocf_rep_get_int64(v[1], &i64), OCF_OK);
  assert_true(i64 == INT64_MIN);
  assert_int_equal(ocf_rep_get_int64(v[2], &i64), OCF_ERR_RANGE);
  uint8_t u8 = 7;
  assert_int_equal(ocf_rep_get_uint8(v[3], &u8), OCF_ERR_RANGE);
  assert_int_equal(u8, 7); /* untouched on error */
  uint16_t u16;
  assert_int_equal(ocf_rep_get_uint16(v[3], &u16), OCF_OK);
  assert_int_equal(u16, 256);
  assert_int_equal(ocf_rep_get_uint8(v[4], &u8), OCF_ERR_RANGE);
  assert_int_equal(ocf_rep_get_uint64(v[4], &u64), OCF_ERR_RANGE);
  int32_t i32;
  assert_int_equal(ocf_rep_get_int32(v[4], &i32), OCF_OK);
  assert_int_equal(i32, -1);
  uint32_t u32;
  assert_int_equal(ocf_rep_get_uint32(v[5], &u32), OCF_ERR_RANGE);
  assert_int_equal(ocf_rep_get_int32(v[5], &i32), OCF_ERR_RANGE);
  assert_int_equal(ocf_rep_get_int64(v[6], &i64), OCF_ERR_TYPE);
  assert_int_equal(ocf_rep_get_uint64(v[7], &u64), OCF_OK);
  assert_true(u64 == UINT64_MAX);
  assert_int_equal(ocf_rep_get_int_in(v[3], 0, 255, &i64), OCF_ERR_RANGE);
  assert_int_equal(ocf_rep_get_int_in(v[3], 256, 256, &i64), OCF_OK);
  assert_int_equal(ocf_rep_get_int64(NULL, &i64), OCF_ERR_NOT_FOUND);
}

static void test_getters_report_not_found_and_type(void **state) {
  (void)state;
  DECODE_OK("a2 6161 01 6162 80");
  const ocf_rep_node *out = NULL;
  bool b;
  assert_int_equal(ocf_rep_get_bool(ocf_rep_map_value(root, "zz"), &b), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_rep_get_bool(ocf_rep_map_value(root, "a"), &b), OCF_ERR_TYPE);
  assert_int_equal(ocf_rep_map_find(root, "zz", &out), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_rep_map_find(root, "b", &out), OCF_OK);
  assert_int_equal(ocf_rep_map_find(out, "a", &out), OCF_ERR_TYPE); /* b is an array */
  assert_int_equal(ocf_rep_array_at(out, 0, &out), OCF_ERR_RANGE);
  assert_int_equal(ocf_rep_array_at(root, 0, &out), OCF_ERR_TYPE);
  assert_int_equal(ocf_rep_get_map(ocf_rep_map_value(root, "b"), &out), OCF_ERR_TYPE);
  assert_int_equal(ocf_rep_get_array(ocf_rep_map_value(root, "b"), &out), OCF_OK);
  assert_null(ocf_rep_map_value(out, "a")); /* lookup in an array: absent */
  ocf_rep_str s;
  assert_int_equal(ocf_rep_get_text(ocf_rep_map_value(root, "a"), &s), OCF_ERR_TYPE);
  double d;
  assert_int_equal(ocf_rep_get_double(ocf_rep_map_value(root, "a"), &d), OCF_OK); /* int as number */
  assert_true(d == 1.0);
  assert_int_equal(ocf_rep_get_double(ocf_rep_map_value(root, "b"), &d), OCF_ERR_TYPE);
}

static void test_text_cstr_copy_bounds_and_nul(void **state) {
  (void)state;
  DECODE_OK("83 63616263 6461620063 60");
  char out[4];
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_first(root), out, 4), OCF_OK);
  assert_string_equal(out, "abc");
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_first(root), out, 3), OCF_ERR_TOO_LARGE);
  char big[8];
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_first(root)->next, big, sizeof big), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_first(root)->next->next, out, 1), OCF_OK);
  assert_string_equal(out, "");
}

static void test_text_or_bytes_accepts_both_major_types(void **state) {
  (void)state;
  DECODE_OK("83 426869 626869 01");
  ocf_bytes v;
  bool was_text = true;
  assert_int_equal(ocf_rep_get_text_or_bytes(ocf_rep_first(root), &v, &was_text), OCF_OK);
  assert_false(was_text);
  assert_memory_equal(v.ptr, "hi", 2);
  assert_int_equal(ocf_rep_get_text_or_bytes(ocf_rep_first(root)->next, &v, &was_text), OCF_OK);
  assert_true(was_text);
  assert_memory_equal(v.ptr, "hi", 2);
  assert_int_equal(ocf_rep_get_text_or_bytes(ocf_rep_first(root)->next->next, &v, NULL), OCF_ERR_TYPE);
}

static void test_doxm_like_map_with_uuids_and_trailing_nul(void **state) {
  (void)state;
  DECODE_OK(DOXM_IL_HEX);
  ocf_uuid u;
  char text[OCF_UUID_STR_LEN];
  assert_int_equal(ocf_rep_get_uuid(ocf_rep_map_value(root, "deviceuuid"), &u), OCF_OK);
  ocf_uuid_format(&u, text);
  assert_string_equal(text, "ce3eefde-b8e3-4c08-5674-c3702eb35028");
  assert_int_equal(ocf_rep_get_uuid(ocf_rep_map_value(root, "rowneruuid"), &u), OCF_OK);
  ocf_uuid_format(&u, text);
  assert_string_equal(text, "aabbccdd-0000-1111-2222-333344445555"); /* upper case accepted */
  assert_int_equal(ocf_rep_get_uuid(ocf_rep_map_value(root, "devowneruuid"), &u), OCF_OK);
  assert_true(ocf_uuid_is_nil(&u));
  /* IoTivity-Lite's 37-byte subject uuid with a trailing NUL (digest §10 pitfall 2) */
  const ocf_rep_node *subject = ocf_rep_map_value(root, "subject");
  assert_int_equal(ocf_rep_get_uuid(ocf_rep_map_value(subject, "uuid"), &u), OCF_OK);
  ocf_uuid_format(&u, text);
  assert_string_equal(text, "ce3eefde-b8e3-4c08-5674-c3702eb35028");
  uint8_t oxmsel = 9, sct = 0;
  bool owned = true;
  assert_int_equal(ocf_rep_get_uint8(ocf_rep_map_value(root, "oxmsel"), &oxmsel), OCF_OK);
  assert_int_equal(ocf_rep_get_uint8(ocf_rep_map_value(root, "sct"), &sct), OCF_OK);
  assert_int_equal(ocf_rep_get_bool(ocf_rep_map_value(root, "owned"), &owned), OCF_OK);
  assert_int_equal(oxmsel, 0);
  assert_int_equal(sct, 1);
  assert_false(owned);
  assert_int_equal(ocf_rep_count(ocf_rep_map_value(root, "oxms")), 2);
  /* wrong forms */
  assert_int_equal(ocf_rep_get_uuid(ocf_rep_map_value(root, "oxms"), &u), OCF_ERR_TYPE);
  assert_int_equal(ocf_rep_get_uuid(ocf_rep_map_value(root, "rt"), &u), OCF_ERR_TYPE);
}

static void test_uuid_getter_rejects_bad_text(void **state) {
  (void)state;
  /* 35 chars; 38 chars ending in two NULs; a byte string holding 36 text bytes */
  DECODE_OK("83782363653365656664652d623865332d346330382d353637342d6333373032656233353032782663653365"
            "656664652d623865332d346330382d353637342d6333373032656233353032380000582463653365656664652d"
            "623865332d346330382d353637342d633337303265623335303238");
  ocf_uuid u;
  assert_int_equal(ocf_rep_get_uuid(ocf_rep_first(root), &u), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_rep_get_uuid(ocf_rep_first(root)->next, &u), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_rep_get_uuid(ocf_rep_first(root)->next->next, &u), OCF_ERR_TYPE);
}

static void test_half_single_and_double_floats_decode_exactly(void **state) {
  (void)state;
  DECODE_OK("88 f93c00 f90001 f97bff f97c00 f9fc00 f98000 fa47c35000 fb3ff199999999999a");
  double want[] = {1.0, 5.960464477539063e-8, 65504.0, INFINITY, -INFINITY, -0.0, 100000.0, 1.1};
  size_t i = 0;
  for (const ocf_rep_node *n = ocf_rep_first(root); n; n = n->next, i++) {
    double d;
    assert_int_equal(ocf_rep_get_double(n, &d), OCF_OK);
    assert_memory_equal(&d, &want[i], sizeof d);
  }
  test_doc nan_doc;
  const ocf_rep_node *nan = decode_ok(&nan_doc, "f97e00");
  assert_int_equal(nan->type, OCF_REP_DOUBLE);
  assert_true(isnan(nan->u.number));
}

static void test_equal_ignores_map_order_but_not_content(void **state) {
  (void)state;
  ocf_rep_node n1[8], n2[8];
  uint8_t b1[32], b2[32];
  const ocf_rep_node *r1, *r2;
  size_t l1 = unhex("a2 6161 01 6162 02", b1, sizeof b1);
  assert_int_equal(ocf_rep_decode(b1, l1, NULL, n1, 8, &r1), OCF_OK);
  const char *others[] = {"a2 6162 02 6161 01", "a2 6161 01 6162 03", "a2 6161 01 6163 02", "a1 6161 01",
                          "82 01 02"};
  const bool same[] = {true, false, false, false, false};
  for (size_t i = 0; i < 5; i++) {
    size_t l2 = unhex(others[i], b2, sizeof b2);
    assert_int_equal(ocf_rep_decode(b2, l2, NULL, n2, 8, &r2), OCF_OK);
    assert_int_equal(ocf_rep_equal(r1, r2), same[i]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decode_reads_every_type_of_a_definite_map),
      cmocka_unit_test(test_decode_indefinite_and_any_key_order_equal_definite),
      cmocka_unit_test(test_decode_accepts_empty_containers_in_both_shapes),
      cmocka_unit_test(test_decode_rejects_duplicate_keys_in_either_shape),
      cmocka_unit_test(test_decode_rejects_trailing_bytes),
      cmocka_unit_test(test_decode_truncated_at_every_offset_fails_truncated),
      cmocka_unit_test(test_decode_depth_cap),
      cmocka_unit_test(test_decode_string_cap_applies_to_values_and_keys),
      cmocka_unit_test(test_decode_element_cap_in_both_shapes),
      cmocka_unit_test(test_decode_node_cap_from_limits_and_from_array_size),
      cmocka_unit_test(test_decode_refuses_tags_undefined_simple_and_chunked_strings),
      cmocka_unit_test(test_decode_rejects_malformed_cbor),
      cmocka_unit_test(test_decode_keeps_non_utf8_text_for_text_or_bytes_only),
      cmocka_unit_test(test_decode_leaves_root_unchanged_on_error),
      cmocka_unit_test(test_strings_and_keys_point_into_the_input),
      cmocka_unit_test(test_integer_getters_check_type_and_range),
      cmocka_unit_test(test_getters_report_not_found_and_type),
      cmocka_unit_test(test_text_cstr_copy_bounds_and_nul),
      cmocka_unit_test(test_text_or_bytes_accepts_both_major_types),
      cmocka_unit_test(test_doxm_like_map_with_uuids_and_trailing_nul),
      cmocka_unit_test(test_uuid_getter_rejects_bad_text),
      cmocka_unit_test(test_half_single_and_double_floats_decode_exactly),
      cmocka_unit_test(test_equal_ignores_map_order_but_not_content),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
