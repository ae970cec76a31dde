/* Unit tests for charset.c: detection (BOM, header, <meta>, default) and
 * conversion to UTF-8. Encoded inputs are byte arrays; the expected text is
 * UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "charset.h"
#include "text.h"

#define FFFD "\xEF\xBF\xBD"

static void check_conv(const char *in, size_t n, const char *ct,
                       const char *want, size_t want_len)
{
  char *out;
  size_t len;
  assert_int_equal(af_charset_to_utf8(in, n, ct, &out, &len), 0);
  assert_non_null(out);
  assert_int_equal(out[len], '\0');
  assert_true(af_utf8_valid(out, len));
  assert_int_equal(len, want_len);
  assert_memory_equal(out, want, len);
  free(out);
}

#define CONV(lit, ct, want)                                                    \
  check_conv(lit, sizeof(lit) - 1, ct, want, sizeof(want) - 1)

static void check_detect(const char *in, size_t n, const char *ct,
                         const char *want, size_t want_bom)
{
  size_t bom = 99;
  const char *name = af_charset_detect(in, n, ct, &bom);
  assert_non_null(name);
  assert_string_equal(name, want);
  assert_int_equal(bom, want_bom);
}

#define DETECT(lit, ct, want, bom)                                             \
  check_detect(lit, sizeof(lit) - 1, ct, want, bom)

static void euc_kr(void **state)
{
  (void)state;
  /* "한국어 제목", and the UHC-only 갂 (0x81 0x41) that glibc's EUC-KR
   * would turn into U+0081 "A". */
  CONV("\xc7\xd1\xb1\xb9\xbe\xee\x20\xc1\xa6\xb8\xf1 \x81\x41",
       "text/html; charset=euc-kr",
       "\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 \xEC\xA0\x9C\xEB\xAA\xA9 "
       "\xEA\xB0\x82");
  CONV("\x81\x41", "text/html; charset=ks_c_5601-1987", "\xEA\xB0\x82");
  CONV("\x81\x41", "text/html; charset=windows-949", "\xEA\xB0\x82");
  DETECT("", "text/html; charset=EUC-KR", "CP949", 0);
}

static void shift_jis(void **state)
{
  (void)state;
  /* "日本語のタイトル" and NEC row 13 "①" (0x87 0x40). */
  static const char want[] =
      "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x82\xBF\xE3\x82"
      "\xA4\xE3\x83\x88\xE3\x83\xAB\xE2\x91\xA0";
  static const char in[] =
      "\x93\xfa\x96\x7b\x8c\xea\x82\xcc\x83\x5e\x83\x43\x83\x67\x83\x8b"
      "\x87\x40";
  static const char *const cts[] = {
      "text/html; charset=shift_jis",   "text/html; charset=Shift-JIS",
      "text/html; charset=sjis",        "text/html; charset=x-sjis",
      "text/html; charset=windows-31j",
  };
  for (size_t i = 0; i < sizeof cts / sizeof cts[0]; i++)
    check_conv(in, sizeof in - 1, cts[i], want, sizeof want - 1);
  DETECT("", "text/html; charset=shift_jis", "CP932", 0);
}

static void gb18030(void **state)
{
  (void)state;
  /* "中文标题" under every Chinese label; a 4-byte GB18030 sequence
   * (U+20000) decodes under "gbk" too, and a lone 0x80 is the euro sign. */
  CONV("\xd6\xd0\xce\xc4\xb1\xea\xcc\xe2", "text/html; charset=gb2312",
       "\xE4\xB8\xAD\xE6\x96\x87\xE6\xA0\x87\xE9\xA2\x98");
  CONV("\xd6\xd0\xce\xc4\xb1\xea\xcc\xe2", "text/html; charset=gb18030",
       "\xE4\xB8\xAD\xE6\x96\x87\xE6\xA0\x87\xE9\xA2\x98");
  CONV("\x95\x32\x82\x36", "text/html; charset=gbk", "\xF0\xA0\x80\x80");
  CONV("\x80", "text/html; charset=x-gbk", "\xE2\x82\xAC");
  DETECT("", "text/html; charset=GBK", "GB18030", 0);
}

