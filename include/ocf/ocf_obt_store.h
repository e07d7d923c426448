/* The OBT's security-domain store (docs/decisions/0015-obt-domain-store.md): one SQLite database
 * per domain holding
 *
 *   the domain    the tool's own OCF device id, the security domain uuid, name and priv flag it
 *                 writes to every device's /oic/sec/sdi, the OTM policy (OBT 5.3.3);
 *   devices       every device the tool knows: current and original uuid, name, type, state,
 *                 last seen endpoints;
 *   steps         every step of every onboarding (begun, done or failed, request count, the
 *                 device's response code and diagnostic), so an interrupted one can be resumed;
 *   audit         what was done, when, by whom;
 *   secrets       per device (owner credentials), encrypted at rest: AES-128-GCM under a key
 *                 derived from the domain key, which comes from a passphrase (PBKDF2-HMAC-SHA-256)
 *                 or a 0600 key file.
 *
 * The file: SQLite opens it by path and never creates it (a missing file is OCF_ERR_NOT_FOUND),
 * so the host creates it with the right mode first; on POSIX, ocf_posix_private_file_prepare
 * (<ocf/ocf_posix.h>) creates it 0600 in a 0700 directory and refuses symlinks and files others
 * may read. The store runs SQLite in WAL mode with synchronous=FULL (a committed change survives
 * power loss), foreign keys on, and an exclusive lock held from open to close: a second open,
 * from this process or another, fails with OCF_ERR_BUSY.
 *
 * Opening needs no key: the domain, devices, steps and audit are readable (they are not
 * secret); ocf_obt_store_unlock with the passphrase or key file is needed for secrets only.
 *
 * Time: every timestamp is passed in by the caller, milliseconds since the Unix epoch (the store
 * reads no clock). Text: NUL-terminated UTF-8 within the documented maximum lengths, no control
 * characters. Not thread-safe: one store, one thread. Each call is one transaction unless the
 * caller groups several with ocf_obt_store_begin / commit. */
#ifndef OCF_OBT_STORE_H
#define OCF_OBT_STORE_H

#include "ocf_platform.h"
#include "ocf_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Milliseconds since 1970-01-01T00:00:00Z, from the caller's wall clock. */
typedef int64_t ocf_obt_wall_ms;

#define OCF_OBT_DOMAIN_NAME_MAX 64 /* bytes, without the NUL */
#define OCF_OBT_OTM_POLICY_MAX 63
#define OCF_OBT_DEVICE_NAME_MAX 64
#define OCF_OBT_DEVICE_TYPE_MAX 64
#define OCF_OBT_ENDPOINTS_MAX 255
#define OCF_OBT_STEP_NAME_MAX 31
#define OCF_OBT_DIAG_MAX 255
#define OCF_OBT_AUDIT_WORD_MAX 31 /* actor, action */
#define OCF_OBT_AUDIT_DETAIL_MAX 255
#define OCF_OBT_SECRET_NAME_MAX 31
#define OCF_OBT_SECRET_MAX 1024
#define OCF_OBT_KEY_HINT_MAX 511

#define OCF_OBT_DOMAIN_KEY_LEN 32 /* a key file's length */
#define OCF_OBT_PASSPHRASE_MAX 1024
/* PBKDF2-HMAC-SHA-256 iterations for a passphrase (ADR 0015): the default follows OWASP's 2023
 * recommendation for this PRF; fewer than MIN are refused when creating. */
#define OCF_OBT_PBKDF2_DEFAULT_ITERATIONS 600000u
#define OCF_OBT_PBKDF2_MIN_ITERATIONS 10000u
#define OCF_OBT_PBKDF2_MAX_ITERATIONS 10000000u

/* The default OTM policy: every OTM we implement, in order of preference. */
#define OCF_OBT_OTM_POLICY_DEFAULT "jw,rdp,mfgcert"

/* Whether policy is a comma-separated list of one to three distinct OTM names from "jw"
 * (Just Works), "rdp" (Random PIN), "mfgcert" (Manufacturer Certificate), without spaces. */
OCF_API bool ocf_obt_otm_policy_valid(const char *policy);

