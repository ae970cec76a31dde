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

# A second SIGINT exits at once, even when the orderly stop cannot finish:
# here stdout is a pipe whose reader never reads (the FIFO is held open by
# this shell), so afetch blocks in write() and only _exit can end it.
mkfifo "$tmp/fifo"
exec 3<>"$tmp/fifo"
for i in $(seq 3000); do echo "$AF_BASE/page/blocked-$i"; done >"$tmp/blk.txt"
"$AFETCH" -c 20 --per-host 20 "$tmp/blk.txt" >"$tmp/fifo" 2>"$tmp/err4.txt" &
bpid=$!
for _ in $(seq 1000); do
  [[ $(cat "/proc/$bpid/wchan" 2>/dev/null) == *pipe_write ]] && break
  sleep 0.01
done
[[ $(cat "/proc/$bpid/wchan" 2>/dev/null) == *pipe_write ]] ||
  fail "not blocked on stdout: $(cat "/proc/$bpid/wchan")"
kill -INT "$bpid"
# Signals do not queue: wait (bounded) until the first one was delivered,
# i.e. SIGINT (bit 2) is no longer in the process's pending set.
for _ in $(seq 300); do
  pnd=$(sed -n 's/^ShdPnd:[[:space:]]*//p' "/proc/$bpid/status")
  (((16#$pnd & 2) == 0)) && break
  sleep 0.01
done
[[ $(cat "/proc/$bpid/wchan" 2>/dev/null) == *pipe_write ]] ||
  fail "the first SIGINT did not leave it blocked on stdout"
kill -INT "$bpid"
for _ in $(seq 300); do
  kill -0 "$bpid" 2>/dev/null || break
  sleep 0.01
done
if kill -0 "$bpid" 2>/dev/null; then
  kill -KILL "$bpid"
  fail "still running 3 s after a second SIGINT"
fi
set +e
wait "$bpid"
rc=$?
set -e
exec 3<&-
assert_eq "$rc" 130 "exit status after a second SIGINT"

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
