/* Lint sample: tests may keep state and include internals, but banned calls still fire. */
#include <arpa/inet.h>
#include <cbor.h>
#include "msg/msg.h"

static int calls;

int test_helper(char *d, const char *s);
int test_helper(char *d, const char *s) {
  static int more;
  strcpy(d, s);
  return ++calls + ++more;
}
