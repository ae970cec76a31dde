/* The DNS stage's bookkeeping, with no I/O (src/dns.c drives it): one entry
 * per host name for the run, the requests waiting on its lookup, and the
 * token bucket of the lookup rate. The clock is passed in, so
 * tests/unit/test_dnscache.c drives it on a fake one. */
#ifndef AF_DNSCACHE_H
#define AF_DNSCACHE_H

#include <stddef.h>
#include <stdint.h>

/* How a lookup ended. */
typedef enum {
  AF_DNS_OK = 0,
  AF_DNS_NXDOMAIN,    /* the name does not exist */
  AF_DNS_NODATA,      /* it exists, with no A or AAAA record */
  AF_DNS_TIMEOUT,     /* the resolver never answered in time */
  AF_DNS_SERVFAIL,    /* the resolver could not answer */
  AF_DNS_REFUSED,     /* the resolver refused the query */
  AF_DNS_UNREACHABLE, /* no resolver to ask (refused, no servers) */
  AF_DNS_FAILED,      /* anything else c-ares reports */
} af_dns_status_t;

/* Where an entry stands. */
typedef enum {
  AF_DNSC_QUEUED,   /* waiting for a rate token */
  AF_DNSC_INFLIGHT, /* asked, no answer yet */
  AF_DNSC_DONE,     /* answered (or failed): waiters were told */
} af_dnsc_state_t;

/* A request waiting on an entry's lookup: the caller's pointer and when it
 * began to wait. */
typedef struct af_dnsc_waiter {
  void *req;
  uint64_t since;
  struct af_dnsc_waiter *next;
} af_dnsc_waiter_t;

typedef struct af_dnsc_entry {
  char *name; /* lower case, as asked */
  af_dnsc_state_t state;
  af_dns_status_t status; /* once DONE */
  char *addrs;            /* once DONE and OK: "a,b,[v6]" */
  uint64_t expires;       /* DONE and OK: re-resolved from then on */
  uint64_t asked;         /* when the lookup was sent */
  uint64_t deadline;      /* INFLIGHT: the lookup fails as TIMEOUT then */
  int code;               /* DONE: the c-ares status */
  unsigned gen;           /* bumped per lookup: a stale answer is ignored */
  unsigned held;          /* c-ares queries that still point here */
  af_dnsc_waiter_t *waiters, *wtail;
  struct af_dnsc_entry *hnext; /* hash chain */
  struct af_dnsc_entry *qnext; /* the queue it is on (rate or in flight) */
} af_dnsc_entry_t;

/* A FIFO of entries, linked by qnext. */
typedef struct {
  af_dnsc_entry_t *head, *tail;
} af_dnsc_fifo_t;

typedef struct {
  af_dnsc_entry_t **tab;
  size_t cap, count;
  size_t max; /* entries kept at most before a purge (AF_DNSC_MAX) */
} af_dnsc_t;

/* A run of a million hosts must not keep a million answers: past this
 * many names (about 150 bytes each), the settled ones are dropped and
 * looked up again if a later URL needs them. */
#define AF_DNSC_MAX 100000u

/* The least and the most time an answer is kept, whatever its TTL says:
 * a TTL of 0 would send every URL of a host to the resolver again. */
#define AF_DNSC_MIN_TTL_S 1u
#define AF_DNSC_MAX_TTL_S 86400u

void af_dnsc_init(af_dnsc_t *c);
/* Frees every entry, and its waiters (their requests are the caller's). */
void af_dnsc_free(af_dnsc_t *c);
/* The entry for name (case-insensitive), or NULL. */
af_dnsc_entry_t *af_dnsc_find(af_dnsc_t *c, const char *name);
/* Drops every settled entry that nobody waits on and no query points to;
 * returns how many. */
size_t af_dnsc_purge(af_dnsc_t *c);
/* A new entry for name, QUEUED, or NULL when memory runs out. Past max
 * entries the cache is purged first. */
af_dnsc_entry_t *af_dnsc_add(af_dnsc_t *c, const char *name);
/* 1 when a DONE entry still answers at now: a failure for the whole run,
 * an address until it expires. */
int af_dnsc_fresh(const af_dnsc_entry_t *e, uint64_t now);
/* Makes a DONE entry QUEUED again for a new lookup (its answer expired). */
void af_dnsc_renew(af_dnsc_entry_t *e);
/* The lookup ended: the entry is DONE with this status and, for OK, its
 * addresses (copied) kept for ttl_s, clamped to [MIN, MAX]. -1 when
 * memory runs out (the entry is then a failure). */
int af_dnsc_settle(af_dnsc_entry_t *e, af_dns_status_t st, const char *addrs,
                   uint32_t ttl_s, uint64_t now);
/* Adds a waiter; -1 when memory runs out. */
int af_dnsc_wait(af_dnsc_entry_t *e, void *req, uint64_t now);
/* Takes the entry's waiters, in the order they came (the caller frees
 * each node). */
af_dnsc_waiter_t *af_dnsc_take_waiters(af_dnsc_entry_t *e);

void af_dnsc_push(af_dnsc_fifo_t *q, af_dnsc_entry_t *e);
af_dnsc_entry_t *af_dnsc_pop(af_dnsc_fifo_t *q);
/* Unlinks e from q (a lookup that ended out of order). */
void af_dnsc_unlink(af_dnsc_fifo_t *q, af_dnsc_entry_t *e);

/* The lookup rate: a token bucket of rate tokens per second holding at
 * most burst (a tenth of rate, at least 1), full at the start (rate 0: no
 * limit). */
typedef struct {
  double rate;
  double burst;
  double tokens;
  uint64_t last; /* ns of the last refill */
} af_dns_rate_t;

void af_dns_rate_init(af_dns_rate_t *r, double rate, uint64_t now);
/* Takes a token: 0 when one was there, else the ns until one will be. */
uint64_t af_dns_rate_take(af_dns_rate_t *r, uint64_t now);

#endif
