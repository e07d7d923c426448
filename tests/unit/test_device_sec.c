/* Unit tests of the device's security (src/device/sec*.c, ADR 0012) over the simulated network:
 * S003 Table 1 cells as the device enforces them (digest 3.3, 3.4) with unsecured peers and
 * secure peers injected through the seam (dfx_session), the multicast rules of doxm (digest
 * 1.7), onboarding transitions and RESET entry actions (3.5, 3.6), /oic/d di = doxm deviceuuid
 * (1.5), DELETE, refused requests leaving state and store untouched, and persistence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "device/sec.h"
#include "device_fixture.h"
#include "store/memory/memory.h"
#include "svr_test_util.h"

#define STRANGER "11111111-2222-4333-8444-555555555555"

static int setup(void **state) {
  static dfx f; /* large; one test runs at a time */
  dfx_init(&f, NULL);
  *state = &f;
  return 0;
}

static int teardown(void **state) {
  dfx_free(*state);
  return 0;
}

static const sec_models *models(const dfx *f) { return f->dev->sec->cur; }

static uint8_t code_of(dfx *f, uint8_t method, const char *uri, bool secure) {
  dfx_req r = dfx_request(method, uri);
  r.secure = secure;
  const dfx_response *rsp = dfx_send(f, &r);
  assert_non_null(rsp);
  return rsp->code;
}

static uint8_t post_code(dfx *f, const char *uri, const char *diag, bool secure) {
  bool was = f->secure;
  f->secure = secure;
  const dfx_response *r = dfx_post_diag(f, uri, diag);
  f->secure = was;
  assert_non_null(r);
  return r->code;
}

/* --- Table 1: RFOTM -------------------------------------------------------------------------- */

static void test_rfotm_before_the_otm_anyone_reads_doxm_and_writes_only_oxmsel(void **state) {
  dfx *f = *state;
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/doxm", false), OCF_COAP_CONTENT);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/pstat", false), OCF_COAP_CONTENT);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/res", false), OCF_COAP_CONTENT);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/d", false), OCF_COAP_CONTENT);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/cred", false), OCF_COAP_UNAUTHORIZED);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/acl2", false), OCF_COAP_UNAUTHORIZED);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/sp", false), OCF_COAP_UNAUTHORIZED);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/switch", false), OCF_COAP_UNAUTHORIZED);
  assert_int_equal(post_code(f, "/oic/sec/pstat", "{'dos': {'s': 2}}", false), OCF_COAP_UNAUTHORIZED);
  assert_int_equal(code_of(f, OCF_COAP_DELETE, "/oic/sec/cred", false), OCF_COAP_UNAUTHORIZED);
  /* doxm: only oxmsel, only one of oxms, outside the DOC (digest 2.1) */
  assert_int_equal(post_code(f, "/oic/sec/doxm", "{'owned': true}", false), OCF_COAP_BAD_REQUEST);
  assert_int_equal(post_code(f, "/oic/sec/doxm", "{'oxmsel': 2}", false), OCF_COAP_BAD_REQUEST);
  assert_int_equal(post_code(f, "/oic/sec/doxm", "{'oxms': [0]}", false), OCF_COAP_BAD_REQUEST);
  assert_int_equal(models(f)->doxm.oxmsel, OCF_OXM_SELF);
  assert_int_equal(post_code(f, "/oic/sec/doxm", "{'oxmsel': 0}", false), OCF_COAP_CHANGED);
  assert_int_equal(models(f)->doxm.oxmsel, OCF_OXM_JUST_WORKS);
}

static void test_rfotm_with_the_doc_the_dots_writes_dcrs_and_clear_requests_are_refused(void **state) {
  dfx *f = *state;
  dfx_session(f, OCF_ACL_AUTH_ANON_DTLS, NULL);
  assert_true(device_sec_doc_open(f->dev));
  /* digest 3.4 step 1: unsecured requests while a DOC is open */
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/doxm", false), OCF_COAP_UNAUTHORIZED);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/res", false), OCF_COAP_UNAUTHORIZED);
  /* step 3: every DCR over the DOC */
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/cred", true), OCF_COAP_CONTENT);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/acl2", true), OCF_COAP_CONTENT);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/sp", true), OCF_COAP_CONTENT);
  assert_int_equal(post_code(f, "/oic/sec/sp", "{'currentprofile': '1.3.6.1.4.1.51414.0.0.2.0'}", true),
                   OCF_COAP_CHANGED);
  /* oxmsel is not writable over the DOC; NCRs are never served outside RFNOP */
  assert_int_equal(post_code(f, "/oic/sec/doxm", "{'oxmsel': 0}", true), OCF_COAP_BAD_REQUEST);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/switch", true), OCF_COAP_UNAUTHORIZED);
  /* RFPRO needs the entry checks (pitfall 17): not owned yet */
  assert_int_equal(post_code(f, "/oic/sec/pstat", "{'dos': {'s': 2}}", true), OCF_COAP_BAD_REQUEST);
  assert_int_equal(ocf_device_get_state(f->dev), OCF_DEVICE_RFOTM);
}

