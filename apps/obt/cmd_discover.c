/* obt discover: find OCF devices on the local network (or at one address): all of them, the
 * unowned ones (the spec's way, multicast doxm?owned=FALSE), or the owned ones, told apart into
 * owned by this domain and owned by others. */
#define _DEFAULT_SOURCE /* strtok_r */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "discover_verify.h"
#include "view.h"

static const char discover_usage[] =
    "usage: obt discover [--all | --unowned | --owned] [options]\n"
    "\n"
    "Finds OCF devices by multicast to the OCF groups (IPv6 ff02::158, ff03::158, ff05::158 and\n"
    "IPv4 224.0.1.187, port 5683) or at one address, and for each one reads /oic/d (name, type).\n"
    "A device heard on several interfaces or address families is listed once, by uuid, with its\n"
    "endpoints merged.\n"
    "\n"
    "      --all             every device: GET /oic/res, then /oic/d and /oic/sec/doxm of each\n"
    "                        (the default); owned devices refuse doxm over plain CoAP, which\n"
    "                        tells them apart; the domain store tells which are ours\n"
    "      --unowned         only the devices that can be onboarded: GET /oic/sec/doxm?owned=FALSE,\n"
    "                        which only unowned devices in RFOTM answer (OCF S003 5.3.1 step 1),\n"
    "                        then their own /oic/res (endpoints) and /oic/d\n"
    "      --owned           only owned devices: those of this domain (by the store) and those\n"
    "                        owned by others\n"
    "\n"
    "options:\n"
    "  -a, --address ADDR[:PORT]  ask one device instead of multicast: fd00::2, [fd00::2]:5683,\n"
    "                        10.0.0.2:5683 or coap://[fd00::2]:5683 (port 5683 by default)\n"
    "      --scope SCOPE     IPv6 multicast scope: link (ff02::158), realm (ff03::158) or site\n"
    "                        (ff05::158); repeatable (default: all three)\n"
    "  -w, --window MS       how long to listen for multicast answers (default 5000; devices\n"
    "                        wait up to 2000 ms before answering)\n"
    "      --repeat N        send the multicast request N times, spaced over the window's first\n"
    "                        part, and ask a device's own requests again as often when they get\n"
    "                        no answer (1 to 16, default 3: lossy links lose single requests)\n"
    "  -i, --interface IF    send and listen on this interface (repeatable; default: every\n"
    "                        multicast-capable interface except loopback)\n"
    "  -4, --ipv4-only       IPv4 only\n"
    "  -6, --ipv6-only       IPv6 only\n"
    "  -s, --store PATH      the domain store, to tell our devices (default\n"
    "                        $XDG_DATA_HOME/obt/domain.db; without one no device is ours)\n"
    "      --verify          prove that the devices the store calls ours are: read each one's\n"
    "                        doxm over the owner session (DTLS with its owner credential; needs\n"
    "                        the domain key) and check owned, devowneruuid and deviceuuid\n"
    "  -k, --key-file PATH   the domain key file (--verify; default: the domain's)\n"
    "      --passphrase-env VAR  the domain passphrase is in VAR (--verify)\n"
    "      --json            one JSON array on stdout (stable field names, for scripts)\n"
    "  -v, --verbose         log more on stderr (twice: debug)\n"
    "  -h, --help            this text\n"
    "\n"
    "The OWNER column: unowned; us (the store's state of it); other (owned, not by this domain:\n"
    "never touched); ? (it did not answer doxm). CONFLICT: its answers disagree about its uuid.\n"
    "\n"
    "exit status: 0 done (even when nothing answered), 2 usage, 3 system error,\n"
    "4 the --address device did not answer\n";

typedef enum owner_kind { OWNER_UNKNOWN, OWNER_NONE, OWNER_US, OWNER_OTHER } owner_kind;

typedef struct found_device {
  ocf_obt_device_info info;
  owner_kind owner;
  bool in_store;
  bool silent;                            /* ours by the store, but it did not answer (see add_silent_ours) */
  int verified;                           /* --verify: 0 not tried, 1 ours over the owner session, -1 not */
  char verify_why[OCF_OBT_DIAG_MAX + 64]; /* verified -1: what failed */
  ocf_obt_device_record rec;              /* when in_store */
} found_device;

typedef struct discover_run {
  found_device *devices;
  size_t n, cap;
  bool done, out_of_memory;
  ocf_err result;
} discover_run;

