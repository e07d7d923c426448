/* kill -9 test of the file store: a forked writer saves generation after generation (blobs "a",
 * "b", "d", "e" together with save_many, then "c" alone) and reports each completed operation on a
 * pipe; the test kills it with SIGKILL after a random number of reports (fixed seed, bounded
 * iterations), then opens the store and checks that it holds, for each operation, either the
 * last generation reported or the one in flight, intact, and never blobs of one save_many at
 * different generations. The next writer continues from what it finds.
 *
 * The kill lands wherever the writer happens to be (inside a write, between fsync and rename,
 * between the journal and the blobs, inside the recovery of the previous kill...), so the
 * exact crash points vary between runs; the invariants checked do not. kill -9 does not lose
 * the page cache, so this tests atomicity against a crashing process, not power loss (the
 * fsyncs are there for that, and are not observable here). */
#define _GNU_SOURCE /* prctl, pipe2 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ocf/ocf_posix.h>

#define ITERATIONS 30
#define SEED 0x6b696c6c2d39ull
#define MAX_REPORTS_BEFORE_KILL 24
#define PAYLOAD_MAX 2048
#define BATCH 4 /* blobs "a" "b" "d" "e" in each save_many */

static pid_t g_child = -1; /* killed by the teardown if an assertion fails mid-iteration */

typedef struct fixture {
  char root[64], dir[128];
  uint8_t key[OCF_STORE_KEY_LEN];
  uint64_t rng;
} fixture;

static uint64_t next_rand(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1Dull;
}

/* --- payloads: self-describing, so a mixed or damaged one is recognised ---------------------- */

static size_t payload_len(uint64_t gen, char tag) {
  return 40 + (size_t)((gen * 97 + (uint64_t)tag * 13) % 1800);
}

static size_t make_payload(uint64_t gen, char tag, uint8_t *out) {
  size_t len = payload_len(gen, tag);
  for (int i = 0; i < 8; i++) out[i] = (uint8_t)(gen >> (56 - 8 * i));
  out[8] = (uint8_t)tag;
  for (size_t i = 9; i < len; i++) out[i] = (uint8_t)(gen * 31 + i * 7 + (uint64_t)tag);
  return len;
}

/* The generation of a valid payload of `tag`, or 0 when it is not one. */
static uint64_t payload_gen(const uint8_t *p, size_t len, char tag) {
  if (len < 9) return 0;
  uint64_t gen = 0;
  for (int i = 0; i < 8; i++) gen = gen << 8 | p[i];
  uint8_t want[PAYLOAD_MAX];
  if (gen == 0 || make_payload(gen, tag, want) != len || memcmp(want, p, len) != 0) return 0;
  return gen;
}

/* --- the writer (child process) --------------------------------------------------------------- */

static void report(int fd, char op, uint64_t gen) {
  char line[32];
  int n = snprintf(line, sizeof line, "%c %llu\n", op, (unsigned long long)gen);
  if (n <= 0 || write(fd, line, (size_t)n) != n) _exit(3);
}

static ocf_store *writer_open(const fixture *f, ocf_platform *pf) {
  ocf_posix_platform_init(pf, OCF_LOG_ERROR, false);
  ocf_store_config cfg;
  ocf_store_config_init(&cfg);
  cfg.has_key = true;
  memcpy(cfg.key, f->key, sizeof cfg.key);
  ocf_store *s = NULL;
  if (ocf_posix_file_store_open(f->dir, &cfg, pf, &s) != OCF_OK) _exit(2);
  return s;
}

static _Noreturn void writer_main(const fixture *f, int fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  ocf_platform pf;
  ocf_store *s = writer_open(f, &pf);
  uint8_t a[PAYLOAD_MAX], b[PAYLOAD_MAX], d[PAYLOAD_MAX], e[PAYLOAD_MAX], c[PAYLOAD_MAX];
  size_t len = 0;
  uint64_t gen = 0;
  if (ocf_store_load(s, "a", a, sizeof a, &len) == OCF_OK) gen = payload_gen(a, len, 'a');
  for (gen++;; gen++) {
    ocf_store_change batch[BATCH] = {{.name = "a", .data = a, .len = make_payload(gen, 'a', a)},
                                     {.name = "b", .data = b, .len = make_payload(gen, 'b', b)},
                                     {.name = "d", .data = d, .len = make_payload(gen, 'd', d)},
                                     {.name = "e", .data = e, .len = make_payload(gen, 'e', e)}};
    if (ocf_store_save_many(s, batch, BATCH) != OCF_OK) _exit(4);
    report(fd, 'M', gen);
    if (ocf_store_save(s, "c", c, make_payload(gen, 'c', c)) != OCF_OK) _exit(5);
    report(fd, 'S', gen);
  }
}

/* --- the killer (test process) ---------------------------------------------------------------- */

/* What the store may hold: the generations of the last completed save_many and save (as
 * reported, or as found by the previous check), and the operation the writer was in when
 * killed, which may or may not have become durable. */
typedef struct acked {
  uint64_t many, single;
  char last; /* the last report of this writer: 'M', 'S', or 0 for none */
} acked;

