/* afdns: the DNS server of the local internet the tests and benchmarks run
 * in (docs/TESTING.md). This header is internal to tests/dnsd/.
 *
 * Files:
 *   dns.c   the wire format: query parser, reply builder, and the names the
 *           server makes up (pure functions, fuzzed by tests/fuzz/fuzz_dns.c)
 *   main.c  argv, the UDP socket, delayed answers, counters, /stats over
 *           HTTP, signals and a clean shutdown
 */
#ifndef AFDNS_DNS_H
#define AFDNS_DNS_H

#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN 12
#define DNS_WIRE_NAME_MAX 255 /* RFC 1035 2.3.4, length bytes included */
/* A name as text: each wire byte is at most 4 text bytes ("\DDD"). */
#define DNS_NAME_TEXT_MAX (4 * DNS_WIRE_NAME_MAX + 1)
#define DNS_ZONE_MAX 64     /* keeps every reply within DNS_REPLY_MAX */
#define DNS_REPLY_MAX 1024  /* room for the largest reply we build */
#define DNS_DELAY_MAX 60000 /* ms: a d<MS> label above it does not exist */

#define DNS_TYPE_A 1
#define DNS_TYPE_SOA 6
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_OPT 41
#define DNS_CLASS_IN 1

#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5

/* What dns_parse_query() makes of a datagram. */
enum dns_parse {
  DNS_PARSE_OK,      /* one question, parsed into the query */
  DNS_PARSE_DROP,    /* shorter than a header, or a response: no reply */
  DNS_PARSE_FORMERR, /* a header, but no well-formed single question */
  DNS_PARSE_NOTIMP   /* an opcode other than QUERY */
};

typedef struct dns_query {
  uint16_t id;
  uint16_t flags; /* as received; the reply keeps its RD bit */
  uint16_t qtype;
  uint16_t qclass;
  size_t qend; /* offset just past the question: the reply echoes [12, qend) */
  int edns;    /* an OPT record followed the question: the reply has one too */
  /* Lower case, dotted, without the trailing dot ("." for the root); a byte
   * outside [a-z0-9_-] is written \DDD, so no label can fake a dot. */
  char name[DNS_NAME_TEXT_MAX];
} dns_query_t;

/* Parses the n bytes at p, which can be anything a network sends. Fills q
 * (id and flags as soon as there is a header, the rest on DNS_PARSE_OK). */
enum dns_parse dns_parse_query(const uint8_t *p, size_t n, dns_query_t *q);

/* What the server does with a name (docs/TESTING.md has the table). */
enum dns_kind {
  DNS_NAME_ADDR,      /* h<N>: A 127.0.0.0 + N, no AAAA (NODATA) */
  DNS_NAME_NODATA,    /* the zone itself: exists, has no address */
  DNS_NAME_NXDOMAIN,  /* nx-..., *.nx.ZONE, and every other name in the zone */
  DNS_NAME_BLACKHOLE, /* bh-...: counted, never answered */
  DNS_NAME_REFUSED    /* outside the zone: we are nobody's recursive server */
};

typedef struct dns_plan {
  enum dns_kind kind;
  uint32_t addr;    /* DNS_NAME_ADDR: the IPv4 address, host byte order */
  int64_t delay_ms; /* from a d<MS> label, or -1 */
  int64_t ttl;      /* from a ttl<S> label, or -1 */
} dns_plan_t;

/* Classifies a name as dns_parse_query() wrote it; zone is lower case
 * without dots at either end (e.g. "test"). */
void dns_classify(const char *name, const char *zone, dns_plan_t *plan);

/* 1 when zone can be served: lower-case labels of [a-z0-9_-] joined by
 * single dots, DNS_ZONE_MAX bytes at most. */
int dns_zone_ok(const char *zone);

/* Writes the reply to query (the raw bytes q was parsed from) into out (at
 * least DNS_REPLY_MAX bytes) and returns its length. rcode is one of
 * DNS_RCODE_*; addr (host byte order) is put in an A record when not NULL;
 * a NOERROR reply without one, and an NXDOMAIN, carry the zone's SOA so
 * that resolvers cache the negative answer for ttl seconds. For FORMERR
 * and NOTIMP only the header is sent back (the question may be garbage).
 * Returns 0 when zone is too long (DNS_ZONE_MAX). */
size_t dns_build_reply(const uint8_t *query, const dns_query_t *q, int rcode,
                       const uint32_t *addr, uint32_t ttl, const char *zone,
                       uint8_t *out);

#endif
