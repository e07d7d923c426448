/* UUID text form and generation. */
#ifndef OCF_BASE_UUID_H
#define OCF_BASE_UUID_H

#include <ocf/ocf_platform.h>
#include <ocf/ocf_types.h>

/* Text form, comparison: see <ocf/ocf_types.h>. */

/* A random (version 4, RFC 4122 variant) UUID from the platform's generator. */
OCF_NODISCARD ocf_err ocf_uuid_generate(const ocf_platform *pf, ocf_uuid *out);

#endif
