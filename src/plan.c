#include "plan.h"

#include <math.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "afetch.h"
#include "gz.h"
#include "lines.h"
#include "url.h"

#define MAX_LINE (64 * 1024) /* as src/input.c: longer lines are invalid */
#define GZ_OUT (64 * 1024)
#define HLL_M (1u << AF_PLAN_HLL_BITS)
/* The suggested --shard N keeps each shard at about this many URLs: a
 * day's run at the default settings, and a checkpoint file that one
 * machine rewrites comfortably. */
#define SHARD_URLS UINT64_C(5000000)
#define TOP_SLOTS 4096 /* Space-Saving lookup table, > 2 * AF_PLAN_TOPK */

typedef struct {
  uint64_t key; /* af_plan_mix(afetch_host_hash(hostkey)) */
  uint64_t count;
  uint64_t err;
  char *name;   /* the host key */
  unsigned pos; /* index in the heap */
} top_t;

struct afetch_plan {
  char *default_scheme;
  unsigned shard_k, shard_n;
  af_lines_t lines;
  af_gz_t gz;
  int in_input;
  int failed;
  char err[256];
  /* exact distinct hosts: open addressing on mixed hashes (0 = empty) */
  uint64_t *set;
  size_t set_cap, set_len;
  int overflowed;
  unsigned char hll[HLL_M];
  /* Space-Saving: a min-heap of counters plus a hash index on key */
  top_t top[AF_PLAN_TOPK];
  unsigned heap[AF_PLAN_TOPK]; /* indexes into top, heap-ordered by count */
  unsigned ntop;
  int slot[TOP_SLOTS]; /* index into top + 1, 0 = empty */
  top_t **order;       /* after finish: top sorted by count, descending */
  afetch_plan_stats_t st;
};

uint64_t af_plan_mix(uint64_t h)
{
  h ^= h >> 30;
  h *= UINT64_C(0xbf58476d1ce4e5b9);
  h ^= h >> 27;
  h *= UINT64_C(0x94d049bb133111eb);
  h ^= h >> 31;
  return h;
}

/* ---- exact set, then HyperLogLog ---------------------------------- */

static void hll_add(afetch_plan_t *p, uint64_t h)
{
  unsigned idx = (unsigned)(h >> (64 - AF_PLAN_HLL_BITS));
  uint64_t w = h << AF_PLAN_HLL_BITS;
  unsigned rank = 1;
  while (rank <= 64 - AF_PLAN_HLL_BITS && !(w & (UINT64_C(1) << 63))) {
    rank++;
    w <<= 1;
  }
  if (rank > p->hll[idx])
    p->hll[idx] = (unsigned char)rank;
}

static double hll_estimate(const afetch_plan_t *p)
{
  double sum = 0;
  unsigned zeros = 0;
  for (unsigned i = 0; i < HLL_M; i++) {
    sum += ldexp(1.0, -(int)p->hll[i]);
    zeros += p->hll[i] == 0;
  }
  double m = HLL_M;
  double e = 0.7213 / (1 + 1.079 / m) * m * m / sum;
  if (e <= 2.5 * m && zeros > 0)
    e = m * log(m / zeros); /* linear counting for small counts */
  return e;
}

/* Returns 1 if h is new, 0 if seen; drops the set when it is full. */
static int set_add(afetch_plan_t *p, uint64_t h)
{
  if (p->overflowed)
    return 0;
  if (h == 0)
    h = 1; /* 0 marks an empty slot */
  if ((p->set_len + 1) * 2 > p->set_cap) {
    if (p->set_len >= AF_PLAN_EXACT_HOSTS) {
      free(p->set);
      p->set = NULL;
      p->overflowed = 1;
      return 0;
    }
    size_t ncap = p->set_cap ? p->set_cap * 2 : 1024;
    uint64_t *n = calloc(ncap, sizeof(*n));
    if (!n) {
      /* Out of memory costs exactness, not the plan. */
      free(p->set);
      p->set = NULL;
      p->overflowed = 1;
      return 0;
    }
    for (size_t i = 0; i < p->set_cap; i++) {
      if (!p->set[i])
        continue;
      size_t j = p->set[i] & (ncap - 1);
      while (n[j])
        j = (j + 1) & (ncap - 1);
      n[j] = p->set[i];
    }
    free(p->set);
    p->set = n;
    p->set_cap = ncap;
  }
  size_t j = h & (p->set_cap - 1);
  while (p->set[j]) {
    if (p->set[j] == h)
      return 0;
    j = (j + 1) & (p->set_cap - 1);
  }
  p->set[j] = h;
  p->set_len++;
  return 1;
}

