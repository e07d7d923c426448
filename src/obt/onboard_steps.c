/* The DOTS step table (OBT 5.3.1 steps 1-12, digest §5.1-5.2): what each step sends and what it
 * accepts, in the order the engine runs them. Shared by every OTM; what differs per OTM lives
 * behind otm_client.h. Payload shapes are IoTivity-Lite's (digest §5.2, pitfall 35) so its
 * devices accept them; the order is S003's (the owner credential before the step-11 writes),
 * which IoTivity-Lite devices accept too (pitfall 7). */
#include <string.h>

#include "base/uuid.h"
#include "obt/onboard_internal.h"

ocf_err obt_build_request(uint8_t method, const char *href, const uint8_t *body, size_t len,
                          ocf_coap_msg *req, uint8_t *scratch, size_t scratch_cap) {
  ocf_coap_init(req, OCF_COAP_CON, method, 0);
  ocf_err err = ocf_coap_set_uri_path_query(req, href, scratch, scratch_cap);
  /* Digest §1.2: OCF content and accept versions with the vnd.ocf+cbor format. */
  if (!err && body)
    err = ocf_coap_add_uint_option(req, OCF_COAP_OPT_CONTENT_FORMAT, OCF_COAP_CF_VND_OCF_CBOR);
  if (!err) err = ocf_coap_add_uint_option(req, OCF_COAP_OPT_ACCEPT, OCF_COAP_CF_VND_OCF_CBOR);
  if (!err) err = ocf_coap_add_uint_option(req, OCF_COAP_OPT_OCF_ACCEPT_VERSION, OCF_COAP_OCF_VERSION_1_0);
  if (!err && body)
    err = ocf_coap_add_uint_option(req, OCF_COAP_OPT_OCF_CONTENT_VERSION, OCF_COAP_OCF_VERSION_1_0);
  req->payload = body;
  req->payload_len = body ? len : 0;
  return err;
}

/* --- reading a doxm answer ------------------------------------------------------------------ */

#define DOXM_NODES 64

typedef struct doxm_view {
  uint32_t oxms[8];
  size_t n_oxms;
  bool owned;
  ocf_uuid deviceuuid, devowneruuid;
} doxm_view;

/* SEC:doxm: the properties the DOTS reads (oxms, owned, deviceuuid, devowneruuid). */
static ocf_err read_doxm(const ocf_coap_msg *rsp, doxm_view *v, const char **diag) {
  ocf_rep_node nodes[DOXM_NODES];
  const ocf_rep_node *root = NULL;
  memset(v, 0, sizeof *v);
  *diag = "the doxm answer is not a CBOR map";
  if (ocf_rep_decode(rsp->payload, rsp->payload_len, NULL, nodes, DOXM_NODES, &root) != OCF_OK ||
      root->type != OCF_REP_MAP)
    return OCF_ERR_MALFORMED;
  *diag = "the doxm answer lacks a valid deviceuuid, devowneruuid or owned";
  if (ocf_rep_get_uuid(ocf_rep_map_value(root, "deviceuuid"), &v->deviceuuid) != OCF_OK ||
      ocf_rep_get_uuid(ocf_rep_map_value(root, "devowneruuid"), &v->devowneruuid) != OCF_OK ||
      ocf_rep_get_bool(ocf_rep_map_value(root, "owned"), &v->owned) != OCF_OK)
    return OCF_ERR_MALFORMED;
  const ocf_rep_node *oxms = ocf_rep_map_value(root, "oxms");
  *diag = "the doxm answer's oxms is not an array of OTM numbers";
  if (ocf_rep_get_array(oxms, &oxms) != OCF_OK) return OCF_ERR_MALFORMED;
  for (const ocf_rep_node *it = ocf_rep_first(oxms); it; it = ocf_rep_next(it)) {
    uint32_t x;
    if (ocf_rep_get_uint32(it, &x) != OCF_OK) return OCF_ERR_MALFORMED;
    if (v->n_oxms < sizeof v->oxms / sizeof v->oxms[0]) v->oxms[v->n_oxms++] = x;
  }
  *diag = "";
  return OCF_OK;
}

