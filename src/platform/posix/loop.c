/* A poll() loop driving sans-I/O engines (<ocf/ocf_engine.h>) over their nets, plus extra file
 * descriptors. One tick: read the clock once; deliver what poll() reported; fire due timeouts
 * (earliest deadline first, each engine at most once per tick); send every engine's queued
 * datagrams; then poll() until the earliest deadline. See docs/decisions/0001-event-loop.md. */
#define _GNU_SOURCE

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>

#include <ocf/ocf_posix.h>

#include "base/log.h"

#define LOG_MODULE "loop"
/* Fairness bounds per tick: one busy socket or chatty engine cannot starve the others. */
#define RECV_BUDGET 64
#define SEND_BUDGET 256
/* ocf_posix_net has at most this many sockets. */
#define FDS_PER_NET 6

typedef struct engine_slot {
  ocf_engine engine;
  ocf_posix_net *net;
  bool fired; /* on_timeout already ran this tick */
} engine_slot;

typedef struct fd_slot {
  int fd;
  ocf_posix_fd_fn on_readable;
  void *ctx;
} fd_slot;

/* What a pollfd entry belongs to: an engine's net, or (NULL) a watched fd. */
typedef struct poll_source {
  ocf_posix_net *net;
} poll_source;

struct ocf_posix_loop {
  const ocf_platform *pf;
  ocf_time_ms (*clock)(void *ctx);
  void *clock_ctx;
  ocf_time_ms now;
  volatile sig_atomic_t stop;
  uint32_t generation; /* bumped by every add/remove: pending poll results are then stale */
  bool have_results;   /* pfds hold revents of the last poll() for the current generation */
  bool more_output;    /* an engine hit SEND_BUDGET: do not block in the next poll */
  engine_slot *engines;
  size_t engine_count, engine_cap;
  fd_slot *fds;
  size_t fd_count, fd_cap;
  struct pollfd *pfds;
  poll_source *sources;
  size_t pfd_count, pfd_cap;
  uint8_t buf[OCF_POSIX_DATAGRAM_MAX];
};

static ocf_time_ms default_clock(void *ctx) {
  (void)ctx;
  return ocf_posix_now();
}

ocf_err ocf_posix_loop_create(const ocf_platform *pf, ocf_posix_loop **out) {
  if (!out) return OCF_ERR_INVALID_ARG;
  *out = NULL;
  if (!pf || !pf->alloc || !pf->free) return OCF_ERR_INVALID_ARG;
  ocf_posix_loop *loop = pf->alloc(pf->ctx, sizeof *loop);
  if (!loop) return OCF_ERR_NO_MEMORY;
  memset(loop, 0, sizeof *loop);
  loop->pf = pf;
  loop->clock = default_clock;
  *out = loop;
  return OCF_OK;
}

void ocf_posix_loop_destroy(ocf_posix_loop *loop) {
  if (!loop) return;
  const ocf_platform *pf = loop->pf;
  pf->free(pf->ctx, loop->engines);
  pf->free(pf->ctx, loop->fds);
  pf->free(pf->ctx, loop->pfds);
  pf->free(pf->ctx, loop->sources);
  pf->free(pf->ctx, loop);
}

void ocf_posix_loop_set_clock(ocf_posix_loop *loop, ocf_time_ms (*clock)(void *ctx), void *ctx) {
  if (!loop) return;
  loop->clock = clock ? clock : default_clock;
  loop->clock_ctx = clock ? ctx : NULL;
}

void ocf_posix_loop_stop(ocf_posix_loop *loop) {
  if (loop) loop->stop = 1;
}

ocf_time_ms ocf_posix_loop_now(const ocf_posix_loop *loop) { return loop ? loop->now : 0; }

/* ---- registration ------------------------------------------------------------------------ */

