/* The DNS stage on the loop (src/dns.h): c-ares tells which sockets to
 * watch through its socket-state callback (one uv_poll each), is driven
 * with ares_process_fd when one is ready, and one uv_timer wakes it for
 * its own timeouts, for the deadline of the oldest lookup in flight and
 * for the next rate token. Nothing here calls the engine or another stage:
 * answers go out through the done callback. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"

struct af_dns_poll {
  uv_poll_t h;
  ares_socket_t fd;
  af_dns_t *d;
  af_dns_poll_t *next;
};

/* The one request c-ares holds per lookup: which entry, and which of its
 * lookups (an entry that timed out and was asked again ignores the first
 * answer). */
typedef struct {
  af_dns_t *d;
  af_dnsc_entry_t *e;
  unsigned gen;
} lookup_ctx_t;

static void on_poll_closed(uv_handle_t *h)
{
  free(h->data);
}

static void poll_close(af_dns_t *d, af_dns_poll_t *p)
{
  for (af_dns_poll_t **pp = &d->polls; *pp; pp = &(*pp)->next) {
    if (*pp == p) {
      *pp = p->next;
      break;
    }
  }
  uv_poll_stop(&p->h);
  p->h.data = p;
  uv_close((uv_handle_t *)&p->h, on_poll_closed);
}

static void arm(af_dns_t *d);
static void pump(af_dns_t *d);

static void on_poll(uv_poll_t *h, int status, int events)
{
  af_dns_poll_t *p = h->data;
  af_dns_t *d = p->d;
  ares_socket_t fd = p->fd;
  /* An error (a refused port, status < 0) is passed on as readable and
   * writable: c-ares then reads the socket and learns the errno itself. */
  int rd = status < 0 || (events & UV_READABLE);
  int wr = status < 0 || (events & UV_WRITABLE);
  ares_process_fd(d->ch, rd ? fd : ARES_SOCKET_BAD, wr ? fd : ARES_SOCKET_BAD);
  pump(d);
  arm(d);
}

/* c-ares says what it wants watched: from inside its own calls, so this
 * only (re)starts or closes poll handles. */
static void on_sock_state(void *data, ares_socket_t fd, int readable,
                          int writable)
{
  af_dns_t *d = data;
  af_dns_poll_t *p = d->polls;
  while (p && p->fd != fd)
    p = p->next;
  if (!readable && !writable) {
    if (p)
      poll_close(d, p);
    return;
  }
  if (!p) {
    p = calloc(1, sizeof(*p));
    if (!p)
      return; /* the lookup then ends at its deadline */
    if (uv_poll_init_socket(d->loop, &p->h, fd) != 0) {
      free(p);
      return;
    }
    p->fd = fd;
    p->d = d;
    p->h.data = p;
    p->next = d->polls;
    d->polls = p;
  }
  uv_poll_start(&p->h,
                (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0),
                on_poll);
}

int af_dns_init(af_dns_t *d, uv_loop_t *loop, af_dns_done_cb done, void *ud)
{
  memset(d, 0, sizeof(*d));
  d->loop = loop;
  d->done = done;
  d->ud = ud;
  af_dnsc_init(&d->cache);
  if (uv_timer_init(loop, &d->timer) != 0)
    return -1;
  d->timer.data = d;
  return 0;
}

void af_dns_run_begin(af_dns_t *d, double rate, double timeout_s)
{
  d->rate_per_s = rate;
  d->timeout_ns = (uint64_t)(timeout_s * 1e9);
  d->failed = 0;
  d->lookups = 0;
  af_dns_rate_init(&d->rate, rate, uv_hrtime());
}

/* glibc's "timeout:N" and "attempts:N" from an options line (resolv.conf
 * or RES_OPTIONS), which c-ares 1.18 ignores: without them a name that
 * never answers waits c-ares's 5 s x 4 tries, not what the system's own
 * resolver (and so curl) would wait. Values are capped as glibc caps them. */