/* Step 1/3: the device is unowned, is the one discovered, and offers an OTM the policy allows. */
static ocf_err check_first_doxm(ocf_obt *obt, obt_job *j, const doxm_view *v, const char **diag) {
  if (v->owned || !ocf_uuid_is_nil(&v->devowneruuid)) {
    *diag = "the device is owned already (by another domain, or not reset)";
    return OCF_ERR_STATE;
  }
  if (!ocf_uuid_equal(&v->deviceuuid, &j->uuid)) {
    *diag = "the device answers with another deviceuuid than discovery saw (it was reset?)";
    return OCF_ERR_STATE;
  }
  j->otm = obt_otm_choose(obt->onb->policy, v->oxms, v->n_oxms, obt->onb->n_anchors > 0);
  if (j->otm == OCF_OBT_OTM_NONE) {
    /* Digest §4.4: mfgcert needs mfgtrustca anchors; say so when they are what is missing. */
    bool mfg_would = obt_otm_choose(obt->onb->policy, v->oxms, v->n_oxms, true) == OCF_OBT_OTM_MFG_CERT;
    *diag = mfg_would ? "the device offers the manufacturer certificate OTM, but the domain holds no "
                        "manufacturer trust anchors (obt trust add --mfg FILE)"
                      : "the device offers no OTM that the domain's OTM policy allows and this build runs";
    return OCF_ERR_UNSUPPORTED;
  }
  return OCF_OK;
}

static ocf_err take_first_doxm(ocf_obt *obt, obt_job *j, const ocf_coap_msg *rsp, const char **diag) {
  doxm_view v;
  ocf_err err = read_doxm(rsp, &v, diag);
  return err ? err : check_first_doxm(obt, j, &v, diag);
}

/* S003 5.3.1 step 1 is the multicast RETRIEVE of doxm?owned=FALSE: when discovery kept that
 * answer (ocf_obt_onboard_device.has_doxm), the unicast GET would read the same doxm again. A
 * device whose kept doxm does not pass the checks is asked anyway, so its failure names what the
 * device says now. */
static bool skip_first_doxm(ocf_obt *obt, obt_job *j) {
  if (!j->dev.has_doxm) return false;
  doxm_view v = {.n_oxms = j->dev.n_oxms, .deviceuuid = j->dev.uuid};
  memcpy(v.oxms, j->dev.oxms, j->dev.n_oxms * sizeof *v.oxms);
  const char *diag = "";
  if (check_first_doxm(obt, j, &v, &diag) == OCF_OK) return true;
  j->otm = OCF_OBT_OTM_NONE;
  return false;
}

/* --- bodies ------------------------------------------------------------------------------- */

static void build_oxmsel(const ocf_obt *obt, const obt_job *j, ocf_rep_enc *e) {
  (void)obt;
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_int(e, "oxmsel", (int64_t)j->otm);
  ocf_rep_enc_map_close(e);
}

static void build_om(const ocf_obt *obt, const obt_job *j, ocf_rep_enc *e) {
  (void)obt;
  (void)j;
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_int(e, "om", 4); /* OBT 5.3.1 step 6: client-directed provisioning */
  ocf_rep_enc_map_close(e);
}

static void build_devowner(const ocf_obt *obt, const obt_job *j, ocf_rep_enc *e) {
  (void)j;
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_uuid(e, "devowneruuid", &obt->onb->domain.tool_uuid);
  ocf_rep_enc_map_close(e);
}

/* Step 9: a uuid from the platform's generator (NIST SP 800-90A DRBG recommended, S003). Drawn
 * once per job: the parts of a refused combined update carry the same D2. */
static ocf_err prepare_deviceuuid(ocf_obt *obt, obt_job *j) {
  if (!ocf_uuid_is_nil(&j->new_uuid) && !ocf_uuid_equal(&j->new_uuid, &j->uuid)) return OCF_OK;
  ocf_err err;
  do {
    err = ocf_uuid_generate(&obt->pf, &j->new_uuid);
  } while (!err && (ocf_uuid_equal(&j->new_uuid, &j->uuid) || ocf_uuid_is_nil(&j->new_uuid)));
  return err;
}

