/* The SVR models driven through whole onboardings as the reference OBTs send them: the
 * IoTivity-Lite Just Works sequence (digest 5.2, pitfall 35's request list) and plgd's (5.3),
 * with a minimal device in this file doing what src/device will do: access decision, update on
 * a copy, entry checks, entry actions, commit. */
#include "svr_test_util.h"

#include "svr/acl_decide.h"
#include "svr/cred.h"
#include "svr/dos.h"
#include "svr/doxm.h"
#include "svr/pstat.h"
#include "svr/sdi.h"
#include "svr/sp.h"

#define OBT "aabbccdd-0000-1111-2222-333344445555"
#define DEV "ce3eefde-b8e3-4c08-5674-c3702eb35028"
#define DEV2 "6a1f4c6e-32c4-4fd3-a0f7-6bf0e7d81c01"
#define CMS "11111111-2222-3333-4444-555555555555"

typedef struct device {
  ocf_svr_doxm doxm;
  ocf_svr_pstat pstat;
  ocf_svr_cred cred;
  ocf_svr_acl2 acl2;
  ocf_svr_sdi sdi;
  ocf_svr_sp sp;
  bool doc_open;
  uint64_t seed;
  /* the scratch copies an update writes into */
  ocf_svr_cred cred_new;
  ocf_svr_acl2 acl2_new;
  test_tree tree;
} device;

typedef enum channel { PLAIN, OVER_DOC, OWNER_PSK } channel;

static int setup(void **state) {
  device *d = TEST_NEW(device);
  static const uint32_t oxms[] = {OCF_OXM_JUST_WORKS};
  ocf_uuid di = uuid_of(DEV);
  assert_int_equal(ocf_svr_doxm_init(&d->doxm, oxms, 1, 1, &di), OCF_OK);
  ocf_svr_pstat_init(&d->pstat);
  ocf_svr_sdi_init(&d->sdi);
  assert_int_equal(ocf_svr_sp_init(&d->sp, 1, OCF_SP_BASELINE), OCF_OK);
  d->seed = 42;
  *state = d;
  return 0;
}

static int teardown(void **state) {
  test_free(*state);
  return 0;
}

static ocf_acl_decision authorize(const device *d, ocf_method m, const char *href, channel ch) {
  ocf_acl_query q = {.method = m,
                     .href = href,
                     .is_svr = strncmp(href, "/oic/sec/", 9) == 0,
                     .is_dcr = true,
                     .dos = d->pstat.dos_s,
                     .doc_open = d->doc_open,
                     .over_doc = ch == OVER_DOC,
                     .acl = &d->acl2,
                     .rowner_doxm = d->doxm.rowneruuid,
                     .rowner_pstat = d->pstat.rowneruuid,
                     .rowner_cred = d->cred.rowneruuid,
                     .rowner_acl2 = d->acl2.rowneruuid};
  q.conntype = ch == PLAIN ? OCF_CONN_ANON_CLEAR : OCF_CONN_AUTH_CRYPT;
  q.auth = ch == PLAIN ? OCF_ACL_AUTH_NONE : ch == OVER_DOC ? OCF_ACL_AUTH_ANON_DTLS : OCF_ACL_AUTH_PSK;
  q.has_peer_uuid = ch == OWNER_PSK;
  if (q.has_peer_uuid) q.peer_uuid = uuid_of(OBT);
  return ocf_acl_decide(&q);
}

/* The state change a pstat POST asked for: entry checks on the candidate, then the actions. */
static ocf_status enter(device *d, ocf_svr_pstat *candidate, ocf_svr_report *r) {
  ocf_svr_models m = {&d->doxm, candidate, &d->cred, &d->acl2};
  uint8_t target = r->dos_target;
  if (ocf_dos_check_entry(target, &m, r) != OCF_OK) return ocf_svr_report_status(r);
  const ocf_dos_action *list;
  size_t n = ocf_dos_entry_actions(target, &list);
  for (size_t i = 0; i < n; i++)
    if (list[i] == OCF_DOS_ACT_PSTAT_ENTER) ocf_svr_pstat_enter(candidate, target);
  return OCF_STATUS_CHANGED;
}

/* digest 4.5: the device derives the owner PSK for an empty-key candidate (a fixed key here) */
static void derive_owner_psk(ocf_svr_cred *c) {
  int i = ocf_svr_cred_find_owner_candidate(c, &c->rowneruuid);
  static const uint8_t key[16] = {0x0e, 0x17};
  if (i >= 0) assert_int_equal(ocf_svr_cred_set_key(c, (size_t)i, key, sizeof key), OCF_OK);
}

