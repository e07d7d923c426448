/* coap_peer — a CoAP server and client for tests/e2e, built on src/msg (ocf_msg_engine) over
 * ocf_posix_net and the ocf_posix_loop.
 *
 *   coap_peer serve [--port-file F] [--multicast] [--if IF]... [--bind ADDR]... [--leisure MS]
 *       Serves, on ephemeral unicast ports (and 5683 with the OCF groups with --multicast):
 *         GET  /oic/res    2.05, Content-Format 10000, a small CBOR link list (res-hex prints
 *                          it); answered over multicast too (after a random leisure delay);
 *                          OCF-Content-Format-Version only when the request had a version option
 *         GET  /test/big   2.05, Content-Format 42, 10240 bytes of the pattern (below)
 *         POST /test/echo  2.04, Content-Format 42, the request body echoed whole
 *         anything else    4.04 (4.05 for a wrong method, 4.06 for an Accept it cannot give)
 *       With --owned-elsewhere UUID it poses as an OCF device owned by another domain whose
 *       owner let anonymous peers discover it (digest 7.5): its links carry di UUID, GET
 *       /oic/d answers n "owned elsewhere", and GET /oic/sec/doxm 4.01 (digest 3.3 rule 6).
 *       F receives "multicast6=P", "multicast4=P", "unicast6=P", "unicast4=P" lines once the
 *       sockets are bound (written whole: rename). With --unowned-liar UUID it poses as an
 *       unowned device that lies about who it is: GET /oic/sec/doxm (multicast too) answers an
 *       unowned doxm with deviceuuid UUID, while its /oic/res links are anchored at another
 *       uuid (UUID with its last byte flipped) — a tool must not claim it on those words. --bind ::1 / --bind
 * 127.0.0.1 binds the unicast sockets there and opens only the families given. Stops on SIGTERM / SIGINT.
 *
 *   coap_peer get URL [--out FILE] [--accept CF] [--expect-cf CF]
 *       GET (--accept 10000 adds OCF-Accept-Content-Format-Version 2048); the body goes to
 *       FILE, or to stdout as hex; a summary line goes to stderr, and for Content-Format 10000
 *       the hrefs of the links src/rep decodes ("links: /a /b"). Exit 1 unless the answer is
 *       2.xx (and, with --expect-cf, carries that Content-Format, and a 10000 body decodes).
 *   coap_peer post URL --size N [--out FILE]
 *       POSTs N bytes of the pattern (Content-Format 42); the answer must be 2.04 with exactly
 *       those bytes echoed (exit 1 otherwise, naming the first differing byte).
 *   coap_peer put URL --size N [--out FILE]
 *       The same with PUT: any 2.xx, and when the answer has a body it must be the echo.
 *   coap_peer discover [--if IF]... [--family 4|6|46] [--window MS] [--expect N] [--path P]
 *       Multicast GET /oic/res (or P) to ff02::158 and/or 224.0.1.187 (port 5683); prints one line per
 *       responder: "<responder endpoint> <code> cf=<CF> <payload hex>" (and the decoded links
 *       on stderr). Exit 1 when an /oic/res body does not decode, 2 when fewer than N
 *       (default 1) responders answered within the window.
 *   coap_peer pattern N      writes N bytes of the pattern to stdout
 *   coap_peer res-hex        prints the /oic/res body the server sends, as hex
 *
 * Common: --timeout MS (client give-up, default 60000; server lifetime, default none),
 *   --block-size B (preferred block size 16..1024, default 1024), --ack-timeout MS,
 *   --max-retransmit N (RFC 7252 4.8), --loss PCT [--loss-seed S] (drop PCT % of datagrams in
 *   each direction inside this process, seeded: for when the kernel has no netem),
 *   --verbose (debug log).
 * Pattern: byte i = (i*31 + 7 + (i >> 8)*17) & 0xff; no two 256-byte stretches of the first
 * 64 KiB are equal, so a block delivered twice or out of place shows up in a comparison.
 * Exit status: 0 success, 1 mismatch or error response, 2 timeout or usage error.
 * NETWORK SAFETY: run it only on loopback or inside namespaces the test made (tests/e2e/netns.sh). */
#define _GNU_SOURCE

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <ocf/ocf_posix.h>

#include "coap/coap.h"
#include "msg/msg.h"
#include "rep/links.h"

#define EXIT_OK 0
#define EXIT_MISMATCH 1
#define EXIT_TIMEOUT 2
#define BIG_SIZE 10240
#define CF_OCTET_STREAM 42
#define MAX_IFS 4
#define MAX_BINDS 2
#define RES_MAX 512

typedef struct options {
  const char *mode, *url, *out_file, *port_file, *path, *owned_elsewhere, *unowned_liar;
  const char *ifs[MAX_IFS];
  size_t n_if;
  const char *binds[MAX_BINDS];
  size_t n_bind;
  bool multicast, verbose, has_accept, has_expect_cf;
  unsigned long size, window_ms, timeout_ms, leisure_ms, ack_timeout_ms, max_retransmit, block_size;
  unsigned long loss_pct, loss_seed, expect, accept, expect_cf, family;
} options;

