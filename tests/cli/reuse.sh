#!/usr/bin/env bash
# Connections are kept for reuse across all the hosts in flight, on a
# shuffled list and on one sorted by host (where the spill file brings the
# other hosts in while the first is capped): 20 hosts at -c 60 --per-host 6
# cost at most 2 x 20 x 6 connections, counted by the 20 servers
# themselves. libcurl closes a connection as its transfer ends when its
# cache (CURLMOPT_MAXCONNECTS, src/curlev.c) is full, which it is whenever
# every slot is busy if the cache is only -c large: then nearly every
# transfer opens a connection of its own.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
tmp=$AF_TMP

bases=()
pids=()
for _ in $(seq 20); do
  af_start_server
  bases+=("$AF_LAST_BASE")
  pids+=("$AF_LAST_PID")
done

# Sums connections_total over the 20 servers, each of which must have been
# used, then zeroes them.
connections() {
  local n=0 c b
  for b in "${bases[@]}"; do
    c=$(af_stat connections_total "$b")
    assert_ge "$c" 1 "connections to $b"
    n=$((n + c))
    af_reset "$b"
  done
  echo "$n"
}

run() {
  local list=$1 want
  want=$(wc -l <"$list")
  "$AFETCH" -c 60 --per-host 6 --json --no-summary "$list" >"$tmp/r.json" ||
    fail "$list: $(jq -c 'select(.status != 200)' "$tmp/r.json" | head -3)"
  assert_eq "$(jq -s '[.[] | select(.status == 200)] | length' \
    "$tmp/r.json")" "$want" "URLs answered in $list"
}

# Shuffled: 20 hosts x 200 URLs.
for i in $(seq 200); do
  for b in "${bases[@]}"; do echo "$b/text?i=$i"; done
done | shuf >"$tmp/shuffled.txt"
run "$tmp/shuffled.txt"
n=$(connections)
echo "20 hosts x 200 shuffled, -c 60 --per-host 6: $n connections"
assert_le "$n" 240 "connections, shuffled list (2 x 20 x 6)"

# Sorted by host, the first host beyond the 4096-URL window.
{
  for i in $(seq 4500); do echo "${bases[0]}/text?i=$i"; done
  for b in "${bases[@]:1}"; do
    for i in $(seq 100); do echo "$b/text?i=$i"; done
  done
} >"$tmp/sorted.txt"
run "$tmp/sorted.txt"
n=$(connections)
echo "20 hosts sorted (4500 + 19 x 100), -c 60 --per-host 6: $n connections"
assert_le "$n" 240 "connections, sorted list (2 x 20 x 6)"
pass
