/* robots.txt (RFC 9309): parse a body for one user agent, then answer
 * "may this path be fetched?" and "what Crawl-delay applies?".
 *
 * Parsing (af_robots_parse):
 * - At most AF_ROBOTS_MAX_BODY bytes are read (RFC 9309 asks for at least
 *   500 KiB); a line cut by that cap is dropped, so a truncated pattern never
 *   takes effect. A line longer than AF_ROBOTS_MAX_LINE keeps only its first
 *   AF_ROBOTS_MAX_LINE bytes, as Google's parser does.
 * - A UTF-8 BOM at the start is skipped; lines end at LF, CR or CRLF; '#'
 *   starts a comment anywhere; keys and values are trimmed of white space;
 *   a line without ':' is ignored.
 * - Keys are matched case-insensitively by prefix, with the typos Google
 *   accepts: "user-agent", "useragent", "user agent"; "allow"; "disallow",
 *   "dissallow", "dissalow", "disalow", "diasllow", "disallaw";
 *   "crawl-delay", "crawldelay", "crawl delay". Other keys (Sitemap, Host,
 *   ...) are ignored and do not end a group.
 * - Groups: consecutive User-agent lines share one group; a rule line
 *   (Allow, Disallow, Crawl-delay) ends the list of agents, so the next
 *   User-agent line starts a new group. Rules before any User-agent line
 *   are ignored. Our product token is the leading [A-Za-z_-] run of agent
 *   ("afetch/0.4 (+url)" gives "afetch"); a group applies when one of its
 *   User-agent values, cut the same way, equals it case-insensitively. All
 *   such groups are merged; only when none exists do the "*" groups (also
 *   merged) apply; with neither, everything is allowed. "* anything" counts
 *   as "*", as in Google's parser.
 *
 * Matching (af_robots_allowed):
 * - Patterns and the path are both normalised before comparison: %xx of an
 *   unreserved character (A-Z a-z 0-9 - . _ ~) is decoded, other %xx get
 *   upper-case hex, and octets >= 0x80, controls, space, DEL and a '%'
 *   that starts no escape are percent-encoded. So "/%62az" matches "/baz" and
 * "/ツ" matches
 *   "/%E3%83%84", but "%2F" never matches "/".
 * - '*' matches any run of octets; '$' at the very end anchors the pattern
 *   at the end of the path (elsewhere it is literal). Without '$' a pattern
 *   matches a prefix of the path.
 * - The matching rule with the longest normalised pattern wins; on a tie
 *   Allow wins. An empty Disallow (or Allow) is no rule. No match: allowed.
 *   "/robots.txt" itself is always allowed.
 * - Cost: a pattern is split at its '*'s into literal pieces; the first is
 *   compared at the start, each later one is searched for leftmost with KMP
 *   (tables built at parse time), and greedy leftmost placement is exact for
 *   '*'-only patterns. One rule costs O(path + pattern) whatever its stars,
 *   without recursion; a path check costs O(rules x path) at worst.
 *
 * Crawl-delay: seconds, a decimal number ("10", "0.5"; read without the C
 * locale), from the selected group (the largest when merged groups give
 * several), capped at AF_ROBOTS_MAX_DELAY so one site cannot stall a run
 * for hours. Invalid values are ignored.
 *
 * Memory: only the selected group's rules are kept; at worst about 9 bytes
 * per body byte (a pattern can triple when percent-encoded, plus a 2-byte
 * KMP entry per pattern byte), so under 5 MiB for a hostile 500 KiB body. */
#ifndef AF_ROBOTS_H
#define AF_ROBOTS_H

#include <stddef.h>

#define AF_ROBOTS_MAX_BODY (500 * 1024)
#define AF_ROBOTS_MAX_LINE (2083 * 8)
#define AF_ROBOTS_MAX_DELAY 30.0
/* How many redirects the fetcher of /robots.txt follows (RFC 9309 asks for
 * at least five). */
#define AF_ROBOTS_MAX_REDIRECTS 5

/* What a /robots.txt fetch means for the host's URLs (RFC 9309 §2.3.1). */
typedef enum {
  AF_ROBOTS_RULES,        /* 2xx: obey the parsed body */
  AF_ROBOTS_ALLOW_ALL,    /* 4xx, or still 3xx after the redirects: no file */
  AF_ROBOTS_DISALLOW_ALL, /* 5xx, 429, unreachable, nonsense: fetch nothing */
} af_robots_outcome_t;

typedef struct af_robots af_robots_t;

/* Pure: the meaning of the final status of a /robots.txt fetch. fetch_failed
 * (DNS, connect, TLS, timeout: no HTTP answer at all) wins over status. A
 * 3xx here is what is left after the fetcher followed
 * AF_ROBOTS_MAX_REDIRECTS hops, so the file counts as unavailable. 429 is
 * treated as a server error, as Google does: the site asks us to slow down,
 * not to fetch everything. */
af_robots_outcome_t af_robots_outcome(int status, int fetch_failed);
/* "rules", "allow_all" or "disallow_all", for logs. */
const char *af_robots_outcome_name(af_robots_outcome_t o);

/* Parses len bytes of body (NUL bytes allowed; more than AF_ROBOTS_MAX_BODY
 * is cut) for the user agent agent (may be NULL: only "*" groups apply).
 * Copies what it keeps; the caller may free body and agent afterwards.
 * NULL only on allocation failure. Free with af_robots_free. */
af_robots_t *af_robots_parse(const char *body, size_t len, const char *agent);
/* The policy for a fetch outcome: for AF_ROBOTS_ALLOW_ALL and
 * AF_ROBOTS_DISALLOW_ALL the matching blanket policy; for a 2xx the policy
 * of an empty file (allow all): parse the body with af_robots_parse instead.
 * NULL only on allocation failure. */
af_robots_t *af_robots_from_status(int status, int fetch_failed);
/* The outcome a policy came from (AF_ROBOTS_RULES for af_robots_parse). */
af_robots_outcome_t af_robots_kind(const af_robots_t *r);

/* path_and_query: the URL's path with its query ("/a/b?x=1"); a fragment
 * from '#' on is ignored and a missing leading '/' is supplied. 1 allowed,
 * 0 disallowed, -1 when the normalised copy of the path cannot be
 * allocated (the caller decides; skipping the URL is the polite choice). */
int af_robots_allowed(const af_robots_t *r, const char *path_and_query);
/* The same, for a path of len bytes; when steps is not NULL it receives
 * the number of octet comparisons the matcher made (tests bound the work
 * with it). */
int af_robots_check(const af_robots_t *r, const char *path, size_t len,
                    size_t *steps);
/* The rule that decided a check: pattern is NULL when none matched (or
 * the policy is a blanket one); otherwise its normalised text (len bytes,
 * not NUL-terminated, runs of '*' collapsed), anchored when it ended with
 * '$', owned by the policy. */
typedef struct {
  const char *pattern;
  size_t len;
  int anchored;
  int allow;
} af_robots_rule_t;
/* af_robots_check, and which rule decided (why must not be NULL). */
int af_robots_match(const af_robots_t *r, const char *path, size_t len,
                    af_robots_rule_t *why);
/* Seconds, already capped at AF_ROBOTS_MAX_DELAY; -1 when none applies. */
double af_robots_crawl_delay(const af_robots_t *r);
/* Number of rules kept (for tests and logs). */
size_t af_robots_rule_count(const af_robots_t *r);
void af_robots_free(af_robots_t *r); /* NULL does nothing */

#endif
