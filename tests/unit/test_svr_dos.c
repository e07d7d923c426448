/* Unit tests of src/svr dos: the transition table cell by cell, entry actions, entry checks
 * (digest 3.2, 3.5, 3.6, 9, pitfall 17). */
#include "svr_test_util.h"

#include "svr/acl2.h"
#include "svr/cred.h"
#include "svr/dos.h"
#include "svr/doxm.h"
#include "svr/pstat.h"
#include "svr/sdi.h"

#define OBT "aabbccdd-0000-1111-2222-333344445555"
#define DEV "ce3eefde-b8e3-4c08-5674-c3702eb35028"
#define CMS "11111111-2222-3333-4444-555555555555"

/* Who may ask for each transition, written out independently of dos.c: C client, D device,
 * L local, - nobody (digest 3.2; the choices for the cells IL and S003 disagree on are in
 * dos.c's comment). */
static const char *const EXPECTED[OCF_DOS_COUNT][OCF_DOS_COUNT] = {
    /*            RESET  RFOTM RFPRO RFNOP SRESET */
    /* RESET  */ {"-", "D", "-", "-", "-"},
    /* RFOTM  */ {"CL", "C", "C", "-", "-"},
    /* RFPRO  */ {"CL", "-", "C", "C", "C"},
    /* RFNOP  */ {"CL", "-", "C", "C", "C"},
    /* SRESET */ {"CL", "-", "C", "-", "C"},
};

static void test_dos_every_transition_cell(void **state) {
  (void)state;
  static const struct {
    ocf_dos_requester who;
    char letter;
  } WHO[] = {{OCF_DOS_BY_CLIENT, 'C'}, {OCF_DOS_BY_DEVICE, 'D'}, {OCF_DOS_BY_LOCAL, 'L'}};
  for (uint8_t from = 0; from < OCF_DOS_COUNT; from++) {
    for (uint8_t to = 0; to < OCF_DOS_COUNT; to++) {
      for (size_t w = 0; w < 3; w++) {
        bool want = strchr(EXPECTED[from][to], WHO[w].letter) != NULL;
        if (ocf_dos_transition_allowed(from, to, WHO[w].who) != want)
          fail_msg("%s -> %s by %c: expected %s", ocf_dos_state_name(from), ocf_dos_state_name(to),
                   WHO[w].letter, want ? "allowed" : "refused");
      }
    }
  }
  assert_int_equal(ocf_dos_requesters(5, 1), 0);
  assert_int_equal(ocf_dos_requesters(1, 5), 0);
  assert_false(ocf_dos_transition_allowed(OCF_DOS_RFOTM, OCF_DOS_RESET, 0));
  assert_string_equal(ocf_dos_state_name(OCF_DOS_SRESET), "SRESET");
  assert_string_equal(ocf_dos_state_name(9), "?");
}

static bool contains(const ocf_dos_action *list, size_t n, ocf_dos_action a) {
  for (size_t i = 0; i < n; i++)
    if (list[i] == a) return true;
  return false;
}

/* digest 3.5 */
static void test_dos_entry_actions_per_state(void **state) {
  (void)state;
  const ocf_dos_action *list;
  size_t n = ocf_dos_entry_actions(OCF_DOS_RESET, &list);
  static const ocf_dos_action RESET_MUST[] = {
      OCF_DOS_ACT_CANCEL_OBSERVERS, OCF_DOS_ACT_CLOSE_SESSIONS, OCF_DOS_ACT_PSTAT_ENTER,
      OCF_DOS_ACT_RESET_DOXM,       OCF_DOS_ACT_WIPE_CRED,      OCF_DOS_ACT_WIPE_ACL2,
      OCF_DOS_ACT_WIPE_AEL,         OCF_DOS_ACT_RESET_SDI,      OCF_DOS_ACT_RESET_SP,
      OCF_DOS_ACT_FREE_ROLES,       OCF_DOS_ACT_REGEN_KEYPAIR,  OCF_DOS_ACT_PERSIST};
  for (size_t i = 0; i < sizeof RESET_MUST / sizeof RESET_MUST[0]; i++)
    assert_true(contains(list, n, RESET_MUST[i]));
  assert_int_equal(list[n - 1], OCF_DOS_ACT_THEN_RFOTM); /* RESET is transient */
  n = ocf_dos_entry_actions(OCF_DOS_RFOTM, &list);
  assert_int_equal(list[0], OCF_DOS_ACT_CLOSE_SESSIONS);
  assert_true(contains(list, n, OCF_DOS_ACT_FACTORY_PRESETS));
  assert_false(contains(list, n, OCF_DOS_ACT_WIPE_CRED));
  for (uint8_t s = OCF_DOS_RFPRO; s <= OCF_DOS_SRESET; s++) {
    n = ocf_dos_entry_actions(s, &list);
    assert_int_equal(n, 2);
    assert_int_equal(list[0], OCF_DOS_ACT_PSTAT_ENTER);
    assert_false(contains(list, n, OCF_DOS_ACT_CLOSE_SESSIONS)); /* the DOC keeps its rights (3.6) */
  }
  assert_int_equal(ocf_dos_entry_actions(5, &list), 0);
  assert_null(list);
  assert_int_equal(ocf_dos_entry_actions(OCF_DOS_RESET, NULL), 0);
  for (int a = OCF_DOS_ACT_CANCEL_OBSERVERS; a <= OCF_DOS_ACT_THEN_RFOTM; a++)
    assert_string_not_equal(ocf_dos_action_name((ocf_dos_action)a), "?");
  assert_string_equal(ocf_dos_action_name((ocf_dos_action)0), "?");
}

