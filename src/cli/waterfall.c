/*
 * --waterfall FILE.svg: every transfer as a bar on one shared time axis, so
 * the gap between a sequential and a concurrent run is seen, not only read.
 *
 * Memory is bounded: a small record per transfer, at most REC_CAP per run (a
 * uniform reservoir sample past that), and URL labels only while a run is
 * small enough to get one row per transfer. The picture is bounded too: past
 * ROWS_ONE transfers a row stands for a bucket of transfers in start order,
 * so a run of a million URLs still gives a few hundred rows.
 */
#include "waterfall.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
  RUNS = 2,         /* run 0, and run 1 of --compare */
  REC_CAP = 200000, /* records kept per run; a sample past that */
  ROWS_ONE = 300,   /* one row per transfer up to this many in a run */
  ROWS_TOTAL = 400, /* rows in the whole picture, at most */
  LABEL_BYTES = 64, /* a label: 40 characters, cut to fit 63 bytes */
};

/* Layout, in SVG user units (pixels at the default size). */
#define W 1200.0
#define LABEL_X 10.0
#define PLOT_X0 300.0
#define PLOT_X1 1170.0

/* Times in ms from the start of the run; float is plenty for a picture. */
typedef struct {
  uint64_t line;
  float start, wait, dns, connect, tls, ttfb, total;
  uint16_t status;
  uint8_t error;  /* afetch_errkind_t, AFETCH_ERR_NONE on success */
  uint16_t label; /* index into the run's labels while it has them */
} rec_t;

typedef struct {
  rec_t *rec;
  size_t n, cap, limit; /* stored, allocated, allowed (REC_CAP or less) */
  uint64_t seen, failed;
  int ended; /* cli_wf_run_end was called: mode and wall_ms are known */
  afetch_mode_t mode;
  double wall_ms;
  char (*labels)[LABEL_BYTES]; /* ROWS_ONE of them; NULL once past */
} wf_run_t;

struct cli_wf {
  wf_run_t run[RUNS];
  uint64_t rng; /* xorshift state: the sample is the same every time */
};

cli_wf_t *cli_wf_new(void)
{
  cli_wf_t *w = calloc(1, sizeof(*w));
  if (!w)
    return NULL;
  w->rng = 0x9e3779b97f4a7c15u;
  for (int i = 0; i < RUNS; i++) {
    w->run[i].limit = REC_CAP;
    w->run[i].labels = calloc(ROWS_ONE, LABEL_BYTES);
    if (!w->run[i].labels) {
      cli_wf_free(w);
      return NULL;
    }
  }
  return w;
}

void cli_wf_free(cli_wf_t *w)
{
  if (!w)
    return;
  for (int i = 0; i < RUNS; i++) {
    free(w->run[i].rec);
    free(w->run[i].labels);
  }
  free(w);
}

static float ms(double v)
{
  return isfinite(v) && v > 0 ? (float)v : 0.0f;
}

/* Bytes in the first chars characters of s, but at most bytes bytes. */
static size_t u8_head(const char *s, int chars, size_t bytes)
{
  size_t i = 0;
  for (int c = 0; c < chars && s[i]; c++) {
    size_t j = i + 1;
    while ((s[j] & 0xC0) == 0x80)
      j++;
    if (j > bytes)
      break;
    i = j;
  }
  return i;
}

/* Where the last chars characters of s[0..len) begin, within bytes bytes. */
static size_t u8_tail(const char *s, size_t len, int chars, size_t bytes)
{
  size_t i = len;
  for (int c = 0; c < chars && i > 0; c++) {
    size_t j = i - 1;
    while (j > 0 && (s[j] & 0xC0) == 0x80)
      j--;
    if (len - j > bytes)
      break;
    i = j;
  }
  return i;
}

/* A label of at most 40 characters. A long URL keeps its head (scheme and
 * host) and its tail (where URLs of one site differ) around an ellipsis. */
