/* Unit tests of src/device over the simulated network: the core resources /oic/res, /oic/d and
 * /oic/p (digest 1.4, 1.5), and the checks every request goes through (digest 1.2, 1.6). The
 * application resource /switch and the resource table are in test_device_app.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/uuid.h"
#include "device_fixture.h"

static int setup(void **state) {
  static dfx f; /* large; one test runs at a time */
  dfx_init(&f, NULL);
  *state = &f;
  return 0;
}

static int teardown(void **state) {
  dfx_free(*state);
  return 0;
}

static const char *di_text(const dfx *f, char out[OCF_UUID_STR_LEN]) {
  ocf_uuid di;
  ocf_device_get_di(f->dev, &di);
  ocf_uuid_format(&di, out);
  return out;
}

/* Decodes an /oic/res body into links (and info). */
static size_t parse_links(dfx *f, const dfx_response *r, ocf_link *links, size_t cap, ocf_res_info *info) {
  assert_non_null(r);
  assert_int_equal(r->code, OCF_COAP_CONTENT);
  assert_int_equal(ocf_links_parse(r->body, r->len, NULL, f->nodes, sizeof f->nodes / sizeof f->nodes[0],
                                   links, cap, info),
                   OCF_OK);
  return info->n_links;
}

static const ocf_link *find_link(const ocf_link *links, size_t n, const char *href) {
  for (size_t i = 0; i < n; i++)
    if (ocf_rep_str_eq(links[i].href, href)) return &links[i];
  return NULL;
}

static bool link_has_ep(const ocf_link *l, const char *ep) {
  for (size_t i = 0; i < l->n_eps; i++)
    if (ocf_rep_str_eq(l->eps[i].ep, ep)) return true;
  return false;
}

/* --- /oic/res -------------------------------------------------------------------------------- */

static void test_res_ll_lists_every_discoverable_resource_with_anchor_rt_if_bm(void **state) {
  dfx *f = *state;
  const dfx_response *r = dfx_get(f, "/oic/res");
  assert_int_equal(r->cf, OCF_COAP_CF_VND_OCF_CBOR);
  assert_int_equal(r->version, DFX_NONE); /* the client sent no version option */
  ocf_link links[16];
  ocf_res_info info;
  /* the 3 core resources, /switch and 8 SVRs (no /oic/sec/csr without certificate support) */
  assert_int_equal(parse_links(f, r, links, 16, &info), DFX_N_LINKS);
  assert_false(info.baseline);
  ocf_uuid di;
  ocf_device_get_di(f->dev, &di);
  char anchor[64];
  char di_str[OCF_UUID_STR_LEN];
  snprintf(anchor, sizeof anchor, "ocf://%s", di_text(f, di_str));
  for (size_t i = 0; i < DFX_N_LINKS; i++) {
    assert_true(links[i].has_di && ocf_uuid_equal(&links[i].di, &di));
    assert_true(ocf_rep_str_eq(links[i].anchor, anchor));
    assert_true(links[i].has_bm);
    assert_int_equal(links[i].bm, OCF_LINK_BM_DISCOVERABLE);
  }
  const ocf_link *d = find_link(links, DFX_N_LINKS, "/oic/d");
  assert_non_null(d);
  assert_int_equal(d->n_rt, 2);
  assert_true(ocf_rep_str_eq(d->rt[0], "oic.wk.d") && ocf_rep_str_eq(d->rt[1], "oic.d.light"));
  assert_int_equal(d->n_if, 2);
  assert_true(ocf_rep_str_eq(d->ifs[0], "oic.if.r") && ocf_rep_str_eq(d->ifs[1], "oic.if.baseline"));
  const ocf_link *res = find_link(links, DFX_N_LINKS, "/oic/res");
  assert_non_null(res);
  assert_true(ocf_rep_str_eq(res->rt[0], "oic.wk.res") && ocf_rep_str_eq(res->ifs[0], "oic.if.ll"));
  assert_non_null(find_link(links, DFX_N_LINKS, "/oic/p"));
  const ocf_link *sw = find_link(links, DFX_N_LINKS, "/switch");
  assert_non_null(sw);
  assert_true(ocf_rep_str_eq(sw->rt[0], "oic.r.switch.binary") && ocf_rep_str_eq(sw->ifs[0], "oic.if.a"));
}

