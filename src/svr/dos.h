/* The Device Onboarding State machine as data (digest 3; S003 Table 1; Sec 13.8 as the seeds
 * cite it): which transitions exist and who may ask for each, what the device must do on
 * entering a state (a list of actions the device layer performs), and the checks a state's
 * entry needs (pure functions over the SVR models).
 *
 * The device layer drives it: on a POST of dos.s (ocf_svr_pstat_decode_update already checked
 * ocf_dos_transition_allowed for a client) it calls ocf_dos_check_entry on the candidate models,
 * then performs ocf_dos_entry_actions(target) in order. */
#ifndef OCF_SVR_DOS_H
#define OCF_SVR_DOS_H

#include "svr/svr.h"

/* Who asks for a transition. */
typedef enum ocf_dos_requester {
  OCF_DOS_BY_CLIENT = 1u << 0, /* a POST of dos.s to /oic/sec/pstat that access control allowed */
  OCF_DOS_BY_DEVICE = 1u << 1, /* the device's own follow-up: RESET -> RFOTM (digest 3.5 step 4) */
  /* a local event: a factory-reset button, the DOC closing or a failed handshake while in
   * RFOTM, a shutdown in RFOTM (digest 3.6, 9) */
  OCF_DOS_BY_LOCAL = 1u << 2,
} ocf_dos_requester;

/* "RESET", "RFOTM", ...; "?" for anything else. */
const char *ocf_dos_state_name(uint8_t state);

/* The OCF_DOS_BY_* mask of who may move the device from `from` to `to` (0: nobody). */
unsigned ocf_dos_requesters(uint8_t from, uint8_t to);
bool ocf_dos_transition_allowed(uint8_t from, uint8_t to, ocf_dos_requester who);

/* What the device does on entering a state, in order (digest 3.5). Model actions map to the
 * svr functions named; the others are the device's (sessions, keys, storage, hooks). */
typedef enum ocf_dos_action {
  OCF_DOS_ACT_CANCEL_OBSERVERS = 1, /* 3.5 step 3 */
  OCF_DOS_ACT_CLOSE_SESSIONS,       /* every (D)TLS session, the DOC included (3.5 RFOTM) */
  OCF_DOS_ACT_PSTAT_ENTER,          /* ocf_svr_pstat_enter(pstat, state): dos, cm, tm, isop */
  OCF_DOS_ACT_RESET_DOXM,           /* ocf_svr_doxm_reset with a NEW random temporary deviceuuid,
                                       copied to /oic/d di (3.5 step 2) */
  OCF_DOS_ACT_WIPE_CRED,            /* ocf_svr_cred_clear: every credential, rowneruuid nil */
  OCF_DOS_ACT_WIPE_ACL2,            /* ocf_svr_acl2_clear: every ACE, rowneruuid nil */
  OCF_DOS_ACT_WIPE_AEL,             /* ocf_svr_ael_init: the audit log */
  OCF_DOS_ACT_RESET_SDI,            /* ocf_svr_sdi_init: uuid nil, name empty, priv false */
  OCF_DOS_ACT_RESET_SP,             /* the manufacturer's default security profile */
  OCF_DOS_ACT_FREE_ROLES,           /* ocf_svr_roles_clear for every session */
  OCF_DOS_ACT_REGEN_KEYPAIR,        /* the certificate key pair behind /oic/sec/csr */
  OCF_DOS_ACT_FACTORY_PRESETS,      /* manufacturer hook: mfgcert, mfgtrustca, bootstrap ACEs */
  OCF_DOS_ACT_PERSIST,              /* write the changed SVRs to the store */
  OCF_DOS_ACT_THEN_RFOTM,           /* RESET is transient: go on with the entry into RFOTM (step 4) */
} ocf_dos_action;

/* The actions for entering `state`; *out points at a static list. 0 for an unknown state. */
size_t ocf_dos_entry_actions(uint8_t state, const ocf_dos_action **out);
const char *ocf_dos_action_name(ocf_dos_action a);

/* The checks that must hold before the device enters `state` (digest 3.2, 3.5, pitfall 17);
 * a failure answers 4.00 and keeps the old state:
 *   RFOTM:                 doxm.owned false and doxm.devowneruuid nil
 *   RFPRO, RFNOP, SRESET:  doxm.owned true; devowneruuid and deviceuuid not nil; the rowneruuid
 *                          of doxm, pstat, acl2 and cred each not nil AND each the subjectuuid
 *                          of at least one credential in cred
 *   RESET:                 none
 * OCF_ERR_STATE with kind OCF_SVR_E_ENTRY_CHECK and where naming the failed property;
 * OCF_ERR_INVALID_ARG when a model the check needs is NULL. *r is an output and is cleared
 * first, success included: do not pass the report of the pstat update whose dos_target you still
 * need (keep the target in a variable). */
OCF_NODISCARD ocf_err ocf_dos_check_entry(uint8_t state, const ocf_svr_models *m, ocf_svr_report *r);

#endif
