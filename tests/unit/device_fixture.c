#include "device_fixture.h"

#include "device/sec.h"
#include "svr_test_util.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

static ocf_endpoint ep6(uint8_t b0, uint8_t b1, uint8_t last, uint16_t port, uint32_t ifindex) {
  ocf_endpoint ep = {.family = OCF_IPV6, .port = port, .ifindex = ifindex};
  ep.addr[0] = b0;
  ep.addr[1] = b1;
  ep.addr[15] = last;
  return ep;
}

static ocf_endpoint ep4(uint8_t last, uint16_t port, uint32_t ifindex) {
  ocf_endpoint ep = {.family = OCF_IPV4, .port = port, .ifindex = ifindex, .addr = {10, 0, 0, last}};
  return ep;
}

size_t dfx_device_eps(ocf_endpoint *out) {
  size_t n = 0;
  out[n++] = ep6(0xfe, 0x80, 1, 40001, 1); /* link-local: no zone id may appear in eps */
  out[n++] = ep6(0xfd, 0x00, 1, 40001, 1);
  out[n] = ep6(0xfd, 0x00, 1, 40002, 1);
  out[n++].flags = OCF_EP_SECURE;
  out[n++] = ep4(1, 40003, 1);
  out[n] = ep4(1, 40004, 1);
  out[n++].flags = OCF_EP_SECURE;
  out[n++] = ep6(0xfd, 0x01, 1, 40001, 2); /* another interface: never in replies from 1 */
  return n;
}

static ocf_endpoint group6(void) {
  ocf_endpoint g = ep6(0xff, 0x02, 0x58, 5683, 1);
  g.addr[14] = 0x01;
  return g;
}

static ocf_endpoint group4(void) {
  ocf_endpoint g = {.family = OCF_IPV4, .port = 5683, .addr = {224, 0, 1, 187}};
  return g;
}

void dfx_init(dfx *f, const ocf_device_config *cfg) {
  memset(f, 0, sizeof *f);
  ocf_sim_platform_init(&f->dpf, 7);
  ocf_sim_platform_init(&f->cpf, 8);
  f->net = ocf_sim_net_new(42, DFX_START);
  assert_non_null(f->net);
  ocf_device_config defaults;
  if (!cfg) {
    ocf_device_config_init(&defaults);
    defaults.device_types[0] = "oic.d.light";
    defaults.n_device_types = 1;
    cfg = &defaults;
  }
  assert_int_equal(ocf_device_create(&f->dpf.pf, cfg, &f->dev), OCF_OK);
  device_set_secure_bypass(f->dev, true); /* secure requests without real DTLS (dfx_session) */
  assert_int_equal(app_switch_register(f->dev, &f->sw), OCF_OK);
  ocf_endpoint eps[8];
  size_t n = dfx_device_eps(eps);
  assert_int_equal(ocf_device_set_endpoints(f->dev, eps, n), OCF_OK);
  assert_int_equal(ocf_msg_create(&f->cpf.pf, NULL, &f->cli), OCF_OK);
  f->dnode = ocf_sim_add_node(f->net, ocf_device_engine(f->dev));
  f->cnode = ocf_sim_add_node(f->net, ocf_msg_engine(f->cli));
  ocf_endpoint a = ep6(0xfd, 0x00, 1, 5683, 1), b = ep4(1, 5683, 1);
  ocf_sim_node_add_addr(f->net, f->dnode, &a);
  ocf_sim_node_add_addr(f->net, f->dnode, &b);
  ocf_endpoint g6 = group6(), g4 = group4();
  ocf_sim_node_join(f->net, f->dnode, &g6);
  ocf_sim_node_join(f->net, f->dnode, &g4);
  ocf_endpoint c6 = ep6(0xfd, 0x00, 2, 1000, 1), c4 = ep4(2, 1000, 1);
  ocf_sim_node_add_addr(f->net, f->cnode, &c6);
  ocf_sim_node_add_addr(f->net, f->cnode, &c4);
}

void dfx_free(dfx *f) {
  ocf_sim_node_remove(f->net, f->dnode);
  ocf_sim_node_remove(f->net, f->cnode);
  ocf_device_destroy(f->dev);
  ocf_msg_destroy(f->cli);
  ocf_sim_net_free(f->net);
  assert_int_equal(f->dpf.live, 0);
  assert_int_equal(f->cpf.live, 0);
}