static ocf_status apply_post(device *d, const char *href, const ocf_rep_node *body, const ocf_svr_ctx *ctx,
                             ocf_svr_report *r) {
  ocf_err err = OCF_ERR_INVALID_ARG;
  if (strcmp(href, "/oic/sec/doxm") == 0) {
    ocf_svr_doxm out;
    if ((err = ocf_svr_doxm_decode_update(&d->doxm, body, ctx, &out, r)) == OCF_OK) d->doxm = out;
  } else if (strcmp(href, "/oic/sec/pstat") == 0) {
    ocf_svr_pstat out;
    if ((err = ocf_svr_pstat_decode_update(&d->pstat, body, ctx, &out, r)) != OCF_OK)
      return ocf_svr_report_status(r);
    ocf_status st = r->dos_requested ? enter(d, &out, r) : OCF_STATUS_CHANGED;
    if (st == OCF_STATUS_CHANGED) d->pstat = out;
    return st;
  } else if (strcmp(href, "/oic/sec/cred") == 0) {
    if ((err = ocf_svr_cred_decode_update(&d->cred, body, ctx, &d->cred_new, r)) == OCF_OK) {
      derive_owner_psk(&d->cred_new);
      d->cred = d->cred_new;
    }
  } else if (strcmp(href, "/oic/sec/acl2") == 0) {
    if ((err = ocf_svr_acl2_decode_update(&d->acl2, body, ctx, &d->acl2_new, r)) == OCF_OK)
      d->acl2 = d->acl2_new;
  } else if (strcmp(href, "/oic/sec/sdi") == 0) {
    ocf_svr_sdi out;
    if ((err = ocf_svr_sdi_decode_update(&d->sdi, body, ctx, &out, r)) == OCF_OK) d->sdi = out;
  }
  return err == OCF_OK ? OCF_STATUS_CHANGED : ocf_svr_report_status(r);
}

static ocf_status post(device *d, channel ch, const char *href, const char *diag) {
  if (authorize(d, OCF_METHOD_POST, href, ch).outcome != OCF_ACL_ALLOW) return OCF_STATUS_UNAUTHORIZED;
  ocf_svr_ctx ctx = client_ctx(d->pstat.dos_s, ch == OVER_DOC, &d->seed);
  ocf_svr_report r;
  ocf_status st = apply_post(d, href, diag_tree(&d->tree, diag), &ctx, &r);
  if (st != OCF_STATUS_CHANGED)
    print_message("POST %s: %s at '%s' (%s)\n", href, ocf_svr_ekind_name(r.kind), r.where, r.why);
  return st;
}

static ocf_status delete_acl2(device *d, channel ch) {
  if (authorize(d, OCF_METHOD_DELETE, "/oic/sec/acl2", ch).outcome != OCF_ACL_ALLOW)
    return OCF_STATUS_UNAUTHORIZED;
  ocf_svr_ctx ctx = client_ctx(d->pstat.dos_s, ch == OVER_DOC, &d->seed);
  ocf_svr_report r;
  return ocf_svr_acl2_delete_all(&d->acl2, &ctx, &r) == OCF_OK ? OCF_STATUS_DELETED
                                                               : ocf_svr_report_status(&r);
}

/* Digest 5.2 / pitfall 35: the 13 requests inside the DTLS session of an IoTivity-Lite OBT */
static void il_otm_until_owned(device *d) {
  assert_int_equal(authorize(d, OCF_METHOD_GET, "/oic/sec/doxm", PLAIN).outcome, OCF_ACL_ALLOW);
  assert_int_equal(post(d, PLAIN, "/oic/sec/doxm", "{_ 'oxmsel': 0}"), OCF_STATUS_CHANGED);
  d->doc_open = true; /* the Just Works handshake */
  assert_int_equal(authorize(d, OCF_METHOD_GET, "/oic/sec/doxm", PLAIN).outcome, OCF_ACL_DENY);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/pstat", "{_ 'om': 4}"), OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/doxm", "{_ 'devowneruuid': '" OBT "'}"), OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/doxm", "{_ 'deviceuuid': '" DEV2 "'}"), OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/doxm", "{_ 'rowneruuid': '" OBT "'}"), OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/acl2", "{_ 'rowneruuid': '" OBT "'}"), OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/pstat", "{_ 'rowneruuid': '" OBT "'}"), OCF_STATUS_CHANGED);
}

