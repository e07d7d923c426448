/* libFuzzer target for src/svr: arbitrary CBOR as an update of every SVR, in a context the
 * first byte picks. Invariants checked on every input:
 *  - the current model is never written (byte-for-byte equal to a pristine copy);
 *  - an accepted update encodes for GET and for the store, and the store form decodes back
 *    (source STORE, from a zeroed model) to exactly the same bytes;
 *  - a pstat transition request passes through the entry checks without harm, an accepted ACL
 *    feeds the access decision, and the DELETE model operations keep their tables compact.
 *
 * Input: byte 0 = context: bits 0-2 dos.s (mod 5), bit 3 over the DOC, bit 4 loading from the
 * store, bit 5 a failing random source; the rest is the CBOR payload. */
#include <stdlib.h>
#include <string.h>

#include "svr/acl_decide.h"
#include "svr/ael.h"
#include "svr/crl.h"
#include "svr/csr.h"
#include "svr/cred.h"
#include "svr/dos.h"
#include "svr/doxm.h"
#include "svr/pstat.h"
#include "svr/roles.h"
#include "svr/sdi.h"
#include "svr/sp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_NODES 1024
#define ENC_CAP 131072

static ocf_rep_node nodes[N_NODES], nodes2[N_NODES * 4];
static uint8_t enc_buf[ENC_CAP];
static uint32_t rng_state;

static struct {
  ocf_svr_doxm doxm;
  ocf_svr_pstat pstat;
  ocf_svr_cred cred;
  ocf_svr_acl2 acl2;
  ocf_svr_sp sp;
  ocf_svr_sdi sdi;
  ocf_svr_csr csr;
  ocf_svr_roles roles;
  ocf_svr_crl crl;
  ocf_svr_ael ael;
} cur, pristine;

static union {
  ocf_svr_doxm doxm;
  ocf_svr_pstat pstat;
  ocf_svr_cred cred;
  ocf_svr_acl2 acl2;
  ocf_svr_sp sp;
  ocf_svr_sdi sdi;
  ocf_svr_csr csr;
  ocf_svr_roles roles;
  ocf_svr_crl crl;
  ocf_svr_ael ael;
} out, zero, back;

static void must(bool ok) {
  if (!ok) abort();
}

static ocf_err rng(void *ctx, uint8_t *b, size_t len) {
  (void)ctx;
  for (size_t i = 0; i < len; i++) {
    rng_state = rng_state * 1103515245u + 12345u;
    b[i] = (uint8_t)(rng_state >> 16);
  }
  return OCF_OK;
}

static ocf_err rng_fails(void *ctx, uint8_t *b, size_t len) {
  (void)ctx;
  (void)b;
  (void)len;
  return OCF_ERR_IO;
}

static void fill_pristine(void) {
  static const uint32_t oxms[] = {0, 1, 2};
  ocf_uuid a = {{1, 2, 3}}, b = {{4, 5, 6}};
  must(ocf_svr_doxm_init(&cur.doxm, oxms, 3, 9, &a) == OCF_OK);
  cur.doxm.devowneruuid = cur.doxm.rowneruuid = b;
  ocf_svr_pstat_init(&cur.pstat);
  cur.pstat.rowneruuid = b;
  cur.cred.rowneruuid = cur.acl2.rowneruuid = b;
  for (uint32_t i = 0; i < 3; i++) {
    ocf_svr_cred_entry *c = &cur.cred.e[i];
    c->credid = 10 + i;
    c->credtype = OCF_CREDTYPE_PSK;
    c->subject = i ? a : b;
    c->has_private = true;
    c->private_encoding = OCF_CRED_ENC_RAW;
    c->private_len = 16;
    ocf_svr_ace *ace = &cur.acl2.ace[i];
    ace->aceid = 20 + i;
    ace->subject_kind = OCF_ACE_SUBJECT_CONNTYPE;
    ace->permission = 2;
    ace->n_resources = 1;
    ace->resources[0].wc = (uint8_t)(1 + i);
  }
  cur.cred.n = cur.acl2.n = 3;
  must(ocf_svr_sp_init(&cur.sp, 3, 0) == OCF_OK);
  ocf_svr_sdi_init(&cur.sdi);
  must(ocf_svr_csr_set(&cur.csr, OCF_CRED_ENC_PEM, (const uint8_t *)"PEM", 3) == OCF_OK);
  ocf_svr_roles_clear(&cur.roles);
  ocf_svr_crl_clear(&cur.crl);
  ocf_svr_ael_init(&cur.ael);
  memcpy(&pristine, &cur, sizeof cur);
}

