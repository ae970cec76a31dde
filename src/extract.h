/* Title and snippet extraction with gumbo. Thread-safe: runs in libuv's
 * thread pool. */
#ifndef AF_EXTRACT_H
#define AF_EXTRACT_H

#include <stddef.h>

/* Limits that keep a hostile page cheap: gumbo's cost grows faster than
 * the page on deep or broken markup (docs/DESIGN.md R10). */
#define AF_EXTRACT_PREFIX_MAX (512u * 1024u) /* bytes given to gumbo */
#define AF_EXTRACT_TAG_BUDGET 20000u         /* start tags given to gumbo */
/* What one parse may cost, whatever gumbo makes of the prefix: bytes held
 * and CPU time of the calling thread. Past either, the parse is abandoned
 * and retried on a small prefix (32 KiB, then 4 KiB). */
#define AF_EXTRACT_MEM_MAX (64u * 1024u * 1024u)
#define AF_EXTRACT_CPU_MS 1000u
#define AF_EXTRACT_TITLE_MAX 300u /* characters kept of a title */

typedef struct {
  char *title;   /* cleaned (af_text_clean) or NULL */
  char *snippet; /* cleaned and cut at snippet_len characters, or NULL */
  size_t parsed; /* UTF-8 bytes handed to gumbo, all parses together */
} af_extract_t;

/* 1 if content_type names HTML (text/html, application/xhtml+xml), or if it
 * is NULL/empty and the first bytes of body look like HTML (WHATWG sniff:
 * optional BOM and white space, then <!DOCTYPE html, <html, <head, <body,
 * <title, <!--, <p, <div, ... case-insensitive). */
int af_is_html(const char *content_type, const char *body, size_t len);

/* Converts body to UTF-8 (charset.h), cuts a bounded prefix (at most
 * AF_EXTRACT_PREFIX_MAX bytes and AF_EXTRACT_TAG_BUDGET start tags, cut
 * before a '<'), parses it with gumbo (max_errors = 0, allocations capped
 * at AF_EXTRACT_MEM_MAX and AF_EXTRACT_CPU_MS) and walks the tree without
 * recursion. title: <title>, else og:title, else the first non-empty <h1>
 * (at most AF_EXTRACT_TITLE_MAX chars). snippet: meta description, else
 * the first visible text of <body> (never script, style, noscript,
 * template, iframe, svg or [hidden]), at most snippet_len chars; no
 * snippet when snippet_len is 0. A page over the limits may get no title.
 * Returns 0 or -1 on allocation failure; out is always initialised. */
int af_extract(const char *body, size_t len, const char *content_type,
               size_t snippet_len, af_extract_t *out);
void af_extract_free(af_extract_t *x);

/* The limits af_extract() uses, so tests can make them small. */
typedef struct {
  size_t prefix_max; /* AF_EXTRACT_PREFIX_MAX */
  size_t tag_budget; /* AF_EXTRACT_TAG_BUDGET */
  size_t mem_max;    /* AF_EXTRACT_MEM_MAX */
  unsigned cpu_ms;   /* AF_EXTRACT_CPU_MS */
} af_extract_limits_t;

void af_extract_limits_init(af_extract_limits_t *l);
int af_extract_ex(const char *body, size_t len, const char *content_type,
                  size_t snippet_len, const af_extract_limits_t *lim,
                  af_extract_t *out);

#endif
