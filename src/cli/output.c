/* Result lines, summary and progress. Every string in a result is already
 * valid UTF-8 without control characters (the library guarantees it), so
 * text mode can print them as they are on a terminal. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"

#define C_RESET "\033[0m"
#define C_GREEN "\033[32m"
#define C_CYAN "\033[36m"
#define C_YELLOW "\033[33m"
#define C_RED "\033[31m"
#define C_BOLDRED "\033[1;31m"
#define C_DIM "\033[2m"

void cli_out_init(cli_out_t *o, const cli_args_t *args)
{
  memset(o, 0, sizeof(*o));
  o->out = stdout;
  o->args = args;
  const char *nc = getenv("NO_COLOR");
  int tty = isatty(STDOUT_FILENO);
  if (args->color == COLOR_ALWAYS)
    o->color = 1;
  else if (args->color == COLOR_NEVER || (nc && *nc))
    o->color = 0;
  else
    o->color = tty && !args->json;
  if (args->json)
    o->color = 0;
  if (args->progress == -1)
    o->progress = isatty(STDERR_FILENO) && !args->quiet;
  else
    o->progress = args->progress && !args->quiet;
}

void cli_out_free(cli_out_t *o)
{
  free(o->buf);
  o->buf = NULL;
}

static void note_error(cli_out_t *o)
{
  if (ferror(o->out) && !o->write_error)
    o->write_error = errno ? errno : EIO;
}

void cli_out_clear_progress(cli_out_t *o)
{
  if (o->progress_live) {
    fputs("\r\033[K", stderr);
    o->progress_live = 0;
  }
}

static void fmt_time(char *b, size_t n, double ms)
{
  if (ms < 1000)
    snprintf(b, n, "%.0fms", ms);
  else if (ms < 100000)
    snprintf(b, n, "%.2fs", ms / 1000);
  else
    snprintf(b, n, "%.0fs", ms / 1000);
}

static void fmt_size(char *b, size_t n, uint64_t v)
{
  if (v < 1024)
    snprintf(b, n, "%uB", (unsigned)v);
  else if (v < 1024 * 1024)
    snprintf(b, n, "%.1fK", (double)v / 1024);
  else if (v < 1024ull * 1024 * 1024)
    snprintf(b, n, "%.1fM", (double)v / (1024 * 1024));
  else
    snprintf(b, n, "%.1fG", (double)v / (1024.0 * 1024 * 1024));
}

static const char *status_color(const afetch_result_t *r)
{
  if (r->error)
    return C_BOLDRED;
  if (r->status >= 500)
    return C_RED;
  if (r->status >= 400)
    return C_YELLOW;
  if (r->status >= 300)
    return C_CYAN;
  return C_GREEN;
}

static void text_line(cli_out_t *o, const afetch_result_t *r)
{
  char st[16], tm[32], sz[32];
  if (r->error)
    snprintf(st, sizeof(st), "ERR");
  else
    snprintf(st, sizeof(st), "%d", r->status);
  fmt_time(tm, sizeof(tm), r->time_ms.total);
  if (r->error && r->bytes == 0)
    snprintf(sz, sizeof(sz), "-");
  else
    fmt_size(sz, sizeof(sz), r->bytes);
  const char *c = o->color ? status_color(r) : "";
  const char *rs = o->color ? C_RESET : "";
  fprintf(o->out, "%s%-3s%s %7s %7s  %s", c, st, rs, tm, sz, r->url);
  if (r->error) {
    fprintf(o->out, "  %s%s: %s%s", o->color ? C_RED : "",
            afetch_errkind_name(r->error_kind), r->error, rs);
  }
  else if (r->title && *r->title) {
    fprintf(o->out, "  %s%s", r->title, r->truncated ? " [truncated]" : "");
  }
  else if (r->snippet && *r->snippet) {
    fprintf(o->out, "  %s%s%s", o->color ? C_DIM : "", r->snippet, rs);
  }
  else if (r->content_type) {
    /* Non-HTML is not parsed: its content type stands in for a title. */
    fprintf(o->out, "  %s[%s]%s", o->color ? C_DIM : "", r->content_type, rs);
  }
  fputc('\n', o->out);
}

static void json_line(cli_out_t *o, const afetch_result_t *r)
{
  size_t need = afetch_result_json(r, o->buf, o->cap);
  if (need + 1 > o->cap) {
    size_t cap = need + 1 + 256;
    char *b = realloc(o->buf, cap);
    if (!b) {
      fprintf(stderr, "afetch: out of memory formatting a result\n");
      return;
    }
    o->buf = b;
    o->cap = cap;
    afetch_result_json(r, o->buf, o->cap);
  }
  fwrite(o->buf, 1, need, o->out);
  fputc('\n', o->out);
}

void cli_out_result(cli_out_t *o, const afetch_result_t *r)
{
  if (r->error)
    o->failed++;
  else if (r->status >= 400)
    o->http_errors++;
  if (o->on_result_hook)
    o->on_result_hook(r, o->hook_ud);
  if (o->args->quiet || o->write_error)
    return;
  cli_out_clear_progress(o);
  if (o->args->json)
    json_line(o, r);
  else
    text_line(o, r);
  note_error(o);
}

void cli_out_flush(cli_out_t *o)
{
  if (o->write_error)
    return;
  if (fflush(o->out) != 0)
    o->write_error = errno ? errno : EIO;
}

static const char *mode_name(afetch_mode_t m)
{
  return m == AFETCH_MODE_SEQUENTIAL ? "sequential" : "concurrent";
}

void cli_out_summary(cli_out_t *o, const afetch_summary_t *s)
{
  if (s->run >= 0 && s->run < 2)
    o->wall[s->run] = s->wall_ms;
  o->runs = s->run + 1;
  cli_out_flush(o);
  cli_out_clear_progress(o);
  if (o->args->no_summary)
    return;
  char b[32];
  fmt_size(b, sizeof(b), s->bytes);
  fprintf(stderr,
          "%s%s: %llu URLs, %llu ok, %llu failed, %llu HTTP >= 400 in %.3f s "
          "(%.1f req/s), %s\n",
          s->interrupted ? "interrupted, partial " : "", mode_name(s->mode),
          (unsigned long long)s->urls, (unsigned long long)s->succeeded,
          (unsigned long long)s->failed, (unsigned long long)s->http_errors,
          s->wall_ms / 1000, s->rps, b);
  if (s->succeeded > 0)
    fprintf(stderr,
            "  latency: min %.1f ms, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, "
            "max %.1f ms\n",
            s->lat_min, s->lat_p50, s->lat_p90, s->lat_p99, s->lat_max);
  if (s->run == 1 && o->wall[1] > 0 && !s->interrupted)
    fprintf(stderr,
            "speedup: %.1fx (sequential %.3f s, then concurrent %.3f s)\n",
            o->wall[0] / o->wall[1], o->wall[0] / 1000, o->wall[1] / 1000);
  fflush(stderr);
}

void cli_out_progress(cli_out_t *o, const afetch_progress_t *p)
{
  if (!o->progress)
    return;
  cli_out_flush(o);
  fprintf(stderr,
          "\r\033[K%s %llu/%llu%s done, %u in flight, %.1f req/s, "
          "%llu failed, %.1f s",
          p->run ? "[concurrent]" : "", (unsigned long long)p->done,
          (unsigned long long)p->read, p->input_done ? "" : "+", p->in_flight,
          p->rps, (unsigned long long)p->failed, p->elapsed_ms / 1000);
  fflush(stderr);
  o->progress_live = 1;
}