/* encode(out) for GET and for the store; the store form must decode to the same model */
#define CHECK_ROUND_TRIP(ENC, DEC, field)                                                                    \
  do {                                                                                                       \
    ocf_rep_enc e_;                                                                                          \
    size_t len_;                                                                                             \
    ocf_rep_enc_init(&e_, enc_buf, ENC_CAP);                                                                 \
    ENC(&out.field, OCF_SVR_ENC_BASELINE, &e_);                                                              \
    must(ocf_rep_enc_finish(&e_, &len_) == OCF_OK);                                                          \
    ocf_rep_enc_init(&e_, enc_buf, ENC_CAP);                                                                 \
    ENC(&out.field, OCF_SVR_ENC_STORE, &e_);                                                                 \
    must(ocf_rep_enc_finish(&e_, &len_) == OCF_OK);                                                          \
    ocf_rep_limits lim_ = ocf_rep_default_limits();                                                          \
    lim_.max_nodes = N_NODES * 4;                                                                            \
    const ocf_rep_node *root_;                                                                               \
    must(ocf_rep_decode(enc_buf, len_, &lim_, nodes2, N_NODES * 4, &root_) == OCF_OK);                       \
    ocf_svr_ctx s_ = {OCF_SVR_FROM_STORE, 0, false, NULL, NULL};                                             \
    ocf_svr_report r2_;                                                                                      \
    memset(&zero, 0, sizeof zero);                                                                           \
    must(DEC(&zero.field, root_, &s_, &back.field, &r2_) == OCF_OK);                                         \
    must(memcmp(&back.field, &out.field, sizeof out.field) == 0);                                            \
  } while (0)

#define RUN(ENC, DEC, field, after)                                                                          \
  do {                                                                                                       \
    ocf_svr_report r_;                                                                                       \
    ocf_err err_ = DEC(&cur.field, root, ctx, &out.field, &r_);                                              \
    must(memcmp(&cur.field, &pristine.field, sizeof cur.field) == 0);                                        \
    must((err_ == OCF_OK) == (r_.kind == OCF_SVR_E_NONE));                                                   \
    must(err_ == OCF_OK || err_ == ocf_svr_ekind_err(r_.kind));                                              \
    if (err_ == OCF_OK) {                                                                                    \
      CHECK_ROUND_TRIP(ENC, DEC, field);                                                                     \
      after;                                                                                                 \
    }                                                                                                        \
  } while (0)

static void after_pstat(const ocf_svr_ctx *ctx) {
  (void)ctx;
  ocf_svr_models m = {&cur.doxm, &out.pstat, &cur.cred, &cur.acl2};
  ocf_svr_report r;
  for (uint8_t s = 0; s <= OCF_DOS_COUNT; s++) (void)ocf_dos_check_entry(s, &m, &r);
}

