/* /oic/sec/acl2, rt oic.r.acl2: Access Control Entries (digest 2.4, 7; SEC:acl2).
 *
 * Who may write what (digest 2.4, pitfall 16): aclist2 in RFOTM, RFPRO and SRESET; rowneruuid
 * in RFOTM and SRESET; nothing in RFNOP (POST 4.00, DELETE 4.03) or RESET.
 *
 * POST semantics:
 *  - an ACE whose aceid names an existing ACE replaces it; without aceid, or with an unknown
 *    one, it is added (a random 31-bit aceid is drawn when none was given, a given one is kept);
 *  - an ACE without aceid equal to an existing ACE in everything else is a no-op. IoTivity-Lite
 *    instead MERGES an ACE with the same subject, permission and tag into the old one (digest
 *    2.4); the resulting permissions are the same, and we do not rewrite an ACE the client did
 *    not name;
 *  - aclist2 null is an empty list (plgd: pitfall 20);
 *  - an ACE needs subject (exactly one of uuid / role [+ authority] / conntype: mixing them is
 *    a CONFLICT, unknown subject keys are UNKNOWN_PROPERTY), resources and permission (0..31);
 *  - a resource is {"href": "/..."} or {"wc": "*" | "+" | "-"}, never both; "if" arrays are
 *    accepted and ignored (plgd sends "if":["*"]); any other key ("rt" included, which
 *    IoTivity-Lite also refuses) is UNKNOWN_PROPERTY;
 *  - validity is accepted (IoTivity-Lite refuses it): each period must be an RFC 5545 UTC period;
 *    a non-empty recurrence is refused as UNSUPPORTED (4.00) rather than stored and never
 *    honoured; plgd's single-string recurrence (pitfall 13) is accepted when empty. */
#ifndef OCF_SVR_ACL2_H
#define OCF_SVR_ACL2_H

#include "svr/svr.h"

/* permission bits (SEC:acl2; digest 2.4) */
enum {
  OCF_PERM_CREATE = 1,
  OCF_PERM_RETRIEVE = 2, /* retrieve, observe, discover */
  OCF_PERM_UPDATE = 4,
  OCF_PERM_DELETE = 8,
  OCF_PERM_NOTIFY = 16,
  OCF_PERM_ALL = 31,
};

typedef enum ocf_ace_subject_kind {
  OCF_ACE_SUBJECT_UUID = 1,
  OCF_ACE_SUBJECT_ROLE,
  OCF_ACE_SUBJECT_CONNTYPE,
} ocf_ace_subject_kind;

typedef enum ocf_ace_wildcard {
  OCF_ACE_WC_NONE = 0,     /* the resource is named by href */
  OCF_ACE_WC_ALL,          /* "*": every NCR */
  OCF_ACE_WC_DISCOVERABLE, /* "+": discoverable NCRs */
  OCF_ACE_WC_UNSECURED,    /* "-": discoverable NCRs with an unsecured endpoint (digest 7.2) */
} ocf_ace_wildcard;

typedef struct ocf_svr_ace_resource {
  uint8_t wc;                      /* ocf_ace_wildcard */
  char href[OCF_SVR_HREF_MAX + 1]; /* "" for a wildcard */
} ocf_svr_ace_resource;

typedef struct ocf_svr_ace_validity {
  int64_t start, end; /* the parsed period: [start, end) in seconds since the Unix epoch, UTC */
  char period[OCF_SVR_PERIOD_MAX + 1];
} ocf_svr_ace_validity;

typedef struct ocf_svr_ace {
  uint32_t aceid;       /* 1..2^31-1 */
  uint8_t subject_kind; /* ocf_ace_subject_kind */
  uint8_t conntype;     /* ocf_conntype, for OCF_ACE_SUBJECT_CONNTYPE */
  uint8_t permission;   /* OCF_PERM_* */
  ocf_uuid uuid;        /* for OCF_ACE_SUBJECT_UUID */
  char role[OCF_SVR_ROLE_MAX + 1];
  char authority[OCF_SVR_AUTHORITY_MAX + 1]; /* "" = any authority */
  char tag[OCF_SVR_TAG_MAX + 1];
  uint32_t n_resources;
  ocf_svr_ace_resource resources[OCF_SVR_MAX_ACE_RESOURCES];
  uint32_t n_validity; /* 0 = always valid */
  ocf_svr_ace_validity validity[OCF_SVR_MAX_VALIDITY];
} ocf_svr_ace;

struct ocf_svr_acl2 {
  ocf_uuid rowneruuid;
  uint32_t n;
  ocf_svr_ace ace[OCF_SVR_MAX_ACES];
};

enum {
  OCF_SVR_ACL2_CHG_ACLIST = 1u << 0,
  OCF_SVR_ACL2_CHG_ROWNERUUID = 1u << 1,
};

/* Empty: no ACEs, rowneruuid nil (also RESET: digest 3.5 step 3). */
void ocf_svr_acl2_clear(ocf_svr_acl2 *m);

/* POST /oic/sec/acl2 (see above and svr.h). */
OCF_NODISCARD ocf_err ocf_svr_acl2_decode_update(const ocf_svr_acl2 *cur, const ocf_rep_node *payload,
                                                 const ocf_svr_ctx *ctx, ocf_svr_acl2 *out,
                                                 ocf_svr_report *r);

void ocf_svr_acl2_encode(const ocf_svr_acl2 *m, unsigned flags, ocf_rep_enc *e);

/* DELETE /oic/sec/acl2?aceid=N or without a query (digest 2.4). Refused outside RFOTM, RFPRO
 * and SRESET: OCF_ERR_STATE, kind DELETE_STATE (4.03). OCF_ERR_NOT_FOUND (4.04) when no ACE
 * has that aceid. The model changes only on OCF_OK. */
OCF_NODISCARD ocf_err ocf_svr_acl2_delete_id(ocf_svr_acl2 *m, uint32_t aceid, const ocf_svr_ctx *ctx,
                                             ocf_svr_report *r);
OCF_NODISCARD ocf_err ocf_svr_acl2_delete_all(ocf_svr_acl2 *m, const ocf_svr_ctx *ctx, ocf_svr_report *r);

const ocf_svr_ace *ocf_svr_acl2_find_id(const ocf_svr_acl2 *m, uint32_t aceid);

#endif
