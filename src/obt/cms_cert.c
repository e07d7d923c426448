/* CMS certificate and CRL jobs as step functions for the provisioning engine
 * (<ocf/ocf_obt_cms_cert.h>, ADR 0020; OBT 5.4, 6.1, 6.2; digest §6.2, §6.3, §6.7, §7.5). */
#include <ocf/ocf_obt_cms_cert.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "dtls/crypto.h"
#include "pki/ca.h"
#include "pki/key.h"
#include "rep/rep.h"

#define BODY_MAX 8192u    /* our largest request: trust anchor + chain, PEM */
#define NODES 1024u       /* CBOR values of an answer (a full cred is about 600) */
#define CRL_DER_MAX 1536u /* base64 of it fits crldata's 2048 characters */
#define DEL_MAX 8u        /* identity certificates replaced in one job */
#define DOS_RFPRO 2
#define DOS_RFNOP 3
#define DOS_SRESET 4
#define CT_CONTENT 205
#define CT_CHANGED 204
#define CT_DELETED 202
#define CT_NOT_FOUND 404

typedef enum stage {
  ST_START,
  ST_DOXM,
  ST_PSTAT,
  ST_TO_RFPRO,
  ST_ACL_GET,
  ST_ACL_POST,
  ST_CSR,
  ST_CRED_GET,
  ST_CRED_DEL,
  ST_CRED_POST,
  ST_CRL_POST,
  ST_CRL_GET,
  ST_TO_RFNOP,
} stage;

struct ocf_obt_cms_job {
  ocf_platform pf;
  bool is_crl;
  stage st;
  ocf_obt_store *store;
  ocf_uuid uuid, tool;
  int64_t utc_now;
  uint32_t days;
  size_t n_roles;
  char role[OCF_OBT_CERT_ROLES_MAX][OCF_OBT_CERT_ROLE_MAX + 1];
  char authority[OCF_OBT_CERT_ROLES_MAX][OCF_OBT_CERT_ROLE_MAX + 1];
  bool has_authority[OCF_OBT_CERT_ROLES_MAX];
  bool back_to_rfnop;
  bool revoke_replaced;
  /* the certificate job */
  bool issued;
  /* A device without /oic/sec/csr (digest §6.2 item 2): the key pair we made for it, DER, until
   * the POST body holds it as PEM; the body is wiped once the POST is answered. */
  bool tool_key;
  uint8_t devkey[OCF_PKI_KEY_MAX];
  size_t devkey_len;
  ocf_obt_cert_record rec;
  uint8_t ca[OCF_PKI_CERT_MAX], cert[OCF_PKI_CERT_MAX];
  size_t ca_len, cert_len;
  /* an imported sub-CA's chain up to the root (ocf_obt_ca_chain), sent after the CA */
  uint8_t upper_raw[OCF_OBT_PUBLIC_MAX], upper_buf[OCF_OBT_PUBLIC_MAX];
  ocf_bytes upper[OCF_PKI_CHAIN_MAX];
  size_t n_upper;
  bool has_anchor;
  uint32_t del[DEL_MAX];
  size_t n_del, i_del;
  /* the replaced certificates' serials (revoke_replaced), and those revoked after the DELETE */
  uint8_t del_serial[DEL_MAX][OCF_OBT_CERT_SERIAL_MAX];
  size_t del_serial_len[DEL_MAX];
  uint8_t revoked[DEL_MAX][OCF_OBT_CERT_SERIAL_MAX];
  size_t revoked_len[DEL_MAX], n_revoked;
  /* the CRL job */
  uint8_t crl[CRL_DER_MAX];
  size_t crl_len;
  uint64_t crl_number;
  int64_t crl_time;
  bool skipped;
  bool encode_failed;
  uint8_t body[BODY_MAX];
  ocf_rep_node nodes[NODES];
};

/* --- creation ------------------------------------------------------------------------------- */

static ocf_obt_cms_job *job_alloc(const ocf_platform *pf) {
  ocf_obt_cms_job *j = pf->alloc(pf->ctx, sizeof *j);
  if (!j) return NULL;
  memset(j, 0, sizeof *j);
  j->pf = *pf;
  return j;
}

static bool copy_roles(ocf_obt_cms_job *j, const ocf_obt_cert_role *roles, size_t n) {
  if (n > OCF_OBT_CERT_ROLES_MAX || (n && !roles)) return false;
  for (size_t i = 0; i < n; i++) {
    const char *a = roles[i].authority;
    if (!roles[i].role || !*roles[i].role || strlen(roles[i].role) > OCF_OBT_CERT_ROLE_MAX ||
        (a && (!*a || strlen(a) > OCF_OBT_CERT_ROLE_MAX)))
      return false;
    memcpy(j->role[i], roles[i].role, strlen(roles[i].role) + 1);
    if (a) memcpy(j->authority[i], a, strlen(a) + 1);
    j->has_authority[i] = a != NULL;
  }
  j->n_roles = n;
  return true;
}

