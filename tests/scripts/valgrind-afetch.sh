#!/usr/bin/env bash
# Runs the real afetch under valgrind memcheck: any error or leak makes the
# run exit 99, which the integration test then reports as a failure.
# valgrind.supp holds the one false positive of this Debian's ld.so. Found
# through AF_SRC, since a test may copy this script elsewhere as "afetch".
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
  --suppressions="$AF_SRC/tests/scripts/valgrind.supp" \
  --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=all \
  --track-fds=no "$AFETCH_REAL" "$@"
