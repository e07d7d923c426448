/* UUID text form and generation. */
#ifndef OCF_BASE_UUID_H
#define OCF_BASE_UUID_H

#include <ocf/ocf_platform.h>
#include <ocf/ocf_types.h>

/* Parses the 8-4-4-4-12 hex form, any case. Accepts len 36, or 37 when the last byte is NUL
 * (IoTivity-Lite sends subject uuids with a trailing NUL: digest §10 pitfall 2). Version and
 * variant bits are not checked (IoTivity-Lite sets non-RFC variant bits: pitfall 3).
 * Returns OCF_OK or OCF_ERR_MALFORMED. */
OCF_NODISCARD ocf_err ocf_uuid_parse(const char *text, size_t len, ocf_uuid *out);

/* Writes the lower-case text form and a NUL into out. */
void ocf_uuid_format(const ocf_uuid *u, char out[OCF_UUID_STR_LEN]);

bool ocf_uuid_is_nil(const ocf_uuid *u);
bool ocf_uuid_equal(const ocf_uuid *a, const ocf_uuid *b);

/* A random (version 4, RFC 4122 variant) UUID from the platform's generator. */
OCF_NODISCARD ocf_err ocf_uuid_generate(const ocf_platform *pf, ocf_uuid *out);

#endif
