/* The input stage: URL lines from afetch_add_url and from descriptors, in
 * the order they were added. The engine pulls (af_input_pull) while it has
 * room; lines come back through the line callback, and a read that
 * completes later says so through the wake callback. */
#ifndef AF_INPUT_H
#define AF_INPUT_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "gz.h"
#include "lines.h"

typedef struct af_source af_source_t;

typedef void (*af_input_line_cb)(void *ud, const char *line, size_t len,
                                 uint64_t lineno, int too_long);
/* 0 when the engine's read-ahead window is full: reading pauses. */
typedef int (*af_input_room_cb)(void *ud);
/* Lines arrived, or a source ended, outside af_input_pull. */
typedef void (*af_input_wake_cb)(void *ud);

typedef struct {
  uv_loop_t *loop;
  char **urls; /* afetch_add_url list */
  size_t nurls, capurls, urls_pos;
  af_source_t *sources, *src_tail, *src_cur;
  af_lines_t lines;
  uint64_t line_base;
  int eof;
  int error;        /* a source failed to read: AFETCH_EIO at the end */
  size_t nadds;     /* inputs added: URLs and sources */
  size_t err_input; /* the first that failed, counted as nadds was */
  char errmsg[192]; /* why, a sentence, "" while none failed */
  af_input_line_cb line;
  af_input_room_cb room;
  af_input_wake_cb wake;
  void *ud;
} af_input_t;

void af_input_init(af_input_t *in, uv_loop_t *loop);
int af_input_add_url(af_input_t *in, const char *url, size_t len);
int af_input_add_fd(af_input_t *in, int fd, int close_fd);
/* The bytes stay the caller's until af_input_free. */
int af_input_add_buf(af_input_t *in, const void *buf, size_t len);
void af_input_start(af_input_t *in);
void af_input_pull(af_input_t *in);
void af_input_close(af_input_t *in);
/* 1 while a file read is in the thread pool: the run cannot end yet. */
int af_input_busy(const af_input_t *in);
void af_input_free(af_input_t *in);

#endif
