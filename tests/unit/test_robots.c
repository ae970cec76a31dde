/* robots.txt: the examples of RFC 9309 and of Google's robots.txt
 * documentation, group selection, normalisation, Crawl-delay, the meaning
 * of the fetch status, and bounds on work and input size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "robots.h"

/* 1 allowed, 0 disallowed: body parsed for agent, then path checked. */
static int allowed(const char *body, const char *agent, const char *path)
{
  af_robots_t *r = af_robots_parse(body, strlen(body), agent);
  assert_non_null(r);
  int v = af_robots_allowed(r, path);
  af_robots_free(r);
  return v;
}

static double delay_of(const char *body, const char *agent)
{
  af_robots_t *r = af_robots_parse(body, strlen(body), agent);
  assert_non_null(r);
  double d = af_robots_crawl_delay(r);
  af_robots_free(r);
  return d;
}

/* RFC 9309 §5.1. */
static void test_rfc_simple(void **state)
{
  (void)state;
  const char *b = "User-Agent: *\n"
                  "Disallow: *.gif$\n"
                  "Disallow: /example/\n"
                  "Allow: /publications/\n"
                  "\n"
                  "User-Agent: foobot\n"
                  "Disallow:/\n"
                  "Allow:/example/page.html\n"
                  "Allow:/example/allowed.gif\n"
                  "\n"
                  "User-Agent: barbot\n"
                  "User-Agent: bazbot\n"
                  "Disallow: /example/page.html\n"
                  "\n"
                  "User-Agent: quxbot\n";
  assert_int_equal(allowed(b, "foobot", "/example/page.html"), 1);
  assert_int_equal(allowed(b, "foobot", "/example/allowed.gif"), 1);
  assert_int_equal(allowed(b, "foobot", "/"), 0);
  assert_int_equal(allowed(b, "foobot", "/publications/"), 0);
  assert_int_equal(allowed(b, "barbot", "/example/page.html"), 0);
  assert_int_equal(allowed(b, "bazbot", "/example/page.html"), 0);
  assert_int_equal(allowed(b, "barbot", "/example/other.gif"), 1);
  assert_int_equal(allowed(b, "bazbot", "/"), 1);
  /* An empty group that names us: everything, no fallback to "*". */
  assert_int_equal(allowed(b, "quxbot", "/example/x.gif"), 1);
  assert_int_equal(allowed(b, "quxbot", "/example/"), 1);
  /* Everyone else gets the "*" group. */
  assert_int_equal(allowed(b, "otherbot", "/a/b.gif"), 0);
  assert_int_equal(allowed(b, "otherbot", "/a/b.gif?x"), 1);
  assert_int_equal(allowed(b, "otherbot", "/example/"), 0);
  assert_int_equal(allowed(b, "otherbot", "/example/page.html"), 0);
  assert_int_equal(allowed(b, "otherbot", "/publications/"), 1);
  assert_int_equal(allowed(b, "otherbot", "/"), 1);
}

/* RFC 9309 §5.2. */
static void test_rfc_longest_match(void **state)
{
  (void)state;
  const char *b = "User-Agent: foobot\n"
                  "Allow: /example/page/\n"
                  "Disallow: /example/page/disallowed.gif\n";
  assert_int_equal(allowed(b, "foobot", "/example/page/"), 1);
  assert_int_equal(allowed(b, "foobot", "/example/page/ok.gif"), 1);
  assert_int_equal(allowed(b, "foobot", "/example/page/disallowed.gif"), 0);
}

typedef struct {
  const char *path;
  int match;
} case_t;

/* Each path must (match = 1) or must not (0) be caught by Disallow: pat. */
static void check_table(const char *pat, const case_t *c, size_t n)
{
  char body[256];
  snprintf(body, sizeof(body), "User-agent: *\nDisallow: %s\n", pat);
  for (size_t i = 0; i < n; i++) {
    int got = allowed(body, "afetch", c[i].path);
    if (got != !c[i].match)
      fail_msg("pattern %s, path %s: allowed=%d", pat, c[i].path, got);
  }
}

#define TABLE(pat, ...)                                                        \
  do {                                                                         \
    const case_t t_[] = {__VA_ARGS__};                                         \
    check_table(pat, t_, sizeof(t_) / sizeof(t_[0]));                          \
  } while (0)

