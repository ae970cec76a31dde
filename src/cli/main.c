/* afetch: the command line, a thin client of afetch.h. It turns argv into
 * options, opens the inputs, prints what the engine delivers, and maps the
 * outcome to an exit status. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afetch.h"
#include "args.h"
#include "heap.h"
#include "hostlog.h"
#include "output.h"
#include "plan.h"
#include "resume.h"
#include "waterfall.h"

static afetch_t *g_engine;
static int g_hostlog_failed; /* --host-log could not be written */
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
  cli_out_redraw_progress(&app->out);
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

/* An argument that names no file and starts with http:// or https:// is a
 * URL, as for curl; an existing file of that name is still read. */
static int is_url_arg(const char *arg)
{
  struct stat st;
  return (strncasecmp(arg, "http://", 7) == 0 ||
          strncasecmp(arg, "https://", 8) == 0) &&
         stat(arg, &st) != 0;
}

/* One input argument, opened before any traffic: a file or stdin (fd), or
 * a URL given on the command line (url, fd -1). */
typedef struct {
  int fd;
  const char *url;
  const char *name; /* for messages: the argument, or "stdin" */
} input_t;

/* "example.com" or "example.com/a": what a curl user types for a URL. A
 * name with a list's extension, or a path, is taken for a missing file. */
static int looks_like_host(const char *arg)
{
  static const char *const list_ext[] = {".txt",  ".gz",    ".csv", ".lst",
                                         ".json", ".jsonl", ".urls"};
  size_t hl = strcspn(arg, "/");
  if (hl == 0 || arg[0] == '.' || !memchr(arg, '.', hl) || strpbrk(arg, " \t"))
    return 0;
  for (size_t i = 0; i < sizeof(list_ext) / sizeof(list_ext[0]); i++) {
    size_t el = strlen(list_ext[i]);
    if (hl >= el && strncasecmp(arg + hl - el, list_ext[i], el) == 0)
      return 0;
  }
  return 1;
}

static int open_input(const char *path, input_t *in)
{
  in->fd = -1;
  in->url = NULL;
  in->name = path;
  if (strcmp(path, "-") == 0) {
    in->name = "stdin";
    in->fd = STDIN_FILENO;
    return 0;
  }
  if (is_url_arg(path)) {
    in->url = path;
    return 0;
  }
  int f = open(path, O_RDONLY | O_CLOEXEC);
  if (f < 0) {
    int e = errno;
    fprintf(stderr, "afetch: cannot read '%s': %s", path, strerror(e));
    if (e == ENOENT && looks_like_host(path))
      fprintf(stderr, " (to fetch it as a URL: afetch http://%s)", path);
    fputc('\n', stderr);
    return -1;
  }
  struct stat st;
  if (fstat(f, &st) == 0 && S_ISDIR(st.st_mode)) {
    fprintf(stderr, "afetch: cannot read '%s': %s\n", path, strerror(EISDIR));
    close(f);
    return -1;
  }
  in->fd = f;
  return 0;
}

static void close_inputs(input_t *in, int n)
{
  for (int i = 0; i < n; i++)
    if (in[i].fd > STDIN_FILENO)
      close(in[i].fd);
}

static int path_error(const char *opt, const char *path, int e)
{
  fprintf(stderr, "afetch: %s '%s': %s\n", opt, path, strerror(e));
  return -1;
}

/* The directory a new file at path would go in must exist and take it. */
static int check_parent(const char *opt, const char *path)
{
  char *copy = strdup(path);
  if (!copy)
    return path_error(opt, path, ENOMEM);
  char *slash = strrchr(copy, '/');
  const char *dir = slash ? (slash == copy ? "/" : copy) : ".";
  if (slash && slash != copy)
    *slash = '\0';
  struct stat st;
  int e = 0;
  if (stat(dir, &st) != 0)
    e = errno;
  else if (!S_ISDIR(st.st_mode))
    e = ENOTDIR;
  else if (access(dir, W_OK | X_OK) != 0)
    e = errno;
  free(copy);
  return e ? path_error(opt, path, e) : 0;
}

