/* The POSIX (Linux) host for libocf: the only part that makes system calls.
 *
 *   platform  an ocf_platform backed by getrandom(), malloc/free and a stderr logger, and the
 *             CLOCK_MONOTONIC clock every loop tick reads once;
 *   net       the UDP sockets of one OCF endpoint: the multicast sockets on 5683 that join the
 *             OCF groups, and separate ephemeral unicast (and optionally coaps) sockets;
 *   loop      a poll() loop that drives any number of sans-I/O engines (<ocf/ocf_engine.h>),
 *             each over its own net, plus extra file descriptors (stdin, signals);
 *   store     a store medium (<ocf/ocf_store.h>) over one directory per device, and the
 *             storage key file; a private (0600) file at a path for the OBT's database.
 *
 * Single-threaded: one loop and its nets belong to one thread. */
#ifndef OCF_POSIX_H
#define OCF_POSIX_H

#include "ocf_endpoint.h"
#include "ocf_engine.h"
#include "ocf_platform.h"
#include "ocf_store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- platform ---------------------------------------------------------------------------- */

/* Fills *pf: random = getrandom(), alloc/free = malloc/free, log = one line per call on stderr
 * ("2024-05-01T12:00:00.123Z W msg: text" with timestamps, "W msg: text" without), lines above
 * `level` are dropped before formatting. pf->ctx points at static read-only data. */
OCF_API void ocf_posix_platform_init(ocf_platform *pf, ocf_log_level level, bool timestamps);

/* CLOCK_MONOTONIC in milliseconds (arbitrary origin, never goes backwards). */
OCF_API ocf_time_ms ocf_posix_now(void);

/* ---- net: UDP sockets ---------------------------------------------------------------------- */

/* Digest 1.1: OCF multicast port and groups. */
#define OCF_POSIX_COAP_PORT 5683
#define OCF_POSIX_MAX_INTERFACES 16
/* The unicast and coaps sockets' default SO_RCVBUF: an onboarding tool hears every device's
 * answers to one multicast discovery at once (digest 1.7: within a 2 s leisure; 1000 devices,
 * 4 groups), more than the usual 208 KiB default holds (bench/onboard-bench). */
#define OCF_POSIX_RCVBUF_DEFAULT (1024u * 1024u)
/* Receive buffer size the loop uses; longer datagrams are dropped (MSG_TRUNC). */
#define OCF_POSIX_DATAGRAM_MAX 2048

typedef struct ocf_posix_net_config {
  bool ipv6;               /* open IPv6 sockets (default true) */
  bool ipv4;               /* open IPv4 sockets (default true) */
  bool multicast;          /* bind multicast_port and join the OCF groups (a server); default false */
  bool secure;             /* also open unicast sockets for coaps; datagrams on them carry OCF_EP_SECURE */
  uint16_t multicast_port; /* default 5683; 0 = ephemeral (tests) */
  uint16_t unicast_port6, unicast_port4; /* default 0 = ephemeral */
  uint16_t secure_port6, secure_port4;   /* default 0 = ephemeral */
  /* Local address of the unicast and secure sockets; all zero (the default) = any. Tests bind
   * ::1 and 127.0.0.1. The multicast sockets always bind the wildcard address. */
  uint8_t bind6[16];
  uint8_t bind4[4];
  /* Interfaces to join the groups on and to send multicast out of. None (the default) = every
   * interface that is up and multicast-capable, except loopback. Loopback is used only when
   * listed here explicitly. */
  size_t interface_count;
  uint32_t interfaces[OCF_POSIX_MAX_INTERFACES];
  /* SO_RCVBUF of the unicast and coaps sockets in bytes (the kernel caps it at
   * net.core.rmem_max); default OCF_POSIX_RCVBUF_DEFAULT; 0 = the system's default. */
  uint32_t rcvbuf;
} ocf_posix_net_config;

/* Fills *cfg with the defaults above: both families, no multicast, no coaps, ports 5683/0,
 * rcvbuf OCF_POSIX_RCVBUF_DEFAULT. */
OCF_API void ocf_posix_net_config_init(ocf_posix_net_config *cfg);

/* Adds an interface by name ("eth0") or decimal index ("2").
 * OCF_ERR_NOT_FOUND (no such interface), OCF_ERR_NO_SPACE (list full), OCF_ERR_INVALID_ARG. */
