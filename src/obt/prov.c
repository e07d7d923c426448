/* The provisioning engine (<ocf/ocf_obt_prov.h>, ADR 0019): one job per owned device, over its
 * owner session (owner.h, digest §8.1), scheduled like the lifecycle jobs (lifecycle.c):
 * callbacks change state, the pump opens sessions, sends and reports. What goes out is the job's
 * step function's business; the engine bounds it (caps, timeouts, a request budget) and writes
 * one audit entry per job. */
#include <stdio.h>
#include <string.h>

#include <ocf/ocf_obt_prov.h>

#include "base/log.h"
#include "base/uuid.h"
#include "obt/onboard_internal.h"
#include "obt/owner.h"

#define LOG_MODULE "obt"

/* A step function that never says DONE or FAIL would keep a session busy for ever: a job that
 * sends this many requests fails. Generous: the longest CMS/AMS sequence is a few dozen. */
#define PROV_MAX_REQUESTS 256u

typedef enum pj_state {
  PJ_QUEUED = 0,
  PJ_OPEN,           /* the owner session is to be opened (handshake cap permitting) */
  PJ_WAIT_HANDSHAKE, /* connecting */
  PJ_SEND,           /* j->req is the step's next request: the pump sends it */
  PJ_WAIT_RESPONSE,  /* the request is out */
  PJ_END,            /* decided (ok, or failure filled): the pump reports it */
  PJ_DONE,
} pj_state;

typedef struct prov_job {
  ocf_obt *obt;
  size_t index;
  ocf_obt_prov_job job;
  pj_state state;
  obt_owner owner;
  bool established;
  ocf_obt_prov_request req;
  uint32_t request_id;
  bool request_open;
  uint32_t requests;
  ocf_time_ms deadline;
  bool ok;
  ocf_obt_prov_failure failure;
} prov_job;

typedef struct obt_prov {
  ocf_obt_prov_params params;
  prov_job *jobs;
  size_t n_jobs, n_done, n_ok, n_failed;
  bool pumping;
} obt_prov;

static const char advice_unreachable[] =
    "check the device is up and reachable (obt discover), then try again";

static void cancel(ocf_obt *obt, uint32_t id) {
  if (ocf_msg_cancel(obt->msg, id) != OCF_OK) return; /* not pending any more: fine */
}

static const char *method_name(uint8_t m) {
  static const char *const names[] = {"?", "GET", "POST", "PUT", "DELETE"};
  return m <= 4 ? names[m] : "?";
}

/* Decides the job failed (reported from the pump). diag is copied; the first failure wins. */
static void set_failed(prov_job *j, const char *stage, ocf_err err, uint16_t code, const char *diag,
                       const char *advice) {
  if (j->state == PJ_END || j->state == PJ_DONE) return;
  j->ok = false;
  j->failure.stage = stage;
  j->failure.err = err;
  j->failure.code = code;
  snprintf(j->failure.diagnostic, sizeof j->failure.diagnostic, "%s", diag ? diag : "");
  j->failure.advice = advice ? advice : "";
  j->state = PJ_END;
}

