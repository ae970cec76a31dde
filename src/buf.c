#include "buf.h"

#include <stdlib.h>
#include <string.h>

void af_buf_init(af_buf_t *b, size_t max)
{
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->max = max;
}

static int grow(af_buf_t *b, size_t need)
{
  if (need + 1 <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need + 1)
    cap *= 2;
  if (cap > b->max + 1)
    cap = b->max + 1;
  char *p = realloc(b->data, cap);
  if (!p)
    return -1;
  b->data = p;
  b->cap = cap;
  return 0;
}

int af_buf_append(af_buf_t *b, const void *p, size_t n)
{
  int cut = 0;
  if (n > b->max - b->len) {
    n = b->max - b->len;
    cut = 1;
  }
  if (n == 0)
    return cut;
  if (grow(b, b->len + n) < 0)
    return -1;
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return cut;
}

int af_buf_putc(af_buf_t *b, char c)
{
  return af_buf_append(b, &c, 1);
}

void af_buf_reset(af_buf_t *b)
{
  b->len = 0;
  if (b->data)
    b->data[0] = '\0';
}

char *af_buf_detach(af_buf_t *b, size_t *len)
{
  char *p = b->data;
  if (!p) {
    p = malloc(1);
    if (!p)
      return NULL;
    p[0] = '\0';
  }
  if (len)
    *len = b->len;
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  return p;
}

void af_buf_free(af_buf_t *b)
{
  free(b->data);
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
}
