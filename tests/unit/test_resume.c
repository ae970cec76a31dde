/* The --resume file reader: which results count as done, what is removed
 * from the file and how (cut or rewritten), and what is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "afetch.h"
#include "resume.h"

static char dir[] = "/tmp/test_resume.XXXXXX";
static char path[64];

static int setup(void **st)
{
  (void)st;
  if (!mkdtemp(dir))
    return -1;
  snprintf(path, sizeof(path), "%s/out.jsonl", dir);
  return 0;
}

static int teardown(void **st)
{
  (void)st;
  char tmp[80];
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  unlink(path);
  unlink(tmp);
  rmdir(dir);
  return 0;
}

static void put_file(const char *text)
{
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static void put_bytes(const char *b, size_t n)
{
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(fwrite(b, 1, n, f), n);
  fclose(f);
}

static char *get_file(void)
{
  static char buf[4096];
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  buf[n] = '\0';
  fclose(f);
  return buf;
}

#define R(n, kind) "{\"line\":" #n ",\"url\":\"u\",\"error_kind\":" kind "}\n"

static void test_kinds(void **st)
{
  (void)st;
  uint64_t m = 0;
  char bad[32];
  assert_int_equal(cli_resume_parse_kinds("timeout,dns", &m, bad, sizeof(bad)),
                   0);
  assert_int_equal(m, (UINT64_C(1) << AFETCH_ERR_TIMEOUT) |
                          (UINT64_C(1) << AFETCH_ERR_DNS));
  assert_int_equal(cli_resume_parse_kinds("dns,nope", &m, bad, sizeof(bad)),
                   -1);
  assert_string_equal(bad, "nope");
  assert_int_equal(cli_resume_parse_kinds("none", &m, bad, sizeof(bad)), -1);
  assert_int_equal(cli_resume_parse_kinds("dns,", &m, bad, sizeof(bad)), -1);
  assert_int_equal(cli_resume_parse_kinds("", &m, bad, sizeof(bad)), -1);
  assert_int_equal(cli_resume_parse_kinds("all", &m, bad, sizeof(bad)), 0);
  assert_true(m >> AFETCH_ERR_HOST_SKIPPED & 1);
  assert_false(m & 1);
  char list[512];
  cli_resume_kind_list(list, sizeof(list));
  assert_non_null(strstr(list, "invalid_url,scheme,dns,"));
  assert_non_null(strstr(list, ",cancelled"));
}

/* Done lines are kept in place; the file is not touched. */
static void test_all_kept(void **st)
{
  (void)st;
  const char *text = R(2, "null") R(1, "\"timeout\"") R(70, "null");
  put_file(text);
  cli_resume_t r = {0};
  char err[256];
  int fd = cli_resume_open(&r, path, err, sizeof(err));
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(r.kept, 3);
  assert_int_equal(r.redone + r.dups + (uint64_t)r.torn + (uint64_t)r.rewritten,
                   0);
  assert_true(cli_resume_done(&r, 1));
  assert_true(cli_resume_done(&r, 2));
  assert_false(cli_resume_done(&r, 3));
  assert_true(cli_resume_done(&r, 70));
  assert_false(cli_resume_done(&r, 71));
  assert_false(cli_resume_done(&r, 1000000));
  assert_false(cli_resume_done(&r, 0));
  assert_string_equal(get_file(), text);
  cli_resume_free(&r);
}

/* A torn last line, with or without its newline, is cut off; the lines
 * before it stay as they were. */
static void test_torn(void **st)
{
  (void)st;
  static const char *const tails[] = {
      "{\"line\":3,\"url\":\"ht",             /* cut mid-write */
      "{\"line\":3,\"url\":\"u\"",            /* cut before the brace */
      "{\"line\":3,\"url\":\"u\"}",           /* whole, but no newline */
      "\0\0\0\0",                             /* zeros of a lost block */
      "{\"line\":3,\"url\":\"u\",\"x\":1.}\n" /* bad number, newline */
  };
  for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
    char text[256];
    int n = snprintf(text, sizeof(text), "%s%s", R(1, "null"), R(2, "null"));
    size_t tl = tails[i][0] ? strlen(tails[i]) : 4;
    memcpy(text + n, tails[i], tl);
    put_bytes(text, (size_t)n + tl);
    cli_resume_t r = {0};
    char err[256];
    int fd = cli_resume_open(&r, path, err, sizeof(err));
    assert_true(fd >= 0);
    /* Appends land after the kept lines. */
    assert_int_equal(write(fd, "x\n", 2), 2);
    close(fd);
    assert_int_equal(r.kept, 2);
    assert_int_equal(r.torn, 1);
    assert_int_equal(r.rewritten, 0);
    assert_false(cli_resume_done(&r, 3));
    assert_string_equal(get_file(), R(1, "null") R(2, "null") "x\n");
    cli_resume_free(&r);
  }
}

/* Cancelled and --redo results, and a second result for a line, are
 * removed by a rewrite that keeps the order of the others. */
