/* obt's pure text views (apps/obt/view.c): OTM lists, final lines, and the live progress
 * display of obt onboard — onboarding events in, terminal text out. */
#define _DEFAULT_SOURCE /* open_memstream */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"

static const obt_colour no_colour = {"", "", "", "", ""};
static const obt_colour ansi = {"<ok>", "<bad>", "<warn>", "<b>", "</>"};

typedef struct capture {
  char *buf;
  size_t len;
  FILE *f;
} capture;

static void cap_open(capture *c) {
  c->buf = NULL;
  c->len = 0;
  c->f = open_memstream(&c->buf, &c->len);
  assert_non_null(c->f);
}

/* Closes the stream and returns its text (freed by the caller). */
static char *cap_close(capture *c) {
  fclose(c->f);
  return c->buf;
}

static size_t count(const char *s, const char *needle) {
  size_t n = 0;
  for (const char *p = strstr(s, needle); p; p = strstr(p + 1, needle)) n++;
  return n;
}

static ocf_obt_onboard_device devs[4];

static void make_devices(void) {
  const char *names[4] = {"lamp", "plug", "fan", "door"};
  memset(devs, 0, sizeof devs);
  for (int i = 0; i < 4; i++) {
    memset(devs[i].uuid.b, 0x11 * (i + 1), sizeof devs[i].uuid.b);
    snprintf(devs[i].name, sizeof devs[i].name, "%s", names[i]);
  }
}

static ocf_obt_onboard_event step(size_t job, const char *name, uint32_t requests) {
  ocf_obt_onboard_event ev = {.type = OCF_OBT_EV_STEP, .job = job, .device = &devs[job], .step = name};
  ev.uuid = devs[job].uuid;
  ev.requests = requests;
  ev.otm = OCF_OBT_OTM_NONE;
  return ev;
}

static const ocf_obt_onboard_failure refused = {.step = "oxmsel",
                                                .request = "POST /oic/sec/doxm",
                                                .code = 400,
                                                .err = OCF_ERR_DENIED,
                                                .diagnostic = "oxmsel not offered",
                                                .advice = "check the OTM policy"};

static void test_oxms_are_named_and_vendor_ones_numbered(void **state) {
  (void)state;
  char out[64];
  const uint32_t oxms[] = {0, 1, 2, 4, 0xff00};
  obt_format_oxms(oxms, 5, out, sizeof out);
  assert_string_equal(out, "jw,rdp,mfgcert,self,65280");
  obt_format_oxms(NULL, 0, out, sizeof out);
  assert_string_equal(out, "-");
  obt_format_oxms(oxms, 5, out, 8); /* cut, still terminated */
  assert_int_equal(strlen(out), 7);
}

static void test_final_lines_name_the_step_request_answer_and_advice(void **state) {
  (void)state;
  make_devices();
  char line[OBT_VIEW_LINE_MAX];
  ocf_obt_onboard_event ev = step(1, NULL, 2);
  ev.type = OCF_OBT_EV_FAILED;
  ev.failure = &refused;
  obt_format_final(&ev, line, sizeof line);
  assert_non_null(strstr(line, "FAILED  22222222-2222-2222-2222-222222222222  plug"));
  assert_non_null(
      strstr(line, "at step oxmsel (POST /oic/sec/doxm): the device answered 4.00 \"oxmsel not offered\""));
  assert_non_null(strstr(line, " -- check the OTM policy"));
  ev = step(0, NULL, 11);
  ev.type = OCF_OBT_EV_OWNED;
  ev.otm = OCF_OBT_OTM_JUST_WORKS;
  memset(ev.uuid.b, 0xaa, 16);
  obt_format_final(&ev, line, sizeof line);
  assert_non_null(strstr(line, "owned   aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa  lamp"));
  assert_non_null(strstr(line, "(was 11111111-1111-1111-1111-111111111111, jw, 11 requests)"));
  ev.type = OCF_OBT_EV_STEP;
  obt_format_final(&ev, line, sizeof line);
  assert_string_equal(line, "");
}

/* Steps update the running devices' lines in place: the second drawing goes back up over the
 * first (cursor up by its line count) and erases it. */
static void test_live_region_is_rewritten_in_place_with_steps_and_counts(void **state) {
  (void)state;
  make_devices();
  obt_progress p;
  assert_int_equal(obt_progress_init(&p, devs, 4), 0);
  ocf_obt_onboard_event ev = step(0, "get-doxm", 0);
  obt_progress_apply(&p, &ev);
  ev = step(1, "get-doxm", 0);
  obt_progress_apply(&p, &ev);
  capture c;
  cap_open(&c);
  obt_progress_render(&p, &no_colour, 120, 40, c.f);
  char *first = cap_close(&c);
  assert_true(strncmp(first, "\r\033[J", 4) == 0); /* nothing to go back over yet */
  assert_non_null(strstr(first, "lamp                  get-doxm (0 requests)"));
  assert_non_null(strstr(first, "0 owned, 0 failed, 2 running, 2 waiting\n"));
  assert_int_equal(count(first, "\n"), 3);
  free(first);

  ev = step(0, "oxmsel", 1);
  obt_progress_apply(&p, &ev);
  cap_open(&c);
  obt_progress_render(&p, &no_colour, 120, 40, c.f);
  char *second = cap_close(&c);
  assert_true(strncmp(second, "\033[3A\r\033[J", 8) == 0);
  assert_non_null(strstr(second, "lamp                  oxmsel (1 requests)"));
  assert_non_null(strstr(second, "  11111111  lamp "));
  assert_null(strstr(second, "11111111  lamp                  get-doxm")); /* lamp's old step is gone */
  free(second);
  obt_progress_free(&p);
}

