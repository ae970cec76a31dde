/* Admission: a transfer is handed to curl only when a global slot, a
 * per-host slot and a rate token are all free (docs/DESIGN.md R8), so
 * timeouts and timings never include time spent in a local queue.
 *
 * Each host has a FIFO of its waiting items. Hosts that could start one now
 * (queue not empty, below --per-host) sit in a min-heap keyed by the input
 * order of their first item, so the oldest startable URL always goes first
 * and a host at its cap never blocks the others.
 *
 * What held the run back (the summary's limit_held and limit_wait_ms): a
 * queued URL's wait, from when it was queued (or queued again after a
 * retry wait) until it starts, is split by what blocked it at each moment:
 *   - while its host has per_host transfers in flight, per_host: raising
 *     -c alone would not start it, even if every global slot is busy too.
 *     Only when per_host is below concurrency: a host can never have more
 *     than concurrency in flight, so a higher per_host could not help;
 *   - otherwise whatever stopped admission then: all concurrency slots
 *     busy, the parsers behind (backpressure), no rate token yet, in that
 *     order of precedence (the order af_sched_next checks them), or the reorder
 *     window of order_input, which is not a limit and counted nowhere.
 * Each such time is charged to its limit when the URL starts (or is
 * cancelled), and the URL counts once under every limit charged. The
 * global reason is one at a time, kept as a clock per reason; each host
 * keeps its own capped clock and, for the global clocks, only the time
 * they ran while it was below its cap, so nothing is counted twice and
 * the cost is O(1) per start. SEQUENTIAL runs count nothing: one at a
 * time is the mode asked for, not a limit to raise.
 *
 * A host held by its delay or a back-off (held below) keeps a clock per
 * kind of hold, charged like per_host: while it runs, and while the host
 * waits for its robots.txt (charged to nothing: that is no limit to
 * raise), the host's free clocks stand still, so no wait is charged twice.
 *
 * robots.txt: the engine fetches it through an item with robots_probe set
 * that goes first in its host's queue; until the policy is set the host
 * starts nothing else. A URL the policy refuses moves to the invalid
 * lines' pseudo-host, which needs no slot, and ends robots_denied. */
#include <stdlib.h>
#include <string.h>

#include "scheduler.h"

#define NOT_IN_HEAP SIZE_MAX

/* The host table's hash: the shard hash's FNV-1a (src/url.c), which is
 * case-blind like host names. */
static size_t bucket(const af_sched_t *s, const char *key, size_t cap)
{
  (void)s;
  return (size_t)afetch_host_hash(key, strlen(key)) & (cap - 1);
}

void af_sched_init(af_sched_t *s)
{
  memset(s, 0, sizeof(*s));
  s->invalid_host.unlimited = 1;
  s->invalid_host.heap_idx = NOT_IN_HEAP;
  s->invalid_host.key = "";
  s->wait_reason = -1;
}

/* Heap of startable hosts, ordered by the seq of their head item. */
static uint64_t hkey(const af_host_t *h)
{
  return h->head->seq;
}

static void heap_set(af_sched_t *s, size_t i, af_host_t *h)
{
  s->heap[i] = h;
  h->heap_idx = i;
}

static void sift_up(af_sched_t *s, size_t i)
{
  af_host_t *h = s->heap[i];
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (hkey(s->heap[p]) <= hkey(h))
      break;
    heap_set(s, i, s->heap[p]);
    i = p;
  }
  heap_set(s, i, h);
}

static void sift_down(af_sched_t *s, size_t i)
{
  af_host_t *h = s->heap[i];
  for (;;) {
    size_t l = 2 * i + 1;
    if (l >= s->nheap)
      break;
    size_t m = l;
    if (l + 1 < s->nheap && hkey(s->heap[l + 1]) < hkey(s->heap[l]))
      m = l + 1;
    if (hkey(s->heap[m]) >= hkey(h))
      break;
    heap_set(s, i, s->heap[m]);
    i = m;
  }
  heap_set(s, i, h);
}

static int heap_push(af_sched_t *s, af_host_t *h)
{
  if (s->nheap == s->capheap) {
    size_t cap = s->capheap ? s->capheap * 2 : 64;
    af_host_t **p = realloc(s->heap, cap * sizeof(*p));
    if (!p)
      return -1;
    s->heap = p;
    s->capheap = cap;
  }
  heap_set(s, s->nheap++, h);
  sift_up(s, s->nheap - 1);
  return 0;
}

static void heap_remove(af_sched_t *s, af_host_t *h)
{
  size_t i = h->heap_idx;
  h->heap_idx = NOT_IN_HEAP;
  af_host_t *last = s->heap[--s->nheap];
  if (i == s->nheap)
    return;
  heap_set(s, i, last);
  sift_down(s, i);
  sift_up(s, last->heap_idx);
}

