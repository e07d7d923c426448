/* State of the onboarding tool engine, shared by the files of src/obt. */
#ifndef OCF_OBT_INTERNAL_H
#define OCF_OBT_INTERNAL_H

#include <ocf/ocf_obt.h>

#include "msg/msg.h"
#include "rep/links.h"

/* One device found by the running discovery. */
typedef struct obt_found {
  ocf_obt_device_info info;
  bool details_pending; /* /oic/d not asked yet */
  bool details_in_flight;
  bool reported;
  uint32_t details_request; /* msg request id while in flight */
} obt_found;

typedef struct obt_discovery {
  bool active;
  bool window_over; /* the /oic/res request is final (multicast DONE, or unicast answer) */
  ocf_err result;
  ocf_obt_discover_params params;
  obt_found *found; /* found[0..n_found), grown by doubling up to max_devices */
  size_t n_found;
  size_t found_cap;
  ocf_rep_node *nodes; /* decoding scratch */
  ocf_link *links;
  size_t n_reported;
  size_t n_in_flight;
} obt_discovery;

struct ocf_obt {
  ocf_platform pf;
  ocf_obt_config cfg;
  ocf_msg *msg;
  obt_discovery disc;
};

/* Issues pending /oic/d requests and reports the end of discovery when everything is in. */
void obt_discovery_pump(ocf_obt *obt, ocf_time_ms now);

#endif
