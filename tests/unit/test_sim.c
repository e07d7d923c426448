/* Unit tests of the simulation harness itself (tests/sim): the platform's generator and failing
 * allocator, routing, multicast groups, faults and determinism. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "sim/sim.h"

/* A trivial engine: records what it receives, echoes each datagram back to its sender once,
 * and has a timer the test can arm. */
typedef struct echo_node {
  ocf_endpoint pending_to;
  uint8_t pending[64];
  size_t pending_len;
  size_t received;
  ocf_endpoint last_from;
  bool echo;
  ocf_time_ms timer;
  size_t fired;
  ocf_time_ms fired_at;
} echo_node;

static void echo_handle(void *ctx, const ocf_endpoint *from, const uint8_t *data, size_t len,
                        ocf_time_ms now) {
  (void)now;
  echo_node *n = ctx;
  n->received++;
  n->last_from = *from;
  if (n->echo && len <= sizeof n->pending) {
    n->pending_to = *from;
    n->pending_to.flags = 0;
    memcpy(n->pending, data, len);
    n->pending_len = len;
  }
}

static size_t echo_next(void *ctx, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  echo_node *n = ctx;
  size_t len = n->pending_len;
  if (!len || len > cap) return 0;
  *to = n->pending_to;
  memcpy(buf, n->pending, len);
  n->pending_len = 0;
  return len;
}

static ocf_time_ms echo_timeout(void *ctx) { return ((echo_node *)ctx)->timer; }

static void echo_on_timeout(void *ctx, ocf_time_ms now) {
  echo_node *n = ctx;
  if (now < n->timer) return;
  n->fired++;
  n->fired_at = now;
  n->timer = UINT64_MAX;
}

static const ocf_engine_ops echo_ops = {echo_handle, echo_next, echo_timeout, echo_on_timeout};

static ocf_engine engine(echo_node *n) {
  n->timer = UINT64_MAX;
  ocf_engine e = {&echo_ops, n};
  return e;
}

static ocf_endpoint ep(uint8_t last) {
  ocf_endpoint e = {.family = OCF_IPV4, .port = 5000, .addr = {10, 0, 0, last}};
  return e;
}

static void test_platform_random_is_seeded_and_reproducible(void **state) {
  (void)state;
  ocf_sim_platform a, b, c;
  ocf_sim_platform_init(&a, 7);
  ocf_sim_platform_init(&b, 7);
  ocf_sim_platform_init(&c, 8);
  uint8_t x[13], y[13], z[13];
  assert_int_equal(a.pf.random(a.pf.ctx, x, sizeof x), OCF_OK);
  assert_int_equal(b.pf.random(b.pf.ctx, y, sizeof y), OCF_OK);
  assert_int_equal(c.pf.random(c.pf.ctx, z, sizeof z), OCF_OK);
  assert_memory_equal(x, y, sizeof x);
  assert_memory_not_equal(x, z, sizeof x);
  a.random_fails = true;
  assert_int_equal(a.pf.random(a.pf.ctx, x, sizeof x), OCF_ERR_CRYPTO);
}

static void test_allocator_fails_the_nth_attempt_once_or_from_then_on(void **state) {
  (void)state;
  ocf_sim_platform sp;
  ocf_sim_platform_init(&sp, 1);
  void *p1 = sp.pf.alloc(sp.pf.ctx, 10);
  ocf_sim_fail_alloc(&sp, 2, false);
  void *p2 = sp.pf.alloc(sp.pf.ctx, 10);
  void *p3 = sp.pf.alloc(sp.pf.ctx, 10);
  void *p4 = sp.pf.alloc(sp.pf.ctx, 10);
  assert_non_null(p1);
  assert_non_null(p2);
  assert_null(p3);
  assert_non_null(p4);
  assert_int_equal(sp.live, 3);
  assert_int_equal(sp.live_bytes, 30);
  ocf_sim_fail_alloc(&sp, 1, true);
  assert_null(sp.pf.alloc(sp.pf.ctx, 1));
  assert_null(sp.pf.alloc(sp.pf.ctx, 1));
  assert_int_equal(sp.failures, 3);
  sp.pf.free(sp.pf.ctx, p1);
  sp.pf.free(sp.pf.ctx, p2);
  sp.pf.free(sp.pf.ctx, p4);
  sp.pf.free(sp.pf.ctx, NULL);
  assert_int_equal(sp.live, 0);
  assert_int_equal(sp.live_bytes, 0);
}

