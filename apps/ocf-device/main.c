/* ocf-device: the reference OCF device, and an example of embedding libocf with the posix host.
 * It serves /oic/res, /oic/d, /oic/p and a binary switch /switch over CoAP until SIGINT or
 * SIGTERM. Public API only (<ocf/...>). */
#define _GNU_SOURCE /* getopt_long, signalfd */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <ocf/ocf_device.h>
#include <ocf/ocf_posix.h>

#include "switch.h"

#ifndef OCF_VERSION_STRING
#define OCF_VERSION_STRING "unknown"
#endif

#define EXIT_USAGE 2

static const char k_usage[] =
    "Usage: ocf-device [OPTION]...\n"
    "Runs a reference OCF device until SIGINT or SIGTERM: /oic/res, /oic/d, /oic/p and a binary\n"
    "switch /switch (rt oic.r.switch.binary, property \"value\"), over CoAP. It joins the OCF\n"
    "multicast groups on port 5683 and answers from ephemeral unicast ports, which it advertises\n"
    "in /oic/res. No security yet: no coaps, every request is granted.\n"
    "\n"
    "  -n, --name NAME         device name, /oic/d n (default \"ocf-device\"; at most 64 bytes)\n"
    "  -t, --type RT           device type listed after oic.wk.d in /oic/d rt (default oic.d.light)\n"
    "  -i, --interface IF      serve on network interface IF (a name or an index); repeatable;\n"
    "                          default: every interface that is up and multicast-capable,\n"
    "                          loopback excluded\n"
    "  -4, --ipv4-only         open IPv4 sockets only\n"
    "  -6, --ipv6-only         open IPv6 sockets only\n"
    "  -p, --port-file FILE    once serving, write the unicast ports to FILE as\n"
    "                          \"coap6=P coap4=P\" (0 for a family not opened)\n"
    "  -l, --log-level LEVEL   error, warn, info or debug (default warn); logs go to stderr\n"
    "  -h, --help              print this help and exit\n"
    "  -V, --version           print the version and exit\n"
    "\n"
    "When serving, one line \"ocf-device: ready di=UUID name=NAME coap6=P coap4=P\" goes to\n"
    "stderr. Exit status: 0 after SIGINT/SIGTERM, 1 on a runtime failure, 2 on a usage error.\n";

typedef struct options {
  const char *name;
  const char *type;
  bool ipv4, ipv6;
  const char *interfaces[OCF_POSIX_MAX_INTERFACES];
  size_t n_interfaces;
  const char *port_file;
  ocf_log_level log_level;
} options;

static bool parse_level(const char *s, ocf_log_level *out) {
  static const char *const names[] = {"error", "warn", "info", "debug"};
  for (int i = 0; i < 4; i++) {
    if (strcmp(s, names[i]) == 0) {
      *out = (ocf_log_level)i;
      return true;
    }
  }
  return false;
}