typedef enum discover_mode { MODE_ALL, MODE_UNOWNED, MODE_OWNED } discover_mode;

typedef struct discover_opts {
  obt_net_opts net;
  const char *address, *store, *key_file, *pass_env;
  uint32_t window, repeat;
  unsigned scopes; /* 1 << the IPv6 scope nibble: link 2, realm 3, site 5; 0 = all */
  discover_mode mode;
  bool json, verify;
} discover_opts;

static found_device *append(discover_run *r) {
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 16;
    found_device *grown = realloc(r->devices, cap * sizeof *grown);
    if (!grown) {
      r->out_of_memory = true;
      return NULL;
    }
    r->devices = grown;
    r->cap = cap;
  }
  memset(&r->devices[r->n], 0, sizeof r->devices[r->n]);
  return &r->devices[r->n++];
}

static void on_device(void *user, const ocf_obt_device_info *dev) {
  found_device *f = append(user);
  if (f) f->info = *dev;
}

static void on_done(void *user, ocf_err err, size_t n_devices) {
  (void)n_devices;
  discover_run *r = user;
  r->done = true;
  r->result = err;
}

static bool discovery_over(void *user) { return ((discover_run *)user)->done; }

static int by_name_then_uuid(const void *a, const void *b) {
  const found_device *x = a, *y = b;
  int c = strcmp(x->info.name, y->info.name);
  return c ? c : memcmp(x->info.di.b, y->info.di.b, sizeof x->info.di.b);
}

/* Who owns the device. Its doxm, when it answered one, says so (digest 2.1); an owned device
 * refuses doxm over plain CoAP outside RFOTM (digest 3.3 rule 6), so then the store decides:
 * a device this domain owns keeps the uuid the store has for it (OBT 5.3.1 step 8). */
static owner_kind owner_of(const found_device *f, const ocf_uuid *tool, bool have_tool) {
  const ocf_obt_device_info *d = &f->info;
  if (d->has_doxm && !d->owned) return OWNER_NONE;
  if (d->has_doxm) return have_tool && ocf_uuid_equal(&d->devowneruuid, tool) ? OWNER_US : OWNER_OTHER;
  if (f->in_store && f->rec.state == OCF_OBT_DEVICE_OWNED) return OWNER_US;
  /* 4.01 / 4.03: it has a doxm and keeps it from us; anything else says nothing of an owner. */
  return d->doxm_code == 401 || d->doxm_code == 403 ? OWNER_OTHER : OWNER_UNKNOWN;
}

/* An owned device answers nothing without DTLS until its access control lets anonymous peers
 * read /oic/res (digest 7.5: an ACE the AMS adds; 3.4 rule 4 covers RFOTM only), so devices
 * this domain owns that stayed silent are listed from the store, with the endpoints it saw
 * last, marked silent. */
typedef struct silent_scan {
  discover_run *r;
  size_t n_heard;
} silent_scan;

static bool add_silent_ours(void *user, const ocf_obt_device_record *rec) {
  silent_scan *sc = user;
  if (rec->state != OCF_OBT_DEVICE_OWNED) return true;
  for (size_t i = 0; i < sc->n_heard; i++)
    if (ocf_uuid_equal(&sc->r->devices[i].info.di, &rec->uuid)) return true;
  found_device *f = append(sc->r);
  if (!f) return false;
  f->info.di = rec->uuid;
  f->info.has_details = true;
  snprintf(f->info.name, sizeof f->info.name, "%.*s", (int)sizeof f->info.name - 1, rec->name);
  snprintf(f->info.device_type, sizeof f->info.device_type, "%.*s", (int)sizeof f->info.device_type - 1,
           rec->type);
  char eps[sizeof rec->endpoints];
  snprintf(eps, sizeof eps, "%s", rec->endpoints);
  for (char *save = NULL, *t = strtok_r(eps, " ", &save); t && f->info.n_eps < OCF_OBT_MAX_EPS;
       t = strtok_r(NULL, " ", &save))
    if (ocf_endpoint_parse(t, &f->info.eps[f->info.n_eps]) == OCF_OK) f->info.n_eps++;
  f->in_store = f->silent = true;
  f->rec = *rec;
  f->owner = OWNER_US;
  return true;
}

