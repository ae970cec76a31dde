/* Line sources read through the loop, one after the other: files with
 * uv_fs_read (epoll refuses regular files, docs/DESIGN.md R11), pipes and
 * terminals as streams. Reading stops while the read-ahead window is full
 * and resumes when the scheduler has room, so a list of any length, or a
 * slow producer, costs bounded memory and never stalls transfers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afetch.h"
#include "input.h"

#define CHUNK (64 * 1024)
#define MAX_LINE (64 * 1024) /* longer lines are refused as too long */

/* A line source: an fd read through the loop. */
struct af_source {
  af_source_t *next;
  int fd;
  int close_fd;
  int kind; /* uv_handle_type of the fd, or MEM */
  union {
    uv_pipe_t pipe;
    uv_tty_t tty;
  } h;
  uv_fs_t req;
  int64_t offset;
  int reading; /* a read is outstanding or the stream is started */
  int eof;
  int open;    /* the stream handle was initialised (needs uv_close) */
  int closing; /* uv_close called, its callback not yet run */
  int orphan;  /* the engine is gone: the pending callback frees this */
  char *chunk; /* read buffer */
  af_input_t *in;
  af_gz_t gz;  /* the bytes read, inflated if they are gzip */
  int pending; /* read bytes not yet split: the window filled first */
  /* How many afetch_add_url URLs were added before this source. */
  size_t urls_before;
  size_t add_index; /* inputs added before this one (URLs and sources) */
  const char *mem;  /* MEM: the caller's bytes, and how many are left */
  size_t mem_left;
};

/* A source read from the caller's memory (afetch_add_input_buf). */
#define MEM (-1)

static void source_next(af_input_t *a);

static void on_line(const char *line, size_t len, uint64_t lineno, int too_long,
                    void *ud)
{
  af_input_t *a = ud;
  a->line(a->ud, line, len, a->line_base + lineno, too_long);
}

static int window_full(af_input_t *a)
{
  return !a->room(a->ud);
}

/* URLs of afetch_add_url due before the current source: inputs are read
 * in the order they were added (afetch URL FILE URL), and line numbers
 * run on across them as if they were concatenated. */
static size_t urls_due(const af_input_t *a)
{
  return a->src_cur ? a->src_cur->urls_before : a->nurls;
}

/* The in-memory URLs go through the same splitter as a file, so trimming
 * and comments behave the same. */
static void feed_urls(af_input_t *a)
{
  while (a->urls_pos < urls_due(a) && !window_full(a)) {
    const char *u = a->urls[a->urls_pos++];
    af_lines_t l;
    af_lines_init(&l, MAX_LINE);
    af_lines_feed(&l, u, strlen(u), on_line, a);
    af_lines_finish(&l, on_line, a);
    a->line_base += l.lineno ? l.lineno : 1;
    af_lines_free(&l);
  }
}

/* failed: the source broke off. A last line without its newline is then
 * cut short if the bytes stopped in the middle (a read error, a gzip
 * stream cut inside a member): it is dropped, not fetched as another URL.
 * After a whole member and then bytes that are not gzip it is a real last
 * line, as zcat would print it. */
static int source_finish(af_input_t *a, af_source_t *s, int failed)
{
  int cut = failed && (!af_gz_is_gzip(&s->gz) || af_gz_cut_short(&s->gz));
  int dropped = cut && a->lines.cur.len > 0;
  if (!dropped)
    af_lines_finish(&a->lines, on_line, a);
  a->line_base += a->lines.lineno;
  af_lines_free(&a->lines);
  af_lines_init(&a->lines, MAX_LINE);
  s->eof = 1;
  return dropped;
}

static void source_destroy(af_source_t *s)
{
  if (s->close_fd && s->fd >= 0)
    close(s->fd);
  af_gz_free(&s->gz);
  free(s->chunk);
  free(s);
}

