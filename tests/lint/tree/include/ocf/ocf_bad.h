/* Lint sample: public headers include public headers and libc only. */
#ifndef OCF_BAD_H
#define OCF_BAD_H
#include "ocf_types.h"
#include "base/buf.h"
#include <unistd.h>
#include <mbedtls/ssl.h>
#include <ocf/ocf_platform.h>
#include <stdint.h>
extern int ocf_bad_global;
int ocf_bad_counter;
#endif
