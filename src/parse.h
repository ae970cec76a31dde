/* The parse stage: title and snippet out of a fetched body, in libuv's
 * thread pool (docs/DESIGN.md R10). It reports each parse's end through
 * the callback it was given. */
#ifndef AF_PARSE_H
#define AF_PARSE_H

#include <stddef.h>
#include <uv.h>

#include "item.h"

typedef struct af_parse_job af_parse_job_t;

/* The parse of it ended: its title and snippet are set, or it was called
 * back before a pool thread ran it (cancelled: the page was not read). */
typedef void (*af_parse_done_cb)(void *ud, af_item_t *it, int cancelled);

typedef struct {
  uv_loop_t *loop;
  int enabled; /* options: parse at all */
  size_t snippet_len;
  int nice;
  unsigned parsing;     /* jobs in the thread pool */
  size_t bytes;         /* body bytes those jobs hold */
  af_parse_job_t *jobs; /* those jobs, to call back */
  af_parse_done_cb done;
  void *ud;
} af_parse_t;

int af_parse_wanted(const af_parse_t *p, const af_item_t *it);
/* Extracts title and snippet from the item's body: on a pool thread (0: the
 * done callback reports it), or at once for a tiny body (1), or not at all
 * (-1, out of memory); on nonzero the caller goes on with the item. */
int af_parse_queue(af_parse_t *p, af_item_t *it);
/* The parsers are behind: admission should pause. */
int af_parse_full(const af_parse_t *p);
/* On stop: calls back the jobs no pool thread has started; each is then
 * reported cancelled (a job already running is waited for). */
void af_parse_cancel(af_parse_t *p);
/* afetch_free: the jobs still in the pool free their items themselves,
 * without the engine. */
void af_parse_orphan(af_parse_t *p);

#endif
