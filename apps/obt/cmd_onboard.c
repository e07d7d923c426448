/* obt onboard: claim devices into the security domain (DOTS, OBT 5.3.1 steps 1-12), one job per
 * device on one engine (<ocf/ocf_obt_onboard.h>). */
#define _DEFAULT_SOURCE /* explicit_bzero */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ocf/ocf_obt_onboard.h>

#include "cli.h"
#include "view.h"
#include "ams_cli.h"

static const char onboard_usage[] =
    "usage: obt onboard UUID... | --all [options]\n"
    "\n"
    "Claims OCF devices into the security domain: finds them (multicast, as obt discover), shows\n"
    "what is about to be claimed and asks for approval, then for each device picks the first OTM\n"
    "of the domain's OTM policy the device offers, runs the ownership transfer over DTLS, gives it\n"
    "the owner credential (kept encrypted in the domain store), and leaves it in RFPRO (or, with\n"
    "--to rfnop, in normal operation after the default access policy: see below).\n"
    "Every step is recorded in the store before and after it runs.\n"
    "\n"
    "options:\n"
    "      --all             every device that answers and is not owned by this domain yet\n"
    "  -y, --yes             do not ask for approval (scripts)\n"
    "      --to STATE        rfpro (default) or rfnop: then, over the owner session, the default\n"
    "                        access policy (the tool may read /oic/res, /oic/d, /oic/p, csr, ael\n"
    "                        and read/update sp, sdi, roles; anyone may read /oic/res, /oic/d,\n"
    "                        /oic/p), the legacy owner-role ACE for an icv <= 2.4.0, the removal\n"
    "                        of SVR entries from anon-clear/auth-crypt ACEs, and RFNOP (obt state)\n"
    "      --pin PIN         the PIN a Random PIN device shows (default: asked on the terminal,\n"
    "                        without echo, when the device shows it)\n"
    "      --pin-file PATH   read the PIN from PATH when the device shows it (scripts, demos whose\n"
    "                        devices write their PIN to a file); %u in PATH is replaced by the\n"
    "                        device's uuid; waits up to 5 s for the file to hold a PIN\n"
    "  -j, --jobs N          devices onboarded at once (default 16; 4 handshakes at most)\n"
    "  -t, --timeout S       seconds one step's request may take (default 30); an unanswered\n"
    "                        request is sent again twice before its device fails\n"
    "      --retries N       how often an unanswered request, or a handshake that did not\n"
    "                        finish, is tried again (0 to 10, default 2; lossy links)\n"
    "  -w, --window MS       how long to listen for devices (default 5000)\n"
    "      --repeat N        send the discovery request N times (1 to 16, default 3; see obt\n"
    "                        discover); an onboarding handshake that does not finish is also\n"
    "                        tried again twice, from oxmsel (a Random PIN device then shows a\n"
    "                        new PIN, asked for again)\n"
    "      --discovery MODE  how devices are found: unowned (default: multicast\n"
    "                        GET /oic/sec/doxm?owned=FALSE, which only devices that can be\n"
    "                        onboarded answer, with their OTMs) or all (GET /oic/res, as before;\n"
    "                        for devices that do not answer the doxm discovery)\n"
    "  -i, --interface IF    send and listen on this interface (repeatable)\n"
    "  -4, --ipv4-only / -6, --ipv6-only\n"
    "  -s, --store PATH      the domain store (default $XDG_DATA_HOME/obt/domain.db)\n"
    "  -k, --key-file PATH   the domain key file (default: the one the domain was created with)\n"
    "      --passphrase-env VAR  the domain passphrase is in environment variable VAR\n"
    "      --json            one JSON object per line and event on stdout (stable field names;\n"
    "                        t_ms: monotonic milliseconds; the last, done, adds the totals:\n"
    "                        requests, handshakes, datagrams_out, datagrams_in)\n"
    "  -v, --verbose         log more on stderr; text mode also prints every step\n"
    "  -h, --help            this text\n"
    "\n"
    "exit status: 0 every device was onboarded, 1 a device failed or was not found (each\n"
    "failure names the step, the request, the device's answer and what to do), 2 usage,\n"
    "3 system error, 4 no device answered\n";

