/* obt maintain: keeps the domain's CRL fresh and on its devices, and renews identity
 * certificates before they expire, once or every DURATION (ADR 0025; digest §6.7). What a pass
 * does is decided by <ocf/ocf_obt_maintain.h> from the store alone; the jobs are obt crl push's
 * and obt cert renew's (cert_jobs.c). */
#define _POSIX_C_SOURCE 200809L
#include <ocf/ocf_obt_maintain.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "cert_cli.h"

static const char maintain_usage[] =
    "usage: obt maintain [--once | --every DURATION [--rounds N]] [options]\n"
    "\n"
    "One pass over the domain: renews identity certificates that expire within --renew-before\n"
    "(revoking the ones they replace, as obt cert renew); signs a new CRL when none was signed,\n"
    "a certificate was revoked since, or its next update is within --crl-before (or past);\n"
    "pushes the current CRL to every owned device that does not hold it yet (devices without\n"
    "/oic/sec/crl are skipped). A device that does not answer is reported and tried again by the\n"
    "next pass. With --every, passes repeat until --rounds or SIGINT/SIGTERM (taken between\n"
    "passes).\n"
    "\n"
    "options:\n"
    "      --once               one pass (the default)\n"
    "      --every DURATION     a pass every DURATION (e.g. 6h; units s m h d w, none = seconds)\n"
    "      --rounds N           with --every: stop after N passes (default: until a signal)\n"
    "      --crl-before DURATION  re-sign when nextUpdate is this close (default: a quarter of\n"
    "                           the CRL's lifetime)\n"
    "      --crl-days N         lifetime of a new CRL in days (default 90)\n"
    "      --renew-before DURATION  renew certificates expiring this soon (default 30d)\n"
    "      --days N             validity of a renewed certificate in days (default 365)\n"
    "      --no-renew           list expiring certificates, do not renew them\n"
    "      --dry-run            say what a pass would do; sign nothing, contact no device\n"
    "      --json               one JSON object per line (events: pass, crl, cert, result,\n"
    "                           unreachable, pass-done, stop)\n"
    "  -w, --window MS          multicast discovery window (default 3000)\n"
    "  -t, --timeout S          give up on a device after S seconds (default 60)\n"
    "  -i, --interface IF, -4, -6, -v   network options as for obt discover\n"
    "  -s, --store PATH         the domain store (default $XDG_DATA_HOME/obt/domain.db, or\n"
    "                           ~/.local/share/obt/domain.db)\n"
    "  -k, --key-file PATH      the domain key file (default: the one recorded by obt init)\n"
    "      --passphrase-env VAR the domain passphrase from environment variable VAR\n"
    "      --now RFC3339        for testing: the pass's time instead of the clock\n"
    "  -h, --help               this text\n"
    "\n"
    "exit status (of the last pass): 0 done, 1 a device failed, 2 usage, 3 system error,\n"
    "4 every failure was a device not answering\n";

typedef struct maint_opts {
  obt_lc_opts lc;
  bool once, no_renew, dry_run;
  int64_t every, crl_before, renew_before, now_base;
  bool have_every, have_now;
  uint32_t rounds, crl_days, days;
} maint_opts;

/* What one pass did, for its last line. */
typedef struct pass_stats {
  size_t pushed, push_failed, renewed, renew_failed, unreachable;
} pass_stats;

static int usage_error(const char *msg) {
  fprintf(stderr, "obt maintain: %s (see obt maintain --help)\n", msg);
  return OBT_EXIT_USAGE;
}

static bool parse_u32(const char *v, uint32_t lo, uint32_t hi, uint32_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long n = v ? strtoul(v, &end, 10) : 0;
  if (!v || errno || !end || *end || v[0] < '0' || v[0] > '9' || n < lo || n > hi) return false;
  *out = (uint32_t)n;
  return true;
}

