/* /oic/sec/cred, rt oic.r.cred: credentials (digest 2.3; SEC:cred).
 *
 * Who may write what (digest 2.3, pitfall 16): creds in RFOTM, RFPRO and SRESET; rowneruuid in
 * RFOTM and SRESET; nothing in RFNOP (POST 4.00, DELETE 4.03) or RESET.
 *
 * POST semantics (SEC:cred, digest 2.3):
 *  - an entry whose credid names an existing entry replaces it;
 *  - an entry without credid, or with an unknown one, is added: the server draws a random
 *    31-bit credid when none was given (IoTivity-Lite's ids: digest 1.3) and keeps a given one
 *    (it is unknown, hence free; IoTivity-Lite does the same);
 *  - an entry equal to an existing one in everything but credid is a no-op (digest 2.3);
 *  - a second PSK for a subject that already has one is ADDED, as IoTivity-Lite does (pitfall
 *    32: the OBT must delete the old entry before re-keying; ocf_svr_cred_find_psk returns the
 *    first one, which is the one IoTivity-Lite uses);
 *  - credtype 1 (PSK) with non-empty privatedata must hold exactly 16 or 32 bytes after base64
 *    decoding (pitfall 25); with EMPTY privatedata (h'' or "": digest 1.3) it is an Owner
 *    Credential candidate whose key the device derives (digest 4.5,
 *    ocf_svr_cred_find_owner_candidate / ocf_svr_cred_set_key);
 *  - key material is accepted as a byte string or a text string (pitfall 5); base64 keys are
 *    stored decoded, as raw;
 *  - every entry must carry credtype and subjectuuid (all our peers send both), privatedata
 *    must carry encoding (SEC:cred required), optionaldata revstat (SEC:cred required);
 *  - OSCORE contexts (S003 6.3, 6.4; digest 6.4, 6.5): credtype 64 carries oscore senderid and
 *    recipientid with first byte 0x01, credtype 128 a senderid and credtype 256 a recipientid
 *    with first byte 0x02; ids are 2..7 bytes of lower-case hex; privatedata is the 32-byte
 *    Master Secret; a recipientid already used by another entry is refused (4.00); oscore on
 *    other credtypes is refused (client requests only: an older store still loads). The device
 *    itself refuses credtypes missing from its doxm.sct (src/device/sec_res.c). ssn is the
 *    device's (read-only for clients).
 * A GET never shows secrets: privatedata is written as {"data": h'', "encoding": ...}. */
#ifndef OCF_SVR_CRED_H
#define OCF_SVR_CRED_H

#include "svr/svr.h"

/* credtype values (SEC:cred; 64 from S003 6.3 note 2) */
#define OCF_CREDTYPE_EMPTY 0u
#define OCF_CREDTYPE_PSK 1u           /* symmetric pair-wise key (the Owner Credential is one) */
#define OCF_CREDTYPE_GROUP 2u         /* symmetric group key */
#define OCF_CREDTYPE_ASYM_SIGN 4u     /* asymmetric signing key */
#define OCF_CREDTYPE_CERT 8u          /* asymmetric signing key with certificate */
#define OCF_CREDTYPE_PIN 16u          /* PIN or password */
#define OCF_CREDTYPE_ASYM_ENCRYPT 32u /* asymmetric encryption key */
#define OCF_CREDTYPE_OSCORE 64u       /* OSCORE security context */
#define OCF_CREDTYPE_SSM_CLIENT 128u  /* Simple Secure Multicast client context */
#define OCF_CREDTYPE_SSM_SERVER 256u  /* Simple Secure Multicast server context */

typedef enum ocf_cred_usage {
  OCF_CRED_USAGE_NONE = 0,
  OCF_CRED_USAGE_TRUSTCA, /* oic.sec.cred.trustca */
  OCF_CRED_USAGE_CERT,    /* oic.sec.cred.cert */
  OCF_CRED_USAGE_ROLECERT,
  OCF_CRED_USAGE_MFGTRUSTCA,
  OCF_CRED_USAGE_MFGCERT,
  OCF_CRED_USAGE_COUNT,
} ocf_cred_usage;

typedef enum ocf_cred_encoding {
  OCF_CRED_ENC_NONE = 0,
  OCF_CRED_ENC_RAW,    /* oic.sec.encoding.raw: bytes */
  OCF_CRED_ENC_BASE64, /* oic.sec.encoding.base64: only on input; stored decoded as raw */
  OCF_CRED_ENC_PEM,    /* oic.sec.encoding.pem: text */
  OCF_CRED_ENC_DER,    /* oic.sec.encoding.der: bytes (IoTivity-Lite's non-PEM certificates) */
  OCF_CRED_ENC_HANDLE, /* oic.sec.encoding.handle: a key-store handle, no data */
  OCF_CRED_ENC_COUNT,
} ocf_cred_encoding;

/* crms bits (SEC:cred), in the schema's order */
enum {
  OCF_CRED_CRM_PRO = 1u << 0,  /* oic.sec.crm.pro */
  OCF_CRED_CRM_PSK = 1u << 1,  /* oic.sec.crm.psk */
  OCF_CRED_CRM_RDP = 1u << 2,  /* oic.sec.crm.rdp */
  OCF_CRED_CRM_SKDC = 1u << 3, /* oic.sec.crm.skdc */
  OCF_CRED_CRM_PK10 = 1u << 4, /* oic.sec.crm.pk10 */
};

