/* Pairwise symmetric keys between two owned devices and reading /oic/sec/cred
 * (<ocf/ocf_obt_cms.h>, ADR 0019; digest §2.3, §6, §6.6): step functions for the provisioning
 * engine, and the pairing itself as a chain of provisioning runs (check, write, undo). */
#include <stdio.h>
#include <string.h>

#include <ocf/ocf_obt_cms.h>

#include "base/log.h"
#include "dtls/crypto.h"
#include "obt/cms_pair.h"
#include "obt/obt_internal.h"
#include "obt/prov_fail.h"
#include "rep/rep.h"

#define LOG_MODULE "obt"

/* GET /oic/sec/cred answers are decoded into this many nodes (on the stack of the engine's
 * call): a device's table of 64 entries with certificates fits. */
#define CRED_NODES 1024

/* --- reading cred --------------------------------------------------------------------------- */

static const char *const k_usages[] = {"oic.sec.cred.trustca", "oic.sec.cred.cert", "oic.sec.cred.rolecert",
                                       "oic.sec.cred.mfgtrustca", "oic.sec.cred.mfgcert"};

/* oscore.<key> (SEC:cred: text) into out, made printable; absent is "", a longer value or
 * another type malformed (ids are 14 hex digits at most: S003 6.3). */
static bool oscore_text(const ocf_rep_node *osc, const char *key, char *out, size_t cap) {
  const ocf_rep_node *v = ocf_rep_map_value(osc, key);
  ocf_rep_str t;
  if (!v) return true;
  if (ocf_rep_get_text(v, &t) != OCF_OK || t.len >= cap) return false;
  for (size_t i = 0; i < t.len; i++) out[i] = (t.ptr[i] < 0x20 || t.ptr[i] >= 0x7f) ? '?' : t.ptr[i];
  out[t.len] = '\0';
  return true;
}

/* One entry of creds (SEC:cred): credid, credtype and subjectuuid are what we act on; an entry
 * without them is malformed (every implementation we know sends all three). */
static ocf_err parse_entry(const ocf_rep_node *e, ocf_obt_cred_info *out) {
  memset(out, 0, sizeof *out);
  if (!e || e->type != OCF_REP_MAP) return OCF_ERR_MALFORMED;
  uint32_t credid = 0;
  uint16_t credtype = 0;
  if (ocf_rep_get_uint32(ocf_rep_map_value(e, "credid"), &credid) != OCF_OK ||
      ocf_rep_get_uint16(ocf_rep_map_value(e, "credtype"), &credtype) != OCF_OK || credtype > 511)
    return OCF_ERR_MALFORMED;
  const ocf_rep_node *subject = ocf_rep_map_value(e, "subjectuuid");
  ocf_rep_str text;
  if (ocf_rep_get_text(subject, &text) != OCF_OK) return OCF_ERR_MALFORMED;
  if (ocf_rep_str_eq(text, "*"))
    out->subject_any = true;
  else if (ocf_rep_get_uuid(subject, &out->subject) != OCF_OK)
    return OCF_ERR_MALFORMED;
  out->credid = credid;
  out->credtype = credtype;
  ocf_rep_str usage;
  if (ocf_rep_get_text(ocf_rep_map_value(e, "credusage"), &usage) == OCF_OK) {
    for (size_t i = 0; i < sizeof k_usages / sizeof k_usages[0]; i++)
      if (ocf_rep_str_eq(usage, k_usages[i])) snprintf(out->usage, sizeof out->usage, "%s", k_usages[i]);
    if (!out->usage[0]) snprintf(out->usage, sizeof out->usage, "?"); /* not one of SEC:cred's */
  }
  out->has_public = ocf_rep_map_value(e, "publicdata") != NULL;
  out->has_roleid = ocf_rep_map_value(e, "roleid") != NULL;
  const ocf_rep_node *osc = ocf_rep_map_value(e, "oscore");
  if (osc) {
    if (osc->type != OCF_REP_MAP) return OCF_ERR_MALFORMED;
    out->has_oscore = true;
    if (!oscore_text(osc, "senderid", out->senderid, sizeof out->senderid) ||
        !oscore_text(osc, "recipientid", out->recipientid, sizeof out->recipientid) ||
        !oscore_text(osc, "desc", out->desc, sizeof out->desc))
      return OCF_ERR_MALFORMED;
  }
  return OCF_OK;
}

