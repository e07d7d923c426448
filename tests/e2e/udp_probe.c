/* udp_probe — a test program for tests/e2e, built on ocf_posix_net and ocf_posix_loop.
 *
 *   udp_probe echo --if IF [--port P] [--ready FILE] [--timeout-ms T]
 *       Joins the OCF groups on IF (multicast socket on P, default 5683) and answers every
 *       datagram, from its unicast socket, with "echo mc=M if=I fam=F|<datagram>": M = 1 when
 *       the datagram was sent to a group, I = the arrival interface. Writes FILE once ready.
 *
 *   udp_probe send --if IF --to URI --expect-if I [--expect-local-if L] [--replies N]
 *                  [--timeout-ms T] [--retry-ms R]
 *       Sends "probe <nonce>" to URI (e.g. coap://[ff02::158]:5683, multicast goes out of IF)
 *       every R ms until N valid replies from N different ports arrived. A reply is valid when
 *       it echoes our nonce with mc=1 exactly when URI is a group, if=I and our family, comes
 *       from a port other than URI's (pitfall 38: replies come from the unicast port), is itself
 *       unicast, and (with --expect-local-if) arrived on interface L.
 *
 * Exit status: 0 success, 1 failure or timeout (the reason on stderr), 2 usage error.
 * It must only ever run inside a network namespace created by the test (tests/e2e/netns.sh). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_posix.h>

#define PAYLOAD_MAX 512
#define QUEUE_LEN 8
#define MAX_REPLIES 8

typedef struct reply {
  ocf_endpoint to;
  size_t len;
  uint8_t data[PAYLOAD_MAX];
} reply;

typedef struct options {
  bool echo;
  const char *ifname, *ready_file, *to_uri;
  uint16_t port;
  uint32_t expect_if, expect_local_if;
  unsigned replies, timeout_ms, retry_ms;
} options;

typedef struct probe {
  options opt;
  ocf_platform pf;
  ocf_posix_loop *loop;
  ocf_posix_net *net;
  /* echo */
  reply queue[QUEUE_LEN];
  size_t queued;
  /* send */
  ocf_endpoint target;
  char message[64];
  ocf_time_ms next_send;
  bool due;
  uint16_t ok_ports[MAX_REPLIES];
  unsigned ok_count;
  const char *failure;
} probe;

/* ---- echo engine ------------------------------------------------------------------------- */

static void echo_handle(void *ctx, const ocf_endpoint *from, const uint8_t *data, size_t len,
                        ocf_time_ms now) {
  (void)now;
  probe *p = ctx;
  char text[OCF_ENDPOINT_STR_MAX];
  if (ocf_endpoint_format(from, text, sizeof text) != OCF_OK) snprintf(text, sizeof text, "?");
  fprintf(stderr, "echo: %zu bytes from %s mc=%d if=%u\n", len, text, (from->flags & OCF_EP_MULTICAST) != 0,
          from->ifindex);
  if (p->queued == QUEUE_LEN) return; /* overload: drop, the sender retries */
  reply *r = &p->queue[p->queued];
  int n = snprintf((char *)r->data, sizeof r->data, "echo mc=%d if=%u fam=%d|%.*s",
                   (from->flags & OCF_EP_MULTICAST) != 0, from->ifindex, from->family,
                   (int)(len < 256 ? len : 256), (const char *)data);
  if (n < 0 || (size_t)n >= sizeof r->data) return;
  r->len = (size_t)n;
  r->to = *from;
  r->to.flags = 0; /* answer by unicast from the unicast socket */
  p->queued++;
}

static size_t echo_next(void *ctx, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  probe *p = ctx;
  if (p->queued == 0 || cap < p->queue[0].len) return 0;
  size_t len = p->queue[0].len;
  *to = p->queue[0].to;
  memcpy(buf, p->queue[0].data, len);
  p->queued--;
  memmove(p->queue, p->queue + 1, p->queued * sizeof p->queue[0]);
  return len;
}

static ocf_time_ms no_timeout(void *ctx) {
  (void)ctx;
  return OCF_TIME_NEVER;
}

static void no_op_timeout(void *ctx, ocf_time_ms now) {
  (void)ctx;
  (void)now;
}

static const ocf_engine_ops k_echo_ops = {echo_handle, echo_next, no_timeout, no_op_timeout};

/* ---- send engine ------------------------------------------------------------------------- */

