#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "stats.h"

static void test_empty(void **state)
{
  (void)state;
  af_hist_t h;
  af_hist_init(&h);
  assert_int_equal(h.count, 0);
  assert_int_equal(af_hist_quantile(&h, 0.0), 0);
  assert_int_equal(af_hist_quantile(&h, 0.5), 0);
  assert_int_equal(af_hist_quantile(&h, 1.0), 0);
}

static void test_small_exact(void **state)
{
  (void)state;
  af_hist_t h;
  af_hist_init(&h);
  for (uint64_t v = 100; v >= 1; v--)
    af_hist_add(&h, v);
  assert_int_equal(h.count, 100);
  assert_int_equal(af_hist_quantile(&h, 0.0), 1);
  assert_int_equal(af_hist_quantile(&h, 0.01), 1);
  assert_int_equal(af_hist_quantile(&h, 0.5), 50);
  assert_int_equal(af_hist_quantile(&h, 0.9), 90);
  assert_int_equal(af_hist_quantile(&h, 0.99), 99);
  assert_int_equal(af_hist_quantile(&h, 1.0), 100);
  /* Every rank of values below AF_HIST_SUB is exact. */
  af_hist_init(&h);
  for (uint64_t v = 0; v < AF_HIST_SUB; v++)
    af_hist_add(&h, v);
  for (uint64_t k = 1; k <= AF_HIST_SUB; k++) {
    double q = (double)k / AF_HIST_SUB;
    assert_int_equal(af_hist_quantile(&h, q), k - 1);
  }
}

static void test_nearest_rank_rounding(void **state)
{
  (void)state;
  af_hist_t h;
  af_hist_init(&h);
  for (uint64_t v = 1; v <= 10; v++)
    af_hist_add(&h, v);
  /* 0.9 * 10 must be rank 9, not 10 through floating point error. */
  assert_int_equal(af_hist_quantile(&h, 0.9), 9);
  assert_int_equal(af_hist_quantile(&h, 0.91), 10);
  assert_int_equal(af_hist_quantile(&h, 0.3), 3);
  assert_int_equal(af_hist_quantile(&h, 0.7), 7);
}

static int cmp_u64(const void *a, const void *b)
{
  uint64_t x = *(const uint64_t *)a;
  uint64_t y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void test_relative_error(void **state)
{
  (void)state;
  enum { N = 20000 };
  uint64_t *vals = malloc(N * sizeof(*vals));
  assert_non_null(vals);
  af_hist_t h;
  af_hist_init(&h);
  uint64_t x = 88172645463325252u; /* xorshift64 */
  for (int i = 0; i < N; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    /* Spread over 1 us .. 2^40 us, log-uniform. */
    int bits = (int)(x % 40) + 1;
    uint64_t v = (x >> 8) & ((UINT64_C(1) << bits) - 1);
    vals[i] = v;
    af_hist_add(&h, v);
  }
  qsort(vals, N, sizeof(*vals), cmp_u64);
  assert_int_equal(af_hist_quantile(&h, 0.0), vals[0]);
  assert_int_equal(af_hist_quantile(&h, 1.0), vals[N - 1]);
  for (int k = 1; k <= 1000; k++) {
    double q = k / 1000.0;
    uint64_t rank = (uint64_t)(q * N + 0.5); /* q * N is an integer here */
    uint64_t want = vals[rank - 1];
    uint64_t got = af_hist_quantile(&h, q);
    uint64_t diff = got > want ? got - want : want - got;
    /* diff / want < 1/64 */
    assert_true(diff * 64 < want || diff == 0);
  }
  free(vals);
}

static void test_min_max_exact(void **state)
{
  (void)state;
  af_hist_t h;
  af_hist_init(&h);
  af_hist_add(&h, 1000003);
  af_hist_add(&h, 123457);
  af_hist_add(&h, 5000011);
  assert_int_equal(h.min, 123457);
  assert_int_equal(h.max, 5000011);
  assert_int_equal(af_hist_quantile(&h, 0.0), 123457);
  assert_int_equal(af_hist_quantile(&h, 1.0), 5000011);
  /* The top bucket's middle lies above max: clamped. */
  assert_true(af_hist_quantile(&h, 0.99) <= 5000011);
  /* A single sample is reported exactly, wherever it falls. */
  af_hist_init(&h);
  af_hist_add(&h, 987654321);
  assert_int_equal(af_hist_quantile(&h, 0.5), 987654321);
}

static void test_huge_values_clamp(void **state)
{
  (void)state;
  af_hist_t h;
  af_hist_init(&h);
  af_hist_add(&h, UINT64_MAX);
  af_hist_add(&h, UINT64_C(1) << 60);
  af_hist_add(&h, 7);
  assert_int_equal(h.b[AF_HIST_BUCKETS - 1], 2);
  assert_int_equal(af_hist_quantile(&h, 1.0), UINT64_MAX);
  assert_int_equal(af_hist_quantile(&h, 0.1), 7);
  uint64_t mid = af_hist_quantile(&h, 0.5);
  assert_true(mid >= 7 && mid <= UINT64_MAX);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_empty),
      cmocka_unit_test(test_small_exact),
      cmocka_unit_test(test_nearest_rank_rounding),
      cmocka_unit_test(test_relative_error),
      cmocka_unit_test(test_min_max_exact),
      cmocka_unit_test(test_huge_values_clamp),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
