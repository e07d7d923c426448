/* UDP sockets of one OCF endpoint (digest 1.1): multicast sockets bound to 5683 that join the
 * OCF groups on chosen interfaces, and separate unicast (and coaps) sockets on ephemeral ports,
 * which also send every multicast request so that answers come back to them (pitfall 38). */
#define _GNU_SOURCE /* struct in6_pktinfo, IPV6_RECVPKTINFO */

#include <errno.h>
#include <limits.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <signal.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ocf/ocf_posix.h>

#include "base/log.h"
#include "platform/posix/impair.h"

#define LOG_MODULE "net"

enum sock_role {
  ROLE_MCAST6,
  ROLE_MCAST4,
  ROLE_UNICAST6,
  ROLE_UNICAST4,
  ROLE_SECURE6,
  ROLE_SECURE4,
  ROLE_COUNT
};

struct ocf_posix_net {
  const ocf_platform *pf;
  int fd[ROLE_COUNT]; /* -1 = not open */
  uint16_t port[ROLE_COUNT];
  size_t if_count;
  uint32_t ifs[OCF_POSIX_MAX_INTERFACES];
  uint8_t bind6[16]; /* the unicast sockets' local address; all zero = any */
  uint8_t bind4[4];
  uint32_t rcvbuf; /* SO_RCVBUF of the unicast and coaps sockets; 0 = the system's */
  /* OCF_NET_IMPAIR (impair.h): off unless the variable was set when the net was opened. */
  bool impaired;
  ocf_net_impair_state impair;
  bool held; /* a datagram held back, sent after the next one */
  ocf_endpoint held_to;
  size_t held_len;
  uint8_t *held_data; /* OCF_NET_IMPAIR_HOLD_MAX bytes, allocated when impaired */
  size_t n_sent, n_dropped, n_duplicated, n_held;
  /* OCF_FAULT_KILL_AT_SEND=N (crash-safety tests): the process SIGKILLs itself instead of sending
   * its Nth datagram on this net; 0 = off. */
  uint64_t kill_at_send, sends;
};

/* Digest 1.1: All OCF Nodes ff02::158 (link), ff03::158 (realm), ff05::158 (site) and the
 * IPv4 All CoAP Nodes group 224.0.1.187 (RFC 7252 12.8). */
static const uint8_t k_groups6[3][16] = {
    {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x58},
    {0xff, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x58},
    {0xff, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x58},
};
static const uint8_t k_group4[4] = {224, 0, 1, 187};

void ocf_posix_net_config_init(ocf_posix_net_config *cfg) {
  if (!cfg) return;
  memset(cfg, 0, sizeof *cfg);
  cfg->ipv6 = true;
  cfg->ipv4 = true;
  cfg->multicast_port = OCF_POSIX_COAP_PORT;
  cfg->rcvbuf = OCF_POSIX_RCVBUF_DEFAULT;
}

static bool parse_ifindex(const char *text, uint32_t *out) {
  if (text[0] < '0' || text[0] > '9') return false;
  char *end = NULL;
  errno = 0;
  unsigned long v = strtoul(text, &end, 10);
  if (errno != 0 || *end != '\0' || v == 0 || v > UINT32_MAX) return false;
  *out = (uint32_t)v;
  return true;
}

ocf_err ocf_posix_net_config_add_interface(ocf_posix_net_config *cfg, const char *name_or_index) {
  if (!cfg || !name_or_index || !name_or_index[0]) return OCF_ERR_INVALID_ARG;
  uint32_t index = 0;
  char name[IF_NAMESIZE];
  if (parse_ifindex(name_or_index, &index)) {
    if (!if_indextoname(index, name)) return OCF_ERR_NOT_FOUND;
  } else {
    index = if_nametoindex(name_or_index);
    if (index == 0) return OCF_ERR_NOT_FOUND;
  }
  for (size_t i = 0; i < cfg->interface_count; i++)
    if (cfg->interfaces[i] == index) return OCF_OK;
  if (cfg->interface_count >= OCF_POSIX_MAX_INTERFACES) return OCF_ERR_NO_SPACE;
  cfg->interfaces[cfg->interface_count++] = index;
  return OCF_OK;
}

