/* The RFPRO bracket (<ocf/ocf_obt_prov.h>): a step function that runs another job's step with the
 * device in RFPRO and puts a device that was in RFNOP back there at the end. Credentials and ACLs
 * change only in RFPRO or SRESET (digest §3.3: a device in RFNOP refuses such writes), so pairing,
 * OSCORE contexts and group provisioning bracket their writes with it, as the ACE edit job of
 * obt apply does (policy_steps.c). Pure: the answers in, the next request out. */
#include <stdio.h>
#include <string.h>

#include <ocf/ocf_obt_prov.h>

#include "rep/rep.h"

#define PSTAT "/oic/sec/pstat"

enum { W_START = 0, W_PSTAT, W_TO_RFPRO, W_INNER, W_BACK, W_OVER };

void ocf_obt_rfpro_init(ocf_obt_rfpro *w, ocf_obt_prov_step inner, void *inner_user) {
  if (!w) return;
  memset(w, 0, sizeof *w);
  w->inner = inner;
  w->inner_user = inner_user;
}

static ocf_obt_prov_next wfail(ocf_obt_rfpro *w, ocf_obt_prov_failure *f, const char *stage,
                               const ocf_obt_prov_response *rsp, ocf_err err, const char *diag,
                               const char *advice) {
  memset(f, 0, sizeof *f);
  f->stage = stage;
  f->code = rsp ? rsp->code : 0;
  f->err = err;
  (void)snprintf(f->diagnostic, sizeof f->diagnostic, "%s", diag);
  f->advice = advice;
  w->phase = W_OVER;
  return OCF_OBT_PROV_FAIL;
}

/* POST pstat {"dos":{"s":s}} (OBT 5.2). */
static ocf_obt_prov_next post_dos(ocf_obt_rfpro *w, uint8_t s, uint8_t next, ocf_obt_prov_request *req) {
  ocf_rep_enc e;
  size_t len = 0;
  ocf_rep_enc_init(&e, w->body, sizeof w->body);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_map_open(&e, "dos");
  ocf_rep_enc_kv_int(&e, "s", s);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_map_close(&e);
  if (ocf_rep_enc_finish(&e, &len) != OCF_OK) len = 0;
  memset(req, 0, sizeof *req);
  req->method = 2;
  (void)snprintf(req->href, sizeof req->href, "%s", PSTAT);
  req->body = len ? w->body : NULL;
  req->len = len;
  w->phase = next;
  return OCF_OBT_PROV_SEND;
}

/* Calls the inner step; at its end, back to RFNOP first when the device was there. */
static ocf_obt_prov_next inner(ocf_obt_rfpro *w, const ocf_obt_prov_response *rsp, ocf_obt_prov_request *req,
                               ocf_obt_prov_failure *f) {
  w->phase = W_INNER;
  ocf_obt_prov_next n = w->inner(w->inner_user, rsp, req, f);
  if (n == OCF_OBT_PROV_SEND) return n;
  if (!w->was_rfnop) {
    w->phase = W_OVER;
    return n;
  }
  w->end = n;
  if (n == OCF_OBT_PROV_FAIL) w->end_fail = *f;
  return post_dos(w, 3, W_BACK, req);
}

static bool post_ok(const ocf_obt_prov_response *rsp) { /* pitfall 11: 2.01, 2.03, 2.04 */
  return rsp->code == 201 || rsp->code == 203 || rsp->code == 204;
}

ocf_obt_prov_next ocf_obt_rfpro_step(void *user, const ocf_obt_prov_response *rsp, ocf_obt_prov_request *req,
                                     ocf_obt_prov_failure *fail) {
  ocf_obt_rfpro *w = user;
  if (!w || !req || !fail) return OCF_OBT_PROV_FAIL;
  if (!w->inner || (!rsp) != (w->phase == W_START) || w->phase == W_OVER)
    return wfail(w, fail, "step", rsp, OCF_ERR_STATE, "step called out of order", "a bug in obt: report it");
  switch (w->phase) {
  case W_START:
    memset(req, 0, sizeof *req);
    req->method = 1;
    (void)snprintf(req->href, sizeof req->href, "%s", PSTAT);
    w->phase = W_PSTAT;
    return OCF_OBT_PROV_SEND;
  case W_PSTAT: {
    ocf_rep_node nodes[64];
    const ocf_rep_node *root = NULL;
    uint8_t s = 0;
    if (rsp->code != 205 || ocf_rep_decode(rsp->payload, rsp->len, NULL, nodes, 64, &root) != OCF_OK ||
        ocf_rep_get_uint8(ocf_rep_map_value(ocf_rep_map_value(root, "dos"), "s"), &s) != OCF_OK)
      return wfail(w, fail, "read pstat", rsp, rsp->code == 205 ? OCF_ERR_MALFORMED : OCF_ERR_DENIED,
                   rsp->code == 205 ? "pstat without a readable dos.s" : "the device did not show its pstat",
                   "check the device's state (obt show UUID)");
    if (s == 3) { /* RFNOP: to RFPRO for the writes (digest §3.3) */
      w->was_rfnop = true;
      return post_dos(w, 2, W_TO_RFPRO, req);
    }
    return inner(w, NULL, req, fail);
  }
  case W_TO_RFPRO:
    if (!post_ok(rsp)) {
      w->was_rfnop = false; /* it stayed in RFNOP: nothing to go back from */
      return wfail(w, fail, "move to RFPRO", rsp, rsp->code >= 500 ? OCF_ERR_IO : OCF_ERR_DENIED,
                   "the device refused to leave RFNOP", "check the device's state (obt show UUID)");
    }
    return inner(w, NULL, req, fail);
  case W_INNER: return inner(w, rsp, req, fail);
  case W_BACK:
    w->phase = W_OVER;
    if (!post_ok(rsp)) {
      w->back_failed = true;
      if (w->end == OCF_OBT_PROV_FAIL) { /* the inner failure is the one to report */
        *fail = w->end_fail;
        return OCF_OBT_PROV_FAIL;
      }
      return wfail(w, fail, "back to RFNOP", rsp, OCF_ERR_DENIED, "the device refused to go back to RFNOP",
                   "the device stays in RFPRO: obt state UUID rfnop");
    }
    if (w->end == OCF_OBT_PROV_FAIL) *fail = w->end_fail;
    return w->end;
  default:
    return wfail(w, fail, "step", rsp, OCF_ERR_STATE, "step called out of order", "a bug in obt: report it");
  }
}
