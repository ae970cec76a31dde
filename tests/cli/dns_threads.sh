#!/usr/bin/env bash
# No thread per lookup: 2000 names behind a 50 ms DNS at -c 200, with
# afetch's thread count read from /proc/PID/status again and again while
# they resolve. libcurl's threaded resolver would run one thread per lookup
# in flight (up to 200 here); on the loop, the count stays that of the
# libuv pool and the loop itself. afdns's pending_max shows the lookups
# really were in flight together while the samples were taken.
set -euo pipefail
source "$AF_SRC/tests/cli/lib_net.sh"

net_start_dns --delay 50
net_start_nginx 0
tmp=$(mktemp -d -p "$AF_TMP")
for h in $(seq 2000); do echo "http://h$h.test/small"; done >"$tmp/u.txt"

"$AFETCH" -c 200 --json --no-summary "$tmp/u.txt" >"$tmp/r.json" &
pid=$!
max=0 samples=0
# Bounded: the run ends in about a second; 200 000 reads is far past that.
for ((i = 0; i < 200000; i++)); do
  t=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || break
  [[ -n $t ]] || break
  samples=$((samples + 1))
  ((t > max)) && max=$t
done
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 0 "the run: $(jq -c 'select(.status != 200)' "$tmp/r.json" |
  head -3)"
assert_eq "$(jq -s 'map(select(.status == 200)) | length' "$tmp/r.json")" \
  2000 "every name answered"
pending=$(net_dns_stat pending_max)
echo "threads: at most $max in $samples samples; afdns had up to $pending" \
  "answers pending at once; $(net_dns_stat queries) queries"
assert_ge "$samples" 3 "samples taken while the run went on"
assert_ge "$pending" 100 "lookups were in flight together"
assert_le "$max" 16 "threads while 2000 names resolve at -c 200"
assert_eq "$(net_dns_stat queries)" 4000 "one A and one AAAA per name"
net_stop_dns
pass dns_threads
