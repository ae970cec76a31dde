/* File names for -o: from the line number and the input URL only, never
 * leaving the directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "save.h"

static void check(uint64_t line, const char *url, const char *want)
{
  char *n = af_save_name(line, url);
  assert_non_null(n);
  assert_string_equal(n, want);
  assert_null(strchr(n, '/'));
  free(n);
}

static void test_names(void **state)
{
  (void)state;
  check(1, "http://example.com/a/b.html", "000001_example.com_a_b.html");
  check(42, "https://h:8080/x?y=1&z=2", "000042_h_8080_x_y_1_z_2");
  check(7, "http://h/../../etc/passwd", "000007_h_.._.._etc_passwd");
  check(3, "http://h/", "000003_h");
  check(1234567, "http://ü.example/ä", "1234567_.example");
}

/* No user name or password ever reaches a file name. */
static void test_userinfo(void **state)
{
  (void)state;
  check(1, "http://user:s3cr3t@h/a", "000001_h_a");
  check(2, "http://u:p@ss@h:81/x", "000002_h_81_x");
  check(3, "http://h/a@b", "000003_h_a_b");
  check(4, "http://:pw@h", "000004_h");
}

static void test_length_cap(void **state)
{
  (void)state;
  char url[2000] = "http://h/";
  memset(url + 9, 'a', sizeof(url) - 10);
  url[sizeof(url) - 1] = '\0';
  char *n = af_save_name(1, url);
  assert_non_null(n);
  assert_true(strlen(n) <= 180);
  free(n);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names),
      cmocka_unit_test(test_length_cap),
      cmocka_unit_test(test_userinfo),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