/* Drops a share of the datagrams between the loop and the real engine (seeded xorshift). */
typedef struct lossy {
  ocf_engine inner;
  unsigned long pct;
  uint64_t state;
  unsigned long dropped_in, dropped_out;
} lossy;

typedef struct peer {
  options opt;
  ocf_platform pf;
  ocf_posix_loop *loop;
  ocf_posix_net *net;
  ocf_msg *msg;
  lossy loss;
  int sigfd;
  uint8_t big[BIG_SIZE];
  uint8_t res[RES_MAX];
  size_t res_len;
  ocf_uuid owned_di; /* --owned-elsewhere, --unowned-liar */
  /* client */
  uint8_t *body; /* post: what was sent */
  bool finished;
  int result;
  unsigned responders;
  bool undecodable; /* a discovery answer's /oic/res body did not decode */
} peer;

/* ---- payloads ---------------------------------------------------------------------------- */

static uint8_t pattern_byte(size_t i) { return (uint8_t)((i * 31u + 7u + (i >> 8) * 17u) & 0xffu); }

static void fill_pattern(uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) out[i] = pattern_byte(i);
}

static ocf_rep_str str_of(const char *s) {
  ocf_rep_str r = {s, strlen(s)};
  return r;
}

/* The /oic/res body (oic.if.ll, digest 1.4): an array of links, built with src/rep; di NULL or
 * the anchor's uuid. */
static size_t build_res(uint8_t out[RES_MAX], const ocf_uuid *di) {
  static const char *const k_links[][4] = {
      {"/oic/res", "oic.wk.res", "oic.if.ll", "oic.if.baseline"},
      {"/test/big", "x.org.obt.test.big", "oic.if.r", NULL},
      {"/test/echo", "x.org.obt.test.echo", "oic.if.rw", NULL},
  };
  ocf_link links[3];
  memset(links, 0, sizeof links);
  for (size_t i = 0; i < 3; i++) {
    links[i].href = str_of(k_links[i][0]);
    links[i].rt[links[i].n_rt++] = str_of(k_links[i][1]);
    for (size_t k = 2; k < 4 && k_links[i][k]; k++) links[i].ifs[links[i].n_if++] = str_of(k_links[i][k]);
    links[i].has_bm = true;
    links[i].bm = OCF_LINK_BM_DISCOVERABLE;
    links[i].has_di = di != NULL;
    if (di) links[i].di = *di;
  }
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, out, RES_MAX);
  ocf_links_encode_ll(&e, links, 3);
  size_t len = 0;
  return ocf_rep_enc_finish(&e, &len) == OCF_OK ? len : 0;
}

/* Decodes an /oic/res body with src/rep and logs its hrefs; false when it does not decode. */
static bool log_links(const char *what, const uint8_t *cbor, size_t len) {
  ocf_rep_node nodes[128];
  ocf_link links[8];
  ocf_res_info info;
  ocf_err err = ocf_links_parse(cbor, len, NULL, nodes, 128, links, 8, &info);
  if (err) {
    fprintf(stderr, "%s: the /oic/res body does not decode: %s\n", what, ocf_strerror(err));
    return false;
  }
  fprintf(stderr, "%s: links:", what);
  for (size_t i = 0; i < info.n_links; i++)
    fprintf(stderr, " %.*s", (int)links[i].href.len, links[i].href.ptr);
  fputc('\n', stderr);
  return true;
}

static void print_hex(FILE *f, const uint8_t *data, size_t len) {
  for (size_t i = 0; i < len; i++) fprintf(f, "%02x", data[i]);
}

static bool write_file(const char *path, const uint8_t *data, size_t len) {
  FILE *f = fopen(path, "wb");
  if (!f) return false;
  bool ok = fwrite(data, 1, len, f) == len;
  return fclose(f) == 0 && ok;
}

/* ---- lossy engine ------------------------------------------------------------------------ */

static bool lossy_drop(lossy *l) {
  if (l->pct == 0) return false;
  l->state ^= l->state << 13; /* xorshift64 */
  l->state ^= l->state >> 7;
  l->state ^= l->state << 17;
  return l->state % 100u < l->pct;
}

static void lossy_handle(void *ctx, const ocf_endpoint *from, const uint8_t *data, size_t len,
                         ocf_time_ms now) {
  lossy *l = ctx;
  if (lossy_drop(l)) {
    l->dropped_in++;
    return;
  }
  l->inner.ops->handle_datagram(l->inner.ctx, from, data, len, now);
}

static size_t lossy_next(void *ctx, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  lossy *l = ctx;
  for (;;) {
    size_t n = l->inner.ops->next_datagram(l->inner.ctx, to, buf, cap);
    if (n == 0 || !lossy_drop(l)) return n;
    l->dropped_out++;
  }
}

static ocf_time_ms lossy_next_timeout(void *ctx) {
  lossy *l = ctx;
  return l->inner.ops->next_timeout(l->inner.ctx);
}

static void lossy_on_timeout(void *ctx, ocf_time_ms now) {
  lossy *l = ctx;
  l->inner.ops->on_timeout(l->inner.ctx, now);
}

static const ocf_engine_ops k_lossy_ops = {lossy_handle, lossy_next, lossy_next_timeout, lossy_on_timeout};