typedef struct onboard_opts {
  obt_net_opts net;
  const char *store, *key_file, *pass_env, *pin, *pin_file;
  bool all, yes, json, verbose, via_res;
  uint32_t window, repeat;
  size_t jobs;
  uint32_t timeout_s;
  int retries; /* -1: the default */
  uint8_t to;  /* 0/2 RFPRO, 3 RFNOP (ams_cli.h) */
  char **uuids;
  size_t n_uuids;
} onboard_opts;

typedef struct onboard_run {
  const onboard_opts *o;
  obt_host *host;
  ocf_obt_device_info *found;
  size_t n_found, cap;
  bool disc_done, oom;
  ocf_err disc_err;
  ocf_obt_onboard_device *targets;
  size_t *target_found; /* targets[i] is found[target_found[i]] */
  bool *pin_asked;      /* the job's PIN was asked for (a retried handshake asks again) */
  size_t n_targets;
  bool done;
  size_t owned, failed, not_found;
  ocf_obt_onboard_event done_ev; /* ALL_DONE, printed in JSON once the loop has sent all */
  const char *kill_at;           /* OBT_FAULT_KILL_AT_STEP (fault injection) */
  bool is_live, drawn;           /* the live display (view.h) on a terminal */
  obt_progress live;
  obt_colour colour;
  ocf_time_ms last_draw;
  ocf_uuid *owned_uuids; /* --to rfnop: the devices owned, with their /oic/d icv */
  char (*owned_icv)[40];
  size_t n_owned_list;
} onboard_run;

static int parse_num(const char *s, unsigned long lo, unsigned long hi, unsigned long *out) {
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  if (end == s || *end || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

/* The options taking a value; -1 when a is not one of them, else 0 or 2 (usage). */
static int parse_valued(onboard_opts *o, const char *a, const char *v) {
  unsigned long n;
  if (strcmp(a, "--pin") == 0) {
    o->pin = v;
  } else if (strcmp(a, "--pin-file") == 0) {
    o->pin_file = v;
  } else if (strcmp(a, "-s") == 0 || strcmp(a, "--store") == 0) {
    o->store = v;
  } else if (strcmp(a, "-k") == 0 || strcmp(a, "--key-file") == 0) {
    o->key_file = v;
  } else if (strcmp(a, "--passphrase-env") == 0) {
    o->pass_env = v;
  } else if (strcmp(a, "--to") == 0) {
    o->to = obt_ams_state_of(v);
    if (o->to != 2 && o->to != 3) return OBT_EXIT_USAGE;
  } else if (strcmp(a, "-j") == 0 || strcmp(a, "--jobs") == 0) {
    if (parse_num(v, 1, 4096, &n)) return OBT_EXIT_USAGE;
    o->jobs = n;
  } else if (strcmp(a, "-t") == 0 || strcmp(a, "--timeout") == 0) {
    if (parse_num(v, 1, 3600, &n)) return OBT_EXIT_USAGE;
    o->timeout_s = (uint32_t)n;
  } else if (strcmp(a, "-w") == 0 || strcmp(a, "--window") == 0) {
    if (parse_num(v, 1, 600000, &n)) return OBT_EXIT_USAGE;
    o->window = (uint32_t)n;
  } else if (strcmp(a, "--retries") == 0) {
    if (parse_num(v, 0, 10, &n)) return OBT_EXIT_USAGE;
    o->retries = (int)n;
  } else if (strcmp(a, "--repeat") == 0) {
    if (parse_num(v, 1, 16, &n)) return OBT_EXIT_USAGE;
    o->repeat = (uint32_t)n;
  } else if (strcmp(a, "--discovery") == 0) {
    if (strcmp(v, "unowned") != 0 && strcmp(v, "all") != 0) return OBT_EXIT_USAGE;
    o->via_res = strcmp(v, "all") == 0;
  } else {
    return -1;
  }
  return 0;
}

/* Returns -1 to go on, or the exit code to stop with. */
static int parse_onboard_args(int argc, char **argv, onboard_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int handled = obt_net_opts_parse(&o->net, argc, argv, &i);
    if (handled < 0) return OBT_EXIT_USAGE;
    if (handled) {
      o->verbose = o->verbose || strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0;
      continue;
    }
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(onboard_usage, stdout);
      return OBT_EXIT_OK;
    }
    if (strcmp(a, "--all") == 0) {
      o->all = true;
    } else if (strcmp(a, "-y") == 0 || strcmp(a, "--yes") == 0) {
      o->yes = true;
    } else if (strcmp(a, "--json") == 0) {
      o->json = true;
    } else if (a[0] != '-') {
      ocf_uuid u;
      if (ocf_uuid_parse(a, strlen(a), &u) != OCF_OK) {
        fprintf(stderr, "obt onboard: '%s' is not a device uuid\n", a);
        return OBT_EXIT_USAGE;
      }
      o->uuids[o->n_uuids++] = argv[i];
    } else if (i + 1 >= argc || parse_valued(o, a, argv[i + 1]) != 0) {
      fprintf(stderr, "obt onboard: unknown, incomplete or invalid option '%s' (see obt onboard --help)\n",
              a);
      return OBT_EXIT_USAGE;
    } else {
      i++;
    }
  }
  if (o->all == (o->n_uuids > 0)) {
    fprintf(stderr, "obt onboard: name the devices (their uuids, see obt discover) or give --all\n");
    return OBT_EXIT_USAGE;
  }
  return -1;
}

