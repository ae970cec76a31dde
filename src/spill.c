/* The spill file (spill.h). On disk, a block is a 16-byte header (the
 * offset of the host's next block, or NONE; the payload length) and its
 * records, each a 28-byte header (line, seq, intake time, text length)
 * and the text. Blocks start on BLOCK boundaries, so one that has been
 * read back is punched out of the file and the disk holds only what
 * still waits; when nothing waits the file is truncated to zero. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "spill.h"

#define BLOCK 4096u
#define BLOCK_HDR 16u
#define REC_HDR 28u
#define NONE UINT64_MAX

struct af_spill_host {
  char *key;
  af_spill_host_t *hnext;
  uint64_t count;      /* records, wherever they are */
  uint64_t head, tail; /* the blocks on disk, oldest first; NONE: none */
  af_buf_t w;          /* the block being filled: header space, records */
  char *r;             /* the payload read back, consumed from rpos */
  size_t rlen, rpos;
};

void af_spill_init(af_spill_t *sp)
{
  memset(sp, 0, sizeof(*sp));
  sp->fd = -1;
}

static size_t hash(const char *key, size_t cap)
{
  uint64_t h = 1469598103934665603ull;
  for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
    h ^= *p;
    h *= 1099511628211ull;
  }
  return (size_t)h & (cap - 1);
}

static af_spill_host_t *find(const af_spill_t *sp, const char *key)
{
  if (!sp->cap)
    return NULL;
  for (af_spill_host_t *h = sp->tab[hash(key, sp->cap)]; h; h = h->hnext)
    if (strcmp(h->key, key) == 0)
      return h;
  return NULL;
}

static int grow(af_spill_t *sp)
{
  size_t cap = sp->cap ? sp->cap * 2 : 64;
  af_spill_host_t **t = calloc(cap, sizeof(*t));
  if (!t)
    return -ENOMEM;
  for (size_t i = 0; i < sp->cap; i++) {
    for (af_spill_host_t *h = sp->tab[i], *n; h; h = n) {
      n = h->hnext;
      size_t b = hash(h->key, cap);
      h->hnext = t[b];
      t[b] = h;
    }
  }
  free(sp->tab);
  sp->tab = t;
  sp->cap = cap;
  return 0;
}

static af_spill_host_t *add(af_spill_t *sp, const char *key)
{
  if (sp->nhosts >= sp->cap && grow(sp) < 0)
    return NULL;
  af_spill_host_t *h = calloc(1, sizeof(*h));
  if (!h)
    return NULL;
  h->key = strdup(key);
  if (!h->key) {
    free(h);
    return NULL;
  }
  h->head = h->tail = NONE;
  af_buf_init(&h->w, (size_t)1 << 24); /* a block: 4 KiB, or one long line */
  size_t b = hash(key, sp->cap);
  h->hnext = sp->tab[b];
  sp->tab[b] = h;
  sp->nhosts++;
  return h;
}

static void host_free(af_spill_host_t *h)
{
  af_buf_free(&h->w);
  free(h->r);
  free(h->key);
  free(h);
}

static void drop(af_spill_t *sp, af_spill_host_t *h)
{
  af_spill_host_t **pp = &sp->tab[hash(h->key, sp->cap)];
  while (*pp != h)
    pp = &(*pp)->hnext;
  *pp = h->hnext;
  sp->nhosts--;
  host_free(h);
}

/* The file exists only as an open descriptor: O_TMPFILE never gives it a
 * name, and the mkostemp fallback unlinks the name at once, so nothing is
 * left behind even after a SIGKILL. */
static int open_file(af_spill_t *sp)
{
  const char *dir = sp->dir;
  if (!dir)
    dir = getenv("TMPDIR");
  if (!dir || !*dir)
    dir = "/tmp";
  int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) {
    char path[4096];
    int n = snprintf(path, sizeof(path), "%s/afetch-spill.XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof(path))
      return -ENAMETOOLONG;
    fd = mkostemp(path, O_CLOEXEC);
    if (fd < 0)
      return -errno;
    unlink(path);
  }
  sp->fd = fd;
  sp->end = 0;
  return 0;
}

/* The whole of n bytes at off, read (wr 0) or written (wr 1), through
 * short transfers and EINTR; 0, or -errno (-EIO for an early end). */
