/* The OTM registry, the three built-in OTMs and the Owner Credential helpers (digest §4.2-§4.5,
 * ADR 0014). */
#include "otm/otm.h"

#include <string.h>

#include "dtls/crypto.h"
#include "dtls/derive.h"
#include "dtls/profile.h"
#include "pki/cert.h"

/* --- Just Works (digest §4.2) --------------------------------------------------------------- */

/* Both sides offer only 0xFF00 (IL's OBT and device do the same): no credentials at all. */
static ocf_err jw_profile(ocf_otm_session *s, ocf_dtls_profile *p) {
  (void)s;
  return ocf_dtls_profile_otm(p, OCF_OXM_JUST_WORKS);
}

/* --- Random PIN (digest §4.1, §4.3) --------------------------------------------------------- */

static ocf_err rdp_derive(ocf_otm_session *s) {
  const ocf_otm_params *pa = &s->params;
  if (!pa->pin || !pa->pin_len || pa->pin_len > OCF_OTM_PIN_MAX) return OCF_ERR_INVALID_ARG;
  /* PPSK = PBKDF2-HMAC-SHA256(PIN, salt = raw deviceuuid, 1000, 16). */
  if (ocf_derive_pin_psk(pa->pin, pa->pin_len, &pa->device_uuid, s->psk)) return OCF_ERR_CRYPTO;
  s->psk_len = OCF_PIN_PSK_LEN;
  return OCF_OK;
}

/* The OBT sends the identity "oic.sec.doxm.rdp" and uses the PPSK it derived from the typed PIN
 * and the uuid it discovered. The key is in the profile too, so a device without a hint (or a
 * build without the hint patch) still gets the right key; the hint only gets checked. */
static ocf_err rdp_client_profile(ocf_otm_session *s, ocf_dtls_profile *p) {
  ocf_err err = rdp_derive(s);
  if (err) return err;
  err = ocf_dtls_profile_otm(p, OCF_OXM_RANDOM_PIN);
  if (err) return err;
  p->psk_identity = (ocf_bytes){(const uint8_t *)OCF_OTM_RDP_IDENTITY, OCF_OTM_RDP_IDENTITY_LEN};
  p->psk = (ocf_bytes){s->psk, s->psk_len};
  return OCF_OK;
}

/* The device sends "oic.sec.doxm.rdp:" + its uuid as hint (IL OBTs pick the key with it). */
static ocf_err rdp_server_profile(ocf_otm_session *s, ocf_dtls_profile *p) {
  ocf_err err = rdp_derive(s);
  if (err) return err;
  err = ocf_dtls_profile_otm(p, OCF_OXM_RANDOM_PIN);
  if (err) return err;
  ocf_otm_rdp_hint(&s->params.device_uuid, s->hint);
  s->hint_len = OCF_OTM_RDP_HINT_LEN;
  p->psk_hint = (ocf_bytes){s->hint, s->hint_len};
  return OCF_OK;
}

/* S003 §7.3: the DOTS identifies the device by the uuid in the hint, which must be the one it
 * discovered (and salted the PPSK with); another device's hint fails the handshake. */
static ocf_err rdp_psk_for_hint(ocf_otm_session *s, const uint8_t *hint, size_t hint_len, uint8_t *key,
                                size_t *key_len) {
  ocf_uuid u;
  if (ocf_otm_rdp_hint_parse(hint, hint_len, &u) || !ocf_uuid_equal(&u, &s->params.device_uuid))
    return OCF_ERR_DENIED;
  s->has_peer_uuid = true;
  s->peer_uuid = u;
  memcpy(key, s->psk, s->psk_len);
  *key_len = s->psk_len;
  return OCF_OK;
}

/* Digest §4.3 step 3: while oxmsel = 1 the device accepts only the identity "oic.sec.doxm.rdp". */
static ocf_err rdp_psk_lookup(ocf_otm_session *s, const uint8_t *identity, size_t identity_len, uint8_t *key,
                              size_t *key_len) {
  if (identity_len != OCF_OTM_RDP_IDENTITY_LEN || memcmp(identity, OCF_OTM_RDP_IDENTITY, identity_len))
    return OCF_ERR_DENIED;
  memcpy(key, s->psk, s->psk_len);
  *key_len = s->psk_len;
  return OCF_OK;
}

