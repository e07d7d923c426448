/* OCF certificate profile checks over mbedTLS's X.509 parser and chain verification
 * (pki/cert.h; digest §4.4, §6.1). mbedTLS verifies signatures, issuers and path lengths; it is
 * built without a clock (MBEDTLS_HAVE_TIME_DATE off), so validity is compared here with the
 * caller's UTC time, and the OCF profile (key, signature, basicConstraints, keyUsage, EKU, CN)
 * is checked here on every certificate of the verified path, the anchor included. */
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>

#include <stdint.h>
#include <string.h>

#include "pki/cert.h"

#define PATH_MAX_CERTS 8 /* the presented chain (<= 4) plus anchors above it */

/* Digest §6.1: DER of the OCF EKU OIDs 1.3.6.1.4.1.44924.1.6 (identity) and .1.7 (role). */
static const uint8_t oid_ocf_identity[] = {0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0xDE, 0x7C, 0x01, 0x06};
static const uint8_t oid_ocf_role[] = {0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0xDE, 0x7C, 0x01, 0x07};

/* Digest §4.1, §4.4: ECDSA with SHA-256 on P-256 keys only. */
static const mbedtls_x509_crt_profile ocf_profile = {
    .allowed_mds = MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256),
    .allowed_pks = MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECDSA) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECKEY),
    .allowed_curves = MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP256R1),
    .rsa_min_bitlen = 0xFFFFFFF,
};

typedef struct path {
  const mbedtls_x509_crt *crt[PATH_MAX_CERTS]; /* index = depth: 0 leaf, last the anchor */
  uint32_t flags[PATH_MAX_CERTS];
  size_t n;
  bool overflow;
} path;

/* mbedtls verify callback: called for every certificate of the path it built, root first. */
static int collect(void *p, mbedtls_x509_crt *crt, int depth, uint32_t *flags) {
  path *pa = p;
  if (depth < 0 || depth >= PATH_MAX_CERTS) {
    pa->overflow = true;
    return 0;
  }
  size_t d = (size_t)depth;
  pa->crt[d] = crt;
  pa->flags[d] = *flags;
  if (d + 1 > pa->n) pa->n = d + 1;
  return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static int64_t to_unix(const mbedtls_x509_time *t) {
  return days_from_civil(t->year, t->mon, t->day) * 86400 + (int64_t)t->hour * 3600 + (int64_t)t->min * 60 +
         t->sec;
}

static bool has_oid(const mbedtls_x509_sequence *seq, const uint8_t *oid, size_t len) {
  for (; seq; seq = seq->next)
    if (seq->buf.len == len && !memcmp(seq->buf.p, oid, len)) return true;
  return false;
}

/* Digest §4.4 end entity: EKU has serverAuth, clientAuth and the OCF identity OID, and neither
 * the OCF role OID nor anyExtendedKeyUsage. */
static bool leaf_eku_ok(const mbedtls_x509_crt *c, bool role) {
  static const char server[] = MBEDTLS_OID_SERVER_AUTH, client[] = MBEDTLS_OID_CLIENT_AUTH,
                    any[] = MBEDTLS_OID_ANY_EXTENDED_KEY_USAGE;
  const mbedtls_x509_sequence *eku = &c->ext_key_usage;
  if (!mbedtls_x509_crt_has_ext_type(c, MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE)) return false;
  return has_oid(eku, (const uint8_t *)server, sizeof server - 1) &&
         has_oid(eku, (const uint8_t *)client, sizeof client - 1) &&
         has_oid(eku, role ? oid_ocf_role : oid_ocf_identity, sizeof oid_ocf_identity) &&
         !has_oid(eku, role ? oid_ocf_identity : oid_ocf_role, sizeof oid_ocf_role) &&
         !has_oid(eku, (const uint8_t *)any, sizeof any - 1);
}

/* Digest §6.1 role certificate: some subjectAltName entry is a directoryName with a CN (the
 * role; an OU, when present, is its authority). */
static bool has_role(const mbedtls_x509_crt *c) {
  static const char cn_oid[] = MBEDTLS_OID_AT_CN;
  if (!mbedtls_x509_crt_has_ext_type(c, MBEDTLS_X509_EXT_SUBJECT_ALT_NAME)) return false;
  for (const mbedtls_x509_sequence *s = &c->subject_alt_names; s; s = s->next) {
    mbedtls_x509_subject_alternative_name san;
    if (mbedtls_x509_parse_subject_alt_name(&s->buf, &san) != 0) continue;
    bool found = false;
    if (san.type == MBEDTLS_X509_SAN_DIRECTORY_NAME)
      for (const mbedtls_x509_name *n = &san.san.directory_name; n && !found; n = n->next)
        found = n->oid.len == sizeof cn_oid - 1 && !memcmp(n->oid.p, cn_oid, n->oid.len) && n->val.len > 0;
    mbedtls_x509_free_subject_alt_name(&san);
    if (found) return true;
  }
  return false;
}

static bool cn_uuid(const mbedtls_x509_crt *c, ocf_uuid *out) {
  static const char cn_oid[] = MBEDTLS_OID_AT_CN;
  for (const mbedtls_x509_name *n = &c->subject; n; n = n->next) {
    if (n->oid.len != sizeof cn_oid - 1 || memcmp(n->oid.p, cn_oid, n->oid.len)) continue;
    if (n->val.len < 5 || memcmp(n->val.p, "uuid:", 5)) return false;
    return ocf_uuid_parse((const char *)n->val.p + 5, n->val.len - 5, out) == OCF_OK;
  }
  return false;
}

/* The key, signature and validity rules every certificate shares (digest §4.4 "All"). */
static uint32_t check_common(const mbedtls_x509_crt *c, int64_t now) {
  uint32_t f = 0;
  if (c->version != 3) f |= OCF_CERT_F_VERSION;
  if (c->MBEDTLS_PRIVATE(sig_md) != MBEDTLS_MD_SHA256 || c->MBEDTLS_PRIVATE(sig_pk) != MBEDTLS_PK_ECDSA)
    f |= OCF_CERT_F_SIG_ALG;
  if (!mbedtls_pk_can_do(&c->pk, MBEDTLS_PK_ECKEY) ||
      mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(c->pk)) != MBEDTLS_ECP_DP_SECP256R1)
    f |= OCF_CERT_F_KEY;
  if (now < to_unix(&c->valid_from)) f |= OCF_CERT_F_NOT_YET_VALID;
  if (now > to_unix(&c->valid_to)) f |= OCF_CERT_F_EXPIRED;
  return f;
}

