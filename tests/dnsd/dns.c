/* The DNS wire format as afdns needs it: one question in, one reply out.
 * The parser reads bytes from the network, so every read is checked against
 * the datagram's length, and names are bounded as RFC 1035 says. */
#include "dns.h"

#include "../server/afserve.h" /* parse_u64 */

#include <stdio.h>
#include <string.h>

static uint16_t get16(const uint8_t *p)
{
  return (uint16_t)((p[0] << 8) | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
  put16(p, (uint16_t)(v >> 16));
  put16(p + 2, (uint16_t)v);
}

static int name_byte_plain(uint8_t c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

/* Reads the question's name at *off into text; 0, or -1 when it is not a
 * well-formed uncompressed name inside the n bytes. A question is never
 * compressed (there is nothing before it to point at). */
static int parse_name(const uint8_t *p, size_t n, size_t *off, char *text)
{
  size_t i = *off;
  size_t wire = 0;
  size_t t = 0;
  for (;;) {
    if (i >= n)
      return -1;
    uint8_t len = p[i];
    wire += 1u + len;
    if (wire > DNS_WIRE_NAME_MAX)
      return -1;
    if (len == 0)
      break;
    if (len & 0xC0) /* a pointer, or an extended label type */
      return -1;
    if (len > n - i - 1)
      return -1;
    if (t > 0)
      text[t++] = '.';
    for (size_t k = 0; k < len; k++) {
      uint8_t c = p[i + 1 + k];
      if (c >= 'A' && c <= 'Z')
        c = (uint8_t)(c - 'A' + 'a');
      if (name_byte_plain(c))
        text[t++] = (char)c;
      else
        t += (size_t)snprintf(text + t, 5, "\\%03u", c);
    }
    i += 1u + len;
  }
  if (t == 0)
    text[t++] = '.';
  text[t] = '\0';
  *off = i + 1;
  return 0;
}

enum dns_parse dns_parse_query(const uint8_t *p, size_t n, dns_query_t *q)
{
  memset(q, 0, sizeof *q);
  if (n < DNS_HEADER_LEN)
    return DNS_PARSE_DROP;
  q->id = get16(p);
  q->flags = get16(p + 2);
  if (q->flags & 0x8000) /* a response: answering it could start a loop */
    return DNS_PARSE_DROP;
  if (((q->flags >> 11) & 0xF) != 0)
    return DNS_PARSE_NOTIMP;
  if (get16(p + 4) != 1)
    return DNS_PARSE_FORMERR;
  size_t off = DNS_HEADER_LEN;
  if (parse_name(p, n, &off, q->name))
    return DNS_PARSE_FORMERR;
  if (n - off < 4)
    return DNS_PARSE_FORMERR;
  q->qtype = get16(p + off);
  q->qclass = get16(p + off + 2);
  off += 4;
  q->qend = off;
  /* EDNS: an OPT pseudo-record (root name, type 41) right after the
   * question, as stub resolvers send it. Anything else there is ignored. */
  uint16_t an = get16(p + 6), ns = get16(p + 8), ar = get16(p + 10);
  if (an == 0 && ns == 0 && ar >= 1 && n - off >= 11 && p[off] == 0 &&
      get16(p + off + 1) == DNS_TYPE_OPT)
    q->edns = 1;
  return DNS_PARSE_OK;
}

/* Does name end with "." suffix? */
static int ends_with_label(const char *name, size_t nlen, const char *suffix)
{
  size_t slen = strlen(suffix);
  return nlen > slen && name[nlen - slen - 1] == '.' &&
         !memcmp(name + nlen - slen, suffix, slen);
}

/* What the '-'-separated tokens of the first label asked for. */
typedef struct tokens {
  int nx;
  int bh;
  int host;
  int unknown;
} tokens_t;

static void token(const char *s, size_t len, dns_plan_t *plan, tokens_t *t)
{
  uint64_t v;
  if (len == 2 && !memcmp(s, "nx", 2))
    t->nx = 1;
  else if (len == 2 && !memcmp(s, "bh", 2))
    t->bh = 1;
  else if (len > 3 && !memcmp(s, "ttl", 3) &&
           !parse_u64(s + 3, len - 3, 0x7FFFFFFF, &v))
    plan->ttl = (int64_t)v;
  else if (len > 1 && s[0] == 'd' &&
           !parse_u64(s + 1, len - 1, DNS_DELAY_MAX, &v))
    plan->delay_ms = (int64_t)v;
  /* 127.255.255.255 is the broadcast address of 127/8; 0 is its network. */
  else if (len > 1 && s[0] == 'h' && !parse_u64(s + 1, len - 1, 0xFFFFFE, &v) &&
           v > 0) {
    plan->addr = 0x7F000000u + (uint32_t)v;
    t->host = 1;
  }
  else
    t->unknown = 1;
}

void dns_classify(const char *name, const char *zone, dns_plan_t *plan)
{
  plan->kind = DNS_NAME_REFUSED;
  plan->addr = 0;
  plan->delay_ms = -1;
  plan->ttl = -1;
  size_t nlen = strlen(name);
  if (!strcmp(name, zone)) {
    plan->kind = DNS_NAME_NODATA;
    return;
  }
  if (!ends_with_label(name, nlen, zone))
    return;
  size_t plen = nlen - strlen(zone) - 1; /* the labels before ".zone" */
  plan->kind = DNS_NAME_NXDOMAIN;
  if ((plen == 2 && !memcmp(name, "nx", 2)) ||
      (plen > 3 && !memcmp(name + plen - 3, ".nx", 3)))
    return;
  if (memchr(name, '.', plen)) /* only one label is made up under the zone */
    return;
  tokens_t t = {0, 0, 0, 0};
  for (size_t i = 0; i < plen;) {
    const char *dash = memchr(name + i, '-', plen - i);
    size_t end = dash ? (size_t)(dash - name) : plen;
    token(name + i, end - i, plan, &t);
    i = end + 1;
  }
  /* bh wins over everything, then nx; otherwise a name needs its h<N> and
   * nothing we do not know. */
  if (t.bh)
    plan->kind = DNS_NAME_BLACKHOLE;
  else if (!t.nx && !t.unknown && t.host)
    plan->kind = DNS_NAME_ADDR;
}

/* Writes zone as a wire name at p; returns the bytes written. */
static size_t put_name(uint8_t *p, const char *prefix, const char *zone)
{
  size_t n = 0;
  if (prefix) {
    size_t len = strlen(prefix);
    p[n++] = (uint8_t)len;
    memcpy(p + n, prefix, len);
    n += len;
  }
  const char *s = zone;
  while (*s) {
    const char *dot = strchr(s, '.');
    size_t len = dot ? (size_t)(dot - s) : strlen(s);
    p[n++] = (uint8_t)len;
    memcpy(p + n, s, len);
    n += len;
    s += len;
    if (*s == '.')
      s++;
  }
  p[n++] = 0;
  return n;
}

int dns_zone_ok(const char *zone)
{
  size_t len = strlen(zone);
  if (len == 0 || len > DNS_ZONE_MAX || zone[0] == '.' || zone[len - 1] == '.')
    return 0;
  for (size_t i = 0; i < len; i++)
    if (zone[i] == '.' ? zone[i + 1] == '.'
                       : !name_byte_plain((uint8_t)zone[i]))
      return 0;
  return 1;
}

size_t dns_build_reply(const uint8_t *query, const dns_query_t *q, int rcode,
                       const uint32_t *addr, uint32_t ttl, const char *zone,
                       uint8_t *out)
{
  if (!dns_zone_ok(zone))
    return 0;
  int with_question =
      rcode != DNS_RCODE_FORMERR && rcode != DNS_RCODE_NOTIMP && q->qend;
  /* QR, opcode QUERY, AA, the query's RD, RA, rcode. */
  uint16_t flags = (uint16_t)(0x8000 | 0x0400 | (q->flags & 0x0100) | 0x0080 |
                              (rcode & 0xF));
  put16(out, q->id);
  put16(out + 2, flags);
  put16(out + 4, with_question ? 1 : 0);
  put16(out + 6, 0);
  put16(out + 8, 0);
  put16(out + 10, 0);
  size_t n = DNS_HEADER_LEN;
  if (!with_question)
    return n;
  memcpy(out + n, query + DNS_HEADER_LEN, q->qend - DNS_HEADER_LEN);
  n = q->qend;
  if (addr) {
    put16(out + n, 0xC000 | DNS_HEADER_LEN); /* the question's name */
    put16(out + n + 2, DNS_TYPE_A);
    put16(out + n + 4, DNS_CLASS_IN);
    put32(out + n + 6, ttl);
    put16(out + n + 10, 4);
    put32(out + n + 12, *addr);
    n += 16;
    put16(out + 6, 1);
  }
  else if (rcode == DNS_RCODE_NOERROR || rcode == DNS_RCODE_NXDOMAIN) {
    n += put_name(out + n, NULL, zone);
    put16(out + n, DNS_TYPE_SOA);
    put16(out + n + 2, DNS_CLASS_IN);
    put32(out + n + 4, ttl);
    size_t rdlen_at = n + 8;
    n += 10;
    size_t rdata = n;
    n += put_name(out + n, "ns", zone);
    n += put_name(out + n, "hostmaster", zone);
    uint32_t soa[5] = {1, 3600, 600, 86400, ttl}; /* minimum: negative TTL */
    for (int i = 0; i < 5; i++, n += 4)
      put32(out + n, soa[i]);
    put16(out + rdlen_at, (uint16_t)(n - rdata));
    put16(out + 8, 1);
  }
  if (q->edns) {
    out[n] = 0; /* root */
    put16(out + n + 1, DNS_TYPE_OPT);
    put16(out + n + 3, 1232); /* our UDP payload size */
    put32(out + n + 5, 0);    /* extended rcode, version, flags */
    put16(out + n + 9, 0);
    n += 11;
    put16(out + 10, 1);
  }
  return n;
}
