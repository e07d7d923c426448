/* The owner session: a DTLS PSK session from the OBT to a device it owns, keyed with the Owner
 * Credential the DOTS derived at onboarding (digest §4.5, §8.1), and requests over it. The base
 * of everything the OBT does to an owned device: reset now (lifecycle.c), the CMS and AMS
 * later.
 *
 * Digest §8.1: suite 0xC037 (TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256), psk_identity = the OBT's
 * uuid as 16 raw bytes, PSK = the 16-byte owner PSK. The device sends its own uuid (16 raw
 * bytes) as the identity hint; a hint that names another uuid fails the handshake (another
 * device answers at that address), an empty one (unpatched TLS library) is accepted.
 *
 * A session is a struct the caller owns (it must not move while open); the engine keeps a list
 * of open ones to route the stack's session events and PSK hints to them (obt.c). */
#ifndef OCF_OBT_OWNER_H
#define OCF_OBT_OWNER_H

#include "obt/obt_internal.h"

typedef struct obt_owner obt_owner;

/* ESTABLISHED (err OCF_OK), then at most one end (err: why; OCF_ERR_RESET when the device closed
 * an established session, the handshake's error when it failed, OCF_ERR_DENIED when the hint
 * named another device). Never called for an end the owner caused with obt_owner_close. Runs
 * inside the engine's calls: change state only, send from the engine's pump. */
typedef void (*obt_owner_cb)(void *user, obt_owner *o, ocf_err err);

struct obt_owner {
  ocf_obt *obt;
  ocf_endpoint peer; /* the device's coaps endpoint (OCF_EP_SECURE) */
  ocf_uuid device;   /* the uuid it must present as its hint */
  uint8_t identity[16];
  uint8_t psk[OCF_DTLS_PSK_MAX];
  size_t psk_len;
  bool registered;
  bool open; /* established */
  obt_owner_cb cb;
  void *user;
  obt_owner *next;
};

/* Starts the handshake to peer. tool = our uuid (the identity), psk = the owner PSK (copied,
 * wiped at close). OCF_ERR_INVALID_ARG, OCF_ERR_STATE (a session with that address exists),
 * OCF_ERR_BUSY (the DTLS context's handshake or session caps: try again later), the errors of
 * ocf_stack_connect. */
OCF_NODISCARD ocf_err obt_owner_open(ocf_obt *obt, obt_owner *o, const ocf_uuid *tool, const ocf_uuid *device,
                                     const ocf_endpoint *coaps, const uint8_t *psk, size_t psk_len,
                                     obt_owner_cb cb, void *user, ocf_time_ms now);

/* Loads the device's owner PSK ("owner-psk") and the domain's tool uuid from the store (open and
 * unlocked), then obt_owner_open. The store's errors (OCF_ERR_NOT_FOUND: no owner credential). */
OCF_NODISCARD ocf_err obt_owner_open_stored(ocf_obt *obt, obt_owner *o, ocf_obt_store *store,
                                            const ocf_uuid *device, const ocf_endpoint *coaps,
                                            obt_owner_cb cb, void *user, ocf_time_ms now);

/* A request over the open session (body may be NULL); cb as ocf_msg's. OCF_ERR_STATE (not
 * established), the errors of ocf_stack_request. */
OCF_NODISCARD ocf_err obt_owner_request(obt_owner *o, uint8_t method, const char *href, const uint8_t *body,
                                        size_t len, ocf_msg_response_cb cb, void *user, ocf_time_ms now,
                                        uint32_t *id);

/* Ends the session (close_notify when established), forgets it, wipes the key. No callback.
 * Fine on a session that was never opened or has ended. */
void obt_owner_close(obt_owner *o, ocf_time_ms now);

/* The engine's routing (obt.c). */
bool obt_owner_on_session(ocf_obt *obt, const ocf_dtls_event *ev);
ocf_err obt_owner_psk_for_hint(ocf_obt *obt, const ocf_endpoint *peer, const uint8_t *hint, size_t hint_len,
                               uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len);

#endif
