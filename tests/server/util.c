/* Small helpers of afserve: a bounded string buffer, escaping, decoding. */
#include "afserve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sb_init(sbuf_t *sb, size_t max)
{
  sb->p = NULL;
  sb->len = 0;
  sb->cap = 0;
  sb->max = max;
  sb->err = 0;
}

void sb_free(sbuf_t *sb)
{
  free(sb->p);
  sb_init(sb, sb->max);
}

/* Makes room for len more bytes plus a NUL; 0 on success. */
static int sb_grow(sbuf_t *sb, size_t len)
{
  if (sb->err)
    return -1;
  if (len > sb->max || sb->len > sb->max - len) {
    sb->err = 1;
    return -1;
  }
  size_t need = sb->len + len + 1;
  if (need <= sb->cap)
    return 0;
  size_t cap = sb->cap ? sb->cap : 256;
  while (cap < need)
    cap *= 2;
  char *p = realloc(sb->p, cap);
  if (!p) {
    sb->err = 1;
    return -1;
  }
  sb->p = p;
  sb->cap = cap;
  return 0;
}

void sb_add(sbuf_t *sb, const void *data, size_t len)
{
  if (sb_grow(sb, len))
    return;
  if (len)
    memcpy(sb->p + sb->len, data, len);
  sb->len += len;
  sb->p[sb->len] = '\0';
}

void sb_adds(sbuf_t *sb, const char *s)
{
  sb_add(sb, s, strlen(s));
}

void sb_printf(sbuf_t *sb, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) {
    sb->err = 1;
    return;
  }
  if (sb_grow(sb, (size_t)n))
    return;
  va_start(ap, fmt);
  vsnprintf(sb->p + sb->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  sb->len += (size_t)n;
}

char *str_printf(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return NULL;
  char *p = malloc((size_t)n + 1);
  if (!p)
    return NULL;
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}

void sb_add_html(sbuf_t *sb, const char *s, size_t len)
{
  size_t run = 0;
  for (size_t i = 0; i < len; i++) {
    const char *rep = NULL;
    switch (s[i]) {
    case '&':
      rep = "&amp;";
      break;
    case '<':
      rep = "&lt;";
      break;
    case '>':
      rep = "&gt;";
      break;
    case '"':
      rep = "&quot;";
      break;
    case '\'':
      rep = "&#39;";
      break;
    default:
      continue;
    }
    sb_add(sb, s + run, i - run);
    sb_adds(sb, rep);
    run = i + 1;
  }
  sb_add(sb, s + run, len - run);
}

void sb_add_json(sbuf_t *sb, const char *s, size_t len)
{
  sb_add(sb, "\"", 1);
  size_t run = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)s[i];
    /* Bytes >= 0x80 are escaped too: a Host header is not promised to be
     * UTF-8, and /stats must stay valid JSON for jq. */
    if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
      continue;
    sb_add(sb, s + run, i - run);
    if (ch == '"' || ch == '\\')
      sb_printf(sb, "\\%c", ch);
    else
      sb_printf(sb, "\\u%04x", ch);
    run = i + 1;
  }
  sb_add(sb, s + run, len - run);
  sb_add(sb, "\"", 1);
}

static int hexval(char ch)
{
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

char *pct_decode(const char *s, size_t len, int plus, size_t *out_len)
{
  char *out = malloc(len + 1);
  if (!out)
    return NULL;
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '%' && i + 2 < len && hexval(s[i + 1]) >= 0 &&
        hexval(s[i + 2]) >= 0) {
      out[n++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
      i += 2;
    }
    else if (plus && s[i] == '+')
      out[n++] = ' ';
    else
      out[n++] = s[i];
  }
  out[n] = '\0';
  *out_len = n;
  return out;
}

int query_get(const char *query, const char *name, const char **val,
              size_t *len)
{
  if (!query)
    return 0;
  size_t nlen = strlen(name);
  const char *p = query;
  while (*p) {
    const char *end = strchr(p, '&');
    if (!end)
      end = p + strlen(p);
    if ((size_t)(end - p) > nlen && !strncmp(p, name, nlen) && p[nlen] == '=') {
      *val = p + nlen + 1;
      *len = (size_t)(end - *val);
      return 1;
    }
    if (!*end)
      break;
    p = end + 1;
  }
  return 0;
}

int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
  if (len == 0 || len > 19)
    return -1;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  if (v > max)
    return -1;
  *out = v;
  return 0;
}

const char *reason_phrase(int status)
{
  switch (status) {
  case 200:
    return "OK";
  case 201:
    return "Created";
  case 202:
    return "Accepted";
  case 204:
    return "No Content";
  case 206:
    return "Partial Content";
  case 301:
    return "Moved Permanently";
  case 302:
    return "Found";
  case 303:
    return "See Other";
  case 304:
    return "Not Modified";
  case 307:
    return "Temporary Redirect";
  case 308:
    return "Permanent Redirect";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 403:
    return "Forbidden";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 410:
    return "Gone";
  case 418:
    return "I'm a teapot";
  case 429:
    return "Too Many Requests";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 501:
    return "Not Implemented";
  case 502:
    return "Bad Gateway";
  case 503:
    return "Service Unavailable";
  case 504:
    return "Gateway Timeout";
  case 505:
    return "HTTP Version Not Supported";
  default:
    return "Unknown";
  }
}