/* Makes *array hold at least `need` elements of `size` bytes (the platform has no realloc). */
static bool reserve(const ocf_platform *pf, void **array, size_t *cap, size_t need, size_t size) {
  if (need <= *cap) return true;
  size_t new_cap = *cap ? *cap * 2 : 4;
  while (new_cap < need) new_cap *= 2;
  if (new_cap > SIZE_MAX / size) return false;
  void *fresh = pf->alloc(pf->ctx, new_cap * size);
  if (!fresh) return false;
  if (*array) memcpy(fresh, *array, *cap * size);
  pf->free(pf->ctx, *array);
  *array = fresh;
  *cap = new_cap;
  return true;
}

/* Room for one more pollfd set: every net's sockets plus every fd. */
static bool reserve_pollfds(ocf_posix_loop *loop, size_t extra) {
  size_t need = (loop->engine_count * FDS_PER_NET) + loop->fd_count + extra;
  size_t cap = loop->pfd_cap;
  if (!reserve(loop->pf, (void **)&loop->pfds, &cap, need, sizeof *loop->pfds)) return false;
  size_t cap2 = loop->pfd_cap;
  if (!reserve(loop->pf, (void **)&loop->sources, &cap2, need, sizeof *loop->sources)) return false;
  loop->pfd_cap = cap < cap2 ? cap : cap2;
  return true;
}

static void changed(ocf_posix_loop *loop) {
  loop->generation++;
  loop->have_results = false;
}

ocf_err ocf_posix_loop_add_engine(ocf_posix_loop *loop, const ocf_engine *engine, ocf_posix_net *net) {
  if (!loop || !engine || !net || !engine->ops || !engine->ops->handle_datagram ||
      !engine->ops->next_datagram || !engine->ops->next_timeout || !engine->ops->on_timeout)
    return OCF_ERR_INVALID_ARG;
  for (size_t i = 0; i < loop->engine_count; i++)
    if (loop->engines[i].net == net) return OCF_ERR_STATE;
  if (!reserve(loop->pf, (void **)&loop->engines, &loop->engine_cap, loop->engine_count + 1,
               sizeof *loop->engines) ||
      !reserve_pollfds(loop, FDS_PER_NET))
    return OCF_ERR_NO_MEMORY;
  loop->engines[loop->engine_count++] = (engine_slot){.engine = *engine, .net = net};
  changed(loop);
  return OCF_OK;
}

ocf_err ocf_posix_loop_remove_engine(ocf_posix_loop *loop, const void *engine_ctx) {
  if (!loop) return OCF_ERR_INVALID_ARG;
  for (size_t i = 0; i < loop->engine_count; i++) {
    if (loop->engines[i].engine.ctx != engine_ctx) continue;
    memmove(&loop->engines[i], &loop->engines[i + 1], (loop->engine_count - i - 1) * sizeof *loop->engines);
    loop->engine_count--;
    changed(loop);
    return OCF_OK;
  }
  return OCF_ERR_NOT_FOUND;
}

ocf_err ocf_posix_loop_add_fd(ocf_posix_loop *loop, int fd, ocf_posix_fd_fn on_readable, void *ctx) {
  if (!loop || fd < 0 || !on_readable) return OCF_ERR_INVALID_ARG;
  for (size_t i = 0; i < loop->fd_count; i++)
    if (loop->fds[i].fd == fd) return OCF_ERR_STATE;
  if (!reserve(loop->pf, (void **)&loop->fds, &loop->fd_cap, loop->fd_count + 1, sizeof *loop->fds) ||
      !reserve_pollfds(loop, 1))
    return OCF_ERR_NO_MEMORY;
  loop->fds[loop->fd_count++] = (fd_slot){.fd = fd, .on_readable = on_readable, .ctx = ctx};
  changed(loop);
  return OCF_OK;
}

static fd_slot *find_fd(ocf_posix_loop *loop, int fd) {
  for (size_t i = 0; i < loop->fd_count; i++)
    if (loop->fds[i].fd == fd) return &loop->fds[i];
  return NULL;
}

static void remove_fd_slot(ocf_posix_loop *loop, fd_slot *slot) {
  size_t i = (size_t)(slot - loop->fds);
  memmove(&loop->fds[i], &loop->fds[i + 1], (loop->fd_count - i - 1) * sizeof *loop->fds);
  loop->fd_count--;
  changed(loop);
}

