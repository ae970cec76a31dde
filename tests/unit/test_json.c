/* Unit tests for json.c: string escaping and the result line. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "afetch.h"
#include "buf.h"
#include "json.h"
#include "text.h"

static void check_str(const char *in, size_t n, const char *want)
{
  af_buf_t b;
  af_buf_init(&b, 1 << 20);
  assert_int_equal(af_json_str(&b, in, n), 0);
  assert_non_null(b.data);
  assert_string_equal(b.data, want);
  assert_true(af_utf8_valid(b.data, b.len));
  af_buf_free(&b);
}

#define STR(lit, want) check_str(lit, sizeof(lit) - 1, want)

static void str_escapes(void **state)
{
  (void)state;
  STR("", "\"\"");
  STR("plain", "\"plain\"");
  STR("a\"b\\c/d", "\"a\\\"b\\\\c/d\"");
  STR("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
  STR("\x01\x1F\x1B[0m", "\"\\u0001\\u001f\\u001b[0m\"");
  STR("nul\0x", "\"nul\\u0000x\"");
  STR("del\x7F", "\"del\\u007f\"");
  /* C1 controls and the JavaScript line terminators. */
  STR("\xC2\x85\xC2\x9B", "\"\\u0085\\u009b\"");
  STR("a\xE2\x80\xA8"
      "b\xE2\x80\xA9",
      "\"a\\u2028b\\u2029\"");
  /* Other non-ASCII is written as is. */
  STR("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xC2\xA0",
      "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xC2\xA0\"");
}

static void str_repairs_utf8(void **state)
{
  (void)state;
  STR("caf\xE9", "\"caf\xEF\xBF\xBD\"");
  STR("\xFF\xFE", "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");
  STR("\xED\xA0\x80", "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  STR("\xE2\x82"
      "A",
      "\"\xEF\xBF\xBD"
      "A\"");
  STR("\xF0\x9F\x98", "\"\xEF\xBF\xBD\"");
  STR("\xC0\xAF\"", "\"\xEF\xBF\xBD\xEF\xBF\xBD\\\"\"");
}

static void str_null_and_ceiling(void **state)
{
  (void)state;
  af_buf_t b;
  af_buf_init(&b, 1 << 20);
  assert_int_equal(af_json_str(&b, NULL, 0), 0);
  assert_string_equal(b.data, "\"\"");
  af_buf_free(&b);
  af_buf_init(&b, 4);
  assert_int_equal(af_json_str(&b, "too long", 8), -1);
  af_buf_free(&b);
}

static afetch_result_t sample(void)
{
  afetch_result_t r;
  memset(&r, 0, sizeof r);
  r.line = 7;
  r.url = "http://example.com/";
  r.effective_url = "https://example.com/";
  r.status = 200;
  r.content_type = "text/html; charset=utf-8";
  r.bytes = 1256;
  r.http_version = "2";
  r.redirects = 1;
  r.ip = "93.184.216.34";
  r.server = "ECS (dcb/7F84)";
  r.location = "/next?a=\"b\"";
  r.time_ms.dns = 1.5;
  r.time_ms.connect = 2.25;
  r.time_ms.tls = 10.0004;
  r.time_ms.ttfb = 20.0005;
  r.time_ms.total = 12345.678;
  r.wait_ms = 0;
  r.start_ms = 3;
  r.title = "Example \"Domain\"";
  r.snippet = "This domain\nis for use";
  return r;
}

