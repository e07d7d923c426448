/* The DTLS server and client of fuzz_dtls, shared with gen_fuzz_dtls_seeds (which replays a real
 * handshake against the very same server, so its seeds reach the established state: the server
 * is deterministic for a given input, its randomness coming from a seeded generator). */
#ifndef OCF_FUZZ_DTLS_SETUP_H
#define OCF_FUZZ_DTLS_SETUP_H

#include <stdlib.h>
#include <string.h>

#include "dtls/session.h"
#include "sim/sim.h"

#define FZ_START 1000000u
#define FZ_SERVER_SEED 7u

static const uint8_t fz_key[16] = "fuzzing-psk-key!";
static const uint8_t fz_identity[16] = "fuzzing-identity";

static inline ocf_endpoint fz_endpoint(uint8_t last) {
  ocf_endpoint ep = {.family = OCF_IPV6, .port = (uint16_t)(40000 + last)};
  ep.addr[0] = 0x20;
  ep.addr[1] = 0x01;
  ep.addr[15] = last;
  return ep;
}

static inline ocf_err fz_accept(void *user, const ocf_endpoint *peer, ocf_dtls_profile *p) {
  (void)user;
  (void)peer;
  return ocf_dtls_profile_otm(p, OCF_OXM_RANDOM_PIN);
}

static inline ocf_err fz_psk_lookup(void *user, const ocf_endpoint *peer, const uint8_t *identity, size_t len,
                                    uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  (void)user;
  (void)peer;
  if (len != sizeof fz_identity || memcmp(identity, fz_identity, len)) return OCF_ERR_NOT_FOUND;
  memcpy(key, fz_key, sizeof fz_key);
  *key_len = sizeof fz_key;
  return OCF_OK;
}

static inline ocf_dtls_profile fz_client_profile(void) {
  ocf_dtls_profile p;
  if (ocf_dtls_profile_otm(&p, OCF_OXM_RANDOM_PIN)) abort();
  p.psk_identity = (ocf_bytes){fz_identity, sizeof fz_identity};
  p.psk = (ocf_bytes){fz_key, sizeof fz_key};
  return p;
}

/* A server with small caps on its own seeded platform. */
static inline ocf_dtls_ctx *fz_server_new(ocf_sim_platform *sp, const ocf_dtls_callbacks *extra) {
  ocf_sim_platform_init(sp, FZ_SERVER_SEED);
  sp->quiet = true;
  ocf_dtls_config cfg;
  ocf_dtls_config_default(&cfg);
  cfg.client = false;
  cfg.max_sessions = 3;
  cfg.max_handshakes = 2;
  cfg.max_outbox = 16;
  cfg.max_plaintext = 512;
  cfg.idle_timeout_ms = 30000;
  ocf_dtls_callbacks cbs = *extra;
  cbs.accept = fz_accept;
  cbs.psk_lookup = fz_psk_lookup;
  ocf_dtls_ctx *d = NULL;
  if (ocf_dtls_create(&sp->pf, &cfg, &cbs, &d)) abort();
  return d;
}

#endif
