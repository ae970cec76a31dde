/* Ordinary endpoints, the /stats counters, /log and the /flaky table. */
#include "afserve.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HTML "text/html; charset=utf-8"
#define PAGE_MAX (1024 * 1024)

void sb_page(sbuf_t *sb, const char *title, const char *desc, const char *text)
{
  sb_adds(sb, "<!DOCTYPE html><html><head><title>");
  sb_add_html(sb, title, strlen(title));
  sb_adds(sb, "</title><meta name=\"description\" content=\"");
  sb_add_html(sb, desc, strlen(desc));
  sb_adds(sb, "\"></head><body><h1>");
  sb_add_html(sb, title, strlen(title));
  sb_adds(sb, "</h1><p>");
  sb_add_html(sb, text, strlen(text));
  sb_adds(sb, "</p></body></html>\n");
}

/* Replies with a page built by sb_page, now or after delay_ms. */
static void page_reply(conn_t *c, int status, const char *extra,
                       const char *title, const char *desc, const char *text,
                       uint64_t delay_ms)
{
  sbuf_t sb;
  sb_init(&sb, PAGE_MAX);
  sb_page(&sb, title, desc, text);
  if (sb.err)
    conn_close(c, 0);
  else if (delay_ms)
    conn_reply_later(c, delay_ms, status, HTML, extra, sb.p, sb.len);
  else
    conn_reply(c, status, HTML, extra, sb.p, sb.len);
  sb_free(&sb);
}

/* ---- counters ---------------------------------------------------------- */

static srv_host_t *host_find(srv_t *s, const char *name, size_t len)
{
  for (size_t i = 0; i < s->nhosts; i++) {
    srv_host_t *h = s->hosts[i];
    if (strlen(h->name) == len && !memcmp(h->name, name, len))
      return h;
  }
  return NULL;
}

static srv_host_t *host_get(srv_t *s, const char *name)
{
  size_t len = strlen(name);
  if (len > SRV_HOST_NAME_MAX)
    len = SRV_HOST_NAME_MAX;
  srv_host_t *h = host_find(s, name, len);
  if (h)
    return h;
  /* The last slot is kept for "(other)", so the table stays bounded and
   * every connection still has a host. */
  if (s->nhosts >= SRV_HOSTS_MAX - 1) {
    name = "(other)";
    len = strlen(name);
    h = host_find(s, name, len);
    if (h)
      return h;
  }
  h = calloc(1, sizeof *h);
  if (!h)
    return NULL;
  h->name = malloc(len + 1);
  if (!h->name) {
    free(h);
    return NULL;
  }
  memcpy(h->name, name, len);
  h->name[len] = '\0';
  s->hosts[s->nhosts++] = h;
  return h;
}

static void bump(uint64_t *cur, uint64_t *max)
{
  (*cur)++;
  if (*cur > *max)
    *max = *cur;
}

static void log_add(srv_t *s, uint64_t id, const char *target)
{
  size_t tlen = strlen(target);
  if (tlen > SRV_LOG_TARGET_MAX)
    tlen = SRV_LOG_TARGET_MAX;
  char *e = malloc(tlen + 64);
  if (!e)
    return; /* a lost log line beats a lost request */
  /* The arrival time (ms, monotonic) leads; /log leaves it out. */
  int n =
      snprintf(e, 64, "%" PRIu64 " %" PRIu64 " ", uv_hrtime() / 1000000, id);
  memcpy(e + n, target, tlen);
  e[(size_t)n + tlen] = '\0';
  if (s->log_len == SRV_LOG_MAX) {
    free(s->log[s->log_head]);
    s->log[s->log_head] = NULL;
    s->log_head = (s->log_head + 1) % SRV_LOG_MAX;
    s->log_len--;
  }
  s->log[(s->log_head + s->log_len) % SRV_LOG_MAX] = e;
  s->log_len++;
}

static void log_clear(srv_t *s)
{
  for (size_t i = 0; i < s->log_len; i++) {
    size_t k = (s->log_head + i) % SRV_LOG_MAX;
    free(s->log[k]);
    s->log[k] = NULL;
  }
  s->log_head = 0;
  s->log_len = 0;
}

static void flaky_clear(srv_t *s)
{
  for (size_t i = 0; i < SRV_FLAKY_SLOTS; i++) {
    free(s->flaky[i].key);
    s->flaky[i].key = NULL;
    s->flaky[i].hits = 0;
  }
  s->flaky_used = 0;
}

