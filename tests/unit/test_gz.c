#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "gz.h"

/* data[0..n) as one gzip member (malloc'd, *outlen bytes), made by zlib
 * as gzip(1) would. */
static unsigned char *gzip_bytes(const void *data, size_t n, size_t *outlen)
{
  z_stream z;
  memset(&z, 0, sizeof(z));
  assert_int_equal(
      deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
      Z_OK);
  size_t cap = deflateBound(&z, (uLong)n);
  unsigned char *out = malloc(cap);
  assert_non_null(out);
  z.next_in = (Bytef *)data;
  z.avail_in = (uInt)n;
  z.next_out = out;
  z.avail_out = (uInt)cap;
  assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
  *outlen = cap - z.avail_out;
  deflateEnd(&z);
  return out;
}

typedef struct {
  char *data;
  size_t len;
  size_t cap;
  size_t max_piece; /* the largest output of one pull */
  size_t pulls;
} sink_t;

static void sink_add(sink_t *k, const char *p, size_t n)
{
  if (k->len + n > k->cap) {
    k->cap = (k->len + n) * 2;
    k->data = realloc(k->data, k->cap);
    assert_non_null(k->data);
  }
  memcpy(k->data + k->len, p, n);
  k->len += n;
}

/* Pulls until the pushed input is used; returns the last code. A sink
 * with keep 0 only counts (for the bomb). */
static int pull_all(af_gz_t *g, sink_t *k, int keep)
{
  for (int guard = 0; guard < 1000000; guard++) {
    const char *p = NULL;
    size_t n = 0;
    int rc = af_gz_pull(g, &p, &n);
    if (rc != AF_GZ_OUT)
      return rc;
    assert_true(n > 0);
    k->pulls++;
    if (n > k->max_piece)
      k->max_piece = n;
    if (keep)
      sink_add(k, p, n);
    else
      k->len += n;
  }
  fail_msg("pull never asked for more input");
  return 0;
}

/* Feeds s[0..n) in pieces of `piece` bytes, then the end. Returns the
 * first error, or AF_GZ_NEED when the stream was fine. */
static int run(const void *s, size_t n, size_t piece, size_t out_cap, sink_t *k,
               int *was_gzip)
{
  af_gz_t g;
  af_gz_init(&g, out_cap);
  const char *p = s;
  int rc = AF_GZ_NEED;
  for (size_t off = 0; off < n && rc == AF_GZ_NEED; off += piece) {
    size_t m = n - off < piece ? n - off : piece;
    /* Each piece in its own buffer, as each read is: nothing may be read
     * past it, or looked at once it is pulled through. */
    char *copy = malloc(m);
    assert_non_null(copy);
    memcpy(copy, p + off, m);
    af_gz_push(&g, copy, m);
    rc = pull_all(&g, k, 1);
    memset(copy, 0, m);
    free(copy);
  }
  if (rc == AF_GZ_NEED) {
    const char *q = NULL;
    size_t m = 0;
    rc = af_gz_end(&g, &q, &m);
    while (rc == AF_GZ_OUT) {
      sink_add(k, q, m);
      rc = af_gz_end(&g, &q, &m);
    }
  }
  if (was_gzip)
    *was_gzip = af_gz_is_gzip(&g);
  if (rc < 0)
    assert_true(strlen(af_gz_message(&g)) > 0);
  else
    assert_string_equal(af_gz_message(&g), "");
  af_gz_free(&g);
  return rc;
}

static const char list[] = "http://a.example/\nhttp://b.example/\n# c\n"
                           "http://\xe4\xbe\x8b\xe3\x81\x88.jp/\n";

static void test_plain_passes_through(void **state)
{
  (void)state;
  af_gz_t g;
  af_gz_init(&g, 16);
  af_gz_push(&g, list, sizeof(list) - 1);
  const char *p = NULL;
  size_t n = 0;
  /* Plain data is handed back in the piece pushed, not copied or cut. */
  assert_int_equal(af_gz_pull(&g, &p, &n), AF_GZ_OUT);
  assert_ptr_equal(p, list);
  assert_int_equal(n, sizeof(list) - 1);
  assert_int_equal(af_gz_pull(&g, &p, &n), AF_GZ_NEED);
  assert_int_equal(af_gz_end(&g, &p, &n), AF_GZ_NEED);
  assert_false(af_gz_is_gzip(&g));
  af_gz_free(&g);

  for (size_t piece = 1; piece <= 5; piece++) {
    sink_t k = {0};
    int gz = -1;
    assert_int_equal(run(list, sizeof(list) - 1, piece, 64, &k, &gz),
                     AF_GZ_NEED);
    assert_int_equal(gz, 0);
    assert_int_equal(k.len, sizeof(list) - 1);
    assert_memory_equal(k.data, list, k.len);
    free(k.data);
  }
}