typedef struct ocf_obt_domain {
  ocf_uuid tool_uuid; /* the OBT's own OCF device id: its /oic/d di, the devowneruuid it writes */
  ocf_uuid sdi_uuid;  /* the security domain: sdi.uuid, the same on every device (OBT 5.3.1 step 11) */
  char name[OCF_OBT_DOMAIN_NAME_MAX + 1]; /* sdi.name, 1..64 bytes */
  bool priv;                              /* sdi.priv */
  char otm_policy[OCF_OBT_OTM_POLICY_MAX + 1];
  ocf_obt_wall_ms created; /* set by ocf_obt_store_create */
} ocf_obt_domain;

/* Where the domain key comes from. */
typedef enum ocf_obt_key_kind {
  OCF_OBT_KEY_FILE = 1,       /* OCF_OBT_DOMAIN_KEY_LEN random bytes kept in a 0600 file */
  OCF_OBT_KEY_PASSPHRASE = 2, /* a passphrase, stretched with PBKDF2 and a random salt */
} ocf_obt_key_kind;

typedef struct ocf_obt_store_key {
  ocf_obt_key_kind kind;
  const uint8_t *secret; /* FILE: the file's 32 bytes; PASSPHRASE: 1..1024 bytes */
  size_t len;
  uint32_t iterations; /* create with PASSPHRASE: PBKDF2 iterations, 0 = the default */
  const char *hint;    /* create: where the key is (a key file's path), kept in clear text so later
                        * runs can find it; NULL or "" for none; up to OCF_OBT_KEY_HINT_MAX bytes */
} ocf_obt_store_key;

typedef struct ocf_obt_store ocf_obt_store;

/* Creates the domain in the database at path (which must exist: see above) and returns the store
 * open and unlocked. Nil uuids in *domain are replaced by random ones (version 4, pf->random);
 * created is set to now. An empty file becomes a new database. A database that already holds a
 * domain is refused with OCF_ERR_STATE unless replace is set; then every domain, device, step,
 * audit entry and secret is deleted (with secure_delete: overwritten) and the new domain written
 * in the same transaction, so a failure leaves the old domain whole. pf needs random, alloc and
 * free (SQLite allocates on its own). The key material is not kept beyond the derived keys.
 * OCF_ERR_INVALID_ARG (NULL, bad name, policy, key, iterations); the errors of
 * ocf_obt_store_open; OCF_ERR_STATE; the errors of pf->random. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_create(const char *path, const ocf_obt_domain *domain,
                                                   const ocf_obt_store_key *key, bool replace,
                                                   ocf_obt_wall_ms now, const ocf_platform *pf,
                                                   ocf_obt_store **out);

/* Opens an existing database (never creating the file), takes its exclusive lock, and migrates
 * an older schema to the current one in one transaction. The store is locked (no secrets) until
 * ocf_obt_store_unlock. An empty file opens as a store without a domain.
 * OCF_ERR_NOT_FOUND (no such file); OCF_ERR_DENIED (path is a symlink); OCF_ERR_BUSY (open
 * elsewhere); OCF_ERR_UNSUPPORTED (written by a newer version: the schema is newer than ours;
 * or the SQLite library is older than 3.37); OCF_ERR_MALFORMED (not a domain store, or
 * damaged); OCF_ERR_NO_MEMORY; OCF_ERR_IO; OCF_ERR_INVALID_ARG. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_open(const char *path, const ocf_platform *pf,
                                                 ocf_obt_store **out);

/* Commits nothing pending (an open ocf_obt_store_begin is rolled back), wipes the keys, closes
 * the database and releases its lock. NULL is fine. */
OCF_API void ocf_obt_store_close(ocf_obt_store *s);

/* The key source the domain was created with, and its hint (copied into hint[0..cap), "" when
 * none; hint may be NULL). OCF_ERR_NOT_FOUND (no domain yet), OCF_ERR_NO_SPACE (cap too small),
 * OCF_ERR_MALFORMED, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_key_info(ocf_obt_store *s, ocf_obt_key_kind *kind, char *hint,
                                                     size_t cap);

/* Derives the domain key from *key and checks it against the stored key check value.
 * OCF_ERR_CRYPTO (wrong passphrase or key file: nothing is damaged); OCF_ERR_INVALID_ARG (key of
 * the other kind, bad length); OCF_ERR_NOT_FOUND (no domain); OCF_ERR_MALFORMED (the stored key
 * parameters are damaged); OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_unlock(ocf_obt_store *s, const ocf_obt_store_key *key);

/* PRAGMA integrity_check and foreign_key_check. OCF_OK, OCF_ERR_MALFORMED (damaged: the log
 * says where), OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_check(ocf_obt_store *s);

/* Groups the calls until commit into one transaction (all or nothing after a crash), e.g. a
 * device's new state with its owner credential. No nesting. OCF_ERR_STATE (already / not in
 * one), OCF_ERR_BUSY, OCF_ERR_IO. Rollback cannot fail. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_begin(ocf_obt_store *s);
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_commit(ocf_obt_store *s);
OCF_API void ocf_obt_store_rollback(ocf_obt_store *s);

/* ---- domain -------------------------------------------------------------------------------- */

