/* Writes the representations src/svr encodes (GET, plain and baseline) into DIR, for
 * svr_schema_check.py to validate against the OCF security schemas. The models are filled the
 * way a device holds them after an onboarding, through decode_update where a client would.
 * Usage: svr_samples DIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svr/acl2.h"
#include "svr/ael.h"
#include "svr/crl.h"
#include "svr/csr.h"
#include "svr/roles.h"
#include "svr/cred.h"
#include "svr/doxm.h"
#include "svr/pstat.h"
#include "svr/sdi.h"
#include "svr/sp.h"

#define OBT "aabbccdd-0000-1111-2222-333344445555"
#define DEV "ce3eefde-b8e3-4c08-5674-c3702eb35028"
#define PEER "11111111-2222-3333-4444-555555555555"

#define NODES 512
static ocf_rep_node nodes[NODES];

static ocf_err fixed_random(void *ctx, uint8_t *out, size_t len) {
  uint8_t *next = ctx;
  for (size_t i = 0; i < len; i++) out[i] = (*next)++;
  return OCF_OK;
}

static int write_file(const char *dir, const char *name, const uint8_t *buf, size_t len) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return 1;
  FILE *f = fopen(path, "wb");
  if (!f) return 1;
  size_t n = fwrite(buf, 1, len, f);
  return (fclose(f) != 0 || n != len) ? 1 : 0;
}

/* NAME.cbor and NAME_baseline.cbor */
#define EMIT(dir, name, fn, model)                                                                           \
  do {                                                                                                       \
    for (unsigned flags = 0; flags <= OCF_SVR_ENC_BASELINE; flags += OCF_SVR_ENC_BASELINE) {                 \
      static uint8_t buf_[16384];                                                                            \
      ocf_rep_enc e_;                                                                                        \
      size_t len_;                                                                                           \
      ocf_rep_enc_init(&e_, buf_, sizeof buf_);                                                              \
      fn(model, flags, &e_);                                                                                 \
      if (ocf_rep_enc_finish(&e_, &len_) != OCF_OK) return 1;                                                \
      if (write_file(dir, flags ? name "_baseline.cbor" : name ".cbor", buf_, len_)) return 1;               \
    }                                                                                                        \
  } while (0)

/* The tree of a payload built with ocf_rep_enc (the POST bodies below). */
static const ocf_rep_node *tree(const uint8_t *buf, size_t len) {
  const ocf_rep_node *root = NULL;
  return ocf_rep_decode(buf, len, NULL, nodes, NODES, &root) == OCF_OK ? root : NULL;
}