static void test_gzip_any_split(void **state)
{
  (void)state;
  size_t zn = 0;
  unsigned char *z = gzip_bytes(list, sizeof(list) - 1, &zn);
  /* Every piece size, 1 byte included: the two magic bytes come apart. */
  for (size_t piece = 1; piece <= zn; piece++) {
    sink_t k = {0};
    int gz = 0;
    assert_int_equal(run(z, zn, piece, 7, &k, &gz), AF_GZ_NEED);
    assert_int_equal(gz, 1);
    assert_int_equal(k.len, sizeof(list) - 1);
    assert_memory_equal(k.data, list, k.len);
    assert_true(k.max_piece <= 7);
    free(k.data);
  }
  free(z);
}

static void test_concatenated_members(void **state)
{
  (void)state;
  size_t an = 0;
  size_t bn = 0;
  unsigned char *a = gzip_bytes("http://a/\n", 10, &an);
  unsigned char *b = gzip_bytes("http://b/\nhttp://c/", 19, &bn);
  /* cat a.gz b.gz a.gz, and an empty member (gzip </dev/null) too. */
  size_t en = 0;
  unsigned char *e = gzip_bytes("", 0, &en);
  size_t n = an + bn + en + an;
  unsigned char *all = malloc(n);
  assert_non_null(all);
  memcpy(all, a, an);
  memcpy(all + an, b, bn);
  memcpy(all + an + bn, e, en);
  memcpy(all + an + bn + en, a, an);
  static const char want[] = "http://a/\nhttp://b/\nhttp://c/http://a/\n";
  for (size_t piece = 1; piece <= n; piece += 3) {
    sink_t k = {0};
    assert_int_equal(run(all, n, piece, 64, &k, NULL), AF_GZ_NEED);
    assert_int_equal(k.len, sizeof(want) - 1);
    assert_memory_equal(k.data, want, k.len);
    free(k.data);
  }
  free(a);
  free(b);
  free(e);
  free(all);
}

static void test_magic_is_two_bytes(void **state)
{
  (void)state;
  /* A lone 0x1f, then the end: plain data, given back. */
  sink_t k = {0};
  assert_int_equal(run("\x1f", 1, 1, 64, &k, NULL), AF_GZ_NEED);
  assert_int_equal(k.len, 1);
  assert_int_equal((unsigned char)k.data[0], 0x1f);
  free(k.data);
  /* 0x1f and not 0x8b, in one piece or two: plain, nothing lost. */
  for (size_t piece = 1; piece <= 2; piece++) {
    sink_t m = {0};
    assert_int_equal(run("\x1fx\n", 3, piece, 64, &m, NULL), AF_GZ_NEED);
    assert_int_equal(m.len, 3);
    assert_memory_equal(m.data, "\x1fx\n", 3);
    free(m.data);
  }
  /* Nothing at all. */
  sink_t z = {0};
  assert_int_equal(run("", 0, 1, 64, &z, NULL), AF_GZ_NEED);
  assert_int_equal(z.len, 0);
}

