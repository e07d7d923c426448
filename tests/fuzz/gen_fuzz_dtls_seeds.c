/* Writes the seed corpus of fuzz_dtls: one real PSK handshake between a client and a server set
 * up exactly as fuzz_dtls sets them up (same seeds, addresses, start time), then application data
 * and close_notify. The client's datagrams become server_view (records to the server from peer
 * A), the server's become client_view (records to the client); replayed by fuzz_dtls they reach
 * the established state because both contexts are deterministic.
 *
 * Usage: gen_fuzz_dtls_seeds DIR  (e.g. build/fuzz/tests/fuzz/gen_fuzz_dtls_seeds
 *        tests/fuzz/corpus/fuzz_dtls; rerun when the handshake or those setups change). */
#include <stdio.h>

#include "fuzz_dtls_setup.h"

typedef struct seed {
  uint8_t buf[16384];
  size_t len;
} seed;

static void add_record(seed *s, uint8_t ctl, const uint8_t *data, size_t len) {
  if (s->len + 3 + len > sizeof s->buf) abort();
  s->buf[s->len++] = ctl;
  s->buf[s->len++] = (uint8_t)(len >> 8);
  s->buf[s->len++] = (uint8_t)len;
  memcpy(s->buf + s->len, data, len);
  s->len += len;
}

static void write_seed(const char *dir, const char *name, const seed *s) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(s->buf, 1, s->len, f) != s->len || fclose(f)) {
    perror(path);
    exit(1);
  }
}

/* Moves every queued datagram of both sides to the other, recording them, until quiet. */
static void shuttle(ocf_dtls_ctx *srv, ocf_dtls_ctx *cli, seed *to_srv, seed *to_cli, ocf_time_ms now) {
  ocf_endpoint a = fz_endpoint(1), srv_ep = fz_endpoint(3), to;
  uint8_t buf[2048];
  size_t len;
  bool moved = true;
  while (moved) {
    moved = false;
    while ((len = ocf_dtls_next_datagram(cli, &to, buf, sizeof buf)) > 0) {
      add_record(to_srv, 0x04, buf, len); /* peer A, cookie patched if it is a ClientHello */
      (void)ocf_dtls_handle_datagram(srv, &a, buf, len, now);
      moved = true;
    }
    while ((len = ocf_dtls_next_datagram(srv, &to, buf, sizeof buf)) > 0) {
      add_record(to_cli, 0x02, buf, len);
      (void)ocf_dtls_handle_datagram(cli, &srv_ep, buf, len, now);
      moved = true;
    }
  }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  static seed to_srv, to_cli;
  to_srv.buf[to_srv.len++] = 0; /* no allocation failure */
  to_cli.buf[to_cli.len++] = 0;
  ocf_sim_platform ssp, csp;
  ocf_dtls_callbacks none = {0};
  ocf_dtls_ctx *srv = fz_server_new(&ssp, &none), *cli = NULL;
  ocf_sim_platform_init(&csp, 99);
  csp.quiet = true;
  ocf_dtls_config ccfg;
  ocf_dtls_config_default(&ccfg);
  ccfg.server = false;
  if (ocf_dtls_create(&csp.pf, &ccfg, &none, &cli)) abort();
  ocf_time_ms now = FZ_START;
  ocf_endpoint srv_ep = fz_endpoint(3), a = fz_endpoint(1);
  ocf_dtls_profile p = fz_client_profile();
  if (ocf_dtls_connect(cli, &srv_ep, &p, now)) abort();
  shuttle(srv, cli, &to_srv, &to_cli, now);
  if (!ocf_dtls_session_find(srv, &a) ||
      !ocf_dtls_session_get_info(ocf_dtls_session_find(srv, &a))->established)
    abort();
  static const uint8_t msg[] = "GET /oic/res";
  if (ocf_dtls_send(cli, &srv_ep, msg, sizeof msg, now) || ocf_dtls_send(srv, &a, msg, sizeof msg, now))
    abort();
  shuttle(srv, cli, &to_srv, &to_cli, now);
  write_seed(argv[1], "handshake_data", &to_srv);
  if (ocf_dtls_close(cli, &srv_ep, now)) abort();
  shuttle(srv, cli, &to_srv, &to_cli, now);
  write_seed(argv[1], "server_view", &to_srv);
  write_seed(argv[1], "client_view", &to_cli);
  ocf_dtls_destroy(srv);
  ocf_dtls_destroy(cli);
  return 0;
}
