/* Allocation-failure torture (issue 7 item 2, docs/HARDENING.md "Allocation-failure torture").
 *
 * Whole simulation scenarios are run again and again, failing the Nth allocation of one
 * platform (the tool's: the ocf_obt engine and its domain store; or the device's: a real
 * ocf_device of src/device with its sealed store), for every N from 1 to the number of
 * allocations the clean run makes (counted first); then failing the Nth allocation of mbedTLS
 * (every engine's DTLS, X.509 and AES-GCM) or of SQLite (the tool's domain store) through
 * test-only allocator hooks, for a chosen set of N (pick_ns: every allocation site, and a
 * stride). For every N:
 *   - no crash (ASan/UBSan in the dev preset), and no leak: every platform's live allocations
 *     are back to zero once everything is destroyed;
 *   - a clean error: the API call returned an error, or the job ended with a failure that names
 *     its step and an error or a response code; or the run succeeded anyway (the allocation
 *     was optional). No hang: the run must end within bounded simulated time;
 *   - consistent state: a device the store calls owned has its owner credential in the store
 *     and is owned (RFPRO) itself; a device whose doxm says owned is either back in RFOTM (its
 *     onboarding connection ended) or the store holds its owner credential;
 *   - a second clean run afterwards still onboards the device (unless it is already owned and
 *     recorded so).
 * Scenarios: 1. Just Works onboarding of one real device by ocf_obt_onboard; 2. a device
 * restart from its store (ocf_device_create loading an owned device's SVRs); 3. provisioning:
 * an "acl add" (the AMS step function of <ocf/ocf_obt_ams.h> run by ocf_obt_prov_run over the
 * owner session) against the owned device, which must stay owned on both sides and hold the
 * new ACE once or not at all; 4. a pairwise key (ocf_obt_pair, <ocf/ocf_obt_cms.h>) between two
 * owned devices (the first device's platform is the one failed on the device side): no half
 * pairing (both hold the entry and the store records it, or neither holds one unless the failure
 * reports one `left`); and its undoing (OCF_OBT_UNPAIR). The onboarding also runs with Random
 * PIN and with the manufacturer certificate OTM.
 * Figures (allocations per scenario, N tried, outcomes) are printed. Knobs for local runs:
 * TORTURE_STEP=k (platforms: every kth N only), TORTURE_MBEDTLS_STEP, TORTURE_SITE_FIRST,
 * TORTURE_SQLITE_STEP (see pick_ns), TORTURE_AFTER=1 (every allocation from the Nth on fails),
 * TORTURE_SIDES=mbedtls,sqlite (those tests only), TORTURE_N=n (that N only), TORTURE_DRY=1
 * (count only), TORTURE_LOG=1 (the engines' log lines), TORTURE_VERBOSE=1. */
#include <execinfo.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform.h>
#include <sqlite3.h>

#include <ocf/ocf_device.h>
#include <ocf/ocf_obt_ams.h>
#include <ocf/ocf_obt_cms.h>
#include <ocf/ocf_obt_prov.h>

#include <ocf/ocf_obt_trust.h>

#include "device/device.h"
#include "dtls_certs.h"
#include "device/sec.h"
#include "obt_world.h"
#include "store/memory/memory.h"

#define SIM_LIMIT_MS 600000u /* a run that has not ended by then hangs */
#define IDLE_MS 5000u        /* the device's session idle timeout: an abandoned DOC ends */
/* After a run: idle sessions and half-done handshakes (the tool went silent mid-handshake when
 * every allocation from N on fails) end within this. */
#define SETTLE_MS 120000u

/* TORTURE_AFTER=1: every allocation from the Nth on fails (not only the Nth). */
static bool from_n_on(void) { return getenv("TORTURE_AFTER") != NULL; }

/* --- the libraries' own allocators ----------------------------------------------------------- */

/* mbedTLS (built with MBEDTLS_PLATFORM_MEMORY: deps/mbedtls/obt_mbedtls_config.h) and SQLite
 * allocate from libc, not from the platform, and both are process-wide: every engine of the test
 * (the tool, the devices) shares one mbedTLS, only the tool uses SQLite. The test installs
 * counting allocators that can fail the Nth attempt (mbedtls_platform_set_calloc_free,
 * sqlite3_config(SQLITE_CONFIG_MALLOC)) before either library is first used. Process-wide
 * mutable state, in the test binary only: the product never replaces these allocators. */
typedef struct lib_alloc {
  size_t attempts, live, failures;
  size_t fail_at;  /* 0: never; else the attempt with this number fails ... */
  bool fail_after; /* ... and, when set, every later one too */
  /* The clean run records, for each attempt from `mark` on, where in the library it was made
   * (mbedTLS: the address mbedtls_calloc returns to; SQLite: 0, one allocator for all): see
   * pick_ns(). */
  size_t mark;
  bool record;
  uintptr_t *site; /* site[i]: of attempt mark + 1 + i */
  size_t site_cap;
} lib_alloc;

static lib_alloc g_mbed, g_sql;

#ifndef TORTURE_SITE_DEPTH
#define TORTURE_SITE_DEPTH 3
#endif

static bool lib_attempt(lib_alloc *a, uintptr_t site) {
  a->attempts++;
  if (a->record && a->attempts > a->mark) {
    size_t i = a->attempts - a->mark - 1;
    if (i >= a->site_cap) {
      size_t cap = a->site_cap ? 2 * a->site_cap : 4096;
      while (cap <= i) cap *= 2;
      uintptr_t *b = realloc(a->site, cap * sizeof *b);
      assert_non_null(b);
      memset(b + a->site_cap, 0, (cap - a->site_cap) * sizeof *b);
      a->site = b;
      a->site_cap = cap;
    }
    a->site[i] = site;
  }
  if (a->fail_at && (a->attempts == a->fail_at || (a->fail_after && a->attempts > a->fail_at))) {
    a->failures++;
    return false;
  }
  return true;
}

static void lib_fail(lib_alloc *a, size_t nth, bool and_after) {
  a->fail_at = nth ? a->attempts + nth : 0;
  a->fail_after = and_after;
  a->failures = 0;
}

/* Where the allocation comes from: the return addresses of the innermost frames above the
 * hook, hashed (only while a clean run records: backtrace() is slow). */
static uintptr_t call_site(void) {
  if (!g_mbed.record) return 0;
  void *frames[TORTURE_SITE_DEPTH + 1];
  int n = backtrace(frames, TORTURE_SITE_DEPTH + 1);
  uintptr_t h = 1469598103934665603u;
  for (int i = 1; i < n; i++) h = (h ^ (uintptr_t)frames[i]) * 1099511628211u;
  return h;
}

static void *mbed_calloc(size_t n, size_t size) {
  if (!lib_attempt(&g_mbed, call_site())) return NULL;
  void *p = calloc(n, size);
  if (p) g_mbed.live++;
  return p;
}

static void mbed_free(void *p) {
  if (!p) return;
  assert_true(g_mbed.live > 0);
  g_mbed.live--;
  free(p);
}

/* SQLite wants the size of a block back (xSize): it is kept in a header. */
#define SQL_HDR 16u

