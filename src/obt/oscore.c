/* OSCORE pairwise contexts and SSM groups (<ocf/ocf_obt_oscore.h>, ADR 0022; S003 6.3, 6.4,
 * digest §6.4, §6.5): the step functions of the check, write and remove jobs, and the planners'
 * draws from the engine's DRBG. */
#include <stdio.h>
#include <string.h>

#include <ocf/ocf_obt_oscore.h>

#include "base/uuid.h"
#include "dtls/crypto.h"
#include "obt/obt_internal.h"
#include "obt/prov_fail.h"
#include "rep/rep.h"

enum { ST_DOXM = 1, ST_CHECK_CRED, ST_LIST, ST_DELETE, ST_POST, ST_READBACK };

static const char k_advice_state[] = "check the device's state (obt show UUID)";
static const char k_advice_rfpro[] =
    "the device refuses credential changes in its state: move it to RFPRO first";

void ocf_obt_oscore_job_init(ocf_obt_oscore_job *j, ocf_obt_oscore_phase phase, const ocf_uuid *self) {
  memset(j, 0, sizeof *j);
  j->phase = phase;
  j->self = *self;
}

void ocf_obt_oscore_job_wipe(ocf_obt_oscore_job *j) {
  ocf_secure_zero(j->body, sizeof j->body);
  j->body_len = 0;
}

static ocf_obt_prov_next get(ocf_obt_prov_request *req, const char *href) {
  req->method = 1;
  snprintf(req->href, sizeof req->href, "%s", href);
  return OCF_OBT_PROV_SEND;
}

/* --- CHECK ------------------------------------------------------------------------------------ */

/* digest §2.1: sct lists the credential types as credtype bits; OBT 5.4: provision only those. */
static ocf_obt_prov_next check_doxm(ocf_obt_oscore_job *j, const ocf_obt_prov_response *rsp,
                                    ocf_obt_prov_request *req, ocf_obt_prov_failure *fail) {
  uint32_t sct = 0;
  ocf_obt_prov_next n = obt_prov_check_owned_doxm(rsp, &j->self, k_advice_state, &sct, fail);
  if (n != OCF_OBT_PROV_DONE) return n;
  if ((sct & j->need_sct) != j->need_sct) {
    char diag[OCF_OBT_DIAG_MAX + 1];
    snprintf(diag, sizeof diag, "the device's doxm.sct is %u: it does not list credtype %u", (unsigned)sct,
             (unsigned)(j->need_sct & ~sct));
    return obt_prov_fail_with(fail, "credential types", OCF_ERR_UNSUPPORTED, diag,
                              "this device cannot hold this OSCORE context (OBT 5.4: only types in sct)");
  }
  j->stage = ST_CHECK_CRED;
  return get(req, "/oic/sec/cred");
}

static ocf_obt_prov_next read_creds(ocf_obt_oscore_job *j, const ocf_obt_prov_response *rsp,
                                    const char *stage, ocf_obt_prov_failure *fail) {
  if (rsp->code != 205) return obt_prov_fail_answer(fail, stage, rsp, k_advice_state);
  ocf_err err = ocf_obt_creds_parse(rsp->payload, rsp->len, &j->creds);
  if (err)
    return obt_prov_fail_with(fail, stage, err, "the device's /oic/sec/cred answer is malformed",
                              obt_advice_bad_device);
  if (j->creds.truncated)
    return obt_prov_fail_with(fail, stage, OCF_ERR_TOO_LARGE,
                              "the device lists too many credentials to check",
                              "remove unused credentials, then try again");
  return OCF_OBT_PROV_SEND;
}

/* --- REMOVE ----------------------------------------------------------------------------------- */

static bool id_listed(const ocf_obt_oscore_match *m, const char *id) {
  for (size_t i = 0; id[0] && i < m->n_ids; i++)
    if (strcmp(m->ids[i], id) == 0) return true;
  return false;
}

static bool matches(const ocf_obt_oscore_match *m, const ocf_obt_cred_info *e) {
  if (!(e->credtype & m->types) || e->credtype == 0) return false;
  if (m->has_subject && (e->subject_any || !ocf_uuid_equal(&e->subject, &m->subject))) return false;
  if (!m->n_ids) return true;
  bool listed = id_listed(m, e->senderid) || id_listed(m, e->recipientid);
  return m->keep_ids ? !listed : listed;
}

static ocf_obt_prov_next next_delete(ocf_obt_oscore_job *j, ocf_obt_prov_request *req) {
  if (j->next_del >= j->n_del) return OCF_OBT_PROV_DONE;
  req->method = 4; /* digest §2.3: DELETE ?credid=N (never ?subjectuuid=: IL deletes all) */
  snprintf(req->href, sizeof req->href, "/oic/sec/cred?credid=%u", (unsigned)j->ids[j->next_del++]);
  j->stage = ST_DELETE;
  return OCF_OBT_PROV_SEND;
}

