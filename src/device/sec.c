/* The device's security state: the current and candidate models, commits, the DTLS sessions it
 * knows and the identity of a request's peer (sec.h, docs/decisions/0012-device-security.md). */
#include <string.h>

#include "base/log.h"
#include "base/uuid.h"
#include "device/sec.h"
#include "device/sec_dtls.h"

#define LOG_MODULE "device"

/* Room for the store encodings of every blob at once (save_many takes them together): the
 * largest cred (16 entries with full public, private and optional data) and acl2 (32 ACEs of 16
 * resources and 4 validity periods) are below 96 KiB each; the others are small. */
#define SEC_STORE_CAP (224u * 1024u)

static void *zalloc(const ocf_platform *pf, size_t size) {
  void *p = pf->alloc(pf->ctx, size);
  if (p) memset(p, 0, size);
  return p;
}

static ocf_err take_config(device_sec *s, const ocf_device_config *cfg) {
  memcpy(s->otms, cfg->otms, cfg->n_otms * sizeof cfg->otms[0]);
  s->n_otms = cfg->n_otms;
  s->sct = cfg->sct;
  s->no_csr = cfg->no_csr;
  s->store = cfg->store;
  s->on_event = cfg->on_event;
  s->event_user = cfg->event_user;
  s->utc_now = cfg->utc_now;
  return OCF_OK;
}

/* No store, or nothing stored yet: the manufacturer defaults, with the configured identifiers. */
static ocf_err fresh_models(ocf_device *d, const ocf_device_config *cfg) {
  sec_models *m = d->sec->cur;
  ocf_err err = sec_defaults(d, m);
  if (err == OCF_OK && cfg->has_di) m->doxm.deviceuuid = cfg->di;
  m->piid = d->piid; /* from the config or random (device.c take_identity) */
  m->pi = d->pi;
  if (err == OCF_OK) err = sec_store_save(d, m, SEC_BLOB_ALL);
  return err;
}

ocf_err device_sec_create(ocf_device *d, const ocf_device_config *cfg) {
  device_sec *s = zalloc(&d->pf, sizeof *s);
  if (!s) return OCF_ERR_NO_MEMORY;
  d->sec = s;
  s->cur = zalloc(&d->pf, sizeof *s->cur);
  s->next = zalloc(&d->pf, sizeof *s->next);
  if (!s->cur || !s->next) return OCF_ERR_NO_MEMORY;
  ocf_err err = take_config(s, cfg);
  if (err == OCF_OK && s->store) {
    s->store_cap = SEC_STORE_CAP;
    s->store_buf = d->pf.alloc(d->pf.ctx, s->store_cap);
    if (!s->store_buf) return OCF_ERR_NO_MEMORY;
    err = sec_store_load(d);
    if (err == OCF_ERR_NOT_FOUND) err = fresh_models(d, cfg);
  } else if (err == OCF_OK) {
    err = fresh_models(d, cfg);
  }
  if (err == OCF_OK) err = device_dtls_create(d, cfg);
  if (err != OCF_OK) return err;
  device_sync_identity(d);
  err = device_sec_add_doxm(d);
  if (err == OCF_OK) err = device_sec_add_resources(d);
  return err;
}

static void free_roles(ocf_device *d, sec_session *ss) {
  if (ss->roles) d->pf.free(d->pf.ctx, ss->roles);
  ss->roles = NULL;
}

void device_sec_destroy(ocf_device *d) {
  device_sec *s = d->sec;
  if (!s) return;
  device_dtls_destroy(d);
  for (size_t i = 0; i < DEVICE_SEC_MAX_SESSIONS; i++) free_roles(d, &s->sessions[i]);
  /* The models hold keys: wipe them before the memory goes back (digest: secrets never linger). */
  if (s->cur) {
    memset(s->cur, 0, sizeof *s->cur);
    d->pf.free(d->pf.ctx, s->cur);
  }
  if (s->next) {
    memset(s->next, 0, sizeof *s->next);
    d->pf.free(d->pf.ctx, s->next);
  }
  if (s->store_buf) {
    memset(s->store_buf, 0, s->store_cap);
    d->pf.free(d->pf.ctx, s->store_buf);
  }
  d->pf.free(d->pf.ctx, s);
  d->sec = NULL;
}

/* --- changes --------------------------------------------------------------------------------- */

sec_models *sec_begin(ocf_device *d) {
  memcpy(d->sec->next, d->sec->cur, sizeof *d->sec->next);
  d->sec->fx_close = false;
  return d->sec->next;
}

void sec_event(ocf_device *d, const ocf_device_event *ev) {
  if (d->sec->on_event) d->sec->on_event(d->sec->event_user, d, ev);
}

