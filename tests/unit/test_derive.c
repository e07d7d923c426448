/* OCF key derivations (src/dtls/derive.c) against values captured from real IoTivity-Lite
 * onboardings (../shared/vectors/owner-psk-iotivity-lite.json): what both sides stored. The
 * wrong variants of that file must not come out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "dtls/derive.h"
#include "svr/doxm.h" /* both in one unit: one ocf_oxm, no clash */

static void unhex(const char *hex, uint8_t *out, size_t len) {
  assert_int_equal(strlen(hex), 2 * len);
  for (size_t i = 0; i < len; i++) {
    unsigned v = 0;
    for (int k = 0; k < 2; k++) {
      char c = hex[2 * i + (size_t)k];
      v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    out[i] = (uint8_t)v;
  }
}

static ocf_uuid uuid_hex(const char *hex) {
  ocf_uuid u;
  unhex(hex, u.b, 16);
  return u;
}

typedef struct capture {
  ocf_oxm oxm;
  uint16_t suite;
  const char *master, *client_random, *server_random, *key_block, *obt, *dev_old, *dev_new, *owner_psk;
} capture;

static const capture just_works = {
    OCF_OXM_JUST_WORKS,
    0xFF00,
    "0e827eaf65f185a09aafc644fea8c4161fdd2f906ddc2bc6d339eaadcea820bc15ee3476c47007ec76e72a9e8986ba07",
    "6b02b88bf0e969e67e4cf0a2087abe6eedbb75a9513ef1bbae4cdb27cbcbb07e",
    "6b02b88b4f11bd5f3782c9678744207296e5cd83260885aa76cb379edd897e2c",
    "df91ffeb9c837c47058247257fec887ab0a4e66223ef52239e77e1b857e91300bc77b4cd7193e2baabbcb885706f0319dc6cd6ee"
    "02cb"
    "439b1b4757fc4323ddba5ff52bb04c61a00eece83949482f8da98901053dc2c84241fcc301412cc6149b",
    "ce3eefdeb8e34c085674c3702eb35028",
    "132e0d5b54d9410c56460f06a0e9d3ce",
    "4e2e330a2f2248ca54b9c984bc68fec5",
    "434aeadb41d773f1039a2e7f980474e1"};

static const capture random_pin = {
    OCF_OXM_RANDOM_PIN,
    0xC037,
    "af3d0b8ef02fd5199efc012560fd2ba5cb07dc6b39db027a18771441272508674efa188d3c21d5e455bd7ac9d28142cc",
    "6b02b8a2d83c90258858745d60ff9cd6ca7b4a6220e89f96a2675c9c6dfc8cec",
    "6b02b8a2afbe470ce24f794f570f04764f15ff0979bc6b2d767723963626164f",
    "820e019fc8542a7893881e6fe8d33847a59544575fcd70a6546836a3f9dede57dfe5809bf4d23840978de972e9ad241a850c4bf8"
    "eeb5"
    "137d859036b2e48331f1aa553308d02fb3251593395b48f00e1ae35bb052c376e5c2faab14da7da8e0d3",
    "ce3eefdeb8e34c085674c3702eb35028",
    "97f3b752e20941365688561507617827",
    "867b77b4bfb5453e5b7474aa0f4341bf",
    "6d61e394905c67569363c4dce1bb5dc1"};

static void check_capture(const capture *c) {
  uint8_t master[48], cr[32], sr[32], want_kb[96], kb[OCF_KEY_BLOCK_MAX], want_psk[16], psk[16];
  unhex(c->master, master, sizeof master);
  unhex(c->client_random, cr, sizeof cr);
  unhex(c->server_random, sr, sizeof sr);
  unhex(c->key_block, want_kb, sizeof want_kb);
  unhex(c->owner_psk, want_psk, sizeof want_psk);
  size_t kbl = 0;
  assert_int_equal(ocf_derive_key_block(master, cr, sr, c->suite, kb, &kbl), OCF_OK);
  assert_int_equal(kbl, 96);
  assert_memory_equal(kb, want_kb, kbl);
  ocf_uuid obt = uuid_hex(c->obt), dev = uuid_hex(c->dev_new);
  assert_int_equal(ocf_derive_owner_psk(kb, kbl, c->oxm, &obt, &dev, psk), OCF_OK);
  assert_memory_equal(psk, want_psk, sizeof psk);
}

static void test_owner_psk_matches_iotivity_lite_just_works_capture(void **state) {
  (void)state;
  check_capture(&just_works);
}

static void test_owner_psk_matches_iotivity_lite_random_pin_capture(void **state) {
  (void)state;
  check_capture(&random_pin);
}

/* The capture file's wrong variants: each mistake gives its recorded (wrong) key, never the
 * right one — so the test would catch us making any of them. */
static void test_owner_psk_wrong_variants_differ(void **state) {
  (void)state;
  const capture *c = &just_works;
  uint8_t master[48], cr[32], sr[32], kb[OCF_KEY_BLOCK_MAX], psk[16], want[16];
  unhex(c->master, master, 48);
  unhex(c->client_random, cr, 32);
  unhex(c->server_random, sr, 32);
  size_t kbl;
  assert_int_equal(ocf_derive_key_block(master, cr, sr, c->suite, kb, &kbl), OCF_OK);
  ocf_uuid obt = uuid_hex(c->obt), old = uuid_hex(c->dev_old), dev = uuid_hex(c->dev_new);

  assert_int_equal(ocf_derive_owner_psk(kb, kbl, c->oxm, &obt, &old, psk), OCF_OK);
  unhex("ca6ce039ee44e0fc55f0b0db74f5db57", want, 16); /* old device uuid */
  assert_memory_equal(psk, want, 16);
  assert_int_equal(ocf_derive_owner_psk(kb, kbl, c->oxm, &dev, &obt, psk), OCF_OK);
  unhex("da94e8331044c30314f4f8f32993e64f", want, 16); /* uuids swapped */
  assert_memory_equal(psk, want, 16);
  assert_int_equal(ocf_derive_owner_psk(kb, 40, c->oxm, &obt, &dev, psk), OCF_OK);
  unhex("0aeae671886a4209580490e048064741", want, 16); /* key_block of 40 bytes */
  assert_memory_equal(psk, want, 16);
  /* client_random first: the key_block changes, hence the key. */
  uint8_t kb2[OCF_KEY_BLOCK_MAX];
  assert_int_equal(ocf_derive_key_block(master, sr, cr, c->suite, kb2, &kbl), OCF_OK);
  assert_int_equal(ocf_derive_owner_psk(kb2, kbl, c->oxm, &obt, &dev, psk), OCF_OK);
  unhex("8d552efac77ee7499fb4acafbd02b10d", want, 16);
  assert_memory_equal(psk, want, 16);
}

static void test_pin_psk_matches_iotivity_lite_capture(void **state) {
  (void)state;
  ocf_uuid dev = uuid_hex("0f88209bbee74cb877cdcca87ae6430d");
  uint8_t psk[16], want[16];
  assert_int_equal(ocf_derive_pin_psk("22821213", 8, &dev, psk), OCF_OK);
  unhex("d6aeeb9dafd886953fed88ef3e23792f", want, 16);
  assert_memory_equal(psk, want, 16);
  assert_int_equal(ocf_derive_pin_psk("22821214", 8, &dev, psk), OCF_OK);
  assert_memory_not_equal(psk, want, 16);
}

/* The doxm numbers (SEC:doxm) and the labels of digest §4.5; DCAP and the post-RESET "self"
 * value have no OwnerPSK label, so deriving with them is refused. */
static void test_oxm_urns_only_for_methods_with_an_owner_psk_label(void **state) {
  (void)state;
  ocf_svr_doxm doxm;
  memset(&doxm, 0, sizeof doxm);
  doxm.oxmsel = OCF_OXM_RANDOM_PIN;
  assert_int_equal(doxm.oxmsel, 1);
  assert_int_equal(OCF_OXM_MFG_CERT, 2);
  assert_string_equal(ocf_oxm_urn(OCF_OXM_JUST_WORKS), "oic.sec.doxm.jw");
  assert_string_equal(ocf_oxm_urn(OCF_OXM_RANDOM_PIN), "oic.sec.doxm.rdp");
  assert_string_equal(ocf_oxm_urn(OCF_OXM_MFG_CERT), "oic.sec.doxm.mfgcert");
  assert_null(ocf_oxm_urn(OCF_OXM_DCAP));
  assert_null(ocf_oxm_urn(OCF_OXM_SELF));
  uint8_t kb[96] = {1}, out[OCF_OWNER_PSK_LEN];
  ocf_uuid a = {{1}}, b = {{2}};
  assert_int_equal(ocf_derive_owner_psk(kb, sizeof kb, OCF_OXM_SELF, &a, &b, out), OCF_ERR_INVALID_ARG);
}

static void test_key_block_lengths_and_bad_arguments(void **state) {
  (void)state;
  assert_int_equal(ocf_key_block_len(0xFF00), 96);
  assert_int_equal(ocf_key_block_len(0xC037), 96);
  assert_int_equal(ocf_key_block_len(0xC0AE), 40);
  assert_int_equal(ocf_key_block_len(0xC0AC), 40);
  assert_int_equal(ocf_key_block_len(0xC0AF), 72);
  assert_int_equal(ocf_key_block_len(0xC0AD), 72);
  assert_int_equal(ocf_key_block_len(0x002F), 0);
  uint8_t m[48] = {0}, r[32] = {0}, kb[OCF_KEY_BLOCK_MAX], psk[16];
  size_t kbl;
  assert_int_equal(ocf_derive_key_block(m, r, r, 0x002F, kb, &kbl), OCF_ERR_UNSUPPORTED);
  ocf_uuid u = {{0}};
  assert_int_equal(ocf_derive_owner_psk(kb, 0, OCF_OXM_JUST_WORKS, &u, &u, psk), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_derive_owner_psk(kb, 96, (ocf_oxm)7, &u, &u, psk), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_derive_pin_psk("", 0, &u, psk), OCF_ERR_INVALID_ARG);
  assert_string_equal(ocf_oxm_urn(OCF_OXM_MFG_CERT), "oic.sec.doxm.mfgcert");
  assert_null(ocf_oxm_urn((ocf_oxm)3));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_owner_psk_matches_iotivity_lite_just_works_capture),
      cmocka_unit_test(test_owner_psk_matches_iotivity_lite_random_pin_capture),
      cmocka_unit_test(test_owner_psk_wrong_variants_differ),
      cmocka_unit_test(test_pin_psk_matches_iotivity_lite_capture),
      cmocka_unit_test(test_key_block_lengths_and_bad_arguments),
      cmocka_unit_test(test_oxm_urns_only_for_methods_with_an_owner_psk_label),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
