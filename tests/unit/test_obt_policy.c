/* obt apply's policy file, the per-device difference and the edit job (<ocf/ocf_obt_policy.h>,
 * ADR 0023): the parser on good and bad files (line numbers), the diff's ownership rule, and
 * the step function against scripted answers (writes, rollback, the RFNOP bracket, purge). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <ocf/ocf_obt_policy.h>

static const ocf_uuid k_a = {{0xa0, 1, 2, 3, 4, 5, 0x46, 7, 0x88, 9, 10, 11, 12, 13, 14, 15}};
static const ocf_uuid k_b = {{0xb0, 1, 2, 3, 4, 5, 0x46, 7, 0x88, 9, 10, 11, 12, 13, 14, 15}};
#define UA "a0010203-0405-4607-8809-0a0b0c0d0e0f"
#define UB "b0010203-0405-4607-8809-0a0b0c0d0e0f"

/* "lamp" is a device name the store knows; "twin" names two devices. */
static ocf_err resolve(void *user, const char *name, ocf_uuid *out, const char **why) {
  (void)user;
  if (strcmp(name, "lamp") == 0) {
    *out = k_b;
    return OCF_OK;
  }
  if (strcmp(name, "twin") == 0) {
    *why = "two devices are named twin: use the uuid";
    return OCF_ERR_INVALID_ARG;
  }
  return OCF_ERR_NOT_FOUND;
}

static ocf_err parse(const char *text, ocf_obt_policy *p, ocf_obt_policy_error *e) {
  return ocf_obt_policy_parse(text, strlen(text), resolve, NULL, p, e);
}

static void test_parse_a_policy(void **state) {
  (void)state;
  ocf_obt_policy *p = malloc(sizeof *p);
  ocf_obt_policy_error e;
  const char *text = "# the lab\n"
                     "device sw " UA "   # an alias\n"
                     "\n"
                     "pair sw lamp\n"
                     "allow sw \"lamp\" /switch RU\n"
                     "ace " UB " subject=anon-clear res=/oic/d,/oic/p perm=R\n"
                     "ace lamp subject=uuid:sw res=* perm=-R--- validity=20260101T000000Z/P30D\n";
  assert_int_equal(parse(text, p, &e), OCF_OK);
  assert_int_equal(p->n_aliases, 1);
  assert_int_equal(p->n_pairs, 1);
  assert_true(ocf_obt_policy_has_pair(p, &k_b, &k_a));
  assert_int_equal(p->n_aces, 3);
  assert_true(ocf_uuid_equal(&p->aces[0].device, &k_b));
  assert_int_equal(p->aces[0].ace.subject, OCF_OBT_SUBJECT_UUID);
  assert_true(ocf_uuid_equal(&p->aces[0].ace.uuid, &k_a));
  assert_string_equal(p->aces[0].ace.res[0].text, "/switch");
  assert_int_equal(p->aces[0].ace.permission, OCF_OBT_PERM_R | OCF_OBT_PERM_U);
  assert_int_equal(p->aces[1].ace.n_res, 2);
  assert_int_equal(p->aces[2].ace.subject, OCF_OBT_SUBJECT_UUID);
  assert_int_equal(p->aces[2].ace.n_validity, 1);
  assert_int_equal(p->aces[2].line, 7);
  free(p);
}

static void expect_error(const char *text, unsigned line, const char *needle) {
  ocf_obt_policy *p = malloc(sizeof *p);
  ocf_obt_policy_error e;
  assert_int_not_equal(parse(text, p, &e), OCF_OK);
  if (e.line != line || !strstr(e.msg, needle)) fail_msg("line %u '%s' for %s", e.line, e.msg, text);
  assert_int_equal(p->n_aces + p->n_pairs + p->n_aliases + p->n_groups, 0); /* cleared */
  free(p);
}

