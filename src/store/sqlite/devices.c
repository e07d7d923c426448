/* The devices a domain knows. A device row keeps its integer id for life (AUTOINCREMENT: never
 * reused), so its steps and secrets follow it when the DOTS gives it a new uuid. */
#include <string.h>

#include "store/sqlite/obt_store.h"

static const char *const k_state_names[] = {NULL, "discovered", "onboarding", "owned", "failed"};
#define STATE_COUNT (sizeof k_state_names / sizeof k_state_names[0])

const char *ocf_obt_device_state_name(ocf_obt_device_state state) {
  unsigned i = (unsigned)state;
  return i >= 1 && i < STATE_COUNT ? k_state_names[i] : "?";
}

static bool state_from_text(const unsigned char *t, ocf_obt_device_state *out) {
  for (size_t i = 1; t && i < STATE_COUNT; i++) {
    if (strcmp((const char *)t, k_state_names[i]) == 0) {
      *out = (ocf_obt_device_state)i;
      return true;
    }
  }
  return false;
}

static bool device_valid(const ocf_obt_device_record *d) {
  return !ocf_uuid_is_nil(&d->uuid) && obt_text_ok(d->name, 0, OCF_OBT_DEVICE_NAME_MAX) &&
         obt_text_ok(d->type, 0, OCF_OBT_DEVICE_TYPE_MAX) &&
         obt_text_ok(d->endpoints, 0, OCF_OBT_ENDPOINTS_MAX) &&
         strcmp(ocf_obt_device_state_name(d->state), "?") != 0;
}

ocf_err obt_device_id(ocf_obt_store *s, const ocf_uuid *uuid, int64_t *id) {
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, "SELECT id FROM devices WHERE uuid = ?", &st);
  if (err != OCF_OK) return err;
  obt_bind_uuid(st, 1, uuid);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *id = sqlite3_column_int64(st, 0);
  else
    err = rc == SQLITE_DONE ? OCF_ERR_NOT_FOUND : obt_sql_err(s, rc, "device id");
  sqlite3_finalize(st);
  return err;
}

ocf_err ocf_obt_store_device_put(ocf_obt_store *s, const ocf_obt_device_record *d, ocf_obt_wall_ms now) {
  if (!s || !d || !device_valid(d)) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err =
      obt_prepare(s,
                  "INSERT INTO devices (uuid, original_uuid, name, type, state, endpoints, first_seen, "
                  "last_seen) VALUES (?1, ?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (uuid) DO UPDATE SET "
                  "name = ?2, type = ?3, state = ?4, endpoints = ?5, last_seen = ?6",
                  &st);
  if (err != OCF_OK) return err;
  obt_bind_uuid(st, 1, &d->uuid);
  sqlite3_bind_text(st, 2, d->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, d->type, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, ocf_obt_device_state_name(d->state), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, d->endpoints, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 6, now);
  return obt_run(s, st, "device put");
}

#define DEVICE_COLUMNS "uuid, original_uuid, name, type, state, endpoints, first_seen, last_seen"

static bool device_from_row(sqlite3_stmt *st, ocf_obt_device_record *out) {
  memset(out, 0, sizeof *out);
  out->first_seen = sqlite3_column_int64(st, 6);
  out->last_seen = sqlite3_column_int64(st, 7);
  return obt_col_uuid(st, 0, &out->uuid) && obt_col_uuid(st, 1, &out->original_uuid) &&
         obt_col_text(st, 2, out->name, OCF_OBT_DEVICE_NAME_MAX) &&
         obt_col_text(st, 3, out->type, OCF_OBT_DEVICE_TYPE_MAX) &&
         state_from_text(sqlite3_column_text(st, 4), &out->state) &&
         obt_col_text(st, 5, out->endpoints, OCF_OBT_ENDPOINTS_MAX);
}

ocf_err ocf_obt_store_device_get(ocf_obt_store *s, const ocf_uuid *uuid, ocf_obt_device_record *out) {
  if (!s || !uuid || !out) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, "SELECT " DEVICE_COLUMNS " FROM devices WHERE uuid = ?", &st);
  if (err != OCF_OK) return err;
  obt_bind_uuid(st, 1, uuid);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE)
    err = OCF_ERR_NOT_FOUND;
  else if (rc != SQLITE_ROW)
    err = obt_sql_err(s, rc, "device get");
  else if (!device_from_row(st, out))
    err = OCF_ERR_MALFORMED;
  sqlite3_finalize(st);
  return err;
}

ocf_err ocf_obt_store_device_change_uuid(ocf_obt_store *s, const ocf_uuid *from, const ocf_uuid *to) {
  if (!s || !from || !to || ocf_uuid_is_nil(to)) return OCF_ERR_INVALID_ARG;
  int64_t id = 0;
  ocf_err err = obt_device_id(s, from, &id);
  if (err != OCF_OK || ocf_uuid_equal(from, to)) return err;
  sqlite3_stmt *st = NULL;
  err = obt_prepare(s, "UPDATE devices SET uuid = ? WHERE id = ?", &st);
  if (err != OCF_OK) return err;
  obt_bind_uuid(st, 1, to);
  sqlite3_bind_int64(st, 2, id);
  return obt_run(s, st, "device uuid"); /* the UNIQUE uuid: OCF_ERR_STATE when taken */
}

ocf_err ocf_obt_store_device_remove(ocf_obt_store *s, const ocf_uuid *uuid) {
  if (!s || !uuid) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, "DELETE FROM devices WHERE uuid = ?", &st);
  if (err != OCF_OK) return err;
  obt_bind_uuid(st, 1, uuid);
  return obt_run(s, st, "device remove"); /* steps and secrets: ON DELETE CASCADE */
}

ocf_err ocf_obt_store_device_list(ocf_obt_store *s, bool (*each)(void *user, const ocf_obt_device_record *d),
                                  void *user) {
  if (!s || !each) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, "SELECT " DEVICE_COLUMNS " FROM devices ORDER BY id", &st);
  if (err != OCF_OK) return err;
  int rc;
  ocf_obt_device_record d;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!device_from_row(st, &d)) {
      err = OCF_ERR_MALFORMED;
      break;
    }
    if (!each(user, &d)) break;
  }
  if (err == OCF_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) err = obt_sql_err(s, rc, "device list");
  sqlite3_finalize(st);
  return err;
}

ocf_err ocf_obt_store_device_count(ocf_obt_store *s, size_t *n) {
  if (!s || !n) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, "SELECT count(*) FROM devices", &st);
  if (err != OCF_OK) return err;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    *n = (size_t)sqlite3_column_int64(st, 0);
  else
    err = obt_sql_err(s, rc, "device count");
  sqlite3_finalize(st);
  return err;
}
