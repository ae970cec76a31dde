/* argv -> options for the command line tool. */
#ifndef CLI_ARGS_H
#define CLI_ARGS_H

#include "afetch.h"

typedef enum { COLOR_AUTO, COLOR_NEVER, COLOR_ALWAYS } cli_color_t;

typedef struct {
  afetch_options_t o;
  const char **headers; /* NULL-terminated, points into argv */
  int nheaders;
  const char **resolve; /* --resolve, NULL-terminated, points into argv */
  int nresolve;
  const char **inputs; /* file names, "-" for stdin, or URLs; into argv */
  int ninputs;
  int json;
  int quiet;
  int no_summary;
  int fail_http;
  int compare; /* --compare: a sequential run (o.mode), then a concurrent one */
  int plan;    /* --plan: print the list's shape, fetch nothing */
  int progress; /* -1 auto (stderr is a terminal), 0 off, 1 on */
  cli_color_t color;
  const char *waterfall;
  const char *output;      /* -o FILE: results there instead of stdout */
  const char *host_log;    /* --host-log FILE */
  const char *cacert_from; /* "--cacert" or the variable that set it */
  const char *capath_from;
  const char *resume; /* --resume FILE: skip its lines, append to it */
  uint64_t redo_mask; /* --redo KINDS: bit k, error kind k */
  int redo_set;
} cli_args_t;

/* Parses argv. Returns 0 to go on, 1 when --help or --version printed and
 * the program should exit 0, 2 on a usage error (message already on
 * stderr). */
int cli_args_parse(cli_args_t *c, int argc, char **argv);
void cli_args_free(cli_args_t *c);
void cli_usage(FILE *f);
void cli_usage_short(FILE *f);

#endif
