/* The AMS jobs as step functions for the provisioning engine (<ocf/ocf_obt_prov.h>): acl add,
 * list, remove, and the state changes with the RFNOP precheck (OBT 5.2, 5.5; digest §7, §3.2).
 * One pure function of the job and the last answer; every answer is checked for its code and
 * parsed bounded before anything follows from it. */
#include <stdio.h>
#include <string.h>

#include <ocf/ocf_obt_ams.h>

#include "rep/rep.h"

#define ACL2 "/oic/sec/acl2"
#define PSTAT "/oic/sec/pstat"

enum { GET = 1, POST = 2, DEL = 4 };

typedef enum phase {
  P_START = 0,
  P_RES,       /* ADD: GET /oic/res answered (selectors) */
  P_BEFORE,    /* ADD: GET acl2 answered (the aceids before) */
  P_POST,      /* ADD: POST of add[i] answered */
  P_AFTER,     /* ADD: GET acl2 answered (read the aceids back) */
  P_LIST,      /* LIST */
  P_DELETE,    /* REMOVE */
  P_POLICY,    /* STATE RFNOP: POST of default policy ACE i answered */
  P_DEVICE,    /* STATE RFNOP: GET /oic/d answered */
  P_ACL,       /* STATE RFNOP: GET acl2 answered */
  P_LEGACY,    /* STATE RFNOP: POST of the Table 2 ACE answered */
  P_TRIM,      /* STATE RFNOP: DELETE or POST of plan op i answered */
  P_PSTAT,     /* STATE: POST pstat answered */
  P_PSTAT_GET, /* STATE: GET pstat answered */
} phase;

/* --- job set-ups ------------------------------------------------------------------------------ */

ocf_err ocf_obt_ams_job_add(ocf_obt_ams_job *job, const ocf_obt_ace *aces, size_t n) {
  if (!job || !aces || n == 0 || n > sizeof job->add / sizeof job->add[0]) return OCF_ERR_INVALID_ARG;
  for (size_t i = 0; i < n; i++)
    if (ocf_obt_ace_check(&aces[i], NULL) != OCF_OK) return OCF_ERR_INVALID_ARG;
  memset(job, 0, sizeof *job);
  job->op = OCF_OBT_AMS_ADD;
  memcpy(job->add, aces, n * sizeof *aces);
  job->n_add = n;
  return OCF_OK;
}

void ocf_obt_ams_job_list(ocf_obt_ams_job *job) {
  if (!job) return;
  memset(job, 0, sizeof *job);
  job->op = OCF_OBT_AMS_LIST;
}

ocf_err ocf_obt_ams_job_remove(ocf_obt_ams_job *job, uint32_t aceid) {
  if (!job || aceid == 0 || aceid > 0x7fffffffu) return OCF_ERR_INVALID_ARG;
  memset(job, 0, sizeof *job);
  job->op = OCF_OBT_AMS_REMOVE;
  job->aceid = aceid;
  return OCF_OK;
}

ocf_err ocf_obt_ams_job_state(ocf_obt_ams_job *job, uint8_t target) {
  if (!job || target < 2 || target > 4) return OCF_ERR_INVALID_ARG; /* RFPRO, RFNOP, SRESET */
  memset(job, 0, sizeof *job);
  job->op = OCF_OBT_AMS_STATE;
  job->target = target;
  return OCF_OK;
}

/* --- requests and failures -------------------------------------------------------------------- */

static ocf_obt_prov_next send(ocf_obt_ams_job *j, phase next, ocf_obt_prov_request *req, uint8_t method,
                              const char *href, size_t body_len) {
  memset(req, 0, sizeof *req);
  req->method = method;
  (void)snprintf(req->href, sizeof req->href, "%s", href);
  req->body = body_len ? j->buf : NULL;
  req->len = body_len;
  j->phase = (uint8_t)next;
  return OCF_OBT_PROV_SEND;
}

static void printable_copy(char *out, size_t cap, const uint8_t *in, size_t len) {
  size_t n = 0;
  for (; in && n < len && n + 1 < cap; n++) out[n] = (in[n] < 0x20 || in[n] >= 0x7f) ? '?' : (char)in[n];
  out[n] = '\0';
}

