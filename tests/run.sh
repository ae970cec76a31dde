#!/usr/bin/env bash
# Installs what is missing, builds with -Werror, and runs every test: the
# unit and integration suites (ctest), then the same suites again under
# AddressSanitizer + UBSan, the fuzz targets for a bounded time, and the
# integration tests once under valgrind memcheck.
# Usage: tests/run.sh [quick]   (quick: the release suite only)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# A bare root has no locale: man and groff then warn on the man page's
# UTF-8 example, and the install test reads those warnings.
if [ -z "${LC_ALL:-}${LANG:-}" ]; then export LANG=C.UTF-8; fi
bash "$root/tests/scripts/deps.sh" test
jobs=$(nproc)
out=${AF_OUT:-$root/build-tests}

echo "== release build + tests"
cmake -S "$root" -B "$out/release" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DAFETCH_WERROR=ON -DAFETCH_TESTS=ON >/dev/null
cmake --build "$out/release" -j"$jobs" >/dev/null
(cd "$out/release" && ctest --output-on-failure -j"$jobs" -LE memcheck)
[ "${1:-}" = quick ] && exit 0

echo "== AddressSanitizer + UBSan build + tests"
cmake -S "$root" -B "$out/asan" -DCMAKE_BUILD_TYPE=Debug -DAFETCH_WERROR=ON \
  -DAFETCH_SANITIZE=ON -DAFETCH_TESTS=ON >/dev/null
cmake --build "$out/asan" -j"$jobs" >/dev/null
(cd "$out/asan" && AF_SANITIZED=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --output-on-failure -j"$jobs" -LE "nosan|memcheck")

echo "== valgrind memcheck over the integration tests"
(cd "$out/release" && ctest --output-on-failure -j"$jobs" -L memcheck)

echo "== fuzz targets (bounded time)"
CC=clang cmake -S "$root" -B "$out/fuzz" -DAFETCH_FUZZ=ON -DAFETCH_TESTS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out/fuzz" -j"$jobs" >/dev/null
(cd "$out/fuzz" && ctest --output-on-failure)
echo "all suites passed"
