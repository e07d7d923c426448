/* Unit tests of /oic/res links: IoTivity-Lite and plgd shapes, baseline and OIC 1.1 forms,
 * round trips of both encodings, hostile and truncated replies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "rep/links.h"
#include "rep_test_util.h"

#define DI_TEXT "ce3eefde-b8e3-4c08-5674-c3702eb35028"

/* The digest §1.4 example as IoTivity-Lite sends it (indefinite containers):
 * [ {"anchor": "ocf://<di>", "href": "/oic/sec/doxm", "rt": ["oic.r.doxm"],
 *    "if": ["oic.if.rw", "oic.if.baseline"], "p": {"bm": 1},
 *    "eps": [{"ep": "coap://[fe80::a:b:c:d]:41000"}, {"ep": "coaps://[fe80::a:b:c:d]:41001"}]},
 *   {"anchor": "ocf://<di>", "href": "/oic/res", "rel": ["self"], "rt": ["oic.wk.res"],
 *    "if": ["oic.if.ll", "oic.if.baseline"], "p": {"bm": 3},
 *    "eps": [{"ep": "coaps://[fe80::a:b:c:d]:41001", "pri": 2}]} ] */
#define RES_IL_HEX                                                                                           \
  "9fbf66616e63686f72782a6f63663a2f2f63653365656664652d623865332d34"                                         \
  "6330382d353637342d63333730326562333530323864687265666d2f6f69632f"                                         \
  "7365632f646f786d6272749f6a6f69632e722e646f786dff6269669f696f6963"                                         \
  "2e69662e72776f6f69632e69662e626173656c696e65ff6170bf62626d01ff63"                                         \
  "6570739fbf626570781c636f61703a2f2f5b666538303a3a613a623a633a645d"                                         \
  "3a3431303030ffbf626570781d636f6170733a2f2f5b666538303a3a613a623a"                                         \
  "633a645d3a3431303031ffffffbf66616e63686f72782a6f63663a2f2f636533"                                         \
  "65656664652d623865332d346330382d353637342d6333373032656233353032"                                         \
  "386468726566682f6f69632f7265736372656c9f6473656c66ff6272749f6a6f"                                         \
  "69632e776b2e726573ff6269669f696f69632e69662e6c6c6f6f69632e69662e"                                         \
  "626173656c696e65ff6170bf62626d03ff636570739fbf626570781d636f6170"                                         \
  "733a2f2f5b666538303a3a613a623a633a645d3a34313030316370726902ffff"                                         \
  "ffff"

/* plgd's shape: definite containers, keys sorted bytewise, "di" instead of an anchor, and
 * properties we do not use ("type", eps "lat"):
 * [ {"p": {"bm": 1}, "di": "<di>", "if": ["oic.if.baseline", "oic.if.rw"], "rt": ["oic.r.doxm"],
 *    "eps": [{"ep": "coaps://[fe80::1]:5684", "lat": 240}], "href": "/oic/sec/doxm",
 *    "type": ["application/vnd.ocf+cbor"]} ] */
#define RES_PL_HEX                                                                                           \
  "81a76170a162626d01626469782463653365656664652d623865332d34633038"                                         \
  "2d353637342d633337303265623335303238626966826f6f69632e69662e6261"                                         \
  "73656c696e65696f69632e69662e7277627274816a6f69632e722e646f786d63"                                         \
  "65707381a262657076636f6170733a2f2f5b666538303a3a315d3a3536383463"                                         \
  "6c617418f064687265666d2f6f69632f7365632f646f786d6474797065817818"                                         \
  "6170706c69636174696f6e2f766e642e6f63662b63626f72"

/* Baseline form, indefinite: [ {"rt": ["oic.wk.res"], "if": ["oic.if.ll", "oic.if.baseline"],
 *   "links": [{"anchor": "ocf://<di>", "href": "/oic/d", "rt": ["oic.wk.d", "oic.d.light"],
 *              "if": ["oic.if.r", "oic.if.baseline"], "p": {"bm": 3}}],
 *   "sduuid": "12345678-1234-1234-1234-123456789ABC", "sdname": "home"} ] */
