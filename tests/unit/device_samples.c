/* device_samples DIR: runs a device on the simulated network and writes the bodies of its
 * answers to DIR (oic_d.cbor, oic_d_baseline.cbor, oic_p.cbor, oic_p_baseline.cbor,
 * res_ll.cbor, res_baseline.cbor, switch.cbor, switch_baseline.cbor) for
 * device_schema_check.py, which validates them against the OCF core schemas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "device_fixture.h"

static int write_body(const char *dir, const char *name, const dfx_response *r) {
  char path[4096];
  int n = snprintf(path, sizeof path, "%s/%s", dir, name);
  if (n < 0 || (size_t)n >= sizeof path || !r || r->code != OCF_COAP_CONTENT) return 1;
  FILE *f = fopen(path, "wb");
  if (!f) return 1;
  size_t written = fwrite(r->body, 1, r->len, f);
  return (fclose(f) != 0 || written != r->len) ? 1 : 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: device_samples DIR\n");
    return 2;
  }
  static const struct {
    const char *file, *uri;
  } samples[] = {
      {"oic_d.cbor", "/oic/d"},    {"oic_d_baseline.cbor", "/oic/d?if=oic.if.baseline"},
      {"oic_p.cbor", "/oic/p"},    {"oic_p_baseline.cbor", "/oic/p?if=oic.if.baseline"},
      {"res_ll.cbor", "/oic/res"}, {"res_baseline.cbor", "/oic/res?if=oic.if.baseline"},
      {"switch.cbor", "/switch"},  {"switch_baseline.cbor", "/switch?if=oic.if.baseline"},
  };
  static dfx f;
  dfx_init(&f, NULL);
  dfx_onboard(&f); /* /switch is served in RFNOP over a secure session only (digest 3.4) */
  f.secure = true;
  int failures = 0;
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
    failures += write_body(argv[1], samples[i].file, dfx_get(&f, samples[i].uri));
  dfx_free(&f);
  return failures ? 1 : 0;
}
