/*
 * --waterfall FILE.svg: what a run did with its time, drawn so the gap
 * between a sequential and a concurrent run is seen, not only read.
 *
 * Two views. Up to CLI_WF_ROWS transfers in all, every transfer is a bar on
 * one time axis (waiting, DNS, connect, TLS, first byte, download); with
 * --compare both runs are stacked on one scale. Past that a bar would be a
 * hairline, so the picture becomes one screen (waterfall_big.c): transfers in
 * flight over time, a line per run with the limits drawn, and a histogram of
 * the total times.
 *
 * Memory is fixed whatever the size of the run: CLI_WF_ROWS records with a
 * cut-down URL each, and per run the in-flight counters and histogram bins
 * of waterfall_int.h. Nothing grows with the number of transfers.
 */
#include "waterfall_int.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Row view layout, in SVG user units (pixels at the default size). */
#define LABEL_X 10.0
#define PLOT_X1 1170.0
#define LABEL_W_MAX 330.0 /* the widest the label column gets */

cli_wf_t *cli_wf_new(const afetch_options_t *o)
{
  cli_wf_t *w = calloc(1, sizeof(*w));
  if (!w)
    return NULL;
  w->concurrency = o ? o->concurrency : 0;
  w->per_host = o ? o->per_host : 0;
  for (int i = 0; i < WF_RUNS; i++)
    w->run[i].fly_dt = FLY_DT0;
  return w;
}

void cli_wf_free(cli_wf_t *w)
{
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

#define ELLIPSIS "\xE2\x80\xA6" /* U+2026 */

/* What is kept of a URL for its label: all of it, or its head and tail
 * around an ellipsis when it is longer than URL_KEEP - 1 bytes. The tail is
 * where URLs of one site differ; the head holds the prefix they share. */
static void keep_url(char *dst, const char *url)
{
  size_t len = strlen(url);
  if (len < URL_KEEP) {
    memcpy(dst, url, len + 1);
    return;
  }
  size_t half = (URL_KEEP - 4) / 2;
  size_t h = u8_head(url, URL_KEEP, half),
         t = u8_tail(url, len, URL_KEEP, half);
  memcpy(dst, url, h);
  memcpy(dst + h, ELLIPSIS, 3);
  memcpy(dst + h + 3, url + t, len - t);
  dst[h + 3 + len - t] = '\0';
}

/* The host[:port] of a URL, without user info, lower-cased into dst. */
static void url_host(char *dst, size_t cap, const char *url)
{
  const char *p = strstr(url, "://");
  p = p ? p + 3 : url;
  size_t n = strcspn(p, "/?#");
  const char *at = memchr(p, '@', n);
  while (at) {
    n -= (size_t)(at + 1 - p);
    p = at + 1;
    at = memchr(p, '@', n);
  }
  if (n >= cap)
    n = cap - 1;
  for (size_t i = 0; i < n; i++)
    dst[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] - 'A' + 'a' : p[i]);
  dst[n] = '\0';
}

/* Whether every transfer that took a slot went to one host: then the
 * per-host limit, when lower, is the one that binds. */
static void note_host(wf_run_t *run, const afetch_result_t *r)
{
  if (r->error_kind == AFETCH_ERR_INVALID_URL ||
      r->error_kind == AFETCH_ERR_SCHEME || !r->url || run->hosts > 1)
    return;
  char h[HOST_KEEP];
  url_host(h, sizeof(h), r->url);
  if (run->hosts == 0) {
    memcpy(run->host, h, sizeof(h));
    run->hosts = 1;
  }
  else if (strcmp(run->host, h) != 0) {
    run->hosts = 2;
  }
}

/* Halves the in-flight resolution: sample 2j stays, as sample j. An event
 * at an odd sample k = 2j - 1 (the first sample at or after it) moves to
 * the next one kept, 2j. */
