/* Discovery of OCF devices, in two modes (<ocf/ocf_obt.h>):
 *   all      GET /oic/res to the OCF groups (or one address), then GET /oic/d of every device
 *            that answered (and GET /oic/sec/doxm with read_doxm);
 *   unowned  GET /oic/sec/doxm?owned=FALSE to the groups: only devices in RFOTM with no DOC
 *            answer (S001 7.3.1, S003 5.3.1 step 1; digest 1.7); then GET
 *            /oic/res?rt=oic.r.doxm (endpoints) and /oic/d of each.
 * To groups the first request goes ocf_obt_config.discovery_repeats times, spaced over the
 * window (a multicast request is NON, never retransmitted: RFC 7252 8.1), and a device's own
 * requests that get no answer are asked again as often; a lossy link otherwise hides devices.
 * Devices are keyed by their uuid (the anchor di of their links, or the doxm deviceuuid), so a
 * device heard on IPv6 and IPv4, or on several interfaces, is reported once (pitfall 37). Every
 * answer is hostile: decoded into bounded scratch, and one that contradicts another about who
 * the device is marks it `conflict` instead of being believed. */
#include <string.h>

#include "base/log.h"
#include "base/uuid.h"
#include "obt/obt_internal.h"
#include "rep/links.h"

#define MAX_DETAIL_REQUESTS 16 /* per-device requests in flight at once */
#define DOXM_MAX_OXMS 32       /* an answer listing more OTMs is not believed */
#define RES_MAX_LINKS 64       /* links read from one /oic/res answer */
#define RES_MAX_NODES 1024
#define LATE_REPLY_MS 2000 /* digest §1.7: multicast answers come up to 2 s late (leisure) */
#define MAX_REPEATS 16

static const uint8_t all_nodes_v6_suffix[14] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x58};

OCF_API size_t ocf_obt_discovery_groups(uint32_t ifindex, bool ipv6, bool ipv4, ocf_endpoint out[4]) {
  static const uint8_t scopes[3] = {0x02, 0x03, 0x05}; /* digest §1.1: link, realm, site */
  size_t n = 0;
  for (size_t i = 0; ipv6 && i < sizeof scopes; i++) {
    ocf_endpoint *ep = &out[n++];
    memset(ep, 0, sizeof *ep);
    ep->family = OCF_IPV6;
    ep->port = 5683;
    ep->addr[0] = 0xff;
    ep->addr[1] = scopes[i];
    memcpy(ep->addr + 2, all_nodes_v6_suffix, sizeof all_nodes_v6_suffix);
    ep->ifindex = ifindex;
  }
  if (ipv4) {
    ocf_endpoint *ep = &out[n++];
    memset(ep, 0, sizeof *ep);
    ep->family = OCF_IPV4;
    ep->port = 5683;
    const uint8_t group[4] = {224, 0, 1, 187};
    memcpy(ep->addr, group, sizeof group);
    ep->ifindex = ifindex;
  }
  return n;
}

OCF_API bool ocf_obt_discovering(const ocf_obt *obt) { return obt->disc.active; }

/* GET with the OCF accept options (digest §1.2). */
static ocf_err build_get(ocf_coap_msg *req, const char *path, uint8_t *scratch, size_t cap) {
  ocf_coap_init(req, OCF_COAP_CON, OCF_COAP_GET, 0);
  ocf_err err = ocf_coap_set_uri_path_query(req, path, scratch, cap);
  if (!err) err = ocf_coap_add_uint_option(req, OCF_COAP_OPT_ACCEPT, OCF_COAP_CF_VND_OCF_CBOR);
  if (!err) err = ocf_coap_add_uint_option(req, OCF_COAP_OPT_OCF_ACCEPT_VERSION, OCF_COAP_OCF_VERSION_1_0);
  return err;
}

static obt_found *find_device(obt_discovery *d, const ocf_uuid *di) {
  for (size_t i = 0; i < d->n_found; i++)
    if (ocf_uuid_equal(&d->found[i].info.di, di)) return &d->found[i];
  return NULL;
}