/* Looks every device up in the domain store (when there is one) and classifies it. */
static void classify(discover_run *r, const discover_opts *o) {
  char path[4096];
  const char *store = o->store;
  if (!store && obt_store_default_path(path, sizeof path) == 0) store = path;
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_WARN, false);
  ocf_obt_store *s = NULL;
  ocf_obt_domain dom;
  ocf_err err = store ? obt_store_open_existing(store, &pf, &s) : OCF_ERR_NOT_FOUND;
  if (!err) err = ocf_obt_store_domain_get(s, &dom);
  if (err && (o->store || o->mode == MODE_OWNED))
    fprintf(stderr, "obt discover: no domain store to tell our devices by (%s: %s)\n", store ? store : "?",
            ocf_strerror(err));
  for (size_t i = 0; i < r->n; i++) {
    found_device *f = &r->devices[i];
    f->in_store = !err && ocf_obt_store_device_get(s, &f->info.di, &f->rec) == OCF_OK;
    f->owner = o->mode == MODE_UNOWNED ? OWNER_NONE : owner_of(f, &dom.tool_uuid, !err);
  }
  silent_scan sc = {.r = r, .n_heard = r->n};
  if (!err && o->mode != MODE_UNOWNED && !o->address &&
      ocf_obt_store_device_list(s, add_silent_ours, &sc) != OCF_OK)
    fprintf(stderr, "obt discover: could not list the store's devices\n");
  ocf_obt_store_close(s);
  size_t kept = 0; /* --owned lists ours and others', --unowned only candidates */
  for (size_t i = 0; i < r->n; i++) {
    owner_kind k = r->devices[i].owner;
    bool keep = o->mode == MODE_ALL || (o->mode == MODE_OWNED && (k == OWNER_US || k == OWNER_OTHER)) ||
                (o->mode == MODE_UNOWNED && k == OWNER_NONE);
    if (keep) r->devices[kept++] = r->devices[i];
  }
  r->n = kept;
}

static const char *owner_word(owner_kind k) {
  static const char *const words[] = {"?", "unowned", "us", "other"};
  return words[k];
}

static void print_json_device(const found_device *f) {
  const ocf_obt_device_info *d = &f->info;
  char uuid[OCF_UUID_STR_LEN], ep[OCF_ENDPOINT_STR_MAX], b[12];
  ocf_uuid_format(&d->di, uuid);
  printf("\n  {\"di\": \"%s\", \"name\": ", uuid);
  obt_json_string(stdout, d->has_details ? d->name : "");
  printf(", \"type\": ");
  obt_json_string(stdout, d->has_details ? d->device_type : "");
  printf(", \"icv\": ");
  obt_json_string(stdout, d->has_details ? d->icv : "");
  if (ocf_endpoint_format(&d->from, ep, sizeof ep) != OCF_OK) ep[0] = '\0';
  printf(", \"address\": \"%s\", \"eps\": [", ep);
  for (size_t k = 0; k < d->n_eps; k++) {
    if (ocf_endpoint_format(&d->eps[k], ep, sizeof ep) != OCF_OK) continue;
    printf("%s\"%s\"", k ? ", " : "", ep);
  }
  printf("], \"oxms\": [");
  for (size_t k = 0; d->has_doxm && k < d->n_oxms; k++)
    printf("%s\"%s\"", k ? ", " : "", obt_oxm_name(d->oxms[k], b));
  printf("]");
  if (d->has_doxm) {
    ocf_uuid_format(&d->devowneruuid, uuid);
    printf(", \"sct\": %u, \"owned\": %s, \"devowneruuid\": \"%s\"", (unsigned)d->sct,
           d->owned ? "true" : "false", uuid);
  } else {
    printf(", \"sct\": null, \"owned\": %s, \"devowneruuid\": null",
           f->owner == OWNER_US || f->owner == OWNER_OTHER ? "true" : "null");
  }
  printf(", \"owner\": \"%s\", \"conflict\": %s, \"answered\": %s, \"verified\": %s",
         f->owner == OWNER_UNKNOWN ? "unknown" : owner_word(f->owner), d->conflict ? "true" : "false",
         f->silent ? "false" : "true",
         f->verified > 0   ? "true"
         : f->verified < 0 ? "false"
                           : "null");
  if (f->verified < 0) {
    printf(", \"verify_error\": ");
    obt_json_string(stdout, f->verify_why);
  }
  printf(", \"store\": ");
  if (f->in_store) {
    printf("{\"name\": ");
    obt_json_string(stdout, f->rec.name);
    printf(", \"state\": \"%s\"}}", ocf_obt_device_state_name(f->rec.state));
  } else {
    printf("null}");
  }
}

