/* The DOTS engine (src/obt/onboard.c, <ocf/ocf_obt_onboard.h>) against scripted devices on the
 * simulated network: each device is a second ocf_stack in the DTLS server role whose request
 * handler checks every request's method, path and channel against the expected sequence
 * (digest §5.2) and answers as a device would, through the SVR models of src/svr (so a payload
 * the models refuse fails the test) and deriving the Owner Credential from its own side of the
 * session. Just Works and Random PIN; success, a wrong PIN, a refusal at every step, a silent
 * device, a device without sdi, several devices under the jobs limit and the handshake cap; and
 * what the domain store holds afterwards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_obt_trust.h>

#include "dtls/session.h"
#include "dtls_certs.h"
#include "obt_world.h"

/* --- tests ---------------------------------------------------------------------------------- */

static const uint32_t k_jw_rdp[] = {0, 1};
static const uint32_t k_rdp_only[] = {1};

static void count_obt_datagrams(void *user, const ocf_sim_datagram *d) {
  world *w = user;
  w->tap_from_obt += d->src_node == w->obt_node;
  w->tap_to_obt += d->dst_node == w->obt_node;
}

static void test_just_works_onboards_a_device_to_rfpro(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = calloc(1, sizeof *w);
  world_init(w, 1, 4, 2, "jw,rdp");
  add_device(w, k_jw_rdp, 2, NULL);
  ocf_sim_set_tap(w->net, count_obt_datagrams, w);
  run(w);
  ocf_sim_flush(w->net); /* the close_notify queued as the job ended */
  assert_owned(w, 0);
  assert_int_equal(w->out[0].otm, OCF_OBT_OTM_JUST_WORKS);
  assert_int_equal(w->pins_asked, 0);
  assert_int_equal(w->n_owned, 1);
  ocf_obt_onboard_stats st;
  ocf_obt_onboard_stats_get(w->obt, &st);
  assert_int_equal(st.requests, N_EXPECTED);
  assert_int_equal(st.handshakes, 1);
  /* Every datagram the engine handed out went on the wire; all it received came from it. */
  assert_int_equal(st.datagrams_out, w->tap_from_obt);
  assert_true(st.datagrams_in > 0 && st.datagrams_in <= w->tap_to_obt);
  world_free(w);
  free(w);
}

static void test_random_pin_onboards_with_the_pin_the_device_shows(void **state) {
  (void)state;
  world *w = calloc(1, sizeof *w);
  world_init(w, 2, 4, 2, "rdp");
  add_device(w, k_jw_rdp, 2, "40913572");
  w->pin_to_give = "40913572";
  run(w);
  assert_owned(w, 0);
  assert_int_equal(w->out[0].otm, OCF_OBT_OTM_RANDOM_PIN);
  assert_int_equal(w->pins_asked, 1);
  world_free(w);
  free(w);
}

static void test_random_pin_with_a_wrong_pin_fails_at_the_handshake(void **state) {
  (void)state;
  world *w = calloc(1, sizeof *w);
  world_init(w, 3, 4, 2, "jw,rdp");
  add_device(w, k_rdp_only, 1, "40913572");
  w->pin_to_give = "40913573";
  run(w);
  assert_int_equal(w->out[0].type, OCF_OBT_EV_FAILED);
  assert_string_equal(w->out[0].step, "handshake");
  assert_string_equal(w->out[0].request, "DTLS handshake");
  assert_true(w->out[0].has_advice);
  assert_int_equal(w->dev[0].established, 0);
  assert_int_equal(w->dev[0].idx, 2); /* nothing over the DOC */
  assert_not_claimed(w, 0);
  world_free(w);
  free(w);
}

/* S003 §7.3: the DOTS identifies the device by the uuid in its PIN hint; another uuid there
 * (another device answering at that address) fails the handshake, with the right PIN even. */
static void test_random_pin_refuses_a_hint_naming_another_device(void **state) {
  (void)state;
  if (!ocf_dtls_psk_hint_available()) skip();
  world *w = calloc(1, sizeof *w);
  world_init(w, 4, 4, 2, "rdp");
  add_device(w, k_rdp_only, 1, "40913572");
  w->dev[0].foreign_hint = true;
  w->pin_to_give = "40913572";
  run(w);
  assert_int_equal(w->out[0].type, OCF_OBT_EV_FAILED);
  assert_string_equal(w->out[0].step, "handshake");
  assert_int_equal(w->dev[0].established, 0);
  assert_not_claimed(w, 0);
  world_free(w);
  free(w);
}

