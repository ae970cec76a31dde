/* libFuzzer target for afdns's wire code (tests/dnsd/dns.c), which reads
 * whatever a network sends: the parser never reads past the datagram, a
 * parsed name is bounded text that cannot fake a dot, and the reply built
 * from any query fits its buffer and echoes the question as received. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../dnsd/dns.h"

static void check(int ok)
{
  if (!ok)
    abort();
}

static uint16_t get16(const uint8_t *p)
{
  return (uint16_t)((p[0] << 8) | p[1]);
}

static void check_reply(const uint8_t *query, const dns_query_t *q, int rcode,
                        const uint32_t *addr)
{
  uint8_t out[DNS_REPLY_MAX + 64];
  memset(out, 0xAB, sizeof out);
  size_t len = dns_build_reply(query, q, rcode, addr, 60, "test", out);
  check(len >= DNS_HEADER_LEN && len <= DNS_REPLY_MAX);
  for (size_t i = DNS_REPLY_MAX; i < sizeof out; i++)
    check(out[i] == 0xAB);
  check(get16(out) == q->id);
  check(out[2] & 0x80);           /* a response */
  check((out[3] & 0xF) == rcode); /* with the rcode asked for */
  dns_query_t again;
  check(dns_parse_query(out, len, &again) == DNS_PARSE_DROP);
  if (rcode == DNS_RCODE_FORMERR || rcode == DNS_RCODE_NOTIMP) {
    check(len == DNS_HEADER_LEN);
    return;
  }
  check(len >= q->qend && get16(out + 4) == 1);
  check(!memcmp(out + DNS_HEADER_LEN, query + DNS_HEADER_LEN,
                q->qend - DNS_HEADER_LEN));
  check(get16(out + 6) == (addr ? 1 : 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  /* A copy of exactly size bytes, so ASan sees any read past the end. */
  uint8_t *p = malloc(size ? size : 1);
  if (!p)
    return 0;
  memcpy(p, data, size);
  dns_query_t q;
  enum dns_parse r = dns_parse_query(p, size, &q);
  if (r == DNS_PARSE_DROP) {
    check(size < DNS_HEADER_LEN || (p[2] & 0x80));
  }
  else if (r != DNS_PARSE_OK) {
    check_reply(p, &q,
                r == DNS_PARSE_NOTIMP ? DNS_RCODE_NOTIMP : DNS_RCODE_FORMERR,
                NULL);
  }
  else {
    size_t len = strlen(q.name);
    check(len > 0 && len < DNS_NAME_TEXT_MAX);
    check(q.qend > DNS_HEADER_LEN && q.qend <= size);
    for (size_t i = 0; i < len; i++)
      check(q.name[i] < 'A' || q.name[i] > 'Z');
    dns_plan_t plan;
    dns_classify(q.name, "test", &plan);
    if (plan.kind == DNS_NAME_ADDR) {
      check(plan.addr > 0x7F000000u && plan.addr < 0x7FFFFFFFu);
      check(plan.delay_ms <= DNS_DELAY_MAX);
      /* Made-up names are one label of plain bytes under the zone. */
      check(len > 5 && !strcmp(q.name + len - 5, ".test"));
      check(!memchr(q.name, '.', len - 5) && !strchr(q.name, '\\'));
      check_reply(p, &q, DNS_RCODE_NOERROR, &plan.addr);
    }
    check_reply(p, &q, DNS_RCODE_NOERROR, NULL);
    check_reply(p, &q, DNS_RCODE_NXDOMAIN, NULL);
    check_reply(p, &q, DNS_RCODE_REFUSED, NULL);
  }
  free(p);
  return 0;
}
