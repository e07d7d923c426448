/* Endpoints and their coap:// text form. The IPv4/IPv6 address parser and formatter are our
 * own rather than inet_pton/inet_ntop, so that base needs no socket headers (only
 * src/platform/ talks to the OS) and the output is RFC 5952 canonical on every libc. */
#include <ocf/ocf_endpoint.h>

#include <stdio.h>
#include <string.h>

/* Longest address text we produce: eight groups of four hex digits and seven colons. */
#define IP_TEXT_MAX 40

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

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* 1 to 10 decimal digits, no sign or spaces, at most max. */
static bool parse_decimal(const char *s, size_t len, uint32_t max, uint32_t *out) {
  if (len == 0 || len > 10) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (v > max) return false;
  *out = (uint32_t)v;
  return true;
}

/* Four decimal octets separated by dots. A leading zero ("01") is refused: other parsers read
 * it as octal, so the same text would name a different host. */
static bool parse_ipv4(const char *s, size_t len, uint8_t out[4]) {
  size_t pos = 0;
  for (size_t part = 0; part < 4; part++) {
    if (part > 0) {
      if (pos == len || s[pos] != '.') return false;
      pos++;
    }
    size_t start = pos;
    while (pos < len && pos - start < 3 && s[pos] >= '0' && s[pos] <= '9') pos++;
    uint32_t v;
    if (pos - start > 1 && s[start] == '0') return false;
    if (!parse_decimal(s + start, pos - start, 255, &v)) return false;
    out[part] = (uint8_t)v;
  }
  return pos == len;
}

/* Moves the groups written after a "::" (at byte gap, n bytes filled) to the end and zeroes
 * what the "::" stands for, which must be at least one group (RFC 4291 2.2). */
static bool expand_gap(uint8_t a[16], size_t n, size_t gap) {
  if (n == 16) return false;
  size_t tail = n - gap;
  memmove(a + 16 - tail, a + gap, tail);
  memset(a + gap, 0, 16 - tail - gap);
  return true;
}

/* RFC 4291 2.2: eight groups of 1-4 hex digits, any case; one "::" stands for one or more zero
 * groups; the last 32 bits may be a dotted quad. No zone here (the caller splits off "%"). */
static bool parse_ipv6(const char *s, size_t len, uint8_t out[16]) {
  uint8_t a[16] = {0};
  size_t n = 0, pos = 0, gap = SIZE_MAX;
  if (len >= 2 && s[0] == ':' && s[1] == ':') {
    gap = 0;
    pos = 2;
  }
  while (pos < len) {
    if (n == 16) return false;
    size_t start = pos;
    uint32_t group = 0;
    while (pos < len && pos - start < 5 && hex_value(s[pos]) >= 0)
      group = (group << 4) | (uint32_t)hex_value(s[pos++]);
    if (pos < len && s[pos] == '.') {
      if (n > 12 || !parse_ipv4(s + start, len - start, a + n)) return false;
      n += 4;
      break;
    }
    if (pos == start || pos - start > 4) return false;
    a[n++] = (uint8_t)(group >> 8);
    a[n++] = (uint8_t)group;
    if (pos == len) break;
    if (s[pos++] != ':' || pos == len) return false; /* a group ends in ':', never the text */
    if (s[pos] == ':') {
      if (gap != SIZE_MAX) return false;
      gap = n;
      pos++;
    }
  }
  if (gap == SIZE_MAX ? n != 16 : !expand_gap(a, n, gap)) return false;
  memcpy(out, a, 16);
  return true;
}

/* One group in lower case without leading zeros (RFC 5952 4.1, 4.3). */
static size_t put_group(char *p, unsigned v) {
  static const char digits[] = "0123456789abcdef";
  size_t n = 0;
  for (int shift = 12; shift >= 0; shift -= 4) {
    unsigned d = (v >> shift) & 0xfu;
    if (d || n || shift == 0) p[n++] = digits[d];
  }
  return n;
}

/* RFC 5952 canonical text: the longest run of two or more zero groups becomes "::", the first
 * one on a tie (4.2.1-4.2.3); IPv4-mapped addresses end in a dotted quad (5). */