/* Marks every session for closing once the answer is out (CLOSE_SESSIONS, digest 3.5). */
static void mark_sessions_closing(device_sec *s) {
  for (size_t i = 0; i < DEVICE_SEC_MAX_SESSIONS; i++)
    if (s->sessions[i].used) s->sessions[i].closing = true;
  s->close_pending = true;
}

ocf_err sec_commit(ocf_device *d, unsigned mask) {
  device_sec *s = d->sec;
  ocf_err err = sec_store_save(d, s->next, mask);
  if (err != OCF_OK) {
    ocf_log(&d->pf, OCF_LOG_ERROR, LOG_MODULE, "saving the security state failed: %s; change dropped",
            ocf_strerror(err));
    return err;
  }
  sec_models *old = s->cur;
  s->cur = s->next;
  s->next = old;
  if (s->fx_close) mark_sessions_closing(s);
  s->fx_close = false;
  device_sync_identity(d);
  if (old->pstat.dos_s != s->cur->pstat.dos_s) {
    ocf_log(&d->pf, OCF_LOG_INFO, LOG_MODULE, "onboarding state %s -> %s",
            ocf_dos_state_name(old->pstat.dos_s), ocf_dos_state_name(s->cur->pstat.dos_s));
    ocf_device_event ev = {.type = OCF_DEVICE_EV_STATE_CHANGED,
                           .state = (ocf_device_state)s->cur->pstat.dos_s};
    sec_event(d, &ev);
    device_dtls_state_changed(d, old->pstat.dos_s);
  }
  if (!ocf_uuid_equal(&old->doxm.deviceuuid, &s->cur->doxm.deviceuuid)) {
    ocf_device_event ev = {.type = OCF_DEVICE_EV_DI_CHANGED};
    sec_event(d, &ev);
  }
  return OCF_OK;
}

ocf_svr_ctx sec_ctx(const ocf_device *d, const ocf_request *req) {
  ocf_svr_ctx ctx = {
      .source = OCF_SVR_FROM_CLIENT,
      .dos = d->sec->cur->pstat.dos_s,
      .over_doc = req ? req->over_doc : false,
      .random = d->pf.random,
      .random_ctx = d->pf.ctx,
      .otm_busy = device_sec_doc_open(d) || device_dtls_otm_busy(d),
  };
  return ctx;
}

ocf_device_state ocf_device_get_state(const ocf_device *d) {
  return d ? (ocf_device_state)d->sec->cur->pstat.dos_s : OCF_DEVICE_RESET;
}

/* --- sessions -------------------------------------------------------------------------------- */

void device_sec_peer_from_info(const ocf_dtls_session_info *info, uint32_t oxmsel, sec_peer *out) {
  memset(out, 0, sizeof *out);
  out->ep = info->peer;
  switch (info->auth) {
  case OCF_DTLS_AUTH_PSK:
    /* In RFOTM a PSK session without a uuid identity is the Random PIN OTM (digest 4.3). */
    out->auth = info->has_peer_uuid || oxmsel != OCF_OXM_RANDOM_PIN ? OCF_ACL_AUTH_PSK : OCF_ACL_AUTH_PIN;
    break;
  case OCF_DTLS_AUTH_CERT: out->auth = OCF_ACL_AUTH_CERT; break;
  default: out->auth = OCF_ACL_AUTH_ANON_DTLS; break;
  }
  if (info->auth != OCF_DTLS_AUTH_NONE && info->has_peer_uuid) {
    out->has_uuid = true;
    out->uuid = info->peer_uuid;
  }
  if (info->auth == OCF_DTLS_AUTH_CERT && info->peer_key_len <= sizeof out->key) {
    memcpy(out->key, info->peer_key, info->peer_key_len);
    out->key_len = info->peer_key_len;
  }
}

/* The table index of the session with ep, or -1. */
static int session_index(const ocf_device *d, const ocf_endpoint *ep) {
  for (int i = 0; i < DEVICE_SEC_MAX_SESSIONS; i++) {
    const sec_session *ss = &d->sec->sessions[i];
    if (ss->used && ocf_endpoint_equal(&ss->peer.ep, ep)) return i;
  }
  return -1;
}

sec_session *device_sec_find_session(ocf_device *d, const ocf_endpoint *ep) {
  int i = session_index(d, ep);
  return i < 0 ? NULL : &d->sec->sessions[i];
}

const sec_session *device_sec_session_of(const ocf_device *d, const ocf_endpoint *ep) {
  int i = session_index(d, ep);
  return i < 0 ? NULL : &d->sec->sessions[i];
}

static const sec_session *find_const(const ocf_device *d, const ocf_endpoint *ep) {
  return device_sec_session_of(d, ep);
}

bool device_sec_doc_open(const ocf_device *d) {
  for (size_t i = 0; i < DEVICE_SEC_MAX_SESSIONS; i++)
    if (d->sec->sessions[i].used && d->sec->sessions[i].is_doc) return true;
  return false;
}

