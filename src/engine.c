/* The hub: runs, intake, the decision of what happens next, delivery and
 * the end-of-run rule. Each stage reports its outcomes here through the
 * callbacks af_engine_init gave it, and every event ends in
 * af_engine_kick, so what may start, what input to read and whether the
 * run is over are decided in one place, once per loop iteration
 * (on_kick). A run is over when the input is at EOF and nothing is queued,
 * in flight, parsing, waiting for a retry or held for ordering: not when
 * curl has no running handles (docs/DESIGN.md R7; curl/curl#4316). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "robotsfetch.h"

static int wants_dns(const afetch_t *a, const af_item_t *it);

/* An item for one input line, parsed (NULL when out of memory). */
static af_item_t *new_item(afetch_t *a, const char *line, size_t len,
                           uint64_t lineno, int too_long)
{
  af_item_t *it = calloc(1, sizeof(*it));
  if (!it)
    return NULL;
  it->line = lineno;
  it->save_fd = -1;
  af_buf_init(&it->body, 0);
  char err[256];
  if (too_long) {
    it->bad = AFETCH_ERR_INVALID_URL;
    snprintf(err, sizeof(err), "invalid URL: line longer than %zu bytes", len);
    it->u.display = af_url_redact_raw(line, len, 1, 120);
  }
  else {
    it->bad =
        af_url_parse(line, len, a->default_scheme, &it->u, err, sizeof(err));
  }
  if (it->bad != AFETCH_ERR_NONE) {
    it->bad_msg = strdup(err);
  }
  return it;
}

/* How many URLs a host keeps queued in memory once the list is read past
 * the window: enough to refill its per-host slots several times over
 * before the spill is read again. */
static unsigned spill_depth(const afetch_t *a)
{
  return 4 * a->o.per_host;
}

/* Sorted lists (docs/DESIGN.md): a URL goes to the spill file when its
 * host already has URLs there (they are older: order within a host is
 * kept), or when the read-ahead window is full and its host has enough
 * queued. Otherwise, or when the spill fails, it is queued as usual.
 * 1 when spilled. */
static int spill_line(afetch_t *a, const af_item_t *it, const char *line,
                      size_t len)
{
  if (!a->spill_on || !it->u.url)
    return 0;
  const char *key = it->u.hostkey;
  if (af_spill_count(&a->spill, key) == 0 &&
      (a->sched.queued < a->o.read_ahead ||
       af_sched_host_depth(&a->sched, key) < spill_depth(a)))
    return 0;
  af_spill_rec_t r = {it->line, it->seq, it->t_intake, line, len};
  if (af_spill_put(&a->spill, key, &r) == 0)
    return 1;
  /* No room on disk: this run goes on as if there were no spill file
   * (what is in it still comes back). */
  a->spill_on = 0;
  return 0;
}

static void on_line(void *ud, const char *line, size_t len, uint64_t lineno,
                    int too_long)
{
  afetch_t *a = ud;
  if (a->stopping || a->fatal)
    return;
  /* Before any parsing: a resumed run passes millions of done lines. */
  if (a->o.skip_line && a->o.skip_line(a->o.skip_ud, lineno)) {
    a->n_skipped++;
    return;
  }
  af_item_t *it = new_item(a, line, len, lineno, too_long);
  if (!it) {
    a->fatal = AFETCH_ENOMEM;
    return;
  }
  if (a->o.shard_n > 0) {
    uint64_t h = it->u.url ? it->u.hash : afetch_host_hash(line, len);
    if (h % a->o.shard_n != a->o.shard_k) {
      af_item_free(it);
      return;
    }
  }
  it->seq = a->next_seq++;
  it->t_intake = uv_hrtime();
  a->n_read++;
  if (spill_line(a, it, line, len)) {
    af_item_free(it);
    return;
  }
  if (af_sched_push(&a->sched, it, 0, it->t_intake) < 0) {
    af_sched_release(&a->sched, it);
    af_item_free(it);
    a->fatal = AFETCH_ENOMEM;
    return;
  }
  if (it->u.url && af_sched_robots_wanted(&a->sched, it, it->t_intake) &&
      af_robots_probe_push(a, it, it->t_intake) != 0)
    a->fatal = AFETCH_ENOMEM;
  /* Its name is looked up while it waits for its slots, so a slot is
   * held for the transfer, not for the resolver's round trip (the answer
   * is cached for when it starts; the read-ahead window bounds how many
   * are asked ahead, the DNS rate how fast). One at a time, a run shows
   * what one at a time costs: no lookups ahead. */
  if (!it->bad && a->o.mode != AFETCH_MODE_SEQUENTIAL && wants_dns(a, it))
    (void)af_dns_prefetch(&a->dns, it->u.host, it->t_intake);
}

