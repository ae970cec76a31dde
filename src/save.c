#include "save.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NAME_MAX_BYTES 180

static int safe_byte(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

char *af_save_name(uint64_t line, const char *url)
{
  char *out = malloc(NAME_MAX_BYTES + 1);
  if (!out)
    return NULL;
  int n =
      snprintf(out, NAME_MAX_BYTES + 1, "%06llu_", (unsigned long long)line);
  size_t len = (size_t)n;
  const char *p = strstr(url, "://");
  p = p ? p + 3 : url;
  /* Never put "user:password@" into a file name: skip the userinfo, up to
   * the last '@' before the path (a password may itself hold an '@'). */
  size_t auth = strcspn(p, "/?#");
  for (size_t i = auth; i > 0; i--) {
    if (p[i - 1] == '@') {
      p += i;
      break;
    }
  }
  int last_us = 1;
  for (; *p && len < NAME_MAX_BYTES; p++) {
    unsigned char c = (unsigned char)*p;
    if (safe_byte(c)) {
      out[len++] = (char)c;
      last_us = 0;
    }
    else if (!last_us) {
      out[len++] = '_';
      last_us = 1;
    }
  }
  while (len > (size_t)n && out[len - 1] == '_')
    len--;
  /* A name of dots only ("." or "..") cannot happen: the line number
   * prefix always comes first. An empty rest gets a readable stand-in. */
  if (len == (size_t)n) {
    memcpy(out + len, "index", 5);
    len += 5;
  }
  out[len] = '\0';
  return out;
}

int af_save_open(int dirfd, const char *name)
{
  int fd = openat(dirfd, name,
                  O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  return fd < 0 ? -errno : fd;
}

int af_save_write(int fd, const char *p, size_t n)
{
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -errno;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}
