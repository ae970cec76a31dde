/*
 * The waterfall past CLI_WF_ROWS transfers, on one screen: one bar a
 * transfer would be a hairline, so this draws what tells the story instead.
 *
 * Top: transfers in flight over time, a line per run on one time axis (with
 * --compare the sequential run is a long flat line at 1 and the concurrent
 * one a short block at the limit: the speedup is the ratio of their widths),
 * with the concurrency limit drawn, and the per-host limit when all
 * transfers went to one host and it is the lower. Bottom: with --compare the
 * concurrent run's stretch of time again, closer, and the histogram of
 * time_ms.total of every transfer (failed ones in red on top).
 */
#include "waterfall_int.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BIG_H 700.0
#define X0 62.0
#define X1 1170.0
#define FLY_Y0 114.0
#define FLY_Y1 372.0
#define LOW_Y0 452.0
#define LOW_Y1 636.0
#define LOW_SPLIT 580.0 /* the zoom left of it, the histogram right */

typedef struct {
  double x0, y0, x1, y1;
} box_t;

/* Colours by mode: sequential orange, concurrent blue. */
static const char *cls_of(const wf_run_t *run)
{
  return run->ended && run->mode == AFETCH_MODE_SEQUENTIAL ? "sq" : "cc";
}

static const char STYLE[] =
    ".pt{font-size:14px;font-weight:bold}.yl{text-anchor:end;font-size:11px;"
    "fill:#555}.rl{font-size:11px}.mono{font-family:'DejaVu Sans Mono',"
    "Menlo,monospace}\n"
    ".lnsq{fill:none;stroke:#e6550d;stroke-width:2}"
    ".lncc{fill:none;stroke:#3182bd;stroke-width:2}\n"
    ".bdsq{fill:#e6550d;fill-opacity:.22}.bdcc{fill:#3182bd;"
    "fill-opacity:.22}\n"
    ".hbsq{fill:#e6550d}.hbcc{fill:#3182bd}.fl{fill:#d62728}\n"
    ".lim{fill:none;stroke:#222;stroke-width:1.3;stroke-dasharray:7 4}"
    ".limh{fill:none;stroke:#8e44ad;stroke-width:1.3;"
    "stroke-dasharray:3 3}\n"
    ".wl{stroke:#555;stroke-dasharray:4 3;fill:none}\n";

/* The in-flight count at every sample, summed from its changes. */
static void fly_counts(const wf_run_t *run, int32_t *out, int32_t *peak)
{
  int32_t cur = 0;
  *peak = 0;
  for (size_t k = 0; k <= FLY_N; k++) {
    cur += run->fly[k];
    out[k] = cur;
    *peak = cur > *peak ? cur : *peak;
  }
}

typedef struct {
  double sum;
  int32_t lo, hi;
  uint32_t n;
} col_t;

/* One run's line: per pixel column of the box, the samples' mean as a line
 * and their least and most as a band behind it. Samples stop one step past
 * the run's end, where the count has gone back to 0. */
static void draw_fly_run(out_t *o, const wf_run_t *run, int i,
                         const int32_t *cnt, const box_t *b, double tmax,
                         double ymax)
{
  int ncol = (int)(b->x1 - b->x0);
  col_t *col = calloc((size_t)ncol, sizeof(*col));
  if (!col) {
    o->err = o->err ? o->err : ENOMEM;
    return;
  }
  double end = wf_run_wall(run) > run->end_ms ? wf_run_wall(run) : run->end_ms;
  for (size_t k = 0; k <= FLY_N; k++) {
    double t = (double)k * run->fly_dt;
    if (t > tmax || t > end + run->fly_dt)
      break;
    int c = (int)(t / tmax * ncol);
    c = c >= ncol ? ncol - 1 : c;
    col_t *p = &col[c];
    if (p->n == 0 || cnt[k] < p->lo)
      p->lo = cnt[k];
    if (p->n == 0 || cnt[k] > p->hi)
      p->hi = cnt[k];
    p->sum += cnt[k];
    p->n++;
  }
  double yk = (b->y1 - b->y0) / ymax;
  const char *cls = cls_of(run);
  wf_put(o, "<path class=\"bd%s\" data-run=\"%d\" d=\"", cls, i);
  char cmd = 'M';
  for (int c = 0; c < ncol; c++)
    if (col[c].n) {
      wf_put(o, "%c%.1f %.2f", cmd, b->x0 + c + 0.5, b->y1 - col[c].hi * yk);
      cmd = 'L';
    }
  for (int c = ncol - 1; c >= 0; c--)
    if (col[c].n)
      wf_put(o, "L%.1f %.2f", b->x0 + c + 0.5, b->y1 - col[c].lo * yk);
  wf_put(o, "Z\"/>\n<path class=\"ln%s\" data-run=\"%d\" d=\"", cls, i);
  cmd = 'M';
  for (int c = 0; c < ncol; c++)
    if (col[c].n) {
      wf_put(o, "%c%.1f %.2f", cmd, b->x0 + c + 0.5,
             b->y1 - col[c].sum / col[c].n * yk);
      cmd = 'L';
    }
  wf_put(o, "\"/>\n");
  free(col);
}

