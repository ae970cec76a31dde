/* The countdown of src/alloc.h (test builds only). Pool threads allocate
 * too (parsing), so the counters are atomic. */
#define AF_ALLOC_IMPL
#include "alloc.h"

/* The build includes alloc.h before this file too: these call the real
 * functions. */
#undef malloc
#undef calloc
#undef realloc
#undef strdup

#ifdef AFETCH_ALLOC_TEST
#include <curl/curl.h>

static long fail_at; /* allocations left before the failing one; 0: none */
static int failed;

/* 1 if this allocation is the one to fail. */
static int fail_now(void)
{
  if (__atomic_load_n(&fail_at, __ATOMIC_SEQ_CST) <= 0)
    return 0;
  if (__atomic_sub_fetch(&fail_at, 1, __ATOMIC_SEQ_CST) != 0)
    return 0;
  __atomic_store_n(&failed, 1, __ATOMIC_SEQ_CST);
  return 1;
}

void *af_test_malloc(size_t n)
{
  return fail_now() ? NULL : malloc(n);
}

void *af_test_calloc(size_t n, size_t size)
{
  return fail_now() ? NULL : calloc(n, size);
}

void *af_test_realloc(void *p, size_t n)
{
  return fail_now() ? NULL : realloc(p, n);
}

char *af_test_strdup(const char *s)
{
  return fail_now() ? NULL : strdup(s);
}

void af_test_alloc_fail_at(long n)
{
  __atomic_store_n(&failed, 0, __ATOMIC_SEQ_CST);
  __atomic_store_n(&fail_at, n, __ATOMIC_SEQ_CST);
}

int af_test_alloc_failed(void)
{
  return __atomic_load_n(&failed, __ATOMIC_SEQ_CST);
}

/* libuv is left out: it aborts by design when its own allocations fail
 * (growing its watcher array, for one), so counting them would only find
 * that. */
int af_test_alloc_hook_libs(void)
{
  return curl_global_init_mem(CURL_GLOBAL_ALL, af_test_malloc, free,
                              af_test_realloc, af_test_strdup,
                              af_test_calloc) == CURLE_OK
             ? 0
             : -1;
}
#endif
