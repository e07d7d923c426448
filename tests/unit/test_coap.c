/* Unit tests of the CoAP codec (src/coap): RFC 7252 examples, every option format, extended
 * delta/length encodings, URI assembly, block options, and hostile datagrams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "coap/coap.h"

/* RFC 7252 Appendix A, Figure 16: CON GET /temperature, MID 0x7d34, no token. */
static const uint8_t get_temperature[] = {0x40, 0x01, 0x7d, 0x34, 0xbb, 't', 'e', 'm',
                                          'p',  'e',  'r',  'a',  't',  'u', 'r', 'e'};
/* and its piggybacked answer: ACK 2.05 "22.3 C". */
static const uint8_t content_22_3[] = {0x60, 0x45, 0x7d, 0x34, 0xff, '2', '2', '.', '3', ' ', 'C'};

static void test_parse_rfc7252_get_example(void **state) {
  (void)state;
  ocf_coap_msg m;
  assert_int_equal(ocf_coap_parse(get_temperature, sizeof get_temperature, &m), OCF_OK);
  assert_int_equal(m.type, OCF_COAP_CON);
  assert_int_equal(m.code, OCF_COAP_GET);
  assert_int_equal(m.mid, 0x7d34);
  assert_int_equal(m.token_len, 0);
  assert_int_equal(m.n_options, 1);
  char path[32];
  assert_int_equal(ocf_coap_get_path(&m, path, sizeof path), OCF_OK);
  assert_string_equal(path, "/temperature");
  assert_null(m.payload);
}

static void test_parse_rfc7252_response_example(void **state) {
  (void)state;
  ocf_coap_msg m;
  assert_int_equal(ocf_coap_parse(content_22_3, sizeof content_22_3, &m), OCF_OK);
  assert_int_equal(m.type, OCF_COAP_ACK);
  assert_int_equal(m.code, OCF_COAP_CONTENT);
  assert_int_equal(m.payload_len, 6);
  assert_memory_equal(m.payload, "22.3 C", 6);
  assert_false(ocf_coap_is_request(m.code));
}

static void test_serialize_reproduces_rfc7252_examples(void **state) {
  (void)state;
  ocf_coap_msg m;
  ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_GET, 0x7d34);
  uint8_t scratch[32];
  assert_int_equal(ocf_coap_set_uri_path_query(&m, "/temperature", scratch, sizeof scratch), OCF_OK);
  uint8_t out[64];
  size_t len;
  assert_int_equal(ocf_coap_serialize(&m, out, sizeof out, &len), OCF_OK);
  assert_int_equal(len, sizeof get_temperature);
  assert_memory_equal(out, get_temperature, len);

  ocf_coap_init(&m, OCF_COAP_ACK, OCF_COAP_CONTENT, 0x7d34);
  m.payload = (const uint8_t *)"22.3 C";
  m.payload_len = 6;
  assert_int_equal(ocf_coap_serialize(&m, out, sizeof out, &len), OCF_OK);
  assert_int_equal(len, sizeof content_22_3);
  assert_memory_equal(out, content_22_3, len);
}

/* Round-trips a message with options at every delta/length encoding boundary. */
static void test_extended_delta_and_length_round_trip(void **state) {
  (void)state;
  static uint8_t big[1000];
  memset(big, 'x', sizeof big);
  const struct {
    uint16_t number;
    size_t len;
  } opts[] = {{1, 0},   {12, 12},  {13, 13},  {25, 268},    {26, 269},
              {294, 1}, {2049, 2}, {2053, 2}, {65000, 1000}};
  ocf_coap_msg m;
  ocf_coap_init(&m, OCF_COAP_NON, OCF_COAP_POST, 1);
  for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
    assert_int_equal(ocf_coap_add_option(&m, opts[i].number, big, opts[i].len), OCF_OK);
  m.payload = (const uint8_t *)"p";
  m.payload_len = 1;
  static uint8_t out[4096];
  size_t len;
  assert_int_equal(ocf_coap_serialize(&m, out, sizeof out, &len), OCF_OK);
  ocf_coap_msg back;
  assert_int_equal(ocf_coap_parse(out, len, &back), OCF_OK);
  assert_int_equal(back.n_options, sizeof opts / sizeof opts[0]);
  for (size_t i = 0; i < back.n_options; i++) {
    assert_int_equal(back.options[i].number, opts[i].number);
    assert_int_equal(back.options[i].len, opts[i].len);
  }
  assert_int_equal(back.payload_len, 1);
}

