/* libFuzzer target for src/rep:
 *  1. tree: decode -> re-encode (definite and indefinite) -> decode must give an equal tree,
 *     and re-encoding that tree must reproduce the same bytes; every getter runs on every node.
 *  2. links: parse as a /oic/res reply -> re-encode (links list or baseline) -> parse must give
 *     equal links and surroundings. */
#include <stdlib.h>
#include <string.h>

#include "base/uuid.h"
#include "rep/links.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 8192
#define N_NODES 512
#define N_LINKS 16

/* Large buffers off the fuzzer's stack. Re-encoding grows a payload at most 3x (a half float
 * becomes a double), so 4x the input is enough. */
static ocf_rep_node nodes_a[N_NODES], nodes_b[2 * N_NODES];
static uint8_t out_a[4 * MAX_INPUT + 64], out_b[4 * MAX_INPUT + 64];
static ocf_link links_a[N_LINKS], links_b[N_LINKS];

static void must(bool ok) {
  if (!ok) abort();
}

static void touch_getters(const ocf_rep_node *n) {
  int64_t i64;
  uint64_t u64;
  int32_t i32;
  uint8_t u8;
  double d;
  bool b;
  ocf_rep_str s;
  ocf_bytes by;
  ocf_uuid u;
  char small[16];
  ocf_rep_common c;
  ocf_rep_str strs[OCF_REP_MAX_TYPES];
  size_t n_strs;
  (void)ocf_rep_get_int64(n, &i64);
  (void)ocf_rep_get_uint64(n, &u64);
  (void)ocf_rep_get_int32(n, &i32);
  (void)ocf_rep_get_uint8(n, &u8);
  (void)ocf_rep_get_double(n, &d);
  (void)ocf_rep_get_bool(n, &b);
  if (ocf_rep_get_text(n, &s) == OCF_OK) must(n->type == OCF_REP_TEXT && s.len == n->u.str.len);
  (void)ocf_rep_get_text_cstr(n, small, sizeof small);
  (void)ocf_rep_get_text_or_bytes(n, &by, &b);
  (void)ocf_rep_get_uuid(n, &u);
  (void)ocf_rep_common_decode(n, &c);
  (void)ocf_rep_get_str_array(n, strs, OCF_REP_MAX_TYPES, &n_strs);
  size_t count = 0;
  for (const ocf_rep_node *c2 = ocf_rep_first(n); c2; c2 = ocf_rep_next(c2), count++) {
    if (n->type == OCF_REP_MAP) must(ocf_rep_map_value_n(n, c2->key.ptr, c2->key.len) == c2);
    touch_getters(c2);
  }
  must(count == ocf_rep_count(n));
}

static size_t encode_tree(const ocf_rep_node *root, bool indefinite, uint8_t *out, size_t cap) {
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, out, cap);
  if (indefinite) ocf_rep_enc_use_indefinite(&e);
  ocf_rep_enc_node(&e, root);
  size_t len = 0;
  must(ocf_rep_enc_finish(&e, &len) == OCF_OK);
  return len;
}

static void fuzz_tree(const uint8_t *data, size_t size) {
  const ocf_rep_node *root, *again;
  if (ocf_rep_decode(data, size, NULL, nodes_a, N_NODES, &root) != OCF_OK) return;
  touch_getters(root);
  for (int indefinite = 0; indefinite < 2; indefinite++) {
    size_t len = encode_tree(root, indefinite, out_a, sizeof out_a);
    must(ocf_rep_decode(out_a, len, NULL, nodes_b, N_NODES, &again) == OCF_OK);
    must(ocf_rep_equal(root, again) && ocf_rep_equal(again, root));
    size_t len2 = encode_tree(again, indefinite, out_b, sizeof out_b);
    must(len2 == len && memcmp(out_a, out_b, len) == 0);
  }
}

static bool common_equal(const ocf_rep_common *a, const ocf_rep_common *b) {
  if (a->n_rt != b->n_rt || a->n_if != b->n_if || a->has_n != b->has_n) return false;
  for (size_t i = 0; i < a->n_rt; i++)
    if (a->rt[i].len != b->rt[i].len || memcmp(a->rt[i].ptr, b->rt[i].ptr, a->rt[i].len)) return false;
  for (size_t i = 0; i < a->n_if; i++)
    if (a->ifs[i].len != b->ifs[i].len || memcmp(a->ifs[i].ptr, b->ifs[i].ptr, a->ifs[i].len)) return false;
  return !a->has_n || (a->n.len == b->n.len && memcmp(a->n.ptr, b->n.ptr, a->n.len) == 0);
}

static void fuzz_links(const uint8_t *data, size_t size) {
  ocf_res_info info, back;
  if (ocf_links_parse(data, size, NULL, nodes_a, N_NODES, links_a, N_LINKS, &info) != OCF_OK) return;
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, out_a, sizeof out_a);
  if (info.baseline)
    ocf_links_encode_baseline(&e, links_a, info.n_links, &info);
  else
    ocf_links_encode_ll(&e, links_a, info.n_links);
  size_t len = 0;
  must(ocf_rep_enc_finish(&e, &len) == OCF_OK);
  must(ocf_links_parse(out_a, len, NULL, nodes_b, 2 * N_NODES, links_b, N_LINKS, &back) == OCF_OK);
  must(back.baseline == info.baseline && back.n_links == info.n_links);
  for (size_t i = 0; i < info.n_links; i++) must(ocf_link_equal(&links_a[i], &links_b[i]));
  must(back.has_sduuid == info.has_sduuid &&
       (!info.has_sduuid || ocf_uuid_equal(&back.sduuid, &info.sduuid)));
  must(back.has_sdname == info.has_sdname);
  /* the encoder supplies rt/if for /oic/res itself when the reply had none */
  if (info.baseline && info.common.n_rt && info.common.n_if) must(common_equal(&info.common, &back.common));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > MAX_INPUT) return 0;
  fuzz_tree(data, size);
  fuzz_links(data, size);
  return 0;
}
