/* Security Virtual Resources (digest 2): what every SVR model shares.
 *
 * One file pair per SVR (doxm.h, pstat.h, cred.h, acl2.h, sp.h, sdi.h, ...) holds a C struct
 * with bounded fields (caps in svr_limits.h) and three operations the device's handlers call:
 *
 *   ocf_svr_X_decode_update(cur, payload, ctx, out, report)
 *       Checks a POST body (a decoded tree, see rep/rep.h) against the SVR's rules for the
 *       device state in ctx and writes cur-with-the-update-applied into out. cur is never
 *       written: on any error the caller simply drops out, so a refused request changes
 *       nothing (digest 2.0: validate the whole payload first). out must not be cur.
 *   ocf_svr_X_encode(model, flags, enc)
 *       The GET representation (baseline adds rt and if), or with OCF_SVR_ENC_STORE everything,
 *       secrets included, for persistence: decoding that back with ctx.source =
 *       OCF_SVR_FROM_STORE gives the same model byte for byte.
 *   model operations (DELETE by id, reset, init) that report OCF_ERR_NOT_FOUND precisely.
 *
 * Errors are precise: an ocf_svr_report names the kind (ocf_svr_ekind), the property path and
 * a reason, and one table (ocf_svr_ekind -> ocf_err -> CoAP code) gives the answer to send.
 *
 * Pure code: no I/O, no clock, no allocation; randomness (fresh credid/aceid) comes in through
 * ctx.random. */
#ifndef OCF_SVR_SVR_H
#define OCF_SVR_SVR_H

#include <ocf/ocf_device.h>
#include <ocf/ocf_types.h>

#include "rep/rep.h"
#include "svr/svr_limits.h"

/* --- Device Onboarding States (digest 3.1; SEC:pstat dos.s) ---------------------------------- */

typedef enum ocf_dos_state {
  OCF_DOS_RESET = 0,  /* full reset to manufacturer defaults; transient */
  OCF_DOS_RFOTM = 1,  /* ready for an Owner Transfer Method */
  OCF_DOS_RFPRO = 2,  /* ready for provisioning */
  OCF_DOS_RFNOP = 3,  /* ready for normal operation */
  OCF_DOS_SRESET = 4, /* soft reset: corrections without losing ownership */
} ocf_dos_state;
#define OCF_DOS_COUNT 5

/* --- the context of an update ---------------------------------------------------------------- */

typedef enum ocf_svr_source {
  OCF_SVR_FROM_CLIENT = 0, /* a POST: every rule of the SVR applies */
  OCF_SVR_FROM_STORE = 1,  /* loading what OCF_SVR_ENC_STORE wrote: read-only properties and the
                              device's own fields are accepted, state rules do not apply */
} ocf_svr_source;

typedef struct ocf_svr_ctx {
  ocf_svr_source source;
  uint8_t dos;   /* the device's current dos.s (ocf_dos_state) */
  bool over_doc; /* the request came over the Device Onboarding Connection (digest 3.6) */
  /* Strong random bytes for fresh credid / aceid values (same contract as ocf_platform.random).
   * May be NULL when no id has to be drawn; an update that needs one then fails with 5.00. */
  ocf_err (*random)(void *random_ctx, uint8_t *out, size_t len);
  void *random_ctx;
  /* An onboarding handshake is running or the DOC is open (digest 3.6: one onboarding at a
   * time): what may be written only outside the DOC (oxmsel) is not writable then either, so
   * another client cannot change the method under a running onboarding. */
  bool otm_busy;
} ocf_svr_ctx;

/* --- errors ---------------------------------------------------------------------------------- */