dfx_req dfx_request(uint8_t code, const char *uri) {
  dfx_req r = {.code = code,
               .uri = uri,
               .cf = DFX_NONE,
               .accept = DFX_NONE,
               .accept_version = DFX_NONE,
               .content_version = DFX_NONE};
  return r;
}

static int64_t uint_option(const ocf_coap_msg *m, uint16_t number) {
  uint32_t v;
  return ocf_coap_get_uint_option(m, number, &v) == OCF_OK ? (int64_t)v : DFX_NONE;
}

static void on_event(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  dfx *f = user;
  (void)m;
  if (ev->type == OCF_MSG_EV_RESPONSE && f->n_rsp < DFX_MAX_RESPONSES) {
    dfx_response *r = &f->rsp[f->n_rsp++];
    r->code = ev->response->code;
    r->cf = uint_option(ev->response, OCF_COAP_OPT_CONTENT_FORMAT);
    r->version = uint_option(ev->response, OCF_COAP_OPT_OCF_CONTENT_VERSION);
    r->from = *ev->peer;
    assert_true(ev->response->payload_len <= DFX_BODY_MAX);
    r->len = ev->response->payload_len;
    if (r->len) memcpy(r->body, ev->response->payload, r->len);
  }
  if (ev->final) {
    f->final = true;
    f->final_type = ev->type;
  }
}

static bool is_final(void *user) { return ((dfx *)user)->final; }

static void add_uint(ocf_coap_msg *m, uint16_t number, int64_t v) {
  if (v != DFX_NONE) assert_int_equal(ocf_coap_add_uint_option(m, number, (uint32_t)v), OCF_OK);
}

const dfx_response *dfx_send(dfx *f, const dfx_req *r) {
  uint8_t scratch[512];
  ocf_coap_msg m;
  ocf_coap_init(&m, OCF_COAP_CON, r->code, 0);
  assert_int_equal(ocf_coap_set_uri_path_query(&m, r->uri, scratch, sizeof scratch), OCF_OK);
  add_uint(&m, OCF_COAP_OPT_CONTENT_FORMAT, r->cf);
  add_uint(&m, OCF_COAP_OPT_ACCEPT, r->accept);
  add_uint(&m, OCF_COAP_OPT_OCF_ACCEPT_VERSION, r->accept_version);
  add_uint(&m, OCF_COAP_OPT_OCF_CONTENT_VERSION, r->content_version);
  if (r->opt_number)
    assert_int_equal(ocf_coap_add_option(&m, r->opt_number, r->opt_value, r->opt_len), OCF_OK);
  m.payload = r->body;
  m.payload_len = r->len;
  ocf_endpoint to = r->multicast ? (r->ipv4 ? group4() : group6())
                                 : (r->ipv4 ? ep4(1, 5683, 0) : ep6(0xfd, 0x00, 1, 5683, 0));
  if (!r->multicast && (r->secure || f->secure)) to.flags = OCF_EP_SECURE;
  ocf_msg_request_params p = {.to = &to, .n_to = 1, .cb = on_event, .user = f};
  f->n_rsp = 0;
  f->final = false;
  assert_int_equal(ocf_msg_request(f->cli, &p, &m, ocf_sim_now(f->net), NULL), OCF_OK);
  ocf_sim_flush(f->net);
  assert_true(ocf_sim_run_until(f->net, is_final, f, 200000));
  return f->n_rsp ? &f->rsp[0] : NULL;
}

const dfx_response *dfx_get(dfx *f, const char *uri) {
  dfx_req r = dfx_request(OCF_COAP_GET, uri);
  return dfx_send(f, &r);
}

const dfx_response *dfx_post(dfx *f, const char *uri, const uint8_t *body, size_t len) {
  dfx_req r = dfx_request(OCF_COAP_POST, uri);
  r.body = body;
  r.len = len;
  r.cf = OCF_COAP_CF_VND_OCF_CBOR;
  return dfx_send(f, &r);
}

const ocf_rep_node *dfx_decode(dfx *f, const dfx_response *r) {
  assert_non_null(r);
  const ocf_rep_node *root = NULL;
  assert_int_equal(
      ocf_rep_decode(r->body, r->len, NULL, f->nodes, sizeof f->nodes / sizeof f->nodes[0], &root), OCF_OK);
  return root;
}

