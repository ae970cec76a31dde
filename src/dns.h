/* The DNS stage: host names resolved on the loop with c-ares (no thread
 * per lookup), each name once per run: requests for a name whose lookup is
 * under way wait on it, answers are kept within their TTL and failures for
 * the whole run, and lookups start at most at the rate given. It reports
 * each request's answer through the callback it was given; what follows
 * (the transfer, or a dns error) is the engine's decision. */
#ifndef AF_DNS_H
#define AF_DNS_H

#include <ares.h>
#include <stdint.h>
#include <uv.h>

#include "dnscache.h"

typedef struct {
  af_dns_status_t status;
  const char *name;
  const char *addrs; /* OK: "a,b,[v6]", as CURLOPT_RESOLVE takes them */
  double wait_ms;    /* how long this request waited */
  double lookup_s;   /* how long the lookup ran (TIMEOUT: the limit) */
  int code;          /* the c-ares status, for FAILED */
} af_dns_answer_t;

/* Called from a libuv callback (a socket, the timer) or from inside
 * af_dns_lookup, never from inside c-ares. */
typedef void (*af_dns_done_cb)(void *ud, void *req, const af_dns_answer_t *ans);

typedef struct af_dns_poll af_dns_poll_t;

typedef struct {
  uv_loop_t *loop;
  uv_timer_t timer; /* c-ares's timeouts, the deadlines, the rate */
  ares_channel ch;
  int open;   /* ch is live for this run */
  int failed; /* ares_init_options failed this run: no lookups */
  af_dnsc_t cache;
  af_dnsc_fifo_t queued, inflight;
  af_dns_rate_t rate;
  double rate_per_s;
  uint64_t timeout_ns;
  af_dns_poll_t *polls;
  af_dns_done_cb done;
  void *ud;
  uint64_t lookups; /* started this run */
} af_dns_t;

/* Initialises the timer (the owner closes it, as a uv handle). */
int af_dns_init(af_dns_t *d, uv_loop_t *loop, af_dns_done_cb done, void *ud);
/* A run's rules: lookups per second (0: no limit) and how long a lookup
 * may take. The cache starts empty. */
void af_dns_run_begin(af_dns_t *d, double rate, double timeout_s);
/* Resolves name for req. 1: answered now, from the cache (*ans, valid
 * until the next call); 0: the answer comes through the done callback
 * (possibly before this returns); -1: out of memory; -2: c-ares could not
 * be set up (the caller resolves some other way). */
int af_dns_lookup(af_dns_t *d, const char *name, void *req, uint64_t now,
                  af_dns_answer_t *ans);
/* Starts the lookup of name, if it is neither known nor asked already,
 * with nobody waiting on it yet: its answer is cached for the requests to
 * come. 0, or -1 (out of memory), -2 (no c-ares) as af_dns_lookup. */
int af_dns_prefetch(af_dns_t *d, const char *name, uint64_t now);
/* Takes every waiting request back, without an answer: each is passed to
 * each(ctx, req). */
void af_dns_take_waiters(af_dns_t *d, void (*each)(void *ctx, void *req),
                         void *ctx);
/* Ends the run: c-ares is shut down, its sockets closed, the cache freed.
 * No request may still wait. */
void af_dns_shut(af_dns_t *d);
/* The result's error text for a failed answer, into buf. */
void af_dns_describe(const af_dns_answer_t *ans, char *buf, size_t cap);

#endif
