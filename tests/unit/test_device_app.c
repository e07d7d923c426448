/* Unit tests of src/device for applications: the reference device's /switch, registering
 * resources, the request view a handler gets (peer, query, interface), what happens to bad
 * handler output, configuration checks and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "device_fixture.h"

/* /switch is an NCR: reachable only in RFNOP, over a secure session, with an ACE (digest 3.4).
 * So the device is onboarded first and every request goes over the owner's session. */
static int setup(void **state) {
  static dfx f; /* large; one test runs at a time */
  dfx_init(&f, NULL);
  dfx_onboard(&f);
  f.secure = true;
  *state = &f;
  return 0;
}

static int teardown(void **state) {
  dfx_free(*state);
  return 0;
}

static const uint8_t k_on[] = {0xa1, 0x65, 'v', 'a', 'l', 'u', 'e', 0xf5};
static const uint8_t k_off[] = {0xa1, 0x65, 'v', 'a', 'l', 'u', 'e', 0xf4};

static bool switch_value(dfx *f, const dfx_response *r) {
  assert_non_null(r);
  bool v = false;
  assert_int_equal(ocf_rep_get_bool(ocf_rep_map_value(dfx_decode(f, r), "value"), &v), OCF_OK);
  return v;
}

/* --- /switch --------------------------------------------------------------------------------- */

static void test_switch_get_and_post_change_the_value(void **state) {
  dfx *f = *state;
  const dfx_response *r = dfx_get(f, "/switch");
  assert_int_equal(r->code, OCF_COAP_CONTENT);
  assert_false(switch_value(f, r));
  assert_int_equal(ocf_rep_count(dfx_decode(f, r)), 1); /* oic.if.a: just the value */
  r = dfx_post(f, "/switch", k_on, sizeof k_on);
  assert_int_equal(r->code, OCF_COAP_CHANGED);
  assert_true(switch_value(f, r)); /* the answer carries the new state */
  assert_true(f->sw.value);
  assert_true(switch_value(f, dfx_get(f, "/switch")));
  assert_int_equal(dfx_post(f, "/switch", k_off, sizeof k_off)->code, OCF_COAP_CHANGED);
  assert_false(f->sw.value);
}

static void test_switch_baseline_adds_rt_and_if(void **state) {
  dfx *f = *state;
  const ocf_rep_node *map = dfx_decode(f, dfx_get(f, "/switch?if=oic.if.baseline"));
  char text[128];
  dfx_join_texts(ocf_rep_map_value(map, "rt"), text, sizeof text);
  assert_string_equal(text, "oic.r.switch.binary");
  dfx_join_texts(ocf_rep_map_value(map, "if"), text, sizeof text);
  assert_string_equal(text, "oic.if.a,oic.if.baseline");
  assert_int_equal(ocf_rep_count(map), 3);
}

static void test_switch_refuses_wrong_types_and_keeps_its_state(void **state) {
  dfx *f = *state;
  assert_int_equal(dfx_post(f, "/switch", k_on, sizeof k_on)->code, OCF_COAP_CHANGED);
  static const uint8_t as_int[] = {0xa1, 0x65, 'v', 'a', 'l', 'u', 'e', 0x00};
  static const uint8_t as_text[] = {0xa1, 0x65, 'v', 'a', 'l', 'u', 'e', 0x65, 'f', 'a', 'l', 's', 'e'};
  static const uint8_t as_null[] = {0xa1, 0x65, 'v', 'a', 'l', 'u', 'e', 0xf6};
  static const uint8_t extra[] = {0xa2, 0x65, 'v', 'a', 'l', 'u', 'e', 0xf4, 0x61, 'x', 0x01};
  static const uint8_t no_value[] = {0xa1, 0x61, 'x', 0xf4};
  static const uint8_t empty_map[] = {0xa0};
  static const uint8_t array[] = {0x81, 0xf4};
  const struct {
    const uint8_t *body;
    size_t len;
  } bad[] = {{as_int, sizeof as_int},     {as_text, sizeof as_text},
             {as_null, sizeof as_null},   {extra, sizeof extra},
             {no_value, sizeof no_value}, {empty_map, sizeof empty_map},
             {array, sizeof array},       {NULL, 0}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    const dfx_response *r = dfx_post(f, "/switch", bad[i].body, bad[i].len);
    assert_int_equal(r->code, OCF_COAP_BAD_REQUEST);
    assert_int_equal(r->len, 0); /* error answers carry no body */
    assert_true(f->sw.value);
  }
  assert_true(switch_value(f, dfx_get(f, "/switch")));
}

