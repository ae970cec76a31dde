/* Adversarial endpoints, streamed bodies and pages in legacy charsets.
 *
 * Streamed bodies are generated as the socket drains (see body_t), so a 1 GB
 * download, an endless page or a gzip bomb costs one 64 KiB buffer (plus
 * the deflate state) per connection, however slowly the client reads. */
#define ZLIB_CONST
#include "afserve.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define HTML "text/html; charset=utf-8"

/* "/name" matches "/name" and "/name/...", so tests can make URLs unique. */
static int path_is(const char *path, const char *name)
{
  size_t n = strlen(name);
  return !strncmp(path, name, n) && (path[n] == '\0' || path[n] == '/');
}

/* Fills dst with len bytes of unit repeated, starting phase bytes into it.
 * Doubling copies make this fast even for a one-byte unit. */
static void fill_repeat(char *dst, size_t len, const char *unit, size_t ulen,
                        size_t phase)
{
  size_t first = ulen - phase < len ? ulen - phase : len;
  memcpy(dst, unit + phase, first);
  if (first == len)
    return;
  char *base = dst + first;
  size_t rest = len - first;
  size_t have = ulen < rest ? ulen : rest;
  memcpy(base, unit, have);
  /* have stays a multiple of ulen until the last copy, which keeps the
   * pattern aligned; each pass at least doubles have. */
  while (have < rest) {
    size_t k = have < rest - have ? have : rest - have;
    memcpy(base + have, base, k);
    have += k;
  }
}

/* ---- prefix + unit * reps + suffix ------------------------------------- */

typedef struct gen {
  body_t b;
  const char *part[3]; /* point into the same allocation */
  size_t plen[3];
  uint64_t reps;
  uint64_t pos;
  uint64_t total;
} gen_t;

static size_t gen_fill(body_t *b, char *buf, size_t cap)
{
  gen_t *g = (gen_t *)b;
  uint64_t body_end = g->plen[0] + g->plen[1] * g->reps;
  size_t n = 0;
  /* Each pass copies at least one byte, so this ends within cap passes;
   * in practice it is three. */
  while (n < cap && g->pos < g->total) {
    size_t room = cap - n;
    size_t k;
    if (g->pos < g->plen[0]) {
      k = g->plen[0] - (size_t)g->pos;
      k = k < room ? k : room;
      memcpy(buf + n, g->part[0] + g->pos, k);
    }
    else if (g->pos < body_end) {
      uint64_t r = g->pos - g->plen[0];
      uint64_t left = body_end - g->pos;
      k = left < room ? (size_t)left : room;
      fill_repeat(buf + n, k, g->part[1], g->plen[1], (size_t)(r % g->plen[1]));
    }
    else {
      size_t off = (size_t)(g->pos - body_end);
      k = g->plen[2] - off;
      k = k < room ? k : room;
      memcpy(buf + n, g->part[2] + off, k);
    }
    n += k;
    g->pos += k;
  }
  return n;
}

static void plain_free(body_t *b)
{
  free(b);
}

/* The body and its buffer and parts are one allocation. */
static gen_t *gen_new(const char *prefix, const char *unit, uint64_t reps,
                      const char *suffix)
{
  size_t lens[3] = {strlen(prefix), strlen(unit), strlen(suffix)};
  gen_t *g = malloc(sizeof *g + BODY_CHUNK + lens[0] + lens[1] + lens[2]);
  if (!g)
    return NULL;
  g->b.fill = gen_fill;
  g->b.free = plain_free;
  g->b.buf = (char *)(g + 1);
  char *p = g->b.buf + BODY_CHUNK;
  const char *src[3] = {prefix, unit, suffix};
  for (int i = 0; i < 3; i++) {
    memcpy(p, src[i], lens[i]);
    g->part[i] = p;
    g->plen[i] = lens[i];
    p += lens[i];
  }
  g->reps = reps;
  g->pos = 0;
  g->total = lens[0] + lens[1] * reps + lens[2];
  return g;
}

static void send_gen(conn_t *c, int status, const char *ctype, gen_t *g)
{
  if (!g) {
    conn_close(c, 0);
    return;
  }
  sbuf_t sb;
  sb_init(&sb, 4096);
  conn_head(c, &sb, status, ctype, NULL, (int64_t)g->total);
  if (sb.err) {
    free(g);
    conn_close(c, 0);
  }
  else
    conn_stream(c, sb.p, sb.len, &g->b, AFTER_NEXT);
  sb_free(&sb);
}