static void test_corrupt_and_truncated(void **state)
{
  (void)state;
  /* Lines that do not compress to nothing, so a cut loses some. */
  static char text[4000];
  uint32_t r = 1;
  for (size_t i = 0; i < sizeof(text); i++) {
    r = r * 1103515245 + 12345;
    text[i] = i % 20 == 19 ? '\n' : (char)('a' + (r >> 16) % 26);
  }
  size_t zn = 0;
  unsigned char *z = gzip_bytes(text, sizeof(text), &zn);

  /* Cut short: what came through is correct, and the end says truncated. */
  sink_t k = {0};
  af_gz_t g;
  af_gz_init(&g, 64);
  af_gz_push(&g, (const char *)z, zn / 2);
  assert_int_equal(pull_all(&g, &k, 1), AF_GZ_NEED);
  assert_true(k.len < sizeof(text));
  assert_memory_equal(k.data, text, k.len);
  const char *p = NULL;
  size_t n = 0;
  assert_int_equal(af_gz_end(&g, &p, &n), AF_GZ_ETRUNCATED);
  assert_non_null(strstr(af_gz_message(&g), "truncated"));
  af_gz_free(&g);
  free(k.data);

  /* Cut inside the 8-byte trailer: every byte came out, yet the member
   * never ended. */
  sink_t c = {0};
  assert_int_equal(run(z, zn - 4, 1, 64, &c, NULL), AF_GZ_ETRUNCATED);
  assert_int_equal(c.len, sizeof(text));
  free(c.data);

  /* A flipped byte in the CRC, the length, or the header's method. */
  size_t spots[] = {zn - 6, zn - 2, 2};
  for (size_t i = 0; i < sizeof(spots) / sizeof(spots[0]); i++) {
    z[spots[i]] ^= 0x55;
    sink_t m = {0};
    assert_int_equal(run(z, zn, 100, 64, &m, NULL), AF_GZ_ECORRUPT);
    z[spots[i]] ^= 0x55;
    free(m.data);
  }

  /* A flipped byte anywhere in the compressed data: whether it is read in
   * one piece or byte by byte, the same bytes come out before the error
   * (zlib may find the error in the call that inflated them). */
  size_t errors = 0;
  for (size_t i = 10; i + 8 < zn; i += 7) {
    z[i] ^= 0x10;
    sink_t whole = {0};
    sink_t bytes = {0};
    int a = run(z, zn, zn, 1 << 16, &whole, NULL);
    int b = run(z, zn, 1, 1 << 16, &bytes, NULL);
    z[i] ^= 0x10;
    assert_int_equal(a, b);
    assert_int_equal(whole.len, bytes.len);
    if (whole.len)
      assert_memory_equal(whole.data, bytes.data, whole.len);
    errors += a == AF_GZ_ECORRUPT && whole.len > 0;
    free(whole.data);
    free(bytes.data);
  }
  assert_true(errors > 0);

  /* Garbage after a good member. */
  unsigned char *tail = malloc(zn + 4);
  assert_non_null(tail);
  memcpy(tail, z, zn);
  memcpy(tail + zn, "junk", 4);
  sink_t t = {0};
  af_gz_init(&g, 64);
  af_gz_push(&g, (const char *)tail, zn + 4);
  assert_int_equal(pull_all(&g, &t, 1), AF_GZ_ECORRUPT);
  assert_int_equal(t.len, sizeof(text)); /* the good member came first */
  assert_non_null(strstr(af_gz_message(&g), "corrupt"));
  assert_non_null(strstr(af_gz_message(&g), "not gzip"));
  /* The error sticks. */
  assert_int_equal(af_gz_pull(&g, &p, &n), AF_GZ_ECORRUPT);
  assert_int_equal(af_gz_end(&g, &p, &n), AF_GZ_ECORRUPT);
  af_gz_free(&g);
  free(t.data);
  free(tail);
  free(z);
}

/* 256 MiB of newlines inflate from about 250 KiB: one push of all of it
 * gives the output one bounded buffer per pull, never all at once. */
static void test_bomb_is_paced(void **state)
{
  (void)state;
  size_t n = (size_t)256 << 20;
  char *zeros = malloc(n);
  assert_non_null(zeros);
  memset(zeros, '\n', n);
  size_t zn = 0;
  unsigned char *z = gzip_bytes(zeros, n, &zn);
  free(zeros);
  assert_true(zn < n / 500);

  af_gz_t g;
  af_gz_init(&g, 65536);
  af_gz_push(&g, (const char *)z, zn);
  sink_t k = {0};
  assert_int_equal(pull_all(&g, &k, 0), AF_GZ_NEED);
  assert_int_equal(k.len, n);
  assert_int_equal(k.max_piece, 65536);
  assert_true(k.pulls >= n / 65536);
  const char *p = NULL;
  size_t m = 0;
  assert_int_equal(af_gz_end(&g, &p, &m), AF_GZ_NEED);
  af_gz_free(&g);
  free(z);
}

static void test_free_unused(void **state)
{
  (void)state;
  af_gz_t g;
  af_gz_init(&g, 0);
  af_gz_free(&g);
  af_gz_free(&g);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plain_passes_through),
      cmocka_unit_test(test_gzip_any_split),
      cmocka_unit_test(test_concatenated_members),
      cmocka_unit_test(test_magic_is_two_bytes),
      cmocka_unit_test(test_corrupt_and_truncated),
      cmocka_unit_test(test_bomb_is_paced),
      cmocka_unit_test(test_free_unused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
