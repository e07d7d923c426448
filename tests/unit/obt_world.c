/* The scripted device and the world of the src/obt tests (obt_world.h). */
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_posix.h>

#include "dtls/derive.h"
#include "dtls/profile.h"
#include "obt_world.h"
#include "svr/dos.h"

const expected k_seq[N_EXPECTED] = {
    {OCF_COAP_GET, "/oic/sec/doxm", false, "get-doxm", false},
    {OCF_COAP_POST, "/oic/sec/doxm", false, "oxmsel", false},
    {OCF_COAP_POST, "/oic/sec/pstat", true, "om", false},
    {OCF_COAP_POST, "/oic/sec/doxm", true, "doxm-uuids", true},
    {OCF_COAP_POST, "/oic/sec/cred", true, "owner-credential", false},
    {OCF_COAP_POST, "/oic/sec/doxm", true, "doxm-owner", false},
    {OCF_COAP_POST, "/oic/sec/acl2", true, "acl2-rowneruuid", false},
    {OCF_COAP_POST, "/oic/sec/sdi", true, "sdi", false},
    {OCF_COAP_POST, "/oic/sec/pstat", true, "rfpro", true},
};

/* The same onboarding with a device that refuses each combined update: its parts follow. */
const expected k_seq_split[N_EXPECTED_SPLIT] = {
    {OCF_COAP_GET, "/oic/sec/doxm", false, "get-doxm", false},
    {OCF_COAP_POST, "/oic/sec/doxm", false, "oxmsel", false},
    {OCF_COAP_POST, "/oic/sec/pstat", true, "om", false},
    {OCF_COAP_POST, "/oic/sec/doxm", true, "doxm-uuids", true},
    {OCF_COAP_POST, "/oic/sec/doxm", true, "devowneruuid", false},
    {OCF_COAP_POST, "/oic/sec/doxm", true, "deviceuuid", false},
    {OCF_COAP_POST, "/oic/sec/cred", true, "owner-credential", false},
    {OCF_COAP_POST, "/oic/sec/doxm", true, "doxm-owner", false},
    {OCF_COAP_POST, "/oic/sec/acl2", true, "acl2-rowneruuid", false},
    {OCF_COAP_POST, "/oic/sec/sdi", true, "sdi", false},
    {OCF_COAP_POST, "/oic/sec/pstat", true, "rfpro", true},
    {OCF_COAP_POST, "/oic/sec/pstat", true, "pstat-rowneruuid", false},
    {OCF_COAP_POST, "/oic/sec/pstat", true, "rfpro-dos", false},
};

const char *const k_store_steps[N_STORE_STEPS] = {
    "get-doxm",         "oxmsel",     "handshake",       "om",  "doxm-uuids",
    "owner-credential", "doxm-owner", "acl2-rowneruuid", "sdi", "rfpro"};

/* --- the scripted device -------------------------------------------------------------------- */

static void dev_mismatch(tdev *d, const char *what, const char *path) {
  if (!d->mismatch[0]) snprintf(d->mismatch, sizeof d->mismatch, "request %zu (%s): %s", d->idx, path, what);
}

static void respond(ocf_msg *m, const ocf_msg_incoming *in, uint8_t code, const uint8_t *body, size_t len,
                    bool cbor) {
  ocf_coap_msg rsp;
  ocf_coap_init(&rsp, OCF_COAP_ACK, code, 0);
  if (cbor && len)
    assert_int_equal(ocf_coap_add_uint_option(&rsp, OCF_COAP_OPT_CONTENT_FORMAT, 10000), OCF_OK);
  rsp.payload = body;
  rsp.payload_len = len;
  assert_int_equal(ocf_msg_respond(m, in->handle, &rsp, in->now), OCF_OK);
}

static ocf_err dev_random(void *ctx, uint8_t *out, size_t len) {
  tdev *d = ctx;
  return d->sp.pf.random(d->sp.pf.ctx, out, len);
}

/* Digest §3.5: RESET wipes the SVRs, draws a new temporary deviceuuid and falls through to
 * RFOTM (the onboarding may begin again). */
