/* Lint sample: the platform may hold state and use the OS. */
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include "base/buf.h"

static int wakeup_fd = -1;
int platform_counter;

int platform_next(void);
int platform_next(void) {
  static int calls;
  return ++calls + wakeup_fd + platform_counter;
}
