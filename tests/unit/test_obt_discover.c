/* Discovery by the onboarding tool engine (src/obt/discover.c), in the in-memory network: fake
 * devices (an ocf_msg server each, answering /oic/res and /oic/d) and one tool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_obt.h>

#include "msg/msg.h"
#include "rep/links.h"
#include "sim/sim.h"

#define MAX_FAKES 4

typedef struct fake_device {
  ocf_msg *msg;
  ocf_uuid di;
  const char *name;
  const char *type;
  uint16_t port;
  uint8_t host;     /* last byte of its addresses */
  bool garbage_res; /* answer /oic/res with bytes that are not CBOR */
  bool refuse_d;    /* answer /oic/d with 4.04 */
  bool link_local_ep;
  size_t res_requests, d_requests;
} fake_device;

typedef struct world {
  ocf_sim_platform sp;
  ocf_sim_net *net;
  ocf_obt *obt;
  fake_device dev[MAX_FAKES];
  size_t n_dev;
  ocf_obt_device_info seen[8];
  size_t n_seen;
  bool done;
  ocf_err result;
  size_t reported;
} world;

static ocf_endpoint ep6(uint8_t last, uint16_t port) {
  ocf_endpoint ep = {.family = OCF_IPV6, .port = port};
  ep.addr[0] = 0xfd;
  ep.addr[15] = last;
  return ep;
}

static ocf_endpoint ep4(uint8_t last, uint16_t port) {
  ocf_endpoint ep = {.family = OCF_IPV4, .port = port};
  ep.addr[0] = 10;
  ep.addr[3] = last;
  return ep;
}

static void answer(fake_device *d, ocf_msg *m, const ocf_msg_incoming *in, uint8_t code, const uint8_t *body,
                   size_t len) {
  ocf_coap_msg rsp;
  ocf_coap_init(&rsp, OCF_COAP_ACK, code, 0);
  if (len) assert_int_equal(ocf_coap_add_uint_option(&rsp, OCF_COAP_OPT_CONTENT_FORMAT, 10000), OCF_OK);
  rsp.payload = body;
  rsp.payload_len = len;
  (void)d;
  assert_int_equal(ocf_msg_respond(m, in->handle, &rsp, in->now), OCF_OK);
}

static size_t encode_res(const fake_device *d, uint8_t *buf, size_t cap) {
  char eps[2][64];
  if (d->link_local_ep)
    snprintf(eps[0], sizeof eps[0], "coap://[fe80::%x]:%u", (unsigned)d->host, (unsigned)d->port);
  else
    snprintf(eps[0], sizeof eps[0], "coap://[fd00::%x]:%u", (unsigned)d->host, (unsigned)d->port);
  snprintf(eps[1], sizeof eps[1], "coaps://[fd00::%x]:%u", (unsigned)d->host, (unsigned)d->port + 1);
  ocf_link links[2];
  memset(links, 0, sizeof links);
  const char *hrefs[2] = {"/oic/d", "/oic/res"};
  for (size_t i = 0; i < 2; i++) {
    links[i].has_di = true;
    links[i].di = d->di;
    links[i].href = ocf_rep_str_of(hrefs[i]);
    links[i].rt[0] = ocf_rep_str_of(i == 0 ? "oic.wk.d" : "oic.wk.res");
    links[i].n_rt = 1;
    links[i].ifs[0] = ocf_rep_str_of("oic.if.baseline");
    links[i].n_if = 1;
    links[i].eps[0].ep = ocf_rep_str_of(eps[0]);
    links[i].eps[1].ep = ocf_rep_str_of(eps[1]);
    links[i].n_eps = 2;
  }
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, cap);
  ocf_rep_enc_use_indefinite(&e); /* IoTivity-Lite's shape */
  ocf_links_encode_ll(&e, links, 2);
  size_t len = 0;
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
  return len;
}

static size_t encode_d(const fake_device *d, uint8_t *buf, size_t cap) {
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, cap);
  ocf_rep_enc_map_open(&e);
  const char *rt[2] = {"oic.wk.d", d->type};
  ocf_rep_enc_kv_cstr_array(&e, "rt", rt, 2);
  ocf_rep_enc_kv_text(&e, "n", d->name);
  ocf_rep_enc_kv_uuid(&e, "di", &d->di);
  ocf_rep_enc_kv_text(&e, "icv", "ocf.2.5.0");
  ocf_rep_enc_map_close(&e);
  size_t len = 0;
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
  return len;
}

static void on_request(void *user, ocf_msg *m, const ocf_msg_incoming *in) {
  fake_device *d = user;
  char path[64];
  assert_int_equal(ocf_coap_get_path(in->request, path, sizeof path), OCF_OK);
  uint8_t body[1024];
  if (strcmp(path, "/oic/res") == 0) {
    d->res_requests++;
    if (d->garbage_res)
      answer(d, m, in, OCF_COAP_CONTENT, (const uint8_t *)"\xff\xff", 2);
    else
      answer(d, m, in, OCF_COAP_CONTENT, body, encode_res(d, body, sizeof body));
  } else if (strcmp(path, "/oic/d") == 0) {
    d->d_requests++;
    if (d->refuse_d)
      answer(d, m, in, OCF_COAP_NOT_FOUND, NULL, 0);
    else
      answer(d, m, in, OCF_COAP_CONTENT, body, encode_d(d, body, sizeof body));
  } else {
    answer(d, m, in, OCF_COAP_NOT_FOUND, NULL, 0);
  }
}

