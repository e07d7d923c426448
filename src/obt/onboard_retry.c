/* Retries of the DOTS engine's jobs (ADR 0016; docs/HARDENING.md, "Lossy networks"), bounded by
 * ocf_obt_config.step_retries:
 *
 * - A step's request that got no answer is sent again as a new exchange with the same values.
 * - A DTLS handshake that did not finish is tried again from the oxmsel step, once the device is
 *   found again. A device that gives up an onboarding handshake, or whose onboarding connection
 *   (DOC) ends in RFOTM, resets itself with a new uuid (digest 3.6), and while it still holds an
 *   abandoned one it refuses plain requests (4.01) or a new oxmsel (4.00). So:
 *
 *     handshake failed --pause--> GET /oic/sec/doxm (plain CoAP)
 *       2.05, unowned, the OTM still offered: its deviceuuid now (the store follows a reset)
 *         --> POST oxmsel (Random PIN: the device shows a NEW PIN, digest 4.3, asked again)
 *         --> the handshake
 *       refused, or the oxmsel refused
 *         --> a "kick": a ClientHello from the same endpoint, which replaces the abandoned
 *             association on the device (RFC 6347 4.2.8: a client that restarted), so the device
 *             drops it and resets (digest 3.6); the kick itself is refused, or closed unused
 *         --pause--> GET doxm again
 *
 * - The onboarding connection that ends before the rfpro step went out: the device resets
 *   itself (digest 3.6); the job starts over from oxmsel the same way.
 *
 *   A Random PIN handshake is retried with the new PIN only: keeping the old one across a failed
 *   handshake would give a guesser several tries at one PIN, and after the reset the device's
 *   uuid, the PIN's salt, is new anyway. */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/uuid.h"
#include "obt/onboard_internal.h"

#define LOG_MODULE "obt"

#define RETRY_PAUSE_MS 1000u /* before the device is asked again after a failed handshake or a kick */
#define KICK_MS 5000u        /* how long a kick's hello is retransmitted before it is closed */
#define KICKS_MAX 3u         /* per job */

static void cancel_open(ocf_obt *obt, obt_job *j) {
  bool pending = j->request_open;
  j->request_open = false;
  if (pending && ocf_msg_cancel(obt->msg, j->request_id) != OCF_OK) return; /* already final */
}

bool obt_retry_step(ocf_obt *obt, obt_job *j) {
  const obt_step *st = obt_step_at(j->step);
  if (!st || st->kind != STEP_REQUEST || j->retries >= obt->cfg.step_retries) return false;
  cancel_open(obt, j);
  j->retries++;
  j->resend = true;
  j->state = JOB_READY; /* sent by the pump */
  j->deadline = OCF_TIME_NEVER;
  ocf_log(&obt->pf, OCF_LOG_INFO, LOG_MODULE,
          "onboard: job %zu: no answer at %s, sending it again (%u of %u)", j->index, st->name,
          (unsigned)j->retries, (unsigned)obt->cfg.step_retries);
  return true;
}

/* Steps are found by name: the table's rows may change. SIZE_MAX when there is none. */
static size_t step_named(const char *name) {
  for (size_t i = 0; i < obt_step_count(); i++)
    if (strcmp(obt_step_at(i)->name, name) == 0) return i;
  return SIZE_MAX;
}

static void pause_then_refind(obt_job *j, ocf_time_ms now) {
  j->kick = j->kick_due = false;
  j->refind = true;
  j->state = JOB_PAUSE;
  j->deadline = now + RETRY_PAUSE_MS;
}

/* Back to oxmsel once the device is found again (the handshake, or the whole DOC, again). */
static bool again_from_oxmsel(ocf_obt *obt, obt_job *j, const char *why, ocf_time_ms now) {
  size_t oxmsel = step_named("oxmsel");
  if (j->failed || j->hs_retries >= obt->cfg.step_retries || oxmsel == SIZE_MAX) return false;
  if (obt_job_store_step(obt, j, OCF_OBT_STEP_FAILED, 0, why, "oxmsel") != OCF_OK) return false;
  j->hs_retries++;
  j->step = oxmsel;
  j->retries = 0;
  j->rehs = true;
  j->pin_given = false; /* Random PIN: the device shows a new one after the oxmsel (digest 4.3) */
  pause_then_refind(j, now);
  ocf_log(&obt->pf, OCF_LOG_INFO, LOG_MODULE,
          "onboard: job %zu: %s; finding the device again for handshake %u of %u", j->index, why,
          (unsigned)j->hs_retries + 1, (unsigned)obt->cfg.step_retries + 1);
  obt_job_emit_step(obt, j, now);
  return true;
}