/* A 32-byte OSCORE Master Secret (S003 6.3), hidden in a GET. */
static void secret(ocf_rep_enc *e) {
  static const uint8_t k[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
  ocf_rep_enc_kv_map_open(e, "privatedata");
  ocf_rep_enc_kv_bytes(e, "data", k, sizeof k);
  ocf_rep_enc_kv_text(e, "encoding", "oic.sec.encoding.raw");
  ocf_rep_enc_map_close(e);
}

static int fill_cred(ocf_svr_cred *cred, ocf_svr_ctx *ctx) {
  static uint8_t buf[4096];
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, sizeof buf);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_array_open(&e, "creds");
  ocf_rep_enc_map_open(&e); /* the owner PSK (digest 4.5) */
  ocf_rep_enc_kv_int(&e, "credtype", 1);
  ocf_rep_enc_kv_text(&e, "subjectuuid", OBT);
  ocf_rep_enc_kv_map_open(&e, "privatedata");
  ocf_rep_enc_kv_text(&e, "encoding", "oic.sec.encoding.raw");
  ocf_rep_enc_kv_bytes(&e, "data", "0123456789abcdef", 16);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_map_open(&e); /* a trust anchor (digest 6.3) */
  ocf_rep_enc_kv_int(&e, "credtype", 8);
  ocf_rep_enc_kv_text(&e, "subjectuuid", "*");
  ocf_rep_enc_kv_text(&e, "credusage", "oic.sec.cred.trustca");
  ocf_rep_enc_kv_map_open(&e, "publicdata");
  ocf_rep_enc_kv_text(&e, "data", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  ocf_rep_enc_kv_text(&e, "encoding", "oic.sec.encoding.pem");
  ocf_rep_enc_map_close(&e);
  static const char *const crms[] = {"oic.sec.crm.pro", "oic.sec.crm.pk10"};
  ocf_rep_enc_kv_cstr_array(&e, "crms", crms, 2);
  ocf_rep_enc_kv_text(&e, "period", "20240101T000000Z/20290101T000000Z");
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_map_open(&e); /* a role-bound OSCORE context with revocation info */
  ocf_rep_enc_kv_int(&e, "credtype", 64);
  ocf_rep_enc_kv_text(&e, "subjectuuid", DEV);
  ocf_rep_enc_kv_map_open(&e, "roleid");
  ocf_rep_enc_kv_text(&e, "role", "admin");
  ocf_rep_enc_kv_text(&e, "authority", "ca");
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_kv_map_open(&e, "oscore");
  ocf_rep_enc_kv_text(&e, "senderid", "01a1b2c3d4e5f6");
  ocf_rep_enc_kv_text(&e, "recipientid", "01f6e5d4c3b2a1");
  ocf_rep_enc_kv_text(&e, "desc", "pairwise");
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_kv_map_open(&e, "optionaldata");
  ocf_rep_enc_kv_bool(&e, "revstat", false);
  ocf_rep_enc_map_close(&e);
  secret(&e);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_map_open(&e); /* an SSM client context (digest 6.5) */
  ocf_rep_enc_kv_int(&e, "credtype", 128);
  ocf_rep_enc_kv_text(&e, "subjectuuid", PEER);
  ocf_rep_enc_kv_map_open(&e, "oscore");
  ocf_rep_enc_kv_text(&e, "senderid", "02a1b2c3d4e5f6");
  ocf_rep_enc_kv_text(&e, "desc", "lights");
  ocf_rep_enc_map_close(&e);
  secret(&e);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_map_open(&e); /* an SSM server context (digest 6.5) */
  ocf_rep_enc_kv_int(&e, "credtype", 256);
  ocf_rep_enc_kv_text(&e, "subjectuuid", PEER);
  ocf_rep_enc_kv_map_open(&e, "oscore");
  ocf_rep_enc_kv_text(&e, "recipientid", "02f6e5");
  ocf_rep_enc_kv_text(&e, "desc", "");
  ocf_rep_enc_map_close(&e);
  secret(&e);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_kv_text(&e, "rowneruuid", OBT);
  ocf_rep_enc_map_close(&e);
  size_t len;
  ocf_svr_cred *empty = calloc(1, sizeof *empty);
  ocf_svr_report r = {.why = ""};
  int bad = !empty || ocf_rep_enc_finish(&e, &len) != OCF_OK ||
            ocf_svr_cred_decode_update(empty, tree(buf, len), ctx, cred, &r) != OCF_OK;
  free(empty);
  if (bad) fprintf(stderr, "svr_samples: cred: %s at %s (%s)\n", ocf_svr_ekind_name(r.kind), r.where, r.why);
  if (!bad) { /* the sequence number is the device's own (SEC:cred ssn is read-only) */
    cred->e[2].has_ssn = true;
    cred->e[2].ssn = 7;
  }
  return bad;
}

static int fill_acl2(ocf_svr_acl2 *acl, ocf_svr_ctx *ctx) {
  static uint8_t buf[4096];
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, sizeof buf);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_array_open(&e, "aclist2");
  static const char *const subjects[3][2] = {{"uuid", OBT}, {"role", "admin"}, {"conntype", "anon-clear"}};
  for (int i = 0; i < 3; i++) {
    ocf_rep_enc_map_open(&e);
    ocf_rep_enc_kv_map_open(&e, "subject");
    ocf_rep_enc_kv_text(&e, subjects[i][0], subjects[i][1]);
    if (i == 1) ocf_rep_enc_kv_text(&e, "authority", "ca");
    ocf_rep_enc_map_close(&e);
    ocf_rep_enc_kv_array_open(&e, "resources");
    ocf_rep_enc_map_open(&e);
    ocf_rep_enc_kv_text(&e, i == 1 ? "wc" : "href", i == 1 ? "*" : "/oic/sec/sp");
    ocf_rep_enc_map_close(&e);
    ocf_rep_enc_array_close(&e);
    ocf_rep_enc_kv_int(&e, "permission", i == 0 ? 14 : 2);
    if (i == 1) {
      ocf_rep_enc_kv_array_open(&e, "validity");
      ocf_rep_enc_map_open(&e);
      ocf_rep_enc_kv_text(&e, "period", "20240101T000000Z/P52W");
      ocf_rep_enc_map_close(&e);
      ocf_rep_enc_array_close(&e);
    }
    ocf_rep_enc_map_close(&e);
  }
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_kv_text(&e, "rowneruuid", OBT);
  ocf_rep_enc_map_close(&e);
  size_t len;
  ocf_svr_acl2 *empty = calloc(1, sizeof *empty);
  ocf_svr_report r = {.why = ""};
  int bad = !empty || ocf_rep_enc_finish(&e, &len) != OCF_OK ||
            ocf_svr_acl2_decode_update(empty, tree(buf, len), ctx, acl, &r) != OCF_OK;
  free(empty);
  if (bad) fprintf(stderr, "svr_samples: acl2: %s at %s (%s)\n", ocf_svr_ekind_name(r.kind), r.where, r.why);
  return bad;
}