static void print_json(const discover_run *r) {
  printf("[");
  for (size_t i = 0; i < r->n; i++) {
    if (i) printf(",");
    print_json_device(&r->devices[i]);
  }
  printf("%s]\n", r->n ? "\n" : "");
}

static void print_table(const discover_run *r, discover_mode mode) {
  if (r->n == 0) {
    printf("%s\n", mode == MODE_UNOWNED ? "No unowned OCF device answered."
                   : mode == MODE_OWNED ? "No owned OCF device answered."
                                        : "No OCF device answered.");
    return;
  }
  printf("%-36s  %-20s  %-16s  %-22s  %-14s  %s\n", "DEVICE UUID", "NAME", "TYPE", "OWNER", "OTMS",
         "ADDRESS");
  for (size_t i = 0; i < r->n; i++) {
    const found_device *f = &r->devices[i];
    const ocf_obt_device_info *d = &f->info;
    char uuid[OCF_UUID_STR_LEN], ep[OCF_ENDPOINT_STR_MAX], owner[40], oxms[64];
    ocf_uuid_format(&d->di, uuid);
    if (f->silent)
      snprintf(ep, sizeof ep, "(did not answer)");
    else if (ocf_endpoint_format(&d->from, ep, sizeof ep) != OCF_OK)
      ep[0] = '\0';
    if (f->owner == OWNER_US && f->in_store)
      snprintf(owner, sizeof owner, "us (%s%s)", ocf_obt_device_state_name(f->rec.state),
               f->verified > 0   ? ", verified"
               : f->verified < 0 ? ", NOT verified"
                                 : "");
    else
      snprintf(owner, sizeof owner, "%s", owner_word(f->owner));
    obt_format_oxms(d->has_doxm ? d->oxms : NULL, d->has_doxm ? d->n_oxms : 0, oxms, sizeof oxms);
    printf("%-36s  %-20s  %-16s  %-22s  %-14s  %s%s\n", uuid, d->has_details ? d->name : "?",
           d->has_details ? d->device_type : "?", owner, oxms, ep, d->conflict ? "  CONFLICT" : "");
    if (f->verified < 0) printf("    not verified: %s\n", f->verify_why);
  }
  printf("%zu device%s.\n", r->n, r->n == 1 ? "" : "s");
}

static int parse_window(const char *s, uint32_t *out) {
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  if (end == s || *end || v == 0 || v > 600000) return -1;
  *out = (uint32_t)v;
  return 0;
}

static int parse_scope(const char *s, unsigned *scopes) {
  if (strcmp(s, "link") == 0)
    *scopes |= 1u << 2;
  else if (strcmp(s, "realm") == 0)
    *scopes |= 1u << 3;
  else if (strcmp(s, "site") == 0)
    *scopes |= 1u << 5;
  else
    return -1;
  return 0;
}

/* The options taking a value at argv[*i]; 1 handled, 0 not one of them, -1 usage (printed). */
static int parse_valued(discover_opts *o, int argc, char **argv, int *i) {
  const char *a = argv[*i];
  bool is_addr = strcmp(a, "-a") == 0 || strcmp(a, "--address") == 0;
  bool is_window = strcmp(a, "-w") == 0 || strcmp(a, "--window") == 0, is_repeat = strcmp(a, "--repeat") == 0;
  bool is_scope = strcmp(a, "--scope") == 0, is_store = strcmp(a, "-s") == 0 || strcmp(a, "--store") == 0;
  bool is_key = strcmp(a, "-k") == 0 || strcmp(a, "--key-file") == 0,
       is_pass = strcmp(a, "--passphrase-env") == 0;
  if (!is_addr && !is_window && !is_repeat && !is_scope && !is_store && !is_key && !is_pass) return 0;
  if (*i + 1 >= argc) {
    fprintf(stderr, "obt discover: %s needs a value\n", a);
    return -1;
  }
  const char *v = argv[++*i];
  if (is_addr) o->address = v;
  if (is_store) o->store = v;
  if (is_key) o->key_file = v;
  if (is_pass) o->pass_env = v;
  if (is_window && parse_window(v, &o->window) != 0) {
    fprintf(stderr, "obt discover: --window takes milliseconds, 1 to 600000\n");
    return -1;
  }
  if (is_repeat && (parse_window(v, &o->repeat) != 0 || o->repeat > 16)) {
    fprintf(stderr, "obt discover: --repeat takes 1 to 16\n");
    return -1;
  }
  if (is_scope && parse_scope(v, &o->scopes) != 0) {
    fprintf(stderr, "obt discover: --scope takes link, realm or site\n");
    return -1;
  }
  return 1;
}