/* --- registering resources ------------------------------------------------------------------- */

static ocf_status ok_get(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  (void)user;
  (void)req;
  (void)rsp;
  return OCF_STATUS_CONTENT;
}

static ocf_resource_def plain_def(const char *href) {
  static const char *const rt[] = {"x.t"};
  static const char *const ifs[] = {"oic.if.r"};
  ocf_resource_def def = {
      .href = href, .types = rt, .n_types = 1, .interfaces = ifs, .n_interfaces = 1, .get = ok_get};
  return def;
}

static void test_add_resource_rejects_bad_definitions(void **state) {
  dfx *f = *state;
  const char *bad_hrefs[] = {NULL, "", "/", "x", "/a//b", "/a/", "/a?b", "/a#b", "/a b", "/\x7f"};
  for (size_t i = 0; i < sizeof bad_hrefs / sizeof bad_hrefs[0]; i++) {
    ocf_resource_def def = plain_def(bad_hrefs[i]);
    assert_int_equal(ocf_device_add_resource(f->dev, &def), OCF_ERR_INVALID_ARG);
  }
  ocf_resource_def def = plain_def("/oic/d");
  assert_int_equal(ocf_device_add_resource(f->dev, &def), OCF_ERR_STATE);
  def = plain_def("/switch");
  assert_int_equal(ocf_device_add_resource(f->dev, &def), OCF_ERR_STATE);
  def = plain_def("/x");
  def.get = NULL;
  assert_int_equal(ocf_device_add_resource(f->dev, &def), OCF_ERR_INVALID_ARG); /* no handler */
  static const char *const bad_if[] = {"oic.if.nonsense"};
  def = plain_def("/x");
  def.interfaces = bad_if;
  assert_int_equal(ocf_device_add_resource(f->dev, &def), OCF_ERR_INVALID_ARG);
  static const char *const twice[] = {"oic.if.r", "oic.if.r"};
  def.interfaces = twice;
  def.n_interfaces = 2;
  assert_int_equal(ocf_device_add_resource(f->dev, &def), OCF_ERR_INVALID_ARG);
  def = plain_def("/x");
  def.n_types = 0;
  assert_int_equal(ocf_device_add_resource(f->dev, &def), OCF_ERR_INVALID_ARG);
  char long_rt[OCF_DEVICE_STR_MAX + 2];
  memset(long_rt, 'r', sizeof long_rt - 1);
  long_rt[sizeof long_rt - 1] = '\0';
  const char *long_types[] = {long_rt};
  def.types = long_types;
  def.n_types = 1;
  assert_int_equal(ocf_device_add_resource(f->dev, &def), OCF_ERR_INVALID_ARG);
  def = plain_def("/x");
  def.flags = 1u << 7;
  assert_int_equal(ocf_device_add_resource(f->dev, &def), OCF_ERR_INVALID_ARG);
  assert_int_equal(dfx_get(f, "/x")->code, OCF_COAP_NOT_FOUND); /* no refusal left anything */
}

static void test_add_resource_appends_baseline_and_keeps_it_undiscoverable(void **state) {
  dfx *f = *state;
  ocf_resource_def def = plain_def("/hidden");
  assert_int_equal(ocf_device_add_resource(f->dev, &def), OCF_OK);
  assert_int_equal(dfx_get(f, "/hidden?if=oic.if.baseline")->code, OCF_COAP_CONTENT);
  ocf_link links[16];
  ocf_res_info info;
  const dfx_response *r = dfx_get(f, "/oic/res");
  assert_int_equal(ocf_links_parse(r->body, r->len, NULL, f->nodes, 1024, links, 16, &info), OCF_OK);
  for (size_t i = 0; i < info.n_links; i++) assert_false(ocf_rep_str_eq(links[i].href, "/hidden"));
}

