/* Unit tests of the store (src/store/store.c) over the in-memory medium: load, save, remove,
 * generations, refusal of damaged and foreign records, and save_many's atomicity under a crash
 * at every mutation (before or after it took effect, or tearing it), during recovery too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "store/memory/memory.h"
#include <ocf/ocf_store.h>

#define MAX_RECORD 4096

typedef struct fixture {
  ocf_sim_platform sp;
  ocf_mem_medium *mm;
  ocf_store_config cfg;
  ocf_store *s;
} fixture;

static void config_for(fixture *f, ocf_store_protection mode) {
  ocf_store_config_init(&f->cfg);
  f->cfg.protection = mode;
  f->cfg.max_record = MAX_RECORD;
  f->cfg.has_key = mode != OCF_STORE_DIGEST;
  for (size_t i = 0; i < OCF_STORE_KEY_LEN; i++) f->cfg.key[i] = (uint8_t)(0x40 + i);
}

static void reopen(fixture *f) {
  ocf_store_close(f->s);
  f->s = NULL;
  ocf_store_medium port = ocf_mem_medium_port(f->mm);
  assert_int_equal(ocf_store_open(&port, &f->cfg, &f->sp.pf, &f->s), OCF_OK);
}

static int setup_mode(void **state, ocf_store_protection mode) {
  fixture *f = calloc(1, sizeof *f);
  if (!f) return -1;
  ocf_sim_platform_init(&f->sp, 0x5707e);
  f->sp.quiet = true;
  if (ocf_mem_medium_new(&f->sp.pf, 16, MAX_RECORD + 64, &f->mm) != OCF_OK) return -1;
  config_for(f, mode);
  ocf_store_medium port = ocf_mem_medium_port(f->mm);
  if (ocf_store_open(&port, &f->cfg, &f->sp.pf, &f->s) != OCF_OK) return -1;
  *state = f;
  return 0;
}

static int setup(void **state) { return setup_mode(state, OCF_STORE_ENCRYPT); }

static int teardown(void **state) {
  fixture *f = *state;
  ocf_store_close(f->s);
  ocf_mem_medium_free(f->mm);
  assert_int_equal(f->sp.live, 0);
  free(f);
  return 0;
}

static void save_str(ocf_store *s, const char *name, const char *text) {
  assert_int_equal(ocf_store_save(s, name, (const uint8_t *)text, strlen(text)), OCF_OK);
}

static void assert_blob(ocf_store *s, const char *name, const char *text) {
  uint8_t buf[512];
  size_t len = 0;
  assert_int_equal(ocf_store_load(s, name, buf, sizeof buf, &len), OCF_OK);
  assert_int_equal(len, strlen(text));
  assert_memory_equal(buf, text, len);
}

static void assert_absent(ocf_store *s, const char *name) {
  uint8_t buf[8];
  size_t len = 0;
  assert_int_equal(ocf_store_load(s, name, buf, sizeof buf, &len), OCF_ERR_NOT_FOUND);
}

static uint64_t generation(ocf_store *s, const char *name) {
  uint64_t gen = 0;
  assert_int_equal(ocf_store_generation(s, name, &gen), OCF_OK);
  return gen;
}

/* --- basics ---------------------------------------------------------------------------------- */

static void test_save_load_remove_round_trip(void **state) {
  fixture *f = *state;
  assert_absent(f->s, "doxm");
  save_str(f->s, "doxm", "owned=false");
  assert_blob(f->s, "doxm", "owned=false");
  save_str(f->s, "doxm", "owned=true");
  assert_blob(f->s, "doxm", "owned=true");
  assert_int_equal(ocf_store_save(f->s, "sp", NULL, 0), OCF_OK);
  assert_blob(f->s, "sp", "");
  assert_int_equal(ocf_store_remove(f->s, "doxm"), OCF_OK);
  assert_absent(f->s, "doxm");
  assert_int_equal(ocf_store_remove(f->s, "doxm"), OCF_OK); /* absent is fine */
  reopen(f);
  assert_blob(f->s, "sp", "");
  assert_absent(f->s, "doxm");
}

