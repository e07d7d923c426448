/* Reset, forget and recovery jobs (<ocf/ocf_obt_lifecycle.h>, ADR 0016 "Lifecycle and
 * recovery"): one job per device, over owner sessions (owner.h), scheduled like the onboarding
 * jobs (callbacks change state, the pump sends), every change of the store in one transaction
 * with its audit entry. */
#include <stdio.h>
#include <string.h>

#include <ocf/ocf_obt_lifecycle.h>

#include "base/log.h"
#include "base/uuid.h"
#include "obt/onboard_internal.h"
#include "obt/owner.h"
#include "svr/svr.h"

#define LOG_MODULE "obt"

typedef enum lc_state {
  LC_QUEUED = 0,
  LC_READY,          /* decide: forget, or open the owner session */
  LC_WAIT_HANDSHAKE, /* the owner session is connecting */
  LC_SEND_CHECK,     /* recovery, established: GET pstat, then doxm, go out from the pump */
  LC_WAIT_CHECK,     /* one of them is out */
  LC_SEND_RESET,     /* established: the reset goes out from the pump */
  LC_WAIT_RESPONSE,  /* the reset is out */
  LC_WAIT_PROBE,     /* recovery: the plain GET /oic/sec/doxm is out */
  LC_DONE,
} lc_state;

typedef struct lc_job {
  ocf_obt *obt;
  size_t index;
  ocf_obt_lc_device dev;
  lc_state state;
  obt_owner owner;
  uint32_t request_id;
  bool request_open;
  bool established; /* the owner session came up: the device holds our owner credential */
  bool reset_sent;
  bool probe_sent, probe_unowned;
  int check_step;    /* recovery's reads over the owner session: 0 pstat, 1 doxm, 2 both read */
  ocf_obt_doxm doxm; /* what the device's doxm said (check_step 2) */
  ocf_time_ms deadline;
  /* what the callbacks learnt, acted on by the pump */
  ocf_err session_err;
  bool session_ended;
  bool answered;
  uint16_t code;
  char diag[OCF_OBT_DIAG_MAX + 1];
  ocf_obt_lc_result result;
} lc_job;

struct obt_lifecycle {
  ocf_obt_lc_params params;
  lc_job *jobs;
  size_t n_jobs, n_done, n_ok, n_failed;
  bool pumping;
};

/* Forgets a request of ours; one that is not pending any more is fine. */
static void cancel(ocf_obt *obt, uint32_t id) {
  if (ocf_msg_cancel(obt->msg, id) != OCF_OK) return;
}

static ocf_obt_wall_ms wall(const ocf_obt *obt) { return obt->lc->params.wall_now(obt->lc->params.user); }

static void copy_printable(char *out, size_t cap, const uint8_t *in, size_t len) {
  size_t n = 0;
  for (; n < len && n + 1 < cap; n++) out[n] = (in[n] < 0x20 || in[n] == 0x7f) ? '?' : (char)in[n];
  out[n] = '\0';
}

static void finish(ocf_obt *obt, lc_job *j, ocf_time_ms now) {
  (void)now;
  obt_lifecycle *l = obt->lc;
  obt_owner_close(&j->owner, now);
  if (j->request_open) cancel(obt, j->request_id);
  j->request_open = false;
  j->state = LC_DONE;
  j->deadline = OCF_TIME_NEVER;
  l->n_done++;
  if (j->result.outcome == OCF_OBT_LC_FAILED)
    l->n_failed++;
  else
    l->n_ok++;
  j->result.job = j->index;
  j->result.uuid = j->dev.uuid;
  l->params.on_result(l->params.user, &j->result);
}

static void fail(ocf_obt *obt, lc_job *j, const char *stage, ocf_err err, const char *diag,
                 const char *advice, ocf_time_ms now) {
  j->result.outcome = OCF_OBT_LC_FAILED;
  j->result.stage = stage;
  j->result.err = err;
  j->result.code = j->code;
  snprintf(j->result.diagnostic, sizeof j->result.diagnostic, "%s", diag);
  j->result.advice = advice;
  ocf_log(&obt->pf, OCF_LOG_INFO, LOG_MODULE, "lifecycle: job %zu failed at %s: %s", j->index, stage, diag);
  finish(obt, j, now);
}

