/* Unit tests of the poll() loop in src/platform/posix with a tiny test engine. Timer tests use a
 * fake clock; the datagram test sends only between sockets bound to ::1 and 127.0.0.1. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ocf/ocf_posix.h>

static const uint8_t k_lo6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t k_lo4[4] = {127, 0, 0, 1};

/* ---- a fake clock: returns `now`, then advances it by `step` (which may be negative) ---- */

typedef struct fake_clock {
  ocf_time_ms now;
  int64_t step;
} fake_clock;

static ocf_time_ms fake_clock_read(void *ctx) {
  fake_clock *c = ctx;
  ocf_time_ms t = c->now;
  c->now = (ocf_time_ms)((int64_t)c->now + c->step);
  return t;
}

/* ---- the test engine --------------------------------------------------------------------- */

#define MAX_OUT 4

typedef struct test_engine {
  char name;
  ocf_posix_loop *loop;
  char *order; /* shared log of on_timeout calls, by engine name */
  ocf_time_ms deadline;
  bool sticky; /* deadline stays in the past after firing */
  bool stop_on_timeout, remove_self_on_timeout, echo;
  int fired;
  ocf_time_ms fired_at[8];
  /* datagrams to send */
  size_t out_count;
  ocf_endpoint out_to[MAX_OUT];
  char out[MAX_OUT][80];
  /* the last datagram received, per family (index 0 = IPv6, 1 = IPv4) */
  int received;
  ocf_endpoint from[2];
  char data[2][64];
} test_engine;

static void te_handle(void *ctx, const ocf_endpoint *from, const uint8_t *data, size_t len, ocf_time_ms now) {
  (void)now;
  test_engine *e = ctx;
  e->received++;
  size_t fam = from->family == OCF_IPV6 ? 0 : 1;
  e->from[fam] = *from;
  memset(e->data[fam], 0, sizeof e->data[fam]);
  memcpy(e->data[fam], data, len < sizeof e->data[fam] - 1 ? len : sizeof e->data[fam] - 1);
  if (e->echo && e->out_count < MAX_OUT) {
    e->out_to[e->out_count] = *from;
    char got[sizeof e->data[0]]; /* a separate copy: gcc's -Wrestrict sees one object in e */
    memcpy(got, e->data[fam], sizeof got);
    snprintf(e->out[e->out_count++], sizeof e->out[0], "pong:%s", got);
  }
}

static size_t te_next(void *ctx, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  test_engine *e = ctx;
  if (e->out_count == 0) return 0;
  size_t len = strlen(e->out[0]);
  assert_true(cap >= len);
  *to = e->out_to[0];
  memcpy(buf, e->out[0], len);
  e->out_count--;
  memmove(e->out_to, e->out_to + 1, e->out_count * sizeof e->out_to[0]);
  memmove(e->out, e->out + 1, e->out_count * sizeof e->out[0]);
  return len;
}

static ocf_time_ms te_next_timeout(void *ctx) { return ((test_engine *)ctx)->deadline; }

static void te_on_timeout(void *ctx, ocf_time_ms now) {
  test_engine *e = ctx;
  assert_true(now >= e->deadline); /* the loop never fires early */
  if (e->fired < 8) e->fired_at[e->fired] = now;
  e->fired++;
  if (e->order) {
    size_t n = strlen(e->order);
    e->order[n] = e->name;
    e->order[n + 1] = '\0';
  }
  if (!e->sticky) e->deadline = OCF_TIME_NEVER;
  if (e->stop_on_timeout) ocf_posix_loop_stop(e->loop);
  if (e->remove_self_on_timeout) assert_int_equal(ocf_posix_loop_remove_engine(e->loop, e), OCF_OK);
}

static const ocf_engine_ops k_test_ops = {te_handle, te_next, te_next_timeout, te_on_timeout};

/* ---- fixture: a loop and four loopback nets ---------------------------------------------- */

#define NETS 4

