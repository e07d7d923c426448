/* An in-memory store medium for tests and the simulation, with crash and fault injection.
 *
 * The objects live in an ocf_mem_medium that outlives any store opened over it: close the
 * store, "reboot" the medium, open a new store, and it sees what a real device would find on
 * its flash after the crash. Mutating operations (write, remove) are counted, and a fault can
 * be armed on the nth one:
 *
 *   OCF_MEM_FAIL        that operation reports OCF_ERR_IO and changes nothing; the medium
 *                       keeps working (a transient I/O error);
 *   OCF_MEM_CRASH       the host dies during the operation, before it took effect;
 *   OCF_MEM_CRASH_AFTER the host dies right after it took effect, before the caller learnt it;
 *   OCF_MEM_TEAR        the host dies in the middle of a write on a medium WITHOUT atomic
 *                       replace: the object keeps only the first tear_len bytes of the new
 *                       content (what the record format must detect). A remove is lost.
 *
 * After a crash every operation, reads included, reports OCF_ERR_IO until
 * ocf_mem_medium_reboot: the process is dead. Not thread-safe. */
#ifndef OCF_STORE_MEMORY_H
#define OCF_STORE_MEMORY_H

#include <ocf/ocf_store.h>

typedef struct ocf_mem_medium ocf_mem_medium;

typedef enum ocf_mem_fault {
  OCF_MEM_FAIL = 1,
  OCF_MEM_CRASH,
  OCF_MEM_CRASH_AFTER,
  OCF_MEM_TEAR,
} ocf_mem_fault;

/* A medium for at most max_objects objects of at most max_size bytes each (a write beyond
 * either reports OCF_ERR_IO, as a full disk would). pf needs alloc and free and must outlive it.
 * OCF_ERR_INVALID_ARG, OCF_ERR_NO_MEMORY. */
OCF_NODISCARD ocf_err ocf_mem_medium_new(const ocf_platform *pf, size_t max_objects, size_t max_size,
                                         ocf_mem_medium **out);
/* Frees the medium and its objects. NULL is fine. */
void ocf_mem_medium_free(ocf_mem_medium *m);

/* The medium as a store port; its close is NULL, so closing a store leaves the objects. */
ocf_store_medium ocf_mem_medium_port(ocf_mem_medium *m);

/* Arms `fault` on the nth mutating operation from now (n >= 1); tear_len is used by
 * OCF_MEM_TEAR. n = 0 disarms. */
void ocf_mem_medium_arm(ocf_mem_medium *m, size_t nth, ocf_mem_fault fault, size_t tear_len);
/* Whether the armed crash happened (the medium is dead until reboot). */
bool ocf_mem_medium_crashed(const ocf_mem_medium *m);
/* Brings a crashed medium back, with whatever the crash left on it; disarms any fault. */
void ocf_mem_medium_reboot(ocf_mem_medium *m);
/* Mutating operations attempted so far (failed and crashed ones included). */
size_t ocf_mem_medium_mutations(const ocf_mem_medium *m);
/* Number of objects stored. */
size_t ocf_mem_medium_count(const ocf_mem_medium *m);

/* Direct access for tests that damage or inspect records: the object's bytes (writable) and
 * length, or NULL when absent. Valid until the next write or remove of that object. */
uint8_t *ocf_mem_medium_object(ocf_mem_medium *m, const char *name, size_t *len);
/* Replaces an object's length (to truncate it, at most its current length) bypassing faults.
 * OCF_ERR_NOT_FOUND, OCF_ERR_INVALID_ARG. */
OCF_NODISCARD ocf_err ocf_mem_medium_truncate(ocf_mem_medium *m, const char *name, size_t len);
/* Stores an object bypassing faults and counters (to plant a foreign or old record).
 * OCF_ERR_INVALID_ARG, OCF_ERR_NO_MEMORY, OCF_ERR_NO_SPACE (no free slot). */
OCF_NODISCARD ocf_err ocf_mem_medium_put(ocf_mem_medium *m, const char *name, const uint8_t *data,
                                         size_t len);

#endif