OCF_API ocf_err ocf_obt_creds_parse(const uint8_t *cbor, size_t len, ocf_obt_creds_read *out) {
  if (!out || (!cbor && len)) return OCF_ERR_INVALID_ARG;
  memset(out, 0, sizeof *out);
  ocf_rep_node nodes[CRED_NODES];
  const ocf_rep_node *root = NULL;
  ocf_err err = ocf_rep_decode(cbor, len, NULL, nodes, CRED_NODES, &root);
  if (err) return err == OCF_ERR_TOO_LARGE ? err : OCF_ERR_MALFORMED;
  const ocf_rep_node *creds = NULL;
  if (root->type != OCF_REP_MAP || ocf_rep_get_array(ocf_rep_map_value(root, "creds"), &creds) != OCF_OK)
    return OCF_ERR_MALFORMED;
  for (const ocf_rep_node *e = ocf_rep_first(creds); e; e = ocf_rep_next(e)) {
    ocf_obt_cred_info info;
    err = parse_entry(e, &info);
    if (err) {
      memset(out, 0, sizeof *out);
      return err;
    }
    if (out->n == OCF_OBT_CREDS_MAX) {
      out->truncated = true;
      continue;
    }
    out->entries[out->n++] = info;
  }
  return OCF_OK;
}

OCF_API const char *ocf_obt_credtype_name(uint16_t credtype) {
  switch (credtype) {
  case 0: return "empty";
  case 1: return "psk";
  case 2: return "group";
  case 4: return "asym-sign";
  case 8: return "cert";
  case 16: return "pin";
  case 32: return "asym-encrypt";
  case 64: return "oscore";
  case 128: return "ssm-client";
  case 256: return "ssm-server";
  default: return "?";
  }
}

static ocf_obt_prov_next get(ocf_obt_prov_request *req, const char *href) {
  req->method = 1; /* GET */
  snprintf(req->href, sizeof req->href, "%s", href);
  return OCF_OBT_PROV_SEND;
}

OCF_API ocf_obt_prov_next ocf_obt_creds_read_step(void *user, const ocf_obt_prov_response *rsp,
                                                  ocf_obt_prov_request *req, ocf_obt_prov_failure *fail) {
  ocf_obt_creds_read *c = user;
  if (!rsp) return get(req, "/oic/sec/cred");
  if (rsp->code != 205)
    return obt_prov_fail_answer(fail, "read cred", rsp, "check the device's state (obt show UUID)");
  ocf_err err = ocf_obt_creds_parse(rsp->payload, rsp->len, c);
  if (err)
    return obt_prov_fail_with(fail, "read cred", err, "the device's /oic/sec/cred answer is malformed",
                              obt_advice_bad_device);
  return OCF_OBT_PROV_DONE;
}

/* --- the pairing steps ---------------------------------------------------------------------- */

enum {
  ST_START = 0,
  ST_DOXM,    /* CHECK: GET doxm out */
  ST_LIST,    /* GET cred out (WRITE, REMOVE) */
  ST_DELETE,  /* DELETE cred?credid= out */
  ST_POST,    /* WRITE: POST cred out */
  ST_READBACK /* WRITE: GET cred out */
};

void obt_pair_step_init(obt_pair_step *s, obt_pair_phase phase, const ocf_uuid *self, const ocf_uuid *peer,
                        const uint8_t *key) {
  memset(s, 0, sizeof *s);
  s->phase = phase;
  s->self = *self;
  s->peer = *peer;
  s->key = key;
}