/* --- Manufacturer certificate (digest §4.4) ------------------------------------------------- */

/* The device presents its mfg chain; in RFOTM it asks no client certificate (IL). */
static ocf_err mfg_server_profile(ocf_otm_session *s, ocf_dtls_profile *p) {
  const ocf_otm_params *pa = &s->params;
  if (!pa->chain || !pa->n_chain || pa->n_chain > OCF_OTM_CHAIN_MAX || !pa->private_key.ptr ||
      !pa->private_key.len)
    return OCF_ERR_INVALID_ARG;
  ocf_err err = ocf_dtls_profile_otm(p, OCF_OXM_MFG_CERT);
  if (err) return err;
  memcpy(s->chain, pa->chain, pa->n_chain * sizeof *pa->chain);
  p->chain = s->chain;
  p->n_chain = pa->n_chain;
  p->private_key = pa->private_key;
  p->verify = OCF_DTLS_VERIFY_NONE;
  return OCF_OK;
}

/* The OBT requires the device's chain to lead to one of its mfgtrustca anchors. */
static ocf_err mfg_client_profile(ocf_otm_session *s, ocf_dtls_profile *p) {
  const ocf_otm_params *pa = &s->params;
  if (!pa->trust_anchors || !pa->n_trust_anchors || pa->n_trust_anchors > OCF_OTM_ANCHORS_MAX)
    return OCF_ERR_INVALID_ARG;
  ocf_err err = ocf_dtls_profile_otm(p, OCF_OXM_MFG_CERT);
  if (err) return err;
  memcpy(s->anchors, pa->trust_anchors, pa->n_trust_anchors * sizeof *pa->trust_anchors);
  p->trust_anchors = s->anchors;
  p->n_trust_anchors = pa->n_trust_anchors;
  p->verify = OCF_DTLS_VERIFY_REQUIRED;
  return OCF_OK;
}

/* mbedTLS checked signatures and the path (no time, no OCF profile); the OCF certificate
 * profile and the validity at the caller's time are checked here (digest §4.4). */
static ocf_err mfg_check_chain(ocf_otm_session *s, const ocf_bytes *chain, size_t n_chain,
                               const ocf_uuid *uuid) {
  (void)uuid;
  ocf_cert_report rep;
  ocf_err err = ocf_cert_check_chain(chain, n_chain, s->params.trust_anchors, s->params.n_trust_anchors,
                                     OCF_CERT_KIND_MFG, s->params.utc_now, &rep);
  s->cert_failures = rep.failures;
  if (err) return OCF_ERR_DENIED;
  s->has_peer_uuid = rep.has_uuid;
  s->peer_uuid = rep.uuid;
  return OCF_OK;
}

/* --- built-in descriptors ------------------------------------------------------------------- */

static const ocf_otm otm_jw = {.oxm = OCF_OXM_JUST_WORKS,
                               .urn = "oic.sec.doxm.jw",
                               .client_profile = jw_profile,
                               .server_profile = jw_profile};
static const ocf_otm otm_rdp = {.oxm = OCF_OXM_RANDOM_PIN,
                                .urn = "oic.sec.doxm.rdp",
                                .client_profile = rdp_client_profile,
                                .server_profile = rdp_server_profile,
                                .psk_for_hint = rdp_psk_for_hint,
                                .psk_lookup = rdp_psk_lookup};
static const ocf_otm otm_mfg = {.oxm = OCF_OXM_MFG_CERT,
                                .urn = "oic.sec.doxm.mfgcert",
                                .client_profile = mfg_client_profile,
                                .server_profile = mfg_server_profile,
                                .check_chain = mfg_check_chain};

const ocf_otm *ocf_otm_just_works(void) { return &otm_jw; }
const ocf_otm *ocf_otm_random_pin(void) { return &otm_rdp; }
const ocf_otm *ocf_otm_mfg_cert(void) { return &otm_mfg; }

/* --- registry ------------------------------------------------------------------------------- */

void ocf_otm_registry_clear(ocf_otm_registry *r) { memset(r, 0, sizeof *r); }

void ocf_otm_registry_init(ocf_otm_registry *r) {
  ocf_otm_registry_clear(r);
  r->otms[r->n++] = &otm_jw;
  r->otms[r->n++] = &otm_rdp;
  r->otms[r->n++] = &otm_mfg;
}

