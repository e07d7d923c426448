/* The device's certificates (digest §2.3, §2.7, §6.2; ADR 0020): its P-256 key pair, the CSR
 * /oic/sec/csr answers, the check of an identity certificate POSTed to /oic/sec/cred, and cred's
 * certificates as DER for the DTLS glue (sec_dtls.c).
 *
 * The key pair exists only on a device that supports certificates (sct has credtype 8, or the
 * mfgcert OTM is offered). It is made from the platform's generator when first needed (the first
 * GET /oic/sec/csr) and saved at once in the sealed store as its own blob (sec_store.c:
 * "devkey"), so it survives restarts; the RESET entry action drops it (Sec 8: "regenerate the
 * key pair": the next CSR has a new one). Making it lazily keeps device creation cheap (no EC
 * key generation for 1000 devices of one process, or per fuzz input). It never leaves the
 * device: it is not in cred at all. */
#include <string.h>

#include "base/log.h"
#include "device/sec.h"
#include "pki/cert.h"
#include "pki/key.h"
#include "svr/svr_util.h"

#define LOG_MODULE "device"

bool device_sec_supports_certs(const device_sec *s) {
  if (s->sct & OCF_CREDTYPE_CERT) return true;
  for (size_t i = 0; i < s->n_otms; i++)
    if (s->otms[i] == OCF_DEVICE_OTM_MFG_CERT) return true;
  return false;
}

static ocf_pki_rng rng_of(const ocf_device *d) { return (ocf_pki_rng){d->pf.random, d->pf.ctx}; }

void sec_key_clear(sec_models *m) {
  memset(m->devkey, 0, sizeof m->devkey);
  m->devkey_len = 0;
}

ocf_err sec_key_ensure(ocf_device *d) {
  sec_models *m = d->sec->cur;
  if (m->devkey_len) return OCF_OK;
  if (!device_sec_supports_certs(d->sec)) return OCF_ERR_STATE;
  ocf_pki_rng rng = rng_of(d);
  uint8_t pub[OCF_PKI_PUBKEY_MAX];
  size_t pub_len = 0, key_len = 0;
  ocf_err err =
      ocf_pki_keypair_generate(&rng, m->devkey, sizeof m->devkey, &key_len, pub, sizeof pub, &pub_len);
  if (err == OCF_OK) {
    m->devkey_len = (uint16_t)key_len;
    err = sec_store_save(d, m, SEC_BLOB_KEY); /* kept before any CSR shows it */
  }
  if (err != OCF_OK) {
    sec_key_clear(m);
    ocf_log(&d->pf, OCF_LOG_ERROR, LOG_MODULE, "no key pair could be made or kept: %s", ocf_strerror(err));
  }
  return err;
}

ocf_err sec_csr_build(ocf_device *d, ocf_svr_csr *out) {
  memset(out, 0, sizeof *out);
  ocf_err err = sec_key_ensure(d);
  if (err != OCF_OK) return err;
  const sec_models *m = d->sec->cur;
  ocf_pki_rng rng = rng_of(d);
  uint8_t der[OCF_PKI_CSR_MAX];
  size_t der_len = 0, pem_len = 0;
  char pem[OCF_SVR_CSR_MAX];
  /* Digest §2.7: built on every GET from the CURRENT deviceuuid (the DOTS may have changed it),
   * PEM as the schema says. */
  err = ocf_pki_csr_write(m->devkey, m->devkey_len, &m->doxm.deviceuuid, &rng, der, sizeof der, &der_len);
  if (err == OCF_OK) err = ocf_pki_pem_write("CERTIFICATE REQUEST", der, der_len, pem, sizeof pem, &pem_len);
  if (err == OCF_OK) err = ocf_svr_csr_set(out, OCF_CRED_ENC_PEM, (const uint8_t *)pem, pem_len);
  return err;
}

static ocf_err refuse_cert(ocf_svr_report *r, const char *why) {
  memset(r, 0, sizeof *r);
  r->kind = OCF_SVR_E_RANGE;
  memcpy(r->where, "creds", sizeof "creds");
  r->why = why;
  return OCF_ERR_RANGE;
}

static bool cert_entry(const ocf_svr_cred_entry *e) {
  return e->credtype == OCF_CREDTYPE_CERT &&
         (e->credusage == OCF_CRED_USAGE_CERT || e->credusage == OCF_CRED_USAGE_ROLECERT);
}

static bool has_key(const ocf_svr_cred_entry *e) { return e->has_private && e->private_len > 0; }

