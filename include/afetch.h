/*
 * afetch: fetch many URLs at once on one libuv loop driving libcurl's multi
 * interface, and extract a title and a snippet from every HTML page.
 *
 * This is the only public header. The command line tool is written purely
 * against it. Ownership rules, in one place:
 *   - Every afetch_new() has an afetch_free(); afetch_free(NULL) is a no-op.
 *   - Strings passed in (options, URLs, paths) are copied; the caller may
 *     free them as soon as the call returns.
 *   - Pointers handed to callbacks (results, summaries, progress) are
 *     borrowed: valid only until the callback returns.
 *   - No global mutable state: everything hangs off the afetch_t (the one
 *     exception is afetch_version_string's static buffer). Call
 *     afetch_global_init() once, before any thread starts.
 *   - One thread: every call except afetch_stop() is made on the thread
 *     that runs the loop, and no afetch_* call but afetch_stop() and
 *     afetch_result_json() is made from inside a callback.
 */
#ifndef AFETCH_H
#define AFETCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(AFETCH_BUILDING) && defined(__GNUC__)
#define AFETCH_API __attribute__((visibility("default")))
#else
#define AFETCH_API
#endif

#define AFETCH_VERSION "0.1.0"

/* Return codes of the API functions: 0 or one of these (negative). */
enum {
  AFETCH_OK = 0,
  AFETCH_ENOMEM = -1, /* out of memory */
  AFETCH_EINVAL = -2, /* bad argument or option value */
  AFETCH_ECURL = -3,  /* libcurl refused to initialise or failed fatally */
  AFETCH_EUV = -4,    /* libuv call failed */
  AFETCH_ESTATE = -5, /* call not allowed in this state (e.g. after start) */
  AFETCH_EIO = -6,    /* reading an input source failed */
};

/* Why one URL failed. A failed URL is data, never an API error. */
typedef enum {
  AFETCH_ERR_NONE = 0,
  AFETCH_ERR_INVALID_URL, /* the line is not a URL */
  AFETCH_ERR_SCHEME,      /* not http or https (also on a redirect) */
  AFETCH_ERR_DNS,         /* host name did not resolve */
  AFETCH_ERR_CONNECT,     /* refused, unreachable, reset before a reply */
  AFETCH_ERR_TLS,         /* handshake or certificate */
  AFETCH_ERR_TIMEOUT,     /* --timeout, --connect-timeout, or too slow */
  AFETCH_ERR_REDIRECTS,   /* more than --max-redirs */
  AFETCH_ERR_PROTOCOL,    /* the server spoke broken HTTP */
  AFETCH_ERR_RECV,        /* the connection broke mid-response */
  AFETCH_ERR_RESOURCE,    /* out of memory (no descriptor shows as CONNECT) */
  AFETCH_ERR_OTHER,
  AFETCH_ERR_CANCELLED,    /* afetch_stop came before it finished */
  AFETCH_ERR_HOST_SKIPPED, /* its host failed max_host_errors times in a
                            * row at the connection level: not tried */
  AFETCH_ERR_ROBOTS,       /* robots (option): its host's robots.txt
                            * disallows it, or could not be fetched (5xx,
                            * 429, unreachable): not requested */
} afetch_errkind_t;

typedef enum {
  AFETCH_MODE_CONCURRENT = 0,
  AFETCH_MODE_SEQUENTIAL, /* one transfer at a time, in input order */
} afetch_mode_t;

typedef enum {
  AFETCH_HTTP_ANY = 0, /* let libcurl negotiate */
  AFETCH_HTTP_1_1,
  AFETCH_HTTP_2,
} afetch_httpver_t;

/* Durations in milliseconds, derived from libcurl's cumulative stamps. A
 * reused connection reports dns, connect and tls as 0. With redirects the
 * values span the whole chain. */
typedef struct {
  double dns;
  double connect;
  double tls;
  double ttfb;
  double total;
} afetch_timing_t;

/* One finished URL. Borrowed: valid only during the result callback. Every
 * string is NUL-terminated, valid UTF-8 and free of control characters (C0,
 * C1, DEL, bidi overrides), so it can be printed to a terminal as is. */