static void add_fake(world *w, const char *name, bool ipv4_too) {
  fake_device *d = &w->dev[w->n_dev];
  uint8_t host = (uint8_t)(10 + w->n_dev);
  d->name = name;
  d->type = "oic.d.light";
  d->port = (uint16_t)(40000 + w->n_dev * 10);
  d->host = host;
  memset(d->di.b, 0x11 * (int)(w->n_dev + 1), sizeof d->di.b);
  assert_int_equal(ocf_msg_create(&w->sp.pf, NULL, &d->msg), OCF_OK);
  ocf_msg_set_request_handler(d->msg, on_request, d);
  int node = ocf_sim_add_node(w->net, ocf_msg_engine(d->msg));
  ocf_endpoint a6 = ep6(host, d->port);
  a6.ifindex = 3; /* the sim hands this to the receiver as the arrival interface */
  ocf_sim_node_add_addr(w->net, node, &a6);
  ocf_endpoint groups[4];
  size_t n = ocf_obt_discovery_groups(0, true, ipv4_too, groups);
  if (ipv4_too) {
    ocf_endpoint a4 = ep4(host, d->port);
    ocf_sim_node_add_addr(w->net, node, &a4);
  }
  for (size_t i = 0; i < n; i++) ocf_sim_node_join(w->net, node, &groups[i]);
  w->n_dev++;
}

static int setup(void **state) {
  static world w;
  memset(&w, 0, sizeof w);
  ocf_sim_platform_init(&w.sp, 7);
  w.sp.quiet = true;
  w.net = ocf_sim_net_new(3, 1000000);
  assert_int_equal(ocf_obt_create(&w.sp.pf, NULL, &w.obt), OCF_OK);
  int node = ocf_sim_add_node(w.net, ocf_obt_engine(w.obt));
  ocf_endpoint a6 = ep6(1, 5000), a4 = ep4(1, 5000);
  ocf_sim_node_add_addr(w.net, node, &a6);
  ocf_sim_node_add_addr(w.net, node, &a4);
  *state = &w;
  return 0;
}

static int teardown(void **state) {
  world *w = *state;
  ocf_obt_destroy(w->obt);
  for (size_t i = 0; i < w->n_dev; i++) ocf_msg_destroy(w->dev[i].msg);
  ocf_sim_net_free(w->net);
  assert_int_equal(w->sp.live, 0); /* nothing leaked */
  return 0;
}

static void on_device(void *user, const ocf_obt_device_info *dev) {
  world *w = user;
  assert_true(w->n_seen < 8);
  w->seen[w->n_seen++] = *dev;
}

static void on_done(void *user, ocf_err err, size_t n) {
  world *w = user;
  w->done = true;
  w->result = err;
  w->reported = n;
}

static bool is_done(void *user) { return ((world *)user)->done; }

static void run_discovery(world *w, const ocf_endpoint *targets, size_t n_targets) {
  ocf_obt_discover_params p = {.targets = targets,
                               .n_targets = n_targets,
                               .window_ms = 3000,
                               .on_device = on_device,
                               .on_done = on_done,
                               .user = w};
  assert_int_equal(ocf_obt_discover(w->obt, &p, ocf_sim_now(w->net)), OCF_OK);
  assert_true(ocf_obt_discovering(w->obt));
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, is_done, w, 200000));
  assert_false(ocf_obt_discovering(w->obt));
}

static const ocf_obt_device_info *seen_by_name(world *w, const char *name) {
  for (size_t i = 0; i < w->n_seen; i++)
    if (strcmp(w->seen[i].name, name) == 0) return &w->seen[i];
  fail_msg("device %s was not reported", name);
  abort(); /* not reached: tells the compiler the result is never NULL */
}

static void test_multicast_finds_every_device_once_with_details(void **state) {
  world *w = *state;
  add_fake(w, "kitchen", true); /* answers on IPv6 and IPv4: must be reported once */
  add_fake(w, "hall", false);
  add_fake(w, "garage", true);
  ocf_endpoint groups[4];
  size_t n = ocf_obt_discovery_groups(0, true, true, groups);
  assert_int_equal(n, 4);
  run_discovery(w, groups, n);
  assert_int_equal(w->result, OCF_OK);
  assert_int_equal(w->reported, 3);
  assert_int_equal(w->n_seen, 3);
  const ocf_obt_device_info *k = seen_by_name(w, "kitchen");
  assert_non_null(k);
  assert_true(k->has_details);
  assert_string_equal(k->device_type, "oic.d.light");
  assert_string_equal(k->icv, "ocf.2.5.0");
  assert_memory_equal(k->di.b, w->dev[0].di.b, 16);
  assert_int_equal(k->n_eps, 2); /* same eps in two answers and two links: kept once */
  assert_true(k->eps[1].flags & OCF_EP_SECURE);
  assert_int_equal(k->eps[1].port, w->dev[0].port + 1);
  assert_false(k->from.flags & OCF_EP_MULTICAST);
  assert_int_equal(w->dev[0].d_requests, 1); /* /oic/d asked once despite two answers */
  assert_non_null(seen_by_name(w, "hall"));
  assert_non_null(seen_by_name(w, "garage"));
}