typedef struct models {
  ocf_svr_doxm doxm;
  ocf_svr_pstat pstat;
  ocf_svr_cred cred;
  ocf_svr_acl2 acl2;
  ocf_svr_sdi sdi;
} models;

static int setup(void **state) {
  models *m = TEST_NEW(models);
  ocf_uuid dev = uuid_of(DEV), obt = uuid_of(OBT);
  static const uint32_t oxms[] = {0};
  assert_int_equal(ocf_svr_doxm_init(&m->doxm, oxms, 1, 1, &dev), OCF_OK);
  ocf_svr_pstat_init(&m->pstat);
  /* owned by OBT, as after DOTS steps 4-11 */
  m->doxm.owned = true;
  m->doxm.devowneruuid = m->doxm.rowneruuid = m->pstat.rowneruuid = m->cred.rowneruuid = m->acl2.rowneruuid =
      obt;
  m->cred.n = 1;
  m->cred.e[0].credid = 1;
  m->cred.e[0].credtype = OCF_CREDTYPE_PSK;
  m->cred.e[0].subject = obt;
  ocf_svr_sdi_init(&m->sdi);
  *state = m;
  return 0;
}

static int teardown(void **state) {
  test_free(*state);
  return 0;
}

static ocf_svr_models view(const models *m) {
  ocf_svr_models v = {&m->doxm, &m->pstat, &m->cred, &m->acl2};
  return v;
}

static void expect_entry(const models *m, uint8_t to, ocf_err err, const char *where) {
  ocf_svr_models v = view(m);
  ocf_svr_report r;
  assert_int_equal(ocf_dos_check_entry(to, &v, &r), err);
  assert_string_equal(r.where, where);
  if (err != OCF_OK) {
    assert_int_equal(r.kind, OCF_SVR_E_ENTRY_CHECK);
    assert_int_equal(ocf_svr_report_status(&r), OCF_STATUS_BAD_REQUEST);
  }
}

