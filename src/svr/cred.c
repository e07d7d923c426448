/* /oic/sec/cred: the table of credentials, POST merging, DELETE, lookups (digest 2.3). */
#include "svr/cred.h"

#include <string.h>

#include "svr/svr_util.h"

#define CREDS_WRITABLE (SVR_ST(OCF_DOS_RFOTM) | SVR_ST(OCF_DOS_RFPRO) | SVR_ST(OCF_DOS_SRESET))
#define ROWNER_WRITABLE (SVR_ST(OCF_DOS_RFOTM) | SVR_ST(OCF_DOS_SRESET))

void ocf_svr_cred_clear(ocf_svr_cred *m) { memset(m, 0, sizeof *m); }

static int index_of(const ocf_svr_cred *m, uint32_t credid) {
  for (uint32_t i = 0; i < m->n && i < OCF_SVR_MAX_CREDS; i++)
    if (m->e[i].credid == credid) return (int)i;
  return -1;
}

static bool id_in_use(const void *model, uint32_t id) { return index_of(model, id) >= 0; }

/* An OSCORE recipient finds its context by the Recipient ID a message carries (RFC 8613 3.1;
 * S003 6.3: ids distinct from the recipientids already on the device), so two contexts with one
 * recipientid cannot both be used: the second is refused. skip: the index being replaced. */
static bool recipient_free(const ocf_svr_cred *m, const ocf_svr_cred_entry *e, int skip,
                           const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  if (!e->recipientid[0] || ctx->source == OCF_SVR_FROM_STORE) return true; /* an older store loads */
  for (uint32_t i = 0; i < m->n; i++)
    if ((int)i != skip && strcmp(m->e[i].recipientid, e->recipientid) == 0)
      return svr_fail(r, OCF_SVR_E_CONFLICT, "oscore.recipientid", "another context has this recipientid");
  return true;
}

/* One decoded entry into the table (see cred.h for the rules). */
static bool merge_entry(ocf_svr_cred *m, ocf_svr_cred_entry *e, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  int at = e->credid ? index_of(m, e->credid) : -1;
  if (at >= 0) { /* SEC:cred: an existing credid is replaced */
    if (!recipient_free(m, e, at, ctx, r)) return false;
    memcpy(&m->e[at], e, sizeof *e);
    return true;
  }
  if (ctx->source == OCF_SVR_FROM_CLIENT && !e->credid) /* an identical entry is a no-op (2.3) */
    for (uint32_t i = 0; i < m->n; i++)
      if (ocf_svr_cred_entry_same(&m->e[i], e)) return true;
  if (!recipient_free(m, e, -1, ctx, r)) return false;
  if (m->n >= OCF_SVR_MAX_CREDS) return svr_fail(r, OCF_SVR_E_FULL, NULL, "no room for another credential");
  if (!e->credid && !svr_draw_id(ctx, id_in_use, m, &e->credid, r)) return false;
  memcpy(&m->e[m->n++], e, sizeof *e);
  return true;
}

static bool set_creds(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  ocf_svr_cred *m = model;
  if (!svr_need_array(v, OCF_SVR_MAX_CREDS, r)) return false;
  ocf_svr_cred_entry e; /* one entry at a time: the table itself is the copy the caller drops */
  size_t i = 0;
  for (const ocf_rep_node *item = ocf_rep_first(v); item; item = ocf_rep_next(item), i++) {
    if (!ocf_svr_cred_entry_decode(item, ctx, true, &e, r) || !merge_entry(m, &e, ctx, r))
      return svr_report_nest(r, "creds", i);
  }
  return true;
}

static bool set_rowneruuid(void *model, const ocf_rep_node *v, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  (void)ctx;
  return svr_get_uuid(v, &((ocf_svr_cred *)model)->rowneruuid, r);
}

static const svr_prop CRED_PROPS[] = {
    {"creds", {CREDS_WRITABLE, SVR_CH_ANY}, OCF_SVR_CRED_CHG_CREDS, set_creds},
    {"rowneruuid", {ROWNER_WRITABLE, SVR_CH_ANY}, OCF_SVR_CRED_CHG_ROWNERUUID, set_rowneruuid},
};

ocf_err ocf_svr_cred_decode_update(const ocf_svr_cred *cur, const ocf_rep_node *payload,
                                   const ocf_svr_ctx *ctx, ocf_svr_cred *out, ocf_svr_report *r) {
  svr_report_init(r);
  if (!cur || !ctx || !out || cur == out) return OCF_ERR_INVALID_ARG;
  memcpy(out, cur, sizeof *out);
  if (!svr_apply_props(CRED_PROPS, sizeof CRED_PROPS / sizeof CRED_PROPS[0], out, payload, ctx, r))
    return svr_report_err(r);
  return OCF_OK;
}

void ocf_svr_cred_encode(const ocf_svr_cred *m, unsigned flags, ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  svr_enc_baseline(e, flags, "oic.r.cred");
  ocf_rep_enc_kv_array_open(e, "creds");
  for (uint32_t i = 0; i < m->n && i < OCF_SVR_MAX_CREDS; i++) ocf_svr_cred_entry_encode(&m->e[i], flags, e);
  ocf_rep_enc_array_close(e);
  ocf_rep_enc_kv_uuid(e, "rowneruuid", &m->rowneruuid);
  ocf_rep_enc_map_close(e);
}