static void resolv_words(const char *p, int *timeout_s, int *attempts)
{
  while (*p) {
    p += strspn(p, " \t");
    size_t n = strcspn(p, " \t\n");
    if (n > 8 && strncmp(p, "timeout:", 8) == 0)
      *timeout_s = atoi(p + 8) > 30 ? 30 : atoi(p + 8);
    else if (n > 9 && strncmp(p, "attempts:", 9) == 0)
      *attempts = atoi(p + 9) > 5 ? 5 : atoi(p + 9);
    p += n;
    if (*p == '\n')
      break;
  }
}

static void resolv_options(int *timeout_s, int *attempts)
{
  *timeout_s = *attempts = 0;
  FILE *f = fopen("/etc/resolv.conf", "re");
  if (f) {
    char line[512];
    while (fgets(line, sizeof(line), f))
      if (strncmp(line, "options", 7) == 0 &&
          (line[7] == ' ' || line[7] == '\t'))
        resolv_words(line + 7, timeout_s, attempts);
    fclose(f);
  }
  const char *env = getenv("RES_OPTIONS");
  if (env)
    resolv_words(env, timeout_s, attempts);
}

/* The channel of the run, made on its first lookup, so a list of address
 * literals never reads resolv.conf. Its timeout and attempts are c-ares's
 * (a retransmit to a server that is only slow would be a second query for
 * the same name); the deadline of each lookup is afetch's own
 * (af_dns_run_begin). */
static int channel(af_dns_t *d)
{
  if (d->open)
    return 0;
  if (d->failed)
    return -1;
  struct ares_options opt;
  memset(&opt, 0, sizeof(opt));
  opt.sock_state_cb = on_sock_state;
  opt.sock_state_cb_data = d;
  /* Answers to a burst of lookups arrive together on c-ares's one UDP
   * socket: with the default receive buffer (208 KiB, about 160 small
   * datagrams) the rest are dropped, and each drop costs a retry after
   * c-ares's timeout (5 s). The kernel caps this at net.core.rmem_max. */
  opt.socket_receive_buffer_size = 4 << 20;
  int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_SOCK_RCVBUF;
  int timeout_s, attempts;
  resolv_options(&timeout_s, &attempts);
  if (timeout_s > 0) {
    opt.timeout = timeout_s * 1000;
    mask |= ARES_OPT_TIMEOUTMS;
  }
  if (attempts > 0) {
    opt.tries = attempts;
    mask |= ARES_OPT_TRIES;
  }
  if (ares_init_options(&d->ch, &opt, mask) != ARES_SUCCESS) {
    d->failed = 1;
    return -1;
  }
  /* c-ares takes a SERVFAIL or REFUSED for a broken server and asks the
   * next one; with a single server that ends as "Could not contact DNS
   * servers", which hides what the server said. So with one server the
   * answer's code is kept (ARES_FLAG_NOCHECKRESP). */
  struct ares_addr_node *servers = NULL;
  int n = 0;
  if (ares_get_servers(d->ch, &servers) == ARES_SUCCESS)
    for (struct ares_addr_node *sv = servers; sv; sv = sv->next)
      n++;
  ares_free_data(servers);
  if (n == 1) {
    ares_destroy(d->ch);
    opt.flags = ARES_FLAG_NOCHECKRESP;
    if (ares_init_options(&d->ch, &opt, mask | ARES_OPT_FLAGS) !=
        ARES_SUCCESS) {
      d->failed = 1;
      return -1;
    }
  }
  d->open = 1;
  return 0;
}

static void fill(const af_dnsc_entry_t *e, af_dns_answer_t *ans)
{
  memset(ans, 0, sizeof(*ans));
  ans->status = e->status;
  ans->name = e->name;
  ans->addrs = e->addrs;
  ans->code = e->code;
  /* Once settled, deadline holds when the lookup ended. */
  if (e->state == AF_DNSC_DONE && e->deadline > e->asked)
    ans->lookup_s = (double)(e->deadline - e->asked) / 1e9;
}

