/* The Security Virtual Resources other than doxm (digest 2.0-2.10): GET encodes the current
 * model; POST decodes the whole payload into the candidate models (svr decode_update: nothing
 * changes unless all of it is valid), applies a requested onboarding state, saves, then answers
 * 2.04; DELETE by credid / subjectuuid / aceid. Access control ran before any of this
 * (dispatch.c); a method a resource lacks is 4.05 there.
 *
 * /oic/sec/csr exists only on a device that supports certificates (sct has credtype 8 or the
 * mfgcert OTM is offered): elsewhere it is absent (4.04: SEC:csr "certificates unsupported").
 * There a GET builds a fresh CSR for the device's key pair (sec_cert.c: made on the first GET);
 * when none can be made it answers 5.03, SEC:csr's "not ready". A device configured with no_csr
 * has no /oic/sec/csr even with certificates (4.04): its CMS makes the key pair and POSTs it with
 * the certificate (digest §6.2 item 2; checked by sec_cert_check_creds).
 * /oic/sec/roles: POST asserts role certificates for the requester's own certificate session
 * only (4.03 over PSK or anonymous sessions: nothing binds a role certificate to them); each is
 * checked by sec_cert_check_roles (chain to a trust anchor, role profile, CRL, the session's key
 * and the peer's uuid: digest 2.8, 6.1) before the session holds it. */
#include <string.h>

#include "base/log.h"
#include "device/sec.h"
#include "device/sec_dtls.h"

#define LOG_MODULE "device"

/* Saves and answers a POST whose update is in next. */
static ocf_status finish_post(ocf_device *d, unsigned mask) {
  return sec_commit(d, mask) == OCF_OK ? OCF_STATUS_CHANGED : OCF_STATUS_INTERNAL_SERVER_ERROR;
}

static ocf_status finish_delete(ocf_device *d, unsigned mask) {
  return sec_commit(d, mask) == OCF_OK ? OCF_STATUS_DELETED : OCF_STATUS_INTERNAL_SERVER_ERROR;
}

/* --- pstat ----------------------------------------------------------------------------------- */

static ocf_status pstat_get(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  const ocf_device *d = user;
  ocf_svr_pstat_encode(&d->sec->cur->pstat, sec_enc_flags(req), rsp);
  return OCF_STATUS_CONTENT;
}

/* Digest 3.2: a POST of dos.s asks for a transition; decode_update checked that a client may
 * ask for it, sec_dos_enter runs the entry checks (4.00 on failure) and actions. */
static ocf_status pstat_post(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  ocf_device *d = user;
  (void)rsp;
  ocf_svr_ctx ctx = sec_ctx(d, req);
  ocf_svr_report r;
  sec_models *next = sec_begin(d);
  if (ocf_svr_pstat_decode_update(&d->sec->cur->pstat, ocf_request_body(req), &ctx, &next->pstat, &r) !=
      OCF_OK)
    return sec_refuse(d, req, &r);
  unsigned mask = SEC_BLOB_PSTAT;
  if (r.dos_requested && sec_dos_enter(d, next, r.dos_target, &mask, &r) != OCF_OK)
    return sec_refuse(d, req, &r);
  return finish_post(d, mask);
}

/* --- cred ------------------------------------------------------------------------------------ */

static ocf_status cred_get(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  const ocf_device *d = user;
  ocf_svr_cred_encode(&d->sec->cur->cred, sec_enc_flags(req), rsp); /* secrets hidden */
  return OCF_STATUS_CONTENT;
}

/* OBT 5.4 (digest 6): a CMS provisions only the credential types doxm.sct lists; a device that
 * does not list the OSCORE types (64, 128, 256) has no use for such a context and refuses it
 * (4.00, unsupported) rather than store what it will never apply. Entries it already held are
 * not checked again (sct may have changed with the firmware). */