/* ---- Space-Saving ---------------------------------------------------- */

static void heap_swap(afetch_plan_t *p, unsigned a, unsigned b)
{
  unsigned t = p->heap[a];
  p->heap[a] = p->heap[b];
  p->heap[b] = t;
  p->top[p->heap[a]].pos = a;
  p->top[p->heap[b]].pos = b;
}

static void sift_down(afetch_plan_t *p, unsigned i)
{
  for (;;) {
    unsigned l = 2 * i + 1, r = l + 1, m = i;
    if (l < p->ntop && p->top[p->heap[l]].count < p->top[p->heap[m]].count)
      m = l;
    if (r < p->ntop && p->top[p->heap[r]].count < p->top[p->heap[m]].count)
      m = r;
    if (m == i)
      return;
    heap_swap(p, i, m);
    i = m;
  }
}

static void sift_up(afetch_plan_t *p, unsigned i)
{
  while (i > 0) {
    unsigned up = (i - 1) / 2;
    if (p->top[p->heap[up]].count <= p->top[p->heap[i]].count)
      return;
    heap_swap(p, i, up);
    i = up;
  }
}

static size_t slot_find(const afetch_plan_t *p, uint64_t key)
{
  size_t j = key & (TOP_SLOTS - 1);
  while (p->slot[j] && p->top[p->slot[j] - 1].key != key)
    j = (j + 1) & (TOP_SLOTS - 1);
  return j;
}

/* Linear probing deletion by shifting back the entries that follow, so
 * lookups never need tombstones. */
static void slot_del(afetch_plan_t *p, size_t j)
{
  p->slot[j] = 0;
  size_t i = j;
  for (;;) {
    i = (i + 1) & (TOP_SLOTS - 1);
    if (!p->slot[i])
      return;
    size_t home = p->top[p->slot[i] - 1].key & (TOP_SLOTS - 1);
    /* Move it if its home is not in the cyclic range (j, i]. */
    if ((j < i) ? (home <= j || home > i) : (home <= j && home > i)) {
      p->slot[j] = p->slot[i];
      p->slot[i] = 0;
      j = i;
    }
  }
}

static int top_add(afetch_plan_t *p, uint64_t key, const char *name)
{
  size_t j = slot_find(p, key);
  if (p->slot[j]) {
    top_t *t = &p->top[p->slot[j] - 1];
    t->count++;
    sift_down(p, t->pos);
    return 0;
  }
  char *copy = strdup(name);
  if (!copy)
    return AFETCH_ENOMEM;
  unsigned idx;
  uint64_t base = 0;
  if (p->ntop < AF_PLAN_TOPK) {
    idx = p->ntop;
    p->heap[p->ntop] = idx;
    p->top[idx].pos = p->ntop++;
  }
  else {
    /* The smallest counter is taken over: the newcomer may have had up to
     * its count before, which is the error the guarantee allows. */
    idx = p->heap[0];
    base = p->top[idx].count;
    slot_del(p, slot_find(p, p->top[idx].key));
    free(p->top[idx].name);
    j = slot_find(p, key);
  }
  top_t *t = &p->top[idx];
  t->key = key;
  t->count = base + 1;
  t->err = base;
  t->name = copy;
  p->slot[j] = (int)idx + 1;
  sift_up(p, t->pos);
  sift_down(p, t->pos);
  return 0;
}

