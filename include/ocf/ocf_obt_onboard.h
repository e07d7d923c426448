/* Ownership transfer (DOTS, OBT 5.3.1 steps 1-12; digest §5): the onboarding tool claims
 * devices into its security domain, one job per device, every job running the same step table
 * whatever the OTM (docs/decisions/0016-dots-engine.md).
 *
 * The jobs run inside the ocf_obt engine (<ocf/ocf_obt.h>): the host keeps driving its engine
 * (datagrams, time) and hears of progress through on_event. Every step is recorded in the
 * domain store before its request goes out and after it ends (ocf_obt_store step_begin /
 * step_end), so an interrupted onboarding can be told apart from a finished one; the owner
 * credential is stored (sealed) before the device is asked to commit it.
 *
 * What the engine sends, per device (digest §5.2 in IoTivity-Lite's shapes, S003 §5.3.1 order):
 *   coap   GET  /oic/sec/doxm                      step 1/3: oxms, owned, deviceuuid D; skipped when
 *                                                  discovery's doxm?owned=FALSE answer gave them
 *                                                  (has_doxm) and they pass the same checks
 *   coap   POST /oic/sec/doxm {oxmsel}              step 4
 *          DTLS handshake (the OTM's suite)        step 5 (Random PIN: after the PIN is given)
 *   coaps  POST /oic/sec/pstat {om: 4}              step 6
 *   coaps  POST /oic/sec/doxm {devowneruuid: O, deviceuuid: D2}  steps 7 + 9 (step 8, the
 *                                                  read-back, is a "may" in S003 and skipped, as
 *                                                  IoTivity-Lite's tool does); D2 from the
 *                                                  platform's generator
 *   coaps  POST /oic/sec/cred {creds: [owner credential, empty key], rowneruuid: O}  10 + 11c
 *   coaps  POST /oic/sec/doxm {rowneruuid: O, owned: true}                          11a + 11e
 *   coaps  POST /oic/sec/acl2 {rowneruuid: O}       11d
 *   coaps  POST /oic/sec/sdi {uuid, name, priv}     11h (4.04: the device has no sdi; go on)
 *   coaps  POST /oic/sec/pstat {rowneruuid: O, dos: {s: 2}}  11b, then step 12 (RFPRO)
 *          close_notify
 * A device that refuses one of the two combined UPDATEs (4.xx) gets its parts one by one
 * instead (devowneruuid, deviceuuid; pstat rowneruuid, dos), so only that device pays the round
 * trip; a device that refuses a whole update changes nothing (ours), and the parts are
 * idempotent for one that applied a part. 8 requests, 23 datagrams with the handshake's 6 and
 * the close_notify (docs/BENCHMARKS.md).
 * Manufacturer certificate (digest §4.4): the device's chain must verify up to one of the
 * domain's manufacturer trust anchors (<ocf/ocf_obt_trust.h>) and meet the OCF certificate
 * profile at the wall_now time; a refusal names the certificate problem in the failure's
 * diagnostic.
 * On a failure after the handshake the engine asks the device to reset (POST pstat
 * {dos: {s: 0}}, digest §3.6) and closes the session. */
#ifndef OCF_OBT_ONBOARD_H
#define OCF_OBT_ONBOARD_H

#include "ocf_obt.h"
#include "ocf_obt_store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* OTMs by their doxm oxm number (SEC:doxm). */
typedef enum ocf_obt_otm {
  OCF_OBT_OTM_NONE = -1,
  OCF_OBT_OTM_JUST_WORKS = 0, /* "jw", oic.sec.doxm.jw */
  OCF_OBT_OTM_RANDOM_PIN = 1, /* "rdp", oic.sec.doxm.rdp */
  OCF_OBT_OTM_MFG_CERT = 2,   /* "mfgcert", oic.sec.doxm.mfgcert */
} ocf_obt_otm;

/* "jw", "rdp", "mfgcert" (the names of an OTM policy); "?" otherwise. */
OCF_API const char *ocf_obt_otm_name(ocf_obt_otm otm);
/* Whether this build's engine can run the OTM (jw: the TLS library must have the anonymous
 * suite; mfgcert: the ECDHE_ECDSA CCM suites; an onboarding then also needs manufacturer trust
 * anchors in the domain, <ocf/ocf_obt_trust.h>). */
OCF_API bool ocf_obt_otm_available(ocf_obt_otm otm);
/* OBT 5.3.3: the first OTM of policy (comma-separated names, ocf_obt_otm_policy_valid) that the
 * device offers in oxms and this build can run; OCF_OBT_OTM_NONE when there is none. An
 * onboarding chooses the same way, skipping mfgcert when the domain holds no manufacturer trust
 * anchors (the failure then says so). */
OCF_API ocf_obt_otm ocf_obt_otm_choose(const char *policy, const uint32_t *oxms, size_t n_oxms);

/* One device to claim. */
typedef struct ocf_obt_onboard_device {
  ocf_uuid uuid;      /* its doxm deviceuuid as discovered (the temporary one) */
  ocf_endpoint coap;  /* its unsecured unicast endpoint (oxmsel goes there: pitfall 8) */
  ocf_endpoint coaps; /* its coaps endpoint (OCF_EP_SECURE) */
  char name[OCF_OBT_NAME_MAX];
  char type[OCF_OBT_TYPE_MAX];
  /* Its doxm as discovery's doxm?owned=FALSE answer gave it (unowned, no devowneruuid, deviceuuid
   * = uuid): the unicast GET of step 1 is then not sent. false: the engine reads doxm itself. */
  bool has_doxm;
  uint32_t oxms[OCF_OBT_MAX_OXMS];
  size_t n_oxms;
} ocf_obt_onboard_device;