static void test_parse_errors_name_the_line(void **state) {
  (void)state;
  expect_error("pair " UA " " UB "\nallow " UA " " UB " /switch RX\n", 2, "");
  expect_error("\n\nfrobnicate x\n", 3, "a line starts with");
  expect_error("pair " UA " " UA "\n", 1, "itself");
  expect_error("pair " UA " " UB "\npair " UB " " UA "\n", 2, "same pair as line 1");
  expect_error("allow " UA " lamp /switch R\nallow " UA " lamp /switch R\n", 2, "same ACE as line 1");
  expect_error("allow " UA " nobody /switch R\n", 1, "'nobody' is no alias");
  expect_error("allow " UA " twin /switch R\n", 1, "use the uuid");
  expect_error("allow " UA " lamp switch R\n", 1, "absolute path");
  expect_error("ace lamp subject=anon-clear res=rt:oic.r.switch.binary perm=R\n", 1, "href or wildcard");
  expect_error("ace lamp subject=anon-clear perm=R\n", 1, "incomplete ACE");
  expect_error("ace lamp subject=anon-clear res=/x perm=R colour=red\n", 1, "unknown key");
  expect_error("device sw " UA "\ndevice sw " UB "\n", 2, "twice");
  expect_error("allow \"" UA " lamp /x R\n", 1, "quote");
  char *long_line = malloc(2000);
  memset(long_line, 'x', 1999);
  long_line[1999] = '\0';
  expect_error(long_line, 1, "longer than 1024");
  free(long_line);
  ocf_obt_policy *p = malloc(sizeof *p);
  ocf_obt_policy_error e;
  assert_int_equal(ocf_obt_policy_parse("pair\0x", 6, resolve, NULL, p, &e), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_obt_policy_parse("", 0, resolve, NULL, p, &e), OCF_OK);
  free(p);
}

/* Hostile files: the caps end the parse with the line that crossed them. */
static void test_parse_caps(void **state) {
  (void)state;
  ocf_obt_policy *p = malloc(sizeof *p);
  ocf_obt_policy_error e;
  char *big = malloc(OCF_OBT_POLICY_BYTES_MAX + 2);
  memset(big, '\n', OCF_OBT_POLICY_BYTES_MAX + 1);
  assert_int_equal(ocf_obt_policy_parse(big, OCF_OBT_POLICY_BYTES_MAX + 1, resolve, NULL, p, &e),
                   OCF_ERR_TOO_LARGE);
  assert_int_equal(e.line, 0);
  assert_int_equal(ocf_obt_policy_parse(big, OCF_OBT_POLICY_BYTES_MAX, resolve, NULL, p, &e), OCF_OK);
  /* 65 pairs: the 65th line is refused */
  size_t n = 0;
  for (int i = 0; i < 65; i++)
    n += (size_t)snprintf(big + n, 200, "pair " UA " b0010203-0405-4607-8809-0a0b0c0d%04x\n", (unsigned)i);
  assert_int_equal(ocf_obt_policy_parse(big, n, resolve, NULL, p, &e), OCF_ERR_TOO_LARGE);
  assert_int_equal(e.line, 65);
  /* 25 words */
  n = (size_t)snprintf(big, 400, "ace lamp");
  for (int i = 0; i < 23; i++) n += (size_t)snprintf(big + n, 64, " perm=R");
  assert_int_equal(ocf_obt_policy_parse(big, n, resolve, NULL, p, &e), OCF_ERR_TOO_LARGE);
  assert_true(strstr(e.msg, "24 words") != NULL);
  /* without a resolver, names are refused */
  assert_int_equal(ocf_obt_policy_parse("pair lamp " UA, strlen("pair lamp " UA), NULL, NULL, p, &e),
                   OCF_ERR_INVALID_ARG);
  free(big);
  free(p);
}

/* --- groups ----------------------------------------------------------------------------------- */

#define UC "c0010203-0405-4607-8809-0a0b0c0d0e0f"
static const ocf_uuid k_c = {{0xc0, 1, 2, 3, 4, 5, 0x46, 7, 0x88, 9, 10, 11, 12, 13, 14, 15}};

static void test_parse_groups(void **state) {
  (void)state;
  ocf_obt_policy *p = malloc(sizeof *p);
  ocf_obt_policy_error e;
  const char *text = "device sw " UA "\n"
                     "group lights client=sw server=lamp," UC " desc=\"Hall lights\"  # SSM\n"
                     "group fans server=\"lamp\" client=" UC "\n"
                     "group quoted client=\"lamp,sw\" server=" UC "\n";
  assert_int_equal(parse(text, p, &e), OCF_OK);
  assert_int_equal(p->n_groups, 3);
  const ocf_obt_policy_group *g = &p->groups[0];
  assert_string_equal(g->name, "lights");
  assert_string_equal(g->desc, "Hall lights");
  assert_int_equal(g->n_members, 3);
  assert_true(ocf_uuid_equal(&g->members[0], &k_a));
  assert_true(g->client[0]);
  assert_true(ocf_uuid_equal(&g->members[1], &k_b));
  assert_false(g->client[1]);
  assert_true(ocf_uuid_equal(&g->members[2], &k_c));
  assert_false(g->client[2]);
  assert_int_equal(g->line, 2);
  g = &p->groups[1];
  assert_string_equal(g->desc, "");
  assert_int_equal(g->n_members, 2);
  assert_false(g->client[0]);
  assert_true(g->client[1]);
  g = &p->groups[2]; /* a quoted list: split at its commas */
  assert_int_equal(g->n_members, 3);
  assert_true(ocf_uuid_equal(&g->members[0], &k_b));
  assert_true(ocf_uuid_equal(&g->members[1], &k_a));
  assert_true(g->client[1]);
  free(p);
}

