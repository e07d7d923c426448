/* What obt acl, obt state and obt onboard --to rfnop share: AMS jobs (<ocf/ocf_obt_ams.h>) run
 * over the provisioning engine's command-line helper (prov_cli.h). */
#ifndef OBT_AMS_CLI_H
#define OBT_AMS_CLI_H

#include <ocf/ocf_obt_ams.h>

#include "prov_cli.h"

/* The state word of obt state / onboard --to: "rfpro" 2, "rfnop" 3, "sreset" 4; 0 otherwise. */
uint8_t obt_ams_state_of(const char *word);

/* Moves devices to state (2, 3, 4). For RFNOP: reads each device's ACL first, shows what the
 * precheck will remove (OBT 5.2) and asks (unless --yes); the job then fails when the ACL
 * changed in between. policy: POST the default policy first (tool: the domain's tool uuid).
 * icvs (may be NULL, entries may be ""): the devices' /oic/d icv when known. Returns the exit
 * code. */
int obt_ams_cli_state(const char *cmd, obt_lc_opts *o, ocf_obt_store *s, const ocf_uuid *uuids, size_t n,
                      uint8_t state, bool policy, const ocf_uuid *tool, const char (*icvs)[40]);

#endif
