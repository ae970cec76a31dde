/* UTF-8 repair and the cleaning every string gets before it is output. */
#ifndef AF_TEXT_H
#define AF_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Decodes one UTF-8 sequence at p (n > 0 bytes available): the number of
 * bytes it takes (>= 1) and its code point in *cp, or -1 when invalid (then
 * the length is the maximal subpart, one U+FFFD's worth); *incomplete is
 * set when it was valid so far but ran off the end. The one UTF-8 decoder
 * of the library: the JSON writer uses it too. */
size_t af_utf8_decode(const unsigned char *p, size_t n, int32_t *cp,
                      int *incomplete);

/* Appends in[0..len) to out with every invalid UTF-8 sequence (overlong,
 * surrogate, > U+10FFFF, truncated, stray continuation) replaced by U+FFFD.
 * Returns 0, or -1 on allocation failure. */
int af_utf8_repair(const char *in, size_t len, af_buf_t *out);

/* 1 if in[0..len) is valid UTF-8. */
int af_utf8_valid(const char *in, size_t len);

/* Length of the longest valid UTF-8 prefix of in[0..len). */
size_t af_utf8_valid_prefix(const char *in, size_t len);

/* Length of a UTF-8 sequence at the end of in[0..len) that is valid so far
 * but cut short (1 to 3 bytes), else 0. Lets a body cut at a byte limit
 * drop its last half character instead of turning it into U+FFFD. */
size_t af_utf8_incomplete_tail(const char *in, size_t len);

/* Returns a fresh NUL-terminated string (free()) made from in[0..len):
 * invalid UTF-8 repaired to U+FFFD; C0 and C1 controls, DEL, and the bidi
 * controls U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069 removed
 * (tabs, CR, LF, NEL and other white space become a space, so ESC [ 3 1 m
 * loses its ESC);
 * every run of white space (ASCII and Unicode spaces, NBSP) collapsed to
 * one ASCII space; leading and trailing space trimmed; then cut at
 * max_chars code points (0: no limit) on a character boundary. NULL only
 * on allocation failure. */
char *af_text_clean(const char *in, size_t len, size_t max_chars);

/* The same cleaning, fed piece by piece (the extractor feeds text nodes as
 * it walks the tree and stops when the snippet is full). Each piece is
 * decoded on its own: do not split a character across two feeds. */
typedef struct {
  af_buf_t out;
  size_t chars;      /* code points written */
  size_t max_chars;  /* 0: no limit */
  int pending_space; /* white space seen after the last character */
  int full;          /* max_chars (or the byte ceiling) reached */
} af_clean_t;

/* max_bytes: ceiling of the output in bytes (the cut stays on a character
 * boundary). */
void af_clean_init(af_clean_t *c, size_t max_chars, size_t max_bytes);
/* Returns 0, or -1 on allocation failure. Does nothing once full. */
int af_clean_feed(af_clean_t *c, const char *in, size_t len);
/* A word boundary (e.g. between two block elements). */
void af_clean_space(af_clean_t *c);
/* Hands over the result (free()), "" when nothing was written; the
 * cleaner is empty again. NULL only on allocation failure. */
char *af_clean_finish(af_clean_t *c, size_t *len);
void af_clean_free(af_clean_t *c);

#endif
