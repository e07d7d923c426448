/* Unit tests of the src/rep builder: exact bytes, length patching, both container shapes,
 * sticky errors, misuse, and round trips through the decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rep_test_util.h"

static void assert_encoded(const ocf_rep_enc *e, const char *hex) {
  uint8_t want[512];
  size_t want_len = unhex(hex, want, sizeof want), len = 0;
  assert_int_equal(ocf_rep_enc_finish(e, &len), OCF_OK);
  assert_int_equal(len, want_len);
  assert_memory_equal(e->buf, want, len);
}

static void build_small_doc(ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_int(e, "i", -25);
  ocf_rep_enc_kv_bool(e, "b", false);
  ocf_rep_enc_kv_text(e, "t", "x");
  ocf_rep_enc_kv_bytes(e, "y", "\x01", 1);
  ocf_rep_enc_key(e, "z");
  ocf_rep_enc_null(e);
  static const char *const rt[] = {"oic.r.doxm"};
  ocf_rep_enc_kv_cstr_array(e, "rt", rt, 1);
  ocf_rep_enc_map_close(e);
}

#define SMALL_DOC_ITEMS "6169 3818 6162 f4 6174 6178 6179 4101 617a f6 627274 81 6a6f69632e722e646f786d"

static void test_builder_writes_definite_shortest_form(void **state) {
  (void)state;
  uint8_t buf[64];
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, sizeof buf);
  build_small_doc(&e);
  assert_encoded(&e, "a6 " SMALL_DOC_ITEMS);
}

static void test_builder_writes_indefinite_when_asked(void **state) {
  (void)state;
  uint8_t buf[64];
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, sizeof buf);
  ocf_rep_enc_use_indefinite(&e);
  build_small_doc(&e);
  /* the rt array is indefinite too: 9f ... ff */
  assert_encoded(&e,
                 "bf 6169 3818 6162 f4 6174 6178 6179 4101 617a f6 627274 9f 6a6f69632e722e646f786d ff ff");
}

static void test_builder_integer_heads_at_every_boundary(void **state) {
  (void)state;
  const struct {
    int64_t v;
    const char *hex;
  } cases[] = {{0, "00"},
               {23, "17"},
               {24, "1818"},
               {255, "18ff"},
               {256, "190100"},
               {65535, "19ffff"},
               {65536, "1a00010000"},
               {4294967295, "1affffffff"},
               {4294967296, "1b0000000100000000"},
               {INT64_MAX, "1b7fffffffffffffff"},
               {-1, "20"},
               {-24, "37"},
               {-25, "3818"},
               {-256, "38ff"},
               {-257, "390100"},
               {INT64_MIN, "3b7fffffffffffffff"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t buf[16];
    ocf_rep_enc e;
    ocf_rep_enc_init(&e, buf, sizeof buf);
    ocf_rep_enc_int(&e, cases[i].v);
    assert_encoded(&e, cases[i].hex);
    test_doc doc;
    const ocf_rep_node *root = decode_ok(&doc, cases[i].hex);
    int64_t back;
    assert_int_equal(ocf_rep_get_int64(root, &back), OCF_OK);
    assert_true(back == cases[i].v);
  }
  uint8_t buf[16];
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, sizeof buf);
  ocf_rep_enc_uint(&e, UINT64_MAX);
  assert_encoded(&e, "1bffffffffffffffff");
}

static void test_builder_patches_counts_that_need_longer_heads(void **state) {
  (void)state;
  const struct {
    size_t n;
    const char *head;
  } cases[] = {{23, "97"}, {24, "9818"}, {255, "98ff"}, {256, "990100"}, {65536, "9a00010000"}};
  size_t cap = 70000;
  uint8_t *buf = test_malloc(cap);
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    ocf_rep_enc e;
    ocf_rep_enc_init(&e, buf, cap);
    ocf_rep_enc_map_open(&e);
    ocf_rep_enc_key(&e, "a");
    ocf_rep_enc_array_open(&e);
    for (size_t i = 0; i < cases[c].n; i++) ocf_rep_enc_int(&e, 7);
    ocf_rep_enc_array_close(&e);
    ocf_rep_enc_kv_int(&e, "z", 1);
    ocf_rep_enc_map_close(&e);
    size_t len;
    assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
    uint8_t head[8];
    size_t hl = unhex(cases[c].head, head, sizeof head);
    assert_int_equal(len, 1 + 2 + hl + cases[c].n + 2 + 1);
    assert_int_equal(buf[0], 0xa2);
    assert_memory_equal(buf + 3, head, hl);
    for (size_t i = 0; i < cases[c].n; i++) assert_int_equal(buf[3 + hl + i], 0x07);
    assert_memory_equal(buf + len - 3, "\x61\x7a\x01", 3);
  }
  test_free(buf);
}

