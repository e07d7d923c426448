/* The device's DTLS glue: ownership transfer methods, owned sessions, the Random PIN and the
 * Owner Credential (sec_dtls.h, docs/decisions/0018-device-dtls.md). */
#include "device/sec_dtls.h"

#include <string.h>

#include "base/log.h"
#include "otm/otm.h"
#include "otm/pin.h"
#include "pki/cert.h"

#define LOG_MODULE "device"
#define PIN_BLOB "pinlimit"  /* the wrong-PIN limiter, beside the SVR blobs (ADR 0018) */
#define MFG_CERT_MAX 4096u   /* bytes of one mfg certificate we copy */
#define MFG_KEY_MAX 1024u    /* bytes of the mfg private key */
#define OWNED_ANCHORS_MAX 8u /* trust anchors of cred handed to an owned session */
#define CERT_BUF 12288u      /* DER of the identity chain and the anchors (allocated when used) */
#define CHAIN_PART 4096u     /* of CERT_BUF: the identity chain; the rest: the anchors */

struct device_dtls {
  ocf_otm_registry reg;
  void *otm_vendor;
  /* The onboarding handshake (one at a time, digest 3.6): accepted, not yet ESTABLISHED or
   * FAILED. os holds its keys (the PIN PSK) and is wiped when it ends. */
  bool otm_running;
  ocf_endpoint otm_peer;
  ocf_otm_session os;
  /* The DOC after an OTM: its key_block for the Owner Credential (digest 4.5). */
  bool has_doc_key;
  ocf_endpoint doc_peer;
  const ocf_otm *doc_otm;
  uint8_t doc_key[OCF_KEY_BLOCK_MAX];
  size_t doc_key_len;
  /* Random PIN: the PIN shown for the current oxmsel, and the wrong-PIN limiter. */
  bool has_pin;
  char pin[OCF_OTM_PIN_MAX_LEN + 1];
  size_t pin_len, pin_digits;
  ocf_otm_pin_limiter lim;
  bool lim_anchor; /* loaded from the store: the wait restarts at the first time we see */
  bool lim_damaged;
  uint8_t lim_saved[OCF_OTM_PIN_LIMITER_BYTES];
  /* Manufacturer certificate OTM: copies of the chain and key (wiped at destroy). */
  uint8_t *mfg_buf;
  size_t mfg_cap;
  ocf_bytes mfg_chain[OCF_OTM_CHAIN_MAX];
  size_t n_mfg_chain;
  ocf_bytes mfg_key;
  /* Owned sessions: the hint and the arrays a profile points at during accept/verify. */
  uint8_t hint[16];
  ocf_bytes owned_chain[OCF_SEC_CHAIN_MAX], owned_anchors[OWNED_ANCHORS_MAX];
  uint8_t *cert_buf;                  /* CERT_BUF bytes: cred's certificates as DER (PEM entries converted) */
  uint8_t owned_key[OCF_PKI_KEY_MAX]; /* the identity entry's own key as DER (wiped at destroy) */
};

/* --- configuration ------------------------------------------------------------------------- */

static void registry_of(const ocf_device_config *cfg, ocf_otm_registry *out) {
  if (cfg->otm_registry)
    *out = *cfg->otm_registry;
  else
    ocf_otm_registry_init(out);
}

bool device_dtls_config_valid(const ocf_device_config *cfg) {
  ocf_otm_registry reg;
  registry_of(cfg, &reg);
  for (size_t i = 0; i < cfg->n_otms; i++)
    if (!ocf_otm_registry_find(&reg, cfg->otms[i])) return false;
  if (cfg->n_mfg_chain > OCF_OTM_CHAIN_MAX || (cfg->n_mfg_chain && !cfg->mfg_chain)) return false;
  size_t total = cfg->mfg_key.len;
  if (total > MFG_KEY_MAX || (total && !cfg->mfg_key.ptr)) return false;
  for (size_t i = 0; i < cfg->n_mfg_chain; i++) {
    const ocf_bytes *c = &cfg->mfg_chain[i];
    if (!c->ptr || c->len == 0 || c->len > MFG_CERT_MAX) return false;
  }
  return cfg->pin_len == 0 || (cfg->pin_len >= OCF_OTM_PIN_MIN_LEN && cfg->pin_len <= OCF_OTM_PIN_MAX_LEN);
}

