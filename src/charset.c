#include "charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>
#include <uchardet.h>

#include "buf.h"
#include "text.h"

#define UTF8 "UTF-8"
#define CP1252 "WINDOWS-1252" /* decoded with our own table, not iconv */

/* WHATWG Encoding Standard labels, mapped to the glibc iconv converter that
 * decodes what browsers decode (docs/DESIGN.md R10): the Japanese, Korean and
 * Chinese labels go to the Microsoft supersets browsers actually use, and
 * the latin1/ascii labels to windows-1252. The "replacement" labels
 * (iso-2022-kr, hz-gb-2312, ...) are left out, so they count as unknown. */
static const struct {
  const char *label;
  const char *name;
} labels[] = {
    {"unicode-1-1-utf-8", UTF8},
    {"unicode11utf8", UTF8},
    {"unicode20utf8", UTF8},
    {"utf-8", UTF8},
    {"utf8", UTF8},
    {"x-unicode20utf8", UTF8},
    {"866", "IBM866"},
    {"cp866", "IBM866"},
    {"csibm866", "IBM866"},
    {"ibm866", "IBM866"},
    {"csisolatin2", "ISO-8859-2"},
    {"iso-8859-2", "ISO-8859-2"},
    {"iso-ir-101", "ISO-8859-2"},
    {"iso8859-2", "ISO-8859-2"},
    {"iso88592", "ISO-8859-2"},
    {"iso_8859-2", "ISO-8859-2"},
    {"iso_8859-2:1987", "ISO-8859-2"},
    {"l2", "ISO-8859-2"},
    {"latin2", "ISO-8859-2"},
    {"csisolatin3", "ISO-8859-3"},
    {"iso-8859-3", "ISO-8859-3"},
    {"iso-ir-109", "ISO-8859-3"},
    {"iso8859-3", "ISO-8859-3"},
    {"iso88593", "ISO-8859-3"},
    {"iso_8859-3", "ISO-8859-3"},
    {"iso_8859-3:1988", "ISO-8859-3"},
    {"l3", "ISO-8859-3"},
    {"latin3", "ISO-8859-3"},
    {"csisolatin4", "ISO-8859-4"},
    {"iso-8859-4", "ISO-8859-4"},
    {"iso-ir-110", "ISO-8859-4"},
    {"iso8859-4", "ISO-8859-4"},
    {"iso88594", "ISO-8859-4"},
    {"iso_8859-4", "ISO-8859-4"},
    {"iso_8859-4:1988", "ISO-8859-4"},
    {"l4", "ISO-8859-4"},
    {"latin4", "ISO-8859-4"},
    {"csisolatincyrillic", "ISO-8859-5"},
    {"cyrillic", "ISO-8859-5"},
    {"iso-8859-5", "ISO-8859-5"},
    {"iso-ir-144", "ISO-8859-5"},
    {"iso8859-5", "ISO-8859-5"},
    {"iso88595", "ISO-8859-5"},
    {"iso_8859-5", "ISO-8859-5"},
    {"iso_8859-5:1988", "ISO-8859-5"},
    {"arabic", "ISO-8859-6"},
    {"asmo-708", "ISO-8859-6"},
    {"csiso88596e", "ISO-8859-6"},
    {"csiso88596i", "ISO-8859-6"},
    {"csisolatinarabic", "ISO-8859-6"},
    {"ecma-114", "ISO-8859-6"},
    {"iso-8859-6", "ISO-8859-6"},
    {"iso-8859-6-e", "ISO-8859-6"},
    {"iso-8859-6-i", "ISO-8859-6"},
    {"iso-ir-127", "ISO-8859-6"},
    {"iso8859-6", "ISO-8859-6"},
    {"iso88596", "ISO-8859-6"},
    {"iso_8859-6", "ISO-8859-6"},
    {"iso_8859-6:1987", "ISO-8859-6"},
    {"csisolatingreek", "ISO-8859-7"},
    {"ecma-118", "ISO-8859-7"},
    {"elot_928", "ISO-8859-7"},
    {"greek", "ISO-8859-7"},
    {"greek8", "ISO-8859-7"},
    {"iso-8859-7", "ISO-8859-7"},
    {"iso-ir-126", "ISO-8859-7"},
    {"iso8859-7", "ISO-8859-7"},
    {"iso88597", "ISO-8859-7"},
    {"iso_8859-7", "ISO-8859-7"},
    {"iso_8859-7:1987", "ISO-8859-7"},
    {"sun_eu_greek", "ISO-8859-7"},
    {"csiso88598e", "ISO-8859-8"},
    {"csisolatinhebrew", "ISO-8859-8"},
    {"hebrew", "ISO-8859-8"},
    {"iso-8859-8", "ISO-8859-8"},
    {"iso-8859-8-e", "ISO-8859-8"},
    {"iso-ir-138", "ISO-8859-8"},
    {"iso8859-8", "ISO-8859-8"},
    {"iso88598", "ISO-8859-8"},
    {"iso_8859-8", "ISO-8859-8"},
    {"iso_8859-8:1988", "ISO-8859-8"},
    {"visual", "ISO-8859-8"},
    {"csiso88598i", "ISO-8859-8"},
    {"iso-8859-8-i", "ISO-8859-8"},
    {"logical", "ISO-8859-8"},
    {"csisolatin6", "ISO-8859-10"},
    {"iso-8859-10", "ISO-8859-10"},
    {"iso-ir-157", "ISO-8859-10"},
    {"iso8859-10", "ISO-8859-10"},
    {"iso885910", "ISO-8859-10"},
    {"l6", "ISO-8859-10"},
    {"latin6", "ISO-8859-10"},
    {"iso-8859-13", "ISO-8859-13"},
    {"iso8859-13", "ISO-8859-13"},
    {"iso885913", "ISO-8859-13"},
    {"iso-8859-14", "ISO-8859-14"},
    {"iso8859-14", "ISO-8859-14"},
    {"iso885914", "ISO-8859-14"},
    {"csisolatin9", "ISO-8859-15"},
    {"iso-8859-15", "ISO-8859-15"},
    {"iso8859-15", "ISO-8859-15"},
    {"iso885915", "ISO-8859-15"},
    {"iso_8859-15", "ISO-8859-15"},
    {"l9", "ISO-8859-15"},
    {"iso-8859-16", "ISO-8859-16"},
    {"cskoi8r", "KOI8-R"},
    {"koi", "KOI8-R"},
    {"koi8", "KOI8-R"},
    {"koi8-r", "KOI8-R"},
    {"koi8_r", "KOI8-R"},
    {"koi8-ru", "KOI8-U"},
    {"koi8-u", "KOI8-U"},
    {"csmacintosh", "MACINTOSH"},
    {"mac", "MACINTOSH"},
    {"macintosh", "MACINTOSH"},
    {"x-mac-roman", "MACINTOSH"},
    {"dos-874", "CP874"},
    {"iso-8859-11", "CP874"},
    {"iso8859-11", "CP874"},
    {"iso885911", "CP874"},
    {"tis-620", "CP874"},
    {"windows-874", "CP874"},
    {"cp1250", "WINDOWS-1250"},
    {"windows-1250", "WINDOWS-1250"},
    {"x-cp1250", "WINDOWS-1250"},
    {"cp1251", "WINDOWS-1251"},
    {"windows-1251", "WINDOWS-1251"},
    {"x-cp1251", "WINDOWS-1251"},
    {"ansi_x3.4-1968", CP1252},
    {"ascii", CP1252},
    {"cp1252", CP1252},
    {"cp819", CP1252},
    {"csisolatin1", CP1252},
    {"ibm819", CP1252},
    {"iso-8859-1", CP1252},
    {"iso-ir-100", CP1252},
    {"iso8859-1", CP1252},
    {"iso88591", CP1252},
    {"iso_8859-1", CP1252},
    {"iso_8859-1:1987", CP1252},
    {"l1", CP1252},
    {"latin1", CP1252},
    {"us-ascii", CP1252},
    {"windows-1252", CP1252},
    {"x-cp1252", CP1252},
    {"x-user-defined", CP1252},
    {"cp1253", "WINDOWS-1253"},
    {"windows-1253", "WINDOWS-1253"},
    {"x-cp1253", "WINDOWS-1253"},
    {"cp1254", "WINDOWS-1254"},
    {"csisolatin5", "WINDOWS-1254"},
    {"iso-8859-9", "WINDOWS-1254"},
    {"iso-ir-148", "WINDOWS-1254"},
    {"iso8859-9", "WINDOWS-1254"},
    {"iso88599", "WINDOWS-1254"},
    {"iso_8859-9", "WINDOWS-1254"},
    {"iso_8859-9:1989", "WINDOWS-1254"},
    {"l5", "WINDOWS-1254"},
    {"latin5", "WINDOWS-1254"},
    {"windows-1254", "WINDOWS-1254"},
    {"x-cp1254", "WINDOWS-1254"},
    {"cp1255", "WINDOWS-1255"},
    {"windows-1255", "WINDOWS-1255"},
    {"x-cp1255", "WINDOWS-1255"},
    {"cp1256", "WINDOWS-1256"},
    {"windows-1256", "WINDOWS-1256"},
    {"x-cp1256", "WINDOWS-1256"},
    {"cp1257", "WINDOWS-1257"},
    {"windows-1257", "WINDOWS-1257"},
    {"x-cp1257", "WINDOWS-1257"},
    {"cp1258", "WINDOWS-1258"},
    {"windows-1258", "WINDOWS-1258"},
    {"x-cp1258", "WINDOWS-1258"},
    {"x-mac-cyrillic", "MAC-CYRILLIC"},
    {"x-mac-ukrainian", "MAC-CYRILLIC"},
    {"chinese", "GB18030"},
    {"csgb2312", "GB18030"},
    {"csiso58gb231280", "GB18030"},
    {"gb2312", "GB18030"},
    {"gb_2312", "GB18030"},
    {"gb_2312-80", "GB18030"},
    {"gbk", "GB18030"},
    {"iso-ir-58", "GB18030"},
    {"x-gbk", "GB18030"},
    {"gb18030", "GB18030"},
    {"big5", "BIG5-HKSCS"},
    {"big5-hkscs", "BIG5-HKSCS"},
    {"cn-big5", "BIG5-HKSCS"},
    {"csbig5", "BIG5-HKSCS"},
    {"x-x-big5", "BIG5-HKSCS"},
    {"cseucpkdfmtjapanese", "EUC-JP"},
    {"euc-jp", "EUC-JP"},
    {"x-euc-jp", "EUC-JP"},
    {"csiso2022jp", "ISO-2022-JP"},
    {"iso-2022-jp", "ISO-2022-JP"},
    {"csshiftjis", "CP932"},
    {"ms932", "CP932"},
    {"ms_kanji", "CP932"},
    {"shift-jis", "CP932"},
    {"shift_jis", "CP932"},
    {"sjis", "CP932"},
    {"windows-31j", "CP932"},
    {"x-sjis", "CP932"},
    {"cseuckr", "CP949"},
    {"csksc56011987", "CP949"},
    {"euc-kr", "CP949"},
    {"iso-ir-149", "CP949"},
    {"korean", "CP949"},
    {"ks_c_5601-1987", "CP949"},
    {"ks_c_5601-1989", "CP949"},
    {"ksc5601", "CP949"},
    {"ksc_5601", "CP949"},
    {"windows-949", "CP949"},
    {"unicodefffe", "UTF-16BE"},
    {"utf-16be", "UTF-16BE"},
    {"csunicode", "UTF-16LE"},
    {"iso-10646-ucs-2", "UTF-16LE"},
    {"ucs-2", "UTF-16LE"},
    {"unicode", "UTF-16LE"},
    {"unicodefeff", "UTF-16LE"},
    {"utf-16", "UTF-16LE"},
    {"utf-16le", "UTF-16LE"},
};