/* 0 to go on, or the exit status (after --help / --version, or a usage error). */
static int parse_args(int argc, char **argv, options *o) {
  static const struct option longopts[] = {
      {"name", required_argument, NULL, 'n'},      {"type", required_argument, NULL, 't'},
      {"interface", required_argument, NULL, 'i'}, {"ipv4-only", no_argument, NULL, '4'},
      {"ipv6-only", no_argument, NULL, '6'},       {"port-file", required_argument, NULL, 'p'},
      {"log-level", required_argument, NULL, 'l'}, {"help", no_argument, NULL, 'h'},
      {"version", no_argument, NULL, 'V'},         {NULL, 0, NULL, 0},
  };
  *o = (options){
      .name = "ocf-device", .type = "oic.d.light", .ipv4 = true, .ipv6 = true, .log_level = OCF_LOG_WARN};
  bool only4 = false, only6 = false;
  int c;
  while ((c = getopt_long(argc, argv, "n:t:i:46p:l:hV", longopts, NULL)) != -1) {
    switch (c) {
    case 'n': o->name = optarg; break;
    case 't': o->type = optarg; break;
    case 'i':
      if (o->n_interfaces >= OCF_POSIX_MAX_INTERFACES) {
        fprintf(stderr, "ocf-device: at most %d --interface options\n", OCF_POSIX_MAX_INTERFACES);
        return EXIT_USAGE;
      }
      o->interfaces[o->n_interfaces++] = optarg;
      break;
    case '4': only4 = true; break;
    case '6': only6 = true; break;
    case 'p': o->port_file = optarg; break;
    case 'l':
      if (!parse_level(optarg, &o->log_level)) {
        fprintf(stderr, "ocf-device: --log-level must be error, warn, info or debug\n");
        return EXIT_USAGE;
      }
      break;
    case 'h': fputs(k_usage, stdout); return -1;
    case 'V': printf("ocf-device %s\n", OCF_VERSION_STRING); return -1;
    default: fputs("Try 'ocf-device --help'.\n", stderr); return EXIT_USAGE;
    }
  }
  if (optind < argc || (only4 && only6)) {
    fprintf(stderr, "ocf-device: %s\nTry 'ocf-device --help'.\n",
            optind < argc ? "unexpected argument" : "--ipv4-only and --ipv6-only exclude each other");
    return EXIT_USAGE;
  }
  o->ipv4 = !only6;
  o->ipv6 = !only4;
  return 0;
}

/* Everything the program holds, released by app_close in reverse order. */
typedef struct app {
  ocf_platform pf;
  ocf_posix_net *net;
  ocf_device *dev;
  ocf_posix_loop *loop;
  app_switch sw;
  int signal_fd;
} app;

static int fail(const char *what, ocf_err err) {
  fprintf(stderr, "ocf-device: %s: %s\n", what, ocf_strerror(err));
  return EXIT_FAILURE;
}

static int open_net(app *a, const options *o) {
  ocf_posix_net_config cfg;
  ocf_posix_net_config_init(&cfg);
  cfg.ipv4 = o->ipv4;
  cfg.ipv6 = o->ipv6;
  cfg.multicast = true; /* a server: listen on 5683 in the OCF groups (digest 1.1) */
  for (size_t i = 0; i < o->n_interfaces; i++) {
    ocf_err err = ocf_posix_net_config_add_interface(&cfg, o->interfaces[i]);
    if (err != OCF_OK) {
      fprintf(stderr, "ocf-device: --interface %s: %s\n", o->interfaces[i], ocf_strerror(err));
      return EXIT_USAGE;
    }
  }
  ocf_err err = ocf_posix_net_open(&cfg, &a->pf, &a->net);
  return err == OCF_OK ? 0 : fail("opening the sockets", err);
}

static int create_device(app *a, const options *o) {
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
  cfg.name = o->name;
  cfg.device_types[0] = o->type;
  cfg.n_device_types = 1;
  ocf_err err = ocf_device_create(&a->pf, &cfg, &a->dev);
  if (err == OCF_ERR_INVALID_ARG) {
    fprintf(stderr, "ocf-device: --name and --type must be 1 to %d bytes\n", OCF_DEVICE_STR_MAX);
    return EXIT_USAGE;
  }
  if (err != OCF_OK) return fail("creating the device", err);
  err = app_switch_register(a->dev, &a->sw);
  if (err != OCF_OK) return fail("registering /switch", err);
  ocf_endpoint eps[OCF_DEVICE_MAX_ENDPOINTS];
  size_t n = 0;
  err = ocf_posix_net_local_endpoints(a->net, eps, OCF_DEVICE_MAX_ENDPOINTS, &n);
  if (err == OCF_ERR_NO_SPACE)
    fprintf(stderr, "ocf-device: more than %d local addresses; advertising the first ones\n",
            OCF_DEVICE_MAX_ENDPOINTS);
  else if (err != OCF_OK)
    return fail("reading the interface addresses", err);
  err = ocf_device_set_endpoints(a->dev, eps, n);
  return err == OCF_OK ? 0 : fail("setting the endpoints", err);
}