static obt_found *add_device(ocf_obt *obt, const ocf_uuid *di, const ocf_endpoint *from) {
  obt_discovery *d = &obt->disc;
  if (d->n_found == obt->cfg.max_devices) return NULL;
  obt_found *f = &d->found[d->n_found++];
  memset(f, 0, sizeof *f);
  f->info.di = *di;
  f->info.from = *from;
  f->info.from.flags &= (uint8_t)~OCF_EP_MULTICAST;
  if (d->params.mode == OCF_OBT_DISCOVER_UNOWNED)
    f->todo = OBT_ASK_RES | OBT_ASK_D;
  else
    f->todo = (uint8_t)(OBT_ASK_D | (d->params.read_doxm ? OBT_ASK_DOXM : 0));
  return f;
}

static bool is_ipv6_link_local(const ocf_endpoint *ep) {
  return ep->family == OCF_IPV6 && ep->addr[0] == 0xfe && (ep->addr[1] & 0xc0) == 0x80;
}

static void add_ep(ocf_obt_device_info *info, const ocf_endpoint *ep) {
  for (size_t k = 0; k < info->n_eps; k++)
    if (ocf_endpoint_equal(&info->eps[k], ep) && info->eps[k].flags == ep->flags) return;
  if (info->n_eps < OCF_OBT_MAX_EPS) info->eps[info->n_eps++] = *ep;
}

/* Adds the eps of one link to the device, skipping duplicates and unparsable ones. */
static void merge_eps(ocf_obt_device_info *info, const ocf_link *link, const ocf_endpoint *from) {
  for (size_t i = 0; i < link->n_eps && info->n_eps < OCF_OBT_MAX_EPS; i++) {
    char text[OCF_ENDPOINT_STR_MAX];
    const ocf_rep_str *s = &link->eps[i].ep;
    if (s->len >= sizeof text) continue;
    memcpy(text, s->ptr, s->len);
    text[s->len] = '\0';
    ocf_endpoint ep;
    if (ocf_endpoint_parse(text, &ep) != OCF_OK) continue;
    /* Pitfall 28: eps carry no zone id; a link-local one is on the interface the answer came in. */
    if (is_ipv6_link_local(&ep) && ep.ifindex == 0) ep.ifindex = from->ifindex;
    add_ep(info, &ep);
  }
}

static ocf_err grow_found(ocf_obt *obt) {
  obt_discovery *d = &obt->disc;
  size_t cap = d->found_cap ? d->found_cap * 2 : 16;
  if (cap > obt->cfg.max_devices) cap = obt->cfg.max_devices;
  if (cap <= d->found_cap) return OCF_ERR_TOO_LARGE;
  obt_found *grown = obt->pf.alloc(obt->pf.ctx, cap * sizeof *grown);
  if (!grown) return OCF_ERR_NO_MEMORY;
  if (d->n_found) memcpy(grown, d->found, d->n_found * sizeof *grown);
  if (d->found) obt->pf.free(obt->pf.ctx, d->found);
  d->found = grown;
  d->found_cap = cap;
  return OCF_OK;
}

static void describe_peer(const ocf_endpoint *peer, char out[OCF_ENDPOINT_STR_MAX]) {
  if (ocf_endpoint_format(peer, out, OCF_ENDPOINT_STR_MAX) != OCF_OK) out[0] = '\0';
}

/* The class * 100 + detail form of a CoAP code (4.01 -> 401). */
static uint16_t code_number(uint8_t code) {
  return (uint16_t)(OCF_COAP_CODE_CLASS(code) * 100 + (code & 0x1f));
}

