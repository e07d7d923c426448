/* OCF representations (CBOR, Content-Format 10000): bounded decoding, builders, common
 * properties. The only layer that sees tinycbor; this header does not need <cbor.h>.
 *
 * Decoding: a small read-only TREE in a CALLER-PROVIDED node array, not a cursor API.
 *  - Why a tree: OCF payloads are small (an SVR or a /oic/res reply, a few KB) and are read by
 *    key in any order (IoTivity-Lite emits indefinite-length maps, plgd definite ones with
 *    sorted keys: digest §1.3, §10 pitfall 20). A cursor would make every SVR decoder re-scan
 *    the map per key and re-implement duplicate-key and unknown-key handling. The tree is
 *    built and checked once (caps, duplicate keys, trailing bytes, UTF-8 of keys), so getters
 *    cannot meet malformed CBOR any more and report NOT_FOUND / TYPE / RANGE (and MALFORMED
 *    for a text value that is not UTF-8, see not_utf8).
 *  - Why caller memory: no allocation sized by the peer; the caller's node array is itself a
 *    cap. Strings and keys point into the input buffer (zero copy), so the input must outlive
 *    the tree, and the nodes array with it.
 *  - Chunked (indefinite-length) strings are refused (OCF_ERR_UNSUPPORTED): no OCF stack emits
 *    them and accepting them would need a peer-sized copy. Indefinite-length maps and arrays
 *    are accepted. Map keys must be text strings; tags, undefined and simple values are refused
 *    (OCF_ERR_UNSUPPORTED); null and floating point values are kept.
 *
 * Building: a writer over a caller buffer with a sticky error, like base/buf.h's ocf_writer.
 * Containers are opened and closed without announcing their size: by default the builder
 * writes definite lengths (patched in when the container closes, shortest form, so the
 * output is canonical apart from key order); ocf_rep_enc_use_indefinite() switches to
 * indefinite-length containers (IoTivity-Lite's shape). Errors: OCF_ERR_NO_SPACE (buffer
 * full), OCF_ERR_INVALID_ARG (misuse: value without key in a map, key in an array, unbalanced
 * close, second root item), OCF_ERR_TOO_LARGE (nesting deeper than OCF_REP_MAX_DEPTH). */
#ifndef OCF_REP_REP_H
#define OCF_REP_REP_H

#include <ocf/ocf_rep.h> /* the exported subset: declaring it first gives those functions OCF_API */
#include <ocf/ocf_types.h>

/* Hard ceiling of nesting for the decoder's limits and the builder's stack. */
#define OCF_REP_MAX_DEPTH 32

/* --- decoding -------------------------------------------------------------------------------- */

typedef struct ocf_rep_limits {
  uint32_t max_depth;    /* nested arrays/maps; the root container is depth 1 (<= OCF_REP_MAX_DEPTH) */
  uint32_t max_string;   /* bytes in one text or byte string, keys included */
  uint32_t max_elements; /* items in one array, entries in one map */
  uint32_t max_nodes;    /* values in the whole tree (keys are not nodes); the node array also caps */
} ocf_rep_limits;

/* Defaults: depth 12, strings 4096 bytes (PEM chains of cred.publicdata: digest §10 pitfall
 * 31), 256 elements per container, 2048 nodes. */
#define OCF_REP_DEFAULT_MAX_DEPTH 12u
#define OCF_REP_DEFAULT_MAX_STRING 4096u
#define OCF_REP_DEFAULT_MAX_ELEMENTS 256u
#define OCF_REP_DEFAULT_MAX_NODES 2048u
ocf_rep_limits ocf_rep_default_limits(void);

typedef enum ocf_rep_type {
  OCF_REP_NULL = 1,
  OCF_REP_BOOL,
  OCF_REP_INT,
  OCF_REP_DOUBLE, /* half, single and double precision are all kept as double */
  OCF_REP_TEXT,
  OCF_REP_BYTES,
  OCF_REP_ARRAY,
  OCF_REP_MAP,
} ocf_rep_type;

/* A text slice; NOT NUL-terminated (points into the input or at a caller's string). */
typedef struct ocf_rep_str {
  const char *ptr;
  size_t len;
} ocf_rep_str;