static void test_builder_fails_no_space_at_every_capacity_and_sticks(void **state) {
  (void)state;
  uint8_t full[256];
  ocf_rep_enc e;
  size_t need;
  for (int indefinite = 0; indefinite < 2; indefinite++) {
    ocf_rep_enc_init(&e, full, sizeof full);
    if (indefinite) ocf_rep_enc_use_indefinite(&e);
    build_small_doc(&e);
    assert_int_equal(ocf_rep_enc_finish(&e, &need), OCF_OK);
    for (size_t cap = 0; cap < need; cap++) {
      uint8_t *buf = test_malloc(cap ? cap : 1);
      ocf_rep_enc_init(&e, buf, cap);
      if (indefinite) ocf_rep_enc_use_indefinite(&e);
      build_small_doc(&e);
      size_t len = 99;
      assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_ERR_NO_SPACE);
      assert_int_equal(len, 99);
      assert_true(e.len <= cap);
      test_free(buf);
    }
  }
  /* a count that needs a longer head when the body filled the buffer exactly */
  uint8_t buf[25];
  ocf_rep_enc_init(&e, buf, sizeof buf);
  ocf_rep_enc_array_open(&e);
  for (int i = 0; i < 24; i++) ocf_rep_enc_int(&e, 0);
  ocf_rep_enc_array_close(&e);
  assert_int_equal(ocf_rep_enc_finish(&e, &need), OCF_ERR_NO_SPACE);
}

static void test_builder_rejects_misuse(void **state) {
  (void)state;
  uint8_t buf[64];
  ocf_rep_enc e;
  size_t len;
#define EXPECT_MISUSE(steps, err)                                                                            \
  do {                                                                                                       \
    ocf_rep_enc_init(&e, buf, sizeof buf);                                                                   \
    steps;                                                                                                   \
    assert_int_equal(ocf_rep_enc_finish(&e, &len), err);                                                     \
  } while (0)
  EXPECT_MISUSE((void)0, OCF_ERR_INVALID_ARG);                  /* nothing written */
  EXPECT_MISUSE(ocf_rep_enc_map_open(&e), OCF_ERR_INVALID_ARG); /* left open */
  EXPECT_MISUSE((ocf_rep_enc_map_open(&e), ocf_rep_enc_int(&e, 1)), OCF_ERR_INVALID_ARG); /* value, no key */
  EXPECT_MISUSE((ocf_rep_enc_array_open(&e), ocf_rep_enc_key(&e, "k")), OCF_ERR_INVALID_ARG);
  EXPECT_MISUSE(ocf_rep_enc_key(&e, "k"), OCF_ERR_INVALID_ARG);
  EXPECT_MISUSE((ocf_rep_enc_map_open(&e), ocf_rep_enc_key(&e, "k"), ocf_rep_enc_map_close(&e)),
                OCF_ERR_INVALID_ARG); /* key without value */
  EXPECT_MISUSE((ocf_rep_enc_map_open(&e), ocf_rep_enc_key(&e, "k"), ocf_rep_enc_key(&e, "l")),
                OCF_ERR_INVALID_ARG);
  EXPECT_MISUSE((ocf_rep_enc_map_open(&e), ocf_rep_enc_array_close(&e)), OCF_ERR_INVALID_ARG);
  EXPECT_MISUSE(ocf_rep_enc_map_close(&e), OCF_ERR_INVALID_ARG);
  EXPECT_MISUSE((ocf_rep_enc_int(&e, 1), ocf_rep_enc_int(&e, 2)), OCF_ERR_INVALID_ARG); /* two roots */
  EXPECT_MISUSE((ocf_rep_enc_int(&e, 1), ocf_rep_enc_use_indefinite(&e)), OCF_ERR_INVALID_ARG);
  EXPECT_MISUSE(ocf_rep_enc_text(&e, NULL), OCF_ERR_INVALID_ARG);
  EXPECT_MISUSE(ocf_rep_enc_uuid(&e, NULL), OCF_ERR_INVALID_ARG);
  EXPECT_MISUSE(ocf_rep_enc_node(&e, NULL), OCF_ERR_INVALID_ARG);
  EXPECT_MISUSE(for (int i = 0; i <= OCF_REP_MAX_DEPTH; i++) ocf_rep_enc_array_open(&e), OCF_ERR_TOO_LARGE);
  /* the first error sticks: later valid calls do not clear or replace it */
  EXPECT_MISUSE((ocf_rep_enc_key(&e, "k"), ocf_rep_enc_int(&e, 1)), OCF_ERR_INVALID_ARG);
  assert_int_equal(e.len, 0);
#undef EXPECT_MISUSE
}