static void test_generation_counts_saves_and_restarts_after_remove(void **state) {
  fixture *f = *state;
  for (uint64_t i = 1; i <= 5; i++) {
    save_str(f->s, "pstat", "x");
    assert_int_equal(generation(f->s, "pstat"), i);
  }
  reopen(f);
  save_str(f->s, "pstat", "y");
  assert_int_equal(generation(f->s, "pstat"), 6);
  assert_int_equal(ocf_store_remove(f->s, "pstat"), OCF_OK);
  uint64_t gen = 0;
  assert_int_equal(ocf_store_generation(f->s, "pstat", &gen), OCF_ERR_NOT_FOUND);
  save_str(f->s, "pstat", "z");
  assert_int_equal(generation(f->s, "pstat"), 1);
}

static void test_load_into_small_buffer_reports_needed_length(void **state) {
  fixture *f = *state;
  save_str(f->s, "cred", "0123456789");
  uint8_t buf[4] = {0xaa, 0xaa, 0xaa, 0xaa};
  size_t len = 0;
  assert_int_equal(ocf_store_load(f->s, "cred", buf, sizeof buf, &len), OCF_ERR_NO_SPACE);
  assert_int_equal(len, 10);
  assert_memory_equal(buf, "\xaa\xaa\xaa\xaa", 4);
}

static void test_invalid_names_and_arguments_are_refused(void **state) {
  fixture *f = *state;
  const char *bad[] = {"",     "_journal", "Doxm", "a/b",
                       "../x", "doxm.tmp", "-x",   "abcdefghijklmnopqrstuvwxyz0123456"};
  uint8_t buf[8];
  size_t len;
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(ocf_store_save(f->s, bad[i], buf, 1), OCF_ERR_INVALID_ARG);
    assert_int_equal(ocf_store_load(f->s, bad[i], buf, sizeof buf, &len), OCF_ERR_INVALID_ARG);
    assert_int_equal(ocf_store_remove(f->s, bad[i]), OCF_ERR_INVALID_ARG);
  }
  assert_int_equal(ocf_store_save(f->s, "doxm", NULL, 3), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_store_load(NULL, "doxm", buf, sizeof buf, &len), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_store_load(f->s, "doxm", buf, sizeof buf, NULL), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_mem_medium_count(f->mm), 0);
}

static void test_open_refuses_missing_key_and_bad_config(void **state) {
  fixture *f = *state;
  ocf_store_medium port = ocf_mem_medium_port(f->mm);
  ocf_store_config cfg;
  ocf_store_config_init(&cfg);
  ocf_store *s = NULL;
  assert_int_equal(cfg.protection, OCF_STORE_ENCRYPT);
  assert_int_equal(ocf_store_open(&port, &cfg, &f->sp.pf, &s), OCF_ERR_INVALID_ARG); /* no key */
  cfg.protection = OCF_STORE_MAC;
  assert_int_equal(ocf_store_open(&port, &cfg, &f->sp.pf, &s), OCF_ERR_INVALID_ARG);
  cfg.protection = OCF_STORE_DIGEST;
  cfg.max_record = 100;
  assert_int_equal(ocf_store_open(&port, &cfg, &f->sp.pf, &s), OCF_ERR_INVALID_ARG);
  cfg.max_record = 4096;
  ocf_store_medium_ops no_write = *port.ops;
  no_write.write = NULL;
  ocf_store_medium broken = {&no_write, f->mm};
  assert_int_equal(ocf_store_open(&broken, &cfg, &f->sp.pf, &s), OCF_ERR_INVALID_ARG);
  assert_null(s);
  assert_int_equal(ocf_store_open(&port, &cfg, &f->sp.pf, &s), OCF_OK);
  ocf_store_close(s);
}

static void test_encrypted_store_keeps_payloads_off_the_medium(void **state) {
  fixture *f = *state;
  save_str(f->s, "cred", "psk=supersecretvalue");
  size_t len = 0;
  const uint8_t *raw = ocf_mem_medium_object(f->mm, "cred", &len);
  assert_non_null(raw);
  for (size_t i = 0; i + 6 <= len; i++) assert_memory_not_equal(raw + i, "secret", 6);
}

/* --- damaged, foreign and oversized records ---------------------------------------------------- */

