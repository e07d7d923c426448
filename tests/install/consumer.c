/* A program outside the project, built against the installed libocf only. */
#include <ocf/ocf_obt.h>
#include <ocf/ocf_posix.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  ocf_platform pf;
  ocf_posix_platform_init(&pf, OCF_LOG_ERROR, false);
  ocf_obt *obt = NULL;
  ocf_err err = ocf_obt_create(&pf, NULL, &obt);
  ocf_obt_destroy(obt);
  ocf_uuid u;
  const char *text = "ce3eefde-b8e3-4c08-5674-c3702eb35028";
  if (err || ocf_uuid_parse(text, strlen(text), &u) != OCF_OK) return 1;
  printf("libocf consumer: %s\n", ocf_strerror(OCF_ERR_TIMEOUT));
  return 0;
}