static void test_add_resource_stops_at_max_resources(void **state) {
  (void)state;
  static dfx f;
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
  cfg.max_resources = 2; /* /switch takes one */
  dfx_init(&f, &cfg);
  ocf_resource_def def = plain_def("/a");
  assert_int_equal(ocf_device_add_resource(f.dev, &def), OCF_OK);
  def = plain_def("/b");
  assert_int_equal(ocf_device_add_resource(f.dev, &def), OCF_ERR_NO_SPACE);
  dfx_free(&f);
}

/* --- the request view ------------------------------------------------------------------------ */

typedef struct seen {
  ocf_method method;
  ocf_peer peer;
  char iface[32];
  char href[32];
  char query[64];
  bool body_null;
  size_t calls;
} seen;

static ocf_status record(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  seen *s = user;
  (void)rsp;
  s->calls++;
  s->method = ocf_request_method(req);
  s->peer = *ocf_request_peer(req);
  snprintf(s->iface, sizeof s->iface, "%s", ocf_request_interface(req));
  snprintf(s->href, sizeof s->href, "%s", ocf_request_href(req));
  s->body_null = ocf_request_body(req) == NULL;
  s->query[0] = '\0';
  const char *v;
  size_t len;
  for (size_t i = 0; ocf_request_query(req, "k", i, &v, &len); i++) {
    size_t used = strlen(s->query);
    snprintf(s->query + used, sizeof s->query - used, "[%.*s]", (int)len, v);
  }
  return OCF_STATUS_CHANGED;
}

static void register_recorder(dfx *f, seen *s) {
  static const char *const rt[] = {"x.rec"};
  static const char *const ifs[] = {"oic.if.rw", "oic.if.baseline"};
  ocf_resource_def def = {.href = "/rec",
                          .types = rt,
                          .n_types = 1,
                          .interfaces = ifs,
                          .n_interfaces = 2,
                          .flags = OCF_RES_DISCOVERABLE,
                          .get = record,
                          .post = record,
                          .del = record,
                          .user = s};
  assert_int_equal(ocf_device_add_resource(f->dev, &def), OCF_OK);
}

static void test_handler_sees_method_peer_interface_and_query(void **state) {
  dfx *f = *state;
  seen s = {0};
  register_recorder(f, &s);
  dfx_req r = dfx_request(OCF_COAP_DELETE, "/rec?K=1&x=2&k=&k=three");
  const dfx_response *rsp = dfx_send(f, &r);
  assert_int_equal(rsp->code, OCF_COAP_CHANGED);
  assert_int_equal(rsp->len, 0); /* nothing written: no body, no Content-Format */
  assert_int_equal(rsp->cf, DFX_NONE);
  assert_int_equal(s.method, OCF_METHOD_DELETE);
  assert_string_equal(s.href, "/rec");
  assert_string_equal(s.iface, "oic.if.rw");
  assert_string_equal(s.query, "[1][][three]");
  assert_true(s.body_null);
  assert_false(s.peer.multicast);
  /* the owner's PSK session of dfx_onboard (device_sec_identify) */
  assert_int_equal(s.peer.conntype, OCF_CONN_AUTH_CRYPT);
  assert_int_equal(s.peer.auth, OCF_PEER_AUTH_PSK);
  assert_true(s.peer.has_uuid);
  ocf_uuid owner;
  assert_int_equal(ocf_uuid_parse(DFX_OWNER, 36, &owner), OCF_OK);
  assert_true(ocf_uuid_equal(&s.peer.uuid, &owner));
  assert_true(s.peer.ep.flags & OCF_EP_SECURE);
  assert_int_equal(s.peer.ep.family, OCF_IPV6);
  assert_int_equal(s.peer.ep.port, 1000);
  assert_int_equal(s.peer.ep.addr[15], 2);
  r = dfx_request(OCF_COAP_GET, "/rec?if=oic.if.baseline");
  assert_non_null(dfx_send(f, &r));
  assert_string_equal(s.iface, "oic.if.baseline");
  /* A multicast request is never secured, and NCRs are never served in the clear (digest 3.4
   * step 2): the handler is not called and nothing answers. */
  size_t calls = s.calls;
  r.multicast = true;
  assert_null(dfx_send(f, &r));
  assert_int_equal(s.calls, calls);
}