static void build_deviceuuid(const ocf_obt *obt, const obt_job *j, ocf_rep_enc *e) {
  (void)obt;
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_uuid(e, "deviceuuid", &j->new_uuid);
  ocf_rep_enc_map_close(e);
}

/* Steps 7 + 9 in one UPDATE of doxm. Step 8 between them (RETRIEVE deviceuuid) is a "may" in
 * S003 (a "shall" only in the 2019 draft S000) and IoTivity-Lite's tool skips it too (digest
 * §5.2), so nothing is observed between the two writes; both are doxm properties writable in
 * RFOTM over the DOC, and devices apply one UPDATE as a whole (ours: svr/doxm.c; IL collects
 * every property before it applies any). devowneruuid goes first in the map. */
static void build_doxm_uuids(const ocf_obt *obt, const obt_job *j, ocf_rep_enc *e) {
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_uuid(e, "devowneruuid", &obt->onb->domain.tool_uuid);
  ocf_rep_enc_kv_uuid(e, "deviceuuid", &j->new_uuid);
  ocf_rep_enc_map_close(e);
}

/* The device took D2: the store follows (ocf_obt_store_device_change_uuid), and so does the job. */
static ocf_err take_deviceuuid(ocf_obt *obt, obt_job *j, const ocf_coap_msg *rsp, const char **diag) {
  (void)rsp;
  ocf_err err = ocf_obt_store_device_change_uuid(obt->onb->params.store, &j->uuid, &j->new_uuid);
  if (err) {
    *diag = "the store could not rename the device to its new uuid";
    return err;
  }
  j->uuid = j->new_uuid;
  return OCF_OK;
}

/* Step 10 (digest §4.5): derive the Owner Credential from the DOC's key_block with the uuid the
 * device has now (D2), and store it sealed BEFORE the device is asked to derive and commit its
 * own copy, so we never hold a device that has a key we lack. */
static ocf_err prepare_owner_cred(ocf_obt *obt, obt_job *j) {
  uint8_t psk[OCF_OWNER_PSK_LEN];
  ocf_err err = obt_otm_client_owner_psk(&j->otm_s, j->key_block, j->key_block_len,
                                         &obt->onb->domain.tool_uuid, &j->uuid, psk);
  if (!err)
    err = ocf_obt_store_secret_put(obt->onb->params.store, &j->uuid, OBT_OWNER_PSK_SECRET, psk, sizeof psk);
  memset(psk, 0, sizeof psk);
  return err;
}

/* Digest §4.5 wire form: credtype 1, subject = the DOTS, an EMPTY raw key (the device derives
 * it), and cred.rowneruuid in the same POST (IoTivity-Lite derives only when the subject equals
 * cred.rowneruuid after the whole payload; also OBT 5.3.1 step 11c, the CMS being us). */
static void build_owner_cred(const ocf_obt *obt, const obt_job *j, ocf_rep_enc *e) {
  (void)j;
  const ocf_uuid *o = &obt->onb->domain.tool_uuid;
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_array_open(e, "creds");
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_int(e, "credtype", 1);
  ocf_rep_enc_kv_uuid(e, "subjectuuid", o);
  ocf_rep_enc_kv_map_open(e, "privatedata");
  ocf_rep_enc_kv_text(e, "encoding", "oic.sec.encoding.raw");
  static const uint8_t empty[1] = {0};
  ocf_rep_enc_kv_bytes(e, "data", empty, 0); /* h'' (pitfall 5: IL's own OBT sends it so) */
  ocf_rep_enc_map_close(e);
  ocf_rep_enc_map_close(e);
  ocf_rep_enc_array_close(e);
  ocf_rep_enc_kv_uuid(e, "rowneruuid", o);
  ocf_rep_enc_map_close(e);
}

/* Steps 11a + 11e in one UPDATE: both are doxm properties of step 11, whose bullets S003 lets
 * run in any order, so one request may carry both (PL does the same). */
static void build_doxm_owner(const ocf_obt *obt, const obt_job *j, ocf_rep_enc *e) {
  (void)j;
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_uuid(e, "rowneruuid", &obt->onb->domain.tool_uuid);
  ocf_rep_enc_kv_bool(e, "owned", true);
  ocf_rep_enc_map_close(e);
}