/* A count axis on the left of b, from 0 to ymax, with grid lines. */
static void count_axis(out_t *o, const box_t *b, double ymax, int ticks)
{
  double step = wf_tick_step(ymax, ticks);
  step = step < 1 ? 1 : step;
  double yk = (b->y1 - b->y0) / ymax;
  wf_put(o, "<path class=\"ax\" d=\"M%.1f %.1fV%.1f\"/>\n", b->x0, b->y0,
         b->y1);
  for (int k = 0; k * step <= ymax; k++) {
    double y = b->y1 - k * step * yk, v = k * step;
    /* "600k", "1.2M": short enough for the margin left of the axis. */
    char n[32];
    if (v >= 1e6)
      snprintf(n, sizeof(n), "%gM", v / 1e6);
    else if (v >= 1e4)
      snprintf(n, sizeof(n), "%gk", v / 1e3);
    else
      snprintf(n, sizeof(n), "%.0f", v);
    wf_put(o,
           "<path class=\"gr\" d=\"M%.1f %.1fH%.1f\"/><text class=\"yl\" "
           "x=\"%.1f\" y=\"%.1f\">%s</text>\n",
           b->x0 + 1, y, b->x1, b->x0 - 6, y + 4, n);
  }
}

/* The limits the concurrent run had: -c, and --per-host when it binds. */
typedef struct {
  unsigned c, host; /* 0: not drawn */
  double top;       /* the count the y axis must reach */
} limits_t;

static limits_t limits_of(const cli_wf_t *w, int32_t peak)
{
  limits_t l = {0, 0, peak};
  for (int i = 0; i < WF_RUNS; i++) {
    const wf_run_t *run = &w->run[i];
    if (!wf_present(run) || !run->ended || run->mode != AFETCH_MODE_CONCURRENT)
      continue;
    l.c = w->concurrency;
    if (run->hosts == 1 && w->per_host > 0 && w->per_host < w->concurrency)
      l.host = w->per_host;
  }
  double bind = l.host ? l.host : l.c;
  l.top = bind > l.top ? bind : l.top;
  return l;
}

/* Labels (when labels) end at label_x, left of the last run's end line. */
static void draw_limits(out_t *o, const box_t *b, const limits_t *l,
                        double ymax, int labels, double label_x)
{
  double yk = (b->y1 - b->y0) / ymax;
  double yc = b->y1 - l->c * yk, yh = b->y1 - l->host * yk;
  if (l->c && l->c <= ymax) {
    wf_put(o, "<path class=\"lim\" data-limit=\"%u\" d=\"M%.1f %.2fH%.1f\"/>",
           l->c, b->x0, yc, b->x1);
    if (labels)
      wf_put(o,
             "<text class=\"rl\" x=\"%.1f\" y=\"%.1f\" "
             "style=\"text-anchor:end\">-c %u (concurrency limit)</text>",
             label_x, yc - 4, l->c);
    wf_put(o, "\n");
  }
  if (l->host && l->host <= ymax) {
    /* Its label goes below its line when the -c one is close above. */
    double ly = l->c <= ymax && yh - yc < 16 ? yh + 13 : yh - 4;
    wf_put(o, "<path class=\"limh\" data-limit=\"%u\" d=\"M%.1f %.2fH%.1f\"/>",
           l->host, b->x0, yh, b->x1);
    if (labels)
      wf_put(o,
             "<text class=\"rl\" x=\"%.1f\" y=\"%.1f\" style=\"text-anchor:"
             "end;fill:#8e44ad\">--per-host %u (one host: the binding limit)"
             "</text>",
             label_x, ly, l->host);
    wf_put(o, "\n");
  }
}

