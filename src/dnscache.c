/* The DNS stage's pure part: the per-run cache of names, their waiters,
 * the queues and the rate's token bucket (src/dnscache.h). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnscache.h"

static uint64_t name_hash(const char *s)
{
  uint64_t h = 1469598103934665603ull; /* FNV-1a over the lower-cased name */
  for (; *s; s++) {
    unsigned char ch = (unsigned char)*s;
    if (ch >= 'A' && ch <= 'Z')
      ch = (unsigned char)(ch - 'A' + 'a');
    h = (h ^ ch) * 1099511628211ull;
  }
  return h;
}

void af_dnsc_init(af_dnsc_t *c)
{
  memset(c, 0, sizeof(*c));
  c->max = AF_DNSC_MAX;
}

static void free_waiters(af_dnsc_waiter_t *w)
{
  while (w) {
    af_dnsc_waiter_t *n = w->next;
    free(w);
    w = n;
  }
}

static void entry_free(af_dnsc_entry_t *e)
{
  free_waiters(e->waiters);
  free(e->name);
  free(e->addrs);
  free(e);
}

void af_dnsc_free(af_dnsc_t *c)
{
  size_t max = c->max;
  for (size_t i = 0; i < c->cap; i++) {
    af_dnsc_entry_t *e = c->tab[i];
    while (e) {
      af_dnsc_entry_t *n = e->hnext;
      entry_free(e);
      e = n;
    }
  }
  free(c->tab);
  af_dnsc_init(c);
  c->max = max;
}

size_t af_dnsc_purge(af_dnsc_t *c)
{
  size_t n = 0;
  for (size_t i = 0; i < c->cap; i++) {
    for (af_dnsc_entry_t **pp = &c->tab[i]; *pp;) {
      af_dnsc_entry_t *e = *pp;
      if (e->state != AF_DNSC_DONE || e->waiters || e->held) {
        pp = &e->hnext;
        continue;
      }
      *pp = e->hnext;
      entry_free(e);
      c->count--;
      n++;
    }
  }
  return n;
}

af_dnsc_entry_t *af_dnsc_find(af_dnsc_t *c, const char *name)
{
  if (!c->cap)
    return NULL;
  for (af_dnsc_entry_t *e = c->tab[name_hash(name) & (c->cap - 1)]; e;
       e = e->hnext)
    if (strcasecmp(e->name, name) == 0)
      return e;
  return NULL;
}

/* Doubles the table (a power of two) once it is as full as it is long. */
static int grow(af_dnsc_t *c)
{
  size_t ncap = c->cap ? c->cap * 2 : 64;
  af_dnsc_entry_t **nt = calloc(ncap, sizeof(*nt));
  if (!nt)
    return -1;
  for (size_t i = 0; i < c->cap; i++) {
    for (af_dnsc_entry_t *e = c->tab[i], *n; e; e = n) {
      n = e->hnext;
      size_t b = name_hash(e->name) & (ncap - 1);
      e->hnext = nt[b];
      nt[b] = e;
    }
  }
  free(c->tab);
  c->tab = nt;
  c->cap = ncap;
  return 0;
}

