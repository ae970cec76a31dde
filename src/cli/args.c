/* Command line parsing. Every value is checked here, so a typo is a usage
 * error (exit 2) before any network traffic. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "args.h"
#include "resume.h"

void cli_usage_short(FILE *f)
{
  fputs("Usage: afetch [OPTIONS] [FILE|URL...]\n"
        "Fetch every URL of FILE (one a line; '-' or a pipe: stdin) at once.\n"
        "Example: afetch urls.txt     cat urls.txt | afetch --json\n"
        "         afetch https://example.com/ https://example.org/\n"
        "Try 'afetch --help' for the options.\n",
        f);
}

void cli_usage(FILE *f)
{
  fputs(
      "Usage: afetch [OPTIONS] [FILE|URL...]\n"
      "Fetch every URL of FILE (one a line; '-' or nothing: stdin) at once\n"
      "and print one line per URL: status, time, size, URL, title. An\n"
      "argument that is no file and starts with http:// or https:// is a URL.\n"
      "FILE may be gzip-compressed; host names in any script are accepted.\n"
      "\n"
      "Modes:\n"
      "  -s, --sequential         one transfer at a time, in input order\n"
      "      --compare            a sequential run, a concurrent run, the "
      "speedup\n"
      "      --plan               fetch nothing: read the whole list and "
      "print its\n"
      "                           URLs, hosts, largest hosts, the least wall "
      "time\n"
      "                           the settings allow and a suggested --shard "
      "N\n"
      "\n"
      "Concurrency:\n"
      "  -c, --concurrency N      transfers in flight at most (50)\n"
      "      --per-host N         transfers in flight per host (6)\n"
      "      --rate N             new transfers per second (unlimited)\n"
      "      --retries N          retries on connect errors, timeouts, 429, "
      "5xx (0)\n"
      "      --shard K/N          only hosts that hash to shard K of N "
      "(1 <= K <= N)\n"
      "\n"
      "Politeness (each host on its own; the others go on):\n"
      "      --host-delay MS      least time between two starts on one host "
      "(0)\n"
      "      --max-retry-after SEC  a 429/503 holds its host for its "
      "Retry-After, at\n"
      "                           most SEC (600); without one 1 s doubling "
      "to 60 s\n"
      "      --max-host-errors N  after N dns/connect/tls/timeout failures "
      "in a row,\n"
      "                           a host's other URLs end as host_skipped "
      "(20; 0 off)\n"
      "      --robots             obey each host's robots.txt (fetched once "
      "per host;\n"
      "                           refused URLs end as robots; its "
      "Crawl-delay, at\n"
      "                           most 30 s, is that host's --host-delay "
      "if larger)\n"
      "      --host-log FILE      one JSON line per host at the end: "
      "requests, peaks,\n"
      "                           429/503, back-off, robots outcome, "
      "skipped\n"
      "\n"
      "HTTP:\n"
      "      --timeout SEC        whole transfer (30)\n"
      "      --connect-timeout SEC  (10)\n"
      "      --max-redirs N       redirects to follow (10)\n"
      "      --no-follow          do not follow redirects\n"
      "  -A, --user-agent STR     (afetch/" AFETCH_VERSION ")\n"
      "  -H, --header 'N: V'      extra request header (repeatable)\n"
      "  -k, --insecure           do not verify TLS certificates\n"
      "      --cacert FILE        trust the CA certificates in FILE (PEM)\n"
      "      --capath DIR         trust the CA certificates in DIR (hashed)\n"
      "  -x, --proxy URL          via a http(s)://, socks4(a):// or "
      "socks5(h):// proxy\n"
      "      --noproxy LIST       hosts reached without the proxy ('*': all)\n"
      "      --resolve H:P:ADDR[,ADDR]  connect to ADDR for host H, port P, "
      "with no\n"
      "                           lookup (repeatable; +H:P:ADDR as well, "
      "-H:P drops)\n"
      "      --dns-rate N         DNS lookups started per second, each A + "
      "AAAA\n"
      "                           (4000; 0: unlimited)\n"
      "      --http1.1, --http2   HTTP version (default: negotiate)\n"
      "  -I, --head-only          send HEAD requests\n"
      "      --save-dir DIR       save each body in DIR (created if missing)\n"
      "      --max-size BYTES     decoded body kept per URL, K/M/G suffixes "
      "(16M)\n"
      "      --default-scheme S   for lines without one: http or https "
      "(http)\n"
      "\n"
      "Output:\n"
      "  -o, --output FILE        results to FILE instead of stdout\n"
      "      --resume FILE        go on from FILE, the --json output of an "
      "earlier\n"
      "                           run on the same input: lines with a result "
      "there\n"
      "                           are skipped, the others appended (implies "
      "--json)\n"
      "      --redo KINDS         with --resume: fetch these error kinds "
      "again too,\n"
      "                           e.g. timeout,dns,connect, or all "
      "(cancelled always)\n"
      "      --json               JSON Lines, one object per URL\n"
      "      --order ORDER        completion (default) or input\n"
      "      --snippet-len N      characters of snippet (160)\n"
      "  -q, --quiet              only the summary (no results, no "
      "progress)\n"
      "      --no-summary         only the results\n"
      "      --progress, --no-progress  progress line on stderr (default:\n"
      "                           when stderr is a terminal and no -q)\n"
      "      --color WHEN         auto (default), never, always; NO_COLOR is "
      "honoured\n"
      "      --waterfall FILE.svg draw the run: a bar per transfer, or past "
      "200\n"
      "                           transfers in flight and a latency histogram\n"
      "      --fail               HTTP status >= 400 counts as a failure\n"
      "  -h, --help               this text\n"
      "  -V, --version            versions of afetch and its libraries\n"
      "\n"
      "Environment: SSL_CERT_FILE, SSL_CERT_DIR, CURL_CA_BUNDLE (when no\n"
      "--cacert, --capath or -k); http_proxy, HTTPS_PROXY, ALL_PROXY, "
      "NO_PROXY.\n"
      "Exit: 0 all answered, 1 some failed, 2 usage, 130 interrupted.\n",
      f);
}

enum {
  OPT_PER_HOST = 256,
  OPT_RATE,
  OPT_RETRIES,
  OPT_COMPARE,
  OPT_MAX_REDIRS,
  OPT_NO_FOLLOW,
  OPT_TIMEOUT,
  OPT_CONNECT_TIMEOUT,
  OPT_HTTP11,
  OPT_HTTP2,
  OPT_MAX_SIZE,
  OPT_DEFAULT_SCHEME,
  OPT_SNIPPET_LEN,
  OPT_JSON,
  OPT_ORDER,
  OPT_NO_SUMMARY,
  OPT_FAIL,
  OPT_WATERFALL,
  OPT_SHARD,
  OPT_SAVE_DIR,
  OPT_COLOR,
  OPT_PROGRESS,
  OPT_NO_PROGRESS,
  OPT_CACERT,
  OPT_CAPATH,
  OPT_NOPROXY,
  OPT_PLAN,
  OPT_HOST_DELAY,
  OPT_MAX_RETRY_AFTER,
  OPT_MAX_HOST_ERRORS,
  OPT_RESUME,
  OPT_REDO,
  OPT_RESOLVE,
  OPT_DNS_RATE,
  OPT_ROBOTS,
  OPT_HOST_LOG,
};

static const struct option longopts[] = {
    {"concurrency", required_argument, NULL, 'c'},
    {"per-host", required_argument, NULL, OPT_PER_HOST},
    {"host-delay", required_argument, NULL, OPT_HOST_DELAY},
    {"max-retry-after", required_argument, NULL, OPT_MAX_RETRY_AFTER},
    {"max-host-errors", required_argument, NULL, OPT_MAX_HOST_ERRORS},
    {"resolve", required_argument, NULL, OPT_RESOLVE},
    {"dns-rate", required_argument, NULL, OPT_DNS_RATE},
    {"robots", no_argument, NULL, OPT_ROBOTS},
    {"host-log", required_argument, NULL, OPT_HOST_LOG},
    {"rate", required_argument, NULL, OPT_RATE},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"sequential", no_argument, NULL, 's'},
    {"compare", no_argument, NULL, OPT_COMPARE},
    {"plan", no_argument, NULL, OPT_PLAN},
    {"max-redirs", required_argument, NULL, OPT_MAX_REDIRS},
    {"no-follow", no_argument, NULL, OPT_NO_FOLLOW},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"user-agent", required_argument, NULL, 'A'},
    {"header", required_argument, NULL, 'H'},
    {"insecure", no_argument, NULL, 'k'},
    {"http1.1", no_argument, NULL, OPT_HTTP11},
    {"http2", no_argument, NULL, OPT_HTTP2},
    {"max-size", required_argument, NULL, OPT_MAX_SIZE},
    {"default-scheme", required_argument, NULL, OPT_DEFAULT_SCHEME},
    {"snippet-len", required_argument, NULL, OPT_SNIPPET_LEN},
    {"json", no_argument, NULL, OPT_JSON},
    {"order", required_argument, NULL, OPT_ORDER},
    {"quiet", no_argument, NULL, 'q'},
    {"no-summary", no_argument, NULL, OPT_NO_SUMMARY},
    {"fail", no_argument, NULL, OPT_FAIL},
    {"waterfall", required_argument, NULL, OPT_WATERFALL},
    {"shard", required_argument, NULL, OPT_SHARD},
    {"head-only", no_argument, NULL, 'I'},
    {"save-dir", required_argument, NULL, OPT_SAVE_DIR},
    {"output", required_argument, NULL, 'o'},
    {"resume", required_argument, NULL, OPT_RESUME},
    {"redo", required_argument, NULL, OPT_REDO},
    {"cacert", required_argument, NULL, OPT_CACERT},
    {"capath", required_argument, NULL, OPT_CAPATH},
    {"proxy", required_argument, NULL, 'x'},
    {"noproxy", required_argument, NULL, OPT_NOPROXY},
    {"color", required_argument, NULL, OPT_COLOR},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int bad(const char *opt, const char *val, const char *why)
{
  fprintf(stderr, "afetch: %s '%s': %s\n", opt, val, why);
  fprintf(stderr, "Try 'afetch --help'.\n");
  return 2;
}

static int parse_uint(const char *s, unsigned long min, unsigned long max,
                      unsigned long *out)
{
  char *end;
  errno = 0;
  if (*s == '-' || *s == '\0')
    return -1;
  unsigned long v = strtoul(s, &end, 10);
  if (errno || *end || v < min || v > max)
    return -1;
  *out = v;
  return 0;
}

static int parse_double(const char *s, double min, double max, double *out)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !(v >= min) || !(v <= max))
    return -1;
  *out = v;
  return 0;
}

/* Digits only, no sign or space: strtoul alone would take " 1" and "-1". */
static int parse_count(const char *s, size_t len, unsigned long max,
                       unsigned long *out)
{
  if (len == 0 || len > 9 || strspn(s, "0123456789") < len)
    return -1;
  unsigned long v = 0;
  for (size_t i = 0; i < len; i++)
    v = v * 10 + (unsigned long)(s[i] - '0');
  if (v > max)
    return -1;
  *out = v;
  return 0;
}

