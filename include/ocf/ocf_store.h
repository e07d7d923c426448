/* Persistent storage of named blobs: the SVRs of a device ("doxm", "pstat", "cred", "acl2",
 * "sp", "sdi", ...), its identity and keys, later the OBT's own state.
 *
 * Two levels (docs/decisions/0010-store.md):
 *
 *   ocf_store         what the device and the OBT use: load, save, remove, and save_many to
 *                     change several blobs at once so that a crash leaves all of the changes
 *                     or none. It seals every blob in a record (versioned header, generation,
 *                     blob name, payload, tag): encrypted and authenticated with a key derived
 *                     from the host's storage key (AES-128-GCM), or authenticated only
 *                     (HMAC-SHA-256), or, without a key, checked against torn writes only
 *                     (SHA-256). A record that fails its check is reported, never replaced.
 *   ocf_store_medium  what a host implements: read, atomically replace and remove a small named
 *                     object. <ocf/ocf_posix.h> has one over files (write a temp file, fsync,
 *                     rename, fsync the directory); an RTOS port would use a flash partition.
 *
 * A store is not thread-safe; one store per device, used from the thread that drives it. */
#ifndef OCF_STORE_H
#define OCF_STORE_H

#include "ocf_platform.h"
#include "ocf_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Blob names: 1..OCF_STORE_NAME_MAX bytes of [a-z0-9_-], starting with a letter or digit (names
 * starting with '_' are the store's own, and every valid name is a safe file name). */
#define OCF_STORE_NAME_MAX 32
/* Changes in one ocf_store_save_many. */
#define OCF_STORE_BATCH_MAX 16
/* The host's storage key: 32 random bytes; the store derives its MAC and AEAD keys from it. */
#define OCF_STORE_KEY_LEN 32

/* Whether name is a valid blob name (NUL-terminated). */
OCF_API bool ocf_store_name_valid(const char *name);

/* ---- medium: what the host implements ----------------------------------------------------- */

/* Objects are named by blob names and by the store's own names ([_a-z0-9-], 1..32 bytes). A
 * medium never interprets the bytes. Every operation returns OCF_ERR_IO when the host failed;
 * the store then reports OCF_ERR_IO to its caller. */
typedef struct ocf_store_medium_ops {
  /* Copies the whole object into buf[0..cap) and sets *len. OCF_ERR_NOT_FOUND when absent,
   * OCF_ERR_TOO_LARGE when it is longer than cap (nothing is copied), OCF_ERR_IO. */
  ocf_err (*read)(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len);
  /* Replaces (or creates) the object with data[0..len), atomically and durably: once it
   * returns OCF_OK the new content survives a crash or power loss; if the host dies during the
   * call, the object afterwards holds either the old content or the new one, never a mix. */
  ocf_err (*write)(void *ctx, const char *name, const uint8_t *data, size_t len);
  /* Removes the object durably; OCF_OK when it did not exist. */
  ocf_err (*remove)(void *ctx, const char *name);
  /* Called by ocf_store_close; may be NULL (the host then releases the medium itself). */
  void (*close)(void *ctx);
} ocf_store_medium_ops;

typedef struct ocf_store_medium {
  const ocf_store_medium_ops *ops;
  void *ctx;
} ocf_store_medium;

/* ---- store --------------------------------------------------------------------------------- */

typedef enum ocf_store_protection {
  /* SHA-256 of each record, no key: detects torn writes and media errors, NOT tampering (anyone
   * who can write the medium can recompute it). For tests and hosts whose medium is trusted. */
  OCF_STORE_DIGEST = 1,
  /* HMAC-SHA-256 with the storage key: detects tampering, swapped and foreign records; the
   * payload is readable by whoever reads the medium. */
  OCF_STORE_MAC = 2,
  /* AES-128-GCM with the storage key, a fresh random nonce per record, the header as associated
   * data: encrypted at rest and authenticated. The default. */
  OCF_STORE_ENCRYPT = 3,
} ocf_store_protection;

typedef struct ocf_store_config {
  ocf_store_protection protection; /* default OCF_STORE_ENCRYPT */
  bool has_key;                    /* required by OCF_STORE_MAC and OCF_STORE_ENCRYPT */
  uint8_t key[OCF_STORE_KEY_LEN];  /* copied at open; the caller should wipe its copy */
  /* Largest record the store reads or writes. A blob may be up to max_record - 100 bytes
   * (header 36, name, tag 16 or 32); the changes of one save_many up to max_record - 78 - 46
   * per change together (the journal record). Two buffers of this size are allocated at open;
   * only the pages records are written to become resident.
   * Default 65536, at least 1024, at most 16 MiB. */
  size_t max_record;
} ocf_store_config;

/* Fills *cfg with the defaults: OCF_STORE_ENCRYPT, no key (so open fails until the host sets
 * one or chooses OCF_STORE_DIGEST), max_record 65536. */
