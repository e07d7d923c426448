/* What a maintenance pass has to do (<ocf/ocf_obt_maintain.h>, ADR 0025): pure decisions over the
 * store's records and the caller's "now", and the gathering of those records. */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <ocf/ocf_obt_maintain.h>
#include <string.h>

#include "base/uuid.h"

const char *ocf_obt_crl_need_name(ocf_obt_crl_need need) {
  static const char *const names[] = {"fresh", "none", "revoked", "due", "expired"};
  return (unsigned)need < sizeof names / sizeof names[0] ? names[need] : "?";
}

ocf_obt_crl_need ocf_obt_maint_crl_need(const ocf_obt_crl_info *cur, uint64_t next_number, int64_t now,
                                        int64_t before) {
  if (!cur) return OCF_OBT_CRL_NONE;
  /* ocf_obt_crl_issue leaves the number at cur + 1; a revocation raises it further (the CRL
   * signed before it does not list the certificate: digest §6.7 wants it out at once). */
  if (next_number > cur->number + 1) return OCF_OBT_CRL_REVOKED;
  if (now >= cur->next_update) return OCF_OBT_CRL_EXPIRED;
  if (before < 0) before = (cur->next_update - cur->this_update) / 4;
  if (before > 0 && cur->next_update - now <= before) return OCF_OBT_CRL_DUE;
  return OCF_OBT_CRL_FRESH;
}

bool ocf_obt_maint_crl_push_needed(const ocf_obt_crl_info *cur, bool resign, const ocf_obt_crl_held *held) {
  if (held && held->no_resource) return false; /* digest §2.9: 4.04, nothing to hold it */
  if (resign || !held) return true;
  return !cur || held->number != cur->number;
}

const char *ocf_obt_cert_need_name(ocf_obt_cert_need need) {
  static const char *const names[] = {"ok", "expiring", "expired", "revoked", "unfinished"};
  return (unsigned)need < sizeof names / sizeof names[0] ? names[need] : "?";
}

ocf_obt_cert_need ocf_obt_maint_cert_need(const ocf_obt_cert_record *r, int64_t now, int64_t before) {
  if (r->revoked) return OCF_OBT_CERT_REVOKED_LAST;
  if (now >= r->not_after) return OCF_OBT_CERT_EXPIRED;
  if (r->not_after - now <= before) return OCF_OBT_CERT_EXPIRING;
  return OCF_OBT_CERT_OK;
}

static const char k_renewing[] = "cert-renewing";

ocf_err ocf_obt_maint_renewing(ocf_obt_store *s, const ocf_uuid *device, bool on) {
  if (!s || !device) return OCF_ERR_INVALID_ARG;
  static const uint8_t one = 1;
  return on ? ocf_obt_store_secret_put(s, device, k_renewing, &one, 1)
            : ocf_obt_store_secret_remove(s, device, k_renewing);
}

bool ocf_obt_maint_cert_newer(const ocf_obt_cert_record *cand, const ocf_obt_cert_record *best) {
  if (cand->kind != OCF_OBT_CERT_IDENTITY) return false;
  if (!best) return true;
  if (cand->issued != best->issued) return cand->issued > best->issued;
  return cand->not_after >= best->not_after; /* same second: the list's later one wins */
}

/* --- gathering ---------------------------------------------------------------------------------- */

typedef struct gather {
  ocf_obt_maint_device *devs;
  size_t cap, n;
} gather;

static bool add_device(void *user, const ocf_obt_device_record *d) {
  gather *g = user;
  if (d->state != OCF_OBT_DEVICE_OWNED) return true;
  if (g->n < g->cap) {
    memset(&g->devs[g->n], 0, sizeof g->devs[g->n]);
    g->devs[g->n].uuid = d->uuid;
  }
  g->n++;
  return true;
}

static bool add_cert(void *user, const ocf_obt_cert_record *r) {
  gather *g = user;
  for (size_t i = 0; i < g->n; i++) {
    ocf_obt_maint_device *d = &g->devs[i];
    if (!ocf_uuid_equal(&d->uuid, &r->uuid)) continue;
    if (ocf_obt_maint_cert_newer(r, d->has_cert ? &d->cert : NULL)) {
      d->cert = *r;
      d->has_cert = true;
    }
  }
  return true;
}

static ocf_err read_crl(ocf_obt_store *s, ocf_obt_maint_plan *plan) {
  ocf_obt_ca_info ca;
  ocf_err err = ocf_obt_ca_info_get(s, &ca);
  plan->have_ca = err == OCF_OK;
  if (err == OCF_ERR_NOT_FOUND) return OCF_OK;
  if (err != OCF_OK) return err;
  err = ocf_obt_crl_current(s, NULL, 0, NULL, &plan->crl);
  plan->have_crl = err == OCF_OK;
  if (err != OCF_OK && err != OCF_ERR_NOT_FOUND) return err;
  return ocf_obt_crl_number(s, &plan->next_number);
}