/* --- Table 1: RFPRO, RFNOP ------------------------------------------------------------------- */

static void test_rfnop_owner_and_strangers(void **state) {
  dfx *f = *state;
  dfx_onboard(f);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/doxm", false), OCF_COAP_UNAUTHORIZED); /* step 6 */
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/pstat", false), OCF_COAP_UNAUTHORIZED);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/d", false), OCF_COAP_CONTENT);       /* anon-clear ACE */
  assert_int_equal(code_of(f, OCF_COAP_GET, "/switch", false), OCF_COAP_UNAUTHORIZED); /* NCR in the clear */
  /* the owner (rowneruuid) over its PSK session: doxm, pstat, cred, acl2 without an ACE */
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/doxm", true), OCF_COAP_CONTENT);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/cred", true), OCF_COAP_CONTENT);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/sp", true),
                   OCF_COAP_UNAUTHORIZED); /* no implicit owner */
  assert_int_equal(code_of(f, OCF_COAP_GET, "/switch", true), OCF_COAP_CONTENT);
  /* RFNOP: cred and acl2 POST 4.00, DELETE 4.03; doxm writes 4.00 (digest 3.3) */
  assert_int_equal(post_code(f, "/oic/sec/cred", "{'rowneruuid': '" DFX_OWNER "'}", true),
                   OCF_COAP_BAD_REQUEST);
  assert_int_equal(code_of(f, OCF_COAP_DELETE, "/oic/sec/cred", true), OCF_COAP_FORBIDDEN);
  assert_int_equal(code_of(f, OCF_COAP_DELETE, "/oic/sec/acl2", true), OCF_COAP_FORBIDDEN);
  assert_int_equal(post_code(f, "/oic/sec/doxm", "{'owned': true}", true), OCF_COAP_BAD_REQUEST);
  /* back to RFPRO: credentials are writable again */
  assert_int_equal(post_code(f, "/oic/sec/pstat", "{'dos': {'s': 2}}", true), OCF_COAP_CHANGED);
  assert_int_equal(ocf_device_get_state(f->dev), OCF_DEVICE_RFPRO);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/switch", true), OCF_COAP_UNAUTHORIZED); /* NCR outside RFNOP */
  assert_int_equal(post_code(f, "/oic/sec/cred", "{'rowneruuid': '" DFX_OWNER "'}", true),
                   OCF_COAP_BAD_REQUEST); /* rowneruuid: RFOTM and SRESET only (digest 2.3) */
  assert_int_equal(post_code(f, "/oic/sec/cred",
                             "{'creds': [{'credtype': 1, 'subjectuuid': '" STRANGER
                             "', 'privatedata': {'data': h'00112233445566778899aabbccddeeff', 'encoding': "
                             "'oic.sec.encoding.raw'}}]}",
                             true),
                   OCF_COAP_CHANGED);
  /* a stranger with a PSK session: not the rowner, no ACE for SVRs (conntype never grants them) */
  dfx_session_close(f);
  dfx_session(f, OCF_ACL_AUTH_PSK, STRANGER);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/cred", true), OCF_COAP_UNAUTHORIZED);
  assert_int_equal(post_code(f, "/oic/sec/pstat", "{'dos': {'s': 3}}", true), OCF_COAP_UNAUTHORIZED);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/roles", true), OCF_COAP_CONTENT); /* step 8 */
  assert_int_equal(post_code(f, "/oic/sec/roles", "{'roles': []}", true), OCF_COAP_FORBIDDEN);
}

/* --- multicast doxm (digest 1.7, CR 2640) ---------------------------------------------------- */

static const dfx_response *mcast(dfx *f, const char *uri) {
  dfx_req r = dfx_request(OCF_COAP_GET, uri);
  r.multicast = true;
  return dfx_send(f, &r);
}