static void *sql_malloc(int n) {
  if (n <= 0 || !lib_attempt(&g_sql, 0)) return NULL;
  unsigned char *p = malloc(SQL_HDR + (size_t)n);
  if (!p) return NULL;
  memcpy(p, &(size_t){(size_t)n}, sizeof(size_t));
  g_sql.live++;
  return p + SQL_HDR;
}

static void sql_free(void *p) {
  if (!p) return;
  assert_true(g_sql.live > 0);
  g_sql.live--;
  free((unsigned char *)p - SQL_HDR);
}

static int sql_size(void *p) {
  size_t n = 0;
  if (p) memcpy(&n, (unsigned char *)p - SQL_HDR, sizeof n);
  return (int)n;
}

static void *sql_realloc(void *p, int n) {
  if (!p) return sql_malloc(n);
  if (n <= 0 || !lib_attempt(&g_sql, 0)) return NULL;
  unsigned char *q = realloc((unsigned char *)p - SQL_HDR, SQL_HDR + (size_t)n);
  if (!q) return NULL;
  memcpy(q, &(size_t){(size_t)n}, sizeof(size_t));
  return q + SQL_HDR;
}

static int sql_roundup(int n) { return (n + 7) & ~7; }
static int sql_init(void *app) {
  (void)app;
  return SQLITE_OK;
}
static void sql_shutdown(void *app) { (void)app; }

static void install_lib_allocators(void) {
  static const sqlite3_mem_methods m = {sql_malloc,  sql_free, sql_realloc,  sql_size,
                                        sql_roundup, sql_init, sql_shutdown, NULL};
  /* Before SQLite's first use (sqlite3_shutdown would be needed otherwise). */
  if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK || sqlite3_initialize() != SQLITE_OK) {
    (void)sqlite3_shutdown();
    if (sqlite3_config(SQLITE_CONFIG_MALLOC, &m) != SQLITE_OK || sqlite3_initialize() != SQLITE_OK) abort();
  }
  if (mbedtls_platform_set_calloc_free(mbed_calloc, mbed_free) != 0) abort();
}

/* --- the real device ------------------------------------------------------------------------ */

typedef struct real_dev {
  ocf_sim_platform sp;
  ocf_mem_medium *medium;
  ocf_store *store;
  ocf_device *dev;
  int node;
  size_t idx; /* its target in the world */
  world *w;
  char pin[33]; /* Random PIN: the PIN it showed */
} real_dev;

/* The OTM the onboarding scenario runs (OCF_DEVICE_OTM_*; the device offers only it). Test
 * state, set by each test before its runs. */
static unsigned g_otm = OCF_DEVICE_OTM_JUST_WORKS;
/* The CMS run of the pair scenario: a pairing, or its undoing. Test state too. */
static bool g_unpair;

#define WALL_2025 1748736000000 /* 2025-06-01T00:00:00Z, ms: mfgcert chains are checked at it */

/* Manufacturer certificates (digest 4.4): a root the tool's domain trusts and the device's leaf
 * (made once: key generation is slow). */
typedef struct mfg_certs {
  test_cred root, leaf;
  ocf_bytes chain[1];
  bool made;
} mfg_certs;

static mfg_certs g_mfg;

static const mfg_certs *mfg_get(void) {
  if (g_mfg.made) return &g_mfg;
  test_cert_opts ca = {.is_ca = true, .max_pathlen = -1};
  test_make_cert(&g_mfg.root, NULL, "Torture Mfg Root", &ca, 81);
  test_cert_opts lo = {.eku = TEST_EKU_OCF_LEAF};
  test_make_cert(&g_mfg.leaf, &g_mfg.root, "Torture Lamp 0001", &lo, 82);
  g_mfg.chain[0] = test_cert_bytes(&g_mfg.leaf);
  g_mfg.made = true;
  return &g_mfg;
}

static const char *otm_policy(void) {
  return g_otm == OCF_DEVICE_OTM_RANDOM_PIN ? "rdp" : g_otm == OCF_DEVICE_OTM_MFG_CERT ? "mfgcert" : "jw";
}

static const char *otm_name(void) {
  return g_otm == OCF_DEVICE_OTM_RANDOM_PIN ? "onb rdp"
         : g_otm == OCF_DEVICE_OTM_MFG_CERT ? "onb mfg"
                                            : "onboard";
}

/* Digest 4.3: the device shows a new PIN when Random PIN is selected; the "user" hands it to the
 * tool when the tool asks (obt_world's on_event answers PIN_NEEDED with w->pin_to_give). */
static void on_real_device_event(void *user, ocf_device *d, const ocf_device_event *ev) {
  real_dev *r = user;
  (void)d;
  if (ev->type != OCF_DEVICE_EV_OTM_SELECTED || !ev->pin) return;
  assert_true(strlen(ev->pin) < sizeof r->pin);
  snprintf(r->pin, sizeof r->pin, "%s", ev->pin);
  r->w->pin_to_give = r->pin;
}

static ocf_err real_dev_create(real_dev *r) {
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
  cfg.otms[0] = g_otm;
  cfg.n_otms = 1;
  cfg.store = r->store;
  cfg.session_idle_ms = IDLE_MS;
  cfg.on_event = on_real_device_event;
  cfg.event_user = r;
  if (g_otm == OCF_DEVICE_OTM_MFG_CERT) {
    const mfg_certs *m = mfg_get();
    cfg.mfg_chain = m->chain;
    cfg.n_mfg_chain = 1;
    cfg.mfg_key = test_key_bytes(&m->leaf);
  }
  return ocf_device_create(&r->sp.pf, &cfg, &r->dev);
}

/* The world of an onboarding by g_otm: its policy and, for mfgcert, the manufacturer's root
 * trusted at the wall clock of 2025. */
static void otm_world_init(world *w, uint64_t seed) {
  world_init(w, seed, 4, 2, otm_policy());
  w->sp.quiet = !getenv("TORTURE_LOG");
  if (g_otm != OCF_DEVICE_OTM_MFG_CERT) return;
  const mfg_certs *m = mfg_get();
  w->wall = WALL_2025;
  ocf_obt_trust_info info;
  ocf_bytes root = test_cert_bytes(&m->root);
  assert_int_equal(ocf_obt_trust_add(w->store, root.ptr, root.len, WALL_2025 / 1000, &info, NULL), OCF_OK);
}

static void real_dev_attach(real_dev *r) {
  world *w = r->w;
  uint8_t last = (uint8_t)(0x30 + r->idx);
  ocf_endpoint ep = ep6(last, 5683, 0);
  r->node = ocf_sim_add_node(w->net, ocf_device_engine(r->dev));
  assert_true(r->node >= 0);
  ocf_sim_node_add_addr(w->net, r->node, &ep);
  ocf_obt_onboard_device *t = &w->targets[r->idx];
  memset(t, 0, sizeof *t);
  ocf_device_get_di(r->dev, &t->uuid);
  t->coap = ep;
  t->coaps = ep6(last, 5683, OCF_EP_SECURE);
  snprintf(t->name, sizeof t->name, "real lamp %zu", r->idx);
  snprintf(t->type, sizeof t->type, "oic.d.light");
  w->n_dev = r->idx + 1; /* w->dev[i] stay unused (no stack): world_free skips them */
}

