/* Opening, locking, migrating and closing the domain store; transactions; SQLite helpers. */
#include <errno.h>
#include <string.h>

#include "base/log.h"
#include "base/uuid.h"
#include "pki/crypto.h"
#include "store/sqlite/obt_store.h"

#define LOG_MODULE "obtstore"

/* STRICT tables (3.37.0); SQLITE_OPEN_NOFOLLOW is older (3.31.0). */
#define SQLITE_MIN_VERSION 3037000

ocf_err obt_sql_err(ocf_obt_store *s, int rc, const char *what) {
  ocf_err err;
  switch (rc & 0xff) {
  case SQLITE_OK:
  case SQLITE_DONE:
  case SQLITE_ROW: return OCF_OK;
  case SQLITE_BUSY:
  case SQLITE_LOCKED: err = OCF_ERR_BUSY; break;
  case SQLITE_NOMEM: err = OCF_ERR_NO_MEMORY; break;
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
  case SQLITE_FORMAT: err = OCF_ERR_MALFORMED; break;
  case SQLITE_TOOBIG: err = OCF_ERR_TOO_LARGE; break;
  case SQLITE_CONSTRAINT: err = OCF_ERR_STATE; break;
  default: err = OCF_ERR_IO; break;
  }
  if (s && s->db) ocf_log(&s->pf, OCF_LOG_ERROR, LOG_MODULE, "%s: %s (%d)", what, sqlite3_errmsg(s->db), rc);
  return err;
}

ocf_err obt_exec(ocf_obt_store *s, const char *sql) {
  int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? OCF_OK : obt_sql_err(s, rc, "exec");
}

ocf_err obt_prepare(ocf_obt_store *s, const char *sql, sqlite3_stmt **st) {
  int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
  return rc == SQLITE_OK ? OCF_OK : obt_sql_err(s, rc, "prepare");
}

ocf_err obt_run(ocf_obt_store *s, sqlite3_stmt *st, const char *what) {
  int rc = sqlite3_step(st);
  ocf_err err = rc == SQLITE_DONE ? OCF_OK : obt_sql_err(s, rc, what);
  sqlite3_finalize(st);
  return err;
}

int obt_bind_uuid(sqlite3_stmt *st, int i, const ocf_uuid *u) {
  return sqlite3_bind_blob(st, i, u->b, (int)sizeof u->b, SQLITE_TRANSIENT);
}

bool obt_col_uuid(sqlite3_stmt *st, int i, ocf_uuid *out) {
  const void *p = sqlite3_column_blob(st, i);
  if (sqlite3_column_type(st, i) != SQLITE_BLOB || sqlite3_column_bytes(st, i) != (int)sizeof out->b || !p)
    return false;
  memcpy(out->b, p, sizeof out->b);
  return true;
}

bool obt_col_text(sqlite3_stmt *st, int i, char *out, size_t max) {
  if (sqlite3_column_type(st, i) != SQLITE_TEXT) return false;
  const unsigned char *p = sqlite3_column_text(st, i);
  int n = sqlite3_column_bytes(st, i);
  if (!p || n < 0 || (size_t)n > max) return false;
  memcpy(out, p, (size_t)n);
  out[n] = '\0';
  return obt_text_ok(out, 0, max);
}

/* Length of the UTF-8 sequence at p (RFC 3629 4: no overlongs, no surrogates, <= U+10FFFF), or
 * 0 when it is not well-formed. */
static size_t utf8_seq(const unsigned char *p) {
  unsigned c = p[0];
  if (c < 0x80) return 1;
  size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
  if (n == 0 || c > 0xf4) return 0;
  for (size_t k = 1; k < n; k++)
    if ((p[k] & 0xc0) != 0x80) return 0;
  if (c == 0xe0 && p[1] < 0xa0) return 0; /* overlong */
  if (c == 0xed && p[1] > 0x9f) return 0; /* surrogates */
  if (c == 0xf0 && p[1] < 0x90) return 0; /* overlong */
  if (c == 0xf4 && p[1] > 0x8f) return 0; /* above U+10FFFF */
  return n;
}

bool obt_text_ok(const char *s, size_t min, size_t max) {
  if (!s) return false;
  size_t i = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (p[i]) {
    if (i >= max) return false;
    if (p[i] < 0x20 || p[i] == 0x7f) return false;
    size_t n = utf8_seq(p + i);
    if (n == 0) return false;
    i += n;
  }
  return i >= min && i <= max;
}

/* ---- open ---------------------------------------------------------------------------------- */

static ocf_err open_error(ocf_obt_store *s, int rc) {
  if (rc == SQLITE_CANTOPEN_SYMLINK) return OCF_ERR_DENIED;
  if ((rc & 0xff) == SQLITE_CANTOPEN && sqlite3_system_errno(s->db) == ENOENT) return OCF_ERR_NOT_FOUND;
  return obt_sql_err(s, rc, "open");
}

/* The exclusive lock first (a second opener fails here with BUSY), then WAL without a
 * shared-memory index (exclusive mode: no -shm file), durable commits, enforced references,
 * deleted content overwritten. DEFENSIVE refuses writes that corrupt the file on purpose. */