static void dev_reset(tdev *d) {
  assert_int_equal(d->sp.pf.random(d->sp.pf.ctx, d->first_uuid.b, 16), OCF_OK);
  assert_int_equal(ocf_svr_doxm_init(&d->doxm, d->oxms, d->n_oxms, 9, &d->first_uuid), OCF_OK);
  ocf_svr_pstat_init(&d->pstat);
  ocf_svr_cred_clear(&d->cred);
  ocf_svr_acl2_clear(&d->acl2);
  ocf_svr_sdi_init(&d->sdi);
  d->has_owner_psk = false; /* owner_psk keeps its bytes for the tests to compare */
  d->fresh = true;
  d->doc_open = false;
  d->resets++;
}

/* The Owner Credential candidate gets the key the device derives from its side of the DOC with
 * the device uuid it has now (digest §4.5). */
static ocf_err derive_owner(tdev *d, ocf_svr_cred *c, const ocf_endpoint *peer) {
  int i = ocf_svr_cred_find_owner_candidate(c, &c->rowneruuid);
  if (i < 0) return OCF_ERR_NOT_FOUND;
  const ocf_dtls_session *s = ocf_dtls_session_find(ocf_stack_dtls(d->stack), peer);
  uint8_t kb[OCF_KEY_BLOCK_MAX];
  size_t kb_len = 0;
  ocf_err err = s ? ocf_dtls_session_key_block(s, kb, &kb_len) : OCF_ERR_NOT_FOUND;
  if (!err)
    err = ocf_derive_owner_psk(kb, kb_len, (ocf_oxm)d->doxm.oxmsel, &c->e[i].subject, &d->doxm.deviceuuid,
                               d->owner_psk);
  if (!err) err = ocf_svr_cred_set_key(c, (size_t)i, d->owner_psk, sizeof d->owner_psk);
  d->has_owner_psk = err == OCF_OK;
  return err;
}

/* pstat with a dos.s: the transition's entry checks on the candidate models (pitfall 17). */
static ocf_err apply_pstat(tdev *d, const ocf_rep_node *root, const ocf_svr_ctx *ctx, ocf_svr_report *r) {
  ocf_svr_pstat p;
  ocf_err err = ocf_svr_pstat_decode_update(&d->pstat, root, ctx, &p, r);
  if (err) return err;
  if (r->dos_requested && r->dos_target == OCF_DOS_RESET) {
    d->reset_requested = true;
    return OCF_OK; /* the device resets once it has answered (digest §9): see on_dev_request */
  }
  if (r->dos_requested) {
    uint8_t target = r->dos_target; /* the check below writes its own report */
    ocf_svr_models m = {.doxm = &d->doxm, .pstat = &p, .cred = &d->cred, .acl2 = &d->acl2};
    err = ocf_dos_check_entry(target, &m, r);
    if (err) return err;
    ocf_svr_pstat_enter(&p, target);
  }
  d->pstat = p;
  return OCF_OK;
}

static ocf_err apply_post(tdev *d, const char *path, const ocf_rep_node *root, const ocf_svr_ctx *ctx,
                          const ocf_endpoint *peer) {
  ocf_svr_report r;
  ocf_err err = OCF_ERR_NOT_FOUND;
  if (strcmp(path, "/oic/sec/doxm") == 0) {
    ocf_svr_doxm x;
    err = ocf_svr_doxm_decode_update(&d->doxm, root, ctx, &x, &r);
    if (!err) d->doxm = x;
  } else if (strcmp(path, "/oic/sec/pstat") == 0) {
    err = apply_pstat(d, root, ctx, &r);
  } else if (strcmp(path, "/oic/sec/cred") == 0) {
    static ocf_svr_cred c; /* large: kept off the stack; tests run one at a time */
    err = ocf_svr_cred_decode_update(&d->cred, root, ctx, &c, &r);
    if (!err) err = derive_owner(d, &c, peer);
    if (!err) d->cred = c;
  } else if (strcmp(path, "/oic/sec/acl2") == 0) {
    static ocf_svr_acl2 a;
    err = ocf_svr_acl2_decode_update(&d->acl2, root, ctx, &a, &r);
    if (!err) d->acl2 = a;
  } else if (strcmp(path, "/oic/sec/sdi") == 0) {
    ocf_svr_sdi s;
    err = ocf_svr_sdi_decode_update(&d->sdi, root, ctx, &s, &r);
    if (!err) d->sdi = s;
  }
  if (err) dev_mismatch(d, r.why && r.why[0] ? r.why : ocf_strerror(err), path);
  return err;
}

/* With OBT_ONBOARD_SAMPLES=DIR, every body the engine sends is written to DIR/<step>.cbor for
 * obt_onboard_schema_check.py (the OCF security schemas' update definitions). */