/* The path matching table of Google's robots.txt documentation. */
static void test_google_table(void **state)
{
  (void)state;
  TABLE("/", {"/", 1}, {"/anything", 1}, {"/a/b?c", 1});
  TABLE("/*", {"/", 1}, {"/anything", 1});
  TABLE("/$", {"/", 1}, {"/x", 0}, {"/?q", 0});
  TABLE("/fish", {"/fish", 1}, {"/fish.html", 1}, {"/fish/salmon.html", 1},
        {"/fishheads", 1}, {"/fishheads/yummy.html", 1},
        {"/fish.php?id=anything", 1}, {"/Fish.asp", 0}, {"/catfish", 0},
        {"/?id=fish", 0}, {"/desert/fish", 0});
  TABLE("/fish*", {"/fish", 1}, {"/fish.html", 1}, {"/fish/salmon.html", 1},
        {"/fishheads", 1}, {"/fishheads/yummy.html", 1},
        {"/fish.php?id=anything", 1}, {"/Fish.asp", 0}, {"/catfish", 0},
        {"/?id=fish", 0}, {"/desert/fish", 0});
  TABLE("/fish/", {"/fish/", 1}, {"/fish/?id=anything", 1},
        {"/fish/salmon.htm", 1}, {"/fish", 0}, {"/fish.html", 0},
        {"/animals/fish/", 0}, {"/Fish/Salmon.asp", 0});
  TABLE("/*.php", {"/index.php", 1}, {"/filename.php", 1},
        {"/folder/filename.php", 1}, {"/folder/filename.php?parameters", 1},
        {"/folder/any.php.file.html", 1}, {"/filename.php/", 1}, {"/", 0},
        {"/windows.PHP", 0});
  TABLE("/*.php$", {"/filename.php", 1}, {"/folder/filename.php", 1},
        {"/filename.php?parameters", 0}, {"/filename.php/", 0},
        {"/filename.php5", 0}, {"/windows.PHP", 0});
  TABLE("/fish*.php", {"/fish.php", 1},
        {"/fishheads/catfish.php?parameters", 1}, {"/Fish.PHP", 0});
}

/* Google's "order of precedence for rules" examples, and the tie rule. */
static void test_precedence(void **state)
{
  (void)state;
  assert_int_equal(
      allowed("User-agent: *\nAllow: /p\nDisallow: /\n", "a", "/page"), 1);
  assert_int_equal(allowed("User-agent: *\nAllow: /folder\nDisallow: /folder\n",
                           "a", "/folder/page"),
                   1);
  /* Order in the file does not matter for a tie. */
  assert_int_equal(allowed("User-agent: *\nDisallow: /folder\nAllow: /folder\n",
                           "a", "/folder/page"),
                   1);
  assert_int_equal(allowed("User-agent: *\nAllow: /page\nDisallow: /*.htm\n",
                           "a", "/page.htm"),
                   0);
  const char *root = "User-agent: *\nAllow: /$\nDisallow: /\n";
  assert_int_equal(allowed(root, "a", "/"), 1);
  assert_int_equal(allowed(root, "a", "/page.htm"), 0);
  /* Longest pattern, not first in the file. */
  assert_int_equal(
      allowed("User-agent: *\nDisallow: /a\nAllow: /a/b\nDisallow: /a/b/c\n",
              "a", "/a/b/x"),
      1);
  assert_int_equal(
      allowed("User-agent: *\nDisallow: /a\nAllow: /a/b\nDisallow: /a/b/c\n",
              "a", "/a/b/c/d"),
      0);
  /* '*' and '$' count in the length, as in Google's matcher: the
   * Disallow (7 octets) beats "/page." (6). */
  assert_int_equal(allowed("User-agent: *\nAllow: /page.\nDisallow: /*.htm$\n",
                           "a", "/page.htm"),
                   0);
}

static void test_empty_disallow(void **state)
{
  (void)state;
  assert_int_equal(allowed("User-agent: *\nDisallow:\n", "a", "/x"), 1);
  assert_int_equal(allowed("User-agent: *\nDisallow:   # none\n", "a", "/"), 1);
  /* Empty rules keep no state: the group still ends at them. */
  af_robots_t *r = af_robots_parse("User-agent: *\nDisallow:\n", 24, "a");
  assert_non_null(r);
  assert_int_equal(af_robots_rule_count(r), 0);
  af_robots_free(r);
  assert_int_equal(allowed("", "a", "/x"), 1);
  assert_int_equal(allowed("garbage without colons\n\n", "a", "/x"), 1);
}

