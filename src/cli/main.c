/* afetch: the command line, a thin client of afetch.h. It turns argv into
 * options, opens the inputs, prints what the engine delivers, and maps the
 * outcome to an exit status. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afetch.h"
#include "args.h"
#include "heap.h"
#include "output.h"
#include "waterfall.h"

static afetch_t *g_engine;
static volatile sig_atomic_t g_sigints;

/* First Ctrl-C: stop transfers and print the partial summary. Second: exit
 * at once. Both are async-signal-safe (afetch_stop is uv_async_send). */
static void on_sigint(int sig)
{
  (void)sig;
  if (g_sigints++ > 0)
    _exit(130);
  afetch_stop(g_engine);
}

/* Like curl's tool_main.c: make sure 0, 1 and 2 are open, or the first
 * sockets would become our stdin, stdout or stderr. */
static void ensure_std_fds(void)
{
  for (int fd = 0; fd < 3; fd++) {
    if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
      if (n >= 0 && n != fd) {
        dup2(n, fd);
        close(n);
      }
    }
  }
}

/* Each transfer needs a socket (two with the threaded resolver): raise the
 * soft limit to the hard one, and if that is still short, lower the
 * concurrency so transfers wait for a descriptor instead of failing. */
static void fit_fd_limit(afetch_options_t *o)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return;
  if (rl.rlim_cur < rl.rlim_max) {
    rlim_t want = rl.rlim_max;
    if (want == RLIM_INFINITY || want > 1048576)
      want = 1048576;
    rl.rlim_cur = want;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  rlim_t reserve = 32;
  if (rl.rlim_cur == RLIM_INFINITY)
    return;
  rlim_t room = rl.rlim_cur > reserve ? (rl.rlim_cur - reserve) / 2 : 1;
  if (room < 1)
    room = 1;
  if (o->concurrency > room) {
    fprintf(stderr,
            "afetch: only %llu file descriptors: concurrency lowered from %u "
            "to %llu\n",
            (unsigned long long)rl.rlim_cur, o->concurrency,
            (unsigned long long)room);
    o->concurrency = (unsigned)room;
  }
}

typedef struct {
  cli_out_t out;
  cli_wf_t *wf;
} app_t;

static void on_result(const afetch_result_t *r, void *ud)
{
  app_t *app = ud;
  if (app->wf)
    cli_wf_add(app->wf, r);
  cli_out_result(&app->out, r);
  if (app->out.write_error)
    afetch_stop(g_engine);
}

static void on_flush(void *ud)
{
  app_t *app = ud;
  cli_out_flush(&app->out);
  if (app->out.write_error)
    afetch_stop(g_engine);
}

static void on_run_end(const afetch_summary_t *s, void *ud)
{
  app_t *app = ud;
  if (app->wf)
    cli_wf_run_end(app->wf, s);
  /* A reader that went away (afetch ... | head -1) is not an error worth a
   * summary: end quietly. */
  if (app->out.write_error == EPIPE)
    return;
  cli_out_summary(&app->out, s);
}

static void on_progress(const afetch_progress_t *p, void *ud)
{
  app_t *app = ud;
  cli_out_progress(&app->out, p);
}