static ocf_err copy_mfg(ocf_device *d, device_dtls *t, const ocf_device_config *cfg) {
  size_t total = cfg->mfg_key.len;
  for (size_t i = 0; i < cfg->n_mfg_chain; i++) total += cfg->mfg_chain[i].len;
  if (total == 0) return OCF_OK;
  t->mfg_buf = d->pf.alloc(d->pf.ctx, total);
  if (!t->mfg_buf) return OCF_ERR_NO_MEMORY;
  t->mfg_cap = total;
  size_t used = 0;
  for (size_t i = 0; i < cfg->n_mfg_chain; i++) {
    memcpy(t->mfg_buf + used, cfg->mfg_chain[i].ptr, cfg->mfg_chain[i].len);
    t->mfg_chain[i] = (ocf_bytes){t->mfg_buf + used, cfg->mfg_chain[i].len};
    used += cfg->mfg_chain[i].len;
  }
  t->n_mfg_chain = cfg->n_mfg_chain;
  if (cfg->mfg_key.len) {
    memcpy(t->mfg_buf + used, cfg->mfg_key.ptr, cfg->mfg_key.len);
    t->mfg_key = (ocf_bytes){t->mfg_buf + used, cfg->mfg_key.len};
  }
  return OCF_OK;
}

/* The limiter survives restarts and RESET (pin.h): it lives in its own blob, which neither the
 * RESET entry actions nor ocf_device_wipe_store touch. A blob we cannot read fails closed. */
static void load_limiter(ocf_device *d, device_dtls *t) {
  ocf_otm_pin_limiter_init(&t->lim);
  if (!d->sec->store) return;
  size_t len = 0;
  ocf_err err = ocf_store_load(d->sec->store, PIN_BLOB, t->lim_saved, sizeof t->lim_saved, &len);
  if (err == OCF_ERR_NOT_FOUND) return;
  t->lim_anchor = true;
  t->lim_damaged = err != OCF_OK || len != sizeof t->lim_saved;
  if (t->lim_damaged)
    ocf_log(&d->pf, OCF_LOG_ERROR, LOG_MODULE, "stored PIN limiter unusable (%s): assuming wrong PINs",
            ocf_strerror(err));
}

ocf_err device_dtls_create(ocf_device *d, const ocf_device_config *cfg) {
  device_dtls *t = d->pf.alloc(d->pf.ctx, sizeof *t);
  if (!t) return OCF_ERR_NO_MEMORY;
  memset(t, 0, sizeof *t);
  d->sec->dtls = t;
  registry_of(cfg, &t->reg);
  t->otm_vendor = cfg->otm_vendor;
  t->pin_digits = cfg->pin_len;
  load_limiter(d, t);
  return copy_mfg(d, t, cfg);
}

static void wipe_doc(device_dtls *t) {
  memset(t->doc_key, 0, sizeof t->doc_key);
  t->doc_key_len = 0;
  t->has_doc_key = false;
  t->doc_otm = NULL;
}

static void wipe_pin(device_dtls *t) {
  memset(t->pin, 0, sizeof t->pin);
  t->pin_len = 0;
  t->has_pin = false;
}

void device_dtls_destroy(ocf_device *d) {
  device_dtls *t = d->sec ? d->sec->dtls : NULL;
  if (!t) return;
  if (t->mfg_buf) {
    memset(t->mfg_buf, 0, t->mfg_cap);
    d->pf.free(d->pf.ctx, t->mfg_buf);
  }
  ocf_otm_session_clear(&t->os);
  if (t->cert_buf) d->pf.free(d->pf.ctx, t->cert_buf);
  memset(t, 0, sizeof *t);
  d->pf.free(d->pf.ctx, t);
  d->sec->dtls = NULL;
}

/* --- the wrong-PIN limiter ------------------------------------------------------------------ */

static ocf_otm_pin_limiter *limiter(device_dtls *t, ocf_time_ms now) {
  if (!t->lim_anchor) return &t->lim;
  t->lim_anchor = false;
  if (t->lim_damaged || ocf_otm_pin_limiter_load(&t->lim, t->lim_saved, sizeof t->lim_saved, now) != OCF_OK) {
    /* Fail closed: as if the free attempts were used up, from now on. */
    t->lim.failures = OCF_OTM_PIN_FREE_FAILURES + 1;
    t->lim.blocked_until = now + ocf_otm_pin_backoff_ms(t->lim.failures);
  }
  return &t->lim;
}