static void fly_coarsen(wf_run_t *run)
{
  for (size_t j = 1; j <= FLY_N / 2; j++)
    run->fly[j] = run->fly[2 * j - 1] + run->fly[2 * j];
  memset(&run->fly[FLY_N / 2 + 1], 0, (FLY_N / 2) * sizeof(run->fly[0]));
  run->fly_dt *= 2;
}

/* The in-flight count sampled at t = k * fly_dt is the number of transfers
 * with start <= t < end: a +1 at the first sample at or after the start, a
 * -1 at the first at or after the end, summed at drawing time. A sample
 * never sees more than were in flight at that instant, so the line never
 * exceeds a limit that held. */
static void fly_add(wf_run_t *run, double start, double end)
{
  if (!(end > start) || end > FLY_END_MAX)
    return;
  while (ceil(end / run->fly_dt) > FLY_N)
    fly_coarsen(run);
  size_t ks = (size_t)ceil(start / run->fly_dt);
  size_t ke = (size_t)ceil(end / run->fly_dt);
  if (ks < ke) {
    run->fly[ks]++;
    run->fly[ke]--;
  }
}

size_t wf_hist_index(double total_ms)
{
  double us = total_ms * 1000;
  uint64_t v = us >= (double)HIST_MAX_US ? HIST_MAX_US - 1
               : us > 0                  ? (uint64_t)llround(us)
                                         : 0;
  if (v < HIST_SUB)
    return (size_t)v;
  int k = 63 - __builtin_clzll(v); /* 2^k <= v < 2^(k+1), k >= 6 */
  return HIST_SUB + (size_t)(k - 6) * HIST_SUB +
         (size_t)((v >> (k - 6)) - HIST_SUB);
}

void cli_wf_add(cli_wf_t *w, const afetch_result_t *r)
{
  if (!w || !r || r->run < 0 || r->run >= WF_RUNS)
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
  double end = (double)rec.start + rec.total;
  if (end > run->end_ms)
    run->end_ms = end;
  note_host(run, r);
  fly_add(run, rec.start, end);
  size_t b = wf_hist_index(r->time_ms.total);
  if (r->error)
    run->hist_failed[b]++;
  else
    run->hist_ok[b]++;
  /* Rows are kept while the whole picture can still be the row view. */
  if (w->run[0].seen + w->run[1].seen <= CLI_WF_ROWS && run->n < CLI_WF_ROWS) {
    rec.label = (uint16_t)run->n;
    keep_url(run->url[run->n], r->url ? r->url : "");
    run->rec[run->n++] = rec;
  }
}

void cli_wf_run_end(cli_wf_t *w, const afetch_summary_t *s)
{
  if (!w || !s || s->run < 0 || s->run >= WF_RUNS)
    return;
  wf_run_t *run = &w->run[s->run];
  run->ended = 1;
  run->mode = s->mode;
  run->wall_ms = ms(s->wall_ms);
}

void wf_put(out_t *o, const char *fmt, ...)
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

void wf_put_esc(out_t *o, const char *s)
{
  while (*s) {
    size_t n = strcspn(s, "&<>\"'");
    wf_put(o, "%.*s", (int)n, s);
    s += n;
    if (!*s)
      break;
    wf_put(o, "%s",
           *s == '&'   ? "&amp;"
           : *s == '<' ? "&lt;"
           : *s == '>' ? "&gt;"
           : *s == '"' ? "&quot;"
                       : "&apos;");
    s++;
  }
}

const char *wf_dur(char *buf, size_t cap, double v)
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

int wf_present(const wf_run_t *run)
{
  return run->seen > 0 || run->ended;
}

const char *wf_run_name(const wf_run_t *run, int i)
{
  if (!run->ended)
    return i == 0 ? "run 1" : "run 2";
  return run->mode == AFETCH_MODE_SEQUENTIAL ? "sequential" : "concurrent";
}

double wf_run_wall(const wf_run_t *run)
{
  if (run->ended)
    return run->wall_ms;
  return run->end_ms;
}

