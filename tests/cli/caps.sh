#!/usr/bin/env bash
# Admission control: -c caps the transfers in flight, --per-host caps them
# per host, proven by what the server counted, not by what afetch says.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")

# The issue's case: 200 URLs of 300 ms with -c 20 (all one host).
for i in $(seq 200); do echo "$AF_BASE/delay/300/$i"; done >"$tmp/u.txt"
start=$(date +%s%N)
"$AFETCH" -c 20 --per-host 20 --json --no-summary "$tmp/u.txt" \
  >"$tmp/out.json"
ms=$((($(date +%s%N) - start) / 1000000))
assert_eq "$(jq -s 'map(select(.status == 200)) | length' "$tmp/out.json")" \
  200 "all 200 answered"
assert_le "$(af_stat .connections_max)" 20 "connections open at most"
assert_eq "$(af_stat .inflight_max)" 20 "requests in flight at most"
assert_eq "$(af_stat .requests_total)" 200 "requests"
# 10 waves of 300 ms: about 3 s. A loose bound: this is not a benchmark.
assert_le "$ms" 9000 "wall time of 10 waves of 300 ms (ms)"

# Two hosts (127.0.0.1 and localhost reach the same server with different
# Host headers): -c 8 --per-host 3 means 3 per host, 6 in all.
af_reset
for i in $(seq 30); do
  echo "http://127.0.0.1:$AF_PORT/delay/200/a$i"
  echo "http://localhost:$AF_PORT/delay/200/b$i"
done >"$tmp/two.txt"
"$AFETCH" -q -c 8 --per-host 3 "$tmp/two.txt" 2>/dev/null
assert_eq "$(af_stat ".hosts[\"127.0.0.1:$AF_PORT\"].inflight_max")" 3 \
  "per-host cap on 127.0.0.1"
assert_eq "$(af_stat ".hosts[\"localhost:$AF_PORT\"].inflight_max")" 3 \
  "per-host cap on localhost"
assert_le "$(af_stat .inflight_max)" 6 "global in flight with two hosts"
assert_eq "$(af_stat .requests_total)" 60 "requests"

# The global cap binds before the per-host one.
af_reset
"$AFETCH" -q -c 4 --per-host 10 "$tmp/two.txt" 2>/dev/null
assert_eq "$(af_stat .inflight_max)" 4 "global cap with a loose per-host cap"

# --rate: 20 URLs at 10/s take about 2 s; the server saw them spread out.
af_reset
for i in $(seq 20); do echo "$AF_BASE/page/r$i"; done >"$tmp/r.txt"
start=$(date +%s%N)
"$AFETCH" -q --rate 10 "$tmp/r.txt" 2>/dev/null
ms=$((($(date +%s%N) - start) / 1000000))
assert_ge "$ms" 1800 "20 URLs at --rate 10 take at least 1.9 s (ms)"
pass caps
