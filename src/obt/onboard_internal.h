/* The DOTS engine's jobs and step table, shared by onboard.c (jobs: scheduling, store, events,
 * failures) and onboard_steps.c (what each step sends and accepts). ADR 0016. */
#ifndef OCF_OBT_ONBOARD_INTERNAL_H
#define OCF_OBT_ONBOARD_INTERNAL_H

#include <ocf/ocf_obt_onboard.h>

#include "coap/coap.h"
#include "obt/obt_internal.h"
#include "obt/otm_client.h"
#include "obt/trust.h"
#include "rep/rep.h"

#define OBT_PAYLOAD_MAX 512 /* the largest body a step sends (sdi with a 64-byte name: ~120) */
#define OBT_OWNER_PSK_SECRET "owner-psk"

typedef enum obt_job_state {
  JOB_QUEUED = 0,     /* waiting for a free job slot */
  JOB_READY,          /* its current step can start */
  JOB_WAIT_RESPONSE,  /* a request is out */
  JOB_WAIT_PIN,       /* Random PIN: waiting for ocf_obt_onboard_pin */
  JOB_WAIT_HANDSHAKE, /* connecting */
  JOB_ROLLBACK,       /* failed; the reset request to the device is out */
  JOB_PAUSE,          /* a retried handshake waits before it finds the device again (onboard_retry.c) */
  JOB_REFIND,         /* its GET /oic/sec/doxm is out */
  JOB_DONE,
} obt_job_state;

typedef struct obt_job {
  ocf_obt *owner;
  size_t index;
  ocf_obt_onboard_device dev;
  obt_job_state state;
  size_t step; /* index into the step table */
  ocf_obt_otm otm;
  ocf_uuid uuid;     /* the device's uuid: D, then D2 once it took it */
  ocf_uuid new_uuid; /* D2, drawn when its step begins */
  obt_otm_session otm_s;
  char pin[OBT_OTM_PIN_MAX + 1];
  size_t pin_len;
  bool pin_given;
  bool doc_open;     /* the onboarding session (DOC) is established */
  bool closing;      /* we are closing it: its CLOSED event is ours */
  bool cred_sent;    /* the owner credential went out and was not refused */
  bool reset_acked;  /* the device acknowledged the reset of a rollback */
  bool request_open; /* request_id is pending in msg */
  uint32_t request_id;
  uint8_t key_block[OCF_KEY_BLOCK_MAX]; /* of the DOC, wiped when the job ends */
  size_t key_block_len;
  ocf_time_ms deadline; /* of the current request or handshake; OCF_TIME_NEVER none */
  int64_t step_id;      /* the store's row of the current step */
  bool step_open;
  uint32_t requests, step_requests;
  uint32_t retries; /* of the current step's request (or the rollback's reset), cfg.step_retries max */
  bool resend;      /* the next send repeats the step's request: its prepare is not run again */
  bool split;       /* a split_ok row was refused: its split_only rows run */
  bool check;       /* a resent split_ok row was refused: its check_only row runs */
  /* A retried handshake (onboard_retry.c): how many so far (cfg.step_retries max), the doxm
   * re-read due before oxmsel goes again, a "kick" handshake due or running (it only makes the
   * device drop the abandoned one), and how many kicks the job made. */
  uint32_t hs_retries;
  bool rehs, refind, kick_due, kick;
  bool doc_lost; /* the DOC ended under the job: the doxm read again must prove the reset */
  uint32_t kicks;
  bool failed;
  bool hands_off; /* the store holds it as owned: neither it nor its record is touched */
  ocf_obt_onboard_failure failure;
} obt_job;

struct obt_onboarding {
  ocf_obt_onboard_params params;
  ocf_obt_domain domain;
  char policy[OCF_OBT_OTM_POLICY_MAX + 1];
  obt_job *jobs;
  size_t n_jobs;
  size_t n_done, n_owned, n_failed;
  bool pumping;
  ocf_obt_onboard_stats stats;
  /* The domain's mfgtrustca anchors, read once when the onboarding starts (mfgcert runs only
   * when there is at least one; the sessions point into anchor_der). */
  uint8_t anchor_der[OCF_OBT_TRUST_MAX][OCF_OBT_TRUST_CERT_MAX];
  ocf_bytes anchors[OCF_OBT_TRUST_MAX];
  size_t n_anchors;
};

typedef enum obt_step_kind {
  STEP_REQUEST = 0,
  STEP_HANDSHAKE,
  STEP_CLOSE,
} obt_step_kind;

