/* Access management (AMS, OBT 5.5) and the move to normal operation (RFNOP, OBT 5.2; digest §7,
 * §3.2): ACEs as the tool sees them, parsed from the command line and from a device's
 * GET /oic/sec/acl2 answer, the acl2 POST payload, the plan that trims anon-clear / auth-crypt
 * ACEs of their SVR entries before RFNOP, the legacy owner-role ACE of OBT Table 2, the common
 * ACE shapes, and the step functions that run all of it over the owner session through the
 * provisioning engine (<ocf/ocf_obt_prov.h>).
 *
 * Everything here is pure: no I/O, no clock; the step functions keep their state in the job
 * struct the caller owns (ADR 0021). */
#ifndef OCF_OBT_AMS_H
#define OCF_OBT_AMS_H

#include "ocf_obt_prov.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Caps. A device's answer that exceeds one is refused (OCF_ERR_TOO_LARGE), never cut. */
#define OCF_OBT_AMS_MAX_ACES 64      /* ACEs in one acl2 answer (our device keeps 32) */
#define OCF_OBT_AMS_MAX_RES 16       /* resources of one ACE (the legacy owner ACE needs 10) */
#define OCF_OBT_AMS_HREF_MAX 128     /* an href (the device's own hrefs are capped there too) */
#define OCF_OBT_AMS_ROLE_MAX 64      /* role id, authority */
#define OCF_OBT_AMS_TAG_MAX 32       /* IoTivity-Lite's "tag" extension, kept for replacements */
#define OCF_OBT_AMS_MAX_VALIDITY 4   /* validity periods of one ACE */
#define OCF_OBT_AMS_PERIOD_MAX 64    /* "20260101T000000Z/20270101T000000Z" */
#define OCF_OBT_AMS_PAYLOAD_MAX 4096 /* one POST body */

/* permission bits (SEC:acl2; digest §2.4) */
enum {
  OCF_OBT_PERM_C = 1,
  OCF_OBT_PERM_R = 2, /* retrieve, observe, discover */
  OCF_OBT_PERM_U = 4,
  OCF_OBT_PERM_D = 8,
  OCF_OBT_PERM_N = 16,
};

typedef enum ocf_obt_ace_subject {
  OCF_OBT_SUBJECT_NONE = 0,
  OCF_OBT_SUBJECT_UUID,
  OCF_OBT_SUBJECT_ROLE,
  OCF_OBT_SUBJECT_ANON_CLEAR, /* conntype anon-clear */
  OCF_OBT_SUBJECT_AUTH_CRYPT, /* conntype auth-crypt */
} ocf_obt_ace_subject;

typedef enum ocf_obt_res_kind {
  OCF_OBT_RES_HREF = 0, /* {"href": text} */
  OCF_OBT_RES_WC,       /* {"wc": "*" | "+" | "-"} (digest §7.2) */
  /* Selectors the tool resolves to hrefs from the device's /oic/res before it POSTs (the acl2
   * schema and the devices know only href and wc; an "rt" key is refused by our device and by
   * IoTivity-Lite, digest §2.4): every link whose rt / if list holds text. */
  OCF_OBT_RES_RT,
  OCF_OBT_RES_IF,
} ocf_obt_res_kind;

typedef struct ocf_obt_ace_res {
  uint8_t kind;                        /* ocf_obt_res_kind */
  char text[OCF_OBT_AMS_HREF_MAX + 1]; /* the href, the wildcard character, the rt or if */
} ocf_obt_ace_res;

typedef struct ocf_obt_ace {
  uint32_t aceid;  /* 0: the device assigns one (POST), or unknown */
  uint8_t subject; /* ocf_obt_ace_subject */
  ocf_uuid uuid;
  char role[OCF_OBT_AMS_ROLE_MAX + 1];
  char authority[OCF_OBT_AMS_ROLE_MAX + 1]; /* "" = none */
  size_t n_res;
  ocf_obt_ace_res res[OCF_OBT_AMS_MAX_RES];
  uint8_t permission; /* OCF_OBT_PERM_* */
  size_t n_validity;
  char validity[OCF_OBT_AMS_MAX_VALIDITY][OCF_OBT_AMS_PERIOD_MAX + 1];
  char tag[OCF_OBT_AMS_TAG_MAX + 1];
} ocf_obt_ace;

