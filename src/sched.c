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
 *     order of precedence (the order admit() checks them), or the reorder
 *     window of order_input, which is not a limit and counted nowhere.
 * Each such time is charged to its limit when the URL starts (or is
 * cancelled), and the URL counts once under every limit charged. The
 * global reason is one at a time, kept as a clock per reason; each host
 * keeps its own capped clock and, for the global clocks, only the time
 * they ran while it was below its cap, so nothing is counted twice and
 * the cost is O(1) per start. SEQUENTIAL runs count nothing: one at a
 * time is the mode asked for, not a limit to raise. */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define NOT_IN_HEAP SIZE_MAX

static uint64_t key_hash(const char *s)
{
  uint64_t h = 1469598103934665603ULL;
  while (*s) {
    h ^= (unsigned char)*s++;
    h *= 1099511628211ULL;
  }
  return h;
}

void af_sched_init(afetch_t *a)
{
  memset(&a->invalid_host, 0, sizeof(a->invalid_host));
  a->invalid_host.unlimited = 1;
  a->invalid_host.heap_idx = NOT_IN_HEAP;
  a->invalid_host.key = "";
  a->next_start_ns = 0;
}

/* Heap of startable hosts, ordered by the seq of their head item. */
static uint64_t hkey(const af_host_t *h)
{
  return h->head->seq;
}

static void heap_set(afetch_t *a, size_t i, af_host_t *h)
{
  a->heap[i] = h;
  h->heap_idx = i;
}

static void sift_up(afetch_t *a, size_t i)
{
  af_host_t *h = a->heap[i];
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (hkey(a->heap[p]) <= hkey(h))
      break;
    heap_set(a, i, a->heap[p]);
    i = p;
  }
  heap_set(a, i, h);
}

static void sift_down(afetch_t *a, size_t i)
{
  af_host_t *h = a->heap[i];
  for (;;) {
    size_t l = 2 * i + 1;
    if (l >= a->nheap)
      break;
    size_t m = l;
    if (l + 1 < a->nheap && hkey(a->heap[l + 1]) < hkey(a->heap[l]))
      m = l + 1;
    if (hkey(a->heap[m]) >= hkey(h))
      break;
    heap_set(a, i, a->heap[m]);
    i = m;
  }
  heap_set(a, i, h);
}

static int heap_push(afetch_t *a, af_host_t *h)
{
  if (a->nheap == a->capheap) {
    size_t cap = a->capheap ? a->capheap * 2 : 64;
    af_host_t **p = realloc(a->heap, cap * sizeof(*p));
    if (!p)
      return -1;
    a->heap = p;
    a->capheap = cap;
  }
  heap_set(a, a->nheap++, h);
  sift_up(a, a->nheap - 1);
  return 0;
}

static void heap_remove(afetch_t *a, af_host_t *h)
{
  size_t i = h->heap_idx;
  h->heap_idx = NOT_IN_HEAP;
  af_host_t *last = a->heap[--a->nheap];
  if (i == a->nheap)
    return;
  heap_set(a, i, last);
  sift_down(a, i);
  sift_up(a, last->heap_idx);
}

/* ---- limit accounting (see the top of this file) --------------------- */

static uint64_t global_clock(const afetch_t *a, int r, uint64_t now)
{
  return a->wait_clock[r] + (a->wait_reason == r ? now - a->wait_since : 0);
}

static uint64_t host_capped_clock(const af_host_t *h, uint64_t now)
{
  return h->capped_ns + (h->capped_since ? now - h->capped_since : 0);
}

/* Time reason r blocked starts while h was below its cap. */
static uint64_t host_free_clock(const afetch_t *a, const af_host_t *h, int r,
                                uint64_t now)
{
  uint64_t v = h->free_base[r];
  if (!h->capped_since)
    v += global_clock(a, r, now) - h->free_snap[r];
  return v;
}

/* Per-host counts as the binding limit only below concurrency. */
static int host_capped(const afetch_t *a, const af_host_t *h)
{
  return !h->unlimited && a->per_host < a->concurrency &&
         h->inflight >= a->per_host;
}

