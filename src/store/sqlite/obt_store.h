/* Internals of the OBT's domain store (<ocf/ocf_obt_store.h>, ADR 0015) over SQLite: the only
 * folder that includes <sqlite3.h> (tools/lint). db.c opens, locks, migrates and runs
 * transactions; schema.c holds the ordered migrations; keys.c derives the keys and seals the
 * secrets; domain.c, devices.c and history.c are the tables. */
#ifndef OCF_STORE_SQLITE_OBT_STORE_H
#define OCF_STORE_SQLITE_OBT_STORE_H

#include <sqlite3.h>

#include <ocf/ocf_obt_store.h>

#include "pki/ca.h"

/* PRAGMA application_id of a domain store: "OBT1". */
#define OBT_STORE_APPLICATION_ID 0x4f425431
/* The schema this code writes: PRAGMA user_version after the migrations of schema.c. */
#define OBT_STORE_SCHEMA_VERSION 8
/* Secret AEAD key: the first 16 bytes of HMAC-SHA-256(domain key, label || salt). */
#define OBT_STORE_SECRET_KEY_LEN 16
#define OBT_STORE_SALT_LEN 16

struct ocf_obt_store {
  ocf_platform pf;
  sqlite3 *db;
  bool in_txn;   /* inside ocf_obt_store_begin */
  bool unlocked; /* secret_key holds the derived key */
  uint8_t secret_key[OBT_STORE_SECRET_KEY_LEN];
};

/* ---- db.c ---------------------------------------------------------------------------------- */

/* Maps a SQLite result code to an ocf_err (logging what failed, never values). */
ocf_err obt_sql_err(ocf_obt_store *s, int rc, const char *what);
/* sqlite3_exec of statements without results. */
OCF_NODISCARD ocf_err obt_exec(ocf_obt_store *s, const char *sql);
OCF_NODISCARD ocf_err obt_prepare(ocf_obt_store *s, const char *sql, sqlite3_stmt **st);
/* Steps st expecting SQLITE_DONE (a statement without a result row). Finalizes it. */
OCF_NODISCARD ocf_err obt_run(ocf_obt_store *s, sqlite3_stmt *st, const char *what);

/* Binding and reading typed columns. */
int obt_bind_uuid(sqlite3_stmt *st, int i, const ocf_uuid *u);
bool obt_col_uuid(sqlite3_stmt *st, int i, ocf_uuid *out);
/* Copies a TEXT column of at most max bytes into out[0..max]; false when longer or not text. */
bool obt_col_text(sqlite3_stmt *st, int i, char *out, size_t max);
/* Whether s is NUL-terminated well-formed UTF-8 of min..max bytes without control characters. */
bool obt_text_ok(const char *s, size_t min, size_t max);

/* ---- schema.c ------------------------------------------------------------------------------ */

/* Applies the migrations from the database's PRAGMA user_version up to `target` (at most
 * OBT_STORE_SCHEMA_VERSION) and sets user_version and application_id. The caller holds a
 * transaction. Returns a SQLite result code. Also used by tests to build an older database. */
int obt_schema_migrate(sqlite3 *db, int from, int target);

/* ---- keys.c -------------------------------------------------------------------------------- */

/* Derives the keys from *key with a fresh salt, writes the key parameters row, unlocks s. */
OCF_NODISCARD ocf_err obt_keys_create(ocf_obt_store *s, const ocf_obt_store_key *key);
bool obt_key_valid(const ocf_obt_store_key *key, bool creating);

/* ---- domain.c ------------------------------------------------------------------------------ */

bool obt_domain_valid(const ocf_obt_domain *d);
/* Inserts the domain row (uuids already chosen). */
OCF_NODISCARD ocf_err obt_domain_insert(ocf_obt_store *s, const ocf_obt_domain *d);

/* ---- ca.c ---------------------------------------------------------------------------------- */

/* The domain's CA with its key opened (the caller wipes it with ocf_pki_ca_wipe).
 * OCF_ERR_NOT_FOUND, OCF_ERR_STATE (locked), OCF_ERR_MALFORMED, OCF_ERR_IO. */
OCF_NODISCARD ocf_err obt_ca_open(ocf_obt_store *s, ocf_pki_ca *out);

/* ---- devices.c ----------------------------------------------------------------------------- */

/* The rowid of the device with this uuid: OCF_ERR_NOT_FOUND, OCF_ERR_IO. */
OCF_NODISCARD ocf_err obt_device_id(ocf_obt_store *s, const ocf_uuid *uuid, int64_t *id);

#endif
