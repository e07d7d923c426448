/* The owner session (owner.h): a DTLS PSK client session keyed with a device's Owner
 * Credential, digest §8.1. */
#include <string.h>

#include "dtls/crypto.h"
#include "obt/onboard_internal.h"
#include "obt/owner.h"

static void unlink_owner(obt_owner *o) {
  if (!o->registered) return;
  for (obt_owner **p = &o->obt->owners; *p; p = &(*p)->next)
    if (*p == o) {
      *p = o->next;
      break;
    }
  o->registered = false;
  o->next = NULL;
}

ocf_err obt_owner_open(ocf_obt *obt, obt_owner *o, const ocf_uuid *tool, const ocf_uuid *device,
                       const ocf_endpoint *coaps, const uint8_t *psk, size_t psk_len, obt_owner_cb cb,
                       void *user, ocf_time_ms now) {
  if (!obt || !o || !tool || !device || !coaps || !psk || !psk_len || psk_len > OCF_DTLS_PSK_MAX || !cb ||
      !(coaps->flags & OCF_EP_SECURE))
    return OCF_ERR_INVALID_ARG;
  memset(o, 0, sizeof *o);
  o->obt = obt;
  o->peer = *coaps;
  o->device = *device;
  memcpy(o->identity, tool->b, sizeof o->identity);
  memcpy(o->psk, psk, psk_len);
  o->psk_len = psk_len;
  o->cb = cb;
  o->user = user;
  /* Digest §4.1/§8.1: IL's OBT offers only 0xC037 for owner sessions; the certificate suites of
   * an owned device's list need an identity certificate the domain does not issue yet. */
  ocf_dtls_profile p;
  ocf_dtls_profile_owned(&p);
  p.suites[0] = OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256;
  p.n_suites = 1;
  p.psk_identity = (ocf_bytes){o->identity, sizeof o->identity};
  p.psk = (ocf_bytes){o->psk, o->psk_len};
  o->next = obt->owners; /* registered first: a synchronous FAILED event must find it */
  obt->owners = o;
  o->registered = true;
  ocf_err err = ocf_stack_connect(obt->stack, &o->peer, &p, now);
  if (err) {
    unlink_owner(o);
    ocf_secure_zero(o->psk, sizeof o->psk);
  }
  return err;
}

ocf_err obt_owner_open_stored(ocf_obt *obt, obt_owner *o, ocf_obt_store *store, const ocf_uuid *device,
                              const ocf_endpoint *coaps, obt_owner_cb cb, void *user, ocf_time_ms now) {
  if (!store || !device) return OCF_ERR_INVALID_ARG;
  ocf_obt_domain d;
  uint8_t psk[OCF_DTLS_PSK_MAX];
  size_t len = 0;
  ocf_err err = ocf_obt_store_domain_get(store, &d);
  if (!err) err = ocf_obt_store_secret_get(store, device, OBT_OWNER_PSK_SECRET, psk, sizeof psk, &len);
  if (!err) err = obt_owner_open(obt, o, &d.tool_uuid, device, coaps, psk, len, cb, user, now);
  ocf_secure_zero(psk, sizeof psk);
  return err;
}

ocf_err obt_owner_request(obt_owner *o, uint8_t method, const char *href, const uint8_t *body, size_t len,
                          ocf_msg_response_cb cb, void *user, ocf_time_ms now, uint32_t *id) {
  if (!o || !href || !cb) return OCF_ERR_INVALID_ARG;
  if (!o->registered || !o->open) return OCF_ERR_STATE;
  ocf_coap_msg req;
  uint8_t scratch[192]; /* the decoded path and query: provisioning's hrefs are up to 160 bytes */
  ocf_msg_request_params p = {.to = &o->peer, .n_to = 1, .cb = cb, .user = user};
  ocf_err err = obt_build_request(method, href, body, len, &req, scratch, sizeof scratch);
  if (!err) err = ocf_stack_request(o->obt->stack, &p, &req, now, id);
  return err;
}

void obt_owner_close(obt_owner *o, ocf_time_ms now) {
  if (!o || !o->registered) return;
  unlink_owner(o); /* first: the CLOSED event ocf_stack_close raises is not reported */
  (void)ocf_stack_close(o->obt->stack, &o->peer, now);
  o->open = false;
  ocf_secure_zero(o->psk, sizeof o->psk);
}

static obt_owner *owner_by_peer(ocf_obt *obt, const ocf_endpoint *peer) {
  for (obt_owner *o = obt->owners; o; o = o->next)
    if (ocf_endpoint_equal(&o->peer, peer)) return o;
  return NULL;
}

/* Digest §4.1: the hint of an owned device is its uuid, 16 raw bytes. */
static bool hint_ok(const obt_owner *o, const uint8_t *hint, size_t len) {
  return len == 0 || (len == sizeof o->device.b && memcmp(hint, o->device.b, len) == 0);
}

bool obt_owner_on_session(ocf_obt *obt, const ocf_dtls_event *ev) {
  obt_owner *o = owner_by_peer(obt, &ev->info->peer);
  if (!o) return false;
  if (ev->type == OCF_DTLS_EV_ESTABLISHED) {
    if (!hint_ok(o, ev->info->peer_id, ev->info->peer_id_len)) {
      obt_owner_close(o, obt->now);
      o->cb(o->user, o, OCF_ERR_DENIED);
      return true;
    }
    o->open = true;
    o->cb(o->user, o, OCF_OK);
    return true;
  }
  bool was_open = o->open;
  unlink_owner(o);
  o->open = false;
  ocf_secure_zero(o->psk, sizeof o->psk);
  o->cb(o->user, o, was_open ? OCF_ERR_RESET : (ev->err ? ev->err : OCF_ERR_CRYPTO));
  return true;
}

ocf_err obt_owner_psk_for_hint(ocf_obt *obt, const ocf_endpoint *peer, const uint8_t *hint, size_t hint_len,
                               uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  obt_owner *o = owner_by_peer(obt, peer);
  if (!o) return OCF_ERR_NOT_FOUND;
  if (!hint_ok(o, hint, hint_len)) return OCF_ERR_DENIED; /* another device at that address */
  memcpy(key, o->psk, o->psk_len);
  *key_len = o->psk_len;
  return OCF_OK;
}
