/* Unit tests of ocf_posix_net_recv against senders no answer may go to. Forging a source address
 * needs a raw socket, so each test runs in a forked child inside a user + network namespace of
 * its own (unshare: only its own loopback exists there); where the machine allows no such
 * namespace the test is skipped.
 * NETWORK SAFETY: everything is sent to ::1 inside that private namespace. */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ocf/ocf_posix.h>

#define CHILD_PASS 0
#define CHILD_FAIL 1
#define CHILD_SKIP 77
#define FORGED_PORT 40000

static const uint8_t k_lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t k_coap_get[] = {0x50, 0x01, 0x12, 0x34}; /* NON GET, no options */

/* Enters a fresh user + network namespace and brings its loopback up. */
static bool enter_private_netns(void) {
  if (unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) return false;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  memcpy(ifr.ifr_name, "lo", 3);
  bool ok = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
  ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP);
  ok = ok && ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
  close(fd);
  return ok;
}

static uint16_t checksum_add(uint32_t sum, const uint8_t *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2) sum += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n % 2) sum += (uint32_t)(p[n - 1] << 8);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)sum;
}

/* Sends `payload` to [::1]:port as UDP from [src]:FORGED_PORT through a raw socket (the IPv6
 * header is ours: IPPROTO_RAW implies IPV6_HDRINCL). */
static bool send_forged6(const uint8_t src[16], uint16_t port, const uint8_t *payload, size_t len) {
  uint8_t pkt[40 + 8 + 64];
  if (len > 64) return false;
  size_t udp_len = 8 + len;
  memset(pkt, 0, sizeof pkt);
  pkt[0] = 0x60; /* version 6 */
  pkt[4] = (uint8_t)(udp_len >> 8);
  pkt[5] = (uint8_t)udp_len;
  pkt[6] = IPPROTO_UDP;
  pkt[7] = 64; /* hop limit */
  memcpy(pkt + 8, src, 16);
  memcpy(pkt + 24, k_lo6, 16);
  uint8_t *udp = pkt + 40;
  udp[0] = FORGED_PORT >> 8;
  udp[1] = FORGED_PORT & 0xff;
  udp[2] = (uint8_t)(port >> 8);
  udp[3] = (uint8_t)port;
  udp[4] = (uint8_t)(udp_len >> 8);
  udp[5] = (uint8_t)udp_len;
  memcpy(udp + 8, payload, len);
  /* RFC 8200 8.1: the checksum covers a pseudo-header of both addresses, length and next header. */
  uint16_t sum = checksum_add(0, pkt + 8, 32);
  sum = checksum_add((uint32_t)sum + (uint32_t)udp_len + IPPROTO_UDP, udp, udp_len);
  uint16_t csum = (uint16_t)~sum;
  if (csum == 0) csum = 0xffff;
  udp[6] = (uint8_t)(csum >> 8);
  udp[7] = (uint8_t)csum;
  int fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
  if (fd < 0) return false;
  struct sockaddr_in6 to = {.sin6_family = AF_INET6};
  memcpy(&to.sin6_addr, k_lo6, 16);
  ssize_t n = sendto(fd, pkt, 40 + udp_len, 0, (struct sockaddr *)&to, sizeof to);
  close(fd);
  return n == (ssize_t)(40 + udp_len);
}

static ocf_err recv_wait(ocf_posix_net *net, ocf_endpoint *from, uint8_t *buf, size_t cap, size_t *len) {
  int fd;
  if (ocf_posix_net_fds(net, &fd, 1) != 1) return OCF_ERR_STATE;
  struct pollfd pfd = {.fd = fd, .events = POLLIN};
  if (poll(&pfd, 1, 5000) != 1) return OCF_ERR_TIMEOUT;
  return ocf_posix_net_recv(net, fd, from, buf, cap, len);
}

static int child_fail(const char *why) {
  fprintf(stderr, "child: %s\n", why);
  return CHILD_FAIL;
}

/* A datagram from `src` arrives before an ordinary one; recv must drop it (OCF_ERR_MALFORMED)
 * and still deliver the ordinary one, which proves the forged datagram did reach the socket. */
static int child_forged_source_is_dropped(const uint8_t src[16]) {
  if (!enter_private_netns()) return CHILD_SKIP;
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_WARN, false);
  ocf_posix_net_config cfg;
  ocf_posix_net_config_init(&cfg);
  cfg.ipv4 = false;
  memcpy(cfg.bind6, k_lo6, 16);
  ocf_posix_net *rx = NULL, *tx = NULL;
  if (ocf_posix_net_open(&cfg, &pf, &rx) != OCF_OK || ocf_posix_net_open(&cfg, &pf, &tx) != OCF_OK)
    return child_fail("cannot open the nets");
  ocf_posix_net_ports ports;
  ocf_posix_net_get_ports(rx, &ports);
  ocf_endpoint to = {.family = OCF_IPV6, .port = ports.unicast6};
  memcpy(to.addr, k_lo6, 16);
  int result = CHILD_PASS;
  if (!send_forged6(src, ports.unicast6, k_coap_get, sizeof k_coap_get))
    result = child_fail("raw send failed");
  else if (ocf_posix_net_send(tx, &to, k_coap_get, sizeof k_coap_get) != OCF_OK)
    result = child_fail("ordinary send failed");
  uint8_t buf[64];
  ocf_endpoint from;
  size_t len = 99;
  if (result == CHILD_PASS && recv_wait(rx, &from, buf, sizeof buf, &len) != OCF_ERR_MALFORMED)
    result = child_fail("the forged datagram was not dropped");
  else if (result == CHILD_PASS && len != 0)
    result = child_fail("a dropped datagram reported a length");
  else if (result == CHILD_PASS && (recv_wait(rx, &from, buf, sizeof buf, &len) != OCF_OK ||
                                    memcmp(from.addr, k_lo6, 16) != 0 || len != sizeof k_coap_get))
    result = child_fail("the ordinary datagram did not follow");
  ocf_posix_net_close(rx);
  ocf_posix_net_close(tx);
  return result;
}

static void run_in_child(const uint8_t src[16]) {
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) _exit(child_forged_source_is_dropped(src));
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status));
  if (WEXITSTATUS(status) == CHILD_SKIP) skip(); /* no user namespaces on this machine */
  assert_int_equal(WEXITSTATUS(status), CHILD_PASS);
}

/* sendto([::]:p) goes to [::1]:p: answering would reflect a neighbour's datagram into our own
 * loopback services. */
static void test_recv_drops_datagram_from_unspecified_ipv6_source(void **state) {
  (void)state;
  static const uint8_t unspecified[16] = {0};
  run_in_child(unspecified);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_recv_drops_datagram_from_unspecified_ipv6_source),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
