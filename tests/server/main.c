/* afserve [--host ADDR] [--port N] [--quiet] [--robots FILE]
 *         [--robots-status N] [--robots-redirects N]
 *
 * Listens on a loopback address only, prints the port and a newline on
 * stdout once listening, and stops cleanly on SIGTERM or SIGINT. */
#include "afserve.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define LISTEN_BACKLOG 8192 /* the kernel caps it at somaxconn */

static void usage(FILE *f)
{
  fputs("usage: afserve [--host ADDR] [--port N] [--quiet]\n"
        "  --host ADDR  loopback address to listen on (127.0.0.1)\n"
        "  --port N     port, 0 for an ephemeral one (0)\n"
        "  --quiet      no messages on stderr except fatal ones\n"
        "  --robots FILE      serve FILE as /robots.txt (200, text/plain)\n"
        "  --robots-status N  answer /robots.txt with status N (200-599)\n"
        "  --robots-redirects N  /robots.txt is N 301s away (0-20)\n"
        "Prints the port on stdout once listening.\n",
        f);
}

static void on_handle_closed(uv_handle_t *h)
{
  (void)h; /* the listener and signals are embedded in srv_t */
}

void srv_stop(srv_t *s, const char *why)
{
  if (why)
    fprintf(stderr, "afserve: stopping: %s\n", why);
  if (s->stopping)
    return;
  s->stopping = 1;
  uv_handle_t *hs[] = {(uv_handle_t *)&s->listener, (uv_handle_t *)&s->sigint,
                       (uv_handle_t *)&s->sigterm};
  for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
    if (hs[i]->loop && !uv_is_closing(hs[i]))
      uv_close(hs[i], on_handle_closed);
  for (conn_t *c = s->conns; c; c = c->next)
    conn_close(c, 0);
}

static void on_signal(uv_signal_t *h, int signum)
{
  srv_t *s = h->data;
  (void)signum;
  srv_stop(s, NULL);
}

static void on_connection(uv_stream_t *server, int status)
{
  srv_t *s = server->data;
  if (status < 0) {
    /* EMFILE and friends: libuv has already dropped the connection; keep
     * serving the others. */
    if (!s->quiet)
      fprintf(stderr, "afserve: accept: %s\n", uv_strerror(status));
    return;
  }
  conn_accept(s);
}

static void on_walk(uv_handle_t *h, void *arg)
{
  (void)arg;
  fprintf(stderr, "afserve: handle left open: %s\n",
          uv_handle_type_name(h->type));
}

/* 5000 benchmark connections need more descriptors than the usual 1024. */
static void raise_nofile(int quiet)
{
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl))
    return;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) && !quiet)
      perror("afserve: setrlimit");
  }
  if (rl.rlim_cur < 6000 && !quiet)
    fprintf(stderr, "afserve: warning: only %lu file descriptors\n",
            (unsigned long)rl.rlim_cur);
}

/* Fills addr from host and port; only loopback addresses pass. */
static int loopback_addr(const char *host, int port,
                         struct sockaddr_storage *addr)
{
  if (!strcmp(host, "localhost"))
    host = "127.0.0.1";
  struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
  memset(addr, 0, sizeof *addr);
  if (uv_ip4_addr(host, port, a4) == 0) {
    const unsigned char *b = (const unsigned char *)&a4->sin_addr;
    return b[0] == 127 ? 0 : -1;
  }
  memset(addr, 0, sizeof *addr);
  if (uv_ip6_addr(host, port, a6) == 0)
    return IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr) ? 0 : -1;
  return -1;
}

/* A closed fd 0, 1 or 2 would be reused by a socket, and the port line
 * written to it. */
static void ensure_std_fds(void)
{
  for (int fd = 0; fd < 3; fd++) {
    if (fcntl(fd, F_GETFD) != -1)
      continue;
    int n = open("/dev/null", O_RDWR);
    if (n >= 0 && n != fd)
      close(n);
  }
}

/* The whole file, for /robots.txt (at most 4 MiB: tests only). */
static char *read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 4u << 20;
  char *p = malloc(cap);
  *len = p ? fread(p, 1, cap, f) : 0;
  fclose(f);
  return p;
}

typedef struct {
  const char *robots_file;
  int robots_status;
  int robots_redirects;
} extra_args_t;