static void test_parse_group_errors(void **state) {
  (void)state;
  expect_error("group lights " UA "\n", 1, "group NAME client=");
  expect_error("group lights client=" UA " server=lamp\ngroup lights client=" UA " server=lamp\n", 2,
               "stated on line 1");
  expect_error("group lights client=" UA " server=nobody\n", 1, "'nobody' is no alias");
  expect_error("group lights client= server=lamp\n", 1, "client= names no device");
  expect_error("group lights client=" UA " server=\n", 1, "server= names no device");
  expect_error("group lights client=" UA ",,lamp server=" UC "\n", 1, "empty device name");
  expect_error("group lights client=" UA " server=lamp," UA "\n", 1, "twice in the group");
  expect_error("group lights client=" UA " client=lamp server=" UC "\n", 1, "given twice");
  expect_error("group lights client=" UA " server=lamp colour=red\n", 1, "unknown key");
  expect_error("group lights client=" UA " lamp\n", 1, "KEY=VALUE");
  expect_error("group lights client=" UA " server=lamp desc=\"a\tb\"\n", 1, "control characters");
  expect_error("group 012345678901234567890123456789012 client=" UA " server=lamp\n", 1, "group name");
  expect_error("group lights client=" UA " desc=x server=lamp,twin\n", 1, "use the uuid");
  char text[1024];
  int n = snprintf(text, sizeof text, "group big server=" UA " client=");
  for (int i = 0; i < 9; i++)
    n += snprintf(text + n, sizeof text - (size_t)n, "%sd0010203-0405-4607-8809-0a0b0c0d0e%02x", i ? "," : "",
                  i);
  snprintf(text + n, sizeof text - (size_t)n, "\n");
  expect_error(text, 1, "more than 8 clients");
}

static ocf_obt_group_record *group_rec(bool by_apply) {
  ocf_obt_group_record *g = calloc(1, sizeof *g);
  snprintf(g->name, sizeof g->name, "lights");
  g->subject = k_c;
  g->by_apply = by_apply;
  g->n_members = 2;
  g->members[0] = (ocf_obt_group_member){.uuid = k_a, .client = true, .credids = {5}, .n_credids = 1};
  g->members[1] = (ocf_obt_group_member){.uuid = k_b, .credids = {6}, .n_credids = 1};
  return g;
}