static void test_delta_13_and_14_encodings_are_exact(void **state) {
  (void)state;
  ocf_coap_msg m;
  ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_GET, 0);
  assert_int_equal(ocf_coap_add_uint_option(&m, OCF_COAP_OPT_OCF_ACCEPT_VERSION, 2048), OCF_OK);
  uint8_t out[16];
  size_t len;
  assert_int_equal(ocf_coap_serialize(&m, out, sizeof out, &len), OCF_OK);
  /* delta 2049 -> nibble 14, extension 2049 - 269 = 0x06f4; length 2; value 0x0800 */
  const uint8_t want[] = {0x40, 0x01, 0x00, 0x00, 0xe2, 0x06, 0xf4, 0x08, 0x00};
  assert_int_equal(len, sizeof want);
  assert_memory_equal(out, want, len);
}

static void test_uint_options_round_trip_and_reject_long_values(void **state) {
  (void)state;
  const uint32_t values[] = {0, 1, 255, 256, 10000, 0xffffff, 0xffffffff};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
    ocf_coap_msg m;
    ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_GET, 0);
    assert_int_equal(ocf_coap_add_uint_option(&m, OCF_COAP_OPT_CONTENT_FORMAT, values[i]), OCF_OK);
    uint8_t out[16];
    size_t len;
    assert_int_equal(ocf_coap_serialize(&m, out, sizeof out, &len), OCF_OK);
    ocf_coap_msg back;
    assert_int_equal(ocf_coap_parse(out, len, &back), OCF_OK);
    uint32_t v = 1;
    assert_int_equal(ocf_coap_get_uint_option(&back, OCF_COAP_OPT_CONTENT_FORMAT, &v), OCF_OK);
    assert_int_equal(v, values[i]);
  }
  const uint8_t five_bytes[] = {0x40, 0x01, 0, 0, 0xc5, 1, 2, 3, 4, 5}; /* Content-Format, 5 bytes */
  ocf_coap_msg m;
  assert_int_equal(ocf_coap_parse(five_bytes, sizeof five_bytes, &m), OCF_OK);
  uint32_t v;
  assert_int_equal(ocf_coap_get_uint_option(&m, OCF_COAP_OPT_CONTENT_FORMAT, &v), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_coap_get_uint_option(&m, OCF_COAP_OPT_ACCEPT, &v), OCF_ERR_NOT_FOUND);
}

static void test_builder_keeps_options_sorted_and_repeats_in_order(void **state) {
  (void)state;
  ocf_coap_msg m;
  ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_GET, 0);
  assert_int_equal(ocf_coap_add_option(&m, OCF_COAP_OPT_URI_QUERY, "b=2", 3), OCF_OK);
  assert_int_equal(ocf_coap_add_option(&m, OCF_COAP_OPT_URI_PATH, "oic", 3), OCF_OK);
  assert_int_equal(ocf_coap_add_option(&m, OCF_COAP_OPT_URI_QUERY, "a=1", 3), OCF_OK);
  assert_int_equal(ocf_coap_add_option(&m, OCF_COAP_OPT_URI_PATH, "res", 3), OCF_OK);
  assert_int_equal(ocf_coap_add_uint_option(&m, OCF_COAP_OPT_CONTENT_FORMAT, 10000), OCF_OK);
  assert_int_equal(m.options[0].number, OCF_COAP_OPT_URI_PATH);
  assert_memory_equal(m.options[1].value, "res", 3);
  assert_int_equal(m.options[2].number, OCF_COAP_OPT_CONTENT_FORMAT);
  assert_memory_equal(m.options[3].value, "b=2", 3);
  assert_memory_equal(m.options[4].value, "a=1", 3);
  ocf_coap_remove_option(&m, OCF_COAP_OPT_URI_QUERY);
  assert_int_equal(m.n_options, 3);
}