/* NULL when `data` is a valid answer to our probe, else why not. */
static const char *check_reply(const probe *p, const ocf_endpoint *from, const uint8_t *data, size_t len) {
  char expected[PAYLOAD_MAX];
  int n = snprintf(expected, sizeof expected, "echo mc=%d if=%u fam=%d|%s",
                   ocf_endpoint_is_multicast(&p->target), p->opt.expect_if, p->target.family, p->message);
  if (n < 0 || (size_t)n >= sizeof expected) return "expected reply too long";
  if (from->family != p->target.family) return "reply in the wrong address family";
  if (from->flags != 0) return "reply was not plain unicast";
  if (from->port == p->target.port) return "reply came from the multicast port (pitfall 38)";
  if (p->opt.expect_local_if && from->ifindex != p->opt.expect_local_if)
    return "reply arrived on the wrong interface";
  if (len != (size_t)n || memcmp(data, expected, len) != 0)
    return "reply text differs (flags, ifindex or nonce)";
  return NULL;
}

static void send_handle(void *ctx, const ocf_endpoint *from, const uint8_t *data, size_t len,
                        ocf_time_ms now) {
  (void)now;
  probe *p = ctx;
  char text[OCF_ENDPOINT_STR_MAX];
  if (ocf_endpoint_format(from, text, sizeof text) != OCF_OK) snprintf(text, sizeof text, "?");
  fprintf(stderr, "send: reply from %s if=%u: %.*s\n", text, from->ifindex, (int)(len < 256 ? len : 256),
          (const char *)data);
  const char *why = check_reply(p, from, data, len);
  if (why) {
    p->failure = why;
    return;
  }
  for (unsigned i = 0; i < p->ok_count; i++)
    if (p->ok_ports[i] == from->port) return; /* an answer to a retry */
  if (p->ok_count < MAX_REPLIES) p->ok_ports[p->ok_count++] = from->port;
}

static size_t send_next(void *ctx, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  probe *p = ctx;
  size_t len = strlen(p->message);
  if (!p->due || cap < len) return 0;
  p->due = false;
  *to = p->target;
  memcpy(buf, p->message, len);
  return len;
}

static ocf_time_ms send_timeout(void *ctx) { return ((const probe *)ctx)->next_send; }

static void send_on_timeout(void *ctx, ocf_time_ms now) {
  probe *p = ctx;
  p->due = true;
  p->next_send = now + p->opt.retry_ms;
}

static const ocf_engine_ops k_send_ops = {send_handle, send_next, send_timeout, send_on_timeout};

static bool send_done(void *ctx) {
  const probe *p = ctx;
  return p->failure || p->ok_count >= p->opt.replies;
}

/* ---- program ----------------------------------------------------------------------------- */

static bool parse_uint(const char *text, unsigned long max, unsigned long *out) {
  char *end = NULL;
  errno = 0;
  unsigned long v = strtoul(text ? text : "", &end, 10);
  if (!text || errno != 0 || end == text || *end != '\0' || v > max) return false;
  *out = v;
  return true;
}

static bool parse_option(options *o, const char *name, const char *value) {
  unsigned long v = 0;
  if (!value) return false;
  if (strcmp(name, "--if") == 0)
    o->ifname = value;
  else if (strcmp(name, "--ready") == 0)
    o->ready_file = value;
  else if (strcmp(name, "--to") == 0)
    o->to_uri = value;
  else if (!parse_uint(value, UINT32_MAX, &v))
    return false;
  else if (strcmp(name, "--port") == 0 && v <= UINT16_MAX)
    o->port = (uint16_t)v;
  else if (strcmp(name, "--expect-if") == 0)
    o->expect_if = (uint32_t)v;
  else if (strcmp(name, "--expect-local-if") == 0)
    o->expect_local_if = (uint32_t)v;
  else if (strcmp(name, "--replies") == 0 && v >= 1 && v <= MAX_REPLIES)
    o->replies = (unsigned)v;
  else if (strcmp(name, "--timeout-ms") == 0)
    o->timeout_ms = (unsigned)v;
  else if (strcmp(name, "--retry-ms") == 0 && v >= 1)
    o->retry_ms = (unsigned)v;
  else
    return false;
  return true;
}

