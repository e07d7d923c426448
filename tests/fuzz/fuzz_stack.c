/* libFuzzer target: a server stack (PSK 0xC037) with an established session to a client stack,
 * then arbitrary datagrams on both paths, hostile CoAP from inside the authenticated session,
 * block-wise requests, closes and the clock moving. Invariants: a request reaches the handler
 * with OCF_EP_SECURE only through the session and then carries its identity; a plain request
 * never gets one; everything settles and nothing leaks.
 *
 * Input: records [ctl][len_hi][len_lo][len bytes]; ctl bits 4-7 advance the clock by that many
 * x 500 ms first (timers run); ctl bits 0-2:
 *   0 = the bytes to the server as a secure datagram from the client's address
 *   1 = the same as a plain datagram        2 = a secure datagram from a stranger
 *   3 = the client encrypts the bytes into the session as one record (hostile CoAP, authenticated)
 *   4 = the client POSTs the bytes through ocf_stack_request (block-wise when long)
 *   5 = byte 0 even: the client closes the session, odd: the server does
 *   6 = the bytes to the client as a secure datagram from the server   7 = nothing
 * Seeds: tests/fuzz/corpus/fuzz_stack. */
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "stack/stack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define START 1000000u

static const uint8_t psk[16] = "fuzzing-psk-key!";
static const uint8_t identity[16] = "fuzzing-identity";

typedef struct side {
  ocf_sim_platform sp;
  ocf_stack *stack;
  ocf_endpoint ep;
  bool established;
} side;

static ocf_endpoint endpoint(uint8_t last, uint8_t flags) {
  ocf_endpoint ep = {.family = OCF_IPV6, .flags = flags, .port = (uint16_t)(40000 + last)};
  ep.addr[0] = 0x20;
  ep.addr[1] = 0x01;
  ep.addr[15] = last;
  return ep;
}

static void on_session(void *user, ocf_stack *stack, const ocf_dtls_event *ev) {
  side *s = user;
  bool live = ocf_stack_session_info(stack, &ev->info->peer) != NULL;
  if (live != (ev->type == OCF_DTLS_EV_ESTABLISHED)) abort();
  s->established = ev->type == OCF_DTLS_EV_ESTABLISHED;
}

static ocf_err on_accept(void *user, const ocf_endpoint *peer, ocf_dtls_profile *p) {
  (void)user;
  (void)peer;
  return ocf_dtls_profile_otm(p, OCF_OXM_RANDOM_PIN);
}

static ocf_err on_psk_lookup(void *user, const ocf_endpoint *peer, const uint8_t *id, size_t len,
                             uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  (void)user;
  (void)peer;
  if (len != sizeof identity || memcmp(id, identity, len)) return OCF_ERR_NOT_FOUND;
  memcpy(key, psk, sizeof psk);
  *key_len = sizeof psk;
  return OCF_OK;
}

static void on_request(void *user, ocf_msg *m, const ocf_msg_incoming *in) {
  const side *s = user;
  const ocf_dtls_session_info *info = ocf_stack_session_info(s->stack, in->peer);
  if (in->peer->flags & OCF_EP_SECURE) {
    if (!info || !info->established || !info->has_peer_uuid || memcmp(info->peer_uuid.b, identity, 16))
      abort();
  } else if (info) {
    abort(); /* a plain request borrowed a session's identity */
  }
  static const uint8_t body[] = {0xa0};
  ocf_coap_msg rsp;
  ocf_coap_init(&rsp, OCF_COAP_ACK, OCF_COAP_CONTENT, 0);
  rsp.payload = body;
  rsp.payload_len = sizeof body;
  (void)ocf_msg_respond(m, in->handle, &rsp, in->now);
}

static void on_response(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  (void)user;
  (void)m;
  (void)ev;
}

static void side_init(side *s, uint64_t seed, bool server, uint8_t last) {
  ocf_sim_platform_init(&s->sp, seed);
  s->sp.quiet = true;
  s->ep = endpoint(last, 0);
  ocf_stack_config cfg;
  ocf_stack_config_default(&cfg);
  cfg.dtls.server = server;
  cfg.dtls.client = !server;
  cfg.msg.max_exchanges = 4;
  cfg.msg.max_pending = 4;
  cfg.msg.max_body = 8192;
  ocf_stack_callbacks cbs = {
      .user = s, .on_session = on_session, .accept = on_accept, .psk_lookup = on_psk_lookup};
  if (ocf_stack_create(&s->sp.pf, &cfg, &cbs, &s->stack)) abort();
  ocf_msg_set_request_handler(ocf_stack_msg(s->stack), on_request, s);
}