static void save_limiter(ocf_device *d, device_dtls *t) {
  if (!d->sec->store) return;
  uint8_t b[OCF_OTM_PIN_LIMITER_BYTES];
  ocf_otm_pin_limiter_save(&t->lim, b);
  ocf_store_change c = {.name = PIN_BLOB, .data = b, .len = sizeof b};
  ocf_err err = ocf_store_save_many(d->sec->store, &c, 1);
  if (err != OCF_OK)
    ocf_log(&d->pf, OCF_LOG_ERROR, LOG_MODULE, "saving the PIN limiter failed: %s", ocf_strerror(err));
}

void device_dtls_pin_limiter(ocf_device *d, uint32_t *failures, ocf_time_ms *wait_ms) {
  device_dtls *t = d->sec->dtls;
  const ocf_otm_pin_limiter *l = limiter(t, d->now);
  *failures = l->failures;
  *wait_ms = ocf_otm_pin_limiter_wait(l, d->now);
}

void device_dtls_otm_selected(ocf_device *d, ocf_device_event *ev) {
  device_dtls *t = d->sec->dtls;
  wipe_pin(t);
  if (ev->otm != OCF_OXM_RANDOM_PIN) return;
  /* Digest 4.3: a NEW PIN on every write of oxmsel = 1. */
  if (ocf_otm_pin_generate(&d->pf, t->pin_digits, t->pin, sizeof t->pin) != OCF_OK) {
    ocf_log(&d->pf, OCF_LOG_ERROR, LOG_MODULE, "no PIN could be generated: PIN handshakes refused");
    wipe_pin(t);
    return;
  }
  t->pin_len = strlen(t->pin);
  t->has_pin = true;
  ev->pin = t->pin;
  ev->pin_wait_ms = ocf_otm_pin_limiter_wait(limiter(t, d->now), d->now);
}

void device_dtls_state_changed(ocf_device *d, uint8_t from) {
  device_dtls *t = d->sec->dtls;
  uint8_t to = d->sec->cur->pstat.dos_s;
  if (from != OCF_DOS_RFOTM || to == OCF_DOS_RFOTM) return;
  wipe_doc(t); /* the Owner Credential is only derived in RFOTM (digest 4.5) */
  wipe_pin(t);
  if (to != OCF_DOS_RFPRO) return;
  /* An onboarding completed: pin.h forgives the wrong PINs only then. */
  ocf_otm_pin_limiter *l = limiter(t, d->now);
  if (l->failures == 0) return;
  ocf_otm_pin_limiter_success(l);
  save_limiter(d, t);
}

/* --- accept ---------------------------------------------------------------------------------- */

static bool any_session(const ocf_device *d) {
  for (size_t i = 0; i < DEVICE_SEC_MAX_SESSIONS; i++)
    if (d->sec->sessions[i].used) return true;
  return false;
}

/* An accepted handshake whose session never came to be (e.g. memory ran out after accept) would
 * block onboarding for good: it is forgotten once the DTLS layer no longer knows the peer. */
static bool otm_running(ocf_device *d, device_dtls *t) {
  if (!t->otm_running) return false;
  const ocf_dtls_ctx *dtls = ocf_stack_dtls(d->stack);
  if (dtls && ocf_dtls_session_find(dtls, &t->otm_peer)) return true;
  t->otm_running = false;
  ocf_otm_session_clear(&t->os);
  return false;
}

static ocf_err refuse(const ocf_device *d, const char *why) {
  ocf_log(&d->pf, OCF_LOG_INFO, LOG_MODULE, "DTLS handshake refused: %s", why);
  return OCF_ERR_DENIED;
}