/* "K/N", K counted from 1 as split -n K/N does; the library's shard_k is
 * 0-based. */
static int parse_shard(const char *s, afetch_options_t *o)
{
  const char *slash = strchr(s, '/');
  unsigned long k, n;
  if (!slash || parse_count(s, (size_t)(slash - s), 1000000, &k) ||
      parse_count(slash + 1, strlen(slash + 1), 1000000, &n) || k < 1 ||
      n < 1 || k > n)
    return -1;
  o->shard_k = (unsigned)(k - 1);
  o->shard_n = (unsigned)n;
  return 0;
}

/* The schemes libcurl takes for a proxy; none means http, as in curl. */
static int proxy_ok(const char *url)
{
  static const char *const schemes[] = {"http",    "https",  "socks4",
                                        "socks4a", "socks5", "socks5h"};
  const char *sep = strstr(url, "://");
  if (!sep)
    return 1;
  for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
    if (strlen(schemes[i]) == (size_t)(sep - url) &&
        strncasecmp(url, schemes[i], (size_t)(sep - url)) == 0)
      return 1;
  return 0;
}

/* getopt_long says only '?' for "--he": list what it could mean. */
static void unknown_option(const char *arg)
{
  if (strncmp(arg, "--", 2) == 0 && arg[2]) {
    size_t len = strcspn(arg + 2, "=");
    int n = 0;
    for (const struct option *l = longopts; l->name; l++)
      n += strncmp(l->name, arg + 2, len) == 0;
    if (n > 1) {
      fprintf(stderr,
              "afetch: option '%.*s' is ambiguous; it could be:", (int)len + 2,
              arg);
      for (const struct option *l = longopts; l->name; l++)
        if (strncmp(l->name, arg + 2, len) == 0)
          fprintf(stderr, " --%s", l->name);
      fputs("\nTry 'afetch --help'.\n", stderr);
      return;
    }
  }
  fprintf(stderr, "afetch: unknown option '%s'\nTry 'afetch --help'.\n", arg);
}

