/* The domain's manufacturer trust anchors (<ocf/ocf_obt_trust.h>): certificate files split into
 * DER, the anchor checks, and the slots "mfg-trust-0".."mfg-trust-7" of the domain store's
 * public values (ADR 0016). A slot per anchor keeps every value under OCF_OBT_PUBLIC_MAX and
 * needs no listing API from the store; OCF_OBT_TRUST_MAX equals what one mfgcert session checks
 * against (OCF_OTM_ANCHORS_MAX). */
#include <ocf/ocf_obt_trust.h>
#include <stdio.h>
#include <string.h>

#include "obt/trust.h"
#include "otm/otm.h"
#include "pki/ca.h"
#include "pki/cert.h"

_Static_assert(OCF_OBT_TRUST_MAX <= OCF_OTM_ANCHORS_MAX, "every anchor fits one mfgcert session");
_Static_assert(OCF_OBT_TRUST_CERT_MAX <= OCF_OBT_PUBLIC_MAX, "an anchor fits one public value");
_Static_assert(sizeof(((ocf_obt_trust_info *)0)->subject) == sizeof(((ocf_pki_cert_info *)0)->subject),
               "same name size");

/* --- files ---------------------------------------------------------------------------------- */

static int b64_value(uint8_t c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* RFC 7468 / RFC 4648 base64 of in[0..len) with line breaks and spaces ignored, '=' padding only
 * at the end. Decoded into out[0..cap); false when malformed or too large. */
static bool b64_decode(const uint8_t *in, size_t len, uint8_t *out, size_t cap, size_t *out_len) {
  uint32_t acc = 0;
  size_t bits = 0, n = 0, pad = 0;
  for (size_t i = 0; i < len; i++) {
    uint8_t c = in[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      pad++;
      continue;
    }
    int v = b64_value(c);
    if (v < 0 || pad) return false;
    acc = (acc << 6) | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n == cap) return false;
      out[n++] = (uint8_t)(acc >> bits);
    }
  }
  if (pad > 2 || bits >= 6) return false;
  *out_len = n;
  return true;
}

/* The length of the DER SEQUENCE at p[0..len) (tag and length included), 0 when it is not one. */
static size_t der_seq_len(const uint8_t *p, size_t len) {
  if (len < 2 || p[0] != 0x30) return 0;
  size_t hdr = 2, body = p[1];
  if (p[1] & 0x80) {
    size_t k = p[1] & 0x7fu;
    if (k == 0 || k > 3 || len < 2 + k) return 0;
    body = 0;
    for (size_t i = 0; i < k; i++) body = (body << 8) | p[2 + i];
    hdr += k;
  }
  return body <= len - hdr ? hdr + body : 0;
}

static const char k_begin[] = "-----BEGIN CERTIFICATE-----";
static const char k_end[] = "-----END CERTIFICATE-----";

static const uint8_t *find(const uint8_t *p, const uint8_t *end, const char *s) {
  size_t n = strlen(s);
  for (; p && (size_t)(end - p) >= n; p++)
    if (memcmp(p, s, n) == 0) return p;
  return NULL;
}

static ocf_err split_pem(const uint8_t *data, size_t len, uint8_t *buf, size_t cap, ocf_bytes *certs,
                         size_t max, size_t *n) {
  const uint8_t *end = data + len, *p = data;
  size_t used = 0;
  while ((p = find(p, end, k_begin)) != NULL) {
    p += sizeof k_begin - 1;
    const uint8_t *stop = find(p, end, k_end);
    if (!stop) return OCF_ERR_MALFORMED;
    if (*n == max) return OCF_ERR_NO_SPACE;
    size_t got = 0;
    if (!b64_decode(p, (size_t)(stop - p), buf + used, cap - used, &got)) return OCF_ERR_MALFORMED;
    if (got == 0 || der_seq_len(buf + used, got) != got) return OCF_ERR_MALFORMED;
    certs[(*n)++] = (ocf_bytes){buf + used, got};
    used += got;
    p = stop + sizeof k_end - 1;
  }
  return *n ? OCF_OK : OCF_ERR_MALFORMED;
}

OCF_API ocf_err ocf_obt_cert_split(const uint8_t *data, size_t len, uint8_t *buf, size_t cap,
                                   ocf_bytes *certs, size_t max, size_t *n) {
  if (!data || !buf || !certs || !n || !max) return OCF_ERR_INVALID_ARG;
  if (len > OCF_OBT_TRUST_FILE_MAX) return OCF_ERR_TOO_LARGE;
  *n = 0;
  if (find(data, data + len, k_begin)) return split_pem(data, len, buf, cap, certs, max, n);
  size_t used = 0;
  for (size_t off = 0; off < len;) {
    size_t one = der_seq_len(data + off, len - off);
    if (!one) return OCF_ERR_MALFORMED;
    if (*n == max || one > cap - used) return OCF_ERR_NO_SPACE;
    memcpy(buf + used, data + off, one);
    certs[(*n)++] = (ocf_bytes){buf + used, one};
    used += one;
    off += one;
  }
  return *n ? OCF_OK : OCF_ERR_MALFORMED;
}