/* The step's answer to rsp (NULL: the session just came up). */
static void advance(prov_job *j, const ocf_obt_prov_response *rsp) {
  memset(&j->req, 0, sizeof j->req);
  ocf_obt_prov_failure f = {0};
  ocf_obt_prov_next next = j->job.step(j->job.user, rsp, &j->req, &f);
  if (next == OCF_OBT_PROV_DONE) {
    j->ok = true;
    j->state = PJ_END;
    return;
  }
  if (next == OCF_OBT_PROV_FAIL) {
    /* The step's own diagnostic may be anything: keep it printable. */
    for (size_t i = 0; i < sizeof f.diagnostic && f.diagnostic[i]; i++)
      if ((unsigned char)f.diagnostic[i] < 0x20 || f.diagnostic[i] == 0x7f) f.diagnostic[i] = '?';
    f.diagnostic[sizeof f.diagnostic - 1] = '\0';
    set_failed(j, f.stage ? f.stage : "step",
               f.err    ? f.err
               : f.code ? OCF_ERR_DENIED
                        : OCF_ERR_MALFORMED,
               f.code, f.diagnostic, f.advice);
    return;
  }
  bool href_ok = memchr(j->req.href, '\0', sizeof j->req.href) != NULL && j->req.href[0] == '/';
  if (next != OCF_OBT_PROV_SEND || j->req.method < OCF_COAP_GET || j->req.method > OCF_COAP_DELETE ||
      !href_ok || (!j->req.body && j->req.len)) {
    set_failed(j, "step", OCF_ERR_INVALID_ARG, 0, "the step function asked for an invalid request",
               "a bug in obt: report it with the log (-v)");
    return;
  }
  if (j->requests >= PROV_MAX_REQUESTS) {
    set_failed(j, "step", OCF_ERR_TOO_LARGE, 0, "the step function sent too many requests",
               "a bug in obt: report it with the log (-v)");
    return;
  }
  j->state = PJ_SEND;
}

/* --- the session and the requests ----------------------------------------------------------- */

static void on_owner(void *user, obt_owner *o, ocf_err err) {
  (void)o;
  prov_job *j = user;
  if (j->state == PJ_END || j->state == PJ_DONE) return;
  if (err == OCF_OK && j->state == PJ_WAIT_HANDSHAKE) {
    j->established = true;
    j->deadline = OCF_TIME_NEVER;
    advance(j, NULL);
    return;
  }
  if (j->request_open) cancel(j->obt, j->request_id);
  j->request_open = false;
  if (!j->established)
    set_failed(j, "owner session", err, 0,
               err == OCF_ERR_DENIED ? "the device's PSK identity hint names another device"
                                     : "the device refused the owner session (it does not know our owner "
                                       "credential)",
               err == OCF_ERR_DENIED ? "another device answers at this address: check with obt discover"
                                     : "if the device was reset by hand or now belongs to another domain, "
                                       "drop it with obt reset --forget-only UUID");
  else
    set_failed(j, "owner session", err ? err : OCF_ERR_RESET, 0, "the device closed the owner session",
               "try again; check the device's log if it keeps closing it");
}

static void on_response(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  (void)m;
  prov_job *j = user;
  if (!ev->final || !j->request_open || ev->request_id != j->request_id || j->state != PJ_WAIT_RESPONSE)
    return;
  j->request_open = false;
  j->deadline = OCF_TIME_NEVER;
  if (ev->type == OCF_MSG_EV_RESPONSE) {
    ocf_obt_prov_response rsp = {.code = (uint16_t)(OCF_COAP_CODE_CLASS(ev->response->code) * 100 +
                                                    OCF_COAP_CODE_DETAIL(ev->response->code)),
                                 .payload = ev->response->payload,
                                 .len = ev->response->payload_len};
    advance(j, &rsp);
    return;
  }
  char diag[OCF_OBT_DIAG_MAX + 1];
  snprintf(diag, sizeof diag, "no answer to %s %s", method_name(j->req.method), j->req.href);
  ocf_err err = ev->type == OCF_MSG_EV_TIMEOUT ? OCF_ERR_TIMEOUT
                : ev->type == OCF_MSG_EV_RESET ? OCF_ERR_RESET
                : ev->err                      ? ev->err
                                               : OCF_ERR_IO;
  set_failed(j, "request", err, 0, diag, err == OCF_ERR_TIMEOUT ? advice_unreachable : "see the log (-v)");
}

