/* The scheduler on a fake clock: caps, rate, order window, ready_at, the
 * retry policy and the limit accounting. It makes no calls out, so these
 * tests drive it exactly as the engine does, with times chosen here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scheduler.h"

#define MS 1000000ull
#define T0 (1000 * MS) /* the fake clock starts here: 0 means "never" */

/* Items on hosts named by the caller ("a:80"), seq in creation order. */
typedef struct {
  af_sched_t s;
  af_item_t items[16];
  int n;
} fix_t;

static af_item_t *item(fix_t *f, const char *hostkey)
{
  af_item_t *it = &f->items[f->n];
  it->seq = (uint64_t)f->n++;
  it->u.url = "http://x/";
  it->u.hostkey = (char *)hostkey;
  it->save_fd = -1;
  return it;
}

static void setup(fix_t *f, unsigned conc, unsigned per_host, double rate,
                  int order_input, unsigned window)
{
  memset(f, 0, sizeof(*f));
  af_sched_init(&f->s);
  af_sched_run_begin(&f->s, conc, per_host, rate, 0, order_input, window, T0);
}

static void push(fix_t *f, const char *hostkey, uint64_t now)
{
  assert_int_equal(af_sched_push(&f->s, item(f, hostkey), 0, now), 0);
}

static af_item_t *next(fix_t *f, uint64_t now, uint64_t *wake)
{
  af_sched_gate_t g = {0, 0};
  uint64_t w;
  return af_sched_next(&f->s, now, &g, wake ? wake : &w);
}

static void teardown(fix_t *f)
{
  for (af_item_t *it; (it = af_sched_take_any(&f->s));)
    ;
  for (int i = 0; i < f->n; i++)
    af_sched_release(&f->s, &f->items[i]);
  assert_int_equal(f->s.hcount, 0); /* every host freed with its last item */
  af_sched_free(&f->s);
}

/* -c 2 over five hosts: two start, the third only when one ends. */
static void test_global_cap(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 2, 6, 0, 0, 1);
  const char *hosts[] = {"a:80", "b:80", "c:80", "d:80", "e:80"};
  for (int i = 0; i < 5; i++)
    push(&f, hosts[i], T0);
  af_item_t *x = next(&f, T0, NULL);
  af_item_t *y = next(&f, T0, NULL);
  assert_non_null(x);
  assert_non_null(y);
  assert_null(next(&f, T0, NULL));
  assert_int_equal(f.s.inflight, 2);
  af_sched_ended(&f.s, x, T0 + MS);
  af_item_t *z = next(&f, T0 + MS, NULL);
  assert_non_null(z);
  assert_int_equal(z->seq, 2); /* the oldest queued URL goes first */
  assert_null(next(&f, T0 + MS, NULL));
  teardown(&f);
}

/* --per-host 2: a host at its cap does not block the others. */
static void test_per_host_cap(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 10, 2, 0, 0, 1);
  for (int i = 0; i < 4; i++)
    push(&f, "a:80", T0);
  push(&f, "b:80", T0);
  assert_int_equal(next(&f, T0, NULL)->seq, 0);
  af_item_t *a1 = next(&f, T0, NULL);
  assert_int_equal(a1->seq, 1);
  assert_int_equal(next(&f, T0, NULL)->seq, 4); /* b, past a's queue */
  assert_null(next(&f, T0, NULL));
  assert_int_equal(f.s.inflight, 3);
  af_sched_ended(&f.s, a1, T0 + MS);
  assert_int_equal(next(&f, T0 + MS, NULL)->seq, 2);
  assert_null(next(&f, T0 + MS, NULL));
  teardown(&f);
}

/* --rate 10: one start per 100 ms; the wake time says when the next may. */
static void test_rate(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 10, 10, 10, 0, 1);
  for (int i = 0; i < 3; i++)
    push(&f, "a:80", T0);
  uint64_t wake = 0;
  assert_non_null(next(&f, T0, &wake));
  assert_null(next(&f, T0, &wake));
  assert_int_equal(wake, T0 + 100 * MS);
  assert_null(next(&f, T0 + 99 * MS, &wake));
  assert_non_null(next(&f, T0 + 100 * MS, &wake));
  assert_null(next(&f, T0 + 150 * MS, &wake));
  assert_int_equal(wake, T0 + 200 * MS);
  teardown(&f);
}

/* --order input with a window of 2: nothing runs further ahead than the
 * window past the next result to deliver. */