static void test_res_eps_are_those_of_the_request_family_and_interface_without_zone(void **state) {
  dfx *f = *state;
  ocf_link links[16];
  ocf_res_info info;
  size_t n = parse_links(f, dfx_get(f, "/oic/res"), links, 16, &info);
  for (size_t i = 0; i < n; i++) {
    if (dfx_secure_svr_link(&links[i])) { /* digest 1.4: SVRs but doxm and pstat: coaps only */
      assert_int_equal(links[i].n_eps, 1);
      assert_true(link_has_ep(&links[i], "coaps://[fd00::1]:40002"));
      continue;
    }
    assert_int_equal(links[i].n_eps, 3);
    assert_true(link_has_ep(&links[i], "coap://[fe80::1]:40001")); /* digest pitfall 28: no %1 */
    assert_true(link_has_ep(&links[i], "coap://[fd00::1]:40001"));
    assert_true(link_has_ep(&links[i], "coaps://[fd00::1]:40002"));
  }
  dfx_req v4 = dfx_request(OCF_COAP_GET, "/oic/res");
  v4.ipv4 = true;
  n = parse_links(f, dfx_send(f, &v4), links, 16, &info);
  assert_int_equal(n, DFX_N_LINKS);
  assert_false(dfx_secure_svr_link(&links[0]));
  assert_int_equal(links[0].n_eps, 2);
  assert_true(link_has_ep(&links[0], "coap://10.0.0.1:40003"));
  assert_true(link_has_ep(&links[0], "coaps://10.0.0.1:40004"));
}

static ocf_status secret_get(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  (void)user;
  (void)req;
  (void)rsp;
  return OCF_STATUS_CONTENT;
}

static void test_res_secure_resource_advertises_only_coaps_eps(void **state) {
  dfx *f = *state;
  static const char *const rt[] = {"x.secret"};
  static const char *const ifs[] = {"oic.if.r"};
  ocf_resource_def def = {.href = "/secret",
                          .types = rt,
                          .n_types = 1,
                          .interfaces = ifs,
                          .n_interfaces = 1,
                          .flags = OCF_RES_DISCOVERABLE | OCF_RES_SECURE,
                          .get = secret_get};
  assert_int_equal(ocf_device_add_resource(f->dev, &def), OCF_OK);
  ocf_link links[16];
  ocf_res_info info;
  size_t n = parse_links(f, dfx_get(f, "/oic/res"), links, 16, &info);
  const ocf_link *l = find_link(links, n, "/secret");
  assert_non_null(l);
  assert_int_equal(l->n_eps, 1);
  assert_true(link_has_ep(l, "coaps://[fd00::1]:40002"));
}

static void test_res_baseline_is_one_map_with_rt_if_and_links(void **state) {
  dfx *f = *state;
  const dfx_response *r = dfx_get(f, "/oic/res?if=oic.if.baseline");
  const ocf_rep_node *root = dfx_decode(f, r);
  assert_int_equal(ocf_rep_count(root), 1);
  const ocf_rep_node *map = ocf_rep_first(root);
  char text[256];
  dfx_join_texts(ocf_rep_map_value(map, "rt"), text, sizeof text);
  assert_string_equal(text, "oic.wk.res");
  dfx_join_texts(ocf_rep_map_value(map, "if"), text, sizeof text);
  assert_string_equal(text, "oic.if.ll,oic.if.baseline");
  assert_int_equal(ocf_rep_count(ocf_rep_map_value(map, "links")), DFX_N_LINKS);
  assert_int_equal(ocf_rep_count(map), 3); /* nothing else: no sduuid without /oic/sec/sdi */
  ocf_link links[16];
  ocf_res_info info;
  assert_int_equal(parse_links(f, r, links, 16, &info), DFX_N_LINKS);
  assert_true(info.baseline);
}

static void test_res_rt_filters_are_or_ed(void **state) {
  dfx *f = *state;
  ocf_link links[16];
  ocf_res_info info;
  size_t n = parse_links(f, dfx_get(f, "/oic/res?rt=oic.r.switch.binary&rt=oic.wk.p"), links, 16, &info);
  assert_int_equal(n, 2);
  assert_non_null(find_link(links, n, "/switch"));
  assert_non_null(find_link(links, n, "/oic/p"));
  n = parse_links(f, dfx_get(f, "/oic/res?rt=oic.d.light"), links, 16, &info); /* any rt of the resource */
  assert_int_equal(n, 1);
  assert_true(ocf_rep_str_eq(links[0].href, "/oic/d"));
  n = parse_links(f, dfx_get(f, "/oic/res?rt=oic.wk"), links, 16, &info); /* exact match only */
  assert_int_equal(n, 0);
}

