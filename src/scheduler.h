/* The scheduler (sched.c; not named sched.h, which would hide the C
 * library's <sched.h> from <pthread.h>): which queued item may start now,
 * and when to ask again.
 * It makes no calls out (no libuv, no curl, no other stage): the engine
 * hands it items, asks it for the next one, tells it when a transfer
 * ended, and passes the time in, so it can be tested with a fake clock. */
#ifndef AF_SCHED_H
#define AF_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include "item.h"
#include "robots.h"

typedef struct af_host af_host_t;

/* What a host is held by (af_host.hold_kind). */
enum { AF_HOLD_DELAY = 0, AF_HOLD_BACKOFF, AF_HOLD_KINDS };

/* robots.txt of a host (af_host.robots_state). */
enum {
  AF_ROBOTS_UNASKED = 0, /* robots off, or not asked for yet */
  AF_ROBOTS_PENDING,     /* its fetch is queued or running: URLs wait */
  AF_ROBOTS_KNOWN,       /* robots holds the policy */
};

/* What the run did to a host, for the host log (afetch_host_t). */
typedef struct {
  uint64_t first_seq; /* the order hosts appeared in */
  uint64_t requests;  /* starts */
  unsigned peak_inflight;
  unsigned peak_second; /* most starts in one second of the run */
  uint64_t second;      /* that count's second, from the run's start */
  unsigned second_starts;
  uint64_t n429, n503;
  uint64_t backoff_ns; /* time held by back-offs */
  uint64_t skipped, disallowed;
} af_host_stats_t;

struct af_host {
  char *key;
  unsigned inflight;
  uint64_t ended; /* transfers ended: 0 means no idle connection exists */
  unsigned refs;  /* items pointing here: queued, in flight, sleeping */
  af_item_t *head, *tail;
  size_t heap_idx;  /* SIZE_MAX when not in the heap */
  af_host_t *hnext; /* hash chain */
  int unlimited;    /* the pseudo-host of invalid lines */
  /* Limit accounting: how long it has had per_host in flight, and since
   * when (0: below); and how long each global reason blocked starts while
   * it was below, up to when it last got below (free_base) plus the global
   * clocks' progress since then (from free_snap). */
  uint64_t capped_ns;
  uint64_t capped_since;
  uint64_t free_base[AF_WAIT_REASONS];
  uint64_t free_snap[AF_WAIT_REASONS];
  /* Politeness: no start before not_before (--host-delay after a start, a
   * 429/503's back-off); held while that is in the future, out of the heap
   * and in the scheduler's held list at held_idx. */
  uint64_t not_before;
  int held;
  size_t held_idx;
  unsigned busy_streak; /* 429/503 in a row: the backoff's exponent */
  unsigned conn_errors; /* connection-level failures in a row */
  int answered;         /* one transfer got past the connection level */
  int resolving;        /* a started item waits for its name: cap 1 */
  int skipped;          /* max_host_errors reached: its URLs end at once */
  /* The hold's kind (AF_HOLD_*), since when it has held (0: not held),
   * and how long each kind held it: the host delay and back-off limits. */
  int hold_kind;
  uint64_t hold_since;
  uint64_t hold_ns[AF_HOLD_KINDS];
  uint64_t last_start;
  /* robots.txt (af_sched_robots_*). crawl_ns: its Crawl-delay, which
   * replaces host_delay_ns when larger. */
  int robots_state;
  af_robots_t *robots;
  int robots_status;
  afetch_errkind_t robots_fail;
  uint64_t crawl_ns;
  af_host_stats_t st;
  unsigned nqueued; /* items in its queue */
};

/* What a finished transfer says about its host (af_sched_host_outcome). */
typedef enum {
  AF_HOST_OK = 0,    /* an answer, or a failure after the connection */
  AF_HOST_BUSY,      /* 429 or 503: the host asks to slow down */
  AF_HOST_CONN_FAIL, /* dns, connect, tls or timeout */
} af_host_outcome_t;