/* Drops the device with its steps and secrets, and says so in the audit log, in one
 * transaction: the record and its credential go together (never one without the other). */
static void forget(ocf_obt *obt, lc_job *j, ocf_obt_lc_outcome outcome, const char *reason, ocf_time_ms now) {
  ocf_obt_store *s = obt->lc->params.store;
  const char *actor = obt->lc->params.actor ? obt->lc->params.actor : "obt";
  static const char *const actions[] = {"", "reset", "recover", "forget"};
  char uuid[OCF_UUID_STR_LEN], orig[OCF_UUID_STR_LEN], detail[OCF_OBT_AUDIT_DETAIL_MAX + 1];
  ocf_obt_device_record r;
  ocf_err err = ocf_obt_store_device_get(s, &j->dev.uuid, &r);
  ocf_uuid_format(&j->dev.uuid, uuid);
  ocf_uuid_format(err ? &j->dev.uuid : &r.original_uuid, orig);
  snprintf(detail, sizeof detail, "%s (was %s, %s) %s: %s", uuid, orig, err ? "?" : r.name,
           outcome == OCF_OBT_LC_WAS_RESET ? "reset and forgotten" : "forgotten", reason);
  if (!err) err = ocf_obt_store_begin(s);
  if (!err) err = ocf_obt_store_device_remove(s, &j->dev.uuid);
  if (!err) err = ocf_obt_store_audit_append(s, wall(obt), actor, actions[obt->lc->params.action], detail);
  if (!err) err = ocf_obt_store_commit(s);
  if (err) {
    ocf_obt_store_rollback(s);
    fail(obt, j, "store", err,
         outcome == OCF_OBT_LC_WAS_RESET ? "the device was reset, but the store could not forget it"
                                         : "the store could not forget the device",
         "check the store file, then forget the device: obt reset --forget-only UUID", now);
    return;
  }
  j->result.outcome = outcome;
  j->result.reason = reason;
  finish(obt, j, now);
}

/* --- the owner session and the reset -------------------------------------------------------- */

static void on_owner(void *user, obt_owner *o, ocf_err err) {
  (void)o;
  lc_job *j = user;
  if (err == OCF_OK && j->state == LC_WAIT_HANDSHAKE) {
    j->established = true;
    j->state = j->obt->lc->params.action == OCF_OBT_LC_RECOVER ? LC_SEND_CHECK : LC_SEND_RESET;
    return;
  }
  j->session_ended = true;
  j->session_err = err;
  if (j->state != LC_DONE && j->state != LC_QUEUED) j->state = LC_READY;
}

static void on_reset_response(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  (void)m;
  lc_job *j = user;
  if (!ev->final || !j->request_open || ev->request_id != j->request_id || j->state != LC_WAIT_RESPONSE)
    return;
  j->request_open = false;
  if (ev->type == OCF_MSG_EV_RESPONSE) {
    j->answered = true;
    j->code =
        (uint16_t)(OCF_COAP_CODE_CLASS(ev->response->code) * 100 + OCF_COAP_CODE_DETAIL(ev->response->code));
    copy_printable(j->diag, sizeof j->diag, ev->response->payload, ev->response->payload_len);
  }
  j->state = LC_READY;
}

/* Recovery over the owner session: did the device finish its onboarding? The DOTS sends its
 * requests one after the other and the device saves each change before answering, so a device
 * in RFPRO (pstat dos.s = 2, digest 3.2: entered by the last step) that is owned by us under the
 * record's uuid took every step; only the tool's last commit was lost (a kill, or the device's
 * answer to rfpro lost with a power cut). */
