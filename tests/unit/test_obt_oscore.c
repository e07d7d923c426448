/* OSCORE contexts and SSM groups, the tool's side (src/obt/oscore.c, <ocf/ocf_obt_oscore.h>;
 * S003 6.3, 6.4; digest §6.4, §6.5): the step function fed answers directly (the sct check,
 * hostile and malformed answers, the POST's shape per credtype with the secret wiped once
 * answered, the read-back of credids, the removal's match), the id planner (prefix, length,
 * distinct from the ids taken) and the cred reader's oscore fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <ocf/ocf_obt_oscore.h>

#include "rep/rep.h"
#include "sim/sim.h"

static const ocf_uuid k_self = {{0xa0, 1, 2, 3, 4, 5, 0x46, 7, 0x88, 9, 10, 11, 12, 13, 14, 15}};
static const ocf_uuid k_peer = {{0xb0, 1, 2, 3, 4, 5, 0x46, 7, 0x88, 9, 10, 11, 12, 13, 14, 15}};
static const ocf_uuid k_group = {{0xd0, 1, 2, 3, 4, 5, 0x46, 7, 0x88, 9, 10, 11, 12, 13, 14, 15}};
static uint8_t k_secret[OCF_OBT_OSCORE_SECRET_LEN];

typedef struct answer {
  uint8_t buf[8192];
  ocf_obt_prov_response rsp;
} answer;

static const ocf_obt_prov_response *finish(answer *a, ocf_rep_enc *e, uint16_t code) {
  size_t len = 0;
  assert_int_equal(ocf_rep_enc_finish(e, &len), OCF_OK);
  a->rsp = (ocf_obt_prov_response){.code = code, .payload = a->buf, .len = len};
  return &a->rsp;
}

static const ocf_obt_prov_response *doxm(answer *a, uint32_t sct, bool owned, const ocf_uuid *uuid) {
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, a->buf, sizeof a->buf);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_int(&e, "sct", sct);
  ocf_rep_enc_kv_bool(&e, "owned", owned);
  ocf_rep_enc_kv_uuid(&e, "deviceuuid", uuid);
  ocf_rep_enc_map_close(&e);
  return finish(a, &e, 205);
}

typedef struct entry {
  uint32_t credid;
  uint16_t credtype;
  const ocf_uuid *subject;
  const char *sender, *recipient, *desc;
} entry;

static const ocf_obt_prov_response *creds(answer *a, const entry *v, size_t n) {
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, a->buf, sizeof a->buf);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_array_open(&e, "creds");
  for (size_t i = 0; i < n; i++) {
    ocf_rep_enc_map_open(&e);
    ocf_rep_enc_kv_int(&e, "credid", v[i].credid);
    ocf_rep_enc_kv_int(&e, "credtype", v[i].credtype);
    ocf_rep_enc_kv_uuid(&e, "subjectuuid", v[i].subject);
    if (v[i].sender || v[i].recipient || v[i].desc) {
      ocf_rep_enc_kv_map_open(&e, "oscore");
      if (v[i].sender) ocf_rep_enc_kv_text(&e, "senderid", v[i].sender);
      if (v[i].recipient) ocf_rep_enc_kv_text(&e, "recipientid", v[i].recipient);
      if (v[i].desc) ocf_rep_enc_kv_text(&e, "desc", v[i].desc);
      ocf_rep_enc_map_close(&e);
    }
    ocf_rep_enc_map_close(&e);
  }
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_kv_uuid(&e, "rowneruuid", &k_self);
  ocf_rep_enc_map_close(&e);
  return finish(a, &e, 205);
}

static const ocf_obt_prov_response *code(answer *a, uint16_t c, const char *diag) {
  a->rsp =
      (ocf_obt_prov_response){.code = c, .payload = (const uint8_t *)diag, .len = diag ? strlen(diag) : 0};
  return &a->rsp;
}

typedef struct step_io {
  ocf_obt_prov_request req;
  ocf_obt_prov_failure fail;
} step_io;

static ocf_obt_prov_next step(ocf_obt_oscore_job *j, const ocf_obt_prov_response *rsp, step_io *io) {
  memset(io, 0, sizeof *io);
  return ocf_obt_oscore_step(j, rsp, &io->req, &io->fail);
}

/* --- CHECK ------------------------------------------------------------------------------------ */

