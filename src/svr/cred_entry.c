/* One credential entry of /oic/sec/cred (and of /oic/sec/roles): checks, decoding, encoding
 * (digest 2.3; SEC:cred). */
#include <stddef.h>
#include <string.h>

#include "svr/cred.h"
#include "svr/svr_util.h"

static const char *const USAGES[OCF_CRED_USAGE_COUNT] = {NULL,
                                                         "oic.sec.cred.trustca",
                                                         "oic.sec.cred.cert",
                                                         "oic.sec.cred.rolecert",
                                                         "oic.sec.cred.mfgtrustca",
                                                         "oic.sec.cred.mfgcert"};
static const char *const ENCODINGS[OCF_CRED_ENC_COUNT] = {NULL,
                                                          "oic.sec.encoding.raw",
                                                          "oic.sec.encoding.base64",
                                                          "oic.sec.encoding.pem",
                                                          "oic.sec.encoding.der",
                                                          "oic.sec.encoding.handle"};
static const char *const CRMS[] = {"oic.sec.crm.pro", "oic.sec.crm.psk", "oic.sec.crm.rdp",
                                   "oic.sec.crm.skdc", "oic.sec.crm.pk10"};

#define COUNT(a) (sizeof a / sizeof a[0])
#define ANY                                                                                                  \
  { SVR_ST_ALL, SVR_CH_ANY }
#define READ_ONLY                                                                                            \
  { 0, SVR_CH_ANY }

/* The entry being decoded and which of its properties were present. The same struct serves the
 * nested maps (roleid, publicdata ...), whose fields are read first and checked together. */
typedef struct entry_dec {
  ocf_svr_cred_entry *e;
  bool has_credtype, has_subject;
  bool has_role, has_revstat, has_encoding;
  uint8_t encoding;         /* ocf_cred_encoding of the data map being read */
  const ocf_rep_node *data; /* its "data" node, checked once the encoding is known */
} entry_dec;

/* --- scalar properties ----------------------------------------------------------------------- */

static bool set_credid(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  uint64_t id;
  if (!svr_get_uint(v, 0x7fffffffu, &id, r)) return false;
  if (id == 0) return svr_fail(r, OCF_SVR_E_RANGE, "credid", "credid 0 is not an id");
  ((entry_dec *)d)->e->credid = (uint32_t)id;
  return true;
}

/* "*" or a uuid (SEC:cred subjectuuid anyOf; one trailing NUL tolerated: pitfall 2) */
static bool set_subject(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  entry_dec *dec = d;
  ocf_rep_str s;
  if (ocf_rep_get_text(v, &s) == OCF_OK && ocf_rep_str_eq(s, "*")) {
    dec->e->subject_any = true;
    memset(&dec->e->subject, 0, sizeof dec->e->subject);
  } else {
    if (!svr_get_uuid(v, &dec->e->subject, r)) return false;
    dec->e->subject_any = false;
  }
  dec->has_subject = true;
  return true;
}

/* one of the values of the credtype table (digest 2.3): 0 or a single bit up to 256 */
static bool set_credtype(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  uint64_t t;
  if (!svr_get_uint(v, OCF_CREDTYPE_SSM_SERVER, &t, r)) return false;
  if ((t & (t - 1)) != 0) return svr_fail(r, OCF_SVR_E_RANGE, "credtype", "not a credential type");
  ((entry_dec *)d)->e->credtype = (uint16_t)t;
  ((entry_dec *)d)->has_credtype = true;
  return true;
}

static bool set_usage(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_enum(v, USAGES, COUNT(USAGES), &((entry_dec *)d)->e->credusage, r);
}

static bool set_period(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  char *p = ((entry_dec *)d)->e->period;
  int64_t start, end;
  if (!svr_get_cstr(v, p, OCF_SVR_PERIOD_MAX + 1, r)) return false;
  if (!svr_period_parse(p, strlen(p), &start, &end))
    return svr_fail(r, OCF_SVR_E_RANGE, "period", "not an RFC 5545 UTC period");
  return true;
}