#define RES_BASELINE_HEX                                                                                     \
  "9fbf6272749f6a6f69632e776b2e726573ff6269669f696f69632e69662e6c6c"                                         \
  "6f6f69632e69662e626173656c696e65ff656c696e6b739fbf66616e63686f72"                                         \
  "782a6f63663a2f2f63653365656664652d623865332d346330382d353637342d"                                         \
  "6333373032656233353032386468726566662f6f69632f646272749f686f6963"                                         \
  "2e776b2e646b6f69632e642e6c69676874ff6269669f686f69632e69662e726f"                                         \
  "6f69632e69662e626173656c696e65ff6170bf62626d03ffffff667364757569"                                         \
  "64782431323334353637382d313233342d313233342d313233342d3132333435"                                         \
  "363738394142436673646e616d6564686f6d65ffff"

/* OIC 1.1: [ {"di": "<di>", "links": [{"href": "/a/light", "rt": ["core.light"], "if": ["oic.if.baseline"]}]}
 * ] */
#define RES_OIC11_HEX                                                                                        \
  "81a2626469782463653365656664652d623865332d346330382d353637342d63"                                         \
  "3337303265623335303238656c696e6b7381a36468726566682f612f6c696768"                                         \
  "74627274816a636f72652e6c69676874626966816f6f69632e69662e62617365"                                         \
  "6c696e65"

typedef struct parsed {
  test_doc doc;
  ocf_link links[8];
  ocf_res_info info;
} parsed;

static ocf_err parse_hex(parsed *p, const char *hex, size_t cap) {
  p->doc.len = unhex(hex, p->doc.buf, sizeof p->doc.buf);
  return ocf_links_parse(p->doc.buf, p->doc.len, NULL, p->doc.nodes, 256, p->links, cap, &p->info);
}

static void assert_di(const ocf_link *l) {
  ocf_uuid want;
  assert_int_equal(ocf_uuid_parse(DI_TEXT, 36, &want), OCF_OK);
  assert_true(l->has_di);
  assert_true(ocf_uuid_equal(&l->di, &want));
}

static void test_links_decode_iotivity_lite_discovery_reply(void **state) {
  (void)state;
  parsed p;
  assert_int_equal(parse_hex(&p, RES_IL_HEX, 8), OCF_OK);
  assert_false(p.info.baseline);
  assert_int_equal(p.info.n_links, 2);
  const ocf_link *doxm = &p.links[0], *res = &p.links[1];
  assert_di(doxm);
  assert_di(res);
  assert_true(ocf_rep_str_eq(doxm->anchor, "ocf://" DI_TEXT));
  assert_true(ocf_rep_str_eq(doxm->href, "/oic/sec/doxm"));
  assert_int_equal(doxm->n_rt, 1);
  assert_true(ocf_rep_str_eq(doxm->rt[0], "oic.r.doxm"));
  assert_int_equal(doxm->n_if, 2);
  assert_true(ocf_rep_str_eq(doxm->ifs[0], "oic.if.rw"));
  assert_true(doxm->has_bm);
  assert_int_equal(doxm->bm, OCF_LINK_BM_DISCOVERABLE);
  assert_int_equal(doxm->n_eps, 2);
  assert_true(ocf_rep_str_eq(doxm->eps[0].ep, "coap://[fe80::a:b:c:d]:41000"));
  assert_true(ocf_rep_str_eq(doxm->eps[1].ep, "coaps://[fe80::a:b:c:d]:41001"));
  assert_int_equal(doxm->eps[1].pri, 0);
  assert_true(ocf_rep_str_eq(res->href, "/oic/res"));
  assert_int_equal(res->bm, OCF_LINK_BM_DISCOVERABLE | OCF_LINK_BM_OBSERVABLE);
  assert_int_equal(res->n_eps, 1);
  assert_int_equal(res->eps[0].pri, 2);
  /* slices point into the reply */
  assert_true((const uint8_t *)doxm->href.ptr > p.doc.buf &&
              (const uint8_t *)doxm->href.ptr < p.doc.buf + p.doc.len);
}

static void test_links_decode_plgd_definite_sorted_with_di_and_unknown_keys(void **state) {
  (void)state;
  parsed p;
  assert_int_equal(parse_hex(&p, RES_PL_HEX, 8), OCF_OK);
  assert_int_equal(p.info.n_links, 1);
  assert_di(&p.links[0]);
  assert_int_equal(p.links[0].anchor.len, 0);
  assert_true(ocf_rep_str_eq(p.links[0].href, "/oic/sec/doxm"));
  assert_true(ocf_rep_str_eq(p.links[0].ifs[0], "oic.if.baseline"));
  assert_int_equal(p.links[0].n_eps, 1);
  assert_true(ocf_rep_str_eq(p.links[0].eps[0].ep, "coaps://[fe80::1]:5684"));
}

