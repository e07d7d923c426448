/* Bounded byte readers and writers with sticky errors.
 *
 * A reader walks a caller-owned (ptr, len) slice; a writer fills a caller-owned buffer of
 * fixed capacity. The first failure is remembered in `err` and every later call is a no-op,
 * so a parser or builder checks once at the end instead of after every field. Nothing here
 * allocates. */
#ifndef OCF_BASE_BUF_H
#define OCF_BASE_BUF_H

#include <ocf/ocf_types.h>

typedef struct ocf_reader {
  const uint8_t *ptr;
  size_t len;
  size_t pos;
  ocf_err err; /* OCF_OK, or the first error (OCF_ERR_TRUNCATED when reading past the end) */
} ocf_reader;

typedef struct ocf_writer {
  uint8_t *ptr;
  size_t cap;
  size_t len;
  ocf_err err; /* OCF_OK, or the first error (OCF_ERR_NO_SPACE when the buffer is full) */
} ocf_writer;

void ocf_reader_init(ocf_reader *r, const uint8_t *ptr, size_t len);
size_t ocf_reader_remaining(const ocf_reader *r);
uint8_t ocf_reader_u8(ocf_reader *r);
uint16_t ocf_reader_be16(ocf_reader *r);
uint32_t ocf_reader_be32(ocf_reader *r);
/* Returns a pointer to the next n bytes and advances, or NULL (and sets err) if fewer remain. */
const uint8_t *ocf_reader_take(ocf_reader *r, size_t n);
/* Marks the reader failed with err unless it already failed. */
void ocf_reader_fail(ocf_reader *r, ocf_err err);

void ocf_writer_init(ocf_writer *w, uint8_t *ptr, size_t cap);
void ocf_writer_u8(ocf_writer *w, uint8_t v);
void ocf_writer_be16(ocf_writer *w, uint16_t v);
void ocf_writer_be32(ocf_writer *w, uint32_t v);
void ocf_writer_bytes(ocf_writer *w, const void *src, size_t n);
/* Big-endian unsigned integer in the fewest bytes (0 bytes for 0), as CoAP uint options. */
void ocf_writer_uint_min(ocf_writer *w, uint32_t v);
void ocf_writer_fail(ocf_writer *w, ocf_err err);

/* Number of bytes ocf_writer_uint_min writes for v. */
size_t ocf_uint_min_len(uint32_t v);

#endif