void obt_pair_step_wipe(obt_pair_step *s) {
  ocf_secure_zero(s->body, sizeof s->body);
  s->body_len = 0;
}

/* Digest §3.3/§2.3: the doxm of an owned device, readable over the owner session; sct holds the
 * credential types it supports as credtype bits (digest §2.1 table). */
static ocf_obt_prov_next check_doxm(obt_pair_step *s, const ocf_obt_prov_response *rsp,
                                    ocf_obt_prov_failure *fail) {
  uint32_t sct = 0;
  ocf_obt_prov_next n =
      obt_prov_check_owned_doxm(rsp, &s->self, "check the device's state (obt show UUID)", &sct, fail);
  if (n != OCF_OBT_PROV_DONE) return n;
  /* OBT 5.3.1 step 11, digest §6: only credential types the device lists in sct. */
  if (!(sct & 1u)) {
    char diag[OCF_OBT_DIAG_MAX + 1];
    snprintf(diag, sizeof diag,
             "the device cannot hold a symmetric pair-wise key: its doxm.sct is %u, without credtype 1",
             (unsigned)sct);
    return obt_prov_fail_with(
        fail, "credential types", OCF_ERR_UNSUPPORTED, diag,
        (sct & 8u) ? "it supports certificates (credtype 8): give both devices identity certificates "
                     "instead"
                   : "this device cannot be paired with a symmetric key");
  }
  return OCF_OBT_PROV_DONE;
}

/* The credtype-1 entries naming the peer: those the device would pick for a PSK session with it
 * (digest §4.1), older ones included. */
static ocf_obt_prov_next collect(obt_pair_step *s, const ocf_obt_prov_response *rsp,
                                 ocf_obt_prov_failure *fail, const char *stage, bool exclude_known,
                                 uint32_t *found) {
  if (rsp->code != 205)
    return obt_prov_fail_answer(fail, stage, rsp, "check the device's state (obt show UUID)");
  ocf_obt_creds_read c;
  ocf_err err = ocf_obt_creds_parse(rsp->payload, rsp->len, &c);
  if (err)
    return obt_prov_fail_with(fail, stage, err, "the device's /oic/sec/cred answer is malformed",
                              obt_advice_bad_device);
  *found = 0;
  for (size_t i = 0; i < c.n; i++) {
    const ocf_obt_cred_info *e = &c.entries[i];
    if (e->credtype != 1 || e->subject_any || !ocf_uuid_equal(&e->subject, &s->peer)) continue;
    bool known = false;
    for (size_t k = 0; exclude_known && k < s->n_ids; k++) known |= s->ids[k] == e->credid;
    if (known) continue;
    if (!exclude_known) {
      if (s->n_ids == OBT_PAIR_IDS_MAX)
        return obt_prov_fail_with(fail, stage, OCF_ERR_TOO_LARGE,
                                  "the device holds too many keys for the peer",
                                  "remove them by hand, then pair again");
      s->ids[s->n_ids++] = e->credid;
    } else if (!*found) {
      *found = e->credid;
    }
  }
  if (c.truncated && !exclude_known)
    return obt_prov_fail_with(fail, stage, OCF_ERR_TOO_LARGE,
                              "the device lists too many credentials to check",
                              "remove unused credentials, then try again");
  return OCF_OBT_PROV_SEND;
}

static ocf_obt_prov_next next_delete(obt_pair_step *s, ocf_obt_prov_request *req) {
  req->method = 4; /* DELETE: digest §2.3 "?credid=N" */
  snprintf(req->href, sizeof req->href, "/oic/sec/cred?credid=%u", (unsigned)s->ids[s->next_id++]);
  s->stage = ST_DELETE;
  return OCF_OBT_PROV_SEND;
}

/* Digest §6.6: {"creds":[{"subjectuuid": peer, "credtype": 1, "privatedata": {"data": h'K',
 * "encoding": "oic.sec.encoding.raw"}}]}; no rowneruuid (read-only outside RFOTM/SRESET). */