/* An ocf-device (Just Works) with a sealed store on a memory medium, target idx of the world. */
static void real_dev_start_at(real_dev *r, world *w, size_t idx) {
  memset(r, 0, sizeof *r);
  r->w = w;
  r->idx = idx;
  ocf_sim_platform_init(&r->sp, 99 + idx);
  r->sp.quiet = !getenv("TORTURE_LOG");
  assert_int_equal(ocf_mem_medium_new(&r->sp.pf, 32, 128u << 10, &r->medium), OCF_OK);
  ocf_store_config sc;
  ocf_store_config_init(&sc);
  sc.max_record = 128u << 10;
  sc.has_key = true;
  memset(sc.key, 0x5a, sizeof sc.key);
  ocf_store_medium port = ocf_mem_medium_port(r->medium);
  assert_int_equal(ocf_store_open(&port, &sc, &r->sp.pf, &r->store), OCF_OK);
  assert_int_equal(real_dev_create(r), OCF_OK);
  real_dev_attach(r);
}

static void real_dev_start(real_dev *r, world *w) { real_dev_start_at(r, w, 0); }

static void real_dev_stop(real_dev *r) {
  ocf_sim_node_remove(r->w->net, r->node);
  ocf_device_destroy(r->dev);
  ocf_store_close(r->store);
  ocf_mem_medium_free(r->medium);
  assert_int_equal(r->sp.live, 0);
}

static bool dev_owned(const real_dev *r) { return r->dev->sec->cur->doxm.owned; }

/* --- sides, meters, figures ------------------------------------------------------------------ */

/* Whose allocations fail: the tool's platform, the (first) device's platform, mbedTLS's or
 * SQLite's allocator (process-wide: any engine's use of the library). */
enum side { SIDE_NONE, SIDE_TOOL, SIDE_DEVICE, SIDE_MBEDTLS, SIDE_SQLITE, N_SIDES };

static const char *side_name(enum side s) {
  static const char *const names[N_SIDES] = {"none", "tool", "device", "mbedtls", "sqlite"};
  return names[s];
}

/* What a run did: allocation attempts on every side while it ran, allocations live once it
 * ended (sessions idled out). */
typedef struct usage {
  size_t attempts[N_SIDES], live[N_SIDES];
} usage;

typedef struct meter {
  ocf_sim_platform *tool, *dev;
  const ocf_mem_medium *flash; /* the device's medium: its objects are state, not leaks */
  enum side side;
  size_t a0[N_SIDES];
} meter;

static size_t side_attempts(const meter *m, enum side s) {
  switch (s) {
  case SIDE_TOOL: return m->tool->attempts;
  case SIDE_DEVICE: return m->dev->attempts;
  case SIDE_MBEDTLS: return g_mbed.attempts;
  case SIDE_SQLITE: return g_sql.attempts;
  default: return 0;
  }
}

static size_t side_live(const meter *m, enum side s) {
  switch (s) {
  case SIDE_TOOL: return m->tool->live;
  case SIDE_DEVICE: return m->dev->live - ocf_mem_medium_count(m->flash); /* one block per object */
  case SIDE_MBEDTLS: return g_mbed.live;
  case SIDE_SQLITE: return g_sql.live;
  default: return 0;
  }
}

/* Arms the nth allocation of side (nth 0: a clean run, which records which library attempts
 * were bignum limbs). */
static void meter_start(meter *m, ocf_sim_platform *tool, ocf_sim_platform *dev, const ocf_mem_medium *flash,
                        enum side side, size_t nth) {
  *m = (meter){.tool = tool, .dev = dev, .flash = flash, .side = side};
  for (int s = 1; s < N_SIDES; s++) m->a0[s] = side_attempts(m, (enum side)s);
  if (!nth) {
    g_mbed.record = g_sql.record = true;
    g_mbed.mark = g_mbed.attempts;
    g_sql.mark = g_sql.attempts;
    return;
  }
  switch (side) {
  case SIDE_TOOL: ocf_sim_fail_alloc(tool, nth, from_n_on()); break;
  case SIDE_DEVICE: ocf_sim_fail_alloc(dev, nth, from_n_on()); break;
  case SIDE_MBEDTLS: lib_fail(&g_mbed, nth, from_n_on()); break;
  case SIDE_SQLITE: lib_fail(&g_sql, nth, from_n_on()); break;
  default: break;
  }
}

/* Disarms; fills u; true when the armed allocation came (and failed). */
static bool meter_stop(meter *m, usage *u) {
  for (int s = 1; s < N_SIDES; s++) {
    u->attempts[s] = side_attempts(m, (enum side)s) - m->a0[s];
    u->live[s] = side_live(m, (enum side)s);
  }
  g_mbed.record = g_sql.record = false;
  bool fired = false;
  switch (m->side) {
  case SIDE_TOOL:
  case SIDE_DEVICE: {
    ocf_sim_platform *sp = m->side == SIDE_TOOL ? m->tool : m->dev;
    fired = sp->failures > 0;
    ocf_sim_fail_alloc(sp, 0, false);
    break;
  }
  case SIDE_MBEDTLS:
  case SIDE_SQLITE: {
    lib_alloc *a = m->side == SIDE_MBEDTLS ? &g_mbed : &g_sql;
    fired = a->failures > 0;
    lib_fail(a, 0, false);
    break;
  }
  default: break;
  }
  return fired;
}

/* No failed run may hold more allocations once it has ended than the clean run did (a block
 * lost on an error path but still listed somewhere, freed only at destroy). SQLite's page cache
 * keeps what the run read, so its count is checked only once the store is closed. */
static void assert_no_more_live(const char *what, size_t nth, const usage *u, const usage *clean) {
  if (!clean) return;
  for (int s = SIDE_TOOL; s <= SIDE_MBEDTLS; s++)
    if (u->live[s] > clean->live[s])
      fail_msg("%s N=%zu: more %s allocations live once the run ended (%zu) than after the clean run (%zu)",
               what, nth, side_name((enum side)s), u->live[s], clean->live[s]);
}

/* The libraries' allocations are all freed once everything of a run is destroyed. */
typedef struct lib_live {
  size_t mbed, sql;
} lib_live;

static lib_live lib_live_now(void) { return (lib_live){g_mbed.live, g_sql.live}; }

static void assert_lib_live(const char *what, size_t nth, lib_live before) {
  if (g_mbed.live != before.mbed || g_sql.live != before.sql)
    fail_msg("%s N=%zu: leak: mbedTLS allocations live %zu (before the run %zu), SQLite %zu (before %zu)",
             what, nth, g_mbed.live, before.mbed, g_sql.live, before.sql);
}

typedef struct figures {
  const char *scenario, *side;
  size_t allocs; /* allocation attempts of the clean run on that side */
  size_t tried, step;
  size_t sites, first; /* mbedTLS: distinct allocation sites, the first occurrences tried of each */
  size_t succeeded;    /* the run succeeded anyway */
  size_t failed;       /* failed cleanly (API error or a job failure with a reason) */
  size_t not_reached;  /* the Nth allocation never came (the run took another path) */
  size_t rerun_owned;  /* failures after which a second clean run succeeded */
  size_t uncertain;    /* failures ADR 0016 calls uncertain (credential kept, device owned) */
} figures;