static bool set_crms(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  if (!svr_need_array(v, OCF_SVR_MAX_CRMS, r)) return false;
  uint8_t bits = 0;
  size_t i = 0;
  for (const ocf_rep_node *m = ocf_rep_first(v); m; m = ocf_rep_next(m), i++) {
    uint8_t idx;
    if (!svr_get_enum(m, CRMS, COUNT(CRMS), &idx, r)) return svr_report_nest(r, "crms", i);
    bits |= (uint8_t)(1u << idx);
  }
  ((entry_dec *)d)->e->crms = bits;
  return true;
}

static bool set_tag(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_cstr(v, ((entry_dec *)d)->e->tag, sizeof((entry_dec *)d)->e->tag, r);
}

/* --- roleid {role (required), authority} ------------------------------------------------------ */

static bool set_role(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  ((entry_dec *)d)->has_role = true;
  return svr_get_cstr(v, ((entry_dec *)d)->e->role, OCF_SVR_ROLE_MAX + 1, r);
}

static bool set_authority(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_cstr(v, ((entry_dec *)d)->e->authority, OCF_SVR_AUTHORITY_MAX + 1, r);
}

static bool set_roleid(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  static const svr_prop FIELDS[] = {{"role", ANY, 0, set_role}, {"authority", ANY, 0, set_authority}};
  entry_dec sub = {.e = ((entry_dec *)d)->e};
  if (!svr_apply_fields(FIELDS, COUNT(FIELDS), &sub, v, ctx, r))
    return svr_report_nest(r, "roleid", SIZE_MAX);
  if (!sub.has_role) {
    (void)svr_fail(r, OCF_SVR_E_MISSING, "role", "required");
    return svr_report_nest(r, "roleid", SIZE_MAX);
  }
  sub.e->has_roleid = true;
  return true;
}

/* --- oscore {senderid, recipientid, ssn (read-only), desc} ------------------------------------ */

/* 2..7 bytes as lower-case hex without "0x" (S003 6.3: hex() is lower case; IoTivity-Lite wants
 * exactly 7 bytes: pitfall 24). Upper case is refused rather than folded: two spellings of one
 * id would defeat the distinct-recipientid check below. */
static bool set_hex_id(char *out, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  if (!svr_get_cstr(v, out, OCF_SVR_OSCORE_ID_HEX_MAX + 1, r)) return false;
  size_t len = strlen(out);
  bool hex = len >= 4 && len % 2 == 0;
  /* a store written before the lower-case rule may hold upper case: it still loads */
  bool upper_ok = ctx->source == OCF_SVR_FROM_STORE;
  for (size_t i = 0; hex && i < len; i++)
    hex = (out[i] >= '0' && out[i] <= '9') || (out[i] >= 'a' && out[i] <= 'f') ||
          (upper_ok && out[i] >= 'A' && out[i] <= 'F');
  return hex || svr_fail_key(r, OCF_SVR_E_RANGE, v->key, "not 2 to 7 bytes of lower-case hex");
}

static bool set_senderid(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  return set_hex_id(((entry_dec *)d)->e->senderid, v, ctx, r);
}

static bool set_recipientid(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  return set_hex_id(((entry_dec *)d)->e->recipientid, v, ctx, r);
}

static bool set_ssn(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  ((entry_dec *)d)->e->has_ssn = true;
  return svr_get_uint(v, UINT64_MAX, &((entry_dec *)d)->e->ssn, r);
}

static bool set_desc(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_cstr(v, ((entry_dec *)d)->e->desc, OCF_SVR_OSCORE_DESC_MAX + 1, r);
}

static bool set_oscore(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  static const svr_prop FIELDS[] = {{"senderid", ANY, 0, set_senderid},
                                    {"recipientid", ANY, 0, set_recipientid},
                                    {"ssn", READ_ONLY, 0, set_ssn},
                                    {"desc", ANY, 0, set_desc}};
  if (!svr_apply_fields(FIELDS, COUNT(FIELDS), d, v, ctx, r)) return svr_report_nest(r, "oscore", SIZE_MAX);
  ((entry_dec *)d)->e->has_oscore = true;
  return true;
}

/* --- data maps: publicdata, privatedata, optionaldata ----------------------------------------- */

static bool set_encoding(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  ((entry_dec *)d)->has_encoding = true;
  return svr_get_enum(v, ENCODINGS, COUNT(ENCODINGS), &((entry_dec *)d)->encoding, r);
}

/* the data is checked once the whole map (its encoding) is known */
static bool set_data(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  (void)r;
  ((entry_dec *)d)->data = v;
  return true;
}