static void bad(conn_t *c, const char *why)
{
  sbuf_t sb;
  sb_init(&sb, 4096);
  sb_page(&sb, "Bad Request", why, why);
  if (sb.err)
    conn_close(c, 0);
  else
    conn_reply(c, 400, HTML, NULL, sb.p, sb.len);
  sb_free(&sb);
}

static int num_after(const char *path, const char *prefix, uint64_t max,
                     uint64_t *out)
{
  size_t n = strlen(prefix);
  if (strncmp(path, prefix, n))
    return -1;
  const char *p = path + n;
  const char *slash = strchr(p, '/');
  return parse_u64(p, slash ? (size_t)(slash - p) : strlen(p), max, out);
}

/* /bytes/N: N bytes of 'x'; ?ct=none sends them without a Content-Type,
 * so the client has to keep a prefix to sniff. */
static void route_bytes(conn_t *c, const req_t *r)
{
  uint64_t n;
  if (num_after(r->path, "/bytes/", UINT64_C(1) << 30, &n)) {
    bad(c, "use /bytes/N with N <= 1073741824");
    return;
  }
  const char *v;
  size_t vlen;
  const char *ct = "application/octet-stream";
  if (query_get(r->query, "ct", &v, &vlen) && vlen == 4 &&
      !strncmp(v, "none", 4))
    ct = NULL;
  send_gen(c, 200, ct, gen_new("", "x", n, ""));
}

static void route_deep(conn_t *c, const req_t *r)
{
  uint64_t n;
  if (num_after(r->path, "/deep/", 10000000, &n)) {
    bad(c, "use /deep/N with N <= 10000000");
    return;
  }
  const char *v;
  size_t vlen;
  const char *unit = "<div>";
  if (query_get(r->query, "tag", &v, &vlen) && vlen == 4 &&
      !strncmp(v, "span", 4))
    unit = "<span>";
  char *prefix =
      str_printf("<!DOCTYPE html><html><head><title>Deep %" PRIu64
                 "</title><meta name=\"description\" content=\"%" PRIu64
                 " nested unclosed %.*s tags\"></head><body>",
                 n, n, (int)strlen(unit) - 2, unit + 1);
  if (!prefix) {
    conn_close(c, 0);
    return;
  }
  send_gen(c, 200, HTML, gen_new(prefix, unit, n, "deep text</body></html>\n"));
  free(prefix);
}

static void route_bigline(conn_t *c, const char *path)
{
  uint64_t mb;
  if (num_after(path, "/bigline/", 1024, &mb)) {
    bad(c, "use /bigline/MB with MB <= 1024");
    return;
  }
  char *prefix = str_printf(
      "<!DOCTYPE html><html><head><title>Big line %" PRIu64
      " MB</title><meta name=\"description\" content=\"One line of %" PRIu64
      " MiB\"></head><body><p>",
      mb, mb);
  if (!prefix) {
    conn_close(c, 0);
    return;
  }
  static const char unit[] = "lorem ipsum dolor sit amet ";
  uint64_t reps = (mb << 20) / (sizeof unit - 1);
  send_gen(c, 200, HTML, gen_new(prefix, unit, reps, "</p></body></html>"));
  free(prefix);
}

/* ---- endless chunked page ---------------------------------------------- */

#define ENDLESS_PAYLOAD 16384

static const char endless_head[] =
    "<!DOCTYPE html><html><head><title>Endless</title><meta "
    "name=\"description\" content=\"A page that never ends.\"></head><body>";
static const char endless_line[] = "<p>This page never ends.</p>\n";

typedef struct endless {
  body_t b;
  uint64_t pos; /* bytes of repeated lines sent so far */
  int started;
} endless_t;

static size_t endless_fill(body_t *b, char *buf, size_t cap)
{
  endless_t *e = (endless_t *)b;
  (void)cap; /* ENDLESS_PAYLOAD + framing is far below BODY_CHUNK */
  int n = snprintf(buf, 16, "%x\r\n", ENDLESS_PAYLOAD);
  char *p = buf + n;
  size_t left = ENDLESS_PAYLOAD;
  if (!e->started) {
    memcpy(p, endless_head, sizeof endless_head - 1);
    p += sizeof endless_head - 1;
    left -= sizeof endless_head - 1;
    e->started = 1;
  }
  size_t ulen = sizeof endless_line - 1;
  fill_repeat(p, left, endless_line, ulen, (size_t)(e->pos % ulen));
  e->pos += left;
  memcpy(p + left, "\r\n", 2);
  return (size_t)n + ENDLESS_PAYLOAD + 2;
}