af_dnsc_entry_t *af_dnsc_add(af_dnsc_t *c, const char *name)
{
  if (c->max && c->count >= c->max)
    af_dnsc_purge(c);
  if (c->count >= c->cap && grow(c) != 0)
    return NULL;
  af_dnsc_entry_t *e = calloc(1, sizeof(*e));
  if (!e)
    return NULL;
  e->name = strdup(name);
  if (!e->name) {
    free(e);
    return NULL;
  }
  for (char *p = e->name; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      *p = (char)(*p - 'A' + 'a');
  e->state = AF_DNSC_QUEUED;
  size_t b = name_hash(name) & (c->cap - 1);
  e->hnext = c->tab[b];
  c->tab[b] = e;
  c->count++;
  return e;
}

int af_dnsc_fresh(const af_dnsc_entry_t *e, uint64_t now)
{
  if (e->state != AF_DNSC_DONE)
    return 0;
  return e->status != AF_DNS_OK || now < e->expires;
}

void af_dnsc_renew(af_dnsc_entry_t *e)
{
  free(e->addrs);
  e->addrs = NULL;
  e->state = AF_DNSC_QUEUED;
  e->status = AF_DNS_OK;
  e->gen++;
}

int af_dnsc_settle(af_dnsc_entry_t *e, af_dns_status_t st, const char *addrs,
                   uint32_t ttl_s, uint64_t now)
{
  e->state = AF_DNSC_DONE;
  e->status = st;
  free(e->addrs);
  e->addrs = NULL;
  if (st != AF_DNS_OK)
    return 0;
  e->addrs = strdup(addrs ? addrs : "");
  if (!e->addrs) {
    e->status = AF_DNS_FAILED;
    return -1;
  }
  if (ttl_s < AF_DNSC_MIN_TTL_S)
    ttl_s = AF_DNSC_MIN_TTL_S;
  if (ttl_s > AF_DNSC_MAX_TTL_S)
    ttl_s = AF_DNSC_MAX_TTL_S;
  e->expires = now + (uint64_t)ttl_s * 1000000000ull;
  return 0;
}

int af_dnsc_wait(af_dnsc_entry_t *e, void *req, uint64_t now)
{
  af_dnsc_waiter_t *w = malloc(sizeof(*w));
  if (!w)
    return -1;
  w->req = req;
  w->since = now;
  w->next = NULL;
  if (e->wtail)
    e->wtail->next = w;
  else
    e->waiters = w;
  e->wtail = w;
  return 0;
}

af_dnsc_waiter_t *af_dnsc_take_waiters(af_dnsc_entry_t *e)
{
  af_dnsc_waiter_t *w = e->waiters;
  e->waiters = e->wtail = NULL;
  return w;
}

void af_dnsc_push(af_dnsc_fifo_t *q, af_dnsc_entry_t *e)
{
  e->qnext = NULL;
  if (q->tail)
    q->tail->qnext = e;
  else
    q->head = e;
  q->tail = e;
}

af_dnsc_entry_t *af_dnsc_pop(af_dnsc_fifo_t *q)
{
  af_dnsc_entry_t *e = q->head;
  if (!e)
    return NULL;
  q->head = e->qnext;
  if (!q->head)
    q->tail = NULL;
  e->qnext = NULL;
  return e;
}

void af_dnsc_unlink(af_dnsc_fifo_t *q, af_dnsc_entry_t *e)
{
  af_dnsc_entry_t *prev = NULL;
  for (af_dnsc_entry_t *p = q->head; p; prev = p, p = p->qnext) {
    if (p != e)
      continue;
    if (prev)
      prev->qnext = p->qnext;
    else
      q->head = p->qnext;
    if (q->tail == p)
      q->tail = prev;
    p->qnext = NULL;
    return;
  }
}

void af_dns_rate_init(af_dns_rate_t *r, double rate, uint64_t now)
{
  r->rate = rate > 0 ? rate : 0;
  /* A tenth of a second's worth at once: a resolver sees at most that
   * burst, and over any longer stretch the rate holds. */
  r->burst = r->rate < 10 ? 1 : r->rate / 10;
  r->tokens = r->burst;
  r->last = now;
}

uint64_t af_dns_rate_take(af_dns_rate_t *r, uint64_t now)
{
  if (r->rate <= 0)
    return 0;
  if (now > r->last) {
    r->tokens += (double)(now - r->last) * r->rate / 1e9;
    if (r->tokens > r->burst)
      r->tokens = r->burst;
    r->last = now;
  }
  if (r->tokens >= 1) {
    r->tokens -= 1;
    return 0;
  }
  uint64_t ns = (uint64_t)((1 - r->tokens) * 1e9 / r->rate);
  return ns ? ns : 1;
}
