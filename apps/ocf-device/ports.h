/* Stable ports for ocf-device --storage: the unicast and coaps ports a device was first given are
 * kept in its store and bound again after a restart, so the endpoints its owner recorded stay
 * valid across a reboot or a power cut (docs/HARDENING.md, "The device as a real process"). */
#ifndef OCF_DEVICE_APP_PORTS_H
#define OCF_DEVICE_APP_PORTS_H

#include <ocf/ocf_posix.h>
#include <ocf/ocf_store.h>

/* Sets cfg's unicast and secure ports to the ones saved in s. False when none are saved or the
 * blob cannot be read (cfg untouched: the OS picks ephemeral ports, as on a first start). */
bool app_ports_load(ocf_store *s, ocf_posix_net_config *cfg);

/* Saves the ports net is bound to, when they differ from what s holds. OCF_OK or the store's
 * error (the device then serves anyway: its ports are just not stable). */
ocf_err app_ports_save(ocf_store *s, const ocf_posix_net *net);

/* Opens net with the ports s holds (app_ports_load; ephemeral ones when they are taken, said on
 * stderr) and saves the ports it got (app_ports_save; a failure is said on stderr and the device
 * serves anyway). s may be NULL (no --storage): ephemeral ports. The errors of
 * ocf_posix_net_open. */
ocf_err app_ports_open_net(ocf_store *s, ocf_posix_net_config *cfg, const ocf_platform *pf,
                           ocf_posix_net **out);

#endif
