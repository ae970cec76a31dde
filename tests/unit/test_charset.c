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

static af_charset_source_t check_detect(const char *in, size_t n,
                                        const char *ct, const char *want,
                                        size_t want_bom)
{
  af_charset_t cs;
  memset(&cs, 0x55, sizeof cs);
  af_charset_detect(in, n, ct, &cs);
  assert_string_equal(cs.name, want);
  assert_int_equal(cs.bom_len, want_bom);
  return cs.source;
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
  DETECT("<meta content=\"text/html; charset=euc-kr\">\x81", NULL,
         "WINDOWS-1252", 0);
  /* Inside a comment, or in an attribute of another tag: not a meta. */
  DETECT("<!-- <meta charset=euc-kr> -->\x81", NULL, "WINDOWS-1252", 0);
  DETECT("<div title='<meta charset=euc-kr>'>\x81", NULL, "WINDOWS-1252", 0);
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
  /* Nothing declared: UTF-8 if the bytes validate, else a guess, else
   * windows-1252. */
  DETECT("caf\xC3\xA9", NULL, "UTF-8", 0);
  /* (uchardet has no answer for a lone 0x81.) */
  assert_int_equal(DETECT("\x81", NULL, "WINDOWS-1252", 0), AF_CS_DEFAULT);
  DETECT("\x81", "text/html", "WINDOWS-1252", 0);
  DETECT("", NULL, "UTF-8", 0);
  CONV("caf\xE9!", NULL, "caf\xC3\xA9!");
  /* A body cut in the middle of a character is still UTF-8. */
  DETECT("caf\xC3\xA9\xE2\x82", NULL, "UTF-8", 0);
  CONV("caf\xC3\xA9\xE2\x82", NULL, "caf\xC3\xA9");
}

static void unknown_label_falls_through(void **state)
{
  (void)state;
  /* A label neither WHATWG nor iconv knows says nothing: valid UTF-8 stays
   * UTF-8, anything else is guessed. */
  DETECT("caf\xC3\xA9", "text/html; charset=x-unknown", "UTF-8", 0);
  assert_int_equal(
      DETECT("caf\xC3\xA9", "text/html; charset=x-unknown", "UTF-8", 0),
      AF_CS_DEFAULT);
  DETECT("<meta charset=x-unknown>caf\xC3\xA9", NULL, "UTF-8", 0);
  /* iconv knows the WHATWG "replacement" labels, but their escapes can
   * hide markup: never decoded with them. */
  DETECT("a~{<\x1b$)C\x81", "text/html; charset=hz-gb-2312", "WINDOWS-1252", 0);
  assert_int_equal(
      DETECT("caf\xC3\xA9", "text/html; charset=iso-2022-kr", "UTF-8", 0),
      AF_CS_DEFAULT);
  /* Nor with what is not an ASCII superset, or a name with iconv options
   * in it. */
  DETECT("caf\xC3\xA9", "text/html; charset=UTF-7", "UTF-8", 0);
  DETECT("caf\xC3\xA9", "text/html; charset=IBM037", "UTF-8", 0);
  DETECT("caf\xC3\xA9", "text/html; charset=UTF-32", "UTF-8", 0);
  DETECT("caf\xC3\xA9", "text/html; charset=\"KOI8-R//IGNORE\"", "UTF-8", 0);
  CONV("caf\xE9!", "text/html; charset=utf-8", "caf" FFFD "!");
}

