/* The domain key and the secrets it protects (ADR 0015).
 *
 * domain key   a key file's 32 bytes, or PBKDF2-HMAC-SHA-256(passphrase, salt, iterations, 32)
 *              (RFC 8018 5.2); salt: 16 random bytes per domain, stored with the iterations.
 * key check    HMAC-SHA-256(domain key, "ocf obt store v1 key check" 0x00 salt), stored: a wrong
 *              passphrase or key file is told apart from a damaged secret.
 * secret key   HMAC-SHA-256(domain key, "ocf obt store v1 secret key" 0x00 salt)[0..16), the
 *              AES-128-GCM key of every secret (one purpose per derived key).
 * sealed       0x01 || nonce (12 random bytes) || ciphertext || tag (16), with associated data
 *              "ocf obt secret v1" 0x00 || device row id (8 bytes, big-endian) || name: a value
 *              moved to another device's row or another name fails its tag.
 *
 * The domain key lives on the stack only while the two derived values are computed. */
#include <string.h>

#include "base/log.h"
#include "pki/crypto.h"
#include "store/sqlite/obt_store.h"

#define LOG_MODULE "obtstore"

#define SEALED_VERSION 1
#define SEALED_OVERHEAD (1 + OCF_AEAD_NONCE_LEN + OCF_AEAD_TAG_LEN)

static const char k_label_check[] = "ocf obt store v1 key check";
static const char k_label_secret[] = "ocf obt store v1 secret key";
static const char k_aad_label[] = "ocf obt secret v1";

bool obt_key_valid(const ocf_obt_store_key *key, bool creating) {
  if (!key || !key->secret) return false;
  if (key->kind == OCF_OBT_KEY_FILE) {
    if (key->len != OCF_OBT_DOMAIN_KEY_LEN) return false;
  } else if (key->kind == OCF_OBT_KEY_PASSPHRASE) {
    if (key->len == 0 || key->len > OCF_OBT_PASSPHRASE_MAX) return false;
    if (creating && key->iterations != 0 &&
        (key->iterations < OCF_OBT_PBKDF2_MIN_ITERATIONS || key->iterations > OCF_OBT_PBKDF2_MAX_ITERATIONS))
      return false;
  } else {
    return false;
  }
  return !creating || !key->hint || obt_text_ok(key->hint, 0, OCF_OBT_KEY_HINT_MAX);
}

static const char *kind_text(ocf_obt_key_kind kind) {
  return kind == OCF_OBT_KEY_FILE ? "file" : "passphrase";
}

/* HMAC-SHA-256(dk, label 0x00 salt). */
static ocf_err derive(const uint8_t dk[OCF_OBT_DOMAIN_KEY_LEN], const char *label,
                      const uint8_t salt[OBT_STORE_SALT_LEN], uint8_t out[OCF_SHA256_LEN]) {
  uint8_t msg[64];
  size_t n = strlen(label) + 1;
  memcpy(msg, label, n);
  memcpy(msg + n, salt, OBT_STORE_SALT_LEN);
  return ocf_crypto_hmac_sha256(dk, OCF_OBT_DOMAIN_KEY_LEN, msg, n + OBT_STORE_SALT_LEN, out);
}

/* The key check value, and the secret key into s (wiped on failure). */
static ocf_err derive_keys(ocf_obt_store *s, const ocf_obt_store_key *key,
                           const uint8_t salt[OBT_STORE_SALT_LEN], uint32_t iterations,
                           uint8_t check[OCF_SHA256_LEN]) {
  uint8_t dk[OCF_OBT_DOMAIN_KEY_LEN], secret[OCF_SHA256_LEN];
  ocf_err err = OCF_OK;
  if (key->kind == OCF_OBT_KEY_FILE)
    memcpy(dk, key->secret, sizeof dk);
  else
    err =
        ocf_crypto_pbkdf2_sha256(key->secret, key->len, salt, OBT_STORE_SALT_LEN, iterations, dk, sizeof dk);
  if (err == OCF_OK) err = derive(dk, k_label_check, salt, check);
  if (err == OCF_OK) err = derive(dk, k_label_secret, salt, secret);
  if (err == OCF_OK) memcpy(s->secret_key, secret, sizeof s->secret_key);
  ocf_crypto_wipe(dk, sizeof dk);
  ocf_crypto_wipe(secret, sizeof secret);
  if (err != OCF_OK) ocf_crypto_wipe(s->secret_key, sizeof s->secret_key);
  return err;
}

