/* Secrets never reach a log (CONTRIBUTING, <ocf/ocf_platform.h>: "never receives secrets"; issue 7
 * item 6), and the files that hold them are private. Onboardings run in process against the
 * scripted devices of obt_world.c (Just Works and Random PIN devices owned, one refusing the step
 * after the owner credential, then a wrong PIN), every engine logging at the most verbose level
 * (OCF_LOG_DEBUG) and every line captured through the sim platform's log tap; no line may carry
 * an owner PSK, the PIN, the PIN's PSK or the domain key, raw, as hex (either case, also any
 * 8-byte window) or as base64 (standard or URL-safe, padded or not). The domain key comes from a
 * real key file written by ocf_posix_store_key_load, as `obt init` makes it; the key file, the
 * store and its SQLite companions must be 0600 in a 0700 directory. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <ocf/ocf_device.h>
#include <ocf/ocf_posix.h>

#include "base/log.h"
#include "dtls/derive.h"
#include "obt_world.h"
#include "store/memory/memory.h"

#define PIN "73915286"
#define WRONG_PIN "73915287"
#define MAX_LINES 20000

/* --- the captured log ----------------------------------------------------------------------- */

typedef struct captured {
  char (*lines)[OCF_LOG_LINE_MAX + 64];
  size_t n, dropped;
} captured;

static void tap(void *user, ocf_log_level level, const char *module, const char *line) {
  captured *c = user;
  (void)level;
  if (c->n == MAX_LINES) {
    c->dropped++;
    return;
  }
  snprintf(c->lines[c->n++], sizeof c->lines[0], "%s: %s", module, line);
}

/* --- encodings of a secret -------------------------------------------------------------------- */

static void hex(const uint8_t *b, size_t n, bool upper, char *out) {
  const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = digits[b[i] >> 4];
    out[2 * i + 1] = digits[b[i] & 15];
  }
  out[2 * n] = '\0';
}

static void base64(const uint8_t *b, size_t n, bool url, bool pad, char *out) {
  const char *a = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                      : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v =
        (uint32_t)b[i] << 16 | (i + 1 < n ? (uint32_t)b[i + 1] << 8 : 0) | (i + 2 < n ? b[i + 2] : 0);
    out[o++] = a[v >> 18 & 63];
    out[o++] = a[v >> 12 & 63];
    out[o++] = i + 1 < n ? a[v >> 6 & 63] : '=';
    out[o++] = i + 2 < n ? a[v & 63] : '=';
  }
  while (!pad && o && out[o - 1] == '=') o--;
  out[o] = '\0';
}

/* Which line (1-based) carries the secret in any of its forms; 0 when none. */
static size_t find_secret(const captured *c, const uint8_t *s, size_t n) {
  char forms[10][256];
  size_t k = 0;
  hex(s, n, false, forms[k++]);
  hex(s, n, true, forms[k++]);
  for (int url = 0; url < 2; url++)
    for (int pad = 0; pad < 2; pad++) base64(s, n, url, pad, forms[k++]);
  for (size_t i = 0; i < c->n; i++) {
    const char *line = c->lines[i];
    if (memmem(line, strlen(line), s, n)) return i + 1; /* raw */
    for (size_t f = 0; f < k; f++)
      if (strstr(line, forms[f])) return i + 1;
    /* a part of it: any 8-byte window in hex */
    for (size_t off = 0; n > 8 && off + 8 <= n; off++) {
      char part[2][17];
      hex(s + off, 8, false, part[0]);
      hex(s + off, 8, true, part[1]);
      if (strstr(line, part[0]) || strstr(line, part[1])) return i + 1;
    }
  }
  return 0;
}

static void assert_not_logged(const captured *c, const char *what, const uint8_t *s, size_t n) {
  size_t at = find_secret(c, s, n);
  if (at) fail_msg("%s found in log line %zu: %s", what, at, c->lines[at - 1]);
}

static void assert_mode(const char *path, mode_t want) {
  struct stat st;
  assert_int_equal(lstat(path, &st), 0);
  if ((st.st_mode & 07777) != want) fail_msg("%s has mode %04o, not %04o", path, st.st_mode & 07777, want);
}

/* --- the world with a real key file ------------------------------------------------------------ */

typedef struct fixture {
  captured cap;
  world *w;
  char key_path[128];
  uint8_t domain_key[OCF_OBT_DOMAIN_KEY_LEN];
} fixture;

