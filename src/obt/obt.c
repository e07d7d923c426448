/* The onboarding tool engine: lifetime and the engine interface over its CoAP endpoint (an
 * ocf_stack: coap:// for discovery and oxmsel, coaps:// as a DTLS client for onboarding). */
#include <string.h>

#include "obt/obt_internal.h"
#include "obt/cms_pair.h"
#include "obt/owner.h"

OCF_API void ocf_obt_config_init(ocf_obt_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->discovery_window_ms = 5000;
  cfg->max_devices = 4096;
  cfg->max_jobs = 16;
  cfg->max_handshakes = 4;
  cfg->step_timeout_ms = 30000;
  cfg->discovery_repeats = 3;
}

static void on_session(void *user, ocf_stack *stack, const ocf_dtls_event *ev) {
  (void)stack;
  if (!obt_owner_on_session(user, ev)) obt_onboard_on_session(user, ev);
}

static ocf_err on_psk_for_hint(void *user, const ocf_endpoint *peer, const uint8_t *hint, size_t hint_len,
                               uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  ocf_err err = obt_owner_psk_for_hint(user, peer, hint, hint_len, key, key_len);
  if (err == OCF_ERR_NOT_FOUND) err = obt_onboard_psk_for_hint(user, peer, hint, hint_len, key, key_len);
  return err;
}

static ocf_err on_verify_cert(void *user, const ocf_endpoint *peer, const ocf_bytes *chain, size_t n_chain,
                              const ocf_uuid *uuid) {
  return obt_onboard_verify_cert(user, peer, chain, n_chain, uuid);
}

#define OBT_BLOCK_FOLLOWUPS 512

static ocf_err create_stack(ocf_obt *obt) {
  const ocf_obt_config *cfg = &obt->cfg;
  ocf_stack_config sc;
  ocf_stack_config_default(&sc);
  sc.msg.multicast_window_ms = cfg->discovery_window_ms;
  /* One request at a time per job, plus discovery's /oic/d requests (discover.c), plus the
   * Block2 follow-ups of multicast /oic/res answers: each takes an exchange while it runs, and
   * an answer that finds none is dropped (msg_client.c spawn_child: BUSY), so with the default
   * 48 one multicast discovery of 1000 devices found only 55-95% of them (bench/onboard-bench;
   * 512 more found all). */
  if (sc.msg.max_exchanges < cfg->max_jobs + 32 + OBT_BLOCK_FOLLOWUPS)
    sc.msg.max_exchanges = cfg->max_jobs + 32 + OBT_BLOCK_FOLLOWUPS;
  /* Room for a datagram of every exchange queued in one tick (a burst of multicast answers
   * each starting a follow-up): a full outbox drops datagrams ("outbox full"). */
  if (sc.msg.max_outbox < sc.msg.max_exchanges) sc.msg.max_outbox = sc.msg.max_exchanges;
  sc.dtls.client = true;
  sc.dtls.max_handshakes = cfg->max_handshakes;
  if (sc.dtls.max_sessions < cfg->max_jobs) sc.dtls.max_sessions = cfg->max_jobs;
  ocf_stack_callbacks cbs = {
      .user = obt, .on_session = on_session, .psk_for_hint = on_psk_for_hint, .verify_cert = on_verify_cert};
  ocf_err err = ocf_stack_create(&obt->pf, &sc, &cbs, &obt->stack);
  if (!err) obt->msg = ocf_stack_msg(obt->stack);
  return err;
}

OCF_API ocf_err ocf_obt_create(const ocf_platform *pf, const ocf_obt_config *cfg, ocf_obt **out) {
  if (!pf || !pf->alloc || !pf->free || !pf->random || !out) return OCF_ERR_INVALID_ARG;
  ocf_obt_config defaults;
  ocf_obt_config_init(&defaults);
  if (!cfg) cfg = &defaults;
  if (cfg->max_devices == 0 || cfg->discovery_window_ms == 0 || cfg->max_jobs == 0 ||
      cfg->max_handshakes == 0 || cfg->step_timeout_ms == 0)
    return OCF_ERR_INVALID_ARG;
  ocf_obt *obt = pf->alloc(pf->ctx, sizeof *obt);
  if (!obt) return OCF_ERR_NO_MEMORY;
  memset(obt, 0, sizeof *obt);
  obt->pf = *pf;
  obt->cfg = *cfg;
  ocf_err err = create_stack(obt);
  if (err) {
    pf->free(pf->ctx, obt);
    return err;
  }
  *out = obt;
  return OCF_OK;
}

OCF_API void ocf_obt_destroy(ocf_obt *obt) {
  if (!obt) return;
  obt_onboard_free(obt);
  obt_lifecycle_free(obt);
  obt_prov_free(obt);
  obt_pair_free(obt);
  ocf_stack_destroy(obt->stack);
  if (obt->disc.found) obt->pf.free(obt->pf.ctx, obt->disc.found);
  if (obt->disc.nodes) obt->pf.free(obt->pf.ctx, obt->disc.nodes);
  if (obt->disc.links) obt->pf.free(obt->pf.ctx, obt->disc.links);
  obt->pf.free(obt->pf.ctx, obt);
}

static void pump(ocf_obt *obt, ocf_time_ms now) {
  obt_discovery_pump(obt, now);
  obt_onboard_pump(obt, now);
  obt_lifecycle_pump(obt, now);
  obt_prov_pump(obt, now);
}

static void engine_handle_datagram(void *ctx, const ocf_endpoint *from, const uint8_t *data, size_t len,
                                   ocf_time_ms now) {
  ocf_obt *obt = ctx;
  if (now > obt->now) obt->now = now;
  obt->datagrams_in++;
  (void)ocf_stack_handle_datagram(obt->stack, from, data, len, now);
  pump(obt, now);
}

static size_t engine_next_datagram(void *ctx, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  ocf_obt *obt = ctx;
  size_t n = ocf_stack_next_datagram(obt->stack, to, buf, cap);
  if (n) obt->datagrams_out++;
  return n;
}

static ocf_time_ms engine_next_timeout(void *ctx) {
  const ocf_obt *obt = ctx;
  ocf_time_ms t = ocf_stack_next_timeout(obt->stack), b = obt_onboard_next_timeout(obt),
              c = obt_lifecycle_next_timeout(obt), d = obt_prov_next_timeout(obt),
              e = obt_discovery_next_timeout(obt);
  if (e < t) t = e;
  if (b < t) t = b;
  if (c < t) t = c;
  return d < t ? d : t;
}

static void engine_on_timeout(void *ctx, ocf_time_ms now) {
  ocf_obt *obt = ctx;
  if (now > obt->now) obt->now = now;
  ocf_stack_on_timeout(obt->stack, now);
  obt_discovery_on_timeout(obt, now);
  obt_onboard_on_timeout(obt, now);
  obt_lifecycle_on_timeout(obt, now);
  obt_prov_on_timeout(obt, now);
  pump(obt, now);
}

static const ocf_engine_ops obt_engine_ops = {
    .handle_datagram = engine_handle_datagram,
    .next_datagram = engine_next_datagram,
    .next_timeout = engine_next_timeout,
    .on_timeout = engine_on_timeout,
};

OCF_API ocf_engine ocf_obt_engine(ocf_obt *obt) { return (ocf_engine){.ops = &obt_engine_ops, .ctx = obt}; }