/* The read-ahead rule, in one place: the input may read on while fewer
 * than read_ahead URLs wait in the queues; with a spill, also past that
 * while the queues hold too few hosts to fill the slots (supply below
 * 1.5 x concurrency: every host counts up to per_host), as on a list
 * sorted by host, up to twice the window in memory and AF_SPILL_MAX
 * URLs on disk. */
#define AF_SPILL_MAX (1u << 20)
static int input_room(void *ud)
{
  afetch_t *a = ud;
  if (a->stopping)
    return 0;
  if (a->sched.queued < a->o.read_ahead)
    return 1;
  return a->spill_on && a->sched.queued < 2 * (uint64_t)a->o.read_ahead &&
         a->spill.pending < AF_SPILL_MAX &&
         a->sched.supply < a->sched.concurrency + a->sched.concurrency / 2;
}

/* The oldest spilled URL of key's host (of any host: NULL) as an item, as
 * it was when read; NULL when there is none or on a failure (a->fatal). */
static af_item_t *unspill(afetch_t *a, const char *key)
{
  af_spill_rec_t r;
  int rc = key ? af_spill_take(&a->spill, key, &r)
               : af_spill_take_any(&a->spill, &r);
  if (rc <= 0) {
    if (rc < 0)
      a->fatal = rc == -ENOMEM ? AFETCH_ENOMEM : AFETCH_EIO;
    return NULL;
  }
  af_item_t *it = new_item(a, r.text, r.len, r.line, 0);
  if (!it) {
    a->fatal = AFETCH_ENOMEM;
    return NULL;
  }
  it->seq = r.seq;
  it->t_intake = r.t_intake;
  return it;
}

/* A URL left its host's queue: the host's spilled URLs come back
 * while its queue is below spill_depth, oldest first, as they were read.
 * A record that cannot be read back is a fatal error: its line would have
 * no result. */
static void refill(afetch_t *a, const af_item_t *it)
{
  if (!it->u.url || a->spill.pending == 0)
    return;
  const char *key = it->u.hostkey;
  while (!a->fatal && af_sched_host_depth(&a->sched, key) < spill_depth(a)) {
    af_item_t *n = unspill(a, key);
    if (!n)
      return;
    if (af_sched_push(&a->sched, n, 0, uv_hrtime()) < 0) {
      af_sched_release(&a->sched, n);
      af_item_free(n);
      a->fatal = AFETCH_ENOMEM;
    }
  }
}

/* After a stop: every spilled URL ends as cancelled, like a queued one. */
static void cancel(afetch_t *a, af_item_t *it);
static void cancel_spilled(afetch_t *a)
{
  while (!a->fatal && a->spill.pending > 0) {
    af_item_t *it = unspill(a, NULL);
    if (!it) {
      if (!a->fatal)
        a->fatal = AFETCH_EIO; /* pending, yet nothing to take */
      return;
    }
    cancel(a, it);
  }
}

static void input_wake(void *ud)
{
  af_engine_kick(ud);
}