static bool set_handle(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  ocf_err err = ocf_rep_get_int64(v, &((entry_dec *)d)->e->handle);
  if (err != OCF_OK)
    return svr_fail(r, err == OCF_ERR_TYPE ? OCF_SVR_E_TYPE : OCF_SVR_E_RANGE, "handle", "not an integer");
  ((entry_dec *)d)->e->has_handle = true;
  return true;
}

static bool set_revstat(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  ((entry_dec *)d)->has_revstat = true;
  return svr_get_bool(v, &((entry_dec *)d)->e->revstat, r);
}

/* Reads the fields of a data map into *sub (a fresh scratch for the entry e). */
static bool read_data_map(const ocf_rep_node *v, const svr_prop *fields, size_t n, const ocf_svr_ctx *ctx,
                          ocf_svr_cred_entry *e, entry_dec *sub, ocf_svr_report *r) {
  memset(sub, 0, sizeof *sub);
  sub->e = e;
  return svr_apply_fields(fields, n, sub, v, ctx, r);
}

/* Copies the data node into buf: text or bytes as the encoding says. RAW accepts both (plgd
 * sends raw PSKs as text: pitfall 5); BASE64 is decoded. *len = 0 for h'' or "" (digest 1.3). */
static bool copy_data(const ocf_rep_node *data, uint8_t enc, uint8_t *buf, size_t cap, uint16_t *len,
                      ocf_svr_report *r) {
  ocf_bytes b = {NULL, 0};
  bool was_text = false;
  if (data && ocf_rep_get_text_or_bytes(data, &b, &was_text) != OCF_OK)
    return svr_fail(r, OCF_SVR_E_TYPE, "data", "neither text nor bytes");
  if (data && enc == OCF_CRED_ENC_PEM && (!was_text || data->not_utf8))
    return svr_fail(r, OCF_SVR_E_TYPE, "data", "PEM must be text");
  if (data && enc == OCF_CRED_ENC_DER && was_text)
    return svr_fail(r, OCF_SVR_E_TYPE, "data", "DER must be bytes");
  if (enc == OCF_CRED_ENC_BASE64) {
    long n = b.len ? svr_base64_decode(b.ptr, b.len, buf, cap) : 0;
    if (n < 0) return svr_fail(r, OCF_SVR_E_RANGE, "data", "not base64, or too long");
    *len = (uint16_t)n;
    return true;
  }
  if (b.len > cap) return svr_fail(r, OCF_SVR_E_TOO_LARGE, "data", "longer than we keep");
  if (b.len) memcpy(buf, b.ptr, b.len);
  *len = (uint16_t)b.len;
  return true;
}

static bool set_publicdata(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  static const svr_prop FIELDS[] = {{"data", ANY, 0, set_data}, {"encoding", ANY, 0, set_encoding}};
  ocf_svr_cred_entry *e = ((entry_dec *)d)->e;
  entry_dec sub;
  if (!read_data_map(v, FIELDS, COUNT(FIELDS), ctx, e, &sub, r))
    return svr_report_nest(r, "publicdata", SIZE_MAX);
  uint8_t enc = sub.encoding;
  if (!sub.has_encoding) /* not required by SEC:cred: text is PEM, bytes DER */
    enc = sub.data && sub.data->type == OCF_REP_BYTES ? OCF_CRED_ENC_DER : OCF_CRED_ENC_PEM;
  if (enc != OCF_CRED_ENC_PEM && enc != OCF_CRED_ENC_DER) {
    (void)svr_fail(r, OCF_SVR_E_RANGE, "encoding", "publicdata is PEM or DER");
    return svr_report_nest(r, "publicdata", SIZE_MAX);
  }
  if (!copy_data(sub.data, enc, e->public_data, sizeof e->public_data, &e->public_len, r))
    return svr_report_nest(r, "publicdata", SIZE_MAX);
  e->public_encoding = enc;
  e->has_public = true;
  return true;
}

