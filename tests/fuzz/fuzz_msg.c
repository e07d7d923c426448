/* libFuzzer target: arbitrary datagrams against a server context and a client context with
 * pending requests (unicast GET, Block1 POST, multicast GET), with the clock moving and
 * allocations failing on demand. Everything must end cleanly: no crash, no sanitizer report, and
 * no allocation left after destroy.
 *
 * Input: byte 0 = nth allocation to fail (0: none; bit 7: and every later one), then records
 *   [ctl][len_hi][len_lo][len bytes]
 * ctl bit 0: 0 = to the server, 1 = to the client
 *     bit 1: arrived by multicast
 *     bit 2: from the expected peer (else a stranger)
 *     bit 3: patch mid and token with those of the target's last sent datagram (so the fuzzer
 *            reaches response matching without guessing random tokens)
 *     bits 4-7: advance the clock by that many x 700 ms first. */
#include <stdlib.h>
#include <string.h>

#include "msg/msg.h"
#include "sim/sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct target {
  ocf_msg *m;
  uint8_t last[OCF_MSG_DATAGRAM_MAX];
  size_t last_len;
  uint32_t deferred[4];
  size_t n_deferred;
} target;

static void on_event(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  (void)user;
  (void)m;
  if (ev->type == OCF_MSG_EV_RESPONSE &&
      (!ev->response || (ev->response->payload_len && !ev->response->payload)))
    abort();
}

static void handler(void *user, ocf_msg *m, const ocf_msg_incoming *in) {
  static const uint8_t big[3000] = {1};
  target *t = user;
  uint8_t mode = in->request->payload_len ? in->request->payload[0] % 5 : 0;
  ocf_coap_msg rsp;
  ocf_coap_init(&rsp, OCF_COAP_ACK, mode == 4 ? OCF_COAP_NOT_FOUND : OCF_COAP_CONTENT, 0);
  if (mode == 2) {
    rsp.payload = big;
    rsp.payload_len = sizeof big;
  }
  if (mode == 1 && t->n_deferred < 4) {
    t->deferred[t->n_deferred++] = in->handle;
    return;
  }
  if (mode == 3) {
    ocf_msg_drop(m, in->handle);
    return;
  }
  (void)ocf_msg_respond(m, in->handle, &rsp, in->now);
}

static void drain(target *t) {
  ocf_endpoint to;
  uint8_t buf[OCF_MSG_DATAGRAM_MAX];
  size_t len;
  while ((len = ocf_msg_next_datagram(t->m, &to, buf, sizeof buf)) > 0) {
    if (len > OCF_MSG_DATAGRAM_MAX) abort();
    memcpy(t->last, buf, len);
    t->last_len = len;
  }
}

static ocf_endpoint endpoint(uint8_t last) {
  ocf_endpoint ep = {.family = OCF_IPV6, .port = (uint16_t)(40000 + last)};
  ep.addr[0] = 0x20;
  ep.addr[1] = 0x01;
  ep.addr[15] = last;
  return ep;
}

static void start_requests(target *cli, ocf_time_ms now) {
  static const uint8_t body[3000] = {2};
  ocf_endpoint srv = endpoint(2), group = {.family = OCF_IPV6, .port = 5683, .ifindex = 1};
  group.addr[0] = 0xff;
  group.addr[1] = 0x02;
  group.addr[15] = 0x58;
  ocf_coap_msg req;
  uint8_t scratch[32];
  ocf_coap_init(&req, OCF_COAP_CON, OCF_COAP_GET, 0);
  if (ocf_coap_set_uri_path_query(&req, "/oic/res", scratch, sizeof scratch)) abort();
  ocf_msg_request_params p = {.to = &srv, .n_to = 1, .cb = on_event};
  (void)ocf_msg_request(cli->m, &p, &req, now, NULL);
  p.to = &group;
  (void)ocf_msg_request(cli->m, &p, &req, now, NULL);
  p.to = &srv;
  req.code = OCF_COAP_POST;
  req.payload = body;
  req.payload_len = sizeof body;
  (void)ocf_msg_request(cli->m, &p, &req, now, NULL);
}

