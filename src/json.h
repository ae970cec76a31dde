/* JSON Lines output. */
#ifndef AF_JSON_H
#define AF_JSON_H

#include <stddef.h>

#include "buf.h"

/* Appends s[0..len) as a JSON string literal, quotes included. Invalid
 * UTF-8 becomes U+FFFD, control characters become \uXXXX (or \n, \t ...),
 * U+2028/U+2029 are escaped. Returns 0 or -1 (allocation / ceiling). */
int af_json_str(af_buf_t *b, const char *s, size_t len);

/* afetch_result_json() in afetch.h is implemented in json.c. */

#endif
