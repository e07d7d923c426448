/* Declarative access policy (`obt apply`, issue 6 item 10) and offboarding (`obt offboard`,
 * issue 6 item 5): docs/decisions/0023-apply.md.
 *
 * A policy file says which devices share pairwise keys and which ACEs each device holds. This
 * module parses it (bounded, errors with line numbers), computes what must change on one device
 * from its acl2 and what the domain store says the policy wrote before (pure), and runs the
 * change on the device as one provisioning job that undoes its own earlier writes when a later
 * one fails ("transactional" per device). The same job, in its purge form, removes from a peer
 * every ACE and pairwise credential naming a device that leaves the domain.
 *
 * Everything here is pure: no I/O, no clock; the job's state is the caller's struct. */
#ifndef OCF_OBT_POLICY_H
#define OCF_OBT_POLICY_H

#include "ocf_obt_ams.h"
#include "ocf_obt_cms.h"
#include "ocf_obt_oscore.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Caps of a policy file; more is refused with the line that crossed it. */
#define OCF_OBT_POLICY_BYTES_MAX (256u * 1024u)
#define OCF_OBT_POLICY_LINE_MAX 1024 /* bytes of one line */
#define OCF_OBT_POLICY_ALIASES_MAX 128
#define OCF_OBT_POLICY_NAME_MAX 63
#define OCF_OBT_POLICY_PAIRS_MAX 64
#define OCF_OBT_POLICY_ACES_MAX 128
#define OCF_OBT_POLICY_GROUPS_MAX 16
/* ACE additions and removals one device's change may hold (one owner session). */
#define OCF_OBT_EDIT_MAX 16
/* What the store keeps of an ACE the policy wrote (its describe text without the aceid). */
#define OCF_OBT_APPLIED_SPEC_MAX 1023

typedef struct ocf_obt_policy_alias {
  char name[OCF_OBT_POLICY_NAME_MAX + 1];
  ocf_uuid uuid;
  unsigned line;
} ocf_obt_policy_alias;

typedef struct ocf_obt_policy_pair {
  ocf_uuid a, b;
  unsigned line;
} ocf_obt_policy_pair;

typedef struct ocf_obt_policy_ace {
  ocf_uuid device; /* the device that holds the ACE */
  ocf_obt_ace ace; /* aceid 0 */
  unsigned line;
} ocf_obt_policy_ace;

/* An OSCORE SSM group (ADR 0022), as obt group create takes it: clients (1..8) and servers (1 or
 * more), at most OCF_OBT_GROUP_MEMBERS_MAX members, each once, and a description. */
typedef struct ocf_obt_policy_group {
  char name[OCF_OBT_GROUP_NAME_MAX + 1];
  char desc[OCF_OBT_GROUP_DESC_MAX + 1];
  ocf_uuid members[OCF_OBT_GROUP_MEMBERS_MAX];
  bool client[OCF_OBT_GROUP_MEMBERS_MAX]; /* else a server */
  size_t n_members;
  unsigned line;
} ocf_obt_policy_group;

typedef struct ocf_obt_policy {
  size_t n_aliases;
  ocf_obt_policy_alias aliases[OCF_OBT_POLICY_ALIASES_MAX];
  size_t n_pairs;
  ocf_obt_policy_pair pairs[OCF_OBT_POLICY_PAIRS_MAX];
  size_t n_aces;
  ocf_obt_policy_ace aces[OCF_OBT_POLICY_ACES_MAX];
  size_t n_groups;
  ocf_obt_policy_group groups[OCF_OBT_POLICY_GROUPS_MAX];
} ocf_obt_policy;

typedef struct ocf_obt_policy_error {
  unsigned line; /* 1-based; 0 for the file as a whole */
  char msg[240];
} ocf_obt_policy_error;

/* Names a device that is neither a uuid nor an alias (its /oic/d name, as the store keeps it):
 * OCF_OK (*out set), OCF_ERR_NOT_FOUND (no such device), OCF_ERR_INVALID_ARG (several devices
 * have that name: *why says so). */
typedef ocf_err (*ocf_obt_policy_resolve)(void *user, const char *name, ocf_uuid *out, const char **why);

