#include "curlev.h"

#include <stdlib.h>
#include <sys/resource.h>

struct af_pollctx {
  uv_poll_t poll;
  curl_socket_t fd;
  int events; /* last uv events asked for */
  int closing;
  af_curlev_t *ev;
  af_pollctx_t *prev, *next;
};

static void on_poll(uv_poll_t *h, int status, int events);

static void drain(af_curlev_t *ev)
{
  CURLMsg *msg;
  int left;
  /* The CURLMsg dies at remove_handle: copy what we need first. */
  while (ev->multi && (msg = curl_multi_info_read(ev->multi, &left))) {
    if (msg->msg != CURLMSG_DONE)
      continue;
    CURL *easy = msg->easy_handle;
    CURLcode res = msg->data.result;
    curl_multi_remove_handle(ev->multi, easy);
    ev->on_done(ev->ud, easy, res);
  }
}

static void action(af_curlev_t *ev, curl_socket_t fd, int flags)
{
  int running;
  if (!ev->multi)
    return;
  CURLMcode rc = curl_multi_socket_action(ev->multi, fd, flags, &running);
  if (rc != CURLM_OK)
    ev->fatal = 1; /* "the state of all transfers are uncertain" */
  /* Drain after every action, whatever running says: the count does not
   * say which transfer ended (docs/DESIGN.md R3). */
  drain(ev);
  ev->after(ev->ud);
}

static void on_pollctx_close(uv_handle_t *h)
{
  free(h->data);
}

static void pollctx_close(af_curlev_t *ev, af_pollctx_t *c)
{
  if (c->closing)
    return;
  c->closing = 1;
  if (c->prev)
    c->prev->next = c->next;
  else
    ev->polls = c->next;
  if (c->next)
    c->next->prev = c->prev;
  uv_poll_stop(&c->poll);
  uv_close((uv_handle_t *)&c->poll, on_pollctx_close);
}

static void on_kick(uv_idle_t *h);

/* uv could not watch s: tell curl from the next loop iteration, since no
 * multi call is allowed inside the socket callback (docs/DESIGN.md R1). */
static void defer_error(af_curlev_t *ev, curl_socket_t s)
{
  if (ev->nerr < AF_CURLEV_MAXERR)
    ev->errfds[ev->nerr++] = s;
  uv_idle_start(&ev->kick, on_kick);
}

/* CURLMOPT_SOCKETFUNCTION. No multi call but curl_multi_assign in here. */
static int on_socket(CURL *easy, curl_socket_t s, int what, void *userp,
                     void *socketp)
{
  af_curlev_t *ev = userp;
  af_pollctx_t *c = socketp;

  if (what == CURL_POLL_REMOVE) {
    if (c) {
      curl_multi_assign(ev->multi, s, NULL);
      pollctx_close(ev, c);
    }
    return 0;
  }
  if (!c) {
    c = calloc(1, sizeof(*c));
    if (!c) {
      defer_error(ev, s);
      return 0;
    }
    if (uv_poll_init_socket(ev->loop, &c->poll, s) != 0) {
      /* Not a uv handle yet: plain free is right. */
      free(c);
      defer_error(ev, s);
      return 0;
    }
    c->fd = s;
    c->ev = ev;
    c->poll.data = c;
    c->next = ev->polls;
    if (ev->polls)
      ev->polls->prev = c;
    ev->polls = c;
    curl_multi_assign(ev->multi, s, c);
  }
  int events = 0;
  if (what & CURL_POLL_IN)
    events |= UV_READABLE;
  if (what & CURL_POLL_OUT)
    events |= UV_WRITABLE;
  c->events = events;
  if (uv_poll_start(&c->poll, events, on_poll) != 0) {
    defer_error(ev, s);
  }
  return 0;
}

static void on_poll(uv_poll_t *h, int status, int events)
{
  af_pollctx_t *c = h->data;
  af_curlev_t *ev = c->ev;
  int flags = 0;
  /* libuv reports POLLERR as status < 0 and stops the watcher: curl must
   * hear about it at once, or a refused connect waits for curl's next
   * timer (docs/DESIGN.md R4). libuv keeps the socket's errno to itself,
   * so curl is told the socket is readable and writable too: it then reads
   * or writes, and reports the real error (a reset, a refusal) instead of
   * "select/poll returned error". */
  if (status < 0)
    flags = CURL_CSELECT_ERR | CURL_CSELECT_IN | CURL_CSELECT_OUT;
  if (events & UV_READABLE)
    flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE)
    flags |= CURL_CSELECT_OUT;
  curl_socket_t fd = c->fd;
  int rearm = status < 0;
  /* c stays allocated until its close callback, which cannot run before we
   * return, so reading c->closing after the action is safe. */
  action(ev, fd, flags);
  if (rearm && !c->closing && c->events)
    uv_poll_start(&c->poll, c->events, on_poll);
}