/* OCF_ERR_NOT_FOUND (no domain yet), OCF_ERR_MALFORMED, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_domain_get(ocf_obt_store *s, ocf_obt_domain *out);

/* Changes name, priv and otm_policy; the uuids and created must be the stored ones (they never
 * change: every device holds them). OCF_ERR_INVALID_ARG, OCF_ERR_NOT_FOUND, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_domain_set(ocf_obt_store *s, const ocf_obt_domain *d);

/* ---- devices ------------------------------------------------------------------------------- */

typedef enum ocf_obt_device_state {
  OCF_OBT_DEVICE_DISCOVERED = 1, /* seen, not ours */
  OCF_OBT_DEVICE_ONBOARDING = 2, /* an onboarding began and has not ended */
  OCF_OBT_DEVICE_OWNED = 3,      /* owned by this domain; its owner credential is stored */
  OCF_OBT_DEVICE_FAILED = 4,     /* the last onboarding failed and was rolled back */
} ocf_obt_device_state;

/* "discovered", "onboarding", "owned", "failed"; "?" for another value. */
OCF_API const char *ocf_obt_device_state_name(ocf_obt_device_state state);

typedef struct ocf_obt_device_record {
  ocf_uuid uuid;          /* current doxm deviceuuid: the key */
  ocf_uuid original_uuid; /* the uuid it was first stored with (before the DOTS changed it) */
  char name[OCF_OBT_DEVICE_NAME_MAX + 1];
  char type[OCF_OBT_DEVICE_TYPE_MAX + 1]; /* e.g. "oic.d.light" */
  ocf_obt_device_state state;
  char endpoints[OCF_OBT_ENDPOINTS_MAX + 1]; /* last seen, space-separated, e.g. "coaps://[fe80::1%2]:5684" */
  ocf_obt_wall_ms first_seen;                /* set by the store when the row is created */
  ocf_obt_wall_ms last_seen;                 /* set to now by every put */
} ocf_obt_device_record;

/* Inserts the device, or updates the one with the same uuid (original_uuid, first_seen are kept:
 * the values in *d are ignored). OCF_ERR_INVALID_ARG (nil uuid, bad text or state), OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_device_put(ocf_obt_store *s, const ocf_obt_device_record *d,
                                                       ocf_obt_wall_ms now);

/* OCF_ERR_NOT_FOUND, OCF_ERR_MALFORMED, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_device_get(ocf_obt_store *s, const ocf_uuid *uuid,
                                                       ocf_obt_device_record *out);

/* Records that the device now has uuid to (OBT 5.3.1 step 8: the DOTS gives it a new
 * deviceuuid); its steps and secrets stay with it. OCF_ERR_NOT_FOUND (no device from),
 * OCF_ERR_STATE (another device has to), OCF_ERR_INVALID_ARG, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_device_change_uuid(ocf_obt_store *s, const ocf_uuid *from,
                                                               const ocf_uuid *to);

/* Forgets the device with its steps and secrets (the audit log keeps what happened).
 * OCF_OK also when absent. OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_device_remove(ocf_obt_store *s, const ocf_uuid *uuid);

/* Calls each(user, device) for every device in the order they were first stored; stops early
 * when each returns false. OCF_ERR_MALFORMED, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_device_list(
    ocf_obt_store *s, bool (*each)(void *user, const ocf_obt_device_record *d), void *user);

OCF_API OCF_NODISCARD ocf_err ocf_obt_store_device_count(ocf_obt_store *s, size_t *n);

/* ---- onboarding steps ---------------------------------------------------------------------- */

typedef enum ocf_obt_step_status {
  OCF_OBT_STEP_STARTED = 1, /* begun; a step still STARTED after a crash was interrupted */
  OCF_OBT_STEP_DONE = 2,
  OCF_OBT_STEP_FAILED = 3,
} ocf_obt_step_status;

