/* OSCORE pairwise contexts and SSM groups (<ocf/ocf_obt_store.h>, ADR 0022): who holds which
 * context, with ids and credids, so unpair, rekey and delete know what to remove. Never a
 * Master Secret. */
#include <stdio.h>
#include <stdlib.h> /* strtoul */
#include <string.h>

#include "base/uuid.h"
#include "store/sqlite/obt_store.h"

/* --- pairwise ---------------------------------------------------------------------------------- */

static bool pair_ok(const ocf_uuid *a, const ocf_uuid *b) {
  return a && b && !ocf_uuid_is_nil(a) && !ocf_uuid_is_nil(b) && !ocf_uuid_equal(a, b);
}

static bool ordered(const ocf_uuid *a, const ocf_uuid *b) { return memcmp(a->b, b->b, sizeof a->b) < 0; }

static bool id_ok(const char *id) { return obt_text_ok(id, 4, 14); }

ocf_err ocf_obt_store_oscore_pair_put(ocf_obt_store *s, const ocf_obt_oscore_pair_record *p) {
  if (!s || !p || !pair_ok(&p->a, &p->b) || !id_ok(p->sender_a) || !id_ok(p->sender_b))
    return OCF_ERR_INVALID_ARG;
  bool keep = ordered(&p->a, &p->b);
  sqlite3_stmt *st = NULL;
  ocf_err err =
      obt_prepare(s,
                  "INSERT OR REPLACE INTO oscore_pairs (uuid_a, uuid_b, sender_a, sender_b, credid_a, "
                  "credid_b, created) VALUES (?, ?, ?, ?, ?, ?, ?)",
                  &st);
  if (err != OCF_OK) return err;
  obt_bind_uuid(st, 1, keep ? &p->a : &p->b);
  obt_bind_uuid(st, 2, keep ? &p->b : &p->a);
  sqlite3_bind_text(st, 3, keep ? p->sender_a : p->sender_b, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, keep ? p->sender_b : p->sender_a, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 5, keep ? p->credid_a : p->credid_b);
  sqlite3_bind_int64(st, 6, keep ? p->credid_b : p->credid_a);
  sqlite3_bind_int64(st, 7, p->created);
  return obt_run(s, st, "oscore pair put");
}

ocf_err ocf_obt_store_oscore_pair_get(ocf_obt_store *s, const ocf_uuid *a, const ocf_uuid *b,
                                      ocf_obt_oscore_pair_record *out) {
  if (!s || !out || !pair_ok(a, b)) return OCF_ERR_INVALID_ARG;
  bool keep = ordered(a, b);
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s,
                            "SELECT uuid_a, uuid_b, sender_a, sender_b, credid_a, credid_b, created FROM "
                            "oscore_pairs WHERE uuid_a = ? AND uuid_b = ?",
                            &st);
  if (err != OCF_OK) return err;
  obt_bind_uuid(st, 1, keep ? a : b);
  obt_bind_uuid(st, 2, keep ? b : a);
  int rc = sqlite3_step(st);
  memset(out, 0, sizeof *out);
  if (rc == SQLITE_ROW) {
    ocf_obt_oscore_pair_record r = {0};
    int64_t ca = sqlite3_column_int64(st, 4), cb = sqlite3_column_int64(st, 5);
    bool ok = obt_col_uuid(st, 0, &r.a) && obt_col_uuid(st, 1, &r.b) && obt_col_text(st, 2, r.sender_a, 14) &&
              obt_col_text(st, 3, r.sender_b, 14) && ca >= 0 && ca <= UINT32_MAX && cb >= 0 &&
              cb <= UINT32_MAX;
    r.credid_a = (uint32_t)ca;
    r.credid_b = (uint32_t)cb;
    r.created = sqlite3_column_int64(st, 6);
    if (ok && !keep) { /* the caller's device first */
      *out = (ocf_obt_oscore_pair_record){
          .a = r.b, .b = r.a, .credid_a = r.credid_b, .credid_b = r.credid_a, .created = r.created};
      memcpy(out->sender_a, r.sender_b, sizeof out->sender_a);
      memcpy(out->sender_b, r.sender_a, sizeof out->sender_b);
    } else if (ok) {
      *out = r;
    }
    err = ok ? OCF_OK : OCF_ERR_MALFORMED;
  } else {
    err = rc == SQLITE_DONE ? OCF_ERR_NOT_FOUND : obt_sql_err(s, rc, "oscore pair get");
  }
  sqlite3_finalize(st);
  return err;
}

