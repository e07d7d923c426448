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
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ocf/ocf_device.h>
#include <ocf/ocf_posix.h>
#include <ocf/ocf_store.h>

#include "args.h"
#include "fault.h"
#include "mfg.h"
#include "ports.h"
#include "request.h"
#include "switch.h"

#ifndef OCF_VERSION_STRING
#define OCF_VERSION_STRING "unknown"
#endif

#define EXIT_USAGE 2
#define APP_MAX_DEVICES 1000 /* --count */
#define APP_FDS_PER_DEVICE 7 /* 6 sockets (coap, coaps, multicast x 2 families) + the store's lock */

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
    "  -c, --count N           host N devices (1..1000) in this process, each with its own\n"
    "                          identity, sockets, storage and PIN file; device I (0-based) is\n"
    "                          named \"NAME I+1\" (default 1: one device named NAME)\n"
    "  -p, --port-file FILE    once serving, write the unicast ports to FILE as\n"
    "                          \"coap6=P coap4=P coaps6=P coaps4=P\" (0 for a family not opened),\n"
    "                          one line per device in index order\n"
    "  -l, --log-level LEVEL   error, warn, info or debug (default warn); logs go to stderr\n"
    "      --otm LIST          OTMs offered in doxm oxms, comma-separated: jw, rdp, mfgcert\n"
    "                          (default jw)\n"
    "      --sct N             doxm sct, credential type bits 0..511 (default 1, PSK; add 8 for\n"
    "                          certificates, 64 OSCORE pairwise, 128/256 SSM client/server)\n"
    "      --no-csr            no /oic/sec/csr (4.04) even with certificates in --sct: the device\n"
    "                          makes no key pair and takes a certificate only with its private\n"
    "                          key in privatedata (PEM, or DER raw), as its CMS made them\n"
    "  -s, --storage DIR       keep the security state (SVRs, identity) and the unicast ports in\n"
    "                          DIR (created 0700, encrypted): a restart serves on the same ports;\n"
    "                          without it every start is a new unowned device; with\n"
    "                          --count N > 1, device I keeps its state in DIR/I\n"
    "      --storage-key FILE  the 32-byte storage key (created 0600 when missing; default\n"
    "                          DIR.key next to DIR, never inside it; shared by all devices)\n"
    "      --factory-reset     erase the stored security state first and start as a new,\n"
    "                          unowned device (also the way out of a damaged store)\n"
    "      --pin-file FILE     also write each Random PIN to FILE (mode 0600; for tests); the PIN\n"
    "                          is always printed on stderr when an OBT selects Random PIN. In\n"
    "                          FILE, %i becomes the device's index (0-based), %u its uuid (the\n"
    "                          di the OBT discovered), %% a percent sign; with --count N > 1\n"
    "                          FILE must contain %i or %u\n"
    "      --mfg-cert FILE     manufacturer certificate chain for --otm mfgcert: PEM (every\n"
    "                          CERTIFICATE block, leaf first) or DER certificates back to back\n"
    "      --mfg-key FILE      the leaf's private key, PEM (EC or PKCS#8) or DER\n"
    "      --session-idle SEC  close a DTLS session after SEC seconds (1..86400) without a record\n"
    "                          from its peer (default 600); an abandoned onboarding connection\n"
    "                          puts the device back in RFOTM only then\n"
    "      --request ACTION    instead of serving, act once as this device's client (device to\n"
    "                          device, with its own credentials from --storage: it must be\n"
    "                          onboarded, and no other ocf-device may be using that storage):\n"
    "                          open a DTLS session to --to and GET the peer's switch (get) or set\n"
    "                          it with POST {\"value\": true|false} (on, off); prints \"code C.DD\n"
    "                          auth psk|cert [value true|false]\" or \"no session (WHY)\" on stdout\n"
    "      --to URI            the peer's coaps endpoint for --request, coaps://[ADDR]:PORT or\n"
    "                          coaps://ADDR:PORT\n"
    "      --peer UUID         the peer's deviceuuid for --request: picks the pair-wise key, and\n"
    "                          a certificate session must be with a certificate for it\n"
    "      --path PATH         the peer's switch for --request (default /switch)\n"
    "      --cred KIND         credentials --request offers: psk (the pair-wise key for the peer),\n"
    "                          cert (the identity certificate) or any (default: both when held)\n"
    "  -h, --help              print this help and exit\n"
    "  -V, --version           print the version and exit\n"
    "\n"
    "When serving, one line \"ocf-device: ready di=UUID name=NAME coap6=P coap4=P coaps6=P\n"
    "coaps4=P\" goes to stderr, \"ocf-device: PIN NNNNNNNN\" each time a PIN is shown, and\n"
    "\"ocf-device: state S\" (RESET, RFOTM, RFPRO, RFNOP, SRESET) and \"ocf-device: di UUID\"\n"
    "as an onboarding tool changes them. With --count N > 1 every such line names its device:\n"
    "\"ocf-device[I]: ...\" with I its 0-based index.\n"
    "Exit status: 0 after SIGINT/SIGTERM, 1 on a runtime failure (a stored state that\n"
    "fails its check included: the device never starts from it), 2 on a usage error. With\n"
    "--request: 0 the peer answered 2.xx, 1 the device cannot ask (not onboarded, no credential\n"
    "for the peer), 2 a usage error, 3 the peer answered an error code (e.g. 4.03: no ACE), 4 no\n"
    "session (handshake refused: wrong or removed key, revoked certificate) or no answer.\n";

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
  bool factory_reset, no_csr;
  const char *pin_file, *mfg_cert, *mfg_key;
  size_t count;
  uint32_t session_idle_s; /* 0 = the library's default */
  bool request;            /* --request: one client request instead of serving */
  app_request req;
  const char *to, *peer;
} options;

