/* Lint sample: tinycbor belongs to rep. */
#include <cbor.h>
#include "rep/rep.h"
#include "base/buf.h"
