/* Sealing and checking store records (format in record.h). Pure: the nonce comes from the
 * caller, the crypto from pki/crypto.h. */
#include <string.h>

#include "base/buf.h"
#include "store/record.h"

/* Field offsets (record.h) that are read directly. */
#define OFF_GEN 8
#define OFF_NONCE 24

/* Labels of the key derivation; changing one changes every key. */
static const char k_label_mac[] = "ocf-store v1 hmac-sha256";
static const char k_label_aead[] = "ocf-store v1 aes-128-gcm";
static const char k_label_key_id[] = "ocf-store v1 key id";

static ocf_err derive(const uint8_t *storage_key, const char *label, uint8_t out[OCF_SHA256_LEN]) {
  return ocf_crypto_hmac_sha256(storage_key, OCF_STORE_KEY_LEN, (const uint8_t *)label, strlen(label), out);
}

ocf_err ocf_record_keys_derive(ocf_store_protection protection, const uint8_t *storage_key,
                               ocf_record_keys *out) {
  if (!out) return OCF_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  if (protection == OCF_STORE_DIGEST) {
    out->protection = protection;
    return OCF_OK;
  }
  if ((protection != OCF_STORE_MAC && protection != OCF_STORE_ENCRYPT) || !storage_key)
    return OCF_ERR_INVALID_ARG;
  uint8_t buf[OCF_SHA256_LEN];
  ocf_err err = derive(storage_key, k_label_key_id, buf);
  out->key_id = (uint32_t)buf[0] << 24 | (uint32_t)buf[1] << 16 | (uint32_t)buf[2] << 8 | buf[3];
  if (err == OCF_OK && protection == OCF_STORE_MAC) err = derive(storage_key, k_label_mac, out->mac_key);
  if (err == OCF_OK && protection == OCF_STORE_ENCRYPT) {
    err = derive(storage_key, k_label_aead, buf);
    memcpy(out->aead_key, buf, sizeof out->aead_key);
  }
  ocf_crypto_wipe(buf, sizeof buf);
  if (err != OCF_OK) {
    ocf_record_keys_wipe(out);
    return err;
  }
  out->protection = protection;
  return OCF_OK;
}

void ocf_record_keys_wipe(ocf_record_keys *k) { ocf_crypto_wipe(k, k ? sizeof *k : 0); }

bool ocf_record_name_valid(const char *name, size_t len) {
  if (!name || len == 0 || len > OCF_STORE_NAME_MAX) return false;
  for (size_t i = 0; i < len; i++) {
    char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  }
  return true;
}

bool ocf_record_blob_name_valid(const char *name, size_t len) {
  return ocf_record_name_valid(name, len) && name[0] != '_' && name[0] != '-';
}

size_t ocf_record_name_len(const char *name) {
  size_t len = 0;
  while (len <= OCF_STORE_NAME_MAX && name[len]) len++;
  return len;
}

static size_t tag_len(ocf_store_protection protection) {
  switch (protection) {
  case OCF_STORE_DIGEST:
  case OCF_STORE_MAC: return OCF_SHA256_LEN;
  case OCF_STORE_ENCRYPT: return OCF_AEAD_TAG_LEN;
  }
  return 0;
}

size_t ocf_record_payload_offset(size_t name_len) { return OCF_RECORD_HEADER_LEN + name_len; }

size_t ocf_record_size(ocf_store_protection protection, size_t name_len, size_t payload_len) {
  size_t t = tag_len(protection);
  if (t == 0 || payload_len > OCF_RECORD_PAYLOAD_MAX || name_len > OCF_STORE_NAME_MAX) return 0;
  return OCF_RECORD_HEADER_LEN + name_len + payload_len + t;
}

/* Digest or MAC of rec[0..len) (the modes whose tag covers header, name and payload alike). */
static ocf_err hash_tag(const ocf_record_keys *k, const uint8_t *rec, size_t len,
                        uint8_t out[OCF_SHA256_LEN]) {
  if (k->protection == OCF_STORE_MAC)
    return ocf_crypto_hmac_sha256(k->mac_key, sizeof k->mac_key, rec, len, out);
  return ocf_crypto_sha256(rec, len, out);
}

static ocf_aead_params aead_params(const ocf_record_keys *k, const uint8_t *rec, size_t aad_len) {
  ocf_aead_params p = {.alg = OCF_AEAD_AES_128_GCM,
                       .key = k->aead_key,
                       .nonce = rec + OFF_NONCE,
                       .aad = rec,
                       .aad_len = aad_len};
  return p;
}

static void write_header(const ocf_record_keys *k, const char *name, size_t name_len, uint64_t gen,
                         const uint8_t *nonce, size_t payload_len, uint8_t *rec) {
  ocf_writer w;
  ocf_writer_init(&w, rec, OCF_RECORD_HEADER_LEN + name_len);
  ocf_writer_bytes(&w, OCF_RECORD_MAGIC, 4);
  ocf_writer_u8(&w, OCF_RECORD_VERSION);
  ocf_writer_u8(&w, (uint8_t)k->protection);
  ocf_writer_u8(&w, (uint8_t)name_len);
  ocf_writer_u8(&w, 0);
  ocf_writer_be32(&w, (uint32_t)(gen >> 32));
  ocf_writer_be32(&w, (uint32_t)gen);
  ocf_writer_be32(&w, (uint32_t)payload_len);
  ocf_writer_be32(&w, k->key_id);
  static const uint8_t zero_nonce[OCF_AEAD_NONCE_LEN] = {0};
  ocf_writer_bytes(&w, nonce ? nonce : zero_nonce, OCF_AEAD_NONCE_LEN);
  ocf_writer_bytes(&w, name, name_len);
}