/* ---- server ------------------------------------------------------------------------------ */

/* True when the request carries an OCF version option (digest 1.2): its sender knows them. */
static bool speaks_ocf_versions(const ocf_coap_msg *req) {
  return ocf_coap_find_option(req, OCF_COAP_OPT_OCF_ACCEPT_VERSION, NULL) ||
         ocf_coap_find_option(req, OCF_COAP_OPT_OCF_CONTENT_VERSION, NULL);
}

static void respond(ocf_msg *m, const ocf_msg_incoming *in, uint8_t code, uint32_t cf, const uint8_t *body,
                    size_t len) {
  ocf_coap_msg rsp;
  ocf_coap_init(&rsp, OCF_COAP_ACK, code, 0);
  bool ok = true;
  if (body) {
    ok = ocf_coap_add_uint_option(&rsp, OCF_COAP_OPT_CONTENT_FORMAT, cf) == OCF_OK;
    /* Digest 1.2: Content-Format 10000 goes with OCF-Content-Format-Version. The option is
     * critical (RFC 7252 5.4.1), and a generic CoAP client (libcoap's coap-client) drops a
     * response carrying it, so it is sent only to clients that sent a version option
     * themselves. PL clients send none and do not need it. */
    if (ok && cf == OCF_COAP_CF_VND_OCF_CBOR && speaks_ocf_versions(in->request))
      ok = ocf_coap_add_uint_option(&rsp, OCF_COAP_OPT_OCF_CONTENT_VERSION, OCF_COAP_OCF_VERSION_1_0) ==
           OCF_OK;
    rsp.payload = body;
    rsp.payload_len = len;
  }
  ocf_err err = ok ? ocf_msg_respond(m, in->handle, &rsp, in->now) : OCF_ERR_NO_SPACE;
  if (err == OCF_OK) return;
  fprintf(stderr, "serve: respond failed: %s; answering 5.00\n", ocf_strerror(err));
  ocf_coap_init(&rsp, OCF_COAP_ACK, OCF_COAP_INTERNAL_SERVER_ERROR, 0);
  if (ocf_msg_respond(m, in->handle, &rsp, in->now) != OCF_OK) ocf_msg_drop(m, in->handle);
}

/* True when the request's Accept (if any) allows `cf` (RFC 7252 5.10.4). */
static bool accepts(const ocf_coap_msg *req, uint32_t cf) {
  uint32_t accept = 0;
  return ocf_coap_get_uint_option(req, OCF_COAP_OPT_ACCEPT, &accept) != OCF_OK || accept == cf;
}

/* --owned-elsewhere: /oic/d, and doxm refused as an owned device refuses it without DTLS. */
static bool route_owned(peer *p, ocf_msg *m, const ocf_msg_incoming *in, const char *path) {
  if (!p->opt.owned_elsewhere) return false;
  if (strcmp(path, "/oic/sec/doxm") == 0) {
    respond(m, in, OCF_COAP_UNAUTHORIZED, 0, NULL, 0);
    return true;
  }
  if (strcmp(path, "/oic/d") != 0) return false;
  uint8_t body[256];
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, body, sizeof body);
  ocf_rep_enc_map_open(&e);
  const char *rt[2] = {"oic.wk.d", "oic.d.light"};
  ocf_rep_enc_kv_cstr_array(&e, "rt", rt, 2);
  ocf_rep_enc_kv_text(&e, "n", "owned elsewhere");
  ocf_rep_enc_kv_uuid(&e, "di", &p->owned_di);
  ocf_rep_enc_map_close(&e);
  size_t len = 0;
  if (ocf_rep_enc_finish(&e, &len) == OCF_OK)
    respond(m, in, OCF_COAP_CONTENT, OCF_COAP_CF_VND_OCF_CBOR, body, len);
  else
    respond(m, in, OCF_COAP_INTERNAL_SERVER_ERROR, 0, NULL, 0);
  return true;
}

/* --unowned-liar: an unowned doxm (SEC:doxm, digest 2.1) naming owned_di. */
static bool route_liar(peer *p, ocf_msg *m, const ocf_msg_incoming *in, const char *path) {
  if (!p->opt.unowned_liar || strcmp(path, "/oic/sec/doxm") != 0) return false;
  static const ocf_uuid nil;
  uint8_t body[256];
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, body, sizeof body);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_array_open(&e, "oxms");
  ocf_rep_enc_int(&e, 0);
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_kv_int(&e, "oxmsel", 0);
  ocf_rep_enc_kv_int(&e, "sct", 1);
  ocf_rep_enc_kv_bool(&e, "owned", false);
  ocf_rep_enc_kv_uuid(&e, "deviceuuid", &p->owned_di);
  ocf_rep_enc_kv_uuid(&e, "devowneruuid", &nil);
  ocf_rep_enc_kv_uuid(&e, "rowneruuid", &nil);
  ocf_rep_enc_map_close(&e);
  size_t len = 0;
  if (ocf_rep_enc_finish(&e, &len) == OCF_OK)
    respond(m, in, OCF_COAP_CONTENT, OCF_COAP_CF_VND_OCF_CBOR, body, len);
  else
    respond(m, in, OCF_COAP_INTERNAL_SERVER_ERROR, 0, NULL, 0);
  return true;
}