static void on_check_response(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  (void)m;
  lc_job *j = user;
  if (!ev->final || !j->request_open || ev->request_id != j->request_id || j->state != LC_WAIT_CHECK) return;
  j->request_open = false;
  j->state = LC_SEND_RESET; /* unless the device shows it finished */
  if (ev->type != OCF_MSG_EV_RESPONSE || ev->response->code != OCF_COAP_CONTENT) return;
  const uint8_t *pl = ev->response->payload;
  size_t len = ev->response->payload_len;
  if (j->check_step == 0) {
    ocf_rep_node nodes[64];
    const ocf_rep_node *root = NULL;
    int64_t dos = -1;
    if (ocf_rep_decode(pl, len, NULL, nodes, 64, &root) == OCF_OK && root->type == OCF_REP_MAP &&
        ocf_rep_get_int64(ocf_rep_map_value(ocf_rep_map_value(root, "dos"), "s"), &dos) == OCF_OK &&
        dos == OCF_DOS_RFPRO) {
      j->check_step = 1;
      j->state = LC_SEND_CHECK;
    }
    return;
  }
  if (ocf_obt_doxm_parse(pl, len, &j->doxm) == OCF_OK) {
    j->check_step = 2;
    j->state = LC_READY; /* the pump compares with the store */
  }
}

static void send_check(ocf_obt *obt, lc_job *j, ocf_time_ms now) {
  ocf_err err =
      obt_owner_request(&j->owner, OCF_COAP_GET, j->check_step == 0 ? "/oic/sec/pstat" : "/oic/sec/doxm",
                        NULL, 0, on_check_response, j, now, &j->request_id);
  if (err == OCF_ERR_BUSY) return;
  if (err) {
    j->state = LC_SEND_RESET;
    return;
  }
  j->request_open = true;
  j->state = LC_WAIT_CHECK;
  j->deadline = now + obt->cfg.step_timeout_ms;
}

static bool open_step(void *user, const ocf_obt_step_record *st) {
  int64_t *ids = user;
  for (size_t i = 0; i < 4; i++)
    if (st->status == OCF_OBT_STEP_STARTED && ids[i] == 0) {
      ids[i] = st->id;
      break;
    }
  return true;
}

/* The device finished: the record becomes owned, its interrupted step done, in one transaction
 * with the audit entry (the owner credential is stored already: plan RESET). */
static void complete(ocf_obt *obt, lc_job *j, ocf_time_ms now) {
  ocf_obt_store *s = obt->lc->params.store;
  const char *actor = obt->lc->params.actor ? obt->lc->params.actor : "obt";
  ocf_obt_device_record r;
  ocf_obt_domain d;
  int64_t open[4] = {0};
  char uuid[OCF_UUID_STR_LEN], detail[OCF_OBT_AUDIT_DETAIL_MAX + 1];
  ocf_uuid_format(&j->dev.uuid, uuid);
  ocf_err err = ocf_obt_store_domain_get(s, &d);
  if (!err) err = ocf_obt_store_device_get(s, &j->dev.uuid, &r);
  if (!err && !(j->doxm.owned && ocf_uuid_equal(&j->doxm.devowneruuid, &d.tool_uuid) &&
                ocf_uuid_equal(&j->doxm.deviceuuid, &j->dev.uuid))) {
    j->state = LC_SEND_RESET; /* not ours as the record says: roll back */
    return;
  }
  if (!err) err = ocf_obt_store_step_list(s, &j->dev.uuid, open_step, open);
  snprintf(detail, sizeof detail, "%s (%s) owned: its onboarding was complete on the device (RFPRO)", uuid,
           r.name);
  if (!err) err = ocf_obt_store_begin(s);
  for (size_t i = 0; !err && i < 4 && open[i]; i++)
    err = ocf_obt_store_step_end(s, open[i], OCF_OBT_STEP_DONE, 0, 0,
                                 "completed by recovery: the device is in RFPRO", wall(obt));
  r.state = OCF_OBT_DEVICE_OWNED;
  if (!err) err = ocf_obt_store_device_put(s, &r, wall(obt));
  if (!err) err = ocf_obt_store_audit_append(s, wall(obt), actor, "recover", detail);
  if (!err) err = ocf_obt_store_commit(s);
  if (err) {
    ocf_obt_store_rollback(s);
    fail(obt, j, "store", err, "the store could not record the device as owned",
         "check the store file, then run obt recover again", now);
    return;
  }
  j->result.outcome = OCF_OBT_LC_COMPLETED;
  j->result.reason = "the device had finished its onboarding (RFPRO, owned by us over the owner session): "
                     "recorded as owned";
  finish(obt, j, now);
}

