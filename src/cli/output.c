/* Result lines, summary and progress. Every string in a result is already
 * valid UTF-8 without control characters (the library guarantees it), so
 * text mode can print them as they are on a terminal. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
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
  /* -q silences the results; an explicit --progress is still a request
   * for the progress line, so it wins over -q. */
  if (args->progress == -1)
    o->progress = isatty(STDERR_FILENO) && !args->quiet;
  else
    o->progress = args->progress;
  /* Result lines erase the progress line only where they would land on
   * it: with stdout elsewhere the line stays up between redraws. */
  o->same_screen = tty && isatty(STDERR_FILENO);
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

/* "1 URL", "2 URLs"; "1 retry", "2 retries". */
static const char *plural(uint64_t n, const char *one, const char *many)
{
  return n == 1 ? one : many;
}

/* Where a followed redirect chain ended, when that is news: the refused
 * scheme and too-many-redirects errors already name the target. */
static int shows_redirect_end(const afetch_result_t *r)
{
  if (r->redirects <= 0 || !r->effective_url ||
      strcmp(r->effective_url, r->url) == 0)
    return 0;
  return !r->error || (r->error_kind != AFETCH_ERR_SCHEME &&
                       r->error_kind != AFETCH_ERR_REDIRECTS);
}

/* 1 if the error text already opens with its kind ("invalid URL: ..." for
 * invalid_url, "cancelled: ..."), so the line does not say it twice. */
