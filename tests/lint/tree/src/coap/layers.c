/* Lint sample: coap may include base and itself, not msg or unknown layers. */
#include "coap/coap.h"
#include "base/buf.h"
#include "msg/msg.h"
#include "nosuch/thing.h"
#include "local.h"
#include <ocf/ocf_types.h>
#include <cbor.h>
