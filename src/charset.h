/* Character set detection and conversion to UTF-8 before parsing. */
#ifndef AF_CHARSET_H
#define AF_CHARSET_H

#include <stddef.h>

/* Decides the charset of an HTML body the way browsers do: BOM, then the
 * charset= parameter of content_type (may be NULL), then a prescan of the
 * first 1024 bytes for <meta charset> / <meta http-equiv=Content-Type>.
 * Returns the iconv name to decode with, as chosen by the WHATWG label
 * table (e.g. "CP932" for shift_jis, "CP949" for euc-kr, "GB18030" for
 * gbk), "UTF-8" for UTF-8 and unknown labels; when nothing declares a
 * charset: "UTF-8" if the bytes validate, else "WINDOWS-1252". The string
 * is static. *bom_len is set to the length of a BOM to skip. */
const char *af_charset_detect(const char *body, size_t len,
                              const char *content_type, size_t *bom_len);

/* Converts body to UTF-8 (malloc'd into *out, length *out_len, NUL-
 * terminated). Undecodable bytes become U+FFFD; a sequence cut at the end
 * is dropped. An unknown or unavailable charset falls back to a lossy UTF-8
 * repair. Returns 0 or -1 on allocation failure. Thread-safe. */
int af_charset_to_utf8(const char *body, size_t len, const char *content_type,
                       char **out, size_t *out_len);

#endif
