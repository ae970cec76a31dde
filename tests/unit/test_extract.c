/* Unit tests for extract.c: HTML detection, title and snippet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extract.h"
#include "text.h"

/* Extracts from a NUL-terminated page and compares; want_* NULL means the
 * field must be NULL. */
static void check(const char *html, const char *ct, size_t snippet_len,
                  const char *want_title, const char *want_snippet)
{
  af_extract_t x;
  assert_int_equal(af_extract(html, strlen(html), ct, snippet_len, &x), 0);
  if (want_title)
    assert_string_equal(x.title ? x.title : "(null)", want_title);
  else
    assert_null(x.title);
  if (want_snippet)
    assert_string_equal(x.snippet ? x.snippet : "(null)", want_snippet);
  else
    assert_null(x.snippet);
  af_extract_free(&x);
  af_extract_free(&x); /* safe twice: the pointers were reset */
}

static void title_from_title(void **state)
{
  (void)state;
  check("<html><head><title>  Hello\n\t World  </title></head>"
        "<body><h1>Heading</h1><p>Body text.</p></body></html>",
        "text/html", 160, "Hello World", "Heading Body text.");
  /* Only the first <title> counts, even if empty. */
  check("<title>One</title><title>Two</title><p>x", "text/html", 160, "One",
        "x");
  /* An SVG <title> is not the page title. */
  check("<body><svg><title>icon</title></svg><h1>Real</h1>", "text/html", 160,
        "Real", "Real");
}

/* The head alone is parsed when it holds the <title> and the meta
 * description; otherwise the whole page, with the same answers. */
static void head_first(void **state)
{
  (void)state;
  af_extract_t x;
  char page[8192];
  char filler[4096];
  memset(filler, 0, sizeof filler);
  for (size_t i = 0; i + 11 < sizeof filler; i += 11)
    memcpy(filler + i, "<p>word</p>", 11);
  filler[sizeof filler - 1] = '\0';

  snprintf(page, sizeof page,
           "<html><head><title>T</title><meta name=description content=D>"
           "</head><body><h1>H</h1>%s</body></html>",
           filler);
  assert_int_equal(af_extract(page, strlen(page), "text/html", 160, &x), 0);
  assert_string_equal(x.title, "T");
  assert_string_equal(x.snippet, "D");
  assert_true(x.parsed < 100); /* the head only */
  af_extract_free(&x);

  /* No description: the snippet is body text, so the whole page is read. */
  snprintf(page, sizeof page,
           "<html><head><title>T</title></head><body><h1>H</h1>%s</body>",
           filler);
  assert_int_equal(af_extract(page, strlen(page), "text/html", 160, &x), 0);
  assert_string_equal(x.title, "T");
  assert_non_null(x.snippet);
  assert_memory_equal(x.snippet, "H word word", 11);
  assert_true(x.parsed >= strlen(page));
  af_extract_free(&x);

  /* A "</head" inside a script before the title: the head-only parse is
   * not sure, the whole page gives the real answers. */
  check("<head><script>var s = '</head>';</script><title>Real</title>"
        "<meta name=description content=Desc></head><body>b",
        "text/html", 160, "Real", "Desc");
  /* Title only in the body (h1), description in the head. */
  check("<head><meta name=description content=Desc></head><body><h1>H1</h1>",
        "text/html", 160, "H1", "Desc");
  /* og:title in the head does not outrank a later <title>. */
  check("<head><meta property=og:title content=OG></head><title>Late</title>",
        "text/html", 160, "Late", NULL);
}

static void title_falls_back(void **state)
{
  (void)state;
  check("<head><meta property=\"og:title\" content=\" OG  title \">"
        "</head><body><h1>H1</h1></body>",
        "text/html", 160, "OG title", "H1");
  check("<title> \n </title><meta property='OG:Title' content='og'>",
        "text/html", 160, "og", NULL);
  check("<body><h1><img src=logo.png></h1><div><h1>Second <b>h1</b></h1>",
        "text/html", 160, "Second h1", "Second h1");
  check("<body><p>no title here</p>", "text/html", 160, NULL, "no title here");
  check("", "text/html", 160, NULL, NULL);
}