static void save_sample(const char *step, const ocf_coap_msg *req) {
  const char *dir = getenv("OBT_ONBOARD_SAMPLES");
  if (!dir || !req->payload_len) return;
  char path[512];
  snprintf(path, sizeof path, "%s/%s.cbor", dir, step);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(req->payload, 1, req->payload_len, f), req->payload_len);
  assert_int_equal(fclose(f), 0);
}

void world_respond(ocf_msg *m, const ocf_msg_incoming *in, uint8_t code, const uint8_t *body, size_t len,
                   bool cbor) {
  respond(m, in, code, body, len, cbor);
}

/* Requests over a session once owned (the CMS's: digest 2.3 for cred): GET doxm, pstat and cred
 * (secrets hidden), POST cred (no Owner Credential derivation: that belongs to the DOC),
 * DELETE cred?credid=N. */
static void on_owned_request(tdev *d, ocf_msg *m, const ocf_msg_incoming *in, const char *path,
                             const ocf_rep_node *root, const ocf_svr_ctx *ctx) {
  d->owned_requests++;
  if (d->owned_hook && d->owned_hook(d, m, in, path)) return;
  uint8_t code = in->request->code;
  if (code == OCF_COAP_POST && strcmp(path, "/oic/sec/pstat") == 0) { /* the RFPRO bracket (ocf_obt_rfpro) */
    ocf_svr_report r;
    ocf_err err = root ? apply_pstat(d, root, ctx, &r) : OCF_ERR_MALFORMED;
    respond(m, in, err ? OCF_COAP_BAD_REQUEST : OCF_COAP_CHANGED, NULL, 0, false);
    return;
  }
  if (code == OCF_COAP_GET && (strcmp(path, "/oic/sec/doxm") == 0 || strcmp(path, "/oic/sec/cred") == 0 ||
                               strcmp(path, "/oic/sec/pstat") == 0)) {
    static uint8_t buf[8192];
    ocf_rep_enc e;
    ocf_rep_enc_init(&e, buf, sizeof buf);
    if (path[9] == 'd')
      ocf_svr_doxm_encode(&d->doxm, 0, &e);
    else if (path[9] == 'p')
      ocf_svr_pstat_encode(&d->pstat, 0, &e);
    else
      ocf_svr_cred_encode(&d->cred, 0, &e);
    size_t len;
    assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
    respond(m, in, OCF_COAP_CONTENT, buf, len, true);
    return;
  }
  if (strcmp(path, "/oic/sec/cred") != 0 || (code != OCF_COAP_POST && code != OCF_COAP_DELETE)) {
    respond(m, in, OCF_COAP_NOT_FOUND, NULL, 0, false);
    return;
  }
  ocf_svr_report r;
  ocf_err err;
  if (code == OCF_COAP_POST) {
    save_sample("pairwise-credential", in->request); /* obt_onboard_schema_check.py ... cms */
    static ocf_svr_cred c;
    err = root ? ocf_svr_cred_decode_update(&d->cred, root, ctx, &c, &r) : OCF_ERR_MALFORMED;
    if (!err) d->cred = c;
    respond(m, in, err ? OCF_COAP_BAD_REQUEST : OCF_COAP_CHANGED, NULL, 0, false);
    return;
  }
  const uint8_t *v = NULL;
  size_t vlen = 0;
  char num[16] = "";
  if (ocf_coap_find_query(in->request, "credid", NULL, &v, &vlen) && vlen && vlen < sizeof num)
    memcpy(num, v, vlen);
  char *end = NULL;
  unsigned long id = strtoul(num, &end, 10);
  err = num[0] && end && !*end ? ocf_svr_cred_delete_id(&d->cred, (uint32_t)id, ctx, &r) : OCF_ERR_MALFORMED;
  respond(m, in,
          !err                       ? OCF_COAP_DELETED
          : err == OCF_ERR_NOT_FOUND ? OCF_COAP_NOT_FOUND
          : err == OCF_ERR_STATE     ? OCF_COAP_FORBIDDEN
                                     : OCF_COAP_BAD_REQUEST,
          NULL, 0, false);
}

