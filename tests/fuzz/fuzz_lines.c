/* libFuzzer target: the URL list path, bytes -> lines -> URLs.
 *
 * The input is the whole stream. It is split twice, once in one piece and
 * once in pseudo-random chunks derived from the input's hash, and both
 * splits must give the same lines. Every line goes through af_url_parse
 * and af_url_redact; what they return must be safe to print. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "lines.h"
#include "text.h"
#include "url.h"

typedef struct {
  size_t max_line;
  uint64_t last_lineno;
  size_t count;
  uint64_t digest; /* FNV-1a over every line, its number and flag */
  int parse;       /* also run the URL code (on one of the two splits) */
} state_t;

static void mix(uint64_t *h, const void *p, size_t n)
{
  const unsigned char *s = p;
  for (size_t i = 0; i < n; i++) {
    *h ^= s[i];
    *h *= UINT64_C(0x100000001b3);
  }
}

static int is_space(unsigned char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static void no_controls(const char *s)
{
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c < 0x20 || c == 0x7F)
      abort();
  }
}

static void printable(const char *s)
{
  if (!af_utf8_valid(s, strlen(s)))
    abort();
  no_controls(s);
}

static void check_url(const char *line, size_t len)
{
  af_url_t u;
  char err[128];
  const char *scheme = (len & 1) ? "https" : "http";
  afetch_errkind_t k = af_url_parse(line, len, scheme, &u, err, sizeof(err));
  if (strlen(err) >= sizeof(err))
    abort();
  if (u.display)
    printable(u.display);
  if (k == AFETCH_ERR_NONE) {
    if (err[0] || !u.url || !u.display || !u.host || !u.hostkey)
      abort();
    if (strncmp(u.url, "http://", 7) != 0 && strncmp(u.url, "https://", 8))
      abort();
    if (!strstr(u.hostkey, u.host) || u.host[0] == '\0')
      abort();
    if (u.hash != afetch_host_hash(u.host, strlen(u.host)))
      abort();
    no_controls(u.url);
    char *r = af_url_redact(u.url);
    if (r) {
      printable(r);
      free(r);
    }
  }
  else {
    if (!err[0] || u.url || u.host || u.hostkey)
      abort();
    if (k != AFETCH_ERR_INVALID_URL && k != AFETCH_ERR_SCHEME &&
        k != AFETCH_ERR_RESOURCE)
      abort();
    if (!memchr(line, '\0', len)) {
      char *r = af_url_redact(line);
      if (r) {
        printable(r);
        free(r);
      }
    }
  }
  af_url_free(&u);
}

static void on_line(const char *line, size_t len, uint64_t lineno, int too_long,
                    void *ud)
{
  state_t *st = ud;
  if (len > st->max_line || line[len] != '\0')
    abort();
  if (memchr(line, '\n', len))
    abort();
  if (lineno <= st->last_lineno)
    abort();
  if (len == 0 && !too_long)
    abort();
  if (len > 0 && (is_space((unsigned char)line[0]) ||
                  is_space((unsigned char)line[len - 1]) || line[0] == '#'))
    abort();
  st->last_lineno = lineno;
  st->count++;
  mix(&st->digest, line, len);
  mix(&st->digest, &lineno, sizeof(lineno));
  mix(&st->digest, &too_long, sizeof(too_long));
  if (st->parse) {
    check_url(line, len);
    char *r = af_url_redact_raw(line, len, too_long, 40);
    if (!r)
      abort();
    printable(r);
    free(r);
  }
}

static void run(const uint8_t *data, size_t size, size_t max_line,
                uint64_t seed, state_t *st)
{
  memset(st, 0, sizeof(*st));
  st->max_line = max_line;
  st->digest = UINT64_C(0xcbf29ce484222325);
  st->parse = seed != 0;
  af_lines_t l;
  af_lines_init(&l, max_line);
  size_t got = 0;
  size_t off = 0;
  while (off < size) {
    size_t n = size - off;
    if (seed) {
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      /* Mostly tiny pieces, to split BOMs, CRLFs and lines everywhere. */
      size_t k = (seed >> 8) % 8 == 0 ? (seed >> 16) % 300 : (seed >> 16) % 4;
      k++;
      if (k < n)
        n = k;
    }
    got += af_lines_feed(&l, (const char *)data + off, n, on_line, st);
    off += n;
  }
  got += af_lines_finish(&l, on_line, st);
  if (got != st->count)
    abort();
  af_lines_free(&l);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
    abort();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  mix(&h, data, size);
  size_t max_line = 1 + (size_t)(h % 96);
  state_t whole;
  state_t chunked;
  run(data, size, max_line, 0, &whole);
  run(data, size, max_line, h | 1, &chunked);
  if (whole.count != chunked.count || whole.digest != chunked.digest)
    abort();
  return 0;
}