/* One row of the step table. */
typedef struct obt_step {
  const char *name; /* the store's step name */
  uint8_t kind;     /* obt_step_kind */
  uint8_t method;   /* OCF_COAP_GET / POST */
  const char *href;
  bool secure;     /* over the DOC */
  bool missing_ok; /* 4.04 means the device lacks the resource: the step is skipped (sdi) */
  bool owner_cred; /* it carries the owner credential (the store keeps it if unsure) */
  /* It combines UPDATEs the spec lists as separate steps: when the device refuses it (4.xx),
   * the job runs the split_only rows that follow it instead (the parts, one by one). */
  bool split_ok;
  bool split_only; /* runs only after the combined row before it was refused */
  /* Whether the job can leave the step out (what it would learn is known already); NULL: never.
   * It may set what the step's take would have set. */
  bool (*skip)(ocf_obt *obt, obt_job *j);
  /* Before the request goes out (after step_begin is committed): draw values, store secrets.
   * NULL for none. An error fails the job at this step without a request. */
  ocf_err (*prepare)(ocf_obt *obt, obt_job *j);
  /* The body; NULL for none. */
  void (*build)(const ocf_obt *obt, const obt_job *j, ocf_rep_enc *e);
  /* A 2.xx answer: check it and take what it carries; NULL to accept any. An error fails the
   * job with diag (a static reason) naming what was wrong. */
  ocf_err (*take)(ocf_obt *obt, obt_job *j, const ocf_coap_msg *rsp, const char **diag);
  const char *advice; /* when the device refuses it */
  /* Runs only when the split_ok row before it was refused after a resend: the first copy may
   * have taken (its answer lost) and changed what the device accepts; its take reads the device
   * back and sets split when the parts must still be sent. Last column: zero in other rows. */
  bool check_only;
} obt_step;

const obt_step *obt_step_at(size_t i);
size_t obt_step_count(void);
/* The first step at or after i that the job runs (skip hooks, split_only rows); the count when
 * none. */
size_t obt_step_next(ocf_obt *obt, obt_job *j, size_t i);
/* Whether row i + 1 is a check_only row (row i's refusal after a resend is read back first). */
bool obt_step_has_check(size_t i);

/* Builds the CoAP request of a step (or of the rollback) with its body into body[0..cap). */
OCF_NODISCARD ocf_err obt_build_request(uint8_t method, const char *href, const uint8_t *body, size_t len,
                                        ocf_coap_msg *req, uint8_t *scratch, size_t scratch_cap);

/* retries (onboard_retry.c) */
/* cfg.step_retries for an unanswered step's request (JOB_WAIT_RESPONSE): true when it is sent
 * again by the next pump. */
bool obt_retry_step(ocf_obt *obt, obt_job *j);
/* The job's handshake (or kick) ended without a session, its own session closed: true when the
 * job goes on (a retry from oxmsel, digest 3.6), false when it must fail. */
bool obt_retry_handshake(ocf_obt *obt, obt_job *j, ocf_time_ms now);
/* The DOC ended under a running job (not ours to close): true when the job starts over from
 * oxmsel (before the rfpro step, while retries allow). */
bool obt_retry_doc_lost(ocf_obt *obt, obt_job *j, ocf_time_ms now);
/* The device refused a step's request during a retried handshake: true when that means it is
 * still busy with the abandoned handshake and the job goes on (a kick). */
bool obt_retry_refused(ocf_obt *obt, obt_job *j, ocf_time_ms now);
/* A READY job with refind or kick_due: sends the doxm re-read or starts the kick (within the
 * handshakes cap). */
void obt_retry_run(ocf_obt *obt, obt_job *j, size_t *handshakes, ocf_time_ms now);
/* JOB_PAUSE and JOB_REFIND deadlines. */
void obt_retry_on_timeout(ocf_obt *obt, obt_job *j, ocf_time_ms now);

/* jobs (onboard.c) */
void obt_job_close_doc(ocf_obt *obt, obt_job *j, ocf_time_ms now);
OCF_NODISCARD ocf_err obt_job_store_step(ocf_obt *obt, obt_job *j, ocf_obt_step_status status, uint16_t code,
                                         const char *diag, const char *next);
void obt_job_emit_step(ocf_obt *obt, obt_job *j, ocf_time_ms now);
/* A request of the job went out (request_id set): counted, awaited in state until the step
 * deadline. */
void obt_job_request_out(ocf_obt *obt, obt_job *j, obt_job_state state, ocf_time_ms now);
/* ocf_obt_otm_choose, with mfgcert only when mfg_ok (the domain holds manufacturer anchors). */
ocf_obt_otm obt_otm_choose(const char *policy, const uint32_t *oxms, size_t n_oxms, bool mfg_ok);
void obt_job_fail(ocf_obt *obt, obt_job *j, ocf_err err, uint16_t code, const char *diag, const char *advice,
                  ocf_time_ms now);
ocf_obt_wall_ms obt_onboard_wall(const ocf_obt *obt);

#endif