static bool set_privatedata(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  static const svr_prop FIELDS[] = {
      {"data", ANY, 0, set_data}, {"encoding", ANY, 0, set_encoding}, {"handle", ANY, 0, set_handle}};
  ocf_svr_cred_entry *e = ((entry_dec *)d)->e;
  entry_dec sub;
  if (!read_data_map(v, FIELDS, COUNT(FIELDS), ctx, e, &sub, r))
    return svr_report_nest(r, "privatedata", SIZE_MAX);
  uint8_t enc = sub.encoding;
  if (!sub.has_encoding) { /* SEC:cred privatedata requires encoding */
    (void)svr_fail(r, OCF_SVR_E_MISSING, "encoding", "required");
    return svr_report_nest(r, "privatedata", SIZE_MAX);
  }
  if (!copy_data(sub.data, enc, e->private_data, sizeof e->private_data, &e->private_len, r))
    return svr_report_nest(r, "privatedata", SIZE_MAX);
  /* SEC:cred lists raw, base64, pem and handle for privatedata; "der" (bytes, as PL writes
   * publicdata and CSRs) is taken too for a certificate's DER private key (digest §6.2 item 2)
   * and kept as raw bytes, so GET shows only the schema's encodings. */
  e->private_encoding = enc == OCF_CRED_ENC_BASE64 || enc == OCF_CRED_ENC_DER ? OCF_CRED_ENC_RAW : enc;
  e->has_private = true;
  return true;
}

static bool set_optionaldata(void *d, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  static const svr_prop FIELDS[] = {
      {"data", ANY, 0, set_data}, {"encoding", ANY, 0, set_encoding}, {"revstat", ANY, 0, set_revstat}};
  ocf_svr_cred_entry *e = ((entry_dec *)d)->e;
  entry_dec sub;
  if (!read_data_map(v, FIELDS, COUNT(FIELDS), ctx, e, &sub, r))
    return svr_report_nest(r, "optionaldata", SIZE_MAX);
  if (!sub.has_revstat) { /* SEC:cred optionaldata requires revstat */
    (void)svr_fail(r, OCF_SVR_E_MISSING, "revstat", "required");
    return svr_report_nest(r, "optionaldata", SIZE_MAX);
  }
  uint8_t enc = sub.encoding;
  if (!sub.has_encoding && sub.data)
    enc = sub.data->type == OCF_REP_BYTES ? OCF_CRED_ENC_DER : OCF_CRED_ENC_PEM;
  if (enc != OCF_CRED_ENC_NONE && enc != OCF_CRED_ENC_PEM && enc != OCF_CRED_ENC_DER) {
    (void)svr_fail(r, OCF_SVR_E_RANGE, "encoding", "optionaldata is PEM or DER");
    return svr_report_nest(r, "optionaldata", SIZE_MAX);
  }
  if (!copy_data(sub.data, enc, e->optional_data, sizeof e->optional_data, &e->optional_len, r))
    return svr_report_nest(r, "optionaldata", SIZE_MAX);
  e->optional_encoding = enc;
  e->has_optional = true;
  return true;
}

/* --- the entry ------------------------------------------------------------------------------- */

static const svr_prop ENTRY_PROPS[] = {
    {"credid", ANY, 0, set_credid},
    {"subjectuuid", ANY, 0, set_subject},
    {"credtype", ANY, 0, set_credtype},
    {"credusage", ANY, 0, set_usage},
    {"publicdata", ANY, 0, set_publicdata},
    {"privatedata", ANY, 0, set_privatedata},
    {"optionaldata", ANY, 0, set_optionaldata},
    {"period", ANY, 0, set_period},
    {"crms", ANY, 0, set_crms},
    {"roleid", ANY, 0, set_roleid},
    {"oscore", ANY, 0, set_oscore},
    {"tag", ANY, 0, set_tag},
};

/* The OSCORE credential types (S003 6.3, 6.4; digest 6.4, 6.5) and the shape each must have:
 *   64  pairwise context:   senderid and recipientid, both with first byte 0x01 ("directly
 *                           provisioned OSCORE context");
 *   128 SSM client context: senderid (the group id, first byte 0x02), no recipientid;
 *   256 SSM server context: recipientid (first byte 0x02), no senderid;
 * each with its 256-bit Master Secret as privatedata (raw, or base64 stored raw). desc is
 * allowed on all three (SEC:cred oscore.desc; IoTivity-Lite refuses it on 64, pitfall 24, but the
 * schema does not). oscore on any other credtype is refused: it would never be used. */