ocf_err ocf_obt_cms_cert_job_new(const ocf_platform *pf, const ocf_obt_cms_cert_params *p,
                                 ocf_obt_cms_job **out) {
  if (!pf || !p || !p->store || !out) return OCF_ERR_INVALID_ARG;
  ocf_obt_cms_job *j = job_alloc(pf);
  if (!j) return OCF_ERR_NO_MEMORY;
  ocf_obt_domain dom;
  ocf_err err = copy_roles(j, p->roles, p->n_roles) ? OCF_OK : OCF_ERR_INVALID_ARG;
  if (err == OCF_OK) err = ocf_obt_store_domain_get(p->store, &dom);
  if (err == OCF_OK) err = ocf_obt_ca_cert(p->store, j->ca, sizeof j->ca, &j->ca_len);
  size_t raw_len = 0;
  if (err == OCF_OK) err = ocf_obt_ca_chain(p->store, j->upper_raw, sizeof j->upper_raw, &raw_len);
  if (err == OCF_OK && raw_len)
    err = ocf_pki_certs_der(j->upper_raw, raw_len, j->upper_buf, sizeof j->upper_buf, j->upper,
                            OCF_PKI_CHAIN_MAX, &j->n_upper);
  if (err != OCF_OK) {
    ocf_obt_cms_job_free(j);
    return err;
  }
  j->store = p->store;
  j->uuid = p->uuid;
  j->tool = dom.tool_uuid;
  j->utc_now = p->utc_now;
  j->days = p->days ? p->days : 365;
  j->revoke_replaced = p->revoke_replaced;
  *out = j;
  return OCF_OK;
}

ocf_err ocf_obt_cms_crl_job_new(const ocf_platform *pf, const ocf_uuid *tool_uuid, const uint8_t *crl,
                                size_t len, uint64_t number, int64_t this_update, ocf_obt_cms_job **out) {
  if (!pf || !tool_uuid || !crl || !len || !out) return OCF_ERR_INVALID_ARG;
  if (len > CRL_DER_MAX) return OCF_ERR_TOO_LARGE;
  ocf_obt_cms_job *j = job_alloc(pf);
  if (!j) return OCF_ERR_NO_MEMORY;
  j->is_crl = true;
  j->tool = *tool_uuid;
  memcpy(j->crl, crl, len);
  j->crl_len = len;
  j->crl_number = number;
  j->crl_time = this_update;
  *out = j;
  return OCF_OK;
}

void ocf_obt_cms_job_free(ocf_obt_cms_job *j) {
  if (!j) return;
  ocf_platform pf = j->pf;
  ocf_secure_zero(j, sizeof *j); /* a key we made for the device may still be here */
  pf.free(pf.ctx, j);
}

const ocf_obt_cert_record *ocf_obt_cms_job_issued(const ocf_obt_cms_job *j) {
  return j && j->issued ? &j->rec : NULL;
}

bool ocf_obt_cms_job_skipped(const ocf_obt_cms_job *j) { return j && j->skipped; }

bool ocf_obt_cms_job_key_generated(const ocf_obt_cms_job *j) { return j && j->tool_key && j->issued; }

size_t ocf_obt_cms_job_revoked(const ocf_obt_cms_job *j, size_t i, const uint8_t **serial, size_t *len) {
  if (!j) return 0;
  if (i < j->n_revoked && serial && len) {
    *serial = j->revoked[i];
    *len = j->revoked_len[i];
  }
  return j->n_revoked;
}

/* --- requests and failures ------------------------------------------------------------------ */

static ocf_obt_prov_next send(ocf_obt_cms_job *j, ocf_obt_prov_request *req, stage st, uint8_t method,
                              const char *href, size_t len) {
  j->st = st;
  memset(req, 0, sizeof *req);
  req->method = method;
  snprintf(req->href, sizeof req->href, "%s", href);
  req->body = len ? j->body : NULL;
  req->len = len;
  j->encode_failed = method == 2 && len == 0; /* every POST has a body */
  return OCF_OBT_PROV_SEND;
}

/* The device's diagnostic payload when it is printable text, else ours. */
static void diagnostic(const ocf_obt_prov_response *rsp, const char *ours, char *out, size_t cap) {
  size_t n = 0;
  bool printable = rsp && rsp->payload && rsp->len > 0 && rsp->len < cap && rsp->code >= 400;
  for (size_t i = 0; printable && i < rsp->len; i++)
    printable = rsp->payload[i] >= 0x20 && rsp->payload[i] < 0x7f;
  if (printable) {
    memcpy(out, rsp->payload, rsp->len);
    n = rsp->len;
  } else {
    n = (size_t)snprintf(out, cap, "%s", ours);
    if (n >= cap) n = cap - 1;
  }
  out[n] = 0;
}

static ocf_obt_prov_next failed(ocf_obt_prov_failure *f, const char *stage_name,
                                const ocf_obt_prov_response *rsp, ocf_err err, const char *why,
                                const char *advice) {
  memset(f, 0, sizeof *f);
  f->stage = stage_name;
  f->code = rsp ? rsp->code : 0;
  f->err = err;
  diagnostic(rsp, why, f->diagnostic, sizeof f->diagnostic);
  f->advice = advice;
  return OCF_OBT_PROV_FAIL;
}

/* An unexpected code: 4.01/4.03 are access, anything else the device refusing. */
static ocf_obt_prov_next bad_code(ocf_obt_prov_failure *f, const char *stage_name,
                                  const ocf_obt_prov_response *rsp) {
  bool access = rsp->code == 401 || rsp->code == 403;
  return failed(f, stage_name, rsp, access ? OCF_ERR_DENIED : OCF_ERR_STATE, "unexpected answer",
                access ? "the device refuses the tool access: check its ACL (obt show)"
                       : "the device refused the request: see its diagnostic");
}

