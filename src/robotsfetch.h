/* The engine's side of robots.txt and of the per-host records: the fetch
 * of each host's /robots.txt (an internal item, no input line, no result),
 * what its outcome means, the error of a refused URL, and
 * afetch_host_stats. The policy itself lives in the scheduler's host
 * (src/scheduler.h); the parser and matcher are src/robots.c. */
#ifndef AF_ROBOTSFETCH_H
#define AF_ROBOTSFETCH_H

#include "engine.h"

/* it (just pushed) is the first URL of a host whose robots.txt is wanted:
 * pushes the fetch. AFETCH_ENOMEM or 0. */
int af_robots_probe_push(afetch_t *a, const af_item_t *it, uint64_t now);
/* The fetch item is finished with (ended, failed to start, skipped or
 * cancelled): its outcome becomes the host's policy unless the run is
 * stopping, and the item is freed. */
void af_robots_probe_end(afetch_t *a, af_item_t *p);
/* A refused URL: its error_kind and a message naming the rule. */
void af_robots_refused(af_item_t *it);

#endif