static void add_unique_if(ocf_posix_net *net, uint32_t index) {
  for (size_t i = 0; i < net->if_count; i++)
    if (net->ifs[i] == index) return;
  if (net->if_count < OCF_POSIX_MAX_INTERFACES) net->ifs[net->if_count++] = index;
}

/* Default interface set: up, multicast-capable, not loopback (digest 1.1: a Device joins the
 * groups on every interface). A snapshot: interfaces appearing later are not used. */
static ocf_err choose_interfaces(ocf_posix_net *net, const ocf_posix_net_config *cfg) {
  char name[IF_NAMESIZE];
  for (size_t i = 0; i < cfg->interface_count; i++) {
    if (!if_indextoname(cfg->interfaces[i], name)) return OCF_ERR_INVALID_ARG;
    add_unique_if(net, cfg->interfaces[i]);
  }
  if (cfg->interface_count > 0) return OCF_OK;
  struct ifaddrs *list = NULL;
  if (getifaddrs(&list) != 0) return OCF_ERR_IO;
  for (const struct ifaddrs *it = list; it; it = it->ifa_next) {
    unsigned flags = it->ifa_flags;
    if (!(flags & IFF_UP) || !(flags & IFF_MULTICAST) || (flags & IFF_LOOPBACK)) continue;
    uint32_t index = if_nametoindex(it->ifa_name);
    if (index != 0) add_unique_if(net, index);
  }
  freeifaddrs(list);
  return OCF_OK;
}

static bool set_int_opt(int fd, int level, int name, int value) {
  return setsockopt(fd, level, name, &value, sizeof value) == 0;
}

/* Options every socket gets; `shared` sockets (the multicast port) may be bound by several
 * processes at once, and receive only the groups they joined themselves. */
static bool configure_socket(int fd, int family, bool shared) {
  bool ok = true;
  if (family == AF_INET6) {
    ok = ok && set_int_opt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1);
    ok = ok && set_int_opt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
    ok = ok && set_int_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 1);
    if (shared) (void)set_int_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0); /* Linux >= 4.20 */
  } else {
    ok = ok && set_int_opt(fd, IPPROTO_IP, IP_PKTINFO, 1);
    ok = ok && set_int_opt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 1);
    if (shared) ok = ok && set_int_opt(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0);
  }
  if (shared) {
    ok = ok && set_int_opt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    ok = ok && set_int_opt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
  }
  return ok;
}

static socklen_t make_sockaddr(int family, const uint8_t *addr, uint16_t port, uint32_t scope,
                               struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  if (family == AF_INET6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    memcpy(&s6->sin6_addr, addr, 16);
    s6->sin6_scope_id = scope;
    return sizeof *s6;
  }
  struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
  s4->sin_family = AF_INET;
  s4->sin_port = htons(port);
  memcpy(&s4->sin_addr, addr, 4);
  return sizeof *s4;
}

/* Opens, configures and binds one socket; stores its fd and bound port in net. */
static ocf_err open_role(ocf_posix_net *net, enum sock_role role, const uint8_t *addr, uint16_t port) {
  int family = (role == ROLE_MCAST6 || role == ROLE_UNICAST6 || role == ROLE_SECURE6) ? AF_INET6 : AF_INET;
  bool shared = role == ROLE_MCAST6 || role == ROLE_MCAST4;
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ocf_log(net->pf, OCF_LOG_ERROR, LOG_MODULE, "socket(%s): %s", family == AF_INET6 ? "IPv6" : "IPv4",
            strerror(errno));
    return OCF_ERR_IO;
  }
  struct sockaddr_storage ss;
  socklen_t len = make_sockaddr(family, addr, port, 0, &ss);
  /* SO_RCVBUF is a cap, not an allocation: queued datagrams only are charged. The kernel
   * bounds it by net.core.rmem_max, which is not an error. */
  if (!shared && net->rcvbuf) (void)set_int_opt(fd, SOL_SOCKET, SO_RCVBUF, (int)net->rcvbuf);
  if (!configure_socket(fd, family, shared) || bind(fd, (struct sockaddr *)&ss, len) != 0 ||
      getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
    ocf_log(net->pf, OCF_LOG_ERROR, LOG_MODULE, "%s socket on port %u: %s",
            family == AF_INET6 ? "IPv6" : "IPv4", port, strerror(errno));
    close(fd);
    return OCF_ERR_IO;
  }
  net->fd[role] = fd;
  net->port[role] = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
  return OCF_OK;
}

