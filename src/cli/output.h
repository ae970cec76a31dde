/* What the command line prints: result lines (text or JSON Lines) on
 * stdout, summary and progress on stderr. */
#ifndef CLI_OUTPUT_H
#define CLI_OUTPUT_H

#include <stdio.h>

#include "afetch.h"
#include "args.h"
#include "resume.h"

/* One run's results by outcome: ok is 2xx/3xx, failed has no response. */
/* Error kinds counted for the summary (afetch_errkind_t is smaller). */
#define CLI_KINDS 32

typedef struct {
  uint64_t ok, http4, http5, failed, cancelled;
  uint64_t by_kind[CLI_KINDS]; /* failed, by error_kind */
} cli_tally_t;

typedef struct {
  FILE *out;
  const cli_args_t *args;
  int color;               /* colour on stdout */
  int progress;            /* progress line on stderr */
  int progress_live;       /* a progress line is on screen now */
  int same_screen;         /* stdout and stderr are both the terminal */
  char last_progress[512]; /* redrawn after result lines erased it */
  int write_error;         /* errno of the first failed write to stdout */
  char *buf;               /* JSON line buffer */
  size_t cap;
  uint64_t failed, http_errors; /* over all runs, for the exit status */
  cli_tally_t tally[2];         /* per run, for its summary */
  double wall[2];
  int runs;
  /* --resume: each JSON line goes to stdout in one write(2), with no
   * stdio buffer holding several, so a kill loses at most that line. */
  const cli_resume_t *resume;
  void (*on_result_hook)(const afetch_result_t *r, void *ud);
  void *hook_ud;
} cli_out_t;

void cli_out_init(cli_out_t *o, const cli_args_t *args);
void cli_out_free(cli_out_t *o);
void cli_out_result(cli_out_t *o, const afetch_result_t *r);
void cli_out_summary(cli_out_t *o, const afetch_summary_t *s);
void cli_out_progress(cli_out_t *o, const afetch_progress_t *p);
/* Flushes stdout; records a write error. */
void cli_out_flush(cli_out_t *o);
void cli_out_clear_progress(cli_out_t *o);
/* Puts the last progress line back after result lines erased it. */
void cli_out_redraw_progress(cli_out_t *o);

#endif
