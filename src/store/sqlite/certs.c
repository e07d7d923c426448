/* Certificates the domain's CA issued, their revocation and the CRL (<ocf/ocf_obt_ca.h>,
 * ADR 0020; OBT 6.1; digest §6.2, §6.7). Issuing opens the sealed CA key, signs, wipes it and
 * records the certificate in the same call, so nothing the CA signed goes unrecorded (a record
 * without a delivered certificate is harmless; a delivered one without a record could never be
 * revoked). */
#include <ocf/ocf_obt_ca.h>
#include <stdio.h>
#include <string.h>

#include "pki/ca.h"
#include "pki/crypto.h"
#include "store/sqlite/obt_store.h"

static const char k_crl_number[] = "crl-number";
#define CRL_REVOKED_MAX 64 /* revoked serials one CRL lists (crldata is at most 2048 base64) */

static const char *const k_kinds[] = {
    [OCF_OBT_CERT_IDENTITY] = "identity", [OCF_OBT_CERT_ROLE] = "role", [OCF_OBT_CERT_TOOL] = "tool"};

const char *ocf_obt_cert_kind_name(ocf_obt_cert_kind kind) {
  return kind >= OCF_OBT_CERT_IDENTITY && kind <= OCF_OBT_CERT_TOOL ? k_kinds[kind] : "?";
}

static ocf_pki_rng store_rng(ocf_obt_store *s) { return (ocf_pki_rng){s->pf.random, s->pf.ctx}; }

/* "role@authority,role" */
static bool roles_text(const ocf_obt_cert_request *rq, char *out, size_t cap) {
  size_t o = 0;
  out[0] = 0;
  for (size_t i = 0; i < rq->n_roles; i++) {
    const ocf_obt_cert_role *r = &rq->roles[i];
    int n = snprintf(out + o, cap - o, "%s%s%s%s", i ? "," : "", r->role, r->authority ? "@" : "",
                     r->authority ? r->authority : "");
    if (n < 0 || (size_t)n >= cap - o) return false;
    o += (size_t)n;
  }
  return true;
}

