/* The job that changes one device for obt apply and obt offboard (<ocf/ocf_obt_policy.h>,
 * ADR 0023): a pure step function for the provisioning engine. ACLs and credentials change only
 * in RFPRO or SRESET (digest §3.3), so a device in RFNOP is moved to RFPRO first and back to
 * RFNOP at the end, whatever happened in between. */
#include <stdio.h>
#include <string.h>

#include <ocf/ocf_obt_policy.h>

#include "rep/rep.h"

#define ACL2 "/oic/sec/acl2"
#define CRED "/oic/sec/cred"
#define PSTAT "/oic/sec/pstat"

enum { GET = 1, POST = 2, DEL = 4 };

typedef enum phase {
  P_START = 0,
  P_PSTAT,     /* GET pstat answered */
  P_TO_RFPRO,  /* POST pstat RFPRO answered */
  P_ACL,       /* GET acl2 answered */
  P_DEL,       /* DELETE of removal i answered */
  P_POST,      /* POST of addition i answered */
  P_CRED,      /* PURGE: GET cred answered */
  P_CRED_DEL,  /* PURGE: DELETE of cred entry i answered */
  P_AFTER,     /* GET acl2 answered (aceids read back) */
  P_UNDO_ACL,  /* rollback: GET acl2 answered */
  P_UNDO_DEL,  /* rollback: DELETE of a new ACE answered */
  P_UNDO_POST, /* rollback: POST of a removed ACE answered */
  P_BACK,      /* POST pstat RFNOP answered */
} phase;

ocf_err ocf_obt_edit_job_apply(ocf_obt_edit_job *job, const ocf_obt_acl_diff *diff) {
  if (!job || !diff || diff->n_add > OCF_OBT_EDIT_MAX || diff->n_remove > OCF_OBT_EDIT_MAX)
    return OCF_ERR_INVALID_ARG;
  for (size_t i = 0; i < diff->n_add; i++)
    if (ocf_obt_ace_check(&diff->add[i], NULL) != OCF_OK) return OCF_ERR_INVALID_ARG;
  for (size_t i = 0; i < diff->n_remove; i++)
    if (diff->remove[i].aceid == 0) return OCF_ERR_INVALID_ARG;
  memset(job, 0, sizeof *job);
  job->diff = *diff;
  return OCF_OK;
}

ocf_err ocf_obt_edit_job_purge(ocf_obt_edit_job *job, const ocf_uuid *leaving) {
  if (!job || !leaving || ocf_uuid_is_nil(leaving)) return OCF_ERR_INVALID_ARG;
  memset(job, 0, sizeof *job);
  job->purge = true;
  job->purge_uuid = *leaving;
  return OCF_OK;
}

/* --- requests and failures -------------------------------------------------------------------- */

static ocf_obt_prov_next send(ocf_obt_edit_job *j, phase next, ocf_obt_prov_request *req, uint8_t method,
                              const char *href, size_t body_len) {
  memset(req, 0, sizeof *req);
  req->method = method;
  (void)snprintf(req->href, sizeof req->href, "%s", href);
  req->body = body_len ? j->buf : NULL;
  req->len = body_len;
  j->phase = (uint8_t)next;
  return OCF_OBT_PROV_SEND;
}

static ocf_obt_prov_next send_id(ocf_obt_edit_job *j, phase next, ocf_obt_prov_request *req, const char *base,
                                 const char *key, uint32_t id) {
  char href[64];
  (void)snprintf(href, sizeof href, "%s?%s=%u", base, key, (unsigned)id);
  return send(j, next, req, DEL, href, 0);
}

static void set_failure(ocf_obt_prov_failure *f, const char *stage, const ocf_obt_prov_response *rsp,
                        ocf_err err, const char *diag, const char *advice) {
  memset(f, 0, sizeof *f);
  f->stage = stage;
  f->code = rsp ? rsp->code : 0;
  f->err = err;
  if (diag) {
    (void)snprintf(f->diagnostic, sizeof f->diagnostic, "%s", diag);
  } else if (rsp && rsp->code >= 400) { /* the device's diagnostic, printable only */
    size_t n = 0;
    for (; rsp->payload && n < rsp->len && n + 1 < sizeof f->diagnostic; n++)
      f->diagnostic[n] = rsp->payload[n] < 0x20 || rsp->payload[n] >= 0x7f ? '?' : (char)rsp->payload[n];
    f->diagnostic[n] = '\0';
  }
  f->advice = advice;
}

static const char *advice_for(uint16_t code) {
  return code == 401 || code == 403 ? "the device refuses the change in its state or for this tool"
         : code == 404              ? "the device no longer has that entry: run obt apply again"
         : code >= 500              ? "the device failed (its tables may be full)"
                                    : "the device refused it (see its diagnostic)";
}