static bool join_one(int fd, int family, const uint8_t *group, uint32_t ifindex) {
  if (family == AF_INET6) {
    struct ipv6_mreq mreq = {.ipv6mr_interface = ifindex};
    memcpy(&mreq.ipv6mr_multiaddr, group, 16);
    return setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof mreq) == 0;
  }
  struct ip_mreqn mreq = {.imr_ifindex = (int)ifindex};
  memcpy(&mreq.imr_multiaddr, group, 4);
  return setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) == 0;
}

/* Joins the family's groups on every chosen interface; returns how many joins succeeded.
 * A failed join (an interface without that family) is logged and skipped. */
static size_t join_groups(const ocf_posix_net *net, int family) {
  int fd = net->fd[family == AF_INET6 ? ROLE_MCAST6 : ROLE_MCAST4];
  size_t ngroups = family == AF_INET6 ? 3 : 1;
  size_t joined = 0;
  for (size_t i = 0; i < net->if_count; i++) {
    for (size_t g = 0; g < ngroups; g++) {
      const uint8_t *group = family == AF_INET6 ? k_groups6[g] : k_group4;
      if (join_one(fd, family, group, net->ifs[i])) {
        joined++;
      } else {
        ocf_log(net->pf, OCF_LOG_WARN, LOG_MODULE, "IPv%c group %zu on interface %u: %s",
                family == AF_INET6 ? '6' : '4', g, net->ifs[i], strerror(errno));
      }
    }
  }
  return joined;
}

static ocf_err open_family(ocf_posix_net *net, const ocf_posix_net_config *cfg, int family, size_t *joined) {
  static const uint8_t any[16] = {0};
  bool v6 = family == AF_INET6;
  const uint8_t *bind_addr = v6 ? cfg->bind6 : cfg->bind4;
  ocf_err err = open_role(net, v6 ? ROLE_UNICAST6 : ROLE_UNICAST4, bind_addr,
                          v6 ? cfg->unicast_port6 : cfg->unicast_port4);
  if (err == OCF_OK && cfg->secure)
    err = open_role(net, v6 ? ROLE_SECURE6 : ROLE_SECURE4, bind_addr,
                    v6 ? cfg->secure_port6 : cfg->secure_port4);
  if (err == OCF_OK && cfg->multicast) {
    err = open_role(net, v6 ? ROLE_MCAST6 : ROLE_MCAST4, any, cfg->multicast_port);
    if (err == OCF_OK) *joined += join_groups(net, family);
  }
  return err;
}

/* OCF_FAULT_KILL_AT_SEND=N, N a decimal 1..10^9: a power cut at a chosen datagram, for the
 * crash-safety tests of real processes (docs/HARDENING.md). The Nth datagram this net would send
 * is not sent: the process dies with SIGKILL instead, after whatever it committed before
 * answering. Unset or empty: off; anything else makes ocf_posix_net_open fail. */
#define FAULT_KILL_ENV "OCF_FAULT_KILL_AT_SEND"

