/* One URL on one easy handle: options, write and header callbacks, and the
 * result read back when curl is done with it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>
#include <unistd.h>

#include "extract.h"
#include "robots.h"
#include "transfer.h"
#include "save.h"
#include "text.h"

/* What we keep of a body for the parser: the extractor reads at most
 * AF_EXTRACT_PREFIX_MAX bytes after charset conversion, which never
 * shrinks a body's prefix. Everything past it is counted, not kept, so 50
 * gzip bombs in flight cost 40 MiB, not 50 x --max-size. */
#define KEEP_MAX AF_EXTRACT_PREFIX_MAX

/* Items in flight are on a list so a stop can reach them. */
static void list_link(af_item_t **head, af_item_t *it)
{
  it->fprev = NULL;
  it->fnext = *head;
  if (*head)
    (*head)->fprev = it;
  *head = it;
}

static void list_unlink(af_item_t **head, af_item_t *it)
{
  if (it->fprev)
    it->fprev->fnext = it->fnext;
  else
    *head = it->fnext;
  if (it->fnext)
    it->fnext->fprev = it->fprev;
  it->fnext = it->fprev = NULL;
}

static CURL *easy_get(af_xfer_t *a)
{
  if (a->neasy > 0)
    return a->easy_pool[--a->neasy];
  CURL *e = curl_easy_init();
  /* The in-memory cookie engine, once per handle (it outlives
   * curl_easy_reset). Not with CURLOPT_COOKIEFILE "": libcurl 7.88 loses
   * that option's file list at curl_easy_reset, a leak per pooled reuse.
   * Adding one cookie creates the engine just as well; set_options clears
   * it before every transfer. Without the engine a URL gets no cookies. */
  if (e)
    (void)curl_easy_setopt(e, CURLOPT_COOKIELIST,
                           "Set-Cookie: afetch=0; domain=afetch.invalid");
  return e;
}

static void easy_put(af_xfer_t *a, CURL *e)
{
  if (a->neasy == a->capeasy) {
    size_t cap = a->capeasy ? a->capeasy * 2 : 16;
    CURL **p = realloc(a->easy_pool, cap * sizeof(*p));
    if (!p) {
      curl_easy_cleanup(e);
      return;
    }
    a->easy_pool = p;
    a->capeasy = cap;
  }
  curl_easy_reset(e);
  a->easy_pool[a->neasy++] = e;
}

void af_xfer_pool_free(af_xfer_t *a)
{
  while (a->neasy > 0)
    curl_easy_cleanup(a->easy_pool[--a->neasy]);
  free(a->easy_pool);
  a->easy_pool = NULL;
  a->capeasy = 0;
  /* Last: libcurl refuses to free a share that a handle still uses. */
  if (a->share && curl_share_cleanup(a->share) == CURLSHE_OK)
    a->share = NULL;
}

/* One TLS session cache for all handles: libcurl keeps sessions per easy
 * handle, so without it a new connection resumes a session only when the
 * same pooled handle made the last one to that host. The loop is the only
 * thread that touches it (the threaded resolver does not), so no lock
 * callbacks. NULL when out of memory: handles then keep their own. */