static void route(peer *p, ocf_msg *m, const ocf_msg_incoming *in, const char *path) {
  const ocf_coap_msg *req = in->request;
  bool get = req->code == OCF_COAP_GET, post = req->code == OCF_COAP_POST;
  if (route_owned(p, m, in, path) || route_liar(p, m, in, path)) return;
  if (strcmp(path, "/oic/res") == 0) {
    if (!get)
      respond(m, in, OCF_COAP_METHOD_NOT_ALLOWED, 0, NULL, 0);
    else if (!accepts(req, OCF_COAP_CF_VND_OCF_CBOR))
      respond(m, in, OCF_COAP_NOT_ACCEPTABLE, 0, NULL, 0); /* digest 1.2 */
    else
      respond(m, in, OCF_COAP_CONTENT, OCF_COAP_CF_VND_OCF_CBOR, p->res, p->res_len);
  } else if (strcmp(path, "/test/big") == 0) {
    if (get)
      respond(m, in, OCF_COAP_CONTENT, CF_OCTET_STREAM, p->big, sizeof p->big);
    else
      respond(m, in, OCF_COAP_METHOD_NOT_ALLOWED, 0, NULL, 0);
  } else if (strcmp(path, "/test/echo") == 0) {
    static const uint8_t empty[1] = {0};
    if (post)
      respond(m, in, OCF_COAP_CHANGED, CF_OCTET_STREAM, req->payload_len ? req->payload : empty,
              req->payload_len);
    else
      respond(m, in, OCF_COAP_METHOD_NOT_ALLOWED, 0, NULL, 0);
  } else {
    respond(m, in, OCF_COAP_NOT_FOUND, 0, NULL, 0);
  }
}

static const char *method_name(uint8_t code) {
  static const char *const names[] = {"EMPTY", "GET", "POST", "PUT", "DELETE", "FETCH", "PATCH", "iPATCH"};
  return code < sizeof names / sizeof names[0] ? names[code] : "other";
}

static void on_request(void *user, ocf_msg *m, const ocf_msg_incoming *in) {
  peer *p = user;
  char path[128], from[OCF_ENDPOINT_STR_MAX];
  if (ocf_endpoint_format(in->peer, from, sizeof from) != OCF_OK) snprintf(from, sizeof from, "?");
  const char *code = method_name(in->request->code);
  if (ocf_coap_get_path(in->request, path, sizeof path) != OCF_OK) {
    fprintf(stderr, "serve: %s with an unusable path from %s\n", code, from);
    respond(m, in, OCF_COAP_BAD_REQUEST, 0, NULL, 0);
    return;
  }
  fprintf(stderr, "serve: %s %s from %s mc=%d if=%u body=%zu\n", code, path, from,
          (in->peer->flags & OCF_EP_MULTICAST) != 0, in->peer->ifindex, in->request->payload_len);
  route(p, m, in, path);
}

static bool write_port_file(const char *path, const ocf_posix_net *net) {
  char tmp[4096];
  int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
  if (n < 0 || (size_t)n >= sizeof tmp) return false;
  FILE *f = fopen(tmp, "w");
  if (!f) return false;
  ocf_posix_net_ports ports;
  ocf_posix_net_get_ports(net, &ports);
  fprintf(f, "multicast6=%u\nmulticast4=%u\nunicast6=%u\nunicast4=%u\n", ports.multicast6, ports.multicast4,
          ports.unicast6, ports.unicast4);
  return fclose(f) == 0 && rename(tmp, path) == 0;
}

/* ---- client ------------------------------------------------------------------------------ */

static void finish(peer *p, int result) {
  p->finished = true;
  p->result = result;
}

static bool response_code_ok(const ocf_coap_msg *rsp, uint8_t want_class, const char *what) {
  char code[5];
  ocf_coap_code_str(rsp->code, code);
  uint32_t cf = 0, version = 0;
  bool has_cf = ocf_coap_get_uint_option(rsp, OCF_COAP_OPT_CONTENT_FORMAT, &cf) == OCF_OK;
  bool has_version = ocf_coap_get_uint_option(rsp, OCF_COAP_OPT_OCF_CONTENT_VERSION, &version) == OCF_OK;
  fprintf(stderr, "%s: %s cf=%ld ocf-version=%ld, %zu bytes\n", what, code, has_cf ? (long)cf : -1L,
          has_version ? (long)version : -1L, rsp->payload_len);
  return OCF_COAP_CODE_CLASS(rsp->code) == want_class;
}

/* A unicast request's one final event: TIMEOUT/RESET/FAILED, or the response. */
static bool event_is_response(peer *p, const ocf_msg_event *ev, const char *what) {
  if (ev->type == OCF_MSG_EV_RESPONSE) return true;
  fprintf(stderr, "%s: no response: %s\n", what, ocf_strerror(ev->err));
  finish(p, ev->type == OCF_MSG_EV_TIMEOUT ? EXIT_TIMEOUT : EXIT_MISMATCH);
  return false;
}