bool obt_retry_handshake(ocf_obt *obt, obt_job *j, ocf_time_ms now) {
  if (j->kick) { /* it did its part, or could not: ask the device again */
    pause_then_refind(j, now);
    return true;
  }
  return again_from_oxmsel(obt, j, "the DTLS handshake did not finish", now);
}

/* The DOC ended under the job (the device idled it out while requests were lost, or closed it):
 * a device still in RFOTM resets itself (digest 3.6), so the onboarding can start over, but not
 * once the rfpro step went out (the device may have left RFOTM, and then keeps what it took). The
 * owner credential it may hold stays in the store until the doxm read again proves the reset. */
bool obt_retry_doc_lost(ocf_obt *obt, obt_job *j, ocf_time_ms now) {
  size_t rfpro = step_named("rfpro");
  if (rfpro == SIZE_MAX || j->step >= rfpro || j->hs_retries >= obt->cfg.step_retries) return false;
  cancel_open(obt, j);
  j->doc_open = true; /* our side too, if it is still there */
  obt_job_close_doc(obt, j, now);
  j->doc_open = false;
  j->doc_lost = true;
  return again_from_oxmsel(obt, j, "the onboarding connection ended", now);
}

/* The device refuses while it holds the abandoned handshake or DOC: a kick, while kicks remain. */
static bool kick_later(obt_job *j) {
  if (j->kicks >= KICKS_MAX) return false;
  j->refind = false;
  j->kick_due = true;
  j->state = JOB_READY;
  j->deadline = OCF_TIME_NEVER;
  return true;
}

bool obt_retry_refused(ocf_obt *obt, obt_job *j, ocf_time_ms now) {
  (void)obt;
  (void)now;
  return j->step == step_named("oxmsel") && kick_later(j);
}

static bool offers(const ocf_obt_doxm *a, ocf_obt_otm otm) {
  for (size_t i = 0; i < a->n_oxms; i++)
    if (a->oxms[i] == (uint32_t)otm) return true;
  return false;
}

/* The doxm of the device found again: still ours to onboard, and under which uuid. */
static void take_doxm(ocf_obt *obt, obt_job *j, const ocf_coap_msg *rsp, ocf_time_ms now) {
  ocf_obt_doxm a;
  const char *why = NULL;
  if (ocf_obt_doxm_parse(rsp->payload, rsp->payload_len, &a) != OCF_OK)
    why = "its doxm answer is malformed";
  else if (a.owned || !ocf_uuid_is_nil(&a.devowneruuid))
    why = "the device is owned now";
  else if (!offers(&a, j->otm))
    why = "the device no longer offers the OTM chosen";
  if (!why && j->doc_lost && j->cred_sent) {
    /* Unowned again: the reset wiped the owner credential; ours goes too (ADR 0016). */
    if (ocf_obt_store_secret_remove(obt->onb->params.store, &j->uuid, OBT_OWNER_PSK_SECRET) != OCF_OK)
      why = "the store could not drop the owner credential of the reset device";
    else
      j->cred_sent = false;
  }
  if (!why && !ocf_uuid_equal(&a.deviceuuid, &j->uuid)) {
    /* Digest 3.6: it reset itself; the PIN's salt and the uuid to onboard are the new one. */
    if (ocf_obt_store_device_change_uuid(obt->onb->params.store, &j->uuid, &a.deviceuuid) != OCF_OK) {
      why = "the store could not follow the device's new uuid";
    } else {
      char u[OCF_UUID_STR_LEN];
      ocf_uuid_format(&a.deviceuuid, u);
      ocf_log(&obt->pf, OCF_LOG_INFO, LOG_MODULE,
              "onboard: job %zu: the device reset itself (digest 3.6), now %s", j->index, u);
      j->uuid = a.deviceuuid;
    }
  }
  if (why) {
    obt_job_fail(obt, j, OCF_ERR_STATE, 205, why, "run obt discover and onboard it again", now);
    return;
  }
  j->refind = j->doc_lost = false;
  j->retries = 0;
  j->state = JOB_READY; /* the pump sends the oxmsel step */
  j->deadline = OCF_TIME_NEVER;
}