static void test_links_decode_baseline_form_with_security_domain(void **state) {
  (void)state;
  parsed p;
  assert_int_equal(parse_hex(&p, RES_BASELINE_HEX, 8), OCF_OK);
  assert_true(p.info.baseline);
  assert_int_equal(p.info.common.n_rt, 1);
  assert_true(ocf_rep_str_eq(p.info.common.rt[0], "oic.wk.res"));
  assert_int_equal(p.info.common.n_if, 2);
  assert_true(p.info.has_sduuid);
  char text[OCF_UUID_STR_LEN];
  ocf_uuid_format(&p.info.sduuid, text);
  assert_string_equal(text, "12345678-1234-1234-1234-123456789abc");
  assert_true(p.info.has_sdname && ocf_rep_str_eq(p.info.sdname, "home"));
  assert_int_equal(p.info.n_links, 1);
  assert_di(&p.links[0]);
  assert_true(ocf_rep_str_list_contains(p.links[0].rt, p.links[0].n_rt, "oic.d.light"));
  assert_int_equal(p.links[0].n_eps, 0);
}

static void test_links_decode_oic11_payload_di_applies_to_links(void **state) {
  (void)state;
  parsed p;
  assert_int_equal(parse_hex(&p, RES_OIC11_HEX, 8), OCF_OK);
  assert_true(p.info.baseline);
  assert_false(p.info.has_sduuid);
  assert_int_equal(p.info.n_links, 1);
  assert_di(&p.links[0]);
  assert_false(p.links[0].has_bm);
}

static void fill_links(ocf_link l[2], ocf_uuid *di) {
  assert_int_equal(ocf_uuid_parse(DI_TEXT, 36, di), OCF_OK);
  memset(l, 0, 2 * sizeof *l);
  l[0].has_di = true;
  l[0].di = *di;
  l[0].href = ocf_rep_str_of("/oic/sec/doxm");
  l[0].rt[0] = ocf_rep_str_of("oic.r.doxm");
  l[0].n_rt = 1;
  l[0].ifs[0] = ocf_rep_str_of("oic.if.rw");
  l[0].ifs[1] = ocf_rep_str_of("oic.if.baseline");
  l[0].n_if = 2;
  l[0].has_bm = true;
  l[0].bm = 1;
  l[0].eps[0].ep = ocf_rep_str_of("coap://[fe80::1]:40000");
  l[0].eps[1].ep = ocf_rep_str_of("coaps://[fe80::1]:40001");
  l[0].eps[1].pri = 1;
  l[0].n_eps = 2;
  l[1] = l[0];
  l[1].href = ocf_rep_str_of("/oic/d");
  l[1].has_di = false;
  l[1].anchor = ocf_rep_str_of("urn:example");
  l[1].has_bm = false;
  l[1].n_eps = 0;
}

static void test_links_round_trip_links_list_and_baseline_in_both_shapes(void **state) {
  (void)state;
  ocf_link l[2];
  ocf_uuid di;
  fill_links(l, &di);
  for (int form = 0; form < 4; form++) {
    uint8_t buf[1024];
    ocf_rep_enc e;
    ocf_rep_enc_init(&e, buf, sizeof buf);
    if (form & 1) ocf_rep_enc_use_indefinite(&e);
    ocf_res_info info = {.has_sduuid = true, .sduuid = di, .has_sdname = true, .sdname = {"sd", 2}};
    if (form & 2)
      ocf_links_encode_baseline(&e, l, 2, &info);
    else
      ocf_links_encode_ll(&e, l, 2);
    size_t len;
    assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
    ocf_rep_node nodes[128];
    ocf_link back[2];
    ocf_res_info got;
    assert_int_equal(ocf_links_parse(buf, len, NULL, nodes, 128, back, 2, &got), OCF_OK);
    assert_int_equal(got.n_links, 2);
    assert_int_equal(got.baseline, (form & 2) != 0);
    assert_true(ocf_link_equal(&l[0], &back[0]));
    assert_true(ocf_link_equal(&l[1], &back[1]));
    assert_false(ocf_link_equal(&l[0], &back[1]));
    if (form & 2) {
      assert_true(got.has_sduuid && ocf_uuid_equal(&got.sduuid, &di));
      assert_true(ocf_rep_str_list_contains(got.common.rt, got.common.n_rt, "oic.wk.res"));
      assert_true(ocf_rep_str_list_contains(got.common.ifs, got.common.n_if, "oic.if.ll"));
    }
  }
}