static CURLSH *tls_share(af_xfer_t *a)
{
  if (!a->share) {
    a->share = curl_share_init();
    if (a->share &&
        curl_share_setopt(a->share, CURLSHOPT_SHARE,
                          CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
      curl_share_cleanup(a->share);
      a->share = NULL;
    }
  }
  return a->share;
}

/* Decides once, from the Content-Type, whether the body is worth keeping:
 * non-HTML is counted but never parsed. */
static void decide_keep(af_item_t *it)
{
  if (it->keep_body != -1)
    return;
  char *ct = NULL;
  if (curl_easy_getinfo(it->easy, CURLINFO_CONTENT_TYPE, &ct) != CURLE_OK)
    ct = NULL;
  if (ct && *ct)
    it->keep_body = af_is_html(ct, NULL, 0);
  else
    it->keep_body = 1; /* sniff later */
  /* A body grown by doubling past 128 KiB lands in glibc's mmap zone, where
   * each step copies into fresh pages and each free is a munmap; so room
   * for the announced length (on the wire: a compressed body grows past
   * it, by doubling) is made in one go (docs/PERFORMANCE.md). */
  curl_off_t clen = -1;
  if (it->keep_body != 1 ||
      curl_easy_getinfo(it->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen) !=
          CURLE_OK ||
      clen <= 0)
    return;
  size_t want = (uint64_t)clen < it->body.max ? (size_t)clen : it->body.max;
  /* Only address space: glibc touches none of it until bytes arrive. */
  af_buf_reserve(&it->body, want);
}

/* -o DIR: the file is opened at the first byte, so a failed transfer
 * leaves no empty file behind. A failed write fails the transfer. */
static int save_bytes(af_item_t *it, const char *p, size_t n)
{
  af_xfer_t *a = it->xfer;
  if (it->save_fd < 0) {
    if (!it->saved_as)
      it->saved_as = af_save_name(it->line, it->u.url);
    if (!it->saved_as)
      return -ENOMEM;
    it->save_fd = af_save_open(a->output_dirfd, it->saved_as);
    if (it->save_fd < 0)
      return it->save_fd;
  }
  return af_save_write(it->save_fd, p, n);
}

/* The decoded byte count is checked against max_body here, because on
 * 7.88 CURLOPT_MAXFILESIZE neither stops a chunked body nor counts decoded
 * bytes (docs/DESIGN.md R9): a gzip bomb is stopped by this function. */
static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
  af_item_t *it = ud;
  size_t len = size * n;
  decide_keep(it);
  uint64_t room = it->bytes < it->max_body ? it->max_body - it->bytes : 0;
  size_t take = len < room ? len : (size_t)room;
  if (it->keep_body == 1 && take > 0 && it->body.len < it->body.max) {
    /* Backing the chunk's pages in one call costs far less than a fault
     * per page on the loop thread (docs/PERFORMANCE.md). */
    af_buf_populate(&it->body, take);
    if (af_buf_append(&it->body, p, take) < 0)
      return CURL_WRITEFUNC_ERROR;
  }
  if (((af_xfer_t *)it->xfer)->output_dirfd >= 0 && take > 0 &&
      !it->robots_probe) {
    int rc = save_bytes(it, p, take);
    if (rc < 0) {
      it->save_err = -rc;
      return CURL_WRITEFUNC_ERROR;
    }
  }
  it->bytes += take;
  if (take < len) {
    it->truncated = 1;
    return CURL_WRITEFUNC_ERROR;
  }
  return len;
}

/* Trust anchors and proxy, set only when given. A libcurl that refuses
 * one (built without it) fails the transfer: fetching without the proxy or
 * the CA the user named would be a silent surprise. One trust setting
 * serves the server and an https proxy alike. */
static CURLcode set_net_options(af_xfer_t *a, CURL *e, const char **what)
{
  const struct {
    CURLoption opt;
    const char *val;
    const char *name;
  } str[] = {
      {CURLOPT_CAINFO, a->cacert, "cacert"},
      {CURLOPT_PROXY_CAINFO, a->cacert, "cacert (for the proxy)"},
      {CURLOPT_CAPATH, a->capath, "capath"},
      {CURLOPT_PROXY_CAPATH, a->capath, "capath (for the proxy)"},
      {CURLOPT_PROXY, a->proxy, "proxy"},
      {CURLOPT_NOPROXY, a->noproxy, "noproxy"},
  };
  /* libcurl caches the parsed CA store for the whole run only when no CA
   * directory is set, and Debian's libcurl sets one by default: unless the
   * user named a directory, drop it, so each new TLS connection does not
   * re-read and parse the whole bundle (tests/cli/realweb.sh counts the
   * bundle's opens). */
  if (!a->capath) {
    CURLcode rc = curl_easy_setopt(e, CURLOPT_CAPATH, (char *)NULL);
    if (rc == CURLE_OK)
      rc = curl_easy_setopt(e, CURLOPT_PROXY_CAPATH, (char *)NULL);
    if (rc != CURLE_OK && rc != CURLE_NOT_BUILT_IN &&
        rc != CURLE_UNKNOWN_OPTION) {
      *what = "capath";
      return rc;
    }
  }
  for (size_t i = 0; i < sizeof(str) / sizeof(str[0]); i++) {
    if (!str[i].val)
      continue;
    CURLcode rc = curl_easy_setopt(e, str[i].opt, str[i].val);
    if (rc != CURLE_OK) {
      *what = str[i].name;
      return rc;
    }
  }
  if (a->o->insecure) {
    *what = "insecure (for the proxy)";
    CURLcode rc = curl_easy_setopt(e, CURLOPT_PROXY_SSL_VERIFYPEER, 0L);
    if (rc == CURLE_OK)
      rc = curl_easy_setopt(e, CURLOPT_PROXY_SSL_VERIFYHOST, 0L);
    return rc;
  }
  return CURLE_OK;
}

/* Every option of a transfer, each one checked: a libcurl that refuses one
 * (too old, or built without it) fails the transfer with the option's
 * name in *what, rather than fetching without a limit or setting. */
#define SET(opt, val)                                                          \
  do {                                                                         \
    CURLcode rc_ = curl_easy_setopt(e, opt, val);                              \
    if (rc_ != CURLE_OK) {                                                     \
      *what = #opt + sizeof("CURLOPT_") - 1;                                   \
      return rc_;                                                              \
    }                                                                          \
  } while (0)