typedef struct {
  uint64_t line;             /* input line number, from 1, across inputs */
  int run;                   /* the options' run (0) */
  const char *url;           /* as requested (password shown as ***) */
  const char *effective_url; /* after redirects; NULL if none reached */
  int status;                /* last HTTP status, 0 if no response */
  afetch_errkind_t error_kind;
  const char *error;        /* NULL on success */
  const char *content_type; /* NULL if the server sent none */
  uint64_t bytes;           /* decoded body bytes received */
  int truncated;            /* body cut at max_body */
  const char *http_version; /* "1.0", "1.1", "2", "3", or NULL */
  long redirects;
  int retries; /* retries spent on this URL */
  int reused;  /* the connection was reused */
  afetch_timing_t time_ms;
  double wait_ms;       /* time spent queued in afetch before starting */
  double start_ms;      /* when the (last) attempt started, from run start */
  const char *title;    /* NULL if none */
  const char *snippet;  /* NULL if none */
  const char *saved_as; /* output_dir: the file name in it, or NULL */
  /* Added after the fields above, so older callers still line up. */
  const char *ip;       /* the address last connected to, or NULL */
  const char *server;   /* the last response's Server header, or NULL */
  const char *location; /* a redirect not followed (follow = 0, or the
                           redirect limit): its target, or NULL */
} afetch_result_t;

/* The limits that can hold a ready URL back before it starts. */
typedef enum {
  AFETCH_LIMIT_CONCURRENCY = 0, /* concurrency: every slot busy */
  AFETCH_LIMIT_PER_HOST,        /* per_host: its host's slots busy */
  AFETCH_LIMIT_RATE,            /* rate: no token yet */
  AFETCH_LIMIT_PARSE,           /* parsers behind: backpressure */
  AFETCH_LIMIT_COUNT
} afetch_limit_t;

/* Statistics of one run, handed to on_run_end. */
typedef struct {
  int run;
  afetch_mode_t mode;   /* SEQUENTIAL or CONCURRENT */
  uint64_t urls;        /* results delivered: succeeded + failed + cancelled */
  uint64_t succeeded;   /* got an HTTP response */
  uint64_t failed;      /* cancelled ones not included */
  uint64_t http_errors; /* responses with status >= 400 */
  uint64_t bytes;
  double wall_ms;
  double rps;
  double lat_min, lat_p50, lat_p90, lat_p99, lat_max; /* total, in ms */
  int interrupted;
  uint64_t cancelled; /* read, but stopped before they finished */
  int input_unread;   /* stopped before every input was read */
  /* What held the run back: for each limit, the URLs that were ready but
   * waited because of it, and the sum of their waits. A wait while the
   * URL's host had per_host in flight is per_host's (when per_host is below
   * concurrency), the rest the global limit that blocked starts then; a URL
   * may count under two limits. Zero for SEQUENTIAL runs (docs/API.md). */
  uint64_t limit_held[AFETCH_LIMIT_COUNT];
  double limit_wait_ms[AFETCH_LIMIT_COUNT];
  /* Added later: a caller built before it reads the fields above only. */
  uint64_t skipped; /* lines skip_line said were done: not in urls */
  /* Added after the fields above (an old caller reads a prefix). The same
   * for the per-host holds: a host's least gap between starts
   * (host_delay_ms, or its robots.txt Crawl-delay when larger) and a
   * 429/503's back-off, counted while the URL's host was held by it. */
  uint64_t host_delay_held;
  double host_delay_wait_ms;
  uint64_t backoff_held;
  double backoff_wait_ms;
} afetch_summary_t;

typedef struct {
  int run;
  uint64_t done; /* results delivered */
  uint64_t read; /* URLs read so far */
  uint64_t failed;
  unsigned in_flight;
  double elapsed_ms;
  double rps;
  int input_done; /* every input has been read: read is the total */
} afetch_progress_t;

typedef void (*afetch_result_cb)(const afetch_result_t *r, void *ud);
typedef void (*afetch_summary_cb)(const afetch_summary_t *s, void *ud);
typedef void (*afetch_progress_cb)(const afetch_progress_t *p, void *ud);
/* Called once per loop iteration that delivered results: a good moment for
 * the caller to flush buffered output. */
typedef void (*afetch_flush_cb)(void *ud);
/* Called once when everything is finished (all runs), with 0 or an API
 * error code. Useful when afetch runs on the caller's loop. */
