/* The scripted OCF device and the world around it (an OBT engine, its domain store, the
 * simulated network) shared by the tests of src/obt: test_obt_onboard.c (the DOTS engine) and
 * test_obt_lifecycle.c (owner sessions, reset, recovery). The device answers through the SVR
 * models of src/svr, derives the Owner Credential from its side of the session, accepts owner
 * sessions with it once owned, resets on a RESET request and when its onboarding session drops
 * while in RFOTM (digest 3.5, 3.6). */
#ifndef OBT_WORLD_H
#define OBT_WORLD_H

#include <ocf/ocf_obt_lifecycle.h>
#include <ocf/ocf_obt_onboard.h>

#include "sim/sim.h"
#include "stack/stack.h"
#include "svr/acl2.h"
#include "svr/cred.h"
#include "svr/doxm.h"
#include "svr/pstat.h"
#include "svr/sdi.h"

#define T_START 1000000u
#define MAX_DEVS 4
#define N_EXPECTED 9
#define N_EXPECTED_SPLIT 13 /* a device refusing both combined updates */
/* The domain key of the world's store (a key file's bytes). */
#define WORLD_KEY                                                                                            \
  { 1, 2, 3 }

/* The requests a device sees, in order (digest §5.2 with S003's order, ADR 0016). */
typedef struct expected {
  uint8_t method;
  const char *path;
  bool secure;
  const char *step; /* the engine's name for it */
  bool combined;    /* it combines UPDATEs the spec lists apart: a splitting device refuses it */
} expected;

typedef struct tdev {
  ocf_sim_platform sp;
  ocf_stack *stack;
  int node;
  ocf_endpoint ep;
  ocf_svr_doxm doxm;
  ocf_svr_pstat pstat;
  ocf_svr_cred cred;
  ocf_svr_acl2 acl2;
  ocf_svr_sdi sdi;
  ocf_uuid first_uuid;
  bool has_sdi;
  const char *pin;    /* the PIN it shows (Random PIN) */
  uint8_t hint[33];   /* "oic.sec.doxm.rdp:" + uuid */
  size_t idx;         /* requests of k_seq seen */
  int fail_at;        /* answer k_seq[fail_at] with fail_code; -1 never */
  bool splitting;     /* refuses the combined updates (4.00, nothing applied): k_seq_split */
  bool discovered;    /* its target carries discovery's doxm: the sequence starts at oxmsel */
  uint8_t fail_code;  /* 0 = stay silent */
  char mismatch[160]; /* the first thing that was not as expected */
  uint8_t owner_psk[OCF_OWNER_PSK_LEN];
  bool has_owner_psk;
  bool reset_requested;
  bool silent_reset;  /* never answers the rollback's reset */
  uint8_t reset_code; /* answers a reset with this code (and does not reset); 0 = accepts */
  bool foreign_hint;  /* its PIN hint names another uuid */
  size_t established, failed_handshakes;
  uint32_t oxms[4]; /* what it offers again after a reset */
  size_t n_oxms;
  bool fresh;                 /* reset since the last plain GET doxm: a new onboarding may begin */
  bool doc_open;              /* a session established in RFOTM (the DOC) is open */
  ocf_endpoint last_peer;     /* of the last session established */
  size_t resets;              /* RESETs done (asked for, or after losing the DOC) */
  size_t owner_sessions;      /* sessions established outside RFOTM (owner PSK) */
  const ocf_bytes *mfg_chain; /* mfgcert: its manufacturer chain (leaf first) and key */
  size_t n_mfg_chain;
  ocf_bytes mfg_key;
  /* Once owned (owner and pairwise sessions): GET doxm and cred, POST cred, DELETE
   * cred?credid=N are answered through the SVR models (provisioning, test_obt_prov.c). A test
   * may answer first: owned_hook returns true when it did (or dropped the request). */
  bool (*owned_hook)(struct tdev *d, ocf_msg *m, const ocf_msg_incoming *in, const char *path);
  void *hook_user;
  size_t owned_requests; /* requests seen over sessions once owned (resets excluded) */
  /* Handshakes under way across devices (accepted, not yet established or failed), when a test
   * points these at its counters: the OBT's handshake cap seen from the devices. */
  size_t *handshaking, *max_handshaking;
} tdev;

typedef struct outcome {
  ocf_obt_onboard_event_type type; /* OWNED or FAILED; 0 none yet */
  ocf_uuid uuid;
  ocf_obt_otm otm;
  uint32_t requests;
  char step[32];
  char request[40];
  uint16_t code;
  ocf_err err;
  char diagnostic[256];
  bool uncertain, has_advice;
} outcome;

typedef struct world {
  ocf_sim_net *net;
  int obt_node;
  size_t max_jobs, max_handshakes;
  ocf_sim_platform sp;
  ocf_obt *obt;
  ocf_endpoint obt_ep;
  char root[64], db[96];
  ocf_obt_store *store;
  ocf_obt_domain domain;
  tdev dev[MAX_DEVS];
  size_t n_dev;
  ocf_obt_onboard_device targets[MAX_DEVS];
  outcome out[MAX_DEVS];
  const char *pin_to_give; /* answered from on_event */
  size_t pins_asked, steps_seen, max_running;
  bool all_done;
  size_t n_owned, n_failed;
  ocf_obt_wall_ms wall;
  size_t tap_to_obt, tap_from_obt; /* datagrams on the wire, for the stats' datagram counts */
} world;

typedef struct steps_seen {
  char names[32][32];
  ocf_obt_step_status status[32];
  uint16_t response[32];
  size_t n;
} steps_seen;

#define N_STORE_STEPS 10
extern const expected k_seq[N_EXPECTED];
extern const expected k_seq_split[N_EXPECTED_SPLIT];
extern const char *const k_store_steps[N_STORE_STEPS];

ocf_obt_wall_ms wall_now(void *user);
void on_event(void *user, const ocf_obt_onboard_event *ev);
ocf_endpoint ep6(uint8_t last, uint16_t port, uint8_t flags);
/* The last device added is given to the engine as discovery found it (has_doxm, its oxms). */
void target_discovered(world *w);
void add_device(world *w, const uint32_t *oxms, size_t n_oxms, const char *pin);
void world_init(world *w, uint64_t seed, size_t max_jobs, size_t max_handshakes, const char *policy);
void world_free(world *w);
bool done(void *user);
void run(world *w);
bool each_step(void *user, const ocf_obt_step_record *st);
void assert_owned(world *w, size_t i);
void assert_not_claimed(world *w, size_t i);
/* The device's side of a session ending without a close_notify from the OBT (its inactivity
 * timeout): it closes the session with the OBT's endpoint, and resets if that was its DOC. */
void dev_drop_session(world *w, size_t i);
/* Answers a request like the scripted device does (for owned_hook: CBOR when cbor is set). */
void world_respond(ocf_msg *m, const ocf_msg_incoming *in, uint8_t code, const uint8_t *body, size_t len,
                   bool cbor);

#endif