ocf_err ocf_posix_loop_remove_fd(ocf_posix_loop *loop, int fd) {
  if (!loop) return OCF_ERR_INVALID_ARG;
  fd_slot *slot = find_fd(loop, fd);
  if (!slot) return OCF_ERR_NOT_FOUND;
  remove_fd_slot(loop, slot);
  return OCF_OK;
}

/* ---- one tick ---------------------------------------------------------------------------- */

static engine_slot *find_engine(ocf_posix_loop *loop, const ocf_posix_net *net) {
  for (size_t i = 0; i < loop->engine_count; i++)
    if (loop->engines[i].net == net) return &loop->engines[i];
  return NULL;
}

/* Drains up to RECV_BUDGET datagrams from one socket into its engine. Returns false when a
 * callback changed the registrations (the caller must stop using its pollfd array). */
static bool deliver_datagrams(ocf_posix_loop *loop, engine_slot *slot, int fd) {
  uint32_t generation = loop->generation;
  ocf_engine engine = slot->engine;
  ocf_posix_net *net = slot->net;
  for (int i = 0; i < RECV_BUDGET; i++) {
    ocf_endpoint from;
    size_t len = 0;
    ocf_err err = ocf_posix_net_recv(net, fd, &from, loop->buf, sizeof loop->buf, &len);
    if (err == OCF_ERR_NOT_FOUND || err == OCF_ERR_IO || err == OCF_ERR_INVALID_ARG) break;
    if (err != OCF_OK) {
      ocf_log(loop->pf, OCF_LOG_DEBUG, LOG_MODULE, "dropped a datagram: %s", ocf_strerror(err));
      continue;
    }
    engine.ops->handle_datagram(engine.ctx, &from, loop->buf, len, loop->now);
    if (loop->generation != generation) return false;
  }
  return true;
}

static void dispatch_ready(ocf_posix_loop *loop) {
  if (!loop->have_results) return;
  loop->have_results = false;
  uint32_t generation = loop->generation;
  for (size_t i = 0; i < loop->pfd_count && loop->generation == generation; i++) {
    short revents = loop->pfds[i].revents;
    if (revents == 0) continue;
    int fd = loop->pfds[i].fd;
    if (loop->sources[i].net) {
      engine_slot *slot = find_engine(loop, loop->sources[i].net);
      if (slot && !deliver_datagrams(loop, slot, fd)) return;
      continue;
    }
    fd_slot *watched = find_fd(loop, fd);
    if (!watched) continue;
    if (revents & POLLNVAL) {
      ocf_log(loop->pf, OCF_LOG_WARN, LOG_MODULE, "fd %d was closed while watched; no longer watched", fd);
      remove_fd_slot(loop, watched);
    } else {
      watched->on_readable(watched->ctx, fd, loop->now);
    }
  }
}

/* Earliest due deadline first; each engine at most once per tick so an engine whose deadline
 * stays in the past cannot spin the loop. */
static void fire_timeouts(ocf_posix_loop *loop) {
  for (size_t i = 0; i < loop->engine_count; i++) loop->engines[i].fired = false;
  for (;;) {
    engine_slot *best = NULL;
    ocf_time_ms best_deadline = OCF_TIME_NEVER;
    for (size_t i = 0; i < loop->engine_count; i++) {
      engine_slot *slot = &loop->engines[i];
      if (slot->fired) continue;
      ocf_time_ms deadline = slot->engine.ops->next_timeout(slot->engine.ctx);
      if (deadline <= loop->now && (!best || deadline < best_deadline)) {
        best = slot;
        best_deadline = deadline;
      }
    }
    if (!best) return;
    best->fired = true;
    ocf_engine engine = best->engine; /* the slot may move if the callback (de)registers */
    engine.ops->on_timeout(engine.ctx, loop->now);
  }
}

