/* measure: run one command and report what it cost.
 *
 *   measure [-i IN] [-o OUT] [-e ERR] [-n NOFILE] [-t SECS] [-w SECS]
 *           [-r FILE] [-T] [-s PID]... -- CMD ARG...
 *
 * Forks, execs CMD (in its own process group; stdin/stdout/stderr from the
 * given files, /dev/null by default for stdin), waits for it with wait4()
 * and prints one line on stdout:
 *
 *   wall=S user=S sys=S cpu=S maxrss_kb=K status=N servers=S others=S
 *   steal=S waited=S
 *
 * wall       elapsed seconds (CLOCK_MONOTONIC, fork to reap)
 * user, sys  CPU seconds of the child and of every descendant it waited for
 *            (wait4's rusage: for xargs and sh that is all of their curls)
 * maxrss_kb  ru_maxrss from wait4: the peak RSS of the largest single
 *            process of the tree, not the sum (xargs -P N runs N curls at
 *            once; their sum is not measured)
 * status     exit status, 128+N for a signal, 124 for the timeout
 * servers    CPU seconds the processes given with -s used meanwhile
 *            (utime+stime from /proc/PID/stat, clock ticks)
 * others     CPU seconds the rest of the machine used meanwhile: busy time
 *            of /proc/stat (user+nice+system over all CPUs) minus the child
 *            tree and the servers. A benchmark run during which others is
 *            large was disturbed, and run.sh redoes it.
 * steal      CPU seconds the hypervisor took (information only)
 * waited     seconds spent waiting for a quiet machine before the start
 *
 * -w SECS first waits, SECS at most, for a 200 ms window in which the
 * machine is quiet (less than 10 % of one core busy).
 *
 * -r FILE samples, every 250 ms, the largest RSS of the processes in the
 * child's process group and appends "SECONDS RSS_KB" lines to FILE (to see
 * whether memory stays flat over a long run).
 *
 * -T samples, every 10 ms, the threads of each process of the child's
 * group (num_threads of /proc/PID/stat) and adds threads_max=N, the most
 * seen in one process, to the line (a resolver's thread per lookup shows
 * up there).
 *
 * -n NOFILE sets the soft RLIMIT_NOFILE of the child before exec (to check
 * that a program raises it by itself); -t SECS kills the child's process
 * group after SECS seconds (default 600). */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SERVERS 64

static volatile sig_atomic_t g_timed_out;
static volatile sig_atomic_t g_stop_sig;

static void on_alarm(int sig)
{
  (void)sig;
  g_timed_out = 1;
}

static void on_stop(int sig)
{
  g_stop_sig = sig;
}

struct cpustat {
  unsigned long long busy, steal;
};

static int read_cpustat(struct cpustat *c)
{
  FILE *f = fopen("/proc/stat", "r");
  if (!f)
    return -1;
  unsigned long long v[10] = {0};
  int n =
      fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
             &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9]);
  fclose(f);
  if (n < 4)
    return -1;
  /* user nice system idle iowait irq softirq steal guest guest_nice:
   * guest time is already inside user; irq and softirq are left out because
   * they are not charged to any process and loopback traffic makes them. */
  c->busy = v[0] + v[1] + v[2];
  c->steal = n >= 8 ? v[7] : 0;
  return 0;
}

/* utime+stime of one process, in clock ticks; 0 if it is gone. */
static unsigned long long proc_ticks(pid_t pid)
{
  char path[64], buf[4096];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0)
    return 0;
  buf[n] = 0;
  char *p = strrchr(buf, ')'); /* the command name may hold spaces */
  if (!p)
    return 0;
  p++;
  unsigned long long ut = 0, st = 0;
  /* after ')': state(3) ppid pgrp session tty tpgid flags minflt cminflt
   * majflt cmajflt utime(14) stime(15) */
  if (sscanf(p, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
             &st) != 2)
    return 0;
  return ut + st;
}