static void test_option_table_full_is_too_large(void **state) {
  (void)state;
  ocf_coap_msg m;
  ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_GET, 0);
  for (int i = 0; i < OCF_COAP_MAX_OPTIONS; i++)
    assert_int_equal(ocf_coap_add_option(&m, OCF_COAP_OPT_URI_PATH, "a", 1), OCF_OK);
  assert_int_equal(ocf_coap_add_option(&m, OCF_COAP_OPT_URI_PATH, "a", 1), OCF_ERR_TOO_LARGE);
  /* The parser has the same cap: 41 one-byte Uri-Path options. */
  uint8_t dgram[4 + 2 * (OCF_COAP_MAX_OPTIONS + 1)] = {0x40, 0x01, 0, 0, 0xb1, 'a'};
  for (int i = 1; i <= OCF_COAP_MAX_OPTIONS; i++) {
    dgram[4 + 2 * i] = 0x01;
    dgram[5 + 2 * i] = 'a';
  }
  ocf_coap_msg back;
  assert_int_equal(ocf_coap_parse(dgram, sizeof dgram, &back), OCF_ERR_TOO_LARGE);
}

static void test_uri_percent_decoding_and_query_split(void **state) {
  (void)state;
  ocf_coap_msg m;
  ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_GET, 0);
  uint8_t scratch[64];
  assert_int_equal(
      ocf_coap_set_uri_path_query(&m, "/oic/sec/doxm%41?owned=FALSE&x=%26&flag", scratch, sizeof scratch),
      OCF_OK);
  char path[32];
  assert_int_equal(ocf_coap_get_path(&m, path, sizeof path), OCF_OK);
  assert_string_equal(path, "/oic/sec/doxmA");
  const uint8_t *v;
  size_t vlen;
  assert_non_null(ocf_coap_find_query(&m, "OWNED", NULL, &v, &vlen)); /* keys ignore case */
  assert_int_equal(vlen, 5);
  assert_memory_equal(v, "FALSE", 5);
  assert_non_null(ocf_coap_find_query(&m, "x", NULL, &v, &vlen));
  assert_int_equal(vlen, 1);
  assert_int_equal(v[0], '&');
  assert_non_null(ocf_coap_find_query(&m, "flag", NULL, &v, &vlen));
  assert_int_equal(vlen, 0);
  assert_null(ocf_coap_find_query(&m, "own", NULL, &v, &vlen));
}

static void test_uri_rejects_bad_escapes_and_small_scratch(void **state) {
  (void)state;
  ocf_coap_msg m;
  uint8_t scratch[8];
  const char *bad[] = {"/a%", "/a%4", "/a%zz", "/?q=%g0"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_GET, 0);
    assert_int_equal(ocf_coap_set_uri_path_query(&m, bad[i], scratch, sizeof scratch), OCF_ERR_MALFORMED);
  }
  ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_GET, 0);
  assert_int_equal(ocf_coap_set_uri_path_query(&m, "/0123456789", scratch, sizeof scratch), OCF_ERR_NO_SPACE);
  ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_GET, 0);
  assert_int_equal(ocf_coap_set_uri_path_query(&m, "/", scratch, sizeof scratch), OCF_OK);
  assert_int_equal(m.n_options, 0);
}

