/* The library's lifecycle and ownership rules, through the public header
 * only: a caller's fd is left open when close_fd is 0, an engine freed in
 * the middle of a run on the caller's loop leaves nothing behind (the
 * sanitizer build checks for use after free and leaks), the JSON helper
 * measures like snprintf, and afetch_stop gives every URL read one result
 * and fills the summary's cancelled, input_unread and limit fields. No
 * server: the lines are invalid, refused on 127.0.0.1 port 1, or sent to
 * a "black hole", a loopback socket that listens and never accepts (the
 * kernel completes the handshake, the request is never answered), so
 * transfers stay in flight until the stop. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
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

/* ---- afetch_stop ------------------------------------------------------ */

#define MAXR 16

typedef struct {
  int n;
  uint64_t line[MAXR];
  afetch_errkind_t kind[MAXR];
  int status1; /* the status of line 1's result */
  int summaries;
  afetch_summary_t sum;
  afetch_t *a;
} stop_t;

/* The first result (an invalid line, delivered while admission runs)
 * calls afetch_stop: by then every line is read and the black-hole
 * transfers that may start have started. */
static void stop_on_result(const afetch_result_t *r, void *ud)
{
  stop_t *t = ud;
  assert_true(t->n < MAXR);
  t->line[t->n] = r->line;
  t->kind[t->n] = r->error_kind;
  if (r->line == 1)
    t->status1 = r->status;
  if (r->error_kind == AFETCH_ERR_CANCELLED)
    assert_string_equal(r->error, "cancelled: the run was interrupted");
  if (t->n++ == 0)
    afetch_stop(t->a);
}

static void stop_on_run_end(const afetch_summary_t *s, void *ud)
{
  stop_t *t = ud;
  t->summaries++;
  t->sum = *s;
}

/* A listening loopback socket that never accepts; its port. */
static int black_hole(int *port)
{
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  assert_true(fd >= 0);
  struct sockaddr_in sa;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
  assert_int_equal(listen(fd, 64), 0);
  socklen_t len = sizeof(sa);
  assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
  *port = ntohs(sa.sin_port);
  return fd;
}

static afetch_t *stop_engine(stop_t *t, const afetch_options_t *o)
{
  afetch_callbacks_t cb = {
      .on_result = stop_on_result, .on_run_end = stop_on_run_end, .ud = t};
  assert_int_equal(afetch_new(&t->a, NULL, o, &cb), AFETCH_OK);
  return t->a;
}

/* "bad line" and then na URLs on port pa and nb on port pb, one a line. */
static void hole_lines(char *buf, size_t cap, int pa, int na, int pb, int nb)
{
  int n = snprintf(buf, cap, "bad line\n");
  for (int i = 0; i < na + nb; i++)
    n += snprintf(buf + n, cap - (size_t)n, "http://127.0.0.1:%d/%d\n",
                  i < na ? pa : pb, i);
  assert_true((size_t)n < cap);
}

/* Runs the lines of text (or, if fd >= 0, of fd, which it then owns) with
 * concurrency c, per_host ph and order_input order (reorder window 2); the
 * first result stops the run. */
static void run_stopped(stop_t *t, const char *text, int fd, unsigned c,
                        unsigned ph, int order)
{
  afetch_options_t o;
  afetch_options_init(&o);
  o.concurrency = c;
  o.per_host = ph;
  o.order_input = order;
  o.reorder_window = 2;
  afetch_t *a = stop_engine(t, &o);
  if (fd >= 0)
    assert_int_equal(afetch_add_input_fd(a, fd, 1), AFETCH_OK);
  else
    assert_int_equal(afetch_add_url(a, text, strlen(text)), AFETCH_OK);
  assert_int_equal(afetch_run(a), AFETCH_OK);
  assert_int_equal(afetch_interrupted(a), 1);
  afetch_free(a);
}

/* Completion order, input from a pipe whose writer stays open: the line
 * read first is invalid, two transfers are in flight (-c 2), three wait
 * in the queue. After the stop all six have a result, the pipe is not
 * read to its end, and the three queued ones were held by -c. */
