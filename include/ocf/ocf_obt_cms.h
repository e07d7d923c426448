/* Credential management (CMS) of owned devices, OBT spec 5.4 (digest §6): pairwise symmetric
 * keys between two devices (digest §6.6, credtype 1) and reading a device's credentials. Built
 * on the provisioning engine (<ocf/ocf_obt_prov.h>); docs/decisions/0019-provisioning.md.
 *
 * PAIR A B: both devices must list credtype 1 in doxm.sct (OBT 5.3.1 step 11, digest §6: only
 * credential types the device supports), else nothing is written and the failure says which
 * device cannot hold the key. Then a fresh 128-bit key from the platform's DRBG goes to both:
 * POST /oic/sec/cred {creds: [{subjectuuid: <peer>, credtype: 1, privatedata: {data: h'K',
 * encoding: "oic.sec.encoding.raw"}}]}; an older credtype-1 entry for the peer is deleted first
 * (a device uses the first PSK it finds for a subject: digest §2.3), and the new entry's credid
 * is read back (GET /oic/sec/cred). When one device fails after the other (or itself) may have
 * taken its entry, the entries are deleted again (DELETE /oic/sec/cred?credid=N): no half
 * pairing is left behind unless that removal fails too (reported as left). On success the
 * store records the pairing (devices, credids, time; never the key) with an audit entry; when it
 * cannot (store_err), the entries are removed again the same way and both sides fail with stage
 * "record". The key is wiped from memory once sent.
 *
 * UNPAIR A B: every credtype-1 entry naming the peer is deleted from each device; once both
 * succeeded the store forgets the pairing (a partial unpair keeps it, to be run again).
 *
 * A CLIENT (params.client): B is a DTLS client outside the domain (not an OCF device of it, e.g.
 * a phone app or libcoap's coap-client), known only by a uuid the user picks. Only A is checked
 * and written, the same way (its entry's subject is B's uuid, so B's PSK identity is those 16
 * bytes: digest §4.1, 8); the key reaches B through key_out, once (obt pair --client --show-key).
 * The store records the pairing with credid 0 on B's side (no credential of ours there) and never
 * the key: a lost key is replaced by pairing again, never shown again.
 *
 * A device in RFNOP refuses credential writes (digest §3.3): the failure comes back with the
 * device's code and advice (move it to RFPRO first). */
#ifndef OCF_OBT_CMS_H
#define OCF_OBT_CMS_H

#include "ocf_obt_prov.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OCF_OBT_PAIR_KEY_LEN 16 /* 128 bits (issue 6 item 5; IL draws 16 bytes too) */

typedef enum ocf_obt_pair_action {
  OCF_OBT_PAIR = 1,
  OCF_OBT_UNPAIR = 2,
} ocf_obt_pair_action;

typedef struct ocf_obt_pair_device {
  ocf_uuid uuid;      /* owned, in the store */
  ocf_endpoint coaps; /* where its owner session opens */
} ocf_obt_pair_device;

/* One device's part. */
typedef struct ocf_obt_pair_side {
  ocf_uuid uuid;
  bool ok;          /* its part succeeded (PAIR: it holds the new entry; UNPAIR: its entries are gone) */
  uint32_t credid;  /* PAIR, ok: the credid of its new entry (subject: the other device) */
  uint32_t removed; /* entries deleted (UNPAIR; PAIR: older entries replaced, or the undo's) */
  bool undone;      /* PAIR failed: its new entry was deleted again */
  bool left;        /* PAIR failed: an entry may remain on it (the undo failed too) */
  bool was_rfnop;   /* it was in RFNOP: moved to RFPRO for the write and back (ocf_obt_rfpro) */
  ocf_obt_prov_failure failure; /* !ok or left: what went wrong (stage, code, advice) */
} ocf_obt_pair_side;

typedef struct ocf_obt_pair_result {
  ocf_obt_pair_action action;
  bool client; /* side[1] is an external client: nothing was sent to it (always ok, credid 0) */
  bool ok;     /* both sides ok and recorded */
  ocf_obt_pair_side side[2];
  ocf_err store_err; /* the store could not record the outcome (OCF_OK otherwise) */
} ocf_obt_pair_result;

