#include "gz.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum { M_DETECT = 0, M_PLAIN, M_GZIP };

void af_gz_init(af_gz_t *g, size_t out_cap)
{
  memset(g, 0, sizeof(*g));
  g->out_cap = out_cap ? out_cap : 1;
  g->drained = 1;
}

void af_gz_push(af_gz_t *g, const char *p, size_t n)
{
  g->in = p;
  g->in_len = n;
}

static int fail(af_gz_t *g, int err)
{
  g->err = err;
  return err;
}

/* 16 + MAX_WBITS: a gzip wrapper, with the largest window any gzip stream
 * may use, so the state is bounded whatever the data (about 40 KiB). */
static int start_gzip(af_gz_t *g)
{
  g->out = malloc(g->out_cap);
  if (!g->out)
    return -1;
  if (inflateInit2(&g->z, 16 + MAX_WBITS) != Z_OK)
    return -1;
  g->z_init = 1;
  g->mode = M_GZIP;
  if (g->holding) {
    /* The first magic byte came alone: it goes through zlib first. */
    g->holding = 0;
    g->z.next_in = &g->hold;
    g->z.avail_in = 1;
  }
  return 0;
}

/* Decides gzip or plain from the first two bytes, which may come in two
 * pushes. Returns 1 when decided, AF_GZ_NEED to wait, or an error. */
static int detect(af_gz_t *g)
{
  if (g->in_len == 0)
    return AF_GZ_NEED;
  unsigned char first = g->holding ? g->hold : (unsigned char)g->in[0];
  if (first != 0x1f) {
    g->mode = M_PLAIN;
    return 1;
  }
  if (!g->holding && g->in_len == 1) {
    g->hold = first;
    g->holding = 1;
    g->in_len = 0;
    return AF_GZ_NEED;
  }
  unsigned char second = (unsigned char)g->in[g->holding ? 0 : 1];
  if (second != 0x8b) {
    g->mode = M_PLAIN;
    return 1;
  }
  return start_gzip(g) < 0 ? fail(g, AF_GZ_ENOMEM) : 1;
}

/* One buffer of inflated bytes. A stream may hold several gzip members
 * back to back (cat a.gz b.gz): each one's end resets zlib for the next,
 * whose magic bytes zlib checks itself. */
static int inflate_some(af_gz_t *g, const char **out, size_t *len)
{
  for (;;) {
    if (g->z.avail_in == 0 && g->drained) {
      if (g->in_len == 0)
        return AF_GZ_NEED;
      uInt n = g->in_len > UINT_MAX ? UINT_MAX : (uInt)g->in_len;
      g->z.next_in = (Bytef *)g->in;
      g->z.avail_in = n;
      g->in += n;
      g->in_len -= n;
    }
    if (!g->in_member) {
      if (inflateReset(&g->z) != Z_OK)
        return fail(g, AF_GZ_ECORRUPT);
      g->in_member = 1;
      g->member_gave = 0;
    }
    g->z.next_out = (Bytef *)g->out;
    g->z.avail_out = (uInt)g->out_cap;
    int rc = inflate(&g->z, Z_NO_FLUSH);
    size_t got = g->out_cap - g->z.avail_out;
    switch (rc) {
    case Z_STREAM_END:
      g->in_member = 0;
      g->drained = 1;
      break;
    case Z_OK:
      /* A full buffer may leave output inside zlib: pull again before
       * taking more input. */
      g->drained = g->z.avail_out != 0;
      break;
    case Z_BUF_ERROR: /* no progress without more input */
      g->drained = 1;
      break;
    case Z_MEM_ERROR:
      return fail(g, AF_GZ_ENOMEM);
    default: /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
      g->zmsg = g->z.msg;
      /* The bytes inflated before the bad spot are given first, so where
       * the stream breaks does not depend on how it was read. */
      if (got == 0)
        return fail(g, AF_GZ_ECORRUPT);
      g->err_next = AF_GZ_ECORRUPT;
      break;
    }
    if (got > 0) {
      g->member_gave = 1;
      *out = g->out;
      *len = got;
      return AF_GZ_OUT;
    }
  }
}

/* Clears the outputs; returns the error that stopped the stream, or 0. */
static int begin(af_gz_t *g, const char **out, size_t *len)
{
  *out = NULL;
  *len = 0;
  if (g->err_next)
    fail(g, g->err_next);
  return g->err;
}

/* Hands out the held first byte as plain data. */
static int give_hold(af_gz_t *g, const char **out, size_t *len)
{
  g->mode = M_PLAIN;
  g->holding = 0;
  *out = (const char *)&g->hold;
  *len = 1;
  return AF_GZ_OUT;
}

int af_gz_pull(af_gz_t *g, const char **out, size_t *len)
{
  int rc = begin(g, out, len);
  if (rc)
    return rc;
  if (g->mode == M_DETECT) {
    rc = detect(g);
    if (rc != 1)
      return rc;
  }
  if (g->mode == M_GZIP)
    return inflate_some(g, out, len);
  if (g->holding)
    return give_hold(g, out, len);
  if (g->in_len == 0)
    return AF_GZ_NEED;
  *out = g->in;
  *len = g->in_len;
  g->in += g->in_len;
  g->in_len = 0;
  return AF_GZ_OUT;
}

int af_gz_end(af_gz_t *g, const char **out, size_t *len)
{
  int rc = begin(g, out, len);
  if (rc)
    return rc;
  /* A lone 0x1f and then the end: plain data after all. */
  if (g->holding)
    return give_hold(g, out, len);
  if (g->mode == M_GZIP && g->in_member)
    return fail(g, AF_GZ_ETRUNCATED);
  return AF_GZ_NEED;
}

int af_gz_cut_short(const af_gz_t *g)
{
  return g->mode == M_GZIP && g->err != 0 && g->in_member && g->member_gave;
}

int af_gz_is_gzip(const af_gz_t *g)
{
  return g->mode == M_GZIP;
}

const char *af_gz_message(const af_gz_t *g)
{
  switch (g->err) {
  case AF_GZ_ECORRUPT:
    return g->zmsg && !strcmp(g->zmsg, "incorrect header check")
               ? "the gzip data is corrupt (bytes after a gzip member that "
                 "are not gzip)"
               : "the gzip data is corrupt";
  case AF_GZ_ETRUNCATED:
    return "the gzip data is truncated (the stream ended inside a member)";
  case AF_GZ_ENOMEM:
    return "out of memory for gzip decompression";
  default:
    return "";
  }
}

void af_gz_free(af_gz_t *g)
{
  if (g->z_init)
    inflateEnd(&g->z);
  g->z_init = 0;
  free(g->out);
  g->out = NULL;
}
