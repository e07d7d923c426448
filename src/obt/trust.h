/* The engine's side of the manufacturer trust anchors (<ocf/ocf_obt_trust.h>, trust.c): loading
 * them for an onboarding. */
#ifndef OCF_OBT_TRUST_INTERNAL_H
#define OCF_OBT_TRUST_INTERNAL_H

#include <ocf/ocf_obt_trust.h>

/* Reads every anchor of the domain into buf[0..OCF_OBT_TRUST_MAX) and anchors[0..*n) (pointing
 * into buf). OCF_ERR_IO, OCF_ERR_MALFORMED (a slot holds more than a certificate's bytes). */
OCF_NODISCARD ocf_err obt_trust_load(ocf_obt_store *s, uint8_t (*buf)[OCF_OBT_TRUST_CERT_MAX],
                                     ocf_bytes *anchors, size_t *n);

#endif
