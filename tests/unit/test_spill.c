/* The spill file on a real file system (a directory made here): records
 * come back per host in the order they were put, across blocks on disk
 * and the block in memory, with their line, seq and intake time; the file
 * has no name from the start; a block read back is freed on disk; a line
 * longer than a block fits; everything is removed by af_spill_free. */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "spill.h"

static char dir[] = "/tmp/test_spill.XXXXXX";

static int entries(const char *d)
{
  DIR *h = opendir(d);
  assert_non_null(h);
  int n = 0;
  for (struct dirent *e; (e = readdir(h));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      n++;
  closedir(h);
  return n;
}

static void put(af_spill_t *sp, const char *key, uint64_t line,
                const char *text)
{
  af_spill_rec_t r = {line, line * 10, line * 100, text, strlen(text)};
  assert_int_equal(af_spill_put(sp, key, &r), 0);
}

static void expect(af_spill_t *sp, const char *key, uint64_t line,
                   const char *text)
{
  af_spill_rec_t r;
  assert_int_equal(af_spill_take(sp, key, &r), 1);
  assert_int_equal(r.line, line);
  assert_int_equal(r.seq, line * 10);
  assert_int_equal(r.t_intake, line * 100);
  assert_int_equal(r.len, strlen(text));
  assert_string_equal(r.text, text);
}

static void url(char *b, size_t n, const char *host, uint64_t i)
{
  snprintf(b, n, "http://%s/some/path/of/a/page?i=%llu", host,
           (unsigned long long)i);
}

/* Two hosts interleaved over many blocks: each comes back in its order,
 * and the other's records are untouched by a take. */
static void test_order_per_host(void **state)
{
  (void)state;
  af_spill_t sp;
  af_spill_init(&sp);
  sp.dir = dir;
  char b[128];
  for (uint64_t i = 1; i <= 5000; i++) {
    url(b, sizeof(b), i % 2 ? "a" : "b", i);
    put(&sp, i % 2 ? "a:80" : "b:80", i, b);
  }
  assert_int_equal(sp.pending, 5000);
  assert_int_equal(sp.nhosts, 2);
  assert_int_equal(af_spill_count(&sp, "a:80"), 2500);
  assert_true(sp.written > 100 * 1024); /* blocks went to disk */
  assert_int_equal(entries(dir), 0);    /* a file without a name */
  assert_true(sp.fd >= 0);
  for (uint64_t i = 1; i <= 5000; i += 2) {
    url(b, sizeof(b), "a", i);
    expect(&sp, "a:80", i, b);
  }
  af_spill_rec_t r;
  assert_int_equal(af_spill_take(&sp, "a:80", &r), 0);
  assert_int_equal(af_spill_count(&sp, "a:80"), 0);
  /* New records after a host ran dry, while the other still waits. */
  put(&sp, "a:80", 9001, "http://a/late");
  for (uint64_t i = 2; i <= 5000; i += 2) {
    url(b, sizeof(b), "b", i);
    expect(&sp, "b:80", i, b);
  }
  expect(&sp, "a:80", 9001, "http://a/late");
  assert_int_equal(sp.pending, 0);
  assert_int_equal(sp.nhosts, 0);
  af_spill_free(&sp);
}

/* Taking as it goes, as the engine does: the disk holds only what waits
 * (blocks read back are punched out, the file is emptied at zero). */
static void test_disk_follows_pending(void **state)
{
  (void)state;
  af_spill_t sp;
  af_spill_init(&sp);
  sp.dir = dir;
  char b[128];
  uint64_t next = 1;
  for (uint64_t i = 1; i <= 20000; i++) {
    url(b, sizeof(b), "a", i);
    put(&sp, "a:80", i, b);
    if (i % 4 == 0) {
      for (int k = 0; k < 3; k++) {
        url(b, sizeof(b), "a", next);
        expect(&sp, "a:80", next, b);
        next++;
      }
    }
  }
  struct stat st;
  assert_int_equal(fstat(sp.fd, &st), 0);
  /* 5000 records of ~65 bytes wait: ~80 blocks; 20000 were written. */
  assert_true(sp.written > 1000 * 1024);
  assert_true((uint64_t)st.st_blocks * 512 < 600 * 1024);
  while (next <= 20000) {
    url(b, sizeof(b), "a", next);
    expect(&sp, "a:80", next, b);
    next++;
  }
  assert_int_equal(fstat(sp.fd, &st), 0);
  assert_int_equal(st.st_size, 0);
  af_spill_free(&sp);
}

/* A line longer than a block gets a block of its own; take_any drains
 * every host. */
static void test_long_line_and_any(void **state)
{
  (void)state;
  af_spill_t sp;
  af_spill_init(&sp);
  sp.dir = dir;
  size_t n = 60000;
  char *big = malloc(n + 1);
  assert_non_null(big);
  memset(big, 'x', n);
  big[n] = '\0';
  put(&sp, "a:80", 1, "http://a/1");
  put(&sp, "a:80", 2, big);
  put(&sp, "a:80", 3, "http://a/3");
  for (uint64_t i = 10; i < 200; i++)
    put(&sp, "c:80", i, "http://c/");
  expect(&sp, "a:80", 1, "http://a/1");
  expect(&sp, "a:80", 2, big);
  expect(&sp, "a:80", 3, "http://a/3");
  put(&sp, "b:80", 4, "http://b/4");
  int got = 0;
  af_spill_rec_t r;
  while (af_spill_take_any(&sp, &r) == 1)
    got++;
  assert_int_equal(got, 191);
  assert_int_equal(sp.pending, 0);
  free(big);
  af_spill_free(&sp);
}

/* Freed with records waiting: nothing is left, and the spill works again
 * (it makes a new file). A directory that cannot hold a file is an error
 * for the caller, not a crash. */
static void test_free_and_errors(void **state)
{
  (void)state;
  af_spill_t sp;
  af_spill_init(&sp);
  sp.dir = dir;
  for (uint64_t i = 1; i <= 3000; i++)
    put(&sp, "a:80", i, "http://a/some/longer/path/to/fill/the/blocks");
  af_spill_free(&sp);
  assert_int_equal(sp.fd, -1);
  assert_int_equal(sp.pending, 0);
  put(&sp, "a:80", 7, "http://a/7");
  expect(&sp, "a:80", 7, "http://a/7");
  af_spill_free(&sp);
  assert_int_equal(entries(dir), 0);

  sp.dir = "/nonexistent/afetch-test";
  af_spill_rec_t r = {1, 1, 1, "x", 1};
  assert_true(af_spill_put(&sp, "a:80", &r) < 0);
  assert_int_equal(sp.pending, 0);
  assert_int_equal(af_spill_take(&sp, "a:80", &r), 0);
  af_spill_free(&sp);
}

int main(void)
{
  if (!mkdtemp(dir))
    return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_order_per_host),
      cmocka_unit_test(test_disk_follows_pending),
      cmocka_unit_test(test_long_line_and_any),
      cmocka_unit_test(test_free_and_errors),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  rmdir(dir);
  return rc;
}
