/* The DOTS engine's jobs (<ocf/ocf_obt_onboard.h>, ADR 0016): one job per device walks the step
 * table of onboard_steps.c (the device to claim: onboard_device.c; the OTM choice: otm_policy.c;
 * retries: onboard_retry.c); this file schedules jobs (a jobs limit and a handshake cap), records
 * every step in the domain store before and after it runs, reports events, enforces the step
 * deadlines from the caller's clock, and rolls a failed job back. */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "dtls/crypto.h"
#include "obt/onboard_internal.h"

#define LOG_MODULE "obt"

/* --- events and the store ------------------------------------------------------------------- */

ocf_obt_wall_ms obt_onboard_wall(const ocf_obt *obt) {
  const ocf_obt_onboard_params *p = &obt->onb->params;
  return p->wall_now(p->user);
}

static void emit(ocf_obt *obt, obt_job *j, ocf_obt_onboard_event_type type, ocf_time_ms now) {
  obt_onboarding *o = obt->onb;
  ocf_obt_onboard_event ev = {.type = type,
                              .job = j->index,
                              .device = &j->dev,
                              .uuid = j->uuid,
                              .otm = j->otm,
                              .requests = j->requests,
                              .now = now};
  const obt_step *st = obt_step_at(j->step);
  if (type == OCF_OBT_EV_STEP && st) ev.step = st->name;
  if (type == OCF_OBT_EV_FAILED) ev.failure = &j->failure;
  o->params.on_event(o->params.user, &ev);
}

void obt_job_emit_step(ocf_obt *obt, obt_job *j, ocf_time_ms now) { emit(obt, j, OCF_OBT_EV_STEP, now); }

static void audit(ocf_obt *obt, const obt_job *j, const char *action, const char *what) {
  char uuid[OCF_UUID_STR_LEN], detail[OCF_OBT_AUDIT_DETAIL_MAX + 1];
  ocf_uuid_format(&j->uuid, uuid);
  snprintf(detail, sizeof detail, "%s %s otm %s requests %u", uuid, what, ocf_obt_otm_name(j->otm),
           (unsigned)j->requests);
  if (ocf_obt_store_audit_append(obt->onb->params.store, obt_onboard_wall(obt), "obt", action, detail) !=
      OCF_OK)
    ocf_log(&obt->pf, OCF_LOG_WARN, LOG_MODULE, "onboard: audit entry not written");
}

/* Ends the open step row (if any) and begins the next one (name NULL: none) in one transaction,
 * committed before the next request goes out. */
ocf_err obt_job_store_step(ocf_obt *obt, obt_job *j, ocf_obt_step_status status, uint16_t code,
                           const char *diag, const char *next) {
  ocf_obt_store *s = obt->onb->params.store;
  ocf_obt_wall_ms t = obt_onboard_wall(obt);
  ocf_err err = ocf_obt_store_begin(s);
  if (err) return err;
  if (j->step_open) err = ocf_obt_store_step_end(s, j->step_id, status, j->step_requests, code, diag, t);
  j->step_open = false;
  if (!err && next) err = ocf_obt_store_step_begin(s, &j->uuid, next, t, &j->step_id);
  if (!err) err = ocf_obt_store_commit(s);
  if (err) {
    ocf_obt_store_rollback(s);
    return err;
  }
  j->step_open = next != NULL;
  j->step_requests = 0;
  return OCF_OK;
}

static void device_record(const obt_job *j, ocf_obt_device_state state, ocf_obt_device_record *r) {
  memset(r, 0, sizeof *r);
  r->uuid = j->uuid;
  memcpy(r->name, j->dev.name, sizeof j->dev.name);
  memcpy(r->type, j->dev.type, sizeof j->dev.type);
  r->state = state;
  char a[OCF_ENDPOINT_STR_MAX], b[OCF_ENDPOINT_STR_MAX];
  if (ocf_endpoint_format(&j->dev.coap, a, sizeof a) != OCF_OK) a[0] = '\0';
  if (ocf_endpoint_format(&j->dev.coaps, b, sizeof b) != OCF_OK) b[0] = '\0';
  snprintf(r->endpoints, sizeof r->endpoints, "%s %s", a, b);
  for (char *c = r->name; *c; c++) /* the store refuses control characters */
    if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
  for (char *c = r->type; *c; c++)
    if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
}

/* Forgets a request of ours (its callback will not run). Not pending any more is fine. */
static void cancel_request(ocf_obt *obt, uint32_t id) {
  if (ocf_msg_cancel(obt->msg, id) != OCF_OK) return;
}

/* --- ending a job --------------------------------------------------------------------------- */

static void wipe(obt_job *j) {
  obt_otm_client_wipe(&j->otm_s);
  ocf_secure_zero(j->key_block, sizeof j->key_block);
  ocf_secure_zero(j->pin, sizeof j->pin);
  j->key_block_len = j->pin_len = 0;
}

static void job_done(ocf_obt *obt, obt_job *j) {
  j->state = JOB_DONE;
  j->deadline = OCF_TIME_NEVER;
  wipe(j);
  obt->onb->n_done++;
}

