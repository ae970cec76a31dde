/* Allocation-failure tests, as curl's torture tests do with its memdebug.h:
 * in a build with AFETCH_ALLOC_TEST (the afetch_alloctest library of
 * tests/CMakeLists.txt, which includes this file first in every library
 * source) malloc, calloc, realloc and strdup go through a countdown that
 * makes the Nth allocation from af_test_alloc_fail_at(N) on fail, so a test
 * can walk every failure point of a run. Other builds see nothing here. */
#ifndef AF_ALLOC_H
#define AF_ALLOC_H

#ifdef AFETCH_ALLOC_TEST
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void *af_test_malloc(size_t n);
void *af_test_calloc(size_t n, size_t size);
void *af_test_realloc(void *p, size_t n);
char *af_test_strdup(const char *s);
/* The nth allocation from now fails (1: the next one), and every one after
 * it succeeds; 0 turns failures off. */
void af_test_alloc_fail_at(long n);
/* 1 once the failure chosen by af_test_alloc_fail_at happened. */
int af_test_alloc_failed(void);
/* libcurl's allocations go through the countdown too: call it instead of
 * afetch_global_init. */
int af_test_alloc_hook_libs(void);

#ifndef AF_ALLOC_IMPL
#define malloc(n) af_test_malloc(n)
#define calloc(n, s) af_test_calloc(n, s)
#define realloc(p, n) af_test_realloc(p, n)
#define strdup(s) af_test_strdup(s)
#endif
#endif

#endif
