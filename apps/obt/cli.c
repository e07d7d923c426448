#include "cli.h"

#include <string.h>

void obt_net_opts_init(obt_net_opts *o) {
  memset(o, 0, sizeof *o);
  o->ipv4 = o->ipv6 = true;
  ocf_posix_net_config_init(&o->net);
  o->log_level = OCF_LOG_WARN;
}

int obt_net_opts_parse(obt_net_opts *o, int argc, char **argv, int *i) {
  const char *a = argv[*i];
  if (strcmp(a, "-4") == 0 || strcmp(a, "--ipv4-only") == 0) {
    o->ipv6 = false;
    return 1;
  }
  if (strcmp(a, "-6") == 0 || strcmp(a, "--ipv6-only") == 0) {
    o->ipv4 = false;
    return 1;
  }
  if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
    o->log_level = o->log_level == OCF_LOG_WARN ? OCF_LOG_INFO : OCF_LOG_DEBUG;
    return 1;
  }
  if (strcmp(a, "-i") == 0 || strcmp(a, "--interface") == 0) {
    if (*i + 1 >= argc) {
      fprintf(stderr, "obt: %s needs an interface name or index\n", a);
      return -1;
    }
    const char *name = argv[++*i];
    ocf_err err = ocf_posix_net_config_add_interface(&o->net, name);
    if (err) {
      fprintf(stderr, "obt: interface %s: %s\n", name, ocf_strerror(err));
      return -1;
    }
    return 1;
  }
  return 0;
}

int obt_host_open(obt_host *h, const obt_net_opts *o) {
  memset(h, 0, sizeof *h);
  if (!o->ipv4 && !o->ipv6) {
    fprintf(stderr, "obt: -4 and -6 exclude each other\n");
    return OBT_EXIT_USAGE;
  }
  ocf_posix_platform_init(&h->pf, o->log_level, false);
  ocf_posix_net_config cfg = o->net;
  cfg.ipv4 = o->ipv4;
  cfg.ipv6 = o->ipv6;
  cfg.secure = o->secure;
  ocf_err err = ocf_posix_net_open(&cfg, &h->pf, &h->net);
  if (!err) err = ocf_posix_loop_create(&h->pf, &h->loop);
  if (!err) err = ocf_obt_create(&h->pf, o->obt_cfg, &h->obt);
  if (!err) {
    ocf_engine eng = ocf_obt_engine(h->obt);
    err = ocf_posix_loop_add_engine(h->loop, &eng, h->net);
  }
  if (err) {
    fprintf(stderr, "obt: cannot open the network: %s\n", ocf_strerror(err));
    obt_host_close(h);
    return OBT_EXIT_SYSTEM;
  }
  return OBT_EXIT_OK;
}

void obt_host_close(obt_host *h) {
  ocf_obt_destroy(h->obt);
  ocf_posix_loop_destroy(h->loop);
  ocf_posix_net_close(h->net);
  memset(h, 0, sizeof *h);
}

void obt_json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(out, "\\%c", c);
    else if (c < 0x20)
      fprintf(out, "\\u%04x", c);
    else
      fputc(c, out);
  }
  fputc('"', out);
}