OCF_API OCF_NODISCARD ocf_err ocf_posix_net_config_add_interface(ocf_posix_net_config *cfg,
                                                                 const char *name_or_index);

typedef struct ocf_posix_net ocf_posix_net;

/* Opens the sockets cfg asks for (non-blocking, close-on-exec). pf must have alloc, free and
 * stays referenced (it must outlive the net). With cfg->multicast, open fails unless at least
 * one group could be joined on at least one interface.
 * OCF_ERR_INVALID_ARG (NULL argument, no family, a listed interface that does not exist),
 * OCF_ERR_NO_MEMORY, OCF_ERR_IO (socket/bind failed, e.g. the port is taken),
 * OCF_ERR_NOT_FOUND (multicast asked for but no interface to join on). */
OCF_API OCF_NODISCARD ocf_err ocf_posix_net_open(const ocf_posix_net_config *cfg, const ocf_platform *pf,
                                                 ocf_posix_net **out);
/* Closes every socket and frees the net. NULL is fine. */
OCF_API void ocf_posix_net_close(ocf_posix_net *net);

/* The bound local ports (host order); 0 for a socket that is not open. A server advertises the
 * unicast and secure ports in eps (digest 1.1: they are ephemeral). */
typedef struct ocf_posix_net_ports {
  uint16_t multicast6, multicast4, unicast6, unicast4, secure6, secure4;
} ocf_posix_net_ports;
OCF_API void ocf_posix_net_get_ports(const ocf_posix_net *net, ocf_posix_net_ports *out);

/* The endpoints a device on this net advertises in eps (digest 1.1: the unicast ports are
 * ephemeral and learnt only from eps): for each open family, every address of the interfaces
 * the net uses (ocf_posix_net_interfaces; just the bound address when cfg->bind6/bind4 named
 * one) with the unicast port, and again with the coaps port and OCF_EP_SECURE when secure
 * sockets are open. ifindex is the address's interface, so a device can answer each request
 * with the endpoints of its arrival interface; ocf_endpoint_format writes it as a zone id for
 * link-local addresses, which eps must not carry (digest pitfall 28). IPv6 first, then IPv4.
 * Copies at most cap into out and sets *n to how many it copied.
 * OCF_OK; OCF_ERR_NO_SPACE (there were more: out holds the first cap); OCF_ERR_IO (the
 * interface addresses could not be read); OCF_ERR_INVALID_ARG. */
OCF_API OCF_NODISCARD ocf_err ocf_posix_net_local_endpoints(const ocf_posix_net *net, ocf_endpoint *out,
                                                            size_t cap, size_t *n);

/* The interfaces multicast uses (chosen at open); returns how many, copies at most cap. */
OCF_API size_t ocf_posix_net_interfaces(const ocf_posix_net *net, uint32_t *out, size_t cap);

/* The open sockets, for poll(); returns how many, copies at most cap (at most 6 exist). */
OCF_API size_t ocf_posix_net_fds(const ocf_posix_net *net, int *out, size_t cap);

/* Receives one datagram from fd (one of ocf_posix_net_fds) into buf[0..cap) and fills *from:
 * address and port of the sender, ifindex = arrival interface, flags OCF_EP_MULTICAST when
 * the destination was a group, OCF_EP_SECURE on a coaps socket.
 * OCF_OK; OCF_ERR_NOT_FOUND when nothing is waiting (EAGAIN); OCF_ERR_TOO_LARGE when the
 * datagram did not fit cap (it is consumed and dropped); OCF_ERR_MALFORMED when the kernel did
 * not report the arrival information, or the sender is one no answer may go to: port 0, a
 * multicast source, or an unspecified source (::, 0.0.0.0/8), which sendto() would turn into
 * our own loopback (dropped); OCF_ERR_INVALID_ARG; OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_posix_net_recv(ocf_posix_net *net, int fd, ocf_endpoint *from, uint8_t *buf,
                                                 size_t cap, size_t *len);

/* Sends one datagram. Unicast goes out of the unicast socket of to->family (the coaps one with
 * OCF_EP_SECURE), so replies to multicast requests come from the unicast port (pitfall 38).
 * A multicast `to` goes out of the unicast socket on every configured interface (only
 * to->ifindex when set) with hop limit 1 for link-scope groups and IPv4, 255 otherwise
 * (digest 1.1); multicast loopback is on so processes on one host hear each other.
 * OCF_OK when the datagram left on at least one interface; OCF_ERR_BUSY when the socket buffer
 * is full (the datagram is dropped; CoAP retransmits); OCF_ERR_STATE (no socket for that
 * family / coaps); OCF_ERR_NOT_FOUND (multicast with no interface); OCF_ERR_INVALID_ARG
 * (NULL, bad family, link-local without ifindex, secure multicast); OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_posix_net_send(ocf_posix_net *net, const ocf_endpoint *to,
                                                 const uint8_t *data, size_t len);

/* ---- loop -------------------------------------------------------------------------------- */