static ocf_err fault_setup(ocf_posix_net *net) {
  const char *text = getenv(FAULT_KILL_ENV);
  if (!text || !text[0]) return OCF_OK;
  uint64_t n = 0;
  if (!ocf_net_parse_u64(text, strlen(text), 1000000000u, &n) || n == 0) {
    ocf_log(net->pf, OCF_LOG_ERROR, LOG_MODULE, "%s=\"%s\": expected a count 1..1000000000", FAULT_KILL_ENV,
            text);
    return OCF_ERR_INVALID_ARG;
  }
  net->kill_at_send = n;
  ocf_log(net->pf, OCF_LOG_WARN, LOG_MODULE, "%s: SIGKILL instead of datagram %llu (testing only)",
          FAULT_KILL_ENV, (unsigned long long)n);
  return OCF_OK;
}

/* Reads OCF_NET_IMPAIR once, when the net opens (impair.h). Its sockets are open: the first
 * unicast port tells this net's decision sequence from the other nets' of the process. */
static ocf_err impair_setup(ocf_posix_net *net) {
  const char *text = getenv(OCF_NET_IMPAIR_ENV);
  if (!text || !text[0]) return OCF_OK;
  ocf_net_impair_spec spec;
  const char *why = "";
  if (!ocf_net_impair_parse(text, &spec, &why)) {
    ocf_log(net->pf, OCF_LOG_ERROR, LOG_MODULE, "%s=\"%s\": %s", OCF_NET_IMPAIR_ENV, text, why);
    return OCF_ERR_INVALID_ARG;
  }
  if (!ocf_net_impair_active(&spec)) return OCF_OK;
  net->held_data = net->pf->alloc(net->pf->ctx, OCF_NET_IMPAIR_HOLD_MAX);
  if (!net->held_data) return OCF_ERR_NO_MEMORY;
  uint16_t stream = net->port[ROLE_UNICAST6] ? net->port[ROLE_UNICAST6] : net->port[ROLE_UNICAST4];
  ocf_net_impair_init(&net->impair, &spec, stream);
  net->impaired = true;
  ocf_log(net->pf, OCF_LOG_WARN, LOG_MODULE,
          "%s: outgoing datagrams impaired (testing only): loss %u%%, dup %u%%, reorder %u%%, seed %llu, "
          "stream %u",
          OCF_NET_IMPAIR_ENV, spec.loss, spec.dup, spec.reorder, (unsigned long long)spec.seed, stream);
  return OCF_OK;
}

ocf_err ocf_posix_net_open(const ocf_posix_net_config *cfg, const ocf_platform *pf, ocf_posix_net **out) {
  if (!out) return OCF_ERR_INVALID_ARG;
  *out = NULL;
  if (!cfg || !pf || !pf->alloc || !pf->free || (!cfg->ipv6 && !cfg->ipv4) ||
      cfg->interface_count > OCF_POSIX_MAX_INTERFACES)
    return OCF_ERR_INVALID_ARG;
  ocf_posix_net *net = pf->alloc(pf->ctx, sizeof *net);
  if (!net) return OCF_ERR_NO_MEMORY;
  memset(net, 0, sizeof *net);
  net->pf = pf;
  for (size_t i = 0; i < ROLE_COUNT; i++) net->fd[i] = -1;
  memcpy(net->bind6, cfg->bind6, sizeof net->bind6);
  memcpy(net->bind4, cfg->bind4, sizeof net->bind4);
  net->rcvbuf = cfg->rcvbuf > INT_MAX ? INT_MAX : cfg->rcvbuf;
  size_t joined = 0;
  ocf_err err = choose_interfaces(net, cfg);
  if (err == OCF_OK && cfg->ipv6) err = open_family(net, cfg, AF_INET6, &joined);
  if (err == OCF_OK && cfg->ipv4) err = open_family(net, cfg, AF_INET, &joined);
  if (err == OCF_OK && cfg->multicast && joined == 0) {
    ocf_log(pf, OCF_LOG_ERROR, LOG_MODULE, "no interface to join the OCF groups on");
    err = OCF_ERR_NOT_FOUND;
  }
  if (err == OCF_OK) err = impair_setup(net);
  if (err == OCF_OK) err = fault_setup(net);
  if (err != OCF_OK) {
    ocf_posix_net_close(net);
    return err;
  }
  *out = net;
  return OCF_OK;
}