/* A file afetch will write at the end (--waterfall, replaced through a
 * temporary file beside it, or written in place when it is a device) or
 * at once (-o): found unwritable now, before the first request, not after
 * the whole run. */
static int check_out_file(const char *opt, const char *path)
{
  struct stat st;
  if (stat(path, &st) != 0)
    return errno == ENOENT ? check_parent(opt, path)
                           : path_error(opt, path, errno);
  if (S_ISDIR(st.st_mode))
    return path_error(opt, path, EISDIR);
  if (access(path, W_OK) != 0)
    return path_error(opt, path, errno);
  return S_ISREG(st.st_mode) ? check_parent(opt, path) : 0;
}

/* --save-dir: an existing directory afetch may write in, or one it can
 * create. */
static int check_save_dir(const char *path)
{
  struct stat st;
  if (stat(path, &st) != 0)
    return errno == ENOENT ? check_parent("--save-dir", path)
                           : path_error("--save-dir", path, errno);
  if (!S_ISDIR(st.st_mode))
    return path_error("--save-dir", path, ENOTDIR);
  if (access(path, W_OK | X_OK) != 0)
    return path_error("--save-dir", path, errno);
  return 0;
}

/* -o FILE must not be one of the inputs: opening it truncates it (and
 * --resume would rewrite it). */
static int output_is_input(const char *opt, const char *out, const input_t *in,
                           int n)
{
  struct stat so, si;
  if (stat(out, &so) != 0)
    return 0;
  for (int i = 0; i < n; i++)
    if (in[i].fd >= 0 && fstat(in[i].fd, &si) == 0 && si.st_dev == so.st_dev &&
        si.st_ino == so.st_ino && S_ISREG(si.st_mode)) {
      fprintf(stderr,
              "afetch: %s '%s' is also an input: it would be "
              "emptied before it is read\n",
              opt, out);
      return 1;
    }
  return 0;
}

/* Trust anchors must be there: a typo would otherwise fail every https
 * URL, one by one. */
static int check_trust(const cli_args_t *c)
{
  struct stat st;
  if (c->o.cacert) {
    int f = open(c->o.cacert, O_RDONLY | O_CLOEXEC);
    int e = f < 0 ? errno : 0;
    if (f >= 0 && fstat(f, &st) == 0 && S_ISDIR(st.st_mode))
      e = EISDIR;
    if (f >= 0)
      close(f);
    if (e)
      return path_error(c->cacert_from, c->o.cacert, e);
  }
  if (c->o.capath) {
    if (stat(c->o.capath, &st) != 0)
      return path_error(c->capath_from, c->o.capath, errno);
    if (!S_ISDIR(st.st_mode))
      return path_error(c->capath_from, c->o.capath, ENOTDIR);
  }
  return 0;
}

/* Every output path is checked before anything is created, and -o FILE is
 * opened (and emptied) last, so a bad path costs no run and no file. */