static int is_ws(unsigned char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static unsigned char lower(unsigned char c)
{
  return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Strips the white space and quotes around a label. */
static void trim(const char **s, size_t *n)
{
  while (*n > 0 &&
         (is_ws((unsigned char)(*s)[0]) || (*s)[0] == '"' || (*s)[0] == '\'')) {
    (*s)++;
    (*n)--;
  }
  while (*n > 0 && (is_ws((unsigned char)(*s)[*n - 1]) || (*s)[*n - 1] == '"' ||
                    (*s)[*n - 1] == '\''))
    (*n)--;
}

/* The WHATWG "replacement" labels: stateful encodings browsers refuse to
 * decode, because their escapes can hide markup. glibc knows most of them,
 * so the iconv fallback must say no here. */
static const char *const refused[] = {
    "csiso2022kr",     "hz-gb-2312",  "iso-2022-cn",
    "iso-2022-cn-ext", "iso-2022-kr", "replacement",
};

/* 1 when iconv decodes the markup bytes of a page unchanged under name, so
 * that the tags it declares itself in still parse: this rules out UTF-16,
 * UTF-32, UTF-7 ('+' starts a shift) and EBCDIC. */
static int ascii_superset(const char *name)
{
  static const char probe[] =
      "<!DOCTYPE html><meta charset=\"a-1\" content='b;c'>&#38;?+@[]^_`{|}"
      "\t\r\n 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  iconv_t cd = iconv_open("UTF-8", name);
  if (cd == (iconv_t)-1)
    return 0;
  char out[sizeof probe * 4];
  char *in = (char *)probe, *op = out;
  size_t il = sizeof probe - 1, ol = sizeof out;
  size_t r = iconv(cd, &in, &il, &op, &ol);
  if (r != (size_t)-1)
    r = iconv(cd, NULL, NULL, &op, &ol);
  iconv_close(cd);
  return r != (size_t)-1 && il == 0 && (size_t)(op - out) == sizeof probe - 1 &&
         memcmp(out, probe, sizeof probe - 1) == 0;
}

/* Maps a label (any case, quoted or not, surrounded by white space) to the
 * iconv name in name[AF_CHARSET_NAME_MAX]: by the WHATWG table first, else
 * the label itself (upper-cased) when glibc iconv decodes it as an ASCII
 * superset (CP949, IBM855, MacCyrillic: servers send them and iconv knows
 * them). Returns 0 when it is not a label we decode. A <meta> cannot declare
 * UTF-16 (the bytes that declare it are ASCII, so the page is not UTF-16):
 * WHATWG says to read it as UTF-8 then. */
static int resolve(const char *s, size_t n, int from_meta, char *name)
{
  trim(&s, &n);
  char l[AF_CHARSET_NAME_MAX];
  if (n == 0 || n >= sizeof l)
    return 0;
  for (size_t i = 0; i < n; i++)
    l[i] = (char)lower((unsigned char)s[i]);
  l[n] = '\0';
  for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
    if (strcmp(labels[i].label, l) != 0)
      continue;
    const char *w = labels[i].name;
    if (from_meta && strncmp(w, "UTF-16", 6) == 0)
      w = UTF8;
    strcpy(name, w); /* every table name is shorter than the buffer */
    return 1;
  }
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
    if (strcmp(refused[i], l) == 0)
      return 0;
  /* Only what a charset name is made of: no "//TRANSLIT" or "//IGNORE"
   * suffix from the network reaches iconv_open. */
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)l[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_' || c == '.' || c == ':'))
      return 0;
  }
  if (!ascii_superset(l))
    return 0;
  /* Upper case, as iconv spells its names (it ignores case itself). */
  for (size_t i = 0; i <= n; i++)
    name[i] = (char)(l[i] >= 'a' && l[i] <= 'z' ? l[i] - 32 : l[i]);
  return 1;
}