/* Decodes an /oic/res answer into the scratch links; false (logged) when unreadable. */
static bool read_links(ocf_obt *obt, const ocf_msg_event *ev, ocf_res_info *info) {
  const ocf_coap_msg *rsp = ev->response;
  if (rsp->code != OCF_COAP_CONTENT || !rsp->payload_len) return false;
  obt_discovery *d = &obt->disc;
  ocf_err err = ocf_links_parse(rsp->payload, rsp->payload_len, NULL, d->nodes, RES_MAX_NODES, d->links,
                                RES_MAX_LINKS, info);
  if (err) {
    char from[OCF_ENDPOINT_STR_MAX];
    describe_peer(ev->peer, from);
    ocf_log(&obt->pf, OCF_LOG_WARN, "obt", "discovery: unreadable /oic/res from %s: %s", from,
            ocf_strerror(err));
  }
  return err == OCF_OK;
}

/* The device keyed uuid, added (answered from `from`) when new; NULL at the device limit. */
static obt_found *device_for(ocf_obt *obt, const ocf_uuid *uuid, const ocf_endpoint *from) {
  obt_discovery *d = &obt->disc;
  obt_found *f = find_device(d, uuid);
  if (f) return f;
  if (d->n_found == d->found_cap && grow_found(obt) != OCF_OK) {
    char text[OCF_ENDPOINT_STR_MAX];
    describe_peer(from, text);
    ocf_log(&obt->pf, OCF_LOG_WARN, "obt", "discovery: device limit reached, ignoring %s", text);
    return NULL;
  }
  return add_device(obt, uuid, from);
}

/* One multicast (or --address) /oic/res answer: every link with a di names a device. */
static void take_res_answer(ocf_obt *obt, const ocf_msg_event *ev) {
  ocf_res_info info;
  if (!read_links(obt, ev, &info)) return;
  for (size_t i = 0; i < info.n_links; i++) {
    const ocf_link *link = &obt->disc.links[i];
    if (!link->has_di) continue;
    obt_found *f = device_for(obt, &link->di, ev->peer);
    if (!f) return;
    merge_eps(&f->info, link, ev->peer);
  }
}

/* SEC:doxm, the properties discovery reports. Bounded: DOXM_NODES CBOR nodes at most, and more
 * than DOXM_MAX_OXMS OTMs, an sct beyond its 9 bits (0..511) or a nil deviceuuid are not
 * believed. */
#define DOXM_NODES 96

OCF_API ocf_err ocf_obt_doxm_parse(const uint8_t *payload, size_t len, ocf_obt_doxm *a) {
  if (!a || (!payload && len)) return OCF_ERR_INVALID_ARG;
  ocf_rep_node nodes[DOXM_NODES];
  const ocf_rep_node *root, *oxms;
  memset(a, 0, sizeof *a);
  if (ocf_rep_decode(payload, len, NULL, nodes, DOXM_NODES, &root) != OCF_OK || root->type != OCF_REP_MAP)
    return OCF_ERR_MALFORMED;
  if (ocf_rep_get_uuid(ocf_rep_map_value(root, "deviceuuid"), &a->deviceuuid) != OCF_OK ||
      ocf_uuid_is_nil(&a->deviceuuid) ||
      ocf_rep_get_uuid(ocf_rep_map_value(root, "devowneruuid"), &a->devowneruuid) != OCF_OK ||
      ocf_rep_get_bool(ocf_rep_map_value(root, "owned"), &a->owned) != OCF_OK ||
      ocf_rep_get_uint32(ocf_rep_map_value(root, "sct"), &a->sct) != OCF_OK || a->sct > 511 ||
      ocf_rep_get_array(ocf_rep_map_value(root, "oxms"), &oxms) != OCF_OK)
    return OCF_ERR_MALFORMED;
  size_t n = 0;
  for (const ocf_rep_node *it = ocf_rep_first(oxms); it; it = ocf_rep_next(it), n++) {
    uint32_t x;
    if (n == DOXM_MAX_OXMS || ocf_rep_get_uint32(it, &x) != OCF_OK) return OCF_ERR_MALFORMED;
    if (a->n_oxms < OCF_OBT_MAX_OXMS) a->oxms[a->n_oxms++] = x;
  }
  return OCF_OK;
}

