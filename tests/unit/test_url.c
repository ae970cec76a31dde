#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "text.h"
#include "url.h"

static int setup(void **state)
{
  (void)state;
  return curl_global_init(CURL_GLOBAL_ALL) == CURLE_OK ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  curl_global_cleanup();
  return 0;
}

/* Parses a NUL-terminated line; asserts the error kind. */
static afetch_errkind_t parse(const char *line, const char *scheme, af_url_t *u,
                              char *err, afetch_errkind_t want)
{
  afetch_errkind_t k = af_url_parse(line, strlen(line), scheme, u, err, 200);
  if (k != want)
    print_error("line '%s': kind %d, want %d (%s)\n", line, k, want, err);
  assert_int_equal(k, want);
  if (k == AFETCH_ERR_NONE) {
    assert_string_equal(err, "");
    assert_non_null(u->url);
    assert_non_null(u->display);
    assert_non_null(u->host);
    assert_non_null(u->hostkey);
    assert_int_equal(u->hash, afetch_host_hash(u->host, strlen(u->host)));
  }
  else {
    assert_true(strlen(err) > 0);
    assert_null(u->url);
    assert_null(u->host);
    assert_null(u->hostkey);
  }
  return k;
}

static void ok(const char *line, const char *scheme, const char *url,
               const char *hostkey)
{
  af_url_t u;
  char err[200];
  parse(line, scheme, &u, err, AFETCH_ERR_NONE);
  assert_string_equal(u.url, url);
  assert_string_equal(u.hostkey, hostkey);
  af_url_free(&u);
}

static void fails(const char *line, afetch_errkind_t kind, const char *msg)
{
  af_url_t u;
  char err[200];
  parse(line, "http", &u, err, kind);
  if (msg && !strstr(err, msg))
    print_error("line '%s': message '%s' lacks '%s'\n", line, err, msg);
  if (msg)
    assert_non_null(strstr(err, msg));
  af_url_free(&u);
}

static void test_default_scheme(void **state)
{
  (void)state;
  ok("example.com", "http", "http://example.com/", "example.com:80");
  ok("example.com/a?b=c", "https", "https://example.com/a?b=c",
     "example.com:443");
  ok("example.com", NULL, "http://example.com/", "example.com:80");
  ok("localhost:8080/x", "http", "http://localhost:8080/x", "localhost:8080");
  ok("//example.com/x", "https", "https://example.com/x", "example.com:443");
  /* Not guessed from the host name, unlike CURLU_GUESS_SCHEME. */
  ok("ftp.example.com/file", "http", "http://ftp.example.com/file",
     "ftp.example.com:80");
  /* A known scheme word followed by a port is a host name. */
  ok("ftp:2121/x", "http", "http://ftp:2121/x", "ftp:2121");
  ok("user:pw@example.com", "http", "http://user:pw@example.com/",
     "example.com:80");
}

static void test_scheme_case_and_ports(void **state)
{
  (void)state;
  ok("HTTP://Example.COM/x", "http", "http://Example.COM/x", "example.com:80");
  ok("HtTpS://X.y", "http", "https://X.y/", "x.y:443");
  ok("https://example.com:8443/", "http", "https://example.com:8443/",
     "example.com:8443");
  ok("http://example.com:65535/", "http", "http://example.com:65535/",
     "example.com:65535");
  ok("http://[::1]:8080/", "http", "http://[::1]:8080/", "[::1]:8080");
  ok("https://[2001:DB8::1]/", "http", "https://[2001:DB8::1]/",
     "[2001:db8::1]:443");

  af_url_t u;
  char err[200];
  parse("http://[::1]:8080/", "http", &u, err, AFETCH_ERR_NONE);
  assert_string_equal(u.host, "::1"); /* no brackets */
  af_url_free(&u);
}