static void test_order_window(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 10, 10, 0, 1, 2);
  for (int i = 0; i < 4; i++)
    push(&f, "a:80", T0);
  af_sched_gate_t g = {0, 0};
  uint64_t wake;
  assert_int_equal(af_sched_next(&f.s, T0, &g, &wake)->seq, 0);
  assert_int_equal(af_sched_next(&f.s, T0, &g, &wake)->seq, 1);
  assert_null(af_sched_next(&f.s, T0, &g, &wake));
  g.next_emit = 1; /* seq 0 was delivered */
  assert_int_equal(af_sched_next(&f.s, T0, &g, &wake)->seq, 2);
  assert_null(af_sched_next(&f.s, T0, &g, &wake));
  teardown(&f);
}

/* Backpressure: while the parsers are behind nothing new starts. */
static void test_parse_gate(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 10, 10, 0, 0, 1);
  push(&f, "a:80", T0);
  af_sched_gate_t g = {0, 1};
  uint64_t wake;
  assert_null(af_sched_next(&f.s, T0, &g, &wake));
  g.parse_full = 0;
  assert_non_null(af_sched_next(&f.s, T0, &g, &wake));
  teardown(&f);
}

/* A pushed item with ready_at in the future sleeps until then, and then
 * goes back to its place in its host's queue (input order). */
static void test_ready_at(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 1, 1, 0, 0, 1);
  push(&f, "a:80", T0);
  af_item_t *first = next(&f, T0, NULL);
  push(&f, "a:80", T0);
  af_sched_ended(&f.s, first, T0 + 10 * MS);
  /* first is retried 500 ms from now. */
  uint64_t at = T0 + 510 * MS;
  assert_int_equal(af_sched_push(&f.s, first, at, T0 + 10 * MS), 0);
  assert_int_equal(f.s.nsleep, 1);
  af_item_t *second = next(&f, T0 + 10 * MS, NULL);
  assert_int_equal(second->seq, 1);
  af_sched_ended(&f.s, second, T0 + 20 * MS);
  uint64_t wake = 0;
  assert_null(next(&f, T0 + 20 * MS, &wake));
  assert_int_equal(wake, at);
  assert_null(next(&f, at - 1, &wake));
  af_item_t *again = next(&f, at, &wake);
  assert_ptr_equal(again, first);
  assert_int_equal(f.s.nsleep, 0);
  teardown(&f);
}

/* Backoff: 250 ms, doubling per attempt, at most 10 s. */
static void test_backoff_growth(void **state)
{
  (void)state;
  assert_int_equal(af_sched_retry_delay_ms(0, 0, 30000), 250);
  assert_int_equal(af_sched_retry_delay_ms(1, 0, 30000), 500);
  assert_int_equal(af_sched_retry_delay_ms(2, 0, 30000), 1000);
  assert_int_equal(af_sched_retry_delay_ms(5, 0, 30000), 8000);
  assert_int_equal(af_sched_retry_delay_ms(6, 0, 30000), 10000);
  assert_int_equal(af_sched_retry_delay_ms(40, 0, 30000), 10000);
}

/* Retry-After wins over the backoff, capped at the transfer timeout. */
static void test_retry_after(void **state)
{
  (void)state;
  assert_int_equal(af_sched_retry_delay_ms(0, 2, 30000), 2000);
  assert_int_equal(af_sched_retry_delay_ms(3, 1, 30000), 1000);
  assert_int_equal(af_sched_retry_delay_ms(0, 120, 30000), 30000);
}

/* The wait of a URL held by -c is charged to concurrency when it starts. */
static void test_limit_accounting(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 1, 6, 0, 0, 1);
  push(&f, "a:80", T0);
  push(&f, "b:80", T0);
  af_item_t *x = next(&f, T0, NULL);
  assert_null(next(&f, T0, NULL)); /* b waits on -c from now */
  af_sched_ended(&f.s, x, T0 + 40 * MS);
  assert_non_null(next(&f, T0 + 40 * MS, NULL));
  assert_int_equal(f.s.limit_held[AFETCH_LIMIT_CONCURRENCY], 1);
  assert_int_equal(f.s.limit_wait_ns[AFETCH_LIMIT_CONCURRENCY], 40 * MS);
  assert_int_equal(f.s.limit_held[AFETCH_LIMIT_PER_HOST], 0);
  teardown(&f);
}