static ocf_err record(ocf_obt_store *s, const ocf_obt_cert_record *rec, const uint8_t *cert, size_t len) {
  sqlite3_stmt *st = NULL;
  ocf_err err =
      obt_prepare(s,
                  "INSERT INTO certs (serial, uuid, kind, roles, issued, not_before, not_after, cert) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                  &st);
  if (err != OCF_OK) return err;
  sqlite3_bind_blob(st, 1, rec->serial, (int)rec->serial_len, SQLITE_TRANSIENT);
  obt_bind_uuid(st, 2, &rec->uuid);
  sqlite3_bind_text(st, 3, ocf_obt_cert_kind_name(rec->kind), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, rec->roles, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 5, rec->issued);
  sqlite3_bind_int64(st, 6, rec->not_before);
  sqlite3_bind_int64(st, 7, rec->not_after);
  sqlite3_bind_blob(st, 8, cert, (int)len, SQLITE_TRANSIENT);
  return obt_run(s, st, "cert record");
}

static bool request_ok(const ocf_obt_cert_request *rq) {
  if (rq->kind < OCF_OBT_CERT_IDENTITY || rq->kind > OCF_OBT_CERT_TOOL || !rq->pubkey || !rq->pubkey_len)
    return false;
  if ((rq->kind == OCF_OBT_CERT_ROLE) != (rq->n_roles > 0) || rq->n_roles > OCF_OBT_CERT_ROLES_MAX)
    return false;
  for (size_t i = 0; i < rq->n_roles; i++)
    if (!rq->roles || !rq->roles[i].role) return false;
  return true;
}

ocf_err ocf_obt_ca_issue(ocf_obt_store *s, const ocf_obt_cert_request *rq, int64_t utc_now, uint8_t *cert,
                         size_t cap, size_t *cert_len, ocf_obt_cert_record *rec) {
  if (!s || !rq || !cert || !cert_len || !request_ok(rq)) return OCF_ERR_INVALID_ARG;
  ocf_obt_cert_record r;
  memset(&r, 0, sizeof r);
  if (!roles_text(rq, r.roles, sizeof r.roles)) return OCF_ERR_INVALID_ARG;
  ocf_pki_role roles[OCF_PKI_ROLES_MAX];
  for (size_t i = 0; i < rq->n_roles; i++)
    roles[i] = (ocf_pki_role){rq->roles[i].role, rq->roles[i].authority};
  ocf_pki_leaf leaf = {.uuid = rq->uuid,
                       .pubkey = rq->pubkey,
                       .pubkey_len = rq->pubkey_len,
                       .not_before = rq->not_before,
                       .not_after = rq->not_after,
                       .roles = roles,
                       .n_roles = rq->n_roles};
  ocf_pki_ca ca;
  ocf_err err = obt_ca_open(s, &ca);
  ocf_pki_rng rng = store_rng(s);
  if (err == OCF_OK) err = ocf_pki_issue(&ca, &leaf, &rng, cert, cap, cert_len, r.serial, &r.serial_len);
  ocf_pki_ca_wipe(&ca);
  ocf_pki_cert_info info;
  if (err == OCF_OK) err = ocf_pki_cert_info_get(cert, *cert_len, &info);
  if (err != OCF_OK) return err;
  r.uuid = rq->uuid;
  r.kind = rq->kind;
  r.issued = utc_now;
  r.not_before = info.not_before;
  r.not_after = info.not_after; /* after the cut to the CA's notAfter */
  err = record(s, &r, cert, *cert_len);
  if (err == OCF_OK && rec) *rec = r;
  return err;
}

ocf_err ocf_obt_ca_issue_self(ocf_obt_store *s, int64_t utc_now, uint32_t days,
                              char cert_pem[OCF_OBT_CERT_PEM_MAX], char key_pem[OCF_OBT_CERT_PEM_MAX],
                              ocf_obt_cert_record *rec) {
  if (!s || !cert_pem || !key_pem || days == 0) return OCF_ERR_INVALID_ARG;
  ocf_obt_domain dom;
  ocf_err err = ocf_obt_store_domain_get(s, &dom);
  if (err != OCF_OK) return err;
  ocf_pki_rng rng = store_rng(s);
  uint8_t key[OCF_PKI_KEY_MAX], pub[OCF_PKI_PUBKEY_MAX], cert[OCF_PKI_CERT_MAX];
  size_t key_len = 0, pub_len = 0, cert_len = 0, n = 0;
  err = ocf_pki_keypair_generate(&rng, key, sizeof key, &key_len, pub, sizeof pub, &pub_len);
  ocf_obt_cert_request rq = {.kind = OCF_OBT_CERT_TOOL,
                             .uuid = dom.tool_uuid,
                             .pubkey = pub,
                             .pubkey_len = pub_len,
                             .not_before = utc_now - 3600, /* an hour of clock skew */
                             .not_after = utc_now + (int64_t)days * 86400};
  if (err == OCF_OK) err = ocf_obt_ca_issue(s, &rq, utc_now, cert, sizeof cert, &cert_len, rec);
  if (err == OCF_OK)
    err = ocf_pki_pem_write("CERTIFICATE", cert, cert_len, cert_pem, OCF_OBT_CERT_PEM_MAX, &n);
  if (err == OCF_OK)
    err = ocf_pki_pem_write("EC PRIVATE KEY", key, key_len, key_pem, OCF_OBT_CERT_PEM_MAX, &n);
  ocf_crypto_wipe(key, sizeof key);
  if (err != OCF_OK) ocf_crypto_wipe(key_pem, OCF_OBT_CERT_PEM_MAX);
  return err;
}

static bool from_row(sqlite3_stmt *st, ocf_obt_cert_record *r) {
  memset(r, 0, sizeof *r);
  int n = sqlite3_column_bytes(st, 0);
  const void *p = sqlite3_column_blob(st, 0);
  if (!p || n < 1 || n > OCF_OBT_CERT_SERIAL_MAX) return false;
  memcpy(r->serial, p, (size_t)n);
  r->serial_len = (size_t)n;
  char kind[16];
  if (!obt_col_uuid(st, 1, &r->uuid) || !obt_col_text(st, 2, kind, sizeof kind - 1) ||
      !obt_col_text(st, 3, r->roles, OCF_OBT_CERT_ROLES_TEXT))
    return false;
  for (int k = OCF_OBT_CERT_IDENTITY; k <= OCF_OBT_CERT_TOOL; k++)
    if (!strcmp(kind, k_kinds[k])) r->kind = (ocf_obt_cert_kind)k;
  r->issued = sqlite3_column_int64(st, 4);
  r->not_before = sqlite3_column_int64(st, 5);
  r->not_after = sqlite3_column_int64(st, 6);
  r->revoked = sqlite3_column_int64(st, 7) != 0;
  r->revoked_at = sqlite3_column_int64(st, 8);
  return r->kind != 0;
}

#define CERT_COLUMNS "serial, uuid, kind, roles, issued, not_before, not_after, revoked, revoked_at"

ocf_err ocf_obt_cert_list(ocf_obt_store *s, const ocf_uuid *uuid,
                          bool (*each)(void *user, const ocf_obt_cert_record *rec), void *user) {
  if (!s || !each) return OCF_ERR_INVALID_ARG;
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s,
                            uuid ? "SELECT " CERT_COLUMNS " FROM certs WHERE uuid = ? ORDER BY rowid"
                                 : "SELECT " CERT_COLUMNS " FROM certs ORDER BY rowid",
                            &st);
  if (err != OCF_OK) return err;
  if (uuid) obt_bind_uuid(st, 1, uuid);
  int rc;
  ocf_obt_cert_record r;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (!from_row(st, &r)) {
      err = OCF_ERR_MALFORMED;
      break;
    }
    if (!each(user, &r)) break;
  }
  if (err == OCF_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) err = obt_sql_err(s, rc, "cert list");
  sqlite3_finalize(st);
  return err;
}

