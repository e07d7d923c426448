/* The core resources every OCF Device serves: /oic/res (discovery, digest 1.4), /oic/d and
 * /oic/p (digest 1.5). Their handlers are ordinary table entries with the device as user. */
#include <string.h>

#include "base/uuid.h"
#include "device/device.h"
#include "device/sec.h"
#include "rep/links.h"

/* --- /oic/res -------------------------------------------------------------------------------- */

/* The advertised endpoints that fit the request (device_ep_matches_peer), as text without a
 * zone id (digest pitfall 28): every one, and the coaps ones alone for secure resources. */
typedef struct eps_view {
  char text[OCF_LINK_MAX_EPS][OCF_ENDPOINT_STR_MAX];
  ocf_link_ep all[OCF_LINK_MAX_EPS];
  size_t n_all;
  ocf_link_ep secure[OCF_LINK_MAX_EPS];
  size_t n_secure;
} eps_view;

static void eps_for_request(const ocf_device *d, const ocf_peer *peer, eps_view *v) {
  memset(v, 0, sizeof *v);
  for (size_t i = 0; i < d->n_eps && v->n_all < OCF_LINK_MAX_EPS; i++) {
    if (!device_ep_matches_peer(&d->eps[i], &peer->ep)) continue;
    ocf_endpoint ep = d->eps[i];
    ep.ifindex = 0;
    char *text = v->text[v->n_all];
    if (ocf_endpoint_format(&ep, text, OCF_ENDPOINT_STR_MAX) != OCF_OK) continue;
    ocf_link_ep lep = {.ep = ocf_rep_str_of(text), .pri = 0};
    v->all[v->n_all++] = lep;
    if (ep.flags & OCF_EP_SECURE) v->secure[v->n_secure++] = lep;
  }
}

/* rt= filters are exact and OR-ed (digest 1.4); no filter matches everything. */
static bool rt_matches(const ocf_request *req, const device_resource *r) {
  const char *v;
  size_t len;
  size_t nth = 0;
  for (; ocf_request_query(req, "rt", nth, &v, &len); nth++) {
    for (size_t i = 0; i < r->n_types; i++)
      if (strlen(r->types[i]) == len && memcmp(r->types[i], v, len) == 0) return true;
  }
  return nth == 0;
}

/* Unicast di= on /oic/res: another device's id (or not a UUID) leaves nothing to list. */
static bool di_matches(const ocf_request *req, const ocf_device *d) {
  const char *v;
  size_t len;
  size_t nth = 0;
  for (; ocf_request_query(req, "di", nth, &v, &len); nth++) {
    ocf_uuid u;
    if (ocf_uuid_parse(v, len, &u) == OCF_OK && ocf_uuid_equal(&u, &d->di)) return true;
  }
  return nth == 0;
}

static void encode_link(ocf_rep_enc *e, const ocf_device *d, const device_resource *r, const eps_view *v) {
  ocf_link l;
  memset(&l, 0, sizeof l);
  l.has_di = true; /* anchor "ocf://<di>" */
  l.di = d->di;
  l.href = ocf_rep_str_of(r->href);
  for (size_t i = 0; i < r->n_types && i < OCF_REP_MAX_TYPES; i++)
    l.rt[l.n_rt++] = ocf_rep_str_of(r->types[i]);
  for (size_t i = 0; i < r->n_ifaces && i < OCF_REP_MAX_TYPES; i++)
    l.ifs[l.n_if++] = ocf_rep_str_of(device_iface_name(r->ifaces[i]));
  l.has_bm = true;
  l.bm = (uint8_t)(r->flags & (OCF_RES_DISCOVERABLE | OCF_RES_OBSERVABLE)); /* p.bm bits 1, 2 */
  bool secure_only = (r->flags & OCF_RES_SECURE) != 0;
  /* Digest 1.4: doxm and pstat list coap:// eps too only in RFOTM with no DTLS peer, so that a
   * DOTS learns the coaps port before the OTM; coaps:// alone otherwise. */
  if (r->flags & DEVICE_RES_PLAIN_IN_RFOTM)
    secure_only = d->sec->cur->pstat.dos_s != OCF_DOS_RFOTM || device_sec_doc_open(d);
  const ocf_link_ep *eps = secure_only ? v->secure : v->all;
  l.n_eps = secure_only ? v->n_secure : v->n_all;
  memcpy(l.eps, eps, l.n_eps * sizeof *eps);
  ocf_link_encode(e, &l);
}