enum {
  OPT_OTM = 256,
  OPT_SCT,
  OPT_STORAGE_KEY,
  OPT_FACTORY_RESET,
  OPT_PIN_FILE,
  OPT_MFG_CERT,
  OPT_MFG_KEY,
  OPT_SESSION_IDLE,
  OPT_REQUEST,
  OPT_TO,
  OPT_PEER,
  OPT_PATH,
  OPT_CRED,
  OPT_NO_CSR
};

/* The security options; 0, or EXIT_USAGE after printing why. */
static int parse_security_option(int c, options *o) {
  switch (c) {
  case OPT_OTM:
    if (app_parse_otms(optarg, o->otms, &o->n_otms)) return 0;
    fprintf(stderr, "ocf-device: --otm takes jw, rdp and mfgcert, comma-separated, each once\n");
    return EXIT_USAGE;
  case OPT_SCT:
    if (app_parse_sct(optarg, &o->sct)) return 0;
    fprintf(stderr, "ocf-device: --sct must be a number from 0 to 511\n");
    return EXIT_USAGE;
  case 's': o->storage = optarg; return 0;
  case OPT_STORAGE_KEY: o->storage_key = optarg; return 0;
  case OPT_FACTORY_RESET: o->factory_reset = true; return 0;
  case OPT_NO_CSR: o->no_csr = true; return 0;
  case OPT_PIN_FILE: o->pin_file = optarg; return 0;
  case OPT_MFG_CERT: o->mfg_cert = optarg; return 0;
  case OPT_MFG_KEY: o->mfg_key = optarg; return 0;
  case OPT_SESSION_IDLE: {
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(optarg, &end, 10);
    if (!errno && end && !*end && end != optarg && optarg[0] != '-' && v >= 1 && v <= 86400) {
      o->session_idle_s = (uint32_t)v;
      return 0;
    }
    fprintf(stderr, "ocf-device: --session-idle must be a number of seconds from 1 to 86400\n");
    return EXIT_USAGE;
  }
  case OPT_REQUEST:
    o->request = true;
    if (app_request_parse_action(optarg, &o->req)) return 0;
    fprintf(stderr, "ocf-device: --request takes get, on or off\n");
    return EXIT_USAGE;
  case OPT_TO: o->to = optarg; return 0;
  case OPT_PEER: o->peer = optarg; return 0;
  case OPT_PATH: o->req.path = optarg; return 0;
  case OPT_CRED:
    if (app_request_parse_cred(optarg, &o->req.cred)) return 0;
    fprintf(stderr, "ocf-device: --cred takes any, psk or cert\n");
    return EXIT_USAGE;
  default: return EXIT_USAGE;
  }
}

static int check_args(int argc, options *o, bool only4, bool only6);

