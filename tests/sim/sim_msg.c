/* ocf_msg as a network node. */
#include "msg/msg.h"
#include "sim/sim.h"

static void msg_handle(void *ctx, const ocf_endpoint *from, const uint8_t *data, size_t len, ocf_time_ms now) {
  (void)ocf_msg_handle_datagram(ctx, from, data, len, now);
}

static size_t msg_next(void *ctx, ocf_endpoint *to, uint8_t *buf, size_t cap) {
  return ocf_msg_next_datagram(ctx, to, buf, cap);
}

static ocf_time_ms msg_timeout(void *ctx) { return ocf_msg_next_timeout(ctx); }

static void msg_on_timeout(void *ctx, ocf_time_ms now) { ocf_msg_on_timeout(ctx, now); }

ocf_sim_engine ocf_sim_msg_engine(ocf_msg *m) {
  ocf_sim_engine e = {m, msg_handle, msg_next, msg_timeout, msg_on_timeout};
  return e;
}