static void test_damaged_record_is_reported_and_not_overwritten(void **state) {
  fixture *f = *state;
  save_str(f->s, "acl2", "aces");
  size_t len = 0;
  uint8_t *raw = ocf_mem_medium_object(f->mm, "acl2", &len);
  raw[len - 1] ^= 1;
  uint8_t damaged[MAX_RECORD];
  memcpy(damaged, raw, len);
  uint8_t buf[64];
  size_t got = 0;
  assert_int_equal(ocf_store_load(f->s, "acl2", buf, sizeof buf, &got), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_store_save(f->s, "acl2", (const uint8_t *)"new", 3), OCF_ERR_MALFORMED);
  raw = ocf_mem_medium_object(f->mm, "acl2", &got);
  assert_int_equal(got, len);
  assert_memory_equal(raw, damaged, len); /* evidence kept */
  assert_int_equal(ocf_store_remove(f->s, "acl2"), OCF_OK);
  save_str(f->s, "acl2", "new");
  assert_blob(f->s, "acl2", "new");
}

static void test_truncated_record_is_malformed(void **state) {
  fixture *f = *state;
  save_str(f->s, "doxm", "0123456789");
  size_t len = 0;
  assert_non_null(ocf_mem_medium_object(f->mm, "doxm", &len));
  for (size_t cut = 0; cut < len; cut++) {
    uint8_t copy[MAX_RECORD];
    size_t l2 = 0;
    const uint8_t *raw = ocf_mem_medium_object(f->mm, "doxm", &l2);
    memcpy(copy, raw, l2);
    assert_int_equal(ocf_mem_medium_truncate(f->mm, "doxm", cut), OCF_OK);
    uint8_t buf[64];
    size_t got = 0;
    assert_int_equal(ocf_store_load(f->s, "doxm", buf, sizeof buf, &got), OCF_ERR_MALFORMED);
    assert_int_equal(ocf_mem_medium_put(f->mm, "doxm", copy, l2), OCF_OK);
  }
  assert_blob(f->s, "doxm", "0123456789");
}

static void test_record_copied_over_another_blob_is_malformed(void **state) {
  fixture *f = *state;
  save_str(f->s, "pstat", "isop=true");
  save_str(f->s, "doxm", "owned=true");
  size_t len = 0;
  const uint8_t *raw = ocf_mem_medium_object(f->mm, "pstat", &len);
  uint8_t copy[MAX_RECORD];
  memcpy(copy, raw, len);
  assert_int_equal(ocf_mem_medium_put(f->mm, "doxm", copy, len), OCF_OK);
  uint8_t buf[64];
  size_t got = 0;
  assert_int_equal(ocf_store_load(f->s, "doxm", buf, sizeof buf, &got), OCF_ERR_MALFORMED);
}

static void test_store_with_another_key_reports_crypto(void **state) {
  fixture *f = *state;
  save_str(f->s, "doxm", "owned=true");
  f->cfg.key[0] ^= 0xff;
  reopen(f);
  uint8_t buf[64];
  size_t got = 0;
  assert_int_equal(ocf_store_load(f->s, "doxm", buf, sizeof buf, &got), OCF_ERR_CRYPTO);
  assert_int_equal(ocf_store_save(f->s, "doxm", buf, 1), OCF_ERR_CRYPTO);
}

static void test_digest_store_refuses_encrypted_records(void **state) {
  fixture *f = *state;
  save_str(f->s, "doxm", "owned=true");
  config_for(f, OCF_STORE_DIGEST);
  reopen(f);
  uint8_t buf[64];
  size_t got = 0;
  assert_int_equal(ocf_store_load(f->s, "doxm", buf, sizeof buf, &got), OCF_ERR_MALFORMED);
}

static void test_oversized_blob_and_object_are_refused(void **state) {
  fixture *f = *state;
  static uint8_t big[MAX_RECORD];
  assert_int_equal(ocf_store_save(f->s, "cred", big, sizeof big), OCF_ERR_TOO_LARGE);
  assert_int_equal(ocf_store_save(f->s, "cred", big, MAX_RECORD - 36 - 4 - 16), OCF_OK);
  assert_int_equal(ocf_store_save(f->s, "cred", big, MAX_RECORD - 36 - 4 - 16 + 1), OCF_ERR_TOO_LARGE);
  uint8_t huge[MAX_RECORD + 8] = {0};
  assert_int_equal(ocf_mem_medium_put(f->mm, "roles", huge, sizeof huge), OCF_OK);
  size_t got = 0;
  assert_int_equal(ocf_store_load(f->s, "roles", big, sizeof big, &got), OCF_ERR_TOO_LARGE);
}

/* --- save_many ------------------------------------------------------------------------------- */

static void seed_old_state(fixture *f) {
  save_str(f->s, "pstat", "pstat-v1");
  save_str(f->s, "doxm", "doxm-v1");
  save_str(f->s, "cred", "cred-v1");
}