static void flush_engine(ocf_posix_loop *loop, size_t index) {
  uint32_t generation = loop->generation;
  engine_slot slot = loop->engines[index];
  for (int sent = 0; sent < SEND_BUDGET; sent++) {
    ocf_endpoint to;
    memset(&to, 0, sizeof to);
    size_t len = slot.engine.ops->next_datagram(slot.engine.ctx, &to, loop->buf, sizeof loop->buf);
    if (len == 0) return;
    if (len > sizeof loop->buf) {
      ocf_log(loop->pf, OCF_LOG_ERROR, LOG_MODULE, "engine returned %zu > cap bytes; dropped", len);
    } else {
      ocf_err err = ocf_posix_net_send(slot.net, &to, loop->buf, len);
      if (err != OCF_OK) ocf_log(loop->pf, OCF_LOG_DEBUG, LOG_MODULE, "send failed: %s", ocf_strerror(err));
    }
    if (loop->generation != generation) return; /* the engine (de)registered something */
  }
  loop->more_output = true;
}

static void flush_outputs(ocf_posix_loop *loop) {
  loop->more_output = false;
  for (size_t i = 0; i < loop->engine_count; i++) flush_engine(loop, i);
}

/* poll() timeout in ms until the earliest engine deadline or the run deadline; -1 = none. */
static int wait_timeout(const ocf_posix_loop *loop, ocf_time_ms deadline) {
  if (loop->more_output) return 0;
  ocf_time_ms earliest = deadline;
  for (size_t i = 0; i < loop->engine_count; i++) {
    const engine_slot *slot = &loop->engines[i];
    ocf_time_ms t = slot->engine.ops->next_timeout(slot->engine.ctx);
    if (t < earliest) earliest = t;
  }
  if (earliest == OCF_TIME_NEVER) return -1;
  if (earliest <= loop->now) return 0;
  ocf_time_ms diff = earliest - loop->now;
  return diff > (ocf_time_ms)INT_MAX ? INT_MAX : (int)diff;
}

static void build_pollfds(ocf_posix_loop *loop) {
  size_t n = 0;
  for (size_t i = 0; i < loop->engine_count; i++) {
    int fds[FDS_PER_NET];
    size_t count = ocf_posix_net_fds(loop->engines[i].net, fds, FDS_PER_NET);
    for (size_t k = 0; k < count && k < FDS_PER_NET; k++) {
      loop->pfds[n] = (struct pollfd){.fd = fds[k], .events = POLLIN};
      loop->sources[n++] = (poll_source){.net = loop->engines[i].net};
    }
  }
  for (size_t i = 0; i < loop->fd_count; i++) {
    loop->pfds[n] = (struct pollfd){.fd = loop->fds[i].fd, .events = POLLIN};
    loop->sources[n++] = (poll_source){.net = NULL};
  }
  loop->pfd_count = n;
}

static ocf_err wait_for_events(ocf_posix_loop *loop, ocf_time_ms deadline) {
  build_pollfds(loop);
  int n = poll(loop->pfds, (nfds_t)loop->pfd_count, wait_timeout(loop, deadline));
  if (n < 0) {
    if (errno == EINTR) return OCF_OK; /* a signal: the next tick looks at the stop flag */
    ocf_log(loop->pf, OCF_LOG_ERROR, LOG_MODULE, "poll: %s", strerror(errno));
    return OCF_ERR_IO;
  }
  loop->have_results = n > 0;
  return OCF_OK;
}

ocf_err ocf_posix_loop_run(ocf_posix_loop *loop, ocf_time_ms deadline, bool (*done)(void *done_ctx),
                           void *done_ctx) {
  if (!loop) return OCF_ERR_INVALID_ARG;
  for (;;) {
    ocf_time_ms now = loop->clock(loop->clock_ctx);
    if (now > loop->now) loop->now = now; /* engines are promised a clock that never goes back */
    dispatch_ready(loop);
    fire_timeouts(loop);
    flush_outputs(loop);
    if (loop->stop) {
      loop->stop = 0;
      return OCF_OK;
    }
    if (done && done(done_ctx)) return OCF_OK;
    if (loop->now >= deadline) return OCF_ERR_TIMEOUT;
    ocf_err err = wait_for_events(loop, deadline);
    if (err != OCF_OK) return err;
  }
}
