/* In-memory datagram network with a fake clock (see sim.h). */
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"

typedef struct sim_node {
  bool used;
  ocf_engine eng;
  ocf_endpoint addrs[OCF_SIM_MAX_ADDRS];
  size_t n_addrs;
  ocf_endpoint groups[OCF_SIM_MAX_JOINED];
  size_t n_groups;
} sim_node;

struct ocf_sim_net {
  ocf_time_ms now;
  uint64_t rng;
  uint64_t seq;
  sim_node nodes[OCF_SIM_MAX_NODES];
  ocf_sim_datagram **queue;
  size_t n_queue, cap_queue;
  ocf_time_ms lat_min, lat_max;
  unsigned drop_pct, dup_pct, reorder_pct;
  ocf_time_ms reorder_ms;
  ocf_sim_filter filter;
  void *filter_user;
  ocf_sim_tap tap;
  void *tap_user;
  ocf_sim_stats stats;
};

ocf_sim_net *ocf_sim_net_new(uint64_t seed, ocf_time_ms start) {
  ocf_sim_net *net = calloc(1, sizeof *net);
  if (!net) abort();
  net->now = start;
  net->rng = seed ? seed : 0x2545F4914F6CDD1Dull;
  net->lat_min = net->lat_max = 1;
  return net;
}

void ocf_sim_net_free(ocf_sim_net *net) {
  if (!net) return;
  for (size_t i = 0; i < net->n_queue; i++) free(net->queue[i]);
  free(net->queue);
  free(net);
}

int ocf_sim_add_node(ocf_sim_net *net, ocf_engine eng) {
  for (int i = 0; i < OCF_SIM_MAX_NODES; i++) {
    if (net->nodes[i].used) continue;
    memset(&net->nodes[i], 0, sizeof net->nodes[i]);
    net->nodes[i].used = true;
    net->nodes[i].eng = eng;
    return i;
  }
  return -1;
}

void ocf_sim_node_add_addr(ocf_sim_net *net, int node, const ocf_endpoint *addr) {
  sim_node *n = &net->nodes[node];
  if (n->n_addrs < OCF_SIM_MAX_ADDRS) n->addrs[n->n_addrs++] = *addr;
}

void ocf_sim_node_join(ocf_sim_net *net, int node, const ocf_endpoint *group) {
  sim_node *n = &net->nodes[node];
  if (n->n_groups < OCF_SIM_MAX_JOINED) n->groups[n->n_groups++] = *group;
}

void ocf_sim_node_remove(ocf_sim_net *net, int node) { net->nodes[node].used = false; }

void ocf_sim_set_latency(ocf_sim_net *net, ocf_time_ms min_ms, ocf_time_ms max_ms) {
  net->lat_min = min_ms;
  net->lat_max = max_ms < min_ms ? min_ms : max_ms;
}

void ocf_sim_set_faults(ocf_sim_net *net, unsigned drop_pct, unsigned dup_pct, unsigned reorder_pct,
                        ocf_time_ms reorder_ms) {
  net->drop_pct = drop_pct;
  net->dup_pct = dup_pct;
  net->reorder_pct = reorder_pct;
  net->reorder_ms = reorder_ms;
}

void ocf_sim_set_filter(ocf_sim_net *net, ocf_sim_filter filter, void *user) {
  net->filter = filter;
  net->filter_user = user;
}

void ocf_sim_set_tap(ocf_sim_net *net, ocf_sim_tap tap, void *user) {
  net->tap = tap;
  net->tap_user = user;
}

ocf_time_ms ocf_sim_now(const ocf_sim_net *net) { return net->now; }

const ocf_sim_stats *ocf_sim_stats_get(const ocf_sim_net *net) { return &net->stats; }

static uint64_t below(ocf_sim_net *net, uint64_t n) { return n ? ocf_sim_rand64(&net->rng) % n : 0; }

static bool chance(ocf_sim_net *net, unsigned pct) { return pct && below(net, 100) < pct; }