static int prepare_outputs(const cli_args_t *c, const input_t *in, int n,
                           cli_resume_t *resume)
{
  if (c->waterfall && check_out_file("--waterfall", c->waterfall) != 0)
    return -1;
  if (c->host_log && check_out_file("--host-log", c->host_log) != 0)
    return -1;
  if (c->o.output_dir && check_save_dir(c->o.output_dir) != 0)
    return -1;
  if (c->output && (check_out_file("-o", c->output) != 0 ||
                    output_is_input("-o", c->output, in, n)))
    return -1;
  if (c->resume && (check_out_file("--resume", c->resume) != 0 ||
                    output_is_input("--resume", c->resume, in, n)))
    return -1;
  if (c->o.output_dir && mkdir(c->o.output_dir, 0777) != 0 && errno != EEXIST)
    return path_error("--save-dir", c->o.output_dir, errno);
  if (c->resume) {
    char err[512];
    resume->redo_mask = c->redo_mask;
    int fd = cli_resume_open(resume, c->resume, err, sizeof(err));
    if (fd < 0) {
      fprintf(stderr, "afetch: --resume '%s': %s\n", c->resume, err);
      return -1;
    }
    int rc = dup2(fd, STDOUT_FILENO);
    int e = errno;
    close(fd);
    if (rc < 0)
      return path_error("--resume", c->resume, e);
  }
  if (c->output) {
    int fd = open(c->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
      return path_error("-o", c->output, errno);
    /* The results stream is stdout for the rest of the program, so -o
     * changes where, never how, results are written. */
    int rc = dup2(fd, STDOUT_FILENO);
    int e = errno;
    close(fd);
    if (rc < 0)
      return path_error("-o", c->output, e);
  }
  return 0;
}

/* An input read into memory for --compare. */
typedef struct {
  char *data;
  size_t len;
  int used;
} membuf_t;

/* Reads fd to its end into m. Returns 0, ENOMEM, or the errno of a failed
 * read (what was read before it is kept). */
static int read_all(int fd, membuf_t *m)
{
  size_t cap = 0;
  for (;;) {
    if (m->len == cap) {
      size_t ncap = cap ? cap * 2 : 64 * 1024;
      char *p = realloc(m->data, ncap);
      if (!p)
        return ENOMEM;
      m->data = p;
      cap = ncap;
    }
    ssize_t n = read(fd, m->data + m->len, cap - m->len);
    if (n == 0)
      return 0;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return errno;
    }
    m->len += (size_t)n;
  }
}

#define RUN_SETUP_FAILED (-1000) /* afetch_new or an input was refused */

/* Why an input failed, for the message at the end (run_engine). */
static char g_input_err[512] = "reading the input failed";

/* One engine over the inputs (from memory where mem[i].used): returns
 * afetch_run's status, or RUN_SETUP_FAILED after saying why. */
