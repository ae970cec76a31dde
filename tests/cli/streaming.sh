#!/usr/bin/env bash
# Input is streamed: afetch fetches a URL while its producer is still
# writing, and --order input prints in input order while fetching stays
# concurrent.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")

# A producer that writes the second URL only after the server has seen the
# first: if afetch waited for the end of its input, this would never end
# (bounded: the wait gives up after 10 s and the test fails).
mkfifo "$tmp/fifo"
(
  echo "$AF_BASE/page/first"
  for _ in $(seq 1000); do
    curl -s "$AF_BASE/log" | grep -q /page/first && break
    sleep 0.01
  done
  curl -s "$AF_BASE/log" | grep -q /page/first || echo "NOT-STREAMED"
  echo "$AF_BASE/page/second"
) >"$tmp/fifo" &
producer=$!
"$AFETCH" --no-summary <"$tmp/fifo" >"$tmp/out.txt"
wait "$producer"
grep -q NOT-STREAMED "$tmp/out.txt" && fail "afetch waited for the end of input"
assert_eq "$(grep -c '^200 ' "$tmp/out.txt")" 2 "both fetched"

# --order input: delays decreasing, so completion order is the reverse.
af_reset
for i in $(seq 10); do echo "$AF_BASE/delay/$(((11 - i) * 30))/o$i"; done \
  >"$tmp/o.txt"
"$AFETCH" --order input --json --no-summary -c 10 --per-host 10 "$tmp/o.txt" \
  >"$tmp/o.json"
assert_eq "$(jq -s -c '[.[].line]' "$tmp/o.json")" "[1,2,3,4,5,6,7,8,9,10]" \
  "--order input"
assert_eq "$(af_stat .inflight_max)" 10 "and still fetched concurrently"
"$AFETCH" --json --no-summary -c 10 --per-host 10 "$tmp/o.txt" >"$tmp/c.json"
assert_eq "$(jq -s -c '[.[].line]' "$tmp/c.json")" "[10,9,8,7,6,5,4,3,2,1]" \
  "completion order by default"

# A large piped list: every line yields a result.
for i in $(seq 5000); do echo "$AF_BASE/page/$i"; done |
  "$AFETCH" -c 50 --per-host 50 --no-summary >"$tmp/big.txt"
assert_eq "$(grep -c '^200 ' "$tmp/big.txt")" 5000 "5000 piped URLs"
pass streaming