static void send_request(ocf_obt *obt, prov_job *j, ocf_time_ms now) {
  ocf_err err = obt_owner_request(&j->owner, j->req.method, j->req.href, j->req.body, j->req.len, on_response,
                                  j, now, &j->request_id);
  if (err == OCF_ERR_BUSY) return; /* msg's exchanges are all in use: the next pump retries */
  if (err) {
    char diag[OCF_OBT_DIAG_MAX + 1];
    snprintf(diag, sizeof diag, "%s %s could not be sent (%s)", method_name(j->req.method), j->req.href,
             ocf_strerror(err));
    set_failed(j, "request", err, 0, diag, "see the log (-v)");
    return;
  }
  j->request_open = true;
  j->requests++;
  j->state = PJ_WAIT_RESPONSE;
  j->deadline = now + obt->cfg.step_timeout_ms;
}

static void open_session(ocf_obt *obt, prov_job *j, size_t *handshakes, ocf_time_ms now) {
  if (*handshakes >= obt->cfg.max_handshakes) return;
  if (!(j->job.coaps.flags & OCF_EP_SECURE) || j->job.coaps.port == 0) {
    set_failed(j, "owner session", OCF_ERR_NOT_FOUND, 0, "no secure address is known for the device",
               advice_unreachable);
    return;
  }
  j->state = PJ_WAIT_HANDSHAKE; /* before: a synchronous failure event finds the right state */
  ocf_err err = obt_owner_open_stored(obt, &j->owner, obt->prov->params.store, &j->job.uuid, &j->job.coaps,
                                      on_owner, j, now);
  if (j->state == PJ_END) return; /* a synchronous failure event (on_owner) decided already */
  if (err == OCF_ERR_BUSY) {      /* the DTLS caps: the next pump retries */
    j->state = PJ_OPEN;
    return;
  }
  if (err == OCF_ERR_NOT_FOUND) {
    j->state = PJ_OPEN;
    set_failed(j, "store", OCF_ERR_NOT_FOUND, 0, "the store holds no owner credential for the device",
               "the device cannot be provisioned by this domain: onboard it again (obt reset, obt onboard)");
    return;
  }
  if (err) {
    j->state = PJ_OPEN;
    set_failed(j, "owner session", err, 0,
               err == OCF_ERR_STATE ? "a session with this address is open already"
                                    : "the owner session could not start",
               err == OCF_ERR_STATE ? "try again later" : "see the log (-v)");
    return;
  }
  if (j->state == PJ_WAIT_HANDSHAKE) {
    ++*handshakes;
    j->deadline = now + obt->cfg.step_timeout_ms;
  }
}

/* --- reporting ------------------------------------------------------------------------------ */

static void audit(ocf_obt *obt, prov_job *j) {
  const ocf_obt_prov_params *p = &obt->prov->params;
  char uuid[OCF_UUID_STR_LEN], detail[OCF_OBT_AUDIT_DETAIL_MAX + 1];
  ocf_uuid_format(&j->job.uuid, uuid);
  if (j->ok)
    snprintf(detail, sizeof detail, "%s: done (%u requests)", uuid, (unsigned)j->requests);
  else if (j->failure.code)
    snprintf(detail, sizeof detail, "%s: failed at %.31s: the device answered %u.%02u %.120s", uuid,
             j->failure.stage, j->failure.code / 100u, j->failure.code % 100u, j->failure.diagnostic);
  else
    snprintf(detail, sizeof detail, "%s: failed at %.31s: %.120s (%.20s)", uuid, j->failure.stage,
             j->failure.diagnostic, ocf_strerror(j->failure.err));
  ocf_err err = ocf_obt_store_audit_append(p->store, p->wall_now(p->user), p->actor ? p->actor : "obt",
                                           p->what, detail);
  if (err)
    ocf_log(&obt->pf, OCF_LOG_WARN, LOG_MODULE, "provisioning: audit entry not written: %s",
            ocf_strerror(err));
}