void stats_count(conn_t *c, const req_t *r)
{
  srv_t *s = c->srv;
  if (!c->host) {
    srv_host_t *h = host_get(s, r->host);
    if (h) {
      c->host = h;
      bump(&h->connections_current, &h->connections_max);
      s->connections_total++;
      bump(&s->connections_current, &s->connections_max);
    }
  }
  s->requests_total++;
  bump(&s->inflight_current, &s->inflight_max);
  if (c->host) {
    c->host->requests++;
    bump(&c->host->inflight_current, &c->host->inflight_max);
  }
  c->counted = 1;
  log_add(s, c->id, r->target);
}

void stats_done(conn_t *c)
{
  if (!c->counted)
    return;
  c->counted = 0;
  c->srv->inflight_current--;
  if (c->host)
    c->host->inflight_current--;
}

void stats_conn_closed(conn_t *c)
{
  if (!c->host)
    return;
  c->host->connections_current--;
  c->srv->connections_current--;
  c->host = NULL;
}

static void stats_reset(srv_t *s)
{
  s->sockets_total = 0;
  s->connections_total = 0;
  s->connections_max = s->connections_current;
  s->requests_total = 0;
  s->inflight_max = s->inflight_current;
  size_t kept = 0;
  for (size_t i = 0; i < s->nhosts; i++) {
    srv_host_t *h = s->hosts[i];
    if (h->connections_current == 0) {
      free(h->name);
      free(h);
      continue;
    }
    h->requests = 0;
    h->inflight_max = h->inflight_current;
    h->connections_max = h->connections_current;
    s->hosts[kept++] = h;
  }
  s->nhosts = kept;
  log_clear(s);
  flaky_clear(s);
}

void srv_free_tables(srv_t *s)
{
  for (size_t i = 0; i < s->nhosts; i++) {
    free(s->hosts[i]->name);
    free(s->hosts[i]);
  }
  s->nhosts = 0;
  log_clear(s);
  flaky_clear(s);
}

static void stats_reply(conn_t *c)
{
  srv_t *s = c->srv;
  sbuf_t sb;
  sb_init(&sb, PAGE_MAX);
  sb_printf(&sb,
            "{\"connections_total\":%" PRIu64
            ",\"connections_current\":%" PRIu64 ",\"connections_max\":%" PRIu64
            ",\"requests_total\":%" PRIu64 ",\"inflight_current\":%" PRIu64
            ",\"inflight_max\":%" PRIu64 ",\"sockets_total\":%" PRIu64
            ",\"sockets_current\":%" PRIu64 ",\"hosts\":{",
            s->connections_total, s->connections_current, s->connections_max,
            s->requests_total, s->inflight_current, s->inflight_max,
            s->sockets_total, s->sockets_current);
  for (size_t i = 0; i < s->nhosts; i++) {
    srv_host_t *h = s->hosts[i];
    if (i)
      sb_adds(&sb, ",");
    sb_add_json(&sb, h->name, strlen(h->name));
    sb_printf(&sb,
              ":{\"requests\":%" PRIu64 ",\"inflight_current\":%" PRIu64
              ",\"inflight_max\":%" PRIu64 ",\"connections_current\":%" PRIu64
              ",\"connections_max\":%" PRIu64 "}",
              h->requests, h->inflight_current, h->inflight_max,
              h->connections_current, h->connections_max);
  }
  sb_adds(&sb, "}}\n");
  if (sb.err)
    conn_close(c, 0);
  else
    conn_reply(c, 200, "application/json", "Cache-Control: no-store\r\n", sb.p,
               sb.len);
  sb_free(&sb);
}

/* /log: "id target" lines; /log/times: "ms id target", ms being when the
 * request arrived on a monotonic clock. */
static void log_reply(conn_t *c, int times)
{
  srv_t *s = c->srv;
  sbuf_t sb;
  sb_init(&sb, (size_t)SRV_LOG_MAX * (SRV_LOG_TARGET_MAX + 64));
  for (size_t i = 0; i < s->log_len; i++) {
    const char *e = s->log[(s->log_head + i) % SRV_LOG_MAX];
    sb_adds(&sb, times ? e : strchr(e, ' ') + 1);
    sb_adds(&sb, "\n");
  }
  if (sb.err)
    conn_close(c, 0);
  else
    conn_reply(c, 200, "text/plain", "Cache-Control: no-store\r\n", sb.p,
               sb.len);
  sb_free(&sb);
}