/* Digest §4.4: end entity keyUsage exactly digitalSignature + keyAgreement, cA false without
 * pathLen, the EKU rule; an identity certificate names its device in CN "uuid:<uuid>". */
static uint32_t check_leaf(const mbedtls_x509_crt *c, ocf_cert_kind kind, ocf_cert_report *rep) {
  uint32_t f = 0;
  if (c->MBEDTLS_PRIVATE(ca_istrue) || c->MBEDTLS_PRIVATE(max_pathlen)) f |= OCF_CERT_F_BASIC;
  const unsigned ku = MBEDTLS_X509_KU_DIGITAL_SIGNATURE | MBEDTLS_X509_KU_KEY_AGREEMENT;
  if (!mbedtls_x509_crt_has_ext_type(c, MBEDTLS_X509_EXT_KEY_USAGE) || c->MBEDTLS_PRIVATE(key_usage) != ku)
    f |= OCF_CERT_F_KEY_USAGE;
  if (!leaf_eku_ok(c, kind == OCF_CERT_KIND_ROLE)) f |= OCF_CERT_F_EKU;
  rep->has_uuid = cn_uuid(c, &rep->uuid);
  if (kind != OCF_CERT_KIND_MFG && !rep->has_uuid) f |= OCF_CERT_F_CN;
  if (kind == OCF_CERT_KIND_ROLE && !has_role(c)) f |= OCF_CERT_F_ROLES;
  return f;
}

/* Digest §4.4: a CA has cA true and keyUsage keyCertSign (cRLSign too when validating during
 * the OTM), digitalSignature allowed, nothing else. Path lengths are mbedTLS's check. */
static uint32_t check_ca(const mbedtls_x509_crt *c, ocf_cert_kind kind) {
  uint32_t f = 0;
  if (!c->MBEDTLS_PRIVATE(ca_istrue)) f |= OCF_CERT_F_BASIC;
  unsigned ku = c->MBEDTLS_PRIVATE(key_usage);
  unsigned need = MBEDTLS_X509_KU_KEY_CERT_SIGN | (kind == OCF_CERT_KIND_MFG ? MBEDTLS_X509_KU_CRL_SIGN : 0u);
  unsigned allowed =
      MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN | MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
  if (!mbedtls_x509_crt_has_ext_type(c, MBEDTLS_X509_EXT_KEY_USAGE) || (ku & need) != need || (ku & ~allowed))
    f |= OCF_CERT_F_KEY_USAGE;
  return f;
}

