/* Lint sample: mbedTLS only in the backend subfolder. */
#include <mbedtls/ssl.h>
#include "coap/coap.h"
#include "dtls/mbedtls/backend.h"