static ocf_obt_prov_next failed(ocf_obt_prov_failure *f, const char *stage, const ocf_obt_prov_response *rsp,
                                ocf_err err, const char *diag, const char *advice) {
  memset(f, 0, sizeof *f);
  f->stage = stage;
  f->code = rsp ? rsp->code : 0;
  f->err = err;
  if (diag)
    (void)snprintf(f->diagnostic, sizeof f->diagnostic, "%s", diag);
  else if (rsp && rsp->code >= 400)
    printable_copy(f->diagnostic, sizeof f->diagnostic, rsp->payload, rsp->len); /* the device's */
  f->advice = advice;
  return OCF_OBT_PROV_FAIL;
}

/* The device's refusal, with what to do about it. */
static ocf_obt_prov_next refused(ocf_obt_prov_failure *f, const char *stage,
                                 const ocf_obt_prov_response *rsp) {
  uint16_t c = rsp->code;
  const char *advice = c == 401 || c == 403
                           ? "the device refuses the request in its state or for this tool: "
                             "acl2 is writable only in RFPRO and SRESET (obt state DEV rfpro)"
                       : c == 404 ? "the device has no such entry (obt acl list DEV)"
                       : c == 400 ? "the device refused it (see its diagnostic); ACLs change only in RFPRO "
                                    "or SRESET (obt state DEV rfpro)"
                       : c >= 500 ? "the device failed (its tables may be full)"
                                  : "unexpected answer";
  return failed(f, stage, rsp,
                c == 404  ? OCF_ERR_NOT_FOUND
                : c < 500 ? OCF_ERR_DENIED
                          : OCF_ERR_IO,
                NULL, advice);
}

/* POST answers: 2.04 (IoTivity-Lite), 2.01 / 2.03 (schemas, plgd): pitfall 11. */
static bool post_ok(const ocf_obt_prov_response *rsp) {
  return rsp->code == 201 || rsp->code == 203 || rsp->code == 204;
}

static ocf_obt_prov_next get_acl(ocf_obt_ams_job *j, const char *stage, const ocf_obt_prov_response *rsp,
                                 ocf_obt_prov_failure *f) {
  if (rsp->code != 205) return refused(f, stage, rsp);
  ocf_err err = ocf_obt_acl_parse(rsp->payload, rsp->len, &j->acl);
  if (err)
    return failed(f, stage, rsp, err, "the device's acl2 answer does not parse (or exceeds our caps)",
                  "the device's acl2 is not what SEC:acl2 describes");
  return OCF_OBT_PROV_SEND; /* go on */
}

static ocf_obt_prov_next post_aces(ocf_obt_ams_job *j, phase next, const ocf_obt_ace *a,
                                   ocf_obt_prov_request *req, ocf_obt_prov_failure *f, const char *stage) {
  size_t len;
  ocf_err err = ocf_obt_acl_encode_post(a, 1, j->buf, sizeof j->buf, &len);
  if (err)
    return failed(f, stage, NULL, err, "the ACE cannot be encoded", "check the ACE (obt acl add --help)");
  return send(j, next, req, POST, ACL2, len);
}

/* --- ADD -------------------------------------------------------------------------------------- */

static bool has_selector(const ocf_obt_ams_job *j) {
  for (size_t i = 0; i < j->n_add; i++)
    for (size_t k = 0; k < j->add[i].n_res; k++)
      if (j->add[i].res[k].kind == OCF_OBT_RES_RT || j->add[i].res[k].kind == OCF_OBT_RES_IF) return true;
  return false;
}

static bool same_content(const ocf_obt_ace *a, const ocf_obt_ace *b) {
  if (a->subject != b->subject || a->permission != b->permission || a->n_res != b->n_res ||
      a->n_validity != b->n_validity)
    return false;
  if (a->subject == OCF_OBT_SUBJECT_UUID && !ocf_uuid_equal(&a->uuid, &b->uuid)) return false;
  if (a->subject == OCF_OBT_SUBJECT_ROLE && (strcmp(a->role, b->role) || strcmp(a->authority, b->authority)))
    return false;
  for (size_t i = 0; i < a->n_res; i++)
    if (a->res[i].kind != b->res[i].kind || strcmp(a->res[i].text, b->res[i].text)) return false;
  for (size_t i = 0; i < a->n_validity; i++)
    if (strcmp(a->validity[i], b->validity[i])) return false;
  return true;
}

