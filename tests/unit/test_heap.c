/* cli_heap_warm: the heap is grown and backed at once, and stays so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <malloc.h>

#include "heap.h"

/* Pages of [lo, hi) that are backed by memory now. */
static size_t resident(uintptr_t lo, uintptr_t hi)
{
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t n = (hi - lo) / page;
  unsigned char *v = malloc(n);
  assert_non_null(v);
  assert_int_equal(mincore((void *)lo, n * page, v), 0);
  size_t in = 0;
  for (size_t i = 0; i < n; i++)
    in += v[i] & 1;
  free(v);
  return in;
}

/* AddressSanitizer brings its own malloc: no brk heap, no mallopt. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

static void test_warm(void **state)
{
  (void)state;
#ifdef SANITIZED
  skip();
#endif
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  cli_heap_warm(8u << 20);
  /* The heap's free top now holds the 8 MiB, kept after the free. */
  struct mallinfo2 mi = mallinfo2();
  assert_true(mi.keepcost >= (8u << 20));
  /* And every page of it is backed: no fault when it is used. */
  uintptr_t hi = (uintptr_t)sbrk(0) & ~(uintptr_t)(page - 1);
  uintptr_t lo = hi - (8u << 20);
  assert_int_equal(resident(lo, hi), (8u << 20) / page);
  /* A block carved from it is not moved elsewhere. */
  char *p = malloc(4u << 20);
  assert_non_null(p);
  assert_true((uintptr_t)p >= lo - (1u << 20) && (uintptr_t)p < hi);
  free(p);
}

static void test_small_is_noop(void **state)
{
  (void)state;
  void *before = sbrk(0);
  cli_heap_warm(64 * 1024);
  assert_ptr_equal(sbrk(0), before);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_small_is_noop),
      cmocka_unit_test(test_warm),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
