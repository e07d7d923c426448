/* ocf-device --request: instead of serving, the device acts once as a client of another device
 * with its own stored credentials (ocf_device_client_request; digest 8.2): a pair-wise key or
 * its identity certificate, as a CMS provisioned them. It reads the peer's binary switch or
 * sets it, prints one line on stdout — "code C.DD auth psk|cert [value true|false]", or
 * "no session (why)" / "no answer (why)" — and returns the exit status. */
#ifndef OCF_DEVICE_APP_REQUEST_H
#define OCF_DEVICE_APP_REQUEST_H

#include <ocf/ocf_device.h>
#include <ocf/ocf_posix.h>

#define APP_REQUEST_REFUSED 3   /* the peer answered with an error code (4.xx, 5.xx) */
#define APP_REQUEST_NO_ANSWER 4 /* no session (refused or failed handshake) or no answer */

typedef struct app_request {
  ocf_endpoint to;             /* the peer's coaps endpoint */
  ocf_uuid peer;               /* its deviceuuid */
  ocf_device_client_cred cred; /* what to offer */
  const char *path;            /* its switch, "/switch" */
  ocf_method method;           /* GET, or POST {"value": value} */
  bool value;
} app_request;

/* "get", "on", "off" -> method and value. */
bool app_request_parse_action(const char *s, app_request *r);
/* "any", "psk", "cert". */
bool app_request_parse_cred(const char *s, ocf_device_client_cred *out);
/* Parses --to and --peer into r and checks r->path; NULL when fine, else why not. */
const char *app_request_check(app_request *r, const char *to, const char *peer);
/* Runs the request on dev (already created from its storage) over net; returns 0 (2.xx),
 * APP_REQUEST_REFUSED, APP_REQUEST_NO_ANSWER or 1 (the device cannot ask: not onboarded, no
 * credential for the peer, a runtime failure; a line on stderr says which). */
int app_request_run(const ocf_platform *pf, ocf_device *dev, ocf_posix_net *net, const app_request *r);

#endif
