/* libFuzzer target for the store's record format and journal (src/store/record.c, journal.c).
 * The first input byte selects:
 *   bits 0-1  protection: 0 digest, 1 HMAC, 2 AES-128-GCM, 3 digest
 *   bit 2     decode the rest as a journal payload instead of a record
 *   bit 3     expect the record of "_journal" instead of "doxm"
 * Properties: a record that opens re-seals (same key, generation and nonce) to the very same
 * bytes, so there is one accepted encoding per content; a journal that decodes re-encodes to
 * the same bytes; a journal record's payload is decoded too. Nothing may crash or leak. */
#include <stdlib.h>
#include <string.h>

#include "store/journal.h"
#include "store/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 8192

static uint8_t rec[MAX_INPUT], resealed[MAX_INPUT];

/* The fixed storage key of the seeds in corpus/fuzz_store_record. */
static const uint8_t k_key[OCF_STORE_KEY_LEN] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20};

static void must(bool ok) {
  if (!ok) abort();
}

static void journal_round_trip(const uint8_t *p, size_t len) {
  ocf_journal_entry e[OCF_STORE_BATCH_MAX];
  size_t n = 0;
  if (ocf_journal_decode(p, len, e, &n) != OCF_OK) return;
  must(n >= 1 && n <= OCF_STORE_BATCH_MAX);
  ocf_store_change changes[OCF_STORE_BATCH_MAX];
  uint64_t gens[OCF_STORE_BATCH_MAX];
  for (size_t i = 0; i < n; i++) {
    changes[i] =
        (ocf_store_change){.name = e[i].name, .data = e[i].data, .len = e[i].len, .remove = e[i].remove};
    gens[i] = e[i].gen;
  }
  size_t out_len = 0;
  must(ocf_journal_size(changes, n) == len);
  must(ocf_journal_encode(changes, gens, n, resealed, sizeof resealed, &out_len) == OCF_OK);
  must(out_len == len && memcmp(resealed, p, len) == 0);
}

static void record_round_trip(const ocf_record_keys *k, const char *name, const uint8_t *input, size_t len) {
  memcpy(rec, input, len);
  ocf_record_view v;
  ocf_err err = ocf_record_open(k, name, rec, len, &v);
  if (err != OCF_OK) {
    must(err == OCF_ERR_MALFORMED || err == OCF_ERR_CRYPTO);
    return;
  }
  size_t offset = ocf_record_payload_offset(strlen(name));
  must(v.payload == rec + offset && offset + v.len <= len && v.gen != 0);
  memcpy(resealed + offset, v.payload, v.len);
  size_t out_len = 0;
  must(ocf_record_seal(k, name, v.gen, input + 24, resealed, sizeof resealed, v.len, &out_len) == OCF_OK);
  must(out_len == len && memcmp(resealed, input, len) == 0);
  if (strcmp(name, OCF_JOURNAL_NAME) == 0) journal_round_trip(v.payload, v.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size - 1 > MAX_INPUT) return 0;
  uint8_t sel = data[0];
  if (sel & 4) {
    journal_round_trip(data + 1, size - 1);
    return 0;
  }
  static const ocf_store_protection modes[] = {OCF_STORE_DIGEST, OCF_STORE_MAC, OCF_STORE_ENCRYPT,
                                               OCF_STORE_DIGEST};
  ocf_record_keys k;
  must(ocf_record_keys_derive(modes[sel & 3], k_key, &k) == OCF_OK);
  record_round_trip(&k, (sel & 8) ? OCF_JOURNAL_NAME : "doxm", data + 1, size - 1);
  return 0;
}