/* ---- endpoints --------------------------------------------------------- */

/* Hits of key so far, this one included; 0 when out of memory. */
static uint64_t flaky_hit(srv_t *s, const char *key)
{
  size_t len = strlen(key);
  if (len > SRV_FLAKY_KEY_MAX)
    len = SRV_FLAKY_KEY_MAX;
  /* Forgetting everything now and then keeps the table bounded and probing
   * short; tests use fresh keys. */
  if (s->flaky_used >= SRV_FLAKY_SLOTS / 2)
    flaky_clear(s);
  uint64_t h = 1469598103934665603u;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)key[i];
    h *= 1099511628211u;
  }
  size_t i = (size_t)(h % SRV_FLAKY_SLOTS);
  /* At most half the slots are used, so a free one comes before the end. */
  for (size_t n = 0; n < SRV_FLAKY_SLOTS; n++) {
    flaky_slot_t *f = &s->flaky[i];
    if (!f->key) {
      f->key = malloc(len + 1);
      if (!f->key)
        return 0;
      memcpy(f->key, key, len);
      f->key[len] = '\0';
      f->hits = 1;
      s->flaky_used++;
      return 1;
    }
    if (strlen(f->key) == len && !memcmp(f->key, key, len))
      return ++f->hits;
    i = (i + 1) % SRV_FLAKY_SLOTS;
  }
  return 0;
}

/* "/name" matches "/name" and "/name/...". */
static int path_is(const char *path, const char *name)
{
  size_t n = strlen(name);
  return !strncmp(path, name, n) && (path[n] == '\0' || path[n] == '/');
}

/* Parses the number after prefix, up to '/' or the end; *rest gets what
 * follows the '/', or "". */
static int path_num(const char *path, const char *prefix, uint64_t max,
                    uint64_t *out, const char **rest)
{
  size_t plen = strlen(prefix);
  if (strncmp(path, prefix, plen))
    return -1;
  const char *p = path + plen;
  const char *slash = strchr(p, '/');
  size_t len = slash ? (size_t)(slash - p) : strlen(p);
  if (parse_u64(p, len, max, out))
    return -1;
  if (rest)
    *rest = slash ? slash + 1 : "";
  return 0;
}

static void bad_request(conn_t *c, const char *why)
{
  page_reply(c, 400, NULL, "Bad Request", why, why, 0);
}

static void route_page(conn_t *c, const char *path)
{
  char *title = str_printf("Page %s", path);
  char *desc = str_printf("Description of %s", path);
  char *text = str_printf("This is the page at %s, served by afserve.", path);
  if (title && desc && text)
    page_reply(c, 200, NULL, title, desc, text, 0);
  else
    conn_close(c, 0);
  free(title);
  free(desc);
  free(text);
}

static void route_delay(conn_t *c, const char *path)
{
  uint64_t ms;
  const char *rest;
  if (path_num(path, "/delay/", 600000, &ms, &rest)) {
    bad_request(c, "use /delay/MS with MS <= 600000");
    return;
  }
  char *title =
      str_printf("Delayed %" PRIu64 "%s%s", ms, *rest ? " " : "", rest);
  if (!title) {
    conn_close(c, 0);
    return;
  }
  /* A zero delay still goes through the timer, like every other delay. */
  page_reply(c, 200, NULL, title, title, "This page took its time.",
             ms ? ms : 1);
  free(title);
}

static void route_status(conn_t *c, const char *path)
{
  uint64_t code;
  if (path_num(path, "/status/", 599, &code, NULL) || code < 200) {
    bad_request(c, "use /status/CODE with 200 <= CODE <= 599");
    return;
  }
  char title[32];
  snprintf(title, sizeof title, "Status %d", (int)code);
  const char *extra = NULL;
  if (code == 429 || code == 503)
    extra = "Retry-After: 1\r\n";
  page_reply(c, (int)code, extra, title, title, reason_phrase((int)code), 0);
}