typedef struct ocf_posix_loop ocf_posix_loop;

/* Creates an empty loop that reads ocf_posix_now once per tick. pf (alloc, free; log optional)
 * must outlive the loop. OCF_ERR_INVALID_ARG, OCF_ERR_NO_MEMORY. */
OCF_API OCF_NODISCARD ocf_err ocf_posix_loop_create(const ocf_platform *pf, ocf_posix_loop **out);
/* Frees the loop; engines, nets and fds registered with it are not touched. NULL is fine. */
OCF_API void ocf_posix_loop_destroy(ocf_posix_loop *loop);

/* Replaces the clock (tests use a fake one). It is read once per tick. */
OCF_API void ocf_posix_loop_set_clock(ocf_posix_loop *loop, ocf_time_ms (*clock)(void *ctx), void *ctx);

/* Drives *engine (copied) over net: datagrams arriving on net's sockets go to this engine, its
 * datagrams leave through net. A net serves one engine. The engine's contexts must outlive
 * the registration. OCF_ERR_INVALID_ARG (NULL, missing op), OCF_ERR_STATE (net already
 * driven), OCF_ERR_NO_MEMORY. May be called from a callback. */
OCF_API OCF_NODISCARD ocf_err ocf_posix_loop_add_engine(ocf_posix_loop *loop, const ocf_engine *engine,
                                                        ocf_posix_net *net);
/* Stops driving the engine whose ctx is engine_ctx; OCF_ERR_NOT_FOUND. May be called from a
 * callback, including the engine's own. */
OCF_API OCF_NODISCARD ocf_err ocf_posix_loop_remove_engine(ocf_posix_loop *loop, const void *engine_ctx);

/* Calls on_readable(ctx, fd, now) whenever fd is readable (or hung up / in error: the callback
 * must then read or remove it). OCF_ERR_INVALID_ARG, OCF_ERR_STATE (fd already watched),
 * OCF_ERR_NO_MEMORY. */
typedef void (*ocf_posix_fd_fn)(void *ctx, int fd, ocf_time_ms now);
OCF_API OCF_NODISCARD ocf_err ocf_posix_loop_add_fd(ocf_posix_loop *loop, int fd, ocf_posix_fd_fn on_readable,
                                                    void *ctx);
/* OCF_ERR_NOT_FOUND when fd is not watched. */
OCF_API OCF_NODISCARD ocf_err ocf_posix_loop_remove_fd(ocf_posix_loop *loop, int fd);

/* Makes ocf_posix_loop_run return OCF_OK after the current tick (the request is then
 * consumed). Only sets a flag of type volatile sig_atomic_t, so a signal handler may call it:
 * poll() returns EINTR; a signal landing just before poll() is seen at the next wake-up, so
 * programs that need prompt shutdown also watch a self-pipe or signalfd. */
OCF_API void ocf_posix_loop_stop(ocf_posix_loop *loop);

/* The time the current (or last) tick read. */
OCF_API ocf_time_ms ocf_posix_loop_now(const ocf_posix_loop *loop);

/* Runs ticks: read the clock; deliver what the sockets and fds have; fire due timeouts;
 * send every engine's queued datagrams; then stop, or poll() until the next deadline.
 * Returns OCF_OK when stopped or when done(done_ctx) is true after a tick (done may be NULL),
 * OCF_ERR_TIMEOUT once the clock reaches `deadline` (OCF_TIME_NEVER = no limit),
 * OCF_ERR_IO when poll() fails for another reason than EINTR. */