static bool urn_ok(const char *urn) {
  if (!urn) return false;
  size_t n = 0;
  for (; urn[n] && n <= OCF_OTM_URN_MAX; n++)
    if (urn[n] <= ' ' || urn[n] > '~') return false;
  return n && n <= OCF_OTM_URN_MAX;
}

static bool is_builtin(const ocf_otm *otm) { return otm == &otm_jw || otm == &otm_rdp || otm == &otm_mfg; }

ocf_err ocf_otm_registry_add(ocf_otm_registry *r, const ocf_otm *otm) {
  if (!r || !otm || !urn_ok(otm->urn) || !otm->client_profile || !otm->server_profile)
    return OCF_ERR_INVALID_ARG;
  /* 0..4 are the spec's numbers (base/oxm.h): only our own descriptors may claim them. */
  if (otm->oxm <= OCF_OXM_SELF && !is_builtin(otm)) return OCF_ERR_INVALID_ARG;
  for (size_t i = 0; i < r->n; i++)
    if (r->otms[i]->oxm == otm->oxm || !strcmp(r->otms[i]->urn, otm->urn)) return OCF_ERR_STATE;
  if (r->n >= OCF_OTM_REGISTRY_MAX) return OCF_ERR_NO_SPACE;
  r->otms[r->n++] = otm;
  return OCF_OK;
}

const ocf_otm *ocf_otm_registry_find(const ocf_otm_registry *r, uint32_t oxm) {
  if (!r) return NULL;
  for (size_t i = 0; i < r->n; i++)
    if (r->otms[i]->oxm == oxm) return r->otms[i];
  return NULL;
}

size_t ocf_otm_registry_oxms(const ocf_otm_registry *r, uint32_t *out, size_t cap) {
  if (!r) return 0;
  for (size_t i = 0; i < r->n && i < cap && out; i++) out[i] = r->otms[i]->oxm;
  return r->n;
}

/* --- sessions ------------------------------------------------------------------------------- */

void ocf_otm_session_clear(ocf_otm_session *s) {
  if (s) ocf_secure_zero(s, sizeof *s);
}

ocf_err ocf_otm_session_init(ocf_otm_session *s, const ocf_otm *otm, bool is_server,
                             const ocf_otm_params *params) {
  if (!s) return OCF_ERR_INVALID_ARG;
  ocf_otm_session_clear(s);
  ocf_err (*fill)(ocf_otm_session *, ocf_dtls_profile *) = !otm        ? NULL
                                                           : is_server ? otm->server_profile
                                                                       : otm->client_profile;
  if (!fill || !params) return OCF_ERR_INVALID_ARG;
  s->otm = otm;
  s->is_server = is_server;
  s->params = *params;
  ocf_err err = fill(s, &s->profile);
  ocf_dtls_profile_needs needs;
  if (!err) err = ocf_dtls_profile_check(&s->profile, is_server, &needs);
  if (err) ocf_otm_session_clear(s);
  return err;
}

ocf_err ocf_otm_session_psk_lookup(ocf_otm_session *s, const uint8_t *identity, size_t identity_len,
                                   uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  if (!s || !s->otm || !key || !key_len || (!identity && identity_len)) return OCF_ERR_INVALID_ARG;
  if (!s->is_server || !s->otm->psk_lookup) return OCF_ERR_NOT_FOUND;
  *key_len = 0;
  ocf_err err = s->otm->psk_lookup(s, identity, identity_len, key, key_len);
  if (!err && (!*key_len || *key_len > OCF_DTLS_PSK_MAX)) err = OCF_ERR_CRYPTO;
  return err;
}

ocf_err ocf_otm_session_psk_for_hint(ocf_otm_session *s, const uint8_t *hint, size_t hint_len,
                                     uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  if (!s || !s->otm || !key || !key_len || (!hint && hint_len)) return OCF_ERR_INVALID_ARG;
  if (s->is_server || !s->otm->psk_for_hint) return OCF_ERR_NOT_FOUND;
  *key_len = 0;
  ocf_err err = s->otm->psk_for_hint(s, hint, hint_len, key, key_len);
  if (!err && (!*key_len || *key_len > OCF_DTLS_PSK_MAX)) err = OCF_ERR_CRYPTO;
  return err;
}