/* Every step a device refuses ends the job with that step named, the request, the device's code
 * and diagnostic; the device is asked to reset once the DOC exists; nothing stays claimed. */
static void test_a_refusal_at_each_step_names_the_step(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  for (int i = 0; i < N_EXPECTED; i++) {
    if (k_seq[i].combined) continue; /* refused, it is sent in parts: test_the_parts_of_... */
    world *w = calloc(1, sizeof *w);
    world_init(w, 10 + (uint64_t)i, 4, 2, "jw");
    add_device(w, k_jw_rdp, 2, NULL);
    w->dev[0].fail_at = i;
    w->dev[0].fail_code = OCF_COAP_CODE(4, 3);
    run(w);
    const outcome *o = &w->out[0];
    assert_string_equal(w->dev[0].mismatch, "");
    assert_int_equal(o->type, OCF_OBT_EV_FAILED);
    assert_string_equal(o->step, k_seq[i].step);
    char request[48];
    snprintf(request, sizeof request, "%s %s", k_seq[i].method == OCF_COAP_GET ? "GET" : "POST",
             k_seq[i].path);
    assert_string_equal(o->request, request);
    assert_int_equal(o->code, 403);
    assert_string_equal(o->diagnostic, "refused by the test");
    assert_true(o->has_advice);
    assert_false(o->uncertain);
    assert_int_equal(w->dev[0].reset_requested, k_seq[i].secure);
    assert_int_equal(o->requests, (uint32_t)i + 1 + k_seq[i].secure); /* + the reset */
    assert_not_claimed(w, 0);
    assert_int_equal(w->n_failed, 1);
    world_free(w);
    free(w);
  }
}

/* A device that stops answering fails its job at the step deadline (the injected clock), long
 * before CoAP's own give-up. */
static void test_a_silent_device_times_out_at_its_step(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = calloc(1, sizeof *w);
  world_init(w, 30, 4, 2, "jw");
  add_device(w, k_jw_rdp, 2, NULL);
  w->dev[0].fail_at = 3; /* doxm-uuids */
  w->dev[0].fail_code = 0;
  ocf_time_ms t0 = ocf_sim_now(w->net);
  run(w);
  assert_int_equal(w->out[0].type, OCF_OBT_EV_FAILED);
  assert_string_equal(w->out[0].step, "doxm-uuids");
  assert_int_equal(w->out[0].err, OCF_ERR_TIMEOUT);
  assert_true(ocf_sim_now(w->net) - t0 < 20000);
  assert_true(w->dev[0].reset_requested);
  assert_not_claimed(w, 0);
  world_free(w);
  free(w);
}

/* The owner credential went out and the device then stops answering, the reset included: the
 * store keeps the credential and leaves the device "onboarding" (it may hold the key). */
static void test_an_unconfirmed_rollback_keeps_the_owner_credential(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = calloc(1, sizeof *w);
  world_init(w, 31, 4, 2, "jw");
  add_device(w, k_jw_rdp, 2, NULL);
  w->dev[0].fail_at = 6; /* acl2-rowneruuid, after the owner credential */
  w->dev[0].fail_code = 0;
  w->dev[0].silent_reset = true;
  run(w);
  const outcome *o = &w->out[0];
  assert_int_equal(o->type, OCF_OBT_EV_FAILED);
  assert_true(o->uncertain);
  ocf_obt_device_record r;
  assert_int_equal(ocf_obt_store_device_get(w->store, &o->uuid, &r), OCF_OK);
  assert_int_equal(r.state, OCF_OBT_DEVICE_ONBOARDING);
  uint8_t psk[64];
  size_t len;
  assert_int_equal(ocf_obt_store_secret_get(w->store, &o->uuid, "owner-psk", psk, sizeof psk, &len), OCF_OK);
  assert_memory_equal(psk, w->dev[0].owner_psk, OCF_OWNER_PSK_LEN);
  world_free(w);
  free(w);
}

