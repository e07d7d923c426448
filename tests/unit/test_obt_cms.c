/* Pairwise keys (src/obt/cms_pair.c, <ocf/ocf_obt_cms.h>): the step functions fed hostile
 * answers directly (wrong codes, malformed CBOR, a device without credtype 1 in sct, tables too
 * large), the cred reader, and whole pairings over owner sessions to onboarded scripted devices
 * (obt_world.c): both devices hold the same key for each other, the store records credids and
 * never the key, a failing second device leaves no half pairing, re-pairing replaces the key,
 * unpairing removes both entries. */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ocf/ocf_obt_cms.h>

#include "obt/cms_pair.h"
#include "obt_world.h"
#include "rep/rep.h"

static const ocf_uuid k_self = {{0xa0, 1, 2, 3, 4, 5, 0x46, 7, 0x88, 9, 10, 11, 12, 13, 14, 15}};
static const ocf_uuid k_peer = {{0xb0, 1, 2, 3, 4, 5, 0x46, 7, 0x88, 9, 10, 11, 12, 13, 14, 15}};
static const ocf_uuid k_tool = {{0xc0, 1, 2, 3, 4, 5, 0x46, 7, 0x88, 9, 10, 11, 12, 13, 14, 15}};
static const uint8_t k_key[OCF_OBT_PAIR_KEY_LEN] = {0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
                                                    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};

/* --- building answers ----------------------------------------------------------------------- */

typedef struct answer {
  uint8_t buf[16384];
  ocf_obt_prov_response rsp;
} answer;

static const ocf_obt_prov_response *doxm_answer(answer *a, uint16_t code, int64_t sct, bool owned,
                                                const ocf_uuid *uuid) {
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, a->buf, sizeof a->buf);
  ocf_rep_enc_map_open(&e);
  if (sct >= 0) {
    ocf_rep_enc_key(&e, "sct");
    ocf_rep_enc_uint(&e, (uint64_t)sct);
  }
  ocf_rep_enc_key(&e, "owned");
  ocf_rep_enc_bool(&e, owned);
  ocf_rep_enc_key(&e, "deviceuuid");
  ocf_rep_enc_uuid(&e, uuid);
  ocf_rep_enc_map_close(&e);
  size_t len = 0;
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
  a->rsp = (ocf_obt_prov_response){.code = code, .payload = a->buf, .len = len};
  return &a->rsp;
}

typedef struct entry {
  uint32_t credid;
  uint16_t credtype;
  const ocf_uuid *subject; /* NULL: "*" */
  const char *usage;
} entry;

static const ocf_obt_prov_response *cred_answer(answer *a, uint16_t code, const entry *v, size_t n) {
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, a->buf, sizeof a->buf);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_key(&e, "creds");
  ocf_rep_enc_array_open(&e);
  for (size_t i = 0; i < n; i++) {
    ocf_rep_enc_map_open(&e);
    ocf_rep_enc_key(&e, "credid");
    ocf_rep_enc_uint(&e, v[i].credid);
    ocf_rep_enc_key(&e, "credtype");
    ocf_rep_enc_uint(&e, v[i].credtype);
    ocf_rep_enc_key(&e, "subjectuuid");
    if (v[i].subject)
      ocf_rep_enc_uuid(&e, v[i].subject);
    else
      ocf_rep_enc_text(&e, "*");
    if (v[i].usage) {
      ocf_rep_enc_key(&e, "credusage");
      ocf_rep_enc_text(&e, v[i].usage);
    }
    ocf_rep_enc_key(&e, "privatedata");
    ocf_rep_enc_map_open(&e);
    ocf_rep_enc_key(&e, "data");
    ocf_rep_enc_bytes(&e, "", 0);
    ocf_rep_enc_key(&e, "encoding");
    ocf_rep_enc_text(&e, "oic.sec.encoding.raw");
    ocf_rep_enc_map_close(&e);
    ocf_rep_enc_map_close(&e);
  }
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_key(&e, "rowneruuid");
  ocf_rep_enc_uuid(&e, &k_tool);
  ocf_rep_enc_map_close(&e);
  size_t len = 0;
  assert_int_equal(ocf_rep_enc_finish(&e, &len), OCF_OK);
  a->rsp = (ocf_obt_prov_response){.code = code, .payload = a->buf, .len = len};
  return &a->rsp;
}

static const ocf_obt_prov_response *raw_answer(answer *a, uint16_t code, const void *p, size_t len) {
  if (len) memcpy(a->buf, p, len);
  a->rsp = (ocf_obt_prov_response){.code = code, .payload = a->buf, .len = len};
  return &a->rsp;
}

static ocf_obt_prov_next step(obt_pair_step *s, const ocf_obt_prov_response *rsp, ocf_obt_prov_request *req,
                              ocf_obt_prov_failure *f) {
  memset(req, 0, sizeof *req);
  memset(f, 0, sizeof *f);
  return obt_pair_step_fn(s, rsp, req, f);
}

/* --- CHECK: doxm.sct (OBT 5.3.1 step 11, issue 6 item 7) ------------------------------------ */

static ocf_obt_prov_next check_with(const ocf_obt_prov_response *rsp, ocf_obt_prov_failure *f) {
  obt_pair_step s;
  obt_pair_step_init(&s, OBT_PAIR_CHECK, &k_self, &k_peer, NULL);
  ocf_obt_prov_request req;
  assert_int_equal(step(&s, NULL, &req, f), OCF_OBT_PROV_SEND);
  assert_int_equal(req.method, 1);
  assert_string_equal(req.href, "/oic/sec/doxm");
  assert_null(req.body);
  return step(&s, rsp, &req, f);
}

static void test_check_accepts_a_device_with_credtype_1(void **state) {
  (void)state;
  answer a;
  ocf_obt_prov_failure f;
  assert_int_equal(check_with(doxm_answer(&a, 205, 9, true, &k_self), &f), OCF_OBT_PROV_DONE);
  assert_int_equal(check_with(doxm_answer(&a, 205, 1, true, &k_self), &f), OCF_OBT_PROV_DONE);
}