double wf_tick_step(double max, int ticks)
{
  double raw = max / ticks, p = pow(10, floor(log10(raw)));
  if (raw <= p)
    return p;
  if (raw <= 2 * p)
    return 2 * p;
  if (raw <= 5 * p)
    return 5 * p;
  return 10 * p;
}

void wf_time_axis(out_t *o, double x0, double x1, double tmax, double y,
                  double label_dy, double grid_y0, double grid_y1)
{
  double step = wf_tick_step(tmax, 8), scale = (x1 - x0) / tmax;
  wf_put(o, "<path class=\"ax\" d=\"M%.1f %.1fH%.1f\"/>\n", x0, y, x1);
  for (int i = 0; i * step <= tmax * 1.0001; i++) {
    double t = i * step, x = x0 + t * scale;
    if (grid_y1 > grid_y0)
      wf_put(o, "<path class=\"gr\" d=\"M%.1f %.1fV%.1f\"/>", x, grid_y0,
             grid_y1);
    wf_put(o, "<path class=\"ax\" d=\"M%.1f %.1fv%.0f\"/>", x, y,
           label_dy < 0 ? -4.0 : 4.0);
    wf_put(o, "<text class=\"tk\" x=\"%.1f\" y=\"%.1f\">%.6g %s</text>\n", x,
           y + label_dy, tmax >= 1000 ? t / 1000 : t,
           tmax >= 1000 ? "s" : "ms");
  }
}

void wf_svg_open(out_t *o, double h, const char *style)
{
  wf_put(o,
         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
         "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n<style>\n"
         "text{font-family:'DejaVu Sans',Verdana,sans-serif;font-size:12px;"
         "fill:#222}\n"
         ".tk{text-anchor:middle;font-size:11px;fill:#555}.lg{font-size:12px}"
         ".sub{fill:#666}\n"
         ".ax{stroke:#444;fill:none}.gr{stroke:#e4e4e4;fill:none}\n%s"
         "</style>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
         WF_W, h, WF_W, h, style);
}

void wf_title(out_t *o, const cli_wf_t *w)
{
  int nruns = wf_present(&w->run[0]) + wf_present(&w->run[1]);
  /* "N transfers" counts one run when both fetched the same list. */
  uint64_t n = w->run[0].seen + w->run[1].seen;
  if (nruns == 2 && w->run[0].seen == w->run[1].seen)
    n = w->run[0].seen;
  wf_put(o,
         "<text x=\"10\" y=\"24\" style=\"font-size:17px;"
         "font-weight:bold\">afetch waterfall: %llu transfers",
         (unsigned long long)n);
  const char *sep = ", ";
  char d[32];
  for (int i = 0; i < WF_RUNS; i++) {
    if (!wf_present(&w->run[i]))
      continue;
    wf_put(o, "%s%s %s", sep, wf_run_name(&w->run[i], i),
           wf_dur(d, sizeof(d), wf_run_wall(&w->run[i])));
    sep = " / ";
  }
  double a = wf_run_wall(&w->run[0]), b = wf_run_wall(&w->run[1]);
  if (nruns == 2 && a > 0 && b > 0)
    wf_put(o, " (%.1fx)", a / b);
  wf_put(o, "</text>\n");
}

/* ---- The row view ---- */

/* How URLs become labels: the bytes every URL starts with are left out
 * (up to a '/', so a path segment is never cut), the bytes every URL ends
 * with are the first to go when a label is too long, and a label keeps at
 * most chars characters. */
typedef struct {
  size_t strip, suffix;
  int chars;
} labels_t;

typedef struct {
  double x0, scale; /* the plot's left edge, pixels per ms */
  double row_h, bar_h, font;
} geo_t;

static size_t u8_len(const char *s)
{
  size_t n = 0;
  for (; *s; s++)
    n += (*s & 0xC0) != 0x80;
  return n;
}

/* Writes s cut to chars characters: when it is longer, the ellipsis goes
 * into the suffix all labels share if that leaves the last 8 characters,
 * otherwise between a third of the room at the head and the rest at the
 * tail, where the URLs of one site differ. */
