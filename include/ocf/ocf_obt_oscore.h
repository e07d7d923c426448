/* OSCORE contexts of owned devices, OBT spec 6.3 and 6.4 (digest §6.4, §6.5): pairwise contexts
 * (credtype 64) and Simple Secure Multicast groups (credtype 128 client, 256 server), as step
 * functions for the provisioning engine (<ocf/ocf_obt_prov.h>) and pure planning helpers. The
 * command (apps/obt/cmd_oscore.c) chains the runs: check, write, undo or retire; ADR 0022.
 *
 * Only the credentials are provisioned: OSCORE message protection (RFC 8613) itself is not
 * implemented by obt or ocf-device.
 *
 * A job is one device and one phase:
 *   CHECK   GET /oic/sec/doxm: owned, the expected deviceuuid, every credtype of need_sct in sct
 *           (OBT 5.4: only credential types the device supports); then GET /oic/sec/cred into
 *           creds (the ids already used there, for the planner).
 *   WRITE   POST /oic/sec/cred with every context of the job in one request (all or nothing on
 *           the device, digest §2.0), then GET /oic/sec/cred and the credid of each context.
 *   REMOVE  GET /oic/sec/cred, then DELETE ?credid=N of each entry the match selects (4.04 counts
 *           as gone). Used for unpair, group delete, the undo of a failed write and retiring the
 *           entries a new write replaced. */
#ifndef OCF_OBT_OSCORE_H
#define OCF_OBT_OSCORE_H

#include "ocf_obt_cms.h"

#ifdef __cplusplus
extern "C" {
#endif

#define OCF_OBT_OSCORE_SECRET_LEN 32 /* 256-bit Master Secret (S003 6.3, 6.4) */
#define OCF_OBT_OSCORE_ID_MIN 2      /* id bytes (S003 6.3: 2..7, first byte the prefix) */
#define OCF_OBT_OSCORE_ID_MAX 7      /* also the default: IoTivity-Lite takes only 7 (pitfall 24) */
#define OCF_OBT_OSCORE_ID_HEX (2 * OCF_OBT_OSCORE_ID_MAX)
#define OCF_OBT_OSCORE_DESC_MAX 64 /* oscore.desc (our device keeps 64 bytes) */
#define OCF_OBT_OSCORE_CTX_MAX 8   /* contexts one job writes (a server: one per group client) */
#define OCF_OBT_OSCORE_IDS_MAX 16  /* ids a REMOVE matches on */
#define OCF_OBT_OSCORE_PAIRWISE_PREFIX 0x01
#define OCF_OBT_OSCORE_GROUP_PREFIX 0x02

typedef char ocf_obt_oscore_id[OCF_OBT_OSCORE_ID_HEX + 1]; /* lower-case hex, "" none */

/* One context to write: credtype 64 (senderid + recipientid), 128 (senderid) or 256
 * (recipientid); desc is sent for 128/256 only (IoTivity-Lite refuses it on 64). */
typedef struct ocf_obt_oscore_ctx {
  uint16_t credtype;
  ocf_uuid subject;
  ocf_obt_oscore_id senderid, recipientid;
  char desc[OCF_OBT_OSCORE_DESC_MAX + 1];
  uint32_t credid; /* WRITE, DONE: the entry the device made */
} ocf_obt_oscore_ctx;

/* Which entries a REMOVE deletes: credtype in types, the subject when has_subject, and, when
 * n_ids > 0, a senderid or recipientid in ids (keep_ids: NOT in ids). */
typedef struct ocf_obt_oscore_match {
  uint16_t types; /* credtype bits (64, 128, 256) */
  bool has_subject;
  ocf_uuid subject;
  ocf_obt_oscore_id ids[OCF_OBT_OSCORE_IDS_MAX];
  size_t n_ids;
  bool keep_ids;
} ocf_obt_oscore_match;

typedef enum ocf_obt_oscore_phase {
  OCF_OBT_OSCORE_CHECK = 1,
  OCF_OBT_OSCORE_WRITE = 2,
  OCF_OBT_OSCORE_REMOVE = 3,
} ocf_obt_oscore_phase;

/* A job's state (the step's user). Fill with ocf_obt_oscore_job_init, then the phase's inputs. */
typedef struct ocf_obt_oscore_job {
  ocf_obt_oscore_phase phase;
  ocf_uuid self;
  uint16_t need_sct;                              /* CHECK */
  ocf_obt_creds_read creds;                       /* CHECK: the device's entries */
  const uint8_t *secret;                          /* WRITE: OCF_OBT_OSCORE_SECRET_LEN bytes, the caller's */
  ocf_obt_oscore_ctx ctx[OCF_OBT_OSCORE_CTX_MAX]; /* WRITE */
  size_t n_ctx;
  ocf_obt_oscore_match match; /* REMOVE */
  /* progress and outcome */
  int stage;
  bool post_sent; /* WRITE: the secret went out (the device may hold it even without an answer) */
  uint32_t ids[OCF_OBT_CREDS_MAX];
  size_t n_del, next_del;
  uint32_t removed;   /* REMOVE: entries deleted */
  uint8_t body[1536]; /* the POST (holds the secret until answered) */
  size_t body_len;
} ocf_obt_oscore_job;

OCF_API void ocf_obt_oscore_job_init(ocf_obt_oscore_job *j, ocf_obt_oscore_phase phase, const ocf_uuid *self);
/* The step function (job user: an ocf_obt_oscore_job). */
OCF_API ocf_obt_prov_next ocf_obt_oscore_step(void *user, const ocf_obt_prov_response *rsp,
                                              ocf_obt_prov_request *req, ocf_obt_prov_failure *fail);
/* Wipes the secret's copy in the job's request body. */
OCF_API void ocf_obt_oscore_job_wipe(ocf_obt_oscore_job *j);

/* --- planning (pure but for the DRBG) --------------------------------------------------------- */

/* A fresh id of len bytes (2..7) with first byte prefix, drawn from the engine's DRBG, equal to
 * none of taken[0..n_taken) (S003 6.3: distinct from the recipientids on the peer; we also avoid
 * every id in use on the devices involved and the domain's groups). OCF_ERR_INVALID_ARG,
 * OCF_ERR_BUSY (no free id after 64 draws), the DRBG's error. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_oscore_new_id(ocf_obt *obt, uint8_t prefix, size_t len,
                                                    const ocf_obt_oscore_id *taken, size_t n_taken,
                                                    ocf_obt_oscore_id out);
/* OCF_OBT_OSCORE_SECRET_LEN bytes from the engine's DRBG. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_oscore_new_secret(ocf_obt *obt, uint8_t out[OCF_OBT_OSCORE_SECRET_LEN]);
/* A random (version 4) uuid from the engine's DRBG: an SSM group's subjectuuid (S003 6.4). */
OCF_API OCF_NODISCARD ocf_err ocf_obt_oscore_new_uuid(ocf_obt *obt, ocf_uuid *out);
/* Appends every senderid/recipientid of creds to taken (room for cap). Returns the new count. */
OCF_API size_t ocf_obt_oscore_ids_in_use(const ocf_obt_creds_read *creds, ocf_obt_oscore_id *taken, size_t n,
                                         size_t cap);
/* Whether s is 2..7 bytes of lower-case hex with first byte prefix. */
OCF_API bool ocf_obt_oscore_id_valid(const char *s, uint8_t prefix);

#ifdef __cplusplus
}
#endif
#endif
