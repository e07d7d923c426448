/* Encoding and decoding of the journal payload (format in journal.h). */
#include <string.h>

#include "base/buf.h"
#include "store/journal.h"
#include "store/record.h"

#define KIND_WRITE 1
#define KIND_REMOVE 2

static bool names_distinct(const ocf_store_change *changes, size_t n) {
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < i; j++)
      if (strcmp(changes[i].name, changes[j].name) == 0) return false;
  return true;
}

bool ocf_journal_batch_valid(const ocf_store_change *changes, size_t n) {
  if (!changes || n == 0 || n > OCF_STORE_BATCH_MAX) return false;
  for (size_t i = 0; i < n; i++) {
    const ocf_store_change *c = &changes[i];
    if (!ocf_store_name_valid(c->name)) return false;
    if (!c->remove && !c->data && c->len > 0) return false;
  }
  return names_distinct(changes, n);
}

size_t ocf_journal_size(const ocf_store_change *changes, size_t n) {
  size_t total = OCF_JOURNAL_HEADER_LEN;
  for (size_t i = 0; i < n; i++) {
    size_t entry = 2 + ocf_record_name_len(changes[i].name);
    if (!changes[i].remove) {
      if (changes[i].len > SIZE_MAX - entry - 12) return SIZE_MAX;
      entry += 12 + changes[i].len;
    }
    if (entry > SIZE_MAX - total) return SIZE_MAX;
    total += entry;
  }
  return total;
}

ocf_err ocf_journal_encode(const ocf_store_change *changes, const uint64_t *gens, size_t n, uint8_t *out,
                           size_t cap, size_t *len) {
  if (!ocf_journal_batch_valid(changes, n) || !gens || !out || !len) return OCF_ERR_INVALID_ARG;
  ocf_writer w;
  ocf_writer_init(&w, out, cap);
  ocf_writer_u8(&w, OCF_JOURNAL_VERSION);
  ocf_writer_u8(&w, (uint8_t)n);
  for (size_t i = 0; i < n; i++) {
    const ocf_store_change *c = &changes[i];
    size_t name_len = ocf_record_name_len(c->name);
    if (!c->remove && (gens[i] == 0 || c->len > OCF_RECORD_PAYLOAD_MAX)) return OCF_ERR_INVALID_ARG;
    ocf_writer_u8(&w, c->remove ? KIND_REMOVE : KIND_WRITE);
    ocf_writer_u8(&w, (uint8_t)name_len);
    ocf_writer_bytes(&w, c->name, name_len);
    if (c->remove) continue;
    ocf_writer_be32(&w, (uint32_t)(gens[i] >> 32));
    ocf_writer_be32(&w, (uint32_t)gens[i]);
    ocf_writer_be32(&w, (uint32_t)c->len);
    ocf_writer_bytes(&w, c->data, c->len);
  }
  if (w.err != OCF_OK) return w.err;
  *len = w.len;
  return OCF_OK;
}

/* One entry; the reader's error is set on any violation. */
static void decode_entry(ocf_reader *r, ocf_journal_entry *e) {
  uint8_t kind = ocf_reader_u8(r);
  uint8_t name_len = ocf_reader_u8(r);
  const uint8_t *name = ocf_reader_take(r, name_len);
  if (r->err != OCF_OK) return;
  if (kind != KIND_WRITE && kind != KIND_REMOVE) {
    ocf_reader_fail(r, OCF_ERR_MALFORMED);
    return;
  }
  if (!ocf_record_blob_name_valid((const char *)name, name_len)) {
    ocf_reader_fail(r, OCF_ERR_MALFORMED);
    return;
  }
  memcpy(e->name, name, name_len);
  e->name[name_len] = '\0';
  e->remove = kind == KIND_REMOVE;
  if (e->remove) return;
  uint32_t hi = ocf_reader_be32(r), lo = ocf_reader_be32(r);
  e->gen = (uint64_t)hi << 32 | lo;
  e->len = ocf_reader_be32(r);
  e->data = ocf_reader_take(r, e->len);
  if (r->err == OCF_OK && e->gen == 0) ocf_reader_fail(r, OCF_ERR_MALFORMED);
}

ocf_err ocf_journal_decode(const uint8_t *p, size_t len, ocf_journal_entry out[OCF_STORE_BATCH_MAX],
                           size_t *n) {
  if ((!p && len > 0) || !out || !n) return OCF_ERR_INVALID_ARG;
  ocf_reader r;
  ocf_reader_init(&r, p, len);
  uint8_t version = ocf_reader_u8(&r), count = ocf_reader_u8(&r);
  if (r.err != OCF_OK || version != OCF_JOURNAL_VERSION || count == 0 || count > OCF_STORE_BATCH_MAX)
    return OCF_ERR_MALFORMED;
  memset(out, 0, sizeof(ocf_journal_entry) * OCF_STORE_BATCH_MAX);
  for (size_t i = 0; i < count && r.err == OCF_OK; i++) {
    decode_entry(&r, &out[i]);
    for (size_t j = 0; j < i && r.err == OCF_OK; j++)
      if (strcmp(out[i].name, out[j].name) == 0) ocf_reader_fail(&r, OCF_ERR_MALFORMED);
  }
  if (r.err != OCF_OK || ocf_reader_remaining(&r) != 0) return OCF_ERR_MALFORMED;
  *n = count;
  return OCF_OK;
}