static const char advice_unreachable[] =
    "check the device is up and reachable (obt discover), then try again; if it is gone for good, or was "
    "reset by hand, drop it with obt reset --forget-only UUID";

/* Recovery, when the owner session did not come up: is the device at its address unowned? In
 * RFOTM anyone may read doxm over plain CoAP (digest §3.3); a device that answers owned = false
 * with no devowneruuid went through RESET (digest §3.5: credentials erased), so it holds no owner
 * credential of ours. An owned device refuses the plain request (digest §3.3), and one that
 * still has the onboarding session open denies it (§3.4 rule 1): both keep the record. */
static void on_probe_response(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  (void)m;
  lc_job *j = user;
  if (!ev->final || !j->request_open || ev->request_id != j->request_id || j->state != LC_WAIT_PROBE) return;
  j->request_open = false;
  j->state = LC_READY;
  if (ev->type != OCF_MSG_EV_RESPONSE || ev->response->code != OCF_COAP_CONTENT) return;
  ocf_rep_node nodes[64];
  const ocf_rep_node *root = NULL;
  bool owned = true;
  ocf_uuid owner;
  if (ocf_rep_decode(ev->response->payload, ev->response->payload_len, NULL, nodes, 64, &root) == OCF_OK &&
      root->type == OCF_REP_MAP && ocf_rep_get_bool(ocf_rep_map_value(root, "owned"), &owned) == OCF_OK &&
      ocf_rep_get_uuid(ocf_rep_map_value(root, "devowneruuid"), &owner) == OCF_OK)
    j->probe_unowned = !owned && ocf_uuid_is_nil(&owner);
}

static bool send_probe(ocf_obt *obt, lc_job *j, ocf_time_ms now) {
  if (j->dev.coap.port == 0 || (j->dev.coap.flags & OCF_EP_SECURE)) return false;
  ocf_coap_msg req;
  uint8_t scratch[32];
  ocf_msg_request_params p = {.to = &j->dev.coap, .n_to = 1, .cb = on_probe_response, .user = j};
  ocf_err err = obt_build_request(OCF_COAP_GET, "/oic/sec/doxm", NULL, 0, &req, scratch, sizeof scratch);
  if (!err) err = ocf_msg_request(obt->msg, &p, &req, now, &j->request_id);
  if (err) return false;
  j->probe_sent = true;
  j->request_open = true;
  j->state = LC_WAIT_PROBE;
  j->deadline = now + obt->cfg.step_timeout_ms;
  return true;
}

/* The session ended before or while the reset was out. */
static void session_over(ocf_obt *obt, lc_job *j, ocf_time_ms now) {
  ocf_err err = j->session_err;
  bool handshake = !j->established;
  if (handshake && obt->lc->params.action == OCF_OBT_LC_RECOVER && err != OCF_ERR_DENIED) {
    if (j->probe_sent && j->probe_unowned) {
      forget(obt, j, OCF_OBT_LC_FORGOTTEN,
             "the owner session failed and the device answers unowned (RFOTM): it reset itself and holds no "
             "owner credential (digest 3.6)",
             now);
      return;
    }
    if (!j->probe_sent && send_probe(obt, j, now)) return;
  }
  if (handshake)
    fail(obt, j, "owner session", err,
         err == OCF_ERR_TIMEOUT ? "the device did not complete the DTLS handshake"
         : err == OCF_ERR_DENIED
             ? "the device's PSK identity hint names another device"
             : "the device refused the owner session (it does not know our owner credential)",
         err == OCF_ERR_TIMEOUT
             ? advice_unreachable
             : "if the device was reset by hand or now belongs to another domain, drop it with "
               "obt reset --forget-only UUID",
         now);
  else
    fail(obt, j, "reset", err ? err : OCF_ERR_RESET,
         "the session ended before the device acknowledged the reset",
         "the device may have reset: check with obt discover; try again, or drop it with obt reset "
         "--forget-only "
         "UUID",
         now);
}