static void push(ocf_sim_net *net, const ocf_sim_datagram *d, ocf_time_ms extra) {
  if (net->n_queue == net->cap_queue) {
    size_t cap = net->cap_queue ? net->cap_queue * 2 : 64;
    ocf_sim_datagram **q = realloc(net->queue, cap * sizeof *q);
    if (!q) abort();
    net->queue = q;
    net->cap_queue = cap;
  }
  ocf_sim_datagram *copy = malloc(sizeof *copy);
  if (!copy) abort();
  *copy = *d;
  copy->seq = net->seq++;
  copy->deliver_at = net->now + net->lat_min + below(net, net->lat_max - net->lat_min + 1) + extra;
  net->queue[net->n_queue++] = copy;
}

/* One copy of a datagram on its way to one node: tap, filter, faults. */
static void send_copy(ocf_sim_net *net, ocf_sim_datagram *d) {
  net->stats.sent++;
  if (net->tap) net->tap(net->tap_user, d);
  if ((net->filter && !net->filter(net->filter_user, d)) || chance(net, net->drop_pct)) {
    net->stats.dropped++;
    return;
  }
  ocf_time_ms extra = 0;
  if (chance(net, net->reorder_pct)) {
    extra = 1 + below(net, net->reorder_ms);
    net->stats.reordered++;
  }
  push(net, d, extra);
  if (chance(net, net->dup_pct)) {
    net->stats.duplicated++;
    push(net, d, 1 + below(net, net->reorder_ms + 10));
  }
}

static bool joined(const sim_node *n, const ocf_endpoint *group) {
  for (size_t i = 0; i < n->n_groups; i++)
    if (ocf_endpoint_equal(&n->groups[i], group)) return true;
  return false;
}

static bool has_addr(const sim_node *n, const ocf_endpoint *ep) {
  for (size_t i = 0; i < n->n_addrs; i++)
    if (ocf_endpoint_equal(&n->addrs[i], ep)) return true;
  return false;
}

static void route(ocf_sim_net *net, int src, const ocf_endpoint *to, const uint8_t *data, size_t len,
                  const ocf_endpoint *from) {
  ocf_sim_datagram *d = calloc(1, sizeof *d);
  if (!d) abort();
  d->sent_at = net->now;
  d->src_node = src;
  d->to = *to;
  d->from = *from;
  d->from.flags = (uint8_t)(to->flags & OCF_EP_SECURE);
  d->multicast = ocf_endpoint_is_multicast(to);
  d->len = len < sizeof d->data ? len : sizeof d->data;
  memcpy(d->data, data, d->len);
  bool any = false;
  for (int i = 0; i < OCF_SIM_MAX_NODES; i++) {
    const sim_node *n = &net->nodes[i];
    if (!n->used || i == src || !(d->multicast ? joined(n, to) : has_addr(n, to))) continue;
    any = true;
    d->dst_node = i;
    send_copy(net, d);
  }
  if (!any) net->stats.undeliverable++;
  free(d);
}

static const ocf_endpoint *source_addr(const sim_node *n, const ocf_endpoint *to) {
  for (size_t i = 0; i < n->n_addrs; i++)
    if (n->addrs[i].family == to->family) return &n->addrs[i];
  return NULL;
}

static void drain(ocf_sim_net *net, int idx) {
  sim_node *n = &net->nodes[idx];
  uint8_t buf[OCF_SIM_DGRAM_MAX];
  ocf_endpoint to;
  size_t len;
  while (n->used && (len = n->eng.ops->next_datagram(n->eng.ctx, &to, buf, sizeof buf)) > 0) {
    const ocf_endpoint *from = source_addr(n, &to);
    if (!from) {
      net->stats.undeliverable++;
      continue;
    }
    route(net, idx, &to, buf, len, from);
  }
}

void ocf_sim_flush(ocf_sim_net *net) {
  for (int i = 0; i < OCF_SIM_MAX_NODES; i++)
    if (net->nodes[i].used) drain(net, i);
}