typedef struct ocf_obt_acl {
  ocf_uuid rowneruuid;
  size_t n;
  ocf_obt_ace ace[OCF_OBT_AMS_MAX_ACES];
} ocf_obt_acl;

/* ---- the command line's ACE spec ------------------------------------------------------------
 * Each parser fills part of *ace and sets *why (static text) on error: OCF_ERR_INVALID_ARG for
 * text that does not parse, OCF_ERR_TOO_LARGE for more than a cap. */

/* "uuid:<uuid>" | "role:<id>[@<authority>]" | "conntype:anon-clear" | "conntype:auth-crypt"
 * (the bare words anon-clear / auth-crypt too). */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ace_parse_subject(const char *text, ocf_obt_ace *ace, const char **why);

/* Appends resources from a comma-separated list: "href:/path" or "/path", a wildcard "*", "+",
 * "-" (or "wc:*" ...), "rt:<resource type>", "if:<interface>". */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ace_parse_resources(const char *text, ocf_obt_ace *ace,
                                                          const char **why);

/* Letters of CRUDN in any order and case ("RU", "ru"), or the positional form "-RU--"; each
 * letter at most once, at least one. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ace_parse_perm(const char *text, uint8_t *perm, const char **why);

/* Appends one RFC 5545 UTC period, "YYYYMMDDTHHMMSSZ/YYYYMMDDTHHMMSSZ" or
 * "YYYYMMDDTHHMMSSZ/P<duration>" (SEC:acl2 validity; the form our device understands). */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ace_parse_validity(const char *text, ocf_obt_ace *ace,
                                                         const char **why);

/* A complete ACE: a subject, at least one resource, a permission; hrefs absolute paths. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ace_check(const ocf_obt_ace *ace, const char **why);

/* "-RU--" (CRUDN, '-' for an absent bit). */
OCF_API void ocf_obt_perm_text(uint8_t perm, char out[6]);

/* The subject in the command line's form ("uuid:...", "role:id@authority", "conntype:anon-clear").
 * Truncated to cap; returns the length it needed. */
OCF_API size_t ocf_obt_ace_subject_text(const ocf_obt_ace *ace, char *out, size_t cap);

/* One line: "12 subject role:oic.role.owner resources /oic/sec/doxm,... perm -RU--" (aceid left
 * out when 0). Truncated to cap; returns the length it needed. */
OCF_API size_t ocf_obt_ace_describe(const ocf_obt_ace *ace, char *out, size_t cap);

/* ---- payloads ------------------------------------------------------------------------------ */

/* {"aclist2": [ace, ...]} with aceid only when non-zero (digest §7.1: the device assigns it on
 * creation; an aceid replaces that ACE). OCF_ERR_STATE when a resource is still an rt / if
 * selector (resolve first), the errors of ocf_obt_ace_check, OCF_ERR_NO_SPACE (cap too small). */
OCF_API OCF_NODISCARD ocf_err ocf_obt_acl_encode_post(const ocf_obt_ace *aces, size_t n, uint8_t *buf,
                                                      size_t cap, size_t *len);

/* Parses a GET /oic/sec/acl2 answer (hostile: bounded). Tolerates unknown keys, "if" arrays,
 * indefinite lengths, aclist2 null (plgd), a uuid text with one trailing NUL (IoTivity-Lite).
 * OCF_ERR_MALFORMED (not CBOR, an ACE without aceid / subject / resources / permission, a
 * subject of no known form, permission > 31, aceid 0), OCF_ERR_TYPE, OCF_ERR_TOO_LARGE (more
 * ACEs / resources / longer strings than the caps). *out is cleared first. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_acl_parse(const uint8_t *cbor, size_t len, ocf_obt_acl *out);

/* Replaces every rt / if selector of *ace by the hrefs of the device's links that carry it,
 * from a GET /oic/res answer (links or baseline form; no duplicates).
 * OCF_ERR_NOT_FOUND (*why says which selector matched nothing), OCF_ERR_TOO_LARGE, the errors
 * of the links decoder. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ace_resolve(ocf_obt_ace *ace, const uint8_t *res_cbor, size_t len,
                                                  const char **why);

/* ---- the plan before RFNOP (OBT 5.2; digest §7.4) ----------------------------------------- */