/* Docs/decisions 0007: a unicast request matching nothing gets an empty list, not an error. */
static void test_res_unicast_without_match_answers_empty_list(void **state) {
  dfx *f = *state;
  const dfx_response *r = dfx_get(f, "/oic/res?rt=oic.r.nothing");
  const ocf_rep_node *root = dfx_decode(f, r);
  assert_int_equal(r->code, OCF_COAP_CONTENT);
  assert_int_equal(ocf_rep_count(root), 0);
  r = dfx_get(f, "/oic/res?rt=oic.r.nothing&if=oic.if.baseline");
  root = dfx_decode(f, r);
  assert_int_equal(ocf_rep_count(ocf_rep_map_value(ocf_rep_first(root), "links")), 0);
}

static void test_res_multicast_without_match_stays_silent(void **state) {
  dfx *f = *state;
  dfx_req r = dfx_request(OCF_COAP_GET, "/oic/res?rt=oic.r.nothing");
  r.multicast = true;
  assert_null(dfx_send(f, &r));
  assert_int_equal(f->final_type, OCF_MSG_EV_DONE);
  r.uri = "/oic/res?rt=oic.wk.d";
  const dfx_response *rsp = dfx_send(f, &r);
  assert_non_null(rsp);
  assert_int_equal(f->n_rsp, 1);
  ocf_link links[2];
  ocf_res_info info;
  assert_int_equal(parse_links(f, rsp, links, 2, &info), 1);
  r.ipv4 = true; /* 224.0.1.187 too, with IPv4 eps */
  rsp = dfx_send(f, &r);
  assert_int_equal(parse_links(f, rsp, links, 2, &info), 1);
  assert_true(link_has_ep(&links[0], "coap://10.0.0.1:40003"));
}

static void test_di_query_selects_the_device(void **state) {
  dfx *f = *state;
  char uri[128] = "", di[OCF_UUID_STR_LEN];
  dfx_req r = dfx_request(OCF_COAP_GET, uri);
  r.multicast = true;
  snprintf(uri, sizeof uri, "/oic/res?di=%s", di_text(f, di));
  assert_non_null(dfx_send(f, &r));
  snprintf(uri, sizeof uri, "/oic/d?di=%s", "00000000-0000-0000-0000-000000000001");
  assert_null(dfx_send(f, &r)); /* any resource: multicast for another device, silence */
  r.uri = "/oic/res?di=not-a-uuid";
  assert_null(dfx_send(f, &r));
  r.multicast = false;
  snprintf(uri, sizeof uri, "/oic/res?di=%s", "00000000-0000-0000-0000-000000000001");
  assert_int_equal(ocf_rep_count(dfx_decode(f, dfx_send(f, &r))), 0); /* unicast: nothing listed */
}

/* --- /oic/d and /oic/p ----------------------------------------------------------------------- */

static void assert_text(const ocf_rep_node *map, const char *key, const char *want) {
  char buf[300];
  assert_int_equal(ocf_rep_get_text_cstr(ocf_rep_map_value(map, key), buf, sizeof buf), OCF_OK);
  assert_string_equal(buf, want);
}

static void test_oic_d_has_the_required_properties(void **state) {
  dfx *f = *state;
  const dfx_response *r = dfx_get(f, "/oic/d");
  assert_int_equal(r->code, OCF_COAP_CONTENT);
  const ocf_rep_node *map = dfx_decode(f, r);
  char di[OCF_UUID_STR_LEN];
  assert_text(map, "n", "OCF Device");
  assert_text(map, "di", di_text(f, di));
  assert_text(map, "icv", "ocf.2.5.0");
  assert_text(map, "dmv", "ocf.res.1.3.0,ocf.sh.1.3.0");
  ocf_uuid piid;
  assert_int_equal(ocf_rep_get_uuid(ocf_rep_map_value(map, "piid"), &piid), OCF_OK);
  assert_int_equal(ocf_rep_count(map), 5); /* oic.if.r: no rt / if */
  map = dfx_decode(f, dfx_get(f, "/oic/d?if=oic.if.baseline"));
  char text[256];
  dfx_join_texts(ocf_rep_map_value(map, "rt"), text, sizeof text);
  assert_string_equal(text, "oic.wk.d,oic.d.light");
  dfx_join_texts(ocf_rep_map_value(map, "if"), text, sizeof text);
  assert_string_equal(text, "oic.if.r,oic.if.baseline");
  assert_int_equal(ocf_rep_count(map), 7); /* n is not repeated */
}

