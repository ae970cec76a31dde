/* libFuzzer target for --resolve's parser (src/pin.c), which reads what
 * the user typed: an entry is accepted with a host key and a
 * CURLOPT_RESOLVE text, or refused with a message; never a crash, and an
 * accepted key is "host:port" with a port from 1 to 65535. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pin.h"

static void check(int ok)
{
  if (!ok)
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *s = malloc(size + 1);
  check(s != NULL);
  memcpy(s, data, size);
  s[size] = '\0';
  char *key = NULL, *entry = NULL, err[256] = "";
  int rc = af_pin_parse(s, &key, &entry, err, sizeof(err));
  if (rc == 0) {
    check(key != NULL);
    const char *colon = strrchr(key, ':');
    check(colon != NULL && colon > key);
    long port = strtol(colon + 1, NULL, 10);
    check(port >= 1 && port <= 65535);
  }
  else {
    check(err[0] != '\0');
  }
  free(key);
  free(entry);
  free(s);
  return 0;
}
