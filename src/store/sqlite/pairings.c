/* Pairwise keys between devices (<ocf/ocf_obt_store.h> "pairings", ADR 0019): the record of who
 * holds a credential for whom, so unpairing and offboarding know what to remove. */
#include <string.h>

#include "base/uuid.h"
#include "store/sqlite/obt_store.h"

static bool pair_ok(const ocf_uuid *a, const ocf_uuid *b) {
  return a && b && !ocf_uuid_is_nil(a) && !ocf_uuid_is_nil(b) && !ocf_uuid_equal(a, b);
}

static bool ordered(const ocf_uuid *a, const ocf_uuid *b) { return memcmp(a->b, b->b, sizeof a->b) < 0; }

ocf_err ocf_obt_store_pairing_put(ocf_obt_store *s, const ocf_obt_pairing_record *p) {
  if (!s || !p || !pair_ok(&p->a, &p->b)) return OCF_ERR_INVALID_ARG;
  bool keep = ordered(&p->a, &p->b);
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s,
                            "INSERT OR REPLACE INTO pairings (uuid_a, uuid_b, credid_a, credid_b, created) "
                            "VALUES (?, ?, ?, ?, ?)",
                            &st);
  if (err != OCF_OK) return err;
  obt_bind_uuid(st, 1, keep ? &p->a : &p->b);
  obt_bind_uuid(st, 2, keep ? &p->b : &p->a);
  sqlite3_bind_int64(st, 3, keep ? p->credid_a : p->credid_b);
  sqlite3_bind_int64(st, 4, keep ? p->credid_b : p->credid_a);
  sqlite3_bind_int64(st, 5, p->created);
  return obt_run(s, st, "pairing put");
}

static bool from_row(sqlite3_stmt *st, const ocf_uuid *first, ocf_obt_pairing_record *out) {
  memset(out, 0, sizeof *out);
  int64_t ca = sqlite3_column_int64(st, 2), cb = sqlite3_column_int64(st, 3);
  if (!obt_col_uuid(st, 0, &out->a) || !obt_col_uuid(st, 1, &out->b) || ca < 0 || ca > UINT32_MAX || cb < 0 ||
      cb > UINT32_MAX)
    return false;
  out->credid_a = (uint32_t)ca;
  out->credid_b = (uint32_t)cb;
  out->created = sqlite3_column_int64(st, 4);
  if (first && ocf_uuid_equal(first, &out->b)) { /* the caller's device first */
    ocf_uuid u = out->a;
    out->a = out->b;
    out->b = u;
    out->credid_a = (uint32_t)cb;
    out->credid_b = (uint32_t)ca;
  }
  return true;
}

ocf_err ocf_obt_store_pairing_get(ocf_obt_store *s, const ocf_uuid *a, const ocf_uuid *b,
                                  ocf_obt_pairing_record *out) {
  if (!s || !out || !pair_ok(a, b)) return OCF_ERR_INVALID_ARG;
  bool keep = ordered(a, b);
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s,
                            "SELECT uuid_a, uuid_b, credid_a, credid_b, created FROM pairings "
                            "WHERE uuid_a = ? AND uuid_b = ?",
                            &st);
  if (err != OCF_OK) return err;
  obt_bind_uuid(st, 1, keep ? a : b);
  obt_bind_uuid(st, 2, keep ? b : a);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    err = from_row(st, a, out) ? OCF_OK : OCF_ERR_MALFORMED;
  else
    err = rc == SQLITE_DONE ? OCF_ERR_NOT_FOUND : obt_sql_err(s, rc, "pairing get");
  sqlite3_finalize(st);
  return err;
}

ocf_err ocf_obt_store_pairing_remove(ocf_obt_store *s, const ocf_uuid *a, const ocf_uuid *b) {
  if (!s || !pair_ok(a, b)) return OCF_ERR_INVALID_ARG;
  bool keep = ordered(a, b);
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, "DELETE FROM pairings WHERE uuid_a = ? AND uuid_b = ?", &st);
  if (err != OCF_OK) return err;
  obt_bind_uuid(st, 1, keep ? a : b);
  obt_bind_uuid(st, 2, keep ? b : a);
  return obt_run(s, st, "pairing remove");
}

ocf_err ocf_obt_store_pairing_list(ocf_obt_store *s, const ocf_uuid *device,
                                   bool (*each)(void *user, const ocf_obt_pairing_record *r), void *user) {
  if (!s || !each) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s,
                            device ? "SELECT uuid_a, uuid_b, credid_a, credid_b, created FROM pairings "
                                     "WHERE uuid_a = ?1 OR uuid_b = ?1 ORDER BY created, rowid"
                                   : "SELECT uuid_a, uuid_b, credid_a, credid_b, created FROM pairings "
                                     "ORDER BY created, rowid",
                            &st);
  if (err != OCF_OK) return err;
  if (device) obt_bind_uuid(st, 1, device);
  int rc;
  ocf_obt_pairing_record r;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!from_row(st, device, &r)) {
      err = OCF_ERR_MALFORMED;
      break;
    }
    if (!each(user, &r)) break;
  }
  if (err == OCF_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) err = obt_sql_err(s, rc, "pairing list");
  sqlite3_finalize(st);
  return err;
}
