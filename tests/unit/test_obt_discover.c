/* Discovery by the onboarding tool engine (src/obt/discover.c), in the in-memory network: fake
 * devices (an ocf_msg server each, answering /oic/res and /oic/d) and one tool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ocf/ocf_obt.h>

#include "msg/msg.h"
#include "rep/links.h"
#include "sim/sim.h"

#define MAX_FAKES 6

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
  /* its doxm (SEC:doxm) */
  bool owned;    /* silent to multicast doxm, 4.01 to unicast (digest 1.7, 3.3) */
  bool lie_uuid; /* its doxm names another deviceuuid than its /oic/res anchors */
  int bad_doxm;  /* 1 not a map, 2 sct out of range, 3 too many oxms, 4 nil deviceuuid */
  /* Answers too much (issue 7 item 3d): a body of HUGE_BODY bytes (block-wise, RFC 7959) for
   * /oic/res or /oic/sec/doxm instead of the real one. */
  bool huge_res, huge_doxm;
  uint32_t oxms[4];
  size_t n_oxms;
  size_t res_requests, d_requests, doxm_requests;
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
  uint32_t repeats; /* ocf_obt_discover_params.repeats of the next run */
  int obt_node;
  ocf_time_ms t_start, lose_unicast_ms; /* lose_first_copies */
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

static size_t encode_doxm(const fake_device *d, uint8_t *buf, size_t cap) {
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, cap);
  if (d->bad_doxm == 1) {
    ocf_rep_enc_text(&e, "doxm");
  } else {
    ocf_rep_enc_map_open(&e);
    ocf_rep_enc_kv_array_open(&e, "oxms");
    size_t n = d->bad_doxm == 3 ? 40 : d->n_oxms;
    for (size_t i = 0; i < n; i++) ocf_rep_enc_uint(&e, i < d->n_oxms ? d->oxms[i] : 0);
    ocf_rep_enc_array_close(&e);
    ocf_rep_enc_kv_int(&e, "oxmsel", 4);
    ocf_rep_enc_kv_int(&e, "sct", d->bad_doxm == 2 ? 4096 : 9);
    ocf_rep_enc_kv_bool(&e, "owned", d->owned);
    ocf_uuid u = d->di, owner = {{0}};
    if (d->lie_uuid) u.b[0] ^= 0xff;
    if (d->bad_doxm == 4) memset(u.b, 0, sizeof u.b);
    if (d->owned) memset(owner.b, 0x77, sizeof owner.b);
    ocf_rep_enc_kv_uuid(&e, "deviceuuid", &u);
    ocf_rep_enc_kv_uuid(&e, "devowneruuid", &owner);
    ocf_rep_enc_kv_uuid(&e, "rowneruuid", &owner);
    ocf_rep_enc_map_close(&e);
  }
  size_t len = 0;
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
  return len;
}

/* GET /oic/sec/doxm as a device does (digest 1.7): owned devices are silent to multicast and
 * refuse unicast over plain CoAP; an owned query that does not match is silent (multicast). */
static void answer_doxm(fake_device *d, ocf_msg *m, const ocf_msg_incoming *in, uint8_t *body, size_t cap) {
  d->doxm_requests++;
  const uint8_t *v = NULL;
  size_t vlen = 0;
  bool want_owned = ocf_coap_find_query(in->request, "owned", NULL, &v, &vlen) && vlen == 4 &&
                    strncasecmp((const char *)v, "true", 4) == 0;
  bool multicast = in->peer->flags & OCF_EP_MULTICAST;
  if (d->owned && multicast) {
    ocf_msg_drop(m, in->handle);
  } else if (d->owned) {
    answer(d, m, in, OCF_COAP_UNAUTHORIZED, NULL, 0);
  } else if (want_owned) {
    ocf_msg_drop(m, in->handle);
  } else {
    answer(d, m, in, OCF_COAP_CONTENT, body, encode_doxm(d, body, cap));
  }
}

#define HUGE_BODY (256u << 10) /* four times the tool's cap on a reassembled body (64 KiB) */

