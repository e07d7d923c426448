/* What happened: the steps of every onboarding (recorded before the request goes out and after
 * the answer, so an interrupted onboarding shows which step was in flight) and the audit log. */
#include <string.h>

#include "store/sqlite/obt_store.h"

static const char *const k_status_names[] = {NULL, "started", "done", "failed"};
#define STATUS_COUNT (sizeof k_status_names / sizeof k_status_names[0])

static bool step_name_ok(const char *name) {
  if (!name || !name[0]) return false;
  size_t n = 0;
  for (; name[n]; n++) {
    char c = name[n];
    if (n >= OCF_OBT_STEP_NAME_MAX ||
        !((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return false;
  }
  return true;
}

ocf_err ocf_obt_store_step_begin(ocf_obt_store *s, const ocf_uuid *device, const char *name,
                                 ocf_obt_wall_ms now, int64_t *id) {
  if (!s || !device || !step_name_ok(name) || !id) return OCF_ERR_INVALID_ARG;
  int64_t device_id = 0;
  ocf_err err = obt_device_id(s, device, &device_id);
  if (err != OCF_OK) return err;
  sqlite3_stmt *st = NULL;
  err =
      obt_prepare(s, "INSERT INTO steps (device_id, name, status, started) VALUES (?, ?, 'started', ?)", &st);
  if (err != OCF_OK) return err;
  sqlite3_bind_int64(st, 1, device_id);
  sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 3, now);
  err = obt_run(s, st, "step begin");
  if (err == OCF_OK) *id = sqlite3_last_insert_rowid(s->db);
  return err;
}

ocf_err ocf_obt_store_step_end(ocf_obt_store *s, int64_t id, ocf_obt_step_status status, uint32_t requests,
                               uint16_t response, const char *diagnostic, ocf_obt_wall_ms now) {
  if (!s || (status != OCF_OBT_STEP_DONE && status != OCF_OBT_STEP_FAILED) ||
      (diagnostic && !obt_text_ok(diagnostic, 0, OCF_OBT_DIAG_MAX)))
    return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err =
      obt_prepare(s,
                  "UPDATE steps SET status = ?, requests = ?, response = ?, diagnostic = ?, ended = ? "
                  "WHERE id = ? AND status = 'started'",
                  &st);
  if (err != OCF_OK) return err;
  sqlite3_bind_text(st, 1, k_status_names[status], -1, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, requests);
  sqlite3_bind_int(st, 3, response);
  sqlite3_bind_text(st, 4, diagnostic ? diagnostic : "", -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 5, now);
  sqlite3_bind_int64(st, 6, id);
  err = obt_run(s, st, "step end");
  if (err != OCF_OK || sqlite3_changes(s->db) == 1) return err;
  /* Nothing updated: no such step, or it already ended. */
  err = obt_prepare(s, "SELECT 1 FROM steps WHERE id = ?", &st);
  if (err != OCF_OK) return err;
  sqlite3_bind_int64(st, 1, id);
  int rc = sqlite3_step(st);
  err = rc == SQLITE_ROW    ? OCF_ERR_STATE
        : rc == SQLITE_DONE ? OCF_ERR_NOT_FOUND
                            : obt_sql_err(s, rc, "step end");
  sqlite3_finalize(st);
  return err;
}

static bool status_from_text(const unsigned char *t, ocf_obt_step_status *out) {
  for (size_t i = 1; t && i < STATUS_COUNT; i++) {
    if (strcmp((const char *)t, k_status_names[i]) == 0) {
      *out = (ocf_obt_step_status)i;
      return true;
    }
  }
  return false;
}

static bool step_from_row(sqlite3_stmt *st, ocf_obt_step_record *out) {
  memset(out, 0, sizeof *out);
  out->id = sqlite3_column_int64(st, 0);
  int64_t requests = sqlite3_column_int64(st, 4), response = sqlite3_column_int64(st, 5);
  out->requests = (uint32_t)requests;
  out->response = (uint16_t)response;
  out->started = sqlite3_column_int64(st, 7);
  out->ended = sqlite3_column_int64(st, 8);
  return obt_col_uuid(st, 1, &out->device) && obt_col_text(st, 2, out->name, OCF_OBT_STEP_NAME_MAX) &&
         status_from_text(sqlite3_column_text(st, 3), &out->status) && requests >= 0 &&
         requests <= UINT32_MAX && response >= 0 && response <= UINT16_MAX &&
         obt_col_text(st, 6, out->diagnostic, OCF_OBT_DIAG_MAX);
}

ocf_err ocf_obt_store_step_list(ocf_obt_store *s, const ocf_uuid *device,
                                bool (*each)(void *user, const ocf_obt_step_record *st), void *user) {
  if (!s || !device || !each) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s,
                            "SELECT s.id, d.uuid, s.name, s.status, s.requests, s.response, s.diagnostic, "
                            "s.started, s.ended FROM steps s JOIN devices d ON d.id = s.device_id "
                            "WHERE d.uuid = ? ORDER BY s.id",
                            &st);
  if (err != OCF_OK) return err;
  obt_bind_uuid(st, 1, device);
  int rc;
  ocf_obt_step_record r;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!step_from_row(st, &r)) {
      err = OCF_ERR_MALFORMED;
      break;
    }
    if (!each(user, &r)) break;
  }
  if (err == OCF_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) err = obt_sql_err(s, rc, "step list");
  sqlite3_finalize(st);
  return err;
}

/* ---- audit --------------------------------------------------------------------------------- */

ocf_err ocf_obt_store_audit_append(ocf_obt_store *s, ocf_obt_wall_ms now, const char *actor,
                                   const char *action, const char *detail) {
  if (!s || !obt_text_ok(actor, 1, OCF_OBT_AUDIT_WORD_MAX) ||
      !obt_text_ok(action, 1, OCF_OBT_AUDIT_WORD_MAX) ||
      (detail && !obt_text_ok(detail, 0, OCF_OBT_AUDIT_DETAIL_MAX)))
    return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, "INSERT INTO audit (time, actor, action, detail) VALUES (?, ?, ?, ?)", &st);
  if (err != OCF_OK) return err;
  sqlite3_bind_int64(st, 1, now);
  sqlite3_bind_text(st, 2, actor, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, action, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, detail ? detail : "", -1, SQLITE_TRANSIENT);
  return obt_run(s, st, "audit append");
}

ocf_err ocf_obt_store_audit_list(ocf_obt_store *s, bool (*each)(void *user, const ocf_obt_audit_record *a),
                                 void *user) {
  if (!s || !each) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, "SELECT id, time, actor, action, detail FROM audit ORDER BY id", &st);
  if (err != OCF_OK) return err;
  int rc;
  ocf_obt_audit_record a;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    memset(&a, 0, sizeof a);
    a.id = sqlite3_column_int64(st, 0);
    a.time = sqlite3_column_int64(st, 1);
    if (!obt_col_text(st, 2, a.actor, OCF_OBT_AUDIT_WORD_MAX) ||
        !obt_col_text(st, 3, a.action, OCF_OBT_AUDIT_WORD_MAX) ||
        !obt_col_text(st, 4, a.detail, OCF_OBT_AUDIT_DETAIL_MAX)) {
      err = OCF_ERR_MALFORMED;
      break;
    }
    if (!each(user, &a)) break;
  }
  if (err == OCF_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) err = obt_sql_err(s, rc, "audit list");
  sqlite3_finalize(st);
  return err;
}