/* A dashed line at each run's end, its name and time above the box; with
 * two runs, on two rows so close ends do not overlap. */
static void draw_ends(out_t *o, const cli_wf_t *w, const box_t *b, double tmax,
                      int only)
{
  int row = 0;
  for (int i = WF_RUNS - 1; i >= 0; i--) {
    const wf_run_t *run = &w->run[i];
    double wall = wf_run_wall(run);
    if (!wf_present(run) || wall <= 0 || wall > tmax * 1.0001 ||
        (only >= 0 && i != only))
      continue;
    char d[32];
    double x = b->x0 + wall / tmax * (b->x1 - b->x0);
    int left = x > (b->x0 + b->x1) / 2;
    wf_put(o,
           "<path class=\"wl\" d=\"M%.1f %.1fV%.1f\"/><text class=\"rl\" "
           "x=\"%.1f\" y=\"%.1f\" style=\"text-anchor:%s\"><tspan "
           "style=\"font-weight:bold\">%s</tspan>: %llu in %s</text>\n",
           x, b->y0 - (row ? 18 : 4), b->y1, left ? x + 3 : x - 3,
           b->y0 - 6 - row * 14.0, left ? "end" : "start", wf_run_name(run, i),
           (unsigned long long)run->seen, wf_dur(d, sizeof(d), wall));
    row++;
  }
}

/* The y axis's top: a little room above the highest line or limit. */
static double fly_ymax(double top)
{
  double y = top * 1.12;
  return y < 2 ? 2 : y;
}

static void draw_fly(out_t *o, const cli_wf_t *w, int32_t (*cnt)[FLY_N + 1],
                     const box_t *b, double tmax, double ymax,
                     const limits_t *l, int labels)
{
  count_axis(o, b, ymax, labels ? 6 : 4);
  wf_time_axis(o, b->x0, b->x1, tmax, b->y1, 16, 0, 0);
  double last = 0;
  for (int i = 0; i < WF_RUNS; i++)
    if (wf_present(&w->run[i]) && wf_run_wall(&w->run[i]) > last)
      last = wf_run_wall(&w->run[i]);
  double lx = b->x0 + (last < tmax ? last : tmax) / tmax * (b->x1 - b->x0);
  draw_limits(o, b, l, ymax, labels, lx - 6);
  /* The sequential run last: its flat line stays on top of the block. */
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < WF_RUNS; i++) {
      const wf_run_t *run = &w->run[i];
      if (!wf_present(run) || (strcmp(cls_of(run), "sq") == 0) != pass)
        continue;
      draw_fly_run(o, run, i, cnt[i], b, tmax, ymax);
    }
}

/* ---- The histogram ---- */

/* The values of bin i: [lo, lo + width) us. */
static uint64_t bin_lo(size_t i, uint64_t *width)
{
  if (i < HIST_SUB) {
    *width = 1;
    return i;
  }
  int k = 6 + (int)((i - HIST_SUB) / HIST_SUB);
  uint64_t sub = (i - HIST_SUB) % HIST_SUB;
  *width = UINT64_C(1) << (k - 6);
  return (HIST_SUB + sub) << (k - 6);
}

/* The bin of the q-quantile (q in (0, 1]) of HIST_BINS counts. */
static size_t quantile_bin(const uint64_t *h, double q)
{
  uint64_t total = 0;
  for (size_t i = 0; i < HIST_BINS; i++)
    total += h[i];
  uint64_t want = (uint64_t)ceil(q * (double)total), cum = 0;
  for (size_t i = 0; i < HIST_BINS; i++) {
    cum += h[i];
    if (cum >= want && cum > 0)
      return i;
  }
  return 0;
}

static double bin_mid_ms(size_t i)
{
  uint64_t wd;
  uint64_t lo = bin_lo(i, &wd);
  return ((double)lo + (double)wd / 2) / 1000;
}

/* Display bins of width m * 2^(K-6) us, m a power of two, where 2^K <= hi
 * - 1 < 2^(K+1): the bins of the log-linear histogram below 2^(K+1) are
 * no wider and start on multiples of their width, so each falls whole into
 * one display bin and the counts stay exact. */
