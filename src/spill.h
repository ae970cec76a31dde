/* The spill file: URLs read for a host that already has enough queued wait
 * here, on disk, instead of in memory, so a list sorted by host can be
 * read far enough ahead to reach the other hosts (docs/DESIGN.md, "Sorted
 * lists"). The file is unlinked as soon as it exists, so it vanishes when
 * the process ends, however it ends.
 *
 * Each host with records has a chain of blocks in the file (each block
 * holds the offset of the next) plus one block still being filled in
 * memory and one being read back, so memory is O(hosts with records), not
 * O(records). Plain blocking pread/pwrite on the loop thread: the file is
 * our own, freshly written, and served from the page cache. Records come
 * back per host in the order they were put. No libuv, no engine: the
 * engine drives it. */
#ifndef AF_SPILL_H
#define AF_SPILL_H

#include <stddef.h>
#include <stdint.h>

typedef struct af_spill_host af_spill_host_t;

typedef struct {
  int fd;       /* -1 until the first record */
  uint64_t end; /* where the next block goes */
  af_spill_host_t **tab;
  size_t cap, nhosts; /* hosts with records */
  uint64_t pending;   /* records put and not yet taken */
  uint64_t written;   /* bytes written to the file in all, for the tests */
  const char *dir;    /* where the file is made: NULL for $TMPDIR or /tmp */
  char *text;         /* the last record's text, handed out by take */
  size_t textcap;
} af_spill_t;

/* One record: its text is valid until the next call on the spill. */
typedef struct {
  uint64_t line;
  uint64_t seq;
  uint64_t t_intake;
  const char *text;
  size_t len;
} af_spill_rec_t;

void af_spill_init(af_spill_t *sp);
/* Appends a record to key's chain, making the file on first use. 0, or a
 * negative errno (nothing was kept: the caller keeps the URL itself). */
int af_spill_put(af_spill_t *sp, const char *key, const af_spill_rec_t *r);
/* Records waiting for key (0: none). */
uint64_t af_spill_count(const af_spill_t *sp, const char *key);
/* Takes key's oldest record into *r: 1, 0 when it has none, or a negative
 * errno (a read failed: the record is lost, the caller must say so). */
int af_spill_take(af_spill_t *sp, const char *key, af_spill_rec_t *r);
/* Takes the oldest record of some host, as af_spill_take. */
int af_spill_take_any(af_spill_t *sp, af_spill_rec_t *r);
/* Forgets every record and closes the file (which removes it). The spill
 * can be used again. */
void af_spill_free(af_spill_t *sp);

#endif
