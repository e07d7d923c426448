/* /switch: a binary switch, the one application resource of the reference device. */
#include "switch.h"

static void encode_state(const app_switch *sw, const ocf_request *req, ocf_rep_enc *rsp) {
  ocf_rep_enc_map_open(rsp);
  ocf_request_encode_baseline(req, rsp);
  ocf_rep_enc_kv_bool(rsp, "value", sw->value);
  ocf_rep_enc_map_close(rsp);
}

static ocf_status switch_get(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  encode_state(user, req, rsp);
  return OCF_STATUS_CONTENT;
}

/* The whole body is checked before the state changes: exactly one property, "value", a bool. */
static ocf_status switch_post(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  app_switch *sw = user;
  const ocf_rep_node *body = ocf_request_body(req);
  bool value;
  if (ocf_rep_get_bool(ocf_rep_map_value(body, "value"), &value) != OCF_OK || ocf_rep_count(body) != 1)
    return OCF_STATUS_BAD_REQUEST;
  sw->value = value;
  encode_state(sw, req, rsp);
  return OCF_STATUS_CHANGED;
}

ocf_err app_switch_register(ocf_device *d, app_switch *sw) {
  static const char *const types[] = {"oic.r.switch.binary"};
  static const char *const interfaces[] = {"oic.if.a", "oic.if.baseline"};
  ocf_resource_def def = {
      .href = "/switch",
      .types = types,
      .n_types = 1,
      .interfaces = interfaces,
      .n_interfaces = 2,
      .flags = OCF_RES_DISCOVERABLE, /* not observable: Observe is not served yet */
      .get = switch_get,
      .post = switch_post,
      .user = sw,
  };
  return ocf_device_add_resource(d, &def);
}
