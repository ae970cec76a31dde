/* --waterfall FILE.svg: a picture of what the run did with its time. Up to
 * CLI_WF_ROWS transfers in all, every transfer is a bar on one time axis;
 * past that, transfers in flight over time and a latency histogram. */
#ifndef CLI_WATERFALL_H
#define CLI_WATERFALL_H

#include "afetch.h"

/* The most transfers (all runs together) drawn one row each. */
#define CLI_WF_ROWS 200

typedef struct cli_wf cli_wf_t;

/* o gives the limits drawn in the big view (concurrency, per_host); it is
 * read now, not kept. */
cli_wf_t *cli_wf_new(const afetch_options_t *o);
/* Records what the picture needs of r (copies; r is borrowed). */
void cli_wf_add(cli_wf_t *w, const afetch_result_t *r);
/* Records the end of a run (its wall time and mode). */
void cli_wf_run_end(cli_wf_t *w, const afetch_summary_t *s);
/* Writes the SVG. Returns 0 or an errno value. */
int cli_wf_write(cli_wf_t *w, const char *path);
void cli_wf_free(cli_wf_t *w);

#endif
