#!/usr/bin/env bash
# Lists sorted by host (docs/DESIGN.md, "Sorted lists"): the first host has
# more URLs than the 4096-URL read-ahead window, and still the other hosts
# are served from the start, in bounded memory, with URLs held back for a
# busy host kept in a spill file that no one else can see.
#  - the server's own log shows every other host's first request before
#    the first host's 300th (without the spill the window holds only the
#    first host, and the others wait for 905 of its URLs to start);
#  - every line gets exactly one result, with its own line number;
#  - the spill file is open while afetch runs and has no name, so nothing
#    is left in TMPDIR after a SIGKILL;
#  - SIGINT mid-run gives the spilled lines cancelled results;
#  - 200 000 URLs sorted on 2 hosts keep peak RSS under 64 MiB.
set -euo pipefail
source "$AF_SRC/tests/cli/lib_net.sh"
tmp=$NET_DIR

af_start_server
net_start_nginx 6 "$AF_PORT" # 127.0.0.1 .. 127.0.0.6 :80, proxied to afserve

# Host 1: 5000 quick URLs; hosts 2..6: 300 each that take 30 ms, so the
# servers see them in flight together.
{
  for i in $(seq 5000); do echo "http://127.0.0.1/text?h=1&i=$i"; done
  for k in 2 3 4 5 6; do
    for i in $(seq 300); do echo "http://127.0.0.$k/delay/30?h=$k&i=$i"; done
  done
} >"$tmp/sorted.txt"
total=6500

# Each line of list has exactly one result in json, with that line's URL.
check_lines() {
  local json=$1 list=$2 want
  want=$(wc -l <"$list")
  jq -r '"\(.line) \(.url)"' "$json" | sort -n >"$tmp/got.txt"
  assert_eq "$(wc -l <"$tmp/got.txt")" "$want" "results in $json"
  nl -ba -w1 -s' ' "$list" >"$tmp/want.txt"
  cmp -s "$tmp/got.txt" "$tmp/want.txt" ||
    fail "line numbers or URLs differ: $(diff "$tmp/got.txt" "$tmp/want.txt" |
      head -3)"
}

# --- interleaving, seen by the server -------------------------------------
af_reset
"$AFETCH" -c 36 --per-host 6 --json --no-summary "$tmp/sorted.txt" \
  >"$tmp/run.json" ||
  fail "sorted run: $(jq -c 'select(.status != 200)' "$tmp/run.json" | head -3)"
check_lines "$tmp/run.json" "$tmp/sorted.txt"
assert_eq "$(jq -s '[.[] | select(.status == 200)] | length' "$tmp/run.json")" \
  "$total" "answered"
# The log is in arrival order: host 1's requests before each host's first.
af_log | awk '
  { if (!match($2, /h=[0-9]+/)) next
    h = substr($2, RSTART + 2, RLENGTH - 2) }
  h == 1 { ones++; next }
  !(h in first) { first[h] = ones }
  END { for (h in first) print h, first[h] }' | sort -n >"$tmp/first.txt"
assert_eq "$(wc -l <"$tmp/first.txt")" 5 "hosts 2..6 in the log"
while read -r h before; do
  echo "host $h: first request after $before of host 1"
  assert_le "$before" 300 "host 1 requests before host $h's first"
done <"$tmp/first.txt"
assert_le "$(af_stat inflight_max)" 36 "in flight at once (-c 36)"
assert_ge "$(af_stat inflight_max)" 30 "in flight at once across the hosts"
for k in 1 2 3 4 5 6; do
  assert_le "$(af_host_stat inflight_max "127.0.0.$k")" 6 "host $k in flight"
done

# --- the spill file: open while the run goes, nameless, gone after a kill ---
spill=$tmp/spill
mkdir -p "$spill"
# Slow enough to be caught mid-run: host 1 answers after 50 ms.
sed 's|/text?h=1|/delay/50?h=1|' "$tmp/sorted.txt" >"$tmp/slow.txt"

