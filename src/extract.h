/* Title and snippet extraction with gumbo. Thread-safe: runs in libuv's
 * thread pool. */
#ifndef AF_EXTRACT_H
#define AF_EXTRACT_H

#include <stddef.h>

/* Limits that keep a hostile page cheap (see LIBNOTES G3). */
#define AF_EXTRACT_PREFIX_MAX (512u * 1024u) /* bytes given to gumbo */
#define AF_EXTRACT_TAG_BUDGET 20000u         /* start tags given to gumbo */

typedef struct {
  char *title;   /* cleaned (af_text_clean) or NULL */
  char *snippet; /* cleaned and cut at snippet_len characters, or NULL */
} af_extract_t;

/* 1 if content_type names HTML (text/html, application/xhtml+xml), or if it
 * is NULL/empty and the first bytes of body look like HTML (WHATWG sniff:
 * optional BOM and white space, then <!DOCTYPE html, <html, <head, <body,
 * <title, <!--, <p, <div, ... case-insensitive). */
int af_is_html(const char *content_type, const char *body, size_t len);

/* Converts body to UTF-8 (charset.h), cuts a bounded prefix (at most
 * AF_EXTRACT_PREFIX_MAX bytes and AF_EXTRACT_TAG_BUDGET start tags, cut
 * before a '<'), parses it with gumbo (max_errors = 0) and walks the tree
 * without recursion. title: <title>, else og:title, else the first <h1>.
 * snippet: meta description, else the first visible text of <body>
 * (never script, style, noscript, template), at most snippet_len chars.
 * Returns 0 or -1 on allocation failure; out is always initialised. */
int af_extract(const char *body, size_t len, const char *content_type,
               size_t snippet_len, af_extract_t *out);
void af_extract_free(af_extract_t *x);

#endif
