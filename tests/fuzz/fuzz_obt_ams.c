/* libFuzzer target for the AMS (src/obt/ams*.c, ADR 0021): a device whose every answer the
 * input chooses. Invariants on every input:
 *  - ocf_obt_acl_parse either fails with its output cleared, or yields ACEs within the caps
 *    whose plan, description and re-encoding (as a POST) work;
 *  - a job driven by ocf_obt_ams_step ends (DONE or FAIL with a stage) within the answers given,
 *    every request it asks for has a method, an href starting with "/" and a body it owns; so
 *    does a list job inside the RFPRO bracket (ocf_obt_rfpro_step, ADR 0023), which parses the
 *    device's pstat answer itself.
 *
 * Input: byte 0 picks the job (list, add with an rt selector, RFNOP with or without the default
 * policy, RFPRO, remove, a list inside the RFPRO bracket); the rest is a sequence of answers, each: code byte
 * (mapped onto 2.01..5.03), two length bytes (big-endian), payload. The whole rest is also given to the acl2
 * parser as one answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_obt_ams.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t CODES[] = {201, 202, 203, 204, 205, 400, 401, 403, 404, 405, 500, 503};

static void check_acl(const uint8_t *p, size_t n) {
  static ocf_obt_acl acl;
  static ocf_obt_acl_plan plan;
  static uint8_t buf[OCF_OBT_AMS_PAYLOAD_MAX];
  static char text[65536];
  if (ocf_obt_acl_parse(p, n, &acl) != OCF_OK) {
    if (acl.n != 0) abort();
    return;
  }
  if (acl.n > OCF_OBT_AMS_MAX_ACES) abort();
  for (size_t i = 0; i < acl.n; i++) {
    if (acl.ace[i].n_res > OCF_OBT_AMS_MAX_RES || acl.ace[i].aceid == 0) abort();
    (void)ocf_obt_ace_describe(&acl.ace[i], text, sizeof text);
    size_t len;
    if (acl.ace[i].permission && acl.ace[i].n_res)
      (void)ocf_obt_acl_encode_post(&acl.ace[i], 1, buf, sizeof buf, &len);
  }
  ocf_obt_acl_plan_rfnop(&acl, &plan);
  if (plan.n > acl.n) abort();
  for (size_t i = 0; i < plan.n; i++)
    for (size_t k = 0; k < plan.op[i].replacement.n_res; k++)
      if (ocf_obt_href_is_svr(plan.op[i].replacement.res[k].text) &&
          plan.op[i].replacement.res[k].kind == OCF_OBT_RES_HREF)
        abort(); /* OBT 5.2: no SVR left in a trimmed ACE */
  (void)ocf_obt_acl_plan_describe(&plan, text, sizeof text);
  (void)ocf_obt_acl_has_legacy_owner(&acl);
}

static void setup_job(ocf_obt_ams_job *j, uint8_t pick) {
  ocf_obt_ace a;
  ocf_uuid tool = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}};
  switch (pick % 7) {
  case 0:
  case 6: ocf_obt_ams_job_list(j); break;
  case 1:
    ocf_obt_ace_auth_wildcard(&a, 6);
    (void)ocf_obt_ace_parse_resources("rt:oic.r.switch.binary,if:oic.if.a", &a, NULL);
    if (ocf_obt_ams_job_add(j, &a, 1) != OCF_OK) abort();
    break;
  case 2:
  case 3:
    if (ocf_obt_ams_job_state(j, 3) != OCF_OK) abort();
    j->default_policy = pick % 7 == 3;
    j->tool = tool;
    break;
  case 4:
    if (ocf_obt_ams_job_state(j, 2) != OCF_OK) abort();
    break;
  default:
    if (ocf_obt_ams_job_remove(j, 7) != OCF_OK) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static ocf_obt_ams_job job;
  static ocf_obt_rfpro wrap;
  if (size < 1) return 0;
  check_acl(data + 1, size - 1);
  setup_job(&job, data[0]);
  ocf_obt_prov_step step = ocf_obt_ams_step;
  void *user = &job;
  if (data[0] % 7 == 6) {
    ocf_obt_rfpro_init(&wrap, ocf_obt_ams_step, &job);
    step = ocf_obt_rfpro_step;
    user = &wrap;
  }
  const uint8_t *p = data + 1, *end = data + size;
  ocf_obt_prov_request req;
  ocf_obt_prov_failure f;
  ocf_obt_prov_response rsp;
  const ocf_obt_prov_response *last = NULL;
  for (int steps = 0;; steps++) {
    ocf_obt_prov_next next = step(user, last, &req, &f);
    if (next == OCF_OBT_PROV_DONE) return 0;
    if (next == OCF_OBT_PROV_FAIL) {
      if (!f.stage) abort();
      return 0;
    }
    if (next != OCF_OBT_PROV_SEND || steps > 200) abort(); /* bounded: no job loops */
    if (req.method < 1 || req.method > 4 || req.href[0] != '/' || (req.len && !req.body)) abort();
    if (end - p < 3) return 0; /* the device went silent */
    size_t len = (size_t)p[1] << 8 | p[2];
    rsp.code = CODES[p[0] % (sizeof CODES / sizeof CODES[0])];
    p += 3;
    if (len > (size_t)(end - p)) len = (size_t)(end - p);
    rsp.payload = len ? p : NULL;
    rsp.len = len;
    p += len;
    last = &rsp;
  }
}