static void test_refused_schemes(void **state)
{
  (void)state;
  static const char *const lines[] = {
      "ftp://example.com/",
      "FTP://example.com/",
      "file:///etc/passwd",
      "file:/etc/passwd",
      "gopher://x/",
      "dict://x:2628/d:w",
      "javascript:alert(1)",
      "data:text/html,hi",
      "mailto:a@b.c",
      "ldap://x/",
      "ws://x/",
      "foo+bar://x/",
      "scp://user@host/file",
  };
  for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
    fails(lines[i], AFETCH_ERR_SCHEME, "only http and https");
  fails("ftp://example.com/", AFETCH_ERR_SCHEME,
        "scheme 'ftp' is not allowed (only http and https)");
  fails("FILE:///x", AFETCH_ERR_SCHEME, "'file'");

  /* A default scheme other than http(s) is refused too. */
  af_url_t u;
  char err[200];
  parse("example.com", "ftp", &u, err, AFETCH_ERR_SCHEME);
  af_url_free(&u);
}

static void test_invalid(void **state)
{
  (void)state;
  fails("not a url", AFETCH_ERR_INVALID_URL, "invalid URL: ");
  fails("http://", AFETCH_ERR_INVALID_URL, "no host");
  fails("http:///", AFETCH_ERR_INVALID_URL, "no host");
  fails("http://user:pw@:80/", AFETCH_ERR_INVALID_URL, "no host");
  fails("http://host:0/", AFETCH_ERR_INVALID_URL, "bad port number");
  fails("http://[::1]:0/", AFETCH_ERR_INVALID_URL, "bad port number");
  fails("http://host:70000/", AFETCH_ERR_INVALID_URL, "bad port number");
  fails("http://host:99999999999/", AFETCH_ERR_INVALID_URL, "bad port number");
  fails("http://host:-1/", AFETCH_ERR_INVALID_URL, "bad port number");
  fails("http://[]/", AFETCH_ERR_INVALID_URL, "IPv6");
  fails("http:example.com", AFETCH_ERR_INVALID_URL, "invalid URL: ");
  fails("http://exa mple.com/", AFETCH_ERR_INVALID_URL, "host");
  fails("http://a\tb/", AFETCH_ERR_INVALID_URL, "contains a tab");
  fails("http://a/\x1b[31m", AFETCH_ERR_INVALID_URL, "control characters");
  fails("http://a/\x7f", AFETCH_ERR_INVALID_URL, "control characters");

  af_url_t u;
  char err[200];
  static const char nul[] = "http://a\0.evil.com/";
  afetch_errkind_t k =
      af_url_parse(nul, sizeof(nul) - 1, "http", &u, err, sizeof(err));
  assert_int_equal(k, AFETCH_ERR_INVALID_URL);
  assert_non_null(strstr(err, "NUL"));
  assert_non_null(u.display);
  assert_true(af_utf8_valid(u.display, strlen(u.display)));
  af_url_free(&u);

  /* Too long: over 64 KiB. */
  size_t n = 70000;
  char *big = malloc(n + 1);
  assert_non_null(big);
  memcpy(big, "http://x/", 9);
  memset(big + 9, 'a', n - 9);
  big[n] = '\0';
  fails(big, AFETCH_ERR_INVALID_URL, "64 KiB");
  /* 64 KiB without a scheme, over it once "http://" is added: refused. */
  big[7 + 65536] = '\0';
  fails(big + 7, AFETCH_ERR_INVALID_URL, "64 KiB");
  /* Exactly 64 KiB: accepted. */
  big[65536] = '\0';
  ok(big, "http", big, "x:80");
  free(big);

  /* A tiny error buffer is cut, not overrun. */
  char small[8];
  k = af_url_parse("ftp://x/", 8, "http", &u, small, sizeof(small));
  assert_int_equal(k, AFETCH_ERR_SCHEME);
  assert_int_equal(strlen(small), 7);
  af_url_free(&u);
  k = af_url_parse("ftp://x/", 8, "http", &u, NULL, 0);
  assert_int_equal(k, AFETCH_ERR_SCHEME);
  af_url_free(&u);
}

static void test_spaces(void **state)
{
  (void)state;
  ok("http://example.com/a b?c d#e f", "http",
     "http://example.com/a%20b?c%20d#e%20f", "example.com:80");
  ok("example.com/two  spaces", "http", "http://example.com/two%20%20spaces",
     "example.com:80");
}