/* The leaf of e's publicdata: its public key and CN uuid. */
static ocf_err leaf_subject(const ocf_svr_cred_entry *e, uint8_t pub[OCF_PKI_PUBKEY_MAX], size_t *pub_len,
                            bool *has_uuid, ocf_uuid *uuid, ocf_svr_report *r) {
  if (!e->has_public || e->public_len == 0) return refuse_cert(r, "a certificate without publicdata");
  uint8_t buf[OCF_SVR_CRED_PUBLIC_MAX];
  ocf_bytes certs[OCF_SEC_CHAIN_MAX];
  size_t n = 0;
  if (ocf_pki_certs_der(e->public_data, e->public_len, buf, sizeof buf, certs, OCF_SEC_CHAIN_MAX, &n) !=
      OCF_OK)
    return refuse_cert(r, "publicdata is not a certificate chain");
  if (ocf_pki_cert_subject(certs[0].ptr, certs[0].len, pub, OCF_PKI_PUBKEY_MAX, pub_len, has_uuid, uuid) !=
      OCF_OK)
    return refuse_cert(r, "the certificate does not parse");
  return OCF_OK;
}

/* The leaf's key must be the one the entry's privatedata holds (PEM, or DER as raw bytes) or,
 * without privatedata, the device's own (digest §2.3), and its CN our deviceuuid. A key POSTed
 * with its certificate is what a CMS sends a device without /oic/sec/csr (digest §6.2 item 2,
 * ADR 0020); the device would otherwise keep a key it cannot use, or one that is not the
 * certificate's, and fail every handshake later instead of this POST now. */
static ocf_err check_cert(const ocf_device *d, const sec_models *next, const ocf_svr_cred_entry *e,
                          ocf_svr_report *r) {
  const sec_models *cur = d->sec->cur;
  uint8_t cert_pub[OCF_PKI_PUBKEY_MAX], own_pub[OCF_PKI_PUBKEY_MAX];
  size_t cert_pub_len = 0, own_pub_len = 0;
  bool has_uuid = false;
  ocf_uuid uuid;
  ocf_err err = leaf_subject(e, cert_pub, &cert_pub_len, &has_uuid, &uuid, r);
  if (err != OCF_OK) return err;
  ocf_pki_rng rng = rng_of(d);
  if (has_key(e)) {
    if (e->private_encoding != OCF_CRED_ENC_PEM && e->private_encoding != OCF_CRED_ENC_RAW)
      return refuse_cert(r, "the private key is neither PEM nor DER");
    err = ocf_pki_key_matches(e->private_data, e->private_len, cert_pub, cert_pub_len, &rng);
    if (err == OCF_ERR_CRYPTO) return refuse_cert(r, "the private key is not the certificate's");
    if (err != OCF_OK) return refuse_cert(r, "privatedata is not a P-256 private key");
  } else {
    if (cur->devkey_len == 0) return refuse_cert(r, "this device has no key pair for a certificate");
    if (ocf_pki_key_public(cur->devkey, cur->devkey_len, &rng, own_pub, sizeof own_pub, &own_pub_len) !=
        OCF_OK)
      return refuse_cert(r, "the certificate does not parse");
    if (cert_pub_len != own_pub_len || memcmp(cert_pub, own_pub, own_pub_len) != 0)
      return refuse_cert(r, "the certificate is not for this device's key");
  }
  if (!has_uuid || !ocf_uuid_equal(&uuid, &next->doxm.deviceuuid))
    return refuse_cert(r, "the certificate's CN is not uuid:<deviceuuid>");
  return OCF_OK;
}

ocf_err sec_cert_check_creds(ocf_device *d, const sec_models *next, ocf_svr_report *r) {
  const sec_models *cur = d->sec->cur;
  for (size_t i = 0; i < next->cred.n; i++) {
    const ocf_svr_cred_entry *e = &next->cred.e[i];
    if (!cert_entry(e)) continue;
    bool unchanged = false; /* entries already held were checked when they came */
    for (size_t j = 0; j < cur->cred.n && !unchanged; j++)
      unchanged = cur->cred.e[j].credid == e->credid && ocf_svr_cred_entry_same(&cur->cred.e[j], e);
    if (unchanged) continue;
    ocf_err err = check_cert(d, next, e, r);
    if (err != OCF_OK) {
      ocf_log(&d->pf, OCF_LOG_INFO, LOG_MODULE, "certificate refused: %s", r->why);
      return err;
    }
  }
  return OCF_OK;
}