/* An invalid line's item needs no slot: it passes a full -c. */
static void test_invalid_unlimited(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 1, 1, 0, 0, 1);
  push(&f, "a:80", T0);
  af_item_t *bad = item(&f, NULL);
  bad->u.url = NULL;
  assert_int_equal(af_sched_push(&f.s, bad, 0, T0), 0);
  assert_non_null(next(&f, T0, NULL));
  assert_ptr_equal(next(&f, T0, NULL), bad);
  assert_int_equal(f.s.inflight, 1);
  teardown(&f);
}

/* --host-delay: a host's next start waits host_delay after its last one;
 * another host is not held by it. */
static void test_host_delay(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 50, 6, 0, 0, 1);
  af_sched_politeness(&f.s, 200 * MS, 0);
  for (int i = 0; i < 3; i++) {
    push(&f, "a:80", T0);
    push(&f, "b:80", T0);
  }
  uint64_t wake = 0;
  af_item_t *x = next(&f, T0, NULL);
  af_item_t *y = next(&f, T0, NULL);
  assert_non_null(x);
  assert_non_null(y);
  assert_ptr_not_equal(x->host, y->host); /* one per host, at once */
  assert_null(next(&f, T0, &wake));
  assert_int_equal(wake, T0 + 200 * MS);
  assert_null(next(&f, T0 + 199 * MS, NULL));
  x = next(&f, T0 + 200 * MS, NULL);
  y = next(&f, T0 + 200 * MS, NULL);
  assert_non_null(x);
  assert_non_null(y);
  assert_ptr_not_equal(x->host, y->host);
  assert_null(next(&f, T0 + 200 * MS, NULL));
  teardown(&f);
}

/* A 429/503 holds its host for the Retry-After; the other host goes on. */
static void test_host_backoff(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 50, 1, 0, 0, 1);
  push(&f, "a:80", T0);
  push(&f, "b:80", T0);
  push(&f, "a:80", T0);
  push(&f, "b:80", T0);
  af_item_t *a1 = next(&f, T0, NULL);
  af_item_t *b1 = next(&f, T0, NULL);
  assert_ptr_equal(a1, &f.items[0]);
  assert_ptr_equal(b1, &f.items[1]);
  af_sched_ended(&f.s, a1, T0 + MS);
  assert_int_equal(
      af_sched_host_outcome(&f.s, a1, AF_HOST_BUSY, 2, 600, 0, T0 + MS), 2000);
  uint64_t wake = 0;
  assert_null(next(&f, T0 + MS, &wake)); /* a held, b at its cap */
  assert_int_equal(wake, T0 + 2001 * MS);
  af_sched_ended(&f.s, b1, T0 + 2 * MS);
  af_sched_host_outcome(&f.s, b1, AF_HOST_OK, 0, 600, 0, T0 + 2 * MS);
  assert_ptr_equal(next(&f, T0 + 2 * MS, NULL), &f.items[3]); /* b goes on */
  assert_null(next(&f, T0 + 2000 * MS, NULL));
  assert_ptr_equal(next(&f, T0 + 2001 * MS, NULL), &f.items[2]);
  teardown(&f);
}

/* The hold: Retry-After seconds up to max_retry_after; without one, 1 s
 * doubling per 429/503 in a row up to 60 s, of which a random half. */
static void test_host_backoff_policy(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 50, 6, 0, 0, 1);
  push(&f, "a:80", T0);
  af_item_t *a = next(&f, T0, NULL);
  assert_non_null(a);
  af_sched_ended(&f.s, a, T0);
  /* Retry-After 30 s, --max-retry-after 1: 1 s. */
  assert_int_equal(af_sched_host_outcome(&f.s, a, AF_HOST_BUSY, 30, 1, 0, T0),
                   1000);
  assert_int_equal(a->host->not_before, T0 + 1000 * MS);
  assert_int_equal(af_sched_host_outcome(&f.s, a, AF_HOST_OK, 0, 600, 0, T0),
                   0);
  uint64_t lo[] = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000};
  for (int i = 0; i < 8; i++) {
    uint64_t ms0 = af_sched_host_outcome(&f.s, a, AF_HOST_BUSY, 0, 600, 0, T0);
    assert_int_equal(ms0, lo[i]); /* no jitter: the fixed half */
    a->host->busy_streak--;       /* the same step again, with full jitter */
    uint64_t ms1 =
        af_sched_host_outcome(&f.s, a, AF_HOST_BUSY, 0, 600, UINT32_MAX, T0);
    assert_true(ms1 >= lo[i] && ms1 <= 2 * lo[i]);
  }
  /* The cap holds for the exponential hold too. */
  assert_int_equal(af_sched_host_outcome(&f.s, a, AF_HOST_BUSY, 0, 5, 0, T0),
                   5000);
  /* A success resets the doubling. */
  af_sched_host_outcome(&f.s, a, AF_HOST_OK, 0, 600, 0, T0);
  assert_int_equal(af_sched_host_outcome(&f.s, a, AF_HOST_BUSY, 0, 600, 0, T0),
                   500);
  af_sched_release(&f.s, a);
  teardown(&f);
}

