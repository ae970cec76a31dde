#include "url.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <idn2.h>

#include "buf.h"
#include "text.h"

#define URL_MAX 65536 /* bytes, after the scheme is added */

/* Schemes recognised without "://" ("mailto:x", "file:/etc/passwd"), so
 * they are refused as schemes instead of read as a host name. Any other
 * word followed by ':' is a host name and a port ("localhost:8080"). */
static const char *const known_schemes[] = {
    "about", "blob",     "chrome", "data",   "dav",      "dict",        "file",
    "ftp",   "ftps",     "git",    "gopher", "gophers",  "http",        "https",
    "imap",  "imaps",    "irc",    "ircs",   "jar",      "javascript",  "ldap",
    "ldaps", "magnet",   "mailto", "mqtt",   "news",     "nntp",        "pop3",
    "pop3s", "resource", "rtmp",   "rtsp",   "scp",      "sftp",        "sip",
    "sips",  "smb",      "smbs",   "sms",    "smtp",     "smtps",       "ssh",
    "tel",   "telnet",   "tftp",   "urn",    "vbscript", "view-source", "ws",
    "wss",   "xmpp",
};

static int lower(int c)
{
  return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static int is_digit(int c)
{
  return c >= '0' && c <= '9';
}

static int is_scheme_char(int c)
{
  c = lower(c);
  return (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' || c == '-' ||
         c == '.';
}

/* Case-insensitive: s[0..n) equals the NUL-terminated word. */
static int word_is(const char *s, size_t n, const char *word)
{
  if (strlen(word) != n)
    return 0;
  for (size_t i = 0; i < n; i++) {
    if (lower((unsigned char)s[i]) != word[i])
      return 0;
  }
  return 1;
}

static int is_http(const char *s, size_t n)
{
  return word_is(s, n, "http") || word_is(s, n, "https");
}

static int is_known_scheme(const char *s, size_t n)
{
  size_t count = sizeof(known_schemes) / sizeof(known_schemes[0]);
  for (size_t i = 0; i < count; i++) {
    if (word_is(s, n, known_schemes[i]))
      return 1;
  }
  return 0;
}

/* p[0..n) is a port: digits, then the end or the start of a path, query
 * or fragment. */
static int looks_like_port(const char *p, size_t n)
{
  size_t i = 0;
  while (i < n && is_digit((unsigned char)p[i]))
    i++;
  return i > 0 && (i == n || p[i] == '/' || p[i] == '?' || p[i] == '#');
}

/* Length of the scheme the line starts with, 0 if it has none. A scheme is
 * scheme characters followed by "://", or a known scheme followed by ':'
 * and something that is not a port ("ftp:21" is the host ftp, port 21;
 * "http:" is always the scheme). We decide this ourselves rather than let
 * libcurl guess from the host name (CURLU_GUESS_SCHEME would turn
 * "ftp.example.com" into an FTP URL). */
static size_t scheme_len(const char *s, size_t len)
{
  size_t i = 0;
  while (i < len && is_scheme_char((unsigned char)s[i]))
    i++;
  if (i == 0 || i >= len || s[i] != ':')
    return 0;
  if (len - i >= 3 && s[i + 1] == '/' && s[i + 2] == '/')
    return i;
  if (is_http(s, i))
    return i;
  if (is_known_scheme(s, i) && !looks_like_port(s + i + 1, len - i - 1))
    return i;
  return 0;
}

__attribute__((format(printf, 3, 4))) static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
  if (!err || errlen == 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

/* Appends s[0..len) to out with any password replaced by "***", for text
 * libcurl could not parse. It errs towards hiding too much: the password
 * is everything from the first ':' after the scheme to the last '@' in the
 * string, since a password holding '/', '?' or '#' must not leak either.
 * cut: s is the start of a longer text, whose '@' may be past the end, so
 * without one everything from that ':' on is hidden. Returns 0, or -1 on
 * allocation failure. */
static int redact_raw(const char *s, size_t len, int cut, af_buf_t *out)
{
  size_t start = scheme_len(s, len);
  if (start > 0)
    start++; /* the ':' */
  while (start < len && (s[start] == '/' || s[start] == '\\'))
    start++;
  size_t at = len;
  for (size_t i = len; i > start; i--) {
    if (s[i - 1] == '@') {
      at = i - 1;
      break;
    }
  }
  const char *colon = memchr(s + start, ':', at - start);
  if (!colon || (at == len && !cut))
    return af_buf_append(out, s, len) < 0 ? -1 : 0;
  size_t keep = (size_t)(colon - s) + 1;
  if (af_buf_append(out, s, keep) < 0 || af_buf_append(out, "***", 3) < 0 ||
      af_buf_append(out, s + at, len - at) < 0)
    return -1;
  return 0;
}

char *af_url_redact_raw(const char *s, size_t len, int cut, size_t max_chars)
{
  af_buf_t b;
  af_buf_init(&b, len + 3);
  char *d = NULL;
  if (redact_raw(s, len, cut, &b) == 0)
    d = af_text_clean(b.data ? b.data : "", b.len, max_chars);
  af_buf_free(&b);
  return d;
}

static const char *curlu_message(CURLUcode rc)
{
  switch (rc) {
  case CURLUE_MALFORMED_INPUT:
    return "malformed";
  case CURLUE_BAD_PORT_NUMBER:
    return "bad port number";
  case CURLUE_NO_HOST:
    return "no host";
  case CURLUE_BAD_HOSTNAME:
    return "bad host name";
  case CURLUE_BAD_IPV6:
    return "bad IPv6 address";
  case CURLUE_BAD_SLASHES:
    return "bad slashes after the scheme";
  case CURLUE_BAD_SCHEME:
    return "bad scheme";
  case CURLUE_BAD_LOGIN:
  case CURLUE_BAD_USER:
  case CURLUE_BAD_PASSWORD:
    return "bad user name or password";
  case CURLUE_BAD_PATH:
    return "bad path";
  case CURLUE_BAD_QUERY:
    return "bad query";
  case CURLUE_BAD_FRAGMENT:
    return "bad fragment";
  default:
    return curl_url_strerror(rc);
  }
}

static int has_controls(const char *s, size_t len, int *nul)
{
  *nul = memchr(s, '\0', len) != NULL;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7F)
      return 1;
  }
  return 0;
}

/* Quote marks around a URL copied out of JSON, CSV or a document: ASCII
 * " and ', and the typographic “ ” ‘ ’ „ « ». */
static const char *const quotes[] = {
    "\"",           "'",
    "\xe2\x80\x9c", "\xe2\x80\x9d",
    "\xe2\x80\x98", "\xe2\x80\x99",
    "\xe2\x80\x9e", "\xc2\xab",
    "\xc2\xbb",
};

/* 1 if s[0..len) starts (at_end 0) or ends (at_end 1) with a quote. */
static int has_quote(const char *s, size_t len, int at_end)
{
  for (size_t i = 0; i < sizeof(quotes) / sizeof(quotes[0]); i++) {
    size_t n = strlen(quotes[i]);
    if (len >= n && memcmp(at_end ? s + len - n : s, quotes[i], n) == 0)
      return 1;
  }
  return 0;
}

/* ASCII case-insensitive: s[0..len) starts with the lower-case word. */
static int starts_with(const char *s, size_t len, const char *word)
{
  size_t n = strlen(word);
  return len >= n && word_is(s, n, word);
}

/* What makes a line that is not one URL easy to recognise, as a message
 * that says how to fix it, or NULL. We refuse rather than repair: a quote
 * could be part of a path, and a guess that fetches a different URL than
 * the list holds is worse than an error that names the problem. */
static const char *line_problem(const char *line, size_t len)
{
  if (has_quote(line, len, 0)) {
    if (len > 1 && has_quote(line + 1, len - 1, 1))
      return "the line is quoted: remove the quotes";
    return "the line starts with a quote: remove it";
  }
  for (size_t i = 0; i < len; i++) {
    switch (line[i]) {
    case '\t':
      return "contains a tab: one URL per line";
    case '\r':
      return "contains a carriage return: one URL per line";
    case '\v':
    case '\f':
      return "contains a vertical tab or form feed: one URL per line";
    case ' ':
      if (starts_with(line + i + 1, len - i - 1, "http://") ||
          starts_with(line + i + 1, len - i - 1, "https://"))
        return "holds two URLs separated by a space: one URL per line";
      break;
    default:
      break;
    }
  }
  return NULL;
}

/* 1 if the authority (what follows the scheme and "//", up to the path)
 * holds a space: the host name of "example.com other.com" or
 * "http://exa mple/". */
static int space_in_host(const char *line, size_t len, size_t slen)
{
  size_t i = slen ? slen + 1 : 0;
  while (i < len && line[i] == '/')
    i++;
  for (; i < len; i++) {
    if (line[i] == '/' || line[i] == '?' || line[i] == '#')
      return 0;
    if (line[i] == ' ')
      return 1;
  }
  return 0;
}

/* Builds the string handed to libcurl: the default scheme when the line
 * has none, spaces percent-encoded (libcurl refuses them, browsers encode
 * them). Returns 0, 1 when longer than URL_MAX, -1 on allocation
 * failure. */
static int build(const char *line, size_t len, size_t slen,
                 const char *default_scheme, af_buf_t *w)
{
  int rc = 0;
  if (slen == 0) {
    rc |= af_buf_append(w, default_scheme, strlen(default_scheme));
    /* "//host/path" only lacks the scheme. */
    int slashes = len >= 2 && line[0] == '/' && line[1] == '/';
    rc |= af_buf_append(w, slashes ? ":" : "://", slashes ? 1 : 3);
  }
  const char *p = line;
  const char *end = line + len;
  while (p < end && rc == 0) {
    const char *sp = memchr(p, ' ', (size_t)(end - p));
    size_t n = sp ? (size_t)(sp - p) : (size_t)(end - p);
    rc |= af_buf_append(w, p, n);
    if (!sp)
      break;
    rc |= af_buf_append(w, "%20", 3);
    p = sp + 1;
  }
  if (rc < 0)
    return -1;
  return rc ? 1 : 0;
}

static int is_ascii(const char *s)
{
  for (; *s; s++) {
    if ((unsigned char)*s >= 0x80)
      return 0;
  }
  return 1;
}

/* Converts a host name holding non-ASCII bytes to its ASCII (punycode)
 * form, the way curl does: IDNA 2008 with TR46 non-transitional mapping
 * (so "BÜCHER" and "faß" keep their meaning), and on failure a second try
 * with transitional processing, for names IDNA 2003 accepted. We call
 * idn2_lookup_u8 rather than curl's idn2_lookup_ul because the line is
 * UTF-8 whatever the process's locale is, and the library must not depend
 * on setlocale() having been called. *ace is malloc'd. */
static afetch_errkind_t to_ace(const char *host, char **ace, char *err,
                               size_t errlen)
{
  char *out = NULL;
  int rc = idn2_lookup_u8((const uint8_t *)host, (uint8_t **)&out,
                          IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  if (rc != IDN2_OK)
    rc = idn2_lookup_u8((const uint8_t *)host, (uint8_t **)&out,
                        IDN2_TRANSITIONAL);
  if (rc == IDN2_MALLOC) {
    set_err(err, errlen, "%s", "out of memory");
    return AFETCH_ERR_RESOURCE;
  }
  if (rc != IDN2_OK || !out || !out[0]) {
    idn2_free(out);
    set_err(err, errlen, "invalid URL: bad international host name (%s)",
            rc == IDN2_ENCODING_ERROR ? "not valid UTF-8"
            : rc != IDN2_OK           ? idn2_strerror(rc)
                                      : "empty");
    return AFETCH_ERR_INVALID_URL;
  }
  *ace = strdup(out);
  idn2_free(out);
  if (!*ace) {
    set_err(err, errlen, "%s", "out of memory");
    return AFETCH_ERR_RESOURCE;
  }
  return AFETCH_ERR_NONE;
}

static void ascii_lower(char *s)
{
  for (; *s; s++)
    *s = (char)lower((unsigned char)*s);
}

/* Fills the success fields of out from the parsed handle h (and clobbers
 * its password). Returns AFETCH_ERR_NONE, or an error with err set. */
static afetch_errkind_t fill(CURLU *h, af_url_t *out, char *err, size_t errlen)
{
  afetch_errkind_t kind = AFETCH_ERR_RESOURCE;
  char *scheme = NULL;
  char *host = NULL;
  char *port = NULL;
  char *url = NULL;
  char *shown = NULL;
  char *ace = NULL;
  CURLUcode rc = curl_url_get(h, CURLUPART_SCHEME, &scheme, 0);
  if (rc != CURLUE_OK)
    goto curl_error;
  /* Only reached with a default_scheme other than http(s); the line's own
   * scheme was checked before libcurl saw it. */
  if (!is_http(scheme, strlen(scheme))) {
    kind = AFETCH_ERR_SCHEME;
    set_err(err, errlen, "scheme '%s' is not allowed (only http and https)",
            scheme);
    goto out;
  }
  rc = curl_url_get(h, CURLUPART_HOST, &host, 0);
  if (rc != CURLUE_OK)
    goto curl_error;
  /* The host comes back as "[::1]" for IPv6; keep the brackets off. */
  const char *hs = host;
  size_t hlen = strlen(host);
  if (hlen >= 2 && host[0] == '[' && host[hlen - 1] == ']') {
    hs++;
    hlen -= 2;
  }
  if (hlen == 0) {
    kind = AFETCH_ERR_INVALID_URL;
    set_err(err, errlen, "invalid URL: %s", "no host");
    goto out;
  }
  int v6 = hs != host;
  /* The request, the per-host key and the shard hash use the ASCII form;
   * libcurl would convert by itself, but only through the locale, and the
   * admission and sharding must see the name the server is asked for. */
  if (!v6 && !is_ascii(host)) {
    kind = to_ace(host, &ace, err, errlen);
    if (kind != AFETCH_ERR_NONE)
      goto out;
    kind = AFETCH_ERR_RESOURCE;
    rc = curl_url_set(h, CURLUPART_HOST, ace, 0);
    if (rc != CURLUE_OK)
      goto curl_error;
    hs = ace;
    hlen = strlen(ace);
  }
  unsigned long portnum = 0;
  rc = curl_url_get(h, CURLUPART_PORT, &port, 0);
  if (rc == CURLUE_NO_PORT) {
    portnum = word_is(scheme, strlen(scheme), "https") ? 443 : 80;
  }
  else if (rc != CURLUE_OK) {
    goto curl_error;
  }
  else {
    /* libcurl has checked it is a decimal number up to 65535. */
    char *endp = NULL;
    portnum = strtoul(port, &endp, 10);
    if (*endp != '\0' || portnum == 0 || portnum > 65535) {
      kind = AFETCH_ERR_INVALID_URL;
      set_err(err, errlen, "invalid URL: %s", "bad port number");
      goto out;
    }
  }
  rc = curl_url_get(h, CURLUPART_URL, &url, 0);
  if (rc != CURLUE_OK)
    goto curl_error;
  out->url = strdup(url);
  out->host = malloc(hlen + 1);
  if (!out->url || !out->host)
    goto out;
  memcpy(out->host, hs, hlen);
  out->host[hlen] = '\0';
  ascii_lower(out->host);
  size_t keylen = hlen + 2 + 1 + 5 + 1;
  out->hostkey = malloc(keylen);
  if (!out->hostkey)
    goto out;
  /* Brackets keep an IPv6 key unambiguous: "[::1]:8080". */
  if (v6)
    snprintf(out->hostkey, keylen, "[%s]:%lu", out->host, portnum);
  else
    snprintf(out->hostkey, keylen, "%s:%lu", out->host, portnum);
  out->hash = afetch_host_hash(out->host, hlen);

  /* The display form: the same URL with the host as the line wrote it and
   * the password replaced. */
  int redo = ace != NULL;
  if (ace) {
    rc = curl_url_set(h, CURLUPART_HOST, host, 0);
    if (rc != CURLUE_OK)
      goto curl_error;
  }
  char *pw = NULL;
  rc = curl_url_get(h, CURLUPART_PASSWORD, &pw, 0);
  curl_free(pw);
  if (rc == CURLUE_OK) {
    rc = curl_url_set(h, CURLUPART_PASSWORD, "***", 0);
    if (rc != CURLUE_OK)
      goto curl_error;
    redo = 1;
  }
  else if (rc != CURLUE_NO_PASSWORD) {
    goto curl_error;
  }
  if (redo) {
    rc = curl_url_get(h, CURLUPART_URL, &shown, 0);
    if (rc != CURLUE_OK)
      goto curl_error;
  }
  const char *d = shown ? shown : url;
  out->display = af_text_clean(d, strlen(d), 0);
  if (!out->display)
    goto out;
  kind = AFETCH_ERR_NONE;
  goto out;

curl_error:
  if (rc == CURLUE_OUT_OF_MEMORY) {
    kind = AFETCH_ERR_RESOURCE;
  }
  else {
    kind = AFETCH_ERR_INVALID_URL;
    set_err(err, errlen, "invalid URL: %s", curlu_message(rc));
  }
out:
  if (kind == AFETCH_ERR_RESOURCE)
    set_err(err, errlen, "%s", "out of memory");
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  curl_free(url);
  curl_free(shown);
  free(ace);
  return kind;
}

afetch_errkind_t af_url_parse(const char *line, size_t len,
                              const char *default_scheme, af_url_t *out,
                              char *err, size_t errlen)
{
  memset(out, 0, sizeof(*out));
  set_err(err, errlen, "%s", "");
  if (!default_scheme)
    default_scheme = "http";
  afetch_errkind_t kind = AFETCH_ERR_INVALID_URL;
  size_t slen = scheme_len(line, len);
  int nul = 0;
  af_buf_t w;
  af_buf_init(&w, URL_MAX);
  CURLU *h = NULL;

  const char *problem = line_problem(line, len);
  if (problem) {
    set_err(err, errlen, "invalid URL: %s", problem);
    goto fail;
  }
  if (has_controls(line, len, &nul)) {
    set_err(err, errlen, "invalid URL: %s",
            nul ? "contains a NUL byte" : "contains control characters");
    goto fail;
  }
  if (len > URL_MAX) {
    set_err(err, errlen, "invalid URL: %s", "longer than 64 KiB");
    goto fail;
  }
  if (slen > 0 && !is_http(line, slen)) {
    char name[33];
    size_t n = slen < sizeof(name) - 1 ? slen : sizeof(name) - 1;
    for (size_t i = 0; i < n; i++)
      name[i] = (char)lower((unsigned char)line[i]);
    name[n] = '\0';
    kind = AFETCH_ERR_SCHEME;
    set_err(err, errlen, "scheme '%s' is not allowed (only http and https)",
            name);
    goto fail;
  }
  int rc = build(line, len, slen, default_scheme, &w);
  if (rc < 0) {
    kind = AFETCH_ERR_RESOURCE;
    goto fail;
  }
  if (rc > 0) {
    set_err(err, errlen, "invalid URL: %s", "longer than 64 KiB");
    goto fail;
  }
  h = curl_url();
  if (!h) {
    kind = AFETCH_ERR_RESOURCE;
    goto fail;
  }
  CURLUcode uc =
      curl_url_set(h, CURLUPART_URL, w.data, CURLU_NON_SUPPORT_SCHEME);
  if (uc == CURLUE_OUT_OF_MEMORY) {
    kind = AFETCH_ERR_RESOURCE;
    goto fail;
  }
  if (uc != CURLUE_OK) {
    set_err(err, errlen, "invalid URL: %s",
            space_in_host(line, len, slen)
                ? "the host name contains a space: one URL per line"
                : curlu_message(uc));
    goto fail;
  }
  kind = fill(h, out, err, errlen);
  if (kind == AFETCH_ERR_NONE)
    goto done;

fail:
  if (kind == AFETCH_ERR_RESOURCE)
    set_err(err, errlen, "%s", "out of memory");
  af_url_free(out);
  out->display = af_url_redact_raw(line, len, 0, 0);
done:
  curl_url_cleanup(h);
  af_buf_free(&w);
  return kind;
}

void af_url_free(af_url_t *u)
{
  if (!u)
    return;
  free(u->url);
  free(u->display);
  free(u->host);
  free(u->hostkey);
  memset(u, 0, sizeof(*u));
}

char *af_url_redact(const char *url)
{
  if (!url)
    return NULL;
  size_t len = strlen(url);
  int nul = 0;
  if (has_controls(url, len, &nul))
    return af_url_redact_raw(url, len, 0, 0);
  /* A password needs an '@' in the authority: without one there is nothing
   * to hide, and the URL is kept as given without parsing it (a parse
   * per result: about 2 % of the CPU of many small downloads). */
  const char *auth = strstr(url, "://");
  if (auth && !memchr(auth + 3, '@', strcspn(auth + 3, "/?#")))
    return af_text_clean(url, len, 0);
  CURLU *h = curl_url();
  if (!h)
    return NULL;
  char *res = NULL;
  char *pw = NULL;
  char *shown = NULL;
  CURLUcode rc = curl_url_set(h, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
  if (rc == CURLUE_OUT_OF_MEMORY)
    goto out;
  if (rc != CURLUE_OK) {
    res = af_url_redact_raw(url, len, 0, 0);
    goto out;
  }
  rc = curl_url_get(h, CURLUPART_PASSWORD, &pw, 0);
  if (rc == CURLUE_NO_PASSWORD) {
    /* Nothing to hide: keep the URL exactly as given. */
    res = af_text_clean(url, len, 0);
    goto out;
  }
  if (rc != CURLUE_OK)
    goto out;
  rc = curl_url_set(h, CURLUPART_PASSWORD, "***", 0);
  if (rc == CURLUE_OK)
    rc = curl_url_get(h, CURLUPART_URL, &shown, 0);
  if (rc == CURLUE_OK)
    res = af_text_clean(shown, strlen(shown), 0);
out:
  curl_free(pw);
  curl_free(shown);
  curl_url_cleanup(h);
  return res;
}

/* FNV-1a, 64 bits, over the host's bytes with ASCII A-Z lower-cased (other
 * bytes, such as UTF-8 in an IDN name, as they are):
 *   h = 0xcbf29ce484222325 (14695981039346656037)
 *   for each byte c: h ^= c; h *= 0x100000001b3 (1099511628211) mod 2^64
 * It is part of the sharding contract: shards on different machines and
 * afetch versions must agree, so it must never change. "example.com"
 * hashes to 0x576846634e2714c6. af_url_parse hashes the punycode form of
 * an international name, so every spelling of it lands in one shard. */
AFETCH_API uint64_t afetch_host_hash(const char *host, size_t len)
{
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  for (size_t i = 0; i < len; i++) {
    h ^= (uint64_t)lower((unsigned char)host[i]);
    h *= UINT64_C(0x100000001b3);
  }
  return h;
}