/* OBT 5.4: only credtypes in sct; the device's ids are read for the planner. */
static void test_check_needs_the_credtypes_in_sct_and_reads_the_ids(void **state) {
  (void)state;
  static ocf_obt_oscore_job j;
  static answer a;
  step_io io;
  ocf_obt_oscore_job_init(&j, OCF_OBT_OSCORE_CHECK, &k_self);
  j.need_sct = 64;
  assert_int_equal(step(&j, NULL, &io), OCF_OBT_PROV_SEND);
  assert_int_equal(io.req.method, 1);
  assert_string_equal(io.req.href, "/oic/sec/doxm");
  assert_int_equal(step(&j, doxm(&a, 1 | 8, true, &k_self), &io), OCF_OBT_PROV_FAIL);
  assert_string_equal(io.fail.stage, "credential types");
  assert_int_equal(io.fail.err, OCF_ERR_UNSUPPORTED);
  assert_non_null(strstr(io.fail.diagnostic, "credtype 64"));
  /* another uuid, not owned, malformed, refused */
  ocf_obt_oscore_job_init(&j, OCF_OBT_OSCORE_CHECK, &k_self);
  j.need_sct = 128;
  (void)step(&j, NULL, &io);
  assert_int_equal(step(&j, doxm(&a, 449, true, &k_peer), &io), OCF_OBT_PROV_FAIL);
  assert_int_equal(io.fail.err, OCF_ERR_STATE);
  (void)step(&j, NULL, &io);
  assert_int_equal(step(&j, doxm(&a, 449, false, &k_self), &io), OCF_OBT_PROV_FAIL);
  assert_int_equal(io.fail.err, OCF_ERR_STATE);
  (void)step(&j, NULL, &io);
  assert_int_equal(step(&j, code(&a, 205, "\xff"), &io), OCF_OBT_PROV_FAIL);
  assert_int_equal(io.fail.err, OCF_ERR_MALFORMED);
  (void)step(&j, NULL, &io);
  assert_int_equal(step(&j, code(&a, 401, "no\x01"), &io), OCF_OBT_PROV_FAIL);
  assert_int_equal(io.fail.err, OCF_ERR_DENIED);
  assert_string_equal(io.fail.diagnostic, "no?"); /* made printable */
  /* the good path */
  (void)step(&j, NULL, &io);
  assert_int_equal(step(&j, doxm(&a, 449, true, &k_self), &io), OCF_OBT_PROV_SEND);
  assert_string_equal(io.req.href, "/oic/sec/cred");
  const entry held[] = {{1, 1, &k_peer, NULL, NULL, NULL},
                        {2, 64, &k_peer, "01aabb", "01ccdd", NULL},
                        {3, 256, &k_group, NULL, "02eeff", "hall"}};
  assert_int_equal(step(&j, creds(&a, held, 3), &io), OCF_OBT_PROV_DONE);
  assert_int_equal(j.creds.n, 3);
  assert_true(j.creds.entries[1].has_oscore);
  assert_string_equal(j.creds.entries[2].desc, "hall");
  ocf_obt_oscore_id taken[8];
  size_t n = ocf_obt_oscore_ids_in_use(&j.creds, taken, 0, 8);
  assert_int_equal(n, 3);
  assert_string_equal(taken[0], "01aabb");
  assert_string_equal(taken[1], "01ccdd");
  assert_string_equal(taken[2], "02eeff");
  assert_int_equal(ocf_obt_oscore_ids_in_use(&j.creds, taken, 0, 2), 2); /* capped */
}

/* The reader refuses what is not SEC:cred text (an id that is not text, longer than 7 bytes). */
static void test_cred_reader_refuses_malformed_oscore(void **state) {
  (void)state;
  static answer a;
  static ocf_obt_creds_read r;
  const entry too_long[] = {{2, 64, &k_peer, "01aabbccddeeff0011", "01ccdd", NULL}};
  const ocf_obt_prov_response *rsp = creds(&a, too_long, 1);
  assert_int_equal(ocf_obt_creds_parse(rsp->payload, rsp->len, &r), OCF_ERR_MALFORMED);
  ocf_rep_enc e;
  ocf_rep_enc_init(&e, a.buf, sizeof a.buf);
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_array_open(&e, "creds");
  ocf_rep_enc_map_open(&e);
  ocf_rep_enc_kv_int(&e, "credid", 1);
  ocf_rep_enc_kv_int(&e, "credtype", 64);
  ocf_rep_enc_kv_text(&e, "subjectuuid", "*");
  ocf_rep_enc_kv_int(&e, "oscore", 5);
  ocf_rep_enc_map_close(&e);
  ocf_rep_enc_array_close(&e);
  ocf_rep_enc_map_close(&e);
  rsp = finish(&a, &e, 205);
  assert_int_equal(ocf_obt_creds_parse(rsp->payload, rsp->len, &r), OCF_ERR_MALFORMED);
}

/* --- WRITE ------------------------------------------------------------------------------------ */