static void on_signal(void *ctx, int fd, ocf_time_ms now) {
  app *a = ctx;
  (void)now;
  struct signalfd_siginfo si;
  while (read(fd, &si, sizeof si) == (ssize_t)sizeof si) {
  }
  ocf_posix_loop_stop(a->loop);
}

/* SIGINT and SIGTERM arrive through a signalfd the loop watches: no handler, no global state. */
static int watch_signals(app *a) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (sigprocmask(SIG_BLOCK, &set, NULL) != 0 ||
      (a->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
    fprintf(stderr, "ocf-device: signalfd: %s\n", strerror(errno));
    return EXIT_FAILURE;
  }
  ocf_err err = ocf_posix_loop_add_fd(a->loop, a->signal_fd, on_signal, a);
  return err == OCF_OK ? 0 : fail("watching signals", err);
}

static int start_loop(app *a) {
  ocf_err err = ocf_posix_loop_create(&a->pf, &a->loop);
  if (err != OCF_OK) return fail("creating the loop", err);
  ocf_engine engine = ocf_device_engine(a->dev);
  err = ocf_posix_loop_add_engine(a->loop, &engine, a->net);
  if (err != OCF_OK) return fail("adding the device to the loop", err);
  return watch_signals(a);
}

/* Written to a temporary name and renamed, so a reader never sees half a line. */
static int write_port_file(const char *path, const ocf_posix_net_ports *ports) {
  char tmp[4096];
  int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
  if (n < 0 || (size_t)n >= sizeof tmp) {
    fprintf(stderr, "ocf-device: --port-file path too long\n");
    return EXIT_USAGE;
  }
  FILE *f = fopen(tmp, "w");
  bool ok = f && fprintf(f, "coap6=%u coap4=%u\n", ports->unicast6, ports->unicast4) > 0;
  if (f && fclose(f) != 0) ok = false;
  if (!ok || rename(tmp, path) != 0) {
    fprintf(stderr, "ocf-device: writing %s: %s\n", path, strerror(errno));
    return EXIT_FAILURE;
  }
  return 0;
}

static int serve(app *a, const options *o) {
  ocf_posix_net_ports ports;
  ocf_posix_net_get_ports(a->net, &ports);
  if (o->port_file) {
    int rc = write_port_file(o->port_file, &ports);
    if (rc != 0) return rc;
  }
  ocf_uuid uuid;
  char di[OCF_UUID_STR_LEN];
  ocf_device_get_di(a->dev, &uuid);
  ocf_uuid_format(&uuid, di);
  fprintf(stderr, "ocf-device: ready di=%s name=%s coap6=%u coap4=%u\n", di, o->name, ports.unicast6,
          ports.unicast4);
  ocf_err err = ocf_posix_loop_run(a->loop, OCF_TIME_NEVER, NULL, NULL);
  if (err != OCF_OK) return fail("event loop", err);
  fprintf(stderr, "ocf-device: stopped\n");
  return EXIT_SUCCESS;
}

/* The loop goes first: destroying it leaves the engine, the net and the fd it drove untouched. */
static void app_close(app *a) {
  ocf_posix_loop_destroy(a->loop);
  ocf_device_destroy(a->dev);
  ocf_posix_net_close(a->net);
  if (a->signal_fd >= 0) close(a->signal_fd);
}

int main(int argc, char **argv) {
  options o;
  int rc = parse_args(argc, argv, &o);
  if (rc != 0) return rc < 0 ? EXIT_SUCCESS : rc;
  app a = {.signal_fd = -1};
  ocf_posix_platform_init(&a.pf, o.log_level, true);
  rc = open_net(&a, &o);
  if (rc == 0) rc = create_device(&a, &o);
  if (rc == 0) rc = start_loop(&a);
  if (rc == 0) rc = serve(&a, &o);
  app_close(&a);
  return rc;
}
