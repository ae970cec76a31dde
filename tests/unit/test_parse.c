/* The parse stage on its own: a page too big for the loop thread goes to
 * the pool and comes back through the done callback with its title; a
 * tiny one is parsed at once; the backpressure limit counts bodies in the
 * pool; a non-HTML body is not wanted. The loop closes cleanly after. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "item.h"
#include "parse.h"

typedef struct {
  int done, cancelled;
} count_t;

static void on_done(void *ud, af_item_t *it, int cancelled)
{
  count_t *c = ud;
  c->done++;
  c->cancelled += cancelled;
  assert_non_null(it);
}

static af_item_t *page(const char *title, size_t pad)
{
  af_item_t *it = calloc(1, sizeof(*it));
  assert_non_null(it);
  it->save_fd = -1;
  it->keep_body = 1;
  it->content_type = strdup("text/html");
  af_buf_init(&it->body, 1 << 20);
  char head[256];
  int n = snprintf(head, sizeof(head),
                   "<html><head><title>%s</title></head>"
                   "<body><p>",
                   title);
  assert_int_equal(af_buf_append(&it->body, head, (size_t)n), 0);
  for (size_t i = 0; i < pad; i++)
    assert_int_equal(af_buf_putc(&it->body, 'x'), 0);
  return it;
}

static void setup(af_parse_t *p, uv_loop_t *loop, count_t *c)
{
  memset(p, 0, sizeof(*p));
  memset(c, 0, sizeof(*c));
  p->loop = loop;
  p->enabled = 1;
  p->snippet_len = 80;
  p->done = on_done;
  p->ud = c;
}

static void test_pool_and_inline(void **state)
{
  (void)state;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  af_parse_t p;
  count_t c;
  setup(&p, &loop, &c);

  af_item_t *small = page("Small", 10);
  assert_true(af_parse_wanted(&p, small));
  assert_int_equal(af_parse_queue(&p, small), 1); /* parsed at once */
  assert_string_equal(small->title, "Small");
  assert_int_equal(c.done, 0);

  af_item_t *big[3];
  for (int i = 0; i < 3; i++) {
    char t[16];
    snprintf(t, sizeof(t), "Big %d", i);
    big[i] = page(t, 4000);
    assert_int_equal(af_parse_queue(&p, big[i]), 0);
  }
  assert_int_equal(p.parsing, 3);
  assert_true(p.bytes > 12000);
  assert_false(af_parse_full(&p));
  /* Bounded: the pool answers within a few iterations. */
  for (int i = 0; i < 10000 && c.done < 3; i++)
    uv_run(&loop, UV_RUN_ONCE);
  assert_int_equal(c.done, 3);
  assert_int_equal(c.cancelled, 0);
  assert_int_equal(p.parsing, 0);
  assert_int_equal(p.bytes, 0);
  for (int i = 0; i < 3; i++) {
    char t[16];
    snprintf(t, sizeof(t), "Big %d", i);
    assert_string_equal(big[i]->title, t);
    af_item_free(big[i]);
  }
  af_item_free(small);
  assert_int_equal(uv_loop_close(&loop), 0);
}

/* Not wanted: parsing off, an empty body, a body not kept, or not HTML. */
static void test_wanted(void **state)
{
  (void)state;
  af_parse_t p;
  count_t c;
  setup(&p, NULL, &c);
  af_item_t *it = page("T", 0);
  assert_true(af_parse_wanted(&p, it));
  p.enabled = 0;
  assert_false(af_parse_wanted(&p, it));
  p.enabled = 1;
  it->keep_body = 0;
  assert_false(af_parse_wanted(&p, it));
  it->keep_body = 1;
  free(it->content_type);
  it->content_type = strdup("image/png");
  assert_false(af_parse_wanted(&p, it));
  af_item_free(it);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pool_and_inline),
      cmocka_unit_test(test_wanted),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