static void test_redaction(void **state)
{
  (void)state;
  af_url_t u;
  char err[200];
  parse("http://user:secret@host/p", "http", &u, err, AFETCH_ERR_NONE);
  /* The request keeps the password; the display never shows it. */
  assert_string_equal(u.url, "http://user:secret@host/p");
  assert_string_equal(u.display, "http://user:***@host/p");
  af_url_free(&u);

  parse("http://:secret@host/", "http", &u, err, AFETCH_ERR_NONE);
  assert_null(strstr(u.display, "secret"));
  af_url_free(&u);

  parse("http://user@host/", "http", &u, err, AFETCH_ERR_NONE);
  assert_string_equal(u.display, "http://user@host/");
  af_url_free(&u);

  /* Failed lines are displayed without the password too. */
  static const char *const bad[] = {
      "http://user:secret@host:99999/",
      "ftp://user:secret@host/",
      "http://user:sec/ret@host/",
      "http://user:sec?ret@host/",
      "user:secret@host:0",
      "http://user:secret@exa mple/",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    afetch_errkind_t k =
        af_url_parse(bad[i], strlen(bad[i]), "http", &u, err, sizeof(err));
    assert_int_not_equal(k, AFETCH_ERR_NONE);
    assert_non_null(u.display);
    if (strstr(u.display, "secret") || strstr(u.display, "sec") ||
        strstr(err, "secret"))
      print_error("leak: '%s' -> '%s' / '%s'\n", bad[i], u.display, err);
    assert_null(strstr(u.display, "sec"));
    assert_null(strstr(err, "secret"));
    af_url_free(&u);
  }

  char *r = af_url_redact("https://bob:hunter2@example.com/x?y#z");
  assert_non_null(r);
  assert_string_equal(r, "https://bob:***@example.com/x?y#z");
  free(r);
  r = af_url_redact("http://example.com/kept/as/is");
  assert_string_equal(r, "http://example.com/kept/as/is");
  free(r);
  r = af_url_redact("not a url: a:b@c \x1b[0m");
  assert_non_null(r);
  assert_null(strstr(r, "\x1b"));
  assert_null(strstr(r, ":b@"));
  free(r);
  r = af_url_redact("http://u:pw@h:99999/\x01");
  assert_non_null(r);
  assert_null(strstr(r, "pw"));
  free(r);
  assert_null(af_url_redact(NULL));

  /* Raw text, e.g. the kept prefix of a line past max_line. */
  static const char cut[] = "http://user:secretsecretsecret";
  r = af_url_redact_raw(cut, sizeof(cut) - 1, 1, 0);
  assert_string_equal(r, "http://user:***");
  free(r);
  r = af_url_redact_raw(cut, sizeof(cut) - 1, 0, 0);
  assert_string_equal(r, cut); /* whole text: no '@', no password */
  free(r);
  r = af_url_redact_raw("http://u:pw@h/abcdef", 20, 1, 12);
  assert_string_equal(r, "http://u:***");
  free(r);
  r = af_url_redact_raw("example.com/path", 16, 1, 0);
  assert_string_equal(r, "example.com/path");
  free(r);
  r = af_url_redact_raw("a:b@c", 5, 0, 0);
  assert_string_equal(r, "a:***@c");
  free(r);
}

static void test_display_clean(void **state)
{
  (void)state;
  af_url_t u;
  char err[200];
  parse("http://example.com/\xff\xfe", "http", &u, err, AFETCH_ERR_NONE);
  assert_true(af_utf8_valid(u.display, strlen(u.display)));
  af_url_free(&u);
  /* Bidi override (U+202E) is accepted by libcurl in the path but never
   * reaches the display. */
  parse("http://example.com/\xe2\x80\xaetxt", "http", &u, err, AFETCH_ERR_NONE);
  assert_null(strstr(u.display, "\xe2\x80\xae"));
  af_url_free(&u);
}

/* A line with an international host name: the request and the host key
 * use punycode, the display keeps the name as written. */
