#!/usr/bin/env bash
# --sequential: one transfer at a time, in input order, over one reused
# connection; --compare runs both ways and prints the speedup.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")

for i in $(seq 12); do echo "$AF_BASE/delay/$((13 - i))0/s$i"; done \
  >"$tmp/u.txt"
"$AFETCH" --sequential --json --no-summary "$tmp/u.txt" >"$tmp/out.json"
assert_eq "$(jq -s -c '[.[].line]' "$tmp/out.json")" \
  "[1,2,3,4,5,6,7,8,9,10,11,12]" "results in input order"
assert_eq "$(af_stat .inflight_max)" 1 "one request at a time"
assert_eq "$(af_stat .connections_total)" 1 "one connection, reused"
# The server got them in input order too.
curl -s "$AF_BASE/log" | awk '{print $2}' >"$tmp/log.txt"
sed "s|$AF_BASE||" "$tmp/u.txt" >"$tmp/want.txt"
diff "$tmp/want.txt" "$tmp/log.txt" >/dev/null ||
  fail "server saw another order: $(cat "$tmp/log.txt")"
assert_eq "$(jq -s '[.[] | select(.reused)] | length' "$tmp/out.json")" 11 \
  "every transfer but the first reused the connection"

# --compare: 20 pages of 100 ms; sequential >= 2 s, concurrent ~0.1 s.
af_reset
for i in $(seq 20); do echo "$AF_BASE/delay/100/c$i"; done >"$tmp/c.txt"
"$AFETCH" --compare -c 20 --per-host 20 "$tmp/c.txt" >"$tmp/cmp.out" \
  2>"$tmp/cmp.err"
assert_eq "$(wc -l <"$tmp/cmp.out")" 40 "both runs print every URL"
grep -q "^sequential: 20 URLs, 20 ok" "$tmp/cmp.err" || fail "sequential summary"
grep -q "^concurrent: 20 URLs, 20 ok" "$tmp/cmp.err" || fail "concurrent summary"
speed=$(sed -n 's/^speedup: \([0-9.]*\)x.*/\1/p' "$tmp/cmp.err")
[ -n "$speed" ] || fail "no speedup line: $(cat "$tmp/cmp.err")"
awk -v s="$speed" 'BEGIN { exit !(s >= 5) }' || fail "speedup $speed < 5"
assert_eq "$(af_stat .requests_total)" 40 "each run fetched every URL"
# A fresh multi handle per run: the concurrent run opened its own
# connections instead of inheriting the sequential run's one.
assert_ge "$(af_stat .connections_total)" 10 "connections over both runs"
pass sequential
