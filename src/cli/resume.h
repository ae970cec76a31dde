/* --resume FILE: the JSON Lines output of an earlier run is the checkpoint.
 * It is read once, streaming, into a bitmap of the line numbers that have
 * a result; results to fetch again (cancelled, --redo kinds), a second
 * result for one line and a torn last line are removed from the file, so
 * that what the new run appends completes it to one result per line. */
#ifndef CLI_RESUME_H
#define CLI_RESUME_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint64_t *bits; /* bit n - 1 set: line n has its result in the file */
  size_t nwords;
  uint64_t redo_mask; /* bit k: results of error kind k are fetched again */
  uint64_t kept;      /* results kept: the lines the run skips */
  uint64_t redone;    /* results removed to be fetched again */
  uint64_t dups;      /* results removed: their line had one already */
  int torn;           /* a torn last line was removed */
  int rewritten;      /* whole lines were removed: the file was rewritten */
} cli_resume_t;

/* "timeout,dns,connect" (or "all") -> redo_mask. Returns 0, or -1 with the
 * first unknown name copied to bad. */
int cli_resume_parse_kinds(const char *list, uint64_t *mask, char *bad,
                           size_t badlen);
/* The kinds --redo accepts, comma-separated, for messages and --help. */
void cli_resume_kind_list(char *buf, size_t cap);

/* Reads path (a missing file is an empty one and is created), repairs it
 * as above (a torn tail by ftruncate; removed lines by writing the kept
 * ones to path.tmp, fsync and rename over path) and returns a descriptor
 * open on it with O_APPEND, or -1 with a sentence in err. r->redo_mask is
 * set by the caller first. */
int cli_resume_open(cli_resume_t *r, const char *path, char *err, size_t cap);

/* skip_line for afetch_options_t: 1 if line has its result already. */
int cli_resume_done(void *ud, uint64_t line);

/* Scans one chunk-fed file: exposed for the unit tests. Reads fd from its
 * start to its end, fills r's bitmap and counts, and writes the kept lines
 * to out_fd unless it is -1. *keep_end is set to the length of the prefix
 * that holds only kept lines and *drops to how many whole lines were
 * removed. Returns 0, or -1 with err set (a line that is not an afetch
 * result before the last one, a read error, out of memory). */
int cli_resume_scan(cli_resume_t *r, int fd, int out_fd, uint64_t *keep_end,
                    uint64_t *drops, char *err, size_t cap);

void cli_resume_free(cli_resume_t *r);

#endif