static void test_interop_iotivity_lite_just_works(void **state) {
  device *d = *state;
  il_otm_until_owned(d);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/cred",
                        "{_ 'creds': [_ {_ 'credtype': 1, 'subjectuuid': '" OBT
                        "', 'privatedata': {_ 'encoding': "
                        "'oic.sec.encoding.raw', 'data': h''}}], 'rowneruuid': '" OBT "'}"),
                   OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/sdi",
                        "{_ 'uuid': '12345678-1234-1234-1234-123456789abc', 'name': 'obt', 'priv': false}"),
                   OCF_STATUS_CHANGED);
  /* RFPRO before owned: the entry check refuses and the state stays */
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/pstat", "{_ 'dos': {_ 's': 2}}"), OCF_STATUS_BAD_REQUEST);
  assert_int_equal(d->pstat.dos_s, OCF_DOS_RFOTM);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/doxm", "{_ 'owned': true}"), OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/pstat", "{_ 'dos': {_ 's': 2}}"), OCF_STATUS_CHANGED);
  assert_int_equal(d->pstat.dos_s, OCF_DOS_RFPRO);
  assert_false(d->pstat.dos_p);
  assert_int_equal(delete_acl2(d, OVER_DOC), OCF_STATUS_DELETED);
  assert_int_equal(
      post(d, OVER_DOC, "/oic/sec/acl2",
           "{_ 'aclist2': [_ {_ 'subject': {_ 'uuid': '" OBT "\\0'}, 'resources': [_ {_ 'href': "
           "'/oic/sec/sp'}], 'permission': 14}, {_ 'subject': {_ 'uuid': '" OBT "\\0'}, 'resources': "
           "[_ {_ 'href': '/oic/sec/csr'}], 'permission': 2}, {_ 'subject': {_ 'conntype': "
           "'anon-clear'}, 'resources': [_ {_ 'href': '/oic/d'}, {_ 'href': '/oic/p'}, {_ 'href': "
           "'/oic/res'}, {_ 'href': '/oic/sec/sdi'}], 'permission': 2}]}"),
      OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/pstat", "{_ 'dos': {_ 's': 3}}"), OCF_STATUS_CHANGED);
  d->doc_open = false; /* close_notify */
  assert_int_equal(d->pstat.dos_s, OCF_DOS_RFNOP);
  assert_true(d->pstat.isop);
  assert_true(d->doxm.owned);
  ocf_uuid dev2 = uuid_of(DEV2), obt = uuid_of(OBT);
  assert_true(ocf_uuid_equal(&d->doxm.deviceuuid, &dev2));
  assert_int_equal(d->acl2.n, 3);
  const ocf_svr_cred_entry *psk = ocf_svr_cred_find_psk(&d->cred, &obt);
  assert_non_null(psk);
  assert_int_equal(psk->private_len, 16);
  /* the owner comes back over its PSK: RFPRO for provisioning, not the plain channel */
  assert_int_equal(post(d, PLAIN, "/oic/sec/pstat", "{'dos': {'s': 2}}"), OCF_STATUS_UNAUTHORIZED);
  assert_int_equal(post(d, OWNER_PSK, "/oic/sec/cred", "{'creds': []}"), OCF_STATUS_BAD_REQUEST); /* RFNOP */
  assert_int_equal(post(d, OWNER_PSK, "/oic/sec/pstat", "{'dos': {'s': 2}}"), OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OWNER_PSK, "/oic/sec/pstat", "{'dos': {'s': 0}}"), OCF_STATUS_CHANGED);
  assert_int_equal(d->pstat.dos_s, OCF_DOS_RESET);
}

/* pitfall 17: a cred rowneruuid naming a CMS without a credential blocks RFPRO */
static void test_interop_rfpro_needs_a_credential_for_each_owner(void **state) {
  device *d = *state;
  il_otm_until_owned(d);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/cred",
                        "{'creds': [{'credtype': 1, 'subjectuuid': '" OBT "', 'privatedata': {'encoding': "
                        "'oic.sec.encoding.raw', 'data': h''}}], 'rowneruuid': '" CMS "'}"),
                   OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/doxm", "{'owned': true}"), OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/pstat", "{'dos': {'s': 2}}"), OCF_STATUS_BAD_REQUEST);
  assert_int_equal(d->pstat.dos_s, OCF_DOS_RFOTM);
  assert_false(d->pstat.dos_p);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/cred",
                        "{'creds': [{'credtype': 1, 'subjectuuid': '" CMS "', "
                        "'privatedata': {'encoding': 'oic.sec.encoding.raw', 'data': "
                        "h'000102030405060708090a0b0c0d0e0f'}}]}"),
                   OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/pstat", "{'dos': {'s': 2}}"), OCF_STATUS_CHANGED);
}

