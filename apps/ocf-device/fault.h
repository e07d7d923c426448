/* Fault injection for the crash tests (docs/HARDENING.md, "Crash safety"): with
 * OCF_DEVICE_FAULT_KILL_AT=N the process raises SIGKILL when it receives its Nth secure (coaps)
 * datagram, counted over every hosted device, before the device handles it; with N:after right
 * after (what the request changed is saved, its answer never leaves) — a power cut at a chosen
 * point of an onboarding's DTLS part, reproducibly. Unset: the device's engine as it is. */
#ifndef OCF_DEVICE_APP_FAULT_H
#define OCF_DEVICE_APP_FAULT_H

#include <ocf/ocf_device.h>

typedef struct app_fault {
  unsigned long at, seen; /* at = 0: no fault injection */
  bool after;
} app_fault;

/* One device's engine wrapped by the shared counter. */
typedef struct app_fault_engine {
  app_fault *fault;
  ocf_device *dev;
} app_fault_engine;

/* Reads OCF_DEVICE_FAULT_KILL_AT ("N" or "N:after", N >= 1) into f; 0, or 2 (a usage error,
 * said on stderr). */
int app_fault_parse(app_fault *f);
/* The engine that counts secure datagrams before handing them to fe->dev's engine. */
ocf_engine app_fault_engine_of(app_fault_engine *fe);

#endif
