# Warnings and hardening for our own code (never applied to third-party targets).
add_library(ocf_flags INTERFACE)
target_compile_options(ocf_flags INTERFACE
  -Wall -Wextra -Wshadow -Wconversion -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes
  -Wvla -Wundef -Wcast-qual -Wimplicit-fallthrough
  # Not on tests (OCF_IS_TEST): cmocka's asserts do not tell the optimiser a pointer is non-null.
  $<$<NOT:$<BOOL:$<TARGET_PROPERTY:OCF_IS_TEST>>>:-Wnull-dereference>
  -fstack-protector-strong -fno-common
  $<$<BOOL:${OCF_WERROR}>:-Werror>)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|amd64|AMD64")
  target_compile_options(ocf_flags INTERFACE -fcf-protection)
endif()
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  target_compile_options(ocf_flags INTERFACE -fstack-clash-protection)
endif()
# _FORTIFY_SOURCE needs optimisation; without it glibc warns, which -Werror turns fatal.
if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug" AND NOT OCF_SANITIZE)
  target_compile_definitions(ocf_flags INTERFACE _FORTIFY_SOURCE=2)
endif()
target_link_options(ocf_flags INTERFACE -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack)

if(OCF_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_compile_options(${_san})
  add_link_options(-fsanitize=address,undefined)
endif()

if(OCF_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "OCF_FUZZ needs clang (libFuzzer): use the 'fuzz' preset")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
