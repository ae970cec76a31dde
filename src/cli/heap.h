/* Backing the heap a run will need before it starts. */
#ifndef CLI_HEAP_H
#define CLI_HEAP_H

#include <stddef.h>

/* Grows the heap by about bytes (at most 16 MiB) and has the kernel back it
 * in one call, so the connections of a large run do not each fault their
 * memory in one 4 KiB page at a time; freed memory is then kept rather
 * than handed back and faulted in again. glibc on Linux only; a no-op
 * elsewhere and for less than 1 MiB. */
void cli_heap_warm(size_t bytes);

#endif
