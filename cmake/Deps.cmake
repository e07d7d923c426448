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
  # A rebuilt (e.g. newly patched) mbedTLS may answer the probes below differently.
  unset(OCF_MBEDTLS_HAS_DTLS_BASE CACHE)
  unset(OCF_MBEDTLS_HAS_ECDH_ANON CACHE)
  unset(OCF_MBEDTLS_HAS_PSK_HINT CACHE)
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

# Configure-time probes of what the mbedTLS we built can do.
include(CheckCSourceCompiles)
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
# Our patch (deps/patches/mbedtls). Suite 0xFF00 needs no switch in our code: src/dtls asks
# mbedTLS at run time whether it knows a suite; the probe only reports it. The PSK identity hint
# API is called from src/dtls/mbedtls when present: a server sends the configured hint, and the
# client's PSK callback (mbedtls_ssl_conf_psk_cb on a client config) receives the server's hint.
check_c_source_compiles("
#include <mbedtls/ssl.h>
#if !defined(MBEDTLS_KEY_EXCHANGE_ECDH_ANON_ENABLED)
#error no ECDH_anon
#endif
int main(void) { return 0; }" OCF_MBEDTLS_HAS_ECDH_ANON)
# Compile-only (the call is in sizeof, never linked): the declaration and its signature.
set(CMAKE_REQUIRED_FLAGS "-Werror=implicit-function-declaration")
check_c_source_compiles("
#include <mbedtls/ssl.h>
int main(void) {
  return (int)sizeof(mbedtls_ssl_conf_psk_hint((mbedtls_ssl_config *)0, (const unsigned char *)0, (size_t)0));
}" OCF_MBEDTLS_HAS_PSK_HINT)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_INCLUDES)
unset(CMAKE_REQUIRED_DEFINITIONS)
if(NOT OCF_MBEDTLS_HAS_DTLS_BASE)
  message(FATAL_ERROR "the mbedTLS in ${OCF_MBEDTLS_PREFIX} lacks DTLS 1.2 / ECDHE-PSK / "
    "ECDHE-ECDSA / CCM / HelloVerify / key export (see deps/mbedtls/obt_mbedtls_config.h)")
endif()

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
