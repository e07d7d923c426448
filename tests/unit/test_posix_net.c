/* Unit tests of src/platform/posix: the platform struct, the clock, and the UDP sockets.
 * NETWORK SAFETY: every socket here is bound to ::1 or 127.0.0.1 and only ever sends to ::1 or
 * 127.0.0.1; nothing joins a multicast group (tests/e2e does that inside its own namespaces). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ocf/ocf_posix.h>

static const uint8_t k_lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t k_lo4[4] = {127, 0, 0, 1};

typedef struct fixture {
  ocf_platform pf;
  ocf_posix_net *a;
  ocf_posix_net *b;
  ocf_posix_net_ports pa, pb;
} fixture;

static void loopback_config(ocf_posix_net_config *cfg) {
  ocf_posix_net_config_init(cfg);
  memcpy(cfg->bind6, k_lo6, 16);
  memcpy(cfg->bind4, k_lo4, 4);
}

static int setup_pair(void **state, bool secure) {
  fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  ocf_posix_platform_init(&f->pf, OCF_LOG_WARN, false);
  ocf_posix_net_config cfg;
  loopback_config(&cfg);
  cfg.secure = secure;
  if (ocf_posix_net_open(&cfg, &f->pf, &f->a) != OCF_OK || ocf_posix_net_open(&cfg, &f->pf, &f->b) != OCF_OK)
    return -1;
  ocf_posix_net_get_ports(f->a, &f->pa);
  ocf_posix_net_get_ports(f->b, &f->pb);
  *state = f;
  return 0;
}

static int setup_plain(void **state) { return setup_pair(state, false); }
static int setup_secure(void **state) { return setup_pair(state, true); }

static int teardown(void **state) {
  fixture *f = *state;
  ocf_posix_net_close(f->a);
  ocf_posix_net_close(f->b);
  free(f);
  return 0;
}

static ocf_endpoint loopback_ep(ocf_ip_family family, uint16_t port) {
  ocf_endpoint ep = {.family = (uint8_t)family, .port = port};
  memcpy(ep.addr, family == OCF_IPV6 ? k_lo6 : k_lo4, family == OCF_IPV6 ? 16 : 4);
  return ep;
}

/* Receives from the first socket of net that has a datagram, waiting for one up to `wait_ms`
 * (loopback delivery normally completes inside sendto(), but the kernel may defer it). */
static ocf_err recv_wait(ocf_posix_net *net, int wait_ms, ocf_endpoint *from, uint8_t *buf, size_t cap,
                         size_t *len) {
  int fds[6];
  struct pollfd pfds[6];
  size_t n = ocf_posix_net_fds(net, fds, 6);
  for (size_t i = 0; i < n; i++) pfds[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
  if (poll(pfds, (nfds_t)n, wait_ms) <= 0) return OCF_ERR_NOT_FOUND;
  for (size_t i = 0; i < n; i++) {
    if (!(pfds[i].revents & POLLIN)) continue;
    return ocf_posix_net_recv(net, fds[i], from, buf, cap, len);
  }
  return OCF_ERR_NOT_FOUND;
}

static ocf_err recv_any(ocf_posix_net *net, ocf_endpoint *from, uint8_t *buf, size_t cap, size_t *len) {
  return recv_wait(net, 5000, from, buf, cap, len);
}

/* Nothing is waiting right now (no waiting: used after everything sent was received). */
static void assert_nothing_waiting(ocf_posix_net *net) {
  uint8_t buf[16];
  ocf_endpoint from;
  size_t len;
  assert_int_equal(recv_wait(net, 0, &from, buf, sizeof buf, &len), OCF_ERR_NOT_FOUND);
}

/* ---- platform ---------------------------------------------------------------------------- */

static void test_platform_random_fills_and_differs(void **state) {
  (void)state;
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_ERROR, true);
  uint8_t a[600], b[600];
  memset(a, 0, sizeof a);
  memset(b, 0, sizeof b);
  assert_int_equal(pf.random(pf.ctx, a, sizeof a), OCF_OK);
  assert_int_equal(pf.random(pf.ctx, b, sizeof b), OCF_OK);
  assert_memory_not_equal(a, b, sizeof a); /* 2^-4800 chance of a false failure */
  assert_int_equal(pf.random(pf.ctx, a, 0), OCF_OK);
  assert_int_equal(pf.log_level, OCF_LOG_ERROR);
  void *p = pf.alloc(pf.ctx, 16);
  assert_non_null(p);
  pf.free(pf.ctx, p);
}

