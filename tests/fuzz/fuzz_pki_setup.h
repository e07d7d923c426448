/* The fixed CA of fuzz_pki, shared with gen_fuzz_pki_seeds (which issues its seed chains from
 * the very same CA, so the seeds reach the profile checks past signature verification): a root
 * made by ocf_pki_ca_create from a seeded generator, hence the same key in both programs. */
#ifndef OCF_FUZZ_PKI_SETUP_H
#define OCF_FUZZ_PKI_SETUP_H

#include <string.h>

#include "pki/ca.h"
#include "pki/cert.h"
#include "sim/sim.h"

#define FZ_PKI_T_2020 1577836800LL /* 2020-01-01T00:00:00Z: the CA's notBefore */
#define FZ_PKI_T_2025 1735689600LL /* the checks' "now" */
#define FZ_PKI_T_2049 2524607999LL /* the CA's notAfter */

static inline ocf_err fz_pki_random(void *ctx, uint8_t *out, size_t len) {
  uint64_t *state = ctx;
  for (size_t i = 0; i < len; i += 8) {
    uint64_t r = ocf_sim_rand64(state);
    memcpy(out + i, &r, len - i < 8 ? len - i : 8);
  }
  return OCF_OK;
}

/* The CA (deterministic: the generator is seeded with 1 every time). */
static inline ocf_err fz_pki_ca(ocf_pki_ca *ca) {
  uint64_t state = 1;
  ocf_pki_rng rng = {fz_pki_random, &state};
  return ocf_pki_ca_create("fuzz CA", FZ_PKI_T_2020, FZ_PKI_T_2049, &rng, ca);
}

/* Input modes (byte 0 % 4). */
enum {
  FZ_PKI_CSR = 0,
  FZ_PKI_CHAIN = 1,
  FZ_PKI_INFO = 2,
  FZ_PKI_IMPORT = 3,
  FZ_PKI_CERTS = 4,
  FZ_PKI_CRL = 5
};

#endif