static void test_oic_d_and_oic_p_use_the_configured_identity(void **state) {
  (void)state;
  static dfx f;
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
  cfg.name = "kitchen light";
  cfg.mnmn = "ACME";
  cfg.icv = "ocf.2.0.5";
  cfg.has_di = cfg.has_piid = cfg.has_pi = true;
  assert_int_equal(ocf_uuid_parse("11111111-2222-3333-4444-555555555555", 36, &cfg.di), OCF_OK);
  assert_int_equal(ocf_uuid_parse("21111111-2222-3333-4444-555555555555", 36, &cfg.piid), OCF_OK);
  assert_int_equal(ocf_uuid_parse("31111111-2222-3333-4444-555555555555", 36, &cfg.pi), OCF_OK);
  dfx_init(&f, &cfg);
  const ocf_rep_node *map = dfx_decode(&f, dfx_get(&f, "/oic/d"));
  assert_text(map, "n", "kitchen light");
  assert_text(map, "di", "11111111-2222-3333-4444-555555555555");
  assert_text(map, "piid", "21111111-2222-3333-4444-555555555555");
  assert_text(map, "icv", "ocf.2.0.5");
  map = dfx_decode(&f, dfx_get(&f, "/oic/p"));
  assert_text(map, "pi", "31111111-2222-3333-4444-555555555555");
  assert_text(map, "mnmn", "ACME");
  assert_int_equal(ocf_rep_count(map), 2);
  map = dfx_decode(&f, dfx_get(&f, "/oic/p?if=oic.if.baseline"));
  char text[128];
  dfx_join_texts(ocf_rep_map_value(map, "rt"), text, sizeof text);
  assert_string_equal(text, "oic.wk.p");
  dfx_free(&f);
}

/* --- checks shared by every request ---------------------------------------------------------- */

static void test_version_options_below_2048_are_4_15(void **state) {
  dfx *f = *state;
  dfx_req r = dfx_request(OCF_COAP_GET, "/oic/d");
  r.accept_version = 2047;
  assert_int_equal(dfx_send(f, &r)->code, OCF_COAP_UNSUPPORTED_CONTENT_FORMAT);
  r.accept_version = DFX_NONE;
  r.content_version = 0;
  assert_int_equal(dfx_send(f, &r)->code, OCF_COAP_UNSUPPORTED_CONTENT_FORMAT);
  r.content_version = DFX_NONE;
  r.accept_version = 2048; /* OCF 1.0: answered, with OCF-Content-Format-Version 2048 */
  r.accept = OCF_COAP_CF_VND_OCF_CBOR;
  const dfx_response *rsp = dfx_send(f, &r);
  assert_int_equal(rsp->code, OCF_COAP_CONTENT);
  assert_int_equal(rsp->cf, OCF_COAP_CF_VND_OCF_CBOR);
  assert_int_equal(rsp->version, OCF_COAP_OCF_VERSION_1_0);
  r.accept_version = 2112; /* OIC 1.1 */
  assert_int_equal(dfx_send(f, &r)->code, OCF_COAP_CONTENT);
}

static void test_body_must_be_cbor_else_4_15(void **state) {
  dfx *f = *state;
  dfx_onboard(f); /* NCRs: RFNOP and a secure session only (digest 3.4) */
  f->secure = true;
  static const uint8_t on[] = {0xa1, 0x65, 'v', 'a', 'l', 'u', 'e', 0xf5};
  dfx_req r = dfx_request(OCF_COAP_POST, "/switch");
  r.body = on;
  r.len = sizeof on;
  assert_int_equal(dfx_send(f, &r)->code, OCF_COAP_UNSUPPORTED_CONTENT_FORMAT); /* no Content-Format */
  r.cf = 50;                                                                    /* application/json */
  assert_int_equal(dfx_send(f, &r)->code, OCF_COAP_UNSUPPORTED_CONTENT_FORMAT);
  assert_false(f->sw.value);
  r.cf = OCF_COAP_CF_CBOR; /* 60 is accepted and answered in kind */
  const dfx_response *rsp = dfx_send(f, &r);
  assert_int_equal(rsp->code, OCF_COAP_CHANGED);
  assert_int_equal(rsp->cf, OCF_COAP_CF_CBOR);
  assert_int_equal(rsp->version, DFX_NONE);
  assert_true(f->sw.value);
}