static void test_platform_clock_is_monotonic(void **state) {
  (void)state;
  ocf_time_ms t1 = ocf_posix_now();
  ocf_time_ms t2 = ocf_posix_now();
  assert_true(t2 >= t1);
  assert_true(t1 > 0);
}

/* ---- config ------------------------------------------------------------------------------ */

static void test_config_defaults_to_both_families_no_multicast(void **state) {
  (void)state;
  ocf_posix_net_config cfg;
  ocf_posix_net_config_init(&cfg);
  assert_true(cfg.ipv6 && cfg.ipv4);
  assert_false(cfg.multicast);
  assert_false(cfg.secure);
  assert_int_equal(cfg.multicast_port, 5683);
  assert_int_equal(cfg.unicast_port6, 0);
  assert_int_equal(cfg.interface_count, 0);
  assert_int_equal(cfg.rcvbuf, OCF_POSIX_RCVBUF_DEFAULT);
}

/* The smallest SO_RCVBUF among a net's sockets. */
static int smallest_rcvbuf(const ocf_posix_net *net) {
  int fds[6], smallest = -1;
  size_t n = ocf_posix_net_fds(net, fds, 6);
  assert_true(n > 0);
  for (size_t i = 0; i < n; i++) {
    int v = 0;
    socklen_t len = sizeof v;
    assert_int_equal(getsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &v, &len), 0);
    if (smallest < 0 || v < smallest) smallest = v;
  }
  return smallest;
}

/* cfg.rcvbuf reaches the unicast and coaps sockets (a small one shows: the system's default
 * and ours are both far larger); the default one is at least the system's. */
static void test_open_sets_the_receive_buffer(void **state) {
  (void)state;
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_WARN, false);
  ocf_posix_net_config cfg;
  loopback_config(&cfg);
  cfg.secure = true;
  ocf_posix_net *small = NULL, *dflt = NULL, *sys = NULL;
  cfg.rcvbuf = 4096;
  assert_int_equal(ocf_posix_net_open(&cfg, &pf, &small), OCF_OK);
  cfg.rcvbuf = 0;
  assert_int_equal(ocf_posix_net_open(&cfg, &pf, &sys), OCF_OK);
  cfg.rcvbuf = OCF_POSIX_RCVBUF_DEFAULT;
  assert_int_equal(ocf_posix_net_open(&cfg, &pf, &dflt), OCF_OK);
  assert_true(smallest_rcvbuf(small) < 32768);
  assert_true(smallest_rcvbuf(sys) > 32768);
  assert_true(smallest_rcvbuf(dflt) >= smallest_rcvbuf(sys));
  ocf_posix_net_close(small);
  ocf_posix_net_close(sys);
  ocf_posix_net_close(dflt);
}

static void test_config_add_interface_by_name_and_index(void **state) {
  (void)state;
  ocf_posix_net_config cfg;
  ocf_posix_net_config_init(&cfg);
  unsigned lo = if_nametoindex("lo");
  assert_true(lo > 0);
  char index_text[16];
  snprintf(index_text, sizeof index_text, "%u", lo);
  assert_int_equal(ocf_posix_net_config_add_interface(&cfg, "lo"), OCF_OK);
  assert_int_equal(ocf_posix_net_config_add_interface(&cfg, index_text), OCF_OK); /* duplicate */
  assert_int_equal(cfg.interface_count, 1);
  assert_int_equal(cfg.interfaces[0], lo);
  assert_int_equal(ocf_posix_net_config_add_interface(&cfg, "nosuchif0"), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_posix_net_config_add_interface(&cfg, "4000000000"), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_posix_net_config_add_interface(&cfg, "99999999999999999999"), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_posix_net_config_add_interface(&cfg, ""), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_posix_net_config_add_interface(&cfg, NULL), OCF_ERR_INVALID_ARG);
  assert_int_equal(cfg.interface_count, 1);
}

static void *null_alloc(void *ctx, size_t size) {
  (void)ctx;
  (void)size;
  return NULL;
}