/* Called by curl once the connection (TCP, TLS, proxy) is up, before the
 * request: the scheduler learns the host answers without waiting for a
 * slow response to end. */
static int on_prereq(void *clientp, char *primary_ip, char *local_ip,
                     int primary_port, int local_port)
{
  (void)primary_ip;
  (void)local_ip;
  (void)primary_port;
  (void)local_port;
  af_item_t *it = clientp;
  af_xfer_t *a = it->xfer;
  if (a && a->connected)
    a->connected(a->ud, it);
  return CURL_PREREQFUNC_OK;
}

static CURLcode set_options(af_xfer_t *a, af_item_t *it, CURL *e,
                            const char **what)
{
  SET(CURLOPT_URL, it->u.url);
  SET(CURLOPT_PRIVATE, it);
  SET(CURLOPT_PREREQFUNCTION, on_prereq);
  SET(CURLOPT_PREREQDATA, it);
  SET(CURLOPT_WRITEFUNCTION, on_body);
  SET(CURLOPT_WRITEDATA, it);
  SET(CURLOPT_ERRORBUFFER, it->errbuf);
  SET(CURLOPT_NOSIGNAL, 1L);
  /* Every safety limit explicitly, for redirects too (docs/DESIGN.md R9). */
  SET(CURLOPT_PROTOCOLS_STR, "http,https");
  SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  /* A robots.txt fetch follows its redirects whatever -L says, as RFC
   * 9309 asks (at least five hops). */
  SET(CURLOPT_FOLLOWLOCATION, a->o->follow || it->robots_probe ? 1L : 0L);
  SET(CURLOPT_MAXREDIRS, it->robots_probe ? (long)AF_ROBOTS_MAX_REDIRECTS
                                          : (long)a->o->max_redirs);
  SET(CURLOPT_TIMEOUT_MS, (long)(a->o->timeout * 1000));
  SET(CURLOPT_CONNECTTIMEOUT_MS, (long)(a->o->connect_timeout * 1000));
  /* A server trickling under 1 byte/s for the whole timeout is cut off. */
  SET(CURLOPT_LOW_SPEED_LIMIT, 1L);
  SET(CURLOPT_LOW_SPEED_TIME, (long)(a->o->timeout < 1 ? 1 : a->o->timeout));
  SET(CURLOPT_ACCEPT_ENCODING, "");
  /* A cookie store of this URL's own, in memory, for its redirect chain (a
   * page that sets a cookie and redirects to itself then loads; the engine
   * is turned on in easy_get). A pooled handle keeps the cookies of its
   * last URL through curl_easy_reset, so they are dropped first: nothing
   * passes from one URL to the next. */
  SET(CURLOPT_COOKIELIST, "ALL");
  SET(CURLOPT_USERAGENT, a->user_agent);
  CURLSH *sh = tls_share(a);
  if (sh)
    SET(CURLOPT_SHARE, sh);
  /* The engine's lookup (its DNS stage), or the --resolve pins: libcurl
   * connects to these instead of resolving the name itself. */
  SET(CURLOPT_RESOLVE, it->resolve ? it->resolve : a->pins);
  if (a->hdr_list)
    SET(CURLOPT_HTTPHEADER, a->hdr_list);
  if (a->o->insecure) {
    SET(CURLOPT_SSL_VERIFYPEER, 0L);
    SET(CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (a->o->http_version == AFETCH_HTTP_1_1)
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
  else if (a->o->http_version == AFETCH_HTTP_2)
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  if (a->o->head && !it->robots_probe)
    SET(CURLOPT_NOBODY, 1L);
  /* Bigger reads cost less CPU per byte, but every easy handle holds one
   * buffer: keep the default when thousands of transfers run at once. Only
   * a hint, so a refusal is not an error: libcurl 7.88 refuses it
   * (CURLE_BAD_FUNCTION_ARGUMENT) on a pooled handle whose last transfer
   * stopped at a refused redirect (tests/cli/redirects.sh), and the
   * default buffer serves as well. */
  if (a->concurrency <= 256)
    (void)curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 64L * 1024);
  /* A burst to one https host waits for the first connection's ALPN
   * instead of opening one connection per transfer (docs/DESIGN.md R8). Over
   * plain http nothing can be multiplexed, and PIPEWAIT would hold every
   * transfer of a burst until the first response arrives, so it is https
   * only (docs/PERFORMANCE.md). */
  if (a->concurrent && a->o->http_version != AFETCH_HTTP_1_1 &&
      strncmp(it->u.url, "https:", 6) == 0)
    SET(CURLOPT_PIPEWAIT, 1L);
  /* Until a transfer to this host has ended, every connection to it is
   * busy, and over HTTP/1.1 a busy connection cannot be reused: skip
   * libcurl's search of the host's connections, which walks all of them
   * for every new transfer: quadratic in a burst to one host
   * (docs/PERFORMANCE.md). */
  if (it->first_on_host && strncmp(it->u.url, "http:", 5) == 0 &&
      a->o->http_version != AFETCH_HTTP_2)
    SET(CURLOPT_FRESH_CONNECT, 1L);

  return set_net_options(a, e, what);
}
#undef SET

int af_xfer_start(af_xfer_t *a, af_item_t *it)
{
  CURL *e = easy_get(a);
  if (!e) {
    it->kind = AFETCH_ERR_RESOURCE;
    it->error = strdup("out of memory (curl_easy_init)");
    return -1;
  }
  if (!it->errbuf) {
    it->errbuf = malloc(CURL_ERROR_SIZE);
    if (!it->errbuf) {
      easy_put(a, e);
      it->kind = AFETCH_ERR_RESOURCE;
      it->error = strdup("out of memory");
      return -1;
    }
  }
  it->errbuf[0] = '\0';
  it->easy = e;
  it->bytes = 0;
  it->truncated = 0;
  it->keep_body = a->o->parse ? -1 : 0;
  it->save_err = 0;
  if (it->save_fd >= 0) {
    close(it->save_fd); /* a retry starts the file again */
    it->save_fd = -1;
  }
  it->max_body = a->o->max_body;
  af_buf_free(&it->body);
  af_buf_init(&it->body, it->robots_probe ? AF_ROBOTS_MAX_BODY : KEEP_MAX);
  if (it->robots_probe) {
    /* Whatever its Content-Type: the engine parses it (src/robots.h), all
     * of the AF_ROBOTS_MAX_BODY bytes RFC 9309 asks a crawler to read, not
     * only the prefix kept for a page's title. */
    it->keep_body = 1;
    it->max_body = AF_ROBOTS_MAX_BODY;
  }

  const char *what = NULL;
  CURLcode orc = set_options(a, it, e, &what);
  if (orc != CURLE_OK) {
    char msg[256];
    snprintf(msg, sizeof(msg), "libcurl refused the %s option: %s", what,
             curl_easy_strerror(orc));
    it->easy = NULL;
    easy_put(a, e);
    it->kind = AFETCH_ERR_OTHER;
    it->error = strdup(msg);
    return -1;
  }

  it->t_start = uv_hrtime();
  it->xfer = a;
  if (af_curlev_add(a->ev, e) != 0) {
    it->easy = NULL;
    easy_put(a, e);
    it->kind = AFETCH_ERR_OTHER;
    it->error = strdup("curl_multi_add_handle failed");
    return -1;
  }
  list_link(&a->flying, it);
  return 0;
}

static afetch_errkind_t kind_of(CURLcode res)
{
  switch (res) {
  case CURLE_OK:
    return AFETCH_ERR_NONE;
  case CURLE_URL_MALFORMAT:
    return AFETCH_ERR_INVALID_URL;
  case CURLE_UNSUPPORTED_PROTOCOL:
    return AFETCH_ERR_SCHEME;
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
    return AFETCH_ERR_DNS;
  case CURLE_COULDNT_CONNECT:
  case CURLE_PROXY: /* a SOCKS proxy's handshake failed */
    return AFETCH_ERR_CONNECT;
  case CURLE_OPERATION_TIMEDOUT:
    return AFETCH_ERR_TIMEOUT;
  case CURLE_TOO_MANY_REDIRECTS:
    return AFETCH_ERR_REDIRECTS;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
  case CURLE_SSL_SHUTDOWN_FAILED:
  case CURLE_SSL_ENGINE_INITFAILED:
  case CURLE_SSL_CRL_BADFILE:
    return AFETCH_ERR_TLS;
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
  case CURLE_PARTIAL_FILE:
  case CURLE_GOT_NOTHING:
    return AFETCH_ERR_RECV;
  case CURLE_WEIRD_SERVER_REPLY:
  case CURLE_BAD_CONTENT_ENCODING:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
  case CURLE_HTTP3:
  case CURLE_RANGE_ERROR:
    return AFETCH_ERR_PROTOCOL;
  case CURLE_OUT_OF_MEMORY:
    return AFETCH_ERR_RESOURCE;
  default:
    return AFETCH_ERR_OTHER;
  }
}

static double stamp_ms(CURL *e, CURLINFO info)
{
  curl_off_t v = 0;
  if (curl_easy_getinfo(e, info, &v) != CURLE_OK || v < 0)
    return 0;
  return (double)v / 1000.0;
}

static double pos(double v)
{
  return v > 0 ? v : 0;
}

/* Durations from curl's cumulative stamps (docs/DESIGN.md R12). */
static void read_timing(af_item_t *it, CURL *e)
{
  double lookup = stamp_ms(e, CURLINFO_NAMELOOKUP_TIME_T);
  double conn = stamp_ms(e, CURLINFO_CONNECT_TIME_T);
  double app = stamp_ms(e, CURLINFO_APPCONNECT_TIME_T);
  long nconn = 0;
  curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &nconn);
  it->reused = nconn == 0 && it->status > 0;
  if (it->reused) {
    it->tm.dns = it->tm.connect = it->tm.tls = 0;
  }
  else {
    it->tm.dns = pos(lookup);
    it->tm.connect = pos(conn - lookup);
    it->tm.tls = app > 0 ? pos(app - conn) : 0;
  }
  it->tm.ttfb = pos(stamp_ms(e, CURLINFO_STARTTRANSFER_TIME_T));
  it->tm.total = pos(stamp_ms(e, CURLINFO_TOTAL_TIME_T));
  /* The engine's lookup came before curl's clock started: it is part of
   * the DNS time and of every stamp after it. */
  it->tm.dns += it->dns_ms;
  it->tm.ttfb += it->dns_ms;
  it->tm.total += it->dns_ms;
}