static void test_groups(void **state)
{
  (void)state;
  /* Groups naming us are merged, wherever they are in the file. */
  const char *merged = "User-agent: afetch\nDisallow: /a\n"
                       "User-agent: other\nDisallow: /b\n"
                       "User-agent: AFETCH\nDisallow: /c\n";
  assert_int_equal(allowed(merged, "afetch", "/a"), 0);
  assert_int_equal(allowed(merged, "afetch", "/b"), 1);
  assert_int_equal(allowed(merged, "afetch", "/c"), 0);
  /* Product token: our agent string and the file's value are cut at the
   * first character outside [A-Za-z_-], and compared case-insensitively. */
  assert_int_equal(allowed(merged, "AFetch/0.4 (+https://x)", "/c"), 0);
  assert_int_equal(
      allowed("User-agent: afetch/2.0\nDisallow: /\n", "afetch", "/x"), 0);
  /* A longer token is another robot. */
  const char *news = "User-agent: afetch-news\nDisallow: /\n"
                     "User-agent: *\nDisallow: /star\n";
  assert_int_equal(allowed(news, "afetch", "/x"), 1);
  assert_int_equal(allowed(news, "afetch", "/star"), 0);
  assert_int_equal(allowed(news, "afetch-news", "/x"), 0);
  /* "*" groups merge too, and are ignored once a group names us. */
  const char *stars = "User-agent: *\nDisallow: /s1\n"
                      "User-agent: afetch\nDisallow: /mine\n"
                      "User-agent: *\nDisallow: /s2\n";
  assert_int_equal(allowed(stars, "afetch", "/s1"), 1);
  assert_int_equal(allowed(stars, "afetch", "/s2"), 1);
  assert_int_equal(allowed(stars, "afetch", "/mine"), 0);
  assert_int_equal(allowed(stars, "bot", "/s1"), 0);
  assert_int_equal(allowed(stars, "bot", "/s2"), 0);
  assert_int_equal(allowed(stars, "bot", "/mine"), 1);
  /* Consecutive agent lines share the group, blank lines included. */
  const char *shared = "User-agent: a\n\nUser-agent: afetch\nUser-agent: b\n"
                       "Disallow: /shared\n";
  assert_int_equal(allowed(shared, "afetch", "/shared"), 0);
  assert_int_equal(allowed(shared, "a", "/shared"), 0);
  assert_int_equal(allowed(shared, "b", "/shared"), 0);
  /* Unknown lines (Sitemap) do not end the list of agents. */
  assert_int_equal(allowed("User-agent: x\nSitemap: http://h/s.xml\n"
                           "User-agent: afetch\nDisallow: /p\n",
                           "x", "/p"),
                   0);
  /* Rules before any User-agent belong to no group. */
  assert_int_equal(
      allowed("Disallow: /\nUser-agent: *\nDisallow: /q\n", "afetch", "/x"), 1);
  /* "* anything" is still the "*" group (as Google reads it). */
  assert_int_equal(
      allowed("User-agent: * # all\nDisallow: /x\n", "afetch", "/x"), 0);
  assert_int_equal(
      allowed("User-agent: * bots\nDisallow: /x\n", "afetch", "/x"), 0);
  /* No group for us and no "*" group: everything is allowed. */
  assert_int_equal(allowed("User-agent: other\nDisallow: /\n", "afetch", "/"),
                   1);
  /* Without an agent only "*" applies; an agent with no token likewise. */
  assert_int_equal(allowed("User-agent: *\nDisallow: /\n", NULL, "/"), 0);
  assert_int_equal(allowed("User-agent: afetch\nDisallow: /\n", "/weird", "/"),
                   1);
}

