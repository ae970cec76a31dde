/* Internal state of the engine, shared by the files that make it up:
 * engine.c (lifecycle, runs, the end-of-run rule, delivery), sched.c
 * (admission), curlev.c (libuv <-> curl multi), transfer.c (one easy
 * handle), parse.c (extraction in the thread pool), input.c (line sources).
 */
#ifndef AF_ENGINE_H
#define AF_ENGINE_H

#include <curl/curl.h>
#include <stdint.h>
#include <uv.h>

#include "afetch.h"
#include "buf.h"
#include "curlev.h"
#include "gz.h"
#include "lines.h"
#include "stats.h"
#include "url.h"

typedef struct af_host af_host_t;
typedef struct af_item af_item_t;

/* Why queued URLs wait, for the summary's limit_* fields: the reported
 * limits, and the reorder window of order_input, which is not one. */
enum { AF_WAIT_WINDOW = AFETCH_LIMIT_COUNT, AF_WAIT_REASONS };

/* Where the wait clocks stood when an item was queued (sched.c). */
typedef struct {
  uint64_t t;                       /* uv_hrtime() */
  uint64_t host;                    /* its host's capped clock */
  uint64_t global[AF_WAIT_REASONS]; /* its host's free clocks */
} af_wait_mark_t;
typedef struct af_source af_source_t;
typedef struct afetch afetch_t;

/* One input URL from intake to delivery. Exactly one result per item. */
struct af_item {
  uint64_t line;
  uint64_t seq;         /* intake order within the run: heap and reorder key */
  af_url_t u;           /* u.url is NULL for an invalid line */
  afetch_errkind_t bad; /* why the line was refused, or NONE */
  char *bad_msg;
  af_host_t *host;
  af_item_t *next; /* host queue link */
  af_item_t *prev;
  uint64_t t_intake; /* uv_hrtime() */
  uint64_t t_start;
  int retries;
  int retry_after_s; /* from the last response */
  uv_timer_t *retry_timer;
  af_wait_mark_t mark; /* limit clocks when it was last queued (sched.c) */

  /* The transfer, while in flight. */
  CURL *easy;
  af_buf_t body;
  uint64_t bytes;
  int truncated;
  int keep_body; /* -1 undecided, 0 count only, 1 keep for the parser */
  uint64_t max_body;
  char *errbuf;
  afetch_t *engine;
  af_item_t *fnext, *fprev; /* the in-flight list */
  int save_fd;              /* -o: the open file, or -1 */
  int save_err;             /* -o: errno of a failed save */
  char *saved_as;           /* -o: the file name in the directory */

  /* The result, once the transfer is over. */
  int status;
  afetch_errkind_t kind;
  char *error;
  char *content_type;
  char *effective_url;
  const char *http_version;
  long redirects;
  int reused;
  afetch_timing_t tm;
  char *title;
  char *snippet;
};

struct af_host {
  char *key;
  unsigned inflight;
  uint64_t ended; /* transfers ended: 0 means no idle connection exists */
  unsigned refs;  /* items pointing here: queued, in flight, retrying */
  af_item_t *head, *tail;
  size_t heap_idx;  /* SIZE_MAX when not in the heap */
  af_host_t *hnext; /* hash chain */
  int unlimited;    /* the pseudo-host of invalid lines */
  /* Limit accounting (sched.c): how long it has had per_host in flight,
   * and since when (0: below); and how long each global reason blocked
   * starts while it was below, up to when it last got below (free_base)
   * plus the global clocks' progress since then (from free_snap). */
  uint64_t capped_ns;
  uint64_t capped_since;
  uint64_t free_base[AF_WAIT_REASONS];
  uint64_t free_snap[AF_WAIT_REASONS];
};

/* A line source: an fd read through the loop. */
struct af_source {
  af_source_t *next;
  int fd;
  int close_fd;
  int kind; /* uv_handle_type of the fd */
  union {
    uv_pipe_t pipe;
    uv_tty_t tty;
  } h;
  uv_fs_t req;
  int64_t offset;
  int reading; /* a read is outstanding or the stream is started */
  int eof;
  int open;    /* the stream handle was initialised (needs uv_close) */
  int closing; /* uv_close called, its callback not yet run */
  int orphan;  /* the engine is gone: the pending callback frees this */
  char *chunk; /* read buffer */
  afetch_t *engine;
  af_gz_t gz;  /* the bytes read, inflated if they are gzip */
  int pending; /* read bytes not yet split: the window filled first */
  /* How many afetch_add_url URLs were added before this source. */
  size_t urls_before;
};