/* --- WRITE ------------------------------------------------------------------------------------ */

/* Digest §6.4/§6.5: {"creds": [{"subjectuuid", "credtype", "privatedata": {"data": h'secret',
 * "encoding": "oic.sec.encoding.raw"}, "oscore": {...}}, ...]}; no rowneruuid (read-only in
 * RFPRO). */
static ocf_err build_post(ocf_obt_oscore_job *j) {
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, j->body, sizeof j->body);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_key(&e, "creds");
  ocf_rep_enc_array_open(&e);
  for (size_t i = 0; i < j->n_ctx; i++) {
    const ocf_obt_oscore_ctx *c = &j->ctx[i];
    ocf_rep_enc_map_open(&e);
    ocf_rep_enc_key(&e, "subjectuuid");
    ocf_rep_enc_uuid(&e, &c->subject);
    ocf_rep_enc_key(&e, "credtype");
    ocf_rep_enc_uint(&e, c->credtype);
    ocf_rep_enc_key(&e, "privatedata");
    ocf_rep_enc_map_open(&e);
    ocf_rep_enc_key(&e, "data");
    ocf_rep_enc_bytes(&e, j->secret, OCF_OBT_OSCORE_SECRET_LEN);
    ocf_rep_enc_key(&e, "encoding");
    ocf_rep_enc_text(&e, "oic.sec.encoding.raw");
    ocf_rep_enc_map_close(&e);
    ocf_rep_enc_key(&e, "oscore");
    ocf_rep_enc_map_open(&e);
    if (c->senderid[0]) {
      ocf_rep_enc_key(&e, "senderid");
      ocf_rep_enc_text(&e, c->senderid);
    }
    if (c->recipientid[0]) {
      ocf_rep_enc_key(&e, "recipientid");
      ocf_rep_enc_text(&e, c->recipientid);
    }
    if (c->credtype != 64) { /* S003 6.4: the group's description; IL refuses desc on 64 */
      ocf_rep_enc_key(&e, "desc");
      ocf_rep_enc_text(&e, c->desc);
    }
    ocf_rep_enc_map_close(&e);
    ocf_rep_enc_map_close(&e);
  }
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_map_close(&e);
  return ocf_rep_enc_finish(&e, &j->body_len);
}

static ocf_obt_prov_next start_write(ocf_obt_oscore_job *j, ocf_obt_prov_request *req,
                                     ocf_obt_prov_failure *fail) {
  if (!j->secret || !j->n_ctx || j->n_ctx > OCF_OBT_OSCORE_CTX_MAX || build_post(j) != OCF_OK) {
    ocf_obt_oscore_job_wipe(j);
    return obt_prov_fail_with(fail, "post cred", OCF_ERR_NO_SPACE, "the request could not be built",
                              "a bug in obt: report it");
  }
  req->method = 2;
  snprintf(req->href, sizeof req->href, "/oic/sec/cred");
  req->body = j->body;
  req->len = j->body_len;
  j->post_sent = true;
  j->stage = ST_POST;
  return OCF_OBT_PROV_SEND;
}

/* The device's entry for ctx: same credtype and ids (ids are unique among a device's recipient
 * contexts, and ours are fresh). */
static uint32_t find_ctx(const ocf_obt_creds_read *c, const ocf_obt_oscore_ctx *x) {
  for (size_t i = 0; i < c->n; i++) {
    const ocf_obt_cred_info *e = &c->entries[i];
    if (e->credtype == x->credtype && strcmp(e->senderid, x->senderid) == 0 &&
        strcmp(e->recipientid, x->recipientid) == 0 && !e->subject_any &&
        ocf_uuid_equal(&e->subject, &x->subject))
      return e->credid;
  }
  return 0;
}