static void test_stop_every_line(void **state)
{
  (void)state;
  int port;
  int hole = black_hole(&port);
  int p[2];
  assert_int_equal(pipe(p), 0);
  char buf[1024];
  hole_lines(buf, sizeof(buf), port, 5, port, 0);
  write_all(p[1], buf);
  stop_t t = {0};
  run_stopped(&t, NULL, p[0], 2, 6, 0);

  assert_int_equal(t.n, 6);
  assert_int_equal(t.kind[0], AFETCH_ERR_INVALID_URL);
  for (int i = 1; i < 6; i++)
    assert_int_equal(t.kind[i], AFETCH_ERR_CANCELLED);
  assert_int_equal(t.summaries, 1);
  assert_int_equal(t.sum.urls, 6);
  assert_int_equal(t.sum.cancelled, 5);
  assert_int_equal(t.sum.failed, 1);
  assert_int_equal(t.sum.succeeded, 0);
  assert_int_equal(t.sum.interrupted, 1);
  assert_int_equal(t.sum.input_unread, 1);
  assert_int_equal(t.sum.limit_held[AFETCH_LIMIT_CONCURRENCY], 3);
  assert_true(t.sum.limit_wait_ms[AFETCH_LIMIT_CONCURRENCY] > 0);
  assert_int_equal(t.sum.limit_held[AFETCH_LIMIT_PER_HOST], 0);
  close(p[1]);
  close(hole);
}

/* order_input with a reorder window of 2 and -c 1: one transfer in
 * flight, the rest queued, invalid lines among them. The stop delivers
 * all of them in input order; an invalid line keeps its own error. */
static void test_stop_input_order(void **state)
{
  (void)state;
  int port;
  int hole = black_hole(&port);
  char text[512];
  snprintf(text, sizeof(text),
           "bad line\nhttp://127.0.0.1:%d/2\nhttp://127.0.0.1:%d/3\n"
           "still no url\nhttp://127.0.0.1:%d/5\nhttp://127.0.0.1:%d/6\n",
           port, port, port, port);
  stop_t t = {0};
  run_stopped(&t, text, -1, 1, 6, 1);

  static const afetch_errkind_t want[] = {
      AFETCH_ERR_INVALID_URL, AFETCH_ERR_CANCELLED, AFETCH_ERR_CANCELLED,
      AFETCH_ERR_INVALID_URL, AFETCH_ERR_CANCELLED, AFETCH_ERR_CANCELLED};
  assert_int_equal(t.n, 6);
  for (int i = 0; i < 6; i++) {
    assert_int_equal(t.line[i], (uint64_t)i + 1);
    assert_int_equal(t.kind[i], want[i]);
  }
  assert_int_equal(t.sum.cancelled, 4);
  assert_int_equal(t.sum.urls, 6);
  /* Every line came from afetch_add_url and was read. */
  assert_int_equal(t.sum.input_unread, 0);
  close(hole);
}

/* Which limit held a URL: two hosts (two black holes), -c 3, per_host 2.
 * a1 a2 b1 start; a3 a4 wait on a host at its cap (the global cap is full
 * too, but raising -c alone would not start them): per_host; b2 b3 wait
 * on a host below its cap: concurrency. */
static void test_limit_precedence(void **state)
{
  (void)state;
  int pa, pb;
  int ha = black_hole(&pa), hb = black_hole(&pb);
  char text[512];
  hole_lines(text, sizeof(text), pa, 4, pb, 3);
  stop_t t = {0};
  run_stopped(&t, text, -1, 3, 2, 0);
  assert_int_equal(t.n, 8);
  assert_int_equal(t.sum.cancelled, 7);
  assert_int_equal(t.sum.limit_held[AFETCH_LIMIT_PER_HOST], 2);
  assert_int_equal(t.sum.limit_held[AFETCH_LIMIT_CONCURRENCY], 2);
  assert_int_equal(t.sum.limit_held[AFETCH_LIMIT_RATE], 0);
  assert_true(t.sum.limit_wait_ms[AFETCH_LIMIT_PER_HOST] > 0);

  /* per_host at or above concurrency can never be the limit that binds:
   * with -c 2 and per_host 2 the five on one host wait on -c. */
  hole_lines(text, sizeof(text), pa, 5, pb, 0);
  stop_t u = {0};
  run_stopped(&u, text, -1, 2, 2, 0);
  assert_int_equal(u.n, 6);
  assert_int_equal(u.sum.limit_held[AFETCH_LIMIT_PER_HOST], 0);
  assert_int_equal(u.sum.limit_held[AFETCH_LIMIT_CONCURRENCY], 3);
  close(ha);
  close(hb);
}

/* ---- a stop while a parse waits for the thread pool -------------------- */

/* One HTTP exchange on a listening socket: an HTML page of 2 KiB, more
 * than the engine parses on the loop thread, so its parse goes to the
 * pool. */