/* --max-host-errors 3: only consecutive connection-level failures count,
 * a success resets them; while a host is unproven no more than the
 * failures left are in flight; once skipped, its URLs come out at once,
 * marked, taking no slot. */
static void test_max_host_errors(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 50, 6, 0, 0, 1);
  af_sched_politeness(&f.s, 0, 3);
  for (int i = 0; i < 12; i++)
    push(&f, "a:80", T0);
  af_item_t *x[3];
  for (int i = 0; i < 3; i++)
    assert_non_null(x[i] = next(&f, T0, NULL));
  assert_null(next(&f, T0, NULL)); /* three failures left: three in flight */
  /* fail, fail, success: not skipped, and the count starts again. */
  for (int i = 0; i < 3; i++) {
    af_sched_ended(&f.s, x[i], T0);
    af_sched_host_outcome(&f.s, x[i], i < 2 ? AF_HOST_CONN_FAIL : AF_HOST_OK, 0,
                          600, 0, T0);
    af_sched_release(&f.s, x[i]);
  }
  af_item_t *y[6];
  for (int i = 0; i < 6; i++) /* answered, no failure: per_host again */
    assert_non_null(y[i] = next(&f, T0, NULL));
  assert_false(y[0]->host_skipped);
  assert_null(next(&f, T0, NULL));
  /* Two failures: not yet. */
  for (int i = 0; i < 2; i++) {
    af_sched_ended(&f.s, y[i], T0);
    af_sched_host_outcome(&f.s, y[i], AF_HOST_CONN_FAIL, 0, 600, 0, T0);
  }
  /* One failure left, four in flight: nothing more starts. */
  assert_null(next(&f, T0, NULL));
  af_sched_ended(&f.s, y[2], T0);
  af_sched_host_outcome(&f.s, y[2], AF_HOST_CONN_FAIL, 0, 600, 0, T0);
  /* Skipped: the three left come out marked, nothing counted in flight. */
  unsigned inflight = f.s.inflight;
  for (int i = 0; i < 3; i++) {
    af_item_t *s = next(&f, T0, NULL);
    assert_non_null(s);
    assert_true(s->host_skipped);
  }
  assert_int_equal(f.s.inflight, inflight);
  assert_null(next(&f, T0, NULL));
  for (int i = 3; i < 6; i++)
    af_sched_ended(&f.s, y[i], T0);
  teardown(&f);
}

/* An unproven host gets max_host_errors slots, and its per_host as soon
 * as one connection is up. */
static void test_host_connected(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 50, 6, 0, 0, 1);
  af_sched_politeness(&f.s, 0, 2);
  for (int i = 0; i < 8; i++)
    push(&f, "a:80", T0);
  af_item_t *x = next(&f, T0, NULL);
  assert_non_null(x);
  assert_non_null(next(&f, T0, NULL));
  assert_null(next(&f, T0, NULL));
  af_sched_host_connected(&f.s, x);
  for (int i = 0; i < 4; i++)
    assert_non_null(next(&f, T0, NULL));
  assert_null(next(&f, T0, NULL)); /* per_host 6 */
  for (int i = 0; i < 6; i++)
    af_sched_ended(&f.s, &f.items[i], T0);
  teardown(&f);
}

/* Teardown for runs that keep their hosts (robots, host log). */
static void teardown_kept(fix_t *f)
{
  for (af_item_t *it; (it = af_sched_take_any(&f->s));)
    ;
  for (int i = 0; i < f->n; i++)
    af_sched_release(&f->s, &f->items[i]);
  af_sched_free(&f->s);
}

/* robots: the host's URLs wait for its robots.txt, which goes first; the
 * other host goes on. The policy refuses a queued URL at once, with no
 * slot, and its Crawl-delay holds the host from the fetch's start, which
 * the summary charges to the host delay (the wait for the file itself to
 * nothing). */