/* Steps 11b (DOTS) and 11d (AMS): we are every service (our /oic/d names oic.d.dots, .ams,
 * .cms: digest §5.5). */
static void build_rowner(const ocf_obt *obt, const obt_job *j, ocf_rep_enc *e) {
  (void)j;
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_uuid(e, "rowneruuid", &obt->onb->domain.tool_uuid);
  ocf_rep_enc_map_close(e);
}

/* Step 11h (digest §2.6): the same domain uuid on every device, its name and priv. */
static void build_sdi(const ocf_obt *obt, const obt_job *j, ocf_rep_enc *e) {
  (void)j;
  const ocf_obt_domain *d = &obt->onb->domain;
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_uuid(e, "uuid", &d->sdi_uuid);
  ocf_rep_enc_kv_text(e, "name", d->name);
  ocf_rep_enc_kv_bool(e, "priv", d->priv);
  ocf_rep_enc_map_close(e);
}

/* Step 11b and step 12 in one UPDATE of pstat: rowneruuid first in the map, then dos. Step 11's
 * writes must precede RFPRO (S003 5.3.1); a device applies rowneruuid before it judges the
 * transition (ours checks the entry conditions on the updated model, svr/dos.c; IoTivity-Lite
 * takes properties in payload order and refuses rowneruuid once dos.s says RFPRO, so the order
 * matters there). A device that judges the transition first refuses with 4.xx: then the parts. */
static void build_rowner_rfpro(const ocf_obt *obt, const obt_job *j, ocf_rep_enc *e) {
  (void)j;
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_uuid(e, "rowneruuid", &obt->onb->domain.tool_uuid);
  ocf_rep_enc_kv_map_open(e, "dos");
  ocf_rep_enc_kv_int(e, "s", 2);
  ocf_rep_enc_map_close(e);
  ocf_rep_enc_map_close(e);
}

/* After a resent "rfpro" was refused: did the first copy take? RFPRO with our rowneruuid: yes,
 * onboarding is complete; otherwise the parts are sent. */
static ocf_err take_rfpro_check(ocf_obt *obt, obt_job *j, const ocf_coap_msg *rsp, const char **diag) {
  ocf_rep_node nodes[DOXM_NODES];
  const ocf_rep_node *root = NULL;
  int64_t s = -1;
  ocf_uuid owner;
  *diag = "the pstat answer lacks dos.s or rowneruuid";
  if (ocf_rep_decode(rsp->payload, rsp->payload_len, NULL, nodes, DOXM_NODES, &root) != OCF_OK ||
      root->type != OCF_REP_MAP ||
      ocf_rep_get_int64(ocf_rep_map_value(ocf_rep_map_value(root, "dos"), "s"), &s) != OCF_OK ||
      ocf_rep_get_uuid(ocf_rep_map_value(root, "rowneruuid"), &owner) != OCF_OK)
    return OCF_ERR_MALFORMED;
  *diag = "";
  j->split = !(s == 2 && ocf_uuid_equal(&owner, &obt->onb->domain.tool_uuid));
  return OCF_OK;
}

/* Step 12. */
static void build_rfpro(const ocf_obt *obt, const obt_job *j, ocf_rep_enc *e) {
  (void)obt;
  (void)j;
  ocf_rep_enc_map_open(e);
  ocf_rep_enc_kv_map_open(e, "dos");
  ocf_rep_enc_kv_int(e, "s", 2);
  ocf_rep_enc_map_close(e);
  ocf_rep_enc_map_close(e);
}

/* --- the table ------------------------------------------------------------------------------ */

static const char advice_rediscover[] =
    "the device may have reset itself (digest 3.6): run obt discover and onboard it again";
static const char advice_state[] =
    "the device is not in the state onboarding needs: reset it to its factory state and onboard again";

static const char advice_rfpro[] =
    "the device refused to leave RFOTM (its entry checks failed, digest 3.2): reset it and onboard again";

/* Columns: name, kind, method, href, secure, missing_ok, owner_cred, split_ok, split_only, skip,
 * prepare, build, take, advice, check_only. */
