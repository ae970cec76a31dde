/* afserve: the HTTP/1.1 test server behind the integration tests, the demo
 * and the benchmarks. One libuv loop, one small struct per connection, no
 * threads. This header is internal to tests/server/.
 *
 * Files:
 *   main.c     argv, loopback-only listen, signals, clean shutdown
 *   conn.c     connection lifecycle, request parser, writes, keep-alive
 *   routes.c   ordinary endpoints, /stats, /log, the /flaky table
 *   hostile.c  adversarial endpoints and streamed bodies, charset pages
 *   util.c     bounded string buffer, escaping, decoding, number parsing
 */
#ifndef AFSERVE_H
#define AFSERVE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#define SRV_HEADER_MAX (64 * 1024) /* request header block, then 431 */
#define SRV_READ_CHUNK (64 * 1024) /* the loop-wide read buffer */
#define SRV_IN_PAUSE (128 * 1024)  /* pipelined backlog that pauses reads */
#define SRV_LOG_MAX 10000          /* /log keeps the last N requests */
#define SRV_LOG_TARGET_MAX 1024    /* a logged target is cut here */
#define SRV_HOSTS_MAX 1024         /* /stats host entries, then "(other)" */
#define SRV_HOST_NAME_MAX 256
#define SRV_FLAKY_SLOTS 8192 /* open addressing, at most half used */
#define SRV_FLAKY_KEY_MAX 256

/* ---- util.c ------------------------------------------------------------ */

/* A growable byte buffer with a ceiling (curl's dynbuf). An allocation
 * failure or a write past max sets err and drops the write; callers check err
 * once at the end instead of after every append. */
typedef struct sbuf {
  char *p; /* owned; NUL-terminated when non-NULL */
  size_t len;
  size_t cap;
  size_t max;
  int err;
} sbuf_t;

void sb_init(sbuf_t *sb, size_t max);
void sb_free(sbuf_t *sb);
void sb_add(sbuf_t *sb, const void *data, size_t len);
void sb_adds(sbuf_t *sb, const char *s);
void sb_printf(sbuf_t *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A fresh formatted string the caller frees, or NULL. */
char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Appends s with &, <, >, " and ' escaped for HTML text and attributes. */
void sb_add_html(sbuf_t *sb, const char *s, size_t len);
/* Appends s as a JSON string literal, quotes included. */
void sb_add_json(sbuf_t *sb, const char *s, size_t len);

/* Decodes %XX (and '+' as a space when plus is set) into a fresh
 * NUL-terminated string the caller frees; invalid escapes are kept as is.
 * *out_len gets the length, which can be less than strlen when %00 was
 * decoded. NULL on allocation failure. */
char *pct_decode(const char *s, size_t len, int plus, size_t *out_len);
/* Finds name=value in a query string (the part after '?', NULL allowed);
 * sets *val and *len to the raw value and returns 1, or returns 0. */
int query_get(const char *query, const char *name, const char **val,
              size_t *len);
/* Parses len decimal digits (no sign, no blanks); 0 on success, -1 when
 * empty, not all digits or above max. */
int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);
const char *reason_phrase(int status);

/* ---- server and connections ------------------------------------------- */

typedef struct srv srv_t;
typedef struct conn conn_t;

/* Counters of one Host header value. A connection belongs to the host of its
 * first counted request, and holds one connections_current on it: an entry
 * with connections_current == 0 is referenced by nobody. */
typedef struct srv_host {
  char *name; /* owned */
  uint64_t requests;
  uint64_t inflight_current;
  uint64_t inflight_max;
  uint64_t connections_current;
  uint64_t connections_max;
} srv_host_t;

typedef struct flaky_slot {
  char *key; /* owned; NULL when the slot is free */
  uint64_t hits;
} flaky_slot_t;

struct srv {
  uv_loop_t *loop;
  uv_tcp_t listener;
  uv_signal_t sigint;
  uv_signal_t sigterm;
  conn_t *conns; /* every connection not yet freed, for shutdown */
  uint64_t next_id;
  int quiet;
  int stopping;
  /* /robots.txt: --robots FILE's bytes with 200, or --robots-status N's
   * status; neither: 404 like any unknown path. */
  char *robots_body; /* owned */
  size_t robots_len;
  int robots_status;
  int robots_redirects;      /* /robots.txt -> /robots/N-1 -> ... /robots/0 */
  char rbuf[SRV_READ_CHUNK]; /* safe to share: reads are delivered one by one */

  /* Counters shown by /stats. A connection is counted at its first counted
   * request, so the connections a test opens only to read /stats do not
   * disturb what it measures; sockets_* count every accepted socket. */
  uint64_t sockets_total;
  uint64_t sockets_current;
  uint64_t connections_total;
  uint64_t connections_current;
  uint64_t connections_max;
  uint64_t requests_total;
  uint64_t inflight_current;
  uint64_t inflight_max;
  srv_host_t *hosts[SRV_HOSTS_MAX];
  size_t nhosts;

  char *log[SRV_LOG_MAX]; /* ring of owned "id target" strings */
  size_t log_head;        /* oldest entry */
  size_t log_len;

  uint64_t gate_epoch; /* bumped each time a /gzipbomb?gate=N opens */

  flaky_slot_t flaky[SRV_FLAKY_SLOTS];
  size_t flaky_used;
};

