/* /oic/sec/pstat, rt oic.r.pstat: the Device Onboarding State and provisioning modes
 * (digest 2.2; SEC:pstat).
 *
 * Who may write what (digest 2.2, pitfall 19):
 *   dos.s           any state, for a transition dos.c allows a client to ask for (3.2)
 *   tm, om          any state (om 1..7 per the schema; tm up to 511: IoTivity-Lite sets 256)
 *   rowneruuid      RESET, RFOTM, SRESET
 *   dos.p, isop, cm, sm, rt, if, n, id   never (4.00)
 *
 * A POST with dos.s does not perform the transition: decode_update checks that the edge is
 * allowed (OCF_SVR_E_TRANSITION otherwise), writes dos = {s: target, p: true} into out and sets
 * report.dos_requested / dos_target. The device then runs ocf_dos_check_entry() on the
 * candidate models (a failure answers 4.00 and drops out), performs ocf_dos_entry_actions()
 * and finally ocf_svr_pstat_enter(target), which clears p. */
#ifndef OCF_SVR_PSTAT_H
#define OCF_SVR_PSTAT_H

#include "svr/svr.h"

/* cm / tm bits (SEC:pstat; digest 2.2). */
#define OCF_PSTAT_DPM_RESET 1u /* manufacturer reset state */
#define OCF_PSTAT_DPM_TAKE 2u  /* device pairing and owner transfer */
#define OCF_PSTAT_DPM_CRED 8u  /* provisioning of credential-management services */
#define OCF_PSTAT_DPM_ACL 16u  /* provisioning of access-management services */
#define OCF_PSTAT_DPM_LACL 32u /* provisioning of local ACLs */
#define OCF_PSTAT_DPM_SVV 64u  /* initiate software version validation */
#define OCF_PSTAT_DPM_SSU 128u /* initiate secure software update */
#define OCF_PSTAT_DPM_NSA 256u /* IoTivity-Lite's extension (beyond the schema's 255) */
/* om / sm bits */
#define OCF_PSTAT_OM_MULTI 1u  /* server-directed, multiple provisioning services */
#define OCF_PSTAT_OM_SINGLE 2u /* server-directed, single provisioning service */
#define OCF_PSTAT_OM_CLIENT 4u /* client-directed (what every DOTS writes: S003 5.3.1 step 6) */

struct ocf_svr_pstat {
  uint8_t dos_s; /* ocf_dos_state, current or pending */
  bool dos_p;    /* a transition to dos_s is pending */
  bool isop;     /* operational: true only in RFNOP */
  uint32_t cm, tm, om, sm;
  ocf_uuid rowneruuid;
};

enum {
  OCF_SVR_PSTAT_CHG_DOS = 1u << 0,
  OCF_SVR_PSTAT_CHG_TM = 1u << 1, /* 64 / 128 ask for software validation / update */
  OCF_SVR_PSTAT_CHG_OM = 1u << 2,
  OCF_SVR_PSTAT_CHG_ROWNERUUID = 1u << 3,
  OCF_SVR_PSTAT_CHG_ISOP = 1u << 4, /* store only */
  OCF_SVR_PSTAT_CHG_CM = 1u << 5,   /* store only */
  OCF_SVR_PSTAT_CHG_SM = 1u << 6,   /* store only */
};

/* A device fresh in RFOTM, as IoTivity-Lite leaves it after RESET (digest 2.2 table): dos
 * {1, false}, isop false, cm 2, tm 0, om 3, sm 4 (om 3 is not a subset of sm: pitfall 19),
 * rowneruuid nil. */
void ocf_svr_pstat_init(ocf_svr_pstat *m);

/* Sets dos, cm, tm and isop to the values of state (digest 2.2 table, 3.5): RESET also writes
 * om 3, sm 4 and a nil rowneruuid and leaves p true (RESET is transient); every other state
 * clears p. state > 4 is ignored. */
void ocf_svr_pstat_enter(ocf_svr_pstat *m, uint8_t state);

/* POST /oic/sec/pstat (see above and svr.h). */
OCF_NODISCARD ocf_err ocf_svr_pstat_decode_update(const ocf_svr_pstat *cur, const ocf_rep_node *payload,
                                                  const ocf_svr_ctx *ctx, ocf_svr_pstat *out,
                                                  ocf_svr_report *r);

void ocf_svr_pstat_encode(const ocf_svr_pstat *m, unsigned flags, ocf_rep_enc *e);

#endif