ocf_err obt_keys_create(ocf_obt_store *s, const ocf_obt_store_key *key) {
  uint8_t salt[OBT_STORE_SALT_LEN], check[OCF_SHA256_LEN];
  uint32_t iterations = 0;
  if (key->kind == OCF_OBT_KEY_PASSPHRASE)
    iterations = key->iterations ? key->iterations : OCF_OBT_PBKDF2_DEFAULT_ITERATIONS;
  ocf_err err = s->pf.random(s->pf.ctx, salt, sizeof salt);
  if (err == OCF_OK) err = derive_keys(s, key, salt, iterations, check);
  sqlite3_stmt *st = NULL;
  if (err == OCF_OK)
    err = obt_prepare(
        s, "INSERT INTO key_params (id, kind, salt, iterations, key_check, hint) VALUES (1,?,?,?,?,?)", &st);
  if (err == OCF_OK) {
    sqlite3_bind_text(st, 1, kind_text(key->kind), -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, salt, sizeof salt, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, iterations);
    sqlite3_bind_blob(st, 4, check, sizeof check, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, key->hint ? key->hint : "", -1, SQLITE_TRANSIENT);
    err = obt_run(s, st, "key parameters");
  }
  s->unlocked = err == OCF_OK;
  if (err != OCF_OK) ocf_crypto_wipe(s->secret_key, sizeof s->secret_key);
  return err;
}

typedef struct key_params {
  ocf_obt_key_kind kind;
  uint8_t salt[OBT_STORE_SALT_LEN];
  uint32_t iterations;
  uint8_t check[OCF_SHA256_LEN];
  char hint[OCF_OBT_KEY_HINT_MAX + 1];
} key_params;

static bool blob_copy(sqlite3_stmt *st, int i, uint8_t *out, size_t len) {
  const void *p = sqlite3_column_blob(st, i);
  if (sqlite3_column_type(st, i) != SQLITE_BLOB || sqlite3_column_bytes(st, i) != (int)len || !p)
    return false;
  memcpy(out, p, len);
  return true;
}

static bool params_from_row(sqlite3_stmt *st, key_params *kp) {
  const unsigned char *kind = sqlite3_column_text(st, 0);
  if (!kind) return false;
  kp->kind = strcmp((const char *)kind, "file") == 0 ? OCF_OBT_KEY_FILE : OCF_OBT_KEY_PASSPHRASE;
  int64_t it = sqlite3_column_int64(st, 2);
  bool it_ok = kp->kind == OCF_OBT_KEY_FILE
                   ? it == 0
                   : (it >= OCF_OBT_PBKDF2_MIN_ITERATIONS && it <= OCF_OBT_PBKDF2_MAX_ITERATIONS);
  kp->iterations = it_ok ? (uint32_t)it : 0;
  return it_ok && blob_copy(st, 1, kp->salt, sizeof kp->salt) &&
         blob_copy(st, 3, kp->check, sizeof kp->check) && obt_col_text(st, 4, kp->hint, OCF_OBT_KEY_HINT_MAX);
}

static ocf_err load_params(ocf_obt_store *s, key_params *kp) {
  sqlite3_stmt *st = NULL;
  ocf_err err =
      obt_prepare(s, "SELECT kind, salt, iterations, key_check, hint FROM key_params WHERE id = 1", &st);
  if (err != OCF_OK) return err;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE)
    err = OCF_ERR_NOT_FOUND;
  else if (rc != SQLITE_ROW)
    err = obt_sql_err(s, rc, "key parameters");
  else if (!params_from_row(st, kp))
    err = OCF_ERR_MALFORMED;
  sqlite3_finalize(st);
  return err;
}

ocf_err ocf_obt_store_key_info(ocf_obt_store *s, ocf_obt_key_kind *kind, char *hint, size_t cap) {
  if (!s || !kind || (hint && cap == 0)) return OCF_ERR_INVALID_ARG;
  key_params kp;
  ocf_err err = load_params(s, &kp);
  if (err != OCF_OK) return err;
  *kind = kp.kind;
  if (!hint) return OCF_OK;
  size_t n = strlen(kp.hint);
  if (n >= cap) return OCF_ERR_NO_SPACE;
  memcpy(hint, kp.hint, n + 1);
  return OCF_OK;
}

