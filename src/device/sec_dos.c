/* Onboarding state transitions on the device (digest 3.2, 3.5): the entry checks and entry
 * actions of svr/dos.h performed on the candidate models, and the local factory reset. */
#include <string.h>

#include "base/log.h"
#include "base/uuid.h"
#include "device/sec.h"

#define LOG_MODULE "device"

/* The manufacturer's security profile (digest 2.5): baseline and black supported, baseline in
 * force until a DOTS chooses. */
#define SP_DEFAULT_SUPPORTED ((uint8_t)(1u << OCF_SP_BASELINE | 1u << OCF_SP_BLACK))
#define SP_DEFAULT_CURRENT ((uint8_t)OCF_SP_BASELINE)

ocf_err sec_defaults(ocf_device *d, sec_models *m) {
  device_sec *s = d->sec;
  ocf_uuid piid = m->piid, pi = m->pi;
  memset(m, 0, sizeof *m);
  m->piid = piid; /* stable identifiers survive a reset (digest 1.5: piid is stable) */
  m->pi = pi;
  ocf_uuid uuid;
  ocf_err err = ocf_uuid_generate(&d->pf, &uuid); /* a new temporary deviceuuid (3.5 step 2) */
  if (err == OCF_OK) err = ocf_svr_doxm_init(&m->doxm, s->otms, s->n_otms, s->sct, &uuid);
  if (err == OCF_OK) err = ocf_svr_sp_init(&m->sp, SP_DEFAULT_SUPPORTED, SP_DEFAULT_CURRENT);
  ocf_svr_pstat_init(&m->pstat);
  ocf_svr_cred_clear(&m->cred);
  ocf_svr_acl2_clear(&m->acl2);
  ocf_svr_sdi_init(&m->sdi);
  ocf_svr_crl_clear(&m->crl);
  ocf_svr_ael_init(&m->ael);
  return err;
}

/* One entry action on next (svr/dos.h names the model functions). */
static ocf_err act(ocf_device *d, sec_models *next, uint8_t target, ocf_dos_action a, unsigned *mask) {
  ocf_uuid uuid;
  ocf_err err = OCF_OK;
  switch (a) {
  case OCF_DOS_ACT_CANCEL_OBSERVERS: break; /* observe is not served */
  case OCF_DOS_ACT_CLOSE_SESSIONS: d->sec->fx_close = true; break;
  case OCF_DOS_ACT_PSTAT_ENTER: ocf_svr_pstat_enter(&next->pstat, target); break;
  case OCF_DOS_ACT_RESET_DOXM:
    err = ocf_uuid_generate(&d->pf, &uuid);
    if (err == OCF_OK) ocf_svr_doxm_reset(&next->doxm, &uuid);
    break;
  case OCF_DOS_ACT_WIPE_CRED:
    ocf_svr_cred_clear(&next->cred);
    ocf_svr_crl_clear(&next->crl); /* the CMS's revocation list goes with its credentials */
    break;
  case OCF_DOS_ACT_WIPE_ACL2: ocf_svr_acl2_clear(&next->acl2); break;
  case OCF_DOS_ACT_WIPE_AEL: ocf_svr_ael_init(&next->ael); break;
  case OCF_DOS_ACT_RESET_SDI: ocf_svr_sdi_init(&next->sdi); break;
  case OCF_DOS_ACT_RESET_SP:
    err = ocf_svr_sp_init(&next->sp, SP_DEFAULT_SUPPORTED, SP_DEFAULT_CURRENT);
    break;
  case OCF_DOS_ACT_FREE_ROLES: d->sec->fx_close = true; break; /* roles live in sessions */
  case OCF_DOS_ACT_REGEN_KEYPAIR: /* the next CSR has a new key pair (sec_cert.c) */
    memset(&next->csr, 0, sizeof next->csr);
    sec_key_clear(next);
    *mask |= SEC_BLOB_KEY;
    break;
  case OCF_DOS_ACT_FACTORY_PRESETS: break; /* no manufacturer credentials yet (mfgcert: DTLS slice) */
  case OCF_DOS_ACT_PERSIST: *mask |= SEC_BLOB_ALL; break;
  case OCF_DOS_ACT_THEN_RFOTM: break; /* sec_dos_enter goes on */
  }
  return err;
}

ocf_err sec_dos_enter(ocf_device *d, sec_models *next, uint8_t target, unsigned *mask, ocf_svr_report *r) {
  ocf_svr_models models = {&next->doxm, &next->pstat, &next->cred, &next->acl2};
  ocf_err err = ocf_dos_check_entry(target, &models, r);
  if (err != OCF_OK) return err;
  const ocf_dos_action *actions = NULL;
  size_t n = ocf_dos_entry_actions(target, &actions);
  bool then_rfotm = false;
  for (size_t i = 0; i < n && err == OCF_OK; i++) {
    err = act(d, next, target, actions[i], mask);
    then_rfotm = then_rfotm || actions[i] == OCF_DOS_ACT_THEN_RFOTM;
  }
  if (err != OCF_OK) {
    memset(r, 0, sizeof *r);
    r->kind = OCF_SVR_E_INTERNAL;
    r->why = "entry action failed";
    return err;
  }
  *mask |= SEC_BLOB_PSTAT;
  /* RESET is transient: the device goes on into RFOTM by itself (digest 3.5 step 4). */
  if (then_rfotm) return sec_dos_enter(d, next, OCF_DOS_RFOTM, mask, r);
  return OCF_OK;
}

ocf_err ocf_device_factory_reset(ocf_device *d, ocf_time_ms now) {
  if (!d) return OCF_ERR_INVALID_ARG;
  d->now = now > d->now ? now : d->now;
  sec_models *next = sec_begin(d);
  unsigned mask = 0;
  ocf_svr_report r;
  memset(&r, 0, sizeof r);
  ocf_err err = sec_dos_enter(d, next, OCF_DOS_RESET, &mask, &r);
  if (err == OCF_OK) err = sec_commit(d, mask);
  if (err == OCF_OK) ocf_log(&d->pf, OCF_LOG_INFO, LOG_MODULE, "factory reset: new di %s", d->di_str);
  return err;
}