/* A source freed with the engine while its close (or a file read) was
 * pending was left to this callback: the engine may be gone by now. */
static void on_stream_close(uv_handle_t *h)
{
  af_source_t *s = h->data;
  s->closing = 0;
  if (s->orphan)
    source_destroy(s);
}

static void close_source(af_source_t *s)
{
  if (s->open) {
    s->open = 0;
    s->closing = 1;
    uv_close((uv_handle_t *)&s->h, on_stream_close);
  }
  else if (s->close_fd && s->fd >= 0) {
    close(s->fd);
  }
  s->fd = -1;
}

/* This source is over, at EOF (why == NULL) or after a failure, said in
 * why: its last line, its descriptor, then the next source. The first
 * failure of the run is kept for afetch_input_error. */
static void source_done(af_input_t *a, af_source_t *s, const char *why)
{
  s->pending = 0;
  int dropped = source_finish(a, s, why != NULL);
  if (why && !a->error) {
    a->error = 1;
    a->err_input = s->add_index;
    snprintf(a->errmsg, sizeof(a->errmsg), "%s%s", why,
             dropped ? "; its last line, cut short, was not fetched" : "");
  }
  close_source(s);
  source_next(a);
}

/* Why the gzip decoder stopped, or why a read failed (a libuv error). */
static const char *gz_why(const af_source_t *s)
{
  return af_gz_message(&s->gz);
}

/* EOF: what the gzip decoder still holds goes to the splitter first; a
 * stream cut inside a gzip member is a read error. */
static void source_eof(af_input_t *a, af_source_t *s)
{
  const char *p = NULL;
  size_t n = 0;
  int rc = af_gz_end(&s->gz, &p, &n);
  while (rc == AF_GZ_OUT) {
    af_lines_feed(&a->lines, p, n, on_line, a);
    rc = af_gz_end(&s->gz, &p, &n);
  }
  source_done(a, s, rc < 0 ? gz_why(s) : NULL);
}

/* Splits the bytes read last, inflated if the source is gzip, while the
 * read-ahead window has room: one output buffer at a time, so a list that
 * inflates a thousandfold is paced like any other. Returns 0 when they
 * are all used, 1 when some wait for af_input_pull, -1 when the gzip
 * data is corrupt. */
static int drain(af_input_t *a, af_source_t *s)
{
  for (;;) {
    if (window_full(a)) {
      s->pending = 1;
      return 1;
    }
    const char *p = NULL;
    size_t n = 0;
    int rc = af_gz_pull(&s->gz, &p, &n);
    if (rc < 0)
      return -1;
    if (rc == AF_GZ_NEED) {
      s->pending = 0;
      return 0;
    }
    af_lines_feed(&a->lines, p, n, on_line, a);
  }
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
  af_source_t *s = h->data;
  (void)hint;
  buf->base = s->chunk;
  buf->len = s->chunk ? CHUNK : 0;
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
  af_source_t *s = st->data;
  af_input_t *a = s->in;
  int rc = 0;
  if (n > 0) {
    af_gz_push(&s->gz, buf->base, (size_t)n);
    rc = drain(a, s);
  }
  if (n < 0 || rc < 0) {
    /* EOF, a read error or corrupt gzip: either way this source is over. */
    uv_read_stop(st);
    s->reading = 0;
    if (n == UV_EOF)
      source_eof(a, s);
    else
      source_done(a, s, rc < 0 ? gz_why(s) : uv_strerror((int)n));
  }
  /* The chunk libuv reads into must not be overwritten while bytes of it
   * are pending. */
  if ((window_full(a) || s->pending) && s->reading) {
    uv_read_stop(st);
    s->reading = 0;
  }
  a->wake(a->ud);
}

static void issue_fs_read(af_source_t *s);