/* Every request waiting on e gets e's answer. */
static void notify(af_dns_t *d, af_dnsc_entry_t *e, uint64_t now)
{
  af_dns_answer_t ans;
  fill(e, &ans);
  af_dnsc_waiter_t *w = af_dnsc_take_waiters(e);
  while (w) {
    af_dnsc_waiter_t *n = w->next;
    ans.wait_ms = now > w->since ? (double)(now - w->since) / 1e6 : 0;
    d->done(d->ud, w->req, &ans);
    free(w);
    w = n;
  }
}

static af_dns_status_t status_of(int st)
{
  switch (st) {
  case ARES_SUCCESS:
    return AF_DNS_OK;
  case ARES_ENOTFOUND:
    return AF_DNS_NXDOMAIN;
  case ARES_ENODATA:
    return AF_DNS_NODATA;
  case ARES_ETIMEOUT:
    return AF_DNS_TIMEOUT;
  case ARES_ESERVFAIL:
    return AF_DNS_SERVFAIL;
  case ARES_EREFUSED:
    return AF_DNS_REFUSED;
  case ARES_ECONNREFUSED:
    return AF_DNS_UNREACHABLE;
  default:
    return AF_DNS_FAILED;
  }
}

/* The addresses as CURLOPT_RESOLVE lists them ("a,b,[v6]") and the
 * smallest TTL among them. -1 when memory runs out. */
static int join_addrs(const struct ares_addrinfo *res, char **out,
                      uint32_t *ttl)
{
  size_t cap = 0;
  for (const struct ares_addrinfo_node *n = res ? res->nodes : NULL; n;
       n = n->ai_next)
    cap += INET6_ADDRSTRLEN + 3;
  char *s = malloc(cap + 1);
  if (!s)
    return -1;
  size_t len = 0;
  int first = 1;
  *ttl = UINT32_MAX;
  for (const struct ares_addrinfo_node *n = res ? res->nodes : NULL; n;
       n = n->ai_next) {
    char ip[INET6_ADDRSTRLEN];
    const void *src = NULL;
    if (n->ai_family == AF_INET)
      src = &((const struct sockaddr_in *)(const void *)n->ai_addr)->sin_addr;
    else if (n->ai_family == AF_INET6)
      src = &((const struct sockaddr_in6 *)(const void *)n->ai_addr)->sin6_addr;
    if (!src || !inet_ntop(n->ai_family, src, ip, sizeof(ip)))
      continue;
    int v6 = n->ai_family == AF_INET6;
    len += (size_t)snprintf(s + len, cap + 1 - len, "%s%s%s%s",
                            first ? "" : ",", v6 ? "[" : "", ip, v6 ? "]" : "");
    first = 0;
    uint32_t t = n->ai_ttl > 0 ? (uint32_t)n->ai_ttl : 0;
    if (t < *ttl)
      *ttl = t;
  }
  s[len] = '\0';
  *out = s;
  return 0;
}

/* c-ares's answer: from inside ares_process_fd (or ares_getaddrinfo, for
 * /etc/hosts), so it settles the entry and tells the waiters, and starts
 * no lookup itself. */
static void on_addrinfo(void *arg, int st, int timeouts,
                        struct ares_addrinfo *res)
{
  (void)timeouts;
  lookup_ctx_t *c = arg;
  af_dns_t *d = c->d;
  af_dnsc_entry_t *e = c->e;
  unsigned gen = c->gen;
  free(c);
  e->held--;
  if (st == ARES_EDESTRUCTION || st == ARES_ECANCELLED || e->gen != gen ||
      e->state != AF_DNSC_INFLIGHT) {
    ares_freeaddrinfo(res);
    return;
  }
  uint64_t now = uv_hrtime();
  af_dnsc_unlink(&d->inflight, e);
  af_dns_status_t s = status_of(st);
  char *addrs = NULL;
  uint32_t ttl = 0;
  if (s == AF_DNS_OK && join_addrs(res, &addrs, &ttl) != 0)
    s = AF_DNS_FAILED;
  if (s == AF_DNS_OK && !addrs[0])
    s = AF_DNS_NODATA;
  ares_freeaddrinfo(res);
  e->code = st;
  e->deadline = now;
  af_dnsc_settle(e, s, addrs, ttl, now);
  free(addrs);
  notify(d, e, now);
}