/* Digest §5.2 step 10: 4.04 from /oic/sec/sdi means the device has none; onboarding goes on. */
static void test_a_device_without_sdi_is_onboarded(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = calloc(1, sizeof *w);
  world_init(w, 40, 4, 2, "jw");
  add_device(w, k_jw_rdp, 2, NULL);
  w->dev[0].has_sdi = false;
  run(w);
  assert_owned(w, 0);
  steps_seen s = {0};
  assert_int_equal(ocf_obt_store_step_list(w->store, &w->out[0].uuid, each_step, &s), OCF_OK);
  assert_string_equal(s.names[8], "sdi");
  assert_int_equal(s.response[8], 404);
  world_free(w);
  free(w);
}

/* S003 5.3.1 step 1: a device given with discovery's doxm answer is not asked for doxm again;
 * 8 requests, 23 datagrams with the handshake and the close_notify (docs/BENCHMARKS.md). */
static void test_a_discovered_doxm_is_not_read_again(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = calloc(1, sizeof *w);
  world_init(w, 42, 4, 2, "jw");
  add_device(w, k_jw_rdp, 2, NULL);
  target_discovered(w);
  ocf_sim_set_tap(w->net, count_obt_datagrams, w);
  run(w);
  ocf_sim_flush(w->net);
  assert_owned(w, 0);
  assert_int_equal(w->out[0].requests, N_EXPECTED - 1);
  assert_int_equal(w->tap_from_obt + w->tap_to_obt, 2 * (N_EXPECTED - 1) + 6 + 1);
  steps_seen s = {0};
  assert_int_equal(ocf_obt_store_step_list(w->store, &w->out[0].uuid, each_step, &s), OCF_OK);
  assert_int_equal(s.n, N_STORE_STEPS - 1);
  assert_string_equal(s.names[0], "oxmsel");
  world_free(w);
  free(w);
}

/* A device that refuses the combined updates (devowneruuid + deviceuuid; pstat rowneruuid +
 * RFPRO) gets their parts one by one and is onboarded; the store shows the refusal and the parts. */
static void test_the_parts_of_a_refused_combined_update_follow(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = calloc(1, sizeof *w);
  world_init(w, 44, 4, 2, "jw");
  add_device(w, k_jw_rdp, 2, NULL);
  w->dev[0].splitting = true;
  run(w);
  assert_owned(w, 0);
  steps_seen s = {0};
  assert_int_equal(ocf_obt_store_step_list(w->store, &w->out[0].uuid, each_step, &s), OCF_OK);
  static const char *const names[] = {"get-doxm",         "oxmsel",          "handshake",  "om",
                                      "doxm-uuids",       "devowneruuid",    "deviceuuid", "owner-credential",
                                      "doxm-owner",       "acl2-rowneruuid", "sdi",        "rfpro",
                                      "pstat-rowneruuid", "rfpro-dos"};
  assert_int_equal(s.n, sizeof names / sizeof names[0]);
  for (size_t k = 0; k < s.n; k++) assert_string_equal(s.names[k], names[k]);
  assert_int_equal(s.response[4], 400);
  assert_int_equal(s.status[4], OCF_OBT_STEP_DONE);
  assert_int_equal(s.response[11], 400);
  world_free(w);
  free(w);
}

/* A part refused in its turn fails the job there, named, and the device is reset. */
static void test_a_refused_part_fails_the_job_there(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = calloc(1, sizeof *w);
  world_init(w, 45, 4, 2, "jw");
  add_device(w, k_jw_rdp, 2, NULL);
  w->dev[0].splitting = true;
  assert_string_equal(k_seq_split[5].step, "deviceuuid");
  w->dev[0].fail_at = 5;
  w->dev[0].fail_code = OCF_COAP_CODE(4, 3);
  run(w);
  assert_string_equal(w->dev[0].mismatch, "");
  assert_int_equal(w->out[0].type, OCF_OBT_EV_FAILED);
  assert_string_equal(w->out[0].step, "deviceuuid");
  assert_int_equal(w->out[0].code, 403);
  assert_true(w->dev[0].reset_requested);
  assert_not_claimed(w, 0);
  world_free(w);
  free(w);
}

/* OBT 5.3.3: a policy without an OTM the device offers fails before anything is written. A
 * discovered doxm that the policy cannot meet is read again, so the failure says what the
 * device answers now. */