ocf_err ocf_obt_crl_number(ocf_obt_store *s, uint64_t *number) {
  if (!s || !number) return OCF_ERR_INVALID_ARG;
  uint8_t b[8];
  size_t len = 0;
  ocf_err err = ocf_obt_store_domain_public_get(s, k_crl_number, b, sizeof b, &len);
  *number = 1;
  if (err == OCF_ERR_NOT_FOUND) return OCF_OK;
  if (err != OCF_OK) return err;
  if (len != sizeof b) return OCF_ERR_MALFORMED;
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof b; i++) v = v << 8 | b[i];
  *number = v;
  return OCF_OK;
}

static ocf_err set_crl_number(ocf_obt_store *s, uint64_t v) {
  uint8_t b[8];
  for (size_t i = 0; i < sizeof b; i++) b[i] = (uint8_t)(v >> (8 * (7 - i)));
  return ocf_obt_store_domain_public_put(s, k_crl_number, b, sizeof b);
}

static ocf_err mark_revoked(ocf_obt_store *s, const uint8_t *serial, size_t serial_len, int64_t when) {
  sqlite3_stmt *st = NULL;
  ocf_err err = obt_prepare(s, "SELECT revoked FROM certs WHERE serial = ?", &st);
  if (err != OCF_OK) return err;
  sqlite3_bind_blob(st, 1, serial, (int)serial_len, SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  err = rc == SQLITE_DONE             ? OCF_ERR_NOT_FOUND
        : rc != SQLITE_ROW            ? obt_sql_err(s, rc, "cert revoke")
        : sqlite3_column_int64(st, 0) ? OCF_ERR_STATE
                                      : OCF_OK;
  sqlite3_finalize(st);
  if (err != OCF_OK) return err;
  err = obt_prepare(s, "UPDATE certs SET revoked = 1, revoked_at = ? WHERE serial = ?", &st);
  if (err != OCF_OK) return err;
  sqlite3_bind_int64(st, 1, when);
  sqlite3_bind_blob(st, 2, serial, (int)serial_len, SQLITE_TRANSIENT);
  return obt_run(s, st, "cert revoke");
}

ocf_err ocf_obt_cert_revoke(ocf_obt_store *s, const uint8_t *serial, size_t serial_len, int64_t when) {
  if (!s || !serial || !serial_len || serial_len > OCF_OBT_CERT_SERIAL_MAX) return OCF_ERR_INVALID_ARG;
  bool own = !s->in_txn;
  ocf_err err = own ? ocf_obt_store_begin(s) : OCF_OK;
  if (err != OCF_OK) return err;
  uint64_t number = 0;
  err = mark_revoked(s, serial, serial_len, when);
  if (err == OCF_OK) err = ocf_obt_crl_number(s, &number);
  if (err == OCF_OK) err = set_crl_number(s, number + 1); /* RFC 5280 5.2.3: increasing */
  if (own) {
    if (err == OCF_OK)
      err = ocf_obt_store_commit(s);
    else
      ocf_obt_store_rollback(s);
  }
  return err;
}

typedef struct revoked_list {
  ocf_pki_revoked r[CRL_REVOKED_MAX];
  uint8_t serials[CRL_REVOKED_MAX][OCF_OBT_CERT_SERIAL_MAX];
  size_t n;
  bool overflow;
} revoked_list;

static bool collect(void *user, const ocf_obt_cert_record *rec) {
  revoked_list *l = user;
  if (!rec->revoked) return true;
  if (l->n == CRL_REVOKED_MAX) {
    l->overflow = true;
    return false;
  }
  memcpy(l->serials[l->n], rec->serial, rec->serial_len);
  l->r[l->n] = (ocf_pki_revoked){l->serials[l->n], rec->serial_len, rec->revoked_at};
  l->n++;
  return true;
}

ocf_err ocf_obt_crl_build(ocf_obt_store *s, int64_t utc_now, uint32_t days, uint8_t *der, size_t cap,
                          size_t *len, uint64_t *number) {
  if (!s || !der || !len || !number || days == 0) return OCF_ERR_INVALID_ARG;
  revoked_list *l = s->pf.alloc(s->pf.ctx, sizeof *l);
  if (!l) return OCF_ERR_NO_MEMORY;
  memset(l, 0, sizeof *l);
  ocf_err err = ocf_obt_cert_list(s, NULL, collect, l);
  if (err == OCF_OK && l->overflow) err = OCF_ERR_NO_SPACE;
  if (err == OCF_OK) err = ocf_obt_crl_number(s, number);
  ocf_pki_ca ca;
  if (err == OCF_OK) err = obt_ca_open(s, &ca);
  if (err == OCF_OK) {
    ocf_pki_crl_params p = {.number = *number,
                            .this_update = utc_now,
                            .next_update = utc_now + (int64_t)days * 86400,
                            .revoked = l->r,
                            .n_revoked = l->n};
    ocf_pki_rng rng = store_rng(s);
    err = ocf_pki_crl_write(&ca, &p, &rng, der, cap, len);
    ocf_pki_ca_wipe(&ca);
  }
  s->pf.free(s->pf.ctx, l);
  return err;
}

/* ---- the current CRL and what each device holds ------------------------------------------- */

static const char k_crl_current[] = "crl-current";
static const char k_crl_held[] = "crl-held";
#define CRL_HEAD 24 /* number, thisUpdate, nextUpdate: 8 octets each, big-endian */

static void put_u64(uint8_t *p, uint64_t v) {
  for (size_t i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * (7 - i)));
}