static void test_open_rejects_bad_arguments(void **state) {
  (void)state;
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_ERROR, false);
  ocf_posix_net_config cfg;
  loopback_config(&cfg);
  ocf_posix_net *net = (ocf_posix_net *)&cfg; /* must be reset to NULL on failure */
  cfg.ipv4 = cfg.ipv6 = false;
  assert_int_equal(ocf_posix_net_open(&cfg, &pf, &net), OCF_ERR_INVALID_ARG);
  assert_null(net);
  loopback_config(&cfg);
  cfg.interface_count = 1;
  cfg.interfaces[0] = 4000000000u; /* no such interface */
  assert_int_equal(ocf_posix_net_open(&cfg, &pf, &net), OCF_ERR_INVALID_ARG);
  loopback_config(&cfg);
  assert_int_equal(ocf_posix_net_open(NULL, &pf, &net), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_posix_net_open(&cfg, NULL, &net), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_posix_net_open(&cfg, &pf, NULL), OCF_ERR_INVALID_ARG);
  pf.alloc = null_alloc;
  assert_int_equal(ocf_posix_net_open(&cfg, &pf, &net), OCF_ERR_NO_MEMORY);
  assert_null(net);
}

static void test_open_reports_io_error_when_port_taken(void **state) {
  fixture *f = *state;
  ocf_posix_net_config cfg;
  loopback_config(&cfg);
  cfg.ipv4 = false;
  cfg.unicast_port6 = f->pa.unicast6; /* unicast sockets are not shared */
  ocf_posix_net *net = NULL;
  assert_int_equal(ocf_posix_net_open(&cfg, &f->pf, &net), OCF_ERR_IO);
  assert_null(net);
}

/* ---- ports and sockets ------------------------------------------------------------------- */

static void test_ports_reported_for_open_sockets_only(void **state) {
  fixture *f = *state;
  assert_true(f->pa.unicast6 > 0);
  assert_true(f->pa.unicast4 > 0);
  assert_int_equal(f->pa.multicast6, 0);
  assert_int_equal(f->pa.multicast4, 0);
  assert_int_equal(f->pa.secure6, 0);
  assert_int_equal(f->pa.secure4, 0);
  assert_int_equal(ocf_posix_net_fds(f->a, NULL, 0), 2);
}

static void check_roundtrip(fixture *f, ocf_ip_family family) {
  static const uint8_t payload[] = "hello over loopback";
  ocf_endpoint to = loopback_ep(family, family == OCF_IPV6 ? f->pb.unicast6 : f->pb.unicast4);
  assert_int_equal(ocf_posix_net_send(f->a, &to, payload, sizeof payload), OCF_OK);
  uint8_t buf[OCF_POSIX_DATAGRAM_MAX];
  ocf_endpoint from;
  size_t len = 0;
  assert_int_equal(recv_any(f->b, &from, buf, sizeof buf, &len), OCF_OK);
  assert_int_equal(len, sizeof payload);
  assert_memory_equal(buf, payload, len);
  ocf_endpoint expected = loopback_ep(family, family == OCF_IPV6 ? f->pa.unicast6 : f->pa.unicast4);
  assert_true(ocf_endpoint_equal(&from, &expected));
  assert_int_equal(from.family, family);
  assert_int_equal(from.flags, 0);                      /* unicast, not secure */
  assert_int_equal(from.ifindex, if_nametoindex("lo")); /* from IPV6_PKTINFO / IP_PKTINFO */
  assert_nothing_waiting(f->b);
}

static void test_unicast_ipv6_roundtrip_reports_sender_and_arrival_interface(void **state) {
  check_roundtrip(*state, OCF_IPV6);
}

static void test_unicast_ipv4_roundtrip_reports_sender_and_arrival_interface(void **state) {
  check_roundtrip(*state, OCF_IPV4);
}

static void test_recv_drops_truncated_datagram_and_keeps_the_next(void **state) {
  fixture *f = *state;
  static uint8_t big[OCF_POSIX_DATAGRAM_MAX + 1];
  memset(big, 0xab, sizeof big);
  ocf_endpoint to = loopback_ep(OCF_IPV4, f->pb.unicast4);
  assert_int_equal(ocf_posix_net_send(f->a, &to, big, sizeof big), OCF_OK);
  assert_int_equal(ocf_posix_net_send(f->a, &to, (const uint8_t *)"ok", 2), OCF_OK);
  uint8_t buf[OCF_POSIX_DATAGRAM_MAX];
  ocf_endpoint from;
  size_t len = 99;
  assert_int_equal(recv_any(f->b, &from, buf, sizeof buf, &len), OCF_ERR_TOO_LARGE);
  assert_int_equal(len, 0);
  assert_int_equal(recv_any(f->b, &from, buf, sizeof buf, &len), OCF_OK);
  assert_int_equal(len, 2);
  assert_memory_equal(buf, "ok", 2);
}

