/* The manufacturer certificate of ocf-device (--mfg-cert, --mfg-key): a chain and its private
 * key read from PEM or DER files, as the mfgcert OTM of the device config wants them (DER, leaf
 * first; digest 4.4). */
#ifndef OCF_DEVICE_APP_MFG_H
#define OCF_DEVICE_APP_MFG_H

#include <ocf/ocf_types.h>

#define MFG_CHAIN_MAX 4           /* certificates (the device config's cap) */
#define MFG_FILE_MAX (64u * 1024) /* bytes of one file */

typedef struct mfg_creds {
  uint8_t cert_der[MFG_FILE_MAX];
  uint8_t key_der[MFG_FILE_MAX];
  ocf_bytes chain[MFG_CHAIN_MAX];
  size_t n_chain;
  ocf_bytes key;
} mfg_creds;

/* Reads the chain (PEM: every CERTIFICATE block in order; DER: one or more certificates back to
 * back) and the key (PEM: the first "... PRIVATE KEY" block; DER: the whole file). Returns NULL,
 * or a message saying what is wrong (for "ocf-device: --mfg-...: <message>"). */
const char *mfg_load(const char *cert_path, const char *key_path, mfg_creds *out);
/* Wipes the key and the chain. */
void mfg_wipe(mfg_creds *m);

/* Base64 (RFC 4648, whitespace ignored) of in[0..len) into out; false when malformed or when it
 * does not fit cap. */
bool mfg_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len);

#endif