static void make_label(char *dst, const char *url)
{
  size_t len = strlen(url);
  if (u8_head(url, 40, LABEL_BYTES - 1) == len) {
    memcpy(dst, url, len + 1);
    return;
  }
  size_t h = u8_head(url, 26, 36), t = u8_tail(url, len, 13, 24);
  if (t < h)
    t = h;
  memcpy(dst, url, h);
  memcpy(dst + h, "\xE2\x80\xA6", 3); /* U+2026 */
  memcpy(dst + h + 3, url + t, len - t);
  dst[h + 3 + len - t] = '\0';
}

static uint64_t next_rand(cli_wf_t *w)
{
  w->rng ^= w->rng << 13;
  w->rng ^= w->rng >> 7;
  w->rng ^= w->rng << 17;
  return w->rng;
}

/* Room for one more record, or 0: then the run is sampled from here on. */
static int grow(wf_run_t *run)
{
  if (run->n < run->cap)
    return 1;
  size_t cap = run->cap ? run->cap * 2 : 64;
  if (cap > run->limit)
    cap = run->limit;
  rec_t *p = realloc(run->rec, cap * sizeof(*p));
  if (!p) {
    run->limit = run->n;
    return 0;
  }
  run->rec = p;
  run->cap = cap;
  return 1;
}

void cli_wf_add(cli_wf_t *w, const afetch_result_t *r)
{
  if (!w || !r || r->run < 0 || r->run >= RUNS)
    return;
  wf_run_t *run = &w->run[r->run];
  rec_t rec = {
      .line = r->line,
      .start = ms(r->start_ms),
      .wait = ms(r->wait_ms),
      .dns = ms(r->time_ms.dns),
      .connect = ms(r->time_ms.connect),
      .tls = ms(r->time_ms.tls),
      .ttfb = ms(r->time_ms.ttfb),
      .total = ms(r->time_ms.total),
      .status = r->status > 0 && r->status < 1000 ? (uint16_t)r->status : 0,
      .error = r->error ? (uint8_t)r->error_kind : AFETCH_ERR_NONE,
  };
  if (r->error && rec.error == AFETCH_ERR_NONE)
    rec.error = AFETCH_ERR_OTHER;
  run->seen++;
  if (r->error)
    run->failed++;
  if (run->n < run->limit && grow(run)) {
    if (run->labels && run->n < ROWS_ONE) {
      rec.label = (uint16_t)run->n;
      make_label(run->labels[run->n], r->url ? r->url : "");
    }
    run->rec[run->n++] = rec;
  }
  else if (run->n > 0) {
    /* Reservoir sampling: every transfer is kept with equal chance. */
    uint64_t j = next_rand(w) % run->seen;
    if (j < run->n)
      run->rec[j] = rec;
  }
  /* Past ROWS_ONE a row is a bucket, labelled by lines: URLs are not drawn. */
  if (run->seen > ROWS_ONE && run->labels) {
    free(run->labels);
    run->labels = NULL;
  }
}

void cli_wf_run_end(cli_wf_t *w, const afetch_summary_t *s)
{
  if (!w || !s || s->run < 0 || s->run >= RUNS)
    return;
  wf_run_t *run = &w->run[s->run];
  run->ended = 1;
  run->mode = s->mode;
  run->wall_ms = ms(s->wall_ms);
}

/* Output that remembers its first error, so drawing code stays linear. */
typedef struct {
  FILE *f;
  int err;
} out_t;

