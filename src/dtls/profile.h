/* What each cipher suite asks for, and the checks a profile passes before a session uses it. */
#ifndef OCF_DTLS_PROFILE_H
#define OCF_DTLS_PROFILE_H

#include "dtls/session.h"

typedef enum ocf_dtls_suite_kind {
  OCF_DTLS_KIND_UNKNOWN = 0, /* not an OCF suite: never offered */
  OCF_DTLS_KIND_ANON,        /* ECDH_anon (0xFF00): no credentials */
  OCF_DTLS_KIND_PSK,         /* ECDHE_PSK */
  OCF_DTLS_KIND_ECDSA,       /* ECDHE_ECDSA */
} ocf_dtls_suite_kind;

ocf_dtls_suite_kind ocf_dtls_suite_kind_of(uint16_t suite);

typedef struct ocf_dtls_profile_needs {
  size_t n_available; /* suites of the profile this build implements */
  bool psk;           /* an available PSK suite is offered */
  bool ecdsa;         /* an available ECDHE-ECDSA suite is offered */
} ocf_dtls_profile_needs;

/* Checks that p can set up a session of this role. OCF_ERR_INVALID_ARG (no suites, too many,
 * oversized PSK/identity/hint, a PSK client without key or identity, an ECDSA server without
 * chain and key, verification without trust anchors), OCF_ERR_UNSUPPORTED (no available suite). */
OCF_NODISCARD ocf_err ocf_dtls_profile_check(const ocf_dtls_profile *p, bool is_server,
                                             ocf_dtls_profile_needs *needs);

#endif