static void feed(target *t, const uint8_t *rec, size_t len, uint8_t ctl, ocf_time_ms now) {
  uint8_t dg[4096];
  memcpy(dg, rec, len);
  if ((ctl & 8) && len >= 4 && t->last_len >= 4) {
    uint8_t tkl = t->last[0] & 0x0f;
    dg[2] = t->last[2];
    dg[3] = t->last[3];
    if (tkl <= 8 && t->last_len >= 4u + tkl && len >= 4u + tkl) {
      dg[0] = (uint8_t)((dg[0] & 0xf0) | tkl);
      memcpy(dg + 4, t->last + 4, tkl);
    }
  }
  ocf_endpoint from = endpoint((ctl & 4) ? ((ctl & 1) ? 2 : 1) : 99);
  if (ctl & 2) from.flags |= OCF_EP_MULTICAST;
  (void)ocf_msg_handle_datagram(t->m, &from, dg, len, now);
}

static void finish(target *srv, target *cli, ocf_time_ms *now) {
  ocf_coap_msg rsp;
  ocf_coap_init(&rsp, OCF_COAP_ACK, OCF_COAP_CHANGED, 0);
  for (size_t i = 0; i < srv->n_deferred; i++) (void)ocf_msg_respond(srv->m, srv->deferred[i], &rsp, *now);
  /* Every exchange must end by itself: run the timers dry. */
  for (int i = 0; i < 200; i++) {
    ocf_time_ms a = ocf_msg_next_timeout(srv->m), b = ocf_msg_next_timeout(cli->m);
    ocf_time_ms t = a < b ? a : b;
    if (t == OCF_MSG_NO_TIMEOUT) return;
    if (t > *now) *now = t;
    ocf_msg_on_timeout(srv->m, *now);
    ocf_msg_on_timeout(cli->m, *now);
    drain(srv);
    drain(cli);
  }
  abort(); /* timers that never settle */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  ocf_sim_platform sp;
  ocf_sim_platform_init(&sp, 12345);
  sp.quiet = true;
  target srv = {0}, cli = {0};
  ocf_msg_config cfg;
  ocf_msg_config_default(&cfg);
  cfg.max_body = 8192;
  cfg.max_dedup = 16;
  cfg.max_block_states = 2;
  if (ocf_msg_create(&sp.pf, &cfg, &srv.m) || ocf_msg_create(&sp.pf, &cfg, &cli.m)) abort();
  ocf_msg_set_request_handler(srv.m, handler, &srv);
  ocf_time_ms now = 1000000;
  if (data[0] & 0x7f) ocf_sim_fail_alloc(&sp, data[0] & 0x7f, (data[0] & 0x80) != 0);
  start_requests(&cli, now);
  drain(&cli);
  size_t pos = 1;
  while (size - pos >= 3) {
    uint8_t ctl = data[pos];
    size_t len = ((size_t)data[pos + 1] << 8) | data[pos + 2];
    pos += 3;
    if (len > size - pos) len = size - pos;
    if (len > 4096) len = 4096;
    now += (ocf_time_ms)(ctl >> 4) * 700;
    target *t = (ctl & 1) ? &cli : &srv;
    feed(t, data + pos, len, ctl, now);
    pos += len;
    ocf_msg_on_timeout(srv.m, now);
    ocf_msg_on_timeout(cli.m, now);
    drain(&srv);
    drain(&cli);
  }
  ocf_sim_fail_alloc(&sp, 0, false);
  finish(&srv, &cli, &now);
  ocf_msg_destroy(srv.m);
  ocf_msg_destroy(cli.m);
  if (sp.live != 0) abort(); /* leaked through the platform allocator */
  return 0;
}