static void big5(void **state)
{
  (void)state;
  /* "中文標題", and the HKSCS 0x87 0x40 that plain BIG5 rejects. */
  CONV("\xa4\xa4\xa4\xe5\xbc\xd0\xc3\x44", "text/html; charset=big5",
       "\xE4\xB8\xAD\xE6\x96\x87\xE6\xA8\x99\xE9\xA1\x8C");
  CONV("\x87\x40", "text/html; charset=big5", "\xE4\x8F\xB0");
  DETECT("", "text/html; charset=Big5-HKSCS", "BIG5-HKSCS", 0);
}

static void windows_1252(void **state)
{
  (void)state;
  /* "Café – “quoted” €", and 0x81, which WHATWG maps to U+0081 and
   * iconv refuses. */
  CONV("Caf\xe9 \x96 \x93quoted\x94 \x80\x81",
       "text/html; charset=windows-1252",
       "Caf\xC3\xA9 \xE2\x80\x93 \xE2\x80\x9Cquoted\xE2\x80\x9D \xE2\x82\xAC"
       "\xC2\x81");
  CONV("\x8d\x8f\x90\x9d\x9f\xff", "text/html; charset=cp1252",
       "\xC2\x8D\xC2\x8F\xC2\x90\xC2\x9D\xC5\xB8\xC3\xBF");
  /* iso-8859-1 and ascii labels mean windows-1252: 0x80 is the euro. */
  CONV("\x80", "text/html; charset=iso-8859-1", "\xE2\x82\xAC");
  CONV("\x80", "text/html; charset=latin1", "\xE2\x82\xAC");
  CONV("\x80", "text/html; charset=us-ascii", "\xE2\x82\xAC");
  DETECT("", "text/html; charset=ISO-8859-1", "WINDOWS-1252", 0);
}

