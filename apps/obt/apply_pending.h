/* Crash safety of obt apply (docs/HARDENING.md): the ACEs a run is about to add to a device, noted
 * in the domain store before the edits go out and dropped with the records of what they added. A
 * run killed in between left ACEs on the device that no record named, which the next run took for
 * ACEs written by hand (held, never removed); with the notes it adopts them as the policy's. */
#ifndef OBT_APPLY_PENDING_H
#define OBT_APPLY_PENDING_H

#include <ocf/ocf_obt_policy.h>
#include <ocf/ocf_obt_store.h>

/* Notes add[0..n) for device dev (replacing earlier notes), in one transaction. */
ocf_err obt_apply_pending_note(ocf_obt_store *s, const ocf_uuid *dev, const ocf_obt_ace *add, size_t n);

/* The noted specs of dev into specs[0..*n) (at most OCF_OBT_EDIT_MAX); *n = 0 when none. */
ocf_err obt_apply_pending_read(ocf_obt_store *s, const ocf_uuid *dev,
                               char (*specs)[OCF_OBT_APPLIED_SPEC_MAX + 1], size_t *n);

/* Drops dev's notes (inside the caller's transaction when one is open). OCF_OK also when none. */
ocf_err obt_apply_pending_drop(ocf_obt_store *s, const ocf_uuid *dev);

#endif