/* Parses a policy (text[0..len), UTF-8, no NUL). Lines, '#' to the end of a line a comment,
 * words separated by blanks, a word in double quotes may hold blanks:
 *
 *   device ALIAS DEVICE                         ALIAS names DEVICE in the lines that follow
 *   pair DEVICE DEVICE                          a pairwise key (credtype 1) between the two
 *   allow CLIENT DEVICE HREF PERM [validity=P]...   DEVICE lets device CLIENT use HREF with PERM
 *   ace DEVICE subject=S res=LIST perm=PERM [validity=P]...   any ACE, as obt acl add takes it
 *   group NAME client=DEV,... server=DEV,... [desc=TEXT]   an OSCORE SSM group (obt group create)
 *
 * DEVICE is a uuid, an alias, or a device's name resolved by resolve (may be NULL: names are
 * then refused). An ACE twice for one device, a pair twice, a pair of a device with itself, an
 * rt:/if: selector (the policy names hrefs, so that the diff is exact) are errors; so are a group
 * name twice, a device twice in one group, an empty member list, more than 8 clients. A word
 * KEY="..." keeps its blanks (desc="Hall lights").
 * OCF_OK; OCF_ERR_INVALID_ARG / OCF_ERR_TOO_LARGE with *err (line and message) set; out is
 * cleared first. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_policy_parse(const char *text, size_t len,
                                                   ocf_obt_policy_resolve resolve, void *user,
                                                   ocf_obt_policy *out, ocf_obt_policy_error *err);

/* Whether the policy asks for a pair of a and b (either order). */
OCF_API bool ocf_obt_policy_has_pair(const ocf_obt_policy *p, const ocf_uuid *a, const ocf_uuid *b);

/* Whether two ACEs grant the same (subject, resources in order, permission, validity; aceid and
 * IoTivity-Lite's tag ignored). */
OCF_API bool ocf_obt_ace_same(const ocf_obt_ace *a, const ocf_obt_ace *b);

/* The text the store keeps for an ACE the policy wrote: its description without the aceid
 * (out holds OCF_OBT_APPLIED_SPEC_MAX + 1). */
OCF_API void ocf_obt_ace_spec(const ocf_obt_ace *ace, char out[OCF_OBT_APPLIED_SPEC_MAX + 1]);

/* ---- the difference for one device ---------------------------------------------------------- */

/* An ACE the policy wrote earlier, as the store recorded it. */
typedef struct ocf_obt_owned_ace {
  uint32_t aceid;
  char spec[OCF_OBT_APPLIED_SPEC_MAX + 1];
} ocf_obt_owned_ace;

typedef struct ocf_obt_acl_diff {
  size_t n_add;
  ocf_obt_ace add[OCF_OBT_EDIT_MAX]; /* to POST (aceid 0) */
  size_t n_remove;
  ocf_obt_ace remove[OCF_OBT_EDIT_MAX]; /* to DELETE: the device's ACE as read (with its aceid) */
  size_t n_forget;
  uint32_t forget[OCF_OBT_AMS_MAX_ACES]; /* store records no longer true of the device (the ACE is
                                            gone or was changed by someone else): drop them */
} ocf_obt_acl_diff;

/* What must change so that the device holds want[0..n_want) (ACEs the policy gives it): a wanted
 * ACE the device already holds (ours or not) is left alone; one it lacks is added; an ACE the
 * policy wrote (owned[], whose aceid the device still holds with the same content) that is no
 * longer wanted is removed. ACEs the policy did not write are never removed. *out is cleared
 * first. OCF_ERR_TOO_LARGE (more than OCF_OBT_EDIT_MAX additions or removals), OCF_ERR_INVALID_ARG. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_acl_diff_compute(const ocf_obt_ace *want, size_t n_want,
                                                       const ocf_obt_acl *have,
                                                       const ocf_obt_owned_ace *owned, size_t n_owned,
                                                       ocf_obt_acl_diff *out);

/* Whether a pairing the store records is still held by both devices (the credids it recorded are
 * credtype-1 entries for the other device in each device's cred). */
OCF_API bool ocf_obt_pair_held(const ocf_obt_pairing_record *rec, const ocf_obt_creds_read *cred_a,
                               const ocf_obt_creds_read *cred_b);

/* ---- groups ------------------------------------------------------------------------------------ */