typedef struct ocf_rep_node ocf_rep_node;
struct ocf_rep_node {
  uint8_t type;  /* ocf_rep_type */
  bool negative; /* OCF_REP_INT: the value is -1 - magnitude (CBOR major type 1) */
  /* OCF_REP_TEXT that is not valid UTF-8 (RFC 3629). Kept, not refused, because plgd sends raw
   * key bytes as a text string (digest pitfall 5); only ocf_rep_get_text_or_bytes hands such a
   * string out, every text getter refuses it with OCF_ERR_MALFORMED. */
  bool not_utf8;
  uint32_t count;           /* OCF_REP_ARRAY / OCF_REP_MAP: number of items / entries */
  ocf_rep_str key;          /* a map entry's key; {NULL, 0} for array items and the root */
  const ocf_rep_node *next; /* next item of the same container, in input order; NULL at the end */
  union {
    bool boolean;
    uint64_t magnitude;        /* OCF_REP_INT */
    double number;             /* OCF_REP_DOUBLE */
    ocf_bytes str;             /* OCF_REP_TEXT (see not_utf8) and OCF_REP_BYTES */
    const ocf_rep_node *first; /* OCF_REP_ARRAY / OCF_REP_MAP: first item, NULL when empty */
  } u;
};

/* Decodes exactly one CBOR item filling cbor[0..len) into nodes[0..n_nodes); *root = nodes[0].
 * limits NULL means ocf_rep_default_limits(). On error *root is left unchanged (the node
 * array may have been written).
 * OCF_ERR_TRUNCATED: the input ends inside an item.
 * OCF_ERR_MALFORMED: not well-formed CBOR (reserved additional info, unexpected break,
 *   simple value < 32 in two bytes), bytes after the root item, a map key that is not a text
 *   string, a map key that is not valid UTF-8, a duplicate key in one map. A text VALUE that
 *   is not valid UTF-8 is decoded with not_utf8 set (see ocf_rep_node).
 * OCF_ERR_TOO_LARGE: a cap of limits exceeded, or more values than n_nodes.
 * OCF_ERR_UNSUPPORTED: a tag, undefined, a simple value, a chunked string.
 * OCF_ERR_INVALID_ARG: NULL arguments, n_nodes 0, limits.max_depth > OCF_REP_MAX_DEPTH. */
OCF_NODISCARD ocf_err ocf_rep_decode(const uint8_t *cbor, size_t len, const ocf_rep_limits *limits,
                                     ocf_rep_node *nodes, size_t n_nodes, const ocf_rep_node **root);

/* --- reading a tree --------------------------------------------------------------------------
 * Every getter takes NULL as "absent" and then returns OCF_ERR_NOT_FOUND, so lookups chain:
 * ocf_rep_get_int64(ocf_rep_map_value(map, "credid"), &id). Outputs are written only on OCF_OK.
 * OCF_ERR_TYPE: the node has another type. OCF_ERR_RANGE: the number does not fit. */

/* First item of an array or map (NULL when empty or not a container); next item or NULL. */
const ocf_rep_node *ocf_rep_first(const ocf_rep_node *container);
const ocf_rep_node *ocf_rep_next(const ocf_rep_node *item);
/* Items of an array / entries of a map; 0 for anything else. */
size_t ocf_rep_count(const ocf_rep_node *container);
bool ocf_rep_is_null(const ocf_rep_node *n);

/* The value under key in map; NULL if map is not a map or has no such key. */
const ocf_rep_node *ocf_rep_map_value(const ocf_rep_node *map, const char *key);
const ocf_rep_node *ocf_rep_map_value_n(const ocf_rep_node *map, const char *key, size_t key_len);
/* Same with a precise error: OCF_ERR_TYPE (map is not a map), OCF_ERR_NOT_FOUND. */
OCF_NODISCARD ocf_err ocf_rep_map_find(const ocf_rep_node *map, const char *key, const ocf_rep_node **out);
/* The index-th item of an array: OCF_ERR_TYPE, OCF_ERR_RANGE (index >= count). */
OCF_NODISCARD ocf_err ocf_rep_array_at(const ocf_rep_node *array, size_t index, const ocf_rep_node **out);
/* Type checks that hand the node back: OCF_ERR_NOT_FOUND / OCF_ERR_TYPE. */
OCF_NODISCARD ocf_err ocf_rep_get_map(const ocf_rep_node *n, const ocf_rep_node **out);
OCF_NODISCARD ocf_err ocf_rep_get_array(const ocf_rep_node *n, const ocf_rep_node **out);