/* RFOTM (digest 3.6, 5.4): only the selected OTM, one onboarding connection at a time. */
static ocf_err accept_otm(ocf_device *d, device_dtls *t, const ocf_endpoint *peer, ocf_dtls_profile *p) {
  const sec_models *m = d->sec->cur;
  if (otm_running(d, t)) return refuse(d, "an onboarding handshake is running");
  if (any_session(d)) return refuse(d, "an onboarding connection is open");
  const ocf_otm *otm = ocf_otm_registry_find(&t->reg, m->doxm.oxmsel);
  bool offered = false;
  for (size_t i = 0; i < m->doxm.n_oxms; i++) offered = offered || m->doxm.oxms[i] == m->doxm.oxmsel;
  if (!otm || !offered) return refuse(d, "no OTM selected");
  ocf_otm_params params = {.device_uuid = m->doxm.deviceuuid,
                           .chain = t->mfg_chain,
                           .n_chain = t->n_mfg_chain,
                           .private_key = t->mfg_key,
                           .vendor = t->otm_vendor};
  if (otm->oxm == OCF_OXM_RANDOM_PIN) {
    if (!t->has_pin) return refuse(d, "no PIN shown");
    if (ocf_otm_pin_limiter_wait(limiter(t, d->now), d->now) > 0) return refuse(d, "too many wrong PINs");
    params.pin = t->pin;
    params.pin_len = t->pin_len;
  }
  ocf_err err = ocf_otm_session_init(&t->os, otm, true, &params);
  if (err != OCF_OK) {
    ocf_log(&d->pf, OCF_LOG_WARN, LOG_MODULE, "OTM %s cannot run: %s", otm->urn, ocf_strerror(err));
    return OCF_ERR_DENIED;
  }
  *p = t->os.profile;
  t->otm_running = true;
  t->otm_peer = *peer;
  return OCF_OK;
}

static bool cert_buf(const ocf_device *d, device_dtls *t) {
  if (!t->cert_buf) t->cert_buf = d->pf.alloc(d->pf.ctx, CERT_BUF);
  return t->cert_buf != NULL;
}

/* cred's trust anchors (trustca, PEM or DER) into t->owned_anchors, those for peer only when
 * given (sec_cert_anchors); returns how many. */
static size_t owned_anchors(const ocf_device *d, const sec_models *m, device_dtls *t, const ocf_uuid *peer) {
  if (!cert_buf(d, t)) return 0;
  return sec_cert_anchors(m, peer, t->cert_buf + CHAIN_PART, CERT_BUF - CHAIN_PART, t->owned_anchors,
                          OWNED_ANCHORS_MAX);
}

/* The identity certificate (credusage cert, with its key or the device's key pair) and the trust
 * anchors, or false: then the ECDSA suites are not offered. */
static bool owned_certs(const ocf_device *d, const sec_models *m, device_dtls *t, ocf_dtls_profile *p) {
  size_t n_chain = 0;
  ocf_bytes key;
  if (!cert_buf(d, t) || !sec_cert_identity(d, m, t->cert_buf, CHAIN_PART, t->owned_chain, OCF_SEC_CHAIN_MAX,
                                            &n_chain, t->owned_key, sizeof t->owned_key, &key))
    return false;
  size_t n = owned_anchors(d, m, t, NULL);
  if (!n) return false;
  p->chain = t->owned_chain;
  p->n_chain = n_chain;
  p->private_key = key;
  p->trust_anchors = t->owned_anchors;
  p->n_trust_anchors = n;
  p->verify = OCF_DTLS_VERIFY_REQUIRED; /* digest 8.2: mutual authentication outside RFOTM */
  return true;
}

/* Outside RFOTM (digest 4.1, 8): owner and pair-wise PSKs, identity certificates. */
static void accept_owned(ocf_device *d, device_dtls *t, ocf_dtls_profile *p) {
  const sec_models *m = d->sec->cur;
  ocf_dtls_profile_owned(p);
  memcpy(t->hint, m->doxm.deviceuuid.b, sizeof t->hint);
  p->psk_hint = (ocf_bytes){t->hint, sizeof t->hint}; /* IL OBTs pick their key by it */
  if (owned_certs(d, m, t, p)) return;
  p->suites[0] = OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256;
  p->n_suites = 1;
}

/* A client session to another device (digest 4.1, 8.2): the pair-wise key cred holds for the
 * peer, PSK identity = our uuid (the peer looks its key up by it), and/or the identity
 * certificate with the trust anchors (the peer's chain is checked in on_verify_cert, scoped by
 * its uuid). key receives the pair-wise key (the profile points at it and at identity). */
