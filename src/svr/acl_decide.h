/* Access control as one pure function of an explicit query (digest 3.3, 3.4, 7.2, 1.7).
 *
 * The device fills an ocf_acl_query per request (what is asked, of which resource, in which
 * state, by whom, over which channel) and calls ocf_acl_decide. The decision says allow, deny
 * (answer 4.01) or silent (send nothing), and which rule decided, for logs and tests.
 *
 * The rules, in order (digest 3.4 = IoTivity-Lite oc_sec_check_acl, with S003 Table 1):
 *   0. multicast GET /oic/sec/doxm: answered only in RFOTM with no DOC open, whatever the ACEs
 *      say (S001 7.3.1; digest 1.7); otherwise silent.
 *   R. RESET: nothing is served while a reset is in progress (Table 1 "none").
 *   1. RFOTM, unsecured request, a DOC open: deny.
 *   2. NCR outside RFNOP: deny. NCR over an unsecured channel: deny, unless the resource has a
 *      coap:// endpoint (has_unsecured_ep); then only an anon-clear ACE can grant it (rule 9).
 *      IoTivity-Lite denies every unsecured NCR; SEC:acl2's anon-clear says otherwise (ADR 0021).
 *   3. DCR over the DOC: allow.
 *   4. GET /oic/res, /oic/d, /oic/p in RFOTM: allow.
 *   5. RFOTM with no DOC: GET/POST doxm and GET pstat allowed (doxm's own rules then limit a
 *      POST to oxmsel), everything else denied.
 *   6. SVR over an unsecured channel in RFPRO, RFNOP, SRESET: deny.
 *   7. authenticated peer uuid = rowneruuid of the target doxm / pstat / cred / acl2: allow
 *      (digest 2.0; no such implicit owner for sp, sdi, csr, ael).
 *   8. /oic/sec/roles in RFPRO, RFNOP, SRESET by an authenticated peer: allow.
 *   9. an asserted oic.role.owner role: allow. Otherwise the permissions of every matching ACE
 *      are OR-ed: subject uuid = the peer's; a role of the peer (authority equal, or empty in
 *      the ACE); and, for non-SVRs only, conntype auth-crypt (secured requests) and anon-clear
 *      (any request). The method needs GET: R|N, POST/PUT: C|U, DELETE: D. An ACE with
 *      validity applies only while `now` lies in one of its periods.
 * Wildcards (digest 7.2, pitfall 14) never match DCRs: "*" every NCR, "+" discoverable NCRs,
 * "-" discoverable NCRs that have an unsecured endpoint. An href matches exactly.
 * A denied multicast request is silent (IoTivity-Lite never answers a multicast with an error:
 * pitfall 29). */
#ifndef OCF_SVR_ACL_DECIDE_H
#define OCF_SVR_ACL_DECIDE_H

#include "svr/acl2.h"

/* How the peer authenticated. */
typedef enum ocf_acl_auth {
  OCF_ACL_AUTH_NONE = 0,  /* plain coap:// */
  OCF_ACL_AUTH_ANON_DTLS, /* DTLS without peer authentication (Just Works' anonymous ECDH) */
  OCF_ACL_AUTH_PSK,       /* DTLS PSK: the peer uuid is the PSK identity */
  OCF_ACL_AUTH_CERT,      /* DTLS with a certificate: the peer uuid is its CN uuid:... */
  OCF_ACL_AUTH_PIN,       /* DTLS Random PIN OTM (PSK from the PIN; no peer uuid) */
} ocf_acl_auth;

/* A role the peer holds: from a role certificate it asserted (/oic/sec/roles) or the roleid of
 * the PSK credential it authenticated with. */
typedef struct ocf_acl_role {
  const char *role;
  const char *authority; /* may be NULL or "" */
  bool asserted;         /* from a role certificate: oic.role.owner then grants everything */
} ocf_acl_role;