static void idn(const char *line, const char *url, const char *display,
                const char *host, const char *hostkey)
{
  af_url_t u;
  char err[200];
  parse(line, "http", &u, err, AFETCH_ERR_NONE);
  assert_string_equal(u.url, url);
  assert_string_equal(u.display, display);
  assert_string_equal(u.host, host);
  assert_string_equal(u.hostkey, hostkey);
  assert_int_equal(u.hash, afetch_host_hash(host, strlen(host)));
  af_url_free(&u);
}

static void test_idn(void **state)
{
  (void)state;
  idn("https://\xe4\xbe\x8b\xe3\x81\x88.jp/", "https://xn--r8jz45g.jp/",
      "https://\xe4\xbe\x8b\xe3\x81\x88.jp/", "xn--r8jz45g.jp",
      "xn--r8jz45g.jp:443");
  /* No scheme, a port, a path and a query: only the host changes. */
  idn("\xe4\xbe\x8b\xe3\x81\x88.jp:8080/p?q=1",
      "http://xn--r8jz45g.jp:8080/p?q=1",
      "http://\xe4\xbe\x8b\xe3\x81\x88.jp:8080/p?q=1", "xn--r8jz45g.jp",
      "xn--r8jz45g.jp:8080");
  /* TR46 mapping lower-cases: the display keeps the capitals. */
  idn("http://B\xc3\x9c"
      "CHER.example/",
      "http://xn--bcher-kva.example/",
      "http://B\xc3\x9c"
      "CHER.example/",
      "xn--bcher-kva.example", "xn--bcher-kva.example:80");
  /* Non-transitional: sharp s is kept (IDNA 2008), not turned into "ss". */
  idn("http://fa\xc3\x9f.de/", "http://xn--fa-hia.de/", "http://fa\xc3\x9f.de/",
      "xn--fa-hia.de", "xn--fa-hia.de:80");
  /* The password goes to the request and never to the display. */
  idn("http://u:pw@\xe4\xbe\x8b\xe3\x81\x88.jp/", "http://u:pw@xn--r8jz45g.jp/",
      "http://u:***@\xe4\xbe\x8b\xe3\x81\x88.jp/", "xn--r8jz45g.jp",
      "xn--r8jz45g.jp:80");
  /* IDNA 2008 refuses a snowman; curl's transitional second try takes it,
   * and so do we. */
  idn("http://\xe2\x98\x83.net/", "http://xn--n3h.net/",
      "http://\xe2\x98\x83.net/", "xn--n3h.net", "xn--n3h.net:80");
  /* Already ASCII: kept as it is, only lower-cased for the key. */
  ok("http://XN--BCHER-KVA.example/", "http", "http://XN--BCHER-KVA.example/",
     "xn--bcher-kva.example:80");
  /* Shards and per-host keys agree on the name, however it was written. */
  af_url_t a;
  af_url_t b;
  char err[200];
  parse("http://\xe4\xbe\x8b\xe3\x81\x88.jp/x", "http", &a, err,
        AFETCH_ERR_NONE);
  parse("http://xn--r8jz45g.jp/y", "http", &b, err, AFETCH_ERR_NONE);
  assert_int_equal(a.hash, b.hash);
  assert_string_equal(a.hostkey, b.hostkey);
  af_url_free(&a);
  af_url_free(&b);
}

static void test_idn_rejected(void **state)
{
  (void)state;
  const char *why = "bad international host name";
  fails("http://-\xe4\xbe\x8b\xe3\x81\x88.jp/", AFETCH_ERR_INVALID_URL, why);
  fails("http://ab--c.\xe4\xbe\x8b\xe3\x81\x88.jp/", AFETCH_ERR_INVALID_URL,
        why);
  fails("http://a\xff"
        "b.jp/",
        AFETCH_ERR_INVALID_URL, "not valid UTF-8");
  /* A label whose punycode would pass 63 bytes. */
  char line[256] = "http://";
  for (int i = 0; i < 70; i++)
    strcat(line, "\xc3\xa9");
  strcat(line, ".com/");
  fails(line, AFETCH_ERR_INVALID_URL, why);

  /* The display still shows the line, as for any failed line. */
  af_url_t u;
  char err[200];
  parse("http://-\xe4\xbe\x8b\xe3\x81\x88.jp/", "http", &u, err,
        AFETCH_ERR_INVALID_URL);
  assert_string_equal(u.display, "http://-\xe4\xbe\x8b\xe3\x81\x88.jp/");
  af_url_free(&u);
}