static void put_label(out_t *o, const char *s, size_t suffix, int chars)
{
  size_t len = strlen(s), n = u8_len(s);
  if (n <= (size_t)chars) {
    wf_put_esc(o, s);
    return;
  }
  size_t drop = n - (size_t)chars + 1, suf = u8_len(s + len - suffix);
  size_t a, b; /* the characters [a, b) give way to the ellipsis */
  if (suf >= drop + 8) {
    a = n - suf;
    b = a + drop;
  }
  else {
    a = (size_t)(chars - 1) / 3;
    b = n - (size_t)(chars - 1 - (int)a);
  }
  size_t ha = u8_head(s, (int)a, len), hb = u8_head(s, (int)b, len);
  char buf[URL_KEEP + 4];
  memcpy(buf, s, ha);
  memcpy(buf + ha, ELLIPSIS, 3);
  memcpy(buf + ha + 3, s + hb, len - hb + 1);
  wf_put_esc(o, buf);
}

static void plan_labels(const cli_wf_t *w, labels_t *lab, size_t *longest)
{
  const char *first = NULL;
  size_t pre = 0, suf = 0, minlen = SIZE_MAX;
  int distinct = 0;
  for (int i = 0; i < WF_RUNS; i++)
    for (size_t k = 0; k < w->run[i].n; k++) {
      const char *u = w->run[i].url[k];
      size_t len = strlen(u);
      minlen = len < minlen ? len : minlen;
      if (!first) {
        first = u;
        pre = suf = len;
        continue;
      }
      size_t flen = strlen(first), p = 0, s = 0;
      while (p < pre && u[p] == first[p])
        p++;
      while (s < suf && s < len && u[len - 1 - s] == first[flen - 1 - s])
        s++;
      distinct |= p < flen || len != flen;
      pre = p;
      suf = s;
    }
  memset(lab, 0, sizeof(*lab));
  *longest = 0;
  if (!first)
    return;
  if (distinct) {
    /* After a '/', and short of the whole of any URL. */
    size_t cut = pre;
    while (cut > 0 && (first[cut - 1] != '/' || cut >= minlen))
      cut--;
    lab->strip = cut;
    lab->suffix = suf;
    /* The shared ends never overlap within the shortest URL. */
    if (lab->strip + lab->suffix > minlen)
      lab->suffix = minlen - lab->strip;
    while (lab->suffix > 0 &&
           (first[strlen(first) - lab->suffix] & 0xC0) == 0x80)
      lab->suffix--;
  }
  for (int i = 0; i < WF_RUNS; i++)
    for (size_t k = 0; k < w->run[i].n; k++) {
      size_t n = u8_len(w->run[i].url[k] + lab->strip);
      *longest = n > *longest ? n : *longest;
    }
}

static double xof(const geo_t *g, double t)
{
  return g->x0 + t * g->scale;
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
  for (int i = 1; i < 7; i++)
    if (b[i] < b[i - 1])
      b[i] = b[i - 1];
  for (int i = 0; i < 6; i++) {
    double x0 = xof(g, b[i]), x1 = xof(g, b[i + 1]);
    if (x1 - x0 < 0.05)
      continue;
    wf_put(o,
           "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" "
           "height=\"%.1f\"/>",
           seg[i].cls, x0, y, x1 - x0, g->bar_h);
  }
}

