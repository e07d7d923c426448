/* The payload of the store's journal record "_journal": the changes of one save_many, written
 * (sealed like any record) before any blob is touched and removed once every change is applied.
 * Pure encode and decode; the store does the I/O (store.c, docs/decisions/0010-store.md).
 *
 *   u8 version (1) | u8 count (1..OCF_STORE_BATCH_MAX) | count entries:
 *   u8 kind (1 write, 2 remove) | u8 name length n | name (a blob name)
 *   | write only: u64 generation (>= 1) | u32 length L | L bytes of data
 *
 * All integers big-endian. The decoder accepts exactly this: valid distinct names, no trailing
 * bytes. The journal is only decoded after its record passed the tag check, so a decoding error
 * means a bug or a broken key, and is reported as OCF_ERR_MALFORMED all the same. */
#ifndef OCF_STORE_JOURNAL_H
#define OCF_STORE_JOURNAL_H

#include <ocf/ocf_store.h>

#define OCF_JOURNAL_NAME "_journal"
#define OCF_JOURNAL_VERSION 1
#define OCF_JOURNAL_HEADER_LEN 2
/* Bytes an entry adds besides its data (kind, name length, name, generation, length). */
#define OCF_JOURNAL_ENTRY_OVERHEAD_MAX (2 + OCF_STORE_NAME_MAX + 8 + 4)

typedef struct ocf_journal_entry {
  char name[OCF_STORE_NAME_MAX + 1];
  bool remove;
  uint64_t gen;        /* write: the generation the blob gets */
  const uint8_t *data; /* write: points into the decoded buffer */
  size_t len;
} ocf_journal_entry;

/* Whether changes[0..n) is a valid batch: 1..OCF_STORE_BATCH_MAX changes, valid distinct blob
 * names, data present when len > 0. */
bool ocf_journal_batch_valid(const ocf_store_change *changes, size_t n);

/* Bytes ocf_journal_encode writes for a valid batch; SIZE_MAX when it would overflow. */
size_t ocf_journal_size(const ocf_store_change *changes, size_t n);

/* Encodes a valid batch into out[0..cap); gens[i] is the generation change i gets (ignored for
 * removals). OCF_ERR_INVALID_ARG (invalid batch, a write with gen 0), OCF_ERR_NO_SPACE. */
OCF_NODISCARD ocf_err ocf_journal_encode(const ocf_store_change *changes, const uint64_t *gens, size_t n,
                                         uint8_t *out, size_t cap, size_t *len);

/* Decodes p[0..len) into out[0..OCF_STORE_BATCH_MAX) and sets *n. OCF_ERR_MALFORMED,
 * OCF_ERR_INVALID_ARG (NULL). */
OCF_NODISCARD ocf_err ocf_journal_decode(const uint8_t *p, size_t len,
                                         ocf_journal_entry out[OCF_STORE_BATCH_MAX], size_t *n);

#endif