static void on_dev_request(void *user, ocf_msg *m, const ocf_msg_incoming *in) {
  tdev *d = user;
  char path[64];
  assert_int_equal(ocf_coap_get_path(in->request, path, sizeof path), OCF_OK);
  bool secure = in->peer->flags & OCF_EP_SECURE;
  static ocf_rep_node nodes[256];
  const ocf_rep_node *root = NULL;
  if (in->request->payload_len &&
      ocf_rep_decode(in->request->payload, in->request->payload_len, NULL, nodes, 256, &root) != OCF_OK)
    dev_mismatch(d, "payload is not CBOR", path);
  ocf_svr_ctx ctx = {.dos = d->pstat.dos_s, .over_doc = secure, .random = dev_random, .random_ctx = d};
  /* The rollback's reset comes outside the sequence. */
  const ocf_rep_node *dos = ocf_rep_map_value(root, "dos");
  uint64_t s = 99;
  if (strcmp(path, "/oic/sec/pstat") == 0 && ocf_rep_get_uint64(ocf_rep_map_value(dos, "s"), &s) == OCF_OK &&
      s == 0) {
    if (d->silent_reset) {
      d->reset_requested = true;
      ocf_msg_drop(m, in->handle);
      return;
    }
    if (d->reset_code) {
      static const char diag[] = "reset refused by the test";
      respond(m, in, d->reset_code, (const uint8_t *)diag, sizeof diag - 1, false);
      return;
    }
    ocf_err err = apply_post(d, path, root, &ctx, in->peer);
    respond(m, in, err ? OCF_COAP_BAD_REQUEST : OCF_COAP_CHANGED, NULL, 0, false);
    if (!err) dev_reset(d);
    return;
  }
  /* Plain GET doxm: anyone may read it in RFOTM, nobody afterwards (digest §3.3). It opens the
   * sequence of a new onboarding after a reset; otherwise, once the sequence began, it is a
   * read outside it (recovery's probe, or discovery before onboarding again). */
  if (!secure && in->request->code == OCF_COAP_GET && strcmp(path, "/oic/sec/doxm") == 0) {
    if (d->pstat.dos_s != OCF_DOS_RFOTM) {
      respond(m, in, OCF_COAP_UNAUTHORIZED, NULL, 0, false);
      return;
    }
    if (d->fresh) d->idx = 0;
    d->fresh = false;
    if (d->idx > 0) {
      uint8_t buf[512];
      ocf_rep_enc e;
      ocf_rep_enc_init(&e, buf, sizeof buf);
      ocf_svr_doxm_encode(&d->doxm, 0, &e);
      size_t len;
      assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
      respond(m, in, OCF_COAP_CONTENT, buf, len, true);
      return;
    }
  }
  const expected *seq = d->splitting ? k_seq_split : k_seq;
  size_t n_seq = d->splitting ? N_EXPECTED_SPLIT : N_EXPECTED;
  if (secure && d->idx >= n_seq && d->pstat.dos_s != OCF_DOS_RFOTM) {
    on_owned_request(d, m, in, path, root, &ctx);
    return;
  }
  const expected *x = d->idx < n_seq ? &seq[d->idx] : NULL;
  if (!x || x->method != in->request->code || strcmp(x->path, path) || x->secure != secure) {
    dev_mismatch(d, "not the expected method, path or channel", path);
    respond(m, in, OCF_COAP_BAD_REQUEST, NULL, 0, false);
    return;
  }
  int i = (int)d->idx++;
  save_sample(x->step, in->request);
  if (i == d->fail_at) {
    static const char diag[] = "refused by the test";
    if (d->fail_code)
      respond(m, in, d->fail_code, (const uint8_t *)diag, sizeof diag - 1, false);
    else
      ocf_msg_drop(m, in->handle);
    return;
  }
  if (x->method == OCF_COAP_GET) {
    uint8_t buf[512];
    ocf_rep_enc e;
    ocf_rep_enc_init(&e, buf, sizeof buf);
    ocf_svr_doxm_encode(&d->doxm, 0, &e);
    size_t len;
    assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
    respond(m, in, OCF_COAP_CONTENT, buf, len, true);
    return;
  }
  if (strcmp(path, "/oic/sec/sdi") == 0 && !d->has_sdi) {
    respond(m, in, OCF_COAP_NOT_FOUND, NULL, 0, false);
    return;
  }
  if (d->splitting && x->combined) {
    static const char diag[] = "one property per update, says the test";
    respond(m, in, OCF_COAP_BAD_REQUEST, (const uint8_t *)diag, sizeof diag - 1, false);
    return;
  }
  ocf_err err = root ? apply_post(d, path, root, &ctx, in->peer) : OCF_ERR_MALFORMED;
  respond(m, in, err ? OCF_COAP_BAD_REQUEST : OCF_COAP_CHANGED, NULL, 0, false);
}