/* --- DELETE ---------------------------------------------------------------------------------- */

/* digest 2.3: DELETE in RFNOP answers 4.03 (IoTivity-Lite); RESET has nothing to delete */
static ocf_err check_delete_state(const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  svr_report_init(r);
  if (ctx->source == OCF_SVR_FROM_STORE || (ctx->dos < OCF_DOS_COUNT && (CREDS_WRITABLE & SVR_ST(ctx->dos))))
    return OCF_OK;
  (void)svr_fail(r, OCF_SVR_E_DELETE_STATE, "creds", "credentials cannot be deleted in this state");
  return OCF_ERR_STATE;
}

static void remove_at(ocf_svr_cred *m, uint32_t i) {
  memmove(&m->e[i], &m->e[i + 1], (m->n - i - 1) * sizeof m->e[0]);
  m->n--;
  memset(&m->e[m->n], 0, sizeof m->e[0]);
}

ocf_err ocf_svr_cred_delete_id(ocf_svr_cred *m, uint32_t credid, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  if (!m || !ctx || !r) return OCF_ERR_INVALID_ARG;
  ocf_err err = check_delete_state(ctx, r);
  if (err) return err;
  int at = credid ? index_of(m, credid) : -1;
  if (at < 0) {
    (void)svr_fail(r, OCF_SVR_E_NOT_FOUND, "credid", "no credential with this credid");
    return OCF_ERR_NOT_FOUND;
  }
  remove_at(m, (uint32_t)at);
  r->changed = OCF_SVR_CRED_CHG_CREDS;
  return OCF_OK;
}

ocf_err ocf_svr_cred_delete_subject(ocf_svr_cred *m, const ocf_uuid *subject, const ocf_svr_ctx *ctx,
                                    ocf_svr_report *r) {
  if (!m || !subject || !ctx || !r) return OCF_ERR_INVALID_ARG;
  ocf_err err = check_delete_state(ctx, r);
  if (err) return err;
  uint32_t before = m->n;
  for (uint32_t i = m->n; i-- > 0;)
    if (!m->e[i].subject_any && ocf_uuid_equal(&m->e[i].subject, subject)) remove_at(m, i);
  if (m->n == before) {
    (void)svr_fail(r, OCF_SVR_E_NOT_FOUND, "subjectuuid", "no credential for this subject");
    return OCF_ERR_NOT_FOUND;
  }
  r->changed = OCF_SVR_CRED_CHG_CREDS;
  return OCF_OK;
}

ocf_err ocf_svr_cred_delete_all(ocf_svr_cred *m, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  if (!m || !ctx || !r) return OCF_ERR_INVALID_ARG;
  ocf_err err = check_delete_state(ctx, r);
  if (err) return err;
  memset(m->e, 0, sizeof m->e);
  m->n = 0;
  r->changed = OCF_SVR_CRED_CHG_CREDS;
  return OCF_OK;
}

/* --- lookups --------------------------------------------------------------------------------- */

const ocf_svr_cred_entry *ocf_svr_cred_find_id(const ocf_svr_cred *m, uint32_t credid) {
  int at = m && credid ? index_of(m, credid) : -1;
  return at >= 0 ? &m->e[at] : NULL;
}

bool ocf_svr_cred_has_subject(const ocf_svr_cred *m, const ocf_uuid *subject) {
  for (uint32_t i = 0; m && subject && i < m->n; i++)
    if (!m->e[i].subject_any && ocf_uuid_equal(&m->e[i].subject, subject)) return true;
  return false;
}

const ocf_svr_cred_entry *ocf_svr_cred_find_psk(const ocf_svr_cred *m, const ocf_uuid *subject) {
  for (uint32_t i = 0; m && subject && i < m->n; i++) {
    const ocf_svr_cred_entry *c = &m->e[i];
    if (c->credtype == OCF_CREDTYPE_PSK && !c->subject_any && ocf_uuid_equal(&c->subject, subject) &&
        c->private_len > 0)
      return c;
  }
  return NULL;
}

int ocf_svr_cred_find_owner_candidate(const ocf_svr_cred *m, const ocf_uuid *owner) {
  if (!m || !owner || ocf_uuid_is_nil(owner)) return -1;
  for (uint32_t i = 0; i < m->n; i++) {
    const ocf_svr_cred_entry *c = &m->e[i];
    if (c->credtype == OCF_CREDTYPE_PSK && !c->subject_any && ocf_uuid_equal(&c->subject, owner) &&
        c->private_len == 0 && c->private_encoding != OCF_CRED_ENC_HANDLE)
      return (int)i;
  }
  return -1;
}

ocf_err ocf_svr_cred_set_key(ocf_svr_cred *m, size_t index, const uint8_t *key, size_t len) {
  if (!m || index >= m->n || !key || (len != 16 && len != 32)) return OCF_ERR_INVALID_ARG;
  ocf_svr_cred_entry *c = &m->e[index];
  if (c->credtype != OCF_CREDTYPE_PSK) return OCF_ERR_INVALID_ARG;
  memset(c->private_data, 0, sizeof c->private_data);
  memcpy(c->private_data, key, len);
  c->private_len = (uint16_t)len;
  c->private_encoding = OCF_CRED_ENC_RAW;
  c->has_private = true;
  return OCF_OK;
}