ocf_err ocf_obt_store_unlock(ocf_obt_store *s, const ocf_obt_store_key *key) {
  if (!s || !obt_key_valid(key, false)) return OCF_ERR_INVALID_ARG;
  key_params kp;
  ocf_err err = load_params(s, &kp);
  if (err != OCF_OK) return err;
  if (kp.kind != key->kind) {
    ocf_log(&s->pf, OCF_LOG_ERROR, LOG_MODULE, "the domain key comes from a %s, not a %s", kind_text(kp.kind),
            kind_text(key->kind));
    return OCF_ERR_INVALID_ARG;
  }
  s->unlocked = false;
  uint8_t check[OCF_SHA256_LEN];
  err = derive_keys(s, key, kp.salt, kp.iterations, check);
  if (err == OCF_OK && !ocf_crypto_equal(check, kp.check, sizeof check)) err = OCF_ERR_CRYPTO;
  ocf_crypto_wipe(check, sizeof check);
  if (err != OCF_OK) ocf_crypto_wipe(s->secret_key, sizeof s->secret_key);
  s->unlocked = err == OCF_OK;
  return err;
}

/* ---- secrets ------------------------------------------------------------------------------- */

static bool secret_name_ok(const char *name) {
  if (!name) return false;
  size_t n = 0;
  for (; name[n]; n++) {
    char c = name[n];
    if (n >= OCF_OBT_SECRET_NAME_MAX || !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return false;
  }
  return n > 0;
}

static size_t build_aad(int64_t device_id, const char *name, uint8_t out[64]) {
  size_t n = sizeof k_aad_label; /* with its NUL */
  memcpy(out, k_aad_label, n);
  uint64_t id = (uint64_t)device_id;
  for (int i = 7; i >= 0; i--) out[n++] = (uint8_t)(id >> (8 * i));
  size_t name_len = strlen(name);
  memcpy(out + n, name, name_len);
  return n + name_len;
}

static ocf_err secret_args_ok(const ocf_obt_store *s, const ocf_uuid *device, const char *name) {
  if (!s || !device || !secret_name_ok(name)) return OCF_ERR_INVALID_ARG;
  return s->unlocked ? OCF_OK : OCF_ERR_STATE;
}

static ocf_err seal(ocf_obt_store *s, int64_t device_id, const char *name, const uint8_t *data, size_t len,
                    uint8_t *out) {
  uint8_t aad[64];
  out[0] = SEALED_VERSION;
  ocf_err err = s->pf.random(s->pf.ctx, out + 1, OCF_AEAD_NONCE_LEN);
  if (err != OCF_OK) return err;
  uint8_t *body = out + 1 + OCF_AEAD_NONCE_LEN;
  memcpy(body, data, len);
  ocf_aead_params p = {.alg = OCF_AEAD_AES_128_GCM,
                       .key = s->secret_key,
                       .nonce = out + 1,
                       .aad = aad,
                       .aad_len = build_aad(device_id, name, aad)};
  return ocf_crypto_aead_seal(&p, body, len, body + len);
}

ocf_err ocf_obt_store_secret_put(ocf_obt_store *s, const ocf_uuid *device, const char *name,
                                 const uint8_t *data, size_t len) {
  ocf_err err = secret_args_ok(s, device, name);
  if (err != OCF_OK) return err;
  if (!data || len == 0 || len > OCF_OBT_SECRET_MAX) return OCF_ERR_INVALID_ARG;
  int64_t id = 0;
  err = obt_device_id(s, device, &id);
  if (err != OCF_OK) return err;
  uint8_t sealed[OCF_OBT_SECRET_MAX + SEALED_OVERHEAD];
  size_t sealed_len = len + SEALED_OVERHEAD;
  err = seal(s, id, name, data, len, sealed);
  sqlite3_stmt *st = NULL;
  if (err == OCF_OK)
    err = obt_prepare(s, "INSERT OR REPLACE INTO secrets (device_id, name, sealed) VALUES (?, ?, ?)", &st);
  if (err == OCF_OK) {
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 3, sealed, (int)sealed_len, SQLITE_TRANSIENT);
    err = obt_run(s, st, "secret put");
  }
  ocf_crypto_wipe(sealed, sizeof sealed);
  return err;
}