/* --- role certificates a peer asserts (digest 2.8, 6.1) ------------------------------------- */

#define ROLE_ANCHORS_MAX 8u
#define ROLE_BUF 16384u /* DER of the asserted chain (first 4096) and of cred's anchors */

static bool held_before(const ocf_svr_roles *cur, const ocf_svr_cred_entry *e) {
  for (uint32_t i = 0; cur && i < cur->n; i++)
    if (cur->e[i].credid == e->credid) return true;
  return false;
}

ocf_err sec_cert_check_peer_chain(const ocf_device *d, const ocf_bytes *chain, size_t n_chain,
                                  const ocf_bytes *anchors, size_t n_anchors, ocf_cert_kind kind,
                                  ocf_cert_report *rep) {
  const device_sec *s = d->sec;
  int64_t utc = s->utc_now ? s->utc_now(s->event_user) : 0;
  ocf_err err = ocf_cert_check_chain(chain, n_chain, anchors, n_anchors, kind, utc, rep);
  if (err == OCF_ERR_DENIED && !s->utc_now &&
      (rep->failures & ~(uint32_t)(OCF_CERT_F_NOT_YET_VALID | OCF_CERT_F_EXPIRED)) == 0)
    err = OCF_OK; /* no wall clock: validity cannot be judged (ADR 0018) */
  return err;
}

static ocf_err check_role(ocf_device *d, const sec_peer *peer, ocf_svr_cred_entry *e, uint8_t *buf,
                          ocf_svr_report *r) {
  const device_sec *s = d->sec;
  ocf_bytes certs[OCF_SEC_CHAIN_MAX], anchors[ROLE_ANCHORS_MAX];
  size_t n = 0;
  if (ocf_pki_certs_der(e->public_data, e->public_len, buf, 4096, certs, OCF_SEC_CHAIN_MAX, &n) != OCF_OK)
    return refuse_cert(r, "publicdata is not a certificate chain");
  size_t n_anchors =
      sec_cert_anchors(s->cur, &peer->uuid, buf + 4096, ROLE_BUF - 4096, anchors, ROLE_ANCHORS_MAX);
  if (n_anchors == 0) return refuse_cert(r, "no trust anchor to check role certificates with");
  ocf_cert_report rep;
  ocf_err err = sec_cert_check_peer_chain(d, certs, n, anchors, n_anchors, OCF_CERT_KIND_ROLE, &rep);
  if (err == OCF_ERR_NO_MEMORY) return err;
  if (err != OCF_OK) return refuse_cert(r, ocf_cert_failure_str(rep.failures));
  if (sec_cert_crl_check(d, anchors, n_anchors, &certs[0]) != OCF_OK)
    return refuse_cert(r, "the role certificate is revoked");
  uint8_t pub[OCF_PKI_PUBKEY_MAX];
  size_t pub_len = 0;
  bool has_uuid = false;
  ocf_uuid uuid;
  if (ocf_pki_cert_subject(certs[0].ptr, certs[0].len, pub, sizeof pub, &pub_len, &has_uuid, &uuid) != OCF_OK)
    return refuse_cert(r, "the certificate does not parse");
  if (pub_len != peer->key_len || memcmp(pub, peer->key, pub_len) != 0)
    return refuse_cert(r, "the role certificate is not for this session's key");
  if (!has_uuid || !peer->has_uuid || !ocf_uuid_equal(&uuid, &peer->uuid))
    return refuse_cert(r, "the role certificate's CN is not the peer's uuid");
  char role[OCF_SVR_ROLE_MAX + 1], authority[OCF_SVR_AUTHORITY_MAX + 1];
  if (ocf_pki_cert_role(certs[0].ptr, certs[0].len, role, sizeof role, authority, sizeof authority) != OCF_OK)
    return refuse_cert(r, "no usable role in the certificate");
  if (strncmp(role, "oic.role.", 9) == 0 && strcmp(role, "oic.role.owner") != 0)
    return refuse_cert(r, "an oic.role.* role other than oic.role.owner");
  e->subject_any = false;
  e->subject = peer->uuid;
  e->has_roleid = true;
  memcpy(e->role, role, sizeof role);
  memcpy(e->authority, authority, sizeof authority);
  return OCF_OK;
}