/* The options that take a value; 1 handled, 0 not one of them, or an exit code + 10. */
static int parse_valued(maint_opts *o, const char *a, const char *v) {
  ocf_err err = OCF_OK;
  bool ok = true;
  if (!strcmp(a, "--every")) {
    err = ocf_obt_duration_parse(v, &o->every);
    o->have_every = true;
  } else if (!strcmp(a, "--crl-before")) {
    err = ocf_obt_duration_parse(v, &o->crl_before);
  } else if (!strcmp(a, "--renew-before")) {
    err = ocf_obt_duration_parse(v, &o->renew_before);
  } else if (!strcmp(a, "--now")) {
    err = ocf_obt_rfc3339_parse(v, &o->now_base);
    o->have_now = true;
  } else if (!strcmp(a, "--rounds")) {
    ok = parse_u32(v, 1, 1000000, &o->rounds);
  } else if (!strcmp(a, "--crl-days")) {
    ok = parse_u32(v, 1, 3650, &o->crl_days);
  } else if (!strcmp(a, "--days")) {
    ok = parse_u32(v, 1, 36500, &o->days);
  } else {
    return 0;
  }
  if (!v || err != OCF_OK || !ok) {
    fprintf(stderr, "obt maintain: %s needs a valid value (see obt maintain --help)\n", a);
    return 10 + OBT_EXIT_USAGE;
  }
  return 1;
}

static int check_args(const maint_opts *o) {
  if (o->lc.n_uuids) return usage_error("maintain works on the whole domain: no device operands");
  if (o->once && o->have_every) return usage_error("--once and --every exclude each other");
  if (o->rounds && !o->have_every) return usage_error("--rounds goes with --every");
  if (o->have_every && o->every == 0 && !o->rounds) return usage_error("--every 0 needs --rounds");
  return -1;
}

static int parse_args(int argc, char **argv, maint_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int h;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      fputs(maintain_usage, stdout);
      return OBT_EXIT_OK;
    } else if (!strcmp(a, "--once")) {
      o->once = true;
    } else if (!strcmp(a, "--no-renew")) {
      o->no_renew = true;
    } else if (!strcmp(a, "--dry-run")) {
      o->dry_run = true;
    } else if ((h = parse_valued(o, a, v)) != 0) {
      if (h > 1) return h - 10;
      i++;
    } else if ((h = obt_lc_opt_parse(&o->lc, "maintain", argc, argv, &i)) != 0) {
      if (h < 0) return OBT_EXIT_USAGE;
    } else {
      fprintf(stderr, "obt maintain: unknown or incomplete option '%s' (see obt maintain --help)\n", a);
      return OBT_EXIT_USAGE;
    }
  }
  return check_args(o);
}

/* --- output ----------------------------------------------------------------------------------- */

static void uuid_text(const ocf_uuid *u, char out[OCF_UUID_STR_LEN]) { ocf_uuid_format(u, out); }

static void time_text(int64_t utc, char out[32]) { obt_format_wall((ocf_obt_wall_ms)utc * 1000, out); }

static void serial_text(const ocf_obt_cert_record *r, char *out, size_t cap) {
  out[0] = 0;
  for (size_t i = 0; i < r->serial_len && 2 * i + 2 < cap; i++)
    snprintf(out + 2 * i, 3, "%02X", r->serial[i]);
}

static void print_pass(const maint_opts *o, uint32_t round, int64_t now) {
  char t[32];
  time_text(now, t);
  if (o->lc.json)
    printf("{\"event\": \"pass\", \"round\": %u, \"now\": \"%s\", \"dry_run\": %s}\n", (unsigned)round, t,
           o->dry_run ? "true" : "false");
  else
    printf("pass %u at %s%s\n", (unsigned)round, t, o->dry_run ? " (dry run)" : "");
}

