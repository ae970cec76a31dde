/* The DNS stage's pure parts on a fake clock: the per-run cache (a name
 * once, TTL clamps, failures kept, waiters in order), the FIFOs, the rate's
 * token bucket, and the --resolve parser (forms, IDN to punycode, errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "afetch.h"
#include "dnscache.h"
#include "pin.h"

#define S 1000000000ull
#define T0 (1000 * S)

static void cache_once_per_name(void **state)
{
  (void)state;
  af_dnsc_t c;
  af_dnsc_init(&c);
  assert_null(af_dnsc_find(&c, "h1.test"));
  af_dnsc_entry_t *e = af_dnsc_add(&c, "H1.Test");
  assert_non_null(e);
  assert_string_equal(e->name, "h1.test");
  assert_ptr_equal(af_dnsc_find(&c, "h1.TEST"), e);
  assert_int_equal(e->state, AF_DNSC_QUEUED);
  assert_false(af_dnsc_fresh(e, T0));
  /* Many names: the table grows and finds each again. */
  char name[32];
  for (int i = 0; i < 1000; i++) {
    snprintf(name, sizeof(name), "n%d.test", i);
    assert_non_null(af_dnsc_add(&c, name));
  }
  for (int i = 0; i < 1000; i++) {
    snprintf(name, sizeof(name), "N%d.test", i);
    af_dnsc_entry_t *f = af_dnsc_find(&c, name);
    assert_non_null(f);
    snprintf(name, sizeof(name), "n%d.test", i);
    assert_string_equal(f->name, name);
  }
  assert_int_equal(c.count, 1001);
  af_dnsc_free(&c);
}

static void cache_ttl(void **state)
{
  (void)state;
  af_dnsc_t c;
  af_dnsc_init(&c);
  af_dnsc_entry_t *e = af_dnsc_add(&c, "a.test");
  assert_int_equal(af_dnsc_settle(e, AF_DNS_OK, "127.0.0.1", 5, T0), 0);
  assert_string_equal(e->addrs, "127.0.0.1");
  assert_true(af_dnsc_fresh(e, T0));
  assert_true(af_dnsc_fresh(e, T0 + 5 * S - 1));
  assert_false(af_dnsc_fresh(e, T0 + 5 * S));
  /* Expired: asked again, a new generation, no address meanwhile. */
  unsigned gen = e->gen;
  af_dnsc_renew(e);
  assert_int_equal(e->state, AF_DNSC_QUEUED);
  assert_null(e->addrs);
  assert_int_not_equal(e->gen, gen);
  /* TTL 0 is kept for the minimum, a huge one for the maximum. */
  af_dnsc_settle(e, AF_DNS_OK, "127.0.0.2", 0, T0);
  assert_true(af_dnsc_fresh(e, T0 + AF_DNSC_MIN_TTL_S * S - 1));
  assert_false(af_dnsc_fresh(e, T0 + AF_DNSC_MIN_TTL_S * S));
  af_dnsc_settle(e, AF_DNS_OK, "127.0.0.2", UINT32_MAX, T0);
  assert_true(af_dnsc_fresh(e, T0 + AF_DNSC_MAX_TTL_S * S - 1));
  assert_false(af_dnsc_fresh(e, T0 + AF_DNSC_MAX_TTL_S * S));
  af_dnsc_free(&c);
}

static void cache_failures_kept(void **state)
{
  (void)state;
  af_dnsc_t c;
  af_dnsc_init(&c);
  af_dns_status_t st[] = {AF_DNS_NXDOMAIN, AF_DNS_TIMEOUT, AF_DNS_SERVFAIL,
                          AF_DNS_REFUSED, AF_DNS_NODATA};
  for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++) {
    char name[16];
    snprintf(name, sizeof(name), "f%zu.test", i);
    af_dnsc_entry_t *e = af_dnsc_add(&c, name);
    af_dnsc_settle(e, st[i], NULL, 60, T0);
    assert_null(e->addrs);
    /* A failure answers for the whole run, however long. */
    assert_true(af_dnsc_fresh(e, T0 + 100000 * S));
  }
  af_dnsc_free(&c);
}

