#!/usr/bin/env bash
# --host-log FILE against what the servers counted, and the summary's
# lines for the per-host holds:
#   - requests, peak in flight and the 429/503 counts per host equal (or,
#     for the peak, bound) the server's /stats; the back-off served is the
#     Retry-After the server sent; a dead host's skipped URLs are counted;
#   - the summary names the back-off (and --max-retry-after) and
#     --host-delay when they held the run back, with the URLs they held.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server # A: a 429 and a 503, each with Retry-After: 1
af_start_server # B: twelve slow pages at once
tmp=$(mktemp -d -p "$AF_TMP")
export A=$AF_BASE B=$AF_BASE2
dead=$(python3 -c 'import socket; s = socket.socket()
s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

{
  echo "$A/status/429"
  echo "$A/page?a=1"
  echo "$A/status/503"
  echo "$A/page?a=2"
  for i in $(seq 1 12); do echo "$B/delay/300?b=$i"; done
  for i in 1 2 3 4 5; do echo "http://127.0.0.1:$dead/p$i"; done
} >"$tmp/in1.txt"
"$AFETCH" --json --per-host 1 --max-host-errors 2 --host-log "$tmp/h1.json" \
  "$tmp/in1.txt" >"$tmp/out1.json" 2>"$tmp/err1.txt" || true
# --per-host 1 holds B's twelve to one at a time; a second run lets B go
# six at once (its peak below), so run B alone with --per-host 6 next.
hl() { jq -r --arg h "$1" "select(.host == \$h) | $2" "$3"; }
ha=${A#http://}
assert_eq "$(wc -l <"$tmp/h1.json")" 3 "one line per host"
assert_eq "$(jq -r .host "$tmp/h1.json" | tr '\n' ' ')" \
  "$ha ${B#http://} 127.0.0.1:$dead " "hosts in the order they came"
assert_eq "$(hl "$ha" .requests "$tmp/h1.json")" \
  "$(af_host_stat requests "$ha" "$A")" "A: requests = the server's"
assert_eq "$(hl "$ha" '[.status_429, .status_503, .peak_in_flight, .robots,
  (.robots_status | tostring), .skipped] | join(" ")' "$tmp/h1.json")" \
  "1 1 1 none null 0" "A: one 429, one 503, one at a time, no robots"
# Each Retry-After: 1 holds A for exactly 1 s, one after the other.
assert_eq "$(hl "$ha" .backoff_ms "$tmp/h1.json")" 2000 "A: 2 s of back-off served"
assert_eq "$(hl "127.0.0.1:$dead" '[.requests, .skipped] | join(" ")' \
  "$tmp/h1.json")" "2 3" "dead host: two attempts, three skipped"
assert_eq "$(jq -s '[.[] | select(.error_kind == "host_skipped")] | length' \
  "$tmp/out1.json")" 3 "the three skipped lines"
grep -q "a host's back-off after 429/503 held back 3 URLs" "$tmp/err1.txt" ||
  fail "summary names the back-off: $(cat "$tmp/err1.txt")"
grep -q -- "--max-retry-after SEC caps the hold" "$tmp/err1.txt" ||
  fail "summary names --max-retry-after: $(cat "$tmp/err1.txt")"
grep -q -- "--host-delay" "$tmp/err1.txt" &&
  fail "no host delay was set, none is named: $(cat "$tmp/err1.txt")"

# 2. Twelve slow pages, six at once: the peaks as the server saw them.
af_reset "$B"
for i in $(seq 1 12); do echo "$B/delay/300?b=$i"; done >"$tmp/in2.txt"
"$AFETCH" --json --no-summary --per-host 6 --host-log "$tmp/h2.json" \
  "$tmp/in2.txt" >"$tmp/out2.json"
hb=${B#http://}
assert_eq "$(hl "$hb" .requests "$tmp/h2.json")" \
  "$(af_host_stat requests "$hb" "$B")" "B: requests = the server's"
assert_eq "$(hl "$hb" .peak_in_flight "$tmp/h2.json")" \
  "$(af_host_stat inflight_max "$hb" "$B")" "B: peak in flight = the server's"
assert_eq "$(hl "$hb" .peak_in_flight "$tmp/h2.json")" 6 "B: six at once"
# Twelve starts in 0.3 s: one second of the run holds them all, unless
# the run began just before a second's end.
assert_ge "$(hl "$hb" .peak_starts_per_second "$tmp/h2.json")" 6 \
  "B: peak starts in one second"

# 3. --host-delay 300 on five URLs: the summary names it and its count.
af_reset "$A"
for i in 1 2 3 4 5; do echo "$A/page?d=$i"; done >"$tmp/in3.txt"
"$AFETCH" --json --host-delay 300 --host-log "$tmp/h3.json" "$tmp/in3.txt" \
  >"$tmp/out3.json" 2>"$tmp/err3.txt"
grep -q -- "--host-delay 300 held back 4 URLs" "$tmp/err3.txt" ||
  fail "summary names --host-delay: $(cat "$tmp/err3.txt")"
grep -q "back-off" "$tmp/err3.txt" &&
  fail "no back-off happened, none is named: $(cat "$tmp/err3.txt")"
assert_eq "$(hl "$ha" '[.requests, .peak_starts_per_second <= 4] | join(" ")' \
  "$tmp/h3.json")" "5 true" "A: five starts, at most four in one second"

# 4. A path that cannot be written is refused before any request.
af_reset "$A"
"$AFETCH" --host-log "$tmp/no/such/dir/h.json" "$A/page" >/dev/null \
  2>"$tmp/err4.txt" && fail "an unwritable --host-log is an error"
assert_eq "$(af_stat requests_total "$A")" 0 "nothing fetched"
pass
