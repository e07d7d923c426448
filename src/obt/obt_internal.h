/* State of the onboarding tool engine, shared by the files of src/obt. */
#ifndef OCF_OBT_INTERNAL_H
#define OCF_OBT_INTERNAL_H

#include <ocf/ocf_obt.h>
#include <ocf/ocf_obt_onboard.h>

#include "msg/msg.h"
#include "rep/links.h"
#include "stack/stack.h"

/* What discovery still asks one device, one request at a time (discover.c). */
enum {
  OBT_ASK_RES = 1u << 0,  /* GET /oic/res?rt=oic.r.doxm (unowned mode: its eps) */
  OBT_ASK_D = 1u << 1,    /* GET /oic/d (name, type) */
  OBT_ASK_DOXM = 1u << 2, /* GET /oic/sec/doxm (all mode with read_doxm) */
};

/* One device found by the running discovery. */
typedef struct obt_found {
  ocf_obt_device_info info;
  uint8_t todo;   /* OBT_ASK_* not asked yet */
  uint8_t asking; /* the OBT_ASK_* in flight, 0 none */
  bool reported;
  uint8_t retries;  /* requests asked again after no answer (discovery repeats - 1 at most) */
  uint32_t request; /* msg request id while asking */
} obt_found;

typedef struct obt_discovery {
  bool active;
  bool window_over; /* the first request is final (every multicast repeat DONE, or a unicast answer) */
  ocf_err result;
  ocf_obt_discover_params params;
  /* The first request is sent `repeats` times (ocf_obt_config.discovery_repeats): to groups at
   * t0 + k * interval, each listening until t0 + window; to one address again after no answer. */
  ocf_endpoint targets[OCF_MSG_MAX_GROUPS];
  uint32_t repeats, sent, open;
  ocf_time_ms t0, window, interval;
  obt_found *found; /* found[0..n_found), grown by doubling up to max_devices */
  size_t n_found;
  size_t found_cap;
  ocf_rep_node *nodes; /* decoding scratch */
  ocf_link *links;
  size_t n_reported;
  size_t n_in_flight;
} obt_discovery;

typedef struct obt_onboarding obt_onboarding; /* onboard_internal.h */
typedef struct obt_owner obt_owner;           /* owner.h */
typedef struct obt_lifecycle obt_lifecycle;   /* lifecycle.c */
typedef struct obt_prov obt_prov;             /* prov.c */
typedef struct obt_pair obt_pair;             /* cms_pair.c */

struct ocf_obt {
  ocf_platform pf;
  ocf_obt_config cfg;
  ocf_stack *stack; /* coap and coaps (DTLS client role) */
  ocf_msg *msg;     /* the stack's CoAP endpoint */
  obt_discovery disc;
  obt_onboarding *onb; /* the running onboarding, NULL when none */
  obt_owner *owners;   /* open owner sessions (owner.h) */
  obt_lifecycle *lc;   /* the running reset / recovery, NULL when none */
  obt_prov *prov;      /* the running provisioning, NULL when none */
  obt_pair *pair;      /* the running pairing (a chain of provisioning runs), NULL when none */
  ocf_time_ms now;     /* of the engine call running (msg callbacks carry none) */
  ocf_obt_onboard_stats last_stats;
  /* Datagrams through the engine, ever and when the last onboarding began (its stats count
   * the difference, so a finished one includes the close_notify records sent after it ended). */
  size_t datagrams_in, datagrams_out;
  size_t onb_datagrams_in0, onb_datagrams_out0;
};

/* Issues pending /oic/d requests and reports the end of discovery when everything is in. */
void obt_discovery_pump(ocf_obt *obt, ocf_time_ms now);
/* The next repeat of the first request, and sending it (discover.c). */
ocf_time_ms obt_discovery_next_timeout(const ocf_obt *obt);
void obt_discovery_on_timeout(ocf_obt *obt, ocf_time_ms now);

/* The onboarding's side of the engine (onboard.c): starts and advances jobs, their deadlines,
 * the stack's session events and PSK hints, and its memory. */
void obt_onboard_pump(ocf_obt *obt, ocf_time_ms now);
ocf_time_ms obt_onboard_next_timeout(const ocf_obt *obt);
void obt_onboard_on_timeout(ocf_obt *obt, ocf_time_ms now);
void obt_onboard_on_session(ocf_obt *obt, const ocf_dtls_event *ev);
ocf_err obt_onboard_psk_for_hint(ocf_obt *obt, const ocf_endpoint *peer, const uint8_t *hint, size_t hint_len,
                                 uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len);
ocf_err obt_onboard_verify_cert(ocf_obt *obt, const ocf_endpoint *peer, const ocf_bytes *chain,
                                size_t n_chain, const ocf_uuid *uuid);
void obt_onboard_free(ocf_obt *obt);

/* Reset and recovery jobs (lifecycle.c), driven like the onboarding's. */
void obt_lifecycle_pump(ocf_obt *obt, ocf_time_ms now);
ocf_time_ms obt_lifecycle_next_timeout(const ocf_obt *obt);
void obt_lifecycle_on_timeout(ocf_obt *obt, ocf_time_ms now);
void obt_lifecycle_free(ocf_obt *obt);

/* Provisioning jobs (prov.c, <ocf/ocf_obt_prov.h>), driven the same way. */
void obt_prov_pump(ocf_obt *obt, ocf_time_ms now);
ocf_time_ms obt_prov_next_timeout(const ocf_obt *obt);
void obt_prov_on_timeout(ocf_obt *obt, ocf_time_ms now);
void obt_prov_free(ocf_obt *obt);

#endif
