/* In-memory store medium with fault injection (memory.h). */
#include <string.h>

#include "store/memory/memory.h"
#include "store/record.h"

typedef struct mem_object {
  bool used;
  char name[OCF_STORE_NAME_MAX + 1];
  uint8_t *data; /* max_size bytes, allocated with the slot */
  size_t len;
} mem_object;

struct ocf_mem_medium {
  ocf_platform pf;
  mem_object *objects;
  size_t max_objects, max_size;
  size_t mutations;
  size_t fault_at; /* 0 = none; else the value of `mutations` at which the fault hits */
  ocf_mem_fault fault;
  size_t tear_len;
  bool crashed;
};

ocf_err ocf_mem_medium_new(const ocf_platform *pf, size_t max_objects, size_t max_size,
                           ocf_mem_medium **out) {
  if (!out) return OCF_ERR_INVALID_ARG;
  *out = NULL;
  if (!pf || !pf->alloc || !pf->free || max_objects == 0 || max_objects > 4096 || max_size == 0 ||
      max_size > OCF_RECORD_PAYLOAD_MAX + OCF_RECORD_OVERHEAD_MAX)
    return OCF_ERR_INVALID_ARG;
  ocf_mem_medium *m = pf->alloc(pf->ctx, sizeof *m);
  if (!m) return OCF_ERR_NO_MEMORY;
  memset(m, 0, sizeof *m);
  m->pf = *pf;
  m->max_objects = max_objects;
  m->max_size = max_size;
  m->objects = pf->alloc(pf->ctx, max_objects * sizeof *m->objects);
  if (!m->objects) {
    ocf_mem_medium_free(m);
    return OCF_ERR_NO_MEMORY;
  }
  memset(m->objects, 0, max_objects * sizeof *m->objects);
  *out = m;
  return OCF_OK;
}

void ocf_mem_medium_free(ocf_mem_medium *m) {
  if (!m) return;
  for (size_t i = 0; m->objects && i < m->max_objects; i++)
    if (m->objects[i].data) m->pf.free(m->pf.ctx, m->objects[i].data);
  if (m->objects) m->pf.free(m->pf.ctx, m->objects);
  m->pf.free(m->pf.ctx, m);
}

static bool name_ok(const char *name) {
  return name && ocf_record_name_valid(name, ocf_record_name_len(name));
}

static mem_object *find(ocf_mem_medium *m, const char *name) {
  for (size_t i = 0; i < m->max_objects; i++)
    if (m->objects[i].used && strcmp(m->objects[i].name, name) == 0) return &m->objects[i];
  return NULL;
}

/* The object of `name`, or a free slot with its buffer allocated and the name set (not yet
 * marked used); NULL when full or out of memory. */
static mem_object *find_or_claim(ocf_mem_medium *m, const char *name) {
  mem_object *o = find(m, name);
  if (o) return o;
  for (size_t i = 0; i < m->max_objects; i++) {
    o = &m->objects[i];
    if (o->used) continue;
    if (!o->data) o->data = m->pf.alloc(m->pf.ctx, m->max_size);
    if (!o->data) return NULL;
    memcpy(o->name, name, ocf_record_name_len(name) + 1);
    o->len = 0;
    return o;
  }
  return NULL;
}

static ocf_err mem_read(void *ctx, const char *name, uint8_t *buf, size_t cap, size_t *len) {
  ocf_mem_medium *m = ctx;
  if (!name_ok(name) || !len || (!buf && cap > 0)) return OCF_ERR_INVALID_ARG;
  if (m->crashed) return OCF_ERR_IO;
  const mem_object *o = find(m, name);
  if (!o) return OCF_ERR_NOT_FOUND;
  if (o->len > cap) return OCF_ERR_TOO_LARGE;
  if (o->len > 0) memcpy(buf, o->data, o->len);
  *len = o->len;
  return OCF_OK;
}

