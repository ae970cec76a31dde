/* -o DIR: each body saved to a file, like wget -i. */
#ifndef AF_SAVE_H
#define AF_SAVE_H

#include <stddef.h>
#include <stdint.h>

/* The file name for input line `line` and URL `url`: the line number (so
 * names never collide within a run), then the host and path with every
 * byte outside [A-Za-z0-9._-] turned into '_', at most 180 bytes. Only the
 * URL from the input is used, never a server-sent name (Content-
 * Disposition, a redirect target), and no '/' survives, so nothing can
 * escape the directory. Returns a fresh string or NULL. */
char *af_save_name(uint64_t line, const char *url);

/* Opens (creating or truncating) name inside the directory dirfd, never
 * following a symbolic link. Returns an fd or -errno. */
int af_save_open(int dirfd, const char *name);

/* Writes all of p; returns 0 or -errno. */
int af_save_write(int fd, const char *p, size_t n);

#endif
