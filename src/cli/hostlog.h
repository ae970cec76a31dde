/* --host-log FILE: one JSON line per host at the end of a run. */
#ifndef CLI_HOSTLOG_H
#define CLI_HOSTLOG_H

#include "afetch.h"

/* Writes a's hosts to path (emptied first unless append: --compare's
 * second run adds its own lines, each with its "run"). 0, or an errno. */
int cli_hostlog_write(const afetch_t *a, const char *path, int run, int append);

#endif
