/* Persistence of the SVRs and the device identity through the store port (<ocf/ocf_store.h>,
 * ADR 0010; docs/decisions/0012-device-security.md).
 *
 * One blob per SVR in its OCF_SVR_ENC_STORE form (secrets included: the store seals them) and
 * "ident" for piid and pi, "devkey" for the device's key pair (sec_cert.c; optional, so stores
 * written before it load: the key is made on the first CSR). Every commit writes the blobs
 * it changed in ONE save_many, so a crash leaves the old state or the new one. At load:
 *   - nothing stored: a fresh device (the caller creates the defaults and saves them);
 *   - every blob present and decodable: that state, except that a device caught in the middle of
 *     onboarding (dos.p pending, RESET, or RFOTM with owner data: an OTM cut short by a crash or
 *     a shutdown) is reset, as IoTivity-Lite resets on shutdown in RFOTM (digest 3.6);
 *   - anything else (a record failing its check, a blob that does not decode, some blobs
 *     missing): the device refuses to start. It never falls back to an open state; the operator
 *     wipes the store (ocf_device_wipe_store, ocf-device --factory-reset). */
#include <string.h>

#include "base/log.h"
#include "base/uuid.h"
#include "device/sec.h"

#define LOG_MODULE "device"
#define LOAD_NODES 4096u /* CBOR values of the largest blob (a full acl2 is about 1500) */

static const char *const k_blob_names[SEC_N_BLOBS] = {"doxm", "pstat", "cred", "acl2",  "sp",
                                                      "sdi",  "crl",   "ael",  "ident", "devkey"};

static void encode_ident(const sec_models *m, ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_uuid(e, "piid", &m->piid);
  ocf_rep_enc_kv_uuid(e, "pi", &m->pi);
  ocf_rep_enc_map_close(e);
}

static void encode_key(const sec_models *m, ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_key(e, "key");
  ocf_rep_enc_bytes(e, m->devkey, m->devkey_len);
  ocf_rep_enc_map_close(e);
}

static void encode_blob(const sec_models *m, size_t i, ocf_rep_enc *e) {
  const unsigned f = OCF_SVR_ENC_STORE;
  switch (i) {
  case 0: ocf_svr_doxm_encode(&m->doxm, f, e); break;
  case 1: ocf_svr_pstat_encode(&m->pstat, f, e); break;
  case 2: ocf_svr_cred_encode(&m->cred, f, e); break;
  case 3: ocf_svr_acl2_encode(&m->acl2, f, e); break;
  case 4: ocf_svr_sp_encode(&m->sp, f, e); break;
  case 5: ocf_svr_sdi_encode(&m->sdi, f, e); break;
  case 6: ocf_svr_crl_encode(&m->crl, f, e); break;
  case 7: ocf_svr_ael_encode(&m->ael, f, e); break;
  case 8: encode_ident(m, e); break;
  default: encode_key(m, e); break;
  }
}

ocf_err sec_store_save(ocf_device *d, const sec_models *m, unsigned mask) {
  device_sec *s = d->sec;
  if (!s->store || !(mask & SEC_BLOB_ALL)) return OCF_OK;
  ocf_store_change changes[SEC_N_BLOBS];
  size_t n = 0, used = 0;
  for (size_t i = 0; i < SEC_N_BLOBS; i++) {
    if (!(mask & (1u << i))) continue;
    ocf_rep_enc e;
    ocf_rep_enc_init(&e, s->store_buf + used, s->store_cap - used);
    encode_blob(m, i, &e);
    size_t len = 0;
    ocf_err err = ocf_rep_enc_finish(&e, &len);
    if (err != OCF_OK) return err;
    changes[n++] = (ocf_store_change){.name = k_blob_names[i], .data = s->store_buf + used, .len = len};
    used += len;
  }
  return ocf_store_save_many(s->store, changes, n);
}

static ocf_err decode_ident(const ocf_rep_node *root, sec_models *m) {
  const ocf_rep_node *piid = ocf_rep_map_value(root, "piid"), *pi = ocf_rep_map_value(root, "pi");
  if (!piid || !pi || ocf_rep_get_uuid(piid, &m->piid) != OCF_OK || ocf_rep_get_uuid(pi, &m->pi) != OCF_OK)
    return OCF_ERR_MALFORMED;
  return OCF_OK;
}

static ocf_err decode_key(const ocf_rep_node *root, sec_models *m) {
  const ocf_rep_node *k = ocf_rep_map_value(root, "key");
  ocf_bytes b;
  if (!k || ocf_rep_get_text_or_bytes(k, &b, NULL) != OCF_OK || b.len > sizeof m->devkey)
    return OCF_ERR_MALFORMED;
  memset(m->devkey, 0, sizeof m->devkey);
  if (b.len) memcpy(m->devkey, b.ptr, b.len);
  m->devkey_len = (uint16_t)b.len;
  return OCF_OK;
}

/* Decodes blob i over the defaults in `base` into m (ctx FROM_STORE: every stored field). */
static ocf_err decode_blob(size_t i, const ocf_rep_node *root, const sec_models *base, sec_models *m) {
  ocf_svr_ctx ctx = {.source = OCF_SVR_FROM_STORE, .dos = base->pstat.dos_s};
  ocf_svr_report r;
  switch (i) {
  case 0: return ocf_svr_doxm_decode_update(&base->doxm, root, &ctx, &m->doxm, &r);
  case 1: return ocf_svr_pstat_decode_update(&base->pstat, root, &ctx, &m->pstat, &r);
  case 2: return ocf_svr_cred_decode_update(&base->cred, root, &ctx, &m->cred, &r);
  case 3: return ocf_svr_acl2_decode_update(&base->acl2, root, &ctx, &m->acl2, &r);
  case 4: return ocf_svr_sp_decode_update(&base->sp, root, &ctx, &m->sp, &r);
  case 5: return ocf_svr_sdi_decode_update(&base->sdi, root, &ctx, &m->sdi, &r);
  case 6: return ocf_svr_crl_decode_update(&base->crl, root, &ctx, &m->crl, &r);
  case 7: return ocf_svr_ael_decode_update(&base->ael, root, &ctx, &m->ael, &r);
  case 8: return decode_ident(root, m);
  default: return decode_key(root, m);
  }
}

