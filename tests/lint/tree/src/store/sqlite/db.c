/* Lint sample: SQLite only here. */
#include <sqlite3.h>
#include "store/store.h"
