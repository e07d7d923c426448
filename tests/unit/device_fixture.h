/* Shared fixture of the device tests: one ocf_device (with the reference device's /switch) and a
 * client ocf_msg on the simulated network (tests/sim), a request builder with every option the
 * device checks, and a recorder of the responses. */
#ifndef OCF_TEST_DEVICE_FIXTURE_H
#define OCF_TEST_DEVICE_FIXTURE_H

#include <ocf/ocf_device.h>

#include "msg/msg.h"
#include "rep/links.h"
#include "rep/rep.h"
#include "sim/sim.h"
#include "svr/acl_decide.h"
#include "switch.h"

#define DFX_START 1000000u
#define DFX_MAX_RESPONSES 8
#define DFX_BODY_MAX 8192
#define DFX_NONE (-1) /* option absent */
/* Links of /oic/res on the fixture's device: /oic/res, /oic/p, /oic/d, 9 SVRs (doxm pstat cred
 * acl2 sp sdi roles crl ael; no csr without certificate support) and /switch. */
#define DFX_N_LINKS 13
#define DFX_OWNER "8d9b6a1e-5c1f-4a0e-9d7e-3f4c2b1a0e99" /* the DOTS of dfx_onboard */

typedef struct dfx_response {
  uint8_t code;
  int64_t cf;      /* Content-Format, or DFX_NONE */
  int64_t version; /* OCF-Content-Format-Version (2053), or DFX_NONE */
  ocf_endpoint from;
  uint8_t body[DFX_BODY_MAX];
  size_t len;
} dfx_response;

typedef struct dfx {
  ocf_sim_platform dpf, cpf;
  ocf_sim_net *net;
  ocf_device *dev;
  ocf_msg *cli;
  int dnode, cnode;
  app_switch sw;
  dfx_response rsp[DFX_MAX_RESPONSES];
  size_t n_rsp;
  bool final;
  ocf_msg_event_type final_type;
  ocf_rep_node nodes[1024];
  bool secure; /* send every unicast request over the (simulated) DTLS session */
} dfx;

typedef struct dfx_req {
  uint8_t code;
  const char *uri; /* path and query, e.g. "/oic/res?rt=oic.wk.d" */
  const uint8_t *body;
  size_t len;
  int64_t cf, accept, accept_version, content_version; /* DFX_NONE = not sent */
  bool multicast;                                      /* to [ff02::158]:5683 (or 224.0.1.187 with ipv4) */
  bool ipv4;                                           /* from and to the IPv4 addresses */
  bool secure;                                         /* flagged OCF_EP_SECURE (a session) */
  uint16_t opt_number;                                 /* one more option when not 0 */
  const char *opt_value;
  size_t opt_len;
} dfx_req;

/* The addresses of the simulation. The device serves on [fd00::1]:5683 and 10.0.0.1:5683 and
 * advertises dfx_device_eps(); the client is [fd00::2]:1000 and 10.0.0.2:1000 on interface 1. */
size_t dfx_device_eps(ocf_endpoint *out); /* at most 8 */

/* A device with device type oic.d.light and /switch (cfg NULL = defaults plus that type). */
void dfx_init(dfx *f, const ocf_device_config *cfg);
/* Frees everything; asserts that neither side leaked an allocation. */
void dfx_free(dfx *f);

dfx_req dfx_request(uint8_t code, const char *uri);
/* Sends r and runs the network until the request is over: one response (unicast) or every
 * response of the multicast window. Returns the first response, or NULL when none came. */
const dfx_response *dfx_send(dfx *f, const dfx_req *r);
/* Shorthands: GET uri, and POST of a CBOR body with Content-Format 10000. */
const dfx_response *dfx_get(dfx *f, const char *uri);
const dfx_response *dfx_post(dfx *f, const char *uri, const uint8_t *body, size_t len);
/* Decodes a response body with src/rep (fails the test when it is not CBOR). */
const ocf_rep_node *dfx_decode(dfx *f, const dfx_response *r);

/* The client's endpoint as the device sees it (IPv6, or IPv4), flagged secure. */
ocf_endpoint dfx_client_ep(bool ipv4);
/* Tells the device (through the security seam, as the DTLS glue will) that the client has a
 * DTLS session with that authentication and, when uuid is not NULL, that peer uuid. The device
 * runs with the secure bypass (device_set_secure_bypass): secure requests need no real DTLS. */
void dfx_session(dfx *f, ocf_acl_auth auth, const char *uuid);
void dfx_session_close(dfx *f);
/* Onboards the device as a DOTS with uuid DFX_OWNER would, through the seam: oxmsel 0 in the
 * clear, a Just Works DOC, doxm/cred/acl2/pstat writes over it, RFPRO, RFNOP; then the DOC is
 * replaced by a PSK session of the owner. The ACL grants auth-crypt peers everything on NCRs and
 * anon-clear peers GET on /oic/res, /oic/d, /oic/p. Asserts every step. */
void dfx_onboard(dfx *f);
/* POST of a body in svr_test_util's diagnostic notation; secure as f->secure. */
const dfx_response *dfx_post_diag(dfx *f, const char *uri, const char *diag);
/* Whether an /oic/res link is an SVR that lists coaps eps only (all but doxm and pstat). */
bool dfx_secure_svr_link(const ocf_link *l);

/* Strings of a text-array property, for comparisons: "a,b,c" into out. */
void dfx_join_texts(const ocf_rep_node *array, char *out, size_t cap);

#endif
