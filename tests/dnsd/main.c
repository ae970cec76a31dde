/* afdns [--host ADDR] [--port N] [--stats-port N] [--zone Z] [--ttl S]
 *       [--delay MS] [--quiet]
 *
 * The DNS server of the local internet (docs/TESTING.md): answers made-up
 * names under one zone over UDP, on a loopback address only, and counts
 * every query; GET /stats on the stats port gives the counters as JSON,
 * GET /stats/reset zeroes them. Prints "DNS_PORT STATS_PORT" on stdout once
 * both sockets listen, and stops cleanly on SIGTERM or SIGINT. One libuv
 * loop, no threads. */
#include "../server/afserve.h"
#include "dns.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NAMES_MAX 200000   /* distinct names counted, then "(other)" */
#define NAME_BUCKETS 65536 /* a power of two */
#define PENDING_MAX 100000 /* delayed answers waiting, then dropped */
#define HTTP_IN_MAX 4096   /* a /stats request's header block */
#define STATS_MAX (256u << 20)

typedef struct name_count {
  char *name; /* owned */
  uint64_t a;
  uint64_t aaaa;
  uint64_t other;
  struct name_count *next;
} name_count_t;

typedef struct dnsd dnsd_t;

/* A reply that waits for its delay (or for the socket, when a send would
 * block). It is freed in the timer's close callback, once no send of it is
 * in flight. */
typedef struct pending {
  uv_timer_t timer;
  uv_udp_send_t send;
  dnsd_t *d;
  struct pending *prev;
  struct pending *next;
  struct sockaddr_storage peer;
  uint8_t buf[DNS_REPLY_MAX];
  size_t len;
  unsigned sending : 1;
  unsigned closing : 1;
} pending_t;

/* One connection of the stats listener: a request in, a response out. */
typedef struct http_conn {
  uv_tcp_t tcp;
  uv_write_t write;
  dnsd_t *d;
  struct http_conn *prev;
  struct http_conn *next;
  char in[HTTP_IN_MAX];
  size_t in_len;
  sbuf_t out;
  unsigned closing : 1;
} http_conn_t;

struct dnsd {
  uv_loop_t *loop;
  uv_udp_t udp;
  uv_tcp_t http;
  uv_signal_t sigint;
  uv_signal_t sigterm;
  const char *zone;
  uint32_t ttl;
  uint32_t delay_ms;
  int quiet;
  int stopping;
  pending_t *pending;
  http_conn_t *conns;
  uint8_t rbuf[65536]; /* reads are delivered one by one */

  /* Counters shown by /stats. */
  uint64_t queries; /* well-formed questions, each counted once here */
  uint64_t q_a;
  uint64_t q_aaaa;
  uint64_t q_other;
  uint64_t answered; /* replies with an address */
  uint64_t nodata;
  uint64_t nxdomain;
  uint64_t refused;
  uint64_t blackholed;
  uint64_t malformed; /* dropped, FORMERR or NOTIMP */
  uint64_t delayed;
  uint64_t dropped; /* too many replies waiting, or a send failed */
  uint64_t pending_current;
  uint64_t pending_max;
  /* When the first and the last question since the start or a reset came
   * (ms on the loop's clock, since afdns started; 0: none yet), so a test
   * can see the rate at which a client asked. */
  uint64_t first_query_ms;
  uint64_t last_query_ms;
  uint64_t t0_ms;
  name_count_t *buckets[NAME_BUCKETS];
  uint64_t nnames;
  name_count_t other; /* names past NAMES_MAX */
};

static void usage(FILE *f)
{
  fputs("usage: afdns [--host ADDR] [--port N] [--stats-port N] [--zone Z]\n"
        "             [--ttl S] [--delay MS] [--quiet]\n"
        "  --host ADDR      loopback address to listen on (127.0.0.1)\n"
        "  --port N         UDP port for DNS, 0 for an ephemeral one (53)\n"
        "  --stats-port N   TCP port of GET /stats (0: ephemeral)\n"
        "  --zone Z         the zone whose names are made up (test)\n"
        "  --ttl S          TTL of answers and of negative answers (60)\n"
        "  --delay MS       delay of every answer without a d<MS> label (0)\n"
        "  --quiet          no messages on stderr except fatal ones\n"
        "Prints \"DNS_PORT STATS_PORT\" on stdout once listening.\n",
        f);
}