void obt_job_close_doc(ocf_obt *obt, obt_job *j, ocf_time_ms now) {
  if (!j->doc_open && j->state != JOB_WAIT_HANDSHAKE) return;
  j->closing = true; /* the CLOSED / FAILED event this causes is ours */
  (void)ocf_stack_close(obt->stack, &j->dev.coaps, now);
  j->doc_open = false;
}

static void finish_owned(ocf_obt *obt, obt_job *j, ocf_time_ms now) {
  ocf_obt_store *s = obt->onb->params.store;
  ocf_obt_device_record r;
  device_record(j, OCF_OBT_DEVICE_OWNED, &r);
  ocf_err err = ocf_obt_store_begin(s);
  if (!err && j->step_open)
    err = ocf_obt_store_step_end(s, j->step_id, OCF_OBT_STEP_DONE, 0, 0, NULL, obt_onboard_wall(obt));
  if (!err) err = ocf_obt_store_device_put(s, &r, obt_onboard_wall(obt));
  if (!err) err = ocf_obt_store_commit(s);
  if (err) {
    ocf_obt_store_rollback(s);
    obt_job_fail(obt, j, err, 0, "the store could not record the device as owned", "check the store file",
                 now);
    return;
  }
  j->step_open = false;
  audit(obt, j, "onboard", "owned");
  obt->onb->n_owned++;
  obt->onb->stats.owned++;
  job_done(obt, j);
  emit(obt, j, OCF_OBT_EV_OWNED, now);
}

/* The end of a failed job (after its rollback, if any). The store never calls a device owned
 * without its owner credential, nor drops the credential of a device that may have committed it
 * (issue 5 item 5): when the owner credential went out unrefused and the device did not
 * acknowledge the reset, the credential stays and the device stays "onboarding". */
static void record_failure(ocf_obt *obt, obt_job *j) {
  ocf_obt_store *s = obt->onb->params.store;
  ocf_obt_device_record r;
  device_record(j, j->failure.uncertain ? OCF_OBT_DEVICE_ONBOARDING : OCF_OBT_DEVICE_FAILED, &r);
  ocf_err err = ocf_obt_store_begin(s);
  if (!err && !j->failure.uncertain) err = ocf_obt_store_secret_remove(s, &j->uuid, OBT_OWNER_PSK_SECRET);
  if (!err) err = ocf_obt_store_device_put(s, &r, obt_onboard_wall(obt));
  if (!err) err = ocf_obt_store_commit(s);
  if (err) {
    ocf_obt_store_rollback(s);
    ocf_log(&obt->pf, OCF_LOG_WARN, LOG_MODULE, "onboard: the store could not record a failure: %s",
            ocf_strerror(err));
  }
}

static void finish_failed(ocf_obt *obt, obt_job *j, ocf_time_ms now) {
  obt_job_close_doc(obt, j, now);
  j->failure.uncertain = j->cred_sent && !j->reset_acked;
  if (!j->hands_off) record_failure(obt, j); /* an owned record and its credential stay as they are */
  if (j->failure.uncertain)
    j->failure.advice = "the device may hold the owner credential (kept in the store): run obt recover once "
                        "it is reachable, then onboard it again";
  audit(obt, j, "onboard", j->failure.uncertain ? "interrupted" : "failed");
  obt->onb->n_failed++;
  obt->onb->stats.failed++;
  job_done(obt, j);
  emit(obt, j, OCF_OBT_EV_FAILED, now);
}

static void on_rollback_response(void *user, ocf_msg *m, const ocf_msg_event *ev);

/* Digest §3.6: an OBT that aborts asks the device for RESET over the DOC (PL does), besides
 * closing it (on which IoTivity-Lite devices reset by themselves). */
static bool start_rollback(ocf_obt *obt, obt_job *j, ocf_time_ms now) {
  static const uint8_t reset_body[] = {0xa1, 0x63, 'd', 'o', 's',
                                       0xa1, 0x61, 's', 0x00}; /* {"dos":{"s":0}} */
  ocf_coap_msg req;
  uint8_t scratch[32];
  ocf_msg_request_params p = {.to = &j->dev.coaps, .n_to = 1, .cb = on_rollback_response, .user = j};
  ocf_err err = obt_build_request(OCF_COAP_POST, "/oic/sec/pstat", reset_body, sizeof reset_body, &req,
                                  scratch, sizeof scratch);
  if (!err) err = ocf_stack_request(obt->stack, &p, &req, now, &j->request_id);
  if (err) return false;
  obt_job_request_out(obt, j, JOB_ROLLBACK, now);
  return true;
}

void obt_job_request_out(ocf_obt *obt, obt_job *j, obt_job_state state, ocf_time_ms now) {
  j->request_open = true;
  j->requests++;
  obt->onb->stats.requests++;
  j->state = state;
  j->deadline = now + obt->cfg.step_timeout_ms;
}