static void route_flaky(conn_t *c, const char *path)
{
  uint64_t n;
  const char *key;
  if (path_num(path, "/flaky/", 1000000, &n, &key)) {
    bad_request(c, "use /flaky/N/KEY");
    return;
  }
  uint64_t hits = flaky_hit(c->srv, key);
  char title[SRV_FLAKY_KEY_MAX + 64];
  if (hits == 0 || hits <= n) {
    snprintf(title, sizeof title, "Flaky %.*s failure %" PRIu64,
             SRV_FLAKY_KEY_MAX, key, hits);
    page_reply(c, 503, "Retry-After: 1\r\n", title, title, "Try again.", 0);
    return;
  }
  snprintf(title, sizeof title, "Flaky %.*s ok", SRV_FLAKY_KEY_MAX, key);
  page_reply(c, 200, NULL, title, title, "Worked this time.", 0);
}

/* /after/S/KEY: the first request for KEY is a 503 asking to come back in
 * S seconds (Retry-After: S), the later ones succeed. /after-date/S/KEY:
 * the same with a 429 whose Retry-After is the HTTP date S seconds on. */
static void route_after(conn_t *c, const char *path, int date)
{
  const char *prefix = date ? "/after-date/" : "/after/";
  uint64_t secs;
  const char *key;
  if (path_num(path, prefix, 86400, &secs, &key)) {
    bad_request(c, "use /after/SECONDS/KEY or /after-date/SECONDS/KEY");
    return;
  }
  if (flaky_hit(c->srv, key) <= 1) {
    char extra[96];
    if (date) {
      time_t at = time(NULL) + (time_t)secs;
      struct tm tm;
      char when[64];
      gmtime_r(&at, &tm);
      strftime(when, sizeof when, "%a, %d %b %Y %H:%M:%S GMT", &tm);
      snprintf(extra, sizeof extra, "Retry-After: %s\r\n", when);
      page_reply(c, 429, extra, "Too many", "Too many",
                 "Try again after Retry-After.", 0);
      return;
    }
    snprintf(extra, sizeof extra, "Retry-After: %" PRIu64 "\r\n", secs);
    page_reply(c, 503, extra, "Come back later", "Come back later",
               "Try again after Retry-After.", 0);
    return;
  }
  page_reply(c, 200, NULL, "After ok", "After ok", "Worked this time.", 0);
}

/* /every/N/S/KEY: the Nth, 2Nth, ... request for KEY is a 429 with
 * Retry-After: S, the others a page, so a run over many URLs of one host
 * meets a back-off every N requests (bench/net.sh, polite set). */
static void route_every(conn_t *c, const char *path)
{
  uint64_t n, secs;
  const char *rest, *key;
  if (path_num(path, "/every/", 1000000, &n, &rest) || n == 0 ||
      path_num(rest, "", 86400, &secs, &key)) {
    bad_request(c, "use /every/N/SECONDS/KEY with N >= 1");
    return;
  }
  uint64_t hit = flaky_hit(c->srv, key);
  if (hit > 0 && hit % n == 0) {
    char extra[64];
    snprintf(extra, sizeof extra, "Retry-After: %" PRIu64 "\r\n", secs);
    page_reply(c, 429, extra, "Too many", "Too many",
               "Try again after Retry-After.", 0);
    return;
  }
  page_reply(c, 200, NULL, "Every ok", "Every ok", "Served.", 0);
}

static void redirect(conn_t *c, int status, const char *location, size_t len)
{
  sbuf_t h;
  sb_init(&h, SRV_HEADER_MAX + 64);
  sb_adds(&h, "Location: ");
  sb_add(&h, location, len);
  sb_adds(&h, "\r\n");
  if (h.err)
    conn_close(c, 0);
  else
    page_reply(c, status, h.p, "Redirect", "Moved.", "Moved elsewhere.", 0);
  sb_free(&h);
}

/* /cookie-loop: without the cookie it sets, a 302 to itself; with it, a
 * page whose title says so. A client with a cookie store for the redirect
 * chain loads it after one redirect, one without loops. The page shows the
 * Cookie header received, so a cookie carried over from elsewhere shows. */
static void route_cookie_loop(conn_t *c, const req_t *r)
{
  if (!r->cookie || !strstr(r->cookie, "afloop=1")) {
    static const char h[] = "Location: /cookie-loop\r\n"
                            "Set-Cookie: afloop=1; Path=/\r\n";
    page_reply(c, 302, h, "Redirect", "Moved.", "Set a cookie first.", 0);
    return;
  }
  char *text = str_printf("Cookie: %s", r->cookie);
  if (!text) {
    conn_close(c, 0);
    return;
  }
  page_reply(c, 200, NULL, "Cookie ok", text, text, 0);
  free(text);
}