/* ---- counters ---------------------------------------------------------- */

static uint32_t hash_name(const char *s)
{
  uint32_t h = 2166136261u; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (uint8_t)*s) * 16777619u;
  return h;
}

/* The counter of name: an existing entry, a new one, or "(other)". */
static name_count_t *name_entry(dnsd_t *d, const char *name)
{
  uint32_t b = hash_name(name) & (NAME_BUCKETS - 1);
  for (name_count_t *e = d->buckets[b]; e; e = e->next)
    if (!strcmp(e->name, name))
      return e;
  if (d->nnames >= NAMES_MAX)
    return &d->other;
  name_count_t *e = calloc(1, sizeof *e);
  if (e)
    e->name = strdup(name);
  if (!e || !e->name) {
    free(e);
    return &d->other;
  }
  e->next = d->buckets[b];
  d->buckets[b] = e;
  d->nnames++;
  return e;
}

static void names_free(dnsd_t *d)
{
  for (size_t b = 0; b < NAME_BUCKETS; b++) {
    name_count_t *e = d->buckets[b];
    while (e) {
      name_count_t *next = e->next;
      free(e->name);
      free(e);
      e = next;
    }
    d->buckets[b] = NULL;
  }
  d->nnames = 0;
}

static void stats_reset(dnsd_t *d)
{
  names_free(d);
  d->queries = d->q_a = d->q_aaaa = d->q_other = 0;
  d->answered = d->nodata = d->nxdomain = d->refused = d->blackholed = 0;
  d->malformed = d->delayed = d->dropped = 0;
  d->pending_max = d->pending_current;
  d->first_query_ms = d->last_query_ms = 0;
  memset(&d->other, 0, sizeof d->other);
}

static void add_count(sbuf_t *sb, const name_count_t *e, const char *name)
{
  sb_add_json(sb, name, strlen(name));
  sb_printf(sb, ":{\"a\":%llu,\"aaaa\":%llu,\"other\":%llu,\"total\":%llu}",
            (unsigned long long)e->a, (unsigned long long)e->aaaa,
            (unsigned long long)e->other,
            (unsigned long long)(e->a + e->aaaa + e->other));
}

static void stats_json(dnsd_t *d, sbuf_t *sb)
{
  struct {
    const char *key;
    uint64_t v;
  } f[] = {{"queries", d->queries},
           {"a", d->q_a},
           {"aaaa", d->q_aaaa},
           {"other", d->q_other},
           {"answered", d->answered},
           {"nodata", d->nodata},
           {"nxdomain", d->nxdomain},
           {"refused", d->refused},
           {"blackholed", d->blackholed},
           {"malformed", d->malformed},
           {"delayed", d->delayed},
           {"dropped", d->dropped},
           {"pending_current", d->pending_current},
           {"pending_max", d->pending_max},
           {"first_query_ms", d->first_query_ms},
           {"last_query_ms", d->last_query_ms},
           {"names_total", d->nnames}};
  sb_adds(sb, "{");
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    sb_printf(sb, "\"%s\":%llu,", f[i].key, (unsigned long long)f[i].v);
  sb_adds(sb, "\"names\":{");
  const char *sep = "";
  for (size_t b = 0; b < NAME_BUCKETS; b++)
    for (name_count_t *e = d->buckets[b]; e; e = e->next) {
      sb_adds(sb, sep);
      add_count(sb, e, e->name);
      sep = ",";
    }
  if (d->other.a + d->other.aaaa + d->other.other) {
    sb_adds(sb, sep);
    add_count(sb, &d->other, "(other)");
  }
  sb_adds(sb, "}}\n");
}

/* ---- replies ----------------------------------------------------------- */

static void on_pending_closed(uv_handle_t *h)
{
  pending_t *p = h->data;
  dnsd_t *d = p->d;
  if (p->prev)
    p->prev->next = p->next;
  else
    d->pending = p->next;
  if (p->next)
    p->next->prev = p->prev;
  d->pending_current--;
  free(p);
}

static void pending_close(pending_t *p)
{
  if (p->closing)
    return;
  p->closing = 1;
  uv_close((uv_handle_t *)&p->timer, on_pending_closed);
}