typedef struct ocf_obt_step_record {
  int64_t id; /* increasing in the order steps began */
  ocf_uuid device;
  char name[OCF_OBT_STEP_NAME_MAX + 1]; /* the step table's name, e.g. "oxmsel" */
  ocf_obt_step_status status;
  uint32_t requests; /* requests sent for this step */
  uint16_t response; /* the device's CoAP response code as class * 100 + detail (404), 0 none */
  char diagnostic[OCF_OBT_DIAG_MAX + 1]; /* the device's diagnostic payload or our reason */
  ocf_obt_wall_ms started, ended;        /* ended 0 while STARTED */
} ocf_obt_step_record;

/* Records that step `name` of the device's onboarding begins (committed before the request goes
 * out); *id names it for step_end. OCF_ERR_NOT_FOUND (no such device), OCF_ERR_INVALID_ARG,
 * OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_step_begin(ocf_obt_store *s, const ocf_uuid *device,
                                                       const char *name, ocf_obt_wall_ms now, int64_t *id);

/* Records how step id ended: status DONE or FAILED, requests sent, the response code, a
 * diagnostic (NULL for none). OCF_ERR_NOT_FOUND (no such step), OCF_ERR_STATE (it already
 * ended), OCF_ERR_INVALID_ARG, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_step_end(ocf_obt_store *s, int64_t id, ocf_obt_step_status status,
                                                     uint32_t requests, uint16_t response,
                                                     const char *diagnostic, ocf_obt_wall_ms now);

/* Calls each for the device's steps in the order they began (see device_list). */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_step_list(ocf_obt_store *s, const ocf_uuid *device,
                                                      bool (*each)(void *user, const ocf_obt_step_record *st),
                                                      void *user);

/* ---- audit log ----------------------------------------------------------------------------- */

typedef struct ocf_obt_audit_record {
  int64_t id;
  ocf_obt_wall_ms time;
  char actor[OCF_OBT_AUDIT_WORD_MAX + 1];  /* who: a user name, "obt" */
  char action[OCF_OBT_AUDIT_WORD_MAX + 1]; /* what: "init", "onboard", "reset" */
  char detail[OCF_OBT_AUDIT_DETAIL_MAX + 1];
} ocf_obt_audit_record;

/* Appends one entry (detail may be NULL). Never put secrets in it. OCF_ERR_INVALID_ARG,
 * OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_audit_append(ocf_obt_store *s, ocf_obt_wall_ms now,
                                                         const char *actor, const char *action,
                                                         const char *detail);

/* Calls each for every entry, oldest first (see device_list). */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_audit_list(
    ocf_obt_store *s, bool (*each)(void *user, const ocf_obt_audit_record *a), void *user);

/* ---- secrets ------------------------------------------------------------------------------- */

/* Stores data[0..len) (1..OCF_OBT_SECRET_MAX bytes) as the device's secret `name` ([a-z0-9-],
 * e.g. "owner-psk"), replacing any earlier one: sealed with AES-128-GCM under the store's secret
 * key, a fresh random nonce, and the device's row and the name as associated data (a sealed
 * value copied to another row or name fails to open). OCF_ERR_STATE (not unlocked),
 * OCF_ERR_NOT_FOUND (no such device), OCF_ERR_INVALID_ARG, the errors of pf->random, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_secret_put(ocf_obt_store *s, const ocf_uuid *device,
                                                       const char *name, const uint8_t *data, size_t len);

/* Opens the device's secret `name` into buf[0..cap) and sets *len. OCF_ERR_STATE (not unlocked),
 * OCF_ERR_NOT_FOUND, OCF_ERR_NO_SPACE (cap too small: *len is set, buf untouched),
 * OCF_ERR_MALFORMED (it fails authentication: altered, or moved from another row or name; buf
 * is zeroed), OCF_ERR_INVALID_ARG, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_secret_get(ocf_obt_store *s, const ocf_uuid *device,
                                                       const char *name, uint8_t *buf, size_t cap,
                                                       size_t *len);

/* OCF_OK also when absent. OCF_ERR_INVALID_ARG, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_secret_remove(ocf_obt_store *s, const ocf_uuid *device,
                                                          const char *name);

/* Whether the device has a secret `name` (*out), without opening it: needs no unlock, shows
 * nothing of the value (obt show, recovery's plan). OCF_ERR_INVALID_ARG, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_secret_exists(ocf_obt_store *s, const ocf_uuid *device,
                                                          const char *name, bool *out);

/* ---- pairings ----------------------------------------------------------------------------- */