static void on_get(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  (void)m;
  peer *p = user;
  if (!event_is_response(p, ev, "get")) return;
  const ocf_coap_msg *rsp = ev->response;
  if (!response_code_ok(rsp, 2, "get")) {
    finish(p, EXIT_MISMATCH);
    return;
  }
  uint32_t cf = 0;
  bool has_cf = ocf_coap_get_uint_option(rsp, OCF_COAP_OPT_CONTENT_FORMAT, &cf) == OCF_OK;
  if (p->opt.has_expect_cf && (!has_cf || cf != p->opt.expect_cf)) {
    fprintf(stderr, "get: Content-Format is not %lu\n", p->opt.expect_cf);
    finish(p, EXIT_MISMATCH);
    return;
  }
  if (has_cf && cf == OCF_COAP_CF_VND_OCF_CBOR && !log_links("get", rsp->payload, rsp->payload_len)) {
    finish(p, EXIT_MISMATCH);
    return;
  }
  if (p->opt.out_file) {
    if (!write_file(p->opt.out_file, rsp->payload, rsp->payload_len)) {
      fprintf(stderr, "get: cannot write %s\n", p->opt.out_file);
      finish(p, EXIT_MISMATCH);
      return;
    }
  } else {
    print_hex(stdout, rsp->payload, rsp->payload_len);
    fputc('\n', stdout);
  }
  finish(p, EXIT_OK);
}

/* POST must answer 2.04 with the body echoed; PUT any 2.xx, and an echo if it has a body (a
 * foreign server, e.g. libcoap's coap-server -e, may echo or not). */
static void on_upload(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  (void)m;
  peer *p = user;
  const char *what = p->opt.mode;
  if (!event_is_response(p, ev, what)) return;
  const ocf_coap_msg *rsp = ev->response;
  bool post = strcmp(what, "post") == 0;
  if (!response_code_ok(rsp, 2, what) || (post && rsp->code != OCF_COAP_CHANGED)) {
    finish(p, EXIT_MISMATCH);
    return;
  }
  if (p->opt.out_file && !write_file(p->opt.out_file, rsp->payload, rsp->payload_len))
    fprintf(stderr, "%s: cannot write %s\n", what, p->opt.out_file);
  if (!post && rsp->payload_len == 0) {
    finish(p, EXIT_OK);
    return;
  }
  size_t n = rsp->payload_len < p->opt.size ? rsp->payload_len : p->opt.size;
  size_t i = 0;
  while (i < n && rsp->payload[i] == p->body[i]) i++;
  if (rsp->payload_len != p->opt.size || i < n) {
    fprintf(stderr, "%s: echo differs: %zu bytes back for %lu sent, first difference at byte %zu\n", what,
            rsp->payload_len, p->opt.size, i);
    finish(p, EXIT_MISMATCH);
    return;
  }
  fprintf(stderr, "%s: echo of %lu bytes matches\n", what, p->opt.size);
  finish(p, EXIT_OK);
}

static void on_discover(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  (void)m;
  peer *p = user;
  if (ev->type == OCF_MSG_EV_DONE) {
    fprintf(stderr, "discover: %u responder(s)\n", p->responders);
    if (p->undecodable)
      finish(p, EXIT_MISMATCH);
    else
      finish(p, p->responders >= p->opt.expect ? EXIT_OK : EXIT_TIMEOUT);
    return;
  }
  char from[OCF_ENDPOINT_STR_MAX], code[5];
  if (ocf_endpoint_format(ev->peer, from, sizeof from) != OCF_OK) snprintf(from, sizeof from, "?");
  if (ev->type != OCF_MSG_EV_RESPONSE) {
    fprintf(stderr, "discover: %s: %s\n", from, ocf_strerror(ev->err));
    return;
  }
  uint32_t cf = 0;
  bool has_cf = ocf_coap_get_uint_option(ev->response, OCF_COAP_OPT_CONTENT_FORMAT, &cf) == OCF_OK;
  ocf_coap_code_str(ev->response->code, code);
  printf("%s %s cf=%ld ", from, code, has_cf ? (long)cf : -1L);
  print_hex(stdout, ev->response->payload, ev->response->payload_len);
  putchar('\n');
  fflush(stdout);
  p->responders++;
  if (has_cf && cf == OCF_COAP_CF_VND_OCF_CBOR &&
      !log_links("discover", ev->response->payload, ev->response->payload_len))
    p->undecodable = true;
}

/* Splits "coap://[addr]:port/path?query" into an endpoint and "/path?query". */
static bool parse_url(const char *url, ocf_endpoint *to, const char **path) {
  const char *scheme_end = strstr(url, "://");
  if (!scheme_end) return false;
  const char *host = scheme_end + 3;
  const char *after = host;
  if (*host == '[') {
    after = strchr(host, ']');
    if (!after) return false;
  }
  const char *slash = strchr(after, '/');
  size_t authority_len = slash ? (size_t)(slash - url) : strlen(url);
  char text[OCF_ENDPOINT_STR_MAX + 8];
  if (authority_len >= sizeof text) return false;
  memcpy(text, url, authority_len);
  text[authority_len] = '\0';
  *path = slash ? slash : "/";
  return ocf_endpoint_parse(text, to) == OCF_OK && !ocf_endpoint_is_multicast(to);
}