/* Checks the sealed value's framing and opens it into buf (cap checked by the caller). */
static ocf_err unseal(ocf_obt_store *s, int64_t device_id, const char *name, const uint8_t *sealed, size_t n,
                      uint8_t *buf) {
  uint8_t aad[64];
  size_t len = n - SEALED_OVERHEAD;
  memcpy(buf, sealed + 1 + OCF_AEAD_NONCE_LEN, len);
  ocf_aead_params p = {.alg = OCF_AEAD_AES_128_GCM,
                       .key = s->secret_key,
                       .nonce = sealed + 1,
                       .aad = aad,
                       .aad_len = build_aad(device_id, name, aad)};
  ocf_err err = ocf_crypto_aead_open(&p, buf, len, sealed + 1 + OCF_AEAD_NONCE_LEN + len);
  if (err == OCF_ERR_CRYPTO) {
    /* The key was checked at unlock: a tag that fails means the value was altered or moved. */
    ocf_log(&s->pf, OCF_LOG_ERROR, LOG_MODULE, "secret %s fails authentication: altered or moved", name);
    err = OCF_ERR_MALFORMED;
  }
  return err;
}

ocf_err ocf_obt_store_secret_get(ocf_obt_store *s, const ocf_uuid *device, const char *name, uint8_t *buf,
                                 size_t cap, size_t *len) {
  ocf_err err = secret_args_ok(s, device, name);
  if (err != OCF_OK) return err;
  if (!len || (!buf && cap > 0)) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  err = obt_prepare(s,
                    "SELECT s.device_id, s.sealed FROM secrets s JOIN devices d ON d.id = s.device_id "
                    "WHERE d.uuid = ? AND s.name = ?",
                    &st);
  if (err != OCF_OK) return err;
  obt_bind_uuid(st, 1, device);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const uint8_t *sealed = sqlite3_column_blob(st, 1);
    int n = sqlite3_column_bytes(st, 1);
    if (sqlite3_column_type(st, 1) != SQLITE_BLOB || !sealed || n <= SEALED_OVERHEAD ||
        n > OCF_OBT_SECRET_MAX + SEALED_OVERHEAD || sealed[0] != SEALED_VERSION) {
      err = OCF_ERR_MALFORMED;
    } else {
      *len = (size_t)n - SEALED_OVERHEAD;
      if (*len > cap)
        err = OCF_ERR_NO_SPACE;
      else
        err = unseal(s, sqlite3_column_int64(st, 0), name, sealed, (size_t)n, buf);
    }
  } else {
    err = rc == SQLITE_DONE ? OCF_ERR_NOT_FOUND : obt_sql_err(s, rc, "secret get");
  }
  sqlite3_finalize(st);
  return err;
}

ocf_err ocf_obt_store_secret_remove(ocf_obt_store *s, const ocf_uuid *device, const char *name) {
  if (!s || !device || !secret_name_ok(name)) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(
      s, "DELETE FROM secrets WHERE name = ? AND device_id = (SELECT id FROM devices WHERE uuid = ?)", &st);
  if (err != OCF_OK) return err;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  obt_bind_uuid(st, 2, device);
  return obt_run(s, st, "secret remove");
}

ocf_err ocf_obt_store_secret_exists(ocf_obt_store *s, const ocf_uuid *device, const char *name, bool *out) {
  if (!s || !device || !secret_name_ok(name) || !out) return OCF_ERR_INVALID_ARG;
  *out = false;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s,
                            "SELECT 1 FROM secrets s JOIN devices d ON d.id = s.device_id "
                            "WHERE d.uuid = ? AND s.name = ?",
                            &st);
  if (err != OCF_OK) return err;
  obt_bind_uuid(st, 1, device);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *out = true;
  else if (rc != SQLITE_DONE)
    err = obt_sql_err(s, rc, "secret exists");
  sqlite3_finalize(st);
  return err;
}

/* ---- domain-wide values (ADR 0017) ------------------------------------------------------------ */

/* Row 0 in the associated data: device rows start at 1 (AUTOINCREMENT), so a domain secret
 * copied into a device's row, or back, fails its tag. */
#define DOMAIN_ROW 0