static void snippet_from_description(void **state)
{
  (void)state;
  check("<title>T</title><meta name=\"Description\" content=\"The  "
        "description.\"><p>Body</p>",
        "text/html", 160, "T", "The description.");
  check("<meta name=description content=\"abcdefghij\"><p>Body</p>",
        "text/html", 4, NULL, "abcd");
  /* An empty description falls back to the body text. */
  check("<meta name=description content=\"  \"><p>Body</p>", "text/html", 160,
        NULL, "Body");
}

static void snippet_is_visible_text_only(void **state)
{
  (void)state;
  check("<html><head><title>T</title><style>p{}</style>"
        "<script>var s = '<p>no</p>';</script></head><body>"
        "<script>document.write('no')</script>"
        "<noscript>Enable JS</noscript>"
        "<template><p>tpl</p></template>"
        "<style>.x{}</style>"
        "<div hidden>secret</div>"
        "<iframe>frame</iframe>"
        "<!-- comment -->"
        "<svg><text>svg text</text></svg>"
        "<p>Visible</p> <span>text</span></body></html>",
        "text/html", 160, "T", "Visible text");
  /* Blocks separate words, inline elements do not. */
  check("<p>Hel<b>lo</b></p><p>wor<span>ld</span></p><ul><li>a</li>"
        "<li>b</li></ul>x<br>y",
        "text/html", 160, NULL, "Hello world a b x y");
  /* Text in <head> is not body text. */
  check("<head><title>T</title></head><body></body>", "text/html", 160, "T",
        NULL);
}

static void entities_are_decoded(void **state)
{
  (void)state;
  check("<title>A &amp; B &eacute; &#x263A; &#9731; &lt;tag&gt;</title>"
        "<p>caf&eacute;&nbsp;&nbsp;&nbsp;au lait &quot;x&quot;",
        "text/html", 160, "A & B \xC3\xA9 \xE2\x98\xBA \xE2\x98\x83 <tag>",
        "caf\xC3\xA9 au lait \"x\"");
  check("<meta name=description content=\"a &amp; b &#0; c\">", "text/html",
        160, NULL, "a & b \xEF\xBF\xBD c");
}

static void controls_never_reach_output(void **state)
{
  (void)state;
  /* gumbo reads raw C0 controls in the source as U+FFFD; controls that
   * come from character references are ours to strip. */
  check("<title>\x1B[31mred\x07 \xE2\x80\xAE"
        "evil</title>"
        "<p>a&#x1b;[2Jb &#x202E;c\r\nd&#x9b;e&#7;",
        "text/html", 160, "\xEF\xBF\xBD[31mred\xEF\xBF\xBD evil",
        "a[2Jb c d\xE2\x80\xBA"
        "e");
  /* Invalid UTF-8 in the page becomes U+FFFD. */
  check("<title>caf\xE9 ok</title>", "text/html; charset=utf-8", 160,
        "caf\xEF\xBF\xBD ok", NULL);
}

static void snippet_len_cut(void **state)
{
  (void)state;
  check("<p>hello world</p>", "text/html", 5, NULL, "hello");
  check("<p>hello world</p>", "text/html", 6, NULL, "hello");
  check("<p>\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E</p>", "text/html", 2, NULL,
        "\xE6\x97\xA5\xE6\x9C\xAC");
  check("<p>a</p><p>b</p><p>c</p>", "text/html", 3, NULL, "a b");
  /* snippet_len 0: no snippet at all. */
  check("<title>T</title><p>text</p>", "text/html", 0, "T", NULL);
}