void ocf_posix_net_close(ocf_posix_net *net) {
  if (!net) return;
  for (size_t i = 0; i < ROLE_COUNT; i++)
    if (net->fd[i] >= 0) close(net->fd[i]);
  if (net->impaired)
    ocf_log(net->pf, OCF_LOG_INFO, LOG_MODULE,
            "%s: %zu datagrams to send: %zu dropped, %zu duplicated, %zu held back%s", OCF_NET_IMPAIR_ENV,
            net->n_sent, net->n_dropped, net->n_duplicated, net->n_held,
            net->held ? " (the last one never sent)" : "");
  if (net->held_data) net->pf->free(net->pf->ctx, net->held_data);
  net->pf->free(net->pf->ctx, net);
}

void ocf_posix_net_get_ports(const ocf_posix_net *net, ocf_posix_net_ports *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  if (!net) return;
  out->multicast6 = net->port[ROLE_MCAST6];
  out->multicast4 = net->port[ROLE_MCAST4];
  out->unicast6 = net->port[ROLE_UNICAST6];
  out->unicast4 = net->port[ROLE_UNICAST4];
  out->secure6 = net->port[ROLE_SECURE6];
  out->secure4 = net->port[ROLE_SECURE4];
}

size_t ocf_posix_net_interfaces(const ocf_posix_net *net, uint32_t *out, size_t cap) {
  if (!net) return 0;
  for (size_t i = 0; i < net->if_count && i < cap && out; i++) out[i] = net->ifs[i];
  return net->if_count;
}

/* ---- local endpoints (what a device advertises in eps) ---------------------------------- */

typedef struct ep_list {
  ocf_endpoint *out;
  size_t cap, n;
  bool overflow;
} ep_list;

static void ep_push(ep_list *l, const ocf_endpoint *ep) {
  if (l->n < l->cap)
    l->out[l->n++] = *ep;
  else
    l->overflow = true;
}

static bool net_uses_if(const ocf_posix_net *net, uint32_t index) {
  for (size_t i = 0; i < net->if_count; i++)
    if (net->ifs[i] == index) return true;
  return false;
}

static bool all_zero(const uint8_t *a, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (a[i]) return false;
  return true;
}

/* One address: with the unicast port, and with the coaps port when that socket is open. */
static void push_ports(ep_list *l, const ocf_posix_net *net, ocf_endpoint ep) {
  bool v6 = ep.family == OCF_IPV6;
  ep.port = net->port[v6 ? ROLE_UNICAST6 : ROLE_UNICAST4];
  ep.flags = 0;
  ep_push(l, &ep);
  uint16_t secure = net->port[v6 ? ROLE_SECURE6 : ROLE_SECURE4];
  if (net->fd[v6 ? ROLE_SECURE6 : ROLE_SECURE4] >= 0) {
    ep.port = secure;
    ep.flags = OCF_EP_SECURE;
    ep_push(l, &ep);
  }
}

static void collect_family(const ocf_posix_net *net, const struct ifaddrs *list, int family, ep_list *l) {
  bool v6 = family == AF_INET6;
  if (net->fd[v6 ? ROLE_UNICAST6 : ROLE_UNICAST4] < 0) return;
  const uint8_t *bound = v6 ? net->bind6 : net->bind4;
  size_t alen = v6 ? 16 : 4;
  for (const struct ifaddrs *it = list; it; it = it->ifa_next) {
    if (!it->ifa_addr || it->ifa_addr->sa_family != family || !(it->ifa_flags & IFF_UP)) continue;
    ocf_endpoint ep;
    memset(&ep, 0, sizeof ep);
    ep.family = v6 ? OCF_IPV6 : OCF_IPV4;
    ep.ifindex = if_nametoindex(it->ifa_name);
    if (v6)
      memcpy(ep.addr, &((const struct sockaddr_in6 *)(const void *)it->ifa_addr)->sin6_addr, 16);
    else
      memcpy(ep.addr, &((const struct sockaddr_in *)(const void *)it->ifa_addr)->sin_addr, 4);
    /* A socket bound to one address is reachable there only; otherwise on the net's interfaces. */
    bool wanted = all_zero(bound, alen) ? net_uses_if(net, ep.ifindex) : memcmp(ep.addr, bound, alen) == 0;
    if (wanted && ep.ifindex != 0) push_ports(l, net, ep);
  }
}

