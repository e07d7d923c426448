/* The onboarding tool engine: lifetime and the engine interface over its CoAP endpoint. */
#include <string.h>

#include "obt/obt_internal.h"

OCF_API void ocf_obt_config_init(ocf_obt_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->discovery_window_ms = 5000;
  cfg->max_devices = 4096;
}

OCF_API ocf_err ocf_obt_create(const ocf_platform *pf, const ocf_obt_config *cfg, ocf_obt **out) {
  if (!pf || !pf->alloc || !pf->free || !pf->random || !out) return OCF_ERR_INVALID_ARG;
  ocf_obt_config defaults;
  ocf_obt_config_init(&defaults);
  if (!cfg) cfg = &defaults;
  if (cfg->max_devices == 0 || cfg->discovery_window_ms == 0) return OCF_ERR_INVALID_ARG;
  ocf_obt *obt = pf->alloc(pf->ctx, sizeof *obt);
  if (!obt) return OCF_ERR_NO_MEMORY;
  memset(obt, 0, sizeof *obt);
  obt->pf = *pf;
  obt->cfg = *cfg;
  ocf_msg_config mc;
  ocf_msg_config_default(&mc);
  mc.multicast_window_ms = cfg->discovery_window_ms;
  ocf_err err = ocf_msg_create(&obt->pf, &mc, &obt->msg);
  if (err) {
    pf->free(pf->ctx, obt);
    return err;
  }
  *out = obt;
  return OCF_OK;
}

OCF_API void ocf_obt_destroy(ocf_obt *obt) {
  if (!obt) return;
  ocf_msg_destroy(obt->msg);
  if (obt->disc.found) obt->pf.free(obt->pf.ctx, obt->disc.found);
  if (obt->disc.nodes) obt->pf.free(obt->pf.ctx, obt->disc.nodes);
  if (obt->disc.links) obt->pf.free(obt->pf.ctx, obt->disc.links);
  obt->pf.free(obt->pf.ctx, obt);
}

static void engine_handle_datagram(void *ctx, const ocf_endpoint *from, const uint8_t *data, size_t len,
                                   ocf_time_ms now) {
  ocf_obt *obt = ctx;
  (void)ocf_msg_handle_datagram(obt->msg, from, data, len, now);
  obt_discovery_pump(obt, now);
}

static size_t engine_next_datagram(void *ctx, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  ocf_obt *obt = ctx;
  return ocf_msg_next_datagram(obt->msg, to, buf, cap);
}

static ocf_time_ms engine_next_timeout(void *ctx) {
  ocf_obt *obt = ctx;
  return ocf_msg_next_timeout(obt->msg);
}

static void engine_on_timeout(void *ctx, ocf_time_ms now) {
  ocf_obt *obt = ctx;
  ocf_msg_on_timeout(obt->msg, now);
  obt_discovery_pump(obt, now);
}

static const ocf_engine_ops obt_engine_ops = {
    .handle_datagram = engine_handle_datagram,
    .next_datagram = engine_next_datagram,
    .next_timeout = engine_next_timeout,
    .on_timeout = engine_on_timeout,
};

OCF_API ocf_engine ocf_obt_engine(ocf_obt *obt) { return (ocf_engine){.ops = &obt_engine_ops, .ctx = obt}; }
