# Third-party code: fetched from Debian's source archive by deps/install (pinned in
# deps/versions), patched with deps/patches/<name>/*.patch, built here as static PIC
# libraries with our configuration. Nothing third-party is committed to this repository.
set(OCF_DEPS_DIR "${CMAKE_BINARY_DIR}/_deps")
execute_process(
  COMMAND "${PROJECT_SOURCE_DIR}/deps/install" --sources "${OCF_DEPS_DIR}"
  RESULT_VARIABLE _deps_rc)
if(NOT _deps_rc EQUAL 0)
  message(FATAL_ERROR "deps/install --sources failed (see the message above)")
endif()

# --- mbedTLS: built at configure time so that capability probes can run against it.
set(_mbed_src "${OCF_DEPS_DIR}/mbedtls-src")
set(_mbed_bld "${OCF_DEPS_DIR}/mbedtls-build")
set(OCF_MBEDTLS_PREFIX "${OCF_DEPS_DIR}/mbedtls-install")
set(_mbed_cfg "${PROJECT_SOURCE_DIR}/deps/mbedtls/obt_mbedtls_config.h")
file(READ "${_mbed_src}/.obt-stamp" _mbed_src_stamp)
file(SHA256 "${_mbed_cfg}" _mbed_cfg_sha)
set(_mbed_want "${_mbed_src_stamp}|${_mbed_cfg_sha}|${CMAKE_C_COMPILER}|${CMAKE_C_COMPILER_VERSION}")
set(_mbed_have "")
if(EXISTS "${OCF_MBEDTLS_PREFIX}/.obt-stamp")
  file(READ "${OCF_MBEDTLS_PREFIX}/.obt-stamp" _mbed_have)
endif()
if(NOT _mbed_have STREQUAL _mbed_want)
  message(STATUS "Building mbedTLS (once per build tree)")
  file(REMOVE_RECURSE "${_mbed_bld}" "${OCF_MBEDTLS_PREFIX}")
  execute_process(
    COMMAND "${CMAKE_COMMAND}" -S "${_mbed_src}" -B "${_mbed_bld}" -G "${CMAKE_GENERATOR}"
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER}
      -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DENABLE_PROGRAMS=OFF -DENABLE_TESTING=OFF
      -DMBEDTLS_FATAL_WARNINGS=OFF -DUSE_SHARED_MBEDTLS_LIBRARY=OFF
      -DMBEDTLS_USER_CONFIG_FILE=${_mbed_cfg}
      -DCMAKE_INSTALL_PREFIX=${OCF_MBEDTLS_PREFIX} -DCMAKE_INSTALL_LIBDIR=lib
    OUTPUT_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0)
    include(ProcessorCount)
    ProcessorCount(_ncpu)
    execute_process(
      COMMAND "${CMAKE_COMMAND}" --build "${_mbed_bld}" --target install --parallel ${_ncpu}
      OUTPUT_QUIET RESULT_VARIABLE _rc)
  endif()
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "mbedTLS build failed in ${_mbed_bld}")
  endif()
  file(WRITE "${OCF_MBEDTLS_PREFIX}/.obt-stamp" "${_mbed_want}")
endif()

foreach(_lib mbedcrypto mbedx509 mbedtls)
  add_library(ocf_dep_${_lib} STATIC IMPORTED GLOBAL)
  set_target_properties(ocf_dep_${_lib} PROPERTIES
    IMPORTED_LOCATION "${OCF_MBEDTLS_PREFIX}/lib/lib${_lib}.a")
  target_include_directories(ocf_dep_${_lib} SYSTEM INTERFACE "${OCF_MBEDTLS_PREFIX}/include")
  target_compile_definitions(ocf_dep_${_lib} INTERFACE "MBEDTLS_USER_CONFIG_FILE=\"${_mbed_cfg}\"")
endforeach()
set_property(TARGET ocf_dep_mbedx509 APPEND PROPERTY INTERFACE_LINK_LIBRARIES ocf_dep_mbedcrypto)
set_property(TARGET ocf_dep_mbedtls APPEND PROPERTY INTERFACE_LINK_LIBRARIES ocf_dep_mbedx509)

# Configure-time probes of what the mbedTLS we built can do. Their cached results are dropped
# whenever mbedTLS was built from other sources, patches, configuration or compiler.
string(SHA256 _mbed_want_sha "${_mbed_want}")
if(NOT "${OCF_MBEDTLS_PROBED}" STREQUAL "${_mbed_want_sha}")
  unset(OCF_MBEDTLS_HAS_DTLS_BASE CACHE)
  unset(OCF_MBEDTLS_HAS_ANON_ECDH CACHE)
  unset(OCF_MBEDTLS_HAS_PSK_HINT CACHE)