static int says_kind(const char *error, const char *kind)
{
  size_t i = 0;
  for (; kind[i]; i++) {
    char k = kind[i] == '_' ? ' ' : kind[i];
    char e = error[i];
    if (e >= 'A' && e <= 'Z')
      e = (char)(e - 'A' + 'a');
    if (e != k)
      return 0;
  }
  char next = error[i];
  return !((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z'));
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
  const char *dim = o->color ? C_DIM : "";
  fprintf(o->out, "%s%-3s%s %7s %7s  %s", c, st, rs, tm, sz, r->url);
  if (shows_redirect_end(r))
    fprintf(o->out, " -> %s", r->effective_url);
  if (r->error) {
    const char *kind = afetch_errkind_name(r->error_kind);
    if (says_kind(r->error, kind))
      fprintf(o->out, "  %s%s%s", o->color ? C_RED : "", r->error, rs);
    else
      fprintf(o->out, "  %s%s: %s%s", o->color ? C_RED : "", kind, r->error,
              rs);
  }
  else if (r->title && *r->title) {
    fprintf(o->out, "  %s", r->title);
  }
  else if (r->snippet && *r->snippet) {
    fprintf(o->out, "  %s%s%s", dim, r->snippet, rs);
  }
  else if (r->content_type) {
    /* Non-HTML is not parsed: its content type stands in for a title. */
    fprintf(o->out, "  %s[%s]%s", dim, r->content_type, rs);
  }
  if (r->truncated)
    fputs(" [truncated]", o->out);
  if (r->retries > 0)
    fprintf(o->out, " %s(%d %s)%s", dim, r->retries,
            plural((uint64_t)r->retries, "retry", "retries"), rs);
  fputc('\n', o->out);
}

/* One write(2) for a whole line where it can: O_APPEND places it at the
 * end of the file in one piece. */
static void write_line(cli_out_t *o, size_t len)
{
  const char *p = o->buf;
  while (len > 0) {
    ssize_t w = write(STDOUT_FILENO, p, len);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0) {
      o->write_error = errno;
      return;
    }
    p += w;
    len -= (size_t)w;
  }
}

static void json_line(cli_out_t *o, const afetch_result_t *r)
{
  size_t need = afetch_result_json(r, o->buf, o->cap);
  /* Room for the newline too, for write_line. */
  if (need + 2 > o->cap) {
    size_t cap = need + 2 + 256;
    char *b = realloc(o->buf, cap);
    if (!b) {
      fprintf(stderr, "afetch: out of memory formatting a result\n");
      return;
    }
    o->buf = b;
    o->cap = cap;
    afetch_result_json(r, o->buf, o->cap);
  }
  if (o->resume) {
    o->buf[need] = '\n';
    write_line(o, need + 1);
    return;
  }
  fwrite(o->buf, 1, need, o->out);
  fputc('\n', o->out);
}

static void tally_result(cli_out_t *o, const afetch_result_t *r)
{
  cli_tally_t *t = &o->tally[r->run == 1 ? 1 : 0];
  if (r->error && r->error_kind == AFETCH_ERR_CANCELLED)
    t->cancelled++;
  else if (r->error) {
    t->failed++;
    if ((unsigned)r->error_kind < CLI_KINDS)
      t->by_kind[r->error_kind]++;
  }
  else if (r->status >= 500)
    t->http5++;
  else if (r->status >= 400)
    t->http4++;
  else
    t->ok++;
}

void cli_out_result(cli_out_t *o, const afetch_result_t *r)
{
  if (r->error)
    o->failed++;
  else if (r->status >= 400)
    o->http_errors++;
  tally_result(o, r);
  if (o->on_result_hook)
    o->on_result_hook(r, o->hook_ud);
  /* -q silences the terminal; --resume's results are its checkpoint. */
  if ((o->args->quiet && !o->resume) || o->write_error)
    return;
  if (o->same_screen)
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

/* A limit is worth a line when the waits it caused add up to at least a
 * second and to at least 5% of the run's wall time: below that, raising
 * it would not change the run noticeably. */
#define LIMIT_MIN_WAIT_MS 1000.0
#define LIMIT_MIN_WALL_SHARE 0.05

static int limit_worth(const afetch_summary_t *s, uint64_t held, double wait)
{
  return held > 0 && wait >= LIMIT_MIN_WAIT_MS &&
         wait >= LIMIT_MIN_WALL_SHARE * s->wall_ms;
}

static void print_held(const char *what, uint64_t held, double wait,
                       const char *fix)
{
  fprintf(stderr,
          "  %s held back %llu %s for %.1f s in all (%.1f s each): %s\n", what,
          (unsigned long long)held, plural(held, "URL", "URLs"), wait / 1000,
          wait / 1000 / (double)held, fix);
}

/* The per-host holds: the host delay (a robots.txt Crawl-delay counts as
 * one) and the back-off a 429/503 asked for. */
static void print_holds(const cli_out_t *o, const afetch_summary_t *s)
{
  const afetch_options_t *opt = &o->args->o;
  if (limit_worth(s, s->host_delay_held, s->host_delay_wait_ms)) {
    char what[96];
    if (opt->robots)
      snprintf(what, sizeof(what),
               "the host delay (--host-delay %u, or a robots.txt Crawl-delay)",
               opt->host_delay_ms);
    else
      snprintf(what, sizeof(what), "--host-delay %u", opt->host_delay_ms);
    print_held(what, s->host_delay_held, s->host_delay_wait_ms,
               opt->robots ? "use --host-delay MS to change it (a "
                             "Crawl-delay larger than it still holds)"
                           : "use --host-delay MS to change it");
  }
  if (limit_worth(s, s->backoff_held, s->backoff_wait_ms))
    print_held("a host's back-off after 429/503", s->backoff_held,
               s->backoff_wait_ms,
               "the server asked to slow down; --max-retry-after SEC caps "
               "the hold");
}

static void print_limit(const cli_out_t *o, const afetch_summary_t *s,
                        afetch_limit_t l)
{
  uint64_t held = s->limit_held[l];
  double wait = s->limit_wait_ms[l];
  if (!limit_worth(s, held, wait))
    return;
  const afetch_options_t *opt = &o->args->o;
  char what[64];
  const char *fix;
  switch (l) {
  case AFETCH_LIMIT_CONCURRENCY:
    snprintf(what, sizeof(what), "-c %u", opt->concurrency);
    fix = "use -c N to allow more";
    break;
  case AFETCH_LIMIT_PER_HOST:
    snprintf(what, sizeof(what), "--per-host %u", opt->per_host);
    fix = "use --per-host N to allow more";
    break;
  case AFETCH_LIMIT_RATE:
    snprintf(what, sizeof(what), "--rate %g", opt->rate);
    fix = "use --rate N to allow more";
    break;
  default:
    /* No flag: the parser threads were behind the network, so finished
     * pages waited for them and new transfers waited with them. */
    snprintf(what, sizeof(what), "the parsers");
    fix = "parsing was behind the network";
    break;
  }
  print_held(what, held, wait, fix);
}

/* Why the run ended early, and how far it got. */
static void print_stop(const cli_out_t *o, const afetch_summary_t *s,
                       uint64_t cancelled)
{
  uint64_t done = s->urls > cancelled ? s->urls - cancelled : 0;
  if (o->write_error && o->write_error != EPIPE)
    fprintf(stderr, "stopped: error writing output: %s; ",
            strerror(o->write_error));
  else
    fputs("interrupted: ", stderr);
  fprintf(stderr, "%llu done, %llu cancelled%s\n", (unsigned long long)done,
          (unsigned long long)cancelled,
          s->input_unread ? ", input not fully read" : "");
}

/* What --resume found in its file before the run. */
static void print_resumed(const cli_out_t *o, const afetch_summary_t *s)
{
  const cli_resume_t *r = o->resume;
  fprintf(stderr, "  resumed: %llu %s already done in %s",
          (unsigned long long)s->skipped, plural(s->skipped, "line", "lines"),
          o->args->resume);
  if (r->redone)
    fprintf(stderr, ", %llu %s to fetch again (cancelled or --redo)",
            (unsigned long long)r->redone,
            plural(r->redone, "result", "results"));
  if (r->dups)
    fprintf(stderr, ", %llu duplicate %s removed", (unsigned long long)r->dups,
            plural(r->dups, "result", "results"));
  if (r->torn)
    fputs(", a torn last line removed", stderr);
  fputc('\n', stderr);
}

/* Why the failures failed, the largest kinds first ("failed: 980 dns, 20
 * connect"): a run that fails wholesale says at once whether it was the
 * names, the network or the list. */
static void print_failures(const cli_tally_t *t)
{
  int used[CLI_KINDS] = {0};
  fputs("  failed:", stderr);
  for (int shown = 0;; shown++) {
    int best = -1;
    for (int k = 0; k < CLI_KINDS; k++)
      if (!used[k] && t->by_kind[k] &&
          (best < 0 || t->by_kind[k] > t->by_kind[best]))
        best = k;
    if (best < 0)
      break;
    used[best] = 1;
    fprintf(stderr, "%s %llu %s", shown ? "," : "",
            (unsigned long long)t->by_kind[best],
            afetch_errkind_name((afetch_errkind_t)best));
  }
  fputc('\n', stderr);
}

void cli_out_summary(cli_out_t *o, const afetch_summary_t *s)
{
  int run = s->run == 1 ? 1 : 0;
  o->wall[run] = s->wall_ms;
  o->runs = s->run + 1;
  cli_out_flush(o);
  cli_out_clear_progress(o);
  o->last_progress[0] = '\0'; /* that run's line is over */
  if (o->args->no_summary)
    return;
  const cli_tally_t *t = &o->tally[run];
  /* The engine may count URLs it stopped without handing out a result. */
  uint64_t cancelled =
      t->cancelled > s->cancelled ? t->cancelled : s->cancelled;
  char b[32];
  fmt_size(b, sizeof(b), s->bytes);
  fprintf(stderr, "%s: %llu %s, %llu ok", mode_name(s->mode),
          (unsigned long long)s->urls, plural(s->urls, "URL", "URLs"),
          (unsigned long long)t->ok);
  if (t->http4)
    fprintf(stderr, ", %llu HTTP 4xx", (unsigned long long)t->http4);
  if (t->http5)
    fprintf(stderr, ", %llu HTTP 5xx", (unsigned long long)t->http5);
  fprintf(stderr, ", %llu failed", (unsigned long long)t->failed);
  if (cancelled)
    fprintf(stderr, ", %llu cancelled", (unsigned long long)cancelled);
  fprintf(stderr, " in %.3f s (%.1f req/s), %s\n", s->wall_ms / 1000, s->rps,
          b);
  if (t->failed)
    print_failures(t);
  if (o->resume)
    print_resumed(o, s);
  if (s->succeeded > 0)
    fprintf(stderr,
            "  latency: min %.1f ms, p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, "
            "max %.1f ms\n",
            s->lat_min, s->lat_p50, s->lat_p90, s->lat_p99, s->lat_max);
  /* A sequential run is one at a time on purpose: nothing to suggest. */
  if (s->mode != AFETCH_MODE_SEQUENTIAL) {
    for (int l = 0; l < AFETCH_LIMIT_COUNT; l++)
      print_limit(o, s, (afetch_limit_t)l);
    print_holds(o, s);
  }
  if (s->interrupted || (o->write_error && o->write_error != EPIPE))
    print_stop(o, s, cancelled);
  else if (s->run == 1 && o->wall[1] > 0)
    fprintf(stderr,
            "speedup: %.1fx (sequential %.3f s, then concurrent %.3f s)\n",
            o->wall[0] / o->wall[1], o->wall[0] / 1000, o->wall[1] / 1000);
  fflush(stderr);
}

/* Columns of the terminal on stderr, read at each redraw so that a resize
 * (SIGWINCH) is followed without a signal handler. */
static int term_width(void)
{
  struct winsize ws;
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
    return ws.ws_col;
  const char *c = getenv("COLUMNS");
  int n = c ? atoi(c) : 0;
  return n > 0 ? n : 80;
}

/* The progress fields, most important first; the line keeps as many as fit
 * in width - 1 columns (the last column would make some terminals wrap),
 * always in this display order. */
enum { PF_COUNT, PF_FAILED, PF_FLIGHT, PF_RATE, PF_TIME, PF_N };

static size_t progress_text(char *line, size_t cap, const cli_out_t *o,
                            const afetch_progress_t *p, int width)
{
  char f[PF_N][96];
  const char *run = "";
  if (o->args->compare)
    run = p->run ? "concurrent " : "sequential ";
  if (p->input_done)
    snprintf(f[PF_COUNT], sizeof(f[0]), "%s%llu/%llu done", run,
             (unsigned long long)p->done, (unsigned long long)p->read);
  else
    snprintf(f[PF_COUNT], sizeof(f[0]), "%s%llu done of %llu read so far", run,
             (unsigned long long)p->done, (unsigned long long)p->read);
  snprintf(f[PF_FAILED], sizeof(f[0]), "%llu failed",
           (unsigned long long)p->failed);
  snprintf(f[PF_FLIGHT], sizeof(f[0]), "%u in flight", p->in_flight);
  snprintf(f[PF_RATE], sizeof(f[0]), "%.1f req/s", p->rps);
  snprintf(f[PF_TIME], sizeof(f[0]), "%.1f s", p->elapsed_ms / 1000);
  /* Display order: count, in flight, rate, failed, time. */
  static const int order[PF_N] = {PF_COUNT, PF_FLIGHT, PF_RATE, PF_FAILED,
                                  PF_TIME};
  size_t max = width > 1 ? (size_t)width - 1 : 1;
  if (max > cap - 1)
    max = cap - 1;
  for (int keep = PF_N; keep > 0; keep--) {
    size_t len = 0;
    for (int i = 0; i < PF_N; i++) {
      if (order[i] >= keep)
        continue;
      int n =
          snprintf(line + len, cap - len, "%s%s", len ? ", " : "", f[order[i]]);
      len += n > 0 ? (size_t)n : 0;
      if (len >= cap)
        len = cap - 1;
    }
    if (len <= max || keep == 1) {
      /* Only the count is left and it still does not fit: cut it (ASCII,
       * so bytes are columns). */
      if (len > max)
        len = max;
      line[len] = '\0';
      return len;
    }
  }
  line[0] = '\0';
  return 0;
}

void cli_out_progress(cli_out_t *o, const afetch_progress_t *p)
{
  if (!o->progress)
    return;
  cli_out_flush(o);
  progress_text(o->last_progress, sizeof(o->last_progress), o, p, term_width());
  fprintf(stderr, "\r\033[K%s", o->last_progress);
  fflush(stderr);
  o->progress_live = 1;
}

void cli_out_redraw_progress(cli_out_t *o)
{
  if (!o->progress || o->progress_live || !o->last_progress[0])
    return;
  fprintf(stderr, "\r\033[K%s", o->last_progress);
  fflush(stderr);
  o->progress_live = 1;
}
