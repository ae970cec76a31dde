/* The input stage on its own, through the callbacks the engine gives it:
 * a buffer is read like a file (line numbers, blank and comment lines
 * counted, gzip inflated), URLs added after it come after it, and the room
 * callback paces reading, so a long list is never split all at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>
#include <zlib.h>

#include "input.h"

typedef struct {
  uint64_t n, limit;
  uint64_t last_line;
  char first[64], lastl[64];
} sink_t;

static void on_line(void *ud, const char *line, size_t len, uint64_t lineno,
                    int too_long)
{
  sink_t *k = ud;
  (void)too_long;
  if (k->n == 0)
    snprintf(k->first, sizeof(k->first), "%.*s", (int)len, line);
  snprintf(k->lastl, sizeof(k->lastl), "%.*s", (int)len, line);
  k->n++;
  k->last_line = lineno;
}

static int room(void *ud)
{
  sink_t *k = ud;
  return k->n < k->limit;
}

static void wake(void *ud)
{
  (void)ud;
}

static void setup(af_input_t *in, uv_loop_t *loop, sink_t *k)
{
  memset(k, 0, sizeof(*k));
  k->limit = UINT64_MAX;
  af_input_init(in, loop);
  in->line = on_line;
  in->room = room;
  in->wake = wake;
  in->ud = k;
}

static void finish(af_input_t *in, uv_loop_t *loop)
{
  af_input_close(in);
  af_input_free(in);
  uv_run(loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(loop), 0);
}

/* Numbered as a file's: blank and comment lines take their numbers. */
static void test_buf_lines(void **state)
{
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  af_input_t in;
  sink_t k;
  setup(&in, &loop, &k);
  static const char list[] = "http://a/\n\n# c\nhttp://b/\nhttp://c/\n";
  assert_int_equal(af_input_add_buf(&in, list, sizeof(list) - 1), 0);
  assert_int_equal(af_input_add_url(&in, "http://d/", 9), 0);
  af_input_start(&in);
  assert_int_equal(k.n, 4);
  assert_string_equal(k.first, "http://a/");
  assert_string_equal(k.lastl, "http://d/");
  assert_int_equal(k.last_line, 6);
  assert_true(in.eof);
  finish(&in, &loop);
}

/* A list of 300 KB: while the room callback says no, reading stops after
 * the chunk under way; more room, more lines; in the end every line. */
static void test_buf_paced(void **state)
{
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  size_t cap = 20000 * 24, len = 0;
  char *list = malloc(cap);
  assert_non_null(list);
  for (int i = 1; i <= 20000; i++)
    len += (size_t)snprintf(list + len, cap - len, "http://h/%d\n", i);
  af_input_t in;
  sink_t k;
  setup(&in, &loop, &k);
  k.limit = 100;
  assert_int_equal(af_input_add_buf(&in, list, len), 0);
  af_input_start(&in);
  assert_true(k.n >= 100);
  assert_true(k.n < 10000); /* one 64 KiB chunk at most past the limit */
  assert_false(in.eof);
  uint64_t before = k.n;
  af_input_pull(&in); /* still no room: nothing more */
  assert_int_equal(k.n, before);
  k.limit = UINT64_MAX;
  af_input_pull(&in);
  assert_int_equal(k.n, 20000);
  assert_int_equal(k.last_line, 20000);
  assert_string_equal(k.lastl, "http://h/20000");
  assert_true(in.eof);
  finish(&in, &loop);
  free(list);
}

/* A gzip'd buffer is inflated, as a gzip'd file is. */
static void test_buf_gzip(void **state)
{
  (void)state;
  static const char list[] = "http://a/\nhttp://b/\n";
  unsigned char gz[256];
  z_stream z;
  memset(&z, 0, sizeof(z));
  assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY),
                   Z_OK);
  z.next_in = (unsigned char *)list;
  z.avail_in = sizeof(list) - 1;
  z.next_out = gz;
  z.avail_out = sizeof(gz);
  assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
  size_t n = sizeof(gz) - z.avail_out;
  deflateEnd(&z);

  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  af_input_t in;
  sink_t k;
  setup(&in, &loop, &k);
  assert_int_equal(af_input_add_buf(&in, gz, n), 0);
  af_input_start(&in);
  assert_int_equal(k.n, 2);
  assert_string_equal(k.first, "http://a/");
  assert_string_equal(k.lastl, "http://b/");
  assert_false(in.error);
  finish(&in, &loop);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_buf_lines),
      cmocka_unit_test(test_buf_paced),
      cmocka_unit_test(test_buf_gzip),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
