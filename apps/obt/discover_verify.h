/* obt discover --verify: proves that the devices the store calls ours are ours, over the owner
 * session (DTLS PSK with the stored owner credential, digest §8.1), by reading their doxm:
 * deviceuuid must be the store's uuid, owned true and devowneruuid the tool's uuid. */
#ifndef OBT_DISCOVER_VERIFY_H
#define OBT_DISCOVER_VERIFY_H

#include <ocf/ocf_obt.h>

#include "cli.h"

typedef struct obt_verify_result {
  bool verified;                   /* the doxm read over the owner session says: ours */
  bool has_doxm;                   /* doxm was read (over the owner session) */
  ocf_obt_doxm doxm;               /* when has_doxm */
  char why[OCF_OBT_DIAG_MAX + 64]; /* !verified: what failed */
} obt_verify_result;

typedef struct obt_verify_opts {
  obt_net_opts net;
  const char *store, *key_file, *pass_env;
  uint32_t timeout_s; /* per request; 0 = 10 */
} obt_verify_opts;

/* Verifies the n devices (owned in the store); out[n]. Returns -1 when done (each result
 * says), or an exit code (the store could not be opened or unlocked, system error: printed). */
int obt_discover_verify(const obt_verify_opts *o, const ocf_uuid *uuids, size_t n, obt_verify_result *out);

#endif