OCF_NODISCARD ocf_err ocf_rep_get_int64(const ocf_rep_node *n, int64_t *out);
OCF_NODISCARD ocf_err ocf_rep_get_uint64(const ocf_rep_node *n, uint64_t *out);
/* An integer within [min, max], else OCF_ERR_RANGE. The narrow forms are built on it. */
OCF_NODISCARD ocf_err ocf_rep_get_int_in(const ocf_rep_node *n, int64_t min, int64_t max, int64_t *out);
OCF_NODISCARD ocf_err ocf_rep_get_int32(const ocf_rep_node *n, int32_t *out);
OCF_NODISCARD ocf_err ocf_rep_get_uint32(const ocf_rep_node *n, uint32_t *out);
OCF_NODISCARD ocf_err ocf_rep_get_uint16(const ocf_rep_node *n, uint16_t *out);
OCF_NODISCARD ocf_err ocf_rep_get_uint8(const ocf_rep_node *n, uint8_t *out);
/* A double, or an integer converted to double (JSON schema "number" includes integers). */
OCF_NODISCARD ocf_err ocf_rep_get_double(const ocf_rep_node *n, double *out);
OCF_NODISCARD ocf_err ocf_rep_get_bool(const ocf_rep_node *n, bool *out);
/* Zero-copy text; not NUL-terminated and may contain NUL. OCF_ERR_MALFORMED for a text string
 * that is not valid UTF-8 (not_utf8), as in every text getter below but text_or_bytes. */
OCF_NODISCARD ocf_err ocf_rep_get_text(const ocf_rep_node *n, ocf_rep_str *out);
/* Copies text and a NUL into out[0..cap): OCF_ERR_TOO_LARGE when len + 1 > cap (the peer's
 * string is longer than the field we keep), OCF_ERR_MALFORMED when it contains a NUL. */
OCF_NODISCARD ocf_err ocf_rep_get_text_cstr(const ocf_rep_node *n, char *out, size_t cap);
OCF_NODISCARD ocf_err ocf_rep_get_bytes(const ocf_rep_node *n, ocf_bytes *out);
/* Key material may arrive as a byte string or as a text string (PL sends raw PSK bytes as
 * text, often not valid UTF-8: digest §1.3, §10 pitfall 5); such text is accepted here.
 * *was_text (may be NULL) tells which. */
OCF_NODISCARD ocf_err ocf_rep_get_text_or_bytes(const ocf_rep_node *n, ocf_bytes *out, bool *was_text);
/* A UUID in 36-char text form, any case, one trailing NUL accepted (digest §10 pitfall 2):
 * OCF_ERR_TYPE when not text, OCF_ERR_MALFORMED when not 8-4-4-4-12 hex. */
OCF_NODISCARD ocf_err ocf_rep_get_uuid(const ocf_rep_node *n, ocf_uuid *out);

/* Deep equality: same types and values; maps compare as sets of (key, value) whatever the
 * order; doubles compare by bit pattern (so NaN equals the same NaN). Bounded by the depth of
 * the trees, which the decoder capped. */
bool ocf_rep_equal(const ocf_rep_node *a, const ocf_rep_node *b);

/* --- text slices --------------------------------------------------------------------------- */

ocf_rep_str ocf_rep_str_of(const char *cstr);
bool ocf_rep_str_eq(ocf_rep_str s, const char *cstr);
bool ocf_rep_str_list_contains(const ocf_rep_str *list, size_t n, const char *cstr);

/* --- common properties (rt, if, n) --------------------------------------------------------- */

#define OCF_REP_MAX_TYPES 8 /* rt / if values kept per resource or link */

/* An array of text strings into out[0..cap) (zero copy); *n_out = count.
 * OCF_ERR_NOT_FOUND, OCF_ERR_TYPE (not an array, or an item is not text), OCF_ERR_TOO_LARGE
 * (more than cap items), OCF_ERR_MALFORMED (an item is not valid UTF-8). */
OCF_NODISCARD ocf_err ocf_rep_get_str_array(const ocf_rep_node *n, ocf_rep_str *out, size_t cap,
                                            size_t *n_out);

/* The properties every resource's baseline representation carries (CORE oic.core). */
typedef struct ocf_rep_common {
  ocf_rep_str rt[OCF_REP_MAX_TYPES];
  size_t n_rt;
  ocf_rep_str ifs[OCF_REP_MAX_TYPES];
  size_t n_if;
  bool has_n;
  ocf_rep_str n;
} ocf_rep_common;

/* Reads rt, if and n from map; an absent property leaves its count 0 / has_n false.
 * OCF_ERR_TYPE (map is not a map; rt/if not an array of text; n not text), OCF_ERR_TOO_LARGE. */