static void *serve_page(void *arg)
{
  int ls = *(int *)arg;
  int c = accept(ls, NULL, NULL);
  if (c < 0)
    return NULL;
  char req[4096];
  size_t got = 0;
  while (got < sizeof(req) - 1) {
    ssize_t n = read(c, req + got, sizeof(req) - 1 - got);
    if (n <= 0)
      break;
    got += (size_t)n;
    req[got] = '\0';
    if (strstr(req, "\r\n\r\n"))
      break;
  }
  char body[2048];
  int bl = snprintf(body, sizeof(body), "<html><title>Parsed</title><p>");
  memset(body + bl, 'x', sizeof(body) - (size_t)bl);
  char head[256];
  int hl = snprintf(head, sizeof(head),
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                    sizeof(body));
  if (write(c, head, (size_t)hl) == hl)
    (void)!write(c, body, sizeof(body));
  close(c);
  return NULL;
}

/* Holds the pool's only thread (UV_THREADPOOL_SIZE=1, set in main) until
 * a byte arrives on gate[0]. Released before any assertion can fail: at
 * exit libuv joins its threads. */
static int gate[2] = {-1, -1};

static void block_pool(uv_work_t *req)
{
  char b;
  (void)req;
  (void)!read(gate[0], &b, 1);
}

static void open_gate(void)
{
  if (gate[1] >= 0)
    (void)!write(gate[1], "x", 1);
  gate[1] = -1;
}

static void block_done(uv_work_t *req, int status)
{
  (void)req;
  (void)status;
}

static void on_watchdog(uv_timer_t *t)
{
  open_gate();
  fail_msg("the stopped run did not end in 10 s");
  (void)t;
}

/* -c 1, order_input, reorder window 2: line 1 is a page whose parse waits
 * behind a blocked pool thread; line 2 goes in flight (to a black hole)
 * only once line 1's transfer is over, so when it connects, line 1's job
 * is queued. The stop calls the job back: line 1 comes out cancelled but
 * with its status, then the rest in input order, the whole run long
 * before the pool thread is free again. */
static void test_stop_parse_queued(void **state)
{
  (void)state;
  int hp, pp;
  int hole = black_hole(&hp);
  int ls = black_hole(&pp); /* listens: serve_page accepts on it */
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, serve_page, &ls), 0);
  int gp[2];
  assert_int_equal(pipe(gp), 0);
  gate[0] = gp[0];
  gate[1] = gp[1];
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  uv_work_t blocker;
  assert_int_equal(uv_queue_work(&loop, &blocker, block_pool, block_done), 0);
  uv_timer_t dog;
  uv_timer_init(&loop, &dog);
  uv_timer_start(&dog, on_watchdog, 10000, 0);
  uv_unref((uv_handle_t *)&dog);

  stop_t t = {0};
  afetch_options_t o;
  afetch_options_init(&o);
  o.concurrency = 1;
  o.order_input = 1;
  o.reorder_window = 2;
  afetch_callbacks_t cb = {
      .on_result = stop_on_result, .on_run_end = stop_on_run_end, .ud = &t};
  assert_int_equal(afetch_new(&t.a, &loop, &o, &cb), AFETCH_OK);
  char text[512];
  snprintf(text, sizeof(text),
           "http://127.0.0.1:%d/page\nhttp://127.0.0.1:%d/2\n"
           "http://127.0.0.1:%d/3\nno url\nhttp://127.0.0.1:%d/5\n",
           pp, hp, hp, hp);
  assert_int_equal(afetch_add_url(t.a, text, strlen(text)), AFETCH_OK);
  assert_int_equal(afetch_start(t.a), AFETCH_OK);
  /* Until line 2 connects to the black hole (its listener turns
   * readable); the watchdog bounds each wait. */
  struct pollfd pf = {.fd = hole, .events = POLLIN};
  for (int i = 0; i < 1000 && poll(&pf, 1, 0) == 0; i++)
    uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(poll(&pf, 1, 0), 1);
  assert_int_equal(t.n, 0); /* line 1 holds the others back */
  afetch_stop(t.a);
  for (int i = 0; i < 1000 && t.summaries == 0; i++)
    uv_run(&loop, UV_RUN_ONCE);
  /* Over before the pool thread is free: let it go now. */
  open_gate();
  assert_int_equal(t.summaries, 1);

  static const afetch_errkind_t want[] = {
      AFETCH_ERR_CANCELLED, AFETCH_ERR_CANCELLED, AFETCH_ERR_CANCELLED,
      AFETCH_ERR_INVALID_URL, AFETCH_ERR_CANCELLED};
  assert_int_equal(t.n, 5);
  for (int i = 0; i < 5; i++) {
    assert_int_equal(t.line[i], (uint64_t)i + 1);
    assert_int_equal(t.kind[i], want[i]);
  }
  assert_int_equal(t.status1, 200);
  assert_int_equal(t.sum.cancelled, 4);

  /* Everything closes cleanly. */
  afetch_free(t.a);
  uv_close((uv_handle_t *)&dog, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  pthread_join(th, NULL);
  close(gp[0]);
  close(gp[1]);
  close(ls);
  close(hole);
}

