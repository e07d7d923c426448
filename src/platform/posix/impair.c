/* OCF_NET_IMPAIR: parsing and the decision sequence (impair.h); net.c applies the decisions. */
#include <string.h>

#include "platform/posix/impair.h"

bool ocf_net_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out) {
  if (len == 0 || len > 20) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = (uint64_t)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (v > max) return false;
  *out = v;
  return true;
}

bool ocf_net_impair_parse(const char *text, ocf_net_impair_spec *out, const char **why) {
  static const char *const keys[] = {"loss", "dup", "reorder", "seed"};
  ocf_net_impair_spec spec = {.seed = 1};
  bool seen[4] = {false};
  const char *dummy;
  if (!why) why = &dummy;
  *why = "";
  if (!text || !out) {
    *why = "no text";
    return false;
  }
  for (const char *p = text; *p;) {
    size_t item = strcspn(p, ",");
    const char *eq = memchr(p, '=', item);
    if (!eq) {
      *why = "expected key=value";
      return false;
    }
    size_t klen = (size_t)(eq - p);
    int k = -1;
    for (int i = 0; i < 4; i++)
      if (strlen(keys[i]) == klen && memcmp(keys[i], p, klen) == 0) k = i;
    if (k < 0) {
      *why = "unknown key (loss, dup, reorder, seed)";
      return false;
    }
    if (seen[k]) {
      *why = "a key given twice";
      return false;
    }
    seen[k] = true;
    uint64_t v;
    if (!ocf_net_parse_u64(eq + 1, item - klen - 1, k == 3 ? UINT64_MAX : 100, &v)) {
      *why = k == 3 ? "seed: not a decimal 64-bit number" : "a percentage must be an integer 0..100";
      return false;
    }
    if (k == 0) spec.loss = (unsigned)v;
    if (k == 1) spec.dup = (unsigned)v;
    if (k == 2) spec.reorder = (unsigned)v;
    if (k == 3) spec.seed = v;
    p += item;
    if (*p == ',') {
      p++;
      if (!*p) {
        *why = "a trailing comma";
        return false;
      }
    }
  }
  *out = spec;
  return true;
}

bool ocf_net_impair_active(const ocf_net_impair_spec *spec) {
  return spec && (spec->loss || spec->dup || spec->reorder);
}

/* splitmix64: spreads seed and stream over the state so that nearby seeds give unrelated
 * sequences. */
static uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

void ocf_net_impair_init(ocf_net_impair_state *st, const ocf_net_impair_spec *spec, uint64_t stream) {
  st->spec = *spec;
  st->rng = mix(spec->seed ^ mix(stream));
  if (!st->rng) st->rng = 0x2545f4914f6cdd1dull;
}

static unsigned percent(ocf_net_impair_state *st) {
  uint64_t x = st->rng; /* xorshift64* */
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  st->rng = x;
  return (unsigned)(((x * 0x2545f4914f6cdd1dull) >> 32) % 100);
}

ocf_net_impair_action ocf_net_impair_next(ocf_net_impair_state *st) {
  if (percent(st) < st->spec.loss) return OCF_NET_IMPAIR_DROP;
  if (percent(st) < st->spec.dup) return OCF_NET_IMPAIR_DUP;
  if (percent(st) < st->spec.reorder) return OCF_NET_IMPAIR_HOLD;
  return OCF_NET_IMPAIR_SEND;
}