/* action: "signed", "would-sign", "current", "none" (no CA). */
static void print_crl(const maint_opts *o, const char *action, ocf_obt_crl_need need,
                      const ocf_obt_crl_info *c) {
  char tu[32] = "", nu[32] = "";
  if (c) {
    time_text(c->this_update, tu);
    time_text(c->next_update, nu);
  }
  if (o->lc.json) {
    printf("{\"event\": \"crl\", \"action\": \"%s\", \"reason\": \"%s\"", action,
           ocf_obt_crl_need_name(need));
    if (c)
      printf(", \"number\": %llu, \"this_update\": \"%s\", \"next_update\": \"%s\"",
             (unsigned long long)c->number, tu, nu);
    printf("}\n");
  } else if (!c) {
    printf("crl: %s\n", !strcmp(action, "none") ? "the domain has no CA (obt ca init): nothing to maintain"
                                                : "would sign a new CRL (none yet)");
  } else if (!strcmp(action, "would-sign")) {
    printf("crl: would sign a new CRL (%s): the current one is number %llu, next update %s\n",
           ocf_obt_crl_need_name(need), (unsigned long long)c->number, nu);
  } else {
    printf("crl: %s number %llu (%s), next update %s\n", action, (unsigned long long)c->number,
           ocf_obt_crl_need_name(need), nu);
  }
}

/* action: "renew", "would-renew", "listed" (--no-renew), "not-renewed" (revoked). */
static void print_cert(const maint_opts *o, const ocf_obt_maint_device *d, const char *action) {
  char u[OCF_UUID_STR_LEN], until[32], serial[2 * OCF_OBT_CERT_SERIAL_MAX + 1];
  uuid_text(&d->uuid, u);
  time_text(d->cert.not_after, until);
  serial_text(&d->cert, serial, sizeof serial);
  if (o->lc.json)
    printf("{\"event\": \"cert\", \"uuid\": \"%s\", \"serial\": \"%s\", \"not_after\": \"%s\", \"status\": "
           "\"%s\", \"action\": \"%s\"}\n",
           u, serial, until, ocf_obt_cert_need_name(d->cert_need), action);
  else
    printf("cert: %s serial %s %s %s: %s\n", u, serial,
           d->cert_need == OCF_OBT_CERT_EXPIRED      ? "expired"
           : d->cert_need == OCF_OBT_CERT_UNFINISHED ? "(a renewal was cut short) expires"
                                                     : "expires",
           until, action);
}

static void print_unreachable(const maint_opts *o, const ocf_uuid *uuid, const char *what) {
  char u[OCF_UUID_STR_LEN];
  uuid_text(uuid, u);
  if (o->lc.json)
    printf("{\"event\": \"unreachable\", \"uuid\": \"%s\", \"action\": \"%s\"}\n", u, what);
  else
    printf("unreachable %s: %s tried again next pass\n", u, what);
}

static void print_done(const maint_opts *o, uint32_t round, const pass_stats *st, int rc) {
  if (o->lc.json)
    printf("{\"event\": \"pass-done\", \"round\": %u, \"crl_pushed\": %zu, \"crl_failed\": %zu, \"renewed\": "
           "%zu, \"renew_failed\": %zu, \"unreachable\": %zu, \"status\": %d}\n",
           (unsigned)round, st->pushed, st->push_failed, st->renewed, st->renew_failed, st->unreachable, rc);
  else
    printf("pass %u done: CRL pushed to %zu (%zu failed), %zu renewed (%zu failed), %zu unreachable\n",
           (unsigned)round, st->pushed, st->push_failed, st->renewed, st->renew_failed, st->unreachable);
  fflush(stdout);
}

/* --- a pass ------------------------------------------------------------------------------------- */

typedef struct pass {
  maint_opts *o; /* obt_prov_cli_open sets its network options */
  ocf_obt_store *s;
  int64_t now;
  size_t cap;
  ocf_obt_maint_plan plan;
  ocf_obt_maint_device *devs;
  ocf_uuid *push, *renew, *all, *gone; /* gone: unreachable this pass */
  size_t n_push, n_renew, n_all, n_gone;
  uint8_t crl[2048];
  size_t crl_len;
  pass_stats st;
} pass;