static ocf_err build_post(obt_pair_step *s) {
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, s->body, sizeof s->body);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_key(&e, "creds");
  ocf_rep_enc_array_open(&e);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_key(&e, "subjectuuid");
  ocf_rep_enc_uuid(&e, &s->peer);
  ocf_rep_enc_key(&e, "credtype");
  ocf_rep_enc_uint(&e, 1);
  ocf_rep_enc_key(&e, "privatedata");
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_key(&e, "data");
  ocf_rep_enc_bytes(&e, s->key, OCF_OBT_PAIR_KEY_LEN);
  ocf_rep_enc_key(&e, "encoding");
  ocf_rep_enc_text(&e, "oic.sec.encoding.raw");
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_map_close(&e);
  return ocf_rep_enc_finish(&e, &s->body_len);
}

static ocf_obt_prov_next next_after_deletes(obt_pair_step *s, ocf_obt_prov_request *req,
                                            ocf_obt_prov_failure *fail) {
  if (s->next_id < s->n_ids) return next_delete(s, req);
  if (s->phase == OBT_PAIR_REMOVE) return OCF_OBT_PROV_DONE;
  if (build_post(s) != OCF_OK) {
    obt_pair_step_wipe(s);
    return obt_prov_fail_with(fail, "post cred", OCF_ERR_NO_SPACE, "the request did not fit",
                              "a bug in obt: report it");
  }
  req->method = 2; /* POST */
  snprintf(req->href, sizeof req->href, "/oic/sec/cred");
  req->body = s->body;
  req->len = s->body_len;
  s->post_sent = true;
  s->stage = ST_POST;
  return OCF_OBT_PROV_SEND;
}

ocf_obt_prov_next obt_pair_step_fn(void *user, const ocf_obt_prov_response *rsp, ocf_obt_prov_request *req,
                                   ocf_obt_prov_failure *fail) {
  obt_pair_step *s = user;
  if (!rsp) {
    s->stage = s->phase == OBT_PAIR_CHECK ? ST_DOXM : ST_LIST;
    return get(req, s->phase == OBT_PAIR_CHECK ? "/oic/sec/doxm" : "/oic/sec/cred");
  }
  uint32_t found = 0;
  ocf_obt_prov_next next;
  switch (s->stage) {
  case ST_DOXM: return check_doxm(s, rsp, fail);
  case ST_LIST:
    next = collect(s, rsp, fail, "read cred", false, &found);
    return next == OCF_OBT_PROV_SEND ? next_after_deletes(s, req, fail) : next;
  case ST_DELETE:
    /* 2.02 deleted; 4.04 gone already (removed meanwhile): both leave no entry behind. */
    if (rsp->code != 202 && rsp->code != 404)
      return obt_prov_fail_answer(fail, "delete cred", rsp,
                                  rsp->code == 403 || rsp->code == 400
                                      ? "the device refuses credential changes in its state (obt show UUID)"
                                      : "check the device's state (obt show UUID)");
    s->removed += rsp->code == 202;
    return next_after_deletes(s, req, fail);
  case ST_POST:
    obt_pair_step_wipe(s); /* the key went out: no copy kept beyond the caller's */
    /* SEC:cred POST answers 2.04 (IL; digest §2.3); 2.01 is accepted as well. */
    if (rsp->code != 204 && rsp->code != 201)
      return obt_prov_fail_answer(
          fail, "post cred", rsp,
          rsp->code == 400 || rsp->code == 403
              ? "the device refused the credential: it must accept 16-byte keys in RFPRO"
              : "check the device's state (obt show UUID)");
    s->stage = ST_READBACK;
    return get(req, "/oic/sec/cred");
  case ST_READBACK:
    next = collect(s, rsp, fail, "read back cred", true, &found);
    if (next != OCF_OBT_PROV_SEND) return next;
    if (!found)
      return obt_prov_fail_with(fail, "read back cred", OCF_ERR_NOT_FOUND,
                                "the device answered the POST but lists no credential for the peer",
                                obt_advice_bad_device);
    s->credid = found;
    return OCF_OBT_PROV_DONE;
  default:
    return obt_prov_fail_with(fail, "step", OCF_ERR_STATE, "unexpected answer", "a bug in obt: report it");
  }
}