static void iconv_labels(void **state)
{
  (void)state;
  /* Labels outside the WHATWG table that glibc iconv knows are decoded
   * with iconv under the name as given. "똠" (0x8C 0x63) is in CP949 but
   * not in EUC-KR. */
  assert_int_equal(DETECT("", "text/html; charset=CP949", "CP949", 0),
                   AF_CS_HEADER);
  CONV("\x8c\x63", "text/html; charset=CP949", "\xEB\x98\xA0");
  CONV("\x8c\x63", "text/html; charset=UHC", "\xEB\x98\xA0");
  /* "①" (NEC row 13) through CP932; "Мир" through IBM855, MacCyrillic,
   * KOI8-U's Ukrainian "і". */
  CONV("\x87\x40", "text/html; charset=CP932", "\xE2\x91\xA0");
  DETECT("", "text/html; charset=IBM855", "IBM855", 0);
  CONV("\xd3\xb7\xe1", "text/html; charset=IBM855", "\xD0\x9C\xD0\xB8\xD1\x80");
  DETECT("", "text/html; charset=MacCyrillic", "MACCYRILLIC", 0);
  CONV("\x8c\xe8\xf0", "text/html; charset=\"MacCyrillic\"",
       "\xD0\x9C\xD0\xB8\xD1\x80");
  CONV("\xa6", "text/html; charset=KOI8-U", "\xD1\x96");
  /* The WHATWG name wins where there is one (TIS-620 reads as CP874). */
  DETECT("", "text/html; charset=tis-620", "CP874", 0);
  /* The same in a <meta> and an XML declaration. */
  assert_int_equal(DETECT("<meta charset=IBM855>", NULL, "IBM855", 0),
                   AF_CS_META);
  CONV("<meta charset=cp949>\x8c\x63", NULL,
       "<meta charset=cp949>\xEB\x98\xA0");
}

static void xml_declaration(void **state)
{
  (void)state;
  assert_int_equal(
      DETECT("<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><html>", NULL,
             "CP932", 0),
      AF_CS_XML);
  DETECT("<?xml version='1.0' encoding = 'euc-kr' standalone='yes'?>",
         "text/html", "CP949", 0);
  DETECT("\r\n<?xml version=\"1.0\" encoding=\"windows-1251\"?>", NULL,
         "WINDOWS-1251", 0);
  DETECT("<?xml version=\"1.0\" encoding=\"IBM866\"?>", NULL, "IBM866", 0);
  /* The header and a <meta> come first. */
  DETECT("<?xml version=\"1.0\" encoding=\"koi8-r\"?>",
         "text/html; charset=utf-8", "UTF-8", 0);
  assert_int_equal(DETECT("<?xml version=\"1.0\" encoding=\"koi8-r\"?>"
                          "<meta charset=big5>",
                          NULL, "BIG5-HKSCS", 0),
                   AF_CS_META);
  /* Only a declaration at the start counts, and only a closed one. */
  DETECT("<p><?xml version=\"1.0\" encoding=\"koi8-r\"?>", NULL, "UTF-8", 0);
  DETECT("<?xml version=\"1.0\" encoding=\"koi8-r\"", NULL, "UTF-8", 0);
  DETECT("<?xml version=\"1.0\"?><p encoding=\"koi8-r\">", NULL, "UTF-8", 0);
  DETECT("<?xmlfoo encoding=\"koi8-r\"?>", NULL, "UTF-8", 0);
  /* A declaration cannot say UTF-16 of ASCII bytes. */
  DETECT("<?xml version=\"1.0\" encoding=\"UTF-16\"?>", NULL, "UTF-8", 0);
  CONV("<?xml version=\"1.0\" encoding=\"KOI8-R\"?>\xed\xc9\xd2", "text/html",
       "<?xml version=\"1.0\" encoding=\"KOI8-R\"?>"
       "\xD0\x9C\xD0\xB8\xD1\x80");
}

/* A few sentences of each: the detector needs text to go on. */
static const char ru_1251[] =
    "\xcc\xfd\xf0\xe8\xff \xcc\xee\xf1\xea\xe2\xfb \xf1\xee"
    "\xee\xe1\xf9\xe8\xeb\xe0, \xf7\xf2\xee \xe2\xe5\xf1\xed"
    "\xee\xe9 \xe2 \xf6\xe5\xed\xf2\xf0\xe5 \xe3\xee\xf0\xee"
    "\xe4\xe0 \xee\xf2\xea\xf0\xee\xe5\xf2\xf1\xff \xed\xee"
    "\xe2\xfb\xe9 \xef\xe0\xf0\xea. \xc6\xe8\xf2\xe5\xeb\xe8 "
    "\xf0\xe0\xe9\xee\xed\xe0 \xe4\xe0\xe2\xed\xee \xef\xf0"
    "\xee\xf1\xe8\xeb\xe8 \xe2\xeb\xe0\xf1\xf2\xe8 \xe1\xeb"
    "\xe0\xe3\xee\xf3\xf1\xf2\xf0\xee\xe8\xf2\xfc \xfd\xf2\xee"
    "\xf2 \xef\xf3\xf1\xf2\xfb\xf0\xfc.";
