/* The OTM client seam (otm_client.h), for Just Works and Random PIN over dtls/profile.h and
 * dtls/derive.h. */
#include <string.h>

#include "dtls/crypto.h"
#include "dtls/profile.h"
#include "obt/otm_client.h"

/* S003 §7.3, digest §4.1: the PSK identity of the PIN OTM, and the prefix of the device's hint. */
static const char rdp_identity[] = "oic.sec.doxm.rdp";
#define RDP_IDENTITY_LEN (sizeof rdp_identity - 1)

bool obt_otm_client_supported(ocf_oxm oxm) {
  switch (oxm) {
  case OCF_OXM_JUST_WORKS: return ocf_dtls_suite_available(OCF_DTLS_ECDH_ANON_AES_128_CBC_SHA256);
  case OCF_OXM_RANDOM_PIN: return ocf_dtls_suite_available(OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256);
  default: return false; /* mfgcert arrives with src/otm (manufacturer trust anchors) */
  }
}

bool obt_otm_client_needs_pin(ocf_oxm oxm) { return oxm == OCF_OXM_RANDOM_PIN; }

ocf_err obt_otm_client_prepare(obt_otm_session *s, ocf_oxm oxm, const ocf_uuid *device, const char *pin,
                               size_t pin_len) {
  if (!s || !device) return OCF_ERR_INVALID_ARG;
  memset(s, 0, sizeof *s);
  if (!obt_otm_client_supported(oxm)) return OCF_ERR_UNSUPPORTED;
  s->oxm = oxm;
  s->device = *device;
  ocf_err err = ocf_dtls_profile_otm(&s->profile, oxm);
  if (err || oxm != OCF_OXM_RANDOM_PIN) return err;
  if (!pin || pin_len == 0 || pin_len > OBT_OTM_PIN_MAX) return OCF_ERR_INVALID_ARG;
  /* Digest §4.3: the salt is the uuid the device has now (its temporary one), raw. */
  err = ocf_derive_pin_psk(pin, pin_len, device, s->psk);
  if (err) return err;
  s->profile.psk_identity = (ocf_bytes){(const uint8_t *)rdp_identity, RDP_IDENTITY_LEN};
  s->profile.psk = (ocf_bytes){s->psk, sizeof s->psk};
  return OCF_OK;
}

/* "oic.sec.doxm.rdp:" + 16 raw bytes, or the 16 bytes alone (S003 §7.3: older devices). */
static bool hint_names_device(const obt_otm_session *s, const uint8_t *hint, size_t len) {
  if (len == sizeof s->device.b) return memcmp(hint, s->device.b, len) == 0;
  if (len != RDP_IDENTITY_LEN + 1 + sizeof s->device.b) return false;
  return memcmp(hint, rdp_identity, RDP_IDENTITY_LEN) == 0 && hint[RDP_IDENTITY_LEN] == ':' &&
         memcmp(hint + RDP_IDENTITY_LEN + 1, s->device.b, sizeof s->device.b) == 0;
}

ocf_err obt_otm_client_psk_for_hint(const obt_otm_session *s, const uint8_t *hint, size_t len,
                                    uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  if (!s || !hint || !key || !key_len || s->oxm != OCF_OXM_RANDOM_PIN) return OCF_ERR_NOT_FOUND;
  if (!hint_names_device(s, hint, len)) return OCF_ERR_NOT_FOUND;
  memcpy(key, s->psk, sizeof s->psk);
  *key_len = sizeof s->psk;
  return OCF_OK;
}

bool obt_otm_client_peer_ok(const obt_otm_session *s, const ocf_dtls_session_info *info) {
  if (s->oxm != OCF_OXM_RANDOM_PIN || info->peer_id_len == 0) return true;
  return hint_names_device(s, info->peer_id, info->peer_id_len);
}

ocf_err obt_otm_client_owner_psk(const obt_otm_session *s, const uint8_t *key_block, size_t key_block_len,
                                 const ocf_uuid *obt_uuid, const ocf_uuid *device_uuid,
                                 uint8_t out[OCF_OWNER_PSK_LEN]) {
  return ocf_derive_owner_psk(key_block, key_block_len, s->oxm, obt_uuid, device_uuid, out);
}

void obt_otm_client_wipe(obt_otm_session *s) {
  if (s) ocf_secure_zero(s, sizeof *s);
}
