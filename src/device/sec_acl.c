/* The access query of one request (digest 3.3, 3.4): what dispatch asks svr/acl_decide.h. The
 * decision itself is the pure function there; this file only gathers its inputs. */
#include <string.h>

#include "device/sec.h"

/* ocf_peer.auth is handed to the decision as is. */
_Static_assert(OCF_PEER_AUTH_NONE == (int)OCF_ACL_AUTH_NONE &&
                   OCF_PEER_AUTH_ANON_DTLS == (int)OCF_ACL_AUTH_ANON_DTLS &&
                   OCF_PEER_AUTH_PSK == (int)OCF_ACL_AUTH_PSK &&
                   OCF_PEER_AUTH_CERT == (int)OCF_ACL_AUTH_CERT && OCF_PEER_AUTH_PIN == (int)OCF_ACL_AUTH_PIN,
               "ocf_peer_auth and ocf_acl_auth must agree");

/* Whether the device advertises a coap:// endpoint for r (the "-" wildcard, digest 7.2). */
static bool has_unsecured_ep(const ocf_device *d, const device_resource *r) {
  if (r->flags & OCF_RES_SECURE) return false;
  for (size_t i = 0; i < d->n_eps; i++)
    if (!(d->eps[i].flags & OCF_EP_SECURE)) return true;
  return false;
}

/* The roles of the peer: the roleid of the PSK credential it authenticated with, and the role
 * certificates it asserted on its session (digest 3.4 step 9). */
static size_t peer_roles(const ocf_device *d, const ocf_request *req, ocf_acl_role *out, size_t cap) {
  size_t n = 0;
  const sec_models *m = d->sec->cur;
  if (req->peer.auth == OCF_PEER_AUTH_PSK && req->peer.has_uuid) {
    const ocf_svr_cred_entry *c = ocf_svr_cred_find_psk(&m->cred, &req->peer.uuid);
    if (c && c->has_roleid && n < cap) out[n++] = (ocf_acl_role){c->role, c->authority, false};
  }
  const sec_session *ss = device_sec_session_of(d, &req->peer.ep);
  for (uint32_t i = 0; ss && ss->roles && i < ss->roles->n && n < cap; i++) {
    const ocf_svr_cred_entry *c = &ss->roles->e[i];
    if (c->has_roleid) out[n++] = (ocf_acl_role){c->role, c->authority, true};
  }
  return n;
}

ocf_acl_decision device_sec_decide(const ocf_device *d, const ocf_request *req) {
  const device_resource *r = req->res;
  const device_sec *s = d->sec;
  const sec_models *m = s->cur;
  const char *ifs[OCF_DEVICE_MAX_INTERFACES];
  for (size_t i = 0; i < r->n_ifaces; i++) ifs[i] = device_iface_name(r->ifaces[i]);
  const char *rts[OCF_DEVICE_MAX_TYPES];
  for (size_t i = 0; i < r->n_types; i++) rts[i] = r->types[i];
  ocf_acl_role roles[OCF_SVR_MAX_ROLES + 1];
  ocf_acl_query q = {
      .method = req->method,
      .href = r->href,
      .rts = rts,
      .n_rts = r->n_types,
      .ifs = ifs,
      .n_ifs = r->n_ifaces,
      .is_svr = r->kind == DEVICE_RES_SVR,
      .is_dcr = r->kind != DEVICE_RES_APP,
      .discoverable = (r->flags & OCF_RES_DISCOVERABLE) != 0,
      .has_unsecured_ep = has_unsecured_ep(d, r),
      .multicast = req->peer.multicast,
      .dos = m->pstat.dos_s,
      .doc_open = device_sec_doc_open(d),
      .over_doc = req->over_doc,
      .auth = (ocf_acl_auth)req->peer.auth,
      .conntype = req->peer.conntype,
      .has_peer_uuid = req->peer.has_uuid,
      .peer_uuid = req->peer.uuid,
      .roles = roles,
      .n_roles = peer_roles(d, req, roles, sizeof roles / sizeof roles[0]),
      .acl = &m->acl2,
      .rowner_doxm = m->doxm.rowneruuid,
      .rowner_pstat = m->pstat.rowneruuid,
      .rowner_cred = m->cred.rowneruuid,
      .rowner_acl2 = m->acl2.rowneruuid,
      /* ACE validity periods (SEC:acl2 validity, RFC 5545) need the wall clock; a device without
       * one fails them closed (acl_decide.h). */
      .has_now = s->utc_now != NULL,
      .now_utc = s->utc_now ? s->utc_now(s->event_user) : 0,
  };
  return ocf_acl_decide(&q);
}
