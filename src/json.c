#include "json.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "afetch.h"
#include "text.h"

/* Output goes either to a growable af_buf (af_json_str) or to the caller's
 * fixed buffer (afetch_result_json), which is filled snprintf-style: bytes
 * past the end are counted, not written, so no allocation is ever needed
 * and the function cannot fail. */
typedef struct {
  af_buf_t *b; /* growable target, or NULL */
  char *p;     /* fixed target of cap bytes (NUL included) */
  size_t cap;
  size_t len; /* bytes produced so far, may exceed cap */
  int err;
} sink_t;

static void put(sink_t *s, const char *p, size_t n)
{
  if (s->b) {
    if (!s->err && af_buf_append(s->b, p, n) != 0)
      s->err = 1;
    return;
  }
  if (s->cap > 0 && s->len < s->cap - 1) {
    size_t room = s->cap - 1 - s->len;
    memcpy(s->p + s->len, p, n < room ? n : room);
  }
  s->len += n;
}

static void puts_(sink_t *s, const char *str)
{
  put(s, str, strlen(str));
}

static const char hex[] = "0123456789abcdef";

static void put_u_escape(sink_t *s, unsigned c)
{
  char e[6] = {'\\',
               'u',
               hex[(c >> 12) & 15],
               hex[(c >> 8) & 15],
               hex[(c >> 4) & 15],
               hex[c & 15]};
  put(s, e, sizeof e);
}

/* Length of a valid UTF-8 sequence at p (n bytes available), 0 if invalid:
 * text.c's decoder, so both files agree on what is valid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
  int32_t cp;
  int incomplete;
  size_t k = af_utf8_decode(p, n, &cp, &incomplete);
  return cp >= 0 ? k : 0;
}

/* The length of an invalid sequence (its maximal subpart), as text.c
 * skips it, so that both files put each U+FFFD in the same place. */
static size_t bad_len(const unsigned char *p, size_t n)
{
  int32_t cp;
  int incomplete;
  return af_utf8_decode(p, n, &cp, &incomplete);
}

static void put_str(sink_t *s, const char *str, size_t len)
{
  const unsigned char *p = (const unsigned char *)str;
  put(s, "\"", 1);
  size_t run = 0;
  size_t i = 0;
  while (i < len) {
    unsigned c = p[i];
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      i++;
      continue;
    }
    size_t k = 1;
    if (c >= 0x80) {
      k = utf8_seq(p + i, len - i);
      if (k == 2 && c == 0xC2 && p[i + 1] < 0xA0) {
        /* C1 controls: valid JSON raw, but not in a terminal. */
      }
      else if (k == 3 && c == 0xE2 && p[i + 1] == 0x80 &&
               (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
        /* U+2028/U+2029 break JavaScript string literals. */
      }
      else if (k > 0) {
        i += k;
        continue;
      }
    }
    put(s, str + run, i - run);
    if (c < 0x80) {
      switch (c) {
      case '"':
        put(s, "\\\"", 2);
        break;
      case '\\':
        put(s, "\\\\", 2);
        break;
      case '\b':
        put(s, "\\b", 2);
        break;
      case '\f':
        put(s, "\\f", 2);
        break;
      case '\n':
        put(s, "\\n", 2);
        break;
      case '\r':
        put(s, "\\r", 2);
        break;
      case '\t':
        put(s, "\\t", 2);
        break;
      default:
        put_u_escape(s, c);
      }
    }
    else if (k == 2) {
      put_u_escape(s, p[i + 1]); /* C2 80..9F is U+0080..U+009F */
    }
    else if (k == 3) {
      put_u_escape(s, p[i + 2] == 0xA8 ? 0x2028 : 0x2029);
    }
    else {
      k = bad_len(p + i, len - i);
      put(s, "\xEF\xBF\xBD", 3);
    }
    i += k;
    run = i;
  }
  put(s, str + run, len - run);
  put(s, "\"", 1);
}

int af_json_str(af_buf_t *b, const char *s, size_t len)
{
  sink_t k = {.b = b};
  put_str(&k, s ? s : "", s ? len : 0);
  return k.err ? -1 : 0;
}

static void put_strz(sink_t *s, const char *str)
{
  if (str)
    put_str(s, str, strlen(str));
  else
    put(s, "null", 4);
}

static void put_u64(sink_t *s, uint64_t v)
{
  char t[24];
  int n = snprintf(t, sizeof t, "%" PRIu64, v);
  put(s, t, (size_t)n);
}

static void put_i64(sink_t *s, int64_t v)
{
  char t[24];
  int n = snprintf(t, sizeof t, "%" PRId64, v);
  put(s, t, (size_t)n);
}

/* Milliseconds with 3 decimals, written by hand: printf's %f follows the
 * locale's decimal point, and a CLI that calls setlocale() would otherwise
 * print "12,345", which is not JSON. NaN and infinities become 0. */
static void put_ms(sink_t *s, double x)
{
  if (!isfinite(x))
    x = 0;
  if (x > 1e12)
    x = 1e12;
  if (x < -1e12)
    x = -1e12;
  double y = x * 1000.0;
  int64_t v = (int64_t)(y < 0 ? y - 0.5 : y + 0.5);
  char t[32];
  uint64_t a = v < 0 ? (uint64_t)(-v) : (uint64_t)v;
  int n = snprintf(t, sizeof t, "%s%" PRIu64 ".%03u", v < 0 ? "-" : "",
                   a / 1000, (unsigned)(a % 1000));
  put(s, t, (size_t)n);
}