typedef struct fixture {
  ocf_platform pf;
  ocf_posix_loop *loop;
  ocf_posix_net *net[NETS];
  test_engine e[NETS];
  char order[16];
  fake_clock clock;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  ocf_posix_platform_init(&f->pf, OCF_LOG_WARN, false);
  if (ocf_posix_loop_create(&f->pf, &f->loop) != OCF_OK) return -1;
  ocf_posix_net_config cfg;
  ocf_posix_net_config_init(&cfg);
  memcpy(cfg.bind6, k_lo6, 16);
  memcpy(cfg.bind4, k_lo4, 4);
  for (size_t i = 0; i < NETS; i++) {
    if (ocf_posix_net_open(&cfg, &f->pf, &f->net[i]) != OCF_OK) return -1;
    f->e[i] = (test_engine){
        .name = (char)('A' + i), .loop = f->loop, .order = f->order, .deadline = OCF_TIME_NEVER};
  }
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  ocf_posix_loop_destroy(f->loop);
  for (size_t i = 0; i < NETS; i++) ocf_posix_net_close(f->net[i]);
  free(f);
  return 0;
}

static void add(fixture *f, size_t i) {
  ocf_engine engine = {&k_test_ops, &f->e[i]};
  assert_int_equal(ocf_posix_loop_add_engine(f->loop, &engine, f->net[i]), OCF_OK);
}

static void use_fake_clock(fixture *f, ocf_time_ms start, int64_t step) {
  f->clock = (fake_clock){start, step};
  ocf_posix_loop_set_clock(f->loop, fake_clock_read, &f->clock);
}

/* ---- done predicates --------------------------------------------------------------------- */

static bool all_three_fired(void *ctx) {
  const fixture *f = ctx;
  return f->e[0].fired && f->e[1].fired && f->e[2].fired;
}

static bool third_tick(void *ctx) { return ++*(int *)ctx >= 3; }

static bool engine_received(void *ctx) { return ((const test_engine *)ctx)->received >= 2; }

/* ---- tests ------------------------------------------------------------------------------- */

static void test_loop_fires_timeouts_earliest_deadline_first(void **state) {
  fixture *f = *state;
  /* Tick 1 reads 1000 (nothing due, poll waits 1 ms); tick 2 reads 2000: all three are due
   * and must run in deadline order, not registration order. */
  use_fake_clock(f, 1000, 1000);
  f->e[0].deadline = 1003;
  f->e[1].deadline = 1001;
  f->e[2].deadline = 1002;
  for (size_t i = 0; i < 3; i++) add(f, i);
  assert_int_equal(ocf_posix_loop_run(f->loop, 50000, all_three_fired, f), OCF_OK);
  assert_string_equal(f->order, "BCA");
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(f->e[i].fired, 1);
    assert_int_equal(f->e[i].fired_at[0], 2000);
  }
  assert_int_equal(ocf_posix_loop_now(f->loop), 2000);
}

static void test_loop_fires_each_engine_at_most_once_per_tick(void **state) {
  fixture *f = *state;
  use_fake_clock(f, 100, 1);
  f->e[0].deadline = 0;
  f->e[0].sticky = true; /* always due: a naive loop would spin inside one tick */
  add(f, 0);
  int ticks = 0;
  assert_int_equal(ocf_posix_loop_run(f->loop, OCF_TIME_NEVER, third_tick, &ticks), OCF_OK);
  assert_int_equal(f->e[0].fired, 3);
  assert_int_equal(f->e[0].fired_at[0], 100);
  assert_int_equal(f->e[0].fired_at[2], 102);
}

static void test_loop_returns_timeout_at_deadline(void **state) {
  fixture *f = *state;
  use_fake_clock(f, 1000, 1000);
  assert_int_equal(ocf_posix_loop_run(f->loop, 1001, NULL, NULL), OCF_ERR_TIMEOUT);
  assert_int_equal(ocf_posix_loop_now(f->loop), 2000);
}