/* Two devices holding a pairwise key (credtype 1) for each other, ADR 0019: the credid each
 * device gave its entry, and when. The key itself is never stored. Stored in uuid order (a <
 * b, bytewise); put and get accept either order and swap the credids along. */
typedef struct ocf_obt_pairing_record {
  ocf_uuid a, b;
  uint32_t credid_a, credid_b; /* the entry on a (subject b), on b (subject a) */
  ocf_obt_wall_ms created;
} ocf_obt_pairing_record;

/* Inserts or replaces the pairing of p->a and p->b. OCF_ERR_INVALID_ARG (equal or nil uuids),
 * OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_pairing_put(ocf_obt_store *s, const ocf_obt_pairing_record *p);
/* The pairing of a and b, with out->a = a. OCF_ERR_NOT_FOUND, OCF_ERR_INVALID_ARG, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_pairing_get(ocf_obt_store *s, const ocf_uuid *a,
                                                        const ocf_uuid *b, ocf_obt_pairing_record *out);
/* OCF_OK also when absent. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_pairing_remove(ocf_obt_store *s, const ocf_uuid *a,
                                                           const ocf_uuid *b);
/* Every pairing (device NULL) or those of one device (then r->a is that device), oldest first;
 * each returns false to stop. OCF_ERR_MALFORMED (a bad row), OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_pairing_list(ocf_obt_store *s, const ocf_uuid *device,
                                                         bool (*each)(void *user,
                                                                      const ocf_obt_pairing_record *r),
                                                         void *user);

/* ---- what obt apply wrote (ADR 0023) ------------------------------------------------------ */

/* The ACEs and pairings a policy file created, so that a later apply removes only those (never
 * the onboarding defaults or what obt acl added by hand). Keyed by uuid like pairings: records
 * naming a device the store forgot can still be cleaned up. */
typedef enum ocf_obt_applied_kind {
  OCF_OBT_APPLIED_ACE = 1,  /* device holds ACE aceid, whose description was spec */
  OCF_OBT_APPLIED_PAIR = 2, /* device and peer were paired by the policy (device < peer) */
} ocf_obt_applied_kind;

#define OCF_OBT_APPLIED_TEXT_MAX 1023

typedef struct ocf_obt_applied_record {
  uint8_t kind; /* ocf_obt_applied_kind */
  ocf_uuid device;
  uint32_t aceid; /* ACE; 0 for PAIR */
  ocf_uuid peer;  /* PAIR; nil for ACE */
  char spec[OCF_OBT_APPLIED_TEXT_MAX + 1];
  ocf_obt_wall_ms created;
} ocf_obt_applied_record;

/* Inserts or replaces the record (PAIR: either order, kept in uuid order). OCF_ERR_INVALID_ARG
 * (nil device, ACE with aceid 0, PAIR with a nil or equal peer, bad text), OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_applied_put(ocf_obt_store *s, const ocf_obt_applied_record *r);
/* Removes the record with r's kind, device, aceid and peer. OCF_OK also when absent. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_applied_remove(ocf_obt_store *s, const ocf_obt_applied_record *r);
/* Removes every record naming the device (as holder or peer). OCF_OK also when none. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_applied_forget(ocf_obt_store *s, const ocf_uuid *device);
/* Every record (device NULL) or those naming one device, oldest first; each returns false to stop.
 * OCF_ERR_MALFORMED (a bad row), OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_applied_list(ocf_obt_store *s, const ocf_uuid *device,
                                                         bool (*each)(void *user,
                                                                      const ocf_obt_applied_record *r),
                                                         void *user);

/* ---- OSCORE contexts and SSM groups ------------------------------------------------------- */

/* An OSCORE pairwise context between two devices (credtype 64, ADR 0022): each device's sender
 * id (the other's recipient id), the credids, when. Never the Master Secret. Stored in uuid order;
 * put and get accept either order and swap the per-device fields along. */
typedef struct ocf_obt_oscore_pair_record {
  ocf_uuid a, b;
  char sender_a[15], sender_b[15]; /* lower-case hex */
  uint32_t credid_a, credid_b;
  ocf_obt_wall_ms created;
} ocf_obt_oscore_pair_record;

OCF_API OCF_NODISCARD ocf_err ocf_obt_store_oscore_pair_put(ocf_obt_store *s,
                                                            const ocf_obt_oscore_pair_record *p);