typedef struct {
  uint64_t line;
  char *text;
  size_t len;
  int too_long;
} af_recorded_t;

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

  /* Inputs. */
  char **urls; /* afetch_add_url list */
  size_t nurls, capurls, urls_pos;
  af_source_t *sources, *src_tail, *src_cur;
  af_lines_t lines;
  uint64_t line_base;
  int input_eof;
  int input_error;    /* a source failed to read: AFETCH_EIO at the end */
  af_recorded_t *rec; /* COMPARE: the list kept for the second run */
  size_t nrec, caprec, rec_pos;

  /* The run. */
  int run;                /* 0 or 1 */
  afetch_mode_t run_mode; /* SEQUENTIAL or CONCURRENT */
  int started;
  int running;
  int finished;
  int stopping;
  int interrupted;
  int fatal;
  uint64_t t0;
  uint64_t next_seq;
  unsigned concurrency;
  unsigned per_host;
  int order_input;
  unsigned window;

  /* Counters the end-of-run rule looks at. */
  uint64_t queued;                 /* admitted to afetch, not started */
  unsigned inflight;               /* handed to curl */
  unsigned parsing;                /* in the thread pool */
  size_t parse_bytes;              /* body bytes those jobs hold */
  struct af_parse_job *parse_jobs; /* parse.c: those jobs, to call back */
  unsigned retrying;               /* waiting on a retry timer */
  unsigned held; /* done, waiting for their turn (order_input) */

  /* Scheduler. */
  af_host_t **htab;
  size_t hcap, hcount;
  af_host_t **heap;
  size_t nheap, capheap;
  af_host_t invalid_host;
  uint64_t next_start_ns; /* --rate */
  uv_timer_t rate_timer;
  /* Limit accounting: how long each global reason has blocked starts in
   * this run, which one blocks them now (-1: none) and since when. */
  uint64_t wait_clock[AF_WAIT_REASONS];
  int wait_reason;
  uint64_t wait_since;
  uint64_t limit_held[AFETCH_LIMIT_COUNT];
  uint64_t limit_wait_ns[AFETCH_LIMIT_COUNT];

  /* Order. */
  af_item_t **ring;
  uint64_t next_emit;

  /* curl. */
  af_item_t *flying; /* transfers handed to curl */
  af_curlev_t ev;
  CURL **easy_pool;
  size_t neasy;
  size_t capeasy;

  /* Stats. */
  af_hist_t hist;
  uint64_t n_done, n_ok, n_failed, n_http_err, n_bytes, n_read;
  uint64_t n_cancelled;
  int input_unread; /* the stop came before the input's end */

  uv_async_t stop_async;
  uv_idle_t finisher;
  uv_check_t flusher;
  uv_timer_t progress_timer;
  int delivered; /* results since the last on_flush */
  int status;    /* of the whole job, for afetch_run */
  int handles_open;
  af_item_t *waiting; /* items sleeping before a retry */
};

/* engine.c */
void af_engine_intake(afetch_t *a, const char *line, size_t len,
                      uint64_t lineno, int too_long);
void af_engine_check_end(afetch_t *a);
void af_engine_complete(afetch_t *a, af_item_t *it); /* result is final */
/* Completes an unfinished item as cancelled (an invalid line keeps its
 * own error: that result needs no work). */
void af_engine_cancel(afetch_t *a, af_item_t *it);
void af_item_free(af_item_t *it);
int af_engine_run_begin(afetch_t *a, int run);
void af_engine_on_finisher(uv_idle_t *h);
void af_engine_on_stop(uv_async_t *h);
void af_engine_on_check(uv_check_t *h);

/* sched.c */
void af_sched_init(afetch_t *a);
void af_sched_free(afetch_t *a);
int af_sched_enqueue(afetch_t *a, af_item_t *it);
void af_sched_requeue(afetch_t *a, af_item_t *it);   /* after a retry wait */
void af_sched_release(afetch_t *a, af_item_t *it);   /* drops the host ref */
void af_sched_slot_free(afetch_t *a, af_item_t *it); /* transfer ended */
/* Starts what may start; after a stop, ends queued items as cancelled
 * instead (in input order, as far as order_input's window allows). */
void af_sched_pump(afetch_t *a);
void af_sched_drop_all(afetch_t *a);   /* frees queued items, no results */
void af_sched_wait_begin(afetch_t *a); /* a run starts: clocks at zero */
void af_sched_wait_end(afetch_t *a);   /* a stop: no limit holds any more */

/* transfer.c */
int af_xfer_start(afetch_t *a, af_item_t *it);
void af_xfer_done(afetch_t *a, CURL *easy, CURLcode res);
/* Takes every transfer from curl and every item from its retry timer:
 * with cancel set they complete as cancelled, otherwise they are freed. */
void af_xfer_abort_all(afetch_t *a, int cancel);
void af_xfer_pool_free(afetch_t *a);

/* parse.c */
int af_parse_wanted(afetch_t *a, af_item_t *it);
/* Extracts title and snippet from the item's body: on a pool thread (0: the
 * item completes when that is done), or at once for a tiny body (1), or
 * not at all (-1, out of memory); on nonzero the caller completes it. */
int af_parse_queue(afetch_t *a, af_item_t *it);
int af_parse_full(const afetch_t *a);
/* On stop: calls back the jobs no pool thread has started; their items
 * complete as cancelled (a job already running is waited for). */
void af_parse_cancel(afetch_t *a);
/* afetch_free: the jobs still in the pool free their items themselves,
 * without the engine. */
void af_parse_orphan(afetch_t *a);

/* input.c */
int af_input_add_fd(afetch_t *a, int fd, int close_fd);
void af_input_start(afetch_t *a);
void af_input_resume(afetch_t *a);
void af_input_close(afetch_t *a);
int af_input_busy(const afetch_t *a);
void af_input_free(afetch_t *a);

#endif