static void route_redirect(conn_t *c, const char *path)
{
  uint64_t n;
  if (path_num(path, "/redirect/", 1000000, &n, NULL)) {
    bad_request(c, "use /redirect/N");
    return;
  }
  if (n == 0) {
    page_reply(c, 200, NULL, "Redirected", "The end of a redirect chain.",
               "You made it.", 0);
    return;
  }
  char loc[64];
  int len = snprintf(loc, sizeof loc, "/redirect/%" PRIu64, n - 1);
  redirect(c, 302, loc, (size_t)len);
}

static void route_redirect_to(conn_t *c, const req_t *r)
{
  const char *v;
  size_t vlen;
  if (!query_get(r->query, "url", &v, &vlen)) {
    bad_request(c, "use /redirect-to?url=URLENCODED");
    return;
  }
  int status = 302;
  const char *sv;
  size_t slen;
  uint64_t code;
  if (query_get(r->query, "status", &sv, &slen) &&
      !parse_u64(sv, slen, 399, &code) && code >= 300)
    status = (int)code;
  size_t len;
  char *url = pct_decode(v, vlen, 0, &len);
  if (!url) {
    conn_close(c, 0);
    return;
  }
  /* Decoded CR or LF would let the query write headers of its own. */
  for (size_t i = 0; i < len; i++) {
    if ((unsigned char)url[i] < 0x20 || url[i] == 0x7f) {
      free(url);
      bad_request(c, "control characters in url");
      return;
    }
  }
  redirect(c, status, url, len);
  free(url);
}

/* /html?title=..&body=..&desc=..: the decoded values go in raw, so a test
 * can send any markup it wants through the extractor. */
static void route_html(conn_t *c, const req_t *r)
{
  const char *names[3] = {"title", "desc", "body"};
  char *vals[3] = {NULL, NULL, NULL};
  size_t lens[3] = {0, 0, 0};
  sbuf_t sb;
  sb_init(&sb, PAGE_MAX);
  for (int i = 0; i < 3; i++) {
    const char *v;
    size_t vlen;
    if (!query_get(r->query, names[i], &v, &vlen))
      continue;
    vals[i] = pct_decode(v, vlen, 1, &lens[i]);
    if (!vals[i])
      sb.err = 1;
  }
  sb_adds(&sb, "<!DOCTYPE html><html><head><title>");
  if (vals[0])
    sb_add(&sb, vals[0], lens[0]);
  sb_adds(&sb, "</title>");
  if (vals[1]) {
    sb_adds(&sb, "<meta name=\"description\" content=\"");
    sb_add(&sb, vals[1], lens[1]);
    sb_adds(&sb, "\">");
  }
  sb_adds(&sb, "</head><body>");
  if (vals[2])
    sb_add(&sb, vals[2], lens[2]);
  sb_adds(&sb, "</body></html>\n");
  if (sb.err)
    conn_close(c, 0);
  else
    conn_reply(c, 200, HTML, NULL, sb.p, sb.len);
  sb_free(&sb);
  for (int i = 0; i < 3; i++)
    free(vals[i]);
}

/* /raw?ct=..&body=..: the decoded body bytes as they are, under the decoded
 * Content-Type (none when ct is absent), so a test can serve a page in any
 * charset without a file. */
static void route_raw(conn_t *c, const req_t *r)
{
  const char *v;
  size_t vlen;
  char *ct = NULL, *body = NULL;
  size_t ct_len = 0, body_len = 0;
  if (query_get(r->query, "ct", &v, &vlen) &&
      !(ct = pct_decode(v, vlen, 0, &ct_len))) {
    conn_close(c, 0);
    return;
  }
  if (query_get(r->query, "body", &v, &vlen) &&
      !(body = pct_decode(v, vlen, 0, &body_len))) {
    free(ct);
    conn_close(c, 0);
    return;
  }
  /* Decoded CR or LF in ct would let the query write headers of its own. */
  for (size_t i = 0; i < ct_len; i++) {
    if ((unsigned char)ct[i] < 0x20 || ct[i] == 0x7f) {
      free(ct);
      free(body);
      bad_request(c, "control characters in ct");
      return;
    }
  }
  conn_reply(c, 200, ct, NULL, body ? body : "", body_len);
  free(ct);
  free(body);
}