/* --- discovery ------------------------------------------------------------------------------ */

static void on_found(void *user, const ocf_obt_device_info *dev) {
  onboard_run *r = user;
  if (r->n_found == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 16;
    ocf_obt_device_info *grown = realloc(r->found, cap * sizeof *grown);
    if (!grown) {
      r->oom = true;
      return;
    }
    r->found = grown;
    r->cap = cap;
  }
  r->found[r->n_found++] = *dev;
}

static void on_disc_done(void *user, ocf_err err, size_t n) {
  (void)n;
  onboard_run *r = user;
  r->disc_done = true;
  r->disc_err = err;
}

static bool disc_over(void *user) { return ((onboard_run *)user)->disc_done; }

static int discover(onboard_run *r) {
  ocf_endpoint groups[4];
  size_t n = ocf_obt_discovery_groups(0, r->o->net.ipv6, r->o->net.ipv4, groups);
  /* S003 5.3.1 step 1: the candidates are the devices that answer doxm?owned=FALSE. */
  ocf_obt_discover_params p = {.targets = groups,
                               .n_targets = n,
                               .window_ms = r->o->window,
                               .mode = r->o->via_res ? OCF_OBT_DISCOVER_ALL : OCF_OBT_DISCOVER_UNOWNED,
                               .read_doxm = true, /* all: the OTMs to show, and who is owned */
                               .repeats = r->o->repeat,
                               .on_device = on_found,
                               .on_done = on_disc_done,
                               .user = r};
  ocf_err err = ocf_obt_discover(r->host->obt, &p, ocf_posix_now());
  if (!err) err = ocf_posix_loop_run(r->host->loop, OCF_TIME_NEVER, disc_over, r);
  if (err || r->oom) {
    fprintf(stderr, "obt onboard: discovery failed: %s\n", ocf_strerror(err ? err : OCF_ERR_NO_MEMORY));
    return OBT_EXIT_SYSTEM;
  }
  return -1;
}

static bool owned_here(ocf_obt_store *s, const ocf_uuid *u) {
  ocf_obt_device_record d;
  return ocf_obt_store_device_get(s, u, &d) == OCF_OK && d.state == OCF_OBT_DEVICE_OWNED;
}