static ocf_err read_doxm(const ocf_coap_msg *rsp, ocf_obt_doxm *a) {
  if (rsp->code != OCF_COAP_CONTENT) return OCF_ERR_MALFORMED;
  return ocf_obt_doxm_parse(rsp->payload, rsp->payload_len, a);
}

static void set_doxm(ocf_obt_device_info *info, const ocf_obt_doxm *a) {
  info->has_doxm = true;
  info->doxm_code = 0;
  memcpy(info->oxms, a->oxms, sizeof info->oxms);
  info->n_oxms = a->n_oxms;
  info->sct = a->sct;
  info->owned = a->owned;
  info->devowneruuid = a->devowneruuid;
}

static bool same_doxm(const ocf_obt_device_info *info, const ocf_obt_doxm *a) {
  return info->n_oxms == a->n_oxms && memcmp(info->oxms, a->oxms, a->n_oxms * sizeof a->oxms[0]) == 0 &&
         info->sct == a->sct && info->owned == a->owned &&
         ocf_uuid_equal(&info->devowneruuid, &a->devowneruuid);
}

static void log_bad_doxm(ocf_obt *obt, const ocf_endpoint *peer, const char *why) {
  char from[OCF_ENDPOINT_STR_MAX];
  describe_peer(peer, from);
  ocf_log(&obt->pf, OCF_LOG_WARN, "obt", "discovery: %s doxm answer from %s", why, from);
}

/* One answer to the multicast (or --address) GET /oic/sec/doxm?owned=FALSE. */
static void take_ocf_obt_doxm(ocf_obt *obt, const ocf_msg_event *ev) {
  ocf_obt_doxm a;
  if (ev->response->code != OCF_COAP_CONTENT) return; /* a unicast target that is not unowned */
  if (read_doxm(ev->response, &a) != OCF_OK) {
    log_bad_doxm(obt, ev->peer, "unreadable");
    return;
  }
  if (a.owned) { /* it ignored the owned=FALSE filter: not a candidate */
    log_bad_doxm(obt, ev->peer, "owned=true in an owned=FALSE");
    return;
  }
  obt_found *f = device_for(obt, &a.deviceuuid, ev->peer);
  if (!f) return;
  ocf_endpoint src = *ev->peer; /* where it answered from is one of its coap endpoints */
  src.flags = 0;
  add_ep(&f->info, &src);
  if (!f->info.has_doxm)
    set_doxm(&f->info, &a);
  else if (!same_doxm(&f->info, &a))
    f->info.conflict = true; /* two answers, one uuid, different devices */
}

static void on_first_event(void *user, ocf_msg *m, const ocf_msg_event *ev);

static bool multicast_targets(const obt_discovery *d) { return ocf_endpoint_is_multicast(&d->targets[0]); }

/* One copy of the first request. To groups it listens until t0 + window, whenever it leaves. */
static ocf_err send_first(ocf_obt *obt, ocf_time_ms now) {
  obt_discovery *d = &obt->disc;
  ocf_coap_msg req;
  uint8_t scratch[40];
  /* digest 1.6: send owned=FALSE as IoTivity-Lite's OBT does; devices compare it ignoring case. */
  const char *first = d->params.mode == OCF_OBT_DISCOVER_UNOWNED ? "/oic/sec/doxm?owned=FALSE" : "/oic/res";
  ocf_time_ms end = d->t0 + d->window;
  ocf_msg_request_params mp = {.to = d->targets,
                               .n_to = d->params.n_targets,
                               .window_ms = end > now ? (uint32_t)(end - now) : 1,
                               .cb = on_first_event,
                               .user = obt};
  ocf_err err = build_get(&req, first, scratch, sizeof scratch);
  if (!err) err = ocf_msg_request(obt->msg, &mp, &req, now, NULL);
  if (err) return err;
  d->sent++;
  d->open++;
  return OCF_OK;
}