static int parse_args(int argc, char **argv, const char **host, int *port,
                      int *quiet, extra_args_t *x)
{
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
      *quiet = 1;
    }
    else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      exit(0);
    }
    else if (!strcmp(a, "--host") && i + 1 < argc) {
      *host = argv[++i];
    }
    else if (!strncmp(a, "--host=", 7)) {
      *host = a + 7;
    }
    else if (!strcmp(a, "--robots") && i + 1 < argc) {
      x->robots_file = argv[++i];
    }
    else if (!strcmp(a, "--robots-status") && i + 1 < argc) {
      uint64_t n;
      const char *v = argv[++i];
      if (parse_u64(v, strlen(v), 599, &n) || n < 200) {
        fprintf(stderr, "afserve: bad --robots-status: %s\n", v);
        return -1;
      }
      x->robots_status = (int)n;
    }
    else if (!strcmp(a, "--robots-redirects") && i + 1 < argc) {
      uint64_t n;
      const char *v = argv[++i];
      if (parse_u64(v, strlen(v), 20, &n)) {
        fprintf(stderr, "afserve: bad --robots-redirects: %s\n", v);
        return -1;
      }
      x->robots_redirects = (int)n;
    }
    else if ((!strcmp(a, "--port") && i + 1 < argc) ||
             !strncmp(a, "--port=", 7)) {
      const char *v = a[6] == '=' ? a + 7 : argv[++i];
      uint64_t n;
      if (parse_u64(v, strlen(v), 65535, &n)) {
        fprintf(stderr, "afserve: bad port: %s\n", v);
        return -1;
      }
      *port = (int)n;
    }
    else {
      fprintf(stderr, "afserve: unknown argument: %s\n", a);
      usage(stderr);
      return -1;
    }
  }
  return 0;
}

/* Binds and listens; prints the port. Handles opened here are closed by
 * srv_stop on failure. */
static int start(srv_t *s, const struct sockaddr_storage *addr)
{
  int rc = uv_tcp_init(s->loop, &s->listener);
  if (rc)
    goto fail;
  s->listener.data = s;
  rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)addr, 0);
  if (rc)
    goto fail;
  rc = uv_listen((uv_stream_t *)&s->listener, LISTEN_BACKLOG, on_connection);
  if (rc)
    goto fail;
  struct sockaddr_storage bound;
  int len = sizeof bound;
  rc = uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &len);
  if (rc)
    goto fail;
  int port = bound.ss_family == AF_INET6
                 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                 : ntohs(((struct sockaddr_in *)&bound)->sin_port);

  uv_signal_t *sigs[] = {&s->sigint, &s->sigterm};
  int nums[] = {SIGINT, SIGTERM};
  for (int i = 0; i < 2; i++) {
    rc = uv_signal_init(s->loop, sigs[i]);
    if (rc)
      goto fail;
    sigs[i]->data = s;
    rc = uv_signal_start(sigs[i], on_signal, nums[i]);
    if (rc)
      goto fail;
  }

  if (printf("%d\n", port) < 0 || fflush(stdout)) {
    fprintf(stderr, "afserve: cannot write the port to stdout\n");
    return -1;
  }
  if (!s->quiet)
    fprintf(stderr, "afserve: listening on port %d\n", port);
  return 0;

fail:
  fprintf(stderr, "afserve: %s\n", uv_strerror(rc));
  return -1;
}

int main(int argc, char **argv)
{
  const char *host = "127.0.0.1";
  int port = 0;
  int quiet = 0;
  extra_args_t x = {NULL, 0, 0};
  ensure_std_fds();
  if (parse_args(argc, argv, &host, &port, &quiet, &x))
    return 2;
  struct sockaddr_storage addr;
  if (loopback_addr(host, port, &addr)) {
    fprintf(stderr,
            "afserve: refusing %s: only loopback addresses (127.x.x.x, ::1)\n",
            host);
    return 2;
  }
  /* A client that goes away mid-write must cost an EPIPE, not the server. */
  signal(SIGPIPE, SIG_IGN);
  raise_nofile(quiet);

  srv_t *s = calloc(1, sizeof *s);
  uv_loop_t loop;
  if (!s) {
    fprintf(stderr, "afserve: out of memory\n");
    return 1;
  }
  int rc = uv_loop_init(&loop);
  if (rc) {
    fprintf(stderr, "afserve: %s\n", uv_strerror(rc));
    free(s);
    return 1;
  }
  s->loop = &loop;
  s->quiet = quiet;
  s->robots_status = x.robots_status;
  s->robots_redirects = x.robots_redirects;
  if (x.robots_file) {
    s->robots_body = read_file(x.robots_file, &s->robots_len);
    if (!s->robots_body) {
      fprintf(stderr, "afserve: cannot read %s\n", x.robots_file);
      uv_loop_close(&loop);
      free(s);
      return 2;
    }
  }
  int status = 0;
  if (start(s, &addr)) {
    srv_stop(s, NULL);
    status = 1;
  }
  rc = uv_run(&loop, UV_RUN_DEFAULT);
  (void)rc; /* nonzero only when uv_stop was called, which we never do */
  srv_free_tables(s);
  rc = uv_loop_close(&loop);
  if (rc) {
    fprintf(stderr, "afserve: uv_loop_close: %s\n", uv_strerror(rc));
    uv_walk(&loop, on_walk, NULL);
    status = 1;
  }
  free(s->robots_body);
  free(s);
  return status;
}