static int pass_plan(pass *p) {
  ocf_obt_maint_params mp = {p->now, p->o->crl_before, p->o->renew_before};
  ocf_err err = ocf_obt_maint_plan_make(p->s, &mp, p->devs, p->cap, &p->plan);
  if (err != OCF_OK) fprintf(stderr, "obt maintain: reading the store: %s\n", ocf_strerror(err));
  return err == OCF_OK ? -1 : obt_store_exit_code(err);
}

/* The CRL to push: a new one when due (unless --dry-run), else the current one. */
static int pass_crl(pass *p) {
  const maint_opts *o = p->o;
  ocf_obt_crl_need need = p->plan.crl_need;
  ocf_err err;
  if (need != OCF_OBT_CRL_FRESH && o->dry_run) {
    print_crl(o, "would-sign", need, p->plan.have_crl ? &p->plan.crl : NULL);
    return -1;
  }
  if (need != OCF_OBT_CRL_FRESH)
    err = ocf_obt_crl_issue(p->s, p->now, o->crl_days, p->crl, sizeof p->crl, &p->crl_len, &p->plan.crl);
  else
    err = ocf_obt_crl_current(p->s, p->crl, sizeof p->crl, &p->crl_len, &p->plan.crl);
  if (err != OCF_OK) {
    fprintf(stderr, "obt maintain: the CRL: %s\n",
            err == OCF_ERR_NO_SPACE ? "too many revoked certificates for one CRL" : ocf_strerror(err));
    return err == OCF_ERR_IO || err == OCF_ERR_NO_MEMORY ? OBT_EXIT_SYSTEM : OBT_EXIT_FAILED;
  }
  if (need != OCF_OBT_CRL_FRESH &&
      ocf_obt_store_audit_append(p->s, obt_wall_ms(), "obt", "crl sign", "obt maintain") != OCF_OK)
    fprintf(stderr, "obt maintain: the audit log could not be written\n");
  print_crl(o, need != OCF_OBT_CRL_FRESH ? "signed" : "current", need, &p->plan.crl);
  return -1;
}

static bool has_uuid(const ocf_uuid *list, size_t n, const ocf_uuid *u) {
  for (size_t i = 0; i < n; i++)
    if (ocf_uuid_equal(&list[i], u)) return true;
  return false;
}

/* The certificates to renew (printed), and whether any device has work this pass. */
static bool pass_select_renew(pass *p) {
  const maint_opts *o = p->o;
  bool work = p->plan.crl_need != OCF_OBT_CRL_FRESH;
  for (size_t i = 0; i < p->plan.n_devices; i++) {
    const ocf_obt_maint_device *d = &p->devs[i];
    work = work || d->crl_push;
    if (!d->has_cert || d->cert_need == OCF_OBT_CERT_OK) continue;
    if (d->cert_need == OCF_OBT_CERT_REVOKED_LAST) {
      print_cert(o, d, "not-renewed");
      continue;
    }
    print_cert(o, d, o->dry_run ? "would-renew" : o->no_renew ? "listed" : "renew");
    if (!o->dry_run && !o->no_renew) p->renew[p->n_renew++] = d->uuid;
  }
  for (size_t i = 0; i < p->plan.n_devices; i++) p->all[p->n_all++] = p->devs[i].uuid;
  return work || p->n_renew > 0;
}

/* The devices that get the CRL (not those unreachable earlier in this pass). */
static void pass_select_push(pass *p) {
  for (size_t i = 0; i < p->plan.n_devices; i++) {
    const ocf_obt_maint_device *d = &p->devs[i];
    if (!d->crl_push || has_uuid(p->gone, p->n_gone, &d->uuid)) continue;
    p->push[p->n_push++] = d->uuid;
    if (!p->o->dry_run) continue;
    char u[OCF_UUID_STR_LEN];
    uuid_text(&d->uuid, u);
    if (p->o->lc.json)
      printf("{\"event\": \"crl-push\", \"uuid\": \"%s\", \"action\": \"would-push\"}\n", u);
    else
      printf("crl: would push to %s\n", u);
  }
}