static void open_session(ocf_obt *obt, lc_job *j, size_t *handshakes, ocf_time_ms now) {
  if (*handshakes >= obt->cfg.max_handshakes) return;
  if (!(j->dev.coaps.flags & OCF_EP_SECURE) || j->dev.coaps.port == 0) {
    fail(obt, j, "owner session", OCF_ERR_NOT_FOUND, "no address is known for the device", advice_unreachable,
         now);
    return;
  }
  ocf_err err = obt_owner_open_stored(obt, &j->owner, obt->lc->params.store, &j->dev.uuid, &j->dev.coaps,
                                      on_owner, j, now);
  if (err == OCF_ERR_BUSY) return; /* the DTLS caps: the next pump retries */
  if (err == OCF_ERR_NOT_FOUND) {
    fail(obt, j, "store", OCF_ERR_STATE, "the store holds no owner credential for the device",
         "it cannot be reset by us: reset it by hand, then drop it with obt reset --forget-only UUID", now);
    return;
  }
  if (err) {
    fail(obt, j, "owner session", err,
         err == OCF_ERR_STATE ? "a session with this address is open already"
                              : "the owner session could not start",
         err == OCF_ERR_STATE ? "try again later" : "", now);
    return;
  }
  ++*handshakes;
  j->state = LC_WAIT_HANDSHAKE;
  j->deadline = now + obt->cfg.step_timeout_ms;
}

static void send_reset(ocf_obt *obt, lc_job *j, ocf_time_ms now) {
  static const uint8_t reset_body[] = {0xa1, 0x63, 'd', 'o', 's',
                                       0xa1, 0x61, 's', 0x00}; /* {"dos":{"s":0}} */
  /* Digest §9: hard reset by the OBT over the owner session. */
  ocf_err err = obt_owner_request(&j->owner, OCF_COAP_POST, "/oic/sec/pstat", reset_body, sizeof reset_body,
                                  on_reset_response, j, now, &j->request_id);
  if (err == OCF_ERR_BUSY) return;
  if (err) {
    fail(obt, j, "reset", err, "the reset request could not be sent", "see the log (-v)", now);
    return;
  }
  j->request_open = true;
  j->reset_sent = true;
  j->state = LC_WAIT_RESPONSE;
  j->deadline = now + obt->cfg.step_timeout_ms;
}

/* After the reset's answer (or its end). */
static void reset_over(ocf_obt *obt, lc_job *j, ocf_time_ms now) {
  if (!j->answered) {
    session_over(obt, j, now);
    return;
  }
  if (j->code / 100 == 2) {
    forget(obt, j, OCF_OBT_LC_WAS_RESET, "the device acknowledged RESET (digest 9)", now);
    return;
  }
  fail(obt, j, "reset", OCF_ERR_DENIED, j->diag[0] ? j->diag : "(no diagnostic)",
       "the device refused the reset: check its state (an ongoing reset refuses another, digest 3.2) and try "
       "again",
       now);
}

/* --- deciding ------------------------------------------------------------------------------- */

OCF_API ocf_err ocf_obt_recovery_plan(ocf_obt_store *s, const ocf_uuid *uuid, ocf_obt_recovery *out) {
  if (!s || !uuid || !out) return OCF_ERR_INVALID_ARG;
  *out = OCF_OBT_RECOVERY_NONE;
  ocf_obt_device_record r;
  ocf_err err = ocf_obt_store_device_get(s, uuid, &r);
  if (err) return err;
  bool stored = false;
  err = ocf_obt_store_secret_exists(s, uuid, OBT_OWNER_PSK_SECRET, &stored);
  if (err) return err;
  if (r.state == OCF_OBT_DEVICE_ONBOARDING) *out = stored ? OCF_OBT_RECOVERY_RESET : OCF_OBT_RECOVERY_FORGET;
  return OCF_OK;
}

