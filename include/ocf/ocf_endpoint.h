/* Network endpoints: an IP address, port and interface, and how a datagram reached us. */
#ifndef OCF_ENDPOINT_H
#define OCF_ENDPOINT_H

#include "ocf_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ocf_ip_family {
  OCF_IPV6 = 6,
  OCF_IPV4 = 4,
} ocf_ip_family;

enum ocf_endpoint_flags {
  OCF_EP_SECURE = 1u << 0,    /* coaps:// (DTLS) */
  OCF_EP_MULTICAST = 1u << 1, /* on a received datagram: it was sent to a multicast group */
};

typedef struct ocf_endpoint {
  uint8_t family;   /* ocf_ip_family */
  uint8_t flags;    /* ocf_endpoint_flags */
  uint16_t port;    /* host byte order */
  uint32_t ifindex; /* IPv6 scope (link-local, multicast) or the arrival interface; 0 = any */
  uint8_t addr[16]; /* IPv4 uses the first 4 bytes */
} ocf_endpoint;

/* Longest text form: "coaps://[" + 39 + "%" + 10 + "]:" + 5 + NUL. */
#define OCF_ENDPOINT_STR_MAX 72

/* Same family, address, port and (for IPv6 link-local) interface; flags are ignored. */
OCF_API bool ocf_endpoint_equal(const ocf_endpoint *a, const ocf_endpoint *b);
OCF_API bool ocf_endpoint_is_multicast(const ocf_endpoint *ep);

/* "coap://[fe80::1%2]:5683" / "coaps://127.0.0.1:40000"; the %ifindex part only for scoped
 * IPv6 addresses. IPv6 text is RFC 5952 canonical (lower case, longest zero run as "::",
 * IPv4-mapped as ::ffff:a.b.c.d). OCF_ERR_NO_SPACE when cap is too small, OCF_ERR_INVALID_ARG
 * for an unknown family or NULL. */
OCF_API OCF_NODISCARD ocf_err ocf_endpoint_format(const ocf_endpoint *ep, char *out, size_t cap);

/* Parses the form above: IPv6 in any RFC 4291 2.2 form (including "::" and a trailing dotted
 * quad), IPv4 as a dotted quad without leading zeros; "%ifindex" is a decimal number. The
 * scheme sets OCF_EP_SECURE; the port defaults to 5683 (coap) or 5684 (coaps). A trailing "/"
 * is allowed, a path is not. OCF_ERR_MALFORMED otherwise; OCF_ERR_INVALID_ARG for NULL. */
OCF_API OCF_NODISCARD ocf_err ocf_endpoint_parse(const char *text, ocf_endpoint *out);

#ifdef __cplusplus
}
#endif
#endif