static const ocf_store_change k_onboard[] = {
    {.name = "pstat", .data = (const uint8_t *)"pstat-v2", .len = 8},
    {.name = "doxm", .data = (const uint8_t *)"doxm-v2-owned", .len = 13},
    {.name = "cred", .remove = true},
    {.name = "acl2", .data = (const uint8_t *)"acl2-v1", .len = 7},
};
#define ONBOARD_N (sizeof k_onboard / sizeof k_onboard[0])
/* journal write + one mutation per change + journal removal */
#define ONBOARD_MUTATIONS (ONBOARD_N + 2)

static void assert_old_state(ocf_store *s) {
  assert_blob(s, "pstat", "pstat-v1");
  assert_blob(s, "doxm", "doxm-v1");
  assert_blob(s, "cred", "cred-v1");
  assert_absent(s, "acl2");
}

static void assert_new_state(ocf_store *s) {
  assert_blob(s, "pstat", "pstat-v2");
  assert_blob(s, "doxm", "doxm-v2-owned");
  assert_absent(s, "cred");
  assert_blob(s, "acl2", "acl2-v1");
  assert_int_equal(generation(s, "pstat"), 2);
  assert_int_equal(generation(s, "acl2"), 1);
}

static void test_save_many_applies_every_change(void **state) {
  fixture *f = *state;
  seed_old_state(f);
  size_t before = ocf_mem_medium_mutations(f->mm);
  assert_int_equal(ocf_store_save_many(f->s, k_onboard, ONBOARD_N), OCF_OK);
  assert_int_equal(ocf_mem_medium_mutations(f->mm) - before, ONBOARD_MUTATIONS);
  assert_new_state(f->s);
  assert_null(ocf_mem_medium_object(f->mm, "_journal", NULL));
  reopen(f);
  assert_new_state(f->s);
}

static void test_save_many_refuses_before_writing_anything(void **state) {
  fixture *f = *state;
  seed_old_state(f);
  const ocf_store_change dup[] = {{.name = "doxm", .remove = true}, {.name = "doxm", .remove = true}};
  size_t before = ocf_mem_medium_mutations(f->mm);
  assert_int_equal(ocf_store_save_many(f->s, dup, 2), OCF_ERR_INVALID_ARG);
  static uint8_t big[MAX_RECORD];
  const ocf_store_change too_big[] = {{.name = "doxm", .data = big, .len = 2000},
                                      {.name = "pstat", .data = big, .len = 2000}};
  assert_int_equal(ocf_store_save_many(f->s, too_big, 2), OCF_ERR_TOO_LARGE);
  size_t len = 0;
  ocf_mem_medium_object(f->mm, "cred", &len)[40] ^= 0x10; /* damage a blob the batch removes: fine */
  uint8_t *doxm = ocf_mem_medium_object(f->mm, "doxm", &len);
  doxm[len - 1] ^= 0x01; /* damage a blob the batch writes: refused */
  assert_int_equal(ocf_store_save_many(f->s, k_onboard, ONBOARD_N), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_mem_medium_mutations(f->mm), before);
}

/* Crashes the host at mutation `nth` of a save_many, reboots, reopens: all or nothing. */
static void crash_save_many_at(fixture *f, size_t nth, ocf_mem_fault fault) {
  seed_old_state(f);
  ocf_mem_medium_arm(f->mm, nth, fault, 0);
  ocf_err err = ocf_store_save_many(f->s, k_onboard, ONBOARD_N);
  assert_true(ocf_mem_medium_crashed(f->mm));
  assert_int_equal(err, OCF_ERR_IO);
  ocf_mem_medium_reboot(f->mm);
  reopen(f);
  bool committed = nth > 1 || fault == OCF_MEM_CRASH_AFTER;
  if (committed)
    assert_new_state(f->s);
  else
    assert_old_state(f->s);
  assert_null(ocf_mem_medium_object(f->mm, "_journal", NULL));
}

static void test_save_many_is_all_or_nothing_after_a_crash_at_any_mutation(void **state) {
  const ocf_mem_fault faults[] = {OCF_MEM_CRASH, OCF_MEM_CRASH_AFTER};
  for (size_t k = 0; k < 2; k++)
    for (size_t nth = 1; nth <= ONBOARD_MUTATIONS; nth++) {
      /* a fresh medium for each crash point */
      assert_int_equal(teardown(state), 0);
      assert_int_equal(setup(state), 0);
      crash_save_many_at(*state, nth, faults[k]);
    }
}

