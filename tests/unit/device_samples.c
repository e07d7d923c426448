/* device_samples DIR: runs a device on the simulated network and writes the bodies of its
 * answers to DIR (oic_d.cbor, oic_d_baseline.cbor, oic_p.cbor, oic_p_baseline.cbor,
 * res_ll.cbor, res_baseline.cbor, switch.cbor, switch_baseline.cbor) for
 * device_schema_check.py, which validates them against the OCF core schemas; and the answers of
 * its Security Virtual Resources through the whole request path (dispatch, access control,
 * handlers), as the unowned device answers anyone in the clear (rfotm_doxm.cbor,
 * rfotm_pstat.cbor) and as the onboarded device answers its owner (svr_<name>.cbor and
 * svr_<name>_baseline.cbor), for device_svr_schema_check.py and the OCF security schemas. */
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
  if (n < 0 || (size_t)n >= sizeof path || !r || r->code != OCF_COAP_CONTENT) {
    fprintf(stderr, "device_samples: %s: no 2.05 answer (%d)\n", name, r ? (int)r->code : -1);
    return 1;
  }
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
  static const char *const svrs[] = {"doxm", "pstat", "cred", "acl2", "sp", "sdi", "roles", "crl", "ael"};
  static dfx f;
  dfx_init(&f, NULL);
  int failures = 0;
  /* RFOTM: what discovery and the first step of an OTM see (OBT 5.3.1 steps 1-3) */
  failures += write_body(argv[1], "rfotm_doxm.cbor", dfx_get(&f, "/oic/sec/doxm"));
  failures += write_body(argv[1], "rfotm_pstat.cbor", dfx_get(&f, "/oic/sec/pstat"));
  dfx_onboard(&f); /* /switch is served in RFNOP over a secure session only (digest 3.4) */
  f.secure = true;
  for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
    failures += write_body(argv[1], samples[i].file, dfx_get(&f, samples[i].uri));
  /* back to RFPRO, where the DOTS, CMS and AMS read and write the SVRs (OBT 5.4, 5.5) */
  const dfx_response *rfpro = dfx_post_diag(&f, "/oic/sec/pstat", "{'dos': {'s': 2}}");
  if (!rfpro || rfpro->code != OCF_COAP_CHANGED) failures++;
  /* sp, sdi, roles, crl and ael have no resource owner: the tool reads and writes them under an
   * ACE of its own, as obt's CMS and AMS install (digest 2.0, OBT 5.5) */
  const dfx_response *ace = dfx_post_diag(
      &f, "/oic/sec/acl2",
      "{'aclist2': [{'subject': {'uuid': '" DFX_OWNER "'}, 'resources': [{'href': '/oic/sec/sp'}, "
      "{'href': '/oic/sec/sdi'}, {'href': '/oic/sec/roles'}, {'href': '/oic/sec/crl'}, "
      "{'href': '/oic/sec/ael'}], 'permission': 6}]}");
  if (!ace || ace->code != OCF_COAP_CHANGED) failures++;
  /* the domain's name and privacy as the CMS may change them in RFPRO (the uuid is RFOTM only) */
  const dfx_response *sdi = dfx_post_diag(&f, "/oic/sec/sdi", "{'name': 'home', 'priv': false}");
  if (!sdi || sdi->code != OCF_COAP_CHANGED) {
    fprintf(stderr, "device_samples: POST /oic/sec/sdi: %d\n", sdi ? (int)sdi->code : -1);
    failures++;
  }
  for (size_t i = 0; i < sizeof svrs / sizeof svrs[0]; i++) {
    char name[64], uri[96];
    snprintf(name, sizeof name, "svr_%s.cbor", svrs[i]);
    snprintf(uri, sizeof uri, "/oic/sec/%s", svrs[i]);
    failures += write_body(argv[1], name, dfx_get(&f, uri));
    snprintf(name, sizeof name, "svr_%s_baseline.cbor", svrs[i]);
    snprintf(uri, sizeof uri, "/oic/sec/%s?if=oic.if.baseline", svrs[i]);
    failures += write_body(argv[1], name, dfx_get(&f, uri));
  }
  dfx_free(&f);
  return failures ? 1 : 0;
}
