/* The sample application resource of ocf-device: a binary switch (OCF oic.r.switch.binary). */
#ifndef OCF_DEVICE_APP_SWITCH_H
#define OCF_DEVICE_APP_SWITCH_H

#include <ocf/ocf_device.h>

typedef struct app_switch {
  bool value; /* on / off */
} app_switch;

/* Registers /switch (rt oic.r.switch.binary; if oic.if.a, oic.if.baseline): GET answers
 * {"value": bool}; POST {"value": bool} sets it and answers 2.04 with the new state; any other
 * body (not a map, "value" missing or not a bool, another property) is refused with 4.00 and
 * changes nothing. sw must outlive the device. Errors of ocf_device_add_resource. */
OCF_NODISCARD ocf_err app_switch_register(ocf_device *d, app_switch *sw);

#endif
