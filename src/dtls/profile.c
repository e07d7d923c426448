/* Cipher-suite profiles (digest §4.1) and what kind of credentials each suite needs. */
#include <string.h>

#include "dtls/dtls_internal.h"
#include "dtls/profile.h"

ocf_dtls_suite_kind ocf_dtls_suite_kind_of(uint16_t suite) {
  switch (suite) {
  case OCF_DTLS_ECDH_ANON_AES_128_CBC_SHA256: return OCF_DTLS_KIND_ANON;
  case OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256: return OCF_DTLS_KIND_PSK;
  case OCF_DTLS_ECDHE_ECDSA_AES_128_CCM_8:
  case OCF_DTLS_ECDHE_ECDSA_AES_128_CCM:
  case OCF_DTLS_ECDHE_ECDSA_AES_256_CCM_8:
  case OCF_DTLS_ECDHE_ECDSA_AES_256_CCM: return OCF_DTLS_KIND_ECDSA;
  default: return OCF_DTLS_KIND_UNKNOWN;
  }
}

static void set_suites(ocf_dtls_profile *p, const uint16_t *suites, size_t n) {
  memset(p, 0, sizeof *p);
  memcpy(p->suites, suites, n * sizeof *suites);
  p->n_suites = n;
}

ocf_err ocf_dtls_profile_otm(ocf_dtls_profile *p, ocf_oxm oxm) {
  /* Digest §4.1: in RFOTM a device offers exactly the selected OTM's suites; IoTivity-Lite's
   * OBT offers the same lists. CCM_8 first, as IoTivity-Lite prefers it. */
  static const uint16_t jw[] = {OCF_DTLS_ECDH_ANON_AES_128_CBC_SHA256};
  static const uint16_t pin[] = {OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256};
  static const uint16_t mfg[] = {OCF_DTLS_ECDHE_ECDSA_AES_128_CCM_8, OCF_DTLS_ECDHE_ECDSA_AES_128_CCM,
                                 OCF_DTLS_ECDHE_ECDSA_AES_256_CCM_8, OCF_DTLS_ECDHE_ECDSA_AES_256_CCM};
  if (!p) return OCF_ERR_INVALID_ARG;
  switch (oxm) {
  case OCF_OXM_JUST_WORKS: set_suites(p, jw, 1); return OCF_OK;
  case OCF_OXM_RANDOM_PIN: set_suites(p, pin, 1); return OCF_OK;
  case OCF_OXM_MFG_CERT: set_suites(p, mfg, 4); return OCF_OK;
  case OCF_OXM_DCAP:
  case OCF_OXM_SELF: break; /* no onboarding session of ours */
  }
  return OCF_ERR_INVALID_ARG;
}

void ocf_dtls_profile_owned(ocf_dtls_profile *p) {
  /* Digest §4.1: outside RFOTM, {C037, C0AE, C0AC, C0AF, C0AD}. */
  static const uint16_t owned[] = {OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256, OCF_DTLS_ECDHE_ECDSA_AES_128_CCM_8,
                                   OCF_DTLS_ECDHE_ECDSA_AES_128_CCM, OCF_DTLS_ECDHE_ECDSA_AES_256_CCM_8,
                                   OCF_DTLS_ECDHE_ECDSA_AES_256_CCM};
  set_suites(p, owned, sizeof owned / sizeof owned[0]);
}

bool ocf_dtls_suite_available(uint16_t suite) {
  return ocf_dtls_suite_kind_of(suite) != OCF_DTLS_KIND_UNKNOWN && ocf_dtls_tls_suite_available(suite);
}

bool ocf_dtls_psk_hint_available(void) { return ocf_dtls_tls_psk_hint_available(); }

ocf_err ocf_dtls_profile_check(const ocf_dtls_profile *p, bool is_server, ocf_dtls_profile_needs *needs) {
  memset(needs, 0, sizeof *needs);
  if (!p || p->n_suites == 0 || p->n_suites > OCF_DTLS_MAX_SUITES) return OCF_ERR_INVALID_ARG;
  for (size_t i = 0; i < p->n_suites; i++) {
    if (!ocf_dtls_suite_available(p->suites[i])) continue;
    needs->n_available++;
    ocf_dtls_suite_kind kind = ocf_dtls_suite_kind_of(p->suites[i]);
    needs->psk |= kind == OCF_DTLS_KIND_PSK;
    needs->ecdsa |= kind == OCF_DTLS_KIND_ECDSA;
  }
  if (!needs->n_available) return OCF_ERR_UNSUPPORTED;
  if (p->psk.len > OCF_DTLS_PSK_MAX || p->psk_identity.len > OCF_DTLS_IDENTITY_MAX ||
      p->psk_hint.len > OCF_DTLS_IDENTITY_MAX || p->verify > OCF_DTLS_VERIFY_NONE)
    return OCF_ERR_INVALID_ARG;
  /* A client of a PSK suite needs its key and identity (without the hint patch, nothing else
   * could supply them). */
  if (needs->psk && !is_server && (!p->psk.len || !p->psk_identity.len)) return OCF_ERR_INVALID_ARG;
  if (needs->ecdsa) {
    /* A server must present a chain; whoever verifies needs trust anchors. */
    if (is_server && (!p->n_chain || !p->private_key.len)) return OCF_ERR_INVALID_ARG;
    if (p->n_chain && !p->private_key.len) return OCF_ERR_INVALID_ARG;
    if (p->verify != OCF_DTLS_VERIFY_NONE && !p->n_trust_anchors) return OCF_ERR_INVALID_ARG;
  }
  return OCF_OK;
}
