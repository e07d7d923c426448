#include <ocf/ocf_endpoint.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool ipv6_is_scoped(const uint8_t a[16]) {
  return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || (a[0] == 0xff && (a[1] & 0x0f) <= 2);
}

OCF_API bool ocf_endpoint_equal(const ocf_endpoint *a, const ocf_endpoint *b) {
  if (a->family != b->family || a->port != b->port) return false;
  if (a->family == OCF_IPV4) return memcmp(a->addr, b->addr, 4) == 0;
  if (memcmp(a->addr, b->addr, 16) != 0) return false;
  return !ipv6_is_scoped(a->addr) || a->ifindex == b->ifindex;
}

OCF_API bool ocf_endpoint_is_multicast(const ocf_endpoint *ep) {
  if (ep->family == OCF_IPV4) return (ep->addr[0] & 0xf0) == 0xe0;
  return ep->addr[0] == 0xff;
}

OCF_API ocf_err ocf_endpoint_format(const ocf_endpoint *ep, char *out, size_t cap) {
  char host[INET6_ADDRSTRLEN];
  const char *scheme = (ep->flags & OCF_EP_SECURE) ? "coaps" : "coap";
  int n;
  if (ep->family == OCF_IPV4) {
    if (!inet_ntop(AF_INET, ep->addr, host, sizeof host)) return OCF_ERR_INVALID_ARG;
    n = snprintf(out, cap, "%s://%s:%u", scheme, host, (unsigned)ep->port);
  } else if (ep->family == OCF_IPV6) {
    if (!inet_ntop(AF_INET6, ep->addr, host, sizeof host)) return OCF_ERR_INVALID_ARG;
    if (ipv6_is_scoped(ep->addr) && ep->ifindex)
      n = snprintf(out, cap, "%s://[%s%%%u]:%u", scheme, host, (unsigned)ep->ifindex, (unsigned)ep->port);
    else
      n = snprintf(out, cap, "%s://[%s]:%u", scheme, host, (unsigned)ep->port);
  } else {
    return OCF_ERR_INVALID_ARG;
  }
  return (n < 0 || (size_t)n >= cap) ? OCF_ERR_NO_SPACE : OCF_OK;
}

static bool parse_port(const char *s, uint16_t *port) {
  if (!*s) return false;
  unsigned long v = 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9') return false;
    v = v * 10 + (unsigned long)(*s - '0');
    if (v > 65535) return false;
  }
  *port = (uint16_t)v;
  return true;
}

OCF_API ocf_err ocf_endpoint_parse(const char *text, ocf_endpoint *out) {
  ocf_endpoint ep = {0};
  const char *p;
  if (strncmp(text, "coaps://", 8) == 0) {
    ep.flags = OCF_EP_SECURE;
    ep.port = 5684;
    p = text + 8;
  } else if (strncmp(text, "coap://", 7) == 0) {
    ep.port = 5683;
    p = text + 7;
  } else {
    return OCF_ERR_MALFORMED;
  }
  char host[INET6_ADDRSTRLEN + 12];
  const char *rest;
  if (*p == '[') {
    const char *close = strchr(p, ']');
    if (!close || (size_t)(close - p - 1) >= sizeof host) return OCF_ERR_MALFORMED;
    memcpy(host, p + 1, (size_t)(close - p - 1));
    host[close - p - 1] = '\0';
    rest = close + 1;
    char *pct = strchr(host, '%');
    if (pct) {
      *pct = '\0';
      char *end;
      unsigned long idx = strtoul(pct + 1, &end, 10);
      if (end == pct + 1 || *end || idx > UINT32_MAX) return OCF_ERR_MALFORMED;
      ep.ifindex = (uint32_t)idx;
    }
    if (inet_pton(AF_INET6, host, ep.addr) != 1) return OCF_ERR_MALFORMED;
    ep.family = OCF_IPV6;
  } else {
    size_t n = strcspn(p, ":/");
    if (n == 0 || n >= sizeof host) return OCF_ERR_MALFORMED;
    memcpy(host, p, n);
    host[n] = '\0';
    rest = p + n;
    if (inet_pton(AF_INET, host, ep.addr) != 1) return OCF_ERR_MALFORMED;
    ep.family = OCF_IPV4;
  }
  if (*rest == ':') {
    char port[8];
    size_t n = strcspn(rest + 1, "/");
    if (n == 0 || n >= sizeof port) return OCF_ERR_MALFORMED;
    memcpy(port, rest + 1, n);
    port[n] = '\0';
    if (!parse_port(port, &ep.port)) return OCF_ERR_MALFORMED;
    rest += 1 + n;
  }
  if (*rest && strcmp(rest, "/") != 0) return OCF_ERR_MALFORMED;
  *out = ep;
  return OCF_OK;
}