static const char chunked_head[] = "HTTP/1.1 200 OK\r\n"
                                   "Server: afserve\r\n"
                                   "Content-Type: text/html; charset=utf-8\r\n"
                                   "Transfer-Encoding: chunked\r\n"
                                   "Connection: close\r\n\r\n";

static void route_endless(conn_t *c)
{
  endless_t *e = malloc(sizeof *e + BODY_CHUNK);
  if (!e) {
    conn_close(c, 0);
    return;
  }
  e->b.fill = endless_fill;
  e->b.free = plain_free;
  e->b.buf = (char *)(e + 1);
  e->pos = 0;
  e->started = 0;
  c->keep_alive = 0;
  conn_stream(c, chunked_head, sizeof chunked_head - 1, &e->b, AFTER_CLOSE);
}

/* ---- gzip bomb --------------------------------------------------------- */

/* Input fed per chunk: 64 x 64 KiB of zeros come out as about 4 KiB. */
#define BOMB_ROUNDS 64

static const unsigned char zeros[64 * 1024];
static const char bomb_html[] =
    "<!DOCTYPE html><html><head><title>Gzip bomb</title><meta "
    "name=\"description\" content=\"Gigabytes of zeros.\"></head><body><p>";

typedef struct bomb {
  body_t b;
  z_stream z;
  int started;
} bomb_t;

static size_t bomb_fill(body_t *b, char *buf, size_t cap)
{
  bomb_t *m = (bomb_t *)b;
  /* A fixed-width size line ("%08zx\r\n") is written once the size is
   * known, in front of the compressed bytes. */
  const size_t pre = 10;
  size_t room = cap - pre - 2;
  m->z.next_out = (unsigned char *)buf + pre;
  m->z.avail_out = (uInt)room;
  if (!m->started) {
    m->z.next_in = (const unsigned char *)bomb_html;
    m->z.avail_in = sizeof bomb_html - 1;
    if (deflate(&m->z, Z_NO_FLUSH) == Z_STREAM_ERROR)
      return 0;
    m->started = 1;
  }
  for (int i = 0; i < BOMB_ROUNDS && m->z.avail_out > 0; i++) {
    /* Input left unconsumed when the output fills is dropped: it is all
     * zeros, so the decoded stream stays the same. */
    m->z.next_in = zeros;
    m->z.avail_in = sizeof zeros;
    if (deflate(&m->z, Z_NO_FLUSH) == Z_STREAM_ERROR)
      return 0;
  }
  /* A sync flush forces out what deflate holds, so every chunk carries
   * data and the client keeps inflating. */
  if (m->z.avail_out > 0) {
    m->z.next_in = zeros;
    m->z.avail_in = 0;
    if (deflate(&m->z, Z_SYNC_FLUSH) == Z_STREAM_ERROR)
      return 0;
  }
  size_t n = room - m->z.avail_out;
  if (n == 0)
    return 0;
  char line[32];
  snprintf(line, sizeof line, "%08x\r\n", (unsigned)n);
  memcpy(buf, line, pre);
  memcpy(buf + pre + n, "\r\n", 2);
  return pre + n + 2;
}

static void bomb_free(body_t *b)
{
  bomb_t *m = (bomb_t *)b;
  deflateEnd(&m->z);
  free(m);
}

