/* --waterfall FILE.svg: every transfer as a bar on one time axis. */
#ifndef CLI_WATERFALL_H
#define CLI_WATERFALL_H

#include "afetch.h"

typedef struct cli_wf cli_wf_t;

cli_wf_t *cli_wf_new(void);
/* Records what the picture needs of r (copies; r is borrowed). */
void cli_wf_add(cli_wf_t *w, const afetch_result_t *r);
/* Records the end of a run (its wall time and mode). */
void cli_wf_run_end(cli_wf_t *w, const afetch_summary_t *s);
/* Writes the SVG. Returns 0 or an errno value. */
int cli_wf_write(cli_wf_t *w, const char *path);
void cli_wf_free(cli_wf_t *w);

#endif