static void test_robots_wait(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 50, 6, 0, 0, 1);
  af_sched_politeness(&f.s, 0, 0);
  af_sched_hosts_keep(&f.s, 1, 0);
  af_item_t *a1 = item(&f, "a:80");
  a1->u.url = "http://a/public";
  assert_int_equal(af_sched_push(&f.s, a1, 0, T0), 0);
  assert_int_equal(af_sched_robots_wanted(&f.s, a1, T0), 1);
  af_item_t *p = item(&f, "a:80");
  p->u.url = "http://a/robots.txt";
  p->robots_probe = 1;
  p->seq = a1->seq;
  assert_int_equal(af_sched_push(&f.s, p, 0, T0), 0);
  af_item_t *a2 = item(&f, "a:80");
  a2->u.url = "http://a/private/x?q=1";
  assert_int_equal(af_sched_push(&f.s, a2, 0, T0), 0);
  assert_int_equal(af_sched_robots_wanted(&f.s, a2, T0), 0); /* once */
  af_item_t *b1 = item(&f, "b:80");
  assert_int_equal(af_sched_push(&f.s, b1, 0, T0), 0);

  assert_ptr_equal(next(&f, T0, NULL), p);
  assert_ptr_equal(next(&f, T0, NULL), b1);
  assert_null(next(&f, T0, NULL)); /* a waits for its robots.txt */
  af_sched_ended(&f.s, p, T0 + 10 * MS);
  const char txt[] = "User-agent: *\nDisallow: /private\nCrawl-delay: 1\n";
  af_robots_t *r = af_robots_parse(txt, sizeof(txt) - 1, "afetch/1");
  assert_non_null(r);
  af_sched_robots_set(&f.s, p, r, 200, AFETCH_ERR_NONE, T0 + 10 * MS);
  af_sched_release(&f.s, p);

  unsigned inflight = f.s.inflight;
  uint64_t wake = 0;
  af_item_t *d = next(&f, T0 + 10 * MS, NULL);
  assert_ptr_equal(d, a2);
  assert_true(d->robots_denied);
  assert_int_equal(f.s.inflight, inflight); /* no slot */
  assert_ptr_equal(d->host, a1->host);      /* it keeps its host */
  af_robots_rule_t why;
  assert_int_equal(af_sched_robots_rule(d, &why), 0);
  assert_int_equal(why.len, 8);
  assert_memory_equal(why.pattern, "/private", 8);
  assert_null(next(&f, T0 + 10 * MS, &wake));
  assert_int_equal(wake, T0 + 1000 * MS); /* Crawl-delay from the fetch */
  assert_null(next(&f, T0 + 999 * MS, NULL));
  assert_ptr_equal(next(&f, T0 + 1000 * MS, NULL), a1);
  assert_int_equal(f.s.hold_held[AF_HOLD_DELAY], 1);
  assert_int_equal(f.s.hold_wait_ns[AF_HOLD_DELAY], 990 * MS);
  assert_int_equal(f.s.hold_held[AF_HOLD_BACKOFF], 0);

  /* A URL queued after the policy is matched when it arrives. */
  af_item_t *a3 = item(&f, "a:80");
  a3->u.url = "http://a/private";
  assert_int_equal(af_sched_push(&f.s, a3, 0, T0 + 1000 * MS), 0);
  assert_ptr_equal(next(&f, T0 + 1000 * MS, NULL), a3);
  assert_true(a3->robots_denied);

  /* The queues' depths followed the refused URLs to the pseudo-host and
   * out again: nothing is queued, so nothing is counted as supply. */
  assert_int_equal(a1->host->nqueued, 0);
  assert_int_equal(f.s.invalid_host.nqueued, 0);
  assert_int_equal(f.s.supply, 0);

  size_t n = 0;
  af_host_t **v = af_sched_host_list(&f.s, &n);
  assert_int_equal(n, 2);
  assert_string_equal(v[0]->key, "a:80"); /* first seen first */
  assert_string_equal(v[1]->key, "b:80");
  assert_int_equal(v[0]->st.requests, 2); /* robots.txt and a1 */
  assert_int_equal(v[0]->st.disallowed, 2);
  assert_int_equal(v[0]->crawl_ns, 1000 * MS);
  assert_int_equal(v[0]->robots_status, 200);
  free(v);
  teardown_kept(&f);
}

/* A started URL whose name is still being looked up keeps its host at one
 * in flight: the others would only wait on the same answer. */
