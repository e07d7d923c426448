/* Helpers shared by the src/rep tests: hex vectors and a decode-or-fail shortcut. */
#ifndef OCF_TEST_REP_UTIL_H
#define OCF_TEST_REP_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "base/uuid.h"
#include "rep/rep.h"

/* An IoTivity-Lite-shaped doxm (indefinite containers), with an upper-case rowneruuid and a
 * subject uuid sent as 37 bytes ending in NUL (digest §10 pitfall 2). */
#define DOXM_IL_HEX                                                                                          \
  "bf646f786d739f0001ff666f786d73656c006373637401656f776e6564f46a64"                                         \
  "657669636575756964782463653365656664652d623865332d346330382d3536"                                         \
  "37342d6333373032656233353032386c6465766f776e65727575696478243030"                                         \
  "3030303030302d303030302d303030302d303030302d30303030303030303030"                                         \
  "30306a726f776e657275756964782441414242434344442d303030302d313131"                                         \
  "312d323232322d3333333334343434353535356272749f6a6f69632e722e646f"                                         \
  "786dff6269669f696f69632e69662e72776f6f69632e69662e626173656c696e"                                         \
  "65ff677375626a656374bf6475756964782563653365656664652d623865332d"                                         \
  "346330382d353637342d63333730326562333530323800ffff"

/* Hex text (spaces allowed) -> bytes; fails the test on odd digits or overflow. */
static inline size_t unhex(const char *hex, uint8_t *out, size_t cap) {
  size_t n = 0;
  int hi = -1;
  for (const char *p = hex; *p; p++) {
    if (*p == ' ') continue;
    int v = (*p >= '0' && *p <= '9') ? *p - '0' : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10 : -1;
    assert_true(v >= 0);
    if (hi < 0) {
      hi = v;
      continue;
    }
    assert_true(n < cap);
    out[n++] = (uint8_t)(hi << 4 | v);
    hi = -1;
  }
  assert_true(hi < 0);
  return n;
}

/* Decodes hex in a scratch tree and returns only the error. */
static inline ocf_err decode_hex(const char *hex, const ocf_rep_limits *lim) {
  uint8_t buf[512];
  ocf_rep_node nodes[64];
  const ocf_rep_node *root;
  size_t len = unhex(hex, buf, sizeof buf);
  return ocf_rep_decode(buf, len, lim, nodes, 64, &root);
}

typedef struct test_doc {
  uint8_t buf[2048];
  size_t len;
  ocf_rep_node nodes[256];
} test_doc;

/* Decodes hex into doc (which the returned tree points into); the decode must succeed. */
static inline const ocf_rep_node *decode_ok(test_doc *doc, const char *hex) {
  const ocf_rep_node *root = NULL;
  doc->len = unhex(hex, doc->buf, sizeof doc->buf);
  assert_int_equal(ocf_rep_decode(doc->buf, doc->len, NULL, doc->nodes, 256, &root), OCF_OK);
  assert_non_null(root);
  return root;
}

#define DECODE_OK(hex)                                                                                       \
  test_doc doc_;                                                                                             \
  const ocf_rep_node *root = decode_ok(&doc_, hex)

#endif
