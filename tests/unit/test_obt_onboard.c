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

#include "dtls/session.h"
#include "obt_world.h"

/* --- tests ---------------------------------------------------------------------------------- */

static const uint32_t k_jw_rdp[] = {0, 1};
static const uint32_t k_rdp_only[] = {1};

static void test_just_works_onboards_a_device_to_rfpro(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = calloc(1, sizeof *w);
  world_init(w, 1, 4, 2, "jw,rdp");
  add_device(w, k_jw_rdp, 2, NULL);
  run(w);
  assert_owned(w, 0);
  assert_int_equal(w->out[0].otm, OCF_OBT_OTM_JUST_WORKS);
  assert_int_equal(w->pins_asked, 0);
  assert_int_equal(w->n_owned, 1);
  ocf_obt_onboard_stats st;
  ocf_obt_onboard_stats_get(w->obt, &st);
  assert_int_equal(st.requests, N_EXPECTED);
  assert_int_equal(st.handshakes, 1);
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
  w->dev[0].fail_at = 4; /* read-deviceuuid */
  w->dev[0].fail_code = 0;
  ocf_time_ms t0 = ocf_sim_now(w->net);
  run(w);
  assert_int_equal(w->out[0].type, OCF_OBT_EV_FAILED);
  assert_string_equal(w->out[0].step, "read-deviceuuid");
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
  w->dev[0].fail_at = 9; /* pstat-rowneruuid, after the owner credential */
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
  assert_string_equal(s.names[11], "sdi");
  assert_int_equal(s.response[11], 404);
  world_free(w);
  free(w);
}

/* OBT 5.3.3: a policy without an OTM the device offers fails before anything is written. */
static void test_a_policy_the_device_cannot_meet_fails_before_oxmsel(void **state) {
  (void)state;
  world *w = calloc(1, sizeof *w);
  world_init(w, 41, 4, 2, "mfgcert");
  add_device(w, k_jw_rdp, 2, NULL);
  run(w);
  assert_int_equal(w->out[0].type, OCF_OBT_EV_FAILED);
  assert_string_equal(w->out[0].step, "get-doxm");
  assert_int_equal(w->out[0].err, OCF_ERR_UNSUPPORTED);
  assert_int_equal(w->dev[0].idx, 1);
  assert_int_equal(w->dev[0].doxm.oxmsel, OCF_OXM_SELF);
  world_free(w);
  free(w);
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
  assert_int_equal(ocf_obt_otm_choose("mfgcert", mfg, 1), OCF_OBT_OTM_NONE); /* not in this build yet */
  assert_int_equal(ocf_obt_otm_choose("bogus", both, 2), OCF_OBT_OTM_NONE);
  assert_int_equal(ocf_obt_otm_choose(NULL, both, 2), OCF_OBT_OTM_NONE);
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
      cmocka_unit_test(test_several_devices_within_the_jobs_limit),
      cmocka_unit_test(test_otm_choice_follows_the_policy_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