static const obt_step steps[] = {
    {"get-doxm", STEP_REQUEST, OCF_COAP_GET, "/oic/sec/doxm", false, false, false, false, false,
     skip_first_doxm, NULL, NULL, take_first_doxm,
     "check the device is an OCF device in RFOTM, reachable without DTLS", false},
    {"oxmsel", STEP_REQUEST, OCF_COAP_POST, "/oic/sec/doxm", false, false, false, false, false, NULL, NULL,
     build_oxmsel, NULL, advice_state, false},
    {"handshake", STEP_HANDSHAKE, 0, NULL, true, false, false, false, false, NULL, NULL, NULL, NULL,
     advice_rediscover, false},
    {"om", STEP_REQUEST, OCF_COAP_POST, "/oic/sec/pstat", true, false, false, false, false, NULL, NULL,
     build_om, NULL, advice_state, false},
    {"doxm-uuids", STEP_REQUEST, OCF_COAP_POST, "/oic/sec/doxm", true, false, false, true, false, NULL,
     prepare_deviceuuid, build_doxm_uuids, take_deviceuuid, advice_state, false},
    {"devowneruuid", STEP_REQUEST, OCF_COAP_POST, "/oic/sec/doxm", true, false, false, false, true, NULL,
     NULL, build_devowner, NULL, advice_state, false},
    {"deviceuuid", STEP_REQUEST, OCF_COAP_POST, "/oic/sec/doxm", true, false, false, false, true, NULL,
     prepare_deviceuuid, build_deviceuuid, take_deviceuuid, advice_state, false},
    {"owner-credential", STEP_REQUEST, OCF_COAP_POST, "/oic/sec/cred", true, false, true, false, false, NULL,
     prepare_owner_cred, build_owner_cred, NULL,
     "the device refused the owner credential: reset it and onboard again", false},
    {"doxm-owner", STEP_REQUEST, OCF_COAP_POST, "/oic/sec/doxm", true, false, false, false, false, NULL, NULL,
     build_doxm_owner, NULL, advice_state, false},
    {"acl2-rowneruuid", STEP_REQUEST, OCF_COAP_POST, "/oic/sec/acl2", true, false, false, false, false, NULL,
     NULL, build_rowner, NULL, advice_state, false},
    {"sdi", STEP_REQUEST, OCF_COAP_POST, "/oic/sec/sdi", true, true, false, false, false, NULL, NULL,
     build_sdi, NULL, advice_state, false},
    {"rfpro", STEP_REQUEST, OCF_COAP_POST, "/oic/sec/pstat", true, false, false, true, false, NULL, NULL,
     build_rowner_rfpro, NULL, advice_rfpro, false},
    {"rfpro-check", STEP_REQUEST, OCF_COAP_GET, "/oic/sec/pstat", true, false, false, false, false, NULL,
     NULL, NULL, take_rfpro_check, advice_state, true},
    {"pstat-rowneruuid", STEP_REQUEST, OCF_COAP_POST, "/oic/sec/pstat", true, false, false, false, true, NULL,
     NULL, build_rowner, NULL, advice_state, false},
    {"rfpro-dos", STEP_REQUEST, OCF_COAP_POST, "/oic/sec/pstat", true, false, false, false, true, NULL, NULL,
     build_rfpro, NULL, advice_rfpro, false},
    {"close", STEP_CLOSE, 0, NULL, true, false, false, false, false, NULL, NULL, NULL, NULL, "", false},
};

const obt_step *obt_step_at(size_t i) { return i < sizeof steps / sizeof steps[0] ? &steps[i] : NULL; }
size_t obt_step_count(void) { return sizeof steps / sizeof steps[0]; }

size_t obt_step_next(ocf_obt *obt, obt_job *j, size_t i) {
  for (; i < obt_step_count(); i++) {
    const obt_step *st = &steps[i];
    bool run = st->split_only ? j->split : st->check_only ? j->check : !(st->skip && st->skip(obt, j));
    if (!run) continue;
    if (st->check_only) j->check = false;                     /* its take decides whether the parts follow */
    if (!st->split_only && !st->check_only) j->split = false; /* past a refused combined update */
    return i;
  }
  return i;
}

bool obt_step_has_check(size_t i) { return i + 1 < obt_step_count() && steps[i + 1].check_only; }