ocf_err ocf_posix_net_local_endpoints(const ocf_posix_net *net, ocf_endpoint *out, size_t cap, size_t *n) {
  if (n) *n = 0;
  if (!net || !n || (!out && cap > 0)) return OCF_ERR_INVALID_ARG;
  struct ifaddrs *list = NULL;
  if (getifaddrs(&list) != 0) {
    ocf_log(net->pf, OCF_LOG_ERROR, LOG_MODULE, "getifaddrs: %s", strerror(errno));
    return OCF_ERR_IO;
  }
  ep_list l = {.out = out, .cap = cap};
  collect_family(net, list, AF_INET6, &l);
  collect_family(net, list, AF_INET, &l);
  freeifaddrs(list);
  *n = l.n;
  return l.overflow ? OCF_ERR_NO_SPACE : OCF_OK;
}

size_t ocf_posix_net_fds(const ocf_posix_net *net, int *out, size_t cap) {
  if (!net) return 0;
  size_t n = 0;
  for (size_t i = 0; i < ROLE_COUNT; i++) {
    if (net->fd[i] < 0) continue;
    if (out && n < cap) out[n] = net->fd[i];
    n++;
  }
  return n;
}

/* ---- receive --------------------------------------------------------------------------- */

static int role_of_fd(const ocf_posix_net *net, int fd) {
  for (int i = 0; i < ROLE_COUNT; i++)
    if (fd >= 0 && net->fd[i] == fd) return i;
  return -1;
}

/* Arrival interface and destination from IPV6_PKTINFO / IP_PKTINFO. */
static bool read_pktinfo(struct msghdr *mh, ocf_endpoint *from) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
    if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
        c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
      struct in6_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      from->ifindex = (uint32_t)pi.ipi6_ifindex;
      if (IN6_IS_ADDR_MULTICAST(&pi.ipi6_addr)) from->flags |= OCF_EP_MULTICAST;
      return true;
    }
    if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
        c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
      struct in_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      from->ifindex = (uint32_t)pi.ipi_ifindex;
      if (IN_MULTICAST(ntohl(pi.ipi_addr.s_addr))) from->flags |= OCF_EP_MULTICAST;
      return true;
    }
  }
  return false;
}

/* True for a source address no answer may go to: the unspecified address (:: or 0.0.0.0) and
 * IPv4 "this network" 0.0.0.0/8 (RFC 1122 3.2.1.3: only as a source while bootstrapping). The
 * kernel delivers an IPv6 datagram from :: off the wire, and sendto() turns :: into ::1 (and
 * 0.0.0.0 into this host), so answering it would reflect a neighbour's datagram into our own
 * loopback services. */
static bool is_unanswerable(const ocf_endpoint *from) {
  static const uint8_t zero[16] = {0};
  if (from->family == OCF_IPV4) return from->addr[0] == 0;
  return memcmp(from->addr, zero, sizeof zero) == 0;
}

/* Sender address; false for one we must never answer (port 0, a multicast source, the
 * unspecified address). */
static bool read_source(const struct sockaddr_storage *ss, ocf_endpoint *from) {
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
    from->family = OCF_IPV6;
    from->port = ntohs(s6->sin6_port);
    memcpy(from->addr, &s6->sin6_addr, 16);
  } else if (ss->ss_family == AF_INET) {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
    from->family = OCF_IPV4;
    from->port = ntohs(s4->sin_port);
    memcpy(from->addr, &s4->sin_addr, 4);
  } else {
    return false;
  }
  return from->port != 0 && !ocf_endpoint_is_multicast(from) && !is_unanswerable(from);
}