static void test_a_policy_the_device_cannot_meet_fails_before_oxmsel(void **state) {
  (void)state;
  for (int discovered = 0; discovered < 2; discovered++) {
    world *w = calloc(1, sizeof *w);
    world_init(w, 41, 4, 2, "mfgcert");
    add_device(w, k_jw_rdp, 2, NULL);
    if (discovered) {
      target_discovered(w);
      w->dev[0].idx = 0; /* the GET doxm comes, as the first request of the sequence */
    }
    run(w);
    assert_int_equal(w->out[0].type, OCF_OBT_EV_FAILED);
    assert_string_equal(w->out[0].step, "get-doxm");
    assert_int_equal(w->out[0].err, OCF_ERR_UNSUPPORTED);
    assert_int_equal(w->dev[0].idx, 1);
    assert_int_equal(w->dev[0].doxm.oxmsel, OCF_OXM_SELF);
    world_free(w);
    free(w);
  }
}

/* Several devices on one stack: all owned, never more jobs or handshakes at once than allowed,
 * each with its own key; a device the store already owns is not touched. */
static void test_several_devices_within_the_jobs_limit(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = calloc(1, sizeof *w);
  world_init(w, 50, 2, 1, "jw,rdp");
  add_device(w, k_jw_rdp, 2, NULL);
  add_device(w, k_rdp_only, 1, "11112222");
  add_device(w, k_jw_rdp, 2, NULL);
  w->pin_to_give = "11112222";
  run(w);
  for (size_t i = 0; i < 3; i++) assert_owned(w, i);
  assert_int_equal(w->out[1].otm, OCF_OBT_OTM_RANDOM_PIN);
  assert_int_equal(w->n_owned, 3);
  assert_memory_not_equal(w->dev[0].owner_psk, w->dev[2].owner_psk, OCF_OWNER_PSK_LEN);
  /* Again: the store holds them as owned now, so nothing is sent. */
  for (size_t i = 0; i < 3; i++) w->targets[i].uuid = w->out[i].uuid;
  memset(w->out, 0, sizeof w->out);
  w->all_done = false;
  run(w);
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(w->out[i].type, OCF_OBT_EV_FAILED);
    assert_int_equal(w->out[i].err, OCF_ERR_STATE);
    assert_int_equal(w->dev[i].idx, N_EXPECTED);
    ocf_obt_device_record r; /* and its record and credential are as they were */
    assert_int_equal(ocf_obt_store_device_get(w->store, &w->targets[i].uuid, &r), OCF_OK);
    assert_int_equal(r.state, OCF_OBT_DEVICE_OWNED);
    uint8_t psk[64];
    size_t len;
    assert_int_equal(
        ocf_obt_store_secret_get(w->store, &w->targets[i].uuid, "owner-psk", psk, sizeof psk, &len), OCF_OK);
    assert_memory_equal(psk, w->dev[i].owner_psk, OCF_OWNER_PSK_LEN);
  }
  world_free(w);
  free(w);
}

static void test_otm_choice_follows_the_policy_order(void **state) {
  (void)state;
  const uint32_t both[] = {1, 0}, jw[] = {0}, mfg[] = {2};
  if (ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS))
    assert_int_equal(ocf_obt_otm_choose("jw,rdp", both, 2), OCF_OBT_OTM_JUST_WORKS);
  assert_int_equal(ocf_obt_otm_choose("rdp,jw", both, 2), OCF_OBT_OTM_RANDOM_PIN);
  assert_int_equal(ocf_obt_otm_choose("rdp", jw, 1), OCF_OBT_OTM_NONE);
  assert_int_equal(ocf_obt_otm_choose("mfgcert", mfg, 1), OCF_OBT_OTM_MFG_CERT); /* the build runs it */
  assert_int_equal(ocf_obt_otm_choose("bogus", both, 2), OCF_OBT_OTM_NONE);
  assert_int_equal(ocf_obt_otm_choose(NULL, both, 2), OCF_OBT_OTM_NONE);
}

/* --- Manufacturer certificate (digest §4.4) ------------------------------------------------- */

#define WALL_2023 1685577600000 /* 2023-06-01T00:00:00Z, ms */
#define WALL_2025 1748736000000 /* 2025-06-01T00:00:00Z */
static const uint32_t k_mfg_only[] = {2};

