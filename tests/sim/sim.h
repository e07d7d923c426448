/* Deterministic simulation harness for tests (library target ocf_sim).
 *
 * 1. ocf_sim_platform: an ocf_platform with a seeded xorshift generator, a counting allocator
 *    that can fail the Nth allocation (once, or from then on), and optional log capture.
 * 2. ocf_sim_net: an in-memory datagram network with a fake clock. Nodes are sans-I/O engines
 *    (ocf_engine, <ocf/ocf_engine.h>: the shape every libocf engine has) with one or more
 *    unicast addresses and joined multicast groups. Datagrams can
 *    be dropped, duplicated or reordered by a seeded generator, or by a test's filter.
 *
 * Everything is deterministic for a given seed: no wall clock, no sockets, no global state.
 * Typical use:
 *
 *   ocf_sim_platform sp; ocf_sim_platform_init(&sp, 1);
 *   ocf_sim_net *net = ocf_sim_net_new(42);
 *   ocf_msg *srv; ocf_msg_create(&sp.pf, NULL, &srv);
 *   int n = ocf_sim_add_node(net, ocf_msg_engine(srv));
 *   ocf_sim_node_add_addr(net, n, &addr);
 *   ... ocf_msg_request(cli, ..., ocf_sim_now(net), &id); ocf_sim_flush(net);
 *   ocf_sim_run_for(net, 10000);
 */
#ifndef OCF_TESTS_SIM_H
#define OCF_TESTS_SIM_H

#include <ocf/ocf_endpoint.h>
#include <ocf/ocf_engine.h>
#include <ocf/ocf_platform.h>

/* --- platform ------------------------------------------------------------------------------- */

typedef struct ocf_sim_platform {
  ocf_platform pf; /* hand &sp->pf to engines; pf.ctx points back to this struct */
  uint64_t rng;    /* xorshift64* state, never 0 */
  size_t attempts; /* alloc calls so far, failed ones included */
  size_t allocs;   /* successful allocations */
  size_t frees;
  size_t live; /* allocations not yet freed */
  size_t live_bytes;
  size_t peak_bytes;
  size_t failures;   /* allocations refused on purpose */
  size_t fail_at;    /* 0: never fail; else the attempt with this number fails ... */
  bool fail_after;   /* ... and, when set, every later one too */
  bool random_fails; /* when set, pf.random reports OCF_ERR_CRYPTO */
  bool quiet;        /* when set, log lines are not printed */
  char last_log[256];
} ocf_sim_platform;

/* Seeds the generator (seed 0 is mapped to a fixed non-zero value) and resets the counters.
 * Log lines go to stderr at level WARN and above unless quiet. */
void ocf_sim_platform_init(ocf_sim_platform *sp, uint64_t seed);
/* Every log line of every sim platform (all levels: they log at OCF_LOG_DEBUG) also goes to
 * tap(user, ...), e.g. a test that checks no line carries a secret. Process-wide, because
 * engines copy their platform when created; NULL removes it. Tests only, one at a time. */
typedef void (*ocf_sim_log_tap)(void *user, ocf_log_level level, const char *module, const char *line);
void ocf_sim_set_log_tap(ocf_sim_log_tap tap, void *user);
/* Makes the nth allocation attempt from now on fail (n >= 1); with and_after, every later one
 * too. n = 0 disarms. */
void ocf_sim_fail_alloc(ocf_sim_platform *sp, size_t nth, bool and_after);
/* Next value of a xorshift64* generator (state must not be 0). */
uint64_t ocf_sim_rand64(uint64_t *state);

/* --- network -------------------------------------------------------------------------------- */

#define OCF_SIM_MAX_NODES 32 /* 20 devices and a tool: test_obt_lossy */
#define OCF_SIM_MAX_ADDRS 4
#define OCF_SIM_MAX_JOINED 4
#define OCF_SIM_DGRAM_MAX 2048

typedef struct ocf_sim_datagram {
  uint64_t seq; /* order of sending; ties in delivery time go by it */
  ocf_time_ms sent_at;
  ocf_time_ms deliver_at;
  int src_node, dst_node;
  ocf_endpoint from; /* the sender's address of the destination's family */
  ocf_endpoint to;   /* as the sender addressed it (unicast or group) */
  bool multicast;    /* delivered with OCF_EP_MULTICAST in from->flags */
  size_t len;
  uint8_t data[OCF_SIM_DGRAM_MAX];
} ocf_sim_datagram;