static const ocf_rep_node *decode(ocf_obt_cms_job *j, const ocf_obt_prov_response *rsp) {
  const ocf_rep_node *root = NULL;
  if (!rsp->payload || !rsp->len) return NULL;
  if (ocf_rep_decode(rsp->payload, rsp->len, NULL, j->nodes, NODES, &root) != OCF_OK) return NULL;
  return root && root->type == OCF_REP_MAP ? root : NULL;
}

static ocf_obt_prov_next malformed(ocf_obt_prov_failure *f, const char *stage_name,
                                   const ocf_obt_prov_response *rsp) {
  return failed(f, stage_name, rsp, OCF_ERR_MALFORMED, "the answer does not decode as the resource",
                "the device's answer breaks the OCF schema: report it to its maker");
}

/* --- bodies --------------------------------------------------------------------------------- */

static size_t finish(ocf_rep_enc *e) {
  size_t len = 0;
  return ocf_rep_enc_finish(e, &len) == OCF_OK ? len : 0;
}

static size_t body_dos(ocf_obt_cms_job *j, int64_t s) {
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, j->body, sizeof j->body);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_map_open(&e, "dos");
  ocf_rep_enc_kv_int(&e, "s", s);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_map_close(&e);
  return finish(&e);
}

/* Digest §7.5: the tool reads csr and writes crl through an ACE of its own. */
static size_t body_ace(ocf_obt_cms_job *j) {
  static const char *const hrefs[] = {"/oic/sec/csr", "/oic/sec/crl"};
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, j->body, sizeof j->body);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_array_open(&e, "aclist2");
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_map_open(&e, "subject");
  ocf_rep_enc_kv_uuid(&e, "uuid", &j->tool);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_kv_array_open(&e, "resources");
  for (size_t i = 0; i < 2; i++) {
    ocf_rep_enc_map_open(&e);
    ocf_rep_enc_kv_text(&e, "href", hrefs[i]);
    ocf_rep_enc_map_close(&e);
  }
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_kv_int(&e, "permission", 6); /* R|U (digest §2.4) */
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_map_close(&e);
  return finish(&e);
}

/* One credtype-8 entry with PEM publicdata of the given DER certificates (digest §6.2, §6.3) and,
 * when key_pem is not NULL, the private key as PEM privatedata (digest §6.2 item 2: "presumably
 * privatedata with PEM encoding"; SEC:cred lists oic.sec.encoding.pem for privatedata). */
static bool enc_cert_entry(ocf_rep_enc *e, const ocf_uuid *subject, const char *usage,
                           const uint8_t *const *der, const size_t *len, size_t n, const char *key_pem) {
  char pem[(2 + OCF_PKI_CHAIN_MAX) * OCF_OBT_CERT_PEM_MAX / 2];
  size_t used = 0;
  for (size_t i = 0; i < n; i++) {
    size_t k = 0;
    if (ocf_pki_pem_write("CERTIFICATE", der[i], len[i], pem + used, sizeof pem - used, &k) != OCF_OK)
      return false;
    used += k;
  }
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_int(e, "credtype", 8);
  if (subject)
    ocf_rep_enc_kv_uuid(e, "subjectuuid", subject);
  else
    ocf_rep_enc_kv_text(e, "subjectuuid", "*");
  ocf_rep_enc_kv_text(e, "credusage", usage);
  ocf_rep_enc_kv_map_open(e, "publicdata");
  ocf_rep_enc_kv_text(e, "data", pem);
  ocf_rep_enc_kv_text(e, "encoding", "oic.sec.encoding.pem");
  ocf_rep_enc_map_close(e);
  if (key_pem) {
    ocf_rep_enc_kv_map_open(e, "privatedata");
    ocf_rep_enc_kv_text(e, "data", key_pem);
    ocf_rep_enc_kv_text(e, "encoding", "oic.sec.encoding.pem");
    ocf_rep_enc_map_close(e);
  }
  ocf_rep_enc_map_close(e);
  return true;
}

static size_t body_creds(ocf_obt_cms_job *j) {
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, j->body, sizeof j->body);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_array_open(&e, "creds");
  /* The chain: the leaf, our CA, then (an imported sub-CA) every certificate above it up to the
   * root, so a peer that trusts only the company root can verify the device (digest §6.2 step 3:
   * "leaf first, then CAs"). The anchor stays our CA: the device checks CRLs with the anchor
   * that names their issuer, and peers present their leaf alone (ADR 0017). */
  const uint8_t *anchor[1] = {j->ca}, *chain[2 + OCF_PKI_CHAIN_MAX] = {j->cert, j->ca};
  size_t anchor_len[1] = {j->ca_len}, chain_len[2 + OCF_PKI_CHAIN_MAX] = {j->cert_len, j->ca_len};
  for (size_t i = 0; i < j->n_upper; i++) {
    chain[2 + i] = j->upper[i].ptr;
    chain_len[2 + i] = j->upper[i].len;
  }
  char key_pem[OCF_PKI_KEY_TEXT_MAX];
  size_t key_pem_len = 0;
  bool ok = !j->tool_key || ocf_pki_pem_write("EC PRIVATE KEY", j->devkey, j->devkey_len, key_pem,
                                              sizeof key_pem, &key_pem_len) == OCF_OK;
  /* The DER copy is not needed any more: from here the key exists only in this body. */
  ocf_secure_zero(j->devkey, sizeof j->devkey);
  j->devkey_len = 0;
  ok = ok && (j->has_anchor || enc_cert_entry(&e, NULL, "oic.sec.cred.trustca", anchor, anchor_len, 1, NULL));
  ok = ok && enc_cert_entry(&e, &j->uuid, j->n_roles ? "oic.sec.cred.rolecert" : "oic.sec.cred.cert", chain,
                            chain_len, 2 + j->n_upper, j->tool_key ? key_pem : NULL);
  ocf_secure_zero(key_pem, sizeof key_pem);
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_map_close(&e);
  size_t n = ok ? finish(&e) : 0;
  if (!n) ocf_secure_zero(j->body, sizeof j->body);
  return n;
}

