/* What waterfall.c (collection, the row view, the file) shares with
 * waterfall_big.c (the view past CLI_WF_ROWS transfers). */
#ifndef CLI_WATERFALL_INT_H
#define CLI_WATERFALL_INT_H

#include "waterfall.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
  WF_RUNS = 2,     /* run 0, and run 1 of --compare */
  URL_KEEP = 256,  /* bytes of a URL kept for its label, NUL included */
  HOST_KEEP = 128, /* bytes of a host[:port] compared, NUL included */
  FLY_N = 4096,    /* in-flight samples per run: at least FLY_N / 2 used */
  HIST_SUB = 64,   /* histogram bins per octave: 1.6 % wide */
  /* Bins for 0 to 2^40 us (12 days): 64 of 1 us, then octaves 6 to 39. */
  HIST_BINS = HIST_SUB + 34 * HIST_SUB,
};

#define HIST_MAX_US (UINT64_C(1) << 40)
#define FLY_DT0 0.01     /* ms between in-flight samples at first */
#define FLY_END_MAX 1e10 /* ms: a later end is no real transfer */
#define WF_W 1200.0      /* picture width */

/* Times in ms from the start of the run; float is plenty for a picture. */
typedef struct {
  uint64_t line;
  float start, wait, dns, connect, tls, ttfb, total;
  uint16_t status;
  uint8_t error;  /* afetch_errkind_t, AFETCH_ERR_NONE on success */
  uint16_t label; /* index into the run's url[] */
} rec_t;

typedef struct {
  uint64_t seen, failed;
  int ended; /* cli_wf_run_end was called: mode and wall_ms are known */
  afetch_mode_t mode;
  double wall_ms;
  double end_ms; /* the latest start + total */
  /* The row view: the first transfers, while the picture can be one. */
  size_t n;
  rec_t rec[CLI_WF_ROWS];
  char url[CLI_WF_ROWS][URL_KEEP];
  /* Transfers in flight: fly[k] is the change of the count at the sample
   * t = k * fly_dt; the resolution halves when a transfer ends past the
   * last sample. */
  int32_t fly[FLY_N + 1];
  double fly_dt;
  /* time_ms.total, log-linear (as HdrHistogram): bin i holds the values of
   * wf_hist_index() i. */
  uint64_t hist_ok[HIST_BINS], hist_failed[HIST_BINS];
  /* The host of the transfers, while they all have one (hosts 1). */
  char host[HOST_KEEP];
  int hosts; /* 0, 1, or 2 for more than one */
} wf_run_t;

struct cli_wf {
  wf_run_t run[WF_RUNS];
  unsigned concurrency, per_host; /* the limits of the concurrent run */
};

/* Output that remembers its first error, so drawing code stays linear. */
typedef struct {
  FILE *f;
  int err;
} out_t;

#if defined(__GNUC__)
void wf_put(out_t *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#else
void wf_put(out_t *o, const char *fmt, ...);
#endif
/* s with the five XML specials escaped. */
void wf_put_esc(out_t *o, const char *s);
/* "45.2 ms", "0.51 s", "27.5 s": about three significant digits. */
const char *wf_dur(char *buf, size_t cap, double v);
int wf_present(const wf_run_t *run);
const char *wf_run_name(const wf_run_t *run, int i);
double wf_run_wall(const wf_run_t *run);
/* A step of 1, 2 or 5 times a power of ten, for about ticks ticks. */
double wf_tick_step(double max, int ticks);
/* A time axis from x0 (0) to x1 (tmax ms) at height y, tick labels
 * label_dy below it (above when negative), grid lines from grid_y0 to
 * grid_y1 when that is not empty. */
void wf_time_axis(out_t *o, double x0, double x1, double tmax, double y,
                  double label_dy, double grid_y0, double grid_y1);
/* The XML prolog, <svg> of height h, the common style plus style. */
void wf_svg_open(out_t *o, double h, const char *style);
/* "afetch waterfall: N transfers, sequential A / concurrent B (Cx)". */
void wf_title(out_t *o, const cli_wf_t *w);
/* The histogram bin of a total time. */
size_t wf_hist_index(double total_ms);
/* Draws the one-screen view. Returns 0 or an errno value. */
int wf_draw_big(cli_wf_t *w, out_t *o);

#endif