static void test_links_decode_rejects_bad_links_precisely(void **state) {
  (void)state;
  const struct {
    const char *hex;
    ocf_err err;
  } cases[] = {
      {"a0", OCF_ERR_TYPE},                                           /* root is a map */
      {"81 01", OCF_ERR_TYPE},                                        /* a link that is not a map */
      {"81 a1 627274 816161", OCF_ERR_NOT_FOUND},                     /* no href */
      {"81 a1 6468726566 01", OCF_ERR_TYPE},                          /* href not text */
      {"81 a2 6468726566 612f 627274 6161", OCF_ERR_TYPE},            /* rt not an array */
      {"81 a2 6468726566 612f 66616e63686f72 6a6f63663a2f2f6e6f7065", /* anchor "ocf://nope" */
       OCF_ERR_MALFORMED},
      {"81 a2 6468726566 612f 626469 6161", OCF_ERR_MALFORMED},                      /* di "a" */
      {"81 a2 6468726566 612f 6170 01", OCF_ERR_TYPE},                               /* p not a map */
      {"81 a2 6468726566 612f 6170 a162626d190100", OCF_ERR_RANGE},                  /* bm 256 */
      {"81 a2 6468726566 612f 63657073 a0", OCF_ERR_TYPE},                           /* eps not an array */
      {"81 a2 6468726566 612f 63657073 81a0", OCF_ERR_NOT_FOUND},                    /* eps item without ep */
      {"81 a2 6468726566 612f 63657073 81a2626570 6161 63707269 00", OCF_ERR_RANGE}, /* pri 0 */
      {"81 a2 6468726566 612f 63657073 89 a0a0a0a0a0a0a0a0a0", OCF_ERR_TOO_LARGE},   /* 9 eps */
      {"82 a1656c696e6b7380 a1656c696e6b7380", OCF_ERR_MALFORMED},                   /* two baseline maps */
      {"81 a1 656c696e6b73 a0", OCF_ERR_TYPE},                                       /* links not an array */
      {"81 a2 656c696e6b73 80 66736475756964 6161", OCF_ERR_MALFORMED},              /* bad sduuid */
      {"83 a1646872656661 2f a1646872656661 2f a1646872656661 2f", OCF_ERR_TOO_LARGE}, /* cap 2 */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    parsed p;
    p.info.n_links = 77;
    assert_int_equal(parse_hex(&p, cases[i].hex, 2), cases[i].err);
    assert_int_equal(p.info.n_links, 77); /* *info untouched on error */
  }
  parsed p;
  assert_int_equal(parse_hex(&p, "80", 0), OCF_OK); /* no links at all */
  assert_int_equal(p.info.n_links, 0);
}

static void test_links_decode_truncated_reply_at_every_offset_fails(void **state) {
  (void)state;
  const char *replies[] = {RES_IL_HEX, RES_PL_HEX, RES_BASELINE_HEX};
  for (size_t r = 0; r < 3; r++) {
    parsed p;
    assert_int_equal(parse_hex(&p, replies[r], 8), OCF_OK);
    for (size_t cut = 0; cut < p.doc.len; cut++) {
      uint8_t *copy = test_malloc(cut ? cut : 1);
      memcpy(copy, p.doc.buf, cut);
      ocf_res_info info;
      assert_int_equal(ocf_links_parse(copy, cut, NULL, p.doc.nodes, 256, p.links, 8, &info),
                       OCF_ERR_TRUNCATED);
      test_free(copy);
    }
  }
}

static void test_link_encode_refuses_counts_beyond_arrays(void **state) {
  (void)state;
  ocf_link l[2];
  ocf_uuid di;
  fill_links(l, &di);
  l[0].n_eps = OCF_LINK_MAX_EPS + 1;
  uint8_t buf[1024];
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, sizeof buf);
  ocf_links_encode_ll(&e, l, 1);
  size_t len;
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_ERR_INVALID_ARG);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_links_decode_iotivity_lite_discovery_reply),
      cmocka_unit_test(test_links_decode_plgd_definite_sorted_with_di_and_unknown_keys),
      cmocka_unit_test(test_links_decode_baseline_form_with_security_domain),
      cmocka_unit_test(test_links_decode_oic11_payload_di_applies_to_links),
      cmocka_unit_test(test_links_round_trip_links_list_and_baseline_in_both_shapes),
      cmocka_unit_test(test_links_decode_rejects_bad_links_precisely),
      cmocka_unit_test(test_links_decode_truncated_reply_at_every_offset_fails),
      cmocka_unit_test(test_link_encode_refuses_counts_beyond_arrays),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