static bool oscore_types_supported(const ocf_device *d, const sec_models *next, ocf_svr_report *r) {
  const ocf_svr_cred *cur = &d->sec->cur->cred;
  for (size_t i = 0; i < next->cred.n; i++) {
    const ocf_svr_cred_entry *e = &next->cred.e[i];
    bool oscore = e->credtype == OCF_CREDTYPE_OSCORE || e->credtype == OCF_CREDTYPE_SSM_CLIENT ||
                  e->credtype == OCF_CREDTYPE_SSM_SERVER;
    if (!oscore || (d->sec->sct & e->credtype)) continue;
    bool held = false;
    for (size_t j = 0; j < cur->n && !held; j++)
      held = cur->e[j].credid == e->credid && ocf_svr_cred_entry_same(&cur->e[j], e);
    if (held) continue;
    memset(r, 0, sizeof *r);
    r->kind = OCF_SVR_E_UNSUPPORTED;
    memcpy(r->where, "creds.credtype", sizeof "creds.credtype");
    r->why = "this credential type is not in doxm.sct";
    return false;
  }
  return true;
}

static ocf_status cred_post(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  ocf_device *d = user;
  (void)rsp;
  ocf_svr_ctx ctx = sec_ctx(d, req);
  ocf_svr_report r;
  sec_models *next = sec_begin(d);
  if (ocf_svr_cred_decode_update(&d->sec->cur->cred, ocf_request_body(req), &ctx, &next->cred, &r) != OCF_OK)
    return sec_refuse(d, req, &r);
  if (!oscore_types_supported(d, next, &r)) return sec_refuse(d, req, &r);
  /* Digest 4.5: a keyless PSK is the Owner Credential, derived here, or the POST fails. */
  if (device_dtls_owner_creds(d, req, next, &r) != OCF_OK) return sec_refuse(d, req, &r);
  /* Digest 2.3: a certificate without its key must be for the device's own key pair. */
  if (sec_cert_check_creds(d, next, &r) != OCF_OK) return sec_refuse(d, req, &r);
  return finish_post(d, SEC_BLOB_CRED);
}

/* A query value that must be a UUID (subjectuuid); RANGE (4.00) otherwise. */
static bool query_uuid(const char *v, size_t len, ocf_uuid *out, ocf_svr_report *r) {
  if (ocf_uuid_parse(v, len, out) == OCF_OK) return true;
  memset(r, 0, sizeof *r);
  r->kind = OCF_SVR_E_RANGE;
  memcpy(r->where, "subjectuuid", sizeof "subjectuuid");
  r->why = "not a UUID";
  return false;
}

/* DELETE /oic/sec/cred?credid=N | ?subjectuuid=U | (all) (digest 2.3, pitfall 10). */
static ocf_status cred_delete(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  ocf_device *d = user;
  (void)rsp;
  ocf_svr_ctx ctx = sec_ctx(d, req);
  ocf_svr_report r;
  sec_models *next = sec_begin(d);
  const char *v;
  size_t len;
  ocf_err err;
  if (ocf_request_query(req, "credid", 0, &v, &len)) {
    uint32_t id;
    err = ocf_svr_parse_id(v, len, &id, &r);
    if (err == OCF_OK) err = ocf_svr_cred_delete_id(&next->cred, id, &ctx, &r);
  } else if (ocf_request_query(req, "subjectuuid", 0, &v, &len)) {
    ocf_uuid u;
    err = query_uuid(v, len, &u, &r) ? ocf_svr_cred_delete_subject(&next->cred, &u, &ctx, &r) : OCF_ERR_RANGE;
  } else {
    err = ocf_svr_cred_delete_all(&next->cred, &ctx, &r);
  }
  return err == OCF_OK ? finish_delete(d, SEC_BLOB_CRED) : sec_refuse(d, req, &r);
}

/* --- acl2 ------------------------------------------------------------------------------------ */

static ocf_status acl2_get(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  const ocf_device *d = user;
  ocf_svr_acl2_encode(&d->sec->cur->acl2, sec_enc_flags(req), rsp);
  return OCF_STATUS_CONTENT;
}

static ocf_status acl2_post(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  ocf_device *d = user;
  (void)rsp;
  ocf_svr_ctx ctx = sec_ctx(d, req);
  ocf_svr_report r;
  sec_models *next = sec_begin(d);
  if (ocf_svr_acl2_decode_update(&d->sec->cur->acl2, ocf_request_body(req), &ctx, &next->acl2, &r) != OCF_OK)
    return sec_refuse(d, req, &r);
  return finish_post(d, SEC_BLOB_ACL2);
}

