/* After onboarding: resetting owned devices, forgetting them, and resolving onboardings that
 * were interrupted (a crash, kill -9, a lost device), docs/decisions/0016-dots-engine.md
 * ("Lifecycle and recovery").
 *
 * Every action keeps the store's invariant (issue 5 item 5): the store never calls a device
 * owned without holding its owner credential, and never drops the credential of a device that
 * may still hold it, except when told to (OCF_OBT_LC_FORGET: the device is gone).
 *
 *   RESET    the device is owned (or its onboarding was interrupted after the owner credential
 *            was stored): over the owner session (DTLS PSK with the stored owner credential,
 *            digest §8.1) POST /oic/sec/pstat {dos: {s: 0}} (digest §9); on a 2.xx answer the
 *            device, its steps and its owner credential are forgotten, with an audit entry.
 *            Anything else (no session, refused, no answer) leaves the store as it was.
 *   RECOVER  the device is "onboarding" in the store (interrupted). No owner credential stored:
 *            the credential never went out and the device went back to RFOTM when the
 *            onboarding session dropped (digest §3.6), so the record is dropped without
 *            contacting it. An owner credential stored: the owner session first; a device that
 *            answers over it that it finished the onboarding (GET pstat: RFPRO; GET doxm: owned,
 *            devowneruuid = our uuid, deviceuuid = the record's) holds our credential and every
 *            step, so the record becomes owned (COMPLETED: only the tool's last commit was lost).
 *            Any other device is reset as by RESET; when the owner session does not
 *            come up, the device's plain endpoint is asked for /oic/sec/doxm: an answer
 *            owned = false without devowneruuid means it went through RESET and holds no
 *            credential (digest §3.5), so the record and credential are dropped too. Otherwise
 *            (unreachable, or still holding its onboarding session) they stay: run recovery
 *            again later, or FORGET a device that is gone.
 *   FORGET   drops the record and credential without contacting the device (it is gone, or
 *            was reset by hand), with an audit entry.
 *
 * Jobs run inside the ocf_obt engine like onboarding jobs (<ocf/ocf_obt_onboard.h>): results
 * come through on_result from inside the engine's calls; the last call is on_done. */
#ifndef OCF_OBT_LIFECYCLE_H
#define OCF_OBT_LIFECYCLE_H

#include "ocf_obt.h"
#include "ocf_obt_store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum ocf_obt_lc_action {
  OCF_OBT_LC_RESET = 1,
  OCF_OBT_LC_RECOVER = 2,
  OCF_OBT_LC_FORGET = 3,
} ocf_obt_lc_action;

typedef struct ocf_obt_lc_device {
  ocf_uuid uuid;      /* as the store knows it (its current uuid) */
  ocf_endpoint coaps; /* where to open the owner session (OCF_EP_SECURE); port 0 = unknown */
  ocf_endpoint coap;  /* RECOVER: its plain endpoint, to ask whether it is unowned; port 0 = unknown */
} ocf_obt_lc_device;

typedef enum ocf_obt_lc_outcome {
  OCF_OBT_LC_WAS_RESET = 1, /* the device acknowledged RESET; forgotten */
  OCF_OBT_LC_FORGOTTEN = 2, /* forgotten without a reset (see reason) */
  OCF_OBT_LC_FAILED = 3,    /* nothing in the store changed (see stage, err, advice) */
  /* RECOVER: the device had finished its onboarding (over the owner session it is in RFPRO, owned
   * by us, under the record's uuid): the record is now owned (see reason) */
  OCF_OBT_LC_COMPLETED = 4,
} ocf_obt_lc_outcome;

typedef struct ocf_obt_lc_result {
  size_t job; /* index into the devices given */
  ocf_uuid uuid;
  ocf_obt_lc_outcome outcome;
  const char *reason; /* FORGOTTEN, COMPLETED: why that was safe, one sentence */
  const char *stage;  /* FAILED: "store", "owner session", "reset" */
  uint16_t code;      /* FAILED at "reset": the device's CoAP code as class * 100 + detail; 0 none */
  ocf_err err;        /* FAILED: OCF_ERR_TIMEOUT, OCF_ERR_DENIED, OCF_ERR_STATE, OCF_ERR_NOT_FOUND ... */
  char diagnostic[OCF_OBT_DIAG_MAX + 1]; /* FAILED: what happened (the device's payload, or ours) */
  const char *advice;                    /* FAILED: what to do, one sentence */
} ocf_obt_lc_result;

typedef struct ocf_obt_lc_params {
  ocf_obt_store *store; /* open; unlocked for RESET and RECOVER (they read the owner credential) */
  ocf_obt_lc_action action;
  const ocf_obt_lc_device *devices; /* copied */
  size_t n_devices;
  const char *actor;                       /* the audit log's actor; NULL = "obt" */
  ocf_obt_wall_ms (*wall_now)(void *user); /* timestamps for the store */
  void (*on_result)(void *user, const ocf_obt_lc_result *r);
  void (*on_done)(void *user, size_t n_ok, size_t n_failed); /* last; may start the next run */
  void *user;
} ocf_obt_lc_params;

/* Starts one job per device; at most cfg.max_jobs at once, cfg.max_handshakes handshaking,
 * each step bounded by cfg.step_timeout_ms. A device the store does not know, or one in a state
 * the action does not apply to (RESET: owned, or onboarding with a stored owner credential;
 * RECOVER: onboarding), fails its job with OCF_ERR_NOT_FOUND / OCF_ERR_STATE and nothing
 * changes. OCF_ERR_INVALID_ARG (NULL, no devices, no callbacks, a bad action, the same uuid
 * twice), OCF_ERR_BUSY (a run is going on), OCF_ERR_NO_MEMORY. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_lifecycle(ocf_obt *obt, const ocf_obt_lc_params *p, ocf_time_ms now);

/* Whether a run is going on. */
OCF_API bool ocf_obt_lifecycle_running(const ocf_obt *obt);

/* What recovery does with a device the store holds as "onboarding". */
typedef enum ocf_obt_recovery {
  OCF_OBT_RECOVERY_NONE = 0,   /* not interrupted (owned, failed, discovered) */
  OCF_OBT_RECOVERY_FORGET = 1, /* no owner credential stored: the record is dropped */
  OCF_OBT_RECOVERY_RESET = 2,  /* the owner credential may be on the device: the owner session, then
                                  the record owned (the device finished) or the device reset */
} ocf_obt_recovery;

/* The plan for one device: whether the store holds an owner credential for it (the store may be
 * locked). OCF_ERR_NOT_FOUND (no such device), the store's errors. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_recovery_plan(ocf_obt_store *s, const ocf_uuid *uuid,
                                                    ocf_obt_recovery *out);

#ifdef __cplusplus
}
#endif
#endif