static const char ru_koi8[] =
    "\xed\xdc\xd2\xc9\xd1 \xed\xcf\xd3\xcb\xd7\xd9 \xd3\xcf"
    "\xcf\xc2\xdd\xc9\xcc\xc1, \xde\xd4\xcf \xd7\xc5\xd3\xce"
    "\xcf\xca \xd7 \xc3\xc5\xce\xd4\xd2\xc5 \xc7\xcf\xd2\xcf"
    "\xc4\xc1 \xcf\xd4\xcb\xd2\xcf\xc5\xd4\xd3\xd1 \xce\xcf"
    "\xd7\xd9\xca \xd0\xc1\xd2\xcb. \xf6\xc9\xd4\xc5\xcc\xc9 "
    "\xd2\xc1\xca\xcf\xce\xc1 \xc4\xc1\xd7\xce\xcf \xd0\xd2"
    "\xcf\xd3\xc9\xcc\xc9 \xd7\xcc\xc1\xd3\xd4\xc9 \xc2\xcc"
    "\xc1\xc7\xcf\xd5\xd3\xd4\xd2\xcf\xc9\xd4\xd8 \xdc\xd4\xcf"
    "\xd4 \xd0\xd5\xd3\xd4\xd9\xd2\xd8.";
static const char uk_koi8u[] =
    "\xf5 \xce\xc5\xc4\xa6\xcc\xc0 \xce\xc1 \xeb\xcf\xce\xd4"
    "\xd2\xc1\xcb\xd4\xcf\xd7\xa6\xca \xd0\xcc\xcf\xdd\xa6 "
    "\xd7\xa6\xc4\xc2\xd5\xc4\xc5\xd4\xd8\xd3\xd1 \xd4\xd2\xc1"
    "\xc4\xc9\xc3\xa6\xca\xce\xc9\xca \xd7\xc5\xd3\xce\xd1\xce"
    "\xc9\xca \xd1\xd2\xcd\xc1\xd2\xcf\xcb. \xed\xc1\xca\xd3"
    "\xd4\xd2\xc9 \xda \xd5\xd3\xa6\xa4\xa7 \xf5\xcb\xd2\xc1"
    "\xa7\xce\xc9 \xd0\xd2\xc9\xd7\xc5\xda\xd5\xd4\xd8 \xd7"
    "\xc9\xdb\xc9\xd7\xc1\xce\xcb\xc9, \xcb\xc5\xd2\xc1\xcd"
    "\xa6\xcb\xd5 \xd4\xc1 \xd7\xc9\xd2\xcf\xc2\xc9 \xda \xc4"
    "\xc5\xd2\xc5\xd7\xc1.";
static const char ja_sjis[] =
    "\x91\xe5\x8d\xe3\x82\xcd\x81u\x93V\x89\xba\x82\xcc\x91"
    "\xe4\x8f\x8a\x81v\x82\xc6\x8c\xc4\x82\xce\x82\xea\x81"
    "A\x90\xcc\x82\xa9\x82\xe7\x90H\x82\xcc\x92\xac\x82\xc6"
    "\x82\xb5\x82\xc4\x92m\x82\xe7\x82\xea\x82\xc4\x82\xa2\x82"
    "\xdc\x82\xb7\x81"
    "B\x96\xe9\x82\xc9\x82\xc8\x82\xe9\x82\xc6\x81"
    "A\x83l\x83I\x83\x93\x82\xaa\x90\xec\x96\xca\x82\xc9\x89"
    "f\x82\xc1\x82\xc4\x82\xc6\x82\xc4\x82\xe0\x82\xab\x82\xea"
    "\x82\xa2\x82\xc5\x82\xb7\x81"
    "B";
