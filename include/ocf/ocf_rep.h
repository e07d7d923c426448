/* OCF representations for applications: reading a decoded request body and building a response
 * body (CBOR, Content-Format 10000). This is the exported face of the library's representation
 * layer: the same functions, with the values kept opaque.
 *
 * Reading: a decoded body is a read-only tree of ocf_rep_node values. Every getter takes NULL as
 * "absent" and then returns OCF_ERR_NOT_FOUND, so lookups chain:
 *     bool on;
 *     ocf_err err = ocf_rep_get_bool(ocf_rep_map_value(body, "value"), &on);
 * Outputs are written only on OCF_OK; OCF_ERR_TYPE says the value has another CBOR type and
 * OCF_ERR_RANGE that a number does not fit. A tree (and the strings in it) is valid only during
 * the call that handed it out.
 *
 * Building: an ocf_rep_enc writes into a buffer the library owns, with a sticky error checked
 * once when the body is finished (OCF_ERR_NO_SPACE when it is full, OCF_ERR_INVALID_ARG on
 * misuse: a value without a key inside a map, a key inside an array, unbalanced containers). */
#ifndef OCF_REP_PUBLIC_H
#define OCF_REP_PUBLIC_H

#include "ocf_types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ocf_rep_node ocf_rep_node;
typedef struct ocf_rep_enc ocf_rep_enc;

/* --- reading ------------------------------------------------------------------------------ */

/* The value under key in map; NULL when map is not a map or has no such key. */
OCF_API const ocf_rep_node *ocf_rep_map_value(const ocf_rep_node *map, const char *key);
/* First item of an array or map (NULL when empty or not a container); the next item or NULL. */
OCF_API const ocf_rep_node *ocf_rep_first(const ocf_rep_node *container);
OCF_API const ocf_rep_node *ocf_rep_next(const ocf_rep_node *item);
/* Items of an array / entries of a map; 0 for anything else. */
OCF_API size_t ocf_rep_count(const ocf_rep_node *container);
OCF_API bool ocf_rep_is_null(const ocf_rep_node *n);

OCF_API OCF_NODISCARD ocf_err ocf_rep_get_bool(const ocf_rep_node *n, bool *out);
OCF_API OCF_NODISCARD ocf_err ocf_rep_get_int64(const ocf_rep_node *n, int64_t *out);
/* A double, or an integer converted to double. */
OCF_API OCF_NODISCARD ocf_err ocf_rep_get_double(const ocf_rep_node *n, double *out);
/* Copies text and a NUL into out[0..cap): OCF_ERR_TOO_LARGE when it does not fit,
 * OCF_ERR_MALFORMED when the text contains a NUL. */
OCF_API OCF_NODISCARD ocf_err ocf_rep_get_text_cstr(const ocf_rep_node *n, char *out, size_t cap);
OCF_API OCF_NODISCARD ocf_err ocf_rep_get_bytes(const ocf_rep_node *n, ocf_bytes *out);
/* A UUID in 36-character text form: OCF_ERR_TYPE (not text), OCF_ERR_MALFORMED. */
OCF_API OCF_NODISCARD ocf_err ocf_rep_get_uuid(const ocf_rep_node *n, ocf_uuid *out);

/* --- building ----------------------------------------------------------------------------- */

OCF_API void ocf_rep_enc_map_open(ocf_rep_enc *e);
OCF_API void ocf_rep_enc_map_close(ocf_rep_enc *e);
OCF_API void ocf_rep_enc_array_open(ocf_rep_enc *e);
OCF_API void ocf_rep_enc_array_close(ocf_rep_enc *e);
/* The key of the next map entry; any value call writes its value. */
OCF_API void ocf_rep_enc_key(ocf_rep_enc *e, const char *key);

OCF_API void ocf_rep_enc_null(ocf_rep_enc *e);
OCF_API void ocf_rep_enc_bool(ocf_rep_enc *e, bool v);
OCF_API void ocf_rep_enc_int(ocf_rep_enc *e, int64_t v);
OCF_API void ocf_rep_enc_uint(ocf_rep_enc *e, uint64_t v);
OCF_API void ocf_rep_enc_double(ocf_rep_enc *e, double v);
OCF_API void ocf_rep_enc_text(ocf_rep_enc *e, const char *s);
OCF_API void ocf_rep_enc_bytes(ocf_rep_enc *e, const void *p, size_t len);
/* 36-character lower-case text. */
OCF_API void ocf_rep_enc_uuid(ocf_rep_enc *e, const ocf_uuid *u);

/* key + value shorthands for map entries */
OCF_API void ocf_rep_enc_kv_text(ocf_rep_enc *e, const char *key, const char *v);
OCF_API void ocf_rep_enc_kv_int(ocf_rep_enc *e, const char *key, int64_t v);
OCF_API void ocf_rep_enc_kv_bool(ocf_rep_enc *e, const char *key, bool v);
OCF_API void ocf_rep_enc_kv_uuid(ocf_rep_enc *e, const char *key, const ocf_uuid *u);
OCF_API void ocf_rep_enc_kv_cstr_array(ocf_rep_enc *e, const char *key, const char *const *v, size_t n);
OCF_API void ocf_rep_enc_kv_map_open(ocf_rep_enc *e, const char *key);
OCF_API void ocf_rep_enc_kv_array_open(ocf_rep_enc *e, const char *key);

#ifdef __cplusplus
}
#endif
#endif
