/* The Device Onboarding State transition table, entry actions and entry checks (digest 3). */
#include "svr/dos.h"

#include "svr/acl2.h"
#include "svr/cred.h"
#include "svr/doxm.h"
#include "svr/pstat.h"
#include "svr/svr_util.h"

#define C OCF_DOS_BY_CLIENT
#define D OCF_DOS_BY_DEVICE
#define L OCF_DOS_BY_LOCAL

/* ALLOWED[from][to]: who may ask (digest 3.2, the IoTivity-Lite column unless noted).
 *  - RESET -> RFOTM only automatically; nothing while a reset is in progress (digest 9).
 *  - X -> RESET from every other state, by a client or locally (S003 Table 1; digest 9; 3.6:
 *    the DOC lost in RFOTM resets).
 *  - RFOTM -> RFNOP: IoTivity-Lite allows it, S003 Table 1 does not list it and no OBT uses it
 *    (both reference OBTs go through RFPRO): refused. RFOTM -> SRESET refused (S003, IL).
 *  - RFPRO -> SRESET: IL allows it, S003 does not list it (UNCONFIRMED, digest 11.9): allowed.
 *  - SRESET -> RFNOP refused (S003, IL); nothing ever returns to RFOTM except through RESET.
 *  - same -> same: accepted for a client; it re-runs the entry checks and actions (for RFOTM
 *    that closes every DTLS session, i.e. the DOC). */
static const uint8_t ALLOWED[OCF_DOS_COUNT][OCF_DOS_COUNT] = {
    /*                RESET  RFOTM RFPRO RFNOP SRESET */
    [OCF_DOS_RESET] = {0, D, 0, 0, 0},      [OCF_DOS_RFOTM] = {C | L, C, C, 0, 0},
    [OCF_DOS_RFPRO] = {C | L, 0, C, C, C},  [OCF_DOS_RFNOP] = {C | L, 0, C, C, C},
    [OCF_DOS_SRESET] = {C | L, 0, C, 0, C},
};

#undef C
#undef D
#undef L

const char *ocf_dos_state_name(uint8_t state) {
  static const char *const NAMES[OCF_DOS_COUNT] = {"RESET", "RFOTM", "RFPRO", "RFNOP", "SRESET"};
  return state < OCF_DOS_COUNT ? NAMES[state] : "?";
}

unsigned ocf_dos_requesters(uint8_t from, uint8_t to) {
  return from < OCF_DOS_COUNT && to < OCF_DOS_COUNT ? ALLOWED[from][to] : 0u;
}

bool ocf_dos_transition_allowed(uint8_t from, uint8_t to, ocf_dos_requester who) {
  return (ocf_dos_requesters(from, to) & (unsigned)who) != 0;
}

/* --- entry actions (digest 3.5) -------------------------------------------------------------- */

static const ocf_dos_action ENTER_RESET[] = {
    OCF_DOS_ACT_CANCEL_OBSERVERS, OCF_DOS_ACT_CLOSE_SESSIONS, OCF_DOS_ACT_PSTAT_ENTER,
    OCF_DOS_ACT_RESET_DOXM,       OCF_DOS_ACT_WIPE_CRED,      OCF_DOS_ACT_WIPE_ACL2,
    OCF_DOS_ACT_WIPE_AEL,         OCF_DOS_ACT_RESET_SDI,      OCF_DOS_ACT_RESET_SP,
    OCF_DOS_ACT_FREE_ROLES,       OCF_DOS_ACT_REGEN_KEYPAIR,  OCF_DOS_ACT_PERSIST,
    OCF_DOS_ACT_THEN_RFOTM,
};
/* RFOTM: close every session, cm 2 / tm 0, the manufacturer's presets, then p false */
static const ocf_dos_action ENTER_RFOTM[] = {OCF_DOS_ACT_CLOSE_SESSIONS, OCF_DOS_ACT_FACTORY_PRESETS,
                                             OCF_DOS_ACT_PSTAT_ENTER, OCF_DOS_ACT_PERSIST};
/* RFPRO, RFNOP, SRESET: the modes of the state (digest 2.2 table). The DOC keeps its DCR
 * privileges until it closes (digest 3.6 last bullet; IoTivity-Lite's OBT relies on it). */
static const ocf_dos_action ENTER_OTHER[] = {OCF_DOS_ACT_PSTAT_ENTER, OCF_DOS_ACT_PERSIST};

#define LIST(a) a, sizeof a / sizeof a[0]