/* A crash during the recovery of an interrupted save_many: the next open completes it. */
static void test_recovery_survives_a_crash_of_its_own(void **state) {
  fixture *f = *state;
  seed_old_state(f);
  ocf_mem_medium_arm(f->mm, 2, OCF_MEM_CRASH, 0); /* right after the commit point */
  assert_int_equal(ocf_store_save_many(f->s, k_onboard, ONBOARD_N), OCF_ERR_IO);
  ocf_store_close(f->s);
  f->s = NULL;
  for (size_t nth = 1; nth <= ONBOARD_N + 1; nth++) {
    ocf_mem_medium_reboot(f->mm);
    ocf_mem_medium_arm(f->mm, nth, nth % 2 ? OCF_MEM_CRASH : OCF_MEM_CRASH_AFTER, 0);
    ocf_store_medium port = ocf_mem_medium_port(f->mm);
    assert_int_equal(ocf_store_open(&port, &f->cfg, &f->sp.pf, &f->s), OCF_ERR_IO);
    assert_null(f->s);
  }
  ocf_mem_medium_reboot(f->mm);
  reopen(f);
  assert_new_state(f->s);
}

/* On a medium without atomic replace, a torn member write is healed by the journal, and a torn
 * journal (which such a medium cannot tell from a damaged one) stops the open. */
static void test_torn_writes_are_healed_or_refused(void **state) {
  fixture *f = *state;
  seed_old_state(f);
  ocf_mem_medium_arm(f->mm, 2, OCF_MEM_TEAR, 10); /* pstat torn after 10 bytes */
  assert_int_equal(ocf_store_save_many(f->s, k_onboard, ONBOARD_N), OCF_ERR_IO);
  ocf_mem_medium_reboot(f->mm);
  reopen(f);
  assert_new_state(f->s);

  ocf_mem_medium_arm(f->mm, 1, OCF_MEM_TEAR, 30); /* the journal torn */
  assert_int_equal(ocf_store_save_many(f->s, k_onboard, 2), OCF_ERR_IO);
  ocf_mem_medium_reboot(f->mm);
  ocf_store_close(f->s);
  f->s = NULL;
  ocf_store_medium port = ocf_mem_medium_port(f->mm);
  assert_int_equal(ocf_store_open(&port, &f->cfg, &f->sp.pf, &f->s), OCF_ERR_MALFORMED);
  assert_null(f->s);
}

/* A pending journal sealed under another key: open says so, and applies nothing. */
static void test_pending_journal_under_another_key_stops_the_open(void **state) {
  fixture *f = *state;
  seed_old_state(f);
  ocf_mem_medium_arm(f->mm, 2, OCF_MEM_CRASH, 0);
  assert_int_equal(ocf_store_save_many(f->s, k_onboard, ONBOARD_N), OCF_ERR_IO);
  ocf_mem_medium_reboot(f->mm);
  ocf_store_close(f->s);
  f->s = NULL;
  f->cfg.key[5] ^= 0x20;
  ocf_store_medium port = ocf_mem_medium_port(f->mm);
  size_t before = ocf_mem_medium_mutations(f->mm);
  assert_int_equal(ocf_store_open(&port, &f->cfg, &f->sp.pf, &f->s), OCF_ERR_CRYPTO);
  assert_int_equal(ocf_mem_medium_mutations(f->mm), before);
  f->cfg.key[5] ^= 0x20;
  reopen(f);
  assert_new_state(f->s);
}

static void test_torn_single_save_is_malformed(void **state) {
  fixture *f = *state;
  save_str(f->s, "doxm", "doxm-v1");
  ocf_mem_medium_arm(f->mm, 1, OCF_MEM_TEAR, 40);
  assert_int_equal(ocf_store_save(f->s, "doxm", (const uint8_t *)"doxm-v2", 7), OCF_ERR_IO);
  ocf_mem_medium_reboot(f->mm);
  reopen(f);
  uint8_t buf[64];
  size_t got = 0;
  assert_int_equal(ocf_store_load(f->s, "doxm", buf, sizeof buf, &got), OCF_ERR_MALFORMED);
}

/* A one-off I/O error after the commit point: save_many completes the change at once from its
 * journal (as open would), so the store goes on working and shows the new state. */