/* DELETE /oic/sec/acl2?aceid=N | (all) (digest 2.4). */
static ocf_status acl2_delete(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  ocf_device *d = user;
  (void)rsp;
  ocf_svr_ctx ctx = sec_ctx(d, req);
  ocf_svr_report r;
  sec_models *next = sec_begin(d);
  const char *v;
  size_t len;
  ocf_err err;
  if (ocf_request_query(req, "aceid", 0, &v, &len)) {
    uint32_t id;
    err = ocf_svr_parse_id(v, len, &id, &r);
    if (err == OCF_OK) err = ocf_svr_acl2_delete_id(&next->acl2, id, &ctx, &r);
  } else {
    err = ocf_svr_acl2_delete_all(&next->acl2, &ctx, &r);
  }
  return err == OCF_OK ? finish_delete(d, SEC_BLOB_ACL2) : sec_refuse(d, req, &r);
}

/* --- sp, sdi, crl, ael: GET and a whole-payload POST ----------------------------------------- */

#define SIMPLE_SVR(NAME, FIELD, BLOB)                                                                        \
  static ocf_status NAME##_get(void *user, const ocf_request *req, ocf_rep_enc *rsp) {                       \
    const ocf_device *d = user;                                                                              \
    ocf_svr_##NAME##_encode(&d->sec->cur->FIELD, sec_enc_flags(req), rsp);                                   \
    return OCF_STATUS_CONTENT;                                                                               \
  }                                                                                                          \
  static ocf_status NAME##_post(void *user, const ocf_request *req, ocf_rep_enc *rsp) {                      \
    ocf_device *d = user;                                                                                    \
    (void)rsp;                                                                                               \
    ocf_svr_ctx ctx = sec_ctx(d, req);                                                                       \
    ocf_svr_report r;                                                                                        \
    sec_models *next = sec_begin(d);                                                                         \
    if (ocf_svr_##NAME##_decode_update(&d->sec->cur->FIELD, ocf_request_body(req), &ctx, &next->FIELD,       \
                                       &r) != OCF_OK)                                                        \
      return sec_refuse(d, req, &r);                                                                         \
    return finish_post(d, BLOB);                                                                             \
  }

SIMPLE_SVR(sp, sp, SEC_BLOB_SP)
SIMPLE_SVR(sdi, sdi, SEC_BLOB_SDI)
SIMPLE_SVR(crl, crl, SEC_BLOB_CRL)
SIMPLE_SVR(ael, ael, SEC_BLOB_AEL)

/* --- csr, roles ------------------------------------------------------------------------------ */

static ocf_status csr_get(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  ocf_device *d = user;
  ocf_svr_csr csr;
  ocf_err err = sec_csr_build(d, &csr);
  if (err != OCF_OK) { /* SEC:csr: not ready */
    if (err != OCF_ERR_STATE) ocf_log(&d->pf, OCF_LOG_ERROR, LOG_MODULE, "no CSR: %s", ocf_strerror(err));
    return OCF_STATUS_SERVICE_UNAVAILABLE;
  }
  ocf_svr_csr_encode(&csr, sec_enc_flags(req), rsp);
  return OCF_STATUS_CONTENT;
}

/* GET shows only the requester's own asserted roles (digest 2.8). */
static ocf_status roles_get(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  static const ocf_svr_roles k_none = {0};
  ocf_device *d = user;
  const sec_session *ss = device_sec_find_session(d, &ocf_request_peer(req)->ep);
  ocf_svr_roles_encode(ss && ss->roles ? ss->roles : &k_none, sec_enc_flags(req), rsp);
  return OCF_STATUS_CONTENT;
}