/* Whether href names a Security Virtual Resource (/oic/sec/...: digest §2.0). */
OCF_API bool ocf_obt_href_is_svr(const char *href);

typedef struct ocf_obt_acl_trim {
  uint32_t aceid;
  bool remove;             /* DELETE ?aceid=N: nothing but SVRs was left */
  ocf_obt_ace replacement; /* !remove: the ACE without its SVR entries, same aceid */
  size_t n_dropped;
  char dropped[OCF_OBT_AMS_MAX_RES][OCF_OBT_AMS_HREF_MAX + 1];
} ocf_obt_acl_trim;

typedef struct ocf_obt_acl_plan {
  size_t n;
  ocf_obt_acl_trim op[OCF_OBT_AMS_MAX_ACES];
} ocf_obt_acl_plan;

/* For each ACE whose subject is anon-clear or auth-crypt and that names SVRs by href: remove it
 * when only SVRs remain, else replace it by one without them. Wildcards stay (they never match
 * SVRs: digest §7.2). *out is cleared first. */
OCF_API void ocf_obt_acl_plan_rfnop(const ocf_obt_acl *acl, ocf_obt_acl_plan *out);

/* Whether two plans do the same (same aceids, same removals and replacements). */
OCF_API bool ocf_obt_acl_plan_equal(const ocf_obt_acl_plan *a, const ocf_obt_acl_plan *b);

/* One line per operation, e.g. "ACE 7 (conntype:anon-clear, -R---): remove /oic/sec/cred; the
 * ACE goes (nothing else left)" or "nothing to remove". Truncated to cap; returns the length it
 * needed. */
OCF_API size_t ocf_obt_acl_plan_describe(const ocf_obt_acl_plan *plan, char *out, size_t cap);

/* ---- the legacy rule (OBT 5.5 Table 2; digest §7.3) --------------------------------------- */

/* Whether an /oic/d icv ("ocf.2.4.0", "ocf.1.3.1", "2.0.5" ...) is 2.4.0 or earlier. An icv that
 * does not parse is not legacy (false). */
OCF_API bool ocf_obt_icv_is_legacy(const char *icv);

/* subject role oic.role.owner (no authority), -RU-- on every SVR by href (wildcards never cover
 * SVRs). */
OCF_API void ocf_obt_ace_legacy_owner(ocf_obt_ace *out);

/* Whether the ACL already holds an ACE granting oic.role.owner at least R|U on every SVR of
 * ocf_obt_ace_legacy_owner. */
OCF_API bool ocf_obt_acl_has_legacy_owner(const ocf_obt_acl *acl);

/* ---- common shapes (digest §7.1) ------------------------------------------------------------- */

/* Device `client` may use `href` on the device that holds the ACE with `perm`. */
OCF_API void ocf_obt_ace_allow_device(ocf_obt_ace *out, const ocf_uuid *client, const char *href,
                                      uint8_t perm);
/* Role wildcard: {role, authority?} on {"wc":"*"}. */
OCF_API void ocf_obt_ace_role_wildcard(ocf_obt_ace *out, const char *role, const char *authority,
                                       uint8_t perm);
/* Authenticated wildcard: conntype auth-crypt on {"wc":"*"}. */
OCF_API void ocf_obt_ace_auth_wildcard(ocf_obt_ace *out, uint8_t perm);

/* The default policy before RFNOP (digest §7.5): the tool's uuid R|U on sp, sdi, roles and R on
 * csr, ael, /oic/res, /oic/d, /oic/p; anon-clear R on /oic/res, /oic/d, /oic/p (discovery keeps
 * working). Fills out[0..3); returns 3. */
