#include "msg_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

ocf_endpoint fx_ep6(uint8_t last, uint16_t port) {
  ocf_endpoint ep = {.family = OCF_IPV6, .port = port};
  ep.addr[0] = 0x20;
  ep.addr[1] = 0x01;
  ep.addr[2] = 0x0d;
  ep.addr[3] = 0xb8;
  ep.addr[15] = last;
  return ep;
}

ocf_endpoint fx_ep4(uint8_t last, uint16_t port) {
  ocf_endpoint ep = {.family = OCF_IPV4, .port = port};
  ep.addr[0] = 10;
  ep.addr[3] = last;
  return ep;
}

ocf_endpoint fx_group6(void) {
  ocf_endpoint ep = {.family = OCF_IPV6, .port = 5683, .ifindex = 1};
  ep.addr[0] = 0xff;
  ep.addr[1] = 0x02;
  ep.addr[14] = 0x01;
  ep.addr[15] = 0x58;
  return ep;
}

ocf_endpoint fx_group4(void) {
  ocf_endpoint ep = {.family = OCF_IPV4, .port = 5683, .addr = {224, 0, 1, 187}};
  return ep;
}

ocf_endpoint fx_client_ep(void) { return fx_ep6(1, 40001); }
ocf_endpoint fx_server_ep(size_t i) { return fx_ep6((uint8_t)(10 + i), (uint16_t)(41000 + i)); }

uint8_t *fx_pattern(size_t len, uint8_t seed) {
  uint8_t *p = malloc(len ? len : 1);
  assert_non_null(p);
  for (size_t i = 0; i < len; i++) p[i] = (uint8_t)((i * 7 + seed) % 251);
  return p;
}

void recorder_clear(recorder *r) {
  for (size_t i = 0; i < r->n; i++) free(r->ev[i].body);
  r->n = 0;
  r->final_seen = false;
}

void recorder_cb(void *user, ocf_msg *m, const ocf_msg_event *ev) {
  recorder *r = user;
  assert_false(r->final_seen); /* nothing may follow a final event */
  if (r->cancel_on_first) {
    r->cancel_result = ocf_msg_cancel(m, r->cancel_on_first);
    r->cancel_on_first = 0;
  }
  assert_true(r->n < FX_MAX_EVENTS);
  rec_event *e = &r->ev[r->n++];
  memset(e, 0, sizeof *e);
  e->type = ev->type;
  e->final = ev->final;
  e->err = ev->err;
  e->at = r->net ? ocf_sim_now(r->net) : 0;
  if (ev->peer) e->peer = *ev->peer;
  if (ev->final) r->final_seen = true;
  if (ev->type != OCF_MSG_EV_RESPONSE) return;
  assert_non_null(ev->response);
  e->code = ev->response->code;
  e->len = ev->response->payload_len;
  e->body = malloc(e->len ? e->len : 1);
  assert_non_null(e->body);
  if (e->len) memcpy(e->body, ev->response->payload, e->len);
  e->has_size1 = ocf_coap_get_uint_option(ev->response, OCF_COAP_OPT_SIZE1, &e->size1) == OCF_OK;
}

void handler_cb(void *user, ocf_msg *m, const ocf_msg_incoming *in) {
  handler_script *h = user;
  h->calls++;
  h->last_handle = in->handle;
  h->last_method = in->request->code;
  h->last_peer = *in->peer;
  free(h->last_body);
  h->last_body_len = in->request->payload_len;
  h->last_body = malloc(h->last_body_len ? h->last_body_len : 1);
  assert_non_null(h->last_body);
  if (h->last_body_len) memcpy(h->last_body, in->request->payload, h->last_body_len);
  if (h->mode == HANDLER_DROP) {
    ocf_msg_drop(m, in->handle);
    return;
  }
  if (h->mode != HANDLER_RESPOND) return;
  ocf_coap_msg rsp;
  ocf_coap_init(&rsp, OCF_COAP_ACK, h->code ? h->code : OCF_COAP_CONTENT, 0);
  assert_int_equal(ocf_coap_add_uint_option(&rsp, OCF_COAP_OPT_CONTENT_FORMAT, OCF_COAP_CF_VND_OCF_CBOR),
                   OCF_OK);
  rsp.payload = h->body;
  rsp.payload_len = h->body_len;
  h->respond_result = ocf_msg_respond(m, in->handle, &rsp, in->now);
}