static void deliver(afetch_t *a, af_item_t *it)
{
  afetch_result_t r;
  memset(&r, 0, sizeof(r));
  r.line = it->line;
  r.run = (int)a->o.run;
  r.url = it->u.display ? it->u.display : "";
  r.effective_url = it->effective_url;
  r.status = it->status;
  r.error_kind = it->kind;
  r.error =
      it->kind != AFETCH_ERR_NONE ? (it->error ? it->error : "error") : NULL;
  r.content_type = it->content_type;
  r.bytes = it->bytes;
  r.truncated = it->truncated;
  r.http_version = it->http_version;
  r.redirects = it->redirects;
  r.retries = it->retries;
  r.reused = it->reused;
  r.time_ms = it->tm;
  if (it->t_start) {
    r.wait_ms = (double)(it->t_start - it->t_intake) / 1e6;
    r.start_ms = (double)(it->t_start - a->t0) / 1e6;
  }
  r.title = it->title;
  r.snippet = it->snippet;
  r.saved_as = it->save_err ? NULL : it->saved_as;
  r.ip = it->ip;
  r.server = it->server;
  r.location = it->location;

  a->n_done++;
  a->n_bytes += it->bytes;
  if (r.error_kind == AFETCH_ERR_CANCELLED) {
    a->n_cancelled++;
  }
  else if (r.error) {
    a->n_failed++;
  }
  else {
    a->n_ok++;
    if (r.status >= 400)
      a->n_http_err++;
    af_hist_add(&a->hist, (uint64_t)(r.time_ms.total * 1000));
  }
  a->cb.on_result(&r, a->cb.ud);
  a->delivered = 1;
  af_item_free(it);
}

/* The result is final: delivered now, or held for its turn. */
static void complete(afetch_t *a, af_item_t *it)
{
  if (it->robots_probe) {
    af_robots_probe_end(a, it); /* no input line: no result */
    return;
  }
  /* The body prefix was only kept for the parser: a result that waits in
   * the reorder window must not hold up to 512 KiB with it. */
  af_buf_free(&it->body);
  if (it->bad != AFETCH_ERR_NONE) {
    it->kind = it->bad;
    free(it->error);
    it->error = it->bad_msg;
    it->bad_msg = NULL;
  }
  af_sched_release(&a->sched, it);
  if (!a->order_input) {
    deliver(a, it);
    return;
  }
  a->ring[it->seq % a->window] = it;
  a->held++;
  for (;;) {
    size_t i = a->next_emit % a->window;
    af_item_t *n = a->ring[i];
    if (!n || n->seq != a->next_emit)
      break;
    a->ring[i] = NULL;
    a->held--;
    a->next_emit++;
    deliver(a, n);
  }
}

/* Completes an unfinished item as cancelled (an invalid line keeps its own
 * error: that result needs no work). */
static void cancel(afetch_t *a, af_item_t *it)
{
  if (it->bad == AFETCH_ERR_NONE) {
    free(it->error);
    it->error =
        strdup(a->interrupted ? "cancelled: the run was interrupted"
                              : "cancelled: the run stopped on a fatal error");
    it->kind = AFETCH_ERR_CANCELLED;
  }
  complete(a, it);
}

void af_engine_kick(afetch_t *a)
{
  if (a->running)
    uv_idle_start(&a->kicker, af_engine_on_kick);
}

/* What the transfer says about its host, for the per-host policy. */
static af_host_outcome_t host_outcome(const af_item_t *it)
{
  switch (it->kind) {
  case AFETCH_ERR_DNS:
  case AFETCH_ERR_CONNECT:
  case AFETCH_ERR_TLS:
  case AFETCH_ERR_TIMEOUT:
    return AF_HOST_CONN_FAIL;
  default:
    return it->status == 429 || it->status == 503 ? AF_HOST_BUSY : AF_HOST_OK;
  }
}

static uint32_t next_jitter(afetch_t *a)
{
  uint32_t x = a->jitter;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  a->jitter = x;
  return x;
}

static void on_xfer_connected(void *ud, af_item_t *it)
{
  afetch_t *a = ud;
  af_sched_host_connected(&a->sched, it);
  af_engine_kick(a);
}

/* A transfer ended: its slots are free, and it is retried, parsed or
 * complete. The retry policy is the scheduler's (af_sched_retry_delay_ms);
 * whether a retry is left, the engine's. */
