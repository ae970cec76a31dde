/* The body buffer: the ceiling holds, reserving room for a known length
 * makes one allocation that later appends fill without moving the bytes,
 * and only the pages about to be written are backed ahead of time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"

static void test_ceiling(void **state)
{
  (void)state;
  af_buf_t b;
  af_buf_init(&b, 10);
  assert_int_equal(af_buf_append(&b, "hello", 5), 0);
  assert_int_equal(af_buf_append(&b, " world!", 7), 1);
  assert_int_equal(b.len, 10);
  assert_string_equal(b.data, "hello worl");
  assert_int_equal(af_buf_append(&b, "x", 1), 1);
  assert_int_equal(b.len, 10);
  af_buf_free(&b);
}

static void test_reserve_once(void **state)
{
  (void)state;
  af_buf_t b;
  af_buf_init(&b, 512 * 1024);
  assert_int_equal(af_buf_reserve(&b, 100000), 0);
  assert_int_equal(b.cap, 100001);
  assert_int_equal(b.len, 0);
  assert_string_equal(b.data, "");
  char chunk[1000];
  memset(chunk, 'a', sizeof chunk);
  const char *at = b.data;
  for (int i = 0; i < 100; i++)
    assert_int_equal(af_buf_append(&b, chunk, sizeof chunk), 0);
  /* The room was there: no reallocation moved the bytes. */
  assert_ptr_equal(b.data, at);
  assert_int_equal(b.len, 100000);
  assert_int_equal(b.data[b.len], '\0');
  /* A smaller reserve never shrinks; a longer body still grows. */
  assert_int_equal(af_buf_reserve(&b, 10), 0);
  assert_int_equal(b.cap, 100001);
  assert_int_equal(af_buf_append(&b, chunk, sizeof chunk), 0);
  assert_int_equal(b.len, 101000);
  af_buf_free(&b);
}

static void test_reserve_capped(void **state)
{
  (void)state;
  af_buf_t b;
  af_buf_init(&b, 4096);
  /* A Content-Length of 1 GB reserves no more than the ceiling. */
  assert_int_equal(af_buf_reserve(&b, (size_t)1 << 30), 0);
  assert_int_equal(b.cap, 4097);
  af_buf_free(&b);
}

static int page_in(const char *p)
{
  uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
  unsigned char v = 0;
  assert_int_equal(mincore((void *)((uintptr_t)p & ~(page - 1)), 1, &v), 0);
  return v & 1;
}

/* Backing goes only as far as the bytes about to be written: a lying
 * Content-Length reserves address space, never memory. */
static void test_populate_ahead_only(void **state)
{
  (void)state;
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  af_buf_t b;
  af_buf_init(&b, 8u << 20);
  /* 8 MiB: an allocation of its own, fresh from the kernel. */
  assert_int_equal(af_buf_reserve(&b, 8u << 20), 0);
  assert_false(page_in(b.data + (4u << 20)));
  af_buf_populate(&b, 100000);
  assert_true(page_in(b.data + 2 * page));
  assert_true(page_in(b.data + 100000 - 2 * page));
  assert_false(page_in(b.data + 100000 + 2 * page));
  assert_false(page_in(b.data + (4u << 20)));
  /* Never past the room. */
  af_buf_t s;
  af_buf_init(&s, 100);
  af_buf_populate(&s, 4096); /* no room yet: nothing happens */
  assert_null(s.data);
  af_buf_free(&b);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ceiling),
      cmocka_unit_test(test_reserve_once),
      cmocka_unit_test(test_reserve_capped),
      cmocka_unit_test(test_populate_ahead_only),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
