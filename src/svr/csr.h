/* /oic/sec/csr, rt oic.r.csr: the device's certificate signing request (digest 2.7; SEC:csr).
 *
 * Read-only: a client only GETs it (any POST is 4.05). The device builds a fresh CSR (subject
 * CN=uuid:<deviceuuid>, its EC key) and stores it here with ocf_svr_csr_set; the model only
 * holds and encodes it. Only PEM is in the schema; plgd also reads DER as a byte string
 * (pitfall 23), which ocf_svr_csr_set accepts for devices that prefer it. */
#ifndef OCF_SVR_CSR_H
#define OCF_SVR_CSR_H

#include "svr/cred.h"

typedef struct ocf_svr_csr {
  uint8_t encoding; /* OCF_CRED_ENC_PEM (text) or OCF_CRED_ENC_DER (bytes); NONE = no CSR yet */
  uint16_t len;
  uint8_t data[OCF_SVR_CSR_MAX];
} ocf_svr_csr;

/* Replaces the CSR. OCF_ERR_INVALID_ARG (encoding neither PEM nor DER, data NULL with len > 0),
 * OCF_ERR_TOO_LARGE (len > OCF_SVR_CSR_MAX). */
OCF_NODISCARD ocf_err ocf_svr_csr_set(ocf_svr_csr *m, uint8_t encoding, const uint8_t *data, size_t len);

/* A client: METHOD (4.05). The store: "csr" and "encoding". */
OCF_NODISCARD ocf_err ocf_svr_csr_decode_update(const ocf_svr_csr *cur, const ocf_rep_node *payload,
                                                const ocf_svr_ctx *ctx, ocf_svr_csr *out, ocf_svr_report *r);

/* {"csr": ..., "encoding": ...}; nothing but the baseline when no CSR was set (the device then
 * answers 5.03 "not ready": SEC:csr). */
void ocf_svr_csr_encode(const ocf_svr_csr *m, unsigned flags, ocf_rep_enc *e);

#endif