/* The one table of error-kind names: the JSON field and
 * afetch_errkind_name are the same words. */
AFETCH_API const char *afetch_errkind_name(afetch_errkind_t k)
{
  static const char *const names[] = {
      [AFETCH_ERR_NONE] = "none",
      [AFETCH_ERR_INVALID_URL] = "invalid_url",
      [AFETCH_ERR_SCHEME] = "scheme",
      [AFETCH_ERR_DNS] = "dns",
      [AFETCH_ERR_CONNECT] = "connect",
      [AFETCH_ERR_TLS] = "tls",
      [AFETCH_ERR_TIMEOUT] = "timeout",
      [AFETCH_ERR_REDIRECTS] = "redirects",
      [AFETCH_ERR_PROTOCOL] = "protocol",
      [AFETCH_ERR_RECV] = "recv",
      [AFETCH_ERR_RESOURCE] = "resource",
      [AFETCH_ERR_OTHER] = "other",
      [AFETCH_ERR_CANCELLED] = "cancelled",
      [AFETCH_ERR_HOST_SKIPPED] = "host_skipped",
      [AFETCH_ERR_ROBOTS] = "robots",
  };
  if ((unsigned)k >= sizeof(names) / sizeof(names[0]) || !names[k])
    return "other";
  return names[k];
}

static const char *errkind(afetch_errkind_t k)
{
  return k == AFETCH_ERR_NONE ? NULL : afetch_errkind_name(k);
}

static void put_bool(sink_t *s, int v)
{
  if (v)
    put(s, "true", 4);
  else
    put(s, "false", 5);
}

static void format_result(sink_t *s, const afetch_result_t *r)
{
  puts_(s, "{\"line\":");
  put_u64(s, r->line);
  puts_(s, ",\"url\":");
  put_strz(s, r->url);
  puts_(s, ",\"effective_url\":");
  put_strz(s, r->effective_url);
  puts_(s, ",\"status\":");
  if (r->status)
    put_i64(s, r->status);
  else
    puts_(s, "null");
  puts_(s, ",\"error\":");
  put_strz(s, r->error);
  puts_(s, ",\"error_kind\":");
  put_strz(s, errkind(r->error_kind));
  puts_(s, ",\"content_type\":");
  put_strz(s, r->content_type);
  puts_(s, ",\"bytes\":");
  put_u64(s, r->bytes);
  puts_(s, ",\"truncated\":");
  put_bool(s, r->truncated);
  puts_(s, ",\"http_version\":");
  put_strz(s, r->http_version);
  puts_(s, ",\"ip\":");
  put_strz(s, r->ip);
  puts_(s, ",\"server\":");
  put_strz(s, r->server);
  puts_(s, ",\"redirects\":");
  put_i64(s, r->redirects);
  puts_(s, ",\"location\":");
  put_strz(s, r->location);
  puts_(s, ",\"retries\":");
  put_i64(s, r->retries);
  puts_(s, ",\"reused\":");
  put_bool(s, r->reused);
  puts_(s, ",\"time_ms\":{\"dns\":");
  put_ms(s, r->time_ms.dns);
  puts_(s, ",\"connect\":");
  put_ms(s, r->time_ms.connect);
  puts_(s, ",\"tls\":");
  put_ms(s, r->time_ms.tls);
  puts_(s, ",\"ttfb\":");
  put_ms(s, r->time_ms.ttfb);
  puts_(s, ",\"total\":");
  put_ms(s, r->time_ms.total);
  puts_(s, ",\"wait\":");
  put_ms(s, r->wait_ms);
  puts_(s, ",\"start\":");
  put_ms(s, r->start_ms);
  puts_(s, "},\"title\":");
  put_strz(s, r->title);
  puts_(s, ",\"snippet\":");
  put_strz(s, r->snippet);
  if (r->saved_as) {
    puts_(s, ",\"saved_as\":");
    put_strz(s, r->saved_as);
  }
  /* Always there, so a script can group a --compare run's lines without
   * knowing which mode produced them: 0, or 1 for the second run. */
  puts_(s, ",\"run\":");
  put_i64(s, r->run);
  puts_(s, "}");
}

AFETCH_API size_t afetch_result_json(const afetch_result_t *r, char *buf,
                                     size_t cap)
{
  sink_t s = {.p = buf, .cap = buf ? cap : 0};
  format_result(&s, r);
  if (s.cap == 0)
    return s.len;
  size_t end = s.len;
  if (end > s.cap - 1) {
    /* Cut prefix: drop a character cut in half, so that even the short
     * output is valid UTF-8 (what was written is valid up to the cut). */
    end = s.cap - 1;
    size_t j = end;
    while (j > 0 && end - j < 4 && ((unsigned char)buf[j - 1] & 0xC0) == 0x80)
      j--;
    if (j > 0) {
      unsigned c = (unsigned char)buf[j - 1];
      size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
      if (j - 1 + need > end)
        end = j - 1;
    }
  }
  buf[end] = '\0';
  return s.len;
}