/* Reads report lines until `want` of them arrived (or EOF when want is SIZE_MAX). */
static size_t read_reports(int fd, acked *ack, size_t want) {
  char line[64];
  size_t used = 0, seen = 0;
  while (seen < want) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    assert_int_equal(poll(&p, 1, 30000), 1); /* a guard against a hung writer, not a delay */
    char ch;
    ssize_t n = read(fd, &ch, 1);
    if (n == 0) break;
    assert_int_equal(n, 1);
    if (ch != '\n') {
      assert_true(used < sizeof line - 1);
      line[used++] = ch;
      continue;
    }
    line[used] = '\0';
    used = 0;
    unsigned long long gen = strtoull(line + 2, NULL, 10);
    if (line[0] == 'M') ack->many = gen;
    if (line[0] == 'S') ack->single = gen;
    ack->last = line[0];
    seen++;
  }
  return seen;
}

/* The payload generation of blob `name` (0 when absent); with same_record_gen, the record's own
 * generation must be the same (true of the save_many blobs: every writer continues from a's). */
static uint64_t load_gen(ocf_store *s, const char *name, char tag, bool same_record_gen) {
  uint8_t buf[PAYLOAD_MAX];
  size_t len = 0;
  ocf_err err = ocf_store_load(s, name, buf, sizeof buf, &len);
  if (err == OCF_ERR_NOT_FOUND) return 0;
  assert_int_equal(err, OCF_OK);
  uint64_t gen = payload_gen(buf, len, tag);
  assert_int_not_equal(gen, 0);
  uint64_t record_gen = 0;
  assert_int_equal(ocf_store_generation(s, name, &record_gen), OCF_OK);
  if (same_record_gen)
    assert_int_equal(record_gen, gen);
  else
    assert_true(record_gen <= gen);
  return gen;
}

/* Counts the names in dir that end in .tmp or are the journal (what a kill left mid-way). */
static size_t leftovers(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  size_t n = 0;
  for (struct dirent *e = readdir(d); e; e = readdir(d)) {
    size_t len = strlen(e->d_name);
    if (strcmp(e->d_name, "_journal") == 0 || (len > 4 && strcmp(e->d_name + len - 4, ".tmp") == 0)) n++;
  }
  closedir(d);
  return n;
}

/* Checks the store against ack, then makes what it found the baseline of the next writer. */
static void check_store(const fixture *f, acked *ack) {
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_ERROR, false);
  ocf_store_config cfg;
  ocf_store_config_init(&cfg);
  cfg.has_key = true;
  memcpy(cfg.key, f->key, sizeof cfg.key);
  ocf_store *s = NULL;
  assert_int_equal(ocf_posix_file_store_open(f->dir, &cfg, &pf, &s), OCF_OK);
  uint64_t ga = load_gen(s, "a", 'a', true), gb = load_gen(s, "b", 'b', true);
  uint64_t gd = load_gen(s, "d", 'd', true), ge = load_gen(s, "e", 'e', true);
  uint64_t gc = load_gen(s, "c", 'c', false);
  ocf_store_close(s);
  /* never a mix of two save_many */
  assert_int_equal(ga, gb);
  assert_int_equal(ga, gd);
  assert_int_equal(ga, ge);
  /* In flight at the kill: after "M g" the save of c at g, otherwise the next save_many. */
  bool many_in_flight = ack->last != 'M';
  assert_true(ga == ack->many || (many_in_flight && ga == ack->many + 1));
  assert_true(gc == ack->single || (!many_in_flight && gc == ack->many));
  assert_int_equal(leftovers(f->dir), 0); /* the open cleaned up and completed */
  ack->many = ga;
  ack->single = gc;
  ack->last = 0;
}

static void kill_once(fixture *f, acked *ack, size_t *mid_way) {
  int fds[2];
  assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
  size_t want = (size_t)(next_rand(&f->rng) % (MAX_REPORTS_BEFORE_KILL + 1));
  g_child = fork();
  assert_true(g_child >= 0);
  if (g_child == 0) {
    close(fds[0]);
    writer_main(f, fds[1]);
  }
  close(fds[1]);
  assert_int_equal(read_reports(fds[0], ack, want), want);
  assert_int_equal(kill(g_child, SIGKILL), 0);
  int status = 0;
  assert_int_equal(waitpid(g_child, &status, 0), g_child);
  g_child = -1;
  /* Killed by us, not failed on its own (an exit code would mean a store error). */
  assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  read_reports(fds[0], ack, SIZE_MAX); /* what it completed before dying */
  close(fds[0]);
  if (leftovers(f->dir) > 0) (*mid_way)++;
}

static void test_kill_9_at_random_moments_leaves_old_or_new_generation(void **state) {
  fixture *f = *state;
  acked ack = {0, 0, 0};
  size_t mid_way = 0;
  for (int i = 0; i < ITERATIONS; i++) {
    kill_once(f, &ack, &mid_way);
    check_store(f, &ack);
  }
  assert_true(ack.many > 0); /* the writers made progress */
  printf("# %d kills, %zu left a journal or a temporary file, last generation %llu\n", ITERATIONS, mid_way,
         (unsigned long long)ack.many);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  memcpy(f->root, "/tmp/ocf-kill-XXXXXX", sizeof "/tmp/ocf-kill-XXXXXX");
  if (!mkdtemp(f->root)) return -1;
  snprintf(f->dir, sizeof f->dir, "%s/store", f->root);
  for (size_t i = 0; i < sizeof f->key; i++) f->key[i] = (uint8_t)(i * 7 + 1);
  f->rng = SEED;
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  if (g_child > 0) {
    kill(g_child, SIGKILL);
    waitpid(g_child, NULL, 0);
  }
  nftw(f->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  free(f);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_kill_9_at_random_moments_leaves_old_or_new_generation, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
