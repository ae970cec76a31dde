/* Splits a byte stream into URL lines: bounded memory whatever the input. */
#ifndef AF_LINES_H
#define AF_LINES_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* line: the content with leading/trailing white space trimmed (CR of CRLF
 * included), never blank, never a '#' comment; borrowed (valid during the
 * callback) and NUL-terminated at len, though it may hold NUL bytes itself.
 * White space is ASCII: space, \t, \r, \v, \f. lineno counts every
 * physical line from 1 (blank and comment lines too). too_long: the line
 * was longer than max_line and only its first max_line bytes (after the
 * leading white space) are given; the rest is skipped without being
 * buffered. A UTF-8 BOM at the very start of the stream is skipped, even
 * split across feeds. NUL bytes are passed through (the URL check rejects
 * them). If growing the line buffer fails, the line is delivered cut to
 * what fitted, flagged too_long. */
typedef void (*af_line_cb)(const char *line, size_t len, uint64_t lineno,
                           int too_long, void *ud);

typedef struct {
  af_buf_t cur;
  uint64_t lineno;
  int too_long;
  int started;     /* past the first bytes (BOM check done) */
  size_t bom_seen; /* bytes of a possible BOM matched so far */
  int state;       /* where in the current physical line (lines.c) */
} af_lines_t;

/* max_line: bytes kept per line (at least 1). Allocates nothing yet. */
void af_lines_init(af_lines_t *l, size_t max_line);
/* Number of lines the callback received. */
size_t af_lines_feed(af_lines_t *l, const char *p, size_t n, af_line_cb cb,
                     void *ud);
/* End of stream: a last line without a newline is delivered. */
size_t af_lines_finish(af_lines_t *l, af_line_cb cb, void *ud);
void af_lines_free(af_lines_t *l);

#endif
