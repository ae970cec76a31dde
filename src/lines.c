#include "lines.h"

#include <string.h>

/* Where the splitter is inside the current physical line. Only bytes that
 * can still end up in the delivered line are buffered: leading white space
 * and comments never are, and once the buffer is full the rest of the line
 * is only looked at, to tell a real overflow from trailing white space. */
enum {
  ST_START = 0, /* no byte of this line yet */
  ST_LEAD,      /* only white space so far */
  ST_TEXT,      /* content is being buffered */
  ST_FULL,      /* buffer at max_line; dropped bytes all white space so far */
  ST_SKIP,      /* too long: the rest of the line is dropped unseen */
  ST_COMMENT,   /* first non-blank byte was '#' */
};

static const unsigned char bom[3] = {0xEF, 0xBB, 0xBF};

static int is_space(unsigned char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

void af_lines_init(af_lines_t *l, size_t max_line)
{
  af_buf_init(&l->cur, max_line ? max_line : 1);
  l->lineno = 0;
  l->too_long = 0;
  l->started = 0;
  l->bom_seen = 0;
  l->state = ST_START;
}

/* Adds p[0..n), a piece of the current line holding no '\n'. */
static void take(af_lines_t *l, const char *p, size_t n)
{
  while (n > 0) {
    switch (l->state) {
    case ST_START:
    case ST_LEAD:
      while (n > 0 && is_space((unsigned char)*p)) {
        p++;
        n--;
      }
      if (n == 0) {
        l->state = ST_LEAD;
        return;
      }
      l->state = *p == '#' ? ST_COMMENT : ST_TEXT;
      break;
    case ST_TEXT: {
      size_t room = l->cur.max - l->cur.len;
      size_t k = n < room ? n : room;
      if (af_buf_append(&l->cur, p, k) < 0) {
        /* Out of memory: deliver what we have rather than lose the line,
         * since every input line must give a result. */
        l->too_long = 1;
        l->state = ST_SKIP;
        return;
      }
      p += k;
      n -= k;
      if (n > 0)
        l->state = ST_FULL;
      break;
    }
    case ST_FULL:
      for (size_t i = 0; i < n; i++) {
        if (!is_space((unsigned char)p[i])) {
          l->too_long = 1;
          l->state = ST_SKIP;
          return;
        }
      }
      return;
    default: /* ST_SKIP, ST_COMMENT */
      return;
    }
  }
}

/* Ends the current physical line; returns 1 if a line was delivered. */
static size_t end_line(af_lines_t *l, af_line_cb cb, void *ud)
{
  size_t delivered = 0;
  l->lineno++;
  if (l->state == ST_TEXT || l->state == ST_FULL || l->state == ST_SKIP) {
    size_t len = l->cur.len;
    while (len > 0 && is_space((unsigned char)l->cur.data[len - 1]))
      len--;
    if (len > 0 || l->too_long) {
      const char *s = "";
      if (l->cur.data) {
        l->cur.data[len] = '\0';
        s = l->cur.data;
      }
      cb(s, len, l->lineno, l->too_long, ud);
      delivered = 1;
    }
  }
  af_buf_reset(&l->cur);
  l->too_long = 0;
  l->state = ST_START;
  return delivered;
}

static size_t split(af_lines_t *l, const char *p, size_t n, af_line_cb cb,
                    void *ud)
{
  size_t lines = 0;
  while (n > 0) {
    const char *nl = memchr(p, '\n', n);
    size_t seg = nl ? (size_t)(nl - p) : n;
    take(l, p, seg);
    if (!nl)
      break;
    lines += end_line(l, cb, ud);
    p += seg + 1;
    n -= seg + 1;
  }
  return lines;
}

/* The bytes of a BOM prefix that turned out not to be a BOM are content. */
static size_t replay_bom(af_lines_t *l, af_line_cb cb, void *ud)
{
  size_t k = l->bom_seen;
  l->started = 1;
  l->bom_seen = 0;
  return split(l, (const char *)bom, k, cb, ud);
}

size_t af_lines_feed(af_lines_t *l, const char *p, size_t n, af_line_cb cb,
                     void *ud)
{
  size_t lines = 0;
  if (!l->started) {
    while (n > 0 && l->bom_seen < sizeof(bom) &&
           (unsigned char)*p == bom[l->bom_seen]) {
      l->bom_seen++;
      p++;
      n--;
    }
    if (l->bom_seen == sizeof(bom)) {
      l->started = 1;
      l->bom_seen = 0;
    }
    else if (n > 0) {
      lines += replay_bom(l, cb, ud);
    }
    else {
      return 0; /* still a possible BOM prefix: wait for more bytes */
    }
  }
  return lines + split(l, p, n, cb, ud);
}

size_t af_lines_finish(af_lines_t *l, af_line_cb cb, void *ud)
{
  size_t lines = 0;
  if (!l->started && l->bom_seen > 0)
    lines += replay_bom(l, cb, ud);
  l->started = 1;
  if (l->state != ST_START)
    lines += end_line(l, cb, ud);
  return lines;
}

void af_lines_free(af_lines_t *l)
{
  af_buf_free(&l->cur);
}
