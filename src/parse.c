/* Extraction runs in libuv's thread pool so a slow or hostile page never
 * stalls the network loop (docs/DESIGN.md R10). The job owns its bytes
 * while it is away; the loop thread owns the item before and after. */
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <errno.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "extract.h"
#include "parse.h"

typedef struct af_parse_job {
  uv_work_t req;
  struct af_parse_job *next, *prev; /* a->jobs */
  af_parse_t *a;
  af_item_t *it;
  char *body;
  size_t len;
  size_t snippet_len;
  int nice;
  af_extract_t out;
  int rc;
} job_t;

static void job_unlink(af_parse_t *a, job_t *j)
{
  if (j->prev)
    j->prev->next = j->next;
  else
    a->jobs = j->next;
  if (j->next)
    j->next->prev = j->prev;
}

void af_parse_cancel(af_parse_t *a)
{
  /* uv_cancel succeeds only for a job still waiting for a thread; its
   * after-work callback then runs with UV_ECANCELED on a later
   * iteration, so the list is not changed under this walk. */
  for (job_t *j = a->jobs; j; j = j->next)
    uv_cancel((uv_req_t *)&j->req);
}

void af_parse_orphan(af_parse_t *a)
{
  job_t *j = a->jobs;
  while (j) {
    job_t *n = j->next;
    uv_cancel((uv_req_t *)&j->req);
    j->a = NULL;
    j->next = j->prev = NULL;
    j = n;
  }
  a->jobs = NULL;
}

/* Backpressure (the engine tells sched.c): while this many bodies, or this
 * many bytes of them, wait for or sit in a parser, admission pauses, so
 * memory stays flat however long the list and however slow the parser.
 * Counted in bytes as well as bodies, so a wave of small pages does not
 * stall the next wave while a few big prefixes already keep the pool busy
 * (docs/PERFORMANCE.md). */
int af_parse_full(const af_parse_t *a)
{
  return a->parsing >= 64 || a->bytes >= 4u * 1024 * 1024;
}

int af_parse_wanted(const af_parse_t *a, const af_item_t *it)
{
  if (!a->enabled || it->body.len == 0 || it->keep_body != 1)
    return 0;
  return af_is_html(it->content_type, it->body.data, it->body.len);
}

/* On Linux, nice is a property of each thread (setpriority on a thread id):
 * the pool thread that runs this job steps back once and stays so. Only
 * ever upwards (a process started with a higher nice keeps it); that needs
 * no privilege, and a failure only means the thread keeps its priority. */
static void step_back(int nice)
{
#ifdef __linux__
  static _Thread_local int tried;
  if (nice <= tried)
    return;
  tried = nice;
  id_t tid = (id_t)syscall(SYS_gettid);
  errno = 0;
  int cur = getpriority(PRIO_PROCESS, tid);
  if (errno == 0 && cur < nice)
    setpriority(PRIO_PROCESS, tid, nice);
#else
  (void)nice;
#endif
}

static void on_work(uv_work_t *req)
{
  job_t *j = req->data;
  step_back(j->nice);
  j->rc =
      af_extract(j->body, j->len, j->it->content_type, j->snippet_len, &j->out);
}

/* Gives the item what the extractor found, or frees it on failure. */
static void hand_over(af_item_t *it, int ok, af_extract_t *out)
{
  if (ok) {
    it->title = out->title;
    it->snippet = out->snippet;
  }
  else {
    af_extract_free(out);
  }
}

static void on_after_work(uv_work_t *req, int status)
{
  job_t *j = req->data;
  af_parse_t *a = j->a;
  af_item_t *it = j->it;
  if (!a) {
    /* afetch_free came first: the engine may be gone, the item is ours. */
    free(j->body);
    hand_over(it, 0, &j->out);
    free(j);
    af_item_free(it);
    return;
  }
  job_unlink(a, j);
  a->parsing--;
  a->bytes -= j->len;
  free(j->body);
  hand_over(it, status == 0 && j->rc == 0, &j->out);
  free(j);
  /* A stop called this job back before it ran: the page was fetched but
   * not read, so it is not done (its status and bytes stay). A job that
   * ran completes as usual, after a stop too; either way the result may
   * be what held order_input's queue. */
  a->done(a->ud, it, status == UV_ECANCELED);
}

/* A body this small is parsed on the loop thread: the hand-off to a pool
 * thread costs more than gumbo takes for it, and the loop is never held
 * longer than that (docs/PERFORMANCE.md). */
#define PARSE_INLINE_MAX 512

int af_parse_queue(af_parse_t *a, af_item_t *it)
{
  if (it->body.len <= PARSE_INLINE_MAX) {
    af_extract_t out;
    int rc = af_extract(it->body.data, it->body.len, it->content_type,
                        a->snippet_len, &out);
    hand_over(it, rc == 0, &out);
    return 1;
  }
  job_t *j = calloc(1, sizeof(*j));
  if (!j)
    return -1;
  j->a = a;
  j->it = it;
  j->snippet_len = a->snippet_len;
  j->nice = a->nice;
  j->body = af_buf_detach(&it->body, &j->len);
  if (!j->body) {
    free(j);
    return -1;
  }
  j->req.data = j;
  if (uv_queue_work(a->loop, &j->req, on_work, on_after_work) != 0) {
    /* Give the body back so the item still completes. */
    free(j->body);
    free(j);
    return -1;
  }
  a->parsing++;
  a->bytes += j->len;
  j->next = a->jobs;
  if (j->next)
    j->next->prev = j;
  a->jobs = j;
  return 0;
}
