/* ocf-device: the reference OCF device, and an example of embedding libocf with the posix host.
 * It serves /oic/res, /oic/d, /oic/p and a binary switch /switch over CoAP until SIGINT or
 * SIGTERM. Public API only (<ocf/...>). */
#define _GNU_SOURCE /* getopt_long, signalfd */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ocf/ocf_device.h>
#include <ocf/ocf_posix.h>
#include <ocf/ocf_store.h>

#include "mfg.h"
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
    "in /oic/res, and serves coaps (DTLS) on ephemeral ports of its own. It serves the Security\n"
    "Virtual Resources (/oic/sec/doxm, pstat, cred, acl2, sp, sdi, roles, crl, ael; csr with\n"
    "certificate support) under OCF access control: unowned, it answers discovery and doxm and\n"
    "runs the offered ownership transfer methods over DTLS; /switch only once onboarded.\n"
    "\n"
    "  -n, --name NAME         device name, /oic/d n (default \"ocf-device\"; at most 64 bytes)\n"
    "  -t, --type RT           device type listed after oic.wk.d in /oic/d rt (default oic.d.light)\n"
    "  -i, --interface IF      serve on network interface IF (a name or an index); repeatable;\n"
    "                          default: every interface that is up and multicast-capable,\n"
    "                          loopback excluded\n"
    "  -4, --ipv4-only         open IPv4 sockets only\n"
    "  -6, --ipv6-only         open IPv6 sockets only\n"
    "  -p, --port-file FILE    once serving, write the unicast ports to FILE as\n"
    "                          \"coap6=P coap4=P coaps6=P coaps4=P\" (0 for a family not opened)\n"
    "  -l, --log-level LEVEL   error, warn, info or debug (default warn); logs go to stderr\n"
    "      --otm LIST          OTMs offered in doxm oxms, comma-separated: jw, rdp, mfgcert\n"
    "                          (default jw)\n"
    "      --sct N             doxm sct, credential type bits 0..511 (default 1, PSK; add 8 for\n"
    "                          certificates)\n"
    "  -s, --storage DIR       keep the security state (SVRs, identity) in DIR, created 0700,\n"
    "                          encrypted; without it every start is a new unowned device\n"
    "      --storage-key FILE  the 32-byte storage key (created 0600 when missing; default\n"
    "                          DIR.key next to DIR, never inside it)\n"
    "      --factory-reset     erase the stored security state first and start as a new,\n"
    "                          unowned device (also the way out of a damaged store)\n"
    "      --pin-file FILE     also write each Random PIN to FILE (mode 0600; for tests); the PIN\n"
    "                          is always printed on stderr when an OBT selects Random PIN\n"
    "      --mfg-cert FILE     manufacturer certificate chain for --otm mfgcert: PEM (every\n"
    "                          CERTIFICATE block, leaf first) or DER certificates back to back\n"
    "      --mfg-key FILE      the leaf's private key, PEM (EC or PKCS#8) or DER\n"
    "  -h, --help              print this help and exit\n"
    "  -V, --version           print the version and exit\n"
    "\n"
    "When serving, one line \"ocf-device: ready di=UUID name=NAME coap6=P coap4=P coaps6=P\n"
    "coaps4=P\" goes to stderr, \"ocf-device: PIN NNNNNNNN\" each time a PIN is shown, and\n"
    "\"ocf-device: state S\" (RESET, RFOTM, RFPRO, RFNOP, SRESET) and \"ocf-device: di UUID\"\n"
    "as an onboarding tool changes them.\n"
    "Exit status: 0 after SIGINT/SIGTERM, 1 on a runtime failure (a stored state that\n"
    "fails its check included: the device never starts from it), 2 on a usage error.\n";

typedef struct options {
  const char *name;
  const char *type;
  bool ipv4, ipv6;
  const char *interfaces[OCF_POSIX_MAX_INTERFACES];
  size_t n_interfaces;
  const char *port_file;
  ocf_log_level log_level;
  uint32_t otms[OCF_DEVICE_MAX_OTMS];
  size_t n_otms;
  uint32_t sct;
  const char *storage, *storage_key;
  bool factory_reset;
  const char *pin_file, *mfg_cert, *mfg_key;
} options;