int af_plan_count_host(afetch_plan_t *p, const char *hostkey)
{
  uint64_t key = af_plan_mix(afetch_host_hash(hostkey, strlen(hostkey)));
  hll_add(p, key);
  set_add(p, key);
  return top_add(p, key, hostkey);
}

/* ---- lines ------------------------------------------------------------ */

static void on_line(const char *line, size_t len, uint64_t lineno, int too_long,
                    void *ud)
{
  afetch_plan_t *p = ud;
  (void)lineno;
  af_url_t u;
  memset(&u, 0, sizeof(u));
  afetch_errkind_t bad = AFETCH_ERR_INVALID_URL;
  if (!too_long)
    bad = af_url_parse(line, len, p->default_scheme, &u, NULL, 0);
  if (bad == AFETCH_ERR_RESOURCE)
    p->failed = AFETCH_ENOMEM;
  /* The shard test a run makes (src/engine.c): the host's hash, or the
   * raw line's for a line that does not parse. */
  if (p->shard_n > 0) {
    uint64_t h = u.url ? u.hash : afetch_host_hash(line, len);
    if (h % p->shard_n != p->shard_k) {
      p->st.other_shards++;
      af_url_free(&u);
      return;
    }
  }
  p->st.urls++;
  if (bad != AFETCH_ERR_NONE) {
    p->st.invalid++;
    af_url_free(&u);
    return;
  }
  p->st.valid++;
  if (af_plan_count_host(p, u.hostkey) != 0)
    p->failed = AFETCH_ENOMEM;
  af_url_free(&u);
}

AFETCH_API int afetch_plan_new(afetch_plan_t **out, const afetch_options_t *o)
{
  if (!out)
    return AFETCH_EINVAL;
  *out = NULL;
  /* As afetch_new does: a caller's struct may be older and shorter, so
   * only its own bytes are read and the rest keep their defaults. */
  afetch_options_t full;
  afetch_options_init(&full);
  if (o) {
    if (o->size < offsetof(afetch_options_t, noproxy) + sizeof(o->noproxy) ||
        o->size > sizeof(full))
      return AFETCH_EINVAL;
    memcpy(&full, o, o->size);
    full.size = sizeof(full);
  }
  o = &full;
  if (o->shard_n > 0 && o->shard_k >= o->shard_n)
    return AFETCH_EINVAL;
  const char *scheme = o->default_scheme ? o->default_scheme : "http";
  if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
    return AFETCH_EINVAL;
  afetch_plan_t *p = calloc(1, sizeof(*p));
  if (!p)
    return AFETCH_ENOMEM;
  p->default_scheme = strdup(scheme);
  if (!p->default_scheme) {
    free(p);
    return AFETCH_ENOMEM;
  }
  p->shard_k = o->shard_k;
  p->shard_n = o->shard_n;
  p->st.per_host = o->per_host ? o->per_host : 1;
  p->st.host_delay_ms = o->host_delay_ms;
  af_lines_init(&p->lines, MAX_LINE);
  *out = p;
  return 0;
}

static int pump(afetch_plan_t *p, int end)
{
  for (;;) {
    const char *o;
    size_t n;
    int r = end ? af_gz_end(&p->gz, &o, &n) : af_gz_pull(&p->gz, &o, &n);
    if (r == AF_GZ_OUT) {
      af_lines_feed(&p->lines, o, n, on_line, p);
      continue;
    }
    if (r == AF_GZ_NEED)
      return p->failed;
    snprintf(p->err, sizeof(p->err), "%s",
             r == AF_GZ_ENOMEM ? "out of memory" : af_gz_message(&p->gz));
    return r == AF_GZ_ENOMEM ? AFETCH_ENOMEM : AFETCH_EIO;
  }
}

AFETCH_API int afetch_plan_add(afetch_plan_t *p, const void *buf, size_t len)
{
  if (!p || (!buf && len) || p->order)
    return AFETCH_EINVAL;
  if (!p->in_input) {
    af_gz_init(&p->gz, GZ_OUT);
    p->in_input = 1;
  }
  af_gz_push(&p->gz, buf, len);
  return pump(p, 0);
}