/* out->a = a. OCF_ERR_NOT_FOUND, OCF_ERR_INVALID_ARG, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_oscore_pair_get(ocf_obt_store *s, const ocf_uuid *a,
                                                            const ocf_uuid *b,
                                                            ocf_obt_oscore_pair_record *out);
/* OCF_OK also when absent. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_oscore_pair_remove(ocf_obt_store *s, const ocf_uuid *a,
                                                               const ocf_uuid *b);

#define OCF_OBT_GROUP_NAME_MAX 32
#define OCF_OBT_GROUP_DESC_MAX 64
#define OCF_OBT_GROUP_MEMBERS_MAX 16
#define OCF_OBT_GROUP_CREDIDS_MAX 8

/* One device of an SSM group: a client holds one credtype-128 context (its senderid), a server one
 * credtype-256 context per client. */
typedef struct ocf_obt_group_member {
  ocf_uuid uuid;
  bool client;
  char senderid[15]; /* client: its sender id; server: "" */
  uint32_t credids[OCF_OBT_GROUP_CREDIDS_MAX];
  size_t n_credids;
} ocf_obt_group_member;

/* An SSM group (S003 6.4, ADR 0022): name (ours), the group subjectuuid, idGroup (the first
 * client's sender id), description, members. Never the Master Secret. */
typedef struct ocf_obt_group_record {
  char name[OCF_OBT_GROUP_NAME_MAX + 1];
  ocf_uuid subject;
  char gid[15];
  char desc[OCF_OBT_GROUP_DESC_MAX + 1];
  ocf_obt_wall_ms created, rekeyed; /* rekeyed 0: never */
  bool by_apply; /* created by obt apply (ADR 0023): only such a group is deleted by a later apply */
  ocf_obt_group_member members[OCF_OBT_GROUP_MEMBERS_MAX];
  size_t n_members;
} ocf_obt_group_record;

/* Inserts or replaces the group named g->name with its members. OCF_ERR_INVALID_ARG (empty or
 * non-printable name, no members, more than the caps), OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_group_put(ocf_obt_store *s, const ocf_obt_group_record *g);
/* OCF_ERR_NOT_FOUND, OCF_ERR_MALFORMED (a bad row), OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_group_get(ocf_obt_store *s, const char *name,
                                                      ocf_obt_group_record *out);
/* OCF_OK also when absent. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_group_remove(ocf_obt_store *s, const char *name);
/* Every group, by name; each returns false to stop. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_group_list(
    ocf_obt_store *s, bool (*each)(void *user, const ocf_obt_group_record *g), void *user);

/* ---- domain-wide values -------------------------------------------------------------------- */

/* Values that belong to the domain rather than to a device, such as the CA (ADR 0017): a
 * secret is sealed as a device secret is (its associated data names row 0, which no device
 * has, and the name); a public value is kept in clear (certificates, readable without the
 * key). One name holds one value, secret or public: a put replaces either.
 * Names as for device secrets. */
#define OCF_OBT_PUBLIC_MAX 4096

/* Seals data[0..len) (1..OCF_OBT_SECRET_MAX bytes) as the domain's secret `name`.
 * OCF_ERR_STATE (not unlocked), OCF_ERR_INVALID_ARG, the errors of pf->random, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_domain_secret_put(ocf_obt_store *s, const char *name,
                                                              const uint8_t *data, size_t len);

/* As ocf_obt_store_secret_get; OCF_ERR_NOT_FOUND also when `name` holds a public value. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_domain_secret_get(ocf_obt_store *s, const char *name,
                                                              uint8_t *buf, size_t cap, size_t *len);

/* Stores data[0..len) (1..OCF_OBT_PUBLIC_MAX bytes) in clear as the domain's value `name`; no
 * unlock needed. OCF_ERR_INVALID_ARG, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_domain_public_put(ocf_obt_store *s, const char *name,
                                                              const uint8_t *data, size_t len);

/* OCF_ERR_NOT_FOUND (none, or `name` holds a secret), OCF_ERR_NO_SPACE (cap too small: *len is
 * set), OCF_ERR_MALFORMED, OCF_ERR_INVALID_ARG, OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_domain_public_get(ocf_obt_store *s, const char *name,
                                                              uint8_t *buf, size_t cap, size_t *len);

/* Removes the value `name`, secret or public. OCF_OK also when absent. OCF_ERR_INVALID_ARG,
 * OCF_ERR_IO. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_store_domain_value_remove(ocf_obt_store *s, const char *name);

#ifdef __cplusplus
}
#endif
#endif
