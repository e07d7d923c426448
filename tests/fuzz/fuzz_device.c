/* libFuzzer target: arbitrary datagrams against a device (core resources, the reference
 * device's /switch, and a resource with every method), unicast or multicast, plain or marked
 * secure, with the clock moving and allocations failing on demand. Everything must end
 * cleanly: no crash, no sanitizer report, no allocation left after destroy.
 *
 * Input: byte 0 = nth allocation to fail after creation (0: none; bit 7: and every later one),
 * then records [ctl][len_hi][len_lo][len bytes]:
 *   ctl bit 0: arrived by multicast;  bit 1: marked OCF_EP_SECURE;  bit 2: over IPv4
 *       bits 4-7: advance the clock by that many x 700 ms first. */
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_device.h>

#include "sim/sim.h"
#include "switch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ocf_status echo(void *user, const ocf_request *req, ocf_rep_enc *rsp) {
  (void)user;
  const ocf_rep_node *body = ocf_request_body(req);
  char text[16];
  ocf_rep_enc_map_open(rsp);
  ocf_request_encode_baseline(req, rsp);
  ocf_rep_enc_kv_int(rsp, "items", (int64_t)ocf_rep_count(body));
  if (ocf_rep_get_text_cstr(ocf_rep_map_value(body, "t"), text, sizeof text) == OCF_OK)
    ocf_rep_enc_kv_text(rsp, "t", text);
  ocf_rep_enc_map_close(rsp);
  return ocf_request_method(req) == OCF_METHOD_GET ? OCF_STATUS_CONTENT : OCF_STATUS_CHANGED;
}

static void drain(ocf_engine e) {
  uint8_t buf[1500];
  ocf_endpoint to;
  while (e.ops->next_datagram(e.ctx, &to, buf, sizeof buf) > 0) {
  }
}

static void feed(ocf_engine e, const uint8_t *data, size_t size, ocf_time_ms *now) {
  size_t pos = 1;
  while (pos + 3 <= size) {
    uint8_t ctl = data[pos];
    size_t len = ((size_t)data[pos + 1] << 8) | data[pos + 2];
    pos += 3;
    if (len > size - pos) len = size - pos;
    *now += (ocf_time_ms)(ctl >> 4) * 700;
    ocf_endpoint from = {.family = (ctl & 4) ? OCF_IPV4 : OCF_IPV6, .port = 40000, .ifindex = 1};
    from.addr[0] = (ctl & 4) ? 10 : 0xfd;
    from.addr[(ctl & 4) ? 3 : 15] = 2;
    if (ctl & 1) from.flags |= OCF_EP_MULTICAST;
    if (ctl & 2) from.flags |= OCF_EP_SECURE;
    e.ops->on_timeout(e.ctx, *now);
    e.ops->handle_datagram(e.ctx, &from, data + pos, len, *now);
    drain(e);
    pos += len;
  }
  *now += 300000; /* let every pending exchange and cache expire */
  e.ops->on_timeout(e.ctx, *now);
  drain(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  ocf_sim_platform sp;
  ocf_sim_platform_init(&sp, 99);
  sp.quiet = true;
  ocf_device *d = NULL;
  if (ocf_device_create(&sp.pf, NULL, &d) != OCF_OK) abort();
  app_switch sw = {.value = false};
  static const char *const rt[] = {"x.echo"};
  static const char *const ifs[] = {"oic.if.rw", "oic.if.r"};
  ocf_resource_def def = {.href = "/echo",
                          .types = rt,
                          .n_types = 1,
                          .interfaces = ifs,
                          .n_interfaces = 2,
                          .flags = OCF_RES_DISCOVERABLE | OCF_RES_SECURE,
                          .get = echo,
                          .post = echo,
                          .del = echo};
  ocf_endpoint eps[2] = {{.family = OCF_IPV6, .port = 40001, .ifindex = 1, .addr = {0xfe, 0x80, [15] = 1}},
                         {.family = OCF_IPV4, .port = 40002, .addr = {10, 0, 0, 1}, .flags = OCF_EP_SECURE}};
  if (app_switch_register(d, &sw) != OCF_OK || ocf_device_add_resource(d, &def) != OCF_OK ||
      ocf_device_set_endpoints(d, eps, 2) != OCF_OK)
    abort();
  if (data[0] & 0x7f) ocf_sim_fail_alloc(&sp, data[0] & 0x7f, (data[0] & 0x80) != 0);
  ocf_time_ms now = 1000000;
  feed(ocf_device_engine(d), data, size, &now);
  ocf_sim_fail_alloc(&sp, 0, false);
  ocf_device_destroy(d);
  if (sp.live != 0) abort(); /* leaked through the platform allocator */
  return 0;
}