static ocf_err configure(ocf_obt_store *s) {
  (void)sqlite3_extended_result_codes(s->db, 1);
  (void)sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
  (void)sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
  ocf_err err = obt_exec(s, "PRAGMA locking_mode=EXCLUSIVE; PRAGMA busy_timeout=0");
  sqlite3_stmt *st = NULL;
  if (err == OCF_OK) err = obt_prepare(s, "PRAGMA journal_mode=WAL", &st);
  if (err == OCF_OK) {
    int rc = sqlite3_step(st);
    const unsigned char *mode = rc == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    if (rc != SQLITE_ROW)
      err = obt_sql_err(s, rc, "journal mode");
    else if (!mode || strcmp((const char *)mode, "wal") != 0)
      err = OCF_ERR_IO;
    sqlite3_finalize(st);
  }
  if (err == OCF_OK)
    err = obt_exec(s, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;"
                      "PRAGMA cell_size_check=ON");
  return err;
}

static ocf_err pragma_int(ocf_obt_store *s, const char *sql, int64_t *out) {
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, sql, &st);
  if (err != OCF_OK) return err;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *out = sqlite3_column_int64(st, 0);
  else
    err = obt_sql_err(s, rc, sql);
  sqlite3_finalize(st);
  return err;
}

/* Inside BEGIN IMMEDIATE: refuses a database that is not ours or newer than this code, then
 * applies the missing migrations. */
static ocf_err migrate(ocf_obt_store *s) {
  int64_t version = 0, app = 0, objects = 0;
  ocf_err err = pragma_int(s, "PRAGMA user_version", &version);
  if (err == OCF_OK) err = pragma_int(s, "PRAGMA application_id", &app);
  if (err == OCF_OK) err = pragma_int(s, "SELECT count(*) FROM sqlite_schema", &objects);
  if (err != OCF_OK) return err;
  if (version > OBT_STORE_SCHEMA_VERSION) {
    ocf_log(&s->pf, OCF_LOG_ERROR, LOG_MODULE,
            "the domain store has schema version %lld, newer than this obt's %d: use a newer obt",
            (long long)version, OBT_STORE_SCHEMA_VERSION);
    return OCF_ERR_UNSUPPORTED;
  }
  if (version < 0 || (version == 0 && (objects != 0 || app != 0)) ||
      (version > 0 && app != OBT_STORE_APPLICATION_ID)) {
    ocf_log(&s->pf, OCF_LOG_ERROR, LOG_MODULE, "the file is an SQLite database but not an obt domain store");
    return OCF_ERR_MALFORMED;
  }
  if (version == OBT_STORE_SCHEMA_VERSION) return OCF_OK;
  int rc = obt_schema_migrate(s->db, (int)version, OBT_STORE_SCHEMA_VERSION);
  if (rc != SQLITE_OK) return obt_sql_err(s, rc, "migration");
  if (version > 0)
    ocf_log(&s->pf, OCF_LOG_INFO, LOG_MODULE, "domain store migrated from schema %lld to %d",
            (long long)version, OBT_STORE_SCHEMA_VERSION);
  return OCF_OK;
}