/* The first request is over once every copy is: then the devices heard are reported. */
static void first_final(ocf_obt *obt, const ocf_msg_event *ev) {
  obt_discovery *d = &obt->disc;
  d->open--;
  /* A unicast target that never answered is a failure (its CON request was retransmitted by
   * CoAP itself, RFC 7252 4.2: it is sent once); a silent multicast is just empty. */
  if (ev->type != OCF_MSG_EV_RESPONSE && ev->type != OCF_MSG_EV_DONE) d->result = ev->err;
  if (d->open == 0 && (d->sent >= d->repeats || !multicast_targets(d))) d->window_over = true;
}

static void on_first_event(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  (void)m;
  ocf_obt *obt = user;
  obt_discovery *d = &obt->disc;
  if (ev->type == OCF_MSG_EV_RESPONSE && d->params.mode == OCF_OBT_DISCOVER_UNOWNED)
    take_ocf_obt_doxm(obt, ev);
  else if (ev->type == OCF_MSG_EV_RESPONSE)
    take_res_answer(obt, ev);
  if (ev->final) first_final(obt, ev);
}

ocf_time_ms obt_discovery_next_timeout(const ocf_obt *obt) {
  const obt_discovery *d = &obt->disc;
  if (!d->active || d->sent >= d->repeats || !multicast_targets(d)) return OCF_TIME_NEVER;
  return d->t0 + d->sent * d->interval;
}

/* The next copy to the groups. One that cannot go (msg's exchanges are all in use) is skipped. */
void obt_discovery_on_timeout(ocf_obt *obt, ocf_time_ms now) {
  obt_discovery *d = &obt->disc;
  if (obt_discovery_next_timeout(obt) > now) return;
  if (send_first(obt, now) == OCF_OK) return;
  d->repeats = d->sent;
  if (d->open == 0) d->window_over = true;
}

static void copy_text(const ocf_rep_node *n, char *out, size_t cap) {
  ocf_rep_str s;
  if (ocf_rep_get_text(n, &s) != OCF_OK) return;
  size_t len = s.len < cap - 1 ? s.len : cap - 1;
  memcpy(out, s.ptr, len);
  out[len] = '\0';
  for (size_t i = 0; i < len; i++) /* keep what we print to people free of control bytes */
    if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f) out[i] = '?';
}

/* /oic/d (digest §1.5): n, rt (oic.wk.d + device types), icv; a di that is not the device's
 * uuid is a conflict. */
static void take_details(ocf_obt *obt, obt_found *f, const ocf_coap_msg *rsp) {
  const ocf_rep_node *root;
  if (rsp->code != OCF_COAP_CONTENT ||
      ocf_rep_decode(rsp->payload, rsp->payload_len, NULL, obt->disc.nodes, RES_MAX_NODES, &root) != OCF_OK ||
      root->type != OCF_REP_MAP)
    return;
  ocf_obt_device_info *info = &f->info;
  ocf_uuid di;
  if (ocf_rep_get_uuid(ocf_rep_map_value(root, "di"), &di) == OCF_OK && !ocf_uuid_equal(&di, &info->di))
    info->conflict = true;
  copy_text(ocf_rep_map_value(root, "n"), info->name, sizeof info->name);
  copy_text(ocf_rep_map_value(root, "icv"), info->icv, sizeof info->icv);
  ocf_rep_str rt[OCF_REP_MAX_TYPES];
  size_t n_rt = 0;
  if (ocf_rep_get_str_array(ocf_rep_map_value(root, "rt"), rt, OCF_REP_MAX_TYPES, &n_rt) == OCF_OK) {
    for (size_t i = 0; i < n_rt; i++) {
      if (ocf_rep_str_eq(rt[i], "oic.wk.d")) continue;
      size_t len = rt[i].len < sizeof info->device_type - 1 ? rt[i].len : sizeof info->device_type - 1;
      memcpy(info->device_type, rt[i].ptr, len);
      info->device_type[len] = '\0';
      break;
    }
  }
  info->has_details = true;
}