static void test_dos_entry_checks_of_owned_states(void **state) {
  models *m = *state;
  for (uint8_t s = OCF_DOS_RFPRO; s <= OCF_DOS_SRESET; s++) expect_entry(m, s, OCF_OK, "");
  expect_entry(m, OCF_DOS_RESET, OCF_OK, "");
  m->doxm.owned = false;
  expect_entry(m, OCF_DOS_RFPRO, OCF_ERR_STATE, "doxm.owned");
  m->doxm.owned = true;
  memset(&m->doxm.devowneruuid, 0, sizeof(ocf_uuid));
  expect_entry(m, OCF_DOS_RFNOP, OCF_ERR_STATE, "doxm.devowneruuid");
  m->doxm.devowneruuid = uuid_of(OBT);
  memset(&m->doxm.deviceuuid, 0, sizeof(ocf_uuid));
  expect_entry(m, OCF_DOS_SRESET, OCF_ERR_STATE, "doxm.deviceuuid");
  m->doxm.deviceuuid = uuid_of(DEV);
  memset(&m->pstat.rowneruuid, 0, sizeof(ocf_uuid));
  expect_entry(m, OCF_DOS_RFPRO, OCF_ERR_STATE, "pstat.rowneruuid");
  m->pstat.rowneruuid = uuid_of(OBT);
  /* pitfall 17: a CMS on another device needs its own credential before RFPRO */
  m->cred.rowneruuid = uuid_of(CMS);
  expect_entry(m, OCF_DOS_RFPRO, OCF_ERR_STATE, "cred.rowneruuid");
  m->cred.e[1].credid = 2;
  m->cred.e[1].subject_any = true; /* "*" does not count */
  m->cred.n = 2;
  expect_entry(m, OCF_DOS_RFPRO, OCF_ERR_STATE, "cred.rowneruuid");
  m->cred.e[1].subject_any = false;
  m->cred.e[1].subject = uuid_of(CMS);
  expect_entry(m, OCF_DOS_RFPRO, OCF_OK, "");
  m->acl2.rowneruuid = uuid_of(DEV);
  expect_entry(m, OCF_DOS_RFNOP, OCF_ERR_STATE, "acl2.rowneruuid");
  expect_entry(m, 7, OCF_ERR_STATE, "dos.s");
  ocf_svr_models partial = {&m->doxm, NULL, NULL, NULL};
  ocf_svr_report r;
  assert_int_equal(ocf_dos_check_entry(OCF_DOS_RFPRO, &partial, &r), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_dos_check_entry(OCF_DOS_RFOTM, &partial, &r), OCF_ERR_STATE); /* owned */
}

static void test_dos_entry_check_of_rfotm_needs_an_unowned_device(void **state) {
  models *m = *state;
  expect_entry(m, OCF_DOS_RFOTM, OCF_ERR_STATE, "doxm.owned");
  m->doxm.owned = false;
  expect_entry(m, OCF_DOS_RFOTM, OCF_ERR_STATE, "doxm.devowneruuid");
  memset(&m->doxm.devowneruuid, 0, sizeof(ocf_uuid));
  expect_entry(m, OCF_DOS_RFOTM, OCF_OK, "");
}

/* The device performs the RESET list with the model functions the actions name; the result
 * is a device fresh in RFOTM with a new uuid (digest 3.5). */
static void test_dos_reset_actions_map_to_model_operations(void **state) {
  models *m = *state;
  ocf_uuid temp = uuid_of("99999999-8888-7777-6666-555555555555");
  const ocf_dos_action *list;
  size_t n = ocf_dos_entry_actions(OCF_DOS_RESET, &list);
  for (size_t i = 0; i < n; i++) {
    switch (list[i]) {
    case OCF_DOS_ACT_PSTAT_ENTER: ocf_svr_pstat_enter(&m->pstat, OCF_DOS_RESET); break;
    case OCF_DOS_ACT_RESET_DOXM: ocf_svr_doxm_reset(&m->doxm, &temp); break;
    case OCF_DOS_ACT_WIPE_CRED: ocf_svr_cred_clear(&m->cred); break;
    case OCF_DOS_ACT_WIPE_ACL2: ocf_svr_acl2_clear(&m->acl2); break;
    case OCF_DOS_ACT_RESET_SDI: ocf_svr_sdi_init(&m->sdi); break;
    default: break; /* the device's own work */
    }
  }
  assert_int_equal(m->pstat.dos_s, OCF_DOS_RESET);
  assert_true(m->pstat.dos_p);
  expect_entry(m, OCF_DOS_RFOTM, OCF_OK, "");
  assert_true(ocf_dos_transition_allowed(OCF_DOS_RESET, OCF_DOS_RFOTM, OCF_DOS_BY_DEVICE));
  ocf_svr_pstat_enter(&m->pstat, OCF_DOS_RFOTM);
  ocf_svr_pstat fresh;
  ocf_svr_pstat_init(&fresh);
  assert_memory_equal(&m->pstat, &fresh, sizeof fresh);
  assert_true(ocf_uuid_equal(&m->doxm.deviceuuid, &temp));
  assert_int_equal(m->cred.n, 0);
  assert_true(ocf_uuid_is_nil(&m->cred.rowneruuid));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_dos_every_transition_cell),
      cmocka_unit_test(test_dos_entry_actions_per_state),
      cmocka_unit_test_setup_teardown(test_dos_entry_checks_of_owned_states, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dos_entry_check_of_rfotm_needs_an_unowned_device, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dos_reset_actions_map_to_model_operations, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