static void on_sent(uv_udp_send_t *req, int status)
{
  pending_t *p = req->data;
  if (status < 0 && status != UV_ECANCELED)
    p->d->dropped++;
  p->sending = 0;
  pending_close(p);
}

static void on_delay(uv_timer_t *t)
{
  pending_t *p = t->data;
  dnsd_t *d = p->d;
  uv_buf_t b = uv_buf_init((char *)p->buf, (unsigned)p->len);
  p->send.data = p;
  if (uv_udp_send(&p->send, &d->udp, &b, 1, (struct sockaddr *)&p->peer,
                  on_sent)) {
    d->dropped++;
    pending_close(p);
    return;
  }
  p->sending = 1;
}

/* Sends the reply now when it can, else after delay_ms (0: as soon as the
 * socket takes it). */
static void reply(dnsd_t *d, const struct sockaddr *peer, const uint8_t *buf,
                  size_t len, uint64_t delay_ms)
{
  if (delay_ms == 0) {
    uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
    if (uv_udp_try_send(&d->udp, &b, 1, peer) >= 0)
      return;
  }
  else
    d->delayed++;
  pending_t *p = d->pending_current < PENDING_MAX ? calloc(1, sizeof *p) : NULL;
  if (!p) {
    d->dropped++;
    return;
  }
  p->d = d;
  memcpy(p->buf, buf, len);
  p->len = len;
  memcpy(&p->peer, peer,
         peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                     : sizeof(struct sockaddr_in));
  if (uv_timer_init(d->loop, &p->timer)) {
    free(p);
    d->dropped++;
    return;
  }
  p->timer.data = p;
  p->next = d->pending;
  if (p->next)
    p->next->prev = p;
  d->pending = p;
  if (++d->pending_current > d->pending_max)
    d->pending_max = d->pending_current;
  if (uv_timer_start(&p->timer, on_delay, delay_ms, 0)) {
    d->dropped++;
    pending_close(p);
  }
}

/* One datagram: parse, count, classify, answer (or not). */
static void handle_query(dnsd_t *d, const uint8_t *buf, size_t n,
                         const struct sockaddr *peer)
{
  dns_query_t q;
  uint8_t out[DNS_REPLY_MAX];
  enum dns_parse pr = dns_parse_query(buf, n, &q);
  if (pr != DNS_PARSE_OK) {
    d->malformed++;
    if (pr == DNS_PARSE_DROP)
      return;
    int rcode = pr == DNS_PARSE_NOTIMP ? DNS_RCODE_NOTIMP : DNS_RCODE_FORMERR;
    size_t len = dns_build_reply(buf, &q, rcode, NULL, d->ttl, d->zone, out);
    if (len)
      reply(d, peer, out, len, 0);
    return;
  }
  d->queries++;
  uv_update_time(d->loop);
  d->last_query_ms = uv_now(d->loop) - d->t0_ms + 1;
  if (!d->first_query_ms)
    d->first_query_ms = d->last_query_ms;
  name_count_t *e = name_entry(d, q.name);
  int is_a = q.qtype == DNS_TYPE_A && q.qclass == DNS_CLASS_IN;
  int is_aaaa = q.qtype == DNS_TYPE_AAAA && q.qclass == DNS_CLASS_IN;
  if (is_a) {
    d->q_a++;
    e->a++;
  }
  else if (is_aaaa) {
    d->q_aaaa++;
    e->aaaa++;
  }
  else {
    d->q_other++;
    e->other++;
  }

  dns_plan_t plan;
  dns_classify(q.name, d->zone, &plan);
  if (q.qclass != DNS_CLASS_IN)
    plan.kind = DNS_NAME_REFUSED;
  if (plan.kind == DNS_NAME_BLACKHOLE) {
    d->blackholed++;
    return;
  }
  uint32_t ttl = plan.ttl >= 0 ? (uint32_t)plan.ttl : d->ttl;
  uint64_t delay = plan.delay_ms >= 0 ? (uint64_t)plan.delay_ms : d->delay_ms;
  int rcode = DNS_RCODE_NOERROR;
  const uint32_t *addr = NULL;
  switch (plan.kind) {
  case DNS_NAME_ADDR:
    if (is_a) {
      addr = &plan.addr;
      d->answered++;
    }
    else
      d->nodata++; /* AAAA and the rest: the name exists, has no such data */
    break;
  case DNS_NAME_NODATA:
    d->nodata++;
    break;
  case DNS_NAME_NXDOMAIN:
    rcode = DNS_RCODE_NXDOMAIN;
    d->nxdomain++;
    break;
  default:
    rcode = DNS_RCODE_REFUSED;
    d->refused++;
    delay = 0;
    break;
  }
  size_t len = dns_build_reply(buf, &q, rcode, addr, ttl, d->zone, out);
  if (len)
    reply(d, peer, out, len, delay);
}