/* Returns -1 to go on, or the exit code to stop with (--help, usage errors). */
static int parse_discover_args(int argc, char **argv, discover_opts *o) {
  int modes = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int handled = obt_net_opts_parse(&o->net, argc, argv, &i);
    if (handled == 0) handled = parse_valued(o, argc, argv, &i);
    if (handled < 0) return OBT_EXIT_USAGE;
    if (handled) continue;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(discover_usage, stdout);
      return OBT_EXIT_OK;
    } else if (strcmp(a, "--json") == 0) {
      o->json = true;
    } else if (strcmp(a, "--verify") == 0) {
      o->verify = true;
    } else if (strcmp(a, "--all") == 0 || strcmp(a, "--unowned") == 0 || strcmp(a, "--owned") == 0) {
      o->mode = a[2] == 'a' ? MODE_ALL : a[2] == 'u' ? MODE_UNOWNED : MODE_OWNED;
      modes++;
    } else {
      fprintf(stderr, "obt discover: unknown or incomplete option '%s' (see obt discover --help)\n", a);
      return OBT_EXIT_USAGE;
    }
  }
  if (modes > 1 || (o->verify && o->mode == MODE_UNOWNED)) {
    fprintf(stderr, "obt discover: give one of --all, --unowned, --owned (--verify: not with --unowned)\n");
    return OBT_EXIT_USAGE;
  }
  return -1;
}

/* Keeps the IPv6 groups of the chosen scopes (the IPv4 group always stays). */
static size_t keep_scopes(ocf_endpoint *groups, size_t n, unsigned scopes) {
  if (!scopes) return n;
  size_t kept = 0;
  for (size_t i = 0; i < n; i++)
    if (groups[i].family != OCF_IPV6 || (scopes & (1u << (groups[i].addr[1] & 0x0f))))
      groups[kept++] = groups[i];
  return kept;
}

/* ADDR, [ADDR]:PORT, ADDR:PORT (IPv4) or a coap:// URL: one unicast endpoint, port 5683 unless
 * given. 0, or -1 when it is none of these. */
static int parse_address(const char *s, ocf_endpoint *out) {
  char url[OCF_ENDPOINT_STR_MAX + 16];
  size_t colons = 0;
  for (const char *c = s; *c; c++) colons += *c == ':';
  int n;
  if (strstr(s, "://"))
    n = snprintf(url, sizeof url, "%s", s);
  else if (s[0] != '[' && colons > 1) /* a bare IPv6 address */
    n = snprintf(url, sizeof url, "coap://[%s]", s);
  else
    n = snprintf(url, sizeof url, "coap://%s", s);
  if (n < 0 || (size_t)n >= sizeof url) return -1;
  if (ocf_endpoint_parse(url, out) != OCF_OK || ocf_endpoint_is_multicast(out)) return -1;
  return (out->flags & OCF_EP_SECURE) ? -1 : 0;
}

/* The targets: the OCF groups, or the --address device (whose family then is the only one). */
static int choose_targets(discover_opts *o, ocf_endpoint targets[4], size_t *n) {
  if (!o->address) {
    *n = keep_scopes(targets, ocf_obt_discovery_groups(0, o->net.ipv6, o->net.ipv4, targets), o->scopes);
    if (*n == 0) {
      fprintf(stderr, "obt discover: --scope chooses IPv6 groups, and --ipv4-only leaves none\n");
      return OBT_EXIT_USAGE;
    }
    return -1;
  }
  if (parse_address(o->address, &targets[0]) != 0) {
    fprintf(stderr, "obt discover: '%s' is not a unicast address (ADDR, [ADDR]:PORT or coap://...)\n",
            o->address);
    return OBT_EXIT_USAGE;
  }
  *n = 1;
  o->net.ipv4 = targets[0].family == OCF_IPV4;
  o->net.ipv6 = targets[0].family == OCF_IPV6;
  return -1;
}

