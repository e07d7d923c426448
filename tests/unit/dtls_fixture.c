#include "dtls_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

const uint8_t dx_identity[16] = {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
                                 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11};
const uint8_t dx_key[16] = {'0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

ocf_endpoint dx_ep(uint8_t last, uint16_t port) {
  ocf_endpoint ep = {.family = OCF_IPV6, .port = port};
  ep.addr[0] = 0x20;
  ep.addr[1] = 0x01;
  ep.addr[2] = 0x0d;
  ep.addr[3] = 0xb8;
  ep.addr[15] = last;
  return ep;
}

static void on_event(void *user, ocf_dtls_ctx *d, const ocf_dtls_event *ev) {
  dx_node *n = user;
  (void)d;
  assert_true(n->n_ev < DX_MAX_EVENTS);
  dx_event *e = &n->ev[n->n_ev++];
  memset(e, 0, sizeof *e);
  e->type = ev->type;
  e->err = ev->err;
  e->reason = ev->reason;
  e->info = *ev->info;
  e->at = n->net ? ocf_sim_now(n->net) : 0;
  assert_ptr_equal(ocf_dtls_session_get_info(ev->session), ev->info);
  if (ev->type != OCF_DTLS_EV_ESTABLISHED) {
    /* A session that ended is no longer found, and its secrets are gone. */
    assert_null(ocf_dtls_session_find(n->d, &ev->info->peer));
    assert_int_equal(ocf_dtls_session_key_block(ev->session, e->key_block, &e->key_block_len), OCF_ERR_STATE);
    return;
  }
  assert_ptr_equal(ocf_dtls_session_find(n->d, &ev->info->peer), ev->session);
  e->key_block_err = ocf_dtls_session_key_block(ev->session, e->key_block, &e->key_block_len);
  assert_int_equal(ocf_dtls_session_secrets(ev->session, e->master, e->client_random, e->server_random),
                   OCF_OK);
}

static void on_data(void *user, ocf_dtls_ctx *d, const ocf_dtls_session_info *info, const uint8_t *data,
                    size_t len) {
  dx_node *n = user;
  if (n->n_rx < DX_MAX_RX && len <= sizeof n->rx[0]) {
    memcpy(n->rx[n->n_rx], data, len);
    n->rx_len[n->n_rx++] = len;
  }
  n->rx_info = *info;
  if (n->echo && len + 3 <= 512) {
    uint8_t reply[512];
    memcpy(reply, "re:", 3);
    memcpy(reply + 3, data, len);
    assert_int_equal(ocf_dtls_send(d, &info->peer, reply, len + 3, ocf_sim_now(n->net)), OCF_OK);
  }
  if (n->close_on_data) n->close_on_data_result = ocf_dtls_close(d, &info->peer, ocf_sim_now(n->net));
}

static ocf_err on_accept(void *user, const ocf_endpoint *peer, ocf_dtls_profile *profile) {
  dx_node *n = user;
  (void)peer;
  n->accepts++;
  if (n->accept_err) return n->accept_err;
  *profile = n->profile;
  return OCF_OK;
}

static ocf_err on_psk_lookup(void *user, const ocf_endpoint *peer, const uint8_t *identity,
                             size_t identity_len, uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  dx_node *n = user;
  n->psk_lookups++;
  n->reenter_result = ocf_dtls_send(n->d, peer, (const uint8_t *)"x", 1, ocf_sim_now(n->net));
  if (identity_len != n->identity_len || memcmp(identity, n->identity, identity_len))
    return OCF_ERR_NOT_FOUND;
  memcpy(key, n->psk, n->psk_len);
  *key_len = n->psk_len;
  return OCF_OK;
}

static ocf_err on_verify(void *user, const ocf_endpoint *peer, const ocf_bytes *chain, size_t n_chain,
                         const ocf_uuid *uuid) {
  dx_node *n = user;
  (void)peer;
  assert_true(n_chain >= 1 && chain[0].len > 0);
  n->verify_calls++;
  n->verify_chain_len = n_chain;
  n->verify_had_uuid = uuid != NULL;
  if (uuid) n->verify_uuid = *uuid;
  return n->verify_answer;
}

static ocf_err on_psk_for_hint(void *user, const ocf_endpoint *peer, const uint8_t *hint, size_t hint_len,
                               uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  dx_node *n = user;
  (void)peer;
  assert_true(hint_len <= sizeof n->hint_seen);
  memcpy(n->hint_seen, hint, hint_len);
  n->hint_seen_len = hint_len;
  if (!n->hint_psk_len) return OCF_ERR_NOT_FOUND;
  memcpy(key, n->hint_psk, n->hint_psk_len);
  *key_len = n->hint_psk_len;
  return OCF_OK;
}

ocf_dtls_callbacks dx_callbacks(dx_node *n) {
  ocf_dtls_callbacks cbs = {.user = n,
                            .on_event = on_event,
                            .on_data = on_data,
                            .accept = on_accept,
                            .psk_lookup = on_psk_lookup,
                            .psk_for_hint = on_psk_for_hint,
                            .verify_cert = on_verify};
  return cbs;
}

ocf_dtls_profile dx_psk_profile(const uint8_t *identity, size_t identity_len, const uint8_t *key,
                                size_t key_len) {
  ocf_dtls_profile p;
  assert_int_equal(ocf_dtls_profile_otm(&p, OCF_OXM_RANDOM_PIN), OCF_OK);
  p.psk_identity = (ocf_bytes){identity, identity_len};
  p.psk = (ocf_bytes){key, key_len};
  return p;
}

static void node_init(dx_world *w, dx_node *n, uint64_t seed, const ocf_dtls_config *cfg, ocf_endpoint ep) {
  memset(n, 0, sizeof *n);
  ocf_sim_platform_init(&n->sp, seed);
  n->sp.quiet = true;
  n->net = w->net;
  n->ep = ep;
  ocf_dtls_callbacks cbs = dx_callbacks(n);
  assert_int_equal(ocf_dtls_create(&n->sp.pf, cfg, &cbs, &n->d), OCF_OK);
  n->node = ocf_sim_add_node(w->net, ocf_dtls_engine(n->d));
  assert_true(n->node >= 0);
  ocf_sim_node_add_addr(w->net, n->node, &ep);
}

void dx_init(dx_world *w, uint64_t seed, const ocf_dtls_config *scfg, const ocf_dtls_config *ccfg) {
  memset(w, 0, sizeof *w);
  w->net = ocf_sim_net_new(seed, DX_START);
  assert_non_null(w->net);
  node_init(w, &w->server, seed * 3 + 1, scfg, dx_ep(0x10, 5684));
  ocf_dtls_config client_only;
  ocf_dtls_config_default(&client_only);
  client_only.server = false;
  node_init(w, &w->client, seed * 7 + 2, ccfg ? ccfg : &client_only, dx_ep(0x01, 40001));
  dx_node *s = &w->server;
  assert_int_equal(ocf_dtls_profile_otm(&s->profile, OCF_OXM_RANDOM_PIN), OCF_OK);
  memcpy(s->identity, dx_identity, sizeof dx_identity);
  s->identity_len = sizeof dx_identity;
  memcpy(s->psk, dx_key, sizeof dx_key);
  s->psk_len = sizeof dx_key;
}

void dx_free(dx_world *w) {
  ocf_dtls_destroy(w->server.d);
  ocf_dtls_destroy(w->client.d);
  assert_int_equal(w->server.sp.live, 0);
  assert_int_equal(w->client.sp.live, 0);
  ocf_sim_net_free(w->net);
}

ocf_err dx_connect(dx_world *w, const ocf_dtls_profile *p) {
  ocf_err err = ocf_dtls_connect(w->client.d, &w->server.ep, p, ocf_sim_now(w->net));
  ocf_sim_flush(w->net);
  return err;
}

static bool node_settled(const dx_node *n) {
  for (size_t i = 0; i < n->n_ev; i++)
    if (n->ev[i].type == OCF_DTLS_EV_ESTABLISHED || n->ev[i].type == OCF_DTLS_EV_FAILED) return true;
  return false;
}

bool dx_settled(void *user) {
  dx_world *w = user;
  return node_settled(&w->server) && node_settled(&w->client);
}

bool dx_both_established(void *user) {
  dx_world *w = user;
  return dx_count(&w->server, OCF_DTLS_EV_ESTABLISHED) && dx_count(&w->client, OCF_DTLS_EV_ESTABLISHED);
}

size_t dx_count(const dx_node *n, ocf_dtls_event_type type) {
  size_t c = 0;
  for (size_t i = 0; i < n->n_ev; i++) c += n->ev[i].type == type;
  return c;
}

const dx_event *dx_find(const dx_node *n, ocf_dtls_event_type type) {
  for (size_t i = 0; i < n->n_ev; i++)
    if (n->ev[i].type == type) return &n->ev[i];
  return NULL;
}