/* digest 5.3: plgd's order, definite maps with sorted keys, the key sent as text, aclist2 null,
 * a new owner-PSK session after RFPRO, "if" arrays inside ACE resources */
static void test_interop_plgd_ownership(void **state) {
  device *d = *state;
  assert_int_equal(post(d, PLAIN, "/oic/sec/doxm", "{'oxmsel': 0}"), OCF_STATUS_CHANGED);
  d->doc_open = true;
  assert_int_equal(authorize(d, OCF_METHOD_GET, "/oic/sec/pstat", OVER_DOC).outcome, OCF_ACL_ALLOW);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/pstat", "{'om': 4}"), OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/doxm", "{'deviceuuid': '" DEV "'}"), OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/cred",
                        "{'creds': [{'credtype': 1, 'privatedata': {'data': 'k3y-0f-16-bytes!', 'encoding': "
                        "'oic.sec.encoding.raw'}, 'subjectuuid': '" OBT "'}], 'rowneruuid': '" OBT "'}"),
                   OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/doxm", "{'devowneruuid': '" OBT "'}"), OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/pstat", "{'rowneruuid': '" OBT "'}"), OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/acl2", "{'aclist2': null, 'rowneruuid': '" OBT "'}"),
                   OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/doxm", "{'owned': true, 'rowneruuid': '" OBT "'}"),
                   OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/pstat", "{'dos': {'s': 2}}"), OCF_STATUS_CHANGED);
  d->doc_open = false; /* plgd opens a new session with the owner PSK */
  ocf_uuid obt = uuid_of(OBT);
  assert_memory_equal(ocf_svr_cred_find_psk(&d->cred, &obt)->private_data, "k3y-0f-16-bytes!", 16);
  assert_int_equal(delete_acl2(d, OWNER_PSK), OCF_STATUS_DELETED);
  assert_int_equal(
      post(d, OWNER_PSK, "/oic/sec/acl2",
           "{'aclist2': [{'permission': 31, 'resources': [{'href': '/CoapCloudConfResURI', 'if': "
           "['*']}, {'if': ['*'], 'wc': '*'}], 'subject': {'uuid': '" OBT "'}}, {'permission': 14, "
           "'resources': [{'href': '/oic/sec/sp'}, {'href': '/oic/sec/pstat'}, {'href': "
           "'/oic/sec/doxm'}], 'subject': {'uuid': '" OBT "'}}, {'permission': 2, 'resources': "
           "[{'href': '/oic/sec/csr'}], 'subject': {'uuid': '" OBT "'}}, {'permission': 2, 'resources': "
           "[{'href': '/oic/d'}, {'href': '/oic/p'}, {'href': '/oic/res'}, {'href': '/oic/sec/sdi'}, "
           "{'href': '/oic/sec/doxm'}], 'subject': {'conntype': 'anon-clear'}}]}"),
      OCF_STATUS_CHANGED);
  assert_int_equal(post(d, OWNER_PSK, "/oic/sec/pstat", "{'dos': {'s': 3}}"), OCF_STATUS_CHANGED);
  assert_int_equal(d->pstat.dos_s, OCF_DOS_RFNOP);
  assert_int_equal(d->acl2.n, 4);
  /* plgd's anon-clear ACE names doxm, but conntype ACEs never open SVRs (pitfall 15) */
  assert_int_equal(authorize(d, OCF_METHOD_GET, "/oic/sec/doxm", PLAIN).outcome, OCF_ACL_DENY);
  assert_int_equal(authorize(d, OCF_METHOD_GET, "/oic/res", PLAIN).outcome, OCF_ACL_ALLOW);
}

/* plgd's failure path: {"dos":{"s":0}} on the OTM session */
static void test_interop_reset_request_on_the_doc(void **state) {
  device *d = *state;
  assert_int_equal(post(d, PLAIN, "/oic/sec/doxm", "{'oxmsel': 0}"), OCF_STATUS_CHANGED);
  d->doc_open = true;
  assert_int_equal(post(d, OVER_DOC, "/oic/sec/pstat", "{'dos': {'s': 0}}"), OCF_STATUS_CHANGED);
  assert_int_equal(d->pstat.dos_s, OCF_DOS_RESET);
  assert_true(d->pstat.dos_p);
  assert_int_equal(authorize(d, OCF_METHOD_GET, "/oic/sec/doxm", OVER_DOC).outcome, OCF_ACL_DENY);
}

int main(void) {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
  const struct CMUnitTest tests[] = {
      T(test_interop_iotivity_lite_just_works),
      T(test_interop_rfpro_needs_a_credential_for_each_owner),
      T(test_interop_plgd_ownership),
      T(test_interop_reset_request_on_the_doc),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
