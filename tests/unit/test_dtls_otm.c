/* The onboarding sessions of the OTMs through src/dtls with our patched mbedTLS: Just Works
 * (anonymous ECDH, 0xFF00) and Random PIN (ECDHE-PSK 0xC037 with the "oic.sec.doxm.rdp:" hint
 * that lets the client choose the PIN key), each ending in the same OwnerPSK on both sides
 * (digest §4.2, §4.3, §4.5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "dtls/derive.h"
#include "dtls_fixture.h"

static const ocf_uuid obt_uuid = {
    {0xce, 0x3e, 0xef, 0xde, 0xb8, 0xe3, 0x4c, 0x08, 0x56, 0x74, 0xc3, 0x70, 0x2e, 0xb3, 0x50, 0x28}};
static const ocf_uuid device_uuid = {
    {0x4e, 0x2e, 0x33, 0x0a, 0x2f, 0x22, 0x48, 0xca, 0x54, 0xb9, 0xc9, 0x84, 0xbc, 0x68, 0xfe, 0xc5}};

/* Both sides derive the Owner Credential from their own view of the session. */
static void assert_same_owner_psk(dx_world *w, ocf_oxm oxm, uint16_t suite) {
  const dx_event *se = dx_find(&w->server, OCF_DTLS_EV_ESTABLISHED),
                 *ce = dx_find(&w->client, OCF_DTLS_EV_ESTABLISHED);
  assert_non_null(se);
  assert_non_null(ce);
  assert_int_equal(se->info.suite, suite);
  assert_int_equal(ce->info.suite, suite);
  assert_int_equal(se->key_block_err, OCF_OK);
  assert_int_equal(ce->key_block_err, OCF_OK);
  assert_int_equal(ce->key_block_len, ocf_key_block_len(suite));
  uint8_t server_psk[OCF_OWNER_PSK_LEN], client_psk[OCF_OWNER_PSK_LEN];
  assert_int_equal(
      ocf_derive_owner_psk(se->key_block, se->key_block_len, oxm, &obt_uuid, &device_uuid, server_psk),
      OCF_OK);
  assert_int_equal(
      ocf_derive_owner_psk(ce->key_block, ce->key_block_len, oxm, &obt_uuid, &device_uuid, client_psk),
      OCF_OK);
  assert_memory_equal(server_psk, client_psk, sizeof server_psk);
}

static void test_just_works_session_gives_both_sides_the_same_owner_psk(void **state) {
  (void)state;
  if (!ocf_dtls_suite_available(0xFF00)) skip(); /* mbedTLS without our patch */
  dx_world w;
  dx_init(&w, 31, NULL, NULL);
  assert_int_equal(ocf_dtls_profile_otm(&w.server.profile, OCF_OXM_JUST_WORKS), OCF_OK);
  ocf_dtls_profile p;
  assert_int_equal(ocf_dtls_profile_otm(&p, OCF_OXM_JUST_WORKS), OCF_OK);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_both_established, &w, 20000));
  assert_same_owner_psk(&w, OCF_OXM_JUST_WORKS, 0xFF00);
  const dx_event *se = dx_find(&w.server, OCF_DTLS_EV_ESTABLISHED);
  assert_false(se->info.has_peer_uuid); /* anonymous: nobody is authenticated */
  dx_free(&w);
}

static void test_just_works_client_is_refused_by_a_pin_server(void **state) {
  (void)state;
  if (!ocf_dtls_suite_available(0xFF00)) skip();
  dx_world w;
  dx_init(&w, 32, NULL, NULL); /* the server hands out the Random PIN profile */
  ocf_dtls_profile p;
  assert_int_equal(ocf_dtls_profile_otm(&p, OCF_OXM_JUST_WORKS), OCF_OK);
  assert_int_equal(dx_connect(&w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w.net, dx_settled, &w, 120000));
  assert_int_equal(dx_count(&w.client, OCF_DTLS_EV_ESTABLISHED), 0);
  assert_int_equal(dx_count(&w.server, OCF_DTLS_EV_ESTABLISHED), 0);
  dx_free(&w);
}

/* Digest §4.1 and §4.3: identity "oic.sec.doxm.rdp", hint "oic.sec.doxm.rdp:" + the 16 raw bytes of
 * the device uuid; the key is PBKDF2 of the PIN with that uuid. The client is configured with a
 * wrong key on purpose: only the key its hint callback picks can make the handshake work. */
static void run_pin_session(dx_world *w, const char *device_pin, const char *user_pin) {
  static const char rdp[] = "oic.sec.doxm.rdp";
  static uint8_t hint[17 + 16];
  memcpy(hint, "oic.sec.doxm.rdp:", 17);
  memcpy(hint + 17, device_uuid.b, 16);
  dx_node *s = &w->server, *c = &w->client;
  s->profile.psk_hint = (ocf_bytes){hint, sizeof hint};
  memcpy(s->identity, rdp, 16);
  s->identity_len = 16;
  assert_int_equal(ocf_derive_pin_psk(device_pin, strlen(device_pin), &device_uuid, s->psk), OCF_OK);
  s->psk_len = OCF_PIN_PSK_LEN;
  assert_int_equal(ocf_derive_pin_psk(user_pin, strlen(user_pin), &device_uuid, c->hint_psk), OCF_OK);
  c->hint_psk_len = OCF_PIN_PSK_LEN;
  static const uint8_t wrong[16] = {0};
  ocf_dtls_profile p = dx_psk_profile((const uint8_t *)rdp, 16, wrong, sizeof wrong);
  assert_int_equal(dx_connect(w, &p), OCF_OK);
  assert_true(ocf_sim_run_until(w->net, dx_settled, w, 120000));
  assert_int_equal(c->hint_seen_len, sizeof hint);
  assert_memory_equal(c->hint_seen, hint, sizeof hint);
}

static void test_random_pin_hint_selects_the_pin_key_and_gives_the_same_owner_psk(void **state) {
  (void)state;
  if (!ocf_dtls_psk_hint_available()) skip();
  dx_world w;
  dx_init(&w, 33, NULL, NULL);
  run_pin_session(&w, "22821213", "22821213");
  assert_true(dx_both_established(&w));
  assert_same_owner_psk(&w, OCF_OXM_RANDOM_PIN, 0xC037);
  dx_free(&w);
}

static void test_random_pin_with_a_wrong_pin_fails_on_both_sides(void **state) {
  (void)state;
  if (!ocf_dtls_psk_hint_available()) skip();
  dx_world w;
  dx_init(&w, 34, NULL, NULL);
  run_pin_session(&w, "22821213", "22821214");
  assert_int_equal(dx_count(&w.client, OCF_DTLS_EV_ESTABLISHED), 0);
  assert_int_equal(dx_count(&w.server, OCF_DTLS_EV_ESTABLISHED), 0);
  assert_int_equal(dx_count(&w.server, OCF_DTLS_EV_FAILED), 1);
  dx_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_just_works_session_gives_both_sides_the_same_owner_psk),
      cmocka_unit_test(test_just_works_client_is_refused_by_a_pin_server),
      cmocka_unit_test(test_random_pin_hint_selects_the_pin_key_and_gives_the_same_owner_psk),
      cmocka_unit_test(test_random_pin_with_a_wrong_pin_fails_on_both_sides),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