/* Reads blob i and decodes it into cur. found: whether it existed. */
static ocf_err load_blob(ocf_device *d, size_t i, ocf_rep_node *nodes, bool *found) {
  device_sec *s = d->sec;
  size_t len = 0;
  *found = false;
  ocf_err err = ocf_store_load(s->store, k_blob_names[i], s->store_buf, s->store_cap, &len);
  if (err == OCF_ERR_NOT_FOUND) return OCF_OK;
  if (err == OCF_ERR_NO_SPACE || err == OCF_ERR_TOO_LARGE) err = OCF_ERR_MALFORMED; /* never ours */
  if (err != OCF_OK) return err;
  *found = true;
  ocf_rep_limits limits = ocf_rep_default_limits();
  limits.max_nodes = LOAD_NODES;
  const ocf_rep_node *root = NULL;
  err = ocf_rep_decode(s->store_buf, len, &limits, nodes, LOAD_NODES, &root);
  /* next holds the defaults the blob is decoded over; cur receives the result. */
  if (err == OCF_OK) err = decode_blob(i, root, s->next, s->cur);
  return err == OCF_OK ? OCF_OK : OCF_ERR_MALFORMED;
}

/* A device caught mid-onboarding is reset (see the top of this file). */
static bool needs_reset(const sec_models *m) {
  const ocf_svr_pstat *p = &m->pstat;
  if (p->dos_p || p->dos_s == OCF_DOS_RESET || p->dos_s >= OCF_DOS_COUNT) return true;
  if (p->dos_s != OCF_DOS_RFOTM) return false;
  return m->doxm.owned || !ocf_uuid_is_nil(&m->doxm.devowneruuid) || m->cred.n > 0 || m->acl2.n > 0;
}

/* The configured OTMs and sct win over stored ones (the manufacturer may update them). */
static bool take_config_otms(device_sec *s) {
  ocf_svr_doxm *x = &s->cur->doxm;
  bool same = x->n_oxms == s->n_otms && x->sct == s->sct &&
              memcmp(x->oxms, s->otms, s->n_otms * sizeof s->otms[0]) == 0;
  for (size_t i = 0; i < s->n_otms; i++) x->oxms[i] = s->otms[i];
  x->n_oxms = (uint32_t)s->n_otms;
  x->sct = s->sct;
  return !same;
}

static ocf_err load_all(ocf_device *d, ocf_rep_node *nodes) {
  device_sec *s = d->sec;
  ocf_err err = sec_defaults(d, s->next); /* the base every blob decodes over */
  if (err != OCF_OK) return err;
  memcpy(s->cur, s->next, sizeof *s->cur);
  size_t found = 0;
  for (size_t i = 0; i < SEC_N_BLOBS && err == OCF_OK; i++) {
    bool here = false;
    err = load_blob(d, i, nodes, &here);
    if (err != OCF_OK)
      ocf_log(&d->pf, OCF_LOG_ERROR, LOG_MODULE, "stored %s unusable: %s", k_blob_names[i],
              ocf_strerror(err));
    found += here && i != SEC_N_BLOBS - 1; /* devkey is optional */
  }
  if (err != OCF_OK) return err;
  if (found == 0) return OCF_ERR_NOT_FOUND;
  if (found != SEC_N_BLOBS - 1) {
    ocf_log(&d->pf, OCF_LOG_ERROR, LOG_MODULE, "only %zu of %d security blobs stored", found,
            SEC_N_BLOBS - 1);
    return OCF_ERR_MALFORMED;
  }
  return OCF_OK;
}

ocf_err sec_store_load(ocf_device *d) {
  device_sec *s = d->sec;
  ocf_rep_node *nodes = d->pf.alloc(d->pf.ctx, LOAD_NODES * sizeof *nodes);
  if (!nodes) return OCF_ERR_NO_MEMORY;
  ocf_err err = load_all(d, nodes);
  d->pf.free(d->pf.ctx, nodes);
  if (err != OCF_OK) return err;
  bool changed = take_config_otms(s);
  if (needs_reset(s->cur)) {
    ocf_log(&d->pf, OCF_LOG_WARN, LOG_MODULE, "stored state was mid-onboarding (%s): resetting",
            ocf_dos_state_name(s->cur->pstat.dos_s));
    err = sec_defaults(d, s->cur); /* keeps piid and pi */
    return err == OCF_OK ? sec_store_save(d, s->cur, SEC_BLOB_ALL) : err;
  }
  return changed ? sec_store_save(d, s->cur, SEC_BLOB_DOXM) : OCF_OK;
}

ocf_err ocf_device_wipe_store(ocf_store *store) {
  if (!store) return OCF_ERR_INVALID_ARG;
  ocf_store_change changes[SEC_N_BLOBS];
  for (size_t i = 0; i < SEC_N_BLOBS; i++)
    changes[i] = (ocf_store_change){.name = k_blob_names[i], .remove = true};
  return ocf_store_save_many(store, changes, SEC_N_BLOBS);
}
