/* Runs, intake, delivery and the end-of-run rule. A run is over when the
 * input is at EOF and nothing is queued, in flight, parsing, waiting for a
 * retry or held for ordering: not when curl has no running handles
 * (docs/DESIGN.md R7; curl/curl#4316). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "text.h"

void af_item_free(af_item_t *it)
{
  if (!it)
    return;
  af_url_free(&it->u);
  free(it->bad_msg);
  af_buf_free(&it->body);
  free(it->errbuf);
  free(it->error);
  free(it->content_type);
  free(it->effective_url);
  free(it->title);
  free(it->snippet);
  free(it->saved_as);
  if (it->save_fd >= 0)
    close(it->save_fd);
  free(it);
}

static int record(afetch_t *a, const char *line, size_t len, uint64_t lineno,
                  int too_long)
{
  if (a->nrec == a->caprec) {
    size_t cap = a->caprec ? a->caprec * 2 : 256;
    af_recorded_t *p = realloc(a->rec, cap * sizeof(*p));
    if (!p)
      return -1;
    a->rec = p;
    a->caprec = cap;
  }
  char *t = malloc(len + 1);
  if (!t)
    return -1;
  memcpy(t, line, len);
  t[len] = '\0';
  a->rec[a->nrec++] = (af_recorded_t){lineno, t, len, too_long};
  return 0;
}

void af_engine_intake(afetch_t *a, const char *line, size_t len,
                      uint64_t lineno, int too_long)
{
  if (a->stopping || a->fatal)
    return;
  af_item_t *it = calloc(1, sizeof(*it));
  if (!it) {
    a->fatal = AFETCH_ENOMEM;
    return;
  }
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
  if (a->o.shard_n > 0) {
    uint64_t h = it->u.url ? it->u.hash : afetch_host_hash(line, len);
    if (h % a->o.shard_n != a->o.shard_k) {
      af_item_free(it);
      return;
    }
  }
  if (a->o.mode == AFETCH_MODE_COMPARE && a->run == 0 &&
      record(a, line, len, lineno, too_long) < 0) {
    af_item_free(it);
    a->fatal = AFETCH_ENOMEM;
    return;
  }
  it->seq = a->next_seq++;
  it->t_intake = uv_hrtime();
  a->n_read++;
  if (af_sched_enqueue(a, it) < 0) {
    af_item_free(it);
    a->fatal = AFETCH_ENOMEM;
  }
}

static void deliver(afetch_t *a, af_item_t *it)
{
  afetch_result_t r;
  memset(&r, 0, sizeof(r));
  r.line = it->line;
  r.run = a->run;
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

void af_engine_complete(afetch_t *a, af_item_t *it)
{
  /* The body prefix was only kept for the parser: a result that waits in
   * the reorder window must not hold up to 512 KiB with it. */
  af_buf_free(&it->body);
  if (it->bad != AFETCH_ERR_NONE) {
    it->kind = it->bad;
    free(it->error);
    it->error = it->bad_msg;
    it->bad_msg = NULL;
  }
  af_sched_release(a, it);
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

void af_engine_cancel(afetch_t *a, af_item_t *it)
{
  if (it->bad == AFETCH_ERR_NONE) {
    free(it->error);
    it->error =
        strdup(a->interrupted ? "cancelled: the run was interrupted"
                              : "cancelled: the run stopped on a fatal error");
    it->kind = AFETCH_ERR_CANCELLED;
  }
  af_engine_complete(a, it);
}

/* After a stop the run still waits for the parses under way (a pool job
 * cannot be called back) and for the queued and held items to be
 * delivered, so every URL read gets its result; a fatal error ends it as
 * soon as nothing is outstanding in curl, the pool or a timer. */
static int run_idle(const afetch_t *a)
{
  if (af_input_busy(a) || a->inflight || a->parsing || a->retrying)
    return 0;
  if (a->fatal)
    return 1;
  if (a->stopping)
    return a->queued == 0 && a->held == 0;
  return a->input_eof && a->queued == 0 && a->held == 0;
}

