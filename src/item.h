/* One input URL from intake to delivery: the data every stage works on.
 * The engine owns it; a stage holds it only between the call that hands it
 * over and the outcome it reports back (docs/DESIGN.md section 1). */
#ifndef AF_ITEM_H
#define AF_ITEM_H

#include <curl/curl.h>
#include <stdint.h>

#include "afetch.h"
#include "buf.h"
#include "url.h"

typedef struct af_item af_item_t;
struct af_host;

/* Why queued URLs wait, for the summary's limit_* fields: the reported
 * limits, and the reorder window of order_input, which is not one. */
enum { AF_WAIT_WINDOW = AFETCH_LIMIT_COUNT, AF_WAIT_REASONS };

/* Where the wait clocks stood when an item was queued (sched.c): only
 * the clocks that are charged (not the reorder window's), so the two hold
 * clocks cost an item no memory (tests/cli/memory.sh counts it). */
typedef struct {
  uint64_t host;                       /* its host's capped clock */
  uint64_t global[AFETCH_LIMIT_COUNT]; /* its host's free clocks */
  uint64_t hold[2]; /* its host's hold clocks: host delay, back-off */
} af_wait_mark_t;

/* Exactly one result per item. */
struct af_item {
  uint64_t line;
  uint64_t seq;         /* intake order within the run: heap and reorder key */
  af_url_t u;           /* u.url is NULL for an invalid line */
  afetch_errkind_t bad; /* why the line was refused, or NONE */
  /* robots.txt (in what was padding): this item is a host's /robots.txt
   * fetch (no input line, no result), or its host's policy refused it
   * (af_sched_robots_rule says which rule). */
  unsigned char robots_probe;
  unsigned char robots_denied;
  char *bad_msg;
  uint64_t t_intake; /* uv_hrtime() */
  uint64_t t_start;
  int retries;
  int retry_after_s; /* from the last response */

  /* The scheduler's (sched.c). */
  struct af_host *host;
  af_item_t *next, *prev; /* host queue link */
  uint64_t ready_at;      /* not to start before (a retry's backoff) */
  af_wait_mark_t mark;    /* limit clocks when it was last queued */
  int first_on_host;      /* no transfer to its host has ended yet */
  int host_skipped;       /* its host was skipped: end it, do not start it */

  /* The transfer's (transfer.c), while in flight. */
  CURL *easy;
  af_buf_t body;
  int truncated;
  int keep_body; /* -1 undecided, 0 count only, 1 keep for the parser */
  uint64_t max_body;
  char *errbuf;
  void *xfer;               /* the transfer stage that holds it */
  af_item_t *fnext, *fprev; /* the in-flight list */
  int save_fd;              /* -o: the open file, or -1 */
  int save_err;             /* -o: errno of a failed save */
  char *saved_as;           /* -o: the file name in the directory */

  /* The result, once the transfer is over. */
  uint64_t bytes;
  int status;
  afetch_errkind_t kind;
  char *error;
  char *content_type;
  char *effective_url;
  char *ip;       /* the address last connected to, or NULL */
  char *server;   /* the last response's Server header, or NULL */
  char *location; /* a redirect not followed: where it pointed, or NULL */
  const char *http_version;
  long redirects;
  int reused;
  afetch_timing_t tm;
  char *title;
  char *snippet;

  /* The DNS stage's (engine.c, dns.c): the address handed to libcurl. */
  struct curl_slist *resolve; /* CURLOPT_RESOLVE of this attempt, or NULL */
  uint64_t t_dns;             /* when the lookup was asked for, or 0 */
  double dns_ms;              /* how long it waited for the answer */
};

void af_item_free(af_item_t *it);
/* Forgets an attempt's result: before a retry, or before a cancel. */
void af_item_reset_result(af_item_t *it);

#endif
