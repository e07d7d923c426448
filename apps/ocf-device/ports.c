/* Stable ports (ports.h). Digest 1.1 lets a device serve on ephemeral unicast ports, advertised
 * in /oic/res eps; an owned device answers nothing anonymously until an ACE allows it (digest
 * 3.4, 8.1), so new ports after a restart would leave the owner with no way to find it again.
 * The blob is four big-endian u16: coap6, coap4, coaps6, coaps4 (0: family not opened). */
#include "ports.h"

#include <stdio.h>
#include <string.h>

#define PORTS_BLOB "app-ports"
#define PORTS_LEN 8

static void encode(const ocf_posix_net_ports *p, uint8_t out[PORTS_LEN]) {
  const uint16_t v[4] = {p->unicast6, p->unicast4, p->secure6, p->secure4};
  for (size_t i = 0; i < 4; i++) {
    out[2 * i] = (uint8_t)(v[i] >> 8);
    out[2 * i + 1] = (uint8_t)v[i];
  }
}

bool app_ports_load(ocf_store *s, ocf_posix_net_config *cfg) {
  uint8_t b[PORTS_LEN];
  size_t len = 0;
  if (!s || ocf_store_load(s, PORTS_BLOB, b, sizeof b, &len) != OCF_OK || len != PORTS_LEN) return false;
  uint16_t v[4];
  for (size_t i = 0; i < 4; i++) v[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
  cfg->unicast_port6 = v[0];
  cfg->unicast_port4 = v[1];
  cfg->secure_port6 = v[2];
  cfg->secure_port4 = v[3];
  return true;
}

ocf_err app_ports_save(ocf_store *s, const ocf_posix_net *net) {
  if (!s) return OCF_OK;
  ocf_posix_net_ports p;
  ocf_posix_net_get_ports(net, &p);
  uint8_t want[PORTS_LEN], have[PORTS_LEN];
  encode(&p, want);
  size_t len = 0;
  if (ocf_store_load(s, PORTS_BLOB, have, sizeof have, &len) == OCF_OK && len == PORTS_LEN &&
      memcmp(have, want, PORTS_LEN) == 0)
    return OCF_OK;
  return ocf_store_save(s, PORTS_BLOB, want, sizeof want);
}

ocf_err app_ports_open_net(ocf_store *s, ocf_posix_net_config *cfg, const ocf_platform *pf,
                           ocf_posix_net **out) {
  bool stable = app_ports_load(s, cfg);
  ocf_err err = ocf_posix_net_open(cfg, pf, out);
  if (err == OCF_ERR_IO && stable) {
    fprintf(stderr, "ocf-device: the stored ports are taken; serving on new ones\n");
    cfg->unicast_port6 = cfg->unicast_port4 = cfg->secure_port6 = cfg->secure_port4 = 0;
    err = ocf_posix_net_open(cfg, pf, out);
  }
  if (err == OCF_OK && app_ports_save(s, *out) != OCF_OK)
    fprintf(stderr, "ocf-device: the ports could not be stored: they change at the next start\n");
  return err;
}