/* Moves what each side sends to the other (the only two addresses on this wire). */
static void shuttle(side *a, side *b, ocf_time_ms now) {
  uint8_t buf[2048];
  ocf_endpoint to;
  for (int round = 0; round < 64; round++) {
    bool moved = false;
    side *pair[2][2] = {{a, b}, {b, a}};
    for (int i = 0; i < 2; i++) {
      side *from = pair[i][0], *dst = pair[i][1];
      size_t len;
      while ((len = ocf_stack_next_datagram(from->stack, &to, buf, sizeof buf)) > 0) {
        moved = true;
        if (!ocf_endpoint_equal(&to, &dst->ep)) continue;
        ocf_endpoint src = from->ep;
        src.flags = to.flags;
        (void)ocf_stack_handle_datagram(dst->stack, &src, buf, len, now);
      }
    }
    if (!moved) return;
  }
}

static void run_timers(side *a, side *b, ocf_time_ms now) {
  ocf_stack_on_timeout(a->stack, now);
  ocf_stack_on_timeout(b->stack, now);
  shuttle(a, b, now);
}

static void step(side *srv, side *cli, uint8_t ctl, const uint8_t *rec, size_t len, ocf_time_ms now) {
  ocf_endpoint stranger = endpoint(9, OCF_EP_SECURE), from = cli->ep, srv_sec = srv->ep;
  srv_sec.flags = OCF_EP_SECURE;
  switch (ctl & 7) {
  case 0:
  case 1:
    from.flags = (ctl & 7) == 0 ? OCF_EP_SECURE : 0;
    (void)ocf_stack_handle_datagram(srv->stack, &from, rec, len, now);
    break;
  case 2: (void)ocf_stack_handle_datagram(srv->stack, &stranger, rec, len, now); break;
  case 3:
    if (len) (void)ocf_dtls_send(ocf_stack_dtls(cli->stack), &srv->ep, rec, len, now);
    break;
  case 4: {
    ocf_coap_msg req;
    ocf_coap_init(&req, OCF_COAP_CON, OCF_COAP_POST, 0);
    req.payload = len ? rec : NULL;
    req.payload_len = len;
    ocf_msg_request_params p = {.to = &srv_sec, .n_to = 1, .cb = on_response};
    (void)ocf_stack_request(cli->stack, &p, &req, now, NULL);
    break;
  }
  case 5:
    if (len && (rec[0] & 1))
      (void)ocf_stack_close(srv->stack, &cli->ep, now);
    else
      (void)ocf_stack_close(cli->stack, &srv->ep, now);
    break;
  case 6: {
    ocf_endpoint s = srv->ep;
    s.flags = OCF_EP_SECURE;
    (void)ocf_stack_handle_datagram(cli->stack, &s, rec, len, now);
    break;
  }
  default: break;
  }
  shuttle(srv, cli, now);
}

/* Every exchange and session ends or goes quiet by itself. */
static void settle(side *a, side *b, ocf_time_ms now) {
  for (int i = 0; i < 5000; i++) {
    ocf_time_ms x = ocf_stack_next_timeout(a->stack), y = ocf_stack_next_timeout(b->stack);
    ocf_time_ms t = x < y ? x : y;
    if (t == OCF_TIME_NEVER) return;
    if (t > now) now = t;
    run_timers(a, b, now);
  }
  abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  side srv, cli;
  side_init(&srv, 11, true, 1);
  side_init(&cli, 12, false, 2);
  ocf_time_ms now = START;
  ocf_dtls_profile p;
  if (ocf_dtls_profile_otm(&p, OCF_OXM_RANDOM_PIN)) abort();
  p.psk_identity = (ocf_bytes){identity, sizeof identity};
  p.psk = (ocf_bytes){psk, sizeof psk};
  if (ocf_stack_connect(cli.stack, &srv.ep, &p, now)) abort();
  shuttle(&srv, &cli, now);
  if (!srv.established || !cli.established) abort(); /* no loss here: one exchange of flights */
  size_t pos = 0;
  while (size - pos >= 3) {
    uint8_t ctl = data[pos];
    size_t len = ((size_t)data[pos + 1] << 8) | data[pos + 2];
    pos += 3;
    if (len > size - pos) len = size - pos;
    if (ctl >> 4) {
      now += (ocf_time_ms)(ctl >> 4) * 500;
      run_timers(&srv, &cli, now);
    }
    step(&srv, &cli, ctl, data + pos, len, now);
    pos += len;
  }
  settle(&srv, &cli, now);
  ocf_stack_destroy(srv.stack);
  ocf_stack_destroy(cli.stack);
  if (srv.sp.live || cli.sp.live) abort();
  return 0;
}
