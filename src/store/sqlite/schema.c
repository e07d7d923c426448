/* The schema as an ordered list of migrations: migration i takes PRAGMA user_version from i to
 * i + 1. A released migration is never edited; a change is a new one appended here (and
 * OBT_STORE_SCHEMA_VERSION raised), with a test that opens a database of the previous version.
 * Tables are STRICT (a value of the wrong type is refused, not converted). */
#include <stdio.h>

#include "store/sqlite/obt_store.h"

static const char *const k_migrations[] = {
    /* 0 -> 1: the domain, its key parameters, devices, their secrets, onboarding steps, audit. */
    "CREATE TABLE key_params ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  kind TEXT NOT NULL CHECK (kind IN ('file', 'passphrase')),"
    "  salt BLOB NOT NULL CHECK (length(salt) = 16),"
    "  iterations INTEGER NOT NULL,"
    "  key_check BLOB NOT NULL CHECK (length(key_check) = 32),"
    "  hint TEXT NOT NULL) STRICT;"
    "CREATE TABLE domain ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1),"
    "  tool_uuid BLOB NOT NULL CHECK (length(tool_uuid) = 16),"
    "  sdi_uuid BLOB NOT NULL CHECK (length(sdi_uuid) = 16),"
    "  name TEXT NOT NULL,"
    "  priv INTEGER NOT NULL CHECK (priv IN (0, 1)),"
    "  otm_policy TEXT NOT NULL,"
    "  created INTEGER NOT NULL) STRICT;"
    "CREATE TABLE devices ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT," /* never reused: secrets are bound to it */
    "  uuid BLOB NOT NULL UNIQUE CHECK (length(uuid) = 16),"
    "  original_uuid BLOB NOT NULL CHECK (length(original_uuid) = 16),"
    "  name TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  endpoints TEXT NOT NULL,"
    "  first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL) STRICT;"
    "CREATE TABLE secrets ("
    "  device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  sealed BLOB NOT NULL,"
    "  PRIMARY KEY (device_id, name)) STRICT;"
    "CREATE TABLE steps ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  device_id INTEGER NOT NULL REFERENCES devices(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  status TEXT NOT NULL CHECK (status IN ('started', 'done', 'failed')),"
    "  requests INTEGER NOT NULL DEFAULT 0,"
    "  response INTEGER NOT NULL DEFAULT 0,"
    "  diagnostic TEXT NOT NULL DEFAULT '',"
    "  started INTEGER NOT NULL,"
    "  ended INTEGER NOT NULL DEFAULT 0) STRICT;"
    "CREATE TABLE audit ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  time INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  detail TEXT NOT NULL) STRICT;",
    /* 1 -> 2: the lookups resuming an onboarding makes (a device's steps in order) and the audit
     * log by time. */
    "CREATE INDEX steps_by_device ON steps(device_id, id);"
    "CREATE INDEX audit_by_time ON audit(time);",
    /* 2 -> 3: domain-wide values (ADR 0017: the CA's certificate in clear, its private key
     * sealed like a device secret). */
    "CREATE TABLE domain_values ("
    "  name TEXT PRIMARY KEY,"
    "  sealed INTEGER NOT NULL CHECK (sealed IN (0, 1)),"
    "  data BLOB NOT NULL) STRICT;",
    /* 3 -> 4: pairwise keys between two devices (ADR 0019): which devices, the credid each
     * holds, when. Never the key. Keyed by uuid, not by device row, so the pairing of a device
     * the store forgot still names the peer that holds a credential for it (offboarding). */
    "CREATE TABLE pairings ("
    "  uuid_a BLOB NOT NULL CHECK (length(uuid_a) = 16),"
    "  uuid_b BLOB NOT NULL CHECK (length(uuid_b) = 16),"
    "  credid_a INTEGER NOT NULL,"
    "  credid_b INTEGER NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  CHECK (uuid_a < uuid_b),"
    "  PRIMARY KEY (uuid_a, uuid_b)) STRICT;",
    /* 4 -> 5: every certificate the CA issued (ADR 0020): serial, the device (or the tool),
     * kind, validity, revocation; the CRL number is the domain value "crl-number". Not tied to
     * the devices table: a forgotten device's certificates stay revocable. */
    "CREATE TABLE certs ("
    "  serial BLOB PRIMARY KEY CHECK (length(serial) BETWEEN 1 AND 21),"
    "  uuid BLOB NOT NULL CHECK (length(uuid) = 16),"
    "  kind TEXT NOT NULL CHECK (kind IN ('identity', 'role', 'tool')),"
    "  roles TEXT NOT NULL DEFAULT '',"
    "  issued INTEGER NOT NULL,"
    "  not_before INTEGER NOT NULL,"
    "  not_after INTEGER NOT NULL,"
    "  revoked INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1)),"
    "  revoked_at INTEGER NOT NULL DEFAULT 0,"
    "  cert BLOB NOT NULL) STRICT;"
    "CREATE INDEX certs_by_uuid ON certs(uuid);",
    /* 5 -> 6: what obt apply wrote (ADR 0023): the ACEs and pairings a policy file created, so a
     * later apply removes only those. Keyed by uuid (as pairings), not by device row. */
    "CREATE TABLE applied ("
    "  kind TEXT NOT NULL CHECK (kind IN ('ace', 'pair')),"
    "  device BLOB NOT NULL CHECK (length(device) = 16),"
    "  aceid INTEGER NOT NULL,"
    "  peer BLOB NOT NULL CHECK (length(peer) = 16),"
    "  spec TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  PRIMARY KEY (kind, device, aceid, peer)) STRICT;",
    /* 6 -> 7: OSCORE pairwise contexts and SSM groups (ADR 0022): who holds which context, the
     * ids and credids. Never a Master Secret. Keyed by uuid like pairings (offboarding). */
    "CREATE TABLE oscore_pairs ("
    "  uuid_a BLOB NOT NULL CHECK (length(uuid_a) = 16),"
    "  uuid_b BLOB NOT NULL CHECK (length(uuid_b) = 16),"
    "  sender_a TEXT NOT NULL,"
    "  sender_b TEXT NOT NULL,"
    "  credid_a INTEGER NOT NULL,"
    "  credid_b INTEGER NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  CHECK (uuid_a < uuid_b),"
    "  PRIMARY KEY (uuid_a, uuid_b)) STRICT;"
    "CREATE TABLE oscore_groups ("
    "  name TEXT PRIMARY KEY,"
    "  subject BLOB NOT NULL CHECK (length(subject) = 16),"
    "  gid TEXT NOT NULL,"
    "  desc TEXT NOT NULL,"
    "  created INTEGER NOT NULL,"
    "  rekeyed INTEGER NOT NULL DEFAULT 0) STRICT;"
    "CREATE TABLE oscore_group_members ("
    "  grp TEXT NOT NULL REFERENCES oscore_groups(name) ON DELETE CASCADE,"
    "  pos INTEGER NOT NULL,"
    "  uuid BLOB NOT NULL CHECK (length(uuid) = 16),"
    "  client INTEGER NOT NULL CHECK (client IN (0, 1)),"
    "  senderid TEXT NOT NULL,"
    "  credids TEXT NOT NULL,"
    "  PRIMARY KEY (grp, uuid)) STRICT;",
    /* 7 -> 8: which groups obt apply created (ADR 0023), so that a later apply deletes or
     * rekeys only those and never a group made by hand with obt group create. */
    "ALTER TABLE oscore_groups ADD COLUMN by_apply INTEGER NOT NULL DEFAULT 0 CHECK (by_apply IN (0, 1));",
};

_Static_assert(sizeof k_migrations / sizeof k_migrations[0] == OBT_STORE_SCHEMA_VERSION,
               "one migration per schema version");

int obt_schema_migrate(sqlite3 *db, int from, int target) {
  if (from < 0 || target > OBT_STORE_SCHEMA_VERSION || from > target) return SQLITE_MISUSE;
  for (int v = from; v < target; v++) {
    int rc = sqlite3_exec(db, k_migrations[v], NULL, NULL, NULL);
    if (rc != SQLITE_OK) return rc;
  }
  char sql[96];
  int n = snprintf(sql, sizeof sql, "PRAGMA user_version=%d; PRAGMA application_id=%d", target,
                   OBT_STORE_APPLICATION_ID);
  if (n < 0 || (size_t)n >= sizeof sql) return SQLITE_MISUSE;
  return sqlite3_exec(db, sql, NULL, NULL, NULL);
}