static void host_clock_start(afetch_t *a, af_host_t *h, uint64_t now)
{
  h->capped_ns = 0;
  h->capped_since = 0;
  for (int r = 0; r < AF_WAIT_REASONS; r++) {
    h->free_base[r] = 0;
    h->free_snap[r] = global_clock(a, r, now);
  }
}

/* After h->inflight changed: starts or stops its capped clock. */
static void host_cap_update(afetch_t *a, af_host_t *h)
{
  int capped = host_capped(a, h);
  if (capped == (h->capped_since != 0))
    return;
  uint64_t now = uv_hrtime();
  if (capped) {
    for (int r = 0; r < AF_WAIT_REASONS; r++)
      h->free_base[r] += global_clock(a, r, now) - h->free_snap[r];
    h->capped_since = now ? now : 1;
  }
  else {
    h->capped_ns += now - h->capped_since;
    h->capped_since = 0;
    for (int r = 0; r < AF_WAIT_REASONS; r++)
      h->free_snap[r] = global_clock(a, r, now);
  }
}

/* The global reason that blocks admission from now on (-1: none). */
static void set_wait_reason(afetch_t *a, int r)
{
  if (r == a->wait_reason)
    return;
  uint64_t now = uv_hrtime();
  if (a->wait_reason >= 0)
    a->wait_clock[a->wait_reason] += now - a->wait_since;
  a->wait_reason = r;
  a->wait_since = now;
}

void af_sched_wait_end(afetch_t *a)
{
  set_wait_reason(a, -1);
}

void af_sched_wait_begin(afetch_t *a)
{
  memset(a->wait_clock, 0, sizeof(a->wait_clock));
  memset(a->limit_held, 0, sizeof(a->limit_held));
  memset(a->limit_wait_ns, 0, sizeof(a->limit_wait_ns));
  a->wait_reason = -1;
  a->wait_since = 0;
  uint64_t now = uv_hrtime();
  for (size_t i = 0; i < a->hcap; i++)
    for (af_host_t *h = a->htab[i]; h; h = h->hnext)
      host_clock_start(a, h, now);
}

static void wait_mark(afetch_t *a, af_item_t *it)
{
  af_host_t *h = it->host;
  uint64_t now = uv_hrtime();
  it->mark.t = now;
  it->mark.host = host_capped_clock(h, now);
  for (int r = 0; r < AF_WAIT_REASONS; r++)
    it->mark.global[r] = host_free_clock(a, h, r, now);
}

static void charge(afetch_t *a, int limit, uint64_t ns)
{
  if (ns == 0)
    return;
  a->limit_held[limit]++;
  a->limit_wait_ns[limit] += ns;
}

/* it leaves the queue (to start, or cancelled): charges its wait. */
static void wait_charge(afetch_t *a, af_item_t *it)
{
  af_host_t *h = it->host;
  if (a->run_mode != AFETCH_MODE_CONCURRENT || h->unlimited)
    return;
  uint64_t now = uv_hrtime();
  charge(a, AFETCH_LIMIT_PER_HOST, host_capped_clock(h, now) - it->mark.host);
  for (int r = 0; r < AFETCH_LIMIT_COUNT; r++)
    charge(a, r, host_free_clock(a, h, r, now) - it->mark.global[r]);
}

static int startable(afetch_t *a, af_host_t *h)
{
  return h->head && (h->unlimited || h->inflight < a->per_host);
}

/* Puts h in the heap, takes it out, or fixes its place, after its head or
 * its in-flight count changed. */
static void heap_update(afetch_t *a, af_host_t *h)
{
  int in = h->heap_idx != NOT_IN_HEAP;
  if (startable(a, h)) {
    if (!in) {
      if (heap_push(a, h) < 0)
        a->fatal = AFETCH_ENOMEM;
    }
    else {
      sift_up(a, h->heap_idx);
      sift_down(a, h->heap_idx);
    }
  }
  else if (in) {
    heap_remove(a, h);
  }
}