/* Fills *out from a discovery result: uuid, name, type, coap = the address it answered from,
 * coaps = the advertised coaps endpoint of the same family, preferring the same address, and
 * the doxm fields when discovery read an unowned doxm of that uuid (has_doxm).
 * OCF_ERR_NOT_FOUND when it advertised no coaps endpoint of that family. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_onboard_device_from(const ocf_obt_device_info *info,
                                                          ocf_obt_onboard_device *out);

typedef enum ocf_obt_onboard_event_type {
  OCF_OBT_EV_STEP = 1,   /* a step begins (step, requests so far) */
  OCF_OBT_EV_PIN_NEEDED, /* Random PIN: the device shows its PIN now; answer with ocf_obt_onboard_pin (again
                          * for a retried handshake: the device then shows a new PIN) */
  OCF_OBT_EV_OWNED,      /* final for this device: owned by the domain, in RFPRO, uuid = its new uuid */
  OCF_OBT_EV_FAILED,     /* final for this device: see failure */
  OCF_OBT_EV_ALL_DONE,   /* every job has ended; the last event of an ocf_obt_onboard */
} ocf_obt_onboard_event_type;

/* Why a job failed: enough to act on without a packet capture. */
typedef struct ocf_obt_onboard_failure {
  const char *step; /* the step's name in the store, e.g. "owner-credential" */
  char request[40]; /* "POST /oic/sec/cred", "DTLS handshake", "" */
  uint16_t code;    /* the device's CoAP response code as class * 100 + detail (404); 0 none */
  ocf_err err;      /* our view: OCF_ERR_DENIED (refused), OCF_ERR_TIMEOUT, OCF_ERR_CRYPTO ... */
  char diagnostic[OCF_OBT_DIAG_MAX + 1]; /* the device's diagnostic payload (printable), or why */
  const char *advice;                    /* what to do next, one sentence */
  /* The device may hold the owner credential while the store cannot confirm it did not commit
   * it (the reset after a late failure went unanswered): the store keeps the credential and
   * leaves the device "onboarding", so it can be reset with it later. */
  bool uncertain;
} ocf_obt_onboard_failure;

typedef struct ocf_obt_onboard_event {
  ocf_obt_onboard_event_type type;
  size_t job;                             /* index into the devices given to ocf_obt_onboard */
  const ocf_obt_onboard_device *device;   /* NULL for ALL_DONE */
  ocf_uuid uuid;                          /* the device's current uuid (D2 once changed) */
  ocf_obt_otm otm;                        /* the OTM chosen, NONE before */
  const char *step;                       /* STEP: the step beginning */
  uint32_t requests;                      /* CoAP requests this job sent so far */
  const ocf_obt_onboard_failure *failure; /* FAILED only */
  size_t n_owned, n_failed;               /* ALL_DONE */
  ocf_time_ms now;
} ocf_obt_onboard_event;

typedef struct ocf_obt_onboard_params {
  /* The domain store, open and unlocked (secrets are written): the domain (the tool's uuid, the
   * sdi values, the OTM policy) is read from it; devices, steps, audit and owner credentials
   * are written to it. Must stay open until ALL_DONE. */
  ocf_obt_store *store;
  const ocf_obt_onboard_device *devices; /* copied */
  size_t n_devices;
  const char *otm_policy;                  /* NULL: the domain's policy */
  ocf_obt_wall_ms (*wall_now)(void *user); /* timestamps for the store */
  void (*on_event)(void *user, const ocf_obt_onboard_event *ev);
  void *user;
} ocf_obt_onboard_params;

/* Starts one job per device; at most cfg.max_jobs run at once and at most cfg.max_handshakes
 * of them handshake at once (the rest wait their turn). A device the store already calls owned
 * fails at once (it is never touched). Events follow through on_event, from inside the engine's
 * calls (and from this call); from on_event one may call ocf_obt_onboard_pin and the getters.
 * OCF_ERR_INVALID_ARG (NULL, no devices, no callbacks, a device without a coaps endpoint, the
 * same uuid twice, a bad policy), OCF_ERR_BUSY (an onboarding is running), OCF_ERR_NOT_FOUND
 * (no domain in the store), OCF_ERR_NO_MEMORY, the store's errors. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_onboard(ocf_obt *obt, const ocf_obt_onboard_params *p, ocf_time_ms now);

/* The PIN the device of job shows (1..32 printable ASCII characters), after PIN_NEEDED; an
 * empty PIN (len 0) gives up on that device. Copied and wiped after use.
 * OCF_ERR_STATE (the job is not waiting for a PIN), OCF_ERR_INVALID_ARG. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_onboard_pin(ocf_obt *obt, size_t job, const char *pin, size_t len,
                                                  ocf_time_ms now);

/* Whether an onboarding is running. */
OCF_API bool ocf_obt_onboarding(const ocf_obt *obt);

/* Requests sent and datagrams exchanged by the last onboarding (all jobs). */
typedef struct ocf_obt_onboard_stats {
  size_t jobs, owned, failed;
  size_t requests;   /* CoAP requests */
  size_t handshakes; /* DTLS handshakes started */
  /* UDP datagrams the engine received / handed out for sending since the onboarding began
   * (CoAP messages, DTLS records and flights; a late discovery answer included). After
   * ALL_DONE they keep counting until the next onboarding starts, so read them once the host
   * has sent what the engine queued (the final close_notify records). */
  size_t datagrams_in, datagrams_out;
} ocf_obt_onboard_stats;
OCF_API void ocf_obt_onboard_stats_get(const ocf_obt *obt, ocf_obt_onboard_stats *out);

#ifdef __cplusplus
}
#endif
#endif