static void print_figures(const figures *f) {
  char bulk[80] = "";
  if (f->sites)
    snprintf(bulk, sizeof bulk, " and the first %zu of each of %zu allocation sites", f->first, f->sites);
  printf("torture: %-10s %-7s allocations %5zu, N tried %4zu (every %zu%s%s), succeeded anyway %4zu, failed "
         "cleanly %4zu (uncertain %zu), not reached %3zu, second clean run ok %4zu\n",
         f->scenario, f->side, f->allocs, f->tried, f->step, bulk, from_n_on() ? ", from N on" : "",
         f->succeeded, f->failed, f->uncertain, f->not_reached, f->rerun_owned);
  fflush(stdout);
}

static size_t env_size(const char *name, size_t dflt) {
  const char *s = getenv(name);
  long v = s ? strtol(s, NULL, 10) : 0;
  return v > 0 ? (size_t)v : dflt;
}

static size_t step_from_env(void) { return env_size("TORTURE_STEP", 1); }

/* TORTURE_SIDES=mbedtls,sqlite (say) runs only the tests of these sides (quick local runs). */
static bool side_selected(enum side side) {
  const char *s = getenv("TORTURE_SIDES");
  return !s || strstr(s, side_name(side)) != NULL;
}

/* The Ns to try for side, out of the clean run's allocs attempts. The platforms: every N
 * (TORTURE_STEP=k: every kth). The libraries make thousands per scenario, so (CI time) every N
 * only when they make at most 64, else:
 *   - mbedTLS: the first attempt of every allocation site (the allocating function and its
 *     caller, from the clean run's backtraces; TORTURE_SITE_FIRST=k: the first k), and every
 *     kth attempt besides, k = max(97, allocs / 40) (TORTURE_MBEDTLS_STEP=k). Most attempts are
 *     bignum limbs inside one ECDH or ECDSA computation, failing the same way
 *     (MBEDTLS_ERR_MPI_ALLOC_FAILED out of the operation);
 *   - SQLite: every kth, k = max(7, allocs / 80) (TORTURE_SQLITE_STEP=k): a few dozen per
 *     statement, each ending in SQLITE_NOMEM from that statement's call.
 * TORTURE_MBEDTLS_STEP=1 or TORTURE_SQLITE_STEP=1 tries every N. Returns how many Ns are in *ns
 * (malloc'd). */
static size_t pick_ns(enum side side, size_t allocs, figures *f, size_t **ns) {
  *ns = calloc(allocs ? allocs : 1, sizeof **ns);
  assert_non_null(*ns);
  bool small = allocs <= 64;
  size_t spread = g_unpair ? 20 : 40; /* unpairing: each run pairs first */
  if (side == SIDE_SQLITE)
    f->step = env_size("TORTURE_SQLITE_STEP", small ? 1 : allocs / spread > 7 ? allocs / spread : 7);
  if (side == SIDE_MBEDTLS) {
    f->step = env_size("TORTURE_MBEDTLS_STEP", small ? 1 : allocs / 25 > 7 ? allocs / 25 : 7);
    f->first = env_size("TORTURE_SITE_FIRST", 1);
  }
  size_t k = 0;
  size_t only = env_size("TORTURE_N", 0); /* one N only (debugging) */
  for (size_t n = 1; n <= allocs; n++) {
    bool take = (n - 1) % f->step == 0;
    if (side == SIDE_MBEDTLS) {
      uintptr_t site = n - 1 < g_mbed.site_cap ? g_mbed.site[n - 1] : 0;
      size_t before = 0;
      bool new_site = true;
      for (size_t i = 0; i + 1 < n; i++)
        if (g_mbed.site[i] == site) {
          before++;
          new_site = false;
        }
      if (new_site) f->sites++;
      take |= before < f->first;
    }
    if (take && !only) (*ns)[k++] = n;
  }
  if (only) {
    (*ns)[0] = only;
    k = 1;
  }
  return k;
}

/* --- scenario 1: onboarding ----------------------------------------------------------------- */

typedef struct onboard_result {
  usage u; /* during the armed run; live once it ended (idle sessions closed) */
  bool api_error, owned, failed, fired;
  bool uncertain; /* the device committed, its answer was lost: the store kept the credential */
} onboard_result;

/* Starts an onboarding of target 0; the outcome is in w->out[0] (or the API error). */
static ocf_err start(world *w) {
  memset(w->out, 0, sizeof w->out);
  w->all_done = false;
  ocf_obt_onboard_params p = {.store = w->store,
                              .devices = w->targets,
                              .n_devices = w->n_dev,
                              .wall_now = wall_now,
                              .on_event = on_event,
                              .user = w};
  ocf_err err = ocf_obt_onboard(w->obt, &p, ocf_sim_now(w->net));
  if (!err) {
    ocf_sim_flush(w->net);
    if (!ocf_sim_run_until(w->net, done, w, SIM_LIMIT_MS)) fail_msg("the onboarding did not end (hang)");
  }
  assert_false(ocf_obt_onboarding(w->obt));
  return err;
}

/* The store's invariant and the device's, after whatever happened. */
static void assert_consistent(world *w, real_dev *r, const char *what, size_t nth) {
  ocf_uuid di;
  ocf_device_get_di(r->dev, &di);
  uint8_t psk[64];
  size_t len = 0;
  const ocf_uuid *uuids[2] = {&w->targets[0].uuid, &w->out[0].uuid};
  for (size_t k = 0; k < 2; k++) {
    ocf_obt_device_record rec;
    if (ocf_obt_store_device_get(w->store, uuids[k], &rec) != OCF_OK || rec.state != OCF_OBT_DEVICE_OWNED)
      continue;
    if (ocf_obt_store_secret_get(w->store, uuids[k], "owner-psk", psk, sizeof psk, &len) != OCF_OK)
      fail_msg("%s N=%zu: the store calls the device owned without its owner credential", what, nth);
    if (!dev_owned(r) || ocf_device_get_state(r->dev) == OCF_DEVICE_RFOTM)
      fail_msg("%s N=%zu: the store calls the device owned, the device is not", what, nth);
  }
  if (dev_owned(r) && ocf_device_get_state(r->dev) != OCF_DEVICE_RFOTM &&
      ocf_obt_store_secret_get(w->store, &di, "owner-psk", psk, sizeof psk, &len) != OCF_OK)
    fail_msg("%s N=%zu: the device is owned (state %d), the store lacks its owner credential", what, nth,
             (int)ocf_device_get_state(r->dev));
}

/* One onboarding with the nth allocation of side failing (0: a clean run). No failed run may hold
 * more allocations once it has ended than the clean run (a block lost on an error path but still
 * listed somewhere, freed only at destroy). */
