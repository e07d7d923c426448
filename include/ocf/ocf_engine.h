/* The shape every sans-I/O engine of libocf offers to whatever drives it (the posix loop in
 * <ocf/ocf_posix.h>, an in-memory network in tests, an application's own event loop, an RTOS
 * task). An engine never touches a socket or a clock: datagrams and the time come in through
 * these four calls, datagrams to send and the next deadline go out.
 *
 * The driver's contract, per engine:
 *   - every received datagram        -> handle_datagram(ctx, from, data, len, now)
 *   - after every call into the engine (and after the application called it directly)
 *                                    -> next_datagram() until it returns 0, sending each one
 *   - when now >= next_timeout(ctx)  -> on_timeout(ctx, now)
 * `now` comes from one monotonic clock and never goes backwards. */
#ifndef OCF_ENGINE_H
#define OCF_ENGINE_H

#include "ocf_endpoint.h"
#include "ocf_platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* next_timeout() value for "no deadline". */
#define OCF_TIME_NEVER UINT64_MAX

typedef struct ocf_engine_ops {
  /* One received datagram. from->flags has OCF_EP_MULTICAST when it was sent to a group and
   * OCF_EP_SECURE when it arrived on a coaps (DTLS) socket; from->ifindex is the arrival
   * interface. data is only valid during the call. */
  void (*handle_datagram)(void *ctx, const ocf_endpoint *from, const uint8_t *data, size_t len,
                          ocf_time_ms now);
  /* Copies the next datagram due for sending into buf[0..cap), sets *to, returns its length;
   * 0 when nothing is due. to->flags OCF_EP_SECURE selects the coaps socket; a multicast `to`
   * goes out on every configured interface unless to->ifindex names one. */
  size_t (*next_datagram)(void *ctx, ocf_endpoint *to, uint8_t *buf, size_t cap);
  /* The earliest time on_timeout wants to run; OCF_TIME_NEVER when none. */
  ocf_time_ms (*next_timeout)(void *ctx);
  /* Runs everything due at now; harmless when nothing is. */
  void (*on_timeout)(void *ctx, ocf_time_ms now);
} ocf_engine_ops;

/* An engine instance: its operations and the context handed to each of them. */
typedef struct ocf_engine {
  const ocf_engine_ops *ops;
  void *ctx;
} ocf_engine;

#ifdef __cplusplus
}
#endif
#endif