/* The largest RSS, in KiB, among the processes of process group pgrp: the
 * program under test may be a pipeline (sh -c 'cat | afetch -'). With
 * threads, also raises *threads to the most threads of one of them. */
static long group_rss_kb(pid_t pgrp, long *threads)
{
  DIR *d = opendir("/proc");
  if (!d)
    return 0;
  long page_kb = sysconf(_SC_PAGESIZE) / 1024, best = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!isdigit((unsigned char)e->d_name[0]))
      continue;
    char path[300], buf[4096];
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
      continue;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
      continue;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p)
      continue;
    /* after ')': state(3) ppid pgrp(5) ... vsize(23) rss(24), in pages */
    int pg;
    long rss, nth;
    if (sscanf(p + 1,
               " %*c %*d %d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d"
               " %*d %*d %ld %*d %*u %*u %ld",
               &pg, &nth, &rss) != 3)
      continue;
    if (pg == (int)pgrp && rss * page_kb > best)
      best = rss * page_kb;
    if (pg == (int)pgrp && threads && nth > *threads)
      *threads = nth;
  }
  closedir(d);
  return best;
}

static double now_sec(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int open_or_die(const char *path, int flags)
{
  int fd = open(path, flags, 0644);
  if (fd < 0) {
    fprintf(stderr, "measure: %s: %s\n", path, strerror(errno));
    _exit(127);
  }
  return fd;
}

static double tv_sec(struct timeval tv)
{
  return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void usage(void)
{
  fprintf(stderr, "usage: measure [-i IN] [-o OUT] [-e ERR] [-n NOFILE] "
                  "[-t SECS] [-w SECS] [-r FILE] [-T] [-s PID]... -- CMD "
                  "[ARG...]\n");
  exit(2);
}

int main(int argc, char **argv)
{
  const char *in = "/dev/null", *out = NULL, *err = NULL, *rss_path = NULL;
  long nofile = -1, timeout = 600, quiet_wait = 0;
  pid_t servers[MAX_SERVERS];
  int nservers = 0, opt, sample_threads = 0;
  long threads_max = 0;
  while ((opt = getopt(argc, argv, "+i:o:e:n:t:s:w:r:T")) != -1) {
    switch (opt) {
    case 'i':
      in = optarg;
      break;
    case 'o':
      out = optarg;
      break;
    case 'e':
      err = optarg;
      break;
    case 'n':
      nofile = strtol(optarg, NULL, 10);
      break;
    case 't':
      timeout = strtol(optarg, NULL, 10);
      break;
    case 'w':
      quiet_wait = strtol(optarg, NULL, 10);
      break;
    case 'r':
      rss_path = optarg;
      break;
    case 'T':
      sample_threads = 1;
      break;
    case 's':
      if (nservers < MAX_SERVERS)
        servers[nservers++] = (pid_t)strtol(optarg, NULL, 10);
      break;
    default:
      usage();
    }
  }
  if (optind >= argc)
    usage();
  char **cmd = argv + optind;
  long hz = sysconf(_SC_CLK_TCK);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, NULL);
  sa.sa_handler = on_stop;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);

  struct cpustat c0, c1;
  unsigned long long s0 = 0, s1 = 0;
  /* -w: wait (at most quiet_wait seconds) for a quiet machine first: a
   * 200 ms window in which the rest of the machine used less than 10 % of
   * one core. */
  double wait0 = now_sec();
  for (long waited = 0; waited < quiet_wait * 5 && !g_stop_sig; waited++) {
    struct cpustat q0, q1;
    read_cpustat(&q0);
    struct timespec nap = {0, 200000000};
    nanosleep(&nap, NULL);
    read_cpustat(&q1);
    if ((double)(q1.busy - q0.busy) / (double)hz <
        0.2 * 0.10 + 1.0 / (double)hz)
      break;
  }
  double waited_s = now_sec() - wait0;
  FILE *rss_file = NULL;
  if (rss_path) {
    rss_file = fopen(rss_path, "w");
    if (!rss_file) {
      fprintf(stderr, "measure: %s: %s\n", rss_path, strerror(errno));
      return 125;
    }
  }
  struct rusage self0;
  getrusage(RUSAGE_SELF, &self0);
  read_cpustat(&c0);
  for (int i = 0; i < nservers; i++)
    s0 += proc_ticks(servers[i]);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);

  pid_t pid = fork();
  if (pid < 0) {
    perror("measure: fork");
    return 125;
  }
  if (pid == 0) {
    setpgid(0, 0);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGALRM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    int fd = open_or_die(in, O_RDONLY);
    dup2(fd, 0);
    close(fd);
    if (out) {
      fd = open_or_die(out, O_WRONLY | O_CREAT | O_TRUNC);
      dup2(fd, 1);
      close(fd);
    }
    if (err) {
      fd = open_or_die(err, O_WRONLY | O_CREAT | O_TRUNC);
      dup2(fd, 2);
      close(fd);
    }
    if (nofile > 0) {
      struct rlimit rl;
      if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = (rlim_t)nofile;
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max)
          rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
      }
    }
    execvp(cmd[0], cmd);
    fprintf(stderr, "measure: %s: %s\n", cmd[0], strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid); /* both sides, so there is no race */
  alarm((unsigned)timeout);

  int status = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  int killed = 0;
  double start = now_sec(), next_sample = start;
  for (;;) {
    /* Sampling RSS means polling; otherwise block in wait4. */
    pid_t r =
        wait4(pid, &status, rss_file || sample_threads ? WNOHANG : 0, &ru);
    if (r == pid)
      break;
    if (r < 0 && errno != EINTR) {
      perror("measure: wait4");
      return 125;
    }
    if (r == 0) {
      double t = now_sec();
      if (sample_threads)
        (void)group_rss_kb(pid, &threads_max);
      if (rss_file && t >= next_sample) {
        fprintf(rss_file, "%.3f %ld\n", t - start, group_rss_kb(pid, NULL));
        next_sample += 0.25;
      }
      struct timespec nap = {0, 10000000};
      nanosleep(&nap, NULL);
    }
    if ((g_timed_out || g_stop_sig) && !killed) {
      kill(-pid, SIGKILL);
      killed = 1;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  alarm(0);
  /* Whatever the child left behind in its group goes too. */
  kill(-pid, SIGKILL);
  read_cpustat(&c1);
  for (int i = 0; i < nservers; i++)
    s1 += proc_ticks(servers[i]);
  struct rusage self1;
  getrusage(RUSAGE_SELF, &self1);
  if (rss_file)
    fclose(rss_file);

  double wall =
      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  double user = tv_sec(ru.ru_utime), sys = tv_sec(ru.ru_stime);
  double srv = s1 >= s0 ? (double)(s1 - s0) / (double)hz : 0;
  double busy = (double)(c1.busy - c0.busy) / (double)hz;
  /* measure's own CPU (the RSS sampling) is not somebody else's. */
  double self = tv_sec(self1.ru_utime) + tv_sec(self1.ru_stime) -
                tv_sec(self0.ru_utime) - tv_sec(self0.ru_stime);
  double others = busy - user - sys - srv - self;
  if (others < 0)
    others = 0;
  int code;
  if (g_timed_out)
    code = 124;
  else if (WIFEXITED(status))
    code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    code = 128 + WTERMSIG(status);
  else
    code = 125;
  printf("wall=%.6f user=%.6f sys=%.6f cpu=%.6f maxrss_kb=%ld status=%d "
         "servers=%.3f others=%.3f steal=%.3f waited=%.1f",
         wall, user, sys, user + sys, ru.ru_maxrss, code, srv, others,
         (double)(c1.steal - c0.steal) / (double)hz, waited_s);
  if (sample_threads)
    printf(" threads_max=%ld", threads_max);
  printf("\n");
  fflush(stdout);
  if (g_stop_sig) {
    signal(g_stop_sig, SIG_DFL);
    raise(g_stop_sig);
  }
  return 0;
}