static void on_xfer_ended(void *ud, af_item_t *it, af_xfer_outcome_t outcome)
{
  afetch_t *a = ud;
  uint64_t now = uv_hrtime();
  af_sched_ended(&a->sched, it, now);
  af_sched_host_outcome(&a->sched, it, host_outcome(it), it->retry_after_s,
                        a->o.max_retry_after, next_jitter(a), now);
  if (outcome == AF_XFER_RETRY && !a->stopping &&
      (unsigned)it->retries < a->o.retries) {
    uint64_t ms = af_sched_retry_delay_ms(it->retries, it->retry_after_s,
                                          (uint64_t)(a->o.timeout * 1000));
    af_item_reset_result(it);
    it->retries++;
    if (af_sched_push(&a->sched, it, now + ms * 1000000, now) == 0) {
      af_engine_kick(a);
      return;
    }
    it->retries--;
  }
  /* Queued for a parser thread: its done callback completes the item. */
  if (it->kind == AFETCH_ERR_NONE && !it->robots_probe &&
      af_parse_wanted(&a->parse, it) && af_parse_queue(&a->parse, it) == 0) {
    af_engine_kick(a);
    return;
  }
  complete(a, it);
  af_engine_kick(a);
}

/* A stop called a queued job back before it ran: the page was fetched but
 * not read, so it is not done (its status and bytes stay). */
static void on_parse_done(void *ud, af_item_t *it, int cancelled)
{
  afetch_t *a = ud;
  if (cancelled)
    cancel(a, it);
  else
    complete(a, it);
  af_engine_kick(a);
}

void af_engine_init(afetch_t *a)
{
  af_sched_init(&a->sched);
  af_spill_init(&a->spill);
  af_input_init(&a->in, a->loop);
  a->in.line = on_line;
  a->in.room = input_room;
  a->in.wake = input_wake;
  a->in.ud = a;
  memset(&a->xfer, 0, sizeof(a->xfer));
  a->xfer.o = &a->o;
  a->xfer.user_agent = a->user_agent;
  a->xfer.hdr_list = a->hdr_list;
  a->xfer.cacert = a->cacert;
  a->xfer.capath = a->capath;
  a->xfer.proxy = a->proxy;
  a->xfer.noproxy = a->noproxy;
  a->xfer.pins = a->pins.list;
  a->xfer.output_dirfd = a->output_dirfd;
  a->xfer.ev = &a->ev;
  a->xfer.ended = on_xfer_ended;
  a->xfer.connected = on_xfer_connected;
  a->xfer.ud = a;
  memset(&a->parse, 0, sizeof(a->parse));
  a->parse.loop = a->loop;
  a->parse.enabled = a->o.parse;
  a->parse.snippet_len = a->o.snippet_len;
  a->parse.nice = a->o.parse_nice;
  a->parse.done = on_parse_done;
  a->parse.ud = a;
}

/* After a stop the run still waits for the parses under way (a pool job
 * cannot be called back) and for the queued and held items to be
 * delivered, so every URL read gets its result; a fatal error ends it as
 * soon as nothing is outstanding in curl, the pool or a file read. */
static int run_idle(const afetch_t *a)
{
  if (af_input_busy(&a->in) || a->sched.inflight || a->parse.parsing)
    return 0;
  if (a->fatal)
    return 1;
  if (a->sched.nsleep)
    return 0;
  if (a->sched.queued || a->held || a->spill.pending)
    return 0;
  return a->stopping || a->in.eof;
}