typedef struct {
  uint64_t width; /* us */
  size_t nbins;   /* below nbins * width; the rest is the overflow */
} dbins_t;

static dbins_t plan_bins(uint64_t hi, size_t target)
{
  int k = hi > 1 ? 63 - __builtin_clzll(hi - 1) : 0;
  uint64_t s = k > 6 ? UINT64_C(1) << (k - 6) : 1;
  dbins_t best = {0, 0};
  for (uint64_t m = 1; m <= 64; m *= 2) {
    size_t n = (size_t)((hi + m * s - 1) / (m * s));
    size_t dist = n > target ? n - target : target - n;
    size_t bdist =
        best.nbins > target ? best.nbins - target : target - best.nbins;
    if (best.width == 0 || dist < bdist) {
      best.width = m * s;
      best.nbins = n;
    }
  }
  return best;
}

enum { DBIN_MAX = 192 };

/* At the top right of the histogram: each run's quantiles of the successful
 * transfers (as the summary's), then what the overflow bar holds. */
static void draw_hist_notes(out_t *o, const cli_wf_t *w, const box_t *b,
                            uint64_t over, double edge_ms, double slowest_ms)
{
  double y = b->y0 + 12;
  for (int i = 0; i < WF_RUNS; i++) {
    const wf_run_t *run = &w->run[i];
    if (!wf_present(run) || run->seen == run->failed)
      continue;
    char p[3][32];
    const double q[3] = {0.5, 0.9, 0.99};
    for (int k = 0; k < 3; k++)
      wf_dur(p[k], sizeof(p[k]), bin_mid_ms(quantile_bin(run->hist_ok, q[k])));
    wf_put(o,
           "<text class=\"rl\" x=\"%.1f\" y=\"%.1f\" style=\"text-anchor:"
           "end\">%s: p50 %s, p90 %s, p99 %s</text>\n",
           b->x1 - 4, y, wf_run_name(run, i), p[0], p[1], p[2]);
    y += 14;
  }
  if (over) {
    char d[32], e[32];
    wf_put(o,
           "<text class=\"rl\" x=\"%.1f\" y=\"%.1f\" style=\"text-anchor:"
           "end\">right: %llu that took %s or more (the slowest about %s)"
           "</text>\n",
           b->x1 - 4, y, (unsigned long long)over,
           wf_dur(d, sizeof(d), edge_ms), wf_dur(e, sizeof(e), slowest_ms));
  }
}

