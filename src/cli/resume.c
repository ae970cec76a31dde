/* --resume FILE: the checkpoint is the output file itself (docs/DESIGN.md,
 * "Resume"). Reading it keeps one bit per line number and the longest line
 * only, so a 50-million-line file costs about 6 MB, not its size. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "afetch.h"
#include "resume.h"

/* Line numbers above this are refused as corrupt: the bitmap would need
 * more than 2 GiB. */
#define MAX_LINE (UINT64_C(1) << 34)
#define CHUNK (256 * 1024)
#define MAX_DEPTH 64
#define NKINDS 64 /* bits of redo_mask */

/* The JSON name of kind k, NULL past the last kind: the library names
 * every kind it has and gives "other" for an unknown one, so new kinds are
 * picked up without a list here. */
static const char *kind_name(int k)
{
  const char *n = afetch_errkind_name((afetch_errkind_t)k);
  if (k != AFETCH_ERR_OTHER && strcmp(n, "other") == 0)
    return NULL;
  return n;
}

static int kind_of(const char *s, size_t len)
{
  for (int k = 1; k < NKINDS; k++) {
    const char *n = kind_name(k);
    if (!n)
      break;
    if (strlen(n) == len && memcmp(n, s, len) == 0)
      return k;
  }
  return -1;
}

void cli_resume_kind_list(char *buf, size_t cap)
{
  size_t len = 0;
  buf[0] = '\0';
  for (int k = 1; k < NKINDS; k++) {
    const char *n = kind_name(k);
    if (!n)
      break;
    int w = snprintf(buf + len, cap - len, "%s%s", len ? "," : "", n);
    if (w < 0 || (size_t)w >= cap - len)
      break;
    len += (size_t)w;
  }
}

int cli_resume_parse_kinds(const char *list, uint64_t *mask, char *bad,
                           size_t badlen)
{
  uint64_t m = 0;
  const char *p = list;
  for (;;) {
    size_t len = strcspn(p, ",");
    int k = kind_of(p, len);
    if (len == 3 && memcmp(p, "all", 3) == 0)
      m = ~UINT64_C(0) & ~UINT64_C(1); /* every kind but "none" */
    else if (k > 0)
      m |= UINT64_C(1) << k;
    else {
      snprintf(bad, badlen, "%.*s", (int)len, p);
      return -1;
    }
    if (!p[len])
      break;
    p += len + 1;
  }
  *mask = m;
  return 0;
}

/* A validating JSON scanner for one line: only the two members resume
 * needs are read, the rest is checked and skipped. */
typedef struct {
  const char *p, *e;
} jp_t;