static void test_accept_other_than_cbor_is_4_06(void **state) {
  dfx *f = *state;
  dfx_req r = dfx_request(OCF_COAP_GET, "/oic/p");
  r.accept = 50;
  assert_int_equal(dfx_send(f, &r)->code, OCF_COAP_NOT_ACCEPTABLE);
  r.accept = OCF_COAP_CF_CBOR;
  const dfx_response *rsp = dfx_send(f, &r);
  assert_int_equal(rsp->code, OCF_COAP_CONTENT);
  assert_int_equal(rsp->cf, OCF_COAP_CF_CBOR);
}

static void test_unknown_uri_is_4_04(void **state) {
  dfx *f = *state;
  assert_int_equal(dfx_get(f, "/oic/nothing")->code, OCF_COAP_NOT_FOUND);
  assert_int_equal(dfx_get(f, "/")->code, OCF_COAP_NOT_FOUND);
  char longest[300];
  memset(longest, 'a', sizeof longest);
  longest[0] = '/';
  longest[sizeof longest - 1] = '\0';
  assert_int_equal(dfx_get(f, longest)->code, OCF_COAP_NOT_FOUND);
}

static void test_method_without_handler_is_4_05(void **state) {
  dfx *f = *state;
  static const uint8_t on[] = {0xa1, 0x65, 'v', 'a', 'l', 'u', 'e', 0xf5};
  dfx_req r = dfx_request(OCF_COAP_PUT, "/switch");
  r.body = on;
  r.len = sizeof on;
  r.cf = OCF_COAP_CF_VND_OCF_CBOR;
  assert_int_equal(dfx_send(f, &r)->code, OCF_COAP_METHOD_NOT_ALLOWED); /* OCF never serves PUT */
  assert_false(f->sw.value);
  assert_int_equal(dfx_post(f, "/oic/d", on, sizeof on)->code, OCF_COAP_METHOD_NOT_ALLOWED);
  r = dfx_request(OCF_COAP_DELETE, "/oic/res");
  assert_int_equal(dfx_send(f, &r)->code, OCF_COAP_METHOD_NOT_ALLOWED);
}

static void test_interface_errors(void **state) {
  dfx *f = *state;
  dfx_onboard(f); /* NCRs: RFNOP and a secure session only (digest 3.4) */
  f->secure = true;
  static const uint8_t on[] = {0xa1, 0x65, 'v', 'a', 'l', 'u', 'e', 0xf5};
  assert_int_equal(dfx_get(f, "/oic/d?if=oic.if.rw")->code, OCF_COAP_FORBIDDEN); /* not offered */
  assert_int_equal(dfx_get(f, "/oic/d?if=oic.if.nonsense")->code, OCF_COAP_FORBIDDEN);
  assert_int_equal(dfx_get(f, "/oic/d?if=oic.if.r&if=oic.if.baseline")->code, OCF_COAP_BAD_REQUEST);
  assert_int_equal(dfx_get(f, "/oic/d?IF=oic.if.r")->code, OCF_COAP_CONTENT);   /* keys ignore case */
  assert_int_equal(dfx_get(f, "/oic/d?if=OIC.IF.R")->code, OCF_COAP_FORBIDDEN); /* values do not */
  assert_int_equal(dfx_post(f, "/switch?if=oic.if.s", on, sizeof on)->code, OCF_COAP_FORBIDDEN);
  assert_false(f->sw.value);
  assert_int_equal(dfx_post(f, "/switch?if=oic.if.baseline", on, sizeof on)->code, OCF_COAP_CHANGED);
}

static void test_read_only_interface_refuses_post_with_4_03(void **state) {
  dfx *f = *state;
  dfx_onboard(f); /* NCRs: RFNOP and a secure session only (digest 3.4) */
  f->secure = true;
  static const char *const rt[] = {"x.ro"};
  static const char *const ifs[] = {"oic.if.r", "oic.if.rw"};
  ocf_resource_def def = {.href = "/ro",
                          .types = rt,
                          .n_types = 1,
                          .interfaces = ifs,
                          .n_interfaces = 2,
                          .get = secret_get,
                          .post = secret_get};
  assert_int_equal(ocf_device_add_resource(f->dev, &def), OCF_OK);
  static const uint8_t empty_map[] = {0xa0};
  assert_int_equal(dfx_post(f, "/ro", empty_map, 1)->code, OCF_COAP_FORBIDDEN); /* default oic.if.r */
  assert_int_equal(dfx_post(f, "/ro?if=oic.if.rw", empty_map, 1)->code, OCF_COAP_CONTENT);
}

