/* Unit tests for text.c: UTF-8 repair and the cleaning of output text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "text.h"

#define FFFD "\xEF\xBF\xBD"

/* Repairs the first n bytes of in and compares with want. */
static void check_repair(const char *in, size_t n, const char *want,
                         size_t want_len)
{
  af_buf_t b;
  af_buf_init(&b, 1 << 20);
  assert_int_equal(af_utf8_repair(in, n, &b), 0);
  assert_int_equal(b.len, want_len);
  assert_memory_equal(b.len ? b.data : "", want, b.len);
  assert_true(af_utf8_valid(b.data ? b.data : "", b.len));
  af_buf_free(&b);
}

#define REPAIR(lit, want)                                                      \
  check_repair(lit, sizeof(lit) - 1, want, sizeof(want) - 1)

static void repair_valid_is_unchanged(void **state)
{
  (void)state;
  REPAIR("", "");
  REPAIR("plain ascii", "plain ascii");
  REPAIR("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80",
         "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  REPAIR("\xF4\x8F\xBF\xBF", "\xF4\x8F\xBF\xBF"); /* U+10FFFF */
  REPAIR("nul\0inside", "nul\0inside");
}

static void repair_every_invalid_class(void **state)
{
  (void)state;
  /* Stray continuation bytes. */
  REPAIR("a\x80"
         "b",
         "a" FFFD "b");
  REPAIR("\xBF\xBF", FFFD FFFD);
  /* Bytes that never appear in UTF-8. */
  REPAIR("\xC0\xC1\xF5\xFE\xFF", FFFD FFFD FFFD FFFD FFFD);
  /* Overlong forms: "/" as 2, 3 and 4 bytes. */
  REPAIR("\xC0\xAF", FFFD FFFD);
  REPAIR("\xE0\x80\xAF", FFFD FFFD FFFD);
  REPAIR("\xF0\x80\x80\xAF", FFFD FFFD FFFD FFFD);
  /* UTF-16 surrogates encoded in UTF-8 (CESU). */
  REPAIR("\xED\xA0\x80", FFFD FFFD FFFD);
  REPAIR("\xED\xBF\xBF", FFFD FFFD FFFD);
  /* Above U+10FFFF. */
  REPAIR("\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD);
  /* Truncated sequences: one U+FFFD for the maximal subpart, and the next
   * valid character survives. */
  REPAIR("\xE2\x82"
         "A",
         FFFD "A");
  REPAIR("\xF0\x9F\x98"
         "A",
         FFFD "A");
  REPAIR("\xC3", FFFD);
  REPAIR("x\xF0\x9F", "x" FFFD);
  /* A lead byte followed by another lead byte. */
  REPAIR("\xC3\xC3\xA9", FFFD "\xC3\xA9");
}

static void valid_prefix_and_tail(void **state)
{
  (void)state;
  assert_true(af_utf8_valid("caf\xC3\xA9", 5));
  assert_false(af_utf8_valid("caf\xC3", 4));
  assert_false(af_utf8_valid("\xED\xA0\x80", 3));
  assert_int_equal(af_utf8_valid_prefix("ab\xFF"
                                        "cd",
                                        5),
                   2);
  assert_int_equal(af_utf8_valid_prefix("ab", 2), 2);
  assert_int_equal(af_utf8_incomplete_tail("ab\xE2\x82", 4), 2);
  assert_int_equal(af_utf8_incomplete_tail("ab\xF0\x9F\x98", 5), 3);
  assert_int_equal(af_utf8_incomplete_tail("ab\xC3", 3), 1);
  assert_int_equal(af_utf8_incomplete_tail("ab\xC3\xA9", 4), 0);
  assert_int_equal(af_utf8_incomplete_tail("ab", 2), 0);
  assert_int_equal(af_utf8_incomplete_tail("", 0), 0);
  /* Invalid rather than cut: not a tail to drop. */
  assert_int_equal(af_utf8_incomplete_tail("ab\xE0\x80", 4), 0);
  assert_int_equal(af_utf8_incomplete_tail("ab\x80", 3), 0);
}

static void check_clean(const char *in, size_t n, size_t max, const char *want)
{
  char *s = af_text_clean(in, n, max);
  assert_non_null(s);
  assert_string_equal(s, want);
  free(s);
}

#define CLEAN(lit, max, want) check_clean(lit, sizeof(lit) - 1, max, want)

static void clean_strips_controls(void **state)
{
  (void)state;
  /* ESC loses its ESC, so no terminal sequence survives. */
  CLEAN("\x1B[31mred\x1B[0m", 0, "[31mred[0m");
  CLEAN("bell\x07!", 0, "bell!");
  CLEAN("nul\0byte", 0, "nulbyte");
  CLEAN("del\x7F!", 0, "del!");
  CLEAN("back\bspace", 0, "backspace");
  /* C1 controls, including the 8-bit CSI U+009B. */
  CLEAN("c1\xC2\x9B"
        "31m\xC2\x80",
        0, "c131m");
  /* Bidi controls: RLO, LRI..PDI, LRM, RLM, ALM. */
  CLEAN("abc\xE2\x80\xAE"
        "fed",
        0, "abcfed");
  CLEAN("\xE2\x81\xA6x\xE2\x81\xA9", 0, "x");
  CLEAN("l\xE2\x80\x8Er\xE2\x80\x8Fm\xD8\x9C", 0, "lrm");
  CLEAN("\xE2\x80\xAA\xE2\x80\xAB\xE2\x80\xAC\xE2\x80\xAD", 0, "");
  /* Not controls: kept. */
  CLEAN("\xE2\x80\x8D\xE2\x98\xBA", 0, "\xE2\x80\x8D\xE2\x98\xBA");
}

static void clean_collapses_white_space(void **state)
{
  (void)state;
  CLEAN("  a \t\n\r b  ", 0, "a b");
  CLEAN("line1\r\nline2", 0, "line1 line2");
  CLEAN("\f\va\v", 0, "a");
  /* NBSP, ideographic space, em space, line separator, NEL. */
  CLEAN("a\xC2\xA0\xC2\xA0"
        "b",
        0, "a b");
  CLEAN("a\xE3\x80\x80"
        "b\xE2\x80\x83"
        "c",
        0, "a b c");
  CLEAN("a\xE2\x80\xA8"
        "b\xC2\x85"
        "c",
        0, "a b c");
  /* White space around a removed control still collapses to one. */
  CLEAN("a \x1B b", 0, "a b");
  CLEAN("", 0, "");
  CLEAN(" \t\n ", 0, "");
  CLEAN("\x01\x02", 0, "");
}

static void clean_repairs_utf8(void **state)
{
  (void)state;
  CLEAN("caf\xE9!", 0, "caf" FFFD "!");
  CLEAN("\xED\xA0\x80", 0, FFFD FFFD FFFD);
  CLEAN("\xC0\xAF", 0, FFFD FFFD);
}

static void clean_cuts_on_characters(void **state)
{
  (void)state;
  CLEAN("hello world", 5, "hello");
  /* The cut counts characters, not bytes. */
  CLEAN("h\xC3\xA9llo", 2, "h\xC3\xA9");
  CLEAN("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", 2, "\xE6\x97\xA5\xE6\x9C\xAC");
  CLEAN("\xF0\x9F\x98\x80\xF0\x9F\x98\x81", 1, "\xF0\x9F\x98\x80");
  CLEAN("a\xE2\x82\xAC", 1, "a");
  /* No trailing space when the cut falls right after a word. */
  CLEAN("ab cd", 3, "ab");
  CLEAN("ab cd", 4, "ab c");
  CLEAN("  ab   cd  ", 5, "ab cd");
  /* U+FFFD counts as one character. */
  CLEAN("\xFF\xFF\xFF", 2, FFFD FFFD);
  CLEAN("short", 100, "short");
  /* Collapsing happens before the cut. */
  CLEAN("a      b      c", 3, "a b");
}

static void clean_streaming(void **state)
{
  (void)state;
  af_clean_t c;
  af_clean_init(&c, 0, 1024);
  assert_int_equal(af_clean_feed(&c, "  Hel", 5), 0);
  assert_int_equal(af_clean_feed(&c, "lo", 2), 0);
  af_clean_space(&c);
  af_clean_space(&c);
  assert_int_equal(af_clean_feed(&c, "world ", 6), 0);
  af_clean_space(&c);
  size_t len;
  char *s = af_clean_finish(&c, &len);
  assert_string_equal(s, "Hello world");
  assert_int_equal(len, 11);
  free(s);

  /* Full after max_chars: later feeds do nothing. */
  af_clean_init(&c, 3, 1024);
  assert_int_equal(af_clean_feed(&c, "abcdef", 6), 0);
  assert_true(c.full);
  assert_int_equal(af_clean_feed(&c, "xyz", 3), 0);
  s = af_clean_finish(&c, NULL);
  assert_string_equal(s, "abc");
  free(s);

  /* The byte ceiling cuts on a character too. */
  af_clean_init(&c, 0, 4);
  assert_int_equal(af_clean_feed(&c, "a\xE2\x82\xAC\xE2\x82\xAC", 7), 0);
  assert_true(c.full);
  s = af_clean_finish(&c, &len);
  assert_string_equal(s, "a\xE2\x82\xAC");
  free(s);

  /* Nothing fed: an empty string, not NULL. */
  af_clean_init(&c, 10, 100);
  s = af_clean_finish(&c, &len);
  assert_string_equal(s, "");
  assert_int_equal(len, 0);
  free(s);
  af_clean_free(&c);
}

/* Every byte string of length 1 and 2, and a sample of length 3 and 4:
 * the output is valid UTF-8 without control bytes. */
static void clean_exhaustive_short(void **state)
{
  (void)state;
  unsigned char in[4];
  for (unsigned n = 1; n <= 4; n++) {
    unsigned long total = n <= 2 ? 1ul << (8 * n) : 200000;
    uint32_t x = 12345;
    for (unsigned long i = 0; i < total; i++) {
      for (unsigned k = 0; k < n; k++) {
        if (n <= 2) {
          in[k] = (unsigned char)(i >> (8 * k));
        }
        else {
          x = x * 1103515245u + 12345u;
          in[k] = (unsigned char)(x >> 16);
        }
      }
      char *s = af_text_clean((const char *)in, n, 0);
      assert_non_null(s);
      size_t len = strlen(s);
      assert_true(af_utf8_valid(s, len));
      for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)s[k];
        assert_true(c >= 0x20 && c != 0x7F);
      }
      free(s);
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(repair_valid_is_unchanged),
      cmocka_unit_test(repair_every_invalid_class),
      cmocka_unit_test(valid_prefix_and_tail),
      cmocka_unit_test(clean_strips_controls),
      cmocka_unit_test(clean_collapses_white_space),
      cmocka_unit_test(clean_repairs_utf8),
      cmocka_unit_test(clean_cuts_on_characters),
      cmocka_unit_test(clean_streaming),
      cmocka_unit_test(clean_exhaustive_short),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