static void test_wildcards(void **state)
{
  (void)state;
  /* '$' is special only at the end. */
  TABLE("/a$b", {"/a$b", 1}, {"/a$bc", 1}, {"/ab", 0});
  TABLE("/a$$", {"/a$", 1}, {"/a$x", 0}, {"/a", 0});
  TABLE("*.gif$", {"/x.gif", 1}, {"/x.gif?x", 0}, {"/.gif", 1});
  TABLE("/a*b*c", {"/abc", 1}, {"/axxbyyc", 1}, {"/axxbyy", 0}, {"/acb", 0},
        {"/abcz", 1});
  TABLE("/a*b*c$", {"/abc", 1}, {"/abcz", 0}, {"/abcc", 1}, {"/abcbc", 1});
  TABLE("/a**b", {"/ab", 1}, {"/a/x/b", 1}, {"/ba", 0});
  TABLE("/a*$", {"/a", 1}, {"/anything", 1}, {"/b", 0});
  TABLE("*", {"/", 1}, {"/x", 1});
  TABLE("/x/*/y", {"/x/1/y", 1}, {"/x//y", 1}, {"/x/y", 0});
  /* A piece whose best start is not its first occurrence (KMP). */
  TABLE("/*aab$", {"/aaab", 1}, {"/abaab", 1}, {"/aaba", 0});
  /* Patterns without a leading '/' can only match through '*'. */
  TABLE("fish", {"/fish", 0}, {"fish", 0});
}

static void test_percent(void **state)
{
  (void)state;
  /* RFC 9309 §2.2.2's table: the path to match after normalisation. */
  TABLE("/foo/bar?baz=quz", {"/foo/bar?baz=quz", 1});
  TABLE("/foo/bar/ツ", {"/foo/bar/%E3%83%84", 1}, {"/foo/bar/ツ", 1},
        {"/foo/bar/%e3%83%84", 1});
  TABLE("/foo/bar/%E3%83%84", {"/foo/bar/ツ", 1}, {"/foo/bar/%E3%83%84", 1});
  TABLE("/foo/bar/%62%61%7A", {"/foo/bar/baz", 1});
  TABLE("/foo/bar/baz", {"/foo/bar/%62%61%7A", 1}, {"/foo/bar/%62%61%7a", 1});
  /* Reserved characters stay distinct from their encoding. */
  TABLE("/a%2Fb", {"/a/b", 0}, {"/a%2fb", 1}, {"/a%2Fb", 1});
  TABLE("/a/b", {"/a%2Fb", 0});
  TABLE("/a%2A", {"/a*", 0}, {"/a%2a", 1});
  /* Not an escape: kept as is. */
  /* A '%' that starts no escape is a literal '%'. */
  TABLE("/100%$", {"/100%", 1}, {"/100%25", 1}, {"/100%2", 0});
  TABLE("/%zz", {"/%zz", 1}, {"/%25zz", 1});
  /* Unreserved tilde and dash decode. */
  TABLE("/~user", {"/%7Euser", 1});
  TABLE("/a-b", {"/a%2db", 1});
  /* Space and controls are compared encoded. */
  TABLE("/a%20b", {"/a b", 1});
}

static void test_crawl_delay(void **state)
{
  (void)state;
  assert_true(delay_of("User-agent: *\nCrawl-delay: 10\n", "a") == 10.0);
  assert_true(delay_of("User-agent: *\nCrawl-delay: 0.5\n", "a") == 0.5);
  assert_true(delay_of("User-agent: *\ncrawl-DELAY: 2.25 # c\n", "a") == 2.25);
  assert_true(delay_of("User-agent: *\nCrawl-delay: .5\n", "a") == 0.5);
  assert_true(delay_of("User-agent: *\nCrawl-delay: 0\n", "a") == 0.0);
  /* Capped. */
  assert_true(delay_of("User-agent: *\nCrawl-delay: 86400\n", "a") ==
              AF_ROBOTS_MAX_DELAY);
  assert_true(delay_of("User-agent: *\nCrawl-delay: 99999999999999999999\n",
                       "a") == AF_ROBOTS_MAX_DELAY);
  /* Not numbers: ignored. */
  assert_true(delay_of("User-agent: *\nCrawl-delay: -1\n", "a") == -1);
  assert_true(delay_of("User-agent: *\nCrawl-delay: abc\n", "a") == -1);
  assert_true(delay_of("User-agent: *\nCrawl-delay: 1,5\n", "a") == -1);
  assert_true(delay_of("User-agent: *\nCrawl-delay: inf\n", "a") == -1);
  assert_true(delay_of("User-agent: *\nCrawl-delay:\n", "a") == -1);
  assert_true(delay_of("User-agent: *\nDisallow: /\n", "a") == -1);
  /* From the selected group only; merged groups give the largest. */
  const char *b = "User-agent: *\nCrawl-delay: 9\n"
                  "User-agent: afetch\nCrawl-delay: 1\n"
                  "User-agent: other\nCrawl-delay: 7\n"
                  "User-agent: afetch\nCrawl-delay: 3\n";
  assert_true(delay_of(b, "afetch") == 3.0);
  assert_true(delay_of(b, "other") == 7.0);
  assert_true(delay_of(b, "nobody") == 9.0);
  /* A Crawl-delay line ends the list of agents: the next User-agent line
   * starts a new group. */
  const char *sep = "User-agent: slow\nCrawl-delay: 5\n"
                    "User-agent: *\nDisallow: /private\n";
  assert_int_equal(allowed(sep, "slow", "/private"), 1);
  assert_true(delay_of(sep, "slow") == 5.0);
  assert_true(delay_of(sep, "afetch") == -1);
}