static void bomb_start(conn_t *c)
{
  static const char head[] = "HTTP/1.1 200 OK\r\n"
                             "Server: afserve\r\n"
                             "Content-Type: text/html; charset=utf-8\r\n"
                             "Content-Encoding: gzip\r\n"
                             "Transfer-Encoding: chunked\r\n"
                             "Connection: close\r\n\r\n";
  bomb_t *m = malloc(sizeof *m + BODY_CHUNK);
  if (!m) {
    conn_close(c, 0);
    return;
  }
  memset(&m->z, 0, sizeof m->z);
  /* 15 + 16: a gzip wrapper, which is what Content-Encoding: gzip means. */
  if (deflateInit2(&m->z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    free(m);
    conn_close(c, 0);
    return;
  }
  m->b.fill = bomb_fill;
  m->b.free = bomb_free;
  m->b.buf = (char *)(m + 1);
  m->started = 0;
  c->keep_alive = 0;
  conn_stream(c, head, sizeof head - 1, &m->b, AFTER_CLOSE);
}

/* ?gate=N holds the response until N requests are in flight at once (or
 * 10 s have passed), so a test of "N bombs in flight" does not depend on
 * how fast the first ones end on a loaded machine. The request that sees N
 * in flight opens the gate for every one waiting (a new epoch): the first
 * bomb to start may end before the others look at the counter again.
 * Polled: requests in flight are a counter here, not an event. */
#define GATE_POLL_MS 5
#define GATE_POLLS 2000

static void on_bomb_gate(conn_t *c)
{
  srv_t *s = c->srv;
  if (s->gate_epoch == c->gate_epoch && s->inflight_current >= c->gate)
    s->gate_epoch++;
  if (s->gate_epoch != c->gate_epoch || ++c->tick >= GATE_POLLS) {
    bomb_start(c);
    return;
  }
  conn_timer(c, GATE_POLL_MS, 0, on_bomb_gate);
}

static void route_gzipbomb(conn_t *c, const req_t *r)
{
  const char *v;
  size_t n;
  uint64_t gate = 0;
  if (query_get(r->query, "gate", &v, &n) &&
      parse_u64(v, n, 100000, &gate) == 0 && gate > 1 && !c->head) {
    c->gate = (uint32_t)gate;
    c->gate_epoch = c->srv->gate_epoch;
    c->tick = 0;
    on_bomb_gate(c);
    return;
  }
  bomb_start(c);
}

/* ---- trickle ----------------------------------------------------------- */

static const char trickle_body[] =
    "<!DOCTYPE html><html><head><title>Trickle</title></head><body><p>"
    "One byte every two seconds.</p></body></html>\n";

static void on_trickle(conn_t *c)
{
  /* The previous byte is still queued: the client is not reading, and
   * adding more would only grow our buffers. */
  if (c->writes)
    return;
  uint64_t i = c->tick++;
  const char *p = i < sizeof trickle_body - 1 ? trickle_body + i : " ";
  conn_write(c, p, 1, 0);
}

/* Writes what sb holds and frees it; a failed build closes the connection.
 * Returns nonzero when the connection is done with. */
static int send_built(conn_t *c, sbuf_t *sb)
{
  if (sb->err) {
    sb_free(sb);
    conn_close(c, 0);
    return 1;
  }
  int rc = conn_write(c, sb->p, sb->len, 1);
  sb_free(sb);
  return rc;
}

static void route_trickle(conn_t *c)
{
  /* The length promises far more than will ever come. */
  sbuf_t sb;
  sb_init(&sb, 4096);
  conn_head(c, &sb, 200, HTML, NULL, 1000000);
  if (send_built(c, &sb))
    return;
  if (c->head) {
    conn_finish(c, AFTER_NEXT);
    return;
  }
  c->tick = 0;
  conn_timer(c, 2000, 2000, on_trickle);
}

int route_stream(conn_t *c, const req_t *r)
{
  const char *p = r->path;
  if (!strncmp(p, "/bytes/", 7))
    route_bytes(c, r);
  else if (!strncmp(p, "/deep/", 6))
    route_deep(c, r);
  else if (!strncmp(p, "/bigline/", 9))
    route_bigline(c, p);
  else if (path_is(p, "/endless"))
    route_endless(c);
  else if (path_is(p, "/gzipbomb"))
    route_gzipbomb(c, r);
  else if (path_is(p, "/trickle"))
    route_trickle(c);
  else
    return 0;
  return 1;
}

/* ---- misbehaving responses --------------------------------------------- */

static void on_reset_timer(conn_t *c)
{
  conn_finish(c, AFTER_RESET);
}

/* Headers promising 100000 bytes, about 1000 of them, then a TCP reset. The
 * short wait lets the client read the partial body before the RST. */
static void route_reset(conn_t *c)
{
  sbuf_t sb;
  sb_init(&sb, 8192);
  conn_head(c, &sb, 200, HTML, NULL, 100000);
  sb_adds(&sb, "<!DOCTYPE html><html><head><title>Reset</title></head>"
               "<body><p>");
  for (int i = 0; i < 20; i++)
    sb_adds(&sb, "This connection is about to be reset. ");
  if (send_built(c, &sb))
    return;
  c->discard = 1;
  conn_timer(c, 100, 0, on_reset_timer);
}

static void route_badchunk(conn_t *c)
{
  static const char raw[] = "HTTP/1.1 200 OK\r\n"
                            "Server: afserve\r\n"
                            "Content-Type: text/html; charset=utf-8\r\n"
                            "Transfer-Encoding: chunked\r\n"
                            "Connection: close\r\n\r\n"
                            "f\r\n<!DOCTYPE html>\r\n"
                            "zz;not-hex\r\n<html>broken</html>\r\n"
                            "0\r\n\r\n";
  c->keep_alive = 0;
  if (conn_write(c, raw, sizeof raw - 1, 0))
    return;
  conn_finish(c, AFTER_CLOSE);
}

static void route_garbage(conn_t *c)
{
  char raw[512];
  static const char line[] = "HTTP/1.1 abc\r\n";
  memcpy(raw, line, sizeof line - 1);
  /* The same bytes every time (xorshift from a fixed seed), so a failing
   * test can be replayed. */
  uint32_t x = 2463534242u;
  for (size_t i = sizeof line - 1; i < sizeof raw; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    raw[i] = (char)(x & 0xff);
  }
  c->keep_alive = 0;
  if (conn_write(c, raw, sizeof raw, 1))
    return;
  conn_finish(c, AFTER_CLOSE);
}

static void route_bigheader(conn_t *c)
{
  const size_t big = 200 * 1024;
  char *extra = malloc(big + 16);
  if (!extra) {
    conn_close(c, 0);
    return;
  }
  memcpy(extra, "X-Big: ", 7);
  memset(extra + 7, 'a', big);
  memcpy(extra + 7 + big, "\r\n", 3);
  sbuf_t sb;
  sb_init(&sb, 4096);
  sb_page(&sb, "Big header", "A response with a 200 KB header.",
          "Did the headers fit?");
  if (sb.err)
    conn_close(c, 0);
  else
    conn_reply(c, 200, HTML, extra, sb.p, sb.len);
  sb_free(&sb);
  free(extra);
}

/* Terminal escapes (CSI colour, OSC title with BEL), CR, NUL, U+202E, bytes
 * that are never UTF-8 and an overlong '/'. Strings are split after hex
 * escapes so that a following letter is not read as another hex digit. */
static const char hostile_page[] =
    "<!DOCTYPE html><html><head><title>Hostile \x1b[31mred\x1b[0m "
    "\x1b]0;pwn\x07 cr\rcr nul\0nul bidi \xe2\x80\xae"
    "evil invalid \xff\xfe overlong \xc0\xaf"
    " end</title><meta name=\"description\" content=\"Junk \x1b[2J\x1b]0;pwn"
    "\x07 cr\rlf\n nul\0 bidi \xe2\x80\xae"
    "desc \xff\xfe\xc0\xaf"
    " end\"></head><body><h1>Hostile</h1><p>Nothing to see.</p></body>"
    "</html>\n";

int route_hostile(conn_t *c, const req_t *r)
{
  const char *p = r->path;
  if (path_is(p, "/hang")) {
    /* No answer ever; the connection stays open until the client goes. */
    c->discard = 1;
  }
  else if (path_is(p, "/reset"))
    route_reset(c);
  else if (path_is(p, "/badchunk"))
    route_badchunk(c);
  else if (path_is(p, "/garbage"))
    route_garbage(c);
  else if (path_is(p, "/bigheader"))
    route_bigheader(c);
  else if (path_is(p, "/hostile/title"))
    conn_reply(c, 200, HTML, NULL, hostile_page, sizeof hostile_page - 1);
  else
    return 0;
  return 1;
}

/* ---- charsets ---------------------------------------------------------- */

/* Titles pre-encoded with glibc iconv (CP949, CP932, GB18030, BIG5-HKSCS,
 * CP1252, ISO-8859-1) from the UTF-8 in the comments. */
static const unsigned char t_euc_kr[] = {/* 한국어 제목 */
                                         0xc7, 0xd1, 0xb1, 0xb9, 0xbe, 0xee,
                                         0x20, 0xc1, 0xa6, 0xb8, 0xf1};
static const unsigned char t_shift_jis[] = {
    /* 日本語のタイトル */
    0x93, 0xfa, 0x96, 0x7b, 0x8c, 0xea, 0x82, 0xcc,
    0x83, 0x5e, 0x83, 0x43, 0x83, 0x67, 0x83, 0x8b};
static const unsigned char t_gb18030[] = {/* 中文标题 */
                                          0xd6, 0xd0, 0xce, 0xc4,
                                          0xb1, 0xea, 0xcc, 0xe2};
static const unsigned char t_big5[] = {/* 中文標題 */
                                       0xa4, 0xa4, 0xa4, 0xe5,
                                       0xbc, 0xd0, 0xc3, 0x44};
static const unsigned char t_cp1252[] = {
    /* Café – “quoted” € */
    0x43, 0x61, 0x66, 0xe9, 0x20, 0x96, 0x20, 0x93, 0x71,
    0x75, 0x6f, 0x74, 0x65, 0x64, 0x94, 0x20, 0x80};
static const unsigned char t_latin1[] = {/* Café résumé */
                                         0x43, 0x61, 0x66, 0xe9, 0x20, 0x72,
                                         0xe9, 0x73, 0x75, 0x6d, 0xe9};
/* UTF-8 "Bogus café " then bytes that are invalid in UTF-8 and anywhere. */
static const unsigned char t_bogus[] = {
    0x42, 0x6f, 0x67, 0x75, 0x73, 0x20, 0x63, 0x61, 0x66, 0xc3, 0xa9,
    0x20, 0xff, 0xfe, 0x20, 0xc0, 0xaf, 0x20, 0x65, 0x6e, 0x64};

typedef struct charset_page {
  const char *name;  /* in the path */
  const char *label; /* declared */
  const unsigned char *title;
  size_t len;
} charset_page_t;

#define CS(name, label, t)                                                     \
  {                                                                            \
    name, label, t, sizeof t                                                   \
  }
static const charset_page_t charsets[] = {
    CS("euc-kr", "euc-kr", t_euc_kr),
    CS("shift_jis", "shift_jis", t_shift_jis),
    CS("gb18030", "gb18030", t_gb18030),
    CS("big5", "big5", t_big5),
    CS("windows-1252", "windows-1252", t_cp1252),
    CS("iso-8859-1", "iso-8859-1", t_latin1),
    CS("unknown", "x-bogus", t_bogus),
};
#undef CS

int route_charset(conn_t *c, const req_t *r)
{
  const char *p = r->path;
  int meta;
  const char *name;
  if (!strncmp(p, "/charset/", 9)) {
    meta = 0;
    name = p + 9;
  }
  else if (!strncmp(p, "/charset-meta/", 14)) {
    meta = 1;
    name = p + 14;
  }
  else
    return 0;
  const charset_page_t *cs = NULL;
  for (size_t i = 0; i < sizeof charsets / sizeof charsets[0]; i++)
    if (!strcmp(name, charsets[i].name))
      cs = &charsets[i];
  if (!cs) {
    bad(c, "unknown charset page");
    return 1;
  }
  sbuf_t sb;
  sb_init(&sb, 8192);
  sb_adds(&sb, "<!DOCTYPE html><html><head>");
  /* windows-1252 is declared the old way, to cover http-equiv too. */
  if (meta && !strcmp(cs->label, "windows-1252"))
    sb_adds(&sb, "<meta http-equiv=\"Content-Type\" content=\"text/html; "
                 "charset=windows-1252\">");
  else if (meta)
    sb_printf(&sb, "<meta charset=\"%s\">", cs->label);
  sb_adds(&sb, "<title>");
  sb_add(&sb, cs->title, cs->len);
  sb_adds(&sb, "</title><meta name=\"description\" content=\"Description: ");
  sb_add(&sb, cs->title, cs->len);
  sb_adds(&sb, "\"></head><body><h1>");
  sb_add(&sb, cs->title, cs->len);
  sb_printf(&sb, "</h1><p>Encoded in %s.</p></body></html>\n", cs->label);
  char ctype[64];
  if (meta)
    snprintf(ctype, sizeof ctype, "text/html");
  else
    snprintf(ctype, sizeof ctype, "text/html; charset=%s", cs->label);
  if (sb.err)
    conn_close(c, 0);
  else
    conn_reply(c, 200, ctype, NULL, sb.p, sb.len);
  sb_free(&sb);
  return 1;
}