static void test_recv_accepts_exactly_cap_bytes(void **state) {
  fixture *f = *state;
  static uint8_t full[OCF_POSIX_DATAGRAM_MAX];
  memset(full, 0x5a, sizeof full);
  ocf_endpoint to = loopback_ep(OCF_IPV6, f->pb.unicast6);
  assert_int_equal(ocf_posix_net_send(f->a, &to, full, sizeof full), OCF_OK);
  static uint8_t buf[OCF_POSIX_DATAGRAM_MAX];
  ocf_endpoint from;
  size_t len = 0;
  assert_int_equal(recv_any(f->b, &from, buf, sizeof buf, &len), OCF_OK);
  assert_int_equal(len, sizeof full);
}

static void test_recv_empty_datagram_is_delivered(void **state) {
  fixture *f = *state;
  ocf_endpoint to = loopback_ep(OCF_IPV6, f->pb.unicast6);
  assert_int_equal(ocf_posix_net_send(f->a, &to, NULL, 0), OCF_OK);
  uint8_t buf[8];
  ocf_endpoint from;
  size_t len = 99;
  assert_int_equal(recv_any(f->b, &from, buf, sizeof buf, &len), OCF_OK);
  assert_int_equal(len, 0);
}

static void test_recv_returns_not_found_when_nothing_waits(void **state) {
  fixture *f = *state;
  int fds[6];
  size_t n = ocf_posix_net_fds(f->b, fds, 6);
  assert_int_equal(n, 2);
  for (size_t i = 0; i < n; i++) {
    uint8_t buf[8];
    ocf_endpoint from;
    size_t len = 99;
    assert_int_equal(ocf_posix_net_recv(f->b, fds[i], &from, buf, sizeof buf, &len), OCF_ERR_NOT_FOUND);
    assert_int_equal(len, 0);
  }
}

static void test_recv_rejects_foreign_fd(void **state) {
  fixture *f = *state;
  int fds[6];
  assert_int_equal(ocf_posix_net_fds(f->a, fds, 6), 2);
  uint8_t buf[8];
  ocf_endpoint from;
  size_t len;
  assert_int_equal(ocf_posix_net_recv(f->b, fds[0], &from, buf, sizeof buf, &len), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_posix_net_recv(f->b, -1, &from, buf, sizeof buf, &len), OCF_ERR_INVALID_ARG);
}

static void test_secure_socket_marks_datagrams_secure(void **state) {
  fixture *f = *state;
  assert_true(f->pb.secure6 > 0 && f->pb.secure4 > 0);
  assert_int_not_equal(f->pb.secure6, f->pb.unicast6);
  ocf_endpoint to = loopback_ep(OCF_IPV6, f->pb.secure6);
  to.flags = OCF_EP_SECURE; /* leaves through a's secure socket */
  assert_int_equal(ocf_posix_net_send(f->a, &to, (const uint8_t *)"dtls", 4), OCF_OK);
  uint8_t buf[16];
  ocf_endpoint from;
  size_t len = 0;
  assert_int_equal(recv_any(f->b, &from, buf, sizeof buf, &len), OCF_OK);
  assert_int_equal(from.flags, OCF_EP_SECURE);
  assert_int_equal(from.port, f->pa.secure6);
}