static const char *version_name(long v)
{
  switch (v) {
  case CURL_HTTP_VERSION_1_0:
    return "1.0";
  case CURL_HTTP_VERSION_1_1:
    return "1.1";
  case CURL_HTTP_VERSION_2_0:
    return "2";
  case CURL_HTTP_VERSION_3:
    return "3";
  default:
    return NULL;
  }
}

static char *clean_dup(const char *s)
{
  return s ? af_text_clean(s, strlen(s), 0) : NULL;
}

/* Too many redirects: libcurl says only "Maximum (N) redirects followed".
 * It keeps no chain, but its ends show a loop that passes through them: the
 * redirect not followed points back at the first URL or the last one
 * fetched, or the last one fetched is the first. */
static void redirects_text(af_item_t *it, char *tmp, size_t cap)
{
  char *last = NULL, *next = NULL;
  curl_easy_getinfo(it->easy, CURLINFO_EFFECTIVE_URL, &last);
  curl_easy_getinfo(it->easy, CURLINFO_REDIRECT_URL, &next);
  const char *first = it->u.url;
  const char *again = NULL;
  if (next && ((last && strcmp(next, last) == 0) ||
               (first && strcmp(next, first) == 0)))
    again = next;
  else if (last && first && strcmp(last, first) == 0)
    again = last;
  char *red = af_url_redact(again ? again : next ? next : "");
  if (again)
    snprintf(tmp, cap,
             "redirect loop: the chain comes back to %s (stopped after %ld "
             "redirects)",
             red ? red : "?", it->redirects);
  else if (next)
    snprintf(tmp, cap, "more than %ld redirects (stopped before %s)",
             it->redirects, red ? red : "?");
  else
    snprintf(tmp, cap, "more than %ld redirects", it->redirects);
  free(red);
}