static void test_multicast_doxm_answered_only_unowned_in_rfotm_without_doc(void **state) {
  dfx *f = *state;
  assert_non_null(mcast(f, "/oic/sec/doxm"));
  assert_non_null(mcast(f, "/oic/sec/doxm?owned=FALSE"));
  assert_non_null(mcast(f, "/oic/sec/doxm?Owned=false")); /* key and value ignore case (pitfall 21) */
  assert_non_null(mcast(f, "/oic/sec/doxm?OWNED=False"));
  assert_null(mcast(f, "/oic/sec/doxm?owned=TRUE"));  /* mismatch: silent */
  assert_null(mcast(f, "/oic/sec/doxm?owned=maybe")); /* not a boolean: silent, never an error */
  /* unicast: mismatch and nonsense are 4.00 */
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/doxm?owned=true", false), OCF_COAP_BAD_REQUEST);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/doxm?owned=maybe", false), OCF_COAP_BAD_REQUEST);
  assert_int_equal(code_of(f, OCF_COAP_GET, "/oic/sec/doxm?OWNED=FALSE", false), OCF_COAP_CONTENT);
  /* a DOC open: silent whatever the query */
  dfx_session(f, OCF_ACL_AUTH_ANON_DTLS, NULL);
  assert_null(mcast(f, "/oic/sec/doxm"));
  assert_null(mcast(f, "/oic/sec/doxm?owned=false"));
  dfx_session_close(f); /* the DOC closing in RFOTM resets: still unowned, answering again */
  assert_non_null(mcast(f, "/oic/sec/doxm?owned=false"));
  /* owned: silent, also to owned=true (digest 1.7: not covered by the rule; IoTivity-Lite) */
  dfx_onboard(f);
  assert_null(mcast(f, "/oic/sec/doxm"));
  assert_null(mcast(f, "/oic/sec/doxm?owned=true"));
  assert_null(mcast(f, "/oic/sec/pstat"));
}

static void test_multicast_doxm_reply_is_the_doxm_of_this_device(void **state) {
  dfx *f = *state;
  const dfx_response *r = mcast(f, "/oic/sec/doxm?owned=false");
  assert_non_null(r);
  assert_int_equal(f->n_rsp, 1);
  const ocf_rep_node *root = dfx_decode(f, r);
  ocf_uuid u, di;
  assert_int_equal(ocf_rep_get_uuid(ocf_rep_map_value(root, "deviceuuid"), &u), OCF_OK);
  ocf_device_get_di(f->dev, &di);
  assert_true(ocf_uuid_equal(&u, &di));
}

/* --- transitions ----------------------------------------------------------------------------- */

static void test_reset_wipes_owner_data_with_a_new_deviceuuid_and_closes_sessions(void **state) {
  dfx *f = *state;
  dfx_onboard(f);
  ocf_uuid old_di, di;
  ocf_device_get_di(f->dev, &old_di);
  assert_int_equal(models(f)->cred.n, 1);
  assert_int_equal(post_code(f, "/oic/sec/pstat", "{'dos': {'s': 0}}", true), OCF_COAP_CHANGED);
  assert_int_equal(ocf_device_get_state(f->dev), OCF_DEVICE_RFOTM); /* RESET is transient */
  ocf_device_get_di(f->dev, &di);
  assert_false(ocf_uuid_equal(&di, &old_di));
  const sec_models *m = models(f);
  assert_true(ocf_uuid_equal(&m->doxm.deviceuuid, &di)); /* digest 1.5 */
  assert_false(m->doxm.owned);
  assert_int_equal(m->doxm.oxmsel, OCF_OXM_SELF);
  assert_true(ocf_uuid_is_nil(&m->doxm.devowneruuid) && ocf_uuid_is_nil(&m->pstat.rowneruuid));
  assert_int_equal(m->cred.n, 0);
  assert_int_equal(m->acl2.n, 0);
  assert_false(m->pstat.dos_p);
  /* the answer went out first, then the sessions were closed (digest 3.5) */
  assert_false(device_sec_doc_open(f->dev));
  ocf_endpoint ep = dfx_client_ep(false);
  assert_null(device_sec_find_session(f->dev, &ep));
  /* /oic/d follows */
  const ocf_rep_node *d = dfx_decode(f, dfx_get(f, "/oic/d"));
  ocf_uuid got;
  assert_int_equal(ocf_rep_get_uuid(ocf_rep_map_value(d, "di"), &got), OCF_OK);
  assert_true(ocf_uuid_equal(&got, &di));
  assert_non_null(mcast(f, "/oic/sec/doxm?owned=false")); /* discoverable again */
}

