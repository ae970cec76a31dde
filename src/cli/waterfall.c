/* --waterfall: minimal placeholder, replaced by the full renderer. */
#include "waterfall.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct cli_wf {
  int unused;
};

cli_wf_t *cli_wf_new(void)
{
  return calloc(1, sizeof(cli_wf_t));
}

void cli_wf_add(cli_wf_t *w, const afetch_result_t *r)
{
  (void)w;
  (void)r;
}

void cli_wf_run_end(cli_wf_t *w, const afetch_summary_t *s)
{
  (void)w;
  (void)s;
}

int cli_wf_write(cli_wf_t *w, const char *path)
{
  FILE *f;

  (void)w;
  f = fopen(path, "w");
  if (!f)
    return errno;
  fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" "
        "height=\"10\"/>\n",
        f);
  if (fclose(f) != 0)
    return errno ? errno : EIO;
  return 0;
}

void cli_wf_free(cli_wf_t *w)
{
  free(w);
}