static void fill_summary(afetch_t *a, afetch_summary_t *s)
{
  memset(s, 0, sizeof(*s));
  s->run = (int)a->o.run;
  s->mode = a->run_mode;
  s->urls = a->n_done;
  s->succeeded = a->n_ok;
  s->failed = a->n_failed;
  s->http_errors = a->n_http_err;
  s->bytes = a->n_bytes;
  s->wall_ms = (double)(uv_hrtime() - a->t0) / 1e6;
  s->cancelled = a->n_cancelled;
  /* Cancelled URLs were never answered: they are no part of the rate. */
  uint64_t answered = a->n_done - a->n_cancelled;
  s->rps = s->wall_ms > 0 ? (double)answered * 1000.0 / s->wall_ms : 0;
  s->lat_min = (double)af_hist_quantile(&a->hist, 0) / 1000.0;
  s->lat_p50 = (double)af_hist_quantile(&a->hist, 0.5) / 1000.0;
  s->lat_p90 = (double)af_hist_quantile(&a->hist, 0.9) / 1000.0;
  s->lat_p99 = (double)af_hist_quantile(&a->hist, 0.99) / 1000.0;
  s->lat_max = (double)af_hist_quantile(&a->hist, 1) / 1000.0;
  s->interrupted = a->interrupted;
  s->input_unread = a->input_unread;
  s->skipped = a->n_skipped;
  for (int i = 0; i < AFETCH_LIMIT_COUNT; i++) {
    s->limit_held[i] = a->sched.limit_held[i];
    s->limit_wait_ms[i] = (double)a->sched.limit_wait_ns[i] / 1e6;
  }
  s->host_delay_held = a->sched.hold_held[AF_HOLD_DELAY];
  s->host_delay_wait_ms = (double)a->sched.hold_wait_ns[AF_HOLD_DELAY] / 1e6;
  s->backoff_held = a->sched.hold_held[AF_HOLD_BACKOFF];
  s->backoff_wait_ms = (double)a->sched.hold_wait_ns[AF_HOLD_BACKOFF] / 1e6;
}

static void on_progress(uv_timer_t *t)
{
  afetch_t *a = t->data;
  if (!a->cb.on_progress || !a->running)
    return;
  afetch_progress_t p;
  memset(&p, 0, sizeof(p));
  p.run = (int)a->o.run;
  p.done = a->n_done;
  p.read = a->n_read;
  p.failed = a->n_failed;
  p.in_flight = a->sched.inflight;
  p.elapsed_ms = (double)(uv_hrtime() - a->t0) / 1e6;
  p.rps = p.elapsed_ms > 0 ? (double)p.done * 1000.0 / p.elapsed_ms : 0;
  p.input_done = a->in.eof;
  a->cb.on_progress(&p, a->cb.ud);
}

int af_engine_run_begin(afetch_t *a)
{
  int seq = a->o.mode == AFETCH_MODE_SEQUENTIAL;
  a->run_mode = seq ? AFETCH_MODE_SEQUENTIAL : AFETCH_MODE_CONCURRENT;
  unsigned concurrency = seq ? 1 : a->o.concurrency;
  /* One at a time means in input order, parse included. */
  a->order_input = seq || a->o.order_input;
  a->window = a->o.reorder_window;
  free(a->ring);
  a->ring = NULL;
  if (a->order_input) {
    a->ring = calloc(a->window, sizeof(*a->ring));
    if (!a->ring)
      return AFETCH_ENOMEM;
  }
  a->next_seq = a->next_emit = 0;
  a->n_done = a->n_ok = a->n_failed = a->n_http_err = a->n_bytes = 0;
  a->n_read = a->n_cancelled = a->n_skipped = 0;
  /* Racing ahead is pointless when results go out in input order (they
   * would wait in the reorder window) or one at a time, and needless
   * when one host may take every slot. */
  a->spill_on = !a->order_input && a->o.per_host < concurrency;
  af_sched_run_begin(&a->sched, concurrency, seq ? 1 : a->o.per_host, a->o.rate,
                     seq, a->order_input, a->window, uv_hrtime());
  af_sched_politeness(&a->sched, (uint64_t)a->o.host_delay_ms * 1000000,
                      a->o.max_host_errors);
  af_sched_hosts_keep(&a->sched, a->o.robots, a->o.host_stats);
  if (!a->jitter)
    a->jitter = (uint32_t)uv_hrtime() | 1;
  a->xfer.concurrency = concurrency;
  a->xfer.concurrent = !seq;
  /* A lookup counts against the connect timeout, as libcurl's does. */
  af_dns_run_begin(&a->dns, a->o.dns_rate,
                   a->o.connect_timeout < a->o.timeout ? a->o.connect_timeout
                                                       : a->o.timeout);
  a->dns_by_curl = af_xfer_proxied(&a->xfer);
  af_hist_init(&a->hist);
  if (af_curlev_open(&a->ev, (long)concurrency) != 0)
    return AFETCH_ECURL;
  a->t0 = uv_hrtime();
  a->running = 1;
  if (a->cb.on_progress && a->o.progress_ms > 0 &&
      uv_timer_start(&a->progress_timer, on_progress, a->o.progress_ms,
                     a->o.progress_ms) != 0)
    return AFETCH_EUV;
  af_input_start(&a->in);
  af_engine_kick(a);
  return 0;
}

