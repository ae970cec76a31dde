/* Character set detection and conversion to UTF-8 before parsing. */
#ifndef AF_CHARSET_H
#define AF_CHARSET_H

#include <stddef.h>

/* Where the charset came from. */
typedef enum {
  AF_CS_BOM,      /* a byte order mark */
  AF_CS_HEADER,   /* charset= in Content-Type */
  AF_CS_META,     /* <meta charset> or <meta http-equiv> in the first 1 KB */
  AF_CS_XML,      /* <?xml ... encoding="..."?> at the start */
  AF_CS_DETECTED, /* guessed from the bytes by uchardet */
  AF_CS_DEFAULT,  /* nothing said or guessed: UTF-8 if valid, else 1252 */
} af_charset_source_t;

#define AF_CHARSET_NAME_MAX 32

typedef struct af_charset {
  char name[AF_CHARSET_NAME_MAX]; /* the iconv name to decode with */
  size_t bom_len;                 /* bytes of BOM to skip */
  af_charset_source_t source;
} af_charset_t;

/* Decides the charset of an HTML body the way browsers do: BOM, then the
 * charset= parameter of content_type (may be NULL), then a prescan of the
 * first 1024 bytes for <meta charset> / <meta http-equiv=Content-Type>,
 * then an XML declaration; when nothing declares one, "UTF-8" if the bytes
 * validate, else a statistical guess (uchardet) over the first 64 KB, else
 * "WINDOWS-1252". A label is mapped by the WHATWG table (e.g. "CP932" for
 * shift_jis, "CP949" for euc-kr, "GB18030" for gbk); a label outside it is
 * kept as given when glibc iconv decodes it as an ASCII superset (CP949,
 * IBM855, MacCyrillic, ...); any other label counts as not declared. */
void af_charset_detect(const char *body, size_t len, const char *content_type,
                       af_charset_t *cs);

/* Converts body to UTF-8 (malloc'd into *out, length *out_len, NUL-
 * terminated). Undecodable bytes become U+FFFD; a sequence cut at the end
 * is dropped. A converter that cannot be opened falls back to a lossy
 * UTF-8 repair. Returns 0 or -1 on allocation failure. Thread-safe. */
int af_charset_to_utf8(const char *body, size_t len, const char *content_type,
                       char **out, size_t *out_len);

#endif