/* Decodes the POST body and checks each entry's shape (digest §6.4, §6.5). */
static void expect_post(const ocf_obt_prov_request *req, const ocf_obt_oscore_job *j) {
  assert_int_equal(req->method, 2);
  assert_string_equal(req->href, "/oic/sec/cred");
  static ocf_rep_node nodes[256];
  const ocf_rep_node *root = NULL;
  assert_int_equal(ocf_rep_decode(req->body, req->len, NULL, nodes, 256, &root), OCF_OK);
  assert_null(ocf_rep_map_value(root, "rowneruuid"));
  size_t i = 0;
  for (const ocf_rep_node *c = ocf_rep_first(ocf_rep_map_value(root, "creds")); c; c = ocf_rep_next(c), i++) {
    const ocf_obt_oscore_ctx *x = &j->ctx[i];
    uint16_t t = 0;
    assert_int_equal(ocf_rep_get_uint16(ocf_rep_map_value(c, "credtype"), &t), OCF_OK);
    assert_int_equal(t, x->credtype);
    ocf_uuid s;
    assert_int_equal(ocf_rep_get_uuid(ocf_rep_map_value(c, "subjectuuid"), &s), OCF_OK);
    assert_true(ocf_uuid_equal(&s, &x->subject));
    const ocf_rep_node *pd = ocf_rep_map_value(c, "privatedata");
    ocf_bytes b;
    assert_int_equal(ocf_rep_get_bytes(ocf_rep_map_value(pd, "data"), &b), OCF_OK);
    assert_int_equal(b.len, OCF_OBT_OSCORE_SECRET_LEN);
    assert_memory_equal(b.ptr, k_secret, b.len);
    ocf_rep_str enc;
    assert_int_equal(ocf_rep_get_text(ocf_rep_map_value(pd, "encoding"), &enc), OCF_OK);
    assert_true(ocf_rep_str_eq(enc, "oic.sec.encoding.raw"));
    const ocf_rep_node *o = ocf_rep_map_value(c, "oscore");
    assert_non_null(o);
    assert_true((ocf_rep_map_value(o, "senderid") != NULL) == (t != 256));
    assert_true((ocf_rep_map_value(o, "recipientid") != NULL) == (t != 128));
    assert_true((ocf_rep_map_value(o, "desc") != NULL) == (t != 64)); /* IL refuses desc on 64 */
  }
  assert_int_equal(i, j->n_ctx);
}

static void test_write_posts_every_context_then_reads_back_the_credids(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof k_secret; i++) k_secret[i] = (uint8_t)(0xa0 + i);
  static ocf_obt_oscore_job j;
  static answer a;
  step_io io;
  ocf_obt_oscore_job_init(&j, OCF_OBT_OSCORE_WRITE, &k_self);
  j.secret = k_secret;
  j.n_ctx = 2; /* a server of a group with two clients */
  for (size_t i = 0; i < 2; i++) {
    j.ctx[i].credtype = 256;
    j.ctx[i].subject = k_group;
    snprintf(j.ctx[i].recipientid, sizeof j.ctx[i].recipientid, "02%02zx", i);
    snprintf(j.ctx[i].desc, sizeof j.ctx[i].desc, "hall");
  }
  assert_int_equal(step(&j, NULL, &io), OCF_OBT_PROV_SEND);
  expect_post(&io.req, &j);
  assert_true(j.post_sent);
  /* answered: the secret's copy is wiped at once */
  assert_int_equal(step(&j, code(&a, 204, NULL), &io), OCF_OBT_PROV_SEND);
  for (size_t i = 0; i < sizeof j.body; i++) assert_int_equal(j.body[i], 0);
  assert_string_equal(io.req.href, "/oic/sec/cred");
  /* the device lists only one of the two: malformed device */
  const entry one[] = {{41, 256, &k_group, NULL, "0200", "hall"}};
  assert_int_equal(step(&j, creds(&a, one, 1), &io), OCF_OBT_PROV_FAIL);
  assert_int_equal(io.fail.err, OCF_ERR_NOT_FOUND);
  /* again, both listed (amid others with other ids) */
  ocf_obt_oscore_job_init(&j, OCF_OBT_OSCORE_WRITE, &k_self);
  j.secret = k_secret;
  j.n_ctx = 1;
  j.ctx[0] =
      (ocf_obt_oscore_ctx){.credtype = 64, .subject = k_peer, .senderid = "01aa", .recipientid = "01bb"};
  assert_int_equal(step(&j, NULL, &io), OCF_OBT_PROV_SEND);
  expect_post(&io.req, &j);
  (void)step(&j, code(&a, 204, NULL), &io);
  const entry listed[] = {{40, 64, &k_peer, "01bb", "01aa", NULL}, {42, 64, &k_peer, "01aa", "01bb", NULL}};
  assert_int_equal(step(&j, creds(&a, listed, 2), &io), OCF_OBT_PROV_DONE);
  assert_int_equal(j.ctx[0].credid, 42);
  /* a refused POST fails with the device's code; post_sent stays (the undo covers it) */
  ocf_obt_oscore_job_init(&j, OCF_OBT_OSCORE_WRITE, &k_self);
  j.secret = k_secret;
  j.n_ctx = 1;
  j.ctx[0] = (ocf_obt_oscore_ctx){.credtype = 128, .subject = k_group, .senderid = "02aa"};
  (void)step(&j, NULL, &io);
  assert_int_equal(step(&j, code(&a, 400, "conflict"), &io), OCF_OBT_PROV_FAIL);
  assert_int_equal(io.fail.code, 400);
  assert_string_equal(io.fail.diagnostic, "conflict");
  assert_true(j.post_sent);
  for (size_t i = 0; i < sizeof j.body; i++) assert_int_equal(j.body[i], 0);
  /* a job without contexts or secret is a bug, refused before anything is sent */
  ocf_obt_oscore_job_init(&j, OCF_OBT_OSCORE_WRITE, &k_self);
  assert_int_equal(step(&j, NULL, &io), OCF_OBT_PROV_FAIL);
  assert_false(j.post_sent);
}

