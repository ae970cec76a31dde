#include "stats.h"

#include <string.h>

/* Bucket layout (as in HdrHistogram, with SUB = AF_HIST_SUB = 2^SHIFT):
 * values below SUB have a bucket each, so they are exact. A value v >= SUB
 * with its highest bit at position e falls in the bucket of (v >> (e -
 * SHIFT)), whose width is 2^(e - SHIFT): with v >= 2^e the width is less
 * than v / SUB, which bounds the relative error. Each power of two from
 * SUB upwards takes SUB buckets, so bucket i >= SUB starts a group of
 * width 2^(i / SUB - 1). The last bucket also takes every larger value. */
#define SHIFT 6

_Static_assert(AF_HIST_SUB == 1 << SHIFT, "AF_HIST_SUB must be 2^SHIFT");

static int msb(uint64_t v)
{
  return 63 - __builtin_clzll(v);
}

static size_t bucket_of(uint64_t v)
{
  if (v < AF_HIST_SUB)
    return (size_t)v;
  int e = msb(v);
  uint64_t sub = v >> (e - SHIFT); /* in [SUB, 2 * SUB) */
  uint64_t i = (uint64_t)(e - SHIFT + 1) * AF_HIST_SUB + (sub - AF_HIST_SUB);
  if (i >= AF_HIST_BUCKETS)
    i = AF_HIST_BUCKETS - 1;
  return (size_t)i;
}

/* The middle of bucket i: the reported value is then off by at most half
 * a bucket width, under 1/128 of the true value. */
static uint64_t bucket_value(size_t i)
{
  if (i < AF_HIST_SUB)
    return i;
  unsigned shift = (unsigned)(i / AF_HIST_SUB - 1);
  uint64_t lo = ((uint64_t)(i % AF_HIST_SUB) + AF_HIST_SUB) << shift;
  uint64_t width = (uint64_t)1 << shift;
  return lo + width / 2;
}

void af_hist_init(af_hist_t *h)
{
  memset(h, 0, sizeof(*h));
}

void af_hist_add(af_hist_t *h, uint64_t us)
{
  if (h->count == 0 || us < h->min)
    h->min = us;
  if (h->count == 0 || us > h->max)
    h->max = us;
  h->count++;
  size_t i = bucket_of(us);
  /* Saturate rather than wrap: the quantile walk then falls back to max. */
  if (h->b[i] < UINT32_MAX)
    h->b[i]++;
}

uint64_t af_hist_quantile(const af_hist_t *h, double q)
{
  if (h->count == 0)
    return 0;
  if (!(q > 0.0)) /* also NaN */
    return h->min;
  if (q >= 1.0)
    return h->max;
  /* Nearest rank: the smallest sample with at least q * count samples at
   * or below it. The slight shrink keeps 0.9 * 10 from rounding up to
   * rank 10 through floating point error. */
  double x = q * (double)h->count;
  x -= x * 1e-12;
  uint64_t rank = (uint64_t)x; /* ceil without libm */
  if ((double)rank < x)
    rank++;
  if (rank < 1)
    rank = 1;
  if (rank > h->count)
    rank = h->count;
  uint64_t seen = 0;
  for (size_t i = 0; i < AF_HIST_BUCKETS; i++) {
    seen += h->b[i];
    if (seen >= rank) {
      uint64_t v = bucket_value(i);
      if (v < h->min)
        return h->min;
      if (v > h->max)
        return h->max;
      return v;
    }
  }
  return h->max;
}
