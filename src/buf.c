#include "buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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

int af_buf_reserve(af_buf_t *b, size_t n)
{
  if (n > b->max)
    n = b->max;
  if (n + 1 <= b->cap)
    return 0;
  char *p = realloc(b->data, n + 1);
  if (!p)
    return -1;
  if (!b->data)
    p[0] = '\0';
  b->data = p;
  b->cap = n + 1;
  return 0;
}

void af_buf_populate(af_buf_t *b, size_t n)
{
#ifdef MADV_POPULATE_WRITE
  if (!b->data || b->len >= b->cap)
    return;
  if (n > b->cap - b->len)
    n = b->cap - b->len;
  long ps = sysconf(_SC_PAGESIZE);
  uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096;
  /* Whole pages around the bytes to come, edges included: a page the copy
   * only partly fills would fault all the same, and chunks rarely fall on
   * page boundaries. Backing never changes what a page holds, and these
   * pages belong to the allocation's mapping. */
  uintptr_t start = (uintptr_t)b->data + b->len;
  uintptr_t lo = start & ~(page - 1);
  uintptr_t hi = (start + n + page - 1) & ~(page - 1);
  madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#else
  (void)b;
  (void)n;
#endif
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
