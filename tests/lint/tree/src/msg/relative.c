/* Lint sample: no ../ includes; no socket headers outside src/platform. */
#include "../coap/coap.h"
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