# Polls (10 s at most) until afetch $1 has a file in $spill open that is
# deleted: prints its /proc fd link.
spill_fd() {
  local pid=$1 f l
  for _ in $(seq 500); do
    for f in /proc/"$pid"/fd/*; do
      l=$(readlink "$f" 2>/dev/null) || continue
      if [[ $l == "$spill/"*" (deleted)" ]]; then
        echo "$l"
        return 0
      fi
    done
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.02
  done
  return 1
}

TMPDIR=$spill "$AFETCH" -c 36 --per-host 6 --json --no-summary \
  "$tmp/slow.txt" >"$tmp/killed.json" &
pid=$!
link=$(spill_fd "$pid") || fail "no deleted spill file open in $spill"
echo "spill file: $link"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
assert_eq "$(find "$spill" -mindepth 1 | wc -l)" 0 "files left in TMPDIR"

# --- SIGINT: spilled lines end as cancelled -------------------------------
TMPDIR=$spill "$AFETCH" -c 36 --per-host 6 --json --no-summary \
  "$tmp/slow.txt" >"$tmp/int.json" &
pid=$!
spill_fd "$pid" >/dev/null || fail "no spill file before SIGINT"
for _ in $(seq 500); do
  [[ $(wc -l <"$tmp/int.json") -ge 30 ]] && break
  sleep 0.02
done
kill -INT "$pid"
# Every line read must end, spilled ones too: 20 s at most.
for _ in $(seq 1000); do
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.02
done
if kill -0 "$pid" 2>/dev/null; then
  kill -KILL "$pid"
  fail "afetch did not end within 20 s of SIGINT"
fi
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 130 "exit status after SIGINT"
check_lines "$tmp/int.json" "$tmp/slow.txt"
# Lines 4097..5000 are host 1's beyond the window: spilled, never started.
assert_eq "$(jq -s '[.[] | select(.line > 4096 and .line <= 5000 and
  .error_kind == "cancelled")] | length' "$tmp/int.json")" 904 \
  "host 1's spilled lines cancelled"
assert_eq "$(find "$spill" -mindepth 1 | wc -l)" 0 "files left after SIGINT"

# --- memory: 200 000 URLs on 2 hosts --------------------------------------
# Two hosts whose answers take 10 s: with 6 slots each nothing of theirs
# ends during the test, so every line read stays with afetch, in memory or
# in the spill. The last line is a third host's, with the one slot left
# (-c 13): when the server sees it, afetch has read the whole list, and
# SIGINT ends the rest as cancelled. What stays in memory is the window
# (4096 URLs, and at most as many again read past it) plus a few KiB per
# spilled host: about 10 MiB over afetch's own ~15 MiB, so 64 MiB is the
# bound. Kept in memory instead, 200 000 URLs take over 100 MiB.
af_reset
{
  for h in 1 2; do
    seq 100000 | sed "s|^|http://127.0.0.$h/delay/10000?i=|"
  done
  echo "http://127.0.0.3/text?last"
} >"$tmp/big.txt"
TMPDIR=$spill /usr/bin/time -f %M -o "$tmp/rss" "$AFETCH" -c 13 \
  --per-host 6 --json --no-summary "$tmp/big.txt" >"$tmp/big.json" &
tpid=$!
seen=0
for _ in $(seq 1500); do
  if [[ $(af_host_stat requests 127.0.0.3) -ge 1 ]]; then
    seen=1
    break
  fi
  kill -0 "$tpid" 2>/dev/null || break
  sleep 0.02
done
assert_eq "$seen" 1 "the last line fetched within 30 s"
pid=$(pgrep -P "$tpid" -x afetch) || fail "afetch under /usr/bin/time is gone"
kill -INT "$pid"
rc=0
wait "$tpid" || rc=$?
assert_eq "$rc" 130 "exit status after SIGINT"
assert_eq "$(wc -l <"$tmp/big.json")" 200001 "results for 200 001 lines"
assert_eq "$(jq -r .line "$tmp/big.json" | sort -n | uniq | wc -l)" 200001 \
  "distinct line numbers"
assert_ge "$(jq -s '[.[] | select(.error_kind == "cancelled")] | length' \
  "$tmp/big.json")" 199900 "cancelled"
rss=$(tail -1 "$tmp/rss")
echo "200 000 sorted URLs on 2 hosts, all read: peak RSS $rss KiB"
if [[ -z ${AF_SANITIZED:-} ]]; then
  assert_le "$rss" $((64 * 1024)) "peak RSS (KiB)"
fi
assert_eq "$(find "$spill" -mindepth 1 | wc -l)" 0 "files left after the run"
pass