static ocf_status unclosed(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  (void)user;
  (void)req;
  ocf_rep_enc_map_open(rsp);
  return OCF_STATUS_CONTENT;
}

static ocf_status too_big(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  (void)user;
  (void)req;
  static const uint8_t chunk[1024] = {0};
  ocf_rep_enc_array_open(rsp);
  for (int i = 0; i < 20; i++) ocf_rep_enc_bytes(rsp, chunk, sizeof chunk); /* > 16 KiB */
  ocf_rep_enc_array_close(rsp);
  return OCF_STATUS_CONTENT;
}

static ocf_status not_a_code(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  (void)user;
  (void)req;
  (void)rsp;
  return (ocf_status)0x21; /* 1.01: a request code */
}

static ocf_status error_with_body(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  (void)user;
  (void)req;
  ocf_rep_enc_map_open(rsp);
  ocf_rep_enc_kv_text(rsp, "why", "no");
  ocf_rep_enc_map_close(rsp);
  return OCF_STATUS_FORBIDDEN;
}

static void test_bad_handler_output_becomes_5_00_and_error_bodies_are_dropped(void **state) {
  dfx *f = *state;
  f->dpf.quiet = true; /* the device logs each failure */
  const struct {
    const char *href;
    ocf_handler h;
    uint8_t code;
  } cases[] = {{"/unclosed", unclosed, OCF_COAP_INTERNAL_SERVER_ERROR},
               {"/big", too_big, OCF_COAP_INTERNAL_SERVER_ERROR},
               {"/code", not_a_code, OCF_COAP_INTERNAL_SERVER_ERROR},
               {"/err", error_with_body, OCF_COAP_FORBIDDEN}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    ocf_resource_def def = plain_def(cases[i].href);
    def.get = cases[i].h;
    assert_int_equal(ocf_device_add_resource(f->dev, &def), OCF_OK);
    const dfx_response *r = dfx_get(f, cases[i].href);
    assert_int_equal(r->code, cases[i].code);
    assert_int_equal(r->len, 0);
  }
}

/* --- configuration and allocation failures --------------------------------------------------- */

static void test_create_rejects_bad_configuration(void **state) {
  (void)state;
  ocf_sim_platform sp;
  ocf_sim_platform_init(&sp, 1);
  ocf_device *d = (ocf_device *)&sp; /* must be reset to NULL on failure */
  char long_name[OCF_DEVICE_STR_MAX + 2];
  memset(long_name, 'n', sizeof long_name - 1);
  long_name[sizeof long_name - 1] = '\0';
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
  cfg.name = long_name;
  assert_int_equal(ocf_device_create(&sp.pf, &cfg, &d), OCF_ERR_INVALID_ARG);
  assert_null(d);
  long_name[OCF_DEVICE_STR_MAX] = '\0'; /* exactly the cap is fine */
  assert_int_equal(ocf_device_create(&sp.pf, &cfg, &d), OCF_OK);
  ocf_device_destroy(d);
  ocf_device_config_init(&cfg);
  cfg.name = "";
  assert_int_equal(ocf_device_create(&sp.pf, &cfg, &d), OCF_ERR_INVALID_ARG);
  ocf_device_config_init(&cfg);
  cfg.mnmn = NULL;
  assert_int_equal(ocf_device_create(&sp.pf, &cfg, &d), OCF_ERR_INVALID_ARG);
  ocf_device_config_init(&cfg);
  cfg.n_device_types = 1; /* device_types[0] is NULL */
  assert_int_equal(ocf_device_create(&sp.pf, &cfg, &d), OCF_ERR_INVALID_ARG);
  ocf_device_config_init(&cfg);
  cfg.n_device_types = OCF_DEVICE_MAX_TYPES;
  assert_int_equal(ocf_device_create(&sp.pf, &cfg, &d), OCF_ERR_INVALID_ARG);
  ocf_device_config_init(&cfg);
  cfg.max_response_body = 0;
  assert_int_equal(ocf_device_create(&sp.pf, &cfg, &d), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_device_create(NULL, NULL, &d), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_device_create(&sp.pf, NULL, NULL), OCF_ERR_INVALID_ARG);
  sp.random_fails = true;
  assert_int_equal(ocf_device_create(&sp.pf, NULL, &d), OCF_ERR_CRYPTO);
  assert_int_equal(sp.live, 0);
}