ocf_err device_dtls_client_profile(ocf_device *d, const ocf_uuid *peer, ocf_device_client_cred kind,
                                   ocf_dtls_profile *p, uint8_t key[OCF_DTLS_PSK_MAX], ocf_uuid *identity) {
  const sec_models *m = d->sec->cur;
  device_dtls *t = d->sec->dtls;
  ocf_dtls_profile owned;
  ocf_dtls_profile_owned(&owned);
  memset(p, 0, sizeof *p);
  bool psk = false;
  if (kind != OCF_DEVICE_CLIENT_CRED_CERT) {
    const ocf_svr_cred_entry *e = ocf_svr_cred_find_psk(&m->cred, peer);
    if (e && e->private_len > 0 && e->private_len <= OCF_DTLS_PSK_MAX) {
      memcpy(key, e->private_data, e->private_len);
      *identity = m->doxm.deviceuuid;
      p->psk = (ocf_bytes){key, e->private_len};
      p->psk_identity = (ocf_bytes){identity->b, sizeof identity->b};
      psk = true;
    }
  }
  bool cert = kind != OCF_DEVICE_CLIENT_CRED_PSK && owned_certs(d, m, t, p);
  for (size_t i = 0; i < owned.n_suites; i++) {
    bool is_psk = owned.suites[i] == OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256;
    if (is_psk ? psk : cert) p->suites[p->n_suites++] = owned.suites[i];
  }
  return p->n_suites ? OCF_OK : OCF_ERR_NOT_FOUND;
}

static ocf_err on_accept(void *user, const ocf_endpoint *peer, ocf_dtls_profile *p) {
  ocf_device *d = user;
  device_dtls *t = d->sec->dtls;
  switch (d->sec->cur->pstat.dos_s) {
  case OCF_DOS_RFOTM: return accept_otm(d, t, peer, p);
  case OCF_DOS_RFPRO:
  case OCF_DOS_RFNOP:
  case OCF_DOS_SRESET: accept_owned(d, t, p); return OCF_OK;
  default: return refuse(d, "resetting");
  }
}

/* --- credentials during the handshake -------------------------------------------------------- */

static bool is_otm_peer(const device_dtls *t, const ocf_endpoint *peer) {
  return t->otm_running && ocf_endpoint_equal(&t->otm_peer, peer);
}

static ocf_err on_psk_lookup(void *user, const ocf_endpoint *peer, const uint8_t *identity,
                             size_t identity_len, uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  ocf_device *d = user;
  device_dtls *t = d->sec->dtls;
  if (is_otm_peer(t, peer)) return ocf_otm_session_psk_lookup(&t->os, identity, identity_len, key, key_len);
  if (d->sec->cur->pstat.dos_s == OCF_DOS_RFOTM || identity_len != sizeof(ocf_uuid)) return OCF_ERR_NOT_FOUND;
  /* Digest 4.1, 8: the 16-byte identity is the client's uuid; its credtype-1 cred holds the
   * key (the Owner Credential for the OBT, pair-wise keys for other devices). */
  ocf_uuid u;
  memcpy(u.b, identity, sizeof u.b);
  const ocf_svr_cred_entry *e = ocf_svr_cred_find_psk(&d->sec->cur->cred, &u);
  if (!e || e->private_len == 0 || e->private_len > OCF_DTLS_PSK_MAX) return OCF_ERR_NOT_FOUND;
  memcpy(key, e->private_data, e->private_len);
  *key_len = e->private_len;
  return OCF_OK;
}

static ocf_err on_verify_cert(void *user, const ocf_endpoint *peer, const ocf_bytes *chain, size_t n_chain,
                              const ocf_uuid *uuid) {
  ocf_device *d = user;
  device_dtls *t = d->sec->dtls;
  if (is_otm_peer(t, peer)) return ocf_otm_session_verify_cert(&t->os, chain, n_chain, uuid);
  if (!uuid) return OCF_ERR_DENIED;                  /* an identity certificate names its uuid (digest 6.1) */
  size_t n = owned_anchors(d, d->sec->cur, t, uuid); /* digest 6.3: scoped by subjectuuid */
  if (!n) return OCF_ERR_DENIED;
  ocf_cert_report rep;
  ocf_err err =
      sec_cert_check_peer_chain(d, chain, n_chain, t->owned_anchors, n, OCF_CERT_KIND_IDENTITY, &rep);
  if (err == OCF_OK) return sec_cert_crl_check(d, t->owned_anchors, n, &chain[0]);
  if (err != OCF_OK)
    ocf_log(&d->pf, OCF_LOG_INFO, LOG_MODULE, "peer certificate refused: %s",
            ocf_cert_failure_str(rep.failures));
  return err;
}