static void drop_held(afetch_t *a)
{
  for (size_t i = 0; a->ring && i < a->window; i++) {
    if (a->ring[i]) {
      af_item_free(a->ring[i]);
      a->ring[i] = NULL;
      a->held--;
    }
  }
}

static void run_end(afetch_t *a)
{
  a->running = 0;
  uv_timer_stop(&a->progress_timer);
  uv_timer_stop(&a->wake_timer);
  drop_held(a);
  for (af_item_t *it; (it = af_sched_take_any(&a->sched));)
    af_item_free(it);
  af_spill_free(&a->spill); /* closing it removes the file */
  /* Order matters: easies first, then the multi handle (docs/DESIGN.md R6). */
  af_xfer_pool_free(&a->xfer);
  af_curlev_shut(&a->ev);
  af_dns_shut(&a->dns);
  if (a->cb.on_flush && a->delivered) {
    a->delivered = 0;
    a->cb.on_flush(a->cb.ud);
  }
  if (a->cb.on_run_end) {
    afetch_summary_t s;
    fill_summary(a, &s);
    a->cb.on_run_end(&s, a->cb.ud);
  }
  int status = a->fatal;
  if (!status && a->in.error)
    status = AFETCH_EIO;
  af_input_close(&a->in);
  a->finished = 1;
  a->status = status;
  if (a->cb.on_done)
    a->cb.on_done(status, a->cb.ud);
}

static void on_wake(uv_timer_t *t)
{
  af_engine_kick(t->data);
}

/* Hands an admitted item to curl; one that does not start is complete. A
 * lookup before it counts in its times from when it was asked for. */
static void start_xfer(afetch_t *a, af_item_t *it)
{
  if (af_xfer_start(&a->xfer, it) != 0) {
    /* The item carries its error; it is complete. */
    af_sched_ended(&a->sched, it, uv_hrtime());
    complete(a, it);
    return;
  }
  if (it->t_dns)
    it->t_start = it->t_dns;
}

/* 1 when the item's host goes through the DNS stage: a name (not an
 * address), not pinned by --resolve, and no proxy in the way (the proxy
 * resolves it). localhost and every *.localhost name are libcurl's: it
 * answers them with loopback itself, without asking (RFC 6761), where
 * c-ares would ask the resolver. */
static int wants_dns(const afetch_t *a, const af_item_t *it)
{
  unsigned char bin[16];
  const char *h = it->u.host;
  size_t n = strlen(h);
  if (strcmp(h, "localhost") == 0 ||
      (n > 10 && strcmp(h + n - 10, ".localhost") == 0))
    return 0;
  if (a->dns_by_curl || a->dns.failed ||
      inet_pton(AF_INET, it->u.host, bin) == 1 ||
      inet_pton(AF_INET6, it->u.host, bin) == 1)
    return 0;
  return !af_pins_has(&a->pins, it->u.hostkey);
}

/* The addresses for libcurl: "+host:port:addr,..." (the '+' lets the
 * entry expire in libcurl's cache like one it resolved), then the
 * --resolve pins, which a redirect may need. */
static int set_resolve(afetch_t *a, af_item_t *it, const char *addrs)
{
  const char *port = strrchr(it->u.hostkey, ':');
  size_t need = strlen(it->u.host) + strlen(addrs) + 16;
  char *e = malloc(need);
  if (!e || !port) {
    free(e);
    return -1;
  }
  snprintf(e, need, "+%s%s:%s", it->u.host, port, addrs);
  struct curl_slist *l = curl_slist_append(NULL, e);
  free(e);
  for (struct curl_slist *p = a->pins.list; l && p; p = p->next) {
    struct curl_slist *n = curl_slist_append(l, p->data);
    if (!n) {
      curl_slist_free_all(l);
      l = NULL;
    }
    l = n;
  }
  if (!l)
    return -1;
  it->resolve = l;
  return 0;
}