static void test_resolving_cap(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 50, 6, 0, 0, 1);
  af_item_t *a1 = item(&f, "a:80"), *a2 = item(&f, "a:80");
  af_item_t *b1 = item(&f, "b:80");
  assert_int_equal(af_sched_push(&f.s, a1, 0, T0), 0);
  assert_int_equal(af_sched_push(&f.s, a2, 0, T0), 0);
  assert_int_equal(af_sched_push(&f.s, b1, 0, T0), 0);
  assert_ptr_equal(next(&f, T0, NULL), a1);
  af_sched_host_resolving(&f.s, a1, 1);
  assert_ptr_equal(next(&f, T0, NULL), b1); /* other hosts go on */
  assert_null(next(&f, T0, NULL));          /* a waits for its name */
  af_sched_host_resolving(&f.s, a1, 0);
  assert_ptr_equal(next(&f, T0, NULL), a2);
  teardown(&f);
}

/* A stop: hosts that wait for their robots.txt let their URLs go to be
 * cancelled. */
static void test_robots_release(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 50, 6, 0, 0, 1);
  af_sched_hosts_keep(&f.s, 1, 0);
  push(&f, "a:80", T0);
  assert_int_equal(af_sched_robots_wanted(&f.s, &f.items[0], T0), 1);
  assert_null(af_sched_next_cancel(&f.s, T0, 0));
  af_sched_robots_release(&f.s);
  assert_ptr_equal(af_sched_next_cancel(&f.s, T0, 0), &f.items[0]);
  teardown_kept(&f);
}

/* The host log's counts: 429 and 503, the back-off served (overlaps once),
 * peaks; and the wait charged to the back-off. */
static void test_host_records(void **state)
{
  (void)state;
  fix_t f;
  setup(&f, 50, 2, 0, 0, 1);
  af_sched_politeness(&f.s, 0, 0);
  af_sched_hosts_keep(&f.s, 0, 1);
  for (int i = 0; i < 3; i++)
    push(&f, "a:80", T0);
  af_item_t *x = next(&f, T0, NULL);
  af_item_t *y = next(&f, T0, NULL);
  assert_non_null(y);
  x->status = 429;
  af_sched_ended(&f.s, x, T0);
  assert_int_equal(af_sched_host_outcome(&f.s, x, AF_HOST_BUSY, 2, 600, 0, T0),
                   2000);
  assert_null(next(&f, T0, NULL)); /* the engine asks after every event */
  y->status = 503;
  af_sched_ended(&f.s, y, T0 + 1000 * MS);
  af_sched_host_outcome(&f.s, y, AF_HOST_BUSY, 2, 600, 0, T0 + 1000 * MS);
  assert_null(next(&f, T0 + 2999 * MS, NULL));
  af_item_t *z = next(&f, T0 + 3000 * MS, NULL);
  assert_ptr_equal(z, &f.items[2]);
  af_host_t *h = z->host;
  assert_int_equal(h->st.n429, 1);
  assert_int_equal(h->st.n503, 1);
  assert_int_equal(h->st.backoff_ns, 3000 * MS); /* 0-2 s, then to 3 s */
  assert_int_equal(h->st.requests, 3);
  assert_int_equal(h->st.peak_inflight, 2);
  assert_int_equal(h->st.peak_second, 2);
  /* z waited 3 s, all of it held by the back-off. */
  assert_int_equal(f.s.hold_held[AF_HOLD_BACKOFF], 1);
  assert_int_equal(f.s.hold_wait_ns[AF_HOLD_BACKOFF], 3000 * MS);
  assert_int_equal(f.s.hold_held[AF_HOLD_DELAY], 0);
  teardown_kept(&f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_global_cap),
      cmocka_unit_test(test_per_host_cap),
      cmocka_unit_test(test_rate),
      cmocka_unit_test(test_order_window),
      cmocka_unit_test(test_parse_gate),
      cmocka_unit_test(test_ready_at),
      cmocka_unit_test(test_backoff_growth),
      cmocka_unit_test(test_retry_after),
      cmocka_unit_test(test_limit_accounting),
      cmocka_unit_test(test_invalid_unlimited),
      cmocka_unit_test(test_host_delay),
      cmocka_unit_test(test_host_backoff),
      cmocka_unit_test(test_host_backoff_policy),
      cmocka_unit_test(test_max_host_errors),
      cmocka_unit_test(test_host_connected),
      cmocka_unit_test(test_robots_wait),
      cmocka_unit_test(test_resolving_cap),
      cmocka_unit_test(test_robots_release),
      cmocka_unit_test(test_host_records),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
