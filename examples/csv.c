/* A custom result callback: afetch results as CSV (RFC 4180 quoting),
 * reading the URL list from stdin. Usage: csv < urls.txt > out.csv */
#include <stdio.h>
#include <unistd.h>

#include "afetch.h"

static void field(const char *s)
{
  putchar('"');
  for (; s && *s; s++) {
    if (*s == '"')
      putchar('"');
    putchar(*s);
  }
  putchar('"');
}

static void on_result(const afetch_result_t *r, void *ud)
{
  (void)ud;
  printf("%llu,", (unsigned long long)r->line);
  field(r->url);
  printf(",%d,%.1f,%llu,", r->status, r->time_ms.total,
         (unsigned long long)r->bytes);
  field(r->title);
  putchar(',');
  field(r->error);
  putchar('\n');
}

int main(void)
{
  afetch_options_t o;
  afetch_options_init(&o);
  o.order_input = 1; /* rows in input order */
  afetch_callbacks_t cb = {.on_result = on_result};
  afetch_t *a;
  if (afetch_global_init() != 0 || afetch_new(&a, NULL, &o, &cb) != 0)
    return 1;
  afetch_add_input_fd(a, STDIN_FILENO, 0);
  printf("line,url,status,ms,bytes,title,error\n");
  int rc = afetch_run(a);
  afetch_free(a);
  afetch_global_cleanup();
  return rc == 0 ? 0 : 1;
}
