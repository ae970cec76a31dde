/* The engine's state: engine.c (runs, the kick, the end-of-run rule,
 * delivery) and api.c (the public API), with one sub-struct per stage:
 * input.c (line sources), sched.c (admission), transfer.c (one easy
 * handle), parse.c (extraction in the thread pool), and curlev.c (libuv <->
 * curl multi). */
#ifndef AF_ENGINE_H
#define AF_ENGINE_H

#include <curl/curl.h>
#include <stdint.h>
#include <uv.h>

#include "afetch.h"
#include "curlev.h"
#include "dns.h"
#include "input.h"
#include "item.h"
#include "parse.h"
#include "pin.h"
#include "scheduler.h"
#include "spill.h"
#include "stats.h"
#include "transfer.h"

typedef struct afetch afetch_t;

/* The engine is the hub: it owns the items and hands them to one stage at
 * a time; each stage reports back through a callback it was given and
 * calls no other stage. One deferred kick per loop iteration decides what
 * happens next (docs/DESIGN.md section 2). */
struct afetch {
  uv_loop_t *loop;
  int own_loop;
  afetch_options_t o;
  afetch_callbacks_t cb;
  char *user_agent;
  char *default_scheme;
  char *output_dir;
  int output_dirfd; /* -o DIR, opened once; -1 when not saving */
  char *cacert, *capath, *proxy, *noproxy; /* copies; a->o's are NULL */
  struct curl_slist *hdr_list;

  /* The stages. */
  af_input_t in;
  af_sched_t sched;
  uint32_t jitter; /* xorshift state for the host back-off's jitter */
  af_xfer_t xfer;
  af_parse_t parse;
  af_curlev_t ev;
  af_dns_t dns;
  af_pins_t pins;   /* --resolve */
  int dns_by_curl;  /* this run leaves names to libcurl (a proxy) */
  af_spill_t spill; /* URLs of hosts with enough queued (docs/DESIGN.md) */
  int spill_on;     /* this run reads past the window and spills */

  /* The run. */
  afetch_mode_t run_mode; /* SEQUENTIAL or CONCURRENT */
  int started;
  int running;
  int finished;
  int stopping;
  int interrupted;
  int fatal;
  uint64_t t0;
  uint64_t next_seq;
  int order_input;
  unsigned window;

  /* Order: results held for their turn (order_input). */
  af_item_t **ring;
  uint64_t next_emit;
  unsigned held;

  /* Stats. */
  af_hist_t hist;
  uint64_t n_done, n_ok, n_failed, n_http_err, n_bytes, n_read;
  uint64_t n_cancelled;
  /* Lines o.skip_line said were done. */
  uint64_t n_skipped;
  int input_unread; /* the stop came before the input's end */

  uv_async_t stop_async;
  uv_idle_t kicker; /* the deferred kick: once per loop iteration */
  uv_check_t flusher;
  uv_timer_t progress_timer;
  uv_timer_t wake_timer; /* the scheduler's next time (rate, retries) */
  int delivered;         /* results since the last on_flush */
  int status;            /* of the whole job, for afetch_run */
  int handles_open;
};

/* Wires the stages to the engine (after the options are in place). */
void af_engine_init(afetch_t *a);
int af_engine_run_begin(afetch_t *a);
/* Asks for a decision on this loop iteration: start what may start, read
 * more input, end the run when it is over. Every event calls it. */
void af_engine_kick(afetch_t *a);
/* Ends every item: with cancel set each gets a cancelled result (a stop),
 * otherwise they are freed (afetch_free mid-run). */
void af_engine_abort(afetch_t *a, int cancel);
void af_engine_on_stop(uv_async_t *h);
void af_engine_on_check(uv_check_t *h);
void af_engine_on_kick(uv_idle_t *h);
/* The DNS stage's answer for an item (its done callback). */
void af_engine_on_dns(void *ud, void *req, const af_dns_answer_t *ans);

#endif