static bool was_before(const ocf_obt_ams_job *j, uint32_t id) {
  for (size_t i = 0; i < j->n_before; i++)
    if (j->before[i] == id) return true;
  return false;
}

/* Which ACE each of ours became: a new aceid with the same content, else an old one (the device
 * already held it: our device keeps an equal ACE instead of adding a twin, acl2.h). */
static void read_back(ocf_obt_ams_job *j) {
  for (size_t i = 0; i < j->n_add; i++)
    for (int pass = 0; pass < 2 && !j->added[i]; pass++)
      for (size_t k = 0; k < j->acl.n && !j->added[i]; k++)
        if (same_content(&j->add[i], &j->acl.ace[k]) && was_before(j, j->acl.ace[k].aceid) == (pass == 1)) {
          j->added[i] = j->acl.ace[k].aceid;
          j->added_existed[i] = pass == 1;
        }
}

static ocf_obt_prov_next step_add(ocf_obt_ams_job *j, const ocf_obt_prov_response *rsp,
                                  ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  switch ((phase)j->phase) {
  case P_START:
    if (has_selector(j)) return send(j, P_RES, req, GET, "/oic/res", 0);
    return send(j, P_BEFORE, req, GET, ACL2, 0);
  case P_RES:
    if (rsp->code != 205) return refused(f, "read /oic/res", rsp);
    for (size_t i = 0; i < j->n_add; i++) {
      const char *why = NULL;
      ocf_err err = ocf_obt_ace_resolve(&j->add[i], rsp->payload, rsp->len, &why);
      if (err)
        return failed(f, "resolve rt/if", rsp, err, why, "name the resources by href (obt acl add --help)");
    }
    return send(j, P_BEFORE, req, GET, ACL2, 0);
  case P_BEFORE:
    if (get_acl(j, "read acl2", rsp, f) == OCF_OBT_PROV_FAIL) return OCF_OBT_PROV_FAIL;
    j->n_before = j->acl.n;
    for (size_t i = 0; i < j->acl.n; i++) j->before[i] = j->acl.ace[i].aceid;
    for (size_t i = 0; i < j->n_add; i++) /* a replacement names an ACE the device holds */
      if (j->add[i].aceid && !was_before(j, j->add[i].aceid))
        return failed(f, "replace ACE", rsp, OCF_ERR_NOT_FOUND, "the device has no ACE with that aceid",
                      "obt acl list DEV shows the aceids");
    j->i = 0;
    return post_aces(j, P_POST, &j->add[0], req, f, "post acl2");
  case P_POST:
    /* validity is an optional ACE property (digest: oic.sec.ace2), but IoTivity-Lite decodes it
     * as unknown and refuses the whole update with 4.00 (docs/INTEROP.md): say so, since the
     * generic advice (the device's state) would send the user the wrong way. */
    if (rsp->code == 400 && j->add[j->i].n_validity)
      return failed(f, "post acl2", rsp, OCF_ERR_DENIED, NULL,
                    "the device refused an ACE with a validity period: some devices (IoTivity-Lite) "
                    "refuse every ACE that has one; add it without --validity");
    if (!post_ok(rsp)) return refused(f, "post acl2", rsp);
    if (++j->i < j->n_add) return post_aces(j, P_POST, &j->add[j->i], req, f, "post acl2");
    return send(j, P_AFTER, req, GET, ACL2, 0);
  case P_AFTER:
    if (get_acl(j, "read acl2 back", rsp, f) == OCF_OBT_PROV_FAIL) return OCF_OBT_PROV_FAIL;
    read_back(j);
    return OCF_OBT_PROV_DONE;
  default: return failed(f, "acl add", rsp, OCF_ERR_STATE, "step called out of order", NULL);
  }
}

/* --- STATE ------------------------------------------------------------------------------------ */

static ocf_obt_prov_next post_pstat(ocf_obt_ams_job *j, ocf_obt_prov_request *req) {
  ocf_rep_enc e;
  size_t len = 0;
  ocf_rep_enc_init(&e, j->buf, sizeof j->buf);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_map_open(&e, "dos"); /* OBT 5.2: {"dos":{"s":N}} */
  ocf_rep_enc_kv_int(&e, "s", j->target);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_map_close(&e);
  if (ocf_rep_enc_finish(&e, &len) != OCF_OK) len = 0; /* cannot happen: a few bytes into 4 KB */
  return send(j, P_PSTAT, req, POST, PSTAT, len);
}