/* Case-insensitive search for the ASCII word w in s[from..n). */
static size_t find_ci(const unsigned char *s, size_t n, size_t from,
                      const char *w)
{
  size_t wl = strlen(w);
  for (size_t i = from; i + wl <= n; i++) {
    size_t k = 0;
    while (k < wl && lower(s[i + k]) == (unsigned char)w[k])
      k++;
    if (k == wl)
      return i;
  }
  return n;
}

/* WHATWG "extract a character encoding from a meta element", which also
 * reads the charset parameter of a Content-Type header. Sets the label
 * (not NUL-terminated) and returns 1, or returns 0. */
static int extract_charset(const unsigned char *s, size_t n,
                           const unsigned char **label, size_t *len)
{
  size_t i = 0;
  for (;;) {
    i = find_ci(s, n, i, "charset");
    if (i >= n)
      return 0;
    i += 7;
    while (i < n && is_ws(s[i]))
      i++;
    if (i < n && s[i] == '=')
      break;
  }
  i++;
  while (i < n && is_ws(s[i]))
    i++;
  if (i >= n)
    return 0;
  if (s[i] == '"' || s[i] == '\'') {
    unsigned char q = s[i];
    size_t start = ++i;
    while (i < n && s[i] != q)
      i++;
    if (i >= n)
      return 0;
    *label = s + start;
    *len = i - start;
    return 1;
  }
  size_t start = i;
  while (i < n && !is_ws(s[i]) && s[i] != ';')
    i++;
  *label = s + start;
  *len = i - start;
  return 1;
}