static void ws(jp_t *j)
{
  while (j->p < j->e &&
         (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
    j->p++;
}

static int is_hex(char c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
         (c >= 'A' && c <= 'F');
}

/* At '"': moves past the closing quote; s/len: the raw contents. */
static int str(jp_t *j, const char **s, size_t *len)
{
  if (j->p >= j->e || *j->p != '"')
    return -1;
  const char *b = ++j->p;
  while (j->p < j->e) {
    unsigned char c = (unsigned char)*j->p;
    if (c == '"') {
      *s = b;
      *len = (size_t)(j->p - b);
      j->p++;
      return 0;
    }
    if (c < 0x20)
      return -1;
    if (c == '\\') {
      if (++j->p >= j->e)
        return -1;
      char x = *j->p;
      if (x == 'u') {
        if (j->e - j->p < 5 || !is_hex(j->p[1]) || !is_hex(j->p[2]) ||
            !is_hex(j->p[3]) || !is_hex(j->p[4]))
          return -1;
        j->p += 4;
      }
      else if (!strchr("\"\\/bfnrt", x) || x == '\0') {
        return -1;
      }
    }
    j->p++;
  }
  return -1;
}

static int digits(jp_t *j)
{
  const char *b = j->p;
  while (j->p < j->e && *j->p >= '0' && *j->p <= '9')
    j->p++;
  return j->p > b ? 0 : -1;
}

/* A JSON number; *uint gets its value when it is a plain non-negative
 * integer that fits, else UINT64_MAX. */
static int num(jp_t *j, uint64_t *uint)
{
  const char *b = j->p;
  int plain = 1;
  if (j->p < j->e && *j->p == '-') {
    j->p++;
    plain = 0;
  }
  if (j->p < j->e && *j->p == '0')
    j->p++;
  else if (digits(j) != 0)
    return -1;
  if (j->p < j->e && *j->p == '.') {
    j->p++;
    plain = 0;
    if (digits(j) != 0)
      return -1;
  }
  if (j->p < j->e && (*j->p == 'e' || *j->p == 'E')) {
    j->p++;
    plain = 0;
    if (j->p < j->e && (*j->p == '+' || *j->p == '-'))
      j->p++;
    if (digits(j) != 0)
      return -1;
  }
  uint64_t v = 0;
  for (const char *q = b; plain && q < j->p; q++) {
    if (v > (UINT64_MAX - 9) / 10)
      plain = 0;
    v = v * 10 + (uint64_t)(*q - '0');
  }
  *uint = plain ? v : UINT64_MAX;
  return 0;
}

static int lit(jp_t *j, const char *w)
{
  size_t n = strlen(w);
  if ((size_t)(j->e - j->p) < n || memcmp(j->p, w, n) != 0)
    return -1;
  j->p += n;
  return 0;
}

static int value(jp_t *j, int depth);

/* After '{' or '[': members until the closing bracket. */
static int container(jp_t *j, int depth, char close)
{
  ws(j);
  if (j->p < j->e && *j->p == close) {
    j->p++;
    return 0;
  }
  for (;;) {
    ws(j);
    if (close == '}') {
      const char *k;
      size_t kl;
      if (str(j, &k, &kl) != 0)
        return -1;
      ws(j);
      if (j->p >= j->e || *j->p++ != ':')
        return -1;
    }
    if (value(j, depth + 1) != 0)
      return -1;
    ws(j);
    if (j->p >= j->e)
      return -1;
    char c = *j->p++;
    if (c == close)
      return 0;
    if (c != ',')
      return -1;
  }
}

static int value(jp_t *j, int depth)
{
  if (depth > MAX_DEPTH)
    return -1;
  ws(j);
  if (j->p >= j->e)
    return -1;
  const char *s;
  size_t len;
  uint64_t u;
  switch (*j->p) {
  case '{':
    j->p++;
    return container(j, depth, '}');
  case '[':
    j->p++;
    return container(j, depth, ']');
  case '"':
    return str(j, &s, &len);
  case 't':
    return lit(j, "true");
  case 'f':
    return lit(j, "false");
  case 'n':
    return lit(j, "null");
  default:
    return num(j, &u);
  }
}

/* One line (no newline): 0 and its line number and error kind (0 for
 * null, -1 for a name this build does not know) if it is a JSON object
 * with an integer "line" from 1; -1 otherwise. */
static int parse_result(const char *b, size_t n, uint64_t *line, int *kind)
{
  jp_t j = {b, b + n};
  uint64_t ln = 0;
  int k = 0;
  ws(&j);
  if (j.p >= j.e || *j.p++ != '{')
    return -1;
  ws(&j);
  if (j.p < j.e && *j.p == '}')
    return -1; /* no "line" */
  for (;;) {
    const char *key;
    size_t kl;
    ws(&j);
    if (str(&j, &key, &kl) != 0)
      return -1;
    ws(&j);
    if (j.p >= j.e || *j.p++ != ':')
      return -1;
    ws(&j);
    if (kl == 4 && memcmp(key, "line", 4) == 0) {
      if (num(&j, &ln) != 0 || ln == UINT64_MAX)
        return -1;
    }
    else if (kl == 10 && memcmp(key, "error_kind", 10) == 0 && j.p < j.e &&
             *j.p == '"') {
      const char *s;
      size_t sl;
      if (str(&j, &s, &sl) != 0)
        return -1;
      k = kind_of(s, sl);
    }
    else if (value(&j, 1) != 0) {
      return -1;
    }
    ws(&j);
    if (j.p >= j.e)
      return -1;
    char c = *j.p++;
    if (c == '}')
      break;
    if (c != ',')
      return -1;
  }
  ws(&j);
  if (j.p != j.e || ln < 1 || ln > MAX_LINE)
    return -1;
  *line = ln;
  *kind = k;
  return 0;
}

static int test_bit(const cli_resume_t *r, uint64_t line)
{
  uint64_t i = line - 1;
  return i / 64 < r->nwords && (r->bits[i / 64] >> (i % 64) & 1);
}

static int set_bit(cli_resume_t *r, uint64_t line)
{
  uint64_t i = line - 1;
  if (i / 64 >= r->nwords) {
    size_t n = r->nwords ? r->nwords : 1024;
    while (n <= i / 64)
      n *= 2;
    uint64_t *b = realloc(r->bits, n * sizeof(*b));
    if (!b)
      return -1;
    memset(b + r->nwords, 0, (n - r->nwords) * sizeof(*b));
    r->bits = b;
    r->nwords = n;
  }
  r->bits[i / 64] |= UINT64_C(1) << (i % 64);
  return 0;
}

int cli_resume_done(void *ud, uint64_t line)
{
  return line >= 1 && test_bit(ud, line);
}

static int write_all(int fd, const char *p, size_t n)
{
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

typedef struct {
  cli_resume_t *r;
  int out_fd;
  char *obuf;
  size_t olen;
  uint64_t offset;   /* of the line being looked at */
  uint64_t keep_end; /* end of the prefix of kept lines */
  uint64_t drops;
  uint64_t lineno; /* physical line of the file, for messages */
  uint64_t bad_at; /* physical line that did not parse, 0 if none */
  int failed;      /* errno of a write or an allocation */
} scan_t;

static int out_put(scan_t *s, const char *p, size_t n)
{
  if (s->out_fd < 0)
    return 0;
  if (s->olen + n > CHUNK) {
    if (write_all(s->out_fd, s->obuf, s->olen) != 0)
      return -1;
    s->olen = 0;
  }
  if (n > CHUNK)
    return write_all(s->out_fd, p, n);
  memcpy(s->obuf + s->olen, p, n);
  s->olen += n;
  return 0;
}

/* A complete line with its newline: kept (and copied) or removed. */
static int one_line(scan_t *s, const char *b, size_t n)
{
  uint64_t line;
  int kind;
  s->lineno++;
  if (parse_result(b, n - 1, &line, &kind) != 0) {
    /* Only the last line may be torn; it is known to be the last when no
     * other follows. */
    if (!s->bad_at)
      s->bad_at = s->lineno;
    return 0;
  }
  cli_resume_t *r = s->r;
  if (kind == AFETCH_ERR_CANCELLED ||
      (kind > 0 && kind < NKINDS && (r->redo_mask >> kind & 1))) {
    r->redone++;
    s->drops++;
  }
  else if (test_bit(r, line)) {
    r->dups++;
    s->drops++;
  }
  else {
    if (set_bit(r, line) != 0) {
      s->failed = ENOMEM;
      return -1;
    }
    r->kept++;
    if (out_put(s, b, n) != 0) {
      s->failed = errno;
      return -1;
    }
    if (s->drops == 0)
      s->keep_end = s->offset + n;
  }
  return 0;
}

int cli_resume_scan(cli_resume_t *r, int fd, int out_fd, uint64_t *keep_end,
                    uint64_t *drops, char *err, size_t cap)
{
  scan_t s = {.r = r, .out_fd = out_fd};
  size_t bcap = CHUNK, start = 0, end = 0;
  char *buf = malloc(bcap);
  if (out_fd >= 0)
    s.obuf = malloc(CHUNK);
  int rc = -1;
  if (!buf || (out_fd >= 0 && !s.obuf)) {
    snprintf(err, cap, "out of memory");
    goto out;
  }
  r->kept = r->redone = r->dups = 0;
  r->torn = 0;
  if (r->bits)
    memset(r->bits, 0, r->nwords * sizeof(*r->bits));
  if (lseek(fd, 0, SEEK_SET) < 0) {
    snprintf(err, cap, "%s", strerror(errno));
    goto out;
  }
  for (;;) {
    if (end == bcap) {
      if (start > 0) {
        memmove(buf, buf + start, end - start);
        end -= start;
        start = 0;
      }
      else {
        /* One line longer than the buffer: it grows to the longest line. */
        char *nb = realloc(buf, bcap * 2);
        if (!nb) {
          snprintf(err, cap, "out of memory");
          goto out;
        }
        buf = nb;
        bcap *= 2;
      }
    }
    ssize_t n = read(fd, buf + end, bcap - end);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      snprintf(err, cap, "%s", strerror(errno));
      goto out;
    }
    if (n == 0)
      break;
    end += (size_t)n;
    for (;;) {
      char *nl = memchr(buf + start, '\n', end - start);
      if (!nl)
        break;
      size_t len = (size_t)(nl - (buf + start)) + 1;
      if (s.bad_at) {
        snprintf(err, cap,
                 "line %llu is not an afetch JSON result (is this the "
                 "output of afetch --json?)",
                 (unsigned long long)s.bad_at);
        goto out;
      }
      if (one_line(&s, buf + start, len) != 0) {
        snprintf(err, cap, "%s", strerror(s.failed));
        goto out;
      }
      s.offset += len;
      start += len;
    }
  }
  if (s.bad_at && end > start) {
    snprintf(err, cap, "line %llu is not an afetch JSON result",
             (unsigned long long)s.bad_at);
    goto out;
  }
  /* What is left after the last kept line: an unparseable last line, or
   * bytes without a newline. */
  r->torn = s.bad_at != 0 || end > start;
  if (s.olen && write_all(out_fd, s.obuf, s.olen) != 0) {
    snprintf(err, cap, "%s", strerror(errno));
    goto out;
  }
  *keep_end = s.keep_end;
  *drops = s.drops;
  rc = 0;
out:
  free(buf);
  free(s.obuf);
  return rc;
}

static int fail(char *err, size_t cap, const char *what, int e)
{
  snprintf(err, cap, "%s: %s", what, strerror(e));
  return -1;
}

/* The kept lines go to path.tmp, which replaces path only once it is
 * complete and on disk: a crash before the rename leaves the old file. */
static int rewrite(cli_resume_t *r, const char *path, int fd, mode_t mode,
                   char *err, size_t cap)
{
  size_t plen = strlen(path);
  char *tmp = malloc(plen + 5);
  if (!tmp)
    return fail(err, cap, "out of memory", ENOMEM);
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".tmp", 5);
  int t = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode & 07777);
  int rc = -1;
  uint64_t keep_end, drops;
  char why[256];
  if (t < 0) {
    rc = fail(err, cap, "cannot create the temporary file", errno);
    free(tmp);
    return rc;
  }
  if (cli_resume_scan(r, fd, t, &keep_end, &drops, why, sizeof(why)) != 0)
    snprintf(err, cap, "%s", why);
  else if (fsync(t) != 0)
    fail(err, cap, "fsync of the temporary file", errno);
  else if (rename(tmp, path) != 0)
    fail(err, cap, "cannot replace the file", errno);
  else
    rc = 0;
  close(t);
  if (rc != 0)
    unlink(tmp);
  free(tmp);
  r->rewritten = rc == 0;
  return rc;
}