static void finish(ocf_obt *obt, prov_job *j, ocf_time_ms now) {
  obt_prov *pr = obt->prov;
  if (j->request_open) cancel(obt, j->request_id);
  j->request_open = false;
  obt_owner_close(&j->owner, now);
  j->state = PJ_DONE;
  j->deadline = OCF_TIME_NEVER;
  pr->n_done++;
  if (j->ok)
    pr->n_ok++;
  else
    pr->n_failed++;
  if (!j->ok)
    ocf_log(&obt->pf, OCF_LOG_INFO, LOG_MODULE, "provisioning: job %zu failed at %s: %s", j->index,
            j->failure.stage, j->failure.diagnostic);
  audit(obt, j);
  ocf_obt_prov_result r = {.job = j->index,
                           .uuid = j->job.uuid,
                           .ok = j->ok,
                           .requests = j->requests,
                           .failure = j->ok ? NULL : &j->failure};
  pr->params.on_result(pr->params.user, &r);
}

/* The store must call the device owned and hold its owner credential (checked again when the
 * session opens): otherwise it is not ours to provision, and is not contacted. */
static void start_job(ocf_obt *obt, prov_job *j, size_t *handshakes, ocf_time_ms now) {
  ocf_obt_device_record r;
  ocf_err err = ocf_obt_store_device_get(obt->prov->params.store, &j->job.uuid, &r);
  if (err) {
    set_failed(j, "store", err, 0,
               err == OCF_ERR_NOT_FOUND ? "the store knows no such device" : "the store could not be read",
               err == OCF_ERR_NOT_FOUND ? "see obt devices for the uuids the store knows"
                                        : "check the store file");
    return;
  }
  if (r.state != OCF_OBT_DEVICE_OWNED) {
    set_failed(j, "store", OCF_ERR_STATE, 0, "the device is not owned by this domain",
               r.state == OCF_OBT_DEVICE_ONBOARDING ? "its onboarding was interrupted: use obt recover"
                                                    : "onboard it first (obt onboard)");
    return;
  }
  j->state = PJ_OPEN;
  open_session(obt, j, handshakes, now);
}

static void all_done(ocf_obt *obt) {
  obt_prov *pr = obt->prov;
  ocf_obt_prov_params p = pr->params;
  size_t ok = pr->n_ok, failed = pr->n_failed;
  obt_prov_free(obt);
  p.on_done(p.user, ok, failed);
}

void obt_prov_pump(ocf_obt *obt, ocf_time_ms now) {
  obt_prov *pr = obt->prov;
  if (!pr || pr->pumping) return;
  pr->pumping = true;
  for (int round = 0; round < 8; round++) {
    size_t running = 0, handshakes = 0;
    for (size_t i = 0; i < pr->n_jobs; i++) {
      running += pr->jobs[i].state != PJ_QUEUED && pr->jobs[i].state != PJ_DONE;
      handshakes += pr->jobs[i].state == PJ_WAIT_HANDSHAKE;
    }
    size_t before = pr->n_done;
    for (size_t i = 0; i < pr->n_jobs; i++) {
      prov_job *j = &pr->jobs[i];
      if (j->state == PJ_QUEUED && running < obt->cfg.max_jobs) {
        running++;
        start_job(obt, j, &handshakes, now);
      } else if (j->state == PJ_OPEN) {
        open_session(obt, j, &handshakes, now);
      } else if (j->state == PJ_SEND) {
        send_request(obt, j, now);
      }
      if (j->state == PJ_END) finish(obt, j, now);
    }
    if (pr->n_done == before) break;
  }
  pr->pumping = false;
  if (pr->n_done == pr->n_jobs) all_done(obt);
}

ocf_time_ms obt_prov_next_timeout(const ocf_obt *obt) {
  const obt_prov *pr = obt->prov;
  ocf_time_ms t = OCF_TIME_NEVER;
  for (size_t i = 0; pr && i < pr->n_jobs; i++)
    if (pr->jobs[i].state != PJ_DONE && pr->jobs[i].deadline < t) t = pr->jobs[i].deadline;
  return t;
}

