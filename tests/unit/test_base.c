/* Unit tests of src/base: bounded reader/writer, uuid text form, endpoints, error strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
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
  const struct {
    uint32_t v;
    size_t len;
    const char *bytes;
  } cases[] = {{0, 0, ""},
               {1, 1, "\x01"},
               {255, 1, "\xff"},
               {256, 2, "\x01\x00"},
               {10000, 2, "\x27\x10"},
               {0x10000, 3, "\x01\x00\x00"},
               {0xffffffffu, 4, "\xff\xff\xff\xff"}};
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
  const char *bad[] = {"http://[::1]:1",     "coap://[::1",    "coap://[::1]:65536",
                       "coap://[::1]:x",     "coap://1.2.3:5", "coap://[::1]:5683/oic/res",
                       "coap://[fe80::1%]:1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(ocf_endpoint_parse(bad[i], &ep), OCF_ERR_MALFORMED);
}

/* Parses "coap://[text]:1" and formats it back; returns the bracketed host part. */
static const char *ipv6_round_trip(const char *text, char out[OCF_ENDPOINT_STR_MAX]) {
  char uri[OCF_ENDPOINT_STR_MAX + 16];
  int n = snprintf(uri, sizeof uri, "coap://[%s]:1", text);
  assert_true(n > 0 && (size_t)n < sizeof uri);
  ocf_endpoint ep;
  assert_int_equal(ocf_endpoint_parse(uri, &ep), OCF_OK);
  assert_int_equal(ep.family, OCF_IPV6);
  assert_int_equal(ocf_endpoint_format(&ep, out, OCF_ENDPOINT_STR_MAX), OCF_OK);
  size_t len = strlen(out);
  assert_true(len > 10 && strcmp(out + len - 3, "]:1") == 0);
  out[len - 3] = '\0';
  return out + strlen("coap://[");
}

static void test_ipv6_format_is_rfc5952_canonical(void **state) {
  (void)state;
  const struct {
    const char *in, *canonical;
  } cases[] = {
      {"2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"}, /* 4.1 leading zeros */
      {"2001:db8:0:0:0:0:2:1", "2001:db8::2:1"},                    /* 4.2.1 shortest */
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},             /* 4.2.2 one group stays */
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},                      /* 4.2.3 longest run */
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},                /* 4.2.3 first on a tie */
      {"2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:FFFF", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff"}, /* 4.3 */
      {"0:0:0:0:0:0:0:0", "::"},
      {"0:0:0:0:0:0:0:1", "::1"},
      {"1:0:0:0:0:0:0:0", "1::"},
      {"1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"},
      {"::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"},
      {"1:0:0:2:0:0:0:3", "1:0:0:2::3"},
      {"::ffff:192.0.2.1", "::ffff:192.0.2.1"}, /* 5: IPv4-mapped keeps the dotted quad */
      {"::ffff:c000:201", "::ffff:192.0.2.1"},
      {"::192.0.2.1", "::c000:201"}, /* deprecated IPv4-compatible: plain hex */
      {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
      {"1:2:3:4:5:6:255.255.255.255", "1:2:3:4:5:6:ffff:ffff"},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char out[OCF_ENDPOINT_STR_MAX];
    assert_string_equal(ipv6_round_trip(cases[i].in, out), cases[i].canonical);
  }
}

static void test_ipv6_parse_places_groups_around_the_gap(void **state) {
  (void)state;
  ocf_endpoint ep;
  assert_int_equal(ocf_endpoint_parse("coap://[12:3400::ab:cd]", &ep), OCF_OK);
  const uint8_t want[16] = {0x00, 0x12, 0x34, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00, 0xab, 0x00, 0xcd};
  assert_memory_equal(ep.addr, want, 16);
  assert_int_equal(ocf_endpoint_parse("coap://[::ffff:1.2.3.4]", &ep), OCF_OK);
  const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 1, 2, 3, 4};
  assert_memory_equal(ep.addr, mapped, 16);
}