static void test_syntax(void **state)
{
  (void)state;
  /* BOM, CRLF, lone CR, comments, white space, case of keys. */
  const char *b = "\xEF\xBB\xBFuser-agent: *\r\nDISALLOW: /a # no\r"
                  "  Allow :  /a/ok  \n\tdisallow:/b#c\n";
  assert_int_equal(allowed(b, "x", "/a"), 0);
  assert_int_equal(allowed(b, "x", "/a/ok"), 1);
  assert_int_equal(allowed(b, "x", "/b"), 0);
  assert_int_equal(allowed(b, "x", "/c"), 1);
  /* Without the BOM skip the first key would be unknown. */
  assert_int_equal(
      allowed("\xEF\xBB\xBFUser-agent: *\nDisallow: /\n", "x", "/"), 0);
  /* Typos Google accepts, and prefix keys. */
  assert_int_equal(allowed("User agent: *\nDissallow: /t1\n", "x", "/t1"), 0);
  assert_int_equal(allowed("useragent: *\ndisalow: /t2\n", "x", "/t2"), 0);
  assert_int_equal(allowed("User-agents: *\nDisallowed: /t3\n", "x", "/t3"), 0);
  assert_int_equal(
      allowed("User-agent: *\nDiasllow: /t4\nDisallaw: /t5\n", "x", "/t5"), 0);
  /* A line without ':' is ignored (the whitespace form too). */
  assert_int_equal(allowed("User-agent: *\nDisallow /x\n", "x", "/x"), 1);
  /* A '#' inside the value ends it. */
  assert_int_equal(allowed("User-agent: *\nDisallow: /a#b\n", "x", "/a"), 0);
  /* NUL bytes in the body do not end it. */
  const char nul[] = "User-agent: *\nX: \0\nDisallow: /n\n";
  af_robots_t *r = af_robots_parse(nul, sizeof(nul) - 1, "x");
  assert_non_null(r);
  assert_int_equal(af_robots_allowed(r, "/n"), 0);
  af_robots_free(r);
}

static void test_paths(void **state)
{
  (void)state;
  const char *all = "User-agent: *\nDisallow: /\n";
  /* /robots.txt is always allowed. */
  assert_int_equal(allowed(all, "x", "/robots.txt"), 1);
  assert_int_equal(allowed(all, "x", "/robots.txt?v=1"), 1);
  assert_int_equal(allowed(all, "x", "/robots.txt2"), 0);
  /* The fragment is not part of the match; a missing '/' is supplied. */
  const char *q = "User-agent: *\nDisallow: /$\nDisallow: /?\n";
  assert_int_equal(allowed(q, "x", ""), 0);
  assert_int_equal(allowed(q, "x", "#frag"), 0);
  assert_int_equal(allowed(q, "x", "?q=1"), 0);
  assert_int_equal(allowed(q, "x", "/a#"), 1);
  assert_int_equal(allowed("User-agent: *\nDisallow: /a$\n", "x", "/a#x"), 0);
}