ocf_err ocf_obt_store_domain_secret_put(ocf_obt_store *s, const char *name, const uint8_t *data, size_t len) {
  if (!s || !secret_name_ok(name) || !data || len == 0 || len > OCF_OBT_SECRET_MAX)
    return OCF_ERR_INVALID_ARG;
  if (!s->unlocked) return OCF_ERR_STATE;
  uint8_t sealed[OCF_OBT_SECRET_MAX + SEALED_OVERHEAD];
  size_t sealed_len = len + SEALED_OVERHEAD;
  ocf_err err = seal(s, DOMAIN_ROW, name, data, len, sealed);
  sqlite3_stmt *st = NULL;
  if (err == OCF_OK)
    err = obt_prepare(s, "INSERT OR REPLACE INTO domain_values (name, sealed, data) VALUES (?, 1, ?)", &st);
  if (err == OCF_OK) {
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 2, sealed, (int)sealed_len, SQLITE_TRANSIENT);
    err = obt_run(s, st, "domain secret put");
  }
  ocf_crypto_wipe(sealed, sizeof sealed);
  return err;
}

ocf_err ocf_obt_store_domain_secret_get(ocf_obt_store *s, const char *name, uint8_t *buf, size_t cap,
                                        size_t *len) {
  if (!s || !secret_name_ok(name) || !len || (!buf && cap > 0)) return OCF_ERR_INVALID_ARG;
  if (!s->unlocked) return OCF_ERR_STATE;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, "SELECT data FROM domain_values WHERE name = ? AND sealed = 1", &st);
  if (err != OCF_OK) return err;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const uint8_t *sealed = sqlite3_column_blob(st, 0);
    int n = sqlite3_column_bytes(st, 0);
    if (sqlite3_column_type(st, 0) != SQLITE_BLOB || !sealed || n <= SEALED_OVERHEAD ||
        n > OCF_OBT_SECRET_MAX + SEALED_OVERHEAD || sealed[0] != SEALED_VERSION) {
      err = OCF_ERR_MALFORMED;
    } else {
      *len = (size_t)n - SEALED_OVERHEAD;
      if (*len > cap)
        err = OCF_ERR_NO_SPACE;
      else
        err = unseal(s, DOMAIN_ROW, name, sealed, (size_t)n, buf);
    }
  } else {
    err = rc == SQLITE_DONE ? OCF_ERR_NOT_FOUND : obt_sql_err(s, rc, "domain secret get");
  }
  sqlite3_finalize(st);
  return err;
}

ocf_err ocf_obt_store_domain_public_put(ocf_obt_store *s, const char *name, const uint8_t *data, size_t len) {
  if (!s || !secret_name_ok(name) || !data || len == 0 || len > OCF_OBT_PUBLIC_MAX)
    return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err =
      obt_prepare(s, "INSERT OR REPLACE INTO domain_values (name, sealed, data) VALUES (?, 0, ?)", &st);
  if (err != OCF_OK) return err;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_blob(st, 2, data, (int)len, SQLITE_TRANSIENT);
  return obt_run(s, st, "domain public put");
}

ocf_err ocf_obt_store_domain_public_get(ocf_obt_store *s, const char *name, uint8_t *buf, size_t cap,
                                        size_t *len) {
  if (!s || !secret_name_ok(name) || !len || (!buf && cap > 0)) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, "SELECT data FROM domain_values WHERE name = ? AND sealed = 0", &st);
  if (err != OCF_OK) return err;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const uint8_t *data = sqlite3_column_blob(st, 0);
    int n = sqlite3_column_bytes(st, 0);
    if (sqlite3_column_type(st, 0) != SQLITE_BLOB || !data || n <= 0 || n > OCF_OBT_PUBLIC_MAX) {
      err = OCF_ERR_MALFORMED;
    } else {
      *len = (size_t)n;
      if (*len > cap)
        err = OCF_ERR_NO_SPACE;
      else
        memcpy(buf, data, *len);
    }
  } else {
    err = rc == SQLITE_DONE ? OCF_ERR_NOT_FOUND : obt_sql_err(s, rc, "domain public get");
  }
  sqlite3_finalize(st);
  return err;
}

ocf_err ocf_obt_store_domain_value_remove(ocf_obt_store *s, const char *name) {
  if (!s || !secret_name_ok(name)) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, "DELETE FROM domain_values WHERE name = ?", &st);
  if (err != OCF_OK) return err;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  return obt_run(s, st, "domain value remove");
}