static void test_cancelled_name(void **state)
{
  (void)state;
  assert_string_equal(afetch_errkind_name(AFETCH_ERR_CANCELLED), "cancelled");
  afetch_result_t r;
  memset(&r, 0, sizeof(r));
  r.line = 1;
  r.url = "http://h/";
  r.error_kind = AFETCH_ERR_CANCELLED;
  r.error = "cancelled: the run was interrupted";
  char buf[2048];
  assert_true(afetch_result_json(&r, buf, sizeof(buf)) < sizeof(buf));
  assert_non_null(strstr(buf, "\"error_kind\":\"cancelled\""));
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

static void on_result_run(const afetch_result_t *r, void *ud)
{
  *(int *)ud = r->run;
}

/* The options struct can grow: afetch_options_init writes no more than
 * the caller's sizeof, and afetch_new refuses a struct it did not fill
 * (size 0) and one from a newer header (bigger than the library's). */
static void test_options_size(void **state)
{
  (void)state;
  union {
    afetch_options_t o;
    unsigned char b[sizeof(afetch_options_t) + 16];
  } u;
  size_t part = offsetof(afetch_options_t, concurrency);
  memset(u.b, 0xAA, sizeof(u.b));
  afetch_options_init_size(&u.o, part);
  assert_int_equal(u.o.size, part);
  assert_int_equal(u.o.mode, AFETCH_MODE_CONCURRENT);
  for (size_t i = part; i < sizeof(u.b); i++)
    assert_int_equal(u.b[i], 0xAA);

  counts_t c = {0};
  afetch_callbacks_t cb = {.on_result = on_result, .ud = &c};
  afetch_t *a = (afetch_t *)&c;
  afetch_options_t o;
  memset(&o, 0, sizeof(o));
  o.concurrency = o.per_host = 1;
  assert_int_equal(afetch_new(&a, NULL, &o, &cb), AFETCH_EINVAL);
  assert_null(a);
  afetch_options_init(&o);
  assert_int_equal(o.size, sizeof(o));
  assert_int_equal(o.concurrency, 50);
  o.size = sizeof(o) + 8;
  assert_int_equal(afetch_new(&a, NULL, &o, &cb), AFETCH_EINVAL);
  o.size = sizeof(o);
  assert_int_equal(afetch_new(&a, NULL, &o, &cb), AFETCH_OK);
  afetch_free(a);

  /* A caller built before run existed: its struct ends before the field,
   * whatever lies past its end is not read, and run gets its default. */
  int run = -1;
  afetch_callbacks_t cbr = {.on_result = on_result_run, .ud = &run};
  o.size = offsetof(afetch_options_t, run);
  o.run = 7;
  assert_int_equal(afetch_new(&a, NULL, &o, &cbr), AFETCH_OK);
  assert_int_equal(afetch_add_url(a, "not a url", 9), AFETCH_OK);
  assert_int_equal(afetch_run(a), AFETCH_OK);
  afetch_free(a);
  assert_int_equal(run, 0);
  o.size = sizeof(o);
  assert_int_equal(afetch_new(&a, NULL, &o, &cbr), AFETCH_OK);
  assert_int_equal(afetch_add_url(a, "not a url", 9), AFETCH_OK);
  assert_int_equal(afetch_run(a), AFETCH_OK);
  afetch_free(a);
  assert_int_equal(run, 7);
}

int main(void)
{
  /* One pool thread, before anything uses the pool: test_stop_parse_queued
   * blocks it to keep a parse job waiting. */
  setenv("UV_THREADPOOL_SIZE", "1", 1);
  afetch_global_init();
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fd_kept),
      cmocka_unit_test(test_free_mid_run),
      cmocka_unit_test(test_json_measure),
      cmocka_unit_test(test_stop_every_line),
      cmocka_unit_test(test_stop_input_order),
      cmocka_unit_test(test_limit_precedence),
      cmocka_unit_test(test_stop_parse_queued),
      cmocka_unit_test(test_cancelled_name),
      cmocka_unit_test(test_options_size),
  };
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  afetch_global_cleanup();
  return rc;
}