static void cache_bounded(void **state)
{
  (void)state;
  af_dnsc_t c;
  af_dnsc_init(&c);
  c.max = 10;
  char name[32];
  int req = 0;
  /* 10 names: 5 settled, 2 settled with a waiter, 3 in flight. */
  for (int i = 0; i < 10; i++) {
    snprintf(name, sizeof(name), "b%d.test", i);
    af_dnsc_entry_t *e = af_dnsc_add(&c, name);
    if (i < 7)
      af_dnsc_settle(e, i % 2 ? AF_DNS_OK : AF_DNS_NXDOMAIN, "127.0.0.1", 60,
                     T0);
    else
      e->state = AF_DNSC_INFLIGHT;
    if (i == 5 || i == 6)
      af_dnsc_wait(e, &req, T0);
    if (i == 4)
      e->held = 1; /* timed out, its query still out */
  }
  assert_int_equal(c.count, 10);
  /* The 11th purges what nobody needs: the settled names without a
   * waiter or a query; those in flight, waited on or queried stay. */
  assert_non_null(af_dnsc_add(&c, "new.test"));
  assert_int_equal(c.count, 7);
  for (int i = 0; i < 10; i++) {
    snprintf(name, sizeof(name), "b%d.test", i);
    if (i < 4)
      assert_null(af_dnsc_find(&c, name));
    else
      assert_non_null(af_dnsc_find(&c, name));
  }
  af_dnsc_free(&c);
  assert_int_equal(c.max, 10);
}

static void waiters_in_order(void **state)
{
  (void)state;
  af_dnsc_t c;
  af_dnsc_init(&c);
  af_dnsc_entry_t *e = af_dnsc_add(&c, "w.test");
  int reqs[3];
  for (int i = 0; i < 3; i++)
    assert_int_equal(af_dnsc_wait(e, &reqs[i], T0 + (uint64_t)i), 0);
  af_dnsc_waiter_t *w = af_dnsc_take_waiters(e);
  for (int i = 0; i < 3; i++) {
    assert_non_null(w);
    assert_ptr_equal(w->req, &reqs[i]);
    assert_int_equal(w->since, T0 + (uint64_t)i);
    af_dnsc_waiter_t *n = w->next;
    free(w);
    w = n;
  }
  assert_null(w);
  assert_null(af_dnsc_take_waiters(e));
  /* Waiters left at the end are freed with the cache. */
  af_dnsc_wait(e, &reqs[0], T0);
  af_dnsc_free(&c);
}

static void fifo(void **state)
{
  (void)state;
  af_dnsc_entry_t e[4];
  memset(e, 0, sizeof(e));
  af_dnsc_fifo_t q = {0};
  for (int i = 0; i < 4; i++)
    af_dnsc_push(&q, &e[i]);
  af_dnsc_unlink(&q, &e[3]); /* the tail */
  af_dnsc_unlink(&q, &e[1]); /* the middle */
  assert_ptr_equal(af_dnsc_pop(&q), &e[0]);
  assert_ptr_equal(af_dnsc_pop(&q), &e[2]);
  assert_null(af_dnsc_pop(&q));
  af_dnsc_push(&q, &e[1]);
  assert_ptr_equal(q.head, &e[1]);
  assert_ptr_equal(q.tail, &e[1]);
}

static void rate_bucket(void **state)
{
  (void)state;
  af_dns_rate_t r;
  /* No limit: always a token. */
  af_dns_rate_init(&r, 0, T0);
  for (int i = 0; i < 100000; i++)
    assert_int_equal(af_dns_rate_take(&r, T0), 0);
  /* 100 a second: 10 (a tenth of a second's worth) at once, then one
   * every 10 ms. */
  af_dns_rate_init(&r, 100, T0);
  for (int i = 0; i < 10; i++)
    assert_int_equal(af_dns_rate_take(&r, T0), 0);
  uint64_t w = af_dns_rate_take(&r, T0);
  assert_in_range(w, 9900000, 10000000);
  assert_int_not_equal(af_dns_rate_take(&r, T0 + 9 * 1000000), 0);
  assert_int_equal(af_dns_rate_take(&r, T0 + 10 * 1000000), 0);
  /* Over 10 s at most 10 + 1000 lookups start, however often it is asked. */
  af_dns_rate_init(&r, 100, T0);
  int started = 0;
  for (uint64_t t = T0; t <= T0 + 10 * S; t += 1000000)
    while (af_dns_rate_take(&r, t) == 0)
      started++;
  assert_in_range(started, 1009, 1010);
  /* Idle time refills up to the burst, not more. */
  started = 0;
  while (af_dns_rate_take(&r, T0 + 1000 * S) == 0)
    started++;
  assert_int_equal(started, 10);
  /* Under 10 a second the burst is one. */
  af_dns_rate_init(&r, 5, T0);
  assert_int_equal(af_dns_rate_take(&r, T0), 0);
  assert_in_range(af_dns_rate_take(&r, T0), S / 5 - 1000, S / 5);
  /* Under 1 a second: one at once. */
  af_dns_rate_init(&r, 0.5, T0);
  assert_int_equal(af_dns_rate_take(&r, T0), 0);
  assert_in_range(af_dns_rate_take(&r, T0), 2 * S - 1000, 2 * S);
}

