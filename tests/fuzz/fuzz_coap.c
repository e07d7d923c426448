/* libFuzzer target: CoAP parse -> serialize -> parse must reproduce the same message, and the
 * accessors must stay within the datagram. */
#include <stdlib.h>
#include <string.h>

#include "coap/coap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_same(const ocf_coap_msg *a, const ocf_coap_msg *b) {
  if (a->type != b->type || a->code != b->code || a->mid != b->mid || a->token_len != b->token_len ||
      memcmp(a->token, b->token, a->token_len) != 0 || a->n_options != b->n_options ||
      a->payload_len != b->payload_len || (a->payload_len && memcmp(a->payload, b->payload, a->payload_len)))
    abort();
  for (size_t i = 0; i < a->n_options; i++) {
    const ocf_coap_option *x = &a->options[i], *y = &b->options[i];
    if (x->number != y->number || x->len != y->len ||
        memcmp(ocf_coap_option_value(x), ocf_coap_option_value(y), x->len) != 0)
      abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static ocf_coap_msg m, back; /* large structs: keep them off the fuzzer's stack */
  if (ocf_coap_parse(data, size, &m) != OCF_OK) return 0;
  char path[256];
  (void)ocf_coap_get_path(&m, path, sizeof path);
  const uint8_t *v;
  size_t vlen;
  for (const ocf_coap_option *o = ocf_coap_find_query(&m, "if", NULL, &v, &vlen); o;
       o = ocf_coap_find_query(&m, "if", o, &v, &vlen))
    if (v < data || v + vlen > data + size) abort();
  ocf_coap_block b;
  if (ocf_coap_get_block(&m, OCF_COAP_OPT_BLOCK2, &b) == OCF_OK && b.szx > 6) abort();
  uint8_t out[4096 + 64];
  size_t len;
  if (ocf_coap_serialize(&m, out, sizeof out, &len) != OCF_OK) abort();
  if (ocf_coap_parse(out, len, &back) != OCF_OK) abort();
  check_same(&m, &back);
  return 0;
}