static void test_send_rejects_what_cannot_be_sent(void **state) {
  fixture *f = *state;
  ocf_endpoint to = loopback_ep(OCF_IPV6, f->pb.unicast6);
  const uint8_t x = 0;
  to.flags = OCF_EP_SECURE; /* no secure socket in this fixture */
  assert_int_equal(ocf_posix_net_send(f->a, &to, &x, 1), OCF_ERR_STATE);
  to.flags = 0;
  to.port = 0;
  assert_int_equal(ocf_posix_net_send(f->a, &to, &x, 1), OCF_ERR_INVALID_ARG);
  to.port = 5683;
  to.family = 5;
  assert_int_equal(ocf_posix_net_send(f->a, &to, &x, 1), OCF_ERR_INVALID_ARG);
  ocf_endpoint link_local = {.family = OCF_IPV6, .port = 5683, .addr = {0xfe, 0x80, [15] = 1}};
  assert_int_equal(ocf_posix_net_send(f->a, &link_local, &x, 1), OCF_ERR_INVALID_ARG); /* pitfall 28 */
  ocf_endpoint group = {.family = OCF_IPV6,
                        .port = 5683,
                        .flags = OCF_EP_SECURE,
                        .addr = {0xff, 0x02, [14] = 0x01, [15] = 0x58}};
  assert_int_equal(ocf_posix_net_send(f->a, &group, &x, 1), OCF_ERR_INVALID_ARG); /* no DTLS multicast */
  assert_int_equal(ocf_posix_net_send(f->a, &to, NULL, 1), OCF_ERR_INVALID_ARG);
  assert_nothing_waiting(f->b);
}

static void test_send_needs_a_socket_of_that_family(void **state) {
  (void)state;
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_ERROR, false);
  ocf_posix_net_config cfg;
  loopback_config(&cfg);
  cfg.ipv4 = false;
  ocf_posix_net *net = NULL;
  assert_int_equal(ocf_posix_net_open(&cfg, &pf, &net), OCF_OK);
  ocf_endpoint to = loopback_ep(OCF_IPV4, 9);
  assert_int_equal(ocf_posix_net_send(net, &to, (const uint8_t *)"x", 1), OCF_ERR_STATE);
  ocf_posix_net_ports ports;
  ocf_posix_net_get_ports(net, &ports);
  assert_int_equal(ports.unicast4, 0);
  assert_true(ports.unicast6 > 0);
  ocf_posix_net_close(net);
}

static void test_interfaces_default_excludes_loopback_but_explicit_loopback_is_kept(void **state) {
  (void)state;
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_ERROR, false);
  ocf_posix_net_config cfg;
  loopback_config(&cfg); /* no multicast: nothing is joined, nothing is sent */
  uint32_t lo = if_nametoindex("lo");
  ocf_posix_net *net = NULL;
  assert_int_equal(ocf_posix_net_open(&cfg, &pf, &net), OCF_OK);
  uint32_t ifs[OCF_POSIX_MAX_INTERFACES];
  size_t n = ocf_posix_net_interfaces(net, ifs, OCF_POSIX_MAX_INTERFACES);
  for (size_t i = 0; i < n && i < OCF_POSIX_MAX_INTERFACES; i++) assert_int_not_equal(ifs[i], lo);
  ocf_posix_net_close(net);
  assert_int_equal(ocf_posix_net_config_add_interface(&cfg, "lo"), OCF_OK);
  assert_int_equal(ocf_posix_net_open(&cfg, &pf, &net), OCF_OK);
  assert_int_equal(ocf_posix_net_interfaces(net, ifs, OCF_POSIX_MAX_INTERFACES), 1);
  assert_int_equal(ifs[0], lo);
  ocf_posix_net_close(net);
}

/* ---- local endpoints --------------------------------------------------------------------- */

static bool has_endpoint(const ocf_endpoint *eps, size_t n, const ocf_endpoint *want) {
  for (size_t i = 0; i < n; i++)
    if (ocf_endpoint_equal(&eps[i], want) && eps[i].flags == want->flags && eps[i].ifindex == want->ifindex)
      return true;
  return false;
}

static void test_local_endpoints_of_a_bound_net_are_its_address_with_each_port(void **state) {
  fixture *f = *state;
  ocf_endpoint eps[8];
  size_t n = 0;
  assert_int_equal(ocf_posix_net_local_endpoints(f->a, eps, 8, &n), OCF_OK);
  assert_int_equal(n, 4);
  uint32_t lo = if_nametoindex("lo");
  ocf_endpoint want = loopback_ep(OCF_IPV6, f->pa.unicast6);
  want.ifindex = lo;
  assert_true(has_endpoint(eps, n, &want));
  want.port = f->pa.secure6;
  want.flags = OCF_EP_SECURE;
  assert_true(has_endpoint(eps, n, &want));
  want = loopback_ep(OCF_IPV4, f->pa.unicast4);
  want.ifindex = lo;
  assert_true(has_endpoint(eps, n, &want));
  want.port = f->pa.secure4;
  want.flags = OCF_EP_SECURE;
  assert_true(has_endpoint(eps, n, &want));
  assert_int_equal(eps[0].family, OCF_IPV6); /* IPv6 first */
}