/* A body produced piece by piece as the socket drains, so a 1 GB or endless
 * body costs one buffer. fill() writes up to cap bytes into buf and returns
 * the count, 0 at the end of the body. free() releases the body itself. Only
 * one piece is ever being written, which is the backpressure. */
typedef struct body body_t;
struct body {
  size_t (*fill)(body_t *b, char *buf, size_t cap);
  void (*free)(body_t *b);
  char *buf; /* owned by the body, BODY_CHUNK bytes, written from */
};
#define BODY_CHUNK (64 * 1024)

/* What happens once the last byte of a response has been written. */
enum after { AFTER_NEXT, AFTER_CLOSE, AFTER_RESET };

typedef void (*conn_timer_cb)(conn_t *c);

/* One parsed request. Every pointer points into the connection's input
 * buffer and is valid only while the route runs. */
typedef struct req {
  const char *method;
  const char *target; /* as received, query included */
  const char *path;   /* target without query, NUL-terminated copy */
  const char *query;  /* after '?', or NULL */
  const char *host;   /* Host header, "(none)" when missing */
  const char *cookie; /* Cookie header, or NULL */
  int head;           /* HEAD: headers only */
} req_t;

struct conn {
  uv_tcp_t tcp;
  uv_timer_t timer; /* initialised on first use only (timer_init) */
  uv_shutdown_t shut;
  srv_t *srv;
  conn_t *prev; /* srv->conns */
  conn_t *next;
  uint64_t id;
  srv_host_t *host; /* set at the first counted request, see srv_host_t */

  char *in; /* unparsed input, owned; NULL when empty */
  size_t in_len;
  size_t in_cap;
  size_t scan;   /* input already searched for the end of headers */
  uint64_t skip; /* request body bytes still to discard */

  body_t *body;   /* streamed body in progress, or NULL */
  char *deferred; /* a whole response waiting for the timer, owned */
  size_t deferred_len;
  conn_timer_cb timer_cb;
  unsigned writes;  /* uv_write requests in flight */
  unsigned handles; /* handles still to be closed before the free */
  enum after after;
  uint64_t tick;       /* progress of a timer-driven response (/trickle) */
  uint32_t gate;       /* /gzipbomb?gate=N: requests in flight to wait for */
  uint64_t gate_epoch; /* srv->gate_epoch when it began to wait */

  unsigned busy : 1;       /* a request is being answered */
  unsigned counted : 1;    /* that request counts as in flight */
  unsigned keep_alive : 1; /* of the current request */
  unsigned head : 1;       /* the current request is a HEAD */
  unsigned finishing : 1;  /* the last write is issued */
  unsigned discard : 1;    /* input is read and thrown away */
  unsigned reading : 1;
  unsigned in_process : 1; /* process() is on the stack */
  unsigned timer_init : 1;
  unsigned closing : 1;
};

/* main.c: stops the server (closes every handle); why is printed unless
 * NULL. */
void srv_stop(srv_t *s, const char *why);

/* conn.c */
void conn_accept(srv_t *s);
/* Closes the connection now; a request in flight is abandoned. The conn is
 * freed in the last close callback. Safe to call twice. */
void conn_close(conn_t *c, int reset);
/* Writes len bytes; copy says whether to copy them (else they must live
 * until the write completes). Returns 0, or -1 after closing c. */
int conn_write(conn_t *c, const void *data, size_t len, int copy);
/* The response is complete once the writes in flight are done. */
void conn_finish(conn_t *c, enum after after);
/* Status line and headers: Content-Length unless clen < 0, Content-Type
 * unless ctype is NULL, extra (CRLF-terminated lines) when not NULL, and
 * Connection: close when this response ends the connection. */
void conn_head(conn_t *c, sbuf_t *sb, int status, const char *ctype,
               const char *extra, int64_t clen);
/* A whole response with Content-Length; HEAD, 204 and 304 send no body. */
void conn_reply(conn_t *c, int status, const char *ctype, const char *extra,
                const void *body, size_t len);
/* The same response, sent after ms milliseconds. */
void conn_reply_later(conn_t *c, uint64_t ms, int status, const char *ctype,
                      const char *extra, const void *body, size_t len);
/* Sends head (copied), then the body b (owned from now on; NULL or HEAD:
 * none), then ends as after says. */
void conn_stream(conn_t *c, const char *head, size_t head_len, body_t *b,
                 enum after after);
/* (Re)starts the connection's timer; cb runs on the loop unless closing. */
int conn_timer(conn_t *c, uint64_t timeout, uint64_t repeat, conn_timer_cb cb);

/* routes.c */
void route(conn_t *c, const req_t *r);
/* Counters and log for one request that /stats sees. */
void stats_count(conn_t *c, const req_t *r);
/* Undoes the in-flight count of the current request, if any. */
void stats_done(conn_t *c);
/* The connection is going away. */
void stats_conn_closed(conn_t *c);
void srv_free_tables(srv_t *s);
/* An HTML page as the spec describes it; title, desc and text are escaped. */
void sb_page(sbuf_t *sb, const char *title, const char *desc, const char *text);

/* hostile.c: each returns 1 when it handled the path. */
int route_hostile(conn_t *c, const req_t *r);
int route_charset(conn_t *c, const req_t *r);
int route_stream(conn_t *c, const req_t *r);

#endif
