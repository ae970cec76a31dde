#!/usr/bin/env bash
# Runs the real afetch under valgrind memcheck: any error or leak makes the
# run exit 99, which the integration test then reports as a failure.
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
  --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=all \
  --track-fds=no "$AFETCH_REAL" "$@"