static void test_group_diff(void **state) {
  (void)state;
  ocf_obt_policy *p = malloc(sizeof *p);
  ocf_obt_policy_error e;
  assert_int_equal(parse("group lights server=lamp client=" UA "\n"
                         "group more client=" UA " server=lamp," UC "\n"
                         "group other client=" UB " server=" UA "\n"
                         "group named client=" UA " server=lamp desc=x\n",
                         p, &e),
                   OCF_OK);
  ocf_obt_group_record *mine = group_rec(true), *hand = group_rec(false);
  const ocf_obt_policy_group *same = &p->groups[0], *more = &p->groups[1], *roles = &p->groups[2],
                             *desc = &p->groups[3];
  /* create / unchanged / delete */
  assert_int_equal(ocf_obt_group_diff(same, NULL, false), OCF_OBT_GROUP_CREATE);
  assert_int_equal(ocf_obt_group_diff(NULL, NULL, false), OCF_OBT_GROUP_KEEP);
  assert_true(ocf_obt_group_same(same, mine));
  assert_int_equal(ocf_obt_group_diff(same, mine, true), OCF_OBT_GROUP_KEEP);
  assert_int_equal(ocf_obt_group_diff(NULL, mine, true), OCF_OBT_GROUP_DELETE);
  /* rekey: another member, the roles swapped, another desc, a member without its contexts */
  assert_false(ocf_obt_group_same(more, mine));
  assert_int_equal(ocf_obt_group_diff(more, mine, true), OCF_OBT_GROUP_REKEY);
  assert_false(ocf_obt_group_same(roles, mine));
  assert_int_equal(ocf_obt_group_diff(roles, mine, true), OCF_OBT_GROUP_REKEY);
  assert_int_equal(ocf_obt_group_diff(desc, mine, true), OCF_OBT_GROUP_REKEY);
  assert_int_equal(ocf_obt_group_diff(same, mine, false), OCF_OBT_GROUP_REKEY);
  /* a group made by hand is never touched: left alone, or a conflict */
  assert_int_equal(ocf_obt_group_diff(NULL, hand, true), OCF_OBT_GROUP_KEEP);
  assert_int_equal(ocf_obt_group_diff(same, hand, false), OCF_OBT_GROUP_KEEP);
  assert_int_equal(ocf_obt_group_diff(more, hand, true), OCF_OBT_GROUP_CONFLICT);
  /* held: the recorded credid, the right credtype, the group's subject */
  ocf_obt_creds_read *ca = calloc(1, sizeof *ca), *cb = calloc(1, sizeof *cb);
  ca->n = 1;
  ca->entries[0] = (ocf_obt_cred_info){.credid = 5, .credtype = 128, .subject = k_c};
  cb->n = 1;
  cb->entries[0] = (ocf_obt_cred_info){.credid = 6, .credtype = 256, .subject = k_c};
  assert_true(ocf_obt_group_member_held(mine, 0, ca));
  assert_true(ocf_obt_group_member_held(mine, 1, cb));
  assert_false(ocf_obt_group_member_held(mine, 1, ca)); /* credid 6 absent */
  assert_false(ocf_obt_group_member_held(mine, 2, cb)); /* no such member */
  cb->entries[0].credtype = 128;
  assert_false(ocf_obt_group_member_held(mine, 1, cb));
  cb->entries[0].credtype = 256;
  cb->entries[0].subject = k_a;
  assert_false(ocf_obt_group_member_held(mine, 1, cb));
  free(ca);
  free(cb);
  free(mine);
  free(hand);
  free(p);
}

/* --- diff ------------------------------------------------------------------------------------- */

static ocf_obt_ace allow_ace(const char *href, uint32_t aceid) {
  ocf_obt_ace a;
  ocf_obt_ace_allow_device(&a, &k_a, href, OCF_OBT_PERM_R);
  a.aceid = aceid;
  return a;
}

static void test_diff_adds_missing_removes_only_its_own(void **state) {
  (void)state;
  ocf_obt_acl *have = calloc(1, sizeof *have);
  ocf_obt_acl_diff *d = malloc(sizeof *d);
  have->n = 3;
  have->ace[0] = allow_ace("/default", 1);                                 /* not ours (onboarding default) */
  have->ace[1] = allow_ace("/old", 5);                                     /* ours, no longer wanted */
  have->ace[2] = allow_ace("/keep", 6);                                    /* ours, wanted */
  ocf_obt_owned_ace owned[3] = {{.aceid = 5}, {.aceid = 6}, {.aceid = 9}}; /* 9: gone from the device */
  ocf_obt_ace_spec(&have->ace[1], owned[0].spec);
  ocf_obt_ace_spec(&have->ace[2], owned[1].spec);
  snprintf(owned[2].spec, sizeof owned[2].spec, "whatever");
  ocf_obt_ace want[2] = {allow_ace("/keep", 0), allow_ace("/new", 0)};
  assert_int_equal(ocf_obt_acl_diff_compute(want, 2, have, owned, 3, d), OCF_OK);
  assert_int_equal(d->n_add, 1);
  assert_string_equal(d->add[0].res[0].text, "/new");
  assert_int_equal(d->n_remove, 1);
  assert_int_equal(d->remove[0].aceid, 5);
  assert_int_equal(d->n_forget, 1);
  assert_int_equal(d->forget[0], 9);
  /* A wanted ACE the device holds without us is not added again; an owned ACE someone rewrote is
   * no longer ours (forgotten, not removed). */
  ocf_obt_ace want2[1] = {allow_ace("/default", 0)};
  have->ace[1].permission = OCF_OBT_PERM_U;
  assert_int_equal(ocf_obt_acl_diff_compute(want2, 1, have, owned, 2, d), OCF_OK);
  assert_int_equal(d->n_add, 0);
  assert_int_equal(d->n_remove, 1);
  assert_int_equal(d->remove[0].aceid, 6);
  assert_int_equal(d->n_forget, 1);
  assert_int_equal(d->forget[0], 5);
  /* Once applied, nothing is left to do. */
  have->n = 2;
  have->ace[1] = allow_ace("/new", 7);
  ocf_obt_owned_ace owned2[1] = {{.aceid = 7}};
  ocf_obt_ace_spec(&have->ace[1], owned2[0].spec);
  ocf_obt_ace want3[1] = {allow_ace("/new", 0)};
  assert_int_equal(ocf_obt_acl_diff_compute(want3, 1, have, owned2, 1, d), OCF_OK);
  assert_int_equal(d->n_add + d->n_remove + d->n_forget, 0);
  free(have);
  free(d);
}

