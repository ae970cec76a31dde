/* libFuzzer target: robots.txt parsing and matching.
 *
 * Input: a robots.txt body, then optionally a NUL byte and paths, one per
 * line. The body is parsed for "afetch" and for "AFETCH/1.0" (the product
 * token is compared case-insensitively, so both must decide alike) and once
 * more with every LF turned into CRLF (line ends must not matter). Every
 * path must get 0 or 1 alike from all three, the same again with its
 * unreserved characters percent-encoded (normalisation), /robots.txt is
 * always allowed, the matcher's work stays linear in rules x path, and the
 * Crawl-delay is -1 or within [0, AF_ROBOTS_MAX_DELAY]. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "robots.h"

static af_robots_t *parse(const char *body, size_t len, const char *agent)
{
  af_robots_t *r = af_robots_parse(body, len, agent);
  if (!r)
    abort(); /* no allocation failure at these sizes */
  double d = af_robots_crawl_delay(r);
  if (d != -1 && !(d >= 0 && d <= AF_ROBOTS_MAX_DELAY))
    abort();
  if (af_robots_kind(r) != AF_ROBOTS_RULES)
    abort();
  return r;
}

static int check(const af_robots_t *r, const char *path, size_t n)
{
  size_t steps = 0;
  int v = af_robots_check(r, path, n, &steps);
  if (v != 0 && v != 1)
    abort();
  /* Per rule: the pattern's pieces (a line, tripled at most) plus two
   * passes over the normalised path (tripled at most, plus a '/'). */
  size_t per_rule = 3 * AF_ROBOTS_MAX_LINE + 2 * (3 * n + 1) + 8;
  if (steps > af_robots_rule_count(r) * per_rule)
    abort();
  return v;
}

static int is_hex(char c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

static int unreserved(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

/* The path with its unreserved characters written as %xx (lower-case hex
 * every other time, to test the case of the digits too); escapes already
 * there stay. */
static char *encode(const char *p, size_t n, size_t *out_len)
{
  static const char up[] = "0123456789ABCDEF";
  static const char lo[] = "0123456789abcdef";
  char *e = malloc(3 * n + 1);
  if (!e)
    abort();
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)p[i];
    if (c == '%' && i + 2 < n && is_hex(p[i + 1]) && is_hex(p[i + 2])) {
      /* An escape already there stays as it is. */
      memcpy(e + o, p + i, 3);
      o += 3;
      i += 2;
    }
    else if (unreserved(c)) {
      const char *hex = (i & 1) ? lo : up;
      e[o++] = '%';
      e[o++] = hex[c >> 4];
      e[o++] = hex[c & 15];
    }
    else {
      e[o++] = (char)c;
    }
  }
  *out_len = o;
  return e;
}

static char *to_crlf(const char *b, size_t n, size_t *out_len)
{
  char *c = malloc(2 * n + 1);
  if (!c)
    abort();
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (b[i] == '\n')
      c[o++] = '\r';
    c[o++] = b[i];
  }
  *out_len = o;
  return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *in = (const char *)data;
  const char *sep = memchr(in, '\0', size);
  size_t blen = sep ? (size_t)(sep - in) : size;
  size_t crlf_len;
  char *crlf = to_crlf(in, blen, &crlf_len);
  af_robots_t *a = parse(in, blen, "afetch");
  af_robots_t *b = parse(in, blen, "AFETCH/1.0");
  af_robots_t *c = parse(crlf, crlf_len, "afetch");
  if (af_robots_crawl_delay(a) != af_robots_crawl_delay(b) ||
      af_robots_crawl_delay(a) != af_robots_crawl_delay(c) ||
      af_robots_rule_count(a) != af_robots_rule_count(b) ||
      af_robots_rule_count(a) != af_robots_rule_count(c))
    abort();
  if (check(a, "/robots.txt", 11) != 1)
    abort();

  const char *p = sep ? sep + 1 : in + size;
  const char *end = in + size;
  int paths = 0;
  while (p < end && paths < 64) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    int v = check(a, p, n);
    if (check(b, p, n) != v || check(c, p, n) != v)
      abort();
    size_t en;
    char *e = encode(p, n, &en);
    if (check(a, e, en) != v)
      abort();
    free(e);
    paths++;
    p += n + 1;
  }
  af_robots_free(a);
  af_robots_free(b);
  af_robots_free(c);
  free(crlf);
  return 0;
}