static void test_dots_written_deviceuuid_becomes_di(void **state) {
  dfx *f = *state;
  dfx_session(f, OCF_ACL_AUTH_ANON_DTLS, NULL);
  assert_int_equal(post_code(f, "/oic/sec/doxm", "{'deviceuuid': '" STRANGER "'}", true), OCF_COAP_CHANGED);
  ocf_uuid di;
  ocf_device_get_di(f->dev, &di);
  char text[OCF_UUID_STR_LEN];
  ocf_uuid_format(&di, text);
  assert_string_equal(text, STRANGER);
}

static void test_doc_closing_in_rfotm_resets_the_device(void **state) {
  dfx *f = *state;
  dfx_session(f, OCF_ACL_AUTH_ANON_DTLS, NULL);
  assert_int_equal(post_code(f, "/oic/sec/doxm", "{'owned': true, 'devowneruuid': '" DFX_OWNER "'}", true),
                   OCF_COAP_CHANGED);
  ocf_uuid before, after;
  ocf_device_get_di(f->dev, &before);
  dfx_session_close(f); /* the OTM was cut short (digest 3.6) */
  ocf_device_get_di(f->dev, &after);
  assert_false(ocf_uuid_equal(&before, &after));
  assert_false(models(f)->doxm.owned);
  assert_true(ocf_uuid_is_nil(&models(f)->doxm.devowneruuid));
}

static void on_event(void *user, ocf_device *d, const ocf_device_event *ev) {
  (void)d;
  int *seen = user;
  if (ev->type == OCF_DEVICE_EV_OTM_SELECTED) seen[0] = 1 + (int)ev->otm;
  if (ev->type == OCF_DEVICE_EV_STATE_CHANGED) seen[1]++;
  if (ev->type == OCF_DEVICE_EV_DI_CHANGED) seen[2]++;
}

static void test_oxmsel_write_raises_the_new_pin_hook(void **state) {
  (void)state;
  static dfx f;
  int seen[3] = {0};
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
  cfg.otms[0] = OCF_DEVICE_OTM_JUST_WORKS;
  cfg.otms[1] = OCF_DEVICE_OTM_RANDOM_PIN;
  cfg.n_otms = 2;
  cfg.on_event = on_event;
  cfg.event_user = seen;
  dfx_init(&f, &cfg);
  assert_int_equal(post_code(&f, "/oic/sec/doxm", "{'oxmsel': 1}", false), OCF_COAP_CHANGED);
  assert_int_equal(seen[0], 1 + OCF_DEVICE_OTM_RANDOM_PIN);
  assert_int_equal(ocf_device_factory_reset(f.dev, ocf_sim_now(f.net)), OCF_OK);
  assert_int_equal(seen[2], 1); /* a new deviceuuid */
  dfx_free(&f);
}

/* --- ACE validity periods (SEC:acl2 validity) ------------------------------------------------ */

static int64_t fake_utc(void *user) { return *(const int64_t *)user; }

/* An ACE with a validity period grants access only while the device's wall clock is inside it;
 * a device without a wall clock never applies it (fail closed, acl_decide.h). */