size_t ocf_dos_entry_actions(uint8_t state, const ocf_dos_action **out) {
  static const struct {
    const ocf_dos_action *list;
    size_t n;
  } BY_STATE[OCF_DOS_COUNT] = {
      [OCF_DOS_RESET] = {LIST(ENTER_RESET)},  [OCF_DOS_RFOTM] = {LIST(ENTER_RFOTM)},
      [OCF_DOS_RFPRO] = {LIST(ENTER_OTHER)},  [OCF_DOS_RFNOP] = {LIST(ENTER_OTHER)},
      [OCF_DOS_SRESET] = {LIST(ENTER_OTHER)},
  };
  if (!out) return 0;
  *out = NULL;
  if (state >= OCF_DOS_COUNT) return 0;
  *out = BY_STATE[state].list;
  return BY_STATE[state].n;
}

const char *ocf_dos_action_name(ocf_dos_action a) {
  switch (a) {
  case OCF_DOS_ACT_CANCEL_OBSERVERS: return "cancel observers";
  case OCF_DOS_ACT_CLOSE_SESSIONS: return "close sessions";
  case OCF_DOS_ACT_PSTAT_ENTER: return "pstat modes";
  case OCF_DOS_ACT_RESET_DOXM: return "reset doxm";
  case OCF_DOS_ACT_WIPE_CRED: return "wipe cred";
  case OCF_DOS_ACT_WIPE_ACL2: return "wipe acl2";
  case OCF_DOS_ACT_WIPE_AEL: return "wipe ael";
  case OCF_DOS_ACT_RESET_SDI: return "reset sdi";
  case OCF_DOS_ACT_RESET_SP: return "reset sp";
  case OCF_DOS_ACT_FREE_ROLES: return "free roles";
  case OCF_DOS_ACT_REGEN_KEYPAIR: return "regenerate key pair";
  case OCF_DOS_ACT_FACTORY_PRESETS: return "factory presets";
  case OCF_DOS_ACT_PERSIST: return "persist";
  case OCF_DOS_ACT_THEN_RFOTM: return "then RFOTM";
  }
  return "?";
}

/* --- entry checks ---------------------------------------------------------------------------- */

static ocf_err entry_fail(ocf_svr_report *r, const char *where, const char *why) {
  (void)svr_fail(r, OCF_SVR_E_ENTRY_CHECK, where, why);
  return OCF_ERR_STATE;
}

/* Pitfall 17: each resource owner must already hold a credential, or the device could never
 * authenticate it once the DOC is gone. */
static ocf_err check_owner(const ocf_svr_cred *cred, const ocf_uuid *owner, const char *where,
                           ocf_svr_report *r) {
  if (ocf_uuid_is_nil(owner)) return entry_fail(r, where, "resource owner not set");
  if (!ocf_svr_cred_has_subject(cred, owner))
    return entry_fail(r, where, "no credential for the resource owner");
  return OCF_OK;
}

static ocf_err check_owned(const ocf_svr_models *m, ocf_svr_report *r) {
  if (!m->doxm || !m->pstat || !m->cred || !m->acl2) return OCF_ERR_INVALID_ARG;
  if (!m->doxm->owned) return entry_fail(r, "doxm.owned", "the device is not owned");
  if (ocf_uuid_is_nil(&m->doxm->devowneruuid)) return entry_fail(r, "doxm.devowneruuid", "no owner");
  if (ocf_uuid_is_nil(&m->doxm->deviceuuid)) return entry_fail(r, "doxm.deviceuuid", "no device uuid");
  ocf_err err = check_owner(m->cred, &m->doxm->rowneruuid, "doxm.rowneruuid", r);
  if (!err) err = check_owner(m->cred, &m->pstat->rowneruuid, "pstat.rowneruuid", r);
  if (!err) err = check_owner(m->cred, &m->acl2->rowneruuid, "acl2.rowneruuid", r);
  if (!err) err = check_owner(m->cred, &m->cred->rowneruuid, "cred.rowneruuid", r);
  return err;
}

ocf_err ocf_dos_check_entry(uint8_t state, const ocf_svr_models *m, ocf_svr_report *r) {
  if (!m || !r) return OCF_ERR_INVALID_ARG;
  svr_report_init(r);
  switch (state) {
  case OCF_DOS_RESET: return OCF_OK;
  case OCF_DOS_RFOTM: /* digest 3.5: "checks owned is false and devowneruuid nil" */
    if (!m->doxm) return OCF_ERR_INVALID_ARG;
    if (m->doxm->owned) return entry_fail(r, "doxm.owned", "an owned device cannot enter RFOTM");
    if (!ocf_uuid_is_nil(&m->doxm->devowneruuid))
      return entry_fail(r, "doxm.devowneruuid", "a device with an owner cannot enter RFOTM");
    return OCF_OK;
  case OCF_DOS_RFPRO:
  case OCF_DOS_RFNOP:
  case OCF_DOS_SRESET: return check_owned(m, r);
  default: return entry_fail(r, "dos.s", "no such state");
  }
}