/* One attribute of the prescan (WHATWG "get an attribute"). Long names and
 * values are cut; only short ones matter here. */
typedef struct {
  char name[16];
  size_t name_len;
  unsigned char value[256];
  size_t value_len;
} attr_t;

static void add(char *dst, size_t cap, size_t *len, unsigned char c)
{
  if (*len < cap)
    dst[(*len)++] = (char)c;
}

/* Returns 1 with *a filled and *pos past the attribute, 0 at the end of the
 * tag or the input. */
static int get_attr(const unsigned char *s, size_t n, size_t *pos, attr_t *a)
{
  size_t i = *pos;
  a->name_len = 0;
  a->value_len = 0;
  while (i < n && (is_ws(s[i]) || s[i] == '/'))
    i++;
  if (i >= n || s[i] == '>') {
    *pos = i;
    return 0;
  }
  /* The name. */
  for (;;) {
    if (i >= n) {
      *pos = i;
      return 0;
    }
    unsigned char c = s[i];
    if (c == '=' && a->name_len > 0) {
      i++;
      break;
    }
    if (is_ws(c)) {
      while (i < n && is_ws(s[i]))
        i++;
      if (i >= n || s[i] != '=') {
        *pos = i;
        return 1;
      }
      i++;
      break;
    }
    if (c == '/' || c == '>') {
      *pos = i;
      return 1;
    }
    add(a->name, sizeof a->name, &a->name_len, lower(c));
    i++;
  }
  /* The value. */
  while (i < n && is_ws(s[i]))
    i++;
  if (i >= n) {
    *pos = i;
    return 0;
  }
  if (s[i] == '"' || s[i] == '\'') {
    unsigned char q = s[i++];
    while (i < n && s[i] != q) {
      add((char *)a->value, sizeof a->value, &a->value_len, lower(s[i]));
      i++;
    }
    if (i >= n) {
      *pos = i;
      return 0;
    }
    *pos = i + 1;
    return 1;
  }
  if (s[i] == '>') {
    *pos = i;
    return 1;
  }
  while (i < n && !is_ws(s[i]) && s[i] != '>') {
    add((char *)a->value, sizeof a->value, &a->value_len, lower(s[i]));
    i++;
  }
  *pos = i;
  return i < n;
}