/* Lines that are not one bare URL say what is wrong and how to fix it. */
static void test_line_shape(void **state)
{
  (void)state;
  const char *quoted = "the line is quoted: remove the quotes";
  fails("\"http://example.com/\"", AFETCH_ERR_INVALID_URL, quoted);
  fails("'http://example.com/'", AFETCH_ERR_INVALID_URL, quoted);
  fails("\"example.com\"", AFETCH_ERR_INVALID_URL, quoted);
  fails("\xe2\x80\x9chttp://example.com/\xe2\x80\x9d", AFETCH_ERR_INVALID_URL,
        quoted);
  fails("\"http://example.com/\",", AFETCH_ERR_INVALID_URL,
        "starts with a quote");
  fails("http://example.com/\t200", AFETCH_ERR_INVALID_URL,
        "contains a tab: one URL per line");
  fails("example.com\texample.org", AFETCH_ERR_INVALID_URL,
        "contains a tab: one URL per line");
  fails("http://a/\rhttp://b/", AFETCH_ERR_INVALID_URL,
        "contains a carriage return");
  fails("http://a.example/ http://b.example/", AFETCH_ERR_INVALID_URL,
        "two URLs separated by a space: one URL per line");
  fails("http://a.example/ HTTPS://b.example/", AFETCH_ERR_INVALID_URL,
        "two URLs");
  fails("example.com example.org", AFETCH_ERR_INVALID_URL,
        "the host name contains a space");
  fails("http://exa mple.com/", AFETCH_ERR_INVALID_URL,
        "the host name contains a space");
  /* A quote or a space inside the URL is no such problem. */
  ok("http://example.com/say\"hi\"", "http", "http://example.com/say\"hi\"",
     "example.com:80");
  ok("http://example.com/?q=a http", "http", "http://example.com/?q=a%20http",
     "example.com:80");
}

static void test_host_hash(void **state)
{
  (void)state;
  /* FNV-1a 64: the sharding contract across machines and versions. */
  assert_int_equal(afetch_host_hash("example.com", 11),
                   UINT64_C(0x576846634e2714c6));
  assert_int_equal(afetch_host_hash("EXAMPLE.com", 11),
                   UINT64_C(0x576846634e2714c6));
  assert_int_equal(afetch_host_hash("", 0), UINT64_C(0xcbf29ce484222325));
  assert_int_equal(afetch_host_hash("a", 1), UINT64_C(0xaf63dc4c8601ec8c));
  /* len is honoured: no read past it. */
  assert_int_equal(afetch_host_hash("example.comXYZ", 11),
                   UINT64_C(0x576846634e2714c6));

  af_url_t u;
  char err[200];
  parse("HTTP://EXAMPLE.COM:8080/", "http", &u, err, AFETCH_ERR_NONE);
  assert_string_equal(u.host, "example.com");
  assert_int_equal(u.hash, UINT64_C(0x576846634e2714c6));
  af_url_free(&u);
}

static void test_free_zeroed(void **state)
{
  (void)state;
  af_url_t u;
  memset(&u, 0, sizeof(u));
  af_url_free(&u);
  af_url_free(NULL);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_default_scheme),
      cmocka_unit_test(test_scheme_case_and_ports),
      cmocka_unit_test(test_refused_schemes),
      cmocka_unit_test(test_invalid),
      cmocka_unit_test(test_spaces),
      cmocka_unit_test(test_redaction),
      cmocka_unit_test(test_display_clean),
      cmocka_unit_test(test_idn),
      cmocka_unit_test(test_idn_rejected),
      cmocka_unit_test(test_line_shape),
      cmocka_unit_test(test_host_hash),
      cmocka_unit_test(test_free_zeroed),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