static int open_input(const char *path, int *fd)
{
  if (strcmp(path, "-") == 0) {
    *fd = STDIN_FILENO;
    return 0;
  }
  int f = open(path, O_RDONLY | O_CLOEXEC);
  if (f < 0) {
    fprintf(stderr, "afetch: cannot read '%s': %s\n", path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(f, &st) == 0 && S_ISDIR(st.st_mode)) {
    fprintf(stderr, "afetch: cannot read '%s': %s\n", path, strerror(EISDIR));
    close(f);
    return -1;
  }
  *fd = f;
  return 0;
}

int main(int argc, char **argv)
{
  ensure_std_fds();
  signal(SIGPIPE, SIG_IGN);

  cli_args_t args;
  int rc = cli_args_parse(&args, argc, argv);
  if (rc != 0) {
    cli_args_free(&args);
    return rc == 1 ? 0 : 2;
  }
  if (args.ninputs == 0 && isatty(STDIN_FILENO)) {
    cli_usage_short(stderr);
    cli_args_free(&args);
    return 2;
  }
  fit_fd_limit(&args.o);
  /* About what one connection costs in libcurl and the engine (W7: 92 MiB
   * for 5000 connections, W2: 28 MiB for 1000, 11 MiB for none). */
  cli_heap_warm((size_t)args.o.concurrency * 12 * 1024);
  if (args.o.output_dir && mkdir(args.o.output_dir, 0777) != 0 &&
      errno != EEXIST) {
    fprintf(stderr, "afetch: cannot create '%s': %s\n", args.o.output_dir,
            strerror(errno));
    cli_args_free(&args);
    return 2;
  }

  /* Open every input before any traffic: an unreadable file is exit 2. */
  int fds[args.ninputs > 0 ? args.ninputs : 1];
  int nfds = 0;
  if (args.ninputs == 0)
    fds[nfds++] = STDIN_FILENO;
  for (int i = 0; i < args.ninputs; i++) {
    if (open_input(args.inputs[i], &fds[nfds]) != 0) {
      for (int j = 0; j < nfds; j++)
        if (fds[j] != STDIN_FILENO)
          close(fds[j]);
      cli_args_free(&args);
      return 2;
    }
    nfds++;
  }

  if (afetch_global_init() != 0) {
    fprintf(stderr, "afetch: libcurl failed to initialise\n");
    return 2;
  }
  static app_t app;
  cli_out_init(&app.out, &args);
  if (args.waterfall) {
    app.wf = cli_wf_new(&args.o);
    if (!app.wf) {
      fprintf(stderr, "afetch: out of memory\n");
      return 2;
    }
  }
  /* Output is written by whole lines and flushed once per loop iteration
   * (on_flush), so a pipe reader sees results as they come without a
   * write(2) per line. */
  static char obuf[1 << 16];
  setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));

  afetch_callbacks_t cb = {
      .on_result = on_result,
      .on_run_end = on_run_end,
      .on_progress = app.out.progress ? on_progress : NULL,
      .on_flush = on_flush,
      .ud = &app,
  };
  if (app.out.progress)
    args.o.progress_ms = 100;
  afetch_t *a = NULL;
  rc = afetch_new(&a, NULL, &args.o, &cb);
  if (rc != 0) {
    if (rc == AFETCH_EINVAL && args.o.output_dir)
      fprintf(stderr, "afetch: cannot use '%s' as the output directory\n",
              args.o.output_dir);
    else
      fprintf(stderr, "afetch: %s\n", afetch_strerror(rc));
    return 2;
  }
  g_engine = a;
  for (int i = 0; i < nfds; i++) {
    rc = afetch_add_input_fd(a, fds[i], fds[i] != STDIN_FILENO);
    if (rc != 0) {
      fprintf(stderr, "afetch: %s\n", afetch_strerror(rc));
      return 2;
    }
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_sigint;
  /* SA_RESTART: a write to a slow stdout must not fail with EINTR (and
   * the run end as an output error) just because Ctrl-C was pressed. */
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);

  rc = afetch_run(a);
  int interrupted = afetch_interrupted(a);
  sa.sa_handler = SIG_DFL;
  sigaction(SIGINT, &sa, NULL);
  g_engine = NULL;
  afetch_free(a);

  int status = 0;
  cli_out_flush(&app.out);
  if (app.wf) {
    int e = cli_wf_write(app.wf, args.waterfall);
    if (e) {
      fprintf(stderr, "afetch: cannot write '%s': %s\n", args.waterfall,
              strerror(e));
      status = 1;
    }
    cli_wf_free(app.wf);
  }
  if (app.out.write_error == EPIPE) {
    status = 141; /* as if killed by SIGPIPE, and quietly */
  }
  else if (app.out.write_error) {
    fprintf(stderr, "afetch: error writing output: %s\n",
            strerror(app.out.write_error));
    status = 1;
  }
  else if (interrupted) {
    status = 130;
  }
  else if (rc == AFETCH_EIO) {
    fprintf(stderr, "afetch: reading the input failed\n");
    status = 2;
  }
  else if (rc != 0) {
    fprintf(stderr, "afetch: %s\n", afetch_strerror(rc));
    status = 1;
  }
  else if (status == 0 && (app.out.failed > 0 ||
                           (args.fail_http && app.out.http_errors > 0))) {
    status = 1;
  }
  cli_out_free(&app.out);
  cli_args_free(&args);
  afetch_global_cleanup();
  return status;
}