/* One asserted role certificate (digest 6.2). */
static int fill_roles(ocf_svr_roles *roles, ocf_svr_ctx *ctx) {
  static uint8_t buf[1024];
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, buf, sizeof buf);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_array_open(&e, "roles");
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_int(&e, "credtype", 8);
  ocf_rep_enc_kv_text(&e, "credusage", "oic.sec.cred.rolecert");
  ocf_rep_enc_kv_map_open(&e, "roleid");
  ocf_rep_enc_kv_text(&e, "role", "admin");
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_kv_map_open(&e, "publicdata");
  ocf_rep_enc_kv_text(&e, "data", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  ocf_rep_enc_kv_text(&e, "encoding", "oic.sec.encoding.pem");
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_map_close(&e);
  size_t len;
  ocf_svr_roles empty;
  ocf_svr_roles_clear(&empty);
  ocf_svr_report r = {.why = ""};
  return ocf_rep_enc_finish(&e, &len) != OCF_OK ||
         ocf_svr_roles_decode_update(&empty, tree(buf, len), ctx, roles, &r) != OCF_OK;
}

static void enc_doxm(const void *m, unsigned f, ocf_rep_enc *e) { ocf_svr_doxm_encode(m, f, e); }
static void enc_pstat(const void *m, unsigned f, ocf_rep_enc *e) { ocf_svr_pstat_encode(m, f, e); }
static void enc_cred(const void *m, unsigned f, ocf_rep_enc *e) { ocf_svr_cred_encode(m, f, e); }
static void enc_acl2(const void *m, unsigned f, ocf_rep_enc *e) { ocf_svr_acl2_encode(m, f, e); }
static void enc_sp(const void *m, unsigned f, ocf_rep_enc *e) { ocf_svr_sp_encode(m, f, e); }
static void enc_sdi(const void *m, unsigned f, ocf_rep_enc *e) { ocf_svr_sdi_encode(m, f, e); }
static void enc_csr(const void *m, unsigned f, ocf_rep_enc *e) { ocf_svr_csr_encode(m, f, e); }
static void enc_roles(const void *m, unsigned f, ocf_rep_enc *e) { ocf_svr_roles_encode(m, f, e); }
static void enc_crl(const void *m, unsigned f, ocf_rep_enc *e) { ocf_svr_crl_encode(m, f, e); }
static void enc_ael(const void *m, unsigned f, ocf_rep_enc *e) { ocf_svr_ael_encode(m, f, e); }

