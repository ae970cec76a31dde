/* URL lines: default scheme, validation, http/https only, host key. */
#ifndef AF_URL_H
#define AF_URL_H

#include <stddef.h>
#include <stdint.h>

#include "afetch.h"

/* Every string is owned by the af_url_t (malloc), freed by af_url_free. */
typedef struct {
  char *url;     /* the URL to request (scheme added, as curl normalises;
                    an international host name in punycode; the password,
                    if any, is kept: libcurl needs it) */
  char *display; /* url with the host name as the line wrote it and the
                    password replaced by ***, cleaned text */
  char *host;    /* ASCII-lower-cased host name, international names in
                    punycode ("xn--r8jz45g.jp"); an IPv6 address without
                    brackets or zone: "::1" */
  char *hostkey; /* "host:port", the per-host admission key, port always
                    numeric (80/443 by default); IPv6 keeps brackets:
                    "[::1]:8080" */
  uint64_t hash; /* afetch_host_hash(host) */
} af_url_t;

/* Parses one trimmed input line. default_scheme: "http" or "https" (NULL
 * means "http"). On success returns AFETCH_ERR_NONE and fills out (free
 * with af_url_free). Otherwise returns AFETCH_ERR_INVALID_URL or
 * AFETCH_ERR_SCHEME (AFETCH_ERR_RESOURCE if memory ran out), writes a human
 * message to err (NUL-terminated, cut to errlen; err may be NULL) and
 * leaves out zeroed except out->display, which holds the cleaned line with
 * any password hidden (or NULL); out must still be freed. The line has a
 * scheme when it starts with scheme characters and "://", or with a known
 * scheme and ':' not followed by a port ("mailto:x", but "ftp:21" is a
 * host and port); a scheme other than http/https (file:, ftp:, gopher:,
 * ...) is AFETCH_ERR_SCHEME; no scheme means default_scheme ("//host"
 * too). Rejected too: control bytes or NUL in the line, empty host, port 0
 * or > 65535, URLs longer than 64 KiB, a host name IDNA refuses, and lines
 * that are not one bare URL (quoted, holding a tab or two URLs), with a
 * message that says so. Spaces inside the URL are percent-encoded, as
 * browsers do. Needs curl_global_init() first. */
afetch_errkind_t af_url_parse(const char *line, size_t len,
                              const char *default_scheme, af_url_t *out,
                              char *err, size_t errlen);
void af_url_free(af_url_t *u);

/* Copy of url (NUL-terminated) with any password replaced by "***",
 * cleaned for output (free()). A URL libcurl cannot parse is redacted by
 * hand, hiding too much rather than too little. NULL for NULL or when
 * memory runs out. */
char *af_url_redact(const char *url);

/* Redacted, cleaned copy (free()) of s[0..len), text that may not parse as
 * a URL at all, such as a failed line: any password hidden, erring towards
 * hiding too much; cut at max_chars code points (0: no limit). cut: s is
 * only the start of the text (a line past max_line), so a ':' after the
 * scheme with no '@' after it hides the rest. NULL only if memory runs
 * out. */
char *af_url_redact_raw(const char *s, size_t len, int cut, size_t max_chars);

#endif