/* A CBOR array of HUGE_BODY bytes in all: 0x9a + 4-byte count, then small unsigned integers. */
static void answer_huge(fake_device *d, ocf_msg *m, const ocf_msg_incoming *in) {
  uint8_t *big = calloc(1, HUGE_BODY);
  assert_non_null(big);
  uint32_t n = HUGE_BODY - 5;
  big[0] = 0x9a;
  big[1] = (uint8_t)(n >> 24);
  big[2] = (uint8_t)(n >> 16);
  big[3] = (uint8_t)(n >> 8);
  big[4] = (uint8_t)n;
  answer(d, m, in, OCF_COAP_CONTENT, big, HUGE_BODY);
  free(big);
}

static void on_request(void *user, ocf_msg *m, const ocf_msg_incoming *in) {
  fake_device *d = user;
  char path[64];
  assert_int_equal(ocf_coap_get_path(in->request, path, sizeof path), OCF_OK);
  uint8_t body[1024];
  if ((d->huge_res && strcmp(path, "/oic/res") == 0) ||
      (d->huge_doxm && strcmp(path, "/oic/sec/doxm") == 0)) {
    answer_huge(d, m, in);
  } else if (strcmp(path, "/oic/res") == 0) {
    d->res_requests++;
    if (d->garbage_res)
      answer(d, m, in, OCF_COAP_CONTENT, (const uint8_t *)"\xff\xff", 2);
    else
      answer(d, m, in, OCF_COAP_CONTENT, body, encode_res(d, body, sizeof body));
  } else if (strcmp(path, "/oic/sec/doxm") == 0) {
    answer_doxm(d, m, in, body, sizeof body);
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
  d->oxms[0] = 0;
  d->oxms[1] = 1;
  d->n_oxms = 2;
  memset(d->di.b, 0x11 * (int)(w->n_dev + 1), sizeof d->di.b);
  ocf_msg_config mc;
  ocf_msg_config_default(&mc);
  mc.max_body = HUGE_BODY; /* a fake may answer more than any tool takes */
  assert_int_equal(ocf_msg_create(&w->sp.pf, &mc, &d->msg), OCF_OK);
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
  w.obt_node = node;
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

static void run_mode(world *w, const ocf_endpoint *targets, size_t n_targets, ocf_obt_discover_mode mode,
                     bool read_doxm) {
  ocf_obt_discover_params p = {.targets = targets,
                               .n_targets = n_targets,
                               .window_ms = 3000,
                               .mode = mode,
                               .read_doxm = read_doxm,
                               .repeats = w->repeats,
                               .on_device = on_device,
                               .on_done = on_done,
                               .user = w};
  w->t_start = ocf_sim_now(w->net);
  assert_int_equal(ocf_obt_discover(w->obt, &p, ocf_sim_now(w->net)), OCF_OK);
  assert_true(ocf_obt_discovering(w->obt));
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, is_done, w, 200000));
  assert_false(ocf_obt_discovering(w->obt));
}

static void run_discovery(world *w, const ocf_endpoint *targets, size_t n_targets) {
  run_mode(w, targets, n_targets, OCF_OBT_DISCOVER_ALL, false);
}

