/* afetch inside a libuv program that has its own work on the loop: here a
 * heartbeat timer. afetch runs on the caller's loop (afetch_new with a
 * loop), tells when it is done (on_done), and the program keeps control of
 * the loop. Usage: embed URL...  */
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "afetch.h"

typedef struct {
  uv_timer_t heartbeat;
  int beats;
  int results;
  int done;
} app_t;

static void on_beat(uv_timer_t *t)
{
  app_t *app = t->data;
  app->beats++;
}

static void on_result(const afetch_result_t *r, void *ud)
{
  app_t *app = ud;
  app->results++;
  printf("result %d: %d %s\n", app->results, r->status,
         r->title ? r->title : (r->error ? r->error : "-"));
}

static void on_done(int status, void *ud)
{
  app_t *app = ud;
  app->done = 1;
  printf("afetch done (%s); the heartbeat kept beating: %d beats\n",
         afetch_strerror(status), app->beats);
  /* Our own handle is ours to close; afetch closes its own in
   * afetch_free. */
  uv_close((uv_handle_t *)&app->heartbeat, NULL);
}

int main(int argc, char **argv)
{
  uv_loop_t loop;
  app_t app = {0};
  if (uv_loop_init(&loop) != 0 || afetch_global_init() != 0)
    return 1;
  uv_timer_init(&loop, &app.heartbeat);
  app.heartbeat.data = &app;
  uv_timer_start(&app.heartbeat, on_beat, 1, 1);

  afetch_options_t o;
  afetch_options_init(&o);
  afetch_callbacks_t cb = {
      .on_result = on_result, .on_done = on_done, .ud = &app};
  afetch_t *a;
  if (afetch_new(&a, &loop, &o, &cb) != 0)
    return 1;
  for (int i = 1; i < argc; i++)
    afetch_add_url(a, argv[i], strlen(argv[i]));
  if (afetch_start(a) != 0)
    return 1;
  uv_run(&loop, UV_RUN_DEFAULT);
  afetch_free(a);
  uv_run(&loop, UV_RUN_DEFAULT); /* afetch's close callbacks */
  int closed = uv_loop_close(&loop) == 0;
  printf("loop closed cleanly: %s\n", closed ? "yes" : "no");
  afetch_global_cleanup();
  return app.done && closed && app.results == argc - 1 ? 0 : 1;
}