static bool add_target(onboard_run *r, size_t found) {
  const ocf_obt_device_info *dev = &r->found[found];
  char uuid[OCF_UUID_STR_LEN];
  ocf_uuid_format(&dev->di, uuid);
  if (dev->conflict) { /* its answers disagree about who it is: never claim it on their word */
    fprintf(stderr, "obt onboard: %s (%s) gave answers that disagree about its uuid: skipped\n", uuid,
            dev->name);
    return false;
  }
  if ((dev->has_doxm && dev->owned) || dev->doxm_code) { /* all mode: it refused doxm or is owned */
    fprintf(stderr, "obt onboard: %s (%s) is owned (doxm %s): not touched\n", uuid, dev->name,
            dev->has_doxm ? "says owned" : "refused without DTLS");
    return false;
  }
  r->target_found[r->n_targets] = found;
  if (ocf_obt_onboard_device_from(dev, &r->targets[r->n_targets]) != OCF_OK) {
    fprintf(stderr, "obt onboard: %s (%s) advertises no coaps endpoint: skipped\n", uuid, dev->name);
    return false;
  }
  r->n_targets++;
  return true;
}

/* --all: every device found and not owned here; else the named ones (each must be found). */
static int select_targets(onboard_run *r, ocf_obt_store *s) {
  size_t cap = r->o->all ? r->n_found : r->o->n_uuids;
  r->targets = calloc(cap ? cap : 1, sizeof *r->targets);
  r->target_found = calloc(cap ? cap : 1, sizeof *r->target_found);
  r->pin_asked = calloc(cap ? cap : 1, sizeof *r->pin_asked);
  if (!r->targets || !r->target_found || !r->pin_asked) return OBT_EXIT_SYSTEM;
  for (size_t i = 0; r->o->all && i < r->n_found; i++)
    if (!owned_here(s, &r->found[i].di)) add_target(r, i);
  for (size_t k = 0; k < r->o->n_uuids; k++) {
    ocf_uuid u;
    bool found = false;
    if (ocf_uuid_parse(r->o->uuids[k], strlen(r->o->uuids[k]), &u) != OCF_OK) continue;
    for (size_t i = 0; i < r->n_found && !found; i++) {
      if (!ocf_uuid_equal(&r->found[i].di, &u)) continue;
      found = true;
      bool dup = false;
      for (size_t t = 0; t < r->n_targets; t++) dup = dup || ocf_uuid_equal(&r->targets[t].uuid, &u);
      if (!dup && !add_target(r, i)) r->not_found++;
    }
    if (!found) {
      fprintf(stderr, "obt onboard: %s did not answer discovery%s\n", r->o->uuids[k],
              r->o->via_res ? "" : " (an owned device does not: see obt discover --all)");
      r->not_found++;
    }
  }
  return -1;
}

/* OBT 5.3.1 step 2: the user approves what is claimed. */
static int approve(const onboard_run *r, const ocf_obt_domain *d) {
  FILE *out = r->o->json ? stderr : stdout;
  fprintf(out, "About to claim %zu device%s into the security domain \"%s\" (OTM policy %s):\n", r->n_targets,
          r->n_targets == 1 ? "" : "s", d->name, d->otm_policy);
  fprintf(out, "  %-36s  %-20s  %-16s  %-22s  %s\n", "DEVICE UUID", "NAME", "TYPE", "OTMS -> CHOSEN",
          "COAPS");
  for (size_t i = 0; i < r->n_targets; i++) {
    const ocf_obt_device_info *info = &r->found[r->target_found[i]];
    char uuid[OCF_UUID_STR_LEN], ep[OCF_ENDPOINT_STR_MAX], oxms[48], otms[64];
    ocf_uuid_format(&r->targets[i].uuid, uuid);
    if (ocf_endpoint_format(&r->targets[i].coaps, ep, sizeof ep) != OCF_OK) ep[0] = '\0';
    obt_format_oxms(info->has_doxm ? info->oxms : NULL, info->has_doxm ? info->n_oxms : 0, oxms, sizeof oxms);
    /* OBT 5.3.3: the policy's first OTM the device offers (mfgcert also needs a trust anchor). */
    ocf_obt_otm otm = ocf_obt_otm_choose(d->otm_policy, info->oxms, info->n_oxms);
    snprintf(otms, sizeof otms, "%s -> %s", oxms,
             !info->has_doxm           ? "?"
             : otm == OCF_OBT_OTM_NONE ? "none"
                                       : ocf_obt_otm_name(otm));
    fprintf(out, "  %-36s  %-20s  %-16s  %-22s  %s\n", uuid, r->targets[i].name, r->targets[i].type, otms,
            ep);
  }
  if (r->o->yes) return -1;
  if (!isatty(STDIN_FILENO)) {
    fprintf(stderr, "obt onboard: no terminal to ask for approval on: give --yes\n");
    return OBT_EXIT_USAGE;
  }
  fprintf(out, "Claim them? [y/N] ");
  fflush(out);
  char line[16];
  if (!fgets(line, sizeof line, stdin) || (line[0] != 'y' && line[0] != 'Y')) {
    fprintf(stderr, "obt onboard: nothing claimed\n");
    return OBT_EXIT_FAILED;
  }
  return -1;
}