typedef struct ocf_acl_query {
  /* what */
  ocf_method method;
  const char *href;       /* the target resource, e.g. "/oic/sec/doxm" */
  const char *const *rts; /* its rt values (informative: no rule of 3.4 reads them) */
  size_t n_rts;
  const char *const *ifs; /* its interfaces (informative, as rts) */
  size_t n_ifs;
  bool is_svr;           /* a Security Virtual Resource (digest 2.0 table) */
  bool is_dcr;           /* a Device Configuration Resource; every SVR is one */
  bool discoverable;     /* listed in /oic/res (for "+" and "-") */
  bool has_unsecured_ep; /* has a coap:// endpoint (for "-") */
  bool multicast;        /* the request was sent to a group */
  /* the device */
  uint8_t dos;   /* pstat dos.s (ocf_dos_state) */
  bool doc_open; /* a Device Onboarding Connection exists: in RFOTM, any DTLS
                    session, from its handshake on (digest 3.6) */
  bool over_doc; /* this request came over that DOC */
  /* who */
  ocf_acl_auth auth;
  ocf_conntype conntype; /* anon-clear (plain) or auth-crypt (DTLS) */
  bool has_peer_uuid;    /* only meaningful with PSK or certificate authentication */
  ocf_uuid peer_uuid;
  const ocf_acl_role *roles;
  size_t n_roles;
  /* the policy */
  const ocf_svr_acl2 *acl; /* may be NULL: no ACEs */
  ocf_uuid rowner_doxm, rowner_pstat, rowner_cred, rowner_acl2;
  bool has_now;    /* wall-clock time known (ACE validity; fail closed without) */
  int64_t now_utc; /* seconds since 1970-01-01T00:00:00Z */
} ocf_acl_query;

typedef enum ocf_acl_outcome {
  OCF_ACL_DENY = 0, /* answer 4.01 Unauthorized */
  OCF_ACL_ALLOW,
  OCF_ACL_SILENT, /* send no answer at all */
} ocf_acl_outcome;

typedef enum ocf_acl_rule {
  OCF_ACL_RULE_MCAST_DOXM_ANSWER = 0, /* 0: multicast doxm in RFOTM without DOC */
  OCF_ACL_RULE_MCAST_DOXM_SILENT,     /* 0: multicast doxm otherwise */
  OCF_ACL_RULE_RESET,                 /* R */
  OCF_ACL_RULE_RFOTM_CLEAR_WITH_DOC,  /* 1 */
  OCF_ACL_RULE_NCR_NOT_RFNOP,         /* 2 */
  OCF_ACL_RULE_NCR_CLEAR,             /* 2 */
  OCF_ACL_RULE_DOC_DCR,               /* 3 */
  OCF_ACL_RULE_RFOTM_DISCOVERY,       /* 4 */
  OCF_ACL_RULE_RFOTM_DOXM,            /* 5 */
  OCF_ACL_RULE_RFOTM_PSTAT_GET,       /* 5 */
  OCF_ACL_RULE_RFOTM_OTHER,           /* 5 */
  OCF_ACL_RULE_SVR_CLEAR,             /* 6 */
  OCF_ACL_RULE_RESOURCE_OWNER,        /* 7 */
  OCF_ACL_RULE_ROLES_RESOURCE,        /* 8 */
  OCF_ACL_RULE_OWNER_ROLE,            /* 9 */
  OCF_ACL_RULE_ACE,                   /* 9: allowed by ACEs */
  OCF_ACL_RULE_NO_PERMISSION,         /* 9: no ACE grants the method */
  OCF_ACL_RULE_COUNT,
} ocf_acl_rule;

typedef struct ocf_acl_decision {
  ocf_acl_outcome outcome;
  ocf_acl_rule rule;
  uint8_t permission; /* rule 9: the OR of the matching ACEs' permissions */
  uint32_t aceid;     /* rule 9 allow: the first ACE that granted the method */
} ocf_acl_decision;

ocf_acl_decision ocf_acl_decide(const ocf_acl_query *q);

/* "mcast-doxm-answer", ...; "?" for anything else. */
const char *ocf_acl_rule_name(ocf_acl_rule rule);

/* The permission bits that admit a method (digest 2.4): GET R|N, POST/PUT C|U, DELETE D. */
uint8_t ocf_acl_method_bits(ocf_method method);

#endif