static ocf_err err_for(uint16_t code) {
  return code == 404 ? OCF_ERR_NOT_FOUND : code < 500 ? OCF_ERR_DENIED : OCF_ERR_IO;
}

static bool post_ok(const ocf_obt_prov_response *rsp) { /* pitfall 11: 2.01, 2.03, 2.04 */
  return rsp->code == 201 || rsp->code == 203 || rsp->code == 204;
}
static bool del_ok(const ocf_obt_prov_response *rsp) { return rsp->code == 202 || rsp->code == 204; }

static ocf_obt_prov_next post_pstat(ocf_obt_edit_job *j, phase next, uint8_t s, ocf_obt_prov_request *req) {
  ocf_rep_enc e;
  size_t len = 0;
  ocf_rep_enc_init(&e, j->buf, sizeof j->buf);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_map_open(&e, "dos"); /* OBT 5.2: {"dos":{"s":N}} */
  ocf_rep_enc_kv_int(&e, "s", s);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_map_close(&e);
  if (ocf_rep_enc_finish(&e, &len) != OCF_OK) len = 0;
  return send(j, next, req, POST, PSTAT, len);
}

static ocf_obt_prov_next post_ace(ocf_obt_edit_job *j, phase next, const ocf_obt_ace *a,
                                  ocf_obt_prov_request *req) {
  size_t len = 0;
  if (ocf_obt_acl_encode_post(a, 1, j->buf, sizeof j->buf, &len) != OCF_OK) len = 0;
  return send(j, next, req, POST, ACL2, len);
}

/* The end: back to RFNOP when it was there, then DONE, or FAIL with the first failure. */
static ocf_obt_prov_next finish(ocf_obt_edit_job *j, ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  if (j->was_rfnop && j->phase != P_BACK) return post_pstat(j, P_BACK, 3, req);
  if (!j->failing) return OCF_OBT_PROV_DONE;
  *f = j->first;
  return OCF_OBT_PROV_FAIL;
}

/* A write failed: remember why, then roll back what this job wrote (APPLY) and finish. */
static ocf_obt_prov_next start_undo(ocf_obt_edit_job *j, const char *stage, const ocf_obt_prov_response *rsp,
                                    ocf_err err, const char *diag, ocf_obt_prov_request *req,
                                    ocf_obt_prov_failure *f) {
  if (!j->failing) set_failure(&j->first, stage, rsp, err, diag, rsp && !diag ? advice_for(rsp->code) : NULL);
  j->failing = true;
  if (j->purge || (j->n_done_add == 0 && j->n_done_remove == 0)) {
    j->undone = !j->purge;
    return finish(j, req, f);
  }
  return send(j, P_UNDO_ACL, req, GET, ACL2, 0);
}

static bool parse_acl(ocf_obt_edit_job *j, const ocf_obt_prov_response *rsp) {
  return rsp->code == 205 && ocf_obt_acl_parse(rsp->payload, rsp->len, &j->acl) == OCF_OK;
}

static bool was_before(const ocf_obt_edit_job *j, uint32_t id) {
  for (size_t i = 0; i < j->n_before; i++)
    if (j->before[i] == id) return true;
  return false;
}

/* --- the writes --------------------------------------------------------------------------------- */

static ocf_obt_prov_next next_cred(ocf_obt_edit_job *j, ocf_obt_prov_request *req) {
  for (; j->i < j->creds.n; j->i++) {
    const ocf_obt_cred_info *c = &j->creds.entries[j->i];
    /* Every credential naming the leaving device: pairwise keys (credtype 1) and, whatever else
     * names it as subject (an OSCORE pairwise context, credtype 64: ADR 0022). Never the owner
     * credential (its subject is the tool) nor trust anchors (subject "*"). */
    if (!c->subject_any && ocf_uuid_equal(&c->subject, &j->purge_uuid))
      return send_id(j, P_CRED_DEL, req, CRED, "credid", c->credid);
  }
  return OCF_OBT_PROV_DONE; /* caller goes on */
}

static ocf_obt_prov_next next_write(ocf_obt_edit_job *j, ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  if (j->n_done_remove < j->diff.n_remove)
    return send_id(j, P_DEL, req, ACL2, "aceid", j->diff.remove[j->n_done_remove].aceid);
  if (j->n_done_add < j->diff.n_add) return post_ace(j, P_POST, &j->diff.add[j->n_done_add], req);
  if (j->purge) return send(j, P_CRED, req, GET, CRED, 0);
  if (j->diff.n_add) return send(j, P_AFTER, req, GET, ACL2, 0);
  return finish(j, req, f);
}