/* csr, roles, crl, ael (digest 2.7-2.10) */
static int emit_minor(const char *dir, ocf_svr_ctx *ctx) {
  static const char pem[] = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";
  static ocf_svr_csr csr;
  if (ocf_svr_csr_set(&csr, OCF_CRED_ENC_PEM, (const uint8_t *)pem, sizeof pem - 1)) return 1;
  static ocf_svr_roles roles;
  if (fill_roles(&roles, ctx)) return 1;
  ocf_svr_crl crl;
  ocf_svr_crl_clear(&crl);
  crl.crlid = 1;
  memcpy(crl.thisupdate, "2024-01-01T00:00:00Z", 21);
  memcpy(crl.crldata, "MIIBAQ==", 9);
  static ocf_svr_ael ael;
  ocf_svr_ael_init(&ael);
  (void)ocf_svr_ael_add(&ael, OCF_AEL_ONBOARDING, 3, "1", "2024-01-01T00:00:00Z", "owned");
  (void)ocf_svr_ael_add(&ael, OCF_AEL_ACCESS_CONTROL, 2, "2", "2024-01-01T00:00:01Z", "denied");
  EMIT(dir, "csr", enc_csr, &csr);
  EMIT(dir, "roles", enc_roles, &roles);
  EMIT(dir, "crl", enc_crl, &crl);
  EMIT(dir, "ael", enc_ael, &ael);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: svr_samples DIR\n");
    return 2;
  }
  const char *dir = argv[1];
  uint8_t next = 1;
  ocf_svr_ctx ctx = {OCF_SVR_FROM_CLIENT, OCF_DOS_RFOTM, true, fixed_random, &next, false};
  static const uint32_t oxms[] = {OCF_OXM_JUST_WORKS, OCF_OXM_RANDOM_PIN, OCF_OXM_MFG_CERT};
  ocf_uuid dev, obt;
  if (ocf_uuid_parse(DEV, 36, &dev) || ocf_uuid_parse(OBT, 36, &obt)) return 1;
  ocf_svr_doxm doxm;
  if (ocf_svr_doxm_init(&doxm, oxms, 3, 9, &dev)) return 1;
  doxm.owned = true;
  doxm.oxmsel = OCF_OXM_JUST_WORKS;
  doxm.devowneruuid = doxm.rowneruuid = obt;
  ocf_svr_pstat pstat;
  ocf_svr_pstat_init(&pstat);
  ocf_svr_pstat_enter(&pstat, OCF_DOS_RFNOP);
  pstat.om = OCF_PSTAT_OM_CLIENT;
  pstat.rowneruuid = obt;
  static ocf_svr_cred cred;
  static ocf_svr_acl2 acl;
  if (fill_cred(&cred, &ctx) || fill_acl2(&acl, &ctx)) return 1;
  ocf_svr_sp sp;
  if (ocf_svr_sp_init(&sp, 1u << OCF_SP_BASELINE | 1u << OCF_SP_BLACK, OCF_SP_BLACK)) return 1;
  ocf_svr_sdi sdi;
  ocf_svr_sdi_init(&sdi);
  sdi.uuid = dev;
  memcpy(sdi.name, "Home", 5);
  EMIT(dir, "doxm", enc_doxm, &doxm);
  EMIT(dir, "pstat", enc_pstat, &pstat);
  EMIT(dir, "cred", enc_cred, &cred);
  EMIT(dir, "acl2", enc_acl2, &acl);
  EMIT(dir, "sp", enc_sp, &sp);
  EMIT(dir, "sdi", enc_sdi, &sdi);
  return emit_minor(dir, &ctx);
}