static void test_local_endpoints_reports_no_space_with_the_first_ones(void **state) {
  fixture *f = *state;
  ocf_endpoint eps[1];
  size_t n = 99;
  assert_int_equal(ocf_posix_net_local_endpoints(f->a, eps, 1, &n), OCF_ERR_NO_SPACE);
  assert_int_equal(n, 1);
  assert_int_equal(eps[0].family, OCF_IPV6);
  assert_int_equal(eps[0].port, f->pa.unicast6);
  assert_int_equal(ocf_posix_net_local_endpoints(f->a, NULL, 0, &n), OCF_ERR_NO_SPACE);
  assert_int_equal(n, 0);
  assert_int_equal(ocf_posix_net_local_endpoints(f->a, NULL, 1, &n), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_posix_net_local_endpoints(NULL, eps, 1, &n), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_posix_net_local_endpoints(f->a, eps, 1, NULL), OCF_ERR_INVALID_ARG);
}

static void test_local_endpoints_leave_out_a_family_not_opened(void **state) {
  (void)state;
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_ERROR, false);
  ocf_posix_net_config cfg;
  loopback_config(&cfg);
  cfg.ipv6 = false;
  ocf_posix_net *net = NULL;
  assert_int_equal(ocf_posix_net_open(&cfg, &pf, &net), OCF_OK);
  ocf_endpoint eps[4];
  size_t n = 0;
  assert_int_equal(ocf_posix_net_local_endpoints(net, eps, 4, &n), OCF_OK);
  assert_int_equal(n, 1);
  assert_int_equal(eps[0].family, OCF_IPV4);
  assert_int_equal(eps[0].flags, 0);
  ocf_posix_net_close(net);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_platform_random_fills_and_differs),
      cmocka_unit_test(test_platform_clock_is_monotonic),
      cmocka_unit_test(test_config_defaults_to_both_families_no_multicast),
      cmocka_unit_test(test_config_add_interface_by_name_and_index),
      cmocka_unit_test(test_open_sets_the_receive_buffer),
      cmocka_unit_test(test_open_rejects_bad_arguments),
      cmocka_unit_test_setup_teardown(test_open_reports_io_error_when_port_taken, setup_plain, teardown),
      cmocka_unit_test_setup_teardown(test_ports_reported_for_open_sockets_only, setup_plain, teardown),
      cmocka_unit_test_setup_teardown(test_unicast_ipv6_roundtrip_reports_sender_and_arrival_interface,
                                      setup_plain, teardown),
      cmocka_unit_test_setup_teardown(test_unicast_ipv4_roundtrip_reports_sender_and_arrival_interface,
                                      setup_plain, teardown),
      cmocka_unit_test_setup_teardown(test_recv_drops_truncated_datagram_and_keeps_the_next, setup_plain,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_recv_accepts_exactly_cap_bytes, setup_plain, teardown),
      cmocka_unit_test_setup_teardown(test_recv_empty_datagram_is_delivered, setup_plain, teardown),
      cmocka_unit_test_setup_teardown(test_recv_returns_not_found_when_nothing_waits, setup_plain, teardown),
      cmocka_unit_test_setup_teardown(test_recv_rejects_foreign_fd, setup_plain, teardown),
      cmocka_unit_test_setup_teardown(test_secure_socket_marks_datagrams_secure, setup_secure, teardown),
      cmocka_unit_test_setup_teardown(test_send_rejects_what_cannot_be_sent, setup_plain, teardown),
      cmocka_unit_test(test_send_needs_a_socket_of_that_family),
      cmocka_unit_test(test_interfaces_default_excludes_loopback_but_explicit_loopback_is_kept),
      cmocka_unit_test_setup_teardown(test_local_endpoints_of_a_bound_net_are_its_address_with_each_port,
                                      setup_secure, teardown),
      cmocka_unit_test_setup_teardown(test_local_endpoints_reports_no_space_with_the_first_ones, setup_secure,
                                      teardown),
      cmocka_unit_test(test_local_endpoints_leave_out_a_family_not_opened),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