/* One transfer, with its URL at the left and its numbers in a tooltip. */
static void draw_one(out_t *o, const geo_t *g, const labels_t *lab,
                     const wf_run_t *run, const rec_t *r, double y)
{
  char st[48];
  if (r->error)
    snprintf(st, sizeof(st), "error: %s",
             afetch_errkind_name((afetch_errkind_t)r->error));
  else
    snprintf(st, sizeof(st), "HTTP %u", r->status);
  const char *url = run->url[r->label];
  wf_put(o, "<g><title>line %llu: ", (unsigned long long)r->line);
  wf_put_esc(o, url);
  wf_put(o,
         "\n%s; wait %.1f, dns %.1f, connect %.1f, tls %.1f, ttfb %.1f, "
         "total %.1f ms, started at %.1f ms</title>\n",
         st, r->wait, r->dns, r->connect, r->tls, r->ttfb, r->total, r->start);
  const char *cls = r->error ? "l e" : r->status >= 400 ? "l h" : "l";
  wf_put(o, "<text class=\"%s\" x=\"%.0f\" y=\"%.1f\">", cls, LABEL_X,
         y + g->bar_h - 1);
  put_label(o, url + lab->strip, lab->suffix, lab->chars);
  wf_put(o, "</text>");
  draw_bar(o, g, r, y);
  if (r->error || r->status >= 400) {
    double x0 = xof(g, r->start), x1 = xof(g, r->start + r->total);
    if (x1 - x0 < 4)
      x1 = x0 + 4; /* a failure in no time still shows */
    wf_put(o,
           "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
           "height=\"%.1f\"/>",
           r->error ? "xe" : "xh", x0 - 1, y - 1, x1 - x0 + 2, g->bar_h + 2);
  }
  wf_put(o, "</g>\n");
}

static void draw_legend(out_t *o, double y)
{
  double x = LABEL_X;
  for (int i = 0; i < 8; i++) {
    wf_put(o,
           "<rect class=\"%s\" x=\"%.0f\" y=\"%.0f\" width=\"14\" "
           "height=\"10\"/><text class=\"lg\" x=\"%.0f\" y=\"%.0f\">%s"
           "</text>\n",
           seg[i].cls, x, y - 9, x + 18, y, seg[i].name);
    x += 30 + 6.8 * strlen(seg[i].name);
  }
}

static int by_start(const void *a, const void *b)
{
  const rec_t *x = a, *y = b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return (x->line > y->line) - (x->line < y->line);
}

/* One run: its heading, its rows, and a dashed line at its wall time. */
static double draw_run(out_t *o, const geo_t *g, const labels_t *lab,
                       const wf_run_t *run, int i, double y)
{
  char d[32];
  double wall = wf_run_wall(run);
  wf_put(o,
         "<g id=\"run%d\">\n<text x=\"%.0f\" y=\"%.1f\"><tspan "
         "style=\"font-size:14px;font-weight:bold\">%s: %s</tspan>"
         "<tspan class=\"sub\" dx=\"6\">\xE2\x80\x94 %llu transfers",
         i, LABEL_X, y + 17, wf_run_name(run, i), wf_dur(d, sizeof(d), wall),
         (unsigned long long)run->seen);
  if (run->failed)
    wf_put(o, ", %llu failed", (unsigned long long)run->failed);
  wf_put(o, "</tspan></text>\n");
  y += 28;
  double top = y;
  for (size_t r = 0; r < run->n; r++, y += g->row_h) {
    if (r % 2)
      wf_put(o,
             "<rect class=\"bg\" x=\"%.0f\" y=\"%.1f\" width=\"%.0f\" "
             "height=\"%.1f\"/>",
             LABEL_X - 4, y, PLOT_X1 - LABEL_X + 4, g->row_h);
    draw_one(o, g, lab, run, &run->rec[r], y + (g->row_h - g->bar_h) / 2);
  }
  if (wall > 0)
    wf_put(o,
           "<path class=\"wl\" d=\"M%.1f %.1fV%.1f\"><title>%s wall time"
           "</title></path>\n",
           xof(g, wall), top - 4, y, d);
  wf_put(o, "</g>\n");
  return y + 6;
}

