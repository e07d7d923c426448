/* obt discover --verify (discover_verify.h): one provisioning job per device (prov_cli.h) whose
 * step reads /oic/sec/doxm over the owner session and checks it. */
#include "discover_verify.h"

#include <stdlib.h>
#include <string.h>

#include "prov_cli.h"

typedef struct verify_job {
  ocf_uuid uuid, tool;
  obt_verify_result *out;
} verify_job;

static ocf_obt_prov_next verify_step(void *user, const ocf_obt_prov_response *rsp, ocf_obt_prov_request *req,
                                     ocf_obt_prov_failure *fail) {
  verify_job *j = user;
  if (!rsp) {
    req->method = 1; /* GET */
    snprintf(req->href, sizeof req->href, "/oic/sec/doxm");
    return OCF_OBT_PROV_SEND;
  }
  fail->stage = "read doxm";
  fail->code = rsp->code;
  fail->err = OCF_ERR_MALFORMED;
  fail->advice = "check the device with obt show; reset it if it is no longer ours";
  if (rsp->code != 205 || ocf_obt_doxm_parse(rsp->payload, rsp->len, &j->out->doxm) != OCF_OK) {
    snprintf(fail->diagnostic, sizeof fail->diagnostic, "no readable doxm over the owner session");
    return OCF_OBT_PROV_FAIL;
  }
  j->out->has_doxm = true;
  const ocf_obt_doxm *d = &j->out->doxm;
  /* S003 5.3.1 steps 7-11: our DOTS wrote devowneruuid = its own uuid and owned = true, and
   * gave the device the uuid the store keeps. */
  const char *wrong = !d->owned                                     ? "doxm says not owned"
                      : !ocf_uuid_equal(&d->devowneruuid, &j->tool) ? "doxm devowneruuid is not this tool"
                      : !ocf_uuid_equal(&d->deviceuuid, &j->uuid)   ? "doxm deviceuuid is not the store's"
                                                                    : NULL;
  if (wrong) {
    fail->err = OCF_ERR_STATE;
    snprintf(fail->diagnostic, sizeof fail->diagnostic, "%s", wrong);
    return OCF_OBT_PROV_FAIL;
  }
  return OCF_OBT_PROV_DONE;
}

static int run_jobs(obt_lc_opts *lo, ocf_obt_store *s, const ocf_obt_domain *dom, const ocf_uuid *uuids,
                    size_t n, obt_verify_result *out) {
  verify_job *vj = calloc(n, sizeof *vj);
  obt_prov_cli_job *jobs = calloc(n, sizeof *jobs);
  obt_prov_cli_result *res = calloc(n, sizeof *res);
  int rc = vj && jobs && res ? -1 : OBT_EXIT_SYSTEM;
  obt_prov_cli *c = NULL;
  if (rc < 0) rc = obt_prov_cli_open("discover", lo, s, uuids, n, &c);
  for (size_t i = 0; rc < 0 && i < n; i++) {
    vj[i] = (verify_job){.uuid = uuids[i], .tool = dom->tool_uuid, .out = &out[i]};
    jobs[i] = (obt_prov_cli_job){.uuid = uuids[i], .step = verify_step, .user = &vj[i]};
  }
  if (rc < 0) {
    obt_prov_cli_run_params p = {.what = "verify", .jobs = jobs, .n_jobs = n, .results = res};
    int run = obt_prov_cli_run(c, &p);
    if (run == OBT_EXIT_SYSTEM) rc = run;
  }
  for (size_t i = 0; rc < 0 && i < n; i++) {
    out[i].verified = res[i].ok;
    if (!res[i].ok)
      snprintf(out[i].why, sizeof out[i].why, "%.40s: %s", res[i].failure.stage ? res[i].failure.stage : "?",
               res[i].failure.diagnostic);
  }
  if (c) obt_prov_cli_close(c);
  free(vj);
  free(jobs);
  free(res);
  return rc;
}

int obt_discover_verify(const obt_verify_opts *o, const ocf_uuid *uuids, size_t n, obt_verify_result *out) {
  memset(out, 0, n * sizeof *out);
  if (n == 0) return -1;
  obt_lc_opts lo = {.net = o->net,
                    .store = o->store,
                    .key_file = o->key_file,
                    .pass_env = o->pass_env,
                    .window = 1000, /* owned devices seldom answer anonymously: the store's address */
                    .timeout_s = o->timeout_s ? o->timeout_s : 10};
  lo.net.secure = true;
  ocf_obt_store *s = NULL;
  ocf_obt_domain dom;
  int rc = obt_store_open_cli("discover", o->store, true, o->key_file, o->pass_env, &s, &dom);
  if (rc < 0) rc = run_jobs(&lo, s, &dom, uuids, n, out);
  ocf_obt_store_close(s);
  return rc;
}
