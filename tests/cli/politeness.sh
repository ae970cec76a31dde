#!/usr/bin/env bash
# Per-host politeness, as the servers saw it (/log/times: arrival ms on the
# machine's monotonic clock, so two servers' times compare):
#   - a 429/503 holds its whole host for the Retry-After it sent (seconds,
#     or an HTTP date), capped by --max-retry-after, while another host
#     keeps being served;
#   - --host-delay spaces the starts on each host, and one host's delay
#     does not hold another host back;
#   - --max-host-errors: a host where nothing listens costs at most N
#     connection attempts; its other URLs end at once as host_skipped.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server # host A
af_start_server # host B
tmp=$(mktemp -d -p "$AF_TMP")

# Arrival times (ms) at server BASE of the targets matching regex $2.
arrivals() { af_curl "$1/log/times" | awk -v re="$2" '$3 ~ re {print $1}'; }

# 1. Retry-After in seconds holds host A; host B is served meanwhile. A
# runs one at a time so its queue is waiting when the 503 comes.
{
  echo "$AF_BASE/after/2/ra"
  for i in 1 2 3; do echo "$AF_BASE/page?a=$i"; done
  for i in $(seq 1 15); do echo "$AF_BASE2/delay/200?b=$i"; done
} >"$tmp/in1.txt"
"$AFETCH" --json --no-summary --per-host 1 --retries 1 "$tmp/in1.txt" \
  >"$tmp/out1.json"
assert_eq "$(jq -s length "$tmp/out1.json")" 19 "one result per line"
assert_eq "$(jq -s '[.[] | select(.status == 200)] | length' "$tmp/out1.json")" \
  19 "every URL ends 200 (the 503 one by its retry)"
t503=$(arrivals "$AF_BASE" '^/after/' | head -n1)
mapfile -t later < <(arrivals "$AF_BASE" '^/(page|after)' | sed 1d)
assert_eq "${#later[@]}" 4 "A saw the three pages and the retry after the 503"
for t in "${later[@]}"; do
  assert_ge "$((t - t503))" 1950 "no request to A inside its Retry-After (ms)"
done
inside=$(arrivals "$AF_BASE2" '^/delay/' |
  awk -v a="$t503" '$1 > a && $1 < a + 1800' | wc -l)
assert_ge "$inside" 3 "host B was served during A's Retry-After"

# 2. Retry-After as an HTTP date (a 429): the same hold, to the second.
af_reset "$AF_BASE"
{
  echo "$AF_BASE/after-date/3/rd"
  echo "$AF_BASE/page?d=1"
} >"$tmp/in2.txt"
"$AFETCH" --json --no-summary --per-host 1 "$tmp/in2.txt" >"$tmp/out2.json"
assert_eq "$(jq -r 'select(.url | test("after-date")) | .status' \
  "$tmp/out2.json")" 429 "the 429 is the result (no --retries)"
t429=$(arrivals "$AF_BASE" '^/after-date/')
tpage=$(arrivals "$AF_BASE" '^/page')
# The date has whole seconds: 3 s from a moment inside a second is > 2 s.
assert_ge "$((tpage - t429))" 1950 "the date held host A (ms)"

# 3. --max-retry-after caps what the server asks for: 30 s becomes 1 s.
af_reset "$AF_BASE"
{
  echo "$AF_BASE/after/30/rc"
  echo "$AF_BASE/page?c=1"
} >"$tmp/in3.txt"
"$AFETCH" --json --no-summary --per-host 1 --max-retry-after 1 \
  "$tmp/in3.txt" >"$tmp/out3.json"
t503=$(arrivals "$AF_BASE" '^/after/')
tpage=$(arrivals "$AF_BASE" '^/page')
assert_ge "$((tpage - t503))" 950 "the capped hold still holds 1 s (ms)"
assert_le "$((tpage - t503))" 5000 "and not the 30 s asked for (ms)"

# 4. --host-delay 200: starts on each host 200 ms apart; B is not held
# back by A's delay (it starts with A, not after A's five gaps).
af_reset "$AF_BASE"
af_reset "$AF_BASE2"
{
  for i in $(seq 1 6); do echo "$AF_BASE/page?h=$i"; done
  for i in $(seq 1 6); do echo "$AF_BASE2/page?h=$i"; done
} >"$tmp/in4.txt"
"$AFETCH" --json --no-summary --host-delay 200 "$tmp/in4.txt" >"$tmp/out4.json"
assert_eq "$(jq -s '[.[] | select(.status == 200)] | length' "$tmp/out4.json")" \
  12 "all twelve fetched"
for base in "$AF_BASE" "$AF_BASE2"; do
  mapfile -t t < <(arrivals "$base" '^/page')
  assert_eq "${#t[@]}" 6 "six requests on $base"
  # Arrival is start plus a connect or not, so a gap may look shorter by
  # that much; the span of five gaps is the tight check.
  for ((i = 1; i < ${#t[@]}; i++)); do
    assert_ge "$((t[i] - t[i - 1]))" 120 "starts on one host ~200 ms apart"
  done
  assert_ge "$((t[5] - t[0]))" 960 "five gaps of 200 ms on one host (ms)"
done
a0=$(arrivals "$AF_BASE" '^/page' | head -n1)
b0=$(arrivals "$AF_BASE2" '^/page' | head -n1)
assert_le "$((b0 > a0 ? b0 - a0 : a0 - b0))" 150 \
  "B's first request did not wait for A's delays (ms)"

# 5. 100 URLs on a port where nothing listens, --max-host-errors 5: five
# refused connects, 95 host_skipped, fast. A closed port: bind, then close.
dead=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
for i in $(seq 1 100); do echo "http://127.0.0.1:$dead/p$i"; done >"$tmp/in5.txt"
echo "$AF_BASE/page?alive=1" >>"$tmp/in5.txt"
start=$(date +%s%N)
"$AFETCH" --json --no-summary --max-host-errors 5 "$tmp/in5.txt" \
  >"$tmp/out5.json" || true
ms=$((($(date +%s%N) - start) / 1000000))
kinds=$(jq -r '.error_kind // "none"' "$tmp/out5.json" | sort | uniq -c |
  awk '{print $2 "=" $1}' | tr '\n' ' ')
assert_eq "$kinds" "connect=5 host_skipped=95 none=1 " \
  "five connection attempts, the rest skipped, the live host fetched"
assert_le "$ms" 900 "a dead host costs well under a second (ms)"
msg=$(jq -r 'select(.error_kind == "host_skipped") | .error' "$tmp/out5.json" |
  sort -u)
[[ "$msg" == *"(--max-host-errors)"* ]] || fail "the host_skipped error names the flag: $msg"
# 0 turns it off: every URL tries to connect.
"$AFETCH" --json --no-summary --max-host-errors 0 "$tmp/in5.txt" \
  >"$tmp/out6.json" || true
assert_eq "$(jq -s '[.[] | select(.error_kind == "connect")] | length' \
  "$tmp/out6.json")" 100 "--max-host-errors 0: all 100 attempted"

echo "politeness: ok"