static void title_is_capped(void **state)
{
  (void)state;
  char html[4096];
  int n = snprintf(html, sizeof html, "<title>");
  for (int i = 0; i < 500; i++)
    html[n++] = (char)('a' + i % 26);
  snprintf(html + n, sizeof html - (size_t)n, "</title>");
  af_extract_t x;
  assert_int_equal(af_extract(html, strlen(html), NULL, 160, &x), 0);
  assert_non_null(x.title);
  assert_int_equal(strlen(x.title), AF_EXTRACT_TITLE_MAX);
  af_extract_free(&x);
}

static void charsets_are_decoded(void **state)
{
  (void)state;
  /* Shift_JIS by header, EUC-KR by <meta>, windows-1252 by default. */
  check("<title>\x93\xfa\x96\x7b\x8c\xea\x82\xcc\x83\x5e\x83\x43\x83\x67"
        "\x83\x8b</title>",
        "text/html; charset=shift_jis", 160,
        "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x82\xBF\xE3\x82"
        "\xA4\xE3\x83\x88\xE3\x83\xAB",
        NULL);
  check("<meta charset=\"euc-kr\"><title>\xc7\xd1\xb1\xb9\xbe\xee "
        "\xc1\xa6\xb8\xf1</title>",
        "text/html", 160,
        "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 \xEC\xA0\x9C\xEB\xAA\xA9", NULL);
  check("<title>Caf\xe9 \x96 \x93quoted\x94 \x80!</title>", NULL, 160,
        "Caf\xC3\xA9 \xE2\x80\x93 \xE2\x80\x9Cquoted\xE2\x80\x9D \xE2\x82\xAC!",
        NULL);
}

/* Builds "<title>Deep</title>" followed by n copies of tag. */
static char *nested(const char *tag, size_t n, size_t *len)
{
  size_t tl = strlen(tag);
  char *s = malloc(32 + n * tl);
  assert_non_null(s);
  size_t k = (size_t)sprintf(s, "<title>Deep</title>");
  for (size_t i = 0; i < n; i++) {
    memcpy(s + k, tag, tl);
    k += tl;
  }
  s[k] = '\0';
  *len = k;
  return s;
}

static void hostile_nesting_completes(void **state)
{
  (void)state;
  static const char *const tags[] = {"<span>", "<div>", "<b x=1><p>y",
                                     "<font><div>", "<table><td>"};
  for (size_t t = 0; t < sizeof tags / sizeof tags[0]; t++) {
    size_t len;
    char *s = nested(tags[t], 30000, &len);
    af_extract_t x;
    assert_int_equal(af_extract(s, len, "text/html", 160, &x), 0);
    assert_non_null(x.title);
    assert_string_equal(x.title, "Deep");
    af_extract_free(&x);
    free(s);
  }
}

static void hostile_attributes_complete(void **state)
{
  (void)state;
  /* One tag with 60,000 distinct attributes: gumbo compares each new one
   * with all before it. The CPU limit stops that; the retry on a small
   * prefix still finds the title. */
  size_t n = 60000;
  char *s = malloc(64 + n * 8);
  assert_non_null(s);
  size_t k = (size_t)sprintf(s, "<title>Attrs</title><a ");
  for (size_t i = 0; i < n; i++)
    k += (size_t)sprintf(s + k, "a%zu ", i);
  af_extract_t x;
  assert_int_equal(af_extract(s, k, "text/html", 160, &x), 0);
  assert_non_null(x.title);
  assert_string_equal(x.title, "Attrs");
  af_extract_free(&x);
  free(s);
}