static void test_status(void **state)
{
  (void)state;
  assert_int_equal(af_robots_outcome(200, 0), AF_ROBOTS_RULES);
  assert_int_equal(af_robots_outcome(204, 0), AF_ROBOTS_RULES);
  assert_int_equal(af_robots_outcome(301, 0), AF_ROBOTS_ALLOW_ALL);
  assert_int_equal(af_robots_outcome(308, 0), AF_ROBOTS_ALLOW_ALL);
  assert_int_equal(af_robots_outcome(401, 0), AF_ROBOTS_ALLOW_ALL);
  assert_int_equal(af_robots_outcome(403, 0), AF_ROBOTS_ALLOW_ALL);
  assert_int_equal(af_robots_outcome(404, 0), AF_ROBOTS_ALLOW_ALL);
  assert_int_equal(af_robots_outcome(410, 0), AF_ROBOTS_ALLOW_ALL);
  assert_int_equal(af_robots_outcome(429, 0), AF_ROBOTS_DISALLOW_ALL);
  assert_int_equal(af_robots_outcome(500, 0), AF_ROBOTS_DISALLOW_ALL);
  assert_int_equal(af_robots_outcome(503, 0), AF_ROBOTS_DISALLOW_ALL);
  assert_int_equal(af_robots_outcome(599, 0), AF_ROBOTS_DISALLOW_ALL);
  assert_int_equal(af_robots_outcome(0, 0), AF_ROBOTS_DISALLOW_ALL);
  assert_int_equal(af_robots_outcome(100, 0), AF_ROBOTS_DISALLOW_ALL);
  assert_int_equal(af_robots_outcome(700, 0), AF_ROBOTS_DISALLOW_ALL);
  /* No HTTP answer at all: whatever status came with it. */
  assert_int_equal(af_robots_outcome(200, 1), AF_ROBOTS_DISALLOW_ALL);
  assert_int_equal(af_robots_outcome(404, 1), AF_ROBOTS_DISALLOW_ALL);
  assert_string_equal(af_robots_outcome_name(AF_ROBOTS_RULES), "rules");
  assert_string_equal(af_robots_outcome_name(AF_ROBOTS_ALLOW_ALL), "allow_all");
  assert_string_equal(af_robots_outcome_name(AF_ROBOTS_DISALLOW_ALL),
                      "disallow_all");

  af_robots_t *r = af_robots_from_status(404, 0);
  assert_non_null(r);
  assert_int_equal(af_robots_kind(r), AF_ROBOTS_ALLOW_ALL);
  assert_int_equal(af_robots_allowed(r, "/anything"), 1);
  assert_true(af_robots_crawl_delay(r) == -1);
  af_robots_free(r);
  r = af_robots_from_status(503, 0);
  assert_non_null(r);
  assert_int_equal(af_robots_kind(r), AF_ROBOTS_DISALLOW_ALL);
  assert_int_equal(af_robots_allowed(r, "/"), 0);
  assert_int_equal(af_robots_allowed(r, "/x"), 0);
  assert_int_equal(af_robots_allowed(r, "/robots.txt"), 1);
  af_robots_free(r);
  r = af_robots_from_status(0, 1);
  assert_non_null(r);
  assert_int_equal(af_robots_allowed(r, "/x"), 0);
  af_robots_free(r);
  /* A 2xx here is an empty file. */
  r = af_robots_from_status(200, 0);
  assert_non_null(r);
  assert_int_equal(af_robots_allowed(r, "/x"), 1);
  af_robots_free(r);
  r = af_robots_parse("", 0, "x");
  assert_non_null(r);
  assert_int_equal(af_robots_kind(r), AF_ROBOTS_RULES);
  af_robots_free(r);
  af_robots_free(NULL);
}

/* Builds "User-agent: *\nDisallow: " + pattern + "\n" in a fresh buffer. */
static char *one_rule(const char *pattern, size_t *len)
{
  size_t pn = strlen(pattern);
  char *b = malloc(pn + 64);
  assert_non_null(b);
  *len = (size_t)sprintf(b, "User-agent: *\nDisallow: %s\n", pattern);
  return b;
}

static char *repeat(const char *unit, size_t times, const char *tail)
{
  size_t un = strlen(unit);
  size_t tn = strlen(tail);
  char *s = malloc(un * times + tn + 1);
  assert_non_null(s);
  for (size_t i = 0; i < times; i++)
    memcpy(s + i * un, unit, un);
  memcpy(s + un * times, tail, tn + 1);
  return s;
}

/* Work for one path against one rule, in octet comparisons, must stay
 * linear in path + pattern: a backtracking matcher takes quadratic or
 * exponential time on these. */
static void check_work(const char *pattern, const char *path, int expect)
{
  size_t blen;
  char *body = one_rule(pattern, &blen);
  af_robots_t *r = af_robots_parse(body, blen, "x");
  assert_non_null(r);
  assert_int_equal(af_robots_rule_count(r), 1);
  size_t steps = 0;
  size_t n = strlen(path);
  assert_int_equal(af_robots_check(r, path, n, &steps), expect);
  size_t bound = 3 * (n + strlen(pattern)) + 16;
  if (steps > bound)
    fail_msg("pattern of %zu, path of %zu: %zu steps > %zu", strlen(pattern), n,
             steps, bound);
  af_robots_free(r);
  free(body);
}

