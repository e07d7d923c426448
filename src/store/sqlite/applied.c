/* What obt apply wrote (<ocf/ocf_obt_store.h> "applied", ADR 0023): the ACEs and pairings a
 * policy file created, so that a later apply removes only those. */
#include <string.h>

#include "base/uuid.h"
#include "store/sqlite/obt_store.h"

static const ocf_uuid k_nil;

static bool record_ok(const ocf_obt_applied_record *r) {
  if (!r || ocf_uuid_is_nil(&r->device)) return false;
  if (r->kind == OCF_OBT_APPLIED_ACE) return r->aceid != 0 && r->aceid <= 0x7fffffffu;
  if (r->kind == OCF_OBT_APPLIED_PAIR)
    return r->aceid == 0 && !ocf_uuid_is_nil(&r->peer) && !ocf_uuid_equal(&r->device, &r->peer);
  return false;
}

/* The key columns in stored form: pairs in uuid order, an ACE with a nil peer. */
static void key_of(const ocf_obt_applied_record *r, const ocf_uuid **dev, const ocf_uuid **peer) {
  *dev = &r->device;
  *peer = r->kind == OCF_OBT_APPLIED_ACE ? &k_nil : &r->peer;
  if (r->kind == OCF_OBT_APPLIED_PAIR && memcmp(r->peer.b, r->device.b, sizeof r->peer.b) < 0) {
    *dev = &r->peer;
    *peer = &r->device;
  }
}

ocf_err ocf_obt_store_applied_put(ocf_obt_store *s, const ocf_obt_applied_record *r) {
  if (!s || !record_ok(r) || !obt_text_ok(r->spec, 0, OCF_OBT_APPLIED_TEXT_MAX)) return OCF_ERR_INVALID_ARG;
  const ocf_uuid *dev, *peer;
  key_of(r, &dev, &peer);
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s,
                            "INSERT OR REPLACE INTO applied (kind, device, aceid, peer, spec, created) "
                            "VALUES (?, ?, ?, ?, ?, ?)",
                            &st);
  if (err != OCF_OK) return err;
  sqlite3_bind_text(st, 1, r->kind == OCF_OBT_APPLIED_ACE ? "ace" : "pair", -1, SQLITE_STATIC);
  obt_bind_uuid(st, 2, dev);
  sqlite3_bind_int64(st, 3, r->aceid);
  obt_bind_uuid(st, 4, peer);
  sqlite3_bind_text(st, 5, r->spec, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 6, r->created);
  return obt_run(s, st, "applied put");
}

ocf_err ocf_obt_store_applied_remove(ocf_obt_store *s, const ocf_obt_applied_record *r) {
  if (!s || !record_ok(r)) return OCF_ERR_INVALID_ARG;
  const ocf_uuid *dev, *peer;
  key_of(r, &dev, &peer);
  sqlite3_stmt *st = NULL;
  ocf_err err =
      obt_prepare(s, "DELETE FROM applied WHERE kind = ? AND device = ? AND aceid = ? AND peer = ?", &st);
  if (err != OCF_OK) return err;
  sqlite3_bind_text(st, 1, r->kind == OCF_OBT_APPLIED_ACE ? "ace" : "pair", -1, SQLITE_STATIC);
  obt_bind_uuid(st, 2, dev);
  sqlite3_bind_int64(st, 3, r->aceid);
  obt_bind_uuid(st, 4, peer);
  return obt_run(s, st, "applied remove");
}

ocf_err ocf_obt_store_applied_forget(ocf_obt_store *s, const ocf_uuid *device) {
  if (!s || !device || ocf_uuid_is_nil(device)) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, "DELETE FROM applied WHERE device = ?1 OR peer = ?1", &st);
  if (err != OCF_OK) return err;
  obt_bind_uuid(st, 1, device);
  return obt_run(s, st, "applied forget");
}

static bool from_row(sqlite3_stmt *st, ocf_obt_applied_record *out) {
  memset(out, 0, sizeof *out);
  const unsigned char *kind = sqlite3_column_text(st, 0);
  int64_t aceid = sqlite3_column_int64(st, 2);
  if (!kind || aceid < 0 || aceid > 0x7fffffff) return false;
  out->kind = strcmp((const char *)kind, "ace") == 0    ? OCF_OBT_APPLIED_ACE
              : strcmp((const char *)kind, "pair") == 0 ? OCF_OBT_APPLIED_PAIR
                                                        : 0;
  out->aceid = (uint32_t)aceid;
  out->created = sqlite3_column_int64(st, 5);
  return out->kind && obt_col_uuid(st, 1, &out->device) && obt_col_uuid(st, 3, &out->peer) &&
         obt_col_text(st, 4, out->spec, OCF_OBT_APPLIED_TEXT_MAX) && record_ok(out);
}

ocf_err ocf_obt_store_applied_list(ocf_obt_store *s, const ocf_uuid *device,
                                   bool (*each)(void *user, const ocf_obt_applied_record *r), void *user) {
  if (!s || !each) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s,
                            device ? "SELECT kind, device, aceid, peer, spec, created FROM applied "
                                     "WHERE device = ?1 OR peer = ?1 ORDER BY created, rowid"
                                   : "SELECT kind, device, aceid, peer, spec, created FROM applied "
                                     "ORDER BY created, rowid",
                            &st);
  if (err != OCF_OK) return err;
  if (device) obt_bind_uuid(st, 1, device);
  int rc;
  ocf_obt_applied_record r;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!from_row(st, &r)) {
      err = OCF_ERR_MALFORMED;
      break;
    }
    if (!each(user, &r)) break;
  }
  if (err == OCF_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) err = obt_sql_err(s, rc, "applied list");
  sqlite3_finalize(st);
  return err;
}