ocf_err ocf_obt_store_oscore_pair_remove(ocf_obt_store *s, const ocf_uuid *a, const ocf_uuid *b) {
  if (!s || !pair_ok(a, b)) return OCF_ERR_INVALID_ARG;
  bool keep = ordered(a, b);
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, "DELETE FROM oscore_pairs WHERE uuid_a = ? AND uuid_b = ?", &st);
  if (err != OCF_OK) return err;
  obt_bind_uuid(st, 1, keep ? a : b);
  obt_bind_uuid(st, 2, keep ? b : a);
  return obt_run(s, st, "oscore pair remove");
}

/* --- groups ------------------------------------------------------------------------------------ */

static bool group_ok(const ocf_obt_group_record *g) {
  if (!obt_text_ok(g->name, 1, OCF_OBT_GROUP_NAME_MAX) || !id_ok(g->gid) ||
      !obt_text_ok(g->desc, 0, OCF_OBT_GROUP_DESC_MAX) || g->n_members == 0 ||
      g->n_members > OCF_OBT_GROUP_MEMBERS_MAX)
    return false;
  for (size_t i = 0; i < g->n_members; i++) {
    const ocf_obt_group_member *m = &g->members[i];
    if (m->n_credids > OCF_OBT_GROUP_CREDIDS_MAX || ocf_uuid_is_nil(&m->uuid) ||
        (m->client ? !id_ok(m->senderid) : m->senderid[0] != '\0'))
      return false;
  }
  return true;
}

ocf_err ocf_obt_store_group_put(ocf_obt_store *s, const ocf_obt_group_record *g) {
  if (!s || !g || !group_ok(g)) return OCF_ERR_INVALID_ARG;
  /* one statement at a time: the caller's transaction (or SQLite's per statement) holds them */
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, "DELETE FROM oscore_group_members WHERE grp = ?", &st);
  if (err) return err;
  sqlite3_bind_text(st, 1, g->name, -1, SQLITE_TRANSIENT);
  if ((err = obt_run(s, st, "group put")) != OCF_OK) return err;
  err = obt_prepare(s,
                    "INSERT OR REPLACE INTO oscore_groups (name, subject, gid, desc, created, rekeyed, "
                    "by_apply) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    &st);
  if (err) return err;
  sqlite3_bind_text(st, 1, g->name, -1, SQLITE_TRANSIENT);
  obt_bind_uuid(st, 2, &g->subject);
  sqlite3_bind_text(st, 3, g->gid, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 4, g->desc, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 5, g->created);
  sqlite3_bind_int64(st, 6, g->rekeyed);
  sqlite3_bind_int64(st, 7, g->by_apply ? 1 : 0);
  if ((err = obt_run(s, st, "group put")) != OCF_OK) return err;
  for (size_t i = 0; i < g->n_members; i++) {
    const ocf_obt_group_member *m = &g->members[i];
    char ids[OCF_OBT_GROUP_CREDIDS_MAX * 11 + 1] = "";
    size_t n = 0;
    for (size_t k = 0; k < m->n_credids; k++)
      n += (size_t)snprintf(ids + n, sizeof ids - n, "%s%u", k ? "," : "", (unsigned)m->credids[k]);
    err = obt_prepare(s,
                      "INSERT INTO oscore_group_members (grp, pos, uuid, client, senderid, credids) "
                      "VALUES (?, ?, ?, ?, ?, ?)",
                      &st);
    if (err) return err;
    sqlite3_bind_text(st, 1, g->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, (int64_t)i);
    obt_bind_uuid(st, 3, &m->uuid);
    sqlite3_bind_int(st, 4, m->client ? 1 : 0);
    sqlite3_bind_text(st, 5, m->senderid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, ids, -1, SQLITE_TRANSIENT);
    if ((err = obt_run(s, st, "group put")) != OCF_OK) return err;
  }
  return OCF_OK;
}

static bool parse_credids(const char *t, ocf_obt_group_member *m) {
  m->n_credids = 0;
  while (*t) {
    char *end = NULL;
    unsigned long v = strtoul(t, &end, 10);
    if (end == t || v == 0 || v > 0x7fffffffUL || m->n_credids == OCF_OBT_GROUP_CREDIDS_MAX) return false;
    m->credids[m->n_credids++] = (uint32_t)v;
    t = end;
    if (*t == ',')
      t++;
    else if (*t)
      return false;
  }
  return true;
}

