/* hop_listener — an independent witness for tests/e2e: plain POSIX sockets, none of libocf.
 *
 *   hop_listener IF PORT READY_FILE TIMEOUT_MS
 *
 * Joins ff02::158, ff03::158, ff05::158 and 224.0.1.187 on interface IF, on PORT shared with
 * other processes (SO_REUSEPORT), and prints one line per datagram received, flushed at once:
 *     <destination group> hops=<IPv6 hop limit or IPv4 TTL as received>
 * so a test can check the hop limits ocf_posix_net sends with (digest 1.1: 1 for ff02::158 and
 * 224.0.1.187, 255 for ff03/ff05). Creates READY_FILE once joined; exits after TIMEOUT_MS.
 * It must only run inside a network namespace created by the test (tests/e2e/netns.sh). */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fail(const char *what) {
  perror(what);
  return -1;
}

static int open_listener(int family, unsigned port, unsigned ifindex) {
  int fd = socket(family, SOCK_DGRAM, 0), on = 1;
  if (fd < 0) return fail("socket");
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on);
  struct sockaddr_storage ss = {0};
  socklen_t len;
  if (family == AF_INET6) {
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof on);
    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on, sizeof on);
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((uint16_t)port);
    len = sizeof *s6;
  } else {
    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
    setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof on);
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)port);
    len = sizeof *s4;
  }
  if (bind(fd, (struct sockaddr *)&ss, len) != 0) return fail("bind");
  static const char *const groups6[] = {"ff02::158", "ff03::158", "ff05::158"};
  for (size_t i = 0; family == AF_INET6 && i < 3; i++) {
    struct ipv6_mreq m = {.ipv6mr_interface = ifindex};
    inet_pton(AF_INET6, groups6[i], &m.ipv6mr_multiaddr);
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m, sizeof m) != 0) return fail("join6");
  }
  if (family == AF_INET) {
    struct ip_mreqn m = {.imr_ifindex = (int)ifindex};
    inet_pton(AF_INET, "224.0.1.187", &m.imr_multiaddr);
    if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof m) != 0) return fail("join4");
  }
  return fd;
}

/* Prints "<destination> hops=<n>" for one datagram waiting on fd. */
static void report(int fd) {
  char data[2048], control[256], dst[INET6_ADDRSTRLEN] = "?";
  struct iovec iov = {data, sizeof data};
  struct msghdr mh = {
      .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
  if (recvmsg(fd, &mh, 0) < 0) return;
  int hops = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)
      memcpy(&hops, CMSG_DATA(c), sizeof hops);
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) memcpy(&hops, CMSG_DATA(c), sizeof hops);
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      struct in6_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      inet_ntop(AF_INET6, &pi.ipi6_addr, dst, sizeof dst);
    }
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
      struct in_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      inet_ntop(AF_INET, &pi.ipi_addr, dst, sizeof dst);
    }
  }
  printf("%s hops=%d\n", dst, hops);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: hop_listener IF PORT READY_FILE TIMEOUT_MS\n");
    return 2;
  }
  unsigned ifindex = if_nametoindex(argv[1]);
  unsigned port = (unsigned)strtoul(argv[2], NULL, 10);
  long timeout_ms = strtol(argv[4], NULL, 10);
  if (ifindex == 0 || port == 0 || port > 65535 || timeout_ms <= 0) return 2;
  struct pollfd pfds[2] = {{.fd = open_listener(AF_INET6, port, ifindex), .events = POLLIN},
                           {.fd = open_listener(AF_INET, port, ifindex), .events = POLLIN}};
  if (pfds[0].fd < 0 || pfds[1].fd < 0) return 1;
  FILE *ready = fopen(argv[3], "w");
  if (!ready || fclose(ready) != 0) return 1;
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    if (elapsed >= timeout_ms) return 0;
    if (poll(pfds, 2, (int)(timeout_ms - elapsed)) < 0) return 1;
    for (int i = 0; i < 2; i++)
      if (pfds[i].revents & POLLIN) report(pfds[i].fd);
  }
}
