/* The public API of afetch.h: options, engine lifecycle, names. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "engine.h"

/* The smallest options struct afetch_new accepts: the first one that had
 * a size field, ending with noproxy. Fields added later go after it, and a
 * caller's struct that ends before them gets their defaults. */
#define AF_OPTIONS_MIN_SIZE                                                    \
  (offsetof(afetch_options_t, noproxy) + sizeof(const char *))

static void options_defaults(afetch_options_t *o)
{
  memset(o, 0, sizeof(*o));
  o->size = sizeof(*o);
  o->mode = AFETCH_MODE_CONCURRENT;
  o->concurrency = 50;
  o->per_host = 6;
  o->rate = 0;
  o->retries = 0;
  o->max_redirs = 10;
  o->follow = 1;
  o->timeout = 30;
  o->connect_timeout = 10;
  o->http_version = AFETCH_HTTP_ANY;
  o->max_body = 16u * 1024 * 1024;
  o->default_scheme = "http";
  o->snippet_len = 160;
  o->reorder_window = 1024;
  o->read_ahead = 4096;
  o->parse = 1;
  o->max_retry_after = 600;
  o->max_host_errors = 20;
  o->dns_rate = 4000;
}

AFETCH_API void afetch_options_init_size(afetch_options_t *o, size_t size)
{
  if (!o || size < sizeof(o->size))
    return;
  afetch_options_t d;
  options_defaults(&d);
  /* A newer caller's struct is longer: its extra fields stay zero, and
   * afetch_new refuses it (this library cannot honour them). */
  memset(o, 0, size);
  memcpy(o, &d, size < sizeof(d) ? size : sizeof(d));
  o->size = size;
}

AFETCH_API int afetch_global_init(void)
{
  if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
    return AFETCH_ECURL;
  if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
    curl_global_cleanup();
    return AFETCH_ENOMEM;
  }
  return 0;
}

AFETCH_API void afetch_global_cleanup(void)
{
  ares_library_cleanup();
  curl_global_cleanup();
}

static char *dup_or_null(const char *s)
{
  return s ? strdup(s) : NULL;
}

/* The TLS and proxy strings: copied, and cleared in a->o, so nothing
 * points into the caller's memory after afetch_new. */
static int copy_net_strings(afetch_t *a, const afetch_options_t *o)
{
  a->cacert = dup_or_null(o->cacert);
  a->capath = dup_or_null(o->capath);
  a->proxy = dup_or_null(o->proxy);
  a->noproxy = dup_or_null(o->noproxy);
  a->o.cacert = a->o.capath = a->o.proxy = a->o.noproxy = NULL;
  if ((o->cacert && !a->cacert) || (o->capath && !a->capath) ||
      (o->proxy && !a->proxy) || (o->noproxy && !a->noproxy))
    return AFETCH_ENOMEM;
  return 0;
}

static void free_net_strings(afetch_t *a)
{
  free(a->cacert);
  free(a->capath);
  free(a->proxy);
  free(a->noproxy);
}

static int check_options(const afetch_options_t *o)
{
  if (o->concurrency < 1 || o->per_host < 1 || o->rate < 0 || o->timeout <= 0 ||
      o->connect_timeout <= 0 || o->reorder_window < 1 || o->read_ahead < 1 ||
      o->mode > AFETCH_MODE_SEQUENTIAL || o->parse_nice < 0 ||
      o->parse_nice > 19 || !(o->dns_rate >= 0))
    return AFETCH_EINVAL;
  if (o->shard_n > 0 && o->shard_k >= o->shard_n)
    return AFETCH_EINVAL;
  if (o->default_scheme && strcmp(o->default_scheme, "http") != 0 &&
      strcmp(o->default_scheme, "https") != 0)
    return AFETCH_EINVAL;
  return 0;
}

static void on_xfer_done(void *ud, CURL *easy, CURLcode res)
{
  afetch_t *a = ud;
  af_xfer_done(&a->xfer, easy, res);
}