/* libcurl's text hides the cause of a refusal ("Couldn't connect to
 * server"): name it from the connect's errno. CURLINFO_OS_ERRNO is set by
 * every failed connect but never cleared, so on a pooled handle it is only
 * trusted for a connect failure. */
static void connect_text(CURL *e, const char *msg, char *tmp, size_t cap)
{
  long oserr = 0;
  curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &oserr);
  /* "Failed to connect to HOST port N after T ms: ...": keep HOST port N. */
  static const char pre[] = "Failed to connect to ";
  const char *where = NULL, *end = NULL;
  if (strncmp(msg, pre, sizeof(pre) - 1) == 0) {
    where = msg + sizeof(pre) - 1;
    end = strstr(where, " after ");
  }
  int wlen = end ? (int)(end - where) : 0;
  if (oserr == ECONNREFUSED && end)
    snprintf(tmp, cap, "connection refused by %.*s", wlen, where);
  else if (oserr == ECONNREFUSED)
    snprintf(tmp, cap, "connection refused (%s)", msg);
  else if (oserr > 0 && end)
    snprintf(tmp, cap, "cannot connect to %.*s: %s", wlen, where,
             strerror((int)oserr));
  else
    snprintf(tmp, cap, "%s", msg);
}

/* 1 when a timeout struck while the name was still being resolved: no
 * lookup finished, nothing connected, and libcurl's first error was about
 * resolving ("Resolving timed out", or "Could not resolve host" when the
 * resolver gave up in the same instant as the timeout). The resolver never
 * answered, which is a DNS failure, not a slow site. */
static int resolve_timed_out(CURL *e, const char *errbuf, CURLcode res)
{
  if (res != CURLE_OPERATION_TIMEDOUT)
    return 0;
  curl_off_t lookup = 0, conn = 0;
  curl_easy_getinfo(e, CURLINFO_NAMELOOKUP_TIME_T, &lookup);
  curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &conn);
  return lookup == 0 && conn == 0 &&
         (strstr(errbuf, "Resolving") || strstr(errbuf, "resolve host"));
}

