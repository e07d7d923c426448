/* Reading the manufacturer certificate and key of ocf-device (mfg.h). PEM is RFC 7468 text:
 * "-----BEGIN LABEL-----", base64, "-----END LABEL-----". */
#include "mfg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool mfg_base64_decode(const char *in, size_t len, uint8_t *out, size_t cap, size_t *out_len) {
  uint32_t acc = 0;
  int bits = 0;
  size_t n = 0, pad = 0;
  for (size_t i = 0; i < len; i++) {
    char c = in[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
    if (c == '=') {
      pad++;
      continue;
    }
    int v = b64_value(c);
    if (v < 0 || pad) return false; /* data after padding */
    acc = acc << 6 | (uint32_t)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n >= cap) return false;
      out[n++] = (uint8_t)(acc >> bits);
    }
  }
  if (pad > 2) return false;
  *out_len = n;
  return true;
}

/* Reads the whole file into buf (NUL-terminated); false when missing or too large. */
static bool read_file(const char *path, char *buf, size_t cap, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  size_t n = fread(buf, 1, cap - 1, f);
  bool ok = !ferror(f) && n < cap - 1 && n > 0;
  fclose(f);
  buf[n] = '\0';
  *len = n;
  return ok;
}

/* The next PEM block at or after *pos whose label ends with `suffix`: its base64 body decoded
 * into out. 0 = none left, 1 = found, -1 = malformed. */
static int next_pem(const char *text, size_t *pos, const char *suffix, uint8_t *out, size_t cap,
                    size_t *len) {
  for (;;) {
    const char *begin = strstr(text + *pos, "-----BEGIN ");
    if (!begin) return 0;
    const char *label = begin + 11, *label_end = strstr(label, "-----");
    if (!label_end) return -1;
    const char *body = label_end + 5, *end = strstr(body, "-----END ");
    if (!end) return -1;
    *pos = (size_t)(end - text) + 9;
    size_t ll = (size_t)(label_end - label), sl = strlen(suffix);
    if (ll < sl || memcmp(label_end - sl, suffix, sl) != 0) continue;
    return mfg_base64_decode(body, (size_t)(end - body), out, cap, len) ? 1 : -1;
  }
}

/* The length of the DER element at p (tag 0x30 SEQUENCE, definite length), 0 when malformed. */
static size_t der_seq_len(const uint8_t *p, size_t avail) {
  if (avail < 2 || p[0] != 0x30) return 0;
  size_t hdr = 2, len = p[1];
  if (len & 0x80) {
    size_t n = len & 0x7f;
    if (n == 0 || n > 3 || avail < 2 + n) return 0;
    len = 0;
    for (size_t i = 0; i < n; i++) len = len << 8 | p[2 + i];
    hdr += n;
  }
  return hdr + len <= avail ? hdr + len : 0;
}

static const char *load_chain(const char *text, size_t len, mfg_creds *m) {
  size_t pos = 0, used = 0, n;
  bool pem = strstr(text, "-----BEGIN ") != NULL;
  if (!pem) memcpy(m->cert_der, text, len);
  for (;;) {
    if (pem) {
      int r = next_pem(text, &pos, "CERTIFICATE", m->cert_der + used, sizeof m->cert_der - used, &n);
      if (r < 0) return "malformed PEM";
      if (r == 0) break;
    } else {
      if (used == len) break;
      n = der_seq_len(m->cert_der + used, len - used);
      if (!n) return "neither PEM nor DER certificates";
    }
    if (m->n_chain == MFG_CHAIN_MAX) return "more than 4 certificates";
    m->chain[m->n_chain++] = (ocf_bytes){m->cert_der + used, n};
    used += n;
  }
  return m->n_chain ? NULL : "no certificate";
}

static const char *load_key(char *text, size_t len, mfg_creds *m) {
  size_t n = 0, pos = 0;
  if (strstr(text, "-----BEGIN ")) {
    if (next_pem(text, &pos, "PRIVATE KEY", m->key_der, sizeof m->key_der, &n) <= 0)
      return "no PRIVATE KEY block in the key file";
  } else {
    memcpy(m->key_der, text, len);
    n = len;
  }
  m->key = (ocf_bytes){m->key_der, n};
  return NULL;
}

const char *mfg_load(const char *cert_path, const char *key_path, mfg_creds *m) {
  memset(m, 0, sizeof *m);
  char *text = malloc(MFG_FILE_MAX + 1);
  if (!text) return "out of memory";
  size_t len = 0;
  const char *why = NULL;
  if (!read_file(cert_path, text, MFG_FILE_MAX + 1, &len))
    why = "cannot read the certificate file (at most 64 KiB)";
  if (!why) why = load_chain(text, len, m);
  if (!why && !read_file(key_path, text, MFG_FILE_MAX + 1, &len))
    why = "cannot read the key file (at most 64 KiB)";
  if (!why) why = load_key(text, len, m);
  memset(text, 0, MFG_FILE_MAX + 1); /* the key passed through it */
  free(text);
  return why;
}

void mfg_wipe(mfg_creds *m) { memset(m, 0, sizeof *m); }