static void on_fs_read(uv_fs_t *req)
{
  af_source_t *s = req->data;
  ssize_t n = req->result;
  uv_fs_req_cleanup(req);
  s->reading = 0;
  if (s->orphan) {
    source_destroy(s);
    return;
  }
  af_input_t *a = s->in;
  if (n > 0) {
    s->offset += n;
    af_gz_push(&s->gz, s->chunk, (size_t)n);
    int rc = drain(a, s);
    if (rc < 0)
      source_done(a, s, gz_why(s));
    else if (rc == 0 && !window_full(a))
      issue_fs_read(s);
  }
  else if (n == 0) {
    source_eof(a, s);
  }
  else {
    source_done(a, s, uv_strerror((int)n));
  }
  a->wake(a->ud);
}

static void issue_fs_read(af_source_t *s)
{
  if (s->reading || s->eof)
    return;
  uv_buf_t b = uv_buf_init(s->chunk, CHUNK);
  s->req.data = s;
  int rc =
      uv_fs_read(s->in->loop, &s->req, s->fd, &b, 1, s->offset, on_fs_read);
  if (rc != 0) {
    source_done(s->in, s, uv_strerror(rc));
    return;
  }
  s->reading = 1;
}

static int open_stream(af_input_t *a, af_source_t *s)
{
  int rc;
  /* libuv closes a stream's fd (above 2) with the handle: read through a
   * duplicate when the caller keeps the fd. */
  if (!s->close_fd && s->fd > STDERR_FILENO) {
    int d = dup(s->fd);
    if (d < 0)
      return -errno;
    s->fd = d;
    s->close_fd = 1;
  }
  if (s->kind == UV_TTY)
    rc = uv_tty_init(a->loop, &s->h.tty, s->fd, 1);
  else
    rc = uv_pipe_init(a->loop, &s->h.pipe, 0);
  if (rc != 0)
    return rc;
  s->open = 1;
  s->h.pipe.data = s;
  if (s->kind != UV_TTY) {
    rc = uv_pipe_open(&s->h.pipe, s->fd);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* Memory is handed to the splitter a chunk at a time, like a file's
 * reads, so the read-ahead window paces it the same way. */
static void feed_mem(af_input_t *a, af_source_t *s)
{
  while (!s->eof) {
    if (s->mem_left == 0) {
      source_eof(a, s);
      return;
    }
    size_t n = s->mem_left < CHUNK ? s->mem_left : CHUNK;
    af_gz_push(&s->gz, s->mem, n);
    s->mem += n;
    s->mem_left -= n;
    int rc = drain(a, s);
    if (rc < 0) {
      source_done(a, s, gz_why(s));
      return;
    }
    if (rc > 0)
      return; /* the window is full: af_input_pull goes on */
  }
}

static void resume_source(af_input_t *a, af_source_t *s)
{
  if (s->eof || s->reading)
    return;
  if (s->pending) {
    int rc = drain(a, s);
    if (rc < 0)
      source_done(a, s, gz_why(s));
    if (rc != 0)
      return;
  }
  if (s->kind == UV_FILE) {
    issue_fs_read(s);
    return;
  }
  if (s->kind == MEM) {
    feed_mem(a, s);
    return;
  }
  int rc = s->open ? 0 : open_stream(a, s);
  if (rc == 0)
    rc = uv_read_start((uv_stream_t *)&s->h, on_alloc, on_read);
  if (rc != 0) {
    source_done(a, s, uv_strerror(rc));
    return;
  }
  s->reading = 1;
}

static void source_next(af_input_t *a)
{
  if (a->src_cur && a->src_cur->eof)
    a->src_cur = a->src_cur->next;
  feed_urls(a);
  if (a->urls_pos < urls_due(a))
    return; /* the window is full: af_input_pull goes on */
  if (!a->src_cur) {
    a->eof = 1;
    return;
  }
  if (!window_full(a))
    resume_source(a, a->src_cur);
}

/* Sources are read in the order they were added, after the URLs added
 * before them. */
static void source_append(af_input_t *a, af_source_t *s)
{
  s->in = a;
  s->urls_before = a->nurls;
  s->add_index = a->nadds++;
  if (a->src_tail)
    a->src_tail->next = s;
  else
    a->sources = s;
  a->src_tail = s;
}

int af_input_add_buf(af_input_t *a, const void *buf, size_t len)
{
  af_source_t *s = calloc(1, sizeof(*s));
  if (!s)
    return AFETCH_ENOMEM;
  af_gz_init(&s->gz, CHUNK);
  s->fd = -1;
  s->kind = MEM;
  s->mem = buf;
  s->mem_left = len;
  source_append(a, s);
  return 0;
}

int af_input_add_fd(af_input_t *a, int fd, int close_fd)
{
  af_source_t *s = calloc(1, sizeof(*s));
  if (!s)
    return AFETCH_ENOMEM;
  s->chunk = malloc(CHUNK);
  if (!s->chunk) {
    free(s);
    return AFETCH_ENOMEM;
  }
  af_gz_init(&s->gz, CHUNK);
  s->fd = fd;
  s->close_fd = close_fd;
  s->kind = uv_guess_handle(fd);
  if (s->kind == UV_UNKNOWN_HANDLE)
    s->kind = UV_FILE; /* e.g. /dev/null: plain reads work */
  source_append(a, s);
  return 0;
}

void af_input_init(af_input_t *a, uv_loop_t *loop)
{
  memset(a, 0, sizeof(*a));
  a->loop = loop;
  af_buf_init(&a->lines.cur, 0);
}

int af_input_add_url(af_input_t *a, const char *url, size_t len)
{
  if (a->nurls == a->capurls) {
    size_t cap = a->capurls ? a->capurls * 2 : 64;
    char **p = realloc(a->urls, cap * sizeof(*p));
    if (!p)
      return AFETCH_ENOMEM;
    a->urls = p;
    a->capurls = cap;
  }
  char *u = malloc(len + 1);
  if (!u)
    return AFETCH_ENOMEM;
  memcpy(u, url, len);
  u[len] = '\0';
  a->urls[a->nurls++] = u;
  a->nadds++;
  return 0;
}

void af_input_start(af_input_t *a)
{
  a->eof = 0;
  a->src_cur = a->sources;
  af_lines_init(&a->lines, MAX_LINE);
  af_input_pull(a);
}

void af_input_pull(af_input_t *a)
{
  if (a->eof)
    return;
  feed_urls(a);
  if (a->urls_pos < urls_due(a))
    return;
  if (!a->src_cur) {
    a->eof = 1;
    return;
  }
  resume_source(a, a->src_cur);
}

int af_input_busy(const af_input_t *a)
{
  for (af_source_t *s = a->sources; s; s = s->next)
    if (s->kind == UV_FILE && s->reading)
      return 1;
  return 0;
}

/* Stops reading (on stop or at the end of the run) and closes streams. */
void af_input_close(af_input_t *a)
{
  for (af_source_t *s = a->sources; s; s = s->next) {
    if (s->open && s->reading)
      uv_read_stop((uv_stream_t *)&s->h);
    if (s->kind != UV_FILE || !s->reading) {
      s->reading = 0;
      s->eof = 1;
      close_source(s);
    }
    /* A file read in flight finishes in on_fs_read, which closes it. */
  }
  a->eof = 1;
}

void af_input_free(af_input_t *a)
{
  af_source_t *s = a->sources;
  while (s) {
    af_source_t *n = s->next;
    if (s->closing || (s->kind == UV_FILE && s->reading))
      s->orphan = 1;
    else
      source_destroy(s);
    s = n;
  }
  a->sources = a->src_tail = a->src_cur = NULL;
  af_lines_free(&a->lines);
  for (size_t i = 0; i < a->nurls; i++)
    free(a->urls[i]);
  free(a->urls);
  a->urls = NULL;
  a->nurls = a->capurls = 0;
}