typedef struct ocf_obt_pair_params {
  ocf_obt_store *store; /* open and unlocked */
  ocf_obt_pair_action action;
  ocf_obt_pair_device dev[2]; /* two different devices (client: dev[1].coaps is not used) */
  bool client;                /* dev[1] is an external client: only dev[0] is provisioned. Its uuid
                               * must not be a device of the store, nor the tool's */
  const char *actor;          /* the audit log's actor; NULL = "obt" */
  ocf_obt_wall_ms (*wall_now)(void *user);
  void (*on_done)(void *user, const ocf_obt_pair_result *r); /* from inside the engine's calls */
  void *user;
  /* PAIR (obt pair --show-key): when set, receives the key (OCF_OBT_PAIR_KEY_LEN bytes) once
   * both sides hold it. Between devices for end-to-end tests only; for a client the only way
   * its key leaves obt. */
  uint8_t *key_out;
} ocf_obt_pair_params;

/* Starts pairing or unpairing (several provisioning runs, one after another). The store's
 * audit log gets the engine's entries for each run ("pair check", "pair write", "pair undo",
 * "unpair") and one "pair" / "unpair" entry with the outcome. OCF_ERR_INVALID_ARG,
 * OCF_ERR_STATE (client: its uuid is a device of the store; pair the two devices instead),
 * OCF_ERR_BUSY (a provisioning run or pairing is going on), OCF_ERR_NO_MEMORY, the errors of
 * ocf_obt_prov_run. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_pair(ocf_obt *obt, const ocf_obt_pair_params *p, ocf_time_ms now);
OCF_API bool ocf_obt_pair_running(const ocf_obt *obt);

/* --- reading /oic/sec/cred ------------------------------------------------------------------ */

#define OCF_OBT_CREDS_MAX 64
#define OCF_OBT_CRED_USAGE_MAX 23 /* "oic.sec.cred.mfgtrustca" */

/* What a GET /oic/sec/cred shows of one entry. Never private data (a device hides it anyway). */
typedef struct ocf_obt_cred_info {
  uint32_t credid;
  uint16_t credtype;
  bool subject_any; /* subjectuuid "*" */
  ocf_uuid subject;
  char usage[OCF_OBT_CRED_USAGE_MAX + 1]; /* credusage, "" when absent */
  bool has_public;                        /* publicdata present (a certificate) */
  bool has_roleid;
  bool has_oscore;                    /* oscore present (credtype 64, 128, 256: digest §6.4, §6.5) */
  char senderid[15], recipientid[15]; /* oscore ids as the device shows them ("" absent) */
  char desc[65];                      /* oscore.desc, printable ("" absent) */
} ocf_obt_cred_info;

typedef struct ocf_obt_creds_read {
  ocf_obt_cred_info entries[OCF_OBT_CREDS_MAX];
  size_t n;
  bool truncated; /* the device listed more than OCF_OBT_CREDS_MAX */
} ocf_obt_creds_read;

/* A provisioning step (job user: an ocf_obt_creds_read, zeroed) reading the device's
 * /oic/sec/cred into it. Fails at "read cred" on an error code or a malformed answer. */
OCF_API ocf_obt_prov_next ocf_obt_creds_read_step(void *user, const ocf_obt_prov_response *rsp,
                                                  ocf_obt_prov_request *req, ocf_obt_prov_failure *fail);

/* Parses a GET /oic/sec/cred payload. OCF_ERR_MALFORMED (not a cred representation; entries
 * without credid, credtype or subjectuuid), OCF_ERR_TOO_LARGE (beyond the decoder's caps). */
OCF_API OCF_NODISCARD ocf_err ocf_obt_creds_parse(const uint8_t *cbor, size_t len, ocf_obt_creds_read *out);

/* "trustca", "cert", "psk" ... a short name for credtype (and usage) for listings. */
OCF_API const char *ocf_obt_credtype_name(uint16_t credtype);

#ifdef __cplusplus
}
#endif
#endif
