/* An input source's bytes, gzip or not: a list compressed with gzip is
 * recognised by its magic bytes (1f 8b) and inflated, streaming, through
 * an output buffer of fixed size; anything else passes through untouched.
 * The caller pulls output one buffer at a time, so it decides how fast
 * decompression goes: a gzip bomb costs no more memory than a plain list. */
#ifndef AF_GZ_H
#define AF_GZ_H

#include <stddef.h>

#include <zlib.h>

enum {
  AF_GZ_NEED = 0,        /* all input used: push more, or end */
  AF_GZ_OUT = 1,         /* *out holds bytes */
  AF_GZ_ECORRUPT = -1,   /* not valid gzip data past the magic bytes */
  AF_GZ_ETRUNCATED = -2, /* the stream ended inside a gzip member */
  AF_GZ_ENOMEM = -3,
};

typedef struct {
  int mode;           /* detecting, plain or gzip (gz.c) */
  unsigned char hold; /* a first byte 0x1f, waiting for the second */
  int holding;        /* hold is valid */
  int hold_given;     /* plain: hold was handed out, input is next */
  const char *in;     /* pushed input, borrowed until pulled through */
  size_t in_len;      /* bytes of in not yet used */
  z_stream z;         /* gzip only */
  int z_init;         /* inflateInit2 was called (needs inflateEnd) */
  int in_member;      /* inside a gzip member: its end not yet seen */
  int member_gave;    /* that member gave bytes already */
  int drained;        /* the last inflate left no output behind */
  char *out;          /* output buffer (malloc), out_cap bytes */
  size_t out_cap;
  int err;          /* the AF_GZ_E... that stopped the stream, or 0 */
  int err_next;     /* err, once the output before it is pulled */
  const char *zmsg; /* zlib's word on it (static text), or NULL */
} af_gz_t;

/* out_cap: the most bytes one pull gives (at least 1). Allocates
 * nothing: the buffer and zlib's state only once gzip is seen. */
void af_gz_init(af_gz_t *g, size_t out_cap);
/* Hands over the next piece of the stream, borrowed: p must stay valid
 * until af_gz_pull returns AF_GZ_NEED (or an error). Only call it when
 * the last pull returned AF_GZ_NEED. */
void af_gz_push(af_gz_t *g, const char *p, size_t n);
/* The next output: AF_GZ_OUT with *out / *len set (borrowed until the next
 * call), AF_GZ_NEED when the pushed input is used up, or an error (then
 * every later call returns it again). Plain data comes back in the
 * pieces pushed, without a copy. */
int af_gz_pull(af_gz_t *g, const char **out, size_t *len);
/* The stream is over (EOF). Call it after pull returned AF_GZ_NEED. Gives
 * what is still held (a lone first byte 0x1f of plain data) as AF_GZ_OUT,
 * then AF_GZ_NEED; AF_GZ_ETRUNCATED if the stream ended inside a member. */
int af_gz_end(af_gz_t *g, const char **out, size_t *len);
/* 1 when the stream stopped inside a gzip member (truncated, or corrupt
 * in the middle): the last bytes it gave are cut short. */
int af_gz_cut_short(const af_gz_t *g);
/* 1 once gzip was recognised. */
int af_gz_is_gzip(const af_gz_t *g);
/* A sentence about the error that stopped the stream, "" if none. */
const char *af_gz_message(const af_gz_t *g);
void af_gz_free(af_gz_t *g);

#endif