bool device_dtls_otm_busy(const ocf_device *d) {
  const device_dtls *t = d->sec ? d->sec->dtls : NULL;
  if (!t || !t->otm_running) return false;
  const ocf_dtls_ctx *dtls = ocf_stack_dtls(d->stack);
  return dtls && ocf_dtls_session_find(dtls, &t->otm_peer); /* as otm_running() */
}

bool device_dtls_otm_auth(const ocf_device *d, const ocf_endpoint *peer, ocf_acl_auth *auth) {
  const device_dtls *t = d->sec->dtls;
  if (!t || !is_otm_peer(t, peer)) return false;
  *auth = t->os.otm && t->os.otm->oxm == OCF_OXM_RANDOM_PIN ? OCF_ACL_AUTH_PIN : OCF_ACL_AUTH_ANON_DTLS;
  return true;
}

/* --- session events -------------------------------------------------------------------------- */

static void otm_established(ocf_device *d, device_dtls *t, const ocf_dtls_event *ev) {
  t->otm_running = false;
  const ocf_otm *otm = t->os.otm;
  ocf_otm_session_clear(&t->os);
  wipe_pin(t); /* used: the next PIN handshake needs a new oxmsel and a new PIN */
  wipe_doc(t);
  if (!device_sec_over_doc(d, &ev->info->peer)) return; /* not tracked: the device closed it */
  if (ocf_dtls_session_key_block(ev->session, t->doc_key, &t->doc_key_len) != OCF_OK) {
    ocf_log(&d->pf, OCF_LOG_WARN, LOG_MODULE, "no key_block for the DOC: no Owner Credential possible");
    wipe_doc(t);
    return;
  }
  t->has_doc_key = true;
  t->doc_otm = otm;
  t->doc_peer = ev->info->peer;
  ocf_log(&d->pf, OCF_LOG_INFO, LOG_MODULE, "onboarding connection open (%s)", otm->urn);
}

/* Digest 3.6: a failed onboarding handshake returns the device to a clean RFOTM; a Random PIN
 * failure also counts against the PIN (pin.h). */
static void otm_failed(ocf_device *d, device_dtls *t, const ocf_dtls_event *ev) {
  t->otm_running = false;
  bool pin = t->os.otm && t->os.otm->oxm == OCF_OXM_RANDOM_PIN;
  ocf_log(&d->pf, OCF_LOG_INFO, LOG_MODULE, "onboarding handshake (%s) failed: %s",
          t->os.otm ? t->os.otm->urn : "?", ocf_strerror(ev->err));
  ocf_otm_session_clear(&t->os);
  wipe_pin(t);
  if (pin) {
    ocf_otm_pin_limiter_failure(limiter(t, d->now), d->now);
    save_limiter(d, t);
  }
  device_sec_otm_failed(d, d->now);
}

static void on_session(void *user, ocf_stack *stack, const ocf_dtls_event *ev) {
  ocf_device *d = user;
  device_dtls *t = d->sec->dtls;
  (void)stack;
  const ocf_endpoint *peer = &ev->info->peer;
  if (is_otm_peer(t, peer)) {
    if (ev->type == OCF_DTLS_EV_ESTABLISHED)
      otm_established(d, t, ev);
    else
      otm_failed(d, t, ev);
    return;
  }
  if (ev->type != OCF_DTLS_EV_ESTABLISHED && t->has_doc_key && ocf_endpoint_equal(&t->doc_peer, peer))
    wipe_doc(t); /* the DOC ended (device.c already reset a device still in RFOTM) */
}

void device_dtls_stack_config(ocf_stack_config *sc, ocf_stack_callbacks *cbs) {
  ocf_stack_config_default(sc);
  sc->dtls.server = true;
  sc->dtls.client = true; /* device-to-device requests (client.c) */
  memset(cbs, 0, sizeof *cbs);
  cbs->on_session = on_session;
  cbs->accept = on_accept;
  cbs->psk_lookup = on_psk_lookup;
  cbs->verify_cert = on_verify_cert;
}