static const char sample_json[] =
    "{\"line\":7,\"url\":\"http://example.com/\","
    "\"effective_url\":\"https://example.com/\",\"status\":200,"
    "\"error\":null,\"error_kind\":null,"
    "\"content_type\":\"text/html; charset=utf-8\",\"bytes\":1256,"
    "\"truncated\":false,\"http_version\":\"2\","
    "\"ip\":\"93.184.216.34\",\"server\":\"ECS (dcb/7F84)\","
    "\"redirects\":1,\"location\":\"/next?a=\\\"b\\\"\","
    "\"retries\":0,\"reused\":false,"
    "\"time_ms\":{\"dns\":1.500,\"connect\":2.250,\"tls\":10.000,"
    "\"ttfb\":20.001,\"total\":12345.678,\"wait\":0.000,\"start\":3.000},"
    "\"title\":\"Example \\\"Domain\\\"\","
    "\"snippet\":\"This domain\\nis for use\",\"run\":0}";

static void result_exact(void **state)
{
  (void)state;
  afetch_result_t r = sample();
  char buf[1024];
  size_t n = afetch_result_json(&r, buf, sizeof buf);
  assert_string_equal(buf, sample_json);
  assert_int_equal(n, strlen(sample_json));
}

static void result_nulls(void **state)
{
  (void)state;
  afetch_result_t r;
  memset(&r, 0, sizeof r);
  r.line = 1;
  r.url = "http://nx.invalid/";
  r.error_kind = AFETCH_ERR_DNS;
  r.error = "Could not resolve host: nx.invalid";
  r.run = 1;
  r.truncated = 1;
  r.reused = 1;
  r.retries = 2;
  char buf[1024];
  afetch_result_json(&r, buf, sizeof buf);
  assert_string_equal(
      buf, "{\"line\":1,\"url\":\"http://nx.invalid/\",\"effective_url\":null,"
           "\"status\":null,\"error\":\"Could not resolve host: nx.invalid\","
           "\"error_kind\":\"dns\",\"content_type\":null,\"bytes\":0,"
           "\"truncated\":true,\"http_version\":null,\"ip\":null,"
           "\"server\":null,\"redirects\":0,\"location\":null,"
           "\"retries\":2,\"reused\":true,"
           "\"time_ms\":{\"dns\":0.000,\"connect\":0.000,\"tls\":0.000,"
           "\"ttfb\":0.000,\"total\":0.000,\"wait\":0.000,\"start\":0.000},"
           "\"title\":null,\"snippet\":null,\"run\":1}");
  /* Even the URL may be missing. */
  r.url = NULL;
  afetch_result_json(&r, buf, sizeof buf);
  assert_non_null(strstr(buf, "\"url\":null,"));
}

static void result_error_kinds(void **state)
{
  (void)state;
  static const char *const names[] = {
      NULL,      "invalid_url", "scheme",   "dns",  "connect",  "tls",
      "timeout", "redirects",   "protocol", "recv", "resource", "other",
  };
  afetch_result_t r;
  memset(&r, 0, sizeof r);
  char buf[1024];
  char want[64];
  for (int k = 0; k <= AFETCH_ERR_OTHER; k++) {
    r.error_kind = (afetch_errkind_t)k;
    afetch_result_json(&r, buf, sizeof buf);
    if (names[k])
      snprintf(want, sizeof want, "\"error_kind\":\"%s\",", names[k]);
    else
      snprintf(want, sizeof want, "\"error_kind\":null,");
    assert_non_null(strstr(buf, want));
  }
  r.error_kind = (afetch_errkind_t)99;
  afetch_result_json(&r, buf, sizeof buf);
  assert_non_null(strstr(buf, "\"error_kind\":\"other\","));
}

static void result_numbers(void **state)
{
  (void)state;
  afetch_result_t r;
  memset(&r, 0, sizeof r);
  r.line = UINT64_MAX;
  r.bytes = UINT64_MAX;
  r.status = 404;
  r.redirects = -1;
  r.time_ms.dns = NAN;
  r.time_ms.connect = INFINITY;
  r.time_ms.tls = -0.0004;
  r.time_ms.ttfb = -2.5;
  r.time_ms.total = 0.0015;
  char buf[1024];
  afetch_result_json(&r, buf, sizeof buf);
  assert_non_null(strstr(buf, "\"line\":18446744073709551615,"));
  assert_non_null(strstr(buf, "\"bytes\":18446744073709551615,"));
  assert_non_null(strstr(buf, "\"status\":404,"));
  assert_non_null(strstr(buf, "\"redirects\":-1,"));
  assert_non_null(strstr(buf, "{\"dns\":0.000,\"connect\":0.000,"
                              "\"tls\":0.000,\"ttfb\":-2.500,"
                              "\"total\":0.002,"));
}

