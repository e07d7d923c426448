/* Lint sample: every banned call fires once; the look-alikes below it must not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void banned_calls(char *d, const char *s);
void banned_calls(char *d, const char *s) {
  sprintf(d, "%s", s);
  vsprintf(d, s, NULL);
  strcpy(d, s);
  strcat(d, s);
  strncpy(d, s, 3);
  gets(d);
  srand (1);
  (void)rand();
  (void)time(NULL);
  (void)atoi(s);
  (void)atol(s);
  (void)tmpnam(d);
  (void)alloca(8);
}

/* Not calls of banned functions: sprintf(d) strcpy(d, s) in a comment, */
// rand() in a line comment,
void look_alikes(char *d, const char *s, struct clock *c);
void look_alikes(char *d, const char *s, struct clock *c) {
  (void)snprintf(d, 4, "strcat(%s", s);
  (void)c->time(c);
  (void)c->rand;
  (void)ocf_time(c);
  (void)my_atoi(s);
  char q = '"';
  (void)q;
  const char *t = "gets(d) \" alloca(8)";
  (void)t;
}