static void draw_hist(out_t *o, const cli_wf_t *w, const box_t *b)
{
  /* The range: to the slowest transfer within 1.5 times the 99.5th
   * percentile; slower ones (a timeout among fast pages) go to an overflow
   * bar, so they do not squeeze the rest into a few bins. */
  uint64_t all[HIST_BINS] = {0};
  for (int i = 0; i < WF_RUNS; i++)
    for (size_t k = 0; k < HIST_BINS; k++)
      all[k] += w->run[i].hist_ok[k] + w->run[i].hist_failed[k];
  uint64_t wd, far = bin_lo(quantile_bin(all, 0.995), &wd) + wd;
  far += far / 2;
  size_t top = 0, slowest = 0;
  for (size_t k = 0; k < HIST_BINS; k++)
    if (all[k]) {
      slowest = k;
      if (bin_lo(k, &wd) < far)
        top = k;
    }
  uint64_t hi = bin_lo(top, &wd) + wd;
  int nruns = wf_present(&w->run[0]) + wf_present(&w->run[1]);
  dbins_t db = plan_bins(hi, (b->x1 - b->x0) > 800 ? 48 : 32);
  if (db.nbins > DBIN_MAX)
    db.nbins = DBIN_MAX;
  uint64_t edge = db.width * db.nbins;
  /* [run][bin][0 ok, 1 failed]; bin nbins is the overflow. */
  uint64_t cnt[WF_RUNS][DBIN_MAX + 1][2];
  memset(cnt, 0, sizeof(cnt));
  uint64_t cmax = 1, over = 0;
  for (int i = 0; i < WF_RUNS; i++)
    for (size_t k = 0; k < HIST_BINS; k++) {
      uint64_t lo = bin_lo(k, &wd);
      size_t d = lo >= edge ? db.nbins : (size_t)(lo / db.width);
      cnt[i][d][0] += w->run[i].hist_ok[k];
      cnt[i][d][1] += w->run[i].hist_failed[k];
    }
  for (int i = 0; i < WF_RUNS; i++) {
    for (size_t d = 0; d <= db.nbins; d++) {
      uint64_t n = cnt[i][d][0] + cnt[i][d][1];
      cmax = n > cmax ? n : cmax;
    }
    over += cnt[i][db.nbins][0] + cnt[i][db.nbins][1];
  }
  /* Slots: one a display bin, and two more for the overflow when it has
   * any: a gap and its bar. */
  double slot = (b->x1 - b->x0) / (double)(db.nbins + (over ? 2 : 0));
  /* Room at the top for the lines of draw_hist_notes. */
  double ymax = cmax * 1.35, yk = (b->y1 - b->y0) / ymax;
  count_axis(o, b, ymax, 4);
  wf_put(o,
         "<text class=\"yl\" transform=\"translate(%.1f %.1f) rotate(-90)\">"
         "transfers</text>\n",
         b->x0 - 40, b->y0);
  wf_time_axis(o, b->x0, b->x0 + slot * db.nbins, edge / 1000.0, b->y1, 16, 0,
               0);
  double bw = slot * 0.9 / (nruns ? nruns : 1);
  int sub = 0;
  for (int i = 0; i < WF_RUNS; i++) {
    const wf_run_t *run = &w->run[i];
    if (!wf_present(run))
      continue;
    for (size_t d = 0; d <= db.nbins; d++) {
      uint64_t ok = cnt[i][d][0], bad = cnt[i][d][1];
      if (ok + bad == 0)
        continue;
      double x =
          b->x0 + slot * (d == db.nbins ? d + 1 : d) + slot * 0.05 + sub * bw;
      double hok = ok * yk, hbad = bad * yk;
      char lo[32], hi_s[32];
      wf_put(o,
             "<g class=\"hb\" data-run=\"%d\" data-n=\"%llu\" "
             "data-failed=\"%llu\"><title>%s: ",
             i, (unsigned long long)(ok + bad), (unsigned long long)bad,
             wf_run_name(run, i));
      if (d == db.nbins)
        wf_put(o, "%s or more", wf_dur(lo, sizeof(lo), edge / 1000.0));
      else
        wf_put(o, "%s to %s", wf_dur(lo, sizeof(lo), d * db.width / 1000.0),
               wf_dur(hi_s, sizeof(hi_s), (d + 1) * db.width / 1000.0));
      wf_put(o, ": %llu transfer%s, %llu failed</title>",
             (unsigned long long)(ok + bad), ok + bad == 1 ? "" : "s",
             (unsigned long long)bad);
      if (ok)
        wf_put(o,
               "<rect class=\"hb%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
               "height=\"%.2f\"/>",
               cls_of(run), x, b->y1 - hok, bw, hok);
      if (bad)
        wf_put(o,
               "<rect class=\"fl\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
               "height=\"%.2f\"/>",
               x, b->y1 - hok - hbad, bw, hbad);
      wf_put(o, "</g>\n");
    }
    sub++;
  }
  draw_hist_notes(o, w, b, over, edge / 1000.0, bin_mid_ms(slowest));
}

static void draw_legend(out_t *o, const cli_wf_t *w, const limits_t *l,
                        double ymax)
{
  double x = 10, y = 66;
  for (int i = 0; i < WF_RUNS; i++) {
    const wf_run_t *run = &w->run[i];
    if (!wf_present(run))
      continue;
    const char *name = wf_run_name(run, i);
    wf_put(o,
           "<path class=\"ln%s\" d=\"M%.0f %.0fh22\"/><rect class=\"bd%s\" "
           "x=\"%.0f\" y=\"%.0f\" width=\"22\" height=\"10\"/><text "
           "class=\"lg\" x=\"%.0f\" y=\"%.0f\">%s</text>\n",
           cls_of(run), x, y - 4, cls_of(run), x, y - 9, x + 28, y, name);
    x += 40 + 7 * strlen(name);
  }
  if (l->c) {
    wf_put(o,
           "<path class=\"lim\" d=\"M%.0f %.0fh26\"/><text class=\"lg\" "
           "x=\"%.0f\" y=\"%.0f\">-c %u%s</text>\n",
           x, y - 4, x + 32, y, l->c, l->c > ymax ? " (above the scale)" : "");
    x += l->c > ymax ? 200 : 90;
  }
  if (l->host) {
    wf_put(o,
           "<path class=\"limh\" d=\"M%.0f %.0fh26\"/><text class=\"lg\" "
           "x=\"%.0f\" y=\"%.0f\">--per-host %u</text>\n",
           x, y - 4, x + 32, y, l->host);
    x += 140;
  }
  wf_put(o,
         "<rect class=\"fl\" x=\"%.0f\" y=\"%.0f\" width=\"14\" height=\"10\"/>"
         "<text class=\"lg\" x=\"%.0f\" y=\"%.0f\">failed</text>\n"
         "<text class=\"sub\" x=\"%.0f\" y=\"%.0f\">line: mean in flight over "
         "a pixel's time; band: least to most</text>\n",
         x, y - 9, x + 18, y, x + 90, y);
}

