/* /oic/sec/ael, rt oic.r.ael: the auditable event log (digest 2.10; SEC:ael, whose path is the
 * placeholder /AelResURI: IoTivity-Lite serves /oic/sec/ael).
 *
 * Only categoryfilter (0..255) and priorityfilter (0..4) are writable, in any state (who may is
 * access control's); events, usedspace, maxspace and unit are read-only (4.00). The device adds
 * events with ocf_svr_ael_add, which applies the filters and drops the oldest event when full.
 * The log is volatile: the store form keeps the filters only. unit is "Byte" (SEC:ael: a string;
 * IoTivity-Lite encodes an int, pitfall 26). */
#ifndef OCF_SVR_AEL_H
#define OCF_SVR_AEL_H

#include "svr/svr.h"

/* categories (digest 2.10) */
enum {
  OCF_AEL_ACCESS_CONTROL = 0x01,
  OCF_AEL_ONBOARDING = 0x02,
  OCF_AEL_DEVICE = 0x04,
  OCF_AEL_AUTHENTICATION = 0x08,
  OCF_AEL_SVR_MODIFICATION = 0x10,
  OCF_AEL_CLOUD = 0x20,
  OCF_AEL_COMMUNICATION = 0x40,
};
/* priorities: 0 CRIT, 1 ERR, 2 WARN, 3 INFO, 4 DEBUG */

typedef struct ocf_svr_ael_event {
  uint8_t category; /* one OCF_AEL_* bit */
  uint8_t priority; /* 0..4 */
  uint8_t n_aux;
  char aeid[OCF_SVR_AEL_ID_MAX + 1];
  char timestamp[OCF_SVR_AEL_TIME_MAX + 1];
  char message[OCF_SVR_AEL_MESSAGE_MAX + 1];
  char aux[OCF_SVR_AEL_AUX_MAX][OCF_SVR_AEL_AUX_LEN + 1];
} ocf_svr_ael_event;

typedef struct ocf_svr_ael {
  uint8_t categoryfilter; /* default 255 */
  uint8_t priorityfilter; /* default 4: everything up to DEBUG */
  uint32_t n;
  ocf_svr_ael_event events[OCF_SVR_MAX_AEL_EVENTS];
} ocf_svr_ael;

enum {
  OCF_SVR_AEL_CHG_CATEGORYFILTER = 1u << 0,
  OCF_SVR_AEL_CHG_PRIORITYFILTER = 1u << 1,
};

/* No events, filters 255 / 4 (SEC:ael defaults; also RESET: digest 3.5 step 3). */
void ocf_svr_ael_init(ocf_svr_ael *m);

/* Records an event when the filters let it through (category & categoryfilter, priority <=
 * priorityfilter); the oldest event makes room when the log is full. Strings are truncated to
 * their caps. Returns whether the event was kept. */
bool ocf_svr_ael_add(ocf_svr_ael *m, uint8_t category, uint8_t priority, const char *aeid,
                     const char *timestamp, const char *message);

OCF_NODISCARD ocf_err ocf_svr_ael_decode_update(const ocf_svr_ael *cur, const ocf_rep_node *payload,
                                                const ocf_svr_ctx *ctx, ocf_svr_ael *out, ocf_svr_report *r);

/* events (not with OCF_SVR_ENC_STORE), usedspace, maxspace, unit, the filters */
void ocf_svr_ael_encode(const ocf_svr_ael *m, unsigned flags, ocf_rep_enc *e);

#endif