typedef struct {
  /* The run's rules, set by af_sched_run_begin. */
  unsigned concurrency;
  unsigned per_host;
  double rate;    /* starts per second, 0: no limit */
  int sequential; /* no rate, and no limit accounting */
  int order_input;
  unsigned window;

  uint64_t queued;   /* in a host queue */
  unsigned inflight; /* started, not ended */
  size_t nsleep;     /* waiting for their ready_at */
  int oom;           /* a push or a heap growth failed */
  uint64_t supply;   /* sum over hosts of min(queue length, per_host) */

  af_host_t **htab;
  size_t hcap, hcount;
  af_host_t **heap; /* startable hosts by the seq of their head */
  size_t nheap, capheap;
  af_item_t **sleep; /* min-heap by ready_at */
  size_t capsleep;
  af_host_t invalid_host;
  uint64_t next_start_ns; /* the rate's next token */

  /* Limit accounting: how long each global reason has blocked starts in
   * this run, which one blocks them now (-1: none) and since when. */
  uint64_t wait_clock[AF_WAIT_REASONS];
  int wait_reason;
  uint64_t wait_since;
  uint64_t limit_held[AFETCH_LIMIT_COUNT];
  uint64_t limit_wait_ns[AFETCH_LIMIT_COUNT];

  /* Politeness (af_sched_politeness); held hosts, unordered: they are few
   * (those with a back-off, or started within the last host_delay). */
  uint64_t host_delay_ns;
  unsigned max_host_errors;
  af_host_t **held;
  size_t nheld, capheld;
  uint64_t hold_held[AF_HOLD_KINDS];
  uint64_t hold_wait_ns[AF_HOLD_KINDS];

  /* robots.txt and the host log (af_sched_hosts_keep). */
  int robots;
  int keep_hosts;      /* hosts live for the run, not only while in use */
  int robots_released; /* a stop: nothing waits for a robots.txt */
  uint64_t t0;         /* the run's start, for per-second counts */
  uint64_t host_serial;
} af_sched_t;

/* What af_sched_next needs to know from the rest of the engine. */
typedef struct {
  uint64_t next_emit; /* order_input: the next seq to deliver */
  int parse_full;     /* the parsers are behind: start nothing new */
} af_sched_gate_t;

void af_sched_init(af_sched_t *s);
void af_sched_free(af_sched_t *s);
/* A run starts with these rules; clocks and counts start at zero. */
void af_sched_run_begin(af_sched_t *s, unsigned concurrency, unsigned per_host,
                        double rate, int sequential, int order_input,
                        unsigned window, uint64_t now);
/* Per-host rules of the run, after af_sched_run_begin: the least time
 * between two starts on one host, and the consecutive connection-level
 * failures after which a host is skipped (0: never). */
void af_sched_politeness(af_sched_t *s, uint64_t host_delay_ns,
                         unsigned max_host_errors);
/* A started item's transfer told this about its host (call it before
 * af_sched_release). AF_HOST_BUSY holds the host: for the server's
 * Retry-After of retry_after_s seconds if it sent one, else 1 s doubling
 * per 429/503 in a row up to 60 s, with jitter (a random half of it, from
 * rnd); either way at most max_retry_after_s (0: no hold). Returns the hold
 * in ms. AF_HOST_CONN_FAIL counts towards max_host_errors; any other
 * outcome resets that count and the doubling. */
uint64_t af_sched_host_outcome(af_sched_t *s, af_item_t *it,
                               af_host_outcome_t o, int retry_after_s,
                               unsigned max_retry_after_s, uint32_t rnd,
                               uint64_t now);
/* A started item's connection is up: its host answers, so it gets its
 * full per_host (see host_cap in sched.c). */
void af_sched_host_connected(af_sched_t *s, af_item_t *it);
/* A started item waits for its host's name to be looked up (on), or got
 * the answer (off): meanwhile the host starts nothing more. */
void af_sched_host_resolving(af_sched_t *s, af_item_t *it, int on);
/* Queues an item: a new one (host looked up by u.hostkey, or the invalid
 * pseudo-host), or one already known, to start no sooner than ready_at.
 * -1 when out of memory (the item is not queued). */