/* The directory entry of the rename must reach the disk too. */
static void sync_dir(const char *path)
{
  const char *slash = strrchr(path, '/');
  char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path))
                    : strdup(".");
  if (!dir)
    return;
  int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d >= 0) {
    fsync(d);
    close(d);
  }
  free(dir);
}

static int lock(int fd, char *err, size_t cap)
{
  if (flock(fd, LOCK_EX | LOCK_NB) == 0)
    return 0;
  if (errno == EWOULDBLOCK)
    snprintf(err, cap, "another afetch is resuming into it");
  else
    fail(err, cap, "cannot lock it", errno);
  return -1;
}

int cli_resume_open(cli_resume_t *r, const char *path, char *err, size_t cap)
{
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0)
    return fail(err, cap, "cannot open it", errno);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    fail(err, cap, "cannot stat it", errno);
    goto bad;
  }
  if (!S_ISREG(st.st_mode)) {
    snprintf(err, cap, "not a regular file");
    goto bad;
  }
  if (lock(fd, err, cap) != 0)
    goto bad;
  uint64_t keep_end, drops;
  if (cli_resume_scan(r, fd, -1, &keep_end, &drops, err, cap) != 0)
    goto bad;
  if (drops > 0) {
    if (rewrite(r, path, fd, st.st_mode, err, cap) != 0)
      goto bad;
    sync_dir(path);
    close(fd);
    fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
      return fail(err, cap, "cannot open it again", errno);
    if (lock(fd, err, cap) != 0)
      goto bad;
  }
  else if (keep_end < (uint64_t)st.st_size) {
    if (ftruncate(fd, (off_t)keep_end) != 0) {
      fail(err, cap, "cannot cut its torn last line", errno);
      goto bad;
    }
  }
  /* From here on each result is one write(2) at the end of the file. */
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_APPEND) != 0) {
    fail(err, cap, "cannot append to it", errno);
    goto bad;
  }
  return fd;
bad:
  close(fd);
  return -1;
}

void cli_resume_free(cli_resume_t *r)
{
  free(r->bits);
  r->bits = NULL;
  r->nwords = 0;
}