typedef struct mfg_certs {
  test_cred root, other_root, leaf, foreign_leaf, expired_leaf, no_ocf_eku_leaf;
  bool made;
} mfg_certs;

static mfg_certs g_mfg; /* made once: key generation is slow */

static const mfg_certs *mfg_certs_get(void) {
  if (g_mfg.made) return &g_mfg;
  test_cert_opts ca = {.is_ca = true, .max_pathlen = -1};
  test_make_cert(&g_mfg.root, NULL, "Acme Mfg Root", &ca, 71);
  test_make_cert(&g_mfg.other_root, NULL, "Other Mfg Root", &ca, 72);
  test_cert_opts lo = {.eku = TEST_EKU_OCF_LEAF};
  test_make_cert(&g_mfg.leaf, &g_mfg.root, "Acme Lamp 0001", &lo, 73);
  test_make_cert(&g_mfg.foreign_leaf, &g_mfg.other_root, "Other Lamp 0001", &lo, 74);
  test_cert_opts old = {.eku = TEST_EKU_OCF_LEAF, .not_after = "20240101000000"};
  test_make_cert(&g_mfg.expired_leaf, &g_mfg.root, "Acme Lamp 0002", &old, 75);
  test_cert_opts web = {.eku = TEST_EKU_SERVER | TEST_EKU_CLIENT}; /* no OCF identity OID */
  test_make_cert(&g_mfg.no_ocf_eku_leaf, &g_mfg.root, "Acme Lamp 0003", &web, 76);
  g_mfg.made = true;
  return &g_mfg;
}

typedef struct mfg_dev {
  ocf_bytes chain[1];
} mfg_dev;

/* A world whose domain trusts the Acme root (the wall clock at wall_ms) and one device offering
 * only mfgcert, presenting leaf. */
static void mfg_world(world *w, mfg_dev *md, uint64_t seed, const test_cred *leaf, ocf_obt_wall_ms wall_ms) {
  const mfg_certs *c = mfg_certs_get();
  world_init(w, seed, 4, 2, "mfgcert");
  w->wall = wall_ms;
  ocf_obt_trust_info info;
  ocf_bytes root = test_cert_bytes(&c->root);
  assert_int_equal(ocf_obt_trust_add(w->store, root.ptr, root.len, wall_ms / 1000, &info, NULL), OCF_OK);
  add_device(w, k_mfg_only, 1, NULL);
  md->chain[0] = test_cert_bytes(leaf);
  w->dev[0].mfg_chain = md->chain;
  w->dev[0].n_mfg_chain = 1;
  w->dev[0].mfg_key = test_key_bytes(leaf);
}

static void test_mfgcert_onboards_a_device_whose_chain_leads_to_an_anchor(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_MFG_CERT)) skip();
  world *w = calloc(1, sizeof *w);
  mfg_dev md;
  mfg_world(w, &md, 60, &mfg_certs_get()->leaf, WALL_2025);
  run(w);
  assert_owned(w, 0);
  assert_int_equal(w->out[0].otm, OCF_OBT_OTM_MFG_CERT);
  assert_int_equal(w->dev[0].doxm.oxmsel, OCF_OXM_MFG_CERT);
  assert_int_equal(w->pins_asked, 0);
  world_free(w);
  free(w);
}

/* A refused chain ends the job at the handshake, names the certificate problem, and leaves
 * nothing claimed (no owner credential, nothing sent over a DOC). */
static void assert_mfg_refused(world *w, const char *problem) {
  const outcome *o = &w->out[0];
  assert_int_equal(o->type, OCF_OBT_EV_FAILED);
  assert_string_equal(o->step, "handshake");
  assert_string_equal(o->request, "DTLS handshake");
  assert_int_equal(o->otm, OCF_OBT_OTM_MFG_CERT);
  assert_non_null(strstr(o->diagnostic, problem));
  assert_true(o->has_advice);
  assert_int_equal(w->dev[0].established, 0);
  assert_int_equal(w->dev[0].idx, 2); /* get-doxm, oxmsel; nothing over a DOC */
  assert_false(w->dev[0].doxm.owned);
  assert_false(w->dev[0].has_owner_psk);
  assert_not_claimed(w, 0);
}