/* A device that ends is printed once, for good, coloured, above the region; failures keep their
 * explanation; after ALL_DONE only the final counts remain. */
static void test_finished_devices_print_once_and_the_end_leaves_the_totals(void **state) {
  (void)state;
  make_devices();
  obt_progress p;
  assert_int_equal(obt_progress_init(&p, devs, 3), 0);
  for (size_t j = 0; j < 3; j++) {
    ocf_obt_onboard_event ev = step(j, "handshake", 2);
    obt_progress_apply(&p, &ev);
  }
  ocf_obt_onboard_event ev = step(1, NULL, 2);
  ev.type = OCF_OBT_EV_FAILED;
  ev.failure = &refused;
  obt_progress_apply(&p, &ev);
  obt_progress_apply(&p, &ev); /* a repeated final event changes nothing */
  capture c;
  cap_open(&c);
  obt_progress_render(&p, &ansi, 200, 40, c.f);
  char *a = cap_close(&c);
  assert_non_null(strstr(a, "<bad>FAILED</>  22222222"));
  assert_non_null(strstr(a, "-- check the OTM policy\n"));
  assert_non_null(strstr(a, "<b>0 owned, 1 failed, 2 running, 0 waiting</>\n"));
  free(a);

  ev = step(0, NULL, 11);
  ev.type = OCF_OBT_EV_OWNED;
  ev.otm = OCF_OBT_OTM_RANDOM_PIN;
  obt_progress_apply(&p, &ev);
  ev = step(2, NULL, 11);
  ev.type = OCF_OBT_EV_OWNED;
  obt_progress_apply(&p, &ev);
  ocf_obt_onboard_event done = {.type = OCF_OBT_EV_ALL_DONE, .n_owned = 2, .n_failed = 1};
  obt_progress_apply(&p, &done);
  cap_open(&c);
  obt_progress_render(&p, &ansi, 200, 40, c.f);
  char *b = cap_close(&c);
  assert_true(strncmp(b, "\033[3A\r\033[J", 8) == 0);
  assert_int_equal(count(b, "FAILED"), 0); /* printed before, not again */
  assert_int_equal(count(b, "<ok>owned</>"), 2);
  assert_non_null(strstr(b, "rdp, 11 requests"));
  assert_non_null(strstr(b, "<b>2 owned, 1 failed.</>\n"));
  assert_int_equal(count(b, "running"), 0);
  free(b);
  assert_int_equal(p.live_lines, 0);
  obt_progress_free(&p);
}

/* A small terminal: lines are cut to its width (no wrapping), running devices beyond its height
 * are counted on one line. */
static void test_small_terminal_cuts_lines_and_counts_what_does_not_fit(void **state) {
  (void)state;
  make_devices();
  obt_progress p;
  assert_int_equal(obt_progress_init(&p, devs, 4), 0);
  for (size_t j = 0; j < 4; j++) {
    ocf_obt_onboard_event ev = step(j, "owner-credential", 7);
    obt_progress_apply(&p, &ev);
  }
  capture c;
  cap_open(&c);
  obt_progress_render(&p, &no_colour, 30, 4, c.f); /* room for 2 lines above the counts */
  char *t = cap_close(&c);
  assert_int_equal(count(t, "\n"), 3);
  assert_non_null(strstr(t, "... and 3 more running"));
  for (char *line = strtok(t + 4, "\n"); line; line = strtok(NULL, "\n")) assert_true(strlen(line) <= 29);
  free(t);
  assert_int_equal(p.live_lines, 3);
  cap_open(&c);
  obt_progress_clear(&p, c.f);
  char *cl = cap_close(&c);
  assert_string_equal(cl, "\033[3A\r\033[J");
  free(cl);
  obt_progress_free(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_oxms_are_named_and_vendor_ones_numbered),
      cmocka_unit_test(test_final_lines_name_the_step_request_answer_and_advice),
      cmocka_unit_test(test_live_region_is_rewritten_in_place_with_steps_and_counts),
      cmocka_unit_test(test_finished_devices_print_once_and_the_end_leaves_the_totals),
      cmocka_unit_test(test_small_terminal_cuts_lines_and_counts_what_does_not_fit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