static int name_is(const attr_t *a, const char *w)
{
  return a->name_len == strlen(w) && memcmp(a->name, w, a->name_len) == 0;
}

/* <meta ...> at *pos (just past "<meta"): 1 with the charset it declares
 * in name, or 0. WHATWG prescan: a charset attribute, or
 * http-equiv=content-type with content="...charset=...". Only the first of
 * duplicate attributes counts. */
static int meta(const unsigned char *s, size_t n, size_t *pos, char *name)
{
  int seen_he = 0, seen_content = 0, seen_charset = 0;
  int got_pragma = 0;
  int need_pragma = -1; /* unknown */
  int charset = 0;
  attr_t a;
  while (get_attr(s, n, pos, &a)) {
    if (name_is(&a, "http-equiv")) {
      if (seen_he++)
        continue;
      if (a.value_len == 12 && memcmp(a.value, "content-type", 12) == 0)
        got_pragma = 1;
    }
    else if (name_is(&a, "content")) {
      if (seen_content++ || charset)
        continue;
      const unsigned char *l;
      size_t ll;
      if (extract_charset(a.value, a.value_len, &l, &ll)) {
        charset = resolve((const char *)l, ll, 1, name);
        need_pragma = charset ? 1 : need_pragma;
      }
    }
    else if (name_is(&a, "charset")) {
      if (seen_charset++)
        continue;
      charset = resolve((const char *)a.value, a.value_len, 1, name);
      need_pragma = 0;
    }
  }
  if (need_pragma < 0 || (need_pragma == 1 && !got_pragma))
    return 0;
  return charset;
}

