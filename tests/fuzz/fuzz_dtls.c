/* libFuzzer target: arbitrary datagrams against a DTLS server context (PSK suite 0xC037) and a
 * client context with a handshake under way, the clock moving, allocations failing on demand and
 * the owner calling send and close in between. Everything must end cleanly: no crash, no
 * sanitizer report, timers that settle, and no allocation left after destroy.
 *
 * Input: byte 0 = nth allocation of the server to fail (0: none; bit 7: and every later one),
 * then records [ctl][len_hi][len_lo][len bytes]:
 *   ctl bits 0-1: 0 = datagram to the server from peer A, 1 = from peer B, 2 = datagram to the
 *                 client from the server's address, 3 = an owner action chosen by byte 0 of the
 *                 record (close A, send to A, send from the client, nothing)
 *       bit 2:    patch a ClientHello's 32-byte cookie with the last one the server sent to that
 *                 peer (so the fuzzer gets past HelloVerifyRequest without forging HMACs)
 *       bits 4-7: advance the clock by that many x 500 ms first and run the timers.
 * Seeds (tests/fuzz/corpus/fuzz_dtls) come from gen_fuzz_dtls_seeds: a real handshake against
 * this very server, with application data and close_notify. */
#include "fuzz_dtls_setup.h"

#include "dtls/hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct harness {
  ocf_dtls_ctx *srv, *cli;
  uint8_t cookie[2][OCF_DTLS_COOKIE_LEN];
  bool have_cookie[2];
} harness;

static void on_data(void *user, ocf_dtls_ctx *d, const ocf_dtls_session_info *info, const uint8_t *data,
                    size_t len) {
  (void)user;
  if (!info->established || !len || !data) abort();
  /* Answer like a CoAP server would, from inside the callback. */
  (void)ocf_dtls_send(d, &info->peer, data, len < 64 ? len : 64, 0);
}

static void on_event(void *user, ocf_dtls_ctx *d, const ocf_dtls_event *ev) {
  (void)user;
  uint8_t kb[OCF_KEY_BLOCK_MAX];
  size_t kb_len;
  ocf_err err = ocf_dtls_session_key_block(ev->session, kb, &kb_len);
  if (ev->type == OCF_DTLS_EV_ESTABLISHED &&
      (err || ev->info->has_peer_uuid != (ev->info->peer_id_len == 16)))
    abort();
  if (ev->type != OCF_DTLS_EV_ESTABLISHED &&
      (err != OCF_ERR_STATE || ocf_dtls_session_find(d, &ev->info->peer)))
    abort();
}

static void drain(harness *h) {
  ocf_endpoint to;
  uint8_t buf[2048];
  size_t len;
  while ((len = ocf_dtls_next_datagram(h->srv, &to, buf, sizeof buf)) > 0) {
    /* Keep the cookie of a HelloVerifyRequest (handshake type 3) for the peer it went to. */
    if (len == OCF_DTLS_HVR_LEN && buf[0] == 22 && buf[13] == 3 && (to.addr[15] == 1 || to.addr[15] == 2)) {
      int i = to.addr[15] - 1;
      memcpy(h->cookie[i], buf + len - OCF_DTLS_COOKIE_LEN, OCF_DTLS_COOKIE_LEN);
      h->have_cookie[i] = true;
    }
  }
  while (ocf_dtls_next_datagram(h->cli, &to, buf, sizeof buf) > 0) continue;
}

static void feed(harness *h, uint8_t ctl, const uint8_t *rec, size_t len, ocf_time_ms now) {
  uint8_t dg[4096];
  memcpy(dg, rec, len);
  int peer = ctl & 3;
  ocf_dtls_client_hello ch;
  if ((ctl & 4) && peer < 2 && h->have_cookie[peer] && ocf_dtls_parse_client_hello(dg, len, &ch) == OCF_OK &&
      ch.cookie_len == OCF_DTLS_COOKIE_LEN)
    memcpy(dg + (ch.cookie - dg), h->cookie[peer], OCF_DTLS_COOKIE_LEN);
  ocf_endpoint from = fz_endpoint((uint8_t)(peer + 1)); /* A = 1, B = 2, server = 3 */
  if (peer == 2)
    (void)ocf_dtls_handle_datagram(h->cli, &from, dg, len, now);
  else
    (void)ocf_dtls_handle_datagram(h->srv, &from, dg, len, now);
}

static void act(harness *h, const uint8_t *rec, size_t len, ocf_time_ms now) {
  static const uint8_t msg[40] = "owner data";
  ocf_endpoint a = fz_endpoint(1), srv = fz_endpoint(3);
  switch (len ? rec[0] % 4 : 3) {
  case 0: (void)ocf_dtls_close(h->srv, &a, now); break;
  case 1: (void)ocf_dtls_send(h->srv, &a, msg, sizeof msg, now); break;
  case 2: (void)ocf_dtls_send(h->cli, &srv, msg, sizeof msg, now); break;
  default: break;
  }
}

/* Every handshake and session must end or go quiet by itself: run the timers dry. */
static void finish(harness *h, ocf_time_ms now) {
  for (int i = 0; i < 400; i++) {
    ocf_time_ms a = ocf_dtls_next_timeout(h->srv), b = ocf_dtls_next_timeout(h->cli);
    ocf_time_ms t = a < b ? a : b;
    if (t == OCF_TIME_NEVER) return;
    if (t > now) now = t;
    ocf_dtls_on_timeout(h->srv, now);
    ocf_dtls_on_timeout(h->cli, now);
    drain(h);
  }
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  ocf_sim_platform ssp, csp;
  ocf_dtls_callbacks cbs = {.on_data = on_data, .on_event = on_event};
  harness h = {0};
  h.srv = fz_server_new(&ssp, &cbs);
  ocf_sim_platform_init(&csp, 99);
  csp.quiet = true;
  ocf_dtls_config ccfg;
  ocf_dtls_config_default(&ccfg);
  ccfg.server = false;
  if (ocf_dtls_create(&csp.pf, &ccfg, &cbs, &h.cli)) abort();
  ocf_time_ms now = FZ_START;
  ocf_endpoint srv_ep = fz_endpoint(3);
  ocf_dtls_profile p = fz_client_profile();
  if (ocf_dtls_connect(h.cli, &srv_ep, &p, now)) abort();
  if (data[0] & 0x7f) ocf_sim_fail_alloc(&ssp, data[0] & 0x7f, (data[0] & 0x80) != 0);
  drain(&h);
  size_t pos = 1;
  while (size - pos >= 3) {
    uint8_t ctl = data[pos];
    size_t len = ((size_t)data[pos + 1] << 8) | data[pos + 2];
    pos += 3;
    if (len > size - pos) len = size - pos;
    if (len > 4096) len = 4096;
    now += (ocf_time_ms)(ctl >> 4) * 500;
    if ((ctl & 3) == 3)
      act(&h, data + pos, len, now);
    else
      feed(&h, ctl, data + pos, len, now);
    pos += len;
    ocf_dtls_on_timeout(h.srv, now);
    ocf_dtls_on_timeout(h.cli, now);
    drain(&h);
  }
  ocf_sim_fail_alloc(&ssp, 0, false);
  finish(&h, now);
  ocf_dtls_destroy(h.srv);
  ocf_dtls_destroy(h.cli);
  if (ssp.live || csp.live) abort(); /* leaked through the platform allocator */
  return 0;
}