/* --- pairing: the chain of runs ------------------------------------------------------------- */

typedef enum pair_run { RUN_CHECK = 1, RUN_WRITE, RUN_UNDO, RUN_REMOVE } pair_run;

struct obt_pair {
  ocf_obt *obt;
  ocf_obt_pair_params params;
  pair_run run;
  obt_pair_step steps[2];
  ocf_obt_rfpro wraps[2]; /* the writing runs go through the RFPRO bracket (digest §3.3) */
  size_t job_side[2];     /* the side each job of the current run stands for */
  size_t n_jobs;
  bool job_ok[2];
  ocf_obt_prov_failure job_fail[2];
  uint8_t key[OCF_OBT_PAIR_KEY_LEN];
  ocf_obt_pair_result result;
};

/* The sides we send to: both devices, or only dev[0] when dev[1] is an external client. */
static size_t n_sides(const obt_pair *p) { return p->params.client ? 1 : 2; }

static ocf_obt_wall_ms pair_wall(void *user) {
  obt_pair *p = user;
  return p->params.wall_now(p->params.user);
}

static void pair_on_result(void *user, const ocf_obt_prov_result *r) {
  obt_pair *p = user;
  if (r->job >= p->n_jobs) return;
  p->job_ok[r->job] = r->ok;
  if (r->failure) p->job_fail[r->job] = *r->failure;
}

static void pair_on_done(void *user, size_t n_ok, size_t n_failed);

static const char *const k_run_names[] = {"", "pair check", "pair write", "pair undo", "unpair"};

/* Starts the run over the sides listed (each with its step prepared). */
static ocf_err start_run(obt_pair *p, pair_run run, const size_t *sides, size_t n, ocf_time_ms now) {
  ocf_obt_prov_job jobs[2];
  memset(jobs, 0, sizeof jobs);
  p->run = run;
  p->n_jobs = n;
  for (size_t i = 0; i < n; i++) {
    size_t s = sides[i];
    p->job_side[i] = s;
    p->job_ok[i] = false;
    memset(&p->job_fail[i], 0, sizeof p->job_fail[i]);
    jobs[i] = (ocf_obt_prov_job){.uuid = p->params.dev[s].uuid,
                                 .coaps = p->params.dev[s].coaps,
                                 .step = obt_pair_step_fn,
                                 .user = &p->steps[s]};
    if (run != RUN_CHECK) { /* writes and deletes: a device in RFNOP refuses them (digest §3.3) */
      ocf_obt_rfpro_init(&p->wraps[s], obt_pair_step_fn, &p->steps[s]);
      jobs[i].step = ocf_obt_rfpro_step;
      jobs[i].user = &p->wraps[s];
    }
  }
  ocf_obt_prov_params pp = {.store = p->params.store,
                            .jobs = jobs,
                            .n_jobs = n,
                            .what = k_run_names[run],
                            .actor = p->params.actor,
                            .wall_now = pair_wall,
                            .on_result = pair_on_result,
                            .on_done = pair_on_done,
                            .user = p};
  return ocf_obt_prov_run(p->obt, &pp, now);
}

static void wipe_key(obt_pair *p) {
  ocf_secure_zero(p->key, sizeof p->key);
  obt_pair_step_wipe(&p->steps[0]);
  obt_pair_step_wipe(&p->steps[1]);
}

void obt_pair_free(ocf_obt *obt) {
  obt_pair *p = obt->pair;
  if (!p) return;
  wipe_key(p);
  obt->pair = NULL;
  obt->pf.free(obt->pf.ctx, p);
}

