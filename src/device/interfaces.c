/* OCF interfaces and the methods each admits (digest 1.6; IoTivity-Lite
 * oc_ri_interface_supports_method after OCF Core 7.5.3). PUT is listed where Core allows it, but
 * no resource of ours has a PUT handler (digest §0: OCF updates with POST). */
#include <string.h>

#include "device/device.h"

#define M_GET (1u << OCF_METHOD_GET)
#define M_POST (1u << OCF_METHOD_POST)
#define M_PUT (1u << OCF_METHOD_PUT)
#define M_DELETE (1u << OCF_METHOD_DELETE)
#define M_ALL (M_GET | M_POST | M_PUT | M_DELETE)

static const struct {
  const char *name;
  unsigned methods;
} k_ifaces[IFACE_COUNT] = {
    [IFACE_BASELINE] = {"oic.if.baseline", M_ALL},
    [IFACE_LL] = {"oic.if.ll", M_GET}, /* links list: retrieve only */
    [IFACE_B] = {"oic.if.b", M_ALL},
    [IFACE_R] = {"oic.if.r", M_GET}, /* read-only: /oic/d, /oic/p */
    [IFACE_RW] = {"oic.if.rw", M_ALL},
    [IFACE_A] = {"oic.if.a", M_ALL}, /* actuator */
    [IFACE_S] = {"oic.if.s", M_GET}, /* sensor */
    [IFACE_W] = {"oic.if.w", M_POST | M_PUT | M_DELETE},
    [IFACE_CREATE] = {"oic.if.create", M_GET | M_POST | M_PUT},
    [IFACE_STARTUP] = {"oic.if.startup", M_ALL},
    [IFACE_STARTUP_REVERT] = {"oic.if.startup.revert", M_ALL},
};

const char *device_iface_name(uint8_t iface) { return iface < IFACE_COUNT ? k_ifaces[iface].name : NULL; }

uint8_t device_iface_lookup(const char *name, size_t len) {
  for (uint8_t i = 0; i < IFACE_COUNT; i++)
    if (strlen(k_ifaces[i].name) == len && memcmp(k_ifaces[i].name, name, len) == 0) return i;
  return IFACE_NONE;
}

bool device_iface_allows(uint8_t iface, ocf_method method) {
  if (iface >= IFACE_COUNT || method < OCF_METHOD_GET || method > OCF_METHOD_DELETE) return false;
  return (k_ifaces[iface].methods & (1u << method)) != 0;
}
