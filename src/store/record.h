/* The record format of the store: one sealed blob, pure functions (no I/O, no allocation).
 *
 *   offset  size  field
 *   0       4     magic "OCFR"
 *   4       1     format version (1)
 *   5       1     protection (ocf_store_protection: 1 digest, 2 HMAC, 3 AES-128-GCM)
 *   6       1     name length n (1..OCF_STORE_NAME_MAX)
 *   7       1     reserved, 0
 *   8       8     generation (big-endian, >= 1)
 *   16      4     payload length L (big-endian)
 *   20      4     key id (big-endian; 0 without a key): which storage key sealed the record
 *   24      12    nonce (AES-128-GCM; zero otherwise)
 *   36      n     blob name
 *   36+n    L     payload (ciphertext with AES-128-GCM)
 *   36+n+L  T     tag: SHA-256 or HMAC-SHA-256 of bytes [0, 36+n+L) (T = 32), or the GCM tag
 *                 with bytes [0, 36+n) as associated data (T = 16)
 *
 * The record's length must be exactly 36 + n + L + T, so a truncated or extended record is
 * refused before any tag is computed. The header is covered by the tag: the name binds a record
 * to its blob (a record copied over another blob's is refused), the protection byte prevents a
 * downgrade (a digest-only record where the store expects a MAC is refused). */
#ifndef OCF_STORE_RECORD_H
#define OCF_STORE_RECORD_H

#include <ocf/ocf_store.h>

#include "pki/crypto.h"

#define OCF_RECORD_MAGIC "OCFR"
#define OCF_RECORD_VERSION 1
#define OCF_RECORD_HEADER_LEN 36
#define OCF_RECORD_TAG_MAX 32
/* Header, longest name and longest tag: the most a record adds to its payload. */
#define OCF_RECORD_OVERHEAD_MAX (OCF_RECORD_HEADER_LEN + OCF_STORE_NAME_MAX + OCF_RECORD_TAG_MAX)
/* Payloads are at most this long (the length field is 32 bits; the store caps lower). */
#define OCF_RECORD_PAYLOAD_MAX (16u * 1024u * 1024u)

/* The keys one store seals with, derived from the host's storage key. */
typedef struct ocf_record_keys {
  ocf_store_protection protection;
  uint32_t key_id;                                /* 0 for OCF_STORE_DIGEST */
  uint8_t mac_key[OCF_SHA256_LEN];                /* OCF_STORE_MAC */
  uint8_t aead_key[OCF_AEAD_AES_128_GCM_KEY_LEN]; /* OCF_STORE_ENCRYPT */
} ocf_record_keys;

/* Derives the keys for a protection mode: HMAC-SHA-256(storage key, label) with a distinct
 * label for the MAC key, the AEAD key and the key id, so no key serves two purposes.
 * storage_key (OCF_STORE_KEY_LEN bytes) is ignored, and may be NULL, for OCF_STORE_DIGEST.
 * OCF_ERR_INVALID_ARG (unknown mode, missing key), OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err ocf_record_keys_derive(ocf_store_protection protection, const uint8_t *storage_key,
                                             ocf_record_keys *out);
void ocf_record_keys_wipe(ocf_record_keys *k);

/* Whether name[0..len) is a record name: 1..OCF_STORE_NAME_MAX bytes of [a-z0-9_-]. Blob names
 * (ocf_store_name_valid) are the ones that do not start with '_' or '-'. */
bool ocf_record_name_valid(const char *name, size_t len);
/* Whether name[0..len) is a blob name (a record name that is not the store's own). */
bool ocf_record_blob_name_valid(const char *name, size_t len);

/* strlen(name), but it stops at OCF_STORE_NAME_MAX + 1 (longer is invalid anyway). */
size_t ocf_record_name_len(const char *name);

/* Where the payload starts in a record for a name of name_len bytes. */
size_t ocf_record_payload_offset(size_t name_len);
/* Bytes a record of payload_len bytes takes; 0 when payload_len exceeds OCF_RECORD_PAYLOAD_MAX
 * or the mode is unknown. */
size_t ocf_record_size(ocf_store_protection protection, size_t name_len, size_t payload_len);

/* Seals a record in rec[0..cap) whose payload the caller has already placed at
 * rec + ocf_record_payload_offset(strlen(name)) (payload_len bytes): writes the header and the
 * name in front of it, encrypts it in place (OCF_STORE_ENCRYPT) and appends the tag; sets
 * *rec_len. nonce (OCF_AEAD_NONCE_LEN fresh random bytes) is needed for OCF_STORE_ENCRYPT only.
 * OCF_ERR_INVALID_ARG (bad name, gen 0, payload too long, missing nonce), OCF_ERR_NO_SPACE
 * (cap), OCF_ERR_CRYPTO. */
OCF_NODISCARD ocf_err ocf_record_seal(const ocf_record_keys *k, const char *name, uint64_t gen,
                                      const uint8_t *nonce, uint8_t *rec, size_t cap, size_t payload_len,
                                      size_t *rec_len);

/* What a checked record holds; payload points into the record. */
typedef struct ocf_record_view {
  uint64_t gen;
  uint8_t *payload;
  size_t len;
} ocf_record_view;

/* Checks rec[0..len) as the record of blob `name` and decrypts its payload in place.
 * OCF_ERR_MALFORMED (wrong length, magic, version, protection mode, reserved bits, name,
 * generation 0, or a tag mismatch: truncation, alteration, a torn write); OCF_ERR_CRYPTO (the key
 * id differs: sealed with another storage key); OCF_ERR_INVALID_ARG. On failure the view is not
 * set and rec never holds unauthenticated plaintext (a failed decryption is zeroed). */
OCF_NODISCARD ocf_err ocf_record_open(const ocf_record_keys *k, const char *name, uint8_t *rec, size_t len,
                                      ocf_record_view *out);

#endif