/* --- checks --------------------------------------------------------------------------------- */

/* The bits of the chain check that concern any certificate (digest §4.4 "All"); the rest are the
 * end-entity rules, which a CA checked as its own one-certificate chain fails by design. */
#define ANCHOR_FAILURES                                                                                      \
  (OCF_CERT_F_PARSE | OCF_CERT_F_VERSION | OCF_CERT_F_SIG_ALG | OCF_CERT_F_KEY | OCF_CERT_F_NOT_YET_VALID |  \
   OCF_CERT_F_EXPIRED)

static const char *anchor_why(uint32_t f) {
  if (f & OCF_CERT_F_PARSE) return "does not parse as an X.509 certificate";
  if (f & OCF_CERT_F_VERSION) return "not an X.509 v3 certificate";
  if (f & OCF_CERT_F_KEY) return "its key is not EC P-256";
  if (f & OCF_CERT_F_SIG_ALG) return "not signed with ecdsa-with-SHA256";
  if (f & OCF_CERT_F_NOT_YET_VALID) return "not valid yet";
  if (f & OCF_CERT_F_EXPIRED) return "expired";
  return "";
}

OCF_API ocf_err ocf_obt_trust_check(const uint8_t *der, size_t len, int64_t utc_now, ocf_obt_trust_info *info,
                                    const char **why) {
  const char *local_why;
  if (!why) why = &local_why;
  *why = "";
  if (!der || !len || !info) return OCF_ERR_INVALID_ARG;
  memset(info, 0, sizeof *info);
  ocf_pki_cert_info ci;
  if (len > OCF_OBT_TRUST_CERT_MAX || ocf_pki_cert_info_get(der, len, &ci) != OCF_OK) {
    *why = "not one DER certificate (of at most 2048 bytes)";
    return OCF_ERR_MALFORMED;
  }
  memcpy(info->subject, ci.subject, sizeof info->subject);
  memcpy(info->issuer, ci.issuer, sizeof info->issuer);
  info->not_before = ci.not_before;
  info->not_after = ci.not_after;
  memcpy(info->sha256, ci.sha256, sizeof info->sha256);
  info->self_signed = ci.self_signed;
  if (!ci.is_ca) {
    *why = "not a CA certificate (basicConstraints cA is not true)";
    return OCF_ERR_DENIED;
  }
  /* The certificate as a chain of one to itself: pki checks key, signature algorithm, version
   * and validity at utc_now exactly as it will for the anchor of every mfg chain. */
  ocf_bytes b = {der, len};
  ocf_cert_report rep;
  ocf_err err = ocf_cert_check_chain(&b, 1, &b, 1, OCF_CERT_KIND_MFG, utc_now, &rep);
  if (err == OCF_ERR_NO_MEMORY) return err;
  uint32_t f = rep.failures & ANCHOR_FAILURES;
  if (err == OCF_ERR_INVALID_ARG) f |= OCF_CERT_F_PARSE;
  if (f) {
    *why = anchor_why(f);
    return f & OCF_CERT_F_PARSE ? OCF_ERR_MALFORMED : OCF_ERR_DENIED;
  }
  return OCF_OK;
}

/* --- the store ------------------------------------------------------------------------------ */

static void slot_name(size_t i, char out[16]) { snprintf(out, 16, "mfg-trust-%u", (unsigned)i); }

/* Slot i's certificate into buf (OCF_OBT_TRUST_CERT_MAX bytes): OCF_OK, OCF_ERR_NOT_FOUND (empty). */
static ocf_err slot_get(ocf_obt_store *s, size_t i, uint8_t *buf, size_t *len) {
  char name[16];
  slot_name(i, name);
  ocf_err err = ocf_obt_store_domain_public_get(s, name, buf, OCF_OBT_TRUST_CERT_MAX, len);
  return err == OCF_ERR_NO_SPACE ? OCF_ERR_MALFORMED : err;
}

ocf_err obt_trust_load(ocf_obt_store *s, uint8_t (*buf)[OCF_OBT_TRUST_CERT_MAX], ocf_bytes *anchors,
                       size_t *n) {
  if (!s || !buf || !anchors || !n) return OCF_ERR_INVALID_ARG;
  *n = 0;
  for (size_t i = 0; i < OCF_OBT_TRUST_MAX; i++) {
    size_t len = 0;
    ocf_err err = slot_get(s, i, buf[*n], &len);
    if (err == OCF_ERR_NOT_FOUND) continue;
    if (err) return err;
    anchors[*n] = (ocf_bytes){buf[*n], len};
    ++*n;
  }
  return OCF_OK;
}