OCF_API void ocf_store_config_init(ocf_store_config *cfg);

typedef struct ocf_store ocf_store;

/* Opens a store over *medium (copied; its ctx must stay valid until ocf_store_close, which
 * calls medium->ops->close). pf needs random (AEAD nonces), alloc and free; it is copied and
 * its ctx must outlive the store. Open first completes a save_many that a crash interrupted
 * after its commit point, so every load afterwards sees all of that change or none of it.
 * On failure the medium is not closed.
 * OCF_ERR_INVALID_ARG (NULL, missing operation, bad protection or size, no key where one is
 * needed); OCF_ERR_NO_MEMORY; OCF_ERR_IO (the medium failed); OCF_ERR_MALFORMED (an
 * interrupted save_many's journal fails its check: the state on the medium cannot be trusted
 * and needs an operator, e.g. a factory reset); OCF_ERR_CRYPTO (that journal was sealed with
 * another storage key); OCF_ERR_TOO_LARGE (that journal exceeds max_record). */
OCF_API OCF_NODISCARD ocf_err ocf_store_open(const ocf_store_medium *medium, const ocf_store_config *cfg,
                                             const ocf_platform *pf, ocf_store **out);

/* Closes the medium (ops->close), wipes the keys and buffers, frees the store. NULL is fine. */
OCF_API void ocf_store_close(ocf_store *s);

/* Copies the payload of blob `name` into buf[0..cap) after checking its record, and sets *len.
 * OCF_ERR_NOT_FOUND (no such blob); OCF_ERR_MALFORMED (the record fails its integrity check:
 * truncated, altered, torn, another blob's record, another protection mode); OCF_ERR_CRYPTO
 * (sealed with another storage key: the key id in the header differs); OCF_ERR_NO_SPACE (cap is
 * too small: *len is set to the payload length, buf is untouched); OCF_ERR_TOO_LARGE (the
 * stored object is longer than max_record); OCF_ERR_INVALID_ARG (bad name, NULL); OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_store_load(ocf_store *s, const char *name, uint8_t *buf, size_t cap,
                                             size_t *len);

/* The generation of blob `name`: 1 for the first save, one more for each later save (a blob
 * removed and saved again starts over at 1). Same errors as ocf_store_load except NO_SPACE. */
OCF_API OCF_NODISCARD ocf_err ocf_store_generation(ocf_store *s, const char *name, uint64_t *gen);

/* Replaces blob `name` with data[0..len) (len 0 is a valid, empty blob), atomically: a crash
 * leaves the old blob or the new one. The current record is checked first; a record that fails
 * its check is not overwritten (OCF_ERR_MALFORMED / OCF_ERR_CRYPTO: the caller decides, and
 * removes it first to replace it on purpose).
 * OCF_ERR_INVALID_ARG; OCF_ERR_TOO_LARGE (the new record would exceed max_record, or the stored
 * object does); the errors of
 * pf->random; OCF_ERR_IO; OCF_ERR_STATE (the store failed earlier and must be reopened). */
OCF_API OCF_NODISCARD ocf_err ocf_store_save(ocf_store *s, const char *name, const uint8_t *data, size_t len);

/* Removes blob `name`, whatever its record holds (the way to clear a damaged one); OCF_OK when
 * absent. OCF_ERR_INVALID_ARG, OCF_ERR_IO, OCF_ERR_STATE. */
OCF_API OCF_NODISCARD ocf_err ocf_store_remove(ocf_store *s, const char *name);

/* One change of a save_many: write data[0..len) to `name`, or remove `name`. */
typedef struct ocf_store_change {
  const char *name;
  const uint8_t *data; /* NULL is fine when len is 0 */
  size_t len;
  bool remove; /* remove the blob instead (data, len ignored) */
} ocf_store_change;

/* Applies 1..OCF_STORE_BATCH_MAX changes to distinct blobs as one atomic step: after a crash at
 * any moment, the next ocf_store_open shows either every change or none (onboarding changes
 * pstat, doxm and cred together). The changes are first sealed together in a journal record
 * (the commit point), then applied blob by blob, then the journal is removed.
 * Errors as ocf_store_save (a blob to be written whose current record fails its check stops
 * the whole batch before anything is written); OCF_ERR_INVALID_ARG also for duplicate names;
 * OCF_ERR_TOO_LARGE when the journal would exceed max_record. A failure while applying (after
 * the commit point) is retried at once from the journal, as open does; only when that fails too
 * does save_many return an error after the commit point (OCF_ERR_IO, or OCF_ERR_CRYPTO when
 * sealing failed): the change is durable and will be completed by the next open; the store
 * answers OCF_ERR_STATE until then. */
OCF_API OCF_NODISCARD ocf_err ocf_store_save_many(ocf_store *s, const ocf_store_change *changes, size_t n);

#ifdef __cplusplus
}
#endif
#endif