static void test_pair_held_checks_both_credids(void **state) {
  (void)state;
  ocf_obt_creds_read *ca = calloc(1, sizeof *ca), *cb = calloc(1, sizeof *cb);
  ocf_obt_pairing_record rec = {.a = k_a, .b = k_b, .credid_a = 3, .credid_b = 4};
  ca->n = cb->n = 1;
  ca->entries[0] = (ocf_obt_cred_info){.credid = 3, .credtype = 1, .subject = k_b};
  cb->entries[0] = (ocf_obt_cred_info){.credid = 4, .credtype = 1, .subject = k_a};
  assert_true(ocf_obt_pair_held(&rec, ca, cb));
  cb->entries[0].credid = 5;
  assert_false(ocf_obt_pair_held(&rec, ca, cb));
  free(ca);
  free(cb);
}

/* --- the edit job ------------------------------------------------------------------------------ */

static const uint8_t k_pstat_rfpro[] = {0xa1, 0x63, 'd', 'o', 's', 0xa1, 0x61, 's', 0x02};
static const uint8_t k_pstat_rfnop[] = {0xa1, 0x63, 'd', 'o', 's', 0xa1, 0x61, 's', 0x03};

typedef struct script {
  ocf_obt_edit_job *job;
  ocf_obt_prov_request req;
  ocf_obt_prov_failure fail;
  uint8_t buf[4096];
} script;

static ocf_obt_prov_next answer(script *s, uint16_t code, const uint8_t *payload, size_t len) {
  ocf_obt_prov_response rsp = {code, payload, len};
  return ocf_obt_edit_step(s->job, &rsp, &s->req, &s->fail);
}

static ocf_obt_prov_next answer_acl(script *s, const ocf_obt_ace *aces, size_t n) {
  size_t len = 0;
  assert_int_equal(ocf_obt_acl_encode_post(aces, n, s->buf, sizeof s->buf, &len), OCF_OK);
  return answer(s, 205, s->buf, len);
}

static void expect(script *s, ocf_obt_prov_next next, uint8_t method, const char *href) {
  assert_int_equal(next, OCF_OBT_PROV_SEND);
  assert_int_equal(s->req.method, method);
  assert_string_equal(s->req.href, href);
}

static void test_edit_applies_in_rfnop_and_goes_back(void **state) {
  (void)state;
  script *s = calloc(1, sizeof *s);
  s->job = calloc(1, sizeof *s->job);
  ocf_obt_acl_diff *d = calloc(1, sizeof *d);
  d->n_add = 1;
  d->add[0] = allow_ace("/new", 0);
  d->n_remove = 1;
  d->remove[0] = allow_ace("/old", 5);
  assert_int_equal(ocf_obt_edit_job_apply(s->job, d), OCF_OK);
  expect(s, ocf_obt_edit_step(s->job, NULL, &s->req, &s->fail), 1, "/oic/sec/pstat");
  expect(s, answer(s, 205, k_pstat_rfnop, sizeof k_pstat_rfnop), 2, "/oic/sec/pstat");
  expect(s, answer(s, 204, NULL, 0), 1, "/oic/sec/acl2");
  ocf_obt_ace before[2] = {allow_ace("/default", 1), allow_ace("/old", 5)};
  expect(s, answer_acl(s, before, 2), 4, "/oic/sec/acl2?aceid=5");
  expect(s, answer(s, 202, NULL, 0), 2, "/oic/sec/acl2");
  expect(s, answer(s, 204, NULL, 0), 1, "/oic/sec/acl2");
  ocf_obt_ace after[2] = {allow_ace("/default", 1), allow_ace("/new", 8)};
  expect(s, answer_acl(s, after, 2), 2, "/oic/sec/pstat"); /* back to RFNOP */
  assert_int_equal(answer(s, 204, NULL, 0), OCF_OBT_PROV_DONE);
  assert_int_equal(s->job->added[0], 8);
  assert_true(s->job->was_rfnop);
  free(d);
  free(s->job);
  free(s);
}