static size_t encode_links(ocf_rep_enc *e, const ocf_request *req, const ocf_device *d) {
  eps_view v;
  eps_for_request(d, ocf_request_peer(req), &v);
  bool device_ok = di_matches(req, d);
  size_t matches = 0;
  for (size_t i = 0; device_ok && i < d->n_res; i++) {
    const device_resource *r = &d->res[i];
    if (!(r->flags & OCF_RES_DISCOVERABLE) || !rt_matches(req, r)) continue;
    encode_link(e, d, r, &v);
    matches++;
  }
  return matches;
}

/* oic.if.ll: [link, ...]; oic.if.baseline: [{"rt": [...], "if": [...], "links": [link, ...]}].
 * Nothing matching a multicast request: no answer (digest 1.4). A unicast one gets the empty
 * list (IoTivity-Lite answers 4.00 there: docs/decisions/0007-device-layer.md). */
static ocf_status res_get(void *user, const ocf_request *req, ocf_rep_enc *e) {
  const ocf_device *d = user;
  size_t matches;
  ocf_rep_enc_array_open(e);
  if (ocf_request_is_baseline(req)) {
    ocf_rep_enc_map_open(e);
    ocf_request_encode_baseline(req, e);
    /* Digest 1.4: the security domain, unless sdi is private or there is none. */
    const ocf_svr_sdi *sdi = &d->sec->cur->sdi;
    if (!sdi->priv && !ocf_uuid_is_nil(&sdi->uuid)) {
      ocf_rep_enc_kv_uuid(e, "sduuid", &sdi->uuid);
      ocf_rep_enc_kv_text(e, "sdname", sdi->name);
    }
    ocf_rep_enc_kv_array_open(e, "links");
    matches = encode_links(e, req, d);
    ocf_rep_enc_array_close(e);
    ocf_rep_enc_map_close(e);
  } else {
    matches = encode_links(e, req, d);
  }
  ocf_rep_enc_array_close(e);
  if (matches == 0 && ocf_request_peer(req)->multicast) return OCF_STATUS_IGNORE;
  return OCF_STATUS_CONTENT;
}

/* --- /oic/d and /oic/p ----------------------------------------------------------------------- */

/* Properties required by CORE oic.wk.d: n, di, icv, dmv, piid; baseline adds rt and if. */
static ocf_status d_get(void *user, const ocf_request *req, ocf_rep_enc *e) {
  const ocf_device *d = user;
  ocf_rep_enc_map_open(e);
  ocf_request_encode_baseline(req, e);
  ocf_rep_enc_kv_text(e, "n", d->name);
  ocf_rep_enc_kv_uuid(e, "di", &d->di);
  ocf_rep_enc_kv_text(e, "icv", d->icv);
  ocf_rep_enc_kv_text(e, "dmv", d->dmv);
  ocf_rep_enc_kv_uuid(e, "piid", &d->piid);
  ocf_rep_enc_map_close(e);
  return OCF_STATUS_CONTENT;
}

/* Properties required by CORE oic.wk.p: pi, mnmn. */
static ocf_status p_get(void *user, const ocf_request *req, ocf_rep_enc *e) {
  const ocf_device *d = user;
  ocf_rep_enc_map_open(e);
  ocf_request_encode_baseline(req, e);
  ocf_rep_enc_kv_uuid(e, "pi", &d->pi);
  ocf_rep_enc_kv_text(e, "mnmn", d->mnmn);
  ocf_rep_enc_map_close(e);
  return OCF_STATUS_CONTENT;
}

ocf_err device_add_core_resources(ocf_device *d) {
  static const char *const res_rt[] = {"oic.wk.res"};
  static const char *const res_if[] = {"oic.if.ll", "oic.if.baseline"};
  static const char *const d_rt[] = {"oic.wk.d"};
  static const char *const p_rt[] = {"oic.wk.p"};
  static const char *const r_if[] = {"oic.if.r", "oic.if.baseline"};
  const ocf_resource_def defs[DEVICE_CORE_RESOURCES] = {
      {.href = "/oic/res",
       .types = res_rt,
       .n_types = 1,
       .interfaces = res_if,
       .n_interfaces = 2,
       .flags = OCF_RES_DISCOVERABLE,
       .get = res_get,
       .user = d},
      {.href = "/oic/p",
       .types = p_rt,
       .n_types = 1,
       .interfaces = r_if,
       .n_interfaces = 2,
       .flags = OCF_RES_DISCOVERABLE,
       .get = p_get,
       .user = d},
      {.href = "/oic/d",
       .types = d_rt,
       .n_types = 1,
       .interfaces = r_if,
       .n_interfaces = 2,
       .flags = OCF_RES_DISCOVERABLE,
       .get = d_get,
       .user = d},
  };
  for (size_t i = 0; i < DEVICE_CORE_RESOURCES; i++) {
    ocf_err err = device_add_kind(d, &defs[i], DEVICE_RES_CORE);
    if (err != OCF_OK) return err;
  }
  return OCF_OK;
}
