/* The terminal's size, for the obt command's live progress display (apps use no OS headers). */
#include <sys/ioctl.h>
#include <unistd.h>

#include <ocf/ocf_posix.h>

OCF_API bool ocf_posix_terminal_size(int fd, unsigned *cols, unsigned *rows) {
  struct winsize ws;
  if (!cols || !rows || !isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0 || ws.ws_row == 0)
    return false;
  *cols = ws.ws_col;
  *rows = ws.ws_row;
  return true;
}