static onboard_result onboard_once(enum side side, size_t nth, const onboard_result *clean,
                                   bool *rerun_owned) {
  lib_live before = lib_live_now();
  world *w = calloc(1, sizeof *w);
  assert_non_null(w);
  otm_world_init(w, 7);
  real_dev r;
  real_dev_start(&r, w);
  onboard_result res = {0};
  meter m;
  meter_start(&m, &w->sp, &r.sp, r.medium, side, nth);
  ocf_err err = start(w);
  /* An onboarding connection the tool left behind ends on the device's idle timeout. */
  ocf_sim_run_for(w->net, SETTLE_MS);
  res.fired = meter_stop(&m, &res.u);
  if (getenv("TORTURE_VERBOSE"))
    printf("%s N=%zu tool live %zu dev live %zu mbedtls live %zu out %d step %s\n", side_name(side), nth,
           res.u.live[SIDE_TOOL], res.u.live[SIDE_DEVICE], res.u.live[SIDE_MBEDTLS], (int)w->out[0].type,
           w->out[0].step);
  assert_no_more_live("onboard", nth, &res.u, clean ? &clean->u : NULL);
  const outcome *o = &w->out[0];
  if (err) {
    res.api_error = true;
    assert_int_not_equal(o->type, OCF_OBT_EV_OWNED);
  } else if (o->type == OCF_OBT_EV_OWNED) {
    res.owned = true;
    assert_int_equal(ocf_device_get_state(r.dev), OCF_DEVICE_RFPRO);
  } else {
    assert_int_equal(o->type, OCF_OBT_EV_FAILED);
    res.failed = true;
    if (!o->step[0] || (o->err == OCF_OK && o->code == 0))
      fail_msg("N=%zu: a failure without a reason (step '%s', err %d, code %u)", nth, o->step, (int)o->err,
               o->code);
  }
  assert_consistent(w, &r, side == SIDE_TOOL ? "tool" : "device", nth);
  /* A second clean run onboards the device (it is back in RFOTM unless it is owned). */
  *rerun_owned = false;
  if (!res.owned && ocf_device_get_state(r.dev) != OCF_DEVICE_RFOTM) {
    /* ADR 0016's uncertain case (only when every later allocation fails too: the device took
     * the last step but could not answer, nor take the rollback's reset): the job says so and
     * the store keeps the owner credential with the device "onboarding", for a later reset. */
    ocf_obt_device_record rec;
    if (!w->out[0].uncertain || ocf_obt_store_device_get(w->store, &w->out[0].uuid, &rec) != OCF_OK ||
        rec.state != OCF_OBT_DEVICE_ONBOARDING)
      fail_msg("N=%zu: failed, but the device is left in state %d", nth, (int)ocf_device_get_state(r.dev));
    res.uncertain = true;
  } else if (!res.owned) {
    ocf_device_get_di(r.dev, &w->targets[0].uuid);
    assert_int_equal(start(w), OCF_OK);
    if (w->out[0].type != OCF_OBT_EV_OWNED)
      fail_msg("N=%zu: the second clean run failed at %s: %s (%s)", nth, w->out[0].step, w->out[0].diagnostic,
               ocf_strerror(w->out[0].err));
    assert_consistent(w, &r, "second run", nth);
    *rerun_owned = true;
  }
  real_dev_stop(&r);
  world_free(w); /* asserts the tool's live allocations are back to 0 */
  free(w);
  assert_lib_live("onboard", nth, before);
  return res;
}

static void torture_onboarding(enum side side) {
  if (!side_selected(side)) skip();
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  bool rerun;
  onboard_result clean = onboard_once(SIDE_NONE, 0, NULL, &rerun);
  assert_true(clean.owned);
  figures f = {.scenario = otm_name(), .side = side_name(side), .step = step_from_env()};
  /* Random PIN and mfgcert: every 2nd N of the platforms (TORTURE_OTM_STEP=1: every N); their
   * allocations follow Just Works' but at the OTM's own steps. */
  if (g_otm != OCF_DEVICE_OTM_JUST_WORKS && (side == SIDE_TOOL || side == SIDE_DEVICE))
    f.step = env_size("TORTURE_OTM_STEP", 2);
  f.allocs = clean.u.attempts[side];
  assert_true(f.allocs > 0);
  size_t *ns;
  size_t n_ns = pick_ns(side, f.allocs, &f, &ns);
  if (getenv("TORTURE_DRY")) { /* how many Ns would run, nothing more */
    f.tried = n_ns;
    n_ns = 0;
  }
  for (size_t i = 0; i < n_ns; i++) {
    onboard_result res = onboard_once(side, ns[i], &clean, &rerun);
    f.tried++;
    if (!res.fired) f.not_reached++;
    if (res.owned)
      f.succeeded++;
    else
      f.failed++;
    if (rerun) f.rerun_owned++;
    if (res.uncertain) f.uncertain++;
  }
  free(ns);
  print_figures(&f);
}

static void test_onboarding_tool_allocations(void **state) {
  (void)state;
  torture_onboarding(SIDE_TOOL);
}

static void test_onboarding_device_allocations(void **state) {
  (void)state;
  torture_onboarding(SIDE_DEVICE);
}

static void test_onboarding_mbedtls_allocations(void **state) {
  (void)state;
  torture_onboarding(SIDE_MBEDTLS);
}

static void test_onboarding_sqlite_allocations(void **state) {
  (void)state;
  torture_onboarding(SIDE_SQLITE);
}

/* The other OTMs (the device offers only that one): Random PIN (digest 4.3: the PIN the device
 * shows, PBKDF2 on both sides) and the manufacturer certificate (4.4: ECDHE-ECDSA, the device's
 * chain checked against the domain's trust anchor). */
static void torture_onboarding_otm(unsigned otm, enum side side) {
  if (!ocf_obt_otm_available(otm == OCF_DEVICE_OTM_RANDOM_PIN ? OCF_OBT_OTM_RANDOM_PIN
                                                              : OCF_OBT_OTM_MFG_CERT))
    skip();
  g_otm = otm;
  torture_onboarding(side);
  g_otm = OCF_DEVICE_OTM_JUST_WORKS;
}

static void test_onboarding_rdp_tool_allocations(void **state) {
  (void)state;
  torture_onboarding_otm(OCF_DEVICE_OTM_RANDOM_PIN, SIDE_TOOL);
}

static void test_onboarding_rdp_device_allocations(void **state) {
  (void)state;
  torture_onboarding_otm(OCF_DEVICE_OTM_RANDOM_PIN, SIDE_DEVICE);
}

static void test_onboarding_rdp_mbedtls_allocations(void **state) {
  (void)state;
  torture_onboarding_otm(OCF_DEVICE_OTM_RANDOM_PIN, SIDE_MBEDTLS);
}

static void test_onboarding_mfgcert_tool_allocations(void **state) {
  (void)state;
  torture_onboarding_otm(OCF_DEVICE_OTM_MFG_CERT, SIDE_TOOL);
}

static void test_onboarding_mfgcert_device_allocations(void **state) {
  (void)state;
  torture_onboarding_otm(OCF_DEVICE_OTM_MFG_CERT, SIDE_DEVICE);
}

static void test_onboarding_mfgcert_mbedtls_allocations(void **state) {
  (void)state;
  torture_onboarding_otm(OCF_DEVICE_OTM_MFG_CERT, SIDE_MBEDTLS);
}

/* --- scenario 3: provisioning (an ACL add) against an owned device --------------------------- */

typedef struct prov_state {
  bool done, ok;
  char stage[40];
  ocf_err err;
  uint16_t code;
  ocf_obt_wall_ms wall;
} prov_state;

static ocf_obt_wall_ms prov_wall(void *user) { return ((prov_state *)user)->wall += 1000; }

static void on_prov_result(void *user, const ocf_obt_prov_result *r) {
  prov_state *s = user;
  s->ok = r->ok;
  if (!r->ok) {
    snprintf(s->stage, sizeof s->stage, "%s", r->failure->stage ? r->failure->stage : "");
    s->err = r->failure->err;
    s->code = r->failure->code;
  }
}