/* Ends the pairing: the store's record and audit entry, then the caller's on_done. */
static void finish(obt_pair *p) {
  ocf_obt_pair_result *r = &p->result;
  ocf_obt_store *s = p->params.store;
  r->ok = r->side[0].ok && r->side[1].ok;
  char a[OCF_UUID_STR_LEN], b[OCF_UUID_STR_LEN], detail[OCF_OBT_AUDIT_DETAIL_MAX + 1];
  ocf_uuid_format(&r->side[0].uuid, a);
  ocf_uuid_format(&r->side[1].uuid, b);
  bool pair = r->action == OCF_OBT_PAIR;
  if (r->ok && pair && r->client)
    snprintf(detail, sizeof detail, "%s paired with client %s (credtype 1): credid %u", a, b,
             (unsigned)r->side[0].credid);
  else if (r->ok && r->client)
    snprintf(detail, sizeof detail, "%s unpaired from client %s: %u entries removed", a, b,
             (unsigned)r->side[0].removed);
  else if (r->ok && pair)
    snprintf(detail, sizeof detail, "%s and %s paired (credtype 1): credid %u on the first, %u on the second",
             a, b, (unsigned)r->side[0].credid, (unsigned)r->side[1].credid);
  else if (r->ok)
    snprintf(detail, sizeof detail, "%s and %s unpaired: %u and %u entries removed", a, b,
             (unsigned)r->side[0].removed, (unsigned)r->side[1].removed);
  else
    snprintf(detail, sizeof detail, "%s and %s%s: %s failed%s", a, r->client ? "client " : "", b,
             pair ? "pairing" : "unpairing",
             (r->side[0].left || r->side[1].left) ? "; a credential may remain (see obt creds)" : "");
  const char *actor = p->params.actor ? p->params.actor : "obt";
  ocf_err err = ocf_obt_store_begin(s);
  if (!err && r->ok && pair) {
    ocf_obt_pairing_record rec = {.a = r->side[0].uuid,
                                  .b = r->side[1].uuid,
                                  .credid_a = r->side[0].credid,
                                  .credid_b = r->side[1].credid,
                                  .created = p->params.wall_now(p->params.user)};
    err = ocf_obt_store_pairing_put(s, &rec);
  } else if (!err && r->ok) {
    err = ocf_obt_store_pairing_remove(s, &r->side[0].uuid, &r->side[1].uuid);
  }
  if (!err)
    err = ocf_obt_store_audit_append(s, p->params.wall_now(p->params.user), actor, pair ? "pair" : "unpair",
                                     detail);
  if (!err) err = ocf_obt_store_commit(s);
  if (err) {
    ocf_obt_store_rollback(s);
    r->store_err = err;
    r->ok = false;
    ocf_log(&p->obt->pf, OCF_LOG_WARN, LOG_MODULE, "pairing: the store could not record it: %s",
            ocf_strerror(err));
  }
  if (r->ok && pair && p->params.key_out) memcpy(p->params.key_out, p->key, sizeof p->key);
  ocf_obt_pair_result out = *r;
  ocf_obt_pair_params params = p->params;
  obt_pair_free(p->obt);
  params.on_done(params.user, &out);
}

/* A run could not start (memory): every side of it fails with that. */
static void run_not_started(obt_pair *p, const size_t *sides, size_t n, ocf_err err) {
  for (size_t i = 0; i < n; i++) {
    ocf_obt_pair_side *side = &p->result.side[sides[i]];
    side->ok = false;
    side->failure.stage = "start";
    side->failure.err = err;
    snprintf(side->failure.diagnostic, sizeof side->failure.diagnostic,
             "the provisioning run could not start");
    side->failure.advice = "try again";
  }
}

/* After WRITE: undo every side that failed after its key went out, or that succeeded while the
 * other failed. */
