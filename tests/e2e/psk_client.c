/* psk_client — a device-to-device DTLS PSK client for tests/e2e (test_pairing.sh), on our own
 * stack (src/stack as DTLS client over ocf_posix_net): proves a pairwise key by opening the
 * session a paired device A would open to device B (digest §4.1, §8.2: suite 0xC037, PSK
 * identity = A's uuid as 16 raw bytes, the pairwise key) and sending one CoAP GET over it.
 *
 *   psk_client --identity UUID --key HEX --peer UUID --to coaps://[ADDR]:PORT --path PATH
 *              [--timeout MS] [--payload-out FILE]
 *
 * --peer is the uuid the server must hint (B's; the handshake fails otherwise, like an IL
 * client that picks its key by the hint). Prints "code C.DD" and the payload's length on stdout;
 * --payload-out writes the payload (CBOR) to FILE (test_oscore.sh reads /oic/sec/cred over the
 * owner session with the owner credential this way, to check it against the OCF schema).
 * Exit status: 0 the session came up and the answer was 2.xx; 1 the session came up and the
 * answer was an error code (printed); 2 no session (handshake refused or failed) or no answer;
 * 3 usage or system error.
 * NETWORK SAFETY: run it only on loopback or inside namespaces the test made (tests/e2e/netns.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_posix.h>

#include "dtls/profile.h"
#include "coap/coap.h"
#include "stack/stack.h"

typedef struct client {
  ocf_uuid identity, peer;
  uint8_t key[OCF_DTLS_PSK_MAX];
  size_t key_len;
  ocf_endpoint to;
  const char *path;
  bool established, ended, answered, request_sent, hint_ok;
  uint8_t code;
  size_t payload_len;
  uint8_t payload[16384]; /* the first bytes of the answer, for --payload-out */
  ocf_err err;
} client;

static int hexval(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}

static bool parse_hex(const char *s, uint8_t *out, size_t cap, size_t *len) {
  size_t n = strlen(s);
  if (n == 0 || n % 2 || n / 2 > cap) return false;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = (uint8_t)(hi * 16 + lo);
  }
  *len = n / 2;
  return true;
}

static void on_session(void *user, ocf_stack *stack, const ocf_dtls_event *ev) {
  (void)stack;
  client *c = user;
  if (ev->type == OCF_DTLS_EV_ESTABLISHED) {
    c->established = true;
    return;
  }
  c->ended = true;
  c->err = ev->err;
}

/* Digest §4.1: the server hints its uuid (16 raw bytes); the key is the one for that peer. */
static ocf_err psk_for_hint(void *user, const ocf_endpoint *peer, const uint8_t *hint, size_t hint_len,
                            uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  (void)peer;
  client *c = user;
  c->hint_ok = hint_len == sizeof c->peer.b && memcmp(hint, c->peer.b, sizeof c->peer.b) == 0;
  if (!c->hint_ok && hint_len) return OCF_ERR_DENIED;
  memcpy(key, c->key, c->key_len);
  *key_len = c->key_len;
  return OCF_OK;
}

static void on_response(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  (void)m;
  client *c = user;
  if (!ev->final) return;
  c->ended = true;
  if (ev->type != OCF_MSG_EV_RESPONSE) {
    c->err = ev->err ? ev->err : OCF_ERR_TIMEOUT;
    return;
  }
  c->answered = true;
  c->code = ev->response->code;
  c->payload_len = ev->response->payload_len;
  if (c->payload_len <= sizeof c->payload && c->payload_len)
    memcpy(c->payload, ev->response->payload, c->payload_len);
}

static bool over(void *user) {
  client *c = user;
  return c->ended || c->answered || (c->established && !c->request_sent);
}

static bool never(void *user) {
  (void)user;
  return false;
}