bool device_sec_over_doc(const ocf_device *d, const ocf_endpoint *ep) {
  if (!(ep->flags & OCF_EP_SECURE)) return false;
  const sec_session *ss = find_const(d, ep);
  return ss && ss->is_doc;
}

void device_sec_touch(ocf_device *d, const ocf_endpoint *ep, ocf_time_ms now) {
  sec_session *ss = (ep->flags & OCF_EP_SECURE) ? device_sec_find_session(d, ep) : NULL;
  if (ss) ss->last_used = now;
}

bool device_sec_idlest_session(const ocf_device *d, ocf_endpoint *out) {
  const sec_session *best = NULL;
  for (size_t i = 0; i < DEVICE_SEC_MAX_SESSIONS; i++) {
    const sec_session *ss = &d->sec->sessions[i];
    if (ss->used && !ss->is_doc && (!best || ss->last_used < best->last_used)) best = ss;
  }
  if (best) *out = best->peer.ep;
  return best != NULL;
}

ocf_err device_sec_session_established(ocf_device *d, const sec_peer *peer, ocf_time_ms now) {
  sec_session *ss = device_sec_find_session(d, &peer->ep);
  if (ss) free_roles(d, ss); /* a new handshake from the same address replaced the old session */
  for (size_t i = 0; !ss && i < DEVICE_SEC_MAX_SESSIONS; i++)
    if (!d->sec->sessions[i].used) ss = &d->sec->sessions[i];
  if (!ss) return OCF_ERR_NO_SPACE;
  memset(ss, 0, sizeof *ss);
  ss->used = true;
  ss->last_used = now;
  ss->peer = *peer;
  ss->peer.ep.flags = OCF_EP_SECURE;
  /* Digest 3.6: the DTLS session established while in RFOTM is the DOC, one at a time. */
  ss->is_doc = d->sec->cur->pstat.dos_s == OCF_DOS_RFOTM && !device_sec_doc_open(d);
  return OCF_OK;
}

void device_sec_session_closed(ocf_device *d, const ocf_endpoint *ep, ocf_time_ms now) {
  sec_session *ss = device_sec_find_session(d, ep);
  if (!ss) return;
  bool reset = ss->is_doc && !ss->closing && d->sec->cur->pstat.dos_s == OCF_DOS_RFOTM;
  free_roles(d, ss);
  memset(ss, 0, sizeof *ss);
  /* Digest 3.6: the DOC ending while still in RFOTM (an aborted OTM) resets the device, so no
   * half-provisioned SVRs stay behind. */
  if (reset) device_sec_otm_failed(d, now);
}

void device_sec_otm_failed(ocf_device *d, ocf_time_ms now) {
  if (d->sec->cur->pstat.dos_s != OCF_DOS_RFOTM) return;
  ocf_log(&d->pf, OCF_LOG_INFO, LOG_MODULE, "onboarding aborted in RFOTM: resetting");
  if (ocf_device_factory_reset(d, now) != OCF_OK)
    ocf_log(&d->pf, OCF_LOG_ERROR, LOG_MODULE, "the reset after an aborted onboarding failed");
}

void device_sec_flush_closes(ocf_device *d, ocf_time_ms now) {
  device_sec *s = d->sec;
  s->close_pending = false;
  ocf_dtls_ctx *dtls = s->secure_bypass ? NULL : ocf_stack_dtls(d->stack);
  for (size_t i = 0; i < DEVICE_SEC_MAX_SESSIONS; i++) {
    sec_session *ss = &s->sessions[i];
    if (!ss->used || !ss->closing) continue;
    ocf_endpoint ep = ss->peer.ep;
    /* With DTLS the CLOSED event comes back through device_sec_session_closed. */
    if (!dtls || ocf_stack_close(d->stack, &ep, now) != OCF_OK) {
      free_roles(d, ss);
      memset(ss, 0, sizeof *ss);
    }
  }
}

bool device_sec_identify(const ocf_device *d, const ocf_endpoint *ep, sec_peer *out) {
  memset(out, 0, sizeof *out);
  out->ep = *ep;
  out->auth = OCF_ACL_AUTH_NONE;
  if (!(ep->flags & OCF_EP_SECURE)) return true;
  const sec_session *ss = find_const(d, ep);
  /* A secure datagram reaches msg only through an established session (ADR 0013); the stack's
   * view is the authority when it runs DTLS. */
  if (!d->sec->secure_bypass && !ocf_stack_session_info(d->stack, ep)) ss = NULL;
  if (!ss) return false;
  *out = ss->peer;
  out->ep = *ep;
  return true;
}

void device_set_secure_bypass(ocf_device *d, bool on) {
  if (d && d->sec) d->sec->secure_bypass = on;
}