static ocf_err open_db(ocf_obt_store *s, const char *path) {
  int rc = sqlite3_open_v2(path, &s->db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX |
                               SQLITE_OPEN_PRIVATECACHE | SQLITE_OPEN_EXRESCODE,
                           NULL);
  if (rc != SQLITE_OK) return s->db ? open_error(s, rc) : OCF_ERR_NO_MEMORY;
  ocf_err err = configure(s);
  if (err == OCF_OK) err = obt_exec(s, "BEGIN IMMEDIATE");
  if (err != OCF_OK) return err;
  err = migrate(s);
  if (err == OCF_OK) err = obt_exec(s, "COMMIT");
  if (err != OCF_OK) (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  return err;
}

ocf_err ocf_obt_store_open(const char *path, const ocf_platform *pf, ocf_obt_store **out) {
  if (!out) return OCF_ERR_INVALID_ARG;
  *out = NULL;
  if (!path || !path[0] || !pf || !pf->alloc || !pf->free) return OCF_ERR_INVALID_ARG;
  if (sqlite3_libversion_number() < SQLITE_MIN_VERSION) return OCF_ERR_UNSUPPORTED;
  ocf_obt_store *s = pf->alloc(pf->ctx, sizeof *s);
  if (!s) return OCF_ERR_NO_MEMORY;
  memset(s, 0, sizeof *s);
  s->pf = *pf;
  ocf_err err = open_db(s, path);
  if (err != OCF_OK) {
    ocf_obt_store_close(s);
    return err;
  }
  *out = s;
  return OCF_OK;
}

void ocf_obt_store_close(ocf_obt_store *s) {
  if (!s) return;
  if (s->db) {
    if (s->in_txn) (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    (void)sqlite3_close_v2(s->db);
  }
  ocf_crypto_wipe(s->secret_key, sizeof s->secret_key);
  ocf_platform pf = s->pf;
  pf.free(pf.ctx, s);
}

/* ---- create -------------------------------------------------------------------------------- */

static ocf_err count_rows(ocf_obt_store *s, const char *sql, int64_t *n) { return pragma_int(s, sql, n); }

/* Everything of an earlier domain; secure_delete overwrites the freed content. */
static const char k_wipe_sql[] =
    "DELETE FROM secrets; DELETE FROM domain_values; DELETE FROM steps; DELETE FROM devices;"
    "DELETE FROM audit; DELETE FROM pairings; DELETE FROM applied; DELETE FROM domain; DELETE FROM "
    "key_params";

static ocf_err create_domain(ocf_obt_store *s, const ocf_obt_domain *domain, const ocf_obt_store_key *key,
                             bool replace, ocf_obt_wall_ms now) {
  int64_t existing = 0;
  ocf_err err =
      count_rows(s, "SELECT (SELECT count(*) FROM domain) + (SELECT count(*) FROM key_params)", &existing);
  if (err != OCF_OK) return err;
  if (existing > 0 && !replace) return OCF_ERR_STATE;
  if (existing > 0) err = obt_exec(s, k_wipe_sql);
  ocf_obt_domain d = *domain;
  d.created = now;
  if (err == OCF_OK && ocf_uuid_is_nil(&d.tool_uuid)) err = ocf_uuid_generate(&s->pf, &d.tool_uuid);
  if (err == OCF_OK && ocf_uuid_is_nil(&d.sdi_uuid)) err = ocf_uuid_generate(&s->pf, &d.sdi_uuid);
  if (err == OCF_OK) err = obt_keys_create(s, key);
  if (err == OCF_OK) err = obt_domain_insert(s, &d);
  return err;
}

ocf_err ocf_obt_store_create(const char *path, const ocf_obt_domain *domain, const ocf_obt_store_key *key,
                             bool replace, ocf_obt_wall_ms now, const ocf_platform *pf, ocf_obt_store **out) {
  if (!out) return OCF_ERR_INVALID_ARG;
  *out = NULL;
  if (!domain || !obt_domain_valid(domain) || !obt_key_valid(key, true) || !pf || !pf->random)
    return OCF_ERR_INVALID_ARG;
  ocf_obt_store *s = NULL;
  ocf_err err = ocf_obt_store_open(path, pf, &s);
  if (err != OCF_OK) return err;
  err = obt_exec(s, "BEGIN IMMEDIATE");
  if (err == OCF_OK) {
    err = create_domain(s, domain, key, replace, now);
    if (err == OCF_OK) err = obt_exec(s, "COMMIT");
    if (err != OCF_OK) (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  }
  if (err != OCF_OK) {
    ocf_obt_store_close(s);
    return err;
  }
  *out = s;
  return OCF_OK;
}

/* ---- integrity, transactions --------------------------------------------------------------- */

/* Runs a check pragma: integrity_check answers one row "ok" when clean; foreign_key_check
 * answers no row when clean. Each problem is logged. */
static ocf_err run_check(ocf_obt_store *s, const char *sql, bool ok_row) {
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, sql, &st);
  if (err != OCF_OK) return err;
  bool clean = true;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const unsigned char *t = sqlite3_column_text(st, 0);
    if (ok_row && t && strcmp((const char *)t, "ok") == 0) continue;
    clean = false;
    ocf_log(&s->pf, OCF_LOG_ERROR, LOG_MODULE, "%s: %s", sql, t ? (const char *)t : "(row)");
  }
  err = rc == SQLITE_DONE ? OCF_OK : obt_sql_err(s, rc, sql);
  sqlite3_finalize(st);
  if (err == OCF_OK && !clean) err = OCF_ERR_MALFORMED;
  return err;
}

ocf_err ocf_obt_store_check(ocf_obt_store *s) {
  if (!s) return OCF_ERR_INVALID_ARG;
  ocf_err err = run_check(s, "PRAGMA integrity_check", true);
  if (err == OCF_OK) err = run_check(s, "PRAGMA foreign_key_check", false);
  return err;
}

ocf_err ocf_obt_store_begin(ocf_obt_store *s) {
  if (!s) return OCF_ERR_INVALID_ARG;
  if (s->in_txn) return OCF_ERR_STATE;
  /* A ROLLBACK that failed (SQLite out of memory) leaves the connection inside the transaction
   * we gave up: end it now, or every later BEGIN fails ("cannot start a transaction within a
   * transaction") until the store is reopened (found by test_torture, TORTURE_AFTER=1). */
  if (!sqlite3_get_autocommit(s->db)) (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  ocf_err err = obt_exec(s, "BEGIN IMMEDIATE");
  if (err == OCF_OK) s->in_txn = true;
  return err;
}

ocf_err ocf_obt_store_commit(ocf_obt_store *s) {
  if (!s) return OCF_ERR_INVALID_ARG;
  if (!s->in_txn) return OCF_ERR_STATE;
  ocf_err err = obt_exec(s, "COMMIT");
  if (err != OCF_OK) (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  s->in_txn = false;
  return err;
}

void ocf_obt_store_rollback(ocf_obt_store *s) {
  if (!s || !s->in_txn) return;
  (void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  s->in_txn = false;
}