static void refind_unanswered(ocf_obt *obt, obt_job *j, ocf_time_ms now) {
  if (j->retries < obt->cfg.step_retries) {
    j->retries++;
    j->state = JOB_READY; /* asked again by the pump */
    j->deadline = OCF_TIME_NEVER;
    return;
  }
  obt_job_fail(obt, j, OCF_ERR_TIMEOUT, 0,
               "the device did not answer GET /oic/sec/doxm before a retried handshake",
               "check the device is up and reachable, then onboard it again", now);
}

static void on_refind(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  (void)m;
  obt_job *j = user;
  if (!ev->final || !j->request_open || ev->request_id != j->request_id || j->state != JOB_REFIND) return;
  j->request_open = false;
  ocf_obt *obt = j->owner;
  if (ev->type != OCF_MSG_EV_RESPONSE) {
    refind_unanswered(obt, j, obt->now);
  } else if (ev->response->code == OCF_COAP_CONTENT) {
    take_doxm(obt, j, ev->response, obt->now);
  } else if (!kick_later(j)) { /* 4.01: its abandoned DOC is open (rule 1 of acl_decide) */
    uint16_t code =
        (uint16_t)(OCF_COAP_CODE_CLASS(ev->response->code) * 100 + OCF_COAP_CODE_DETAIL(ev->response->code));
    obt_job_fail(
        obt, j, OCF_ERR_DENIED, code, "the device kept refusing GET /oic/sec/doxm after a failed handshake",
        "its abandoned onboarding connection may still be open: wait for it to idle out, then onboard "
        "it again",
        obt->now);
  }
}

static void send_refind(ocf_obt *obt, obt_job *j, ocf_time_ms now) {
  ocf_coap_msg req;
  uint8_t scratch[32];
  ocf_msg_request_params p = {.to = &j->dev.coap, .n_to = 1, .cb = on_refind, .user = j};
  ocf_err err = obt_build_request(OCF_COAP_GET, "/oic/sec/doxm", NULL, 0, &req, scratch, sizeof scratch);
  if (!err) err = ocf_msg_request(obt->msg, &p, &req, now, &j->request_id);
  if (err == OCF_ERR_BUSY) return; /* the next pump */
  if (err) {
    obt_job_fail(obt, j, err, 0, "the request could not be sent", "see the log (-v)", now);
    return;
  }
  j->step_requests++;
  obt_job_request_out(obt, j, JOB_REFIND, now);
}

/* The kick connects with the session the failed handshake used (it is never used: a device that
 * accepted it is closed again, and resets). */
static void start_kick(ocf_obt *obt, obt_job *j, size_t *handshakes, ocf_time_ms now) {
  if (*handshakes >= obt->cfg.max_handshakes) return; /* the cap: the next pump */
  ocf_err err = ocf_stack_connect(obt->stack, &j->dev.coaps, obt_otm_client_profile(&j->otm_s), now);
  if (err == OCF_ERR_BUSY) return;
  j->kick_due = false;
  j->kicks++;
  if (err) { /* no kick: the device is asked again all the same */
    pause_then_refind(j, now);
    return;
  }
  ocf_log(&obt->pf, OCF_LOG_INFO, LOG_MODULE,
          "onboard: job %zu: the device still holds the abandoned handshake: a new hello makes it drop it",
          j->index);
  obt->onb->stats.handshakes++;
  ++*handshakes;
  j->kick = true;
  j->closing = false;
  j->state = JOB_WAIT_HANDSHAKE;
  j->deadline = now + KICK_MS;
}

void obt_retry_run(ocf_obt *obt, obt_job *j, size_t *handshakes, ocf_time_ms now) {
  if (j->kick_due)
    start_kick(obt, j, handshakes, now);
  else
    send_refind(obt, j, now);
}

void obt_retry_on_timeout(ocf_obt *obt, obt_job *j, ocf_time_ms now) {
  if (j->state == JOB_PAUSE) {
    j->state = JOB_READY; /* the pump asks the device */
    return;
  }
  cancel_open(obt, j); /* JOB_REFIND: no answer within the step's deadline */
  refind_unanswered(obt, j, now);
}