/* The ACL as read before any write: APPLY checks its removals are still there as diffed; PURGE
 * picks the ACEs naming the leaving device. */
static ocf_obt_prov_next after_acl(ocf_obt_edit_job *j, const ocf_obt_prov_response *rsp,
                                   ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  if (!parse_acl(j, rsp))
    return start_undo(j, "read acl2", rsp, rsp->code == 205 ? OCF_ERR_MALFORMED : err_for(rsp->code),
                      rsp->code == 205 ? "the device's acl2 answer does not parse" : NULL, req, f);
  j->n_before = j->acl.n;
  for (size_t i = 0; i < j->acl.n; i++) j->before[i] = j->acl.ace[i].aceid;
  if (j->purge) {
    for (size_t i = 0; i < j->acl.n && j->diff.n_remove < OCF_OBT_EDIT_MAX; i++)
      if (j->acl.ace[i].subject == OCF_OBT_SUBJECT_UUID &&
          ocf_uuid_equal(&j->acl.ace[i].uuid, &j->purge_uuid))
        j->diff.remove[j->diff.n_remove++] = j->acl.ace[i];
    j->n_removed = j->diff.n_remove;
    return next_write(j, req, f);
  }
  for (size_t i = 0; i < j->diff.n_remove; i++) {
    bool there = false;
    for (size_t k = 0; k < j->acl.n && !there; k++)
      there = j->acl.ace[k].aceid == j->diff.remove[i].aceid &&
              ocf_obt_ace_same(&j->acl.ace[k], &j->diff.remove[i]);
    if (!there)
      return start_undo(j, "check acl2", NULL, OCF_ERR_STATE, "the device's ACL changed since it was read",
                        req, f);
  }
  return next_write(j, req, f);
}

/* Which ACE each addition became: a new aceid with its content, else an old equal one. */
static void read_back(ocf_obt_edit_job *j) {
  for (size_t i = 0; i < j->diff.n_add; i++)
    for (int pass = 0; pass < 2 && !j->added[i]; pass++)
      for (size_t k = 0; k < j->acl.n && !j->added[i]; k++)
        if (ocf_obt_ace_same(&j->diff.add[i], &j->acl.ace[k]) &&
            was_before(j, j->acl.ace[k].aceid) == (pass == 1))
          j->added[i] = j->acl.ace[k].aceid;
}

/* --- rollback ----------------------------------------------------------------------------------- */

static ocf_obt_prov_next next_undo(ocf_obt_edit_job *j, ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  if (j->i < j->n_undo) return send_id(j, P_UNDO_DEL, req, ACL2, "aceid", j->added[j->i]);
  size_t k = j->i - j->n_undo; /* removed ACEs back, with their aceids (SEC:acl2) */
  if (k < j->n_done_remove) return post_ace(j, P_UNDO_POST, &j->diff.remove[k], req);
  j->undone = true;
  return finish(j, req, f);
}

static ocf_obt_prov_next undo_failed(ocf_obt_edit_job *j, ocf_obt_prov_request *req,
                                     ocf_obt_prov_failure *f) {
  j->left = true;
  return finish(j, req, f);
}

static ocf_obt_prov_next after_undo_acl(ocf_obt_edit_job *j, const ocf_obt_prov_response *rsp,
                                        ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  if (!parse_acl(j, rsp)) return undo_failed(j, req, f);
  memset(j->added, 0, sizeof j->added);
  j->n_undo = 0;
  for (size_t k = 0; k < j->acl.n; k++) /* the new ACEs equal to one of ours */
    for (size_t i = 0; i < j->n_done_add && !was_before(j, j->acl.ace[k].aceid); i++)
      if (ocf_obt_ace_same(&j->diff.add[i], &j->acl.ace[k]) && j->n_undo < OCF_OBT_EDIT_MAX) {
        j->added[j->n_undo++] = j->acl.ace[k].aceid;
        break;
      }
  j->i = 0;
  return next_undo(j, req, f);
}

/* --- the step function ------------------------------------------------------------------------ */

static ocf_obt_prov_next after_pstat(ocf_obt_edit_job *j, const ocf_obt_prov_response *rsp,
                                     ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  ocf_rep_node nodes[64];
  const ocf_rep_node *root = NULL;
  uint8_t s = 0;
  if (rsp->code != 205 || ocf_rep_decode(rsp->payload, rsp->len, NULL, nodes, 64, &root) != OCF_OK ||
      ocf_rep_get_uint8(ocf_rep_map_value(ocf_rep_map_value(root, "dos"), "s"), &s) != OCF_OK) {
    set_failure(f, "read pstat", rsp, rsp->code == 205 ? OCF_ERR_MALFORMED : err_for(rsp->code),
                rsp->code == 205 ? "pstat without a readable dos.s" : NULL, advice_for(rsp->code));
    return OCF_OBT_PROV_FAIL;
  }
  if (s == 3) {
    j->was_rfnop = true;
    return post_pstat(j, P_TO_RFPRO, 2, req);
  }
  return send(j, P_ACL, req, GET, ACL2, 0);
}