/* RFC 4648 4 */
static size_t base64(const uint8_t *in, size_t len, char *out, size_t cap) {
  static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  if ((len + 2) / 3 * 4 + 1 > cap) return 0;
  for (size_t i = 0; i < len; i += 3) {
    uint32_t v =
        (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < len ? in[i + 2] : 0);
    out[o++] = a[v >> 18 & 63];
    out[o++] = a[v >> 12 & 63];
    out[o++] = i + 1 < len ? a[v >> 6 & 63] : '=';
    out[o++] = i + 2 < len ? a[v & 63] : '=';
  }
  out[o] = 0;
  return o;
}

/* SEC:crl thisupdate, e.g. "2024-01-01T00:00:00Z". */
static void utc_text(int64_t t, char out[32]) {
  int64_t days = t / 86400, rem = t % 86400;
  if (rem < 0) {
    rem += 86400;
    days--;
  }
  /* H. Hinnant's civil_from_days */
  int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365,
          doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153, d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
  int64_t y = yoe + era * 400 + (m <= 2);
  snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, (int)m, (int)d, (int)(rem / 3600),
           (int)(rem / 60 % 60), (int)(rem % 60));
}

static size_t body_crl(ocf_obt_cms_job *j) {
  char b64[2 * CRL_DER_MAX], when[32];
  if (!base64(j->crl, j->crl_len, b64, sizeof b64)) return 0;
  utc_text(j->crl_time, when);
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, j->body, sizeof j->body);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_int(&e, "crlid", (int64_t)j->crl_number);
  ocf_rep_enc_kv_text(&e, "thisupdate", when);
  ocf_rep_enc_kv_text(&e, "crldata", b64);
  ocf_rep_enc_map_close(&e);
  return finish(&e);
}

/* --- answers -------------------------------------------------------------------------------- */

static ocf_obt_prov_next finish_job(ocf_obt_cms_job *j, ocf_obt_prov_request *req) {
  if (j->back_to_rfnop) return send(j, req, ST_TO_RFNOP, 2, "/oic/sec/pstat", body_dos(j, DOS_RFNOP));
  return OCF_OBT_PROV_DONE;
}

static ocf_obt_prov_next on_doxm(ocf_obt_cms_job *j, const ocf_obt_prov_response *rsp,
                                 ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  if (rsp->code != CT_CONTENT) return bad_code(f, "read doxm", rsp);
  const ocf_rep_node *root = decode(j, rsp);
  uint32_t sct = 0;
  ocf_uuid di;
  if (!root || ocf_rep_get_uint32(ocf_rep_map_value(root, "sct"), &sct) != OCF_OK ||
      ocf_rep_get_uuid(ocf_rep_map_value(root, "deviceuuid"), &di) != OCF_OK)
    return malformed(f, "read doxm", rsp);
  if (!j->is_crl && !ocf_uuid_equal(&di, &j->uuid))
    return failed(f, "read doxm", NULL, OCF_ERR_STATE, "the device answers with another deviceuuid",
                  "the device is not the one the store knows: obt discover, then obt show");
  /* OBT 5.3.1 step 11, 5.4: only credential types the device lists in sct. */
  if (!j->is_crl && !(sct & 8u))
    return failed(f, "read doxm", NULL, OCF_ERR_UNSUPPORTED,
                  "the device does not take certificates (doxm.sct lacks credtype 8)",
                  "give it a pairwise key instead, or update the device's firmware");
  return send(j, req, ST_PSTAT, 1, "/oic/sec/pstat", 0);
}

static ocf_obt_prov_next after_acl(ocf_obt_cms_job *j, ocf_obt_prov_request *req) {
  if (j->is_crl) return send(j, req, ST_CRL_POST, 2, "/oic/sec/crl", body_crl(j));
  return send(j, req, ST_CSR, 1, "/oic/sec/csr", 0);
}

static ocf_obt_prov_next on_pstat(ocf_obt_cms_job *j, const ocf_obt_prov_response *rsp,
                                  ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  if (rsp->code != CT_CONTENT) return bad_code(f, "read pstat", rsp);
  const ocf_rep_node *root = decode(j, rsp);
  int64_t s = -1;
  if (!root || ocf_rep_get_int64(ocf_rep_map_value(ocf_rep_map_value(root, "dos"), "s"), &s) != OCF_OK)
    return malformed(f, "read pstat", rsp);
  if (s == DOS_RFNOP) { /* digest §6: credentials are written in RFPRO */
    j->back_to_rfnop = true;
    return send(j, req, ST_TO_RFPRO, 2, "/oic/sec/pstat", body_dos(j, DOS_RFPRO));
  }
  if (s != DOS_RFPRO && s != DOS_SRESET)
    return failed(f, "read pstat", NULL, OCF_ERR_STATE, "the device is not in RFPRO, RFNOP or SRESET",
                  "finish its onboarding first (obt recover, obt onboard)");
  return send(j, req, ST_ACL_GET, 1, "/oic/sec/acl2", 0);
}