static void on_udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
  dnsd_t *d = h->data;
  (void)suggested;
  buf->base = (char *)d->rbuf;
  buf->len = sizeof d->rbuf;
}

static void on_udp_read(uv_udp_t *h, ssize_t nread, const uv_buf_t *buf,
                        const struct sockaddr *addr, unsigned flags)
{
  dnsd_t *d = h->data;
  if (nread < 0) {
    if (!d->quiet)
      fprintf(stderr, "afdns: recv: %s\n", uv_strerror((int)nread));
    return;
  }
  if (!addr) /* nothing more to read for now */
    return;
  if (flags & UV_UDP_PARTIAL) { /* larger than any query */
    d->malformed++;
    return;
  }
  handle_query(d, (const uint8_t *)buf->base, (size_t)nread, addr);
}

/* ---- the stats listener ------------------------------------------------ */

static void on_http_closed(uv_handle_t *h)
{
  http_conn_t *c = h->data;
  if (c->prev)
    c->prev->next = c->next;
  else
    c->d->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  sb_free(&c->out);
  free(c);
}

static void http_close(http_conn_t *c)
{
  if (c->closing)
    return;
  c->closing = 1;
  uv_close((uv_handle_t *)&c->tcp, on_http_closed);
}

static void on_http_written(uv_write_t *w, int status)
{
  (void)status;
  http_close(w->data);
}

static void http_respond(http_conn_t *c)
{
  dnsd_t *d = c->d;
  sbuf_t body;
  sb_init(&body, STATS_MAX);
  int status = 200;
  if (!strncmp(c->in, "GET /stats/reset ", 17)) {
    stats_reset(d);
    sb_adds(&body, "{\"reset\":true}\n");
  }
  else if (!strncmp(c->in, "GET /stats ", 11))
    stats_json(d, &body);
  else {
    status = 404;
    sb_adds(&body, "{\"error\":\"GET /stats or /stats/reset\"}\n");
  }
  if (body.err) {
    status = 500;
    sb_free(&body);
    sb_adds(&body, "{\"error\":\"out of memory\"}\n");
  }
  sb_printf(&c->out,
            "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
            "Content-Length: %zu\r\nConnection: close\r\n\r\n",
            status, reason_phrase(status), body.len);
  sb_add(&c->out, body.p, body.len);
  sb_free(&body);
  uv_read_stop((uv_stream_t *)&c->tcp);
  uv_buf_t b = uv_buf_init(c->out.p, (unsigned)c->out.len);
  c->write.data = c;
  if (c->out.err ||
      uv_write(&c->write, (uv_stream_t *)&c->tcp, &b, 1, on_http_written))
    http_close(c);
}

static void on_http_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
  http_conn_t *c = h->data;
  (void)suggested;
  buf->base = c->in + c->in_len;
  buf->len = sizeof c->in - 1 - c->in_len;
}

static void on_http_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
  http_conn_t *c = st->data;
  (void)buf;
  if (nread < 0) {
    http_close(c);
    return;
  }
  c->in_len += (size_t)nread;
  c->in[c->in_len] = '\0';
  if (strstr(c->in, "\r\n\r\n") || strstr(c->in, "\n\n"))
    http_respond(c);
  else if (c->in_len >= sizeof c->in - 1)
    http_close(c); /* a header block larger than any /stats request */
}