static void on_dev_session(void *user, ocf_stack *stack, const ocf_dtls_event *ev) {
  (void)stack;
  tdev *d = user;
  if (d->handshaking && *d->handshaking &&
      (ev->type == OCF_DTLS_EV_ESTABLISHED || ev->type == OCF_DTLS_EV_FAILED))
    --*d->handshaking;
  if (ev->type == OCF_DTLS_EV_ESTABLISHED) {
    d->established++;
    d->last_peer = ev->info->peer;
    if (d->pstat.dos_s == OCF_DOS_RFOTM)
      d->doc_open = true;
    else
      d->owner_sessions++;
    return;
  }
  if (ev->type == OCF_DTLS_EV_FAILED) d->failed_handshakes++;
  /* Digest §3.6: the DOC ending while still in RFOTM (closed, failed, timed out, even a failed
   * handshake) resets the device. */
  bool was_doc = d->doc_open || ev->type == OCF_DTLS_EV_FAILED;
  d->doc_open = false;
  if (was_doc && d->pstat.dos_s == OCF_DOS_RFOTM && d->doxm.oxmsel != OCF_OXM_SELF) dev_reset(d);
}

/* Digest §3.6: a DOC only once oxmsel is set, with the OTM's suites; Random PIN's hint. */
static ocf_err on_dev_accept(void *user, const ocf_endpoint *peer, ocf_dtls_profile *profile) {
  tdev *d = user;
  (void)peer;
  if (d->pstat.dos_s != OCF_DOS_RFOTM) {
    if (d->handshaking && ++*d->handshaking > *d->max_handshaking) *d->max_handshaking = *d->handshaking;
    /* Owned: owner and pairwise PSK sessions (digest §4.1, §8.1), hinting its uuid. */
    ocf_dtls_profile_owned(profile);
    profile->suites[0] = OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256;
    profile->n_suites = 1;
    memcpy(d->hint, d->doxm.deviceuuid.b, 16);
    if (d->foreign_hint) d->hint[0] ^= 0xff;
    profile->psk_hint = (ocf_bytes){d->hint, 16};
    return OCF_OK;
  }
  /* One DOC at a time, and only once oxmsel is set (digest §3.6). */
  if (d->doxm.oxmsel == OCF_OXM_SELF || d->doc_open) return OCF_ERR_DENIED;
  ocf_err err = ocf_dtls_profile_otm(profile, (ocf_oxm)d->doxm.oxmsel);
  if (!err && d->doxm.oxmsel == OCF_OXM_RANDOM_PIN) {
    memcpy(d->hint, "oic.sec.doxm.rdp:", 17);
    memcpy(d->hint + 17, d->doxm.deviceuuid.b, 16);
    if (d->foreign_hint) d->hint[17] ^= 0xff;
    profile->psk_hint = (ocf_bytes){d->hint, sizeof d->hint};
  }
  if (!err && d->doxm.oxmsel == OCF_OXM_MFG_CERT) { /* digest §4.4: its chain, no client cert asked */
    profile->chain = d->mfg_chain;
    profile->n_chain = d->n_mfg_chain;
    profile->private_key = d->mfg_key;
    profile->verify = OCF_DTLS_VERIFY_NONE;
  }
  return err;
}

static ocf_err on_dev_psk(void *user, const ocf_endpoint *peer, const uint8_t *id, size_t id_len,
                          uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  tdev *d = user;
  (void)peer;
  if (d->pstat.dos_s != OCF_DOS_RFOTM) { /* IL: the identity is a uuid naming a PSK credential */
    ocf_uuid u;
    if (id_len != sizeof u.b) return OCF_ERR_NOT_FOUND;
    memcpy(u.b, id, sizeof u.b);
    const ocf_svr_cred_entry *c = ocf_svr_cred_find_psk(&d->cred, &u);
    if (!c || c->private_len > OCF_DTLS_PSK_MAX) return OCF_ERR_NOT_FOUND;
    memcpy(key, c->private_data, c->private_len);
    *key_len = c->private_len;
    return OCF_OK;
  }
  if (d->doxm.oxmsel != OCF_OXM_RANDOM_PIN || id_len != 16 || memcmp(id, "oic.sec.doxm.rdp", 16))
    return OCF_ERR_NOT_FOUND;
  *key_len = OCF_PIN_PSK_LEN;
  return ocf_derive_pin_psk(d->pin, strlen(d->pin), &d->doxm.deviceuuid, key);
}