/* --- running -------------------------------------------------------------------------------- */

/* The PIN file's path for one device: %u becomes its uuid, %% a percent sign. False when the
 * result does not fit. */
static bool pin_file_path(const char *pattern, const ocf_uuid *uuid, char *out, size_t cap) {
  char u[OCF_UUID_STR_LEN];
  ocf_uuid_format(uuid, u);
  size_t n = 0;
  for (const char *p = pattern; *p; p++) {
    const char *piece = p;
    size_t len = 1;
    if (p[0] == '%' && p[1] == 'u') {
      piece = u;
      len = strlen(u);
      p++;
    } else if (p[0] == '%' && p[1] == '%') {
      p++;
    }
    if (n + len >= cap) return false;
    memcpy(out + n, piece, len);
    n += len;
  }
  out[n] = '\0';
  return true;
}

/* Reads the first line of the PIN file into pin; the device writes it when it is asked for the
 * Random PIN OTM, just before it answers, so a short bounded wait covers a slow file system. The
 * wait blocks the loop: this is for scripts and demos, where the terminal prompt is no use. */
static void read_pin_file(const char *pattern, const ocf_uuid *uuid, char *pin, size_t cap) {
  char path[4096];
  pin[0] = '\0';
  if (!pin_file_path(pattern, uuid, path, sizeof path)) {
    fprintf(stderr, "obt onboard: --pin-file path too long\n");
    return;
  }
  for (int tries = 0; tries < 50 && !pin[0]; tries++) { /* 50 x 100 ms */
    FILE *f = fopen(path, "r");
    if (f) {
      if (!fgets(pin, (int)cap, f)) pin[0] = '\0';
      fclose(f);
      pin[strcspn(pin, "\r\n")] = '\0';
    }
    if (!pin[0]) usleep(100 * 1000);
  }
  if (!pin[0]) fprintf(stderr, "obt onboard: no PIN in %s\n", path);
}

static void ask_pin(onboard_run *r, const ocf_obt_onboard_event *ev) {
  char pin[64] = "";
  bool again = ev->job < r->n_targets && r->pin_asked[ev->job];
  if (ev->job < r->n_targets) r->pin_asked[ev->job] = true;
  if (r->o->pin && again) {
    /* A retried handshake: the device shows a NEW PIN (digest 4.3), which --pin cannot know. */
    fprintf(stderr, "obt onboard: %s shows a new PIN for a retried handshake: --pin cannot give it\n",
            ev->device->name);
  } else if (r->o->pin) {
    snprintf(pin, sizeof pin, "%s", r->o->pin);
  } else if (r->o->pin_file) {
    read_pin_file(r->o->pin_file, &ev->device->uuid, pin, sizeof pin);
  } else {
    char prompt[160], uuid[OCF_UUID_STR_LEN];
    ocf_uuid_format(&ev->device->uuid, uuid);
    snprintf(prompt, sizeof prompt, "PIN shown by %s (%s): ", ev->device->name, uuid);
    if (obt_read_passphrase(prompt, false, pin, sizeof pin) != OBT_EXIT_OK) pin[0] = '\0';
  }
  ocf_err err = ocf_obt_onboard_pin(r->host->obt, ev->job, pin, strlen(pin), ev->now);
  if (err) {
    fprintf(stderr, "obt onboard: the PIN must be 1 to 32 printable characters without spaces\n");
    if (ocf_obt_onboard_pin(r->host->obt, ev->job, "", 0, ev->now) != OCF_OK) /* gives up on that device */
      fprintf(stderr, "obt onboard: the device could not be given up\n");
  }
  explicit_bzero(pin, sizeof pin);
}