static bool check_oscore_entry(const ocf_svr_cred_entry *e, ocf_svr_report *r) {
  bool oscore_type = e->credtype == OCF_CREDTYPE_OSCORE || e->credtype == OCF_CREDTYPE_SSM_CLIENT ||
                     e->credtype == OCF_CREDTYPE_SSM_SERVER;
  if (!oscore_type)
    return !e->has_oscore || svr_fail(r, OCF_SVR_E_CONFLICT, "oscore", "only on credtype 64, 128 or 256");
  if (!e->has_oscore) return svr_fail(r, OCF_SVR_E_MISSING, "oscore", "required for an OSCORE context");
  bool need_sender = e->credtype != OCF_CREDTYPE_SSM_SERVER;
  bool need_recipient = e->credtype != OCF_CREDTYPE_SSM_CLIENT;
  const char *prefix = e->credtype == OCF_CREDTYPE_OSCORE ? "01" : "02";
  if (need_sender && !e->senderid[0]) return svr_fail(r, OCF_SVR_E_MISSING, "oscore.senderid", "required");
  if (need_recipient && !e->recipientid[0])
    return svr_fail(r, OCF_SVR_E_MISSING, "oscore.recipientid", "required");
  if (!need_sender && e->senderid[0])
    return svr_fail(r, OCF_SVR_E_CONFLICT, "oscore.senderid", "an SSM server context has no senderid");
  if (!need_recipient && e->recipientid[0])
    return svr_fail(r, OCF_SVR_E_CONFLICT, "oscore.recipientid", "an SSM client context has no recipientid");
  if (need_sender && strncmp(e->senderid, prefix, 2) != 0)
    return svr_fail(r, OCF_SVR_E_RANGE, "oscore.senderid",
                    e->credtype == OCF_CREDTYPE_OSCORE ? "a pairwise id starts with 01"
                                                       : "a group id starts with 02");
  if (need_recipient && strncmp(e->recipientid, prefix, 2) != 0)
    return svr_fail(r, OCF_SVR_E_RANGE, "oscore.recipientid",
                    e->credtype == OCF_CREDTYPE_OSCORE ? "a pairwise id starts with 01"
                                                       : "a group id starts with 02");
  if (!e->has_private) return svr_fail(r, OCF_SVR_E_MISSING, "privatedata", "the Master Secret is required");
  if (e->private_encoding != OCF_CRED_ENC_RAW || e->private_len != OCF_SVR_OSCORE_SECRET_LEN)
    return svr_fail(r, OCF_SVR_E_RANGE, "privatedata.data", "the Master Secret has 32 bytes (raw or base64)");
  return true;
}

bool ocf_svr_cred_entry_decode(const ocf_rep_node *v, const ocf_svr_ctx *ctx, bool need_subject,
                               ocf_svr_cred_entry *e, ocf_svr_report *r) {
  memset(e, 0, sizeof *e);
  entry_dec dec = {.e = e};
  if (!svr_apply_fields(ENTRY_PROPS, COUNT(ENTRY_PROPS), &dec, v, ctx, r)) return false;
  if (!dec.has_credtype) return svr_fail(r, OCF_SVR_E_MISSING, "credtype", "required");
  if (need_subject && !dec.has_subject) return svr_fail(r, OCF_SVR_E_MISSING, "subjectuuid", "required");
  /* digest 2.3, pitfall 25: a PSK given with its key holds exactly 16 or 32 bytes */
  if (e->credtype == OCF_CREDTYPE_PSK && e->private_encoding == OCF_CRED_ENC_RAW && e->private_len != 0 &&
      e->private_len != 16 && e->private_len != 32)
    return svr_fail(r, OCF_SVR_E_RANGE, "privatedata.data", "a PSK has 16 or 32 bytes");
  /* Client requests only: a store written before these checks must still load (ADR 0022). */
  return ctx->source == OCF_SVR_FROM_STORE || check_oscore_entry(e, r);
}

bool ocf_svr_cred_entry_same(const ocf_svr_cred_entry *a, const ocf_svr_cred_entry *b) {
  /* entries are zeroed before they are filled, so padding and unused bytes compare equal */
  size_t from = offsetof(ocf_svr_cred_entry, credtype);
  return memcmp((const uint8_t *)a + from, (const uint8_t *)b + from, sizeof *a - from) == 0;
}

/* --- encoding -------------------------------------------------------------------------------- */