/* --verify: the devices the store calls owned, over their owner sessions (discover_verify.h). */
static int verify(discover_run *r, const discover_opts *o) {
  ocf_uuid *uuids = calloc(r->n ? r->n : 1, sizeof *uuids);
  size_t *which = calloc(r->n ? r->n : 1, sizeof *which);
  obt_verify_result *res = calloc(r->n ? r->n : 1, sizeof *res);
  int rc = uuids && which && res ? -1 : OBT_EXIT_SYSTEM;
  size_t n = 0;
  for (size_t i = 0; rc < 0 && i < r->n; i++) {
    const found_device *f = &r->devices[i];
    if (f->owner != OWNER_US || !f->in_store || f->rec.state != OCF_OBT_DEVICE_OWNED) continue;
    which[n] = i;
    uuids[n++] = f->info.di;
  }
  obt_verify_opts vo = {.net = o->net, .store = o->store, .key_file = o->key_file, .pass_env = o->pass_env};
  if (rc < 0) rc = obt_discover_verify(&vo, uuids, n, res);
  for (size_t k = 0; rc < 0 && k < n; k++) {
    found_device *f = &r->devices[which[k]];
    f->verified = res[k].verified ? 1 : -1;
    snprintf(f->verify_why, sizeof f->verify_why, "%s", res[k].why);
    if (res[k].has_doxm && !f->info.has_doxm) { /* what the owner session read */
      memcpy(f->info.oxms, res[k].doxm.oxms, sizeof f->info.oxms);
      f->info.n_oxms = res[k].doxm.n_oxms;
      f->info.sct = res[k].doxm.sct;
      f->info.owned = res[k].doxm.owned;
      f->info.devowneruuid = res[k].doxm.devowneruuid;
      f->info.has_doxm = true;
    }
  }
  free(uuids);
  free(which);
  free(res);
  return rc;
}

static int report(discover_run *r, const discover_opts *o) {
  classify(r, o);
  if (o->verify) {
    int rc = verify(r, o);
    if (rc >= 0) return rc;
  }
  if (r->n > 1) qsort(r->devices, r->n, sizeof *r->devices, by_name_then_uuid);
  if (o->json)
    print_json(r);
  else
    print_table(r, o->mode);
  if (r->result == OCF_ERR_TIMEOUT) {
    fprintf(stderr, "obt discover: %s did not answer\n", o->address ? o->address : "nothing");
    return OBT_EXIT_TIMEOUT;
  }
  return r->result ? OBT_EXIT_FAILED : OBT_EXIT_OK;
}

int obt_cmd_discover(int argc, char **argv) {
  discover_opts o = {0};
  obt_net_opts_init(&o.net);
  int rc = parse_discover_args(argc, argv, &o);
  ocf_endpoint targets[4];
  size_t n_targets = 0;
  if (rc < 0) rc = choose_targets(&o, targets, &n_targets);
  if (rc >= 0) return rc;
  obt_host host;
  rc = obt_host_open(&host, &o.net);
  if (rc) return rc;
  uint32_t ifs[1];
  if (!o.address && ocf_posix_net_interfaces(host.net, ifs, 1) == 0) {
    fprintf(stderr, "obt discover: no multicast-capable interface is up (name one with --interface)\n");
    obt_host_close(&host);
    return OBT_EXIT_SYSTEM;
  }
  discover_run run = {0};
  ocf_obt_discover_params p = {.targets = targets,
                               .n_targets = n_targets,
                               .window_ms = o.window,
                               .mode =
                                   o.mode == MODE_UNOWNED ? OCF_OBT_DISCOVER_UNOWNED : OCF_OBT_DISCOVER_ALL,
                               .read_doxm = o.mode != MODE_UNOWNED,
                               .repeats = o.repeat,
                               .on_device = on_device,
                               .on_done = on_done,
                               .user = &run};
  ocf_err err = ocf_obt_discover(host.obt, &p, ocf_posix_now());
  if (!err) err = ocf_posix_loop_run(host.loop, OCF_TIME_NEVER, discovery_over, &run);
  obt_host_close(&host);
  if (err || run.out_of_memory) {
    fprintf(stderr, "obt discover: %s\n", ocf_strerror(err ? err : OCF_ERR_NO_MEMORY));
    free(run.devices);
    return OBT_EXIT_SYSTEM;
  }
  rc = report(&run, &o);
  free(run.devices);
  return rc;
}
