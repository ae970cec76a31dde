#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "afetch.h"
#include "plan.h"

static afetch_plan_t *plan_with(const afetch_options_t *o)
{
  afetch_plan_t *p = NULL;
  assert_int_equal(afetch_plan_new(&p, o), 0);
  assert_non_null(p);
  return p;
}

static void add_str(afetch_plan_t *p, const char *s)
{
  assert_int_equal(afetch_plan_add(p, s, strlen(s)), 0);
}

/* Every kind of line a run sees, counted exactly; the host key is
 * "host:port", so http and https of one name are two hosts. */
static void test_exact_small(void **state)
{
  (void)state;
  afetch_plan_t *p = plan_with(NULL);
  add_str(p, "\xEF\xBB\xBF"
             "a.com/1\n  b.com/x  \r\n# comment\n\n"
             "https://a.com/2\nftp://x/\nA.COM/3\nhttp://a.com:80/4\n"
             "\"http://q.com/\"\nhttp://a.com:0/\nb.com/y");
  assert_int_equal(afetch_plan_finish(p), 0);
  const afetch_plan_stats_t *s = afetch_plan_stats(p);
  assert_int_equal(s->lines, 11);
  assert_int_equal(s->urls, 9);
  assert_int_equal(s->valid, 6);
  assert_int_equal(s->invalid, 3);
  assert_int_equal(s->other_shards, 0);
  assert_int_equal(s->hosts, 3);
  assert_true(s->hosts_exact);
  assert_int_equal(s->largest_host, 3);
  assert_int_equal(afetch_plan_ntop(p), 3);
  uint64_t c, e;
  assert_string_equal(afetch_plan_top(p, 0, &c, &e), "a.com:80");
  assert_int_equal(c, 3);
  assert_int_equal(e, 0);
  assert_string_equal(afetch_plan_top(p, 1, &c, &e), "b.com:80");
  assert_int_equal(c, 2);
  assert_string_equal(afetch_plan_top(p, 2, &c, &e), "a.com:443");
  assert_int_equal(c, 1);
  assert_null(afetch_plan_top(p, 3, &c, &e));
  /* No host delay: no bound, and a tiny list needs one shard. */
  assert_true(s->min_wall_s == 0.0);
  assert_int_equal(s->suggested_shards, 1);
  afetch_plan_free(p);
}

/* Inputs are split on their own: a last line without a newline ends with
 * its input, and bytes fed one at a time count the same. */
static void test_inputs_and_pieces(void **state)
{
  (void)state;
  afetch_options_t o;
  afetch_options_init(&o);
  o.default_scheme = "https";
  afetch_plan_t *p = plan_with(&o);
  const char *in = "x.org/1\nx.org/2\ny.org/3";
  for (size_t i = 0; in[i]; i++)
    assert_int_equal(afetch_plan_add(p, in + i, 1), 0);
  assert_int_equal(afetch_plan_end_input(p), 0);
  add_str(p, "z.org/4\n");
  assert_int_equal(afetch_plan_finish(p), 0);
  const afetch_plan_stats_t *s = afetch_plan_stats(p);
  assert_int_equal(s->lines, 4);
  assert_int_equal(s->valid, 4);
  assert_int_equal(s->hosts, 3);
  uint64_t c;
  assert_string_equal(afetch_plan_top(p, 0, &c, NULL), "x.org:443");
  assert_int_equal(c, 2);
  afetch_plan_free(p);
}

/* A line longer than a run accepts is one invalid URL, not an error. */
static void test_too_long_invalid(void **state)
{
  (void)state;
  afetch_plan_t *p = plan_with(NULL);
  size_t n = 70 * 1024;
  char *big = malloc(n + 2);
  assert_non_null(big);
  memcpy(big, "http://long.com/", 16);
  memset(big + 16, 'a', n - 16);
  big[n] = '\n';
  big[n + 1] = '\0';
  add_str(p, big);
  add_str(p, "ok.com/\n");
  free(big);
  assert_int_equal(afetch_plan_finish(p), 0);
  const afetch_plan_stats_t *s = afetch_plan_stats(p);
  assert_int_equal(s->urls, 2);
  assert_int_equal(s->invalid, 1);
  assert_int_equal(s->hosts, 1);
  afetch_plan_free(p);
}