typedef void (*afetch_done_cb)(int status, void *ud);

/* Options. The struct can grow: size, its first member, is the caller's
 * sizeof(afetch_options_t), written by afetch_options_init, so a program
 * built against an older, smaller header still works with a newer library
 * (the fields it does not know get their defaults). New fields are only
 * ever added at the end. */
typedef struct {
  size_t size; /* set by afetch_options_init: keep it */
  afetch_mode_t mode;
  unsigned concurrency;       /* transfers in flight at most (50) */
  unsigned per_host;          /* transfers in flight per host (6) */
  double rate;                /* new transfers per second, 0 = unlimited */
  unsigned retries;           /* retries on connect/timeout/429/5xx (0) */
  unsigned max_redirs;        /* (10) */
  int follow;                 /* follow redirects (1) */
  double timeout;             /* whole transfer, seconds (30) */
  double connect_timeout;     /* seconds (10) */
  const char *user_agent;     /* NULL = "afetch/VERSION" */
  const char *const *headers; /* NULL-terminated "Name: value" list */
  int insecure;               /* skip TLS verification (0) */
  afetch_httpver_t http_version;
  uint64_t max_body;          /* decoded bytes per transfer (16 MiB): more
                               * is cut (truncated); at most 512 KiB of it
                               * stays in memory, for the parser */
  const char *default_scheme; /* for lines without one ("http") */
  unsigned snippet_len;       /* characters (160) */
  int order_input;            /* deliver results in input order (0) */
  unsigned reorder_window;    /* results held for order_input (1024) */
  unsigned read_ahead;        /* URLs read but not started (4096; the last
                               * 64 KiB read is split whole, so a little more) */
  unsigned shard_k, shard_n;  /* keep hosts hashing to shard k of n, k
                               * 0-based: 0 <= k < n (the CLI's --shard K/N
                               * counts from 1); n = 0 keeps all (0/0) */
  int head;                   /* send HEAD requests only (0) */
  unsigned progress_ms;       /* progress callback interval, 0 = off */
  const char *output_dir;     /* existing dir to save bodies in, NULL = no */
  int parse;                  /* extract title and snippet (1) */
  int parse_nice;             /* 1-19: nice value taken by the libuv pool
                               * threads that parse, so the network loop
                               * (and a server on the same machine) come
                               * first; 0 leaves them alone (0). The pool is
                               * the whole process's and a thread cannot
                               * lower its nice again: set it only in a
                               * program that owns its pool. The CLI uses 10. */
  /* TLS trust anchors (NULL: libcurl's defaults). The library reads no
   * environment for them; the CLI maps SSL_CERT_FILE, SSL_CERT_DIR and
   * CURL_CA_BUNDLE onto these as curl's tool does. They, and insecure,
   * serve an https proxy as well as the servers. */
  const char *cacert; /* PEM bundle file (CURLOPT_CAINFO) */
  const char *capath; /* directory of hashed certificates (CURLOPT_CAPATH) */
  /* Proxy URL, http://, https://, socks4://, socks4a://, socks5:// or
   * socks5h:// (no scheme: http). NULL leaves libcurl to read http_proxy,
   * HTTPS_PROXY, ALL_PROXY and NO_PROXY from the environment; "" uses no
   * proxy at all. */
  const char *proxy;
  const char *noproxy; /* hosts not proxied, comma-separated, "*" all; NULL:
                        * NO_PROXY from the environment */
  /* Added after size: a caller's struct that ends before a field gets its
   * default. */
  unsigned run; /* the number every result, progress report and summary
                 * carries (0): a caller that runs engines one after the
                 * other numbers them (the CLI's --compare: 0 sequential,
                 * 1 concurrent) */
  /* Politeness, per host (each host on its own; the others go on). */
  unsigned host_delay_ms;   /* least time between two starts on one host (0) */
  unsigned max_retry_after; /* seconds: a 429/503's Retry-After holds its
                             * host for at most this long (600) */
  unsigned max_host_errors; /* consecutive dns/connect/tls/timeout failures
                             * on a host before its other URLs end as
                             * host_skipped; 0 = never (20) */
  /* Resume: lines an earlier run already finished. Asked once for every
   * URL line (blank lines and comments are not asked), before it is parsed
   * or sharded, with its line number; non-zero skips the line: no request,
   * no result, counted in the summary's skipped. skip_ud is the caller's
   * and must live until afetch_free. NULL: no line is skipped. */
  int (*skip_line)(void *ud, uint64_t line);
  void *skip_ud;
  /* DNS. afetch resolves host names itself, on its loop (c-ares), each
   * name once per run; not when a proxy is set (the proxy resolves). */
  const char *const *resolve; /* NULL-terminated pins, as curl's --resolve:
                               * "HOST:PORT:ADDR[,ADDR]...", "+HOST:..."
                               * likewise, "-HOST:PORT" drops the pins of
                               * HOST:PORT before it; a pinned name is
                               * never looked up (check an entry with
                               * afetch_resolve_check) */
  double dns_rate;            /* lookups started per second at most, each
                               * an A and an AAAA query; up to a tenth of a
                               * second's worth at once (4000); 0 =
                               * unlimited */
  /* Fetch each host's /robots.txt once, before its first URL, and obey
   * it for user_agent's product token (RFC 9309): a URL it disallows ends
   * as AFETCH_ERR_ROBOTS unrequested; its Crawl-delay (at most 30 s)
   * becomes that host's host_delay_ms when larger (0). */
  int robots;
  /* Keep a record per host for afetch_host_stats (0: hosts are forgotten
   * once none of their URLs is left, so memory follows the hosts in play;
   * 1: it grows with every host of the run). robots keeps them too. */
  int host_stats;
} afetch_options_t;