static void test_edit_rolls_back_when_a_write_fails(void **state) {
  (void)state;
  script *s = calloc(1, sizeof *s);
  s->job = calloc(1, sizeof *s->job);
  ocf_obt_acl_diff *d = calloc(1, sizeof *d);
  d->n_add = 2;
  d->add[0] = allow_ace("/new", 0);
  d->add[1] = allow_ace("/other", 0);
  d->n_remove = 1;
  d->remove[0] = allow_ace("/old", 5);
  assert_int_equal(ocf_obt_edit_job_apply(s->job, d), OCF_OK);
  expect(s, ocf_obt_edit_step(s->job, NULL, &s->req, &s->fail), 1, "/oic/sec/pstat");
  expect(s, answer(s, 205, k_pstat_rfpro, sizeof k_pstat_rfpro), 1, "/oic/sec/acl2");
  ocf_obt_ace before[1] = {allow_ace("/old", 5)};
  expect(s, answer_acl(s, before, 1), 4, "/oic/sec/acl2?aceid=5");
  expect(s, answer(s, 202, NULL, 0), 2, "/oic/sec/acl2");
  expect(s, answer(s, 204, NULL, 0), 2, "/oic/sec/acl2");
  expect(s, answer(s, 500, (const uint8_t *)"full", 4), 1, "/oic/sec/acl2"); /* rollback reads */
  ocf_obt_ace now[1] = {allow_ace("/new", 9)};
  expect(s, answer_acl(s, now, 1), 4, "/oic/sec/acl2?aceid=9");
  expect(s, answer(s, 202, NULL, 0), 2, "/oic/sec/acl2"); /* /old again, aceid 5 */
  ocf_obt_acl *posted = calloc(1, sizeof *posted);
  assert_int_equal(ocf_obt_acl_parse(s->req.body, s->req.len, posted), OCF_OK);
  assert_int_equal(posted->ace[0].aceid, 5);
  assert_string_equal(posted->ace[0].res[0].text, "/old");
  assert_int_equal(answer(s, 204, NULL, 0), OCF_OBT_PROV_FAIL);
  assert_true(s->job->undone);
  assert_false(s->job->left);
  assert_string_equal(s->fail.stage, "post ACE");
  assert_int_equal(s->fail.code, 500);
  free(posted);
  free(d);
  free(s->job);
  free(s);
}

static void test_edit_refuses_when_the_acl_changed(void **state) {
  (void)state;
  script *s = calloc(1, sizeof *s);
  s->job = calloc(1, sizeof *s->job);
  ocf_obt_acl_diff *d = calloc(1, sizeof *d);
  d->n_remove = 1;
  d->remove[0] = allow_ace("/old", 5);
  assert_int_equal(ocf_obt_edit_job_apply(s->job, d), OCF_OK);
  expect(s, ocf_obt_edit_step(s->job, NULL, &s->req, &s->fail), 1, "/oic/sec/pstat");
  expect(s, answer(s, 205, k_pstat_rfpro, sizeof k_pstat_rfpro), 1, "/oic/sec/acl2");
  ocf_obt_ace other[1] = {allow_ace("/rewritten", 5)};
  assert_int_equal(answer_acl(s, other, 1), OCF_OBT_PROV_FAIL);
  assert_string_equal(s->fail.stage, "check acl2");
  free(d);
  free(s->job);
  free(s);
}

static void test_purge_removes_aces_and_pairwise_creds(void **state) {
  (void)state;
  script *s = calloc(1, sizeof *s);
  s->job = calloc(1, sizeof *s->job);
  assert_int_equal(ocf_obt_edit_job_purge(s->job, &k_a), OCF_OK);
  expect(s, ocf_obt_edit_step(s->job, NULL, &s->req, &s->fail), 1, "/oic/sec/pstat");
  expect(s, answer(s, 205, k_pstat_rfpro, sizeof k_pstat_rfpro), 1, "/oic/sec/acl2");
  ocf_obt_ace acl[2] = {allow_ace("/switch", 4), allow_ace("/x", 7)};
  acl[1].uuid = k_b; /* another device's: stays */
  expect(s, answer_acl(s, acl, 2), 4, "/oic/sec/acl2?aceid=4");
  expect(s, answer(s, 202, NULL, 0), 1, "/oic/sec/cred");
  /* {"creds":[{"credid":2,"credtype":1,"subjectuuid":UA},{"credid":3,"credtype":1,"subjectuuid":UB}]}:
   * only the entry naming the leaving device goes */
  uint8_t cred[256];
  size_t n = 0;
  const char *hdr = "\xa1\x65"
                    "creds"
                    "\x82";
  memcpy(cred, hdr, 8);
  n = 8;
  const char *uuids[2] = {UA, UB};
  for (int i = 0; i < 2; i++) {
    const char *e = "\xa3\x66"
                    "credid";
    memcpy(cred + n, e, 8);
    n += 8;
    cred[n++] = (uint8_t)(2 + i);
    memcpy(cred + n,
           "\x68"
           "credtype\x01",
           10);
    n += 10;
    memcpy(cred + n,
           "\x6b"
           "subjectuuid\x78\x24",
           14);
    n += 14;
    memcpy(cred + n, uuids[i], 36);
    n += 36;
  }
  expect(s, answer(s, 205, cred, n), 4, "/oic/sec/cred?credid=2");
  assert_int_equal(answer(s, 202, NULL, 0), OCF_OBT_PROV_DONE);
  assert_int_equal(s->job->n_removed, 1);
  assert_int_equal(s->job->removed_creds, 1);
  free(s->job);
  free(s);
}