static void test_create_survives_every_failing_allocation(void **state) {
  (void)state;
  ocf_sim_platform sp;
  ocf_sim_platform_init(&sp, 1);
  sp.quiet = true;
  size_t failures_seen = 0;
  for (size_t nth = 1; nth < 64; nth++) {
    ocf_sim_fail_alloc(&sp, nth, false);
    ocf_device *d = NULL;
    ocf_err err = ocf_device_create(&sp.pf, NULL, &d);
    if (err == OCF_OK) {
      ocf_device_destroy(d);
      assert_int_equal(sp.live, 0);
      break; /* nth is past the last allocation create makes */
    }
    assert_int_equal(err, OCF_ERR_NO_MEMORY);
    assert_null(d);
    assert_int_equal(sp.live, 0);
    failures_seen++;
  }
  assert_true(failures_seen >= 4); /* device, table, buffers, msg */
}

static void test_set_endpoints_validates_the_list(void **state) {
  dfx *f = *state;
  ocf_endpoint eps[OCF_DEVICE_MAX_ENDPOINTS + 1];
  size_t n = dfx_device_eps(eps);
  assert_int_equal(ocf_device_set_endpoints(f->dev, eps, OCF_DEVICE_MAX_ENDPOINTS + 1), OCF_ERR_INVALID_ARG);
  ocf_endpoint bad = eps[0];
  bad.port = 0;
  assert_int_equal(ocf_device_set_endpoints(f->dev, &bad, 1), OCF_ERR_INVALID_ARG);
  bad = eps[0];
  bad.addr[0] = 0xff; /* multicast */
  assert_int_equal(ocf_device_set_endpoints(f->dev, &bad, 1), OCF_ERR_INVALID_ARG);
  bad.family = 5;
  assert_int_equal(ocf_device_set_endpoints(f->dev, &bad, 1), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_device_set_endpoints(f->dev, NULL, 1), OCF_ERR_INVALID_ARG);
  (void)n;
  /* A refusal kept the old list; an empty list advertises no eps at all. */
  ocf_link links[8];
  ocf_res_info info;
  const dfx_response *r = dfx_get(f, "/oic/res?rt=oic.wk.d");
  assert_int_equal(ocf_links_parse(r->body, r->len, NULL, f->nodes, 1024, links, 8, &info), OCF_OK);
  assert_int_equal(links[0].n_eps, 3);
  assert_int_equal(ocf_device_set_endpoints(f->dev, NULL, 0), OCF_OK);
  r = dfx_get(f, "/oic/res?rt=oic.wk.d");
  assert_int_equal(ocf_links_parse(r->body, r->len, NULL, f->nodes, 1024, links, 8, &info), OCF_OK);
  assert_int_equal(links[0].n_eps, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_switch_get_and_post_change_the_value, setup, teardown),
      cmocka_unit_test_setup_teardown(test_switch_baseline_adds_rt_and_if, setup, teardown),
      cmocka_unit_test_setup_teardown(test_switch_refuses_wrong_types_and_keeps_its_state, setup, teardown),
      cmocka_unit_test_setup_teardown(test_add_resource_rejects_bad_definitions, setup, teardown),
      cmocka_unit_test_setup_teardown(test_add_resource_appends_baseline_and_keeps_it_undiscoverable, setup,
                                      teardown),
      cmocka_unit_test(test_add_resource_stops_at_max_resources),
      cmocka_unit_test_setup_teardown(test_handler_sees_method_peer_interface_and_query, setup, teardown),
      cmocka_unit_test_setup_teardown(test_bad_handler_output_becomes_5_00_and_error_bodies_are_dropped,
                                      setup, teardown),
      cmocka_unit_test(test_create_rejects_bad_configuration),
      cmocka_unit_test(test_create_survives_every_failing_allocation),
      cmocka_unit_test_setup_teardown(test_set_endpoints_validates_the_list, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
