/* libFuzzer target for text.c: whatever the bytes, af_text_clean() gives
 * valid UTF-8 without controls, bidi overrides, or white space runs, and
 * af_utf8_repair() agrees with af_utf8_valid(). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"

static void check(int ok)
{
  if (!ok)
    abort();
}

/* Decodes the (valid) UTF-8 at s; returns its length. */
static size_t next(const unsigned char *s, uint32_t *cp)
{
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if (s[0] < 0xE0) {
    *cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    return 2;
  }
  if (s[0] < 0xF0) {
    *cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) |
          (s[2] & 0x3F);
    return 3;
  }
  *cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
        ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
  return 4;
}

static void check_clean(const char *in, size_t n, size_t max)
{
  char *s = af_text_clean(in, n, max);
  if (!s)
    return; /* allocation failure is allowed */
  size_t len = strlen(s);
  check(af_utf8_valid(s, len));
  check(len == 0 || (s[0] != ' ' && s[len - 1] != ' '));
  size_t chars = 0;
  uint32_t prev = 0;
  for (size_t i = 0; i < len;) {
    uint32_t c;
    i += next((const unsigned char *)s + i, &c);
    chars++;
    check(c >= 0x20 && !(c >= 0x7F && c <= 0xA0));
    check(!(c >= 0x2000 && c <= 0x200A) && c != 0x200E && c != 0x200F);
    check(!(c >= 0x2028 && c <= 0x202F));
    check(!(c >= 0x2066 && c <= 0x2069) && c != 0x061C && c != 0x3000 &&
          c != 0x205F && c != 0x1680);
    check(!(c == ' ' && prev == ' '));
    prev = c;
  }
  check(max == 0 || chars <= max);
  free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *in = (const char *)data;

  /* Repair: valid input is returned as is, and the result always
   * validates. */
  af_buf_t b;
  af_buf_init(&b, SIZE_MAX - 1);
  if (af_utf8_repair(in, size, &b) == 0) {
    check(af_utf8_valid(b.data ? b.data : "", b.len));
    if (af_utf8_valid(in, size))
      check(b.len == size && (size == 0 || memcmp(b.data, in, size) == 0));
    else
      check(b.len > 0);
  }
  af_buf_free(&b);

  size_t ok = af_utf8_valid_prefix(in, size);
  check(ok <= size);
  check(af_utf8_valid(in, ok));
  size_t tail = af_utf8_incomplete_tail(in, size);
  check(tail <= 3 && tail <= size);

  check_clean(in, size, 0);
  check_clean(in, size, size > 0 ? data[0] % 40 : 1);
  return 0;
}