/* "t_ms" in every event: the monotonic clock (ms, arbitrary origin) when it happened, for
 * latencies (bench/onboard-bench). The done event adds the onboarding's totals. */
static void json_event(const ocf_obt_onboard_event *ev, const ocf_obt_onboard_stats *st) {
  static const char *const names[] = {"", "step", "pin-needed", "owned", "failed", "done"};
  char dev[OCF_UUID_STR_LEN], now[OCF_UUID_STR_LEN];
  printf("{\"event\": \"%s\", \"t_ms\": %llu", names[ev->type], (unsigned long long)ev->now);
  if (ev->type == OCF_OBT_EV_ALL_DONE) {
    printf(", \"owned\": %zu, \"failed\": %zu, \"requests\": %zu, \"handshakes\": %zu, "
           "\"datagrams_out\": %zu, \"datagrams_in\": %zu}\n",
           ev->n_owned, ev->n_failed, st->requests, st->handshakes, st->datagrams_out, st->datagrams_in);
    fflush(stdout);
    return;
  }
  ocf_uuid_format(&ev->device->uuid, dev);
  ocf_uuid_format(&ev->uuid, now);
  printf(", \"device\": \"%s\", \"uuid\": \"%s\", \"name\": ", dev, now);
  obt_json_string(stdout, ev->device->name);
  printf(", \"otm\": \"%s\", \"requests\": %u", ev->otm == OCF_OBT_OTM_NONE ? "" : ocf_obt_otm_name(ev->otm),
         (unsigned)ev->requests);
  if (ev->step) printf(", \"step\": \"%s\"", ev->step);
  const ocf_obt_onboard_failure *f = ev->failure;
  if (f) {
    printf(", \"failed_step\": \"%s\", \"request\": ", f->step);
    obt_json_string(stdout, f->request);
    printf(", \"code\": %u, \"error\": ", (unsigned)f->code);
    obt_json_string(stdout, ocf_strerror(f->err));
    printf(", \"diagnostic\": ");
    obt_json_string(stdout, f->diagnostic);
    printf(", \"advice\": ");
    obt_json_string(stdout, f->advice);
    printf(", \"uncertain\": %s", f->uncertain ? "true" : "false");
  }
  printf("}\n");
  fflush(stdout);
}

static void text_event(const onboard_run *r, const ocf_obt_onboard_event *ev) {
  if (ev->type == OCF_OBT_EV_ALL_DONE) {
    printf("%zu owned, %zu failed.\n", ev->n_owned, ev->n_failed);
    return;
  }
  if (ev->type == OCF_OBT_EV_STEP && r->o->verbose) {
    char dev[OCF_UUID_STR_LEN];
    ocf_uuid_format(&ev->device->uuid, dev);
    printf("  %s  %-20s  %s\n", dev, ev->device->name, ev->step);
  }
  char line[OBT_VIEW_LINE_MAX];
  obt_format_final(ev, line, sizeof line);
  if (line[0]) printf("%s\n", line);
}

/* On a terminal: the live display (view.h), redrawn at most every 100 ms for steps, at once
 * when a device ends. */
