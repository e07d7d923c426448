/* Domain maintenance (`obt maintain`, docs/decisions/0025-obt-maintain.md; digest §6.7, OBT 6.1):
 * what a pass has to do at a given time, decided from the store's records alone: re-sign the CRL
 * (none yet, a revocation since it was signed, its nextUpdate near or past), push the current
 * CRL to the owned devices that do not hold it, renew identity certificates near their
 * notAfter. The decisions are pure functions of records and "now" (UTC seconds from the
 * caller), so tests choose the time; ocf_obt_maint_plan gathers the records from the store.
 * Implementation: src/obt/maintain.c. */
#ifndef OCF_OBT_MAINTAIN_H
#define OCF_OBT_MAINTAIN_H

#include "ocf_obt_ca.h"
#include "ocf_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Why the CRL has to be signed again, or OCF_OBT_CRL_FRESH. */
typedef enum ocf_obt_crl_need {
  OCF_OBT_CRL_FRESH = 0, /* nothing to do */
  OCF_OBT_CRL_NONE,      /* the domain never signed one (with ocf_obt_crl_issue) */
  OCF_OBT_CRL_REVOKED,   /* a certificate was revoked after it was signed */
  OCF_OBT_CRL_DUE,       /* its nextUpdate is within the window */
  OCF_OBT_CRL_EXPIRED,   /* its nextUpdate has passed */
} ocf_obt_crl_need;

/* "fresh", "none", "revoked", "due", "expired". */
OCF_API const char *ocf_obt_crl_need_name(ocf_obt_crl_need need);

/* cur: the current CRL (NULL: none); next_number: ocf_obt_crl_number (it exceeds cur->number + 1
 * only when a revocation raised it after cur was signed); before: seconds ahead of nextUpdate
 * that a new CRL is due (0: only once passed; negative: a quarter of cur's lifetime, nextUpdate
 * minus thisUpdate). */
OCF_API ocf_obt_crl_need ocf_obt_maint_crl_need(const ocf_obt_crl_info *cur, uint64_t next_number,
                                                int64_t now, int64_t before);

/* Whether a device gets the current CRL this pass: held is what the store knows (NULL: nothing,
 * e.g. never pushed or onboarded again since); a device without /oic/sec/crl never does;
 * resign: the CRL is signed again this pass (every device then needs the new one). */
OCF_API bool ocf_obt_maint_crl_push_needed(const ocf_obt_crl_info *cur, bool resign,
                                           const ocf_obt_crl_held *held);

typedef enum ocf_obt_cert_need {
  OCF_OBT_CERT_OK = 0,       /* valid beyond the window */
  OCF_OBT_CERT_EXPIRING,     /* notAfter within the window: renew */
  OCF_OBT_CERT_EXPIRED,      /* notAfter passed: renew */
  OCF_OBT_CERT_REVOKED_LAST, /* the device's newest certificate is revoked: never renewed */
  OCF_OBT_CERT_UNFINISHED,   /* a renewal was cut short (ocf_obt_maint_renewing): renew again */
} ocf_obt_cert_need;

/* "ok", "expiring", "expired", "revoked", "unfinished". */
OCF_API const char *ocf_obt_cert_need_name(ocf_obt_cert_need need);

/* r: a device's current identity certificate (ocf_obt_maint_cert_newer picks it); before: the
 * renewal window in seconds. A revoked certificate is OCF_OBT_CERT_REVOKED_LAST: the owner
 * revoked it on purpose, renewing it would undo that. */
OCF_API ocf_obt_cert_need ocf_obt_maint_cert_need(const ocf_obt_cert_record *r, int64_t now, int64_t before);

/* Whether cand replaces best as a device's current identity certificate: an identity
 * certificate issued later (ties: the later notAfter). best NULL: cand is identity. Role and
 * tool certificates never are. */
OCF_API bool ocf_obt_maint_cert_newer(const ocf_obt_cert_record *cand, const ocf_obt_cert_record *best);

/* Crash safety (docs/HARDENING.md): a renewal marks the device (on) before its new certificate
 * goes out and clears the mark (off) once the replaced ones are deleted. A renewal killed in
 * between left the new certificate and the old one on the device, and the next pass, seeing the
 * new one valid, renewed nothing; now the mark makes the plan say OCF_OBT_CERT_UNFINISHED and the
 * pass renews again (the job replaces every identity certificate the device holds). The mark is a
 * device value of the store ("cert-renewing"). OCF_ERR_NOT_FOUND (no such device), OCF_ERR_STATE
 * (locked), OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_maint_renewing(ocf_obt_store *s, const ocf_uuid *device, bool on);

/* One owned device in a pass's plan. */
typedef struct ocf_obt_maint_device {
  ocf_uuid uuid;
  bool held_known;          /* the store knows what its /oic/sec/crl holds */
  ocf_obt_crl_held held;    /* held_known: that */
  bool crl_push;            /* give it the current CRL (the re-signed one when crl_need) */
  bool has_cert;            /* it has an identity certificate of ours */
  ocf_obt_cert_record cert; /* has_cert: its current one */
  ocf_obt_cert_need cert_need;
} ocf_obt_maint_device;

typedef struct ocf_obt_maint_params {
  int64_t now; /* UTC seconds */
  int64_t
      crl_before; /* seconds: re-sign when nextUpdate is this close (< 0: a quarter of the CRL's lifetime) */
  int64_t renew_before; /* seconds: renew certificates expiring this soon */
} ocf_obt_maint_params;

typedef struct ocf_obt_maint_plan {
  bool have_ca;  /* without a CA there is no CRL and no certificate to renew */
  bool have_crl; /* crl is the current CRL */
  ocf_obt_crl_info crl;
  uint64_t next_number; /* ocf_obt_crl_number */
  ocf_obt_crl_need crl_need;
  size_t n_devices; /* the owned devices, in the store's order */
} ocf_obt_maint_plan;

/* Reads the store (unlocked: what devices hold is kept with their secrets) and decides the pass
 * at p->now: the CRL's need, and one entry per owned device in devs[0..cap). OCF_ERR_NO_SPACE
 * (more owned devices than cap: plan->n_devices says how many), OCF_ERR_STATE (locked),
 * OCF_ERR_MALFORMED, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_maint_plan_make(ocf_obt_store *s, const ocf_obt_maint_params *p,
                                                      ocf_obt_maint_device *devs, size_t cap,
                                                      ocf_obt_maint_plan *plan);

/* "90d", "12h", "30m", "45s", "2w" or plain seconds ("3600"): a non-negative number of seconds
 * up to 100 years. OCF_ERR_INVALID_ARG otherwise. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_duration_parse(const char *text, int64_t *seconds);

/* RFC 3339 date-time in UTC or with an offset: "2026-03-01T12:00:00Z", "...T13:00:00+01:00",
 * fractional seconds ignored; years 1970..9999. UTC seconds, or OCF_ERR_INVALID_ARG. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_rfc3339_parse(const char *text, int64_t *utc);

#ifdef __cplusplus
}
#endif
#endif