static void test_check_refuses_a_device_without_credtype_1(void **state) {
  (void)state;
  answer a;
  ocf_obt_prov_failure f;
  assert_int_equal(check_with(doxm_answer(&a, 205, 8, true, &k_self), &f), OCF_OBT_PROV_FAIL);
  assert_string_equal(f.stage, "credential types");
  assert_int_equal(f.err, OCF_ERR_UNSUPPORTED);
  assert_non_null(strstr(f.diagnostic, "cannot hold a symmetric pair-wise key"));
  assert_non_null(strstr(f.diagnostic, "sct is 8"));
  assert_non_null(strstr(f.advice, "certificates"));
  assert_int_equal(check_with(doxm_answer(&a, 205, 0, true, &k_self), &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(f.err, OCF_ERR_UNSUPPORTED);
  assert_null(strstr(f.advice, "certificates"));
}

static void test_check_rejects_hostile_doxm_answers(void **state) {
  (void)state;
  answer a;
  ocf_obt_prov_failure f;
  /* An error code with a diagnostic: passed on, made printable. */
  assert_int_equal(check_with(raw_answer(&a, 401, "go\naway", 7), &f), OCF_OBT_PROV_FAIL);
  assert_string_equal(f.stage, "read doxm");
  assert_int_equal(f.code, 401);
  assert_int_equal(f.err, OCF_ERR_DENIED);
  assert_string_equal(f.diagnostic, "go?away");
  /* 2.04 to a GET, garbage, no sct, sct out of range, another uuid, not owned. */
  assert_int_equal(check_with(doxm_answer(&a, 204, 9, true, &k_self), &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(f.err, OCF_ERR_MALFORMED);
  static const uint8_t garbage[] = {0xa1, 0x63, 's', 'c'};
  assert_int_equal(check_with(raw_answer(&a, 205, garbage, sizeof garbage), &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(f.err, OCF_ERR_MALFORMED);
  assert_int_equal(check_with(raw_answer(&a, 205, NULL, 0), &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(f.err, OCF_ERR_MALFORMED);
  assert_int_equal(check_with(doxm_answer(&a, 205, -1, true, &k_self), &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(f.err, OCF_ERR_MALFORMED);
  assert_int_equal(check_with(doxm_answer(&a, 205, 4096 + 1, true, &k_self), &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(f.err, OCF_ERR_MALFORMED);
  assert_int_equal(check_with(doxm_answer(&a, 205, 9, true, &k_peer), &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(f.err, OCF_ERR_STATE);
  assert_int_equal(check_with(doxm_answer(&a, 205, 9, false, &k_self), &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(f.err, OCF_ERR_STATE);
  static const uint8_t array[] = {0x81, 0x01};
  assert_int_equal(check_with(raw_answer(&a, 205, array, sizeof array), &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(f.err, OCF_ERR_MALFORMED);
}

/* --- WRITE ---------------------------------------------------------------------------------- */

/* Digest §6.6's body: one entry, subject the peer, credtype 1, the key raw in privatedata. */
static void assert_post_body(const ocf_obt_prov_request *req) {
  assert_int_equal(req->method, 2);
  assert_string_equal(req->href, "/oic/sec/cred");
  ocf_rep_node nodes[32];
  const ocf_rep_node *root = NULL;
  assert_int_equal(ocf_rep_decode(req->body, req->len, NULL, nodes, 32, &root), OCF_OK);
  assert_int_equal(root->count, 1); /* no rowneruuid: read-only in RFPRO */
  const ocf_rep_node *creds = ocf_rep_map_value(root, "creds");
  assert_non_null(creds);
  assert_int_equal(creds->count, 1);
  const ocf_rep_node *c = ocf_rep_first(creds);
  ocf_uuid u;
  uint64_t credtype = 0;
  assert_int_equal(ocf_rep_get_uuid(ocf_rep_map_value(c, "subjectuuid"), &u), OCF_OK);
  assert_true(ocf_uuid_equal(&u, &k_peer));
  assert_int_equal(ocf_rep_get_uint64(ocf_rep_map_value(c, "credtype"), &credtype), OCF_OK);
  assert_int_equal(credtype, 1);
  assert_null(ocf_rep_map_value(c, "credid"));
  const ocf_rep_node *pd = ocf_rep_map_value(c, "privatedata");
  ocf_bytes data;
  assert_int_equal(ocf_rep_get_bytes(ocf_rep_map_value(pd, "data"), &data), OCF_OK);
  assert_int_equal(data.len, sizeof k_key);
  assert_memory_equal(data.ptr, k_key, sizeof k_key);
  ocf_rep_str enc;
  assert_int_equal(ocf_rep_get_text(ocf_rep_map_value(pd, "encoding"), &enc), OCF_OK);
  assert_true(ocf_rep_str_eq(enc, "oic.sec.encoding.raw"));
}

static bool all_zero(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i]) return false;
  return true;
}

static void test_write_replaces_older_keys_posts_and_reads_the_credid_back(void **state) {
  (void)state;
  obt_pair_step s;
  obt_pair_step_init(&s, OBT_PAIR_WRITE, &k_self, &k_peer, k_key);
  ocf_obt_prov_request req;
  ocf_obt_prov_failure f;
  answer a;
  assert_int_equal(step(&s, NULL, &req, &f), OCF_OBT_PROV_SEND);
  assert_int_equal(req.method, 1);
  assert_string_equal(req.href, "/oic/sec/cred");
  /* The owner credential (subject: the tool), a certificate for the peer, and an older PSK for
   * the peer: only the last goes. */
  entry before[] = {{7, 1, &k_tool, NULL},
                    {8, 8, &k_peer, "oic.sec.cred.cert"},
                    {9, 1, &k_peer, NULL},
                    {10, 8, NULL, "oic.sec.cred.trustca"}};
  assert_int_equal(step(&s, cred_answer(&a, 205, before, 4), &req, &f), OCF_OBT_PROV_SEND);
  assert_int_equal(req.method, 4);
  assert_string_equal(req.href, "/oic/sec/cred?credid=9");
  assert_int_equal(step(&s, raw_answer(&a, 202, NULL, 0), &req, &f), OCF_OBT_PROV_SEND);
  assert_post_body(&req);
  assert_true(s.post_sent);
  assert_int_equal(step(&s, raw_answer(&a, 204, NULL, 0), &req, &f), OCF_OBT_PROV_SEND);
  assert_true(all_zero(s.body, sizeof s.body)); /* the key's copy is gone once answered */
  assert_int_equal(req.method, 1);
  assert_string_equal(req.href, "/oic/sec/cred");
  entry after[] = {{7, 1, &k_tool, NULL}, {8, 8, &k_peer, "oic.sec.cred.cert"}, {1234567, 1, &k_peer, NULL}};
  assert_int_equal(step(&s, cred_answer(&a, 205, after, 3), &req, &f), OCF_OBT_PROV_DONE);
  assert_int_equal(s.credid, 1234567);
  assert_int_equal(s.removed, 1);
}

static void test_write_fails_on_hostile_answers(void **state) {
  (void)state;
  obt_pair_step s;
  ocf_obt_prov_request req;
  ocf_obt_prov_failure f;
  answer a;
  entry none[1] = {{0}}; /* never read (n = 0); gcc -O2 cannot tell */
  /* The POST refused (RFNOP, digest §3.3): the device's code and diagnostic; the key wiped. */
  obt_pair_step_init(&s, OBT_PAIR_WRITE, &k_self, &k_peer, k_key);
  assert_int_equal(step(&s, NULL, &req, &f), OCF_OBT_PROV_SEND);
  assert_int_equal(step(&s, cred_answer(&a, 205, none, 0), &req, &f), OCF_OBT_PROV_SEND);
  assert_int_equal(req.method, 2);
  assert_int_equal(step(&s, raw_answer(&a, 400, "dos", 3), &req, &f), OCF_OBT_PROV_FAIL);
  assert_string_equal(f.stage, "post cred");
  assert_int_equal(f.code, 400);
  assert_string_equal(f.diagnostic, "dos");
  assert_non_null(strstr(f.advice, "RFPRO"));
  assert_true(all_zero(s.body, sizeof s.body));
  /* Accepted, but the entry is not there afterwards (or only the old one). */
  obt_pair_step_init(&s, OBT_PAIR_WRITE, &k_self, &k_peer, k_key);
  entry old[] = {{5, 1, &k_peer, NULL}};
  assert_int_equal(step(&s, NULL, &req, &f), OCF_OBT_PROV_SEND);
  assert_int_equal(step(&s, cred_answer(&a, 205, old, 1), &req, &f), OCF_OBT_PROV_SEND);
  assert_int_equal(step(&s, raw_answer(&a, 404, NULL, 0), &req, &f), OCF_OBT_PROV_SEND); /* gone: fine */
  assert_int_equal(step(&s, raw_answer(&a, 204, NULL, 0), &req, &f), OCF_OBT_PROV_SEND);
  assert_int_equal(step(&s, cred_answer(&a, 205, old, 1), &req, &f), OCF_OBT_PROV_FAIL);
  assert_string_equal(f.stage, "read back cred");
  assert_int_equal(f.err, OCF_ERR_NOT_FOUND);
  /* The first list malformed; an error code; the DELETE refused. */
  obt_pair_step_init(&s, OBT_PAIR_WRITE, &k_self, &k_peer, k_key);
  assert_int_equal(step(&s, NULL, &req, &f), OCF_OBT_PROV_SEND);
  static const uint8_t no_creds[] = {0xa1, 0x61, 'x', 0x01};
  assert_int_equal(step(&s, raw_answer(&a, 205, no_creds, sizeof no_creds), &req, &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(f.err, OCF_ERR_MALFORMED);
  assert_false(s.post_sent);
  obt_pair_step_init(&s, OBT_PAIR_WRITE, &k_self, &k_peer, k_key);
  assert_int_equal(step(&s, NULL, &req, &f), OCF_OBT_PROV_SEND);
  assert_int_equal(step(&s, raw_answer(&a, 500, NULL, 0), &req, &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(f.code, 500);
  obt_pair_step_init(&s, OBT_PAIR_WRITE, &k_self, &k_peer, k_key);
  assert_int_equal(step(&s, NULL, &req, &f), OCF_OBT_PROV_SEND);
  assert_int_equal(step(&s, cred_answer(&a, 205, old, 1), &req, &f), OCF_OBT_PROV_SEND);
  assert_int_equal(step(&s, raw_answer(&a, 403, NULL, 0), &req, &f), OCF_OBT_PROV_FAIL);
  assert_string_equal(f.stage, "delete cred");
  assert_int_equal(f.err, OCF_ERR_DENIED);
  assert_false(s.post_sent);
  /* More keys for the peer than we delete one by one. */
  obt_pair_step_init(&s, OBT_PAIR_WRITE, &k_self, &k_peer, k_key);
  entry many[OBT_PAIR_IDS_MAX + 1];
  for (size_t i = 0; i < OBT_PAIR_IDS_MAX + 1; i++) many[i] = (entry){(uint32_t)(i + 1), 1, &k_peer, NULL};
  assert_int_equal(step(&s, NULL, &req, &f), OCF_OBT_PROV_SEND);
  assert_int_equal(step(&s, cred_answer(&a, 205, many, OBT_PAIR_IDS_MAX + 1), &req, &f), OCF_OBT_PROV_FAIL);
  assert_int_equal(f.err, OCF_ERR_TOO_LARGE);
}

static void test_remove_deletes_every_key_for_the_peer(void **state) {
  (void)state;
  obt_pair_step s;
  obt_pair_step_init(&s, OBT_PAIR_REMOVE, &k_self, &k_peer, NULL);
  ocf_obt_prov_request req;
  ocf_obt_prov_failure f;
  answer a;
  assert_int_equal(step(&s, NULL, &req, &f), OCF_OBT_PROV_SEND);
  entry v[] = {{3, 1, &k_peer, NULL}, {4, 1, &k_tool, NULL}, {5, 1, &k_peer, NULL}, {6, 2, &k_peer, NULL}};
  assert_int_equal(step(&s, cred_answer(&a, 205, v, 4), &req, &f), OCF_OBT_PROV_SEND);
  assert_string_equal(req.href, "/oic/sec/cred?credid=3");
  assert_int_equal(step(&s, raw_answer(&a, 202, NULL, 0), &req, &f), OCF_OBT_PROV_SEND);
  assert_string_equal(req.href, "/oic/sec/cred?credid=5");
  assert_int_equal(step(&s, raw_answer(&a, 202, NULL, 0), &req, &f), OCF_OBT_PROV_DONE);
  assert_int_equal(s.removed, 2);
  /* Nothing to remove: done after the read. */
  obt_pair_step_init(&s, OBT_PAIR_REMOVE, &k_self, &k_peer, NULL);
  assert_int_equal(step(&s, NULL, &req, &f), OCF_OBT_PROV_SEND);
  assert_int_equal(step(&s, cred_answer(&a, 205, v + 1, 1), &req, &f), OCF_OBT_PROV_DONE);
  assert_int_equal(s.removed, 0);
}

/* --- the cred reader ------------------------------------------------------------------------ */

static void test_creds_parse_reads_entries_and_refuses_malformed_ones(void **state) {
  (void)state;
  answer a;
  entry v[] = {{1, 1, &k_tool, NULL}, {2, 8, NULL, "oic.sec.cred.trustca"}, {3, 8, &k_self, "weird"}};
  const ocf_obt_prov_response *r = cred_answer(&a, 205, v, 3);
  ocf_obt_creds_read c;
  assert_int_equal(ocf_obt_creds_parse(r->payload, r->len, &c), OCF_OK);
  assert_int_equal(c.n, 3);
  assert_false(c.truncated);
  assert_true(ocf_uuid_equal(&c.entries[0].subject, &k_tool));
  assert_int_equal(c.entries[0].credtype, 1);
  assert_string_equal(c.entries[0].usage, "");
  assert_true(c.entries[1].subject_any);
  assert_string_equal(c.entries[1].usage, "oic.sec.cred.trustca");
  assert_string_equal(c.entries[2].usage, "?");
  assert_string_equal(ocf_obt_credtype_name(1), "psk");
  assert_string_equal(ocf_obt_credtype_name(8), "cert");
  assert_string_equal(ocf_obt_credtype_name(3), "?");
  /* More entries than we keep: the first OCF_OBT_CREDS_MAX, flagged. */
  static entry many[OCF_OBT_CREDS_MAX + 2];
  for (size_t i = 0; i < OCF_OBT_CREDS_MAX + 2; i++) many[i] = (entry){(uint32_t)(i + 1), 1, &k_peer, NULL};
  static answer big;
  r = cred_answer(&big, 205, many, OCF_OBT_CREDS_MAX + 2);
  assert_int_equal(ocf_obt_creds_parse(r->payload, r->len, &c), OCF_OK);
  assert_int_equal(c.n, OCF_OBT_CREDS_MAX);
  assert_true(c.truncated);
  /* An entry without credid; a bad subject; not a map; truncated CBOR. */
  static const uint8_t no_id[] = {0xa1, 0x65, 'c', 'r', 'e', 'd', 's', 0x81, 0xa1, 0x68,
                                  'c',  'r',  'e', 'd', 't', 'y', 'p', 'e',  0x01};
  assert_int_equal(ocf_obt_creds_parse(no_id, sizeof no_id, &c), OCF_ERR_MALFORMED);
  assert_int_equal(c.n, 0);
  entry bad_subject_ok[] = {{1, 1, &k_tool, NULL}};
  r = cred_answer(&a, 205, bad_subject_ok, 1);
  uint8_t copy[512];
  memcpy(copy, r->payload, r->len);
  uint8_t *at = memmem(copy, r->len, "c0010203", 8);
  assert_non_null(at);
  at[0] = 'x'; /* not a uuid any more */
  assert_int_equal(ocf_obt_creds_parse(copy, r->len, &c), OCF_ERR_MALFORMED);
  static const uint8_t arr[] = {0x80};
  assert_int_equal(ocf_obt_creds_parse(arr, sizeof arr, &c), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_obt_creds_parse(r->payload, r->len - 3, &c), OCF_ERR_MALFORMED);
}

/* --- whole pairings against scripted devices ------------------------------------------------ */

static const uint32_t k_jw[] = {0};

typedef struct pair_ctx {
  world *w;
  bool done;
  ocf_obt_pair_result r;
  uint8_t key[OCF_OBT_PAIR_KEY_LEN];
} pair_ctx;

static void on_pair_done(void *user, const ocf_obt_pair_result *r) {
  pair_ctx *c = user;
  assert_false(c->done);
  assert_false(ocf_obt_pair_running(c->w->obt));
  c->done = true;
  c->r = *r;
}

static bool pair_over(void *user) { return ((pair_ctx *)user)->done; }
static ocf_obt_wall_ms pair_wall(void *user) { return wall_now(((pair_ctx *)user)->w); }

static ocf_obt_pair_result pair_run(world *w, ocf_obt_pair_action action, uint8_t *key_out) {
  pair_ctx c = {.w = w};
  ocf_obt_pair_params p = {.store = w->store,
                           .action = action,
                           .wall_now = pair_wall,
                           .on_done = on_pair_done,
                           .user = &c,
                           .key_out = key_out};
  for (size_t i = 0; i < 2; i++) p.dev[i] = (ocf_obt_pair_device){w->out[i].uuid, w->targets[i].coaps};
  assert_int_equal(ocf_obt_pair(w->obt, &p, ocf_sim_now(w->net)), OCF_OK);
  assert_int_equal(ocf_obt_pair(w->obt, &p, ocf_sim_now(w->net)), OCF_ERR_BUSY);
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, pair_over, &c, 600000));
  assert_false(ocf_obt_pair_running(w->obt));
  assert_false(ocf_obt_prov_running(w->obt));
  return c.r;
}

static world *two_owned(uint64_t seed) {
  world *w = calloc(1, sizeof *w);
  world_init(w, seed, 4, 2, "jw");
  add_device(w, k_jw, 1, NULL);
  add_device(w, k_jw, 1, NULL);
  run(w);
  assert_owned(w, 0);
  assert_owned(w, 1);
  return w;
}

/* The credtype-1 entries device i holds for device j. */
static size_t psks_for(world *w, size_t i, size_t j, const ocf_svr_cred_entry **first) {
  size_t n = 0;
  *first = NULL;
  const ocf_svr_cred *c = &w->dev[i].cred;
  for (size_t k = 0; k < c->n; k++)
    if (c->e[k].credtype == 1 && !c->e[k].subject_any && ocf_uuid_equal(&c->e[k].subject, &w->out[j].uuid)) {
      if (!n) *first = &c->e[k];
      n++;
    }
  return n;
}

typedef struct audit_scan {
  char last_action[32], last_detail[256];
  const uint8_t *key;
  bool key_seen;
} audit_scan;

static bool scan_audit(void *user, const ocf_obt_audit_record *a) {
  audit_scan *s = user;
  snprintf(s->last_action, sizeof s->last_action, "%s", a->action);
  snprintf(s->last_detail, sizeof s->last_detail, "%s", a->detail);
  char hex[2 * OCF_OBT_PAIR_KEY_LEN + 1];
  for (size_t i = 0; s->key && i < OCF_OBT_PAIR_KEY_LEN; i++) snprintf(hex + 2 * i, 3, "%02x", s->key[i]);
  if (s->key && strstr(a->detail, hex)) s->key_seen = true;
  return true;
}

static void assert_no_pairing(world *w) {
  ocf_obt_pairing_record rec;
  assert_int_equal(ocf_obt_store_pairing_get(w->store, &w->out[0].uuid, &w->out[1].uuid, &rec),
                   OCF_ERR_NOT_FOUND);
}

static void test_pair_gives_both_devices_the_same_key_and_records_credids(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = two_owned(400);
  uint8_t key[OCF_OBT_PAIR_KEY_LEN] = {0};
  ocf_obt_pair_result r = pair_run(w, OCF_OBT_PAIR, key);
  assert_true(r.ok);
  assert_int_equal(r.store_err, OCF_OK);
  const ocf_svr_cred_entry *e0, *e1;
  assert_int_equal(psks_for(w, 0, 1, &e0), 1);
  assert_int_equal(psks_for(w, 1, 0, &e1), 1);
  assert_int_equal(e0->private_len, OCF_OBT_PAIR_KEY_LEN);
  assert_memory_equal(e0->private_data, e1->private_data, OCF_OBT_PAIR_KEY_LEN);
  assert_memory_equal(e0->private_data, key, sizeof key);
  assert_false(all_zero(key, sizeof key));
  assert_int_equal(r.side[0].credid, e0->credid);
  assert_int_equal(r.side[1].credid, e1->credid);
  /* The owner credential is untouched. */
  assert_true(w->dev[0].has_owner_psk);
  assert_int_equal(w->dev[0].cred.n, 2);
  /* The store: the pairing with both credids, an audit entry, nowhere the key. */
  ocf_obt_pairing_record rec;
  assert_int_equal(ocf_obt_store_pairing_get(w->store, &w->out[1].uuid, &w->out[0].uuid, &rec), OCF_OK);
  assert_int_equal(rec.credid_a, e1->credid);
  assert_int_equal(rec.credid_b, e0->credid);
  audit_scan a = {.key = key};
  assert_int_equal(ocf_obt_store_audit_list(w->store, scan_audit, &a), OCF_OK);
  assert_string_equal(a.last_action, "pair");
  assert_non_null(strstr(a.last_detail, "paired"));
  assert_false(a.key_seen);
  FILE *f = fopen(w->db, "rb");
  assert_non_null(f);
  static uint8_t file[1 << 20];
  size_t n = fread(file, 1, sizeof file, f);
  fclose(f);
  assert_null(memmem(file, n, key, sizeof key));

  /* Pairing again replaces the key: still one entry each, a new key. */
  uint8_t key2[OCF_OBT_PAIR_KEY_LEN];
  r = pair_run(w, OCF_OBT_PAIR, key2);
  assert_true(r.ok);
  assert_int_equal(psks_for(w, 0, 1, &e0), 1);
  assert_int_equal(psks_for(w, 1, 0, &e1), 1);
  assert_memory_equal(e0->private_data, key2, sizeof key2);
  assert_memory_equal(e1->private_data, key2, sizeof key2);
  assert_memory_not_equal(key, key2, sizeof key);
  assert_int_equal(r.side[0].removed, 1);

  /* Unpairing removes both entries and the record. */
  r = pair_run(w, OCF_OBT_UNPAIR, NULL);
  assert_true(r.ok);
  assert_int_equal(r.side[0].removed, 1);
  assert_int_equal(r.side[1].removed, 1);
  assert_int_equal(psks_for(w, 0, 1, &e0), 0);
  assert_int_equal(psks_for(w, 1, 0, &e1), 0);
  assert_true(w->dev[0].has_owner_psk);
  assert_int_equal(w->dev[0].cred.n, 1);
  assert_no_pairing(w);
  assert_int_equal(ocf_obt_store_audit_list(w->store, scan_audit, &a), OCF_OK);
  assert_string_equal(a.last_action, "unpair");
  world_free(w);
  free(w);
}

/* Issue 6 item 7: a device whose sct lacks credtype 1: nothing is written to either device. */
/* A device in RFNOP refuses credential writes (digest §3.3): the pairing moves it to RFPRO for
 * its runs and back to RFNOP (ocf_obt_rfpro); the other, in RFPRO, is left as it is. */
static void test_pair_brackets_a_device_in_rfnop(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = two_owned(404);
  ocf_svr_pstat_enter(&w->dev[0].pstat, OCF_DOS_RFNOP);
  uint8_t before = w->dev[1].pstat.dos_s;
  assert_int_not_equal(before, OCF_DOS_RFNOP);
  ocf_obt_pair_result r = pair_run(w, OCF_OBT_PAIR, NULL);
  assert_true(r.ok);
  assert_true(r.side[0].was_rfnop);
  assert_false(r.side[1].was_rfnop);
  const ocf_svr_cred_entry *e0, *e1;
  assert_int_equal(psks_for(w, 0, 1, &e0), 1);
  assert_int_equal(psks_for(w, 1, 0, &e1), 1);
  assert_int_equal(w->dev[0].pstat.dos_s, OCF_DOS_RFNOP);
  assert_int_equal(w->dev[1].pstat.dos_s, before);
  /* unpair brackets too */
  ocf_obt_pair_result u = pair_run(w, OCF_OBT_UNPAIR, NULL);
  assert_true(u.ok);
  assert_true(u.side[0].was_rfnop);
  assert_int_equal(psks_for(w, 0, 1, &e0), 0);
  assert_int_equal(w->dev[0].pstat.dos_s, OCF_DOS_RFNOP);
  world_free(w);
  free(w);
}

static void test_pair_refuses_a_device_without_credtype_1_before_writing(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = two_owned(401);
  w->dev[1].doxm.sct = 8;
  uint8_t key[OCF_OBT_PAIR_KEY_LEN] = {0};
  ocf_obt_pair_result r = pair_run(w, OCF_OBT_PAIR, key);
  assert_false(r.ok);
  assert_false(r.side[1].ok);
  assert_string_equal(r.side[1].failure.stage, "credential types");
  assert_int_equal(r.side[1].failure.err, OCF_ERR_UNSUPPORTED);
  assert_false(r.side[0].ok);
  assert_string_equal(r.side[0].failure.stage, "peer failed");
  assert_int_equal(w->dev[0].owned_requests, 1); /* the doxm read only */
  assert_int_equal(w->dev[1].owned_requests, 1);
  const ocf_svr_cred_entry *e;
  assert_int_equal(psks_for(w, 0, 1, &e), 0);
  assert_true(all_zero(key, sizeof key));
  assert_no_pairing(w);
  world_free(w);
  free(w);
}

/* The second device refuses its key: the first one's is deleted again (no half pairing). */
static bool refuse_post(tdev *d, ocf_msg *m, const ocf_msg_incoming *in, const char *path) {
  (void)d;
  if (in->request->code != OCF_COAP_POST || strcmp(path, "/oic/sec/cred") != 0) return false;
  static const char diag[] = "full";
  world_respond(m, in, OCF_COAP_BAD_REQUEST, (const uint8_t *)diag, sizeof diag - 1, false);
  return true;
}

static bool drop_delete(tdev *d, ocf_msg *m, const ocf_msg_incoming *in, const char *path) {
  (void)d;
  (void)path;
  if (in->request->code != OCF_COAP_DELETE) return false;
  ocf_msg_drop(m, in->handle);
  return true;
}

static void test_a_failing_second_device_leaves_no_half_pairing(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = two_owned(402);
  w->dev[1].owned_hook = refuse_post;
  uint8_t key[OCF_OBT_PAIR_KEY_LEN] = {0};
  ocf_obt_pair_result r = pair_run(w, OCF_OBT_PAIR, key);
  assert_false(r.ok);
  assert_string_equal(r.side[1].failure.stage, "post cred");
  assert_int_equal(r.side[1].failure.code, 400);
  assert_string_equal(r.side[1].failure.diagnostic, "full");
  assert_true(r.side[0].undone);
  assert_false(r.side[0].left);
  assert_false(r.side[1].left);
  assert_true(r.side[1].undone); /* its POST went out: checked and cleaned too */
  const ocf_svr_cred_entry *e;
  assert_int_equal(psks_for(w, 0, 1, &e), 0);
  assert_int_equal(psks_for(w, 1, 0, &e), 0);
  assert_true(all_zero(key, sizeof key));
  assert_no_pairing(w);
  world_free(w);
  free(w);
}

/* ... and when removing it fails too, the result says a credential was left. */
static void test_a_failed_undo_is_reported_as_left(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = two_owned(403);
  w->dev[1].owned_hook = refuse_post;
  w->dev[0].owned_hook = drop_delete;
  ocf_obt_pair_result r = pair_run(w, OCF_OBT_PAIR, NULL);
  assert_false(r.ok);
  assert_true(r.side[0].left);
  assert_false(r.side[0].undone);
  assert_int_equal(r.side[0].failure.err, OCF_ERR_TIMEOUT);
  assert_non_null(strstr(r.side[0].failure.advice, "obt unpair"));
  const ocf_svr_cred_entry *e;
  assert_int_equal(psks_for(w, 0, 1, &e), 1);
  assert_no_pairing(w);
  /* Unpair cleans it up once the device answers again. */
  w->dev[0].owned_hook = NULL;
  w->dev[1].owned_hook = NULL;
  r = pair_run(w, OCF_OBT_UNPAIR, NULL);
  assert_true(r.ok);
  assert_int_equal(psks_for(w, 0, 1, &e), 0);
  world_free(w);
  free(w);
}

static void test_pair_argument_checks(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = two_owned(404);
  pair_ctx c = {.w = w};
  ocf_obt_pair_params p = {
      .store = w->store, .action = OCF_OBT_PAIR, .wall_now = pair_wall, .on_done = on_pair_done, .user = &c};
  p.dev[0] = (ocf_obt_pair_device){w->out[0].uuid, w->targets[0].coaps};
  p.dev[1] = p.dev[0];
  ocf_time_ms now = ocf_sim_now(w->net);
  assert_int_equal(ocf_obt_pair(w->obt, &p, now), OCF_ERR_INVALID_ARG); /* the same device twice */
  p.dev[1].uuid = w->domain.tool_uuid;
  assert_int_equal(ocf_obt_pair(w->obt, &p, now), OCF_ERR_INVALID_ARG); /* the owner credential's subject */
  p.dev[1] = (ocf_obt_pair_device){w->out[1].uuid, w->targets[1].coaps};
  p.action = 3;
  assert_int_equal(ocf_obt_pair(w->obt, &p, now), OCF_ERR_INVALID_ARG);
  p.action = OCF_OBT_PAIR;
  p.on_done = NULL;
  assert_int_equal(ocf_obt_pair(w->obt, &p, now), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_pair(NULL, &p, now), OCF_ERR_INVALID_ARG);
  assert_false(ocf_obt_pair_running(w->obt));
  /* Destroyed in the middle: nothing leaks (world_free checks). */
  p.on_done = on_pair_done;
  assert_int_equal(ocf_obt_pair(w->obt, &p, now), OCF_OK);
  ocf_sim_flush(w->net);
  assert_true(ocf_obt_pair_running(w->obt));
  world_free(w);
  free(w);
}

/* --- an external client (obt pair DEV --client UUID) ------------------------------------------ */

/* A uuid of 16 printable bytes ("OCFexternalClnt1"): libcoap's -u takes the PSK identity as text. */
static const ocf_uuid k_client = {
    {'O', 'C', 'F', 'e', 'x', 't', 'e', 'r', 'n', 'a', 'l', 'C', 'l', 'n', 't', '1'}};

static ocf_obt_pair_result client_run(world *w, ocf_obt_pair_action action, const ocf_uuid *client,
                                      uint8_t *key_out) {
  pair_ctx c = {.w = w};
  ocf_obt_pair_params p = {.store = w->store,
                           .action = action,
                           .client = true,
                           .wall_now = pair_wall,
                           .on_done = on_pair_done,
                           .user = &c,
                           .key_out = key_out};
  p.dev[0] = (ocf_obt_pair_device){w->out[0].uuid, w->targets[0].coaps};
  p.dev[1] = (ocf_obt_pair_device){*client, {0}};
  assert_int_equal(ocf_obt_pair(w->obt, &p, ocf_sim_now(w->net)), OCF_OK);
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, pair_over, &c, 600000));
  assert_false(ocf_obt_pair_running(w->obt));
  return c.r;
}

/* The credtype-1 entries device i holds for subject u. */
static size_t psks_for_uuid(world *w, size_t i, const ocf_uuid *u, const ocf_svr_cred_entry **first) {
  size_t n = 0;
  *first = NULL;
  const ocf_svr_cred *c = &w->dev[i].cred;
  for (size_t k = 0; k < c->n; k++)
    if (c->e[k].credtype == 1 && !c->e[k].subject_any && ocf_uuid_equal(&c->e[k].subject, u)) {
      if (!n) *first = &c->e[k];
      n++;
    }
  return n;
}

static void test_pair_with_a_client_writes_one_device_only_and_keeps_no_key(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = two_owned(410);
  size_t requests_1 = w->dev[1].owned_requests;
  uint8_t key[OCF_OBT_PAIR_KEY_LEN] = {0};
  ocf_obt_pair_result r = client_run(w, OCF_OBT_PAIR, &k_client, key);
  assert_true(r.ok);
  assert_true(r.client);
  assert_true(r.side[1].ok);
  assert_int_equal(r.side[1].credid, 0);
  assert_true(ocf_uuid_equal(&r.side[1].uuid, &k_client));
  const ocf_svr_cred_entry *e;
  assert_int_equal(psks_for_uuid(w, 0, &k_client, &e), 1);
  assert_int_equal(e->private_len, OCF_OBT_PAIR_KEY_LEN);
  assert_memory_equal(e->private_data, key, sizeof key);
  assert_false(all_zero(key, sizeof key));
  assert_int_equal(r.side[0].credid, e->credid);
  assert_int_equal(w->dev[1].owned_requests, requests_1); /* the other device saw nothing */
  assert_int_equal(psks_for_uuid(w, 1, &k_client, &e), 0);
  /* The store: credid 0 on the client's side, an audit entry naming the client, never the key. */
  ocf_obt_pairing_record rec;
  assert_int_equal(ocf_obt_store_pairing_get(w->store, &w->out[0].uuid, &k_client, &rec), OCF_OK);
  assert_int_equal(rec.credid_a, r.side[0].credid);
  assert_int_equal(rec.credid_b, 0);
  audit_scan a = {.key = key};
  assert_int_equal(ocf_obt_store_audit_list(w->store, scan_audit, &a), OCF_OK);
  assert_string_equal(a.last_action, "pair");
  assert_non_null(strstr(a.last_detail, "client"));
  assert_false(a.key_seen);
  FILE *f = fopen(w->db, "rb");
  assert_non_null(f);
  static uint8_t file[1 << 20];
  size_t n = fread(file, 1, sizeof file, f);
  fclose(f);
  assert_null(memmem(file, n, key, sizeof key));

  /* Again: the key is replaced (a lost key is never shown again, only replaced). */
  uint8_t key2[OCF_OBT_PAIR_KEY_LEN] = {0};
  r = client_run(w, OCF_OBT_PAIR, &k_client, key2);
  assert_true(r.ok);
  assert_int_equal(r.side[0].removed, 1);
  assert_int_equal(psks_for_uuid(w, 0, &k_client, &e), 1);
  assert_memory_equal(e->private_data, key2, sizeof key2);
  assert_memory_not_equal(key, key2, sizeof key);

  /* Unpairing removes the entry and the record; the owner credential stays. */
  r = client_run(w, OCF_OBT_UNPAIR, &k_client, NULL);
  assert_true(r.ok);
  assert_true(r.client);
  assert_int_equal(r.side[0].removed, 1);
  assert_int_equal(psks_for_uuid(w, 0, &k_client, &e), 0);
  assert_true(w->dev[0].has_owner_psk);
  assert_int_equal(ocf_obt_store_pairing_get(w->store, &w->out[0].uuid, &k_client, &rec), OCF_ERR_NOT_FOUND);
  assert_int_equal(ocf_obt_store_audit_list(w->store, scan_audit, &a), OCF_OK);
  assert_string_equal(a.last_action, "unpair");
  assert_non_null(strstr(a.last_detail, "client"));
  world_free(w);
  free(w);
}

static void test_pair_with_a_client_fails_whole_on_the_device(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = two_owned(411);
  /* No credtype 1 in sct: nothing written, no key out. */
  w->dev[0].doxm.sct = 8;
  uint8_t key[OCF_OBT_PAIR_KEY_LEN] = {0};
  ocf_obt_pair_result r = client_run(w, OCF_OBT_PAIR, &k_client, key);
  assert_false(r.ok);
  assert_string_equal(r.side[0].failure.stage, "credential types");
  assert_int_equal(w->dev[0].owned_requests, 1);
  assert_true(all_zero(key, sizeof key));
  ocf_obt_pairing_record rec;
  assert_int_equal(ocf_obt_store_pairing_get(w->store, &w->out[0].uuid, &k_client, &rec), OCF_ERR_NOT_FOUND);
  /* The POST refused: the device is cleaned up again (undone), no record, no key. */
  w->dev[0].doxm.sct = 9;
  w->dev[0].owned_hook = refuse_post;
  r = client_run(w, OCF_OBT_PAIR, &k_client, key);
  assert_false(r.ok);
  assert_string_equal(r.side[0].failure.stage, "post cred");
  assert_true(r.side[0].undone);
  assert_false(r.side[0].left);
  const ocf_svr_cred_entry *e;
  assert_int_equal(psks_for_uuid(w, 0, &k_client, &e), 0);
  assert_true(all_zero(key, sizeof key));
  assert_int_equal(ocf_obt_store_pairing_get(w->store, &w->out[0].uuid, &k_client, &rec), OCF_ERR_NOT_FOUND);
  world_free(w);
  free(w);
}

static void test_pair_with_a_client_argument_checks(void **state) {
  (void)state;
  if (!ocf_obt_otm_available(OCF_OBT_OTM_JUST_WORKS)) skip();
  world *w = two_owned(412);
  pair_ctx c = {.w = w};
  ocf_obt_pair_params p = {.store = w->store,
                           .action = OCF_OBT_PAIR,
                           .client = true,
                           .wall_now = pair_wall,
                           .on_done = on_pair_done,
                           .user = &c};
  p.dev[0] = (ocf_obt_pair_device){w->out[0].uuid, w->targets[0].coaps};
  ocf_time_ms now = ocf_sim_now(w->net);
  p.dev[1].uuid = w->out[1].uuid; /* a device of the domain is paired as a device */
  assert_int_equal(ocf_obt_pair(w->obt, &p, now), OCF_ERR_STATE);
  p.dev[1].uuid = w->domain.tool_uuid; /* the owner credential's subject */
  assert_int_equal(ocf_obt_pair(w->obt, &p, now), OCF_ERR_INVALID_ARG);
  p.dev[1].uuid = w->out[0].uuid; /* itself */
  assert_int_equal(ocf_obt_pair(w->obt, &p, now), OCF_ERR_INVALID_ARG);
  memset(&p.dev[1].uuid, 0, sizeof p.dev[1].uuid);
  assert_int_equal(ocf_obt_pair(w->obt, &p, now), OCF_ERR_INVALID_ARG);
  p.action = OCF_OBT_UNPAIR;
  p.dev[1].uuid = w->out[1].uuid;
  assert_int_equal(ocf_obt_pair(w->obt, &p, now), OCF_ERR_STATE);
  assert_false(ocf_obt_pair_running(w->obt));
  assert_int_equal(w->dev[0].owned_requests, 0);
  world_free(w);
  free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_check_accepts_a_device_with_credtype_1),
      cmocka_unit_test(test_check_refuses_a_device_without_credtype_1),
      cmocka_unit_test(test_check_rejects_hostile_doxm_answers),
      cmocka_unit_test(test_write_replaces_older_keys_posts_and_reads_the_credid_back),
      cmocka_unit_test(test_write_fails_on_hostile_answers),
      cmocka_unit_test(test_remove_deletes_every_key_for_the_peer),
      cmocka_unit_test(test_creds_parse_reads_entries_and_refuses_malformed_ones),
      cmocka_unit_test(test_pair_gives_both_devices_the_same_key_and_records_credids),
      cmocka_unit_test(test_pair_brackets_a_device_in_rfnop),
      cmocka_unit_test(test_pair_refuses_a_device_without_credtype_1_before_writing),
      cmocka_unit_test(test_a_failing_second_device_leaves_no_half_pairing),
      cmocka_unit_test(test_a_failed_undo_is_reported_as_left),
      cmocka_unit_test(test_pair_argument_checks),
      cmocka_unit_test(test_pair_with_a_client_writes_one_device_only_and_keeps_no_key),
      cmocka_unit_test(test_pair_with_a_client_fails_whole_on_the_device),
      cmocka_unit_test(test_pair_with_a_client_argument_checks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