/* After every socket_action: the kick admits what the freed slots allow. */
static void on_after(void *ud)
{
  afetch_t *a = ud;
  if (a->ev.fatal && !a->fatal) {
    a->fatal = AFETCH_ECURL;
    afetch_stop(a); /* the multi handle is unusable: wind down */
  }
  af_engine_kick(a);
}

static void on_handle_closed(uv_handle_t *h)
{
  afetch_t *a = h->data;
  if (--a->handles_open == 0 && !a->own_loop)
    free(a);
}

AFETCH_API int afetch_new(afetch_t **out, struct uv_loop_s *loop,
                          const afetch_options_t *o,
                          const afetch_callbacks_t *cb)
{
  *out = NULL;
  if (!o || !cb || !cb->on_result)
    return AFETCH_EINVAL;
  /* Not set by afetch_options_init, or from a newer header: refused. */
  if (o->size < AF_OPTIONS_MIN_SIZE || o->size > sizeof(afetch_options_t))
    return AFETCH_EINVAL;
  afetch_options_t full;
  options_defaults(&full);
  memcpy(&full, o, o->size);
  full.size = sizeof(full);
  o = &full;
  int rc = check_options(o);
  if (rc)
    return rc;
  afetch_t *a = calloc(1, sizeof(*a));
  if (!a)
    return AFETCH_ENOMEM;
  a->o = *o;
  a->cb = *cb;
  char ua[64];
  snprintf(ua, sizeof(ua), "afetch/%s", AFETCH_VERSION);
  a->user_agent = strdup(o->user_agent ? o->user_agent : ua);
  a->default_scheme = strdup(o->default_scheme ? o->default_scheme : "http");
  a->output_dir = dup_or_null(o->output_dir);
  a->o.user_agent = NULL;
  a->o.default_scheme = NULL;
  a->o.output_dir = NULL;
  a->o.headers = NULL;
  rc = AFETCH_ENOMEM;
  if (!a->user_agent || !a->default_scheme || (o->output_dir && !a->output_dir))
    goto fail;
  if (copy_net_strings(a, o) != 0)
    goto fail;
  char perr[256];
  a->o.resolve = NULL;
  int prc = af_pins_build(&a->pins, o->resolve, perr, sizeof(perr));
  if (prc != 0) {
    rc = prc == -2 ? AFETCH_ENOMEM : AFETCH_EINVAL;
    goto fail;
  }
  for (const char *const *h = o->headers; h && *h; h++) {
    struct curl_slist *l = curl_slist_append(a->hdr_list, *h);
    if (!l)
      goto fail;
    a->hdr_list = l;
  }
  if (!loop) {
    a->loop = malloc(sizeof(*a->loop));
    if (!a->loop)
      goto fail;
    if (uv_loop_init(a->loop) != 0) {
      free(a->loop);
      a->loop = NULL;
      rc = AFETCH_EUV;
      goto fail;
    }
    a->own_loop = 1;
  }
  else {
    a->loop = loop;
  }
  a->output_dirfd = -1;
  if (a->output_dir) {
    a->output_dirfd = open(a->output_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (a->output_dirfd < 0) {
      rc = AFETCH_EINVAL;
      goto fail_loop;
    }
  }
  af_engine_init(a);
  /* The handles: each is closed in afetch_free, none keeps the loop alive
   * by itself (the work does). Each is counted once it is initialised,
   * so a failure closes exactly those. */
  rc = AFETCH_EUV;
  if (af_curlev_init(&a->ev, a->loop, on_xfer_done, on_after, a) != 0)
    goto fail_loop;
  a->handles_open = 2; /* curl's timer and its kick */
  a->ev.timer.data = &a->ev;
  if (uv_async_init(a->loop, &a->stop_async, af_engine_on_stop) != 0)
    goto fail_handles;
  a->handles_open++;
  uv_unref((uv_handle_t *)&a->stop_async);
  if (uv_idle_init(a->loop, &a->kicker) != 0)
    goto fail_handles;
  a->handles_open++;
  if (uv_check_init(a->loop, &a->flusher) != 0)
    goto fail_handles;
  a->handles_open++;
  uv_unref((uv_handle_t *)&a->flusher);
  if (uv_timer_init(a->loop, &a->progress_timer) != 0)
    goto fail_handles;
  a->handles_open++;
  uv_unref((uv_handle_t *)&a->progress_timer);
  if (uv_timer_init(a->loop, &a->wake_timer) != 0)
    goto fail_handles;
  a->handles_open++;
  if (af_dns_init(&a->dns, a->loop, af_engine_on_dns, a) != 0)
    goto fail_handles;
  a->handles_open++;
  a->stop_async.data = a->kicker.data = a->flusher.data = a;
  a->progress_timer.data = a->wake_timer.data = a;
  *out = a;
  return 0;

fail_handles:
  /* uv_*_init fails only on a broken loop: closed handles, the struct
   * freed by the last close callback (or at once with our own loop). */
  a->stopping = 1;
  afetch_free(a);
  return rc;

fail_loop:
  if (a->output_dirfd >= 0)
    close(a->output_dirfd);
  if (a->own_loop) {
    uv_loop_close(a->loop);
    free(a->loop);
  }
fail:
  af_pins_free(&a->pins);
  curl_slist_free_all(a->hdr_list);
  free(a->user_agent);
  free(a->default_scheme);
  free(a->output_dir);
  free_net_strings(a);
  free(a);
  return rc;
}

AFETCH_API int afetch_add_url(afetch_t *a, const char *url, size_t len)
{
  if (a->started)
    return AFETCH_ESTATE;
  return af_input_add_url(&a->in, url, len);
}

AFETCH_API int afetch_add_input_fd(afetch_t *a, int fd, int close_fd)
{
  if (a->started)
    return AFETCH_ESTATE;
  if (fd < 0)
    return AFETCH_EINVAL;
  return af_input_add_fd(&a->in, fd, close_fd);
}

AFETCH_API int afetch_add_input_buf(afetch_t *a, const void *buf, size_t len)
{
  if (a->started)
    return AFETCH_ESTATE;
  if (!buf && len > 0)
    return AFETCH_EINVAL;
  return af_input_add_buf(&a->in, buf, len);
}

AFETCH_API const char *afetch_input_error(const afetch_t *a, size_t *input)
{
  if (input)
    *input = a->in.err_input;
  return a->in.errmsg;
}

AFETCH_API int afetch_start(afetch_t *a)
{
  if (a->started)
    return AFETCH_ESTATE;
  a->started = 1;
  uv_check_start(&a->flusher, af_engine_on_check);
  int rc = af_engine_run_begin(a);
  if (rc != 0) {
    a->finished = 1;
    a->status = rc;
  }
  return rc;
}

AFETCH_API int afetch_run(afetch_t *a)
{
  if (!a->own_loop)
    return AFETCH_ESTATE;
  int rc = afetch_start(a);
  if (rc != 0)
    return rc;
  if (uv_run(a->loop, UV_RUN_DEFAULT) < 0)
    return AFETCH_EUV;
  if (!a->finished)
    return AFETCH_EUV; /* the loop ran dry before the run ended: a bug */
  return a->status;
}

AFETCH_API void afetch_stop(afetch_t *a)
{
  /* uv_async_send is async-signal-safe: fine from a SIGINT handler. */
  if (a)
    uv_async_send(&a->stop_async);
}

AFETCH_API int afetch_interrupted(const afetch_t *a)
{
  return a ? a->interrupted : 0;
}

static void close_handle(afetch_t *a, uv_handle_t *h)
{
  h->data = a;
  uv_close(h, on_handle_closed);
}

AFETCH_API void afetch_free(afetch_t *a)
{
  if (!a)
    return;
  if (a->running) {
    /* Freed mid-run: drop everything first. */
    a->stopping = 1;
    af_input_close(&a->in);
    af_engine_abort(a, 0);
    af_parse_orphan(&a->parse);
    for (af_item_t *it; (it = af_sched_take_any(&a->sched));)
      af_item_free(it);
    a->running = 0;
  }
  af_xfer_pool_free(&a->xfer);
  af_curlev_shut(&a->ev);
  af_dns_shut(&a->dns);
  af_pins_free(&a->pins);
  af_input_close(&a->in);
  /* Before any uv_run: a source whose close or file read is still pending
   * is handed to that callback, which then frees it without the engine. */
  af_input_free(&a->in);
  for (size_t i = 0; a->ring && i < a->window; i++)
    af_item_free(a->ring[i]);
  free(a->ring);
  af_sched_free(&a->sched);
  af_spill_free(&a->spill);
  curl_slist_free_all(a->hdr_list);
  free(a->user_agent);
  free(a->default_scheme);
  free(a->output_dir);
  free_net_strings(a);
  if (a->output_dirfd >= 0)
    close(a->output_dirfd);

  int own = a->own_loop;
  uv_loop_t *loop = a->loop;
  /* The handles that were initialised, in the order afetch_new did. */
  uv_handle_t *handles[] = {
      (uv_handle_t *)&a->ev.timer,   (uv_handle_t *)&a->ev.kick,
      (uv_handle_t *)&a->stop_async, (uv_handle_t *)&a->kicker,
      (uv_handle_t *)&a->flusher,    (uv_handle_t *)&a->progress_timer,
      (uv_handle_t *)&a->wake_timer, (uv_handle_t *)&a->dns.timer,
  };
  int n = a->handles_open;
  for (int i = 0; i < n; i++)
    close_handle(a, handles[i]);
  if (own) {
    /* Deliver the close callbacks (ours and any input stream's). */
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    free(loop);
    free(a);
    return;
  }
  /* With the caller's loop, the struct is freed by the last close
   * callback, when the caller next runs the loop. */
}

AFETCH_API int afetch_resolve_check(const char *entry, char *err, size_t errlen)
{
  char tmp[256];
  char *key = NULL, *e = NULL;
  if (!err || !errlen) {
    err = tmp;
    errlen = sizeof(tmp);
  }
  err[0] = '\0';
  if (!entry || af_pin_parse(entry, &key, &e, err, errlen) != 0)
    return AFETCH_EINVAL;
  free(key);
  free(e);
  return 0;
}

AFETCH_API const char *afetch_strerror(int code)
{
  switch (code) {
  case AFETCH_OK:
    return "success";
  case AFETCH_ENOMEM:
    return "out of memory";
  case AFETCH_EINVAL:
    return "invalid argument";
  case AFETCH_ECURL:
    return "libcurl failed";
  case AFETCH_EUV:
    return "libuv failed";
  case AFETCH_ESTATE:
    return "not allowed in this state";
  case AFETCH_EIO:
    return "reading an input failed";
  default:
    return "unknown error";
  }
}

AFETCH_API const char *afetch_version_string(void)
{
  /* Built once per call into a static buffer: this is the one piece of
   * static storage, read-only after it is written, for --version. */
  static char buf[512];
  curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
  snprintf(buf, sizeof(buf),
           "afetch/%s libcurl/%s %s%s%s libuv/%s gumbo/0.10 (built with "
           "libcurl %s)",
           AFETCH_VERSION, v->version, v->ssl_version ? v->ssl_version : "",
           v->nghttp2_version ? " nghttp2/" : "",
           v->nghttp2_version ? v->nghttp2_version : "", uv_version_string(),
           LIBCURL_VERSION);
  return buf;
}