void fx_world_init(world *w, size_t n_servers, const ocf_msg_config *ccfg, const ocf_msg_config *scfg,
                   uint64_t seed) {
  memset(w, 0, sizeof *w);
  assert_true(n_servers <= FX_MAX_SERVERS);
  w->n_servers = n_servers;
  w->net = ocf_sim_net_new(seed, FX_START);
  w->rec.net = w->net;
  ocf_sim_platform_init(&w->cpf, seed * 31 + 1);
  w->cpf.quiet = true;
  assert_int_equal(ocf_msg_create(&w->cpf.pf, ccfg, &w->client), OCF_OK);
  w->cnode = ocf_sim_add_node(w->net, ocf_msg_engine(w->client));
  ocf_endpoint c6 = fx_client_ep(), c4 = fx_ep4(1, 40001);
  ocf_sim_node_add_addr(w->net, w->cnode, &c6);
  ocf_sim_node_add_addr(w->net, w->cnode, &c4);
  ocf_endpoint g6 = fx_group6(), g4 = fx_group4();
  for (size_t i = 0; i < n_servers; i++) {
    ocf_sim_platform_init(&w->spf[i], seed * 131 + 7 + i);
    w->spf[i].quiet = true;
    assert_int_equal(ocf_msg_create(&w->spf[i].pf, scfg, &w->server[i]), OCF_OK);
    ocf_msg_set_request_handler(w->server[i], handler_cb, &w->hs[i]);
    w->snode[i] = ocf_sim_add_node(w->net, ocf_msg_engine(w->server[i]));
    ocf_endpoint s6 = fx_server_ep(i), s4 = fx_ep4((uint8_t)(10 + i), (uint16_t)(41000 + i));
    ocf_sim_node_add_addr(w->net, w->snode[i], &s6);
    ocf_sim_node_add_addr(w->net, w->snode[i], &s4);
    ocf_sim_node_join(w->net, w->snode[i], &g6);
    ocf_sim_node_join(w->net, w->snode[i], &g4);
  }
}

void fx_world_free(world *w) {
  ocf_msg_destroy(w->client);
  assert_int_equal(w->cpf.live, 0);
  for (size_t i = 0; i < w->n_servers; i++) {
    ocf_msg_destroy(w->server[i]);
    assert_int_equal(w->spf[i].live, 0);
    free(w->hs[i].last_body);
  }
  recorder_clear(&w->rec);
  ocf_sim_net_free(w->net);
}

ocf_err fx_request(world *w, const ocf_endpoint *to, size_t n_to, uint8_t code, const char *uri,
                   const uint8_t *payload, size_t len, uint32_t *id) {
  ocf_coap_msg req;
  uint8_t scratch[256];
  ocf_coap_init(&req, OCF_COAP_CON, code, 0);
  assert_int_equal(ocf_coap_set_uri_path_query(&req, uri, scratch, sizeof scratch), OCF_OK);
  if (len)
    assert_int_equal(ocf_coap_add_uint_option(&req, OCF_COAP_OPT_CONTENT_FORMAT, OCF_COAP_CF_VND_OCF_CBOR),
                     OCF_OK);
  req.payload = payload;
  req.payload_len = len;
  ocf_endpoint dst = fx_server_ep(0);
  ocf_msg_request_params p = {
      .to = to ? to : &dst, .n_to = to ? n_to : 1, .cb = recorder_cb, .user = &w->rec};
  ocf_err err = ocf_msg_request(w->client, &p, &req, ocf_sim_now(w->net), id);
  ocf_sim_flush(w->net);
  return err;
}

bool fx_final_seen(void *w) { return ((world *)w)->rec.final_seen; }

size_t fx_build(uint8_t *buf, size_t cap, ocf_coap_type type, uint8_t code, uint16_t mid,
                const uint8_t *token, size_t token_len, const char *uri, const uint8_t *payload,
                size_t payload_len) {
  ocf_coap_msg m;
  uint8_t scratch[256];
  ocf_coap_init(&m, type, code, mid);
  assert_int_equal(ocf_coap_set_token(&m, token, token_len), OCF_OK);
  if (uri) assert_int_equal(ocf_coap_set_uri_path_query(&m, uri, scratch, sizeof scratch), OCF_OK);
  m.payload = payload;
  m.payload_len = payload_len;
  size_t len = 0;
  assert_int_equal(ocf_coap_serialize(&m, buf, cap, &len), OCF_OK);
  return len;
}

bool fx_pull(ocf_msg *m, ocf_endpoint *to, uint8_t *buf, ocf_coap_msg *out) {
  size_t len = ocf_msg_next_datagram(m, to, buf, OCF_MSG_DATAGRAM_MAX);
  if (!len) return false;
  assert_int_equal(ocf_coap_parse(buf, len, out), OCF_OK);
  return true;
}

size_t fx_drain(ocf_msg *m) {
  uint8_t buf[OCF_MSG_DATAGRAM_MAX];
  ocf_endpoint to;
  size_t n = 0;
  while (ocf_msg_next_datagram(m, &to, buf, sizeof buf)) n++;
  return n;
}

void direct_init(direct *d, const ocf_msg_config *cfg, uint64_t seed) {
  memset(d, 0, sizeof *d);
  ocf_sim_platform_init(&d->pf, seed);
  d->pf.quiet = true;
  assert_int_equal(ocf_msg_create(&d->pf.pf, cfg, &d->m), OCF_OK);
  ocf_msg_set_request_handler(d->m, handler_cb, &d->hs);
  d->mid = 100;
}

void direct_free(direct *d) {
  ocf_msg_destroy(d->m);
  assert_int_equal(d->pf.live, 0);
  recorder_clear(&d->rec);
  free(d->hs.last_body);
}