static ocf_obt_prov_next step_writes(ocf_obt_edit_job *j, const ocf_obt_prov_response *rsp,
                                     ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  switch ((phase)j->phase) {
  case P_DEL:
    if (!del_ok(rsp) && !(j->purge && rsp->code == 404))
      return start_undo(j, "delete ACE", rsp, err_for(rsp->code), NULL, req, f);
    j->n_done_remove++;
    return next_write(j, req, f);
  case P_POST:
    if (!post_ok(rsp)) return start_undo(j, "post ACE", rsp, err_for(rsp->code), NULL, req, f);
    j->n_done_add++;
    return next_write(j, req, f);
  case P_CRED:
    if (rsp->code != 205 || ocf_obt_creds_parse(rsp->payload, rsp->len, &j->creds) != OCF_OK)
      return start_undo(j, "read cred", rsp, OCF_ERR_MALFORMED, NULL, req, f);
    j->i = 0;
    return next_cred(j, req) == OCF_OBT_PROV_SEND ? OCF_OBT_PROV_SEND : finish(j, req, f);
  case P_CRED_DEL:
    if (!del_ok(rsp)) return start_undo(j, "delete cred", rsp, err_for(rsp->code), NULL, req, f);
    j->removed_creds++;
    j->i++;
    return next_cred(j, req) == OCF_OBT_PROV_SEND ? OCF_OBT_PROV_SEND : finish(j, req, f);
  case P_AFTER:
    if (parse_acl(j, rsp)) read_back(j); /* the writes are done: an unreadable answer leaves aceids 0 */
    return finish(j, req, f);
  default: return OCF_OBT_PROV_FAIL;
  }
}

static ocf_obt_prov_next step_undo(ocf_obt_edit_job *j, const ocf_obt_prov_response *rsp,
                                   ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  switch ((phase)j->phase) {
  case P_UNDO_ACL: return after_undo_acl(j, rsp, req, f);
  case P_UNDO_DEL:
  case P_UNDO_POST:
    if (j->phase == P_UNDO_DEL ? !del_ok(rsp) : !post_ok(rsp)) return undo_failed(j, req, f);
    j->i++;
    return next_undo(j, req, f);
  case P_BACK:
    if (!post_ok(rsp)) {
      if (!j->failing)
        set_failure(&j->first, "back to RFNOP", rsp, err_for(rsp->code), NULL,
                    "the device stays in RFPRO: obt state DEV rfnop");
      j->failing = true;
    }
    return finish(j, req, f);
  default: return OCF_OBT_PROV_FAIL;
  }
}

ocf_obt_prov_next ocf_obt_edit_step(void *job_user, const ocf_obt_prov_response *rsp,
                                    ocf_obt_prov_request *req, ocf_obt_prov_failure *fail) {
  ocf_obt_edit_job *j = job_user;
  if (!j || !req || !fail) return OCF_OBT_PROV_FAIL;
  if ((!rsp) != (j->phase == P_START)) {
    set_failure(fail, "edit", rsp, OCF_ERR_STATE, "step called out of order", NULL);
    return OCF_OBT_PROV_FAIL;
  }
  ocf_obt_prov_next next = OCF_OBT_PROV_FAIL;
  switch ((phase)j->phase) {
  case P_START: return send(j, P_PSTAT, req, GET, PSTAT, 0);
  case P_PSTAT: return after_pstat(j, rsp, req, fail);
  case P_TO_RFPRO:
    if (post_ok(rsp)) return send(j, P_ACL, req, GET, ACL2, 0);
    j->was_rfnop = false; /* it stayed in RFNOP */
    set_failure(fail, "move to RFPRO", rsp, err_for(rsp->code), NULL, advice_for(rsp->code));
    return OCF_OBT_PROV_FAIL;
  case P_ACL: return after_acl(j, rsp, req, fail);
  case P_DEL:
  case P_POST:
  case P_CRED:
  case P_CRED_DEL:
  case P_AFTER: next = step_writes(j, rsp, req, fail); break;
  default: next = step_undo(j, rsp, req, fail); break;
  }
  if (next == OCF_OBT_PROV_FAIL && !j->failing)
    set_failure(fail, "edit", rsp, OCF_ERR_STATE, "step called out of order", NULL);
  return next;
}