#if defined(__GNUC__)
static void put(out_t *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#endif

static void put(out_t *o, const char *fmt, ...)
{
  if (o->err)
    return;
  va_list ap;
  va_start(ap, fmt);
  errno = 0;
  if (vfprintf(o->f, fmt, ap) < 0)
    o->err = errno ? errno : EIO;
  va_end(ap);
}

static void put_esc(out_t *o, const char *s)
{
  while (*s) {
    size_t n = strcspn(s, "&<>\"'");
    put(o, "%.*s", (int)n, s);
    s += n;
    if (!*s)
      break;
    put(o, "%s",
        *s == '&'   ? "&amp;"
        : *s == '<' ? "&lt;"
        : *s == '>' ? "&gt;"
        : *s == '"' ? "&quot;"
                    : "&apos;");
    s++;
  }
}

/* "45.2 ms", "0.51 s", "27.5 s": about three significant digits. */
static const char *fmt_dur(char *buf, size_t cap, double v)
{
  if (v < 100)
    snprintf(buf, cap, "%.3g ms", v);
  else if (v < 10000)
    snprintf(buf, cap, "%.2f s", v / 1000);
  else if (v < 100000)
    snprintf(buf, cap, "%.1f s", v / 1000);
  else
    snprintf(buf, cap, "%.0f s", v / 1000);
  return buf;
}

static int by_start(const void *a, const void *b)
{
  const rec_t *x = a, *y = b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return (x->line > y->line) - (x->line < y->line);
}

static int present(const wf_run_t *run)
{
  return run->seen > 0 || run->ended;
}

static const char *run_name(const wf_run_t *run, int i)
{
  if (!run->ended)
    return i == 0 ? "run 1" : "run 2";
  return run->mode == AFETCH_MODE_SEQUENTIAL ? "sequential" : "concurrent";
}

static double run_end_ms(const wf_run_t *run)
{
  double end = run->wall_ms;
  for (size_t i = 0; i < run->n; i++)
    if (run->rec[i].start + run->rec[i].total > end)
      end = run->rec[i].start + run->rec[i].total;
  return end;
}

/* The phases in drawing order, then the two outlines; the colours are
 * classes in the <style>. */
static const struct {
  const char *cls, *name, *fill;
} seg[8] = {
    {"w", "waiting in afetch", "#d4d4d4"},
    {"d", "DNS", "#1b9e77"},
    {"c", "connect", "#e6ab02"},
    {"t", "TLS", "#7570b3"},
    {"f", "time to first byte", "#4a90d9"},
    {"b", "download", "#66a61e"},
    {"xe", "failed", NULL},
    {"xh", "HTTP \xE2\x89\xA5 400", NULL},
};

typedef struct {
  double scale; /* pixels per ms */
  double row_h, bar_h, font;
} geo_t;

static double xof(const geo_t *g, double t)
{
  return PLOT_X0 + t * g->scale;
}

static void draw_segs(out_t *o, const geo_t *g, double b[7], double y)
{
  for (int i = 1; i < 7; i++)
    if (b[i] < b[i - 1])
      b[i] = b[i - 1];
  for (int i = 0; i < 6; i++) {
    double x0 = xof(g, b[i]), x1 = xof(g, b[i + 1]);
    if (x1 - x0 < 0.05)
      continue;
    put(o,
        "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" "
        "height=\"%.1f\"/>",
        seg[i].cls, x0, y, x1 - x0, g->bar_h);
  }
}

/* The phase boundaries of one transfer. One that got no first byte spent
 * everything after TLS waiting for it. */
static void draw_bar(out_t *o, const geo_t *g, const rec_t *r, double y)
{
  double b[7];
  b[1] = r->start;
  b[0] = b[1] - r->wait < 0 ? 0 : b[1] - r->wait;
  b[2] = b[1] + r->dns;
  b[3] = b[2] + r->connect;
  b[4] = b[3] + r->tls;
  b[6] = b[1] + r->total;
  b[5] = r->ttfb > 0 ? b[1] + r->ttfb : b[6];
  draw_segs(o, g, b, y);
}

/* One transfer, with its URL at the left and its numbers in a tooltip. */
static void draw_one(out_t *o, const geo_t *g, const wf_run_t *run,
                     const rec_t *r, double y)
{
  char st[48];
  if (r->error)
    snprintf(st, sizeof(st), "error: %s",
             afetch_errkind_name((afetch_errkind_t)r->error));
  else
    snprintf(st, sizeof(st), "HTTP %u", r->status);
  put(o,
      "<g><title>line %llu: %s; wait %.1f, dns %.1f, connect %.1f, tls "
      "%.1f, ttfb %.1f, total %.1f ms, started at %.1f ms</title>\n",
      (unsigned long long)r->line, st, r->wait, r->dns, r->connect, r->tls,
      r->ttfb, r->total, r->start);
  const char *cls = r->error ? "l e" : r->status >= 400 ? "l h" : "l";
  put(o, "<text class=\"%s\" x=\"%.0f\" y=\"%.1f\">", cls, LABEL_X,
      y + g->bar_h - 1);
  if (run->labels)
    put_esc(o, run->labels[r->label]);
  else
    put(o, "line %llu", (unsigned long long)r->line);
  put(o, "</text>");
  draw_bar(o, g, r, y);
  if (r->error || r->status >= 400) {
    double x0 = xof(g, r->start), x1 = xof(g, r->start + r->total);
    if (x1 - x0 < 4)
      x1 = x0 + 4; /* a failure in no time still shows */
    put(o,
        "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
        "height=\"%.1f\"/>",
        r->error ? "xe" : "xh", x0 - 1, y - 1, x1 - x0 + 2, g->bar_h + 2);
  }
  put(o, "</g>\n");
}

/* A bucket of k transfers in start order. Its bar spans the first start
 * to the last end, split by the mean share of each phase, behind the mean
 * wait: at this scale a single transfer would be a hairline, while when a
 * group ran and what it spent its time on still shows. */
static void draw_bucket(out_t *o, const geo_t *g, const rec_t *r, size_t k,
                        double y)
{
  uint64_t lo = UINT64_MAX, hi = 0, failed = 0;
  double end = 0, sum[6] = {0};
  for (size_t i = 0; i < k; i++) {
    lo = r[i].line < lo ? r[i].line : lo;
    hi = r[i].line > hi ? r[i].line : hi;
    failed += r[i].error != AFETCH_ERR_NONE;
    if (r[i].start + r[i].total > end)
      end = r[i].start + r[i].total;
    /* Phase lengths as draw_bar sees them: monotonic, and no first byte
     * means waiting for it until the end. */
    double c1 = r[i].dns, c2 = c1 + r[i].connect, c3 = c2 + r[i].tls;
    double c5 = r[i].total > c3 ? r[i].total : c3;
    double c4 = r[i].ttfb > 0 ? r[i].ttfb : c5;
    c4 = c4 < c3 ? c3 : c4 > c5 ? c5 : c4;
    sum[0] += r[i].wait;
    sum[1] += c1;
    sum[2] += c2 - c1;
    sum[3] += c3 - c2;
    sum[4] += c4 - c3;
    sum[5] += c5 - c4;
  }
  double busy = sum[1] + sum[2] + sum[3] + sum[4] + sum[5];
  double first = r[0].start, b[7];
  b[0] = first - sum[0] / k < 0 ? 0 : first - sum[0] / k;
  b[1] = first;
  for (int i = 2; i < 7; i++)
    b[i] = b[i - 1] + (busy > 0 ? (end - first) * sum[i - 1] / busy : 0);
  put(o,
      "<g><title>lines %llu-%llu: %zu transfers, %llu failed; first start "
      "%.1f ms, median %.1f ms, last end %.1f ms; mean wait %.1f, dns "
      "%.1f, connect %.1f, tls %.1f, ttfb %.1f, total %.1f ms</title>\n",
      (unsigned long long)lo, (unsigned long long)hi, k,
      (unsigned long long)failed, first, r[k / 2].start, end, sum[0] / k,
      sum[1] / k, sum[2] / k, sum[3] / k,
      (sum[1] + sum[2] + sum[3] + sum[4]) / k, busy / k);
  put(o, "<text class=\"%s\" x=\"%.0f\" y=\"%.1f\">lines %llu-%llu</text>",
      failed ? "l e" : "l", LABEL_X, y + g->bar_h - 1, (unsigned long long)lo,
      (unsigned long long)hi);
  draw_segs(o, g, b, y);
  if (failed) {
    double x0 = xof(g, first), x1 = xof(g, end);
    put(o,
        "<rect class=\"xe\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
        "height=\"%.1f\"/><text class=\"n\" x=\"%.1f\" y=\"%.1f\">%llu "
        "failed</text>",
        x0 - 1, y - 1, (x1 - x0 < 4 ? 4 : x1 - x0) + 2, g->bar_h + 2, x1 + 8,
        y + g->bar_h - 1, (unsigned long long)failed);
  }
  put(o, "</g>\n");
}

/* A tick step of 1, 2 or 5 times a power of ten, for about 8 ticks. */
static double tick_step(double tmax)
{
  double raw = tmax / 8, p = pow(10, floor(log10(raw)));
  if (raw <= p)
    return p;
  if (raw <= 2 * p)
    return 2 * p;
  if (raw <= 5 * p)
    return 5 * p;
  return 10 * p;
}

static void draw_axis(out_t *o, const geo_t *g, double tmax, double y,
                      double label_dy, int grid_to)
{
  double step = tick_step(tmax);
  put(o, "<path class=\"ax\" d=\"M%.0f %.1fH%.0f\"/>\n", PLOT_X0, y, PLOT_X1);
  for (int i = 0; i * step <= tmax * 1.0001; i++) {
    double t = i * step, x = xof(g, t);
    if (grid_to)
      put(o, "<path class=\"gr\" d=\"M%.1f %.1fV%d\"/>", x, y, grid_to);
    put(o, "<path class=\"ax\" d=\"M%.1f %.1fv%.0f\"/>", x, y,
        label_dy < 0 ? -4.0 : 4.0);
    put(o, "<text class=\"tk\" x=\"%.1f\" y=\"%.1f\">%.6g %s</text>\n", x,
        y + label_dy, tmax >= 1000 ? t / 1000 : t, tmax >= 1000 ? "s" : "ms");
  }
}

static void draw_legend(out_t *o, double y)
{
  double x = LABEL_X;
  for (int i = 0; i < 8; i++) {
    put(o,
        "<rect class=\"%s\" x=\"%.0f\" y=\"%.0f\" width=\"14\" "
        "height=\"10\"/><text class=\"lg\" x=\"%.0f\" y=\"%.0f\">%s</text>\n",
        seg[i].cls, x, y - 9, x + 18, y, seg[i].name);
    x += 30 + 6.8 * strlen(seg[i].name);
  }
}

/* Where everything goes, decided before the first byte is written. */
typedef struct {
  geo_t g;
  int nruns, grouped, sampled;
  size_t rows[RUNS], per[RUNS];
  double wall[RUNS], tmax, axis_y, bottom;
} lay_t;

/* Sorts the records and sizes the picture: ROWS_ONE rows for a lone run,
 * ROWS_TOTAL shared by two, one x scale for both. */
static int layout(cli_wf_t *w, lay_t *l)
{
  memset(l, 0, sizeof(*l));
  for (int i = 0; i < RUNS; i++) {
    wf_run_t *run = &w->run[i];
    if (run->seen > 0 && run->n == 0)
      return ENOMEM; /* nothing could be kept: a picture would lie */
    if (!present(run))
      continue;
    l->nruns++;
    l->sampled |= run->n < run->seen;
    if (run->n > 1)
      qsort(run->rec, run->n, sizeof(rec_t), by_start);
    double end = run_end_ms(run);
    l->wall[i] = run->ended ? run->wall_ms : end;
    l->tmax = end > l->tmax ? end : l->tmax;
  }
  size_t budget = l->nruns > 1 ? ROWS_TOTAL / l->nruns : ROWS_ONE;
  size_t nrows = 0;
  for (int i = 0; i < RUNS; i++) {
    size_t n = w->run[i].n;
    l->per[i] = n <= budget ? 1 : (n + budget - 1) / budget;
    l->rows[i] = (n + l->per[i] - 1) / l->per[i];
    l->grouped |= l->per[i] > 1;
    nrows += l->rows[i];
  }
  if (l->tmax <= 0)
    l->tmax = 1;
  l->g.scale = (PLOT_X1 - PLOT_X0) / (l->tmax * 1.02);
  l->g.row_h = nrows <= 40 ? 20 : nrows <= 120 ? 15 : 12;
  l->g.bar_h = l->g.row_h - (nrows <= 40 ? 7 : 4);
  l->g.font = nrows <= 40 ? 12 : nrows <= 120 ? 10.5 : 9.5;
  l->axis_y = l->grouped ? 94 : 76;
  l->bottom = l->axis_y + 10 + (l->nruns == 0 ? 30 : 0);
  for (int i = 0; i < RUNS; i++)
    if (present(&w->run[i]))
      l->bottom += 34 + l->rows[i] * l->g.row_h;
  return 0;
}

static void draw_head(out_t *o, cli_wf_t *w, const lay_t *l)
{
  double h = l->bottom + 30;
  put(o,
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
      "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n<style>\n"
      "text{font-family:'DejaVu Sans',Verdana,sans-serif;font-size:12px;"
      "fill:#222}\n"
      ".l{font-family:'DejaVu Sans Mono',Menlo,monospace;font-size:%.1fpx}\n"
      ".e,.n{fill:#d62728}.h{fill:#c45a00}.tk{text-anchor:middle;"
      "font-size:11px;fill:#555}.lg{font-size:12px}.sub{fill:#666}\n"
      ".ax{stroke:#444;fill:none}.gr{stroke:#e4e4e4;fill:none}"
      ".wl{stroke:#333;stroke-dasharray:4 3;fill:none}\n"
      ".xe{fill:none;stroke:#d62728;stroke-width:2}"
      ".xh{fill:none;stroke:#ff7f0e;stroke-width:2}.bg{fill:#f4f4f4}\n",
      W, h, W, h, l->g.font);
  for (int i = 0; i < 6; i++)
    put(o, ".%s{fill:%s}", seg[i].cls, seg[i].fill);
  put(o, "\n</style>\n<rect width=\"100%%\" height=\"100%%\" "
         "fill=\"#fff\"/>\n");

  /* "N transfers" counts one run when both fetched the same list. */
  uint64_t n = w->run[0].seen + w->run[1].seen;
  if (l->nruns == 2 && w->run[0].seen == w->run[1].seen)
    n = w->run[0].seen;
  put(o,
      "<text x=\"%.0f\" y=\"24\" style=\"font-size:17px;"
      "font-weight:bold\">afetch waterfall: %llu transfers",
      LABEL_X, (unsigned long long)n);
  const char *sep = ", ";
  char d[32];
  for (int i = 0; i < RUNS; i++) {
    if (!present(&w->run[i]))
      continue;
    put(o, "%s%s %s", sep, run_name(&w->run[i], i),
        fmt_dur(d, sizeof(d), l->wall[i]));
    sep = " / ";
  }
  if (l->nruns == 2 && l->wall[0] > 0 && l->wall[1] > 0)
    put(o, " (%.1fx)", l->wall[0] / l->wall[1]);
  if (l->sampled)
    put(o, ", sampled: %d per run", REC_CAP);
  put(o, "</text>\n");
  draw_legend(o, 48);
  if (l->grouped)
    put(o,
        "<text class=\"sub\" x=\"%.0f\" y=\"70\">Many transfers: a row "
        "is a group in start order: mean wait, then a bar from its first "
        "start to its last end, split by the mean time in each phase."
        "</text>\n",
        LABEL_X);
  draw_axis(o, &l->g, l->tmax, l->axis_y, -8, (int)l->bottom);
}

/* One run: its heading, its rows, and a dashed line at its wall time. */
static double draw_run(out_t *o, const lay_t *l, const wf_run_t *run, int i,
                       double y)
{
  const geo_t *g = &l->g;
  char d[32];
  put(o,
      "<g id=\"run%d\">\n<text x=\"%.0f\" y=\"%.1f\"><tspan "
      "style=\"font-size:14px;font-weight:bold\">%s: %s</tspan>"
      "<tspan class=\"sub\" dx=\"6\">\xE2\x80\x94 %llu transfers",
      i, LABEL_X, y + 17, run_name(run, i), fmt_dur(d, sizeof(d), l->wall[i]),
      (unsigned long long)run->seen);
  if (run->failed)
    put(o, ", %llu failed", (unsigned long long)run->failed);
  if (run->n < run->seen)
    put(o, ", a sample of %zu", run->n);
  if (l->per[i] > 1)
    put(o, ", up to %zu per row", l->per[i]);
  put(o, "</tspan></text>\n");
  y += 28;
  double top = y;
  size_t per = l->per[i];
  for (size_t r = 0; r < l->rows[i]; r++, y += g->row_h) {
    if (r % 2)
      put(o,
          "<rect class=\"bg\" x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" "
          "height=\"%.1f\"/>",
          LABEL_X - 4, y, PLOT_X1 - LABEL_X + 4, g->row_h);
    size_t a = r * per, k = run->n - a < per ? run->n - a : per;
    double by = y + (g->row_h - g->bar_h) / 2;
    if (per == 1)
      draw_one(o, g, run, &run->rec[a], by);
    else
      draw_bucket(o, g, &run->rec[a], k, by);
  }
  if (l->wall[i] > 0)
    put(o,
        "<path class=\"wl\" d=\"M%.1f %.1fV%.1f\"><title>%s wall time"
        "</title></path>\n",
        xof(g, l->wall[i]), top - 4, y, d);
  put(o, "</g>\n");
  return y + 6;
}

static int draw(cli_wf_t *w, FILE *f)
{
  lay_t l;
  int e = layout(w, &l);
  if (e)
    return e;
  out_t o = {f, 0};
  draw_head(&o, w, &l);
  double y = l.axis_y + 10;
  for (int i = 0; i < RUNS; i++)
    if (present(&w->run[i]))
      y = draw_run(&o, &l, &w->run[i], i, y);
  if (l.nruns == 0)
    put(&o, "<text class=\"sub\" x=\"%.0f\" y=\"%.0f\">no transfers</text>\n",
        LABEL_X, l.axis_y + 30);
  draw_axis(&o, &l.g, l.tmax, l.bottom, 16, 0);
  put(&o, "</svg>\n");
  return o.err;
}

static int close_out(FILE *f, int e)
{
  errno = 0;
  if (fclose(f) != 0 && !e)
    e = errno ? errno : EIO;
  return e;
}

/* The picture goes to a temporary file renamed over path, so a failed write
 * leaves the old file or none, never half a picture. */
int cli_wf_write(cli_wf_t *w, const char *path)
{
  if (!w || !path)
    return EINVAL;
  struct stat st;
  /* A device or a pipe (/dev/stdout) cannot be renamed over: write to it. */
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
    FILE *f = fopen(path, "w");
    return f ? close_out(f, draw(w, f)) : errno;
  }
  size_t cap = strlen(path) + 32;
  char *tmp = malloc(cap);
  if (!tmp)
    return ENOMEM;
  /* Named by our pid, so one left by a crash can only be ours to replace. */
  snprintf(tmp, cap, "%s.%ld.tmp", path, (long)getpid());
  unlink(tmp);
  int e = 0;
  int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
  if (!f) {
    e = errno;
    if (fd >= 0) {
      close(fd);
      unlink(tmp);
    }
    free(tmp);
    return e;
  }
  e = close_out(f, draw(w, f));
  if (!e && rename(tmp, path) != 0)
    e = errno;
  if (e)
    unlink(tmp);
  free(tmp);
  return e;
}
