#!/usr/bin/env bash
# A packager's plain `cmake -S . -B build && cmake --build build` works
# without the test dependencies: with cmocka out of pkg-config's sight (and
# libcurl, libuv, gumbo still in it) the default AFETCH_TESTS=AUTO configures,
# says the tests are off and why, and builds afetch; AFETCH_TESTS=ON then
# stops at configure naming cmocka; with cmocka in sight AUTO turns them on.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
command -v pkg-config >/dev/null || fail "pkg-config is needed"
pkg-config --exists cmocka || fail "cmocka is needed to run this test"

# A pkg-config search path holding every .pc file of the default one but
# cmocka's: PKG_CONFIG_LIBDIR replaces the default path, so only cmocka
# goes missing, as on a machine without libcmocka-dev.
pc=$AF_TMP/pc
mkdir "$pc"
IFS=: read -ra dirs <<<"$(pkg-config --variable pc_path pkg-config)"
for d in "${dirs[@]}"; do
  [[ -d $d ]] || continue
  for f in "$d"/*.pc; do
    [[ -e $f && ! -e $pc/${f##*/} ]] && ln -s "$f" "$pc/${f##*/}"
  done
done
rm -f "$pc/cmocka.pc"
hidden=(env -u PKG_CONFIG_PATH PKG_CONFIG_LIBDIR="$pc")
"${hidden[@]}" pkg-config --exists libcurl libuv gumbo ||
  fail "the scratch pkg-config path lost libcurl, libuv or gumbo"
if "${hidden[@]}" pkg-config --exists cmocka; then
  fail "cmocka is still found through the scratch pkg-config path"
fi

# No cmocka, no option: configure and build succeed, the tests are off.
b=$AF_TMP/packager
"${hidden[@]}" cmake -S "$AF_SRC" -B "$b" >"$AF_TMP/auto.log" 2>&1 ||
  fail "configure without cmocka failed: $(tail -20 "$AF_TMP/auto.log")"
grep -qx -- "-- afetch tests: OFF (AFETCH_TESTS=AUTO and cmocka was not found.*" \
  "$AF_TMP/auto.log" ||
  fail "configure did not say the tests are off and why: $(cat "$AF_TMP/auto.log")"
grep -q '^AFETCH_TESTS:STRING=AUTO$' "$b/CMakeCache.txt" ||
  fail "AFETCH_TESTS is not AUTO by default: $(grep AFETCH_TESTS "$b/CMakeCache.txt")"
nice -n 10 cmake --build "$b" -j2 >"$AF_TMP/build.log" 2>&1 ||
  fail "build without cmocka failed: $(tail -30 "$AF_TMP/build.log")"
"$b/afetch" --version >/dev/null || fail "the packager's afetch does not run"
[[ ! -e $b/tests ]] || fail "the tests directory was configured: $(ls "$b/tests")"
tests=$(cd "$b" && ctest -N | sed -n 's/^Total Tests: //p')
assert_eq "$tests" 0 "tests registered without cmocka"

# Asked for, the tests need cmocka: configure stops and says so.
if "${hidden[@]}" cmake -S "$AF_SRC" -B "$AF_TMP/on" -DAFETCH_TESTS=ON \
  >"$AF_TMP/on.log" 2>&1; then
  fail "AFETCH_TESTS=ON configured without cmocka: $(tail -5 "$AF_TMP/on.log")"
fi
grep -q "cmocka" "$AF_TMP/on.log" ||
  fail "the AFETCH_TESTS=ON error does not name cmocka: $(cat "$AF_TMP/on.log")"

# With cmocka in sight, AUTO builds the tests, and OFF is obeyed.
cmake -S "$AF_SRC" -B "$AF_TMP/found" >"$AF_TMP/found.log" 2>&1 ||
  fail "configure with cmocka failed: $(tail -20 "$AF_TMP/found.log")"
grep -qx -- "-- afetch tests: ON (AFETCH_TESTS=AUTO and cmocka .* was found)" \
  "$AF_TMP/found.log" || fail "AUTO with cmocka: $(cat "$AF_TMP/found.log")"
cmake -S "$AF_SRC" -B "$AF_TMP/off" -DAFETCH_TESTS=OFF >"$AF_TMP/off.log" 2>&1 ||
  fail "configure with AFETCH_TESTS=OFF failed: $(tail -20 "$AF_TMP/off.log")"
grep -qx -- "-- afetch tests: OFF (AFETCH_TESTS=OFF)" "$AF_TMP/off.log" ||
  fail "AFETCH_TESTS=OFF: $(cat "$AF_TMP/off.log")"
pass