static void test_ipv6_parse_rejects_bad_text(void **state) {
  (void)state;
  /* Each goes between "coap://[" and "]". */
  const char *bad[] = {"",
                       ":",
                       ":::",
                       "1:::2",
                       "1::2::3",
                       ":1::2",
                       "1::2:",
                       "1:2:3:4:5:6:7",
                       "1:2:3:4:5:6:7:8:9",
                       "1:2:3:4:5:6:7:8::",
                       "::1:2:3:4:5:6:7:8",
                       "12345::1",
                       "g::1",
                       "::1.2.3",
                       "::1.2.3.256",
                       "1.2.3.4::",
                       "1:2:3:4:5:6:7:1.2.3.4",
                       "::ffff:01.2.3.4",
                       "::1 ",
                       " ::1",
                       "fe80::1%",
                       "fe80::1%x",
                       "fe80::1%4294967296",
                       "fe80::1%-1",
                       "fe80::1% 2",
                       "fe80::1%+2",
                       "::1]",
                       "[::1",
                       "::1%2%3"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char uri[64];
    ocf_endpoint ep;
    int n = snprintf(uri, sizeof uri, "coap://[%s]", bad[i]);
    assert_true(n > 0 && (size_t)n < sizeof uri);
    if (ocf_endpoint_parse(uri, &ep) != OCF_ERR_MALFORMED) fail_msg("accepted %s", uri);
  }
  ocf_endpoint ep;
  assert_int_equal(ocf_endpoint_parse("coap://[fe80::1%4294967295]", &ep), OCF_OK);
  assert_int_equal(ep.ifindex, UINT32_MAX);
}

static void test_ipv4_parse_and_format(void **state) {
  (void)state;
  const char *good[] = {"coap://0.0.0.0:0", "coap://255.255.255.255:65535", "coaps://10.0.0.1:5684"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    ocf_endpoint ep;
    assert_int_equal(ocf_endpoint_parse(good[i], &ep), OCF_OK);
    char out[OCF_ENDPOINT_STR_MAX];
    assert_int_equal(ocf_endpoint_format(&ep, out, sizeof out), OCF_OK);
    assert_string_equal(out, good[i]);
  }
  const char *bad[] = {"coap://256.1.1.1",  "coap://1.2.3.4.5",  "coap://01.2.3.4",
                       "coap://1..2.3",     "coap://1.2.3.",     "coap:// 1.2.3.4",
                       "coap://1.2.3.4 :5", "coap://+1.2.3.4",   "coap://1.2.3.0x1",
                       "coap://1.2.3.1000", "coap://",           "coap://:5683",
                       "coap://1.2.3.4:",   "coap://1.2.3.4:-1", "coap://1.2.3.4:99999999999"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ocf_endpoint ep;
    if (ocf_endpoint_parse(bad[i], &ep) != OCF_ERR_MALFORMED) fail_msg("accepted %s", bad[i]);
  }
}

static void test_endpoint_format_reports_small_buffer_and_bad_family(void **state) {
  (void)state;
  ocf_endpoint ep;
  assert_int_equal(ocf_endpoint_parse("coaps://[fe80::1%4294967295]:65535", &ep), OCF_OK);
  char out[OCF_ENDPOINT_STR_MAX];
  const char *want = "coaps://[fe80::1%4294967295]:65535";
  assert_int_equal(ocf_endpoint_format(&ep, out, strlen(want)), OCF_ERR_NO_SPACE);
  assert_int_equal(ocf_endpoint_format(&ep, out, strlen(want) + 1), OCF_OK);
  assert_string_equal(out, want);
  ep.family = 5;
  assert_int_equal(ocf_endpoint_format(&ep, out, sizeof out), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_endpoint_parse(NULL, &ep), OCF_ERR_INVALID_ARG);
}

static void test_endpoint_longest_text_fits_the_documented_maximum(void **state) {
  (void)state;
  ocf_endpoint ep = {.family = OCF_IPV6, .flags = OCF_EP_SECURE, .port = 65535, .ifindex = UINT32_MAX};
  memset(ep.addr, 0xff, sizeof ep.addr);
  ep.addr[1] = 0x02; /* ff02:ffff:...: scoped, so the %ifindex is printed */
  char out[OCF_ENDPOINT_STR_MAX];
  assert_int_equal(ocf_endpoint_format(&ep, out, sizeof out), OCF_OK);
  assert_string_equal(out, "coaps://[ff02:ffff:ffff:ffff:ffff:ffff:ffff:ffff%4294967295]:65535");
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
      cmocka_unit_test(test_ipv6_format_is_rfc5952_canonical),
      cmocka_unit_test(test_ipv6_parse_places_groups_around_the_gap),
      cmocka_unit_test(test_ipv6_parse_rejects_bad_text),
      cmocka_unit_test(test_ipv4_parse_and_format),
      cmocka_unit_test(test_endpoint_format_reports_small_buffer_and_bad_family),
      cmocka_unit_test(test_endpoint_longest_text_fits_the_documented_maximum),
      cmocka_unit_test(test_endpoint_equal_respects_scope_for_link_local),
      cmocka_unit_test(test_strerror_names_every_code),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