OCF_NODISCARD ocf_err ocf_rep_common_decode(const ocf_rep_node *map, ocf_rep_common *out);

/* --- building ------------------------------------------------------------------------------ */

typedef struct ocf_rep_enc_frame {
  size_t head;    /* offset of the container's head byte */
  uint32_t count; /* items (array) or entries (map) written so far */
  uint8_t major;  /* 4 array, 5 map */
  bool key_pending;
} ocf_rep_enc_frame;

typedef struct ocf_rep_enc {
  uint8_t *buf;
  size_t cap;
  size_t len;
  ocf_err err; /* sticky: OCF_OK or the first error */
  bool indefinite;
  bool root_done;
  uint8_t depth;
  ocf_rep_enc_frame frames[OCF_REP_MAX_DEPTH];
} ocf_rep_enc;

void ocf_rep_enc_init(ocf_rep_enc *e, uint8_t *buf, size_t cap);
/* Containers opened from now on use indefinite length (0x9f/0xbf ... 0xff). */
void ocf_rep_enc_use_indefinite(ocf_rep_enc *e);
/* The first error, or OCF_OK with *len = bytes written; OCF_ERR_INVALID_ARG while a container
 * is open or when nothing was written. */
OCF_NODISCARD ocf_err ocf_rep_enc_finish(const ocf_rep_enc *e, size_t *len);

void ocf_rep_enc_map_open(ocf_rep_enc *e);
void ocf_rep_enc_map_close(ocf_rep_enc *e);
void ocf_rep_enc_array_open(ocf_rep_enc *e);
void ocf_rep_enc_array_close(ocf_rep_enc *e);
/* The key of the next map entry; the value follows with any value call. */
void ocf_rep_enc_key(ocf_rep_enc *e, const char *key);
void ocf_rep_enc_key_n(ocf_rep_enc *e, const char *key, size_t len);

void ocf_rep_enc_null(ocf_rep_enc *e);
void ocf_rep_enc_bool(ocf_rep_enc *e, bool v);
void ocf_rep_enc_int(ocf_rep_enc *e, int64_t v);
void ocf_rep_enc_uint(ocf_rep_enc *e, uint64_t v);
void ocf_rep_enc_double(ocf_rep_enc *e, double v);
void ocf_rep_enc_text(ocf_rep_enc *e, const char *s);
void ocf_rep_enc_text_n(ocf_rep_enc *e, const char *s, size_t len);
void ocf_rep_enc_str(ocf_rep_enc *e, ocf_rep_str s);
void ocf_rep_enc_bytes(ocf_rep_enc *e, const void *p, size_t len);
/* 36-char lower-case text (digest §1.3). */
void ocf_rep_enc_uuid(ocf_rep_enc *e, const ocf_uuid *u);
/* Arrays of text strings. */
void ocf_rep_enc_str_array(ocf_rep_enc *e, const ocf_rep_str *v, size_t n);
void ocf_rep_enc_cstr_array(ocf_rep_enc *e, const char *const *v, size_t n);
/* Re-encodes a decoded subtree (keys and item order kept). */
void ocf_rep_enc_node(ocf_rep_enc *e, const ocf_rep_node *n);

/* key + value shorthands for map entries */
void ocf_rep_enc_kv_text(ocf_rep_enc *e, const char *key, const char *v);
void ocf_rep_enc_kv_str(ocf_rep_enc *e, const char *key, ocf_rep_str v);
void ocf_rep_enc_kv_int(ocf_rep_enc *e, const char *key, int64_t v);
void ocf_rep_enc_kv_bool(ocf_rep_enc *e, const char *key, bool v);
void ocf_rep_enc_kv_bytes(ocf_rep_enc *e, const char *key, const void *p, size_t len);
void ocf_rep_enc_kv_uuid(ocf_rep_enc *e, const char *key, const ocf_uuid *u);
void ocf_rep_enc_kv_str_array(ocf_rep_enc *e, const char *key, const ocf_rep_str *v, size_t n);
void ocf_rep_enc_kv_cstr_array(ocf_rep_enc *e, const char *key, const char *const *v, size_t n);
void ocf_rep_enc_kv_map_open(ocf_rep_enc *e, const char *key);
void ocf_rep_enc_kv_array_open(ocf_rep_enc *e, const char *key);

/* Writes "rt" and "if" (when their counts are not 0) and "n" (when has_n) as map entries. */
void ocf_rep_enc_common(ocf_rep_enc *e, const ocf_rep_common *c);

#endif