static void on_prov_done(void *user, size_t n_ok, size_t n_failed) {
  prov_state *s = user;
  assert_int_equal(n_ok + n_failed, 1);
  s->done = true;
}

static bool prov_done(void *user) { return ((prov_state *)user)->done; }

/* One "acl add" of an ACE for another device on /light; the outcome in *s (or the API error). */
static ocf_err acl_add(world *w, prov_state *s) {
  memset(s, 0, sizeof *s);
  s->wall = w->wall;
  ocf_obt_ams_job *job = calloc(1, sizeof *job);
  assert_non_null(job);
  ocf_obt_ace ace;
  const ocf_uuid client = {{0xc1, 0x1e, 0x47, 0x01, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1}};
  ocf_obt_ace_allow_device(&ace, &client, "/light", 6);
  assert_int_equal(ocf_obt_ams_job_add(job, &ace, 1), OCF_OK);
  ocf_obt_prov_job pj = {
      .uuid = w->out[0].uuid, .coaps = w->targets[0].coaps, .step = ocf_obt_ams_step, .user = job};
  ocf_obt_prov_params p = {.store = w->store,
                           .jobs = &pj,
                           .n_jobs = 1,
                           .what = "acl add",
                           .wall_now = prov_wall,
                           .on_result = on_prov_result,
                           .on_done = on_prov_done,
                           .user = s};
  ocf_err err = ocf_obt_prov_run(w->obt, &p, ocf_sim_now(w->net));
  if (!err) {
    ocf_sim_flush(w->net);
    if (!ocf_sim_run_until(w->net, prov_done, s, SIM_LIMIT_MS))
      fail_msg("the provisioning did not end (hang)");
  }
  assert_false(ocf_obt_prov_running(w->obt));
  free(job);
  return err;
}

/* The device's ACEs naming /light (0 or 1: the add is one POST). */
static size_t light_aces(const real_dev *r) {
  const ocf_svr_acl2 *a = &r->dev->sec->cur->acl2;
  size_t n = 0;
  for (size_t i = 0; i < a->n; i++)
    for (size_t k = 0; k < a->ace[i].n_resources; k++)
      if (strcmp(a->ace[i].resources[k].href, "/light") == 0) n++;
  return n;
}

typedef struct prov_result {
  usage u;
  bool api_error, ok, fired;
} prov_result;

static prov_result acl_add_once(enum side side, size_t nth, const prov_result *clean) {
  lib_live before = lib_live_now();
  world *w = calloc(1, sizeof *w);
  assert_non_null(w);
  world_init(w, 9, 4, 2, "jw");
  w->sp.quiet = !getenv("TORTURE_LOG");
  real_dev r;
  real_dev_start(&r, w);
  assert_int_equal(start(w), OCF_OK);
  assert_int_equal(w->out[0].type, OCF_OBT_EV_OWNED);
  ocf_sim_run_for(w->net, 3 * IDLE_MS); /* the onboarding's sessions end */
  prov_result res = {0};
  meter m;
  meter_start(&m, &w->sp, &r.sp, r.medium, side, nth);
  prov_state s;
  ocf_err err = acl_add(w, &s);
  ocf_sim_run_for(w->net, SETTLE_MS);
  res.fired = meter_stop(&m, &res.u);
  assert_no_more_live("acl add", nth, &res.u, clean ? &clean->u : NULL);
  if (err) {
    res.api_error = true;
  } else if (s.ok) {
    res.ok = true;
    assert_int_equal(light_aces(&r), 1);
  } else if (!s.stage[0] || (s.err == OCF_OK && s.code == 0)) {
    fail_msg("acl add N=%zu: a failure without a reason (stage '%s', err %d, code %u)", nth, s.stage,
             (int)s.err, s.code);
  }
  /* Still owned on both sides, with at most the one ACE. */
  assert_int_equal(ocf_device_get_state(r.dev), OCF_DEVICE_RFPRO);
  assert_true(light_aces(&r) <= 1);
  assert_consistent(w, &r, "acl add", nth);
  ocf_obt_device_record rec;
  assert_int_equal(ocf_obt_store_device_get(w->store, &w->out[0].uuid, &rec), OCF_OK);
  assert_int_equal(rec.state, OCF_OBT_DEVICE_OWNED);
  /* A second clean run adds it (or finds it there). */
  if (!res.ok) {
    assert_int_equal(acl_add(w, &s), OCF_OK);
    if (!s.ok) fail_msg("acl add N=%zu: the second clean run failed at %s", nth, s.stage);
    assert_int_equal(light_aces(&r), 1);
  }
  real_dev_stop(&r);
  world_free(w);
  free(w);
  assert_lib_live("acl add", nth, before);
  return res;
}

static void torture_acl_add(enum side side) {
  if (!side_selected(side)) skip();
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  prov_result clean = acl_add_once(SIDE_NONE, 0, NULL);
  assert_true(clean.ok);
  figures f = {.scenario = "acl add", .side = side_name(side), .step = step_from_env()};
  f.allocs = clean.u.attempts[side];
  assert_true(f.allocs > 0);
  size_t *ns;
  size_t n_ns = pick_ns(side, f.allocs, &f, &ns);
  if (getenv("TORTURE_DRY")) { /* how many Ns would run, nothing more */
    f.tried = n_ns;
    n_ns = 0;
  }
  for (size_t i = 0; i < n_ns; i++) {
    prov_result res = acl_add_once(side, ns[i], &clean);
    f.tried++;
    if (!res.fired) f.not_reached++;
    if (res.ok) {
      f.succeeded++;
    } else {
      f.failed++;
      f.rerun_owned++;
    }
  }
  free(ns);
  print_figures(&f);
}

static void test_acl_add_tool_allocations(void **state) {
  (void)state;
  torture_acl_add(SIDE_TOOL);
}

static void test_acl_add_device_allocations(void **state) {
  (void)state;
  torture_acl_add(SIDE_DEVICE);
}

static void test_acl_add_mbedtls_allocations(void **state) {
  (void)state;
  torture_acl_add(SIDE_MBEDTLS);
}

static void test_acl_add_sqlite_allocations(void **state) {
  (void)state;
  torture_acl_add(SIDE_SQLITE);
}

/* --- scenario 2: a device restart from its store --------------------------------------------- */

/* An owned device is destroyed and created again from its store with the nth allocation
 * failing: ocf_device_create fails cleanly (nothing leaks, the store is untouched: a clean
 * restart afterwards is the owned device again) or succeeds. */