static void after_write(obt_pair *p, ocf_time_ms now) {
  ocf_obt_pair_result *r = &p->result;
  bool all_ok = true;
  for (size_t i = 0; i < p->n_jobs; i++) {
    size_t s = p->job_side[i];
    r->side[s].ok = p->job_ok[i];
    if (p->job_ok[i])
      r->side[s].credid = p->steps[s].credid;
    else
      r->side[s].failure = p->job_fail[i];
    r->side[s].removed = p->steps[s].removed;
    r->side[s].was_rfnop = p->wraps[s].was_rfnop;
    all_ok &= p->job_ok[i];
  }
  /* The key is on the devices (or nowhere): our copies go. key_out gets it in finish. */
  uint8_t keep[OCF_OBT_PAIR_KEY_LEN];
  memcpy(keep, p->key, sizeof keep);
  wipe_key(p);
  if (all_ok) {
    if (p->params.key_out) memcpy(p->key, keep, sizeof keep);
    ocf_secure_zero(keep, sizeof keep);
    finish(p);
    return;
  }
  ocf_secure_zero(keep, sizeof keep);
  size_t sides[2], n = 0;
  for (size_t s = 0; s < n_sides(p); s++) {
    bool holds = r->side[s].ok || p->steps[s].post_sent;
    if (!holds) continue;
    obt_pair_step_init(&p->steps[s], OBT_PAIR_REMOVE, &p->params.dev[s].uuid, &p->params.dev[1 - s].uuid,
                       NULL);
    sides[n++] = s;
  }
  /* The side that succeeded is no more "ok": the pairing is not there. */
  for (size_t s = 0; s < n_sides(p); s++)
    if (r->side[s].ok) {
      r->side[s].ok = false;
      r->side[s].failure = (ocf_obt_prov_failure){
          .stage = "peer failed", .err = OCF_ERR_STATE, .advice = "see the other device's failure"};
      snprintf(r->side[s].failure.diagnostic, sizeof r->side[s].failure.diagnostic,
               "the other device failed: this device's key was removed again");
    }
  if (!n) {
    finish(p);
    return;
  }
  ocf_err err = start_run(p, RUN_UNDO, sides, n, now);
  if (err) {
    for (size_t i = 0; i < n; i++) r->side[sides[i]].left = true;
    finish(p);
  }
}

static void after_undo(obt_pair *p) {
  ocf_obt_pair_result *r = &p->result;
  for (size_t i = 0; i < p->n_jobs; i++) {
    size_t s = p->job_side[i];
    if (p->job_ok[i]) {
      r->side[s].undone = true;
    } else {
      r->side[s].left = true;
      if (r->side[s].failure.stage && strcmp(r->side[s].failure.stage, "peer failed") == 0)
        r->side[s].failure = p->job_fail[i]; /* its own problem now: the removal failed */
      r->side[s].failure.advice = "a credential for the other device may remain on this one: check with obt "
                                  "creds UUID and remove it with obt unpair";
    }
  }
  finish(p);
}

static void pair_on_done(void *user, size_t n_ok, size_t n_failed) {
  (void)n_ok;
  (void)n_failed;
  obt_pair *p = user;
  ocf_time_ms now = p->obt->now;
  ocf_obt_pair_result *r = &p->result;
  static const size_t both[2] = {0, 1};
  switch (p->run) {
  case RUN_CHECK: {
    bool all_ok = true;
    for (size_t i = 0; i < p->n_jobs; i++) all_ok &= p->job_ok[i];
    if (!all_ok) {
      for (size_t i = 0; i < n_sides(p); i++) {
        r->side[i].ok = false; /* nothing written to either */
        r->side[i].failure = p->job_ok[i] ? (ocf_obt_prov_failure){.stage = "peer failed",
                                                                   .err = OCF_ERR_STATE,
                                                                   .advice = "see the other device's failure"}
                                          : p->job_fail[i];
        if (p->job_ok[i])
          snprintf(r->side[i].failure.diagnostic, sizeof r->side[i].failure.diagnostic,
                   "the other device failed its check: nothing was written");
      }
      finish(p);
      return;
    }
    /* A fresh key from the platform's DRBG (issue 6 item 5). */
    ocf_err err = p->obt->pf.random(p->obt->pf.ctx, p->key, sizeof p->key);
    for (size_t s = 0; !err && s < n_sides(p); s++)
      obt_pair_step_init(&p->steps[s], OBT_PAIR_WRITE, &p->params.dev[s].uuid, &p->params.dev[1 - s].uuid,
                         p->key);
    if (!err) err = start_run(p, RUN_WRITE, both, n_sides(p), now);
    if (err) {
      run_not_started(p, both, n_sides(p), err);
      finish(p);
    }
    return;
  }
  case RUN_WRITE: after_write(p, now); return;
  case RUN_UNDO: after_undo(p); return;
  case RUN_REMOVE:
    for (size_t i = 0; i < p->n_jobs; i++) {
      size_t s = p->job_side[i];
      r->side[s].ok = p->job_ok[i];
      r->side[s].removed = p->steps[s].removed;
      r->side[s].was_rfnop = p->wraps[s].was_rfnop;
      if (!p->job_ok[i]) r->side[s].failure = p->job_fail[i];
    }
    finish(p);
    return;
  }
}