ocf_obt_prov_next ocf_obt_oscore_step(void *user, const ocf_obt_prov_response *rsp, ocf_obt_prov_request *req,
                                      ocf_obt_prov_failure *fail) {
  ocf_obt_oscore_job *j = user;
  if (!rsp) {
    switch (j->phase) {
    case OCF_OBT_OSCORE_CHECK: j->stage = ST_DOXM; return get(req, "/oic/sec/doxm");
    case OCF_OBT_OSCORE_WRITE: return start_write(j, req, fail);
    case OCF_OBT_OSCORE_REMOVE: j->stage = ST_LIST; return get(req, "/oic/sec/cred");
    default: return obt_prov_fail_with(fail, "step", OCF_ERR_STATE, "no phase", "a bug in obt: report it");
    }
  }
  ocf_obt_prov_next next;
  switch (j->stage) {
  case ST_DOXM: return check_doxm(j, rsp, req, fail);
  case ST_CHECK_CRED:
    next = read_creds(j, rsp, "read cred", fail);
    return next == OCF_OBT_PROV_SEND ? OCF_OBT_PROV_DONE : next;
  case ST_LIST:
    next = read_creds(j, rsp, "read cred", fail);
    if (next != OCF_OBT_PROV_SEND) return next;
    j->n_del = j->next_del = 0;
    for (size_t i = 0; i < j->creds.n; i++)
      if (matches(&j->match, &j->creds.entries[i])) j->ids[j->n_del++] = j->creds.entries[i].credid;
    return next_delete(j, req);
  case ST_DELETE:
    /* 2.02 deleted; 4.04 gone already: both leave nothing behind */
    if (rsp->code != 202 && rsp->code != 404)
      return obt_prov_fail_answer(fail, "delete cred", rsp,
                                  rsp->code == 403 || rsp->code == 400 ? k_advice_rfpro : k_advice_state);
    j->removed += rsp->code == 202;
    return next_delete(j, req);
  case ST_POST:
    ocf_obt_oscore_job_wipe(j); /* the secret went out: no copy kept beyond the caller's */
    if (rsp->code != 204 && rsp->code != 201)
      return obt_prov_fail_answer(
          fail, "post cred", rsp,
          rsp->code == 400 || rsp->code == 403
              ? "the device refused the context: it must be in RFPRO and accept these ids "
                "(2..7 bytes; some devices take only 7: --id-len 7)"
              : k_advice_state);
    j->stage = ST_READBACK;
    return get(req, "/oic/sec/cred");
  case ST_READBACK:
    next = read_creds(j, rsp, "read back cred", fail);
    if (next != OCF_OBT_PROV_SEND) return next;
    for (size_t i = 0; i < j->n_ctx; i++) {
      j->ctx[i].credid = find_ctx(&j->creds, &j->ctx[i]);
      if (!j->ctx[i].credid)
        return obt_prov_fail_with(fail, "read back cred", OCF_ERR_NOT_FOUND,
                                  "the device answered the POST but does not list the new context",
                                  obt_advice_bad_device);
    }
    return OCF_OBT_PROV_DONE;
  default:
    return obt_prov_fail_with(fail, "step", OCF_ERR_STATE, "unexpected answer", "a bug in obt: report it");
  }
}

/* --- planning --------------------------------------------------------------------------------- */

bool ocf_obt_oscore_id_valid(const char *s, uint8_t prefix) {
  size_t len = s ? strlen(s) : 0;
  if (len < 2 * OCF_OBT_OSCORE_ID_MIN || len > OCF_OBT_OSCORE_ID_HEX || len % 2) return false;
  for (size_t i = 0; i < len; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
  char want[3];
  snprintf(want, sizeof want, "%02x", prefix);
  return s[0] == want[0] && s[1] == want[1];
}

ocf_err ocf_obt_oscore_new_id(ocf_obt *obt, uint8_t prefix, size_t len, const ocf_obt_oscore_id *taken,
                              size_t n_taken, ocf_obt_oscore_id out) {
  if (!obt || !out || len < OCF_OBT_OSCORE_ID_MIN || len > OCF_OBT_OSCORE_ID_MAX || (n_taken && !taken))
    return OCF_ERR_INVALID_ARG;
  for (int tries = 0; tries < 64; tries++) {
    uint8_t b[OCF_OBT_OSCORE_ID_MAX];
    b[0] = prefix; /* S003 6.3/6.4: 0x01 pairwise, 0x02 group */
    ocf_err err = obt->pf.random(obt->pf.ctx, b + 1, len - 1);
    if (err) return err;
    for (size_t i = 0; i < len; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
    bool used = false;
    for (size_t i = 0; i < n_taken && !used; i++) used = strcmp(taken[i], out) == 0;
    if (!used) return OCF_OK;
  }
  out[0] = '\0';
  return OCF_ERR_BUSY;
}

ocf_err ocf_obt_oscore_new_secret(ocf_obt *obt, uint8_t out[OCF_OBT_OSCORE_SECRET_LEN]) {
  if (!obt || !out) return OCF_ERR_INVALID_ARG;
  return obt->pf.random(obt->pf.ctx, out, OCF_OBT_OSCORE_SECRET_LEN);
}

ocf_err ocf_obt_oscore_new_uuid(ocf_obt *obt, ocf_uuid *out) {
  if (!obt || !out) return OCF_ERR_INVALID_ARG;
  return ocf_uuid_generate(&obt->pf, out);
}

size_t ocf_obt_oscore_ids_in_use(const ocf_obt_creds_read *creds, ocf_obt_oscore_id *taken, size_t n,
                                 size_t cap) {
  for (size_t i = 0; creds && i < creds->n; i++) {
    const ocf_obt_cred_info *e = &creds->entries[i];
    if (e->senderid[0] && n < cap) snprintf(taken[n++], sizeof taken[0], "%s", e->senderid);
    if (e->recipientid[0] && n < cap) snprintf(taken[n++], sizeof taken[0], "%s", e->recipientid);
  }
  return n;
}
