/* The library's lifecycle and ownership rules, through the public header
 * only: a caller's fd is left open when close_fd is 0, an engine freed in
 * the middle of a run on the caller's loop leaves nothing behind (the
 * sanitizer build checks for use after free and leaks), and the JSON helper
 * measures like snprintf. No network: the lines are invalid or refused on
 * 127.0.0.1 port 1. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <uv.h>

#include "afetch.h"

typedef struct {
  int results;
  int done;
  int done_status;
} counts_t;

static void on_result(const afetch_result_t *r, void *ud)
{
  counts_t *c = ud;
  assert_non_null(r->error);
  c->results++;
}

static void on_done(int status, void *ud)
{
  counts_t *c = ud;
  c->done++;
  c->done_status = status;
}

static void write_all(int fd, const char *s)
{
  size_t n = strlen(s);
  assert_int_equal(write(fd, s, n), (ssize_t)n);
}

static afetch_t *engine(uv_loop_t *loop, counts_t *c)
{
  afetch_options_t o;
  afetch_options_init(&o);
  afetch_callbacks_t cb = {.on_result = on_result, .on_done = on_done, .ud = c};
  afetch_t *a = NULL;
  assert_int_equal(afetch_new(&a, loop, &o, &cb), AFETCH_OK);
  return a;
}

static void test_fd_kept(void **state)
{
  (void)state;
  int p[2];
  assert_int_equal(pipe(p), 0);
  write_all(p[1], "not a url\n# comment\nhttp://127.0.0.1:1/\n");
  close(p[1]);

  counts_t c = {0};
  afetch_t *a = engine(NULL, &c);
  assert_int_equal(afetch_add_input_fd(a, p[0], 0), AFETCH_OK);
  assert_int_equal(afetch_run(a), AFETCH_OK);
  afetch_free(a);
  assert_int_equal(c.results, 2);
  assert_int_equal(c.done, 1);
  /* close_fd was 0: the pipe is still ours. */
  assert_int_not_equal(fcntl(p[0], F_GETFD), -1);
  assert_int_equal(close(p[0]), 0);
}

static void test_free_mid_run(void **state)
{
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  int p[2];
  assert_int_equal(pipe(p), 0);
  /* The writer stays open: the run cannot end on its own. */
  write_all(p[1], "bad line one\nbad line two\n");

  counts_t c = {0};
  afetch_t *a = engine(&loop, &c);
  assert_int_equal(afetch_add_input_fd(a, p[0], 1), AFETCH_OK);
  assert_int_equal(afetch_start(a), AFETCH_OK);
  /* Bounded: until both lines have their results. */
  for (int i = 0; i < 1000 && c.results < 2; i++)
    uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(c.results, 2);
  assert_int_equal(c.done, 0);

  afetch_free(a);
  /* The close callbacks run here; afterwards nothing of afetch is left on
   * the loop, so it closes cleanly. */
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  close(p[1]);
}

static void test_json_measure(void **state)
{
  (void)state;
  afetch_result_t r;
  memset(&r, 0, sizeof(r));
  r.line = 7;
  r.url = "http://h/\"q\"";
  r.error_kind = AFETCH_ERR_CONNECT;
  r.error = "refused";
  size_t need = afetch_result_json(&r, NULL, 0);
  assert_true(need > 20);
  char *buf = malloc(need + 1);
  assert_non_null(buf);
  assert_int_equal(afetch_result_json(&r, buf, need + 1), need);
  assert_int_equal(strlen(buf), need);
  assert_non_null(strstr(buf, "\"url\":\"http://h/\\\"q\\\"\""));
  assert_non_null(strstr(buf, "\"error_kind\":\"connect\""));
  free(buf);
}

int main(void)
{
  afetch_global_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fd_kept),
      cmocka_unit_test(test_free_mid_run),
      cmocka_unit_test(test_json_measure),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  afetch_global_cleanup();
  return rc;
}
