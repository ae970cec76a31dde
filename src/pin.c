/* --resolve pins (src/pin.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "pin.h"
#include "url.h"

/* One address of the list: an IPv4 or IPv6 literal (the latter with or
 * without brackets), appended to out as CURLOPT_RESOLVE takes it. */
static int add_addr(af_buf_t *out, const char *s, size_t n)
{
  char tmp[INET6_ADDRSTRLEN + 2];
  if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
    s++;
    n -= 2;
  }
  if (n == 0 || n >= sizeof(tmp))
    return -1;
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  unsigned char bin[16];
  int v6 = 0;
  if (inet_pton(AF_INET, tmp, bin) != 1) {
    if (inet_pton(AF_INET6, tmp, bin) != 1)
      return -1;
    v6 = 1;
  }
  if (out->len && af_buf_append(out, ",", 1) != 0)
    return -1;
  if ((v6 && af_buf_append(out, "[", 1) != 0) ||
      af_buf_append(out, tmp, n) != 0 ||
      (v6 && af_buf_append(out, "]", 1) != 0))
    return -1;
  return 0;
}

int af_pin_parse(const char *s, char **key, char **entry, char *err,
                 size_t errlen)
{
  *key = *entry = NULL;
  char plus = 0, minus = 0;
  if (*s == '+' || *s == '-') {
    plus = *s == '+';
    minus = *s == '-';
    s++;
  }
  const char *c1 = strchr(s, ':');
  const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  if (*s == '[' || !c1 || c1 == s || (!minus && !c2)) {
    snprintf(err, errlen,
             "--resolve %s: expected HOST:PORT:ADDR[,ADDR]... (or -HOST:PORT; "
             "the host is a name, not an address)",
             s);
    return -1;
  }
  const char *pend = c2 ? c2 : c1 + 1 + strlen(c1 + 1);
  char *endp = NULL;
  unsigned long port = strtoul(c1 + 1, &endp, 10);
  if (pend == c1 + 1 || endp != pend || port < 1 || port > 65535 ||
      c1[1] < '0' || c1[1] > '9') {
    snprintf(err, errlen, "--resolve %s: the port must be 1 to 65535", s);
    return -1;
  }
  /* The host gets the form of a URL's: lower case, punycode. */
  char line[512];
  int ll =
      snprintf(line, sizeof(line), "http://%.*s:%lu/", (int)(c1 - s), s, port);
  af_url_t u;
  memset(&u, 0, sizeof(u));
  char uerr[256];
  if (ll < 0 || (size_t)ll >= sizeof(line) ||
      af_url_parse(line, (size_t)ll, "http", &u, uerr, sizeof(uerr)) !=
          AFETCH_ERR_NONE) {
    af_url_free(&u);
    snprintf(err, errlen, "--resolve %s: not a valid host name", s);
    return -1;
  }
  af_buf_t addrs;
  af_buf_init(&addrs, 4096);
  int bad = 0;
  if (!minus) {
    const char *a = c2 + 1;
    for (;;) {
      const char *comma = strchr(a, ',');
      size_t n = comma ? (size_t)(comma - a) : strlen(a);
      if (add_addr(&addrs, a, n) != 0) {
        bad = 1;
        break;
      }
      if (!comma)
        break;
      a = comma + 1;
    }
  }
  else if (*pend) {
    bad = 1;
  }
  if (bad) {
    snprintf(err, errlen,
             minus ? "--resolve %s: -HOST:PORT takes no address"
                   : "--resolve %s: each address must be an IPv4 or IPv6 "
                     "address",
             s);
    af_buf_free(&addrs);
    af_url_free(&u);
    return -1;
  }
  *key = strdup(u.hostkey);
  if (!minus) {
    size_t need = strlen(u.host) + addrs.len + 16;
    *entry = malloc(need);
    if (*entry)
      snprintf(*entry, need, "%s%s:%lu:%.*s", plus ? "+" : "", u.host, port,
               (int)addrs.len, addrs.data);
  }
  af_buf_free(&addrs);
  af_url_free(&u);
  if (!*key || (!minus && !*entry)) {
    free(*key);
    free(*entry);
    *key = *entry = NULL;
    snprintf(err, errlen, "out of memory");
    return -2;
  }
  return 0;
}

void af_pins_free(af_pins_t *p)
{
  for (size_t i = 0; i < p->n; i++)
    free(p->keys[i]);
  free(p->keys);
  curl_slist_free_all(p->list);
  memset(p, 0, sizeof(*p));
}

int af_pins_build(af_pins_t *p, const char *const *list, char *err,
                  size_t errlen)
{
  memset(p, 0, sizeof(*p));
  size_t cap = 0;
  for (const char *const *l = list; l && *l; l++)
    cap++;
  if (!cap)
    return 0;
  /* Parsed first, so a -HOST:PORT can drop the pins before it. */
  char **keys = calloc(cap, sizeof(*keys));
  char **entries = calloc(cap, sizeof(*entries));
  p->keys = calloc(cap, sizeof(*p->keys));
  int rc = keys && entries && p->keys ? 0 : -2;
  if (rc)
    snprintf(err, errlen, "out of memory");
  size_t n = 0;
  for (const char *const *l = list; !rc && *l; l++) {
    char *key, *entry;
    rc = af_pin_parse(*l, &key, &entry, err, errlen);
    if (rc)
      break;
    for (size_t i = 0; !entry && i < n; i++) {
      if (keys[i] && strcasecmp(keys[i], key) == 0) {
        free(keys[i]);
        free(entries[i]);
        keys[i] = entries[i] = NULL;
      }
    }
    if (!entry) {
      free(key);
      continue;
    }
    keys[n] = key;
    entries[n++] = entry;
  }
  for (size_t i = 0; !rc && i < n; i++) {
    if (!keys[i])
      continue;
    struct curl_slist *l = curl_slist_append(p->list, entries[i]);
    if (!l) {
      snprintf(err, errlen, "out of memory");
      rc = -2;
      break;
    }
    p->list = l;
    p->keys[p->n++] = keys[i];
    keys[i] = NULL;
  }
  for (size_t i = 0; i < n; i++) {
    free(keys[i]);
    free(entries[i]);
  }
  free(keys);
  free(entries);
  if (rc) {
    af_pins_free(p);
    return rc;
  }
  return 0;
}

int af_pins_has(const af_pins_t *p, const char *hostkey)
{
  for (size_t i = 0; i < p->n; i++)
    if (strcasecmp(p->keys[i], hostkey) == 0)
      return 1;
  return 0;
}
