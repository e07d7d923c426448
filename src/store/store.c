/* The store (<ocf/ocf_store.h>): sealed records over a host's medium, and the journal that
 * makes save_many atomic. Why it is built this way: docs/decisions/0010-store.md.
 *
 * Two buffers of max_record bytes: `rbuf` receives records read from the medium (checked and
 * decrypted in place), `wbuf` is where records are sealed before they are written. Both are
 * wiped after every operation, so no plaintext lingers on the heap: the bytes written since
 * the last wipe (rdirty, wdirty; the whole buffer when an error leaves it unclear), not all
 * max_record of them, so that a large max_record costs neither time on every operation nor
 * resident memory (pages never written are never touched; bench/onboard-bench). */
#include <string.h>

#include "base/log.h"
#include "store/journal.h"
#include "store/record.h"

#define LOG_MODULE "store"

#define MAX_RECORD_DEFAULT 65536u
#define MAX_RECORD_MIN 1024u
#define MAX_RECORD_MAX OCF_RECORD_PAYLOAD_MAX

struct ocf_store {
  ocf_platform pf;
  ocf_store_medium medium;
  ocf_record_keys keys;
  size_t max_record;
  uint8_t *rbuf;
  uint8_t *wbuf;
  size_t rdirty, wdirty; /* rbuf[0..rdirty) and wbuf[0..wdirty) may hold data */
  /* Set when a save_many failed after its commit point: the medium holds a journal that only
   * the next open completes, so every operation is refused until then. */
  bool failed;
};

bool ocf_store_name_valid(const char *name) {
  return name && ocf_record_blob_name_valid(name, ocf_record_name_len(name));
}

void ocf_store_config_init(ocf_store_config *cfg) {
  if (!cfg) return;
  memset(cfg, 0, sizeof *cfg);
  cfg->protection = OCF_STORE_ENCRYPT;
  cfg->max_record = MAX_RECORD_DEFAULT;
}

static void wipe_buffers(ocf_store *s) {
  if (s->rbuf) ocf_crypto_wipe(s->rbuf, s->rdirty);
  if (s->wbuf) ocf_crypto_wipe(s->wbuf, s->wdirty);
  s->rdirty = s->wdirty = 0;
}

/* Records that buf[0..end) may now hold data; a failed call may have written anywhere. */
static void mark_dirty(const ocf_store *s, size_t *dirty, bool ok, size_t end) {
  if (!ok || end > s->max_record) end = s->max_record;
  if (end > *dirty) *dirty = end;
}

/* --- records on the medium ------------------------------------------------------------------ */

/* Reads and checks the record of `name` into rbuf. */
static ocf_err read_record(ocf_store *s, const char *name, ocf_record_view *view) {
  size_t len = 0;
  ocf_err err = s->medium.ops->read(s->medium.ctx, name, s->rbuf, s->max_record, &len);
  /* An absent object leaves the buffer untouched; another error may have filled any of it. */
  mark_dirty(s, &s->rdirty, err == OCF_OK || err == OCF_ERR_NOT_FOUND, err == OCF_OK ? len : 0);
  if (err == OCF_ERR_NOT_FOUND || err == OCF_ERR_TOO_LARGE) return err;
  if (err != OCF_OK || len > s->max_record) return OCF_ERR_IO;
  err = ocf_record_open(&s->keys, name, s->rbuf, len, view);
  if (err == OCF_ERR_MALFORMED)
    ocf_log(&s->pf, OCF_LOG_ERROR, LOG_MODULE, "record %s fails its integrity check", name);
  else if (err == OCF_ERR_CRYPTO)
    ocf_log(&s->pf, OCF_LOG_ERROR, LOG_MODULE, "record %s was sealed with another storage key", name);
  return err;
}

/* The generation the next save of `name` gets: 1 when absent, one more than the current. */
static ocf_err next_generation(ocf_store *s, const char *name, uint64_t *gen) {
  ocf_record_view view;
  ocf_err err = read_record(s, name, &view);
  if (err == OCF_ERR_NOT_FOUND) {
    *gen = 1;
    return OCF_OK;
  }
  if (err != OCF_OK) return err;
  if (view.gen == UINT64_MAX) return OCF_ERR_RANGE;
  *gen = view.gen + 1;
  return OCF_OK;
}

