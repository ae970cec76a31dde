/* Growable byte buffer with a hard ceiling (like curl's dynbuf "toobig"). */
#ifndef AF_BUF_H
#define AF_BUF_H

#include <stddef.h>

typedef struct {
  char *data; /* NUL-terminated whenever len > 0; NULL until first append */
  size_t len;
  size_t cap;
  size_t max; /* the buffer never holds more than max bytes */
} af_buf_t;

void af_buf_init(af_buf_t *b, size_t max);
/* Appends up to max - len bytes of p. Returns 0 when all of it fit, 1 when
 * it was cut at the ceiling, -1 on allocation failure (nothing appended). */
int af_buf_append(af_buf_t *b, const void *p, size_t n);
int af_buf_putc(af_buf_t *b, char c);
/* Makes room for n bytes in all (capped at max) in one allocation, so a
 * body of known length is not grown by doubling: each step copies what came
 * so far into fresh pages. 0, or -1 on allocation failure (nothing lost). */
int af_buf_reserve(af_buf_t *b, size_t n);
/* Asks the kernel to back the pages that the next n bytes will land in (the
 * pages [len, len + n) of the room already there touches) in one call
 * (MADV_POPULATE_WRITE, Linux 5.14), instead of one page fault per 4 KiB as
 * they are copied. Only room about to be written: nothing is backed on the
 * word of a Content-Length. Where the call is missing nothing happens. */
void af_buf_populate(af_buf_t *b, size_t n);
void af_buf_reset(af_buf_t *b); /* len = 0, memory kept */
/* Hands the bytes to the caller (free() them); the buffer is emptied. Never
 * returns NULL unless allocation fails: an empty buffer gives "". */
char *af_buf_detach(af_buf_t *b, size_t *len);
void af_buf_free(af_buf_t *b);

#endif