/* The device's own /oic/res?rt=oic.r.doxm (unowned mode): the eps of links anchored at its
 * uuid; a link anchored elsewhere contradicts the doxm deviceuuid it multicast. */
static void take_own_res(ocf_obt *obt, obt_found *f, const ocf_msg_event *ev) {
  ocf_res_info info;
  if (!read_links(obt, ev, &info)) return;
  for (size_t i = 0; i < info.n_links; i++) {
    const ocf_link *link = &obt->disc.links[i];
    if (!link->has_di) continue;
    if (ocf_uuid_equal(&link->di, &f->info.di))
      merge_eps(&f->info, link, ev->peer);
    else
      f->info.conflict = true;
  }
}

/* The device's doxm over unicast (all mode with read_doxm). */
static void take_own_doxm(ocf_obt *obt, obt_found *f, const ocf_coap_msg *rsp) {
  ocf_obt_doxm a;
  if (rsp->code != OCF_COAP_CONTENT) {
    f->info.doxm_code = code_number(rsp->code); /* 4.01: not in RFOTM, i.e. owned (digest 3.3) */
    return;
  }
  if (read_doxm(rsp, &a) != OCF_OK) {
    log_bad_doxm(obt, &f->info.from, "unreadable");
    return;
  }
  if (!ocf_uuid_equal(&a.deviceuuid, &f->info.di)) {
    f->info.conflict = true; /* its doxm names another device than its /oic/res anchors */
    return;
  }
  set_doxm(&f->info, &a);
}

static void on_device_event(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  (void)m;
  ocf_obt *obt = user;
  obt_discovery *d = &obt->disc;
  if (!ev->final) return;
  for (size_t i = 0; i < d->n_found; i++) {
    obt_found *f = &d->found[i];
    if (!f->asking || f->request != ev->request_id) continue;
    uint8_t what = f->asking;
    f->asking = 0;
    d->n_in_flight--;
    if (ev->type == OCF_MSG_EV_TIMEOUT && f->retries + 1u < d->repeats) {
      f->retries++; /* asked again by the pump, as a new exchange (a lossy link) */
      f->todo |= what;
      return;
    }
    if (ev->type != OCF_MSG_EV_RESPONSE) return; /* reported without it */
    if (what == OBT_ASK_RES) take_own_res(obt, f, ev);
    if (what == OBT_ASK_D) take_details(obt, f, ev->response);
    if (what == OBT_ASK_DOXM) take_own_doxm(obt, f, ev->response);
    return; /* reported when the window is over, with the eps of every answer merged */
  }
}

static void ask(ocf_obt *obt, obt_found *f, ocf_time_ms now) {
  uint8_t what = f->todo & (uint8_t)-f->todo; /* the lowest: /oic/res first, for the eps */
  /* Baseline: /oic/d under its default oic.if.r carries no rt, hence no device type (digest §1.5). */
  const char *path = what == OBT_ASK_RES ? "/oic/res?rt=oic.r.doxm"
                     : what == OBT_ASK_D ? "/oic/d?if=oic.if.baseline"
                                         : "/oic/sec/doxm";
  ocf_coap_msg req;
  uint8_t scratch[40];
  ocf_err err = build_get(&req, path, scratch, sizeof scratch);
  ocf_msg_request_params p = {.to = &f->info.from, .n_to = 1, .cb = on_device_event, .user = obt};
  uint32_t id = 0;
  if (!err) err = ocf_msg_request(obt->msg, &p, &req, now, &id);
  if (err == OCF_ERR_BUSY) return; /* retried on the next pump */
  f->todo &= (uint8_t)~what;
  if (err) return; /* reported without it */
  f->asking = what;
  f->request = id;
  obt->disc.n_in_flight++;
}