static void test_unicast_reaches_the_owner_and_multicast_the_members(void **state) {
  (void)state;
  echo_node a = {0}, b = {0}, c = {0};
  ocf_sim_net *net = ocf_sim_net_new(1, 1000);
  int na = ocf_sim_add_node(net, engine(&a)), nb = ocf_sim_add_node(net, engine(&b));
  int nc = ocf_sim_add_node(net, engine(&c));
  ocf_endpoint ea = ep(1), eb = ep(2), ec = ep(3),
               group = {.family = OCF_IPV4, .port = 5683, .addr = {224, 0, 1, 187}};
  ocf_sim_node_add_addr(net, na, &ea);
  ocf_sim_node_add_addr(net, nb, &eb);
  ocf_sim_node_add_addr(net, nc, &ec);
  ocf_sim_node_join(net, nb, &group);
  ocf_sim_node_join(net, nc, &group);
  b.echo = true;
  const uint8_t hello[] = "hi";
  ocf_sim_inject(net, &ea, &eb, hello, sizeof hello);
  ocf_sim_run_for(net, 100);
  assert_int_equal(b.received, 1);
  assert_int_equal(c.received, 0);
  assert_int_equal(a.received, 1); /* b echoed it back */
  assert_true(ocf_endpoint_equal(&a.last_from, &eb));
  assert_int_equal(a.last_from.flags & OCF_EP_MULTICAST, 0);
  b.echo = false;
  ocf_sim_inject(net, &ea, &group, hello, sizeof hello);
  ocf_sim_run_for(net, 100);
  assert_int_equal(b.received, 2);
  assert_int_equal(c.received, 1);
  assert_true(c.last_from.flags & OCF_EP_MULTICAST);
  ocf_endpoint nowhere = ep(99);
  ocf_sim_inject(net, &ea, &nowhere, hello, sizeof hello);
  assert_int_equal(ocf_sim_stats_get(net)->undeliverable, 1);
  ocf_sim_net_free(net);
}

static void test_timers_fire_at_their_time_on_the_fake_clock(void **state) {
  (void)state;
  echo_node a = {0};
  ocf_sim_net *net = ocf_sim_net_new(1, 5000);
  ocf_sim_add_node(net, engine(&a));
  a.timer = 7500;
  assert_int_equal(ocf_sim_run_for(net, 2000), 0);
  assert_int_equal(ocf_sim_now(net), 7000);
  assert_int_equal(a.fired, 0);
  assert_int_equal(ocf_sim_run_for(net, 1000), 1);
  assert_int_equal(a.fired_at, 7500);
  assert_int_equal(ocf_sim_now(net), 8000);
  assert_false(ocf_sim_step(net));
  ocf_sim_net_free(net);
}

static ocf_sim_stats faulty_run(uint64_t seed) {
  echo_node a = {0}, b = {0};
  ocf_sim_net *net = ocf_sim_net_new(seed, 0);
  int na = ocf_sim_add_node(net, engine(&a)), nb = ocf_sim_add_node(net, engine(&b));
  ocf_endpoint ea = ep(1), eb = ep(2);
  ocf_sim_node_add_addr(net, na, &ea);
  ocf_sim_node_add_addr(net, nb, &eb);
  ocf_sim_set_latency(net, 1, 50);
  ocf_sim_set_faults(net, 20, 20, 20, 100);
  for (uint8_t i = 0; i < 200; i++) ocf_sim_inject(net, &ea, &eb, &i, 1);
  ocf_sim_run_for(net, 10000);
  ocf_sim_stats st = *ocf_sim_stats_get(net);
  assert_int_equal(b.received, st.delivered);
  ocf_sim_net_free(net);
  return st;
}

static void test_faults_are_deterministic_per_seed(void **state) {
  (void)state;
  ocf_sim_stats s1 = faulty_run(3), s2 = faulty_run(3), s3 = faulty_run(4);
  assert_memory_equal(&s1, &s2, sizeof s1);
  assert_true(s1.dropped > 10 && s1.duplicated > 10 && s1.reordered > 10);
  assert_int_equal(s1.delivered, s1.sent - s1.dropped + s1.duplicated);
  assert_memory_not_equal(&s1, &s3, sizeof s1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_platform_random_is_seeded_and_reproducible),
      cmocka_unit_test(test_allocator_fails_the_nth_attempt_once_or_from_then_on),
      cmocka_unit_test(test_unicast_reaches_the_owner_and_multicast_the_members),
      cmocka_unit_test(test_timers_fire_at_their_time_on_the_fake_clock),
      cmocka_unit_test(test_faults_are_deterministic_per_seed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