/* What a policy run does with one group. */
typedef enum ocf_obt_group_action {
  OCF_OBT_GROUP_KEEP = 0, /* nothing: held as stated, or not the policy's to touch */
  OCF_OBT_GROUP_CREATE,   /* the policy states it, the store has no group of that name */
  OCF_OBT_GROUP_REKEY,    /* the policy's group: members or desc differ, or a member lost its contexts */
  OCF_OBT_GROUP_DELETE,   /* the policy created it and no longer states it */
  OCF_OBT_GROUP_CONFLICT, /* the policy states a group of that name made by hand, with other members */
} ocf_obt_group_action;

/* Whether the record has exactly the policy group's members in the same roles (order ignored) and
 * its desc. */
OCF_API bool ocf_obt_group_same(const ocf_obt_policy_group *want, const ocf_obt_group_record *have);

/* Whether member m of the record still holds its contexts: each recorded credid an entry of
 * credtype 128 (client) or 256 (server) whose subject is the group's subjectuuid. */
OCF_API bool ocf_obt_group_member_held(const ocf_obt_group_record *g, size_t m,
                                       const ocf_obt_creds_read *cred);

/* The action for one group name: want is the policy's group (NULL: the policy does not state it),
 * have the store's record (NULL: none), held whether every member holds its contexts (read from
 * the devices; ignored without have). Groups made by hand (have->by_apply false) are never
 * changed: stated with the same members they are left alone, with others they conflict. */
OCF_API ocf_obt_group_action ocf_obt_group_diff(const ocf_obt_policy_group *want,
                                                const ocf_obt_group_record *have, bool held);

/* ---- the job that changes one device ---------------------------------------------------------- */

typedef struct ocf_obt_edit_job {
  /* --- input --- */
  ocf_obt_acl_diff diff; /* APPLY: removals first, then additions */
  bool purge;            /* PURGE (offboarding): every ACE with subject uuid:purge_uuid and every */
  ocf_uuid purge_uuid;   /*   credential whose subject is purge_uuid (pairwise keys, OSCORE contexts) */
  /* --- output --- */
  uint32_t added[OCF_OBT_EDIT_MAX]; /* the aceid each addition got (0: not found again) */
  size_t n_removed;                 /* ACEs deleted (PURGE: how many matched) */
  uint32_t removed_creds;           /* PURGE: credentials deleted */
  bool was_rfnop;                   /* the device was in RFNOP: moved to RFPRO and back */
  bool undone;                      /* failed: the earlier writes were rolled back */
  bool left;                        /* failed, and the rollback failed too: the ACL is half changed */
  ocf_obt_prov_failure first;       /* the failure that started the rollback */
  /* --- private --- */
  uint8_t phase;
  bool failing;
  size_t i, n_done_remove, n_done_add, n_undo;
  ocf_obt_acl acl;
  ocf_obt_creds_read creds;
  uint32_t before[OCF_OBT_AMS_MAX_ACES];
  size_t n_before;
  uint8_t buf[OCF_OBT_AMS_PAYLOAD_MAX];
} ocf_obt_edit_job;

/* Job set-ups (the job is cleared first). APPLY: OCF_ERR_INVALID_ARG for an incomplete ACE, a
 * removal without aceid, counts beyond the caps. PURGE: nil uuid. */
OCF_API OCF_NODISCARD ocf_err ocf_obt_edit_job_apply(ocf_obt_edit_job *job, const ocf_obt_acl_diff *diff);
OCF_API OCF_NODISCARD ocf_err ocf_obt_edit_job_purge(ocf_obt_edit_job *job, const ocf_uuid *leaving);

/* The step function (ocf_obt_prov_step); job_user is the ocf_obt_edit_job. GET pstat; in RFNOP
 * POST RFPRO first (ACLs and creds change only in RFPRO or SRESET, digest §3.3) and RFNOP again
 * at the end, also after a failure. GET acl2: APPLY fails without writing when an ACE to remove
 * is no longer there as read (someone changed it since the diff). DELETE each removal, POST each
 * addition, GET acl2 to read the new aceids back. PURGE: DELETE each ACE naming the device, GET
 * cred and DELETE every credential whose subject is the device. When a write fails, APPLY rolls back: the
 * additions found again are deleted and the removed ACEs POSTed again with their aceids (the device takes an
 * unknown aceid as given, SEC:acl2), then the failure is reported with undone (or left). */
OCF_API ocf_obt_prov_next ocf_obt_edit_step(void *job_user, const ocf_obt_prov_response *rsp,
                                            ocf_obt_prov_request *req, ocf_obt_prov_failure *fail);

#ifdef __cplusplus
}
#endif
#endif
