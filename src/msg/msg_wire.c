/* Building datagrams and retransmitting CON messages (RFC 7252 4.2, 4.8). */
#include <string.h>

#include "base/log.h"
#include "msg/msg_internal.h"

/* Critical options this layer, or the layers above it, understand (RFC 7252 5.4.1); the OCF
 * version options are critical and must be recognised (digest pitfall 4). OSCORE (9) is not. */
static const uint16_t known_critical[] = {
    OCF_COAP_OPT_IF_MATCH,
    OCF_COAP_OPT_URI_HOST,
    OCF_COAP_OPT_IF_NONE_MATCH,
    OCF_COAP_OPT_URI_PORT,
    OCF_COAP_OPT_URI_PATH,
    OCF_COAP_OPT_URI_QUERY,
    OCF_COAP_OPT_ACCEPT,
    OCF_COAP_OPT_BLOCK2,
    OCF_COAP_OPT_BLOCK1,
    OCF_COAP_OPT_PROXY_URI,
    OCF_COAP_OPT_PROXY_SCHEME,
    OCF_COAP_OPT_OCF_ACCEPT_VERSION,
    OCF_COAP_OPT_OCF_CONTENT_VERSION,
};

const ocf_coap_option *msg_unknown_critical(const ocf_coap_msg *msg) {
  return ocf_coap_first_unknown_critical(msg, known_critical,
                                         sizeof known_critical / sizeof known_critical[0]);
}

bool msg_is_response_code(uint8_t code) {
  uint8_t cls = OCF_COAP_CODE_CLASS(code);
  return cls == 2 || cls == 4 || cls == 5;
}

static void strip_blockwise(ocf_coap_msg *msg) {
  ocf_coap_remove_option(msg, OCF_COAP_OPT_BLOCK1);
  ocf_coap_remove_option(msg, OCF_COAP_OPT_BLOCK2);
  ocf_coap_remove_option(msg, OCF_COAP_OPT_SIZE1);
  ocf_coap_remove_option(msg, OCF_COAP_OPT_SIZE2);
}

ocf_err msg_template_make(ocf_msg *m, const ocf_coap_msg *src, const uint8_t *etag, size_t etag_len,
                          uint8_t **out, size_t *out_len) {
  ocf_coap_msg t = *src;
  strip_blockwise(&t);
  t.type = OCF_COAP_CON;
  t.mid = 0;
  t.token_len = 0;
  t.payload = NULL;
  t.payload_len = 0;
  if (etag_len) {
    ocf_coap_remove_option(&t, OCF_COAP_OPT_ETAG);
    ocf_err err = ocf_coap_add_option(&t, OCF_COAP_OPT_ETAG, etag, etag_len);
    if (err) return OCF_ERR_TOO_LARGE;
  }
  uint8_t buf[OCF_MSG_DATAGRAM_MAX];
  size_t len;
  ocf_err err = ocf_coap_serialize(&t, buf, sizeof buf, &len);
  if (err) return err == OCF_ERR_NO_SPACE ? OCF_ERR_TOO_LARGE : err;
  uint8_t *copy = msg_alloc(m, len);
  if (!copy) return OCF_ERR_NO_MEMORY;
  memcpy(copy, buf, len);
  *out = copy;
  *out_len = len;
  return OCF_OK;
}

ocf_err msg_build_from(const ocf_coap_msg *base, uint8_t type, uint16_t mid, const uint8_t *token,
                       size_t token_len, const msg_extra *extra, size_t n_extra, const uint8_t *payload,
                       size_t payload_len, uint8_t *out, size_t cap, size_t *out_len) {
  ocf_coap_msg t = *base;
  strip_blockwise(&t);
  t.type = type;
  t.mid = mid;
  if (ocf_coap_set_token(&t, token, token_len) != OCF_OK) return OCF_ERR_INVALID_ARG;
  for (size_t i = 0; i < n_extra; i++)
    if (ocf_coap_add_uint_option(&t, extra[i].number, extra[i].value) != OCF_OK) return OCF_ERR_TOO_LARGE;
  t.payload = payload;
  t.payload_len = payload_len;
  ocf_err err = ocf_coap_serialize(&t, out, cap, out_len);
  return err == OCF_ERR_NO_SPACE ? OCF_ERR_TOO_LARGE : err;
}

ocf_err msg_build(const uint8_t *tmpl, size_t tmpl_len, uint8_t type, uint16_t mid, const uint8_t *token,
                  size_t token_len, const msg_extra *extra, size_t n_extra, const uint8_t *payload,
                  size_t payload_len, uint8_t *out, size_t cap, size_t *out_len) {
  ocf_coap_msg base;
  /* Templates are produced by msg_template_make, so they always parse. */
  ocf_err err = ocf_coap_parse(tmpl, tmpl_len, &base);
  if (err) return err;
  return msg_build_from(&base, type, mid, token, token_len, extra, n_extra, payload, payload_len, out, cap,
                        out_len);
}

uint32_t msg_random_upto(ocf_msg *m, uint32_t bound) {
  uint8_t r[4];
  if (bound == 0 || m->pf.random(m->pf.ctx, r, sizeof r) != OCF_OK) return 0;
  uint32_t v = ((uint32_t)r[0] << 24) | ((uint32_t)r[1] << 16) | ((uint32_t)r[2] << 8) | r[3];
  return (uint32_t)((uint64_t)v % ((uint64_t)bound + 1u)); /* bias negligible for timer jitter */
}

ocf_err msg_xmit_start(ocf_msg *m, msg_xmit *x, const ocf_endpoint *to, uint16_t mid, const uint8_t *data,
                       size_t len, ocf_time_ms now) {
  uint8_t *copy = msg_alloc(m, len);
  if (!copy) return OCF_ERR_NO_MEMORY;
  memcpy(copy, data, len);
  msg_free(m, x->bytes);
  x->bytes = copy;
  x->len = len;
  x->to = *to;
  x->mid = mid;
  x->retransmits = 0;
  /* RFC 7252 4.2: the initial timeout is random in [ACK_TIMEOUT, ACK_TIMEOUT * ACK_RANDOM_FACTOR]. */
  uint32_t base = m->cfg.ack_timeout_ms;
  uint32_t spread = (uint32_t)((uint64_t)base * (m->cfg.ack_random_factor_milli - 1000u) / 1000u);
  x->interval_ms = base + msg_random_upto(m, spread);
  x->deadline = now + x->interval_ms;
  msg_enqueue(m, to, data, len, 0);
  return OCF_OK;
}

bool msg_xmit_fire(ocf_msg *m, msg_xmit *x) {
  if (x->retransmits >= m->cfg.max_retransmit) return false;
  x->retransmits++;
  x->interval_ms *= 2; /* RFC 7252 4.2: the timeout doubles with each retransmission */
  x->deadline += x->interval_ms;
  msg_enqueue(m, &x->to, x->bytes, x->len, 0);
  return true;
}

void msg_xmit_stop(ocf_msg *m, msg_xmit *x) {
  msg_free(m, x->bytes);
  memset(x, 0, sizeof *x);
}
