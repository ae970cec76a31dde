/* libFuzzer target for charset.c and extract.c. The first byte picks a
 * Content-Type (and the snippet length); the rest is the body. Whatever
 * the body, extraction returns, and what it returns is clean UTF-8. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "charset.h"
#include "extract.h"
#include "text.h"

static const char *const types[] = {
    NULL,
    "",
    "text/html",
    "text/html; charset=shift_jis",
    "text/html; charset=euc-kr",
    "text/html; charset=gbk",
    "text/html; charset=big5",
    "text/html; charset=windows-1252",
    "text/html; charset=utf-16le",
    "text/html; charset=iso-2022-jp",
    "text/html; charset=euc-jp",
    "text/html; charset=\"UTF-8\"",
    "text/html; charset=x-unknown",
    "text/html; charset=CP949", /* outside the WHATWG table: iconv's */
    "text/html; charset=IBM855",
    "application/xhtml+xml",
    "text/plain",
    "unknown/unknown",
};

static const size_t snippet_lens[] = {160, 0, 1, 17};

static void check(int ok)
{
  if (!ok)
    abort();
}

static void check_clean(const char *s, size_t max_chars)
{
  if (!s)
    return;
  size_t len = strlen(s);
  check(len > 0);
  check(af_utf8_valid(s, len));
  check(s[0] != ' ' && s[len - 1] != ' ');
  size_t chars = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    check(c >= 0x20 && c != 0x7F);
    check(!(c == 0xC2 && (unsigned char)s[i + 1] < 0xA0)); /* no C1 */
    chars += (c & 0xC0) != 0x80;
  }
  check(chars <= max_chars);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  const char *ct = types[data[0] % (sizeof types / sizeof types[0])];
  size_t snippet_len = snippet_lens[(data[0] >> 4) % 4];
  const char *body = (const char *)data + 1;
  size_t len = size - 1;

  (void)af_is_html(ct, body, len);

  char *u;
  size_t ulen;
  if (af_charset_to_utf8(body, len, ct, &u, &ulen) == 0) {
    check(u[ulen] == '\0');
    check(af_utf8_valid(u, ulen));
    free(u);
  }

  af_extract_t x;
  if (af_extract(body, len, ct, snippet_len, &x) == 0) {
    check_clean(x.title, AF_EXTRACT_TITLE_MAX);
    check_clean(x.snippet, snippet_len);
    check(snippet_len > 0 || !x.snippet);
  }
  else {
    check(!x.title && !x.snippet);
  }
  af_extract_free(&x);
  return 0;
}