/* ---- sleeping items: a min-heap by ready_at ------------------------- */

static void sleep_swap(af_sched_t *s, size_t i, size_t j)
{
  af_item_t *t = s->sleep[i];
  s->sleep[i] = s->sleep[j];
  s->sleep[j] = t;
}

static int sleep_push(af_sched_t *s, af_item_t *it)
{
  if (s->nsleep == s->capsleep) {
    size_t cap = s->capsleep ? s->capsleep * 2 : 16;
    af_item_t **p = realloc(s->sleep, cap * sizeof(*p));
    if (!p)
      return -1;
    s->sleep = p;
    s->capsleep = cap;
  }
  size_t i = s->nsleep++;
  s->sleep[i] = it;
  while (i > 0 && s->sleep[(i - 1) / 2]->ready_at > s->sleep[i]->ready_at) {
    sleep_swap(s, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
  return 0;
}

static af_item_t *sleep_pop(af_sched_t *s)
{
  af_item_t *top = s->sleep[0];
  s->sleep[0] = s->sleep[--s->nsleep];
  size_t i = 0;
  for (;;) {
    size_t l = 2 * i + 1, m = i;
    if (l < s->nsleep && s->sleep[l]->ready_at < s->sleep[m]->ready_at)
      m = l;
    if (l + 1 < s->nsleep && s->sleep[l + 1]->ready_at < s->sleep[m]->ready_at)
      m = l + 1;
    if (m == i)
      break;
    sleep_swap(s, i, m);
    i = m;
  }
  return top;
}

/* ---- limit accounting (see the top of this file) --------------------- */

static uint64_t global_clock(const af_sched_t *s, int r, uint64_t now)
{
  return s->wait_clock[r] + (s->wait_reason == r ? now - s->wait_since : 0);
}

static uint64_t host_capped_clock(const af_host_t *h, uint64_t now)
{
  return h->capped_ns + (h->capped_since ? now - h->capped_since : 0);
}

static uint64_t host_hold_clock(const af_host_t *h, int k, uint64_t now)
{
  return h->hold_ns[k] +
         (h->hold_since && h->hold_kind == k ? now - h->hold_since : 0);
}

/* The global clocks do not count for h while it is capped, held, or
 * waiting for its robots.txt: what holds it then is its own. */
static int host_paused(const af_host_t *h)
{
  return h->capped_since || h->hold_since ||
         h->robots_state == AF_ROBOTS_PENDING;
}

/* Time reason r blocked starts while h was below its cap. */
static uint64_t host_free_clock(const af_sched_t *s, const af_host_t *h, int r,
                                uint64_t now)
{
  uint64_t v = h->free_base[r];
  if (!host_paused(h))
    v += global_clock(s, r, now) - h->free_snap[r];
  return v;
}

/* After a change that may have paused or resumed h's free clocks (was:
 * host_paused before it). */
static void free_clocks_update(af_sched_t *s, af_host_t *h, int was,
                               uint64_t now)
{
  int p = host_paused(h);
  if (p == was)
    return;
  for (int r = 0; r < AF_WAIT_REASONS; r++) {
    if (p)
      h->free_base[r] += global_clock(s, r, now) - h->free_snap[r];
    else
      h->free_snap[r] = global_clock(s, r, now);
  }
}

/* Per-host counts as the binding limit only below concurrency. */
static int host_capped(const af_sched_t *s, const af_host_t *h)
{
  return !h->unlimited && s->per_host < s->concurrency &&
         h->inflight >= s->per_host;
}

static void host_clock_start(af_sched_t *s, af_host_t *h, uint64_t now)
{
  h->capped_ns = 0;
  h->capped_since = 0;
  for (int r = 0; r < AF_WAIT_REASONS; r++) {
    h->free_base[r] = 0;
    h->free_snap[r] = global_clock(s, r, now);
  }
}

/* After h->inflight changed: starts or stops its capped clock. */
static void host_cap_update(af_sched_t *s, af_host_t *h, uint64_t now)
{
  int capped = host_capped(s, h);
  if (capped == (h->capped_since != 0))
    return;
  int was = host_paused(h);
  if (capped) {
    h->capped_since = now ? now : 1;
  }
  else {
    h->capped_ns += now - h->capped_since;
    h->capped_since = 0;
  }
  free_clocks_update(s, h, was, now);
}

/* The global reason that blocks admission from now on (-1: none). */
static void set_wait_reason(af_sched_t *s, int r, uint64_t now)
{
  if (r == s->wait_reason)
    return;
  if (s->wait_reason >= 0)
    s->wait_clock[s->wait_reason] += now - s->wait_since;
  s->wait_reason = r;
  s->wait_since = now;
}

void af_sched_wait_end(af_sched_t *s, uint64_t now)
{
  set_wait_reason(s, -1, now);
}

void af_sched_run_begin(af_sched_t *s, unsigned concurrency, unsigned per_host,
                        double rate, int sequential, int order_input,
                        unsigned window, uint64_t now)
{
  s->concurrency = concurrency;
  s->per_host = per_host;
  s->rate = rate;
  s->sequential = sequential;
  s->order_input = order_input;
  s->window = window;
  s->next_start_ns = 0;
  s->oom = 0;
  memset(s->wait_clock, 0, sizeof(s->wait_clock));
  memset(s->limit_held, 0, sizeof(s->limit_held));
  memset(s->limit_wait_ns, 0, sizeof(s->limit_wait_ns));
  memset(s->hold_held, 0, sizeof(s->hold_held));
  memset(s->hold_wait_ns, 0, sizeof(s->hold_wait_ns));
  s->t0 = now;
  s->wait_reason = -1;
  s->wait_since = 0;
  for (size_t i = 0; i < s->hcap; i++)
    for (af_host_t *h = s->htab[i]; h; h = h->hnext)
      host_clock_start(s, h, now);
}

static void wait_mark(af_sched_t *s, af_item_t *it, uint64_t now)
{
  af_host_t *h = it->host;
  it->mark.host = host_capped_clock(h, now);
  for (int r = 0; r < AFETCH_LIMIT_COUNT; r++)
    it->mark.global[r] = host_free_clock(s, h, r, now);
  for (int k = 0; k < AF_HOLD_KINDS; k++)
    it->mark.hold[k] = host_hold_clock(h, k, now);
}

static void charge(af_sched_t *s, int limit, uint64_t ns)
{
  if (ns == 0)
    return;
  s->limit_held[limit]++;
  s->limit_wait_ns[limit] += ns;
}

/* it leaves the queue (to start, or cancelled): charges its wait. */
static void wait_charge(af_sched_t *s, af_item_t *it, uint64_t now)
{
  af_host_t *h = it->host;
  if (s->sequential || h->unlimited || it->robots_probe || it->robots_denied)
    return;
  charge(s, AFETCH_LIMIT_PER_HOST, host_capped_clock(h, now) - it->mark.host);
  for (int r = 0; r < AFETCH_LIMIT_COUNT; r++)
    charge(s, r, host_free_clock(s, h, r, now) - it->mark.global[r]);
  for (int k = 0; k < AF_HOLD_KINDS; k++) {
    uint64_t ns = host_hold_clock(h, k, now) - it->mark.hold[k];
    if (ns) {
      s->hold_held[k]++;
      s->hold_wait_ns[k] += ns;
    }
  }
}

/* Its URLs wait for its robots.txt, which is not at the head of its
 * queue (running, or waiting for a retry). */
static int robots_wait(const af_sched_t *s, const af_host_t *h)
{
  return h->robots_state == AF_ROBOTS_PENDING && !s->robots_released &&
         !(h->head && h->head->robots_probe);
}

/* Items that need no slot: invalid lines, and a skipped host's URLs. */
static int free_pass(const af_host_t *h)
{
  return h->unlimited || h->skipped;
}

/* A host not yet known to answer, or failing now, gets no more attempts in
 * flight than failures remain before it is skipped, so a dead host costs
 * at most max_host_errors attempts however high per_host is. */
static unsigned host_cap(const af_sched_t *s, const af_host_t *h)
{
  /* Its name is still being looked up: a second URL would only hold a
   * slot waiting on the same answer (a name that never answers would
   * hold per_host slots for the resolver's whole timeout). */
  if (h->resolving)
    return 1;
  unsigned cap = s->per_host;
  if (s->max_host_errors && (!h->answered || h->conn_errors > 0)) {
    unsigned left = s->max_host_errors > h->conn_errors
                        ? s->max_host_errors - h->conn_errors
                        : 1;
    if (left < cap)
      cap = left;
  }
  return cap;
}

static int startable(const af_sched_t *s, const af_host_t *h)
{
  return h->head && (free_pass(h) || (!h->held && !robots_wait(s, h) &&
                                      h->inflight < host_cap(s, h)));
}

/* Puts h in the heap, takes it out, or fixes its place, after its head or
 * its in-flight count changed. */
static void heap_update(af_sched_t *s, af_host_t *h)
{
  int in = h->heap_idx != NOT_IN_HEAP;
  if (startable(s, h)) {
    if (!in) {
      if (heap_push(s, h) < 0)
        s->oom = 1;
    }
    else {
      sift_up(s, h->heap_idx);
      sift_down(s, h->heap_idx);
    }
  }
  else if (in) {
    heap_remove(s, h);
  }
}

/* ---- held hosts: not to start before their not_before --------------- */

static void hold(af_sched_t *s, af_host_t *h, uint64_t now)
{
  if (s->nheld == s->capheld) {
    size_t cap = s->capheld ? s->capheld * 2 : 16;
    af_host_t **p = realloc(s->held, cap * sizeof(*p));
    if (!p) {
      s->oom = 1;
      return;
    }
    s->held = p;
    s->capheld = cap;
  }
  h->held = 1;
  h->held_idx = s->nheld;
  s->held[s->nheld++] = h;
  int was = host_paused(h);
  h->hold_since = now ? now : 1;
  free_clocks_update(s, h, was, now);
  heap_update(s, h);
}

static void unhold(af_sched_t *s, af_host_t *h, uint64_t now)
{
  af_host_t *last = s->held[--s->nheld];
  s->held[h->held_idx] = last;
  last->held_idx = h->held_idx;
  h->held = 0;
  int was = host_paused(h);
  h->hold_ns[h->hold_kind] += now - h->hold_since;
  h->hold_since = 0;
  free_clocks_update(s, h, was, now);
  heap_update(s, h);
}

/* From now on h's hold (if any) is of kind k. */
static void hold_kind_set(af_host_t *h, int k, uint64_t now)
{
  if (h->hold_since && h->hold_kind != k) {
    h->hold_ns[h->hold_kind] += now - h->hold_since;
    h->hold_since = now ? now : 1;
  }
  h->hold_kind = k;
}

/* The least gap between two starts on h. */
static uint64_t host_delay(const af_sched_t *s, const af_host_t *h)
{
  return h->crawl_ns > s->host_delay_ns ? h->crawl_ns : s->host_delay_ns;
}

/* Frees the held hosts whose time has come (all of them with all set);
 * *wake becomes the earliest time of the others, if sooner. */
static void unhold_due(af_sched_t *s, uint64_t now, int all, uint64_t *wake)
{
  for (size_t i = 0; i < s->nheld;) {
    af_host_t *h = s->held[i];
    if (all || h->skipped || h->not_before <= now) {
      unhold(s, h, now);
      continue; /* the last one moved into slot i */
    }
    if (wake && (*wake == 0 || h->not_before < *wake))
      *wake = h->not_before;
    i++;
  }
}

void af_sched_politeness(af_sched_t *s, uint64_t host_delay_ns,
                         unsigned max_host_errors)
{
  s->host_delay_ns = host_delay_ns;
  s->max_host_errors = max_host_errors;
}

void af_sched_host_connected(af_sched_t *s, af_item_t *it)
{
  af_host_t *h = it->host;
  if (!h || h->unlimited || h->answered)
    return;
  h->answered = 1;
  heap_update(s, h);
}

void af_sched_host_resolving(af_sched_t *s, af_item_t *it, int on)
{
  af_host_t *h = it->host;
  if (!h || h->unlimited || h->resolving == on)
    return;
  h->resolving = on;
  heap_update(s, h);
}

uint64_t af_sched_host_outcome(af_sched_t *s, af_item_t *it,
                               af_host_outcome_t o, int retry_after_s,
                               unsigned max_retry_after_s, uint32_t rnd,
                               uint64_t now)
{
  af_host_t *h = it->host;
  if (!h || h->unlimited)
    return 0;
  if (o == AF_HOST_CONN_FAIL) {
    h->conn_errors++;
    if (s->max_host_errors && h->conn_errors >= s->max_host_errors &&
        !h->skipped) {
      h->skipped = 1;
      if (h->held)
        unhold(s, h, now);
      else
        heap_update(s, h);
    }
    return 0;
  }
  h->answered = 1;
  h->conn_errors = 0;
  if (it->status == 429)
    h->st.n429++;
  else if (it->status == 503)
    h->st.n503++;
  if (o != AF_HOST_BUSY) {
    h->busy_streak = 0;
    return 0;
  }
  uint64_t ms;
  if (retry_after_s > 0) {
    ms = (uint64_t)retry_after_s * 1000;
  }
  else {
    unsigned e = h->busy_streak < 6 ? h->busy_streak : 6;
    ms = 1000ull << e;
    if (ms > 60000)
      ms = 60000;
    /* Equal jitter: half fixed, half random, so hosts that all said 429
     * at once are not all tried again at the same moment. */
    ms = ms / 2 + rnd % (ms / 2 + 1);
  }
  h->busy_streak++;
  if (ms > (uint64_t)max_retry_after_s * 1000)
    ms = (uint64_t)max_retry_after_s * 1000;
  uint64_t until = now + ms * 1000000;
  if (until > h->not_before) {
    /* Back-off served: only what this one adds beyond the hold already
     * there, so overlapping back-offs count once. */
    uint64_t from = h->not_before > now ? h->not_before : now;
    h->st.backoff_ns += until - from;
    h->not_before = until;
    hold_kind_set(h, AF_HOLD_BACKOFF, now);
  }
  return ms;
}

/* Host table: chained hashing, grown at load 1. */
static af_host_t *host_get(af_sched_t *s, const char *key, uint64_t now)
{
  if (s->hcount >= s->hcap) {
    size_t cap = s->hcap ? s->hcap * 2 : 256;
    af_host_t **t = calloc(cap, sizeof(*t));
    if (!t)
      return NULL;
    for (size_t i = 0; i < s->hcap; i++) {
      af_host_t *h = s->htab[i];
      while (h) {
        af_host_t *n = h->hnext;
        size_t b = bucket(s, h->key, cap);
        h->hnext = t[b];
        t[b] = h;
        h = n;
      }
    }
    free(s->htab);
    s->htab = t;
    s->hcap = cap;
  }
  size_t b = bucket(s, key, s->hcap);
  for (af_host_t *h = s->htab[b]; h; h = h->hnext)
    if (strcmp(h->key, key) == 0)
      return h;
  af_host_t *h = calloc(1, sizeof(*h));
  if (!h)
    return NULL;
  h->key = strdup(key);
  if (!h->key) {
    free(h);
    return NULL;
  }
  h->heap_idx = NOT_IN_HEAP;
  h->st.first_seq = s->host_serial++;
  host_clock_start(s, h, now);
  h->hnext = s->htab[b];
  s->htab[b] = h;
  s->hcount++;
  return h;
}

/* Frees a host nothing refers to any more, so memory follows the number of
 * hosts in play, not the number of hosts ever seen. */
static void host_unref(af_sched_t *s, af_host_t *h)
{
  if (--h->refs > 0 || h->unlimited || s->keep_hosts)
    return;
  size_t b = bucket(s, h->key, s->hcap);
  af_host_t **pp = &s->htab[b];
  while (*pp != h)
    pp = &(*pp)->hnext;
  *pp = h->hnext;
  s->hcount--;
  if (h->held) {
    af_host_t *last = s->held[--s->nheld];
    s->held[h->held_idx] = last;
    last->held_idx = h->held_idx;
  }
  if (h->heap_idx != NOT_IN_HEAP)
    heap_remove(s, h);
  af_robots_free(h->robots);
  free(h->key);
  free(h);
}

static void queue_push_back(af_host_t *h, af_item_t *it)
{
  it->next = NULL;
  it->prev = h->tail;
  if (h->tail)
    h->tail->next = it;
  else
    h->head = it;
  h->tail = it;
}

/* Keeps the queue sorted by seq: a retried item goes back to its place. */
static void queue_insert_sorted(af_host_t *h, af_item_t *it)
{
  af_item_t *n = h->head;
  while (n && n->seq < it->seq)
    n = n->next;
  if (!n) {
    queue_push_back(h, it);
    return;
  }
  it->next = n;
  it->prev = n->prev;
  if (n->prev)
    n->prev->next = it;
  else
    h->head = it;
  n->prev = it;
}

/* A host's queue grew or shrank by one: its depth, and how many slots
 * the queues could fill (supply), which tells the engine whether reading
 * further ahead may find work for idle slots. */
static void depth_add(af_sched_t *s, af_host_t *h, int d)
{
  unsigned before = h->nqueued < s->per_host ? h->nqueued : s->per_host;
  h->nqueued = (unsigned)((int)h->nqueued + d);
  unsigned after = h->nqueued < s->per_host ? h->nqueued : s->per_host;
  if (!h->unlimited)
    s->supply = s->supply - before + after;
}

static af_item_t *queue_pop(af_sched_t *s, af_host_t *h)
{
  af_item_t *it = h->head;
  depth_add(s, h, -1);
  h->head = it->next;
  if (h->head)
    h->head->prev = NULL;
  else
    h->tail = NULL;
  it->next = it->prev = NULL;
  return it;
}

static void queue_push_front(af_host_t *h, af_item_t *it)
{
  it->prev = NULL;
  it->next = h->head;
  if (h->head)
    h->head->prev = it;
  else
    h->tail = it;
  h->head = it;
}

static void queue_unlink(af_host_t *h, af_item_t *it)
{
  if (it->prev)
    it->prev->next = it->next;
  else
    h->head = it->next;
  if (it->next)
    it->next->prev = it->prev;
  else
    h->tail = it->prev;
  it->next = it->prev = NULL;
}

/* In seq order, searched from the tail: refused URLs arrive in order. */
static void queue_insert_from_tail(af_host_t *h, af_item_t *it)
{
  af_item_t *p = h->tail;
  while (p && p->seq > it->seq)
    p = p->prev;
  if (!p) {
    queue_push_front(h, it);
    return;
  }
  it->prev = p;
  it->next = p->next;
  if (p->next)
    p->next->prev = it;
  else
    h->tail = it;
  p->next = it;
}

/* The path and query of a URL as af_url_parse wrote it. */
static const char *url_path(const char *url, size_t *len)
{
  const char *p = strstr(url, "://");
  p = p ? p + 3 : url;
  p += strcspn(p, "/?#");
  *len = strcspn(p, "#");
  return p;
}

/* 1 when h's policy refuses it (not in a queue): it then goes to the
 * pseudo-host of invalid lines (no slot, no delay), marked with the rule.
 * A path that cannot be checked (no memory) is refused: the polite
 * choice. */
static int robots_refuse(af_sched_t *s, af_host_t *h, af_item_t *it)
{
  if (h->robots_state != AF_ROBOTS_KNOWN || !h->robots || it->robots_probe)
    return 0;
  size_t len;
  const char *path = url_path(it->u.url, &len);
  af_robots_rule_t why;
  if (af_robots_match(h->robots, path, len, &why) == 1)
    return 0;
  it->robots_denied = 1;
  h->st.disallowed++;
  /* It keeps its host (for the message and its reference); only the
   * queue is the pseudo-host's. */
  af_host_t *inv = &s->invalid_host;
  queue_insert_from_tail(inv, it);
  depth_add(s, inv, 1);
  heap_update(s, inv);
  return 1;
}

/* Into its host's queue, in seq order, from now on waiting on limits. */
static void enqueue(af_sched_t *s, af_item_t *it, uint64_t now)
{
  af_host_t *h = it->host;
  s->queued++;
  if (robots_refuse(s, h, it))
    return;
  wait_mark(s, it, now);
  if (it->robots_probe)
    queue_push_front(h, it);
  else if (h->tail && h->tail->seq > it->seq)
    queue_insert_sorted(h, it);
  else
    queue_push_back(h, it);
  depth_add(s, h, 1);
  if (h->head == it)
    heap_update(s, h);
}

int af_sched_robots_rule(const af_item_t *it, af_robots_rule_t *why)
{
  const af_host_t *h = it->host;
  memset(why, 0, sizeof(*why));
  if (!h || !h->robots || !it->u.url)
    return -1;
  size_t len;
  const char *path = url_path(it->u.url, &len);
  return af_robots_match(h->robots, path, len, why);
}

void af_sched_hosts_keep(af_sched_t *s, int robots, int keep)
{
  s->robots = robots;
  s->keep_hosts = robots || keep;
}

int af_sched_robots_wanted(af_sched_t *s, af_item_t *it, uint64_t now)
{
  af_host_t *h = it->host;
  if (!s->robots || !h || h->unlimited || h->robots_state != AF_ROBOTS_UNASKED)
    return 0;
  int was = host_paused(h);
  h->robots_state = AF_ROBOTS_PENDING;
  free_clocks_update(s, h, was, now);
  heap_update(s, h);
  return 1;
}

void af_sched_robots_set(af_sched_t *s, af_item_t *probe, af_robots_t *r,
                         int status, afetch_errkind_t fail, uint64_t now)
{
  af_host_t *h = probe->host;
  if (!h || h->unlimited || h->robots_state == AF_ROBOTS_KNOWN) {
    af_robots_free(r);
    return;
  }
  int was = host_paused(h);
  h->robots_state = AF_ROBOTS_KNOWN;
  h->robots = r;
  h->robots_status = status;
  h->robots_fail = fail;
  double d = r ? af_robots_crawl_delay(r) : -1;
  if (d > 0) {
    h->crawl_ns = (uint64_t)(d * 1e9);
    /* The robots.txt fetch was a request too: the next start waits the
     * Crawl-delay from it. */
    uint64_t nb = h->last_start + host_delay(s, h);
    if (nb > h->not_before) {
      h->not_before = nb;
      hold_kind_set(h, AF_HOLD_DELAY, now);
    }
  }
  free_clocks_update(s, h, was, now);
  /* The URLs queued meanwhile, by the new policy. wait_mark is not
   * renewed: the free clocks stood still while they waited. */
  for (af_item_t *it = h->head, *next; it; it = next) {
    next = it->next;
    af_item_t *prev = it->prev;
    queue_unlink(h, it);
    if (robots_refuse(s, h, it)) {
      depth_add(s, h, -1);
      continue;
    }
    /* Allowed: back in its place. */
    if (prev) {
      it->prev = prev;
      it->next = prev->next;
      if (prev->next)
        prev->next->prev = it;
      else
        h->tail = it;
      prev->next = it;
    }
    else {
      queue_push_front(h, it);
    }
  }
  heap_update(s, h);
}

void af_sched_robots_release(af_sched_t *s)
{
  s->robots_released = 1;
  for (size_t i = 0; i < s->hcap; i++)
    for (af_host_t *h = s->htab[i]; h; h = h->hnext)
      heap_update(s, h);
}

static int by_first_seq(const void *a, const void *b)
{
  const af_host_t *x = *(af_host_t *const *)a, *y = *(af_host_t *const *)b;
  return x->st.first_seq < y->st.first_seq ? -1
                                           : x->st.first_seq > y->st.first_seq;
}

af_host_t **af_sched_host_list(const af_sched_t *s, size_t *n)
{
  *n = 0;
  if (s->hcount == 0)
    return NULL;
  af_host_t **v = malloc(s->hcount * sizeof(*v));
  if (!v) {
    *n = SIZE_MAX;
    return NULL;
  }
  for (size_t i = 0; i < s->hcap; i++)
    for (af_host_t *h = s->htab[i]; h; h = h->hnext)
      v[(*n)++] = h;
  qsort(v, *n, sizeof(*v), by_first_seq);
  return v;
}

int af_sched_push(af_sched_t *s, af_item_t *it, uint64_t ready_at, uint64_t now)
{
  if (!it->host) {
    af_host_t *h = &s->invalid_host;
    if (it->u.url) {
      h = host_get(s, it->u.hostkey, now);
      if (!h)
        return -1;
    }
    h->refs++;
    it->host = h;
  }
  it->ready_at = ready_at;
  if (ready_at > now)
    return sleep_push(s, it);
  enqueue(s, it, now);
  return 0;
}

unsigned af_sched_host_depth(const af_sched_t *s, const char *key)
{
  if (!s->hcap)
    return 0;
  for (af_host_t *h = s->htab[bucket(s, key, s->hcap)]; h; h = h->hnext)
    if (strcmp(h->key, key) == 0)
      return h->nqueued;
  return 0;
}

void af_sched_release(af_sched_t *s, af_item_t *it)
{
  af_host_t *h = it->host;
  if (!h)
    return;
  it->host = NULL;
  host_unref(s, h);
}

void af_sched_ended(af_sched_t *s, af_item_t *it, uint64_t now)
{
  af_host_t *h = it->host;
  s->inflight--;
  h->inflight--;
  h->ended++;
  /* A slot is free: whatever blocked admission may not any more, and
   * until the next af_sched_next says, no limit is charged. */
  set_wait_reason(s, -1, now);
  host_cap_update(s, h, now);
  heap_update(s, h);
}

/* 1 if the rate allows a start now; otherwise *wake is when it will. */
static int rate_ok(af_sched_t *s, uint64_t now, uint64_t *wake)
{
  if (s->rate <= 0 || s->sequential)
    return 1;
  if (now >= s->next_start_ns) {
    uint64_t gap = (uint64_t)(1e9 / s->rate);
    uint64_t base = s->next_start_ns && now - s->next_start_ns < gap
                        ? s->next_start_ns
                        : now;
    s->next_start_ns = base + gap;
    return 1;
  }
  *wake = s->next_start_ns;
  return 0;
}

/* The host log's counts of a start. */
static void host_count_start(af_sched_t *s, af_host_t *h, uint64_t now)
{
  af_host_stats_t *st = &h->st;
  h->last_start = now;
  st->requests++;
  if (h->inflight > st->peak_inflight)
    st->peak_inflight = h->inflight;
  uint64_t sec = now > s->t0 ? (now - s->t0) / 1000000000u : 0;
  if (st->second_starts == 0 || sec != st->second) {
    st->second = sec;
    st->second_starts = 0;
  }
  if (++st->second_starts > st->peak_second)
    st->peak_second = st->second_starts;
}

static int window_ok(const af_sched_t *s, const af_item_t *it,
                     uint64_t next_emit)
{
  return !s->order_input || it->seq < next_emit + s->window;
}

af_item_t *af_sched_next(af_sched_t *s, uint64_t now, const af_sched_gate_t *g,
                         uint64_t *wake)
{
  *wake = 0;
  /* Sleepers whose time has come join their host's queue. */
  while (s->nsleep > 0 && s->sleep[0]->ready_at <= now)
    enqueue(s, sleep_pop(s), now);
  uint64_t hold_wake = 0;
  unhold_due(s, now, 0, &hold_wake);
  /* A host whose delay or back-off has not run out steps aside. */
  while (s->nheap > 0 && !free_pass(s->heap[0]) &&
         s->heap[0]->not_before > now && !s->oom) {
    if (hold_wake == 0 || s->heap[0]->not_before < hold_wake)
      hold_wake = s->heap[0]->not_before;
    hold(s, s->heap[0], now);
  }
  int why = -1;
  if (s->nheap > 0) {
    af_host_t *h = s->heap[0];
    af_item_t *it = h->head;
    if (!window_ok(s, it, g->next_emit))
      why = AF_WAIT_WINDOW;
    else if (h->skipped) {
      queue_pop(s, h);
      s->queued--;
      it->host_skipped = 1;
      if (!it->robots_probe)
        h->st.skipped++;
      heap_update(s, h);
      return it;
    }
    else if (!h->unlimited && s->inflight >= s->concurrency)
      why = AFETCH_LIMIT_CONCURRENCY;
    /* Backpressure from the parser: while bodies wait for a parser
     * thread, start nothing new, so memory does not grow with the list. */
    else if (!h->unlimited && g->parse_full)
      why = AFETCH_LIMIT_PARSE;
    else if (!h->unlimited && !rate_ok(s, now, wake))
      why = AFETCH_LIMIT_RATE;
    else {
      queue_pop(s, h);
      s->queued--;
      if (!h->unlimited) {
        wait_charge(s, it, now);
        it->first_on_host = h->ended == 0;
        h->inflight++;
        s->inflight++;
        host_cap_update(s, h, now);
        uint64_t gap = host_delay(s, h);
        if (gap) {
          h->not_before = now + gap;
          h->hold_kind = AF_HOLD_DELAY;
        }
        host_count_start(s, h, now);
      }
      heap_update(s, h);
      return it;
    }
  }
  /* No startable host, but URLs wait: on hosts at their cap, and when
   * per_host is not below concurrency that means every slot is busy. */
  if (why < 0 && s->queued > 0 && s->inflight >= s->concurrency)
    why = AFETCH_LIMIT_CONCURRENCY;
  set_wait_reason(s, s->oom ? -1 : why, now);
  if (s->nsleep > 0 && (*wake == 0 || s->sleep[0]->ready_at < *wake))
    *wake = s->sleep[0]->ready_at;
  if (hold_wake && (*wake == 0 || hold_wake < *wake))
    *wake = hold_wake;
  return NULL;
}

/* Every host has a free slot by now (nothing is in flight), so every host
 * with a queue is in the heap. */
af_item_t *af_sched_next_cancel(af_sched_t *s, uint64_t now, uint64_t next_emit)
{
  set_wait_reason(s, -1, now);
  unhold_due(s, now, 1, NULL); /* a cancel waits for no delay */
  if (s->nheap == 0 || s->oom)
    return NULL;
  af_host_t *h = s->heap[0];
  af_item_t *it = h->head;
  if (!window_ok(s, it, next_emit))
    return NULL;
  queue_pop(s, h);
  s->queued--;
  wait_charge(s, it, now);
  heap_update(s, h);
  return it;
}

af_item_t *af_sched_take_sleeping(af_sched_t *s)
{
  if (s->nsleep == 0)
    return NULL;
  return sleep_pop(s);
}

af_item_t *af_sched_take_any(af_sched_t *s)
{
  af_item_t *it = af_sched_take_sleeping(s);
  if (it) {
    af_sched_release(s, it);
    return it;
  }
  af_host_t *h = s->invalid_host.head ? &s->invalid_host
                 : s->nheap > 0       ? s->heap[0]
                                      : NULL;
  for (size_t i = 0; !h && i < s->hcap; i++)
    for (af_host_t *c = s->htab[i]; c && !h; c = c->hnext)
      if (c->head)
        h = c;
  if (!h)
    return NULL;
  it = queue_pop(s, h);
  s->queued--;
  heap_update(s, h);
  af_sched_release(s, it);
  return it;
}

void af_sched_free(af_sched_t *s)
{
  for (size_t i = 0; i < s->hcap; i++) {
    af_host_t *h = s->htab[i];
    while (h) {
      af_host_t *n = h->hnext;
      af_robots_free(h->robots);
      free(h->key);
      free(h);
      h = n;
    }
  }
  free(s->htab);
  s->htab = NULL;
  s->hcap = s->hcount = 0;
  free(s->heap);
  s->heap = NULL;
  s->nheap = s->capheap = 0;
  free(s->sleep);
  s->sleep = NULL;
  s->nsleep = s->capsleep = 0;
  free(s->held);
  s->held = NULL;
  s->nheld = s->capheld = 0;
}

uint64_t af_sched_retry_delay_ms(int attempt, int retry_after_s,
                                 uint64_t cap_ms)
{
  uint64_t ms = 250ull << (attempt < 6 ? attempt : 6);
  if (ms > 10000)
    ms = 10000;
  if (retry_after_s > 0) {
    uint64_t ra = (uint64_t)retry_after_s * 1000;
    ms = ra < cap_ms ? ra : cap_ms;
  }
  return ms;
}
