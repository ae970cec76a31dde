/* --resolve HOST:PORT:ADDR[,ADDR]... pins, as curl's tool takes them:
 * checked, the host name put in the form URLs get (lower case, an
 * international name in punycode) and turned into CURLOPT_RESOLVE
 * entries, so a pinned name is never looked up. */
#ifndef AF_PIN_H
#define AF_PIN_H

#include <curl/curl.h>
#include <stddef.h>

typedef struct {
  struct curl_slist *list; /* for CURLOPT_RESOLVE */
  char **keys;             /* "host:port" of each pin, as af_url_t.hostkey */
  size_t n;
} af_pins_t;

/* One entry: "HOST:PORT:ADDR[,ADDR]...", the same with a leading '+'
 * (curl's entry that expires; afetch hands it over anew with every
 * transfer, so within a run it holds), or "-HOST:PORT" (drops the pins of
 * HOST:PORT given before it). On success returns 0, *key the host key and
 * *entry the CURLOPT_RESOLVE text (NULL for the '-' form), both malloc'd.
 * Else -1 (a bad entry) or -2 (out of memory), and a message in err. */
int af_pin_parse(const char *s, char **key, char **entry, char *err,
                 size_t errlen);
/* Builds the pins of a NULL-terminated list; -1 on a bad entry, -2 when
 * memory runs out (err says which). */
int af_pins_build(af_pins_t *p, const char *const *list, char *err,
                  size_t errlen);
void af_pins_free(af_pins_t *p);
/* 1 when hostkey is pinned. */
int af_pins_has(const af_pins_t *p, const char *hostkey);

#endif