static const char ko_euckr[] =
    "\xbc\xad\xbf\xef\xbd\xc3\xb4\xc2 \xb3\xbb\xb3\xe2 \xc0"
    "\xcf\xbf\xf9\xba\xce\xc5\xcd \xb0\xf8\xb0\xf8\xc0\xda\xc0"
    "\xfc\xb0\xc5 \xc0\xcc\xbf\xeb \xbf\xe4\xb1\xdd\xc0\xbb "
    "\xb3\xb7\xc3\xe1\xb4\xd9\xb0\xed \xb9\xe0\xc7\xfb\xb4\xd9"
    ". \xc0\xda\xbc\xbc\xc7\xd1 \xb3\xbb\xbf\xeb\xc0\xba \xbd"
    "\xc3\xc3\xbb \xb4\xa9\xb8\xae\xc1\xfd\xbf\xa1\xbc\xad "
    "\xc8\xae\xc0\xce\xc7\xd2 \xbc\xf6 \xc0\xd6\xb4\xd9.";

static void detection(void **state)
{
  (void)state;
  static const struct {
    const char *in;
    size_t len;
    const char *want;
  } cases[] = {
      {ru_1251, sizeof ru_1251 - 1, "WINDOWS-1251"},
      /* uchardet calls KOI8-U Ukrainian KOI8-R; read as KOI8-U, both come
       * out right. */
      {ru_koi8, sizeof ru_koi8 - 1, "KOI8-U"},
      {uk_koi8u, sizeof uk_koi8u - 1, "KOI8-U"},
      {ja_sjis, sizeof ja_sjis - 1, "CP932"},
      {ko_euckr, sizeof ko_euckr - 1, "UHC"}, /* iconv's name of CP949 */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    assert_int_equal(
        check_detect(cases[i].in, cases[i].len, NULL, cases[i].want, 0),
        AF_CS_DETECTED);
    assert_int_equal(
        check_detect(cases[i].in, cases[i].len, "text/html", cases[i].want, 0),
        AF_CS_DETECTED);
  }
  /* "Мэрия Москвы" */
  static const char moscow[] = "\xD0\x9C\xD1\x8D\xD1\x80\xD0\xB8\xD1\x8F "
                               "\xD0\x9C\xD0\xBE\xD1\x81\xD0\xBA\xD0\xB2"
                               "\xD1\x8B";
  char *out;
  size_t len;
  assert_int_equal(
      af_charset_to_utf8(ru_1251, sizeof ru_1251 - 1, NULL, &out, &len), 0);
  assert_true(len > sizeof moscow && !memcmp(out, moscow, sizeof moscow - 1));
  free(out);
  /* A declaration beats the guess, even a wrong one. */
  DETECT("", "text/html; charset=koi8-r", "KOI8-R", 0);
  check_detect(ru_1251, sizeof ru_1251 - 1, "text/html; charset=koi8-r",
               "KOI8-R", 0);
  /* uchardet calls this UTF-32 (by its BOM): not an ASCII superset, so
   * not a charset for HTML. */
  DETECT("\0\0\xFE\xFF\0\0\0h\0\0\0\xE9", NULL, "WINDOWS-1252", 0);
  /* Too little to go on: windows-1252, as before. */
  assert_int_equal(DETECT("\x81", NULL, "WINDOWS-1252", 0), AF_CS_DEFAULT);
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
      cmocka_unit_test(unknown_label_falls_through),
      cmocka_unit_test(iconv_labels),
      cmocka_unit_test(xml_declaration),
      cmocka_unit_test(detection),
      cmocka_unit_test(invalid_bytes_become_fffd),
      cmocka_unit_test(garbage_is_always_utf8),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
