/* The notes of obt apply's pending ACEs (apply_pending.h). Each ACE is one device value
 * "apply-pending-I" holding its spec (ocf_obt_ace_spec): one value each, because a spec may take
 * the whole OCF_OBT_SECRET_MAX. Device values need no schema change (store version 8). */
#include "apply_pending.h"

#include <stdio.h>
#include <string.h>

#define NAME_MAX_LEN 24

static void name_of(size_t i, char out[NAME_MAX_LEN]) { snprintf(out, NAME_MAX_LEN, "apply-pending-%zu", i); }

ocf_err obt_apply_pending_drop(ocf_obt_store *s, const ocf_uuid *dev) {
  ocf_err err = OCF_OK;
  char name[NAME_MAX_LEN];
  for (size_t i = 0; !err && i < OCF_OBT_EDIT_MAX; i++) {
    name_of(i, name);
    err = ocf_obt_store_secret_remove(s, dev, name);
  }
  return err;
}

ocf_err obt_apply_pending_note(ocf_obt_store *s, const ocf_uuid *dev, const ocf_obt_ace *add, size_t n) {
  if (n > OCF_OBT_EDIT_MAX) return OCF_ERR_INVALID_ARG;
  char name[NAME_MAX_LEN], spec[OCF_OBT_APPLIED_SPEC_MAX + 1];
  ocf_err err = ocf_obt_store_begin(s);
  if (!err) err = obt_apply_pending_drop(s, dev);
  for (size_t i = 0; !err && i < n; i++) {
    name_of(i, name);
    ocf_obt_ace_spec(&add[i], spec);
    err = ocf_obt_store_secret_put(s, dev, name, (const uint8_t *)spec, strlen(spec));
  }
  if (!err) err = ocf_obt_store_commit(s);
  if (err) ocf_obt_store_rollback(s);
  return err;
}

ocf_err obt_apply_pending_read(ocf_obt_store *s, const ocf_uuid *dev,
                               char (*specs)[OCF_OBT_APPLIED_SPEC_MAX + 1], size_t *n) {
  *n = 0;
  char name[NAME_MAX_LEN];
  for (size_t i = 0; i < OCF_OBT_EDIT_MAX; i++) {
    size_t len = 0;
    name_of(i, name);
    memset(specs[*n], 0, OCF_OBT_APPLIED_SPEC_MAX + 1);
    ocf_err err =
        ocf_obt_store_secret_get(s, dev, name, (uint8_t *)specs[*n], OCF_OBT_APPLIED_SPEC_MAX, &len);
    if (err == OCF_ERR_NOT_FOUND) continue;
    if (err) return err;
    ++*n;
  }
  return OCF_OK;
}