/* Seals the payload already placed in wbuf at its offset for `name`, and writes the record. */
static ocf_err seal_and_write(ocf_store *s, const char *name, uint64_t gen, size_t payload_len) {
  uint8_t nonce[OCF_AEAD_NONCE_LEN];
  const uint8_t *use_nonce = NULL;
  if (s->keys.protection == OCF_STORE_ENCRYPT) {
    /* Random 96-bit nonces: a collision is negligible for the number of writes a store sees
     * in its life (NIST SP 800-38D 8.3 allows 2^32 random nonces per key). */
    ocf_err err = s->pf.random(s->pf.ctx, nonce, sizeof nonce);
    if (err != OCF_OK) return err;
    use_nonce = nonce;
  }
  size_t len = 0;
  ocf_err err = ocf_record_seal(&s->keys, name, gen, use_nonce, s->wbuf, s->max_record, payload_len, &len);
  mark_dirty(s, &s->wdirty, err == OCF_OK, len);
  if (err == OCF_ERR_NO_SPACE) return OCF_ERR_TOO_LARGE;
  if (err != OCF_OK) return err;
  err = s->medium.ops->write(s->medium.ctx, name, s->wbuf, len);
  return err == OCF_OK ? OCF_OK : OCF_ERR_IO;
}

/* Whether a payload of len bytes fits a record of `name` within max_record. */
static bool fits(const ocf_store *s, const char *name, size_t len) {
  size_t size = ocf_record_size(s->keys.protection, ocf_record_name_len(name), len);
  return size != 0 && size <= s->max_record;
}

static ocf_err write_blob(ocf_store *s, const char *name, uint64_t gen, const uint8_t *data, size_t len) {
  if (!fits(s, name, len)) return OCF_ERR_TOO_LARGE;
  size_t offset = ocf_record_payload_offset(ocf_record_name_len(name));
  if (len > 0) memcpy(s->wbuf + offset, data, len);
  mark_dirty(s, &s->wdirty, true, offset + len);
  return seal_and_write(s, name, gen, len);
}

static ocf_err remove_object(ocf_store *s, const char *name) {
  return s->medium.ops->remove(s->medium.ctx, name) == OCF_OK ? OCF_OK : OCF_ERR_IO;
}

/* --- journal -------------------------------------------------------------------------------- */

/* Applies the decoded entries of a journal (idempotent: applying twice gives the same state). */
static ocf_err apply_entries(ocf_store *s, const ocf_journal_entry *entries, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const ocf_journal_entry *e = &entries[i];
    ocf_err err = e->remove ? remove_object(s, e->name) : write_blob(s, e->name, e->gen, e->data, e->len);
    if (err != OCF_OK) return err;
  }
  return OCF_OK;
}

/* Completes a save_many that was interrupted after its commit point (open, before anything
 * else touches the medium; save_many, when applying failed once). */
static ocf_err recover(ocf_store *s) {
  ocf_record_view view;
  ocf_err err = read_record(s, OCF_JOURNAL_NAME, &view);
  if (err == OCF_ERR_NOT_FOUND) return OCF_OK;
  if (err != OCF_OK) return err;
  ocf_journal_entry entries[OCF_STORE_BATCH_MAX];
  size_t n = 0;
  err = ocf_journal_decode(view.payload, view.len, entries, &n);
  if (err != OCF_OK) {
    ocf_log(&s->pf, OCF_LOG_ERROR, LOG_MODULE, "the journal passed its check but does not decode");
    return OCF_ERR_MALFORMED;
  }
  err = apply_entries(s, entries, n);
  if (err == OCF_OK) err = remove_object(s, OCF_JOURNAL_NAME);
  if (err == OCF_OK)
    ocf_log(&s->pf, OCF_LOG_WARN, LOG_MODULE, "completed an interrupted commit of %zu changes", n);
  return err;
}

/* --- public API ----------------------------------------------------------------------------- */