static void test_hostile_patterns(void **state)
{
  (void)state;
  /* 10 000 stars then a letter the path lacks. */
  char *stars = repeat("*", 10000, "b");
  char *as = repeat("a", 16000, "");
  as[0] = '/';
  check_work(stars, as, 1);
  /* 5 000 pieces "*a" then "*b": each piece found at once, the last never. */
  char *pieces = repeat("*a", 5000, "*b");
  check_work(pieces, as, 1);
  /* The same, anchored, against a path that has the b at the end. */
  char *pieces_end = repeat("*a", 5000, "*b$");
  char *asb = repeat("a", 16000, "b");
  asb[0] = '/';
  check_work(pieces_end, asb, 0);
  /* A long near-miss piece: naive search would cost piece x path. */
  char *near = repeat("a", 5000, "b");
  char *nearpat = malloc(strlen(near) + 3);
  assert_non_null(nearpat);
  sprintf(nearpat, "/*%s", near);
  check_work(nearpat, as, 1);
  check_work(nearpat, asb, 0);
  free(stars);
  free(as);
  free(pieces);
  free(pieces_end);
  free(asb);
  free(near);
  free(nearpat);
}

/* Google's matcher (the set of path positions each pattern prefix can
 * reach), used as the reference for patterns over a, b, /, * and $ where
 * normalisation changes nothing. */
static int reference_match(const char *pat, const char *path)
{
  size_t n = strlen(path);
  size_t pn = strlen(pat);
  char reach[64];
  char next[64];
  assert_true(n < sizeof(reach));
  memset(reach, 0, sizeof(reach));
  reach[0] = 1;
  for (size_t k = 0; k < pn; k++) {
    if (pat[k] == '$' && k + 1 == pn)
      return reach[n];
    memset(next, 0, sizeof(next));
    if (pat[k] == '*') {
      size_t lo = 0;
      while (!reach[lo] && lo < n)
        lo++;
      if (reach[lo])
        for (size_t i = lo; i <= n; i++)
          next[i] = 1;
    }
    else {
      for (size_t i = 0; i < n; i++)
        if (reach[i] && path[i] == pat[k])
          next[i + 1] = 1;
    }
    int any = 0;
    for (size_t i = 0; i <= n; i++)
      any |= next[i];
    if (!any)
      return 0;
    memcpy(reach, next, sizeof(reach));
  }
  return 1;
}

static void test_against_reference(void **state)
{
  (void)state;
  static const char pat_chars[] = "ab/*$";
  static const char path_chars[] = "ab/$";
  uint64_t seed = 0x9E3779B97F4A7C15u;
  for (int iter = 0; iter < 20000; iter++) {
    char pat[12];
    char path[20];
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    size_t pn = 1 + seed % (sizeof(pat) - 1);
    size_t n = (seed >> 8) % (sizeof(path) - 1);
    uint64_t s = seed;
    for (size_t i = 0; i < pn; i++) {
      s = s * 6364136223846793005u + 1442695040888963407u;
      pat[i] = pat_chars[(s >> 33) % 5];
    }
    pat[pn] = '\0';
    path[0] = '/';
    for (size_t i = 1; i < n; i++) {
      s = s * 6364136223846793005u + 1442695040888963407u;
      path[i] = path_chars[(s >> 33) % 4];
    }
    path[n ? n : 1] = '\0';
    char body[64];
    snprintf(body, sizeof(body), "User-agent: *\nDisallow: %s\n", pat);
    int want = !reference_match(pat, path);
    if (strcmp(path, "/robots.txt") == 0)
      want = 1;
    int got = allowed(body, "x", path);
    if (got != want)
      fail_msg("pattern %s path %s: got %d want %d", pat, path, got, want);
  }
}

/* Builds a body of exactly total bytes: "User-agent: *\n", comment lines
 * as padding, then tail at the very end. */
static char *padded(size_t total, const char *tail)
{
  char *b = malloc(total + 1);
  assert_non_null(b);
  const char *head = "User-agent: *\n";
  size_t hn = strlen(head);
  size_t tn = strlen(tail);
  assert_true(total > hn + tn + 2);
  memcpy(b, head, hn);
  size_t pos = hn;
  size_t pad_end = total - tn;
  while (pos < pad_end) {
    size_t line = pad_end - pos > 80 ? 80 : pad_end - pos;
    memset(b + pos, '#', line);
    b[pos + line - 1] = '\n';
    pos += line;
  }
  memcpy(b + pad_end, tail, tn + 1);
  return b;
}