endif()
include(CheckCSourceCompiles)
include(CheckCSourceRuns)
set(CMAKE_REQUIRED_INCLUDES "${OCF_MBEDTLS_PREFIX}/include")
set(CMAKE_REQUIRED_DEFINITIONS "-DMBEDTLS_USER_CONFIG_FILE=\"${_mbed_cfg}\"")
check_c_source_compiles("
#include <mbedtls/build_info.h>
#if MBEDTLS_VERSION_NUMBER < 0x03060000 || MBEDTLS_VERSION_NUMBER >= 0x03070000
#error need mbedTLS 3.6.x
#endif
#if !defined(MBEDTLS_SSL_PROTO_DTLS) || !defined(MBEDTLS_KEY_EXCHANGE_ECDHE_PSK_ENABLED) \\
 || !defined(MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED) || !defined(MBEDTLS_CCM_C) \\
 || !defined(MBEDTLS_SSL_DTLS_HELLO_VERIFY) || !defined(MBEDTLS_SSL_EXPORT_KEYS)
#error missing DTLS capability
#endif
int main(void) { return 0; }" OCF_MBEDTLS_HAS_DTLS_BASE)
if(NOT OCF_MBEDTLS_HAS_DTLS_BASE)
  message(FATAL_ERROR "the mbedTLS in ${OCF_MBEDTLS_PREFIX} lacks DTLS 1.2 / ECDHE-PSK / "
    "ECDHE-ECDSA / CCM / HelloVerify / key export (see deps/mbedtls/obt_mbedtls_config.h)")
endif()

# Our patch (deps/patches/mbedtls/, docs/decisions/0009-mbedtls-patch.md), probed by running
# against the built libraries: the OCF Just Works suite 0xFF00 is compiled in and stays out of
# the default list; the PSK identity hint API exists and bounds its input.
set(CMAKE_REQUIRED_LIBRARIES "${OCF_MBEDTLS_PREFIX}/lib/libmbedtls.a"
  "${OCF_MBEDTLS_PREFIX}/lib/libmbedx509.a" "${OCF_MBEDTLS_PREFIX}/lib/libmbedcrypto.a")
check_c_source_runs("
#include <mbedtls/ssl.h>
#include <string.h>
#if !defined(MBEDTLS_KEY_EXCHANGE_ECDH_ANON_ENABLED)
#error the anonymous ECDH suite is not compiled in
#endif
#if MBEDTLS_TLS_ECDH_ANON_WITH_AES_128_CBC_SHA256 != 0xFF00
#error the anonymous ECDH suite has another id
#endif
int main(void) {
  const int *ids = mbedtls_ssl_list_ciphersuites();
  for (; *ids != 0; ids++) if (*ids == 0xFF00) return 1;
  return strcmp(mbedtls_ssl_get_ciphersuite_name(0xFF00),
                \"TLS-ECDH-ANON-WITH-AES-128-CBC-SHA256\") != 0;
}" OCF_MBEDTLS_HAS_ANON_ECDH)
check_c_source_runs("
#include <mbedtls/ssl.h>
static int hint_cb(void *p, mbedtls_ssl_context *ssl, const unsigned char *h, size_t n) {
  (void) p; (void) ssl; (void) h; return (int) n;
}
int main(void) {
  static const unsigned char hint[17] = \"oic.sec.doxm.rdp:\";
  mbedtls_ssl_config conf;
  mbedtls_ssl_config_init(&conf);
  mbedtls_ssl_conf_psk_hint_cb(&conf, hint_cb, 0);
  int ok = mbedtls_ssl_conf_psk_identity_hint(&conf, hint, sizeof hint) == 0 &&
           mbedtls_ssl_conf_psk_identity_hint(&conf, hint, 65536) == MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
  mbedtls_ssl_config_free(&conf);
  return !ok;
}" OCF_MBEDTLS_HAS_PSK_HINT)
unset(CMAKE_REQUIRED_INCLUDES)
unset(CMAKE_REQUIRED_DEFINITIONS)
unset(CMAKE_REQUIRED_LIBRARIES)
if(NOT OCF_MBEDTLS_HAS_ANON_ECDH)
  message(FATAL_ERROR "the mbedTLS in ${OCF_MBEDTLS_PREFIX} lacks the OCF Just Works suite "
    "TLS_ECDH_ANON_WITH_AES_128_CBC_SHA256 (0xFF00) or offers it by default: is "
    "deps/patches/mbedtls/0001-ocf-anon-ecdh-and-psk-hint.patch applied and "
    "MBEDTLS_KEY_EXCHANGE_ECDH_ANON_ENABLED set in deps/mbedtls/obt_mbedtls_config.h?")
endif()
if(NOT OCF_MBEDTLS_HAS_PSK_HINT)
  message(FATAL_ERROR "the mbedTLS in ${OCF_MBEDTLS_PREFIX} lacks the PSK identity hint API "
    "(mbedtls_ssl_conf_psk_identity_hint, mbedtls_ssl_conf_psk_hint_cb): is "
    "deps/patches/mbedtls/0001-ocf-anon-ecdh-and-psk-hint.patch applied?")
endif()
set(OCF_MBEDTLS_PROBED "${_mbed_want_sha}" CACHE INTERNAL "mbedTLS build the probes ran against")
target_compile_definitions(ocf_dep_mbedtls INTERFACE OCF_MBEDTLS_HAS_ANON_ECDH=1
  OCF_MBEDTLS_HAS_PSK_HINT=1)

# --- tinycbor: a handful of C files; compiled as our own static target, warnings off
# (third-party code), position independent so it can go into libocf.so.
set(_cbor_src "${OCF_DEPS_DIR}/tinycbor-src/src")
add_library(ocf_dep_tinycbor STATIC
  ${_cbor_src}/cborencoder.c ${_cbor_src}/cborencoder_close_container_checked.c
  ${_cbor_src}/cborerrorstrings.c ${_cbor_src}/cborparser.c
  ${_cbor_src}/cborparser_dup_string.c ${_cbor_src}/cborvalidation.c)
set_target_properties(ocf_dep_tinycbor PROPERTIES POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)
target_include_directories(ocf_dep_tinycbor SYSTEM PUBLIC "${_cbor_src}")
target_compile_options(ocf_dep_tinycbor PRIVATE -w)