static int draw_rows(cli_wf_t *w, out_t *o)
{
  double tmax = 0;
  size_t nrows = 0;
  int nruns = 0;
  for (int i = 0; i < WF_RUNS; i++) {
    wf_run_t *run = &w->run[i];
    if (!wf_present(run))
      continue;
    nruns++;
    nrows += run->n;
    qsort(run->rec, run->n, sizeof(rec_t), by_start);
    double end = run->end_ms > run->wall_ms ? run->end_ms : run->wall_ms;
    tmax = end > tmax ? end : tmax;
  }
  if (tmax <= 0)
    tmax = 1;
  geo_t g;
  g.row_h = nrows <= 40 ? 20 : nrows <= 100 ? 14 : 11;
  g.bar_h = g.row_h - (nrows <= 40 ? 7 : 4);
  g.font = nrows <= 40 ? 12 : nrows <= 100 ? 10 : 9;
  labels_t lab;
  size_t longest;
  plan_labels(w, &lab, &longest);
  /* DejaVu Sans Mono advances 0.602 em a character. */
  double cw = 0.602 * g.font;
  lab.chars = (int)((LABEL_W_MAX - 12) / cw);
  if (longest < (size_t)lab.chars)
    lab.chars = longest < 12 ? 12 : (int)longest;
  g.x0 = LABEL_X + lab.chars * cw + 12;
  g.scale = (PLOT_X1 - g.x0) / (tmax * 1.02);

  double axis_y = lab.strip ? 94 : 76;
  double bottom = axis_y + 10 + (nruns == 0 ? 30 : 0);
  for (int i = 0; i < WF_RUNS; i++)
    if (wf_present(&w->run[i]))
      bottom += 34 + w->run[i].n * g.row_h;
  char style[1024];
  int off = snprintf(
      style, sizeof(style),
      ".l{font-family:'DejaVu Sans Mono',Menlo,monospace;font-size:%.1fpx}\n"
      ".e{fill:#d62728}.h{fill:#c45a00}"
      ".wl{stroke:#333;stroke-dasharray:4 3;fill:none}\n"
      ".xe{fill:none;stroke:#d62728;stroke-width:2}"
      ".xh{fill:none;stroke:#ff7f0e;stroke-width:2}.bg{fill:#f4f4f4}\n",
      g.font);
  for (int i = 0; i < 6 && off > 0 && (size_t)off < sizeof(style); i++)
    off += snprintf(style + off, sizeof(style) - (size_t)off, ".%s{fill:%s}",
                    seg[i].cls, seg[i].fill);
  wf_svg_open(o, bottom + 30, style);
  wf_put(o, "<g id=\"rows\">\n");
  wf_title(o, w);
  draw_legend(o, 48);
  if (lab.strip) {
    const char *first = w->run[0].n ? w->run[0].url[0] : w->run[1].url[0];
    wf_put(o,
           "<text class=\"sub\" x=\"%.0f\" y=\"70\">Every URL starts with "
           "<tspan class=\"l\">",
           LABEL_X);
    char pre[URL_KEEP];
    memcpy(pre, first, lab.strip);
    pre[lab.strip] = '\0';
    put_label(o, pre, 0, 120); /* within the width of the picture */
    wf_put(o, "</tspan>, left out of the labels.</text>\n");
  }
  wf_time_axis(o, g.x0, xof(&g, tmax), tmax, axis_y, -8, axis_y, bottom);
  double y = axis_y + 10;
  for (int i = 0; i < WF_RUNS; i++)
    if (wf_present(&w->run[i]))
      y = draw_run(o, &g, &lab, &w->run[i], i, y);
  if (nruns == 0)
    wf_put(o, "<text class=\"sub\" x=\"%.0f\" y=\"%.0f\">no transfers</text>\n",
           LABEL_X, axis_y + 30);
  wf_time_axis(o, g.x0, xof(&g, tmax), tmax, bottom, 16, 0, 0);
  wf_put(o, "</g>\n</svg>\n");
  return o->err;
}

static int draw(cli_wf_t *w, FILE *f)
{
  out_t o = {f, 0};
  if (w->run[0].seen + w->run[1].seen > CLI_WF_ROWS)
    return wf_draw_big(w, &o);
  return draw_rows(w, &o);
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