static void test_oversized(void **state)
{
  (void)state;
  /* A rule inside the cap applies. */
  char *in = padded(AF_ROBOTS_MAX_BODY, "Disallow: /in\n");
  af_robots_t *r = af_robots_parse(in, AF_ROBOTS_MAX_BODY, "x");
  assert_non_null(r);
  assert_int_equal(af_robots_allowed(r, "/in"), 0);
  af_robots_free(r);
  free(in);
  /* A rule past the cap does not. */
  size_t big = AF_ROBOTS_MAX_BODY + 100;
  char *past = padded(big, "Disallow: /past\n");
  r = af_robots_parse(past, big, "x");
  assert_non_null(r);
  assert_int_equal(af_robots_allowed(r, "/past"), 1);
  assert_int_equal(af_robots_rule_count(r), 0);
  af_robots_free(r);
  free(past);
  /* A rule cut by the cap is dropped, not shortened to "Allow: /" (which
   * would override the Disallow). */
  const char *tail = "Disallow: /private\nAllow: /private-but-this\n";
  size_t cut_at = strlen("Disallow: /private\nAllow: /");
  size_t total = AF_ROBOTS_MAX_BODY - cut_at + strlen(tail);
  char *cut = padded(total, tail);
  r = af_robots_parse(cut, total, "x");
  assert_non_null(r);
  assert_int_equal(af_robots_allowed(r, "/private/x"), 0);
  assert_int_equal(af_robots_rule_count(r), 1);
  af_robots_free(r);
  free(cut);
  /* A line longer than the line cap keeps its first AF_ROBOTS_MAX_LINE
   * bytes. */
  char *longpat = repeat("x", AF_ROBOTS_MAX_LINE * 2, "");
  longpat[0] = '/';
  size_t blen;
  char *body = one_rule(longpat, &blen);
  r = af_robots_parse(body, blen, "x");
  assert_non_null(r);
  size_t keep = AF_ROBOTS_MAX_LINE - strlen("Disallow: ");
  longpat[keep] = '\0';
  assert_int_equal(af_robots_allowed(r, longpat), 0);
  longpat[keep - 1] = '\0';
  assert_int_equal(af_robots_allowed(r, longpat), 1);
  af_robots_free(r);
  free(body);
  free(longpat);
}

/* af_robots_match names the rule that decided: the longest match, with
 * its '$'; none for an allowed path no rule matched. */
static void test_match_rule(void **state)
{
  (void)state;
  const char txt[] = "User-agent: *\nDisallow: /a\nDisallow: /a/*.pdf$\n"
                     "Allow: /a/ok\n";
  af_robots_t *r = af_robots_parse(txt, sizeof(txt) - 1, "afetch/1");
  assert_non_null(r);
  af_robots_rule_t w;
  assert_int_equal(af_robots_match(r, "/a/x.pdf", 8, &w), 0);
  assert_int_equal(w.len, 8);
  assert_memory_equal(w.pattern, "/a/*.pdf", 8);
  assert_true(w.anchored);
  assert_false(w.allow);
  assert_int_equal(af_robots_match(r, "/a/b", 4, &w), 0);
  assert_int_equal(w.len, 2);
  assert_false(w.anchored);
  assert_int_equal(af_robots_match(r, "/a/ok", 5, &w), 1);
  assert_true(w.allow);
  assert_int_equal(af_robots_match(r, "/b", 2, &w), 1);
  assert_null(w.pattern);
  af_robots_free(r);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc_simple),
      cmocka_unit_test(test_match_rule),
      cmocka_unit_test(test_rfc_longest_match),
      cmocka_unit_test(test_google_table),
      cmocka_unit_test(test_precedence),
      cmocka_unit_test(test_empty_disallow),
      cmocka_unit_test(test_groups),
      cmocka_unit_test(test_wildcards),
      cmocka_unit_test(test_percent),
      cmocka_unit_test(test_crawl_delay),
      cmocka_unit_test(test_syntax),
      cmocka_unit_test(test_paths),
      cmocka_unit_test(test_status),
      cmocka_unit_test(test_hostile_patterns),
      cmocka_unit_test(test_against_reference),
      cmocka_unit_test(test_oversized),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