static void pin_forms(void **state)
{
  (void)state;
  char err[256], *key, *entry;
  assert_int_equal(
      af_pin_parse("Example.COM:443:127.0.0.5", &key, &entry, err, 256), 0);
  assert_string_equal(key, "example.com:443");
  assert_string_equal(entry, "example.com:443:127.0.0.5");
  free(key);
  free(entry);
  assert_int_equal(
      af_pin_parse("+a.test:80:127.0.0.1,::1,[::2]", &key, &entry, err, 256),
      0);
  assert_string_equal(key, "a.test:80");
  assert_string_equal(entry, "+a.test:80:127.0.0.1,[::1],[::2]");
  free(key);
  free(entry);
  /* An international name, as its URL's host would be. */
  assert_int_equal(af_pin_parse("\xe4\xbe\x8b\xe3\x81\x88.jp:8080:127.0.0.5",
                                &key, &entry, err, 256),
                   0);
  assert_string_equal(key, "xn--r8jz45g.jp:8080");
  assert_string_equal(entry, "xn--r8jz45g.jp:8080:127.0.0.5");
  free(key);
  free(entry);
  assert_int_equal(af_pin_parse("-a.test:80", &key, &entry, err, 256), 0);
  assert_string_equal(key, "a.test:80");
  assert_null(entry);
  free(key);
}

static void pin_errors(void **state)
{
  (void)state;
  const char *bad[] = {"a.test",
                       "a.test:80",
                       "a.test:0:127.0.0.1",
                       "a.test:x:1.2.3.4",
                       "a.test:70000:1.2.3.4",
                       ":80:127.0.0.1",
                       "a.test:80:",
                       "a.test:80:localhost",
                       "a.test:80:1.2.3.4,",
                       "[::1]:80:1.2.3.4",
                       "-a.test:80:1.2.3.4",
                       "-a.test:80x",
                       "a b.test:80:1.2.3.4"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char err[256] = "", *key = (char *)"x", *entry = (char *)"x";
    assert_int_equal(af_pin_parse(bad[i], &key, &entry, err, sizeof(err)), -1);
    assert_null(key);
    assert_null(entry);
    assert_non_null(strstr(err, "--resolve"));
    assert_int_equal(afetch_resolve_check(bad[i], err, sizeof(err)),
                     AFETCH_EINVAL);
  }
  assert_int_equal(afetch_resolve_check("a.test:80:127.0.0.1", NULL, 0), 0);
}

static void pins_list(void **state)
{
  (void)state;
  const char *list[] = {"a.test:80:127.0.0.1", "b.test:443:127.0.0.2",
                        "-a.test:80", "c.test:80:127.0.0.3", NULL};
  af_pins_t p;
  char err[256];
  assert_int_equal(af_pins_build(&p, list, err, sizeof(err)), 0);
  assert_int_equal(p.n, 2);
  assert_false(af_pins_has(&p, "a.test:80"));
  assert_true(af_pins_has(&p, "B.test:443"));
  assert_false(af_pins_has(&p, "b.test:80"));
  assert_true(af_pins_has(&p, "c.test:80"));
  assert_string_equal(p.list->data, "b.test:443:127.0.0.2");
  assert_string_equal(p.list->next->data, "c.test:80:127.0.0.3");
  assert_null(p.list->next->next);
  af_pins_free(&p);
  const char *badlist[] = {"a.test:80:127.0.0.1", "nope", NULL};
  assert_int_equal(af_pins_build(&p, badlist, err, sizeof(err)), -1);
  assert_int_equal(p.n, 0);
  assert_null(p.list);
  assert_int_equal(af_pins_build(&p, NULL, err, sizeof(err)), 0);
  af_pins_free(&p);
}

int main(void)
{
  curl_global_init(CURL_GLOBAL_ALL);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cache_once_per_name), cmocka_unit_test(cache_ttl),
      cmocka_unit_test(cache_failures_kept), cmocka_unit_test(cache_bounded),
      cmocka_unit_test(waiters_in_order),    cmocka_unit_test(fifo),
      cmocka_unit_test(rate_bucket),         cmocka_unit_test(pin_forms),
      cmocka_unit_test(pin_errors),          cmocka_unit_test(pins_list),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