void af_engine_check_end(afetch_t *a)
{
  if (a->running && run_idle(a))
    uv_idle_start(&a->finisher, af_engine_on_finisher);
}

static void fill_summary(afetch_t *a, afetch_summary_t *s)
{
  memset(s, 0, sizeof(*s));
  s->run = a->run;
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
  for (int i = 0; i < AFETCH_LIMIT_COUNT; i++) {
    s->limit_held[i] = a->limit_held[i];
    s->limit_wait_ms[i] = (double)a->limit_wait_ns[i] / 1e6;
  }
}

static void on_progress(uv_timer_t *t)
{
  afetch_t *a = t->data;
  if (!a->cb.on_progress || !a->running)
    return;
  afetch_progress_t p;
  memset(&p, 0, sizeof(p));
  p.run = a->run;
  p.done = a->n_done;
  p.read = a->n_read;
  p.failed = a->n_failed;
  p.in_flight = a->inflight;
  p.elapsed_ms = (double)(uv_hrtime() - a->t0) / 1e6;
  p.rps = p.elapsed_ms > 0 ? (double)p.done * 1000.0 / p.elapsed_ms : 0;
  p.input_done = a->input_eof;
  a->cb.on_progress(&p, a->cb.ud);
}

int af_engine_run_begin(afetch_t *a, int run)
{
  a->run = run;
  int seq = a->o.mode == AFETCH_MODE_SEQUENTIAL ||
            (a->o.mode == AFETCH_MODE_COMPARE && run == 0);
  a->run_mode = seq ? AFETCH_MODE_SEQUENTIAL : AFETCH_MODE_CONCURRENT;
  a->concurrency = seq ? 1 : a->o.concurrency;
  a->per_host = seq ? 1 : a->o.per_host;
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
  a->n_read = a->n_cancelled = 0;
  a->next_start_ns = 0;
  af_sched_wait_begin(a);
  af_hist_init(&a->hist);
  if (af_curlev_open(&a->ev, (long)a->concurrency) != 0)
    return AFETCH_ECURL;
  a->t0 = uv_hrtime();
  a->running = 1;
  if (a->cb.on_progress && a->o.progress_ms > 0) {
    uv_timer_start(&a->progress_timer, on_progress, a->o.progress_ms,
                   a->o.progress_ms);
  }
  af_input_start(a);
  af_sched_pump(a);
  af_engine_check_end(a);
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
  uv_timer_stop(&a->rate_timer);
  drop_held(a);
  af_sched_drop_all(a);
  /* Order matters: easies first, then the multi handle (docs/DESIGN.md R6). */
  af_xfer_pool_free(a);
  af_curlev_shut(&a->ev);
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
  if (!status && a->input_error)
    status = AFETCH_EIO;
  if (a->o.mode == AFETCH_MODE_COMPARE && a->run == 0 && !a->stopping &&
      !status) {
    status = af_engine_run_begin(a, 1);
    if (status == 0)
      return;
  }
  af_input_close(a);
  a->finished = 1;
  a->status = status;
  if (a->cb.on_done)
    a->cb.on_done(status, a->cb.ud);
}

void af_engine_on_finisher(uv_idle_t *h)
{
  afetch_t *a = h->data;
  uv_idle_stop(h);
  if (a->running && run_idle(a))
    run_end(a);
}

/* Stop: runs on the loop thread (afetch_stop only signals). Nothing more
 * is read; what was read ends now, each item with one result: transfers
 * and retry waits as cancelled at once, queued items through the
 * scheduler (which keeps input order), parses under way when they are
 * done. */
void af_engine_on_stop(uv_async_t *h)
{
  afetch_t *a = h->data;
  if (!a->running || a->stopping)
    return;
  a->stopping = 1;
  a->interrupted = !a->fatal;
  a->input_unread = !a->input_eof;
  /* Before the aborts free slots: from now on no URL waits on a limit. */
  af_sched_wait_end(a);
  uv_timer_stop(&a->rate_timer);
  af_input_close(a);
  af_xfer_abort_all(a, 1);
  af_parse_cancel(a);
  af_sched_pump(a);
  af_engine_check_end(a);
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