/* Starts what the rate allows of the queued lookups. */
static void pump(af_dns_t *d)
{
  while (d->queued.head && d->open) {
    uint64_t now = uv_hrtime();
    if (af_dns_rate_take(&d->rate, now) != 0)
      return;
    af_dnsc_entry_t *e = af_dnsc_pop(&d->queued);
    lookup_ctx_t *c = malloc(sizeof(*c));
    if (!c) {
      e->code = ARES_ENOMEM;
      e->asked = e->deadline = now;
      af_dnsc_settle(e, AF_DNS_FAILED, NULL, 0, now);
      notify(d, e, now);
      continue;
    }
    c->d = d;
    c->e = e;
    c->gen = e->gen;
    e->state = AF_DNSC_INFLIGHT;
    e->asked = now;
    e->deadline = now + d->timeout_ns;
    af_dnsc_push(&d->inflight, e);
    d->lookups++;
    struct ares_addrinfo_hints hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;     /* A and AAAA, asked together */
    hints.ai_flags = ARES_AI_NOSORT; /* libcurl races the families itself */
    e->held++; /* before the call: its callback may run inside it */
    ares_getaddrinfo(d->ch, e->name, NULL, &hints, on_addrinfo, c);
  }
}

/* Lookups past their deadline fail as TIMEOUT (c-ares's query goes on, and
 * its late answer is ignored). All deadlines are the same length after
 * the send, so the oldest lookup is at the head of the in-flight FIFO. */
static void expire(af_dns_t *d, uint64_t now)
{
  while (d->inflight.head && d->inflight.head->deadline <= now) {
    af_dnsc_entry_t *e = af_dnsc_pop(&d->inflight);
    e->gen++;
    e->code = ARES_ETIMEOUT;
    af_dnsc_settle(e, AF_DNS_TIMEOUT, NULL, 0, now);
    notify(d, e, now);
  }
}

static void on_timer(uv_timer_t *t)
{
  af_dns_t *d = t->data;
  if (!d->open)
    return;
  ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  expire(d, uv_hrtime());
  pump(d);
  arm(d);
}

/* The one timer: the earliest of c-ares's next timeout, the oldest
 * deadline and, with lookups queued, the next rate token. */
static void arm(af_dns_t *d)
{
  if (!d->open)
    return;
  uint64_t now = uv_hrtime();
  uint64_t wait = UINT64_MAX;
  struct timeval tv, *tp = ares_timeout(d->ch, NULL, &tv);
  if (tp)
    wait = (uint64_t)tp->tv_sec * 1000000000ull + (uint64_t)tp->tv_usec * 1000;
  if (d->inflight.head) {
    uint64_t dl = d->inflight.head->deadline;
    uint64_t w = dl > now ? dl - now : 0;
    if (w < wait)
      wait = w;
  }
  if (d->queued.head) {
    /* The bucket is refilled by the time asked about, so a peek is a take
     * that is given back. */
    af_dns_rate_t peek = d->rate;
    uint64_t w = af_dns_rate_take(&peek, now);
    if (w < wait)
      wait = w;
  }
  if (wait == UINT64_MAX) {
    uv_timer_stop(&d->timer);
    return;
  }
  uv_timer_start(&d->timer, on_timer, (wait + 999999) / 1000000, 0);
}

/* The entry of name (e, when found), queued for a lookup unless one is
 * queued or under way already. NULL when out of memory. */
