/* ocf-device --request: the device as a client of another device, once (request.h). */
#include "request.h"

#include <stdio.h>
#include <string.h>

#define REQUEST_TIMEOUT_MS 20000 /* handshake retransmissions and CoAP's (RFC 7252 4.8.2) fit */
#define CLOSE_FLUSH_MS 100       /* for the close_notify to leave */

typedef struct outcome {
  bool done;
  ocf_err err;
  ocf_status code;
  ocf_peer_auth auth;
  bool has_value, value;
} outcome;

static void on_result(void *user, ocf_device *d, const ocf_device_client_result *r) {
  outcome *o = user;
  (void)d;
  o->done = true;
  o->err = r->err;
  o->code = r->code;
  o->auth = r->auth;
  o->has_value = ocf_rep_get_bool(ocf_rep_map_value(r->body, "value"), &o->value) == OCF_OK;
}

static bool finished(void *user) { return ((const outcome *)user)->done; }
static bool never(void *user) {
  (void)user;
  return false;
}

bool app_request_parse_action(const char *s, app_request *r) {
  if (strcmp(s, "get") == 0) {
    r->method = OCF_METHOD_GET;
  } else if (strcmp(s, "on") == 0 || strcmp(s, "off") == 0) {
    r->method = OCF_METHOD_POST;
    r->value = s[1] == 'n';
  } else {
    return false;
  }
  return true;
}

bool app_request_parse_cred(const char *s, ocf_device_client_cred *out) {
  static const char *const names[] = {"any", "psk", "cert"};
  for (int i = 0; i < 3; i++) {
    if (strcmp(s, names[i]) == 0) {
      *out = (ocf_device_client_cred)i;
      return true;
    }
  }
  return false;
}

const char *app_request_check(app_request *r, const char *to, const char *peer) {
  if (!to || !peer) return "--request needs --to and --peer";
  if (ocf_endpoint_parse(to, &r->to) != OCF_OK || !(r->to.flags & OCF_EP_SECURE))
    return "--to must be coaps://[ADDR]:PORT or coaps://ADDR:PORT";
  if (ocf_uuid_parse(peer, strlen(peer), &r->peer) != OCF_OK) return "--peer must be a uuid";
  return r->path[0] == '/' ? NULL : "--path must start with /";
}

static const char *auth_name(ocf_peer_auth a) {
  return a == OCF_PEER_AUTH_PSK ? "psk" : a == OCF_PEER_AUTH_CERT ? "cert" : "none";
}

int app_request_run(const ocf_platform *pf, ocf_device *dev, ocf_posix_net *net, const app_request *r) {
  ocf_posix_loop *loop = NULL;
  ocf_err err = ocf_posix_loop_create(pf, &loop);
  ocf_engine engine = ocf_device_engine(dev);
  if (err == OCF_OK) err = ocf_posix_loop_add_engine(loop, &engine, net);
  if (err != OCF_OK) {
    fprintf(stderr, "ocf-device: setting up the loop: %s\n", ocf_strerror(err));
    ocf_posix_loop_destroy(loop);
    return 1;
  }
  /* {"value": bool} of oic.r.switch.binary, in CBOR: map(1), text(5) "value", true/false. */
  uint8_t body[] = {0xa1, 0x65, 'v', 'a', 'l', 'u', 'e', r->value ? 0xf5 : 0xf4};
  ocf_device_client_params p = {.to = r->to,
                                .peer = r->peer,
                                .cred = r->cred,
                                .method = r->method,
                                .href = r->path,
                                .body = r->method == OCF_METHOD_POST ? body : NULL,
                                .body_len = r->method == OCF_METHOD_POST ? sizeof body : 0};
  outcome o = {0};
  int rc = APP_REQUEST_NO_ANSWER;
  err = ocf_device_client_request(dev, &p, ocf_posix_now(), on_result, &o);
  if (err == OCF_ERR_STATE) {
    fprintf(stderr, "ocf-device: --request: the device is not onboarded (RFPRO or RFNOP needed)\n");
    rc = 1;
  } else if (err == OCF_ERR_NOT_FOUND) {
    fprintf(stderr, "ocf-device: --request: the device holds no %s for that peer\n",
            r->cred == OCF_DEVICE_CLIENT_CRED_PSK    ? "pair-wise key"
            : r->cred == OCF_DEVICE_CLIENT_CRED_CERT ? "identity certificate and trust anchor"
                                                     : "credential");
    rc = 1;
  } else if (err != OCF_OK) {
    printf("no session (%s)\n", ocf_strerror(err));
  } else {
    err = ocf_posix_loop_run(loop, ocf_posix_now() + REQUEST_TIMEOUT_MS, finished, &o);
    if (err != OCF_OK) {
      fprintf(stderr, "ocf-device: event loop: %s\n", ocf_strerror(err));
      rc = 1;
    } else if (!o.done || o.err != OCF_OK) {
      bool no_session = !o.done || o.auth == OCF_PEER_AUTH_NONE || o.err == OCF_ERR_DENIED;
      printf("%s (%s)\n", no_session && o.done ? "no session" : "no answer",
             ocf_strerror(o.done ? o.err : OCF_ERR_TIMEOUT));
    } else {
      printf("code %u.%02u auth %s", (unsigned)o.code >> 5, (unsigned)o.code & 31u, auth_name(o.auth));
      if (o.has_value) printf(" value %s", o.value ? "true" : "false");
      printf("\n");
      rc = ((unsigned)o.code >> 5) == 2 ? 0 : APP_REQUEST_REFUSED;
    }
    if (ocf_device_client_close(dev, &r->to, ocf_posix_now()) == OCF_OK) {
      ocf_err flushed = ocf_posix_loop_run(loop, ocf_posix_now() + CLOSE_FLUSH_MS, never, NULL);
      (void)flushed; /* the deadline ends it */
    }
  }
  ocf_posix_loop_destroy(loop);
  return rc;
}
