#!/usr/bin/env bash
# What held a run back: the summary's limit_held / limit_wait_ms, read
# through the library (examples/summary.c prints the summary as JSON), and
# the CLI's line naming the limit and its flag. The classic case is 300
# URLs of 50-500 ms on one host: with the defaults (-c 50, --per-host 6)
# they wait on their host; with --per-host 50 on -c instead.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")
summary=$AF_BUILD/example_summary

# lim FILE LIMIT FIELD: one field of the (last) summary's limits.
lim() {
  tail -1 "$1" | jq -r ".limits.$2.$3"
}

# An integer part, for assert_ge.
int() {
  printf '%s\n' "${1%.*}"
}

for i in $(seq 0 299); do
  echo "$AF_BASE/delay/$((50 + i * 37 % 451))/d$i"
done >"$tmp/d300.txt"

# Defaults: the first 6 start at once, the other 294 wait for their host.
"$summary" <"$tmp/d300.txt" >"$tmp/def.out" 2>"$tmp/def.json"
assert_eq "$(wc -l <"$tmp/def.out")" 300 "d300 results"
assert_eq "$(af_stat .inflight_max)" 6 "the server saw --per-host 6"
assert_eq "$(lim "$tmp/def.json" per_host held)" 294 "per-host held"
# Each waited for the ones before it on 6 slots: minutes in all.
assert_ge "$(int "$(lim "$tmp/def.json" per_host wait_ms)")" 300000 \
  "per-host wait (ms)"
assert_eq "$(lim "$tmp/def.json" concurrency held)" 0 "-c held, defaults"
assert_eq "$(lim "$tmp/def.json" rate held)" 0 "rate held, defaults"

# --per-host 50 with -c 50: one host can never be the tighter cap, so the
# 250 that wait are -c's.
af_reset
"$summary" --per-host 50 <"$tmp/d300.txt" >"$tmp/ph.out" 2>"$tmp/ph.json"
assert_eq "$(wc -l <"$tmp/ph.out")" 300 "d300 results, --per-host 50"
assert_eq "$(af_stat .inflight_max)" 50 "the server saw -c 50"
assert_eq "$(lim "$tmp/ph.json" per_host held)" 0 "per-host held, --per-host 50"
assert_ge "$(lim "$tmp/ph.json" concurrency held)" 240 "-c held"
assert_le "$(lim "$tmp/ph.json" concurrency held)" 250 "-c held"
# Far less waiting than with --per-host 6.
assert_le "$(int "$(lim "$tmp/ph.json" concurrency wait_ms)")" \
  "$(($(int "$(lim "$tmp/def.json" per_host wait_ms)") / 3))" "-c wait (ms)"

# --rate 50: after the first start each one waits for its token.
af_reset
for i in $(seq 40); do echo "$AF_BASE/page/r$i"; done >"$tmp/r.txt"
"$summary" --rate 50 --per-host 50 <"$tmp/r.txt" >"$tmp/r.out" 2>"$tmp/r.json"
assert_eq "$(lim "$tmp/r.json" rate held)" 39 "rate held"
assert_eq "$(lim "$tmp/r.json" concurrency held)" 0 "-c held, --rate"
assert_eq "$(lim "$tmp/r.json" per_host held)" 0 "per-host held, --rate"

# Two hosts (two servers), -c 8, --per-host 6, host A's 30 URLs first:
# A runs 6, B the other 2. A's waiting URLs are per-host's even while
# every global slot is busy (raising -c alone would not start them), so
# -c can only have held B's 28.
af_start_server
af_reset
{
  for i in $(seq 30); do echo "$AF_BASE/delay/300/a$i"; done
  for i in $(seq 30); do echo "$AF_BASE2/delay/300/b$i"; done
} >"$tmp/two.txt"
"$summary" -c 8 --per-host 6 <"$tmp/two.txt" >"$tmp/two.out" 2>"$tmp/two.json"
assert_eq "$(wc -l <"$tmp/two.out")" 60 "two hosts: results"
assert_ge "$(lim "$tmp/two.json" per_host held)" 24 "two hosts: per-host held"
assert_le "$(lim "$tmp/two.json" concurrency held)" 28 "two hosts: -c held"
assert_ge "$(lim "$tmp/two.json" concurrency held)" 1 "two hosts: -c held"

# A sequential run is one at a time by request: nothing is charged.
af_reset
for i in $(seq 6); do echo "$AF_BASE/delay/20/s$i"; done >"$tmp/s.txt"
"$summary" --sequential <"$tmp/s.txt" >/dev/null 2>"$tmp/s.json"
assert_eq "$(head -1 "$tmp/s.json" | jq '[.limits[].held] | add')" 0 \
  "sequential run: no limit held"

# The CLI names the limit, the URLs it held and the flag that changes it
# (one line: "--per-host 2 held back 10 URLs ...: use --per-host N ...").
af_reset
for i in $(seq 12); do echo "$AF_BASE/delay/400/t$i"; done >"$tmp/t.txt"
"$AFETCH" --per-host 2 "$tmp/t.txt" >/dev/null 2>"$tmp/t.err"
grep -Eq -- "--per-host 2 .*held back 10 URLs.*--per-host N" "$tmp/t.err" ||
  fail "per-host line: $(cat "$tmp/t.err")"
"$AFETCH" -c 2 "$tmp/t.txt" >/dev/null 2>"$tmp/t2.err"
grep -Eq -- "-c 2 .*held back 10 URLs.*-c N" "$tmp/t2.err" ||
  fail "-c line: $(cat "$tmp/t2.err")"
if grep -q -- "--per-host" "$tmp/t2.err"; then
  fail "per-host blamed: $(cat "$tmp/t2.err")"
fi
pass limits
