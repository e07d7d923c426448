/* Unit tests of src/base: bounded reader/writer, uuid text form, endpoints, error strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "base/buf.h"
#include "base/uuid.h"
#include <ocf/ocf_endpoint.h>

static void test_reader_reads_big_endian_and_sticks_on_truncation(void **state) {
  (void)state;
  const uint8_t data[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
  ocf_reader r;
  ocf_reader_init(&r, data, sizeof data);
  assert_int_equal(ocf_reader_u8(&r), 0x01);
  assert_int_equal(ocf_reader_be16(&r), 0x0203);
  assert_int_equal(ocf_reader_be32(&r), 0x04050607);
  assert_int_equal(r.err, OCF_OK);
  assert_int_equal(ocf_reader_u8(&r), 0);
  assert_int_equal(r.err, OCF_ERR_TRUNCATED);
  assert_int_equal(ocf_reader_remaining(&r), 0);
  assert_null(ocf_reader_take(&r, 0)); /* sticky: nothing succeeds after the first error */
}

static void test_reader_take_refuses_more_than_remaining(void **state) {
  (void)state;
  const uint8_t data[3] = {0};
  ocf_reader r;
  ocf_reader_init(&r, data, sizeof data);
  assert_non_null(ocf_reader_take(&r, 2));
  assert_null(ocf_reader_take(&r, 2));
  assert_int_equal(r.err, OCF_ERR_TRUNCATED);
  assert_int_equal(r.pos, 2);
}

static void test_writer_stops_at_capacity(void **state) {
  (void)state;
  uint8_t buf[5];
  ocf_writer w;
  ocf_writer_init(&w, buf, sizeof buf);
  ocf_writer_be32(&w, 0xdeadbeef);
  assert_int_equal(w.err, OCF_OK);
  ocf_writer_be16(&w, 0x1234);
  assert_int_equal(w.err, OCF_ERR_NO_SPACE);
  assert_int_equal(w.len, 4);
  ocf_writer_u8(&w, 1);
  assert_int_equal(w.len, 4);
  assert_memory_equal(buf, "\xde\xad\xbe\xef", 4);
}

static void test_writer_uint_min_uses_fewest_bytes(void **state) {
  (void)state;
  const struct { uint32_t v; size_t len; const char *bytes; } cases[] = {
      {0, 0, ""}, {1, 1, "\x01"}, {255, 1, "\xff"}, {256, 2, "\x01\x00"},
      {10000, 2, "\x27\x10"}, {0x10000, 3, "\x01\x00\x00"}, {0xffffffffu, 4, "\xff\xff\xff\xff"}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint8_t buf[4];
    ocf_writer w;
    ocf_writer_init(&w, buf, sizeof buf);
    ocf_writer_uint_min(&w, cases[i].v);
    assert_int_equal(w.len, cases[i].len);
    assert_int_equal(ocf_uint_min_len(cases[i].v), cases[i].len);
    assert_memory_equal(buf, cases[i].bytes, cases[i].len);
  }
}

static void test_uuid_round_trip_lowercases(void **state) {
  (void)state;
  ocf_uuid u;
  const char *text = "CE3EEFDE-B8E3-4C08-5674-C3702EB35028";
  assert_int_equal(ocf_uuid_parse(text, strlen(text), &u), OCF_OK);
  assert_int_equal(u.b[0], 0xce);
  assert_int_equal(u.b[15], 0x28);
  char out[OCF_UUID_STR_LEN];
  ocf_uuid_format(&u, out);
  assert_string_equal(out, "ce3eefde-b8e3-4c08-5674-c3702eb35028");
}

static void test_uuid_accepts_one_trailing_nul_only(void **state) {
  (void)state;
  ocf_uuid u;
  /* IoTivity-Lite sends 37-byte text strings ending in NUL (digest §10 pitfall 2). */
  const char with_nul[38] = "132e0d5b-54d9-410c-5646-0f06a0e9d3ce";
  assert_int_equal(ocf_uuid_parse(with_nul, 37, &u), OCF_OK);
  const char with_x[] = "132e0d5b-54d9-410c-5646-0f06a0e9d3cex";
  assert_int_equal(ocf_uuid_parse(with_x, 37, &u), OCF_ERR_MALFORMED);
}