static void release(ocf_obt *obt) {
  obt_discovery *d = &obt->disc;
  if (d->found) obt->pf.free(obt->pf.ctx, d->found);
  if (d->nodes) obt->pf.free(obt->pf.ctx, d->nodes);
  if (d->links) obt->pf.free(obt->pf.ctx, d->links);
  memset(d, 0, sizeof *d);
}

static void finish(ocf_obt *obt) {
  obt_discovery *d = &obt->disc;
  ocf_obt_discover_params p = d->params;
  ocf_err result = d->result;
  size_t n = d->n_reported;
  release(obt);
  p.on_done(p.user, result, n); /* last: it may start the next discovery */
}

void obt_discovery_pump(ocf_obt *obt, ocf_time_ms now) {
  obt_discovery *d = &obt->disc;
  if (!d->active) return;
  for (size_t i = 0; i < d->n_found && d->n_in_flight < MAX_DETAIL_REQUESTS; i++)
    if (d->found[i].todo && !d->found[i].asking) ask(obt, &d->found[i], now);
  bool waiting = d->n_in_flight > 0;
  for (size_t i = 0; i < d->n_found && !waiting; i++) waiting = d->found[i].todo != 0;
  if (!d->window_over || waiting) return;
  for (size_t i = 0; i < d->n_found; i++) {
    obt_found *f = &d->found[i];
    if (f->reported) continue;
    f->reported = true;
    d->n_reported++;
    d->params.on_device(d->params.user, &f->info);
  }
  finish(obt);
}

static ocf_err check_params(const ocf_obt_discover_params *p) {
  if (!p || !p->targets || !p->on_device || !p->on_done) return OCF_ERR_INVALID_ARG;
  if (p->mode != OCF_OBT_DISCOVER_ALL && p->mode != OCF_OBT_DISCOVER_UNOWNED) return OCF_ERR_INVALID_ARG;
  if (p->n_targets == 0 || p->n_targets > OCF_MSG_MAX_GROUPS) return OCF_ERR_INVALID_ARG;
  size_t multicast = 0;
  for (size_t i = 0; i < p->n_targets; i++) multicast += ocf_endpoint_is_multicast(&p->targets[i]);
  if (multicast != 0 && multicast != p->n_targets) return OCF_ERR_INVALID_ARG;
  if (multicast == 0 && p->n_targets != 1) return OCF_ERR_INVALID_ARG;
  return OCF_OK;
}

OCF_API ocf_err ocf_obt_discover(ocf_obt *obt, const ocf_obt_discover_params *p, ocf_time_ms now) {
  if (!obt) return OCF_ERR_INVALID_ARG;
  ocf_err err = check_params(p);
  if (err) return err;
  obt_discovery *d = &obt->disc;
  if (d->active) return OCF_ERR_BUSY;
  d->nodes = obt->pf.alloc(obt->pf.ctx, RES_MAX_NODES * sizeof *d->nodes);
  d->links = obt->pf.alloc(obt->pf.ctx, RES_MAX_LINKS * sizeof *d->links);
  err = (d->nodes && d->links) ? grow_found(obt) : OCF_ERR_NO_MEMORY;
  d->params = *p;
  memcpy(d->targets, p->targets, p->n_targets * sizeof *p->targets);
  d->params.targets = d->targets;
  uint32_t r = p->repeats ? p->repeats : obt->cfg.discovery_repeats;
  d->repeats = r == 0 ? 1 : r > MAX_REPEATS ? MAX_REPEATS : r;
  d->t0 = now;
  d->window = p->window_ms ? p->window_ms : obt->cfg.discovery_window_ms;
  /* The copies leave over the window's first part, so the last is still heard for 2 s. */
  ocf_time_ms spread = d->window > LATE_REPLY_MS ? d->window - LATE_REPLY_MS : d->window / 2;
  d->interval = spread / d->repeats;
  d->active = true;
  if (!err) err = send_first(obt, now);
  if (err) release(obt);
  return err;
}