static int io_all(int fd, void *p, size_t n, uint64_t off, int wr)
{
  char *c = p;
  while (n > 0) {
    ssize_t k = wr ? pwrite(fd, c, n, (off_t)off) : pread(fd, c, n, (off_t)off);
    if (k < 0 && errno == EINTR)
      continue;
    if (k <= 0)
      return k < 0 ? -errno : -EIO;
    c += k;
    n -= (size_t)k;
    off += (uint64_t)k;
  }
  return 0;
}

static int pwrite_all(int fd, const void *p, size_t n, uint64_t off)
{
  return io_all(fd, (void *)p, n, off, 1);
}

static int pread_all(int fd, void *p, size_t n, uint64_t off)
{
  return io_all(fd, p, n, off, 0);
}

static uint64_t block_span(size_t payload)
{
  return ((uint64_t)BLOCK_HDR + payload + BLOCK - 1) / BLOCK * BLOCK;
}

/* Writes the block being filled at the end of the file and links it after
 * the host's last block. */
static int flush(af_spill_t *sp, af_spill_host_t *h)
{
  uint64_t next = NONE;
  uint32_t len = (uint32_t)(h->w.len - BLOCK_HDR), zero = 0;
  memcpy(h->w.data, &next, 8);
  memcpy(h->w.data + 8, &len, 4);
  memcpy(h->w.data + 12, &zero, 4);
  uint64_t off = sp->end;
  int rc = pwrite_all(sp->fd, h->w.data, h->w.len, off);
  if (rc == 0 && h->tail != NONE)
    rc = pwrite_all(sp->fd, &off, 8, h->tail);
  if (rc < 0)
    return rc;
  sp->end += block_span(len);
  sp->written += h->w.len;
  if (h->head == NONE)
    h->head = off;
  h->tail = off;
  h->w.len = BLOCK_HDR;
  return 0;
}

int af_spill_put(af_spill_t *sp, const char *key, const af_spill_rec_t *r)
{
  if (r->len > UINT32_MAX - BLOCK - REC_HDR)
    return -E2BIG;
  if (sp->fd < 0) {
    int rc = open_file(sp);
    if (rc < 0)
      return rc;
  }
  af_spill_host_t *h = find(sp, key);
  int fresh = !h;
  if (!h) {
    h = add(sp, key);
    if (!h)
      return -ENOMEM;
  }
  if (h->w.len == 0) {
    char hdr[BLOCK_HDR] = {0};
    if (af_buf_append(&h->w, hdr, sizeof(hdr)) != 0)
      goto nomem;
  }
  /* A block is at most BLOCK bytes unless one record alone is larger, so
   * reading one back is one pread. */
  if (h->w.len > BLOCK_HDR && h->w.len + REC_HDR + r->len > BLOCK) {
    int rc = flush(sp, h);
    if (rc < 0) {
      if (fresh)
        drop(sp, h);
      return rc;
    }
  }
  char rh[REC_HDR];
  uint32_t len = (uint32_t)r->len;
  memcpy(rh, &r->line, 8);
  memcpy(rh + 8, &r->seq, 8);
  memcpy(rh + 16, &r->t_intake, 8);
  memcpy(rh + 24, &len, 4);
  size_t before = h->w.len;
  if (af_buf_append(&h->w, rh, sizeof(rh)) != 0 ||
      af_buf_append(&h->w, r->text, r->len) != 0) {
    h->w.len = before;
    goto nomem;
  }
  h->count++;
  sp->pending++;
  return 0;
nomem:
  if (fresh)
    drop(sp, h);
  return -ENOMEM;
}

uint64_t af_spill_count(const af_spill_t *sp, const char *key)
{
  const af_spill_host_t *h = find(sp, key);
  return h ? h->count : 0;
}