static uint64_t get_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; i++) v = v << 8 | p[i];
  return v;
}

ocf_err ocf_obt_crl_issue(ocf_obt_store *s, int64_t utc_now, uint32_t days, uint8_t *der, size_t cap,
                          size_t *len, ocf_obt_crl_info *info) {
  if (!s || !der || !len || days == 0) return OCF_ERR_INVALID_ARG;
  uint8_t *rec = s->pf.alloc(s->pf.ctx, OCF_OBT_PUBLIC_MAX);
  if (!rec) return OCF_ERR_NO_MEMORY;
  bool own = !s->in_txn;
  ocf_err err = own ? ocf_obt_store_begin(s) : OCF_OK;
  uint64_t number = 0;
  if (err == OCF_OK) err = ocf_obt_crl_build(s, utc_now, days, der, cap, len, &number);
  if (err == OCF_OK && *len > OCF_OBT_PUBLIC_MAX - CRL_HEAD) err = OCF_ERR_NO_SPACE;
  ocf_obt_crl_info i = {number, utc_now, utc_now + (int64_t)days * 86400};
  if (err == OCF_OK) {
    put_u64(rec, i.number);
    put_u64(rec + 8, (uint64_t)i.this_update);
    put_u64(rec + 16, (uint64_t)i.next_update);
    memcpy(rec + CRL_HEAD, der, *len);
    err = ocf_obt_store_domain_public_put(s, k_crl_current, rec, CRL_HEAD + *len);
  }
  /* RFC 5280 5.2.3: the next CRL, even with the same revocations, gets a greater number. */
  if (err == OCF_OK) err = set_crl_number(s, number + 1);
  if (own) {
    if (err == OCF_OK)
      err = ocf_obt_store_commit(s);
    else if (s->in_txn)
      ocf_obt_store_rollback(s);
  }
  s->pf.free(s->pf.ctx, rec);
  if (err == OCF_OK && info) *info = i;
  return err;
}