/* --- the RFPRO bracket (ocf_obt_rfpro, used by pairing and OSCORE/group provisioning) ---------- */

/* An inner job that POSTs one cred and is done on 2.04, failed otherwise. */
typedef struct fake_inner {
  int calls;
  bool started_with_null;
} fake_inner;

static ocf_obt_prov_next fake_step(void *user, const ocf_obt_prov_response *rsp, ocf_obt_prov_request *req,
                                   ocf_obt_prov_failure *fail) {
  fake_inner *f = user;
  f->calls++;
  if (!rsp) {
    f->started_with_null = true;
    memset(req, 0, sizeof *req);
    req->method = 2;
    snprintf(req->href, sizeof req->href, "/oic/sec/cred");
    return OCF_OBT_PROV_SEND;
  }
  if (rsp->code == 204) return OCF_OBT_PROV_DONE;
  memset(fail, 0, sizeof *fail);
  fail->stage = "post cred";
  fail->code = rsp->code;
  fail->err = OCF_ERR_DENIED;
  return OCF_OBT_PROV_FAIL;
}

typedef struct wscript {
  ocf_obt_rfpro w;
  fake_inner in;
  ocf_obt_prov_request req;
  ocf_obt_prov_failure fail;
} wscript;

static ocf_obt_prov_next wanswer(wscript *s, uint16_t code, const uint8_t *payload, size_t len) {
  ocf_obt_prov_response rsp = {code, payload, len};
  return ocf_obt_rfpro_step(&s->w, &rsp, &s->req, &s->fail);
}

static void wexpect(wscript *s, ocf_obt_prov_next next, uint8_t method, const char *href) {
  assert_int_equal(next, OCF_OBT_PROV_SEND);
  assert_int_equal(s->req.method, method);
  assert_string_equal(s->req.href, href);
}

/* The POST of pstat carries {"dos":{"s":N}}, byte for byte what the device shows for N. */
static void wexpect_dos(wscript *s, ocf_obt_prov_next next, const uint8_t *want, size_t len) {
  wexpect(s, next, 2, "/oic/sec/pstat");
  assert_int_equal(s->req.len, len);
  assert_memory_equal(s->req.body, want, len);
}

static wscript *wstart(void) {
  wscript *s = calloc(1, sizeof *s);
  ocf_obt_rfpro_init(&s->w, fake_step, &s->in);
  wexpect(s, ocf_obt_rfpro_step(&s->w, NULL, &s->req, &s->fail), 1, "/oic/sec/pstat");
  return s;
}

static void test_rfpro_brackets_a_device_in_rfnop(void **state) {
  (void)state;
  wscript *s = wstart();
  wexpect_dos(s, wanswer(s, 205, k_pstat_rfnop, sizeof k_pstat_rfnop), k_pstat_rfpro, sizeof k_pstat_rfpro);
  wexpect(s, wanswer(s, 204, NULL, 0), 2, "/oic/sec/cred");
  assert_true(s->in.started_with_null);
  wexpect_dos(s, wanswer(s, 204, NULL, 0), k_pstat_rfnop, sizeof k_pstat_rfnop); /* back */
  assert_int_equal(wanswer(s, 204, NULL, 0), OCF_OBT_PROV_DONE);
  assert_true(s->w.was_rfnop);
  assert_false(s->w.back_failed);
  assert_int_equal(s->in.calls, 2); /* the inner step saw only its own answers */
  /* called again after the end: a bug, refused */
  assert_int_equal(wanswer(s, 204, NULL, 0), OCF_OBT_PROV_FAIL);
  free(s);
}