ocf_err ocf_record_seal(const ocf_record_keys *k, const char *name, uint64_t gen, const uint8_t *nonce,
                        uint8_t *rec, size_t cap, size_t payload_len, size_t *rec_len) {
  if (!k || !name || !rec || !rec_len || gen == 0) return OCF_ERR_INVALID_ARG;
  size_t name_len = ocf_record_name_len(name);
  if (!ocf_record_name_valid(name, name_len)) return OCF_ERR_INVALID_ARG;
  size_t total = ocf_record_size(k->protection, name_len, payload_len);
  if (total == 0 || (k->protection == OCF_STORE_ENCRYPT && !nonce)) return OCF_ERR_INVALID_ARG;
  if (total > cap) return OCF_ERR_NO_SPACE;
  write_header(k, name, name_len, gen, k->protection == OCF_STORE_ENCRYPT ? nonce : NULL, payload_len, rec);
  size_t body = ocf_record_payload_offset(name_len) + payload_len;
  ocf_err err;
  if (k->protection == OCF_STORE_ENCRYPT) {
    ocf_aead_params p = aead_params(k, rec, ocf_record_payload_offset(name_len));
    err = ocf_crypto_aead_seal(&p, rec + ocf_record_payload_offset(name_len), payload_len, rec + body);
  } else {
    err = hash_tag(k, rec, body, rec + body);
  }
  if (err != OCF_OK) return err;
  *rec_len = total;
  return OCF_OK;
}

static bool all_zero(const uint8_t *p, size_t len) {
  uint8_t acc = 0;
  for (size_t i = 0; i < len; i++) acc |= p[i];
  return acc == 0;
}

/* Every check but the tag: magic, version, mode, lengths, name, generation, key id. Sets
 * *payload_len. */
static ocf_err check_header(const ocf_record_keys *k, const char *name, const uint8_t *rec, size_t len,
                            size_t *payload_len) {
  ocf_reader r;
  ocf_reader_init(&r, rec, len);
  const uint8_t *magic = ocf_reader_take(&r, 4);
  uint8_t version = ocf_reader_u8(&r), protection = ocf_reader_u8(&r);
  uint8_t name_len = ocf_reader_u8(&r), reserved = ocf_reader_u8(&r);
  uint32_t gen_hi = ocf_reader_be32(&r), gen_lo = ocf_reader_be32(&r);
  uint32_t plen = ocf_reader_be32(&r), key_id = ocf_reader_be32(&r);
  const uint8_t *nonce = ocf_reader_take(&r, OCF_AEAD_NONCE_LEN);
  const uint8_t *stored_name = ocf_reader_take(&r, name_len);
  if (r.err != OCF_OK || memcmp(magic, OCF_RECORD_MAGIC, 4) != 0 || version != OCF_RECORD_VERSION ||
      protection != (uint8_t)k->protection || reserved != 0 || (gen_hi == 0 && gen_lo == 0))
    return OCF_ERR_MALFORMED;
  size_t expected_len = ocf_record_size(k->protection, name_len, plen);
  if (name_len == 0 || expected_len != len) return OCF_ERR_MALFORMED;
  if (k->protection != OCF_STORE_ENCRYPT && !all_zero(nonce, OCF_AEAD_NONCE_LEN)) return OCF_ERR_MALFORMED;
  if (name_len != ocf_record_name_len(name) || memcmp(stored_name, name, name_len) != 0)
    return OCF_ERR_MALFORMED;
  /* Checked last among the header fields so that damage elsewhere reads as MALFORMED. Without
   * a key there is no other key to blame: a key id there is damage. */
  if (key_id != k->key_id) return k->protection == OCF_STORE_DIGEST ? OCF_ERR_MALFORMED : OCF_ERR_CRYPTO;
  *payload_len = plen;
  return OCF_OK;
}

static uint64_t read_gen(const uint8_t *rec) {
  uint64_t gen = 0;
  for (size_t i = 0; i < 8; i++) gen = gen << 8 | rec[OFF_GEN + i];
  return gen;
}

ocf_err ocf_record_open(const ocf_record_keys *k, const char *name, uint8_t *rec, size_t len,
                        ocf_record_view *out) {
  if (!k || !name || (!rec && len > 0) || !out || tag_len(k->protection) == 0 ||
      !ocf_record_name_valid(name, ocf_record_name_len(name)))
    return OCF_ERR_INVALID_ARG;
  size_t payload_len = 0;
  ocf_err err = check_header(k, name, rec, len, &payload_len);
  if (err != OCF_OK) return err;
  size_t offset = ocf_record_payload_offset(ocf_record_name_len(name));
  size_t body = offset + payload_len;
  if (k->protection == OCF_STORE_ENCRYPT) {
    ocf_aead_params p = aead_params(k, rec, offset);
    if (ocf_crypto_aead_open(&p, rec + offset, payload_len, rec + body) != OCF_OK) return OCF_ERR_MALFORMED;
  } else {
    uint8_t tag[OCF_SHA256_LEN];
    err = hash_tag(k, rec, body, tag);
    if (err != OCF_OK) return err;
    if (!ocf_crypto_equal(tag, rec + body, OCF_SHA256_LEN)) return OCF_ERR_MALFORMED;
  }
  out->gen = read_gen(rec);
  out->payload = rec + offset;
  out->len = payload_len;
  return OCF_OK;
}