static void copy_printable(char *out, size_t cap, const char *in) {
  size_t n = 0;
  for (; in && in[n] && n + 1 < cap; n++)
    out[n] = ((unsigned char)in[n] < 0x20 || in[n] == 0x7f) ? '?' : in[n];
  out[n] = '\0';
}

void obt_job_fail(ocf_obt *obt, obt_job *j, ocf_err err, uint16_t code, const char *diag, const char *advice,
                  ocf_time_ms now) {
  if (j->failed || j->state == JOB_DONE) return;
  const obt_step *st = obt_step_at(j->step);
  j->failed = true;
  j->failure.step = st ? st->name : "?";
  j->failure.err = err;
  j->failure.code = code;
  j->failure.advice = advice ? advice : "";
  if (st && st->kind == STEP_HANDSHAKE)
    snprintf(j->failure.request, sizeof j->failure.request, "DTLS handshake");
  else if (st && st->href)
    snprintf(j->failure.request, sizeof j->failure.request, "%s %s",
             st->method == OCF_COAP_GET ? "GET" : "POST", st->href);
  if (!j->failure.diagnostic[0]) copy_printable(j->failure.diagnostic, sizeof j->failure.diagnostic, diag);
  if (j->step_open &&
      obt_job_store_step(obt, j, OCF_OBT_STEP_FAILED, code, j->failure.diagnostic, NULL) != OCF_OK)
    ocf_log(&obt->pf, OCF_LOG_WARN, LOG_MODULE, "onboard: the store could not record a failed step");
  if (j->request_open) cancel_request(obt, j->request_id);
  j->request_open = false;
  ocf_log(&obt->pf, OCF_LOG_INFO, LOG_MODULE, "onboard: job %zu failed at %s: %s", j->index, j->failure.step,
          j->failure.diagnostic);
  j->retries = 0; /* the rollback's reset counts its own */
  if (j->doc_open && start_rollback(obt, j, now)) return;
  finish_failed(obt, j, now);
}

static void on_rollback_response(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  (void)m;
  obt_job *j = user;
  if (!ev->final || j->state != JOB_ROLLBACK || !j->request_open || ev->request_id != j->request_id) return;
  j->request_open = false;
  j->reset_acked = ev->type == OCF_MSG_EV_RESPONSE && OCF_COAP_CODE_CLASS(ev->response->code) == 2;
  j->state = JOB_READY; /* finished by the pump, outside msg's callback */
}

/* --- running steps -------------------------------------------------------------------------- */

static void advance(ocf_obt *obt, obt_job *j, uint16_t code, const char *diag, ocf_time_ms now) {
  j->step = obt_step_next(obt, j, j->step + 1);
  j->retries = 0;
  const obt_step *next = obt_step_at(j->step);
  if (obt_job_store_step(obt, j, OCF_OBT_STEP_DONE, code, diag,
                         next && next->kind != STEP_CLOSE ? next->name : NULL)) {
    obt_job_fail(obt, j, OCF_ERR_IO, 0, "the store could not record the step", "check the store file", now);
    return;
  }
  j->state = JOB_READY;
  if (next && next->kind != STEP_CLOSE) emit(obt, j, OCF_OBT_EV_STEP, now);
}

