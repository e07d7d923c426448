/* The step functions of pairwise keys (cms_pair.c, <ocf/ocf_obt_cms.h>): pure functions of the
 * device's last answer, driven by the provisioning engine over one owner session each. Exposed
 * for the unit tests, which feed them hostile answers directly. */
#ifndef OCF_OBT_CMS_PAIR_H
#define OCF_OBT_CMS_PAIR_H

#include <ocf/ocf_obt_cms.h>

typedef enum obt_pair_phase {
  OBT_PAIR_CHECK = 1, /* GET doxm: owned, the expected uuid, credtype 1 in sct */
  OBT_PAIR_WRITE,     /* GET cred, DELETE older entries for the peer, POST the key, GET cred: credid */
  OBT_PAIR_REMOVE,    /* GET cred, DELETE every credtype-1 entry for the peer */
} obt_pair_phase;

#define OBT_PAIR_IDS_MAX 8 /* credtype-1 entries for one peer a device may list before we give up */
#define OBT_PAIR_BODY_MAX 192

typedef struct obt_pair_step {
  obt_pair_phase phase;
  ocf_uuid self;      /* the device (CHECK: the deviceuuid it must report) */
  ocf_uuid peer;      /* the subject of the entries */
  const uint8_t *key; /* WRITE: OCF_OBT_PAIR_KEY_LEN bytes, the caller's */
  int stage;
  uint32_t ids[OBT_PAIR_IDS_MAX]; /* entries to delete */
  size_t n_ids, next_id;
  bool post_sent;   /* WRITE: the key went out (the device may hold it even if we saw no answer) */
  uint32_t credid;  /* WRITE, DONE: the new entry */
  uint32_t removed; /* entries deleted */
  uint8_t body[OBT_PAIR_BODY_MAX]; /* the POST (holds the key until answered) */
  size_t body_len;
} obt_pair_step;

void obt_pair_step_init(obt_pair_step *s, obt_pair_phase phase, const ocf_uuid *self, const ocf_uuid *peer,
                        const uint8_t *key);
ocf_obt_prov_next obt_pair_step_fn(void *user, const ocf_obt_prov_response *rsp, ocf_obt_prov_request *req,
                                   ocf_obt_prov_failure *fail);
/* Wipes the copy of the key in the request body. */
void obt_pair_step_wipe(obt_pair_step *s);

/* The engine's side (obt.c): frees a pairing going on (ocf_obt_destroy). */
void obt_pair_free(ocf_obt *obt);

#endif