static void test_builder_uuid_is_lower_case_text(void **state) {
  (void)state;
  ocf_uuid u;
  const char *upper = "CE3EEFDE-B8E3-4C08-5674-C3702EB35028";
  assert_int_equal(ocf_uuid_parse(upper, strlen(upper), &u), OCF_OK);
  uint8_t buf[64];
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, sizeof buf);
  ocf_rep_enc_uuid(&e, &u);
  assert_encoded(&e, "7824 63653365656664652d623865332d346330382d353637342d633337303265623335303238");
}

static void test_builder_round_trips_every_type_through_the_decoder(void **state) {
  (void)state;
  uint8_t buf[256];
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, sizeof buf);
  ocf_uuid u = {
      {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10}};
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_uuid(&e, "u", &u);
  ocf_rep_enc_key(&e, "d");
  ocf_rep_enc_double(&e, -0.0);
  ocf_rep_enc_key(&e, "nan");
  ocf_rep_enc_double(&e, NAN);
  ocf_rep_enc_kv_map_open(&e, "m");
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_kv_array_open(&e, "a");
  ocf_rep_enc_text_n(&e, "ab\0c", 4);
  ocf_rep_enc_bytes(&e, NULL, 0);
  ocf_rep_enc_array_close(&e);
  ocf_rep_str names[] = {ocf_rep_str_of("x"), ocf_rep_str_of("yy")};
  ocf_rep_enc_kv_str_array(&e, "s", names, 2);
  ocf_rep_enc_map_close(&e);
  size_t len;
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
  ocf_rep_node nodes[16];
  const ocf_rep_node *root;
  assert_int_equal(ocf_rep_decode(buf, len, NULL, nodes, 16, &root), OCF_OK);
  ocf_uuid back;
  assert_int_equal(ocf_rep_get_uuid(ocf_rep_map_value(root, "u"), &back), OCF_OK);
  assert_true(ocf_uuid_equal(&u, &back));
  double d;
  assert_int_equal(ocf_rep_get_double(ocf_rep_map_value(root, "d"), &d), OCF_OK);
  assert_true(d == 0.0 && signbit(d));
  assert_int_equal(ocf_rep_get_double(ocf_rep_map_value(root, "nan"), &d), OCF_OK);
  assert_true(isnan(d));
  assert_int_equal(ocf_rep_map_value(root, "m")->type, OCF_REP_MAP);
  const ocf_rep_node *a = ocf_rep_map_value(root, "a");
  assert_int_equal(ocf_rep_count(a), 2);
  assert_int_equal(ocf_rep_first(a)->u.str.len, 4);
  assert_int_equal(ocf_rep_first(a)->next->type, OCF_REP_BYTES);
  ocf_rep_str got[4];
  size_t n;
  assert_int_equal(ocf_rep_get_str_array(ocf_rep_map_value(root, "s"), got, 4, &n), OCF_OK);
  assert_int_equal(n, 2);
  assert_true(ocf_rep_str_eq(got[1], "yy"));
  assert_int_equal(ocf_rep_get_str_array(ocf_rep_map_value(root, "s"), got, 1, &n), OCF_ERR_TOO_LARGE);
  assert_int_equal(ocf_rep_get_str_array(a, got, 4, &n), OCF_ERR_TYPE);
}

