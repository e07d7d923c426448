/* The domain row: the tool's own uuid, the security domain (sdi uuid, name, priv: OBT 5.3.1
 * step 11), and the OTM policy (OBT 5.3.3: which OTMs the operator allows, in preference order). */
#include <string.h>

#include "store/sqlite/obt_store.h"

static const char *const k_otm_names[] = {"jw", "rdp", "mfgcert"};
#define OTM_COUNT (sizeof k_otm_names / sizeof k_otm_names[0])

/* The index of the OTM named p[0..len), or -1. */
static int otm_index(const char *p, size_t len) {
  for (size_t i = 0; i < OTM_COUNT; i++)
    if (strlen(k_otm_names[i]) == len && memcmp(k_otm_names[i], p, len) == 0) return (int)i;
  return -1;
}

bool ocf_obt_otm_policy_valid(const char *policy) {
  if (!policy || strlen(policy) > OCF_OBT_OTM_POLICY_MAX) return false;
  bool seen[OTM_COUNT] = {false};
  const char *p = policy;
  for (;;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    int i = otm_index(p, len);
    if (i < 0 || seen[i]) return false;
    seen[i] = true;
    if (!comma) return true;
    p = comma + 1;
  }
}

bool obt_domain_valid(const ocf_obt_domain *d) {
  return obt_text_ok(d->name, 1, OCF_OBT_DOMAIN_NAME_MAX) && ocf_obt_otm_policy_valid(d->otm_policy);
}

ocf_err obt_domain_insert(ocf_obt_store *s, const ocf_obt_domain *d) {
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s,
                            "INSERT INTO domain (id, tool_uuid, sdi_uuid, name, priv, otm_policy, created) "
                            "VALUES (1, ?, ?, ?, ?, ?, ?)",
                            &st);
  if (err != OCF_OK) return err;
  obt_bind_uuid(st, 1, &d->tool_uuid);
  obt_bind_uuid(st, 2, &d->sdi_uuid);
  sqlite3_bind_text(st, 3, d->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 4, d->priv ? 1 : 0);
  sqlite3_bind_text(st, 5, d->otm_policy, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 6, d->created);
  return obt_run(s, st, "domain insert");
}

static bool domain_from_row(sqlite3_stmt *st, ocf_obt_domain *out) {
  int64_t priv = sqlite3_column_int64(st, 3);
  out->priv = priv != 0;
  out->created = sqlite3_column_int64(st, 5);
  return obt_col_uuid(st, 0, &out->tool_uuid) && obt_col_uuid(st, 1, &out->sdi_uuid) &&
         obt_col_text(st, 2, out->name, OCF_OBT_DOMAIN_NAME_MAX) &&
         obt_col_text(st, 4, out->otm_policy, OCF_OBT_OTM_POLICY_MAX) && (priv == 0 || priv == 1) &&
         obt_domain_valid(out);
}

ocf_err ocf_obt_store_domain_get(ocf_obt_store *s, ocf_obt_domain *out) {
  if (!s || !out) return OCF_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(
      s, "SELECT tool_uuid, sdi_uuid, name, priv, otm_policy, created FROM domain WHERE id = 1", &st);
  if (err != OCF_OK) return err;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE)
    err = OCF_ERR_NOT_FOUND;
  else if (rc != SQLITE_ROW)
    err = obt_sql_err(s, rc, "domain get");
  else if (!domain_from_row(st, out))
    err = OCF_ERR_MALFORMED;
  sqlite3_finalize(st);
  return err;
}

ocf_err ocf_obt_store_domain_set(ocf_obt_store *s, const ocf_obt_domain *d) {
  if (!s || !d || !obt_domain_valid(d)) return OCF_ERR_INVALID_ARG;
  ocf_obt_domain cur;
  ocf_err err = ocf_obt_store_domain_get(s, &cur);
  if (err != OCF_OK) return err;
  if (!ocf_uuid_equal(&cur.tool_uuid, &d->tool_uuid) || !ocf_uuid_equal(&cur.sdi_uuid, &d->sdi_uuid) ||
      cur.created != d->created)
    return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  err = obt_prepare(s, "UPDATE domain SET name = ?, priv = ?, otm_policy = ? WHERE id = 1", &st);
  if (err != OCF_OK) return err;
  sqlite3_bind_text(st, 1, d->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 2, d->priv ? 1 : 0);
  sqlite3_bind_text(st, 3, d->otm_policy, -1, SQLITE_TRANSIENT);
  return obt_run(s, st, "domain set");
}
