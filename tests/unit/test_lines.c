#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lines.h"

/* Every delivered line, in order. */
typedef struct {
  char *s[64];
  size_t len[64];
  uint64_t lineno[64];
  int too_long[64];
  size_t n;
} got_t;

static void on_line(const char *line, size_t len, uint64_t lineno, int too_long,
                    void *ud)
{
  got_t *g = ud;
  assert_true(g->n < 64);
  assert_int_equal(line[len], '\0');
  assert_null(memchr(line, '\n', len));
  g->s[g->n] = malloc(len + 1);
  assert_non_null(g->s[g->n]);
  memcpy(g->s[g->n], line, len + 1);
  g->len[g->n] = len;
  g->lineno[g->n] = lineno;
  g->too_long[g->n] = too_long;
  g->n++;
}

static void got_free(got_t *g)
{
  for (size_t i = 0; i < g->n; i++)
    free(g->s[i]);
  g->n = 0;
}

/* Splits in[0..n) fed in pieces of chunk bytes (0: all at once). */
static void split(got_t *g, const char *in, size_t n, size_t chunk,
                  size_t max_line)
{
  af_lines_t l;
  af_lines_init(&l, max_line);
  memset(g, 0, sizeof(*g));
  size_t count = 0;
  if (chunk == 0)
    chunk = n ? n : 1;
  for (size_t off = 0; off < n; off += chunk) {
    size_t k = n - off < chunk ? n - off : chunk;
    count += af_lines_feed(&l, in + off, k, on_line, g);
  }
  count += af_lines_finish(&l, on_line, g);
  assert_int_equal(count, g->n);
  af_lines_free(&l);
}

#define S(lit) lit, sizeof(lit) - 1

static void check(const got_t *g, size_t i, const char *s, uint64_t lineno,
                  int too_long)
{
  assert_true(i < g->n);
  assert_int_equal(g->len[i], strlen(s));
  assert_string_equal(g->s[i], s);
  assert_int_equal(g->lineno[i], lineno);
  assert_int_equal(g->too_long[i], too_long);
}

static void test_basic_crlf(void **state)
{
  (void)state;
  got_t g;
  split(&g, S("http://a/\r\nhttp://b/\nhttp://c/\r\n"), 0, 1024);
  assert_int_equal(g.n, 3);
  check(&g, 0, "http://a/", 1, 0);
  check(&g, 1, "http://b/", 2, 0);
  check(&g, 2, "http://c/", 3, 0);
  got_free(&g);
}

static void test_bom(void **state)
{
  (void)state;
  got_t g;
  static const char in[] = "\xEF\xBB\xBFhttp://a/\n\xEF\xBB\xBFx\n";
  for (size_t chunk = 0; chunk <= 4; chunk++) {
    split(&g, in, sizeof(in) - 1, chunk, 1024);
    assert_int_equal(g.n, 2);
    check(&g, 0, "http://a/", 1, 0);
    /* Only at the very start: later, the bytes are content. */
    check(&g, 1, "\xEF\xBB\xBFx", 2, 0);
    got_free(&g);
  }
  /* A BOM prefix that is not a BOM is content, even split. */
  static const char fake[] = "\xEF\xBBz\n";
  for (size_t chunk = 0; chunk <= 2; chunk++) {
    split(&g, fake, sizeof(fake) - 1, chunk, 1024);
    assert_int_equal(g.n, 1);
    check(&g, 0, "\xEF\xBBz", 1, 0);
    got_free(&g);
  }
  /* A stream that is only a partial BOM. */
  split(&g, S("\xEF\xBB"), 1, 1024);
  assert_int_equal(g.n, 1);
  check(&g, 0, "\xEF\xBB", 1, 0);
  got_free(&g);
  /* Only a BOM: no line at all. */
  split(&g, S("\xEF\xBB\xBF"), 1, 1024);
  assert_int_equal(g.n, 0);
}

