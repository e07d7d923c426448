/* Lint sample: the backend may include mbedTLS. */
#include <mbedtls/ssl.h>
#include <psa/crypto.h>
#include "dtls/dtls.h"
