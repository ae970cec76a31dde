/* libFuzzer target for --resume's reader (src/cli/resume.c), which reads
 * whatever file the user names: the first input byte picks the --redo
 * mask, the rest is the file. A scan never crashes, keeps a prefix no
 * longer than the file, writes out no more than it read, and what it kept
 * scans again to the same line count with nothing dropped. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../src/cli/resume.h"

static void check(int ok)
{
  if (!ok)
    abort();
}

static int memfile(const uint8_t *p, size_t n)
{
  int fd = memfd_create("fuzz_resume", 0);
  check(fd >= 0);
  check(n == 0 || write(fd, p, n) == (ssize_t)n);
  check(lseek(fd, 0, SEEK_SET) == 0);
  return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  uint64_t mask = (uint64_t)data[0] * 0x0101010101010101ull;
  int in = memfile(data + 1, size - 1);
  int out = memfd_create("fuzz_resume_out", 0);
  check(out >= 0);
  cli_resume_t r;
  memset(&r, 0, sizeof(r));
  r.redo_mask = mask;
  uint64_t keep_end = 0, drops = 0;
  char err[256];
  if (cli_resume_scan(&r, in, out, &keep_end, &drops, err, sizeof(err)) == 0) {
    check(keep_end <= size - 1);
    off_t kept_len = lseek(out, 0, SEEK_END);
    check(kept_len >= 0 && (uint64_t)kept_len <= size - 1);
    /* The kept lines are results, one per line: a second scan keeps them
     * all and drops none. */
    cli_resume_t r2;
    memset(&r2, 0, sizeof(r2));
    r2.redo_mask = mask;
    check(lseek(out, 0, SEEK_SET) == 0);
    uint64_t k2 = 0, d2 = 0;
    check(cli_resume_scan(&r2, out, -1, &k2, &d2, err, sizeof(err)) == 0);
    check(d2 == 0 && r2.kept == r.kept && k2 == (uint64_t)kept_len);
    cli_resume_free(&r2);
  }
  cli_resume_free(&r);
  close(in);
  close(out);

  /* --redo's list, as a string. */
  char *list = malloc(size);
  check(list != NULL);
  memcpy(list, data + 1, size - 1);
  list[size - 1] = '\0';
  uint64_t m = 0;
  char bad[64];
  (void)cli_resume_parse_kinds(list, &m, bad, sizeof(bad));
  free(list);
  return 0;
}
