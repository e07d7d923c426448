/* Helpers shared by the SVR files (not used outside src/svr): the error report, access rules
 * per property, typed getters that turn rep errors into precise report kinds, id drawing,
 * and base64. */
#ifndef OCF_SVR_SVR_UTIL_H
#define OCF_SVR_SVR_UTIL_H

#include "svr/svr.h"

/* --- writability of a property --------------------------------------------------------------- */

#define SVR_ST(s) ((uint8_t)(1u << (s)))
#define SVR_ST_ALL ((uint8_t)0x1f)

typedef enum svr_channel {
  SVR_CH_ANY = 0,
  SVR_CH_DOC,     /* only over the Device Onboarding Connection */
  SVR_CH_NOT_DOC, /* only outside it (doxm.oxmsel: digest 2.1, pitfall 8) */
} svr_channel;

typedef struct svr_access {
  uint8_t states;  /* SVR_ST bits of the states where a client may write; 0 = read-only */
  uint8_t channel; /* svr_channel */
} svr_access;

/* Whether a client may write the property key now; fails the report (READ_ONLY or STATE)
 * otherwise. Loading from the store may write everything. */
bool svr_check_access(const svr_access *a, const char *key, const ocf_svr_ctx *ctx, ocf_svr_report *r);

/* "rt", "if", "n", "id": baseline properties, read-only on every SVR (digest 1.6). */
bool svr_is_baseline_key(ocf_rep_str key);

/* One property of an SVR's top-level map: its access rule, its OCF_SVR_<X>_CHG_* bit and the
 * function that checks the value and writes it into the model (a copy: see svr.h). */
typedef bool (*svr_setter)(void *model, const ocf_rep_node *value, const ocf_svr_ctx *ctx, ocf_svr_report *r);
typedef struct svr_prop {
  const char *key;
  svr_access access;
  uint32_t changed;
  svr_setter set;
} svr_prop;

/* Applies every entry of the payload map through the table: TYPE when the payload is not a
 * map, MISSING when there is none, READ_ONLY for baseline keys, UNKNOWN_PROPERTY for keys the
 * table lacks, then the access rule and the setter. Stops at the first error. */
bool svr_apply_props(const svr_prop *props, size_t n_props, void *model, const ocf_rep_node *payload,
                     const ocf_svr_ctx *ctx, ocf_svr_report *r);
/* The same for a nested map (a cred entry, an ACE, privatedata ...): TYPE (where "": the caller
 * nests the error under the map's name) when map is not a map, UNKNOWN_PROPERTY for any key
 * the table lacks. */
bool svr_apply_fields(const svr_prop *props, size_t n_props, void *model, const ocf_rep_node *map,
                      const ocf_svr_ctx *ctx, ocf_svr_report *r);

/* --- the report ------------------------------------------------------------------------------ */

void svr_report_init(ocf_svr_report *r);
/* Records the first error (later ones are ignored) and returns false, so checks read
 * `if (!ok) return svr_fail(...)`. where may be NULL. */
bool svr_fail(ocf_svr_report *r, ocf_svr_ekind kind, const char *where, const char *why);
/* The same with a map key (not NUL-terminated) as where. */
bool svr_fail_key(ocf_svr_report *r, ocf_svr_ekind kind, ocf_rep_str key, const char *why);
/* Prepends "name[index]." (or "name." when index is SIZE_MAX) to the error's where, so nested
 * decoders report full paths: "creds[2]." + "privatedata.data". Returns false, for
 * `if (!ok) return svr_report_nest(r, "creds", i);`. */
bool svr_report_nest(ocf_svr_report *r, const char *name, size_t index);
/* The ocf_err of the report's kind. */
ocf_err svr_report_err(const ocf_svr_report *r);

/* --- typed getters: false + a precise report on failure (where = the node's key) ------------- */

bool svr_key_is(const ocf_rep_node *n, const char *key);
bool svr_need_map(const ocf_rep_node *n, ocf_svr_report *r);
bool svr_need_array(const ocf_rep_node *n, size_t max_items, ocf_svr_report *r);
bool svr_get_bool(const ocf_rep_node *n, bool *out, ocf_svr_report *r);
/* An unsigned integer <= max. */
bool svr_get_uint(const ocf_rep_node *n, uint64_t max, uint64_t *out, ocf_svr_report *r);
bool svr_get_uuid(const ocf_rep_node *n, ocf_uuid *out, ocf_svr_report *r);
/* Text into out[0..cap) with a NUL, the rest of out zeroed (models compare byte for byte).
 * TOO_LARGE when it does not fit, RANGE when it contains a NUL. */
bool svr_get_cstr(const ocf_rep_node *n, char *out, size_t cap, ocf_svr_report *r);
/* Text compared with a table of names: the index, or RANGE. */
bool svr_get_enum(const ocf_rep_node *n, const char *const *names, size_t count, uint8_t *out,
                  ocf_svr_report *r);

/* Copies a NUL-terminated string and zeroes the rest of dst[0..cap). */
void svr_copy_cstr(char *dst, size_t cap, const char *src);

/* --- ids ------------------------------------------------------------------------------------- */

/* A fresh random id in 1..2^31-1 (IoTivity-Lite draws 31-bit credid/aceid: digest 1.3) that
 * in_use(model, id) rejects; INTERNAL (5.00) without ctx->random or after OCF_SVR_ID_TRIES. */
bool svr_draw_id(const ocf_svr_ctx *ctx, bool (*in_use)(const void *model, uint32_t id), const void *model,
                 uint32_t *out, ocf_svr_report *r);

/* --- time (RFC 5545) ------------------------------------------------------------------------- */

/* An RFC 5545 3.3.9 PERIOD in UTC: "YYYYMMDDTHHMMSSZ/YYYYMMDDTHHMMSSZ" or
 * "YYYYMMDDTHHMMSSZ/<duration>" (3.3.6: [+]P nW | [nD][T[nH][nM][nS]]), as SEC:cred period and
 * SEC:acl2 validity use it. Floating (local) times are refused: a device only knows UTC. On
 * success *start < *end, in seconds since 1970-01-01T00:00:00Z. */
bool svr_period_parse(const char *text, size_t len, int64_t *start, int64_t *end);

/* --- encoding -------------------------------------------------------------------------------- */

/* "rt": [rt], "if": ["oic.if.rw", "oic.if.baseline"] when flags has OCF_SVR_ENC_BASELINE. */
void svr_enc_baseline(ocf_rep_enc *e, unsigned flags, const char *rt);

/* Standard base64 (RFC 4648 4, padding required, no whitespace) into out[0..cap): the decoded
 * length, or -1 when the text is not base64 or does not fit. */
long svr_base64_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap);

#endif