static bool parse_args(int argc, char **argv, options *o) {
  *o = (options){.port = OCF_POSIX_COAP_PORT, .replies = 1, .timeout_ms = 10000, .retry_ms = 300};
  if (argc < 2) return false;
  if (strcmp(argv[1], "echo") == 0)
    o->echo = true;
  else if (strcmp(argv[1], "send") != 0)
    return false;
  for (int i = 2; i < argc; i += 2)
    if (!parse_option(o, argv[i], i + 1 < argc ? argv[i + 1] : NULL)) return false;
  return o->ifname && (o->echo || (o->to_uri && o->expect_if));
}

static bool write_ready_file(const char *path, const ocf_posix_net *net) {
  char tmp[4096];
  if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return false;
  FILE *f = fopen(tmp, "w");
  if (!f) return false;
  ocf_posix_net_ports ports;
  ocf_posix_net_get_ports(net, &ports);
  fprintf(f, "multicast6=%u multicast4=%u unicast6=%u unicast4=%u\n", ports.multicast6, ports.multicast4,
          ports.unicast6, ports.unicast4);
  return fclose(f) == 0 && rename(tmp, path) == 0;
}

static ocf_err open_net(probe *p) {
  ocf_posix_net_config cfg;
  ocf_posix_net_config_init(&cfg);
  ocf_err err = ocf_posix_net_config_add_interface(&cfg, p->opt.ifname);
  if (err != OCF_OK) return err;
  cfg.multicast = p->opt.echo;
  cfg.multicast_port = p->opt.port;
  return ocf_posix_net_open(&cfg, &p->pf, &p->net);
}

static int run(probe *p) {
  ocf_err err = open_net(p);
  if (err == OCF_OK) err = ocf_posix_loop_create(&p->pf, &p->loop);
  if (err != OCF_OK) {
    fprintf(stderr, "udp_probe: setup failed: %s\n", ocf_strerror(err));
    return 1;
  }
  ocf_engine engine = {p->opt.echo ? &k_echo_ops : &k_send_ops, p};
  err = ocf_posix_loop_add_engine(p->loop, &engine, p->net);
  if (err == OCF_OK && p->opt.echo && p->opt.ready_file && !write_ready_file(p->opt.ready_file, p->net))
    err = OCF_ERR_IO;
  if (err == OCF_OK) {
    ocf_time_ms deadline = ocf_posix_now() + p->opt.timeout_ms;
    err = ocf_posix_loop_run(p->loop, deadline, p->opt.echo ? NULL : send_done, p);
  }
  ocf_posix_loop_destroy(p->loop);
  ocf_posix_net_close(p->net);
  if (p->opt.echo) return err == OCF_ERR_TIMEOUT ? 0 : 1; /* an echo runs until its timeout */
  if (p->failure)
    fprintf(stderr, "udp_probe: FAIL: %s\n", p->failure);
  else if (err != OCF_OK)
    fprintf(stderr, "udp_probe: FAIL: %u of %u replies: %s\n", p->ok_count, p->opt.replies,
            ocf_strerror(err));
  else
    fprintf(stderr, "udp_probe: ok: %u valid replies to %s\n", p->ok_count, p->opt.to_uri);
  return (err == OCF_OK && !p->failure) ? 0 : 1;
}

int main(int argc, char **argv) {
  static probe p; /* large queue: not on the stack */
  if (!parse_args(argc, argv, &p.opt)) {
    fprintf(stderr,
            "usage: udp_probe echo --if IF [--port P] [--ready FILE] [--timeout-ms T]\n"
            "       udp_probe send --if IF --to URI --expect-if I [--expect-local-if L] [--replies N]\n"
            "                      [--timeout-ms T] [--retry-ms R]\n");
    return 2;
  }
  ocf_posix_platform_init(&p.pf, OCF_LOG_INFO, true);
  if (!p.opt.echo) {
    if (ocf_endpoint_parse(p.opt.to_uri, &p.target) != OCF_OK) {
      fprintf(stderr, "udp_probe: bad --to %s\n", p.opt.to_uri);
      return 2;
    }
    uint8_t nonce[8];
    if (p.pf.random(p.pf.ctx, nonce, sizeof nonce) != OCF_OK) return 1;
    snprintf(p.message, sizeof p.message, "probe %02x%02x%02x%02x%02x%02x%02x%02x", nonce[0], nonce[1],
             nonce[2], nonce[3], nonce[4], nonce[5], nonce[6], nonce[7]);
    p.next_send = 0; /* the first probe goes out in the first tick */
  }
  return run(&p);
}