/* WHATWG "prescan a byte stream to determine its encoding", over the first
 * 1024 bytes: 1 with the charset in name, or 0. */
static int prescan(const unsigned char *s, size_t n, char *name)
{
  if (n > 1024)
    n = 1024;
  size_t i = 0;
  while (i < n) {
    if (s[i] != '<') {
      i++;
      continue;
    }
    if (n - i >= 4 && memcmp(s + i, "<!--", 4) == 0) {
      /* The dashes may be shared: "<!-->" is an empty comment. */
      size_t j = i + 2;
      while (j + 3 <= n && memcmp(s + j, "-->", 3) != 0)
        j++;
      i = j + 3;
      continue;
    }
    if (n - i >= 6 && find_ci(s + i, 5, 0, "<meta") == 0 &&
        (is_ws(s[i + 5]) || s[i + 5] == '/')) {
      size_t pos = i + 6;
      if (meta(s, n, &pos, name))
        return 1;
      i = pos + 1;
      continue;
    }
    size_t j = i + 1;
    if (j < n && s[j] == '/')
      j++;
    if (j < n && ((s[j] | 0x20) >= 'a' && (s[j] | 0x20) <= 'z')) {
      while (j < n && !is_ws(s[j]) && s[j] != '>')
        j++;
      attr_t a;
      while (get_attr(s, n, &j, &a))
        ;
      i = j + 1;
      continue;
    }
    if (j < n && (s[j] == '!' || s[j] == '/' || s[j] == '?')) {
      while (j < n && s[j] != '>')
        j++;
      i = j + 1;
      continue;
    }
    i++;
  }
  return 0;
}

/* The encoding of an XML declaration at the start of the page,
 * <?xml version="1.0" encoding="..."?>: XHTML pages served as text/html
 * often carry only that. 1 with the charset in name, or 0. */
static int xml_decl(const unsigned char *s, size_t n, char *name)
{
  if (n > 1024)
    n = 1024;
  size_t i = 0;
  while (i < n && is_ws(s[i])) /* a stray newline before it is common */
    i++;
  if (n - i < 6 || memcmp(s + i, "<?xml", 5) != 0 || !is_ws(s[i + 5]))
    return 0;
  size_t end = i + 5;
  while (end + 1 < n && !(s[end] == '?' && s[end + 1] == '>'))
    end++;
  if (end + 1 >= n)
    return 0;
  /* "encoding" cannot occur inside the version pseudo-attribute before
   * it, so the first one is the right one. */
  i = find_ci(s, end, i + 5, "encoding");
  if (i >= end)
    return 0;
  i += 8;
  while (i < end && is_ws(s[i]))
    i++;
  if (i >= end || s[i] != '=')
    return 0;
  i++;
  while (i < end && is_ws(s[i]))
    i++;
  if (i >= end || (s[i] != '"' && s[i] != '\''))
    return 0;
  unsigned char q = s[i++];
  size_t start = i;
  while (i < end && s[i] != q)
    i++;
  if (i >= end)
    return 0;
  return resolve((const char *)s + start, i - start, 1, name);
}