static void live_event(onboard_run *r, const ocf_obt_onboard_event *ev) {
  obt_progress_apply(&r->live, ev);
  bool final = ev->type != OCF_OBT_EV_STEP;
  if (!final && r->drawn && ev->now < r->last_draw + 100) return;
  unsigned cols = 80, rows = 24;
  (void)ocf_posix_terminal_size(fileno(stdout), &cols, &rows);
  obt_progress_render(&r->live, &r->colour, cols, rows, stdout);
  r->drawn = true;
  r->last_draw = ev->now;
}

static void on_event(void *user, const ocf_obt_onboard_event *ev) {
  onboard_run *r = user;
  /* Fault injection for the crash-safety test (docs/HARDENING.md): kill -9 of this process the
   * moment step NAME begins (the store has recorded it, its request is not sent). */
  if (r->kill_at && ev->type == OCF_OBT_EV_STEP && strcmp(ev->step, r->kill_at) == 0) raise(SIGKILL);
  if (ev->type == OCF_OBT_EV_PIN_NEEDED) {
    if (r->is_live) obt_progress_clear(&r->live, stdout); /* the prompt goes below */
    ask_pin(r, ev);
    return;
  }
  if (r->o->json && ev->type == OCF_OBT_EV_ALL_DONE)
    r->done_ev = *ev; /* printed by run_jobs, with the datagrams sent after this call */
  else if (r->o->json)
    json_event(ev, NULL);
  else if (r->is_live)
    live_event(r, ev);
  else
    text_event(r, ev);
  fflush(stdout);
  if (ev->type == OCF_OBT_EV_OWNED) r->owned++;
  if (ev->type == OCF_OBT_EV_OWNED && r->owned_uuids && ev->device) { /* --to rfnop: next step */
    r->owned_uuids[r->n_owned_list] = ev->uuid;
    for (size_t i = 0; i < r->n_found; i++)
      if (ocf_uuid_equal(&r->found[i].di, &ev->device->uuid))
        snprintf(r->owned_icv[r->n_owned_list], sizeof r->owned_icv[0], "%s", r->found[i].icv);
    r->n_owned_list++;
  }
  if (ev->type == OCF_OBT_EV_FAILED) r->failed++;
  if (ev->type == OCF_OBT_EV_ALL_DONE) r->done = true;
}

static ocf_obt_wall_ms wall_now(void *user) {
  (void)user;
  return obt_wall_ms();
}

static bool onboard_over(void *user) { return ((onboard_run *)user)->done; }

/* The live display needs a terminal that moves its cursor: not --json, not -v (its lines would
 * tear the region), not TERM=dumb; colours follow obt_colour (NO_COLOR). */
static bool want_live(const onboard_opts *o) {
  const char *term = getenv("TERM");
  return !o->json && !o->verbose && isatty(STDOUT_FILENO) && !(term && strcmp(term, "dumb") == 0);
}

static int run_jobs(onboard_run *r, ocf_obt_store *s) {
  r->is_live = want_live(r->o) && obt_progress_init(&r->live, r->targets, r->n_targets) == 0;
  obt_colour_init(&r->colour, stdout);
  ocf_obt_onboard_params p = {.store = s,
                              .devices = r->targets,
                              .n_devices = r->n_targets,
                              .wall_now = wall_now,
                              .on_event = on_event,
                              .user = r};
  ocf_err err = ocf_obt_onboard(r->host->obt, &p, ocf_posix_now());
  if (!err && !r->done) err = ocf_posix_loop_run(r->host->loop, OCF_TIME_NEVER, onboard_over, r);
  if (!err && r->o->json) {
    ocf_obt_onboard_stats st;
    ocf_obt_onboard_stats_get(r->host->obt, &st);
    json_event(&r->done_ev, &st);
  }
  if (r->is_live) obt_progress_free(&r->live);
  if (err) {
    fprintf(stderr, "obt onboard: %s\n", ocf_strerror(err));
    return OBT_EXIT_SYSTEM;
  }
  return r->failed || r->not_found ? OBT_EXIT_FAILED : OBT_EXIT_OK;
}

static int open_store(const onboard_opts *o, ocf_obt_store **s, ocf_obt_domain *d) {
  int rc = obt_store_open_cli("onboard", o->store, true, o->key_file, o->pass_env, s, d);
  return rc < 0 ? OBT_EXIT_OK : rc;
}