static void test_get_path_refuses_dangerous_segments(void **state) {
  (void)state;
  const char *segs[] = {"a/b", "..", ".", "a\0b"};
  const size_t lens[] = {3, 2, 1, 3};
  for (size_t i = 0; i < 4; i++) {
    ocf_coap_msg m;
    ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_GET, 0);
    assert_int_equal(ocf_coap_add_option(&m, OCF_COAP_OPT_URI_PATH, segs[i], lens[i]), OCF_OK);
    char path[16];
    assert_int_equal(ocf_coap_get_path(&m, path, sizeof path), OCF_ERR_MALFORMED);
  }
  ocf_coap_msg m;
  ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_GET, 0);
  char path[4];
  assert_int_equal(ocf_coap_get_path(&m, path, sizeof path), OCF_OK);
  assert_string_equal(path, "/");
  assert_int_equal(ocf_coap_add_option(&m, OCF_COAP_OPT_URI_PATH, "abcd", 4), OCF_OK);
  assert_int_equal(ocf_coap_get_path(&m, path, sizeof path), OCF_ERR_NO_SPACE);
}

static void test_parse_rejects_malformed_headers(void **state) {
  (void)state;
  const struct {
    const char *name;
    uint8_t bytes[8];
    size_t len;
    ocf_err want;
  } cases[] = {
      {"short header", {0x40, 0x01, 0x00}, 3, OCF_ERR_TRUNCATED},
      {"version 2", {0x80, 0x01, 0, 0}, 4, OCF_ERR_UNSUPPORTED},
      {"token length 9", {0x49, 0x01, 0, 0, 1, 2, 3, 4}, 8, OCF_ERR_MALFORMED},
      {"token truncated", {0x44, 0x01, 0, 0, 1, 2}, 6, OCF_ERR_TRUNCATED},
      {"class 1 code", {0x40, 0x20, 0, 0}, 4, OCF_ERR_MALFORMED},
      {"class 7 code", {0x40, 0xe0, 0, 0}, 4, OCF_ERR_MALFORMED},
      {"empty with token", {0x41, 0x00, 0, 0, 9}, 5, OCF_ERR_MALFORMED},
      {"empty with bytes", {0x40, 0x00, 0, 0, 0xff, 1}, 6, OCF_ERR_MALFORMED},
      {"marker, no payload", {0x40, 0x01, 0, 0, 0xff}, 5, OCF_ERR_MALFORMED},
      {"delta nibble 15", {0x40, 0x01, 0, 0, 0xf1, 'a'}, 6, OCF_ERR_MALFORMED},
      {"length nibble 15", {0x40, 0x01, 0, 0, 0x1f, 'a'}, 6, OCF_ERR_MALFORMED},
      {"ext8 truncated", {0x40, 0x01, 0, 0, 0xd0}, 5, OCF_ERR_TRUNCATED},
      {"ext16 truncated", {0x40, 0x01, 0, 0, 0x0e, 0x01}, 6, OCF_ERR_TRUNCATED},
      {"value truncated", {0x40, 0x01, 0, 0, 0xb4, 'o', 'i'}, 7, OCF_ERR_TRUNCATED},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ocf_coap_msg m;
    ocf_err got = ocf_coap_parse(cases[i].bytes, cases[i].len, &m);
    if (got != cases[i].want) fail_msg("%s: got %d want %d", cases[i].name, got, cases[i].want);
    if (cases[i].len >= 4) assert_int_equal(m.mid, 0); /* header fields still reported */
  }
}

static void test_parse_reports_type_and_mid_of_malformed_con(void **state) {
  (void)state;
  const uint8_t bad[] = {0x40, 0x01, 0x12, 0x34, 0xf1, 'a'};
  ocf_coap_msg m;
  assert_int_equal(ocf_coap_parse(bad, sizeof bad, &m), OCF_ERR_MALFORMED);
  assert_int_equal(m.type, OCF_COAP_CON);
  assert_int_equal(m.mid, 0x1234);
}