/* Whether ace gives the tool R and U on both /oic/sec/csr and /oic/sec/crl. */
static bool ace_covers(const ocf_obt_cms_job *j, const ocf_rep_node *ace) {
  ocf_uuid u;
  int64_t perm = 0;
  if (ocf_rep_get_uuid(ocf_rep_map_value(ocf_rep_map_value(ace, "subject"), "uuid"), &u) != OCF_OK ||
      !ocf_uuid_equal(&u, &j->tool) ||
      ocf_rep_get_int64(ocf_rep_map_value(ace, "permission"), &perm) != OCF_OK || (perm & 6) != 6)
    return false;
  bool csr = false, crl = false;
  for (const ocf_rep_node *r = ocf_rep_first(ocf_rep_map_value(ace, "resources")); r; r = ocf_rep_next(r)) {
    const ocf_rep_node *h = ocf_rep_map_value(r, "href");
    csr = csr || (h && h->type == OCF_REP_TEXT &&
                  ocf_rep_str_eq((ocf_rep_str){(const char *)h->u.str.ptr, h->u.str.len}, "/oic/sec/csr"));
    crl = crl || (h && h->type == OCF_REP_TEXT &&
                  ocf_rep_str_eq((ocf_rep_str){(const char *)h->u.str.ptr, h->u.str.len}, "/oic/sec/crl"));
  }
  return csr && crl;
}

static ocf_obt_prov_next on_acl_get(ocf_obt_cms_job *j, const ocf_obt_prov_response *rsp,
                                    ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  if (rsp->code != CT_CONTENT) return bad_code(f, "read acl2", rsp);
  const ocf_rep_node *root = decode(j, rsp);
  if (!root) return malformed(f, "read acl2", rsp);
  for (const ocf_rep_node *a = ocf_rep_first(ocf_rep_map_value(root, "aclist2")); a; a = ocf_rep_next(a))
    if (ace_covers(j, a)) return after_acl(j, req);
  return send(j, req, ST_ACL_POST, 2, "/oic/sec/acl2", body_ace(j));
}

static void serial_hex(const uint8_t *serial, size_t len, char *out, size_t cap) {
  size_t o = 0;
  out[0] = 0;
  for (size_t i = 0; i < len && o + 3 <= cap; i++) o += (size_t)snprintf(out + o, cap - o, "%02X", serial[i]);
}

/* The audit log says who made the key (never the key): the job's own entry, next to the engine's
 * "done"/"failed" one. */
static void audit_note(ocf_obt_cms_job *j, const char *action, const char *what, const uint8_t *serial,
                       size_t serial_len) {
  char uuid[OCF_UUID_STR_LEN], hex[2 * OCF_OBT_CERT_SERIAL_MAX + 1], detail[OCF_OBT_AUDIT_DETAIL_MAX + 1];
  ocf_uuid_format(&j->uuid, uuid);
  serial_hex(serial, serial_len, hex, sizeof hex);
  snprintf(detail, sizeof detail, "%s: %s, serial %s", uuid, what, hex);
  if (ocf_obt_store_audit_append(j->store, (ocf_obt_wall_ms)j->utc_now * 1000, "obt", action, detail) !=
      OCF_OK)
    ocf_log(&j->pf, OCF_LOG_WARN, "cms", "audit entry not written: %s", detail);
}

static ocf_obt_prov_next issue(ocf_obt_cms_job *j, const uint8_t *pubkey, size_t pubkey_len,
                               ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  ocf_obt_cert_role roles[OCF_OBT_CERT_ROLES_MAX];
  for (size_t i = 0; i < j->n_roles; i++)
    roles[i] = (ocf_obt_cert_role){j->role[i], j->has_authority[i] ? j->authority[i] : NULL};
  ocf_obt_cert_request rq = {.kind = j->n_roles ? OCF_OBT_CERT_ROLE : OCF_OBT_CERT_IDENTITY,
                             .uuid = j->uuid,
                             .pubkey = pubkey,
                             .pubkey_len = pubkey_len,
                             .not_before = j->utc_now - 3600, /* an hour of clock skew */
                             .not_after = j->utc_now + (int64_t)j->days * 86400,
                             .roles = roles,
                             .n_roles = j->n_roles};
  ocf_err err = ocf_obt_ca_issue(j->store, &rq, j->utc_now, j->cert, sizeof j->cert, &j->cert_len, &j->rec);
  if (err != OCF_OK) {
    ocf_secure_zero(j->devkey, sizeof j->devkey);
    j->devkey_len = 0;
    return failed(f, "issue", NULL, err, ocf_strerror(err),
                  "check the domain's CA (obt ca show) and the store");
  }
  j->issued = true;
  if (j->tool_key)
    audit_note(j, "cert key", "key pair made by the tool (no /oic/sec/csr), sent with the certificate",
               j->rec.serial, j->rec.serial_len);
  return send(j, req, ST_CRED_GET, 1, "/oic/sec/cred", 0);
}

