/* obt discover: find OCF devices on the local network (or at one address). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char discover_usage[] =
    "usage: obt discover [options]\n"
    "\n"
    "Finds OCF devices: a multicast GET /oic/res to ff02::158, ff03::158, ff05::158 and\n"
    "224.0.1.187 (or a unicast GET to --address), then GET /oic/d of every device that answers.\n"
    "A device heard on several interfaces or address families is listed once.\n"
    "\n"
    "options:\n"
    "  -a, --address URL     ask one device, e.g. coap://[fd00::2]:5683, instead of multicast\n"
    "  -w, --window MS       how long to listen for multicast answers (default 5000; devices\n"
    "                        wait up to 2000 ms before answering)\n"
    "  -i, --interface IF    send and listen on this interface (repeatable; default: every\n"
    "                        multicast-capable interface except loopback)\n"
    "  -4, --ipv4-only       IPv4 only\n"
    "  -6, --ipv6-only       IPv6 only\n"
    "      --json            one JSON array on stdout (stable field names, for scripts)\n"
    "  -v, --verbose         log more on stderr (twice: debug)\n"
    "  -h, --help            this text\n"
    "\n"
    "exit status: 0 done (even when nothing answered), 2 usage, 3 system error,\n"
    "4 the --address device did not answer\n";

typedef struct discover_run {
  ocf_obt_device_info *devices;
  size_t n, cap;
  bool done, out_of_memory;
  ocf_err result;
} discover_run;

static void on_device(void *user, const ocf_obt_device_info *dev) {
  discover_run *r = user;
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 16;
    ocf_obt_device_info *grown = realloc(r->devices, cap * sizeof *grown);
    if (!grown) {
      r->out_of_memory = true;
      return;
    }
    r->devices = grown;
    r->cap = cap;
  }
  r->devices[r->n++] = *dev;
}

static void on_done(void *user, ocf_err err, size_t n_devices) {
  (void)n_devices;
  discover_run *r = user;
  r->done = true;
  r->result = err;
}

static bool discovery_over(void *user) { return ((discover_run *)user)->done; }

static int by_name_then_uuid(const void *a, const void *b) {
  const ocf_obt_device_info *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  return c ? c : memcmp(x->di.b, y->di.b, sizeof x->di.b);
}

static void print_json(const discover_run *r) {
  printf("[");
  for (size_t i = 0; i < r->n; i++) {
    const ocf_obt_device_info *d = &r->devices[i];
    char uuid[OCF_UUID_STR_LEN], ep[OCF_ENDPOINT_STR_MAX];
    ocf_uuid_format(&d->di, uuid);
    printf("%s\n  {\"di\": \"%s\", \"name\": ", i ? "," : "", uuid);
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
    printf("]}");
  }
  printf("%s]\n", r->n ? "\n" : "");
}

static void print_table(const discover_run *r) {
  if (r->n == 0) {
    printf("No OCF device answered.\n");
    return;
  }
  printf("%-36s  %-20s  %-16s  %s\n", "DEVICE UUID", "NAME", "TYPE", "ADDRESS");
  for (size_t i = 0; i < r->n; i++) {
    const ocf_obt_device_info *d = &r->devices[i];
    char uuid[OCF_UUID_STR_LEN], ep[OCF_ENDPOINT_STR_MAX];
    ocf_uuid_format(&d->di, uuid);
    if (ocf_endpoint_format(&d->from, ep, sizeof ep) != OCF_OK) ep[0] = '\0';
    printf("%-36s  %-20s  %-16s  %s\n", uuid, d->has_details ? d->name : "?",
           d->has_details ? d->device_type : "?", ep);
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

typedef struct discover_opts {
  obt_net_opts net;
  const char *address;
  uint32_t window;
  bool json;
} discover_opts;

/* Returns -1 to go on, or the exit code to stop with (--help, usage errors). */
static int parse_discover_args(int argc, char **argv, discover_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int handled = obt_net_opts_parse(&o->net, argc, argv, &i);
    if (handled < 0) return OBT_EXIT_USAGE;
    if (handled) continue;
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      fputs(discover_usage, stdout);
      return OBT_EXIT_OK;
    } else if (strcmp(a, "--json") == 0) {
      o->json = true;
    } else if ((strcmp(a, "-a") == 0 || strcmp(a, "--address") == 0) && i + 1 < argc) {
      o->address = argv[++i];
    } else if ((strcmp(a, "-w") == 0 || strcmp(a, "--window") == 0) && i + 1 < argc) {
      if (parse_window(argv[++i], &o->window) != 0) {
        fprintf(stderr, "obt discover: --window takes milliseconds, 1 to 600000\n");
        return OBT_EXIT_USAGE;
      }
    } else {
      fprintf(stderr, "obt discover: unknown or incomplete option '%s' (see obt discover --help)\n", a);
      return OBT_EXIT_USAGE;
    }
  }
  return -1;
}

/* The targets: the OCF groups, or the --address device (whose family then is the only one). */
static int choose_targets(discover_opts *o, ocf_endpoint targets[4], size_t *n) {
  if (!o->address) {
    *n = ocf_obt_discovery_groups(0, o->net.ipv6, o->net.ipv4, targets);
    return -1;
  }
  if (ocf_endpoint_parse(o->address, &targets[0]) != OCF_OK || ocf_endpoint_is_multicast(&targets[0])) {
    fprintf(stderr, "obt discover: '%s' is not a unicast coap:// address\n", o->address);
    return OBT_EXIT_USAGE;
  }
  *n = 1;
  o->net.ipv4 = targets[0].family == OCF_IPV4;
  o->net.ipv6 = targets[0].family == OCF_IPV6;
  return -1;
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
  if (run.n > 1) qsort(run.devices, run.n, sizeof *run.devices, by_name_then_uuid);
  if (o.json)
    print_json(&run);
  else
    print_table(&run);
  free(run.devices);
  if (run.result == OCF_ERR_TIMEOUT) {
    fprintf(stderr, "obt discover: %s did not answer\n", o.address ? o.address : "nothing");
    return OBT_EXIT_TIMEOUT;
  }
  return run.result ? OBT_EXIT_FAILED : OBT_EXIT_OK;
}