/* What mbedTLS's own verification flags mean in our terms. */
static uint32_t from_flags(uint32_t flags) {
  uint32_t f = 0;
  if (flags & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK)) f |= OCF_CERT_F_SIG_ALG;
  if (flags & MBEDTLS_X509_BADCERT_BAD_KEY) f |= OCF_CERT_F_KEY;
  if (flags & MBEDTLS_X509_BADCERT_KEY_USAGE) f |= OCF_CERT_F_KEY_USAGE;
  if (flags & ~(uint32_t)(MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
                          MBEDTLS_X509_BADCERT_BAD_KEY | MBEDTLS_X509_BADCERT_KEY_USAGE))
    f |= OCF_CERT_F_UNTRUSTED;
  return f;
}

static ocf_err parse_all(mbedtls_x509_crt *list, const ocf_bytes *der, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (!der[i].ptr || !der[i].len) return OCF_ERR_MALFORMED;
    int rc = mbedtls_x509_crt_parse_der(list, der[i].ptr, der[i].len);
    if (rc == MBEDTLS_ERR_X509_ALLOC_FAILED) return OCF_ERR_NO_MEMORY;
    if (rc) return OCF_ERR_MALFORMED;
  }
  return OCF_OK;
}

static void note(ocf_cert_report *rep, size_t depth, uint32_t f) {
  if (f && rep->depth == SIZE_MAX) rep->depth = depth;
  rep->failures |= f;
}

/* Verifies the chain and checks every certificate of the path mbedTLS built. */
static void check_path(mbedtls_x509_crt *chain, mbedtls_x509_crt *anchors, ocf_cert_kind kind, int64_t now,
                       ocf_cert_report *rep) {
  path pa;
  memset(&pa, 0, sizeof pa);
  uint32_t flags = 0;
  int rc =
      mbedtls_x509_crt_verify_with_profile(chain, anchors, NULL, &ocf_profile, NULL, &flags, collect, &pa);
  if (rc || flags || pa.overflow || !pa.n) note(rep, SIZE_MAX, OCF_CERT_F_UNTRUSTED);
  if (!pa.n) { /* nothing was walked: still check the leaf's own profile */
    pa.crt[0] = chain;
    pa.n = 1;
  }
  for (size_t d = 0; d < pa.n; d++) {
    const mbedtls_x509_crt *c = pa.crt[d];
    if (!c) continue;
    uint32_t f = from_flags(pa.flags[d]) | check_common(c, now);
    f |= d == 0 ? check_leaf(c, kind, rep) : check_ca(c, kind);
    note(rep, d, f);
  }
  if (rep->failures && rep->depth == SIZE_MAX) rep->depth = 0;
}

ocf_err ocf_cert_check_chain(const ocf_bytes *chain, size_t n_chain, const ocf_bytes *anchors,
                             size_t n_anchors, ocf_cert_kind kind, int64_t utc_now, ocf_cert_report *report) {
  ocf_cert_report local;
  ocf_cert_report *rep = report ? report : &local;
  memset(rep, 0, sizeof *rep);
  rep->depth = SIZE_MAX;
  if ((!chain && n_chain) || !anchors || !n_anchors ||
      (kind != OCF_CERT_KIND_MFG && kind != OCF_CERT_KIND_IDENTITY && kind != OCF_CERT_KIND_ROLE))
    return OCF_ERR_INVALID_ARG;
  if (!n_chain || n_chain > OCF_CERT_CHAIN_MAX) {
    note(rep, 0, OCF_CERT_F_CHAIN_LEN);
    return OCF_ERR_DENIED;
  }
  mbedtls_x509_crt crts, trust;
  mbedtls_x509_crt_init(&crts);
  mbedtls_x509_crt_init(&trust);
  ocf_err err = parse_all(&trust, anchors, n_anchors);
  if (err == OCF_ERR_MALFORMED) err = OCF_ERR_INVALID_ARG; /* the caller's anchors */
  if (!err) {
    err = parse_all(&crts, chain, n_chain);
    if (err == OCF_ERR_MALFORMED) {
      note(rep, 0, OCF_CERT_F_PARSE);
      err = OCF_ERR_DENIED;
    }
  }
  if (!err) {
    check_path(&crts, &trust, kind, utc_now, rep);
    if (rep->failures) err = OCF_ERR_DENIED;
  }
  mbedtls_x509_crt_free(&crts);
  mbedtls_x509_crt_free(&trust);
  return err;
}

const char *ocf_cert_failure_str(uint32_t failures) {
  static const char *const names[] = {
      "unparsable certificate",   "not X.509 v3",    "signature not ecdsa-with-SHA256",
      "key not EC P-256",         "not yet valid",   "expired",
      "basicConstraints",         "keyUsage",        "extendedKeyUsage",
      "CN is not uuid:<uuid>",    "untrusted chain", "chain length",
      "no role in subjectAltName"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (failures & (1u << i)) return names[i];
  return failures ? "unknown failure" : "ok";
}