/* --- the world: the OBT, its store, devices ------------------------------------------------- */

ocf_obt_wall_ms wall_now(void *user) {
  world *w = user;
  return w->wall += 1000;
}

void on_event(void *user, const ocf_obt_onboard_event *ev) {
  world *w = user;
  if (ev->type == OCF_OBT_EV_ALL_DONE) {
    w->all_done = true;
    w->n_owned = ev->n_owned;
    w->n_failed = ev->n_failed;
    return;
  }
  assert_true(ev->job < w->n_dev);
  outcome *o = &w->out[ev->job];
  if (ev->type == OCF_OBT_EV_STEP) w->steps_seen++;
  if (ev->type == OCF_OBT_EV_PIN_NEEDED) {
    w->pins_asked++;
    const char *pin = w->pin_to_give ? w->pin_to_give : "";
    assert_int_equal(ocf_obt_onboard_pin(w->obt, ev->job, pin, strlen(pin), ev->now), OCF_OK);
  }
  if (ev->type != OCF_OBT_EV_OWNED && ev->type != OCF_OBT_EV_FAILED) return;
  assert_int_equal(o->type, 0); /* one final event per job */
  o->type = ev->type;
  o->uuid = ev->uuid;
  o->otm = ev->otm;
  o->requests = ev->requests;
  if (ev->failure) {
    snprintf(o->step, sizeof o->step, "%s", ev->failure->step);
    snprintf(o->request, sizeof o->request, "%s", ev->failure->request);
    snprintf(o->diagnostic, sizeof o->diagnostic, "%s", ev->failure->diagnostic);
    o->code = ev->failure->code;
    o->err = ev->failure->err;
    o->uncertain = ev->failure->uncertain;
    o->has_advice = ev->failure->advice && ev->failure->advice[0];
  }
}

ocf_endpoint ep6(uint8_t last, uint16_t port, uint8_t flags) {
  ocf_endpoint ep = {.family = OCF_IPV6, .port = port, .flags = flags};
  ep.addr[0] = 0x20;
  ep.addr[1] = 0x01;
  ep.addr[2] = 0x0d;
  ep.addr[3] = 0xb8;
  ep.addr[15] = last;
  return ep;
}

void add_device(world *w, const uint32_t *oxms, size_t n_oxms, const char *pin) {
  size_t i = w->n_dev++;
  tdev *d = &w->dev[i];
  ocf_sim_platform_init(&d->sp, 100 + i);
  d->sp.quiet = true;
  d->ep = ep6((uint8_t)(0x10 + i), 5684, 0);
  d->fail_at = -1;
  d->has_sdi = true;
  d->pin = pin;
  assert_true(n_oxms <= sizeof d->oxms / sizeof d->oxms[0]);
  memcpy(d->oxms, oxms, n_oxms * sizeof *oxms);
  d->n_oxms = n_oxms;
  assert_int_equal(d->sp.pf.random(d->sp.pf.ctx, d->first_uuid.b, 16), OCF_OK);
  assert_int_equal(ocf_svr_doxm_init(&d->doxm, oxms, n_oxms, 9, &d->first_uuid), OCF_OK);
  ocf_svr_pstat_init(&d->pstat);
  ocf_svr_cred_clear(&d->cred);
  ocf_svr_acl2_clear(&d->acl2);
  ocf_svr_sdi_init(&d->sdi);
  ocf_stack_config c;
  ocf_stack_config_default(&c);
  c.dtls.server = true;
  ocf_stack_callbacks cbs = {
      .user = d, .on_session = on_dev_session, .accept = on_dev_accept, .psk_lookup = on_dev_psk};
  assert_int_equal(ocf_stack_create(&d->sp.pf, &c, &cbs, &d->stack), OCF_OK);
  ocf_msg_set_request_handler(ocf_stack_msg(d->stack), on_dev_request, d);
  d->node = ocf_sim_add_node(w->net, ocf_stack_engine(d->stack));
  assert_true(d->node >= 0);
  ocf_sim_node_add_addr(w->net, d->node, &d->ep);
  ocf_obt_onboard_device *t = &w->targets[i];
  memset(t, 0, sizeof *t);
  t->uuid = d->first_uuid;
  t->coap = d->ep;
  t->coaps = ep6((uint8_t)(0x10 + i), 5684, OCF_EP_SECURE);
  snprintf(t->name, sizeof t->name, "lamp %zu", i);
  snprintf(t->type, sizeof t->type, "oic.d.light");
}

