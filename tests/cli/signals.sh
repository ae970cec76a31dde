#!/usr/bin/env bash
# SIGINT stops the transfers, prints the partial summary and exits 130;
# a reader that goes away (| head -1) ends afetch promptly and quietly.
set -euo pipefail
source "$AF_SRC/tests/cli/lib.sh"
af_start_server
tmp=$(mktemp -d -p "$AF_TMP")

for i in $(seq 10); do echo "$AF_BASE/delay/20000/$i"; done >"$tmp/slow.txt"
"$AFETCH" -c 10 --per-host 10 "$tmp/slow.txt" >"$tmp/out.txt" \
  2>"$tmp/err.txt" &
pid=$!
# Wait (bounded) until the server has all ten in flight.
for _ in $(seq 500); do
  [ "$(af_stat .inflight_current)" = 10 ] && break
  sleep 0.01
done
assert_eq "$(af_stat .inflight_current)" 10 "ten in flight before SIGINT"
start=$(date +%s%N)
kill -INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
ms=$((($(date +%s%N) - start) / 1000000))
assert_eq "$rc" 130 "exit status after SIGINT"
assert_le "$ms" 2000 "SIGINT handled promptly (ms)"
grep -q "interrupted" "$tmp/err.txt" || fail "partial summary: $(cat "$tmp/err.txt")"
# The server saw the connections go away.
for _ in $(seq 500); do
  [ "$(af_stat .connections_current)" = 0 ] && break
  sleep 0.01
done
assert_eq "$(af_stat .connections_current)" 0 "connections closed"

# | head -1: quiet and prompt, long before 2000 URLs of 50 ms are done.
for i in $(seq 2000); do echo "$AF_BASE/delay/50/$i"; done >"$tmp/many.txt"
start=$(date +%s%N)
set +e
"$AFETCH" -c 10 "$tmp/many.txt" 2>"$tmp/err2.txt" | head -1 >"$tmp/one.txt"
rc=${PIPESTATUS[0]}
set -e
assert_eq "$rc" 141 "exit status when the reader went away"
ms=$((($(date +%s%N) - start) / 1000000))
assert_eq "$(wc -l <"$tmp/one.txt")" 1 "head got its line"
[ ! -s "$tmp/err2.txt" ] || fail "noise on stderr: $(cat "$tmp/err2.txt")"
assert_le "$ms" 3000 "ended promptly after head exited (ms)"

# A full disk: a clear error and a non-zero exit.
if [ -w /dev/full ]; then
  set +e
  "$AFETCH" "$tmp/many.txt" -c 50 --per-host 50 >/dev/full 2>"$tmp/err3.txt"
  rc=$?
  set -e
  [ "$rc" -ne 0 ] || fail "exit 0 writing to /dev/full"
  grep -q "No space left" "$tmp/err3.txt" || fail "message: $(cat "$tmp/err3.txt")"
fi
pass signals