/* A skewed list: 10 heavy hosts among 200 000 hosts of one URL each,
 * interleaved. Space-Saving with 1000 counters must rank the heavy ones
 * first, in order, each true count within [count - err, count]. */
static void test_topk_skewed(void **state)
{
  (void)state;
  afetch_plan_t *p = plan_with(NULL);
  char key[64];
  uint64_t heavy[10];
  for (int h = 0; h < 10; h++)
    heavy[h] = 10000 - 700 * (uint64_t)h;
  uint64_t left[10];
  memcpy(left, heavy, sizeof(left));
  unsigned single = 0;
  for (int round = 0; round < 10000; round++) {
    for (int h = 0; h < 10; h++) {
      if (left[h]) {
        snprintf(key, sizeof(key), "heavy%d.example:80", h);
        assert_int_equal(af_plan_count_host(p, key), 0);
        left[h]--;
      }
    }
    for (int k = 0; k < 20; k++) {
      snprintf(key, sizeof(key), "s%u.example:80", single++);
      assert_int_equal(af_plan_count_host(p, key), 0);
    }
  }
  assert_int_equal(afetch_plan_finish(p), 0);
  assert_int_equal(afetch_plan_ntop(p), AF_PLAN_TOPK);
  for (int h = 0; h < 10; h++) {
    uint64_t c, e;
    const char *name = afetch_plan_top(p, (size_t)h, &c, &e);
    snprintf(key, sizeof(key), "heavy%d.example:80", h);
    assert_string_equal(name, key);
    assert_true(c - e <= heavy[h] && heavy[h] <= c);
  }
  const afetch_plan_stats_t *s = afetch_plan_stats(p);
  assert_true(s->largest_host <= heavy[0]);
  assert_int_equal(s->hosts, 10 + single);
  assert_true(s->hosts_exact);
  afetch_plan_free(p);
}

/* A host that comes after the counters are full takes over the smallest
 * one: its count carries that counter's as the possible overcount, so
 * count - err is still a true lower bound. */
static void test_topk_late_host(void **state)
{
  (void)state;
  afetch_plan_t *p = plan_with(NULL);
  char key[64];
  for (unsigned i = 0; i < 1500; i++) {
    snprintf(key, sizeof(key), "early%u.example:80", i);
    assert_int_equal(af_plan_count_host(p, key), 0);
  }
  for (int i = 0; i < 50; i++)
    assert_int_equal(af_plan_count_host(p, "late.example:80"), 0);
  assert_int_equal(afetch_plan_finish(p), 0);
  uint64_t c, e;
  assert_string_equal(afetch_plan_top(p, 0, &c, &e), "late.example:80");
  assert_true(e > 0);
  assert_true(c - e <= 50 && 50 <= c);
  assert_int_equal(afetch_plan_stats(p)->largest_host, c - e);
  assert_int_equal(afetch_plan_stats(p)->hosts, 1501);
  afetch_plan_free(p);
}

/* Past the exact bound the HyperLogLog estimate stands in: 2 M distinct
 * hosts (each seen twice) estimated within 3 standard errors. */
static void test_hll_estimate(void **state)
{
  (void)state;
  afetch_plan_t *p = plan_with(NULL);
  const unsigned n = 2000000;
  char key[64];
  for (int pass = 0; pass < 2; pass++) {
    for (unsigned i = 0; i < n; i++) {
      snprintf(key, sizeof(key), "h%u.test:443", i);
      assert_int_equal(af_plan_count_host(p, key), 0);
    }
  }
  assert_int_equal(afetch_plan_finish(p), 0);
  const afetch_plan_stats_t *s = afetch_plan_stats(p);
  assert_false(s->hosts_exact);
  assert_true(fabs(s->hosts_std_error - 1.04 / sqrt(16384.0)) < 1e-9);
  double rel = fabs((double)s->hosts - n) / n;
  print_message("HLL: %" PRIu64 " for %u (%.3f%%)\n", s->hosts, n, 100 * rel);
  assert_true(rel < 3 * s->hosts_std_error);
  afetch_plan_free(p);
}

/* --shard: only the shard's hosts are planned, with the run's own test
 * (the host's hash modulo N); two shards partition the list. */