/* world_init's store is recreated under a key read from a key file, as `obt init` makes it. */
static void fixture_init(fixture *f, uint64_t seed, const char *policy) {
  memset(f, 0, sizeof *f);
  f->cap.lines = calloc(MAX_LINES, sizeof f->cap.lines[0]);
  assert_non_null(f->cap.lines);
  ocf_sim_set_log_tap(tap, &f->cap); /* before any engine copies its platform */
  f->w = calloc(1, sizeof *f->w);
  world_init(f->w, seed, 4, 2, policy);
  world *w = f->w;
  snprintf(f->key_path, sizeof f->key_path, "%s/domain.key", w->root);
  assert_int_equal(OCF_OBT_DOMAIN_KEY_LEN, OCF_STORE_KEY_LEN);
  assert_int_equal(ocf_posix_store_key_load(f->key_path, true, &w->sp.pf, f->domain_key), OCF_OK);
  ocf_obt_store_close(w->store);
  ocf_obt_store_key k = {.kind = OCF_OBT_KEY_FILE, .secret = f->domain_key, .len = sizeof f->domain_key};
  ocf_obt_domain d = {.priv = false};
  snprintf(d.name, sizeof d.name, "Lab");
  snprintf(d.otm_policy, sizeof d.otm_policy, "%s", policy);
  assert_int_equal(ocf_obt_store_create(w->db, &d, &k, true, 1, &w->sp.pf, &w->store), OCF_OK);
  assert_int_equal(ocf_obt_store_domain_get(w->store, &w->domain), OCF_OK);
}

/* The store, its SQLite companions and the key file: 0600; their directory 0700. */
static void assert_private_files(const fixture *f) {
  const world *w = f->w;
  assert_mode(w->root, 0700);
  assert_mode(w->db, 0600);
  assert_mode(f->key_path, 0600);
  DIR *dir = opendir(w->root);
  assert_non_null(dir);
  size_t files = 0;
  for (struct dirent *e; (e = readdir(dir));) {
    if (e->d_name[0] == '.') continue;
    char path[64 + 1 + sizeof e->d_name];
    snprintf(path, sizeof path, "%s/%s", w->root, e->d_name);
    assert_mode(path, 0600);
    files++;
  }
  closedir(dir);
  assert_true(files >= 2);
}

static void fixture_free(fixture *f) {
  ocf_sim_set_log_tap(NULL, NULL);
  world_free(f->w);
  free(f->w);
  free(f->cap.lines);
  memset(f->domain_key, 0, sizeof f->domain_key);
}

static void assert_no_pin_secrets(const fixture *f, const char *pin, const ocf_uuid *device) {
  assert_not_logged(&f->cap, "the PIN", (const uint8_t *)pin, strlen(pin));
  uint8_t ppsk[OCF_PIN_PSK_LEN];
  assert_int_equal(ocf_derive_pin_psk(pin, strlen(pin), device, ppsk), OCF_OK);
  assert_not_logged(&f->cap, "the PIN's PSK", ppsk, sizeof ppsk);
}

/* --- tests ----------------------------------------------------------------------------------- */

static const uint32_t k_jw_rdp[] = {0, 1};
static const uint32_t k_rdp_only[] = {1};

