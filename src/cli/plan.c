#include "plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TOP_SHOWN 10

/* Reads one input to its end into the plan. */
static int feed(afetch_plan_t *p, const cli_plan_input_t *in)
{
  int rc = 0;
  if (in->url) {
    rc = afetch_plan_add(p, in->url, strlen(in->url));
  }
  else {
    static char buf[1 << 16];
    for (;;) {
      ssize_t n = read(in->fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0) {
        fprintf(stderr, "afetch: reading the input failed: %s\n",
                strerror(errno));
        rc = AFETCH_EIO;
        break;
      }
      if (n == 0)
        break;
      rc = afetch_plan_add(p, buf, (size_t)n);
      if (rc != 0)
        break;
    }
    if (in->fd > STDIN_FILENO)
      close(in->fd);
  }
  int e = afetch_plan_end_input(p);
  return rc ? rc : e;
}

static double share(uint64_t part, uint64_t whole)
{
  return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* Host keys come from parsed URLs: lower-case ASCII, digits, '.', '-',
 * ':', '[' and ']', so they need no escaping in JSON. */
static void print_json(const afetch_plan_t *p)
{
  const afetch_plan_stats_t *s = afetch_plan_stats(p);
  printf("{\"lines\":%" PRIu64 ",\"urls\":%" PRIu64 ",\"valid\":%" PRIu64
         ",\"invalid\":%" PRIu64 ",\"other_shards\":%" PRIu64
         ",\"hosts\":%" PRIu64 ",\"hosts_exact\":%s"
         ",\"hosts_std_error\":%.4f,\"top_hosts\":[",
         s->lines, s->urls, s->valid, s->invalid, s->other_shards, s->hosts,
         s->hosts_exact ? "true" : "false", s->hosts_std_error);
  size_t n = afetch_plan_ntop(p);
  for (size_t i = 0; i < n && i < TOP_SHOWN; i++) {
    uint64_t count, err;
    const char *h = afetch_plan_top(p, i, &count, &err);
    /* urls is the guaranteed part, urls_max the counter itself. */
    printf("%s{\"host\":\"%s\",\"urls\":%" PRIu64 ",\"urls_max\":%" PRIu64
           ",\"share\":%.2f}",
           i ? "," : "", h, count - err, count, share(count - err, s->valid));
  }
  printf("],\"largest_host\":%" PRIu64 ",\"per_host\":%u,\"host_delay_ms\":%u"
         ",\"min_wall_s\":%.3f,\"suggested_shards\":%u}\n",
         s->largest_host, s->per_host, s->host_delay_ms, s->min_wall_s,
         s->suggested_shards);
}

static void print_text(const afetch_plan_t *p)
{
  const afetch_plan_stats_t *s = afetch_plan_stats(p);
  printf("URLs:            %" PRIu64 " (%" PRIu64 " valid, %" PRIu64
         " invalid) in %" PRIu64 " lines\n",
         s->urls, s->valid, s->invalid, s->lines);
  if (s->other_shards)
    printf("other shards:    %" PRIu64 " URL lines left out\n",
           s->other_shards);
  if (s->hosts_exact)
    printf("distinct hosts:  %" PRIu64 " (exact)\n", s->hosts);
  else
    printf("distinct hosts:  ~%" PRIu64 " (estimate, standard error %.2f%%)\n",
           s->hosts, 100 * s->hosts_std_error);
  size_t n = afetch_plan_ntop(p);
  if (n)
    printf("largest hosts:\n");
  for (size_t i = 0; i < n && i < TOP_SHOWN; i++) {
    uint64_t count, err;
    const char *h = afetch_plan_top(p, i, &count, &err);
    printf("  %10" PRIu64 "  %5.1f%%  %s", count - err,
           share(count - err, s->valid), h);
    if (err)
      printf("  (at least; up to %" PRIu64 ")", count);
    printf("\n");
  }
  if (s->host_delay_ms)
    printf("least wall time: %.1f s (%" PRIu64 " URLs on the largest host x "
           "%u ms host delay / --per-host %u)\n",
           s->min_wall_s, s->largest_host, s->host_delay_ms, s->per_host);
  else
    printf("least wall time: no bound from --host-delay (0); the largest "
           "host has %" PRIu64 " URLs at --per-host %u\n",
           s->largest_host, s->per_host);
  printf("suggested:       --shard K/%u (about 5 M URLs a shard, never more "
         "shards than the largest host lets work)\n",
         s->suggested_shards);
}

int cli_plan_run(const cli_args_t *c, const cli_plan_input_t *ins, int nins)
{
  afetch_plan_t *p;
  int rc = afetch_plan_new(&p, &c->o);
  if (rc != 0) {
    fprintf(stderr, "afetch: %s\n", afetch_strerror(rc));
    return 2;
  }
  int status = 0;
  int i = 0;
  for (; i < nins && status == 0; i++) {
    rc = feed(p, &ins[i]);
    if (rc != 0) {
      const char *why = afetch_plan_error(p);
      fprintf(stderr, "afetch: %s%s%s\n", afetch_strerror(rc), *why ? ": " : "",
              why);
      status = 2;
    }
  }
  for (; i < nins; i++) /* the inputs a failure left unread */
    if (!ins[i].url && ins[i].fd > STDIN_FILENO)
      close(ins[i].fd);
  if (status == 0) {
    rc = afetch_plan_finish(p);
    if (rc != 0) {
      fprintf(stderr, "afetch: %s\n", afetch_strerror(rc));
      status = 2;
    }
  }
  if (status == 0) {
    if (c->json)
      print_json(p);
    else
      print_text(p);
    if (fflush(stdout) != 0 || ferror(stdout)) {
      if (errno != EPIPE)
        fprintf(stderr, "afetch: error writing output: %s\n", strerror(errno));
      status = 1;
    }
  }
  afetch_plan_free(p);
  return status;
}