enum { OPT_OTM = 256, OPT_SCT, OPT_STORAGE_KEY, OPT_FACTORY_RESET, OPT_PIN_FILE, OPT_MFG_CERT, OPT_MFG_KEY };

/* "jw,rdp,mfgcert" -> OTM numbers, each at most once. */
static bool parse_otms(const char *list, options *o) {
  static const struct {
    const char *name;
    uint32_t otm;
  } k_otms[] = {{"jw", OCF_DEVICE_OTM_JUST_WORKS},
                {"rdp", OCF_DEVICE_OTM_RANDOM_PIN},
                {"mfgcert", OCF_DEVICE_OTM_MFG_CERT}};
  o->n_otms = 0;
  const char *p = list;
  while (*p) {
    size_t len = strcspn(p, ",");
    bool found = false;
    for (size_t i = 0; i < sizeof k_otms / sizeof k_otms[0]; i++) {
      if (strlen(k_otms[i].name) != len || strncmp(p, k_otms[i].name, len) != 0) continue;
      for (size_t j = 0; j < o->n_otms; j++)
        if (o->otms[j] == k_otms[i].otm) return false;
      o->otms[o->n_otms++] = k_otms[i].otm;
      found = true;
    }
    if (!found) return false;
    p += len;
    if (*p == ',' && *++p == '\0') return false;
  }
  return o->n_otms > 0;
}

static bool parse_sct(const char *s, uint32_t *out) {
  char *end = NULL;
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || !end || *end || end == s || v > 511 || s[0] == '-') return false;
  *out = (uint32_t)v;
  return true;
}

/* The security options; 0, or EXIT_USAGE after printing why. */
static int parse_security_option(int c, options *o) {
  switch (c) {
  case OPT_OTM:
    if (parse_otms(optarg, o)) return 0;
    fprintf(stderr, "ocf-device: --otm takes jw, rdp and mfgcert, comma-separated, each once\n");
    return EXIT_USAGE;
  case OPT_SCT:
    if (parse_sct(optarg, &o->sct)) return 0;
    fprintf(stderr, "ocf-device: --sct must be a number from 0 to 511\n");
    return EXIT_USAGE;
  case 's': o->storage = optarg; return 0;
  case OPT_STORAGE_KEY: o->storage_key = optarg; return 0;
  case OPT_FACTORY_RESET: o->factory_reset = true; return 0;
  case OPT_PIN_FILE: o->pin_file = optarg; return 0;
  case OPT_MFG_CERT: o->mfg_cert = optarg; return 0;
  case OPT_MFG_KEY: o->mfg_key = optarg; return 0;
  default: return EXIT_USAGE;
  }
}

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

static int check_args(int argc, options *o, bool only4, bool only6);