static ocf_err send_unicast(peer *p, uint8_t method, ocf_msg_response_cb cb) {
  ocf_endpoint to;
  const char *path;
  if (!parse_url(p->opt.url, &to, &path)) {
    fprintf(stderr, "coap_peer: not a unicast coap:// URL: %s\n", p->opt.url);
    return OCF_ERR_INVALID_ARG;
  }
  ocf_coap_msg req;
  ocf_coap_init(&req, OCF_COAP_CON, method, 0);
  uint8_t scratch[512];
  ocf_err err = ocf_coap_set_uri_path_query(&req, path, scratch, sizeof scratch);
  if (!err && p->opt.has_accept)
    err = ocf_coap_add_uint_option(&req, OCF_COAP_OPT_ACCEPT, (uint32_t)p->opt.accept);
  /* Digest 1.2: Accept 10000 goes with OCF-Accept-Content-Format-Version 2048. */
  if (!err && p->opt.has_accept && p->opt.accept == OCF_COAP_CF_VND_OCF_CBOR)
    err = ocf_coap_add_uint_option(&req, OCF_COAP_OPT_OCF_ACCEPT_VERSION, OCF_COAP_OCF_VERSION_1_0);
  if (!err && (method == OCF_COAP_POST || method == OCF_COAP_PUT)) {
    p->body = malloc(p->opt.size ? p->opt.size : 1);
    if (!p->body) return OCF_ERR_NO_MEMORY;
    fill_pattern(p->body, p->opt.size);
    err = ocf_coap_add_uint_option(&req, OCF_COAP_OPT_CONTENT_FORMAT, CF_OCTET_STREAM);
    req.payload = p->body;
    req.payload_len = p->opt.size;
  }
  if (err) return err;
  ocf_msg_request_params params = {.to = &to, .n_to = 1, .cb = cb, .user = p};
  return ocf_msg_request(p->msg, &params, &req, ocf_posix_now(), NULL);
}

static ocf_err send_discover(peer *p) {
  ocf_endpoint groups[2];
  size_t n = 0;
  if (p->opt.family != 4 && ocf_endpoint_parse("coap://[ff02::158]:5683", &groups[n]) == OCF_OK) n++;
  if (p->opt.family != 6 && ocf_endpoint_parse("coap://224.0.1.187:5683", &groups[n]) == OCF_OK) n++;
  ocf_coap_msg req;
  ocf_coap_init(&req, OCF_COAP_NON, OCF_COAP_GET, 0);
  uint8_t scratch[64];
  ocf_err err = ocf_coap_set_uri_path_query(&req, p->opt.path, scratch, sizeof scratch);
  if (err) return err;
  ocf_msg_request_params params = {
      .to = groups, .n_to = n, .window_ms = (uint32_t)p->opt.window_ms, .cb = on_discover, .user = p};
  return ocf_msg_request(p->msg, &params, &req, ocf_posix_now(), NULL);
}

/* ---- setup and main ---------------------------------------------------------------------- */

static bool is_client(const options *o) { return strcmp(o->mode, "serve") != 0; }

static ocf_err configure_net(const options *o, ocf_posix_net_config *cfg) {
  ocf_posix_net_config_init(cfg);
  cfg->multicast = o->multicast;
  cfg->ipv6 = o->family != 4;
  cfg->ipv4 = o->family != 6;
  for (size_t i = 0; i < o->n_if; i++) {
    ocf_err err = ocf_posix_net_config_add_interface(cfg, o->ifs[i]);
    if (err) return err;
  }
  if (o->n_bind) cfg->ipv6 = cfg->ipv4 = false;
  for (size_t i = 0; i < o->n_bind; i++) {
    char text[64];
    ocf_endpoint ep;
    bool v6 = strchr(o->binds[i], ':') != NULL;
    snprintf(text, sizeof text, v6 ? "coap://[%s]" : "coap://%s", o->binds[i]);
    if (ocf_endpoint_parse(text, &ep) != OCF_OK) return OCF_ERR_INVALID_ARG;
    memcpy(v6 ? cfg->bind6 : cfg->bind4, ep.addr, v6 ? 16 : 4);
    *(v6 ? &cfg->ipv6 : &cfg->ipv4) = true;
  }
  return OCF_OK;
}

static ocf_err create_msg(peer *p) {
  const options *o = &p->opt;
  ocf_msg_config cfg;
  ocf_msg_config_default(&cfg);
  cfg.multicast_leisure_ms = (uint32_t)o->leisure_ms;
  if (o->window_ms) cfg.multicast_window_ms = (uint32_t)o->window_ms;
  if (o->ack_timeout_ms) cfg.ack_timeout_ms = (uint32_t)o->ack_timeout_ms;
  cfg.max_retransmit = (uint8_t)o->max_retransmit;
  uint8_t szx = 0;
  while (szx < 6 && OCF_COAP_BLOCK_SIZE(szx) < o->block_size) szx++;
  cfg.block_szx = szx;
  ocf_err err = ocf_msg_create(&p->pf, &cfg, &p->msg);
  if (err) return err;
  if (!is_client(o)) ocf_msg_set_request_handler(p->msg, on_request, p);
  return OCF_OK;
}

