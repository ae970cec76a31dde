/* On a virtual machine a page fault can cost 12 us (docs/PERFORMANCE.md):
 * 1000 connections opened at once touch ~16 KiB of fresh memory each in
 * libcurl, which is 50 ms of faults on the loop thread, while backing the
 * same pages with MADV_POPULATE_WRITE costs under 1 us each. The memory is
 * the process's, so this lives in the CLI, not in the library. */
#include "heap.h"

#include <stdlib.h> /* first: it tells whether this is glibc */

#if defined(__GLIBC__) && defined(__linux__)
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

#define MIB (1024u * 1024u)

void cli_heap_warm(size_t bytes)
{
#if defined(__GLIBC__) && defined(__linux__) && defined(MADV_POPULATE_WRITE)
  if (bytes < MIB)
    return;
  if (bytes > 16 * MIB)
    bytes = 16 * MIB;
  /* Setting any threshold turns glibc's moving mmap threshold off, so it is
   * set on purpose above the 512 KiB body prefix the engine keeps; the trim
   * threshold keeps freed memory (and its backing) for the next transfers. */
  mallopt(M_MMAP_THRESHOLD, (int)MIB);
  mallopt(M_TRIM_THRESHOLD, (int)(2 * bytes));
  /* A request one page larger than the free top of the heap makes malloc
   * extend the heap by the request plus M_TOP_PAD, right after it. */
  mallopt(M_TOP_PAD, (int)bytes);
  struct mallinfo2 mi = mallinfo2();
  char *p = malloc(mi.keepcost + 4096);
  mallopt(M_TOP_PAD, 128 * 1024); /* glibc's default again */
  if (!p)
    return;
  long ps = sysconf(_SC_PAGESIZE);
  uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096;
  uintptr_t lo = ((uintptr_t)p + page - 1) & ~(page - 1);
  uintptr_t hi = (uintptr_t)sbrk(0) & ~(page - 1);
  /* Only when p came from the brk heap (not from an mmap of its own). */
  if (hi > lo && hi - lo <= bytes + mi.keepcost + 2 * page)
    madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
  free(p);
#else
  (void)bytes;
#endif
}