/* Trust anchors from the environment, as curl's tool takes them: only
 * when none was given and verification is on; CURL_CA_BUNDLE alone, else
 * SSL_CERT_DIR and SSL_CERT_FILE. An empty variable counts as unset. */
static void ca_from_env(cli_args_t *c)
{
  if (c->o.cacert || c->o.capath || c->o.insecure)
    return;
  const char *v = getenv("CURL_CA_BUNDLE");
  if (v && *v) {
    c->o.cacert = v;
    c->cacert_from = "CURL_CA_BUNDLE";
    return;
  }
  v = getenv("SSL_CERT_DIR");
  if (v && *v) {
    c->o.capath = v;
    c->capath_from = "SSL_CERT_DIR";
  }
  v = getenv("SSL_CERT_FILE");
  if (v && *v) {
    c->o.cacert = v;
    c->cacert_from = "SSL_CERT_FILE";
  }
}

/* "16M", "512k", "1G", "1000": binary multiples, as curl's --max-filesize
 * does. */
static int parse_size(const char *s, uint64_t *out)
{
  char *end;
  errno = 0;
  if (*s == '-' || *s == '\0')
    return -1;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s)
    return -1;
  uint64_t mul = 1;
  if (*end) {
    switch (*end) {
    case 'k':
    case 'K':
      mul = 1024;
      break;
    case 'm':
    case 'M':
      mul = 1024 * 1024;
      break;
    case 'g':
    case 'G':
      mul = 1024ull * 1024 * 1024;
      break;
    default:
      return -1;
    }
    if (end[1] && !((end[1] == 'B' || end[1] == 'b') && !end[2]))
      return -1;
  }
  if (v == 0 || v > UINT64_MAX / mul)
    return -1;
  *out = v * mul;
  return 0;
}