int wf_draw_big(cli_wf_t *w, out_t *o)
{
  int32_t cnt[WF_RUNS][FLY_N + 1];
  int32_t peak = 0, rpeak[WF_RUNS] = {0};
  double tmax = 0;
  for (int i = 0; i < WF_RUNS; i++) {
    const wf_run_t *run = &w->run[i];
    fly_counts(run, cnt[i], &rpeak[i]);
    peak = rpeak[i] > peak ? rpeak[i] : peak;
    double end =
        wf_run_wall(run) > run->end_ms ? wf_run_wall(run) : run->end_ms;
    tmax = end > tmax ? end : tmax;
  }
  tmax = tmax > 0 ? tmax * 1.02 : 1;
  limits_t l = limits_of(w, peak);
  double ymax = fly_ymax(l.top);
  int compare = wf_present(&w->run[0]) && wf_present(&w->run[1]);

  wf_svg_open(o, BIG_H, STYLE);
  wf_title(o, w);
  wf_put(o,
         "<text class=\"sub\" x=\"10\" y=\"44\">More than %d transfers: "
         "instead of a bar each, how many were in flight over time, and how "
         "long they took.</text>\n",
         CLI_WF_ROWS);
  draw_legend(o, w, &l, ymax);

  box_t fb = {X0, FLY_Y0, X1, FLY_Y1};
  wf_put(o,
         "<g id=\"inflight\" data-ymax=\"%.3f\" data-y0=\"%.1f\" "
         "data-y1=\"%.1f\"",
         ymax, fb.y0, fb.y1);
  for (int i = 0; i < WF_RUNS; i++)
    if (wf_present(&w->run[i]))
      wf_put(o, " data-peak%d=\"%d\"", i, rpeak[i]);
  wf_put(o, ">\n<text class=\"pt\" x=\"10\" y=\"92\">Transfers in "
            "flight</text>\n");
  draw_fly(o, w, cnt, &fb, tmax, ymax, &l, 1);
  draw_ends(o, w, &fb, tmax, -1);
  wf_put(o, "</g>\n");

  box_t hb = {X0, LOW_Y0, X1, LOW_Y1};
  double zoom = wf_run_wall(&w->run[1]);
  if (compare && zoom > 0) {
    box_t zb = {X0, LOW_Y0, LOW_SPLIT - 40, LOW_Y1};
    char d[32];
    wf_put(o,
           "<g id=\"zoom\">\n<text class=\"pt\" x=\"10\" y=\"%.0f\">The "
           "first %s, closer</text>\n",
           LOW_Y0 - 22, wf_dur(d, sizeof(d), zoom * 1.02));
    draw_fly(o, w, cnt, &zb, zoom * 1.02, ymax, &l, 0);
    draw_ends(o, w, &zb, zoom * 1.02, 1);
    wf_put(o, "</g>\n");
    hb.x0 = LOW_SPLIT + 40;
  }
  wf_put(o,
         "<g id=\"histogram\">\n<text class=\"pt\" x=\"%.0f\" y=\"%.0f\">"
         "How long each took <tspan class=\"sub\" style=\"font-size:11px;"
         "font-weight:normal\">(time_ms.total, all transfers)</tspan>"
         "</text>\n",
         hb.x0 - 52, LOW_Y0 - 22);
  draw_hist(o, w, &hb);
  wf_put(o, "</g>\n</svg>\n");
  return o->err;
}