/* Digest §6.2 item 2: a device without /oic/sec/csr (its sct has 8: on_doxm) gets a P-256 key
 * pair made here from the platform's generator; the certificate is issued for it as for a CSR's
 * key, and the key goes to the device as privatedata with the certificate (body_creds), inside
 * the owner's DTLS session. The tool keeps no copy: not in the store, and the job's are wiped
 * once the body holds it (and the body once the device answered). */
static ocf_obt_prov_next make_key(ocf_obt_cms_job *j, ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  ocf_pki_rng rng = {j->pf.random, j->pf.ctx};
  uint8_t pub[OCF_PKI_PUBKEY_MAX];
  size_t pub_len = 0;
  ocf_err err =
      ocf_pki_keypair_generate(&rng, j->devkey, sizeof j->devkey, &j->devkey_len, pub, sizeof pub, &pub_len);
  if (err != OCF_OK)
    return failed(f, "make key", NULL, err, "no key pair could be made for the device",
                  "check the system's random source and try again");
  j->tool_key = true;
  return issue(j, pub, pub_len, req, f);
}

/* Digest §6.2 step 1: the CSR's self-signature and its CN; the certificate names the uuid WE
 * know (ADR 0017). */
static ocf_obt_prov_next on_csr(ocf_obt_cms_job *j, const ocf_obt_prov_response *rsp,
                                ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  if (rsp->code == CT_NOT_FOUND) return make_key(j, req, f);
  if (rsp->code == 503)
    return failed(f, "read csr", rsp, OCF_ERR_BUSY, "the device has no CSR ready",
                  "try again later; a device that keeps answering 5.03 has no key pair");
  if (rsp->code != CT_CONTENT) return bad_code(f, "read csr", rsp);
  const ocf_rep_node *root = decode(j, rsp);
  ocf_bytes b;
  if (!root || ocf_rep_get_text_or_bytes(ocf_rep_map_value(root, "csr"), &b, NULL) != OCF_OK)
    return malformed(f, "read csr", rsp);
  if (b.len > OCF_PKI_CSR_MAX)
    return failed(f, "read csr", NULL, OCF_ERR_TOO_LARGE, "the CSR is longer than 3072 bytes (SEC:csr)",
                  "the device's CSR breaks the OCF schema: report it to its maker");
  ocf_pki_csr csr;
  ocf_err err = ocf_pki_csr_parse(b.ptr, b.len, &csr);
  if (err == OCF_ERR_CRYPTO)
    return failed(f, "read csr", NULL, err, "the CSR's signature does not verify",
                  "the device does not hold the key it asks a certificate for: do not trust it");
  if (err != OCF_OK)
    return failed(f, "read csr", NULL, err, "the CSR is not a P-256 ECDSA-SHA256 PKCS#10 request",
                  "the device's CSR breaks the OCF profile: report it to its maker");
  if (!csr.has_uuid || !ocf_uuid_equal(&csr.uuid, &j->uuid))
    return failed(f, "read csr", NULL, OCF_ERR_DENIED, "the CSR's CN is not uuid:<the device's uuid>",
                  "the device asks for another identity: do not trust it");
  return issue(j, csr.pubkey, csr.pubkey_len, req, f);
}

OCF_API ocf_err ocf_obt_cms_issue_csr(ocf_obt_store *s, const uint8_t *csr, size_t len, int64_t utc_now,
                                      uint32_t days, char *cert_pem, size_t cap, ocf_obt_cert_record *rec) {
  if (!s || !csr || !len || !cert_pem || !cap) return OCF_ERR_INVALID_ARG;
  /* The PEM must fit before anything is recorded: OCF_PKI_CERT_MAX bytes of DER as PEM. */
  if (cap < OCF_OBT_CERT_PEM_MAX) return OCF_ERR_NO_SPACE;
  ocf_pki_csr c;
  ocf_err err = ocf_pki_csr_parse(csr, len, &c);
  if (err != OCF_OK) return err;
  if (!c.has_uuid || ocf_uuid_is_nil(&c.uuid)) return OCF_ERR_DENIED;
  /* The certificate's CN is the peer's identity for the ACL (digest §6.1, §8.2): never one the
   * domain already gave someone else. */
  ocf_obt_domain d;
  err = ocf_obt_store_domain_get(s, &d);
  if (err != OCF_OK) return err;
  if (ocf_uuid_equal(&c.uuid, &d.tool_uuid)) return OCF_ERR_STATE;
  ocf_obt_device_record dev;
  err = ocf_obt_store_device_get(s, &c.uuid, &dev);
  if (err == OCF_OK) return OCF_ERR_STATE;
  if (err != OCF_ERR_NOT_FOUND) return err;
  if (!days) days = 365;
  ocf_obt_cert_request rq = {.kind = OCF_OBT_CERT_IDENTITY,
                             .uuid = c.uuid,
                             .pubkey = c.pubkey,
                             .pubkey_len = c.pubkey_len,
                             .not_before = utc_now - 3600, /* an hour of clock skew, as for devices */
                             .not_after = utc_now + (int64_t)days * 86400};
  uint8_t der[OCF_PKI_CERT_MAX];
  size_t der_len = 0, pem_len = 0;
  err = ocf_obt_ca_issue(s, &rq, utc_now, der, sizeof der, &der_len, rec);
  if (err == OCF_OK) err = ocf_pki_pem_write("CERTIFICATE", der, der_len, cert_pem, cap, &pem_len);
  return err;
}