/* --resume writes JSON Lines to its FILE and nowhere else; -o may only
 * name that same file. */
static int resume_conflicts(cli_args_t *c, int cmp)
{
  if (c->redo_set && !c->resume) {
    fprintf(stderr, "afetch: --redo needs --resume FILE\n");
    return 2;
  }
  if (!c->resume)
    return 0;
  if (cmp || c->plan) {
    fprintf(stderr, "afetch: --resume and %s exclude each other\n",
            cmp ? "--compare" : "--plan");
    return 2;
  }
  if (c->output) {
    struct stat a, b;
    int same = strcmp(c->output, c->resume) == 0 ||
               (stat(c->output, &a) == 0 && stat(c->resume, &b) == 0 &&
                a.st_dev == b.st_dev && a.st_ino == b.st_ino);
    if (!same) {
      fprintf(stderr,
              "afetch: -o '%s' and --resume '%s': --resume appends the "
              "results to its own FILE\n",
              c->output, c->resume);
      return 2;
    }
    c->output = NULL;
  }
  c->json = 1;
  return 0;
}

int cli_args_parse(cli_args_t *c, int argc, char **argv)
{
  memset(c, 0, sizeof(*c));
  afetch_options_init(&c->o);
  /* The CLI owns its process, so its parser threads may step back: the
   * loop then runs as soon as it has work, and a page waiting for a parser
   * never holds a transfer open (W6: p99 of time_ms.total). */
  c->o.parse_nice = 10;
  c->progress = -1;
  c->headers = calloc((size_t)argc + 1, sizeof(*c->headers));
  c->inputs = calloc((size_t)argc + 1, sizeof(*c->inputs));
  c->resolve = calloc((size_t)argc + 1, sizeof(*c->resolve));
  if (!c->headers || !c->inputs || !c->resolve) {
    fprintf(stderr, "afetch: out of memory\n");
    return 2;
  }
  int seq = 0, cmp = 0;
  int ch;
  unsigned long u;
  double d;
  opterr = 0;
  while ((ch = getopt_long(argc, argv, ":c:sA:H:kx:Io:qhV", longopts, NULL)) !=
         -1) {
    const char *name = optind > 1 ? argv[optind - 1] : "";
    switch (ch) {
    case 'c':
      if (parse_uint(optarg, 1, 100000, &u))
        return bad("--concurrency", optarg, "expected 1 to 100000");
      c->o.concurrency = (unsigned)u;
      break;
    case OPT_PER_HOST:
      if (parse_uint(optarg, 1, 100000, &u))
        return bad("--per-host", optarg, "expected 1 to 100000");
      c->o.per_host = (unsigned)u;
      break;
    case OPT_RATE:
      if (parse_double(optarg, 0.001, 1e6, &d))
        return bad("--rate", optarg, "expected a positive number");
      c->o.rate = d;
      break;
    case OPT_HOST_DELAY:
      if (parse_uint(optarg, 0, 86400000, &u))
        return bad("--host-delay", optarg, "expected 0 to 86400000 (ms)");
      c->o.host_delay_ms = (unsigned)u;
      break;
    case OPT_MAX_RETRY_AFTER:
      if (parse_uint(optarg, 0, 86400, &u))
        return bad("--max-retry-after", optarg, "expected 0 to 86400 (s)");
      c->o.max_retry_after = (unsigned)u;
      break;
    case OPT_ROBOTS:
      c->o.robots = 1;
      break;
    case OPT_HOST_LOG:
      c->host_log = optarg;
      c->o.host_stats = 1;
      break;
    case OPT_MAX_HOST_ERRORS:
      if (parse_uint(optarg, 0, 1000000, &u))
        return bad("--max-host-errors", optarg, "expected 0 to 1000000");
      c->o.max_host_errors = (unsigned)u;
      break;
    case OPT_RETRIES:
      if (parse_uint(optarg, 0, 100, &u))
        return bad("--retries", optarg, "expected 0 to 100");
      c->o.retries = (unsigned)u;
      break;
    case 's':
      seq = 1;
      break;
    case OPT_COMPARE:
      cmp = 1;
      break;
    case OPT_PLAN:
      c->plan = 1;
      break;
    case OPT_MAX_REDIRS:
      if (parse_uint(optarg, 0, 1000, &u))
        return bad("--max-redirs", optarg, "expected 0 to 1000");
      c->o.max_redirs = (unsigned)u;
      break;
    case OPT_NO_FOLLOW:
      c->o.follow = 0;
      break;
    case OPT_TIMEOUT:
      if (parse_double(optarg, 0.001, 86400, &d))
        return bad("--timeout", optarg, "expected seconds > 0");
      c->o.timeout = d;
      break;
    case OPT_CONNECT_TIMEOUT:
      if (parse_double(optarg, 0.001, 86400, &d))
        return bad("--connect-timeout", optarg, "expected seconds > 0");
      c->o.connect_timeout = d;
      break;
    case 'A':
      c->o.user_agent = optarg;
      break;
    case 'H':
      if (!strchr(optarg, ':'))
        return bad("--header", optarg, "expected 'Name: value'");
      c->headers[c->nheaders++] = optarg;
      break;
    case 'k':
      c->o.insecure = 1;
      break;
    case OPT_HTTP11:
      c->o.http_version = AFETCH_HTTP_1_1;
      break;
    case OPT_HTTP2:
      c->o.http_version = AFETCH_HTTP_2;
      break;
    case OPT_MAX_SIZE:
      if (parse_size(optarg, &c->o.max_body))
        return bad("--max-size", optarg, "expected bytes, e.g. 1000, 64K, 16M");
      break;
    case OPT_DEFAULT_SCHEME:
      if (strcmp(optarg, "http") != 0 && strcmp(optarg, "https") != 0)
        return bad("--default-scheme", optarg, "expected http or https");
      c->o.default_scheme = optarg;
      break;
    case OPT_SNIPPET_LEN:
      if (parse_uint(optarg, 0, 100000, &u))
        return bad("--snippet-len", optarg, "expected 0 to 100000");
      c->o.snippet_len = (unsigned)u;
      break;
    case OPT_JSON:
      c->json = 1;
      break;
    case OPT_ORDER:
      if (strcmp(optarg, "input") == 0)
        c->o.order_input = 1;
      else if (strcmp(optarg, "completion") == 0)
        c->o.order_input = 0;
      else
        return bad("--order", optarg, "expected input or completion");
      break;
    case 'q':
      c->quiet = 1;
      break;
    case OPT_NO_SUMMARY:
      c->no_summary = 1;
      break;
    case OPT_FAIL:
      c->fail_http = 1;
      break;
    case OPT_WATERFALL:
      c->waterfall = optarg;
      break;
    case OPT_SHARD:
      if (parse_shard(optarg, &c->o))
        return bad("--shard", optarg, "expected K/N with 1 <= K <= N");
      break;
    case 'I':
      c->o.head = 1;
      break;
    case OPT_SAVE_DIR:
      c->o.output_dir = optarg;
      break;
    case 'o':
      if (!*optarg)
        return bad("--output", optarg, "expected a file name");
      /* "-o -" is stdout, as in curl. */
      c->output = strcmp(optarg, "-") == 0 ? NULL : optarg;
      break;
    case OPT_RESUME:
      if (!*optarg || strcmp(optarg, "-") == 0)
        return bad("--resume", optarg, "expected the name of a file");
      c->resume = optarg;
      break;
    case OPT_REDO: {
      char kind[64], all[512], why[700];
      if (cli_resume_parse_kinds(optarg, &c->redo_mask, kind, sizeof(kind))) {
        cli_resume_kind_list(all, sizeof(all));
        snprintf(why, sizeof(why),
                 "unknown error kind '%s'; expected a comma-separated list "
                 "of %s, or all",
                 kind, all);
        return bad("--redo", optarg, why);
      }
      c->redo_set = 1;
      break;
    }
    case OPT_CACERT:
      c->o.cacert = optarg;
      c->cacert_from = "--cacert";
      break;
    case OPT_CAPATH:
      c->o.capath = optarg;
      c->capath_from = "--capath";
      break;
    case 'x':
      if (!proxy_ok(optarg))
        return bad("--proxy", optarg,
                   "expected a proxy URL, SCHEME://HOST:PORT with http, "
                   "https, socks4, socks4a, socks5 or socks5h");
      c->o.proxy = optarg;
      break;
    case OPT_NOPROXY:
      c->o.noproxy = optarg;
      break;
    case OPT_RESOLVE: {
      char why[256];
      if (afetch_resolve_check(optarg, why, sizeof(why)) != 0) {
        fprintf(stderr, "afetch: %s\nTry 'afetch --help'.\n", why);
        return 2;
      }
      c->resolve[c->nresolve++] = optarg;
      break;
    }
    case OPT_DNS_RATE:
      if (parse_double(optarg, 0, 1e6, &d))
        return bad("--dns-rate", optarg,
                   "expected 0 (unlimited) or lookups per second");
      c->o.dns_rate = d;
      break;
    case OPT_COLOR:
      if (strcmp(optarg, "auto") == 0)
        c->color = COLOR_AUTO;
      else if (strcmp(optarg, "never") == 0)
        c->color = COLOR_NEVER;
      else if (strcmp(optarg, "always") == 0)
        c->color = COLOR_ALWAYS;
      else
        return bad("--color", optarg, "expected auto, never or always");
      break;
    case OPT_PROGRESS:
      c->progress = 1;
      break;
    case OPT_NO_PROGRESS:
      c->progress = 0;
      break;
    case 'h':
      cli_usage(stdout);
      return 1;
    case 'V':
      printf("%s\n", afetch_version_string());
      return 1;
    case ':':
      fprintf(stderr, "afetch: %s needs a value\nTry 'afetch --help'.\n", name);
      return 2;
    default:
      unknown_option(name);
      return 2;
    }
  }
  if (seq && cmp) {
    fprintf(stderr, "afetch: --sequential and --compare exclude each other\n");
    return 2;
  }
  if (resume_conflicts(c, cmp) != 0)
    return 2;
  c->compare = cmp;
  c->o.mode = cmp || seq ? AFETCH_MODE_SEQUENTIAL : AFETCH_MODE_CONCURRENT;
  if (c->nheaders)
    c->o.headers = c->headers;
  if (c->nresolve)
    c->o.resolve = c->resolve;
  ca_from_env(c);
  for (int i = optind; i < argc; i++)
    c->inputs[c->ninputs++] = argv[i];
  return 0;
}

void cli_args_free(cli_args_t *c)
{
  free(c->headers);
  free(c->inputs);
  free(c->resolve);
}