static bool config_valid(const ocf_store_config *cfg) {
  if (cfg->max_record < MAX_RECORD_MIN || cfg->max_record > MAX_RECORD_MAX) return false;
  switch (cfg->protection) {
  case OCF_STORE_DIGEST: return true;
  case OCF_STORE_MAC:
  case OCF_STORE_ENCRYPT: return cfg->has_key;
  }
  return false;
}

static bool medium_valid(const ocf_store_medium *m) {
  return m && m->ops && m->ops->read && m->ops->write && m->ops->remove;
}

static void store_free(ocf_store *s) {
  if (!s) return;
  wipe_buffers(s);
  ocf_record_keys_wipe(&s->keys);
  if (s->rbuf) s->pf.free(s->pf.ctx, s->rbuf);
  if (s->wbuf) s->pf.free(s->pf.ctx, s->wbuf);
  s->pf.free(s->pf.ctx, s);
}

static ocf_err store_new(const ocf_store_medium *medium, const ocf_store_config *cfg, const ocf_platform *pf,
                         ocf_store **out) {
  ocf_store *s = pf->alloc(pf->ctx, sizeof *s);
  if (!s) return OCF_ERR_NO_MEMORY;
  memset(s, 0, sizeof *s);
  s->pf = *pf;
  s->medium = *medium;
  s->max_record = cfg->max_record;
  s->rbuf = pf->alloc(pf->ctx, s->max_record);
  s->wbuf = pf->alloc(pf->ctx, s->max_record);
  ocf_err err = (s->rbuf && s->wbuf) ? OCF_OK : OCF_ERR_NO_MEMORY; /* nothing of ours in them yet */
  if (err == OCF_OK) err = ocf_record_keys_derive(cfg->protection, cfg->has_key ? cfg->key : NULL, &s->keys);
  if (err != OCF_OK) {
    s->medium.ops = NULL; /* the caller keeps the medium */
    store_free(s);
    return err;
  }
  *out = s;
  return OCF_OK;
}

ocf_err ocf_store_open(const ocf_store_medium *medium, const ocf_store_config *cfg, const ocf_platform *pf,
                       ocf_store **out) {
  if (!out) return OCF_ERR_INVALID_ARG;
  *out = NULL;
  if (!medium_valid(medium) || !cfg || !pf || !pf->alloc || !pf->free || !pf->random || !config_valid(cfg))
    return OCF_ERR_INVALID_ARG;
  ocf_store *s = NULL;
  ocf_err err = store_new(medium, cfg, pf, &s);
  if (err != OCF_OK) return err;
  err = recover(s);
  wipe_buffers(s);
  if (err != OCF_OK) {
    store_free(s);
    return err;
  }
  *out = s;
  return OCF_OK;
}

void ocf_store_close(ocf_store *s) {
  if (!s) return;
  if (s->medium.ops && s->medium.ops->close) s->medium.ops->close(s->medium.ctx);
  store_free(s);
}

/* Reads `name` for load and generation: argument and state checks, then the record in rbuf. */
static ocf_err load_view(ocf_store *s, const char *name, ocf_record_view *view) {
  if (!s || !ocf_store_name_valid(name)) return OCF_ERR_INVALID_ARG;
  if (s->failed) return OCF_ERR_STATE;
  return read_record(s, name, view);
}

ocf_err ocf_store_load(ocf_store *s, const char *name, uint8_t *buf, size_t cap, size_t *len) {
  if (!len || (!buf && cap > 0)) return OCF_ERR_INVALID_ARG;
  ocf_record_view view;
  ocf_err err = load_view(s, name, &view);
  if (err == OCF_OK) {
    *len = view.len;
    if (view.len > cap)
      err = OCF_ERR_NO_SPACE;
    else if (view.len > 0)
      memcpy(buf, view.payload, view.len);
  }
  if (s) wipe_buffers(s);
  return err;
}

ocf_err ocf_store_generation(ocf_store *s, const char *name, uint64_t *gen) {
  if (!gen) return OCF_ERR_INVALID_ARG;
  ocf_record_view view;
  ocf_err err = load_view(s, name, &view);
  if (err == OCF_OK) *gen = view.gen;
  if (s) wipe_buffers(s);
  return err;
}