/* --- the Owner Credential (digest 4.5) ------------------------------------------------------- */

static bool derive(const ocf_device *d, const device_dtls *t, const ocf_request *req, const ocf_uuid *obt,
                   uint8_t out[OCF_OTM_OWNER_PSK_LEN]) {
  const sec_models *cur = d->sec->cur;
  if (!t->has_doc_key || !ocf_endpoint_equal(&t->doc_peer, &req->peer.ep)) return false;
  /* The label comes from the current oxmsel; it is the OTM the DOC ran. */
  const ocf_otm *otm = ocf_otm_registry_find(&t->reg, cur->doxm.oxmsel);
  if (otm != t->doc_otm) return false;
  return ocf_otm_owner_psk(otm, t->doc_key, t->doc_key_len, obt, &cur->doxm.deviceuuid, out) == OCF_OK;
}

static ocf_err refuse_cred(ocf_svr_report *r, size_t i, const char *why) {
  memset(r, 0, sizeof *r);
  r->kind = OCF_SVR_E_RANGE;
  (void)i;
  memcpy(r->where, "creds", sizeof "creds");
  r->why = why;
  return OCF_ERR_RANGE;
}

/* The Owner Credential POSTed again on the same DOC (a DOTS that resends the request whose answer
 * was lost, as a new exchange: CoAP's deduplication does not cover it) derives the same key: the
 * entry then equals the one the first POST left in everything but credid, which digest 2.3
 * (IoTivity-Lite: "an identical entry is a no-op") makes a no-op, so the POST answers 2.04 without
 * a second entry. The comparison can only run after derivation: the request carries no key. */
static bool drop_if_repeated(ocf_device *d, const ocf_request *req, ocf_svr_cred *next, size_t i) {
  for (size_t k = 0; k < next->n; k++) {
    if (k == i || !ocf_svr_cred_entry_same(&next->e[k], &next->e[i])) continue;
    ocf_svr_ctx ctx = sec_ctx(d, req);
    ocf_svr_report r;
    if (ocf_svr_cred_delete_id(next, next->e[i].credid, &ctx, &r) != OCF_OK) return false;
    ocf_log(&d->pf, OCF_LOG_INFO, LOG_MODULE, "Owner Credential sent again: already held");
    return true;
  }
  return false;
}

ocf_err device_dtls_owner_creds(ocf_device *d, const ocf_request *req, sec_models *next, ocf_svr_report *r) {
  device_dtls *t = d->sec->dtls;
  const sec_models *cur = d->sec->cur;
  for (size_t i = 0; i < next->cred.n;) {
    const ocf_svr_cred_entry *e = &next->cred.e[i];
    if (e->credtype != OCF_CREDTYPE_PSK || e->private_len != 0) {
      i++;
      continue;
    }
    ocf_otm_cred_facts f = {.credtype = e->credtype,
                            .subjectuuid = e->subject,
                            .cred_rowneruuid = next->cred.rowneruuid,
                            .devowneruuid = cur->doxm.devowneruuid,
                            .doxm_rowneruuid = cur->doxm.rowneruuid,
                            .in_rfotm = cur->pstat.dos_s == OCF_DOS_RFOTM,
                            .over_doc = req->over_doc};
    if (e->subject_any || ocf_otm_owner_cred_rule(&f) != OCF_OTM_CRED_DERIVE)
      return refuse_cred(r, i, "a PSK without a key that is not the Owner Credential");
    uint8_t key[OCF_OTM_OWNER_PSK_LEN];
    bool ok = derive(d, t, req, &e->subject, key);
    ocf_err err = ok ? ocf_svr_cred_set_key(&next->cred, i, key, sizeof key) : OCF_ERR_STATE;
    memset(key, 0, sizeof key);
    if (err != OCF_OK) return refuse_cred(r, i, "the Owner Credential cannot be derived on this connection");
    if (drop_if_repeated(d, req, &next->cred, i)) continue; /* the next entry moved into place i */
    ocf_log(&d->pf, OCF_LOG_INFO, LOG_MODULE, "Owner Credential derived (%s)", t->doc_otm->urn);
    i++;
  }
  return OCF_OK;
}