static void test_ace_validity_follows_the_wall_clock(void **state) {
  (void)state;
  static dfx f;
  int64_t now = 1736899200; /* 2025-01-15T00:00:00Z */
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
  cfg.device_types[0] = "oic.d.light";
  cfg.n_device_types = 1;
  cfg.utc_now = fake_utc;
  cfg.event_user = &now;
  dfx_init(&f, &cfg);
  dfx_onboard(&f);
  assert_int_equal(post_code(&f, "/oic/sec/pstat", "{'dos': {'s': 2}}", true), OCF_COAP_CHANGED);
  assert_int_equal(code_of(&f, OCF_COAP_DELETE, "/oic/sec/acl2", true), OCF_COAP_DELETED);
  assert_int_equal(post_code(&f, "/oic/sec/acl2",
                             "{'aclist2': [{'subject': {'uuid': '" STRANGER "'}, 'resources': [{'href': "
                             "'/switch'}], 'permission': 2, 'validity': [{'period': "
                             "'20250101T000000Z/20250201T000000Z'}]}]}",
                             true),
                   OCF_COAP_CHANGED);
  assert_int_equal(post_code(&f, "/oic/sec/pstat", "{'dos': {'s': 3}}", true), OCF_COAP_CHANGED);
  dfx_session_close(&f);
  dfx_session(&f, OCF_ACL_AUTH_PSK, STRANGER);
  assert_int_equal(code_of(&f, OCF_COAP_GET, "/switch", true), OCF_COAP_CONTENT);
  now = 1738368000; /* 2025-02-01T00:00:00Z: the period's end is exclusive */
  assert_int_equal(code_of(&f, OCF_COAP_GET, "/switch", true), OCF_COAP_UNAUTHORIZED);
  now = 1735689599; /* 2024-12-31T23:59:59Z */
  assert_int_equal(code_of(&f, OCF_COAP_GET, "/switch", true), OCF_COAP_UNAUTHORIZED);
  now = 1735689600; /* 2025-01-01T00:00:00Z */
  assert_int_equal(code_of(&f, OCF_COAP_GET, "/switch", true), OCF_COAP_CONTENT);
  f.dev->sec->utc_now = NULL; /* the same device without a wall clock */
  assert_int_equal(code_of(&f, OCF_COAP_GET, "/switch", true), OCF_COAP_UNAUTHORIZED);
  dfx_free(&f);
}

/* OBT 5.4 (digest 6): an OSCORE context of a type doxm.sct does not list is refused (4.00, no
 * change); listed, it is taken. */
static void test_oscore_contexts_need_their_credtype_in_sct(void **state) {
  (void)state;
  static const char ctx64[] =
      "{'creds': [{'credtype': 64, 'subjectuuid': '" STRANGER "', 'privatedata': {'data': "
      "h'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'encoding': "
      "'oic.sec.encoding.raw'}, 'oscore': {'senderid': '01aabbccddeeff', 'recipientid': '01112233445566'}}]}";
  static dfx f;
  for (int with = 0; with < 2; with++) {
    ocf_device_config cfg;
    ocf_device_config_init(&cfg);
    cfg.sct = with ? 1u | 64u : 1u;
    dfx_init(&f, &cfg);
    dfx_session(&f, OCF_ACL_AUTH_ANON_DTLS, NULL);
    assert_int_equal(post_code(&f, "/oic/sec/cred", ctx64, true),
                     with ? OCF_COAP_CHANGED : OCF_COAP_BAD_REQUEST);
    assert_int_equal(models(&f)->cred.n, with ? 1 : 0);
    dfx_free(&f);
  }
}

/* --- DELETE and refused requests ------------------------------------------------------------- */

static void test_delete_cred_and_acl2_by_id_and_subject(void **state) {
  dfx *f = *state;
  dfx_session(f, OCF_ACL_AUTH_ANON_DTLS, NULL);
  assert_int_equal(
      post_code(f, "/oic/sec/cred",
                "{'creds': [{'credid': 5, 'credtype': 1, 'subjectuuid': '" DFX_OWNER
                "', 'privatedata': {'data': h'00112233445566778899aabbccddeeff', 'encoding': "
                "'oic.sec.encoding.raw'}}, {'credid': 6, 'credtype': 1, 'subjectuuid': '" STRANGER
                "', 'privatedata': {'data': h'00112233445566778899aabbccddeeff', 'encoding': "
                "'oic.sec.encoding.raw'}}]}",
                true),
      OCF_COAP_CHANGED);
  assert_int_equal(models(f)->cred.n, 2);
  assert_int_equal(code_of(f, OCF_COAP_DELETE, "/oic/sec/cred?credid=x", true), OCF_COAP_BAD_REQUEST);
  assert_int_equal(code_of(f, OCF_COAP_DELETE, "/oic/sec/cred?credid=99", true), OCF_COAP_NOT_FOUND);
  assert_int_equal(code_of(f, OCF_COAP_DELETE, "/oic/sec/cred?subjectuuid=x", true), OCF_COAP_BAD_REQUEST);
  assert_int_equal(models(f)->cred.n, 2);
  assert_int_equal(code_of(f, OCF_COAP_DELETE, "/oic/sec/cred?credid=5", true), OCF_COAP_DELETED);
  assert_int_equal(code_of(f, OCF_COAP_DELETE, "/oic/sec/cred?subjectuuid=" STRANGER, true),
                   OCF_COAP_DELETED);
  assert_int_equal(models(f)->cred.n, 0);
  assert_int_equal(post_code(f, "/oic/sec/acl2",
                             "{'aclist2': [{'aceid': 3, 'subject': {'conntype': 'anon-clear'}, 'resources': "
                             "[{'href': '/switch'}], 'permission': 2}]}",
                             true),
                   OCF_COAP_CHANGED);
  assert_int_equal(code_of(f, OCF_COAP_DELETE, "/oic/sec/acl2?aceid=4", true), OCF_COAP_NOT_FOUND);
  assert_int_equal(code_of(f, OCF_COAP_DELETE, "/oic/sec/acl2?aceid=3", true), OCF_COAP_DELETED);
  assert_int_equal(models(f)->acl2.n, 0);
  assert_int_equal(code_of(f, OCF_COAP_DELETE, "/oic/sec/doxm", true), OCF_COAP_METHOD_NOT_ALLOWED);
  assert_int_equal(code_of(f, OCF_COAP_DELETE, "/oic/sec/roles", true), OCF_COAP_DELETED);
}