static const struct option k_longopts[] = {
    {"name", required_argument, NULL, 'n'},
    {"count", required_argument, NULL, 'c'},
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
    {"session-idle", required_argument, NULL, OPT_SESSION_IDLE},
    {"factory-reset", no_argument, NULL, OPT_FACTORY_RESET},
    {"no-csr", no_argument, NULL, OPT_NO_CSR},
    {"pin-file", required_argument, NULL, OPT_PIN_FILE},
    {"mfg-cert", required_argument, NULL, OPT_MFG_CERT},
    {"mfg-key", required_argument, NULL, OPT_MFG_KEY},
    {"request", required_argument, NULL, OPT_REQUEST},
    {"to", required_argument, NULL, OPT_TO},
    {"peer", required_argument, NULL, OPT_PEER},
    {"path", required_argument, NULL, OPT_PATH},
    {"cred", required_argument, NULL, OPT_CRED},
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
                 .sct = 1,
                 .count = 1,
                 .req = {.path = "/switch"}};
  bool only4 = false, only6 = false;
  int c;
  while ((c = getopt_long(argc, argv, "n:c:t:i:46p:l:s:hV", k_longopts, NULL)) != -1) {
    if (c == 's' || c >= OPT_OTM) {
      int rc = parse_security_option(c, o);
      if (rc) return rc;
      continue;
    }
    switch (c) {
    case 'n': o->name = optarg; break;
    case 'c':
      if (!app_parse_count(optarg, APP_MAX_DEVICES, &o->count)) {
        fprintf(stderr, "ocf-device: --count must be a number from 1 to %d\n", APP_MAX_DEVICES);
        return EXIT_USAGE;
      }
      break;
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
      if (!app_parse_level(optarg, &o->log_level)) {
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

/* --request needs an onboarded device's storage, one device, the peer and its endpoint. */
static int check_request(options *o) {
  if (!o->request) {
    if (o->to || o->peer || o->req.cred || strcmp(o->req.path, "/switch") != 0) {
      fprintf(stderr, "ocf-device: --to, --peer, --path and --cred go with --request\n");
      return EXIT_USAGE;
    }
    return 0;
  }
  const char *why = !o->storage    ? "--request needs --storage (the device's credentials)"
                    : o->count > 1 ? "--request acts as one device: no --count"
                                   : app_request_check(&o->req, o->to, o->peer);
  if (why) {
    fprintf(stderr, "ocf-device: %s\n", why);
    return EXIT_USAGE;
  }
  /* Only the family of the peer: a client needs no multicast and one coaps socket. */
  o->ipv4 = o->req.to.family == OCF_IPV4;
  o->ipv6 = !o->ipv4;
  return 0;
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
  if (o->count > 1 && o->pin_file && !strstr(o->pin_file, "%i") && !strstr(o->pin_file, "%u")) {
    fprintf(stderr, "ocf-device: with --count, --pin-file needs %%i or %%u (one file per device)\n");
    return EXIT_USAGE;
  }
  if (optind < argc || (only4 && only6)) {
    fprintf(stderr, "ocf-device: %s\nTry 'ocf-device --help'.\n",
            optind < argc ? "unexpected argument" : "--ipv4-only and --ipv6-only exclude each other");
    return EXIT_USAGE;
  }
  o->ipv4 = !only6;
  o->ipv6 = !only4;
  return check_request(o);
}

/* One hosted device: its own sockets, store, identity and /switch. */
typedef struct app_dev {
  struct app *app;
  size_t index;
  ocf_store *store;
  ocf_posix_net *net;
  ocf_device *dev;
  app_switch sw;
  char name[OCF_DEVICE_STR_MAX + 1];
  app_fault_engine fault; /* OCF_DEVICE_FAULT_KILL_AT (fault.h) */
} app_dev;

/* Everything the program holds, released by app_close in reverse order. The platform, the loop
 * and the signal fd are shared: one poll loop drives every device's engine over its own net
 * (the library keeps no global state, so devices are independent). */
typedef struct app {
  ocf_platform pf;
  ocf_posix_loop *loop;
  int signal_fd;
  const char *pin_file;
  mfg_creds *mfg;
  size_t count;
  app_dev *devs;
  app_fault fault;
} app;

static int fail(const char *what, ocf_err err) {
  fprintf(stderr, "ocf-device: %s: %s\n", what, ocf_strerror(err));
  return EXIT_FAILURE;
}

/* The prefix of a device's status lines: "ocf-device" alone, "ocf-device[I]" among several. */
static void dev_prefix(const app_dev *ad, char *out, size_t cap) {
  if (ad->app->count == 1)
    snprintf(out, cap, "ocf-device");
  else
    snprintf(out, cap, "ocf-device[%zu]", ad->index);
}

/* Every device opens its own sockets: its own ephemeral unicast and coaps ports, and its own
 * multicast sockets on 5683 (SO_REUSEPORT: the kernel gives each of them a copy of every
 * group datagram, so every device answers discovery; see ocf_posix_net_open). */
static int open_net(app_dev *ad, const options *o) {
  ocf_posix_net_config cfg;
  ocf_posix_net_config_init(&cfg);
  cfg.ipv4 = o->ipv4;
  cfg.ipv6 = o->ipv6;
  cfg.multicast = !o->request; /* a server: listen on 5683 in the OCF groups (digest 1.1) */
  cfg.secure = true;           /* coaps on ephemeral ports, advertised in eps (digest 1.1, 1.4) */
  for (size_t i = 0; i < o->n_interfaces; i++) {
    ocf_err err = ocf_posix_net_config_add_interface(&cfg, o->interfaces[i]);
    if (err != OCF_OK) {
      fprintf(stderr, "ocf-device: --interface %s: %s\n", o->interfaces[i], ocf_strerror(err));
      return EXIT_USAGE;
    }
  }
  /* --storage: the ports of the last start again (ports.h); a --request client takes ephemeral
   * ones and leaves the stored ones alone. */
  ocf_err err = o->request ? ocf_posix_net_open(&cfg, &ad->app->pf, &ad->net)
                           : app_ports_open_net(ad->store, &cfg, &ad->app->pf, &ad->net);
  return err == OCF_OK ? 0 : fail("opening the sockets", err);
}

/* The key of --storage (created on first use), shared by every device of the process. */
static int load_storage_key(app *a, const options *o, uint8_t key[OCF_STORE_KEY_LEN]) {
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
  ocf_err err = ocf_posix_store_key_load(key_file, true, &a->pf, key);
  return err == OCF_OK ? 0 : fail(key_file, err);
}

/* The store of one device: DIR itself for a single device, DIR/I among several (DIR is then
 * created 0700 first; the medium checks and locks each DIR/I). */
static int open_store(app_dev *ad, const options *o, const uint8_t key[OCF_STORE_KEY_LEN]) {
  char dir[4096];
  int n = ad->app->count == 1 ? snprintf(dir, sizeof dir, "%s", o->storage)
                              : snprintf(dir, sizeof dir, "%s/%zu", o->storage, ad->index);
  if (n < 0 || (size_t)n >= sizeof dir) {
    fprintf(stderr, "ocf-device: --storage path too long\n");
    return EXIT_USAGE;
  }
  ocf_store_config cfg;
  ocf_store_config_init(&cfg);
  cfg.has_key = true;
  cfg.max_record = 1u << 20; /* a full cred or acl2 is below 100 KiB; a reset saves every SVR */
  memcpy(cfg.key, key, sizeof cfg.key);
  ocf_err err = ocf_posix_file_store_open(dir, &cfg, &ad->app->pf, &ad->store);
  memset(cfg.key, 0, sizeof cfg.key);
  if (err != OCF_OK) return fail(dir, err);
  if (o->factory_reset) {
    err = ocf_device_wipe_store(ad->store);
    if (err != OCF_OK) return fail("erasing the stored state", err);
    char prefix[32];
    dev_prefix(ad, prefix, sizeof prefix);
    fprintf(stderr, "%s: stored security state erased\n", prefix);
  }
  return 0;
}

static int open_stores(app *a, const options *o) {
  if (!o->storage) return 0;
  if (a->count > 1 && mkdir(o->storage, 0700) != 0 && errno != EEXIST) {
    fprintf(stderr, "ocf-device: creating %s: %s\n", o->storage, strerror(errno));
    return EXIT_FAILURE;
  }
  uint8_t key[OCF_STORE_KEY_LEN];
  int rc = load_storage_key(a, o, key);
  for (size_t i = 0; rc == 0 && i < a->count; i++) rc = open_store(&a->devs[i], o, key);
  memset(key, 0, sizeof key);
  return rc;
}

/* The PIN file of one device: %i its index, %u its uuid, %% a percent sign. False when the
 * result does not fit. */
static bool pin_file_path(const app_dev *ad, char *out, size_t cap) {
  char piece[OCF_UUID_STR_LEN + 24];
  size_t n = 0;
  for (const char *p = ad->app->pin_file; *p; p++) {
    if (p[0] == '%' && p[1] == 'i') {
      snprintf(piece, sizeof piece, "%zu", ad->index);
      p++;
    } else if (p[0] == '%' && p[1] == 'u') {
      ocf_uuid di;
      ocf_device_get_di(ad->dev, &di);
      ocf_uuid_format(&di, piece);
      p++;
    } else {
      piece[0] = *p;
      piece[1] = '\0';
      if (p[0] == '%' && p[1] == '%') p++;
    }
    size_t len = strlen(piece);
    if (n + len >= cap) return false;
    memcpy(out + n, piece, len);
    n += len;
  }
  out[n] = '\0';
  return true;
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

static void save_pin(const app_dev *ad, const char *prefix, const char *pin) {
  char path[4096];
  if (!pin_file_path(ad, path, sizeof path)) {
    fprintf(stderr, "%s: --pin-file path too long\n", prefix);
    return;
  }
  if (!write_pin_file(path, pin)) fprintf(stderr, "%s: writing %s: %s\n", prefix, path, strerror(errno));
}

/* Digest 4.3: the device shows a new PIN each time an OBT selects Random PIN. */
/* The wall clock, for certificate and ACE validity periods (ocf_device_config.utc_now). */
static int64_t utc_seconds(void *user) {
  (void)user;
  struct timespec ts;
  return clock_gettime(CLOCK_REALTIME, &ts) == 0 ? (int64_t)ts.tv_sec : 0;
}

static void on_device_event(void *user, ocf_device *d, const ocf_device_event *ev) {
  const app_dev *ad = user;
  char prefix[32];
  dev_prefix(ad, prefix, sizeof prefix);
  /* Status lines for the operator (and the e2e tests): the onboarding state and the device id
   * change as an OBT claims, provisions or resets the device. */
  if (ev->type == OCF_DEVICE_EV_STATE_CHANGED) {
    static const char *const names[] = {"RESET", "RFOTM", "RFPRO", "RFNOP", "SRESET"};
    fprintf(stderr, "%s: state %s\n", prefix, (unsigned)ev->state < 5 ? names[ev->state] : "?");
    return;
  }
  if (ev->type == OCF_DEVICE_EV_DI_CHANGED) {
    ocf_uuid di;
    char text[OCF_UUID_STR_LEN];
    ocf_device_get_di(d, &di);
    ocf_uuid_format(&di, text);
    fprintf(stderr, "%s: di %s\n", prefix, text);
    return;
  }
  if (ev->type != OCF_DEVICE_EV_OTM_SELECTED || ev->otm != OCF_DEVICE_OTM_RANDOM_PIN) return;
  if (!ev->pin) {
    fprintf(stderr, "%s: no PIN could be generated\n", prefix);
    return;
  }
  fprintf(stderr, "%s: PIN %s\n", prefix, ev->pin);
  if (ev->pin_wait_ms)
    fprintf(stderr, "%s: too many wrong PINs: PIN onboarding refused for %llu s\n", prefix,
            (unsigned long long)(ev->pin_wait_ms + 999) / 1000);
  if (ad->app->pin_file) save_pin(ad, prefix, ev->pin);
}

static int load_mfg(app *a, const options *o) {
  if (!o->mfg_cert) return 0;
  a->mfg = malloc(sizeof *a->mfg);
  if (!a->mfg) return fail("--mfg-cert", OCF_ERR_NO_MEMORY);
  const char *why = mfg_load(o->mfg_cert, o->mfg_key, a->mfg);
  if (why) {
    fprintf(stderr, "ocf-device: --mfg-cert/--mfg-key: %s\n", why);
    return EXIT_USAGE;
  }
  return 0;
}

static int create_device(app_dev *ad, const options *o) {
  app *a = ad->app;
  if (a->count == 1)
    snprintf(ad->name, sizeof ad->name, "%s", o->name);
  else if (snprintf(ad->name, sizeof ad->name, "%s %zu", o->name, ad->index + 1) >= (int)sizeof ad->name)
    ad->name[0] = '\0'; /* too long: refused below as a usage error */
  ocf_device_config cfg;
  ocf_device_config_init(&cfg);
  cfg.on_event = on_device_event;
  cfg.event_user = ad;
  cfg.utc_now = utc_seconds;
  if (a->mfg) {
    cfg.mfg_chain = a->mfg->chain;
    cfg.n_mfg_chain = a->mfg->n_chain;
    cfg.mfg_key = a->mfg->key;
  }
  cfg.name = ad->name;
  cfg.device_types[0] = o->type;
  cfg.n_device_types = 1;
  memcpy(cfg.otms, o->otms, sizeof cfg.otms);
  cfg.n_otms = o->n_otms;
  cfg.sct = o->sct;
  cfg.no_csr = o->no_csr;
  cfg.session_idle_ms = o->session_idle_s * 1000u;
  cfg.store = ad->store;
  ocf_err err = ocf_device_create(&a->pf, &cfg, &ad->dev);
  if (err == OCF_ERR_MALFORMED || err == OCF_ERR_CRYPTO) {
    fprintf(stderr,
            "ocf-device: the stored security state%s cannot be trusted (%s); not starting. "
            "--factory-reset erases it.\n",
            a->count == 1 ? "" : " of a device", ocf_strerror(err));
    return EXIT_FAILURE;
  }
  if (err == OCF_ERR_INVALID_ARG) {
    fprintf(stderr, "ocf-device: --name (with its number under --count) and --type must be 1 to %d bytes\n",
            OCF_DEVICE_STR_MAX);
    return EXIT_USAGE;
  }
  if (err != OCF_OK) return fail("creating the device", err);
  err = app_switch_register(ad->dev, &ad->sw);
  if (err != OCF_OK) return fail("registering /switch", err);
  ocf_endpoint eps[OCF_DEVICE_MAX_ENDPOINTS];
  size_t n = 0;
  err = ocf_posix_net_local_endpoints(ad->net, eps, OCF_DEVICE_MAX_ENDPOINTS, &n);
  if (err == OCF_ERR_NO_SPACE)
    fprintf(stderr, "ocf-device: more than %d local addresses; advertising the first ones\n",
            OCF_DEVICE_MAX_ENDPOINTS);
  else if (err != OCF_OK)
    return fail("reading the interface addresses", err);
  err = ocf_device_set_endpoints(ad->dev, eps, n);
  return err == OCF_OK ? 0 : fail("setting the endpoints", err);
}

/* Each device needs APP_FDS_PER_DEVICE descriptors: raise the soft limit towards the hard one
 * when the default (often 1024) is too low for --count. */
static int reserve_fds(size_t count) {
  struct rlimit rl;
  rlim_t need = (rlim_t)(count * APP_FDS_PER_DEVICE + 32);
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need) return 0;
  if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
    fprintf(stderr, "ocf-device: --count %zu needs %llu file descriptors; the limit is %llu (ulimit -Hn)\n",
            count, (unsigned long long)need, (unsigned long long)rl.rlim_max);
    return EXIT_FAILURE;
  }
  rl.rlim_cur = need;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    fprintf(stderr, "ocf-device: raising the file descriptor limit: %s\n", strerror(errno));
    return EXIT_FAILURE;
  }
  return 0;
}

static int create_devices(app *a, const options *o) {
  a->devs = calloc(o->count, sizeof *a->devs);
  if (!a->devs) return fail("allocating the devices", OCF_ERR_NO_MEMORY);
  a->count = o->count;
  a->pin_file = o->pin_file;
  for (size_t i = 0; i < a->count; i++) {
    a->devs[i].app = a;
    a->devs[i].index = i;
  }
  int rc = reserve_fds(a->count);
  if (rc == 0) rc = load_mfg(a, o);
  if (rc == 0) rc = open_stores(a, o);
  for (size_t i = 0; rc == 0 && i < a->count; i++) {
    rc = open_net(&a->devs[i], o);
    if (rc == 0) rc = create_device(&a->devs[i], o);
  }
  if (a->mfg) mfg_wipe(a->mfg); /* every device copied the chain and key */
  return rc;
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
  int rc = app_fault_parse(&a->fault);
  if (rc != 0) return rc;
  ocf_err err = ocf_posix_loop_create(&a->pf, &a->loop);
  if (err != OCF_OK) return fail("creating the loop", err);
  for (size_t i = 0; i < a->count; i++) {
    ocf_engine engine = ocf_device_engine(a->devs[i].dev);
    a->devs[i].fault = (app_fault_engine){&a->fault, a->devs[i].dev};
    if (a->fault.at) engine = app_fault_engine_of(&a->devs[i].fault);
    err = ocf_posix_loop_add_engine(a->loop, &engine, a->devs[i].net);
    if (err != OCF_OK) return fail("adding the device to the loop", err);
  }
  return watch_signals(a);
}

/* Written to a temporary name and renamed, so a reader never sees half a file: one line per
 * device, in index order. */
static int write_port_file(const char *path, const app *a) {
  char tmp[4096];
  int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
  if (n < 0 || (size_t)n >= sizeof tmp) {
    fprintf(stderr, "ocf-device: --port-file path too long\n");
    return EXIT_USAGE;
  }
  FILE *f = fopen(tmp, "w");
  bool ok = f != NULL;
  for (size_t i = 0; ok && i < a->count; i++) {
    ocf_posix_net_ports ports;
    ocf_posix_net_get_ports(a->devs[i].net, &ports);
    ok = fprintf(f, "coap6=%u coap4=%u coaps6=%u coaps4=%u\n", ports.unicast6, ports.unicast4, ports.secure6,
                 ports.secure4) > 0;
  }
  if (f && fclose(f) != 0) ok = false;
  if (!ok || rename(tmp, path) != 0) {
    fprintf(stderr, "ocf-device: writing %s: %s\n", path, strerror(errno));
    return EXIT_FAILURE;
  }
  return 0;
}

static int serve(app *a, const options *o) {
  if (o->port_file) {
    int rc = write_port_file(o->port_file, a);
    if (rc != 0) return rc;
  }
  for (size_t i = 0; i < a->count; i++) {
    const app_dev *ad = &a->devs[i];
    ocf_posix_net_ports ports;
    ocf_posix_net_get_ports(ad->net, &ports);
    ocf_uuid uuid;
    char di[OCF_UUID_STR_LEN], prefix[32];
    ocf_device_get_di(ad->dev, &uuid);
    ocf_uuid_format(&uuid, di);
    dev_prefix(ad, prefix, sizeof prefix);
    fprintf(stderr, "%s: ready di=%s name=%s coap6=%u coap4=%u coaps6=%u coaps4=%u\n", prefix, di, ad->name,
            ports.unicast6, ports.unicast4, ports.secure6, ports.secure4);
  }
  ocf_err err = ocf_posix_loop_run(a->loop, OCF_TIME_NEVER, NULL, NULL);
  if (err != OCF_OK) return fail("event loop", err);
  fprintf(stderr, "ocf-device: stopped\n");
  return EXIT_SUCCESS;
}

/* The loop goes first: destroying it leaves the engines, the nets and the fd it drove untouched. */
static void app_close(app *a) {
  ocf_posix_loop_destroy(a->loop);
  for (size_t i = a->count; i-- > 0;) {
    ocf_device_destroy(a->devs[i].dev);
    ocf_store_close(a->devs[i].store);
    ocf_posix_net_close(a->devs[i].net);
  }
  if (a->signal_fd >= 0) close(a->signal_fd);
  free(a->devs);
  free(a->mfg);
}

int main(int argc, char **argv) {
  options o;
  int rc = parse_args(argc, argv, &o);
  if (rc != 0) return rc < 0 ? EXIT_SUCCESS : rc;
  app a = {.signal_fd = -1};
  ocf_posix_platform_init(&a.pf, o.log_level, true);
  rc = create_devices(&a, &o);
  if (rc == 0 && o.request) {
    rc = app_request_run(&a.pf, a.devs[0].dev, a.devs[0].net, &o.req);
    app_close(&a);
    return rc;
  }
  if (rc == 0) rc = start_loop(&a);
  if (rc == 0) rc = serve(&a, &o);
  app_close(&a);
  return rc;
}