ocf_err ocf_obt_maint_plan_make(ocf_obt_store *s, const ocf_obt_maint_params *p, ocf_obt_maint_device *devs,
                                size_t cap, ocf_obt_maint_plan *plan) {
  if (!s || !p || !plan || (!devs && cap)) return OCF_ERR_INVALID_ARG;
  memset(plan, 0, sizeof *plan);
  ocf_err err = read_crl(s, plan);
  gather g = {devs, cap, 0};
  if (err == OCF_OK) err = ocf_obt_store_device_list(s, add_device, &g);
  plan->n_devices = g.n;
  if (err == OCF_OK && g.n > cap) err = OCF_ERR_NO_SPACE;
  if (err != OCF_OK) return err;
  if (plan->have_ca)
    plan->crl_need =
        ocf_obt_maint_crl_need(plan->have_crl ? &plan->crl : NULL, plan->next_number, p->now, p->crl_before);
  if (plan->have_ca) err = ocf_obt_cert_list(s, NULL, add_cert, &g);
  bool resign = plan->crl_need != OCF_OBT_CRL_FRESH;
  for (size_t i = 0; err == OCF_OK && i < g.n; i++) {
    ocf_obt_maint_device *d = &devs[i];
    ocf_err e = ocf_obt_crl_held_get(s, &d->uuid, &d->held);
    if (e != OCF_OK && e != OCF_ERR_NOT_FOUND) return e;
    d->held_known = e == OCF_OK;
    if (plan->have_ca)
      d->crl_push = ocf_obt_maint_crl_push_needed(plan->have_crl ? &plan->crl : NULL, resign,
                                                  d->held_known ? &d->held : NULL);
    if (d->has_cert) d->cert_need = ocf_obt_maint_cert_need(&d->cert, p->now, p->renew_before);
    bool renewing = false;
    if (d->has_cert && d->cert_need == OCF_OBT_CERT_OK &&
        (err = ocf_obt_store_secret_exists(s, &d->uuid, k_renewing, &renewing)) == OCF_OK && renewing)
      d->cert_need = OCF_OBT_CERT_UNFINISHED;
  }
  return err;
}

/* --- text ---------------------------------------------------------------------------------------- */

ocf_err ocf_obt_duration_parse(const char *text, int64_t *seconds) {
  if (!text || !seconds || text[0] < '0' || text[0] > '9') return OCF_ERR_INVALID_ARG;
  int64_t v = 0;
  const char *p = text;
  for (; *p >= '0' && *p <= '9'; p++) {
    if (v > 100LL * 366 * 86400) return OCF_ERR_INVALID_ARG;
    v = v * 10 + (*p - '0');
  }
  int64_t unit = 0;
  switch (*p) {
  case 0: unit = 1; break;
  case 's': unit = 1; break;
  case 'm': unit = 60; break;
  case 'h': unit = 3600; break;
  case 'd': unit = 86400; break;
  case 'w': unit = 7 * 86400; break;
  default: return OCF_ERR_INVALID_ARG;
  }
  if (*p && p[1]) return OCF_ERR_INVALID_ARG;
  if (v > 100LL * 366 * 86400 / unit) return OCF_ERR_INVALID_ARG;
  *seconds = v * unit;
  return OCF_OK;
}

/* n decimal digits at p, or -1. */
static int digits(const char *p, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9') return -1;
    v = v * 10 + (p[i] - '0');
  }
  return v;
}

/* Days from 1970-01-01 to y-m-d, proleptic Gregorian: years counted from March so the leap day
 * ends a year (the era arithmetic of H. Hinnant's public-domain note, written here anew). */
static int64_t days_since_epoch(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = y / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static bool valid_date(int y, int mo, int d) {
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= mdays[mo - 1] + (mo == 2 && leap);
}

ocf_err ocf_obt_rfc3339_parse(const char *t, int64_t *utc) {
  if (!t || !utc || strnlen(t, 40) < 20) return OCF_ERR_INVALID_ARG;
  int y = digits(t, 4), mo = digits(t + 5, 2), d = digits(t + 8, 2), h = digits(t + 11, 2),
      mi = digits(t + 14, 2), s = digits(t + 17, 2);
  if (y < 1970 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 || t[4] != '-' || t[7] != '-' ||
      (t[10] != 'T' && t[10] != 't') || t[13] != ':' || t[16] != ':' || h > 23 || mi > 59 || s > 60 ||
      !valid_date(y, mo, d))
    return OCF_ERR_INVALID_ARG;
  const char *p = t + 19;
  if (*p == '.') {
    if (p[1] < '0' || p[1] > '9') return OCF_ERR_INVALID_ARG;
    for (p++; *p >= '0' && *p <= '9'; p++) {
    }
  }
  int64_t off = 0;
  if (*p == 'Z' || *p == 'z') {
    p++;
  } else if (*p == '+' || *p == '-') {
    if (strnlen(p, 7) != 6) return OCF_ERR_INVALID_ARG; /* +hh:mm and nothing after */
    int oh = digits(p + 1, 2), om = digits(p + 4, 2);
    if (oh < 0 || om < 0 || p[3] != ':' || oh > 23 || om > 59) return OCF_ERR_INVALID_ARG;
    off = (*p == '+' ? 1 : -1) * ((int64_t)oh * 3600 + om * 60);
    p += 6;
  } else {
    return OCF_ERR_INVALID_ARG;
  }
  if (*p) return OCF_ERR_INVALID_ARG;
  if (s == 60) s = 59; /* a leap second: the instant before the next minute */
  *utc = days_since_epoch(y, mo, d) * 86400 + (int64_t)h * 3600 + mi * 60 + s - off;
  return OCF_OK;
}
