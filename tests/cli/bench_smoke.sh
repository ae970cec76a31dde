#!/usr/bin/env bash
# The benchmark suite still runs end to end: bench/run.sh --smoke (tiny
# lists, one round, no apt-get, no waiting for a quiet machine) against the
# built afetch and afserve, and its BENCHMARKS.md has, for each of the nine
# workloads, a target verdict and an afetch row with a figure.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"

# Under the sanitizers the figures mean nothing and the lists are slow: skip
# on purpose, and say so.
if [[ ${AF_SANITIZED:-} == 1 ]]; then
  echo "SKIP $AF_TEST_NAME: AF_SANITIZED=1; a performance benchmark under" \
    "ASan/UBSan measures the sanitizers (run bench/run.sh --smoke on a" \
    "release build)"
  pass
  exit 0
fi
command -v nginx >/dev/null || command -v /usr/sbin/nginx >/dev/null ||
  fail "nginx is not installed (tests/scripts/deps.sh test)"
command -v curl >/dev/null || fail "curl is not installed"

out=$AF_TMP/bench
rc=0
AFETCH=$AFETCH AFSERVE=$AFSERVE TMPDIR=/tmp \
  timeout -k 5 240 bash "$AF_SRC/bench/run.sh" --smoke --out "$out" \
  >"$AF_TMP/run.out" 2>"$AF_TMP/run.err" || rc=$?
[[ $rc == 0 ]] || fail "bench/run.sh --smoke exited $rc: $(tail -20 "$AF_TMP/run.err")"
md=$out/BENCHMARKS.md
[[ -s $md ]] || fail "no $md: $(tail -20 "$AF_TMP/run.err")"

for i in 1 2 3 4 5 6 7 8 9; do
  # A verdict in the targets table.
  grep -Eq "^\| W$i \| .* \| (MET|MISSED|info)[^|]* \|$" "$md" ||
    fail "no target row for W$i in BENCHMARKS.md"
  # An afetch row with a wall time in the workload's own table.
  row=$(awk -v h="### W$i:" 'index($0, h) == 1 { on = 1; next }
    /^### / { on = 0 }
    on && /^\| \*\*afetch/ { print; exit }' "$md")
  [[ -n $row ]] || fail "no afetch row under W$i"
  wall=$(awk -F'|' '{ gsub(/ /, "", $4); print $4 }' <<<"$row")
  [[ $wall =~ ^[0-9]+\.[0-9]+$ ]] ||
    fail "W$i afetch row has no wall time: $row"
done
# Every afetch run answered every URL (the report lists those that did not).
if grep -q "^Runs where not every URL was answered 200:.*afetch" "$md"; then
  fail "$(grep "^Runs where not every URL" "$md")"
fi
grep -q "^## Exact commands" "$md" || fail "no exact commands"
pass
