/* --plan: a list's shape in one streaming pass, bounded memory (plan.c). */
#ifndef AF_PLAN_H
#define AF_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "afetch.h"

/* Distinct-host counting is exact (a hash set of 64-bit host hashes) up to
 * this many hosts; past it the set is dropped and a HyperLogLog estimate
 * with 2^AF_PLAN_HLL_BITS registers stands in. */
#define AF_PLAN_EXACT_HOSTS (1u << 20)
#define AF_PLAN_HLL_BITS 14
/* Space-Saving counters for the largest hosts. */
#define AF_PLAN_TOPK 1000

/* The 64-bit mix (splitmix64's finaliser) put over afetch_host_hash before
 * the sketches use it: FNV-1a's high bits barely depend on the last bytes,
 * and HyperLogLog needs every bit to look random. */
uint64_t af_plan_mix(uint64_t h);

/* Counts one URL of host key "host:port" in the sketches (what every valid
 * line does), for tests that need millions of hosts without parsing
 * millions of URLs. 0 or AFETCH_ENOMEM. */
int af_plan_count_host(afetch_plan_t *p, const char *hostkey);

/* The suggested --shard N for valid URLs whose largest host has largest
 * of them, over hosts distinct hosts (plan.c says why). */
unsigned af_plan_suggest_shards(uint64_t valid, uint64_t largest,
                                uint64_t hosts);

#endif