/* The item's name was resolved (or was not): it starts with the
 * addresses, or ends as a dns error without a transfer, through the same
 * path a failed transfer takes (the host's failure count, no retry: the
 * failure is cached for the run). */
static void dns_answered(afetch_t *a, af_item_t *it, const af_dns_answer_t *ans)
{
  af_sched_host_resolving(&a->sched, it, 0);
  it->dns_ms = ans->wait_ms;
  if (ans->status == AF_DNS_OK && set_resolve(a, it, ans->addrs) == 0) {
    start_xfer(a, it);
    return;
  }
  char msg[768];
  if (ans->status == AF_DNS_OK) {
    it->kind = AFETCH_ERR_RESOURCE;
    snprintf(msg, sizeof(msg), "out of memory");
  }
  else {
    it->kind = AFETCH_ERR_DNS;
    af_dns_describe(ans, msg, sizeof(msg));
  }
  free(it->error);
  it->error = strdup(msg);
  memset(&it->tm, 0, sizeof(it->tm));
  it->tm.dns = it->tm.total = it->dns_ms;
  it->t_start = it->t_dns;
  on_xfer_ended(a, it, AF_XFER_FAILED);
}

void af_engine_on_dns(void *ud, void *req, const af_dns_answer_t *ans)
{
  afetch_t *a = ud;
  dns_answered(a, req, ans);
  af_engine_kick(a);
}

/* An admitted item: resolved first when it needs it (the answer may come
 * at once from the cache, later through af_engine_on_dns, or, where c-ares
 * cannot be set up, libcurl resolves), then handed to curl. The item
 * keeps its global and per-host slots while it waits for its name. */
static void start_item(afetch_t *a, af_item_t *it)
{
  curl_slist_free_all(it->resolve);
  it->resolve = NULL;
  it->t_dns = 0;
  it->dns_ms = 0;
  if (!wants_dns(a, it)) {
    start_xfer(a, it);
    return;
  }
  uint64_t now = uv_hrtime();
  it->t_dns = now;
  af_dns_answer_t ans;
  /* Until the answer (dns_answered), its host starts nothing more: set
   * first, since the answer may come from inside af_dns_lookup. */
  af_sched_host_resolving(&a->sched, it, 1);
  int r = af_dns_lookup(&a->dns, it->u.host, it, now, &ans);
  if (r < 0)
    af_sched_host_resolving(&a->sched, it, 0);
  if (r == 1) {
    dns_answered(a, it, &ans);
  }
  else if (r == -2) {
    it->t_dns = 0;
    start_xfer(a, it);
  }
  else if (r < 0) {
    it->kind = AFETCH_ERR_RESOURCE;
    free(it->error);
    it->error = strdup("out of memory (DNS)");
    af_sched_ended(&a->sched, it, now);
    complete(a, it);
  }
}

/* Starts what the scheduler allows now. Returns when to ask it again
 * (0: after the next event). */
static uint64_t start_ready(afetch_t *a)
{
  uint64_t wake = 0;
  while (!a->fatal && !a->stopping) {
    af_sched_gate_t g = {a->next_emit, af_parse_full(&a->parse)};
    af_item_t *it = af_sched_next(&a->sched, uv_hrtime(), &g, &wake);
    if (a->sched.oom)
      a->fatal = AFETCH_ENOMEM;
    if (!it)
      break;
    refill(a, it);
    if (it->robots_denied) {
      af_robots_refused(it);
      complete(a, it);
      continue;
    }
    if (!it->u.url) {
      complete(a, it); /* an invalid line: its result is its error */
      continue;
    }
    if (it->host_skipped) {
      it->kind = AFETCH_ERR_HOST_SKIPPED;
      free(it->error);
      it->error = strdup("host skipped: too many connection failures in a "
                         "row on this host (--max-host-errors)");
      complete(a, it);
      continue;
    }
    start_item(a, it);
  }
  if (a->fatal || a->stopping)
    af_sched_wait_end(&a->sched, uv_hrtime());
  return wake;
}