static void result_invalid_utf8_and_controls(void **state)
{
  (void)state;
  afetch_result_t r;
  memset(&r, 0, sizeof r);
  r.url = "http://x/\xFF";
  r.title = "\x1B]0;pwned\x07 \xE2\x80\xAE";
  r.content_type = "text/html\r\nX: y";
  char buf[1024];
  size_t n = afetch_result_json(&r, buf, sizeof buf);
  assert_true(n < sizeof buf);
  assert_true(af_utf8_valid(buf, n));
  for (size_t i = 0; i < n; i++)
    assert_true((unsigned char)buf[i] >= 0x20);
  assert_non_null(strstr(buf, "\"url\":\"http://x/\xEF\xBF\xBD\""));
  assert_non_null(strstr(buf, "\"title\":\"\\u001b]0;pwned\\u0007 "
                              "\xE2\x80\xAE\""));
  assert_non_null(strstr(buf, "\"content_type\":\"text/html\\r\\nX: y\""));
}

static void result_snprintf_semantics(void **state)
{
  (void)state;
  afetch_result_t r = sample();
  size_t full = strlen(sample_json);
  assert_int_equal(afetch_result_json(&r, NULL, 0), full);
  char buf[1024];
  memset(buf, 'x', sizeof buf);
  assert_int_equal(afetch_result_json(&r, buf, 0), full);
  assert_int_equal(buf[0], 'x');
  assert_int_equal(afetch_result_json(&r, buf, 1), full);
  assert_string_equal(buf, "");
  assert_int_equal(afetch_result_json(&r, buf, 11), full);
  assert_string_equal(buf, "{\"line\":7,");
  /* Exactly enough room, and one byte short. */
  assert_int_equal(afetch_result_json(&r, buf, full + 1), full);
  assert_string_equal(buf, sample_json);
  assert_int_equal(afetch_result_json(&r, buf, full), full);
  assert_int_equal(strlen(buf), full - 1);
  assert_memory_equal(buf, sample_json, full - 1);
}

static void result_cut_inside_a_character(void **state)
{
  (void)state;
  afetch_result_t r;
  memset(&r, 0, sizeof r);
  r.url = "\xE2\x82\xAC\xE2\x82\xAC";
  char full[512];
  size_t n = afetch_result_json(&r, full, sizeof full);
  const char *p = strstr(full, "\xE2\x82\xAC");
  assert_non_null(p);
  size_t at = (size_t)(p - full); /* first byte of the first euro sign */
  char buf[512];
  for (size_t cut = at; cut <= at + 7; cut++) {
    assert_int_equal(afetch_result_json(&r, buf, cut + 1), n);
    size_t len = strlen(buf);
    assert_true(len <= cut);
    assert_true(af_utf8_valid(buf, len));
    assert_memory_equal(buf, full, len);
    /* Only a cut character is dropped: at most 2 bytes. */
    assert_true(cut - len <= 2);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(str_escapes),
      cmocka_unit_test(str_repairs_utf8),
      cmocka_unit_test(str_null_and_ceiling),
      cmocka_unit_test(result_exact),
      cmocka_unit_test(result_nulls),
      cmocka_unit_test(result_error_kinds),
      cmocka_unit_test(result_numbers),
      cmocka_unit_test(result_invalid_utf8_and_controls),
      cmocka_unit_test(result_snprintf_semantics),
      cmocka_unit_test(result_cut_inside_a_character),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