int af_sched_push(af_sched_t *s, af_item_t *it, uint64_t ready_at,
                  uint64_t now);
/* The next item that may start now, counted as in flight (an invalid
 * line's item is not, nor one of a skipped host, marked host_skipped:
 * they need no work), or NULL; then *wake is the time
 * at which asking again may give one (0: only after another event). */
af_item_t *af_sched_next(af_sched_t *s, uint64_t now, const af_sched_gate_t *g,
                         uint64_t *wake);
/* A started item's transfer ended: its slots are free. */
void af_sched_ended(af_sched_t *s, af_item_t *it, uint64_t now);
/* Items queued for the host of key (0 when it is unknown). */
unsigned af_sched_host_depth(const af_sched_t *s, const char *key);
/* The item is finished with: drops its hold on its host. */
void af_sched_release(af_sched_t *s, af_item_t *it);
/* After a stop: the next queued item to cancel, lowest input line first
 * and within order_input's window, or NULL. */
af_item_t *af_sched_next_cancel(af_sched_t *s, uint64_t now,
                                uint64_t next_emit);
/* After a stop: takes a sleeping item to cancel (it keeps its host until
 * af_sched_release), or NULL. */
af_item_t *af_sched_take_sleeping(af_sched_t *s);
/* Takes any queued or sleeping item (released), or NULL: to free them. */
af_item_t *af_sched_take_any(af_sched_t *s);
/* From now on nothing waits on a limit (a stop). */
void af_sched_wait_end(af_sched_t *s, uint64_t now);

/* Per-host records for the run: with robots set, each host's URLs wait
 * for its robots.txt (af_sched_robots_wanted); with keep set (implied by
 * robots), hosts are kept until af_sched_free, so a robots.txt is fetched
 * once per run and af_sched_host_list sees every host. */
void af_sched_hosts_keep(af_sched_t *s, int robots, int keep);
/* After pushing it (a valid URL): 1 when its host's robots.txt must be
 * fetched now, and from now on that host's URLs wait for
 * af_sched_robots_set; the engine then pushes the fetch as an item with
 * robots_probe set, which goes first. 0 otherwise. */
int af_sched_robots_wanted(af_sched_t *s, af_item_t *it, uint64_t now);
/* The fetch probe ended with policy r (the scheduler owns it from now;
 * status the last HTTP status, fail the error kind when the fetch got no
 * usable answer). Its Crawl-delay becomes the host's delay when larger
 * than host_delay_ns, counted from the probe's start. Every queued URL of
 * the host, and any later one, is matched: a refused one moves to the
 * queue of the invalid lines' pseudo-host (keeping its host) and comes out
 * of af_sched_next at once, robots_denied set, with no slot taken. */
void af_sched_robots_set(af_sched_t *s, af_item_t *probe, af_robots_t *r,
                         int status, afetch_errkind_t fail, uint64_t now);
/* A refused item (robots_denied): the rule of its host's policy that
 * refused it (why->pattern NULL: a blanket refusal, or no memory to check
 * the path, -1). Returns what af_robots_match did. */
int af_sched_robots_rule(const af_item_t *it, af_robots_rule_t *why);
/* A stop: no host waits for its robots.txt any more (so its URLs can be
 * cancelled). */
void af_sched_robots_release(af_sched_t *s);
/* Every host kept, in the order they first appeared (free() the array);
 * NULL with *n = 0 when there are none or memory ran out (*n = SIZE_MAX). */
af_host_t **af_sched_host_list(const af_sched_t *s, size_t *n);

/* Retry policy: the delay before retry number attempt + 1 (attempt counts
 * from 0): 250 ms doubling per attempt, at most 10 s; a Retry-After of
 * retry_after_s seconds from the server wins, capped at cap_ms. */
uint64_t af_sched_retry_delay_ms(int attempt, int retry_after_s,
                                 uint64_t cap_ms);

#endif