OCF_API ocf_err ocf_obt_pair(ocf_obt *obt, const ocf_obt_pair_params *p, ocf_time_ms now) {
  if (!obt || !p || !p->store || !p->wall_now || !p->on_done ||
      (p->action != OCF_OBT_PAIR && p->action != OCF_OBT_UNPAIR) || ocf_uuid_is_nil(&p->dev[0].uuid) ||
      ocf_uuid_is_nil(&p->dev[1].uuid) || ocf_uuid_equal(&p->dev[0].uuid, &p->dev[1].uuid))
    return OCF_ERR_INVALID_ARG;
  /* Never touch the Owner Credential: its subject is the tool's uuid (digest §4.5). */
  ocf_obt_domain d;
  ocf_err err = ocf_obt_store_domain_get(p->store, &d);
  if (err) return err;
  if (ocf_uuid_equal(&p->dev[0].uuid, &d.tool_uuid) || ocf_uuid_equal(&p->dev[1].uuid, &d.tool_uuid))
    return OCF_ERR_INVALID_ARG;
  /* A client is nobody the domain onboarded: a device of the store is paired as a device (both
   * sides get the key), else its key would stay one-sided and the store's record ambiguous. */
  if (p->client) {
    ocf_obt_device_record rec;
    err = ocf_obt_store_device_get(p->store, &p->dev[1].uuid, &rec);
    if (err == OCF_OK) return OCF_ERR_STATE;
    if (err != OCF_ERR_NOT_FOUND) return err;
  }
  if (obt->pair || obt->prov) return OCF_ERR_BUSY;
  obt_pair *x = obt->pf.alloc(obt->pf.ctx, sizeof *x);
  if (!x) return OCF_ERR_NO_MEMORY;
  memset(x, 0, sizeof *x);
  x->obt = obt;
  x->params = *p;
  x->result.action = p->action;
  x->result.client = p->client;
  /* The client's side needs nothing from us: it is ok from the start and never a job. */
  x->result.side[1].uuid = p->dev[1].uuid;
  x->result.side[1].ok = p->client;
  for (size_t s = 0; s < n_sides(x); s++) {
    x->result.side[s].uuid = p->dev[s].uuid;
    obt_pair_step_init(&x->steps[s], p->action == OCF_OBT_PAIR ? OBT_PAIR_CHECK : OBT_PAIR_REMOVE,
                       &p->dev[s].uuid, &p->dev[1 - s].uuid, NULL);
  }
  obt->pair = x;
  if (now > obt->now) obt->now = now;
  static const size_t both[2] = {0, 1};
  err = start_run(x, p->action == OCF_OBT_PAIR ? RUN_CHECK : RUN_REMOVE, both, n_sides(x), now);
  if (err) obt_pair_free(obt);
  return err;
}

OCF_API bool ocf_obt_pair_running(const ocf_obt *obt) { return obt && obt->pair; }