/* Fills every field with its default and o->size with size: the first
 * size bytes of o are written, no more. Call it through
 * afetch_options_init before setting fields. */
AFETCH_API void afetch_options_init_size(afetch_options_t *o, size_t size);
/* The caller's own sizeof is passed, so an older binary's smaller struct
 * is never written past its end by a newer library. */
#define afetch_options_init(o) afetch_options_init_size((o), sizeof(*(o)))

typedef struct {
  afetch_result_cb on_result;     /* required */
  afetch_summary_cb on_run_end;   /* optional */
  afetch_progress_cb on_progress; /* optional, see progress_ms */
  afetch_flush_cb on_flush;       /* optional */
  afetch_done_cb on_done;         /* optional */
  void *ud;
} afetch_callbacks_t;

typedef struct afetch afetch_t; /* opaque */
struct uv_loop_s;

/* Process-wide setup of libcurl; call once before any thread starts. */
AFETCH_API int afetch_global_init(void);
AFETCH_API void afetch_global_cleanup(void);

/* Creates an engine. loop may be NULL: the engine then owns a private loop
 * and afetch_run() drives it. With a caller's loop, call afetch_start() and
 * run the loop yourself; on_done tells when afetch is finished, and
 * afetch_free() must be called after that (it closes afetch's handles; run
 * the loop once more so their close callbacks fire). */
AFETCH_API int afetch_new(afetch_t **out, struct uv_loop_s *loop,
                          const afetch_options_t *o,
                          const afetch_callbacks_t *cb);

/* Inputs, added before start and consumed in the order they were added
 * (URLs and fds interleaved, as if concatenated). Line numbers count across
 * all inputs.
 * url[0..len) is copied; it may hold several lines, which are split,
 * trimmed and filtered like a file's (each call takes at least one line
 * number). */
AFETCH_API int afetch_add_url(afetch_t *a, const char *url, size_t len);
/* Reads lines from fd (a file, pipe or terminal) through the loop. With
 * close_fd set the engine owns fd and closes it; with close_fd 0 it reads
 * through a duplicate (pipes, terminals) and fd stays the caller's. */
AFETCH_API int afetch_add_input_fd(afetch_t *a, int fd, int close_fd);
/* Reads lines from buf[0..len) as from a file (gzip inflated, lines
 * numbered as a file's, paced by read_ahead). The bytes stay the caller's
 * and must not change until afetch_free: one list can feed several
 * engines without a copy each. */
AFETCH_API int afetch_add_input_buf(afetch_t *a, const void *buf, size_t len);
/* After a run that returned AFETCH_EIO: why the first input that failed
 * did ("the gzip data is truncated ...", a read error), "" if none failed
 * (owned by a). If input is not NULL it gets that input's place among all
 * afetch_add_url and afetch_add_input_* calls, from 0. */
