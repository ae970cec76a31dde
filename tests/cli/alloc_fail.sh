#!/usr/bin/env bash
# Allocation failure at every point of a small mixed run (a page, a 404, an
# invalid line, a refused port, a redirect, a refused scheme, a 503): each
# run ends cleanly, with one result per URL or an API error
# (tests/alloc/alloc_fail.c; under the sanitizers, with no leak).
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
drv=$AF_BUILD/tests/alloc_fail
[[ -x $drv ]] || fail "no $drv"
af_start_server
out=$("$drv" "$AF_BASE" 20000) || fail "the driver failed: $out"
echo "$out"
n=$(sed -n 's/^ok: \([0-9]*\) failure points.*/\1/p' <<<"$out")
# A run that allocates little means the countdown is not in front of the
# library's allocations.
assert_ge "${n:-0}" 200 "failure points walked"
af_stop_server
pass