static void on_http_connection(uv_stream_t *server, int status)
{
  dnsd_t *d = server->data;
  if (status < 0)
    return;
  http_conn_t *c = calloc(1, sizeof *c);
  if (!c)
    return;
  c->d = d;
  sb_init(&c->out, STATS_MAX + 4096);
  if (uv_tcp_init(d->loop, &c->tcp)) {
    free(c);
    return;
  }
  c->tcp.data = c;
  c->next = d->conns;
  if (c->next)
    c->next->prev = c;
  d->conns = c;
  if (uv_accept(server, (uv_stream_t *)&c->tcp) ||
      uv_read_start((uv_stream_t *)&c->tcp, on_http_alloc, on_http_read))
    http_close(c);
}

/* ---- life cycle -------------------------------------------------------- */

static void on_handle_closed(uv_handle_t *h)
{
  (void)h; /* embedded in dnsd_t */
}

static void dnsd_stop(dnsd_t *d)
{
  if (d->stopping)
    return;
  d->stopping = 1;
  uv_handle_t *hs[] = {(uv_handle_t *)&d->udp, (uv_handle_t *)&d->http,
                       (uv_handle_t *)&d->sigint, (uv_handle_t *)&d->sigterm};
  for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
    if (hs[i]->loop && !uv_is_closing(hs[i]))
      uv_close(hs[i], on_handle_closed);
  /* A reply being sent is cancelled by the socket's close, and its pending
   * is closed from on_sent. */
  for (pending_t *p = d->pending; p; p = p->next)
    if (!p->sending)
      pending_close(p);
  for (http_conn_t *c = d->conns; c; c = c->next)
    http_close(c);
}

static void on_signal(uv_signal_t *h, int signum)
{
  (void)signum;
  dnsd_stop(h->data);
}

/* Fills addr from host and port; only loopback addresses pass: the server
 * answers anybody, so it must not be reachable from outside. */
static int parse_loopback(const char *host, int port,
                          struct sockaddr_storage *addr)
{
  memset(addr, 0, sizeof *addr);
  struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
  if (!uv_ip4_addr(host, port, a4))
    return ((const uint8_t *)&a4->sin_addr)[0] == 127 ? 0 : -1;
  if (!uv_ip6_addr(host, port, a6))
    return IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr) ? 0 : -1;
  return -1;
}

static int bound_port(const struct sockaddr_storage *a)
{
  return a->ss_family == AF_INET6
             ? ntohs(((const struct sockaddr_in6 *)a)->sin6_port)
             : ntohs(((const struct sockaddr_in *)a)->sin_port);
}

static int start(dnsd_t *d, const char *host, int port, int stats_port)
{
  struct sockaddr_storage addr, saddr, bound;
  int len = sizeof bound;
  if (parse_loopback(host, port, &addr) ||
      parse_loopback(host, stats_port, &saddr)) {
    fprintf(stderr, "afdns: refusing %s: only loopback addresses\n", host);
    return -1;
  }
  d->t0_ms = uv_now(d->loop);
  int rc = uv_udp_init(d->loop, &d->udp);
  if (!rc) {
    d->udp.data = d;
    rc = uv_udp_bind(&d->udp, (struct sockaddr *)&addr, 0);
  }
  if (!rc) {
    /* A client's burst of queries (hundreds at once) must not be dropped
     * here: a lost query is a client's retry seconds later, which would
     * be afdns's doing, not the client's. The kernel caps the size at
     * net.core.rmem_max; a refusal keeps the default. */
    int size = 8 << 20;
    (void)uv_recv_buffer_size((uv_handle_t *)&d->udp, &size);
  }
  if (!rc)
    rc = uv_udp_recv_start(&d->udp, on_udp_alloc, on_udp_read);
  if (!rc)
    rc = uv_udp_getsockname(&d->udp, (struct sockaddr *)&bound, &len);
  if (rc) {
    fprintf(stderr, "afdns: UDP %s:%d: %s\n", host, port, uv_strerror(rc));
    return -1;
  }
  int dns_port = bound_port(&bound);

  rc = uv_tcp_init(d->loop, &d->http);
  if (!rc) {
    d->http.data = d;
    rc = uv_tcp_bind(&d->http, (struct sockaddr *)&saddr, 0);
  }
  if (!rc)
    rc = uv_listen((uv_stream_t *)&d->http, 128, on_http_connection);
  len = sizeof bound;
  if (!rc)
    rc = uv_tcp_getsockname(&d->http, (struct sockaddr *)&bound, &len);
  if (rc) {
    fprintf(stderr, "afdns: stats port: %s\n", uv_strerror(rc));
    return -1;
  }

  uv_signal_t *sigs[] = {&d->sigint, &d->sigterm};
  int nums[] = {SIGINT, SIGTERM};
  for (int i = 0; i < 2; i++) {
    rc = uv_signal_init(d->loop, sigs[i]);
    if (!rc) {
      sigs[i]->data = d;
      rc = uv_signal_start(sigs[i], on_signal, nums[i]);
    }
    if (rc) {
      fprintf(stderr, "afdns: signal: %s\n", uv_strerror(rc));
      return -1;
    }
  }
  if (printf("%d %d\n", dns_port, bound_port(&bound)) < 0 || fflush(stdout)) {
    fprintf(stderr, "afdns: cannot write the ports to stdout\n");
    return -1;
  }
  if (!d->quiet)
    fprintf(stderr, "afdns: zone %s on %s port %d, stats on port %d\n", d->zone,
            host, dns_port, bound_port(&bound));
  return 0;
}

