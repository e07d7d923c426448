/* Helpers for the src/svr tests (see svr_test_util.h). */
#include "svr_test_util.h"

#include <stdio.h>

typedef struct diag {
  const char *p;
  uint8_t *out;
  size_t len, cap;
} diag;

static void put(diag *d, const void *bytes, size_t n) {
  assert_true(d->len + n <= d->cap);
  memcpy(d->out + d->len, bytes, n);
  d->len += n;
}

static void put_head(diag *d, uint8_t major, uint64_t v) {
  uint8_t h[9];
  size_t n;
  if (v < 24) {
    h[0] = (uint8_t)((uint64_t)major << 5 | v);
    n = 1;
  } else {
    size_t bytes = v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffffu ? 4 : 8;
    h[0] = (uint8_t)(major << 5 | (bytes == 1 ? 24 : bytes == 2 ? 25 : bytes == 4 ? 26 : 27));
    for (size_t i = 0; i < bytes; i++) h[1 + i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    n = 1 + bytes;
  }
  put(d, h, n);
}

static void skip_ws(diag *d) {
  while (*d->p == ' ' || *d->p == '\n' || *d->p == '\t') d->p++;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  fail_msg("bad hex digit '%c'", c);
  return 0;
}

static void value(diag *d);

/* '...' or "..." text */
static void text(diag *d) {
  char quote = *d->p++;
  uint8_t buf[8192];
  size_t n = 0;
  while (*d->p != quote) {
    assert_true(*d->p != '\0' && n < sizeof buf);
    char c = *d->p++;
    if (c == '\\') {
      c = *d->p++;
      if (c == '0')
        c = '\0';
      else if (c == 'x') {
        c = (char)(hex_digit(d->p[0]) << 4 | hex_digit(d->p[1]));
        d->p += 2;
      }
    }
    buf[n++] = (uint8_t)c;
  }
  d->p++;
  put_head(d, 3, n);
  put(d, buf, n);
}

static void bytes(diag *d) {
  d->p += 2; /* h' */
  uint8_t buf[8192];
  size_t n = 0;
  while (*d->p != '\'') {
    if (*d->p == ' ') {
      d->p++;
      continue;
    }
    assert_true(n < sizeof buf);
    buf[n++] = (uint8_t)(hex_digit(d->p[0]) << 4 | hex_digit(d->p[1]));
    d->p += 2;
  }
  d->p++;
  put_head(d, 2, n);
  put(d, buf, n);
}

static void number(diag *d) {
  char *end;
  const char *start = d->p;
  bool neg = *d->p == '-';
  if (neg) d->p++;
  unsigned long long mag = strtoull(d->p, &end, 10);
  if (*end == '.') {
    double v = strtod(start, &end);
    uint64_t bits;
    memcpy(&bits, &v, 8);
    uint8_t b[9] = {0xfb};
    for (int i = 0; i < 8; i++) b[1 + i] = (uint8_t)(bits >> (56 - 8 * i));
    put(d, b, 9);
  } else if (neg) {
    put_head(d, 1, mag - 1);
  } else {
    put_head(d, 0, mag);
  }
  d->p = end;
}

/* A container: items (or key/value pairs) into a scratch buffer, then the head. */
static void container(diag *d, bool map) {
  char close = map ? '}' : ']';
  d->p++;
  skip_ws(d);
  bool indefinite = *d->p == '_';
  if (indefinite) d->p++;
  diag inner = {d->p, test_malloc(d->cap), 0, d->cap};
  size_t count = 0;
  skip_ws(&inner);
  while (*inner.p != close) {
    value(&inner);
    skip_ws(&inner);
    if (map) {
      assert_true(*inner.p == ':');
      inner.p++;
      value(&inner);
      skip_ws(&inner);
    }
    count++;
    if (*inner.p == ',') inner.p++;
    skip_ws(&inner);
  }
  d->p = inner.p + 1;
  uint8_t major = map ? 5 : 4;
  if (indefinite) {
    uint8_t h = (uint8_t)(major << 5 | 31);
    put(d, &h, 1);
  } else {
    put_head(d, major, count);
  }
  put(d, inner.out, inner.len);
  if (indefinite) put(d, "\xff", 1);
  test_free(inner.out);
}

static void value(diag *d) {
  skip_ws(d);
  char c = *d->p;
  if (c == '{' || c == '[') {
    container(d, c == '{');
    return;
  }
  if (c == '\'' || c == '"') {
    text(d);
    return;
  }
  if (c == 'h' && d->p[1] == '\'') {
    bytes(d);
    return;
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    number(d);
    return;
  }
  static const struct {
    const char *word;
    uint8_t byte;
  } WORDS[] = {{"true", 0xf5}, {"false", 0xf4}, {"null", 0xf6}};
  for (size_t i = 0; i < 3; i++) {
    size_t n = strlen(WORDS[i].word);
    if (strncmp(d->p, WORDS[i].word, n) == 0) {
      put(d, &WORDS[i].byte, 1);
      d->p += n;
      return;
    }
  }
  fail_msg("diag: unexpected '%.20s'", d->p);
}

size_t diag_cbor(const char *text_in, uint8_t *out, size_t cap) {
  diag d = {text_in, out, 0, cap};
  value(&d);
  skip_ws(&d);
  assert_true(*d.p == '\0');
  return d.len;
}

const ocf_rep_node *bytes_tree(test_tree *t, const uint8_t *cbor, size_t len) {
  assert_true(len <= sizeof t->buf);
  if (cbor != t->buf) memcpy(t->buf, cbor, len);
  t->len = len;
  ocf_rep_limits lim = ocf_rep_default_limits();
  const ocf_rep_node *root = NULL;
  ocf_err err = ocf_rep_decode(t->buf, len, &lim, t->nodes, sizeof t->nodes / sizeof t->nodes[0], &root);
  if (err != OCF_OK) fail_msg("decoding the test payload failed: %s", ocf_strerror(err));
  return root;
}

const ocf_rep_node *diag_tree(test_tree *t, const char *text_in) {
  size_t len = diag_cbor(text_in, t->buf, sizeof t->buf);
  return bytes_tree(t, t->buf, len);
}

ocf_err test_random(void *ctx, uint8_t *out, size_t len) {
  uint64_t *s = ctx;
  for (size_t i = 0; i < len; i++) {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    out[i] = (uint8_t)*s;
  }
  return OCF_OK;
}

ocf_err test_random_fails(void *ctx, uint8_t *out, size_t len) {
  (void)ctx;
  (void)out;
  (void)len;
  return OCF_ERR_IO;
}

ocf_svr_ctx client_ctx(uint8_t dos, bool over_doc, uint64_t *seed) {
  ocf_svr_ctx c = {OCF_SVR_FROM_CLIENT, dos, over_doc, test_random, seed, false};
  return c;
}

ocf_svr_ctx store_ctx(void) {
  ocf_svr_ctx c = {OCF_SVR_FROM_STORE, OCF_DOS_RFOTM, false, NULL, NULL, false};
  return c;
}

ocf_uuid uuid_of(const char *t) {
  ocf_uuid u;
  assert_int_equal(ocf_uuid_parse(t, strlen(t), &u), OCF_OK);
  return u;
}
