/* Pure text views of obt (view.h). The live display keeps its region small — the running
 * devices (at most --jobs) and one counts line — so a thousand devices cost a thousand final
 * lines and no quadratic redrawing; lines never wrap, or going back up over the region would
 * miss some. ANSI: ESC[nA cursor up, ESC[J erase to the end of the screen (ECMA-48). */
#include "view.h"

#include <stdlib.h>
#include <string.h>

const char *obt_oxm_name(uint32_t oxm, char buf[12]) {
  static const char *const names[] = {"jw", "rdp", "mfgcert", "dcap", "self"}; /* SEC:doxm 0..4 */
  if (oxm < sizeof names / sizeof names[0]) return names[oxm];
  snprintf(buf, 12, "%u", (unsigned)oxm);
  return buf;
}

void obt_format_oxms(const uint32_t *oxms, size_t n, char *out, size_t cap) {
  if (!cap) return;
  size_t len = 0;
  out[0] = '\0';
  for (size_t i = 0; i < n && len < cap; i++) {
    char b[12];
    int w = snprintf(out + len, cap - len, "%s%s", i ? "," : "", obt_oxm_name(oxms[i], b));
    if (w < 0) break;
    len += (size_t)w;
  }
  if (len >= cap) out[cap - 1] = '\0';
  if (!out[0]) snprintf(out, cap, "-");
}

void obt_format_final(const ocf_obt_onboard_event *ev, char *out, size_t cap) {
  char dev[OCF_UUID_STR_LEN], now[OCF_UUID_STR_LEN];
  out[0] = '\0';
  if (ev->type != OCF_OBT_EV_OWNED && ev->type != OCF_OBT_EV_FAILED) return;
  ocf_uuid_format(&ev->device->uuid, dev);
  ocf_uuid_format(&ev->uuid, now);
  if (ev->type == OCF_OBT_EV_OWNED) {
    snprintf(out, cap, "owned   %s  %-20s  (was %s, %s, %u requests)", now, ev->device->name, dev,
             ocf_obt_otm_name(ev->otm), (unsigned)ev->requests);
    return;
  }
  const ocf_obt_onboard_failure *f = ev->failure;
  char request[sizeof f->request + 4] = "", answer[OCF_OBT_DIAG_MAX + 96];
  if (f->request[0]) snprintf(request, sizeof request, " (%s)", f->request);
  if (f->code)
    snprintf(answer, sizeof answer, ": the device answered %u.%02u \"%s\"", f->code / 100, f->code % 100,
             f->diagnostic);
  else
    snprintf(answer, sizeof answer, ": %s (%s)", f->diagnostic, ocf_strerror(f->err));
  snprintf(out, cap, "FAILED  %s  %-20s  at step %s%s%s%s%s", now, ev->device->name, f->step, request, answer,
           f->advice[0] ? " -- " : "", f->advice);
}

int obt_progress_init(obt_progress *p, const ocf_obt_onboard_device *devices, size_t n) {
  memset(p, 0, sizeof *p);
  p->rows = calloc(n ? n : 1, sizeof *p->rows);
  p->done_order = calloc(n ? n : 1, sizeof *p->done_order);
  if (!p->rows || !p->done_order) {
    obt_progress_free(p);
    return -1;
  }
  p->n = n;
  for (size_t i = 0; i < n; i++) {
    ocf_uuid_format(&devices[i].uuid, p->rows[i].uuid);
    memcpy(p->rows[i].name, devices[i].name, sizeof p->rows[i].name);
    p->rows[i].name[sizeof p->rows[i].name - 1] = '\0';
  }
  return 0;
}

void obt_progress_free(obt_progress *p) {
  free(p->rows);
  free(p->done_order);
  memset(p, 0, sizeof *p);
}