static void on_timer(uv_timer_t *h)
{
  af_curlev_t *ev = h->data;
  action(ev, CURL_SOCKET_TIMEOUT, 0);
}

static void on_kick(uv_idle_t *h)
{
  af_curlev_t *ev = h->data;
  uv_idle_stop(h);
  while (ev->nerr > 0) {
    curl_socket_t s = ev->errfds[--ev->nerr];
    action(ev, s, CURL_CSELECT_ERR);
  }
  action(ev, CURL_SOCKET_TIMEOUT, 0);
}

/* CURLMOPT_TIMERFUNCTION: -1 stops, >= 0 replaces the one timer. A 0 ms
 * uv_timer re-armed from a timer callback starves I/O on libuv 1.44 and a
 * 1 ms clamp would add a millisecond to every sequential transfer, so 0
 * means "next loop iteration" through an idle handle (docs/DESIGN.md R2). */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
  af_curlev_t *ev = userp;
  if (timeout_ms < 0) {
    uv_timer_stop(&ev->timer);
    if (ev->nerr == 0)
      uv_idle_stop(&ev->kick);
  }
  else if (timeout_ms == 0) {
    uv_timer_stop(&ev->timer);
    uv_idle_start(&ev->kick, on_kick);
  }
  else {
    if (ev->nerr == 0)
      uv_idle_stop(&ev->kick);
    uv_timer_start(&ev->timer, on_timer, (uint64_t)timeout_ms, 0);
  }
  return 0;
}

int af_curlev_init(af_curlev_t *ev, uv_loop_t *loop, af_curlev_done_cb done,
                   af_curlev_after_cb after, void *ud)
{
  ev->loop = loop;
  ev->multi = NULL;
  ev->polls = NULL;
  ev->nerr = 0;
  ev->fatal = 0;
  ev->closing_multi = 0;
  ev->on_done = done;
  ev->after = after;
  ev->ud = ud;
  if (uv_timer_init(loop, &ev->timer) != 0)
    return -1;
  ev->timer.data = ev;
  if (uv_idle_init(loop, &ev->kick) != 0) {
    uv_close((uv_handle_t *)&ev->timer, NULL);
    return -1;
  }
  ev->kick.data = ev;
  return 0;
}

/* How many connections the multi keeps open for reuse. Sized to the
 * transfers in flight, the cache is full whenever every slot is busy, and
 * libcurl then closes each connection as its transfer ends: with many hosts
 * busy at once nearly every transfer opens a new one. Four times the
 * concurrency (curl's own default per handle added) holds the idle
 * connections of all the hosts in flight at their per-host caps, and it is
 * bounded by the descriptors left over once every transfer in flight has
 * two (a connection and a happy-eyeballs attempt), so idle connections
 * never starve a new transfer of a descriptor. */
static long cache_size(long concurrency)
{
  long want = 4 * concurrency;
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
    long room = (long)rl.rlim_cur - 64 - 2 * concurrency;
    if (want > room)
      want = room;
  }
  return want < concurrency ? concurrency : want;
}

int af_curlev_open(af_curlev_t *ev, long concurrency)
{
  long maxconnects = concurrency > 0 ? cache_size(concurrency) : 0;
  ev->multi = curl_multi_init();
  if (!ev->multi)
    return -1;
  ev->fatal = 0;
  curl_multi_setopt(ev->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(ev->multi, CURLMOPT_SOCKETDATA, ev);
  curl_multi_setopt(ev->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
  curl_multi_setopt(ev->multi, CURLMOPT_TIMERDATA, ev);
  if (maxconnects > 0)
    curl_multi_setopt(ev->multi, CURLMOPT_MAXCONNECTS, maxconnects);
  return 0;
}

int af_curlev_add(af_curlev_t *ev, CURL *easy)
{
  return curl_multi_add_handle(ev->multi, easy) == CURLM_OK ? 0 : -1;
}

void af_curlev_remove(af_curlev_t *ev, CURL *easy)
{
  curl_multi_remove_handle(ev->multi, easy);
}

void af_curlev_shut(af_curlev_t *ev)
{
  if (ev->multi) {
    /* curl_multi_cleanup may still call on_socket (REMOVE for cached
     * connections): ev must be intact until it returns. */
    curl_multi_cleanup(ev->multi);
    ev->multi = NULL;
  }
  while (ev->polls)
    pollctx_close(ev, ev->polls);
  uv_timer_stop(&ev->timer);
  uv_idle_stop(&ev->kick);
  ev->nerr = 0;
}

void af_curlev_close(af_curlev_t *ev)
{
  af_curlev_shut(ev);
  uv_close((uv_handle_t *)&ev->timer, NULL);
  uv_close((uv_handle_t *)&ev->kick, NULL);
}