static void test_rfpro_leaves_rfpro_alone(void **state) {
  (void)state;
  wscript *s = wstart();
  wexpect(s, wanswer(s, 205, k_pstat_rfpro, sizeof k_pstat_rfpro), 2, "/oic/sec/cred");
  assert_int_equal(wanswer(s, 204, NULL, 0), OCF_OBT_PROV_DONE);
  assert_false(s->w.was_rfnop);
  free(s);
  /* a failure is passed through as is */
  s = wstart();
  wexpect(s, wanswer(s, 205, k_pstat_rfpro, sizeof k_pstat_rfpro), 2, "/oic/sec/cred");
  assert_int_equal(wanswer(s, 400, NULL, 0), OCF_OBT_PROV_FAIL);
  assert_string_equal(s->fail.stage, "post cred");
  free(s);
}

static void test_rfpro_goes_back_after_a_failure(void **state) {
  (void)state;
  wscript *s = wstart();
  wexpect_dos(s, wanswer(s, 205, k_pstat_rfnop, sizeof k_pstat_rfnop), k_pstat_rfpro, sizeof k_pstat_rfpro);
  wexpect(s, wanswer(s, 204, NULL, 0), 2, "/oic/sec/cred");
  wexpect_dos(s, wanswer(s, 400, NULL, 0), k_pstat_rfnop, sizeof k_pstat_rfnop);
  assert_int_equal(wanswer(s, 204, NULL, 0), OCF_OBT_PROV_FAIL);
  assert_string_equal(s->fail.stage, "post cred"); /* the inner failure, not ours */
  assert_int_equal(s->fail.code, 400);
  free(s);
  /* the way back refused after a success: the job fails and says the device stays in RFPRO */
  s = wstart();
  wexpect_dos(s, wanswer(s, 205, k_pstat_rfnop, sizeof k_pstat_rfnop), k_pstat_rfpro, sizeof k_pstat_rfpro);
  wexpect(s, wanswer(s, 204, NULL, 0), 2, "/oic/sec/cred");
  wexpect_dos(s, wanswer(s, 204, NULL, 0), k_pstat_rfnop, sizeof k_pstat_rfnop);
  assert_int_equal(wanswer(s, 403, NULL, 0), OCF_OBT_PROV_FAIL);
  assert_string_equal(s->fail.stage, "back to RFNOP");
  assert_true(s->w.back_failed);
  free(s);
}

static void test_rfpro_refusals_and_bad_pstat(void **state) {
  (void)state;
  wscript *s = wstart(); /* the device will not leave RFNOP: the inner step never runs */
  wexpect_dos(s, wanswer(s, 205, k_pstat_rfnop, sizeof k_pstat_rfnop), k_pstat_rfpro, sizeof k_pstat_rfpro);
  assert_int_equal(wanswer(s, 403, NULL, 0), OCF_OBT_PROV_FAIL);
  assert_string_equal(s->fail.stage, "move to RFPRO");
  assert_false(s->w.was_rfnop);
  assert_int_equal(s->in.calls, 0);
  free(s);
  static const uint8_t no_dos[] = {0xa1, 0x61, 's', 0x03};
  s = wstart();
  assert_int_equal(wanswer(s, 205, no_dos, sizeof no_dos), OCF_OBT_PROV_FAIL);
  assert_string_equal(s->fail.stage, "read pstat");
  free(s);
  s = wstart();
  assert_int_equal(wanswer(s, 401, NULL, 0), OCF_OBT_PROV_FAIL);
  assert_int_equal(s->in.calls, 0);
  free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_a_policy),
      cmocka_unit_test(test_parse_errors_name_the_line),
      cmocka_unit_test(test_parse_caps),
      cmocka_unit_test(test_parse_groups),
      cmocka_unit_test(test_parse_group_errors),
      cmocka_unit_test(test_group_diff),
      cmocka_unit_test(test_diff_adds_missing_removes_only_its_own),
      cmocka_unit_test(test_pair_held_checks_both_credids),
      cmocka_unit_test(test_edit_applies_in_rfnop_and_goes_back),
      cmocka_unit_test(test_edit_rolls_back_when_a_write_fails),
      cmocka_unit_test(test_edit_refuses_when_the_acl_changed),
      cmocka_unit_test(test_purge_removes_aces_and_pairwise_creds),
      cmocka_unit_test(test_rfpro_brackets_a_device_in_rfnop),
      cmocka_unit_test(test_rfpro_leaves_rfpro_alone),
      cmocka_unit_test(test_rfpro_goes_back_after_a_failure),
      cmocka_unit_test(test_rfpro_refusals_and_bad_pstat),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