/* What was wrong, precisely; ocf_svr_status() maps each kind to the CoAP answer. */
typedef enum ocf_svr_ekind {
  OCF_SVR_E_NONE = 0,
  OCF_SVR_E_TYPE,             /* wrong CBOR type (payload root not a map included)       4.00 */
  OCF_SVR_E_UNKNOWN_PROPERTY, /* a property the SVR (or the entry) does not define         4.00 */
  OCF_SVR_E_READ_ONLY,        /* a read-only property written (rt, if, oxms, dos.p, ...)  4.00 */
  OCF_SVR_E_RANGE,            /* a value outside its range, enum or pattern                4.00 */
  OCF_SVR_E_MISSING,          /* a required property is absent                             4.00 */
  OCF_SVR_E_CONFLICT,         /* properties that exclude each other (subject uuid + role) 4.00 */
  OCF_SVR_E_UNSUPPORTED,      /* valid per schema but not implemented (ACE recurrence)     4.00 */
  OCF_SVR_E_STATE,            /* not writable in this state or on this connection          4.00 */
  OCF_SVR_E_TRANSITION,       /* dos.s change not allowed (digest 3.2)                     4.00 */
  OCF_SVR_E_ENTRY_CHECK,      /* the target state's entry checks fail (pitfall 17)        4.00 */
  OCF_SVR_E_DELETE_STATE,     /* DELETE refused in this state (cred/acl2 in RFNOP)        4.03 */
  OCF_SVR_E_DENIED,           /* access control refused (acl_decide)                      4.01 */
  OCF_SVR_E_NOT_FOUND,        /* no entry with that credid / aceid / subject               4.04 */
  OCF_SVR_E_METHOD,           /* the SVR has no such method                                4.05 */
  OCF_SVR_E_TOO_LARGE,        /* more items or longer text than our caps allow            4.13 */
  OCF_SVR_E_FULL,             /* the table has no room for the new entries                5.00 */
  OCF_SVR_E_INTERNAL,         /* no random source, random failure, misuse                  5.00 */
} ocf_svr_ekind;
#define OCF_SVR_E_COUNT 18

/* The one table: each kind's ocf_err, response code and name. */
ocf_err ocf_svr_ekind_err(ocf_svr_ekind kind);
ocf_status ocf_svr_ekind_status(ocf_svr_ekind kind);
const char *ocf_svr_ekind_name(ocf_svr_ekind kind);
/* The same table read by ocf_err (first row with that error; OCF_OK gives 2.04 Changed), for
 * callers that only have an ocf_err. */
ocf_status ocf_svr_err_status(ocf_err err);

/* The outcome of an update or a model operation. */
typedef struct ocf_svr_report {
  ocf_svr_ekind kind;            /* OCF_SVR_E_NONE on success */
  char where[OCF_SVR_WHERE_MAX]; /* property path, e.g. "creds[1].privatedata.data"; "" = payload */
  const char *why;               /* a static English reason; "" on success */
  uint32_t changed;              /* the SVR's OCF_SVR_<X>_CHG_* bits for what the update wrote */
  bool dos_requested;            /* pstat: the payload asks for dos.s = dos_target */
  uint8_t dos_target;
} ocf_svr_report;

/* The CoAP answer for a report: 2.04 when it holds no error. */
ocf_status ocf_svr_report_status(const ocf_svr_report *r);

/* --- encoding -------------------------------------------------------------------------------- */

enum ocf_svr_enc_flags {
  OCF_SVR_ENC_BASELINE = 1u << 0, /* oic.if.baseline: add "rt" and "if" (digest 1.6) */
  OCF_SVR_ENC_STORE = 1u << 1,    /* everything, secrets included, for the device's own storage */
};

/* --- the models together (entry checks, access decisions) ------------------------------------ */

typedef struct ocf_svr_doxm ocf_svr_doxm;
typedef struct ocf_svr_pstat ocf_svr_pstat;
typedef struct ocf_svr_cred ocf_svr_cred;
typedef struct ocf_svr_acl2 ocf_svr_acl2;

typedef struct ocf_svr_models {
  const ocf_svr_doxm *doxm;
  const ocf_svr_pstat *pstat;
  const ocf_svr_cred *cred;
  const ocf_svr_acl2 *acl2;
} ocf_svr_models;

/* --- query values shared by the DELETE handlers ---------------------------------------------- */

/* A credid / aceid query value (decimal). OCF_ERR_RANGE (4.00) when it is not a decimal number,
 * OCF_ERR_NOT_FOUND (4.04) for 0 or a value no entry can have (> 2^31 - 1), as IoTivity-Lite
 * answers (digest 2.4). The report says which. */
OCF_NODISCARD ocf_err ocf_svr_parse_id(const char *text, size_t len, uint32_t *id, ocf_svr_report *r);

#endif
