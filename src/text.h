/* UTF-8 repair and the cleaning every string gets before it is output. */
#ifndef AF_TEXT_H
#define AF_TEXT_H

#include <stddef.h>

#include "buf.h"

/* Appends in[0..len) to out with every invalid UTF-8 sequence (overlong,
 * surrogate, > U+10FFFF, truncated, stray continuation) replaced by U+FFFD.
 * Returns 0, or -1 on allocation failure. */
int af_utf8_repair(const char *in, size_t len, af_buf_t *out);

/* 1 if in[0..len) is valid UTF-8. */
int af_utf8_valid(const char *in, size_t len);

/* Returns a fresh NUL-terminated string (free()) made from in[0..len):
 * invalid UTF-8 repaired to U+FFFD; C0 and C1 controls, DEL, and the bidi
 * controls U+200E, U+200F, U+202A..U+202E, U+2066..U+2069 removed (tabs, CR,
 * LF and other white space become a space, so ESC [ 3 1 m loses its ESC);
 * every run of white space (ASCII and Unicode spaces, NBSP) collapsed to
 * one ASCII space; leading and trailing space trimmed; then cut at
 * max_chars code points (0: no limit) on a character boundary. NULL only
 * on allocation failure. */
char *af_text_clean(const char *in, size_t len, size_t max_chars);

#endif
