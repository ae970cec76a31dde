/* Results as JSON Lines on stdout, then each run's summary as one JSON
 * object on stderr: what a monitoring job feeds to its dashboard, with
 * what held the run back (limit_held, limit_wait_ms) and, after Ctrl-C,
 * how many URLs were cancelled and whether input was left unread.
 * Usage: summary [-c N] [--per-host N] [--rate N] [--order input]
 *                [--sequential] < urls.txt */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afetch.h"

static afetch_t *engine;

static void on_sigint(int sig)
{
  (void)sig;
  afetch_stop(engine); /* async-signal-safe */
}

static void on_result(const afetch_result_t *r, void *ud)
{
  char line[8192];
  (void)ud;
  size_t n = afetch_result_json(r, line, sizeof(line));
  if (n < sizeof(line))
    printf("%s\n", line);
}

static void on_run_end(const afetch_summary_t *s, void *ud)
{
  static const char *const limit[AFETCH_LIMIT_COUNT] = {
      [AFETCH_LIMIT_CONCURRENCY] = "concurrency",
      [AFETCH_LIMIT_PER_HOST] = "per_host",
      [AFETCH_LIMIT_RATE] = "rate",
      [AFETCH_LIMIT_PARSE] = "parse",
  };
  (void)ud;
  fflush(stdout);
  fprintf(stderr,
          "{\"run\":%d,\"urls\":%llu,\"succeeded\":%llu,\"failed\":%llu,"
          "\"cancelled\":%llu,\"interrupted\":%d,\"input_unread\":%d,"
          "\"wall_ms\":%.1f,\"limits\":{",
          s->run, (unsigned long long)s->urls, (unsigned long long)s->succeeded,
          (unsigned long long)s->failed, (unsigned long long)s->cancelled,
          s->interrupted, s->input_unread, s->wall_ms);
  for (int i = 0; i < AFETCH_LIMIT_COUNT; i++)
    fprintf(stderr, "%s\"%s\":{\"held\":%llu,\"wait_ms\":%.1f}", i ? "," : "",
            limit[i], (unsigned long long)s->limit_held[i],
            s->limit_wait_ms[i]);
  fprintf(stderr, "}}\n");
}

int main(int argc, char **argv)
{
  afetch_options_t o;
  afetch_options_init(&o);
  for (int i = 1; i < argc; i++) {
    const char *v = i + 1 < argc ? argv[i + 1] : "";
    if (strcmp(argv[i], "-c") == 0 && *v)
      o.concurrency = (unsigned)atoi(argv[++i]);
    else if (strcmp(argv[i], "--per-host") == 0 && *v)
      o.per_host = (unsigned)atoi(argv[++i]);
    else if (strcmp(argv[i], "--rate") == 0 && *v)
      o.rate = atof(argv[++i]);
    else if (strcmp(argv[i], "--order") == 0 && strcmp(v, "input") == 0)
      o.order_input = 1, i++;
    else if (strcmp(argv[i], "--sequential") == 0)
      o.mode = AFETCH_MODE_SEQUENTIAL;
    else {
      fprintf(stderr, "summary: unknown argument '%s'\n", argv[i]);
      return 2;
    }
  }
  afetch_callbacks_t cb = {.on_result = on_result, .on_run_end = on_run_end};
  if (afetch_global_init() != 0 || afetch_new(&engine, NULL, &o, &cb) != 0)
    return 1;
  afetch_add_input_fd(engine, STDIN_FILENO, 0);
  signal(SIGINT, on_sigint);
  int rc = afetch_run(engine);
  int stopped = afetch_interrupted(engine);
  signal(SIGINT, SIG_DFL); /* no afetch_stop on a freed engine */
  afetch_free(engine);
  afetch_global_cleanup();
  if (rc != 0)
    return 1;
  return stopped ? 130 : 0;
}