ocf_err ocf_obt_crl_current(ocf_obt_store *s, uint8_t *der, size_t cap, size_t *len, ocf_obt_crl_info *info) {
  if (!s || (der && !len)) return OCF_ERR_INVALID_ARG;
  uint8_t *rec = s->pf.alloc(s->pf.ctx, OCF_OBT_PUBLIC_MAX);
  if (!rec) return OCF_ERR_NO_MEMORY;
  size_t n = 0;
  ocf_err err = ocf_obt_store_domain_public_get(s, k_crl_current, rec, OCF_OBT_PUBLIC_MAX, &n);
  if (err == OCF_OK && n <= CRL_HEAD) err = OCF_ERR_MALFORMED;
  if (err == OCF_OK && der && n - CRL_HEAD > cap) err = OCF_ERR_NO_SPACE;
  if (err == OCF_OK) {
    if (info) *info = (ocf_obt_crl_info){get_u64(rec), (int64_t)get_u64(rec + 8), (int64_t)get_u64(rec + 16)};
    if (der) {
      memcpy(der, rec + CRL_HEAD, n - CRL_HEAD);
      *len = n - CRL_HEAD;
    }
  }
  s->pf.free(s->pf.ctx, rec);
  return err;
}

/* The device secret: flags (1: no /oic/sec/crl), number, when. Sealed only because device values
 * live in the secrets table; nothing here is secret. */
#define CRL_HELD_LEN 17

ocf_err ocf_obt_crl_held_put(ocf_obt_store *s, const ocf_uuid *device, const ocf_obt_crl_held *held) {
  if (!s || !device || !held) return OCF_ERR_INVALID_ARG;
  uint8_t b[CRL_HELD_LEN];
  b[0] = held->no_resource ? 1 : 0;
  put_u64(b + 1, held->no_resource ? 0 : held->number);
  put_u64(b + 9, (uint64_t)held->when);
  return ocf_obt_store_secret_put(s, device, k_crl_held, b, sizeof b);
}

ocf_err ocf_obt_crl_held_get(ocf_obt_store *s, const ocf_uuid *device, ocf_obt_crl_held *out) {
  if (!s || !device || !out) return OCF_ERR_INVALID_ARG;
  uint8_t b[CRL_HELD_LEN];
  size_t n = 0;
  ocf_err err = ocf_obt_store_secret_get(s, device, k_crl_held, b, sizeof b, &n);
  if (err == OCF_ERR_NO_SPACE || (err == OCF_OK && (n != sizeof b || b[0] > 1))) return OCF_ERR_MALFORMED;
  if (err != OCF_OK) return err;
  *out = (ocf_obt_crl_held){b[0] == 1, get_u64(b + 1), (int64_t)get_u64(b + 9)};
  return OCF_OK;
}