/* The next trim of the plan, or the pstat POST once none is left. */
static ocf_obt_prov_next next_trim(ocf_obt_ams_job *j, ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  if (j->i >= j->plan.n) return post_pstat(j, req);
  const ocf_obt_acl_trim *t = &j->plan.op[j->i];
  if (!t->remove) return post_aces(j, P_TRIM, &t->replacement, req, f, "replace ACE");
  char href[48];
  (void)snprintf(href, sizeof href, ACL2 "?aceid=%u", (unsigned)t->aceid);
  return send(j, P_TRIM, req, DEL, href, 0);
}

static ocf_obt_prov_next after_device(ocf_obt_ams_job *j, const ocf_obt_prov_response *rsp,
                                      ocf_obt_prov_request *req) {
  /* Without /oic/d (no ACE lets the tool read it yet) the legacy check is skipped, and said. */
  j->icv_unknown = true;
  if (rsp->code == 205) {
    ocf_rep_node nodes[64];
    const ocf_rep_node *root = NULL;
    if (ocf_rep_decode(rsp->payload, rsp->len, NULL, nodes, 64, &root) == OCF_OK &&
        ocf_rep_get_text_cstr(ocf_rep_map_value(root, "icv"), j->icv, sizeof j->icv) == OCF_OK)
      j->icv_unknown = false;
  }
  return send(j, P_ACL, req, GET, ACL2, 0);
}

static ocf_obt_prov_next after_acl(ocf_obt_ams_job *j, const ocf_obt_prov_response *rsp,
                                   ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  if (get_acl(j, "read acl2", rsp, f) == OCF_OBT_PROV_FAIL) return OCF_OBT_PROV_FAIL;
  ocf_obt_acl_plan_rfnop(&j->acl, &j->plan);
  if (j->has_approved && !ocf_obt_acl_plan_equal(&j->plan, &j->approved))
    return failed(f, "rfnop precheck", NULL, OCF_ERR_STATE, "the device's ACL changed since it was shown",
                  "run the command again to see what would be removed now");
  j->i = 0;
  if (!j->icv_unknown && ocf_obt_icv_is_legacy(j->icv) && !ocf_obt_acl_has_legacy_owner(&j->acl)) {
    ocf_obt_ace legacy;
    ocf_obt_ace_legacy_owner(&legacy); /* OBT 5.5 Table 2 */
    return post_aces(j, P_LEGACY, &legacy, req, f, "legacy owner ACE");
  }
  return next_trim(j, req, f);
}

static ocf_obt_prov_next after_pstat_get(ocf_obt_ams_job *j, const ocf_obt_prov_response *rsp,
                                         ocf_obt_prov_failure *f) {
  if (rsp->code != 205) return refused(f, "read pstat", rsp);
  ocf_rep_node nodes[64];
  const ocf_rep_node *root = NULL;
  uint8_t s = 0;
  if (ocf_rep_decode(rsp->payload, rsp->len, NULL, nodes, 64, &root) != OCF_OK ||
      ocf_rep_get_uint8(ocf_rep_map_value(ocf_rep_map_value(root, "dos"), "s"), &s) != OCF_OK || s > 4)
    return failed(f, "read pstat", rsp, OCF_ERR_MALFORMED, "pstat without a readable dos.s", NULL);
  j->state_after = s;
  if (s != j->target)
    return failed(f, "read pstat", rsp, OCF_ERR_STATE, "the device is not in the state it accepted",
                  "read it again with obt acl list / obt show; the device may be pending (dos.p)");
  return OCF_OBT_PROV_DONE;
}

/* After the default policy (or without it): /oic/d for icv unless known, then acl2. */
static ocf_obt_prov_next read_device(ocf_obt_ams_job *j, ocf_obt_prov_request *req) {
  if (j->icv[0] == '\0') return send(j, P_DEVICE, req, GET, "/oic/d", 0);
  return send(j, P_ACL, req, GET, ACL2, 0);
}