ocf_err sec_cert_check_roles(ocf_device *d, const sec_peer *peer, const ocf_svr_roles *cur,
                             ocf_svr_roles *next, ocf_svr_report *r) {
  uint8_t *buf = d->pf.alloc(d->pf.ctx, ROLE_BUF);
  if (!buf) return OCF_ERR_NO_MEMORY;
  ocf_err err = OCF_OK;
  for (uint32_t i = 0; i < next->n && err == OCF_OK; i++)
    if (!held_before(cur, &next->e[i])) err = check_role(d, peer, &next->e[i], buf, r);
  d->pf.free(d->pf.ctx, buf);
  if (err != OCF_OK && err != OCF_ERR_NO_MEMORY) memcpy(r->where, "roles", sizeof "roles");
  if (err != OCF_OK && err != OCF_ERR_NO_MEMORY)
    ocf_log(&d->pf, OCF_LOG_INFO, LOG_MODULE, "role certificate refused: %s", r->why);
  return err;
}

/* --- cred's certificates as DER for a DTLS profile -------------------------------------------- */

size_t sec_cert_anchors(const sec_models *m, const ocf_uuid *peer, uint8_t *buf, size_t cap, ocf_bytes *out,
                        size_t max) {
  size_t n = 0, used = 0;
  for (size_t i = 0; i < m->cred.n && n < max; i++) {
    const ocf_svr_cred_entry *e = &m->cred.e[i];
    if (e->credusage != OCF_CRED_USAGE_TRUSTCA || !e->has_public || e->public_len == 0) continue;
    if (peer && !e->subject_any && !ocf_uuid_equal(&e->subject, peer)) continue;
    size_t got = 0;
    /* A PEM entry may hold more than one CA: each is an anchor. */
    if (ocf_pki_certs_der(e->public_data, e->public_len, buf + used, cap - used, out + n, max - n, &got) !=
        OCF_OK)
      continue;
    for (size_t k = 0; k < got; k++) used += out[n + k].len;
    n += got;
  }
  return n;
}

bool sec_cert_identity(const ocf_device *d, const sec_models *m, uint8_t *buf, size_t cap, ocf_bytes *chain,
                       size_t max, size_t *n, uint8_t *key_buf, size_t key_cap, ocf_bytes *key) {
  ocf_pki_rng rng = rng_of(d);
  for (size_t i = 0; i < m->cred.n; i++) {
    const ocf_svr_cred_entry *e = &m->cred.e[i];
    if (e->credtype != OCF_CREDTYPE_CERT || e->credusage != OCF_CRED_USAGE_CERT || !e->has_public ||
        e->public_len == 0)
      continue;
    bool own_key = has_key(e);
    if (!own_key && m->devkey_len == 0) continue;
    if (ocf_pki_certs_der(e->public_data, e->public_len, buf, cap, chain, max, n) != OCF_OK) continue;
    if (!own_key) {
      *key = (ocf_bytes){m->devkey, m->devkey_len};
      return true;
    }
    /* The entry's own key (checked at POST: check_cert), PEM or DER, as DER for the TLS library. */
    size_t len = 0;
    if ((e->private_encoding != OCF_CRED_ENC_PEM && e->private_encoding != OCF_CRED_ENC_RAW) ||
        ocf_pki_key_der(e->private_data, e->private_len, &rng, key_buf, key_cap, &len) != OCF_OK)
      continue;
    *key = (ocf_bytes){key_buf, len};
    return true;
  }
  return false;
}

/* Digest §6.7: the CRL the CMS provisioned, when it speaks for the peer's issuer. A CRL that does
 * not decode or verify is ignored (logged): only the owner writes /oic/sec/crl. */
ocf_err sec_cert_crl_check(const ocf_device *d, const ocf_bytes *anchors, size_t n, const ocf_bytes *leaf) {
  const ocf_svr_crl *crl = &d->sec->cur->crl;
  size_t len = strlen(crl->crldata);
  if (len == 0) return OCF_OK;
  uint8_t der[OCF_SVR_CRL_DATA_MAX];
  long n_der = svr_base64_decode((const uint8_t *)crl->crldata, len, der, sizeof der);
  bool applies = false;
  ocf_err err = n_der > 0 ? ocf_pki_crl_check(der, (size_t)n_der, anchors, n, leaf->ptr, leaf->len, &applies)
                          : OCF_ERR_MALFORMED;
  if (err == OCF_ERR_DENIED) {
    ocf_log(&d->pf, OCF_LOG_INFO, LOG_MODULE, "peer certificate revoked (CRL %lld)", (long long)crl->crlid);
    return err;
  }
  if (err != OCF_OK)
    ocf_log(&d->pf, OCF_LOG_WARN, LOG_MODULE, "stored CRL unusable (%s): not applied", ocf_strerror(err));
  return OCF_OK;
}