static void limits_stop_the_parse(void **state)
{
  (void)state;
  af_extract_limits_t lim;
  af_extract_limits_init(&lim);
  assert_int_equal(lim.prefix_max, AF_EXTRACT_PREFIX_MAX);
  assert_int_equal(lim.tag_budget, AF_EXTRACT_TAG_BUDGET);
  const char *page = "<title>T</title><p>text</p>";
  af_extract_t x;

  /* Too little memory for any parse: no title, no crash, no leak. */
  lim.mem_max = 64;
  assert_int_equal(af_extract_ex(page, strlen(page), NULL, 160, &lim, &x), 0);
  assert_null(x.title);
  assert_null(x.snippet);

  /* The tag budget cuts before the third start tag. */
  af_extract_limits_init(&lim);
  lim.tag_budget = 2;
  const char *three = "<title>T</title><p>one</p><p>two</p>";
  assert_int_equal(af_extract_ex(three, strlen(three), NULL, 160, &lim, &x), 0);
  assert_string_equal(x.title, "T");
  assert_string_equal(x.snippet, "one");
  af_extract_free(&x);

  /* The byte cap cuts before a '<'. */
  af_extract_limits_init(&lim);
  lim.prefix_max = 20;
  assert_int_equal(af_extract_ex(three, strlen(three), NULL, 160, &lim, &x), 0);
  assert_string_equal(x.title, "T");
  assert_null(x.snippet); /* "<p>one" is cut before its "<p>" */
  af_extract_free(&x);
}

static void odd_inputs(void **state)
{
  (void)state;
  af_extract_t x;
  assert_int_equal(af_extract(NULL, 0, NULL, 160, &x), 0);
  assert_null(x.title);
  assert_null(x.snippet);
  assert_int_equal(af_extract("\0\0\0<title>\0x</title>", 20, NULL, 160, &x),
                   0);
  if (x.title)
    assert_true(af_utf8_valid(x.title, strlen(x.title)));
  af_extract_free(&x);
  af_extract_free(NULL);
  /* Text only, no tags at all. */
  check("just some text", "text/html", 160, NULL, "just some text");
}

static void is_html(void **state)
{
  (void)state;
  assert_true(af_is_html("text/html", "", 0));
  assert_true(af_is_html("text/html; charset=utf-8", NULL, 0));
  assert_true(af_is_html("  TEXT/HTML ;charset=x", NULL, 0));
  assert_true(af_is_html("application/xhtml+xml", NULL, 0));
  assert_false(af_is_html("text/plain", "<html>", 6));
  assert_false(af_is_html("application/json", "{}", 2));
  assert_false(af_is_html("image/png", "\x89PNG", 4));
  assert_false(af_is_html("text/htmlx", NULL, 0));
  /* Missing or "unknown" types are sniffed. */
  const char *yes[] = {
      "<!DOCTYPE html><html>",
      "\xEF\xBB\xBF  <html>",
      "\n\t <HEAD>",
      "<title>x</title>",
      "<!-- c -->",
      "<p>hi",
      "<div class=a>",
      "<BODY>",
      "<br/>",
      "<a href=x>",
      "<script>",
      "<meta charset=utf-8>",
  };
  for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
    assert_true(af_is_html(NULL, yes[i], strlen(yes[i])));
    assert_true(af_is_html("", yes[i], strlen(yes[i])));
    assert_true(af_is_html("unknown/unknown", yes[i], strlen(yes[i])));
  }
  const char *no[] = {
      "",          "hello <html>", "<?xml version='1.0'?>",
      "{\"a\":1}", "<pa>",         "<html",
      "<",         "%PDF-1.4",
  };
  for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
    assert_false(af_is_html(NULL, no[i], strlen(no[i])));
  assert_false(af_is_html(NULL, NULL, 0));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(title_from_title),
      cmocka_unit_test(title_falls_back),
      cmocka_unit_test(head_first),
      cmocka_unit_test(snippet_from_description),
      cmocka_unit_test(snippet_is_visible_text_only),
      cmocka_unit_test(entities_are_decoded),
      cmocka_unit_test(controls_never_reach_output),
      cmocka_unit_test(snippet_len_cut),
      cmocka_unit_test(title_is_capped),
      cmocka_unit_test(charsets_are_decoded),
      cmocka_unit_test(hostile_nesting_completes),
      cmocka_unit_test(hostile_attributes_complete),
      cmocka_unit_test(limits_stop_the_parse),
      cmocka_unit_test(odd_inputs),
      cmocka_unit_test(is_html),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