ocf_err ocf_otm_session_verify_cert(ocf_otm_session *s, const ocf_bytes *chain, size_t n_chain,
                                    const ocf_uuid *uuid) {
  if (!s || !s->otm || !chain || !n_chain) return OCF_ERR_DENIED;
  if (!s->otm->check_chain) return OCF_OK;
  return s->otm->check_chain(s, chain, n_chain, uuid) ? OCF_ERR_DENIED : OCF_OK;
}

/* --- Owner Credential ----------------------------------------------------------------------- */

ocf_err ocf_otm_owner_psk(const ocf_otm *otm, const uint8_t *key_block, size_t key_block_len,
                          const ocf_uuid *obt_uuid, const ocf_uuid *device_uuid,
                          uint8_t out[OCF_OTM_OWNER_PSK_LEN]) {
  if (!otm || !urn_ok(otm->urn) || !key_block || !key_block_len || !obt_uuid || !device_uuid || !out)
    return OCF_ERR_INVALID_ARG;
  /* Digest §4.5: seed = OBT uuid || device uuid (raw), label = the URN without NUL. */
  uint8_t seed[32];
  memcpy(seed, obt_uuid->b, 16);
  memcpy(seed + 16, device_uuid->b, 16);
  return ocf_tls12_prf_sha256(key_block, key_block_len, otm->urn, seed, sizeof seed, out,
                              OCF_OTM_OWNER_PSK_LEN);
}

ocf_err ocf_otm_owner_psk_from_session(const ocf_otm *otm, const ocf_dtls_session *ds,
                                       const ocf_uuid *obt_uuid, const ocf_uuid *device_uuid,
                                       uint8_t out[OCF_OTM_OWNER_PSK_LEN]) {
  if (!ds) return OCF_ERR_INVALID_ARG;
  uint8_t kb[OCF_KEY_BLOCK_MAX];
  size_t kb_len = 0;
  ocf_err err = ocf_dtls_session_key_block(ds, kb, &kb_len);
  if (!err) err = ocf_otm_owner_psk(otm, kb, kb_len, obt_uuid, device_uuid, out);
  ocf_secure_zero(kb, sizeof kb);
  return err;
}

ocf_otm_cred_action ocf_otm_owner_cred_rule(const ocf_otm_cred_facts *f) {
  if (!f || f->credtype != 1 || f->privatedata_len) return OCF_OTM_CRED_ORDINARY;
  /* A keyless symmetric credential is only ever the Owner Credential being derived; outside
   * the onboarding connection in RFOTM nobody may ask for it. */
  if (!f->in_rfotm || !f->over_doc || ocf_uuid_is_nil(&f->subjectuuid)) return OCF_OTM_CRED_REJECT;
  if (ocf_uuid_equal(&f->subjectuuid, &f->devowneruuid) ||
      ocf_uuid_equal(&f->subjectuuid, &f->cred_rowneruuid) ||
      ocf_uuid_equal(&f->subjectuuid, &f->doxm_rowneruuid))
    return OCF_OTM_CRED_DERIVE;
  return OCF_OTM_CRED_REJECT;
}

/* --- Random PIN hint ------------------------------------------------------------------------ */

void ocf_otm_rdp_hint(const ocf_uuid *device_uuid, uint8_t out[OCF_OTM_RDP_HINT_LEN]) {
  memcpy(out, OCF_OTM_RDP_HINT_PREFIX, OCF_OTM_RDP_HINT_PREFIX_LEN);
  memcpy(out + OCF_OTM_RDP_HINT_PREFIX_LEN, device_uuid->b, 16);
}

ocf_err ocf_otm_rdp_hint_parse(const uint8_t *hint, size_t len, ocf_uuid *device_uuid) {
  if (!hint || !device_uuid) return OCF_ERR_MALFORMED;
  if (len == OCF_OTM_RDP_HINT_LEN && !memcmp(hint, OCF_OTM_RDP_HINT_PREFIX, OCF_OTM_RDP_HINT_PREFIX_LEN)) {
    memcpy(device_uuid->b, hint + OCF_OTM_RDP_HINT_PREFIX_LEN, 16);
    return OCF_OK;
  }
  if (len == 16) { /* S003 §7.3: older devices send only their uuid */
    memcpy(device_uuid->b, hint, 16);
    return OCF_OK;
  }
  return OCF_ERR_MALFORMED;
}