void obt_progress_apply(obt_progress *p, const ocf_obt_onboard_event *ev) {
  if (ev->type == OCF_OBT_EV_ALL_DONE) {
    p->all_done = true;
    return;
  }
  if (ev->job >= p->n || ev->type == OCF_OBT_EV_PIN_NEEDED) return;
  obt_progress_row *row = &p->rows[ev->job];
  if (row->state == OBT_ROW_OWNED || row->state == OBT_ROW_FAILED) return; /* final already */
  if (row->state == OBT_ROW_WAITING) p->running++;
  row->state = OBT_ROW_RUNNING;
  row->requests = ev->requests;
  if (ev->type == OCF_OBT_EV_STEP) snprintf(row->step, sizeof row->step, "%s", ev->step ? ev->step : "");
  if (ev->type != OCF_OBT_EV_OWNED && ev->type != OCF_OBT_EV_FAILED) return;
  row->state = ev->type == OCF_OBT_EV_OWNED ? OBT_ROW_OWNED : OBT_ROW_FAILED;
  obt_format_final(ev, row->final, sizeof row->final);
  p->running--;
  if (row->state == OBT_ROW_OWNED)
    p->owned++;
  else
    p->failed++;
  p->done_order[p->n_done++] = ev->job;
}

/* Writes text cut to width columns (UTF-8 continuation bytes take none). */
static void put_cut(FILE *out, const char *text, size_t width) {
  size_t cols = 0, i = 0;
  for (; text[i]; i++) {
    if (((unsigned char)text[i] & 0xc0) != 0x80 && cols++ == width) break;
  }
  fwrite(text, 1, i, out);
}

static void put_final(const obt_progress_row *row, const obt_colour *c, size_t width, FILE *out) {
  bool ok = row->state == OBT_ROW_OWNED;
  size_t word = ok ? 5 : 6; /* "owned" / "FAILED" */
  fprintf(out, "%s%.*s%s", ok ? c->ok : c->bad, (int)word, row->final, c->off);
  put_cut(out, row->final + word, width > word ? width - word : 0);
  fputc('\n', out);
}

void obt_progress_clear(obt_progress *p, FILE *out) {
  if (p->live_lines) fprintf(out, "\033[%zuA", p->live_lines);
  fputs("\r\033[J", out);
  p->live_lines = 0;
}

void obt_progress_render(obt_progress *p, const obt_colour *c, unsigned cols, unsigned rows, FILE *out) {
  size_t width = cols > 1 ? cols - 1 : 1;
  obt_progress_clear(p, out);
  for (; p->n_printed < p->n_done; p->n_printed++)
    put_final(&p->rows[p->done_order[p->n_printed]], c, width, out);
  char line[OBT_VIEW_LINE_MAX];
  if (p->all_done) {
    fprintf(out, "%s%zu owned, %zu failed.%s\n", c->bold, p->owned, p->failed, c->off);
    fflush(out);
    return; /* the region stays for good */
  }
  size_t room = rows > 2 ? rows - 2 : 1, shown = 0;
  for (size_t i = 0; i < p->n && shown < room; i++) {
    const obt_progress_row *row = &p->rows[i];
    if (row->state != OBT_ROW_RUNNING) continue;
    if (shown + 1 == room && p->running > room) break; /* the last line counts the rest */
    /* The uuid's first 8 digits are enough to tell running devices apart; the step must fit. */
    snprintf(line, sizeof line, "  %.8s  %-20s  %s (%u requests)", row->uuid, row->name,
             row->step[0] ? row->step : "starting", (unsigned)row->requests);
    put_cut(out, line, width);
    fputc('\n', out);
    shown++;
  }
  if (shown < p->running) {
    snprintf(line, sizeof line, "  ... and %zu more running", p->running - shown);
    put_cut(out, line, width);
    fputc('\n', out);
    shown++;
  }
  size_t waiting = p->n - p->n_done - p->running;
  snprintf(line, sizeof line, "%zu owned, %zu failed, %zu running, %zu waiting", p->owned, p->failed,
           p->running, waiting);
  fputs(c->bold, out);
  put_cut(out, line, width);
  fprintf(out, "%s\n", c->off);
  p->live_lines = shown + 1;
  fflush(out);
}