void dfx_join_texts(const ocf_rep_node *array, char *out, size_t cap) {
  size_t used = 0;
  out[0] = '\0';
  for (const ocf_rep_node *it = ocf_rep_first(array); it; it = ocf_rep_next(it)) {
    ocf_rep_str s;
    assert_int_equal(ocf_rep_get_text(it, &s), OCF_OK);
    int n = snprintf(out + used, cap - used, "%s%.*s", used ? "," : "", (int)s.len, s.ptr);
    assert_true(n >= 0 && (size_t)n < cap - used);
    used += (size_t)n;
  }
}

ocf_endpoint dfx_client_ep(bool ipv4) {
  ocf_endpoint ep = ipv4 ? ep4(2, 1000, 1) : ep6(0xfd, 0x00, 2, 1000, 1);
  ep.flags = OCF_EP_SECURE;
  return ep;
}

void dfx_session(dfx *f, ocf_acl_auth auth, const char *uuid) {
  sec_peer p = {.ep = dfx_client_ep(false), .auth = auth};
  if (uuid) {
    p.has_uuid = true;
    assert_int_equal(ocf_uuid_parse(uuid, strlen(uuid), &p.uuid), OCF_OK);
  }
  assert_int_equal(device_sec_session_established(f->dev, &p, ocf_sim_now(f->net)), OCF_OK);
}

void dfx_session_close(dfx *f) {
  ocf_endpoint ep = dfx_client_ep(false);
  device_sec_session_closed(f->dev, &ep, ocf_sim_now(f->net));
}

const dfx_response *dfx_post_diag(dfx *f, const char *uri, const char *diag) {
  static uint8_t body[4096];
  size_t len = diag_cbor(diag, body, sizeof body);
  return dfx_post(f, uri, body, len);
}

static void expect_changed(dfx *f, const char *uri, const char *diag) {
  const dfx_response *r = dfx_post_diag(f, uri, diag);
  assert_non_null(r);
  if (r->code != OCF_COAP_CHANGED) fprintf(stderr, "POST %s %s: %x\n", uri, diag, r->code);
  assert_int_equal(r->code, OCF_COAP_CHANGED);
}

void dfx_onboard(dfx *f) {
  bool was = f->secure;
  f->secure = false;
  expect_changed(f, "/oic/sec/doxm", "{'oxmsel': 0}"); /* S003 5.3.1 step 3, in the clear */
  dfx_session(f, OCF_ACL_AUTH_ANON_DTLS, NULL);        /* the Just Works DOC */
  f->secure = true;
  expect_changed(f, "/oic/sec/doxm",
                 "{'owned': true, 'devowneruuid': '" DFX_OWNER "', 'rowneruuid': '" DFX_OWNER "'}");
  expect_changed(
      f, "/oic/sec/cred",
      "{'creds': [{'credtype': 1, 'subjectuuid': '" DFX_OWNER "', 'privatedata': {'data': "
      "h'00112233445566778899aabbccddeeff', 'encoding': 'oic.sec.encoding.raw'}}], 'rowneruuid': '" DFX_OWNER
      "'}");
  expect_changed(
      f, "/oic/sec/acl2",
      "{'aclist2': [{'subject': {'conntype': 'auth-crypt'}, 'resources': [{'wc': '*'}], 'permission': 31},"
      "{'subject': {'conntype': 'anon-clear'}, 'resources': [{'href': '/oic/res'}, {'href': '/oic/d'}, "
      "{'href': '/oic/p'}], 'permission': 2}], 'rowneruuid': '" DFX_OWNER "'}");
  expect_changed(f, "/oic/sec/pstat", "{'rowneruuid': '" DFX_OWNER "'}");
  expect_changed(f, "/oic/sec/pstat", "{'dos': {'s': 2}}");
  expect_changed(f, "/oic/sec/pstat", "{'dos': {'s': 3}}");
  assert_int_equal(ocf_device_get_state(f->dev), OCF_DEVICE_RFNOP);
  dfx_session_close(f);
  dfx_session(f, OCF_ACL_AUTH_PSK, DFX_OWNER); /* the owner comes back with its PSK */
  f->secure = was;
}

bool dfx_secure_svr_link(const ocf_link *l) {
  ocf_rep_str h = l->href;
  return h.len > 9 && memcmp(h.ptr, "/oic/sec/", 9) == 0 && !ocf_rep_str_eq(h, "/oic/sec/doxm") &&
         !ocf_rep_str_eq(h, "/oic/sec/pstat");
}
