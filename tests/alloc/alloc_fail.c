/* Allocation failure, as curl's torture tests do: a run over a small mixed
 * list with the Nth allocation failing (the library's own and libcurl's),
 * for every N until a run needs no more, must end cleanly each time: every
 * URL with one result, or an API error from afetch_new, an input call or
 * the run. A crash fails the test, and the sanitizer build finds leaks.
 * Usage: alloc_fail BASE_URL [MAX_N] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "afetch.h"
#include "alloc.h"

#define NLINES 7

typedef struct {
  int results;
  int seen[NLINES + 1];
  int dup;
} tally_t;

static void on_result(const afetch_result_t *r, void *ud)
{
  tally_t *t = ud;
  t->results++;
  if (r->line < 1 || r->line > NLINES || t->seen[r->line]++)
    t->dup = 1;
  if (!r->url || (r->error_kind != AFETCH_ERR_NONE && !r->error))
    t->dup = 1;
}

/* One run: 0 when it ended, else the API error (either is clean). */
static int run_once(const char *list, size_t len, tally_t *t)
{
  afetch_options_t o;
  afetch_options_init(&o);
  o.concurrency = 4;
  o.timeout = 5;
  afetch_callbacks_t cb = {.on_result = on_result, .ud = t};
  afetch_t *a = NULL;
  int rc = afetch_new(&a, NULL, &o, &cb);
  if (rc != 0)
    return rc;
  rc = afetch_add_url(a, list, len);
  if (rc == 0)
    rc = afetch_run(a);
  afetch_free(a);
  return rc;
}

int main(int argc, char **argv)
{
  if (argc < 2) {
    fprintf(stderr, "usage: alloc_fail BASE_URL [MAX_N]\n");
    return 2;
  }
  const char *base = argv[1];
  long max = argc > 2 ? atol(argv[2]) : 100000;
  char list[2048];
  int len = snprintf(list, sizeof(list),
                     "%s/page/a\n%s/status/404\nnot a url\n"
                     "http://127.0.0.1:1/\n%s/redirect/1\nftp://x/\n"
                     "%s/flaky/1/k\n",
                     base, base, base, base);
  if (af_test_alloc_hook_libs() != 0) {
    fprintf(stderr, "alloc_fail: libcurl would not start\n");
    return 1;
  }
  long n;
  int api_errors = 0;
  for (n = 1; n <= max; n++) {
    tally_t t;
    memset(&t, 0, sizeof(t));
    af_test_alloc_fail_at(n);
    int rc = run_once(list, (size_t)len, &t);
    int hit = af_test_alloc_failed();
    af_test_alloc_fail_at(0);
    if (t.dup) {
      fprintf(stderr,
              "FAIL alloc_fail: N=%ld: a line with two results or "
              "none of its fields\n",
              n);
      return 1;
    }
    if (rc == 0 && t.results != NLINES) {
      fprintf(stderr,
              "FAIL alloc_fail: N=%ld: the run ended with %d of %d "
              "results and no error\n",
              n, t.results, NLINES);
      return 1;
    }
    if (getenv("ALLOC_FAIL_VERBOSE"))
      fprintf(stderr, "N=%ld rc=%d results=%d hit=%d\n", n, rc, t.results, hit);
    api_errors += rc != 0;
    if (!hit)
      break; /* the whole run took fewer than n allocations */
  }
  if (n > max) {
    fprintf(stderr, "FAIL alloc_fail: still failing at N=%ld\n", max);
    return 1;
  }
  printf("ok: %ld failure points, each ended cleanly (%d with an API "
         "error)\n",
         n - 1, api_errors);
  afetch_global_cleanup();
  return 0;
}
