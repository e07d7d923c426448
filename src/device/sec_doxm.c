/* /oic/sec/doxm on the device (digest 2.1, 1.7; CR 2640).
 *
 * Access control has already applied rule 0 of svr/acl_decide.h to a multicast GET: it reaches
 * this handler only in RFOTM with no DOC open; anything else was silent. What remains is the
 * owned query (S001 7.3.1; digest 1.6, 1.7, pitfall 21), compared ignoring case in key and
 * value:
 *   absent, or equal to the device's owned flag      answer
 *   different, or neither true nor false              multicast: silent; unicast: 4.00
 * Replies to a multicast request go out after msg's random leisure (RFC 7252 8.2; msg's
 * multicast_leisure_ms, from the platform's random source), and errors to it never go out. */
#include <string.h>

#include "base/log.h"
#include "device/sec.h"
#include "device/sec_dtls.h"

#define LOG_MODULE "device"

ocf_status sec_refuse(const ocf_device *d, const ocf_request *req, const ocf_svr_report *r) {
  ocf_status st = ocf_svr_report_status(r);
  ocf_log(&d->pf, OCF_LOG_DEBUG, LOG_MODULE, "%s %s refused: %s at \"%s\": %s",
          req->method == OCF_METHOD_DELETE ? "DELETE" : "POST", req->res->href, ocf_svr_ekind_name(r->kind),
          r->where, r->why ? r->why : "");
  return st == OCF_STATUS_CHANGED ? OCF_STATUS_INTERNAL_SERVER_ERROR : st;
}

unsigned sec_enc_flags(const ocf_request *req) {
  return ocf_request_is_baseline(req) ? OCF_SVR_ENC_BASELINE : 0;
}

/* Whether every owned query of a GET names the device's owned flag (a bad value never does). */
static bool owned_query_ok(const ocf_svr_doxm *m, const ocf_request *req) {
  const char *v;
  size_t len;
  for (size_t nth = 0; ocf_request_query(req, "owned", nth, &v, &len); nth++) {
    bool matches = false;
    if (ocf_svr_doxm_owned_query(m, v, len, &matches) != OCF_OK || !matches) return false;
  }
  return true;
}

static ocf_status doxm_get(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  ocf_device *d = user;
  const ocf_svr_doxm *m = &d->sec->cur->doxm;
  if (!owned_query_ok(m, req))
    return ocf_request_peer(req)->multicast ? OCF_STATUS_IGNORE : OCF_STATUS_BAD_REQUEST;
  ocf_svr_doxm_encode(m, sec_enc_flags(req), rsp);
  return OCF_STATUS_CONTENT;
}

static ocf_status doxm_post(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  ocf_device *d = user;
  (void)rsp;
  ocf_svr_ctx ctx = sec_ctx(d, req);
  ocf_svr_report r;
  sec_models *next = sec_begin(d);
  if (ocf_svr_doxm_decode_update(&d->sec->cur->doxm, ocf_request_body(req), &ctx, &next->doxm, &r) != OCF_OK)
    return sec_refuse(d, req, &r);
  if (sec_commit(d, SEC_BLOB_DOXM) != OCF_OK) return OCF_STATUS_INTERNAL_SERVER_ERROR;
  if (r.changed & OCF_SVR_DOXM_CHG_OXMSEL) {
    /* Digest 2.1, 4.3: a write of oxmsel is when a Random PIN device shows a NEW PIN. */
    ocf_device_event ev = {.type = OCF_DEVICE_EV_OTM_SELECTED, .otm = d->sec->cur->doxm.oxmsel};
    device_dtls_otm_selected(d, &ev);
    sec_event(d, &ev);
  }
  return OCF_STATUS_CHANGED;
}

ocf_err device_sec_add_doxm(ocf_device *d) {
  static const char *const rt[] = {"oic.r.doxm"};
  static const char *const ifs[] = {"oic.if.rw", "oic.if.baseline"};
  const ocf_resource_def def = {
      .href = "/oic/sec/doxm",
      .types = rt,
      .n_types = 1,
      .interfaces = ifs,
      .n_interfaces = 2,
      .flags = OCF_RES_DISCOVERABLE | DEVICE_RES_PLAIN_IN_RFOTM,
      .get = doxm_get,
      .post = doxm_post,
      .user = d,
  };
  return device_add_kind(d, &def, DEVICE_RES_SVR);
}