static void start_job(ocf_obt *obt, lc_job *j, size_t *handshakes, ocf_time_ms now) {
  ocf_obt_store *s = obt->lc->params.store;
  ocf_obt_device_record r;
  ocf_obt_recovery plan = OCF_OBT_RECOVERY_NONE;
  ocf_err err = ocf_obt_store_device_get(s, &j->dev.uuid, &r);
  if (!err) err = ocf_obt_recovery_plan(s, &j->dev.uuid, &plan);
  if (err) {
    fail(obt, j, "store", err,
         err == OCF_ERR_NOT_FOUND ? "the store knows no such device" : "the store could not be read",
         err == OCF_ERR_NOT_FOUND ? "see obt devices for the uuids the store knows" : "check the store file",
         now);
    return;
  }
  switch (obt->lc->params.action) {
  case OCF_OBT_LC_FORGET:
    forget(obt, j, OCF_OBT_LC_FORGOTTEN, "on request, without contacting the device", now);
    return;
  case OCF_OBT_LC_RECOVER:
    if (plan == OCF_OBT_RECOVERY_NONE) {
      fail(obt, j, "store", OCF_ERR_STATE, "the device's onboarding was not interrupted",
           r.state == OCF_OBT_DEVICE_OWNED ? "it is owned: use obt reset to reset it" : "nothing to recover",
           now);
      return;
    }
    if (plan == OCF_OBT_RECOVERY_FORGET) {
      forget(obt, j, OCF_OBT_LC_FORGOTTEN,
             "the owner credential never went out; the device went back to RFOTM when the onboarding session "
             "dropped (digest 3.6)",
             now);
      return;
    }
    break;
  case OCF_OBT_LC_RESET:
    if (r.state != OCF_OBT_DEVICE_OWNED && plan != OCF_OBT_RECOVERY_RESET) {
      fail(obt, j, "store", OCF_ERR_STATE, "the store holds no owner credential for the device",
           r.state == OCF_OBT_DEVICE_ONBOARDING
               ? "its onboarding was interrupted: use obt recover"
               : "it is not owned: drop the record with obt reset --forget-only UUID",
           now);
      return;
    }
    break;
  }
  j->state = LC_READY;
  open_session(obt, j, handshakes, now);
}

static void run_job(ocf_obt *obt, lc_job *j, size_t *handshakes, ocf_time_ms now) {
  if (j->state == LC_READY && j->check_step == 2 && !j->session_ended) {
    j->check_step = 3;
    complete(obt, j, now); /* or back to LC_SEND_RESET */
  }
  if (j->state == LC_SEND_CHECK) {
    send_check(obt, j, now);
  } else if (j->state == LC_SEND_RESET) {
    send_reset(obt, j, now);
  } else if (j->state == LC_READY) {
    if (j->reset_sent)
      reset_over(obt, j, now);
    else if (j->session_ended)
      session_over(obt, j, now);
    else
      open_session(obt, j, handshakes, now);
  }
}

static void all_done(ocf_obt *obt) {
  obt_lifecycle *l = obt->lc;
  ocf_obt_lc_params p = l->params;
  size_t ok = l->n_ok, failed = l->n_failed;
  obt_lifecycle_free(obt);
  p.on_done(p.user, ok, failed);
}

void obt_lifecycle_pump(ocf_obt *obt, ocf_time_ms now) {
  obt_lifecycle *l = obt->lc;
  if (!l || l->pumping) return;
  l->pumping = true;
  for (int round = 0; round < 8; round++) {
    size_t running = 0, handshakes = 0;
    for (size_t i = 0; i < l->n_jobs; i++) {
      running += l->jobs[i].state != LC_QUEUED && l->jobs[i].state != LC_DONE;
      handshakes += l->jobs[i].state == LC_WAIT_HANDSHAKE;
    }
    size_t before = l->n_done;
    for (size_t i = 0; i < l->n_jobs; i++) {
      lc_job *j = &l->jobs[i];
      if (j->state == LC_QUEUED && running < obt->cfg.max_jobs) {
        running++;
        start_job(obt, j, &handshakes, now);
      } else if (j->state == LC_READY || j->state == LC_SEND_RESET || j->state == LC_SEND_CHECK) {
        run_job(obt, j, &handshakes, now);
      }
    }
    if (l->n_done == before) break;
  }
  l->pumping = false;
  if (l->n_done == l->n_jobs) all_done(obt);
}