static void run_unowned(world *w, bool ipv4) {
  ocf_endpoint groups[4];
  size_t n = ocf_obt_discovery_groups(0, true, ipv4, groups);
  run_mode(w, groups, n, OCF_OBT_DISCOVER_UNOWNED, false);
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

/* S003 5.3.1 step 1: multicast GET doxm?owned=FALSE finds only unowned devices, each once (on
 * IPv6 and IPv4), with its oxms and sct, and the coaps endpoint from its own /oic/res. */
static void test_unowned_mode_finds_only_unowned_devices_with_oxms(void **state) {
  world *w = *state;
  add_fake(w, "new lamp", true);
  add_fake(w, "owned lamp", false);
  w->dev[1].owned = true;
  add_fake(w, "new plug", false);
  w->dev[2].oxms[0] = 2;
  w->dev[2].n_oxms = 1;
  run_unowned(w, true);
  assert_int_equal(w->result, OCF_OK);
  assert_int_equal(w->n_seen, 2);
  const ocf_obt_device_info *a = seen_by_name(w, "new lamp");
  assert_true(a->has_doxm);
  assert_false(a->owned);
  assert_false(a->conflict);
  assert_int_equal(a->n_oxms, 2);
  assert_int_equal(a->oxms[1], 1);
  assert_int_equal(a->sct, 9);
  assert_memory_equal(a->di.b, w->dev[0].di.b, 16);
  assert_string_equal(a->device_type, "oic.d.light");
  bool coaps = false;
  for (size_t i = 0; i < a->n_eps; i++) coaps = coaps || (a->eps[i].flags & OCF_EP_SECURE);
  assert_true(coaps);
  assert_int_equal(w->dev[0].res_requests, 1); /* its own /oic/res once, though it answered twice */
  assert_int_equal(w->dev[0].d_requests, 1);
  const ocf_obt_device_info *b = seen_by_name(w, "new plug");
  assert_int_equal(b->n_oxms, 1);
  assert_int_equal(b->oxms[0], 2);
  assert_int_equal(w->dev[1].res_requests + w->dev[1].d_requests, 0); /* the owned one: never asked */
}

/* Hostile answers: unreadable, out-of-range sct, too many oxms and a nil deviceuuid are not
 * believed, and the discovery goes on with the honest device. */
static void test_unowned_mode_ignores_malformed_doxm_answers(void **state) {
  world *w = *state;
  for (int bad = 1; bad <= 3; bad++) {
    add_fake(w, "liar", false);
    w->dev[w->n_dev - 1].bad_doxm = bad;
  }
  add_fake(w, "honest", false);
  run_unowned(w, false);
  assert_int_equal(w->result, OCF_OK);
  assert_int_equal(w->n_seen, 1);
  assert_string_equal(w->seen[0].name, "honest");
  for (size_t i = 0; i < 3; i++) assert_int_equal(w->dev[i].d_requests, 0);

  w->done = false;
  w->n_seen = 0;
  w->dev[3].bad_doxm = 4;
  run_unowned(w, false);
  assert_int_equal(w->n_seen, 0);
}

/* A doxm deviceuuid that is not the anchor of the device's own /oic/res links: reported, marked
 * as a conflict, and without the endpoints of the links that contradict it. */
static void test_unowned_mode_flags_a_doxm_uuid_its_res_contradicts(void **state) {
  world *w = *state;
  add_fake(w, "two-faced", false);
  w->dev[0].lie_uuid = true;
  run_unowned(w, false);
  assert_int_equal(w->n_seen, 1);
  const ocf_obt_device_info *d = &w->seen[0];
  assert_true(d->conflict);
  assert_memory_not_equal(d->di.b, w->dev[0].di.b, 16);
  for (size_t i = 0; i < d->n_eps; i++) assert_false(d->eps[i].flags & OCF_EP_SECURE);
}

/* Two addresses answer with one uuid: reported once with both addresses; when their doxm
 * answers differ, as a conflict. */
static void test_unowned_mode_merges_duplicate_uuids_and_flags_differences(void **state) {
  world *w = *state;
  add_fake(w, "original", false);
  add_fake(w, "clone", false);
  w->dev[1].di = w->dev[0].di;
  run_unowned(w, false);
  assert_int_equal(w->n_seen, 1);
  assert_false(w->seen[0].conflict);
  size_t plain = 0;
  for (size_t i = 0; i < w->seen[0].n_eps; i++) plain += !(w->seen[0].eps[i].flags & OCF_EP_SECURE);
  assert_true(plain >= 2); /* both sources kept as coap endpoints */

  w->done = false;
  w->n_seen = 0;
  w->dev[1].oxms[0] = 2;
  run_unowned(w, false);
  assert_int_equal(w->n_seen, 1);
  assert_true(w->seen[0].conflict);
}

/* All mode with read_doxm: every device, the unowned one with its doxm, the owned one with the
 * code it refused doxm with; a doxm naming another uuid than /oic/res is a conflict. */
static void test_all_mode_reads_doxm_of_each_device(void **state) {
  world *w = *state;
  add_fake(w, "free", false);
  add_fake(w, "taken", false);
  w->dev[1].owned = true;
  add_fake(w, "liar", false);
  w->dev[2].lie_uuid = true;
  ocf_endpoint groups[4];
  size_t n = ocf_obt_discovery_groups(0, true, false, groups);
  run_mode(w, groups, n, OCF_OBT_DISCOVER_ALL, true);
  assert_int_equal(w->n_seen, 3);
  const ocf_obt_device_info *a = seen_by_name(w, "free"), *b = seen_by_name(w, "taken"),
                            *c = seen_by_name(w, "liar");
  assert_true(a->has_doxm);
  assert_false(a->owned);
  assert_false(b->has_doxm);
  assert_int_equal(b->doxm_code, 401);
  assert_false(c->has_doxm);
  assert_true(c->conflict);
  assert_false(a->conflict || b->conflict);
}

/* Unicast to one address in unowned mode: an unowned device is found; an owned one refuses
 * (4.01) and nothing is reported, which is no error. */
static void test_unowned_mode_unicast(void **state) {
  world *w = *state;
  add_fake(w, "direct", false);
  ocf_endpoint target = ep6(10, w->dev[0].port);
  run_mode(w, &target, 1, OCF_OBT_DISCOVER_UNOWNED, false);
  assert_int_equal(w->result, OCF_OK);
  assert_int_equal(w->n_seen, 1);
  assert_true(w->seen[0].has_doxm);
  w->done = false;
  w->n_seen = 0;
  w->dev[0].owned = true;
  run_mode(w, &target, 1, OCF_OBT_DISCOVER_UNOWNED, false);
  assert_int_equal(w->result, OCF_OK);
  assert_int_equal(w->n_seen, 0);
}

/* The public doxm reader: bounded, and strict about what it believes. */
static void test_doxm_parse_is_bounded_and_strict(void **state) {
  world *w = *state;
  add_fake(w, "x", false);
  fake_device *d = &w->dev[0];
  uint8_t body[1024];
  ocf_obt_doxm x;
  size_t len = encode_doxm(d, body, sizeof body);
  assert_int_equal(ocf_obt_doxm_parse(body, len, &x), OCF_OK);
  assert_int_equal(x.n_oxms, 2);
  assert_int_equal(x.sct, 9);
  assert_memory_equal(x.deviceuuid.b, d->di.b, 16);
  assert_int_equal(ocf_obt_doxm_parse(body, len - 1, &x), OCF_ERR_MALFORMED); /* cut short */
  assert_int_equal(ocf_obt_doxm_parse(NULL, 3, &x), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_doxm_parse(body, len, NULL), OCF_ERR_INVALID_ARG);
  for (int bad = 1; bad <= 4; bad++) {
    d->bad_doxm = bad;
    len = encode_doxm(d, body, sizeof body);
    assert_int_equal(ocf_obt_doxm_parse(body, len, &x), OCF_ERR_MALFORMED);
  }
  d->bad_doxm = 0;
  for (size_t i = 0; i < 4; i++) d->oxms[i] = (uint32_t)i;
  d->n_oxms = 4;
  len = encode_doxm(d, body, sizeof body);
  assert_int_equal(ocf_obt_doxm_parse(body, len, &x), OCF_OK);
  assert_int_equal(x.n_oxms, 4);
}

/* Devices that answer too much (issue 7 item 3d): /oic/res and doxm bodies four times the
 * tool's 64 KiB cap, sent block by block. The tool stops each transfer at its cap, discovery
 * ends in its window, the honest device is found with its details and doxm, the huge /oic/res
 * is not believed, the fat doxm is not read, and the tool's memory stays within its caps. */
static void test_devices_that_answer_too_much_hit_the_caps(void **state) {
  world *w = *state;
  add_fake(w, "honest", false);
  add_fake(w, "huge res", false);
  add_fake(w, "fat doxm", false);
  w->dev[1].huge_res = true;
  w->dev[2].huge_doxm = true;
  size_t base = w->sp.live_bytes;
  w->sp.peak_bytes = base;
  ocf_endpoint groups[4];
  size_t n = ocf_obt_discovery_groups(0, true, false, groups);
  run_mode(w, groups, n, OCF_OBT_DISCOVER_ALL, true);
  assert_int_equal(w->result, OCF_OK);
  const ocf_obt_device_info *h = seen_by_name(w, "honest");
  assert_true(h->has_details && h->has_doxm);
  for (size_t i = 0; i < w->n_seen; i++) {
    assert_string_not_equal(w->seen[i].name, "huge res"); /* its /oic/res never decoded */
    if (strcmp(w->seen[i].name, "fat doxm") == 0) assert_false(w->seen[i].has_doxm);
  }
  /* Each fake held a HUGE_BODY answer at a time on the same platform; the tool itself holds at
   * most its 64 KiB cap per transfer. */
  size_t peak = w->sp.peak_bytes - base;
  printf("too much: /oic/res and doxm of %u KiB each -> discovery ends, %zu device(s) reported, peak %zu KiB "
         "on the shared platform (the fakes' own bodies included)\n",
         HUGE_BODY >> 10, w->n_seen, peak >> 10);
  assert_true(peak < 2 * HUGE_BODY + (512u << 10));
}

/* A lossy link (issue 7 item 4): the first copy of the multicast request is lost (to every
 * group), and so is every transmission of the tool's first unicast request for lose_unicast_ms
 * (CoAP's four retransmissions included). */
static bool lose_first_copies(void *user, const ocf_sim_datagram *d) {
  const world *w = user;
  if (d->src_node != w->obt_node) return true;
  if (d->multicast) return d->sent_at != w->t_start;
  return d->sent_at >= w->t_start + w->lose_unicast_ms;
}

/* Discovery sends its multicast request again (ocf_obt_config.discovery_repeats, default 3) and
 * asks a device's /oic/res again when CoAP gave up on it: the device is found with its coaps
 * endpoint, and reported once though it answered every copy. Sent once, it is missed. */
static void test_repeats_find_a_device_behind_a_lost_request(void **state) {
  world *w = *state;
  add_fake(w, "lossy", false);
  ocf_sim_set_filter(w->net, lose_first_copies, w);
  w->lose_unicast_ms = 60000;
  run_unowned(w, false);
  assert_int_equal(w->result, OCF_OK);
  assert_int_equal(w->n_seen, 1);
  assert_true(w->seen[0].has_doxm && w->seen[0].has_details);
  assert_int_equal(w->seen[0].n_eps, 2);        /* its coaps endpoint from the /oic/res asked again */
  assert_int_equal(w->dev[0].doxm_requests, 2); /* the two copies that were not lost */
  assert_int_equal(w->dev[0].res_requests, 1);  /* every transmission of the first lost: asked again */
  w->done = false;
  w->n_seen = 0;
  w->repeats = 1;
  w->lose_unicast_ms = 0;
  run_unowned(w, false);
  assert_int_equal(w->result, OCF_OK);
  assert_int_equal(w->n_seen, 0);
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
      cmocka_unit_test_setup_teardown(test_unowned_mode_finds_only_unowned_devices_with_oxms, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_unowned_mode_ignores_malformed_doxm_answers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unowned_mode_flags_a_doxm_uuid_its_res_contradicts, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_unowned_mode_merges_duplicate_uuids_and_flags_differences, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_all_mode_reads_doxm_of_each_device, setup, teardown),
      cmocka_unit_test_setup_teardown(test_unowned_mode_unicast, setup, teardown),
      cmocka_unit_test_setup_teardown(test_doxm_parse_is_bounded_and_strict, setup, teardown),
      cmocka_unit_test_setup_teardown(test_devices_that_answer_too_much_hit_the_caps, setup, teardown),
      cmocka_unit_test_setup_teardown(test_repeats_find_a_device_behind_a_lost_request, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
