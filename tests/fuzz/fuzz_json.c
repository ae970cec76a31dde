/* libFuzzer target for json.c. The input fills an afetch_result_t: a
 * 12-byte header for the numbers and flags, then the string fields split
 * at NUL bytes. afetch_result_json() must give valid JSON in valid UTF-8,
 * the same length whatever the buffer, and a short buffer must get a
 * valid UTF-8 prefix of the full line. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "afetch.h"
#include "text.h"

static void check(int ok)
{
  if (!ok)
    abort();
}

/* ---- A strict JSON (RFC 8259) checker, enough for one line. ---- */

static const char *value(const char *p, int depth);

static const char *ws(const char *p)
{
  while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
    p++;
  return p;
}

static int hexd(char c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

static const char *string(const char *p)
{
  if (*p++ != '"')
    return NULL;
  for (;;) {
    unsigned char c = (unsigned char)*p;
    if (c == '"')
      return p + 1;
    if (c < 0x20)
      return NULL; /* raw control (or the end of the buffer) */
    if (c == '\\') {
      p++;
      if (*p == 'u') {
        for (int i = 1; i <= 4; i++)
          if (!hexd(p[i]))
            return NULL;
        p += 5;
        continue;
      }
      if (!strchr("\"\\/bfnrt", *p) || !*p)
        return NULL;
    }
    p++;
  }
}

static const char *number(const char *p)
{
  if (*p == '-')
    p++;
  if (*p == '0')
    p++;
  else if (*p >= '1' && *p <= '9')
    while (*p >= '0' && *p <= '9')
      p++;
  else
    return NULL;
  if (*p == '.') {
    p++;
    if (!(*p >= '0' && *p <= '9'))
      return NULL;
    while (*p >= '0' && *p <= '9')
      p++;
  }
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-')
      p++;
    if (!(*p >= '0' && *p <= '9'))
      return NULL;
    while (*p >= '0' && *p <= '9')
      p++;
  }
  return p;
}

static const char *object(const char *p, int depth)
{
  p = ws(p + 1);
  if (*p == '}')
    return p + 1;
  for (;;) {
    p = string(ws(p));
    if (!p)
      return NULL;
    p = ws(p);
    if (*p++ != ':')
      return NULL;
    p = value(p, depth + 1);
    if (!p)
      return NULL;
    p = ws(p);
    if (*p == '}')
      return p + 1;
    if (*p++ != ',')
      return NULL;
  }
}

static const char *value(const char *p, int depth)
{
  if (depth > 8)
    return NULL;
  p = ws(p);
  if (*p == '{')
    return object(p, depth);
  if (*p == '"')
    return string(p);
  if (!strncmp(p, "true", 4))
    return p + 4;
  if (!strncmp(p, "false", 5))
    return p + 5;
  if (!strncmp(p, "null", 4))
    return p + 4;
  return number(p);
}

/* ---- The target ---- */

static double ms(uint8_t a, uint8_t b)
{
  switch (b % 8) {
  case 0:
    return NAN;
  case 1:
    return (b & 8) ? INFINITY : -INFINITY;
  case 2:
    return (b & 8) ? 1e300 : -1e300;
  default: {
    double x = (int8_t)a * 1e-6;
    for (int k = 0; k < (b >> 3) % 16; k++)
      x *= 10;
    return x;
  }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  uint8_t h[12] = {0};
  size_t hl = size < sizeof h ? size : sizeof h;
  memcpy(h, data, hl);
  /* The strings, NUL-terminated: copy the rest with a NUL at the end. */
  size_t rest = size - hl;
  char *text = malloc(rest + 1);
  if (!text)
    return 0;
  memcpy(text, data + hl, rest);
  text[rest] = '\0';
  const char *field[7];
  char *p = text;
  for (int i = 0; i < 7; i++) {
    field[i] = (h[0] >> i) & 1 ? NULL : p;
    p += strlen(p) + 1;
    if (p > text + rest)
      p = text + rest; /* the empty string at the end */
  }

  afetch_result_t r;
  memset(&r, 0, sizeof r);
  r.line = (uint64_t)h[1] << (h[2] % 57);
  r.url = field[0];
  r.effective_url = field[1];
  r.error = field[2];
  r.content_type = field[3];
  r.http_version = field[4];
  r.title = field[5];
  r.snippet = field[6];
  r.status = (int)(int16_t)(h[2] | h[3] << 8);
  r.error_kind = (afetch_errkind_t)(h[4] % 16);
  r.truncated = h[5] & 1;
  r.reused = (h[5] >> 1) & 1;
  r.run = (h[5] >> 2) & 3;
  r.redirects = (int8_t)h[6];
  r.retries = (int8_t)h[7];
  r.bytes = (uint64_t)h[8] << (h[9] % 57);
  r.time_ms.dns = ms(h[8], h[9]);
  r.time_ms.connect = ms(h[9], h[10]);
  r.time_ms.tls = ms(h[10], h[11]);
  r.time_ms.ttfb = ms(h[11], h[8]);
  r.time_ms.total = ms(h[8], h[10]);
  r.wait_ms = ms(h[9], h[11]);
  r.start_ms = ms(h[10], h[9]);

  size_t need = afetch_result_json(&r, NULL, 0);
  char *full = malloc(need + 1);
  if (!full) {
    free(text);
    return 0;
  }
  check(afetch_result_json(&r, full, need + 1) == need);
  check(strlen(full) == need);
  check(af_utf8_valid(full, need));
  const char *end = value(full, 0);
  check(end != NULL && *end == '\0');
  for (size_t i = 0; i < need; i++)
    check((unsigned char)full[i] >= 0x20);

  /* A short buffer: same answer, a valid prefix. */
  size_t cap = need ? (size_t)h[11] * 7 % (need + 1) : 0;
  char *small = malloc(cap ? cap : 1);
  if (small) {
    check(afetch_result_json(&r, small, cap) == need);
    if (cap > 0) {
      size_t len = strlen(small);
      check(len < cap);
      check(len + 3 >= cap - 1 || len == need); /* at most a cut char */
      check(memcmp(small, full, len) == 0);
      check(af_utf8_valid(small, len));
    }
    free(small);
  }
  free(full);
  free(text);
  return 0;
}