/* A guess is made from this much of the body: the text near the top tells
 * the language as well as the whole page would, and the time stays small. */
#define GUESS_MAX (64 * 1024)

/* Guesses the charset of undeclared bytes with uchardet, the detector
 * Firefox's was before chardetng. 1 with the charset in name, or 0 when it
 * has no answer. */
static int guess(const char *body, size_t len, char *name)
{
  uchardet_t ud = uchardet_new();
  if (!ud)
    return 0;
  int ok = 0;
  if (uchardet_handle_data(ud, body, len < GUESS_MAX ? len : GUESS_MAX) == 0) {
    uchardet_data_end(ud);
    const char *g = uchardet_get_charset(ud);
    /* uchardet 0.0.7 has no Ukrainian model and calls KOI8-U text KOI8-R.
     * KOI8-U is KOI8-R with the Ukrainian letters in place of eight
     * box-drawing characters no web page uses, so it reads both right. */
    if (g && strcmp(g, "KOI8-R") == 0)
      g = "KOI8-U";
    /* resolve() turns down a guess of UTF-32 (uchardet reads its BOM,
     * which WHATWG does not) as no ASCII superset. */
    ok = g && *g && resolve(g, strlen(g), 1, name);
  }
  uchardet_delete(ud);
  return ok;
}

static void set(af_charset_t *cs, const char *name, af_charset_source_t src)
{
  strcpy(cs->name, name); /* our own constants, all short */
  cs->source = src;
}

void af_charset_detect(const char *body, size_t len, const char *content_type,
                       af_charset_t *cs)
{
  const unsigned char *s = (const unsigned char *)body;
  cs->bom_len = 0;
  if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
    cs->bom_len = 3;
    set(cs, UTF8, AF_CS_BOM);
    return;
  }
  if (len >= 2 && s[0] == 0xFF && s[1] == 0xFE) {
    cs->bom_len = 2;
    set(cs, "UTF-16LE", AF_CS_BOM);
    return;
  }
  if (len >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
    cs->bom_len = 2;
    set(cs, "UTF-16BE", AF_CS_BOM);
    return;
  }
  /* A label nobody decodes says nothing: the next source is asked. */
  if (content_type) {
    const unsigned char *l;
    size_t ll;
    cs->source = AF_CS_HEADER;
    if (extract_charset((const unsigned char *)content_type,
                        strlen(content_type), &l, &ll) &&
        resolve((const char *)l, ll, 0, cs->name))
      return;
  }
  cs->source = AF_CS_META;
  if (prescan(s, len, cs->name))
    return;
  cs->source = AF_CS_XML;
  if (xml_decl(s, len, cs->name))
    return;
  size_t ok = af_utf8_valid_prefix(body, len);
  if (ok == len || ok + af_utf8_incomplete_tail(body, len) == len) {
    set(cs, UTF8, AF_CS_DEFAULT);
    return;
  }
  cs->source = AF_CS_DETECTED;
  if (guess(body, len, cs->name))
    return;
  set(cs, CP1252, AF_CS_DEFAULT);
}

/* windows-1252 0x80..0x9F; everything else is Latin-1. The five holes
 * (0x81, 0x8D, 0x8F, 0x90, 0x9D) map to the C1 controls, as WHATWG does
 * (where glibc's iconv refuses them). */