static void set_error(af_item_t *it, CURLcode res)
{
  CURL *e = it->easy;
  const char *msg = it->errbuf[0] ? it->errbuf : curl_easy_strerror(res);
  char tmp[CURL_ERROR_SIZE + 256];
  /* After a refused redirect the effective URL is the refused target. */
  char *to = NULL;
  curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &to);
  if (res == CURLE_UNSUPPORTED_PROTOCOL && it->redirects > 0 && to) {
    char *red = af_url_redact(to);
    snprintf(tmp, sizeof(tmp),
             "redirect refused: only http and https are allowed (to %s)",
             red ? red : "?");
    free(red);
    msg = tmp;
  }
  else if (res == CURLE_TOO_MANY_REDIRECTS) {
    redirects_text(it, tmp, sizeof(tmp));
    msg = tmp;
  }
  else if (resolve_timed_out(e, it->errbuf, res)) {
    snprintf(tmp, sizeof(tmp), "DNS: no answer from the resolver within %.1f s",
             it->tm.total / 1000.0);
    msg = tmp;
  }
  else if (res == CURLE_COULDNT_CONNECT) {
    connect_text(e, msg, tmp, sizeof(tmp));
    msg = tmp;
  }
  else if (res == CURLE_RECV_ERROR || res == CURLE_SEND_ERROR) {
    /* "Recv failure: Connection reset by peer" says what, not when: a
     * reset after the status line cut the response short. */
    long oserr = 0;
    curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &oserr);
    if (oserr == ECONNRESET || strstr(msg, "Connection reset by peer")) {
      snprintf(tmp, sizeof(tmp), "connection reset by peer%s",
               it->status ? " during the response" : "");
      msg = tmp;
    }
  }
  free(it->error);
  it->error = af_text_clean(msg, strlen(msg), 0);
}

static int retryable(af_item_t *it, CURLcode res)
{
  if (res == CURLE_OK)
    return it->status == 429 || (it->status >= 500 && it->status <= 599);
  return res == CURLE_COULDNT_CONNECT || res == CURLE_OPERATION_TIMEDOUT ||
         res == CURLE_GOT_NOTHING || res == CURLE_RECV_ERROR ||
         res == CURLE_SEND_ERROR || res == CURLE_PARTIAL_FILE;
}

/* 1 when a proxy may be in the way: given, or left to the environment
 * (libcurl reads these when CURLOPT_PROXY is unset). */
int af_xfer_proxied(const af_xfer_t *a)
{
  if (a->proxy)
    return a->proxy[0] != '\0';
  static const char *const vars[] = {"http_proxy", "https_proxy", "HTTPS_PROXY",
                                     "all_proxy", "ALL_PROXY"};
  for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
    const char *v = getenv(vars[i]);
    if (v && *v)
      return 1;
  }
  return 0;
}

/* libcurl names the host it could not reach ("Failed to connect to H port
 * P"): with a proxy in the way that is the proxy, so a name and port other
 * than the URL's mean the proxy failed. */
static int connect_was_to_proxy(af_item_t *it)
{
  static const char lead[] = "connect to ";
  const char *h = strstr(it->errbuf, lead);
  const char *p = h ? strstr(h, " port ") : NULL;
  if (!p)
    return 0;
  h += sizeof(lead) - 1;
  unsigned long port = strtoul(p + 6, NULL, 10);
  char *eff = NULL;
  curl_easy_getinfo(it->easy, CURLINFO_EFFECTIVE_URL, &eff);
  CURLU *u = curl_url();
  char *uhost = NULL, *uport = NULL;
  int other = 0;
  if (u && eff && curl_url_set(u, CURLUPART_URL, eff, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &uhost, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_PORT, &uport, CURLU_DEFAULT_PORT) ==
          CURLUE_OK) {
    /* The URL's IPv6 host is bracketed, libcurl's message has it bare. */
    const char *uh = uhost;
    size_t ulen = strlen(uh);
    if (ulen >= 2 && uh[0] == '[') {
      uh++;
      ulen -= 2;
    }
    other = (size_t)(p - h) != ulen || strncasecmp(h, uh, ulen) != 0 ||
            port != strtoul(uport, NULL, 10);
  }
  curl_free(uhost);
  curl_free(uport);
  curl_url_cleanup(u);
  return other;
}

/* What a SOCKS proxy's reply code means (RFC 1928 section 6), for the
 * libcurl text that gives the bare number ("... to h. (5)"). */