typedef struct ocf_svr_cred_entry {
  uint32_t credid; /* 1..2^31-1 */
  uint16_t credtype;
  uint8_t credusage;       /* ocf_cred_usage */
  uint8_t crms;            /* OCF_CRED_CRM_* */
  bool subject_any;        /* subjectuuid "*" */
  ocf_uuid subject;        /* nil when subject_any */
  bool has_public;         /* publicdata */
  uint8_t public_encoding; /* PEM (text) or DER (bytes) */
  uint16_t public_len;
  bool has_private;         /* privatedata */
  uint8_t private_encoding; /* RAW, PEM or HANDLE (base64 input is stored as RAW) */
  uint16_t private_len;     /* 0 = empty (an Owner Credential candidate when credtype is PSK) */
  bool has_handle;
  int64_t handle;
  bool has_optional; /* optionaldata */
  bool revstat;
  uint8_t optional_encoding; /* NONE, PEM (text) or DER (bytes) */
  uint16_t optional_len;
  bool has_roleid;
  bool has_oscore;
  bool has_ssn; /* oscore.ssn: written by the device only */
  uint64_t ssn;
  char role[OCF_SVR_ROLE_MAX + 1];
  char authority[OCF_SVR_AUTHORITY_MAX + 1];
  char period[OCF_SVR_PERIOD_MAX + 1];
  char senderid[OCF_SVR_OSCORE_ID_HEX_MAX + 1];
  char recipientid[OCF_SVR_OSCORE_ID_HEX_MAX + 1];
  char desc[OCF_SVR_OSCORE_DESC_MAX + 1];
  char tag[OCF_SVR_TAG_MAX + 1];
  uint8_t public_data[OCF_SVR_CRED_PUBLIC_MAX];
  uint8_t private_data[OCF_SVR_CRED_PRIVATE_MAX];
  uint8_t optional_data[OCF_SVR_CRED_OPTIONAL_MAX];
} ocf_svr_cred_entry;

struct ocf_svr_cred {
  ocf_uuid rowneruuid;
  uint32_t n;
  ocf_svr_cred_entry e[OCF_SVR_MAX_CREDS];
};

enum {
  OCF_SVR_CRED_CHG_CREDS = 1u << 0,
  OCF_SVR_CRED_CHG_ROWNERUUID = 1u << 1,
};

/* Empty: no entries, rowneruuid nil (also RESET: digest 3.5 step 3). */
void ocf_svr_cred_clear(ocf_svr_cred *m);

/* POST /oic/sec/cred (see above and svr.h). */
OCF_NODISCARD ocf_err ocf_svr_cred_decode_update(const ocf_svr_cred *cur, const ocf_rep_node *payload,
                                                 const ocf_svr_ctx *ctx, ocf_svr_cred *out,
                                                 ocf_svr_report *r);

/* GET (secrets hidden) or, with OCF_SVR_ENC_STORE, everything. */
void ocf_svr_cred_encode(const ocf_svr_cred *m, unsigned flags, ocf_rep_enc *e);

/* DELETE /oic/sec/cred?credid=N, ?subjectuuid=U, or without a query (digest 2.3, pitfall 10).
 * Refused outside RFOTM, RFPRO and SRESET: OCF_ERR_STATE, kind DELETE_STATE (4.03).
 * OCF_ERR_NOT_FOUND (4.04) when no entry matches; delete_all succeeds on an empty table.
 * The model changes only on OCF_OK. */
OCF_NODISCARD ocf_err ocf_svr_cred_delete_id(ocf_svr_cred *m, uint32_t credid, const ocf_svr_ctx *ctx,
                                             ocf_svr_report *r);
OCF_NODISCARD ocf_err ocf_svr_cred_delete_subject(ocf_svr_cred *m, const ocf_uuid *subject,
                                                  const ocf_svr_ctx *ctx, ocf_svr_report *r);
OCF_NODISCARD ocf_err ocf_svr_cred_delete_all(ocf_svr_cred *m, const ocf_svr_ctx *ctx, ocf_svr_report *r);

/* Lookups. */
const ocf_svr_cred_entry *ocf_svr_cred_find_id(const ocf_svr_cred *m, uint32_t credid);
/* Whether some entry names subject exactly (not through "*"): the entry check of pitfall 17. */
bool ocf_svr_cred_has_subject(const ocf_svr_cred *m, const ocf_uuid *subject);
/* The first PSK (credtype 1) with a key for subject: the one a DTLS PSK handshake uses. */
const ocf_svr_cred_entry *ocf_svr_cred_find_psk(const ocf_svr_cred *m, const ocf_uuid *subject);
/* The index of the Owner Credential candidate: a PSK with empty privatedata whose subject is
 * owner (digest 4.5: IoTivity-Lite takes cred.rowneruuid after the whole POST; S002 3.1.20
 * doxm.rowneruuid; with one DOTS they coincide). -1 when there is none. */
int ocf_svr_cred_find_owner_candidate(const ocf_svr_cred *m, const ocf_uuid *owner);
/* Stores a derived key (16 or 32 bytes) as raw privatedata of entry index.
 * OCF_ERR_INVALID_ARG otherwise. */
OCF_NODISCARD ocf_err ocf_svr_cred_set_key(ocf_svr_cred *m, size_t index, const uint8_t *key, size_t len);

/* One cred-shaped entry (also the entries of /oic/sec/roles): checks and fills *e from the map
 * v. need_subject: subjectuuid is required. */
bool ocf_svr_cred_entry_decode(const ocf_rep_node *v, const ocf_svr_ctx *ctx, bool need_subject,
                               ocf_svr_cred_entry *e, ocf_svr_report *r);
/* Writes one entry as a map; secrets only with OCF_SVR_ENC_STORE. */
void ocf_svr_cred_entry_encode(const ocf_svr_cred_entry *c, unsigned flags, ocf_rep_enc *e);
/* Equal in everything but credid (padding excluded). */
bool ocf_svr_cred_entry_same(const ocf_svr_cred_entry *a, const ocf_svr_cred_entry *b);

#endif
