/* Writes representative payloads built with src/rep into DIR, for rep_schema_check.py to
 * validate against the OCF core schemas:
 *   oic_d.cbor         /oic/d as our device will send it (CORE oic.wk.d "Device")
 *   res_ll.cbor        /oic/res links list (CORE oic.wk.res "slinklist")
 *   res_baseline.cbor  /oic/res baseline form (CORE oic.wk.res "sbaseline")
 * Usage: rep_samples DIR */
#include <stdio.h>
#include <string.h>

#include "base/uuid.h"
#include "rep/links.h"

static int write_file(const char *dir, const char *name, const ocf_rep_enc *e) {
  size_t len;
  if (ocf_rep_enc_finish(e, &len) != OCF_OK) {
    fprintf(stderr, "rep_samples: encoding %s failed: %s\n", name, ocf_strerror(e->err));
    return 1;
  }
  char path[4096];
  if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return 1;
  FILE *f = fopen(path, "wb");
  if (!f) return 1;
  size_t n = fwrite(e->buf, 1, len, f);
  return (fclose(f) != 0 || n != len) ? 1 : 0;
}

static void encode_oic_d(ocf_rep_enc *e, const ocf_uuid *di, const ocf_uuid *piid) {
  ocf_rep_common c = {.n_rt = 2, .n_if = 2, .has_n = true, .n = ocf_rep_str_of("obt sample light")};
  c.rt[0] = ocf_rep_str_of("oic.wk.d");
  c.rt[1] = ocf_rep_str_of("oic.d.light");
  c.ifs[0] = ocf_rep_str_of("oic.if.r");
  c.ifs[1] = ocf_rep_str_of("oic.if.baseline");
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_common(e, &c);
  ocf_rep_enc_kv_uuid(e, "di", di);
  ocf_rep_enc_kv_uuid(e, "piid", piid);
  ocf_rep_enc_kv_text(e, "icv", "ocf.2.0.5");
  ocf_rep_enc_kv_text(e, "dmv", "ocf.res.1.0.0,ocf.sh.1.0.0");
  ocf_rep_enc_kv_text(e, "sv", "0.1.0");
  ocf_rep_enc_map_close(e);
}

static void sample_links(ocf_link l[3], const ocf_uuid *di) {
  memset(l, 0, 3 * sizeof *l);
  static const char *const hrefs[] = {"/oic/res", "/oic/sec/doxm", "/oic/d"};
  static const char *const rts[] = {"oic.wk.res", "oic.r.doxm", "oic.wk.d"};
  static const char *const ifs[] = {"oic.if.ll", "oic.if.rw", "oic.if.r"};
  for (size_t i = 0; i < 3; i++) {
    l[i].has_di = true;
    l[i].di = *di;
    l[i].href = ocf_rep_str_of(hrefs[i]);
    l[i].rt[0] = ocf_rep_str_of(rts[i]);
    l[i].n_rt = 1;
    l[i].ifs[0] = ocf_rep_str_of(ifs[i]);
    l[i].ifs[1] = ocf_rep_str_of("oic.if.baseline");
    l[i].n_if = 2;
    l[i].has_bm = true;
    l[i].bm = i == 0 ? 3 : 1;
    l[i].eps[0].ep = ocf_rep_str_of("coaps://[fe80::1]:41001");
    l[i].n_eps = 1;
  }
  l[1].eps[1].ep = ocf_rep_str_of("coap://[fe80::1]:41000");
  l[1].eps[1].pri = 2;
  l[1].n_eps = 2;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: rep_samples DIR\n");
    return 2;
  }
  ocf_uuid di, piid, sd;
  const char *t1 = "ce3eefde-b8e3-4c08-5674-c3702eb35028", *t2 = "0685b960-736f-46f7-bead-da1f4b8ebb1b",
             *t3 = "12345678-1234-1234-1234-123456789abc";
  if (ocf_uuid_parse(t1, 36, &di) || ocf_uuid_parse(t2, 36, &piid) || ocf_uuid_parse(t3, 36, &sd)) return 1;
  uint8_t buf[3][2048];
  ocf_rep_enc e[3];
  for (size_t i = 0; i < 3; i++) ocf_rep_enc_init(&e[i], buf[i], sizeof buf[i]);
  encode_oic_d(&e[0], &di, &piid);
  ocf_link links[3];
  sample_links(links, &di);
  ocf_links_encode_ll(&e[1], links, 3);
  ocf_res_info info = {
      .has_sduuid = true, .sduuid = sd, .has_sdname = true, .sdname = ocf_rep_str_of("home")};
  info.common.rt[0] = ocf_rep_str_of("oic.wk.res");
  info.common.n_rt = 1;
  info.common.ifs[0] = ocf_rep_str_of("oic.if.ll");
  info.common.ifs[1] = ocf_rep_str_of("oic.if.b");
  info.common.ifs[2] = ocf_rep_str_of("oic.if.baseline");
  info.common.n_if = 3;
  ocf_links_encode_baseline(&e[2], links, 3, &info);
  return write_file(argv[1], "oic_d.cbor", &e[0]) | write_file(argv[1], "res_ll.cbor", &e[1]) |
         write_file(argv[1], "res_baseline.cbor", &e[2]);
}