static const char *socks_reply(long px)
{
  switch (px) {
  case CURLPX_REPLY_GENERAL_SERVER_FAILURE:
    return "general failure (the name may not resolve there)";
  case CURLPX_REPLY_NOT_ALLOWED:
    return "not allowed by its rules";
  case CURLPX_REPLY_NETWORK_UNREACHABLE:
    return "network unreachable";
  case CURLPX_REPLY_HOST_UNREACHABLE:
    return "host unreachable";
  case CURLPX_REPLY_CONNECTION_REFUSED:
    return "connection refused";
  case CURLPX_REPLY_TTL_EXPIRED:
    return "TTL expired";
  case CURLPX_REPLY_COMMAND_NOT_SUPPORTED:
    return "command not supported";
  case CURLPX_REPLY_ADDRESS_TYPE_NOT_SUPPORTED:
    return "address type not supported";
  default:
    return NULL;
  }
}

/* 1 when libcurl's "Could not resolve host: NAME" names a host other than
 * the URL's: with a SOCKS proxy libcurl 7.88 reports its own name failing
 * as CURLE_COULDNT_RESOLVE_HOST, not as CURLE_COULDNT_RESOLVE_PROXY. */
static int resolve_was_other_host(af_item_t *it)
{
  static const char lead[] = "resolve host: ";
  const char *h = strstr(it->errbuf, lead);
  if (!h)
    return 0;
  h += sizeof(lead) - 1;
  char *eff = NULL, *uhost = NULL;
  curl_easy_getinfo(it->easy, CURLINFO_EFFECTIVE_URL, &eff);
  CURLU *u = curl_url();
  int other = 0;
  if (u && eff && curl_url_set(u, CURLUPART_URL, eff, 0) == CURLUE_OK &&
      curl_url_get(u, CURLUPART_HOST, &uhost, 0) == CURLUE_OK)
    other = strcasecmp(h, uhost) != 0;
  curl_free(uhost);
  curl_url_cleanup(u);
  return other;
}

/* 1 when libcurl's text already says "proxy" as a word ("Could not resolve
 * proxy: p", "proxy closed"), not inside a host name (nx-proxy.test). */
static int says_proxy(const char *msg)
{
  for (const char *p = msg; (p = strcasestr(p, "proxy")) != NULL; p += 5) {
    int before = p == msg || p[-1] == ' ' || p[-1] == '(';
    int after = p[5] == '\0' || p[5] == ' ' || p[5] == ':';
    if (before && after)
      return 1;
  }
  return 0;
}

/* Says whose fault a failure was when the text alone would mislead: the
 * proxy's (a refused or unresolvable proxy reads like a dead server), the
 * site's (a socks5:// proxy lets afetch resolve the site's name, and libcurl
 * files that failure under the proxy), and how to get past a certificate
 * that does not verify. */
static void explain_error(af_xfer_t *a, af_item_t *it, CURLcode res)
{
  CURL *e = it->easy;
  const char *prefix = "";
  const char *hint = "";
  char socks[96] = "";
  long connect_code = 0, proxy_verify = 0, px = CURLPX_OK;
  curl_easy_getinfo(e, CURLINFO_HTTP_CONNECTCODE, &connect_code);
  curl_easy_getinfo(e, CURLINFO_PROXY_SSL_VERIFYRESULT, &proxy_verify);
  if (res == CURLE_PROXY)
    curl_easy_getinfo(e, CURLINFO_PROXY_ERROR, &px);
  int tunnel_refused = connect_code >= 300 && it->status == 0;
  int site_name = px == CURLPX_RESOLVE_HOST;
  int by_proxy =
      res == CURLE_COULDNT_RESOLVE_PROXY ||
      (res == CURLE_PROXY && !site_name) || tunnel_refused ||
      (it->kind == AFETCH_ERR_TLS && proxy_verify != 0) ||
      ((res == CURLE_COULDNT_CONNECT || res == CURLE_OPERATION_TIMEDOUT) &&
       af_xfer_proxied(a) && connect_was_to_proxy(it)) ||
      (res == CURLE_COULDNT_RESOLVE_HOST && af_xfer_proxied(a) &&
       resolve_was_other_host(it));
  if (tunnel_refused)
    it->kind = AFETCH_ERR_CONNECT;
  if (site_name) {
    it->kind = AFETCH_ERR_DNS;
    hint = " (resolved here: socks5h:// or socks4a:// let the proxy resolve "
           "names)";
  }
  const char *meaning = socks_reply(px);
  if (meaning) {
    snprintf(socks, sizeof(socks), ": the proxy says %s", meaning);
    hint = socks;
  }
  if (by_proxy && !says_proxy(it->error ? it->error : ""))
    prefix = "proxy: ";
  /* No CA store at all (a minimal system without ca-certificates):
   * libcurl names only the file it could not load. */
  if (res == CURLE_SSL_CACERT_BADFILE)
    hint = "; no CA certificates to verify with: install ca-certificates, "
           "or give --cacert FILE";
  if (res == CURLE_PEER_FAILED_VERIFICATION) {
    /* A chain that does not reach a trusted CA ("SSL certificate problem:
     * unable to get local issuer certificate") is fixed with that CA; a
     * certificate for another name ("SSL: no alternative certificate
     * subject name matches") is not. */
    if (strstr(it->errbuf, "certificate problem"))
      hint = "; to trust its CA: --cacert FILE, or -k at your own risk";
    else
      hint = "; -k skips the check, at your own risk";
  }
  if (!*prefix && !*hint)
    return;
  const char *old = it->error ? it->error : curl_easy_strerror(res);
  size_t need = strlen(prefix) + strlen(old) + strlen(hint) + 1;
  char *msg = malloc(need);
  if (!msg)
    return; /* the plain text stays */
  snprintf(msg, need, "%s%s%s", prefix, old, hint);
  free(it->error);
  it->error = msg;
}

