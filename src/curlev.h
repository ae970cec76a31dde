/* libuv <-> libcurl multi glue: one uv_poll per socket, one uv_timer plus a
 * uv_idle "kick" for curl's timer (docs/DESIGN.md R1-R6). */
#ifndef AF_CURLEV_H
#define AF_CURLEV_H

#include <curl/curl.h>
#include <uv.h>

typedef struct af_pollctx af_pollctx_t;

/* Called for each finished transfer, after curl_multi_remove_handle, from
 * a libuv callback (never from inside libcurl), so it may add handles. */
typedef void (*af_curlev_done_cb)(void *ud, CURL *easy, CURLcode res);
/* Called once after each batch of completions (and after every
 * socket_action) so the owner can admit more transfers. */
typedef void (*af_curlev_after_cb)(void *ud);

#define AF_CURLEV_MAXERR 64

typedef struct {
  uv_loop_t *loop;
  CURLM *multi; /* NULL between runs */
  uv_timer_t timer;
  uv_idle_t kick;                         /* curl asked for a 0 ms timeout */
  af_pollctx_t *polls;                    /* registry of live poll contexts */
  curl_socket_t errfds[AF_CURLEV_MAXERR]; /* sockets uv could not watch */
  int nerr;
  int fatal; /* a curl_multi_socket_action error: the run is over */
  int closing_multi;
  af_curlev_done_cb on_done;
  af_curlev_after_cb after;
  void *ud;
} af_curlev_t;

/* Initialises the uv handles (call af_curlev_close before freeing). */
int af_curlev_init(af_curlev_t *ev, uv_loop_t *loop, af_curlev_done_cb done,
                   af_curlev_after_cb after, void *ud);
/* Creates a fresh multi handle: each run gets its own, so a second run does
 * not inherit warm DNS, connections and TLS sessions. max_streams is
 * CURLMOPT_MAX_CONCURRENT_STREAMS. The connection cache is sized from
 * concurrency (the transfers in flight at most). */
int af_curlev_open(af_curlev_t *ev, long concurrency);
int af_curlev_add(af_curlev_t *ev, CURL *easy);
void af_curlev_remove(af_curlev_t *ev, CURL *easy);
/* Cleans up the multi handle (all easies must be removed) and closes every
 * poll context it left behind. */
void af_curlev_shut(af_curlev_t *ev);
/* Closes the timer and the kick; the caller runs the loop so the close
 * callbacks fire. */
void af_curlev_close(af_curlev_t *ev);

#endif