static ocf_obt_prov_next step_rfnop_prep(ocf_obt_ams_job *j, const ocf_obt_prov_response *rsp,
                                         ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  ocf_obt_ace policy[3];
  size_t n_policy = ocf_obt_ams_default_policy(&j->tool, policy);
  switch ((phase)j->phase) {
  case P_START:
    j->i = 0;
    return j->default_policy ? post_aces(j, P_POLICY, &policy[0], req, f, "default policy")
                             : read_device(j, req);
  case P_POLICY:
    if (!post_ok(rsp)) return refused(f, "default policy", rsp);
    if (++j->i < n_policy) return post_aces(j, P_POLICY, &policy[j->i], req, f, "default policy");
    return read_device(j, req);
  case P_DEVICE: return after_device(j, rsp, req);
  case P_ACL: return after_acl(j, rsp, req, f);
  case P_LEGACY:
    if (!post_ok(rsp)) return refused(f, "legacy owner ACE", rsp);
    j->legacy_added = true;
    return next_trim(j, req, f);
  case P_TRIM:
    if (j->plan.op[j->i].remove ? rsp->code != 202 && rsp->code != 204 : !post_ok(rsp))
      return refused(f, j->plan.op[j->i].remove ? "delete ACE" : "replace ACE", rsp);
    j->i++;
    return next_trim(j, req, f);
  default: return failed(f, "rfnop precheck", rsp, OCF_ERR_STATE, "step called out of order", NULL);
  }
}

static ocf_obt_prov_next step_state(ocf_obt_ams_job *j, const ocf_obt_prov_response *rsp,
                                    ocf_obt_prov_request *req, ocf_obt_prov_failure *f) {
  switch ((phase)j->phase) {
  case P_START:
    if (j->target == 3) return step_rfnop_prep(j, rsp, req, f);
    return post_pstat(j, req);
  case P_PSTAT:
    if (!post_ok(rsp)) {
      if (rsp->code == 400)
        return failed(f, "post pstat", rsp, OCF_ERR_STATE, NULL,
                      "the device refuses this transition from its state (SRESET -> RFNOP is not allowed: go "
                      "through RFPRO) or its entry checks");
      return refused(f, "post pstat", rsp);
    }
    return send(j, P_PSTAT_GET, req, GET, PSTAT, 0);
  case P_PSTAT_GET: return after_pstat_get(j, rsp, f);
  default: return step_rfnop_prep(j, rsp, req, f);
  }
}

/* --- the step function -------------------------------------------------------------------------- */

ocf_obt_prov_next ocf_obt_ams_step(void *job_user, const ocf_obt_prov_response *rsp,
                                   ocf_obt_prov_request *req, ocf_obt_prov_failure *fail) {
  ocf_obt_ams_job *j = job_user;
  if (!j || !req || !fail) return OCF_OBT_PROV_FAIL;
  if (!rsp && j->phase != P_START)
    return failed(fail, "ams", NULL, OCF_ERR_STATE, "no answer to our request", NULL);
  if (rsp && j->phase == P_START)
    return failed(fail, "ams", rsp, OCF_ERR_STATE, "an answer before any request", NULL);
  switch (j->op) {
  case OCF_OBT_AMS_ADD: return step_add(j, rsp, req, fail);
  case OCF_OBT_AMS_LIST:
    if (j->phase == P_START) return send(j, P_LIST, req, GET, ACL2, 0);
    return get_acl(j, "read acl2", rsp, fail) == OCF_OBT_PROV_FAIL ? OCF_OBT_PROV_FAIL : OCF_OBT_PROV_DONE;
  case OCF_OBT_AMS_REMOVE:
    if (j->phase == P_START) {
      char href[48];
      (void)snprintf(href, sizeof href, ACL2 "?aceid=%u", (unsigned)j->aceid);
      return send(j, P_DELETE, req, DEL, href, 0);
    }
    if (rsp->code != 202 && rsp->code != 204) return refused(fail, "delete ACE", rsp); /* 2.02: pitfall 11 */
    return OCF_OBT_PROV_DONE;
  case OCF_OBT_AMS_STATE: return step_state(j, rsp, req, fail);
  default: return failed(fail, "ams", rsp, OCF_ERR_INVALID_ARG, "unknown job", NULL);
  }
}
