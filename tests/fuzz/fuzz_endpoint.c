/* libFuzzer target for the endpoint text form (src/base/endpoint.c):
 *  - whatever ocf_endpoint_parse accepts formats back and reparses to the same endpoint, and
 *    formatting is idempotent;
 *  - as an address literal, the input is accepted by our IPv6/IPv4 parser exactly when the C
 *    library's inet_pton accepts it, with the same bytes (tests may use the OS's headers);
 *  - the first 16 bytes, formatted as an IPv6 address, match inet_ntop (RFC 5952 output)
 *    except for deprecated IPv4-compatible addresses, which glibc prints as ::a.b.c.d. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_endpoint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TEXT_MAX 96

static void check_round_trip(const char *text) {
  ocf_endpoint a, b;
  if (ocf_endpoint_parse(text, &a) != OCF_OK) return;
  char first[OCF_ENDPOINT_STR_MAX], second[OCF_ENDPOINT_STR_MAX];
  if (ocf_endpoint_format(&a, first, sizeof first) != OCF_OK) abort();
  if (ocf_endpoint_parse(first, &b) != OCF_OK) abort();
  if (!ocf_endpoint_equal(&a, &b) || a.flags != b.flags) abort();
  if (ocf_endpoint_format(&b, second, sizeof second) != OCF_OK || strcmp(first, second) != 0) abort();
}

static void check_against_inet_pton(const char *text) {
  if (strpbrk(text, "%]/[")) return; /* zones and URI syntax are ours alone */
  char uri[TEXT_MAX + 16];
  ocf_endpoint ep;
  uint8_t want[16];
  (void)snprintf(uri, sizeof uri, "coap://[%s]", text);
  int ours = ocf_endpoint_parse(uri, &ep) == OCF_OK;
  int libc = inet_pton(AF_INET6, text, want) == 1;
  if (ours != libc || (ours && memcmp(ep.addr, want, 16) != 0)) abort();
  if (strchr(text, ':')) return;
  (void)snprintf(uri, sizeof uri, "coap://%s", text);
  ours = ocf_endpoint_parse(uri, &ep) == OCF_OK;
  libc = inet_pton(AF_INET, text, want) == 1;
  if (ours != libc || (ours && memcmp(ep.addr, want, 4) != 0)) abort();
}

static void check_against_inet_ntop(const uint8_t addr[16]) {
  static const uint8_t zero[12];
  if (memcmp(addr, zero, 12) == 0 && (addr[12] || addr[13])) return; /* IPv4-compatible */
  ocf_endpoint ep = {.family = OCF_IPV6, .port = 1};
  memcpy(ep.addr, addr, 16);
  char ours[OCF_ENDPOINT_STR_MAX], host[INET6_ADDRSTRLEN], want[OCF_ENDPOINT_STR_MAX];
  if (ocf_endpoint_format(&ep, ours, sizeof ours) != OCF_OK) abort();
  if (!inet_ntop(AF_INET6, addr, host, sizeof host)) abort();
  (void)snprintf(want, sizeof want, "coap://[%s]:1", host);
  if (strcmp(ours, want) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size >= 16) check_against_inet_ntop(data);
  if (size >= TEXT_MAX || memchr(data, '\0', size)) return 0;
  char text[TEXT_MAX];
  memcpy(text, data, size);
  text[size] = '\0';
  check_round_trip(text);
  check_against_inet_pton(text);
  return 0;
}
