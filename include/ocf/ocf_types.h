/* Basic public types of libocf: error codes, UUIDs, byte slices.
 * Every fallible libocf function returns an ocf_err: OCF_OK (0) or a negative code below. */
#ifndef OCF_TYPES_H
#define OCF_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define OCF_API __attribute__((visibility("default")))
#define OCF_NODISCARD __attribute__((warn_unused_result))

typedef enum ocf_err {
  OCF_OK = 0,
  OCF_ERR_INVALID_ARG = -1, /* the caller passed something the contract forbids */
  OCF_ERR_NO_MEMORY = -2,   /* an allocation failed or a fixed pool is full */
  OCF_ERR_TRUNCATED = -3,   /* input ended before the structure it announced */
  OCF_ERR_MALFORMED = -4,   /* input violates its format */
  OCF_ERR_TOO_LARGE = -5,   /* input or output exceeds a configured cap */
  OCF_ERR_NO_SPACE = -6,    /* the caller's output buffer is too small */
  OCF_ERR_UNSUPPORTED = -7, /* valid, but not something we implement */
  OCF_ERR_NOT_FOUND = -8,   /* no such resource, entry, option or peer */
  OCF_ERR_TYPE = -9,        /* a value has the wrong type */
  OCF_ERR_RANGE = -10,      /* a value is outside its allowed range */
  OCF_ERR_STATE = -11,      /* not allowed in the current state */
  OCF_ERR_BUSY = -12,       /* a limit on concurrent work is reached; retry later */
  OCF_ERR_TIMEOUT = -13,    /* the peer did not answer in time */
  OCF_ERR_DENIED = -14,     /* access control refused the operation */
  OCF_ERR_IO = -15,         /* an operating-system call failed */
  OCF_ERR_CRYPTO = -16,     /* a cryptographic operation or check failed */
  OCF_ERR_RESET = -17,      /* the peer reset (RST) or closed the exchange */
} ocf_err;

/* A static English description of err; never NULL. */
OCF_API const char *ocf_strerror(int err);

/* A UUID as its 16 raw bytes (the form used on the DTLS wire and in key derivations). */
typedef struct ocf_uuid {
  uint8_t b[16];
} ocf_uuid;

/* Text form: 36 characters 8-4-4-4-12, plus the terminating NUL. */
#define OCF_UUID_STR_LEN 37

/* Parses the 8-4-4-4-12 hex form, any case. Accepts len 36, or 37 when the last byte is NUL
 * (IoTivity-Lite sends subject uuids with a trailing NUL: digest §10 pitfall 2). Version and
 * variant bits are not checked (IoTivity-Lite sets non-RFC variant bits: pitfall 3).
 * Returns OCF_OK or OCF_ERR_MALFORMED. */
OCF_API OCF_NODISCARD ocf_err ocf_uuid_parse(const char *text, size_t len, ocf_uuid *out);

/* Writes the lower-case text form and a NUL into out. */
OCF_API void ocf_uuid_format(const ocf_uuid *u, char out[OCF_UUID_STR_LEN]);

OCF_API bool ocf_uuid_is_nil(const ocf_uuid *u);
OCF_API bool ocf_uuid_equal(const ocf_uuid *a, const ocf_uuid *b);

/* A read-only byte slice. */
typedef struct ocf_bytes {
  const uint8_t *ptr;
  size_t len;
} ocf_bytes;

#ifdef __cplusplus
}
#endif
#endif
