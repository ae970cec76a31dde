/* --plan: reads the inputs through the library's plan and prints it. */
#ifndef CLI_PLAN_H
#define CLI_PLAN_H

#include <stdio.h>

#include "args.h"

/* An input as main.c opened it: a file descriptor, or a URL argument
 * (fd -1). */
typedef struct {
  int fd;
  const char *url;
} cli_plan_input_t;

/* Reads every input to its end (closing the fds above stdin), prints the
 * plan on stdout (JSON with --json) and returns the exit status: 0, or 2
 * if an input could not be read. */
int cli_plan_run(const cli_args_t *c, const cli_plan_input_t *ins, int nins);

#endif