/* Counts a mutation and says which fault, if any, hits it (0 = none). */
static int next_fault(ocf_mem_medium *m) {
  m->mutations++;
  if (m->fault_at == 0 || m->mutations != m->fault_at) return 0;
  m->fault_at = 0;
  if (m->fault != OCF_MEM_FAIL) m->crashed = true;
  return (int)m->fault;
}

static ocf_err mem_write(void *ctx, const char *name, const uint8_t *data, size_t len) {
  ocf_mem_medium *m = ctx;
  if (!name_ok(name) || (!data && len > 0)) return OCF_ERR_INVALID_ARG;
  if (m->crashed) return OCF_ERR_IO;
  int fault = next_fault(m);
  if (fault == OCF_MEM_FAIL || fault == OCF_MEM_CRASH || len > m->max_size) return OCF_ERR_IO;
  mem_object *o = find_or_claim(m, name);
  if (!o) return OCF_ERR_IO;
  size_t keep = len;
  if (fault == OCF_MEM_TEAR && m->tear_len < len) keep = m->tear_len;
  if (keep > 0) memcpy(o->data, data, keep);
  o->len = keep;
  o->used = true;
  return fault == 0 ? OCF_OK : OCF_ERR_IO;
}

static ocf_err mem_remove(void *ctx, const char *name) {
  ocf_mem_medium *m = ctx;
  if (!name_ok(name)) return OCF_ERR_INVALID_ARG;
  if (m->crashed) return OCF_ERR_IO;
  int fault = next_fault(m);
  if (fault == OCF_MEM_FAIL || fault == OCF_MEM_CRASH || fault == OCF_MEM_TEAR) return OCF_ERR_IO;
  mem_object *o = find(m, name);
  if (o) {
    o->used = false;
    o->len = 0;
  }
  return fault == 0 ? OCF_OK : OCF_ERR_IO;
}

static const ocf_store_medium_ops k_mem_ops = {mem_read, mem_write, mem_remove, NULL};

ocf_store_medium ocf_mem_medium_port(ocf_mem_medium *m) {
  ocf_store_medium port = {&k_mem_ops, m};
  return port;
}

void ocf_mem_medium_arm(ocf_mem_medium *m, size_t nth, ocf_mem_fault fault, size_t tear_len) {
  m->fault_at = nth == 0 ? 0 : m->mutations + nth;
  m->fault = fault;
  m->tear_len = tear_len;
}

bool ocf_mem_medium_crashed(const ocf_mem_medium *m) { return m->crashed; }

void ocf_mem_medium_reboot(ocf_mem_medium *m) {
  m->crashed = false;
  m->fault_at = 0;
}

size_t ocf_mem_medium_mutations(const ocf_mem_medium *m) { return m->mutations; }

size_t ocf_mem_medium_count(const ocf_mem_medium *m) {
  size_t n = 0;
  for (size_t i = 0; i < m->max_objects; i++) n += m->objects[i].used ? 1 : 0;
  return n;
}

uint8_t *ocf_mem_medium_object(ocf_mem_medium *m, const char *name, size_t *len) {
  mem_object *o = name_ok(name) ? find(m, name) : NULL;
  if (!o) return NULL;
  if (len) *len = o->len;
  return o->data;
}

ocf_err ocf_mem_medium_truncate(ocf_mem_medium *m, const char *name, size_t len) {
  if (!name_ok(name)) return OCF_ERR_INVALID_ARG;
  mem_object *o = find(m, name);
  if (!o) return OCF_ERR_NOT_FOUND;
  if (len > o->len) return OCF_ERR_INVALID_ARG;
  o->len = len;
  return OCF_OK;
}

ocf_err ocf_mem_medium_put(ocf_mem_medium *m, const char *name, const uint8_t *data, size_t len) {
  if (!name_ok(name) || (!data && len > 0) || len > m->max_size) return OCF_ERR_INVALID_ARG;
  mem_object *o = find_or_claim(m, name);
  if (!o) return OCF_ERR_NO_SPACE;
  if (len > 0) memcpy(o->data, data, len);
  o->len = len;
  o->used = true;
  return OCF_OK;
}