/* renew: the certificate whose cred entry the device just dropped is revoked in the CA's records
 * (raising the CRL number: the next obt crl push lists it), unless it is not ours (another CA, or
 * one we never recorded) or already revoked. Digest §6.7: the CMS revokes what it replaced. */
typedef struct own_serial {
  const uint8_t *serial;
  size_t len;
  bool live;
} own_serial;

static bool find_own(void *user, const ocf_obt_cert_record *r) {
  own_serial *o = user;
  if (r->serial_len == o->len && !memcmp(r->serial, o->serial, o->len))
    o->live = r->kind == OCF_OBT_CERT_IDENTITY && !r->revoked;
  return !o->live;
}

static ocf_err revoke_deleted(ocf_obt_cms_job *j) {
  size_t k = j->i_del - 1;
  if (!j->revoke_replaced || !j->del_serial_len[k]) return OCF_OK;
  /* Only a live identity certificate we issued to THIS device: the serial comes from the
   * device's answer, and a device must not get another one's certificate revoked. (The one just
   * issued is never "replaced": it was not in the GET we read before the POST.) */
  own_serial o = {j->del_serial[k], j->del_serial_len[k], false};
  ocf_err err = ocf_obt_cert_list(j->store, &j->uuid, find_own, &o);
  if (err != OCF_OK || !o.live) return err;
  err = ocf_obt_cert_revoke(j->store, j->del_serial[k], j->del_serial_len[k], j->utc_now);
  if (err == OCF_ERR_NOT_FOUND || err == OCF_ERR_STATE) return OCF_OK;
  if (err != OCF_OK) return err;
  memcpy(j->revoked[j->n_revoked], j->del_serial[k], j->del_serial_len[k]);
  j->revoked_len[j->n_revoked++] = j->del_serial_len[k];
  audit_note(j, "cert revoke", "replaced by cert renew", j->del_serial[k], j->del_serial_len[k]);
  return OCF_OK;
}

/* After the new certificate is in, the old ones go (the device never lacks one). */
static ocf_obt_prov_next next_del(ocf_obt_cms_job *j, ocf_obt_prov_request *req) {
  if (j->i_del < j->n_del) {
    char href[48];
    snprintf(href, sizeof href, "/oic/sec/cred?credid=%u", (unsigned)j->del[j->i_del++]);
    return send(j, req, ST_CRED_DEL, 4, href, 0);
  }
  return finish_job(j, req);
}

static bool is_our_ca(ocf_obt_cms_job *j, const ocf_rep_node *data) {
  ocf_bytes b;
  if (ocf_rep_get_text_or_bytes(data, &b, NULL) != OCF_OK || !b.len) return false;
  uint8_t buf[OCF_PKI_CERT_MAX * 2];
  ocf_bytes certs[4];
  size_t n = 0;
  if (ocf_pki_certs_der(b.ptr, b.len, buf, sizeof buf, certs, 4, &n) != OCF_OK) return false;
  for (size_t i = 0; i < n; i++)
    if (certs[i].len == j->ca_len && !memcmp(certs[i].ptr, j->ca, j->ca_len)) return true;
  return false;
}

static bool text_is(const ocf_rep_node *n, const char *s) {
  return n && n->type == OCF_REP_TEXT &&
         ocf_rep_str_eq((ocf_rep_str){(const char *)n->u.str.ptr, n->u.str.len}, s);
}

/* The serial of the first certificate of a cred entry's publicdata (0 when none parses). */
static void leaf_serial(const ocf_rep_node *data, uint8_t out[OCF_OBT_CERT_SERIAL_MAX], size_t *len) {
  *len = 0;
  ocf_bytes b;
  if (ocf_rep_get_text_or_bytes(data, &b, NULL) != OCF_OK || !b.len) return;
  uint8_t buf[OCF_PKI_CERT_MAX * 4]; /* leaf, CA and a sub-CA's chain */
  ocf_bytes certs[2 + OCF_PKI_CHAIN_MAX];
  size_t n = 0;
  ocf_pki_cert_info info;
  if (ocf_pki_certs_der(b.ptr, b.len, buf, sizeof buf, certs, 2 + OCF_PKI_CHAIN_MAX, &n) != OCF_OK || !n ||
      ocf_pki_cert_info_get(certs[0].ptr, certs[0].len, &info) != OCF_OK || !info.serial_len ||
      info.serial_len > OCF_OBT_CERT_SERIAL_MAX)
    return;
  memcpy(out, info.serial, info.serial_len);
  *len = info.serial_len;
}

static ocf_obt_prov_next on_cred_get(ocf_obt_cms_job *j, const ocf_obt_prov_response *rsp,
                                     ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  if (rsp->code != CT_CONTENT) return bad_code(f, "read cred", rsp);
  const ocf_rep_node *root = decode(j, rsp);
  if (!root) return malformed(f, "read cred", rsp);
  for (const ocf_rep_node *c = ocf_rep_first(ocf_rep_map_value(root, "creds")); c; c = ocf_rep_next(c)) {
    const ocf_rep_node *usage = ocf_rep_map_value(c, "credusage");
    if (text_is(usage, "oic.sec.cred.trustca") &&
        is_our_ca(j, ocf_rep_map_value(ocf_rep_map_value(c, "publicdata"), "data")))
      j->has_anchor = true;
    uint32_t id = 0;
    /* A new identity certificate replaces the old ones (the device uses the first it finds). */
    if (!j->n_roles && text_is(usage, "oic.sec.cred.cert") && j->n_del < DEL_MAX &&
        ocf_rep_get_uint32(ocf_rep_map_value(c, "credid"), &id) == OCF_OK) {
      leaf_serial(ocf_rep_map_value(ocf_rep_map_value(c, "publicdata"), "data"), j->del_serial[j->n_del],
                  &j->del_serial_len[j->n_del]);
      j->del[j->n_del++] = id;
    }
  }
  return send(j, req, ST_CRED_POST, 2, "/oic/sec/cred", body_creds(j));
}