static void enc_data(ocf_rep_enc *e, const uint8_t *data, size_t len, uint8_t enc) {
  ocf_rep_enc_key(e, "data");
  if (enc == OCF_CRED_ENC_PEM)
    ocf_rep_enc_text_n(e, (const char *)data, len);
  else
    ocf_rep_enc_bytes(e, data, len);
}

static void enc_private(const ocf_svr_cred_entry *c, unsigned flags, ocf_rep_enc *e) {
  ocf_rep_enc_kv_map_open(e, "privatedata");
  /* digest 2.3: a GET never reveals secrets; the encoding says what kind of key is held */
  size_t len = flags & OCF_SVR_ENC_STORE ? c->private_len : 0;
  if (c->private_encoding != OCF_CRED_ENC_HANDLE || len)
    enc_data(e, c->private_data, len, c->private_encoding);
  ocf_rep_enc_kv_text(e, "encoding", ENCODINGS[c->private_encoding]);
  if (c->has_handle) ocf_rep_enc_kv_int(e, "handle", c->handle);
  ocf_rep_enc_map_close(e);
}

static void enc_oscore(const ocf_svr_cred_entry *c, ocf_rep_enc *e) {
  ocf_rep_enc_kv_map_open(e, "oscore");
  if (c->senderid[0]) ocf_rep_enc_kv_text(e, "senderid", c->senderid);
  if (c->recipientid[0]) ocf_rep_enc_kv_text(e, "recipientid", c->recipientid);
  if (c->has_ssn) {
    ocf_rep_enc_key(e, "ssn");
    ocf_rep_enc_uint(e, c->ssn);
  }
  if (c->desc[0]) ocf_rep_enc_kv_text(e, "desc", c->desc);
  ocf_rep_enc_map_close(e);
}

static void enc_optional(const ocf_svr_cred_entry *c, ocf_rep_enc *e) {
  ocf_rep_enc_kv_map_open(e, "optionaldata");
  ocf_rep_enc_kv_bool(e, "revstat", c->revstat);
  if (c->optional_encoding != OCF_CRED_ENC_NONE) {
    enc_data(e, c->optional_data, c->optional_len, c->optional_encoding);
    ocf_rep_enc_kv_text(e, "encoding", ENCODINGS[c->optional_encoding]);
  }
  ocf_rep_enc_map_close(e);
}

static void enc_crms(uint8_t crms, ocf_rep_enc *e) {
  ocf_rep_enc_kv_array_open(e, "crms");
  for (size_t i = 0; i < COUNT(CRMS); i++)
    if (crms & (1u << i)) ocf_rep_enc_text(e, CRMS[i]);
  ocf_rep_enc_array_close(e);
}

void ocf_svr_cred_entry_encode(const ocf_svr_cred_entry *c, unsigned flags, ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_int(e, "credid", c->credid);
  if (c->subject_any)
    ocf_rep_enc_kv_text(e, "subjectuuid", "*");
  else
    ocf_rep_enc_kv_uuid(e, "subjectuuid", &c->subject);
  ocf_rep_enc_kv_int(e, "credtype", c->credtype);
  if (c->credusage != OCF_CRED_USAGE_NONE && c->credusage < OCF_CRED_USAGE_COUNT)
    ocf_rep_enc_kv_text(e, "credusage", USAGES[c->credusage]);
  if (c->has_public) {
    ocf_rep_enc_kv_map_open(e, "publicdata");
    enc_data(e, c->public_data, c->public_len, c->public_encoding);
    ocf_rep_enc_kv_text(e, "encoding", ENCODINGS[c->public_encoding]);
    ocf_rep_enc_map_close(e);
  }
  if (c->has_private) enc_private(c, flags, e);
  if (c->has_optional) enc_optional(c, e);
  if (c->period[0]) ocf_rep_enc_kv_text(e, "period", c->period);
  if (c->crms) enc_crms(c->crms, e);
  if (c->has_roleid) {
    ocf_rep_enc_kv_map_open(e, "roleid");
    ocf_rep_enc_kv_text(e, "role", c->role);
    if (c->authority[0]) ocf_rep_enc_kv_text(e, "authority", c->authority);
    ocf_rep_enc_map_close(e);
  }
  if (c->has_oscore) enc_oscore(c, e);
  if (c->tag[0]) ocf_rep_enc_kv_text(e, "tag", c->tag);
  ocf_rep_enc_map_close(e);
}