ocf_err ocf_posix_net_recv(ocf_posix_net *net, int fd, ocf_endpoint *from, uint8_t *buf, size_t cap,
                           size_t *len) {
  if (!net || !from || !len || (!buf && cap > 0)) return OCF_ERR_INVALID_ARG;
  int role = role_of_fd(net, fd);
  if (role < 0) return OCF_ERR_INVALID_ARG;
  *len = 0;
  struct sockaddr_storage ss;
  struct iovec iov = {.iov_base = buf, .iov_len = cap};
  union {
    char bytes[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
    struct cmsghdr align;
  } control;
  struct msghdr mh = {.msg_name = &ss,
                      .msg_namelen = sizeof ss,
                      .msg_iov = &iov,
                      .msg_iovlen = 1,
                      .msg_control = control.bytes,
                      .msg_controllen = sizeof control.bytes};
  ssize_t n;
  do {
    n = recvmsg(fd, &mh, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return OCF_ERR_NOT_FOUND;
    ocf_log(net->pf, OCF_LOG_DEBUG, LOG_MODULE, "recvmsg: %s", strerror(errno));
    return OCF_ERR_IO;
  }
  if (mh.msg_flags & MSG_TRUNC) return OCF_ERR_TOO_LARGE; /* longer than any datagram we take */
  memset(from, 0, sizeof *from);
  if ((mh.msg_flags & MSG_CTRUNC) || !read_source(&ss, from) || !read_pktinfo(&mh, from)) {
    memset(from, 0, sizeof *from);
    return OCF_ERR_MALFORMED;
  }
  if (role == ROLE_SECURE6 || role == ROLE_SECURE4) from->flags |= OCF_EP_SECURE;
  *len = (size_t)n;
  return OCF_OK;
}

/* ---- send ------------------------------------------------------------------------------ */

static bool is_link_local6(const uint8_t *a) { return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }

static ocf_err send_to(const ocf_posix_net *net, int fd, const ocf_endpoint *to, uint32_t scope,
                       const uint8_t *data, size_t len) {
  struct sockaddr_storage ss;
  socklen_t sslen =
      make_sockaddr(to->family == OCF_IPV6 ? AF_INET6 : AF_INET, to->addr, to->port, scope, &ss);
  ssize_t n;
  do {
    n = sendto(fd, data, len, 0, (struct sockaddr *)&ss, sslen);
  } while (n < 0 && errno == EINTR);
  if (n >= 0) return OCF_OK;
  ocf_log(net->pf, OCF_LOG_DEBUG, LOG_MODULE, "sendto (if %u): %s", scope, strerror(errno));
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return OCF_ERR_BUSY;
  return OCF_ERR_IO;
}

/* Digest 1.1 (OCF Core 12.2.9): hop limit 1 for link-local scope and IPv4, 255 otherwise. */
static bool set_multicast_out(int fd, const ocf_endpoint *to, uint32_t ifindex) {
  if (to->family == OCF_IPV6) {
    int hops = (to->addr[1] & 0x0f) <= 2 ? 1 : 255;
    return set_int_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, (int)ifindex) &&
           set_int_opt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, hops);
  }
  struct ip_mreqn mreq = {.imr_ifindex = (int)ifindex};
  return setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mreq, sizeof mreq) == 0 &&
         set_int_opt(fd, IPPROTO_IP, IP_MULTICAST_TTL, 1);
}