static ocf_err load_members(ocf_obt_store *s, ocf_obt_group_record *g) {
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s,
                            "SELECT uuid, client, senderid, credids FROM oscore_group_members WHERE grp = ? "
                            "ORDER BY pos",
                            &st);
  if (err) return err;
  sqlite3_bind_text(st, 1, g->name, -1, SQLITE_TRANSIENT);
  int rc;
  g->n_members = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (g->n_members == OCF_OBT_GROUP_MEMBERS_MAX) {
      err = OCF_ERR_MALFORMED;
      break;
    }
    ocf_obt_group_member *m = &g->members[g->n_members++];
    char ids[OCF_OBT_GROUP_CREDIDS_MAX * 11 + 1];
    m->client = sqlite3_column_int(st, 1) != 0;
    if (!obt_col_uuid(st, 0, &m->uuid) || !obt_col_text(st, 2, m->senderid, 14) ||
        !obt_col_text(st, 3, ids, sizeof ids - 1) || !parse_credids(ids, m)) {
      err = OCF_ERR_MALFORMED;
      break;
    }
  }
  if (err == OCF_OK && rc != SQLITE_DONE) err = obt_sql_err(s, rc, "group members");
  sqlite3_finalize(st);
  return err;
}

static bool group_row(sqlite3_stmt *st, ocf_obt_group_record *g) {
  memset(g, 0, sizeof *g);
  g->created = sqlite3_column_int64(st, 4);
  g->rekeyed = sqlite3_column_int64(st, 5);
  g->by_apply = sqlite3_column_int64(st, 6) != 0;
  return obt_col_text(st, 0, g->name, OCF_OBT_GROUP_NAME_MAX) && obt_col_uuid(st, 1, &g->subject) &&
         obt_col_text(st, 2, g->gid, 14) && obt_col_text(st, 3, g->desc, OCF_OBT_GROUP_DESC_MAX);
}

ocf_err ocf_obt_store_group_get(ocf_obt_store *s, const char *name, ocf_obt_group_record *out) {
  if (!s || !name || !out) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(
      s, "SELECT name, subject, gid, desc, created, rekeyed, by_apply FROM oscore_groups WHERE name = ?",
      &st);
  if (err) return err;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    err = group_row(st, out) ? OCF_OK : OCF_ERR_MALFORMED;
  else
    err = rc == SQLITE_DONE ? OCF_ERR_NOT_FOUND : obt_sql_err(s, rc, "group get");
  sqlite3_finalize(st);
  return err ? err : load_members(s, out);
}

ocf_err ocf_obt_store_group_remove(ocf_obt_store *s, const char *name) {
  if (!s || !name) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, "DELETE FROM oscore_group_members WHERE grp = ?", &st);
  if (err) return err;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  if ((err = obt_run(s, st, "group remove")) != OCF_OK) return err;
  if ((err = obt_prepare(s, "DELETE FROM oscore_groups WHERE name = ?", &st)) != OCF_OK) return err;
  sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
  return obt_run(s, st, "group remove");
}

ocf_err ocf_obt_store_group_list(ocf_obt_store *s, bool (*each)(void *user, const ocf_obt_group_record *g),
                                 void *user) {
  if (!s || !each) return OCF_ERR_INVALID_ARG;
  /* one name at a time, in order: the members need statements of their own */
  char last[OCF_OBT_GROUP_NAME_MAX + 1] = "";
  for (;;) {
    sqlite3_stmt *st = NULL;
    ocf_err err = obt_prepare(s, "SELECT name FROM oscore_groups WHERE name > ? ORDER BY name LIMIT 1", &st);
    if (err) return err;
    sqlite3_bind_text(st, 1, last, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    bool ok = rc == SQLITE_ROW && obt_col_text(st, 0, last, OCF_OBT_GROUP_NAME_MAX);
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE) return OCF_OK;
    if (rc != SQLITE_ROW) return obt_sql_err(s, rc, "group list");
    if (!ok) return OCF_ERR_MALFORMED;
    ocf_obt_group_record g;
    err = ocf_obt_store_group_get(s, last, &g);
    if (err) return err;
    if (!each(user, &g)) return OCF_OK;
  }
}