/* --to rfnop: the devices just owned, over the owner session (ams_cli.h; ADR 0021). Their
 * addresses are the ones the store just recorded: no discovery window. */
static int to_rfnop(const onboard_opts *o, ocf_obt_store *s, const ocf_obt_domain *d, const onboard_run *r) {
  obt_lc_opts lc = {.net = o->net,
                    .store = o->store,
                    .key_file = o->key_file,
                    .pass_env = o->pass_env,
                    .yes = true,
                    .json = o->json,
                    .window = 1,
                    .timeout_s = o->timeout_s};
  lc.net.secure = false;
  lc.net.obt_cfg = NULL;
  return obt_ams_cli_state("onboard", &lc, s, r->owned_uuids, r->n_owned_list, 3, true, &d->tool_uuid,
                           (const char(*)[40])r->owned_icv);
}
/* An unanswered step is sent again this many times (ocf_obt_config.step_retries). */
#define OBT_ONBOARD_STEP_RETRIES 2

static int onboard_with(onboard_opts *o, ocf_obt_store *s, const ocf_obt_domain *d) {
  ocf_obt_config cfg;
  ocf_obt_config_init(&cfg);
  if (o->jobs) cfg.max_jobs = o->jobs;
  if (o->timeout_s) cfg.step_timeout_ms = o->timeout_s * 1000u;
  /* lossy links: docs/HARDENING.md */
  cfg.step_retries = o->retries >= 0 ? (uint32_t)o->retries : OBT_ONBOARD_STEP_RETRIES;
  o->net.secure = true;
  o->net.obt_cfg = &cfg;
  obt_host host;
  int rc = obt_host_open(&host, &o->net);
  if (rc) return rc;
  onboard_run r = {.o = o, .host = &host, .kill_at = getenv("OBT_FAULT_KILL_AT_STEP")};
  rc = discover(&r);
  if (rc < 0) rc = select_targets(&r, s);
  if (rc < 0 && r.n_targets == 0) {
    fprintf(stderr, "obt onboard: no device to onboard%s\n",
            r.n_found    ? ""
            : o->via_res ? " (nothing answered)"
                         : " (nothing answered: no unowned device)");
    rc = r.n_found ? (r.not_found ? OBT_EXIT_FAILED : OBT_EXIT_OK) : OBT_EXIT_TIMEOUT;
  }
  if (rc < 0) rc = approve(&r, d);
  if (rc < 0 && o->to == 3) {
    r.owned_uuids = calloc(r.n_targets, sizeof *r.owned_uuids);
    r.owned_icv = calloc(r.n_targets, sizeof *r.owned_icv);
    if (!r.owned_uuids || !r.owned_icv) rc = OBT_EXIT_SYSTEM;
  }
  if (rc < 0) rc = run_jobs(&r, s);
  obt_host_close(&host);
  if (rc <= 0 && r.n_owned_list) {
    int rc2 = to_rfnop(o, s, d, &r);
    rc = rc2 ? rc2 : rc;
  }
  free(r.owned_uuids);
  free(r.owned_icv);
  free(r.found);
  free(r.targets);
  free(r.target_found);
  free(r.pin_asked);
  return rc;
}

int obt_cmd_onboard(int argc, char **argv) {
  onboard_opts o = {.retries = -1};
  obt_net_opts_init(&o.net);
  o.uuids = calloc((size_t)argc, sizeof *o.uuids);
  if (!o.uuids) return OBT_EXIT_SYSTEM;
  int rc = parse_onboard_args(argc, argv, &o);
  ocf_obt_store *s = NULL;
  ocf_obt_domain d;
  if (rc < 0) rc = open_store(&o, &s, &d);
  if (rc <= 0 && s) rc = onboard_with(&o, s, &d);
  ocf_obt_store_close(s);
  free(o.uuids);
  return rc < 0 ? OBT_EXIT_OK : rc;
}