static void test_option_number_overflow_is_malformed(void **state) {
  (void)state;
  /* Two options each with delta 65535 + 269 - 1 ... -> number beyond 65535. */
  const uint8_t bad[] = {0x40, 0x01, 0, 0, 0xe0, 0xff, 0x00, 0xe0, 0xff, 0x00};
  ocf_coap_msg m;
  assert_int_equal(ocf_coap_parse(bad, sizeof bad, &m), OCF_ERR_MALFORMED);
}

static void test_every_truncation_of_a_valid_message_fails_cleanly(void **state) {
  (void)state;
  ocf_coap_msg m;
  ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_POST, 0xbeef);
  const uint8_t token[] = {1, 2, 3, 4, 5, 6, 7, 8};
  assert_int_equal(ocf_coap_set_token(&m, token, sizeof token), OCF_OK);
  uint8_t scratch[64];
  assert_int_equal(ocf_coap_set_uri_path_query(&m, "/oic/sec/doxm?owned=FALSE", scratch, sizeof scratch),
                   OCF_OK);
  static uint8_t long_value[300];
  assert_int_equal(ocf_coap_add_option(&m, 300, long_value, sizeof long_value), OCF_OK);
  m.payload = (const uint8_t *)"\xa0";
  m.payload_len = 1;
  uint8_t out[512];
  size_t len;
  assert_int_equal(ocf_coap_serialize(&m, out, sizeof out, &len), OCF_OK);
  for (size_t cut = 0; cut < len; cut++) {
    ocf_coap_msg back;
    ocf_err err = ocf_coap_parse(out, cut, &back);
    /* Cutting right after an option leaves a valid, shorter message; anywhere else must fail. */
    if (err == OCF_OK) assert_true(back.n_options < m.n_options || back.payload_len == 0);
  }
  ocf_coap_msg back;
  assert_int_equal(ocf_coap_parse(out, len, &back), OCF_OK);
  assert_memory_equal(back.token, token, sizeof token);
}

static void test_serialize_checks_space_order_and_token(void **state) {
  (void)state;
  ocf_coap_msg m;
  ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_GET, 1);
  assert_int_equal(ocf_coap_add_option(&m, OCF_COAP_OPT_URI_PATH, "oic", 3), OCF_OK);
  uint8_t out[7];
  size_t len;
  assert_int_equal(ocf_coap_serialize(&m, out, sizeof out, &len), OCF_ERR_NO_SPACE);
  ocf_coap_option tmp = m.options[0];
  assert_int_equal(ocf_coap_add_option(&m, OCF_COAP_OPT_URI_HOST, "h", 1), OCF_OK);
  m.options[0] = tmp; /* break the order on purpose */
  m.options[1].number = OCF_COAP_OPT_URI_HOST;
  uint8_t big[32];
  assert_int_equal(ocf_coap_serialize(&m, big, sizeof big, &len), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_coap_set_token(&m, big, 9), OCF_ERR_INVALID_ARG);
}

static void test_unknown_critical_option_is_found(void **state) {
  (void)state;
  ocf_coap_msg m;
  ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_GET, 1);
  assert_int_equal(ocf_coap_add_uint_option(&m, OCF_COAP_OPT_OCF_ACCEPT_VERSION, 2048), OCF_OK);
  assert_int_equal(ocf_coap_add_option(&m, OCF_COAP_OPT_URI_PATH, "x", 1), OCF_OK);
  assert_int_equal(ocf_coap_add_option(&m, 2050, "", 0), OCF_OK); /* elective: ignored */
  const uint16_t known[] = {OCF_COAP_OPT_URI_PATH, OCF_COAP_OPT_OCF_ACCEPT_VERSION};
  assert_null(ocf_coap_first_unknown_critical(&m, known, 2));
  assert_int_equal(ocf_coap_add_option(&m, 2051, "", 0), OCF_OK);
  const ocf_coap_option *o = ocf_coap_first_unknown_critical(&m, known, 2);
  assert_non_null(o);
  assert_int_equal(o->number, 2051);
  assert_true(ocf_coap_option_is_critical(OCF_COAP_OPT_OCF_CONTENT_VERSION));
}

