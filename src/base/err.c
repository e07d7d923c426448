#include <ocf/ocf_types.h>

OCF_API const char *ocf_strerror(int err) {
  switch ((ocf_err)err) {
  case OCF_OK: return "success";
  case OCF_ERR_INVALID_ARG: return "invalid argument";
  case OCF_ERR_NO_MEMORY: return "out of memory";
  case OCF_ERR_TRUNCATED: return "input truncated";
  case OCF_ERR_MALFORMED: return "malformed input";
  case OCF_ERR_TOO_LARGE: return "too large";
  case OCF_ERR_NO_SPACE: return "output buffer too small";
  case OCF_ERR_UNSUPPORTED: return "unsupported";
  case OCF_ERR_NOT_FOUND: return "not found";
  case OCF_ERR_TYPE: return "wrong type";
  case OCF_ERR_RANGE: return "value out of range";
  case OCF_ERR_STATE: return "not allowed in the current state";
  case OCF_ERR_BUSY: return "busy";
  case OCF_ERR_TIMEOUT: return "timed out";
  case OCF_ERR_DENIED: return "access denied";
  case OCF_ERR_IO: return "I/O error";
  case OCF_ERR_CRYPTO: return "cryptographic failure";
  case OCF_ERR_RESET: return "reset by peer";
  }
  return "unknown error";
}