static void test_one_io_error_after_commit_is_completed_at_once(void **state) {
  fixture *f = *state;
  seed_old_state(f);
  ocf_mem_medium_arm(f->mm, 3, OCF_MEM_FAIL, 0);
  assert_int_equal(ocf_store_save_many(f->s, k_onboard, ONBOARD_N), OCF_OK);
  assert_new_state(f->s);
  uint8_t one = 1;
  assert_int_equal(ocf_store_save(f->s, "sp", &one, 1), OCF_OK);
  reopen(f);
  assert_new_state(f->s);
}

/* An I/O error after the commit point that lasts (the completion fails too): the store refuses
 * everything until reopened, and the reopen completes the change. */
static void test_io_error_after_commit_needs_a_reopen(void **state) {
  fixture *f = *state;
  seed_old_state(f);
  ocf_mem_medium_arm(f->mm, 3, OCF_MEM_CRASH, 0);
  assert_int_not_equal(ocf_store_save_many(f->s, k_onboard, ONBOARD_N), OCF_OK);
  uint8_t buf[64];
  size_t got = 0;
  assert_int_equal(ocf_store_load(f->s, "pstat", buf, sizeof buf, &got), OCF_ERR_STATE);
  assert_int_equal(ocf_store_save(f->s, "sp", buf, 1), OCF_ERR_STATE);
  assert_int_equal(ocf_store_remove(f->s, "sp"), OCF_ERR_STATE);
  ocf_mem_medium_reboot(f->mm);
  reopen(f);
  assert_new_state(f->s);
}

static void test_io_error_before_commit_changes_nothing(void **state) {
  fixture *f = *state;
  seed_old_state(f);
  ocf_mem_medium_arm(f->mm, 1, OCF_MEM_FAIL, 0);
  assert_int_equal(ocf_store_save_many(f->s, k_onboard, ONBOARD_N), OCF_ERR_IO);
  assert_old_state(f->s);
  assert_int_equal(ocf_store_save_many(f->s, k_onboard, ONBOARD_N), OCF_OK);
  assert_new_state(f->s);
}

/* --- platform failures ------------------------------------------------------------------------ */

static void test_open_fails_cleanly_on_every_allocation_failure(void **state) {
  fixture *f = *state;
  ocf_store_close(f->s);
  f->s = NULL;
  ocf_store_medium port = ocf_mem_medium_port(f->mm);
  size_t live = f->sp.live;               /* the medium's own */
  for (size_t nth = 1; nth <= 3; nth++) { /* the store, its two buffers */
    ocf_sim_fail_alloc(&f->sp, nth, false);
    ocf_store *s = NULL;
    assert_int_equal(ocf_store_open(&port, &f->cfg, &f->sp.pf, &s), OCF_ERR_NO_MEMORY);
    assert_null(s);
    assert_int_equal(f->sp.live, live);
  }
  ocf_sim_fail_alloc(&f->sp, 0, false);
  reopen(f);
}

static void test_rng_failure_stops_an_encrypted_save(void **state) {
  fixture *f = *state;
  f->sp.random_fails = true;
  assert_int_equal(ocf_store_save(f->s, "doxm", (const uint8_t *)"x", 1), OCF_ERR_CRYPTO);
  f->sp.random_fails = false;
  assert_absent(f->s, "doxm");
}

/* The store's two max_record buffers, found by their size through a wrapping allocator. */
typedef struct watched_platform {
  ocf_platform inner;
  uint8_t *bufs[2];
  size_t n;
} watched_platform;

static ocf_err watched_random(void *ctx, uint8_t *out, size_t len) {
  watched_platform *w = ctx;
  return w->inner.random(w->inner.ctx, out, len);
}

static void *watched_alloc(void *ctx, size_t size) {
  watched_platform *w = ctx;
  void *p = w->inner.alloc(w->inner.ctx, size);
  if (p && size == MAX_RECORD && w->n < 2) {
    memset(p, 0, size); /* the store does not wipe what it never wrote */
    w->bufs[w->n++] = p;
  }
  return p;
}

static void watched_free(void *ctx, void *p) {
  watched_platform *w = ctx;
  w->inner.free(w->inner.ctx, p);
}

static void assert_buffers_clean(const watched_platform *w) {
  for (size_t b = 0; b < w->n; b++)
    for (size_t i = 0; i < MAX_RECORD; i++)
      if (w->bufs[b][i] != 0) fail_msg("buffer %zu byte %zu not wiped", b, i);
}