static void on_signal(void *ctx, int fd, ocf_time_ms now) {
  (void)now;
  peer *p = ctx;
  struct signalfd_siginfo info;
  if (read(fd, &info, sizeof info) == (ssize_t)sizeof info)
    fprintf(stderr, "coap_peer: signal %u, stopping\n", info.ssi_signo);
  ocf_posix_loop_stop(p->loop);
}

/* SIGTERM and SIGINT arrive through a signalfd the loop watches: a prompt, clean stop. */
static ocf_err watch_signals(peer *p) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) return OCF_ERR_IO;
  p->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (p->sigfd < 0) return OCF_ERR_IO;
  return ocf_posix_loop_add_fd(p->loop, p->sigfd, on_signal, p);
}

static ocf_err setup(peer *p) {
  ocf_posix_net_config cfg;
  ocf_err err = configure_net(&p->opt, &cfg);
  if (!err) err = ocf_posix_net_open(&cfg, &p->pf, &p->net);
  if (!err) err = ocf_posix_loop_create(&p->pf, &p->loop);
  if (!err) err = create_msg(p);
  if (!err) err = watch_signals(p);
  if (err) return err;
  p->loss = (lossy){.inner = ocf_msg_engine(p->msg), .pct = p->opt.loss_pct, .state = p->opt.loss_seed | 1u};
  ocf_engine engine = {&k_lossy_ops, &p->loss};
  return ocf_posix_loop_add_engine(p->loop, &engine, p->net);
}

static bool client_done(void *ctx) { return ((const peer *)ctx)->finished; }

static int run(peer *p) {
  ocf_err err = setup(p);
  if (!err && !is_client(&p->opt) && p->opt.port_file && !write_port_file(p->opt.port_file, p->net))
    err = OCF_ERR_IO;
  if (!err && strcmp(p->opt.mode, "get") == 0) err = send_unicast(p, OCF_COAP_GET, on_get);
  if (!err && strcmp(p->opt.mode, "post") == 0) err = send_unicast(p, OCF_COAP_POST, on_upload);
  if (!err && strcmp(p->opt.mode, "put") == 0) err = send_unicast(p, OCF_COAP_PUT, on_upload);
  if (!err && strcmp(p->opt.mode, "discover") == 0) err = send_discover(p);
  int code = EXIT_TIMEOUT;
  if (err) {
    fprintf(stderr, "coap_peer: setup failed: %s\n", ocf_strerror(err));
  } else {
    ocf_time_ms deadline = p->opt.timeout_ms ? ocf_posix_now() + p->opt.timeout_ms : OCF_TIME_NEVER;
    err = ocf_posix_loop_run(p->loop, deadline, is_client(&p->opt) ? client_done : NULL, p);
    if (is_client(&p->opt))
      code = p->finished ? p->result : EXIT_TIMEOUT;
    else
      code = (err == OCF_OK || err == OCF_ERR_TIMEOUT) ? EXIT_OK : EXIT_MISMATCH;
    if (is_client(&p->opt) && !p->finished) fprintf(stderr, "coap_peer: %s: timed out\n", p->opt.mode);
  }
  if (p->opt.loss_pct)
    fprintf(stderr, "coap_peer: loss: dropped %lu incoming and %lu outgoing datagrams\n", p->loss.dropped_in,
            p->loss.dropped_out);
  ocf_msg_destroy(p->msg);
  ocf_posix_loop_destroy(p->loop);
  ocf_posix_net_close(p->net);
  if (p->sigfd >= 0) close(p->sigfd);
  free(p->body);
  return code;
}

static bool parse_ulong(const char *text, unsigned long min, unsigned long max, unsigned long *out) {
  char *end = NULL;
  errno = 0;
  unsigned long v = strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-' || v < min || v > max) return false;
  *out = v;
  return true;
}

typedef struct numeric_option {
  const char *name;
  size_t offset;
  unsigned long min, max;
} numeric_option;

static const numeric_option k_numeric[] = {
    {"--size", offsetof(options, size), 0, 60000},
    {"--window", offsetof(options, window_ms), 1, 600000},
    {"--timeout", offsetof(options, timeout_ms), 0, 3600000},
    {"--leisure", offsetof(options, leisure_ms), 0, 60000},
    {"--ack-timeout", offsetof(options, ack_timeout_ms), 1, 600000},
    {"--max-retransmit", offsetof(options, max_retransmit), 0, 8},
    {"--block-size", offsetof(options, block_size), 16, 1024},
    {"--loss", offsetof(options, loss_pct), 0, 100},
    {"--loss-seed", offsetof(options, loss_seed), 0, 0xffffffffUL},
    {"--expect", offsetof(options, expect), 1, 64},
    {"--accept", offsetof(options, accept), 0, 65535},
    {"--expect-cf", offsetof(options, expect_cf), 0, 65535},
    {"--family", offsetof(options, family), 4, 46},
};