static ocf_status roles_post(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  static const ocf_svr_roles k_none = {0};
  ocf_device *d = user;
  (void)rsp;
  sec_session *ss = device_sec_find_session(d, &ocf_request_peer(req)->ep);
  if (!ss || ss->peer.auth != OCF_ACL_AUTH_CERT || ss->peer.key_len == 0 || !ss->peer.has_uuid) {
    ocf_log(&d->pf, OCF_LOG_DEBUG, LOG_MODULE, "POST /oic/sec/roles refused: not a certificate session");
    return OCF_STATUS_FORBIDDEN;
  }
  /* The whole payload is decoded and checked into a copy: the session keeps its roles unless
   * every new certificate passes. */
  ocf_svr_roles *next = d->pf.alloc(d->pf.ctx, sizeof *next);
  if (!next) return OCF_STATUS_INTERNAL_SERVER_ERROR;
  const ocf_svr_roles *cur = ss->roles ? ss->roles : &k_none;
  ocf_svr_ctx ctx = sec_ctx(d, req);
  ocf_svr_report r;
  ocf_err err = ocf_svr_roles_decode_update(cur, ocf_request_body(req), &ctx, next, &r);
  if (err == OCF_OK) err = sec_cert_check_roles(d, &ss->peer, cur, next, &r);
  if (err == OCF_OK && !ss->roles) {
    ss->roles = d->pf.alloc(d->pf.ctx, sizeof *ss->roles);
    if (!ss->roles) err = OCF_ERR_NO_MEMORY;
  }
  if (err == OCF_OK) memcpy(ss->roles, next, sizeof *next);
  d->pf.free(d->pf.ctx, next);
  if (err == OCF_ERR_NO_MEMORY) return OCF_STATUS_INTERNAL_SERVER_ERROR;
  return err == OCF_OK ? OCF_STATUS_CHANGED : sec_refuse(d, req, &r);
}

/* DELETE /oic/sec/roles?credid=N | (all): the requester's own roles (digest 2.8). */
static ocf_status roles_delete(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  ocf_device *d = user;
  (void)rsp;
  sec_session *ss = device_sec_find_session(d, &ocf_request_peer(req)->ep);
  const char *v;
  size_t len;
  ocf_svr_report r;
  memset(&r, 0, sizeof r);
  if (!ocf_request_query(req, "credid", 0, &v, &len)) {
    if (ss && ss->roles) ocf_svr_roles_delete_all(ss->roles);
    return OCF_STATUS_DELETED;
  }
  uint32_t id;
  ocf_err err = ocf_svr_parse_id(v, len, &id, &r);
  if (err == OCF_OK && !(ss && ss->roles)) {
    r.kind = OCF_SVR_E_NOT_FOUND;
    err = OCF_ERR_NOT_FOUND;
  } else if (err == OCF_OK) {
    err = ocf_svr_roles_delete_id(ss->roles, id, &r);
  }
  return err == OCF_OK ? OCF_STATUS_DELETED : sec_refuse(d, req, &r);
}

/* --- registration ---------------------------------------------------------------------------- */

typedef struct svr_def {
  const char *href, *rt;
  bool plain_in_rfotm; /* doxm, pstat: coap:// eps too while in RFOTM without a DTLS peer */
  ocf_handler get, post, del;
} svr_def;

ocf_err device_sec_add_resources(ocf_device *d) {
  static const char *const ifs[] = {"oic.if.rw", "oic.if.baseline"};
  const svr_def defs[] = {
      {"/oic/sec/pstat", "oic.r.pstat", true, pstat_get, pstat_post, NULL},
      {"/oic/sec/cred", "oic.r.cred", false, cred_get, cred_post, cred_delete},
      {"/oic/sec/acl2", "oic.r.acl2", false, acl2_get, acl2_post, acl2_delete},
      {"/oic/sec/sp", "oic.r.sp", false, sp_get, sp_post, NULL},
      {"/oic/sec/sdi", "oic.r.sdi", false, sdi_get, sdi_post, NULL},
      {"/oic/sec/csr", "oic.r.csr", false, csr_get, NULL, NULL},
      {"/oic/sec/roles", "oic.r.roles", false, roles_get, roles_post, roles_delete},
      {"/oic/sec/crl", "oic.r.crl", false, crl_get, crl_post, NULL},
      {"/oic/sec/ael", "oic.r.ael", false, ael_get, ael_post, NULL},
  };
  for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
    if (defs[i].get == csr_get && (!device_sec_supports_certs(d->sec) || d->sec->no_csr)) continue;
    const char *rt[] = {defs[i].rt};
    ocf_resource_def def = {
        .href = defs[i].href,
        .types = rt,
        .n_types = 1,
        .interfaces = ifs,
        .n_interfaces = 2,
        .flags = OCF_RES_DISCOVERABLE | (defs[i].plain_in_rfotm ? DEVICE_RES_PLAIN_IN_RFOTM : OCF_RES_SECURE),
        .get = defs[i].get,
        .post = defs[i].post,
        .del = defs[i].del,
        .user = d,
    };
    ocf_err err = device_add_kind(d, &def, DEVICE_RES_SVR);
    if (err != OCF_OK) return err;
  }
  return OCF_OK;
}
