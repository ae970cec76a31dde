/* Latency histogram: fixed size, log-linear buckets (relative error under
 * 1/64), so memory does not grow with the number of samples. */
#ifndef AF_STATS_H
#define AF_STATS_H

#include <stdint.h>

#define AF_HIST_SUB 64 /* buckets per power of two */
#define AF_HIST_BUCKETS (AF_HIST_SUB * 40)

typedef struct {
  uint64_t count;
  uint64_t min; /* exact, in microseconds */
  uint64_t max; /* exact */
  uint32_t b[AF_HIST_BUCKETS];
} af_hist_t;

void af_hist_init(af_hist_t *h);
void af_hist_add(af_hist_t *h, uint64_t us);
/* Value at quantile q in [0,1] (nearest rank), clamped to [min, max]; 0
 * when empty. */
uint64_t af_hist_quantile(const af_hist_t *h, double q);

#endif