void obt_prov_on_timeout(ocf_obt *obt, ocf_time_ms now) {
  obt_prov *pr = obt->prov;
  for (size_t i = 0; pr && i < pr->n_jobs; i++) {
    prov_job *j = &pr->jobs[i];
    if (j->state == PJ_DONE || j->deadline > now) continue;
    j->deadline = OCF_TIME_NEVER;
    if (j->state == PJ_WAIT_HANDSHAKE) {
      obt_owner_close(&j->owner, now);
      set_failed(j, "owner session", OCF_ERR_TIMEOUT, 0, "the device did not complete the DTLS handshake",
                 advice_unreachable);
    } else if (j->state == PJ_WAIT_RESPONSE) {
      if (j->request_open) cancel(obt, j->request_id);
      j->request_open = false;
      char diag[OCF_OBT_DIAG_MAX + 1];
      snprintf(diag, sizeof diag, "no answer to %s %s", method_name(j->req.method), j->req.href);
      set_failed(j, "request", OCF_ERR_TIMEOUT, 0, diag, advice_unreachable);
    }
  }
}

void obt_prov_free(ocf_obt *obt) {
  obt_prov *pr = obt->prov;
  if (!pr) return;
  for (size_t i = 0; i < pr->n_jobs; i++) {
    if (pr->jobs[i].request_open) cancel(obt, pr->jobs[i].request_id);
    obt_owner_close(&pr->jobs[i].owner, obt->now);
  }
  obt->pf.free(obt->pf.ctx, pr->jobs);
  obt->pf.free(obt->pf.ctx, pr);
  obt->prov = NULL;
}

static bool word_ok(const char *s) { return s && s[0] && strlen(s) <= OCF_OBT_AUDIT_WORD_MAX; }

OCF_API ocf_err ocf_obt_prov_run(ocf_obt *obt, const ocf_obt_prov_params *p, ocf_time_ms now) {
  if (!obt || !p || !p->store || !p->jobs || !p->n_jobs || !p->wall_now || !p->on_result || !p->on_done ||
      !word_ok(p->what) || (p->actor && !word_ok(p->actor)) || p->n_jobs > SIZE_MAX / sizeof(prov_job))
    return OCF_ERR_INVALID_ARG;
  for (size_t i = 0; i < p->n_jobs; i++) {
    if (!p->jobs[i].step) return OCF_ERR_INVALID_ARG;
    /* One owner session per device (and address) at a time. */
    for (size_t k = 0; k < i; k++)
      if (ocf_uuid_equal(&p->jobs[k].uuid, &p->jobs[i].uuid)) return OCF_ERR_INVALID_ARG;
  }
  if (obt->prov) return OCF_ERR_BUSY;
  obt_prov *pr = obt->pf.alloc(obt->pf.ctx, sizeof *pr);
  prov_job *jobs = pr ? obt->pf.alloc(obt->pf.ctx, p->n_jobs * sizeof *jobs) : NULL;
  if (!jobs) {
    if (pr) obt->pf.free(obt->pf.ctx, pr);
    return OCF_ERR_NO_MEMORY;
  }
  memset(pr, 0, sizeof *pr);
  memset(jobs, 0, p->n_jobs * sizeof *jobs);
  pr->params = *p;
  pr->params.jobs = NULL;
  pr->jobs = jobs;
  pr->n_jobs = p->n_jobs;
  for (size_t i = 0; i < pr->n_jobs; i++) {
    jobs[i].obt = obt;
    jobs[i].index = i;
    jobs[i].job = p->jobs[i];
    jobs[i].deadline = OCF_TIME_NEVER;
  }
  obt->prov = pr;
  if (now > obt->now) obt->now = now;
  obt_prov_pump(obt, now);
  return OCF_OK;
}

OCF_API bool ocf_obt_prov_running(const ocf_obt *obt) { return obt && obt->prov; }