OCF_API ocf_err ocf_obt_trust_add(ocf_obt_store *s, const uint8_t *der, size_t len, int64_t utc_now,
                                  ocf_obt_trust_info *info, const char **why) {
  if (!s) return OCF_ERR_INVALID_ARG;
  ocf_err err = ocf_obt_trust_check(der, len, utc_now, info, why);
  if (err) return err;
  uint8_t held[OCF_OBT_TRUST_CERT_MAX];
  size_t free_slot = SIZE_MAX;
  for (size_t i = 0; i < OCF_OBT_TRUST_MAX; i++) {
    size_t hlen = 0;
    err = slot_get(s, i, held, &hlen);
    if (err == OCF_ERR_NOT_FOUND) {
      if (free_slot == SIZE_MAX) free_slot = i;
      continue;
    }
    if (err == OCF_ERR_MALFORMED) continue; /* a damaged slot is neither a duplicate nor free */
    if (err) return err;
    if (hlen == len && memcmp(held, der, len) == 0) return OCF_ERR_STATE;
  }
  if (free_slot == SIZE_MAX) return OCF_ERR_NO_SPACE;
  char name[16];
  slot_name(free_slot, name);
  return ocf_obt_store_domain_public_put(s, name, der, len);
}

/* Calls each(user, slot, info) for every parsable anchor; stops when each returns false. */
static ocf_err walk(ocf_obt_store *s, bool (*each)(void *user, size_t slot, const ocf_obt_trust_info *a),
                    void *user) {
  uint8_t der[OCF_OBT_TRUST_CERT_MAX];
  for (size_t i = 0; i < OCF_OBT_TRUST_MAX; i++) {
    size_t len = 0;
    ocf_err err = slot_get(s, i, der, &len);
    if (err == OCF_ERR_NOT_FOUND || err == OCF_ERR_MALFORMED) continue;
    if (err) return err;
    ocf_obt_trust_info a;
    ocf_pki_cert_info ci;
    if (ocf_pki_cert_info_get(der, len, &ci) != OCF_OK) continue;
    memset(&a, 0, sizeof a);
    memcpy(a.subject, ci.subject, sizeof a.subject);
    memcpy(a.issuer, ci.issuer, sizeof a.issuer);
    a.not_before = ci.not_before;
    a.not_after = ci.not_after;
    memcpy(a.sha256, ci.sha256, sizeof a.sha256);
    a.self_signed = ci.self_signed;
    if (!each(user, i, &a)) break;
  }
  return OCF_OK;
}

typedef struct list_ctx {
  bool (*each)(void *user, const ocf_obt_trust_info *a);
  void *user;
  size_t count;
  const uint8_t *sha256;
  size_t found;
} list_ctx;

static bool list_one(void *user, size_t slot, const ocf_obt_trust_info *a) {
  (void)slot;
  list_ctx *c = user;
  c->count++;
  return c->each ? c->each(c->user, a) : true;
}

OCF_API ocf_err ocf_obt_trust_list(ocf_obt_store *s, bool (*each)(void *user, const ocf_obt_trust_info *a),
                                   void *user) {
  if (!s || !each) return OCF_ERR_INVALID_ARG;
  list_ctx c = {.each = each, .user = user};
  return walk(s, list_one, &c);
}

OCF_API ocf_err ocf_obt_trust_count(ocf_obt_store *s, size_t *n) {
  if (!s || !n) return OCF_ERR_INVALID_ARG;
  list_ctx c = {0};
  ocf_err err = walk(s, list_one, &c);
  *n = c.count;
  return err;
}

static bool match_one(void *user, size_t slot, const ocf_obt_trust_info *a) {
  list_ctx *c = user;
  if (memcmp(a->sha256, c->sha256, sizeof a->sha256) != 0) return true;
  c->found = slot;
  return false;
}

OCF_API ocf_err ocf_obt_trust_remove(ocf_obt_store *s, const uint8_t sha256[32]) {
  if (!s || !sha256) return OCF_ERR_INVALID_ARG;
  list_ctx c = {.sha256 = sha256, .found = SIZE_MAX};
  ocf_err err = walk(s, match_one, &c);
  if (err) return err;
  if (c.found == SIZE_MAX) return OCF_ERR_NOT_FOUND;
  char name[16];
  slot_name(c.found, name);
  return ocf_obt_store_domain_value_remove(s, name);
}