void target_discovered(world *w) {
  tdev *d = &w->dev[w->n_dev - 1];
  ocf_obt_onboard_device *t = &w->targets[w->n_dev - 1];
  t->has_doxm = true;
  memcpy(t->oxms, d->oxms, d->n_oxms * sizeof *d->oxms);
  t->n_oxms = d->n_oxms;
  d->discovered = true;
  d->idx = 1; /* S003 5.3.1 step 1 was the multicast answer: no unicast GET doxm */
}

void world_init(world *w, uint64_t seed, size_t max_jobs, size_t max_handshakes, const char *policy) {
  memset(w, 0, sizeof *w);
  w->net = ocf_sim_net_new(seed, T_START);
  ocf_sim_platform_init(&w->sp, seed);
  w->sp.quiet = true;
  memcpy(w->root, "/tmp/ocf-onboard-XXXXXX", sizeof "/tmp/ocf-onboard-XXXXXX");
  assert_non_null(mkdtemp(w->root));
  snprintf(w->db, sizeof w->db, "%s/domain.db", w->root);
  assert_int_equal(ocf_posix_private_file_prepare(w->db, true, &w->sp.pf, NULL), OCF_OK);
  static const uint8_t key[OCF_OBT_DOMAIN_KEY_LEN] = WORLD_KEY;
  ocf_obt_store_key k = {.kind = OCF_OBT_KEY_FILE, .secret = key, .len = sizeof key};
  ocf_obt_domain d = {.priv = false};
  snprintf(d.name, sizeof d.name, "Lab");
  snprintf(d.otm_policy, sizeof d.otm_policy, "%s", policy);
  assert_int_equal(ocf_obt_store_create(w->db, &d, &k, false, 1, &w->sp.pf, &w->store), OCF_OK);
  assert_int_equal(ocf_obt_store_domain_get(w->store, &w->domain), OCF_OK);
  ocf_obt_config cfg;
  ocf_obt_config_init(&cfg);
  w->max_jobs = max_jobs;
  w->max_handshakes = max_handshakes;
  cfg.max_jobs = max_jobs;
  cfg.max_handshakes = max_handshakes;
  cfg.step_timeout_ms = 10000;
  assert_int_equal(ocf_obt_create(&w->sp.pf, &cfg, &w->obt), OCF_OK);
  w->obt_ep = ep6(0x01, 40001, 0);
  w->obt_node = ocf_sim_add_node(w->net, ocf_obt_engine(w->obt));
  assert_true(w->obt_node >= 0);
  ocf_sim_node_add_addr(w->net, w->obt_node, &w->obt_ep);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

void world_free(world *w) {
  ocf_obt_destroy(w->obt);
  for (size_t i = 0; i < w->n_dev; i++) {
    ocf_stack_destroy(w->dev[i].stack);
    assert_int_equal(w->dev[i].sp.live, 0);
  }
  ocf_obt_store_close(w->store);
  assert_int_equal(w->sp.live, 0); /* the engine's and the store's */
  nftw(w->root, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
  ocf_sim_net_free(w->net);
}

bool done(void *user) { return ((world *)user)->all_done; }

void run(world *w) {
  ocf_obt_onboard_params p = {.store = w->store,
                              .devices = w->targets,
                              .n_devices = w->n_dev,
                              .wall_now = wall_now,
                              .on_event = on_event,
                              .user = w};
  assert_int_equal(ocf_obt_onboard(w->obt, &p, ocf_sim_now(w->net)), OCF_OK);
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, done, w, 600000));
  assert_false(ocf_obt_onboarding(w->obt));
}

/* --- what the store holds ------------------------------------------------------------------- */

bool each_step(void *user, const ocf_obt_step_record *st) {
  steps_seen *s = user;
  if (s->n < 32) {
    snprintf(s->names[s->n], sizeof s->names[0], "%s", st->name);
    s->status[s->n] = st->status;
    s->response[s->n] = st->response;
    s->n++;
  }
  return true;
}

