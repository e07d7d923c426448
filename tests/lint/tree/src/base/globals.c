/* Lint sample: mutable file-scope and function-scope state. */
#include <stdint.h>

int counter;
static int hits = 0;
static const char *names[] = {"a", "b"};
static void (*hook)(void);
struct point {
  int x, y;
} origin;
static uint8_t scratch[4 * 8];
unsigned long total = 0, other;

/* Fine: constant objects, types, declarations. */
static const int limit = 3;
static const char *const labels[] = {"a", "b"};
static const uint8_t table[2 * 4] = {1, 2};
static void (*const fixed_hook)(void) = 0;
typedef struct pair {
  int a, b;
} pair;
struct only_type {
  int z;
};
enum { FIRST = 1, SECOND = FIRST + 1 };
extern int defined_elsewhere;
int takes_callback(void (*cb)(int), int n);
static int helper(int v) __attribute__((unused));
_Static_assert(sizeof(int) >= 2, "int too small");

static int helper(int v) {
  static const uint8_t steps[] = {1, 2};
  static int calls;
  static const char *last;
  return v + steps[0] + calls + (last != 0) + limit + table[0] + (labels[0] != 0) + (fixed_hook != 0);
}
