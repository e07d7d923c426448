/* Lint sample: programs use the public API only. */
#include <ocf/ocf_types.h>
#include <stdio.h>
#include <unistd.h>
#include "cli.h"
#include "missing.h"
#include "base/buf.h"
#include <coap/coap.h>
#include <sqlite3.h>

int main(int argc, char **argv) { return cli_run(argc, argv); }