static void test_enc_node_turns_indefinite_input_into_equal_definite_output(void **state) {
  (void)state;
  test_doc in;
  const ocf_rep_node *root = decode_ok(&in, DOXM_IL_HEX);
  uint8_t out[512];
  for (int indefinite = 0; indefinite < 2; indefinite++) {
    ocf_rep_enc e;
    ocf_rep_enc_init(&e, out, sizeof out);
    if (indefinite) ocf_rep_enc_use_indefinite(&e);
    ocf_rep_enc_node(&e, root);
    size_t len;
    assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
    assert_int_equal(out[0], indefinite ? 0xbf : 0xaa);       /* 10 entries */
    if (indefinite) assert_memory_equal(out, in.buf, in.len); /* the IL shape is reproduced exactly */
    ocf_rep_node nodes[64];
    const ocf_rep_node *again;
    assert_int_equal(ocf_rep_decode(out, len, NULL, nodes, 64, &again), OCF_OK);
    assert_true(ocf_rep_equal(root, again));
  }
}

static void test_common_properties_round_trip_and_type_checks(void **state) {
  (void)state;
  ocf_rep_common c = {.n_rt = 2, .n_if = 2, .has_n = true, .n = {"lamp", 4}};
  c.rt[0] = ocf_rep_str_of("oic.wk.d");
  c.rt[1] = ocf_rep_str_of("oic.d.light");
  c.ifs[0] = ocf_rep_str_of("oic.if.r");
  c.ifs[1] = ocf_rep_str_of("oic.if.baseline");
  uint8_t buf[128];
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, sizeof buf);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_common(&e, &c);
  ocf_rep_enc_map_close(&e);
  size_t len;
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
  ocf_rep_node nodes[16];
  const ocf_rep_node *root;
  assert_int_equal(ocf_rep_decode(buf, len, NULL, nodes, 16, &root), OCF_OK);
  ocf_rep_common back;
  assert_int_equal(ocf_rep_common_decode(root, &back), OCF_OK);
  assert_int_equal(back.n_rt, 2);
  assert_int_equal(back.n_if, 2);
  assert_true(back.has_n && ocf_rep_str_eq(back.n, "lamp"));
  assert_true(ocf_rep_str_list_contains(back.rt, back.n_rt, "oic.d.light"));
  assert_false(ocf_rep_str_list_contains(back.rt, back.n_rt, "oic.d.ligh"));
  assert_true(ocf_rep_str_eq(back.ifs[1], "oic.if.baseline"));

  test_doc d;
  assert_int_equal(ocf_rep_common_decode(decode_ok(&d, "a0"), &back), OCF_OK); /* all absent */
  assert_int_equal(back.n_rt + back.n_if, 0);
  assert_false(back.has_n);
  assert_int_equal(ocf_rep_common_decode(decode_ok(&d, "a1 627274 6161"), &back),
                   OCF_ERR_TYPE); /* rt: text */
  assert_int_equal(ocf_rep_common_decode(decode_ok(&d, "a1 626966 8101"), &back), OCF_ERR_TYPE); /* if: [1] */
  assert_int_equal(ocf_rep_common_decode(decode_ok(&d, "a1 616e 01"), &back), OCF_ERR_TYPE);     /* n: int */
  assert_int_equal(ocf_rep_common_decode(decode_ok(&d, "a1 627274 89 606060606060606060"), &back),
                   OCF_ERR_TOO_LARGE); /* 9 rt values */
  assert_int_equal(ocf_rep_common_decode(decode_ok(&d, "80"), &back), OCF_ERR_TYPE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_builder_writes_definite_shortest_form),
      cmocka_unit_test(test_builder_writes_indefinite_when_asked),
      cmocka_unit_test(test_builder_integer_heads_at_every_boundary),
      cmocka_unit_test(test_builder_patches_counts_that_need_longer_heads),
      cmocka_unit_test(test_builder_fails_no_space_at_every_capacity_and_sticks),
      cmocka_unit_test(test_builder_rejects_misuse),
      cmocka_unit_test(test_builder_uuid_is_lower_case_text),
      cmocka_unit_test(test_builder_round_trips_every_type_through_the_decoder),
      cmocka_unit_test(test_enc_node_turns_indefinite_input_into_equal_definite_output),
      cmocka_unit_test(test_common_properties_round_trip_and_type_checks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