int main(int argc, char **argv) {
  client c = {0};
  const char *identity = NULL, *key = NULL, *peer = NULL, *to = NULL, *out = NULL;
  long timeout = 15000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const char *a = argv[i], *v = argv[i + 1];
    if (strcmp(a, "--identity") == 0)
      identity = v;
    else if (strcmp(a, "--key") == 0)
      key = v;
    else if (strcmp(a, "--peer") == 0)
      peer = v;
    else if (strcmp(a, "--to") == 0)
      to = v;
    else if (strcmp(a, "--path") == 0)
      c.path = v;
    else if (strcmp(a, "--timeout") == 0)
      timeout = strtol(v, NULL, 10);
    else if (strcmp(a, "--payload-out") == 0)
      out = v;
    else
      break;
  }
  if (!identity || !key || !peer || !to || !c.path || timeout <= 0 || argc % 2 == 0 ||
      ocf_uuid_parse(identity, strlen(identity), &c.identity) != OCF_OK ||
      ocf_uuid_parse(peer, strlen(peer), &c.peer) != OCF_OK ||
      !parse_hex(key, c.key, sizeof c.key, &c.key_len) || ocf_endpoint_parse(to, &c.to) != OCF_OK ||
      !(c.to.flags & OCF_EP_SECURE)) {
    fprintf(stderr, "usage: psk_client --identity UUID --key HEX --peer UUID --to coaps://[ADDR]:PORT --path "
                    "PATH [--timeout MS] [--payload-out FILE]\n");
    return 3;
  }
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_WARN, false);
  ocf_posix_net_config nc;
  ocf_posix_net_config_init(&nc);
  nc.secure = true;
  nc.ipv4 = c.to.family == OCF_IPV4;
  nc.ipv6 = !nc.ipv4;
  ocf_posix_net *net = NULL;
  ocf_posix_loop *loop = NULL;
  ocf_stack *stack = NULL;
  ocf_stack_config sc;
  ocf_stack_config_default(&sc);
  sc.dtls.client = true;
  ocf_stack_callbacks cbs = {.user = &c, .on_session = on_session, .psk_for_hint = psk_for_hint};
  ocf_err err = ocf_posix_net_open(&nc, &pf, &net);
  if (!err) err = ocf_posix_loop_create(&pf, &loop);
  if (!err) err = ocf_stack_create(&pf, &sc, &cbs, &stack);
  ocf_engine eng;
  if (!err) {
    eng = ocf_stack_engine(stack);
    err = ocf_posix_loop_add_engine(loop, &eng, net);
  }
  /* Digest §4.1, §8.2: a device-to-device PSK session offers 0xC037 only; identity = our uuid. */
  ocf_dtls_profile p;
  ocf_dtls_profile_owned(&p);
  p.suites[0] = OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256;
  p.n_suites = 1;
  p.psk_identity = (ocf_bytes){c.identity.b, sizeof c.identity.b};
  p.psk = (ocf_bytes){c.key, c.key_len};
  ocf_time_ms deadline = ocf_posix_now() + (ocf_time_ms)timeout;
  if (!err) err = ocf_stack_connect(stack, &c.to, &p, ocf_posix_now());
  if (!err) err = ocf_posix_loop_run(loop, deadline, over, &c);
  int rc = 3;
  if (err) {
    fprintf(stderr, "psk_client: %s\n", ocf_strerror(err));
  } else if (!c.established) {
    printf("no session (%s)%s\n", c.ended ? ocf_strerror(c.err) : "timeout",
           c.hint_ok ? "" : "; hint mismatch");
    rc = 2;
  } else {
    ocf_coap_msg req;
    uint8_t scratch[256];
    ocf_msg_request_params rp = {.to = &c.to, .n_to = 1, .cb = on_response, .user = &c};
    uint32_t id = 0;
    ocf_coap_init(&req, OCF_COAP_CON, OCF_COAP_GET, 0);
    err = ocf_coap_set_uri_path_query(&req, c.path, scratch, sizeof scratch);
    if (!err) err = ocf_coap_add_uint_option(&req, OCF_COAP_OPT_ACCEPT, OCF_COAP_CF_VND_OCF_CBOR);
    if (!err) err = ocf_coap_add_uint_option(&req, OCF_COAP_OPT_OCF_ACCEPT_VERSION, OCF_COAP_OCF_VERSION_1_0);
    if (!err) err = ocf_stack_request(stack, &rp, &req, ocf_posix_now(), &id);
    c.request_sent = true;
    if (!err) err = ocf_posix_loop_run(loop, deadline, over, &c);
    if (err) {
      fprintf(stderr, "psk_client: %s\n", ocf_strerror(err));
    } else if (!c.answered) {
      printf("session up, no answer (%s)\n", ocf_strerror(c.err));
      rc = 2;
    } else {
      printf("code %u.%02u payload %zu bytes\n", OCF_COAP_CODE_CLASS(c.code), OCF_COAP_CODE_DETAIL(c.code),
             c.payload_len);
      rc = OCF_COAP_CODE_CLASS(c.code) == 2 ? 0 : 1;
      FILE *f = out ? fopen(out, "wb") : NULL;
      if (out && (!f || c.payload_len > sizeof c.payload ||
                  fwrite(c.payload, 1, c.payload_len, f) != c.payload_len)) {
        fprintf(stderr, "psk_client: cannot write the payload to %s\n", out);
        rc = 3;
      }
      if (f && fclose(f) != 0) rc = 3;
    }
    (void)ocf_stack_close(stack, &c.to, ocf_posix_now());
    ocf_err flushed =
        ocf_posix_loop_run(loop, ocf_posix_now() + 100, never, NULL); /* close_notify goes out */
    (void)flushed;                                                    /* the deadline ends it */
  }
  memset(c.key, 0, sizeof c.key);
  ocf_stack_destroy(stack);
  ocf_posix_loop_destroy(loop);
  ocf_posix_net_close(net);
  return rc;
}