OCF_API size_t ocf_obt_ams_default_policy(const ocf_uuid *tool, ocf_obt_ace out[3]);

/* ---- step functions for the provisioning engine ----------------------------------------- */

typedef enum ocf_obt_ams_op {
  /* [GET /oic/res to resolve selectors,] GET acl2, POST each ACE, GET acl2. An ACE with an
   * aceid replaces that ACE (SEC:acl2); the job fails before writing when the device has none. */
  OCF_OBT_AMS_ADD = 1,
  OCF_OBT_AMS_LIST,   /* GET acl2 */
  OCF_OBT_AMS_REMOVE, /* DELETE /oic/sec/acl2?aceid=N */
  /* POST pstat {dos:{s}} then GET pstat to see it. For RFNOP first (in this order): the
   * default policy when asked, GET /oic/d for icv when not given and the legacy owner ACE when
   * it is 2.4.0 or earlier and missing, GET acl2, the RFNOP plan (DELETEs and replacing
   * POSTs). */
  OCF_OBT_AMS_STATE,
} ocf_obt_ams_op;

typedef struct ocf_obt_ams_job {
  /* --- input (ocf_obt_ams_job_* fill it) --- */
  uint8_t op;   /* ocf_obt_ams_op */
  size_t n_add; /* ADD */
  ocf_obt_ace add[4];
  uint32_t aceid;            /* REMOVE */
  uint8_t target;            /* STATE: 2 RFPRO, 3 RFNOP, 4 SRESET */
  bool default_policy;       /* STATE RFNOP: POST the default policy first */
  ocf_uuid tool;             /* its subject */
  char icv[40];              /* STATE RFNOP: the device's icv when known ("" = GET /oic/d) */
  bool has_approved;         /* STATE RFNOP: fail unless the plan equals this one (the user */
  ocf_obt_acl_plan approved; /*   saw it: OBT 5.2 "show the user what was removed") */
  /* --- output --- */
  ocf_obt_acl acl;       /* the last acl2 read (LIST; ADD: after the POSTs) */
  uint32_t added[4];     /* ADD: the aceid of each ACE (0 = not found again) */
  bool added_existed[4]; /*   the device already held it (no new ACE) */
  ocf_obt_acl_plan plan; /* STATE RFNOP: what was trimmed */
  bool legacy_added;     /* STATE RFNOP: the Table 2 ACE was POSTed */
  bool icv_unknown;      /* STATE RFNOP: /oic/d could not be read (no legacy check) */
  uint8_t state_after;   /* STATE: dos.s read back */
  /* --- private --- */
  uint8_t phase;
  size_t i;
  size_t n_before; /* ADD: the aceids before */
  uint32_t before[OCF_OBT_AMS_MAX_ACES];
  uint8_t buf[OCF_OBT_AMS_PAYLOAD_MAX];
} ocf_obt_ams_job;

/* Job set-ups (the job is cleared first). OCF_ERR_INVALID_ARG: NULL, n 0 or > 4, an incomplete
 * ACE, aceid 0, a target other than 2, 3, 4. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_ams_job_add(ocf_obt_ams_job *job, const ocf_obt_ace *aces, size_t n);
OCF_API void ocf_obt_ams_job_list(ocf_obt_ams_job *job);
OCF_API OCF_NODISCARD ocf_err ocf_obt_ams_job_remove(ocf_obt_ams_job *job, uint32_t aceid);
OCF_API OCF_NODISCARD ocf_err ocf_obt_ams_job_state(ocf_obt_ams_job *job, uint8_t target);

/* The step function (ocf_obt_prov_step) for every job above; job_user is the ocf_obt_ams_job. */
OCF_API ocf_obt_prov_next ocf_obt_ams_step(void *job_user, const ocf_obt_prov_response *rsp,
                                           ocf_obt_prov_request *req, ocf_obt_prov_failure *fail);

#ifdef __cplusplus
}
#endif
#endif