static void after_acl2(const ocf_svr_ctx *ctx) {
  static const char *const hrefs[] = {"/oic/sec/doxm", "/oic/res", "/light", "/oic/sec/roles"};
  ocf_acl_role role = {"admin", NULL, true};
  for (size_t i = 0; i < 4 * 4 * 2; i++) {
    ocf_acl_query q = {.method = (ocf_method)(1 + i % 4),
                       .href = hrefs[(i / 4) % 4],
                       .is_svr = (i / 4) % 4 != 1 && (i / 4) % 4 != 2,
                       .is_dcr = (i / 4) % 4 != 2,
                       .discoverable = true,
                       .has_unsecured_ep = i & 1,
                       .dos = ctx->dos,
                       .conntype = (ocf_conntype)(i / 16),
                       .auth = i / 16 ? OCF_ACL_AUTH_PSK : OCF_ACL_AUTH_NONE,
                       .has_peer_uuid = i / 16,
                       .roles = &role,
                       .n_roles = 1,
                       .acl = &out.acl2,
                       .has_now = true,
                       .now_utc = 1500000000};
    ocf_acl_decision d = ocf_acl_decide(&q);
    must(d.outcome <= OCF_ACL_SILENT && d.rule < OCF_ACL_RULE_COUNT);
  }
  ocf_svr_report r;
  uint32_t n = out.acl2.n;
  if (n && ocf_svr_acl2_delete_id(&out.acl2, out.acl2.ace[0].aceid, ctx, &r) == OCF_OK)
    must(out.acl2.n == n - 1);
}

static void after_cred(const ocf_svr_ctx *ctx) {
  ocf_svr_report r;
  int owner = ocf_svr_cred_find_owner_candidate(&out.cred, &out.cred.rowneruuid);
  static const uint8_t key[16] = {1};
  if (owner >= 0) must(ocf_svr_cred_set_key(&out.cred, (size_t)owner, key, 16) == OCF_OK);
  uint32_t n = out.cred.n;
  if (n && ocf_svr_cred_delete_subject(&out.cred, &out.cred.e[0].subject, ctx, &r) == OCF_OK)
    must(out.cred.n < n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 8192) return 0;
  if (pristine.doxm.n_oxms == 0) fill_pristine();
  rng_state = 1;
  ocf_svr_ctx c = {data[0] & 0x10 ? OCF_SVR_FROM_STORE : OCF_SVR_FROM_CLIENT,
                   (uint8_t)((data[0] & 7) % 5),
                   (data[0] & 8) != 0,
                   data[0] & 0x20 ? rng_fails : rng,
                   NULL,
                   (data[0] & 0x40) != 0};
  const ocf_svr_ctx *ctx = &c;
  uint32_t id;
  ocf_svr_report pr;
  if (ocf_svr_parse_id((const char *)data + 1, size - 1 < 24 ? size - 1 : 24, &id, &pr) == OCF_OK)
    must(id != 0);
  const ocf_rep_node *root;
  if (ocf_rep_decode(data + 1, size - 1, NULL, nodes, N_NODES, &root) != OCF_OK) return 0;
  RUN(ocf_svr_doxm_encode, ocf_svr_doxm_decode_update, doxm, (void)0);
  RUN(ocf_svr_pstat_encode, ocf_svr_pstat_decode_update, pstat, after_pstat(ctx));
  RUN(ocf_svr_cred_encode, ocf_svr_cred_decode_update, cred, after_cred(ctx));
  RUN(ocf_svr_acl2_encode, ocf_svr_acl2_decode_update, acl2, after_acl2(ctx));
  RUN(ocf_svr_sp_encode, ocf_svr_sp_decode_update, sp, (void)0);
  RUN(ocf_svr_sdi_encode, ocf_svr_sdi_decode_update, sdi, (void)0);
  RUN(ocf_svr_csr_encode, ocf_svr_csr_decode_update, csr, (void)0);
  RUN(ocf_svr_roles_encode, ocf_svr_roles_decode_update, roles, (void)0);
  RUN(ocf_svr_crl_encode, ocf_svr_crl_decode_update, crl, (void)0);
  RUN(ocf_svr_ael_encode, ocf_svr_ael_decode_update, ael, (void)0);
  return 0;
}