/* Who answered: the address, the Server header of the last response, and
 * for a redirect left unfollowed (no_follow, or the redirect limit) where
 * it pointed. Each is NULL when there is none. */
static void read_peer(af_item_t *it, CURL *e)
{
  char *ip = NULL;
  curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip);
  free(it->ip);
  it->ip = ip && *ip ? clean_dup(ip) : NULL;
  struct curl_header *h = NULL;
  free(it->server);
  it->server = NULL;
  if (it->status &&
      curl_easy_header(e, "Server", 0, CURLH_HEADER, -1, &h) == CURLHE_OK &&
      h && h->value)
    it->server = clean_dup(h->value);
  char *loc = NULL;
  free(it->location);
  it->location = NULL;
  if (it->status >= 300 && it->status < 400 &&
      curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
    it->location = af_url_redact(loc);
}

void af_xfer_done(af_xfer_t *a, CURL *e, CURLcode res)
{
  af_item_t *it = NULL;
  curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&it);
  if (!it || it->easy != e)
    return; /* not ours */

  long code = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
  it->status = (int)code;
  curl_easy_getinfo(e, CURLINFO_REDIRECT_COUNT, &it->redirects);
  long ver = 0;
  curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &ver);
  it->http_version = it->status ? version_name(ver) : NULL;
  char *ct = NULL;
  curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ct);
  free(it->content_type);
  it->content_type = clean_dup(ct);
  char *eff = NULL;
  curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &eff);
  free(it->effective_url);
  it->effective_url = (eff && it->status) ? af_url_redact(eff) : NULL;
  read_peer(it, e);
  curl_off_t ra = 0;
  curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &ra);
  it->retry_after_s = ra <= 0 ? 0 : ra < 86400 ? (int)ra : 86400;
  read_timing(it, e);

  if (it->save_fd >= 0) {
    if (close(it->save_fd) != 0 && !it->save_err)
      it->save_err = errno;
    it->save_fd = -1;
  }
  /* A body cut at --max-size is a success, marked truncated. */
  if (res == CURLE_WRITE_ERROR && it->truncated && !it->save_err)
    res = CURLE_OK;
  if (res != CURLE_OK) {
    it->kind = kind_of(res);
    if (resolve_timed_out(e, it->errbuf, res))
      it->kind = AFETCH_ERR_DNS;
    /* Our own URL check lets only http and https through, so curl's
     * "unsupported protocol" means a refused redirect, or a status line
     * with a version curl does not know: a protocol error. */
    if (res == CURLE_UNSUPPORTED_PROTOCOL && it->redirects == 0)
      it->kind = AFETCH_ERR_PROTOCOL;
    set_error(it, res);
    explain_error(a, it, res);
  }
  if (it->save_err) {
    char msg[512];
    snprintf(msg, sizeof(msg), "cannot save the body as %s: %s",
             it->saved_as ? it->saved_as : "?", strerror(it->save_err));
    free(it->error);
    it->error = strdup(msg);
    it->kind = AFETCH_ERR_OTHER;
    res = CURLE_WRITE_ERROR;
  }

  it->easy = NULL;
  easy_put(a, e);
  list_unlink(&a->flying, it);
  a->ended(a->ud, it,
           retryable(it, res) ? AF_XFER_RETRY
           : res == CURLE_OK  ? AF_XFER_DONE
                              : AF_XFER_FAILED);
}

/* On stop or free: every transfer in flight is taken from curl (each easy
 * removed from the multi handle before it is reused or cleaned up). The
 * list is emptied before the caller sees any item, so a callback that
 * runs meanwhile sees no half-aborted one. */
af_item_t *af_xfer_take_all(af_xfer_t *a)
{
  af_item_t *done = NULL;
  while (a->flying) {
    af_item_t *it = a->flying;
    list_unlink(&a->flying, it);
    af_curlev_remove(a->ev, it->easy);
    easy_put(a, it->easy);
    it->easy = NULL;
    if (it->save_fd >= 0) {
      close(it->save_fd);
      it->save_fd = -1;
    }
    list_link(&done, it);
  }
  return done;
}