/* Only the bytes written since the last wipe are wiped (a large max_record costs neither time
 * nor resident memory): every byte a save, a load, a batch and a recovery wrote must be gone. */
static void test_buffers_hold_nothing_after_each_operation(void **state) {
  fixture *f = *state;
  watched_platform w = {.inner = f->sp.pf};
  ocf_platform pf = {.ctx = &w, .random = watched_random, .alloc = watched_alloc, .free = watched_free};
  ocf_store_medium port = ocf_mem_medium_port(f->mm);
  ocf_store *s = NULL;
  ocf_store_close(f->s);
  f->s = NULL;
  assert_int_equal(ocf_store_open(&port, &f->cfg, &pf, &s), OCF_OK);
  assert_int_equal(w.n, 2);
  uint8_t secret[3000], out[3000];
  memset(secret, 0xA5, sizeof secret);
  size_t len = 0;
  assert_int_equal(ocf_store_save(s, "cred", secret, sizeof secret), OCF_OK);
  assert_buffers_clean(&w);
  assert_int_equal(ocf_store_load(s, "cred", out, sizeof out, &len), OCF_OK);
  assert_buffers_clean(&w);
  ocf_store_change batch[2] = {{.name = "cred", .data = secret, .len = 1500},
                               {.name = "acl2", .data = secret, .len = 1000}};
  assert_int_equal(ocf_store_save_many(s, batch, 2), OCF_OK);
  assert_buffers_clean(&w);
  assert_int_equal(ocf_store_save(s, "big", secret, MAX_RECORD), OCF_ERR_TOO_LARGE);
  assert_buffers_clean(&w);
  assert_int_equal(ocf_store_load(s, "acl2", out, 10, &len), OCF_ERR_NO_SPACE);
  assert_buffers_clean(&w);
  ocf_store_close(s);
  reopen(f); /* what was saved is intact */
  assert_int_equal(ocf_store_load(f->s, "acl2", out, sizeof out, &len), OCF_OK);
  assert_int_equal(len, 1000);
  assert_memory_equal(out, secret, len);
}

static int setup_mac(void **state) { return setup_mode(state, OCF_STORE_MAC); }
static int setup_digest(void **state) { return setup_mode(state, OCF_STORE_DIGEST); }

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_save_load_remove_round_trip),
      cmocka_unit_test_setup_teardown(test_save_load_remove_round_trip, setup_mac, teardown),
      cmocka_unit_test_setup_teardown(test_save_load_remove_round_trip, setup_digest, teardown),
      T(test_generation_counts_saves_and_restarts_after_remove),
      T(test_load_into_small_buffer_reports_needed_length),
      T(test_invalid_names_and_arguments_are_refused),
      T(test_open_refuses_missing_key_and_bad_config),
      T(test_encrypted_store_keeps_payloads_off_the_medium),
      T(test_damaged_record_is_reported_and_not_overwritten),
      cmocka_unit_test_setup_teardown(test_damaged_record_is_reported_and_not_overwritten, setup_digest,
                                      teardown),
      T(test_truncated_record_is_malformed),
      T(test_record_copied_over_another_blob_is_malformed),
      T(test_store_with_another_key_reports_crypto),
      T(test_digest_store_refuses_encrypted_records),
      T(test_oversized_blob_and_object_are_refused),
      T(test_save_many_applies_every_change),
      cmocka_unit_test_setup_teardown(test_save_many_applies_every_change, setup_mac, teardown),
      T(test_save_many_refuses_before_writing_anything),
      T(test_save_many_is_all_or_nothing_after_a_crash_at_any_mutation),
      T(test_recovery_survives_a_crash_of_its_own),
      T(test_torn_writes_are_healed_or_refused),
      T(test_pending_journal_under_another_key_stops_the_open),
      T(test_torn_single_save_is_malformed),
      T(test_one_io_error_after_commit_is_completed_at_once),
      T(test_io_error_after_commit_needs_a_reopen),
      T(test_io_error_before_commit_changes_nothing),
      T(test_open_fails_cleanly_on_every_allocation_failure),
      T(test_rng_failure_stops_an_encrypted_save),
      T(test_buffers_hold_nothing_after_each_operation),
  };
#undef T
  return cmocka_run_group_tests(tests, NULL, NULL);
}