static void test_shard_filter(void **state)
{
  (void)state;
  afetch_options_t o;
  afetch_options_init(&o);
  o.shard_n = 2;
  char buf[64];
  uint64_t urls[2] = {0, 0}, hosts[2] = {0, 0}, want[2] = {0, 0};
  for (unsigned k = 0; k < 2; k++) {
    o.shard_k = k;
    afetch_plan_t *p = plan_with(&o);
    for (int h = 0; h < 50; h++) {
      for (int u = 0; u <= h % 3; u++) {
        snprintf(buf, sizeof(buf), "http://h%d.example/%d\n", h, u);
        add_str(p, buf);
        if (k == 0) {
          snprintf(buf, sizeof(buf), "h%d.example", h);
          want[afetch_host_hash(buf, strlen(buf)) % 2]++;
        }
      }
    }
    assert_int_equal(afetch_plan_finish(p), 0);
    const afetch_plan_stats_t *s = afetch_plan_stats(p);
    urls[k] = s->urls;
    hosts[k] = s->hosts;
    assert_int_equal(s->urls + s->other_shards, want[0] + want[1]);
    afetch_plan_free(p);
  }
  assert_int_equal(urls[0], want[0]);
  assert_int_equal(urls[1], want[1]);
  assert_int_equal(hosts[0] + hosts[1], 50);
  assert_true(urls[0] > 0 && urls[1] > 0);
}

/* The suggested shard count: about 5 M URLs a shard, but never more
 * shards than the largest host leaves useful. 12 M URLs over hosts of 100
 * URLs: 3 shards; the same 12 M with one host of 5 M: 2. */
static void test_suggested_shards(void **state)
{
  (void)state;
  assert_int_equal(af_plan_suggest_shards(12000000, 100, 120000), 3);
  assert_int_equal(af_plan_suggest_shards(12000000, 5000000, 7000001), 2);
  assert_int_equal(af_plan_suggest_shards(10000000, 100, 100000), 2);
  assert_int_equal(af_plan_suggest_shards(10000001, 100, 100001), 3);
  /* One host only: sharding cannot help. */
  assert_int_equal(af_plan_suggest_shards(50000000, 50000000, 1), 1);
  /* Fewer hosts than the URL count asks for. */
  assert_int_equal(af_plan_suggest_shards(40000000, 10, 4), 4);
  assert_int_equal(af_plan_suggest_shards(0, 0, 0), 1);
  afetch_plan_t *p = plan_with(NULL);
  assert_int_equal(afetch_plan_finish(p), 0);
  assert_int_equal(afetch_plan_stats(p)->suggested_shards, 1);
  assert_int_equal(afetch_plan_stats(p)->urls, 0);
  afetch_plan_free(p);
}

static void test_bad_arguments(void **state)
{
  (void)state;
  afetch_options_t o;
  afetch_options_init(&o);
  afetch_plan_t *p = NULL;
  o.shard_k = 2;
  o.shard_n = 2;
  assert_int_equal(afetch_plan_new(&p, &o), AFETCH_EINVAL);
  assert_null(p);
  afetch_options_init(&o);
  o.default_scheme = "ftp";
  assert_int_equal(afetch_plan_new(&p, &o), AFETCH_EINVAL);
  p = plan_with(NULL);
  assert_int_equal(afetch_plan_add(p, NULL, 1), AFETCH_EINVAL);
  /* Corrupt gzip: an error with a reason, not a crash. */
  int rc = afetch_plan_add(p, "\x1f\x8b\x08\x00zzzzzzzzzzzz", 16);
  if (rc == 0)
    rc = afetch_plan_end_input(p);
  assert_int_equal(rc, AFETCH_EIO);
  assert_true(strlen(afetch_plan_error(p)) > 0);
  afetch_plan_free(p);
  afetch_plan_free(NULL);
}

int main(void)
{
  afetch_global_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_exact_small),
      cmocka_unit_test(test_inputs_and_pieces),
      cmocka_unit_test(test_too_long_invalid),
      cmocka_unit_test(test_topk_skewed),
      cmocka_unit_test(test_topk_late_host),
      cmocka_unit_test(test_hll_estimate),
      cmocka_unit_test(test_shard_filter),
      cmocka_unit_test(test_suggested_shards),
      cmocka_unit_test(test_bad_arguments),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  afetch_global_cleanup();
  return rc;
}