/* The checker finds what it looks for: a hex key in a line, and base64 in another. */
static void test_the_scan_finds_a_logged_secret(void **state) {
  (void)state;
  captured c = {.lines = calloc(4, sizeof c.lines[0])};
  assert_non_null(c.lines);
  ocf_sim_set_log_tap(tap, &c);
  ocf_sim_platform sp;
  ocf_sim_platform_init(&sp, 1);
  sp.quiet = true;
  const uint8_t key[16] = {0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  char h[40], b[40];
  hex(key + 3, 9, true, h);
  base64(key, sizeof key, true, false, b);
  ocf_log(&sp.pf, OCF_LOG_DEBUG, "t", "nothing here");
  assert_int_equal(find_secret(&c, key, sizeof key), 0);
  ocf_log(&sp.pf, OCF_LOG_DEBUG, "t", "key part %s", h);
  assert_int_equal(find_secret(&c, key, sizeof key), 2);
  c.n = 1;
  ocf_log(&sp.pf, OCF_LOG_DEBUG, "t", "key %s", b);
  assert_int_equal(find_secret(&c, key, sizeof key), 2);
  ocf_sim_set_log_tap(NULL, NULL);
  free(c.lines);
}

/* Whether a captured line contains text (the tap is live: the engine's own lines arrive). */
static bool logged(const captured *c, const char *text) {
  for (size_t i = 0; i < c->n; i++)
    if (strstr(c->lines[i], text)) return true;
  return false;
}

/* Every engine of the world logs at the most verbose level. */
static void assert_most_verbose(const world *w) {
  assert_int_equal(w->sp.pf.log_level, OCF_LOG_DEBUG);
  for (size_t i = 0; i < w->n_dev; i++) assert_int_equal(w->dev[i].sp.pf.log_level, OCF_LOG_DEBUG);
}

/* A Just Works and a Random PIN device onboarded together, and a third one that refuses the step
 * after the owner credential (both sides derived it; the tool then removes its copy and logs the
 * failure): no owner PSK, PIN, PIN PSK or domain key in any line; the files are private. */
static void test_a_whole_onboarding_logs_no_secret(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, 71, "jw,rdp");
  world *w = f.w;
  if (ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) add_device(w, k_jw_rdp, 2, NULL);
  size_t pin_dev = w->n_dev;
  add_device(w, k_rdp_only, 1, PIN);
  size_t refusing = w->n_dev;
  add_device(w, k_rdp_only, 1, PIN);
  w->dev[refusing].fail_at = 5; /* doxm-owner */
  w->dev[refusing].fail_code = OCF_COAP_CODE(4, 0);
  w->pin_to_give = PIN;
  assert_most_verbose(w);
  run(w);
  for (size_t i = 0; i < refusing; i++) assert_owned(w, i);
  assert_int_equal(w->out[refusing].type, OCF_OBT_EV_FAILED);
  assert_string_equal(w->out[refusing].step, "doxm-owner");
  assert_true(logged(&f.cap, "failed at doxm-owner"));
  assert_int_equal(f.cap.dropped, 0);
  for (size_t i = 0; i < refusing; i++) {
    uint8_t psk[64];
    size_t len = 0;
    assert_int_equal(ocf_obt_store_secret_get(w->store, &w->out[i].uuid, "owner-psk", psk, sizeof psk, &len),
                     OCF_OK);
    assert_not_logged(&f.cap, "an owner PSK", psk, len);
  }
  uint8_t nil[OCF_OWNER_PSK_LEN] = {0};
  for (size_t i = 0; i < w->n_dev; i++) { /* the refusing device's copy is the one the tool removed */
    assert_memory_not_equal(w->dev[i].owner_psk, nil, sizeof nil);
    assert_not_logged(&f.cap, "a device's owner PSK", w->dev[i].owner_psk, sizeof w->dev[i].owner_psk);
  }
  assert_no_pin_secrets(&f, PIN, &w->dev[pin_dev].first_uuid);
  assert_no_pin_secrets(&f, PIN, &w->dev[refusing].first_uuid);
  assert_not_logged(&f.cap, "the domain key", f.domain_key, sizeof f.domain_key);
  assert_private_files(&f);
  fixture_free(&f);
}

/* A wrong PIN: the failure is logged, neither PIN nor either PIN's PSK is. */
static void test_a_wrong_pin_logs_neither_pin(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, 72, "rdp");
  world *w = f.w;
  add_device(w, k_rdp_only, 1, PIN);
  w->pin_to_give = WRONG_PIN;
  assert_most_verbose(w);
  run(w);
  assert_int_equal(w->out[0].type, OCF_OBT_EV_FAILED);
  assert_string_equal(w->out[0].step, "handshake");
  assert_true(logged(&f.cap, "failed at handshake"));
  assert_no_pin_secrets(&f, PIN, &w->dev[0].first_uuid);
  assert_no_pin_secrets(&f, WRONG_PIN, &w->dev[0].first_uuid);
  assert_not_logged(&f.cap, "the domain key", f.domain_key, sizeof f.domain_key);
  assert_private_files(&f);
  fixture_free(&f);
}

/* --- the real device ------------------------------------------------------------------------- */

typedef struct real_dev {
  ocf_sim_platform sp;
  ocf_mem_medium *medium;
  ocf_store *store;
  ocf_device *dev;
  uint8_t storage_key[OCF_STORE_KEY_LEN];
  char pin[33]; /* the PIN it showed (at most 32 digits, otm/pin.h) */
  world *w;
} real_dev;

/* Digest 4.3: the device shows a new PIN when Random PIN is selected; the "user" reads it and the
 * world hands it to the tool when the tool asks (PIN_NEEDED comes after the oxmsel answer). */
static void on_real_device_event(void *user, ocf_device *d, const ocf_device_event *ev) {
  real_dev *r = user;
  (void)d;
  if (ev->type != OCF_DEVICE_EV_OTM_SELECTED || !ev->pin) return;
  assert_true(strlen(ev->pin) < sizeof r->pin);
  snprintf(r->pin, sizeof r->pin, "%s", ev->pin);
  r->w->pin_to_give = r->pin;
}