static void test_loop_stop_from_callback_returns_ok_once(void **state) {
  fixture *f = *state;
  use_fake_clock(f, 1000, 1000);
  f->e[0].deadline = 1000;
  f->e[0].stop_on_timeout = true;
  add(f, 0);
  assert_int_equal(ocf_posix_loop_run(f->loop, OCF_TIME_NEVER, NULL, NULL), OCF_OK);
  assert_int_equal(f->e[0].fired, 1);
  /* The stop request was consumed: the next run goes on until its deadline. */
  assert_int_equal(ocf_posix_loop_run(f->loop, 2001, NULL, NULL), OCF_ERR_TIMEOUT);
  assert_int_equal(f->e[0].fired, 1);
}

static void test_loop_engine_may_remove_itself_in_its_callback(void **state) {
  fixture *f = *state;
  use_fake_clock(f, 1000, 1000);
  f->e[0].deadline = 1000;
  f->e[0].sticky = true;
  f->e[0].remove_self_on_timeout = true;
  f->e[1].deadline = 1000;
  f->e[1].sticky = true;
  add(f, 0);
  add(f, 1);
  int ticks = 0;
  assert_int_equal(ocf_posix_loop_run(f->loop, OCF_TIME_NEVER, third_tick, &ticks), OCF_OK);
  assert_int_equal(f->e[0].fired, 1);
  assert_int_equal(f->e[1].fired, 3);
  assert_int_equal(ocf_posix_loop_remove_engine(f->loop, &f->e[0]), OCF_ERR_NOT_FOUND);
}

static void test_loop_clock_never_goes_backwards(void **state) {
  fixture *f = *state;
  use_fake_clock(f, 5000, -1000);
  f->e[0].deadline = 0;
  f->e[0].sticky = true;
  add(f, 0);
  int ticks = 0;
  assert_int_equal(ocf_posix_loop_run(f->loop, OCF_TIME_NEVER, third_tick, &ticks), OCF_OK);
  for (int i = 0; i < 3; i++) assert_int_equal(f->e[0].fired_at[i], 5000);
}

static ocf_endpoint loopback(ocf_ip_family family, uint16_t port) {
  ocf_endpoint ep = {.family = (uint8_t)family, .port = port};
  memcpy(ep.addr, family == OCF_IPV6 ? k_lo6 : k_lo4, family == OCF_IPV6 ? 16 : 4);
  return ep;
}

static void test_loop_delivers_datagrams_and_sends_replies(void **state) {
  fixture *f = *state;
  ocf_posix_net_ports server, client;
  ocf_posix_net_get_ports(f->net[0], &server);
  ocf_posix_net_get_ports(f->net[1], &client);
  f->e[0].echo = true;
  test_engine *c = &f->e[1];
  c->out_count = 2;
  c->out_to[0] = loopback(OCF_IPV6, server.unicast6);
  snprintf(c->out[0], sizeof c->out[0], "ping6");
  c->out_to[1] = loopback(OCF_IPV4, server.unicast4);
  snprintf(c->out[1], sizeof c->out[1], "ping4");
  add(f, 0);
  add(f, 1);
  assert_int_equal(ocf_posix_loop_run(f->loop, ocf_posix_now() + 10000, engine_received, c), OCF_OK);
  assert_int_equal(f->e[0].received, 2);
  assert_int_equal(c->out_count, 0);
  /* Each reply came back from the server's unicast port of the same family. */
  assert_string_equal(c->data[0], "pong:ping6");
  assert_string_equal(c->data[1], "pong:ping4");
  ocf_endpoint expected = loopback(OCF_IPV6, server.unicast6);
  assert_true(ocf_endpoint_equal(&c->from[0], &expected));
  expected = loopback(OCF_IPV4, server.unicast4);
  assert_true(ocf_endpoint_equal(&c->from[1], &expected));
  expected = loopback(OCF_IPV6, client.unicast6);
  assert_true(ocf_endpoint_equal(&f->e[0].from[0], &expected));
  expected = loopback(OCF_IPV4, client.unicast4);
  assert_true(ocf_endpoint_equal(&f->e[0].from[1], &expected));
}

