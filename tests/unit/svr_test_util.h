/* Helpers for the src/svr tests: payloads written in a diagnostic notation, a seeded random
 * source, update contexts, and checks that a refused update changed nothing.
 *
 * The notation is CBOR diagnostic notation (RFC 8949 8) with one change so C literals need no
 * escaping: '...' is a TEXT string. So: {'oxmsel': 0}, [_ 1, 2] (indefinite array), {_ ...}
 * (indefinite map), h'00ff' (bytes), -1, 1.5, true, false, null, and escapes \' \\ \0 \xHH
 * inside text. */
#ifndef OCF_TEST_SVR_UTIL_H
#define OCF_TEST_SVR_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rep/rep.h"
#include "svr/svr.h"

/* Encodes the notation into out[0..cap); fails the test on a syntax error or overflow. */
size_t diag_cbor(const char *text, uint8_t *out, size_t cap);

typedef struct test_tree {
  uint8_t buf[16384];
  size_t len;
  ocf_rep_node nodes[2048];
} test_tree;

/* Encodes and decodes the notation; the tree points into t (heap-allocate it: it is big). */
const ocf_rep_node *diag_tree(test_tree *t, const char *text);
/* Decodes CBOR bytes (e.g. what an encoder wrote) into t. */
const ocf_rep_node *bytes_tree(test_tree *t, const uint8_t *cbor, size_t len);

/* A deterministic generator (xorshift) with the ocf_platform.random signature; ctx is a
 * uint64_t state. */
ocf_err test_random(void *ctx, uint8_t *out, size_t len);
/* Always fails (for "random source failed" paths). */
ocf_err test_random_fails(void *ctx, uint8_t *out, size_t len);

/* A client update in state dos, over the DOC or not, with test_random seeded from *seed. */
ocf_svr_ctx client_ctx(uint8_t dos, bool over_doc, uint64_t *seed);
ocf_svr_ctx store_ctx(void);

/* Parses 36-char text; fails the test otherwise. */
ocf_uuid uuid_of(const char *text);

/* Zeroed heap memory checked for leaks by cmocka. */
#define TEST_NEW(type) ((type *)test_calloc(1, sizeof(type)))

/* Runs FN(cur, payload, ctx, out, &r) on a copy of *cur and asserts the outcome: OK, or the
 * error kind and the property path; in every case *cur is compared byte for byte with the copy
 * taken before, and on failure out is not looked at. */
#define EXPECT_UPDATE(FN, TYPE, CUR, DIAG, CTX, KIND, WHERE)                                                 \
  do {                                                                                                       \
    test_tree *t_ = TEST_NEW(test_tree);                                                                     \
    TYPE *before_ = TEST_NEW(TYPE), *out_ = TEST_NEW(TYPE);                                                  \
    memcpy(before_, (CUR), sizeof(TYPE));                                                                    \
    ocf_svr_report r_;                                                                                       \
    ocf_err e_ = FN((CUR), diag_tree(t_, DIAG), (CTX), out_, &r_);                                           \
    assert_memory_equal(before_, (CUR), sizeof(TYPE));                                                       \
    if (r_.kind != (KIND) || strcmp(r_.where, (WHERE)) != 0)                                                 \
      print_message("%s: %s (%s)\n", r_.where, ocf_svr_ekind_name(r_.kind), r_.why);                         \
    assert_int_equal(r_.kind, (KIND));                                                                       \
    assert_int_equal(e_, ocf_svr_ekind_err(KIND));                                                           \
    assert_string_equal(r_.where, (WHERE));                                                                  \
    test_free(before_);                                                                                      \
    test_free(out_);                                                                                         \
    test_free(t_);                                                                                           \
  } while (0)

/* Runs FN and copies the new model back into *cur (asserting success); returns the report. */
#define APPLY_UPDATE(FN, TYPE, CUR, DIAG, CTX, REPORT)                                                       \
  do {                                                                                                       \
    test_tree *t_ = TEST_NEW(test_tree);                                                                     \
    TYPE *out_ = TEST_NEW(TYPE);                                                                             \
    ocf_err e_ = FN((CUR), diag_tree(t_, DIAG), (CTX), out_, (REPORT));                                      \
    if (e_ != OCF_OK)                                                                                        \
      print_message("%s: %s (%s)\n", (REPORT)->where, ocf_svr_ekind_name((REPORT)->kind), (REPORT)->why);    \
    assert_int_equal(e_, OCF_OK);                                                                            \
    memcpy((CUR), out_, sizeof(TYPE));                                                                       \
    test_free(out_);                                                                                         \
    test_free(t_);                                                                                           \
  } while (0)

/* Encodes with ENC(model, flags, &enc) into a heap buffer, decodes it back as a STORE update of
 * a zeroed model with FN and asserts byte-for-byte equality with *model. */
#define EXPECT_STORE_ROUND_TRIP(ENC, FN, TYPE, MODEL)                                                        \
  do {                                                                                                       \
    uint8_t *buf_ = test_malloc(65536);                                                                      \
    ocf_rep_enc enc_;                                                                                        \
    ocf_rep_enc_init(&enc_, buf_, 65536);                                                                    \
    ENC((MODEL), OCF_SVR_ENC_STORE, &enc_);                                                                  \
    size_t len_;                                                                                             \
    assert_int_equal(ocf_rep_enc_finish(&enc_, &len_), OCF_OK);                                              \
    test_tree *t_ = TEST_NEW(test_tree);                                                                     \
    TYPE *zero_ = TEST_NEW(TYPE), *back_ = TEST_NEW(TYPE);                                                   \
    ocf_svr_ctx sctx_ = store_ctx();                                                                         \
    ocf_svr_report r_;                                                                                       \
    assert_int_equal(FN(zero_, bytes_tree(t_, buf_, len_), &sctx_, back_, &r_), OCF_OK);                     \
    assert_memory_equal(back_, (MODEL), sizeof(TYPE));                                                       \
    test_free(zero_);                                                                                        \
    test_free(back_);                                                                                        \
    test_free(t_);                                                                                           \
    test_free(buf_);                                                                                         \
  } while (0)

#endif