static void test_comments_blank_trim(void **state)
{
  (void)state;
  got_t g;
  split(&g,
        S("# header\n\n   \n\t http://a/ \t\v\f\r\n  # indented comment\n"
          "\r\nb c\n#\n"),
        0, 1024);
  assert_int_equal(g.n, 2);
  check(&g, 0, "http://a/", 4, 0);
  check(&g, 1, "b c", 7, 0);
  got_free(&g);
  /* A '#' after content is content. */
  split(&g, S("http://a/#frag\n"), 0, 1024);
  check(&g, 0, "http://a/#frag", 1, 0);
  got_free(&g);
}

static void test_too_long(void **state)
{
  (void)state;
  got_t g;
  /* max_line 8: the first 8 bytes after leading white space are kept. */
  static const char in[] = "  0123456789abcdef\nshort\n12345678\r\n"
                           "12345678   \nabcdefgh  x\n";
  for (size_t chunk = 0; chunk <= 3; chunk++) {
    split(&g, in, sizeof(in) - 1, chunk, 8);
    assert_int_equal(g.n, 5);
    check(&g, 0, "01234567", 1, 1);
    check(&g, 1, "short", 2, 0);
    /* Exactly max_line, the CR or trailing blanks do not make it long. */
    check(&g, 2, "12345678", 3, 0);
    check(&g, 3, "12345678", 4, 0);
    check(&g, 4, "abcdefgh", 5, 1);
    got_free(&g);
  }
  /* A very long comment or blank line is not "too long". */
  char *big = malloc(100000);
  assert_non_null(big);
  memset(big, ' ', 99998);
  big[0] = '#';
  big[99998] = '\n';
  big[99999] = 'z';
  split(&g, big, 100000, 0, 16);
  assert_int_equal(g.n, 1);
  check(&g, 0, "z", 2, 0);
  got_free(&g);
  free(big);
}

static void test_final_line_and_nul(void **state)
{
  (void)state;
  got_t g;
  split(&g, S("a\nlast"), 0, 1024);
  assert_int_equal(g.n, 2);
  check(&g, 1, "last", 2, 0);
  got_free(&g);
  split(&g, S("a\n  \t"), 0, 1024);
  assert_int_equal(g.n, 1);
  got_free(&g);
  split(&g, "", 0, 0, 1024);
  assert_int_equal(g.n, 0);
  /* NUL bytes are passed through for the URL check to reject. */
  split(&g, S("ht\0tp\n"), 0, 1024);
  assert_int_equal(g.n, 1);
  assert_int_equal(g.len[0], 5);
  assert_memory_equal(g.s[0], "ht\0tp", 5);
  got_free(&g);
  /* A lone CR is not a line end. */
  split(&g, S("a\rb\n"), 0, 1024);
  check(&g, 0, "a\rb", 1, 0);
  got_free(&g);
}

static void test_chunking_invariant(void **state)
{
  (void)state;
  static const char in[] = "\xEF\xBB\xBF# list\r\n"
                           "http://example.com/\r\n"
                           "\r\n"
                           "   example.org/path?q=1   \n"
                           "# comment\n"
                           "averyveryveryverylonglinethatgoesonandon\r\n"
                           "https://x/\0y\n"
                           "\t\t\n"
                           "tail";
  got_t whole;
  split(&whole, in, sizeof(in) - 1, 0, 24);
  assert_int_equal(whole.n, 5);
  check(&whole, 2, "averyveryveryverylonglin", 6, 1);
  check(&whole, 4, "tail", 9, 0);
  for (size_t chunk = 1; chunk < sizeof(in); chunk++) {
    got_t g;
    split(&g, in, sizeof(in) - 1, chunk, 24);
    assert_int_equal(g.n, whole.n);
    for (size_t i = 0; i < g.n; i++) {
      assert_int_equal(g.len[i], whole.len[i]);
      assert_memory_equal(g.s[i], whole.s[i], g.len[i]);
      assert_int_equal(g.lineno[i], whole.lineno[i]);
      assert_int_equal(g.too_long[i], whole.too_long[i]);
    }
    got_free(&g);
  }
  got_free(&whole);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic_crlf),
      cmocka_unit_test(test_bom),
      cmocka_unit_test(test_comments_blank_trim),
      cmocka_unit_test(test_too_long),
      cmocka_unit_test(test_final_line_and_nul),
      cmocka_unit_test(test_chunking_invariant),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