typedef struct pipe_reader {
  ocf_posix_loop *loop;
  int calls;
  char got;
} pipe_reader;

static void on_pipe_readable(void *ctx, int fd, ocf_time_ms now) {
  (void)now;
  pipe_reader *r = ctx;
  r->calls++;
  assert_int_equal(read(fd, &r->got, 1), 1);
  assert_int_equal(ocf_posix_loop_remove_fd(r->loop, fd), OCF_OK);
}

static bool pipe_read(void *ctx) { return ((const pipe_reader *)ctx)->calls > 0; }

static void test_loop_watches_extra_fds(void **state) {
  fixture *f = *state;
  int p[2];
  assert_int_equal(pipe(p), 0);
  pipe_reader r = {.loop = f->loop};
  assert_int_equal(ocf_posix_loop_add_fd(f->loop, p[0], on_pipe_readable, &r), OCF_OK);
  assert_int_equal(ocf_posix_loop_add_fd(f->loop, p[0], on_pipe_readable, &r), OCF_ERR_STATE);
  assert_int_equal(write(p[1], "x", 1), 1);
  assert_int_equal(ocf_posix_loop_run(f->loop, ocf_posix_now() + 10000, pipe_read, &r), OCF_OK);
  assert_int_equal(r.calls, 1);
  assert_int_equal(r.got, 'x');
  assert_int_equal(ocf_posix_loop_remove_fd(f->loop, p[0]), OCF_ERR_NOT_FOUND);
  close(p[0]);
  close(p[1]);
}

static void test_loop_registration_rejects_bad_input(void **state) {
  fixture *f = *state;
  ocf_engine engine = {&k_test_ops, &f->e[0]};
  assert_int_equal(ocf_posix_loop_add_engine(f->loop, &engine, f->net[0]), OCF_OK);
  ocf_engine other = {&k_test_ops, &f->e[1]};
  assert_int_equal(ocf_posix_loop_add_engine(f->loop, &other, f->net[0]), OCF_ERR_STATE);
  static const ocf_engine_ops missing = {te_handle, te_next, NULL, te_on_timeout};
  ocf_engine broken = {&missing, &f->e[1]};
  assert_int_equal(ocf_posix_loop_add_engine(f->loop, &broken, f->net[1]), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_posix_loop_add_engine(f->loop, &other, NULL), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_posix_loop_remove_engine(f->loop, &f->e[3]), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_posix_loop_add_fd(f->loop, -1, on_pipe_readable, NULL), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_posix_loop_remove_fd(f->loop, 12345), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_posix_loop_run(NULL, 0, NULL, NULL), OCF_ERR_INVALID_ARG);
}

static void *null_alloc(void *ctx, size_t size) {
  (void)ctx;
  (void)size;
  return NULL;
}

static void test_loop_create_reports_failed_allocation(void **state) {
  (void)state;
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_ERROR, false);
  pf.alloc = null_alloc;
  ocf_posix_loop *loop = (ocf_posix_loop *)&pf;
  assert_int_equal(ocf_posix_loop_create(&pf, &loop), OCF_ERR_NO_MEMORY);
  assert_null(loop);
  assert_int_equal(ocf_posix_loop_create(NULL, &loop), OCF_ERR_INVALID_ARG);
}

#define LOOP_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      LOOP_TEST(test_loop_fires_timeouts_earliest_deadline_first),
      LOOP_TEST(test_loop_fires_each_engine_at_most_once_per_tick),
      LOOP_TEST(test_loop_returns_timeout_at_deadline),
      LOOP_TEST(test_loop_stop_from_callback_returns_ok_once),
      LOOP_TEST(test_loop_engine_may_remove_itself_in_its_callback),
      LOOP_TEST(test_loop_clock_never_goes_backwards),
      LOOP_TEST(test_loop_delivers_datagrams_and_sends_replies),
      LOOP_TEST(test_loop_watches_extra_fds),
      LOOP_TEST(test_loop_registration_rejects_bad_input),
      cmocka_unit_test(test_loop_create_reports_failed_allocation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