static void test_unreadable_answer_is_ignored_and_refused_details_still_report(void **state) {
  world *w = *state;
  add_fake(w, "broken", false);
  w->dev[0].garbage_res = true;
  add_fake(w, "shy", false);
  w->dev[1].refuse_d = true;
  ocf_endpoint groups[4];
  size_t n = ocf_obt_discovery_groups(0, true, false, groups);
  run_discovery(w, groups, n);
  assert_int_equal(w->result, OCF_OK);
  assert_int_equal(w->n_seen, 1);
  assert_false(w->seen[0].has_details);
  assert_memory_equal(w->seen[0].di.b, w->dev[1].di.b, 16);
}

static void test_link_local_eps_get_the_arrival_interface(void **state) {
  world *w = *state;
  add_fake(w, "ll", false);
  w->dev[0].link_local_ep = true;
  ocf_endpoint groups[4];
  size_t n = ocf_obt_discovery_groups(0, true, false, groups);
  run_discovery(w, groups, n);
  assert_int_equal(w->n_seen, 1);
  const ocf_obt_device_info *d = &w->seen[0];
  assert_int_equal(d->eps[0].addr[0], 0xfe);
  assert_int_equal(d->from.ifindex, 3);
  assert_int_equal(d->eps[0].ifindex, 3);
  assert_int_equal(d->eps[1].ifindex, 0); /* fd00:: is not scoped */
}

static void test_unicast_discovery_and_timeout(void **state) {
  world *w = *state;
  add_fake(w, "direct", false);
  ocf_endpoint target = ep6(10, w->dev[0].port);
  run_discovery(w, &target, 1);
  assert_int_equal(w->result, OCF_OK);
  assert_int_equal(w->n_seen, 1);
  assert_string_equal(w->seen[0].name, "direct");

  w->done = false;
  w->n_seen = 0;
  ocf_endpoint nobody = ep6(99, 1234);
  run_discovery(w, &nobody, 1);
  assert_int_equal(w->result, OCF_ERR_TIMEOUT);
  assert_int_equal(w->n_seen, 0);
}

static void test_discover_refuses_bad_parameters_and_a_second_run(void **state) {
  world *w = *state;
  ocf_endpoint groups[4];
  size_t n = ocf_obt_discovery_groups(0, true, true, groups);
  ocf_endpoint mixed[2] = {groups[0], ep6(5, 5683)};
  ocf_obt_discover_params p = {
      .targets = mixed, .n_targets = 2, .on_device = on_device, .on_done = on_done, .user = w};
  assert_int_equal(ocf_obt_discover(w->obt, &p, ocf_sim_now(w->net)), OCF_ERR_INVALID_ARG);
  p.targets = groups;
  p.n_targets = 0;
  assert_int_equal(ocf_obt_discover(w->obt, &p, ocf_sim_now(w->net)), OCF_ERR_INVALID_ARG);
  p.n_targets = n;
  p.on_done = NULL;
  assert_int_equal(ocf_obt_discover(w->obt, &p, ocf_sim_now(w->net)), OCF_ERR_INVALID_ARG);
  p.on_done = on_done;
  assert_int_equal(ocf_obt_discover(w->obt, &p, ocf_sim_now(w->net)), OCF_OK);
  assert_int_equal(ocf_obt_discover(w->obt, &p, ocf_sim_now(w->net)), OCF_ERR_BUSY);
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, is_done, w, 200000));
  assert_int_equal(w->result, OCF_OK);
  assert_int_equal(w->reported, 0);
}

static void test_allocation_failure_at_start_leaves_no_discovery(void **state) {
  world *w = *state;
  ocf_endpoint groups[4];
  size_t n = ocf_obt_discovery_groups(0, true, false, groups);
  ocf_obt_discover_params p = {
      .targets = groups, .n_targets = n, .on_device = on_device, .on_done = on_done, .user = w};
  for (size_t nth = 1; nth <= 3; nth++) {
    ocf_sim_fail_alloc(&w->sp, nth, false);
    assert_int_equal(ocf_obt_discover(w->obt, &p, ocf_sim_now(w->net)), OCF_ERR_NO_MEMORY);
    assert_false(ocf_obt_discovering(w->obt));
  }
  ocf_sim_fail_alloc(&w->sp, 0, false);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_multicast_finds_every_device_once_with_details, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unreadable_answer_is_ignored_and_refused_details_still_report,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_link_local_eps_get_the_arrival_interface, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unicast_discovery_and_timeout, setup, teardown),
      cmocka_unit_test_setup_teardown(test_discover_refuses_bad_parameters_and_a_second_run, setup, teardown),
      cmocka_unit_test_setup_teardown(test_allocation_failure_at_start_leaves_no_discovery, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