/* Return false to drop the datagram (called once per receiving node, before random faults). */
typedef bool (*ocf_sim_filter)(void *user, const ocf_sim_datagram *d);
/* Sees every datagram as sent, once per receiving node, before filter and faults. */
typedef void (*ocf_sim_tap)(void *user, const ocf_sim_datagram *d);

typedef struct ocf_sim_stats {
  size_t sent; /* copies put on the network (one per receiving node) */
  size_t delivered;
  size_t dropped; /* by filter or random loss */
  size_t duplicated;
  size_t reordered;
  size_t undeliverable; /* no node has the destination address */
} ocf_sim_stats;

typedef struct ocf_sim_net ocf_sim_net;

/* A network whose clock starts at `start` ms (use e.g. 1000000 so that times are never 0). */
ocf_sim_net *ocf_sim_net_new(uint64_t seed, ocf_time_ms start);
void ocf_sim_net_free(ocf_sim_net *net);

/* Adds a node driven through the engine contract of <ocf/ocf_engine.h> (e.g. ocf_msg_engine(m));
 * returns its index (>= 0) or -1 when OCF_SIM_MAX_NODES are in use. */
int ocf_sim_add_node(ocf_sim_net *net, ocf_engine eng);
/* Gives the node a unicast address (up to OCF_SIM_MAX_ADDRS; one per family is typical: the
 * source address of a datagram is the node's first address of the destination's family). */
void ocf_sim_node_add_addr(ocf_sim_net *net, int node, const ocf_endpoint *addr);
/* Joins a multicast group (address and port): datagrams sent to it reach the node. */
void ocf_sim_node_join(ocf_sim_net *net, int node, const ocf_endpoint *group);
/* Takes a node off the network (its engine is no longer called, e.g. before freeing it). */
void ocf_sim_node_remove(ocf_sim_net *net, int node);

/* One-way delay, uniform in [min_ms, max_ms] (default 1..1). */
void ocf_sim_set_latency(ocf_sim_net *net, ocf_time_ms min_ms, ocf_time_ms max_ms);
/* Random faults in percent per datagram copy: loss, duplication (the copy arrives later) and
 * reordering (an extra delay of up to reorder_ms). */
void ocf_sim_set_faults(ocf_sim_net *net, unsigned drop_pct, unsigned dup_pct, unsigned reorder_pct,
                        ocf_time_ms reorder_ms);
void ocf_sim_set_filter(ocf_sim_net *net, ocf_sim_filter filter, void *user);
void ocf_sim_set_tap(ocf_sim_net *net, ocf_sim_tap tap, void *user);

ocf_time_ms ocf_sim_now(const ocf_sim_net *net);
const ocf_sim_stats *ocf_sim_stats_get(const ocf_sim_net *net);

/* Pulls every node's outgoing datagrams onto the network. Call after driving an engine from
 * the test (e.g. after ocf_msg_request); the network does it itself after its own calls. */
void ocf_sim_flush(ocf_sim_net *net);
/* Injects a datagram as if `from` had sent it to `to` (for hostile input in tests). */
void ocf_sim_inject(ocf_sim_net *net, const ocf_endpoint *from, const ocf_endpoint *to, const uint8_t *data,
                    size_t len);

/* Performs the earliest pending event (a delivery or a node's timeout), advancing the clock to
 * it. False when nothing is pending. */
bool ocf_sim_step(ocf_sim_net *net);
/* Steps through every event up to now + ms, then sets the clock to now + ms. Returns the number
 * of events. Stops (and returns what it did) after 1,000,000 events as a runaway guard. */
size_t ocf_sim_run_for(ocf_sim_net *net, ocf_time_ms ms);
/* Steps until done(user) is true or the clock would pass now + limit_ms. True when done. */
bool ocf_sim_run_until(ocf_sim_net *net, bool (*done)(void *user), void *user, ocf_time_ms limit_ms);

#endif
