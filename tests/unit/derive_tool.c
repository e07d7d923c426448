/* Test helper: runs the OCF derivations on hex inputs read from stdin, one per line, so that
 * derive_crosscheck.py can compare them with its own independent implementation:
 *   kb SUITE MASTER CLIENT_RANDOM SERVER_RANDOM   -> key_block
 *   owner OXM KEY_BLOCK OBT_UUID DEVICE_UUID      -> OwnerPSK
 *   pin PIN DEVICE_UUID                           -> PPSK
 * Prints the result in hex, or "error N". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dtls/derive.h"

static size_t unhex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = strlen(hex) / 2;
  if (n > cap) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    if (sscanf(hex + 2 * i, "%2x", &v) != 1) return 0;
    out[i] = (uint8_t)v;
  }
  return n;
}

static void print_hex(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
  printf("\n");
}

static void run_line(char *line) {
  char *kind = strtok(line, " \n"), *a = strtok(NULL, " \n"), *b = strtok(NULL, " \n");
  char *c = strtok(NULL, " \n"), *d = strtok(NULL, " \n");
  uint8_t x[128], y[64], z[64], out[OCF_KEY_BLOCK_MAX];
  ocf_err err = OCF_ERR_INVALID_ARG;
  size_t len = 0;
  if (kind && strcmp(kind, "kb") == 0 && d) {
    uint16_t suite = (uint16_t)strtoul(a, NULL, 16);
    if (unhex(b, x, 48) == 48 && unhex(c, y, 32) == 32 && unhex(d, z, 32) == 32)
      err = ocf_derive_key_block(x, y, z, suite, out, &len);
  } else if (kind && strcmp(kind, "owner") == 0 && d) {
    ocf_uuid obt, dev;
    size_t kbl = unhex(b, x, sizeof x);
    if (kbl && unhex(c, obt.b, 16) == 16 && unhex(d, dev.b, 16) == 16)
      err = ocf_derive_owner_psk(x, kbl, (ocf_oxm)strtol(a, NULL, 10), &obt, &dev, out);
    len = OCF_OWNER_PSK_LEN;
  } else if (kind && strcmp(kind, "pin") == 0 && b) {
    ocf_uuid dev;
    if (unhex(b, dev.b, 16) == 16) err = ocf_derive_pin_psk(a, strlen(a), &dev, out);
    len = OCF_PIN_PSK_LEN;
  }
  if (err)
    printf("error %d\n", err);
  else
    print_hex(out, len);
}

int main(void) {
  char line[1024];
  while (fgets(line, sizeof line, stdin)) run_line(line);
  return 0;
}
