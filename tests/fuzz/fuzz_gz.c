/* libFuzzer target: an input source's bytes through the gzip reader.
 *
 * The stream is fed twice, in one piece and in pseudo-random pieces
 * derived from its hash, with a small output buffer: both must give the
 * same bytes and the same ending (clean, corrupt or truncated), no pull
 * may give more than the buffer, and plain data must come out unchanged.
 * When the first byte is 0, the rest is first compressed into two gzip
 * members, so the inflating path sees valid streams as well as the
 * fuzzer's own. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "gz.h"

typedef struct {
  unsigned char *data;
  size_t len;
  size_t cap;
} bytes_t;

static void add(bytes_t *b, const void *p, size_t n)
{
  if (b->len + n > b->cap) {
    size_t cap = (b->len + n) * 2;
    unsigned char *d = realloc(b->data, cap);
    if (!d)
      abort();
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void gzip_member(bytes_t *out, const uint8_t *p, size_t n)
{
  z_stream z;
  memset(&z, 0, sizeof(z));
  if (deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY))
    abort();
  size_t cap = deflateBound(&z, (uLong)n);
  unsigned char *buf = malloc(cap);
  if (!buf)
    abort();
  z.next_in = (Bytef *)p;
  z.avail_in = (uInt)n;
  z.next_out = buf;
  z.avail_out = (uInt)cap;
  if (deflate(&z, Z_FINISH) != Z_STREAM_END)
    abort();
  add(out, buf, cap - z.avail_out);
  deflateEnd(&z);
  free(buf);
}

/* Returns the ending code; the output goes to out. */
static int run(const uint8_t *data, size_t size, size_t out_cap, uint64_t seed,
               bytes_t *out)
{
  af_gz_t g;
  af_gz_init(&g, out_cap);
  int rc = AF_GZ_NEED;
  size_t off = 0;
  while (off < size && rc == AF_GZ_NEED) {
    size_t n = size - off;
    if (seed) {
      seed ^= seed << 13;
      seed ^= seed >> 7;
      seed ^= seed << 17;
      size_t k = 1 + (seed >> 16) % 64;
      if (k < n)
        n = k;
    }
    af_gz_push(&g, (const char *)data + off, n);
    off += n;
    const char *p = NULL;
    size_t m = 0;
    rc = af_gz_pull(&g, &p, &m);
    while (rc == AF_GZ_OUT) {
      if (m == 0 || (m > out_cap && af_gz_is_gzip(&g)))
        abort();
      add(out, p, m);
      rc = af_gz_pull(&g, &p, &m);
    }
  }
  if (rc == AF_GZ_NEED) {
    const char *p = NULL;
    size_t m = 0;
    rc = af_gz_end(&g, &p, &m);
    while (rc == AF_GZ_OUT) {
      add(out, p, m);
      rc = af_gz_end(&g, &p, &m);
    }
  }
  if ((rc < 0) != (af_gz_message(&g)[0] != '\0'))
    abort();
  if (!af_gz_is_gzip(&g) &&
      (out->len != size || (size && memcmp(out->data, data, size))))
    abort();
  af_gz_free(&g);
  return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  bytes_t made = {0};
  const uint8_t *orig = data + 1;
  size_t orig_len = size ? size - 1 : 0;
  if (size > 0 && data[0] == 0) {
    size_t half = (size - 1) / 2;
    gzip_member(&made, data + 1, half);
    gzip_member(&made, data + 1 + half, size - 1 - half);
    data = made.data;
    size = made.len;
  }
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  for (size_t i = 0; i < size; i++) {
    h ^= data[i];
    h *= UINT64_C(0x100000001b3);
  }
  size_t out_cap = 1 + (size_t)(h % 200);
  bytes_t whole = {0};
  bytes_t pieces = {0};
  int a = run(data, size, out_cap, 0, &whole);
  int b = run(data, size, out_cap, h | 1, &pieces);
  if (a != b || whole.len != pieces.len ||
      (whole.len && memcmp(whole.data, pieces.data, whole.len)))
    abort();
  /* What we compressed comes back whole. */
  if (made.data && (a != AF_GZ_NEED || whole.len != orig_len ||
                    (orig_len && memcmp(whole.data, orig, orig_len))))
    abort();
  free(whole.data);
  free(pieces.data);
  free(made.data);
  return 0;
}