static void torture_restart(enum side side) {
  if (!side_selected(side)) skip();
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = calloc(1, sizeof *w);
  assert_non_null(w);
  world_init(w, 8, 4, 2, "jw");
  real_dev r;
  real_dev_start(&r, w);
  assert_int_equal(start(w), OCF_OK);
  assert_int_equal(w->out[0].type, OCF_OBT_EV_OWNED);
  ocf_uuid di;
  ocf_device_get_di(r.dev, &di);
  ocf_sim_node_remove(w->net, r.node);
  ocf_device_destroy(r.dev);
  r.dev = NULL;
  size_t base = r.sp.live; /* the store's and the medium's */
  lib_live lib_base = lib_live_now();
  meter m;
  usage u;
  meter_start(&m, &w->sp, &r.sp, r.medium, SIDE_NONE, 0);
  assert_int_equal(real_dev_create(&r), OCF_OK);
  (void)meter_stop(&m, &u);
  figures f = {.scenario = "restart", .side = side_name(side), .step = 1, .allocs = u.attempts[side]};
  assert_int_equal(ocf_device_get_state(r.dev), OCF_DEVICE_RFPRO);
  ocf_device_destroy(r.dev);
  assert_int_equal(r.sp.live, base);
  assert_lib_live("restart", 0, lib_base);
  size_t *ns;
  size_t n_ns = pick_ns(side, f.allocs, &f, &ns);
  if (getenv("TORTURE_DRY")) { /* how many Ns would run, nothing more */
    f.tried = n_ns;
    n_ns = 0;
  }
  for (size_t i = 0; i < n_ns; i++) {
    size_t n = ns[i];
    meter_start(&m, &w->sp, &r.sp, r.medium, side, n);
    r.dev = NULL;
    ocf_err err = real_dev_create(&r);
    f.tried++;
    if (!meter_stop(&m, &u)) f.not_reached++;
    r.sp.failures = 0;
    if (err) {
      f.failed++;
      assert_int_equal(r.sp.live, base); /* nothing of the failed creation is left */
      assert_lib_live("restart", n, lib_base);
    } else {
      f.succeeded++;
      ocf_device_destroy(r.dev);
    }
    /* The store still holds the owned device. */
    assert_int_equal(real_dev_create(&r), OCF_OK);
    assert_int_equal(ocf_device_get_state(r.dev), OCF_DEVICE_RFPRO);
    assert_true(dev_owned(&r));
    ocf_uuid now;
    ocf_device_get_di(r.dev, &now);
    assert_true(ocf_uuid_equal(&now, &di));
    ocf_device_destroy(r.dev);
    assert_int_equal(r.sp.live, base);
    assert_lib_live("restart", n, lib_base);
    f.rerun_owned++;
  }
  free(ns);
  print_figures(&f);
  assert_int_equal(real_dev_create(&r), OCF_OK);
  real_dev_attach(&r);
  real_dev_stop(&r);
  world_free(w);
  free(w);
}

static void test_restart_device_allocations(void **state) {
  (void)state;
  torture_restart(SIDE_DEVICE);
}

static void test_restart_mbedtls_allocations(void **state) {
  (void)state;
  torture_restart(SIDE_MBEDTLS);
}

/* --- scenario 4: pairwise keys between two owned devices (CMS) -------------------------------- */

typedef struct pair_state {
  bool done;
  ocf_obt_pair_result r;
  ocf_obt_wall_ms wall;
} pair_state;

static void on_pair_done(void *user, const ocf_obt_pair_result *r) {
  pair_state *s = user;
  s->r = *r;
  s->done = true;
}

static ocf_obt_wall_ms pair_wall(void *user) { return ((pair_state *)user)->wall += 1000; }
static bool pair_done(void *user) { return ((pair_state *)user)->done; }

static ocf_err pair_action(world *w, pair_state *s, ocf_obt_pair_action action) {
  memset(s, 0, sizeof *s);
  s->wall = w->wall;
  ocf_obt_pair_params p = {
      .store = w->store, .action = action, .wall_now = pair_wall, .on_done = on_pair_done, .user = s};
  for (size_t i = 0; i < 2; i++) p.dev[i] = (ocf_obt_pair_device){w->out[i].uuid, w->targets[i].coaps};
  ocf_err err = ocf_obt_pair(w->obt, &p, ocf_sim_now(w->net));
  if (!err) {
    ocf_sim_flush(w->net);
    if (!ocf_sim_run_until(w->net, pair_done, s, SIM_LIMIT_MS)) fail_msg("the pairing did not end (hang)");
  }
  assert_false(ocf_obt_pair_running(w->obt));
  return err;
}

static ocf_err pair(world *w, pair_state *s) { return pair_action(w, s, OCF_OBT_PAIR); }

/* Pairwise (credtype 1) entries on r naming peer. */
static size_t pair_entries(const real_dev *r, const ocf_uuid *peer) {
  const ocf_svr_cred *c = &r->dev->sec->cur->cred;
  size_t n = 0;
  for (size_t i = 0; i < c->n; i++)
    if (c->e[i].credtype == 1 && !c->e[i].subject_any && ocf_uuid_equal(&c->e[i].subject, peer)) n++;
  return n;
}

/* No half pairing: both devices hold one entry for the other and the store records the pairing,
 * or (unless the undo failed too: `left`) neither holds one and the store records nothing. */
static void assert_pairing_consistent(world *w, real_dev r[2], const pair_state *s, size_t nth) {
  ocf_obt_pairing_record rec;
  bool recorded = ocf_obt_store_pairing_get(w->store, &w->out[0].uuid, &w->out[1].uuid, &rec) == OCF_OK;
  size_t a = pair_entries(&r[0], &w->out[1].uuid), b = pair_entries(&r[1], &w->out[0].uuid);
  if (s->r.ok) {
    if (!recorded || a != 1 || b != 1)
      fail_msg("pair N=%zu: ok, but recorded %d, entries %zu and %zu", nth, recorded, a, b);
    return;
  }
  bool left = s->r.side[0].left || s->r.side[1].left;
  if (recorded || (!left && (a || b)))
    fail_msg("pair N=%zu: failed (left %d), but recorded %d, entries %zu and %zu", nth, left, recorded, a, b);
}

/* After an unpair: done, neither device holds an entry for the other and the store forgot the
 * pairing; or failed (a partial unpair keeps the record, to be run again), and a store that
 * forgot it has devices that hold nothing. */
static void assert_unpairing_consistent(world *w, real_dev r[2], const pair_state *s, size_t nth) {
  ocf_obt_pairing_record rec;
  bool recorded = ocf_obt_store_pairing_get(w->store, &w->out[0].uuid, &w->out[1].uuid, &rec) == OCF_OK;
  size_t a = pair_entries(&r[0], &w->out[1].uuid), b = pair_entries(&r[1], &w->out[0].uuid);
  if ((s->r.ok || !recorded) && (recorded || a || b))
    fail_msg("unpair N=%zu: ok %d, but recorded %d, entries %zu and %zu", nth, s->r.ok, recorded, a, b);
}

typedef struct pair_once_result {
  usage u;
  bool api_error, ok, fired;
} pair_once_result;

