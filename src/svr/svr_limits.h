/* Every cap of the Security Virtual Resource models, in one place.
 *
 * The models are plain structs with fixed-size fields, so a device holds each SVR in memory it
 * sized once, and an update works on a copy (digest 2.0: validate the whole payload before
 * applying it). A peer can never make a model grow: a request that needs more than a cap is
 * refused with OCF_SVR_E_TOO_LARGE (4.13) when one payload is too big, or OCF_SVR_E_FULL (5.00)
 * when the table it adds to is full. Where the OCF schema gives a maximum, the cap is at least
 * that maximum unless the comment says why not. */
#ifndef OCF_SVR_LIMITS_H
#define OCF_SVR_LIMITS_H

/* --- doxm ----------------------------------------------------------------------------------- */
#define OCF_SVR_MAX_OXMS 8 /* OTM ids in doxm.oxms (0..4 and a few vendor ids) */

/* --- cred ----------------------------------------------------------------------------------- */
#define OCF_SVR_MAX_CREDS 16 /* entries in /oic/sec/cred: owner PSK, CAs, identity, pair-wise */
/* publicdata.data: a PEM chain (SEC:cred maxLength 3072, digest pitfall 31). */
#define OCF_SVR_CRED_PUBLIC_MAX 3072
/* privatedata.data: a 16/32-byte PSK, an OSCORE secret, or a PEM EC private key (about 240
 * bytes for P-256, 300 for P-384); the schema's 3072 would only serve RSA keys OCF does not use. */
#define OCF_SVR_CRED_PRIVATE_MAX 1024
#define OCF_SVR_CRED_OPTIONAL_MAX 1024 /* optionaldata.data (revocation information) */
#define OCF_SVR_PERIOD_MAX 64          /* RFC 5545 period text: "20160101T180000Z/20170102T070000Z" */
#define OCF_SVR_ROLE_MAX 64            /* roleid.role / ACE subject role (no schema maximum) */
#define OCF_SVR_AUTHORITY_MAX 64       /* roleid.authority / ACE subject authority */
#define OCF_SVR_TAG_MAX 32             /* IoTivity-Lite's "tag" extension on creds and ACEs */
#define OCF_SVR_OSCORE_ID_HEX_MAX 14   /* senderid / recipientid: 2..7 bytes as hex (S003 6.3) */
#define OCF_SVR_OSCORE_DESC_MAX 64     /* oscore.desc */
#define OCF_SVR_OSCORE_SECRET_LEN 32   /* the Master Secret of credtype 64/128/256 (S003 6.3, 6.4) */
#define OCF_SVR_MAX_CRMS 5             /* crms items (five methods exist) */

/* --- acl2 ----------------------------------------------------------------------------------- */
#define OCF_SVR_MAX_ACES 32          /* ACEs in /oic/sec/acl2 */
#define OCF_SVR_MAX_ACE_RESOURCES 16 /* resources of one ACE (the legacy owner ACE lists 10 SVRs) */
/* An ACE href names one of the device's own resources, whose hrefs are capped at 128 bytes
 * (OCF_DEVICE_HREF_MAX); SEC:acl2 allows 256, but a longer href could never match anything. */
#define OCF_SVR_HREF_MAX 128
#define OCF_SVR_MAX_VALIDITY 4 /* validity periods of one ACE */

/* --- sp, sdi -------------------------------------------------------------------------------- */
#define OCF_SVR_MAX_PROFILES_IN 8 /* items of supportedprofiles in one request (4 profiles exist) */
#define OCF_SVR_SDI_NAME_MAX 128  /* sdi.name (no schema maximum) */

/* --- csr, roles, crl, ael ------------------------------------------------------------------ */
#define OCF_SVR_CSR_MAX 3072       /* csr (SEC:csr maxLength 3072) */
#define OCF_SVR_MAX_ROLES 4        /* role certificates one peer asserts (per session) */
#define OCF_SVR_CRL_TIME_MAX 32    /* thisupdate, e.g. "2016-04-12T23:20:50.52Z" */
#define OCF_SVR_CRL_DATA_MAX 2048  /* crldata: base64 of a CRL (no schema maximum) */
#define OCF_SVR_MAX_AEL_EVENTS 8   /* audit events kept (the oldest is dropped) */
#define OCF_SVR_AEL_ID_MAX 16      /* aeid */
#define OCF_SVR_AEL_TIME_MAX 32    /* timestamp (date-time) */
#define OCF_SVR_AEL_MESSAGE_MAX 64 /* message */
#define OCF_SVR_AEL_AUX_MAX 2      /* auxiliaryinfo items */
#define OCF_SVR_AEL_AUX_LEN 32     /* one auxiliaryinfo item */

/* --- diagnostics ---------------------------------------------------------------------------- */
#define OCF_SVR_WHERE_MAX 64 /* property path of an error, e.g. "aclist2[12].resources[3].href" */
#define OCF_SVR_ID_TRIES 32  /* random draws for a fresh credid / aceid before giving up */

#endif