/* --- persistence ----------------------------------------------------------------------------- */

typedef struct stored {
  ocf_sim_platform pf;
  ocf_mem_medium *medium;
  ocf_store *store;
} stored;

static void stored_open(stored *s, bool fresh) {
  if (fresh) {
    ocf_sim_platform_init(&s->pf, 11);
    assert_int_equal(ocf_mem_medium_new(&s->pf.pf, 32, 256 * 1024, &s->medium), OCF_OK);
  }
  ocf_store_config cfg;
  ocf_store_config_init(&cfg);
  cfg.protection = OCF_STORE_MAC;
  cfg.has_key = true;
  memset(cfg.key, 0x5a, sizeof cfg.key);
  cfg.max_record = 512 * 1024;
  ocf_store_medium port = ocf_mem_medium_port(s->medium);
  assert_int_equal(ocf_store_open(&port, &cfg, &s->pf.pf, &s->store), OCF_OK);
}

static void stored_close(stored *s, bool all) {
  ocf_store_close(s->store);
  s->store = NULL;
  if (all) {
    ocf_mem_medium_free(s->medium);
    assert_int_equal(s->pf.live, 0);
  }
}

static ocf_device_config store_cfg(stored *s) {
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
  cfg.store = s->store;
  return cfg;
}

static void test_state_survives_a_restart_and_a_refused_post_changes_no_byte(void **state) {
  (void)state;
  static dfx f;
  static stored s;
  stored_open(&s, true);
  ocf_device_config cfg = store_cfg(&s);
  dfx_init(&f, &cfg);
  dfx_onboard(&f);
  assert_int_equal(post_code(&f, "/oic/sec/pstat", "{'dos': {'s': 2}}", true), OCF_COAP_CHANGED);
  /* a refused POST: the model and every stored object stay byte for byte */
  static sec_models before;
  memcpy(&before, models(&f), sizeof before);
  size_t len = 0;
  uint8_t *obj = ocf_mem_medium_object(s.medium, "cred", &len);
  assert_non_null(obj);
  static uint8_t stored_cred[64 * 1024];
  memcpy(stored_cred, obj, len);
  size_t mutations = ocf_mem_medium_mutations(s.medium);
  assert_int_equal(post_code(&f, "/oic/sec/cred",
                             "{'creds': [{'credtype': 1, 'subjectuuid': '" STRANGER
                             "', 'privatedata': {'data': h'0011', 'encoding': 'oic.sec.encoding.raw'}}]}",
                             true),
                   OCF_COAP_BAD_REQUEST); /* a 2-byte PSK (pitfall 25) */
  assert_memory_equal(&before, models(&f), sizeof before);
  assert_int_equal(ocf_mem_medium_mutations(s.medium), mutations);
  obj = ocf_mem_medium_object(s.medium, "cred", &len);
  assert_memory_equal(obj, stored_cred, len);
  ocf_uuid di, di2;
  ocf_device_get_di(f.dev, &di);
  dfx_free(&f);
  /* restart: RFPRO, the same di, the owner credential */
  dfx_init(&f, &cfg);
  assert_int_equal(ocf_device_get_state(f.dev), OCF_DEVICE_RFPRO);
  ocf_device_get_di(f.dev, &di2);
  assert_true(ocf_uuid_equal(&di, &di2));
  assert_int_equal(models(&f)->cred.n, 1);
  assert_int_equal(models(&f)->acl2.n, 2);
  assert_true(models(&f)->doxm.owned);
  dfx_free(&f);
  stored_close(&s, true);
}