OCF_API OCF_NODISCARD ocf_err ocf_posix_loop_run(ocf_posix_loop *loop, ocf_time_ms deadline,
                                                 bool (*done)(void *done_ctx), void *done_ctx);

/* ---- store: files in one directory --------------------------------------------------------- */

/* Opens dir as a store medium: one file per object, replaced atomically and durably (write
 * name.tmp created 0600 with O_EXCL | O_NOFOLLOW | O_CLOEXEC, fsync it, rename it over name,
 * fsync the directory). dir is created 0700 when missing (its parent must exist); an existing
 * one must be a directory owned by the effective user and not writable by group or others, and
 * not a symlink (the last component; a dir readable by others is tightened to 0700). Leftover
 * *.tmp files of an interrupted write are removed. The directory is locked (flock) until the
 * medium is closed, so a second process cannot open it. Reads refuse a file that is not a
 * regular file of ours, or that group or others may write. pf needs alloc and free.
 * OCF_ERR_INVALID_ARG; OCF_ERR_DENIED (symlink, not a directory, not ours, writable by others);
 * OCF_ERR_BUSY (locked by another open medium); OCF_ERR_IO; OCF_ERR_NO_MEMORY. */
OCF_API OCF_NODISCARD ocf_err ocf_posix_file_medium_open(const char *dir, const ocf_platform *pf,
                                                         ocf_store_medium *out);

/* ocf_posix_file_medium_open + ocf_store_open: the store of one device in dir. Its errors and
 * those of ocf_store_open; on failure the medium is closed again. */
OCF_API OCF_NODISCARD ocf_err ocf_posix_file_store_open(const char *dir, const ocf_store_config *cfg,
                                                        const ocf_platform *pf, ocf_store **out);

/* Reads the storage key (OCF_STORE_KEY_LEN raw bytes) from the file at path; with create, a
 * missing file is created first with fresh random bytes from pf->random (written to a
 * temporary file 0600 and linked into place, so the key file appears whole or not at all and
 * an existing one is never replaced). The file must be a regular file (not a symlink) of the
 * effective user with no group or other permission bits, and exactly OCF_STORE_KEY_LEN long.
 * Keep it outside the store directory, on storage the data directory's backups do not copy:
 * encryption at rest protects the store only from whoever has the data without the key.
 * OCF_OK; OCF_ERR_NOT_FOUND (missing, create false); OCF_ERR_DENIED (symlink, not ours, mode
 * not 0600 or stricter); OCF_ERR_MALFORMED (wrong length); OCF_ERR_INVALID_ARG; OCF_ERR_IO;
 * the errors of pf->random. On failure key is zeroed. */
OCF_API OCF_NODISCARD ocf_err ocf_posix_store_key_load(const char *path, bool create, const ocf_platform *pf,
                                                       uint8_t key[OCF_STORE_KEY_LEN]);

/* ---- a private file at a path ------------------------------------------------------------ */

/* Makes path safe to hand to a library that opens it by name (the OBT's SQLite domain store,
 * <ocf/ocf_obt_store.h>): its directory must be ours, not writable by group or others and not a
 * symlink (its last component); the file must be a regular file of ours with no group or other
 * permission bits and not a symlink, and so must its SQLite companions path-journal, path-wal,
 * path-shm when present. With create, missing directories are made 0700 and a missing file is
 * created empty, exactly 0600 (O_EXCL | O_NOFOLLOW, fsync of it and its directory), and
 * *created (may be NULL) says so. Nothing existing is ever changed. pf (may be NULL) receives
 * the reason of a refusal.
 * OCF_ERR_INVALID_ARG (empty, too long, ends in '/' or "."); OCF_ERR_NOT_FOUND (missing and not
 * create, or a missing directory without create); OCF_ERR_DENIED (a symlink, not ours, shared
 * mode, a shared directory); OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_posix_private_file_prepare(const char *path, bool create,
                                                             const ocf_platform *pf, bool *created);

/* The size of the terminal on stream fd, in columns and rows (for live progress displays).
 * False when fd is not a terminal or its size is unknown (then cols and rows are untouched). */
OCF_API bool ocf_posix_terminal_size(int fd, unsigned *cols, unsigned *rows);

#ifdef __cplusplus
}
#endif
#endif