static int run_engine(cli_args_t *args, const afetch_callbacks_t *cb,
                      const input_t *ins, int nins, const membuf_t *mem,
                      int *interrupted)
{
  afetch_t *a = NULL;
  int rc = afetch_new(&a, NULL, &args->o, cb);
  if (rc != 0) {
    if (rc == AFETCH_EINVAL && args->o.output_dir)
      fprintf(stderr, "afetch: cannot use '%s' as the --save-dir directory\n",
              args->o.output_dir);
    else
      fprintf(stderr, "afetch: %s\n", afetch_strerror(rc));
    return RUN_SETUP_FAILED;
  }
  /* In argument order: the engine reads its inputs in the order added, so
   * line numbers are those of the arguments concatenated. */
  for (int i = 0; i < nins; i++) {
    if (ins[i].url)
      rc = afetch_add_url(a, ins[i].url, strlen(ins[i].url));
    else if (mem[i].used)
      rc = afetch_add_input_buf(a, mem[i].data, mem[i].len);
    else
      rc = afetch_add_input_fd(a, ins[i].fd, ins[i].fd != STDIN_FILENO);
    if (rc != 0) {
      fprintf(stderr, "afetch: %s\n", afetch_strerror(rc));
      afetch_free(a);
      return RUN_SETUP_FAILED;
    }
  }
  g_engine = a;
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_sigint;
  /* SA_RESTART: a write to a slow stdout must not fail with EINTR (and
   * the run end as an output error) just because Ctrl-C was pressed. */
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);

  rc = afetch_run(a);
  *interrupted |= afetch_interrupted(a);
  if (rc == AFETCH_EIO) {
    size_t k = 0;
    const char *why = afetch_input_error(a, &k);
    snprintf(g_input_err, sizeof(g_input_err), "reading %s failed%s%s",
             k < (size_t)nins ? ins[k].name : "the input", *why ? ": " : "",
             why);
  }
  if (args->host_log) {
    int e =
        cli_hostlog_write(a, args->host_log, (int)args->o.run, args->o.run > 0);
    if (e) {
      fprintf(stderr, "afetch: cannot write '%s': %s\n", args->host_log,
              strerror(e));
      g_hostlog_failed = 1;
    }
  }
  sa.sa_handler = SIG_DFL;
  sigaction(SIGINT, &sa, NULL);
  g_engine = NULL;
  afetch_free(a);
  return rc;
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

  /* Open every input and check every output before any traffic: an
   * unreadable file or an unwritable path is exit 2. */
  input_t ins[args.ninputs > 0 ? args.ninputs : 1];
  int nins = 0;
  if (args.ninputs == 0)
    ins[nins++] = (input_t){.fd = STDIN_FILENO, .name = "stdin"};
  for (int i = 0; i < args.ninputs; i++) {
    if (open_input(args.inputs[i], &ins[nins]) != 0) {
      close_inputs(ins, nins);
      cli_args_free(&args);
      return 2;
    }
    nins++;
  }
  if (args.plan) {
    /* No output file, no trust store, no engine: nothing here may reach
     * the network or change a file. */
    cli_plan_input_t pins[nins];
    for (int i = 0; i < nins; i++)
      pins[i] = (cli_plan_input_t){.fd = ins[i].fd, .url = ins[i].url};
    if (afetch_global_init() != 0) {
      fprintf(stderr, "afetch: libcurl failed to initialise\n");
      close_inputs(ins, nins);
      cli_args_free(&args);
      return 2;
    }
    rc = cli_plan_run(&args, pins, nins);
    cli_args_free(&args);
    afetch_global_cleanup();
    return rc;
  }
  static cli_resume_t resume;
  if (check_trust(&args) != 0 ||
      prepare_outputs(&args, ins, nins, &resume) != 0) {
    close_inputs(ins, nins);
    cli_resume_free(&resume);
    cli_args_free(&args);
    return 2;
  }
  if (args.resume) {
    args.o.skip_line = cli_resume_done;
    args.o.skip_ud = &resume;
  }

  if (afetch_global_init() != 0) {
    fprintf(stderr, "afetch: libcurl failed to initialise\n");
    return 2;
  }
  static app_t app;
  cli_out_init(&app.out, &args);
  if (args.resume)
    app.out.resume = &resume;
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
  /* --compare: both runs must see the same list, and a pipe can be read
   * only once, so every input is read into memory first. */
  membuf_t mem[nins];
  memset(mem, 0, sizeof(mem));
  int read_failed = 0;
  if (args.compare) {
    for (int i = 0; i < nins; i++) {
      if (ins[i].url)
        continue;
      int e = read_all(ins[i].fd, &mem[i]);
      if (e == ENOMEM) {
        fprintf(stderr, "afetch: out of memory\n");
        return 2;
      }
      read_failed |= e != 0;
      mem[i].used = 1;
      if (ins[i].fd > STDIN_FILENO)
        close(ins[i].fd);
      ins[i].fd = -1;
    }
  }
  int interrupted = 0;
  rc = run_engine(&args, &cb, ins, nins, mem, &interrupted);
  /* A read that failed ends the job after the lines it read, as the
   * engine does for an input it reads itself. */
  if (rc == 0 && read_failed)
    rc = AFETCH_EIO;
  if (args.compare && rc == 0 && !interrupted && !app.out.write_error) {
    args.o.mode = AFETCH_MODE_CONCURRENT;
    args.o.run = 1;
    rc = run_engine(&args, &cb, ins, nins, mem, &interrupted);
  }
  for (int i = 0; i < nins; i++)
    free(mem[i].data);
  if (rc == RUN_SETUP_FAILED)
    return 2;

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
  if (g_hostlog_failed)
    status = 1;
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
    fprintf(stderr, "afetch: %s\n", g_input_err);
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
  cli_resume_free(&resume);
  cli_args_free(&args);
  afetch_global_cleanup();
  return status;
}