static const uint16_t cp1252_c1[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static int from_cp1252(const unsigned char *s, size_t n, af_buf_t *out)
{
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] < 0x80)
      continue;
    if (af_buf_append(out, s + run, i - run) != 0)
      return -1;
    unsigned c = s[i] < 0xA0 ? cp1252_c1[s[i] - 0x80] : s[i];
    char u[3];
    size_t k;
    if (c < 0x800) {
      u[0] = (char)(0xC0 | (c >> 6));
      u[1] = (char)(0x80 | (c & 0x3F));
      k = 2;
    }
    else {
      u[0] = (char)(0xE0 | (c >> 12));
      u[1] = (char)(0x80 | ((c >> 6) & 0x3F));
      u[2] = (char)(0x80 | (c & 0x3F));
      k = 3;
    }
    if (af_buf_append(out, u, k) != 0)
      return -1;
    run = i + 1;
  }
  return af_buf_append(out, s + run, n - run) != 0 ? -1 : 0;
}

static int from_utf8(const char *s, size_t n, af_buf_t *out)
{
  return af_utf8_repair(s, n - af_utf8_incomplete_tail(s, n), out);
}

/* iconv stops at the first byte it cannot decode; browsers put U+FFFD
 * there and go on. Returns 0, -1 on allocation failure, 1 when the
 * converter is not available. */
static int from_iconv(const char *name, const char *s, size_t n, af_buf_t *out)
{
  iconv_t cd = iconv_open("UTF-8", name);
  if (cd == (iconv_t)-1)
    return 1;
  int gb18030 = strcmp(name, "GB18030") == 0;
  int rc = 0;
  char chunk[4096];
  char *in = (char *)s;
  size_t left = n;
  int flushing = 0;
  for (;;) {
    char *op = chunk;
    size_t ol = sizeof chunk;
    size_t r = flushing ? iconv(cd, NULL, NULL, &op, &ol)
                        : iconv(cd, &in, &left, &op, &ol);
    int e = errno;
    if (af_buf_append(out, chunk, (size_t)(op - chunk)) != 0) {
      rc = -1;
      break;
    }
    if (r != (size_t)-1) {
      if (flushing)
        break;
      flushing = 1; /* emit what a stateful decoder still holds */
      continue;
    }
    if (e == E2BIG)
      continue;
    if (e == EILSEQ && !flushing && left > 0) {
      /* WHATWG's gb18030 decoder reads a lone 0x80 as the euro sign (it
       * is in windows-936); glibc refuses it. */
      const char *rep = gb18030 && (unsigned char)*in == 0x80 ? "\xE2\x82\xAC"
                                                              : "\xEF\xBF\xBD";
      if (af_buf_append(out, rep, 3) != 0) {
        rc = -1;
        break;
      }
      in++;
      left--;
      continue;
    }
    /* EINVAL: a sequence cut at the end of the input; drop it. */
    if (flushing)
      break;
    flushing = 1;
  }
  iconv_close(cd);
  return rc;
}

int af_charset_to_utf8(const char *body, size_t len, const char *content_type,
                       char **out, size_t *out_len)
{
  *out = NULL;
  *out_len = 0;
  af_charset_t cs;
  af_charset_detect(body, len, content_type, &cs);
  const char *name = cs.name;
  body += cs.bom_len;
  len -= cs.bom_len;
  af_buf_t b;
  af_buf_init(&b, SIZE_MAX - 1);
  int rc;
  if (strcmp(name, UTF8) == 0) {
    rc = from_utf8(body, len, &b);
  }
  else if (strcmp(name, CP1252) == 0) {
    rc = from_cp1252((const unsigned char *)body, len, &b);
  }
  else {
    rc = from_iconv(name, body, len, &b);
    if (rc == 1) {
      af_buf_reset(&b);
      rc = from_utf8(body, len, &b);
    }
    else if (rc == 0 && !af_utf8_valid(b.data ? b.data : "", b.len)) {
      /* Belt and braces: whatever iconv made, only UTF-8 leaves here. */
      af_buf_t r;
      af_buf_init(&r, SIZE_MAX - 1);
      rc = af_utf8_repair(b.data, b.len, &r);
      af_buf_free(&b);
      b = r;
    }
  }
  if (rc != 0) {
    af_buf_free(&b);
    return -1;
  }
  *out = af_buf_detach(&b, out_len);
  if (!*out) {
    af_buf_free(&b);
    return -1;
  }
  return 0;
}