static void test_mfgcert_refuses_a_chain_from_another_root(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_MFG_CERT)) skip();
  world *w = calloc(1, sizeof *w);
  mfg_dev md;
  mfg_world(w, &md, 61, &mfg_certs_get()->foreign_leaf, WALL_2025);
  run(w);
  assert_mfg_refused(w, "does not lead to a trust anchor of the domain");
  world_free(w);
  free(w);
}

/* The leaf's validity is checked at the engine's injected wall clock (the TLS library has no
 * clock): the same device is owned in 2023 and refused as expired in 2025. */
static void test_mfgcert_checks_validity_at_the_injected_time(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_MFG_CERT)) skip();
  world *w = calloc(1, sizeof *w);
  mfg_dev md;
  mfg_world(w, &md, 62, &mfg_certs_get()->expired_leaf, WALL_2025);
  run(w);
  assert_mfg_refused(w, "refused: expired");
  world_free(w);
  memset(w, 0, sizeof *w);
  mfg_world(w, &md, 63, &mfg_certs_get()->expired_leaf, WALL_2023);
  run(w);
  assert_owned(w, 0);
  world_free(w);
  free(w);
}

/* Digest §4.4: a leaf without the OCF identity EKU (a web server certificate) is refused after
 * the TLS library accepted its path. */
static void test_mfgcert_refuses_a_leaf_without_the_ocf_eku(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_MFG_CERT)) skip();
  world *w = calloc(1, sizeof *w);
  mfg_dev md;
  mfg_world(w, &md, 64, &mfg_certs_get()->no_ocf_eku_leaf, WALL_2025);
  run(w);
  assert_mfg_refused(w, "refused: extendedKeyUsage");
  world_free(w);
  free(w);
}

/* Without manufacturer anchors in the domain, mfgcert is not chosen, and the failure says what is
 * missing before anything is written to the device. */
static void test_mfgcert_needs_anchors_in_the_domain(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_MFG_CERT)) skip();
  world *w = calloc(1, sizeof *w);
  world_init(w, 65, 4, 2, "mfgcert,rdp");
  add_device(w, k_mfg_only, 1, NULL);
  run(w);
  assert_int_equal(w->out[0].type, OCF_OBT_EV_FAILED);
  assert_string_equal(w->out[0].step, "get-doxm");
  assert_int_equal(w->out[0].err, OCF_ERR_UNSUPPORTED);
  assert_non_null(strstr(w->out[0].diagnostic, "no manufacturer trust anchors"));
  assert_int_equal(w->dev[0].idx, 1);
  world_free(w);
  free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_just_works_onboards_a_device_to_rfpro),
      cmocka_unit_test(test_random_pin_onboards_with_the_pin_the_device_shows),
      cmocka_unit_test(test_random_pin_with_a_wrong_pin_fails_at_the_handshake),
      cmocka_unit_test(test_random_pin_refuses_a_hint_naming_another_device),
      cmocka_unit_test(test_a_refusal_at_each_step_names_the_step),
      cmocka_unit_test(test_a_silent_device_times_out_at_its_step),
      cmocka_unit_test(test_an_unconfirmed_rollback_keeps_the_owner_credential),
      cmocka_unit_test(test_a_device_without_sdi_is_onboarded),
      cmocka_unit_test(test_a_policy_the_device_cannot_meet_fails_before_oxmsel),
      cmocka_unit_test(test_a_discovered_doxm_is_not_read_again),
      cmocka_unit_test(test_the_parts_of_a_refused_combined_update_follow),
      cmocka_unit_test(test_a_refused_part_fails_the_job_there),
      cmocka_unit_test(test_several_devices_within_the_jobs_limit),
      cmocka_unit_test(test_otm_choice_follows_the_policy_order),
      cmocka_unit_test(test_mfgcert_onboards_a_device_whose_chain_leads_to_an_anchor),
      cmocka_unit_test(test_mfgcert_refuses_a_chain_from_another_root),
      cmocka_unit_test(test_mfgcert_checks_validity_at_the_injected_time),
      cmocka_unit_test(test_mfgcert_refuses_a_leaf_without_the_ocf_eku),
      cmocka_unit_test(test_mfgcert_needs_anchors_in_the_domain),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
