/* Lint sample: base depends on nothing. */
#include "base/buf.h"
#include "coap/coap.h"
/* #include "msg/msg.h" in a comment is ignored */
