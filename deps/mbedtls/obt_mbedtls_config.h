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

#endif
