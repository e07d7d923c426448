/* Provisioning of owned devices: the engine under credential management (CMS) and access
 * management (AMS), OBT spec 5.4, 5.5 (digest §6-8).
 *
 * A run is a set of jobs, one per device. Each job opens the owner session to its device (DTLS
 * PSK with the stored owner credential, digest §8.1) and then asks the job's step function, a
 * pure function of the last response, for the next request; the engine sends it over the session
 * and calls the step again with the answer, until the step says DONE or FAIL. What to send
 * (cred, acl2, csr, crl, pstat payloads) lives in the step functions of the CMS and AMS modules;
 * the engine knows only sessions, requests, caps, timeouts, the audit log and the report.
 *
 * Jobs run inside the ocf_obt engine like onboarding and lifecycle jobs: at most cfg.max_jobs at
 * once, cfg.max_handshakes handshaking, each request bounded by cfg.step_timeout_ms. Results come
 * through on_result from inside the engine's calls; the last call is on_done. */
#ifndef OCF_OBT_PROV_H
#define OCF_OBT_PROV_H

#include "ocf_obt.h"
#include "ocf_obt_store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OCF_OBT_PROV_HREF_MAX 160 /* path and "?query" */

/* What a step asks the engine to send. The body stays the step's (its user's) memory and must
 * stay valid until the step is called again. */
typedef struct ocf_obt_prov_request {
  uint8_t method; /* 1 GET, 2 POST, 3 PUT, 4 DELETE (CoAP method codes) */
  char href[OCF_OBT_PROV_HREF_MAX];
  const uint8_t *body; /* CBOR (application/vnd.ocf+cbor); NULL with len 0 for none */
  size_t len;
} ocf_obt_prov_request;

/* The device's answer to the last request. */
typedef struct ocf_obt_prov_response {
  uint16_t code; /* class * 100 + detail: 205, 204, 404 ... */
  const uint8_t *payload;
  size_t len;
} ocf_obt_prov_response;

/* Why a job failed: the step fills it when it returns FAIL (the engine fills it for session
 * and transport failures). */
typedef struct ocf_obt_prov_failure {
  const char *stage;                     /* e.g. "owner session", "read csr", "post cred" */
  uint16_t code;                         /* the device's CoAP code (class * 100 + detail); 0 none */
  ocf_err err;                           /* OCF_ERR_DENIED, OCF_ERR_TIMEOUT, OCF_ERR_MALFORMED ... */
  char diagnostic[OCF_OBT_DIAG_MAX + 1]; /* the device's diagnostic payload (printable), or ours */
  const char *advice;                    /* what to do, one sentence */
} ocf_obt_prov_failure;

typedef enum ocf_obt_prov_next {
  OCF_OBT_PROV_SEND = 1, /* *req is filled: send it */
  OCF_OBT_PROV_DONE = 2, /* the job succeeded */
  OCF_OBT_PROV_FAIL = 3, /* the job failed: *fail is filled */
} ocf_obt_prov_next;

/* A job's step function: first called with rsp NULL once the owner session is up, then with
 * each answer (any code: the step decides what an error means). Runs inside the engine's calls;
 * must not call the engine. */
typedef ocf_obt_prov_next (*ocf_obt_prov_step)(void *job_user, const ocf_obt_prov_response *rsp,
                                               ocf_obt_prov_request *req, ocf_obt_prov_failure *fail);

typedef struct ocf_obt_prov_job {
  ocf_uuid uuid;      /* the device as the store knows it (owned: its owner credential is used) */
  ocf_endpoint coaps; /* where to open the owner session (OCF_EP_SECURE) */
  ocf_obt_prov_step step;
  void *user; /* the step's state */
} ocf_obt_prov_job;

typedef struct ocf_obt_prov_result {
  size_t job; /* index into the jobs given */
  ocf_uuid uuid;
  bool ok;
  uint32_t requests;                   /* requests this job sent */
  const ocf_obt_prov_failure *failure; /* !ok only */
} ocf_obt_prov_result;

typedef struct ocf_obt_prov_params {
  ocf_obt_store *store;         /* open and unlocked (the owner credentials are read) */
  const ocf_obt_prov_job *jobs; /* copied */
  size_t n_jobs;
  const char *what;  /* the audit log's action, e.g. "pair", "cert issue", "acl add" */
  const char *actor; /* the audit log's actor; NULL = "obt" */
  ocf_obt_wall_ms (*wall_now)(void *user);
  void (*on_result)(void *user, const ocf_obt_prov_result *r);
  void (*on_done)(void *user, size_t n_ok, size_t n_failed); /* last; may start the next run */
  void *user;
} ocf_obt_prov_params;

/* Starts the run. A device the store does not call owned (or whose owner credential it lacks)
 * fails its job with OCF_ERR_STATE / OCF_ERR_NOT_FOUND without being contacted. Each job writes
 * one audit entry (action `what`) when it ends; a job whose step asks for an invalid request, or
 * for more than 256 requests, fails at stage "step". Transport failures come with stage "owner
 * session" (the handshake, or the session closed) or "request" (no answer within
 * cfg.step_timeout_ms: OCF_ERR_TIMEOUT).
 * OCF_ERR_INVALID_ARG (NULL, no jobs, no callbacks, a job without a step, two jobs for one
 * device, `what` or `actor` empty or longer than OCF_OBT_AUDIT_WORD_MAX), OCF_ERR_BUSY (a
 * provisioning run is going on), OCF_ERR_NO_MEMORY. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_prov_run(ocf_obt *obt, const ocf_obt_prov_params *p, ocf_time_ms now);

/* ---- the RFPRO bracket ----------------------------------------------------------------------- */

/* Wraps another job's step so that it runs in RFPRO: GET /oic/sec/pstat first; in RFNOP, POST
 * {"dos":{"s":2}} (RFPRO), run the inner step, and POST {"dos":{"s":3}} (RFNOP) again at its end,
 * after a failure as well. A device refuses credential and ACL writes in RFNOP (digest §3.3), and
 * a device that was in normal operation should be left there. In any other state the inner step
 * runs unchanged. The inner step sees exactly the answers to its own requests (first call with
 * rsp NULL). Init with ocf_obt_rfpro_init; use ocf_obt_rfpro_step with the wrapper as job user. */
typedef struct ocf_obt_rfpro {
  ocf_obt_prov_step inner;
  void *inner_user;
  /* --- output --- */
  bool was_rfnop;   /* the device was in RFNOP: moved to RFPRO (and, when back, to RFNOP) */
  bool back_failed; /* the POST back to RFNOP failed: the device stays in RFPRO */
  /* --- private --- */
  uint8_t phase;
  ocf_obt_prov_next end; /* the inner step's end, kept while the device goes back to RFNOP */
  ocf_obt_prov_failure end_fail;
  uint8_t body[16];
} ocf_obt_rfpro;

OCF_API void ocf_obt_rfpro_init(ocf_obt_rfpro *w, ocf_obt_prov_step inner, void *inner_user);
OCF_API ocf_obt_prov_next ocf_obt_rfpro_step(void *user, const ocf_obt_prov_response *rsp,
                                             ocf_obt_prov_request *req, ocf_obt_prov_failure *fail);

/* Whether a provisioning run is going on. */
OCF_API bool ocf_obt_prov_running(const ocf_obt *obt);

#ifdef __cplusplus
}
#endif
#endif