static bool unreachable(const obt_prov_cli_result *r) {
  return !r->ok &&
         (r->failure.err == OCF_ERR_TIMEOUT || (r->failure.err == OCF_ERR_NOT_FOUND && r->failure.stage &&
                                                !strcmp(r->failure.stage, "owner session")));
}

/* Counts a run's results; an unreachable device is reported and left for the next pass. */
static void tally(pass *p, const ocf_uuid *uuids, size_t n, const obt_prov_cli_result *res, bool crl) {
  for (size_t i = 0; i < n; i++) {
    if (res[i].ok) {
      ++*(crl ? &p->st.pushed : &p->st.renewed);
      continue;
    }
    ++*(crl ? &p->st.push_failed : &p->st.renew_failed);
    if (!unreachable(&res[i])) continue;
    p->st.unreachable++;
    p->gone[p->n_gone++] = uuids[i];
    print_unreachable(p->o, &uuids[i], crl ? "CRL push" : "certificate renewal");
  }
}

/* One run of n jobs (CRL pushes or renewals) over c; an exit code. */
static int pass_jobs(pass *p, obt_prov_cli *c, bool crl) {
  size_t n = crl ? p->n_push : p->n_renew;
  if (!n) return OBT_EXIT_OK;
  obt_prov_cli_result *res = calloc(n, sizeof *res);
  if (!res) return OBT_EXIT_SYSTEM;
  int rc = crl ? obt_crl_jobs_run(c, p->s, p->crl, p->crl_len, &p->plan.crl, p->push, n, res)
               : obt_cert_jobs_run(c, p->s, p->now, p->o->days, p->renew, n, res);
  if (rc != OBT_EXIT_SYSTEM) tally(p, crl ? p->push : p->renew, n, res, crl);
  free(res);
  return rc;
}

static int worse(int a, int b) {
  if (a == OBT_EXIT_SYSTEM || b == OBT_EXIT_SYSTEM) return OBT_EXIT_SYSTEM;
  if (a == OBT_EXIT_FAILED || b == OBT_EXIT_FAILED) return OBT_EXIT_FAILED;
  return a == OBT_EXIT_TIMEOUT || b == OBT_EXIT_TIMEOUT ? OBT_EXIT_TIMEOUT : OBT_EXIT_OK;
}

/* Renewals first: each revokes the certificate it replaces (as obt cert renew does), so the
 * plan is made again and the CRL that lists them goes out in the same pass (digest §6.7). */
static int pass_body(pass *p) {
  int rc = pass_plan(p);
  if (rc >= 0) return rc;
  if (!p->plan.have_ca) {
    print_crl(p->o, "none", OCF_OBT_CRL_FRESH, NULL);
    return OBT_EXIT_OK;
  }
  bool work = pass_select_renew(p);
  obt_prov_cli *c = NULL;
  if (work && !p->o->dry_run && p->n_all) {
    rc = obt_prov_cli_open("maintain", &p->o->lc, p->s, p->all, p->n_all, &c);
    if (rc >= 0) return rc;
  }
  rc = c ? pass_jobs(p, c, false) : OBT_EXIT_OK;
  int r2 = rc == OBT_EXIT_SYSTEM ? rc : p->st.renewed ? pass_plan(p) : -1;
  if (r2 < 0) r2 = pass_crl(p);
  if (r2 < 0) {
    pass_select_push(p);
    r2 = c ? pass_jobs(p, c, true) : OBT_EXIT_OK;
  }
  obt_prov_cli_close(c);
  return worse(rc, r2);
}