static af_dnsc_entry_t *ask(af_dns_t *d, af_dnsc_entry_t *e, const char *name)
{
  if (!e) {
    e = af_dnsc_add(&d->cache, name);
    if (!e)
      return NULL;
    af_dnsc_push(&d->queued, e);
  }
  else if (e->state == AF_DNSC_DONE) {
    af_dnsc_renew(e); /* its answer expired */
    af_dnsc_push(&d->queued, e);
  }
  return e;
}

int af_dns_lookup(af_dns_t *d, const char *name, void *req, uint64_t now,
                  af_dns_answer_t *ans)
{
  af_dnsc_entry_t *e = af_dnsc_find(&d->cache, name);
  if (e && af_dnsc_fresh(e, now)) {
    fill(e, ans);
    return 1;
  }
  if (channel(d) != 0)
    return -2;
  e = ask(d, e, name);
  if (!e || af_dnsc_wait(e, req, now) != 0)
    return -1;
  pump(d);
  arm(d);
  return 0;
}

int af_dns_prefetch(af_dns_t *d, const char *name, uint64_t now)
{
  af_dnsc_entry_t *e = af_dnsc_find(&d->cache, name);
  if (e && (e->state != AF_DNSC_DONE || af_dnsc_fresh(e, now)))
    return 0; /* asked already, or known */
  if (channel(d) != 0)
    return -2;
  if (!ask(d, e, name))
    return -1;
  pump(d);
  arm(d);
  return 0;
}

void af_dns_take_waiters(af_dns_t *d, void (*each)(void *ctx, void *req),
                         void *ctx)
{
  for (size_t i = 0; i < d->cache.cap; i++) {
    for (af_dnsc_entry_t *e = d->cache.tab[i]; e; e = e->hnext) {
      af_dnsc_waiter_t *w = af_dnsc_take_waiters(e);
      while (w) {
        af_dnsc_waiter_t *n = w->next;
        each(ctx, w->req);
        free(w);
        w = n;
      }
    }
  }
}

void af_dns_shut(af_dns_t *d)
{
  if (d->open) {
    /* Calls back every lookup with ARES_EDESTRUCTION (ignored) and tells
     * on_sock_state to drop each socket. */
    ares_destroy(d->ch);
    d->open = 0;
  }
  while (d->polls)
    poll_close(d, d->polls);
  uv_timer_stop(&d->timer);
  af_dnsc_free(&d->cache);
  d->queued.head = d->queued.tail = NULL;
  d->inflight.head = d->inflight.tail = NULL;
}

void af_dns_describe(const af_dns_answer_t *ans, char *buf, size_t cap)
{
  const char *n = ans->name ? ans->name : "?";
  switch (ans->status) {
  case AF_DNS_OK:
    snprintf(buf, cap, "DNS: resolved: %s", n);
    break;
  case AF_DNS_NXDOMAIN:
    snprintf(buf, cap, "DNS: no such host (NXDOMAIN): %s", n);
    break;
  case AF_DNS_NODATA:
    snprintf(buf, cap, "DNS: the host has no address (no A or AAAA record): %s",
             n);
    break;
  case AF_DNS_TIMEOUT:
    snprintf(buf, cap,
             "DNS: no answer from the resolver within %.1f s (timed out): %s",
             ans->lookup_s, n);
    break;
  case AF_DNS_SERVFAIL:
    snprintf(buf, cap, "DNS: the resolver could not answer (SERVFAIL): %s", n);
    break;
  case AF_DNS_REFUSED:
    snprintf(buf, cap, "DNS: the resolver refused the query (REFUSED): %s", n);
    break;
  case AF_DNS_UNREACHABLE:
    snprintf(buf, cap, "DNS: cannot reach the resolver (%s): %s",
             ares_strerror(ans->code), n);
    break;
  default:
    snprintf(buf, cap, "DNS: lookup failed (%s): %s", ares_strerror(ans->code),
             n);
    break;
  }
}