ocf_err ocf_store_save(ocf_store *s, const char *name, const uint8_t *data, size_t len) {
  if (!s || !ocf_store_name_valid(name) || (!data && len > 0)) return OCF_ERR_INVALID_ARG;
  if (s->failed) return OCF_ERR_STATE;
  if (!fits(s, name, len)) return OCF_ERR_TOO_LARGE;
  uint64_t gen = 0;
  ocf_err err = next_generation(s, name, &gen);
  if (err == OCF_OK) err = write_blob(s, name, gen, data, len);
  wipe_buffers(s);
  return err;
}

ocf_err ocf_store_remove(ocf_store *s, const char *name) {
  if (!s || !ocf_store_name_valid(name)) return OCF_ERR_INVALID_ARG;
  if (s->failed) return OCF_ERR_STATE;
  return remove_object(s, name);
}

/* The generations the written blobs of a batch get (each one more than its current). */
static ocf_err batch_generations(ocf_store *s, const ocf_store_change *changes, size_t n, uint64_t *gens) {
  for (size_t i = 0; i < n; i++) {
    gens[i] = 0;
    if (changes[i].remove) continue;
    ocf_err err = next_generation(s, changes[i].name, &gens[i]);
    if (err != OCF_OK) return err;
  }
  return OCF_OK;
}

/* Seals the batch as the journal record and writes it: the commit point. Everything that can
 * be refused is refused here, before it. */
static ocf_err write_journal(ocf_store *s, const ocf_store_change *changes, const uint64_t *gens, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!changes[i].remove && !fits(s, changes[i].name, changes[i].len)) return OCF_ERR_TOO_LARGE;
  size_t size = ocf_journal_size(changes, n);
  if (!fits(s, OCF_JOURNAL_NAME, size)) return OCF_ERR_TOO_LARGE;
  size_t offset = ocf_record_payload_offset(ocf_record_name_len(OCF_JOURNAL_NAME));
  size_t len = 0;
  ocf_err err = ocf_journal_encode(changes, gens, n, s->wbuf + offset, s->max_record - offset, &len);
  mark_dirty(s, &s->wdirty, err == OCF_OK, offset + len);
  if (err == OCF_ERR_NO_SPACE) return OCF_ERR_TOO_LARGE;
  if (err != OCF_OK) return err;
  /* The journal's own generation carries no meaning; it is never read back as one. */
  return seal_and_write(s, OCF_JOURNAL_NAME, 1, len);
}

/* After the commit point: applies the changes, then removes the journal. */
static ocf_err apply_batch(ocf_store *s, const ocf_store_change *changes, const uint64_t *gens, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const ocf_store_change *c = &changes[i];
    ocf_err err = c->remove ? remove_object(s, c->name) : write_blob(s, c->name, gens[i], c->data, c->len);
    if (err != OCF_OK) return err;
  }
  return remove_object(s, OCF_JOURNAL_NAME);
}

ocf_err ocf_store_save_many(ocf_store *s, const ocf_store_change *changes, size_t n) {
  if (!s || !ocf_journal_batch_valid(changes, n)) return OCF_ERR_INVALID_ARG;
  if (s->failed) return OCF_ERR_STATE;
  uint64_t gens[OCF_STORE_BATCH_MAX];
  ocf_err err = batch_generations(s, changes, n, gens);
  if (err == OCF_OK) err = write_journal(s, changes, gens, n);
  if (err == OCF_OK) {
    err = apply_batch(s, changes, gens, n);
    /* The journal is durable: a failure while applying it (a medium write, or the crypto
     * library's allocation while sealing, that failed once) is retried at once by the
     * completion open runs (idempotent: it re-reads the journal). Without that, one transient
     * failure left the store refusing everything until reopened, and the caller dropping a
     * change the next open would apply (found by test_torture failing mbedTLS's allocations). */
    if (err != OCF_OK) err = recover(s);
    if (err != OCF_OK) {
      s->failed = true;
      ocf_log(&s->pf, OCF_LOG_ERROR, LOG_MODULE, "a committed change could not be applied; reopen the store");
    }
  }
  wipe_buffers(s);
  return err;
}