AFETCH_API int afetch_plan_end_input(afetch_plan_t *p)
{
  if (!p || p->order)
    return AFETCH_EINVAL;
  int rc = 0;
  if (p->in_input) {
    rc = pump(p, 1);
    af_gz_free(&p->gz);
    p->in_input = 0;
  }
  /* Each input is split on its own (its own BOM, its own last line), as a
   * run reads them (src/input.c). */
  af_lines_finish(&p->lines, on_line, p);
  p->st.lines += p->lines.lineno;
  af_lines_free(&p->lines);
  af_lines_init(&p->lines, MAX_LINE);
  return rc ? rc : p->failed;
}

static int cmp_top(const void *a, const void *b)
{
  const top_t *x = *(const top_t *const *)a;
  const top_t *y = *(const top_t *const *)b;
  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* Shards: about SHARD_URLS each, but never more than the list splits
 * into usefully. A host is never split, so a shard holds at least the
 * largest host's URLs: more shards than valid / largest only adds
 * machines that finish early and wait for that one. */
unsigned af_plan_suggest_shards(uint64_t valid, uint64_t largest,
                                uint64_t hosts)
{
  if (valid == 0)
    return 1;
  uint64_t n = (valid + SHARD_URLS - 1) / SHARD_URLS;
  uint64_t cap = largest ? valid / largest : 1;
  if (n > cap)
    n = cap;
  if (n > hosts)
    n = hosts;
  if (n < 1)
    n = 1;
  return n > 65535 ? 65535 : (unsigned)n;
}

AFETCH_API int afetch_plan_finish(afetch_plan_t *p)
{
  if (!p || p->order)
    return AFETCH_EINVAL;
  int rc = afetch_plan_end_input(p);
  p->order = malloc(sizeof(*p->order) * (p->ntop ? p->ntop : 1));
  if (!p->order)
    return AFETCH_ENOMEM;
  for (unsigned i = 0; i < p->ntop; i++)
    p->order[i] = &p->top[i];
  qsort(p->order, p->ntop, sizeof(*p->order), cmp_top);
  afetch_plan_stats_t *st = &p->st;
  if (p->overflowed) {
    st->hosts = (uint64_t)llround(hll_estimate(p));
    st->hosts_exact = 0;
    st->hosts_std_error = 1.04 / sqrt((double)HLL_M);
  }
  else {
    st->hosts = p->set_len;
    st->hosts_exact = 1;
  }
  if (p->ntop) {
    const top_t *t = p->order[0];
    /* The guaranteed part only: the bound below must never overstate. */
    st->largest_host = t->count - t->err;
  }
  st->min_wall_s =
      (double)st->largest_host * st->host_delay_ms / 1000.0 / st->per_host;
  st->suggested_shards =
      af_plan_suggest_shards(st->valid, st->largest_host, st->hosts);
  return rc;
}

AFETCH_API const afetch_plan_stats_t *afetch_plan_stats(const afetch_plan_t *p)
{
  return p ? &p->st : NULL;
}

AFETCH_API size_t afetch_plan_ntop(const afetch_plan_t *p)
{
  return p && p->order ? p->ntop : 0;
}

AFETCH_API const char *afetch_plan_top(const afetch_plan_t *p, size_t i,
                                       uint64_t *count, uint64_t *count_err)
{
  if (!p || !p->order || i >= p->ntop)
    return NULL;
  const top_t *t = p->order[i];
  if (count)
    *count = t->count;
  if (count_err)
    *count_err = t->err;
  return t->name;
}

AFETCH_API const char *afetch_plan_error(const afetch_plan_t *p)
{
  return p ? p->err : "";
}

AFETCH_API void afetch_plan_free(afetch_plan_t *p)
{
  if (!p)
    return;
  if (p->in_input)
    af_gz_free(&p->gz);
  af_lines_free(&p->lines);
  for (unsigned i = 0; i < p->ntop; i++)
    free(p->top[i].name);
  free(p->set);
  free(p->order);
  free(p->default_scheme);
  free(p);
}