static void test_rewrite(void **st)
{
  (void)st;
  put_file(R(1, "\"cancelled\"") R(2, "null") R(3, "\"dns\"") R(4, "\"tls\"")
               R(2, "\"tls\"") R(5, "null") "{\"line\":6");
  struct stat before;
  assert_int_equal(chmod(path, 0640), 0);
  assert_int_equal(stat(path, &before), 0);
  cli_resume_t r = {.redo_mask = UINT64_C(1) << AFETCH_ERR_DNS};
  char err[256];
  int fd = cli_resume_open(&r, path, err, sizeof(err));
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(r.kept, 3);
  assert_int_equal(r.redone, 2);
  assert_int_equal(r.dups, 1);
  assert_int_equal(r.torn, 1);
  assert_int_equal(r.rewritten, 1);
  assert_false(cli_resume_done(&r, 1));
  assert_true(cli_resume_done(&r, 2));
  assert_false(cli_resume_done(&r, 3));
  assert_true(cli_resume_done(&r, 4));
  assert_true(cli_resume_done(&r, 5));
  assert_string_equal(get_file(), R(2, "null") R(4, "\"tls\"") R(5, "null"));
  struct stat after;
  assert_int_equal(stat(path, &after), 0);
  assert_int_equal(after.st_mode & 0777, 0640);
  char tmp[80];
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  assert_int_equal(access(tmp, F_OK), -1);
  cli_resume_free(&r);
}

/* A line that is no result before the last one is refused and the file
 * left alone: it is not ours to rewrite. */
static void test_refused(void **st)
{
  (void)st;
  static const char *const texts[] = {
      "http://example.com/\n" R(1, "null"),
      R(1, "null") "not json\n" R(2, "null"),
      R(1, "null") "{\"url\":\"no line\"}\n" R(2, "null"),
      R(1, "null") "{\"line\":0}\n" R(2, "null"),
      R(1, "null") "{\"line\":-3}\n" R(2, "null"),
      R(1, "null") "{\"line\":99999999999999}\n" R(2, "null"),
      R(1, "null") "{\"line\":2,\"t\":\"a\tb\"}\n" R(3, "null"),
      R(1, "null") "[1]\n" R(2, "null"),
      R(1, "null") "garbage\nmore",
  };
  for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
    put_file(texts[i]);
    cli_resume_t r = {0};
    char err[256] = "";
    assert_int_equal(cli_resume_open(&r, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "is not an afetch JSON result"));
    assert_string_equal(get_file(), texts[i]);
    cli_resume_free(&r);
  }
}

/* Other JSON is skipped properly: nested values, escapes, a line longer
 * than the read chunk, and no file at all (created empty). */
static void test_json_forms(void **st)
{
  (void)st;
  unlink(path);
  cli_resume_t r = {0};
  char err[256];
  int fd = cli_resume_open(&r, path, err, sizeof(err));
  assert_true(fd >= 0);
  close(fd);
  assert_int_equal(r.kept, 0);
  assert_int_equal(access(path, F_OK), 0);
  cli_resume_free(&r);

  size_t big = 600 * 1024;
  char *text = malloc(big + 512);
  assert_non_null(text);
  int n = snprintf(text, 512,
                   " { \"a\" : [1, -2.5e3, {\"b\": [true, false, null]}], "
                   "\"s\": \"q\\\"\\\\\\u00e9\\n\", \"line\" : 7 }\n"
                   "{\"line\":8,\"title\":\"");
  memset(text + n, 'x', big);
  strcpy(text + n + big, "\",\"error_kind\":\"timeout\"}\n");
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  free(text);
  uint64_t keep_end = 0, drops = 0;
  f = fopen(path, "r");
  assert_non_null(f);
  assert_int_equal(
      cli_resume_scan(&r, fileno(f), -1, &keep_end, &drops, err, sizeof(err)),
      0);
  fclose(f);
  assert_int_equal(r.kept, 2);
  assert_int_equal(drops, 0);
  assert_true(cli_resume_done(&r, 7));
  assert_true(cli_resume_done(&r, 8));
  struct stat s;
  assert_int_equal(stat(path, &s), 0);
  assert_int_equal(keep_end, (uint64_t)s.st_size);
  cli_resume_free(&r);
}

/* Two runs may not append to one file at once. */
static void test_locked(void **st)
{
  (void)st;
  put_file(R(1, "null"));
  cli_resume_t a = {0}, b = {0};
  char err[256];
  int fa = cli_resume_open(&a, path, err, sizeof(err));
  assert_true(fa >= 0);
  assert_int_equal(cli_resume_open(&b, path, err, sizeof(err)), -1);
  assert_non_null(strstr(err, "another afetch"));
  close(fa);
  cli_resume_free(&a);
  cli_resume_free(&b);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_kinds),   cmocka_unit_test(test_all_kept),
      cmocka_unit_test(test_torn),    cmocka_unit_test(test_rewrite),
      cmocka_unit_test(test_refused), cmocka_unit_test(test_json_forms),
      cmocka_unit_test(test_locked),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