static pair_once_result pair_once(enum side side, size_t nth, const pair_once_result *clean) {
  lib_live before = lib_live_now();
  world *w = calloc(1, sizeof *w);
  assert_non_null(w);
  world_init(w, 10, 4, 2, "jw");
  w->sp.quiet = !getenv("TORTURE_LOG");
  real_dev r[2];
  real_dev_start_at(&r[0], w, 0);
  real_dev_start_at(&r[1], w, 1);
  assert_int_equal(start(w), OCF_OK);
  assert_int_equal(w->out[0].type, OCF_OBT_EV_OWNED);
  assert_int_equal(w->out[1].type, OCF_OBT_EV_OWNED);
  ocf_sim_run_for(w->net, SETTLE_MS);
  pair_state s;
  ocf_obt_pair_action action = g_unpair ? OCF_OBT_UNPAIR : OCF_OBT_PAIR;
  const char *what = g_unpair ? "unpair" : "pair";
  if (g_unpair) { /* paired first (clean), then undone under torture */
    assert_int_equal(pair(w, &s), OCF_OK);
    assert_true(s.r.ok);
    ocf_sim_run_for(w->net, SETTLE_MS);
  }
  pair_once_result res = {0};
  meter m;
  meter_start(&m, &w->sp, &r[0].sp, r[0].medium, side, nth);
  ocf_err err = pair_action(w, &s, action);
  ocf_sim_run_for(w->net, SETTLE_MS);
  res.fired = meter_stop(&m, &res.u);
  assert_no_more_live(what, nth, &res.u, clean ? &clean->u : NULL);
  if (err) {
    res.api_error = true;
  } else {
    res.ok = s.r.ok;
    for (size_t i = 0; i < 2 && !s.r.ok; i++) {
      const ocf_obt_pair_side *sd = &s.r.side[i];
      if (!sd->ok && (!sd->failure.stage || !sd->failure.stage[0] ||
                      (sd->failure.err == OCF_OK && sd->failure.code == 0)))
        fail_msg("%s N=%zu: side %zu failed without a reason", what, nth, i);
    }
    if (!s.r.ok && s.r.side[0].ok && s.r.side[1].ok && s.r.store_err == OCF_OK)
      fail_msg("%s N=%zu: failed without a failing side", what, nth);
    if (g_unpair)
      assert_unpairing_consistent(w, r, &s, nth);
    else
      assert_pairing_consistent(w, r, &s, nth);
  }
  for (size_t i = 0; i < 2; i++) { /* both stay owned, on the device and in the store */
    assert_int_equal(ocf_device_get_state(r[i].dev), OCF_DEVICE_RFPRO);
    ocf_obt_device_record rec;
    assert_int_equal(ocf_obt_store_device_get(w->store, &w->out[i].uuid, &rec), OCF_OK);
    assert_int_equal(rec.state, OCF_OBT_DEVICE_OWNED);
    uint8_t psk[64];
    size_t len = 0;
    assert_int_equal(ocf_obt_store_secret_get(w->store, &w->out[i].uuid, "owner-psk", psk, sizeof psk, &len),
                     OCF_OK);
  }
  if (!res.ok) { /* a second clean run pairs (unpairs) them */
    assert_int_equal(pair_action(w, &s, action), OCF_OK);
    if (!s.r.ok) fail_msg("%s N=%zu: the second clean run failed", what, nth);
    if (g_unpair)
      assert_unpairing_consistent(w, r, &s, nth);
    else
      assert_pairing_consistent(w, r, &s, nth);
  }
  real_dev_stop(&r[1]);
  real_dev_stop(&r[0]);
  world_free(w);
  free(w);
  assert_lib_live(g_unpair ? "unpair" : "pair", nth, before);
  return res;
}

static void torture_pair(enum side side) {
  if (!side_selected(side)) skip();
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  pair_once_result clean = pair_once(SIDE_NONE, 0, NULL);
  assert_true(clean.ok);
  figures f = {.scenario = g_unpair ? "unpair" : "pair", .side = side_name(side), .step = step_from_env()};
  /* Unpairing (each run pairs first): every 2nd N of the platforms (TORTURE_OTM_STEP=1: every
   * N), about 20 of SQLite's (TORTURE_SQLITE_STEP). */
  if (g_unpair && (side == SIDE_TOOL || side == SIDE_DEVICE)) f.step = env_size("TORTURE_OTM_STEP", 2);
  f.allocs = clean.u.attempts[side];
  assert_true(f.allocs > 0);
  size_t *ns;
  size_t n_ns = pick_ns(side, f.allocs, &f, &ns);
  if (getenv("TORTURE_DRY")) { /* how many Ns would run, nothing more */
    f.tried = n_ns;
    n_ns = 0;
  }
  for (size_t i = 0; i < n_ns; i++) {
    pair_once_result res = pair_once(side, ns[i], &clean);
    f.tried++;
    if (!res.fired) f.not_reached++;
    if (res.ok) {
      f.succeeded++;
    } else {
      f.failed++;
      f.rerun_owned++;
    }
  }
  free(ns);
  print_figures(&f);
}

static void test_pair_tool_allocations(void **state) {
  (void)state;
  torture_pair(SIDE_TOOL);
}

static void test_pair_device_allocations(void **state) {
  (void)state;
  torture_pair(SIDE_DEVICE);
}

static void test_pair_mbedtls_allocations(void **state) {
  (void)state;
  torture_pair(SIDE_MBEDTLS);
}

static void test_pair_sqlite_allocations(void **state) {
  (void)state;
  torture_pair(SIDE_SQLITE);
}

/* Unpairing (the pairing made clean first): the platforms and SQLite (its mbedTLS allocations are
 * the owner sessions' handshakes, the pairing's own). */
static void torture_unpair(enum side side) {
  g_unpair = true;
  torture_pair(side);
  g_unpair = false;
}

static void test_unpair_tool_allocations(void **state) {
  (void)state;
  torture_unpair(SIDE_TOOL);
}

static void test_unpair_device_allocations(void **state) {
  (void)state;
  torture_unpair(SIDE_DEVICE);
}

static void test_unpair_sqlite_allocations(void **state) {
  (void)state;
  torture_unpair(SIDE_SQLITE);
}

int main(void) {
  install_lib_allocators();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_onboarding_device_allocations),
      cmocka_unit_test(test_onboarding_tool_allocations),
      cmocka_unit_test(test_restart_device_allocations),
      cmocka_unit_test(test_acl_add_device_allocations),
      cmocka_unit_test(test_acl_add_tool_allocations),
      cmocka_unit_test(test_pair_device_allocations),
      cmocka_unit_test(test_pair_tool_allocations),
      cmocka_unit_test(test_onboarding_mbedtls_allocations),
      cmocka_unit_test(test_onboarding_sqlite_allocations),
      cmocka_unit_test(test_restart_mbedtls_allocations),
      cmocka_unit_test(test_acl_add_mbedtls_allocations),
      cmocka_unit_test(test_acl_add_sqlite_allocations),
      cmocka_unit_test(test_pair_mbedtls_allocations),
      cmocka_unit_test(test_pair_sqlite_allocations),
      cmocka_unit_test(test_onboarding_rdp_tool_allocations),
      cmocka_unit_test(test_onboarding_rdp_device_allocations),
      cmocka_unit_test(test_onboarding_rdp_mbedtls_allocations),
      cmocka_unit_test(test_onboarding_mfgcert_tool_allocations),
      cmocka_unit_test(test_onboarding_mfgcert_device_allocations),
      cmocka_unit_test(test_onboarding_mfgcert_mbedtls_allocations),
      cmocka_unit_test(test_unpair_tool_allocations),
      cmocka_unit_test(test_unpair_device_allocations),
      cmocka_unit_test(test_unpair_sqlite_allocations),
  };
  int failed = cmocka_run_group_tests(tests, NULL, NULL);
  /* A bug (crash, leak, unclean error, inconsistent state) fails the test that met it. */
  printf("torture: bugs found: %d%s\n", failed, failed ? " (the failed tests above)" : "");
  return failed;
}
