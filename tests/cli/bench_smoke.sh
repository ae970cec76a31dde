#!/usr/bin/env bash
# The benchmark suite still runs end to end: bench/run.sh --smoke (tiny
# lists, one round, no apt-get, no waiting for a quiet machine) against the
# built afetch and afserve, and its BENCHMARKS.md has, for each of the nine
# workloads, a target verdict and an afetch row with a figure. Then the
# local-internet sets (bench/net.sh --smoke, in a network namespace; skipped
# without root): a verdict for each of their workloads, afetch rows that
# answered every live URL, and the 429 host's windows read from afserve's
# log.
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

# --- the local-internet sets ------------------------------------------------
AFDNS=${AFDNS:-$(dirname "$AFSERVE")/afdns}
net=$AF_TMP/net
rc=0
AFETCH=$AFETCH AFSERVE=$AFSERVE AFDNS=$AFDNS TMPDIR=/tmp \
  timeout -k 5 240 bash "$AF_SRC/bench/net.sh" --smoke --out "$net" \
  >"$AF_TMP/net.out" 2>"$AF_TMP/net.err" || rc=$?
if [[ $rc == 77 ]]; then
  echo "SKIP: bench/net.sh needs root and unshare (network namespaces)"
  pass
  exit 0
fi
[[ $rc == 0 ]] || fail "bench/net.sh --smoke exited $rc: $(tail -20 "$AF_TMP/net.err")"
nmd=$net/BENCHMARKS-net.md
[[ -s $nmd ]] || fail "no $nmd"
for w in R1 R2 R3 R4 R5 R6 R7 B1 P1 P2 P3; do
  grep -Eq "^\| $w \| .* \| (MET|\*\*NOT MET\*\*|info|n/a) \|$" "$nmd" ||
    fail "no verdict for $w in BENCHMARKS-net.md"
done
csv=$(ls "$net"/results/net-2*.csv)
# Every afetch run answered every URL that has a server behind it (R7 and
# P2 hold dead ones: there, every line is reported).
bad=$(awk -F, 'NR > 1 && $3 == "afetch" && $2 !~ /^(R7|P2|P3)/ && $9 != $4' "$csv")
[[ -z $bad ]] || fail "afetch runs that missed URLs: $bad"
bad=$(awk -F, 'NR > 1 && $3 == "afetch" && $2 ~ /^(R7|P2)$/ && $15 != $4' "$csv")
[[ -z $bad ]] || fail "afetch runs that did not report every line: $bad"
# The 429 host met windows, and afetch sent nothing inside them.
p1=$(awk -F, 'NR > 1 && $2 == "P1" && $3 == "afetch"' "$csv")
win=$(cut -d, -f18 <<<"$p1") breach=$(cut -d, -f17 <<<"$p1")
assert_ge "${win:-0}" 1 "Retry-After windows the 429 host announced"
assert_eq "$breach" 0 "requests inside a Retry-After window"
pass