/* --- REMOVE ----------------------------------------------------------------------------------- */

static void test_remove_deletes_exactly_what_the_match_selects(void **state) {
  (void)state;
  static ocf_obt_oscore_job j;
  static answer a;
  step_io io;
  const entry held[] = {{1, 1, &k_peer, NULL, NULL, NULL},       {2, 64, &k_peer, "01aa", "01bb", NULL},
                        {3, 64, &k_group, "01cc", "01dd", NULL}, {4, 64, &k_peer, "01ee", "01ff", NULL},
                        {5, 128, &k_group, "02aa", NULL, "x"},   {6, 256, &k_group, NULL, "02bb", "x"}};
  /* unpair: every credtype 64 entry for the peer */
  ocf_obt_oscore_job_init(&j, OCF_OBT_OSCORE_REMOVE, &k_self);
  j.match = (ocf_obt_oscore_match){.types = 64, .has_subject = true, .subject = k_peer};
  assert_int_equal(step(&j, NULL, &io), OCF_OBT_PROV_SEND);
  assert_string_equal(io.req.href, "/oic/sec/cred");
  assert_int_equal(step(&j, creds(&a, held, 6), &io), OCF_OBT_PROV_SEND);
  assert_int_equal(io.req.method, 4);
  assert_string_equal(io.req.href, "/oic/sec/cred?credid=2");
  assert_int_equal(step(&j, code(&a, 202, NULL), &io), OCF_OBT_PROV_SEND);
  assert_string_equal(io.req.href, "/oic/sec/cred?credid=4");
  assert_int_equal(step(&j, code(&a, 404, NULL), &io), OCF_OBT_PROV_DONE); /* gone meanwhile */
  assert_int_equal(j.removed, 1);
  /* retire: the peer's entries but the new one (keep_ids) */
  ocf_obt_oscore_job_init(&j, OCF_OBT_OSCORE_REMOVE, &k_self);
  j.match = (ocf_obt_oscore_match){.types = 64,
                                   .has_subject = true,
                                   .subject = k_peer,
                                   .n_ids = 2,
                                   .keep_ids = true,
                                   .ids = {"01ee", "01ff"}};
  (void)step(&j, NULL, &io);
  assert_int_equal(step(&j, creds(&a, held, 6), &io), OCF_OBT_PROV_SEND);
  assert_string_equal(io.req.href, "/oic/sec/cred?credid=2");
  assert_int_equal(step(&j, code(&a, 202, NULL), &io), OCF_OBT_PROV_DONE);
  /* a group: 128/256 entries carrying its ids */
  ocf_obt_oscore_job_init(&j, OCF_OBT_OSCORE_REMOVE, &k_self);
  j.match = (ocf_obt_oscore_match){.types = 128 | 256, .n_ids = 2, .ids = {"02aa", "02bb"}};
  (void)step(&j, NULL, &io);
  assert_int_equal(step(&j, creds(&a, held, 6), &io), OCF_OBT_PROV_SEND);
  assert_string_equal(io.req.href, "/oic/sec/cred?credid=5");
  assert_int_equal(step(&j, code(&a, 202, NULL), &io), OCF_OBT_PROV_SEND);
  assert_string_equal(io.req.href, "/oic/sec/cred?credid=6");
  /* RFNOP: the device refuses the DELETE (digest §3.3) */
  assert_int_equal(step(&j, code(&a, 403, NULL), &io), OCF_OBT_PROV_FAIL);
  assert_string_equal(io.fail.stage, "delete cred");
  assert_non_null(strstr(io.fail.advice, "RFPRO"));
  /* nothing matches: done after the read */
  ocf_obt_oscore_job_init(&j, OCF_OBT_OSCORE_REMOVE, &k_self);
  j.match = (ocf_obt_oscore_match){.types = 64, .n_ids = 1, .ids = {"0199"}};
  (void)step(&j, NULL, &io);
  assert_int_equal(step(&j, creds(&a, held, 6), &io), OCF_OBT_PROV_DONE);
  assert_int_equal(j.removed, 0);
}

