/* libFuzzer target: arbitrary datagrams against a device (core resources, every Security
 * Virtual Resource, the reference device's /switch, and a resource with every method), unicast
 * or multicast, plain or marked secure, with DTLS sessions of any kind opened and closed through
 * the security seam (the device runs with the secure bypass, so secure requests need no real
 * DTLS and reach the SVR handlers over the DOC or as an authenticated peer), state saved to an
 * in-memory store, the clock moving and allocations failing on demand. Everything must end
 * cleanly: no crash, no sanitizer report, no allocation left after destroy.
 *
 * Input: byte 0 = nth allocation to fail after creation (0: none; bit 7: and every later one),
 * then records [ctl][len_hi][len_lo][len bytes]:
 *   ctl bit 0: arrived by multicast;  bit 1: marked OCF_EP_SECURE;  bit 2: over IPv4
 *       bit 3: not a datagram but a session event, by the first byte of the record: 0 the
 *              sender's session closes, 1 an anonymous (Just Works) session, 2 a PSK session
 *              whose uuid is the next 16 bytes, 3 a certificate session (same), 4 a factory reset
 *       bits 4-7: advance the clock by that many x 700 ms first. */
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_device.h>

#include "device/sec.h"
#include "sim/sim.h"
#include "store/memory/memory.h"
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

static void session_event(ocf_device *d, const ocf_endpoint *from, const uint8_t *rec, size_t len,
                          ocf_time_ms now) {
  sec_peer p = {.ep = *from};
  p.ep.flags = OCF_EP_SECURE;
  uint8_t kind = len ? rec[0] % 5 : 0;
  if (kind == 0) {
    device_sec_session_closed(d, &p.ep, now);
  } else if (kind == 4) {
    (void)ocf_device_factory_reset(d, now);
  } else {
    p.auth = kind == 1 ? OCF_ACL_AUTH_ANON_DTLS : kind == 2 ? OCF_ACL_AUTH_PSK : OCF_ACL_AUTH_CERT;
    p.has_uuid = kind != 1;
    for (size_t i = 0; p.has_uuid && i < 16 && i + 1 < len; i++) p.uuid.b[i] = rec[i + 1];
    (void)device_sec_session_established(d, &p, now);
  }
}

static void feed(ocf_device *d, ocf_engine e, const uint8_t *data, size_t size, ocf_time_ms *now) {
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
    if (ctl & 8)
      session_event(d, &from, data + pos, len, *now);
    else
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
  ocf_sim_platform sp, store_pf;
  ocf_sim_platform_init(&sp, 99);
  ocf_sim_platform_init(&store_pf, 98);
  sp.quiet = store_pf.quiet = true;
  ocf_mem_medium *medium = NULL;
  ocf_store *store = NULL;
  ocf_store_config scfg;
  ocf_store_config_init(&scfg);
  scfg.protection = OCF_STORE_DIGEST;
  /* Above the largest SVR blob (a full cred or acl2 stays below 100 KiB, apps/ocf-device), but
   * not ocf-device's 1 MiB: every run allocates, fills and wipes these buffers, and at 1 MiB that
   * alone held the target to a few runs per second. */
  scfg.max_record = 128u << 10;
  if (ocf_mem_medium_new(&store_pf.pf, 32, 128u << 10, &medium) != OCF_OK) abort();
  ocf_store_medium port = ocf_mem_medium_port(medium);
  if (ocf_store_open(&port, &scfg, &store_pf.pf, &store) != OCF_OK) abort();
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
  cfg.otms[1] = OCF_DEVICE_OTM_RANDOM_PIN;
  cfg.otms[2] = OCF_DEVICE_OTM_MFG_CERT;
  cfg.n_otms = 3;
  cfg.sct = 9;
  cfg.store = store;
  ocf_device *d = NULL;
  if (ocf_device_create(&sp.pf, &cfg, &d) != OCF_OK) abort();
  device_set_secure_bypass(d, true);
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
  feed(d, ocf_device_engine(d), data, size, &now);
  ocf_sim_fail_alloc(&sp, 0, false);
  ocf_device_destroy(d);
  ocf_store_close(store);
  ocf_mem_medium_free(medium);
  if (sp.live != 0 || store_pf.live != 0) abort(); /* leaked through the platform allocator */
  return 0;
}
