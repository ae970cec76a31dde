/* The smallest afetch program: print the title of every URL given on the
 * command line. Build: cc titles.c $(pkg-config --cflags --libs afetch) */
#include <stdio.h>
#include <string.h>

#include "afetch.h"

static void on_result(const afetch_result_t *r, void *ud)
{
  (void)ud;
  printf("%d %s %s\n", r->status, r->url,
         r->error ? r->error : (r->title ? r->title : "-"));
}

int main(int argc, char **argv)
{
  afetch_options_t o;
  afetch_options_init(&o);
  afetch_callbacks_t cb = {.on_result = on_result};
  afetch_t *a;
  if (afetch_global_init() != 0 || afetch_new(&a, NULL, &o, &cb) != 0)
    return 1;
  for (int i = 1; i < argc; i++)
    afetch_add_url(a, argv[i], strlen(argv[i]));
  int rc = afetch_run(a);
  afetch_free(a);
  afetch_global_cleanup();
  return rc == 0 ? 0 : 1;
}