static ocf_obt_prov_next on_crl_get(ocf_obt_cms_job *j, const ocf_obt_prov_response *rsp,
                                    ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  if (rsp->code != CT_CONTENT) return bad_code(f, "read crl", rsp);
  const ocf_rep_node *root = decode(j, rsp);
  int64_t id = -1;
  if (!root || ocf_rep_get_int64(ocf_rep_map_value(root, "crlid"), &id) != OCF_OK)
    return malformed(f, "read crl", rsp);
  if ((uint64_t)id != j->crl_number)
    return failed(f, "read crl", NULL, OCF_ERR_STATE, "the device kept another CRL",
                  "run obt crl push again");
  return finish_job(j, req);
}

/* A request whose only good answer is `want`, then `then`. */
static ocf_obt_prov_next expect(const ocf_obt_prov_response *rsp, uint16_t want, const char *stage_name,
                                ocf_obt_prov_failure *f, bool *ok) {
  *ok = rsp->code == want;
  return *ok ? OCF_OBT_PROV_SEND : bad_code(f, stage_name, rsp);
}

static ocf_obt_prov_next on_simple(ocf_obt_cms_job *j, const ocf_obt_prov_response *rsp,
                                   ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  bool ok = false;
  ocf_obt_prov_next n;
  switch (j->st) {
  case ST_TO_RFPRO:
    n = expect(rsp, CT_CHANGED, "enter RFPRO", f, &ok);
    return ok ? send(j, req, ST_ACL_GET, 1, "/oic/sec/acl2", 0) : n;
  case ST_ACL_POST: n = expect(rsp, CT_CHANGED, "post acl2", f, &ok); return ok ? after_acl(j, req) : n;
  case ST_CRED_DEL: {
    if (rsp->code != CT_NOT_FOUND) { /* 4.04: gone already */
      n = expect(rsp, CT_DELETED, "delete cred", f, &ok);
      if (!ok) return n;
    }
    ocf_err err = revoke_deleted(j);
    if (err != OCF_OK)
      return failed(f, "revoke", NULL, err, "the replaced certificate could not be marked revoked",
                    "obt cert list, then obt cert revoke SERIAL");
    return next_del(j, req);
  }
  case ST_CRED_POST:
    ocf_secure_zero(j->body, sizeof j->body); /* it may hold the key we made for the device */
    n = expect(rsp, CT_CHANGED, "post cred", f, &ok);
    return ok ? next_del(j, req) : n;
  case ST_CRL_POST:
    if (rsp->code == CT_NOT_FOUND) { /* no /oic/sec/crl: nothing to do there */
      j->skipped = true;
      return finish_job(j, req);
    }
    n = expect(rsp, CT_CHANGED, "post crl", f, &ok);
    return ok ? send(j, req, ST_CRL_GET, 1, "/oic/sec/crl", 0) : n;
  default: /* ST_TO_RFNOP */
    n = expect(rsp, CT_CHANGED, "enter RFNOP", f, &ok);
    return ok ? OCF_OBT_PROV_DONE : n;
  }
}

static ocf_obt_prov_next step(ocf_obt_cms_job *j, const ocf_obt_prov_response *rsp, ocf_obt_prov_request *req,
                              ocf_obt_prov_failure *fail) {
  if (!rsp) return send(j, req, ST_DOXM, 1, "/oic/sec/doxm", 0);
  switch (j->st) {
  case ST_DOXM: return on_doxm(j, rsp, req, fail);
  case ST_PSTAT: return on_pstat(j, rsp, req, fail);
  case ST_ACL_GET: return on_acl_get(j, rsp, req, fail);
  case ST_CSR: return on_csr(j, rsp, req, fail);
  case ST_CRED_GET: return on_cred_get(j, rsp, req, fail);
  case ST_CRL_GET: return on_crl_get(j, rsp, req, fail);
  case ST_START: return send(j, req, ST_DOXM, 1, "/oic/sec/doxm", 0);
  default: return on_simple(j, rsp, req, fail);
  }
}

ocf_obt_prov_next ocf_obt_cms_step(void *job_user, const ocf_obt_prov_response *rsp,
                                   ocf_obt_prov_request *req, ocf_obt_prov_failure *fail) {
  ocf_obt_cms_job *j = job_user;
  if (!j || !req || !fail) return OCF_OBT_PROV_FAIL;
  ocf_obt_prov_next n = step(j, rsp, req, fail);
  if (n == OCF_OBT_PROV_SEND && j->encode_failed)
    return failed(fail, "encode", NULL, OCF_ERR_NO_SPACE, "a request did not fit our buffer",
                  "report this as a bug");
  return n;
}