/* Reads the host's oldest block on disk into r and frees its place. */
static int read_block(af_spill_t *sp, af_spill_host_t *h)
{
  char *b = malloc(BLOCK);
  if (!b)
    return -ENOMEM;
  uint64_t off = h->head;
  /* One read gets a whole block unless a long line made it bigger; it
   * may come back short, as a block's padding is never written. */
  ssize_t got;
  do {
    got = pread(sp->fd, b, BLOCK, (off_t)off);
  } while (got < 0 && errno == EINTR);
  int rc = got < 0 ? -errno : got < (ssize_t)BLOCK_HDR ? -EIO : 0;
  uint64_t next = 0;
  uint32_t len = 0;
  if (rc == 0) {
    memcpy(&next, b, 8);
    memcpy(&len, b + 8, 4);
  }
  size_t need = (size_t)len + BLOCK_HDR;
  if (rc == 0 && need > (size_t)got) {
    char *nb = need > BLOCK ? realloc(b, need) : b;
    if (!nb) {
      rc = -ENOMEM;
    }
    else {
      b = nb;
      rc = pread_all(sp->fd, b + got, need - (size_t)got, off + (uint64_t)got);
    }
  }
  if (rc < 0) {
    free(b);
    return rc;
  }
  memmove(b, b + BLOCK_HDR, len);
  free(h->r);
  h->r = b;
  h->rlen = len;
  h->rpos = 0;
  h->head = off == h->tail ? NONE : next;
  if (h->head == NONE)
    h->tail = NONE;
  /* Best effort: a file system without holes keeps the bytes until the
   * file is truncated or closed. */
  (void)fallocate(sp->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  (off_t)off, (off_t)block_span(len));
  return 0;
}

static int next_record(af_spill_t *sp, af_spill_host_t *h, af_spill_rec_t *r)
{
  if (h->rpos >= h->rlen) {
    if (h->head != NONE) {
      int rc = read_block(sp, h);
      if (rc < 0)
        return rc;
    }
    else {
      /* The block in memory is the newest: it becomes the one read. */
      if (h->w.len <= BLOCK_HDR)
        return -EIO;
      free(h->r);
      h->rlen = h->w.len - BLOCK_HDR;
      h->r = malloc(h->rlen ? h->rlen : 1);
      if (!h->r)
        return -ENOMEM;
      memcpy(h->r, h->w.data + BLOCK_HDR, h->rlen);
      h->rpos = 0;
      h->w.len = BLOCK_HDR;
    }
  }
  uint32_t len;
  if (h->rlen - h->rpos < REC_HDR)
    return -EIO;
  const char *p = h->r + h->rpos;
  memcpy(&r->line, p, 8);
  memcpy(&r->seq, p + 8, 8);
  memcpy(&r->t_intake, p + 16, 8);
  memcpy(&len, p + 24, 4);
  if (h->rlen - h->rpos - REC_HDR < len)
    return -EIO;
  if (len + 1 > sp->textcap) {
    char *n = realloc(sp->text, len + 1);
    if (!n)
      return -ENOMEM;
    sp->text = n;
    sp->textcap = len + 1;
  }
  memcpy(sp->text, p + REC_HDR, len);
  sp->text[len] = '\0';
  r->text = sp->text;
  r->len = len;
  h->rpos += REC_HDR + len;
  return 1;
}

/* A record that cannot be read back is gone either way: it is counted
 * out, so the caller's failure is the only trace, not a hang. */
static int take(af_spill_t *sp, af_spill_host_t *h, af_spill_rec_t *r)
{
  int rc = next_record(sp, h, r);
  if (rc < 0 && rc != -ENOMEM) {
    sp->pending -= h->count;
    drop(sp, h);
  }
  else if (rc > 0) {
    sp->pending--;
    if (--h->count == 0)
      drop(sp, h);
  }
  if (sp->pending == 0 && sp->fd >= 0 && sp->end > 0) {
    if (ftruncate(sp->fd, 0) == 0)
      sp->end = 0;
  }
  return rc;
}

int af_spill_take(af_spill_t *sp, const char *key, af_spill_rec_t *r)
{
  af_spill_host_t *h = find(sp, key);
  return h ? take(sp, h, r) : 0;
}

int af_spill_take_any(af_spill_t *sp, af_spill_rec_t *r)
{
  for (size_t i = 0; sp->nhosts && i < sp->cap; i++)
    if (sp->tab[i])
      return take(sp, sp->tab[i], r);
  return 0;
}

void af_spill_free(af_spill_t *sp)
{
  for (size_t i = 0; i < sp->cap; i++) {
    for (af_spill_host_t *h = sp->tab[i], *n; h; h = n) {
      n = h->hnext;
      host_free(h);
    }
  }
  free(sp->tab);
  free(sp->text);
  if (sp->fd >= 0)
    close(sp->fd);
  const char *dir = sp->dir;
  af_spill_init(sp);
  sp->dir = dir;
}
