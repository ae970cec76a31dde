/* --host-log: what the run did to each host, one JSON object a line, in
 * the order the hosts first appeared, from afetch_host_stats. */
#include <errno.h>
#include <stdio.h>

#include "hostlog.h"

typedef struct {
  FILE *f;
  int run;
} hostlog_t;

/* A JSON string: host keys are ASCII (punycode, brackets, digits), but a
 * quote, backslash or control byte is escaped all the same. */
static void put_str(FILE *f, const char *s)
{
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(f, "\\%c", *p);
    else if (*p < 0x20 || *p == 0x7f)
      fprintf(f, "\\u%04x", *p);
    else
      fputc(*p, f);
  }
  fputc('"', f);
}

static void on_host(const afetch_host_t *h, void *ud)
{
  hostlog_t *l = ud;
  FILE *f = l->f;
  fputs("{\"host\":", f);
  put_str(f, h->host);
  fprintf(f,
          ",\"run\":%d,\"requests\":%llu,\"peak_in_flight\":%u,"
          "\"peak_starts_per_second\":%u,\"status_429\":%llu,"
          "\"status_503\":%llu,\"backoff_ms\":%.0f,\"robots\":",
          l->run, (unsigned long long)h->requests, h->peak_in_flight,
          h->peak_per_second, (unsigned long long)h->status_429,
          (unsigned long long)h->status_503, h->backoff_ms);
  put_str(f, h->robots);
  if (h->robots_status)
    fprintf(f, ",\"robots_status\":%d", h->robots_status);
  else
    fputs(",\"robots_status\":null", f);
  fprintf(f, ",\"crawl_delay_ms\":%.0f,\"skipped\":%llu,\"disallowed\":%llu}\n",
          h->crawl_delay_ms, (unsigned long long)h->skipped,
          (unsigned long long)h->disallowed);
}

int cli_hostlog_write(const afetch_t *a, const char *path, int run, int append)
{
  hostlog_t l = {fopen(path, append ? "a" : "w"), run};
  if (!l.f)
    return errno;
  int rc = afetch_host_stats(a, on_host, &l);
  int e = rc == AFETCH_ENOMEM ? ENOMEM : rc ? EINVAL : 0;
  if (ferror(l.f) && !e)
    e = EIO;
  if (fclose(l.f) != 0 && !e)
    e = errno;
  return e;
}