static int run_pass(maint_opts *o, ocf_obt_store *s, uint32_t round, int64_t now) {
  size_t cap = 0;
  if (ocf_obt_store_device_count(s, &cap) != OCF_OK) return OBT_EXIT_SYSTEM;
  cap = cap ? cap : 1;
  pass *p = calloc(1, sizeof *p);
  int rc = OBT_EXIT_SYSTEM;
  if (p) {
    *p = (pass){.o = o, .s = s, .now = now, .cap = cap};
    p->devs = calloc(cap, sizeof *p->devs);
    p->push = calloc(cap, sizeof *p->push);
    p->renew = calloc(cap, sizeof *p->renew);
    p->all = calloc(cap, sizeof *p->all);
    p->gone = calloc(cap, sizeof *p->gone);
  }
  if (p && p->devs && p->push && p->renew && p->all && p->gone) {
    print_pass(o, round, now);
    rc = pass_body(p);
    print_done(o, round, &p->st, rc);
  }
  if (p) {
    free(p->devs);
    free(p->push);
    free(p->renew);
    free(p->all);
    free(p->gone);
  }
  free(p);
  return rc;
}

/* --- passes ----------------------------------------------------------------------------------- */

static int64_t mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec;
}

/* SIGINT and SIGTERM are blocked and read from a signalfd between passes: a signal during a
 * pass waits for its end (no handler, no global state). -1 when none could be set up. */
static int signals_fd(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (sigprocmask(SIG_BLOCK, &set, NULL) != 0) return -1;
  return signalfd(-1, &set, SFD_CLOEXEC);
}

/* Waits up to secs seconds; true when a signal came. */
static bool wait_or_signal(int fd, int64_t secs) {
  int64_t end = mono_s() + secs;
  for (;;) {
    int64_t left = end - mono_s();
    if (left < 0) left = 0;
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    int n = poll(&pf, 1, left > 86400 ? 86400000 : (int)(left * 1000));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
    if (n == 0 && left == 0) return false;
  }
}

static int run_passes(maint_opts *o, ocf_obt_store *s) {
  int fd = -1;
  if (o->have_every && (fd = signals_fd()) < 0) {
    perror("obt maintain: signalfd");
    return OBT_EXIT_SYSTEM;
  }
  int64_t start = mono_s(), base = o->have_now ? o->now_base : obt_wall_ms() / 1000;
  int rc = OBT_EXIT_OK;
  for (uint32_t round = 1;; round++) {
    int64_t now = o->have_now ? base + (mono_s() - start) : obt_wall_ms() / 1000;
    rc = run_pass(o, s, round, now);
    if (rc == OBT_EXIT_SYSTEM || !o->have_every || (o->rounds && round >= o->rounds)) break;
    if (wait_or_signal(fd, o->every)) {
      if (o->lc.json)
        printf("{\"event\": \"stop\", \"round\": %u}\n", (unsigned)round);
      else
        printf("stopping after pass %u (signal)\n", (unsigned)round);
      break;
    }
  }
  if (fd >= 0) close(fd);
  return rc;
}

int obt_cmd_maintain(int argc, char **argv) {
  maint_opts o;
  memset(&o, 0, sizeof o);
  obt_net_opts_init(&o.lc.net);
  o.crl_before = -1; /* a quarter of the CRL's lifetime */
  o.renew_before = 30 * 86400;
  o.crl_days = 90; /* digest §6.7: refresh e.g. every 3 months */
  o.days = 365;
  o.lc.uuids = calloc((size_t)argc, sizeof *o.lc.uuids);
  if (!o.lc.uuids) return OBT_EXIT_SYSTEM;
  int rc = parse_args(argc, argv, &o);
  ocf_obt_store *s = NULL;
  if (rc < 0) rc = obt_lc_open_store("maintain", &o.lc, true, &s);
  if (rc < 0) rc = run_passes(&o, s);
  ocf_obt_store_close(s);
  free(o.lc.uuids);
  return rc;
}