/* Returns 1 when the path was one of ours. */
/* /robots.txt as --robots / --robots-status set it; otherwise not ours
 * (a 404 like any unknown path). */
static int route_robots(conn_t *c, const char *path)
{
  srv_t *s = c->srv;
  /* --robots-redirects N: /robots.txt moved N times, by 301s through
   * /robots/N-1 ... /robots/0, which is the file. */
  uint64_t left = (uint64_t)s->robots_redirects; /* to go, before the file */
  if (strcmp(path, "/robots.txt") != 0 &&
      (!s->robots_redirects || path_num(path, "/robots/", 20, &left, NULL)))
    return 0;
  if (left > 0) {
    char loc[32];
    int len = snprintf(loc, sizeof loc, "/robots/%" PRIu64, left - 1);
    redirect(c, 301, loc, (size_t)len);
    return 1;
  }
  if (s->robots_status) {
    char title[32];
    snprintf(title, sizeof title, "Status %d", s->robots_status);
    page_reply(c, s->robots_status, NULL, title, title,
               reason_phrase(s->robots_status), 0);
    return 1;
  }
  if (!s->robots_body)
    return 0;
  conn_reply(c, 200, "text/plain", NULL, s->robots_body, s->robots_len);
  return 1;
}

static int route_basic(conn_t *c, const req_t *r)
{
  const char *p = r->path;
  if ((!strcmp(p, "/robots.txt") || !strncmp(p, "/robots/", 8)) &&
      route_robots(c, p))
    return 1;
  if (!strcmp(p, "/") || path_is(p, "/page"))
    route_page(c, p);
  else if (!strncmp(p, "/delay/", 7))
    route_delay(c, p);
  else if (!strncmp(p, "/status/", 8))
    route_status(c, p);
  else if (!strncmp(p, "/flaky/", 7))
    route_flaky(c, p);
  else if (!strncmp(p, "/after/", 7))
    route_after(c, p, 0);
  else if (!strncmp(p, "/after-date/", 12))
    route_after(c, p, 1);
  else if (!strncmp(p, "/every/", 7))
    route_every(c, p);
  else if (!strncmp(p, "/redirect/", 10))
    route_redirect(c, p);
  else if (!strcmp(p, "/redirect-to"))
    route_redirect_to(c, r);
  else if (!strcmp(p, "/cookie-loop"))
    route_cookie_loop(c, r);
  else if (path_is(p, "/loop"))
    redirect(c, 302, "/loop", 5);
  else if (path_is(p, "/text"))
    conn_reply(c, 200, "text/plain", NULL, "hello", 5);
  else if (path_is(p, "/json")) {
    static const char json[] = "{\"hello\":\"world\",\"items\":[1,2,3]}\n";
    conn_reply(c, 200, "application/json", NULL, json, sizeof json - 1);
  }
  else if (path_is(p, "/nocontenttype")) {
    sbuf_t sb;
    sb_init(&sb, PAGE_MAX);
    sb_page(&sb, "No Content-Type", "A page sent without a Content-Type.",
            "Sniff me.");
    if (sb.err)
      conn_close(c, 0);
    else
      conn_reply(c, 200, NULL, NULL, sb.p, sb.len);
    sb_free(&sb);
  }
  else if (!strcmp(p, "/html"))
    route_html(c, r);
  else if (!strcmp(p, "/raw"))
    route_raw(c, r);
  else
    return 0;
  return 1;
}

void route(conn_t *c, const req_t *r)
{
  const char *p = r->path;
  /* The observation endpoints are not counted, so that watching a test does
   * not change what it measures. */
  if (!strcmp(p, "/stats")) {
    stats_reply(c);
    return;
  }
  if (!strcmp(p, "/stats/reset")) {
    stats_reset(c->srv);
    conn_reply(c, 200, "text/plain", NULL, "ok\n", 3);
    return;
  }
  if (!strcmp(p, "/log") || !strcmp(p, "/log/times")) {
    log_reply(c, p[4] != '\0');
    return;
  }
  stats_count(c, r);
  if (route_basic(c, r) || route_stream(c, r) || route_hostile(c, r) ||
      route_charset(c, r))
    return;
  char *title = str_printf("Not Found %s", p);
  if (!title) {
    conn_close(c, 0);
    return;
  }
  page_reply(c, 404, NULL, title, title, "Nothing here.", 0);
  free(title);
}