static void test_an_interrupted_otm_is_reset_at_load(void **state) {
  (void)state;
  static dfx f;
  static stored s;
  stored_open(&s, true);
  ocf_device_config cfg = store_cfg(&s);
  dfx_init(&f, &cfg);
  dfx_session(&f, OCF_ACL_AUTH_ANON_DTLS, NULL);
  assert_int_equal(post_code(&f, "/oic/sec/doxm", "{'owned': true, 'devowneruuid': '" DFX_OWNER "'}", true),
                   OCF_COAP_CHANGED);
  ocf_uuid di, di2;
  ocf_device_get_di(f.dev, &di);
  dfx_free(&f); /* a shutdown in the middle of the OTM */
  dfx_init(&f, &cfg);
  assert_int_equal(ocf_device_get_state(f.dev), OCF_DEVICE_RFOTM);
  assert_false(models(&f)->doxm.owned);
  assert_true(ocf_uuid_is_nil(&models(&f)->doxm.devowneruuid));
  ocf_device_get_di(f.dev, &di2);
  assert_true(ocf_uuid_equal(&models(&f)->doxm.deviceuuid, &di2));
  (void)di;
  dfx_free(&f);
  stored_close(&s, true);
}

static void test_a_damaged_store_refuses_to_start_until_wiped(void **state) {
  (void)state;
  static dfx f;
  static stored s;
  stored_open(&s, true);
  ocf_device_config cfg = store_cfg(&s);
  dfx_init(&f, &cfg);
  dfx_onboard(&f);
  dfx_free(&f);
  size_t len = 0;
  uint8_t *obj = ocf_mem_medium_object(s.medium, "acl2", &len);
  assert_non_null(obj);
  obj[len / 2] ^= 0x01;
  ocf_sim_platform pf;
  ocf_sim_platform_init(&pf, 3);
  ocf_device *d = NULL;
  assert_int_equal(ocf_device_create(&pf.pf, &cfg, &d), OCF_ERR_MALFORMED);
  assert_null(d);
  assert_int_equal(pf.live, 0);
  /* a partial set is refused too */
  assert_int_equal(ocf_device_wipe_store(s.store), OCF_OK);
  assert_int_equal(ocf_store_save(s.store, "doxm", (const uint8_t *)"\xa0", 1), OCF_OK);
  assert_int_equal(ocf_device_create(&pf.pf, &cfg, &d), OCF_ERR_MALFORMED);
  /* wiped: a fresh, unowned device */
  assert_int_equal(ocf_device_wipe_store(s.store), OCF_OK);
  dfx_init(&f, &cfg);
  assert_int_equal(ocf_device_get_state(f.dev), OCF_DEVICE_RFOTM);
  assert_false(models(&f)->doxm.owned);
  dfx_free(&f);
  stored_close(&s, true);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_rfotm_before_the_otm_anyone_reads_doxm_and_writes_only_oxmsel,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(
          test_rfotm_with_the_doc_the_dots_writes_dcrs_and_clear_requests_are_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rfnop_owner_and_strangers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_multicast_doxm_answered_only_unowned_in_rfotm_without_doc, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_multicast_doxm_reply_is_the_doxm_of_this_device, setup, teardown),
      cmocka_unit_test_setup_teardown(test_reset_wipes_owner_data_with_a_new_deviceuuid_and_closes_sessions,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(test_dots_written_deviceuuid_becomes_di, setup, teardown),
      cmocka_unit_test_setup_teardown(test_doc_closing_in_rfotm_resets_the_device, setup, teardown),
      cmocka_unit_test_setup_teardown(test_delete_cred_and_acl2_by_id_and_subject, setup, teardown),
      cmocka_unit_test(test_oscore_contexts_need_their_credtype_in_sct),
      cmocka_unit_test(test_oxmsel_write_raises_the_new_pin_hook),
      cmocka_unit_test(test_ace_validity_follows_the_wall_clock),
      cmocka_unit_test(test_state_survives_a_restart_and_a_refused_post_changes_no_byte),
      cmocka_unit_test(test_an_interrupted_otm_is_reset_at_load),
      cmocka_unit_test(test_a_damaged_store_refuses_to_start_until_wiped),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