static void format_ipv6(const uint8_t a[16], char out[IP_TEXT_MAX]) {
  static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (memcmp(a, mapped_prefix, sizeof mapped_prefix) == 0) {
    (void)snprintf(out, IP_TEXT_MAX, "::ffff:%u.%u.%u.%u", a[12], a[13], a[14], a[15]);
    return;
  }
  unsigned g[8];
  for (size_t i = 0; i < 8; i++) g[i] = (unsigned)(a[2 * i] << 8 | a[2 * i + 1]);
  size_t best = 8, best_len = 1; /* only runs of two or more groups qualify */
  for (size_t i = 0; i < 8;) {
    size_t j = i;
    while (j < 8 && g[j] == 0) j++;
    if (j - i > best_len) {
      best = i;
      best_len = j - i;
    }
    i = j > i ? j : i + 1;
  }
  size_t o = 0;
  for (size_t i = 0; i < 8;) {
    if (i == best) {
      out[o++] = ':';
      out[o++] = ':';
      i += best_len;
      continue;
    }
    if (i > 0 && i != best + best_len) out[o++] = ':';
    o += put_group(out + o, g[i++]);
  }
  out[o] = '\0';
}

OCF_API ocf_err ocf_endpoint_format(const ocf_endpoint *ep, char *out, size_t cap) {
  if (!ep || !out) return OCF_ERR_INVALID_ARG;
  const char *scheme = (ep->flags & OCF_EP_SECURE) ? "coaps" : "coap";
  int n;
  if (ep->family == OCF_IPV4) {
    const uint8_t *a = ep->addr;
    n = snprintf(out, cap, "%s://%u.%u.%u.%u:%u", scheme, a[0], a[1], a[2], a[3], (unsigned)ep->port);
  } else if (ep->family == OCF_IPV6) {
    char host[IP_TEXT_MAX];
    format_ipv6(ep->addr, host);
    if (ipv6_is_scoped(ep->addr) && ep->ifindex)
      n = snprintf(out, cap, "%s://[%s%%%u]:%u", scheme, host, (unsigned)ep->ifindex, (unsigned)ep->port);
    else
      n = snprintf(out, cap, "%s://[%s]:%u", scheme, host, (unsigned)ep->port);
  } else {
    return OCF_ERR_INVALID_ARG;
  }
  return (n < 0 || (size_t)n >= cap) ? OCF_ERR_NO_SPACE : OCF_OK;
}

/* "[address%zone]" at p; sets *rest to what follows the "]". */
static bool parse_bracketed_ipv6(const char *p, ocf_endpoint *ep, const char **rest) {
  const char *close = strchr(p, ']');
  if (!close) return false;
  size_t len = (size_t)(close - p);
  const char *pct = memchr(p, '%', len);
  size_t addr_len = pct ? (size_t)(pct - p) : len;
  if (pct && !parse_decimal(pct + 1, len - addr_len - 1, UINT32_MAX, &ep->ifindex)) return false;
  if (!parse_ipv6(p, addr_len, ep->addr)) return false;
  ep->family = OCF_IPV6;
  *rest = close + 1;
  return true;
}

OCF_API ocf_err ocf_endpoint_parse(const char *text, ocf_endpoint *out) {
  if (!text || !out) return OCF_ERR_INVALID_ARG;
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
  const char *rest;
  if (*p == '[') {
    if (!parse_bracketed_ipv6(p + 1, &ep, &rest)) return OCF_ERR_MALFORMED;
  } else {
    size_t n = strcspn(p, ":/");
    if (!parse_ipv4(p, n, ep.addr)) return OCF_ERR_MALFORMED;
    ep.family = OCF_IPV4;
    rest = p + n;
  }
  if (*rest == ':') {
    size_t n = strcspn(rest + 1, "/");
    uint32_t port;
    if (!parse_decimal(rest + 1, n, UINT16_MAX, &port)) return OCF_ERR_MALFORMED;
    ep.port = (uint16_t)port;
    rest += 1 + n;
  }
  if (*rest && strcmp(rest, "/") != 0) return OCF_ERR_MALFORMED;
  *out = ep;
  return OCF_OK;
}