static ocf_err send_multicast(const ocf_posix_net *net, int fd, const ocf_endpoint *to, const uint8_t *data,
                              size_t len) {
  const uint32_t *ifs = to->ifindex ? &to->ifindex : net->ifs;
  size_t count = to->ifindex ? 1 : net->if_count;
  ocf_err result = OCF_ERR_NOT_FOUND;
  bool any_sent = false;
  for (size_t i = 0; i < count; i++) {
    ocf_err err = OCF_ERR_IO;
    if (set_multicast_out(fd, to, ifs[i]))
      err = send_to(net, fd, to, to->family == OCF_IPV6 ? ifs[i] : 0, data, len);
    if (err == OCF_OK)
      any_sent = true;
    else
      result = err;
  }
  return any_sent ? OCF_OK : result;
}

/* The socket a datagram to `to` leaves by, after the checks every send makes; *fd < 0 with the
 * error otherwise. */
static ocf_err send_socket(const ocf_posix_net *net, const ocf_endpoint *to, const uint8_t *data, size_t len,
                           int *fd) {
  *fd = -1;
  if (!net || !to || (!data && len > 0) || (to->family != OCF_IPV6 && to->family != OCF_IPV4) ||
      to->port == 0)
    return OCF_ERR_INVALID_ARG;
  bool v6 = to->family == OCF_IPV6;
  bool multicast = ocf_endpoint_is_multicast(to);
  bool secure = (to->flags & OCF_EP_SECURE) != 0;
  if (secure && multicast) return OCF_ERR_INVALID_ARG; /* DTLS has no multicast */
  if (!multicast && v6 && is_link_local6(to->addr) && to->ifindex == 0)
    return OCF_ERR_INVALID_ARG; /* pitfall 28 */
  *fd = net->fd[secure ? (v6 ? ROLE_SECURE6 : ROLE_SECURE4) : (v6 ? ROLE_UNICAST6 : ROLE_UNICAST4)];
  return *fd < 0 ? OCF_ERR_STATE : OCF_OK;
}

static ocf_err transmit(const ocf_posix_net *net, int fd, const ocf_endpoint *to, const uint8_t *data,
                        size_t len) {
  if (ocf_endpoint_is_multicast(to)) return send_multicast(net, fd, to, data, len);
  bool v6 = to->family == OCF_IPV6;
  uint32_t scope = (v6 && is_link_local6(to->addr)) ? to->ifindex : 0;
  return send_to(net, fd, to, scope, data, len);
}

/* OCF_NET_IMPAIR (impair.h): the datagram's fate, then the one held back (if any) after it.
 * Only datagrams that passed the checks are impaired: a bad call fails as it always does. */
static ocf_err send_impaired(ocf_posix_net *net, int fd, const ocf_endpoint *to, const uint8_t *data,
                             size_t len) {
  net->n_sent++;
  ocf_net_impair_action act = ocf_net_impair_next(&net->impair);
  if (act == OCF_NET_IMPAIR_DROP) {
    net->n_dropped++;
    return OCF_OK; /* as if the network lost it */
  }
  if (act == OCF_NET_IMPAIR_HOLD && !net->held && len <= OCF_NET_IMPAIR_HOLD_MAX) {
    net->n_held++;
    net->held = true;
    net->held_to = *to;
    net->held_len = len;
    if (len) memcpy(net->held_data, data, len);
    return OCF_OK;
  }
  ocf_err err = transmit(net, fd, to, data, len);
  if (act == OCF_NET_IMPAIR_DUP) {
    net->n_duplicated++;
    (void)transmit(net, fd, to, data, len);
  }
  int held_fd;
  if (net->held && send_socket(net, &net->held_to, net->held_data, net->held_len, &held_fd) == OCF_OK)
    (void)transmit(net, held_fd, &net->held_to, net->held_data, net->held_len);
  net->held = false;
  return err;
}

ocf_err ocf_posix_net_send(ocf_posix_net *net, const ocf_endpoint *to, const uint8_t *data, size_t len) {
  int fd;
  ocf_err err = send_socket(net, to, data, len, &fd);
  if (err) return err;
  if (net->kill_at_send && ++net->sends == net->kill_at_send) (void)raise(SIGKILL);
  if (net->impaired) return send_impaired(net, fd, to, data, len);
  return transmit(net, fd, to, data, len);
}