static const struct option k_longopts[] = {
    {"name", required_argument, NULL, 'n'},
    {"type", required_argument, NULL, 't'},
    {"interface", required_argument, NULL, 'i'},
    {"ipv4-only", no_argument, NULL, '4'},
    {"ipv6-only", no_argument, NULL, '6'},
    {"port-file", required_argument, NULL, 'p'},
    {"log-level", required_argument, NULL, 'l'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {"otm", required_argument, NULL, OPT_OTM},
    {"sct", required_argument, NULL, OPT_SCT},
    {"storage", required_argument, NULL, 's'},
    {"storage-key", required_argument, NULL, OPT_STORAGE_KEY},
    {"factory-reset", no_argument, NULL, OPT_FACTORY_RESET},
    {"pin-file", required_argument, NULL, OPT_PIN_FILE},
    {"mfg-cert", required_argument, NULL, OPT_MFG_CERT},
    {"mfg-key", required_argument, NULL, OPT_MFG_KEY},
    {NULL, 0, NULL, 0},
};

/* 0 to go on, or the exit status (after --help / --version, or a usage error). */
static int parse_args(int argc, char **argv, options *o) {
  *o = (options){.name = "ocf-device",
                 .type = "oic.d.light",
                 .ipv4 = true,
                 .ipv6 = true,
                 .log_level = OCF_LOG_WARN,
                 .otms = {OCF_DEVICE_OTM_JUST_WORKS},
                 .n_otms = 1,
                 .sct = 1};
  bool only4 = false, only6 = false;
  int c;
  while ((c = getopt_long(argc, argv, "n:t:i:46p:l:s:hV", k_longopts, NULL)) != -1) {
    if (c == 's' || c >= OPT_OTM) {
      int rc = parse_security_option(c, o);
      if (rc) return rc;
      continue;
    }
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
  return check_args(argc, o, only4, only6);
}

/* The checks across options, after getopt. */
static int check_args(int argc, options *o, bool only4, bool only6) {
  if (o->storage_key && !o->storage) {
    fprintf(stderr, "ocf-device: --storage-key needs --storage\n");
    return EXIT_USAGE;
  }
  if (!o->mfg_cert != !o->mfg_key) {
    fprintf(stderr, "ocf-device: --mfg-cert and --mfg-key go together\n");
    return EXIT_USAGE;
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
  ocf_store *store;
  ocf_posix_net *net;
  ocf_device *dev;
  ocf_posix_loop *loop;
  app_switch sw;
  int signal_fd;
  const char *pin_file;
  mfg_creds *mfg;
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
  cfg.secure = true;    /* coaps on ephemeral ports, advertised in eps (digest 1.1, 1.4) */
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

/* The store of --storage: encrypted under the key file (created on first use). */
static int open_store(app *a, const options *o) {
  if (!o->storage) return 0;
  char key_path[4096];
  const char *key_file = o->storage_key;
  if (!key_file) {
    int n = snprintf(key_path, sizeof key_path, "%s.key", o->storage);
    if (n < 0 || (size_t)n >= sizeof key_path) {
      fprintf(stderr, "ocf-device: --storage path too long\n");
      return EXIT_USAGE;
    }
    key_file = key_path;
  }
  ocf_store_config cfg;
  ocf_store_config_init(&cfg);
  cfg.has_key = true;
  cfg.max_record = 1u << 20; /* a full cred or acl2 is below 100 KiB; a reset saves every SVR */
  ocf_err err = ocf_posix_store_key_load(key_file, true, &a->pf, cfg.key);
  if (err != OCF_OK) return fail(key_file, err);
  err = ocf_posix_file_store_open(o->storage, &cfg, &a->pf, &a->store);
  memset(cfg.key, 0, sizeof cfg.key);
  if (err != OCF_OK) return fail(o->storage, err);
  if (o->factory_reset) {
    err = ocf_device_wipe_store(a->store);
    if (err != OCF_OK) return fail("erasing the stored state", err);
    fprintf(stderr, "ocf-device: stored security state erased\n");
  }
  return 0;
}

/* Written to a temporary name (created 0600) and renamed: the reader never sees half a PIN. */
static bool write_pin_file(const char *path, const char *pin) {
  char tmp[4096];
  int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
  if (n < 0 || (size_t)n >= sizeof tmp) return false;
  (void)unlink(tmp);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  size_t len = strlen(pin);
  bool ok = fchmod(fd, 0600) == 0 && write(fd, pin, len) == (ssize_t)len && write(fd, "\n", 1) == 1;
  ok = close(fd) == 0 && ok;
  return ok && rename(tmp, path) == 0;
}

/* Digest 4.3: the device shows a new PIN each time an OBT selects Random PIN. */
static void on_device_event(void *user, ocf_device *d, const ocf_device_event *ev) {
  const app *a = user;
  /* Status lines for the operator (and the e2e tests): the onboarding state and the device id
   * change as an OBT claims, provisions or resets the device. */
  if (ev->type == OCF_DEVICE_EV_STATE_CHANGED) {
    static const char *const names[] = {"RESET", "RFOTM", "RFPRO", "RFNOP", "SRESET"};
    fprintf(stderr, "ocf-device: state %s\n", (unsigned)ev->state < 5 ? names[ev->state] : "?");
    return;
  }
  if (ev->type == OCF_DEVICE_EV_DI_CHANGED) {
    ocf_uuid di;
    char text[OCF_UUID_STR_LEN];
    ocf_device_get_di(d, &di);
    ocf_uuid_format(&di, text);
    fprintf(stderr, "ocf-device: di %s\n", text);
    return;
  }
  if (ev->type != OCF_DEVICE_EV_OTM_SELECTED || ev->otm != OCF_DEVICE_OTM_RANDOM_PIN) return;
  if (!ev->pin) {
    fprintf(stderr, "ocf-device: no PIN could be generated\n");
    return;
  }
  fprintf(stderr, "ocf-device: PIN %s\n", ev->pin);
  if (ev->pin_wait_ms)
    fprintf(stderr, "ocf-device: too many wrong PINs: PIN onboarding refused for %llu s\n",
            (unsigned long long)(ev->pin_wait_ms + 999) / 1000);
  if (a->pin_file && !write_pin_file(a->pin_file, ev->pin))
    fprintf(stderr, "ocf-device: writing %s: %s\n", a->pin_file, strerror(errno));
}

static int load_mfg(app *a, const options *o, ocf_device_config *cfg) {
  if (!o->mfg_cert) return 0;
  a->mfg = malloc(sizeof *a->mfg);
  if (!a->mfg) return fail("--mfg-cert", OCF_ERR_NO_MEMORY);
  const char *why = mfg_load(o->mfg_cert, o->mfg_key, a->mfg);
  if (why) {
    fprintf(stderr, "ocf-device: --mfg-cert/--mfg-key: %s\n", why);
    return EXIT_USAGE;
  }
  cfg->mfg_chain = a->mfg->chain;
  cfg->n_mfg_chain = a->mfg->n_chain;
  cfg->mfg_key = a->mfg->key;
  return 0;
}

static int create_device(app *a, const options *o) {
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
  cfg.on_event = on_device_event;
  cfg.event_user = a;
  a->pin_file = o->pin_file;
  int rc = load_mfg(a, o, &cfg);
  if (rc != 0) return rc;
  cfg.name = o->name;
  cfg.device_types[0] = o->type;
  cfg.n_device_types = 1;
  memcpy(cfg.otms, o->otms, sizeof cfg.otms);
  cfg.n_otms = o->n_otms;
  cfg.sct = o->sct;
  cfg.store = a->store;
  ocf_err err = ocf_device_create(&a->pf, &cfg, &a->dev);
  if (a->mfg) mfg_wipe(a->mfg); /* the device copied the chain and key */
  if (err == OCF_ERR_MALFORMED || err == OCF_ERR_CRYPTO) {
    fprintf(stderr,
            "ocf-device: the stored security state cannot be trusted (%s); not starting. "
            "--factory-reset erases it.\n",
            ocf_strerror(err));
    return EXIT_FAILURE;
  }
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
  bool ok = f && fprintf(f, "coap6=%u coap4=%u coaps6=%u coaps4=%u\n", ports->unicast6, ports->unicast4,
                         ports->secure6, ports->secure4) > 0;
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
  fprintf(stderr, "ocf-device: ready di=%s name=%s coap6=%u coap4=%u coaps6=%u coaps4=%u\n", di, o->name,
          ports.unicast6, ports.unicast4, ports.secure6, ports.secure4);
  ocf_err err = ocf_posix_loop_run(a->loop, OCF_TIME_NEVER, NULL, NULL);
  if (err != OCF_OK) return fail("event loop", err);
  fprintf(stderr, "ocf-device: stopped\n");
  return EXIT_SUCCESS;
}

/* The loop goes first: destroying it leaves the engine, the net and the fd it drove untouched. */
static void app_close(app *a) {
  ocf_posix_loop_destroy(a->loop);
  ocf_device_destroy(a->dev);
  ocf_store_close(a->store);
  ocf_posix_net_close(a->net);
  if (a->signal_fd >= 0) close(a->signal_fd);
  free(a->mfg);
}

int main(int argc, char **argv) {
  options o;
  int rc = parse_args(argc, argv, &o);
  if (rc != 0) return rc < 0 ? EXIT_SUCCESS : rc;
  app a = {.signal_fd = -1};
  ocf_posix_platform_init(&a.pf, o.log_level, true);
  rc = open_store(&a, &o);
  if (rc == 0) rc = open_net(&a, &o);
  if (rc == 0) rc = create_device(&a, &o);
  if (rc == 0) rc = start_loop(&a);
  if (rc == 0) rc = serve(&a, &o);
  app_close(&a);
  return rc;
}
