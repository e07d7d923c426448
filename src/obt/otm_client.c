/* The OTM client seam (otm_client.h) over src/otm: the built-in registry, client sessions, the
 * Random PIN hint and the Owner Credential derivation. */
#include <stdio.h>
#include <string.h>

#include "obt/otm_client.h"
#include "pki/cert.h"

static const ocf_otm *find(ocf_oxm oxm) {
  ocf_otm_registry r;
  ocf_otm_registry_init(&r); /* the built-ins: static descriptors, so the pointer outlives r */
  return ocf_otm_registry_find(&r, (uint32_t)oxm);
}

bool obt_otm_client_supported(ocf_oxm oxm) {
  switch (oxm) {
  case OCF_OXM_JUST_WORKS:
    return find(oxm) && ocf_dtls_suite_available(OCF_DTLS_ECDH_ANON_AES_128_CBC_SHA256);
  case OCF_OXM_RANDOM_PIN:
    return find(oxm) && ocf_dtls_suite_available(OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256);
  case OCF_OXM_MFG_CERT: return find(oxm) && ocf_dtls_suite_available(OCF_DTLS_ECDHE_ECDSA_AES_128_CCM_8);
  default: return false;
  }
}

bool obt_otm_client_needs_pin(ocf_oxm oxm) { return oxm == OCF_OXM_RANDOM_PIN; }

ocf_err obt_otm_client_prepare(obt_otm_session *s, ocf_oxm oxm, const ocf_uuid *device,
                               const obt_otm_client_args *a) {
  if (!s || !device || !a) return OCF_ERR_INVALID_ARG;
  memset(s, 0, sizeof *s);
  if (!obt_otm_client_supported(oxm)) return OCF_ERR_UNSUPPORTED;
  if (obt_otm_client_needs_pin(oxm) && (!a->pin || a->pin_len == 0 || a->pin_len > OBT_OTM_PIN_MAX))
    return OCF_ERR_INVALID_ARG;
  ocf_otm_params p = {.device_uuid = *device, .pin = a->pin, .pin_len = a->pin_len};
  if (oxm == OCF_OXM_MFG_CERT) { /* digest §4.4: the device's chain must lead to mfgtrustca */
    if (!a->anchors || !a->n_anchors || a->n_anchors > OCF_OTM_ANCHORS_MAX) return OCF_ERR_INVALID_ARG;
    p.trust_anchors = a->anchors;
    p.n_trust_anchors = a->n_anchors;
    p.utc_now = a->utc_now;
  }
  ocf_err err = ocf_otm_session_init(&s->os, find(oxm), false, &p);
  /* Digest §4.3: the PPSK is derived now; the PIN itself is not needed (nor kept) later. */
  s->os.params.pin = NULL;
  s->os.params.pin_len = 0;
  return err;
}

const ocf_dtls_profile *obt_otm_client_profile(const obt_otm_session *s) { return &s->os.profile; }

ocf_err obt_otm_client_psk_for_hint(obt_otm_session *s, const uint8_t *hint, size_t len,
                                    uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  if (!s || !s->os.otm) return OCF_ERR_NOT_FOUND;
  return ocf_otm_session_psk_for_hint(&s->os, hint, len, key, key_len);
}

ocf_err obt_otm_client_verify_cert(obt_otm_session *s, const ocf_bytes *chain, size_t n_chain,
                                   const ocf_uuid *uuid) {
  if (!s || !s->os.otm) return OCF_ERR_DENIED;
  s->cert_checked = true;
  return ocf_otm_session_verify_cert(&s->os, chain, n_chain, uuid);
}

void obt_otm_client_cert_problem(const obt_otm_session *s, char *out, size_t cap) {
  if (!s->cert_checked)
    snprintf(out, cap,
             "the device's manufacturer certificate chain does not lead to a trust anchor of the domain "
             "(untrusted chain, or a bad signature)");
  else if (s->os.cert_failures)
    snprintf(out, cap, "the device's manufacturer certificate was refused: %s (OCF certificate profile)",
             ocf_cert_failure_str(s->os.cert_failures));
  else
    snprintf(out, cap, "the device's manufacturer certificate was accepted, then the handshake failed");
}

bool obt_otm_client_cert_uuid(const obt_otm_session *s, ocf_uuid *out) {
  if (!s->os.has_peer_uuid) return false;
  *out = s->os.peer_uuid;
  return true;
}

bool obt_otm_client_peer_ok(const obt_otm_session *s, const ocf_dtls_session_info *info) {
  if (!s->os.otm || s->os.otm->oxm != OCF_OXM_RANDOM_PIN || info->peer_id_len == 0) return true;
  ocf_uuid u;
  return ocf_otm_rdp_hint_parse(info->peer_id, info->peer_id_len, &u) == OCF_OK &&
         ocf_uuid_equal(&u, &s->os.params.device_uuid);
}

ocf_err obt_otm_client_owner_psk(const obt_otm_session *s, const uint8_t *key_block, size_t key_block_len,
                                 const ocf_uuid *obt_uuid, const ocf_uuid *device_uuid,
                                 uint8_t out[OCF_OWNER_PSK_LEN]) {
  if (!s->os.otm) return OCF_ERR_INVALID_ARG;
  return ocf_otm_owner_psk(s->os.otm, key_block, key_block_len, obt_uuid, device_uuid, out);
}

void obt_otm_client_wipe(obt_otm_session *s) {
  if (s) ocf_otm_session_clear(&s->os);
}