AFETCH_API const char *afetch_input_error(const afetch_t *a, size_t *input);

/* Starts the run on the loop. No result is delivered from inside this
 * call: the first ones come when the loop runs. When it fails, on_done is
 * not called. Only once per engine. */
AFETCH_API int afetch_start(afetch_t *a);
/* afetch_start + run the private loop until finished. Returns 0 or an API
 * error. Only for engines that own their loop. */
AFETCH_API int afetch_run(afetch_t *a);

/* Stops the run: no further input is read and no new transfer starts, but
 * every URL already read still gets exactly one result. Finished ones are
 * delivered as they are (those held for order_input too, in order); a
 * parse already running is waited for; the rest (in flight, waiting for
 * a retry or for a parser thread, queued) get AFETCH_ERR_CANCELLED; an
 * invalid line keeps its own error. Then the summary comes with
 * interrupted, cancelled and input_unread set. Ignored when no run is active.
 * Async-signal-safe and thread-safe (it is a uv_async_send). */
AFETCH_API void afetch_stop(afetch_t *a);
/* 1 if the run was stopped by afetch_stop. */
AFETCH_API int afetch_interrupted(const afetch_t *a);

/* Frees the engine and everything it allocated. Call it after afetch_run()
 * returned or on_done fired, never from inside a callback. Freed in the
 * middle of a run on the caller's loop, it aborts the run without results;
 * with the caller's loop the memory is released by close callbacks, so run
 * the loop once more afterwards (uv_loop_close() then succeeds). */
AFETCH_API void afetch_free(afetch_t *a);

/* What a run did to one host (afetch_host_stats). Borrowed, valid only
 * during the callback. New fields are only added at the end. */
typedef struct {
  const char *host;         /* the per-host key, "host:port" */
  uint64_t requests;        /* transfers started (robots.txt and retries
                             * included; a redirect chain counts once) */
  unsigned peak_in_flight;  /* most transfers at once */
  unsigned peak_per_second; /* most starts within one second of the run
                             * (seconds counted from its start) */
  uint64_t status_429;      /* responses with that status */
  uint64_t status_503;
  double backoff_ms;     /* time the host was held by 429/503
                          * back-offs (overlaps counted once) */
  const char *robots;    /* "none" (robots off), "allowed-all",
                          * "rules" or "disallowed-all" */
  int robots_status;     /* its /robots.txt's last status, 0: none */
  double crawl_delay_ms; /* its Crawl-delay as applied, 0: none */
  uint64_t skipped;      /* URLs ended host_skipped */
  uint64_t disallowed;   /* URLs ended robots */
} afetch_host_t;

typedef void (*afetch_host_cb)(const afetch_host_t *h, void *ud);

/* After the run (afetch_run returned, or on_done fired; before
 * afetch_free): calls cb once per host the run saw, in the order hosts
 * first appeared in the input. Needs host_stats or robots set in the
 * options (otherwise AFETCH_ESTATE); AFETCH_ENOMEM when the list cannot
 * be sorted. Invalid lines have no host. */
AFETCH_API int afetch_host_stats(const afetch_t *a, afetch_host_cb cb,
                                 void *ud);

/* Formats r as one JSON object (no newline) into buf of size cap; returns
 * the length it needs (excluding the NUL), like snprintf: buf NULL or cap 0
 * only measures, and a short buffer gets a NUL-terminated prefix (valid
 * UTF-8, but not valid JSON). The caller owns buf. */
AFETCH_API size_t afetch_result_json(const afetch_result_t *r, char *buf,
                                     size_t cap);

/* Static strings, never freed: the message for an API return code, and
 * the JSON name of an error kind ("none" for AFETCH_ERR_NONE, where the
 * JSON output writes null). */
AFETCH_API const char *afetch_strerror(int code);
AFETCH_API const char *afetch_errkind_name(afetch_errkind_t k);
/* "afetch/0.1.0 libcurl/7.88.1 OpenSSL/3.0 nghttp2/1.52 libuv/1.44.2 ...",
 * in a static buffer rewritten by each call (not thread-safe). */
AFETCH_API const char *afetch_version_string(void);
/* Checks one --resolve entry (afetch_options_t.resolve): 0, or
 * AFETCH_EINVAL with a sentence in err (NUL-terminated, cut to errlen). */