/* Host table: chained hashing, grown at load 1. */
static af_host_t *host_get(afetch_t *a, const char *key)
{
  if (a->hcount >= a->hcap) {
    size_t cap = a->hcap ? a->hcap * 2 : 256;
    af_host_t **t = calloc(cap, sizeof(*t));
    if (!t)
      return NULL;
    for (size_t i = 0; i < a->hcap; i++) {
      af_host_t *h = a->htab[i];
      while (h) {
        af_host_t *n = h->hnext;
        size_t b = key_hash(h->key) & (cap - 1);
        h->hnext = t[b];
        t[b] = h;
        h = n;
      }
    }
    free(a->htab);
    a->htab = t;
    a->hcap = cap;
  }
  size_t b = key_hash(key) & (a->hcap - 1);
  for (af_host_t *h = a->htab[b]; h; h = h->hnext)
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
  host_clock_start(a, h, uv_hrtime());
  h->hnext = a->htab[b];
  a->htab[b] = h;
  a->hcount++;
  return h;
}

/* Frees a host nothing refers to any more, so memory follows the number of
 * hosts in play, not the number of hosts ever seen. */
static void host_unref(afetch_t *a, af_host_t *h)
{
  if (--h->refs > 0 || h->unlimited)
    return;
  size_t b = key_hash(h->key) & (a->hcap - 1);
  af_host_t **pp = &a->htab[b];
  while (*pp != h)
    pp = &(*pp)->hnext;
  *pp = h->hnext;
  a->hcount--;
  if (h->heap_idx != NOT_IN_HEAP)
    heap_remove(a, h);
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

static af_item_t *queue_pop(af_host_t *h)
{
  af_item_t *it = h->head;
  h->head = it->next;
  if (h->head)
    h->head->prev = NULL;
  else
    h->tail = NULL;
  it->next = it->prev = NULL;
  return it;
}

int af_sched_enqueue(afetch_t *a, af_item_t *it)
{
  af_host_t *h = &a->invalid_host;
  if (it->u.url) {
    h = host_get(a, it->u.hostkey);
    if (!h)
      return -1;
  }
  h->refs++;
  it->host = h;
  wait_mark(a, it);
  queue_push_back(h, it);
  a->queued++;
  if (h->head == it)
    heap_update(a, h);
  return 0;
}

void af_sched_requeue(afetch_t *a, af_item_t *it)
{
  af_host_t *h = it->host;
  wait_mark(a, it);
  queue_insert_sorted(h, it);
  a->queued++;
  heap_update(a, h);
}

void af_sched_release(afetch_t *a, af_item_t *it)
{
  af_host_t *h = it->host;
  if (!h)
    return;
  it->host = NULL;
  host_unref(a, h);
}

/* Called when a transfer of h ends (before a possible retry wait). */
static void host_done(afetch_t *a, af_host_t *h)
{
  h->inflight--;
  h->ended++;
  /* A slot is free: whatever blocked admission may not any more, and
   * until the next admit() says, no limit is charged. */
  set_wait_reason(a, -1);
  host_cap_update(a, h);
  heap_update(a, h);
}

static void admit(afetch_t *a);
static void cancel_queued(afetch_t *a);

static void on_rate(uv_timer_t *t)
{
  afetch_t *a = t->data;
  af_sched_pump(a);
  af_engine_check_end(a);
}

/* 1 if the rate allows a start now; otherwise arms the rate timer. */
static int rate_ok(afetch_t *a)
{
  if (a->o.rate <= 0 || a->run_mode == AFETCH_MODE_SEQUENTIAL)
    return 1;
  uint64_t now = uv_hrtime();
  if (now >= a->next_start_ns) {
    uint64_t gap = (uint64_t)(1e9 / a->o.rate);
    uint64_t base = a->next_start_ns && now - a->next_start_ns < gap
                        ? a->next_start_ns
                        : now;
    a->next_start_ns = base + gap;
    return 1;
  }
  if (!uv_is_active((uv_handle_t *)&a->rate_timer)) {
    uint64_t ms = (a->next_start_ns - now + 999999) / 1000000;
    uv_timer_start(&a->rate_timer, on_rate, ms, 0);
  }
  return 0;
}

/* Starts what may start; then tops up the read-ahead window and, if that
 * brought new lines, tries again (an invalid line completes at once, so
 * a list of them must not stall waiting for a completion to pump). */
void af_sched_pump(afetch_t *a)
{
  if (!a->running)
    return;
  if (a->stopping) {
    cancel_queued(a);
    return;
  }
  for (;;) {
    admit(a);
    if (a->queued >= a->o.read_ahead || a->stopping)
      break;
    uint64_t before = a->n_read;
    af_input_resume(a);
    if (a->n_read == before)
      break;
  }
}

static void admit(afetch_t *a)
{
  int why = -1;
  while (a->nheap > 0 && !a->fatal && !a->stopping) {
    af_host_t *h = a->heap[0];
    af_item_t *it = h->head;
    /* --order input: never run further ahead than the reorder window. */
    if (a->order_input && it->seq >= a->next_emit + a->window) {
      why = AF_WAIT_WINDOW;
      break;
    }
    if (!h->unlimited) {
      if (a->inflight >= a->concurrency) {
        why = AFETCH_LIMIT_CONCURRENCY;
        break;
      }
      /* Backpressure from the parser: while bodies wait for a parser
       * thread, start nothing new, so memory does not grow with the list. */
      if (af_parse_full(a)) {
        why = AFETCH_LIMIT_PARSE;
        break;
      }
      if (!rate_ok(a)) {
        why = AFETCH_LIMIT_RATE;
        break;
      }
    }
    queue_pop(h);
    a->queued--;
    if (h->unlimited) {
      heap_update(a, h);
      af_engine_complete(a, it);
      continue;
    }
    wait_charge(a, it);
    h->inflight++;
    host_cap_update(a, h);
    heap_update(a, h);
    a->inflight++;
    if (af_xfer_start(a, it) != 0) {
      /* The item carries its error; it is complete. */
      a->inflight--;
      host_done(a, h);
      af_engine_complete(a, it);
    }
  }
  /* No startable host, but URLs wait: on hosts at their cap, and when
   * per_host is not below concurrency that means every slot is busy. */
  if (why < 0 && a->queued > 0 && a->inflight >= a->concurrency)
    why = AFETCH_LIMIT_CONCURRENCY;
  set_wait_reason(a, a->stopping || a->fatal ? -1 : why);
}

/* After a stop: queued items end as cancelled, lowest input line first,
 * and under order_input only as far as the reorder window reaches; the
 * rest follow when the results before them (parses still under way) are
 * delivered. Every host has a free slot by now (nothing is in flight), so
 * every host with a queue is in the heap. */
static void cancel_queued(afetch_t *a)
{
  set_wait_reason(a, -1);
  while (a->nheap > 0 && !a->fatal) {
    af_host_t *h = a->heap[0];
    af_item_t *it = h->head;
    if (a->order_input && it->seq >= a->next_emit + a->window)
      break;
    queue_pop(h);
    a->queued--;
    wait_charge(a, it);
    heap_update(a, h);
    af_engine_cancel(a, it);
  }
}

/* A transfer ended: its slot is free. Called before retry or completion. */
void af_sched_slot_free(afetch_t *a, af_item_t *it)
{
  a->inflight--;
  host_done(a, it->host);
}

void af_sched_drop_all(afetch_t *a)
{
  while (a->nheap > 0) {
    af_host_t *h = a->heap[0];
    heap_remove(a, h);
    (void)h;
  }
  for (size_t i = 0; i < a->hcap; i++) {
    af_host_t *h = a->htab[i];
    while (h) {
      af_host_t *n = h->hnext;
      while (h->head) {
        af_item_t *it = queue_pop(h);
        a->queued--;
        it->host = NULL;
        af_item_free(it);
        h->refs--;
      }
      h = n;
    }
  }
  while (a->invalid_host.head) {
    af_item_t *it = queue_pop(&a->invalid_host);
    a->queued--;
    it->host = NULL;
    af_item_free(it);
  }
}

void af_sched_free(afetch_t *a)
{
  for (size_t i = 0; i < a->hcap; i++) {
    af_host_t *h = a->htab[i];
    while (h) {
      af_host_t *n = h->hnext;
      free(h->key);
      free(h);
      h = n;
    }
  }
  free(a->htab);
  a->htab = NULL;
  a->hcap = a->hcount = 0;
  free(a->heap);
  a->heap = NULL;
  a->nheap = a->capheap = 0;
}