/* An ocf-device (src/device: DTLS glue, PIN, limiter, Owner Credential, sealed store) on the
 * world's network in place of a scripted device: target 0 of the world. */
static void real_dev_start(real_dev *r, world *w) {
  memset(r, 0, sizeof *r);
  r->w = w;
  ocf_sim_platform_init(&r->sp, 99);
  r->sp.quiet = true;
  assert_int_equal(ocf_mem_medium_new(&r->sp.pf, 32, 128u << 10, &r->medium), OCF_OK);
  ocf_store_config sc;
  ocf_store_config_init(&sc);
  sc.max_record = 128u << 10;
  sc.has_key = true;
  assert_int_equal(r->sp.pf.random(r->sp.pf.ctx, r->storage_key, sizeof r->storage_key), OCF_OK);
  memcpy(sc.key, r->storage_key, sizeof sc.key);
  ocf_store_medium port = ocf_mem_medium_port(r->medium);
  assert_int_equal(ocf_store_open(&port, &sc, &r->sp.pf, &r->store), OCF_OK);
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
  cfg.otms[0] = OCF_DEVICE_OTM_RANDOM_PIN;
  cfg.n_otms = 1;
  cfg.on_event = on_real_device_event;
  cfg.event_user = r;
  cfg.store = r->store;
  assert_int_equal(ocf_device_create(&r->sp.pf, &cfg, &r->dev), OCF_OK);
  ocf_endpoint ep = ep6(0x30, 5683, 0);
  int node = ocf_sim_add_node(w->net, ocf_device_engine(r->dev));
  assert_true(node >= 0);
  ocf_sim_node_add_addr(w->net, node, &ep);
  ocf_obt_onboard_device *t = &w->targets[0];
  memset(t, 0, sizeof *t);
  ocf_device_get_di(r->dev, &t->uuid);
  t->coap = ep;
  t->coaps = ep6(0x30, 5683, OCF_EP_SECURE);
  snprintf(t->name, sizeof t->name, "real lamp");
  snprintf(t->type, sizeof t->type, "oic.d.light");
  w->n_dev = 1; /* w->dev[0] stays unused (no stack): world_free skips it */
}

static void real_dev_stop(real_dev *r) {
  ocf_device_destroy(r->dev);
  ocf_store_close(r->store);
  ocf_mem_medium_free(r->medium);
  assert_int_equal(r->sp.live, 0);
  memset(r->storage_key, 0, sizeof r->storage_key);
}

/* The device library's own lines too: a Random PIN onboarding of a real ocf-device (which logs
 * its OTM, the onboarding connection and the Owner Credential's derivation). */
static void test_a_real_device_onboarding_logs_no_secret(void **state) {
  (void)state;
  fixture f;
  fixture_init(&f, 74, "rdp");
  world *w = f.w;
  real_dev r;
  real_dev_start(&r, w);
  assert_int_equal(r.sp.pf.log_level, OCF_LOG_DEBUG);
  ocf_uuid first = w->targets[0].uuid;
  run(w);
  assert_int_equal(w->out[0].type, OCF_OBT_EV_OWNED);
  assert_int_equal(ocf_device_get_state(r.dev), OCF_DEVICE_RFPRO);
  assert_true(logged(&f.cap, "Owner Credential derived")); /* the device's lines are captured */
  assert_true(r.pin[0]);
  assert_no_pin_secrets(&f, r.pin, &first);
  uint8_t psk[64];
  size_t len = 0;
  assert_int_equal(ocf_obt_store_secret_get(w->store, &w->out[0].uuid, "owner-psk", psk, sizeof psk, &len),
                   OCF_OK);
  assert_not_logged(&f.cap, "the owner PSK", psk, len);
  assert_not_logged(&f.cap, "the domain key", f.domain_key, sizeof f.domain_key);
  assert_not_logged(&f.cap, "the device's storage key", r.storage_key, sizeof r.storage_key);
  assert_private_files(&f);
  ocf_sim_set_log_tap(NULL, NULL);
  real_dev_stop(&r);
  fixture_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_the_scan_finds_a_logged_secret),
      cmocka_unit_test(test_a_whole_onboarding_logs_no_secret),
      cmocka_unit_test(test_a_wrong_pin_logs_neither_pin),
      cmocka_unit_test(test_a_real_device_onboarding_logs_no_secret),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