static void test_bad_cbor_is_4_00_and_changes_nothing(void **state) {
  dfx *f = *state;
  dfx_onboard(f); /* NCRs: RFNOP and a secure session only (digest 3.4) */
  f->secure = true;
  static const uint8_t truncated[] = {0xa1, 0x65, 'v', 'a', 'l'};
  static const uint8_t trailing[] = {0xa1, 0x65, 'v', 'a', 'l', 'u', 'e', 0xf5, 0x00};
  static const uint8_t dup_key[] = {0xa2, 0x61, 'v', 0xf5, 0x61, 'v', 0xf4};
  assert_int_equal(dfx_post(f, "/switch", truncated, sizeof truncated)->code, OCF_COAP_BAD_REQUEST);
  assert_int_equal(dfx_post(f, "/switch", trailing, sizeof trailing)->code, OCF_COAP_BAD_REQUEST);
  assert_int_equal(dfx_post(f, "/switch", dup_key, sizeof dup_key)->code, OCF_COAP_BAD_REQUEST);
  assert_false(f->sw.value);
}

static void test_conditional_and_proxy_requests_are_refused(void **state) {
  dfx *f = *state;
  dfx_req r = dfx_request(OCF_COAP_GET, "/oic/d");
  r.opt_number = OCF_COAP_OPT_IF_NONE_MATCH; /* RFC 7252 5.10.8.2: the resource exists */
  assert_int_equal(dfx_send(f, &r)->code, OCF_COAP_PRECONDITION_FAILED);
  r.opt_number = OCF_COAP_OPT_IF_MATCH; /* we keep no entity tags */
  r.opt_value = "\x01\x02";
  r.opt_len = 2;
  assert_int_equal(dfx_send(f, &r)->code, OCF_COAP_PRECONDITION_FAILED);
  r.opt_len = 0; /* the empty value matches any existing representation */
  assert_int_equal(dfx_send(f, &r)->code, OCF_COAP_CONTENT);
  r.opt_number = OCF_COAP_OPT_PROXY_URI; /* RFC 7252 5.7.2: no proxy here */
  r.opt_value = "coap://[fd00::9]/x";
  r.opt_len = strlen(r.opt_value);
  assert_int_equal(dfx_send(f, &r)->code, OCF_COAP_CODE(5, 5));
}

static void test_errors_to_multicast_are_silent(void **state) {
  dfx *f = *state;
  dfx_req r = dfx_request(OCF_COAP_GET, "/nothing");
  r.multicast = true;
  assert_null(dfx_send(f, &r));
  r.uri = "/oic/d?if=oic.if.rw";
  assert_null(dfx_send(f, &r));
  r.uri = "/oic/d";
  assert_non_null(dfx_send(f, &r));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_res_ll_lists_every_discoverable_resource_with_anchor_rt_if_bm,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_res_eps_are_those_of_the_request_family_and_interface_without_zone,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_res_secure_resource_advertises_only_coaps_eps, setup, teardown),
      cmocka_unit_test_setup_teardown(test_res_baseline_is_one_map_with_rt_if_and_links, setup, teardown),
      cmocka_unit_test_setup_teardown(test_res_rt_filters_are_or_ed, setup, teardown),
      cmocka_unit_test_setup_teardown(test_res_unicast_without_match_answers_empty_list, setup, teardown),
      cmocka_unit_test_setup_teardown(test_res_multicast_without_match_stays_silent, setup, teardown),
      cmocka_unit_test_setup_teardown(test_di_query_selects_the_device, setup, teardown),
      cmocka_unit_test_setup_teardown(test_oic_d_has_the_required_properties, setup, teardown),
      cmocka_unit_test(test_oic_d_and_oic_p_use_the_configured_identity),
      cmocka_unit_test_setup_teardown(test_version_options_below_2048_are_4_15, setup, teardown),
      cmocka_unit_test_setup_teardown(test_body_must_be_cbor_else_4_15, setup, teardown),
      cmocka_unit_test_setup_teardown(test_accept_other_than_cbor_is_4_06, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unknown_uri_is_4_04, setup, teardown),
      cmocka_unit_test_setup_teardown(test_method_without_handler_is_4_05, setup, teardown),
      cmocka_unit_test_setup_teardown(test_interface_errors, setup, teardown),
      cmocka_unit_test_setup_teardown(test_read_only_interface_refuses_post_with_4_03, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_cbor_is_4_00_and_changes_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_conditional_and_proxy_requests_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_errors_to_multicast_are_silent, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