void assert_owned(world *w, size_t i) {
  tdev *d = &w->dev[i];
  outcome *o = &w->out[i];
  assert_string_equal(d->mismatch, "");
  assert_int_equal(o->type, OCF_OBT_EV_OWNED);
  assert_int_equal(d->idx, d->splitting ? N_EXPECTED_SPLIT : N_EXPECTED);
  assert_int_equal(o->requests, (d->splitting ? N_EXPECTED_SPLIT : N_EXPECTED) - d->discovered);
  /* The device: RFPRO, owned by us, its new uuid, our domain. */
  assert_int_equal(d->pstat.dos_s, OCF_DOS_RFPRO);
  assert_true(d->doxm.owned);
  assert_true(ocf_uuid_equal(&d->doxm.devowneruuid, &w->domain.tool_uuid));
  assert_true(ocf_uuid_equal(&d->doxm.rowneruuid, &w->domain.tool_uuid));
  assert_true(ocf_uuid_equal(&d->pstat.rowneruuid, &w->domain.tool_uuid));
  assert_true(ocf_uuid_equal(&d->acl2.rowneruuid, &w->domain.tool_uuid));
  assert_true(ocf_uuid_equal(&d->cred.rowneruuid, &w->domain.tool_uuid));
  assert_true(ocf_uuid_equal(&d->doxm.deviceuuid, &o->uuid));
  assert_false(ocf_uuid_equal(&o->uuid, &d->first_uuid));
  assert_int_equal(d->pstat.om, 4);
  if (d->has_sdi) {
    assert_true(ocf_uuid_equal(&d->sdi.uuid, &w->domain.sdi_uuid));
    assert_string_equal(d->sdi.name, w->domain.name);
  }
  /* The store: the device under its new uuid, owned, with the same owner PSK as the device. */
  ocf_obt_device_record r;
  assert_int_equal(ocf_obt_store_device_get(w->store, &o->uuid, &r), OCF_OK);
  assert_int_equal(r.state, OCF_OBT_DEVICE_OWNED);
  assert_true(ocf_uuid_equal(&r.original_uuid, &d->first_uuid));
  assert_int_equal(ocf_obt_store_device_get(w->store, &d->first_uuid, &r), OCF_ERR_NOT_FOUND);
  uint8_t psk[64];
  size_t len = 0;
  assert_true(d->has_owner_psk);
  assert_int_equal(ocf_obt_store_secret_get(w->store, &o->uuid, "owner-psk", psk, sizeof psk, &len), OCF_OK);
  assert_int_equal(len, OCF_OWNER_PSK_LEN);
  assert_memory_equal(psk, d->owner_psk, len);
  steps_seen s = {0};
  assert_int_equal(ocf_obt_store_step_list(w->store, &o->uuid, each_step, &s), OCF_OK);
  /* A discovered doxm leaves out get-doxm; a splitting device's rows: test_obt_onboard. */
  size_t first = d->discovered;
  if (!d->splitting) assert_int_equal(s.n, N_STORE_STEPS - first);
  for (size_t k = 0; k < s.n; k++) {
    if (!d->splitting) assert_string_equal(s.names[k], k_store_steps[k + first]);
    assert_int_equal(s.status[k], OCF_OBT_STEP_DONE);
  }
}

/* After a failure: nothing half-claimed in the store (no owner credential, not owned). */
void assert_not_claimed(world *w, size_t i) {
  const outcome *o = &w->out[i];
  ocf_obt_device_record r;
  assert_int_equal(ocf_obt_store_device_get(w->store, &o->uuid, &r), OCF_OK);
  assert_int_equal(r.state, OCF_OBT_DEVICE_FAILED);
  uint8_t psk[64];
  size_t len;
  assert_int_equal(ocf_obt_store_secret_get(w->store, &o->uuid, "owner-psk", psk, sizeof psk, &len),
                   OCF_ERR_NOT_FOUND);
  steps_seen s = {0};
  assert_int_equal(ocf_obt_store_step_list(w->store, &o->uuid, each_step, &s), OCF_OK);
  assert_true(s.n > 0);
  assert_string_equal(s.names[s.n - 1], o->step);
  assert_int_equal(s.status[s.n - 1], OCF_OBT_STEP_FAILED);
  for (size_t k = 0; k + 1 < s.n; k++) assert_int_equal(s.status[k], OCF_OBT_STEP_DONE);
}

void dev_drop_session(world *w, size_t i) {
  tdev *d = &w->dev[i];
  (void)ocf_stack_close(d->stack, &d->last_peer, ocf_sim_now(w->net));
  ocf_sim_flush(w->net);
}