AFETCH_API int afetch_resolve_check(const char *entry, char *err,
                                    size_t errlen);
/* Stable 64-bit hash of a lower-cased host, as used by shard_k/shard_n. */
AFETCH_API uint64_t afetch_host_hash(const char *host, size_t len);

/* A plan: the shape of a URL list before any request (the CLI's --plan).
 * Lines are split, trimmed, parsed and sharded exactly as a run does
 * (default_scheme, shard_k / shard_n, per_host of the options), but
 * nothing is fetched and no name is resolved. One streaming pass in
 * bounded memory, whatever the list's length:
 * - distinct hosts ("host:port", the per-host key) are counted exactly up
 *   to 2^20 hosts (identity by a 64-bit hash: a collision is about one
 *   in 10^7 at that size); past that a HyperLogLog of 2^14 registers
 *   gives an estimate with a standard error of 1.04 / sqrt(2^14) = 0.81 %;
 * - the largest hosts come from a Space-Saving counter of 1000 entries:
 *   every host with more than valid / 1000 URLs is in it, and each count
 *   is at most count_err above the truth (count - count_err is a lower
 *   bound, 0 error while fewer than 1000 hosts were seen). */
typedef struct afetch_plan afetch_plan_t; /* opaque */

typedef struct {
  uint64_t lines;         /* physical lines read, blank and comments too */
  uint64_t urls;          /* URL lines kept (in the shard), valid or not */
  uint64_t valid;         /* of those, valid http(s) URLs */
  uint64_t invalid;       /* of those, lines a run reports as invalid */
  uint64_t other_shards;  /* URL lines that belong to another shard */
  uint64_t hosts;         /* distinct hosts among valid (estimate if
                           * !hosts_exact) */
  int hosts_exact;        /* 1: hosts is exact; 0: HyperLogLog estimate */
  double hosts_std_error; /* relative standard error of hosts (0 if exact) */
  uint64_t largest_host;  /* URLs of the largest host, a lower bound */
  unsigned per_host;      /* the settings the bounds below assume */
  unsigned host_delay_ms;
  double min_wall_s;         /* largest_host * host_delay / per_host: no run
                              * with these settings is faster; 0 when
                              * host_delay_ms is 0 (no bound from it) */
  unsigned suggested_shards; /* see afetch_plan_new's documentation in
                              * docs/API.md */
} afetch_plan_stats_t;

/* Creates a plan from the options a run would use (NULL: defaults). */
AFETCH_API int afetch_plan_new(afetch_plan_t **out, const afetch_options_t *o);
/* Bytes of the current input, in order, any size (gzip recognised by its
 * magic bytes and inflated). AFETCH_EIO if the gzip data is corrupt
 * (afetch_plan_error says why). Line numbers count across inputs. */
AFETCH_API int afetch_plan_add(afetch_plan_t *p, const void *buf, size_t len);
/* The current input ended: its last line without a newline counts, and a
 * truncated gzip stream is AFETCH_EIO. The next add starts a new input. */
AFETCH_API int afetch_plan_end_input(afetch_plan_t *p);
/* Ends the pass (ending an input still open) and computes the stats. */
AFETCH_API int afetch_plan_finish(afetch_plan_t *p);
/* After finish: the figures, owned by p. */
AFETCH_API const afetch_plan_stats_t *afetch_plan_stats(const afetch_plan_t *p);
/* After finish: how many hosts afetch_plan_top can give (at most 1000). */
AFETCH_API size_t afetch_plan_ntop(const afetch_plan_t *p);
/* After finish: the i-th largest host (0-based, i < afetch_plan_ntop):
 * returns its host key (owned by p; NULL past the end) and sets its
 * Space-Saving count and that count's largest possible overcount. */
AFETCH_API const char *afetch_plan_top(const afetch_plan_t *p, size_t i,
                                       uint64_t *count, uint64_t *count_err);
/* A sentence about the last error, "" if none (owned by p). */
AFETCH_API const char *afetch_plan_error(const afetch_plan_t *p);
AFETCH_API void afetch_plan_free(afetch_plan_t *p);

#ifdef __cplusplus
}
#endif
#endif /* AFETCH_H */
