/* A network impairment we own, for tests over real sockets (issue 7 item 4): when the
 * environment variable OCF_NET_IMPAIR is set, every ocf_posix_net drops, duplicates or holds
 * back its outgoing datagrams by a seeded generator. The kernel's netem queueing discipline
 * (`tc qdisc ... netem`) would do it on a link, but the kernels the tests run on do not have it
 * ("Specified qdisc kind is unknown", inside `unshare -rn` too), so the only layer with
 * syscalls does it itself (docs/HARDENING.md, "Lossy networks").
 *
 *   OCF_NET_IMPAIR="loss=10,dup=2,reorder=5,seed=7"
 *
 * Keys (each at most once, any order, all optional): loss, dup, reorder in percent (integers
 * 0..100), seed (a decimal unsigned 64-bit integer, default 1). Per outgoing datagram, in this
 * order: with probability loss it is dropped; else with probability dup it is sent twice; else
 * with probability reorder it is held back and sent right after the next datagram the same net
 * sends. The generator is xorshift64* (not the DRBG: nothing here is a secret, and the sequence
 * must be reproducible); each net seeds it with the seed and its first unicast port, so that
 * the devices of one `ocf-device --count N` process do not all lose the same datagrams.
 *
 * Unset or empty: no impairment at all. A value that does not parse makes ocf_posix_net_open
 * fail (a test that asked for loss must not silently run without it). */
#ifndef OCF_PLATFORM_POSIX_IMPAIR_H
#define OCF_PLATFORM_POSIX_IMPAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OCF_NET_IMPAIR_ENV "OCF_NET_IMPAIR"
#define OCF_NET_IMPAIR_HOLD_MAX 2048 /* longer datagrams are never held back */

typedef struct ocf_net_impair_spec {
  unsigned loss, dup, reorder; /* percent, 0..100 */
  uint64_t seed;
} ocf_net_impair_spec;

/* Parses text (the variable's value). True and *out filled when it is well formed; false with
 * *why (a static string) otherwise. An empty text is well formed: all zero, seed 1. */
bool ocf_net_impair_parse(const char *text, ocf_net_impair_spec *out, const char **why);

/* s[0..len) as a decimal number of at most 20 digits, no sign, not above max (also used for the
 * fault hook OCF_FAULT_KILL_AT_SEND, net.c). */
bool ocf_net_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

/* Whether the spec changes anything (some percentage above 0). */
bool ocf_net_impair_active(const ocf_net_impair_spec *spec);

typedef enum ocf_net_impair_action {
  OCF_NET_IMPAIR_SEND = 0, /* as usual */
  OCF_NET_IMPAIR_DROP,     /* not sent */
  OCF_NET_IMPAIR_DUP,      /* sent twice */
  OCF_NET_IMPAIR_HOLD,     /* sent after the next datagram */
} ocf_net_impair_action;

typedef struct ocf_net_impair_state {
  ocf_net_impair_spec spec;
  uint64_t rng; /* xorshift64* state, never 0 */
} ocf_net_impair_state;

/* Seeds the generator from spec->seed mixed with stream (a net's first unicast port). */
void ocf_net_impair_init(ocf_net_impair_state *st, const ocf_net_impair_spec *spec, uint64_t stream);
/* The fate of the next outgoing datagram. */
ocf_net_impair_action ocf_net_impair_next(ocf_net_impair_state *st);

#endif