/* One "--name value" pair; false on an unknown name or a bad value. */
static bool parse_pair(options *o, const char *name, const char *value) {
  if (strcmp(name, "--out") == 0) return (o->out_file = value) != NULL;
  if (strcmp(name, "--port-file") == 0) return (o->port_file = value) != NULL;
  if (strcmp(name, "--path") == 0) return (o->path = value) != NULL;
  if (strcmp(name, "--if") == 0 && o->n_if < MAX_IFS) return (o->ifs[o->n_if++] = value) != NULL;
  if (strcmp(name, "--owned-elsewhere") == 0) return (o->owned_elsewhere = value) != NULL;
  if (strcmp(name, "--unowned-liar") == 0) return (o->unowned_liar = value) != NULL;
  if (strcmp(name, "--bind") == 0 && o->n_bind < MAX_BINDS) return (o->binds[o->n_bind++] = value) != NULL;
  for (size_t i = 0; i < sizeof k_numeric / sizeof k_numeric[0]; i++) {
    const numeric_option *n = &k_numeric[i];
    if (strcmp(name, n->name) != 0) continue;
    if (strcmp(name, "--accept") == 0) o->has_accept = true;
    if (strcmp(name, "--expect-cf") == 0) o->has_expect_cf = true;
    return parse_ulong(value, n->min, n->max, (unsigned long *)(void *)((char *)o + n->offset));
  }
  return false;
}

static bool parse_args(int argc, char **argv, options *o) {
  *o = (options){.timeout_ms = 60000,
                 .block_size = 1024,
                 .leisure_ms = 2000,
                 .max_retransmit = 4,
                 .loss_seed = 1,
                 .expect = 1,
                 .family = 46,
                 .path = "/oic/res"};
  if (argc < 2) return false;
  o->mode = argv[1];
  int i = 2;
  if (strcmp(o->mode, "get") == 0 || strcmp(o->mode, "post") == 0 || strcmp(o->mode, "put") == 0) {
    if (argc < 3) return false;
    o->url = argv[i++];
  } else if (strcmp(o->mode, "serve") == 0) {
    o->timeout_ms = 0;
  } else if (strcmp(o->mode, "discover") != 0) {
    return false;
  }
  for (; i < argc; i++) {
    if (strcmp(argv[i], "--multicast") == 0)
      o->multicast = true;
    else if (strcmp(argv[i], "--verbose") == 0)
      o->verbose = true;
    else if (i + 1 >= argc || !parse_pair(o, argv[i], argv[i + 1]))
      return false;
    else
      i++;
  }
  return o->family == 4 || o->family == 6 || o->family == 46;
}

static int utility(int argc, char **argv, const peer *p) {
  unsigned long n = 0;
  if (strcmp(argv[1], "res-hex") == 0 && argc == 2) {
    print_hex(stdout, p->res, p->res_len);
    putchar('\n');
    return EXIT_OK;
  }
  if (strcmp(argv[1], "pattern") != 0 || argc != 3 || !parse_ulong(argv[2], 0, 1ul << 30, &n)) return -1;
  for (unsigned long i = 0; i < n; i++) putchar(pattern_byte(i));
  return fflush(stdout) == 0 ? EXIT_OK : EXIT_MISMATCH;
}

int main(int argc, char **argv) {
  static peer p; /* large buffers: not on the stack */
  p.sigfd = -1;
  fill_pattern(p.big, sizeof p.big);
  p.res_len = build_res(p.res, NULL);
  int code = argc >= 2 ? utility(argc, argv, &p) : -1;
  if (code >= 0) return code;
  if (!parse_args(argc, argv, &p.opt)) {
    fprintf(stderr,
            "usage: coap_peer serve [--port-file F] [--multicast] [--if IF]... [--bind ADDR]...\n"
            "                       [--owned-elsewhere UUID | --unowned-liar UUID]\n"
            "       coap_peer get URL [--out FILE] [--accept CF] [--expect-cf CF]\n"
            "       coap_peer post|put URL --size N [--out FILE]\n"
            "       coap_peer discover [--if IF]... [--family 4|6|46] [--window MS] [--expect N] [--path P]\n"
            "       coap_peer pattern N | coap_peer res-hex\n"
            "  common: --timeout MS --block-size B --ack-timeout MS --max-retransmit N\n"
            "          --loss PCT --loss-seed S --leisure MS --verbose (see the source)\n");
    return EXIT_TIMEOUT;
  }
  if (p.opt.owned_elsewhere) {
    if (ocf_uuid_parse(p.opt.owned_elsewhere, strlen(p.opt.owned_elsewhere), &p.owned_di) != OCF_OK) {
      fprintf(stderr, "coap_peer: --owned-elsewhere takes a uuid\n");
      return EXIT_TIMEOUT;
    }
    p.res_len = build_res(p.res, &p.owned_di);
  } else if (p.opt.unowned_liar) {
    if (ocf_uuid_parse(p.opt.unowned_liar, strlen(p.opt.unowned_liar), &p.owned_di) != OCF_OK) {
      fprintf(stderr, "coap_peer: --unowned-liar takes a uuid\n");
      return EXIT_TIMEOUT;
    }
    ocf_uuid anchor = p.owned_di;
    anchor.b[15] ^= 0xff; /* its links name another device than its doxm */
    p.res_len = build_res(p.res, &anchor);
  }
  ocf_posix_platform_init(&p.pf, p.opt.verbose ? OCF_LOG_DEBUG : OCF_LOG_WARN, true);
  return run(&p);
}
