/* Text views of obt that are pure functions of their input (no terminal, no clock): OTM lists,
 * the final line of a device's onboarding, and the live progress display of obt onboard on a
 * terminal (events in, text out: tests/unit/test_obt_view.c). */
#ifndef OBT_VIEW_H
#define OBT_VIEW_H

#include <ocf/ocf_obt_onboard.h>
#include <stdio.h>

#include "lifecycle_cli.h"

/* One doxm oxm as people know it: "jw", "rdp", "mfgcert", "dcap", "self", else its number
 * (written into buf). */
const char *obt_oxm_name(uint32_t oxm, char buf[12]);

/* doxm oxms as people know them (SEC:doxm; digest 2.1): "jw,rdp,mfgcert", numbers for vendor
 * OTMs, "-" for none. Always NUL-terminated; cut short when cap is too small. */
void obt_format_oxms(const uint32_t *oxms, size_t n, char *out, size_t cap);

/* The line (no newline) obt onboard prints when a device ends: OWNED or FAILED events only, else
 * out = "". Failures name the step, the request, the device's answer and the advice. */
void obt_format_final(const ocf_obt_onboard_event *ev, char *out, size_t cap);

typedef enum obt_row_state { OBT_ROW_WAITING, OBT_ROW_RUNNING, OBT_ROW_OWNED, OBT_ROW_FAILED } obt_row_state;

#define OBT_VIEW_LINE_MAX 640

typedef struct obt_progress_row {
  char uuid[OCF_UUID_STR_LEN]; /* as discovered */
  char name[OCF_OBT_NAME_MAX];
  char step[32]; /* the step running (OCF_OBT_EV_STEP) */
  uint32_t requests;
  obt_row_state state;
  char final[OBT_VIEW_LINE_MAX]; /* obt_format_final, once it ended */
} obt_progress_row;

/* The live display: finished devices are printed once, for good, above a region rewritten in
 * place that shows each running device's current step and the counts. */
typedef struct obt_progress {
  obt_progress_row *rows;
  size_t n;
  size_t *done_order; /* rows in the order they ended */
  size_t n_done, n_printed;
  size_t owned, failed, running;
  size_t live_lines; /* lines of the region drawn last (the cursor is below it) */
  bool all_done;
} obt_progress;

/* 0, or -1 (out of memory). */
int obt_progress_init(obt_progress *p, const ocf_obt_onboard_device *devices, size_t n);
void obt_progress_free(obt_progress *p);
/* Takes one onboarding event (PIN_NEEDED changes nothing). */
void obt_progress_apply(obt_progress *p, const ocf_obt_onboard_event *ev);
/* Redraws on out: goes back over the region drawn last, prints the devices that ended since for
 * good (their status word coloured by c), then the running devices (at most rows - 1 lines:
 * the rest are counted) and the counts; every line cut to cols - 1 columns so that none wraps.
 * After ALL_DONE the region is just the final counts line, left in place. */
void obt_progress_render(obt_progress *p, const obt_colour *c, unsigned cols, unsigned rows, FILE *out);
/* Erases the region (before something else is written to the terminal, e.g. a PIN prompt). */
void obt_progress_clear(obt_progress *p, FILE *out);

#endif