/* --- planning --------------------------------------------------------------------------------- */

typedef struct scripted {
  const uint8_t *bytes;
  size_t len, at;
} scripted;

static scripted *g_script; /* what scripted_random hands out (one test at a time) */

static ocf_err scripted_random(void *ctx, uint8_t *out, size_t len) {
  (void)ctx;
  for (size_t i = 0; i < len; i++) out[i] = g_script->bytes[g_script->at++ % g_script->len];
  return OCF_OK;
}

static void test_new_ids_have_the_prefix_and_length_and_avoid_taken_ones(void **state) {
  (void)state;
  static ocf_sim_platform sp;
  ocf_sim_platform_init(&sp, 1);
  static const uint8_t script[] = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66};
  scripted s = {script, sizeof script, 0};
  g_script = &s;
  sp.pf.random = scripted_random;
  ocf_obt *obt = NULL;
  assert_int_equal(ocf_obt_create(&sp.pf, NULL, &obt), OCF_OK);
  ocf_obt_oscore_id id;
  s.at = 0;
  assert_int_equal(ocf_obt_oscore_new_id(obt, 0x01, 7, NULL, 0, id), OCF_OK);
  assert_string_equal(id, "01aabbccddeeff");
  assert_true(ocf_obt_oscore_id_valid(id, 0x01));
  assert_false(ocf_obt_oscore_id_valid(id, 0x02));
  /* the first draw is taken: the next one is used */
  const ocf_obt_oscore_id taken[] = {"02aabb"};
  s.at = 0;
  assert_int_equal(ocf_obt_oscore_new_id(obt, 0x02, 3, taken, 1, id), OCF_OK);
  assert_string_equal(id, "02ccdd");
  /* every draw taken: BUSY, no id */
  static const uint8_t same[] = {0x42};
  scripted one = {same, 1, 0};
  g_script = &one;
  const ocf_obt_oscore_id all[] = {"024242"};
  assert_int_equal(ocf_obt_oscore_new_id(obt, 0x02, 3, all, 1, id), OCF_ERR_BUSY);
  assert_string_equal(id, "");
  /* lengths outside 2..7 */
  assert_int_equal(ocf_obt_oscore_new_id(obt, 0x01, 1, NULL, 0, id), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_oscore_new_id(obt, 0x01, 8, NULL, 0, id), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_oscore_new_id(obt, 0x01, 2, NULL, 0, id), OCF_OK);
  assert_int_equal(strlen(id), 4);
  uint8_t secret[OCF_OBT_OSCORE_SECRET_LEN];
  assert_int_equal(ocf_obt_oscore_new_secret(obt, secret), OCF_OK);
  ocf_uuid u;
  assert_int_equal(ocf_obt_oscore_new_uuid(obt, &u), OCF_OK);
  assert_false(ocf_uuid_is_nil(&u));
  ocf_obt_destroy(obt);
  /* the validity rule itself */
  assert_true(ocf_obt_oscore_id_valid("0100", 0x01));
  assert_false(ocf_obt_oscore_id_valid("01", 0x01));
  assert_false(ocf_obt_oscore_id_valid("01AB", 0x01));
  assert_false(ocf_obt_oscore_id_valid("01abc", 0x01));
  assert_false(ocf_obt_oscore_id_valid("01aabbccddeeff00", 0x01));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_check_needs_the_credtypes_in_sct_and_reads_the_ids),
      cmocka_unit_test(test_cred_reader_refuses_malformed_oscore),
      cmocka_unit_test(test_write_posts_every_context_then_reads_back_the_credids),
      cmocka_unit_test(test_remove_deletes_exactly_what_the_match_selects),
      cmocka_unit_test(test_new_ids_have_the_prefix_and_length_and_avoid_taken_ones),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