static void test_block_option_encode_decode(void **state) {
  (void)state;
  ocf_coap_block b = {.num = 5, .more = true, .szx = 6};
  uint32_t v = ocf_coap_block_encode(&b);
  assert_int_equal(v, (5u << 4) | 0x08 | 6);
  ocf_coap_block back;
  assert_int_equal(ocf_coap_block_decode(v, &back), OCF_OK);
  assert_int_equal(back.num, 5);
  assert_true(back.more);
  assert_int_equal(OCF_COAP_BLOCK_SIZE(back.szx), 1024);
  assert_int_equal(ocf_coap_block_decode(7, &back), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_coap_block_decode(0x1000000, &back), OCF_ERR_MALFORMED);
  ocf_coap_msg m;
  ocf_coap_init(&m, OCF_COAP_CON, OCF_COAP_GET, 1);
  assert_int_equal(ocf_coap_get_block(&m, OCF_COAP_OPT_BLOCK2, &back), OCF_ERR_NOT_FOUND);
  b.num = 0xfffff;
  assert_int_equal(ocf_coap_add_uint_option(&m, OCF_COAP_OPT_BLOCK2, ocf_coap_block_encode(&b)), OCF_OK);
  assert_int_equal(ocf_coap_get_block(&m, OCF_COAP_OPT_BLOCK2, &back), OCF_OK);
  assert_int_equal(back.num, 0xfffff);
  assert_int_equal(ocf_coap_add_uint_option(&m, OCF_COAP_OPT_BLOCK1, 0x01000000), OCF_OK);
  assert_int_equal(ocf_coap_get_block(&m, OCF_COAP_OPT_BLOCK1, &back), OCF_ERR_MALFORMED);
}

static void test_code_strings(void **state) {
  (void)state;
  char s[5];
  ocf_coap_code_str(OCF_COAP_CONTENT, s);
  assert_string_equal(s, "2.05");
  ocf_coap_code_str(OCF_COAP_UNSUPPORTED_CONTENT_FORMAT, s);
  assert_string_equal(s, "4.15");
  ocf_coap_code_str(OCF_COAP_CONTINUE, s);
  assert_string_equal(s, "2.31");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_rfc7252_get_example),
      cmocka_unit_test(test_parse_rfc7252_response_example),
      cmocka_unit_test(test_serialize_reproduces_rfc7252_examples),
      cmocka_unit_test(test_extended_delta_and_length_round_trip),
      cmocka_unit_test(test_delta_13_and_14_encodings_are_exact),
      cmocka_unit_test(test_uint_options_round_trip_and_reject_long_values),
      cmocka_unit_test(test_builder_keeps_options_sorted_and_repeats_in_order),
      cmocka_unit_test(test_option_table_full_is_too_large),
      cmocka_unit_test(test_uri_percent_decoding_and_query_split),
      cmocka_unit_test(test_uri_rejects_bad_escapes_and_small_scratch),
      cmocka_unit_test(test_get_path_refuses_dangerous_segments),
      cmocka_unit_test(test_parse_rejects_malformed_headers),
      cmocka_unit_test(test_parse_reports_type_and_mid_of_malformed_con),
      cmocka_unit_test(test_option_number_overflow_is_malformed),
      cmocka_unit_test(test_every_truncation_of_a_valid_message_fails_cleanly),
      cmocka_unit_test(test_serialize_checks_space_order_and_token),
      cmocka_unit_test(test_unknown_critical_option_is_found),
      cmocka_unit_test(test_block_option_encode_decode),
      cmocka_unit_test(test_code_strings),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
