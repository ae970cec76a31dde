#include "text.h"

#include <stdint.h>
#include <string.h>

#include "buf.h"

/* Decodes one UTF-8 sequence at p (n > 0 bytes available). Returns the
 * number of bytes consumed, always >= 1. *cp is the code point, or -1 when
 * the bytes are invalid: then the return value is the length of the maximal
 * subpart (Unicode 3.9, "U+FFFD substitution of maximal subparts", which is
 * also what WHATWG's decoder does), so one bad sequence gives one U+FFFD and
 * a stray byte never swallows the valid character after it. *incomplete is
 * set when the sequence was valid so far but ran off the end of the input. */
size_t af_utf8_decode(const unsigned char *p, size_t n, int32_t *cp,
                      int *incomplete)
{
  unsigned c = p[0];
  *incomplete = 0;
  if (c < 0x80) {
    *cp = (int32_t)c;
    return 1;
  }
  size_t need;
  unsigned lo = 0x80;
  unsigned hi = 0xBF;
  int32_t v;
  if (c >= 0xC2 && c <= 0xDF) {
    need = 1;
    v = c & 0x1F;
  }
  else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    v = c & 0x0F;
    if (c == 0xE0)
      lo = 0xA0; /* overlong */
    else if (c == 0xED)
      hi = 0x9F; /* surrogates */
  }
  else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    v = c & 0x07;
    if (c == 0xF0)
      lo = 0x90; /* overlong */
    else if (c == 0xF4)
      hi = 0x8F; /* above U+10FFFF */
  }
  else {
    *cp = -1; /* continuation byte, C0, C1 or F5..FF */
    return 1;
  }
  size_t i = 1;
  for (; i <= need; i++) {
    if (i >= n) {
      *cp = -1;
      *incomplete = 1;
      return i;
    }
    unsigned b = p[i];
    if (b < lo || b > hi) {
      *cp = -1;
      return i;
    }
    lo = 0x80;
    hi = 0xBF;
    v = (v << 6) | (int32_t)(b & 0x3F);
  }
  *cp = v;
  return i;
}

static const char replacement[3] = {(char)0xEF, (char)0xBF, (char)0xBD};

int af_utf8_repair(const char *in, size_t len, af_buf_t *out)
{
  const unsigned char *p = (const unsigned char *)in;
  size_t run = 0; /* start of the current run of valid bytes */
  size_t i = 0;
  while (i < len) {
    if (p[i] < 0x80) {
      i++;
      continue;
    }
    int32_t cp;
    int incomplete;
    size_t k = af_utf8_decode(p + i, len - i, &cp, &incomplete);
    if (cp >= 0) {
      i += k;
      continue;
    }
    if (af_buf_append(out, in + run, i - run) != 0)
      return -1;
    if (af_buf_append(out, replacement, sizeof replacement) != 0)
      return -1;
    i += k;
    run = i;
  }
  if (af_buf_append(out, in + run, len - run) != 0)
    return -1;
  return 0;
}

int af_utf8_valid(const char *in, size_t len)
{
  return af_utf8_valid_prefix(in, len) == len;
}

size_t af_utf8_valid_prefix(const char *in, size_t len)
{
  const unsigned char *p = (const unsigned char *)in;
  size_t i = 0;
  while (i < len) {
    if (p[i] < 0x80) {
      i++;
      continue;
    }
    int32_t cp;
    int incomplete;
    size_t k = af_utf8_decode(p + i, len - i, &cp, &incomplete);
    if (cp < 0)
      return i;
    i += k;
  }
  return i;
}

size_t af_utf8_incomplete_tail(const char *in, size_t len)
{
  /* A sequence is at most 4 bytes: only the last 3 can be a cut one. */
  size_t start = len > 3 ? len - 3 : 0;
  const unsigned char *p = (const unsigned char *)in;
  for (size_t i = len; i > start; i--) {
    if ((p[i - 1] & 0xC0) == 0x80)
      continue;
    int32_t cp;
    int incomplete;
    af_utf8_decode(p + i - 1, len - (i - 1), &cp, &incomplete);
    return incomplete ? len - (i - 1) : 0;
  }
  return 0;
}

/* White space per Unicode's White_Space property. */
static int is_space(int32_t c)
{
  if (c == ' ' || (c >= 0x09 && c <= 0x0D))
    return 1;
  switch (c) {
  case 0x85:
  case 0xA0:
  case 0x1680:
  case 0x2028:
  case 0x2029:
  case 0x202F:
  case 0x205F:
  case 0x3000:
    return 1;
  default:
    return c >= 0x2000 && c <= 0x200A;
  }
}

/* Characters that must never reach a terminal or a log line: C0 and C1
 * controls (ESC starts terminal escape sequences), DEL, and the Bidi_Control
 * characters, which can reorder what is displayed ("Trojan Source"). */
static int is_dropped(int32_t c)
{
  if (c < 0x20 || (c >= 0x7F && c <= 0x9F))
    return 1;
  return c == 0x061C || c == 0x200E || c == 0x200F ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

void af_clean_init(af_clean_t *c, size_t max_chars, size_t max_bytes)
{
  af_buf_init(&c->out, max_bytes);
  c->chars = 0;
  c->max_chars = max_chars;
  c->pending_space = 0;
  c->full = 0;
}

/* Appends one character (encoded in s[0..n)) after the pending space, if
 * both fit. A space is only ever written in front of a visible character,
 * which is what trims the end. */
static int put_char(af_clean_t *c, const char *s, size_t n)
{
  size_t want = c->pending_space ? 2 : 1;
  if (c->max_chars && c->chars + want > c->max_chars) {
    c->full = 1;
    return 0;
  }
  if (c->out.len + (want - 1) + n > c->out.max) {
    c->full = 1;
    return 0;
  }
  if (c->pending_space) {
    if (af_buf_putc(&c->out, ' ') != 0)
      return -1;
    c->chars++;
    c->pending_space = 0;
  }
  if (af_buf_append(&c->out, s, n) != 0)
    return -1;
  c->chars++;
  return 0;
}

int af_clean_feed(af_clean_t *c, const char *in, size_t len)
{
  const unsigned char *p = (const unsigned char *)in;
  size_t i = 0;
  while (i < len && !c->full) {
    int32_t cp;
    int incomplete;
    size_t k = af_utf8_decode(p + i, len - i, &cp, &incomplete);
    const char *s = in + i;
    i += k;
    if (cp < 0) {
      s = replacement;
      k = sizeof replacement;
    }
    else if (is_space(cp)) {
      af_clean_space(c);
      continue;
    }
    else if (is_dropped(cp)) {
      continue;
    }
    if (put_char(c, s, k) != 0)
      return -1;
  }
  return 0;
}

void af_clean_space(af_clean_t *c)
{
  if (c->chars > 0)
    c->pending_space = 1;
}

char *af_clean_finish(af_clean_t *c, size_t *len)
{
  char *s = af_buf_detach(&c->out, len);
  c->chars = 0;
  c->pending_space = 0;
  c->full = 0;
  return s;
}

void af_clean_free(af_clean_t *c)
{
  af_buf_free(&c->out);
}

char *af_text_clean(const char *in, size_t len, size_t max_chars)
{
  af_clean_t c;
  af_clean_init(&c, max_chars, SIZE_MAX - 1);
  if (af_clean_feed(&c, in, len) != 0) {
    af_clean_free(&c);
    return NULL;
  }
  return af_clean_finish(&c, NULL);
}
