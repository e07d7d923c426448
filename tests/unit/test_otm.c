/* src/otm (ADR 0014): the registry, the three built-in OTMs and a vendor OTM, each run as an OBT
 * (client) and a device (server) whose dtls callbacks go through the otm session, on the
 * simulated network; the Owner Credential on both sides; the PIN hint; the device-side rule for
 * the empty-key owner credential; vectors captured from IoTivity-Lite (digest §4.3, §4.5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "dtls/derive.h"
#include "dtls_certs.h"
#include "otm/otm.h"
#include "pki/cert.h"
#include "sim/sim.h"

#define NOW_2025 1735689600 /* 2025-01-01T00:00:00Z */

static void unhex(const char *hex, uint8_t *out, size_t len) {
  assert_int_equal(strlen(hex), 2 * len);
  for (size_t i = 0; i < len; i++) {
    unsigned v = 0;
    for (int k = 0; k < 2; k++) {
      char c = hex[2 * i + (size_t)k];
      v = v * 16 + (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
    }
    out[i] = (uint8_t)v;
  }
}

static ocf_uuid uuid_hex(const char *hex) {
  ocf_uuid u;
  unhex(hex, u.b, 16);
  return u;
}

static const ocf_uuid obt_uuid = {
    {0xce, 0x3e, 0xef, 0xde, 0xb8, 0xe3, 0x4c, 0x08, 0x56, 0x74, 0xc3, 0x70, 0x2e, 0xb3, 0x50, 0x28}};
static const ocf_uuid dev_uuid = {
    {0x4e, 0x2e, 0x33, 0x0a, 0x2f, 0x22, 0x48, 0xca, 0x54, 0xb9, 0xc9, 0x84, 0xbc, 0x68, 0xfe, 0xc5}};
static const ocf_uuid new_dev_uuid = {
    {0x86, 0x7b, 0x77, 0xb4, 0xbf, 0xb5, 0x45, 0x3e, 0x5b, 0x74, 0x74, 0xaa, 0x0f, 0x43, 0x41, 0xbf}};

/* --- a device and an OBT whose dtls callbacks go through ocf_otm_session --------------------- */

typedef struct node {
  ocf_sim_platform sp;
  ocf_dtls_ctx *d;
  ocf_endpoint ep;
  ocf_otm_session os;
  bool established, failed;
  ocf_err err;
  ocf_err psk_err; /* ocf_otm_owner_psk_from_session in the ESTABLISHED event */
  uint8_t owner_psk[OCF_OTM_OWNER_PSK_LEN];
  ocf_dtls_session_info info;
} node;

typedef struct world {
  ocf_sim_net *net;
  node dev, obt;
} world;

static void on_event(void *user, ocf_dtls_ctx *d, const ocf_dtls_event *ev) {
  node *n = user;
  (void)d;
  n->info = *ev->info;
  if (ev->type == OCF_DTLS_EV_ESTABLISHED) {
    n->established = true;
    /* Digest §4.5: the device uuid is the one in force when the credential is posted. */
    n->psk_err =
        ocf_otm_owner_psk_from_session(n->os.otm, ev->session, &obt_uuid, &new_dev_uuid, n->owner_psk);
  } else if (ev->type == OCF_DTLS_EV_FAILED) {
    n->failed = true;
    n->err = ev->err;
  }
}

static ocf_err on_accept(void *user, const ocf_endpoint *peer, ocf_dtls_profile *profile) {
  node *n = user;
  (void)peer;
  *profile = n->os.profile;
  return OCF_OK;
}

static ocf_err on_psk_lookup(void *user, const ocf_endpoint *peer, const uint8_t *id, size_t id_len,
                             uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  (void)peer;
  return ocf_otm_session_psk_lookup(&((node *)user)->os, id, id_len, key, key_len);
}

static ocf_err on_psk_for_hint(void *user, const ocf_endpoint *peer, const uint8_t *hint, size_t hint_len,
                               uint8_t key[OCF_DTLS_PSK_MAX], size_t *key_len) {
  (void)peer;
  return ocf_otm_session_psk_for_hint(&((node *)user)->os, hint, hint_len, key, key_len);
}

static ocf_err on_verify(void *user, const ocf_endpoint *peer, const ocf_bytes *chain, size_t n_chain,
                         const ocf_uuid *uuid) {
  (void)peer;
  return ocf_otm_session_verify_cert(&((node *)user)->os, chain, n_chain, uuid);
}

static void node_init(world *w, node *n, uint64_t seed, bool server, uint8_t last) {
  memset(n, 0, sizeof *n);
  ocf_sim_platform_init(&n->sp, seed);
  n->sp.quiet = true;
  n->ep = (ocf_endpoint){.family = OCF_IPV6, .port = server ? 5684 : 40001};
  n->ep.addr[0] = 0x20;
  n->ep.addr[1] = 0x01;
  n->ep.addr[15] = last;
  ocf_dtls_config cfg;
  ocf_dtls_config_default(&cfg);
  cfg.server = server;
  cfg.client = !server;
  ocf_dtls_callbacks cbs = {.user = n,
                            .on_event = on_event,
                            .accept = on_accept,
                            .psk_lookup = on_psk_lookup,
                            .psk_for_hint = on_psk_for_hint,
                            .verify_cert = on_verify};
  assert_int_equal(ocf_dtls_create(&n->sp.pf, &cfg, &cbs, &n->d), OCF_OK);
  int id = ocf_sim_add_node(w->net, ocf_dtls_engine(n->d));
  assert_true(id >= 0);
  ocf_sim_node_add_addr(w->net, id, &n->ep);
}

static void world_init(world *w, uint64_t seed) {
  memset(w, 0, sizeof *w);
  w->net = ocf_sim_net_new(seed, 1000000);
  assert_non_null(w->net);
  node_init(w, &w->dev, seed * 3 + 1, true, 0x10);
  node_init(w, &w->obt, seed * 7 + 2, false, 0x01);
}

static void world_free(world *w) {
  ocf_dtls_destroy(w->dev.d);
  ocf_dtls_destroy(w->obt.d);
  assert_int_equal(w->dev.sp.live, 0);
  assert_int_equal(w->obt.sp.live, 0);
  ocf_otm_session_clear(&w->dev.os);
  ocf_otm_session_clear(&w->obt.os);
  ocf_sim_net_free(w->net);
}

static bool settled(void *user) {
  world *w = user;
  return (w->dev.established || w->dev.failed) && (w->obt.established || w->obt.failed);
}

/* Sets both sides up from the registry entry for oxm and runs the handshake. */
static void run(world *w, const ocf_otm_registry *reg, uint32_t dev_oxm, const ocf_otm_params *dp,
                uint32_t obt_oxm, const ocf_otm_params *op) {
  assert_int_equal(ocf_otm_session_init(&w->dev.os, ocf_otm_registry_find(reg, dev_oxm), true, dp), OCF_OK);
  assert_int_equal(ocf_otm_session_init(&w->obt.os, ocf_otm_registry_find(reg, obt_oxm), false, op), OCF_OK);
  assert_int_equal(ocf_dtls_connect(w->obt.d, &w->dev.ep, &w->obt.os.profile, ocf_sim_now(w->net)), OCF_OK);
  ocf_sim_flush(w->net);
  assert_true(ocf_sim_run_until(w->net, settled, w, 120000));
}

static void assert_same_owner_psk(const world *w, uint16_t suite) {
  assert_true(w->dev.established);
  assert_true(w->obt.established);
  assert_int_equal(w->dev.info.suite, suite);
  assert_int_equal(w->dev.psk_err, OCF_OK);
  assert_int_equal(w->obt.psk_err, OCF_OK);
  assert_memory_equal(w->dev.owner_psk, w->obt.owner_psk, OCF_OTM_OWNER_PSK_LEN);
}

static void assert_both_failed(const world *w) {
  assert_false(w->dev.established);
  assert_false(w->obt.established);
  assert_true(w->obt.failed);
  assert_true(w->dev.failed);
}

/* --- certificates for the manufacturer OTM ------------------------------------------------- */

typedef struct mfg {
  test_cred root, other_root, inter, leaf;
  ocf_bytes chain[2], anchors[1];
} mfg;

static mfg g_mfg; /* made once: key generation is the slow part */

static void make_mfg_leaf(mfg *m, const test_cert_opts *lo) {
  test_make_cert(&m->leaf, &m->inter, "uuid:4e2e330a-2f22-48ca-54b9-c984bc68fec5", lo, 34);
  m->chain[0] = test_cert_bytes(&m->leaf);
  m->chain[1] = test_cert_bytes(&m->inter);
}

static int make_certs(void **state) {
  (void)state;
  mfg *m = &g_mfg;
  test_cert_opts ca = {.is_ca = true, .max_pathlen = -1};
  test_make_cert(&m->root, NULL, "Acme Mfg Root", &ca, 31);
  test_make_cert(&m->other_root, NULL, "Someone Else", &ca, 32);
  ca.max_pathlen = 0;
  test_make_cert(&m->inter, &m->root, "Acme Mfg Intermediate", &ca, 33);
  test_cert_opts lo = {.eku = TEST_EKU_OCF_LEAF};
  make_mfg_leaf(m, &lo);
  m->anchors[0] = test_cert_bytes(&m->root);
  return 0;
}

static ocf_otm_params mfg_device_params(const mfg *m) {
  ocf_otm_params p = {
      .device_uuid = dev_uuid, .chain = m->chain, .n_chain = 2, .private_key = test_key_bytes(&m->leaf)};
  return p;
}

static ocf_otm_params mfg_obt_params(const ocf_bytes *anchors, int64_t now) {
  ocf_otm_params p = {
      .device_uuid = dev_uuid, .trust_anchors = anchors, .n_trust_anchors = 1, .utc_now = now};
  return p;
}

/* --- registry ------------------------------------------------------------------------------- */

static ocf_err vendor_client(ocf_otm_session *s, ocf_dtls_profile *p);
static ocf_err vendor_server(ocf_otm_session *s, ocf_dtls_profile *p);
static ocf_err vendor_lookup(ocf_otm_session *s, const uint8_t *id, size_t id_len, uint8_t *key,
                             size_t *key_len);

/* A vendor OTM: a factory secret printed in the manual, as ECDHE-PSK with its own identity. */
static const ocf_otm vendor_otm = {.oxm = 0xFF10,
                                   .urn = "com.example.oxm.factorykey",
                                   .client_profile = vendor_client,
                                   .server_profile = vendor_server,
                                   .psk_lookup = vendor_lookup};

static ocf_err vendor_client(ocf_otm_session *s, ocf_dtls_profile *p) {
  const ocf_bytes *secret = s->params.vendor;
  memcpy(s->psk, secret->ptr, secret->len);
  s->psk_len = secret->len;
  p->suites[0] = OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256;
  p->n_suites = 1;
  p->psk_identity = (ocf_bytes){(const uint8_t *)"factory", 7};
  p->psk = (ocf_bytes){s->psk, s->psk_len};
  return OCF_OK;
}

static ocf_err vendor_server(ocf_otm_session *s, ocf_dtls_profile *p) {
  const ocf_bytes *secret = s->params.vendor;
  memcpy(s->psk, secret->ptr, secret->len);
  s->psk_len = secret->len;
  p->suites[0] = OCF_DTLS_ECDHE_PSK_AES_128_CBC_SHA256;
  p->n_suites = 1;
  return OCF_OK;
}

static ocf_err vendor_lookup(ocf_otm_session *s, const uint8_t *id, size_t id_len, uint8_t *key,
                             size_t *key_len) {
  if (id_len != 7 || memcmp(id, "factory", 7)) return OCF_ERR_DENIED;
  memcpy(key, s->psk, s->psk_len);
  *key_len = s->psk_len;
  return OCF_OK;
}

static void test_registry_holds_the_builtins_and_vendor_otms(void **state) {
  (void)state;
  ocf_otm_registry r;
  ocf_otm_registry_init(&r);
  uint32_t oxms[8];
  assert_int_equal(ocf_otm_registry_oxms(&r, oxms, 8), 3);
  assert_int_equal(oxms[0], 0);
  assert_int_equal(oxms[1], 1);
  assert_int_equal(oxms[2], 2);
  assert_ptr_equal(ocf_otm_registry_find(&r, 0), ocf_otm_just_works());
  assert_ptr_equal(ocf_otm_registry_find(&r, 1), ocf_otm_random_pin());
  assert_ptr_equal(ocf_otm_registry_find(&r, 2), ocf_otm_mfg_cert());
  assert_string_equal(ocf_otm_registry_find(&r, 2)->urn, "oic.sec.doxm.mfgcert");
  assert_null(ocf_otm_registry_find(&r, 3));
  assert_null(ocf_otm_registry_find(&r, 0xFF10));
  /* Every built-in's URN is the one dtls/derive.h uses for the same oxm. */
  for (uint32_t i = 0; i < 3; i++)
    assert_string_equal(ocf_otm_registry_find(&r, i)->urn, ocf_oxm_urn((ocf_oxm)i));

  assert_int_equal(ocf_otm_registry_add(&r, &vendor_otm), OCF_OK);
  assert_ptr_equal(ocf_otm_registry_find(&r, 0xFF10), &vendor_otm);
  assert_int_equal(ocf_otm_registry_add(&r, &vendor_otm), OCF_ERR_STATE);
  assert_int_equal(ocf_otm_registry_add(&r, ocf_otm_just_works()), OCF_ERR_STATE);
  ocf_otm other = vendor_otm;
  other.oxm = 0xFF11; /* same urn */
  assert_int_equal(ocf_otm_registry_add(&r, &other), OCF_ERR_STATE);
  other.urn = "com.example.oxm.other";
  other.oxm = OCF_OXM_DCAP; /* a spec number claimed by a vendor */
  assert_int_equal(ocf_otm_registry_add(&r, &other), OCF_ERR_INVALID_ARG);
  other.oxm = 0xFF11;
  other.urn = "has space";
  assert_int_equal(ocf_otm_registry_add(&r, &other), OCF_ERR_INVALID_ARG);
  other.urn = "";
  assert_int_equal(ocf_otm_registry_add(&r, &other), OCF_ERR_INVALID_ARG);
  other.urn = "com.example.oxm.other";
  other.server_profile = NULL;
  assert_int_equal(ocf_otm_registry_add(&r, &other), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_otm_registry_add(&r, NULL), OCF_ERR_INVALID_ARG);

  /* Fixed size: 4 used, 4 more fit. */
  static const char *const urns[] = {"v.a", "v.b", "v.c", "v.d", "v.e"};
  ocf_otm many[5];
  for (size_t i = 0; i < 5; i++) {
    many[i] = vendor_otm;
    many[i].oxm = 0xFF20 + (uint32_t)i;
    many[i].urn = urns[i];
    assert_int_equal(ocf_otm_registry_add(&r, &many[i]), i < 4 ? OCF_OK : OCF_ERR_NO_SPACE);
  }
  assert_int_equal(ocf_otm_registry_oxms(&r, oxms, 2), OCF_OTM_REGISTRY_MAX);
  ocf_otm_registry_clear(&r);
  assert_null(ocf_otm_registry_find(&r, 0));
  assert_int_equal(ocf_otm_registry_add(&r, ocf_otm_random_pin()), OCF_OK);
  assert_int_equal(ocf_otm_registry_oxms(&r, NULL, 0), 1);
}

/* --- vectors and pure helpers --------------------------------------------------------------- */

/* ../shared/vectors/owner-psk-iotivity-lite.json: key_block and uuids of real IL onboardings and
 * the OwnerPSK both sides stored. */
static void test_owner_psk_vectors_from_iotivity_lite(void **state) {
  (void)state;
  static const struct {
    uint32_t oxm;
    const char *key_block, *obt, *dev_new, *dev_old, *psk;
  } v[] = {
      {0,
       "df91ffeb9c837c47058247257fec887ab0a4e66223ef52239e77e1b857e91300bc77b4cd7193e2baabbcb885706f0319dc6cd"
       "6ee02cb"
       "439b1b4757fc4323ddba5ff52bb04c61a00eece83949482f8da98901053dc2c84241fcc301412cc6149b",
       "ce3eefdeb8e34c085674c3702eb35028", "4e2e330a2f2248ca54b9c984bc68fec5",
       "132e0d5b54d9410c56460f06a0e9d3ce", "434aeadb41d773f1039a2e7f980474e1"},
      {1,
       "820e019fc8542a7893881e6fe8d33847a59544575fcd70a6546836a3f9dede57dfe5809bf4d23840978de972e9ad241a850c4"
       "bf8eeb513"
       "7d859036b2e48331f1aa553308d02fb3251593395b48f00e1ae35bb052c376e5c2faab14da7da8e0d3",
       "ce3eefdeb8e34c085674c3702eb35028", "867b77b4bfb5453e5b7474aa0f4341bf",
       "97f3b752e20941365688561507617827", "6d61e394905c67569363c4dce1bb5dc1"},
  };
  ocf_otm_registry r;
  ocf_otm_registry_init(&r);
  for (size_t i = 0; i < 2; i++) {
    uint8_t kb[96], want[16], got[16];
    unhex(v[i].key_block, kb, sizeof kb);
    unhex(v[i].psk, want, sizeof want);
    ocf_uuid obt = uuid_hex(v[i].obt), dev = uuid_hex(v[i].dev_new), old = uuid_hex(v[i].dev_old);
    const ocf_otm *otm = ocf_otm_registry_find(&r, v[i].oxm);
    assert_int_equal(ocf_otm_owner_psk(otm, kb, sizeof kb, &obt, &dev, got), OCF_OK);
    assert_memory_equal(got, want, 16);
    /* The old (pre-DOTS) uuid, swapped uuids and another OTM's label give other keys. */
    assert_int_equal(ocf_otm_owner_psk(otm, kb, sizeof kb, &obt, &old, got), OCF_OK);
    assert_memory_not_equal(got, want, 16);
    assert_int_equal(ocf_otm_owner_psk(otm, kb, sizeof kb, &dev, &obt, got), OCF_OK);
    assert_memory_not_equal(got, want, 16);
    assert_int_equal(
        ocf_otm_owner_psk(ocf_otm_registry_find(&r, 1 - v[i].oxm), kb, sizeof kb, &obt, &dev, got), OCF_OK);
    assert_memory_not_equal(got, want, 16);
  }
  uint8_t out[16], kb[1] = {0};
  assert_int_equal(ocf_otm_owner_psk(ocf_otm_just_works(), kb, 0, &obt_uuid, &dev_uuid, out),
                   OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_otm_owner_psk(NULL, kb, 1, &obt_uuid, &dev_uuid, out), OCF_ERR_INVALID_ARG);
}

/* Same file, pin_psk: the PPSK for PIN 22821213 and the hint the IL device sent. */
static void test_pin_session_key_and_hint_match_iotivity_lite(void **state) {
  (void)state;
  ocf_uuid u = uuid_hex("0f88209bbee74cb877cdcca87ae6430d");
  uint8_t ppsk[16], hint[33];
  unhex("d6aeeb9dafd886953fed88ef3e23792f", ppsk, sizeof ppsk);
  unhex("6f69632e7365632e646f786d2e7264703a0f88209bbee74cb877cdcca87ae6430d", hint, sizeof hint);
  ocf_otm_params p = {.device_uuid = u, .pin = "22821213", .pin_len = 8};
  ocf_otm_session s;
  assert_int_equal(ocf_otm_session_init(&s, ocf_otm_random_pin(), true, &p), OCF_OK);
  assert_int_equal(s.psk_len, 16);
  assert_memory_equal(s.psk, ppsk, 16);
  assert_int_equal(s.profile.psk_hint.len, sizeof hint);
  assert_memory_equal(s.profile.psk_hint.ptr, hint, sizeof hint);
  uint8_t key[OCF_DTLS_PSK_MAX];
  size_t key_len;
  assert_int_equal(ocf_otm_session_psk_lookup(&s, (const uint8_t *)"oic.sec.doxm.rdp", 16, key, &key_len),
                   OCF_OK);
  assert_memory_equal(key, ppsk, 16);
  assert_int_equal(ocf_otm_session_psk_lookup(&s, obt_uuid.b, 16, key, &key_len), OCF_ERR_DENIED);
  assert_int_equal(ocf_otm_session_psk_for_hint(&s, hint, sizeof hint, key, &key_len), OCF_ERR_NOT_FOUND);
  ocf_otm_session_clear(&s);

  assert_int_equal(ocf_otm_session_init(&s, ocf_otm_random_pin(), false, &p), OCF_OK);
  assert_memory_equal(s.profile.psk.ptr, ppsk, 16);
  assert_int_equal(s.profile.psk_identity.len, 16);
  assert_memory_equal(s.profile.psk_identity.ptr, "oic.sec.doxm.rdp", 16);
  assert_int_equal(ocf_otm_session_psk_for_hint(&s, hint, sizeof hint, key, &key_len), OCF_OK);
  assert_memory_equal(key, ppsk, 16);
  assert_true(s.has_peer_uuid);
  /* Older devices send only their uuid (S003 §7.3); another device's uuid is refused. */
  assert_int_equal(ocf_otm_session_psk_for_hint(&s, u.b, 16, key, &key_len), OCF_OK);
  assert_int_equal(ocf_otm_session_psk_for_hint(&s, dev_uuid.b, 16, key, &key_len), OCF_ERR_DENIED);
  assert_int_equal(ocf_otm_session_psk_for_hint(&s, hint, 17, key, &key_len), OCF_ERR_DENIED);
  ocf_otm_session_clear(&s);
}

static void test_rdp_hint_parse(void **state) {
  (void)state;
  uint8_t hint[OCF_OTM_RDP_HINT_LEN];
  ocf_otm_rdp_hint(&dev_uuid, hint);
  ocf_uuid u;
  assert_int_equal(ocf_otm_rdp_hint_parse(hint, sizeof hint, &u), OCF_OK);
  assert_true(ocf_uuid_equal(&u, &dev_uuid));
  assert_int_equal(ocf_otm_rdp_hint_parse(dev_uuid.b, 16, &u), OCF_OK);
  assert_true(ocf_uuid_equal(&u, &dev_uuid));
  hint[16] = ';';
  assert_int_equal(ocf_otm_rdp_hint_parse(hint, sizeof hint, &u), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_otm_rdp_hint_parse(hint, 17, &u), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_otm_rdp_hint_parse(hint, 0, &u), OCF_ERR_MALFORMED);
  assert_int_equal(ocf_otm_rdp_hint_parse(NULL, 16, &u), OCF_ERR_MALFORMED);
}

static void test_owner_credential_rule(void **state) {
  (void)state;
  ocf_otm_cred_facts f = {.credtype = 1,
                          .subjectuuid = obt_uuid,
                          .cred_rowneruuid = obt_uuid,
                          .devowneruuid = obt_uuid,
                          .doxm_rowneruuid = obt_uuid,
                          .in_rfotm = true,
                          .over_doc = true};
  assert_int_equal(ocf_otm_owner_cred_rule(&f), OCF_OTM_CRED_DERIVE);
  /* Any one of the owner uuids names the DOTS (IL: cred rowneruuid; S002: doxm rowneruuid). */
  ocf_otm_cred_facts g = f;
  memset(&g.devowneruuid, 0, 16);
  memset(&g.doxm_rowneruuid, 0, 16);
  assert_int_equal(ocf_otm_owner_cred_rule(&g), OCF_OTM_CRED_DERIVE);
  g = f;
  memset(&g.cred_rowneruuid, 0, 16);
  memset(&g.devowneruuid, 0, 16);
  assert_int_equal(ocf_otm_owner_cred_rule(&g), OCF_OTM_CRED_DERIVE);
  g = f;
  g.subjectuuid = dev_uuid; /* someone else's keyless credential */
  assert_int_equal(ocf_otm_owner_cred_rule(&g), OCF_OTM_CRED_REJECT);
  g = f;
  g.in_rfotm = false;
  assert_int_equal(ocf_otm_owner_cred_rule(&g), OCF_OTM_CRED_REJECT);
  g = f;
  g.over_doc = false;
  assert_int_equal(ocf_otm_owner_cred_rule(&g), OCF_OTM_CRED_REJECT);
  g = f;
  memset(&g, 0, sizeof g);
  g.credtype = 1;
  g.in_rfotm = g.over_doc = true; /* nil subject equal to nil owners is no owner */
  assert_int_equal(ocf_otm_owner_cred_rule(&g), OCF_OTM_CRED_REJECT);
  g = f;
  g.privatedata_len = 16; /* PL's DOTS sends its random key: stored as given */
  assert_int_equal(ocf_otm_owner_cred_rule(&g), OCF_OTM_CRED_ORDINARY);
  g = f;
  g.credtype = 8; /* certificates are not the owner credential */
  assert_int_equal(ocf_otm_owner_cred_rule(&g), OCF_OTM_CRED_ORDINARY);
  assert_int_equal(ocf_otm_owner_cred_rule(NULL), OCF_OTM_CRED_ORDINARY);
}

static void test_session_init_refuses_missing_parameters(void **state) {
  (void)state;
  ocf_otm_session s;
  ocf_otm_params p = {.device_uuid = dev_uuid};
  assert_int_equal(ocf_otm_session_init(&s, ocf_otm_random_pin(), true, &p), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_otm_session_init(&s, ocf_otm_random_pin(), false, &p), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_otm_session_init(&s, ocf_otm_mfg_cert(), true, &p), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_otm_session_init(&s, ocf_otm_mfg_cert(), false, &p), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_otm_session_init(&s, NULL, false, &p), OCF_ERR_INVALID_ARG);
  assert_int_equal(ocf_otm_session_init(&s, ocf_otm_mfg_cert(), false, NULL), OCF_ERR_INVALID_ARG);
  p.pin = "123456789012345678901234567890123"; /* 33 > OCF_OTM_PIN_MAX */
  p.pin_len = 33;
  assert_int_equal(ocf_otm_session_init(&s, ocf_otm_random_pin(), true, &p), OCF_ERR_INVALID_ARG);
  assert_null(s.otm); /* wiped */
}

/* --- handshakes through the registry --------------------------------------------------------- */

static void test_just_works_through_the_registry(void **state) {
  (void)state;
  if (!ocf_dtls_suite_available(0xFF00)) skip();
  ocf_otm_registry r;
  ocf_otm_registry_init(&r);
  world w;
  world_init(&w, 41);
  ocf_otm_params p = {.device_uuid = dev_uuid};
  run(&w, &r, OCF_OXM_JUST_WORKS, &p, OCF_OXM_JUST_WORKS, &p);
  assert_same_owner_psk(&w, 0xFF00);
  assert_int_equal(w.dev.info.auth, OCF_DTLS_AUTH_NONE);
  world_free(&w);
}

static void pin_run(world *w, const char *dev_pin, const char *obt_pin, const ocf_uuid *seen) {
  ocf_otm_registry r;
  ocf_otm_registry_init(&r);
  ocf_otm_params dp = {.device_uuid = dev_uuid, .pin = dev_pin, .pin_len = strlen(dev_pin)};
  ocf_otm_params op = {.device_uuid = *seen, .pin = obt_pin, .pin_len = strlen(obt_pin)};
  run(w, &r, OCF_OXM_RANDOM_PIN, &dp, OCF_OXM_RANDOM_PIN, &op);
}

static void test_random_pin_through_the_registry(void **state) {
  (void)state;
  if (!ocf_dtls_psk_hint_available()) skip();
  world w;
  world_init(&w, 42);
  pin_run(&w, "22821213", "22821213", &dev_uuid);
  assert_same_owner_psk(&w, 0xC037);
  assert_true(w.obt.os.has_peer_uuid); /* from the hint */
  assert_true(ocf_uuid_equal(&w.obt.os.peer_uuid, &dev_uuid));
  world_free(&w);
}

static void test_random_pin_with_a_wrong_pin_fails(void **state) {
  (void)state;
  world w;
  world_init(&w, 43);
  pin_run(&w, "22821213", "22821231", &dev_uuid);
  assert_both_failed(&w);
  /* A wrong key shows as a bad Finished MAC (CRYPTO) or the peer's alert (RESET/DENIED). */
  assert_true(w.dev.err == OCF_ERR_CRYPTO || w.dev.err == OCF_ERR_DENIED || w.dev.err == OCF_ERR_RESET);
  assert_true(w.obt.err == OCF_ERR_CRYPTO || w.obt.err == OCF_ERR_DENIED || w.obt.err == OCF_ERR_RESET);
  world_free(&w);
}

static void test_random_pin_hint_of_another_device_is_refused(void **state) {
  (void)state;
  if (!ocf_dtls_psk_hint_available()) skip();
  world w;
  world_init(&w, 44);
  pin_run(&w, "22821213", "22821213", &new_dev_uuid); /* the OBT expects another device */
  assert_both_failed(&w);
  assert_int_equal(w.obt.err, OCF_ERR_DENIED);
  world_free(&w);
}

static void test_random_pin_with_an_old_devices_uuid_only_hint(void **state) {
  (void)state;
  if (!ocf_dtls_psk_hint_available()) skip();
  ocf_otm_registry r;
  ocf_otm_registry_init(&r);
  world w;
  world_init(&w, 45);
  ocf_otm_params p = {.device_uuid = dev_uuid, .pin = "0000", .pin_len = 4};
  assert_int_equal(ocf_otm_session_init(&w.dev.os, ocf_otm_random_pin(), true, &p), OCF_OK);
  w.dev.os.profile.psk_hint = (ocf_bytes){dev_uuid.b, 16}; /* S003 §7.3: older devices */
  assert_int_equal(ocf_otm_session_init(&w.obt.os, ocf_otm_random_pin(), false, &p), OCF_OK);
  assert_int_equal(ocf_dtls_connect(w.obt.d, &w.dev.ep, &w.obt.os.profile, ocf_sim_now(w.net)), OCF_OK);
  ocf_sim_flush(w.net);
  assert_true(ocf_sim_run_until(w.net, settled, &w, 120000));
  assert_same_owner_psk(&w, 0xC037);
  world_free(&w);
}

static void test_suite_mismatch_fails_cleanly(void **state) {
  (void)state;
  if (!ocf_dtls_suite_available(0xFF00)) skip();
  ocf_otm_registry r;
  ocf_otm_registry_init(&r);
  world w;
  world_init(&w, 46);
  ocf_otm_params p = {.device_uuid = dev_uuid, .pin = "12345678", .pin_len = 8};
  run(&w, &r, OCF_OXM_RANDOM_PIN, &p, OCF_OXM_JUST_WORKS, &p);
  assert_both_failed(&w);
  assert_int_equal(ocf_dtls_stats_get(w.dev.d)->sessions, 0);
  world_free(&w);
}

static void test_mfg_cert_through_the_registry(void **state) {
  (void)state;
  ocf_otm_registry r;
  ocf_otm_registry_init(&r);
  world w;
  world_init(&w, 47);
  ocf_otm_params dp = mfg_device_params(&g_mfg), op = mfg_obt_params(g_mfg.anchors, NOW_2025);
  run(&w, &r, OCF_OXM_MFG_CERT, &dp, OCF_OXM_MFG_CERT, &op);
  assert_same_owner_psk(&w, OCF_DTLS_ECDHE_ECDSA_AES_128_CCM_8);
  assert_int_equal(w.obt.info.auth, OCF_DTLS_AUTH_CERT);
  assert_true(w.obt.os.has_peer_uuid);
  assert_true(ocf_uuid_equal(&w.obt.os.peer_uuid, &dev_uuid));
  assert_int_equal(w.obt.os.cert_failures, 0);
  world_free(&w);
}

static void mfg_fails(uint64_t seed, const ocf_bytes *anchors, int64_t now, uint32_t want_failure) {
  ocf_otm_registry r;
  ocf_otm_registry_init(&r);
  world w;
  world_init(&w, seed);
  ocf_otm_params dp = mfg_device_params(&g_mfg), op = mfg_obt_params(anchors, now);
  run(&w, &r, OCF_OXM_MFG_CERT, &dp, OCF_OXM_MFG_CERT, &op);
  assert_both_failed(&w);
  assert_int_equal(w.obt.err, OCF_ERR_DENIED);
  assert_int_equal(w.obt.os.cert_failures & want_failure, want_failure);
  assert_int_equal(ocf_dtls_stats_get(w.dev.d)->sessions, 0);
  world_free(&w);
}

static void test_mfg_cert_untrusted_expired_and_wrong_eku_fail(void **state) {
  (void)state;
  ocf_bytes other[1] = {test_cert_bytes(&g_mfg.other_root)};
  mfg_fails(48, other, NOW_2025, 0); /* refused by the TLS library: no pki check ran */
  mfg_fails(49, g_mfg.anchors, 2524608000 /* 2050-01-01 */, OCF_CERT_F_EXPIRED);
  mfg_fails(50, g_mfg.anchors, 1577836799 /* 2019-12-31T23:59:59Z */, OCF_CERT_F_NOT_YET_VALID);
  mfg g = g_mfg;
  test_cert_opts lo = {.eku = TEST_EKU_SERVER | TEST_EKU_CLIENT};
  make_mfg_leaf(&g_mfg, &lo);
  mfg_fails(51, g_mfg.anchors, NOW_2025, OCF_CERT_F_EKU);
  g_mfg = g;
}

static void test_vendor_otm_runs_through_the_registry(void **state) {
  (void)state;
  ocf_otm_registry r;
  ocf_otm_registry_init(&r);
  assert_int_equal(ocf_otm_registry_add(&r, &vendor_otm), OCF_OK);
  static const uint8_t secret[16] = "factory-secret!";
  ocf_bytes sb = {secret, sizeof secret};
  ocf_otm_params p = {.device_uuid = dev_uuid, .vendor = &sb};
  world w;
  world_init(&w, 52);
  run(&w, &r, 0xFF10, &p, 0xFF10, &p);
  assert_same_owner_psk(&w, 0xC037);
  /* Its own URN is the label: a different key than the JW label would give. */
  uint8_t jw[16];
  const ocf_dtls_session *ds = ocf_dtls_session_find(w.dev.d, &w.obt.ep);
  assert_non_null(ds);
  assert_int_equal(ocf_otm_owner_psk_from_session(ocf_otm_just_works(), ds, &obt_uuid, &new_dev_uuid, jw),
                   OCF_OK);
  assert_memory_not_equal(jw, w.dev.owner_psk, 16);
  uint8_t again[16];
  assert_int_equal(ocf_otm_owner_psk_from_session(&vendor_otm, ds, &obt_uuid, &new_dev_uuid, again), OCF_OK);
  assert_memory_equal(again, w.dev.owner_psk, 16);
  assert_int_equal(ocf_otm_owner_psk_from_session(&vendor_otm, NULL, &obt_uuid, &new_dev_uuid, again),
                   OCF_ERR_INVALID_ARG);
  world_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_registry_holds_the_builtins_and_vendor_otms),
      cmocka_unit_test(test_owner_psk_vectors_from_iotivity_lite),
      cmocka_unit_test(test_pin_session_key_and_hint_match_iotivity_lite),
      cmocka_unit_test(test_rdp_hint_parse),
      cmocka_unit_test(test_owner_credential_rule),
      cmocka_unit_test(test_session_init_refuses_missing_parameters),
      cmocka_unit_test(test_just_works_through_the_registry),
      cmocka_unit_test(test_random_pin_through_the_registry),
      cmocka_unit_test(test_random_pin_with_a_wrong_pin_fails),
      cmocka_unit_test(test_random_pin_hint_of_another_device_is_refused),
      cmocka_unit_test(test_random_pin_with_an_old_devices_uuid_only_hint),
      cmocka_unit_test(test_suite_mismatch_fails_cleanly),
      cmocka_unit_test(test_mfg_cert_through_the_registry),
      cmocka_unit_test(test_mfg_cert_untrusted_expired_and_wrong_eku_fail),
      cmocka_unit_test(test_vendor_otm_runs_through_the_registry),
  };
  return cmocka_run_group_tests(tests, make_certs, NULL);
}