/* Parses the value of a numeric option; -1 (after a message) when bad. */
static int num_arg(const char *opt, const char *v, uint64_t max, uint64_t *out)
{
  if (parse_u64(v, strlen(v), max, out)) {
    fprintf(stderr, "afdns: bad %s: %s (0 to %llu)\n", opt, v,
            (unsigned long long)max);
    return -1;
  }
  return 0;
}

typedef struct args {
  const char *host;
  uint64_t port;
  uint64_t stats_port;
  const char *zone;
  uint64_t ttl;
  uint64_t delay;
  int quiet;
} args_t;

static int parse_args(int argc, char **argv, args_t *a)
{
  for (int i = 1; i < argc; i++) {
    const char *s = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(s, "--quiet") || !strcmp(s, "-q")) {
      a->quiet = 1;
      continue;
    }
    if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
      usage(stdout);
      exit(0);
    }
    if (!v) {
      fprintf(stderr, "afdns: %s: unknown, or missing its value\n", s);
      usage(stderr);
      return -1;
    }
    i++;
    int rc = 0;
    if (!strcmp(s, "--host"))
      a->host = v;
    else if (!strcmp(s, "--zone"))
      a->zone = v;
    else if (!strcmp(s, "--port"))
      rc = num_arg(s, v, 65535, &a->port);
    else if (!strcmp(s, "--stats-port"))
      rc = num_arg(s, v, 65535, &a->stats_port);
    else if (!strcmp(s, "--ttl"))
      rc = num_arg(s, v, 0x7FFFFFFF, &a->ttl);
    else if (!strcmp(s, "--delay"))
      rc = num_arg(s, v, DNS_DELAY_MAX, &a->delay);
    else {
      fprintf(stderr, "afdns: unknown argument: %s\n", s);
      usage(stderr);
      return -1;
    }
    if (rc)
      return -1;
  }
  if (!dns_zone_ok(a->zone)) {
    fprintf(stderr,
            "afdns: bad zone '%s': lower-case labels of [a-z0-9_-], "
            "at most %d bytes\n",
            a->zone, DNS_ZONE_MAX);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv)
{
  args_t a = {"127.0.0.1", 53, 0, "test", 60, 0, 0};
  for (int fd = 0; fd < 3; fd++) /* a closed 1 would get the socket */
    if (fcntl(fd, F_GETFD) == -1 && open("/dev/null", O_RDWR) < 0)
      return 1;
  if (parse_args(argc, argv, &a))
    return 2;
  signal(SIGPIPE, SIG_IGN);
  dnsd_t *d = calloc(1, sizeof *d);
  uv_loop_t loop;
  if (!d || uv_loop_init(&loop)) {
    fprintf(stderr, "afdns: cannot start a loop\n");
    free(d);
    return 1;
  }
  d->loop = &loop;
  d->zone = a.zone;
  d->ttl = (uint32_t)a.ttl;
  d->delay_ms = (uint32_t)a.delay;
  d->quiet = a.quiet;
  int status = 0;
  if (start(d, a.host, (int)a.port, (int)a.stats_port)) {
    dnsd_stop(d);
    status = 1;
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  names_free(d);
  if (uv_loop_close(&loop)) {
    fprintf(stderr, "afdns: a handle was left open\n");
    status = 1;
  }
  free(d);
  return status;
}