ocf_time_ms obt_lifecycle_next_timeout(const ocf_obt *obt) {
  const obt_lifecycle *l = obt->lc;
  ocf_time_ms t = OCF_TIME_NEVER;
  for (size_t i = 0; l && i < l->n_jobs; i++)
    if (l->jobs[i].state != LC_DONE && l->jobs[i].deadline < t) t = l->jobs[i].deadline;
  return t;
}

void obt_lifecycle_on_timeout(ocf_obt *obt, ocf_time_ms now) {
  obt_lifecycle *l = obt->lc;
  for (size_t i = 0; l && i < l->n_jobs; i++) {
    lc_job *j = &l->jobs[i];
    if (j->state == LC_DONE || j->deadline > now) continue;
    j->deadline = OCF_TIME_NEVER;
    if (j->state == LC_WAIT_PROBE) {
      if (j->request_open) cancel(obt, j->request_id);
      j->request_open = false;
      j->state = LC_READY;
    } else if (j->state == LC_WAIT_CHECK) {
      if (j->request_open) cancel(obt, j->request_id);
      j->request_open = false;
      j->state = LC_SEND_RESET; /* no proof it finished: roll back */
    } else if (j->state == LC_WAIT_HANDSHAKE || j->state == LC_WAIT_RESPONSE) {
      if (j->request_open) cancel(obt, j->request_id);
      j->request_open = false;
      obt_owner_close(&j->owner, now);
      j->session_ended = true;
      j->session_err = OCF_ERR_TIMEOUT;
      j->state = LC_READY;
    }
  }
}

void obt_lifecycle_free(ocf_obt *obt) {
  obt_lifecycle *l = obt->lc;
  if (!l) return;
  for (size_t i = 0; i < l->n_jobs; i++) {
    if (l->jobs[i].request_open) cancel(obt, l->jobs[i].request_id);
    obt_owner_close(&l->jobs[i].owner, obt->now);
  }
  obt->pf.free(obt->pf.ctx, l->jobs);
  obt->pf.free(obt->pf.ctx, l);
  obt->lc = NULL;
}

OCF_API ocf_err ocf_obt_lifecycle(ocf_obt *obt, const ocf_obt_lc_params *p, ocf_time_ms now) {
  if (!obt || !p || !p->store || !p->devices || !p->n_devices || !p->wall_now || !p->on_result ||
      !p->on_done || p->action < OCF_OBT_LC_RESET || p->action > OCF_OBT_LC_FORGET ||
      p->n_devices > SIZE_MAX / sizeof(lc_job))
    return OCF_ERR_INVALID_ARG;
  for (size_t i = 0; i < p->n_devices; i++)
    for (size_t k = 0; k < i; k++)
      if (ocf_uuid_equal(&p->devices[k].uuid, &p->devices[i].uuid)) return OCF_ERR_INVALID_ARG;
  if (obt->lc) return OCF_ERR_BUSY;
  obt_lifecycle *l = obt->pf.alloc(obt->pf.ctx, sizeof *l);
  lc_job *jobs = l ? obt->pf.alloc(obt->pf.ctx, p->n_devices * sizeof *jobs) : NULL;
  if (!jobs) {
    if (l) obt->pf.free(obt->pf.ctx, l);
    return OCF_ERR_NO_MEMORY;
  }
  memset(l, 0, sizeof *l);
  memset(jobs, 0, p->n_devices * sizeof *jobs);
  l->params = *p;
  l->params.devices = NULL;
  l->jobs = jobs;
  l->n_jobs = p->n_devices;
  for (size_t i = 0; i < l->n_jobs; i++) {
    jobs[i].obt = obt;
    jobs[i].index = i;
    jobs[i].dev = p->devices[i];
    jobs[i].deadline = OCF_TIME_NEVER;
  }
  obt->lc = l;
  if (now > obt->now) obt->now = now;
  obt_lifecycle_pump(obt, now);
  return OCF_OK;
}

OCF_API bool ocf_obt_lifecycle_running(const ocf_obt *obt) { return obt && obt->lc; }