static void test_uuid_rejects_bad_text(void **state) {
  (void)state;
  ocf_uuid u;
  const char *bad[] = {"", "132e0d5b54d9410c56460f06a0e9d3ce", "132e0d5b-54d9-410c-5646-0f06a0e9d3c",
                       "132e0d5b-54d9-410c-5646-0f06a0e9d3cg", "132e0d5b+54d9-410c-5646-0f06a0e9d3ce"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(ocf_uuid_parse(bad[i], strlen(bad[i]), &u), OCF_ERR_MALFORMED);
}

static ocf_err fixed_random(void *ctx, uint8_t *out, size_t len) {
  (void)ctx;
  memset(out, 0xff, len);
  return OCF_OK;
}

static void test_uuid_generate_sets_version_and_variant(void **state) {
  (void)state;
  ocf_platform pf = {.random = fixed_random};
  ocf_uuid u;
  assert_int_equal(ocf_uuid_generate(&pf, &u), OCF_OK);
  assert_int_equal(u.b[6] & 0xf0, 0x40);
  assert_int_equal(u.b[8] & 0xc0, 0x80);
  assert_false(ocf_uuid_is_nil(&u));
}

static void test_endpoint_parse_and_format(void **state) {
  (void)state;
  const char *cases[] = {"coap://[fe80::1%2]:5683", "coaps://127.0.0.1:40000", "coap://[::1]:1",
                         "coap://[ff02::158%3]:5683"};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ocf_endpoint ep;
    assert_int_equal(ocf_endpoint_parse(cases[i], &ep), OCF_OK);
    char out[OCF_ENDPOINT_STR_MAX];
    assert_int_equal(ocf_endpoint_format(&ep, out, sizeof out), OCF_OK);
    assert_string_equal(out, cases[i]);
  }
  ocf_endpoint ep;
  assert_int_equal(ocf_endpoint_parse("coaps://[::1]", &ep), OCF_OK);
  assert_int_equal(ep.port, 5684);
  assert_true(ep.flags & OCF_EP_SECURE);
  assert_int_equal(ocf_endpoint_parse("coap://224.0.1.187", &ep), OCF_OK);
  assert_true(ocf_endpoint_is_multicast(&ep));
  const char *bad[] = {"http://[::1]:1", "coap://[::1", "coap://[::1]:65536", "coap://[::1]:x",
                       "coap://1.2.3:5", "coap://[::1]:5683/oic/res", "coap://[fe80::1%]:1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(ocf_endpoint_parse(bad[i], &ep), OCF_ERR_MALFORMED);
}

static void test_endpoint_equal_respects_scope_for_link_local(void **state) {
  (void)state;
  ocf_endpoint a, b;
  assert_int_equal(ocf_endpoint_parse("coap://[fe80::1%2]:5683", &a), OCF_OK);
  assert_int_equal(ocf_endpoint_parse("coap://[fe80::1%3]:5683", &b), OCF_OK);
  assert_false(ocf_endpoint_equal(&a, &b));
  assert_int_equal(ocf_endpoint_parse("coap://[2001:db8::1]:5683", &a), OCF_OK);
  b = a;
  b.ifindex = 7;
  assert_true(ocf_endpoint_equal(&a, &b));
}

static void test_strerror_names_every_code(void **state) {
  (void)state;
  for (int e = 0; e >= OCF_ERR_RESET; e--) assert_string_not_equal(ocf_strerror(e), "unknown error");
  assert_string_equal(ocf_strerror(-999), "unknown error");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reader_reads_big_endian_and_sticks_on_truncation),
      cmocka_unit_test(test_reader_take_refuses_more_than_remaining),
      cmocka_unit_test(test_writer_stops_at_capacity),
      cmocka_unit_test(test_writer_uint_min_uses_fewest_bytes),
      cmocka_unit_test(test_uuid_round_trip_lowercases),
      cmocka_unit_test(test_uuid_accepts_one_trailing_nul_only),
      cmocka_unit_test(test_uuid_rejects_bad_text),
      cmocka_unit_test(test_uuid_generate_sets_version_and_variant),
      cmocka_unit_test(test_endpoint_parse_and_format),
      cmocka_unit_test(test_endpoint_equal_respects_scope_for_link_local),
      cmocka_unit_test(test_strerror_names_every_code),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