/* The diagnostic payload of an error response (RFC 7252 5.5.2: UTF-8 text), made printable. */
static void take_diagnostic(obt_job *j, const ocf_coap_msg *rsp) {
  char *out = j->failure.diagnostic;
  size_t cap = sizeof j->failure.diagnostic, n = 0;
  for (size_t i = 0; i < rsp->payload_len && n + 1 < cap; i++) {
    uint8_t c = rsp->payload[i];
    out[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
  }
  out[n] = '\0';
}

static void on_step_response(ocf_obt *obt, obt_job *j, const ocf_coap_msg *rsp, ocf_time_ms now) {
  const obt_step *st = obt_step_at(j->step);
  uint16_t code = (uint16_t)(OCF_COAP_CODE_CLASS(rsp->code) * 100 + OCF_COAP_CODE_DETAIL(rsp->code));
  bool ok = st->method == OCF_COAP_GET ? rsp->code == OCF_COAP_CONTENT
                                       /* pitfall 11: IL answers 2.04, schemas say 2.01, PL accepts 2.03 */
                                       : (rsp->code == OCF_COAP_CHANGED || rsp->code == OCF_COAP_CREATED ||
                                          rsp->code == OCF_COAP_VALID);
  if (!ok && st->missing_ok && rsp->code == OCF_COAP_NOT_FOUND) {
    advance(obt, j, code, "the device has no such resource: skipped", now);
    return;
  }
  if (!ok && j->rehs && obt_retry_refused(obt, j, now)) return; /* busy with the abandoned handshake */
  if (!ok && st->split_ok && OCF_COAP_CODE_CLASS(rsp->code) == 4) {
    /* A combined UPDATE refused: its parts follow, one request each (onboard_steps.c). Refused
     * when sent again (cfg.step_retries), the first copy may have taken with its answer lost:
     * the device is read back first (RFPRO refuses a rowneruuid write, so the resend of a
     * "rfpro" that took is refused). */
    char note[64];
    bool check = j->retries > 0 && obt_step_has_check(j->step);
    snprintf(note, sizeof note,
             check ? "refused (%u) when sent again: read back" : "refused (%u): sent in parts",
             (unsigned)code);
    j->split = !check;
    j->check = check;
    advance(obt, j, code, note, now);
    return;
  }
  if (!ok) {
    if (st->owner_cred) j->cred_sent = false; /* refused: the device holds no owner credential */
    take_diagnostic(j, rsp);
    if (!j->failure.diagnostic[0]) snprintf(j->failure.diagnostic, sizeof j->failure.diagnostic, "(none)");
    obt_job_fail(obt, j, OCF_ERR_DENIED, code, NULL, st->advice, now);
    return;
  }
  const char *diag = "";
  ocf_err err = st->take ? st->take(obt, j, rsp, &diag) : OCF_OK;
  if (err) {
    obt_job_fail(obt, j, err, code, diag, st->advice, now);
    return;
  }
  /* The store has no OTM column: the OTM chosen goes with the oxmsel step ("otm jw"), where
   * obt show finds it. */
  char note[16] = "";
  if (strcmp(st->name, "oxmsel") == 0 && j->otm != OCF_OBT_OTM_NONE)
    snprintf(note, sizeof note, "otm %s", ocf_obt_otm_name(j->otm));
  advance(obt, j, code, note[0] ? note : NULL, now);
}

static void on_response(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  (void)m;
  obt_job *j = user;
  if (!ev->final || !j->request_open || ev->request_id != j->request_id || j->state != JOB_WAIT_RESPONSE)
    return;
  j->request_open = false;
  ocf_obt *obt = j->owner;
  if (ev->type == OCF_MSG_EV_RESPONSE) {
    on_step_response(obt, j, ev->response, obt->now);
    return;
  }
  if (ev->type == OCF_MSG_EV_FAILED && ev->err == OCF_ERR_RESET) { /* the session ended */
    j->doc_open = false;
    if (obt_retry_doc_lost(obt, j, obt->now)) return;
  }
  if (ev->type == OCF_MSG_EV_TIMEOUT && obt_retry_step(obt, j)) return;
  obt_job_fail(obt, j, ev->err ? ev->err : OCF_ERR_TIMEOUT, 0,
               ev->type == OCF_MSG_EV_TIMEOUT ? "no answer (CoAP retransmissions exhausted)"
               : ev->type == OCF_MSG_EV_RESET ? "the device answered with a CoAP reset"
                                              : "the request failed (the session ended?)",
               "check the device is up and reachable, then onboard it again", obt->now);
}

static void send_step(ocf_obt *obt, obt_job *j, const obt_step *st, ocf_time_ms now) {
  if (st->prepare && !j->resend) { /* a resend carries the same values (D2 above all) */
    ocf_err err = st->prepare(obt, j);
    if (err) {
      obt_job_fail(obt, j, err, 0, "could not prepare the request (random source or store)",
                   "check the store", now);
      return;
    }
  }
  uint8_t body[OBT_PAYLOAD_MAX], scratch[32];
  size_t len = 0;
  if (st->build) {
    ocf_rep_enc e;
    ocf_rep_enc_init(&e, body, sizeof body);
    st->build(obt, j, &e);
    if (ocf_rep_enc_finish(&e, &len) != OCF_OK) len = SIZE_MAX;
  }
  ocf_coap_msg req;
  ocf_msg_request_params p = {
      .to = st->secure ? &j->dev.coaps : &j->dev.coap, .n_to = 1, .cb = on_response, .user = j};
  ocf_err err = len == SIZE_MAX ? OCF_ERR_NO_SPACE
                                : obt_build_request(st->method, st->href, st->build ? body : NULL, len, &req,
                                                    scratch, sizeof scratch);
  if (!err)
    err = st->secure ? ocf_stack_request(obt->stack, &p, &req, now, &j->request_id)
                     : ocf_msg_request(obt->msg, &p, &req, now, &j->request_id);
  if (err == OCF_ERR_BUSY) return; /* msg's exchanges are all in use: the next pump retries */
  if (err) {
    obt_job_fail(obt, j, err, 0, "the request could not be sent", "see the log (-v)", now);
    return;
  }
  if (st->owner_cred) j->cred_sent = true;
  j->resend = false;
  j->step_requests++;
  obt_job_request_out(obt, j, JOB_WAIT_RESPONSE, now);
}

/* Step 5: the onboarding session, once the handshake cap allows (and, for Random PIN, once the
 * user gave the PIN the device shows). */
static void start_handshake(ocf_obt *obt, obt_job *j, ocf_time_ms now) {
  const obt_onboarding *o = obt->onb;
  /* Digest §4.4: the device's mfg chain is checked at the caller's wall clock (the TLS library
   * has none), the one the store's timestamps come from. */
  obt_otm_client_args a = {.pin = j->pin,
                           .pin_len = j->pin_len,
                           .anchors = o->anchors,
                           .n_anchors = o->n_anchors,
                           .utc_now = obt_onboard_wall(obt) / 1000};
  ocf_err err = obt_otm_client_prepare(&j->otm_s, (ocf_oxm)j->otm, &j->uuid, &a);
  ocf_secure_zero(j->pin, sizeof j->pin);
  if (err) {
    obt_job_fail(obt, j, err, 0, "the OTM's session could not be prepared", "", now);
    return;
  }
  err = ocf_stack_connect(obt->stack, &j->dev.coaps, obt_otm_client_profile(&j->otm_s), now);
  if (err == OCF_ERR_BUSY) return; /* the DTLS context's caps: retried on the next pump */
  if (err) {
    obt_job_fail(obt, j, err, 0, "the DTLS handshake could not start",
                 err == OCF_ERR_STATE ? "a session with this address exists already: retry later" : "", now);
    return;
  }
  obt->onb->stats.handshakes++;
  j->closing = false;
  j->state = JOB_WAIT_HANDSHAKE;
  j->deadline = now + obt->cfg.step_timeout_ms;
}

static obt_job *job_by_peer(ocf_obt *obt, const ocf_endpoint *peer) {
  obt_onboarding *o = obt->onb;
  for (size_t i = 0; o && i < o->n_jobs; i++) {
    obt_job *j = &o->jobs[i];
    if (j->state != JOB_DONE && (j->state == JOB_WAIT_HANDSHAKE || j->doc_open) &&
        ocf_endpoint_equal(&j->dev.coaps, peer))
      return j;
  }
  return NULL;
}

static const char advice_handshake[] =
    "the handshake failed: for Random PIN check the PIN the device shows; the device resets itself after a "
    "failed handshake (digest 3.6), so rediscover it and onboard it again";

/* Digest §4.4: a refused manufacturer chain names the certificate problem (ocf_cert_failure_str
 * of the profile check, or an untrusted chain when the TLS library refused it first). */
static void fail_mfg_handshake(ocf_obt *obt, obt_job *j, ocf_err err) {
  char diag[OCF_OBT_DIAG_MAX + 1];
  obt_otm_client_cert_problem(&j->otm_s, diag, sizeof diag);
  obt_job_fail(obt, j, err ? err : OCF_ERR_DENIED, 0, diag,
               "the device is not one the domain's manufacturers vouch for: check obt trust list (or add its "
               "manufacturer's CA with obt trust add --mfg) and the certificate's validity",
               obt->now);
}

/* The leaf CN of a manufacturer certificate may name a uuid (digest §4.4: optional for mfg
 * certificates, IL uses "*" when absent). The mfg profile does not bind it to doxm.deviceuuid,
 * which a device may redraw at every reset, so a different uuid is logged, not refused. */
static void note_cert_uuid(ocf_obt *obt, const obt_job *j) {
  ocf_uuid cn;
  if (j->otm != OCF_OBT_OTM_MFG_CERT || !obt_otm_client_cert_uuid(&j->otm_s, &cn) ||
      ocf_uuid_equal(&cn, &j->uuid))
    return;
  char a[OCF_UUID_STR_LEN], b[OCF_UUID_STR_LEN];
  ocf_uuid_format(&cn, a);
  ocf_uuid_format(&j->uuid, b);
  ocf_log(&obt->pf, OCF_LOG_INFO, LOG_MODULE, "onboard: %s: its manufacturer certificate names uuid %s", b,
          a);
}

ocf_err obt_onboard_verify_cert(ocf_obt *obt, const ocf_endpoint *peer, const ocf_bytes *chain,
                                size_t n_chain, const ocf_uuid *uuid) {
  obt_job *j = job_by_peer(obt, peer);
  if (!j || j->state != JOB_WAIT_HANDSHAKE) return OCF_ERR_DENIED;
  return obt_otm_client_verify_cert(&j->otm_s, chain, n_chain, uuid);
}

static void on_established(ocf_obt *obt, obt_job *j, const ocf_dtls_event *ev) {
  ocf_time_ms now = obt->now;
  if (!obt_otm_client_peer_ok(&j->otm_s, ev->info)) {
    j->doc_open = true; /* closed by the failure below, without a rollback: it is not our device */
    j->state = JOB_WAIT_RESPONSE;
    obt_job_close_doc(obt, j, now);
    obt_job_fail(obt, j, OCF_ERR_DENIED, 0, "the device's PSK identity hint names another device", "", now);
    return;
  }
  note_cert_uuid(obt, j);
  /* Digest §4.5: the key_block of the DOC, for the Owner Credential (derived at step 10). */
  ocf_err err = ocf_dtls_session_key_block(ev->session, j->key_block, &j->key_block_len);
  j->doc_open = true;
  j->rehs = false;
  if (err) {
    obt_job_fail(obt, j, err, 0, "the session's key_block is not available", "", now);
    return;
  }
  advance(obt, j, 0, NULL, now);
}

void obt_onboard_on_session(ocf_obt *obt, const ocf_dtls_event *ev) {
  obt_job *j = job_by_peer(obt, &ev->info->peer);
  if (!j) return;
  if (ev->type == OCF_DTLS_EV_ESTABLISHED && j->state == JOB_WAIT_HANDSHAKE && j->kick) {
    obt_job_close_doc(obt, j, obt->now);         /* a kick is never used: closed, the device resets (3.6) */
    (void)obt_retry_handshake(obt, j, obt->now); /* a kick's end always goes on */
    return;
  }
  if (ev->type == OCF_DTLS_EV_ESTABLISHED) {
    if (j->state == JOB_WAIT_HANDSHAKE) on_established(obt, j, ev);
    return;
  }
  bool ours = j->closing;
  j->doc_open = false;
  if (ours) return;
  /* A final event we did not cause: the handshake failed, or the DOC ended under a job. A kick's
   * end, or a handshake that got no answer, may go on with a retry (onboard_retry.c). */
  if (j->state == JOB_WAIT_HANDSHAKE && (j->kick || ev->err == OCF_ERR_TIMEOUT) &&
      obt_retry_handshake(obt, j, obt->now))
    return;
  if (j->state == JOB_WAIT_HANDSHAKE && j->otm == OCF_OBT_OTM_MFG_CERT && ev->err != OCF_ERR_TIMEOUT)
    fail_mfg_handshake(obt, j, ev->err);
  else if (j->state == JOB_WAIT_HANDSHAKE)
    obt_job_fail(obt, j, ev->err ? ev->err : OCF_ERR_CRYPTO, 0,
                 ev->err == OCF_ERR_TIMEOUT ? "the device did not complete the DTLS handshake"
                                            : "the DTLS handshake failed (wrong PIN, or the device refused)",
                 advice_handshake, obt->now);
  else if (j->state == JOB_ROLLBACK)
    j->state = JOB_READY; /* no answer to the reset will come */
  else if (!obt_retry_doc_lost(obt, j, obt->now))
    obt_job_fail(obt, j, OCF_ERR_RESET, 0, "the device closed the DTLS session", "", obt->now);
}

ocf_err obt_onboard_psk_for_hint(ocf_obt *obt, const ocf_endpoint *peer, const uint8_t *hint, size_t hint_len,
                                 uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  obt_job *j = job_by_peer(obt, peer);
  if (!j || j->state != JOB_WAIT_HANDSHAKE) return OCF_ERR_NOT_FOUND;
  return obt_otm_client_psk_for_hint(&j->otm_s, hint, hint_len, key, key_len);
}

/* --- scheduling ----------------------------------------------------------------------------- */

/* A job begins: the device is recorded as onboarding (never one the store calls owned). */
static void start_job(ocf_obt *obt, obt_job *j, ocf_time_ms now) {
  ocf_obt_store *s = obt->onb->params.store;
  ocf_obt_device_record old, r;
  if (ocf_obt_store_device_get(s, &j->uuid, &old) == OCF_OK && old.state == OCF_OBT_DEVICE_OWNED) {
    j->hands_off = true;
    obt_job_fail(obt, j, OCF_ERR_STATE, 0, "the store already holds this device as owned: not touched",
                 "reset it first (or forget it) to onboard it again", now);
    return;
  }
  device_record(j, OCF_OBT_DEVICE_ONBOARDING, &r);
  ocf_err err = ocf_obt_store_device_put(s, &r, obt_onboard_wall(obt));
  j->step = obt_step_next(obt, j, 0);
  if (!err) err = obt_job_store_step(obt, j, OCF_OBT_STEP_DONE, 0, NULL, obt_step_at(j->step)->name);
  if (err) {
    obt_job_fail(obt, j, err, 0, "the store could not record the device", "check the store file", now);
    return;
  }
  audit(obt, j, "onboard", "begin");
  j->state = JOB_READY;
  emit(obt, j, OCF_OBT_EV_STEP, now);
}

static void run_ready(ocf_obt *obt, obt_job *j, size_t *handshakes, ocf_time_ms now) {
  if (j->failed) {
    finish_failed(obt, j, now); /* the rollback ended */
    return;
  }
  const obt_step *st = obt_step_at(j->step);
  if (j->refind || j->kick_due) {
    obt_retry_run(obt, j, handshakes, now);
  } else if (st->kind == STEP_REQUEST) {
    send_step(obt, j, st, now);
  } else if (st->kind == STEP_CLOSE) {
    obt_job_close_doc(obt, j, now);
    finish_owned(obt, j, now);
  } else if (obt_otm_client_needs_pin((ocf_oxm)j->otm) && !j->pin_given) {
    j->state = JOB_WAIT_PIN; /* digest §4.3: the device shows its PIN after the oxmsel write */
    emit(obt, j, OCF_OBT_EV_PIN_NEEDED, now);
  } else if (*handshakes < obt->cfg.max_handshakes) {
    start_handshake(obt, j, now);
    if (j->state == JOB_WAIT_HANDSHAKE) ++*handshakes;
  }
}

static void all_done(ocf_obt *obt, ocf_time_ms now) {
  obt_onboarding *o = obt->onb;
  ocf_obt_onboard_params p = o->params;
  ocf_obt_onboard_event ev = {.type = OCF_OBT_EV_ALL_DONE,
                              .otm = OCF_OBT_OTM_NONE,
                              .n_owned = o->n_owned,
                              .n_failed = o->n_failed,
                              .now = now};
  obt->last_stats = o->stats;
  obt_onboard_free(obt);
  p.on_event(p.user, &ev); /* last: it may start the next onboarding */
}

static void count_jobs(const obt_onboarding *o, size_t *running, size_t *handshakes) {
  *running = *handshakes = 0;
  for (size_t i = 0; i < o->n_jobs; i++) {
    obt_job_state st = o->jobs[i].state;
    *running += st != JOB_QUEUED && st != JOB_DONE;
    *handshakes += st == JOB_WAIT_HANDSHAKE;
  }
}

/* Starts queued jobs while the jobs limit allows and runs every job whose step can start.
 * Called after each engine call and API call, never from inside itself (callbacks only change
 * a job's state; the sending happens here). Rounds are bounded: a job that cannot send yet
 * (caps) stays READY for the next pump. */
void obt_onboard_pump(ocf_obt *obt, ocf_time_ms now) {
  obt_onboarding *o = obt->onb;
  if (!o || o->pumping) return;
  o->pumping = true;
  bool again = true;
  for (int round = 0; again && round < 8; round++) {
    again = false;
    size_t running, handshakes;
    count_jobs(o, &running, &handshakes);
    for (size_t i = 0; i < o->n_jobs; i++) {
      obt_job *j = &o->jobs[i];
      if (j->state == JOB_QUEUED && running < obt->cfg.max_jobs) {
        running++;
        start_job(obt, j, now);
        again = true;
      }
      if (j->state != JOB_READY) continue;
      run_ready(obt, j, &handshakes, now);
      again = true; /* its callbacks may have readied it again (a PIN given from on_event) */
      if (j->state == JOB_DONE) running--;
    }
  }
  o->pumping = false;
  if (o->n_done == o->n_jobs) all_done(obt, now);
}

ocf_time_ms obt_onboard_next_timeout(const ocf_obt *obt) {
  const obt_onboarding *o = obt->onb;
  ocf_time_ms t = OCF_TIME_NEVER;
  for (size_t i = 0; o && i < o->n_jobs; i++)
    if (o->jobs[i].state != JOB_DONE && o->jobs[i].deadline < t) t = o->jobs[i].deadline;
  return t;
}

/* Step deadlines (cfg.step_timeout_ms) from the caller's clock: CoAP and DTLS give up on their
 * own schedules too, but much later (93 s, 60 s); a job should not hold its slot that long. */
void obt_onboard_on_timeout(ocf_obt *obt, ocf_time_ms now) {
  obt_onboarding *o = obt->onb;
  for (size_t i = 0; o && i < o->n_jobs; i++) {
    obt_job *j = &o->jobs[i];
    if (j->state == JOB_DONE || j->deadline > now) continue;
    j->deadline = OCF_TIME_NEVER;
    if (j->state == JOB_ROLLBACK) {
      if (j->request_open) cancel_request(obt, j->request_id);
      j->request_open = false;
      j->state = JOB_READY; /* finished unacknowledged by the pump */
      /* The reset decides between "failed" and "uncertain": asked again while retries allow. */
      if (j->doc_open && j->retries < obt->cfg.step_retries) {
        j->retries++;
        if (!start_rollback(obt, j, now)) j->state = JOB_READY;
      }
    } else if (j->state == JOB_WAIT_RESPONSE && obt_retry_step(obt, j)) {
      continue;
    } else if (j->state == JOB_PAUSE || j->state == JOB_REFIND) {
      obt_retry_on_timeout(obt, j, now);
    } else if (j->state == JOB_WAIT_HANDSHAKE) {
      obt_job_close_doc(obt, j, now);
      if (!obt_retry_handshake(obt, j, now))
        obt_job_fail(obt, j, OCF_ERR_TIMEOUT, 0, "the DTLS handshake did not finish in time",
                     advice_handshake, now);
    } else if (j->state == JOB_WAIT_RESPONSE) {
      obt_job_fail(obt, j, OCF_ERR_TIMEOUT, 0, "the device did not answer in time",
                   "check the device is up and reachable, then onboard it again", now);
    }
  }
}

/* --- API ------------------------------------------------------------------------------------ */

void obt_onboard_free(ocf_obt *obt) {
  obt_onboarding *o = obt->onb;
  if (!o) return;
  for (size_t i = 0; i < o->n_jobs; i++) {
    if (o->jobs[i].request_open) cancel_request(obt, o->jobs[i].request_id);
    wipe(&o->jobs[i]);
  }
  obt->pf.free(obt->pf.ctx, o->jobs);
  obt->pf.free(obt->pf.ctx, o);
  obt->onb = NULL;
}

static ocf_err check_params(const ocf_obt_onboard_params *p) {
  if (!p || !p->store || !p->devices || !p->n_devices || !p->wall_now || !p->on_event)
    return OCF_ERR_INVALID_ARG;
  if (p->otm_policy && !ocf_obt_otm_policy_valid(p->otm_policy)) return OCF_ERR_INVALID_ARG;
  for (size_t i = 0; i < p->n_devices; i++) {
    const ocf_obt_onboard_device *d = &p->devices[i];
    if (!(d->coaps.flags & OCF_EP_SECURE) || ocf_uuid_is_nil(&d->uuid) || ocf_endpoint_is_multicast(&d->coap))
      return OCF_ERR_INVALID_ARG;
    for (size_t k = 0; k < i; k++)
      if (ocf_uuid_equal(&p->devices[k].uuid, &d->uuid)) return OCF_ERR_INVALID_ARG;
  }
  return OCF_OK;
}

static ocf_err make_onboarding(ocf_obt *obt, const ocf_obt_onboard_params *p, obt_onboarding **out) {
  obt_onboarding *o = obt->pf.alloc(obt->pf.ctx, sizeof *o);
  if (!o) return OCF_ERR_NO_MEMORY;
  memset(o, 0, sizeof *o);
  o->jobs = p->n_devices <= SIZE_MAX / sizeof *o->jobs
                ? obt->pf.alloc(obt->pf.ctx, p->n_devices * sizeof *o->jobs)
                : NULL;
  ocf_err err = o->jobs ? ocf_obt_store_domain_get(p->store, &o->domain) : OCF_ERR_NO_MEMORY;
  if (!err) err = obt_trust_load(p->store, o->anchor_der, o->anchors, &o->n_anchors);
  if (err) {
    if (o->jobs) obt->pf.free(obt->pf.ctx, o->jobs);
    obt->pf.free(obt->pf.ctx, o);
    return err;
  }
  o->params = *p;
  o->params.devices = NULL; /* copied into the jobs */
  const char *policy = p->otm_policy ? p->otm_policy : o->domain.otm_policy;
  snprintf(o->policy, sizeof o->policy, "%s", policy);
  memset(o->jobs, 0, p->n_devices * sizeof *o->jobs);
  o->n_jobs = p->n_devices;
  for (size_t i = 0; i < o->n_jobs; i++) {
    obt_job *j = &o->jobs[i];
    j->owner = obt;
    j->index = i;
    j->dev = p->devices[i];
    j->dev.coap.flags = 0;
    j->uuid = j->dev.uuid;
    j->otm = OCF_OBT_OTM_NONE;
    j->deadline = OCF_TIME_NEVER;
  }
  o->stats.jobs = o->n_jobs;
  *out = o;
  return OCF_OK;
}

OCF_API ocf_err ocf_obt_onboard(ocf_obt *obt, const ocf_obt_onboard_params *p, ocf_time_ms now) {
  if (!obt) return OCF_ERR_INVALID_ARG;
  ocf_err err = check_params(p);
  if (err) return err;
  if (obt->onb) return OCF_ERR_BUSY;
  err = make_onboarding(obt, p, &obt->onb);
  if (err) return err;
  obt->onb_datagrams_in0 = obt->datagrams_in;
  obt->onb_datagrams_out0 = obt->datagrams_out;
  if (now > obt->now) obt->now = now;
  obt_onboard_pump(obt, now);
  return OCF_OK;
}

OCF_API ocf_err ocf_obt_onboard_pin(ocf_obt *obt, size_t job, const char *pin, size_t len, ocf_time_ms now) {
  if (!obt || (!pin && len) || len > OBT_OTM_PIN_MAX) return OCF_ERR_INVALID_ARG;
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)pin[i] < 0x21 || (unsigned char)pin[i] > 0x7e) return OCF_ERR_INVALID_ARG;
  obt_onboarding *o = obt->onb;
  if (!o || job >= o->n_jobs || o->jobs[job].state != JOB_WAIT_PIN) return OCF_ERR_STATE;
  obt_job *j = &o->jobs[job];
  if (now > obt->now) obt->now = now;
  if (len == 0) {
    obt_job_fail(obt, j, OCF_ERR_DENIED, 0, "no PIN was given", "onboard it again with its PIN", now);
  } else {
    memcpy(j->pin, pin, len);
    j->pin_len = len;
    j->pin_given = true;
    j->state = JOB_READY;
  }
  obt_onboard_pump(obt, now); /* a no-op when called from on_event: the running pump goes on */
  return OCF_OK;
}

OCF_API bool ocf_obt_onboarding(const ocf_obt *obt) { return obt && obt->onb; }

OCF_API void ocf_obt_onboard_stats_get(const ocf_obt *obt, ocf_obt_onboard_stats *out) {
  if (!out) return;
  memset(out, 0, sizeof *out);
  if (!obt) return;
  *out = obt->onb ? obt->onb->stats : obt->last_stats;
  out->datagrams_in = obt->datagrams_in - obt->onb_datagrams_in0;
  out->datagrams_out = obt->datagrams_out - obt->onb_datagrams_out0;
}
