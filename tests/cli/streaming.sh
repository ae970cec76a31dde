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

# The reorder window (1024 results) is a bound: while the oldest URL is
# slow, afetch starts no URL 1024 or more lines after it, and prints nothing
# (it cannot), instead of buffering the whole list.
af_reset
{
  echo "$AF_BASE/delay/6000/oldest"
  for i in $(seq 3000); do echo "$AF_BASE/page/r$i"; done
} >"$tmp/r.txt"
"$AFETCH" --order input --no-summary -c 50 --per-host 50 "$tmp/r.txt" \
  >"$tmp/r.out" &
rpid=$!
# Bounded poll until the fast ones stop arriving: 1024 requests seen and only
# the slow one left in flight.
for _ in $(seq 1000); do
  [[ $(af_stat requests_total) -ge 1024 && $(af_stat inflight_current) == 1 ]] &&
    break
  sleep 0.005
done
seen=$(af_stat requests_total)
printed=$(wc -l <"$tmp/r.out")
assert_eq "$(af_stat inflight_current)" 1 "only the oldest in flight"
assert_eq "$seen" 1024 "URLs started while the oldest was pending"
assert_eq "$printed" 0 "lines printed before the oldest"
wait "$rpid"
assert_eq "$(wc -l <"$tmp/r.out")" 3001 "every line in the end"
assert_eq "$(af_stat requests_total)" 3001 "requests in the end"
head -1 "$tmp/r.out" | grep -q "/delay/6000/oldest" || fail "first: $(head -1 "$tmp/r.out")"
assert_eq "$(grep -o "$AF_BASE/[^ ]*" "$tmp/r.out" | sed -n '2p;3001p' | tr '\n' ' ')" \
  "$AF_BASE/page/r1 $AF_BASE/page/r3000 " "input order after the slow one"

# A large piped list: every line yields a result.
for i in $(seq 5000); do echo "$AF_BASE/page/$i"; done |
  "$AFETCH" -c 50 --per-host 50 --no-summary >"$tmp/big.txt"
assert_eq "$(grep -c '^200 ' "$tmp/big.txt")" 5000 "5000 piped URLs"
pass streaming