void ocf_sim_inject(ocf_sim_net *net, const ocf_endpoint *from, const ocf_endpoint *to, const uint8_t *data,
                    size_t len) {
  route(net, -1, to, data, len, from);
}

/* The queued datagram to deliver first, or -1. */
static long earliest_datagram(const ocf_sim_net *net) {
  long best = -1;
  for (size_t i = 0; i < net->n_queue; i++) {
    const ocf_sim_datagram *d = net->queue[i];
    const ocf_sim_datagram *b = best >= 0 ? net->queue[best] : NULL;
    if (!b || d->deliver_at < b->deliver_at || (d->deliver_at == b->deliver_at && d->seq < b->seq))
      best = (long)i;
  }
  return best;
}

static int earliest_timer(const ocf_sim_net *net, ocf_time_ms *when) {
  int best = -1;
  *when = UINT64_MAX;
  for (int i = 0; i < OCF_SIM_MAX_NODES; i++) {
    const sim_node *n = &net->nodes[i];
    if (!n->used) continue;
    ocf_time_ms t = n->eng.ops->next_timeout(n->eng.ctx);
    if (t < *when) {
      *when = t;
      best = i;
    }
  }
  return best;
}

static void deliver(ocf_sim_net *net, size_t qi) {
  ocf_sim_datagram *d = net->queue[qi];
  net->queue[qi] = net->queue[--net->n_queue];
  sim_node *n = &net->nodes[d->dst_node];
  if (n->used) {
    ocf_endpoint from = d->from;
    if (d->multicast) from.flags |= OCF_EP_MULTICAST;
    net->stats.delivered++;
    n->eng.ops->handle_datagram(n->eng.ctx, &from, d->data, d->len, net->now);
    drain(net, d->dst_node);
  }
  free(d);
}

/* The time of the next event, or UINT64_MAX. */
static ocf_time_ms next_event(const ocf_sim_net *net, long *qi, int *node) {
  ocf_time_ms tt;
  *qi = earliest_datagram(net);
  *node = earliest_timer(net, &tt);
  ocf_time_ms dt = *qi >= 0 ? net->queue[*qi]->deliver_at : UINT64_MAX;
  if (*qi >= 0 && dt <= tt) {
    *node = -1;
    return dt;
  }
  *qi = -1;
  return tt;
}

static void perform(ocf_sim_net *net, long qi, int node, ocf_time_ms when) {
  if (when > net->now) net->now = when;
  if (qi >= 0) {
    deliver(net, (size_t)qi);
    return;
  }
  sim_node *n = &net->nodes[node];
  n->eng.ops->on_timeout(n->eng.ctx, net->now);
  drain(net, node);
}

bool ocf_sim_step(ocf_sim_net *net) {
  long qi;
  int node;
  ocf_time_ms when = next_event(net, &qi, &node);
  if (qi < 0 && node < 0) return false;
  perform(net, qi, node, when);
  return true;
}

size_t ocf_sim_run_for(ocf_sim_net *net, ocf_time_ms ms) {
  ocf_time_ms end = net->now + ms;
  size_t events = 0;
  ocf_sim_flush(net);
  while (events < 1000000) {
    long qi;
    int node;
    ocf_time_ms when = next_event(net, &qi, &node);
    if ((qi < 0 && node < 0) || when > end) break;
    perform(net, qi, node, when);
    events++;
  }
  if (net->now < end) net->now = end;
  return events;
}

bool ocf_sim_run_until(ocf_sim_net *net, bool (*done)(void *user), void *user, ocf_time_ms limit_ms) {
  ocf_time_ms end = net->now + limit_ms;
  ocf_sim_flush(net);
  for (size_t events = 0; events < 1000000; events++) {
    if (done(user)) return true;
    long qi;
    int node;
    ocf_time_ms when = next_event(net, &qi, &node);
    if ((qi < 0 && node < 0) || when > end) break;
    perform(net, qi, node, when);
  }
  return done(user);
}