static void arm_wake(afetch_t *a, uint64_t wake)
{
  if (!wake)
    return; /* a timer still armed only brings a kick that finds nothing */
  uint64_t now = uv_hrtime();
  uint64_t ms = wake > now ? (wake - now + 999999) / 1000000 : 0;
  if (uv_timer_start(&a->wake_timer, on_wake, ms, 0) != 0)
    a->fatal = AFETCH_EUV;
}

/* The one place that decides: after a stop, queued items end as cancelled
 * (lowest input line first, and under order_input only as far as the
 * reorder window reaches: the rest follow when the results before them
 * are delivered); otherwise whatever may start starts, the read-ahead
 * window is topped up and, if that brought new lines, admission runs
 * again (an invalid line completes at once, so a list of them must not
 * stall waiting for an event). Then the end of the run is checked. */
static void decide(afetch_t *a)
{
  if (a->stopping) {
    for (af_item_t *it;
         !a->fatal &&
         (it = af_sched_next_cancel(&a->sched, uv_hrtime(), a->next_emit));)
      cancel(a, it);
    cancel_spilled(a);
  }
  else {
    for (;;) {
      uint64_t wake = start_ready(a);
      if (a->fatal || a->stopping)
        break;
      uint64_t before = a->n_read;
      if (input_room(a))
        af_input_pull(&a->in);
      if (a->n_read == before) {
        arm_wake(a, wake);
        break;
      }
    }
  }
  if (a->running && run_idle(a))
    run_end(a);
}

void af_engine_on_kick(uv_idle_t *h)
{
  afetch_t *a = h->data;
  uv_idle_stop(h);
  if (a->running)
    decide(a);
}

/* An item joins the aborted ones (one waiting for its name, or for a
 * retry). */
static void take_dns_waiter(void *ctx, void *req)
{
  af_item_t **done = ctx;
  af_item_t *it = req;
  it->fprev = NULL;
  it->fnext = *done;
  if (*done)
    (*done)->fprev = it;
  *done = it;
}

void af_engine_abort(afetch_t *a, int cancelled)
{
  /* Every list is emptied before any result goes out, so a callback that
   * runs meanwhile sees no half-aborted item. */
  af_item_t *done = af_xfer_take_all(&a->xfer);
  af_dns_take_waiters(&a->dns, take_dns_waiter, &done);
  uint64_t now = uv_hrtime();
  for (af_item_t *it = done; it; it = it->fnext) {
    af_sched_host_resolving(&a->sched, it, 0);
    af_sched_ended(&a->sched, it, now);
  }
  for (af_item_t *it; (it = af_sched_take_sleeping(&a->sched));) {
    it->retries--; /* the retry it waited for never happened */
    take_dns_waiter(&done, it);
  }
  while (done) {
    af_item_t *it = done;
    done = it->fnext;
    it->fnext = it->fprev = NULL;
    if (cancelled) {
      af_item_reset_result(it);
      cancel(a, it);
    }
    else {
      af_sched_release(&a->sched, it);
      af_item_free(it);
    }
  }
}

/* Stop: runs on the loop thread (afetch_stop only signals). Nothing more
 * is read; what was read ends now, each item with one result: transfers
 * and retry waits as cancelled at once, queued items in the kick (which
 * keeps input order), parses under way when they are done. */
void af_engine_on_stop(uv_async_t *h)
{
  afetch_t *a = h->data;
  if (!a->running || a->stopping)
    return;
  a->stopping = 1;
  a->interrupted = !a->fatal;
  a->input_unread = !a->in.eof;
  /* Before the aborts free slots: from now on no URL waits on a limit. */
  af_sched_wait_end(&a->sched, uv_hrtime());
  af_sched_robots_release(&a->sched);
  uv_timer_stop(&a->wake_timer);
  af_input_close(&a->in);
  af_engine_abort(a, 1);
  af_parse_cancel(&a->parse);
  af_engine_kick(a);
}

/* Once per loop iteration: lets the caller flush what results wrote. */
void af_engine_on_check(uv_check_t *h)
{
  afetch_t *a = h->data;
  if (a->delivered && a->cb.on_flush) {
    a->delivered = 0;
    a->cb.on_flush(a->cb.ud);
  }
}