static void other_charsets(void **state)
{
  (void)state;
  CONV("\xc6\xfc\xcb\xdc\xb8\xec", "text/html; charset=euc-jp",
       "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
  CONV("\x1b\x24\x42\x46\x7c\x4b\x5c\x38\x6c\x1b\x28\x42",
       "text/html; charset=iso-2022-jp",
       "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E");
  CONV("\xf0\xd2\xc9\xd7\xc5\xd4", "text/html; charset=koi8-r",
       "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
  CONV("\xcf\xf0\xe8", "text/html; charset=windows-1251",
       "\xD0\x9F\xD1\x80\xD0\xB8");
  CONV("\xa4", "text/html; charset=iso-8859-15", "\xE2\x82\xAC");
  /* iso-8859-9 is windows-1254 in WHATWG. */
  CONV("\x80\xfd", "text/html; charset=iso-8859-9", "\xE2\x82\xAC\xC4\xB1");
}

static void label_spelling(void **state)
{
  (void)state;
  DETECT("", "text/html; charset=\"Shift_JIS\"", "CP932", 0);
  DETECT("", "text/html;charset='euc-kr'", "CP949", 0);
  DETECT("", "text/html; charset = \" EUC-KR \" ", "CP949", 0);
  DETECT("", "TEXT/HTML; CHARSET=UTF-8", "UTF-8", 0);
  DETECT("", "text/html; foo=bar; charset=gbk; x=y", "GB18030", 0);
  DETECT("", "text/html; charset=utf8", "UTF-8", 0);
}

static void bom(void **state)
{
  (void)state;
  DETECT("\xEF\xBB\xBFx", "text/html; charset=shift_jis", "UTF-8", 3);
  DETECT("\xFF\xFEx\0", NULL, "UTF-16LE", 2);
  DETECT("\xFE\xFF\0x", "text/html; charset=windows-1252", "UTF-16BE", 2);
  CONV("\xEF\xBB\xBF"
       "caf\xC3\xA9",
       "text/html; charset=windows-1252", "caf\xC3\xA9");
  CONV("\xFF\xFE<\0p\0>\0\xE9\0\xAC\x20", NULL, "<p>\xC3\xA9\xE2\x82\xAC");
  CONV("\xFE\xFF\0<\0p\0>\0\xE9", NULL, "<p>\xC3\xA9");
  /* A UTF-16 code unit cut at the end is dropped. */
  CONV("\xFF\xFEh\0i\0!", NULL, "hi");
}

static void meta_prescan(void **state)
{
  (void)state;
  DETECT("<meta charset=\"shift_jis\">", NULL, "CP932", 0);
  DETECT("<!DOCTYPE html><html><head><META CHARSET=EUC-KR>", NULL, "CP949", 0);
  DETECT("<meta charset='gb2312'/>", "text/html", "GB18030", 0);
  DETECT("<meta http-equiv=\"Content-Type\" "
         "content=\"text/html; charset=euc-kr\">",
         NULL, "CP949", 0);
  DETECT("<meta content='text/html; charset=big5' "
         "http-equiv='content-type'>",
         NULL, "BIG5-HKSCS", 0);
  /* content without http-equiv does not count; the default applies. */
  DETECT("<meta content=\"text/html; charset=euc-kr\">caf\xE9!", NULL,
         "WINDOWS-1252", 0);
  /* Inside a comment, or in an attribute of another tag: not a meta. */
  DETECT("<!-- <meta charset=euc-kr> -->caf\xE9!", NULL, "WINDOWS-1252", 0);
  DETECT("<div title='<meta charset=euc-kr>'>caf\xE9!", NULL, "WINDOWS-1252",
         0);
  /* The first usable meta wins; an unknown label is skipped. */
  DETECT("<meta charset=bogus><meta charset=koi8-r><meta charset=big5>", NULL,
         "KOI8-R", 0);
  /* A meta cannot declare UTF-16: read as UTF-8. */
  DETECT("<meta charset=utf-16>", NULL, "UTF-8", 0);
  DETECT("<meta charset=utf-16le>caf\xE9!", NULL, "UTF-8", 0);
  /* The full conversion follows the meta. */
  CONV("<meta charset=\"shift_jis\"><title>\x93\xfa\x96\x7b</title>", NULL,
       "<meta charset=\"shift_jis\"><title>\xE6\x97\xA5\xE6\x9C\xAC</title>");
}

static void meta_after_1024_bytes_is_ignored(void **state)
{
  (void)state;
  char in[2048];
  memset(in, ' ', sizeof in);
  memcpy(in + 1100, "<meta charset=euc-kr>", 21);
  check_detect(in, 1121, NULL, "UTF-8", 0);
  memcpy(in + 900, "<meta charset=euc-kr>", 21);
  check_detect(in, 1121, NULL, "CP949", 0);
}

static void header_beats_meta(void **state)
{
  (void)state;
  DETECT("<meta charset=shift_jis>", "text/html; charset=utf-8", "UTF-8", 0);
  DETECT("<meta charset=utf-8>", "text/html; charset=euc-kr", "CP949", 0);
  CONV("<meta charset=shift_jis>\xC3\xA9", "text/html; charset=utf-8",
       "<meta charset=shift_jis>\xC3\xA9");
  /* An unknown header label gives way to the meta. */
  DETECT("<meta charset=shift_jis>", "text/html; charset=x-nonsense", "CP932",
         0);
}

static void defaults(void **state)
{
  (void)state;
  /* Nothing declared: UTF-8 if the bytes validate, else windows-1252. */
  DETECT("caf\xC3\xA9", NULL, "UTF-8", 0);
  DETECT("caf\xE9!", NULL, "WINDOWS-1252", 0);
  DETECT("caf\xE9!", "text/html", "WINDOWS-1252", 0);
  DETECT("", NULL, "UTF-8", 0);
  CONV("caf\xE9!", NULL, "caf\xC3\xA9!");
  /* A body cut in the middle of a character is still UTF-8. */
  DETECT("caf\xC3\xA9\xE2\x82", NULL, "UTF-8", 0);
  CONV("caf\xC3\xA9\xE2\x82", NULL, "caf\xC3\xA9");
}

static void unknown_charset_is_lossy_utf8(void **state)
{
  (void)state;
  DETECT("caf\xE9!", "text/html; charset=x-unknown", "UTF-8", 0);
  CONV("caf\xE9 \xC3\xA9", "text/html; charset=x-unknown",
       "caf" FFFD " \xC3\xA9");
  /* The WHATWG "replacement" labels are not decoded either. */
  CONV("a\xE9!", "text/html; charset=iso-2022-kr", "a" FFFD "!");
  CONV("caf\xE9!", "text/html; charset=utf-8", "caf" FFFD "!");
}

static void invalid_bytes_become_fffd(void **state)
{
  (void)state;
  /* A bad byte in the middle: U+FFFD, and decoding goes on. */
  CONV("\x93\xfa\xff\x96\x7b", "text/html; charset=shift_jis",
       "\xE6\x97\xA5" FFFD "\xE6\x9C\xAC");
  CONV("\xc7\xd1\xff\xc7\xd1", "text/html; charset=euc-kr",
       "\xED\x95\x9C" FFFD "\xED\x95\x9C");
  /* A character cut at the end is dropped. */
  CONV("\x93\xfa\x96", "text/html; charset=shift_jis", "\xE6\x97\xA5");
  CONV("\xd6\xd0\x95\x32\x82", "text/html; charset=gb18030", "\xE4\xB8\xAD");
  /* NUL bytes pass through as U+0000. */
  check_conv("a\0b", 3, "text/html; charset=shift_jis", "a\0b", 3);
}

static void garbage_is_always_utf8(void **state)
{
  (void)state;
  static const char *const cts[] = {
      NULL,
      "text/html; charset=shift_jis",
      "text/html; charset=euc-kr",
      "text/html; charset=gbk",
      "text/html; charset=big5",
      "text/html; charset=iso-2022-jp",
      "text/html; charset=euc-jp",
      "text/html; charset=utf-16le",
      "text/html; charset=utf-16be",
      "text/html; charset=windows-1252",
      "text/html; charset=koi8-r",
  };
  char in[512];
  uint32_t x = 1;
  for (int round = 0; round < 200; round++) {
    for (size_t i = 0; i < sizeof in; i++) {
      x = x * 1103515245u + 12345u;
      in[i] = (char)(x >> 16);
    }
    for (size_t k = 0; k < sizeof cts / sizeof cts[0]; k++) {
      char *out;
      size_t len;
      assert_int_equal(af_charset_to_utf8(in, sizeof in, cts[k], &out, &len),
                       0);
      assert_true(af_utf8_valid(out, len));
      free(out);
    }
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(euc_kr),
      cmocka_unit_test(shift_jis),
      cmocka_unit_test(gb18030),
      cmocka_unit_test(big5),
      cmocka_unit_test(windows_1252),
      cmocka_unit_test(other_charsets),
      cmocka_unit_test(label_spelling),
      cmocka_unit_test(bom),
      cmocka_unit_test(meta_prescan),
      cmocka_unit_test(meta_after_1024_bytes_is_ignored),
      cmocka_unit_test(header_beats_meta),
      cmocka_unit_test(defaults),
      cmocka_unit_test(unknown_charset_is_lossy_utf8),
      cmocka_unit_test(invalid_bytes_become_fffd),
      cmocka_unit_test(garbage_is_always_utf8),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
