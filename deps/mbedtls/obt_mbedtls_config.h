/* obt's adjustments on top of mbedTLS 3.6's default configuration (included after it through
 * MBEDTLS_USER_CONFIG_FILE). The default already has DTLS 1.2, HelloVerifyRequest cookies,
 * ECDHE-PSK, ECDHE-ECDSA, CCM/CCM-8, key export and the X.509 writer that OCF needs. */
#ifndef OBT_MBEDTLS_CONFIG_H
#define OBT_MBEDTLS_CONFIG_H

/* OCF runs DTLS 1.2 only; TLS 1.3 would pull in PSA crypto initialisation for nothing. */
#undef MBEDTLS_SSL_PROTO_TLS1_3

/* Devices keep no wall clock; certificate checks take the time from the caller. */
#undef MBEDTLS_HAVE_TIME_DATE

/* Our patch (deps/patches/mbedtls/): compile in the OCF Just Works suite
 * TLS_ECDH_ANON_WITH_AES_128_CBC_SHA256 (0xFF00). It stays out of the default suite list; only a
 * configuration that names it in mbedtls_ssl_conf_ciphersuites() offers or accepts it. */
#define MBEDTLS_KEY_EXCHANGE_ECDH_ANON_ENABLED

/* No clock read inside the library at all: without this, TLS 1.2 puts time() into the first
 * four bytes of the hello randoms (RFC 5246 7.4.1.2 does not require a correct clock), which
 * also makes handshakes irreproducible under a seeded generator. DTLS timers come from the
 * caller's `now` through mbedtls_ssl_set_timer_cb (src/dtls, ADR 0011). */
#undef MBEDTLS_HAVE_TIME

/* A ClientHello from the address of an established session is src/dtls's decision (RFC 6347
 * 4.2.8, with duplicate and replay checks in session_io.c); without this the library would
 * reset an established context itself on any such hello with a valid cookie. */
#undef MBEDTLS_SSL_DTLS_CLIENT_PORT_REUSE

/* mbedtls_calloc/mbedtls_free go through a pointer that defaults to libc's calloc and free, so
 * that the allocation-failure torture (tests/unit/test_torture.c, docs/HARDENING.md) can count
 * the library's own allocations and fail the Nth with mbedtls_platform_set_calloc_free. Only the
 * test calls it: the product never replaces the allocator (it would be process-wide state). */
#define MBEDTLS_PLATFORM_MEMORY

#endif
